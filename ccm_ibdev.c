// SPDX-License-Identifier: GPL-2.0
/*
 * ccm - the transport and the RDMA devices: the ib_client (a device added
 * kicks the links, a device removed takes its connections with it), port
 * events, the device a link runs on, and the transport's init and exit.
 */
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <rdma/ib_verbs.h>
#include <rdma/rdma_cm.h>

#include <ccm/ccm.h>
#include "ccm_conn.h"

static void ccm_rdma_device_gone(struct ccm_path *path, struct ib_device *dev)
{
	struct ccm_conn *conn, *tmp;
	LIST_HEAD(gone);

	lockdep_assert_held(&path->peer->lock);
	if (path->listener && path->listener->cm_id->device == dev)
		ccm_conn_destroy(path->listener);
	spin_lock(&path->incoming_lock);
	list_for_each_entry_safe(conn, tmp, &path->incoming, node)
		if (conn->cm_id->device == dev)
			list_move(&conn->node, &gone);
	spin_unlock(&path->incoming_lock);
	list_for_each_entry_safe(conn, tmp, &gone, node)
		ccm_conn_destroy(conn);
restart:
	list_for_each_entry(conn, &path->conns, node) {
		if (conn->cm_id->device != dev)
			continue;
		ccm_stat_inc(path, CCM_STAT_CONNS_LOST);
		ccm_path_error(path, "RDMA device %s removed",
			       dev_name(&dev->dev));
		if (conn == path->cur && path->up) {
			path->down_reason = CCM_DISC_DEVICE_GONE;
			path->down_known = true;
		}
		ccm_conn_fail(conn, conn->established ? CCM_EV_CONN_LOST :
				    CCM_EV_UNREACHABLE);
		goto restart;
	}
}

/* Did the last event of @conn's port say it went down? */
static bool ccm_conn_port_down(const struct ccm_conn *conn,
			       const struct ccm_port_event *ev,
			       unsigned int nr)
{
	unsigned int i;

	if (!conn->cm_id || !conn->cm_id->device || !conn->cm_id->port_num)
		return false;
	for (i = 0; i < nr; i++)
		if (ev[i].dev == conn->cm_id->device &&
		    ev[i].port == conn->cm_id->port_num)
			return ev[i].down;
	return false;
}

/**
 * ccm_rdma_check_ports() - fail a link's connections whose port went down
 * @path: the link
 * @ev: the port events since the last look, the last one per port
 * @nr: their number
 *
 * A connection whose port went down is failed now, without waiting for
 * the heartbeat or the transport's retries; a link waiting for its next
 * attempt is tried now when a port came up. The state comes from the
 * events: querying the port here would take the RTNL (rxe asks its
 * netdev for the link speed), which a flapping link keeps busy, and the
 * worker would stop every link's heartbeat meanwhile.
 *
 * Context: process context (peer->work), peer->lock held.
 */
void ccm_rdma_check_ports(struct ccm_path *path,
			  const struct ccm_port_event *ev, unsigned int nr)
{
	struct ccm_conn *conn;
	unsigned int i;

	lockdep_assert_held(&path->peer->lock);
restart:
	list_for_each_entry(conn, &path->conns, node) {
		if (!ccm_conn_port_down(conn, ev, nr))
			continue;
		ccm_stat_inc(path, CCM_STAT_CONNS_LOST);
		ccm_path_error(path, "local port %s/%u down",
			       dev_name(&conn->cm_id->device->dev),
			       conn->cm_id->port_num);
		if (conn == path->cur && path->up)
			path->down_known = true;	/* ours, not the partner */
		ccm_conn_fail(conn, conn->established ? CCM_EV_CONN_LOST :
				    CCM_EV_UNREACHABLE);
		goto restart;
	}
	for (i = 0; i < nr; i++)
		if (!ev[i].down && path->state == CCM_S_WAITING && !path->cur)
			mod_delayed_work(ccm_wq, &path->timer, 0);
}

static struct ib_client ccm_ib_client;

/*
 * A port went down or up: ib_core calls this from its workqueue. Only a
 * note and a kick here: the partners' work acts on it under its lock
 * (ccm_rdma_check_ports()).
 */
static void ccm_ib_event(struct ib_event_handler *h, struct ib_event *ev)
{
	struct ccm_peer *peer;

	if (ev->event != IB_EVENT_PORT_ERR && ev->event != IB_EVENT_PORT_ACTIVE)
		return;
	pr_debug("ccm: %s port %u: %s\n", dev_name(&ev->device->dev),
		 ev->element.port_num, ib_event_msg(ev->event));
	mutex_lock(&ccm_peers_lock);
	list_for_each_entry(peer, &ccm_peers, node)
		ccm_peer_port_event(peer, ev->device, ev->element.port_num,
				    ev->event == IB_EVENT_PORT_ERR);
	mutex_unlock(&ccm_peers_lock);
}

static int ccm_ib_add(struct ib_device *dev)
{
	struct ib_event_handler *eh;
	struct ccm_peer *peer;
	unsigned int i;

	pr_debug("ccm: RDMA device %s added\n", dev_name(&dev->dev));
	eh = kzalloc(sizeof(*eh), GFP_KERNEL);
	if (!eh)
		return -ENOMEM;
	INIT_IB_EVENT_HANDLER(eh, dev, ccm_ib_event);
	ib_register_event_handler(eh);
	ib_set_client_data(dev, &ccm_ib_client, eh);
	mutex_lock(&ccm_peers_lock);
	list_for_each_entry(peer, &ccm_peers, node)
		for (i = 0; i < peer->nr_paths; i++)
			ccm_path_kick(peer->paths[i]);
	mutex_unlock(&ccm_peers_lock);
	return 0;
}

/* Everything on @dev is gone when this returns, as ib_core requires. */
static void ccm_ib_remove(struct ib_device *dev, void *client_data)
{
	struct ib_event_handler *eh = client_data;
	struct ccm_peer *peer;
	unsigned int i;

	/* First: the handler takes ccm_peers_lock, which is taken below. */
	if (eh) {
		ib_unregister_event_handler(eh);
		kfree(eh);
	}
	mutex_lock(&ccm_peers_lock);
	list_for_each_entry(peer, &ccm_peers, node) {
		mutex_lock(&peer->lock);
		for (i = 0; i < peer->nr_paths && !peer->stopping; i++)
			ccm_rdma_device_gone(peer->paths[i], dev);
		if (!peer->stopping)
			ccm_peer_device_gone(peer, dev);
		mutex_unlock(&peer->lock);
	}
	mutex_unlock(&ccm_peers_lock);
	/* Connections on @dev, and client links, are torn down elsewhere. */
	ccm_rdma_flush();
	ccm_clients_flush();
}

/**
 * ccm_rdma_device_name() - the RDMA device a link's connection runs on
 * @path: the link
 *
 * Context: process context, peer->lock held.
 * Return: the device's name, or NULL when the link has no connection.
 */
const char *ccm_rdma_device_name(struct ccm_path *path)
{
	lockdep_assert_held(&path->peer->lock);
	if (!path->cur || !path->cur->cm_id || !path->cur->cm_id->device)
		return NULL;
	return dev_name(&path->cur->cm_id->device->dev);
}

static struct ib_client ccm_ib_client = {
	.name = "ccm",
	.add = ccm_ib_add,
	.remove = ccm_ib_remove,
};

/**
 * ccm_rdma_init() - register with ib_core
 *
 * Context: process context (module init).
 * Return: 0 or a negative errno.
 */
int ccm_rdma_init(void)
{
	int ret;

	/* Not ordered: one QP stuck on a dead port must not hold the rest. */
	ccm_teardown_wq = alloc_workqueue("ccm_teardown", WQ_MEM_RECLAIM, 0);
	if (!ccm_teardown_wq)
		return -ENOMEM;
	ret = ib_register_client(&ccm_ib_client);
	if (ret)
		destroy_workqueue(ccm_teardown_wq);
	return ret;
}

/**
 * ccm_rdma_exit() - unregister from ib_core
 *
 * Context: process context (module exit), after every partner is gone.
 */
void ccm_rdma_exit(void)
{
	ib_unregister_client(&ccm_ib_client);
	destroy_workqueue(ccm_teardown_wq);
}
