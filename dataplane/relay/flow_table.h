/* SPDX-License-Identifier: BSD-3-Clause */
/* The flow table's insides, shared by the flow modules only (flow.c, flow_limits.c). */
#ifndef FLOW_TABLE_H
#define FLOW_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "flow_entry.h"
#include "flow_index.h"
#include "flow_wheel.h"

/* Flows in the order they joined, doubly linked through flow.hello_prev/hello_next. */
struct flow_queue {
	uint32_t head, tail;     /* flow indices, FLOW_LINK_NONE when empty */
};

struct flow_table {
	struct flow_index index; /* every side: flow_key -> flow index and side */
	struct flow_addr6 *addr6; /* two per flow (index << 1 | dir); NULL without IPv6 */
	struct flow *flows;
	uint32_t free_head;      /* free entries, linked through flow.next_free (last first) */
	uint32_t n_free;
	uint32_t n_closing;      /* of those in use, FLOW_CLOSING: kept for late segments */
	uint32_t capacity;
	struct flow_wheel wheel; /* every flow in use, by its next deadline */
	/* Flows keeping hello bytes, oldest at the head: when the worker's kept buffers are
	 * at their cap, a new hello may end the oldest (relay_hello.c). A flow arms a
	 * retransmission only after its hello, and leaves the queue then. */
	struct flow_queue hello;
	size_t hash_bytes;       /* memory of the index, limits and wheel, for bytes-per-flow */
	struct flow_limits *limits;  /* what flows keep and clients hold (flow_limits.c) */
};

/* flow_side_addr6 for the flow modules: inline, so that flow_limits.c needs nothing of
 * flow.c (flow.c calls down into the limits, never the other way). */
static inline const struct flow_addr6 *flow_table_addr6(const struct flow_table *ft,
							const struct flow *f, enum flow_dir dir)
{
	const struct flow_side *side = dir == FLOW_DIR_CLIENT ? &f->c : &f->b;

	return side->v6 ? &ft->addr6[f->index << 1 | dir] : NULL;
}

/* Create the table's limits for its capacity on a socket; NULL when out of memory. */
struct flow_limits *flow_limits_create(const char *name, uint32_t capacity, int socket_id);

/* Bytes the limits of a table of capacity flows take (for flow_bytes_per_flow). */
size_t flow_limits_bytes(uint32_t capacity);

/* Free them. NULL is fine. */
void flow_limits_free(struct flow_limits *l);

/* A flow leaves: its kept buffers and its client's counts go with it. */
void flow_limits_release(struct flow_table *ft, struct flow *f);

/* A flow closed (the relay's TIME-WAIT): it no longer counts against its client's limits,
 * as a host's TIME-WAIT sockets do not count against a listener's, and keeps no bytes. */
void flow_limits_closed(struct flow_table *ft, struct flow *f);

#endif
