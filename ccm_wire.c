// SPDX-License-Identifier: GPL-2.0
/*
 * ccm - wire formats: encoders, and decoders that validate every byte.
 */
#include <linux/build_bug.h>
#include <linux/crc32.h>
#include <linux/kernel.h>
#include <linux/stddef.h>
#include <linux/string.h>

#include "ccm_wire.h"

static_assert(sizeof(struct ccm_wire_cm) == 40);
static_assert(sizeof(struct ccm_wire_req) == 56);	/* IB REQ via RDMA CM */
static_assert(sizeof(struct ccm_wire_desc) == 52);
static_assert(offsetof(struct ccm_wire_rep, nonce) == 92);
static_assert(sizeof(struct ccm_wire_rep) == 140);
static_assert(sizeof(struct ccm_wire_hello) == 84);
static_assert(sizeof(struct ccm_wire_rep) <= 196);	/* IB REP */
static_assert(sizeof(struct ccm_wire_sentinel) == 40);
static_assert(sizeof(struct ccm_wire_mbox) == 48);
static_assert(sizeof(struct ccm_wire_sentinel) <= CCM_MBOX_OFFSET);
static_assert(CCM_MBOX_OFFSET + sizeof(struct ccm_wire_mbox) <=
	      CCM_SENTINEL_READ_LEN);
static_assert(CCM_SENTINEL_READ_LEN <= CCM_SENTINEL_SIZE);

static const char * const ccm_wire_status_names[CCM_WIRE_NR] = {
	[CCM_WIRE_OK]		= "ok",
	[CCM_WIRE_SHORT]	= "truncated",
	[CCM_WIRE_MAGIC]	= "bad magic",
	[CCM_WIRE_VERSION_BAD]	= "unsupported version",
	[CCM_WIRE_LENGTH]	= "bad length field",
	[CCM_WIRE_CRC]		= "bad checksum",
	[CCM_WIRE_FIELD]	= "field out of range",
	[CCM_WIRE_EMPTY]	= "empty",
	[CCM_WIRE_EPOCH]	= "wrong epoch",
	[CCM_WIRE_GEN]		= "wrong connection generation",
	[CCM_WIRE_NODE]		= "wrong node identity",
};

/**
 * ccm_wire_status_str() - describe a decoder verdict
 * @st: the verdict
 *
 * Context: any.
 * Return: a static string.
 */
const char *ccm_wire_status_str(enum ccm_wire_status st)
{
	return (unsigned int)st < CCM_WIRE_NR ? ccm_wire_status_names[st] :
						"unknown";
}

/**
 * ccm_wire_rej_str() - describe the reason of a partner's rejection
 * @reason: enum ccm_rej_reason, as received (any value)
 *
 * Context: any.
 * Return: a static string; "unknown reason" for a value ccm never sends.
 */
const char *ccm_wire_rej_str(u32 reason)
{
	switch (reason) {
	case CCM_REJ_TIEBREAK:
		return "a connection that wins the tie-break exists";
	case CCM_REJ_INVALID:
		return "request invalid";
	case CCM_REJ_NORESOURCE:
		return "no resources";
	case CCM_REJ_PORT:
		return "not from a privileged port";
	case CCM_REJ_ALIVE:
		return "our connection to the partner's current incarnation is alive";
	case CCM_REJ_AUTH:
		return "no proof of the shared key (auth_key)";
	}
	return "unknown reason";
}

static __be32 ccm_wire_crc(const void *buf, size_t len)
{
	return cpu_to_be32(crc32_le(~0U, buf, len) ^ ~0U);
}

static bool ccm_wire_all_zero(const void *buf, size_t len)
{
	return !memchr_inv(buf, 0, len);
}

/* The first eight bytes of every structure. */
struct ccm_wire_hdr {
	__be32 magic;
	u8 version;
	u8 type;
	__be16 length;
} __packed;

/*
 * The checks every structure shares: size, magic, version, length, CRC.
 * @crc_off is where the CRC field sits; it covers the bytes before it.
 */
static enum ccm_wire_status ccm_wire_check_frame(const void *buf, size_t len,
						 size_t size, u32 magic,
						 size_t crc_off)
{
	const struct ccm_wire_hdr *h = buf;
	__be32 crc;

	if (!buf || len < size)
		return CCM_WIRE_SHORT;
	if (ccm_wire_all_zero(buf, size))
		return CCM_WIRE_EMPTY;
	if (be32_to_cpu(h->magic) != magic)
		return CCM_WIRE_MAGIC;
	if (h->version != CCM_WIRE_VERSION)
		return CCM_WIRE_VERSION_BAD;
	if (be16_to_cpu(h->length) != size)
		return CCM_WIRE_LENGTH;
	memcpy(&crc, (const u8 *)buf + crc_off, sizeof(crc));
	if (crc != ccm_wire_crc(buf, crc_off))
		return CCM_WIRE_CRC;
	return CCM_WIRE_OK;
}

/**
 * ccm_wire_cm_encode() - fill RDMA CM private data
 * @w: the buffer (REQ, REP or REJ private data)
 * @in: what to put in it
 *
 * Context: any.
 */
void ccm_wire_cm_encode(struct ccm_wire_cm *w, const struct ccm_cm_info *in)
{
	memset(w, 0, sizeof(*w));
	w->magic = cpu_to_be32(CCM_MAGIC_CM);
	w->version = CCM_WIRE_VERSION;
	w->type = in->type;
	w->length = cpu_to_be16(sizeof(*w));
	w->node_id = cpu_to_be64(in->node_id);
	w->epoch = cpu_to_be64(in->epoch);
	w->gen = cpu_to_be32(in->gen);
	w->max_gen = cpu_to_be32(in->max_gen);
	w->reason = cpu_to_be32(in->reason);
	w->crc = ccm_wire_crc(w, offsetof(struct ccm_wire_cm, crc));
}

/**
 * ccm_wire_cm_decode() - validate and decode RDMA CM private data
 * @buf: the private data as received (may be NULL)
 * @len: its length as received; transports may pad, so longer is accepted
 * @out: the decoded fields, written only when the data is valid
 *
 * Context: any.
 * Return: CCM_WIRE_OK, or why the data is refused.
 */
enum ccm_wire_status ccm_wire_cm_decode(const void *buf, size_t len,
					struct ccm_cm_info *out)
{
	const struct ccm_wire_cm *w = buf;
	enum ccm_wire_status st;
	u8 type;

	st = ccm_wire_check_frame(buf, len, sizeof(*w), CCM_MAGIC_CM,
				  offsetof(struct ccm_wire_cm, crc));
	if (st)
		return st;
	type = w->type;
	if (type < CCM_CM_REQ || type > CCM_CM_REJ || !w->epoch)
		return CCM_WIRE_FIELD;
	if (type != CCM_CM_REJ && w->reason)
		return CCM_WIRE_FIELD;
	if (type != CCM_CM_REJ && !w->gen)
		return CCM_WIRE_FIELD;
	out->type = type;
	out->node_id = be64_to_cpu(w->node_id);
	out->epoch = be64_to_cpu(w->epoch);
	out->gen = be32_to_cpu(w->gen);
	out->max_gen = be32_to_cpu(w->max_gen);
	out->reason = be32_to_cpu(w->reason);
	return CCM_WIRE_OK;
}

/**
 * ccm_wire_doorbell() - the immediate data of a mailbox write that rings
 *
 * Context: any.
 * Return: CCM_DOORBELL, big-endian, as it goes on the wire.
 */
__be32 ccm_wire_doorbell(void)
{
	return cpu_to_be32(CCM_DOORBELL);
}

/**
 * ccm_wire_desc_encode() - fill the sentinel descriptor message
 * @w: the send buffer
 * @in: what to put in it
 *
 * Context: any.
 */
void ccm_wire_desc_encode(struct ccm_wire_desc *w,
			  const struct ccm_desc_info *in)
{
	memset(w, 0, sizeof(*w));
	w->magic = cpu_to_be32(CCM_MAGIC_DESC);
	w->version = CCM_WIRE_VERSION;
	w->length = cpu_to_be16(sizeof(*w));
	w->node_id = cpu_to_be64(in->node_id);
	w->epoch = cpu_to_be64(in->epoch);
	w->addr = cpu_to_be64(in->addr);
	w->rkey = cpu_to_be32(in->rkey);
	w->mbox_rkey = cpu_to_be32(in->mbox_rkey);
	w->len = cpu_to_be32(in->len);
	w->gen = cpu_to_be32(in->gen);
	w->crc = ccm_wire_crc(w, offsetof(struct ccm_wire_desc, crc));
}

/**
 * ccm_wire_desc_decode() - validate and decode a sentinel descriptor
 * @buf: the received message
 * @len: the number of bytes received
 * @out: the decoded fields, written only when the message is valid
 *
 * The registered length must cover at least what one READ fetches and may
 * not exceed the sentinel page; a READ is then always in bounds.
 *
 * Context: any.
 * Return: CCM_WIRE_OK, or why the message is refused.
 */
enum ccm_wire_status ccm_wire_desc_decode(const void *buf, size_t len,
					  struct ccm_desc_info *out)
{
	const struct ccm_wire_desc *w = buf;
	enum ccm_wire_status st;
	u32 rlen;

	st = ccm_wire_check_frame(buf, len, sizeof(*w), CCM_MAGIC_DESC,
				  offsetof(struct ccm_wire_desc, crc));
	if (st)
		return st;
	rlen = be32_to_cpu(w->len);
	if (rlen < CCM_SENTINEL_READ_LEN || rlen > CCM_SENTINEL_SIZE ||
	    !w->epoch || !w->gen || w->reserved)
		return CCM_WIRE_FIELD;
	out->node_id = be64_to_cpu(w->node_id);
	out->epoch = be64_to_cpu(w->epoch);
	out->addr = be64_to_cpu(w->addr);
	out->rkey = be32_to_cpu(w->rkey);
	out->mbox_rkey = be32_to_cpu(w->mbox_rkey);
	out->len = rlen;
	out->gen = be32_to_cpu(w->gen);
	return CCM_WIRE_OK;
}

/**
 * ccm_wire_desc_check() - is a valid descriptor the one this connection expects?
 * @d: a decoded descriptor
 * @node_id: the partner's identity from the CM private data
 * @epoch: the partner's epoch from the CM private data
 * @gen: this connection's generation
 *
 * Context: any.
 * Return: CCM_WIRE_OK, CCM_WIRE_NODE, CCM_WIRE_EPOCH or CCM_WIRE_GEN.
 */
enum ccm_wire_status ccm_wire_desc_check(const struct ccm_desc_info *d,
					 u64 node_id, u64 epoch, u32 gen)
{
	if (d->node_id != node_id)
		return CCM_WIRE_NODE;
	if (d->epoch != epoch)
		return CCM_WIRE_EPOCH;
	if (d->gen != gen)
		return CCM_WIRE_GEN;
	return CCM_WIRE_OK;
}

/**
 * ccm_wire_sentinel_encode() - write a sentinel header
 * @w: the start of the sentinel page
 * @in: the owner's identity, epoch and current state
 *
 * Context: any.
 */
void ccm_wire_sentinel_encode(struct ccm_wire_sentinel *w,
			      const struct ccm_sentinel_info *in)
{
	memset(w, 0, sizeof(*w));
	w->magic = cpu_to_be32(CCM_MAGIC_SENTINEL);
	w->version = CCM_WIRE_VERSION;
	w->length = cpu_to_be16(sizeof(*w));
	w->node_id = cpu_to_be64(in->node_id);
	w->epoch = cpu_to_be64(in->epoch);
	w->mbox_offset = cpu_to_be32(in->mbox_offset);
	w->crc = ccm_wire_crc(w, offsetof(struct ccm_wire_sentinel, crc));
	ccm_wire_sentinel_set_state(w, in->state, in->gen);
}

/**
 * ccm_wire_sentinel_set_state() - publish the owner's state in its sentinel
 * @w: the sentinel header
 * @state: the owner's state
 * @gen: the generation of the owner's current connection
 *
 * Each field is one aligned 32-bit store, so a concurrent remote READ sees
 * the old or the new value of each; they are informational and outside
 * the CRC.
 *
 * Context: any.
 */
void ccm_wire_sentinel_set_state(struct ccm_wire_sentinel *w, u32 state,
				 u32 gen)
{
	WRITE_ONCE(w->state, cpu_to_be32(state));
	WRITE_ONCE(w->gen, cpu_to_be32(gen));
}

/**
 * ccm_wire_sentinel_decode() - validate and decode a sentinel read remotely
 * @buf: the bytes an RDMA READ returned
 * @len: how many
 * @out: the decoded fields, written only when the header is valid
 *
 * Context: any.
 * Return: CCM_WIRE_OK, or why the sentinel is refused.
 */
enum ccm_wire_status ccm_wire_sentinel_decode(const void *buf, size_t len,
					      struct ccm_sentinel_info *out)
{
	const struct ccm_wire_sentinel *w = buf;
	enum ccm_wire_status st;

	st = ccm_wire_check_frame(buf, len, sizeof(*w), CCM_MAGIC_SENTINEL,
				  offsetof(struct ccm_wire_sentinel, crc));
	if (st)
		return st;
	if (be32_to_cpu(w->mbox_offset) != CCM_MBOX_OFFSET || !w->epoch ||
	    w->reserved)
		return CCM_WIRE_FIELD;
	out->node_id = be64_to_cpu(w->node_id);
	out->epoch = be64_to_cpu(w->epoch);
	out->mbox_offset = be32_to_cpu(w->mbox_offset);
	out->state = be32_to_cpu(READ_ONCE(w->state));
	out->gen = be32_to_cpu(READ_ONCE(w->gen));
	return CCM_WIRE_OK;
}

/**
 * ccm_wire_sentinel_check() - is a valid sentinel the expected partner's?
 * @s: a decoded sentinel
 * @node_id: the partner's identity from the CM private data
 * @epoch: the partner's epoch from the CM private data
 *
 * Context: any.
 * Return: CCM_WIRE_OK, CCM_WIRE_NODE or CCM_WIRE_EPOCH.
 */
enum ccm_wire_status
ccm_wire_sentinel_check(const struct ccm_sentinel_info *s, u64 node_id,
			u64 epoch)
{
	if (s->node_id != node_id)
		return CCM_WIRE_NODE;
	if (s->epoch != epoch)
		return CCM_WIRE_EPOCH;
	return CCM_WIRE_OK;
}

/**
 * ccm_wire_mbox_encode() - build a mailbox message
 * @w: the buffer the RDMA WRITE sends from
 * @in: the message
 *
 * Context: any.
 */
void ccm_wire_mbox_encode(struct ccm_wire_mbox *w,
			  const struct ccm_mbox_info *in)
{
	memset(w, 0, sizeof(*w));
	w->magic = cpu_to_be32(CCM_MAGIC_MBOX);
	w->version = CCM_WIRE_VERSION;
	w->msg = in->msg;
	w->length = cpu_to_be16(sizeof(*w));
	w->writer_epoch = cpu_to_be64(in->writer_epoch);
	w->reader_epoch = cpu_to_be64(in->reader_epoch);
	w->gen = cpu_to_be32(in->gen);
	w->seq = cpu_to_be32(in->seq);
	w->heartbeat = cpu_to_be64(in->heartbeat);
	w->crc = ccm_wire_crc(w, offsetof(struct ccm_wire_mbox, crc));
}

/**
 * ccm_wire_mbox_decode() - validate and decode the mailbox
 * @buf: the mailbox (a snapshot of it: the partner may write concurrently)
 * @len: its size
 * @out: the decoded message, written only when it is valid
 *
 * A write that lands while the mailbox is being copied shows up as a CRC
 * mismatch; the caller looks again on its next poll.
 *
 * Context: any.
 * Return: CCM_WIRE_OK, CCM_WIRE_EMPTY for a mailbox nobody wrote, or why
 * the content is refused.
 */
enum ccm_wire_status ccm_wire_mbox_decode(const void *buf, size_t len,
					  struct ccm_mbox_info *out)
{
	const struct ccm_wire_mbox *w = buf;
	enum ccm_wire_status st;

	st = ccm_wire_check_frame(buf, len, sizeof(*w), CCM_MAGIC_MBOX,
				  offsetof(struct ccm_wire_mbox, crc));
	if (st)
		return st;
	if (w->msg < CCM_MBOX_STATE2 || w->msg >= CCM_MBOX_NR ||
	    !w->writer_epoch || !w->reader_epoch || !w->gen || w->reserved)
		return CCM_WIRE_FIELD;
	out->msg = w->msg;
	out->writer_epoch = be64_to_cpu(w->writer_epoch);
	out->reader_epoch = be64_to_cpu(w->reader_epoch);
	out->gen = be32_to_cpu(w->gen);
	out->seq = be32_to_cpu(w->seq);
	out->heartbeat = be64_to_cpu(w->heartbeat);
	return CCM_WIRE_OK;
}

/**
 * ccm_wire_mbox_check() - does a valid message belong to this attempt?
 * @m: a decoded message
 * @writer_epoch: the epoch the writer must have (the partner's)
 * @reader_epoch: the epoch the writer must believe the reader has
 * @gen: the generation of the connection it must belong to
 *
 * A message from another boot of either side, or from an older or newer
 * connection, is not acted on.
 *
 * Context: any.
 * Return: CCM_WIRE_OK, CCM_WIRE_EPOCH or CCM_WIRE_GEN.
 */
enum ccm_wire_status ccm_wire_mbox_check(const struct ccm_mbox_info *m,
					 u64 writer_epoch, u64 reader_epoch,
					 u32 gen)
{
	if (m->writer_epoch != writer_epoch || m->reader_epoch != reader_epoch)
		return CCM_WIRE_EPOCH;
	if (m->gen != gen)
		return CCM_WIRE_GEN;
	return CCM_WIRE_OK;
}

/**
 * ccm_wire_name_valid() - is this a valid client name?
 * @name: the name, NUL-terminated within @max bytes
 * @max: the size of the buffer holding it
 *
 * 1 to @max - 1 characters of [a-z0-9_-], NUL-terminated.
 *
 * Context: any.
 * Return: true when valid.
 */
bool ccm_wire_name_valid(const char *name, size_t max)
{
	size_t len, i;

	if (!name)
		return false;
	len = strnlen(name, max);
	if (!len || len == max)
		return false;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') &&
		    c != '_' && c != '-')
			return false;
	}
	return true;
}

static_assert(sizeof(struct ccm_wire_msg) == 24);
static_assert(sizeof(struct ccm_wire_offer) == 60);
static_assert(sizeof(struct ccm_wire_qp) == 8);
static_assert(sizeof(struct ccm_wire_name) == 40);
static_assert(sizeof(struct ccm_wire_link) == 24);
static_assert(sizeof(struct ccm_wire_msg) + sizeof(struct ccm_wire_offer) +
	      CCM_MAX_QPS * sizeof(struct ccm_wire_qp) <= CCM_MSG_MAX);

/**
 * ccm_wire_msg_init() - start a control message
 * @buf: the buffer
 * @cap: its size
 * @type: enum ccm_msg_type
 * @gen: the control connection's generation
 *
 * Context: any.
 * Return: 0, or -ENOSPC when @cap cannot hold a header.
 */
int ccm_wire_msg_init(void *buf, size_t cap, u8 type, u32 gen)
{
	struct ccm_wire_msg *m = buf;

	if (cap < sizeof(*m))
		return -ENOSPC;
	memset(m, 0, sizeof(*m));
	m->magic = cpu_to_be32(CCM_MAGIC_MSG);
	m->version = CCM_MSG_VERSION;
	m->type = type;
	m->hdr_len = cpu_to_be16(sizeof(*m));
	m->length = cpu_to_be32(sizeof(*m));
	m->gen = cpu_to_be32(gen);
	return 0;
}

/**
 * ccm_wire_msg_use() - build a whole USE message
 * @buf: the buffer
 * @cap: its size
 * @gen: the control connection's generation
 * @seq: the choice's sequence number, not 0
 *
 * Context: any.
 * Return: the message's length, -EINVAL for a @seq of 0, or -ENOSPC when
 * @cap cannot hold it.
 */
int ccm_wire_msg_use(void *buf, size_t cap, u32 gen, u16 seq)
{
	struct ccm_wire_msg *m = buf;
	int ret;

	if (!seq)
		return -EINVAL;
	ret = ccm_wire_msg_init(buf, cap, CCM_MSG_USE, gen);
	if (ret)
		return ret;
	m->arg = cpu_to_be16(seq);
	return ccm_wire_msg_finish(buf);
}

/* Room for @need more bytes? Then count the entry and return where. */
static void *ccm_wire_msg_reserve(void *buf, size_t cap, size_t need)
{
	struct ccm_wire_msg *m = buf;
	u32 len = be32_to_cpu(m->length);

	/* Never build what the decoder would refuse. */
	if (len > cap || cap - len < need || len + need > CCM_MSG_MAX ||
	    be16_to_cpu(m->count) >= CCM_MAX_CLIENTS)
		return NULL;
	m->length = cpu_to_be32(len + need);
	be16_add_cpu(&m->count, 1);
	return (u8 *)buf + len;
}

/**
 * ccm_wire_msg_down() - build a whole DOWN message
 * @buf: the buffer
 * @cap: its size
 * @gen: the control connection's generation (of the link it goes on)
 * @link: the sender's address on the link that failed
 *
 * Context: any.
 * Return: the message's length, -EINVAL for a family other than 4 or 6 or
 * a generation of 0, or -ENOSPC when @cap cannot hold it.
 */
int ccm_wire_msg_down(void *buf, size_t cap, u32 gen,
		      const struct ccm_link_info *link)
{
	struct ccm_wire_link *w;
	int ret;

	if ((link->family != 4 && link->family != 6) || !link->gen)
		return -EINVAL;
	ret = ccm_wire_msg_init(buf, cap, CCM_MSG_DOWN, gen);
	if (ret)
		return ret;
	w = ccm_wire_msg_reserve(buf, cap, sizeof(*w));
	if (!w)
		return -ENOSPC;
	memset(w, 0, sizeof(*w));
	w->family = link->family;
	w->gen = cpu_to_be32(link->gen);
	memcpy(w->addr, link->addr, link->family == 4 ? 4 : 16);
	return ccm_wire_msg_finish(buf);
}

/**
 * ccm_wire_msg_add_offer() - append one client's offer to an OFFER message
 * @buf: a message started with ccm_wire_msg_init()
 * @cap: the buffer's size
 * @o: the client's name, incarnation, QP count and memory
 * @qpn: @o->nr_qps QP numbers
 * @psn: @o->nr_qps send PSNs
 *
 * Context: any.
 * Return: 0; -EINVAL for a QP count of 0 or above CCM_MAX_QPS; -ENOSPC
 * when it does not fit in @cap, CCM_MSG_MAX or CCM_MAX_CLIENTS entries
 * (the message is unchanged).
 */
int ccm_wire_msg_add_offer(void *buf, size_t cap,
			   const struct ccm_offer_info *o, const u32 *qpn,
			   const u32 *psn)
{
	size_t need = sizeof(struct ccm_wire_offer) +
		      (size_t)o->nr_qps * sizeof(struct ccm_wire_qp);
	struct ccm_wire_offer *w;
	struct ccm_wire_qp *q;
	unsigned int i;

	if (!o->nr_qps || o->nr_qps > CCM_MAX_QPS)
		return -EINVAL;
	w = ccm_wire_msg_reserve(buf, cap, need);
	if (!w)
		return -ENOSPC;
	memset(w, 0, sizeof(*w));
	strscpy(w->name, o->name, sizeof(w->name));
	w->incarnation = cpu_to_be32(o->incarnation);
	w->nr_qps = cpu_to_be16(o->nr_qps);
	w->rd_atomic = o->rd_atomic;
	w->mem_addr = cpu_to_be64(o->mem_addr);
	w->mem_rkey = cpu_to_be32(o->mem_rkey);
	w->mem_len = cpu_to_be32(o->mem_len);
	w->answers = cpu_to_be32(o->answers);
	q = (struct ccm_wire_qp *)(w + 1);
	for (i = 0; i < o->nr_qps; i++) {
		q[i].qpn = cpu_to_be32(qpn[i]);
		q[i].psn = cpu_to_be32(psn[i]);
	}
	return 0;
}

/**
 * ccm_wire_msg_add_name() - append a name to a READY or GONE message
 * @buf: a message started with ccm_wire_msg_init()
 * @cap: the buffer's size
 * @n: the client's name, incarnation and (GONE) reason
 *
 * Context: any.
 * Return: 0, or -ENOSPC when it does not fit.
 */
int ccm_wire_msg_add_name(void *buf, size_t cap,
			  const struct ccm_name_info *n)
{
	struct ccm_wire_name *w;

	w = ccm_wire_msg_reserve(buf, cap, sizeof(*w));
	if (!w)
		return -ENOSPC;
	memset(w, 0, sizeof(*w));
	strscpy(w->name, n->name, sizeof(w->name));
	w->incarnation = cpu_to_be32(n->incarnation);
	w->reason = cpu_to_be32(n->reason);
	return 0;
}

/**
 * ccm_wire_msg_finish() - seal a control message
 * @buf: the message
 *
 * Context: any.
 * Return: its length in bytes, what to send.
 */
size_t ccm_wire_msg_finish(void *buf)
{
	struct ccm_wire_msg *m = buf;
	u32 len = be32_to_cpu(m->length);

	m->crc = 0;
	m->crc = ccm_wire_crc(buf, len);
	return len;
}

static bool ccm_wire_name_in(const char *name, const void *buf, size_t upto,
			     size_t entry_off)
{
	const struct ccm_wire_msg *m = buf;
	size_t off = sizeof(*m);

	while (off < upto) {
		const char *other = (const char *)buf + off;

		if (!strncmp(other, name, CCM_NAME_MAX))
			return true;
		if (m->type == CCM_MSG_OFFER) {
			const struct ccm_wire_offer *w = (const void *)other;

			off += sizeof(*w) + be16_to_cpu(w->nr_qps) *
					    sizeof(struct ccm_wire_qp);
		} else {
			off += entry_off;
		}
	}
	return false;
}

/* The rest of a DOWN message: exactly one valid link entry. */
static enum ccm_wire_status
ccm_wire_msg_down_check(const struct ccm_wire_msg *m, u32 mlen,
			struct ccm_msg_info *out)
{
	const struct ccm_wire_link *w = (const void *)(m + 1);

	if (be16_to_cpu(m->count) != 1)
		return CCM_WIRE_FIELD;
	if (mlen != sizeof(*m) + sizeof(*w))
		return CCM_WIRE_LENGTH;
	if ((w->family != 4 && w->family != 6) || !w->gen ||
	    memchr_inv(w->reserved, 0, sizeof(w->reserved)) ||
	    (w->family == 4 && memchr_inv(w->addr + 4, 0, 12)))
		return CCM_WIRE_FIELD;
	out->type = m->type;
	out->gen = be32_to_cpu(m->gen);
	out->length = mlen;
	out->count = 1;
	out->arg = 0;
	return CCM_WIRE_OK;
}

/**
 * ccm_wire_msg_decode() - validate a whole control message
 * @buf: the message as received
 * @len: the number of bytes received
 * @out: the header fields, written only when the message is valid
 *
 * Checks the header, the CRC over the whole message, and every entry: it
 * lies inside the message, its name is valid and unique in the message,
 * QP counts are 1 to CCM_MAX_QPS, and the entries fill the message
 * exactly; a DOWN message has one link entry, family 4 or 6 and a nonzero
 * generation. After this,
 * ccm_wire_msg_offer(), ccm_wire_msg_name() and ccm_wire_msg_link() may
 * walk the entries without further checks.
 *
 * Context: any.
 * Return: CCM_WIRE_OK, or why the message is refused.
 */
enum ccm_wire_status ccm_wire_msg_decode(const void *buf, size_t len,
					 struct ccm_msg_info *out)
{
	const struct ccm_wire_msg *m = buf;
	struct ccm_wire_msg hdr;
	u32 mlen, crc, i, count;
	size_t off;
	bool use;

	if (!buf || len < sizeof(*m))
		return CCM_WIRE_SHORT;
	if (be32_to_cpu(m->magic) != CCM_MAGIC_MSG)
		return CCM_WIRE_MAGIC;
	if (m->version != CCM_MSG_VERSION)
		return CCM_WIRE_VERSION_BAD;
	mlen = be32_to_cpu(m->length);
	if (be16_to_cpu(m->hdr_len) != sizeof(*m) || mlen < sizeof(*m) ||
	    mlen > CCM_MSG_MAX)
		return CCM_WIRE_LENGTH;
	if (mlen > len)
		return CCM_WIRE_SHORT;
	hdr = *m;
	hdr.crc = 0;
	crc = crc32_le(~0U, (const u8 *)&hdr, sizeof(hdr));
	crc = crc32_le(crc, (const u8 *)buf + sizeof(hdr), mlen - sizeof(hdr));
	if (cpu_to_be32(crc ^ ~0U) != m->crc)
		return CCM_WIRE_CRC;
	use = m->type == CCM_MSG_USE;
	if (m->type < CCM_MSG_OFFER || m->type >= CCM_MSG_NR || !m->gen ||
	    use != !!m->arg)
		return CCM_WIRE_FIELD;
	count = be16_to_cpu(m->count);
	if (count > CCM_MAX_CLIENTS || (use && count))
		return CCM_WIRE_FIELD;
	if (m->type == CCM_MSG_DOWN)
		return ccm_wire_msg_down_check(m, mlen, out);

	off = sizeof(*m);
	for (i = 0; i < count; i++) {
		const char *name = (const char *)buf + off;
		size_t size;

		if (m->type == CCM_MSG_OFFER) {
			const struct ccm_wire_offer *w = (const void *)name;
			u16 nr;

			if (mlen - off < sizeof(*w))
				return CCM_WIRE_LENGTH;
			nr = be16_to_cpu(w->nr_qps);
			if (!nr || nr > CCM_MAX_QPS || w->reserved ||
			    (!w->mem_len && (w->mem_addr || w->mem_rkey)))
				return CCM_WIRE_FIELD;
			size = sizeof(*w) + nr * sizeof(struct ccm_wire_qp);
		} else {
			const struct ccm_wire_name *w = (const void *)name;

			size = sizeof(*w);
			if (mlen - off >= size && m->type == CCM_MSG_GONE &&
			    (!w->reason ||
			     be32_to_cpu(w->reason) >= CCM_GONE_NR))
				return CCM_WIRE_FIELD;
			if (mlen - off >= size && m->type == CCM_MSG_READY &&
			    w->reason)
				return CCM_WIRE_FIELD;
		}
		if (mlen - off < size)
			return CCM_WIRE_LENGTH;
		if (!ccm_wire_name_valid(name, CCM_NAME_MAX) ||
		    memchr_inv(name + strnlen(name, CCM_NAME_MAX), 0,
			       CCM_NAME_MAX - strnlen(name, CCM_NAME_MAX)))
			return CCM_WIRE_FIELD;
		if (ccm_wire_name_in(name, buf, off, size))
			return CCM_WIRE_FIELD;
		off += size;
	}
	if (off != mlen)
		return CCM_WIRE_LENGTH;
	out->type = m->type;
	out->gen = be32_to_cpu(m->gen);
	out->length = mlen;
	out->count = count;
	out->arg = be16_to_cpu(m->arg);
	return CCM_WIRE_OK;
}

/**
 * ccm_wire_msg_offer() - the next entry of a validated OFFER message
 * @buf: a message ccm_wire_msg_decode() accepted
 * @off: where the entry starts (sizeof(struct ccm_wire_msg) for the first);
 *	 advanced past it
 * @out: the entry; out->qps points into @buf
 *
 * Context: any.
 */
void ccm_wire_msg_offer(const void *buf, size_t *off,
			struct ccm_offer_info *out)
{
	const struct ccm_wire_offer *w = (const void *)((const u8 *)buf + *off);

	memcpy(out->name, w->name, CCM_NAME_MAX);
	out->incarnation = be32_to_cpu(w->incarnation);
	out->nr_qps = be16_to_cpu(w->nr_qps);
	out->rd_atomic = w->rd_atomic;
	out->mem_addr = be64_to_cpu(w->mem_addr);
	out->mem_rkey = be32_to_cpu(w->mem_rkey);
	out->mem_len = be32_to_cpu(w->mem_len);
	out->answers = be32_to_cpu(w->answers);
	out->qps = (const struct ccm_wire_qp *)(w + 1);
	*off += sizeof(*w) + out->nr_qps * sizeof(struct ccm_wire_qp);
}

/**
 * ccm_wire_msg_link() - the link entry of a validated DOWN message
 * @buf: a DOWN message ccm_wire_msg_decode() accepted
 * @out: the entry
 *
 * Context: any.
 */
void ccm_wire_msg_link(const void *buf, struct ccm_link_info *out)
{
	const struct ccm_wire_link *w = (const void *)((const u8 *)buf +
						       sizeof(struct ccm_wire_msg));

	out->family = w->family;
	out->gen = be32_to_cpu(w->gen);
	memcpy(out->addr, w->addr, sizeof(out->addr));
}

/**
 * ccm_wire_msg_name() - the next entry of a validated READY or GONE message
 * @buf: a message ccm_wire_msg_decode() accepted
 * @off: where the entry starts; advanced past it
 * @out: the entry
 *
 * Context: any.
 */
void ccm_wire_msg_name(const void *buf, size_t *off, struct ccm_name_info *out)
{
	const struct ccm_wire_name *w = (const void *)((const u8 *)buf + *off);

	memcpy(out->name, w->name, CCM_NAME_MAX);
	out->incarnation = be32_to_cpu(w->incarnation);
	out->reason = be32_to_cpu(w->reason);
	*off += sizeof(*w);
}
