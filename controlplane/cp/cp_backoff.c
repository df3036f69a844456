/* SPDX-License-Identifier: BSD-3-Clause */
#include "cp_backoff.h"

#include <stdlib.h>

void cp_backoff_reset(struct cp_backoff *b)
{
	b->next_ms = CP_BACKOFF_FIRST_MS;
	b->max_ms = 0;
}

uint32_t cp_backoff_next(struct cp_backoff *b)
{
	uint32_t max = b->max_ms ? b->max_ms : CP_BACKOFF_MAX_MS;
	uint32_t d = b->next_ms ? b->next_ms : CP_BACKOFF_FIRST_MS;

	if (d > max)
		d = max;
	b->next_ms = d >= max / 2 ? max : d * 2;
	return d;
}

uint32_t cp_backoff_spread(uint32_t delay_ms)
{
	uint32_t fifth = delay_ms / 5;

	return fifth ? delay_ms - fifth + arc4random_uniform(2 * fifth + 1) : delay_ms;
}
