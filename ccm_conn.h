/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ccm - the transport: everything that touches verbs and the RDMA CM.
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
 *
 * This header is the transport's own: struct ccm_conn and what its files
 * call of each other. Nothing else includes it; the rest of ccm uses the
 * ccm_rdma_*() calls of ccm_internal.h. The files, each calling only
 * files further down this list:
 *
 *   ccm_ibdev.c     ib_client: devices removed, port events; init, exit
 *   ccm_rdma.c      the worker's side: the events the handlers recorded,
 *                   each handed to the file of its concern
 *   ccm_connect.c   a connection set up: a request checked and accepted,
 *                   a connect, the partner's descriptor and proof of the
 *                   key, connect failures; the first read starts one
 *   ccm_cm.c        the RDMA CM handler, the listener, the CM private
 *                   data, the tie-break that picks the current connection
 *   ccm_sentinel.c  our sentinel registered and described, READs of the
 *                   partner's, WRITEs into its mailbox, ours polled
 *   ccm_ctrl.c      control messages: send and receive buffers, deferral
 *                   until the link is up, ordered receipt
 *   ccm_conn.c      one connection's life: completion handlers, verbs
 *                   objects, the heartbeat's target, teardown
 *
 * That is: ccm_ibdev.c -> ccm_conn.c; ccm_rdma.c -> ccm_connect.c,
 * ccm_sentinel.c, ccm_ctrl.c, ccm_conn.c; ccm_connect.c -> ccm_cm.c,
 * ccm_sentinel.c, ccm_conn.c; ccm_cm.c -> ccm_sentinel.c, ccm_conn.c;
 * ccm_sentinel.c and ccm_ctrl.c -> ccm_conn.c. Like the file they were,
 * they call up into the link (ccm_path_*()), the partner and the clients.
 */
#ifndef _CCM_CONN_H
#define _CCM_CONN_H

#include <linux/list.h>
#include <linux/socket.h>
#include <linux/timer.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <rdma/ib_verbs.h>
#include <rdma/rdma_cm.h>

#include "ccm_auth.h"
#include "ccm_chunkbuf.h"
#include "ccm_internal.h"
#include "ccm_wire.h"

/*
 * Control messages (the client exchange) in flight per direction; one
 * receive more than the partner sends at once, since a doorbell (a mailbox
 * write with immediate data) may hold one until the worker reposts it.
 */
#define CCM_NR_TX		4
#define CCM_NR_RX		(CCM_NR_TX + 1)

#define CCM_PRIV_MAX		sizeof(struct ccm_wire_rep)
#define CCM_RD_ATOMIC		1	/* one READ in flight each way */

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
static inline u32 ccm_conn_hello_len(void)
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
	/*
	 * A control message was lost: not sent, or received but not kept;
	 * after what was received.
	 */
	CCM_CEV_MSG_LOST = CCM_CEV_TX + CCM_NR_TX,
	CCM_CEV_BEAT,		/* a heartbeat write failed */
	CCM_CEV_AUTH_TIMEOUT,	/* passive: no proof of the key in time */
	CCM_CEV_NR,
};

static_assert(CCM_CEV_NR <= BITS_PER_LONG);

/* Connections being freed (ccm_conn.c); made by ccm_rdma_init(). */
extern struct workqueue_struct *ccm_teardown_wq;

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
	bool msg_lost;			/* a control message lost: failing */
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

/* How registering the sentinel went: the first failure, if any. */
static inline enum ib_wc_status
ccm_conn_reg_status(const struct ccm_conn *conn)
{
	return conn->reg_mbox_status ?: conn->reg_status;
}

/* ccm_conn.c: one connection's life */
void ccm_conn_signal(struct ccm_conn *conn, unsigned int bit);
struct ccm_conn *ccm_conn_alloc(struct ccm_path *path,
				enum ccm_conn_kind kind);
int ccm_conn_post_rx(struct ccm_conn *conn, unsigned int i);
int ccm_conn_alloc_msg_bufs(struct ccm_conn *conn);
void ccm_conn_destroy(struct ccm_conn *conn);
void ccm_conn_fail(struct ccm_conn *conn, enum ccm_event ev);
int ccm_conn_modify_qp(struct ccm_conn *conn, enum ib_qp_state state);
int ccm_conn_setup(struct ccm_conn *conn);
int ccm_conn_set_timers(struct ccm_conn *conn);

/* ccm_sentinel.c: the sentinel and the mailboxes */
int ccm_conn_publish_sentinel(struct ccm_conn *conn);
void ccm_conn_read_done(struct ccm_conn *conn);
void ccm_conn_write_done(struct ccm_conn *conn, unsigned int msg);
int ccm_conn_post_read(struct ccm_conn *conn, u8 nr);

/* ccm_ctrl.c: control messages */
void ccm_conn_tx_done(struct ccm_conn *conn, unsigned int i);
void ccm_conn_rx_ordered(struct ccm_conn *conn, unsigned int i);
void ccm_conn_rx_last(struct ccm_conn *conn);

/* ccm_cm.c: the RDMA CM handler, the listener, the tie-break */
int ccm_cm_handler(struct rdma_cm_id *id, struct rdma_cm_event *ev);
int ccm_conn_param(struct ccm_conn *conn, struct rdma_conn_param *p,
		   struct ccm_wire_rep *priv, u8 type);
void ccm_conn_reject(struct ccm_conn *conn, u32 reason);
void ccm_conn_make_current(struct ccm_path *path, struct ccm_conn *conn);
bool ccm_conn_beaten(struct ccm_path *path, struct ccm_conn *conn);
bool ccm_conn_loses(struct ccm_path *path, struct ccm_conn *conn);
void ccm_rdma_listen_again(struct ccm_path *path);

/* ccm_connect.c: a connection set up */
void ccm_auth_failed(struct ccm_path *path, const char *what);
void ccm_conn_request(struct ccm_path *path, struct ccm_conn *conn);
void ccm_conn_accept(struct ccm_conn *conn);
void ccm_conn_connect(struct ccm_conn *conn);
void ccm_conn_established_active(struct ccm_conn *conn);
void ccm_conn_connect_failed(struct ccm_conn *conn);
void ccm_conn_recv(struct ccm_conn *conn);

#endif /* _CCM_CONN_H */
