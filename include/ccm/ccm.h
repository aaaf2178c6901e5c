/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ccm - cluster connection manager: the interface for client modules.
 *
 * A client describes what it needs from the partner (queue pairs, memory)
 * and registers; ccm exchanges that with the partner's client of the same
 * name once the handshake has connected. This release keeps the registry
 * only: registered clients stay pending. See Documentation/ccm.rst.
 */
#ifndef _CCM_CCM_H
#define _CCM_CCM_H

#include <linux/list.h>
#include <linux/types.h>

#define CCM_CLIENT_NAME_MAX	32	/* including the terminating NUL */
#define CCM_CLIENT_MAX_QPS	1024

/**
 * struct ccm_client - what a client module needs from its partner
 * @name: unique on this node, at most CCM_CLIENT_NAME_MAX - 1 bytes of
 *	  [a-z0-9_-]; the partner's client of the same name is its peer
 * @nr_qps: how many RC queue pairs, 1 to CCM_CLIENT_MAX_QPS
 * @priv: the client's own pointer, not used by ccm
 * @node: private to ccm
 */
struct ccm_client {
	const char *name;
	unsigned int nr_qps;
	void *priv;
	struct list_head node;
};

int ccm_register_client(struct ccm_client *client);
void ccm_unregister_client(struct ccm_client *client);

#endif /* _CCM_CCM_H */
