// SPDX-License-Identifier: GPL-2.0
/*
 * ccm - control messages (the client exchange) over a link's current
 * transport connection: the send buffers and the queue behind them, the
 * receives handled in arrival order, the doorbell, the messages kept
 * until the link is up, and what the clients ask of the connection.
 */
#include <linux/overflow.h>
#include <linux/slab.h>
#include <rdma/ib_verbs.h>
#include <rdma/rdma_cm.h>

#include "ccm_conn.h"
#include "ccm_fault.h"

#define CCM_MAX_DEFERRED	16	/* messages before connected */

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

/**
 * ccm_conn_tx_done() - a control message was sent
 * @conn: the connection
 * @i: its send buffer, free again
 *
 * The messages queued behind go out; a failed send fails @conn.
 *
 * Context: process context, peer->lock held.
 */
void ccm_conn_tx_done(struct ccm_conn *conn, unsigned int i)
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

/*
 * A control message was lost, one to send or one received: the exchange
 * relies on every message arriving, so the connection fails, on the next
 * run of the worker (CCM_CEV_MSG_LOST): not from here, which may be inside
 * an FSM step or ccm_conn_rx_last(). Until then what else arrives on it
 * is dropped, so that nothing later is acted on without the lost one.
 */
static void ccm_conn_lose_msg(struct ccm_conn *conn)
{
	conn->msg_lost = true;
	ccm_conn_signal(conn, CCM_CEV_MSG_LOST);
}

/*
 * A control message that arrives before our FSM reached connected on its
 * link (the partner got there first and sent USE or its offers at once)
 * waits until it has: the partner layer acts on a link's messages only
 * once the link is up, as the SPIN model of the links requires
 * (Documentation/model.rst: a USE taken early was lost with a link that
 * never came up here, and the clients never connected). The receive
 * buffer goes back to the device at once: holding it could stall the
 * partner's doorbell write.
 */
static void ccm_conn_defer_msg(struct ccm_conn *conn, unsigned int i)
{
	struct ccm_path *path = conn->path;
	struct ccm_tx *m = NULL;

	if (conn->nr_deferred < CCM_MAX_DEFERRED)
		m = kvmalloc(struct_size(m, data, conn->rx_len[i]), GFP_KERNEL);
	if (!m) {
		ccm_path_error(path, "connection %u: %u control messages before connected",
			       conn->gen, conn->nr_deferred + 1);
		ccm_conn_lose_msg(conn);
		return;
	}
	m->len = conn->rx_len[i];
	memcpy(m->data, conn->rx[i].va, m->len);
	list_add_tail(&m->node, &conn->deferred);
	conn->nr_deferred++;
}

/* Hand a message to the clients; one they could not keep is lost. */
static void ccm_conn_deliver(struct ccm_conn *conn, const void *msg,
			     size_t len)
{
	struct ccm_path *path = conn->path;
	int ret;

	ret = ccm_clients_rx(path->peer, path, conn->gen, msg, len);
	if (!ret)
		return;
	ccm_path_error(path, "connection %u: a control message received could not be kept (%d)",
		       conn->gen, ret);
	ccm_conn_lose_msg(conn);
}

static void ccm_conn_rx_msg(struct ccm_conn *conn, unsigned int i)
{
	struct ccm_path *path = conn->path;

	ccm_chunkbuf_sync_for_cpu(&conn->rx[i], conn->cm_id->device,
				  conn->rx_len[i]);
	ccm_stat_inc(path, CCM_STAT_MSGS_RECEIVED);
	if (conn != path->cur)
		return;
	ccm_path_alive(path);
	if (conn->msg_lost)
		return;
	if (!path->up)
		ccm_conn_defer_msg(conn, i);
	else
		ccm_conn_deliver(conn, conn->rx[i].va, conn->rx_len[i]);
}

/**
 * ccm_rdma_rx_deferred() - hand on the messages that came before connected
 * @path: the link, just up
 *
 * From the FSM step that brought the link up: a message the clients could
 * not keep fails the connection through the worker (ccm_conn_lose_msg()),
 * and the rest wait with it.
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
	/* Delivered, the messages free no connection: @conn stays. */
	while (!conn->msg_lost && path->cur == conn && path->up &&
	       (m = list_first_entry_or_null(&conn->deferred, struct ccm_tx,
					     node))) {
		list_del(&m->node);
		conn->nr_deferred--;
		ccm_conn_deliver(conn, m->data, m->len);
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
	else
		ccm_conn_rx_msg(conn, i);
	/* ccm_clients_rx() does not free connections: @conn is still here. */
	if (ccm_conn_post_rx(conn, i)) {
		ccm_path_error(path, "control message receive: cannot repost");
		ccm_conn_fail(conn, CCM_EV_CONN_LOST);
		return false;
	}
	return true;
}

/**
 * ccm_conn_rx_ordered() - handle the completed receives in arrival order
 * @conn: the connection
 * @i: the receive buffer that completed
 *
 * Receive @i completed: handle every completed message in arrival order.
 *
 * Context: process context, peer->lock held.
 */
void ccm_conn_rx_ordered(struct ccm_conn *conn, unsigned int i)
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

/**
 * ccm_conn_rx_last() - handle what the partner sent before it disconnected
 * @conn: the connection
 *
 * The partner disconnected: its last messages (a GONE just before its
 * rmmod) may have completed but not been handled yet, or not even been
 * polled. Draining the receive queue records every receive that completed
 * (completions come in order); those that succeeded are then handled in
 * arrival order, up to the first one flushed. Nothing is reposted and
 * nothing is sent: the connection stops being ready first.
 *
 * Context: process context, peer->lock held.
 */
void ccm_conn_rx_last(struct ccm_conn *conn)
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
 * A message on @conn that could not be sent (@err): recorded, and the
 * connection fails on the next run of path->peer->work (deferred: the
 * callers hold the clients' lock).
 */
static void ccm_rdma_send_lost(struct ccm_path *path, struct ccm_conn *conn,
			       int err)
{
	ccm_path_error(path, "connection %u: a control message could not be sent (%d)",
		       conn->gen, err);
	ccm_conn_lose_msg(conn);
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
	if (ret)
		ccm_rdma_send_lost(path, conn, ret);
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
