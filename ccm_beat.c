// SPDX-License-Identifier: GPL-2.0
/*
 * ccm - a link's heartbeat sender.
 *
 * Once a link is connected, its heartbeat is the "complete" message in the
 * partner's mailbox, rewritten every heartbeat_ms with a new count. It is
 * written from a timer, not from ccm's ordered worker: the worker runs
 * everything else under peer->lock (the handshakes, the clients' QPs, a
 * batch of QP state changes), and a node whose worker is held up must
 * still look alive to its partner. The timer takes only the beat's own
 * spinlock and posts one RDMA WRITE; ib_post_send() may be called from
 * softirq context. Checking the partner's heartbeat stays on the worker
 * (ccm_path.c): a late check can only make a loss seen later, never a
 * false one, because the check reads the mailbox before judging.
 *
 * The beat writes from its own slot of the connection's DMA buffer, so it
 * never races with the worker's own mailbox writes.
 *
 * Every sender writes at the multiples of its period in jiffies, not a
 * period after its link connected: all links of a partner write in the
 * same jiffy. A partner that dies is found by the first write that gets
 * no answer (the transport's retries run out and the QP fails); in phase,
 * every link's write runs out together and the partner is lost when the
 * first link is, not up to one period later when the last link's write
 * comes due.
 */
#include <linux/jiffies.h>

#include <rdma/ib_verbs.h>

#include <trace/events/ccm.h>
#include "ccm_internal.h"

/*
 * The next multiple of @period after now. Where jiffies wraps (32-bit,
 * five minutes after boot) the phase moves once; nothing depends on it.
 */
static unsigned long ccm_beat_next(unsigned long period)
{
	unsigned long now = jiffies;

	return now - now % period + period;
}

static void ccm_beat_fire(struct timer_list *t)
{
	struct ccm_beat *b = from_timer(b, t, timer);
	struct ccm_beat_target *tg = &b->tg;
	struct ib_rdma_wr wr = {};
	struct ccm_mbox_info m;
	struct ib_sge sge;
	int ret;

	spin_lock(&b->lock);
	if (!tg->qp)
		goto out_unlock;
	mod_timer(&b->timer, ccm_beat_next(b->period));
	if (b->busy) {
		/* The last one has not completed: the link is slow or gone. */
		WRITE_ONCE(*b->skipped, *b->skipped + 1);
		goto out_unlock;
	}
	m = tg->m;
	m.heartbeat = ++b->count;
	m.seq = ++b->seq;
	ccm_wire_mbox_encode(tg->buf, &m);
	ib_dma_sync_single_for_device(tg->dev, tg->dma,
				      sizeof(struct ccm_wire_mbox),
				      DMA_BIDIRECTIONAL);
	sge.addr = tg->dma;
	sge.length = sizeof(struct ccm_wire_mbox);
	sge.lkey = tg->lkey;
	wr.wr.opcode = IB_WR_RDMA_WRITE;
	wr.wr.wr_cqe = tg->cqe;
	wr.wr.send_flags = IB_SEND_SIGNALED;
	wr.wr.sg_list = &sge;
	wr.wr.num_sge = 1;
	wr.remote_addr = tg->remote_addr;
	wr.rkey = tg->rkey;
	trace_ccm_rdma_post(b->idx, m.gen, "heartbeat");
	ret = ib_post_send(tg->qp, &wr.wr, NULL);
	if (ret) {
		/* The QP is in error: the link has failed. Once. */
		tg->post_failed(tg->owner, ret);
		tg->qp = NULL;
		goto out_unlock;
	}
	b->busy = true;
	WRITE_ONCE(*b->sent, *b->sent + 1);
out_unlock:
	spin_unlock(&b->lock);
}

/**
 * ccm_beat_init() - set up a link's heartbeat sender, stopped
 * @b: the sender
 * @idx: the link's index, for the tracepoint
 * @sent: the link's heartbeats_sent counter, written only by the sender
 * @skipped: its heartbeats_skipped counter, the same
 *
 * Context: process context.
 */
void ccm_beat_init(struct ccm_beat *b, unsigned int idx, u64 *sent,
		   u64 *skipped)
{
	spin_lock_init(&b->lock);
	timer_setup(&b->timer, ccm_beat_fire, 0);
	b->idx = idx;
	b->sent = sent;
	b->skipped = skipped;
}

/**
 * ccm_beat_start() - write a heartbeat every @period from now on
 * @b: the sender, stopped
 * @tg: the connection to write on and the message to write; copied
 * @period: the interval, in jiffies (at least one)
 * @count: the last heartbeat count sent; the next is one more
 * @seq: the last mailbox write number used on the link
 *
 * The first heartbeat goes out at the next multiple of @period (at most
 * one @period from now: the message that connected the link was the last
 * sign of life), in phase with every other link's.
 *
 * Context: process context, peer->lock held.
 */
void ccm_beat_start(struct ccm_beat *b, const struct ccm_beat_target *tg,
		    unsigned long period, u64 count, u32 seq)
{
	spin_lock_bh(&b->lock);
	b->tg = *tg;
	b->period = max(period, 1UL);
	b->count = count;
	b->seq = seq;
	b->busy = false;
	mod_timer(&b->timer, ccm_beat_next(b->period));
	spin_unlock_bh(&b->lock);
}

/**
 * ccm_beat_stop() - stop writing heartbeats
 * @b: the sender
 * @count: set to the last heartbeat count sent, when not stopped already
 * @seq: set to the last mailbox write number used, the same
 *
 * Waits for a timer that is running. A write still in flight completes
 * (or is flushed) on its connection; ccm_beat_done() ignores it.
 *
 * Context: process context, no spinlock held (may wait for the timer).
 * Return: true when it was running.
 */
bool ccm_beat_stop(struct ccm_beat *b, u64 *count, u32 *seq)
{
	bool was;

	spin_lock_bh(&b->lock);
	was = b->tg.owner;
	b->tg.qp = NULL;
	b->tg.owner = NULL;
	spin_unlock_bh(&b->lock);
	/* The timer no longer rearms itself. */
	del_timer_sync(&b->timer);
	if (was) {
		*count = b->count;
		*seq = b->seq;
	}
	return was;
}

/**
 * ccm_beat_done() - a heartbeat write completed
 * @b: the sender
 * @owner: the connection it was posted on
 *
 * Context: the completion handler (softirq).
 * Return: true when @owner is still the connection the sender writes on:
 * a failure then is the link's.
 */
bool ccm_beat_done(struct ccm_beat *b, void *owner)
{
	bool cur;

	spin_lock(&b->lock);
	cur = b->tg.owner == owner;
	if (cur)
		b->busy = false;
	spin_unlock(&b->lock);
	return cur;
}

/**
 * ccm_beat_owner() - the connection the sender writes on
 * @b: the sender
 *
 * Context: process context.
 * Return: it, or NULL when stopped.
 */
void *ccm_beat_owner(struct ccm_beat *b)
{
	void *owner;

	spin_lock_bh(&b->lock);
	owner = b->tg.owner;
	spin_unlock_bh(&b->lock);
	return owner;
}
