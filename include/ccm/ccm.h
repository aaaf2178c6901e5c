/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ccm - cluster connection manager: the interface for client modules.
 *
 * A client describes the queue pairs and the memory it needs towards its
 * partner and registers. Whenever the handshake with the partner is
 * connected and the partner has a client of the same name registered, ccm
 * creates the client's QPs and CQs, exchanges QP numbers, PSNs and memory
 * descriptors with the partner in one batch, moves every QP to RTS itself
 * and calls ->connected(). When the partner goes away, unregisters, or the
 * link fails, ->disconnected() is called and the QPs are destroyed.
 * Documentation/ccm-clients.rst has the full contract and an example.
 */
#ifndef _CCM_CCM_H
#define _CCM_CCM_H

#include <linux/list.h>
#include <linux/types.h>
#include <rdma/ib_verbs.h>

#define CCM_CLIENT_NAME_MAX	32	/* including the terminating NUL */
#define CCM_CLIENT_MAX_QPS	1024
#define CCM_CLIENT_MAX_DEPTH	4096	/* send or receive queue */
#define CCM_CLIENT_MAX_SGE	16
#define CCM_CLIENT_MAX_MEM	(4U << 20)	/* bytes */

enum ccm_disconnect_reason {
	CCM_DISC_PARTNER_LOST = 1,	/* the partner stopped answering */
	CCM_DISC_PARTNER_REBOOTED,	/* the partner came back with a new epoch */
	CCM_DISC_PARTNER_UNREGISTERED,	/* its client of this name went away */
	CCM_DISC_DEVICE_GONE,		/* the local RDMA device was removed */
	CCM_DISC_UNREGISTERED,		/* this client unregistered */
	CCM_DISC_FAILED,		/* setting the QPs up failed */
	/* The interconnect link under the QPs failed; the partner is
	 * still connected on another link.
	 */
	CCM_DISC_LINK_DOWN,
	/* A QP or CQ of the link had an asynchronous error (QP fatal, a
	 * remote access error, a CQ overrun), here or at the partner; the
	 * partner is connected and a new link follows.
	 */
	CCM_DISC_QP_ERROR,
};

/**
 * struct ccm_client_link - what a connected client gets
 * @device: the RDMA device the QPs live on
 * @pd: their protection domain; use pd->local_dma_lkey for local buffers
 * @nr_qps: the number of QPs
 * @qps: the QPs, connected (RTS) to the partner client's QPs of the same
 *	 index; post to them, never modify or destroy them
 * @cqs: the completion queue of each QP (send and receive), polled in the
 *	 client's poll context; every WR needs its own ib_cqe
 * @mem: the memory ccm allocated for the client (zeroed), the partner may
 *	 RDMA READ and WRITE it; NULL when mem_size was 0
 * @mem_size: its size
 * @remote_addr: the partner client's memory, for RDMA READ/WRITE
 * @remote_rkey: its rkey
 * @remote_size: its size; 0 when the partner exposes none
 * @max_rd_atomic: RDMA READs the client may have in flight on each QP (at
 *		   most 16; what both devices and the partner's QPs allow)
 * @peer_node_id: the partner node's identity
 * @peer_epoch: the partner node's boot epoch
 * @local_epoch: this node's boot epoch (the partner's @peer_epoch)
 *
 * Valid from ->connected() until ->disconnected() returns. When
 * ->disconnected() is called every QP has been moved to the error state
 * and drained: every posted WR has completed (flushed ones with an error
 * status) and no completion handler of the client runs any more.
 */
struct ccm_client_link {
	struct ib_device *device;
	struct ib_pd *pd;
	unsigned int nr_qps;
	struct ib_qp **qps;
	struct ib_cq **cqs;
	void *mem;
	size_t mem_size;
	u64 remote_addr;
	u32 remote_rkey;
	u32 remote_size;
	u8 max_rd_atomic;
	u64 peer_node_id;
	u64 peer_epoch;
	u64 local_epoch;
};

struct ccm_client_state;

/**
 * struct ccm_client - what a client module needs from its partner
 * @name: unique on this node, 1 to CCM_CLIENT_NAME_MAX - 1 characters of
 *	  [a-z0-9_-]; the partner's client of the same name is its peer
 * @nr_qps: how many RC QPs, 1 to CCM_CLIENT_MAX_QPS; must equal the
 *	    partner client's
 * @send_depth: send queue depth of each QP (0: 16)
 * @recv_depth: receive queue depth of each QP (0: 16)
 * @send_sge: SGEs per send WR (0: 1)
 * @recv_sge: SGEs per receive WR (0: 1)
 * @mem_size: bytes of memory ccm allocates and exposes to the partner's
 *	      client (0: none), at most CCM_CLIENT_MAX_MEM
 * @poll_ctx: how the CQs are polled (IB_POLL_SOFTIRQ, IB_POLL_WORKQUEUE)
 * @connected: the link is up; called from a workqueue, may sleep, never
 *	       under a ccm lock; must not call ccm_unregister_client()
 * @quiesce: the link is going down, for @reason; same context, before
 *	     ccm drains the QPs (ib_drain_qp() requires that nobody posts
 *	     while it runs). Return once nothing of the client posts on the
 *	     link's QPs any more: submission paths, timers, work items, and
 *	     completion handlers, which may still run until the drain (check
 *	     a flag and post under one lock that this takes to clear it).
 *	     Needed by every client that posts after ->connected() returns;
 *	     called for every link ->connected() was called for.
 * @disconnected: the link is down, for @reason; same context, after the
 *		  drain. The link is invalid once it returns.
 * @priv: the client's own pointer, not used by ccm
 * @state: private to ccm
 */
struct ccm_client {
	const char *name;
	unsigned int nr_qps;
	unsigned int send_depth;
	unsigned int recv_depth;
	unsigned int send_sge;
	unsigned int recv_sge;
	size_t mem_size;
	enum ib_poll_context poll_ctx;
	void (*connected)(struct ccm_client *client,
			  const struct ccm_client_link *link);
	void (*quiesce)(struct ccm_client *client,
			enum ccm_disconnect_reason reason);
	void (*disconnected)(struct ccm_client *client,
			     enum ccm_disconnect_reason reason);
	void *priv;
	struct ccm_client_state *state;
};

int ccm_register_client(struct ccm_client *client);
void ccm_unregister_client(struct ccm_client *client);
const char *ccm_disconnect_reason_str(enum ccm_disconnect_reason reason);

#endif /* _CCM_CCM_H */
