// SPDX-License-Identifier: GPL-2.0
/*
 * ccm - proof that the partner's ccm holds the shared key (see ccm_auth.h).
 *
 * The key is set once, from the auth_key module parameter while the module
 * loads (or by a KUnit test), before any connection exists; it is read-only
 * afterwards, so no lock guards it. Only the keyed transform keeps it.
 */
#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <linux/err.h>
#include <linux/string.h>

#include "ccm_auth.h"

#define CCM_AUTH_LABEL		"ccm-auth-1"

/* hmac(sha256) keyed with auth_key; NULL: no key, no authentication. */
static struct crypto_shash *ccm_auth_tfm;

/**
 * ccm_auth_set_key() - key the proofs of every later connection
 * @key: the shared key
 * @len: its length, CCM_AUTH_KEY_MIN to CCM_AUTH_KEY_MAX bytes
 *
 * Context: process context, before any connection exists (module load).
 * Return: 0, -EINVAL for a key of a bad length, or the crypto API's error
 * (-ENOENT when the kernel has no hmac(sha256)).
 */
int ccm_auth_set_key(const u8 *key, size_t len)
{
	struct crypto_shash *tfm;
	int ret;

	if (len < CCM_AUTH_KEY_MIN || len > CCM_AUTH_KEY_MAX)
		return -EINVAL;
	tfm = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	ret = crypto_shash_setkey(tfm, key, len);
	if (ret) {
		crypto_free_shash(tfm);
		return ret;
	}
	ccm_auth_clear_key();
	ccm_auth_tfm = tfm;
	return 0;
}

/**
 * ccm_auth_clear_key() - forget the key: connections are not authenticated
 *
 * Context: process context, when no connection exists (module unload).
 */
void ccm_auth_clear_key(void)
{
	crypto_free_shash(ccm_auth_tfm);	/* NULL-safe; zeroes the key */
	ccm_auth_tfm = NULL;
}

/**
 * ccm_auth_enabled() - are connections authenticated?
 *
 * Context: any.
 * Return: true when a key is set.
 */
bool ccm_auth_enabled(void)
{
	return ccm_auth_tfm;
}

/**
 * ccm_auth_name() - the authentication in use, for sysfs and messages
 *
 * Context: any.
 * Return: "hmac-sha256" or "none".
 */
const char *ccm_auth_name(void)
{
	return ccm_auth_tfm ? "hmac-sha256" : "none";
}

/**
 * ccm_auth_mac() - one side's proof over a connection's transcript
 * @role: whose proof
 * @req: the REQ's private data as sent (CM data and the active's nonce)
 * @req_len: its length
 * @body: what the proof vouches for (the REP's CM data and descriptor, or
 *	  the active side's descriptor)
 * @body_len: its length
 * @nonce_p: the passive side's nonce, CCM_AUTH_NONCE_LEN bytes
 * @mac: CCM_AUTH_MAC_LEN bytes out
 *
 * Context: process context.
 * Return: 0, -ENOKEY without a key, or the crypto API's error.
 */
int ccm_auth_mac(enum ccm_auth_role role, const void *req, size_t req_len,
		 const void *body, size_t body_len, const u8 *nonce_p, u8 *mac)
{
	SHASH_DESC_ON_STACK(desc, ccm_auth_tfm);
	u8 r = role;
	int ret;

	if (!ccm_auth_tfm)
		return -ENOKEY;
	desc->tfm = ccm_auth_tfm;
	ret = crypto_shash_init(desc) ?:
	      crypto_shash_update(desc, CCM_AUTH_LABEL,
				  sizeof(CCM_AUTH_LABEL) - 1) ?:
	      crypto_shash_update(desc, &r, 1) ?:
	      crypto_shash_update(desc, req, req_len) ?:
	      crypto_shash_update(desc, body, body_len) ?:
	      crypto_shash_update(desc, nonce_p, CCM_AUTH_NONCE_LEN) ?:
	      crypto_shash_final(desc, mac);
	shash_desc_zero(desc);
	return ret;
}

/**
 * ccm_auth_verify() - check the partner's proof
 * @role: whose proof it claims to be
 * @req: as for ccm_auth_mac()
 * @req_len: as for ccm_auth_mac()
 * @body: as for ccm_auth_mac()
 * @body_len: as for ccm_auth_mac()
 * @nonce_p: as for ccm_auth_mac()
 * @mac: the proof received, CCM_AUTH_MAC_LEN bytes
 *
 * Compared in constant time.
 *
 * Context: process context.
 * Return: true only when a key is set and @mac is the proof for it.
 */
bool ccm_auth_verify(enum ccm_auth_role role, const void *req,
		     size_t req_len, const void *body, size_t body_len,
		     const u8 *nonce_p, const u8 *mac)
{
	u8 want[CCM_AUTH_MAC_LEN];
	bool ok;

	if (ccm_auth_mac(role, req, req_len, body, body_len, nonce_p, want))
		return false;
	ok = !crypto_memneq(want, mac, CCM_AUTH_MAC_LEN);
	memzero_explicit(want, sizeof(want));
	return ok;
}
