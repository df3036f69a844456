/* SPDX-License-Identifier: BSD-3-Clause */
/* String hashing and the open-addressing index behind the route table. Names are hashed
 * from the end backwards, so one pass yields the hash of every suffix. */
#ifndef MR_ROUTE_HASH_H
#define MR_ROUTE_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define ROUTE_HASH_NONE UINT32_MAX
#define ROUTE_HASH_MAX_SUFFIXES 128

/* Hash of name[0..len). */
uint64_t route_hash_name(const char *name, size_t len);

/* Hash of bytes[0..len) that stays the same from release to release, unlike
 * route_hash_name which only has to agree with itself: member seeds use it, so clients
 * keep their backends across upgrades. */
uint64_t route_hash_stable(const void *bytes, size_t len);

/* The suffixes of a name that start after a '.', shortest first (as the backward pass
 * meets them); at most the ROUTE_HASH_MAX_SUFFIXES shortest ones. */
struct route_suffixes {
	unsigned count;
	uint8_t start[ROUTE_HASH_MAX_SUFFIXES]; /* offset of the suffix in the name */
	uint64_t hash[ROUTE_HASH_MAX_SUFFIXES]; /* equals route_hash_name of that suffix */
	uint64_t full_hash;                     /* route_hash_name of the whole name */
	unsigned longest_label;                 /* bytes in the name's longest label */
};

/* Fills out for name[0..len) (len at most 255). */
void route_hash_suffixes(const char *name, size_t len, struct route_suffixes *out);

/* 64-bit mixer with full avalanche, for keys that are already numbers. */
uint64_t route_hash_mix(uint64_t x);

struct route_index_slot {
	uint64_t hash;
	uint32_t key_off; /* into the shared name store */
	uint16_t key_len;
	uint32_t value; /* ROUTE_HASH_NONE marks an empty slot */
};

/* Immutable after building; keys live in a name store owned by the caller. */
struct route_index {
	struct route_index_slot *slots;
	uint32_t mask;
};

/* Allocates room for keys entries at load factor at most 1/2; false on allocation failure. */
bool route_index_init(struct route_index *ix, uint32_t keys);

/* Frees the slots. */
void route_index_free(struct route_index *ix);

/* Inserts key (names[key_off..+key_len)) -> value; returns the value already stored
 * under an equal key, or ROUTE_HASH_NONE when the key was new. */
uint32_t route_index_insert(struct route_index *ix, const char *names, uint32_t key_off,
			    uint16_t key_len, uint64_t hash, uint32_t value);

/* Value stored for key[0..len) with the given hash, or ROUTE_HASH_NONE. Inline: a lookup
 * probes for the name and several of its suffixes, and a call costs about what a probe
 * does. */
static inline uint32_t route_index_find(const struct route_index *ix, const char *names,
					const char *key, size_t len, uint64_t hash)
{
	uint32_t i = (uint32_t)hash & ix->mask;

	for (;; i = (i + 1) & ix->mask) {
		const struct route_index_slot *slot = &ix->slots[i];
		if (slot->value == ROUTE_HASH_NONE)
			return ROUTE_HASH_NONE;
		if (slot->hash == hash && slot->key_len == len &&
		    memcmp(names + slot->key_off, key, len) == 0)
			return slot->value;
	}
}

#endif
