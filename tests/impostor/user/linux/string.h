/* SPDX-License-Identifier: GPL-2.0 */
/* Test only: see linux/types.h here. */
#ifndef CCM_USER_LINUX_STRING_H
#define CCM_USER_LINUX_STRING_H

#include <string.h>
#include <sys/types.h>

/* The first byte of @p not @c, or NULL */
static inline void *memchr_inv(const void *p, int c, size_t n)
{
	const unsigned char *b = p;

	for (; n; n--, b++)
		if (*b != (unsigned char)c)
			return (void *)b;
	return NULL;
}

/* Copy and NUL-terminate; the length, or -7 (-E2BIG) when truncated */
static inline ssize_t strscpy(char *dst, const char *src, size_t size)
{
	size_t len = strnlen(src, size);

	if (!size)
		return -7;
	if (len == size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = 0;
		return -7;
	}
	memcpy(dst, src, len + 1);
	return (ssize_t)len;
}

#endif
