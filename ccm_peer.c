// SPDX-License-Identifier: GPL-2.0
/*
 * ccm - one partner: drives the handshake FSM and carries out its actions.
 *
 * Events reach the FSM through ccm_peer_event(), always under peer->lock.
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

struct workqueue_struct *ccm_wq;

/* All partners; for ib_client removal. One today, more later. */
DEFINE_MUTEX(ccm_peers_lock);
LIST_HEAD(ccm_peers);

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
	[CCM_STAT_PARTNER_LOST]		= "partner_lost",
};

/**
 * __ccm_peer_error() - record the last error of a partner and log it
 * @peer: the partner
 * @warn: log at warning level (rate limited); else only for dynamic debug
 * @fmt: printf format
 *
 * Expected failures (the partner is not up yet) are recorded with @warn
 * false, so that a node waiting for its partner does not flood the log.
 *
 * Context: process context, peer->lock held.
 */
void __ccm_peer_error(struct ccm_peer *peer, bool warn, const char *fmt, ...)
{
	va_list args;

	lockdep_assert_held(&peer->lock);
	va_start(args, fmt);
	vsnprintf(peer->last_error, sizeof(peer->last_error), fmt, args);
	va_end(args);
	if (warn)
		pr_warn_ratelimited("ccm: %pISc: %s\n", &peer->cfg->peer_addr,
				    peer->last_error);
	else
		pr_debug("ccm: %pISc: %s\n", &peer->cfg->peer_addr,
			 peer->last_error);
}

/**
 * ccm_peer_record_partner() - remember who the partner is, for sysfs
 * @peer: the partner
 * @node_id: its node identity
 * @epoch: its boot epoch
 *
 * A new epoch is logged once connected: a console message in the middle
 * of the handshake would hold this CPU (and the partner's next operation)
 * for as long as a serial console takes to print it.
 *
 * Context: process context, peer->lock held.
 */
void ccm_peer_record_partner(struct ccm_peer *peer, u64 node_id, u64 epoch)
{
	lockdep_assert_held(&peer->lock);
	if (peer->peer_epoch && peer->peer_epoch != epoch) {
		pr_debug("ccm: %pISc: partner restarted (epoch %016llx -> %016llx), not connected yet\n",
			 &peer->cfg->peer_addr, peer->peer_epoch, epoch);
		if (!peer->restarted_from)
			peer->restarted_from = peer->peer_epoch;
	}
	WRITE_ONCE(peer->peer_node_id, node_id);
	WRITE_ONCE(peer->peer_epoch, epoch);
}

/*
 * Does the mailbox need watching in this state? Where a mailbox event can
 * change the state (elsewhere the table makes them no-ops, and because
 * the mailbox is level-triggered nothing is lost by not looking), and in
 * connected, for the partner's heartbeat.
 */
static bool ccm_peer_polls(const struct ccm_peer *peer)
{
	return peer->state == CCM_S_WAITING || peer->state == CCM_S_WRITE2 ||
	       peer->state == CCM_S_WRITE2_DONE ||
	       peer->state == CCM_S_CONNECTED;
}

/*
 * Keep the mailbox poll going where the state needs it. @restart: start
 * a full interval from now even if a poll is pending (entering connected,
 * the heartbeat's intervals start at the connect, not at whatever poll of
 * the handshake is still pending).
 */
static void ccm_peer_poll_update(struct ccm_peer *peer, bool restart)
{
	u32 ms = peer->state == CCM_S_CONNECTED ? peer->cfg->heartbeat_ms :
						   peer->cfg->poll_interval_ms;

	lockdep_assert_held(&peer->lock);
	if (peer->stopping || !ccm_peer_polls(peer) ||
	    !ccm_rdma_cur_ready(peer))
		return;
	if (restart)
		mod_delayed_work(ccm_wq, &peer->poll, msecs_to_jiffies(ms));
	else
		queue_delayed_work(ccm_wq, &peer->poll, msecs_to_jiffies(ms));
}

/**
 * ccm_peer_alive() - the partner showed a sign of life
 * @peer: the partner
 *
 * A heartbeat that moved or a control message: something the partner's
 * software did, not just its adapter.
 *
 * Context: process context, peer->lock held.
 */
void ccm_peer_alive(struct ccm_peer *peer)
{
	lockdep_assert_held(&peer->lock);
	peer->hb_missed = 0;
	peer->alive_ns = ktime_get_ns();
}

/**
 * ccm_peer_doorbell() - the partner rang: its mailbox write has landed
 * @peer: the partner
 *
 * During the handshake, look at the mailbox now instead of at the next
 * poll; connected, the heartbeat's own schedule applies.
 *
 * Context: process context, peer->lock held.
 */
void ccm_peer_doorbell(struct ccm_peer *peer)
{
	lockdep_assert_held(&peer->lock);
	if (!peer->stopping && ccm_peer_polls(peer) &&
	    peer->state != CCM_S_CONNECTED)
		ccm_rdma_poll_mbox(peer);
}

/*
 * Connected: every heartbeat_ms, check that the partner's heartbeat moved,
 * then write ours. The heartbeat rides in the "complete" message that
 * stays in the partner's mailbox.
 *
 * The partner is lost after heartbeat_miss checks in a row without a sign
 * of life that also span heartbeat_miss intervals from the last one. The
 * count alone would shorten the window when a sign of life (a control
 * message) falls just before a check; the time alone would declare a loss
 * at the first check after this worker was held up (connecting a
 * client's QPs, or creating a batch of CCM_LINK_CREATE_BATCH of them,
 * during which this side neither writes nor checks). The interval is the
 * one the timer keeps (whole jiffies); an eighth of it is slack for
 * checks that fire a jiffy early. The loss is
 * seen between heartbeat_miss and heartbeat_miss + 1 intervals after the
 * last sign of life when nothing held the worker up.
 */
static void ccm_peer_heartbeat(struct ccm_peer *peer)
{
	unsigned long period = msecs_to_jiffies(peer->cfg->heartbeat_ms);
	u64 interval = jiffies_to_nsecs(period);
	u64 before = peer->hb_rx;
	u64 silent;
	int ret;

	lockdep_assert_held(&peer->lock);
	ccm_rdma_poll_mbox(peer);
	if (peer->state != CCM_S_CONNECTED)
		return;
	if (peer->hb_rx != before)
		ccm_peer_alive(peer);
	else
		peer->hb_missed++;
	silent = ktime_get_ns() - peer->alive_ns;
	if (peer->hb_missed >= peer->cfg->heartbeat_miss &&
	    silent + interval / 8 >= interval * peer->cfg->heartbeat_miss) {
		ccm_stat_inc(peer, CCM_STAT_PARTNER_LOST);
		ccm_peer_error(peer, "partner lost: no sign of life for %llu ms",
			       div_u64(silent, NSEC_PER_MSEC));
		ccm_peer_event(peer, CCM_EV_CONN_LOST, peer->cur_gen);
		return;
	}
	if (ccm_rdma_write_busy(peer, CCM_MBOX_COMPLETE)) {
		ccm_stat_inc(peer, CCM_STAT_HEARTBEATS_SKIPPED);
		return;
	}
	peer->hb_tx++;
	ret = ccm_rdma_write(peer, CCM_MBOX_COMPLETE);
	if (ret) {
		ccm_peer_error(peer, "heartbeat: cannot post (%d)", ret);
		ccm_peer_event(peer, CCM_EV_WRITE_FAIL, peer->cur_gen);
		return;
	}
	ccm_stat_inc(peer, CCM_STAT_HEARTBEATS_SENT);
}

/**
 * ccm_peer_conn_ready() - the current connection can carry RDMA operations
 * @peer: the partner
 *
 * Context: process context, peer->lock held.
 */
void ccm_peer_conn_ready(struct ccm_peer *peer)
{
	lockdep_assert_held(&peer->lock);
	if (!peer->attempt_start_ns || peer->state == CCM_S_WAITING)
		peer->attempt_start_ns = ktime_get_ns();
	ccm_peer_poll_update(peer, false);
}

static u32 ccm_peer_timeout_ms(struct ccm_peer *peer, enum ccm_timeout tmo)
{
	const struct ccm_config *cfg = peer->cfg;

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
		return peer->backoff_ms;
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
static void ccm_peer_arm_timer(struct ccm_peer *peer, enum ccm_state old)
{
	enum ccm_timeout tmo = ccm_state_timeout(peer->state);

	lockdep_assert_held(&peer->lock);
	peer->tmo_stamp = peer->stats[CCM_STAT_TRANSITIONS];
	if (tmo == CCM_TMO_HANDSHAKE && ccm_state_timeout(old) == tmo)
		return;
	if (tmo == CCM_TMO_NONE || peer->stopping) {
		cancel_delayed_work(&peer->timer);
		return;
	}
	mod_delayed_work(ccm_wq, &peer->timer,
			 msecs_to_jiffies(ccm_peer_timeout_ms(peer, tmo)));
}

static void ccm_peer_log_connected(struct ccm_peer *peer)
{
	if (peer->restarted_from)
		pr_info("ccm: %pISc: partner restarted (epoch %016llx -> %016llx)\n",
			&peer->cfg->peer_addr, peer->restarted_from,
			peer->peer_epoch);
	peer->restarted_from = 0;
	pr_info("ccm: %pISc: connected (node %016llx epoch %016llx, generation %u, handshake %llu us)\n",
		&peer->cfg->peer_addr, peer->peer_node_id, peer->peer_epoch,
		peer->cur_gen, div_u64(peer->last_handshake_ns, NSEC_PER_USEC));
}

static void ccm_peer_do_actions(struct ccm_peer *peer, unsigned int act,
				u32 gen)
{
	int ret;

	if (act & CCM_ACT_RELEASE)
		ccm_rdma_release(peer, gen);
	if (act & (CCM_ACT_READ | CCM_ACT_READ2)) {
		if (act & CCM_ACT_READ)
			peer->attempt_start_ns = ktime_get_ns();
		peer->pending_read = (act & CCM_ACT_READ) ? 1 : 2;
		ret = ccm_rdma_read(peer);
		if (ret) {
			ccm_peer_error(peer, "read: cannot start (%d)", ret);
			ccm_peer_event(peer, (act & CCM_ACT_READ) ?
				       CCM_EV_UNREACHABLE : CCM_EV_READ_FAIL,
				       peer->cur_gen);
		}
	}
	if (act & (CCM_ACT_WRITE_STATE2 | CCM_ACT_WRITE_STATE5 |
		   CCM_ACT_WRITE_COMPLETE)) {
		enum ccm_mbox_msg msg = (act & CCM_ACT_WRITE_STATE2) ?
			CCM_MBOX_STATE2 : (act & CCM_ACT_WRITE_STATE5) ?
			CCM_MBOX_STATE5 : CCM_MBOX_COMPLETE;

		ret = ccm_rdma_write(peer, msg);
		if (ret) {
			ccm_peer_error(peer, "write: cannot post (%d)", ret);
			ccm_peer_event(peer, CCM_EV_WRITE_FAIL, peer->cur_gen);
		}
	}
	if (act & CCM_ACT_CONNECTED) {
		u64 now = ktime_get_ns();

		ccm_stat_inc(peer, CCM_STAT_HANDSHAKES);
		WRITE_ONCE(peer->last_handshake_ns, now - peer->attempt_start_ns);
		peer->attempt_start_ns = 0;
		peer->backoff_n = 0;
		ccm_peer_alive(peer);
		ccm_peer_poll_update(peer, true);
	}
	if (act & CCM_ACT_BACKOFF) {
		ccm_stat_inc(peer, CCM_STAT_ERRORS);
		peer->backoff_ms = ccm_backoff_ms(peer->backoff_n++,
						  peer->cfg->backoff_min_ms,
						  peer->cfg->backoff_max_ms,
						  get_random_u32());
		peer->attempt_start_ns = 0;
	}
}

/* One event through the table; returns true when it asked for a kick. */
static bool ccm_peer_step(struct ccm_peer *peer, enum ccm_event ev, u32 gen)
{
	struct ccm_fsm_result res;
	enum ccm_state old = peer->state;
	bool renamed;

	if (ev != CCM_EV_START && gen != peer->cur_gen) {
		ccm_stat_inc(peer, CCM_STAT_STALE_EVENTS);
		pr_debug("ccm: stale %s (generation %u, current %u)\n",
			 ccm_event_name(ev), gen, peer->cur_gen);
		return false;
	}
	if (ccm_fsm_step(old, ev, &res)) {
		ccm_stat_inc(peer, CCM_STAT_ILLEGAL_EVENTS);
		pr_warn_ratelimited("ccm: %pISc: event %s refused in state %s\n",
				    &peer->cfg->peer_addr, ccm_event_name(ev),
				    ccm_state_id(old));
		return false;
	}
	if (ev == CCM_EV_TIMEOUT) {
		ccm_stat_inc(peer, CCM_STAT_TIMEOUTS);
		if (res.next == CCM_S_ERROR)
			ccm_peer_error(peer, "timeout in state %s",
				       ccm_state_id(old));
	}
	if (res.next != old) {
		WRITE_ONCE(peer->state, res.next);
		ccm_stat_inc(peer, CCM_STAT_TRANSITIONS);
		pr_debug("ccm: %s -> %s on %s (generation %u)\n",
			 ccm_state_id(old), ccm_state_id(res.next),
			 ccm_event_name(ev), gen);
		trace_ccm_fsm_transition(gen, ccm_state_id(old),
					 ccm_state_id(res.next),
					 ccm_event_name(ev));
		ccm_rdma_publish(peer);
	}
	/*
	 * The sub-states of state 5 share one name: one uevent. It goes out
	 * once the actions have started (the READ or WRITE posted, the
	 * connect begun) and before the clients hear of a new connection;
	 * when they release the connection, before that: it can block.
	 */
	renamed = strcmp(ccm_state_name(old), ccm_state_name(res.next));
	if (renamed && (res.actions & CCM_ACT_RELEASE)) {
		ccm_sysfs_uevent_state(peer);
		renamed = false;
	}
	/*
	 * Record the loss and tell the clients before the actions tear the
	 * connection down: destroying a QP can block for seconds in the
	 * driver when the link is gone (rxe waits for the neighbour entry).
	 */
	if (old == CCM_S_CONNECTED && res.next != CCM_S_CONNECTED) {
		/* However it was noticed: heartbeat, failed op, disconnect. */
		WRITE_ONCE(peer->last_detection_ns,
			   ktime_get_ns() - peer->alive_ns);
		pr_info("ccm: %pISc: connection lost (%s), %llu ms after the last sign of life\n",
			&peer->cfg->peer_addr, ccm_event_name(ev),
			div_u64(peer->last_detection_ns, NSEC_PER_MSEC));
		ccm_clients_down(peer);
	}
	/* A read not yet posted belongs to the state that asked for it. */
	if (res.next != CCM_S_READ1 && res.next != CCM_S_READ2)
		peer->pending_read = 0;
	ccm_peer_do_actions(peer, res.actions, gen);
	if (renamed)
		ccm_sysfs_uevent_state(peer);
	if (res.actions & CCM_ACT_CONNECTED) {
		/* The clients' offers go out before the console is written. */
		ccm_clients_up(peer);
		ccm_peer_log_connected(peer);
	}
	if (res.next != old) {
		ccm_peer_arm_timer(peer, old);
		ccm_peer_poll_update(peer, false);
	}
	return res.actions & CCM_ACT_KICK;
}

/**
 * ccm_peer_event() - feed one event to a partner's FSM
 * @peer: the partner
 * @ev: the event
 * @gen: generation of the connection the event belongs to (ignored for
 *	 CCM_EV_START); an event of another generation is dropped
 *
 * Events raised while an action is being carried out are queued and run
 * in order once it returns, so actions never nest.
 *
 * Context: process context, peer->lock held.
 */
void ccm_peer_event(struct ccm_peer *peer, enum ccm_event ev, u32 gen)
{
	struct ccm_evq_entry *e;

	lockdep_assert_held(&peer->lock);
	if (peer->stopping)
		return;
	if (peer->evq_len == CCM_EVQ_LEN) {
		/* Cannot happen: at most two events per action. */
		ccm_stat_inc(peer, CCM_STAT_ILLEGAL_EVENTS);
		return;
	}
	e = &peer->evq[(peer->evq_head + peer->evq_len++) % CCM_EVQ_LEN];
	e->ev = ev;
	e->gen = gen;
	if (peer->in_fsm)
		return;
	peer->in_fsm = true;
	while (peer->evq_len) {
		e = &peer->evq[peer->evq_head];
		ev = e->ev;
		gen = e->gen;
		peer->evq_head = (peer->evq_head + 1) % CCM_EVQ_LEN;
		peer->evq_len--;
		if (ccm_peer_step(peer, ev, gen))
			ccm_peer_step(peer, CCM_EV_START, 0);
	}
	peer->in_fsm = false;
}

static void ccm_peer_work(struct work_struct *work)
{
	struct ccm_peer *peer = container_of(work, struct ccm_peer, work);

	mutex_lock(&peer->lock);
	if (!peer->stopping) {
		ccm_rdma_process(peer);
		ccm_clients_process(peer);
	}
	mutex_unlock(&peer->lock);
}

static void ccm_peer_timer(struct work_struct *work)
{
	struct ccm_peer *peer = container_of(to_delayed_work(work),
					     struct ccm_peer, timer);

	mutex_lock(&peer->lock);
	/* A timer armed for an earlier state may fire after it was left. */
	if (!peer->stopping &&
	    peer->tmo_stamp == peer->stats[CCM_STAT_TRANSITIONS])
		ccm_peer_event(peer, CCM_EV_TIMEOUT, peer->cur_gen);
	mutex_unlock(&peer->lock);
}

static void ccm_peer_poll(struct work_struct *work)
{
	struct ccm_peer *peer = container_of(to_delayed_work(work),
					     struct ccm_peer, poll);

	mutex_lock(&peer->lock);
	if (!peer->stopping && ccm_peer_polls(peer)) {
		if (peer->state == CCM_S_CONNECTED)
			ccm_peer_heartbeat(peer);
		else
			ccm_rdma_poll_mbox(peer);
		ccm_peer_poll_update(peer, false);
	}
	mutex_unlock(&peer->lock);
}

/**
 * ccm_peer_kick() - a device appeared: stop waiting and try now
 * @peer: the partner
 *
 * In the waiting state the timer is fired at once, so a partner that
 * becomes reachable in early boot is tried without waiting a full period.
 *
 * Context: process context; takes peer->lock.
 */
void ccm_peer_kick(struct ccm_peer *peer)
{
	mutex_lock(&peer->lock);
	if (!peer->stopping && peer->state == CCM_S_WAITING && !peer->cur)
		mod_delayed_work(ccm_wq, &peer->timer, 0);
	mutex_unlock(&peer->lock);
}

static u64 ccm_peer_default_node_id(const struct ccm_config *cfg)
{
	u64 id = cfg->node_id;

	while (!id)
		id = get_random_u64();
	return id;
}

/**
 * ccm_peer_create() - set up a partner and start the handshake
 * @cfg: the configuration, which must outlive the partner
 * @out: the new partner
 *
 * Allocates the sentinel page and publishes its header, creates the sysfs
 * files, starts listening and feeds the first CCM_EV_START.
 *
 * Context: process context (module init).
 * Return: 0 or a negative errno.
 */
int ccm_peer_create(const struct ccm_config *cfg, struct ccm_peer **out)
{
	struct ccm_sentinel_info si = {};
	struct ccm_peer *peer;
	unsigned int i;
	int ret;

	peer = kzalloc(sizeof(*peer), GFP_KERNEL);
	if (!peer)
		return -ENOMEM;
	peer->cfg = cfg;
	mutex_init(&peer->lock);
	spin_lock_init(&peer->incoming_lock);
	INIT_LIST_HEAD(&peer->incoming);
	INIT_LIST_HEAD(&peer->conns);
	INIT_WORK(&peer->work, ccm_peer_work);
	INIT_DELAYED_WORK(&peer->timer, ccm_peer_timer);
	INIT_DELAYED_WORK(&peer->poll, ccm_peer_poll);
	peer->state = CCM_S_INITIAL;
	peer->down_reason = CCM_DISC_PARTNER_LOST;
	peer->node_id = ccm_peer_default_node_id(cfg);
	do {
		peer->epoch = get_random_u64();
	} while (!peer->epoch);

	peer->sentinel = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!peer->sentinel) {
		ret = -ENOMEM;
		goto err_free_peer;
	}
	for (i = 0; i < CCM_MSGBUF_NR; i++) {
		peer->msgbuf[i] = kmalloc(CCM_MSG_MAX, GFP_KERNEL);
		if (!peer->msgbuf[i]) {
			ret = -ENOMEM;
			goto err_free_msgbufs;
		}
	}
	si.node_id = peer->node_id;
	si.epoch = peer->epoch;
	si.mbox_offset = CCM_MBOX_OFFSET;
	si.state = CCM_S_INITIAL;
	ccm_wire_sentinel_encode(page_address(peer->sentinel), &si);
	if (ccm_rogue_is(SENTINEL))
		((u8 *)page_address(peer->sentinel))[8] ^= 0xff;

	ret = ccm_sysfs_add_peer(peer);
	if (ret)
		goto err_free_msgbufs;

	mutex_lock(&ccm_peers_lock);
	list_add_tail(&peer->node, &ccm_peers);
	mutex_unlock(&ccm_peers_lock);

	mutex_lock(&peer->lock);
	/* The first read connects, then listens (ccm_rdma_read()). */
	ccm_peer_event(peer, CCM_EV_START, 0);
	if (!peer->listener)
		ccm_peer_error(peer, "cannot listen yet, retrying on every attempt");
	mutex_unlock(&peer->lock);
	/* Printed while the address resolution runs. */
	pr_info("ccm: partner %pISpc, node %016llx, epoch %016llx\n",
		&cfg->peer_addr, peer->node_id, peer->epoch);
	*out = peer;
	return 0;

err_free_msgbufs:
	for (i = 0; i < CCM_MSGBUF_NR; i++)
		kfree(peer->msgbuf[i]);
	__free_page(peer->sentinel);
err_free_peer:
	kfree(peer);
	return ret;
}

/**
 * ccm_peer_destroy() - stop a partner's handshake and free everything
 * @peer: the partner
 *
 * Works in any state. After peer->stopping is set no handler queues new
 * work that does anything; the connections are then torn down (each waits
 * for its own CM and completion handlers), and only then are the works
 * cancelled for good and the memory freed.
 *
 * Context: process context (module exit).
 */
void ccm_peer_destroy(struct ccm_peer *peer)
{
	unsigned int i;

	mutex_lock(&ccm_peers_lock);
	list_del(&peer->node);
	mutex_unlock(&ccm_peers_lock);

	ccm_sysfs_del_peer(peer);

	mutex_lock(&peer->lock);
	peer->stopping = true;
	ccm_rdma_stop(peer);
	mutex_unlock(&peer->lock);

	cancel_delayed_work_sync(&peer->timer);
	cancel_delayed_work_sync(&peer->poll);
	cancel_work_sync(&peer->work);

	for (i = 0; i < CCM_MSGBUF_NR; i++)
		kfree(peer->msgbuf[i]);
	__free_page(peer->sentinel);
	kfree(peer);
}
