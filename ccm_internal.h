/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ccm - cluster connection manager: what the module's files share.
 *
 * Objects and who owns them:
 *   struct ccm_config  the validated module parameters (ccm_main.c), read-only
 *                      once the module is loaded.
 *   struct ccm_peer    one partner: the session over its links, the
 *                      partner's state and verdict, the clients' link
 *                      (ccm_peer.c).
 *   struct ccm_path    one interconnect link to that partner: the
 *                      handshake FSM, its timers, the sentinel page, the
 *                      heartbeat, the counters (ccm_path.c).
 *   struct ccm_conn    one RDMA CM connection on a link, or a listener;
 *                      opaque outside the transport (ccm_conn.h).
 *
 * Dependencies run one way: clients -> partner -> link -> transport ->
 * wire/FSM; a link reports up to its partner only through the
 * ccm_peer_path_*() calls.
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
#include <linux/timer.h>
#include <linux/workqueue.h>

#include "ccm_fsm.h"
#include "ccm_wire.h"

#define CCM_LAST_ERROR_LEN	128
#define CCM_EVQ_LEN		8

struct ccm_conn;
struct ib_cqe;
struct ib_device;
struct ib_qp;
struct ib_send_wr;
struct rdma_cm_id;

/* Interconnect links (paths) to one partner; links/<n> in sysfs. */
#define CCM_MAX_PATHS	4

struct ccm_config {
	unsigned int nr_paths;		/* 1 to CCM_MAX_PATHS */
	/* Per link, in the order given; peer_addr with the CM port. */
	struct sockaddr_storage peer_addr[CCM_MAX_PATHS];
	struct sockaddr_storage local_addr[CCM_MAX_PATHS]; /* family 0: any */
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
	u8 client_ack_timeout;		/* the clients' QPs (ack_timeout: ours) */
	bool privileged_port;		/* connect from, accept only from, < 1024 */
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
	CCM_STAT_REJECTS_PORT,		/* not from a privileged port */
	CCM_STAT_REJECTS_EPOCH,		/* a new epoch, the current one alive */
	CCM_STAT_AUTH_FAILURES,		/* a connection without a valid proof */
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
	CCM_STAT_LINK_LOST,		/* heartbeat silent on this link */
	CCM_STAT_NR
};

extern const char * const ccm_stat_names[CCM_STAT_NR];

/* The partner's counters, beside the links' (summed) in counters/. */
enum ccm_pstat {
	CCM_PSTAT_PARTNER_LOST,		/* every link lost, one silent */
	CCM_PSTAT_LINKS_DOWN,		/* a link lost, another still up */
	CCM_PSTAT_REDUNDANCY_LOST,	/* down to one connected link */
	CCM_PSTAT_NR
};

extern const char * const ccm_pstat_names[CCM_PSTAT_NR];

struct ccm_evq_entry {
	u8 ev;			/* enum ccm_event */
	u32 gen;		/* connection generation it belongs to */
};

/**
 * struct ccm_beat_target - where and what a link's heartbeat writes
 * @owner: the connection (opaque), passed back to @post_failed
 * @qp: its QP; NULL when the sender is stopped
 * @dev: its device
 * @buf: the message's slot in the connection's DMA buffer
 * @dma: that slot's DMA address
 * @lkey: the local key for it
 * @remote_addr: the partner's mailbox
 * @rkey: the partner's key for it
 * @cqe: the completion entry of the writes
 * @m: the message; its heartbeat and seq are filled in per write
 * @post_failed: called (from the timer, beat lock held) when a write cannot
 *	be posted; the sender then stops writing
 */
struct ccm_beat_target {
	void *owner;
	struct ib_qp *qp;
	struct ib_device *dev;
	void *buf;
	u64 dma;
	u32 lkey;
	u64 remote_addr;
	u32 rkey;
	struct ib_cqe *cqe;
	struct ccm_mbox_info m;
	void (*post_failed)(void *owner, int err);
};

/**
 * struct ccm_beat - a link's heartbeat sender (ccm_beat.c)
 * @timer: writes one heartbeat and rearms itself
 * @lock: protects every field below it; taken by the timer and by the
 *	completion handler (softirq), so _bh in process context
 * @tg: the connection written on; tg.owner NULL when stopped
 * @period: in jiffies
 * @count: the last heartbeat count written
 * @seq: the last mailbox write number used
 * @busy: a write is in flight on @tg
 * @idx: the link's index; constant
 * @sent: the link's heartbeats_sent counter; only the sender writes it
 * @skipped: its heartbeats_skipped counter, the same
 */
struct ccm_beat {
	struct timer_list timer;
	spinlock_t lock;		/* protects the fields below */
	struct ccm_beat_target tg;
	unsigned long period;
	u64 count;
	u32 seq;
	bool busy;
	unsigned int idx;
	u64 *sent;
	u64 *skipped;
};

void ccm_beat_init(struct ccm_beat *b, unsigned int idx, u64 *sent,
		   u64 *skipped);
void ccm_beat_start(struct ccm_beat *b, const struct ccm_beat_target *tg,
		    unsigned long period, u64 count, u32 seq);
bool ccm_beat_stop(struct ccm_beat *b, u64 *count, u32 *seq);
bool ccm_beat_done(struct ccm_beat *b, void *owner);
void *ccm_beat_owner(struct ccm_beat *b);

#define CCM_MSGBUF_NR	3	/* message types built at once */

/**
 * struct ccm_path - one interconnect link to the partner
 *
 * Its own control connection, sentinel page, five-state handshake,
 * heartbeat, backoff, counters and last error. Every field under
 * peer->lock unless noted: the links of a partner share its lock, and
 * all of their work runs on the ordered ccm_wq.
 */
struct ccm_path {
	struct ccm_peer *peer;		/* owner; constant */
	unsigned int idx;		/* links/<idx>; constant */
	const struct ccm_config *cfg;	/* constant */
	const struct sockaddr_storage *peer_addr;	/* constant */
	const struct sockaddr_storage *local_addr;	/* family 0: any */
	struct page *sentinel;		/* header each connection copies */
	struct delayed_work timer;	/* the current state's timeout */
	struct delayed_work poll;	/* watches our mailbox */
	struct work_struct kick;	/* a device appeared (ccm_path_kick()) */
	struct kobject kobj;		/* links/<idx>; frees this */

	/* Connection requests from the CM handler, for peer->work. */
	spinlock_t incoming_lock;	/* protects @incoming */
	struct list_head incoming;

	enum ccm_state state;
	bool up;			/* counted in peer->nr_up */
	bool silent;			/* being left for heartbeat silence */
	/*
	 * Why it is leaving connected (enum ccm_disconnect_reason): set only
	 * while it is up, by what fails it; ccm_peer_path_down() takes it.
	 */
	int down_reason;
	/*
	 * Set with the failure that takes it down, for ccm_peer_path_down():
	 * the failure is the link's for sure (a local port event or device
	 * removal, or the partner said so: @down_told), not maybe the
	 * partner's death.
	 */
	bool down_known;
	bool down_told;
	u32 down_gen;			/* the connection it lost last */
	struct sockaddr_storage self_addr;	/* our end, as last connected */
	struct ccm_conn *listener;
	struct ccm_conn *cur;		/* the connection the FSM uses */
	u32 cur_gen;			/* its generation, kept after release */
	struct list_head conns;		/* every connection but the listener */
	u32 max_gen;			/* highest generation seen */
	u8 pending_read;		/* 0, 1 (first) or 2 (second) */
	bool doorbell;			/* the current connection's rang */
	u32 mbox_seq;
	struct ccm_beat beat;		/* writes our heartbeat, connected */
	u64 hb_tx;			/* our heartbeat counter, while stopped */
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
	u64 peer_node_id;		/* last partner seen on this link */
	u64 peer_epoch;
	u64 restarted_from;		/* its previous epoch, until logged */
	char last_error[CCM_LAST_ERROR_LEN];
	/* Written under peer->lock, read locklessly by sysfs. */
	u64 stats[CCM_STAT_NR];
};

/**
 * struct ccm_peer - one partner: the session over its links
 *
 * The partner is connected while at least one of its links is; it is
 * lost only when the last one goes. The clients run on one link at a
 * time (@cpath).
 *
 * @lock protects every field below it and every field of the links.
 * Taken only in process context (ccm_wq work, sysfs, module load and
 * unload, ib_client).
 */
/* Bits of peer->flags. */
#define CCM_PEER_PORT_EVENT	0	/* a port went down or up: check */

/* A port's state as its last event said; compared, never dereferenced. */
struct ccm_port_event {
	const struct ib_device *dev;
	u32 port;
	bool down;
};

#define CCM_PORT_EVENTS	8	/* ports remembered between two looks */

struct ccm_peer {
	const struct ccm_config *cfg;
	u64 node_id;			/* ours; constant */
	u64 epoch;			/* ours, random per load; constant */
	unsigned int nr_paths;		/* constant */
	struct ccm_path *paths[CCM_MAX_PATHS];	/* constant */
	/*
	 * Control messages being built (OFFER, READY, GONE), under @lock;
	 * allocated once: an order-3 allocation on a busy node can stall.
	 */
	void *msgbuf[CCM_MSGBUF_NR];
	struct work_struct work;	/* connection events, the clients */
	struct delayed_work verdict;	/* settles pending link failures */
	struct list_head node;		/* in ccm_peers, under ccm_peers_lock */
	unsigned long flags;		/* CCM_PEER_*, atomic bitops */
	spinlock_t port_lock;		/* protects the two below */
	struct ccm_port_event port_ev[CCM_PORT_EVENTS];
	unsigned int nr_port_ev;

	struct mutex lock;		/* protects the fields below */
	bool stopping;
	struct ccm_path *cpath;		/* the clients' link; NULL: none yet */
	u32 cpath_gen;			/* its connection when it was chosen */
	u16 use_seq;			/* leader: last USE sent */
	u16 use_seen;			/* follower: newest USE taken; 0: none */
	unsigned int nr_up;		/* links connected */
	unsigned long pending_links;	/* failed, not yet judged: BIT(idx) */
	unsigned long known_links;	/* of those: surely the link's fault */
	unsigned long told_links;	/* of those: the partner told us */
	u64 pending_since;		/* the first of them failed */
	bool redundancy_lost;		/* reported, not restored since */
	enum ccm_state state;		/* the partner's, for sysfs */
	const char *uevent_state;	/* the state name last sent */
	unsigned long state_since;	/* jiffies: @uevent_state taken */
	u64 peer_node_id;		/* last partner seen on any link */
	u64 peer_epoch;
	u64 last_detection_ns;		/* proof of life to partner lost */
	int down_reason;		/* enum ccm_disconnect_reason, next loss */
	char last_error[CCM_LAST_ERROR_LEN];
	/* Written under @lock, read locklessly by sysfs. */
	u64 stats[CCM_PSTAT_NR];
};

extern struct workqueue_struct *ccm_wq;

static inline void ccm_stat_inc(struct ccm_path *path, enum ccm_stat s)
{
	lockdep_assert_held(&path->peer->lock);
	WRITE_ONCE(path->stats[s], path->stats[s] + 1);
}

static inline void ccm_pstat_inc(struct ccm_peer *peer, enum ccm_pstat s)
{
	lockdep_assert_held(&peer->lock);
	WRITE_ONCE(peer->stats[s], peer->stats[s] + 1);
}

/* ccm_peer.c: the partner over its links */
int ccm_peer_create(const struct ccm_config *cfg, struct ccm_peer **out);
void ccm_peer_destroy(struct ccm_peer *peer);
void ccm_peer_path_up(struct ccm_path *path);
void ccm_peer_path_down(struct ccm_path *path);
void ccm_peer_path_alive(struct ccm_path *path);
void ccm_peer_device_gone(struct ccm_peer *peer, struct ib_device *dev);
void ccm_peer_state_changed(struct ccm_peer *peer);
void ccm_peer_partner_seen(struct ccm_path *path, u64 node_id, u64 epoch);
void ccm_peer_use_rx(struct ccm_path *path, u16 seq);
void ccm_peer_down_rx(struct ccm_path *path, const struct ccm_link_info *li);
bool ccm_peer_clients_rx(struct ccm_path *path);
struct ccm_path *ccm_peer_live_link(struct ccm_peer *peer, u64 epoch);
struct ccm_path *ccm_peer_route(struct ccm_peer *peer,
				const struct sockaddr_storage *src);
__printf(2, 3)
void ccm_peer_error(struct ccm_peer *peer, const char *fmt, ...);
struct rdma_cm_id *ccm_peer_ctrl_id(struct ccm_peer *peer);
bool ccm_peer_ctrl_leads(struct ccm_peer *peer);
u32 ccm_peer_ctrl_gen(struct ccm_peer *peer);
bool ccm_peer_ctrl_up(struct ccm_peer *peer);
int ccm_peer_send_msg(struct ccm_peer *peer, const void *msg, size_t len);
void ccm_peer_stat_msg(struct ccm_peer *peer, enum ccm_stat s);
extern struct mutex ccm_peers_lock;
extern struct list_head ccm_peers;

/* ccm_path.c: one link's handshake and heartbeat */
int ccm_path_create(struct ccm_peer *peer, unsigned int idx,
		    struct ccm_path **out);
void ccm_path_start(struct ccm_path *path);
void ccm_path_stop(struct ccm_path *path);
void ccm_path_free(struct ccm_path *path);
void ccm_path_event(struct ccm_path *path, enum ccm_event ev, u32 gen);
void ccm_path_conn_ready(struct ccm_path *path);
void ccm_path_kick(struct ccm_path *path);
__printf(3, 4)
void __ccm_path_error(struct ccm_path *path, bool warn, const char *fmt, ...);
#define ccm_path_error(path, fmt, ...) \
	__ccm_path_error(path, true, fmt, ##__VA_ARGS__)
#define ccm_path_note(path, fmt, ...) \
	__ccm_path_error(path, false, fmt, ##__VA_ARGS__)
void ccm_path_record_partner(struct ccm_path *path, u64 node_id, u64 epoch);
void ccm_path_alive(struct ccm_path *path);
void ccm_path_doorbell(struct ccm_path *path);

/* The transport: ccm_rdma.c and the files ccm_conn.h lists */
int ccm_rdma_init(void);
void ccm_rdma_exit(void);
void ccm_rdma_stop(struct ccm_path *path);
void ccm_rdma_flush(void);
void ccm_rdma_defer(struct work_struct *work);
void ccm_rdma_check_ports(struct ccm_path *path,
			  const struct ccm_port_event *ev, unsigned int nr);
void ccm_peer_port_event(struct ccm_peer *peer, const struct ib_device *dev,
			 u32 port, bool down);
void ccm_rdma_process(struct ccm_path *path);
int ccm_rdma_read(struct ccm_path *path);
int ccm_rdma_write(struct ccm_path *path, enum ccm_mbox_msg msg);
void ccm_rdma_rx_deferred(struct ccm_path *path);
void ccm_rdma_beat_start(struct ccm_path *path);
void ccm_rdma_beat_stop(struct ccm_path *path);
void ccm_rdma_release(struct ccm_path *path, u32 gen);
void ccm_rdma_poll_mbox(struct ccm_path *path);
void ccm_rdma_publish(struct ccm_path *path);
bool ccm_rdma_cur_ready(struct ccm_path *path);
int ccm_post_send(struct ib_qp *qp, const struct ib_send_wr *wr);
int ccm_rdma_send_msg(struct ccm_path *path, const void *msg, size_t len);
int ccm_rdma_send_hint(struct ccm_path *path, const void *msg, size_t len);
struct rdma_cm_id *ccm_rdma_ctrl_id(struct ccm_path *path);
bool ccm_rdma_ctrl_leads(struct ccm_path *path);
void ccm_rdma_self_addr(struct ccm_path *path, struct sockaddr_storage *out);
const char *ccm_rdma_device_name(struct ccm_path *path);
bool ccm_addr_equal(const struct sockaddr_storage *a,
		    const struct sockaddr_storage *b);

/* ccm_sysfs.c */
int ccm_sysfs_init(void);
void ccm_sysfs_exit(void);
int ccm_sysfs_add_peer(struct ccm_peer *peer);
void ccm_sysfs_del_peer(struct ccm_peer *peer);
int ccm_sysfs_add_path(struct ccm_path *path);
void ccm_sysfs_del_path(struct ccm_path *path);
void ccm_sysfs_put_path(struct ccm_path *path);
void ccm_sysfs_uevent_link(struct ccm_path *path, bool up);
void ccm_sysfs_uevent_redundancy(struct ccm_peer *peer, bool restored);
struct kobject *ccm_sysfs_root(void);
void ccm_sysfs_uevent_state(struct ccm_peer *peer);
void ccm_sysfs_uevent(char **envp);

/* ccm_clients.c */
int ccm_clients_init(void);
void ccm_clients_exit(void);
int ccm_clients_rx(struct ccm_peer *peer, struct ccm_path *path, u32 gen,
		   const void *msg, size_t len);
void ccm_clients_up(struct ccm_peer *peer);
void ccm_clients_down(struct ccm_peer *peer, int reason);
void ccm_clients_device_gone(struct ccm_peer *peer, struct ib_device *dev,
			     int reason);
void ccm_clients_process(struct ccm_peer *peer);
void ccm_clients_flush(void);

#endif /* _CCM_INTERNAL_H */
