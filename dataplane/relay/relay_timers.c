/* SPDX-License-Identifier: BSD-3-Clause */
/* The relay's timers, once per poll loop: member health, each flow's retransmission by
 * the module of its state, and the flows whose time ran out (the closing queue and a
 * sweep over the whole table once a second). */
#include "relay.h"
#include "health_check.h"
#include "relay_tcp.h"
#include "turn_bind.h"

static void rtx_fire(void *ctx, struct flow *f)
{
	struct dp_worker *w = ctx;

	if (f->state == FLOW_BIND_SYN || f->state == FLOW_BIND_WAIT)
		return turn_bind_rtx(w, f);
	if (f->state == FLOW_CHECK || f->state == FLOW_CHECK_TLS)
		return health_check_timeout(w, f);
	if (relay_connect_rtx(w, f))
		relay_hello_classify(w, f); /* redispatched: routed after the member that failed */
}

/* A check's time runs out in its module, which reports the result; any other flow's in
 * relay_flow_expire. */
static void expire_fire(void *ctx, struct flow *f)
{
	struct dp_worker *w = ctx;

	if (f->state == FLOW_CHECK || f->state == FLOW_CHECK_TLS)
		return health_check_timeout(w, f);
	relay_flow_expire(w, f);
}

void relay_timers(struct dp_worker *w)
{
	health_check_run(w);
	/* Timers count whole milliseconds: the list is walked once per tick, not per loop. */
	if (w->now_ms != w->rtx_ms) {
		w->rtx_ms = w->now_ms;
		flow_rtx_run(w->flows, relay_now(w), rtx_fire, w);
	}
	flow_closing_run(w->flows, relay_now(w), expire_fire, w);
	if (w->now_ms >= w->next_sweep_ms) {
		/* The whole table once a second, in slices sized by the time since the last one,
		 * so a worker held up for a while still reaches every expired flow. */
		uint64_t elapsed = w->now_ms - (w->next_sweep_ms - 10);
		uint64_t budget = (uint64_t)flow_capacity(w->flows) * elapsed / 1000 + 1;

		flow_sweep(w->flows, relay_now(w), (uint32_t)RTE_MIN(budget, flow_capacity(w->flows)),
			   expire_fire, w);
		w->next_sweep_ms = w->now_ms + 10;
	}
}
