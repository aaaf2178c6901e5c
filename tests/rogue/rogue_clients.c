// SPDX-License-Identifier: GPL-2.0
/*
 * Test only: ccm_clients.c built into ccm_rogue.ko.
 * ccm.ko exports the client API; the rogue must not export it again.
 */
#include <linux/export.h>
#undef EXPORT_SYMBOL_GPL
#define EXPORT_SYMBOL_GPL(sym)
#include "../../ccm_clients.c"
