// SPDX-License-Identifier: GPL-2.0
/*
 * ccm - everything that touches verbs and the RDMA CM.
 *
 * One struct ccm_conn per RDMA CM id: the listener, connections we make
 * (active) and connections the partner makes (passive). Handlers run in
 * the RDMA CM's process context or in softirq (completions); they only
 * record what happened in the connection, set a bit in conn->pending and
 * queue path->peer->work. Every verbs object is created and destroyed by that
 * work (or by module unload / device removal) under peer->lock, so no
 * handler ever races with a teardown: a connection is freed only after
 * its QP is drained and its CM id destroyed, which waits for its handlers.
 *
 * Per connection each side registers its sentinel with two REG_MR work
 * requests, read-only as a whole and write-only over the mailbox, and
 * tells the partner its descriptor (address, the two rkeys). The
 * passive side owns its QP (the RDMA CM does not move it): it moves it to
 * RTS itself, registers, and accepts with the descriptor in the REP, so the
 * active side is "ready" as soon as it is connected; the active side then
 * registers and SENDs its descriptor, which makes the passive side ready.
 * On a ready connection the FSM's reads and writes go out.
 */
#include <linux/in.h>
#include <linux/random.h>
#include <linux/in6.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <net/ipv6.h>
#include <rdma/ib_cm.h>
#include <rdma/ib_verbs.h>
#include <rdma/rdma_cm.h>

#include <ccm/ccm.h>
#include <trace/events/ccm.h>
#include "ccm_auth.h"
#include "ccm_fault.h"
#include "ccm_internal.h"
#include "ccm_chunkbuf.h"

/*
 * Control messages (the client exchange) in flight per direction; one
 * receive more than the partner sends at once, since a doorbell (a mailbox
 * write with immediate data) may hold one until the worker reposts it.
 */
#define CCM_NR_TX		4
#define CCM_NR_RX		(CCM_NR_TX + 1)

/* Connection events handled per run of the worker before it yields. */
#define CCM_PROCESS_BUDGET	64

/*
 * Send queue: two REG_MRs + descriptor SEND + one READ + three mailbox
 * WRITEs + the heartbeat's WRITE + the control messages; receive queue:
 * the descriptor + the messages.
 */
#define CCM_MAX_SEND_WR		(8 + CCM_NR_TX + 1)	/* +1 for ib_drain_sq() */
#define CCM_MAX_RECV_WR		(1 + CCM_NR_RX + 1)	/* +1 for ib_drain_rq() */
#define CCM_CQ_SIZE		(CCM_MAX_SEND_WR + CCM_MAX_RECV_WR)
#define CCM_PRIV_MAX		sizeof(struct ccm_wire_rep)
#define CCM_RD_ATOMIC		1	/* one READ in flight each way */
#define CCM_LISTEN_BACKLOG	8
#define CCM_MAX_DEFERRED	16	/* messages before connected */
#define CCM_MAX_UNPROVEN	4	/* auth_key: accepted, not yet proven */

/*
 * With privileged_port, connections are made from a port of NFS's
 * "resvport" range, tried from a random one on: connections being torn
 * down still hold theirs.
 */
#define CCM_RESVPORT_MIN	665
#define CCM_RESVPORT_MAX	1023
#define CCM_RESVPORT_TRIES	32

/* The small DMA buffer of a connection. */
#define CCM_BUF_RECV		0				/* descriptor in */
#define CCM_BUF_SEND		128				/* descriptor out */
#define CCM_BUF_WRITE(msg)	(256 + ((msg) - 1) * 64)	/* mailbox out */
#define CCM_BUF_BEAT		CCM_BUF_WRITE(CCM_MBOX_NR)	/* heartbeat out */
#define CCM_BUF_READ		512				/* sentinel in */
#define CCM_BUF_SIZE		(CCM_BUF_READ + CCM_SENTINEL_READ_LEN)

static_assert(sizeof(struct ccm_wire_hello) <= 128);
static_assert(sizeof(struct ccm_wire_mbox) <= 64);
static_assert(CCM_BUF_BEAT + 64 <= CCM_BUF_READ);

/* The active side's first SEND: its descriptor, with auth_key its proof. */
static u32 ccm_conn_hello_len(void)
{
	return ccm_auth_enabled() ? sizeof(struct ccm_wire_hello) :
				    sizeof(struct ccm_wire_desc);
}

enum ccm_conn_kind {
	CCM_CONN_LISTEN,
	CCM_CONN_ACTIVE,
	CCM_CONN_PASSIVE,
};

/* Bits of conn->pending. */
enum {
	CCM_CEV_ADDR_RESOLVED,
	CCM_CEV_ROUTE_RESOLVED,
	CCM_CEV_ESTABLISHED,
	CCM_CEV_CONNECT_FAILED,
	CCM_CEV_DISCONNECTED,
	CCM_CEV_RECV,
	CCM_CEV_REG,
	CCM_CEV_SEND,
	CCM_CEV_READ,
	CCM_CEV_WRITE,		/* + enum ccm_mbox_msg */
	CCM_CEV_LISTEN_LOST = CCM_CEV_WRITE + CCM_MBOX_NR,
	CCM_CEV_RX,		/* + receive buffer index */
	CCM_CEV_TX = CCM_CEV_RX + CCM_NR_RX,	/* + send buffer index */
	/* A control message could not be sent; after what was received. */
	CCM_CEV_MSG_LOST = CCM_CEV_TX + CCM_NR_TX,
	CCM_CEV_BEAT,		/* a heartbeat write failed */
	CCM_CEV_AUTH_TIMEOUT,	/* passive: no proof of the key in time */
	CCM_CEV_NR,
};

static_assert(CCM_CEV_NR <= BITS_PER_LONG);

/* Connections being freed, each on its own (see ccm_conn_destroy()). */
static struct workqueue_struct *ccm_teardown_wq;

/*
 * A copy of a control message: one to send, waiting for a free send buffer
 * (conn->txq), or one received before its link was up (conn->deferred).
 */
struct ccm_tx {
	struct list_head node;
	size_t len;
	u8 data[];
};

struct ccm_conn {
	struct ccm_path *path;
	struct work_struct teardown;	/* on ccm_teardown_wq */
	enum ccm_conn_kind kind;
	struct rdma_cm_id *cm_id;
	struct list_head node;		/* path->conns or path->incoming */
	u32 gen;

	/* Written by handlers before they set the bit, read after it. */
	unsigned long pending;
	int cm_status;
	u8 priv[CCM_PRIV_MAX];
	u8 priv_len;
	u32 recv_len;
	bool recv_not_send;		/* the descriptor receive took a write */
	enum ib_wc_status recv_status;
	enum ib_wc_status reg_status;
	enum ib_wc_status reg_mbox_status;	/* written before reg_status */
	enum ib_wc_status send_status;
	enum ib_wc_status read_status;
	enum ib_wc_status write_status[CCM_MBOX_NR];
	enum ib_wc_status rx_status[CCM_NR_RX];
	u32 rx_len[CCM_NR_RX];
	bool rx_imm[CCM_NR_RX];		/* a mailbox write's immediate */
	u32 rx_imm_data[CCM_NR_RX];
	enum ib_wc_status tx_status[CCM_NR_TX];
	enum ib_wc_status beat_status;
	int beat_err;			/* the heartbeat could not be posted */

	/* Everything below: worker only, under peer->lock. */
	bool established;
	bool accepted;			/* passive: rdma_accept() done */
	bool ready;			/* partner's descriptor received */
	bool rq_drained;		/* ccm_conn_rx_last() drained the RQ */
	bool qp_init;			/* the QP left RESET */
	bool used;			/* the FSM has acted on it */
	bool auth_wait;			/* passive: accepted, proof not checked */
	/* With auth_key: the REQ as sent or received, the passive's nonce. */
	u8 auth_req[sizeof(struct ccm_wire_req)];
	u8 nonce_p[CCM_AUTH_NONCE_LEN];
	struct timer_list auth_timer;	/* bounds ->auth_wait */
	bool read_busy;
	u8 read_nr;			/* 1: first read, 2: second */
	bool write_busy[CCM_MBOX_NR];
	struct sockaddr_storage src;	/* passive: the partner's address */
	struct sockaddr_storage dst;	/* passive: our address */
	u64 peer_node_id;
	u64 peer_epoch;
	u64 remote_addr;
	u32 remote_rkey;		/* READs of the partner's sentinel */
	u32 remote_mbox_rkey;		/* WRITEs into its mailbox */
	__be32 mbox_last_crc;		/* last bad mailbox content counted */

	struct ib_pd *pd;
	struct ib_cq *cq;
	struct ib_qp *qp;
	struct ib_mr *mr;		/* the sentinel: remote read */
	struct ib_mr *mbox_mr;		/* its mailbox: remote write */
	/*
	 * This connection's own copy of the link's sentinel page (header
	 * from path->sentinel), the only one its rkey reaches: what the
	 * partner writes through one connection, one that has not proven
	 * auth_key say, never lands in another's mailbox.
	 */
	struct page *sentinel;
	void *buf;
	u64 buf_dma;
	u64 sentinel_dma;
	bool buf_mapped;
	bool sentinel_mapped;
	struct ib_cqe recv_cqe;
	struct ib_cqe reg_cqe;
	struct ib_cqe reg_mbox_cqe;
	struct ib_cqe send_cqe;
	struct ib_cqe read_cqe;
	struct ib_cqe write_cqe[CCM_MBOX_NR];
	struct ib_cqe beat_cqe;

	/* Control messages: buffers of CCM_MSG_MAX bytes each. */
	u8 msg_order;			/* page order of their chunks */
	u8 rx_fifo[CCM_NR_RX];		/* posted receives, oldest first */
	u8 rx_fifo_head;
	u8 rx_fifo_len;
	unsigned long rx_done;		/* completed, not yet handled */
	struct ccm_chunkbuf rx[CCM_NR_RX];
	struct ib_cqe rx_cqe[CCM_NR_RX];
	struct ccm_chunkbuf tx[CCM_NR_TX];
	struct ib_cqe tx_cqe[CCM_NR_TX];
	bool tx_busy[CCM_NR_TX];
	struct list_head txq;		/* struct ccm_tx waiting for a buffer */
	struct list_head deferred;	/* received before the link was up */
	unsigned int nr_deferred;
};

static void ccm_conn_signal(struct ccm_conn *conn, unsigned int bit)
{
	/* Pairs with ccm_next_pending(): the data before the bit. */
	smp_mb__before_atomic();
	set_bit(bit, &conn->pending);
	queue_work(ccm_wq, &conn->path->peer->work);
}

/* ---- completion handlers: softirq, record and defer ---- */

static void ccm_recv_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct ccm_conn *conn = cq->cq_context;

	conn->recv_status = wc->status;
	conn->recv_len = wc->byte_len;
	/* The opcode is valid only when the status is success. */
	conn->recv_not_send = wc->status == IB_WC_SUCCESS &&
			      wc->opcode != IB_WC_RECV;
	ccm_conn_signal(conn, CCM_CEV_RECV);
}

/**
 * ccm_post_send() - post send work requests with bottom halves off
 * @qp: the QP
 * @wr: the chain of work requests
 *
 * A software device (rxe) transmits from a tasklet that posting only
 * schedules. Raised in process context it would wait for ksoftirqd, which
 * a busy worker keeps off the CPU (an offer posted before moving hundreds
 * of QPs left after them); raised with bottom halves off, it runs on this
 * CPU at local_bh_enable().
 *
 * Context: process context, no spinlock held.
 * Return: 0 or the negative errno of ib_post_send().
 */
int ccm_post_send(struct ib_qp *qp, const struct ib_send_wr *wr)
{
	int ret;

	local_bh_disable();
	ret = CCM_FAULT(ib_post_send(qp, wr, NULL), -ENOMEM);
	local_bh_enable();
	return ret;
}

/*
 * The mailbox's REG_MR is unsignaled: a completion means it failed, and
 * the sentinel's REG_MR behind it completes (flushed) after it.
 */
static void ccm_reg_mbox_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct ccm_conn *conn = cq->cq_context;

	conn->reg_mbox_status = wc->status;
}

static void ccm_reg_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct ccm_conn *conn = cq->cq_context;

	conn->reg_status = wc->status;
	ccm_conn_signal(conn, CCM_CEV_REG);
}

/* How registering the sentinel went: the first failure, if any. */
static enum ib_wc_status ccm_conn_reg_status(const struct ccm_conn *conn)
{
	return conn->reg_mbox_status ?: conn->reg_status;
}

static void ccm_send_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct ccm_conn *conn = cq->cq_context;

	conn->send_status = wc->status;
	ccm_conn_signal(conn, CCM_CEV_SEND);
}

static void ccm_read_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct ccm_conn *conn = cq->cq_context;

	conn->read_status = wc->status;
	ccm_conn_signal(conn, CCM_CEV_READ);
}

static void ccm_write_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct ccm_conn *conn = cq->cq_context;
	unsigned int msg;

	for (msg = CCM_MBOX_STATE2; msg < CCM_MBOX_NR; msg++) {
		if (wc->wr_cqe == &conn->write_cqe[msg]) {
			conn->write_status[msg] = wc->status;
			ccm_conn_signal(conn, CCM_CEV_WRITE + msg);
			return;
		}
	}
}

/*
 * Success needs nothing from the worker: that is the point. Traced here,
 * as the post is in the heartbeat's timer: the pair is an idle RDMA round
 * trip (make bench).
 */
static void ccm_beat_write_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct ccm_conn *conn = cq->cq_context;

	trace_ccm_rdma_completion(conn->path->idx, conn->gen, "heartbeat",
				  wc->status);
	if (!ccm_beat_done(&conn->path->beat, conn) ||
	    wc->status == IB_WC_SUCCESS)
		return;
	conn->beat_status = wc->status;
	ccm_conn_signal(conn, CCM_CEV_BEAT);
}

/* From the heartbeat's timer, its lock held. */
static void ccm_beat_post_failed(void *owner, int err)
{
	struct ccm_conn *conn = owner;

	conn->beat_err = err;
	ccm_conn_signal(conn, CCM_CEV_BEAT);
}

static void ccm_rx_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct ccm_conn *conn = cq->cq_context;
	unsigned int i = wc->wr_cqe - conn->rx_cqe;

	conn->rx_status[i] = wc->status;
	conn->rx_len[i] = wc->byte_len;
	/* The opcode is valid only when the status is success. */
	conn->rx_imm[i] = wc->status == IB_WC_SUCCESS &&
			  wc->opcode == IB_WC_RECV_RDMA_WITH_IMM;
	if (conn->rx_imm[i])
		conn->rx_imm_data[i] = be32_to_cpu(wc->ex.imm_data);
	ccm_conn_signal(conn, CCM_CEV_RX + i);
}

static void ccm_tx_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct ccm_conn *conn = cq->cq_context;
	unsigned int i = wc->wr_cqe - conn->tx_cqe;

	conn->tx_status[i] = wc->status;
	ccm_conn_signal(conn, CCM_CEV_TX + i);
}

static void ccm_qp_event(struct ib_event *ev, void *ctx)
{
	struct ccm_conn *conn = ctx;

	pr_debug("ccm: QP event %s\n", ib_event_msg(ev->event));
	/* The first packet before the RTU: let the CM know. */
	if (ev->event == IB_EVENT_COMM_EST)
		rdma_notify(conn->cm_id, ev->event);
	if (ev->event == IB_EVENT_QP_FATAL || ev->event == IB_EVENT_QP_ACCESS_ERR ||
	    ev->event == IB_EVENT_QP_REQ_ERR)
		ccm_conn_signal(conn, CCM_CEV_DISCONNECTED);
}

/* Softirq: the active side of an accepted connection never proved the key. */
static void ccm_auth_timeout(struct timer_list *t)
{
	struct ccm_conn *conn = from_timer(conn, t, auth_timer);

	ccm_conn_signal(conn, CCM_CEV_AUTH_TIMEOUT);
}

/* ---- RDMA CM handler: process context, never takes peer->lock ---- */

static void ccm_conn_save_priv(struct ccm_conn *conn, const void *data, u8 len)
{
	conn->priv_len = data ? min_t(u8, len, CCM_PRIV_MAX) : 0;
	if (conn->priv_len)
		memcpy(conn->priv, data, conn->priv_len);
}

static struct ccm_conn *ccm_conn_alloc(struct ccm_path *path,
				       enum ccm_conn_kind kind)
{
	struct ccm_conn *conn = CCM_FAULT(kzalloc(sizeof(*conn), GFP_KERNEL),
					  NULL);
	unsigned int msg;

	if (!conn)
		return NULL;
	conn->path = path;
	conn->kind = kind;
	INIT_LIST_HEAD(&conn->node);
	conn->recv_cqe.done = ccm_recv_done;
	conn->reg_cqe.done = ccm_reg_done;
	conn->reg_mbox_cqe.done = ccm_reg_mbox_done;
	conn->send_cqe.done = ccm_send_done;
	conn->read_cqe.done = ccm_read_done;
	for (msg = 0; msg < CCM_MBOX_NR; msg++)
		conn->write_cqe[msg].done = ccm_write_done;
	conn->beat_cqe.done = ccm_beat_write_done;
	for (msg = 0; msg < CCM_NR_RX; msg++)
		conn->rx_cqe[msg].done = ccm_rx_done;
	for (msg = 0; msg < CCM_NR_TX; msg++)
		conn->tx_cqe[msg].done = ccm_tx_done;
	INIT_LIST_HEAD(&conn->txq);
	INIT_LIST_HEAD(&conn->deferred);
	timer_setup(&conn->auth_timer, ccm_auth_timeout, 0);
	return conn;
}

static int ccm_cm_request(struct ccm_conn *listener, struct rdma_cm_id *id,
			  struct rdma_cm_event *ev)
{
	struct ccm_path *path;
	struct ccm_conn *conn;

	/*
	 * To the link of the partner address it comes from; a wildcard
	 * listener serves every link. From no partner address: the
	 * listener's own link refuses it.
	 */
	path = ccm_peer_route(listener->path->peer,
			      (struct sockaddr_storage *)&id->route.addr.dst_addr) ?:
	       listener->path;

	conn = ccm_conn_alloc(path, CCM_CONN_PASSIVE);
	if (!conn) {
		/* No peer->lock here for last_error: the log only. */
		pr_warn_ratelimited("ccm: %pISc: connection request dropped: no memory (%d)\n",
				    path->peer_addr, -ENOMEM);
		return -ENOMEM;		/* the RDMA CM destroys @id */
	}
	conn->cm_id = id;
	id->context = conn;
	ccm_conn_save_priv(conn, ev->param.conn.private_data,
			   ev->param.conn.private_data_len);
	memcpy(&conn->src, &id->route.addr.dst_addr, sizeof(conn->src));
	memcpy(&conn->dst, &id->route.addr.src_addr, sizeof(conn->dst));
	spin_lock(&path->incoming_lock);
	list_add_tail(&conn->node, &path->incoming);
	spin_unlock(&path->incoming_lock);
	queue_work(ccm_wq, &path->peer->work);
	return 0;
}

static int ccm_cm_handler(struct rdma_cm_id *id, struct rdma_cm_event *ev)
{
	struct ccm_conn *conn = id->context;
	const void *rej;
	u32 tmo;
	u8 len = 0;

	pr_debug("ccm: CM event %s (%d)\n", rdma_event_msg(ev->event),
		 ev->status);
	switch (ev->event) {
	case RDMA_CM_EVENT_CONNECT_REQUEST:
		return ccm_cm_request(conn, id, ev);
	case RDMA_CM_EVENT_ADDR_RESOLVED:
		/*
		 * Here rather than in the worker: on RoCE the route takes the
		 * RTNL (the netdev's speed), which a flapping link keeps busy,
		 * and the worker carries every link's heartbeat.
		 */
		tmo = max(conn->path->cfg->connect_timeout_ms / 2, 10U);
		conn->cm_status = rdma_resolve_route(id, tmo);
		ccm_conn_signal(conn, conn->cm_status ? CCM_CEV_CONNECT_FAILED :
				CCM_CEV_ADDR_RESOLVED);
		break;
	case RDMA_CM_EVENT_ROUTE_RESOLVED:
		ccm_conn_signal(conn, CCM_CEV_ROUTE_RESOLVED);
		break;
	case RDMA_CM_EVENT_ESTABLISHED:
		if (conn->kind == CCM_CONN_ACTIVE)
			ccm_conn_save_priv(conn, ev->param.conn.private_data,
					   ev->param.conn.private_data_len);
		ccm_conn_signal(conn, CCM_CEV_ESTABLISHED);
		break;
	case RDMA_CM_EVENT_REJECTED:
		rej = rdma_consumer_reject_data(id, ev, &len);
		ccm_conn_save_priv(conn, rej, len);
		fallthrough;
	case RDMA_CM_EVENT_ADDR_ERROR:
	case RDMA_CM_EVENT_ROUTE_ERROR:
	case RDMA_CM_EVENT_UNREACHABLE:
	case RDMA_CM_EVENT_CONNECT_ERROR:
		conn->cm_status = ev->status;
		ccm_conn_signal(conn, CCM_CEV_CONNECT_FAILED);
		break;
	case RDMA_CM_EVENT_DISCONNECTED:
	case RDMA_CM_EVENT_DEVICE_REMOVAL:
	case RDMA_CM_EVENT_ADDR_CHANGE:
		ccm_conn_signal(conn, conn->kind == CCM_CONN_LISTEN ?
				CCM_CEV_LISTEN_LOST : CCM_CEV_DISCONNECTED);
		break;
	default:
		break;
	}
	return 0;
}

/* ---- addresses ---- */

/**
 * ccm_addr_equal() - do two socket addresses name the same host address?
 * @a: one address
 * @b: the other
 *
 * Ports and scopes are not compared.
 *
 * Context: any.
 * Return: true when the family and the address are equal.
 */
bool ccm_addr_equal(const struct sockaddr_storage *a,
		    const struct sockaddr_storage *b)
{
	const struct sockaddr_in *a4 = (const void *)a, *b4 = (const void *)b;
	const struct sockaddr_in6 *a6 = (const void *)a, *b6 = (const void *)b;

	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	if (a->ss_family == AF_INET6)
		return ipv6_addr_equal(&a6->sin6_addr, &b6->sin6_addr);
	return false;
}

static u16 ccm_addr_port(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)a)->sin_port);
	if (a->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)a)->sin6_port);
	return 0;
}

static void ccm_addr_set_port(struct sockaddr_storage *a, u16 port)
{
	if (a->ss_family == AF_INET)
		((struct sockaddr_in *)a)->sin_port = htons(port);
	else if (a->ss_family == AF_INET6)
		((struct sockaddr_in6 *)a)->sin6_port = htons(port);
}

/* Compare two addresses of one family numerically. */
static int ccm_addr_cmp(const struct sockaddr_storage *a,
			const struct sockaddr_storage *b)
{
	const struct sockaddr_in *a4 = (const void *)a, *b4 = (const void *)b;
	const struct sockaddr_in6 *a6 = (const void *)a, *b6 = (const void *)b;

	if (a->ss_family == AF_INET)
		return memcmp(&a4->sin_addr, &b4->sin_addr, sizeof(a4->sin_addr));
	return memcmp(&a6->sin6_addr, &b6->sin6_addr, sizeof(a6->sin6_addr));
}

/* ---- connection life cycle (worker, peer->lock) ---- */

static void ccm_conn_free_msg_bufs(struct ccm_conn *conn, struct ib_device *dev)
{
	struct ccm_tx *tx, *tmp;
	unsigned int i;

	for (i = 0; i < CCM_NR_RX; i++)
		ccm_chunkbuf_free(&conn->rx[i], dev);
	for (i = 0; i < CCM_NR_TX; i++)
		ccm_chunkbuf_free(&conn->tx[i], dev);
	list_for_each_entry_safe(tx, tmp, &conn->txq, node)
		kvfree(tx);
	list_for_each_entry_safe(tx, tmp, &conn->deferred, node)
		kvfree(tx);
}

/*
 * A receive queue completes in the order its receives were posted, which
 * is the order the partner's messages were sent: rx_fifo keeps that order,
 * because the pending bits are handled lowest first.
 */
static int ccm_conn_post_rx(struct ccm_conn *conn, unsigned int i)
{
	struct ib_sge sge[CCM_CHUNKBUF_MAX_CHUNKS];
	struct ib_recv_wr wr = {};
	int ret;

	/* The buffer goes back to the device (a re-post after a message). */
	ccm_chunkbuf_sync_for_device(&conn->rx[i], conn->cm_id->device,
				     CCM_MSG_MAX);
	wr.wr_cqe = &conn->rx_cqe[i];
	wr.sg_list = sge;
	wr.num_sge = ccm_chunkbuf_sge(&conn->rx[i], CCM_MSG_MAX,
				      conn->pd->local_dma_lkey, sge);
	ret = CCM_FAULT(ib_post_recv(conn->qp, &wr, NULL), -ENOMEM);
	if (!ret)
		conn->rx_fifo[(conn->rx_fifo_head + conn->rx_fifo_len++) %
			      CCM_NR_RX] = i;
	return ret;
}

/* Message buffers, and the receives: posted after the descriptor's. */
static int ccm_conn_alloc_msg_bufs(struct ccm_conn *conn)
{
	struct ib_device *dev = conn->cm_id->device;
	unsigned int i;
	int ret;

	for (i = 0; i < CCM_NR_TX; i++) {
		ret = CCM_FAULT(ccm_chunkbuf_alloc(&conn->tx[i], dev,
						   conn->msg_order,
						 DMA_TO_DEVICE), -ENOMEM);
		if (ret)
			return ret;
	}
	for (i = 0; i < CCM_NR_RX; i++) {
		ret = CCM_FAULT(ccm_chunkbuf_alloc(&conn->rx[i], dev,
						   conn->msg_order,
						 DMA_FROM_DEVICE), -ENOMEM);
		if (ret)
			return ret;
		ret = ccm_conn_post_rx(conn, i);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Free a connection and everything it holds, whatever state it reached.
 * Order: disconnect, drain (waits for every completion handler), destroy
 * the QP, the MR, the mappings, the CQ and the PD, then the CM id, which
 * waits for a running CM handler; only then the memory. Needs no lock:
 * the connection is no longer reachable from its link.
 */
static void ccm_conn_teardown(struct ccm_conn *conn)
{
	struct ib_device *dev = conn->cm_id ? conn->cm_id->device : NULL;

	del_timer_sync(&conn->auth_timer);
	if (conn->established)
		rdma_disconnect(conn->cm_id);
	if (conn->qp) {
		/* A QP still in RESET has nothing posted, cannot be drained. */
		if (conn->qp_init && conn->rq_drained)
			ib_drain_sq(conn->qp);
		else if (conn->qp_init)
			ib_drain_qp(conn->qp);
		if (conn->cm_id->qp)
			rdma_destroy_qp(conn->cm_id);
		else
			ib_destroy_qp(conn->qp);
	}
	if (conn->mbox_mr)
		ib_dereg_mr(conn->mbox_mr);
	if (conn->mr)
		ib_dereg_mr(conn->mr);
	if (conn->sentinel_mapped)
		ib_dma_unmap_page(dev, conn->sentinel_dma,
				  CCM_SENTINEL_READ_LEN, DMA_BIDIRECTIONAL);
	if (conn->buf_mapped)
		ib_dma_unmap_single(dev, conn->buf_dma, CCM_BUF_SIZE,
				    DMA_BIDIRECTIONAL);
	if (conn->sentinel)
		__free_page(conn->sentinel);
	ccm_conn_free_msg_bufs(conn, dev);
	if (conn->cq)
		ib_free_cq(conn->cq);
	if (conn->pd)
		ib_dealloc_pd(conn->pd);
	if (conn->cm_id)
		rdma_destroy_id(conn->cm_id);
	kfree(conn->buf);
	kfree(conn);
}

static void ccm_conn_teardown_work(struct work_struct *work)
{
	ccm_conn_teardown(container_of(work, struct ccm_conn, teardown));
}

/*
 * Detach a connection from its link and free it. A listener (no QP) is
 * freed at once; any other connection on ccm_teardown_wq, outside
 * peer->lock and off the ordered ccm_wq: destroying a QP blocks for
 * seconds in the driver when its port is down (rxe waits for the
 * partner's neighbour entry), and the other links' heartbeats must go on
 * meanwhile. Its handlers may still run until then; they only set bits
 * in ->pending, which nothing reads once it is off the link's lists.
 * ccm_rdma_flush() waits for every teardown queued.
 */
static void ccm_conn_destroy(struct ccm_conn *conn)
{
	struct ccm_path *path = conn->path;

	lockdep_assert_held(&path->peer->lock);
	list_del_init(&conn->node);
	if (ccm_beat_owner(&path->beat) == conn)
		ccm_rdma_beat_stop(path);
	if (path->cur == conn) {
		path->cur = NULL;
		path->pending_read = 0;
	}
	if (path->listener == conn) {
		path->listener = NULL;
		ccm_conn_teardown(conn);
		return;
	}
	INIT_WORK(&conn->teardown, ccm_conn_teardown_work);
	queue_work(ccm_teardown_wq, &conn->teardown);
}

/**
 * ccm_rdma_defer() - run a teardown off the ordered workqueues
 * @work: frees verbs objects; needs no ccm lock
 *
 * On ccm_teardown_wq, with the connections' teardowns: ccm_rdma_flush()
 * waits for it too.
 *
 * Context: any.
 */
void ccm_rdma_defer(struct work_struct *work)
{
	queue_work(ccm_teardown_wq, work);
}

/**
 * ccm_rdma_flush() - wait until every connection given up is freed
 *
 * Context: process context; no lock needed, peer->lock may be held.
 */
void ccm_rdma_flush(void)
{
	flush_workqueue(ccm_teardown_wq);
}

/*
 * The connection cannot go on. If the FSM is using it, tell the FSM first
 * (with the connection's own generation), then free it unless the FSM's
 * own release already did. The connection must not be touched afterwards.
 */
static void ccm_conn_fail(struct ccm_conn *conn, enum ccm_event ev)
{
	struct ccm_path *path = conn->path;
	u32 gen = conn->gen;

	if (conn != path->cur) {
		ccm_conn_destroy(conn);
		return;
	}
	ccm_path_event(path, ev, gen);
	ccm_rdma_release(path, gen);
}

/**
 * ccm_rdma_release() - release the connection of one attempt
 * @path: the link
 * @gen: the generation of the attempt that failed
 *
 * Only the current connection, and only if it still belongs to @gen: a
 * newer connection the partner set up in the meantime is left alone.
 *
 * Context: process context, peer->lock held.
 */
void ccm_rdma_release(struct ccm_path *path, u32 gen)
{
	lockdep_assert_held(&path->peer->lock);
	if (path->cur && path->cur->gen == gen)
		ccm_conn_destroy(path->cur);
}

/*
 * Passive side: move our own QP to @state with the attributes the CM
 * derives from the partner's request, plus what rdma_accept() would have
 * set from the connection parameters.
 */
static int ccm_conn_modify_qp(struct ccm_conn *conn, enum ib_qp_state state)
{
	struct ib_qp_attr attr = { .qp_state = state };
	int mask, ret;

	ret = rdma_init_qp_attr(conn->cm_id, &attr, &mask);
	if (ret)
		return ret;
	if (state == IB_QPS_RTR)
		attr.max_dest_rd_atomic = CCM_RD_ATOMIC;
	else if (state == IB_QPS_RTS)
		attr.max_rd_atomic = CCM_RD_ATOMIC;
	return CCM_FAULT(ib_modify_qp(conn->qp, &attr, mask), -ENOMEM);
}

/*
 * PD, CQ, QP, MR and the sentinel's mappings. The active side's QP is the
 * RDMA CM's (it moves it at the REP); the passive side's is ours, in INIT
 * here, and only the passive side receives a descriptor, posted here. The
 * message buffers come after the REQ or REP is on its way
 * (ccm_conn_alloc_msg_bufs()).
 */
static int ccm_conn_setup(struct ccm_conn *conn)
{
	struct ccm_path *path = conn->path;
	struct ib_device *dev = conn->cm_id->device;
	struct ib_qp_init_attr qa = {};
	struct ib_recv_wr wr = {};
	struct ib_sge sge;
	int ret;

	conn->pd = CCM_FAULT(ib_alloc_pd(dev, 0), ERR_PTR(-ENOMEM));
	if (IS_ERR(conn->pd)) {
		ret = PTR_ERR(conn->pd);
		conn->pd = NULL;
		return ret;
	}
	conn->cq = CCM_FAULT(ib_alloc_cq(dev, conn, CCM_CQ_SIZE, 0,
					 IB_POLL_SOFTIRQ), ERR_PTR(-ENOMEM));
	if (IS_ERR(conn->cq)) {
		ret = PTR_ERR(conn->cq);
		conn->cq = NULL;
		return ret;
	}
	qa.event_handler = ccm_qp_event;
	qa.qp_context = conn;
	qa.send_cq = conn->cq;
	qa.recv_cq = conn->cq;
	qa.cap.max_send_wr = CCM_MAX_SEND_WR;
	qa.cap.max_recv_wr = CCM_MAX_RECV_WR;
	/* A control message spans a few chunks (ccm_chunkbuf.h). */
	ret = ccm_chunkbuf_order(min(dev->attrs.max_send_sge,
				     dev->attrs.max_recv_sge));
	if (ret < 0)
		return ret;
	conn->msg_order = ret;
	qa.cap.max_send_sge = ccm_chunkbuf_nr_sge(conn->msg_order);
	qa.cap.max_recv_sge = qa.cap.max_send_sge;
	qa.sq_sig_type = IB_SIGNAL_REQ_WR;
	qa.qp_type = IB_QPT_RC;
	if (conn->kind == CCM_CONN_PASSIVE) {
		conn->qp = CCM_FAULT(ib_create_qp(conn->pd, &qa),
				     ERR_PTR(-ENOMEM));
		if (IS_ERR(conn->qp)) {
			ret = PTR_ERR(conn->qp);
			conn->qp = NULL;
			return ret;
		}
		ret = ccm_conn_modify_qp(conn, IB_QPS_INIT);
		/* Only a QP out of RESET can be drained. */
		conn->qp_init = !ret;
	} else {
		/* The RDMA CM moves it to INIT, or destroys it. */
		ret = CCM_FAULT(rdma_create_qp(conn->cm_id, conn->pd, &qa),
				-ENOMEM);
		conn->qp = ret ? NULL : conn->cm_id->qp;
		conn->qp_init = !ret;
	}
	if (ret)
		return ret;

	conn->mr = CCM_FAULT(ib_alloc_mr(conn->pd, IB_MR_TYPE_MEM_REG, 1),
			     ERR_PTR(-ENOMEM));
	if (IS_ERR(conn->mr)) {
		ret = PTR_ERR(conn->mr);
		conn->mr = NULL;
		return ret;
	}
	conn->mbox_mr = CCM_FAULT(ib_alloc_mr(conn->pd, IB_MR_TYPE_MEM_REG, 1),
				  ERR_PTR(-ENOMEM));
	if (IS_ERR(conn->mbox_mr)) {
		ret = PTR_ERR(conn->mbox_mr);
		conn->mbox_mr = NULL;
		return ret;
	}
	conn->buf = CCM_FAULT(kzalloc(CCM_BUF_SIZE, GFP_KERNEL), NULL);
	if (!conn->buf)
		return -ENOMEM;
	conn->buf_dma = ib_dma_map_single(dev, conn->buf, CCM_BUF_SIZE,
					  DMA_BIDIRECTIONAL);
	if (ib_dma_mapping_error(dev, conn->buf_dma))
		return -ENOMEM;
	conn->buf_mapped = true;
	conn->sentinel = CCM_FAULT(alloc_page(GFP_KERNEL | __GFP_ZERO), NULL);
	if (!conn->sentinel)
		return -ENOMEM;
	memcpy(page_address(conn->sentinel), page_address(path->sentinel),
	       CCM_MBOX_OFFSET);
	conn->sentinel_dma = ib_dma_map_page(dev, conn->sentinel, 0,
					     CCM_SENTINEL_READ_LEN,
					     DMA_BIDIRECTIONAL);
	if (ib_dma_mapping_error(dev, conn->sentinel_dma))
		return -ENOMEM;
	conn->sentinel_mapped = true;

	if (conn->kind != CCM_CONN_PASSIVE)
		return 0;
	sge.addr = conn->buf_dma + CCM_BUF_RECV;
	sge.length = ccm_conn_hello_len();
	sge.lkey = conn->pd->local_dma_lkey;
	wr.wr_cqe = &conn->recv_cqe;
	wr.sg_list = &sge;
	wr.num_sge = 1;
	return CCM_FAULT(ib_post_recv(conn->qp, &wr, NULL), -ENOMEM);
}

/*
 * Before the QP leaves INIT: the ACK timeout (with retry_count, how soon a
 * dead link fails a request) and the RNR timer our responder asks for.
 * The CM's default RNR timer is 0, which encodes 655 ms: a SEND that finds
 * no receive posted (here, or on a client QP, whose attributes derive from
 * this connection) would wait that long before its retry.
 */
static int ccm_conn_set_timers(struct ccm_conn *conn)
{
	return rdma_set_ack_timeout(conn->cm_id, conn->path->cfg->ack_timeout) ?:
	       rdma_set_min_rnr_timer(conn->cm_id, IB_RNR_TIMER_000_64);
}

/*
 * REQ: our identity and generations, with auth_key our nonce (kept as
 * conn->auth_req). REP: the same, and the descriptor of the sentinel
 * registered before the accept (ccm_conn_publish_sentinel()), with
 * auth_key our nonce and our proof.
 */
static int ccm_conn_param(struct ccm_conn *conn, struct rdma_conn_param *p,
			  struct ccm_wire_rep *priv, u8 type)
{
	struct ccm_path *path = conn->path;
	struct ccm_cm_info info = {
		.type = type,
		.node_id = path->peer->node_id,
		.epoch = path->peer->epoch,
		.gen = conn->gen,
		.max_gen = path->max_gen,
	};
	struct ccm_wire_req *req = (struct ccm_wire_req *)priv;
	int ret;

	static_assert(offsetof(struct ccm_wire_req, cm) ==
		      offsetof(struct ccm_wire_rep, cm));
	ccm_wire_cm_encode(&priv->cm, &info);
	memset(p, 0, sizeof(*p));
	p->private_data = priv;
	p->private_data_len = sizeof(priv->cm);
	if (type == CCM_CM_REQ && ccm_auth_enabled()) {
		get_random_bytes(req->nonce, sizeof(req->nonce));
		memcpy(conn->auth_req, req, sizeof(conn->auth_req));
		p->private_data_len = sizeof(*req);
	}
	if (type == CCM_CM_REP) {
		memcpy(&priv->desc, conn->buf + CCM_BUF_SEND,
		       sizeof(priv->desc));
		p->private_data_len = offsetof(struct ccm_wire_rep, nonce);
		p->qp_num = conn->qp->qp_num;	/* ours, not the CM's */
	}
	if (type == CCM_CM_REP && ccm_auth_enabled()) {
		memcpy(priv->nonce, conn->nonce_p, sizeof(priv->nonce));
		ret = ccm_auth_mac(CCM_AUTH_PASSIVE, conn->auth_req,
				   sizeof(conn->auth_req), priv,
				   offsetof(struct ccm_wire_rep, nonce),
				   conn->nonce_p, priv->mac);
		if (ret)
			return ret;
		p->private_data_len = sizeof(*priv);
	}
	if (ccm_rogue_is(TRUNCATED))
		p->private_data_len = 10;
	p->responder_resources = CCM_RD_ATOMIC;	/* the partner's READs */
	p->initiator_depth = CCM_RD_ATOMIC;	/* ours */
	p->retry_count = path->cfg->retry_count;
	p->rnr_retry_count = 7;
	return 0;
}

static void ccm_conn_reject(struct ccm_conn *conn, u32 reason)
{
	struct ccm_path *path = conn->path;
	struct ccm_cm_info info = {
		.type = CCM_CM_REJ,
		.node_id = path->peer->node_id,
		.epoch = path->peer->epoch,
		.gen = conn->gen,
		.max_gen = path->max_gen,
		.reason = reason,
	};
	struct ccm_wire_cm rej;

	ccm_wire_cm_encode(&rej, &info);
	rdma_lock_handler(conn->cm_id);
	rdma_reject(conn->cm_id, &rej, sizeof(rej), IB_CM_REJ_CONSUMER_DEFINED);
	rdma_unlock_handler(conn->cm_id);
	ccm_conn_destroy(conn);
}

/*
 * Does a valid request from the partner win over our current connection?
 * Connections are ordered by (generation, initiated by the lower address):
 * both sides apply the same order, so of two crossing connects exactly one
 * survives. A partner that restarted (new epoch) always wins: its old
 * connection is gone.
 */
static bool ccm_conn_supersedes(struct ccm_conn *in, struct ccm_conn *cur)
{
	bool we_lower = ccm_addr_cmp(&in->dst, &in->src) < 0;
	u64 in_key, cur_key;

	if (cur->peer_epoch && cur->peer_epoch != in->peer_epoch)
		return true;
	/* The low bit: 1 when the connection was made by the lower address. */
	in_key = (u64)in->gen << 1 | (we_lower ? 0 : 1);
	cur_key = (u64)cur->gen << 1 |
		  ((cur->kind == CCM_CONN_ACTIVE) == we_lower ? 1 : 0);
	return in_key > cur_key;
}

/* Make @conn the FSM's connection; the one it replaces is released. */
static void ccm_conn_make_current(struct ccm_path *path, struct ccm_conn *conn)
{
	struct ccm_conn *old = path->cur;
	u8 pending_read = path->pending_read;

	if (old && old->used) {
		/* The FSM was working on it: that attempt is over. */
		ccm_stat_inc(path, CCM_STAT_CONNS_LOST);
		if (path->up && old->peer_epoch && conn->peer_epoch &&
		    old->peer_epoch != conn->peer_epoch)
			path->down_reason = CCM_DISC_PARTNER_REBOOTED;
		ccm_path_event(path, CCM_EV_CONN_LOST, old->gen);
		pending_read = 0;
	}
	if (old && path->cur == old)
		ccm_conn_destroy(old);
	path->cur = conn;
	path->cur_gen = conn->gen;
	/* A first read not yet posted moves to the new connection. */
	path->pending_read = pending_read == 1 ? 1 : 0;
	ccm_rdma_publish(path);
}

/* Does @conn lose the tie-break against the current connection? Counted. */
static bool ccm_conn_beaten(struct ccm_path *path, struct ccm_conn *conn)
{
	if (!path->cur || ccm_conn_supersedes(conn, path->cur))
		return false;
	ccm_stat_inc(path, CCM_STAT_REJECTS_TIEBREAK);
	pr_debug("ccm: refused generation %u, keeping %u\n", conn->gen,
		 path->cur->gen);
	return true;
}

/* A request that lost the tie-break against the current connection. */
static bool ccm_conn_loses(struct ccm_path *path, struct ccm_conn *conn)
{
	if (!ccm_conn_beaten(path, conn))
		return false;
	ccm_conn_reject(conn, CCM_REJ_TIEBREAK);
	return true;
}

static int ccm_conn_publish_sentinel(struct ccm_conn *conn);

/*
 * A connection that claims a new incarnation of the partner (@epoch) while
 * a link to its current one is connected: refused and counted. That link
 * has passed its last liveness check; a partner that really restarted
 * fails it within heartbeat_miss intervals, and its next attempt gets
 * in. Anyone on the partner node who can open the RDMA CM could otherwise
 * make this node believe that the partner rebooted.
 */
static bool ccm_conn_other_incarnation(struct ccm_path *path, u64 epoch)
{
	struct ccm_path *live = ccm_peer_live_link(path->peer, epoch);

	if (!live)
		return false;
	ccm_stat_inc(path, CCM_STAT_REJECTS_EPOCH);
	ccm_path_error(path,
		       "refused a new incarnation (epoch %016llx): link %u is alive",
		       epoch, live->idx);
	return true;
}

static void ccm_auth_failed(struct ccm_path *path, const char *what)
{
	ccm_stat_inc(path, CCM_STAT_AUTH_FAILURES);
	ccm_path_error(path, "authentication failed: %s", what);
}

/* Passive connections of @path not current yet: being set up or proven. */
static unsigned int ccm_conn_nr_unproven(struct ccm_path *path)
{
	struct ccm_conn *conn;
	unsigned int n = 0;

	list_for_each_entry(conn, &path->conns, node)
		n += conn->kind == CCM_CONN_PASSIVE && conn != path->cur;
	return n;
}

/*
 * With auth_key: a request must carry the active side's nonce (a request
 * of a node without the key has none), and at most CCM_MAX_UNPROVEN may
 * wait for their proofs at once (each holds a QP and a page for up to
 * connect_timeout_ms). Keeps the request for the proofs and draws our own
 * nonce.
 *
 * Return: 0, or the reason to reject the request with.
 */
static u32 ccm_conn_auth_request(struct ccm_conn *conn)
{
	const struct ccm_wire_req *req = (const void *)conn->priv;

	if (!ccm_auth_enabled())
		return 0;
	if (conn->priv_len < sizeof(*req) ||
	    !memchr_inv(req->nonce, 0, sizeof(req->nonce))) {
		ccm_auth_failed(conn->path,
				"the partner's request offers no proof (is auth_key set there?)");
		return CCM_REJ_AUTH;
	}
	if (ccm_conn_nr_unproven(conn->path) >= CCM_MAX_UNPROVEN) {
		ccm_auth_failed(conn->path,
				"too many connections waiting for their proofs");
		return CCM_REJ_NORESOURCE;
	}
	memcpy(conn->auth_req, req, sizeof(conn->auth_req));
	get_random_bytes(conn->nonce_p, sizeof(conn->nonce_p));
	return 0;
}

/*
 * A request from the partner: validated, then our QP is set up and moved to
 * RTS and the sentinel registered on it; the accept waits for the
 * registration (ccm_conn_accept()).
 */
static void ccm_conn_request(struct ccm_path *path, struct ccm_conn *conn)
{
	struct ccm_cm_info req;
	enum ccm_wire_status st;
	u32 reason;
	int ret;

	if (!ccm_addr_equal(&conn->src, path->peer_addr)) {
		ccm_stat_inc(path, CCM_STAT_REJECTS_ADDR);
		ccm_path_error(path, "rejected a connection from %pISc: not the partner",
			       &conn->src);
		ccm_conn_reject(conn, CCM_REJ_INVALID);
		return;
	}
	if (path->cfg->privileged_port &&
	    ccm_addr_port(&conn->src) >= PROT_SOCK) {
		ccm_stat_inc(path, CCM_STAT_REJECTS_PORT);
		ccm_path_error(path,
			       "rejected a connection from %pISpc: not from a privileged port",
			       &conn->src);
		ccm_conn_reject(conn, CCM_REJ_PORT);
		return;
	}
	st = ccm_wire_cm_decode(conn->priv, conn->priv_len, &req);
	if (!st && req.type != CCM_CM_REQ)
		st = CCM_WIRE_FIELD;
	if (st) {
		ccm_stat_inc(path, CCM_STAT_REJECTS_INVALID);
		ccm_path_error(path, "rejected a connection request: private data %s (%u bytes)",
			       ccm_wire_status_str(st), conn->priv_len);
		ccm_conn_reject(conn, CCM_REJ_INVALID);
		return;
	}
	if (ccm_conn_other_incarnation(path, req.epoch)) {
		ccm_conn_reject(conn, CCM_REJ_ALIVE);
		return;
	}
	reason = ccm_conn_auth_request(conn);
	if (reason) {
		ccm_conn_reject(conn, reason);
		return;
	}
	path->max_gen = max3(path->max_gen, req.gen, req.max_gen);
	conn->gen = req.gen;
	conn->peer_node_id = req.node_id;
	conn->peer_epoch = req.epoch;
	if (ccm_conn_loses(path, conn))
		return;

	ret = ccm_conn_setup(conn) ?:
	      ccm_conn_set_timers(conn) ?:
	      ccm_conn_modify_qp(conn, IB_QPS_RTR) ?:
	      ccm_conn_modify_qp(conn, IB_QPS_RTS) ?:
	      ccm_conn_publish_sentinel(conn);
	if (ret) {
		ccm_path_error(path, "accept: cannot set up the connection (%d)",
			       ret);
		ccm_conn_reject(conn, CCM_REJ_NORESOURCE);
		return;
	}
	/* Its completion is handled like any connection's. */
	list_add_tail(&conn->node, &path->conns);
}

/* The passive side's sentinel is registered: accept, descriptor in the REP. */
static void ccm_conn_accept(struct ccm_conn *conn)
{
	struct ccm_path *path = conn->path;
	struct rdma_conn_param param;
	struct ccm_wire_rep rep;
	int ret;

	if (ccm_conn_reg_status(conn) != IB_WC_SUCCESS) {
		ccm_path_error(path, "accept: registering the sentinel: %s",
			       ib_wc_status_msg(ccm_conn_reg_status(conn)));
		ccm_conn_reject(conn, CCM_REJ_NORESOURCE);
		return;
	}
	/* Our own connect may have got further in the meantime. */
	if (ccm_conn_loses(path, conn))
		return;
	ret = ccm_conn_param(conn, &param, &rep, CCM_CM_REP);
	if (ret) {
		ccm_path_error(path, "accept: cannot make our proof (%d)", ret);
		ccm_conn_reject(conn, CCM_REJ_NORESOURCE);
		return;
	}
	rdma_lock_handler(conn->cm_id);
	ret = CCM_FAULT(rdma_accept(conn->cm_id, &param), -ENOMEM);
	rdma_unlock_handler(conn->cm_id);
	if (ret) {
		ccm_path_error(path, "accept: %d", ret);
		ccm_conn_destroy(conn);
		return;
	}
	conn->accepted = true;
	ccm_stat_inc(path, CCM_STAT_ACCEPTS);
	if (ccm_auth_enabled()) {
		/* Current only once the partner proved the key. */
		conn->auth_wait = true;
		mod_timer(&conn->auth_timer, jiffies +
			  msecs_to_jiffies(path->cfg->connect_timeout_ms));
	} else {
		ccm_conn_make_current(path, conn);
	}
	ret = ccm_conn_alloc_msg_bufs(conn);
	if (ret) {
		/* Accepted, so lost rather than refused. */
		ccm_stat_inc(path, CCM_STAT_CONNS_LOST);
		ccm_path_error(path, "accept: message buffers: %d", ret);
		ccm_conn_fail(conn, CCM_EV_CONN_LOST);
	}
}

/*
 * Resolve the partner's address, from @src (family 0: any). With
 * privileged_port, from a free port of the resvport range.
 */
static int ccm_conn_resolve(struct ccm_conn *conn,
			    struct sockaddr_storage *src, int timeout_ms)
{
	struct ccm_path *path = conn->path;
	const struct sockaddr_in6 *d6 = (const void *)path->peer_addr;
	u32 range = CCM_RESVPORT_MAX - CCM_RESVPORT_MIN + 1;
	u32 start = get_random_u32_below(range);
	unsigned int i;
	int ret;

	if (!path->cfg->privileged_port)
		return rdma_resolve_addr(conn->cm_id, src->ss_family ?
					 (struct sockaddr *)src : NULL,
					 (struct sockaddr *)path->peer_addr,
					 timeout_ms);
	if (!src->ss_family) {
		/* Any address, as the RDMA CM takes without a source. */
		src->ss_family = path->peer_addr->ss_family;
		if (src->ss_family == AF_INET6) {
			((struct sockaddr_in6 *)src)->sin6_scope_id =
				d6->sin6_scope_id;
			if (ipv6_addr_type(&d6->sin6_addr) & IPV6_ADDR_LINKLOCAL)
				conn->cm_id->route.addr.dev_addr.bound_dev_if =
					d6->sin6_scope_id;
		}
	}
	for (i = 0; i < CCM_RESVPORT_TRIES; i++) {
		ccm_addr_set_port(src, CCM_RESVPORT_MIN + (start + i) % range);
		ret = rdma_resolve_addr(conn->cm_id, (struct sockaddr *)src,
					(struct sockaddr *)path->peer_addr,
					timeout_ms);
		if (ret != -EADDRINUSE)
			break;
	}
	return ret;
}

/* Start a connection to the partner; it becomes the current one. */
static int ccm_conn_start(struct ccm_path *path)
{
	const struct ccm_config *cfg = path->cfg;
	struct sockaddr_storage src;
	struct ccm_conn *conn;
	int ret;

	conn = ccm_conn_alloc(path, CCM_CONN_ACTIVE);
	if (!conn)
		return -ENOMEM;
	conn->cm_id = CCM_FAULT(rdma_create_id(&init_net, ccm_cm_handler, conn,
					       RDMA_PS_TCP, IB_QPT_RC),
				ERR_PTR(-ENOMEM));
	if (IS_ERR(conn->cm_id)) {
		ret = PTR_ERR(conn->cm_id);
		kfree(conn);
		return ret;
	}
	if (++path->max_gen == 0)
		path->max_gen = 1;
	conn->gen = path->max_gen;
	list_add_tail(&conn->node, &path->conns);
	ccm_conn_make_current(path, conn);
	ccm_stat_inc(path, CCM_STAT_CONNECTS);

	src = *path->local_addr;
	ccm_addr_set_port(&src, 0);
	ret = ccm_conn_resolve(conn, &src,
			       max(cfg->connect_timeout_ms / 2, 10U));
	if (ret)
		ccm_conn_destroy(conn);
	return ret;
}

static void ccm_conn_connect(struct ccm_conn *conn)
{
	struct ccm_path *path = conn->path;
	struct rdma_conn_param param;
	struct ccm_wire_rep req;
	int ret;

	ret = ccm_conn_setup(conn);
	if (!ret)
		ret = ccm_conn_set_timers(conn);
	if (!ret)
		ret = ccm_conn_param(conn, &param, &req, CCM_CM_REQ) ?:
		      CCM_FAULT(rdma_connect(conn->cm_id, &param), -ENOMEM);
	if (!ret)
		ret = ccm_conn_alloc_msg_bufs(conn);
	if (ret) {
		ccm_stat_inc(path, CCM_STAT_CONNECT_FAILURES);
		ccm_path_error(path, "connect: %d", ret);
		ccm_conn_fail(conn, CCM_EV_UNREACHABLE);
	}
}

/* Map @len bytes at @off of the connection's sentinel into @mr, anew. */
static int ccm_conn_map_sentinel(struct ccm_conn *conn, struct ib_mr *mr,
				 unsigned int off, unsigned int len)
{
	struct scatterlist sg;
	int n;

	sg_init_table(&sg, 1);
	sg_set_page(&sg, conn->sentinel, len, off);
	sg_dma_address(&sg) = conn->sentinel_dma + off;
	sg_dma_len(&sg) = len;
	n = ib_map_mr_sg(mr, &sg, 1, NULL, PAGE_SIZE);
	if (n != 1)
		return n < 0 ? n : -EINVAL;
	ib_update_fast_reg_key(mr, ib_inc_rkey(mr->rkey));
	return 0;
}

/*
 * Register the sentinel on this connection's PD, as its two MRs, and
 * describe it in the send buffer. The active side SENDs the descriptor
 * right behind the two REG_MRs; the passive side puts it in its REP once
 * they completed.
 */
static int ccm_conn_publish_sentinel(struct ccm_conn *conn)
{
	struct ccm_path *path = conn->path;
	struct ib_device *dev = conn->cm_id->device;
	struct ccm_desc_info d = {};
	struct ib_reg_wr reg_mbox = {};
	struct ib_reg_wr reg = {};
	struct ib_send_wr send = {};
	struct ib_sge sge;
	int ret;

	/*
	 * Least privilege: the partner may read the header and the mailbox
	 * (one READ) and write the mailbox, nothing else; our header cannot
	 * be written through either key.
	 */
	ret = ccm_conn_map_sentinel(conn, conn->mr, 0, CCM_SENTINEL_READ_LEN);
	if (!ret)
		ret = ccm_conn_map_sentinel(conn, conn->mbox_mr,
					    CCM_MBOX_OFFSET, CCM_MBOX_LEN);
	if (ret)
		return ret;

	d.node_id = path->peer->node_id;
	d.epoch = path->peer->epoch;
	d.addr = conn->mr->iova;
	d.rkey = conn->mr->rkey;
	d.mbox_rkey = conn->mbox_mr->rkey;
	d.len = conn->mr->length;
	d.gen = conn->gen;
	ccm_wire_desc_encode(conn->buf + CCM_BUF_SEND, &d);
	if (conn->kind == CCM_CONN_ACTIVE && ccm_auth_enabled()) {
		struct ccm_wire_hello *h = conn->buf + CCM_BUF_SEND;

		ret = ccm_auth_mac(CCM_AUTH_ACTIVE, conn->auth_req,
				   sizeof(conn->auth_req), &h->desc,
				   sizeof(h->desc), conn->nonce_p, h->mac);
		if (ret)
			return ret;
	}
	ib_dma_sync_single_for_device(dev, conn->buf_dma + CCM_BUF_SEND,
				      ccm_conn_hello_len(), DMA_BIDIRECTIONAL);
	ib_dma_sync_single_for_device(dev, conn->sentinel_dma,
				      CCM_SENTINEL_READ_LEN, DMA_BIDIRECTIONAL);

	reg_mbox.wr.opcode = IB_WR_REG_MR;
	reg_mbox.wr.wr_cqe = &conn->reg_mbox_cqe;
	reg_mbox.wr.next = &reg.wr;
	reg_mbox.mr = conn->mbox_mr;
	reg_mbox.key = conn->mbox_mr->rkey;
	reg_mbox.access = IB_ACCESS_LOCAL_WRITE | IB_ACCESS_REMOTE_WRITE;

	reg.wr.opcode = IB_WR_REG_MR;
	reg.wr.wr_cqe = &conn->reg_cqe;
	reg.wr.send_flags = IB_SEND_SIGNALED;
	if (conn->kind == CCM_CONN_ACTIVE)
		reg.wr.next = &send;
	reg.mr = conn->mr;
	reg.key = conn->mr->rkey;
	reg.access = IB_ACCESS_REMOTE_READ;

	sge.addr = conn->buf_dma + CCM_BUF_SEND;
	sge.length = ccm_conn_hello_len();
	sge.lkey = conn->pd->local_dma_lkey;
	send.opcode = IB_WR_SEND;
	send.wr_cqe = &conn->send_cqe;
	send.send_flags = IB_SEND_SIGNALED;
	send.sg_list = &sge;
	send.num_sge = 1;
	return ccm_post_send(conn->qp, &reg_mbox.wr);
}

/*
 * The partner's descriptor (in the REP or its first SEND) must decode and
 * match the identity and epoch of the CM private data and this
 * connection's generation. False when not: counted, logged, and @conn
 * failed (it may be gone).
 */
static bool ccm_conn_desc(struct ccm_conn *conn, const void *buf, size_t len,
			  struct ccm_desc_info *d)
{
	struct ccm_path *path = conn->path;
	enum ccm_wire_status st;

	st = ccm_wire_desc_decode(buf, len, d);
	if (!st)
		st = ccm_wire_desc_check(d, conn->peer_node_id,
					 conn->peer_epoch, conn->gen);
	if (!st)
		return true;
	ccm_stat_inc(path, CCM_STAT_DESC_INVALID);
	ccm_path_error(path, "partner's sentinel descriptor: %s",
		       ccm_wire_status_str(st));
	ccm_conn_fail(conn, CCM_EV_CONN_LOST);
	return false;
}

/* The partner's descriptor is known: the FSM may use the connection. */
static void ccm_conn_set_ready(struct ccm_conn *conn,
			       const struct ccm_desc_info *d)
{
	struct ccm_path *path = conn->path;
	int ret;

	conn->remote_addr = d->addr;
	conn->remote_rkey = d->rkey;
	conn->remote_mbox_rkey = d->mbox_rkey;
	conn->ready = true;
	if (conn != path->cur)
		return;
	ccm_path_record_partner(path, conn->peer_node_id, conn->peer_epoch);
	ccm_path_conn_ready(path);
	ret = ccm_rdma_read(path);
	if (ret) {
		ccm_path_error(path, "read: cannot post (%d)", ret);
		ccm_path_event(path, CCM_EV_READ_FAIL, conn->gen);
	}
}

/* Active side, with auth_key: the REP must carry the partner's proof. */
static bool ccm_conn_auth_rep(struct ccm_conn *conn,
			      const struct ccm_wire_rep *w)
{
	if (!ccm_auth_enabled())
		return true;
	if (conn->priv_len < sizeof(*w) ||
	    !ccm_auth_verify(CCM_AUTH_PASSIVE, conn->auth_req,
			     sizeof(conn->auth_req), w,
			     offsetof(struct ccm_wire_rep, nonce), w->nonce,
			     w->mac)) {
		ccm_auth_failed(conn->path,
				"the partner did not prove the key (auth_key differs or is unset there)");
		return false;
	}
	memcpy(conn->nonce_p, w->nonce, sizeof(conn->nonce_p));
	return true;
}

/*
 * Active side: the REP carries the partner's identity and its sentinel's
 * descriptor. Publish ours (REG_MR, then the descriptor SEND) and go: the
 * first READ follows them on the send queue.
 */
static void ccm_conn_established_active(struct ccm_conn *conn)
{
	struct ccm_path *path = conn->path;
	const struct ccm_wire_rep *w = (const void *)conn->priv;
	enum ccm_wire_status st;
	struct ccm_desc_info d;
	struct ccm_cm_info rep;
	int ret;

	conn->established = true;
	st = ccm_wire_cm_decode(conn->priv, conn->priv_len, &rep);
	if (!st && (rep.type != CCM_CM_REP || rep.gen != conn->gen))
		st = CCM_WIRE_FIELD;
	if (st) {
		ccm_stat_inc(path, CCM_STAT_REJECTS_INVALID);
		ccm_path_error(path, "connect: partner's private data %s",
			       ccm_wire_status_str(st));
		ccm_conn_fail(conn, CCM_EV_CONN_LOST);
		return;
	}
	if (ccm_conn_other_incarnation(path, rep.epoch)) {
		ccm_conn_fail(conn, CCM_EV_CONN_LOST);
		return;
	}
	if (!ccm_conn_auth_rep(conn, w)) {
		ccm_conn_fail(conn, CCM_EV_CONN_LOST);
		return;
	}
	path->max_gen = max(path->max_gen, rep.max_gen);
	conn->peer_node_id = rep.node_id;
	conn->peer_epoch = rep.epoch;
	if (!ccm_conn_desc(conn, &w->desc, conn->priv_len -
			   offsetof(struct ccm_wire_rep, desc), &d))
		return;
	ret = ccm_conn_publish_sentinel(conn);
	if (ret) {
		ccm_path_error(path, "cannot publish the sentinel (%d)", ret);
		ccm_conn_fail(conn, CCM_EV_CONN_LOST);
		return;
	}
	ccm_conn_set_ready(conn, &d);
}

static void ccm_conn_connect_failed(struct ccm_conn *conn)
{
	struct ccm_path *path = conn->path;
	struct ccm_cm_info rej;

	if (conn->established) {
		ccm_stat_inc(path, CCM_STAT_CONNS_LOST);
		ccm_path_error(path, "connection error (%d)", conn->cm_status);
		ccm_conn_fail(conn, CCM_EV_CONN_LOST);
		return;
	}
	ccm_stat_inc(path, CCM_STAT_CONNECT_FAILURES);
	if (conn->priv_len &&
	    ccm_wire_cm_decode(conn->priv, conn->priv_len, &rej) == CCM_WIRE_OK &&
	    rej.type == CCM_CM_REJ) {
		path->max_gen = max(path->max_gen, rej.max_gen);
		ccm_path_note(path, "connect: refused by the partner: %s (%u)",
			      ccm_wire_rej_str(rej.reason), rej.reason);
	} else {
		ccm_path_note(path, "connect: partner unreachable (status %d)",
			      conn->cm_status);
	}
	ccm_conn_fail(conn, CCM_EV_UNREACHABLE);
}

/*
 * Passive side, with auth_key: the active side's first SEND carries its
 * proof. Checked, the connection may become current (against the one that
 * is, as its request was); not, it is counted and closed. False when
 * @conn is gone.
 */
static bool ccm_conn_auth_hello(struct ccm_conn *conn)
{
	const struct ccm_wire_hello *h = conn->buf + CCM_BUF_RECV;
	struct ccm_path *path = conn->path;

	if (conn->recv_len != sizeof(*h) ||
	    !ccm_auth_verify(CCM_AUTH_ACTIVE, conn->auth_req,
			     sizeof(conn->auth_req), &h->desc, sizeof(h->desc),
			     conn->nonce_p, h->mac)) {
		ccm_auth_failed(path, "the partner's connection did not prove the key");
		ccm_conn_destroy(conn);
		return false;
	}
	conn->auth_wait = false;
	del_timer(&conn->auth_timer);
	if (ccm_conn_other_incarnation(path, conn->peer_epoch)) {
		ccm_conn_destroy(conn);
		return false;
	}
	if (ccm_conn_beaten(path, conn)) {	/* accepted: no REJ now */
		ccm_conn_destroy(conn);
		return false;
	}
	ccm_conn_make_current(path, conn);
	return true;
}

static void ccm_conn_recv(struct ccm_conn *conn)
{
	struct ccm_path *path = conn->path;
	struct ccm_desc_info d;

	if (conn->recv_status != IB_WC_SUCCESS) {
		ccm_path_error(path, "descriptor receive: %s",
			       ib_wc_status_msg(conn->recv_status));
		ccm_conn_fail(conn, CCM_EV_CONN_LOST);
		return;
	}
	ib_dma_sync_single_for_cpu(conn->cm_id->device,
				   conn->buf_dma + CCM_BUF_RECV,
				   ccm_conn_hello_len(), DMA_BIDIRECTIONAL);
	if (conn->recv_not_send) {
		ccm_stat_inc(path, CCM_STAT_DESC_INVALID);
		ccm_path_error(path, "partner's first message was not its sentinel descriptor");
		ccm_conn_fail(conn, CCM_EV_CONN_LOST);
		return;
	}
	if (conn->auth_wait && !ccm_conn_auth_hello(conn))
		return;
	if (!ccm_conn_desc(conn, conn->buf + CCM_BUF_RECV, conn->recv_len, &d))
		return;
	/*
	 * Data arrived, so the partner is connected, even if its RTU was lost
	 * and the CM has not said so yet (rxe raises no COMM_EST).
	 */
	conn->established = true;
	ccm_conn_set_ready(conn, &d);
}

static void ccm_conn_read_done(struct ccm_conn *conn)
{
	struct ccm_path *path = conn->path;
	const u8 *rbuf = conn->buf + CCM_BUF_READ;
	struct ccm_sentinel_info si;
	struct ccm_mbox_info m;
	enum ccm_wire_status st;

	conn->read_busy = false;
	if (conn->read_status != IB_WC_SUCCESS) {
		ccm_stat_inc(path, CCM_STAT_READS_FAILED);
		ccm_path_error(path, "read %u: %s", conn->read_nr,
			       ib_wc_status_msg(conn->read_status));
		ccm_path_event(path, CCM_EV_READ_FAIL, conn->gen);
		return;
	}
	ccm_stat_inc(path, CCM_STAT_READS_COMPLETED);
	ib_dma_sync_single_for_cpu(conn->cm_id->device,
				   conn->buf_dma + CCM_BUF_READ,
				   CCM_SENTINEL_READ_LEN, DMA_BIDIRECTIONAL);
	st = ccm_wire_sentinel_decode(rbuf, CCM_SENTINEL_READ_LEN, &si);
	if (!st)
		st = ccm_wire_sentinel_check(&si, conn->peer_node_id,
					     conn->peer_epoch);
	if (st) {
		ccm_stat_inc(path, CCM_STAT_SENTINEL_INVALID);
		ccm_path_error(path, "read %u: partner's sentinel: %s",
			       conn->read_nr, ccm_wire_status_str(st));
		ccm_path_event(path, CCM_EV_READ_FAIL, conn->gen);
		return;
	}
	if (conn->read_nr == 2) {
		/* Our "state 2" must be in the partner's mailbox by now. */
		st = ccm_wire_mbox_decode(rbuf + CCM_MBOX_OFFSET,
					  sizeof(struct ccm_wire_mbox), &m);
		if (!st)
			st = ccm_wire_mbox_check(&m, path->peer->epoch,
						 conn->peer_epoch, conn->gen);
		if (!st && m.msg != CCM_MBOX_STATE2)
			st = CCM_WIRE_FIELD;
		if (st) {
			ccm_stat_inc(path, CCM_STAT_SENTINEL_INVALID);
			ccm_path_error(path, "read 2: our write is not in the mailbox: %s",
				       ccm_wire_status_str(st));
			ccm_path_event(path, CCM_EV_READ_FAIL, conn->gen);
			return;
		}
	}
	ccm_path_event(path, CCM_EV_READ_OK, conn->gen);
}

static void ccm_conn_write_done(struct ccm_conn *conn, unsigned int msg)
{
	struct ccm_path *path = conn->path;

	conn->write_busy[msg] = false;
	if (conn->write_status[msg] != IB_WC_SUCCESS) {
		ccm_stat_inc(path, CCM_STAT_WRITES_FAILED);
		ccm_path_error(path, "mailbox write %u: %s", msg,
			       ib_wc_status_msg(conn->write_status[msg]));
		ccm_path_event(path, CCM_EV_WRITE_FAIL, conn->gen);
		return;
	}
	/*
	 * Not a sign of life: an adapter acknowledges writes even when the
	 * host behind it hangs. Only what the partner's software does counts.
	 */
	ccm_stat_inc(path, CCM_STAT_WRITES_COMPLETED);
	ccm_path_event(path, CCM_EV_WRITE_OK, conn->gen);
}

/* Send @len bytes of @data from free send buffer @i. */
static int ccm_conn_tx_post(struct ccm_conn *conn, unsigned int i,
			    const void *data, size_t len)
{
	struct ib_sge sge[CCM_CHUNKBUF_MAX_CHUNKS];
	struct ib_send_wr wr = {};
	int ret;

	memcpy(conn->tx[i].va, data, len);
	ccm_chunkbuf_sync_for_device(&conn->tx[i], conn->cm_id->device, len);
	wr.opcode = IB_WR_SEND;
	wr.wr_cqe = &conn->tx_cqe[i];
	wr.send_flags = IB_SEND_SIGNALED;
	wr.sg_list = sge;
	wr.num_sge = ccm_chunkbuf_sge(&conn->tx[i], len,
				      conn->pd->local_dma_lkey, sge);
	ret = ccm_post_send(conn->qp, &wr);
	if (!ret)
		conn->tx_busy[i] = true;
	return ret;
}

/* A free send buffer, or CCM_NR_TX when all are in flight. */
static unsigned int ccm_conn_tx_free(struct ccm_conn *conn)
{
	unsigned int i;

	for (i = 0; i < CCM_NR_TX && conn->tx_busy[i]; i++)
		;
	return i;
}

/* Send queued messages while send buffers are free. */
static int ccm_conn_tx_kick(struct ccm_conn *conn)
{
	struct ccm_tx *tx;
	unsigned int i;
	int ret;

	while ((tx = list_first_entry_or_null(&conn->txq, struct ccm_tx,
					      node))) {
		i = ccm_conn_tx_free(conn);
		if (i == CCM_NR_TX)
			return 0;
		ret = ccm_conn_tx_post(conn, i, tx->data, tx->len);
		if (ret)
			return ret;
		list_del(&tx->node);
		kvfree(tx);
	}
	return 0;
}

static void ccm_conn_tx_done(struct ccm_conn *conn, unsigned int i)
{
	struct ccm_path *path = conn->path;

	conn->tx_busy[i] = false;
	if (conn->tx_status[i] != IB_WC_SUCCESS) {
		ccm_path_error(path, "control message send: %s",
			       ib_wc_status_msg(conn->tx_status[i]));
		ccm_conn_fail(conn, CCM_EV_CONN_LOST);
		return;
	}
	ccm_stat_inc(path, CCM_STAT_MSGS_SENT);
	if (ccm_conn_tx_kick(conn)) {
		ccm_path_error(path, "control message send: cannot post");
		ccm_conn_fail(conn, CCM_EV_CONN_LOST);
	}
}

/* A mailbox write with immediate data consumed receive @i. */
static void ccm_conn_rx_doorbell(struct ccm_conn *conn, unsigned int i)
{
	struct ccm_path *path = conn->path;

	if (conn->rx_imm_data[i] != CCM_DOORBELL) {
		ccm_stat_inc(path, CCM_STAT_MSGS_INVALID);
		ccm_path_error(path, "mailbox write with unknown immediate data %#x",
			       conn->rx_imm_data[i]);
		return;
	}
	/* Answered once the events are handled: the poll may free @conn. */
	if (conn == path->cur) {
		ccm_stat_inc(path, CCM_STAT_DOORBELLS);
		path->doorbell = true;
	}
}

/* Receive @i holds a control message. */
/*
 * A control message that arrives before our FSM reached connected on its
 * link (the partner got there first and sent USE or its offers at once)
 * waits until it has: the partner layer acts on a link's messages only
 * once the link is up, as the SPIN model of the links requires
 * (Documentation/model.rst: a USE taken early was lost with a link that
 * never came up here, and the clients never connected). The receive
 * buffer goes back to the device at once: holding it could stall the
 * partner's doorbell write. Return: false when the connection failed.
 */
static bool ccm_conn_defer_msg(struct ccm_conn *conn, unsigned int i)
{
	struct ccm_path *path = conn->path;
	struct ccm_tx *m = NULL;

	if (conn->nr_deferred < CCM_MAX_DEFERRED)
		m = kvmalloc(struct_size(m, data, conn->rx_len[i]), GFP_KERNEL);
	if (!m) {
		ccm_stat_inc(path, CCM_STAT_CONNS_LOST);
		ccm_path_error(path, "connection %u: %u control messages before connected",
			       conn->gen, conn->nr_deferred + 1);
		ccm_conn_fail(conn, CCM_EV_CONN_LOST);
		return false;
	}
	m->len = conn->rx_len[i];
	memcpy(m->data, conn->rx[i].va, m->len);
	list_add_tail(&m->node, &conn->deferred);
	conn->nr_deferred++;
	return true;
}

/* Return: false when the connection failed. */
static bool ccm_conn_rx_msg(struct ccm_conn *conn, unsigned int i)
{
	struct ccm_path *path = conn->path;

	ccm_chunkbuf_sync_for_cpu(&conn->rx[i], conn->cm_id->device,
				  conn->rx_len[i]);
	ccm_stat_inc(path, CCM_STAT_MSGS_RECEIVED);
	if (conn != path->cur)
		return true;
	ccm_path_alive(path);
	if (!path->up)
		return ccm_conn_defer_msg(conn, i);
	ccm_clients_rx(path->peer, path, conn->gen, conn->rx[i].va,
		       conn->rx_len[i]);
	return true;
}

/**
 * ccm_rdma_rx_deferred() - hand on the messages that came before connected
 * @path: the link, just up
 *
 * Context: process context, peer->lock held.
 */
void ccm_rdma_rx_deferred(struct ccm_path *path)
{
	struct ccm_conn *conn = path->cur;
	struct ccm_tx *m;

	lockdep_assert_held(&path->peer->lock);
	if (!conn)
		return;
	/* ccm_clients_rx() frees no connection: @conn stays. */
	while (path->cur == conn && path->up &&
	       (m = list_first_entry_or_null(&conn->deferred, struct ccm_tx,
					     node))) {
		list_del(&m->node);
		conn->nr_deferred--;
		ccm_clients_rx(path->peer, path, conn->gen, m->data, m->len);
		kvfree(m);
	}
}

/* Receive @i, in its turn; false when @conn was failed (and may be gone). */
static bool ccm_conn_rx(struct ccm_conn *conn, unsigned int i)
{
	struct ccm_path *path = conn->path;

	if (conn->rx_status[i] != IB_WC_SUCCESS) {
		ccm_path_error(path, "control message receive: %s",
			       ib_wc_status_msg(conn->rx_status[i]));
		ccm_conn_fail(conn, CCM_EV_CONN_LOST);
		return false;
	}
	if (conn->rx_imm[i])
		ccm_conn_rx_doorbell(conn, i);
	else if (!ccm_conn_rx_msg(conn, i))
		return false;
	/* ccm_clients_rx() does not free connections: @conn is still here. */
	if (ccm_conn_post_rx(conn, i)) {
		ccm_path_error(path, "control message receive: cannot repost");
		ccm_conn_fail(conn, CCM_EV_CONN_LOST);
		return false;
	}
	return true;
}

/* Receive @i completed: handle every completed message in arrival order. */
static void ccm_conn_rx_ordered(struct ccm_conn *conn, unsigned int i)
{
	unsigned int next;

	__set_bit(i, &conn->rx_done);
	while (conn->rx_fifo_len) {
		next = conn->rx_fifo[conn->rx_fifo_head];
		if (!__test_and_clear_bit(next, &conn->rx_done))
			return;
		conn->rx_fifo_head = (conn->rx_fifo_head + 1) % CCM_NR_RX;
		conn->rx_fifo_len--;
		if (!ccm_conn_rx(conn, next))
			return;
	}
}

/*
 * The partner disconnected: its last messages (a GONE just before its
 * rmmod) may have completed but not been handled yet, or not even been
 * polled. Draining the receive queue records every receive that completed
 * (completions come in order); those that succeeded are then handled in
 * arrival order, up to the first one flushed. Nothing is reposted and
 * nothing is sent: the connection stops being ready first.
 */
static void ccm_conn_rx_last(struct ccm_conn *conn)
{
	unsigned int i;

	lockdep_assert_held(&conn->path->peer->lock);
	if (conn != conn->path->cur || !conn->ready || !conn->qp)
		return;
	conn->ready = false;
	ib_drain_rq(conn->qp);
	conn->rq_drained = true;
	while (conn->rx_fifo_len) {
		i = conn->rx_fifo[conn->rx_fifo_head];
		if (!test_and_clear_bit(CCM_CEV_RX + i, &conn->pending) &&
		    !__test_and_clear_bit(i, &conn->rx_done))
			return;		/* never completed */
		/* Pairs with ccm_conn_signal(): the bit, then the status. */
		smp_mb__after_atomic();
		if (conn->rx_status[i] != IB_WC_SUCCESS)
			return;
		conn->rx_fifo_head = (conn->rx_fifo_head + 1) % CCM_NR_RX;
		conn->rx_fifo_len--;
		if (!conn->rx_imm[i])
			ccm_conn_rx_msg(conn, i);
	}
}

/*
 * Send @msg on the current connection: straight into a free send buffer
 * when nothing waits before it, else queued behind the others, or, for a
 * @hint, dropped (-EBUSY) rather than queued. Any other failure fails the
 * connection on the next run of path->peer->work.
 */
static int ccm_rdma_send(struct ccm_path *path, const void *msg, size_t len,
			 bool hint)
{
	struct ccm_conn *conn = path->cur;
	struct ccm_tx *tx;
	int ret;

	lockdep_assert_held(&path->peer->lock);
	if (!conn || !conn->ready)
		return -ENOTCONN;
	if (len > CCM_MSG_MAX)
		return -EMSGSIZE;
	if (ccm_rogue_is(SENDFAIL) && !hint) {
		static bool failed;	/* under peer->lock */

		/* Test only: the first message, as if kvmalloc() failed. */
		if (!failed) {
			failed = true;
			ret = -ENOMEM;
			goto out;
		}
	}
	if (list_empty(&conn->txq)) {
		unsigned int i = ccm_conn_tx_free(conn);

		if (i < CCM_NR_TX) {
			ret = ccm_conn_tx_post(conn, i, msg, len);
			goto out;
		}
	}
	if (hint)
		return -EBUSY;
	tx = CCM_FAULT(kvmalloc(struct_size(tx, data, len), GFP_KERNEL), NULL);
	if (!tx) {
		ret = -ENOMEM;
		goto out;
	}
	tx->len = len;
	memcpy(tx->data, msg, len);
	list_add_tail(&tx->node, &conn->txq);
	ret = ccm_conn_tx_kick(conn);
out:
	/* Deferred: the callers hold the clients' lock. */
	if (ret)
		ccm_conn_signal(conn, CCM_CEV_MSG_LOST);
	return ret;
}

/**
 * ccm_rdma_send_msg() - send a control message on the current connection
 * @path: the link
 * @msg: the message
 * @len: its length, at most CCM_MSG_MAX
 *
 * Messages go out in order; they wait for a free send buffer when all are
 * in flight. A message that cannot be queued (no memory, the post failed)
 * fails the connection on the next run of path->peer->work, so that both sides
 * start the exchange over rather than wait for it.
 *
 * Context: process context, peer->lock held.
 * Return: 0 when queued or sent, else a negative errno.
 */
int ccm_rdma_send_msg(struct ccm_path *path, const void *msg, size_t len)
{
	return ccm_rdma_send(path, msg, len, false);
}

/**
 * ccm_rdma_send_hint() - send a message the partner can do without
 * @path: the link
 * @msg: the message
 * @len: its length, at most CCM_MSG_MAX
 *
 * Like ccm_rdma_send_msg(), but only straight into a free send buffer:
 * when it would have to wait (all in flight, or messages queued before
 * it), it is dropped, and nothing else is; a hint must never cost the
 * link it goes on. A post that fails still fails the connection.
 *
 * Context: process context, peer->lock held.
 * Return: 0 when sent, -EBUSY when dropped, else a negative errno.
 */
int ccm_rdma_send_hint(struct ccm_path *path, const void *msg, size_t len)
{
	return ccm_rdma_send(path, msg, len, true);
}

/**
 * ccm_rdma_ctrl_id() - the current control connection's CM id
 * @path: the link
 *
 * For rdma_init_qp_attr() and the device of client links.
 *
 * Context: process context, peer->lock held.
 * Return: the CM id, or NULL when no connection is ready.
 */
struct rdma_cm_id *ccm_rdma_ctrl_id(struct ccm_path *path)
{
	lockdep_assert_held(&path->peer->lock);
	return path->cur && path->cur->ready ? path->cur->cm_id : NULL;
}

/**
 * ccm_rdma_self_addr() - our address on the link's current connection
 * @path: the link
 * @out: the address (port included); family 0 without a connection
 *
 * Context: process context, peer->lock held.
 */
void ccm_rdma_self_addr(struct ccm_path *path, struct sockaddr_storage *out)
{
	struct ccm_conn *conn = path->cur;

	lockdep_assert_held(&path->peer->lock);
	memset(out, 0, sizeof(*out));
	if (!conn)
		return;
	if (conn->kind == CCM_CONN_PASSIVE)
		*out = conn->dst;
	else
		memcpy(out, &conn->cm_id->route.addr.src_addr, sizeof(*out));
}

/**
 * ccm_rdma_ctrl_leads() - whether this node made the current connection
 * @path: the link
 *
 * The side that made the control connection leads the client exchange on
 * it; both sides agree on this for every generation.
 *
 * Context: process context, peer->lock held.
 * Return: true on the active side of the current connection.
 */
bool ccm_rdma_ctrl_leads(struct ccm_path *path)
{
	lockdep_assert_held(&path->peer->lock);
	return path->cur && path->cur->kind == CCM_CONN_ACTIVE;
}

/* The completion a bit reports, for the tracepoint; NULL for CM events. */
static const char *ccm_conn_op(struct ccm_conn *conn, unsigned int bit,
			       int *status)
{
	switch (bit) {
	case CCM_CEV_RECV:
		*status = conn->recv_status;
		return "descriptor_recv";
	case CCM_CEV_REG:
		*status = ccm_conn_reg_status(conn);
		return "reg_mr";
	case CCM_CEV_SEND:
		*status = conn->send_status;
		return "descriptor_send";
	case CCM_CEV_READ:
		*status = conn->read_status;
		return "read";
	}
	if (bit > CCM_CEV_WRITE && bit < CCM_CEV_WRITE + CCM_MBOX_NR) {
		*status = conn->write_status[bit - CCM_CEV_WRITE];
		return "write";
	}
	if (bit >= CCM_CEV_RX && bit < CCM_CEV_RX + CCM_NR_RX) {
		*status = conn->rx_status[bit - CCM_CEV_RX];
		return conn->rx_imm[bit - CCM_CEV_RX] ? "doorbell" :
							"message_recv";
	}
	if (bit == CCM_CEV_BEAT) {
		*status = conn->beat_status;
		return "heartbeat";
	}
	if (bit >= CCM_CEV_TX && bit < CCM_CEV_TX + CCM_NR_TX) {
		*status = conn->tx_status[bit - CCM_CEV_TX];
		return "message_send";
	}
	return NULL;
}

static void ccm_conn_handle(struct ccm_conn *conn, unsigned int bit)
{
	struct ccm_path *path = conn->path;
	const char *op;
	int status;

	op = ccm_conn_op(conn, bit, &status);
	if (op)
		trace_ccm_rdma_completion(conn->path->idx, conn->gen, op, status);
	switch (bit) {
	case CCM_CEV_ADDR_RESOLVED:
		/* The route is being resolved (ccm_cm_handler()). */
		break;
	case CCM_CEV_ROUTE_RESOLVED:
		ccm_conn_connect(conn);
		break;
	case CCM_CEV_ESTABLISHED:
		if (conn->kind == CCM_CONN_ACTIVE)
			ccm_conn_established_active(conn); /* failures handled */
		else	/* the partner's descriptor may have come first */
			conn->established = true;
		break;
	case CCM_CEV_CONNECT_FAILED:
		ccm_conn_connect_failed(conn);
		break;
	case CCM_CEV_DISCONNECTED:
		if (conn->auth_wait) {
			/* Never current: nothing was lost. */
			ccm_path_note(path, "connection %u closed before it proved the key",
				      conn->gen);
			ccm_conn_destroy(conn);
			break;
		}
		ccm_conn_rx_last(conn);
		ccm_stat_inc(path, CCM_STAT_CONNS_LOST);
		ccm_path_note(path, "connection %u lost", conn->gen);
		ccm_conn_fail(conn, conn->established ? CCM_EV_CONN_LOST :
				    CCM_EV_UNREACHABLE);
		break;
	case CCM_CEV_AUTH_TIMEOUT:
		if (!conn->auth_wait)
			break;
		ccm_auth_failed(path, "the partner's connection sent no proof in time");
		ccm_conn_destroy(conn);
		break;
	case CCM_CEV_MSG_LOST:
		/* The client exchange relies on every message arriving. */
		ccm_stat_inc(path, CCM_STAT_CONNS_LOST);
		ccm_path_error(path, "connection %u: control message not sent, reconnecting",
			       conn->gen);
		ccm_conn_fail(conn, CCM_EV_CONN_LOST);
		break;
	case CCM_CEV_RECV:
		ccm_conn_recv(conn);
		break;
	case CCM_CEV_REG:
		if (conn->kind == CCM_CONN_PASSIVE && !conn->accepted) {
			ccm_conn_accept(conn);	/* a failure is handled */
			break;
		}
		fallthrough;
	case CCM_CEV_SEND:
		if (ccm_conn_reg_status(conn) == IB_WC_SUCCESS &&
		    conn->send_status == IB_WC_SUCCESS)
			break;
		ccm_path_error(path, "publishing the sentinel: %s",
			       ib_wc_status_msg(bit == CCM_CEV_REG ?
						ccm_conn_reg_status(conn) :
						conn->send_status));
		ccm_conn_fail(conn, CCM_EV_CONN_LOST);
		break;
	case CCM_CEV_READ:
		if (conn == path->cur)
			ccm_conn_read_done(conn);
		break;
	case CCM_CEV_BEAT:
		if (conn != path->cur)
			break;
		ccm_stat_inc(path, CCM_STAT_WRITES_FAILED);
		if (conn->beat_err)
			ccm_path_error(path, "heartbeat: cannot post (%d)",
				       conn->beat_err);
		else
			ccm_path_error(path, "heartbeat write: %s",
				       ib_wc_status_msg(conn->beat_status));
		ccm_path_event(path, CCM_EV_WRITE_FAIL, conn->gen);
		break;
	default:
		if (bit > CCM_CEV_WRITE && bit < CCM_CEV_WRITE + CCM_MBOX_NR &&
		    conn == path->cur)
			ccm_conn_write_done(conn, bit - CCM_CEV_WRITE);
		else if (bit >= CCM_CEV_RX && bit < CCM_CEV_RX + CCM_NR_RX)
			ccm_conn_rx_ordered(conn, bit - CCM_CEV_RX);
		else if (bit >= CCM_CEV_TX && bit < CCM_CEV_TX + CCM_NR_TX)
			ccm_conn_tx_done(conn, bit - CCM_CEV_TX);
		break;
	}
}

/* The next connection with something pending, and what; NULL if none. */
static struct ccm_conn *ccm_next_pending(struct ccm_path *path,
					 unsigned int *bit)
{
	struct ccm_conn *conn;
	unsigned long bits;

	list_for_each_entry(conn, &path->conns, node) {
		bits = READ_ONCE(conn->pending);
		if (!bits)
			continue;
		*bit = __ffs(bits);
		if (test_and_clear_bit(*bit, &conn->pending)) {
			/* Pairs with ccm_conn_signal(): the bit, then data. */
			smp_mb__after_atomic();
			return conn;
		}
	}
	return NULL;
}

/**
 * ccm_rdma_process() - handle everything the handlers recorded
 * @path: the link
 *
 * New connection requests first, then one connection event at a time:
 * handling one may free any connection, so the scan starts over each time.
 * After CCM_PROCESS_BUDGET events the rest waits for the next run of the
 * work, so that a partner flooding us cannot keep the worker (and
 * peer->lock) from the timers, the poll and the clients.
 *
 * Context: process context (path->peer->work), peer->lock held.
 */
void ccm_rdma_process(struct ccm_path *path)
{
	unsigned int bit, budget = CCM_PROCESS_BUDGET;
	struct ccm_conn *conn;

	lockdep_assert_held(&path->peer->lock);
	for (;;) {
		spin_lock(&path->incoming_lock);
		conn = list_first_entry_or_null(&path->incoming,
						struct ccm_conn, node);
		if (conn)
			list_del_init(&conn->node);
		spin_unlock(&path->incoming_lock);
		if (!conn)
			break;
		ccm_conn_request(path, conn);
	}
	if (path->listener &&
	    test_and_clear_bit(CCM_CEV_LISTEN_LOST, &path->listener->pending)) {
		ccm_path_note(path, "listener lost its device, will listen again");
		ccm_conn_destroy(path->listener);
	}
	while ((conn = ccm_next_pending(path, &bit))) {
		ccm_conn_handle(conn, bit);
		if (!--budget) {
			queue_work(ccm_wq, &path->peer->work);
			break;
		}
	}
	if (path->doorbell) {
		path->doorbell = false;
		ccm_path_doorbell(path);
	}
}

static int ccm_conn_post_read(struct ccm_conn *conn, u8 nr)
{
	struct ccm_path *path = conn->path;
	struct ib_rdma_wr wr = {};
	struct ib_sge sge;
	int ret;

	if (conn->read_busy)
		return -EBUSY;
	sge.addr = conn->buf_dma + CCM_BUF_READ;
	sge.length = CCM_SENTINEL_READ_LEN;
	sge.lkey = conn->pd->local_dma_lkey;
	wr.wr.opcode = IB_WR_RDMA_READ;
	wr.wr.wr_cqe = &conn->read_cqe;
	wr.wr.send_flags = IB_SEND_SIGNALED;
	wr.wr.sg_list = &sge;
	wr.wr.num_sge = 1;
	wr.remote_addr = conn->remote_addr;
	wr.rkey = conn->remote_rkey;
	trace_ccm_rdma_post(conn->path->idx, conn->gen, "read");
	ret = ccm_post_send(conn->qp, &wr.wr);
	if (ret)
		return ret;
	conn->read_busy = true;
	conn->read_nr = nr;
	conn->used = true;
	ccm_stat_inc(path, CCM_STAT_READS_ISSUED);
	return 0;
}

static int ccm_rdma_listen(struct ccm_path *path);

/* The listener is missing (never made, or lost): try again. */
static void ccm_rdma_listen_again(struct ccm_path *path)
{
	int ret;

	/* Without local addresses link 0's wildcard listener serves all. */
	if (path->listener || (path->idx && !path->local_addr->ss_family))
		return;
	ret = ccm_rdma_listen(path);
	if (ret)
		ccm_path_note(path, "listen: %d", ret);
}

/**
 * ccm_rdma_read() - carry out a pending read of the partner's sentinel
 * @path: the link
 *
 * For the first read of an attempt without a connection, starts one, and
 * then the listener if it is missing (while the address resolves); the
 * read is posted as soon as the connection is ready. Does nothing when no
 * read is pending.
 *
 * Context: process context, peer->lock held.
 * Return: 0 when the read is posted or will be, else a negative errno.
 */
int ccm_rdma_read(struct ccm_path *path)
{
	struct ccm_conn *conn = path->cur;
	u8 nr = path->pending_read;
	int ret;

	lockdep_assert_held(&path->peer->lock);
	if (!nr)
		return 0;
	/* Test only (SENTINEL): let the partner connect, so that it reads us. */
	if (!conn && nr == 1 && !ccm_rogue_is(SENTINEL)) {
		ret = ccm_conn_start(path);
		ccm_rdma_listen_again(path);
		return ret;
	}
	ccm_rdma_listen_again(path);
	if (!conn)
		return nr == 1 ? -EHOSTUNREACH : -ENOTCONN;
	if (!conn->ready)
		return 0;
	path->pending_read = 0;
	return ccm_conn_post_read(conn, nr);
}

/**
 * ccm_rdma_write() - write a message into the partner's mailbox
 * @path: the link
 * @msg: the message
 *
 * Context: process context, peer->lock held.
 * Return: 0 when posted, else a negative errno.
 */
int ccm_rdma_write(struct ccm_path *path, enum ccm_mbox_msg msg)
{
	struct ccm_conn *conn = path->cur;
	struct ccm_mbox_info m = {};
	struct ib_rdma_wr wr = {};
	struct ib_sge sge;
	int ret;

	lockdep_assert_held(&path->peer->lock);
	if (!conn || !conn->ready)
		return -ENOTCONN;
	if (conn->write_busy[msg])
		return -EBUSY;
	m.msg = msg;
	m.writer_epoch = path->peer->epoch;
	m.reader_epoch = conn->peer_epoch;
	m.gen = conn->gen;
	m.seq = ++path->mbox_seq;
	m.heartbeat = path->hb_tx;
	ccm_wire_mbox_encode(conn->buf + CCM_BUF_WRITE(msg), &m);
	ib_dma_sync_single_for_device(conn->cm_id->device,
				      conn->buf_dma + CCM_BUF_WRITE(msg),
				      sizeof(struct ccm_wire_mbox),
				      DMA_BIDIRECTIONAL);
	sge.addr = conn->buf_dma + CCM_BUF_WRITE(msg);
	sge.length = sizeof(struct ccm_wire_mbox);
	sge.lkey = conn->pd->local_dma_lkey;
	/*
	 * "State 5" is the write the partner waits for in the handshake (in
	 * WAITING or WRITE2_DONE): it rings the partner's doorbell. "Complete"
	 * is written once connected, where no one waits for it, and then as
	 * the heartbeat, which the partner checks on its own schedule: an idle
	 * link stays free of receive completions.
	 */
	if (msg == CCM_MBOX_STATE5 && path->state != CCM_S_CONNECTED) {
		wr.wr.opcode = IB_WR_RDMA_WRITE_WITH_IMM;
		wr.wr.ex.imm_data = ccm_wire_doorbell();
	} else {
		wr.wr.opcode = IB_WR_RDMA_WRITE;
	}
	wr.wr.wr_cqe = &conn->write_cqe[msg];
	wr.wr.send_flags = IB_SEND_SIGNALED;
	wr.wr.sg_list = &sge;
	wr.wr.num_sge = 1;
	wr.remote_addr = conn->remote_addr + CCM_MBOX_OFFSET;
	wr.rkey = conn->remote_mbox_rkey;
	trace_ccm_rdma_post(conn->path->idx, conn->gen, "write");
	ret = ccm_post_send(conn->qp, &wr.wr);
	if (ret)
		return ret;
	conn->write_busy[msg] = true;
	conn->used = true;
	ccm_stat_inc(path, CCM_STAT_WRITES_ISSUED);
	return 0;
}

/**
 * ccm_rdma_beat_start() - write the heartbeat on the current connection
 * @path: the link, just connected
 *
 * Every heartbeat_ms from now on, from a timer (ccm_beat.c), until
 * ccm_rdma_beat_stop() or the connection is given up.
 *
 * Context: process context, peer->lock held.
 */
void ccm_rdma_beat_start(struct ccm_path *path)
{
	struct ccm_conn *conn = path->cur;
	struct ccm_beat_target tg = {};

	lockdep_assert_held(&path->peer->lock);
	if (!conn || !conn->ready)
		return;
	tg.owner = conn;
	tg.qp = conn->qp;
	tg.dev = conn->cm_id->device;
	tg.buf = conn->buf + CCM_BUF_BEAT;
	tg.dma = conn->buf_dma + CCM_BUF_BEAT;
	tg.lkey = conn->pd->local_dma_lkey;
	tg.remote_addr = conn->remote_addr + CCM_MBOX_OFFSET;
	tg.rkey = conn->remote_mbox_rkey;
	tg.cqe = &conn->beat_cqe;
	tg.m.msg = CCM_MBOX_COMPLETE;
	tg.m.writer_epoch = path->peer->epoch;
	tg.m.reader_epoch = conn->peer_epoch;
	tg.m.gen = conn->gen;
	tg.post_failed = ccm_beat_post_failed;
	ccm_beat_start(&path->beat, &tg,
		       msecs_to_jiffies(path->cfg->heartbeat_ms),
		       path->hb_tx, path->mbox_seq);
}

/**
 * ccm_rdma_beat_stop() - stop writing the heartbeat
 * @path: the link
 *
 * Context: process context, peer->lock held.
 */
void ccm_rdma_beat_stop(struct ccm_path *path)
{
	lockdep_assert_held(&path->peer->lock);
	ccm_beat_stop(&path->beat, &path->hb_tx, &path->mbox_seq);
}

/**
 * ccm_rdma_poll_mbox() - look at our mailbox and feed what it says
 * @path: the link
 *
 * Level-triggered: the current valid message of the current connection is
 * fed on every poll. A message of another epoch or generation (a leftover
 * of an earlier attempt, or a newer attempt's) is ignored and counted once.
 *
 * Context: process context (path->poll), peer->lock held.
 */
void ccm_rdma_poll_mbox(struct ccm_path *path)
{
	struct ccm_conn *conn = path->cur;
	struct ccm_wire_mbox snap;
	enum ccm_wire_status st;
	struct ccm_mbox_info m;
	enum ccm_event ev;

	lockdep_assert_held(&path->peer->lock);
	if (!conn || !conn->ready)
		return;
	ib_dma_sync_single_for_cpu(conn->cm_id->device,
				   conn->sentinel_dma + CCM_MBOX_OFFSET,
				   sizeof(snap), DMA_BIDIRECTIONAL);
	memcpy(&snap, page_address(conn->sentinel) + CCM_MBOX_OFFSET,
	       sizeof(snap));
	st = ccm_wire_mbox_decode(&snap, sizeof(snap), &m);
	if (st == CCM_WIRE_EMPTY)
		return;
	if (!st)
		st = ccm_wire_mbox_check(&m, conn->peer_epoch, path->peer->epoch,
					 conn->gen);
	if (st) {
		if (snap.crc != conn->mbox_last_crc) {
			conn->mbox_last_crc = snap.crc;
			ccm_stat_inc(path, st == CCM_WIRE_EPOCH ||
				     st == CCM_WIRE_GEN ?
				     CCM_STAT_MBOX_STALE : CCM_STAT_MBOX_INVALID);
			pr_debug("ccm: mailbox ignored: %s\n",
				 ccm_wire_status_str(st));
		}
		return;
	}
	path->hb_rx = m.heartbeat;
	if (m.msg == CCM_MBOX_STATE5)
		ev = CCM_EV_PEER_STATE5;
	else if (m.msg == CCM_MBOX_COMPLETE)
		ev = CCM_EV_PEER_COMPLETE;
	else
		return;
	conn->used = true;
	ccm_path_event(path, ev, conn->gen);
}

/**
 * ccm_rdma_cur_ready() - can the current connection carry operations?
 * @path: the link
 *
 * Context: process context, peer->lock held.
 * Return: true when there is a current connection and it is ready.
 */
bool ccm_rdma_cur_ready(struct ccm_path *path)
{
	lockdep_assert_held(&path->peer->lock);
	return path->cur && path->cur->ready;
}

/**
 * ccm_rdma_publish() - show our state in the sentinel header
 * @path: the link
 *
 * Context: process context, peer->lock held.
 */
void ccm_rdma_publish(struct ccm_path *path)
{
	struct ccm_conn *conn;

	lockdep_assert_held(&path->peer->lock);
	ccm_wire_sentinel_set_state(page_address(path->sentinel), path->state,
				    path->cur_gen);
	list_for_each_entry(conn, &path->conns, node) {
		if (!conn->sentinel_mapped)
			continue;
		ccm_wire_sentinel_set_state(page_address(conn->sentinel),
					    path->state, path->cur_gen);
		ib_dma_sync_single_for_device(conn->cm_id->device,
					      conn->sentinel_dma,
					      sizeof(struct ccm_wire_sentinel),
					      DMA_BIDIRECTIONAL);
	}
}

/*
 * Listen for the partner's connections: on local_addr when it is set, else
 * on every address of the partner's family (devices that appear later
 * included). Return: 0 or a negative errno; the caller retries later.
 */
static int ccm_rdma_listen(struct ccm_path *path)
{
	const struct ccm_config *cfg = path->cfg;
	struct sockaddr_storage addr = {};
	struct ccm_conn *conn;
	int ret;

	lockdep_assert_held(&path->peer->lock);
	if (path->listener)
		return 0;
	/* Test only: a rogue that sends bad requests must not be reached. */
	if (ccm_rogue_is(PRIVDATA) || ccm_rogue_is(TRUNCATED))
		return -EPERM;
	if (path->local_addr->ss_family) {
		addr = *path->local_addr;
	} else if (path->peer_addr->ss_family == AF_INET) {
		((struct sockaddr_in *)&addr)->sin_family = AF_INET;
		((struct sockaddr_in *)&addr)->sin_port = htons(cfg->port);
	} else {
		((struct sockaddr_in6 *)&addr)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&addr)->sin6_port = htons(cfg->port);
	}
	conn = ccm_conn_alloc(path, CCM_CONN_LISTEN);
	if (!conn)
		return -ENOMEM;
	conn->cm_id = rdma_create_id(&init_net, ccm_cm_handler, conn,
				     RDMA_PS_TCP, IB_QPT_RC);
	if (IS_ERR(conn->cm_id)) {
		ret = PTR_ERR(conn->cm_id);
		kfree(conn);
		return ret;
	}
	path->listener = conn;
	ret = rdma_bind_addr(conn->cm_id, (struct sockaddr *)&addr);
	if (!ret)
		ret = rdma_listen(conn->cm_id, CCM_LISTEN_BACKLOG);
	if (ret)
		ccm_conn_destroy(conn);
	return ret;
}

/**
 * ccm_rdma_stop() - tear down every connection and the listener
 * @path: the partner, with path->peer->stopping set
 *
 * Context: process context, peer->lock held.
 */
void ccm_rdma_stop(struct ccm_path *path)
{
	struct ccm_conn *conn;

	lockdep_assert_held(&path->peer->lock);
	if (path->listener)
		ccm_conn_destroy(path->listener);
	/* No handler adds to incoming once the listener is gone. */
	while ((conn = list_first_entry_or_null(&path->incoming,
						struct ccm_conn, node)))
		ccm_conn_destroy(conn);
	while ((conn = list_first_entry_or_null(&path->conns,
						struct ccm_conn, node)))
		ccm_conn_destroy(conn);
	ccm_rdma_flush();
}

static void ccm_rdma_device_gone(struct ccm_path *path, struct ib_device *dev)
{
	struct ccm_conn *conn, *tmp;
	LIST_HEAD(gone);

	lockdep_assert_held(&path->peer->lock);
	if (path->listener && path->listener->cm_id->device == dev)
		ccm_conn_destroy(path->listener);
	spin_lock(&path->incoming_lock);
	list_for_each_entry_safe(conn, tmp, &path->incoming, node)
		if (conn->cm_id->device == dev)
			list_move(&conn->node, &gone);
	spin_unlock(&path->incoming_lock);
	list_for_each_entry_safe(conn, tmp, &gone, node)
		ccm_conn_destroy(conn);
restart:
	list_for_each_entry(conn, &path->conns, node) {
		if (conn->cm_id->device != dev)
			continue;
		ccm_stat_inc(path, CCM_STAT_CONNS_LOST);
		ccm_path_error(path, "RDMA device %s removed",
			       dev_name(&dev->dev));
		if (conn == path->cur && path->up) {
			path->down_reason = CCM_DISC_DEVICE_GONE;
			path->down_known = true;
		}
		ccm_conn_fail(conn, conn->established ? CCM_EV_CONN_LOST :
				    CCM_EV_UNREACHABLE);
		goto restart;
	}
}

/* Did the last event of @conn's port say it went down? */
static bool ccm_conn_port_down(const struct ccm_conn *conn,
			       const struct ccm_port_event *ev,
			       unsigned int nr)
{
	unsigned int i;

	if (!conn->cm_id || !conn->cm_id->device || !conn->cm_id->port_num)
		return false;
	for (i = 0; i < nr; i++)
		if (ev[i].dev == conn->cm_id->device &&
		    ev[i].port == conn->cm_id->port_num)
			return ev[i].down;
	return false;
}

/**
 * ccm_rdma_check_ports() - fail a link's connections whose port went down
 * @path: the link
 * @ev: the port events since the last look, the last one per port
 * @nr: their number
 *
 * A connection whose port went down is failed now, without waiting for
 * the heartbeat or the transport's retries; a link waiting for its next
 * attempt is tried now when a port came up. The state comes from the
 * events: querying the port here would take the RTNL (rxe asks its
 * netdev for the link speed), which a flapping link keeps busy, and the
 * worker would stop every link's heartbeat meanwhile.
 *
 * Context: process context (peer->work), peer->lock held.
 */
void ccm_rdma_check_ports(struct ccm_path *path,
			  const struct ccm_port_event *ev, unsigned int nr)
{
	struct ccm_conn *conn;
	unsigned int i;

	lockdep_assert_held(&path->peer->lock);
restart:
	list_for_each_entry(conn, &path->conns, node) {
		if (!ccm_conn_port_down(conn, ev, nr))
			continue;
		ccm_stat_inc(path, CCM_STAT_CONNS_LOST);
		ccm_path_error(path, "local port %s/%u down",
			       dev_name(&conn->cm_id->device->dev),
			       conn->cm_id->port_num);
		if (conn == path->cur && path->up)
			path->down_known = true;	/* ours, not the partner */
		ccm_conn_fail(conn, conn->established ? CCM_EV_CONN_LOST :
				    CCM_EV_UNREACHABLE);
		goto restart;
	}
	for (i = 0; i < nr; i++)
		if (!ev[i].down && path->state == CCM_S_WAITING && !path->cur)
			mod_delayed_work(ccm_wq, &path->timer, 0);
}

static struct ib_client ccm_ib_client;

/*
 * A port went down or up: ib_core calls this from its workqueue. Only a
 * note and a kick here: the partners' work acts on it under its lock
 * (ccm_rdma_check_ports()).
 */
static void ccm_ib_event(struct ib_event_handler *h, struct ib_event *ev)
{
	struct ccm_peer *peer;

	if (ev->event != IB_EVENT_PORT_ERR && ev->event != IB_EVENT_PORT_ACTIVE)
		return;
	pr_debug("ccm: %s port %u: %s\n", dev_name(&ev->device->dev),
		 ev->element.port_num, ib_event_msg(ev->event));
	mutex_lock(&ccm_peers_lock);
	list_for_each_entry(peer, &ccm_peers, node)
		ccm_peer_port_event(peer, ev->device, ev->element.port_num,
				    ev->event == IB_EVENT_PORT_ERR);
	mutex_unlock(&ccm_peers_lock);
}

static int ccm_ib_add(struct ib_device *dev)
{
	struct ib_event_handler *eh;
	struct ccm_peer *peer;
	unsigned int i;

	pr_debug("ccm: RDMA device %s added\n", dev_name(&dev->dev));
	eh = kzalloc(sizeof(*eh), GFP_KERNEL);
	if (!eh)
		return -ENOMEM;
	INIT_IB_EVENT_HANDLER(eh, dev, ccm_ib_event);
	ib_register_event_handler(eh);
	ib_set_client_data(dev, &ccm_ib_client, eh);
	mutex_lock(&ccm_peers_lock);
	list_for_each_entry(peer, &ccm_peers, node)
		for (i = 0; i < peer->nr_paths; i++)
			ccm_path_kick(peer->paths[i]);
	mutex_unlock(&ccm_peers_lock);
	return 0;
}

/* Everything on @dev is gone when this returns, as ib_core requires. */
static void ccm_ib_remove(struct ib_device *dev, void *client_data)
{
	struct ib_event_handler *eh = client_data;
	struct ccm_peer *peer;
	unsigned int i;

	/* First: the handler takes ccm_peers_lock, which is taken below. */
	if (eh) {
		ib_unregister_event_handler(eh);
		kfree(eh);
	}
	mutex_lock(&ccm_peers_lock);
	list_for_each_entry(peer, &ccm_peers, node) {
		mutex_lock(&peer->lock);
		for (i = 0; i < peer->nr_paths && !peer->stopping; i++)
			ccm_rdma_device_gone(peer->paths[i], dev);
		if (!peer->stopping)
			ccm_peer_device_gone(peer, dev);
		mutex_unlock(&peer->lock);
	}
	mutex_unlock(&ccm_peers_lock);
	/* Connections on @dev, and client links, are torn down elsewhere. */
	ccm_rdma_flush();
	ccm_clients_flush();
}

/**
 * ccm_rdma_device_name() - the RDMA device a link's connection runs on
 * @path: the link
 *
 * Context: process context, peer->lock held.
 * Return: the device's name, or NULL when the link has no connection.
 */
const char *ccm_rdma_device_name(struct ccm_path *path)
{
	lockdep_assert_held(&path->peer->lock);
	if (!path->cur || !path->cur->cm_id || !path->cur->cm_id->device)
		return NULL;
	return dev_name(&path->cur->cm_id->device->dev);
}

static struct ib_client ccm_ib_client = {
	.name = "ccm",
	.add = ccm_ib_add,
	.remove = ccm_ib_remove,
};

/**
 * ccm_rdma_init() - register with ib_core
 *
 * Context: process context (module init).
 * Return: 0 or a negative errno.
 */
int ccm_rdma_init(void)
{
	int ret;

	/* Not ordered: one QP stuck on a dead port must not hold the rest. */
	ccm_teardown_wq = alloc_workqueue("ccm_teardown", WQ_MEM_RECLAIM, 0);
	if (!ccm_teardown_wq)
		return -ENOMEM;
	ret = ib_register_client(&ccm_ib_client);
	if (ret)
		destroy_workqueue(ccm_teardown_wq);
	return ret;
}

/**
 * ccm_rdma_exit() - unregister from ib_core
 *
 * Context: process context (module exit), after every partner is gone.
 */
void ccm_rdma_exit(void)
{
	ib_unregister_client(&ccm_ib_client);
	destroy_workqueue(ccm_teardown_wq);
}
