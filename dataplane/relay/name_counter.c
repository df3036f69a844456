/* SPDX-License-Identifier: BSD-3-Clause */
#include "name_counter.h"

#include <stdio.h>
#include <string.h>

#include <rte_malloc.h>

#include "dp_counters.h"

int ncount_init(struct ncount_table *t, uint32_t max, size_t first)
{
	memset(t, 0, sizeof(*t));
	t->max = max;
	t->first = first;
	t->names = rte_zmalloc("ncount_names", sizeof(*t->names) * max, 0);
	t->base = rte_zmalloc("ncount_base", sizeof(*t->base) * max, 0);
	t->marked = rte_zmalloc("ncount_marked", max, 0);
	return t->names && t->base && t->marked ? 0 : -1;
}

void ncount_free(struct ncount_table *t)
{
	rte_free(t->names);
	rte_free(t->base);
	rte_free(t->marked);
	memset(t, 0, sizeof(*t));
}

static uint64_t workers_sum(const struct ncount_table *t, uint32_t i,
			    const struct dp_appliance *app)
{
	return app ? dp_workers_sum(app, t->first + i * sizeof(uint64_t)) : 0;
}

uint32_t ncount_bind(struct ncount_table *t, const char *name, const struct dp_appliance *app)
{
	uint32_t i, free_i = UINT32_MAX;

	for (i = 0; i < t->n; i++) {
		if (strcmp(t->names[i], name) == 0)
			break;
		if (free_i == UINT32_MAX && t->names[i][0] == '\0')
			free_i = i;
	}
	if (i == t->n) { /* new: a freed index first, then one never used */
		if (free_i == UINT32_MAX && t->n == t->max - 1)
			return t->max - 1;
		i = free_i != UINT32_MAX ? free_i : t->n++;
		snprintf(t->names[i], MR_NAME_MAX, "%s", name);
		t->base[i] = workers_sum(t, i, app);
	}
	t->marked[i] = 1;
	return i;
}

void ncount_sweep(struct ncount_table *t)
{
	for (uint32_t i = 0; i < t->n; i++) {
		if (!t->marked[i])
			t->names[i][0] = '\0';
		t->marked[i] = 0;
	}
}

uint64_t ncount_read(const struct ncount_table *t, uint32_t i, const struct dp_appliance *app)
{
	return workers_sum(t, i, app) - t->base[i];
}
