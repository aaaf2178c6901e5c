// SPDX-License-Identifier: GPL-2.0
/*
 * ccm_echo - a sample ccm client that proves the handed-over QPs and memory
 * carry data.
 *
 * Registers @clients clients named <prefix>0, <prefix>1, ... of @qps QPs
 * and @mem_size bytes each. Once ccm connects one to the partner's client
 * of the same name, it sends PING on every QP and answers every PING with
 * a PONG carrying the same token; it RDMA WRITEs a pattern derived from
 * its node's epoch into the partner's memory on QP 0, followed by a SEND
 * that tells the partner to check it. Each side therefore verifies, by
 * data, every QP in both directions and the partner's write into its own
 * memory. Results: /sys/kernel/ccm_echo/<name>/ and dmesg.
 *
 * With @stream_ms, each client also runs what a storage driver runs: a
 * stream of requests (REQ, answered by ACK) that survives link failures.
 * A work item posts a REQ on every QP that has none outstanding, every
 * @stream_ms; a request stays pending until its ACK arrives. When a link
 * fails, its flushed REQs stay pending and ->connected() posts them again
 * on the new QPs; the partner answers a request it has seen before again
 * (requests are idempotent) and counts it. ->quiesce() stops the work item
 * before ccm drains the QPs. The first ACK on each link is logged: from
 * then on a storage driver's I/O would be running again.
 */
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <rdma/ib_verbs.h>

#include <ccm/ccm.h>

static unsigned int clients = 1;
module_param(clients, uint, 0444);
MODULE_PARM_DESC(clients, "Number of clients to register (default 1, max 64)");

static unsigned int qps = 4;
module_param(qps, uint, 0444);
MODULE_PARM_DESC(qps, "QPs per client (default 4)");

static unsigned int mem_size = 65536;
module_param(mem_size, uint, 0444);
MODULE_PARM_DESC(mem_size, "Bytes of memory each client exposes (default 65536)");

static unsigned int stream_ms;
module_param(stream_ms, uint, 0444);
MODULE_PARM_DESC(stream_ms, "Post a request on every idle QP this often, in ms (default 0: no request stream)");

static char *prefix = "echo";
module_param(prefix, charp, 0444);
MODULE_PARM_DESC(prefix, "Client name prefix (default \"echo\")");

/*
 * Receives in flight per QP, each reposted once handled: at most a PING, a
 * PONG, the write notice (QP 0), a REQ and an ACK arrive before any is.
 */
#define ECHO_RX_PER_QP	5
#define ECHO_TX_PER_QP	5	/* the same five, each its own buffer */
#define ECHO_SLOTS_PER_QP	(ECHO_RX_PER_QP + ECHO_TX_PER_QP)
#define ECHO_WRITE_LEN	4096
/*
 * PINGs in flight, shared by all clients of this module: each PONG sends
 * the next. A device handed hundreds of requests at once (Soft-RoCE under
 * emulation above all) acknowledges them so late that retries run out, on
 * these QPs and on ccm's own control QP on the same device.
 */
#define ECHO_PING_WINDOW	32

enum { ECHO_PING = 1, ECHO_PONG = 2, ECHO_WDONE = 3, ECHO_REQ = 4, ECHO_ACK = 5 };
/* Send slots per QP (echo_send()'s @k), one per message type. */
enum { ECHO_TX_PING, ECHO_TX_PONG, ECHO_TX_WDONE, ECHO_TX_REQ, ECHO_TX_ACK };

struct echo_msg {
	__be32 type;
	__be32 qp;
	__be64 token;
};

struct echo;

struct echo_slot {
	struct ib_cqe cqe;
	struct echo *e;
	u32 qp;
	u32 off;		/* in e->buf */
};

/* One client and its results. */
struct echo {
	struct ccm_client client;
	char name[CCM_CLIENT_NAME_MAX];
	struct kobject kobj;
	/* Valid between ->connected() and the end of ->disconnected(). */
	const struct ccm_client_link *link;
	u8 *buf;
	u64 dma;
	size_t buf_len;
	struct echo_slot *slots;
	unsigned int nr_slots;
	u64 token;		/* our PING tokens and write pattern */
	atomic_t next_ping;	/* the next QP to PING */
	/* Results of the current round. */
	atomic_t qps_ok;
	atomic_t write_ok;
	atomic_t errors;
	atomic_t connects;
	atomic_t disconnects;
	atomic_t connected;
	atomic_t flushed;	/* WRs a link's end flushed */
	atomic_t link_downs;	/* disconnects for CCM_DISC_LINK_DOWN */
	atomic_t qp_errors;	/* disconnects for CCM_DISC_QP_ERROR */
	/*
	 * The request stream. @pending[qp]: the sequence number of the
	 * request outstanding on that QP, 0 for none; set by the work item
	 * (under @lock), cleared by the ACK's completion handler (cmpxchg).
	 * It outlives links: what a failed link flushed is posted again on
	 * the next. @next_seq starts at the load's wall-clock time in ns, so
	 * that a reloaded module's requests are newer than the last one's.
	 * @served[qp]: the partner's newest request answered on that QP (its
	 * completion handler only), @served_epoch the partner's epoch then.
	 */
	struct delayed_work stream;
	atomic64_t *pending;
	u64 *served;
	u64 next_seq;		/* @lock */
	u64 served_epoch;
	/*
	 * The link's QPs may be posted on: set by ->connected(), cleared by
	 * ->quiesce(). Every post after ->connected() checks it under
	 * @post_lock, so that none follows ->quiesce().
	 */
	spinlock_t post_lock;
	bool posting;
	atomic_t reqs_sent;	/* REQs posted, new ones and again */
	atomic_t reqs_acked;	/* ACKs that ended a pending request */
	atomic_t reposted;	/* pending requests posted again on a new link */
	/* 1 from ->connected() until the link's first ACK ends a request */
	atomic_t stream_wait;
	atomic_t reqs_again;	/* the partner's requests answered a second time */
	/*
	 * Orders inject_qp_fatal and the request stream against
	 * ->connected(), ->quiesce() and ->disconnected().
	 */
	struct mutex lock;
};

static struct echo *echoes;
static unsigned int nr_echoes;
static struct kobject *echo_kobj;

static u8 echo_pattern(u64 epoch, unsigned int i)
{
	return (u8)(epoch >> ((i % 8) * 8)) ^ (u8)(i * 31);
}

static struct echo_slot *echo_slot(struct echo *e, u32 qp, unsigned int k)
{
	return &e->slots[qp * ECHO_SLOTS_PER_QP + k];
}

static void echo_err(struct echo *e, struct ib_wc *wc, const char *what)
{
	if (wc->status == IB_WC_WR_FLUSH_ERR) {
		/* The link is going down; see echo_disconnected(). */
		atomic_inc(&e->flushed);
		return;
	}
	atomic_inc(&e->errors);
	pr_warn_ratelimited("ccm_echo: %s: %s: %s\n", e->name, what,
			    ib_wc_status_msg(wc->status));
}

static int echo_post_recv(struct echo_slot *s)
{
	struct echo *e = s->e;
	struct ib_recv_wr wr = {};
	struct ib_sge sge = {
		.addr = e->dma + s->off,
		.length = sizeof(struct echo_msg),
		.lkey = e->link->pd->local_dma_lkey,
	};

	wr.wr_cqe = &s->cqe;
	wr.sg_list = &sge;
	wr.num_sge = 1;
	return ib_post_recv(e->link->qps[s->qp], &wr, NULL);
}

static void echo_send_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct echo_slot *s = container_of(wc->wr_cqe, struct echo_slot, cqe);

	if (wc->status != IB_WC_SUCCESS)
		echo_err(s->e, wc, "send");
}

static int echo_send(struct echo *e, u32 qp, unsigned int k, u32 type,
		     u64 token)
{
	struct echo_slot *s = echo_slot(e, qp, ECHO_RX_PER_QP + k);
	struct echo_msg *m = (struct echo_msg *)(e->buf + s->off);
	struct ib_send_wr wr = {};
	struct ib_sge sge = {
		.addr = e->dma + s->off,
		.length = sizeof(*m),
		.lkey = e->link->pd->local_dma_lkey,
	};

	m->type = cpu_to_be32(type);
	m->qp = cpu_to_be32(qp);
	m->token = cpu_to_be64(token);
	ib_dma_sync_single_for_device(e->link->device, e->dma + s->off,
				      sizeof(*m), DMA_BIDIRECTIONAL);
	s->cqe.done = echo_send_done;
	wr.opcode = IB_WR_SEND;
	wr.wr_cqe = &s->cqe;
	wr.send_flags = IB_SEND_SIGNALED;
	wr.sg_list = &sge;
	wr.num_sge = 1;
	return ib_post_send(e->link->qps[qp], &wr, NULL);
}

static void echo_check_done(struct echo *e)
{
	if (atomic_read(&e->qps_ok) == e->link->nr_qps &&
	    atomic_read(&e->write_ok) == 1)
		pr_info("ccm_echo: %s: round %d: %u/%u QPs ping-pong ok, RDMA write verified, %u READs per QP\n",
			e->name, atomic_read(&e->connects),
			atomic_read(&e->qps_ok), e->link->nr_qps,
			e->link->max_rd_atomic);
}

static void echo_verify_write(struct echo *e, u64 len)
{
	const u8 *mem = e->link->mem;
	u64 epoch = e->link->peer_epoch;
	unsigned int i;

	if (!mem || len > e->link->mem_size) {
		atomic_inc(&e->errors);
		return;
	}
	for (i = 0; i < len; i++) {
		if (mem[i] != echo_pattern(epoch, i)) {
			atomic_inc(&e->errors);
			pr_warn("ccm_echo: %s: byte %u of the partner's write is %02x, want %02x\n",
				e->name, i, mem[i], echo_pattern(epoch, i));
			return;
		}
	}
	atomic_set(&e->write_ok, 1);
}

static void echo_recv_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct echo_slot *s = container_of(wc->wr_cqe, struct echo_slot, cqe);
	struct echo *e = s->e;
	struct echo_msg *m = (struct echo_msg *)(e->buf + s->off);
	bool check = false;
	u32 type, qp;
	u64 token;

	if (wc->status != IB_WC_SUCCESS) {
		echo_err(e, wc, "receive");
		return;
	}
	ib_dma_sync_single_for_cpu(e->link->device, e->dma + s->off,
				   sizeof(*m), DMA_BIDIRECTIONAL);
	spin_lock(&e->post_lock);
	if (!e->posting)
		goto out;	/* quiesced: answer nothing, post nothing */
	type = be32_to_cpu(m->type);
	qp = be32_to_cpu(m->qp);
	token = be64_to_cpu(m->token);
	if (wc->byte_len != sizeof(*m) || qp != s->qp) {
		atomic_inc(&e->errors);
		goto repost;
	}
	switch (type) {
	case ECHO_PING:
		if (echo_send(e, qp, ECHO_TX_PONG, ECHO_PONG, token))
			atomic_inc(&e->errors);
		check = true;
		break;
	case ECHO_PONG:
		if (token != (e->token ^ qp)) {
			atomic_inc(&e->errors);
			break;
		}
		atomic_inc(&e->qps_ok);
		qp = atomic_inc_return(&e->next_ping) - 1;
		if (qp < e->link->nr_qps &&
		    echo_send(e, qp, ECHO_TX_PING, ECHO_PING, e->token ^ qp))
			atomic_inc(&e->errors);
		check = true;
		break;
	case ECHO_WDONE:
		echo_verify_write(e, token);
		check = true;
		break;
	case ECHO_REQ:
		/* Idempotent: a request seen before is answered again. */
		if (token <= e->served[qp])
			atomic_inc(&e->reqs_again);
		else
			e->served[qp] = token;
		if (echo_send(e, qp, ECHO_TX_ACK, ECHO_ACK, token))
			atomic_inc(&e->errors);
		break;
	case ECHO_ACK:
		/* Exactly one ACK per request: the link it was posted on. */
		if (!token ||
		    atomic64_cmpxchg(&e->pending[qp], token, 0) != token) {
			atomic_inc(&e->errors);
			break;
		}
		atomic_inc(&e->reqs_acked);
		/* The stream runs on this link: said once per link. */
		if (atomic_cmpxchg(&e->stream_wait, 1, 0) == 1)
			pr_info("ccm_echo: %s: link %d: stream: a request answered (%d reposted in all)\n",
				e->name, atomic_read(&e->connects),
				atomic_read(&e->reposted));
		break;
	default:
		atomic_inc(&e->errors);
		break;
	}
repost:
	/* The message is handled: receive the next one into its buffer. */
	if (echo_post_recv(s))
		atomic_inc(&e->errors);
out:
	spin_unlock(&e->post_lock);
	if (check)
		echo_check_done(e);
}

static void echo_write_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct echo_slot *s = container_of(wc->wr_cqe, struct echo_slot, cqe);

	if (wc->status != IB_WC_SUCCESS)
		echo_err(s->e, wc, "RDMA write");
}

/* RDMA WRITE our pattern into the partner's memory, then tell it. */
static int echo_write(struct echo *e)
{
	const struct ccm_client_link *l = e->link;
	u32 len = min_t(u32, ECHO_WRITE_LEN, l->remote_size);
	struct echo_slot *s = &e->slots[e->nr_slots - 1];
	struct ib_rdma_wr wr = {};
	struct ib_sge sge;
	unsigned int i;
	int ret;

	if (!len)
		return 0;
	for (i = 0; i < len; i++)
		e->buf[s->off + i] = echo_pattern(e->token, i);
	ib_dma_sync_single_for_device(l->device, e->dma + s->off, len,
				      DMA_BIDIRECTIONAL);
	sge.addr = e->dma + s->off;
	sge.length = len;
	sge.lkey = l->pd->local_dma_lkey;
	s->cqe.done = echo_write_done;
	wr.wr.opcode = IB_WR_RDMA_WRITE;
	wr.wr.wr_cqe = &s->cqe;
	wr.wr.send_flags = IB_SEND_SIGNALED;
	wr.wr.sg_list = &sge;
	wr.wr.num_sge = 1;
	wr.remote_addr = l->remote_addr;
	wr.rkey = l->remote_rkey;
	ret = ib_post_send(l->qps[0], &wr.wr, NULL);
	if (ret)
		return ret;
	/* Same QP: the partner sees the data before this message. */
	return echo_send(e, 0, ECHO_TX_WDONE, ECHO_WDONE, len);
}

/* Post the pending request of @qp (again, or a new one). */
static int echo_post_req(struct echo *e, u32 qp)
{
	lockdep_assert_held(&e->lock);
	lockdep_assert_held(&e->post_lock);
	atomic_inc(&e->reqs_sent);
	return echo_send(e, qp, ECHO_TX_REQ, ECHO_REQ,
			 atomic64_read(&e->pending[qp]));
}

/* The request stream: a new request on every QP without one. */
static void echo_stream_work(struct work_struct *work)
{
	struct echo *e = container_of(to_delayed_work(work), struct echo,
				      stream);
	u32 qp;

	mutex_lock(&e->lock);
	spin_lock_bh(&e->post_lock);
	if (!e->posting)
		goto out;
	for (qp = 0; qp < e->link->nr_qps; qp++) {
		if (atomic64_read(&e->pending[qp]))
			continue;
		atomic64_set(&e->pending[qp], ++e->next_seq);
		if (echo_post_req(e, qp)) {
			/* left pending: the next link posts it */
			atomic_inc(&e->errors);
			break;
		}
	}
	schedule_delayed_work(&e->stream, msecs_to_jiffies(stream_ms));
out:
	spin_unlock_bh(&e->post_lock);
	mutex_unlock(&e->lock);
}

/*
 * ->connected(): what the last link flushed is still pending; post it on
 * the new QPs, then let the stream run.
 */
static int echo_stream_start(struct echo *e)
{
	u32 qp;
	int ret = 0;

	lockdep_assert_held(&e->lock);
	if (!stream_ms)
		return 0;
	spin_lock_bh(&e->post_lock);
	atomic_set(&e->stream_wait, 1);
	for (qp = 0; qp < e->link->nr_qps && !ret; qp++) {
		if (!atomic64_read(&e->pending[qp]))
			continue;
		atomic_inc(&e->reposted);
		ret = echo_post_req(e, qp);
	}
	spin_unlock_bh(&e->post_lock);
	schedule_delayed_work(&e->stream, msecs_to_jiffies(stream_ms));
	return ret;
}

static void echo_connected(struct ccm_client *client,
			   const struct ccm_client_link *link)
{
	struct echo *e = container_of(client, struct echo, client);
	unsigned int qp, k, n = 0;
	int ret = 0;

	mutex_lock(&e->lock);
	e->link = link;
	/* The partner checks our write against its peer_epoch: our epoch. */
	e->token = link->local_epoch;
	atomic_set(&e->qps_ok, 0);
	atomic_set(&e->write_ok, link->remote_size ? 0 : 1);
	e->nr_slots = link->nr_qps * ECHO_SLOTS_PER_QP + 1;
	e->buf_len = e->nr_slots * sizeof(struct echo_msg) + ECHO_WRITE_LEN;
	e->slots = kcalloc(e->nr_slots, sizeof(*e->slots), GFP_KERNEL);
	e->buf = kzalloc(e->buf_len, GFP_KERNEL);
	if (!e->slots || !e->buf)
		goto err;
	e->dma = ib_dma_map_single(link->device, e->buf, e->buf_len,
				   DMA_BIDIRECTIONAL);
	if (ib_dma_mapping_error(link->device, e->dma)) {
		e->dma = 0;
		goto err;
	}
	for (k = 0; k < e->nr_slots; k++) {
		e->slots[k].e = e;
		e->slots[k].qp = k / ECHO_SLOTS_PER_QP;
		e->slots[k].off = k * sizeof(struct echo_msg);
	}
	/* The write source: the last slot, with room after it. */
	e->slots[e->nr_slots - 1].qp = 0;
	if (link->peer_epoch != e->served_epoch) {
		/* a new incarnation of the partner numbers from 1 again */
		memset(e->served, 0, qps * sizeof(*e->served));
		e->served_epoch = link->peer_epoch;
	}
	/* from the first receive on, the handlers answer and repost */
	spin_lock_bh(&e->post_lock);
	e->posting = true;
	spin_unlock_bh(&e->post_lock);
	for (qp = 0; qp < link->nr_qps; qp++) {
		for (k = 0; k < ECHO_RX_PER_QP; k++) {
			struct echo_slot *s = echo_slot(e, qp, k);

			s->cqe.done = echo_recv_done;
			ret = ret ?: echo_post_recv(s);
		}
	}
	atomic_inc(&e->connects);
	atomic_set(&e->connected, 1);
	n = min_t(unsigned int, link->nr_qps,
		  max_t(unsigned int, ECHO_PING_WINDOW / max(clients, 1U), 1));
	atomic_set(&e->next_ping, n);
	for (qp = 0; qp < n && !ret; qp++)
		ret = echo_send(e, qp, ECHO_TX_PING, ECHO_PING, e->token ^ qp);
	if (!ret)
		ret = echo_write(e);
	if (!ret)
		ret = echo_stream_start(e);
	if (ret) {
		atomic_inc(&e->errors);
		pr_warn("ccm_echo: %s: cannot post (%d) after %u PINGs\n",
			e->name, ret, qp);
	}
	mutex_unlock(&e->lock);
	return;
err:
	mutex_unlock(&e->lock);
	atomic_inc(&e->errors);
	pr_warn("ccm_echo: %s: out of memory\n", e->name);
}

/*
 * The link is going down: once this returns, nothing of ours posts on it
 * (a completion handler that already checked @posting has posted by the
 * time @post_lock is ours), and ccm may drain it.
 */
static void echo_quiesce(struct ccm_client *client,
			 enum ccm_disconnect_reason reason)
{
	struct echo *e = container_of(client, struct echo, client);

	mutex_lock(&e->lock);
	spin_lock_bh(&e->post_lock);
	e->posting = false;
	spin_unlock_bh(&e->post_lock);
	mutex_unlock(&e->lock);
	cancel_delayed_work_sync(&e->stream);
}

static void echo_disconnected(struct ccm_client *client,
			      enum ccm_disconnect_reason reason)
{
	struct echo *e = container_of(client, struct echo, client);
	bool quiesced;

	/*
	 * Every WR has completed: the buffers are ours again. Flushed ones
	 * may or may not have reached the partner. For CCM_DISC_LINK_DOWN the
	 * partner is alive and ->connected() follows at once with QPs on
	 * another link: a storage driver keeps its flushed requests and
	 * posts them again there (idempotent, with the new device's lkey and
	 * the new rkey). Echo does so with its pending requests (in
	 * echo_stream_start()); its PING round it runs afresh on every
	 * connect. The counters show what happened.
	 */
	mutex_lock(&e->lock);
	/* ccm calls ->quiesce() first: the tests rely on this error */
	spin_lock_bh(&e->post_lock);
	quiesced = !e->posting;
	e->posting = false;
	spin_unlock_bh(&e->post_lock);
	if (!quiesced) {
		atomic_inc(&e->errors);
		pr_warn("ccm_echo: %s: disconnected without ->quiesce()\n",
			e->name);
	}
	if (reason == CCM_DISC_LINK_DOWN)
		atomic_inc(&e->link_downs);
	if (reason == CCM_DISC_QP_ERROR)
		atomic_inc(&e->qp_errors);
	if (e->dma)
		ib_dma_unmap_single(e->link->device, e->dma, e->buf_len,
				    DMA_BIDIRECTIONAL);
	e->dma = 0;
	kfree(e->buf);
	e->buf = NULL;
	kfree(e->slots);
	e->slots = NULL;
	e->link = NULL;
	atomic_set(&e->connected, 0);
	mutex_unlock(&e->lock);
	atomic_inc(&e->disconnects);
	pr_info("ccm_echo: %s: disconnected: %s\n", e->name,
		ccm_disconnect_reason_str(reason));
}

/* /sys/kernel/ccm_echo/<name>/{connected,qps_ok,write_ok,errors,...} */
static ssize_t echo_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	struct echo *e = container_of(kobj, struct echo, kobj);
	const char *n = attr->attr.name;
	atomic_t *v = !strcmp(n, "qps_ok") ? &e->qps_ok :
		      !strcmp(n, "write_ok") ? &e->write_ok :
		      !strcmp(n, "errors") ? &e->errors :
		      !strcmp(n, "connects") ? &e->connects :
		      !strcmp(n, "disconnects") ? &e->disconnects :
		      !strcmp(n, "flushed") ? &e->flushed :
		      !strcmp(n, "link_downs") ? &e->link_downs :
		      !strcmp(n, "qp_errors") ? &e->qp_errors :
		      !strcmp(n, "reqs_sent") ? &e->reqs_sent :
		      !strcmp(n, "reqs_acked") ? &e->reqs_acked :
		      !strcmp(n, "reposted") ? &e->reposted :
		      !strcmp(n, "reqs_again") ? &e->reqs_again :
		      &e->connected;
	unsigned int qp, pending = 0;

	if (!strcmp(n, "reqs_pending")) {
		for (qp = 0; qp < qps; qp++)
			pending += !!atomic64_read(&e->pending[qp]);
		return sysfs_emit(buf, "%u\n", pending);
	}
	return sysfs_emit(buf, "%d\n", atomic_read(v));
}

#define ECHO_ATTR(_n) \
	static struct kobj_attribute echo_attr_##_n = __ATTR(_n, 0444, echo_show, NULL)
ECHO_ATTR(connected);
ECHO_ATTR(qps_ok);
ECHO_ATTR(write_ok);
ECHO_ATTR(errors);
ECHO_ATTR(connects);
ECHO_ATTR(disconnects);
ECHO_ATTR(flushed);
ECHO_ATTR(link_downs);
ECHO_ATTR(qp_errors);
ECHO_ATTR(reqs_sent);
ECHO_ATTR(reqs_acked);
ECHO_ATTR(reqs_pending);
ECHO_ATTR(reposted);
ECHO_ATTR(reqs_again);

/* QP 0's local ACK timeout exponent, as the device reports it. */
static ssize_t qp_ack_timeout_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	struct echo *e = container_of(kobj, struct echo, kobj);
	struct ib_qp_init_attr init;
	struct ib_qp_attr qa;
	int ret = -ENOTCONN;

	mutex_lock(&e->lock);
	if (e->link && atomic_read(&e->connected))
		ret = ib_query_qp(e->link->qps[0], &qa, IB_QP_TIMEOUT, &init);
	mutex_unlock(&e->lock);
	return ret ?: sysfs_emit(buf, "%u\n", qa.timeout);
}

static struct kobj_attribute echo_attr_qp_ack_timeout =
	__ATTR_RO(qp_ack_timeout);

/*
 * Test only: deliver IB_EVENT_QP_FATAL to QP 0's event handler, as the
 * RDMA driver does when a QP fails (Soft-RoCE raises no such event, not
 * even for a remote access error: its responder moves the QP to the error
 * state silently). ccm must tell both sides' clients CCM_DISC_QP_ERROR
 * and set the link up again.
 */
static ssize_t inject_qp_fatal_store(struct kobject *kobj,
				     struct kobj_attribute *attr,
				     const char *buf, size_t count)
{
	struct echo *e = container_of(kobj, struct echo, kobj);
	struct ib_event ev = { .event = IB_EVENT_QP_FATAL };
	struct ib_qp *qp;
	int ret = -ENOTCONN;

	mutex_lock(&e->lock);
	if (e->link && atomic_read(&e->connected)) {
		qp = e->link->qps[0];
		ev.device = qp->device;
		ev.element.qp = qp;
		if (qp->event_handler) {
			qp->event_handler(&ev, qp->qp_context);
			ret = count;
		} else {
			ret = -EOPNOTSUPP;
		}
	}
	mutex_unlock(&e->lock);
	return ret;
}

static struct kobj_attribute echo_attr_inject_qp_fatal =
	__ATTR_WO(inject_qp_fatal);

static struct attribute *echo_attrs[] = {
	&echo_attr_connected.attr, &echo_attr_qps_ok.attr,
	&echo_attr_write_ok.attr, &echo_attr_errors.attr,
	&echo_attr_connects.attr, &echo_attr_disconnects.attr,
	&echo_attr_flushed.attr, &echo_attr_link_downs.attr,
	&echo_attr_qp_errors.attr, &echo_attr_qp_ack_timeout.attr,
	&echo_attr_inject_qp_fatal.attr, &echo_attr_reqs_sent.attr,
	&echo_attr_reqs_acked.attr, &echo_attr_reqs_pending.attr,
	&echo_attr_reposted.attr, &echo_attr_reqs_again.attr, NULL
};
ATTRIBUTE_GROUPS(echo);

static void echo_release(struct kobject *kobj)
{
}

static struct kobj_type echo_ktype = {
	.release = echo_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = echo_groups,
};

static void echo_cleanup(void)
{
	unsigned int i;

	for (i = 0; i < nr_echoes; i++) {
		ccm_unregister_client(&echoes[i].client);
		/* quiesced by the last ->quiesce(), if it ever ran */
		cancel_delayed_work_sync(&echoes[i].stream);
		kobject_put(&echoes[i].kobj);
	}
	for (i = 0; i < clients; i++) {
		kfree(echoes[i].pending);
		kfree(echoes[i].served);
	}
	nr_echoes = 0;
	kobject_put(echo_kobj);
	kfree(echoes);
}

static int __init echo_init(void)
{
	unsigned int i;
	int ret;

	if (!clients || clients > 64 || !qps || qps > CCM_CLIENT_MAX_QPS ||
	    mem_size > CCM_CLIENT_MAX_MEM)
		return -EINVAL;
	echoes = kcalloc(clients, sizeof(*echoes), GFP_KERNEL);
	if (!echoes)
		return -ENOMEM;
	echo_kobj = kobject_create_and_add("ccm_echo", kernel_kobj);
	if (!echo_kobj) {
		kfree(echoes);
		return -ENOMEM;
	}
	for (i = 0; i < clients; i++) {
		struct echo *e = &echoes[i];

		snprintf(e->name, sizeof(e->name), "%s%u", prefix, i);
		e->client.name = e->name;
		e->client.nr_qps = qps;
		e->client.send_depth = 8;
		e->client.recv_depth = ECHO_RX_PER_QP + 1;
		e->client.mem_size = mem_size;
		e->client.poll_ctx = IB_POLL_SOFTIRQ;
		e->client.connected = echo_connected;
		e->client.quiesce = echo_quiesce;
		e->client.disconnected = echo_disconnected;
		mutex_init(&e->lock);
		spin_lock_init(&e->post_lock);
		INIT_DELAYED_WORK(&e->stream, echo_stream_work);
		e->next_seq = ktime_get_real_ns();
		e->pending = kcalloc(qps, sizeof(*e->pending), GFP_KERNEL);
		e->served = kcalloc(qps, sizeof(*e->served), GFP_KERNEL);
		if (!e->pending || !e->served) {
			ret = -ENOMEM;
			goto err;
		}
		ret = kobject_init_and_add(&e->kobj, &echo_ktype, echo_kobj,
					   "%s", e->name);
		if (ret) {
			kobject_put(&e->kobj);
			goto err;
		}
		ret = ccm_register_client(&e->client);
		if (ret) {
			pr_err("ccm_echo: cannot register %s: %d\n", e->name,
			       ret);
			kobject_put(&e->kobj);
			goto err;
		}
		nr_echoes++;
	}
	return 0;
err:
	echo_cleanup();
	return ret;
}

static void __exit echo_exit(void)
{
	echo_cleanup();
}

module_init(echo_init);
module_exit(echo_exit);
MODULE_DESCRIPTION("ccm sample client: ping-pong on every QP and a verified RDMA write");
MODULE_LICENSE("GPL");
