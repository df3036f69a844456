/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Big-endian (network order) loads and stores of 16 and 32 bits, a byte at a time: wire
 * formats are read and written where they lie, at any alignment, on any host, with no
 * cast of a byte pointer to a wider type.
 */
#ifndef MR_BYTES_H
#define MR_BYTES_H

#include <stdint.h>

/* The 16-bit big-endian value at p. */
static inline uint16_t mr_load_be16(const void *p)
{
	const uint8_t *b = p;

	return (uint16_t)(b[0] << 8 | b[1]);
}

/* The 32-bit big-endian value at p. */
static inline uint32_t mr_load_be32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* Write v big-endian at p (2 bytes). */
static inline void mr_store_be16(void *p, uint16_t v)
{
	uint8_t *b = p;

	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

/* Write v big-endian at p (4 bytes). */
static inline void mr_store_be32(void *p, uint32_t v)
{
	uint8_t *b = p;

	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

#endif
