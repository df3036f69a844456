/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "relay_table_full": a new connection on a full flow table, through the appliance
 * of relay_harness.h with the smallest table (64): it takes the entry of the closed flow
 * due soonest (the relay's TIME-WAIT given up), and is refused only when no entry is a
 * closed flow's. */
#include <rte_tcp.h>

#include "flow.h"
#include "mr_config.h"
#include "relay_harness.h"
#include "relay_tcp.h"
#include "unit.h"

#define CAPACITY_MAX 1024

static struct flow *held[CAPACITY_MAX];
static unsigned int n_held;

static int suite_init(void)
{
	return rh_up("mbufs = 0;", "max_flows = 64;");
}

/* Every free entry taken, in state, each due at its own time (the last taken soonest). */
static void fill(uint8_t state)
{
	struct flow *f;

	n_held = 0;
	while (n_held < CAPACITY_MAX && (f = flow_alloc(rh_w->flows, rh_w->now_ms + 60000))) {
		if (state == FLOW_CLOSING) {
			flow_set_closing(rh_w->flows, f, (uint32_t)rh_w->now_ms + 5000 - n_held);
		} else {
			f->state = state;
			flow_expire_set(rh_w->flows, f, (uint32_t)rh_w->now_ms + 5000 - n_held);
		}
		held[n_held++] = f;
	}
	CU_ASSERT_EQUAL(flow_count(rh_w->flows), flow_capacity(rh_w->flows));
}

/* The entries fill took, those still held, given back. */
static void empty(void)
{
	for (unsigned int i = 0; i < n_held; i++)
		if (held[i]->state != FLOW_FREE)
			flow_release(rh_w->flows, held[i]);
	n_held = 0;
}

/* Closed flows fill the table: a new connection takes the entry of the one due soonest
 * (the last taken here), counted, nothing refused. */
static void test_closed_entry_taken(void)
{
	struct rh_peer c = rh_client(false);
	uint64_t full = rh_drops(DP_DROP_flow_table_full), taken = rh_event(DP_EV_flow_reclaimed);
	struct flow *soonest, *f;

	fill(FLOW_CLOSING);
	CU_ASSERT_FATAL(n_held > 1);
	soonest = held[n_held - 1];
	f = rh_client_start(&c, rh_hello_api, rh_hello_api_len);
	CU_ASSERT_PTR_EQUAL(f, soonest);
	CU_ASSERT_EQUAL(rh_event(DP_EV_flow_reclaimed), taken + 1);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_flow_table_full), full);
	CU_ASSERT_EQUAL(flow_count(rh_w->flows), flow_capacity(rh_w->flows));
	n_held--; /* the connection's now */
	if (f)
		rh_flow_end(f);
	empty();
	rh_drain(&rh_app.ports[0]);
	rh_drain(&rh_app.ports[1]);
}

/* Open flows fill it: the new connection is refused with a reset, as before. */
static void test_open_flows_not_taken(void)
{
	struct rh_peer c = rh_client(false);
	uint64_t full = rh_drops(DP_DROP_flow_table_full), taken = rh_event(DP_EV_flow_reclaimed);
	struct rh_sent s;

	fill(FLOW_CONNECTING);
	rh_drain(c.port);
	CU_ASSERT_PTR_NULL(rh_client_start(&c, rh_hello_api, rh_hello_api_len));
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_flow_table_full), full + 1);
	CU_ASSERT_EQUAL(rh_event(DP_EV_flow_reclaimed), taken);
	s = rh_next_tcp(c.port); /* the SYN-ACK, then the reset that refuses it */
	while (s.m && !(s.tcp->tcp_flags & RTE_TCP_RST_FLAG)) {
		rte_pktmbuf_free(s.m);
		s = rh_next_tcp(c.port);
	}
	CU_ASSERT_PTR_NOT_NULL(s.m);
	rte_pktmbuf_free(s.m);
	empty();
}

/* A client over its limits on a full table is refused by its limit, and ends no closed
 * flow for nothing; another client then takes the soonest one's entry. */
static void test_over_limit_takes_nothing(void)
{
	struct mr_relay_conf *rc = (struct mr_relay_conf *)&rh_app.conf->relay;
	const struct mr_relay_conf saved = *rc;
	struct rh_peer first = rh_client(false), again = rh_client(false), other = rh_client(true);
	uint64_t hellos = rh_drops(DP_DROP_client_hello_limit);
	uint64_t taken = rh_event(DP_EV_flow_reclaimed);
	struct flow *f, *g;

	rc->client_max_hellos = 1;
	f = rh_client_start(&first, rh_hello_api, 40); /* a hello under way */
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fill(FLOW_CLOSING);
	CU_ASSERT_PTR_NULL(rh_client_start(&again, rh_hello_api, 40));
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_client_hello_limit), hellos + 1);
	CU_ASSERT_EQUAL(rh_event(DP_EV_flow_reclaimed), taken);
	CU_ASSERT_EQUAL(held[n_held - 1]->state, FLOW_CLOSING);
	g = rh_client_start(&other, rh_hello_web, 40);
	CU_ASSERT_PTR_EQUAL(g, held[n_held - 1]);
	CU_ASSERT_EQUAL(rh_event(DP_EV_flow_reclaimed), taken + 1);
	n_held--;
	rh_flow_end(f);
	if (g)
		rh_flow_end(g);
	empty();
	*rc = saved;
	rh_drain(&rh_app.ports[0]);
	rh_drain(&rh_app.ports[1]);
}

int test_relay_full_register(void)
{
	static const CU_TestInfo tests[] = {
		{ "a full table: the closed flow due soonest gives its entry", test_closed_entry_taken },
		{ "a full table of open flows: refused", test_open_flows_not_taken },
		{ "a full table: a client over its limits ends no closed flow",
		  test_over_limit_takes_nothing },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite_with("relay_table_full", suite_init, rh_down, tests);
}
