/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the flows of one table may hold, counted where the flows live so that no way out
 * of a flow can forget it: the buffers they keep (ClientHellos, relay-owned bytes not yet
 * acknowledged), and per client address (an IPv4 /32, an IPv6 /64) how many flows it has
 * and how many of them are not spliced yet or still keep bytes (never fewer than it holds:
 * see flow_limits.c). The table's owner (one worker) only.
 */
#ifndef FLOW_LIMITS_H
#define FLOW_LIMITS_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "flow_entry.h"

struct flow_table;

enum flow_client_verdict {
	FLOW_CLIENT_OK = 0,
	FLOW_CLIENT_FLOWS,          /* the address holds max_flows already */
	FLOW_CLIENT_HELLOS,         /* ... or max_hellos flows not spliced yet (or keeping
				     * bytes) */
};

/* Count f (its client side set) for its client address, as a flow and as a hello, if
 * that stays within max_flows and max_hellos; when refused f is not counted. */
enum flow_client_verdict flow_client_attach(struct flow_table *ft, struct flow *f,
					    uint32_t max_flows, uint32_t max_hellos);

/* A client address as the limits count it: an IPv6 /64 (peer6's first 8 bytes), or the
 * IPv4 peer_ip (network order, peer6 NULL) as the multicast /64 ffff:ffff:a.b.c.d::,
 * which no client's source can be. */
uint64_t flow_client_key_of(uint32_t peer_ip, const uint8_t *peer6);

/* The verdict flow_client_attach would give a new flow of client key, counting nothing:
 * asked before an entry is freed for it. */
enum flow_client_verdict flow_client_verdict_of(const struct flow_table *ft, uint64_t key,
						uint32_t max_flows, uint32_t max_hellos);

/* f is spliced: it no longer counts as one of its client's hellos once it keeps no bytes
 * either (at once, or when its stream goes). Kept for a redispatch while a plain service's
 * server waits for more, a spliced flow's bytes would else be out of every limit: one
 * client could hold the worker's kept buffers with such flows. */
void flow_client_hello_done(struct flow_table *ft, struct flow *f);

/* The flows and hellos counted for f's client address (0, 0 when it has none); never
 * fewer than it holds, more only when another client shares both its counters. */
void flow_client_counts(const struct flow_table *ft, const struct flow *f, uint32_t *flows,
			uint32_t *hellos);

/* Chain m behind f's kept bytes (m becomes them when there are none); its buffers are
 * counted. false when the chain would be too long: m is then still the caller's. */
bool flow_stream_append(struct flow_table *ft, struct flow *f, struct rte_mbuf *m);

/* Put h (a header) in front of f's kept bytes; false as flow_stream_append. */
bool flow_stream_prepend(struct flow_table *ft, struct flow *f, struct rte_mbuf *h);

/* Free the first buffer of f's kept bytes (the PROXY header put in front of them). */
void flow_stream_drop_head(struct flow_table *ft, struct flow *f);

/* Free f's kept bytes and keep m instead (NULL: nothing). */
void flow_stream_set(struct flow_table *ft, struct flow *f, struct rte_mbuf *m);

/* Buffers the flows of the table keep, all together. */
uint32_t flow_kept_mbufs(const struct flow_table *ft);

#endif
