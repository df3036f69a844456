/* SPDX-License-Identifier: BSD-3-Clause */
/* Zero-copy views of byte ranges of an mbuf chain, built from indirect mbufs. */
#ifndef MBUF_SLICE_H
#define MBUF_SLICE_H

#include <stdint.h>

#include <rte_mbuf.h>

/* A new chain of indirect mbufs (from pool) covering bytes [off, off + len) of src,
 * sharing src's data; NULL when out of mbufs or the range is outside src. */
struct rte_mbuf *mbuf_slice(struct rte_mempool *pool, const struct rte_mbuf *src, uint32_t off,
			    uint32_t len);

/* Copy bytes [off, off + len) of src to the tail of dst (one segment); -1, dst unchanged,
 * when dst has no room or src fewer bytes. For ports that cannot send chains. */
int mbuf_append_copy(struct rte_mbuf *dst, const struct rte_mbuf *src, uint32_t off,
		     uint32_t len);

#endif
