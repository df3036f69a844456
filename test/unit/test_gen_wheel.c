/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "gen_wheel": the traffic generator's timer wheel fires each deadline within the
 * tick after it, not a turn of the wheel late. */
#include <string.h>

#include "gen_wheel.h"
#include "unit.h"

/* What the owner of the entries knows: each one's deadline (0: disarmed), when it fired. */
struct owner {
	struct gen_wheel w;
	uint64_t now;
	uint64_t deadline[4];
	uint64_t fired_at[4];
};

static void due(void *arg, uint32_t idx)
{
	struct owner *o = arg;

	if (!o->deadline[idx])
		return;
	if (o->deadline[idx] > o->now)
		gen_wheel_insert(&o->w, idx, o->deadline[idx]);
	else if (!o->fired_at[idx])
		o->fired_at[idx] = o->now;
}

/* The clock steps 10 us (ticks of 1 ms, as the generator's at a 1 MHz clock): a deadline
 * of 100 ms fires by 102 ms. Before, the slot was visited as its tick began, found the
 * deadline ahead and put it back into itself: it fired at about 356 ms. A deadline moved
 * later fires then; a disarmed one never. */
static void test_fires_within_a_tick(void)
{
	struct owner o;

	memset(&o, 0, sizeof(o));
	CU_ASSERT_EQUAL_FATAL(gen_wheel_init(&o.w, 4, 1000), 0);
	o.now = 5;
	o.deadline[0] = 100500; /* inside its tick, as most are */
	o.deadline[1] = 50000;
	o.deadline[2] = 20000;
	for (uint32_t i = 0; i < 3; i++)
		gen_wheel_insert(&o.w, i, o.deadline[i]);
	o.deadline[1] = 150500; /* re-armed later: noticed when its slot comes round */
	o.deadline[2] = 0;      /* disarmed */
	for (; o.now < 600000; o.now += 10)
		gen_wheel_expire(&o.w, o.now, due, &o);
	CU_ASSERT(o.fired_at[0] >= 100500 && o.fired_at[0] < 102000);
	CU_ASSERT(o.fired_at[1] >= 150500 && o.fired_at[1] < 152000);
	CU_ASSERT_EQUAL(o.fired_at[2], 0);
	gen_wheel_free(&o.w);
}

/* A clock that jumps past a whole turn visits every slot once; a deadline already past
 * when inserted fires at the next visit, not a turn later. */
static void test_clock_jumps(void)
{
	struct owner o;

	memset(&o, 0, sizeof(o));
	CU_ASSERT_EQUAL_FATAL(gen_wheel_init(&o.w, 4, 1000), 0);
	o.deadline[0] = 3000;
	gen_wheel_insert(&o.w, 0, o.deadline[0]);
	o.now = 10 * 1000 * 1000;
	gen_wheel_expire(&o.w, o.now, due, &o);
	CU_ASSERT_EQUAL(o.fired_at[0], o.now);
	o.deadline[1] = 5000; /* long past */
	gen_wheel_insert(&o.w, 1, o.deadline[1]);
	o.now += 1000;
	gen_wheel_expire(&o.w, o.now, due, &o);
	CU_ASSERT_EQUAL(o.fired_at[1], o.now);
	gen_wheel_free(&o.w);
}

int test_gen_wheel_register(void)
{
	static const CU_TestInfo tests[] = {
		{ "a deadline fires within the tick after it", test_fires_within_a_tick },
		{ "a clock jumping past a turn, a deadline already past", test_clock_jumps },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite("gen_wheel", tests);
}
