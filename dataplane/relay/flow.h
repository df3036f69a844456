/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The relay's flow table: one per worker lcore, used by that lcore only (no locks).
 * A flow is a client connection and, once a backend is chosen, its backend connection;
 * both are indexed (flow_index.h, IPv4 and IPv6 sides in one index) so a packet from
 * either side finds the flow in one lookup. Entries are preallocated; a full table refuses
 * new flows and leaves the established ones alone. Each flow has an expiry time and may
 * arm a retransmission; a timer wheel (flow_wheel.h) brings each flow back when the
 * earlier of the two comes.
 */
#ifndef FLOW_H
#define FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "flow_entry.h"

/* The state's name for reports ("spliced"); "?" for anything else. */
const char *flow_state_name(unsigned int state);

struct flow_table;

typedef void (*flow_visit_fn)(void *ctx, struct flow *f);

/* Table for max_flows flows on a NUMA socket; NULL on failure. */
struct flow_table *flow_table_create(const char *name, uint32_t max_flows, int socket_id);

/* Let the table hold IPv6 connections too (room for their whole addresses). 0 or -1. */
int flow_table_enable_ipv6(struct flow_table *ft, int socket_id);

/* Make side dir of f an IPv6 connection between local and peer (the table must have
 * IPv6 enabled); the caller sets the ports in the side's key. */
void flow_side_set_v6(struct flow_table *ft, struct flow *f, enum flow_dir dir,
		      const uint8_t peer[16], const uint8_t local[16]);

/* The addresses of side dir of f when it is IPv6; NULL for an IPv4 side. */
const struct flow_addr6 *flow_side_addr6(const struct flow_table *ft, const struct flow *f,
					 enum flow_dir dir);

/* A 32-bit digest of an IPv6 address, the same everywhere: what IPv6 sides keep in their
 * key's peer_ip, so per-client choices stay stable. */
uint32_t flow_addr6_digest(const uint8_t addr[16]);

/* The key an IPv6 connection is indexed under: its peer address's digest, no local
 * address (which every IPv4 key has), its ports (network order). */
static inline struct flow_key flow_key6_short(const uint8_t peer[16], uint16_t peer_port,
					      uint16_t local_port)
{
	return (struct flow_key){ .peer_ip = flow_addr6_digest(peer), .local_ip = 0,
				  .peer_port = peer_port, .local_port = local_port };
}

/* Free the table; flows still in it are released (their kept mbufs freed). */
void flow_table_free(struct flow_table *ft);

/* A zeroed flow in state FLOW_HELLO, on the timers, expiring at expire_ms; NULL when the
 * table is full. */
struct flow *flow_alloc(struct flow_table *ft, uint32_t expire_ms);

/* Remove the flow's keys, take it off the timers and the hello queue, free its kept
 * mbufs, return it to the free entries. */
void flow_release(struct flow_table *ft, struct flow *f);

/* Remove side dir of f from the index and clear it (a connection given up while the
 * flow lives on, as when a backend is replaced). */
void flow_side_forget(struct flow_table *ft, struct flow *f, enum flow_dir dir);

/* Index side dir of f under its key (side.key must be set). 0, or -1 when taken/full. */
int flow_key_add(struct flow_table *ft, struct flow *f, enum flow_dir dir);

/* True when key names a connection of some flow already. */
bool flow_key_exists(const struct flow_table *ft, const struct flow_key *key);

/* The same for IPv6 connections (false when the table has no IPv6). */
bool flow_key6_exists(const struct flow_table *ft, const struct flow_key6 *key);

/* The IPv6 key of side dir of f (an IPv6 side). */
struct flow_key6 flow_side_key6(const struct flow_table *ft, const struct flow *f,
				enum flow_dir dir);

/* The flow one of whose connections is key, and from which side; NULL when none. */
struct flow *flow_lookup(struct flow_table *ft, const struct flow_key *key,
			 enum flow_dir *dir);

/* Keys flow_lookup_bulk takes at once (a receive burst's share). */
#define FLOW_LOOKUP_BULK 32

/* flow_lookup for n <= FLOW_LOOKUP_BULK IPv4 keys in one pass over the index: found[i] is
 * the flow keyed by keys[i] or NULL, dirs[i] its side. The flows found are prefetched.
 * Unlike flow_lookup it does not check the side's IPv6 flag: a key with a zero local
 * address may find an IPv6 side (whose short key has none), so the caller checks the
 * flag of what it found (the burst path takes IPv4 flows only). */
void flow_lookup_bulk(struct flow_table *ft, const struct flow_key *keys,
		      unsigned int n, struct flow **found, uint8_t *dirs);

/* A number that moves on whenever a connection goes into the index or leaves it: what a
 * lookup found still holds while it stays the same. */
uint32_t flow_table_version(const struct flow_table *ft);

/* flow_lookup for IPv6 connections. */
struct flow *flow_lookup6(struct flow_table *ft, const struct flow_key6 *key,
			  enum flow_dir *dir);

/* Arm f's retransmission for at_ms (it leaves the hello queue). */
void flow_rtx_arm(struct flow_table *ft, struct flow *f, uint32_t at_ms);

/* Cancel f's retransmission, and take it off the hello queue (no-op when neither). */
void flow_rtx_disarm(struct flow_table *ft, struct flow *f);

/* Make f expire at at_ms. f->expire_ms may also be written directly when it only moves
 * later (as the burst path does): the wheel finds that out when the old time comes. */
void flow_expire_set(struct flow_table *ft, struct flow *f, uint32_t at_ms);

/* Run the timers up to now_ms, less than 2^31 ms after the last run (times are modular):
 * rtx_fn(ctx, f) for each flow whose armed retransmission is due, and expire_fn(ctx, f)
 * for each whose expiry has passed, also right after its rtx_fn when that left it in use
 * (a flow past its expiry ends though its retransmissions would go on). Each may re-arm,
 * move the expiry or release f; one that does neither sees the next run again. */
void flow_timers_run(struct flow_table *ft, uint32_t now_ms, flow_visit_fn rtx_fn,
		     flow_visit_fn expire_fn, void *ctx);

/* Put f (FLOW_HELLO, just began to keep bytes) behind every other such flow, unless it is
 * queued already. Its links take the place of rtx_ms and b_una (flow_entry.h): arming a
 * retransmission or disarming takes it off. */
void flow_hello_queue(struct flow_table *ft, struct flow *f);

/* The queued flow that began to keep hello bytes first; flows found no longer in
 * FLOW_HELLO or keeping nothing leave the queue on the way. NULL when it is empty. */
struct flow *flow_hello_oldest(struct flow_table *ft);

/* f is closed (FLOW_CLOSING from now on, until it ends) and expires at at_ms: its slot
 * on the wheel marked, so that flow_closing_soonest finds it. Again for a later time. */
void flow_set_closing(struct flow_table *ft, struct flow *f, uint32_t at_ms);

/* The FLOW_CLOSING flow whose deadline comes soonest, about (flow_wheel_find_closing's
 * order), having looked at no more than max_looked flows; NULL when none. */
struct flow *flow_closing_soonest(struct flow_table *ft, uint32_t max_looked);

/* f, in another state than FLOW_CLOSING, is over but for its closing time
 * (flow_reclaimable): out of its client's counts, and found by flow_closing_soonest. */
void flow_set_over(struct flow_table *ft, struct flow *f);

/* Owner's thread: fn(ctx, f) for up to max flows in use, the soonest due first (every flow
 * in use waits on the timer wheel); the cost follows the flows visited, not the table's
 * size. fn may change a flow's sides, not its deadlines nor whether it is in use. How
 * many were visited. */
uint32_t flow_visit(struct flow_table *ft, uint32_t max, void (*fn)(void *ctx, struct flow *f),
		    void *ctx);

/* Flows in use, and capacity. */
uint32_t flow_count(const struct flow_table *ft);

/* Flows in use but those closed both ways and kept for late segments (FLOW_CLOSING): what
 * a drain waits for. Any thread, as flow_count. */
uint32_t flow_count_open(const struct flow_table *ft);
uint32_t flow_capacity(const struct flow_table *ft);

/* Flow at index (for display); NULL when free or out of range. */
struct flow *flow_at(struct flow_table *ft, uint32_t index);

/* Bytes of memory the table holds per flow: its entry and its share of the index, limits
 * and timer wheel. */
uint32_t flow_bytes_per_flow(const struct flow_table *ft);

#endif
