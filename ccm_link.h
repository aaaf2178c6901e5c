/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ccm - a client's link to its partner: the QPs, CQs and memory ccm creates
 * for one client on one control connection (ccm_link.c), and its life cycle
 * (ccm_clients.c).
 */
#ifndef _CCM_LINK_H
#define _CCM_LINK_H

#include <linux/ktime.h>
#include <linux/scatterlist.h>
#include <linux/workqueue.h>
#include <rdma/ib_verbs.h>
#include <rdma/rdma_cm.h>

#include <ccm/ccm.h>
#include "ccm_wire.h"

struct ccm_peer;

/* Bits of link->flags, set by completion and async event handlers. */
#define CCM_LINK_REG_DONE	0
#define CCM_LINK_ASYNC_ERROR	1	/* see link->async_event */

struct ccm_link {
	struct ccm_client_link pub;	/* what the client sees */
	struct ccm_client_state *cs;	/* owner */
	u32 gen;			/* control connection it belongs to */
	u32 incarnation;		/* of this set of QPs, in our OFFER */
	u32 *psn;			/* our send PSN per QP */
	u8 rd_atomic;			/* READs our QPs take, in our OFFER */
	struct ib_mr *mr;		/* exposes pub.mem to the partner */
	u64 mem_dma;
	size_t mem_alloc;		/* pub.mem's allocation size */
	struct scatterlist sg;
	struct ib_cqe reg_cqe;
	enum ib_wc_status reg_status;
	/* The first async error on a QP or CQ, before CCM_LINK_ASYNC_ERROR. */
	enum ib_event_type async_event;
	unsigned long flags;
	struct ccm_peer *peer;		/* whose work to queue on completion */
	/* Worker only (peer->lock). */
	unsigned int nr_created;	/* QPs 0..nr_created-1 exist */
	bool created;		/* ccm_link_create() is done: all of it exists */
	bool offered;		/* our OFFER (with @answers) went out */
	bool rts;		/* connecting began (see nr_rts) */
	bool rts_done;		/* every QP is RTS */
	unsigned int nr_rts;	/* QPs 0..nr_rts-1 are RTS: may carry WRs */
	bool ready_sent;	/* our READY went out */
	bool announced;		/* ->connected() was queued */
	u32 answers;		/* follower: the leader's offer taken */
	u32 remote_incarnation;
	u32 *qpn;			/* our QP numbers, for the OFFER */
	u32 *rqpn;			/* the partner's QP numbers, for sysfs */
	enum ccm_disconnect_reason reason;	/* for the teardown */
	struct work_struct cwork;	/* ->connected(), on ccm_cb_wq */
	struct work_struct twork;	/* teardown, on ccm_cb_wq after cwork */
	struct work_struct dwork;	/* then the verbs objects, elsewhere */
};

/*
 * How long one pass of the clients' sync may create and connect QPs. The
 * worker holds peer->lock meanwhile, and everything else it does waits:
 * the other links' handshakes, the check of the partner's heartbeat, the
 * control messages. Creating a QP with its CQ takes a few hundred
 * microseconds under emulation; on hardware each QP state change is a
 * firmware command, so 1024 of them need a bound in time, not in count.
 * A pass stops at the first QP that ends past the budget, and the sync
 * runs again after whatever else was queued. The first QP of a pass is
 * always done, so that every pass makes progress.
 */
#define CCM_LINK_BUDGET_MS	10

/* A pass's time budget; see CCM_LINK_BUDGET_MS. */
struct ccm_link_budget {
	ktime_t end;
	bool used;		/* a QP was created or moved on this pass */
};

static inline void ccm_link_budget_start(struct ccm_link_budget *b)
{
	b->end = ktime_add_ms(ktime_get(), CCM_LINK_BUDGET_MS);
	b->used = false;
}

/* Return: true when the pass must stop (never before its first QP). */
static inline bool ccm_link_budget_spent(const struct ccm_link_budget *b)
{
	return b->used && ktime_after(ktime_get(), b->end);
}

int ccm_link_create(struct ccm_link *link, struct rdma_cm_id *ctrl,
		    const struct ccm_client *c,
		    struct ccm_link_budget *budget);
int ccm_link_connect(struct ccm_link *link, struct rdma_cm_id *ctrl,
		     const struct ccm_wire_qp *rqps, u8 remote_rd_atomic,
		     u8 ack_timeout, struct ccm_link_budget *budget);
void ccm_link_drain(struct ccm_link *link);
void ccm_link_destroy(struct ccm_link *link);

#endif /* _CCM_LINK_H */
