// SPDX-License-Identifier: GPL-2.0
/*
 * ccm_cmbench - baseline for the ccm benchmarks (bench/, make bench).
 *
 * Not part of ccm and never loaded outside the benchmark guests. It sets
 * up RC QPs the way a storage driver would without ccm, with the RDMA CM,
 * and times it:
 *
 *   role=server  listen on port; accept every connection request (one CQ
 *                and one RC QP per connection, created in the CM handler)
 *   role=client  on "run" (or at load with autorun=1 or 2), with n and mode:
 *     seq    n RDMA CM connects to peer:port, one after the other, each
 *            to ESTABLISHED (resolve address, resolve route, CQ + QP,
 *            connect) before the next starts
 *     par    the same n connects, all started at once, until every one is
 *            ESTABLISHED (or failed)
 *     floor  the local cost only: one PD, then for each of n QPs a CQ, an
 *            RC QP and ib_modify_qp() to INIT, RTR and RTS, with the
 *            attributes rdma_init_qp_attr() gives on a connected control
 *            connection (made first, not timed; asked for once per run,
 *            timed) - what ccm does for a client's QPs, minus the exchange
 *            with the partner
 *
 * QP and CQ sizes are those ccm gives a client QP with the default depths
 * (16 send, 16 receive, 1 SGE; CQ of 33). Connections are torn down after
 * each run (not timed). Results (read-only parameters), all taken with
 * local_clock(), the clock of printk and of the default trace clock:
 *   last_ns      the run: first verbs/CM call to the last ESTABLISHED (or
 *                last RTS for floor)
 *   t_start_ns, t_end_ns   the same as local_clock() times
 *   load_ns      local_clock() at the start of module init
 *   ok_count, fail_count   connections (QPs) that made it / did not
 *   accepted     server: connection requests accepted so far
 */
#include <linux/completion.h>
#include <linux/inet.h>
#include <linux/sched/clock.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <rdma/ib_verbs.h>
#include <rdma/rdma_cm.h>

#define CMB_SEND_DEPTH	16
#define CMB_RECV_DEPTH	16
#define CMB_CQ_SIZE	(CMB_SEND_DEPTH + CMB_RECV_DEPTH + 1)
#define CMB_RD_ATOMIC	16
#define CMB_TIMEOUT_MS	2000	/* address and route resolution */
#define CMB_CONN_WAIT_MS	15000	/* one connect, seq mode */
#define CMB_MAX_N	4096

static char *role = "client";
module_param(role, charp, 0444);
MODULE_PARM_DESC(role, "server or client (default client)");

static char *peer = "";
module_param(peer, charp, 0444);
MODULE_PARM_DESC(peer, "client: the server's IPv4 address");

static ushort port = 7472;
module_param(port, ushort, 0444);
MODULE_PARM_DESC(port, "RDMA CM port (default 7472)");

static uint n = 1;
module_param(n, uint, 0644);
MODULE_PARM_DESC(n, "client: connections / QPs per run (1-4096)");

static char mode[8] = "seq";
module_param_string(mode, mode, sizeof(mode), 0644);
MODULE_PARM_DESC(mode, "client: seq, par or floor");

static uint autorun;
module_param(autorun, uint, 0444);
MODULE_PARM_DESC(autorun,
		 "client: run once at load: 1 in module init (modprobe waits), 2 from a work item (modprobe returns at once, as with ccm)");

static unsigned long long last_ns, t_start_ns, t_end_ns, load_ns;
module_param(last_ns, ullong, 0444);
module_param(t_start_ns, ullong, 0444);
module_param(t_end_ns, ullong, 0444);
module_param(load_ns, ullong, 0444);
static uint ok_count, fail_count, accepted;
module_param(ok_count, uint, 0444);
module_param(fail_count, uint, 0444);
module_param(accepted, uint, 0444);

enum { CMB_PENDING, CMB_ESTABLISHED, CMB_FAILED };

struct cmb_run;

struct cmb_conn {
	struct rdma_cm_id *id;
	struct ib_cq *cq;
	struct ib_qp *qp;		/* floor mode (no CM id of its own) */
	struct cmb_run *run;		/* client */
	struct list_head node;		/* server */
	struct work_struct destroy;	/* server */
	unsigned long dead;		/* server: bit 0, destruction claimed */
	int state;
	bool established;
	struct completion done;		/* client: ESTABLISHED or failed */
};

struct cmb_run {
	struct mutex lock;		/* pd, stopping, counts */
	struct ib_pd *pd;
	struct ib_pd *ctrl_pd;		/* floor: the control connection's */
	bool stopping;
	unsigned int nr, settled, nr_ok, nr_fail;
	struct completion all;		/* par: every connection settled */
	struct sockaddr_in dst;
	struct cmb_conn *conns;
};

static DEFINE_MUTEX(cmb_run_lock);	/* one run at a time */
static bool cmb_server;

/* Server state. */
static DEFINE_MUTEX(srv_lock);		/* srv_conns, srv_pd */
static LIST_HEAD(srv_conns);
static struct ib_pd *srv_pd;
static struct rdma_cm_id *srv_listen;
static struct workqueue_struct *srv_wq;

static void cmb_qp_attr(struct ib_qp_init_attr *qa, struct ib_cq *cq)
{
	memset(qa, 0, sizeof(*qa));
	qa->send_cq = cq;
	qa->recv_cq = cq;
	qa->cap.max_send_wr = CMB_SEND_DEPTH + 2;
	qa->cap.max_recv_wr = CMB_RECV_DEPTH + 1;
	qa->cap.max_send_sge = 1;
	qa->cap.max_recv_sge = 1;
	qa->sq_sig_type = IB_SIGNAL_REQ_WR;
	qa->qp_type = IB_QPT_RC;
}

static void cmb_conn_param(struct rdma_conn_param *p, struct ib_device *dev)
{
	memset(p, 0, sizeof(*p));
	p->responder_resources = min_t(int, CMB_RD_ATOMIC,
				       dev->attrs.max_qp_rd_atom);
	p->initiator_depth = min_t(int, CMB_RD_ATOMIC,
				   dev->attrs.max_qp_init_rd_atom);
	p->retry_count = 3;
	p->rnr_retry_count = 7;
}

/* CQ + QP on @id's device; the CQ goes to @c->cq. */
static int cmb_conn_qp(struct cmb_conn *c, struct ib_pd *pd, unsigned int i)
{
	struct ib_device *dev = c->id->device;
	struct ib_qp_init_attr qa;
	int ret;

	c->cq = ib_alloc_cq(dev, c, CMB_CQ_SIZE,
			    i % max(dev->num_comp_vectors, 1), IB_POLL_SOFTIRQ);
	if (IS_ERR(c->cq)) {
		ret = PTR_ERR(c->cq);
		c->cq = NULL;
		return ret;
	}
	cmb_qp_attr(&qa, c->cq);
	return rdma_create_qp(c->id, pd, &qa);
}

/* ---- client ---- */

static void cmb_settle(struct cmb_conn *c, int state)
{
	struct cmb_run *r = c->run;
	bool last;

	mutex_lock(&r->lock);
	if (c->state != CMB_PENDING) {
		mutex_unlock(&r->lock);
		return;
	}
	c->state = state;
	if (state == CMB_ESTABLISHED)
		r->nr_ok++;
	else
		r->nr_fail++;
	last = ++r->settled == r->nr;
	if (state == CMB_ESTABLISHED)
		t_end_ns = local_clock();
	mutex_unlock(&r->lock);
	complete(&c->done);
	if (last)
		complete(&r->all);
}

static int cmb_client_handler(struct rdma_cm_id *id, struct rdma_cm_event *ev)
{
	struct cmb_conn *c = id->context;
	struct cmb_run *r = c->run;
	struct rdma_conn_param param;
	int ret;

	switch (ev->event) {
	case RDMA_CM_EVENT_ADDR_RESOLVED:
		ret = rdma_resolve_route(id, CMB_TIMEOUT_MS);
		if (ret)
			cmb_settle(c, CMB_FAILED);
		break;
	case RDMA_CM_EVENT_ROUTE_RESOLVED:
		mutex_lock(&r->lock);
		ret = -ECANCELED;
		if (r->stopping)
			goto unlock;
		if (!r->pd) {
			r->pd = ib_alloc_pd(id->device, 0);
			if (IS_ERR(r->pd)) {
				ret = PTR_ERR(r->pd);
				r->pd = NULL;
				goto unlock;
			}
		}
		ret = cmb_conn_qp(c, r->pd, c - r->conns);
		if (ret)
			goto unlock;
		cmb_conn_param(&param, id->device);
		ret = rdma_connect_locked(id, &param);
unlock:
		mutex_unlock(&r->lock);
		if (ret)
			cmb_settle(c, CMB_FAILED);
		break;
	case RDMA_CM_EVENT_ESTABLISHED:
		c->established = true;
		cmb_settle(c, CMB_ESTABLISHED);
		break;
	case RDMA_CM_EVENT_ADDR_ERROR:
	case RDMA_CM_EVENT_ROUTE_ERROR:
	case RDMA_CM_EVENT_CONNECT_ERROR:
	case RDMA_CM_EVENT_UNREACHABLE:
	case RDMA_CM_EVENT_REJECTED:
	case RDMA_CM_EVENT_DEVICE_REMOVAL:
		pr_warn_ratelimited("ccm_cmbench: connection %td: %s (%d)\n",
				    c - r->conns, rdma_event_msg(ev->event),
				    ev->status);
		cmb_settle(c, CMB_FAILED);
		break;
	default:
		break;
	}
	return 0;
}

static int cmb_start(struct cmb_conn *c)
{
	struct cmb_run *r = c->run;
	int ret;

	c->id = rdma_create_id(&init_net, cmb_client_handler, c, RDMA_PS_TCP,
			       IB_QPT_RC);
	if (IS_ERR(c->id)) {
		ret = PTR_ERR(c->id);
		c->id = NULL;
		return ret;
	}
	return rdma_resolve_addr(c->id, NULL, (struct sockaddr *)&r->dst,
				 CMB_TIMEOUT_MS);
}

static void cmb_teardown(struct cmb_run *r)
{
	unsigned int i;

	mutex_lock(&r->lock);
	r->stopping = true;
	mutex_unlock(&r->lock);
	/* Any handler past the stopping check has finished by now. */
	mutex_lock(&r->lock);
	mutex_unlock(&r->lock);
	for (i = 0; i < r->nr; i++) {
		struct cmb_conn *c = &r->conns[i];

		if (c->qp) {
			ib_destroy_qp(c->qp);
			c->qp = NULL;
		}
		if (c->id && c->established)
			rdma_disconnect(c->id);
		if (c->id && c->id->qp)
			rdma_destroy_qp(c->id);
		if (c->id)
			rdma_destroy_id(c->id);
		if (c->cq)
			ib_free_cq(c->cq);
	}
	if (r->pd)
		ib_dealloc_pd(r->pd);
	r->pd = NULL;
}

/* Connect one control connection (floor mode), not timed. */
static int cmb_connect_one(struct cmb_run *r, struct cmb_conn *c)
{
	int ret;

	c->run = r;
	init_completion(&c->done);
	ret = cmb_start(c);
	if (ret)
		return ret;
	if (!wait_for_completion_timeout(&c->done,
					 msecs_to_jiffies(CMB_CONN_WAIT_MS)))
		return -ETIMEDOUT;
	return c->state == CMB_ESTABLISHED ? 0 : -ECONNREFUSED;
}

/* The floor's INIT, RTR and RTS, asked for once per run, as ccm does. */
struct cmb_floor_attrs {
	struct ib_qp_attr init, rtr, rts;
	int init_mask, rtr_mask, rts_mask;
};

static int cmb_floor_attrs(struct cmb_floor_attrs *a, struct rdma_cm_id *ctrl)
{
	struct ib_device *dev = ctrl->device;
	int ret;

	memset(a, 0, sizeof(*a));
	a->init.qp_state = IB_QPS_INIT;
	ret = rdma_init_qp_attr(ctrl, &a->init, &a->init_mask);
	if (ret)
		return ret;
	a->init.qp_access_flags = IB_ACCESS_LOCAL_WRITE |
				  IB_ACCESS_REMOTE_READ |
				  IB_ACCESS_REMOTE_WRITE;
	a->init_mask |= IB_QP_ACCESS_FLAGS;
	a->rtr.qp_state = IB_QPS_RTR;
	ret = rdma_init_qp_attr(ctrl, &a->rtr, &a->rtr_mask);
	if (ret)
		return ret;
	a->rtr.max_dest_rd_atomic = min_t(int, CMB_RD_ATOMIC,
					  dev->attrs.max_qp_rd_atom);
	a->rtr_mask |= IB_QP_MAX_DEST_RD_ATOMIC;
	a->rts.qp_state = IB_QPS_RTS;
	ret = rdma_init_qp_attr(ctrl, &a->rts, &a->rts_mask);
	if (ret)
		return ret;
	a->rts.max_rd_atomic = min_t(int, CMB_RD_ATOMIC,
				     dev->attrs.max_qp_init_rd_atom);
	a->rts_mask |= IB_QP_MAX_QP_RD_ATOMIC;
	return 0;
}

static int cmb_floor_modify(struct ib_qp *qp, struct cmb_floor_attrs *a)
{
	int ret;

	ret = ib_modify_qp(qp, &a->init, a->init_mask);
	if (ret)
		return ret;
	a->rtr.dest_qp_num = qp->qp_num;	/* any QPN: nothing is sent */
	a->rtr.rq_psn = get_random_u32() & 0xffffff;
	ret = ib_modify_qp(qp, &a->rtr, a->rtr_mask);
	if (ret)
		return ret;
	a->rts.sq_psn = get_random_u32() & 0xffffff;
	return ib_modify_qp(qp, &a->rts, a->rts_mask);
}

static int cmb_floor(struct cmb_run *r)
{
	struct cmb_conn *ctrl = &r->conns[r->nr];
	struct cmb_floor_attrs *a;
	struct ib_device *dev;
	unsigned int i;
	int ret;

	ret = cmb_connect_one(r, ctrl);
	mutex_lock(&r->lock);
	r->nr_ok = 0;		/* count the n QPs only */
	r->ctrl_pd = r->pd;	/* the floor's QPs get a PD of their own */
	r->pd = NULL;
	mutex_unlock(&r->lock);
	if (ret)
		return ret;
	dev = ctrl->id->device;
	a = kmalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	t_start_ns = local_clock();
	ret = cmb_floor_attrs(a, ctrl->id);
	if (ret)
		goto out;
	r->pd = ib_alloc_pd(dev, 0);
	if (IS_ERR(r->pd)) {
		ret = PTR_ERR(r->pd);
		r->pd = NULL;
		goto out;
	}
	for (i = 0; i < r->nr; i++) {
		struct cmb_conn *c = &r->conns[i];
		struct ib_qp_init_attr qa;

		c->cq = ib_alloc_cq(dev, c, CMB_CQ_SIZE,
				    i % max(dev->num_comp_vectors, 1),
				    IB_POLL_SOFTIRQ);
		if (IS_ERR(c->cq)) {
			ret = PTR_ERR(c->cq);
			c->cq = NULL;
			goto out;
		}
		cmb_qp_attr(&qa, c->cq);
		c->qp = ib_create_qp(r->pd, &qa);
		if (IS_ERR(c->qp)) {
			ret = PTR_ERR(c->qp);
			c->qp = NULL;
			goto out;
		}
		ret = cmb_floor_modify(c->qp, a);
		if (ret)
			goto out;
		r->nr_ok++;
	}
	t_end_ns = local_clock();
out:
	kfree(a);
	return ret;
}

/*
 * One run with the current n and mode (read once: they are writable while
 * a run goes on). @report: log "... at load: done" as soon as the run's
 * connections are up, before they are torn down (the benchmark's end of an
 * autorun).
 */
static int cmb_run_once(bool report)
{
	const unsigned int nr = READ_ONCE(n);
	bool seq = sysfs_streq(mode, "seq"), par = sysfs_streq(mode, "par");
	bool floor = sysfs_streq(mode, "floor");
	struct cmb_run *r;
	unsigned int i;
	int ret = 0;

	if (cmb_server || (!seq && !par && !floor) || !nr || nr > CMB_MAX_N)
		return -EINVAL;
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	/* One more for the floor's control connection. */
	r->conns = kvcalloc(nr + 1, sizeof(*r->conns), GFP_KERNEL);
	if (!r->conns) {
		kfree(r);
		return -ENOMEM;
	}
	mutex_init(&r->lock);
	init_completion(&r->all);
	r->nr = nr;
	r->dst.sin_family = AF_INET;
	r->dst.sin_port = htons(port);
	if (!in4_pton(peer, -1, (u8 *)&r->dst.sin_addr.s_addr, -1, NULL)) {
		ret = -EINVAL;
		goto out;
	}
	for (i = 0; i < nr; i++) {
		r->conns[i].run = r;
		init_completion(&r->conns[i].done);
	}
	t_end_ns = 0;
	if (floor) {
		ret = cmb_floor(r);
		goto out;
	}
	t_start_ns = local_clock();
	for (i = 0; i < nr; i++) {
		struct cmb_conn *c = &r->conns[i];

		ret = cmb_start(c);
		if (ret) {
			cmb_settle(c, CMB_FAILED);
			break;
		}
		if (!seq)
			continue;
		if (!wait_for_completion_timeout(&c->done,
						 msecs_to_jiffies(CMB_CONN_WAIT_MS))) {
			ret = -ETIMEDOUT;
			break;
		}
		if (c->state != CMB_ESTABLISHED) {
			ret = -ECONNREFUSED;
			break;
		}
	}
	if (par && !ret &&
	    !wait_for_completion_timeout(&r->all,
					 msecs_to_jiffies(30000 + 100 * nr)))
		ret = -ETIMEDOUT;
out:
	mutex_lock(&r->lock);
	ok_count = r->nr_ok;
	fail_count = nr - r->nr_ok;
	mutex_unlock(&r->lock);
	if (!ret && r->nr_ok != nr)
		ret = -EIO;
	last_ns = !ret && t_end_ns ? t_end_ns - t_start_ns : 0;
	if (report && !ret)
		pr_info("ccm_cmbench: %s n=%u at load: done, %u ok\n", mode, nr,
			ok_count);
	cmb_teardown(r);
	if (floor && r->conns[nr].id) {
		/* the control connection: a second teardown pass over it */
		struct cmb_conn *c = &r->conns[nr];

		if (c->established)
			rdma_disconnect(c->id);
		if (c->id->qp)
			rdma_destroy_qp(c->id);
		rdma_destroy_id(c->id);
		if (c->cq)
			ib_free_cq(c->cq);
	}
	if (r->ctrl_pd)
		ib_dealloc_pd(r->ctrl_pd);
	kvfree(r->conns);
	kfree(r);
	return ret;
}

static int cmb_run_set(const char *val, const struct kernel_param *kp)
{
	int ret;

	if (!sysfs_streq(val, "1"))
		return -EINVAL;
	mutex_lock(&cmb_run_lock);
	ret = cmb_run_once(false);
	mutex_unlock(&cmb_run_lock);
	if (ret)
		pr_warn("ccm_cmbench: %.5s n=%u: %d (%u ok, %u failed)\n",
			mode, n, ret, ok_count, fail_count);
	return ret;
}

static const struct kernel_param_ops cmb_run_ops = {
	.set = cmb_run_set,
};
module_param_cb(run, &cmb_run_ops, NULL, 0200);
MODULE_PARM_DESC(run, "client: write 1 to run once (returns when done)");

/* ---- server ---- */

static void srv_destroy(struct cmb_conn *c)
{
	if (c->established)
		rdma_disconnect(c->id);
	if (c->id->qp)
		rdma_destroy_qp(c->id);
	rdma_destroy_id(c->id);
	if (c->cq)
		ib_free_cq(c->cq);
	kfree(c);
}

static void srv_destroy_work(struct work_struct *work)
{
	struct cmb_conn *c = container_of(work, struct cmb_conn, destroy);

	mutex_lock(&srv_lock);
	list_del(&c->node);
	mutex_unlock(&srv_lock);
	srv_destroy(c);
}

static int srv_request(struct rdma_cm_id *id)
{
	struct rdma_conn_param param;
	struct cmb_conn *c;
	int ret;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	c->id = id;
	INIT_WORK(&c->destroy, srv_destroy_work);
	mutex_lock(&srv_lock);
	if (!srv_pd) {
		srv_pd = ib_alloc_pd(id->device, 0);
		if (IS_ERR(srv_pd)) {
			ret = PTR_ERR(srv_pd);
			srv_pd = NULL;
			goto fail;
		}
	}
	if (srv_pd->device != id->device) {
		ret = -ENODEV;
		goto fail;
	}
	ret = cmb_conn_qp(c, srv_pd, accepted);
	if (ret)
		goto fail;
	id->context = c;
	cmb_conn_param(&param, id->device);
	ret = rdma_accept(id, &param);
	if (ret)
		goto fail;
	accepted++;
	list_add_tail(&c->node, &srv_conns);
	mutex_unlock(&srv_lock);
	return 0;
fail:
	mutex_unlock(&srv_lock);
	id->context = NULL;
	if (id->qp)
		rdma_destroy_qp(id);
	if (c->cq)
		ib_free_cq(c->cq);
	kfree(c);
	return ret;
}

static int srv_handler(struct rdma_cm_id *id, struct rdma_cm_event *ev)
{
	struct cmb_conn *c = id->context;

	if (ev->event == RDMA_CM_EVENT_CONNECT_REQUEST) {
		/* nonzero: the RDMA CM destroys the new id */
		return srv_request(id) ? 1 : 0;
	}
	if (!c)		/* the listener */
		return 0;
	switch (ev->event) {
	case RDMA_CM_EVENT_ESTABLISHED:
		c->established = true;
		break;
	case RDMA_CM_EVENT_DISCONNECTED:
	case RDMA_CM_EVENT_CONNECT_ERROR:
	case RDMA_CM_EVENT_UNREACHABLE:
	case RDMA_CM_EVENT_REJECTED:
		c->established = false;
		if (!test_and_set_bit(0, &c->dead))
			queue_work(srv_wq, &c->destroy);
		break;
	default:
		break;
	}
	return 0;
}

static int srv_start(void)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
	};
	int ret;

	srv_wq = alloc_workqueue("ccm_cmbench", 0, 0);
	if (!srv_wq)
		return -ENOMEM;
	srv_listen = rdma_create_id(&init_net, srv_handler, NULL, RDMA_PS_TCP,
				    IB_QPT_RC);
	if (IS_ERR(srv_listen)) {
		ret = PTR_ERR(srv_listen);
		srv_listen = NULL;
		destroy_workqueue(srv_wq);
		return ret;
	}
	ret = rdma_bind_addr(srv_listen, (struct sockaddr *)&addr);
	if (!ret)
		ret = rdma_listen(srv_listen, 4096);
	if (ret) {
		rdma_destroy_id(srv_listen);
		destroy_workqueue(srv_wq);
	}
	return ret;
}

static void srv_stop(void)
{
	struct cmb_conn *c, *tmp;
	LIST_HEAD(mine);

	rdma_destroy_id(srv_listen);
	flush_workqueue(srv_wq);
	mutex_lock(&srv_lock);
	list_for_each_entry_safe(c, tmp, &srv_conns, node)
		if (!test_and_set_bit(0, &c->dead))
			list_move_tail(&c->node, &mine);
	mutex_unlock(&srv_lock);
	list_for_each_entry_safe(c, tmp, &mine, node)
		srv_destroy(c);
	/* Connections whose destruction a handler claimed meanwhile. */
	flush_workqueue(srv_wq);
	destroy_workqueue(srv_wq);
	if (srv_pd)
		ib_dealloc_pd(srv_pd);
}

static void cmb_autorun(void)
{
	int ret;

	mutex_lock(&cmb_run_lock);
	ret = cmb_run_once(true);
	mutex_unlock(&cmb_run_lock);
	if (ret)
		pr_warn("ccm_cmbench: %s n=%u at load: %d\n", mode, n, ret);
}

static void cmb_autorun_work(struct work_struct *w)
{
	cmb_autorun();
}

static DECLARE_WORK(cmb_autorun_w, cmb_autorun_work);

static int __init cmb_init(void)
{
	load_ns = local_clock();
	if (!strcmp(role, "server")) {
		cmb_server = true;
		return srv_start();
	}
	if (strcmp(role, "client"))
		return -EINVAL;
	if (autorun == 1)
		cmb_autorun();
	else if (autorun == 2)
		queue_work(system_unbound_wq, &cmb_autorun_w);
	else if (autorun)
		return -EINVAL;
	return 0;	/* stays loaded: the results are read from parameters */
}

static void __exit cmb_exit(void)
{
	if (cmb_server)
		srv_stop();
	else
		flush_work(&cmb_autorun_w);
}

module_init(cmb_init);
module_exit(cmb_exit);
MODULE_DESCRIPTION("ccm benchmark baseline: RDMA CM connects and the local QP floor");
MODULE_LICENSE("GPL");
