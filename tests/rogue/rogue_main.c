// SPDX-License-Identifier: GPL-2.0
/* Test only: ccm_main.c built into ccm_rogue.ko. */
#include "../../ccm_main.c"
