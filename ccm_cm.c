// SPDX-License-Identifier: GPL-2.0
/*
 * ccm - the RDMA CM side of the transport: the CM event handler, the
 * listener, the private data of REQ, REP and REJ, and the tie-break that
 * decides which of the partner's and our connections is the link's
 * current one.
 */
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <net/ipv6.h>
#include <rdma/ib_cm.h>
#include <rdma/rdma_cm.h>

#include <ccm/ccm.h>
#include "ccm_conn.h"

#define CCM_LISTEN_BACKLOG	8

/* ---- RDMA CM handler: process context, never takes peer->lock ---- */

static void ccm_conn_save_priv(struct ccm_conn *conn, const void *data, u8 len)
{
	conn->priv_len = data ? min_t(u8, len, CCM_PRIV_MAX) : 0;
	if (conn->priv_len)
		memcpy(conn->priv, data, conn->priv_len);
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

/**
 * ccm_cm_handler() - the RDMA CM event handler of every connection
 * @id: the CM id; its context is its connection (for a connection
 *	request, the listener)
 * @ev: the event
 *
 * Records the event in the connection and queues the worker; a connection
 * request becomes a passive connection on its link's incoming list.
 *
 * Context: process context (the RDMA CM's); never takes peer->lock.
 * Return: 0, or a negative errno when a request cannot be taken: the RDMA
 * CM then destroys @id.
 */
int ccm_cm_handler(struct rdma_cm_id *id, struct rdma_cm_event *ev)
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

/* ---- CM private data and the tie-break (worker, peer->lock) ---- */

/**
 * ccm_conn_param() - the connection parameters of our REQ or REP
 * @conn: the connection
 * @p: the parameters, filled in
 * @priv: the private data @p points to, filled in
 * @type: CCM_CM_REQ or CCM_CM_REP
 *
 * REQ: our identity and generations, with auth_key our nonce (kept as
 * conn->auth_req). REP: the same, and the descriptor of the sentinel
 * registered before the accept (ccm_conn_publish_sentinel()), with
 * auth_key our nonce and our proof.
 *
 * Context: process context, peer->lock held.
 * Return: 0 or a negative errno (our proof could not be made).
 */
int ccm_conn_param(struct ccm_conn *conn, struct rdma_conn_param *p,
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
	p->responder_resources = CCM_RD_ATOMIC;	/* the partner's READs */
	p->initiator_depth = CCM_RD_ATOMIC;	/* ours */
	p->retry_count = path->cfg->retry_count;
	p->rnr_retry_count = 7;
	return 0;
}

/**
 * ccm_conn_reject() - refuse a connection request and free the connection
 * @conn: a passive connection, not accepted
 * @reason: enum ccm_rej_reason, for the partner
 *
 * Context: process context, peer->lock held.
 */
void ccm_conn_reject(struct ccm_conn *conn, u32 reason)
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

/**
 * ccm_conn_make_current() - make a connection the FSM's
 * @path: the link
 * @conn: the connection
 *
 * Make @conn the FSM's connection; the one it replaces is released.
 *
 * Context: process context, peer->lock held.
 */
void ccm_conn_make_current(struct ccm_path *path, struct ccm_conn *conn)
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

/**
 * ccm_conn_beaten() - does a connection lose the tie-break?
 * @path: the link
 * @conn: a passive connection
 *
 * Does @conn lose the tie-break against the current connection? Counted.
 *
 * Context: process context, peer->lock held.
 * Return: true when it loses; @conn is left as it is.
 */
bool ccm_conn_beaten(struct ccm_path *path, struct ccm_conn *conn)
{
	if (!path->cur || ccm_conn_supersedes(conn, path->cur))
		return false;
	ccm_stat_inc(path, CCM_STAT_REJECTS_TIEBREAK);
	pr_debug("ccm: refused generation %u, keeping %u\n", conn->gen,
		 path->cur->gen);
	return true;
}

/**
 * ccm_conn_loses() - refuse a request that lost the tie-break
 * @path: the link
 * @conn: a passive connection, not accepted
 *
 * A request that lost the tie-break against the current connection.
 *
 * Context: process context, peer->lock held.
 * Return: true when it lost: it is rejected and freed.
 */
bool ccm_conn_loses(struct ccm_path *path, struct ccm_conn *conn)
{
	if (!ccm_conn_beaten(path, conn))
		return false;
	ccm_conn_reject(conn, CCM_REJ_TIEBREAK);
	return true;
}

/* ---- the listener ---- */

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
 * ccm_rdma_listen_again() - listen again when the link has no listener
 * @path: the link
 *
 * The listener is missing (never made, or lost): try again.
 *
 * Context: process context, peer->lock held.
 */
void ccm_rdma_listen_again(struct ccm_path *path)
{
	int ret;

	/* Without local addresses link 0's wildcard listener serves all. */
	if (path->listener || (path->idx && !path->local_addr->ss_family))
		return;
	ret = ccm_rdma_listen(path);
	if (ret)
		ccm_path_note(path, "listen: %d", ret);
}
