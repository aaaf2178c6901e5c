// SPDX-License-Identifier: GPL-2.0
/*
 * Test only: an impostor on the partner node (tests/vm/cases/impostor.sh).
 *
 * It does what any local user who can open the RDMA CM could do: connect
 * to ccm from the partner's address with a well-formed request (ccm_wire.c's
 * encoder) that claims a new incarnation of the partner (its node_id, a new
 * epoch, a high generation). From an unprivileged source port (port=0, as
 * a user without CAP_NET_BIND_SERVICE), or from a privileged one (port=N,
 * as root could). Each attempt's outcome is logged: "rejected (reason)",
 * "accepted" or "unreachable". Never loaded into the host.
 *
 * Against a node with auth_key (tests/vm/cases/auth.sh) it may claim the
 * partner's current epoch (epoch=), offer a nonce as a keyed ccm does
 * (nonce=1) and, once accepted, complete the connection and send a
 * descriptor with a proof it cannot have made (prove=1); it then logs
 * whether ccm closed the connection ("closed by ccm"). With erase=1 it
 * first spends 500 ms erasing the mailbox through the rkey the REP gave
 * it. With header=1 it instead writes where the REP's keys must not
 * reach: the sentinel's header through the mailbox's key (odd attempts),
 * the mailbox through the sentinel's read-only key (even ones), and logs
 * "write refused" or "write landed".
 */
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/inet.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <rdma/ib_verbs.h>
#include <rdma/rdma_cm.h>

#include "../../ccm_wire.h"

static char *peer_addr;
module_param(peer_addr, charp, 0444);
MODULE_PARM_DESC(peer_addr, "ccm's address to connect to (IPv4)");

static uint peer_port = 7471;
module_param(peer_port, uint, 0444);
MODULE_PARM_DESC(peer_port, "ccm's port (default 7471)");

static uint port;
module_param(port, uint, 0444);
MODULE_PARM_DESC(port, "source port; 0: any (unprivileged)");

static unsigned long long node_id;
module_param(node_id, ullong, 0444);
MODULE_PARM_DESC(node_id, "the node_id to claim (the partner's)");

static unsigned long long epoch;
module_param(epoch, ullong, 0444);
MODULE_PARM_DESC(epoch, "the epoch to claim; 0: a new one");

static bool nonce;
module_param(nonce, bool, 0444);
MODULE_PARM_DESC(nonce, "offer a nonce in the request, as a keyed ccm");

static bool prove;
module_param(prove, bool, 0444);
MODULE_PARM_DESC(prove, "complete the connection and send a forged proof");

static bool erase;
module_param(erase, bool, 0444);
MODULE_PARM_DESC(erase, "with prove: first erase the mailbox for 500 ms");

static bool header;
module_param(header, bool, 0444);
MODULE_PARM_DESC(header, "complete the connection, write beyond what the keys allow");

static uint count = 3;
module_param(count, uint, 0444);
MODULE_PARM_DESC(count, "connection attempts (default 3)");

struct impostor {
	struct rdma_cm_id *id;
	struct ib_pd *pd;
	struct ib_cq *cq;
	void *buf;
	u64 dma;
	struct completion done;
	enum rdma_cm_event_type last;
	int status;
	u32 rej_reason;
	struct ccm_desc_info desc;	/* from the REP */
	bool have_desc;
	struct ib_cqe cqe;
	enum ib_wc_status wc_status;
	bool wc_done;
};

static int impostor_handler(struct rdma_cm_id *id, struct rdma_cm_event *ev)
{
	struct impostor *im = id->context;
	const struct ccm_wire_rep *rep;
	struct ccm_cm_info rej;

	switch (ev->event) {
	case RDMA_CM_EVENT_ADDR_RESOLVED:
	case RDMA_CM_EVENT_ROUTE_RESOLVED:
		break;
	case RDMA_CM_EVENT_ESTABLISHED:
		rep = ev->param.conn.private_data;
		if (ev->param.conn.private_data_len >=
		    offsetof(struct ccm_wire_rep, nonce))
			im->have_desc = !ccm_wire_desc_decode(&rep->desc,
							      sizeof(rep->desc),
							      &im->desc);
		break;
	case RDMA_CM_EVENT_REJECTED:
		if (ev->param.conn.private_data_len &&
		    ccm_wire_cm_decode(ev->param.conn.private_data,
				       ev->param.conn.private_data_len,
				       &rej) == CCM_WIRE_OK &&
		    rej.type == CCM_CM_REJ)
			im->rej_reason = rej.reason;
		break;
	default:
		break;
	}
	im->last = ev->event;
	im->status = ev->status;
	complete(&im->done);
	return 0;
}

static bool impostor_wait(struct impostor *im, enum rdma_cm_event_type want)
{
	if (!wait_for_completion_timeout(&im->done, 5 * HZ))
		return false;
	reinit_completion(&im->done);
	return im->last == want;
}

static void impostor_write_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct impostor *im = container_of(wc->wr_cqe, struct impostor, cqe);

	im->wc_status = wc->status;
	im->wc_done = true;
}

/* One RDMA WRITE of the first @len bytes of im->buf; posted or not. */
static int impostor_post_write(struct impostor *im, u64 addr, u32 rkey,
			       u32 len)
{
	struct ib_rdma_wr wr = {};
	struct ib_sge sge;

	ib_dma_sync_single_for_device(im->id->device, im->dma, len,
				      DMA_TO_DEVICE);
	sge.addr = im->dma;
	sge.length = len;
	sge.lkey = im->pd->local_dma_lkey;
	wr.wr.opcode = IB_WR_RDMA_WRITE;
	wr.wr.wr_cqe = &im->cqe;
	wr.wr.send_flags = IB_SEND_SIGNALED;
	wr.wr.sg_list = &sge;
	wr.wr.num_sge = 1;
	wr.remote_addr = addr;
	wr.rkey = rkey;
	im->wc_done = false;
	return ib_post_send(im->id->qp, &wr.wr, NULL);
}

/*
 * Write where the REP's keys must not reach (ccm registers its sentinel
 * read-only and only the mailbox writable): attempt @n odd, our own
 * header over ccm's through the mailbox's key; even, a mailbox message
 * through the sentinel's key. Waits 2 s at most for the completion.
 */
static const char *impostor_header(struct impostor *im, unsigned int n)
{
	static const char * const what[] = {
		"the mailbox through the sentinel's key",
		"the header through the mailbox's key",
	};
	unsigned long end = jiffies + 2 * HZ;
	u64 addr = im->desc.addr;
	u32 rkey = im->desc.mbox_rkey;
	struct ccm_sentinel_info si = {
		.node_id = node_id, .epoch = 1, .mbox_offset = CCM_MBOX_OFFSET,
	};

	if (!im->have_desc)
		return "accepted, no descriptor in the REP";
	memset(im->buf, 0, 128);
	ccm_wire_sentinel_encode(im->buf, &si);
	if (!(n & 1)) {
		addr += CCM_MBOX_OFFSET;
		rkey = im->desc.rkey;
	}
	if (impostor_post_write(im, addr, rkey,
				sizeof(struct ccm_wire_sentinel)))
		return "accepted, write not posted";
	while (!im->wc_done && time_before(jiffies, end)) {
		usleep_range(1000, 2000);
		ib_process_cq_direct(im->cq, -1);
	}
	if (!im->wc_done)
		return "accepted, write never completed";
	pr_info("ccm_impostor: attempt %u: writing %s: %s\n", n, what[n & 1],
		ib_wc_status_msg(im->wc_status));
	return im->wc_status == IB_WC_SUCCESS ? "accepted, write landed" :
						"accepted, write refused";
}

/*
 * Erase the mailbox the REP's rkey reaches, every 10 ms or so for 500 ms
 * (ccm waits 2 s for the proof): were it the link's one, the partner's
 * heartbeats there would be wiped out faster than heartbeat_miss x
 * heartbeat_ms, and ccm would declare the partner lost.
 */
static void impostor_mbox(struct impostor *im)
{
	unsigned long end = jiffies + msecs_to_jiffies(500);
	unsigned int i, done = 0;

	if (!im->have_desc) {
		pr_info("ccm_impostor: no descriptor in the REP\n");
		return;
	}
	memset(im->buf, 0, sizeof(struct ccm_wire_mbox));
	for (i = 0; i < 100 && time_before(jiffies, end); i++) {
		if (impostor_post_write(im, im->desc.addr + CCM_MBOX_OFFSET,
					im->desc.mbox_rkey,
					sizeof(struct ccm_wire_mbox)))
			break;
		usleep_range(10000, 12000);
		done += ib_process_cq_direct(im->cq, -1);
	}
	pr_info("ccm_impostor: erased the mailbox %u times\n", done);
}

/* Connected with a QP: send 80 bytes as a keyed ccm's first SEND. */
static const char *impostor_prove(struct impostor *im)
{
	struct ib_device *dev = im->id->device;
	struct ib_send_wr wr = {};
	struct ib_sge sge;

	if (erase)
		impostor_mbox(im);
	get_random_bytes(im->buf, sizeof(struct ccm_wire_hello));
	sge.addr = im->dma;
	sge.length = sizeof(struct ccm_wire_hello);
	sge.lkey = im->pd->local_dma_lkey;
	wr.opcode = IB_WR_SEND;
	wr.sg_list = &sge;
	wr.num_sge = 1;
	ib_dma_sync_single_for_device(dev, im->dma, sge.length, DMA_TO_DEVICE);
	if (ib_post_send(im->id->qp, &wr, NULL))
		return "accepted, forged proof not sent";
	if (!wait_for_completion_timeout(&im->done, 5 * HZ))
		return "accepted, forged proof sent, still connected after 5 s";
	reinit_completion(&im->done);
	if (im->last == RDMA_CM_EVENT_DISCONNECTED)
		return "accepted, forged proof sent, closed by ccm";
	pr_info("ccm_impostor: unexpected %s (%d)\n", rdma_event_msg(im->last),
		im->status);
	return "accepted, forged proof sent, then an unexpected event";
}

static int impostor_qp(struct impostor *im)
{
	struct ib_device *dev = im->id->device;
	struct ib_qp_init_attr qa = {};

	im->pd = ib_alloc_pd(dev, 0);
	if (IS_ERR(im->pd))
		return PTR_ERR(im->pd);
	im->cq = ib_alloc_cq(dev, NULL, 128, 0, IB_POLL_DIRECT);
	if (IS_ERR(im->cq))
		return PTR_ERR(im->cq);
	im->buf = kzalloc(128, GFP_KERNEL);
	if (!im->buf)
		return -ENOMEM;
	im->dma = ib_dma_map_single(dev, im->buf, 128, DMA_TO_DEVICE);
	if (ib_dma_mapping_error(dev, im->dma)) {
		im->dma = 0;
		return -ENOMEM;
	}
	qa.send_cq = im->cq;
	qa.recv_cq = im->cq;
	qa.cap.max_send_wr = 64;
	qa.cap.max_recv_wr = 4;
	qa.cap.max_send_sge = 1;
	qa.cap.max_recv_sge = 1;
	qa.sq_sig_type = IB_SIGNAL_REQ_WR;
	qa.qp_type = IB_QPT_RC;
	return rdma_create_qp(im->id, im->pd, &qa);
}

static void impostor_free(struct impostor *im)
{
	struct ib_device *dev = im->id->device;

	if (im->id->qp)
		rdma_destroy_qp(im->id);
	if (im->dma)
		ib_dma_unmap_single(dev, im->dma, 128, DMA_TO_DEVICE);
	kfree(im->buf);
	if (!IS_ERR_OR_NULL(im->cq))
		ib_free_cq(im->cq);
	if (!IS_ERR_OR_NULL(im->pd))
		ib_dealloc_pd(im->pd);
	rdma_destroy_id(im->id);
}

static void impostor_attempt(unsigned int n, u64 epoch)
{
	struct sockaddr_in src = { .sin_family = AF_INET };
	struct sockaddr_in dst = { .sin_family = AF_INET };
	struct rdma_conn_param param = {};
	struct ccm_cm_info req = {};
	struct ccm_wire_req priv = {};
	struct impostor im = {};
	const char *what;
	int ret;

	init_completion(&im.done);
	im.cqe.done = impostor_write_done;
	dst.sin_port = htons(peer_port);
	if (!in4_pton(peer_addr, -1, (u8 *)&dst.sin_addr, -1, NULL)) {
		pr_err("ccm_impostor: peer_addr '%s' is not IPv4\n", peer_addr);
		return;
	}
	src.sin_port = htons(port);
	im.id = rdma_create_id(&init_net, impostor_handler, &im, RDMA_PS_TCP,
			       IB_QPT_RC);
	if (IS_ERR(im.id)) {
		pr_err("ccm_impostor: rdma_create_id: %ld\n", PTR_ERR(im.id));
		return;
	}
	ret = rdma_resolve_addr(im.id, (struct sockaddr *)&src,
				(struct sockaddr *)&dst, 2000);
	if (ret || !impostor_wait(&im, RDMA_CM_EVENT_ADDR_RESOLVED)) {
		pr_err("ccm_impostor: attempt %u: address not resolved (%d)\n",
		       n, ret);
		goto out;
	}
	ret = rdma_resolve_route(im.id, 2000);
	if (ret || !impostor_wait(&im, RDMA_CM_EVENT_ROUTE_RESOLVED)) {
		pr_err("ccm_impostor: attempt %u: route not resolved (%d)\n",
		       n, ret);
		goto out;
	}
	if (prove || header) {
		ret = impostor_qp(&im);
		if (ret) {
			pr_err("ccm_impostor: attempt %u: QP: %d\n", n, ret);
			goto out;
		}
	}
	req.type = CCM_CM_REQ;
	req.node_id = node_id;
	req.epoch = epoch;
	req.gen = 1000 + n;
	req.max_gen = 1000 + n;
	ccm_wire_cm_encode(&priv.cm, &req);
	if (nonce)
		get_random_bytes(priv.nonce, sizeof(priv.nonce));
	param.private_data = &priv;
	param.private_data_len = nonce ? sizeof(priv) : sizeof(priv.cm);
	param.responder_resources = 1;
	param.initiator_depth = 1;
	param.retry_count = 6;
	if (!prove && !header)
		param.qp_num = get_random_u32_below(1 << 24);
	ret = rdma_connect(im.id, &param);
	if (ret) {
		pr_err("ccm_impostor: attempt %u: rdma_connect: %d\n", n, ret);
		goto out;
	}
	if (!wait_for_completion_timeout(&im.done, 5 * HZ)) {
		pr_info("ccm_impostor: attempt %u from port %u: no answer\n",
			n, port);
		goto out;
	}
	switch (im.last) {
	case RDMA_CM_EVENT_REJECTED:
		pr_info("ccm_impostor: attempt %u from port %u: rejected (%s)\n",
			n, port, ccm_wire_rej_str(im.rej_reason));
		goto out;
	case RDMA_CM_EVENT_ESTABLISHED:
		if (header)
			what = impostor_header(&im, n);
		else
			what = prove ? impostor_prove(&im) : "accepted";
		break;
	case RDMA_CM_EVENT_CONNECT_RESPONSE:
		what = "accepted";
		break;
	default:
		what = rdma_event_msg(im.last);
		break;
	}
	pr_info("ccm_impostor: attempt %u from port %u: %s\n", n, port, what);
out:
	impostor_free(&im);
}

static int __init impostor_init(void)
{
	u64 e = epoch ?: get_random_u64();
	unsigned int n;

	if (!peer_addr || !node_id)
		return -EINVAL;
	for (n = 1; n <= count; n++)
		impostor_attempt(n, e);
	pr_info("ccm_impostor: done\n");
	return 0;
}

static void __exit impostor_exit(void)
{
}

module_init(impostor_init);
module_exit(impostor_exit);
MODULE_DESCRIPTION("ccm test: connects as a new incarnation of the partner");
MODULE_LICENSE("GPL");
