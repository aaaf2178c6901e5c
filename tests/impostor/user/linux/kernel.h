/* SPDX-License-Identifier: GPL-2.0 */
/* Test only: see linux/types.h here. */
#ifndef CCM_USER_LINUX_KERNEL_H
#define CCM_USER_LINUX_KERNEL_H

#include <assert.h>
#include <endian.h>
#include <errno.h>
#include "types.h"

#define cpu_to_be16(x)	htobe16(x)
#define cpu_to_be32(x)	htobe32(x)
#define cpu_to_be64(x)	htobe64(x)
#define be16_to_cpu(x)	be16toh(x)
#define be32_to_cpu(x)	be32toh(x)
#define be64_to_cpu(x)	be64toh(x)
#define READ_ONCE(x)	__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static inline void be16_add_cpu(__be16 *p, u16 v)
{
	*p = cpu_to_be16(be16_to_cpu(*p) + v);
}

#endif
