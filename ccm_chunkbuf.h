/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ccm - a control message buffer: CCM_MSG_MAX bytes for the device in
 * chunks of a few pages (one SGE each), one contiguous mapping for the CPU.
 *
 * A connection holds nine of them (ccm_conn.c). Made of order-3 pages
 * each, they could stall a busy node's reconnect in compaction; made of
 * the smallest chunks the device's SGE limit allows (one page each on
 * every device with eight SGEs), they are never more than that.
 */
#ifndef _CCM_CHUNKBUF_H
#define _CCM_CHUNKBUF_H

#include <linux/dma-direction.h>
#include <linux/math.h>
#include <linux/types.h>
#include <asm/page.h>

#include "ccm_wire.h"

/* Chunks of one buffer at most: one per page. */
#define CCM_CHUNKBUF_MAX_CHUNKS	DIV_ROUND_UP(CCM_MSG_MAX, PAGE_SIZE)

struct ib_device;
struct ib_sge;
struct page;

struct ccm_chunkbuf {
	void *va;		/* CCM_MSG_MAX bytes for the CPU (vmap()) */
	struct page *chunk[CCM_CHUNKBUF_MAX_CHUNKS];
	u64 dma[CCM_CHUNKBUF_MAX_CHUNKS];
	u8 nr;			/* chunks allocated and mapped */
	u8 order;		/* of each chunk */
	enum dma_data_direction dir;
};

int ccm_chunkbuf_order(u32 max_sge);
unsigned int ccm_chunkbuf_nr_sge(unsigned int order);
int ccm_chunkbuf_alloc(struct ccm_chunkbuf *b, struct ib_device *dev,
		       unsigned int order, enum dma_data_direction dir);
void ccm_chunkbuf_free(struct ccm_chunkbuf *b, struct ib_device *dev);
unsigned int ccm_chunkbuf_sge(const struct ccm_chunkbuf *b, size_t len, u32 lkey,
			      struct ib_sge *sge);
void ccm_chunkbuf_sync_for_cpu(const struct ccm_chunkbuf *b,
			       struct ib_device *dev, size_t len);
void ccm_chunkbuf_sync_for_device(const struct ccm_chunkbuf *b,
				  struct ib_device *dev, size_t len);

#endif /* _CCM_CHUNKBUF_H */
