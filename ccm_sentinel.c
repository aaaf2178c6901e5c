// SPDX-License-Identifier: GPL-2.0
/*
 * ccm - the sentinel and the mailboxes over a transport connection: our
 * sentinel registered and described to the partner, the READs of the
 * partner's, the WRITEs into its mailbox, our own mailbox polled, and our
 * state published in the sentinel header.
 */
#include <linux/scatterlist.h>
#include <rdma/ib_verbs.h>

#include <trace/events/ccm.h>
#include "ccm_conn.h"

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

/**
 * ccm_conn_publish_sentinel() - register the sentinel and describe it
 * @conn: the connection, set up
 *
 * Register the sentinel on this connection's PD, as its two MRs, and
 * describe it in the send buffer. The active side SENDs the descriptor
 * right behind the two REG_MRs; the passive side puts it in its REP once
 * they completed.
 *
 * Context: process context, peer->lock held.
 * Return: 0 or a negative errno.
 */
int ccm_conn_publish_sentinel(struct ccm_conn *conn)
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

/**
 * ccm_conn_read_done() - a READ of the partner's sentinel completed
 * @conn: the current connection
 *
 * The sentinel must validate and, after the second read, hold our "state
 * 2" in its mailbox; the FSM hears how the read went.
 *
 * Context: process context, peer->lock held.
 */
void ccm_conn_read_done(struct ccm_conn *conn)
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

/**
 * ccm_conn_write_done() - a WRITE into the partner's mailbox completed
 * @conn: the current connection
 * @msg: the message written (enum ccm_mbox_msg)
 *
 * Context: process context, peer->lock held.
 */
void ccm_conn_write_done(struct ccm_conn *conn, unsigned int msg)
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

/**
 * ccm_conn_post_read() - post a READ of the partner's sentinel
 * @conn: a ready connection
 * @nr: the handshake's read: 1 (first) or 2 (second)
 *
 * Context: process context, peer->lock held.
 * Return: 0 when posted, -EBUSY while a read is in flight, else a
 * negative errno.
 */
int ccm_conn_post_read(struct ccm_conn *conn, u8 nr)
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
