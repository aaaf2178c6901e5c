/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test only: just enough of the kernel's headers, in user space, to build
 * ccm_wire.c (the wire format's encoders and decoders) into
 * rdmacm_impostor. Only wire.c includes them; its callers use wire.h.
 */
#ifndef CCM_USER_LINUX_TYPES_H
#define CCM_USER_LINUX_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef unsigned short __be16;
typedef unsigned int __be32;
typedef unsigned long long __be64;

/* __packed: given by the Makefile (-D), as compiler.h would */

#endif
