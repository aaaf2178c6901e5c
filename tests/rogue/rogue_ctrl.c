// SPDX-License-Identifier: GPL-2.0
/* Test only: ccm_ctrl.c built into ccm_rogue.ko with fault injection. */
#define CCM_ROGUE
#include "../../ccm_ctrl.c"
