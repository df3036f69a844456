/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "common": the small helpers every process links: the monotonic clock. */
#include <unistd.h>

#include "mr_clock.h"
#include "unit.h"

/* Never backwards; the two resolutions are the same clock; a sleep is seen whole. */
static void test_clock(void)
{
	uint64_t ms = mr_clock_ms(), us = mr_clock_us(), later;

	CU_ASSERT(ms > 0);
	CU_ASSERT(us / 1000 >= ms && us / 1000 - ms < 1000);
	usleep(20 * 1000);
	later = mr_clock_ms();
	CU_ASSERT(later - ms >= 20 && later - ms < 5000);
	CU_ASSERT(mr_clock_us() - us >= 20 * 1000);
}

int test_common_register(void)
{
	static CU_TestInfo tests[] = {
		{ "monotonic clock: milliseconds and microseconds", test_clock },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite("common", tests);
}
