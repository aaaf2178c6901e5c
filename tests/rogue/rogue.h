/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test only: ccm_rogue.ko, a partner that sends bad input on purpose (see
 * tests/vm/cases/rogue_*.sh, busy_node.sh). tests/rogue/ builds ccm's
 * sources a second time, unchanged; nothing of the rogue is in ccm's own
 * files. Some of their functions are wrapped here (renamed *_real where
 * tests/rogue/ includes them) by versions that do what the mode (the
 * parameter rogue=) asks: the encoders lie (rogue_wire.c); the private
 * data is cut short or nothing listens (rogue_cm.c); no connect of its own
 * (rogue_connect.c); the first control message is lost (rogue_ctrl.c); the
 * worker is held (rogue_sentinel.c). rogue_peer.c holds the mode and a
 * built-in client for the modes that need an offer.
 */
#ifndef _CCM_ROGUE_H
#define _CCM_ROGUE_H

#include "../../ccm_conn.h"

enum ccm_rogue_mode {
	CCM_ROGUE_NONE,
	CCM_ROGUE_PRIVDATA,	/* random bytes as CM private data */
	CCM_ROGUE_TRUNCATED,	/* CM private data cut short */
	CCM_ROGUE_SENTINEL,	/* a sentinel header that does not validate */
	CCM_ROGUE_EPOCH,	/* mailbox writes with a wrong epoch */
	CCM_ROGUE_OFFER,	/* a client offer with an out-of-range QP count */
	CCM_ROGUE_FLOOD,	/* a flood of random mailbox messages */
	CCM_ROGUE_DOORBELL,	/* mailbox writes ring with a wrong immediate */
	CCM_ROGUE_DESC,		/* sentinel descriptors of a wrong generation */
	CCM_ROGUE_NAMES,	/* offers for more clients than a node can have */
	CCM_ROGUE_SENDFAIL,	/* its own first control message fails to send */
	CCM_ROGUE_STALL,	/* its worker is held for seconds, connected */
	CCM_ROGUE_LEAK,		/* leaks one object at load (kmemleak's check) */
	CCM_ROGUE_NR
};

extern int ccm_rogue;
#define ccm_rogue_is(m)		(ccm_rogue == CCM_ROGUE_##m)

/* ccm's functions that the rogue wraps, under the names it gives them. */
int ccm_conn_param_real(struct ccm_conn *conn, struct rdma_conn_param *p,
			struct ccm_wire_rep *priv, u8 type);
void ccm_rdma_listen_again_real(struct ccm_path *path);
int ccm_rdma_read_real(struct ccm_path *path);
int ccm_rdma_send_msg_real(struct ccm_path *path, const void *msg,
			   size_t len);
void ccm_rdma_poll_mbox_real(struct ccm_path *path);
int ccm_peer_create_real(const struct ccm_config *cfg, struct ccm_peer **out);
void ccm_peer_destroy_real(struct ccm_peer *peer);

#endif /* _CCM_ROGUE_H */
