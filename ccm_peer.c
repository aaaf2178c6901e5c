// SPDX-License-Identifier: GPL-2.0
/*
 * ccm - one partner: the session over its interconnect links.
 *
 * Each link (struct ccm_path, ccm_path.c) runs its own handshake and
 * heartbeat. The partner is what the clients and user space see: it is
 * connected while at least one link is, and it is lost only when the last
 * link goes. A link that fails while another one is connected is a link
 * failure, reported as such (links/<n>, a CCM_LINK uevent, the links_down
 * counter) once the partner has shown life on a surviving link, never as
 * the partner's loss: in an HA pair "partner lost" starts a takeover.
 *
 * The clients run on one link at a time, the clients' link (peer->cpath).
 * With one link it is that link. With several, one node chooses it: the
 * leader, the node with the higher node_id. It takes the lowest connected
 * link when it has none, and another one only when that link fails (no
 * fail-back: a move costs the clients their QPs), and announces every
 * choice with a USE message on the chosen link, numbered, before anything
 * else the clients send there. The follower takes the link of the newest
 * USE; messages of the clients on any other link are dropped, so a late
 * message on a link the leader has left cannot pull the follower back.
 * When the clients' link fails while another link keeps the partner, the
 * clients are told CCM_DISC_LINK_DOWN, not CCM_DISC_PARTNER_LOST, and are
 * offered again at once on the new clients' link.
 *
 * Locking: peer->lock protects the partner and all of its links; the links
 * report to it with ccm_peer_path_up() and ccm_peer_path_down() from their
 * FSM, under that lock.
 */
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ktime.h>
#include <linux/random.h>
#include <linux/slab.h>

#include <ccm/ccm.h>
#include <trace/events/ccm.h>
#include "ccm_internal.h"

struct workqueue_struct *ccm_wq;

/* All partners; for ib_client removal. One today, more later. */
DEFINE_MUTEX(ccm_peers_lock);
LIST_HEAD(ccm_peers);

const char * const ccm_pstat_names[CCM_PSTAT_NR] = {
	[CCM_PSTAT_PARTNER_LOST]	= "partner_lost",
	[CCM_PSTAT_LINKS_DOWN]		= "links_down",
	[CCM_PSTAT_REDUNDANCY_LOST]	= "redundancy_lost",
};

/**
 * ccm_peer_error() - record the partner's last error and log it
 * @peer: the partner
 * @fmt: printf format
 *
 * For what concerns the partner as a whole (the client exchange); a link's
 * own errors go through ccm_path_error(), which also lands here.
 *
 * Context: process context, peer->lock held.
 */
void ccm_peer_error(struct ccm_peer *peer, const char *fmt, ...)
{
	va_list args;

	lockdep_assert_held(&peer->lock);
	va_start(args, fmt);
	vsnprintf(peer->last_error, sizeof(peer->last_error), fmt, args);
	va_end(args);
	pr_warn_ratelimited("ccm: %pISc: %s\n", &peer->cfg->peer_addr[0],
			    peer->last_error);
}

/*
 * The partner's state for sysfs and uevents: connected while any link is;
 * else the state of the link that got furthest, an error only when every
 * link is in error. With one link, that link's state.
 */
static enum ccm_state ccm_peer_compute_state(struct ccm_peer *peer)
{
	enum ccm_state best = CCM_S_ERROR, st;
	unsigned int i;

	for (i = 0; i < peer->nr_paths; i++) {
		st = peer->paths[i]->state;
		if (st == CCM_S_CONNECTED)
			return st;
		if (st != CCM_S_ERROR && (best == CCM_S_ERROR || st > best))
			best = st;
	}
	return best;
}

/**
 * ccm_peer_state_changed() - a link's state changed its name
 * @peer: the partner
 *
 * Recomputes the partner's state; when its name changed, the CCM_STATE
 * uevent goes out.
 *
 * Context: process context, peer->lock held.
 */
void ccm_peer_state_changed(struct ccm_peer *peer)
{
	enum ccm_state st = ccm_peer_compute_state(peer);
	const char *name = ccm_state_name(st);

	lockdep_assert_held(&peer->lock);
	WRITE_ONCE(peer->state, st);
	if (peer->uevent_state && !strcmp(peer->uevent_state, name))
		return;
	peer->uevent_state = name;
	WRITE_ONCE(peer->state_since, jiffies);
	ccm_sysfs_uevent_state(peer);
}

/* The first up link not in @skip if there is one, else the first up one. */
static struct ccm_path *ccm_peer_up_link(struct ccm_peer *peer,
					 unsigned long skip)
{
	struct ccm_path *any = NULL;
	unsigned int i;

	for (i = 0; i < peer->nr_paths; i++) {
		if (!peer->paths[i]->up)
			continue;
		if (!(skip & BIT(i)))
			return peer->paths[i];
		any = any ?: peer->paths[i];
	}
	return any;
}

/* With several links, the node with the higher node_id picks the clients'. */
static bool ccm_peer_leads(const struct ccm_peer *peer)
{
	if (peer->node_id != peer->peer_node_id)
		return peer->node_id > peer->peer_node_id;
	return peer->epoch > peer->peer_epoch;
}

/*
 * Move the clients to @path (NULL: none). Those on the old link are told
 * @reason; on @path they are offered once it is connected.
 */
static void ccm_peer_set_cpath(struct ccm_peer *peer, struct ccm_path *path,
			       int reason)
{
	lockdep_assert_held(&peer->lock);
	peer->cpath_gen = path ? path->cur_gen : 0;
	if (peer->cpath == path)
		return;
	if (peer->cpath)
		ccm_clients_down(peer, reason);
	WRITE_ONCE(peer->cpath, path);
	if (!path)
		return;
	pr_info("ccm: clients on link %u (%pISc)\n", path->idx,
		path->peer_addr);
}

/*
 * Leader: no clients' link, or it failed: take the lowest connected link,
 * announce it, and offer the clients there.
 */
static void ccm_peer_choose(struct ccm_peer *peer, int reason)
{
	struct ccm_path *next = NULL;
	u8 msg[sizeof(struct ccm_wire_msg)];
	unsigned int i;
	int len;

	lockdep_assert_held(&peer->lock);
	for (i = 0; i < peer->nr_paths && !next; i++)
		if (peer->paths[i]->up)
			next = peer->paths[i];
	ccm_peer_set_cpath(peer, next, reason);
	if (!next)
		return;
	if (!++peer->use_seq)
		peer->use_seq = 1;
	len = ccm_wire_msg_use(msg, sizeof(msg), next->cur_gen, peer->use_seq);
	if (len < 0 || ccm_rdma_send_msg(next, msg, len))
		ccm_path_error(next, "cannot announce the clients' link (%d)",
			       len < 0 ? len : -EIO);
	ccm_clients_up(peer);
}

/**
 * ccm_peer_clients_rx() - may a client message on this link be used?
 * @path: the link it came on
 *
 * Only on the clients' link. One exception: a follower that has no
 * clients' link and never got a USE takes the link of the partner's
 * first client message. A partner with several links always sends USE
 * before its clients' messages on a link, so this only happens with a
 * partner configured with one link (which never sends USE).
 *
 * Context: process context (peer->work), peer->lock held.
 * Return: true when the message is for the clients.
 */
bool ccm_peer_clients_rx(struct ccm_path *path)
{
	struct ccm_peer *peer = path->peer;

	lockdep_assert_held(&peer->lock);
	if (path == peer->cpath)
		return true;
	if (peer->nr_paths == 1 || peer->cpath || peer->use_seen ||
	    ccm_peer_leads(peer))
		return false;
	ccm_peer_set_cpath(peer, path, CCM_DISC_LINK_DOWN);
	return true;
}

/**
 * ccm_peer_use_rx() - the partner announced the clients' link
 * @path: the link the USE message came on
 * @seq: its sequence number
 *
 * Context: process context (peer->work), peer->lock held.
 */
void ccm_peer_use_rx(struct ccm_path *path, u16 seq)
{
	struct ccm_peer *peer = path->peer;

	lockdep_assert_held(&peer->lock);
	/* Configured with one link here: that link is the clients'. */
	if (peer->nr_paths == 1)
		return;
	if (ccm_peer_leads(peer)) {
		ccm_stat_inc(path, CCM_STAT_MSGS_INVALID);
		ccm_path_error(path, "USE from the partner: this node chooses the link");
		return;
	}
	if (peer->use_seen && (s16)(seq - peer->use_seen) <= 0) {
		ccm_stat_inc(path, CCM_STAT_MSGS_STALE);
		return;
	}
	peer->use_seen = seq;
	ccm_peer_set_cpath(peer, path, CCM_DISC_LINK_DOWN);
	if (path->up)
		ccm_clients_up(peer);
}

/**
 * ccm_peer_down_rx() - the partner's end of one of our links failed
 * @path: the link the DOWN message came on
 * @li: the partner's address on the failed link
 *
 * Its failure is the link's, the partner says so on another: our end is
 * failed now (rather than after the silence) and judged at once, which
 * moves the clients if they were on it.
 *
 * Context: process context, peer->lock held, not inside the failed
 * link's FSM (peer->work, or the deferred messages of @path's FSM).
 */
void ccm_peer_down_rx(struct ccm_path *path, const struct ccm_link_info *li)
{
	struct ccm_peer *peer = path->peer;
	struct sockaddr_storage a = {};
	struct ccm_path *p = NULL;
	unsigned int i;

	lockdep_assert_held(&peer->lock);
	a.ss_family = li->family == 4 ? AF_INET : AF_INET6;
	if (li->family == 4)
		memcpy(&((struct sockaddr_in *)&a)->sin_addr, li->addr, 4);
	else
		memcpy(&((struct sockaddr_in6 *)&a)->sin6_addr, li->addr, 16);
	for (i = 0; i < peer->nr_paths && !p; i++)
		if (ccm_addr_equal(peer->paths[i]->peer_addr, &a))
			p = peer->paths[i];
	if (!p || p == path) {
		ccm_stat_inc(path, CCM_STAT_MSGS_INVALID);
		ccm_path_error(path, "the partner reports %s link down",
			       p ? "this very" : "an unknown");
		return;
	}
	/* About a connection of that link we no longer use: too late. */
	if (li->gen != (p->up ? p->cur_gen : p->down_gen)) {
		ccm_stat_inc(path, CCM_STAT_MSGS_STALE);
		return;
	}
	if (p->up) {
		p->down_known = true;
		p->down_told = true;
		ccm_stat_inc(p, CCM_STAT_CONNS_LOST);
		ccm_path_error(p, "the partner's end failed (told on link %u)",
			       path->idx);
		ccm_path_event(p, CCM_EV_CONN_LOST, p->cur_gen);
		return;
	}
	if (peer->pending_links & BIT(p->idx)) {
		peer->known_links |= BIT(p->idx);
		peer->told_links |= BIT(p->idx);
		mod_delayed_work(ccm_wq, &peer->verdict, 0);
	}
}

/**
 * ccm_peer_path_up() - a link reached connected
 * @path: the link
 *
 * Context: process context (the link's FSM), peer->lock held.
 */
void ccm_peer_path_up(struct ccm_path *path)
{
	struct ccm_peer *peer = path->peer;

	lockdep_assert_held(&peer->lock);
	if (path->up)
		return;
	path->up = true;
	peer->nr_up++;
	ccm_rdma_self_addr(path, &path->self_addr);
	WRITE_ONCE(peer->peer_node_id, path->peer_node_id);
	WRITE_ONCE(peer->peer_epoch, path->peer_epoch);
	if (peer->nr_paths > 1) {
		pr_info("ccm: link %u (%pISc) up, %u of %u links connected\n",
			path->idx, path->peer_addr, peer->nr_up,
			peer->nr_paths);
		ccm_sysfs_uevent_link(path, true);
		if (peer->nr_up == 2) {
			peer->redundancy_lost = false;
			ccm_sysfs_uevent_redundancy(peer, true);
		}
	}
	/*
	 * The clients' link back on a new connection before its failure was
	 * judged: what the clients had there (QPs, offers, the USE) went with
	 * the old one. The leader chooses again, the follower waits for its
	 * USE (the SPIN model of the links found both dead ends).
	 */
	if (peer->nr_paths > 1 && path == peer->cpath &&
	    peer->cpath_gen != path->cur_gen)
		ccm_peer_set_cpath(peer, NULL, CCM_DISC_LINK_DOWN);
	if (peer->nr_paths > 1 && ccm_peer_leads(peer) &&
	    (!peer->cpath || !peer->cpath->up))
		ccm_peer_choose(peer, CCM_DISC_LINK_DOWN);
	else if (path == peer->cpath)
		ccm_clients_up(peer);
}

/*
 * Links that failed while another one was up are only a link failure once
 * the partner has shown life on a link that is still up since: a partner
 * that dies is seen by each link at a slightly different moment, and its
 * clients must hear "partner lost", not "link down" first. So a link's
 * failure waits (peer->pending_links) until a surviving link's heartbeat
 * moves or a control message arrives on one (the partner's software, not
 * just its adapter), or until the last link fails too (the partner is
 * lost). The surviving links' mailboxes are watched every poll interval
 * meanwhile: the partner writes its heartbeat every heartbeat_ms.
 */
static bool ccm_peer_proven_alive(struct ccm_peer *peer)
{
	struct ccm_path *path;
	unsigned int i;
	u64 hb;

	for (i = 0; i < peer->nr_paths; i++) {
		path = peer->paths[i];
		if (!path->up)
			continue;
		hb = path->hb_rx;
		ccm_rdma_poll_mbox(path);
		if (path->hb_rx != hb)
			ccm_path_alive(path);
		if (path->up && path->alive_ns > peer->pending_since)
			return true;
	}
	return false;
}

/* Our address on @path as a DOWN entry; false when it is not known. */
static bool ccm_peer_link_info(const struct ccm_path *path,
			       struct ccm_link_info *li)
{
	const struct sockaddr_in *a4 = (const void *)&path->self_addr;
	const struct sockaddr_in6 *a6 = (const void *)&path->self_addr;

	memset(li, 0, sizeof(*li));
	li->gen = path->down_gen;
	if (!li->gen)
		return false;
	if (path->self_addr.ss_family == AF_INET) {
		li->family = 4;
		memcpy(li->addr, &a4->sin_addr, 4);
	} else if (path->self_addr.ss_family == AF_INET6) {
		li->family = 6;
		memcpy(li->addr, &a6->sin6_addr, 16);
	}
	return li->family;
}

/*
 * Tell the partner, on @other, that our end of @path failed: it fails its
 * end at once rather than after the silence, and so takes the clients to
 * another link (or, leading, chooses one) as soon as we do.
 */
static void ccm_peer_send_down(struct ccm_path *path, struct ccm_path *other)
{
	u8 msg[sizeof(struct ccm_wire_msg) + sizeof(struct ccm_wire_link)];
	struct ccm_link_info li;
	int len;

	if (!ccm_peer_link_info(path, &li))
		return;
	len = ccm_wire_msg_down(msg, sizeof(msg), other->cur_gen, &li);
	/* A hint: the partner notices by itself, just later. */
	if (len >= 0)
		len = ccm_rdma_send_hint(other, msg, len);
	if (len < 0)
		pr_info("ccm: link %u: partner not told it is down (%d)\n",
			path->idx, len);
}

/*
 * The pending link failures of @mask are link failures: report them,
 * tell the partner of those it did not tell us, move on.
 */
static void ccm_peer_links_failed(struct ccm_peer *peer, unsigned long mask)
{
	unsigned long told = peer->told_links & mask;
	struct ccm_path *path, *other;
	unsigned int i;
	int reason;

	peer->pending_links &= ~mask;
	peer->known_links &= ~mask;
	peer->told_links &= ~mask;
	if (!peer->pending_links)
		peer->pending_since = 0;
	/*
	 * An up link, one not judged here if there is one (one of @mask may
	 * be back already); there is always an up link while any is pending.
	 */
	other = ccm_peer_up_link(peer, mask);
	for_each_set_bit(i, &mask, CCM_MAX_PATHS) {
		path = peer->paths[i];
		ccm_pstat_inc(peer, CCM_PSTAT_LINKS_DOWN);
		pr_warn("ccm: link %u (%pISc) down, partner still connected on link %u\n",
			path->idx, path->peer_addr, other->idx);
		ccm_sysfs_uevent_link(path, false);
		/* Not for one that is back already: its new connection lives. */
		if (!(told & BIT(i)) && !path->up)
			ccm_peer_send_down(path, other);
	}
	if (peer->nr_up == 1 && !peer->redundancy_lost) {
		peer->redundancy_lost = true;
		ccm_pstat_inc(peer, CCM_PSTAT_REDUNDANCY_LOST);
		ccm_sysfs_uevent_redundancy(peer, false);
	}
	/*
	 * A reboot seen on another link still applies to the links left;
	 * what took a link down (its device, say) does not.
	 */
	reason = CCM_DISC_LINK_DOWN;
	if (peer->down_reason == CCM_DISC_PARTNER_REBOOTED)
		reason = peer->down_reason;
	else
		peer->down_reason = CCM_DISC_PARTNER_LOST;
	if (!peer->cpath || peer->cpath->up)
		return;
	/* The leader moves the clients; the follower waits for USE. */
	if (ccm_peer_leads(peer))
		ccm_peer_choose(peer, reason);
	else
		ccm_peer_set_cpath(peer, NULL, reason);
}

static void ccm_peer_verdict_check(struct ccm_peer *peer)
{
	lockdep_assert_held(&peer->lock);
	if (!peer->pending_links || peer->stopping)
		return;
	/* A failure known to be the link's needs no proof of life. */
	if (peer->pending_links & peer->known_links)
		ccm_peer_links_failed(peer, peer->pending_links &
				      peer->known_links);
	if (!peer->pending_links)
		return;
	if (ccm_peer_proven_alive(peer)) {
		ccm_peer_links_failed(peer, peer->pending_links);
		return;
	}
	queue_delayed_work(ccm_wq, &peer->verdict,
			   msecs_to_jiffies(peer->cfg->poll_interval_ms));
}

static void ccm_peer_verdict(struct work_struct *work)
{
	struct ccm_peer *peer = container_of(to_delayed_work(work),
					     struct ccm_peer, verdict);

	mutex_lock(&peer->lock);
	ccm_peer_verdict_check(peer);
	mutex_unlock(&peer->lock);
}

/**
 * ccm_peer_path_alive() - a link showed the partner's life
 * @path: the link
 *
 * Settles pending link failures at once.
 *
 * Context: process context, peer->lock held.
 */
void ccm_peer_path_alive(struct ccm_path *path)
{
	struct ccm_peer *peer = path->peer;

	lockdep_assert_held(&peer->lock);
	if (peer->pending_links && path->up)
		mod_delayed_work(ccm_wq, &peer->verdict, 0);
}

/**
 * ccm_peer_device_gone() - an RDMA device is being removed
 * @peer: the partner
 * @dev: the device; its links' connections are failed already
 *
 * Releases the clients' links on @dev now, for the ib_client's remove
 * callback to flush their teardowns before it returns: every verbs object
 * on @dev must be gone by then. When other links are up, the verdict
 * moves the clients to one of them later, as for any link failure; in
 * between they hear CCM_DISC_LINK_DOWN.
 *
 * Context: process context, peer->lock held.
 */
void ccm_peer_device_gone(struct ccm_peer *peer, struct ib_device *dev)
{
	lockdep_assert_held(&peer->lock);
	ccm_clients_device_gone(peer, dev, peer->nr_up ? CCM_DISC_LINK_DOWN :
				CCM_DISC_DEVICE_GONE);
}

/**
 * ccm_peer_path_down() - a link left connected
 * @path: the link; ->silent when its heartbeat went silent
 *
 * With another link still connected this may be a link failure or the
 * partner's death seen first on this link: it is settled by the next sign
 * of the partner's life on a surviving link (a link failure: links_down,
 * and the clients on this link told CCM_DISC_LINK_DOWN and moved), or by
 * the failure of the last link. The last link's failure is the partner's
 * loss, for the reason the links recorded (lost, rebooted, device gone).
 * Called before the link's connection is torn down.
 *
 * Context: process context (the link's FSM), peer->lock held.
 */
void ccm_peer_path_down(struct ccm_path *path)
{
	struct ccm_peer *peer = path->peer;
	int reason = path->down_reason;
	bool known = path->down_known, told = path->down_told;
	unsigned long pending;
	unsigned int i;

	lockdep_assert_held(&peer->lock);
	path->down_reason = CCM_DISC_PARTNER_LOST;
	path->down_known = false;
	path->down_told = false;
	if (!path->up)
		return;
	path->down_gen = path->cur_gen;
	path->up = false;
	peer->nr_up--;
	/*
	 * The reason the clients hear if this turns out to be the partner's
	 * loss: a restart seen on any link outweighs a device removal, which
	 * outweighs silence. Only the links' own causes count here, each
	 * recorded while its link was up, so none is left over from a
	 * connection the clients never used.
	 */
	if (reason == CCM_DISC_PARTNER_REBOOTED ||
	    peer->down_reason == CCM_DISC_PARTNER_LOST)
		peer->down_reason = reason;
	if (peer->nr_up) {
		if (!peer->pending_links)
			peer->pending_since = ktime_get_ns();
		peer->pending_links |= BIT(path->idx);
		/* What this failure is; not what an earlier one of it was. */
		__assign_bit(path->idx, &peer->known_links, known);
		__assign_bit(path->idx, &peer->told_links, told);
		mod_delayed_work(ccm_wq, &peer->verdict, 0);
		return;
	}
	/* The last link: the partner is gone. */
	pending = peer->pending_links;
	peer->pending_links = 0;
	peer->known_links = 0;
	peer->told_links = 0;
	peer->pending_since = 0;
	WRITE_ONCE(peer->last_detection_ns, path->last_detection_ns);
	if (path->silent) {
		ccm_pstat_inc(peer, CCM_PSTAT_PARTNER_LOST);
		if (peer->nr_paths > 1)
			pr_warn("ccm: partner lost: no sign of life on any of its %u links\n",
				peer->nr_paths);
	}
	ccm_clients_down(peer, peer->down_reason);
	peer->down_reason = CCM_DISC_PARTNER_LOST;
	if (peer->nr_paths > 1) {
		for_each_set_bit(i, &pending, CCM_MAX_PATHS)
			ccm_sysfs_uevent_link(peer->paths[i], false);
		ccm_sysfs_uevent_link(path, false);
		/* Chosen anew once the partner is back; it may have restarted. */
		WRITE_ONCE(peer->cpath, NULL);
		peer->use_seen = 0;
	}
}

/**
 * ccm_peer_partner_seen() - a link learned who is at its other end
 * @path: the link
 * @node_id: the partner's node identity
 * @epoch: its boot epoch
 *
 * A new epoch seen on any link means the partner restarted: every link
 * still connected to its previous incarnation is failed now rather than
 * at its next heartbeat, and the clients are told "partner rebooted".
 *
 * Context: process context (not inside @path's FSM), peer->lock held.
 */
void ccm_peer_partner_seen(struct ccm_path *path, u64 node_id, u64 epoch)
{
	struct ccm_peer *peer = path->peer;
	struct ccm_path *p;
	unsigned int i;

	lockdep_assert_held(&peer->lock);
	if (peer->peer_epoch && peer->peer_epoch != epoch && peer->nr_up) {
		for (i = 0; i < peer->nr_paths; i++) {
			p = peer->paths[i];
			if (p == path || !p->up || p->peer_epoch == epoch)
				continue;
			p->down_reason = CCM_DISC_PARTNER_REBOOTED;
			ccm_stat_inc(p, CCM_STAT_CONNS_LOST);
			ccm_path_error(p, "partner restarted (seen on link %u)",
				       path->idx);
			ccm_path_event(p, CCM_EV_CONN_LOST, p->cur_gen);
		}
	}
	if (!peer->nr_up) {
		WRITE_ONCE(peer->peer_node_id, node_id);
		WRITE_ONCE(peer->peer_epoch, epoch);
	}
}

/**
 * ccm_peer_live_link() - a link connected to another incarnation
 * @peer: the partner
 * @epoch: the epoch a new connection of the partner claims
 *
 * Context: process context, peer->lock held.
 * Return: a link connected (its liveness check not failed) to a partner
 * of another epoch than @epoch, or NULL.
 */
struct ccm_path *ccm_peer_live_link(struct ccm_peer *peer, u64 epoch)
{
	unsigned int i;

	lockdep_assert_held(&peer->lock);
	for (i = 0; i < peer->nr_paths; i++)
		if (peer->paths[i]->up && peer->paths[i]->peer_epoch != epoch)
			return peer->paths[i];
	return NULL;
}

/**
 * ccm_peer_route() - the link a connection request from @src belongs to
 * @peer: the partner
 * @src: the request's source address
 *
 * Context: any (the links are constant while the partner exists).
 * Return: the link whose partner address is @src, or NULL.
 */
struct ccm_path *ccm_peer_route(struct ccm_peer *peer,
				const struct sockaddr_storage *src)
{
	unsigned int i;

	for (i = 0; i < peer->nr_paths; i++)
		if (ccm_addr_equal(src, peer->paths[i]->peer_addr))
			return peer->paths[i];
	return NULL;
}

/**
 * ccm_peer_ctrl_id() - the CM id of the clients' control connection
 * @peer: the partner
 *
 * Context: process context, peer->lock held.
 * Return: the CM id, or NULL when that link has no ready connection.
 */
struct rdma_cm_id *ccm_peer_ctrl_id(struct ccm_peer *peer)
{
	lockdep_assert_held(&peer->lock);
	return peer->cpath ? ccm_rdma_ctrl_id(peer->cpath) : NULL;
}

/**
 * ccm_peer_ctrl_leads() - whether this node leads the client exchange
 * @peer: the partner
 *
 * Context: process context, peer->lock held.
 * Return: true on the active side of the clients' control connection.
 */
bool ccm_peer_ctrl_leads(struct ccm_peer *peer)
{
	lockdep_assert_held(&peer->lock);
	return peer->cpath && ccm_rdma_ctrl_leads(peer->cpath);
}

/**
 * ccm_peer_ctrl_gen() - the generation of the clients' control connection
 * @peer: the partner
 *
 * Context: process context, peer->lock held.
 * Return: the generation, 0 when there is no clients' link.
 */
u32 ccm_peer_ctrl_gen(struct ccm_peer *peer)
{
	lockdep_assert_held(&peer->lock);
	return peer->cpath ? peer->cpath->cur_gen : 0;
}

/**
 * ccm_peer_ctrl_up() - can the clients exchange and connect now?
 * @peer: the partner
 *
 * Context: process context, peer->lock held.
 * Return: true when the clients' link is connected and ready.
 */
bool ccm_peer_ctrl_up(struct ccm_peer *peer)
{
	lockdep_assert_held(&peer->lock);
	return peer->cpath && peer->cpath->state == CCM_S_CONNECTED &&
	       ccm_rdma_ctrl_id(peer->cpath);
}

/**
 * ccm_peer_send_msg() - send a control message to the partner's ccm
 * @peer: the partner
 * @msg: the message
 * @len: its length, at most CCM_MSG_MAX
 *
 * On the clients' link; see ccm_rdma_send_msg().
 *
 * Context: process context, peer->lock held.
 * Return: 0 when queued or sent, else a negative errno.
 */
int ccm_peer_send_msg(struct ccm_peer *peer, const void *msg, size_t len)
{
	lockdep_assert_held(&peer->lock);
	if (!peer->cpath)
		return -ENOTCONN;
	return ccm_rdma_send_msg(peer->cpath, msg, len);
}

/**
 * ccm_peer_stat_msg() - count a control message event of the clients
 * @peer: the partner
 * @s: the counter
 *
 * Counted on the clients' link, which carried the message.
 *
 * Context: process context, peer->lock held.
 */
void ccm_peer_stat_msg(struct ccm_peer *peer, enum ccm_stat s)
{
	lockdep_assert_held(&peer->lock);
	ccm_stat_inc(peer->cpath ?: peer->paths[0], s);
}

/**
 * ccm_peer_port_event() - note a port's event for the partner's work
 * @peer: the partner
 * @dev: the device, compared only
 * @port: its port
 * @down: the port went down (else it became active)
 *
 * Context: any (ib_core's event workqueue); takes peer->port_lock.
 */
void ccm_peer_port_event(struct ccm_peer *peer, const struct ib_device *dev,
			 u32 port, bool down)
{
	struct ccm_port_event *e = NULL;
	unsigned int i;

	spin_lock(&peer->port_lock);
	for (i = 0; i < peer->nr_port_ev && !e; i++)
		if (peer->port_ev[i].dev == dev && peer->port_ev[i].port == port)
			e = &peer->port_ev[i];
	if (!e && peer->nr_port_ev < CCM_PORT_EVENTS)
		e = &peer->port_ev[peer->nr_port_ev++];
	if (e) {
		e->dev = dev;
		e->port = port;
		e->down = down;
	}
	spin_unlock(&peer->port_lock);
	set_bit(CCM_PEER_PORT_EVENT, &peer->flags);
	queue_work(ccm_wq, &peer->work);
}

static void ccm_peer_work(struct work_struct *work)
{
	struct ccm_peer *peer = container_of(work, struct ccm_peer, work);
	struct ccm_port_event ev[CCM_PORT_EVENTS];
	unsigned int i, nr;

	mutex_lock(&peer->lock);
	if (!peer->stopping) {
		/* A port event: its links fail now, before anything else. */
		if (test_and_clear_bit(CCM_PEER_PORT_EVENT, &peer->flags)) {
			spin_lock(&peer->port_lock);
			nr = peer->nr_port_ev;
			memcpy(ev, peer->port_ev, nr * sizeof(ev[0]));
			peer->nr_port_ev = 0;
			spin_unlock(&peer->port_lock);
			for (i = 0; i < peer->nr_paths; i++)
				ccm_rdma_check_ports(peer->paths[i], ev, nr);
		}
		for (i = 0; i < peer->nr_paths; i++)
			ccm_rdma_process(peer->paths[i]);
		ccm_clients_process(peer);
	}
	mutex_unlock(&peer->lock);
}

static u64 ccm_peer_default_node_id(const struct ccm_config *cfg)
{
	u64 id = cfg->node_id;

	while (!id)
		id = get_random_u64();
	return id;
}

static void ccm_peer_free(struct ccm_peer *peer)
{
	unsigned int i;

	for (i = 0; i < CCM_MAX_PATHS; i++)
		if (peer->paths[i])
			ccm_path_free(peer->paths[i]);
	for (i = 0; i < CCM_MSGBUF_NR; i++)
		kfree(peer->msgbuf[i]);
	kfree(peer);
}

/**
 * ccm_peer_create() - set up a partner and start the handshake on its links
 * @cfg: the configuration, which must outlive the partner
 * @out: the new partner
 *
 * Creates every link (its sentinel page, links/<n>), the partner's sysfs
 * files, and feeds each link its first CCM_EV_START.
 *
 * Context: process context (module init).
 * Return: 0 or a negative errno.
 */
int ccm_peer_create(const struct ccm_config *cfg, struct ccm_peer **out)
{
	struct ccm_peer *peer;
	unsigned int i;
	int ret;

	peer = kzalloc(sizeof(*peer), GFP_KERNEL);
	if (!peer)
		return -ENOMEM;
	peer->cfg = cfg;
	mutex_init(&peer->lock);
	INIT_WORK(&peer->work, ccm_peer_work);
	spin_lock_init(&peer->port_lock);
	INIT_DELAYED_WORK(&peer->verdict, ccm_peer_verdict);
	INIT_LIST_HEAD(&peer->node);
	peer->state = CCM_S_INITIAL;
	peer->state_since = jiffies;
	peer->down_reason = CCM_DISC_PARTNER_LOST;
	peer->node_id = ccm_peer_default_node_id(cfg);
	do {
		peer->epoch = get_random_u64();
	} while (!peer->epoch);
	for (i = 0; i < CCM_MSGBUF_NR; i++) {
		peer->msgbuf[i] = kmalloc(CCM_MSG_MAX, GFP_KERNEL);
		if (!peer->msgbuf[i]) {
			ret = -ENOMEM;
			goto err_free;
		}
	}
	for (i = 0; i < cfg->nr_paths; i++) {
		ret = ccm_path_create(peer, i, &peer->paths[i]);
		if (ret)
			goto err_free;
		peer->nr_paths++;
	}
	/* One link: the clients' for good. Several: chosen once connected. */
	if (peer->nr_paths == 1)
		peer->cpath = peer->paths[0];
	ret = ccm_sysfs_add_peer(peer);
	if (ret)
		goto err_free;

	mutex_lock(&ccm_peers_lock);
	list_add_tail(&peer->node, &ccm_peers);
	mutex_unlock(&ccm_peers_lock);

	mutex_lock(&peer->lock);
	for (i = 0; i < peer->nr_paths; i++) {
		struct ccm_path *path = peer->paths[i];

		ccm_path_start(path);
		/* Without local addresses only link 0 listens, for all. */
		if (!path->listener && (!i || path->local_addr->ss_family))
			ccm_path_error(path, "cannot listen yet, retrying on every attempt");
	}
	mutex_unlock(&peer->lock);
	/* Printed while the address resolution runs. */
	if (peer->nr_paths == 1)
		pr_info("ccm: partner %pISpc, node %016llx, epoch %016llx\n",
			peer->paths[0]->peer_addr, peer->node_id, peer->epoch);
	for (i = 0; i < peer->nr_paths && peer->nr_paths > 1; i++)
		pr_info("ccm: partner %pISpc on link %u of %u, node %016llx, epoch %016llx\n",
			peer->paths[i]->peer_addr, i, peer->nr_paths,
			peer->node_id, peer->epoch);
	*out = peer;
	return 0;

err_free:
	ccm_peer_free(peer);
	return ret;
}

/**
 * ccm_peer_destroy() - stop a partner's links and free everything
 * @peer: the partner
 *
 * Works in any state. After peer->stopping is set no handler queues new
 * work that does anything; every link's connections are then torn down
 * (each waits for its own CM and completion handlers), and only then are
 * the works cancelled for good and the memory freed.
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
	for (i = 0; i < peer->nr_paths; i++)
		ccm_path_stop(peer->paths[i]);
	mutex_unlock(&peer->lock);

	cancel_delayed_work_sync(&peer->verdict);
	cancel_work_sync(&peer->work);
	ccm_peer_free(peer);
}
