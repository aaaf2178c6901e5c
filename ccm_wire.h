/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ccm - wire formats: everything that crosses the link.
 *
 * All multi-byte fields are big-endian. Every structure starts with a magic,
 * a version and its own length, and ends with a CRC32 (IEEE, as crc32_le()
 * seeded with ~0 and inverted) over the bytes before it. Decoders check all
 * of that before they hand out a single field; the semantic checks (is this
 * epoch the one we expect?) are separate helpers. Documentation/ccm.rst has
 * the byte-level layouts. Pure code: builds for UML.
 */
#ifndef _CCM_WIRE_H
#define _CCM_WIRE_H

#include <linux/types.h>

/*
 * 2: the passive side's sentinel descriptor moved from a SEND into the REP
 * (struct ccm_wire_rep); 3: the descriptor names two keys, a read-only one
 * for the sentinel and a write-only one for its mailbox.
 */
#define CCM_WIRE_VERSION	3
/*
 * Control messages carry their own version: 2 added the answered
 * incarnation to OFFER entries, 3 the READ depth of the offered QPs, 4
 * the DOWN message.
 */
#define CCM_MSG_VERSION		4

#define CCM_MAGIC_CM		0x43434d43	/* "CCMC" CM private data */
#define CCM_MAGIC_DESC		0x43434d44	/* "CCMD" sentinel descriptor */
#define CCM_MAGIC_SENTINEL	0x43434d53	/* "CCMS" sentinel header */
#define CCM_MAGIC_MBOX		0x43434d4d	/* "CCMM" mailbox message */
#define CCM_MAGIC_MSG		0x43434d58	/* "CCMX" control message */

/*
 * Immediate data of a handshake mailbox write (RDMA WRITE with immediate):
 * "look at your mailbox now". Only a hint that saves the reader up to a
 * poll interval; the mailbox itself stays the only source of state.
 */
#define CCM_DOORBELL		0x43434d42	/* "CCMB" */

/*
 * Layout of the sentinel page. Only its first CCM_SENTINEL_READ_LEN bytes
 * are registered: readable by the partner as a whole (one READ sees header
 * and mailbox), writable by it only from CCM_MBOX_OFFSET on.
 */
#define CCM_SENTINEL_SIZE	4096		/* the page */
#define CCM_MBOX_OFFSET		256		/* partner writes here */
#define CCM_SENTINEL_READ_LEN	512		/* one READ sees header + mailbox */
#define CCM_MBOX_LEN		(CCM_SENTINEL_READ_LEN - CCM_MBOX_OFFSET)

enum ccm_cm_type {
	CCM_CM_REQ = 1,		/* connect request (active side) */
	CCM_CM_REP = 2,		/* accept (passive side) */
	CCM_CM_REJ = 3,		/* reject (passive side) */
};

/* Why a request was rejected, in CCM_CM_REJ. */
enum ccm_rej_reason {
	CCM_REJ_TIEBREAK = 1,	/* a connection that wins the tie-break exists */
	/* 2: reserved (never sent) */
	CCM_REJ_INVALID = 3,	/* the request did not validate */
	CCM_REJ_NORESOURCE = 4,	/* we could not set the connection up */
	CCM_REJ_PORT = 5,	/* not from a privileged source port */
	CCM_REJ_ALIVE = 6,	/* a new epoch while the current one is alive */
	CCM_REJ_AUTH = 7,	/* no proof of the shared key offered */
};

enum ccm_mbox_msg {
	CCM_MBOX_STATE2 = 1,	/* the writer is in state 2 */
	CCM_MBOX_STATE5 = 2,	/* the writer is in state 5 */
	CCM_MBOX_COMPLETE = 3,	/* the writer is connected */
	CCM_MBOX_NR
};

/*
 * RDMA CM private data, in REQ, REP and REJ. An IB REQ carries at most
 * 56 bytes of private data through the RDMA CM (92 minus the CM's own
 * 36-byte header), a REJ 148: 40 bytes fits both.
 */
struct ccm_wire_cm {
	__be32 magic;
	u8 version;
	u8 type;		/* enum ccm_cm_type */
	__be16 length;		/* sizeof(struct ccm_wire_cm) */
	__be64 node_id;		/* sender's node identity */
	__be64 epoch;		/* sender's boot epoch */
	__be32 gen;		/* generation of this connection */
	__be32 max_gen;		/* highest generation the sender has seen */
	__be32 reason;		/* enum ccm_rej_reason, 0 unless REJ */
	__be32 crc;
} __packed;

/*
 * Where the sender's sentinel is: the active side's first SEND on a new
 * control QP, and the second half of the passive side's REP.
 */
struct ccm_wire_desc {
	__be32 magic;
	u8 version;
	u8 reserved;
	__be16 length;
	__be64 node_id;
	__be64 epoch;
	__be64 addr;		/* remote address of the sentinel */
	__be32 rkey;		/* remote read of [addr, addr + len) only */
	__be32 mbox_rkey;	/* remote write of the mailbox only */
	__be32 len;		/* readable length, CCM_SENTINEL_READ_LEN */
	__be32 gen;
	__be32 crc;
} __packed;

/*
 * With a shared key (auth_key, ccm_auth.h) each side adds a fresh nonce and
 * the passive side its proof; without one they are not sent, and what is
 * sent is byte for byte what it was. Binary, not CRC-checked: only the
 * proof can vouch for them.
 */
#define CCM_WIRE_NONCE_LEN	16
#define CCM_WIRE_MAC_LEN	32	/* HMAC-SHA256 */

/* REQ private data: 56 bytes, all an IB REQ has room for. */
struct ccm_wire_req {
	struct ccm_wire_cm cm;
	u8 nonce[CCM_WIRE_NONCE_LEN];	/* the active side's; zero: no key */
} __packed;

/*
 * REP private data: the passive side registers its sentinel before it
 * accepts, so the active side can read it as soon as it is connected. An
 * IB REP carries 196 bytes of private data: 140 fits. Without a key only
 * the first 92 bytes are sent.
 */
struct ccm_wire_rep {
	struct ccm_wire_cm cm;
	struct ccm_wire_desc desc;
	u8 nonce[CCM_WIRE_NONCE_LEN];	/* the passive side's */
	u8 mac[CCM_WIRE_MAC_LEN];	/* its proof over REQ, cm, desc, nonce */
} __packed;

/*
 * The active side's first SEND: its descriptor, then, with a key, its
 * proof over the REQ, that descriptor and the passive side's nonce.
 */
struct ccm_wire_hello {
	struct ccm_wire_desc desc;
	u8 mac[CCM_WIRE_MAC_LEN];
} __packed;

/* At offset 0 of the sentinel page; written by its owner only. */
struct ccm_wire_sentinel {
	__be32 magic;
	u8 version;
	u8 reserved;
	__be16 length;
	__be64 node_id;
	__be64 epoch;
	__be32 mbox_offset;	/* CCM_MBOX_OFFSET */
	__be32 crc;		/* over the bytes above */
	/* Informational, outside the CRC: they change under a reader. */
	__be32 state;		/* enum ccm_state of the owner */
	__be32 gen;		/* generation of the owner's connection */
} __packed;

/* At CCM_MBOX_OFFSET of the sentinel page; written by the partner only. */
struct ccm_wire_mbox {
	__be32 magic;
	u8 version;
	u8 msg;			/* enum ccm_mbox_msg */
	__be16 length;
	__be64 writer_epoch;	/* the writer's epoch */
	__be64 reader_epoch;	/* the epoch the writer believes we have */
	__be32 gen;		/* generation of the connection it belongs to */
	__be32 seq;		/* the writer's write counter */
	__be64 heartbeat;	/* reserved for liveness, 0 for now */
	__be32 crc;
	__be32 reserved;
} __packed;

/*
 * Control messages, SENT on the control QP once connected: the client
 * exchange. A message is a header followed by @count entries.
 */
#define CCM_MSG_MAX		32768		/* bytes, header included */
#define CCM_NAME_MAX		32		/* client name, NUL included */
#define CCM_MAX_CLIENTS		64		/* per node */
#define CCM_MAX_QPS		1024		/* per client */

enum ccm_msg_type {
	CCM_MSG_OFFER = 1,	/* clients with their QPs and memory */
	CCM_MSG_READY = 2,	/* these clients' QPs are RTS on our side */
	CCM_MSG_GONE = 3,	/* these clients are gone (or failed) here */
	/*
	 * Several links: the clients use the link this came on from now on;
	 * no entries, the choice's sequence number in ->arg.
	 */
	CCM_MSG_USE = 4,
	/*
	 * Several links: the sender's end of a link failed (one struct
	 * ccm_wire_link entry, the sender's address on it); the receiver
	 * fails its end too, without waiting for the silence.
	 */
	CCM_MSG_DOWN = 5,
	CCM_MSG_NR
};

struct ccm_wire_msg {
	__be32 magic;
	u8 version;
	u8 type;		/* enum ccm_msg_type */
	__be16 hdr_len;		/* sizeof(struct ccm_wire_msg) */
	__be32 length;		/* the whole message */
	__be32 gen;		/* the control connection's generation */
	__be16 count;		/* entries that follow */
	__be16 arg;		/* USE: the choice's sequence (not 0); else 0 */
	__be32 crc;		/* over the whole message, this field as 0 */
} __packed;

/* OFFER entry, followed by nr_qps struct ccm_wire_qp. */
struct ccm_wire_offer {
	char name[CCM_NAME_MAX];	/* NUL-padded */
	__be32 incarnation;	/* new for every set of QPs offered */
	__be16 nr_qps;
	u8 rd_atomic;		/* RDMA READs each QP takes in flight */
	u8 reserved;
	__be64 mem_addr;	/* the memory exposed to the partner's client */
	__be32 mem_rkey;
	__be32 mem_len;		/* 0: none */
	__be32 answers;		/* the partner's incarnation it pairs with */
} __packed;

struct ccm_wire_qp {
	__be32 qpn;
	__be32 psn;		/* the sender's send PSN for this QP */
} __packed;

/* DOWN entry: which link failed, and on which of its connections. */
struct ccm_wire_link {
	u8 family;		/* 4 or 6 */
	u8 reserved[3];
	__be32 gen;		/* the generation of the connection that failed */
	u8 addr[16];		/* the sender's; IPv4: the first 4 bytes */
} __packed;

/* READY and GONE entry. */
struct ccm_wire_name {
	char name[CCM_NAME_MAX];
	__be32 incarnation;
	__be32 reason;		/* GONE: why (enum ccm_gone_reason) */
} __packed;

enum ccm_gone_reason {
	CCM_GONE_UNREGISTERED = 1,	/* the client unregistered */
	CCM_GONE_MISMATCH = 2,		/* the offers do not fit together */
	CCM_GONE_FAILED = 3,		/* setting the QPs up failed */
	CCM_GONE_QP_ERROR = 4,		/* an async error on a QP or CQ */
	CCM_GONE_NR
};

/* Host-order views, filled by the decoders. */
struct ccm_cm_info {
	u8 type;
	u64 node_id;
	u64 epoch;
	u32 gen;
	u32 max_gen;
	u32 reason;
};

struct ccm_desc_info {
	u64 node_id;
	u64 epoch;
	u64 addr;
	u32 rkey;
	u32 mbox_rkey;
	u32 len;
	u32 gen;
};

struct ccm_sentinel_info {
	u64 node_id;
	u64 epoch;
	u32 mbox_offset;
	u32 state;
	u32 gen;
};

struct ccm_mbox_info {
	u8 msg;
	u64 writer_epoch;
	u64 reader_epoch;
	u32 gen;
	u32 seq;
	u64 heartbeat;
};

/* Decoder verdicts; 0 is valid. */
enum ccm_wire_status {
	CCM_WIRE_OK,
	CCM_WIRE_SHORT,		/* fewer bytes than the structure */
	CCM_WIRE_MAGIC,
	CCM_WIRE_VERSION_BAD,
	CCM_WIRE_LENGTH,	/* length field is not the structure's */
	CCM_WIRE_CRC,
	CCM_WIRE_FIELD,		/* a field is out of range */
	CCM_WIRE_EMPTY,		/* all zero: nothing written yet */
	CCM_WIRE_EPOCH,		/* valid, but from another epoch */
	CCM_WIRE_GEN,		/* valid, but from another connection */
	CCM_WIRE_NODE,		/* valid, but from another node */
	CCM_WIRE_NR
};

const char *ccm_wire_status_str(enum ccm_wire_status st);
const char *ccm_wire_rej_str(u32 reason);
bool ccm_wire_name_valid(const char *name, size_t max);

struct ccm_msg_info {
	u8 type;
	u32 gen;
	u32 length;
	u16 count;
	u16 arg;
};

/* A DOWN message's entry: family 4 or 6, the address in network order. */
struct ccm_link_info {
	u8 family;
	u32 gen;
	u8 addr[16];
};

struct ccm_offer_info {
	char name[CCM_NAME_MAX];
	u32 incarnation;
	u16 nr_qps;
	u8 rd_atomic;			/* as responder, per QP */
	u64 mem_addr;
	u32 mem_rkey;
	u32 mem_len;
	u32 answers;			/* 0: none */
	const struct ccm_wire_qp *qps;	/* points into the message */
};

struct ccm_name_info {
	char name[CCM_NAME_MAX];
	u32 incarnation;
	u32 reason;
};

int ccm_wire_msg_init(void *buf, size_t cap, u8 type, u32 gen);
int ccm_wire_msg_use(void *buf, size_t cap, u32 gen, u16 seq);
int ccm_wire_msg_add_offer(void *buf, size_t cap,
			   const struct ccm_offer_info *o, const u32 *qpn,
			   const u32 *psn);
int ccm_wire_msg_add_name(void *buf, size_t cap,
			  const struct ccm_name_info *n);
size_t ccm_wire_msg_finish(void *buf);
enum ccm_wire_status ccm_wire_msg_decode(const void *buf, size_t len,
					 struct ccm_msg_info *out);
void ccm_wire_msg_offer(const void *buf, size_t *off,
			struct ccm_offer_info *out);
void ccm_wire_msg_name(const void *buf, size_t *off,
		       struct ccm_name_info *out);
int ccm_wire_msg_down(void *buf, size_t cap, u32 gen,
		      const struct ccm_link_info *link);
void ccm_wire_msg_link(const void *buf, struct ccm_link_info *out);

__be32 ccm_wire_doorbell(void);
void ccm_wire_cm_encode(struct ccm_wire_cm *w, const struct ccm_cm_info *in);
enum ccm_wire_status ccm_wire_cm_decode(const void *buf, size_t len,
					struct ccm_cm_info *out);

void ccm_wire_desc_encode(struct ccm_wire_desc *w,
			  const struct ccm_desc_info *in);
enum ccm_wire_status ccm_wire_desc_decode(const void *buf, size_t len,
					  struct ccm_desc_info *out);
enum ccm_wire_status ccm_wire_desc_check(const struct ccm_desc_info *d,
					 u64 node_id, u64 epoch, u32 gen);

void ccm_wire_sentinel_encode(struct ccm_wire_sentinel *w,
			      const struct ccm_sentinel_info *in);
void ccm_wire_sentinel_set_state(struct ccm_wire_sentinel *w, u32 state,
				 u32 gen);
enum ccm_wire_status ccm_wire_sentinel_decode(const void *buf, size_t len,
					      struct ccm_sentinel_info *out);
enum ccm_wire_status
ccm_wire_sentinel_check(const struct ccm_sentinel_info *s, u64 node_id,
			u64 epoch);

void ccm_wire_mbox_encode(struct ccm_wire_mbox *w,
			  const struct ccm_mbox_info *in);
enum ccm_wire_status ccm_wire_mbox_decode(const void *buf, size_t len,
					  struct ccm_mbox_info *out);
enum ccm_wire_status ccm_wire_mbox_check(const struct ccm_mbox_info *m,
					 u64 writer_epoch, u64 reader_epoch,
					 u32 gen);

#endif /* _CCM_WIRE_H */
