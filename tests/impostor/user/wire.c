// SPDX-License-Identifier: GPL-2.0
/*
 * Test only: ccm_wire.c built for user space (against the stub kernel
 * headers beside this file), behind wire.h.
 */
#include "../../../ccm_wire.c"
#include "wire.h"

size_t wire_req(void *buf, size_t len, u64 node_id, u64 epoch, u32 gen)
{
	struct ccm_cm_info req = {
		.type = CCM_CM_REQ,
		.node_id = node_id,
		.epoch = epoch,
		.gen = gen,
		.max_gen = gen,
	};

	if (len < sizeof(struct ccm_wire_cm))
		return 0;
	ccm_wire_cm_encode(buf, &req);
	return sizeof(struct ccm_wire_cm);
}

const char *wire_rej(const void *buf, size_t len)
{
	struct ccm_cm_info rej;
	enum ccm_wire_status st = ccm_wire_cm_decode(buf, len, &rej);

	if (st != CCM_WIRE_OK)
		return ccm_wire_status_str(st);
	if (rej.type != CCM_CM_REJ)
		return "not a REJ";
	return ccm_wire_rej_str(rej.reason);
}
