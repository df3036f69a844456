/* Multiply-xorshift hashing: per byte one xor and one multiply by an odd constant, then a
 * final avalanche so that the low bits used for slot selection depend on every byte. */
#include "route_hash.h"

#include <stdlib.h>
#include <string.h>

#define HASH_SEED 0x6200a8855cd5999dull
#define HASH_BYTE_MUL 0xcf2e369d75cda837ull
#define MIX_MUL_A 0xe087f3f359a79389ull
#define MIX_MUL_B 0xd81c6e3037463c9bull

uint64_t route_hash_mix(uint64_t x)
{
	x ^= x >> 32;
	x *= MIX_MUL_A;
	x ^= x >> 29;
	x *= MIX_MUL_B;
	x ^= x >> 32;
	return x;
}

static inline uint64_t hash_byte(uint64_t state, uint8_t byte)
{
	return (state ^ byte) * HASH_BYTE_MUL;
}

static inline uint64_t hash_finish(uint64_t state, size_t len)
{
	return route_hash_mix(state ^ (uint64_t)len << 56);
}

uint64_t route_hash_name(const char *name, size_t len)
{
	uint64_t state = HASH_SEED;

	for (size_t i = len; i > 0; i--)
		state = hash_byte(state, (uint8_t)name[i - 1]);
	return hash_finish(state, len);
}

void route_hash_suffixes(const char *name, size_t len, struct route_suffixes *out)
{
	uint64_t state = HASH_SEED;
	unsigned found = 0;
	uint8_t start[ROUTE_HASH_MAX_SUFFIXES];
	uint64_t hash[ROUTE_HASH_MAX_SUFFIXES];

	/* The backward pass meets the shortest suffix first; the caller wants the longest
	 * first, so collect and then reverse. */
	for (size_t i = len; i > 0; i--) {
		if (name[i - 1] == '.' && i < len && found < ROUTE_HASH_MAX_SUFFIXES) {
			start[found] = (uint8_t)i;
			hash[found++] = hash_finish(state, len - i);
		}
		state = hash_byte(state, (uint8_t)name[i - 1]);
	}
	out->full_hash = hash_finish(state, len);
	out->count = found;
	for (unsigned k = 0; k < found; k++) {
		out->start[k] = start[found - 1 - k];
		out->hash[k] = hash[found - 1 - k];
	}
}

bool route_index_init(struct route_index *ix, uint32_t keys)
{
	uint32_t size = 8;

	while (size < 2ull * keys)
		size *= 2;
	ix->slots = malloc(sizeof(*ix->slots) * size);
	if (ix->slots == NULL)
		return false;
	for (uint32_t i = 0; i < size; i++)
		ix->slots[i].value = ROUTE_HASH_NONE;
	ix->mask = size - 1;
	return true;
}

void route_index_free(struct route_index *ix)
{
	free(ix->slots);
	ix->slots = NULL;
	ix->mask = 0;
}

uint32_t route_index_insert(struct route_index *ix, const char *names, uint32_t key_off,
			    uint16_t key_len, uint64_t hash, uint32_t value)
{
	uint32_t i = (uint32_t)hash & ix->mask;

	for (;; i = (i + 1) & ix->mask) {
		struct route_index_slot *slot = &ix->slots[i];
		if (slot->value == ROUTE_HASH_NONE) {
			slot->hash = hash;
			slot->key_off = key_off;
			slot->key_len = key_len;
			slot->value = value;
			return ROUTE_HASH_NONE;
		}
		if (slot->hash == hash && slot->key_len == key_len &&
		    memcmp(names + slot->key_off, names + key_off, key_len) == 0)
			return slot->value;
	}
}

uint32_t route_index_find(const struct route_index *ix, const char *names, const char *key,
			  size_t len, uint64_t hash)
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
