// SPDX-License-Identifier: GPL-2.0
/*
 * Test only: ccm_cm.c built into ccm_rogue.ko, behind wrappers that cut
 * its private data short (TRUNCATED) and keep it from listening while it
 * sends bad requests (PRIVDATA, TRUNCATED).
 */

/* The real names declared first: the source includes them again. */
#include "rogue.h"

#define ccm_conn_param		ccm_conn_param_real
#define ccm_rdma_listen_again	ccm_rdma_listen_again_real
#include "../../ccm_cm.c"
#undef ccm_conn_param
#undef ccm_rdma_listen_again

/* TRUNCATED: the private data of our REQ and REP cut to 10 bytes. */
int ccm_conn_param(struct ccm_conn *conn, struct rdma_conn_param *p,
		   struct ccm_wire_rep *priv, u8 type)
{
	int ret = ccm_conn_param_real(conn, p, priv, type);

	if (!ret && ccm_rogue_is(TRUNCATED))
		p->private_data_len = 10;
	return ret;
}

/*
 * PRIVDATA, TRUNCATED: no listener. A rogue that sends bad requests must
 * not be reached: the partner's own connects would otherwise give it a
 * good connection, and the bad requests would not be what is tested.
 */
void ccm_rdma_listen_again(struct ccm_path *path)
{
	if (ccm_rogue_is(PRIVDATA) || ccm_rogue_is(TRUNCATED))
		return;
	ccm_rdma_listen_again_real(path);
}
