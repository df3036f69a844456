/* SPDX-License-Identifier: BSD-3-Clause */
/* The relay's timers, once per poll loop: member health, the kept SYN-ACKs due (synack.h),
 * and the flows whose time came (the flow table's wheel): each retransmission by the
 * module of its state, each expiry by relay_flow_expire or the check's module. */
#include "relay.h"
#include "dns_tcp.h"
#include "health_check.h"
#include "relay_tcp.h"
#include "synack.h"
#include "turn_bind.h"

static void rtx_fire(void *ctx, struct flow *f)
{
	struct dp_worker *w = ctx;

	if (f->state == FLOW_BIND_SYN || f->state == FLOW_BIND_WAIT)
		return turn_bind_rtx(w, f);
	if (f->state == FLOW_CHECK || f->state == FLOW_CHECK_TLS)
		return health_check_rtx(w, f);
	if (f->state == FLOW_ANSWERED)
		return dns_tcp_resend(w, f);
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
	synack_run(w);
	flow_timers_run(w->flows, relay_now(w), rtx_fire, expire_fire, w);
}
