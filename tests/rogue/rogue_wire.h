/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test only: ccm_wire.c's encoders under the names rogue_wire.c gives
 * them, so that its own encoders of the real names can wrap them.
 */
#ifndef _CCM_ROGUE_WIRE_H
#define _CCM_ROGUE_WIRE_H

#include "../../ccm_wire.h"

void ccm_wire_cm_encode_real(struct ccm_wire_cm *w,
			     const struct ccm_cm_info *in);
void ccm_wire_desc_encode_real(struct ccm_wire_desc *w,
			       const struct ccm_desc_info *in);
void ccm_wire_sentinel_encode_real(struct ccm_wire_sentinel *w,
				   const struct ccm_sentinel_info *in);
void ccm_wire_mbox_encode_real(struct ccm_wire_mbox *w,
			       const struct ccm_mbox_info *in);
int ccm_wire_msg_add_offer_real(void *buf, size_t cap,
				const struct ccm_offer_info *o,
				const u32 *qpn, const u32 *psn);
__be32 ccm_wire_doorbell_real(void);

#endif /* _CCM_ROGUE_WIRE_H */
