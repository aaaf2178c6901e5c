/* SPDX-License-Identifier: GPL-2.0 */
/* Test only: see linux/types.h here. */
#include <stddef.h>
