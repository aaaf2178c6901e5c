// SPDX-License-Identifier: GPL-2.0
/* Test only: ccm_fault.c built into ccm_rogue.ko. */
#include "../../ccm_fault.c"
