// SPDX-License-Identifier: GPL-2.0
/*
 * ccm - one partner: drives the handshake FSM and carries out its actions.
 *
 * Events reach the FSM through ccm_path_event(), always under peer->lock.
 * An event carries the generation of the connection it came from; one that
 * does not belong to the current attempt is dropped and counted, so a late
 * completion or timer of an older connection can never move the FSM.
 */
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/slab.h>

#include <ccm/ccm.h>
#include <trace/events/ccm.h>
#include "ccm_internal.h"

const char * const ccm_stat_names[CCM_STAT_NR] = {
	[CCM_STAT_TRANSITIONS]		= "transitions",
	[CCM_STAT_ILLEGAL_EVENTS]	= "illegal_events",
	[CCM_STAT_STALE_EVENTS]		= "stale_events",
	[CCM_STAT_HANDSHAKES]		= "handshakes",
	[CCM_STAT_ERRORS]		= "errors",
	[CCM_STAT_TIMEOUTS]		= "timeouts",
	[CCM_STAT_READS_ISSUED]		= "reads_issued",
	[CCM_STAT_READS_COMPLETED]	= "reads_completed",
	[CCM_STAT_READS_FAILED]		= "reads_failed",
	[CCM_STAT_WRITES_ISSUED]	= "writes_issued",
	[CCM_STAT_WRITES_COMPLETED]	= "writes_completed",
	[CCM_STAT_WRITES_FAILED]	= "writes_failed",
	[CCM_STAT_CONNECTS]		= "connects",
	[CCM_STAT_CONNECT_FAILURES]	= "connect_failures",
	[CCM_STAT_ACCEPTS]		= "accepts",
	[CCM_STAT_REJECTS_ADDR]		= "rejects_address",
	[CCM_STAT_REJECTS_INVALID]	= "rejects_invalid",
	[CCM_STAT_REJECTS_TIEBREAK]	= "rejects_tiebreak",
	[CCM_STAT_REJECTS_PORT]		= "rejects_port",
	[CCM_STAT_REJECTS_EPOCH]	= "rejects_epoch",
	[CCM_STAT_AUTH_FAILURES]	= "auth_failures",
	[CCM_STAT_CONNS_LOST]		= "connections_lost",
	[CCM_STAT_SENTINEL_INVALID]	= "sentinel_invalid",
	[CCM_STAT_DESC_INVALID]		= "descriptor_invalid",
	[CCM_STAT_MBOX_INVALID]		= "mailbox_invalid",
	[CCM_STAT_MBOX_STALE]		= "mailbox_stale",
	[CCM_STAT_MSGS_SENT]		= "messages_sent",
	[CCM_STAT_MSGS_RECEIVED]	= "messages_received",
	[CCM_STAT_MSGS_INVALID]		= "messages_invalid",
	[CCM_STAT_MSGS_STALE]		= "messages_stale",
	[CCM_STAT_DOORBELLS]		= "doorbells",
	[CCM_STAT_HEARTBEATS_SENT]	= "heartbeats_sent",
	[CCM_STAT_HEARTBEATS_SKIPPED]	= "heartbeats_skipped",
	[CCM_STAT_LINK_LOST]		= "link_lost",
};

/**
 * __ccm_path_error() - record the last error of a partner and log it
 * @path: the link
 * @warn: log at warning level (rate limited); else only for dynamic debug
 * @fmt: printf format
 *
 * Expected failures (the partner is not up yet) are recorded with @warn
 * false, so that a node waiting for its partner does not flood the log.
 *
 * Context: process context, peer->lock held.
 */
void __ccm_path_error(struct ccm_path *path, bool warn, const char *fmt, ...)
{
	va_list args;

	lockdep_assert_held(&path->peer->lock);
	va_start(args, fmt);
	vsnprintf(path->last_error, sizeof(path->last_error), fmt, args);
	va_end(args);
	/* The partner's last_error: the last of any of its links. */
	if (path->peer->nr_paths > 1)
		snprintf(path->peer->last_error, sizeof(path->peer->last_error),
			 "link %u: %s", path->idx, path->last_error);
	else
		strscpy(path->peer->last_error, path->last_error,
			sizeof(path->peer->last_error));
	if (warn)
		pr_warn_ratelimited("ccm: %pISc: %s\n", path->peer_addr,
				    path->last_error);
	else
		pr_debug("ccm: %pISc: %s\n", path->peer_addr,
			 path->last_error);
}

/**
 * ccm_path_record_partner() - remember who is at the other end of a link
 * @path: the link
 * @node_id: its node identity
 * @epoch: its boot epoch
 *
 * A new epoch is logged once connected: a console message in the middle
 * of the handshake would hold this CPU (and the partner's next operation)
 * for as long as a serial console takes to print it.
 *
 * Context: process context, peer->lock held.
 */
void ccm_path_record_partner(struct ccm_path *path, u64 node_id, u64 epoch)
{
	lockdep_assert_held(&path->peer->lock);
	if (path->peer_epoch && path->peer_epoch != epoch) {
		pr_debug("ccm: %pISc: partner restarted (epoch %016llx -> %016llx), not connected yet\n",
			 path->peer_addr, path->peer_epoch, epoch);
		if (!path->restarted_from)
			path->restarted_from = path->peer_epoch;
	}
	WRITE_ONCE(path->peer_node_id, node_id);
	WRITE_ONCE(path->peer_epoch, epoch);
	ccm_peer_partner_seen(path, node_id, epoch);
}

/*
 * Does the mailbox need watching in this state? Where a mailbox event can
 * change the state (elsewhere the table makes them no-ops, and because
 * the mailbox is level-triggered nothing is lost by not looking), and in
 * connected, for the partner's heartbeat.
 */
static bool ccm_path_polls(const struct ccm_path *path)
{
	return path->state == CCM_S_WAITING || path->state == CCM_S_WRITE2 ||
	       path->state == CCM_S_WRITE2_DONE ||
	       path->state == CCM_S_CONNECTED;
}

/*
 * Keep the mailbox poll going where the state needs it. @restart: start
 * a full interval from now even if a poll is pending (entering connected,
 * the heartbeat's intervals start at the connect, not at whatever poll of
 * the handshake is still pending).
 */
static void ccm_path_poll_update(struct ccm_path *path, bool restart)
{
	u32 ms = path->state == CCM_S_CONNECTED ? path->cfg->heartbeat_ms :
						   path->cfg->poll_interval_ms;

	lockdep_assert_held(&path->peer->lock);
	if (path->peer->stopping || !ccm_path_polls(path) ||
	    !ccm_rdma_cur_ready(path))
		return;
	if (restart)
		mod_delayed_work(ccm_wq, &path->poll, msecs_to_jiffies(ms));
	else
		queue_delayed_work(ccm_wq, &path->poll, msecs_to_jiffies(ms));
}

/**
 * ccm_path_alive() - the partner showed a sign of life
 * @path: the link
 *
 * A heartbeat that moved or a control message: something the partner's
 * software did, not just its adapter.
 *
 * Context: process context, peer->lock held.
 */
void ccm_path_alive(struct ccm_path *path)
{
	lockdep_assert_held(&path->peer->lock);
	path->hb_missed = 0;
	path->alive_ns = ktime_get_ns();
	ccm_peer_path_alive(path);
}

/**
 * ccm_path_doorbell() - the partner rang: its mailbox write has landed
 * @path: the link
 *
 * During the handshake, look at the mailbox now instead of at the next
 * poll; connected, the heartbeat's own schedule applies.
 *
 * Context: process context, peer->lock held.
 */
void ccm_path_doorbell(struct ccm_path *path)
{
	lockdep_assert_held(&path->peer->lock);
	if (!path->peer->stopping && ccm_path_polls(path) &&
	    path->state != CCM_S_CONNECTED)
		ccm_rdma_poll_mbox(path);
}

/*
 * Connected: every heartbeat_ms, check that the partner's heartbeat moved.
 * Ours is written by a timer of its own (ccm_beat.c), so that a worker
 * held up here does not silence this node. The heartbeat rides in the
 * "complete" message that stays in the partner's mailbox.
 *
 * The partner is lost after heartbeat_miss checks in a row without a sign
 * of life that also span heartbeat_miss intervals from the last one. The
 * count alone would shorten the window when a sign of life (a control
 * message) falls just before a check; the time alone would declare a loss
 * at the first check after this worker was held up (creating or
 * connecting a client's QPs for up to CCM_LINK_BUDGET_MS, during which
 * this side does not check): the mailbox is read before the verdict, and
 * the heartbeats written meanwhile are there. The interval is
 * the one the timer keeps (whole jiffies); an eighth of it is slack for
 * checks that fire a jiffy early. The loss is seen between heartbeat_miss
 * and heartbeat_miss + 1 intervals after the last sign of life when
 * nothing held the worker up.
 */
static void ccm_path_heartbeat(struct ccm_path *path)
{
	unsigned long period = msecs_to_jiffies(path->cfg->heartbeat_ms);
	u64 interval = jiffies_to_nsecs(period);
	u64 before = path->hb_rx;
	u64 silent;

	lockdep_assert_held(&path->peer->lock);
	ccm_rdma_poll_mbox(path);
	if (path->state != CCM_S_CONNECTED)
		return;
	if (path->hb_rx != before)
		ccm_path_alive(path);
	else
		path->hb_missed++;
	silent = ktime_get_ns() - path->alive_ns;
	if (path->hb_missed >= path->cfg->heartbeat_miss &&
	    silent + interval / 8 >= interval * path->cfg->heartbeat_miss) {
		ccm_stat_inc(path, CCM_STAT_LINK_LOST);
		path->silent = true;
		/* With one link, the link's loss is the partner's. */
		ccm_path_error(path, "%s lost: no sign of life for %llu ms",
			       path->peer->nr_paths > 1 ? "link" : "partner",
			       div_u64(silent, NSEC_PER_MSEC));
		ccm_path_event(path, CCM_EV_CONN_LOST, path->cur_gen);
	}
}

/**
 * ccm_path_conn_ready() - the current connection can carry RDMA operations
 * @path: the link
 *
 * Context: process context, peer->lock held.
 */
void ccm_path_conn_ready(struct ccm_path *path)
{
	lockdep_assert_held(&path->peer->lock);
	if (!path->attempt_start_ns || path->state == CCM_S_WAITING)
		path->attempt_start_ns = ktime_get_ns();
	ccm_path_poll_update(path, false);
}

static u32 ccm_path_timeout_ms(struct ccm_path *path, enum ccm_timeout tmo)
{
	const struct ccm_config *cfg = path->cfg;

	switch (tmo) {
	case CCM_TMO_CONNECT:
		return cfg->connect_timeout_ms;
	case CCM_TMO_OP:
		return cfg->op_timeout_ms;
	case CCM_TMO_WAIT:
		/* Up to a quarter more, so two waiting nodes drift apart. */
		return cfg->wait_timeout_ms +
		       get_random_u32_below(cfg->wait_timeout_ms / 4 + 1);
	case CCM_TMO_HANDSHAKE:
		return cfg->handshake_timeout_ms;
	case CCM_TMO_BACKOFF:
		return path->backoff_ms;
	case CCM_TMO_NONE:
		break;
	}
	return 0;
}

/*
 * Arm the timer of the state just entered. Moving between the sub-states
 * of state 5 keeps the one timer running: the bound is on state 5 as a
 * whole.
 */
static void ccm_path_arm_timer(struct ccm_path *path, enum ccm_state old)
{
	enum ccm_timeout tmo = ccm_state_timeout(path->state);

	lockdep_assert_held(&path->peer->lock);
	path->tmo_stamp = path->stats[CCM_STAT_TRANSITIONS];
	if (tmo == CCM_TMO_HANDSHAKE && ccm_state_timeout(old) == tmo)
		return;
	if (tmo == CCM_TMO_NONE || path->peer->stopping) {
		cancel_delayed_work(&path->timer);
		return;
	}
	mod_delayed_work(ccm_wq, &path->timer,
			 msecs_to_jiffies(ccm_path_timeout_ms(path, tmo)));
}

static void ccm_path_log_connected(struct ccm_path *path)
{
	if (path->restarted_from)
		pr_info("ccm: %pISc: partner restarted (epoch %016llx -> %016llx)\n",
			path->peer_addr, path->restarted_from,
			path->peer_epoch);
	path->restarted_from = 0;
	pr_info("ccm: %pISc: connected (node %016llx epoch %016llx, generation %u, handshake %llu us)\n",
		path->peer_addr, path->peer_node_id, path->peer_epoch,
		path->cur_gen, div_u64(path->last_handshake_ns, NSEC_PER_USEC));
}

static void ccm_path_do_actions(struct ccm_path *path, unsigned int act,
				u32 gen)
{
	int ret;

	if (act & CCM_ACT_RELEASE)
		ccm_rdma_release(path, gen);
	if (act & (CCM_ACT_READ | CCM_ACT_READ2)) {
		if (act & CCM_ACT_READ)
			path->attempt_start_ns = ktime_get_ns();
		path->pending_read = (act & CCM_ACT_READ) ? 1 : 2;
		ret = ccm_rdma_read(path);
		if (ret) {
			ccm_path_error(path, "read: cannot start (%d)", ret);
			ccm_path_event(path, (act & CCM_ACT_READ) ?
				       CCM_EV_UNREACHABLE : CCM_EV_READ_FAIL,
				       path->cur_gen);
		}
	}
	if (act & (CCM_ACT_WRITE_STATE2 | CCM_ACT_WRITE_STATE5 |
		   CCM_ACT_WRITE_COMPLETE)) {
		enum ccm_mbox_msg msg = (act & CCM_ACT_WRITE_STATE2) ?
			CCM_MBOX_STATE2 : (act & CCM_ACT_WRITE_STATE5) ?
			CCM_MBOX_STATE5 : CCM_MBOX_COMPLETE;

		ret = ccm_rdma_write(path, msg);
		if (ret) {
			ccm_path_error(path, "write: cannot post (%d)", ret);
			ccm_path_event(path, CCM_EV_WRITE_FAIL, path->cur_gen);
		}
	}
	if (act & CCM_ACT_CONNECTED) {
		u64 now = ktime_get_ns();

		ccm_stat_inc(path, CCM_STAT_HANDSHAKES);
		WRITE_ONCE(path->last_handshake_ns, now - path->attempt_start_ns);
		path->attempt_start_ns = 0;
		path->backoff_n = 0;
		ccm_path_alive(path);
		ccm_path_poll_update(path, true);
		ccm_rdma_beat_start(path);
	}
	if (act & CCM_ACT_BACKOFF) {
		ccm_stat_inc(path, CCM_STAT_ERRORS);
		path->backoff_ms = ccm_backoff_ms(path->backoff_n++,
						  path->cfg->backoff_min_ms,
						  path->cfg->backoff_max_ms,
						  get_random_u32());
		path->attempt_start_ns = 0;
	}
}

/* One event through the table; returns true when it asked for a kick. */
static bool ccm_path_step(struct ccm_path *path, enum ccm_event ev, u32 gen)
{
	struct ccm_fsm_result res;
	enum ccm_state old = path->state;
	bool renamed;

	if (ev != CCM_EV_START && gen != path->cur_gen) {
		ccm_stat_inc(path, CCM_STAT_STALE_EVENTS);
		pr_debug("ccm: stale %s (generation %u, current %u)\n",
			 ccm_event_name(ev), gen, path->cur_gen);
		return false;
	}
	if (ccm_fsm_step(old, ev, &res)) {
		ccm_stat_inc(path, CCM_STAT_ILLEGAL_EVENTS);
		pr_warn_ratelimited("ccm: %pISc: event %s refused in state %s\n",
				    path->peer_addr, ccm_event_name(ev),
				    ccm_state_id(old));
		return false;
	}
	if (ev == CCM_EV_TIMEOUT) {
		ccm_stat_inc(path, CCM_STAT_TIMEOUTS);
		if (res.next == CCM_S_ERROR)
			ccm_path_error(path, "timeout in state %s",
				       ccm_state_id(old));
	}
	if (res.next != old) {
		WRITE_ONCE(path->state, res.next);
		ccm_stat_inc(path, CCM_STAT_TRANSITIONS);
		pr_debug("ccm: %s -> %s on %s (generation %u)\n",
			 ccm_state_id(old), ccm_state_id(res.next),
			 ccm_event_name(ev), gen);
		trace_ccm_fsm_transition(path->idx, gen, ccm_state_id(old),
					 ccm_state_id(res.next),
					 ccm_event_name(ev));
		ccm_rdma_publish(path);
	}
	/*
	 * The sub-states of state 5 share one name: one uevent. It goes out
	 * once the actions have started (the READ or WRITE posted, the
	 * connect begun) and before the clients hear of a new connection;
	 * when they release the connection, before that: it can block.
	 */
	renamed = strcmp(ccm_state_name(old), ccm_state_name(res.next));
	if (renamed && (res.actions & CCM_ACT_RELEASE)) {
		ccm_peer_state_changed(path->peer);
		renamed = false;
	}
	/*
	 * Record the loss and tell the clients before the actions tear the
	 * connection down: destroying a QP can block for seconds in the
	 * driver when the link is gone (rxe waits for the neighbour entry).
	 */
	if (old == CCM_S_CONNECTED && res.next != CCM_S_CONNECTED) {
		/* However it was noticed: heartbeat, failed op, disconnect. */
		ccm_rdma_beat_stop(path);
		WRITE_ONCE(path->last_detection_ns,
			   ktime_get_ns() - path->alive_ns);
		pr_info("ccm: %pISc: connection lost (%s), %llu ms after the last sign of life\n",
			path->peer_addr, ccm_event_name(ev),
			div_u64(path->last_detection_ns, NSEC_PER_MSEC));
		ccm_peer_path_down(path);
	}
	path->silent = false;
	/* A read not yet posted belongs to the state that asked for it. */
	if (res.next != CCM_S_READ1 && res.next != CCM_S_READ2)
		path->pending_read = 0;
	ccm_path_do_actions(path, res.actions, gen);
	if (renamed)
		ccm_peer_state_changed(path->peer);
	if (res.actions & CCM_ACT_CONNECTED) {
		/* The clients' offers go out before the console is written. */
		ccm_peer_path_up(path);
		ccm_rdma_rx_deferred(path);
		ccm_path_log_connected(path);
	}
	if (res.next != old) {
		ccm_path_arm_timer(path, old);
		ccm_path_poll_update(path, false);
	}
	return res.actions & CCM_ACT_KICK;
}

/**
 * ccm_path_event() - feed one event to a link's FSM
 * @path: the link
 * @ev: the event
 * @gen: generation of the connection the event belongs to (ignored for
 *	 CCM_EV_START); an event of another generation is dropped
 *
 * Events raised while an action is being carried out are queued and run
 * in order once it returns, so actions never nest.
 *
 * Context: process context, peer->lock held.
 */
void ccm_path_event(struct ccm_path *path, enum ccm_event ev, u32 gen)
{
	struct ccm_evq_entry *e;

	lockdep_assert_held(&path->peer->lock);
	if (path->peer->stopping)
		return;
	if (WARN_ON_ONCE(path->evq_len == CCM_EVQ_LEN)) {
		/* Cannot happen: at most two events per action. */
		ccm_stat_inc(path, CCM_STAT_ILLEGAL_EVENTS);
		return;
	}
	e = &path->evq[(path->evq_head + path->evq_len++) % CCM_EVQ_LEN];
	e->ev = ev;
	e->gen = gen;
	if (path->in_fsm)
		return;
	path->in_fsm = true;
	while (path->evq_len) {
		e = &path->evq[path->evq_head];
		ev = e->ev;
		gen = e->gen;
		path->evq_head = (path->evq_head + 1) % CCM_EVQ_LEN;
		path->evq_len--;
		if (ccm_path_step(path, ev, gen))
			ccm_path_step(path, CCM_EV_START, 0);
	}
	path->in_fsm = false;
}

static void ccm_path_timer(struct work_struct *work)
{
	struct ccm_path *path = container_of(to_delayed_work(work),
					     struct ccm_path, timer);

	mutex_lock(&path->peer->lock);
	/* A timer armed for an earlier state may fire after it was left. */
	if (!path->peer->stopping &&
	    path->tmo_stamp == path->stats[CCM_STAT_TRANSITIONS])
		ccm_path_event(path, CCM_EV_TIMEOUT, path->cur_gen);
	mutex_unlock(&path->peer->lock);
}

static void ccm_path_poll(struct work_struct *work)
{
	struct ccm_path *path = container_of(to_delayed_work(work),
					     struct ccm_path, poll);

	mutex_lock(&path->peer->lock);
	if (!path->peer->stopping && ccm_path_polls(path)) {
		if (path->state == CCM_S_CONNECTED)
			ccm_path_heartbeat(path);
		else
			ccm_rdma_poll_mbox(path);
		ccm_path_poll_update(path, false);
	}
	mutex_unlock(&path->peer->lock);
}

static void ccm_path_kick_work(struct work_struct *work)
{
	struct ccm_path *path = container_of(work, struct ccm_path, kick);

	mutex_lock(&path->peer->lock);
	if (!path->peer->stopping && path->state == CCM_S_WAITING && !path->cur)
		mod_delayed_work(ccm_wq, &path->timer, 0);
	mutex_unlock(&path->peer->lock);
}

/**
 * ccm_path_kick() - a device appeared: stop waiting and try now
 * @path: the link
 *
 * In the waiting state the timer is fired at once, so a partner that
 * becomes reachable in early boot is tried without waiting a full period.
 * Only queues the check: the ib_client's add callback must not wait for
 * peer->lock, which the worker may hold for a while.
 *
 * Context: any.
 */
void ccm_path_kick(struct ccm_path *path)
{
	queue_work(ccm_wq, &path->kick);
}

/**
 * ccm_path_create() - set up one link of a partner
 * @peer: the partner, which owns the link
 * @idx: the link's index in the configuration
 * @out: the new link
 *
 * Allocates the link's sentinel page and publishes its header and creates
 * its sysfs directory; ccm_path_start() starts its handshake.
 *
 * Context: process context (module init).
 * Return: 0 or a negative errno.
 */
int ccm_path_create(struct ccm_peer *peer, unsigned int idx,
		    struct ccm_path **out)
{
	const struct ccm_config *cfg = peer->cfg;
	struct ccm_sentinel_info si = {};
	struct ccm_path *path;
	int ret;

	path = kzalloc(sizeof(*path), GFP_KERNEL);
	if (!path)
		return -ENOMEM;
	path->peer = peer;
	path->idx = idx;
	path->cfg = cfg;
	path->peer_addr = &cfg->peer_addr[idx];
	path->local_addr = &cfg->local_addr[idx];
	spin_lock_init(&path->incoming_lock);
	INIT_LIST_HEAD(&path->incoming);
	INIT_LIST_HEAD(&path->conns);
	INIT_DELAYED_WORK(&path->timer, ccm_path_timer);
	INIT_DELAYED_WORK(&path->poll, ccm_path_poll);
	INIT_WORK(&path->kick, ccm_path_kick_work);
	ccm_beat_init(&path->beat, idx, &path->stats[CCM_STAT_HEARTBEATS_SENT],
		      &path->stats[CCM_STAT_HEARTBEATS_SKIPPED]);
	path->state = CCM_S_INITIAL;
	path->down_reason = CCM_DISC_PARTNER_LOST;

	path->sentinel = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!path->sentinel) {
		ret = -ENOMEM;
		goto err_free_path;
	}
	si.node_id = peer->node_id;
	si.epoch = peer->epoch;
	si.mbox_offset = CCM_MBOX_OFFSET;
	si.state = CCM_S_INITIAL;
	ccm_wire_sentinel_encode(page_address(path->sentinel), &si);

	/* From here on the kobject's release frees the link. */
	ret = ccm_sysfs_add_path(path);
	if (ret) {
		__free_page(path->sentinel);
		path->sentinel = NULL;
		ccm_sysfs_put_path(path);
		return ret;
	}
	*out = path;
	return 0;

err_free_path:
	kfree(path);
	return ret;
}

/**
 * ccm_path_start() - start a link's handshake
 * @path: the link
 *
 * Context: process context, peer->lock held.
 */
void ccm_path_start(struct ccm_path *path)
{
	lockdep_assert_held(&path->peer->lock);
	/* The first read connects, then listens (ccm_rdma_read()). */
	ccm_path_event(path, CCM_EV_START, 0);
}

/**
 * ccm_path_stop() - tear down a link's connections
 * @path: the link, its partner's ->stopping set
 *
 * Every connection is torn down (each waits for its own CM and completion
 * handlers); the link's works find ->stopping and do nothing.
 *
 * Context: process context, peer->lock held.
 */
void ccm_path_stop(struct ccm_path *path)
{
	lockdep_assert_held(&path->peer->lock);
	ccm_rdma_stop(path);
}

/**
 * ccm_path_free() - free a stopped link
 * @path: the link, ccm_path_stop() done and peer->lock not held
 *
 * Waits for the link's timer and poll, removes its sysfs directory (which
 * waits for readers) and drops the last reference.
 *
 * Context: process context (module exit).
 */
void ccm_path_free(struct ccm_path *path)
{
	/* The kick arms the timer: first. */
	cancel_work_sync(&path->kick);
	cancel_delayed_work_sync(&path->timer);
	cancel_delayed_work_sync(&path->poll);
	__free_page(path->sentinel);
	path->sentinel = NULL;
	ccm_sysfs_del_path(path);
	ccm_sysfs_put_path(path);
}
