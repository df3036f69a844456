/* SPDX-License-Identifier: BSD-3-Clause */
#include "mr_clock.h"

#include <time.h>

static struct timespec mr_clock_now(void)
{
	struct timespec ts;

	/* Cannot fail on Linux for a valid clock id and a valid pointer. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts;
}

uint64_t mr_clock_ms(void)
{
	struct timespec ts = mr_clock_now();

	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t mr_clock_us(void)
{
	struct timespec ts = mr_clock_now();

	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}
