/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow table's index of its connections, IPv4 and IPv6 alike: a hash of buckets of
 * eight (signature, value) slots, one cache line each, every key in one of two buckets. It
 * stores no keys: a value names a flow and a side (flow index << 1 | dir, plus one), and a
 * candidate is confirmed by comparing the key with that side's own key in the flow (for
 * an IPv6 side also its whole addresses, kept beside the table). Sized at twice the keys
 * it may hold; a key goes to its first bucket while that has room, else to its second,
 * else an entry of either moves to its own other bucket (one cuckoo step). Only when all
 * of that fails is the key refused (as a full table refuses a flow). One lcore's (the
 * flow table's owner); flow.c is its only user.
 */
#ifndef FLOW_INDEX_H
#define FLOW_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_hash_crc.h>
#include <rte_prefetch.h>

#include "flow_entry.h"

#define FLOW_INDEX_WAYS 8

struct flow_index_bucket {
	uint32_t sig[FLOW_INDEX_WAYS]; /* the key's full hash */
	uint32_t val[FLOW_INDEX_WAYS]; /* 0: free */
};

struct flow_index {
	struct flow_index_bucket *buckets;
	uint32_t n_buckets;            /* any number: a hash maps by multiply and shift */
	uint32_t seed;                 /* per table, so bucket pairs cannot be aimed at */
	uint32_t used;
	uint32_t changes;              /* keys put in or taken out (modular): what a lookup
					* found holds while this stays the same */
};

/* An index for up to `keys` keys on a socket. 0, or -1 when out of memory. */
int flow_index_init(struct flow_index *ix, const char *name, uint32_t keys, int socket_id);

/* Release its memory (a zeroed or initialised index). */
void flow_index_free(struct flow_index *ix);

/* Bytes it holds. */
size_t flow_index_bytes(const struct flow_index *ix);

/* The hash of key, which every call below takes with it. */
static inline uint32_t flow_index_hash(const struct flow_index *ix, const struct flow_key *k)
{
	uint64_t ips;
	uint32_t ports;

	/* Both addresses as one word, both ports as another: two CRC steps, not three. */
	memcpy(&ips, &k->peer_ip, 8);
	memcpy(&ports, &k->peer_port, 4);
	return rte_hash_crc_4byte(ports, rte_hash_crc_8byte(ips, ix->seed));
}

/* The first bucket of hash h, where most keys live; the second is derived from all of h. */
static inline struct flow_index_bucket *flow_index_first(const struct flow_index *ix,
							 uint32_t h)
{
	return &ix->buckets[(uint32_t)(((uint64_t)h * ix->n_buckets) >> 32)];
}

/* The value of key (hash h) among flows, or 0 when it is not indexed. */
uint32_t flow_index_find(const struct flow_index *ix, const struct flow *flows,
			 const struct flow_key *key, uint32_t h);

/* What an IPv6 key adds to the flow_key of its side (the address digest and the ports):
 * its whole addresses, and where the table keeps those of every side (two per flow, by
 * index << 1 | dir). */
struct flow_index_v6 {
	const struct flow_addr6 *addr6;
	const uint8_t *peer, *local;
};

/* flow_index_find for an IPv6 side: key is its flow_key form, v6 its whole addresses. */
uint32_t flow_index_find6(const struct flow_index *ix, const struct flow *flows,
			  const struct flow_key *key, uint32_t h, const struct flow_index_v6 *v6);

/* Keys flow_index_find_bulk takes at once (flow_lookup_bulk's, checked in flow.c). */
#define FLOW_INDEX_BULK 32

/* flow_index_find for n <= FLOW_INDEX_BULK keys, their hashes computed here and their
 * buckets loaded ahead: found[i] is the flow among flows that keys[i] names, or NULL, and
 * dirs[i] its side. The flows found are prefetched. */
void flow_index_find_bulk(const struct flow_index *ix, struct flow *flows,
			  const struct flow_key *keys, unsigned int n, struct flow **found,
			  uint8_t *dirs);

/* Index val under hash h (its key must not be indexed yet). 0, or -1 when neither its
 * buckets nor one move can make room. */
int flow_index_add(struct flow_index *ix, uint32_t h, uint32_t val);

/* Remove val from under hash h; false when it was not there. */
bool flow_index_del(struct flow_index *ix, uint32_t h, uint32_t val);

/* The value flow_index_* keep for side dir of the flow at index. */
static inline uint32_t flow_index_val(uint32_t index, enum flow_dir dir)
{
	return (index << 1 | (uint32_t)dir) + 1;
}

/* The flow index and the side a value names (val != 0). */
static inline uint32_t flow_index_val_flow(uint32_t val)
{
	return (val - 1) >> 1;
}

static inline enum flow_dir flow_index_val_dir(uint32_t val)
{
	return (enum flow_dir)((val - 1) & 1);
}

#endif
