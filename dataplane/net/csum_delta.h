/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Incremental one's-complement checksum updates (RFC 1624, eqn. 3) for headers rewritten
 * in place: every changed field is noted, and the checksum patched once per packet. The
 * sum does not depend on byte order (RFC 1071, 2.B): fields are added as they sit in
 * memory (network order) and the result is stored the same way, so nothing is swapped.
 * csum_fold64 serves any such sum, a header verified as 32-bit words too.
 */
#ifndef CSUM_DELTA_H
#define CSUM_DELTA_H

#include <stdint.h>

struct csum_delta {
	uint64_t sum;
};

/* Note that a 16-bit field changed from old_be to new_be (both as they sit in memory). */
static inline void csum_delta16(struct csum_delta *d, uint16_t old_be, uint16_t new_be)
{
	d->sum += (uint16_t)~old_be;
	d->sum += new_be;
}

/* The same for a 32-bit field at an even offset: it adds like its two halves, 2^16 being
 * 1 in one's-complement arithmetic. */
static inline void csum_delta32(struct csum_delta *d, uint32_t old_be, uint32_t new_be)
{
	d->sum += (uint32_t)~old_be;
	d->sum += new_be;
}

/* A 64-bit sum of 16- or 32-bit words folded to 16 bits, end-around carries included
 * (not complemented). Adding a word to itself rotated by half its width leaves in the top
 * half the sum of both halves plus the carry out of the bottom one: 64 to 32 bits, then
 * 32 to 16, with no compare. A nonzero sum stays nonzero, as one's-complement arithmetic
 * wants (the halves' sum is never 2^n exactly without that carry). */
static inline uint16_t csum_fold64(uint64_t sum)
{
	uint32_t x = (uint32_t)((sum + (sum >> 32 | sum << 32)) >> 32);

	return (uint16_t)((x + (x >> 16 | x << 16)) >> 16);
}

/* The checksum field's new value (as stored) once the noted changes are applied. */
static inline uint16_t csum_delta_apply(const struct csum_delta *d, uint16_t cksum_be)
{
	return (uint16_t)~csum_fold64((uint16_t)~cksum_be + d->sum);
}

#endif
