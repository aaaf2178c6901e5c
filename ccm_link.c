// SPDX-License-Identifier: GPL-2.0
/*
 * ccm - the verbs side of a client link: create a client's PD, CQs, QPs and
 * exposed memory, connect the QPs to the partner's from the exchanged QP
 * numbers and PSNs, and tear it all down.
 *
 * QPs are moved INIT -> RTR -> RTS by hand (no RDMA CM handshake per QP):
 * the attributes come from rdma_init_qp_attr() on the connected control
 * connection, which describes the same path, with the destination QP
 * number and the PSNs replaced by the exchanged ones. They are the same
 * for every QP of a link, so they are asked for once per state. A QP goes
 * to INIT when it is created, while the partner's OFFER is on its way:
 * after it arrives only RTR and RTS are left.
 */
#include <linux/gfp.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "ccm_fault.h"
#include "ccm_internal.h"
#include "ccm_link.h"

#define CCM_LINK_RD_ATOMIC	16	/* RDMA READs in flight per QP, at most */

static void ccm_link_reg_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct ccm_link *link = container_of(wc->wr_cqe, struct ccm_link,
					     reg_cqe);

	link->reg_status = wc->status;
	/* Pairs with the worker's test_and_clear_bit(). */
	smp_mb__before_atomic();
	set_bit(CCM_LINK_REG_DONE, &link->flags);
	queue_work(ccm_wq, &link->peer->work);
}

/*
 * An affiliated asynchronous error on one of the client's QPs or CQs (a
 * fatal QP error, a remote access or invalid request error, a CQ
 * overrun): the link can no longer carry the client's traffic. Recorded
 * here, in the driver's context (maybe atomic), and handled by the
 * clients' sync (ccm_clients.c): the client is told, the partner too, and
 * a new link is set up.
 */
static void ccm_link_async_error(struct ccm_link *link, enum ib_event_type ev)
{
	if (test_bit(CCM_LINK_ASYNC_ERROR, &link->flags))
		return;
	WRITE_ONCE(link->async_event, ev);
	/* Pairs with the worker's test_and_clear_bit(). */
	smp_mb__before_atomic();
	if (!test_and_set_bit(CCM_LINK_ASYNC_ERROR, &link->flags))
		queue_work(ccm_wq, &link->peer->work);
}

static void ccm_link_qp_event(struct ib_event *ev, void *ctx)
{
	switch (ev->event) {
	case IB_EVENT_QP_FATAL:
	case IB_EVENT_QP_REQ_ERR:
	case IB_EVENT_QP_ACCESS_ERR:
	case IB_EVENT_PATH_MIG_ERR:
		ccm_link_async_error(ctx, ev->event);
		break;
	default:	/* COMM_EST, SQ_DRAINED, LAST_WQE_REACHED: no harm */
		break;
	}
}

static void ccm_link_cq_event(struct ib_event *ev, void *ctx)
{
	if (ev->event == IB_EVENT_CQ_ERR)
		ccm_link_async_error(ctx, ev->event);
}

static unsigned int ccm_or(unsigned int v, unsigned int def)
{
	return v ? v : def;
}

static int ccm_link_alloc_mem(struct ccm_link *link, const struct ccm_client *c)
{
	struct ib_device *dev = link->pub.device;
	unsigned int npages;
	int n;

	link->mem_alloc = PAGE_ALIGN(c->mem_size);
	npages = link->mem_alloc >> PAGE_SHIFT;
	link->pub.mem = CCM_FAULT(alloc_pages_exact(link->mem_alloc,
						    GFP_KERNEL | __GFP_ZERO),
				  NULL);
	if (!link->pub.mem)
		return -ENOMEM;
	link->pub.mem_size = c->mem_size;
	link->mem_dma = ib_dma_map_single(dev, link->pub.mem, link->mem_alloc,
					  DMA_BIDIRECTIONAL);
	if (ib_dma_mapping_error(dev, link->mem_dma)) {
		link->mem_dma = 0;
		return -ENOMEM;
	}
	link->mr = CCM_FAULT(ib_alloc_mr(link->pub.pd, IB_MR_TYPE_MEM_REG,
					 npages), ERR_PTR(-ENOMEM));
	if (IS_ERR(link->mr)) {
		int ret = PTR_ERR(link->mr);

		link->mr = NULL;
		return ret;
	}
	sg_init_table(&link->sg, 1);
	sg_set_buf(&link->sg, link->pub.mem, link->mem_alloc);
	sg_dma_address(&link->sg) = link->mem_dma;
	sg_dma_len(&link->sg) = link->mem_alloc;
	n = ib_map_mr_sg(link->mr, &link->sg, 1, NULL, PAGE_SIZE);
	if (n != 1)
		return n < 0 ? n : -EINVAL;
	/* A new rkey for every link: the partner's old one stops working. */
	ib_update_fast_reg_key(link->mr, ib_inc_rkey(link->mr->rkey));
	return 0;
}

/* The attributes that take a QP of the control connection's path to @state. */
static int ccm_link_qp_attr(struct rdma_cm_id *ctrl, enum ib_qp_state state,
			    struct ib_qp_attr *attr, int *mask)
{
	memset(attr, 0, sizeof(*attr));
	attr->qp_state = state;
	return rdma_init_qp_attr(ctrl, attr, mask);
}

/* The arrays, the PD and what goes into the OFFER besides the QPs. */
static int ccm_link_alloc(struct ccm_link *link, struct ib_device *dev,
			  const struct ccm_client *c)
{
	struct ccm_client_link *pub = &link->pub;

	pub->device = dev;
	pub->nr_qps = c->nr_qps;
	link->rd_atomic = clamp_t(int, dev->attrs.max_qp_rd_atom, 0,
				  CCM_LINK_RD_ATOMIC);
	link->reg_cqe.done = ccm_link_reg_done;
	pub->qps = CCM_FAULT(kcalloc(c->nr_qps, sizeof(*pub->qps), GFP_KERNEL),
			     NULL);
	pub->cqs = kcalloc(c->nr_qps, sizeof(*pub->cqs), GFP_KERNEL);
	link->psn = kcalloc(c->nr_qps, sizeof(*link->psn), GFP_KERNEL);
	link->qpn = kcalloc(c->nr_qps, sizeof(*link->qpn), GFP_KERNEL);
	link->rqpn = kcalloc(c->nr_qps, sizeof(*link->rqpn), GFP_KERNEL);
	if (!pub->qps || !pub->cqs || !link->psn || !link->qpn || !link->rqpn)
		return -ENOMEM;
	pub->pd = CCM_FAULT(ib_alloc_pd(dev, 0), ERR_PTR(-ENOMEM));
	if (IS_ERR(pub->pd)) {
		int ret = PTR_ERR(pub->pd);

		pub->pd = NULL;
		return ret;
	}
	return 0;
}

/* QP @i with its CQ, moved to INIT by @init. */
static int ccm_link_create_qp(struct ccm_link *link, const struct ccm_client *c,
			      unsigned int i, struct ib_qp_attr *init, int mask)
{
	struct ccm_client_link *pub = &link->pub;
	unsigned int sd = ccm_or(c->send_depth, 16);
	unsigned int rd = ccm_or(c->recv_depth, 16);
	struct ib_qp_init_attr qa = {};
	struct ib_qp *qp;
	struct ib_cq *cq;

	/* Send + receive, +1 for the memory registration on QP 0. */
	cq = CCM_FAULT(ib_alloc_cq(pub->device, link, sd + rd + 1,
				   i % max(pub->device->num_comp_vectors, 1),
				   c->poll_ctx), ERR_PTR(-ENOMEM));
	if (IS_ERR(cq))
		return PTR_ERR(cq);
	/* ib_alloc_cq() takes no handler; its context is @link. */
	cq->event_handler = ccm_link_cq_event;
	pub->cqs[i] = cq;
	qa.send_cq = cq;
	qa.recv_cq = cq;
	qa.cap.max_send_wr = sd + 1 + 1;	/* + REG_MR + drain */
	qa.cap.max_recv_wr = rd + 1;		/* + drain */
	qa.cap.max_send_sge = ccm_or(c->send_sge, 1);
	qa.cap.max_recv_sge = ccm_or(c->recv_sge, 1);
	qa.sq_sig_type = IB_SIGNAL_REQ_WR;
	qa.qp_type = IB_QPT_RC;
	qa.event_handler = ccm_link_qp_event;
	qa.qp_context = link;
	qp = CCM_FAULT(ib_create_qp(pub->pd, &qa), ERR_PTR(-ENOMEM));
	if (IS_ERR(qp))
		return PTR_ERR(qp);
	pub->qps[i] = qp;
	link->qpn[i] = qp->qp_num;
	link->psn[i] = get_random_u32() & 0xffffff;
	return CCM_FAULT(ib_modify_qp(qp, init, mask), -ENOMEM);
}

/**
 * ccm_link_create() - create a client's verbs resources on a device, in steps
 * @link: zeroed, with ->cs and ->peer set; then as the last call left it
 * @ctrl: the connected control connection (its device and path); the same
 *	  one on every call for @link
 * @c: the client's description (validated at registration)
 * @budget: the pass's time budget: creating stops at the first QP that
 *	    ends past it
 *
 * Creates the PD, one CQ per QP, the QPs (moved to INIT: their numbers go
 * into the OFFER) and, if asked for, the exposed memory with an MR mapped
 * but not yet registered (its rkey is known already). Also sets how many
 * RDMA READs each QP takes as responder (link->rd_atomic, for the OFFER).
 * Each call creates at least one QP (and marks @budget used);
 * link->created is set once everything exists.
 *
 * Context: process context, may sleep.
 * Return: 0 when @link is complete, 1 when QPs remain to be created (call
 * again), or a negative errno; on error ccm_link_destroy() frees what was
 * created.
 */
int ccm_link_create(struct ccm_link *link, struct rdma_cm_id *ctrl,
		    const struct ccm_client *c,
		    struct ccm_link_budget *budget)
{
	struct ib_qp_attr init;
	int ret, mask;

	if (link->created)
		return 0;
	if (!link->pub.qps) {
		ret = ccm_link_alloc(link, ctrl->device, c);
		if (ret)
			return ret;
	}
	ret = ccm_link_qp_attr(ctrl, IB_QPS_INIT, &init, &mask);
	if (ret)
		return ret;
	init.qp_access_flags = IB_ACCESS_LOCAL_WRITE | IB_ACCESS_REMOTE_READ |
			       IB_ACCESS_REMOTE_WRITE;
	mask |= IB_QP_ACCESS_FLAGS;
	while (link->nr_created < c->nr_qps) {
		ret = ccm_link_create_qp(link, c, link->nr_created, &init,
					 mask);
		if (ret)
			return ret;
		link->nr_created++;
		budget->used = true;
		cond_resched();
		if (ccm_link_budget_spent(budget))
			break;
	}
	if (link->nr_created < c->nr_qps)
		return 1;
	if (c->mem_size) {
		ret = ccm_link_alloc_mem(link, c);
		if (ret)
			return ret;
	}
	link->created = true;
	return 0;
}

/* RTR and RTS of one link, the same for each of its QPs. */
struct ccm_link_path {
	struct ib_qp_attr rtr, rts;
	int rtr_mask, rts_mask;
};

/*
 * The control connection's path, with the client's ACK timeout rather
 * than ccm's own. As responder, the READs we offered; as initiator, no
 * more than the partner's QPs take (its offer), nor than our device issues.
 */
static int ccm_link_path(struct ccm_link *link, struct rdma_cm_id *ctrl,
			 struct ccm_link_path *p, u8 remote_rd_atomic,
			 u8 ack_timeout)
{
	struct ib_device *dev = link->pub.device;
	int ret;

	ret = ccm_link_qp_attr(ctrl, IB_QPS_RTR, &p->rtr, &p->rtr_mask);
	if (ret)
		return ret;
	p->rtr.max_dest_rd_atomic = link->rd_atomic;
	p->rtr_mask |= IB_QP_MAX_DEST_RD_ATOMIC;
	ret = ccm_link_qp_attr(ctrl, IB_QPS_RTS, &p->rts, &p->rts_mask);
	if (ret)
		return ret;
	p->rts.timeout = ack_timeout;
	p->rts_mask |= IB_QP_TIMEOUT;
	p->rts.max_rd_atomic = clamp_t(int,
				       min_t(int, dev->attrs.max_qp_init_rd_atom,
					     remote_rd_atomic),
				       0, CCM_LINK_RD_ATOMIC);
	p->rts_mask |= IB_QP_MAX_QP_RD_ATOMIC;
	link->pub.max_rd_atomic = p->rts.max_rd_atomic;
	return 0;
}

/* QP @i, in INIT, to RTR and RTS against the partner's QP @rqp. */
static int ccm_link_modify(struct ccm_link *link, struct ccm_link_path *p,
			   unsigned int i, const struct ccm_wire_qp *rqp)
{
	struct ib_qp *qp = link->pub.qps[i];
	int ret;

	p->rtr.dest_qp_num = be32_to_cpu(rqp->qpn);
	p->rtr.rq_psn = be32_to_cpu(rqp->psn) & 0xffffff;
	ret = CCM_FAULT(ib_modify_qp(qp, &p->rtr, p->rtr_mask), -ENOMEM);
	if (ret)
		return ret;
	p->rts.sq_psn = link->psn[i];
	return CCM_FAULT(ib_modify_qp(qp, &p->rts, p->rts_mask), -ENOMEM);
}

/* Post the registration of the exposed memory on QP 0, once it is RTS. */
static int ccm_link_post_reg(struct ccm_link *link)
{
	struct ib_reg_wr reg = {};

	reg.wr.opcode = IB_WR_REG_MR;
	reg.wr.wr_cqe = &link->reg_cqe;
	reg.wr.send_flags = IB_SEND_SIGNALED;
	reg.mr = link->mr;
	reg.key = link->mr->rkey;
	reg.access = IB_ACCESS_LOCAL_WRITE | IB_ACCESS_REMOTE_READ |
		     IB_ACCESS_REMOTE_WRITE;
	return ccm_post_send(link->pub.qps[0], &reg.wr);
}

/**
 * ccm_link_connect() - connect every QP to the partner's, register memory
 * @link: a link from ccm_link_create()
 * @ctrl: the connected control connection to the partner
 * @rqps: the partner's QP numbers and send PSNs, link->pub.nr_qps of them
 * @remote_rd_atomic: the RDMA READs each of the partner's QPs takes (its
 *		      offer)
 * @ack_timeout: the QPs' local ACK timeout exponent (4.096 us * 2^n)
 * @budget: the pass's time budget: connecting stops at the first QP that
 *	    ends past it
 *
 * Goes on from QP link->nr_rts; each call moves at least one QP (and
 * marks @budget used). When the
 * client exposes memory, its registration is posted on QP 0 as soon as
 * QP 0 is RTS, so that it runs while the other QPs are moved; its
 * completion sets CCM_LINK_REG_DONE and queues the partner's work. Without
 * memory the link is ready once every QP is RTS.
 *
 * Context: process context, may sleep.
 * Return: 0 when every QP is RTS, 1 when QPs remain (call again with the
 * same @rqps), or a negative errno.
 */
int ccm_link_connect(struct ccm_link *link, struct rdma_cm_id *ctrl,
		     const struct ccm_wire_qp *rqps, u8 remote_rd_atomic,
		     u8 ack_timeout, struct ccm_link_budget *budget)
{
	struct ccm_link_path *p;
	unsigned int i;
	int ret;

	p = kmalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	ret = ccm_link_path(link, ctrl, p, remote_rd_atomic, ack_timeout);
	for (i = link->nr_rts; !ret && i < link->pub.nr_qps; i++) {
		link->rqpn[i] = be32_to_cpu(rqps[i].qpn);
		ret = ccm_link_modify(link, p, i, &rqps[i]);
		if (ret)
			break;
		link->nr_rts = i + 1;
		if (i == 0 && link->mr)
			ret = ccm_link_post_reg(link);
		budget->used = true;
		cond_resched();
		if (ccm_link_budget_spent(budget))
			break;
	}
	kfree(p);
	if (ret)
		return ret;
	if (link->nr_rts < link->pub.nr_qps)
		return 1;
	if (!link->mr)
		set_bit(CCM_LINK_REG_DONE, &link->flags);
	return 0;
}

/**
 * ccm_link_drain() - stop every QP and wait for all its completions
 * @link: the link
 *
 * Only QPs that reached RTS can have work requests posted (QP 0 the
 * memory registration, all of them the client's once it was told); QPs
 * that never did are destroyed without draining.
 *
 * Context: process context, may sleep; not from a completion handler.
 */
void ccm_link_drain(struct ccm_link *link)
{
	unsigned int i;

	for (i = 0; i < link->nr_rts; i++)
		ib_drain_qp(link->pub.qps[i]);
}

/**
 * ccm_link_destroy() - free a link's verbs resources and memory
 * @link: the link, drained (ccm_link_drain()) if any of its QPs reached RTS
 *
 * Frees whatever ccm_link_create() got to, in reverse order; not @link
 * itself.
 *
 * Context: process context, may sleep.
 */
void ccm_link_destroy(struct ccm_link *link)
{
	struct ccm_client_link *pub = &link->pub;
	unsigned int i;

	if (link->mr)
		ib_dereg_mr(link->mr);
	if (link->mem_dma)
		ib_dma_unmap_single(pub->device, link->mem_dma,
				    link->mem_alloc, DMA_BIDIRECTIONAL);
	if (pub->mem)
		free_pages_exact(pub->mem, link->mem_alloc);
	for (i = 0; pub->qps && i < pub->nr_qps; i++) {
		if (pub->qps[i])
			ib_destroy_qp(pub->qps[i]);
		if (pub->cqs && pub->cqs[i])
			ib_free_cq(pub->cqs[i]);
		cond_resched();
	}
	if (pub->pd)
		ib_dealloc_pd(pub->pd);
	kfree(link->qpn);
	kfree(link->rqpn);
	kfree(link->psn);
	kfree(pub->cqs);
	kfree(pub->qps);
}
