// SPDX-License-Identifier: GPL-2.0
/*
 * ccm - client modules: the registry, the exchange with the partner's
 * clients, and the callbacks.
 *
 * Life of a client on one control connection (generation):
 *   registered            -> pending
 *   connected FSM         -> link created (PD, CQs, QPs in INIT, memory)
 *                            and offered: OFFER (name, QPNs, PSNs, memory)
 *   offers paired         -> exchanging: QPs moved to RTS with the
 *                            partner's QPNs/PSNs, memory registered
 *   registration done     -> READY sent
 *   partner's READY seen  -> connected: ->connected() queued
 *   loss / GONE / unreg.  -> ->quiesce(), link drained, ->disconnected(),
 *                            destroyed
 * All clients that become ready together are offered in one message, and
 * offers go out before any QP is moved, so that the follower's answer
 * reaches the leader while the follower moves its own QPs.
 *
 * Pairing: the side that made the control connection leads. The leader
 * offers every link once and pairs it only with a follower offer that
 * answers it (names its incarnation). The follower answers the leader's
 * newest offer that none of its earlier links took, by offering again with
 * the answer; until then it offers with no answer, so that the leader
 * learns of a new follower link. A link is replaced only when the partner
 * replaced the one it was paired with, and no offer is paired twice, so
 * re-registrations on both sides at once converge instead of ping-ponging
 * (each side replacing its link for the other's newer offer).
 *
 * Locking: ccm_clients_lock protects the registry and every client's
 * state and link pointer. The exchange runs in peer->work under peer->lock
 * (taken first). Client callbacks and link teardown run on ccm_cb_wq
 * (ordered: a client's ->connected() always runs before its
 * ->disconnected()) without any ccm lock; a link handed to it is no
 * longer reachable from the registry.
 */
#include <linux/completion.h>
#include <linux/export.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include <ccm/ccm.h>
#include <trace/events/ccm.h>
#include "ccm_fault.h"
#include "ccm_internal.h"
#include "ccm_link.h"

enum ccm_client_st {
	CCM_CL_PENDING,		/* waiting for the partner's client */
	CCM_CL_EXCHANGING,	/* both offers known, QPs being connected */
	CCM_CL_CONNECTED,
	CCM_CL_FAILED,		/* until the next connection */
};

static const char * const ccm_client_st_names[] = {
	[CCM_CL_PENDING]	= "pending",
	[CCM_CL_EXCHANGING]	= "exchanging",
	[CCM_CL_CONNECTED]	= "connected",
	[CCM_CL_FAILED]		= "failed",
};

struct ccm_client_state {
	struct ccm_client *client;
	struct list_head node;		/* in ccm_clients */
	struct kobject kobj;		/* clients/<name>, frees this */
	struct completion gone;		/* unregistration may finish */
	/* Under ccm_clients_lock. */
	enum ccm_client_st st;
	bool unregistering;
	struct ccm_link *link;		/* on the current connection */
	unsigned int links;		/* links not yet destroyed */
	u64 connects;
	u64 disconnects;
	u64 async_errors;		/* on its QPs and CQs */
	u16 refused_qps;		/* the partner's QP count that failed */
	char last_error[CCM_LAST_ERROR_LEN];
};

/* The partner's offer for one name on the current connection. */
struct ccm_remote {
	struct list_head node;
	char name[CCM_NAME_MAX];
	u32 incarnation;
	u16 nr_qps;
	u8 rd_atomic;		/* READs each of its QPs takes */
	u64 mem_addr;
	u32 mem_rkey;
	u32 mem_len;
	u32 answers;		/* our incarnation it pairs with; 0: none */
	bool ready;
	bool used;		/* follower: a link of ours took it */
	struct ccm_wire_qp qps[];
};

static DEFINE_MUTEX(ccm_clients_lock);	/* protects the registry */
static LIST_HEAD(ccm_clients);
static unsigned int ccm_nr_clients;
static u32 ccm_incarnation;		/* under ccm_clients_lock */
/* The partner's offers, for the current connection; under peer->lock. */
static LIST_HEAD(ccm_remotes);
static unsigned int ccm_nr_remotes;	/* at most CCM_MAX_CLIENTS */
static u32 ccm_remotes_gen;
static struct workqueue_struct *ccm_cb_wq;
static struct kobject *ccm_clients_kobj;

static const char * const ccm_reason_names[] = {
	[CCM_DISC_PARTNER_LOST]		= "partner lost",
	[CCM_DISC_PARTNER_REBOOTED]	= "partner rebooted",
	[CCM_DISC_PARTNER_UNREGISTERED]	= "unregistered by partner",
	[CCM_DISC_DEVICE_GONE]		= "local device gone",
	[CCM_DISC_UNREGISTERED]		= "unregistered",
	[CCM_DISC_FAILED]		= "failed",
	[CCM_DISC_LINK_DOWN]		= "interconnect link down",
	[CCM_DISC_QP_ERROR]		= "QP error",
};

/**
 * ccm_disconnect_reason_str() - describe why a client was disconnected
 * @reason: the reason passed to ->disconnected()
 *
 * Context: any.
 * Return: a static string.
 */
const char *ccm_disconnect_reason_str(enum ccm_disconnect_reason reason)
{
	if ((unsigned int)reason < ARRAY_SIZE(ccm_reason_names) &&
	    ccm_reason_names[reason])
		return ccm_reason_names[reason];
	return "unknown";
}
EXPORT_SYMBOL_GPL(ccm_disconnect_reason_str);

static struct ccm_peer *ccm_clients_peer(void)
{
	struct ccm_peer *peer;

	mutex_lock(&ccm_peers_lock);
	peer = list_first_entry_or_null(&ccm_peers, struct ccm_peer, node);
	if (peer)
		queue_work(ccm_wq, &peer->work);
	mutex_unlock(&ccm_peers_lock);
	return peer;
}

static void ccm_client_error(struct ccm_client_state *cs, const char *fmt,
			     ...) __printf(2, 3);
static void ccm_client_error(struct ccm_client_state *cs, const char *fmt, ...)
{
	va_list args;

	lockdep_assert_held(&ccm_clients_lock);
	va_start(args, fmt);
	vsnprintf(cs->last_error, sizeof(cs->last_error), fmt, args);
	va_end(args);
	pr_warn_ratelimited("ccm: client %s: %s\n", cs->client->name,
			    cs->last_error);
}

/*
 * Every change of a client's state: a tracepoint and a KOBJ_CHANGE uevent
 * with CCM_CLIENT and CCM_CLIENT_STATE.
 */
static void ccm_client_set_state(struct ccm_client_state *cs,
				 enum ccm_client_st st)
{
	char name[16 + CCM_NAME_MAX], state[48];
	char *envp[3];

	lockdep_assert_held(&ccm_clients_lock);
	envp[0] = name;
	envp[1] = state;
	envp[2] = NULL;
	if (cs->st == st)
		return;
	cs->st = st;
	trace_ccm_client_event(cs->client->name, "state",
			       ccm_client_st_names[st]);
	snprintf(name, sizeof(name), "CCM_CLIENT=%s", cs->client->name);
	snprintf(state, sizeof(state), "CCM_CLIENT_STATE=%s",
		 ccm_client_st_names[st]);
	ccm_sysfs_uevent(envp);
}

/* ---- callbacks and teardown: ccm_cb_wq, no ccm lock held ---- */

static void ccm_link_connected_work(struct work_struct *work)
{
	struct ccm_link *link = container_of(work, struct ccm_link, cwork);
	struct ccm_client *c = link->cs->client;

	c->connected(c, &link->pub);
}

/*
 * The verbs objects of a link the client is done with, off ccm_cb_wq: a
 * QP destroy can block for seconds when its port is down, and the other
 * clients' callbacks (a ->connected() on another link) must not wait.
 */
static void ccm_link_destroy_work(struct work_struct *work)
{
	struct ccm_link *link = container_of(work, struct ccm_link, dwork);
	struct ccm_client_state *cs = link->cs;

	ccm_link_destroy(link);
	mutex_lock(&ccm_clients_lock);
	/*
	 * Only once pass 1 has taken it off ccm_clients: a link released
	 * otherwise (partner lost, device gone) may be torn down before the
	 * sync that handles the unregistration has run.
	 */
	if (!--cs->links && cs->unregistering && list_empty(&cs->node))
		complete(&cs->gone);
	mutex_unlock(&ccm_clients_lock);
	kfree(link);
}

static void ccm_link_teardown_work(struct work_struct *work)
{
	struct ccm_link *link = container_of(work, struct ccm_link, twork);
	struct ccm_client *c = link->cs->client;

	/* ib_drain_qp(): nobody may post while it runs */
	if (link->announced && c->quiesce)
		c->quiesce(c, link->reason);
	ccm_link_drain(link);
	if (link->announced)
		c->disconnected(c, link->reason);
	ccm_rdma_defer(&link->dwork);
}

/*
 * Detach the client's link and hand it to ccm_cb_wq for teardown. The
 * link's ->connected() work, if queued, runs first: the workqueue is
 * ordered.
 */
static void ccm_link_release(struct ccm_client_state *cs,
			     enum ccm_disconnect_reason reason)
{
	struct ccm_link *link = cs->link;

	lockdep_assert_held(&ccm_clients_lock);
	if (!link)
		return;
	cs->link = NULL;
	link->reason = reason;
	trace_ccm_client_event(cs->client->name, "link_down",
			       ccm_disconnect_reason_str(reason));
	if (link->announced) {
		cs->disconnects++;
		pr_info("ccm: client %s disconnected: %s\n", cs->client->name,
			ccm_disconnect_reason_str(reason));
	}
	queue_work(ccm_cb_wq, &link->twork);
	if (cs->st != CCM_CL_FAILED)
		ccm_client_set_state(cs, CCM_CL_PENDING);
}

/* ---- the exchange: peer->work, peer->lock held ---- */

static struct ccm_remote *ccm_remote_find(const char *name)
{
	struct ccm_remote *r;

	list_for_each_entry(r, &ccm_remotes, node)
		if (!strncmp(r->name, name, CCM_NAME_MAX))
			return r;
	return NULL;
}

static void ccm_remotes_clear(void)
{
	struct ccm_remote *r, *tmp;

	list_for_each_entry_safe(r, tmp, &ccm_remotes, node) {
		list_del(&r->node);
		kfree(r);
	}
	ccm_nr_remotes = 0;
}

static void ccm_remote_del(struct ccm_remote *r)
{
	list_del(&r->node);
	kfree(r);
	ccm_nr_remotes--;
}

static struct ccm_client_state *ccm_client_find(const char *name)
{
	struct ccm_client_state *cs;

	lockdep_assert_held(&ccm_clients_lock);
	list_for_each_entry(cs, &ccm_clients, node)
		if (!strncmp(cs->client->name, name, CCM_NAME_MAX))
			return cs;
	return NULL;
}

/* A message being built; sent when full and at the end. */
struct ccm_msgbuf {
	struct ccm_peer *peer;
	u8 type;
	void *buf;
	bool used;
};

static void ccm_msgbuf_flush(struct ccm_msgbuf *mb)
{
	struct ccm_peer *peer = mb->peer;
	size_t len;
	int ret;

	if (!mb->used)
		return;
	len = ccm_wire_msg_finish(mb->buf);
	ret = ccm_peer_send_msg(peer, mb->buf, len);
	if (ret)
		ccm_peer_error(peer, "cannot send a control message (%d)", ret);
	mb->used = false;
}

/* Start a message in the partner's buffer for this type. */
static int ccm_msgbuf_start(struct ccm_msgbuf *mb)
{
	mb->used = true;
	return ccm_wire_msg_init(mb->buf, CCM_MSG_MAX, mb->type,
				 ccm_peer_ctrl_gen(mb->peer));
}

/* Add an OFFER entry, sending the message first when it is full. */
static int ccm_msgbuf_add_offer(struct ccm_msgbuf *mb,
				const struct ccm_offer_info *o, const u32 *qpn,
				const u32 *psn)
{
	if (!mb->used && ccm_msgbuf_start(mb))
		return -ENOSPC;
	if (!ccm_wire_msg_add_offer(mb->buf, CCM_MSG_MAX, o, qpn, psn))
		return 0;
	ccm_msgbuf_flush(mb);
	return ccm_msgbuf_start(mb) ?:
	       ccm_wire_msg_add_offer(mb->buf, CCM_MSG_MAX, o, qpn, psn);
}

static void ccm_msgbuf_offer(struct ccm_msgbuf *mb, struct ccm_link *link)
{
	struct ccm_offer_info o = {};

	strscpy(o.name, link->cs->client->name, sizeof(o.name));
	o.incarnation = link->incarnation;
	o.answers = link->answers;
	o.nr_qps = link->pub.nr_qps;
	o.rd_atomic = link->rd_atomic;
	if (link->mr) {
		o.mem_addr = link->mr->iova;
		o.mem_rkey = link->mr->rkey;
		o.mem_len = link->pub.mem_size;
	}
	if (ccm_msgbuf_add_offer(mb, &o, link->qpn, link->psn))
		return;		/* not offered: the next sync tries again */
	link->offered = true;
}

/* Add a READY or GONE entry; false when it could not be queued. */
static bool ccm_msgbuf_name(struct ccm_msgbuf *mb, const char *name,
			    u32 incarnation, u32 reason)
{
	struct ccm_name_info n = { .incarnation = incarnation,
				   .reason = reason };

	strscpy(n.name, name, sizeof(n.name));
	if (!mb->used && ccm_msgbuf_start(mb))
		return false;
	if (ccm_wire_msg_add_name(mb->buf, CCM_MSG_MAX, &n)) {
		ccm_msgbuf_flush(mb);
		if (ccm_msgbuf_start(mb) ||
		    ccm_wire_msg_add_name(mb->buf, CCM_MSG_MAX, &n))
			return false;
	}
	return true;
}

static struct ccm_link *ccm_link_new(struct ccm_peer *peer,
				     struct ccm_client_state *cs)
{
	struct ccm_link *link;

	link = CCM_FAULT(kzalloc(sizeof(*link), GFP_KERNEL), NULL);
	if (!link)
		return NULL;
	link->cs = cs;
	link->gen = ccm_peer_ctrl_gen(peer);
	link->incarnation = ++ccm_incarnation ?: ++ccm_incarnation;
	link->peer = peer;
	INIT_WORK(&link->cwork, ccm_link_connected_work);
	INIT_WORK(&link->twork, ccm_link_teardown_work);
	INIT_WORK(&link->dwork, ccm_link_destroy_work);
	link->pub.peer_node_id = peer->peer_node_id;
	link->pub.peer_epoch = peer->peer_epoch;
	link->pub.local_epoch = peer->epoch;
	cs->links++;
	return link;
}

/*
 * Create what @budget allows of the client's link; true once all of it
 * exists. While QPs remain the sync runs again (ccm_clients_sync()),
 * after whatever else the worker has queued, the heartbeat check among
 * it. On failure the client has failed.
 */
static bool ccm_client_build(struct ccm_peer *peer,
			     struct ccm_client_state *cs,
			     struct ccm_link_budget *budget)
{
	int ret;

	if (ccm_link_budget_spent(budget))
		return false;
	ret = ccm_link_create(cs->link, ccm_peer_ctrl_id(peer), cs->client,
			      budget);
	if (ret > 0)
		return false;
	if (ret) {
		ccm_client_error(cs, "cannot create its QPs (%d)", ret);
		ccm_client_set_state(cs, CCM_CL_FAILED);
		ccm_link_release(cs, CCM_DISC_FAILED);
		return false;
	}
	trace_ccm_client_event(cs->client->name, "link", "created");
	return true;
}

/*
 * Both offers are known: check they fit, and take the partner's for the
 * link about to be connected. False when they do not (the link is
 * released).
 */
static bool ccm_client_pair(struct ccm_client_state *cs, struct ccm_remote *r,
			    struct ccm_msgbuf *gone)
{
	struct ccm_link *link = cs->link;

	if (r->nr_qps != link->pub.nr_qps) {
		ccm_client_error(cs, "partner's client has %u QPs, this one %u",
				 r->nr_qps, link->pub.nr_qps);
		ccm_client_set_state(cs, CCM_CL_FAILED);
		cs->refused_qps = r->nr_qps;
		ccm_msgbuf_name(gone, cs->client->name, link->incarnation,
				CCM_GONE_MISMATCH);
		ccm_link_release(cs, CCM_DISC_FAILED);
		return false;
	}
	link->remote_incarnation = r->incarnation;
	link->pub.remote_addr = r->mem_addr;
	link->pub.remote_rkey = r->mem_rkey;
	link->pub.remote_size = r->mem_len;
	ccm_client_set_state(cs, CCM_CL_EXCHANGING);
	link->rts = true;
	return true;
}

/*
 * Connect the QPs of a paired link, as many as @budget allows on this
 * pass (pairing first, on the first pass). Return: 0 when every QP is
 * RTS, 1 when QPs are left (@budget ran out), -1 when the link failed or
 * waits for the partner's GONE.
 */
static int ccm_client_connect(struct ccm_peer *peer,
			      struct ccm_client_state *cs,
			      struct ccm_remote *r, struct ccm_msgbuf *gone,
			      struct ccm_link_budget *budget)
{
	struct ccm_link *link = cs->link;
	int ret;

	if (!link->rts && !ccm_client_pair(cs, r, gone))
		return -1;
	/* Until its GONE: the partner replaced the offer being connected. */
	if (r->incarnation != link->remote_incarnation)
		return -1;
	ret = ccm_link_connect(link, ccm_peer_ctrl_id(peer), r->qps,
			       r->rd_atomic, peer->cfg->client_ack_timeout,
			       budget);
	if (ret > 0)
		return 1;
	if (ret) {
		ccm_client_error(cs, "cannot connect its QPs (%d)", ret);
		ccm_client_set_state(cs, CCM_CL_FAILED);
		ccm_msgbuf_name(gone, cs->client->name, link->incarnation,
				CCM_GONE_FAILED);
		ccm_link_release(cs, CCM_DISC_FAILED);
		return -1;
	}
	link->rts_done = true;
	trace_ccm_client_event(cs->client->name, "qps", "rts");
	return 0;
}

/*
 * Pass 1 of a sync: drop unregistered clients, create missing links, take
 * the leader's offers (follower) and queue every offer not yet made. The
 * offers go out in one batch, once every link exists.
 * Return: true if a link is left to create (@budget ran out).
 */
static bool ccm_clients_offer(struct ccm_peer *peer, bool up, bool lead,
			      struct ccm_msgbuf *offer, struct ccm_msgbuf *gone,
			      struct ccm_link_budget *budget)
{
	struct ccm_client_state *cs, *tmp;
	struct ccm_remote *r;
	struct ccm_link *link;
	bool building = false;

	lockdep_assert_held(&ccm_clients_lock);
	list_for_each_entry_safe(cs, tmp, &ccm_clients, node) {
		const char *name = cs->client->name;

		if (cs->unregistering) {
			if (cs->link && cs->link->offered && up)
				ccm_msgbuf_name(gone, name,
						cs->link->incarnation,
						CCM_GONE_UNREGISTERED);
			ccm_link_release(cs, CCM_DISC_UNREGISTERED);
			list_del_init(&cs->node);
			ccm_nr_clients--;
			if (!cs->links)
				complete(&cs->gone);
			continue;
		}
		if (!up || cs->st == CCM_CL_FAILED)
			continue;
		if (!cs->link) {
			cs->link = ccm_link_new(peer, cs);
			if (!cs->link) {
				ccm_client_error(cs, "no memory for its link (%d)",
						 -ENOMEM);
				ccm_client_set_state(cs, CCM_CL_FAILED);
				continue;
			}
		}
		if (!cs->link->created && !ccm_client_build(peer, cs, budget))
			building |= !!cs->link;
	}
	if (!up || building)
		return building;
	list_for_each_entry(cs, &ccm_clients, node) {
		const char *name = cs->client->name;

		link = cs->link;
		if (!link || cs->st == CCM_CL_FAILED)
			continue;
		r = ccm_remote_find(name);
		if (!lead && r && !r->used && !link->rts) {
			/* Take the leader's offer; offer again, answering it. */
			r->used = true;
			link->answers = r->incarnation;
			link->offered = false;
		}
		if (!link->offered) {
			ccm_msgbuf_offer(offer, link);
			if (link->offered)
				trace_ccm_client_event(name, "offer",
						       link->answers ?
						       "answer queued" : "queued");
		}
	}
	return false;
}

/*
 * Pass 2 of a sync: connect the QPs of every paired link (what @budget
 * allows), send READY once all of them are RTS and its memory is
 * registered, and announce it once the partner's READY came.
 * Return: true if QPs are left to connect (@budget ran out).
 */
static bool ccm_clients_connect(struct ccm_peer *peer, bool lead,
				struct ccm_msgbuf *ready,
				struct ccm_msgbuf *gone,
				struct ccm_link_budget *budget)
{
	struct ccm_client_state *cs;
	struct ccm_remote *r;
	struct ccm_link *link;
	bool more = false;
	int ret;

	lockdep_assert_held(&ccm_clients_lock);
	list_for_each_entry(cs, &ccm_clients, node) {
		const char *name = cs->client->name;

		link = cs->link;
		if (!link || !link->created || cs->st == CCM_CL_FAILED)
			continue;
		r = ccm_remote_find(name);
		if (!r || (lead ? r->answers != link->incarnation :
				  link->answers != r->incarnation))
			continue;
		if (!link->rts_done) {
			if (ccm_link_budget_spent(budget)) {
				more = true;
				continue;
			}
			ret = ccm_client_connect(peer, cs, r, gone, budget);
			if (ret) {
				more |= ret > 0;
				continue;
			}
		}
		if (!link->ready_sent &&
		    test_and_clear_bit(CCM_LINK_REG_DONE, &link->flags)) {
			/* Pairs with the completion handler's barrier. */
			smp_mb__after_atomic();
			if (link->reg_status != IB_WC_SUCCESS) {
				ccm_client_error(cs, "memory registration: %s",
						 ib_wc_status_msg(link->reg_status));
				ccm_client_set_state(cs, CCM_CL_FAILED);
				ccm_msgbuf_name(gone, name, link->incarnation,
						CCM_GONE_FAILED);
				ccm_link_release(cs, CCM_DISC_FAILED);
				continue;
			}
			/* Not queued: try again on the next sync. */
			if (!ccm_msgbuf_name(ready, name, link->incarnation,
					     0)) {
				set_bit(CCM_LINK_REG_DONE, &link->flags);
				continue;
			}
			link->ready_sent = true;
			trace_ccm_client_event(name, "ready", "sent");
		}
		if (link->ready_sent && r->ready && !link->announced &&
		    r->incarnation == link->remote_incarnation) {
			link->announced = true;
			ccm_client_set_state(cs, CCM_CL_CONNECTED);
			cs->connects++;
			queue_work(ccm_cb_wq, &link->cwork);
			pr_info("ccm: client %s connected (%u QPs)\n", name,
				link->pub.nr_qps);
		}
	}
	return more;
}

/*
 * Links with an async error on a QP or CQ (ccm_link.c): the client is told
 * CCM_DISC_QP_ERROR and stays registered, so the offers that follow set up
 * a new link; the partner hears GONE first, so that it tells its client
 * the same, not "unregistered by partner" when the new offer replaces the
 * link it paired. Return: true when a GONE was queued.
 */
static bool ccm_clients_async_errors(struct ccm_msgbuf *gone, bool up)
{
	struct ccm_client_state *cs;
	struct ccm_link *link;
	bool queued = false;

	lockdep_assert_held(&ccm_clients_lock);
	list_for_each_entry(cs, &ccm_clients, node) {
		link = cs->link;
		if (!link || !test_and_clear_bit(CCM_LINK_ASYNC_ERROR,
						 &link->flags))
			continue;
		/* Pairs with ccm_link_async_error()'s barrier. */
		smp_mb__after_atomic();
		cs->async_errors++;
		ccm_client_error(cs, "async error on its QPs: %s; setting them up again",
				 ib_event_msg(READ_ONCE(link->async_event)));
		if (up && link->offered)
			queued |= ccm_msgbuf_name(gone, cs->client->name,
						  link->incarnation,
						  CCM_GONE_QP_ERROR);
		ccm_link_release(cs, CCM_DISC_QP_ERROR);
	}
	return queued;
}

/*
 * Bring every client as far as it can go on the current connection. Runs
 * after every change: connection up or down, a message, a registration,
 * a completed memory registration. Idempotent.
 *
 * The offers go out before any QP is connected, so that the partner,
 * answering, moves its QPs to RTS while this side moves its own.
 */
static void ccm_clients_sync(struct ccm_peer *peer)
{
	struct ccm_msgbuf offer = { .peer = peer, .type = CCM_MSG_OFFER,
				    .buf = peer->msgbuf[0] };
	struct ccm_msgbuf ready = { .peer = peer, .type = CCM_MSG_READY,
				    .buf = peer->msgbuf[1] };
	struct ccm_msgbuf gone = { .peer = peer, .type = CCM_MSG_GONE,
				   .buf = peer->msgbuf[2] };
	bool up = ccm_peer_ctrl_up(peer);
	bool lead = ccm_peer_ctrl_leads(peer);
	struct ccm_link_budget budget;
	bool more;

	lockdep_assert_held(&peer->lock);

	ccm_link_budget_start(&budget);
	mutex_lock(&ccm_clients_lock);
	/* Before the new link's offer: see ccm_clients_async_errors(). */
	if (ccm_clients_async_errors(&gone, up))
		ccm_msgbuf_flush(&gone);
	more = ccm_clients_offer(peer, up, lead, &offer, &gone, &budget);
	/* On the wire (see ccm_post_send()) before any QP is moved. */
	ccm_msgbuf_flush(&offer);
	if (up)
		more |= ccm_clients_connect(peer, lead, &ready, &gone,
					    &budget);
	mutex_unlock(&ccm_clients_lock);
	/* After the offers, flushed above: a READY never overtakes its OFFER. */
	ccm_msgbuf_flush(&ready);
	ccm_msgbuf_flush(&gone);
	/* QPs are left to create or connect: see CCM_LINK_BUDGET_MS. */
	if (more)
		queue_work(ccm_wq, &peer->work);
}

/*
 * Return: 0, or -ENOMEM when an offer could not be kept; those before it
 * in the message were, the rest were not looked at.
 */
static int ccm_clients_rx_offer(struct ccm_peer *peer, const void *msg,
				const struct ccm_msg_info *mi)
{
	size_t off = sizeof(struct ccm_wire_msg);
	struct ccm_client_state *cs;
	struct ccm_offer_info o;
	struct ccm_remote *r, *old;
	unsigned int i;

	for (i = 0; i < mi->count; i++) {
		ccm_wire_msg_offer(msg, &off, &o);
		/* before anything of this offer changes */
		r = CCM_FAULT(kzalloc(struct_size(r, qps, o.nr_qps),
				      GFP_KERNEL), NULL);
		if (!r)
			return -ENOMEM;
		old = ccm_remote_find(o.name);
		if (old) {
			ccm_remote_del(old);
		} else if (ccm_nr_remotes >= CCM_MAX_CLIENTS) {
			/* More clients than a node can have. */
			kfree(r);
			ccm_peer_stat_msg(peer, CCM_STAT_MSGS_INVALID);
			ccm_peer_error(peer, "offer for %.*s refused: over %u partner clients",
				       CCM_NAME_MAX, o.name, CCM_MAX_CLIENTS);
			continue;
		}
		memcpy(r->name, o.name, CCM_NAME_MAX);
		r->incarnation = o.incarnation;
		r->nr_qps = o.nr_qps;
		r->rd_atomic = o.rd_atomic;
		r->mem_addr = o.mem_addr;
		r->mem_rkey = o.mem_rkey;
		r->mem_len = o.mem_len;
		r->answers = o.answers;
		memcpy(r->qps, o.qps, o.nr_qps * sizeof(*o.qps));
		trace_ccm_client_event(r->name, "offer", "received");
		list_add_tail(&r->node, &ccm_remotes);
		ccm_nr_remotes++;

		mutex_lock(&ccm_clients_lock);
		cs = ccm_client_find(o.name);
		/*
		 * A new link of the partner's while ours is paired with its
		 * previous one: that one is gone.
		 */
		if (cs && cs->link && cs->link->rts &&
		    cs->link->remote_incarnation != o.incarnation)
			ccm_link_release(cs, CCM_DISC_PARTNER_UNREGISTERED);
		/* A partner client that changed may fit now: try again. */
		if (cs && cs->st == CCM_CL_FAILED && cs->refused_qps &&
		    cs->refused_qps != o.nr_qps) {
			ccm_client_set_state(cs, CCM_CL_PENDING);
			cs->refused_qps = 0;
		}
		mutex_unlock(&ccm_clients_lock);
	}
	return 0;
}

static void ccm_clients_rx_names(struct ccm_peer *peer, const void *msg,
				 const struct ccm_msg_info *mi)
{
	size_t off = sizeof(struct ccm_wire_msg);
	struct ccm_client_state *cs;
	struct ccm_name_info n;
	struct ccm_remote *r;
	unsigned int i;

	for (i = 0; i < mi->count; i++) {
		ccm_wire_msg_name(msg, &off, &n);
		r = ccm_remote_find(n.name);
		if (mi->type == CCM_MSG_READY) {
			if (r && r->incarnation == n.incarnation) {
				r->ready = true;
				trace_ccm_client_event(r->name, "ready",
						       "received");
			} else if (r) {	/* for a link it replaced since */
				ccm_peer_stat_msg(peer, CCM_STAT_MSGS_STALE);
			} else {	/* READY before any OFFER */
				ccm_peer_stat_msg(peer, CCM_STAT_MSGS_INVALID);
			}
			continue;
		}
		/* GONE */
		if (r && r->incarnation == n.incarnation)
			ccm_remote_del(r);
		mutex_lock(&ccm_clients_lock);
		cs = ccm_client_find(n.name);
		if (cs && cs->link && cs->link->rts &&
		    cs->link->remote_incarnation == n.incarnation) {
			if (n.reason == CCM_GONE_MISMATCH) {
				ccm_client_error(cs, "the partner's client does not match");
				ccm_client_set_state(cs, CCM_CL_FAILED);
			}
			ccm_link_release(cs, n.reason == CCM_GONE_UNREGISTERED ?
					 CCM_DISC_PARTNER_UNREGISTERED :
					 n.reason == CCM_GONE_QP_ERROR ?
					 CCM_DISC_QP_ERROR : CCM_DISC_FAILED);
		}
		mutex_unlock(&ccm_clients_lock);
	}
}

/**
 * ccm_clients_rx() - a control message arrived on a link's connection
 * @peer: the partner
 * @path: the link it came on
 * @gen: the connection's generation
 * @msg: the message as received
 * @len: its length
 *
 * The message is validated as a whole before anything in it is used. An
 * invalid or stale one is counted and dropped; one that is valid but
 * cannot be kept (no memory for an offer) is lost to the exchange, which
 * relies on every message arriving, as a message that could not be sent
 * is: the caller fails the connection.
 *
 * Context: peer->work, peer->lock held.
 * Return: 0, or -ENOMEM when the message was valid but could not be kept.
 */
int ccm_clients_rx(struct ccm_peer *peer, struct ccm_path *path, u32 gen,
		   const void *msg, size_t len)
{
	enum ccm_wire_status st;
	struct ccm_msg_info mi;
	int ret = 0;

	lockdep_assert_held(&peer->lock);
	st = ccm_wire_msg_decode(msg, len, &mi);
	if (!st && mi.gen != gen)
		st = CCM_WIRE_GEN;
	if (st) {
		ccm_stat_inc(path, CCM_STAT_MSGS_INVALID);
		ccm_path_error(path, "control message refused: %s",
			       ccm_wire_status_str(st));
		return 0;
	}
	if (mi.type == CCM_MSG_USE) {
		ccm_peer_use_rx(path, mi.arg);
		return 0;
	}
	if (mi.type == CCM_MSG_DOWN) {
		struct ccm_link_info li;

		ccm_wire_msg_link(msg, &li);
		ccm_peer_down_rx(path, &li);
		return 0;
	}
	/* The partner's clients talk to ours on the clients' link only. */
	if (!ccm_peer_clients_rx(path)) {
		ccm_stat_inc(path, CCM_STAT_MSGS_STALE);
		return 0;
	}
	if (ccm_remotes_gen != gen) {
		ccm_remotes_clear();
		ccm_remotes_gen = gen;
	}
	if (mi.type == CCM_MSG_OFFER)
		ret = ccm_clients_rx_offer(peer, msg, &mi);
	else
		ccm_clients_rx_names(peer, msg, &mi);
	if (!ret)
		ccm_clients_sync(peer);
	return ret;
}

/**
 * ccm_clients_up() - the handshake connected: offer every client
 * @peer: the partner
 *
 * Context: peer->work, peer->lock held.
 */
void ccm_clients_up(struct ccm_peer *peer)
{
	lockdep_assert_held(&peer->lock);
	if (ccm_remotes_gen != ccm_peer_ctrl_gen(peer)) {
		ccm_remotes_clear();
		ccm_remotes_gen = ccm_peer_ctrl_gen(peer);
	}
	ccm_clients_sync(peer);
}

/**
 * ccm_clients_down() - the clients' link is gone: disconnect every client
 * @peer: the partner
 * @reason: what the clients are told (enum ccm_disconnect_reason)
 *
 * Context: peer->work, module unload or device removal; peer->lock held.
 */
void ccm_clients_down(struct ccm_peer *peer, int reason)
{
	struct ccm_client_state *cs;

	lockdep_assert_held(&peer->lock);
	ccm_remotes_clear();
	mutex_lock(&ccm_clients_lock);
	list_for_each_entry(cs, &ccm_clients, node) {
		ccm_link_release(cs, reason);
		ccm_client_set_state(cs, CCM_CL_PENDING);
	}
	mutex_unlock(&ccm_clients_lock);
}

/**
 * ccm_clients_device_gone() - release the client links on a removed device
 * @peer: the partner
 * @dev: the RDMA device being removed
 * @reason: what the clients are told
 *
 * Context: process context, peer->lock held.
 */
void ccm_clients_device_gone(struct ccm_peer *peer, struct ib_device *dev,
			     int reason)
{
	struct ccm_client_state *cs;

	lockdep_assert_held(&peer->lock);
	mutex_lock(&ccm_clients_lock);
	list_for_each_entry(cs, &ccm_clients, node)
		if (cs->link && cs->link->pub.device == dev)
			ccm_link_release(cs, reason);
	mutex_unlock(&ccm_clients_lock);
}

/**
 * ccm_clients_process() - act on registrations and completed registrations
 * @peer: the partner
 *
 * Context: peer->work, peer->lock held.
 */
void ccm_clients_process(struct ccm_peer *peer)
{
	ccm_clients_sync(peer);
}

/**
 * ccm_clients_flush() - wait until every queued callback and teardown ran
 *
 * Context: process context, no ccm lock held.
 */
void ccm_clients_flush(void)
{
	flush_workqueue(ccm_cb_wq);
	/* The links' verbs objects, queued by the teardowns just run. */
	ccm_rdma_flush();
}

/* ---- sysfs: /sys/kernel/ccm/clients/<name>/ ---- */

#define to_cs(k) container_of(k, struct ccm_client_state, kobj)

static ssize_t ccm_cs_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	struct ccm_client_state *cs = to_cs(kobj);
	const char *name = attr->attr.name;
	struct ccm_link *link;
	ssize_t n = 0;
	unsigned int i;

	mutex_lock(&ccm_clients_lock);
	link = cs->link;
	if (!strcmp(name, "state")) {
		n = sysfs_emit(buf, "%s\n", ccm_client_st_names[cs->st]);
	} else if (!strcmp(name, "nr_qps")) {
		n = sysfs_emit(buf, "%u\n", cs->client->nr_qps);
	} else if (!strcmp(name, "mem_size")) {
		n = sysfs_emit(buf, "%zu\n", cs->client->mem_size);
	} else if (!strcmp(name, "connects")) {
		n = sysfs_emit(buf, "%llu\n", cs->connects);
	} else if (!strcmp(name, "disconnects")) {
		n = sysfs_emit(buf, "%llu\n", cs->disconnects);
	} else if (!strcmp(name, "async_errors")) {
		n = sysfs_emit(buf, "%llu\n", cs->async_errors);
	} else if (!strcmp(name, "last_error")) {
		n = sysfs_emit(buf, "%s\n",
			       cs->last_error[0] ? cs->last_error : "none");
	} else if (!strcmp(name, "local_qpns") || !strcmp(name, "peer_qpns")) {
		bool local = name[0] == 'l';

		for (i = 0; link && link->rts_done && i < link->pub.nr_qps; i++) {
			u32 qpn = local ? link->pub.qps[i]->qp_num :
					  link->rqpn[i];

			if (n + 12 >= PAGE_SIZE)
				break;
			n += sysfs_emit_at(buf, n, "%s%u", i ? " " : "", qpn);
		}
		n += sysfs_emit_at(buf, n, "\n");
	}
	mutex_unlock(&ccm_clients_lock);
	return n;
}

#define CCM_CS_ATTR(_name)						\
	static struct kobj_attribute ccm_cs_attr_##_name =		\
		__ATTR(_name, 0444, ccm_cs_show, NULL)

CCM_CS_ATTR(state);
CCM_CS_ATTR(nr_qps);
CCM_CS_ATTR(mem_size);
CCM_CS_ATTR(connects);
CCM_CS_ATTR(disconnects);
CCM_CS_ATTR(async_errors);
CCM_CS_ATTR(last_error);
CCM_CS_ATTR(local_qpns);
CCM_CS_ATTR(peer_qpns);

static struct attribute *ccm_cs_attrs[] = {
	&ccm_cs_attr_state.attr,
	&ccm_cs_attr_nr_qps.attr,
	&ccm_cs_attr_mem_size.attr,
	&ccm_cs_attr_connects.attr,
	&ccm_cs_attr_disconnects.attr,
	&ccm_cs_attr_async_errors.attr,
	&ccm_cs_attr_last_error.attr,
	&ccm_cs_attr_local_qpns.attr,
	&ccm_cs_attr_peer_qpns.attr,
	NULL
};
ATTRIBUTE_GROUPS(ccm_cs);

static void ccm_cs_release(struct kobject *kobj)
{
	kfree(to_cs(kobj));
}

static struct kobj_type ccm_cs_ktype = {
	.release = ccm_cs_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = ccm_cs_groups,
};

/* ---- the exported API ---- */

static bool ccm_client_valid(const struct ccm_client *c)
{
	return c && ccm_wire_name_valid(c->name, CCM_CLIENT_NAME_MAX) &&
	       c->nr_qps && c->nr_qps <= CCM_CLIENT_MAX_QPS &&
	       c->send_depth <= CCM_CLIENT_MAX_DEPTH &&
	       c->recv_depth <= CCM_CLIENT_MAX_DEPTH &&
	       c->send_sge <= CCM_CLIENT_MAX_SGE &&
	       c->recv_sge <= CCM_CLIENT_MAX_SGE &&
	       c->mem_size <= CCM_CLIENT_MAX_MEM &&
	       (c->poll_ctx == IB_POLL_SOFTIRQ ||
		c->poll_ctx == IB_POLL_WORKQUEUE ||
		c->poll_ctx == IB_POLL_UNBOUND_WORKQUEUE) &&
	       c->connected && c->disconnected;
}

/**
 * ccm_register_client() - register a client module with ccm
 * @client: the client's description; must stay valid and unchanged until
 *	    ccm_unregister_client() returns
 *
 * The client is connected to the partner's client of the same name
 * whenever ccm is connected to the partner and that client is registered
 * there; ->connected() reports it. Callable at any time, also before ccm
 * has connected and while a handshake or recovery is running.
 *
 * Context: process context; may sleep; not from a ccm callback.
 * Return: 0; -EINVAL for an invalid description (name, counts, sizes,
 * missing callbacks); -EEXIST when a client of that name is registered;
 * -ENOSPC beyond CCM_MAX_CLIENTS clients; -ENOMEM.
 */
int ccm_register_client(struct ccm_client *client)
{
	struct ccm_client_state *cs;
	int ret;

	if (!ccm_client_valid(client))
		return -EINVAL;
	cs = kzalloc(sizeof(*cs), GFP_KERNEL);
	if (!cs)
		return -ENOMEM;
	cs->client = client;
	init_completion(&cs->gone);
	INIT_LIST_HEAD(&cs->node);
	kobject_init(&cs->kobj, &ccm_cs_ktype);

	mutex_lock(&ccm_clients_lock);
	if (ccm_client_find(client->name))
		ret = -EEXIST;
	else if (ccm_nr_clients >= CCM_MAX_CLIENTS)
		ret = -ENOSPC;
	else
		ret = kobject_add(&cs->kobj, ccm_clients_kobj, "%s",
				  client->name);
	if (ret) {
		mutex_unlock(&ccm_clients_lock);
		kobject_put(&cs->kobj);
		return ret;
	}
	client->state = cs;
	list_add_tail(&cs->node, &ccm_clients);
	ccm_nr_clients++;
	mutex_unlock(&ccm_clients_lock);
	pr_info("ccm: client %s registered (%u QPs, %zu bytes)\n",
		client->name, client->nr_qps, client->mem_size);
	ccm_clients_peer();
	return 0;
}
EXPORT_SYMBOL_GPL(ccm_register_client);

/**
 * ccm_unregister_client() - remove a client registered with ccm
 * @client: a client ccm_register_client() accepted
 *
 * Tells the partner, drains and destroys the client's QPs and frees its
 * memory; if the client was connected, ->disconnected() is called
 * (CCM_DISC_UNREGISTERED) before this returns. No callback runs after.
 *
 * Context: process context; may sleep; not from a ccm callback.
 */
void ccm_unregister_client(struct ccm_client *client)
{
	struct ccm_client_state *cs = client->state;

	if (!cs)
		return;
	/*
	 * Its sysfs directory goes first (not under ccm_clients_lock: the
	 * attributes take it). Until the sync drops it from the registry,
	 * registering the same name fails with -EEXIST; after that it can
	 * be added to sysfs again.
	 */
	kobject_del(&cs->kobj);
	mutex_lock(&ccm_clients_lock);
	cs->unregistering = true;
	mutex_unlock(&ccm_clients_lock);
	if (!ccm_clients_peer()) {
		/* No partner object: nothing was ever created. */
		mutex_lock(&ccm_clients_lock);
		list_del_init(&cs->node);
		ccm_nr_clients--;
		mutex_unlock(&ccm_clients_lock);
	} else {
		wait_for_completion(&cs->gone);
	}
	client->state = NULL;
	kobject_put(&cs->kobj);
	pr_info("ccm: client %s unregistered\n", client->name);
}
EXPORT_SYMBOL_GPL(ccm_unregister_client);

/**
 * ccm_clients_init() - set up the client registry
 *
 * Context: process context (module init).
 * Return: 0 or -ENOMEM.
 */
int ccm_clients_init(void)
{
	ccm_cb_wq = alloc_ordered_workqueue("ccm_cb", WQ_MEM_RECLAIM);
	if (!ccm_cb_wq)
		return -ENOMEM;
	ccm_clients_kobj = kobject_create_and_add("clients", ccm_sysfs_root());
	if (!ccm_clients_kobj) {
		destroy_workqueue(ccm_cb_wq);
		return -ENOMEM;
	}
	return 0;
}

/**
 * ccm_clients_exit() - tear down the client registry
 *
 * Context: process context (module exit), after the partner is gone.
 */
void ccm_clients_exit(void)
{
	/* Clients use ccm's symbols, so none can be loaded any more. */
	WARN_ON_ONCE(!list_empty(&ccm_clients));
	destroy_workqueue(ccm_cb_wq);
	kobject_put(ccm_clients_kobj);
	ccm_remotes_clear();
}
