// SPDX-License-Identifier: GPL-2.0
/* Test only: ccm_ibdev.c built into ccm_rogue.ko. */
#include "../../ccm_ibdev.c"
