// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for ccm's control messages (ccm_wire.c): the OFFER, READY
 * and GONE builders, the decoder that validates a whole message, and the
 * iterators that walk the entries of an accepted one.
 */
#include <kunit/test.h>
#include <linux/crc32.h>
#include <linux/kernel.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <asm/unaligned.h>

#include "ccm_wire.h"

#define GEN		0x21222324U
#define HDR		sizeof(struct ccm_wire_msg)
#define NAME_SZ		sizeof(struct ccm_wire_name)
#define OFFER_SZ(n)	(sizeof(struct ccm_wire_offer) +		\
			 (size_t)(n) * sizeof(struct ccm_wire_qp))
#define MSG_CAP		(CCM_MSG_MAX + 64)	/* room for oversize edits */
#define H(f)		offsetof(struct ccm_wire_msg, f)

/* Distinct, recognisable QP numbers and PSNs for client @c, QP @i. */
static u32 qpn_of(unsigned int c, unsigned int i)
{
	return 0x10000 * (c + 1) + i;
}

static u32 psn_of(unsigned int c, unsigned int i)
{
	return (i * 2654435761U) ^ (c << 24) ^ 0xa5a5a5;
}

/* One OFFER entry to build, and to compare the decoded one with. */
struct offer_spec {
	const char *name;
	u32 inc;
	u16 nr_qps;
	u8 rd;		/* READ depth; 0: 16 */
	u64 addr;
	u32 rkey;
	u32 len;
	u32 answers;
};

static int msg_add_offer(void *buf, size_t cap, const struct offer_spec *s,
			 unsigned int c)
{
	struct ccm_offer_info o = {
		.incarnation = s->inc, .nr_qps = s->nr_qps,
		.rd_atomic = s->rd ?: 16,
		.mem_addr = s->addr, .mem_rkey = s->rkey, .mem_len = s->len,
		.answers = s->answers,
	};
	unsigned int i;
	u32 *qpn, *psn;
	int ret;

	strscpy(o.name, s->name, sizeof(o.name));
	qpn = kmalloc_array(s->nr_qps + 1, sizeof(*qpn), GFP_KERNEL);
	psn = kmalloc_array(s->nr_qps + 1, sizeof(*psn), GFP_KERNEL);
	if (!qpn || !psn) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < s->nr_qps; i++) {
		qpn[i] = qpn_of(c, i);
		psn[i] = psn_of(c, i);
	}
	ret = ccm_wire_msg_add_offer(buf, cap, &o, qpn, psn);
out:
	kfree(qpn);
	kfree(psn);
	return ret;
}

static int msg_add_name(void *buf, size_t cap, const char *name, u32 inc,
			u32 reason)
{
	struct ccm_name_info n = { .incarnation = inc, .reason = reason };

	strscpy(n.name, name, sizeof(n.name));
	return ccm_wire_msg_add_name(buf, cap, &n);
}

static u32 msg_len(const void *buf)
{
	return get_unaligned_be32((const u8 *)buf +
				  offsetof(struct ccm_wire_msg, length));
}

/*
 * Recompute the CRC of an edited message the documented way: CRC32 (IEEE)
 * of the whole message, as its length field says, with the CRC field zero.
 */
static void msg_reseal(void *buf)
{
	u8 *crc = (u8 *)buf + offsetof(struct ccm_wire_msg, crc);

	memset(crc, 0, 4);
	put_unaligned_be32(crc32_le(~0U, buf, msg_len(buf)) ^ ~0U, crc);
}

/* Store @val big-endian in @width bytes at @p. */
static void put_be(void *p, unsigned int width, u64 val)
{
	switch (width) {
	case 1:
		*(u8 *)p = val;
		break;
	case 2:
		put_unaligned_be16(val, p);
		break;
	case 4:
		put_unaligned_be32(val, p);
		break;
	default:
		put_unaligned_be64(val, p);
		break;
	}
}

/*
 * Decode @len bytes of @src from an exact-size copy (an overread leaves
 * the allocation), and check that a refusal leaves @out untouched.
 */
static enum ccm_wire_status msg_try(struct kunit *test, const void *src,
				    size_t len, struct ccm_msg_info *out)
{
	struct ccm_msg_info scratch;
	enum ccm_wire_status st;
	void *buf;

	buf = kmemdup(src, len ?: 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	memset(&scratch, 0x5a, sizeof(scratch));
	st = ccm_wire_msg_decode(buf, len, &scratch);
	if (st != CCM_WIRE_OK)
		KUNIT_EXPECT_PTR_EQ_MSG(test,
					memchr_inv(&scratch, 0x5a,
						   sizeof(scratch)),
					NULL, "output written on %s",
					ccm_wire_status_str(st));
	kfree(buf);
	if (out)
		*out = scratch;
	return st;
}

/*
 * Walk every entry of a message the decoder accepted and check what the
 * decoder promises: each entry lies inside the accepted length, names are
 * valid, NUL-padded and unique, 1 to CCM_MAX_QPS QPs, reasons fit the type,
 * and the entries fill the message exactly. Returns false on a violation.
 */
static bool msg_check_entries(struct kunit *test, const u8 *buf, size_t len,
			      const struct ccm_msg_info *mi)
{
	char (*names)[CCM_NAME_MAX];
	size_t off = HDR, start = HDR;
	bool good = false;
	unsigned int i, j;

	KUNIT_EXPECT_GE(test, mi->type, CCM_MSG_OFFER);
	KUNIT_EXPECT_LT(test, mi->type, CCM_MSG_NR);
	KUNIT_EXPECT_NE(test, mi->gen, 0U);
	KUNIT_EXPECT_LE(test, mi->count, CCM_MAX_CLIENTS);
	KUNIT_EXPECT_GE(test, (size_t)mi->length, HDR);
	KUNIT_EXPECT_LE(test, mi->length, CCM_MSG_MAX);
	KUNIT_EXPECT_LE(test, (size_t)mi->length, len);
	KUNIT_EXPECT_EQ(test, mi->length, msg_len(buf));
	if (mi->length > len || mi->count > CCM_MAX_CLIENTS)
		return false;
	if (mi->type == CCM_MSG_DOWN) {
		struct ccm_link_info li;

		KUNIT_EXPECT_EQ(test, mi->count, 1);
		KUNIT_EXPECT_EQ(test, (size_t)mi->length,
				HDR + sizeof(struct ccm_wire_link));
		ccm_wire_msg_link(buf, &li);
		KUNIT_EXPECT_TRUE(test, li.family == 4 || li.family == 6);
		KUNIT_EXPECT_NE(test, li.gen, 0U);
		return mi->count == 1 && (li.family == 4 || li.family == 6);
	}

	names = kcalloc(CCM_MAX_CLIENTS, CCM_NAME_MAX, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, names);
	for (i = 0; i < mi->count; i++) {
		const char *name;

		start = off;
		if (mi->type == CCM_MSG_OFFER) {
			struct ccm_offer_info o;

			if (off + OFFER_SZ(0) > mi->length)
				goto fail;
			ccm_wire_msg_offer(buf, &off, &o);
			name = o.name;
			KUNIT_EXPECT_GE(test, o.nr_qps, 1);
			KUNIT_EXPECT_LE(test, o.nr_qps, CCM_MAX_QPS);
			KUNIT_EXPECT_PTR_EQ(test, (const u8 *)o.qps,
					    buf + start + OFFER_SZ(0));
			KUNIT_EXPECT_EQ(test, off - start, OFFER_SZ(o.nr_qps));
			if (!o.mem_len) {
				KUNIT_EXPECT_EQ(test, o.mem_addr, 0ULL);
				KUNIT_EXPECT_EQ(test, o.mem_rkey, 0U);
			}
		} else {
			struct ccm_name_info n;

			if (off + NAME_SZ > mi->length)
				goto fail;
			ccm_wire_msg_name(buf, &off, &n);
			name = n.name;
			KUNIT_EXPECT_EQ(test, off - start, NAME_SZ);
			if (mi->type == CCM_MSG_READY) {
				KUNIT_EXPECT_EQ(test, n.reason, 0U);
			} else {
				KUNIT_EXPECT_GE(test, n.reason,
						CCM_GONE_UNREGISTERED);
				KUNIT_EXPECT_LT(test, n.reason, CCM_GONE_NR);
			}
		}
		if (off > mi->length)
			goto fail;
		KUNIT_EXPECT_TRUE_MSG(test,
				      ccm_wire_name_valid(name, CCM_NAME_MAX),
				      "entry %u: invalid name", i);
		KUNIT_EXPECT_PTR_EQ_MSG(test,
					memchr_inv(name + strnlen(name,
								  CCM_NAME_MAX),
						   0, CCM_NAME_MAX -
						   strnlen(name,
							   CCM_NAME_MAX)),
					NULL, "entry %u: name not NUL-padded",
					i);
		for (j = 0; j < i; j++)
			KUNIT_EXPECT_NE_MSG(test,
					    memcmp(names[j], name,
						   CCM_NAME_MAX), 0,
					    "entries %u and %u: same name",
					    j, i);
		memcpy(names[i], name, CCM_NAME_MAX);
	}
	KUNIT_EXPECT_EQ(test, off, (size_t)mi->length);
	good = off == mi->length;
	kfree(names);
	return good;
fail:
	KUNIT_FAIL(test, "entry %u at %zu overruns the %u accepted bytes",
		   i, start, mi->length);
	kfree(names);
	return false;
}

/* ---- 1. Layout, golden encodings and round trips ---- */

static void msg_layout(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, HDR, 24);
	KUNIT_EXPECT_EQ(test, offsetof(struct ccm_wire_msg, length), 8);
	KUNIT_EXPECT_EQ(test, offsetof(struct ccm_wire_msg, gen), 12);
	KUNIT_EXPECT_EQ(test, offsetof(struct ccm_wire_msg, count), 16);
	KUNIT_EXPECT_EQ(test, offsetof(struct ccm_wire_msg, crc), 20);
	KUNIT_EXPECT_EQ(test, OFFER_SZ(0), 60);
	KUNIT_EXPECT_EQ(test, offsetof(struct ccm_wire_offer, nr_qps), 36);
	KUNIT_EXPECT_EQ(test, offsetof(struct ccm_wire_offer, rd_atomic), 38);
	KUNIT_EXPECT_EQ(test, offsetof(struct ccm_wire_offer, reserved), 39);
	KUNIT_EXPECT_EQ(test, offsetof(struct ccm_wire_offer, answers), 56);
	KUNIT_EXPECT_EQ(test, sizeof(struct ccm_wire_qp), 8);
	KUNIT_EXPECT_EQ(test, NAME_SZ, 40);
	KUNIT_EXPECT_EQ(test, offsetof(struct ccm_wire_name, reason), 36);
	/* The largest single client fits in one message. */
	KUNIT_EXPECT_LE(test, HDR + OFFER_SZ(CCM_MAX_QPS), CCM_MSG_MAX);
	/* So do CCM_MAX_CLIENTS names, and as many one-QP offers. */
	KUNIT_EXPECT_LE(test, HDR + CCM_MAX_CLIENTS * NAME_SZ, CCM_MSG_MAX);
	KUNIT_EXPECT_LE(test, HDR + CCM_MAX_CLIENTS * OFFER_SZ(1),
			CCM_MSG_MAX);
}

/*
 * Encodings computed independently (Python struct + zlib.crc32). Any
 * change here is a wire-incompatible change.
 */
static const struct offer_spec gold_offer = {
	.name = "q-1", .inc = 0x0a0b0c0d, .nr_qps = 2, .rd = 16,
	.addr = 0x1122334455667788ULL, .rkey = 0x99aabbcc, .len = 0x1000,
	.answers = 0x31323334,
};

static const u32 gold_qpn[2] = { 0x111, 0x222 };
static const u32 gold_psn[2] = { 0xabcdef, 0x123456 };

static const u8 offer_gold[100] = {
	0x43, 0x43, 0x4d, 0x58, 0x04, 0x01, 0x00, 0x18,
	0x00, 0x00, 0x00, 0x64, 0x21, 0x22, 0x23, 0x24,
	0x00, 0x01, 0x00, 0x00, 0x8b, 0x6a, 0x7c, 0xa7,
	0x71, 0x2d, 0x31, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x0a, 0x0b, 0x0c, 0x0d, 0x00, 0x02, 0x10, 0x00,
	0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
	0x99, 0xaa, 0xbb, 0xcc, 0x00, 0x00, 0x10, 0x00,
	0x31, 0x32, 0x33, 0x34, 0x00, 0x00, 0x01, 0x11,
	0x00, 0xab, 0xcd, 0xef, 0x00, 0x00, 0x02, 0x22,
	0x00, 0x12, 0x34, 0x56,
};

static const u8 gone_gold[104] = {
	0x43, 0x43, 0x4d, 0x58, 0x04, 0x03, 0x00, 0x18,
	0x00, 0x00, 0x00, 0x68, 0x21, 0x22, 0x23, 0x24,
	0x00, 0x02, 0x00, 0x00, 0xc3, 0xa8, 0x2b, 0x27,
	0x61, 0x6c, 0x70, 0x68, 0x61, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x01,
	0x62, 0x2d, 0x32, 0x5f, 0x7a, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x05, 0x06, 0x07, 0x08, 0x00, 0x00, 0x00, 0x02,
};

static void msg_golden(struct kunit *test)
{
	struct ccm_offer_info o = {
		.incarnation = gold_offer.inc, .nr_qps = gold_offer.nr_qps,
		.rd_atomic = gold_offer.rd, .mem_addr = gold_offer.addr,
		.mem_rkey = gold_offer.rkey, .mem_len = gold_offer.len,
		.answers = gold_offer.answers,
	};
	struct ccm_msg_info mi;
	u8 *buf;

	buf = kunit_kzalloc(test, 256, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	strscpy(o.name, gold_offer.name, sizeof(o.name));

	memset(buf, 0xee, 256);
	KUNIT_ASSERT_EQ(test, ccm_wire_msg_init(buf, 256, CCM_MSG_OFFER, GEN),
			0);
	KUNIT_ASSERT_EQ(test, ccm_wire_msg_add_offer(buf, 256, &o, gold_qpn,
						     gold_psn), 0);
	KUNIT_ASSERT_EQ(test, ccm_wire_msg_finish(buf), sizeof(offer_gold));
	KUNIT_EXPECT_EQ(test, memcmp(buf, offer_gold, sizeof(offer_gold)), 0);
	/* Nothing written past the end. */
	KUNIT_EXPECT_PTR_EQ(test, memchr_inv(buf + sizeof(offer_gold), 0xee,
					     256 - sizeof(offer_gold)), NULL);
	KUNIT_EXPECT_EQ(test, msg_try(test, offer_gold, sizeof(offer_gold),
				      &mi), CCM_WIRE_OK);

	memset(buf, 0xee, 256);
	KUNIT_ASSERT_EQ(test, ccm_wire_msg_init(buf, 256, CCM_MSG_GONE, GEN),
			0);
	KUNIT_ASSERT_EQ(test, msg_add_name(buf, 256, "alpha", 0x01020304,
					   CCM_GONE_UNREGISTERED), 0);
	KUNIT_ASSERT_EQ(test, msg_add_name(buf, 256, "b-2_z", 0x05060708,
					   CCM_GONE_MISMATCH), 0);
	KUNIT_ASSERT_EQ(test, ccm_wire_msg_finish(buf), sizeof(gone_gold));
	KUNIT_EXPECT_EQ(test, memcmp(buf, gone_gold, sizeof(gone_gold)), 0);
	KUNIT_EXPECT_PTR_EQ(test, memchr_inv(buf + sizeof(gone_gold), 0xee,
					     256 - sizeof(gone_gold)), NULL);
	KUNIT_EXPECT_EQ(test, msg_try(test, gone_gold, sizeof(gone_gold), &mi),
			CCM_WIRE_OK);
}

static const struct offer_spec rt_offers[] = {
	{ .name = "a", .inc = 1, .nr_qps = 1 },
	{ .name = "client-1024", .inc = 0xfffffffe, .nr_qps = CCM_MAX_QPS,
	  .addr = 0xffff888012345000ULL, .rkey = 0xdeadbeef,
	  .len = 4U << 20 },
	{ .name = "x_9", .inc = 0x80000000, .nr_qps = 7, .rd = 255, .addr = 0,
	  .rkey = 0x1234, .len = 4096, .answers = 0xffffffff },
	{ .name = "0123456789abcdefghijklmnopqrstu", .inc = 0, .nr_qps = 2 },
	{ .name = "last", .inc = 42, .nr_qps = 1, .rd = 1, .addr = 0x1000,
	  .rkey = 1, .len = 1, .answers = 7 },
};

static void msg_offer_roundtrip(struct kunit *test)
{
	size_t off = HDR, start, total = HDR;
	struct ccm_offer_info o;
	struct ccm_msg_info mi;
	unsigned int c, i;
	u8 *buf;

	buf = kunit_kzalloc(test, CCM_MSG_MAX, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_EQ(test, ccm_wire_msg_init(buf, CCM_MSG_MAX,
						CCM_MSG_OFFER, GEN), 0);
	for (c = 0; c < ARRAY_SIZE(rt_offers); c++) {
		KUNIT_ASSERT_EQ(test, msg_add_offer(buf, CCM_MSG_MAX,
						    &rt_offers[c], c), 0);
		total += OFFER_SZ(rt_offers[c].nr_qps);
	}
	KUNIT_ASSERT_EQ(test, ccm_wire_msg_finish(buf), total);

	memset(&mi, 0, sizeof(mi));
	KUNIT_ASSERT_EQ(test, ccm_wire_msg_decode(buf, total, &mi),
			CCM_WIRE_OK);
	KUNIT_EXPECT_EQ(test, mi.type, CCM_MSG_OFFER);
	KUNIT_EXPECT_EQ(test, mi.gen, GEN);
	KUNIT_EXPECT_EQ(test, (size_t)mi.length, total);
	KUNIT_EXPECT_EQ(test, mi.count, ARRAY_SIZE(rt_offers));
	KUNIT_EXPECT_TRUE(test, msg_check_entries(test, buf, total, &mi));

	for (c = 0; c < ARRAY_SIZE(rt_offers); c++) {
		const struct offer_spec *s = &rt_offers[c];

		start = off;
		memset(&o, 0x5a, sizeof(o));
		ccm_wire_msg_offer(buf, &off, &o);
		KUNIT_EXPECT_STREQ(test, o.name, s->name);
		KUNIT_EXPECT_EQ(test, o.incarnation, s->inc);
		KUNIT_EXPECT_EQ(test, o.nr_qps, s->nr_qps);
		KUNIT_EXPECT_EQ(test, o.rd_atomic, s->rd ?: 16);
		KUNIT_EXPECT_EQ(test, o.mem_addr, s->addr);
		KUNIT_EXPECT_EQ(test, o.mem_rkey, s->rkey);
		KUNIT_EXPECT_EQ(test, o.mem_len, s->len);
		KUNIT_EXPECT_EQ(test, o.answers, s->answers);
		KUNIT_EXPECT_PTR_EQ(test, (const u8 *)o.qps,
				    buf + start + OFFER_SZ(0));
		KUNIT_EXPECT_EQ(test, off, start + OFFER_SZ(s->nr_qps));
		for (i = 0; i < s->nr_qps; i++) {
			if (be32_to_cpu(o.qps[i].qpn) != qpn_of(c, i) ||
			    be32_to_cpu(o.qps[i].psn) != psn_of(c, i)) {
				KUNIT_FAIL(test, "client %u qp %u: %08x/%08x",
					   c, i, be32_to_cpu(o.qps[i].qpn),
					   be32_to_cpu(o.qps[i].psn));
				break;
			}
		}
	}
	KUNIT_EXPECT_EQ(test, off, total);
	/* Transports may hand over more than the message: still the same. */
	KUNIT_EXPECT_EQ(test, ccm_wire_msg_decode(buf, CCM_MSG_MAX, &mi),
			CCM_WIRE_OK);
	KUNIT_EXPECT_EQ(test, (size_t)mi.length, total);
}

static const char * const rt_names[] = {
	"alpha", "b", "0", "-", "_", "a-b_c9",
	"abcdefghijklmnopqrstuvwxyz01234",	/* 31: the longest */
};

static void msg_names_roundtrip(struct kunit *test)
{
	static const u8 types[] = { CCM_MSG_READY, CCM_MSG_GONE };
	struct ccm_name_info n;
	struct ccm_msg_info mi;
	unsigned int t, i;
	size_t off, len;
	u32 reason;
	u8 *buf;

	buf = kunit_kzalloc(test, 4096, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (t = 0; t < ARRAY_SIZE(types); t++) {
		KUNIT_ASSERT_EQ(test, ccm_wire_msg_init(buf, 4096, types[t],
							GEN + t), 0);
		for (i = 0; i < ARRAY_SIZE(rt_names); i++) {
			reason = types[t] == CCM_MSG_GONE ?
				 CCM_GONE_UNREGISTERED + i % 3 : 0;
			KUNIT_ASSERT_EQ(test, msg_add_name(buf, 4096,
							   rt_names[i],
							   0x1000 * i + t,
							   reason), 0);
		}
		len = ccm_wire_msg_finish(buf);
		KUNIT_ASSERT_EQ(test, len, HDR + ARRAY_SIZE(rt_names) * NAME_SZ);
		KUNIT_ASSERT_EQ(test, msg_try(test, buf, len, &mi),
				CCM_WIRE_OK);
		KUNIT_EXPECT_EQ(test, mi.type, types[t]);
		KUNIT_EXPECT_EQ(test, mi.gen, GEN + t);
		KUNIT_EXPECT_EQ(test, (size_t)mi.length, len);
		KUNIT_EXPECT_EQ(test, mi.count, ARRAY_SIZE(rt_names));
		KUNIT_EXPECT_TRUE(test, msg_check_entries(test, buf, len, &mi));
		off = HDR;
		for (i = 0; i < ARRAY_SIZE(rt_names); i++) {
			reason = types[t] == CCM_MSG_GONE ?
				 CCM_GONE_UNREGISTERED + i % 3 : 0;
			memset(&n, 0x5a, sizeof(n));
			ccm_wire_msg_name(buf, &off, &n);
			KUNIT_EXPECT_STREQ(test, n.name, rt_names[i]);
			KUNIT_EXPECT_EQ(test, n.incarnation, 0x1000 * i + t);
			KUNIT_EXPECT_EQ(test, n.reason, reason);
			KUNIT_EXPECT_EQ(test, off, HDR + (i + 1) * NAME_SZ);
		}
	}
}

/* A message without entries is well-formed for every type but USE. */
static void msg_empty(struct kunit *test)
{
	struct ccm_msg_info mi;
	u8 buf[HDR];
	u8 type;

	for (type = CCM_MSG_OFFER; type < CCM_MSG_USE; type++) {
		KUNIT_ASSERT_EQ(test, ccm_wire_msg_init(buf, sizeof(buf), type,
							GEN), 0);
		KUNIT_ASSERT_EQ(test, ccm_wire_msg_finish(buf), HDR);
		KUNIT_EXPECT_EQ(test, msg_try(test, buf, HDR, &mi),
				CCM_WIRE_OK);
		KUNIT_EXPECT_EQ(test, mi.type, type);
		KUNIT_EXPECT_EQ(test, mi.count, 0);
		KUNIT_EXPECT_EQ(test, mi.length, HDR);
	}
}

/*
 * USE: a header alone, the sequence in ->arg, never 0; no entries. Any
 * other type with ->arg set, or a USE without one, is refused.
 */
static void msg_use(struct kunit *test)
{
	struct ccm_msg_info mi;
	u8 buf[HDR + NAME_SZ];
	struct ccm_wire_msg *m = (void *)buf;
	size_t len;

	KUNIT_EXPECT_EQ(test, ccm_wire_msg_use(buf, sizeof(buf), GEN, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, ccm_wire_msg_use(buf, HDR - 1, GEN, 1),
			-ENOSPC);
	KUNIT_ASSERT_EQ(test, ccm_wire_msg_use(buf, sizeof(buf), GEN, 0xbeef),
			(int)HDR);
	KUNIT_EXPECT_EQ(test, m->type, CCM_MSG_USE);
	KUNIT_EXPECT_EQ(test, be16_to_cpu(m->arg), 0xbeef);
	KUNIT_ASSERT_EQ(test, msg_try(test, buf, HDR, &mi), CCM_WIRE_OK);
	KUNIT_EXPECT_EQ(test, mi.type, CCM_MSG_USE);
	KUNIT_EXPECT_EQ(test, mi.arg, 0xbeef);
	KUNIT_EXPECT_EQ(test, mi.gen, GEN);
	KUNIT_EXPECT_EQ(test, mi.count, 0);

	/* A USE with arg 0, resealed. */
	m->arg = 0;
	KUNIT_EXPECT_EQ(test, ccm_wire_msg_finish(buf), HDR);
	KUNIT_EXPECT_EQ(test, msg_try(test, buf, HDR, &mi), CCM_WIRE_FIELD);

	/* A READY with an arg, resealed. */
	KUNIT_ASSERT_EQ(test, ccm_wire_msg_init(buf, sizeof(buf), CCM_MSG_READY,
						GEN), 0);
	m->arg = cpu_to_be16(1);
	KUNIT_EXPECT_EQ(test, ccm_wire_msg_finish(buf), HDR);
	KUNIT_EXPECT_EQ(test, msg_try(test, buf, HDR, &mi), CCM_WIRE_FIELD);

	/* A USE with an entry: a READY's name entry, retyped and resealed. */
	KUNIT_ASSERT_EQ(test, ccm_wire_msg_init(buf, sizeof(buf), CCM_MSG_READY,
						GEN), 0);
	KUNIT_ASSERT_EQ(test, ccm_wire_msg_add_name(buf, sizeof(buf),
						    &(struct ccm_name_info){
							.name = "echo0",
							.incarnation = 1 }), 0);
	m->type = CCM_MSG_USE;
	m->arg = cpu_to_be16(1);
	len = ccm_wire_msg_finish(buf);
	KUNIT_EXPECT_EQ(test, len, HDR + NAME_SZ);
	KUNIT_EXPECT_EQ(test, msg_try(test, buf, len, &mi), CCM_WIRE_FIELD);
}

/*
 * DOWN: one link entry (family 4 or 6, a generation, the address); the
 * builder refuses what the decoder would, and the decoder refuses a
 * family, generation, reserved byte, IPv4 tail, count, length or arg that
 * do not fit.
 */
static void msg_down(struct kunit *test)
{
	static const struct ccm_link_info v4 = {
		.family = 4, .gen = 0x01020304, .addr = { 169, 254, 1, 2 },
	};
	static const struct ccm_link_info v6 = {
		.family = 6, .gen = 7,
		.addr = { 0xfe, 0x80, [8] = 0x02, [15] = 0x42 },
	};
	const size_t len = HDR + sizeof(struct ccm_wire_link);
	struct ccm_wire_msg *m;
	struct ccm_link_info li;
	struct ccm_msg_info mi;
	u8 buf[HDR + 2 * sizeof(struct ccm_wire_link)];
	u8 *w = buf + HDR;

	m = (void *)buf;
	li = v4;
	li.family = 5;
	KUNIT_EXPECT_EQ(test, ccm_wire_msg_down(buf, sizeof(buf), GEN, &li),
			-EINVAL);
	li = v4;
	li.gen = 0;
	KUNIT_EXPECT_EQ(test, ccm_wire_msg_down(buf, sizeof(buf), GEN, &li),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, ccm_wire_msg_down(buf, len - 1, GEN, &v4),
			-ENOSPC);

	KUNIT_ASSERT_EQ(test, ccm_wire_msg_down(buf, sizeof(buf), GEN, &v4),
			(int)len);
	KUNIT_ASSERT_EQ(test, msg_try(test, buf, len, &mi), CCM_WIRE_OK);
	KUNIT_EXPECT_EQ(test, mi.type, CCM_MSG_DOWN);
	KUNIT_EXPECT_EQ(test, mi.count, 1);
	ccm_wire_msg_link(buf, &li);
	KUNIT_EXPECT_EQ(test, li.family, 4);
	KUNIT_EXPECT_EQ(test, li.gen, v4.gen);
	KUNIT_EXPECT_EQ(test, memcmp(li.addr, v4.addr, 16), 0);

	KUNIT_ASSERT_EQ(test, ccm_wire_msg_down(buf, sizeof(buf), GEN, &v6),
			(int)len);
	KUNIT_ASSERT_EQ(test, msg_try(test, buf, len, &mi), CCM_WIRE_OK);
	ccm_wire_msg_link(buf, &li);
	KUNIT_EXPECT_EQ(test, li.family, 6);
	KUNIT_EXPECT_EQ(test, li.gen, 7U);
	KUNIT_EXPECT_EQ(test, memcmp(li.addr, v6.addr, 16), 0);

#define DOWN_BAD(what, st) do {						\
		KUNIT_ASSERT_EQ(test, ccm_wire_msg_down(buf, sizeof(buf),	\
							GEN, &v4), (int)len); \
		what;							\
		msg_reseal(buf);					\
		KUNIT_EXPECT_EQ(test, msg_try(test, buf, msg_len(buf), &mi), \
				st);					\
	} while (0)
	DOWN_BAD(w[0] = 5, CCM_WIRE_FIELD);			/* family */
	DOWN_BAD(memset(w + 4, 0, 4), CCM_WIRE_FIELD);		/* generation */
	DOWN_BAD(w[2] = 1, CCM_WIRE_FIELD);			/* reserved */
	DOWN_BAD(w[8 + 15] = 1, CCM_WIRE_FIELD);		/* IPv4 tail */
	DOWN_BAD(m->arg = cpu_to_be16(1), CCM_WIRE_FIELD);
	DOWN_BAD(m->count = cpu_to_be16(2), CCM_WIRE_FIELD);
	DOWN_BAD(m->count = 0, CCM_WIRE_FIELD);
	DOWN_BAD(put_unaligned_be32(len + sizeof(struct ccm_wire_link),
				    &m->length), CCM_WIRE_LENGTH);
	DOWN_BAD(put_unaligned_be32(len - 1, &m->length), CCM_WIRE_LENGTH);
#undef DOWN_BAD
}

/* ---- 2. Builder limits ---- */

static void msg_init_limits(struct kunit *test)
{
	static const u8 want[HDR] = {
		0x43, 0x43, 0x4d, 0x58, 0x04, 0x02, 0x00, 0x18,
		0x00, 0x00, 0x00, 0x18, 0x21, 0x22, 0x23, 0x24,
	};
	u8 buf[HDR + 8];

	memset(buf, 0xee, sizeof(buf));
	KUNIT_EXPECT_EQ(test, ccm_wire_msg_init(buf, 0, CCM_MSG_READY, GEN),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, ccm_wire_msg_init(buf, HDR - 1, CCM_MSG_READY,
						GEN), -ENOSPC);
	KUNIT_EXPECT_PTR_EQ(test, memchr_inv(buf, 0xee, sizeof(buf)), NULL);
	KUNIT_ASSERT_EQ(test, ccm_wire_msg_init(buf, HDR, CCM_MSG_READY, GEN),
			0);
	/* The header as documented, CRC still 0, nothing written beyond. */
	KUNIT_EXPECT_EQ(test, memcmp(buf, want, HDR), 0);
	KUNIT_EXPECT_PTR_EQ(test, memchr_inv(buf + HDR, 0xee, 8), NULL);
	/* No room for any entry. */
	KUNIT_EXPECT_EQ(test, msg_add_name(buf, HDR, "a", 1, 0), -ENOSPC);
	KUNIT_EXPECT_EQ(test, memcmp(buf, want, HDR), 0);
}

static void msg_add_nospace(struct kunit *test)
{
	static const struct offer_spec five = { .name = "five", .nr_qps = 5 };
	static const struct offer_spec one = { .name = "one", .nr_qps = 1 };
	struct ccm_msg_info mi;
	size_t cap;
	u8 *buf, *snap;

	buf = kunit_kzalloc(test, 1024, GFP_KERNEL);
	snap = kunit_kzalloc(test, 1024, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, snap);

	/* Names: one byte short, exact, then full. */
	memset(buf, 0xee, 1024);
	cap = HDR + NAME_SZ;
	KUNIT_ASSERT_EQ(test, ccm_wire_msg_init(buf, cap, CCM_MSG_READY, GEN),
			0);
	memcpy(snap, buf, 1024);
	KUNIT_EXPECT_EQ(test, msg_add_name(buf, cap - 1, "a", 1, 0), -ENOSPC);
	KUNIT_EXPECT_EQ(test, memcmp(buf, snap, 1024), 0);
	KUNIT_EXPECT_EQ(test, msg_add_name(buf, cap, "a", 1, 0), 0);
	memcpy(snap, buf, 1024);
	KUNIT_EXPECT_EQ(test, msg_add_name(buf, cap, "b", 2, 0), -ENOSPC);
	KUNIT_EXPECT_EQ(test, memcmp(buf, snap, 1024), 0);
	/* A capacity below the current length is refused as well. */
	KUNIT_EXPECT_EQ(test, msg_add_name(buf, HDR, "b", 2, 0), -ENOSPC);
	KUNIT_EXPECT_EQ(test, memcmp(buf, snap, 1024), 0);
	KUNIT_EXPECT_EQ(test, ccm_wire_msg_finish(buf), cap);
	KUNIT_EXPECT_EQ(test, msg_try(test, buf, cap, &mi), CCM_WIRE_OK);
	KUNIT_EXPECT_EQ(test, mi.count, 1);

	/* Offers: the same, sized by their QP count. */
	memset(buf, 0xee, 1024);
	cap = HDR + OFFER_SZ(1) + OFFER_SZ(5);
	KUNIT_ASSERT_EQ(test, ccm_wire_msg_init(buf, cap, CCM_MSG_OFFER, GEN),
			0);
	KUNIT_EXPECT_EQ(test, msg_add_offer(buf, cap, &one, 0), 0);
	memcpy(snap, buf, 1024);
	KUNIT_EXPECT_EQ(test, msg_add_offer(buf, cap - 1, &five, 1), -ENOSPC);
	KUNIT_EXPECT_EQ(test, memcmp(buf, snap, 1024), 0);
	KUNIT_EXPECT_EQ(test, msg_add_offer(buf, cap, &five, 1), 0);
	memcpy(snap, buf, 1024);
	KUNIT_EXPECT_EQ(test, msg_add_offer(buf, cap, &one, 2), -ENOSPC);
	KUNIT_EXPECT_EQ(test, memcmp(buf, snap, 1024), 0);
	KUNIT_EXPECT_EQ(test, msg_add_name(buf, cap + NAME_SZ - 1, "z", 3, 0),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, memcmp(buf, snap, 1024), 0);
	KUNIT_EXPECT_EQ(test, ccm_wire_msg_finish(buf), cap);
	KUNIT_EXPECT_PTR_EQ(test, memchr_inv(buf + cap, 0xee, 1024 - cap),
			    NULL);
	KUNIT_EXPECT_EQ(test, msg_try(test, buf, cap, &mi), CCM_WIRE_OK);
	KUNIT_EXPECT_EQ(test, mi.count, 2);
	KUNIT_EXPECT_TRUE(test, msg_check_entries(test, buf, cap, &mi));
}

/* CCM_MSG_MAX exactly, the most 1024-QP clients, and one byte too many. */
static void msg_max_size(struct kunit *test)
{
	struct offer_spec big = { .nr_qps = CCM_MAX_QPS, .len = 4096,
				  .addr = 0x1000, .rkey = 7 };
	static const struct offer_spec one = { .name = "one", .nr_qps = 1 };
	size_t fit = (CCM_MSG_MAX - HDR) / OFFER_SZ(CCM_MAX_QPS);
	u16 last = (CCM_MSG_MAX - HDR - fit * OFFER_SZ(CCM_MAX_QPS) -
		    OFFER_SZ(0)) / sizeof(struct ccm_wire_qp);
	const char * const names[] = { "big-0", "big-1", "big-2", "big-3",
				       "big-4" };
	struct ccm_msg_info mi;
	unsigned int n;
	u8 *buf;
	u32 len;

	buf = kunit_kzalloc(test, MSG_CAP, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);

	/* A single 1024-QP client fits a buffer of exactly its size. */
	big.name = names[0];
	KUNIT_ASSERT_EQ(test, ccm_wire_msg_init(buf, MSG_CAP, CCM_MSG_OFFER,
						GEN), 0);
	KUNIT_EXPECT_EQ(test, msg_add_offer(buf, HDR + OFFER_SZ(CCM_MAX_QPS) -
					    1, &big, 0), -ENOSPC);
	KUNIT_EXPECT_EQ(test, msg_add_offer(buf, HDR + OFFER_SZ(CCM_MAX_QPS),
					    &big, 0), 0);

	/* How many fit in CCM_MSG_MAX: three (8252 bytes each). */
	KUNIT_EXPECT_EQ(test, fit, 3);
	KUNIT_ASSERT_LT(test, fit, ARRAY_SIZE(names));
	for (n = 1; n < ARRAY_SIZE(names); n++) {
		big.name = names[n];
		if (msg_add_offer(buf, CCM_MSG_MAX, &big, n))
			break;
	}
	KUNIT_EXPECT_EQ(test, n, fit);
	len = ccm_wire_msg_finish(buf);
	KUNIT_EXPECT_EQ(test, len, HDR + fit * OFFER_SZ(CCM_MAX_QPS));
	KUNIT_EXPECT_EQ(test, msg_try(test, buf, len, &mi), CCM_WIRE_OK);
	KUNIT_EXPECT_EQ(test, mi.count, fit);
	KUNIT_EXPECT_TRUE(test, msg_check_entries(test, buf, len, &mi));

	/* Fill the rest exactly: CCM_MSG_MAX bytes. */
	KUNIT_EXPECT_EQ(test, last, 991);
	big.name = names[fit];
	big.nr_qps = last + 1;
	KUNIT_EXPECT_EQ(test, msg_add_offer(buf, CCM_MSG_MAX, &big, fit),
			-ENOSPC);
	big.nr_qps = last;
	KUNIT_ASSERT_EQ(test, msg_add_offer(buf, CCM_MSG_MAX, &big, fit), 0);
	KUNIT_EXPECT_EQ(test, msg_len(buf), CCM_MSG_MAX);
	KUNIT_EXPECT_EQ(test, msg_add_offer(buf, CCM_MSG_MAX, &one, 9),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, msg_add_name(buf, CCM_MSG_MAX, "n", 1, 0),
			-ENOSPC);
	KUNIT_ASSERT_EQ(test, ccm_wire_msg_finish(buf), CCM_MSG_MAX);
	KUNIT_EXPECT_EQ(test, msg_try(test, buf, CCM_MSG_MAX, &mi),
			CCM_WIRE_OK);
	KUNIT_EXPECT_EQ(test, mi.length, CCM_MSG_MAX);
	KUNIT_EXPECT_EQ(test, mi.count, fit + 1);
	KUNIT_EXPECT_TRUE(test, msg_check_entries(test, buf, CCM_MSG_MAX,
						  &mi));
	KUNIT_EXPECT_EQ(test, msg_try(test, buf, CCM_MSG_MAX - 1, NULL),
			CCM_WIRE_SHORT);
	KUNIT_EXPECT_EQ(test, msg_try(test, buf, MSG_CAP, &mi), CCM_WIRE_OK);

	/* The same with one more QP: a valid message, but too long. */
	put_unaligned_be16(last + 1, buf + HDR + fit * OFFER_SZ(CCM_MAX_QPS) +
			   offsetof(struct ccm_wire_offer, nr_qps));
	put_unaligned_be32(CCM_MSG_MAX + 8,
			   buf + offsetof(struct ccm_wire_msg, length));
	msg_reseal(buf);
	KUNIT_EXPECT_EQ(test, msg_try(test, buf, CCM_MSG_MAX + 8, NULL),
			CCM_WIRE_LENGTH);
	KUNIT_EXPECT_EQ(test, msg_try(test, buf, MSG_CAP, NULL),
			CCM_WIRE_LENGTH);
}

/* CCM_MAX_CLIENTS entries are accepted, one more is not. */
static void msg_count_limit(struct kunit *test)
{
	static const u8 types[] = { CCM_MSG_OFFER, CCM_MSG_READY,
				    CCM_MSG_GONE };
	struct offer_spec s = { .nr_qps = 1 };
	struct ccm_msg_info mi;
	unsigned int t, i;
	char name[8];
	size_t len, esz;
	u8 *buf, *e;

	buf = kunit_kzalloc(test, 8192, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (t = 0; t < ARRAY_SIZE(types); t++) {
		esz = types[t] == CCM_MSG_OFFER ? OFFER_SZ(1) : NAME_SZ;
		KUNIT_ASSERT_EQ(test, ccm_wire_msg_init(buf, 8192, types[t],
							GEN), 0);
		for (i = 0; i < CCM_MAX_CLIENTS; i++) {
			snprintf(name, sizeof(name), "c%u", i);
			s.name = name;
			if (types[t] == CCM_MSG_OFFER)
				KUNIT_ASSERT_EQ(test, msg_add_offer(buf, 8192,
								    &s, i), 0);
			else
				KUNIT_ASSERT_EQ(test,
						msg_add_name(buf, 8192, name, i,
							     types[t] ==
							     CCM_MSG_GONE),
						0);
		}
		len = ccm_wire_msg_finish(buf);
		KUNIT_ASSERT_EQ(test, len, HDR + CCM_MAX_CLIENTS * esz);
		KUNIT_EXPECT_EQ(test, msg_try(test, buf, len, &mi),
				CCM_WIRE_OK);
		KUNIT_EXPECT_EQ(test, mi.count, CCM_MAX_CLIENTS);
		KUNIT_EXPECT_TRUE(test, msg_check_entries(test, buf, len, &mi));

		/* Append a 65th valid entry by hand (a copy, renamed). */
		e = buf + len;
		memcpy(e, e - esz, esz);
		memset(e, 0, CCM_NAME_MAX);
		strscpy((char *)e, "extra", CCM_NAME_MAX);
		put_unaligned_be16(CCM_MAX_CLIENTS + 1,
				   buf + offsetof(struct ccm_wire_msg, count));
		put_unaligned_be32(len + esz,
				   buf + offsetof(struct ccm_wire_msg, length));
		msg_reseal(buf);
		KUNIT_EXPECT_EQ_MSG(test, msg_try(test, buf, len + esz, NULL),
				    CCM_WIRE_FIELD, "type %u", types[t]);
	}
}

/*
 * QP counts at the limits in otherwise consistent messages: the length
 * field and the CRC agree with the QP count, only the count is wrong.
 */
static void msg_qps_limit(struct kunit *test)
{
	static const struct offer_spec max = { .name = "max",
					       .nr_qps = CCM_MAX_QPS };
	static const struct offer_spec one = { .name = "one", .nr_qps = 1 };
	size_t nr_off = HDR + offsetof(struct ccm_wire_offer, nr_qps);
	struct ccm_msg_info mi;
	size_t len;
	u8 *buf;

	buf = kunit_kzalloc(test, MSG_CAP, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_EQ(test, ccm_wire_msg_init(buf, MSG_CAP, CCM_MSG_OFFER,
						GEN), 0);
	KUNIT_ASSERT_EQ(test, msg_add_offer(buf, MSG_CAP, &max, 0), 0);
	len = ccm_wire_msg_finish(buf);
	KUNIT_ASSERT_EQ(test, len, HDR + OFFER_SZ(CCM_MAX_QPS));
	KUNIT_EXPECT_EQ(test, msg_try(test, buf, len, &mi), CCM_WIRE_OK);

	/* 1025 QPs, with the 8 bytes of the extra QP there. */
	put_unaligned_be16(CCM_MAX_QPS + 1, buf + nr_off);
	put_unaligned_be32(len + 8, buf + H(length));
	msg_reseal(buf);
	KUNIT_EXPECT_EQ(test, msg_try(test, buf, len + 8, NULL),
			CCM_WIRE_FIELD);

	/* 1023 QPs, the last one's bytes gone: valid. */
	put_unaligned_be16(CCM_MAX_QPS - 1, buf + nr_off);
	put_unaligned_be32(len - 8, buf + H(length));
	msg_reseal(buf);
	KUNIT_EXPECT_EQ(test, msg_try(test, buf, len - 8, &mi), CCM_WIRE_OK);
	KUNIT_EXPECT_TRUE(test, msg_check_entries(test, buf, len - 8, &mi));

	/* 0 QPs, an entry of just the offer header. */
	KUNIT_ASSERT_EQ(test, ccm_wire_msg_init(buf, MSG_CAP, CCM_MSG_OFFER,
						GEN), 0);
	KUNIT_ASSERT_EQ(test, msg_add_offer(buf, MSG_CAP, &one, 0), 0);
	len = ccm_wire_msg_finish(buf);
	KUNIT_EXPECT_EQ(test, msg_try(test, buf, len, &mi), CCM_WIRE_OK);
	put_unaligned_be16(0, buf + nr_off);
	put_unaligned_be32(len - 8, buf + H(length));
	msg_reseal(buf);
	KUNIT_EXPECT_EQ(test, msg_try(test, buf, len - 8, NULL),
			CCM_WIRE_FIELD);
}

/* ---- 3. and 4. Truncation and single-bit corruption ---- */

enum msg_base { BASE_OFFER, BASE_READY, BASE_GONE, BASE_BIG, BASE_NR };

static const char * const msg_base_names[BASE_NR] = {
	[BASE_OFFER] = "offer", [BASE_READY] = "ready",
	[BASE_GONE] = "gone", [BASE_BIG] = "offer-1024",
};

/*
 * The messages the field tests patch:
 *   OFFER: "alpha" 3 QPs with memory at 24 (80 bytes), "beta-2" 2 QPs
 *          without at 104 (72 bytes); 176 bytes.
 *   READY: "alpha", "beta_2", "c3", reason 0; 144 bytes.
 *   GONE:  the same names, reasons 1, 2, 3; 144 bytes.
 *   BIG:   OFFER with "one" 1 QP and "max" CCM_MAX_QPS QPs; 8328 bytes.
 */
#define O0(f)	(HDR + offsetof(struct ccm_wire_offer, f))
#define O1(f)	(HDR + OFFER_SZ(3) + offsetof(struct ccm_wire_offer, f))
#define N(i, f)	(HDR + (i) * NAME_SZ + offsetof(struct ccm_wire_name, f))
#define OFFER_LEN	(HDR + OFFER_SZ(3) + OFFER_SZ(2))
#define NAMES_LEN	(HDR + 3 * NAME_SZ)

static size_t msg_build(struct kunit *test, u8 *buf, size_t cap,
			enum msg_base base)
{
	static const struct offer_spec offers[] = {
		{ .name = "alpha", .inc = 0x11, .nr_qps = 3,
		  .addr = 0x1000, .rkey = 0x77, .len = 0x2000 },
		{ .name = "beta-2", .inc = 0x22, .nr_qps = 2 },
	};
	static const struct offer_spec big[] = {
		{ .name = "one", .inc = 1, .nr_qps = 1 },
		{ .name = "max", .inc = 2, .nr_qps = CCM_MAX_QPS,
		  .addr = 0x2000, .rkey = 3, .len = 4 },
	};
	static const char * const names[] = { "alpha", "beta_2", "c3" };
	unsigned int i;

	memset(buf, 0, cap);
	switch (base) {
	case BASE_OFFER:
	case BASE_BIG:
		KUNIT_ASSERT_EQ(test, ccm_wire_msg_init(buf, cap,
							CCM_MSG_OFFER, GEN),
				0);
		for (i = 0; i < 2; i++)
			KUNIT_ASSERT_EQ(test,
					msg_add_offer(buf, cap,
						      base == BASE_BIG ?
						      &big[i] : &offers[i], i),
					0);
		break;
	default:
		KUNIT_ASSERT_EQ(test,
				ccm_wire_msg_init(buf, cap, base == BASE_READY ?
						  CCM_MSG_READY : CCM_MSG_GONE,
						  GEN), 0);
		for (i = 0; i < ARRAY_SIZE(names); i++)
			KUNIT_ASSERT_EQ(test,
					msg_add_name(buf, cap, names[i],
						     0x11 * (i + 1),
						     base == BASE_READY ? 0 :
						     i + 1), 0);
		break;
	}
	return ccm_wire_msg_finish(buf);
}

static const enum msg_base msg_small_bases[] = {
	BASE_OFFER, BASE_READY, BASE_GONE,
};

static const enum msg_base msg_all_bases[] = {
	BASE_OFFER, BASE_READY, BASE_GONE, BASE_BIG,
};

static void msg_base_desc(const enum msg_base *b, char *desc)
{
	strscpy(desc, msg_base_names[*b], KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(msg_small, msg_small_bases, msg_base_desc);
KUNIT_ARRAY_PARAM(msg_all, msg_all_bases, msg_base_desc);

static void msg_truncated(struct kunit *test)
{
	const enum msg_base *base = test->param_value;
	enum ccm_wire_status st;
	struct ccm_msg_info mi;
	size_t len, cut;
	u8 *buf;

	buf = kunit_kzalloc(test, MSG_CAP, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	len = msg_build(test, buf, MSG_CAP, *base);
	KUNIT_ASSERT_EQ(test, msg_try(test, buf, len, NULL), CCM_WIRE_OK);
	for (cut = 0; cut < len; cut++) {
		/* Exact copies for the small ones; the big one in place. */
		if (*base == BASE_BIG)
			st = ccm_wire_msg_decode(buf, cut, &mi);
		else
			st = msg_try(test, buf, cut, NULL);
		if (cut < HDR)
			KUNIT_EXPECT_EQ_MSG(test, st, CCM_WIRE_SHORT,
					    "%zu of %zu bytes", cut, len);
		else
			KUNIT_EXPECT_TRUE_MSG(test, st == CCM_WIRE_SHORT ||
					      st == CCM_WIRE_LENGTH,
					      "%zu of %zu bytes: %s", cut, len,
					      ccm_wire_status_str(st));
	}
	KUNIT_EXPECT_EQ(test, ccm_wire_msg_decode(NULL, 0, &mi),
			CCM_WIRE_SHORT);
	KUNIT_EXPECT_EQ(test, ccm_wire_msg_decode(NULL, len, &mi),
			CCM_WIRE_SHORT);
	KUNIT_EXPECT_EQ(test, ccm_wire_msg_decode(NULL, CCM_MSG_MAX, &mi),
			CCM_WIRE_SHORT);
}

static void msg_bitflip(struct kunit *test)
{
	const enum msg_base *base = test->param_value;
	enum ccm_wire_status st, want;
	unsigned int bit;
	size_t len;
	u8 *buf;

	buf = kunit_kzalloc(test, 256, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	len = msg_build(test, buf, 256, *base);
	KUNIT_ASSERT_EQ(test, msg_try(test, buf, len, NULL), CCM_WIRE_OK);
	for (bit = 0; bit < len * 8; bit++) {
		size_t byte = bit / 8;

		buf[byte] ^= BIT(bit % 8);
		st = msg_try(test, buf, len, NULL);
		buf[byte] ^= BIT(bit % 8);
		if (byte < H(version))
			want = CCM_WIRE_MAGIC;
		else if (byte == H(version))
			want = CCM_WIRE_VERSION_BAD;
		else if (byte >= H(hdr_len) && byte < H(gen))
			want = CCM_WIRE_LENGTH;	/* hdr_len or length */
		else
			want = CCM_WIRE_CRC;
		/* A longer length field is "more than was received". */
		if (want == CCM_WIRE_LENGTH && st == CCM_WIRE_SHORT &&
		    byte >= H(length))
			want = CCM_WIRE_SHORT;
		/* A shorter one that still holds a header: CRC mismatch. */
		if (want == CCM_WIRE_LENGTH && st == CCM_WIRE_CRC &&
		    byte >= H(length))
			want = CCM_WIRE_CRC;
		KUNIT_EXPECT_EQ_MSG(test, st, want, "bit %u (byte %zu): %s",
				    bit, byte, ccm_wire_status_str(st));
	}
	KUNIT_EXPECT_EQ(test, msg_try(test, buf, len, NULL), CCM_WIRE_OK);
}

/* ---- 5. Field validation: patch a built message, recompute the CRC ---- */

static void fn_len_plus_40(u8 *buf, size_t *len)
{
	put_unaligned_be32(*len + 40, buf + H(length));
}

static void fn_trailing_8(u8 *buf, size_t *len)
{
	put_unaligned_be32(*len + 8, buf + H(length));
	*len += 8;
}

static void fn_trailing_1(u8 *buf, size_t *len)
{
	put_unaligned_be32(*len + 1, buf + H(length));
	*len += 1;
}

static void fn_len_minus_1(u8 *buf, size_t *len)
{
	put_unaligned_be32(*len - 1, buf + H(length));
}

static void fn_len_minus_8(u8 *buf, size_t *len)
{
	put_unaligned_be32(*len - 8, buf + H(length));
}

/* More bytes received than the message: transports may pad. */
static void fn_padded(u8 *buf, size_t *len)
{
	memset(buf + *len, 0xa5, 16);
	*len += 16;
}

static void fn_count_minus_1(u8 *buf, size_t *len)
{
	be16_add_cpu((__be16 *)(buf + H(count)), -1);
}

static void fn_count_plus_1(u8 *buf, size_t *len)
{
	be16_add_cpu((__be16 *)(buf + H(count)), 1);
}

static void fn_crc_flip(u8 *buf, size_t *len)
{
	buf[H(crc) + 3] ^= 0x01;
}

static void fn_payload_flip(u8 *buf, size_t *len)
{
	buf[*len - 1] ^= 0x80;
}

static void fn_name1_empty(u8 *buf, size_t *len)
{
	memset(buf + N(1, name), 0, CCM_NAME_MAX);
}

static void fn_offer1_empty(u8 *buf, size_t *len)
{
	memset(buf + O1(name), 0, CCM_NAME_MAX);
}

static void fn_name1_32(u8 *buf, size_t *len)
{
	memset(buf + N(1, name), 'a', CCM_NAME_MAX);
}

static void fn_offer0_32(u8 *buf, size_t *len)
{
	memset(buf + O0(name), 'a', CCM_NAME_MAX);
}

static void fn_name1_31(u8 *buf, size_t *len)
{
	memset(buf + N(1, name), 'a', CCM_NAME_MAX - 1);
}

static void fn_dup_01(u8 *buf, size_t *len)
{
	memcpy(buf + N(1, name), buf + N(0, name), CCM_NAME_MAX);
}

static void fn_dup_02(u8 *buf, size_t *len)
{
	memcpy(buf + N(2, name), buf + N(0, name), CCM_NAME_MAX);
}

static void fn_dup_12(u8 *buf, size_t *len)
{
	memcpy(buf + N(2, name), buf + N(1, name), CCM_NAME_MAX);
}

static void fn_offer_dup(u8 *buf, size_t *len)
{
	memcpy(buf + O1(name), buf + O0(name), CCM_NAME_MAX);
}

/* "alph" and "alphaa" next to "alpha": not the same name. */
static void fn_prefixes(u8 *buf, size_t *len)
{
	memset(buf + N(1, name), 0, CCM_NAME_MAX);
	memcpy(buf + N(1, name), "alph", 4);
	memset(buf + N(2, name), 0, CCM_NAME_MAX);
	memcpy(buf + N(2, name), "alphaa", 6);
}

/* 31-character names that differ in their last character only. */
static void fn_long_differ(u8 *buf, size_t *len)
{
	memset(buf + N(0, name), 'x', CCM_NAME_MAX - 1);
	memset(buf + N(1, name), 'x', CCM_NAME_MAX - 1);
	buf[N(1, name) + CCM_NAME_MAX - 2] = 'y';
}

static void fn_long_same(u8 *buf, size_t *len)
{
	memset(buf + N(0, name), 'x', CCM_NAME_MAX - 1);
	memset(buf + N(2, name), 'x', CCM_NAME_MAX - 1);
}

struct msg_case {
	const char *desc;
	enum msg_base base;
	unsigned int off, width;	/* width 0: no field patched */
	u64 val;
	void (*fn)(u8 *buf, size_t *len);
	bool keep_crc;			/* leave the CRC as it is */
	enum ccm_wire_status want;
};

#define PATCH(d, b, o, w, v, st)					\
	{ .desc = d, .base = b, .off = o, .width = w, .val = v, .want = st }
#define PATCH_RAW(d, b, o, w, v, st)					\
	{ .desc = d, .base = b, .off = o, .width = w, .val = v,		\
	  .keep_crc = true, .want = st }
#define EDIT(d, b, f, st)						\
	{ .desc = d, .base = b, .fn = f, .want = st }
#define EDIT_RAW(d, b, f, st)						\
	{ .desc = d, .base = b, .fn = f, .keep_crc = true, .want = st }

#define OK	CCM_WIRE_OK
#define FIELD	CCM_WIRE_FIELD
#define LENGTH	CCM_WIRE_LENGTH
#define SHORT	CCM_WIRE_SHORT
#define BO	BASE_OFFER
#define BR	BASE_READY
#define BG	BASE_GONE

static const struct msg_case msg_cases[] = {
	/* Controls: the patching and resealing keep a message valid. */
	EDIT("unchanged, resealed", BO, NULL, OK),
	EDIT("padded after the message", BR, fn_padded, OK),
	PATCH("offer incarnation 0", BO, O0(incarnation), 4, 0, OK),
	PATCH("offer READ depth 255", BO, O1(rd_atomic), 1, 255, OK),
	PATCH("offer READ depth 0 (no READs)", BO, O0(rd_atomic), 1, 0, OK),
	PATCH("name incarnation ~0", BG, N(1, incarnation), 4, ~0U, OK),
	PATCH("qpn and psn ~0", BO, O0(mem_len) + 4, 8, ~0ULL, OK),
	PATCH("memory at address 0", BO, O0(mem_addr), 8, 0, OK),
	PATCH("memory with rkey 0", BO, O0(mem_rkey), 4, 0, OK),
	PATCH("memory with length only", BO, O1(mem_len), 4, 1, OK),
	PATCH("gen ~0", BR, H(gen), 4, ~0U, OK),
	PATCH("name with '_'", BR, N(1, name), 1, '_', OK),
	PATCH("name with '-'", BR, N(1, name), 1, '-', OK),
	PATCH("name with '9'", BR, N(1, name), 1, '9', OK),
	PATCH("name with 'z'", BO, O1(name) + 5, 1, 'z', OK),
	EDIT("31-character name", BR, fn_name1_31, OK),
	EDIT("prefixes are other names", BR, fn_prefixes, OK),
	EDIT("long names differing at the end", BG, fn_long_differ, OK),
	PATCH("gone reason 3", BG, N(0, reason), 4, CCM_GONE_FAILED, OK),
	PATCH("gone reason 4", BG, N(0, reason), 4, CCM_GONE_QP_ERROR, OK),

	/* Frame. */
	PATCH_RAW("magic 0", BR, H(magic), 4, 0, CCM_WIRE_MAGIC),
	PATCH("magic of the mailbox", BR, H(magic), 4, CCM_MAGIC_MBOX,
	      CCM_WIRE_MAGIC),
	PATCH("version 0", BR, H(version), 1, 0, CCM_WIRE_VERSION_BAD),
	PATCH("version 1", BO, H(version), 1, 1, CCM_WIRE_VERSION_BAD),
	PATCH("version 2 (no READ depth)", BO, H(version), 1, 2,
	      CCM_WIRE_VERSION_BAD),
	PATCH("version 3 (no DOWN)", BO, H(version), 1, 3,
	      CCM_WIRE_VERSION_BAD),
	PATCH("version 5", BO, H(version), 1, 5, CCM_WIRE_VERSION_BAD),
	PATCH("version 0xff", BG, H(version), 1, 0xff, CCM_WIRE_VERSION_BAD),
	PATCH("hdr_len 0", BR, H(hdr_len), 2, 0, LENGTH),
	PATCH("hdr_len 23", BR, H(hdr_len), 2, HDR - 1, LENGTH),
	PATCH("hdr_len 25", BO, H(hdr_len), 2, HDR + 1, LENGTH),
	PATCH("hdr_len 0xffff", BG, H(hdr_len), 2, 0xffff, LENGTH),
	PATCH_RAW("length 0", BR, H(length), 4, 0, LENGTH),
	PATCH_RAW("length 23", BR, H(length), 4, HDR - 1, LENGTH),
	PATCH_RAW("length CCM_MSG_MAX + 1", BO, H(length), 4,
		  CCM_MSG_MAX + 1, LENGTH),
	PATCH_RAW("length 0xffffffff", BO, H(length), 4, 0xffffffff, LENGTH),
	EDIT_RAW("length beyond the bytes received", BR, fn_len_plus_40,
		 SHORT),
	EDIT("length beyond the bytes received, resealed", BO,
	     fn_len_plus_40, SHORT),
	EDIT("8 trailing bytes", BO, fn_trailing_8, LENGTH),
	EDIT("1 trailing byte", BR, fn_trailing_1, LENGTH),
	EDIT("last name cut by 1", BG, fn_len_minus_1, LENGTH),
	EDIT("last name cut by 1 (ready)", BR, fn_len_minus_1, LENGTH),
	EDIT("last offer cut by 8", BO, fn_len_minus_8, LENGTH),
	EDIT_RAW("crc flipped", BO, fn_crc_flip, CCM_WIRE_CRC),
	PATCH_RAW("crc 0", BR, H(crc), 4, 0, CCM_WIRE_CRC),
	EDIT_RAW("payload changed", BG, fn_payload_flip, CCM_WIRE_CRC),

	/* Header fields. */
	PATCH("type 0", BR, H(type), 1, 0, FIELD),
	PATCH("type CCM_MSG_NR", BR, H(type), 1, CCM_MSG_NR, FIELD),
	PATCH("type 0xff", BO, H(type), 1, 0xff, FIELD),
	PATCH("ready read as gone (reason 0)", BR, H(type), 1, CCM_MSG_GONE,
	      FIELD),
	PATCH("gone read as ready (reason set)", BG, H(type), 1,
	      CCM_MSG_READY, FIELD),
	PATCH("offer read as ready", BO, H(type), 1, CCM_MSG_READY, FIELD),
	PATCH("gen 0", BO, H(gen), 4, 0, FIELD),
	PATCH("gen 0 (gone)", BG, H(gen), 4, 0, FIELD),
	PATCH("arg 1 (ready)", BR, H(arg), 2, 1, FIELD),
	PATCH("arg 0x8000 (offer)", BO, H(arg), 2, 0x8000, FIELD),
	PATCH("count CCM_MAX_CLIENTS + 1", BR, H(count), 2,
	      CCM_MAX_CLIENTS + 1, FIELD),
	PATCH("count 0xffff", BO, H(count), 2, 0xffff, FIELD),
	PATCH("count 0", BR, H(count), 2, 0, LENGTH),
	PATCH("count 0 (offer)", BO, H(count), 2, 0, LENGTH),
	EDIT("count - 1", BG, fn_count_minus_1, LENGTH),
	EDIT("count - 1 (offer)", BO, fn_count_minus_1, LENGTH),
	EDIT("count + 1", BR, fn_count_plus_1, LENGTH),
	EDIT("count + 1 (offer)", BO, fn_count_plus_1, LENGTH),

	/* OFFER entries. */
	PATCH("nr_qps 0", BO, O0(nr_qps), 2, 0, FIELD),
	PATCH("last nr_qps 0", BO, O1(nr_qps), 2, 0, FIELD),
	PATCH("nr_qps CCM_MAX_QPS + 1", BO, O0(nr_qps), 2, CCM_MAX_QPS + 1,
	      FIELD),
	PATCH("nr_qps 0xffff", BO, O1(nr_qps), 2, 0xffff, FIELD),
	PATCH("last nr_qps + 1", BO, O1(nr_qps), 2, 3, LENGTH),
	PATCH("last nr_qps - 1", BO, O1(nr_qps), 2, 1, LENGTH),
	PATCH("offer reserved 1", BO, O0(reserved), 1, 1, FIELD),
	PATCH("last offer reserved 0x80", BO, O1(reserved), 1, 0x80, FIELD),

	PATCH("no memory, address set", BO, O1(mem_addr), 8, 1, FIELD),
	PATCH("no memory, high address set", BO, O1(mem_addr), 8,
	      1ULL << 63, FIELD),
	PATCH("no memory, rkey set", BO, O1(mem_rkey), 4, 0x77, FIELD),
	PATCH("memory length 0, address and rkey set", BO, O0(mem_len), 4, 0,
	      FIELD),
	PATCH("offer name uppercase", BO, O0(name), 1, 'A', FIELD),
	EDIT("offer name empty", BO, fn_offer1_empty, FIELD),
	EDIT("offer name 32 characters", BO, fn_offer0_32, FIELD),
	PATCH("offer name garbage after NUL", BO, O1(name) + 31, 1, 'x',
	      FIELD),
	EDIT("offer names duplicate", BO, fn_offer_dup, FIELD),

	/* READY and GONE entries. */
	EDIT("name empty", BR, fn_name1_empty, FIELD),
	PATCH("name starts with NUL", BR, N(0, name), 1, 0, FIELD),
	PATCH("name uppercase", BR, N(1, name), 1, 'B', FIELD),
	PATCH("name with space", BG, N(1, name), 1, ' ', FIELD),
	PATCH("name with '.'", BR, N(2, name), 1, '.', FIELD),
	PATCH("name with '/'", BR, N(2, name), 1, '/', FIELD),
	PATCH("name with ':'", BR, N(2, name), 1, ':', FIELD),
	PATCH("name with '`'", BR, N(2, name), 1, '`', FIELD),
	PATCH("name with '{'", BR, N(2, name), 1, '{', FIELD),
	PATCH("name with 0x80", BG, N(0, name) + 2, 1, 0x80, FIELD),
	PATCH("name with 0xff", BR, N(0, name) + 4, 1, 0xff, FIELD),
	PATCH("name with '\\n'", BR, N(0, name) + 1, 1, '\n', FIELD),
	EDIT("name 32 characters, no NUL", BR, fn_name1_32, FIELD),
	PATCH("garbage right after the NUL", BR, N(0, name) + 6, 1, 1, FIELD),
	PATCH("garbage in the last name byte", BG, N(2, name) + 31, 1, 'x',
	      FIELD),
	EDIT("duplicate names 0 and 1", BR, fn_dup_01, FIELD),
	EDIT("duplicate names 0 and 2", BG, fn_dup_02, FIELD),
	EDIT("duplicate names 1 and 2", BR, fn_dup_12, FIELD),
	EDIT("duplicate 31-character names", BR, fn_long_same, FIELD),
	PATCH("gone reason 0", BG, N(0, reason), 4, 0, FIELD),
	PATCH("gone reason CCM_GONE_NR", BG, N(2, reason), 4, CCM_GONE_NR,
	      FIELD),
	PATCH("gone reason 0x100", BG, N(1, reason), 4, 0x100, FIELD),
	PATCH("gone reason 0xffffffff", BG, N(1, reason), 4, 0xffffffff,
	      FIELD),
	PATCH("ready reason 1", BR, N(0, reason), 4, 1, FIELD),
	PATCH("ready reason in the last entry", BR, N(2, reason), 4,
	      CCM_GONE_FAILED, FIELD),
	PATCH("ready reason 0x80000000", BR, N(1, reason), 4, 0x80000000,
	      FIELD),
};

static void msg_case_desc(const struct msg_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s: %s",
		 msg_base_names[c->base], c->desc);
}

KUNIT_ARRAY_PARAM(msg_case, msg_cases, msg_case_desc);

static void msg_fields(struct kunit *test)
{
	const struct msg_case *c = test->param_value;
	struct ccm_msg_info mi;
	enum ccm_wire_status st;
	size_t len;
	u8 *buf;

	buf = kunit_kzalloc(test, 1024, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	len = msg_build(test, buf, 1024, c->base);
	KUNIT_ASSERT_EQ(test, len, c->base == BASE_OFFER ? OFFER_LEN :
			NAMES_LEN);
	KUNIT_ASSERT_EQ(test, msg_try(test, buf, len, NULL), CCM_WIRE_OK);
	if (c->width)
		put_be(buf + c->off, c->width, c->val);
	if (c->fn)
		c->fn(buf, &len);
	if (!c->keep_crc) {
		KUNIT_ASSERT_LE(test, msg_len(buf), 1024U);
		msg_reseal(buf);
	}
	st = msg_try(test, buf, len, &mi);
	KUNIT_EXPECT_EQ_MSG(test, st, c->want, "%s, want %s",
			    ccm_wire_status_str(st),
			    ccm_wire_status_str(c->want));
	if (st == CCM_WIRE_OK)
		KUNIT_EXPECT_TRUE(test, msg_check_entries(test, buf, len, &mi));
}

/* ---- 6. Client names ---- */

static void msg_name_valid(struct kunit *test)
{
	static const char * const good[] = {
		"a", "z", "0", "9", "-", "_", "a-b_c", "client-1024",
		"0123456789-abcdefghijklmnopqrst",	/* 31 */
		"abcdefghijklmnopqrstuvwxyz01234",	/* 31 */
	};
	static const char * const bad[] = {
		"", "A", "abC", "Zed", "a b", " a", "a ", "a.b", "a/b", "a:b",
		"a`b", "a{b", "a@b", "a[b", "a\tb", "a\nb", "caf\xc3\xa9",
		"a\x7f", "a\x80", "\xff",
		"0123456789-abcdefghijklmnopqrstu",	/* 32 */
		"abcdefghijklmnopqrstuvwxyz0123456789",	/* 36 */
	};
	char buf[CCM_NAME_MAX + 1];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(good); i++)
		KUNIT_EXPECT_TRUE_MSG(test,
				      ccm_wire_name_valid(good[i],
							  CCM_NAME_MAX),
				      "\"%s\"", good[i]);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_FALSE_MSG(test,
				       ccm_wire_name_valid(bad[i],
							   CCM_NAME_MAX),
				       "\"%s\"", bad[i]);
	KUNIT_EXPECT_FALSE(test, ccm_wire_name_valid(NULL, CCM_NAME_MAX));

	/* Length boundaries in a buffer of exactly CCM_NAME_MAX bytes. */
	memset(buf, 'a', sizeof(buf));
	buf[CCM_NAME_MAX - 1] = '\0';
	KUNIT_EXPECT_TRUE(test, ccm_wire_name_valid(buf, CCM_NAME_MAX));
	buf[CCM_NAME_MAX - 1] = 'a';
	buf[CCM_NAME_MAX] = '\0';
	KUNIT_EXPECT_FALSE(test, ccm_wire_name_valid(buf, CCM_NAME_MAX));
	/* @max is the limit: the same 32 characters fit 33 bytes. */
	KUNIT_EXPECT_TRUE(test, ccm_wire_name_valid(buf, CCM_NAME_MAX + 1));
	KUNIT_EXPECT_FALSE(test, ccm_wire_name_valid("ab", 2));
	KUNIT_EXPECT_TRUE(test, ccm_wire_name_valid("ab", 3));
	KUNIT_EXPECT_FALSE(test, ccm_wire_name_valid("a", 1));
	KUNIT_EXPECT_FALSE(test, ccm_wire_name_valid("a", 0));
	/* Only the bytes up to the NUL are looked at. */
	KUNIT_EXPECT_TRUE(test, ccm_wire_name_valid("ab\0XY", CCM_NAME_MAX));
}

/*
 * The builder copies names with strscpy(): one longer than
 * CCM_NAME_MAX - 1 characters cannot be given in the fixed-size info
 * struct, and what is copied is NUL-padded on the wire.
 */
static void msg_builder_names(struct kunit *test)
{
	struct ccm_name_info n = { .incarnation = 1 };
	struct ccm_msg_info mi;
	u8 buf[HDR + NAME_SZ];
	size_t len;

	memset(n.name, 'q', sizeof(n.name));	/* not NUL-terminated */
	KUNIT_ASSERT_EQ(test, ccm_wire_msg_init(buf, sizeof(buf),
						CCM_MSG_READY, GEN), 0);
	memset(buf + HDR, 0xee, NAME_SZ);
	KUNIT_ASSERT_EQ(test, ccm_wire_msg_add_name(buf, sizeof(buf), &n), 0);
	len = ccm_wire_msg_finish(buf);
	/* Cut to 31 characters and a NUL: a valid name. */
	KUNIT_EXPECT_EQ(test, buf[HDR + CCM_NAME_MAX - 1], 0);
	KUNIT_EXPECT_EQ(test, buf[HDR + CCM_NAME_MAX - 2], 'q');
	KUNIT_EXPECT_EQ(test, msg_try(test, buf, len, &mi), CCM_WIRE_OK);

	/* Short names are padded with zeros, not left-over bytes. */
	KUNIT_ASSERT_EQ(test, ccm_wire_msg_init(buf, sizeof(buf),
						CCM_MSG_READY, GEN), 0);
	memset(buf + HDR, 0xee, NAME_SZ);
	memset(n.name, 0, sizeof(n.name));
	strscpy(n.name, "ab", sizeof(n.name));
	n.name[5] = 'z';	/* after the NUL: must not be sent */
	KUNIT_ASSERT_EQ(test, ccm_wire_msg_add_name(buf, sizeof(buf), &n), 0);
	len = ccm_wire_msg_finish(buf);
	KUNIT_EXPECT_PTR_EQ(test, memchr_inv(buf + HDR + 2, 0,
					     CCM_NAME_MAX - 2), NULL);
	KUNIT_EXPECT_EQ(test, msg_try(test, buf, len, &mi), CCM_WIRE_OK);
}

/* ---- 7. Fuzz ---- */

#define FUZZ_ITERS	3000
#define FUZZ_CAP	(CCM_MSG_MAX + 128)

static const char fuzz_chars[] = "abcdefghijklmnopqrstuvwxyz0123456789-_";

/* A name unique to @i (its first two characters), random otherwise. */
static void fuzz_name(struct rnd_state *rs, unsigned int i, char *name)
{
	const unsigned int nc = sizeof(fuzz_chars) - 1;
	unsigned int len = 2 + prandom_u32_state(rs) % (CCM_NAME_MAX - 2), k;

	memset(name, 0, CCM_NAME_MAX);
	name[0] = fuzz_chars[i % nc];
	name[1] = fuzz_chars[i / nc];
	for (k = 2; k < len; k++)
		name[k] = fuzz_chars[prandom_u32_state(rs) % nc];
}

/* A random valid message of up to CCM_MSG_MAX bytes; returns its length. */
static size_t fuzz_build(struct kunit *test, struct rnd_state *rs, u8 *buf,
			 u32 *qpn, u32 *psn)
{
	u8 type = CCM_MSG_OFFER + prandom_u32_state(rs) % 3;
	u32 r = prandom_u32_state(rs);
	unsigned int n = r % 6, i, k;
	struct ccm_offer_info o;
	struct ccm_name_info nm;

	if (!(r & 0x700))
		n = CCM_MAX_CLIENTS;
	KUNIT_ASSERT_EQ(test, ccm_wire_msg_init(buf, CCM_MSG_MAX, type,
						prandom_u32_state(rs) | 1),
			0);
	for (i = 0; i < n; i++) {
		if (type != CCM_MSG_OFFER) {
			memset(&nm, 0, sizeof(nm));
			fuzz_name(rs, i, nm.name);
			nm.incarnation = prandom_u32_state(rs);
			nm.reason = type == CCM_MSG_GONE ?
				    1 + prandom_u32_state(rs) % 3 : 0;
			KUNIT_ASSERT_EQ(test, ccm_wire_msg_add_name(buf,
								    CCM_MSG_MAX,
								    &nm), 0);
			continue;
		}
		memset(&o, 0, sizeof(o));
		fuzz_name(rs, i, o.name);
		o.incarnation = prandom_u32_state(rs);
		r = prandom_u32_state(rs);
		o.nr_qps = r & 0x1f000 ? 1 + r % 8 :
			   CCM_MAX_QPS - (r >> 20) % 2;
		o.rd_atomic = r >> 8;
		if (r & 0x20000) {
			o.mem_addr = (u64)prandom_u32_state(rs) << 12;
			o.mem_rkey = prandom_u32_state(rs);
			o.mem_len = 1 + prandom_u32_state(rs) % (4U << 20);
		}
		for (k = 0; k < o.nr_qps; k++) {
			qpn[k] = prandom_u32_state(rs) & 0xffffff;
			psn[k] = prandom_u32_state(rs) & 0xffffff;
		}
		/* A big client may not fit any more: then stop. */
		if (ccm_wire_msg_add_offer(buf, CCM_MSG_MAX, &o, qpn, psn))
			break;
	}
	return ccm_wire_msg_finish(buf);
}

/*
 * Set one field to a value at or near a limit: the type, count, first QP
 * count or reason, or copy the first entry's name into the second.
 */
static void fuzz_field(struct rnd_state *rs, u8 *buf)
{
	static const u16 nrs[] = { 0, 1, 2, CCM_MAX_QPS - 1, CCM_MAX_QPS,
				   CCM_MAX_QPS + 1, 0xffff };
	u32 r = prandom_u32_state(rs);
	u16 count = get_unaligned_be16(buf + H(count));
	u8 type = buf[H(type)];
	size_t second;

	switch (r % 5) {
	case 0:
		buf[H(type)] = (r >> 8) % (CCM_MSG_NR + 1);
		break;
	case 1:
		put_unaligned_be16(count + (int)((r >> 8) % 3) - 1,
				   buf + H(count));
		break;
	case 2:
		if (type == CCM_MSG_OFFER && count)
			put_unaligned_be16(nrs[(r >> 8) % ARRAY_SIZE(nrs)],
					   buf + O0(nr_qps));
		break;
	case 3:
		if (type != CCM_MSG_OFFER && count)
			put_unaligned_be32((r >> 8) % (CCM_GONE_NR + 1),
					   buf + N(0, reason));
		break;
	default:
		if (count < 2)
			break;
		second = type == CCM_MSG_OFFER ?
			 HDR + OFFER_SZ(get_unaligned_be16(buf + O0(nr_qps))) :
			 HDR + NAME_SZ;
		memcpy(buf + second, buf + HDR, CCM_NAME_MAX);
		break;
	}
}

struct fuzz_stats {
	unsigned int ok, ok_mutated, st[CCM_WIRE_NR];
};

static void msg_fuzz(struct kunit *test)
{
	struct fuzz_stats *fs;
	enum ccm_wire_status st;
	struct ccm_msg_info mi;
	struct rnd_state rs;
	unsigned int i, k, mut;
	u8 *buf, *copy;
	u32 *qpn, *psn;
	size_t len, mlen, pos;
	bool resealed;

	buf = kunit_kzalloc(test, FUZZ_CAP, GFP_KERNEL);
	qpn = kunit_kmalloc_array(test, CCM_MAX_QPS, sizeof(*qpn), GFP_KERNEL);
	psn = kunit_kmalloc_array(test, CCM_MAX_QPS, sizeof(*psn), GFP_KERNEL);
	fs = kunit_kzalloc(test, sizeof(*fs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, qpn);
	KUNIT_ASSERT_NOT_NULL(test, psn);
	KUNIT_ASSERT_NOT_NULL(test, fs);
	prandom_seed_state(&rs, 0x63636d2d6d736721ULL);

	for (i = 0; i < FUZZ_ITERS; i++) {
		prandom_bytes_state(&rs, buf, FUZZ_CAP);
		len = fuzz_build(test, &rs, buf, qpn, psn);
		mlen = len;
		mut = prandom_u32_state(&rs) % 5;
		switch (mut) {
		case 1:	/* a few bytes, often in the header and 1st entry */
			for (k = 1 + prandom_u32_state(&rs) % 4; k; k--) {
				u32 r = prandom_u32_state(&rs);

				pos = r & 1 ? (r >> 1) % min_t(size_t, len, 96) :
					      (r >> 1) % len;
				switch ((r >> 24) & 3) {
				case 0:
					buf[pos] = 0;
					break;
				case 1:
					buf[pos] += r & 0x100 ? 1 : -1;
					break;
				default:
					buf[pos] = r >> 16;
					break;
				}
			}
			break;
		case 2:	/* truncated */
			len = prandom_u32_state(&rs) % len;
			break;
		case 4:	/* one field of the header or the first entries */
			fuzz_field(&rs, buf);
			break;
		case 3:	/* extended by random bytes, perhaps counted too */
			k = 1 + prandom_u32_state(&rs) % 64;
			if (prandom_u32_state(&rs) & 1)
				put_unaligned_be32(len + k,
						   buf + H(length));
			len += k;
			break;
		}
		/* Recompute the CRC half of the time, where it can be. */
		resealed = false;
		if (len >= HDR && prandom_u32_state(&rs) & 1 &&
		    msg_len(buf) >= HDR && msg_len(buf) <= FUZZ_CAP) {
			msg_reseal(buf);
			resealed = true;
		}

		copy = kmemdup(buf, len ?: 1, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, copy);
		memset(&mi, 0, sizeof(mi));
		st = ccm_wire_msg_decode(copy, len, &mi);
		KUNIT_ASSERT_LT(test, (unsigned int)st,
				(unsigned int)CCM_WIRE_NR);
		fs->st[st]++;
		if (!mut)
			KUNIT_EXPECT_EQ_MSG(test, st, CCM_WIRE_OK,
					    "iteration %u: built message %s",
					    i, ccm_wire_status_str(st));
		if (st == CCM_WIRE_OK) {
			fs->ok++;
			if (mut)
				fs->ok_mutated++;
			if (!msg_check_entries(test, copy, len, &mi)) {
				kfree(copy);
				KUNIT_FAIL(test, "iteration %u (mutation %u%s)",
					   i, mut, resealed ? ", resealed" : "");
				return;
			}
		} else if (mut == 2 || (mut == 3 && mlen == msg_len(buf))) {
			/* Truncated, or padded without changing length. */
			KUNIT_EXPECT_EQ_MSG(test, mut == 2 ? CCM_WIRE_SHORT :
					    CCM_WIRE_OK, st, "iteration %u", i);
		}
		kfree(copy);
	}
	kunit_info(test,
		   "ok %u (mutated %u), short %u, magic %u, version %u, length %u, crc %u, field %u\n",
		   fs->ok, fs->ok_mutated, fs->st[CCM_WIRE_SHORT],
		   fs->st[CCM_WIRE_MAGIC], fs->st[CCM_WIRE_VERSION_BAD],
		   fs->st[CCM_WIRE_LENGTH], fs->st[CCM_WIRE_CRC],
		   fs->st[CCM_WIRE_FIELD]);
	/* Every unmutated and padded message, and some mutated ones. */
	KUNIT_EXPECT_GE(test, fs->ok, FUZZ_ITERS / 5);
	KUNIT_EXPECT_LT(test, fs->ok, FUZZ_ITERS * 3 / 4);
	KUNIT_EXPECT_GT(test, fs->ok_mutated, 0U);
	KUNIT_EXPECT_GT(test, fs->st[CCM_WIRE_SHORT], 0U);
	KUNIT_EXPECT_GT(test, fs->st[CCM_WIRE_LENGTH], 0U);
	KUNIT_EXPECT_GT(test, fs->st[CCM_WIRE_CRC], 0U);
	KUNIT_EXPECT_GT(test, fs->st[CCM_WIRE_FIELD], 0U);
	KUNIT_EXPECT_EQ(test, fs->st[CCM_WIRE_EMPTY], 0U);
}

static struct kunit_case ccm_msg_cases[] = {
	KUNIT_CASE(msg_layout),
	KUNIT_CASE(msg_golden),
	KUNIT_CASE(msg_offer_roundtrip),
	KUNIT_CASE(msg_names_roundtrip),
	KUNIT_CASE(msg_empty),
	KUNIT_CASE(msg_use),
	KUNIT_CASE(msg_down),
	KUNIT_CASE(msg_init_limits),
	KUNIT_CASE(msg_add_nospace),
	KUNIT_CASE(msg_max_size),
	KUNIT_CASE(msg_count_limit),
	KUNIT_CASE(msg_qps_limit),
	KUNIT_CASE_PARAM(msg_truncated, msg_all_gen_params),
	KUNIT_CASE_PARAM(msg_bitflip, msg_small_gen_params),
	KUNIT_CASE_PARAM(msg_fields, msg_case_gen_params),
	KUNIT_CASE(msg_name_valid),
	KUNIT_CASE(msg_builder_names),
	KUNIT_CASE(msg_fuzz),
	{}
};

static struct kunit_suite ccm_msg_suite = {
	.name = "ccm_msg",
	.test_cases = ccm_msg_cases,
};

kunit_test_suite(ccm_msg_suite);

MODULE_LICENSE("GPL");
