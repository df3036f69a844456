/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The health of pool members and of the other networks' gateways, one slot per address
 * and port in each pool (a backend two pools share is followed by each, with its own
 * settings), kept across live reloads so that an unchanged member keeps its state.
 *
 * Ownership. The control thread binds members to slots when it builds a relay_live and
 * frees those no live configuration uses after the swap (a slot's gen changes then). The
 * health worker (worker 0) alone writes a slot's state: it applies the events other
 * workers post (failed and good connections, on one multi-producer ring), sends the
 * active checks, ejects and brings back. Every worker reads `state` with relaxed loads to
 * choose members; a stale read costs at most one connection a redispatch.
 */
#ifndef RELAY_HEALTH_H
#define RELAY_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

#include "dp.h"
#include "ip_addr.h"
#include "mr_config.h"
#include "name_counter.h"
#include "tls_hello.h"

struct relay_live;

#define HEALTH_NONE UINT32_MAX /* no slot: a member beyond the capacity, never avoided */
#define HEALTH_SLOTS 16384u /* members the appliance follows */

enum health_state {
	HEALTH_UP = 0,
	HEALTH_DOWN,      /* active checks failed `fall` times in a row */
	HEALTH_EJECTED,   /* consecutive failed connections: out until until_ms */
};

enum health_event {
	HEALTH_EV_CONNECTED = 1, /* the member answered a connection: a byte of its reached
				  * the client (a SYN-ACK alone says nothing: a member
				  * behind a proxy whose own upstream is dead accepts,
				  * then resets) */
	HEALTH_EV_REFUSED,       /* ... refused it (RST) */
	HEALTH_EV_TIMEOUT,       /* ... did not answer in time */
	HEALTH_EV_RESET,         /* ... reset it before sending a byte */
};

/* Per worker and slot, written by that worker only. */
struct health_stats {
	uint64_t connections;    /* backend SYN-ACKs (health_count_connection) */
	uint64_t failures;       /* refused or unanswered connections */
	uint64_t redispatches;   /* connections moved from this member to another */
};

struct health_slot {
	/* Identity: written by the control thread while no live configuration names it. */
	struct ip_addr addr;
	uint16_t port;
	uint16_t gen;            /* +1 when the slot is taken and when it is freed: odd
				  * while in use (events carry it) */
	uint8_t in_use;
	uint8_t used_by_live;    /* scratch of the control thread while binding */
	uint32_t owner;          /* health_bind's owner: its pool, or HEALTH_OWNER_GATEWAY */
	/* State: written by the health worker only. */
	uint16_t state_gen;      /* gen the state below belongs to (else: reset it first) */
	uint8_t state;           /* enum health_state, read by every worker */
	uint8_t last_check;      /* 0 none yet, 1 passed, 2 failed */
	uint8_t check_run;       /* consecutive checks with that result */
	uint8_t checking;        /* a check is in flight */
	uint8_t respread;        /* its next check was spread anew: sent when due, however late */
	uint32_t pool;           /* its group whose settings apply: a pool of the live
				  * configuration, or n_pools + a network (its gateways) */
	uint32_t check_flow;     /* the check in flight: its flow (the health worker's table) */
	uint64_t check_deadline; /* ... failed when unanswered by then (seen by the scan) */
	struct tls_answer check_answer; /* ... a TLS check's: how far its answer was read */
	uint32_t fails;          /* consecutive failed connections */
	uint32_t ejections;      /* ejections in a row: the ejection time doubles */
	uint32_t checks_ok, checks_failed;
	uint64_t until_ms;       /* EJECTED: back at this time */
	uint64_t next_check_ms;
	uint64_t changed_ms;     /* last state change */
	char cause[32];          /* of the last state change */
};

struct relay_health {
	uint32_t capacity;
	struct rte_hash *index;          /* member identity -> slot (control thread only) */
	struct health_slot *slots;
	struct health_stats *stats;      /* [worker * capacity + slot] */
	/* [slot]: what the workers' stats summed to when the slot took its member (control
	 * thread): a member taking a freed slot counts from zero, not from the last one's. */
	struct health_stats *base;
	unsigned int n_workers;
	struct rte_ring *events;         /* MP/SC: workers -> the health worker */
	uint64_t events_lost;            /* the ring was full (relaxed counter of all workers) */
	/* Pools' connection counters by name (dp_worker.pool_flows): a pool keeps its counter
	 * across reloads that add, remove or reorder pools. Control thread only. */
	struct ncount_table pool_counters;
	/* Listeners' (dp_worker.listener_flows), for the same reason. */
	struct ncount_table listener_counters;
	uint32_t scan_cursor;            /* the health worker's place among live members */
	uint64_t next_scan_ms;
	/* The configuration (relay_live.swaps) every slot's pool index was last set from, all
	 * at once (the health worker's): UINT32_MAX before the first. */
	uint32_t groups_swaps;
	/* Rounds of health_bind_rest that gave a slot out after its push's swap (the control
	 * thread's, released after the slots), and the count the health worker last set the
	 * pool indexes at (its own): a slot given late is judged by its new pool at once. */
	uint32_t rest_binds;
	uint32_t groups_binds;
};

/* Slots for capacity members, for n_workers workers. NULL with err on failure. */
struct relay_health *health_create(uint32_t capacity, unsigned int n_workers, char *err,
				   size_t errlen);

/* Free it. NULL is fine. */
void health_free(struct relay_health *h);

/* health_bind's owner of the other networks' gateways (a pool member's is its pool's
 * counter index, health_pool_counter: its name's, stable across reloads). */
#define HEALTH_OWNER_GATEWAY UINT32_MAX

/* The slot of addr:port as a member of owner, taken when new (control thread, while
 * building a live configuration); HEALTH_NONE when full. Marks it used by the
 * configuration being built. */
uint32_t health_bind(struct relay_health *h, const struct ip_addr *addr, uint16_t port,
		     uint32_t owner);

/* Give each member of live's pools its health slot, each pool and each listener its
 * counter (control thread, before the swap; a member, pool or listener known already
 * keeps its slot, state and counts; a new counter counts from app's workers' counters as
 * they stand, app NULL before they run): fills live's member_slot, pool_counter,
 * listener_counter and gateway_slot. 0, or -1 when out of memory. */
int health_bind_live(struct relay_health *h, struct relay_live *live,
		     const struct dp_appliance *app);

/* Connections the workers counted at pool counter i (relay_live_pool_counter) since the
 * pool's name took it; app->health NULL: since the start. */
uint64_t health_pool_connections(const struct dp_appliance *app, uint32_t i);

/* The same for listener counter i (relay_live.listener_counter). */
uint64_t health_listener_connections(const struct dp_appliance *app, uint32_t i);

/* Whether pool counter i is the one shared by the pools past DP_POOL_COUNTERS - 1 names. */
static inline bool health_pool_counter_shared(uint32_t i)
{
	return i == DP_POOL_COUNTERS - 1;
}

/* Control thread, after a swap: free the slots and counters the last health_bind round
 * did not mark. */
void health_sweep_unused(struct relay_health *h);

/* Control thread, after the sweep: live's members and gateways that found no slot while
 * the configuration before still held them take the ones it freed (one warning when some
 * are still left without). */
void health_bind_rest(struct relay_health *h, struct relay_live *live);

/* Any worker: whether slot (any value) has failures or ejections counted, which a success
 * would clear (relaxed reads: a stale one reports a success too many or too few). */
static inline bool health_counts_against(const struct relay_health *h, uint32_t slot)
{
	return h && slot < h->capacity &&
	       (__atomic_load_n(&h->slots[slot].fails, __ATOMIC_RELAXED) != 0 ||
		__atomic_load_n(&h->slots[slot].ejections, __ATOMIC_RELAXED) != 0);
}

/* Any thread: the state of slot's member. A slot given to another member is up until the
 * health worker first writes it: its state until then is the last member's. */
static inline enum health_state health_state_of(const struct relay_health *h, uint32_t slot)
{
	const struct health_slot *s = &h->slots[slot];

	if (__atomic_load_n(&s->state_gen, __ATOMIC_RELAXED) !=
	    __atomic_load_n(&s->gen, __ATOMIC_RELAXED))
		return HEALTH_UP;
	return (enum health_state)__atomic_load_n(&s->state, __ATOMIC_RELAXED);
}

/* Whether new connections may go to slot (relaxed read; HEALTH_NONE is always usable). */
static inline bool health_usable(const struct relay_health *h, uint32_t slot)
{
	return slot == HEALTH_NONE || !h || health_state_of(h, slot) == HEALTH_UP;
}

/* Any worker: whether slot still follows the member at address addr (family, its 4 or 16
 * bytes in network order) and port (host order). A push may free the slot of a
 * connection's member and give it to another member while the connection is still being
 * set up: what that connection sees is not the new member's. */
bool health_slot_follows(const struct relay_health *h, uint32_t slot, uint8_t family,
			 const void *addr, uint16_t port);

/* Control thread or telemetry: slot's stats summed over the workers, counted since the
 * slot took its member. */
void health_stats_read(const struct relay_health *h, uint32_t slot, struct health_stats *out);

/* Any thread: the events a full ring lost (worker 0 behind), since start. */
static inline uint64_t health_events_lost(const struct relay_health *h)
{
	return h ? __atomic_load_n(&h->events_lost, __ATOMIC_RELAXED) : 0;
}

/* Any worker: report what a connection saw of slot's member (its caller checked
 * health_slot_follows). A full ring loses the event (counted). */
void health_report(struct dp_worker *w, uint32_t slot, enum health_event ev);

/* Any worker: count a connection's SYN answered by the member in slot (its statistics
 * only). */
void health_count_connection(struct dp_worker *w, uint32_t slot);

/* Any worker: count a redispatch away from slot. */
void health_count_redispatch(struct dp_worker *w, uint32_t slot);

/* The health settings of group in live: pool group, or network group - n_pools (whose
 * gateways it watches); NULL when there is no such group. */
const struct mr_health_conf *health_conf_of(const struct relay_live *live, uint32_t group);

/* Health worker: what one connection event (health_report) means for slot, of group in
 * live: failures in a row eject it (time doubling, capped; never the whole group). */
void health_apply(struct relay_health *h, const struct relay_live *live, uint32_t slot,
		  uint32_t group, enum health_event ev, uint64_t now_ms);

/* Health worker: slot's pool (or network) index in live, the indexes brought up to date
 * first when a push (or a slot given out after it) came since they were last set. */
uint32_t health_group_of(struct relay_health *h, const struct relay_live *live, uint32_t slot);

/* Health worker: a check of slot (of group in live) passed or failed; why is logged when
 * the member changes state (rise and fall). */
void health_check_result(struct relay_health *h, const struct relay_live *live, uint32_t slot,
			 uint32_t group, bool passed, const char *why, uint64_t now_ms);

/* Who checks members for the scan below (health_check.c): end the check of slot that
 * flow index holds as failed; open a check of slot (false when it was not sent). */
struct health_checker {
	void (*expire)(struct dp_worker *w, uint32_t index, uint32_t slot);
	bool (*start)(struct dp_worker *w, const struct ip_addr *addr, uint16_t port,
		      uint32_t slot, const struct mr_health_conf *hc);
};

/* Once per poll loop on every worker (only worker 0 does anything): apply the events,
 * end ejections that are over, have checker end the checks past their deadline and open
 * those that are due. */
void health_run(struct dp_worker *w, const struct health_checker *checker);

#endif
