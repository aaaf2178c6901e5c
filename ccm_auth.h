/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ccm - proof that the partner's ccm holds the shared key (auth_key).
 *
 * Both sides prove the key with HMAC-SHA256 over a transcript that holds a
 * fresh nonce of each side, so a recorded exchange cannot be replayed and
 * one side's proof cannot be reflected as the other's:
 *
 *   REQ  (active)   CM private data + nonce_a
 *   REP  (passive)  CM private data + descriptor + nonce_p
 *                   + HMAC(key, "ccm-auth-1" 'P' REQ REP-body nonce_p)
 *   SEND (active)   its descriptor
 *                   + HMAC(key, "ccm-auth-1" 'A' REQ descriptor nonce_p)
 *
 * A connection that has not proven the key holds an rkey of its own copy
 * of the sentinel page only (ccm_conn.c): what it writes there is never
 * read.
 *
 * A passive connection becomes current only once the active side's proof
 * has been checked; the active side uses a connection only once the
 * passive side's has. No crypto state of a connection lives here: the
 * transform is keyed once at module load and shared (crypto_shash is safe
 * for concurrent use with a descriptor per call).
 */
#ifndef _CCM_AUTH_H
#define _CCM_AUTH_H

#include <linux/types.h>

#include "ccm_wire.h"

#define CCM_AUTH_NONCE_LEN	CCM_WIRE_NONCE_LEN
#define CCM_AUTH_MAC_LEN	CCM_WIRE_MAC_LEN	/* SHA-256 */
#define CCM_AUTH_KEY_MIN	16	/* bytes, 32 hex digits */
#define CCM_AUTH_KEY_MAX	64
#define CCM_AUTH_DESC_MAX	64	/* auth_key_desc, with its NUL */

/* Whose proof a MAC is: the two never verify as each other. */
enum ccm_auth_role {
	CCM_AUTH_ACTIVE = 'A',
	CCM_AUTH_PASSIVE = 'P',
};

int ccm_auth_set_key(const u8 *key, size_t len);
void ccm_auth_clear_key(void);
bool ccm_auth_enabled(void);
const char *ccm_auth_name(void);
int ccm_auth_mac(enum ccm_auth_role role, const void *req, size_t req_len,
		 const void *body, size_t body_len, const u8 *nonce_p,
		 u8 *mac);
bool ccm_auth_verify(enum ccm_auth_role role, const void *req,
		     size_t req_len, const void *body, size_t body_len,
		     const u8 *nonce_p, const u8 *mac);

#endif /* _CCM_AUTH_H */
