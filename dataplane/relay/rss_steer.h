/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Relay source ports that the NIC's RSS brings home. On a port with RSS but without
 * rte_flow rules, a worker opening a connection (to a backend, a pool member it checks,
 * a TURN server) picks the source port so that the Toeplitz hash of the segments coming
 * back selects a redirection-table entry of a queue that worker polls. Those segments
 * then arrive at their flow's owner: no software hand-over, which costs the receiving
 * worker a full pass and the owner a ring (dispatch.h, net/inbox.h).
 *
 * The key is shaped with DPDK's predictable RSS (rte_thash): one helper over the
 * destination port of the IPv4 tuple, one over that of the IPv6 tuple, so that those 16
 * bits can reach every table entry. A helper rewrites a few bits of the key
 * (RTE_THASH_MINIMAL_SEQ: 2 x log2(table size) - 1 bits each), so the port must be given
 * the planned key before the plan is used. Picks do not use rte_thash_adjust_tuple,
 * which hashes the whole tuple again for every candidate (889 instructions a pick with
 * every port free, 8,673 with one in ten, by callgrind): the Toeplitz hash being linear,
 * the plan keeps one table per tuple byte (48 KB), so the connection's part is hashed
 * once, and a port is moved onto one of the worker's table entries by xoring in bits
 * found once per plan. Made on the main lcore at bring-up;
 * read-only afterwards, so workers pick concurrently without locks.
 */
#ifndef RSS_STEER_H
#define RSS_STEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp.h"

#define RSS_STEER_KEY_LEN 40 /* the Toeplitz key the ports are given (drivers/port.h) */

struct rss_steer;

/* A plan for port p (its reta, queue_owner and rss_key filled) polled by n_workers: the
 * key the port must take written to key_out. NULL with the reason in err when RSS cannot
 * bring every worker its segments (a worker polls none of the port's queues, a table size
 * that is not a power of two) or rte_thash refuses. */
struct rss_steer *rss_steer_create(const struct dp_port *p, unsigned int n_workers,
				   uint8_t key_out[RSS_STEER_KEY_LEN], char *err, size_t errlen);

/* Free a plan (NULL is fine). */
void rss_steer_free(struct rss_steer *rs);

/* The connection a source port is wanted for: addresses in network order (4 or 16
 * bytes), the peer's port in network order. */
struct rss_steer_conn {
	bool v6;
	const uint8_t *peer, *local;
	uint16_t peer_port;
};

/* Whether source port (host order) is free for the connection; ctx is the caller's. */
typedef bool (*rss_steer_free_fn)(void *ctx, uint16_t port);

/* The Toeplitz hash, under the plan's key, of a segment from conn's peer to source port
 * `port` (host order) of ours: what the NIC computes for it. */
uint32_t rss_steer_hash(const struct rss_steer *rs, const struct rss_steer_conn *conn,
			uint16_t port);

/* A source port in [first, last] (host order) whose return segments p's RSS hands to a
 * queue polled by worker, and that is_free accepts; *cursor (the worker's own) rotates
 * the choice. False when 64 such candidates were all taken (or 256 tries made). */
bool rss_steer_pick(const struct rss_steer *rs, const struct dp_port *p, unsigned int worker,
		    uint32_t *cursor, const struct rss_steer_conn *conn, uint16_t first,
		    uint16_t last, rss_steer_free_fn is_free, void *ctx, uint16_t *port_out);

#endif
