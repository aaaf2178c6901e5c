// SPDX-License-Identifier: GPL-2.0
/* Test only: ccm_sentinel.c built into ccm_rogue.ko with fault injection. */
#define CCM_ROGUE
#include "../../ccm_sentinel.c"
