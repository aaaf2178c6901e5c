// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for ccm_auth.c: the proofs of the shared key (auth_key).
 *
 * The golden proofs below were computed independently (Python's hmac and
 * hashlib) from the transcript Documentation/ccm.rst gives:
 * HMAC-SHA256(key, "ccm-auth-1" || role || REQ || body || nonce_p). A
 * change here is a change of the wire protocol.
 */
#include <kunit/test.h>
#include <linux/string.h>

#include "ccm_auth.h"

static u8 key[32], req[56], body[88], nonce[CCM_AUTH_NONCE_LEN];

static const u8 gold_passive[CCM_AUTH_MAC_LEN] = {
	0x8e, 0xde, 0xda, 0x3f, 0x87, 0xe4, 0xc7, 0x0a,
	0xfe, 0x83, 0xae, 0xb5, 0x48, 0x51, 0x8f, 0xa1,
	0xd6, 0x35, 0x3d, 0x97, 0x95, 0xdb, 0x0a, 0x96,
	0xcc, 0x5f, 0x70, 0x8d, 0xed, 0x46, 0x4f, 0x19,
};

static const u8 gold_active[CCM_AUTH_MAC_LEN] = {
	0x5b, 0x69, 0x5b, 0x1d, 0x51, 0x15, 0xaa, 0x72,
	0x9d, 0x22, 0xaf, 0xab, 0x9b, 0xf7, 0x00, 0xe3,
	0xa2, 0x9d, 0x98, 0x37, 0xd3, 0x5c, 0x5e, 0xa6,
	0x7b, 0x22, 0xde, 0x5f, 0xb0, 0xca, 0xea, 0x26,
};

static int auth_init(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < sizeof(key); i++)
		key[i] = i;
	for (i = 0; i < sizeof(req); i++)
		req[i] = 0xa0 + i;
	for (i = 0; i < sizeof(body); i++)
		body[i] = 0x30 + i;
	for (i = 0; i < sizeof(nonce); i++)
		nonce[i] = 0xc0 + i;
	return ccm_auth_set_key(key, sizeof(key));
}

static void auth_exit(struct kunit *test)
{
	ccm_auth_clear_key();
}

static void auth_golden(struct kunit *test)
{
	u8 mac[CCM_AUTH_MAC_LEN];

	KUNIT_ASSERT_TRUE(test, ccm_auth_enabled());
	KUNIT_EXPECT_STREQ(test, ccm_auth_name(), "hmac-sha256");
	KUNIT_ASSERT_EQ(test, ccm_auth_mac(CCM_AUTH_PASSIVE, req, sizeof(req),
					   body, sizeof(body), nonce, mac), 0);
	KUNIT_EXPECT_EQ(test, memcmp(mac, gold_passive, sizeof(mac)), 0);
	KUNIT_ASSERT_EQ(test, ccm_auth_mac(CCM_AUTH_ACTIVE, req, sizeof(req),
					   body, sizeof(body), nonce, mac), 0);
	KUNIT_EXPECT_EQ(test, memcmp(mac, gold_active, sizeof(mac)), 0);
}

/* Each side's proof checks as its own, never as the other's. */
static void auth_roles(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, ccm_auth_verify(CCM_AUTH_PASSIVE, req,
						sizeof(req), body, sizeof(body),
						nonce, gold_passive));
	KUNIT_EXPECT_TRUE(test, ccm_auth_verify(CCM_AUTH_ACTIVE, req,
						sizeof(req), body, sizeof(body),
						nonce, gold_active));
	KUNIT_EXPECT_FALSE(test, ccm_auth_verify(CCM_AUTH_ACTIVE, req,
						 sizeof(req), body, sizeof(body),
						 nonce, gold_passive));
	KUNIT_EXPECT_FALSE(test, ccm_auth_verify(CCM_AUTH_PASSIVE, req,
						 sizeof(req), body, sizeof(body),
						 nonce, gold_active));
}

/* Flipping @bit in any byte of @buf makes the passive proof fail. */
static void auth_flip_each(struct kunit *test, u8 *buf, size_t len, u8 bit,
			   const u8 *mac)
{
	size_t i;

	for (i = 0; i < len; i++) {
		buf[i] ^= bit;
		KUNIT_EXPECT_FALSE(test, ccm_auth_verify(CCM_AUTH_PASSIVE, req,
							 sizeof(req), body,
							 sizeof(body), nonce,
							 mac));
		buf[i] ^= bit;
	}
}

/* Every bit of the transcript and of the proof counts. */
static void auth_every_byte(struct kunit *test)
{
	u8 mac[CCM_AUTH_MAC_LEN];

	auth_flip_each(test, req, sizeof(req), 0x01, gold_passive);
	auth_flip_each(test, body, sizeof(body), 0x80, gold_passive);
	auth_flip_each(test, nonce, sizeof(nonce), 0x10, gold_passive);
	memcpy(mac, gold_passive, sizeof(mac));
	auth_flip_each(test, mac, sizeof(mac), 0x04, mac);
	/* A shorter body is another transcript. */
	KUNIT_EXPECT_FALSE(test, ccm_auth_verify(CCM_AUTH_PASSIVE, req,
						 sizeof(req), body,
						 sizeof(body) - 1, nonce,
						 gold_passive));
}

/* Another key: no proof of this one checks. */
static void auth_other_key(struct kunit *test)
{
	key[0] ^= 0xff;
	KUNIT_ASSERT_EQ(test, ccm_auth_set_key(key, sizeof(key)), 0);
	KUNIT_EXPECT_FALSE(test, ccm_auth_verify(CCM_AUTH_PASSIVE, req,
						 sizeof(req), body, sizeof(body),
						 nonce, gold_passive));
}

/* Without a key nothing is proven, and nothing checks. */
static void auth_no_key(struct kunit *test)
{
	u8 mac[CCM_AUTH_MAC_LEN];

	ccm_auth_clear_key();
	KUNIT_EXPECT_FALSE(test, ccm_auth_enabled());
	KUNIT_EXPECT_STREQ(test, ccm_auth_name(), "none");
	KUNIT_EXPECT_EQ(test, ccm_auth_mac(CCM_AUTH_PASSIVE, req, sizeof(req),
					   body, sizeof(body), nonce, mac),
			-ENOKEY);
	KUNIT_EXPECT_FALSE(test, ccm_auth_verify(CCM_AUTH_PASSIVE, req,
						 sizeof(req), body, sizeof(body),
						 nonce, gold_passive));
	/* Clearing twice is harmless. */
	ccm_auth_clear_key();
}

/* Keys of 16 to 64 bytes; a refused key leaves the old one in place. */
static void auth_key_length(struct kunit *test)
{
	static u8 big[CCM_AUTH_KEY_MAX + 1];

	KUNIT_EXPECT_EQ(test, ccm_auth_set_key(key, CCM_AUTH_KEY_MIN - 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, ccm_auth_set_key(big, sizeof(big)), -EINVAL);
	KUNIT_EXPECT_TRUE(test, ccm_auth_verify(CCM_AUTH_PASSIVE, req,
						sizeof(req), body, sizeof(body),
						nonce, gold_passive));
	KUNIT_EXPECT_EQ(test, ccm_auth_set_key(key, CCM_AUTH_KEY_MIN), 0);
	KUNIT_EXPECT_EQ(test, ccm_auth_set_key(big, CCM_AUTH_KEY_MAX), 0);
	KUNIT_EXPECT_TRUE(test, ccm_auth_enabled());
}

static struct kunit_case ccm_auth_cases[] = {
	KUNIT_CASE(auth_golden),
	KUNIT_CASE(auth_roles),
	KUNIT_CASE(auth_every_byte),
	KUNIT_CASE(auth_other_key),
	KUNIT_CASE(auth_no_key),
	KUNIT_CASE(auth_key_length),
	{}
};

static struct kunit_suite ccm_auth_suite = {
	.name = "ccm_auth",
	.init = auth_init,
	.exit = auth_exit,
	.test_cases = ccm_auth_cases,
};

kunit_test_suite(ccm_auth_suite);

MODULE_LICENSE("GPL");
