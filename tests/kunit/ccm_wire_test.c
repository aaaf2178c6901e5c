// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for ccm's wire formats (ccm_wire.c): layout, round trips,
 * what every decoder refuses and why, the semantic checks, and a fuzz run.
 */
#include <kunit/test.h>
#include <linux/crc32.h>
#include <linux/kernel.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <asm/byteorder.h>

#include "ccm_wire.h"

#define NODE	0x0102030405060708ULL
#define EPOCH	0x1112131415161718ULL
#define EPOCH2	0x6162636465666768ULL
#define GEN	0x21222324U

static const struct ccm_cm_info cm_req = {
	.type = CCM_CM_REQ, .node_id = NODE, .epoch = EPOCH, .gen = GEN,
	.max_gen = 0x31323334,
};

static const struct ccm_desc_info desc_in = {
	.node_id = NODE, .epoch = EPOCH, .addr = 0x4142434445464748ULL,
	.rkey = 0x51525354, .mbox_rkey = 0x61626364, .len = CCM_SENTINEL_SIZE,
	.gen = GEN,
};

static const struct ccm_sentinel_info sen_in = {
	.node_id = NODE, .epoch = EPOCH, .mbox_offset = CCM_MBOX_OFFSET,
	.state = 3, .gen = GEN,
};

static const struct ccm_mbox_info mbox_in = {
	.msg = CCM_MBOX_STATE5, .writer_epoch = EPOCH, .reader_epoch = EPOCH2,
	.gen = GEN, .seq = 0x71727374, .heartbeat = 0x8182838485868788ULL,
};

/*
 * The encodings of the four samples above, computed independently (CRC32
 * IEEE as in zlib). Any change here is a wire-incompatible change.
 */
static const u8 cm_gold[40] = {
	0x43, 0x43, 0x4d, 0x43, 0x03, 0x01, 0x00, 0x28,
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
	0x21, 0x22, 0x23, 0x24, 0x31, 0x32, 0x33, 0x34,
	0x00, 0x00, 0x00, 0x00, 0xfb, 0x23, 0x5e, 0x10,
};

static const u8 desc_gold[52] = {
	0x43, 0x43, 0x4d, 0x44, 0x03, 0x00, 0x00, 0x34,
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
	0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
	0x51, 0x52, 0x53, 0x54, 0x61, 0x62, 0x63, 0x64,
	0x00, 0x00, 0x10, 0x00, 0x21, 0x22, 0x23, 0x24,
	0x3a, 0x8e, 0xd4, 0x75,
};

static const u8 sen_gold[40] = {
	0x43, 0x43, 0x4d, 0x53, 0x03, 0x00, 0x00, 0x28,
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
	0x00, 0x00, 0x01, 0x00, 0x4a, 0xc0, 0x4f, 0x0a,
	0x00, 0x00, 0x00, 0x03, 0x21, 0x22, 0x23, 0x24,
};

static const u8 mbox_gold[48] = {
	0x43, 0x43, 0x4d, 0x4d, 0x03, 0x02, 0x00, 0x30,
	0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
	0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
	0x21, 0x22, 0x23, 0x24, 0x71, 0x72, 0x73, 0x74,
	0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88,
	0x4d, 0x8d, 0xa5, 0x68, 0x00, 0x00, 0x00, 0x00,
};

/* Recompute the CRC of an edited buffer the documented way. */
static void wire_reseal(void *buf, size_t crc_off)
{
	__be32 crc = cpu_to_be32(crc32_le(~0U, buf, crc_off) ^ ~0U);

	memcpy((u8 *)buf + crc_off, &crc, sizeof(crc));
}

/*
 * The four formats behind one interface, so that the framing tests run on
 * each of them. encode() writes the sample above; decode() fills an info.
 */
struct wire_kind {
	const char *name;
	size_t size, crc_off, info_size;
	const u8 *gold;
	void (*encode)(void *buf);
	enum ccm_wire_status (*decode)(const void *buf, size_t len, void *out);
};

static void cm_enc(void *buf)
{
	ccm_wire_cm_encode(buf, &cm_req);
}

static enum ccm_wire_status cm_dec(const void *buf, size_t len, void *out)
{
	return ccm_wire_cm_decode(buf, len, out);
}

static void desc_enc(void *buf)
{
	ccm_wire_desc_encode(buf, &desc_in);
}

static enum ccm_wire_status desc_dec(const void *buf, size_t len, void *out)
{
	return ccm_wire_desc_decode(buf, len, out);
}

static void sen_enc(void *buf)
{
	ccm_wire_sentinel_encode(buf, &sen_in);
}

static enum ccm_wire_status sen_dec(const void *buf, size_t len, void *out)
{
	return ccm_wire_sentinel_decode(buf, len, out);
}

static void mbox_enc(void *buf)
{
	ccm_wire_mbox_encode(buf, &mbox_in);
}

static enum ccm_wire_status mbox_dec(const void *buf, size_t len, void *out)
{
	return ccm_wire_mbox_decode(buf, len, out);
}

#define WIRE_KIND(n, type, info, g, enc, dec) {				\
	.name = n, .size = sizeof(struct type),				\
	.crc_off = offsetof(struct type, crc),				\
	.info_size = sizeof(struct info), .gold = g,			\
	.encode = enc, .decode = dec }

static const struct wire_kind wire_kinds[] = {
	WIRE_KIND("cm", ccm_wire_cm, ccm_cm_info, cm_gold, cm_enc, cm_dec),
	WIRE_KIND("desc", ccm_wire_desc, ccm_desc_info, desc_gold, desc_enc,
		  desc_dec),
	WIRE_KIND("sentinel", ccm_wire_sentinel, ccm_sentinel_info, sen_gold,
		  sen_enc, sen_dec),
	WIRE_KIND("mbox", ccm_wire_mbox, ccm_mbox_info, mbox_gold, mbox_enc,
		  mbox_dec),
};

static void wire_kind_desc(const struct wire_kind *k, char *desc)
{
	strscpy(desc, k->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(wire_kind, wire_kinds, wire_kind_desc);

#define WIRE_MAX	64	/* >= every structure, and a padded CM REQ */

/* Decode into a scratch info that must stay untouched on refusal. */
static enum ccm_wire_status wire_try(struct kunit *test,
				     const struct wire_kind *k,
				     const void *buf, size_t len)
{
	u64 out[WIRE_MAX / 8];
	enum ccm_wire_status st;

	memset(out, 0x5a, sizeof(out));
	st = k->decode(buf, len, out);
	if (st != CCM_WIRE_OK)
		KUNIT_EXPECT_PTR_EQ_MSG(test, memchr_inv(out, 0x5a, sizeof(out)),
					NULL, "%s: output written on %s",
					k->name, ccm_wire_status_str(st));
	return st;
}

/* 1. Layout and round trips. */
static void wire_sizes(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, sizeof(struct ccm_wire_cm), 40);
	KUNIT_EXPECT_LE(test, sizeof(struct ccm_wire_cm), 56);
	KUNIT_EXPECT_EQ(test, sizeof(struct ccm_wire_desc), 52);
	KUNIT_EXPECT_EQ(test, sizeof(struct ccm_wire_sentinel), 40);
	KUNIT_EXPECT_EQ(test, sizeof(struct ccm_wire_mbox), 48);
	KUNIT_EXPECT_LE(test, sizeof(struct ccm_wire_sentinel), CCM_MBOX_OFFSET);
	KUNIT_EXPECT_LE(test, CCM_MBOX_OFFSET + sizeof(struct ccm_wire_mbox),
			CCM_SENTINEL_READ_LEN);
	/* The CRC convention the header documents (check value of CRC-32). */
	KUNIT_EXPECT_EQ(test, crc32_le(~0U, (const u8 *)"123456789", 9) ^ ~0U,
			0xcbf43926U);
}

static void wire_golden(struct kunit *test)
{
	const struct wire_kind *k = test->param_value;
	u8 buf[WIRE_MAX], copy[WIRE_MAX];
	unsigned int i;

	memset(buf, 0xee, sizeof(buf));
	k->encode(buf);
	for (i = 0; i < k->size; i++)
		KUNIT_EXPECT_EQ_MSG(test, buf[i], k->gold[i], "byte %u", i);
	KUNIT_EXPECT_EQ(test, buf[k->size], 0xee);	/* no overrun */
	memcpy(copy, buf, k->size);
	wire_reseal(copy, k->crc_off);
	KUNIT_EXPECT_EQ(test, memcmp(copy, buf, k->size), 0);
	KUNIT_EXPECT_EQ(test, wire_try(test, k, k->gold, k->size), CCM_WIRE_OK);
}

static void wire_cm_roundtrip(struct kunit *test)
{
	struct ccm_cm_info in[3] = { cm_req, cm_req, cm_req }, out;
	struct ccm_wire_cm w;
	unsigned int i;

	in[1].type = CCM_CM_REP;
	in[1].max_gen = 0;
	in[2].type = CCM_CM_REJ;
	in[2].reason = CCM_REJ_NORESOURCE;
	in[2].node_id = ~0ULL;
	for (i = 0; i < ARRAY_SIZE(in); i++) {
		memset(&out, 0, sizeof(out));
		ccm_wire_cm_encode(&w, &in[i]);
		KUNIT_ASSERT_EQ(test, ccm_wire_cm_decode(&w, sizeof(w), &out),
				CCM_WIRE_OK);
		KUNIT_EXPECT_EQ(test, out.type, in[i].type);
		KUNIT_EXPECT_EQ(test, out.node_id, in[i].node_id);
		KUNIT_EXPECT_EQ(test, out.epoch, in[i].epoch);
		KUNIT_EXPECT_EQ(test, out.gen, in[i].gen);
		KUNIT_EXPECT_EQ(test, out.max_gen, in[i].max_gen);
		KUNIT_EXPECT_EQ(test, out.reason, in[i].reason);
	}
}

static void wire_desc_roundtrip(struct kunit *test)
{
	struct ccm_desc_info out = {};
	struct ccm_wire_desc w;

	ccm_wire_desc_encode(&w, &desc_in);
	KUNIT_ASSERT_EQ(test, ccm_wire_desc_decode(&w, sizeof(w), &out),
			CCM_WIRE_OK);
	KUNIT_EXPECT_EQ(test, out.node_id, desc_in.node_id);
	KUNIT_EXPECT_EQ(test, out.epoch, desc_in.epoch);
	KUNIT_EXPECT_EQ(test, out.addr, desc_in.addr);
	KUNIT_EXPECT_EQ(test, out.rkey, desc_in.rkey);
	KUNIT_EXPECT_EQ(test, out.mbox_rkey, desc_in.mbox_rkey);
	KUNIT_EXPECT_EQ(test, out.len, desc_in.len);
	KUNIT_EXPECT_EQ(test, out.gen, desc_in.gen);
}

static void wire_sentinel_roundtrip(struct kunit *test)
{
	struct ccm_sentinel_info out = {};
	struct ccm_wire_sentinel w;

	ccm_wire_sentinel_encode(&w, &sen_in);
	KUNIT_ASSERT_EQ(test, ccm_wire_sentinel_decode(&w, sizeof(w), &out),
			CCM_WIRE_OK);
	KUNIT_EXPECT_EQ(test, out.node_id, sen_in.node_id);
	KUNIT_EXPECT_EQ(test, out.epoch, sen_in.epoch);
	KUNIT_EXPECT_EQ(test, out.mbox_offset, sen_in.mbox_offset);
	KUNIT_EXPECT_EQ(test, out.state, sen_in.state);
	KUNIT_EXPECT_EQ(test, out.gen, sen_in.gen);

	/* The owner updates state and gen in place, outside the CRC. */
	ccm_wire_sentinel_set_state(&w, 8, 0xfedcba98);
	KUNIT_ASSERT_EQ(test, ccm_wire_sentinel_decode(&w, sizeof(w), &out),
			CCM_WIRE_OK);
	KUNIT_EXPECT_EQ(test, out.state, 8U);
	KUNIT_EXPECT_EQ(test, out.gen, 0xfedcba98U);
	KUNIT_EXPECT_EQ(test, out.epoch, sen_in.epoch);
}

static void wire_mbox_roundtrip(struct kunit *test)
{
	struct ccm_mbox_info in = mbox_in, out;
	struct ccm_wire_mbox w;
	u8 msg;

	for (msg = CCM_MBOX_STATE2; msg < CCM_MBOX_NR; msg++) {
		memset(&out, 0, sizeof(out));
		in.msg = msg;
		in.seq = msg * 1000;
		ccm_wire_mbox_encode(&w, &in);
		KUNIT_ASSERT_EQ(test, ccm_wire_mbox_decode(&w, sizeof(w), &out),
				CCM_WIRE_OK);
		KUNIT_EXPECT_EQ(test, out.msg, in.msg);
		KUNIT_EXPECT_EQ(test, out.writer_epoch, in.writer_epoch);
		KUNIT_EXPECT_EQ(test, out.reader_epoch, in.reader_epoch);
		KUNIT_EXPECT_EQ(test, out.gen, in.gen);
		KUNIT_EXPECT_EQ(test, out.seq, in.seq);
		KUNIT_EXPECT_EQ(test, out.heartbeat, in.heartbeat);
	}
}

/* 2. Length handling. */
static void wire_truncated(struct kunit *test)
{
	const struct wire_kind *k = test->param_value;
	u8 buf[WIRE_MAX];
	size_t len;

	memset(buf, 0, sizeof(buf));
	k->encode(buf);
	for (len = 0; len < k->size; len++)
		KUNIT_EXPECT_EQ_MSG(test, wire_try(test, k, buf, len),
				    CCM_WIRE_SHORT, "len %zu", len);
	KUNIT_EXPECT_EQ(test, wire_try(test, k, NULL, 0), CCM_WIRE_SHORT);
	KUNIT_EXPECT_EQ(test, wire_try(test, k, NULL, k->size), CCM_WIRE_SHORT);
	KUNIT_EXPECT_EQ(test, wire_try(test, k, NULL, WIRE_MAX),
			CCM_WIRE_SHORT);

	/* Padding after the structure is not looked at. */
	KUNIT_EXPECT_EQ(test, wire_try(test, k, buf, k->size), CCM_WIRE_OK);
	KUNIT_EXPECT_EQ(test, wire_try(test, k, buf, 56), CCM_WIRE_OK);
	memset(buf + k->size, 0xa5, sizeof(buf) - k->size);
	KUNIT_EXPECT_EQ(test, wire_try(test, k, buf, WIRE_MAX), CCM_WIRE_OK);
}

/* A sentinel and its mailbox as one RDMA READ returns them. */
static void wire_sentinel_page(struct kunit *test)
{
	struct ccm_sentinel_info si;
	struct ccm_mbox_info mi;
	u8 *page = kunit_kzalloc(test, CCM_SENTINEL_READ_LEN, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_EQ(test, ccm_wire_mbox_decode(page + CCM_MBOX_OFFSET,
						   sizeof(struct ccm_wire_mbox),
						   &mi), CCM_WIRE_EMPTY);
	ccm_wire_sentinel_encode((void *)page, &sen_in);
	ccm_wire_mbox_encode((void *)(page + CCM_MBOX_OFFSET), &mbox_in);
	KUNIT_EXPECT_EQ(test, ccm_wire_sentinel_decode(page,
						       CCM_SENTINEL_READ_LEN,
						       &si), CCM_WIRE_OK);
	KUNIT_EXPECT_EQ(test, si.mbox_offset, CCM_MBOX_OFFSET);
	KUNIT_EXPECT_EQ(test, ccm_wire_mbox_decode(page + si.mbox_offset,
						   CCM_SENTINEL_READ_LEN -
						   si.mbox_offset, &mi),
			CCM_WIRE_OK);
	KUNIT_EXPECT_EQ(test, mi.seq, mbox_in.seq);
}

/* 3. Corruption. */
static enum ccm_wire_status wire_flip_expect(const struct wire_kind *k,
					     size_t byte)
{
	if (byte < 4)
		return CCM_WIRE_MAGIC;
	if (byte == 4)
		return CCM_WIRE_VERSION_BAD;
	if (byte == 6 || byte == 7)
		return CCM_WIRE_LENGTH;
	if (byte < k->crc_off + 4)
		return CCM_WIRE_CRC;
	/* After the CRC: the mailbox's reserved word must stay zero ... */
	if (k->decode == mbox_dec)
		return CCM_WIRE_FIELD;
	/* ... and the sentinel's state and gen are informational. */
	return CCM_WIRE_OK;
}

static void wire_bitflip(struct kunit *test)
{
	const struct wire_kind *k = test->param_value;
	u8 buf[WIRE_MAX];
	size_t bit;

	k->encode(buf);
	for (bit = 0; bit < k->size * 8; bit++) {
		size_t byte = bit / 8;

		buf[byte] ^= 1 << (bit % 8);
		KUNIT_EXPECT_EQ_MSG(test, wire_try(test, k, buf, k->size),
				    wire_flip_expect(k, byte), "bit %zu", bit);
		buf[byte] ^= 1 << (bit % 8);
	}
	/* Everything the CRC covers, and the CRC itself, is protected. */
	for (bit = 0; bit < (k->crc_off + 4) * 8; bit++) {
		buf[bit / 8] ^= 1 << (bit % 8);
		KUNIT_EXPECT_NE(test, wire_try(test, k, buf, k->size),
				CCM_WIRE_OK);
		buf[bit / 8] ^= 1 << (bit % 8);
	}
	KUNIT_EXPECT_EQ(test, wire_try(test, k, buf, k->size), CCM_WIRE_OK);
}

static void wire_frame_errors(struct kunit *test)
{
	const struct wire_kind *k = test->param_value;
	u8 buf[WIRE_MAX], good[WIRE_MAX];
	__be16 len;
	unsigned int i;

	memset(buf, 0, sizeof(buf));
	KUNIT_EXPECT_EQ(test, wire_try(test, k, buf, k->size), CCM_WIRE_EMPTY);
	KUNIT_EXPECT_EQ(test, wire_try(test, k, buf, WIRE_MAX), CCM_WIRE_EMPTY);
	/* Short wins over empty. */
	KUNIT_EXPECT_EQ(test, wire_try(test, k, buf, k->size - 1),
			CCM_WIRE_SHORT);
	/* Empty means all zero: one byte written anywhere is not empty. */
	for (i = 0; i < k->size; i++) {
		buf[i] = 0x10;
		KUNIT_EXPECT_EQ_MSG(test, wire_try(test, k, buf, k->size),
				    CCM_WIRE_MAGIC, "byte %u", i);
		buf[i] = 0;
	}

	memset(good, 0, sizeof(good));
	k->encode(good);

	/* One format is never taken for another. */
	for (i = 0; i < ARRAY_SIZE(wire_kinds); i++)
		if (&wire_kinds[i] != k)
			KUNIT_EXPECT_EQ(test, wire_try(test, &wire_kinds[i],
						       good, WIRE_MAX),
					CCM_WIRE_MAGIC);

	/* Version and length are checked before the CRC ... */
	memcpy(buf, good, k->size);
	buf[4] = CCM_WIRE_VERSION + 1;
	KUNIT_EXPECT_EQ(test, wire_try(test, k, buf, k->size),
			CCM_WIRE_VERSION_BAD);
	buf[4] = 0;
	KUNIT_EXPECT_EQ(test, wire_try(test, k, buf, k->size),
			CCM_WIRE_VERSION_BAD);
	buf[4] = 1;	/* before the descriptor moved into the REP */
	KUNIT_EXPECT_EQ(test, wire_try(test, k, buf, k->size),
			CCM_WIRE_VERSION_BAD);
	buf[4] = 2;	/* one key for the whole sentinel */
	KUNIT_EXPECT_EQ(test, wire_try(test, k, buf, k->size),
			CCM_WIRE_VERSION_BAD);
	/* ... and refused even when the CRC matches. */
	buf[4] = CCM_WIRE_VERSION + 1;
	wire_reseal(buf, k->crc_off);
	KUNIT_EXPECT_EQ(test, wire_try(test, k, buf, k->size),
			CCM_WIRE_VERSION_BAD);

	memcpy(buf, good, k->size);
	len = cpu_to_be16(k->size + 8);
	memcpy(buf + 6, &len, sizeof(len));
	KUNIT_EXPECT_EQ(test, wire_try(test, k, buf, WIRE_MAX),
			CCM_WIRE_LENGTH);
	wire_reseal(buf, k->crc_off);
	KUNIT_EXPECT_EQ(test, wire_try(test, k, buf, WIRE_MAX),
			CCM_WIRE_LENGTH);
	len = cpu_to_be16(k->size - 4);
	memcpy(buf + 6, &len, sizeof(len));
	wire_reseal(buf, k->crc_off);
	KUNIT_EXPECT_EQ(test, wire_try(test, k, buf, k->size),
			CCM_WIRE_LENGTH);

	memcpy(buf, good, k->size);
	memset(buf + k->crc_off, 0, 4);
	KUNIT_EXPECT_EQ(test, wire_try(test, k, buf, k->size), CCM_WIRE_CRC);
}

/* 4. Field checks, on inputs with valid frames. */
static enum ccm_wire_status cm_try(struct kunit *test,
				   const struct ccm_cm_info *in)
{
	struct ccm_wire_cm w;

	ccm_wire_cm_encode(&w, in);
	return wire_try(test, &wire_kinds[0], &w, sizeof(w));
}

static void wire_cm_fields(struct kunit *test)
{
	struct ccm_cm_info in;
	static const u8 types[] = { 0, 4, 0x80, 0xff };
	unsigned int i;

	for (i = CCM_CM_REQ; i <= CCM_CM_REJ; i++) {
		in = cm_req;
		in.type = i;
		in.epoch = 0;
		KUNIT_EXPECT_EQ(test, cm_try(test, &in), CCM_WIRE_FIELD);
	}
	for (i = CCM_CM_REQ; i <= CCM_CM_REP; i++) {
		in = cm_req;
		in.type = i;
		in.gen = 0;
		KUNIT_EXPECT_EQ(test, cm_try(test, &in), CCM_WIRE_FIELD);
		in.gen = GEN;
		in.reason = CCM_REJ_TIEBREAK;
		KUNIT_EXPECT_EQ(test, cm_try(test, &in), CCM_WIRE_FIELD);
		in.reason = 0x80000000;
		KUNIT_EXPECT_EQ(test, cm_try(test, &in), CCM_WIRE_FIELD);
	}
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		in = cm_req;
		in.type = types[i];
		KUNIT_EXPECT_EQ(test, cm_try(test, &in), CCM_WIRE_FIELD);
	}
	/* A REJ may answer a request it could not parse: no gen needed. */
	in = cm_req;
	in.type = CCM_CM_REJ;
	in.reason = CCM_REJ_INVALID;
	in.gen = 0;
	KUNIT_EXPECT_EQ(test, cm_try(test, &in), CCM_WIRE_OK);
}

static void wire_desc_fields(struct kunit *test)
{
	static const struct { u32 len; enum ccm_wire_status st; } lens[] = {
		{ 0, CCM_WIRE_FIELD },
		{ CCM_SENTINEL_READ_LEN - 1, CCM_WIRE_FIELD },
		{ CCM_SENTINEL_READ_LEN, CCM_WIRE_OK },
		{ CCM_SENTINEL_SIZE, CCM_WIRE_OK },
		{ CCM_SENTINEL_SIZE + 1, CCM_WIRE_FIELD },
		{ U32_MAX, CCM_WIRE_FIELD },
	};
	const struct wire_kind *k = &wire_kinds[1];
	struct ccm_desc_info in;
	struct ccm_wire_desc w;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		in = desc_in;
		in.len = lens[i].len;
		ccm_wire_desc_encode(&w, &in);
		KUNIT_EXPECT_EQ_MSG(test, wire_try(test, k, &w, sizeof(w)),
				    lens[i].st, "len %u", lens[i].len);
	}
	in = desc_in;
	in.epoch = 0;
	ccm_wire_desc_encode(&w, &in);
	KUNIT_EXPECT_EQ(test, wire_try(test, k, &w, sizeof(w)), CCM_WIRE_FIELD);
	in = desc_in;
	in.gen = 0;
	ccm_wire_desc_encode(&w, &in);
	KUNIT_EXPECT_EQ(test, wire_try(test, k, &w, sizeof(w)), CCM_WIRE_FIELD);
	ccm_wire_desc_encode(&w, &desc_in);
	w.reserved = 1;
	wire_reseal(&w, offsetof(struct ccm_wire_desc, crc));
	KUNIT_EXPECT_EQ(test, wire_try(test, k, &w, sizeof(w)), CCM_WIRE_FIELD);
}

static void wire_sentinel_fields(struct kunit *test)
{
	static const u32 offs[] = { 0, CCM_MBOX_OFFSET - 1, CCM_MBOX_OFFSET + 1,
				    CCM_SENTINEL_READ_LEN, U32_MAX };
	const struct wire_kind *k = &wire_kinds[2];
	struct ccm_sentinel_info in;
	struct ccm_wire_sentinel w;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		in = sen_in;
		in.mbox_offset = offs[i];
		ccm_wire_sentinel_encode(&w, &in);
		KUNIT_EXPECT_EQ_MSG(test, wire_try(test, k, &w, sizeof(w)),
				    CCM_WIRE_FIELD, "offset %u", offs[i]);
	}
	in = sen_in;
	in.epoch = 0;
	ccm_wire_sentinel_encode(&w, &in);
	KUNIT_EXPECT_EQ(test, wire_try(test, k, &w, sizeof(w)), CCM_WIRE_FIELD);
}

static void wire_mbox_fields(struct kunit *test)
{
	static const u8 msgs[] = { 0, CCM_MBOX_NR, CCM_MBOX_NR + 1, 0xff };
	const struct wire_kind *k = &wire_kinds[3];
	struct ccm_mbox_info in;
	struct ccm_wire_mbox w;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(msgs); i++) {
		in = mbox_in;
		in.msg = msgs[i];
		ccm_wire_mbox_encode(&w, &in);
		KUNIT_EXPECT_EQ_MSG(test, wire_try(test, k, &w, sizeof(w)),
				    CCM_WIRE_FIELD, "msg %u", msgs[i]);
	}
	for (i = 0; i < 3; i++) {
		in = mbox_in;
		if (i == 0)
			in.writer_epoch = 0;
		else if (i == 1)
			in.reader_epoch = 0;
		else
			in.gen = 0;
		ccm_wire_mbox_encode(&w, &in);
		KUNIT_EXPECT_EQ_MSG(test, wire_try(test, k, &w, sizeof(w)),
				    CCM_WIRE_FIELD, "case %u", i);
	}
	ccm_wire_mbox_encode(&w, &mbox_in);
	w.reserved = cpu_to_be32(1);
	KUNIT_EXPECT_EQ(test, wire_try(test, k, &w, sizeof(w)), CCM_WIRE_FIELD);
}

/* 5. Semantic checks. */
static void wire_mbox_check(struct kunit *test)
{
	struct ccm_mbox_info m = mbox_in;

	KUNIT_EXPECT_EQ(test, ccm_wire_mbox_check(&m, EPOCH, EPOCH2, GEN),
			CCM_WIRE_OK);
	/* A leftover "state 5" from before the partner rebooted ... */
	KUNIT_EXPECT_EQ(test, ccm_wire_mbox_check(&m, EPOCH + 1, EPOCH2, GEN),
			CCM_WIRE_EPOCH);
	/* ... or written to a previous boot of ours. */
	KUNIT_EXPECT_EQ(test, ccm_wire_mbox_check(&m, EPOCH, EPOCH2 + 1, GEN),
			CCM_WIRE_EPOCH);
	/* Writer and reader epochs are not interchangeable. */
	KUNIT_EXPECT_EQ(test, ccm_wire_mbox_check(&m, EPOCH2, EPOCH, GEN),
			CCM_WIRE_EPOCH);
	/* Same boots, older or newer connection. */
	KUNIT_EXPECT_EQ(test, ccm_wire_mbox_check(&m, EPOCH, EPOCH2, GEN - 1),
			CCM_WIRE_GEN);
	KUNIT_EXPECT_EQ(test, ccm_wire_mbox_check(&m, EPOCH, EPOCH2, GEN + 1),
			CCM_WIRE_GEN);
	/* Epoch is judged before generation. */
	KUNIT_EXPECT_EQ(test, ccm_wire_mbox_check(&m, 1, EPOCH2, GEN + 1),
			CCM_WIRE_EPOCH);
}

static void wire_desc_sentinel_check(struct kunit *test)
{
	struct ccm_sentinel_info s = sen_in;
	struct ccm_desc_info d = desc_in;

	KUNIT_EXPECT_EQ(test, ccm_wire_desc_check(&d, NODE, EPOCH, GEN),
			CCM_WIRE_OK);
	KUNIT_EXPECT_EQ(test, ccm_wire_desc_check(&d, NODE + 1, EPOCH, GEN),
			CCM_WIRE_NODE);
	KUNIT_EXPECT_EQ(test, ccm_wire_desc_check(&d, NODE, EPOCH + 1, GEN),
			CCM_WIRE_EPOCH);
	KUNIT_EXPECT_EQ(test, ccm_wire_desc_check(&d, NODE, EPOCH, GEN + 1),
			CCM_WIRE_GEN);
	KUNIT_EXPECT_EQ(test, ccm_wire_desc_check(&d, 0, 0, 0), CCM_WIRE_NODE);

	KUNIT_EXPECT_EQ(test, ccm_wire_sentinel_check(&s, NODE, EPOCH),
			CCM_WIRE_OK);
	KUNIT_EXPECT_EQ(test, ccm_wire_sentinel_check(&s, ~NODE, EPOCH),
			CCM_WIRE_NODE);
	KUNIT_EXPECT_EQ(test, ccm_wire_sentinel_check(&s, NODE, EPOCH2),
			CCM_WIRE_EPOCH);
	/* The informational state and gen are not part of the check. */
	s.gen = 0;
	s.state = 99;
	KUNIT_EXPECT_EQ(test, ccm_wire_sentinel_check(&s, NODE, EPOCH),
			CCM_WIRE_OK);
}

static void wire_status_str(struct kunit *test)
{
	unsigned int i, j;

	for (i = 0; i < CCM_WIRE_NR; i++) {
		const char *s = ccm_wire_status_str(i);

		KUNIT_ASSERT_NOT_NULL(test, s);
		KUNIT_EXPECT_STRNEQ(test, s, "unknown");
		KUNIT_EXPECT_NE(test, s[0], '\0');
		for (j = 0; j < i; j++)
			KUNIT_EXPECT_STRNEQ(test, s, ccm_wire_status_str(j));
	}
	KUNIT_EXPECT_STREQ(test, ccm_wire_status_str(CCM_WIRE_NR), "unknown");
	KUNIT_EXPECT_STREQ(test, ccm_wire_status_str(-1), "unknown");

	KUNIT_EXPECT_STREQ(test, ccm_wire_rej_str(CCM_REJ_NORESOURCE),
			   "no resources");
	KUNIT_EXPECT_STRNEQ(test, ccm_wire_rej_str(CCM_REJ_TIEBREAK),
			    ccm_wire_rej_str(CCM_REJ_INVALID));
	KUNIT_EXPECT_STREQ(test, ccm_wire_rej_str(CCM_REJ_PORT),
			   "not from a privileged port");
	KUNIT_EXPECT_STRNEQ(test, ccm_wire_rej_str(CCM_REJ_ALIVE),
			    "unknown reason");
	KUNIT_EXPECT_STREQ(test, ccm_wire_rej_str(CCM_REJ_AUTH),
			   "no proof of the shared key (auth_key)");
	KUNIT_EXPECT_STREQ(test, ccm_wire_rej_str(CCM_REJ_AUTH + 1),
			   "unknown reason");
	/* Partner input: any value gets a string, the reserved 2 included. */
	KUNIT_EXPECT_STREQ(test, ccm_wire_rej_str(0), "unknown reason");
	KUNIT_EXPECT_STREQ(test, ccm_wire_rej_str(2), "unknown reason");
	KUNIT_EXPECT_STREQ(test, ccm_wire_rej_str(U32_MAX), "unknown reason");
}

/* 6. Fuzz: random and mutated inputs, fixed seed. */
#define FUZZ_ITERS	5000
#define FUZZ_MAX	128

static void wire_fuzz_one(struct kunit *test, const u8 *buf, size_t len,
			  unsigned int ok[4])
{
	struct ccm_sentinel_info si;
	struct ccm_desc_info di;
	struct ccm_mbox_info mi;
	struct ccm_cm_info ci;

	if (ccm_wire_cm_decode(buf, len, &ci) == CCM_WIRE_OK) {
		ok[0]++;
		KUNIT_EXPECT_GE(test, ci.type, CCM_CM_REQ);
		KUNIT_EXPECT_LE(test, ci.type, CCM_CM_REJ);
		KUNIT_EXPECT_NE(test, ci.epoch, 0ULL);
		if (ci.type != CCM_CM_REJ) {
			KUNIT_EXPECT_NE(test, ci.gen, 0U);
			KUNIT_EXPECT_EQ(test, ci.reason, 0U);
		}
	}
	if (ccm_wire_desc_decode(buf, len, &di) == CCM_WIRE_OK) {
		ok[1]++;
		KUNIT_EXPECT_GE(test, di.len, CCM_SENTINEL_READ_LEN);
		KUNIT_EXPECT_LE(test, di.len, CCM_SENTINEL_SIZE);
		KUNIT_EXPECT_NE(test, di.epoch, 0ULL);
		KUNIT_EXPECT_NE(test, di.gen, 0U);
	}
	if (ccm_wire_sentinel_decode(buf, len, &si) == CCM_WIRE_OK) {
		ok[2]++;
		KUNIT_EXPECT_EQ(test, si.mbox_offset, CCM_MBOX_OFFSET);
		KUNIT_EXPECT_NE(test, si.epoch, 0ULL);
	}
	if (ccm_wire_mbox_decode(buf, len, &mi) == CCM_WIRE_OK) {
		ok[3]++;
		KUNIT_EXPECT_GE(test, mi.msg, CCM_MBOX_STATE2);
		KUNIT_EXPECT_LT(test, mi.msg, CCM_MBOX_NR);
		KUNIT_EXPECT_NE(test, mi.writer_epoch, 0ULL);
		KUNIT_EXPECT_NE(test, mi.reader_epoch, 0ULL);
		KUNIT_EXPECT_NE(test, mi.gen, 0U);
	}
}

/* Small values, so that random fields are often (in)valid at the edges. */
static u32 fuzz_u32(struct rnd_state *rs)
{
	u32 r = prandom_u32_state(rs);

	switch (r & 3) {
	case 0:
		return 0;
	case 1:
		return 1 + ((r >> 2) & 3);
	case 2:
		return CCM_SENTINEL_READ_LEN + ((r >> 2) % 8) * 512 - 1 +
		       ((r >> 6) & 1);
	}
	return r;
}

/*
 * A structured input: one of the formats, encoded from random fields, then
 * perhaps a few random bytes changed and the CRC perhaps recomputed.
 */
static void fuzz_structured(struct rnd_state *rs, u8 *buf)
{
	unsigned int kind = prandom_u32_state(rs) % 4, n;
	const struct wire_kind *k = &wire_kinds[kind];
	union {
		struct ccm_cm_info c;
		struct ccm_desc_info d;
		struct ccm_sentinel_info s;
		struct ccm_mbox_info m;
	} in;

	memset(&in, 0, sizeof(in));
	switch (kind) {
	case 0:
		in.c = (struct ccm_cm_info){ fuzz_u32(rs), fuzz_u32(rs),
			fuzz_u32(rs), fuzz_u32(rs), fuzz_u32(rs),
			fuzz_u32(rs) };
		ccm_wire_cm_encode((void *)buf, &in.c);
		break;
	case 1:
		in.d = (struct ccm_desc_info){ fuzz_u32(rs), fuzz_u32(rs),
			fuzz_u32(rs), fuzz_u32(rs), fuzz_u32(rs),
			fuzz_u32(rs), fuzz_u32(rs) };
		ccm_wire_desc_encode((void *)buf, &in.d);
		break;
	case 2:
		in.s = (struct ccm_sentinel_info){ fuzz_u32(rs), fuzz_u32(rs),
			prandom_u32_state(rs) & 1 ? CCM_MBOX_OFFSET :
			fuzz_u32(rs), fuzz_u32(rs), fuzz_u32(rs) };
		ccm_wire_sentinel_encode((void *)buf, &in.s);
		break;
	default:
		in.m = (struct ccm_mbox_info){ fuzz_u32(rs), fuzz_u32(rs),
			fuzz_u32(rs), fuzz_u32(rs), fuzz_u32(rs),
			fuzz_u32(rs) };
		ccm_wire_mbox_encode((void *)buf, &in.m);
		break;
	}
	for (n = prandom_u32_state(rs) % 8; n && n < 4; n--)
		buf[prandom_u32_state(rs) % k->size] = prandom_u32_state(rs);
	if (prandom_u32_state(rs) & 1)
		wire_reseal(buf, k->crc_off);
}

static void wire_fuzz(struct kunit *test)
{
	unsigned int i, ok[4] = {};
	struct rnd_state rs;
	u8 *src, *buf;

	src = kunit_kzalloc(test, FUZZ_MAX, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, src);
	prandom_seed_state(&rs, 0x63636d2d77697265ULL);
	for (i = 0; i < FUZZ_ITERS; i++) {
		size_t len = prandom_u32_state(&rs) % (FUZZ_MAX + 1);

		prandom_bytes_state(&rs, src, FUZZ_MAX);
		if (i % 4)
			fuzz_structured(&rs, src);
		/* Exactly @len bytes, so an overread hits the redzone. */
		buf = kmemdup(src, len ?: 1, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, buf);
		wire_fuzz_one(test, buf, len, ok);
		kfree(buf);
	}
	kunit_info(test, "accepted: cm %u, desc %u, sentinel %u, mbox %u\n",
		   ok[0], ok[1], ok[2], ok[3]);
	/* The invariants above were checked on accepted inputs too. */
	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		KUNIT_EXPECT_GE(test, ok[i], 20U);
		KUNIT_EXPECT_LT(test, ok[i], FUZZ_ITERS / 4);
	}
}

static struct kunit_case ccm_wire_cases[] = {
	KUNIT_CASE(wire_sizes),
	KUNIT_CASE_PARAM(wire_golden, wire_kind_gen_params),
	KUNIT_CASE(wire_cm_roundtrip),
	KUNIT_CASE(wire_desc_roundtrip),
	KUNIT_CASE(wire_sentinel_roundtrip),
	KUNIT_CASE(wire_mbox_roundtrip),
	KUNIT_CASE_PARAM(wire_truncated, wire_kind_gen_params),
	KUNIT_CASE(wire_sentinel_page),
	KUNIT_CASE_PARAM(wire_bitflip, wire_kind_gen_params),
	KUNIT_CASE_PARAM(wire_frame_errors, wire_kind_gen_params),
	KUNIT_CASE(wire_cm_fields),
	KUNIT_CASE(wire_desc_fields),
	KUNIT_CASE(wire_sentinel_fields),
	KUNIT_CASE(wire_mbox_fields),
	KUNIT_CASE(wire_mbox_check),
	KUNIT_CASE(wire_desc_sentinel_check),
	KUNIT_CASE(wire_status_str),
	KUNIT_CASE(wire_fuzz),
	{}
};

static struct kunit_suite ccm_wire_suite = {
	.name = "ccm_wire",
	.test_cases = ccm_wire_cases,
};

kunit_test_suite(ccm_wire_suite);

MODULE_LICENSE("GPL");
