/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "flow_wheel": the flow table's timers (flow_timers_run and the wheel under it),
 * and the hello queue whose links share the entry with the retransmission's fields. */
#include <string.h>

#include <rte_random.h>

#include "dp.h"
#include "flow.h"
#include "flow_table.h"
#include "unit.h"

/* What a run's callbacks saw: how many calls each way, and at which run time. */
static struct {
	struct flow_table *ft;
	uint32_t now_ms;
	unsigned int rtx, expired;
	bool keep;               /* expire_fn leaves the flow alone instead of ending it */
} seen;

static void on_rtx(void *ctx, struct flow *f)
{
	seen.rtx++;
	flow_rtx_disarm(ctx, f);
}

static void on_expire(void *ctx, struct flow *f)
{
	seen.expired++;
	if (!seen.keep)
		flow_release(ctx, f);
}

static void run(struct flow_table *ft, uint32_t now_ms)
{
	seen.now_ms = now_ms;
	flow_timers_run(ft, now_ms, on_rtx, on_expire, ft);
}

/* A run every millisecond from `from` to before `to`. */
static void run_span(struct flow_table *ft, uint32_t from, uint32_t to)
{
	for (uint32_t now = from; now != to; now++)
		run(ft, now);
}

static struct flow_table *table(const char *name, uint32_t n)
{
	struct flow_table *ft = flow_table_create(name, n, 0);

	memset(&seen, 0, sizeof(seen));
	seen.ft = ft;
	return ft;
}

/* A table of 8 holding one flow *f, made at 0 and expiring at expire_ms. */
static struct flow_table *table_of_one(const char *name, uint32_t expire_ms, struct flow **f)
{
	struct flow_table *ft = table(name, 8);

	CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
	*f = flow_alloc(ft, 0);
	flow_expire_set(ft, *f, expire_ms);
	return ft;
}

/* Each flow expires at its own millisecond, not one before, whether its time is this
 * revolution's or several ahead. */
static void test_each_at_its_time(void)
{
	static const uint32_t at[] = { 1, 2, 2, 3, 999, 65535, 65536, 65537, 70000, 200000 };
	struct flow_table *ft = table("ut_wheel1", 16);
	struct flow *f[RTE_DIM(at)];
	unsigned int ended = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
	for (unsigned int i = 0; i < RTE_DIM(at); i++) {
		f[i] = flow_alloc(ft, 0);
		flow_expire_set(ft, f[i], at[i]);
	}
	for (uint32_t now = 0; now <= 200000; now++) {
		run(ft, now);
		for (unsigned int i = 0; i < RTE_DIM(at); i++)
			if (at[i] == now)
				ended++;
		if (seen.expired != ended) {
			CU_FAIL("a flow ended away from its millisecond");
			break;
		}
	}
	CU_ASSERT_EQUAL(seen.expired, RTE_DIM(at));
	CU_ASSERT_EQUAL(flow_count(ft), 0);
	flow_table_free(ft);
}

/* Flows put on the wheel before its first run, the first of them with the latest
 * deadline and one already past, each end at their own time: before a run no slot has
 * passed, and the first run, late as it may be, looks at them all. */
static void test_before_the_first_run(void)
{
	static const uint32_t at[] = { 5000, 40, 700, 1000 };
	struct flow_table *ft = table("ut_wheel10", 8);
	struct flow *f[RTE_DIM(at)];

	CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
	for (unsigned int i = 0; i < RTE_DIM(at); i++)
		f[i] = flow_alloc(ft, at[i]);
	run(ft, 100); /* the first run: 40 is past */
	CU_ASSERT_EQUAL(seen.expired, 1);
	CU_ASSERT_EQUAL(f[1]->state, FLOW_FREE);
	run_span(ft, 101, 700);
	CU_ASSERT_EQUAL(seen.expired, 1);
	run(ft, 700);
	CU_ASSERT_EQUAL(f[2]->state, FLOW_FREE);
	run_span(ft, 701, 1000);
	CU_ASSERT_EQUAL(seen.expired, 2);
	run(ft, 1000);
	CU_ASSERT_EQUAL(f[3]->state, FLOW_FREE);
	run_span(ft, 1001, 5000);
	CU_ASSERT_EQUAL(seen.expired, 3);
	run(ft, 5000);
	CU_ASSERT_EQUAL(seen.expired, 4);
	flow_table_free(ft);
}

/* A deadline written later in place (as the burst path does) holds: the flow goes on from
 * its old slot. One set earlier moves the flow up. */
static void test_deadline_moves(void)
{
	struct flow_table *ft = table("ut_wheel2", 8);
	struct flow *later, *earlier;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
	later = flow_alloc(ft, 0);
	earlier = flow_alloc(ft, 0);
	flow_expire_set(ft, later, 100);
	flow_expire_set(ft, earlier, 5000);
	run(ft, 1); /* both wait in their slots now, not in the first one */
	later->expire_ms = 300;
	flow_expire_set(ft, earlier, 200);
	run_span(ft, 2, 200);
	CU_ASSERT_EQUAL(seen.expired, 0);
	run(ft, 200);
	CU_ASSERT_EQUAL(seen.expired, 1);
	CU_ASSERT_EQUAL(earlier->state, FLOW_FREE);
	run_span(ft, 201, 300);
	CU_ASSERT_EQUAL(seen.expired, 1);
	run(ft, 300);
	CU_ASSERT_EQUAL(later->state, FLOW_FREE);
	flow_table_free(ft);
}

/* A retransmission earlier than the expiry comes first; re-armed later it waits; disarmed,
 * the expiry still comes. */
static void test_rtx_before_expiry(void)
{
	struct flow *f;
	struct flow_table *ft = table_of_one("ut_wheel3", 1000, &f);

	run(ft, 1); /* it waits in the slot of 1000 */
	flow_rtx_arm(ft, f, 50);
	flow_rtx_arm(ft, f, 80); /* re-armed before it came */
	run(ft, 79);
	CU_ASSERT_EQUAL(seen.rtx, 0);
	run(ft, 80);
	CU_ASSERT_EQUAL(seen.rtx, 1); /* on_rtx disarms it */
	flow_rtx_arm(ft, f, 2000); /* after the expiry: the expiry comes first */
	run(ft, 999);
	CU_ASSERT_EQUAL(seen.expired, 0);
	seen.keep = true;
	run(ft, 1000);
	CU_ASSERT_EQUAL(seen.expired, 1);
	CU_ASSERT_EQUAL(seen.rtx, 1);
	/* Kept past its expiry by a callback that did nothing: seen once a run, not in a loop
	 * within one. */
	run(ft, 1000);
	CU_ASSERT_EQUAL(seen.expired, 1);
	run(ft, 1001);
	CU_ASSERT_EQUAL(seen.expired, 2);
	flow_expire_set(ft, f, 3000);
	flow_rtx_disarm(ft, f);
	seen.keep = false;
	run_span(ft, 1002, 3000 + 1);
	CU_ASSERT_EQUAL(seen.rtx, 1);
	CU_ASSERT_EQUAL(seen.expired, 3);
	CU_ASSERT_EQUAL(f->state, FLOW_FREE);
	flow_table_free(ft);
}

/* A retransmission handler that leaves its retransmission due (a module that forgot to
 * re-arm) is called once a run, and does not keep the flow from its expiry. */
static void on_rtx_keep(void *ctx, struct flow *f)
{
	(void)ctx;
	(void)f;
	seen.rtx++;
}

static void test_rtx_left_due_still_expires(void)
{
	struct flow *f;
	struct flow_table *ft = table_of_one("ut_wheel9", 60, &f);

	flow_rtx_arm(ft, f, 50);
	for (uint32_t now = 1; now < 60; now++)
		flow_timers_run(ft, now, on_rtx_keep, on_expire, ft);
	CU_ASSERT_EQUAL(seen.rtx, 10); /* 50 to 59, once a run */
	CU_ASSERT_EQUAL(seen.expired, 0);
	flow_timers_run(ft, 60, on_rtx_keep, on_expire, ft);
	CU_ASSERT_EQUAL(seen.rtx, 11);
	CU_ASSERT_EQUAL(seen.expired, 1);
	CU_ASSERT_EQUAL(f->state, FLOW_FREE);
	flow_table_free(ft);
}

/* After the worker was held up longer than a revolution, one run ends every flow due and
 * only those, each once; across the clock's wrap too. */
static void test_long_stall(void)
{
	struct flow_table *ft = table("ut_wheel4", 64);
	const uint32_t start = UINT32_MAX - 1000, stall = start + 150000;
	struct flow *f[50], *edge, *next;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
	for (unsigned int i = 0; i < 50; i++) {
		f[i] = flow_alloc(ft, start);
		flow_expire_set(ft, f[i], start + 1 + 5000 * i); /* to 245 s ahead */
	}
	/* The slot a revolution's run starts with, which also holds the next millisecond:
	 * one flow due there, one not. */
	edge = flow_alloc(ft, start);
	flow_expire_set(ft, edge, stall - (FLOW_WHEEL_SLOTS - 1));
	next = flow_alloc(ft, start);
	flow_expire_set(ft, next, stall + 1);
	run(ft, start);
	CU_ASSERT_EQUAL(seen.expired, 0);
	run(ft, stall); /* flows 0 to 29 and edge due, past the wrap */
	CU_ASSERT_EQUAL(seen.expired, 31);
	CU_ASSERT_EQUAL(f[29]->state, FLOW_FREE);
	CU_ASSERT_EQUAL(edge->state, FLOW_FREE);
	CU_ASSERT_EQUAL(f[30]->state, FLOW_HELLO);
	CU_ASSERT_EQUAL(next->state, FLOW_HELLO);
	run(ft, stall + 1);
	CU_ASSERT_EQUAL(seen.expired, 33); /* next and f[30] */
	CU_ASSERT_EQUAL(next->state, FLOW_FREE);
	CU_ASSERT_EQUAL(f[30]->state, FLOW_FREE);
	run(ft, stall + 5000 * 19 + 1);
	CU_ASSERT_EQUAL(seen.expired, 52);
	CU_ASSERT_EQUAL(flow_count(ft), 0);
	flow_table_free(ft);
}

/* A machine suspended for 30 days, longer than 2^31 ms: the worker's clock catches up in
 * steps (dp_clock_step), and the first run after the wake ends every flow that was due,
 * the one a day ahead (the longest timeout) too; none waits for the 32-bit clock to come
 * round again. */
static void test_suspend_caught_up_in_steps(void)
{
	struct flow_table *ft = table("ut_wheel_susp", 8);
	const uint64_t woke = 5000 + 30ull * 86400000;
	uint64_t clock = 5000;
	unsigned int steps = 0;
	struct flow *f;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
	CU_ASSERT_EQUAL(dp_clock_step(100, 110), 110);
	CU_ASSERT_EQUAL(dp_clock_step(100, 90), 90); /* never past a clock read: as it is */
	f = flow_alloc(ft, 6000);
	flow_alloc(ft, 5000 + 86400000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	run(ft, (uint32_t)clock);
	CU_ASSERT_EQUAL(seen.expired, 0);
	while (clock != woke && steps++ < 10) {
		clock = dp_clock_step(clock, woke);
		run(ft, (uint32_t)clock);
		CU_ASSERT_EQUAL(seen.expired, 2);
	}
	CU_ASSERT_EQUAL(clock, woke);
	CU_ASSERT(steps > 1);
	CU_ASSERT_EQUAL(flow_count(ft), 0);
	flow_table_free(ft);
}

/* A callback may end a flow other than its own, one the same run has not reached yet, and
 * an entry freed and taken again is not ended for the flow it held before. */
static void end_partner(void *ctx, struct flow *f)
{
	struct flow_table *ft = ctx;
	struct flow *partner = flow_at(ft, f->index ^ 1);

	seen.expired++;
	flow_release(ft, f);
	if (partner)
		flow_release(ft, partner);
}

static void test_callback_ends_others(void)
{
	struct flow_table *ft = table("ut_wheel5", 8);
	struct flow *f[4], *again;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
	for (unsigned int i = 0; i < 4; i++) {
		f[i] = flow_alloc(ft, 0);
		flow_expire_set(ft, f[i], 10); /* one slot */
	}
	flow_timers_run(ft, 10, on_rtx, end_partner, ft);
	CU_ASSERT_EQUAL(seen.expired, 2);
	CU_ASSERT_EQUAL(flow_count(ft), 0);
	again = flow_alloc(ft, 10);
	flow_expire_set(ft, again, 20);
	f[0] = flow_alloc(ft, 10);
	flow_expire_set(ft, f[0], 15);
	flow_release(ft, f[0]);
	f[0] = flow_alloc(ft, 12); /* the entry just freed, a new flow */
	flow_expire_set(ft, f[0], 30);
	run_span(ft, 11, 20);
	CU_ASSERT_EQUAL(seen.expired, 2);
	run(ft, 20);
	CU_ASSERT_EQUAL(seen.expired, 3);
	CU_ASSERT_EQUAL(again->state, FLOW_FREE);
	CU_ASSERT_EQUAL(f[0]->state, FLOW_HELLO);
	run_span(ft, 21, 30);
	CU_ASSERT_EQUAL(seen.expired, 3);
	run_span(ft, 30, 40);
	CU_ASSERT_EQUAL(seen.expired, 4); /* once, at 30 */
	CU_ASSERT_EQUAL(flow_count(ft), 0);
	flow_table_free(ft);
}

/* A callback that starts a new flow due at once, and moves up a flow of its own slot that
 * this run has not reached (its deadline had moved on in place): both come later in the
 * same run, which catches up to a time past theirs. */
static struct flow *moved, *started;

static void start_and_move(void *ctx, struct flow *f)
{
	struct flow_table *ft = ctx;

	seen.expired++;
	if (f != moved && !started) {
		started = flow_alloc(ft, seen.now_ms);
		flow_expire_set(ft, moved, seen.now_ms + 2);
	}
	flow_release(ft, f);
}

static void test_callback_starts_and_moves(void)
{
	struct flow_table *ft = table("ut_wheel8", 8);
	struct flow *due;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
	due = flow_alloc(ft, 0);
	moved = flow_alloc(ft, 0);
	flow_expire_set(ft, moved, 10);
	flow_expire_set(ft, due, 10);
	run(ft, 1); /* both go on to the slot of 10, due ahead of moved */
	moved->expire_ms = 500; /* later in place: still in the slot of 10 */
	started = NULL;
	seen.now_ms = 10;
	flow_timers_run(ft, 15, on_rtx, start_and_move, ft); /* a run catching up 2 to 15 */
	CU_ASSERT_EQUAL(due->state, FLOW_FREE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(started);
	CU_ASSERT_EQUAL(moved->state, FLOW_FREE); /* at 12 */
	CU_ASSERT_EQUAL(started->state, FLOW_FREE); /* due at 10, looked at from 11 on */
	CU_ASSERT_EQUAL(seen.expired, 3);
	CU_ASSERT_EQUAL(flow_count(ft), 0);
	flow_table_free(ft);
}

/* Many flows, their expiry moved later in place or set anew, retransmissions armed and
 * disarmed, all at random; the clock steps 1 to 40 ms at a time, now and then more than a
 * revolution, and wraps: every retransmission and expiry comes in the first run at or
 * after its time, none earlier, none lost, and each slot's busy bit says whether it holds
 * a flow. */
enum { MODEL_FLOWS = 4000 };

static struct {
	uint32_t expire[MODEL_FLOWS];
	uint32_t rtx[MODEL_FLOWS];
	bool armed[MODEL_FLOWS];
	bool ended[MODEL_FLOWS];
	uint32_t run, now_ms;
	unsigned int early, rtx_fired;
} model;

static void model_rtx(void *ctx, struct flow *f)
{
	uint32_t i = f->index;

	if (!model.armed[i] || flow_time_before(model.now_ms, model.rtx[i]))
		model.early++;
	model.armed[i] = false;
	model.rtx_fired++;
	flow_rtx_disarm(ctx, f);
}

static void model_expire(void *ctx, struct flow *f)
{
	if (flow_time_before(model.now_ms, model.expire[f->index]))
		model.early++;
	model.ended[f->index] = true;
	flow_release(ctx, f);
}

/* One random change to f: its expiry later in place or set anew, or a retransmission
 * armed or disarmed. */
static void model_move(struct flow_table *ft, struct flow *f)
{
	uint32_t i = f->index, to = model.now_ms + 1 + (uint32_t)(rte_rand() % 100000);

	switch (rte_rand() % 4) {
	case 0:
		if (flow_time_before(model.expire[i], to)) {
			f->expire_ms = to;
			model.expire[i] = to;
		}
		break;
	case 1:
		flow_expire_set(ft, f, to);
		model.expire[i] = to;
		break;
	case 2:
		to = model.now_ms + 1 + (uint32_t)(rte_rand() % 3000);
		flow_rtx_arm(ft, f, to);
		model.rtx[i] = to;
		model.armed[i] = true;
		break;
	default:
		flow_rtx_disarm(ft, f);
		model.armed[i] = false;
	}
}

/* Slots whose busy bit disagrees with whether they hold a flow. */
static unsigned int busy_wrong(const struct flow_table *ft)
{
	const struct flow_wheel *wh = &ft->wheel;
	unsigned int wrong = 0;

	for (uint32_t s = 0; s < FLOW_WHEEL_SLOTS; s++)
		wrong += (bool)(wh->busy[s >> 6] >> (s & 63) & 1) != (wh->slot[s] != FLOW_LINK_NONE);
	return wrong;
}

static void test_random_against_model(void)
{
	struct flow_table *ft = table("ut_wheel6", MODEL_FLOWS);
	unsigned int late = 0, wrong = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
	memset(&model, 0, sizeof(model));
	model.now_ms = UINT32_MAX - 200000; /* the clock wraps on the way */
	rte_srand(20261205);
	for (unsigned int i = 0; i < MODEL_FLOWS; i++) {
		struct flow *f = flow_alloc(ft, model.now_ms);

		CU_ASSERT_EQUAL_FATAL(f->index, i);
		model.expire[i] = model.now_ms + 1 + (uint32_t)(rte_rand() % 150000);
		flow_expire_set(ft, f, model.expire[i]);
	}
	/* Moves for the first 3,000 runs, then every flow runs out within 100 s more of
	 * clock: 10,000 runs are plenty. */
	while (flow_count(ft) > 0 && model.run < 10000) {
		for (unsigned int k = 0; k < 8 && model.run < 3000; k++) {
			struct flow *f = flow_at(ft, (uint32_t)(rte_rand() % MODEL_FLOWS));

			if (f)
				model_move(ft, f);
		}
		model.run++;
		flow_timers_run(ft, model.now_ms, model_rtx, model_expire, ft);
		for (unsigned int i = 0; i < MODEL_FLOWS; i++) {
			if (model.ended[i])
				continue;
			/* Due and not seen by this run: late. */
			late += !flow_time_before(model.now_ms, model.expire[i]);
			late += model.armed[i] && !flow_time_before(model.now_ms, model.rtx[i]);
		}
		if (model.run % 50 == 0)
			wrong += busy_wrong(ft);
		model.now_ms += model.run % 700 == 0 ? 70000 : 1 + (uint32_t)(rte_rand() % 40);
	}
	CU_ASSERT_EQUAL(model.early, 0);
	CU_ASSERT_EQUAL(late, 0);
	CU_ASSERT_EQUAL(wrong, 0);
	CU_ASSERT(model.rtx_fired > 1000);
	CU_ASSERT_EQUAL(flow_count(ft), 0);
	CU_ASSERT_EQUAL(busy_wrong(ft), 0);
	flow_table_free(ft);
}

/* The hello queue's links stand where rtx_ms and b_una are: arming a flow takes it off
 * the queue, order kept, and the fields read as their own again. */
static void test_hello_queue_shares_fields(void)
{
	struct flow_table *ft = table("ut_wheel7", 8);
	struct flow *f[3];

	CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
	for (unsigned int i = 0; i < 3; i++) {
		f[i] = flow_alloc(ft, 0);
		f[i]->stream = (struct rte_mbuf *)(uintptr_t)1; /* keeps bytes: never read */
		flow_expire_set(ft, f[i], 100);
		flow_hello_queue(ft, f[i]);
	}
	CU_ASSERT_PTR_EQUAL(flow_hello_oldest(ft), f[0]);
	flow_rtx_arm(ft, f[0], 40);
	CU_ASSERT_EQUAL(f[0]->rtx_ms, 40);
	CU_ASSERT_EQUAL(f[0]->b_una, 0);
	CU_ASSERT_PTR_EQUAL(flow_hello_oldest(ft), f[1]);
	f[1]->state = FLOW_CONNECTING; /* no longer a hello: passed over, off the queue */
	CU_ASSERT_PTR_EQUAL(flow_hello_oldest(ft), f[2]);
	CU_ASSERT_EQUAL(f[1]->b_una, 0);
	run(ft, 40);
	CU_ASSERT_EQUAL(seen.rtx, 1); /* its retransmission, not a queue link, was read */
	for (unsigned int i = 0; i < 3; i++)
		f[i]->stream = NULL;
	run(ft, 100);
	CU_ASSERT_EQUAL(seen.expired, 3);
	CU_ASSERT_PTR_NULL(flow_hello_oldest(ft));
	flow_table_free(ft);
}

/* flow_closing_soonest: in the order the runs come to them, across the wheel's wrap; only
 * closed flows, and only slots marked as holding one walked (so other flows ahead cost
 * nothing); no further than it may look; flows a run passed are not found. */
static void test_closing_soonest(void)
{
	static const uint32_t at[] = { 65530, 65600, 65540, 70000, 65550 };
	struct flow_table *ft = table("ut_wheel_find", 16);
	struct flow *f[RTE_DIM(at)], *other;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
	run(ft, 65500);
	CU_ASSERT_PTR_NULL(flow_closing_soonest(ft, 100));
	for (unsigned int i = 0; i < RTE_DIM(at); i++)
		f[i] = flow_alloc(ft, at[i]);
	CU_ASSERT_PTR_NULL(flow_closing_soonest(ft, 100)); /* none closed */
	flow_set_closing(ft, f[3], at[3]);
	flow_set_closing(ft, f[4], at[4]);
	CU_ASSERT_PTR_EQUAL(flow_closing_soonest(ft, 100), f[4]);
	CU_ASSERT_PTR_EQUAL(flow_closing_soonest(ft, 1), f[4]); /* f[0], f[2] not walked */
	other = flow_alloc(ft, at[4]); /* in f[4]'s slot, ahead of it, not closed */
	CU_ASSERT_PTR_NULL(flow_closing_soonest(ft, 1));
	CU_ASSERT_PTR_EQUAL(flow_closing_soonest(ft, 2), f[4]);
	flow_release(ft, f[4]);
	CU_ASSERT_PTR_EQUAL(flow_closing_soonest(ft, 100), f[3]); /* past the wrap */
	flow_set_closing(ft, f[0], 65535); /* closed later than it was due: moves on */
	CU_ASSERT_PTR_EQUAL(flow_closing_soonest(ft, 100), f[0]);
	run(ft, 65545); /* f[0] and f[2] end */
	CU_ASSERT_EQUAL(seen.expired, 2);
	CU_ASSERT_PTR_EQUAL(flow_closing_soonest(ft, 100), f[3]);
	flow_release(ft, other);
	flow_table_free(ft);
}

int test_flow_wheel_register(void)
{
	static const CU_TestInfo tests[] = {
		{ "each flow at its millisecond, this revolution or later", test_each_at_its_time },
		{ "flows put on before the first run end at their own times",
		  test_before_the_first_run },
		{ "a deadline moved later in place holds, one set earlier moves up",
		  test_deadline_moves },
		{ "a retransmission before the expiry, re-armed and disarmed", test_rtx_before_expiry },
		{ "a retransmission left due does not keep a flow from its expiry",
		  test_rtx_left_due_still_expires },
		{ "a stall longer than a revolution, across the clock's wrap", test_long_stall },
		{ "a suspend of 30 days: the clock catches up in steps, all due end at once",
		  test_suspend_caught_up_in_steps },
		{ "a callback ends flows of its own slot; a reused entry keeps its time",
		  test_callback_ends_others },
		{ "a callback starts a flow and moves up one of its own slot",
		  test_callback_starts_and_moves },
		{ "random moves against a model: each at its first run, none lost",
		  test_random_against_model },
		{ "the soonest a pick accepts, across the wrap, within its looks",
		  test_closing_soonest },
		{ "the hello queue's links in the place of rtx_ms and b_una",
		  test_hello_queue_shares_fields },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite("flow_wheel", tests);
}
