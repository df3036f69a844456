/* SPDX-License-Identifier: BSD-3-Clause */
/* Host names read eight bytes at a time, for the scans in sni_name.c and route_hash.c.
 * Words are little-endian whatever the host's order, so byte i of a name is bits
 * 8i..8i+7 of its word: the bit arithmetic on dots and partial words relies on it. */
#ifndef MR_NAME_WORD_H
#define MR_NAME_WORD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The byte b in all eight bytes of a word. */
#define BYTES_OF(b) (0x0101010101010101ull * (uint8_t)(b))
#define HIGH_BITS BYTES_OF(0x80)

/* n bytes at p (n a constant up to 8) as a little-endian number. */
static inline uint64_t load_le(const char *p, size_t n)
{
	uint64_t v = 0;

	memcpy(&v, p, n);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

/* Stores the eight bytes of a little-endian word at p. */
static inline void store_le64(char *p, uint64_t v)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	memcpy(p, &v, 8);
}

/* 0x80 in each byte of word that is a '.', 0 elsewhere (exact: no carries between bytes). */
static inline uint64_t dot_bytes(uint64_t word)
{
	uint64_t x = word ^ BYTES_OF('.');
	uint64_t low7 = BYTES_OF(0x7f);

	return ~(((x & low7) + low7) | x | low7);
}

#endif
