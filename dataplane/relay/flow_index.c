/* SPDX-License-Identifier: BSD-3-Clause */
#include "flow_index.h"

#include <string.h>

#include <rte_common.h>
#include <rte_malloc.h>
#include <rte_random.h>

int flow_index_init(struct flow_index *ix, const char *name, uint32_t keys, int socket_id)
{
	/* Two slots per key: half full at most (not rounded up to a power of two: the
	 * buckets are chosen by multiplying, and a million flows would waste 28 MB). */
	uint32_t n = RTE_MAX((2 * keys + FLOW_INDEX_WAYS - 1) / FLOW_INDEX_WAYS, 2u);

	memset(ix, 0, sizeof(*ix));
	ix->buckets = rte_zmalloc_socket(name, (size_t)n * sizeof(*ix->buckets),
					 RTE_CACHE_LINE_SIZE, socket_id);
	if (!ix->buckets)
		return -1;
	ix->n_buckets = n;
	ix->seed = (uint32_t)rte_rand();
	return 0;
}

void flow_index_free(struct flow_index *ix)
{
	rte_free(ix->buckets);
	memset(ix, 0, sizeof(*ix));
}

size_t flow_index_bytes(const struct flow_index *ix)
{
	return ix->buckets ? (size_t)ix->n_buckets * sizeof(*ix->buckets) : 0;
}

/* The second bucket of h: a mix of all its bits, so keys sharing a first bucket spread. */
static inline struct flow_index_bucket *second(const struct flow_index *ix, uint32_t h)
{
	uint32_t mixed = (h >> 16 | h << 16) * 0x9e3779b1u;

	return &ix->buckets[(uint32_t)(((uint64_t)mixed * ix->n_buckets) >> 32)];
}

static inline bool side_has_key(const struct flow *flows, uint32_t val,
				const struct flow_key *key)
{
	const struct flow *f = &flows[flow_index_val_flow(val)];

	return flow_key_eq(flow_index_val_dir(val) == FLOW_DIR_BACKEND ? &f->b.key : &f->c.key,
			   key);
}

/* side_has_key for an IPv6 side: its key (digest and ports) and both whole addresses. */
static inline bool side_has_key6(const struct flow *flows, uint32_t val,
				 const struct flow_key *key, const struct flow_index_v6 *v6)
{
	const struct flow *f = &flows[flow_index_val_flow(val)];
	const struct flow_side *side = flow_index_val_dir(val) == FLOW_DIR_BACKEND ? &f->b : &f->c;
	const struct flow_addr6 *a = &v6->addr6[val - 1]; /* index << 1 | dir */

	return side->v6 && flow_key_eq(&side->key, key) && memcmp(a->peer, v6->peer, 16) == 0 &&
	       memcmp(a->local, v6->local, 16) == 0;
}

/* The value in b of key (hash h), or 0. v6: the key's whole addresses, NULL for IPv4
 * (a constant where inlined, so the IPv4 loop carries no test of it). */
static __rte_always_inline uint32_t find_in(const struct flow_index_bucket *b,
					    const struct flow *flows,
					    const struct flow_key *key, uint32_t h,
					    const struct flow_index_v6 *v6)
{
	for (unsigned int i = 0; i < FLOW_INDEX_WAYS; i++)
		if (b->sig[i] == h && b->val[i] != 0 &&
		    (v6 ? side_has_key6(flows, b->val[i], key, v6) :
			  side_has_key(flows, b->val[i], key)))
			return b->val[i];
	return 0;
}

uint32_t flow_index_find(const struct flow_index *ix, const struct flow *flows,
			 const struct flow_key *key, uint32_t h)
{
	uint32_t v = find_in(flow_index_first(ix, h), flows, key, h, NULL);

	return v ? v : find_in(second(ix, h), flows, key, h, NULL);
}

uint32_t flow_index_find6(const struct flow_index *ix, const struct flow *flows,
			  const struct flow_key *key, uint32_t h, const struct flow_index_v6 *v6)
{
	uint32_t v = find_in(flow_index_first(ix, h), flows, key, h, v6);

	return v ? v : find_in(second(ix, h), flows, key, h, v6);
}

void flow_index_find_bulk(const struct flow_index *ix, struct flow *flows,
			  const struct flow_key *keys, unsigned int n, struct flow **found,
			  uint8_t *dirs)
{
	const struct flow_index_bucket *first[FLOW_INDEX_BULK];
	uint32_t h[FLOW_INDEX_BULK];

	/* Every first bucket is requested before the first is read; the second is rarely
	 * needed (a key goes there only when its first is full). */
	for (unsigned int i = 0; i < n; i++) {
		h[i] = flow_index_hash(ix, &keys[i]);
		first[i] = flow_index_first(ix, h[i]);
		rte_prefetch0(first[i]);
	}
	for (unsigned int i = 0; i < n; i++) {
		uint32_t v = find_in(first[i], flows, &keys[i], h[i], NULL);
		struct flow *f;

		if (!v)
			v = find_in(second(ix, h[i]), flows, &keys[i], h[i], NULL);
		if (!v) {
			found[i] = NULL;
			continue;
		}
		/* The flow's first two lines: all that the splice's burst path uses of it
		 * (flow_entry.h). Its set-up state starts the third line, which a spliced
		 * segment leaves alone. */
		f = &flows[flow_index_val_flow(v)];
		RTE_BUILD_BUG_ON(offsetof(struct flow, stream) != 2 * RTE_CACHE_LINE_SIZE);
		RTE_BUILD_BUG_ON(sizeof(struct flow) != 3 * RTE_CACHE_LINE_SIZE);
		rte_prefetch0(f);
		rte_prefetch0((const uint8_t *)f + RTE_CACHE_LINE_SIZE);
		found[i] = f;
		dirs[i] = (uint8_t)flow_index_val_dir(v);
	}
}

static int free_slot(const struct flow_index_bucket *b)
{
	for (int i = 0; i < FLOW_INDEX_WAYS; i++)
		if (b->val[i] == 0)
			return i;
	return -1;
}

/* The other bucket of the entry in slot i of b. */
static inline struct flow_index_bucket *other_bucket(const struct flow_index *ix,
						     const struct flow_index_bucket *b,
						     unsigned int i)
{
	struct flow_index_bucket *first = flow_index_first(ix, b->sig[i]);

	return first == b ? second(ix, b->sig[i]) : first;
}

/* A full bucket b: move one of its entries to that entry's other bucket when it has a
 * free slot (one cuckoo step). The freed slot, or -1 when every other bucket is full. */
static int make_room(const struct flow_index *ix, struct flow_index_bucket *b)
{
	for (unsigned int i = 0; i < FLOW_INDEX_WAYS; i++) {
		struct flow_index_bucket *alt = other_bucket(ix, b, i);
		int slot = alt == b ? -1 : free_slot(alt);

		if (slot >= 0) {
			alt->sig[slot] = b->sig[i];
			alt->val[slot] = b->val[i];
			b->val[i] = 0;
			return (int)i;
		}
	}
	return -1;
}

int flow_index_add(struct flow_index *ix, uint32_t h, uint32_t val)
{
	/* The first bucket while it has room, so most lookups end in one line. */
	struct flow_index_bucket *b = flow_index_first(ix, h);
	int slot = free_slot(b);

	if (slot < 0) {
		b = second(ix, h);
		slot = free_slot(b);
	}
	if (slot < 0) {
		b = flow_index_first(ix, h);
		slot = make_room(ix, b);
	}
	if (slot < 0) {
		b = second(ix, h);
		slot = make_room(ix, b);
	}
	if (slot < 0)
		return -1;
	b->sig[slot] = h;
	b->val[slot] = val;
	ix->used++;
	ix->changes++;
	return 0;
}

static bool del_in(struct flow_index_bucket *b, uint32_t h, uint32_t val)
{
	for (unsigned int i = 0; i < FLOW_INDEX_WAYS; i++) {
		if (b->val[i] == val && b->sig[i] == h) {
			b->val[i] = 0;
			return true;
		}
	}
	return false;
}

bool flow_index_del(struct flow_index *ix, uint32_t h, uint32_t val)
{
	if (!del_in(flow_index_first(ix, h), h, val) && !del_in(second(ix, h), h, val))
		return false;
	ix->used--;
	ix->changes++;
	return true;
}
