/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test only: the part of ccm's wire format rdmacm_impostor speaks, through
 * ccm_wire.c itself (wire.c), so that the impostor's request is the one
 * ccm's partner would send.
 */
#ifndef CCM_USER_WIRE_H
#define CCM_USER_WIRE_H

#include <stddef.h>

typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

/* A REQ's private data (no nonce: no key) into @buf; return its length. */
size_t wire_req(void *buf, size_t len, u64 node_id, u64 epoch, u32 gen);
/* Why a REJ's private data says ccm refused, or why it is not ccm's. */
const char *wire_rej(const void *buf, size_t len);

#endif
