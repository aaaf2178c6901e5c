// SPDX-License-Identifier: GPL-2.0
/*
 * ccm - the transport's worker side: the connection events the handlers
 * recorded (conn->pending) and the requests they queued, handled one at a
 * time under peer->lock, each by the file of its concern (ccm_conn.h).
 */
#include <linux/bitops.h>
#include <linux/spinlock.h>
#include <rdma/ib_verbs.h>

#include <trace/events/ccm.h>
#include "ccm_conn.h"

/* Connection events handled per run of the worker before it yields. */
#define CCM_PROCESS_BUDGET	64

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
		/* last_error keeps what was lost, and why */
		pr_info("ccm: %pISc: connection %u: a control message was lost, reconnecting\n",
			path->peer_addr, conn->gen);
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
