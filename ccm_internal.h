/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ccm - cluster connection manager: what the module's files share.
 *
 * Objects and who owns them:
 *   struct ccm_config  the validated module parameters (ccm_main.c), read-only
 *                      once the module is loaded.
 *   struct ccm_peer    one partner: the handshake FSM, its timers, the
 *                      sentinel page, the counters (ccm_peer.c).
 *   struct ccm_conn    one RDMA CM connection to that partner, or the
 *                      listener; opaque outside ccm_rdma.c.
 *
 * Context: all FSM work runs on ccm_wq (ordered) under peer->lock. RDMA CM
 * and completion handlers never take peer->lock: they record what happened
 * in the connection and queue peer->work.
 */
#ifndef _CCM_INTERNAL_H
#define _CCM_INTERNAL_H

#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/socket.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "ccm_fsm.h"
#include "ccm_wire.h"

#define CCM_LAST_ERROR_LEN	128
#define CCM_EVQ_LEN		8

/*
 * Test-only fault injection: tests/rogue/ builds these sources a second
 * time with CCM_ROGUE defined, as ccm_rogue.ko, a partner that sends bad
 * input on purpose (see tests/vm/cases/rogue_*.sh). In ccm.ko every
 * ccm_rogue_is() is a constant false and compiles away.
 */
enum ccm_rogue_mode {
	CCM_ROGUE_NONE,
	CCM_ROGUE_PRIVDATA,	/* random bytes as CM private data */
	CCM_ROGUE_TRUNCATED,	/* CM private data cut short */
	CCM_ROGUE_SENTINEL,	/* a sentinel header that does not validate */
	CCM_ROGUE_EPOCH,	/* mailbox writes with a wrong epoch */
	CCM_ROGUE_OFFER,	/* a client offer with an out-of-range QP count */
	CCM_ROGUE_FLOOD,	/* a flood of random mailbox messages */
	CCM_ROGUE_DOORBELL,	/* mailbox writes ring with a wrong immediate */
	CCM_ROGUE_DESC,		/* sentinel descriptors of a wrong generation */
	CCM_ROGUE_NAMES,	/* offers for more clients than a node can have */
	CCM_ROGUE_SENDFAIL,	/* its own first control message fails to send */
	CCM_ROGUE_NR
};

#ifdef CCM_ROGUE
extern int ccm_rogue;
#define ccm_rogue_is(m)		(ccm_rogue == CCM_ROGUE_##m)
#else
#define ccm_rogue_is(m)		false
#endif

struct ccm_conn;
struct ib_device;
struct ib_qp;
struct ib_send_wr;
struct rdma_cm_id;

struct ccm_config {
	struct sockaddr_storage peer_addr;	/* with the CM port */
	struct sockaddr_storage local_addr;	/* family 0 when unset */
	u16 port;
	u64 node_id;
	u32 connect_timeout_ms;
	u32 op_timeout_ms;
	u32 wait_timeout_ms;
	u32 handshake_timeout_ms;
	u32 poll_interval_ms;
	u32 backoff_min_ms;
	u32 backoff_max_ms;
	u32 heartbeat_ms;
	u32 heartbeat_miss;
	u8 ack_timeout;
	u8 retry_count;
};

/* Counters, one sysfs file each under /sys/kernel/ccm/counters/. */
enum ccm_stat {
	CCM_STAT_TRANSITIONS,
	CCM_STAT_ILLEGAL_EVENTS,
	CCM_STAT_STALE_EVENTS,
	CCM_STAT_HANDSHAKES,
	CCM_STAT_ERRORS,
	CCM_STAT_TIMEOUTS,
	CCM_STAT_READS_ISSUED,
	CCM_STAT_READS_COMPLETED,
	CCM_STAT_READS_FAILED,
	CCM_STAT_WRITES_ISSUED,
	CCM_STAT_WRITES_COMPLETED,
	CCM_STAT_WRITES_FAILED,
	CCM_STAT_CONNECTS,
	CCM_STAT_CONNECT_FAILURES,
	CCM_STAT_ACCEPTS,
	CCM_STAT_REJECTS_ADDR,
	CCM_STAT_REJECTS_INVALID,
	CCM_STAT_REJECTS_TIEBREAK,
	CCM_STAT_CONNS_LOST,
	CCM_STAT_SENTINEL_INVALID,
	CCM_STAT_DESC_INVALID,
	CCM_STAT_MBOX_INVALID,
	CCM_STAT_MBOX_STALE,
	CCM_STAT_MSGS_SENT,
	CCM_STAT_MSGS_RECEIVED,
	CCM_STAT_MSGS_INVALID,
	CCM_STAT_MSGS_STALE,
	CCM_STAT_DOORBELLS,
	CCM_STAT_HEARTBEATS_SENT,
	CCM_STAT_HEARTBEATS_SKIPPED,
	CCM_STAT_PARTNER_LOST,
	CCM_STAT_NR
};

extern const char * const ccm_stat_names[CCM_STAT_NR];

struct ccm_evq_entry {
	u8 ev;			/* enum ccm_event */
	u32 gen;		/* connection generation it belongs to */
};

/**
 * struct ccm_peer - one partner and the handshake with it
 *
 * @lock protects every field below it except where noted. Taken only in
 * process context (ccm_wq work, sysfs, module load/unload, ib_client).
 */
#define CCM_MSGBUF_NR	3	/* message types built at once */

struct ccm_peer {
	const struct ccm_config *cfg;
	u64 node_id;			/* ours; constant */
	u64 epoch;			/* ours, random per load; constant */
	struct page *sentinel;		/* pinned; constant */
	/*
	 * Control messages being built (OFFER, READY, GONE), under @lock;
	 * allocated once: an order-3 allocation on a busy node can stall.
	 */
	void *msgbuf[CCM_MSGBUF_NR];
	struct work_struct work;	/* runs connection events */
	struct delayed_work timer;	/* the current state's timeout */
	struct delayed_work poll;	/* watches our mailbox */
	struct list_head node;		/* in ccm_peers, under ccm_peers_lock */

	/* Connection requests from the CM handler, for ->work. */
	spinlock_t incoming_lock;	/* protects @incoming */
	struct list_head incoming;

	struct mutex lock;		/* protects the fields below */
	bool stopping;
	enum ccm_state state;
	struct ccm_conn *listener;
	struct ccm_conn *cur;		/* the connection the FSM uses */
	u32 cur_gen;			/* its generation, kept after release */
	struct list_head conns;		/* every connection but the listener */
	u32 max_gen;			/* highest generation seen */
	u8 pending_read;		/* 0, 1 (first) or 2 (second) */
	bool doorbell;			/* the current connection's rang */
	u32 mbox_seq;
	u64 hb_tx;			/* our heartbeat counter */
	u64 hb_rx;			/* the partner's, as last seen */
	unsigned int hb_missed;		/* checks in a row without life */
	u64 alive_ns;			/* last proof of life */
	u64 last_detection_ns;		/* proof of life to declared lost */
	struct ccm_evq_entry evq[CCM_EVQ_LEN];
	unsigned int evq_head, evq_len;
	bool in_fsm;
	u64 tmo_stamp;			/* transitions when the timer was armed */
	unsigned int backoff_n;		/* errors in a row */
	u32 backoff_ms;
	u64 attempt_start_ns;
	u64 last_handshake_ns;
	u64 peer_node_id;		/* last partner seen */
	u64 peer_epoch;
	u64 restarted_from;		/* its previous epoch, until logged */
	int down_reason;		/* enum ccm_disconnect_reason, next loss */
	char last_error[CCM_LAST_ERROR_LEN];
	/* Written under @lock, read locklessly by sysfs. */
	u64 stats[CCM_STAT_NR];
};

extern struct workqueue_struct *ccm_wq;

static inline void ccm_stat_inc(struct ccm_peer *peer, enum ccm_stat s)
{
	lockdep_assert_held(&peer->lock);
	WRITE_ONCE(peer->stats[s], peer->stats[s] + 1);
}

/* ccm_peer.c */
int ccm_peer_create(const struct ccm_config *cfg, struct ccm_peer **out);
void ccm_peer_destroy(struct ccm_peer *peer);
void ccm_peer_event(struct ccm_peer *peer, enum ccm_event ev, u32 gen);
void ccm_peer_conn_ready(struct ccm_peer *peer);
void ccm_peer_kick(struct ccm_peer *peer);
__printf(3, 4)
void __ccm_peer_error(struct ccm_peer *peer, bool warn, const char *fmt, ...);
#define ccm_peer_error(peer, fmt, ...) \
	__ccm_peer_error(peer, true, fmt, ##__VA_ARGS__)
#define ccm_peer_note(peer, fmt, ...) \
	__ccm_peer_error(peer, false, fmt, ##__VA_ARGS__)
void ccm_peer_record_partner(struct ccm_peer *peer, u64 node_id, u64 epoch);
void ccm_peer_alive(struct ccm_peer *peer);
void ccm_peer_doorbell(struct ccm_peer *peer);
extern struct mutex ccm_peers_lock;
extern struct list_head ccm_peers;

/* ccm_rdma.c */
int ccm_rdma_init(void);
void ccm_rdma_exit(void);
void ccm_rdma_stop(struct ccm_peer *peer);
void ccm_rdma_process(struct ccm_peer *peer);
int ccm_rdma_read(struct ccm_peer *peer);
int ccm_rdma_write(struct ccm_peer *peer, enum ccm_mbox_msg msg);
void ccm_rdma_release(struct ccm_peer *peer, u32 gen);
void ccm_rdma_poll_mbox(struct ccm_peer *peer);
bool ccm_rdma_write_busy(struct ccm_peer *peer, enum ccm_mbox_msg msg);
void ccm_rdma_publish(struct ccm_peer *peer);
bool ccm_rdma_cur_ready(struct ccm_peer *peer);
int ccm_post_send(struct ib_qp *qp, const struct ib_send_wr *wr);
int ccm_rdma_send_msg(struct ccm_peer *peer, const void *msg, size_t len);
struct rdma_cm_id *ccm_rdma_ctrl_id(struct ccm_peer *peer);
bool ccm_rdma_ctrl_leads(struct ccm_peer *peer);

/* ccm_sysfs.c */
int ccm_sysfs_init(void);
void ccm_sysfs_exit(void);
int ccm_sysfs_add_peer(struct ccm_peer *peer);
void ccm_sysfs_del_peer(struct ccm_peer *peer);
struct kobject *ccm_sysfs_root(void);
void ccm_sysfs_uevent_state(struct ccm_peer *peer);
void ccm_sysfs_uevent(char **envp);

/* ccm_clients.c */
int ccm_clients_init(void);
void ccm_clients_exit(void);
void ccm_clients_rx(struct ccm_peer *peer, u32 gen, const void *msg,
		    size_t len);
void ccm_clients_up(struct ccm_peer *peer);
void ccm_clients_down(struct ccm_peer *peer);
void ccm_clients_process(struct ccm_peer *peer);
void ccm_clients_flush(void);

#endif /* _CCM_INTERNAL_H */
