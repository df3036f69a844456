/* SPDX-License-Identifier: BSD-3-Clause */
#include "mbuf_slice.h"

#include <string.h>

struct rte_mbuf *mbuf_slice(struct rte_mempool *pool, const struct rte_mbuf *src, uint32_t off,
			    uint32_t len)
{
	struct rte_mbuf *head = NULL;
	const struct rte_mbuf *seg = src;

	if (len == 0 || off + len > src->pkt_len)
		return NULL;
	while (seg && off >= seg->data_len) { /* skip whole segments before the range */
		off -= seg->data_len;
		seg = seg->next;
	}
	for (; seg && len > 0; seg = seg->next, off = 0) {
		uint32_t take = RTE_MIN(len, (uint32_t)seg->data_len - off);
		struct rte_mbuf *mi = rte_pktmbuf_alloc(pool);

		if (!mi)
			goto fail;
		/* attach keeps the direct buffer alive (refcnt) while the slice is in flight */
		rte_pktmbuf_attach(mi, (struct rte_mbuf *)(uintptr_t)seg);
		mi->data_off = (uint16_t)(mi->data_off + off);
		mi->data_len = (uint16_t)take;
		mi->pkt_len = take;
		if (!head)
			head = mi;
		else if (rte_pktmbuf_chain(head, mi) != 0) {
			rte_pktmbuf_free(mi);
			goto fail;
		}
		len -= take;
	}
	return head;
fail:
	rte_pktmbuf_free(head);
	return NULL;
}

int mbuf_append_copy(struct rte_mbuf *dst, const struct rte_mbuf *src, uint32_t off,
		     uint32_t len)
{
	char *to = len <= UINT16_MAX ? rte_pktmbuf_append(dst, (uint16_t)len) : NULL;
	const void *from;

	if (!to)
		return -1;
	/* read() copies into `to` only when the range is scattered; else it points at it */
	from = rte_pktmbuf_read(src, off, len, to);
	if (!from) { /* src holds fewer bytes: dst as it was */
		rte_pktmbuf_trim(dst, (uint16_t)len);
		return -1;
	}
	if (from != to)
		memcpy(to, from, len);
	return 0;
}
