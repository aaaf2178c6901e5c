// SPDX-License-Identifier: GPL-2.0
/* Test only: ccm_auth.c built into ccm_rogue.ko. */
#include "../../ccm_auth.c"
