// SPDX-License-Identifier: GPL-2.0
/*
 * ccm - a transport connection set up. Passive: the partner's request
 * checked, our QP moved to RTS and the sentinel registered, the accept
 * with our descriptor, the active side's proof of the key. Active: the
 * address and route resolved (from a reserved port with privileged_port),
 * the connect, the partner's REP and proof checked. Both: the partner's
 * descriptor makes the connection ready; connect failures. The link's
 * first read starts an active connection (ccm_rdma_read()).
 */
#include <linux/in6.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <net/ipv6.h>
#include <rdma/ib_verbs.h>
#include <rdma/rdma_cm.h>

#include "ccm_conn.h"
#include "ccm_fault.h"

#define CCM_MAX_UNPROVEN	4	/* auth_key: accepted, not yet proven */

/*
 * With privileged_port, connections are made from a port of NFS's
 * "resvport" range, tried from a random one on: connections being torn
 * down still hold theirs.
 */
#define CCM_RESVPORT_MIN	665
#define CCM_RESVPORT_MAX	1023
#define CCM_RESVPORT_TRIES	32

/* ---- addresses ---- */

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

/* ---- connection set-up (worker, peer->lock) ---- */

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

/**
 * ccm_auth_failed() - count and log a failed proof of the key
 * @path: the link
 * @what: what failed, for the log and last_error
 *
 * Context: process context, peer->lock held.
 */
void ccm_auth_failed(struct ccm_path *path, const char *what)
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

/**
 * ccm_conn_request() - take a connection request of the partner
 * @path: the link it came to
 * @conn: its passive connection, off path->incoming
 *
 * A request from the partner: validated, then our QP is set up and moved to
 * RTS and the sentinel registered on it; the accept waits for the
 * registration (ccm_conn_accept()).
 *
 * Context: process context, peer->lock held.
 */
void ccm_conn_request(struct ccm_path *path, struct ccm_conn *conn)
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

/**
 * ccm_conn_accept() - accept a request once its sentinel is registered
 * @conn: a passive connection
 *
 * The passive side's sentinel is registered: accept, descriptor in the REP.
 *
 * Context: process context, peer->lock held.
 */
void ccm_conn_accept(struct ccm_conn *conn)
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

/**
 * ccm_conn_connect() - connect once the route is resolved
 * @conn: an active connection
 *
 * Its verbs objects, the REQ, then the message buffers; a failure fails
 * @conn.
 *
 * Context: process context, peer->lock held.
 */
void ccm_conn_connect(struct ccm_conn *conn)
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

/**
 * ccm_conn_established_active() - our connect was accepted
 * @conn: an active connection
 *
 * Active side: the REP carries the partner's identity and its sentinel's
 * descriptor. Publish ours (REG_MR, then the descriptor SEND) and go: the
 * first READ follows them on the send queue.
 *
 * Context: process context, peer->lock held.
 */
void ccm_conn_established_active(struct ccm_conn *conn)
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

/**
 * ccm_conn_connect_failed() - the RDMA CM reported a connection error
 * @conn: the connection
 *
 * Established, the connection is lost; not yet, the attempt failed
 * (refused by the partner, or unreachable). Either way @conn is failed.
 *
 * Context: process context, peer->lock held.
 */
void ccm_conn_connect_failed(struct ccm_conn *conn)
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

/**
 * ccm_conn_recv() - the partner's descriptor arrived
 * @conn: a passive connection
 *
 * The active side's first SEND, with auth_key its proof: checked, the
 * connection is ready.
 *
 * Context: process context, peer->lock held.
 */
void ccm_conn_recv(struct ccm_conn *conn)
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
	if (!conn && nr == 1) {
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
