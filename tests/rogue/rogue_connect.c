// SPDX-License-Identifier: GPL-2.0
/*
 * Test only: ccm_connect.c built into ccm_rogue.ko, its first read behind
 * a wrapper that never connects (SENTINEL).
 */

/* The real names declared first: the source includes them again. */
#include "rogue.h"

#define ccm_rdma_read		ccm_rdma_read_real
#include "../../ccm_connect.c"
#undef ccm_rdma_read

/*
 * SENTINEL: the first read of an attempt without a connection does not
 * connect; it only listens, as if the partner were unreachable, so that
 * the partner connects and reads the rogue's sentinel.
 */
int ccm_rdma_read(struct ccm_path *path)
{
	lockdep_assert_held(&path->peer->lock);
	if (ccm_rogue_is(SENTINEL) && !path->cur && path->pending_read == 1) {
		ccm_rdma_listen_again(path);
		return -EHOSTUNREACH;
	}
	return ccm_rdma_read_real(path);
}
