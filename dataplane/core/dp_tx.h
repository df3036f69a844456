/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker's transmit side: one buffer per data port and one per exception path, on the
 * worker's own tx queue, flushed once per poll loop. A data port whose queue refused
 * frames counts as congested for a while, and SYNs on it are then answered only from a
 * small bucket (dp_tx_cookie_allowed). Worker lcores only, each on its own buffers.
 */
#ifndef DP_TX_H
#define DP_TX_H

#include <stdbool.h>

#include "dp.h"

/* SYNs a worker answers on a port whose queue is congested: a bucket of this many,
 * refilled by DP_CONGESTED_COOKIES_PER_MS each millisecond. A crowd of clients arriving
 * beside busy flows all get in; a flood's millions soon get only the trickle. */
#define DP_CONGESTED_COOKIE_BURST 8192u
#define DP_CONGESTED_COOKIES_PER_MS 32u
/* A port stays congested this long after its queue last refused frames: a flood keeps
 * refilling the queue, and answering it at full rate in every lull would undo the rest. */
#define DP_CONGESTED_HOLD_MS 10u

/* Ask for transmit offloads tx on m (0: none), keeping the flags that say m's buffer is
 * not its own (indirect, or external as some drivers receive into): they live in ol_flags
 * too, and a frame freed without them would return another's buffer as its own. */
static inline void dp_mbuf_tx_flags(struct rte_mbuf *m, uint64_t tx)
{
	m->ol_flags = (m->ol_flags & (RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL)) | tx;
}

/* Allocate w's buffers towards port index `port` (and its exception path) on a NUMA
 * socket; false when out of memory (dp_tx_free releases what was made). */
bool dp_tx_init(struct dp_worker *w, uint16_t port, int socket);

/* Release every transmit buffer of w (unsent frames are dropped). */
void dp_tx_free(struct dp_worker *w);

/* Send what w's buffers hold, on every port and exception path. */
void dp_tx_flush(struct dp_worker *w);

/* Drop m, bound for a paused port (out of line: the rare case stays out of every
 * caller's code). */
void dp_tx_drop_paused(struct dp_worker *w, struct rte_mbuf *m);

/* dp_tx_port for the burst path, which counts its frames in DP_EV_tx_frames itself, once
 * for a burst, and takes no burst while w has a port paused (w->ports_paused), so that
 * no frame pays for that check. Consumes m. */
static inline void dp_tx_port_uncounted(struct dp_worker *w, const struct dp_port *p,
					struct rte_mbuf *m)
{
	rte_eth_tx_buffer(p->port_id, w->index, w->tx_port[p->index].frames, m);
}

/* Queue a frame for data port p on w's tx queue (sent at the next flush); dropped when p
 * is paused (dp_port_pause.h). Consumes m. */
static inline void dp_tx_port(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m)
{
	dp_event(w, DP_EV_tx_frames);
	if (unlikely(w->tx_port[p->index].paused))
		return dp_tx_drop_paused(w, m);
	dp_tx_port_uncounted(w, p, m);
}

/* A frame of our own (ARP, ND, MLD), len bytes built in frame, copied into an mbuf and
 * queued for p as dp_tx_port does: true once queued, false when no mbuf was left
 * (counted out_no_mbuf). */
bool dp_tx_copy(struct dp_worker *w, const struct dp_port *p, const void *frame, size_t len);

/* Give a frame to the kernel through p's exception path, or drop it when p has none. */
void dp_tx_kernel(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m);

/* The same for a neighbour answer the host waits for (an ARP reply, an NA or NS for its
 * addresses): a small rate of its own first, then the exception path's. */
void dp_tx_kernel_neigh(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m);

/* Whether a SYN on p may be answered now (while p is congested it takes one from the
 * bucket), or should go unanswered. */
static inline bool dp_tx_cookie_allowed(struct dp_worker *w, const struct dp_port *p)
{
	struct dp_port_tx *t = &w->tx_port[p->index];
	uint64_t refill;

	if (w->now_ms > t->congested_until_ms)
		return true;
	refill = (w->now_ms - t->bucket_ms) * DP_CONGESTED_COOKIES_PER_MS;
	t->bucket_ms = w->now_ms;
	t->cookie_bucket = (uint32_t)RTE_MIN(t->cookie_bucket + refill,
					     (uint64_t)DP_CONGESTED_COOKIE_BURST);
	if (!t->cookie_bucket)
		return false;
	t->cookie_bucket--;
	return true;
}

#endif
