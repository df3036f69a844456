/* SPDX-License-Identifier: BSD-3-Clause */
#include "flow.h"
#include "flow_table.h"
#include "flow_limits.h"

#include <stdio.h>
#include <string.h>

#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

struct flow_table *flow_table_create(const char *name, uint32_t max_flows, int socket_id)
{
	struct flow_table *ft = rte_zmalloc_socket(name, sizeof(*ft), 0, socket_id);

	if (!ft)
		return NULL;
	ft->capacity = max_flows;
	ft->hello.head = ft->hello.tail = FLOW_LINK_NONE;
	ft->flows = rte_zmalloc_socket(name, sizeof(struct flow) * max_flows, RTE_CACHE_LINE_SIZE,
				       socket_id);
	ft->limits = flow_limits_create(name, max_flows, socket_id);
	/* Two keys a flow: its client side and its backend side. */
	if (flow_index_init(&ft->index, name, 2 * max_flows, socket_id) < 0 ||
	    flow_wheel_init(&ft->wheel, name, socket_id) < 0 || !ft->flows || !ft->limits) {
		flow_table_free(ft);
		return NULL;
	}
	/* The free list runs through the free entries themselves: no array beside them.
	 * Entries are taken in index order at first. */
	for (uint32_t i = 0; i < max_flows; i++)
		ft->flows[i].next_free = i + 1;
	ft->free_head = 0;
	ft->n_free = max_flows;
	ft->hash_bytes = flow_index_bytes(&ft->index) + flow_limits_bytes(max_flows) +
			 flow_wheel_bytes();
	return ft;
}

int flow_table_enable_ipv6(struct flow_table *ft, int socket_id)
{
	char name[32];
	size_t bytes = sizeof(struct flow_addr6) * 2 * ft->capacity;

	/* IPv6 sides go into the same index as IPv4 ones (as their flow_key form): only
	 * their whole addresses need room of their own. */
	if (ft->addr6)
		return 0;
	snprintf(name, sizeof(name), "%p6", (void *)ft);
	ft->addr6 = rte_zmalloc_socket(name, bytes, 0, socket_id);
	if (!ft->addr6)
		return -1;
	ft->hash_bytes += bytes;
	return 0;
}

uint32_t flow_addr6_digest(const uint8_t addr[16])
{
	uint64_t hi, lo;

	memcpy(&hi, addr, 8);
	memcpy(&lo, addr + 8, 8);
	return rte_hash_crc_8byte(lo, rte_hash_crc_8byte(hi, 0x6a09e667u));
}

void flow_side_set_v6(struct flow_table *ft, struct flow *f, enum flow_dir dir,
		      const uint8_t peer[16], const uint8_t local[16])
{
	struct flow_side *side = dir == FLOW_DIR_CLIENT ? &f->c : &f->b;
	struct flow_addr6 *a = &ft->addr6[f->index << 1 | dir];

	memcpy(a->peer, peer, 16);
	memcpy(a->local, local, 16);
	side->v6 = 1;
	side->key.peer_ip = flow_addr6_digest(peer);
	side->key.local_ip = 0;
}

const struct flow_addr6 *flow_side_addr6(const struct flow_table *ft, const struct flow *f,
					 enum flow_dir dir)
{
	return flow_table_addr6(ft, f, dir);
}

struct flow_key6 flow_side_key6(const struct flow_table *ft, const struct flow *f,
				enum flow_dir dir)
{
	const struct flow_side *side = dir == FLOW_DIR_CLIENT ? &f->c : &f->b;
	const struct flow_addr6 *a = &ft->addr6[f->index << 1 | dir];
	struct flow_key6 k;

	memcpy(k.peer_ip, a->peer, 16);
	memcpy(k.local_ip, a->local, 16);
	k.peer_port = side->key.peer_port;
	k.local_port = side->key.local_port;
	return k;
}

void flow_table_free(struct flow_table *ft)
{
	if (!ft)
		return;
	for (uint32_t i = 0; ft->flows && i < ft->capacity; i++)
		rte_pktmbuf_free(ft->flows[i].stream);
	rte_free(ft->addr6);
	flow_index_free(&ft->index);
	flow_wheel_free(&ft->wheel);
	rte_free(ft->flows);
	flow_limits_free(ft->limits);
	rte_free(ft);
}

struct flow *flow_alloc(struct flow_table *ft, uint32_t expire_ms)
{
	struct flow *f;
	uint32_t idx;

	if (ft->n_free == 0)
		return NULL;
	idx = ft->free_head;
	f = &ft->flows[idx];
	ft->free_head = f->next_free;
	ft->n_free--;
	memset(f, 0, sizeof(*f));
	f->index = idx;
	f->state = FLOW_HELLO;
	f->expire_ms = expire_ms;
	f->wheel_prev = f->wheel_next = FLOW_LINK_NONE;
	f->member = FLOW_NO_MEMBER;
	flow_wheel_add(&ft->wheel, ft->flows, f, expire_ms);
	return f;
}

/* A side's key was set: any of it non-zero (a side never given one is all zeros). Not
 * the peer's part alone: an IPv6 peer's address digest may be 0 (it is no secret hash,
 * and a peer that picks its own address bits can find one), its port too, and the key
 * then left behind in the index would lead later segments to the freed entry. */
static bool key_is_set(const struct flow_key *k)
{
	return (k->peer_ip | k->local_ip | k->peer_port | k->local_port) != 0;
}

/* Remove side d's key when it still names f. */
static void release_key(struct flow_table *ft, struct flow *f, enum flow_dir d)
{
	const struct flow_side *side = d == FLOW_DIR_CLIENT ? &f->c : &f->b;

	/* Only the entry of this flow and side goes: the value names both. */
	if (key_is_set(&side->key))
		flow_index_del(&ft->index, flow_index_hash(&ft->index, &side->key),
			       flow_index_val(f->index, d));
}

void flow_side_forget(struct flow_table *ft, struct flow *f, enum flow_dir dir)
{
	release_key(ft, f, dir);
	f->splice_sums = 0;
	memset(dir == FLOW_DIR_CLIENT ? &f->c : &f->b, 0, sizeof(f->c));
	memset(flow_side_seq_of(f, dir), 0, sizeof(struct flow_side_seq));
}

void flow_release(struct flow_table *ft, struct flow *f)
{
	if (f->state == FLOW_FREE)
		return;
	flow_rtx_disarm(ft, f);
	flow_wheel_del(&ft->wheel, ft->flows, f);
	/* Only keys that still name this flow and side are removed. */
	release_key(ft, f, FLOW_DIR_CLIENT);
	release_key(ft, f, FLOW_DIR_BACKEND);
	flow_limits_release(ft, f);
	if (f->state == FLOW_CLOSING)
		ft->n_closing--;
	f->state = FLOW_FREE;
	f->next_free = ft->free_head; /* its member is done with */
	ft->free_head = f->index;
	ft->n_free++;
}

/* The index's view of an IPv6 key: its whole addresses, for confirming a candidate. */
static inline struct flow_index_v6 index_v6(const struct flow_table *ft, const uint8_t *peer,
					    const uint8_t *local)
{
	return (struct flow_index_v6){ .addr6 = ft->addr6, .peer = peer, .local = local };
}

/* The value of IPv6 key among ft's flows, 0 when none (or the table has no IPv6). */
static uint32_t find6(const struct flow_table *ft, const struct flow_key6 *key)
{
	struct flow_key k = flow_key6_short(key->peer_ip, key->peer_port, key->local_port);
	struct flow_index_v6 v6 = index_v6(ft, key->peer_ip, key->local_ip);

	if (!ft->addr6)
		return 0;
	return flow_index_find6(&ft->index, ft->flows, &k, flow_index_hash(&ft->index, &k), &v6);
}

/* The value of IPv4 key, 0 when none. An IPv6 side's short key has no local address,
 * which no IPv4 key lacks, so it matches none; the side's flag says so outright. */
static uint32_t find4(const struct flow_table *ft, const struct flow_key *key)
{
	uint32_t v = flow_index_find(&ft->index, ft->flows, key, flow_index_hash(&ft->index, key));
	const struct flow *f;

	if (!v)
		return 0;
	f = &ft->flows[flow_index_val_flow(v)];
	return (flow_index_val_dir(v) == FLOW_DIR_CLIENT ? f->c.v6 : f->b.v6) ? 0 : v;
}

int flow_key_add(struct flow_table *ft, struct flow *f, enum flow_dir dir)
{
	const struct flow_side *side = dir == FLOW_DIR_CLIENT ? &f->c : &f->b;
	uint32_t exists;

	f->splice_sums = 0;
	if (side->v6) {
		const struct flow_addr6 *a = flow_table_addr6(ft, f, dir);
		struct flow_index_v6 v6 = index_v6(ft, a->peer, a->local);

		exists = flow_index_find6(&ft->index, ft->flows, &side->key,
					  flow_index_hash(&ft->index, &side->key), &v6);
	} else {
		exists = find4(ft, &side->key);
	}
	if (exists)
		return -1;
	return flow_index_add(&ft->index, flow_index_hash(&ft->index, &side->key),
			      flow_index_val(f->index, dir));
}

bool flow_key_exists(const struct flow_table *ft, const struct flow_key *key)
{
	return find4(ft, key) != 0;
}

/* The flow and side a value of an index names. */
static inline struct flow *flow_of_val(struct flow_table *ft, uint32_t val, enum flow_dir *dir)
{
	*dir = flow_index_val_dir(val);
	return &ft->flows[flow_index_val_flow(val)];
}

struct flow *flow_lookup(struct flow_table *ft, const struct flow_key *key,
			 enum flow_dir *dir)
{
	uint32_t v = find4(ft, key);

	return v ? flow_of_val(ft, v, dir) : NULL;
}

void flow_lookup_bulk(struct flow_table *ft, const struct flow_key *keys,
		      unsigned int n, struct flow **found, uint8_t *dirs)
{
	RTE_BUILD_BUG_ON(FLOW_INDEX_BULK != FLOW_LOOKUP_BULK);
	flow_index_find_bulk(&ft->index, ft->flows, keys, n, found, dirs);
}

uint32_t flow_table_version(const struct flow_table *ft)
{
	return ft->index.changes;
}

struct flow *flow_lookup6(struct flow_table *ft, const struct flow_key6 *key,
			  enum flow_dir *dir)
{
	uint32_t v = find6(ft, key);

	return v ? flow_of_val(ft, v, dir) : NULL;
}

bool flow_key6_exists(const struct flow_table *ft, const struct flow_key6 *key)
{
	return find6(ft, key) != 0;
}

/* f joins the tail of the hello queue (it is not on it): its links take the place of
 * rtx_ms and b_una, so it has no retransmission armed. */
static void hello_push(struct flow_table *ft, struct flow *f)
{
	struct flow_queue *q = &ft->hello;

	f->rtx_armed = 0;
	f->hello_queued = 1;
	f->hello_prev = q->tail;
	f->hello_next = FLOW_LINK_NONE;
	if (q->tail != FLOW_LINK_NONE)
		ft->flows[q->tail].hello_next = f->index;
	else
		q->head = f->index;
	q->tail = f->index;
}

/* f leaves the hello queue when it is on it; rtx_ms and b_una read zero again. */
static void hello_leave(struct flow_table *ft, struct flow *f)
{
	struct flow_queue *q = &ft->hello;

	if (!f->hello_queued)
		return;
	if (f->hello_prev != FLOW_LINK_NONE)
		ft->flows[f->hello_prev].hello_next = f->hello_next;
	else
		q->head = f->hello_next;
	if (f->hello_next != FLOW_LINK_NONE)
		ft->flows[f->hello_next].hello_prev = f->hello_prev;
	else
		q->tail = f->hello_prev;
	f->hello_prev = f->hello_next = 0;
	f->hello_queued = 0;
}

void flow_hello_queue(struct flow_table *ft, struct flow *f)
{
	if (!f->hello_queued)
		hello_push(ft, f);
}

struct flow *flow_hello_oldest(struct flow_table *ft)
{
	while (ft->hello.head != FLOW_LINK_NONE) {
		struct flow *f = &ft->flows[ft->hello.head];

		if (f->state == FLOW_HELLO && f->stream)
			return f;
		hello_leave(ft, f);
	}
	return NULL;
}

/* f put back on the wheel at its deadline, whether earlier or later (the slot it goes to
 * marked when f is reclaimable). */
static void wheel_put_back(struct flow_table *ft, struct flow *f)
{
	flow_wheel_del(&ft->wheel, ft->flows, f);
	flow_wheel_add(&ft->wheel, ft->flows, f, flow_deadline(f));
}

/* f's deadline came forward from was_ms: it moves to its new slot. A flow off the wheel
 * (being run) just goes there. */
static void wheel_move_up(struct flow_table *ft, struct flow *f, uint32_t was_ms)
{
	if (!flow_time_before(flow_deadline(f), was_ms) && flow_wheel_linked(f))
		return; /* later or the same: its slot comes first, it goes on from there */
	wheel_put_back(ft, f);
}

void flow_rtx_arm(struct flow_table *ft, struct flow *f, uint32_t at_ms)
{
	uint32_t was = flow_deadline(f);

	hello_leave(ft, f);
	f->rtx_ms = at_ms;
	f->rtx_armed = 1;
	wheel_move_up(ft, f, was);
}

void flow_rtx_disarm(struct flow_table *ft, struct flow *f)
{
	/* Its deadline can only move later: the wheel finds that out in its slot. */
	hello_leave(ft, f);
	f->rtx_armed = 0;
}

void flow_expire_set(struct flow_table *ft, struct flow *f, uint32_t at_ms)
{
	uint32_t was = flow_deadline(f);

	f->expire_ms = at_ms;
	wheel_move_up(ft, f, was);
}

/* What a run of the timers calls, by the deadline that came. */
struct timers_run {
	uint32_t now_ms;
	flow_visit_fn rtx_fn, expire_fn;
	void *ctx;
};

static void timers_fire(void *arg, struct flow *f)
{
	const struct timers_run *r = arg;

	if (f->rtx_armed && !flow_time_before(r->now_ms, f->rtx_ms)) {
		r->rtx_fn(r->ctx, f);
		/* A flow past its expiry ends even when its retransmissions would go on. */
		if (f->state == FLOW_FREE || flow_time_before(r->now_ms, f->expire_ms))
			return;
	}
	r->expire_fn(r->ctx, f);
}

void flow_timers_run(struct flow_table *ft, uint32_t now_ms, flow_visit_fn rtx_fn,
		     flow_visit_fn expire_fn, void *ctx)
{
	struct timers_run r = { .now_ms = now_ms, .rtx_fn = rtx_fn, .expire_fn = expire_fn,
				.ctx = ctx };

	flow_wheel_run(&ft->wheel, ft->flows, now_ms, timers_fire, &r);
}

void flow_set_closing(struct flow_table *ft, struct flow *f, uint32_t at_ms)
{
	if (f->state != FLOW_CLOSING) {
		ft->n_closing++;
		flow_limits_closed(ft, f);
	}
	f->state = FLOW_CLOSING;
	f->expire_ms = at_ms;
	wheel_put_back(ft, f);
}

void flow_set_over(struct flow_table *ft, struct flow *f)
{
	flow_limits_closed(ft, f);
	wheel_put_back(ft, f);
}

struct flow *flow_closing_soonest(struct flow_table *ft, uint32_t max_looked)
{
	return flow_wheel_find_closing(&ft->wheel, ft->flows, max_looked);
}

uint32_t flow_visit(struct flow_table *ft, uint32_t max, void (*fn)(void *ctx, struct flow *f),
		    void *ctx)
{
	return flow_wheel_visit(&ft->wheel, ft->flows, max, fn, ctx);
}

uint32_t flow_count(const struct flow_table *ft)
{
	/* Read from other threads for display: one relaxed load of the owner's counter. */
	return ft->capacity - __atomic_load_n(&ft->n_free, __ATOMIC_RELAXED);
}

uint32_t flow_count_open(const struct flow_table *ft)
{
	/* As flow_count: the owner's counters, each read once, relaxed. Read apart, closing
	 * flows released between the two loads would make more closing than in use. */
	uint32_t in_use = flow_count(ft), closing = __atomic_load_n(&ft->n_closing, __ATOMIC_RELAXED);

	return in_use > closing ? in_use - closing : 0;
}

uint32_t flow_capacity(const struct flow_table *ft)
{
	return ft->capacity;
}

struct flow *flow_at(struct flow_table *ft, uint32_t index)
{
	if (index >= ft->capacity || ft->flows[index].state == FLOW_FREE)
		return NULL;
	return &ft->flows[index];
}

uint32_t flow_bytes_per_flow(const struct flow_table *ft)
{
	/* The entry and its share of the index, limits and wheel: the free list, the hello
	 * queue and the wheel's lists run through the entries. */
	return (uint32_t)(sizeof(struct flow) + ft->hash_bytes / ft->capacity);
}

const char *flow_state_name(unsigned int state)
{
	static const char *const names[FLOW_STATE_COUNT] = {
		"free", "hello", "connecting", "spliced", "closing", "bind_syn", "bind_wait",
		"check", "check_tls", "answered",
	};

	return state < FLOW_STATE_COUNT ? names[state] : "?";
}
