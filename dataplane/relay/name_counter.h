/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counters kept by name across reloads: each pool's (or listener's) connection counter
 * index in the workers' counters follows its name, whatever the order of the pushed
 * configuration. An index whose name no configuration in force has any more is given to
 * the next new name, which counts from what the workers' counter held then (its base), so
 * a long run of reloads that rename things never runs out of indexes. Indexes are bound and
 * swept by the control thread; readers of a live configuration read the bases.
 */
#ifndef NAME_COUNTER_H
#define NAME_COUNTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp.h"

struct ncount_table {
	uint32_t max;                 /* indexes 0 .. max - 1; the last is shared (ncount_bind) */
	uint32_t n;                   /* indexes handed out so far, free ones included */
	size_t first;                 /* offset in struct dp_worker of index 0's counter */
	char (*names)[MR_NAME_MAX];   /* "" when free */
	uint64_t *base;               /* the workers' counter summed when the name took it */
	uint8_t *marked;              /* bound since the last sweep */
};

/* An empty table of max indexes whose counters are uint64_t from offset `first` of every
 * struct dp_worker. 0, or -1 when out of memory. */
int ncount_init(struct ncount_table *t, uint32_t max, size_t first);

/* Free its arrays (a table never set up is fine). */
void ncount_free(struct ncount_table *t);

/* The index of name, taken when new (from app's workers' counters as they stand; app may
 * be NULL before any worker counts); the last index, shared, when all others are taken.
 * Marks it bound. */
uint32_t ncount_bind(struct ncount_table *t, const char *name, const struct dp_appliance *app);

/* Free the indexes that no ncount_bind marked since the last sweep, and clear the marks.
 * Only once no configuration that used them is read any more. */
void ncount_sweep(struct ncount_table *t);

/* Whether index i is the one shared by the names past the others. */
static inline bool ncount_shared(const struct ncount_table *t, uint32_t i)
{
	return i == t->max - 1;
}

/* What the workers counted at index i since its name took it. */
uint64_t ncount_read(const struct ncount_table *t, uint32_t i, const struct dp_appliance *app);

#endif
