// SPDX-License-Identifier: GPL-2.0
/*
 * ccm - control message buffers made of small chunks (ccm_chunkbuf.h).
 *
 * Context: all of it runs in process context, where the caller allocates
 * and frees; the sync and SGE helpers may run anywhere the buffer is not
 * being freed.
 */
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <rdma/ib_verbs.h>

#include "ccm_chunkbuf.h"

static size_t ccm_chunkbuf_chunk(unsigned int order)
{
	return PAGE_SIZE << order;
}

/**
 * ccm_chunkbuf_nr_sge() - the SGEs one whole buffer of chunks of @order takes
 * @order: the chunks' page order
 *
 * Context: any.
 * Return: the number of chunks, at least 1.
 */
unsigned int ccm_chunkbuf_nr_sge(unsigned int order)
{
	return DIV_ROUND_UP(CCM_MSG_MAX, ccm_chunkbuf_chunk(order));
}

/**
 * ccm_chunkbuf_order() - the smallest chunks a device can take
 * @max_sge: SGEs per work request the device allows, sends and receives
 *
 * Context: any.
 * Return: the page order of the smallest chunks of which one buffer takes
 * at most @max_sge, or -EINVAL when @max_sge is 0.
 */
int ccm_chunkbuf_order(u32 max_sge)
{
	unsigned int order = 0;

	if (!max_sge)
		return -EINVAL;
	while (ccm_chunkbuf_nr_sge(order) > max_sge)
		order++;
	return order;
}

/**
 * ccm_chunkbuf_alloc() - allocate, map for the CPU and for @dev
 * @b: the buffer, zeroed by the caller
 * @dev: the device that will use it
 * @order: the chunks' page order, from ccm_chunkbuf_order()
 * @dir: DMA_TO_DEVICE (sends) or DMA_FROM_DEVICE (receives)
 *
 * On failure what was done is undone by ccm_chunkbuf_free(), which the
 * caller calls either way.
 *
 * Context: process context; may sleep.
 * Return: 0, -EINVAL for an @order that makes more chunks than a buffer
 * holds, or -ENOMEM.
 */
int ccm_chunkbuf_alloc(struct ccm_chunkbuf *b, struct ib_device *dev,
		       unsigned int order, enum dma_data_direction dir)
{
	struct page *pages[CCM_CHUNKBUF_MAX_CHUNKS];
	unsigned int nr = ccm_chunkbuf_nr_sge(order), i, j, n = 0;

	if (nr > CCM_CHUNKBUF_MAX_CHUNKS)
		return -EINVAL;
	b->order = order;
	b->dir = dir;
	for (i = 0; i < nr; i++) {
		b->chunk[i] = alloc_pages(GFP_KERNEL, order);
		if (!b->chunk[i])
			return -ENOMEM;
		b->dma[i] = ib_dma_map_page(dev, b->chunk[i], 0,
					    ccm_chunkbuf_chunk(order), dir);
		if (ib_dma_mapping_error(dev, b->dma[i])) {
			__free_pages(b->chunk[i], order);
			b->chunk[i] = NULL;
			return -ENOMEM;
		}
		b->nr++;
		for (j = 0; j < (1U << order) && n < ARRAY_SIZE(pages); j++)
			pages[n++] = nth_page(b->chunk[i], j);
	}
	b->va = vmap(pages, n, VM_MAP, PAGE_KERNEL);
	return b->va ? 0 : -ENOMEM;
}

/**
 * ccm_chunkbuf_free() - unmap and free what ccm_chunkbuf_alloc() made
 * @b: the buffer; left zeroed
 * @dev: the device it was mapped for
 *
 * Context: process context.
 */
void ccm_chunkbuf_free(struct ccm_chunkbuf *b, struct ib_device *dev)
{
	unsigned int i;

	if (b->va)
		vunmap(b->va);
	for (i = 0; i < b->nr; i++) {
		ib_dma_unmap_page(dev, b->dma[i], ccm_chunkbuf_chunk(b->order),
				  b->dir);
		__free_pages(b->chunk[i], b->order);
	}
	memset(b, 0, sizeof(*b));
}

/**
 * ccm_chunkbuf_sge() - the scatter/gather list of the first @len bytes
 * @b: the buffer
 * @len: 1 to CCM_MSG_MAX bytes
 * @lkey: the PD's local DMA key
 * @sge: room for ccm_chunkbuf_nr_sge() entries
 *
 * Context: any.
 * Return: the number of entries filled.
 */
unsigned int ccm_chunkbuf_sge(const struct ccm_chunkbuf *b, size_t len, u32 lkey,
			      struct ib_sge *sge)
{
	size_t chunk = ccm_chunkbuf_chunk(b->order);
	unsigned int i;

	for (i = 0; i < b->nr && len; i++) {
		sge[i].addr = b->dma[i];
		sge[i].length = min(len, chunk);
		sge[i].lkey = lkey;
		len -= sge[i].length;
	}
	return i;
}

/*
 * Sync the first @len bytes, chunk by chunk, one way or the other. The CPU
 * reaches them through the vmap() alias, which caches that tell virtual
 * addresses apart keep separately from the linear map the DMA API syncs:
 * that alias is flushed before the device reads and invalidated after it
 * wrote (no-ops where caches do not alias).
 */
static void ccm_chunkbuf_sync(const struct ccm_chunkbuf *b, struct ib_device *dev,
			      size_t len, bool for_cpu)
{
	size_t chunk = ccm_chunkbuf_chunk(b->order), n, all = len;
	unsigned int i;

	if (!for_cpu)
		flush_kernel_vmap_range(b->va, all);
	for (i = 0; i < b->nr && len; i++, len -= n) {
		n = min(len, chunk);
		if (for_cpu)
			ib_dma_sync_single_for_cpu(dev, b->dma[i], n, b->dir);
		else
			ib_dma_sync_single_for_device(dev, b->dma[i], n,
						      b->dir);
	}
	if (for_cpu)
		invalidate_kernel_vmap_range(b->va, all);
}

/**
 * ccm_chunkbuf_sync_for_cpu() - the first @len bytes, after the device wrote
 * @b: the buffer
 * @dev: its device
 * @len: bytes to sync
 *
 * Context: any.
 */
void ccm_chunkbuf_sync_for_cpu(const struct ccm_chunkbuf *b,
			       struct ib_device *dev, size_t len)
{
	ccm_chunkbuf_sync(b, dev, len, true);
}

/**
 * ccm_chunkbuf_sync_for_device() - the first @len bytes, before the device
 * @b: the buffer
 * @dev: its device
 * @len: bytes to sync
 *
 * Context: any.
 */
void ccm_chunkbuf_sync_for_device(const struct ccm_chunkbuf *b,
				  struct ib_device *dev, size_t len)
{
	ccm_chunkbuf_sync(b, dev, len, false);
}
