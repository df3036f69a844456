/* SPDX-License-Identifier: BSD-3-Clause */
/* Names are hashed eight bytes at a time from the end backwards: every suffix is then a
 * run of whole words from the end plus at most one partial word, so one pass over the
 * name yields the hash of each suffix that starts after a dot. A word costs one xor, one
 * multiply by an odd constant and an xorshift (a short dependency chain); a final
 * avalanche makes the low bits used for slot selection depend on every byte. */
#include "route_hash.h"

#include <stdlib.h>
#include <string.h>

#include "name_word.h"

#define HASH_SEED 0x6200a8855cd5999dull
#define HASH_WORD_MUL 0xcf2e369d75cda837ull
#define MIX_MUL_A 0xe087f3f359a79389ull
#define MIX_MUL_B 0xd81c6e3037463c9bull

static inline uint64_t mix(uint64_t x)
{
	x ^= x >> 32;
	x *= MIX_MUL_A;
	x ^= x >> 29;
	x *= MIX_MUL_B;
	x ^= x >> 32;
	return x;
}

uint64_t route_hash_mix(uint64_t x)
{
	return mix(x);
}

/* Both steps are bijective, so two words that differ never leave the same state. */
static inline uint64_t hash_word(uint64_t state, uint64_t word)
{
	state = (state ^ word) * HASH_WORD_MUL;
	return state ^ state >> 32;
}

static inline uint64_t hash_finish(uint64_t state, size_t len)
{
	return mix(state ^ (uint64_t)len << 56);
}

uint64_t route_hash_stable(const void *bytes, size_t len)
{
	const uint8_t *b = bytes;
	uint64_t state = HASH_SEED;

	for (size_t i = len; i > 0; i--)
		state = (state ^ b[i - 1]) * HASH_WORD_MUL;
	return hash_finish(state, len);
}

/* The first n (0..7) bytes of a name as a little-endian number, read as two overlapping
 * loads so that nothing outside p[0..n) is touched. */
static inline uint64_t load_head(const char *p, size_t n)
{
	if (n >= 4)
		return load_le(p, 4) | load_le(p + n - 4, 4) << 8 * (n - 4);
	if (n >= 2)
		return load_le(p, 2) | load_le(p + n - 2, 2) << 8 * (n - 2);
	return n ? (uint8_t)p[0] : 0;
}

uint64_t route_hash_name(const char *name, size_t len)
{
	uint64_t state = HASH_SEED;
	size_t end = len;

	for (; end >= 8; end -= 8)
		state = hash_word(state, load_le(name + end - 8, 8));
	if (end > 0)
		state = hash_word(state, load_head(name, end));
	return hash_finish(state, len);
}

/* The backward pass so far, kept apart from *out so that it can live in registers. */
struct suffix_scan {
	uint64_t state;   /* hash of the bytes after the current word */
	size_t label_end; /* where the label right of the next dot ends */
	size_t longest;   /* longest label so far */
	unsigned count;   /* suffixes recorded */
};

/* Records the suffixes that start after a dot inside one word of the name: width bytes
 * at name[at..) read as word. Dots are taken from the highest byte down, so suffixes
 * come out shortest first. */
static inline void note_suffixes(struct route_suffixes *out, struct suffix_scan *scan,
				 size_t len, size_t at, size_t width, uint64_t word)
{
	for (uint64_t dots = dot_bytes(word); dots != 0;) {
		unsigned bit = 63u - (unsigned)__builtin_clzll(dots);
		size_t byte = bit / 8, start = at + byte + 1;
		dots ^= 1ull << bit;
		if (scan->label_end - start > scan->longest)
			scan->longest = scan->label_end - start;
		scan->label_end = start - 1;
		if (start == len || scan->count == ROUTE_HASH_MAX_SUFFIXES)
			continue;
		/* The bytes above the dot are the suffix's partial word, as route_hash_name
		 * would read them at the suffix's start. */
		uint64_t s = scan->state;
		if (byte + 1 < width)
			s = hash_word(s, word >> 8 * (byte + 1));
		out->start[scan->count] = (uint8_t)start;
		out->hash[scan->count++] = hash_finish(s, len - start);
	}
}

void route_hash_suffixes(const char *name, size_t len, struct route_suffixes *out)
{
	struct suffix_scan scan = { .state = HASH_SEED, .label_end = len };

	for (size_t end = len, width; end > 0; end -= width) {
		width = end >= 8 ? 8 : end;
		uint64_t word = width == 8 ? load_le(name + end - 8, 8) : load_head(name, end);
		note_suffixes(out, &scan, len, end - width, width, word);
		scan.state = hash_word(scan.state, word);
	}
	out->count = scan.count;
	out->longest_label = (unsigned)(scan.label_end > scan.longest ? scan.label_end
								       : scan.longest);
	out->full_hash = hash_finish(scan.state, len);
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
