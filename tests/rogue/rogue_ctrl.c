// SPDX-License-Identifier: GPL-2.0
/*
 * Test only: ccm_ctrl.c built into ccm_rogue.ko, its control-message send
 * behind a wrapper that can lose the first message (SENDFAIL).
 */

/* The real names declared first: the source includes them again. */
#include "rogue.h"

#define ccm_rdma_send_msg	ccm_rdma_send_msg_real
#include "../../ccm_ctrl.c"
#undef ccm_rdma_send_msg

/*
 * SENDFAIL: the first control message on a connection ready for it is
 * lost as ccm_rdma_send() loses one whose buffer kvmalloc() could not
 * get (ccm_rdma_send_lost()).
 * Hints (ccm_rdma_send_hint()) go out as they are.
 */
int ccm_rdma_send_msg(struct ccm_path *path, const void *msg, size_t len)
{
	static bool failed;	/* under peer->lock */
	struct ccm_conn *conn = path->cur;

	lockdep_assert_held(&path->peer->lock);
	if (ccm_rogue_is(SENDFAIL) && !failed && conn && conn->ready &&
	    len <= CCM_MSG_MAX) {
		failed = true;
		ccm_rdma_send_lost(path, conn, -ENOMEM);
		return -ENOMEM;
	}
	return ccm_rdma_send_msg_real(path, msg, len);
}
