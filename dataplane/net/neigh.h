/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Neighbour cache (ARP for IPv4, ND for IPv6) with a pending-packet queue per unresolved
 * address.
 * One table per worker lcore; that lcore is its only user, so there are no locks.
 * Time is passed in by the caller (milliseconds) so the state machine is testable.
 */
#ifndef NEIGH_H
#define NEIGH_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_ether.h>

#include "mr_bytes.h"
#include "mr_config.h"

enum neigh_state {
	NEIGH_INCOMPLETE = 0, /* request sent, no answer yet; packets wait */
	NEIGH_REACHABLE,      /* answered within reachable_ms */
	NEIGH_STALE,          /* not confirmed lately; still used, re-probed on next use */
	NEIGH_PROBE,          /* stale and being re-confirmed */
	NEIGH_FAILED,         /* never answered; packets to it are dropped until gc */
};

enum neigh_result {
	NEIGH_HIT,            /* mac filled in: send now */
	NEIGH_HIT_PROBE,      /* mac filled in; also send a request to re-confirm it */
	NEIGH_QUEUED,         /* packet kept until the address resolves */
	NEIGH_QUEUED_REQUEST, /* packet kept; send an ARP request now */
	NEIGH_DROPPED,        /* not kept (queue full, failed, table full): caller frees it */
	NEIGH_REQUEST,        /* a new neighbour, its frame not kept (the frames held for
			       * neighbours at their limit): send a request now, caller frees it */
	NEIGH_LIMITED,        /* not kept, not asked: unresolved entries at their limit;
			       * caller frees it */
};

struct neigh_table;

/* A neighbour's address: IPv6 bytes, or IPv4 as the mapped ::ffff:a.b.c.d, so one table
 * serves both families. */
struct neigh_addr {
	uint8_t b[16];
};

/* The mapped form of an IPv4 address given in host order. */
static inline struct neigh_addr neigh_addr_v4(uint32_t ip)
{
	struct neigh_addr a = { { [10] = 0xff, [11] = 0xff } };

	mr_store_be32(a.b + 12, ip);
	return a;
}

/* True for the mapped form of an IPv4 address. */
static inline bool neigh_addr_is_v4(const struct neigh_addr *a)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	return memcmp(a->b, mapped, sizeof(mapped)) == 0;
}

/* The IPv4 address (host order) of a mapped address. */
static inline uint32_t neigh_addr_v4_of(const struct neigh_addr *a)
{
	return mr_load_be32(a->b + 12);
}

/* What the table calls back with; ctx is the caller's own. */
struct neigh_ops {
	void (*send_request)(void *ctx, const struct neigh_addr *addr);
	void (*flush)(void *ctx, void *pkt, const struct rte_ether_addr *mac);
	void (*drop)(void *ctx, void *pkt);
	/* A known address moved from one MAC to another (its old MAC silent through a probe
	 * round): whoever keeps the old MAC for it may follow. NULL: nobody does. */
	void (*moved)(void *ctx, const struct neigh_addr *addr, const struct rte_ether_addr *from,
		      const struct rte_ether_addr *to);
	void *ctx;
};

struct neigh_info {
	struct neigh_addr addr;
	enum neigh_state state;
	struct rte_ether_addr mac;
	uint32_t n_pending;
	uint64_t age_ms;      /* since last confirmation or creation */
};

/* Frames a table holds for unresolved neighbours at most, all entries together: what the
 * buffer pool keeps aside for them (dp_appliance.c). Past it a frame for a new neighbour
 * is not kept, the neighbour asked for all the same (NEIGH_REQUEST): a sender aiming at
 * addresses that never answer cannot drain the pool. */
static inline uint32_t neigh_held_max(const struct mr_neigh_conf *c)
{
	return (c->entries / 16 > 4 ? c->entries / 16 : 4) * c->pending;
}

/* Allocate a table sized by conf on a NUMA socket; NULL on failure (rte_errno set). */
struct neigh_table *neigh_table_create(const char *name, const struct mr_neigh_conf *conf,
				       int socket_id, const struct neigh_ops *ops);

/* Drop every pending packet through ops->drop and release the table. NULL is ignored. */
void neigh_table_free(struct neigh_table *nt);

/* Find the MAC for addr; on a miss, pkt may be queued (see enum neigh_result). */
enum neigh_result neigh_resolve_addr(struct neigh_table *nt, const struct neigh_addr *addr,
				     uint64_t now_ms, void *pkt, struct rte_ether_addr *mac);

/* neigh_resolve_addr for an IPv4 address in host order. */
static inline enum neigh_result neigh_resolve(struct neigh_table *nt, uint32_t ip,
					      uint64_t now_ms, void *pkt,
					      struct rte_ether_addr *mac)
{
	struct neigh_addr a = neigh_addr_v4(ip);

	return neigh_resolve_addr(nt, &a, now_ms, pkt, mac);
}

enum neigh_learn_result {
	NEIGH_LEARN_NONE = 0, /* nothing known changed */
	NEIGH_LEARN_UPDATED,  /* entry created, filled in or confirmed; queued packets sent */
	NEIGH_LEARN_CONFLICT, /* another MAC claimed for an address in use: not taken */
};

/*
 * An ARP packet (or a neighbour advertisement or solicitation) said addr is at mac.
 * for_us: it was addressed to our address, as a request for it or as a reply to an
 * address with an entry (callers pass a reply nobody asked for as not for_us);
 * otherwise (gratuitous, or about others) it only confirms a known entry at the same
 * MAC. An entry is created only for_us and while the table is less than half full; an
 * unresolved entry is filled in only for_us; a known MAC is never replaced by another:
 * see neigh.c. Flushes queued packets when the address resolves.
 */
enum neigh_learn_result neigh_learn_addr(struct neigh_table *nt, const struct neigh_addr *addr,
					 const struct rte_ether_addr *mac, uint64_t now_ms,
					 bool for_us);

/* Whether addr has an entry, in any state (asked for, known, failing). */
bool neigh_known_addr(const struct neigh_table *nt, const struct neigh_addr *addr);

/* Whether addr has an entry that holds mac as its MAC (reachable, stale or probed). */
bool neigh_holds_addr(const struct neigh_table *nt, const struct neigh_addr *addr,
		      const struct rte_ether_addr *mac);

/* neigh_known_addr for an IPv4 address in host order. */
static inline bool neigh_known(const struct neigh_table *nt, uint32_t ip)
{
	struct neigh_addr a = neigh_addr_v4(ip);

	return neigh_known_addr(nt, &a);
}

/* neigh_learn_addr for an IPv4 address in host order. */
static inline enum neigh_learn_result neigh_learn(struct neigh_table *nt, uint32_t ip,
						  const struct rte_ether_addr *mac,
						  uint64_t now_ms, bool for_us)
{
	struct neigh_addr a = neigh_addr_v4(ip);

	return neigh_learn_addr(nt, &a, mac, now_ms, for_us);
}

/* Advance timers: retransmit requests, fail silent neighbours (or take the MAC that
 * answered instead of a silent known one), expire and collect entries. Looks at the
 * entries only once one of them is due (neigh_next_due). */
void neigh_age(struct neigh_table *nt, uint64_t now_ms);

/* No entry's timer is due before this time (UINT64_MAX: none is set). */
uint64_t neigh_next_due(const struct neigh_table *nt);

/* Copy out up to max entries for display; returns how many were written. */
unsigned int neigh_snapshot(const struct neigh_table *nt, uint64_t now_ms,
			    struct neigh_info *out, unsigned int max);

/* Entries in use. */
unsigned int neigh_count(const struct neigh_table *nt);

/* Entries asked for that never answered (incomplete or failed). */
unsigned int neigh_unresolved(const struct neigh_table *nt);

/* Name of a state, for display. */
const char *neigh_state_name(enum neigh_state state);

#endif
