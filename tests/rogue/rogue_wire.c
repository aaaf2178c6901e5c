// SPDX-License-Identifier: GPL-2.0
/*
 * Test only: ccm_wire.c in ccm_rogue.ko, behind encoders that lie.
 *
 * A malicious partner speaks the wire format wrongly: here, not in ccm's
 * own files, the rogue's encoders corrupt what the mode asks for
 * (ccm_rogue=, enum ccm_rogue_mode) and hand the rest to ccm_wire.c's
 * real encoders, renamed *_real below. ccm.ko links ccm_wire.c as it is.
 */

#include <linux/random.h>

/* The real names declared first: ccm_wire.c includes ccm_wire.h again. */
#include "../../ccm_internal.h"
#include "rogue_wire.h"
#include "rogue.h"

#define ccm_wire_cm_encode		ccm_wire_cm_encode_real
#define ccm_wire_desc_encode		ccm_wire_desc_encode_real
#define ccm_wire_sentinel_encode	ccm_wire_sentinel_encode_real
#define ccm_wire_mbox_encode		ccm_wire_mbox_encode_real
#define ccm_wire_msg_add_offer		ccm_wire_msg_add_offer_real
#define ccm_wire_doorbell		ccm_wire_doorbell_real
#include "../../ccm_wire.c"
#undef ccm_wire_cm_encode
#undef ccm_wire_desc_encode
#undef ccm_wire_sentinel_encode
#undef ccm_wire_mbox_encode
#undef ccm_wire_msg_add_offer
#undef ccm_wire_doorbell

/* PRIVDATA: random bytes as the CM private data's frame. */
void ccm_wire_cm_encode(struct ccm_wire_cm *w, const struct ccm_cm_info *in)
{
	ccm_wire_cm_encode_real(w, in);
	if (ccm_rogue_is(PRIVDATA))
		get_random_bytes(w, sizeof(*w));
}

/* DESC: a descriptor of the wrong generation. */
void ccm_wire_desc_encode(struct ccm_wire_desc *w,
			  const struct ccm_desc_info *in)
{
	struct ccm_desc_info d = *in;

	if (ccm_rogue_is(DESC))
		d.gen++;
	ccm_wire_desc_encode_real(w, &d);
}

/* SENTINEL: a header whose CRC does not match (its node_id flipped). */
void ccm_wire_sentinel_encode(struct ccm_wire_sentinel *w,
			      const struct ccm_sentinel_info *in)
{
	ccm_wire_sentinel_encode_real(w, in);
	if (ccm_rogue_is(SENTINEL))
		((u8 *)w)[8] ^= 0xff;
}

/*
 * EPOCH: every mailbox write from another writer. FLOOD: once connected
 * ("complete", also the heartbeat), any message of any generation.
 */
void ccm_wire_mbox_encode(struct ccm_wire_mbox *w,
			  const struct ccm_mbox_info *in)
{
	struct ccm_mbox_info m = *in;

	if (ccm_rogue_is(EPOCH))
		m.writer_epoch = ~m.writer_epoch;
	if (ccm_rogue_is(FLOOD) && m.msg == CCM_MBOX_COMPLETE) {
		m.msg = 1 + get_random_u32_below(CCM_MBOX_NR - 1);
		m.gen = get_random_u32_below(4) ? m.gen : m.gen + 1;
	}
	ccm_wire_mbox_encode_real(w, &m);
}

/*
 * NAMES: instead of the one client's offer, offers for flood0..flood64,
 * one more client than a node can have. A message holds at most 64
 * entries: what fits goes into this one, and -ENOSPC has the caller send
 * it and call again with the next message, where the rest follows.
 * rogue_names_next is the next flood name; the rogue's only client's
 * offers are built under peer->lock, one at a time.
 */
static unsigned int rogue_names_next;

static int rogue_add_names(void *buf, size_t cap,
			   const struct ccm_offer_info *o, const u32 *qpn,
			   const u32 *psn)
{
	struct ccm_offer_info f = *o;

	for (; rogue_names_next <= CCM_MAX_CLIENTS; rogue_names_next++) {
		snprintf(f.name, sizeof(f.name), "flood%u", rogue_names_next);
		if (ccm_wire_msg_add_offer_real(buf, cap, &f, qpn, psn))
			return -ENOSPC;
	}
	rogue_names_next = 0;
	return 0;
}

/* OFFER: an entry that claims more QPs than the limit (its CRC fits). */
int ccm_wire_msg_add_offer(void *buf, size_t cap,
			   const struct ccm_offer_info *o, const u32 *qpn,
			   const u32 *psn)
{
	u32 at = be32_to_cpu(((struct ccm_wire_msg *)buf)->length);
	int ret;

	if (ccm_rogue_is(NAMES))
		return rogue_add_names(buf, cap, o, qpn, psn);
	ret = ccm_wire_msg_add_offer_real(buf, cap, o, qpn, psn);

	if (!ret && ccm_rogue_is(OFFER))
		((struct ccm_wire_offer *)((u8 *)buf + at))->nr_qps =
			cpu_to_be16(CCM_MAX_QPS + 1);
	return ret;
}

/* DOORBELL: a mailbox write that rings with unknown immediate data. */
__be32 ccm_wire_doorbell(void)
{
	if (ccm_rogue_is(DOORBELL))
		return cpu_to_be32(get_random_u32());
	return ccm_wire_doorbell_real();
}
