// SPDX-License-Identifier: GPL-2.0
/*
 * Test only: ccm_sentinel.c built into ccm_rogue.ko, its mailbox poll
 * behind a wrapper that can hold the worker (STALL).
 */

#include <linux/delay.h>

/* The real names declared first: the source includes them again. */
#include "rogue.h"

#define ccm_rdma_poll_mbox	ccm_rdma_poll_mbox_real
#include "../../ccm_sentinel.c"
#undef ccm_rdma_poll_mbox

/*
 * STALL: a node busy under peer->lock, as with slow firmware commands.
 * Connected, the mailbox is polled by the heartbeat check every
 * heartbeat_ms: every 15th such poll (1.5 s at 100 ms) holds the worker
 * for 2.5 s first, three times in all.
 */
static void rogue_stall(void)
{
	static unsigned int polls, stalls;	/* under peer->lock */

	if (stalls >= 3 || ++polls % 15)
		return;
	stalls++;
	pr_info("ccm: rogue: holding the worker for 2500 ms (%u of 3)\n",
		stalls);
	msleep(2500);
}

void ccm_rdma_poll_mbox(struct ccm_path *path)
{
	lockdep_assert_held(&path->peer->lock);
	if (ccm_rogue_is(STALL) && path->state == CCM_S_CONNECTED)
		rogue_stall();
	ccm_rdma_poll_mbox_real(path);
}
