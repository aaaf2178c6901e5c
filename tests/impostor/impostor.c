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
 */
#include <linux/completion.h>
#include <linux/inet.h>
#include <linux/module.h>
#include <linux/random.h>
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

static uint count = 3;
module_param(count, uint, 0444);
MODULE_PARM_DESC(count, "connection attempts (default 3)");

struct impostor {
	struct rdma_cm_id *id;
	struct completion done;
	enum rdma_cm_event_type last;
	int status;
	u32 rej_reason;
};

static int impostor_handler(struct rdma_cm_id *id, struct rdma_cm_event *ev)
{
	struct impostor *im = id->context;
	struct ccm_cm_info rej;

	switch (ev->event) {
	case RDMA_CM_EVENT_ADDR_RESOLVED:
	case RDMA_CM_EVENT_ROUTE_RESOLVED:
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

static void impostor_attempt(unsigned int n, u64 epoch)
{
	struct sockaddr_in src = { .sin_family = AF_INET };
	struct sockaddr_in dst = { .sin_family = AF_INET };
	struct rdma_conn_param param = {};
	struct ccm_cm_info req = {};
	struct ccm_wire_cm priv;
	struct impostor im = {};
	const char *what;
	int ret;

	init_completion(&im.done);
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
	req.type = CCM_CM_REQ;
	req.node_id = node_id;
	req.epoch = epoch;
	req.gen = 1000 + n;
	req.max_gen = 1000 + n;
	ccm_wire_cm_encode(&priv, &req);
	param.private_data = &priv;
	param.private_data_len = sizeof(priv);
	param.responder_resources = 1;
	param.initiator_depth = 1;
	param.retry_count = 6;
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
	case RDMA_CM_EVENT_CONNECT_RESPONSE:
	case RDMA_CM_EVENT_ESTABLISHED:
		what = "accepted";
		break;
	default:
		what = rdma_event_msg(im.last);
		break;
	}
	pr_info("ccm_impostor: attempt %u from port %u: %s\n", n, port, what);
out:
	rdma_destroy_id(im.id);
}

static int __init impostor_init(void)
{
	u64 epoch = get_random_u64();
	unsigned int n;

	if (!peer_addr || !node_id)
		return -EINVAL;
	for (n = 1; n <= count; n++)
		impostor_attempt(n, epoch);
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
