/* SPDX-License-Identifier: BSD-3-Clause */
#include <math.h>
#include <stdio.h>

#include <rte_common.h>

#include "gen.h"

/* Log-linear buckets: 16 per power of two, so a percentile is within about 6 %. */
static unsigned bucket_of(uint64_t us)
{
	unsigned e, m;

	if (us < 16)
		return (unsigned)us;
	e = 63u - (unsigned)__builtin_clzll(us);   /* >= 4 */
	m = (unsigned)(us >> (e - 4)) & 15u;
	return (e - 3) * 16 + m;
}

static uint64_t bucket_low(unsigned b)
{
	unsigned e = b / 16, m = b % 16;

	if (e == 0)
		return m;
	return (uint64_t)(16 + m) << (e - 1);
}

void gen_lat_add(struct gen_stats *st, uint64_t us)
{
	unsigned b = bucket_of(us);

	st->lat_hist[RTE_MIN(b, (unsigned)RTE_DIM(st->lat_hist) - 1)]++;
	if (us > st->lat_max_us)
		st->lat_max_us = us;
}

uint64_t gen_lat_pct(const struct gen_stats *st, double p)
{
	uint64_t n = 0, seen = 0, want;

	for (unsigned b = 0; b < RTE_DIM(st->lat_hist); b++)
		n += st->lat_hist[b];
	if (!n)
		return 0;
	want = (uint64_t)ceil(p / 100.0 * (double)n);
	for (unsigned b = 0; b < RTE_DIM(st->lat_hist); b++) {
		seen += st->lat_hist[b];
		if (seen >= want && st->lat_hist[b])
			return bucket_low(b);
	}
	return st->lat_max_us;
}
