/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hardware steering with rte_flow, so that both halves of a relayed flow reach the worker
 * that owns it without crossing between cores:
 *   - backend side: the relay's source ports are shared among workers by their low bits
 *     (worker w opens connections only from ports p with p mod N == w). The range is cut
 *     into aligned power-of-two blocks, and one rule per block, worker and address, "TCP
 *     to our address, destination port in the block with p & (N-1) == w -> queue w",
 *     covers it (the port's address and each of its source addresses; the same over IPv6
 *     for a port with an IPv6 address). The blocks keep the rules off the listeners'
 *     ports; the largest blocks go first when not all fit;
 *   - ARP (and ICMPv6, which carries neighbour discovery) to the port goes to queue 0 (the
 *     exception path and the neighbour cache start there); client-side segments follow
 *     (symmetric) RSS.
 * Rules are built as plain rte_flow arrays (unit-tested as such) and programmed only when
 * rte_flow_validate accepts them; otherwise the caller falls back to software dispatch.
 */
#ifndef DRV_STEER_H
#define DRV_STEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_flow.h>

#define STEER_MAX_IPV4 8      /* IPv4 addresses of a port the relay's connections use */
/* Every block for 64 workers over each IPv4 address and IPv6, + ARP + ICMPv6; more
 * blocks than fit are left to RSS, the smallest first. */
#define STEER_MAX_RULES (64 * (STEER_MAX_IPV4 + 1) + 2)
#define STEER_MAX_BLOCKS 32   /* a range of 16-bit ports needs 30 at most */

/* Ports base..base+size-1: size a power of two, base a multiple of it. */
struct steer_block {
	uint16_t base;
	uint32_t size;
};

/* One rule with the storage its items and actions point into. */
struct steer_rule {
	struct rte_flow_attr attr;
	struct rte_flow_item pattern[5];
	struct rte_flow_action actions[2];
	struct rte_flow_item_eth eth_spec, eth_mask;
	struct rte_flow_item_ipv4 ip_spec, ip_mask;
	struct rte_flow_item_ipv6 ip6_spec, ip6_mask;
	struct rte_flow_item_tcp tcp_spec, tcp_mask;
	struct rte_flow_action_queue queue;
	char what[96];        /* for logs and meshrelayctl */
};

struct steer_plan {
	struct steer_rule rules[STEER_MAX_RULES];
	unsigned int n_rules;
	uint32_t ports_steered; /* of the source ports, those the rules cover */
};

/* first..last (whole groups of n_workers from first, a multiple of it) as aligned blocks
 * of at least n_workers ports into out, in order: how many, 0 past max. */
unsigned int steer_blocks(uint16_t first, uint16_t last, unsigned int n_workers,
			  struct steer_block *out, unsigned int max);

/* Whether ports first..last can be split by mask among n_workers: n a power of two
 * dividing first. */
bool steer_partition_ok(uint16_t first, uint16_t last, unsigned int n_workers);

/* Rules for a port whose relay connections come from the n_ips IPv4 addresses ips
 * (network order; 1 to STEER_MAX_IPV4: its own, then its source addresses), and from ip6
 * when it has an IPv6 address (NULL otherwise), and n_workers queues/workers. 0, or -1
 * when the partition is not possible (see steer_partition_ok) or n_ips is out of range. */
int steer_plan_build(struct steer_plan *plan, const uint32_t *ips, unsigned int n_ips,
		     const uint8_t *ip6, uint16_t src_first, uint16_t src_last,
		     unsigned int n_workers);

/* Validate every rule on port_id and create them all, or none. Returns the number
 * created, or a negative errno with a reason in err (-ENOTSUP: the device takes no
 * rules, which is the case for every virtual device of the test machines). */
int steer_program(uint16_t port_id, struct steer_plan *plan, struct rte_flow **flows,
		  char *err, size_t errlen);

#endif
