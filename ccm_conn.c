// SPDX-License-Identifier: GPL-2.0
/*
 * ccm - one transport connection's life: its completion handlers (they
 * record and defer), its verbs objects and buffers, the heartbeat writing
 * on it, and its teardown off the ordered workqueue.
 */
#include <linux/gfp.h>
#include <linux/slab.h>
#include <rdma/ib_verbs.h>
#include <rdma/rdma_cm.h>

#include <trace/events/ccm.h>
#include "ccm_conn.h"
#include "ccm_fault.h"

/*
 * Send queue: two REG_MRs + descriptor SEND + one READ + three mailbox
 * WRITEs + the heartbeat's WRITE + the control messages; receive queue:
 * the descriptor + the messages.
 */
#define CCM_MAX_SEND_WR		(8 + CCM_NR_TX + 1)	/* +1 for ib_drain_sq() */
#define CCM_MAX_RECV_WR		(1 + CCM_NR_RX + 1)	/* +1 for ib_drain_rq() */
#define CCM_CQ_SIZE		(CCM_MAX_SEND_WR + CCM_MAX_RECV_WR)

/* Connections being freed, each on its own (see ccm_conn_destroy()). */
struct workqueue_struct *ccm_teardown_wq;

/**
 * ccm_conn_signal() - record a connection event for the worker
 * @conn: the connection
 * @bit: the event, a bit of conn->pending (CCM_CEV_*)
 *
 * What happened is written into @conn before the bit is set; the worker
 * (ccm_rdma_process()) reads it after it cleared the bit.
 *
 * Context: any: completion handlers (softirq), the RDMA CM handler,
 * timers, the worker.
 */
void ccm_conn_signal(struct ccm_conn *conn, unsigned int bit)
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

/* ---- a new connection: the RDMA CM handler or the worker ---- */

/**
 * ccm_conn_alloc() - allocate a connection of a link
 * @path: the link
 * @kind: a listener, an active or a passive connection
 *
 * Memory only, its completion entries and auth timer set up; the CM id
 * and the verbs objects come later.
 *
 * Context: process context.
 * Return: the connection, or NULL without memory.
 */
struct ccm_conn *ccm_conn_alloc(struct ccm_path *path,
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

/**
 * ccm_conn_post_rx() - post the receive of a control message
 * @conn: the connection
 * @i: the receive buffer
 *
 * A receive queue completes in the order its receives were posted, which
 * is the order the partner's messages were sent: rx_fifo keeps that order,
 * because the pending bits are handled lowest first.
 *
 * Context: process context, peer->lock held.
 * Return: 0 or a negative errno.
 */
int ccm_conn_post_rx(struct ccm_conn *conn, unsigned int i)
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

/**
 * ccm_conn_alloc_msg_bufs() - allocate the control message buffers
 * @conn: the connection, set up (ccm_conn_setup())
 *
 * Message buffers, and the receives: posted after the descriptor's.
 *
 * Context: process context, peer->lock held.
 * Return: 0 or a negative errno.
 */
int ccm_conn_alloc_msg_bufs(struct ccm_conn *conn)
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

/**
 * ccm_conn_destroy() - detach a connection from its link and free it
 * @conn: the connection; not to be touched afterwards
 *
 * A listener (no QP) is freed at once; any other connection on
 * ccm_teardown_wq, outside peer->lock and off the ordered ccm_wq:
 * destroying a QP blocks for seconds in the driver when its port is down
 * (rxe waits for the partner's neighbour entry), and the other links'
 * heartbeats must go on meanwhile. Its handlers may still run until then;
 * they only set bits in ->pending, which nothing reads once it is off the
 * link's lists. ccm_rdma_flush() waits for every teardown queued.
 *
 * Context: process context, peer->lock held.
 */
void ccm_conn_destroy(struct ccm_conn *conn)
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

/**
 * ccm_conn_fail() - give up a connection that cannot go on
 * @conn: the connection
 * @ev: the FSM event of its loss
 *
 * The connection cannot go on. If the FSM is using it, tell the FSM first
 * (with the connection's own generation), then free it unless the FSM's
 * own release already did. The connection must not be touched afterwards.
 *
 * Context: process context, peer->lock held.
 */
void ccm_conn_fail(struct ccm_conn *conn, enum ccm_event ev)
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

/**
 * ccm_conn_modify_qp() - move the passive side's QP to a state
 * @conn: a passive connection
 * @state: the state
 *
 * Passive side: move our own QP to @state with the attributes the CM
 * derives from the partner's request, plus what rdma_accept() would have
 * set from the connection parameters.
 *
 * Context: process context, peer->lock held.
 * Return: 0 or a negative errno.
 */
int ccm_conn_modify_qp(struct ccm_conn *conn, enum ib_qp_state state)
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

/**
 * ccm_conn_setup() - create a connection's verbs objects
 * @conn: an active or passive connection, with its CM id
 *
 * PD, CQ, QP, MR and the sentinel's mappings. The active side's QP is the
 * RDMA CM's (it moves it at the REP); the passive side's is ours, in INIT
 * here, and only the passive side receives a descriptor, posted here. The
 * message buffers come after the REQ or REP is on its way
 * (ccm_conn_alloc_msg_bufs()).
 *
 * Context: process context, peer->lock held.
 * Return: 0 or a negative errno.
 */
int ccm_conn_setup(struct ccm_conn *conn)
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

/**
 * ccm_conn_set_timers() - set the ACK timeout and the RNR timer
 * @conn: the connection
 *
 * Before the QP leaves INIT: the ACK timeout (with retry_count, how soon a
 * dead link fails a request) and the RNR timer our responder asks for.
 * The CM's default RNR timer is 0, which encodes 655 ms: a SEND that finds
 * no receive posted (here, or on a client QP, whose attributes derive from
 * this connection) would wait that long before its retry.
 *
 * Context: process context, peer->lock held.
 * Return: 0 or a negative errno.
 */
int ccm_conn_set_timers(struct ccm_conn *conn)
{
	return rdma_set_ack_timeout(conn->cm_id, conn->path->cfg->ack_timeout) ?:
	       rdma_set_min_rnr_timer(conn->cm_id, IB_RNR_TIMER_000_64);
}

/* ---- the heartbeat on the current connection ---- */

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
