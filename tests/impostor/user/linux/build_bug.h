/* SPDX-License-Identifier: GPL-2.0 */
/* Test only: see linux/types.h here. static_assert comes from <assert.h>. */
#include <assert.h>
