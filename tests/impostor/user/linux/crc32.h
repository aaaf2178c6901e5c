/* SPDX-License-Identifier: GPL-2.0 */
/* Test only: see linux/types.h here. The kernel's crc32_le, bit by bit. */
#ifndef CCM_USER_LINUX_CRC32_H
#define CCM_USER_LINUX_CRC32_H

#include "types.h"

static inline u32 crc32_le(u32 crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	int i;

	while (len--) {
		crc ^= *p++;
		for (i = 0; i < 8; i++)
			crc = (crc >> 1) ^ (crc & 1 ? 0xedb88320 : 0);
	}
	return crc;
}

#endif
