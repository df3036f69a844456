/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_counters.h"

#include <inttypes.h>
#include <string.h>

#include "dp.h"

#define DP_NAME(name) #name,
const char *const dp_event_names[DP_EV_COUNT] = { DP_EVENT_LIST(DP_NAME) };
const char *const dp_drop_names[DP_DROP_COUNT] = { DP_DROP_LIST(DP_NAME) };
#undef DP_NAME

uint64_t dp_workers_sum(const struct dp_appliance *app, size_t offset)
{
	uint64_t sum = 0;

	for (unsigned int w = 0; w < app->n_workers && app->workers[w]; w++)
		sum += dp_counter_read((const uint64_t *)((const char *)app->workers[w] + offset));
	return sum;
}

void dp_counters_sum(const struct dp_appliance *app, struct dp_counters *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned int w = 0; w < app->n_workers && app->workers[w]; w++) {
		const struct dp_counters *c = &app->workers[w]->counters;

		for (int i = 0; i < DP_EV_COUNT; i++)
			sum->events[i] += dp_counter_read(&c->events[i]);
		for (int i = 0; i < DP_DROP_COUNT; i++)
			sum->drops[i] += dp_counter_read(&c->drops[i]);
	}
}

void dp_counters_print(const struct dp_appliance *app, FILE *out)
{
	struct dp_counters sum;

	dp_counters_sum(app, &sum);
	for (int i = 0; i < DP_EV_COUNT; i++)
		if (sum.events[i])
			fprintf(out, "counter %s %" PRIu64 "\n", dp_event_names[i], sum.events[i]);
	for (int i = 1; i < DP_DROP_COUNT; i++)
		if (sum.drops[i])
			fprintf(out, "drop %s %" PRIu64 "\n", dp_drop_names[i], sum.drops[i]);
}
