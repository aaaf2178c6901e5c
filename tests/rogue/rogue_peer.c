// SPDX-License-Identifier: GPL-2.0
/*
 * Test only: ccm_peer.c built into ccm_rogue.ko, and what makes the module
 * a rogue: its mode (the parameter rogue=, read by ccm_rogue_is() in the
 * wrappers of tests/rogue/) and, for the modes that need one, a built-in
 * client registered with the partner's creation.
 */

#include <linux/moduleparam.h>

/* The real names declared first: the source includes them again. */
#include "rogue.h"

#define ccm_peer_create		ccm_peer_create_real
#define ccm_peer_destroy	ccm_peer_destroy_real
#include "../../ccm_peer.c"
#undef ccm_peer_create
#undef ccm_peer_destroy

int ccm_rogue;
module_param_named(rogue, ccm_rogue, int, 0444);
MODULE_PARM_DESC(rogue,
		 "Test only: 1 garbage private data, 2 truncated private data, 3 bad sentinel, 4 wrong mailbox epoch, 5 bad client offer, 6 mailbox flood, 7 bad doorbell, 8 bad descriptor, 9 too many client offers, 10 first control message not sent, 11 worker held 2.5 s three times once connected, 12 one object leaked at load");

static void rogue_connected(struct ccm_client *c,
			    const struct ccm_client_link *l)
{
}

static void rogue_disconnected(struct ccm_client *c,
			       enum ccm_disconnect_reason r)
{
}

/* The modes that need the built-in client below. */
static bool rogue_client_wanted(void)
{
	return ccm_rogue_is(OFFER) || ccm_rogue_is(NAMES) ||
	       ccm_rogue_is(SENDFAIL) || ccm_rogue_is(STALL);
}

/* A built-in client, so that the rogue has an offer to corrupt. */
static struct ccm_client rogue_client = {
	.name = "echo0",
	.nr_qps = 2,
	.connected = rogue_connected,
	.disconnected = rogue_disconnected,
};

/*
 * LEAK: one object allocated and forgotten at load, so that a test can
 * show that kmemleak's check (tests/vm/guest-lib.sh, expect_no_leak)
 * finds what a module leaks.
 */
static void *rogue_leaked;

static void rogue_leak(void)
{
	WRITE_ONCE(rogue_leaked, kmalloc(96, GFP_KERNEL));
	pr_info("ccm: rogue: leaking %p on purpose\n", READ_ONCE(rogue_leaked));
	WRITE_ONCE(rogue_leaked, NULL);
}

int ccm_peer_create(const struct ccm_config *cfg, struct ccm_peer **out)
{
	int ret = ccm_peer_create_real(cfg, out);

	if (ret)
		return ret;
	if (ccm_rogue_is(LEAK))
		rogue_leak();
	pr_warn("ccm: ROGUE test module, mode %d: sends bad input on purpose\n",
		ccm_rogue);
	if (rogue_client_wanted())
		ccm_register_client(&rogue_client);
	return 0;
}

void ccm_peer_destroy(struct ccm_peer *peer)
{
	if (rogue_client_wanted())
		ccm_unregister_client(&rogue_client);
	ccm_peer_destroy_real(peer);
}
