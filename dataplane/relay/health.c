/* SPDX-License-Identifier: BSD-3-Clause */
/* Member health: the slots, the events workers post, and the state machine the health
 * worker runs over them (outlier ejection with a doubling time and a per-pool cap, the
 * rise and fall of active checks). See health.h for who writes what. */
#include "health.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_ring.h>

#include "mr_log.h"
#include "relay_live.h"

/* A member's identity in the index: the address (IPv4 in the first 4 bytes), its family,
 * the port, and whose member it is (health_bind). */
struct health_key {
	uint8_t addr[16];
	uint16_t port;
	uint8_t family;
	uint8_t pad;
	uint32_t owner;
};

struct relay_health *health_create(uint32_t capacity, unsigned int n_workers, char *err,
				   size_t errlen)
{
	static unsigned int created;
	char name[RTE_HASH_NAMESIZE];
	struct relay_health *h = rte_zmalloc("relay_health", sizeof(*h), RTE_CACHE_LINE_SIZE);
	struct rte_hash_parameters hp = {
		.entries = capacity, .key_len = sizeof(struct health_key), .name = name,
		.socket_id = SOCKET_ID_ANY,
	};

	if (!h)
		goto fail;
	snprintf(name, sizeof(name), "health_%u", created++);
	h->capacity = capacity;
	h->index = rte_hash_create(&hp);
	h->slots = rte_zmalloc("health_slots", sizeof(*h->slots) * capacity, RTE_CACHE_LINE_SIZE);
	h->stats = rte_zmalloc("health_stats", sizeof(*h->stats) * capacity * n_workers,
			       RTE_CACHE_LINE_SIZE);
	h->base = rte_zmalloc("health_base", sizeof(*h->base) * capacity, RTE_CACHE_LINE_SIZE);
	h->n_workers = n_workers;
	h->groups_swaps = UINT32_MAX;
	h->events = rte_ring_create_elem(name, sizeof(uint64_t), 4096, SOCKET_ID_ANY,
					 RING_F_SC_DEQ);
	if (h->index && h->slots && h->stats && h->base && h->events &&
	    ncount_init(&h->pool_counters, DP_POOL_COUNTERS,
			offsetof(struct dp_worker, pool_flows)) == 0 &&
	    ncount_init(&h->listener_counters, DP_LISTENER_COUNTERS,
			offsetof(struct dp_worker, listener_flows)) == 0)
		return h;
fail:
	snprintf(err, errlen, "member health: out of memory for %u members", capacity);
	health_free(h);
	return NULL;
}

void health_free(struct relay_health *h)
{
	if (!h)
		return;
	rte_hash_free(h->index);
	rte_ring_free(h->events);
	rte_free(h->slots);
	rte_free(h->stats);
	rte_free(h->base);
	ncount_free(&h->pool_counters);
	ncount_free(&h->listener_counters);
	rte_free(h);
}

/* The stats of slot summed over the workers, as they stand. */
static void stats_sum(const struct relay_health *h, uint32_t slot, struct health_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned int w = 0; w < h->n_workers; w++) {
		const struct health_stats *st = &h->stats[(size_t)w * h->capacity + slot];

		out->connections += dp_counter_read(&st->connections);
		out->failures += dp_counter_read(&st->failures);
		out->redispatches += dp_counter_read(&st->redispatches);
	}
}

void health_stats_read(const struct relay_health *h, uint32_t slot, struct health_stats *out)
{
	const struct health_stats *base = &h->base[slot];

	stats_sum(h, slot, out);
	out->connections -= base->connections;
	out->failures -= base->failures;
	out->redispatches -= base->redispatches;
}

bool health_slot_follows(const struct relay_health *h, uint32_t slot, uint8_t family,
			 const void *addr, uint16_t port)
{
	const struct health_slot *s;
	uint32_t a4, s4;
	uint16_t gen;
	bool same;

	if (!h || slot >= h->capacity)
		return false;
	s = &h->slots[slot];
	/* The identity is written while the slot is free (gen even) and published by the
	 * gen's release: read between two loads of an odd, unchanged gen, it is whole. */
	gen = __atomic_load_n(&s->gen, __ATOMIC_ACQUIRE);
	if (family == IP_ADDR_FAMILY_V6) {
		same = memcmp(s->addr.bytes, addr, 16) == 0;
	} else { /* every connection's answer asks: one word, not a call */
		memcpy(&a4, addr, 4);
		memcpy(&s4, s->addr.bytes, 4);
		same = a4 == s4;
	}
	same = same && s->port == port && s->addr.family == family;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return same && (gen & 1) && __atomic_load_n(&s->gen, __ATOMIC_RELAXED) == gen;
}

uint32_t health_bind(struct relay_health *h, const struct ip_addr *addr, uint16_t port,
		     uint32_t owner)
{
	struct health_key k = { .port = port, .family = (uint8_t)addr->family, .owner = owner };
	struct health_slot *s;
	int32_t pos;

	memcpy(k.addr, addr->bytes, sizeof(k.addr));
	pos = rte_hash_add_key(h->index, &k);
	if (pos < 0 || (uint32_t)pos >= h->capacity)
		return HEALTH_NONE;
	s = &h->slots[pos];
	if (!s->in_use) {
		s->addr = *addr;
		s->port = port;
		s->owner = owner;
		s->in_use = 1;
		stats_sum(h, (uint32_t)pos, &h->base[pos]);
		/* A new gen: the health worker starts the slot's state afresh. */
		__atomic_store_n(&s->gen, (uint16_t)(s->gen + 1), __ATOMIC_RELEASE);
	}
	s->used_by_live = 1;
	return (uint32_t)pos;
}

uint64_t health_pool_connections(const struct dp_appliance *app, uint32_t i)
{
	return app->health ? ncount_read(&app->health->pool_counters, i, app)
			   : dp_workers_sum(app, offsetof(struct dp_worker, pool_flows[i]));
}

uint64_t health_listener_connections(const struct dp_appliance *app, uint32_t i)
{
	return app->health ? ncount_read(&app->health->listener_counters, i, app)
			   : dp_workers_sum(app, offsetof(struct dp_worker, listener_flows[i]));
}

void health_sweep_unused(struct relay_health *h)
{
	for (uint32_t i = 0; i < h->capacity; i++) {
		struct health_slot *s = &h->slots[i];
		struct health_key k = { .port = s->port, .family = (uint8_t)s->addr.family,
					.owner = s->owner };

		if (s->in_use && !s->used_by_live) {
			memcpy(k.addr, s->addr.bytes, sizeof(k.addr));
			rte_hash_del_key(h->index, &k);
			s->in_use = 0;
			__atomic_store_n(&s->gen, (uint16_t)(s->gen + 1), __ATOMIC_RELEASE);
		}
		s->used_by_live = 0;
	}
	ncount_sweep(&h->pool_counters);
	ncount_sweep(&h->listener_counters);
}

/* A slot for each member and gateway of live that has none: its pool members first,
 * which connections pick by health, then the remote gateways. Each is one store: workers
 * may read them meanwhile. How many are still without; *bound, how many got one. */
static uint32_t bind_unbound(struct relay_health *h, struct relay_live *live, uint32_t *bound)
{
	uint32_t n = route_table_member_count(live->routes), left = 0, tried = 0;

	for (uint32_t i = 0; i < n; i++) {
		struct ip_addr addr;
		uint16_t port;

		if (live->member_slot[i] != HEALTH_NONE)
			continue;
		tried++;
		route_table_member(live->routes, i, &addr, &port);
		/* A backend in two pools is two members: each pool's settings and checks (and
		 * a pool without checks never brings up what another's checks took down). */
		__atomic_store_n(&live->member_slot[i],
				 health_bind(h, &addr, port,
					     live->pool_counter[route_table_member_pool(live->routes, i)]),
				 __ATOMIC_RELEASE);
		left += live->member_slot[i] == HEALTH_NONE;
	}
	for (uint32_t i = 0; i < live->n_gateways; i++) {
		struct ip_addr a = ip_addr_v4(rte_be_to_cpu_32(live->gateways[i].addr));

		if (live->gateway_slot[i] != HEALTH_NONE)
			continue;
		tried++;
		__atomic_store_n(&live->gateway_slot[i],
				 health_bind(h, &a, rte_be_to_cpu_16(live->gateways[i].port),
					     HEALTH_OWNER_GATEWAY), __ATOMIC_RELEASE);
		left += live->gateway_slot[i] == HEALTH_NONE;
	}
	*bound = tried - left;
	return left;
}

int health_bind_live(struct relay_health *h, struct relay_live *live,
		     const struct dp_appliance *app)
{
	uint32_t n = route_table_member_count(live->routes);

	live->member_slot = calloc(n + 1, sizeof(*live->member_slot));
	live->pool_counter = calloc(live->conf.n_pools + 1, sizeof(*live->pool_counter));
	if (!live->member_slot || !live->pool_counter)
		return -1;
	for (uint32_t i = 0; i < live->conf.n_pools; i++)
		live->pool_counter[i] = ncount_bind(&h->pool_counters, live->conf.pools[i].name,
						    app);
	for (uint32_t i = 0; i < live->conf.n_listeners; i++)
		live->listener_counter[i] = ncount_bind(&h->listener_counters,
							live->conf.listeners[i].name, app);
	live->gateway_slot = calloc(live->n_gateways + 1, sizeof(*live->gateway_slot));
	if (!live->gateway_slot)
		return -1;
	for (uint32_t i = 0; i < live->n_gateways; i++)
		live->gateway_slot[i] = HEALTH_NONE;
	for (uint32_t i = 0; i < n; i++)
		live->member_slot[i] = HEALTH_NONE;
	bind_unbound(h, live, &(uint32_t){ 0 });
	return 0;
}

void health_bind_rest(struct relay_health *h, struct relay_live *live)
{
	uint32_t bound, left = bind_unbound(h, live, &bound);

	/* After the slots' stores: the health worker sets their pool indexes anew. */
	if (bound)
		__atomic_fetch_add(&h->rest_binds, 1, __ATOMIC_RELEASE);

	for (uint32_t i = 0; i < h->capacity; i++)
		h->slots[i].used_by_live = 0; /* as the sweep leaves them for the next round */
	if (left)
		mr_log(MR_LOG_WARN, "member health: %u members and gateways past the %u followed "
		       "are not followed", left, h->capacity);
}

/* An event as the ring carries it: slot, the slot's gen, the kind. */
static uint64_t event_pack(uint32_t slot, uint16_t gen, enum health_event ev)
{
	return (uint64_t)slot << 32 | (uint64_t)gen << 16 | ev;
}

void health_report(struct dp_worker *w, uint32_t slot, enum health_event ev)
{
	struct relay_health *h = w->app->health;
	struct health_stats *st;
	uint64_t e;

	if (!h || slot >= h->capacity)
		return;
	st = &h->stats[(size_t)w->index * h->capacity + slot];
	if (ev == HEALTH_EV_CONNECTED) {
		if (!health_counts_against(h, slot))
			return; /* only a member with failures or ejections needs to hear it */
	} else {
		st->failures++;
	}
	e = event_pack(slot, __atomic_load_n(&h->slots[slot].gen, __ATOMIC_ACQUIRE), ev);
	if (rte_ring_mp_enqueue_elem(h->events, &e, sizeof(e)) != 0)
		__atomic_fetch_add(&h->events_lost, 1, __ATOMIC_RELAXED);
}

void health_count_connection(struct dp_worker *w, uint32_t slot)
{
	struct relay_health *h = w->app->health;

	if (h && slot < h->capacity)
		h->stats[(size_t)w->index * h->capacity + slot].connections++;
}

void health_count_redispatch(struct dp_worker *w, uint32_t slot)
{
	struct relay_health *h = w->app->health;

	if (h && slot < h->capacity)
		h->stats[(size_t)w->index * h->capacity + slot].redispatches++;
}

/* When in the next interval_ms the member of slot (gen) is first checked: the members'
 * checks spread over the interval, not all at one moment. */
static uint32_t check_spread(uint32_t slot, uint16_t gen, uint32_t interval_ms)
{
	return rte_hash_crc_4byte(slot, gen) % (interval_ms ? interval_ms : 1);
}

/* The state of s, reset first when the slot changed hands since it was last written. */
static struct health_slot *owned(struct relay_health *h, uint32_t slot, uint64_t now_ms,
				 uint32_t interval_ms)
{
	struct health_slot *s = &h->slots[slot];
	uint16_t gen = __atomic_load_n(&s->gen, __ATOMIC_ACQUIRE);

	if (s->state_gen != gen) {
		__atomic_store_n(&s->state, HEALTH_UP, __ATOMIC_RELAXED);
		__atomic_store_n(&s->state_gen, gen, __ATOMIC_RELEASE); /* health_state_of */
		s->fails = s->ejections = s->checks_ok = s->checks_failed = 0;
		s->last_check = s->check_run = s->checking = s->respread = 0;
		s->until_ms = s->changed_ms = 0;
		s->cause[0] = '\0';
		s->next_check_ms = now_ms + check_spread(slot, gen, interval_ms);
	}
	return s;
}

static void set_state(struct health_slot *s, enum health_state st, uint64_t now_ms,
		      const char *cause)
{
	char addr[INET6_ADDRSTRLEN];

	if (s->state == st)
		return;
	__atomic_store_n(&s->state, (uint8_t)st, __ATOMIC_RELAXED);
	s->changed_ms = now_ms;
	snprintf(s->cause, sizeof(s->cause), "%s", cause);
	inet_ntop(s->addr.family == IP_ADDR_FAMILY_V6 ? AF_INET6 : AF_INET, s->addr.bytes, addr,
		  sizeof(addr));
	mr_log(MR_LOG_NOTICE, "member %s port %u: %s (%s)", addr, s->port,
	       st == HEALTH_UP ? "up" : st == HEALTH_DOWN ? "down" : "ejected", cause);
}

const struct mr_health_conf *health_conf_of(const struct relay_live *live, uint32_t group)
{
	if (group < live->conf.n_pools)
		return &live->conf.pools[group].health;
	if (group - live->conf.n_pools < live->conf.n_networks)
		return &live->conf.networks[group - live->conf.n_pools].health;
	return NULL;
}

/* The slot of target i of live (members first, then gateways) and its group. */
static uint32_t target_slot(const struct relay_live *live, uint32_t i, uint32_t *group)
{
	uint32_t members = route_table_member_count(live->routes);

	if (i < members) {
		*group = route_table_member_pool(live->routes, i);
		return live->member_slot[i];
	}
	*group = live->conf.n_pools + live->gateways[i - members].network;
	return relay_live_gateway_slot(live, i - members);
}

static uint32_t target_count(const struct relay_live *live)
{
	return route_table_member_count(live->routes) + live->n_gateways;
}

/* Whether one more of group (in live) may be ejected: at most its share out of use, never
 * all. Out of use counts members down by their checks too: ejecting the last ones up would
 * leave the pool nothing to choose. Members of weight 0 (drained) count neither way: they
 * are never chosen, so they neither leave a choice nor take up the share. */
static bool ejection_allowed(const struct relay_health *h, const struct relay_live *live,
			     uint32_t group, const struct mr_health_conf *hc)
{
	uint32_t n = 0, out = 0, allowed, members = route_table_member_count(live->routes);

	for (uint32_t i = 0; i < target_count(live); i++) {
		uint32_t g, slot = target_slot(live, i, &g);

		if (g != group || (i < members && route_table_member_weight(live->routes, i) == 0))
			continue;
		n++;
		if (slot != HEALTH_NONE && health_state_of(h, slot) != HEALTH_UP)
			out++;
	}
	allowed = hc->max_ejected_percent ? RTE_MAX(1u, n * hc->max_ejected_percent / 100) : 0;
	allowed = RTE_MIN(allowed, n ? n - 1 : 0); /* never the whole pool */
	return out < allowed;
}

void health_apply(struct relay_health *h, const struct relay_live *live, uint32_t slot,
		  uint32_t group, enum health_event ev, uint64_t now_ms)
{
	const struct mr_health_conf *hc = health_conf_of(live, group);
	struct health_slot *s;

	if (slot >= h->capacity || !hc)
		return;
	s = owned(h, slot, now_ms, hc->interval_ms);
	if (ev == HEALTH_EV_CONNECTED) {
		s->fails = 0;
		if (s->state != HEALTH_EJECTED)
			s->ejections = 0;
		return;
	}
	/* Counted while up only: the failures of connections still under way when it was
	 * ejected would else eject it again at its first failure back. */
	if (s->state != HEALTH_UP || !hc->failures || ++s->fails < hc->failures)
		return;
	if (!ejection_allowed(h, live, group, hc)) {
		/* Its pool's share is out: asked again after as many failures more, not at each
		 * one (asking walks the pool's members, on the worker that carries traffic too). */
		s->fails = 0;
		return;
	}
	uint64_t ms = (uint64_t)hc->ejection_ms << RTE_MIN(s->ejections, 20u);

	s->until_ms = now_ms + RTE_MIN(ms, (uint64_t)hc->max_ejection_ms);
	s->ejections++;
	s->fails = 0;
	set_state(s, HEALTH_EJECTED, now_ms,
		  ev == HEALTH_EV_REFUSED ? "conns refused"
		  : ev == HEALTH_EV_RESET ? "conns reset" : "conns unanswered");
}

void health_check_result(struct relay_health *h, const struct relay_live *live, uint32_t slot,
			 uint32_t group, bool passed, const char *why, uint64_t now_ms)
{
	const struct mr_health_conf *hc = health_conf_of(live, group);
	struct health_slot *s;
	uint8_t result = passed ? 1 : 2;

	if (slot >= h->capacity || !hc)
		return;
	s = owned(h, slot, now_ms, hc->interval_ms);
	s->checking = 0;
	if (passed)
		s->checks_ok++;
	else
		s->checks_failed++;
	/* A check that was in flight when its pool's checks were switched off (a reload):
	 * counted, but the scan brought the member up ("checks off"), and nothing would bring
	 * it up again were this to take it down. */
	if (hc->check == MR_CHECK_NONE)
		return;
	s->check_run = s->last_check == result ? (uint8_t)RTE_MIN(s->check_run + 1, 255) : 1;
	s->last_check = result;
	if (passed && s->state == HEALTH_DOWN && s->check_run >= hc->rise)
		set_state(s, HEALTH_UP, now_ms, why);
	else if (!passed && s->state != HEALTH_DOWN && s->check_run >= hc->fall)
		set_state(s, HEALTH_DOWN, now_ms, why); /* ejected too: its time out would not
							 * make it any better */
}

/* Ejections that are over; checks that are due (at most a few per pass). */
static void scan_targets(struct dp_worker *w, struct relay_health *h,
			 const struct relay_live *live, const struct health_checker *checker,
			 bool start_checks)
{
	uint32_t n = target_count(live);
	uint32_t visit = RTE_MIN(n, 64u + n / 16);

	for (uint32_t v = 0; v < visit; v++) {
		uint32_t i = h->scan_cursor++ % n, group;
		uint32_t slot = target_slot(live, i, &group);
		const struct mr_health_conf *hc = health_conf_of(live, group);
		struct health_slot *s;

		if (slot == HEALTH_NONE || !hc)
			continue;
		s = owned(h, slot, w->now_ms, hc->interval_ms);
		s->pool = group;
		/* A push that shortened the times: what was set under the longer ones comes in
		 * (an operator lowers them to bring members back sooner). */
		if (s->state == HEALTH_EJECTED && s->until_ms > w->now_ms + hc->max_ejection_ms)
			s->until_ms = w->now_ms + hc->max_ejection_ms;
		if (s->next_check_ms > w->now_ms + hc->interval_ms)
			s->next_check_ms = w->now_ms + check_spread(slot, s->gen, hc->interval_ms);
		if (s->state == HEALTH_EJECTED && w->now_ms >= s->until_ms) {
			s->fails = 0;
			set_state(s, HEALTH_UP, w->now_ms, "ejection over");
		}
		/* Only a passed check brings a member back up: with its checks switched off
		 * (a reload), nothing else would. */
		if (hc->check == MR_CHECK_NONE) {
			if (s->state == HEALTH_DOWN)
				set_state(s, HEALTH_UP, w->now_ms, "checks off");
			/* A run of checks from before counts for nothing once they are back:
			 * fall failed checks in a row take a member down, not one. */
			s->check_run = 0;
			s->last_check = 0;
		}
		/* Checks time out here, in the scan that starts them: their flows' own expiry
		 * is a backstop (health_check.c). */
		if (s->checking && w->now_ms >= s->check_deadline)
			checker->expire(w, s->check_flow, slot);
		if (!start_checks || hc->check == MR_CHECK_NONE || s->checking ||
		    w->now_ms < s->next_check_ms)
			continue;
		if (w->now_ms - s->next_check_ms > hc->interval_ms && !s->respread) {
			/* Due for more than an interval: checks just switched on (a reload), or
			 * the worker stalled. Every member would be due at once, and checked in
			 * step from then on: spread them over an interval again. Once: a scan
			 * slower than the interval would else find it late at every visit. */
			s->next_check_ms = w->now_ms + check_spread(slot, s->gen, hc->interval_ms);
			s->respread = 1;
			continue;
		}
		s->respread = 0;
		s->next_check_ms = w->now_ms + hc->interval_ms;
		if (checker->start(w, &s->addr, s->port, slot, hc))
			s->checking = 1;
	}
}

/* Every slot's pool (or network) index from live, as the scan sets them one by one: after
 * a push that reordered the pools, an event or a check's result is judged by its own
 * pool's settings at once, not another's until the scan comes by. */
static void groups_refresh(struct relay_health *h, const struct relay_live *live)
{
	uint32_t n = target_count(live), group;

	for (uint32_t i = 0; i < n; i++) {
		uint32_t slot = target_slot(live, i, &group);

		if (slot < h->capacity)
			h->slots[slot].pool = group;
	}
	h->groups_swaps = live->swaps;
}

/* groups_current's work, out of the housekeeping's way: rare (a push). */
static __rte_noinline void groups_renew(struct relay_health *h, const struct relay_live *live,
					uint32_t binds)
{
	if (live->member_slot || !route_table_member_count(live->routes)) {
		groups_refresh(h, live);
		h->groups_binds = binds;
	}
}

/* The pool indexes brought up to date with live and the slots given out since (once its
 * slots are bound: a push's swap comes before them, health_bind_rest after). */
static inline void groups_current(struct relay_health *h, const struct relay_live *live)
{
	uint32_t binds = __atomic_load_n(&h->rest_binds, __ATOMIC_ACQUIRE);

	if (unlikely(live->swaps != h->groups_swaps || binds != h->groups_binds))
		groups_renew(h, live, binds);
}

uint32_t health_group_of(struct relay_health *h, const struct relay_live *live, uint32_t slot)
{
	groups_current(h, live);
	return h->slots[slot].pool;
}

void health_run(struct dp_worker *w, const struct health_checker *checker)
{
	struct relay_health *h = w->app->health;
	const struct relay_live *live = relay_live_get(w->app);
	uint64_t e[64];
	unsigned int n;

	if (!h || w->index != 0)
		return;
	groups_current(h, live);
	while ((n = rte_ring_sc_dequeue_burst_elem(h->events, e, sizeof(e[0]), RTE_DIM(e),
						   NULL)) > 0) {
		for (unsigned int i = 0; i < n; i++) {
			uint32_t slot = (uint32_t)(e[i] >> 32);
			uint16_t gen = (uint16_t)(e[i] >> 16);

			if (slot < h->capacity && gen == h->slots[slot].gen)
				health_apply(h, live, slot, h->slots[slot].pool,
					     (enum health_event)(e[i] & 0xff), w->now_ms);
		}
	}
	/* Draining: no new checks (a check's flow would hold the drain up), and those in
	 * flight end at their deadlines, not their flows' backstops. */
	if (w->now_ms < h->next_scan_ms || !target_count(live))
		return;
	h->next_scan_ms = w->now_ms + 10;
	scan_targets(w, h, live, checker, !w->app->draining);
}
