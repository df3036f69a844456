/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "relay_synack": a plain TCP service's SYN-ACK sent again when the client's
 * handshake ACK does not come (synack.h), through the appliance of relay_harness.h with
 * ssh.svc.example on 240.240.0.5:22 (pool p: 10.1.0.2:443). Such a client, its ACK lost,
 * would otherwise wait for a server that never hears of it. */
#include <rte_tcp.h>

#include "dp_tx.h"
#include "dp_worker.h"
#include "relay.h"
#include "relay_harness.h"
#include "relay_tcp.h"
#include "synack.h"
#include "unit.h"

#define VIP_SSH 0xf0f00005u

static int suite_init(void)
{
	return rh_up_extra("mbufs = 0;", "max_flows = 256;", "",
			   ", { name = \"ssh.svc.example\"; protocol = \"tcp\"; port = 22;"
			   " pool = \"p\"; vip = \"240.240.0.5\"; }",
			   "dns = { port = \"edge\"; zones = [ \"svc.example\" ]; "
			   "outside = \"refuse\"; vip_range = \"240.240.0.0/16\"; };");
}

/* A client of the edge port for VIP:22, its SYN sent: our ISN from the SYN-ACK. */
static struct rh_peer syn_to_vip(void)
{
	struct rh_peer c = rh_client(false);
	struct rh_sent synack;

	c.our_ip = VIP_SSH;
	c.our_port = 22;
	rh_drain(c.port);
	rh_send(&c, RTE_TCP_SYN_FLAG, c.isn, 0, NULL, 0);
	synack = rh_next_tcp(c.port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(synack.m);
	CU_ASSERT_EQUAL(synack.tcp->tcp_flags, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	c.our_isn = rte_be_to_cpu_32(synack.tcp->sent_seq);
	rte_pktmbuf_free(synack.m);
	return c;
}

/* Let ms pass and run the worker's housekeeping: how many SYN-ACKs c got, each checked to
 * be the first one again (our ISN, the client's ISN + 1 acknowledged, valid checksums). */
static unsigned int after(uint32_t ms, const struct rh_peer *c)
{
	unsigned int n = 0;
	struct rh_sent s;

	rh_w->now_ms += ms;
	dp_worker_housekeeping(rh_w);
	dp_tx_flush(rh_w); /* what the timers sent goes out at the next pass's start */
	while ((s = rh_next_tcp(c->port)).m) {
		rh_check_to(&s, c);
		CU_ASSERT_EQUAL(s.tcp->tcp_flags, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
		CU_ASSERT_EQUAL(rte_be_to_cpu_32(s.tcp->sent_seq), c->our_isn);
		CU_ASSERT_EQUAL(rte_be_to_cpu_32(s.tcp->recv_ack), c->isn + 1);
		rte_pktmbuf_free(s.m);
		n++;
	}
	return n;
}

/* The handshake's ACK lost: the SYN-ACK again after 1 s (not before), the client's ACK to
 * it makes the flow and opens the backend; nothing is resent after that. */
static void test_lost_ack_resent(void)
{
	uint64_t resent = rh_event(DP_EV_synack_resent);
	struct rh_peer c = syn_to_vip();
	struct flow *f;

	CU_ASSERT_EQUAL(synack_kept_count(rh_w), 1);
	CU_ASSERT_EQUAL(after(SYNACK_FIRST_RTO_MS - 1, &c), 0);
	CU_ASSERT_EQUAL(after(1, &c), 1);
	CU_ASSERT_EQUAL(rh_event(DP_EV_synack_resent), resent + 1);
	rh_send(&c, RTE_TCP_ACK_FLAG, c.isn + 1, c.our_isn + 1, NULL, 0);
	f = rh_client_flow(&c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(f->state, FLOW_CONNECTING);
	CU_ASSERT_EQUAL(after(2 * SYNACK_FIRST_RTO_MS, &c), 0);
	CU_ASSERT_EQUAL(rh_event(DP_EV_synack_resent), resent + 1);
	CU_ASSERT_EQUAL(synack_kept_count(rh_w), 0);
	relay_abort(rh_w, f, false, false, DP_DROP_none);
	rh_drain(&rh_app.ports[0]);
	rh_drain(&rh_app.ports[1]);
}

/* c's handshake ACK, in time: the flow it made. */
static struct flow *ack_in_time(const struct rh_peer *c)
{
	struct flow *f;

	rh_send(c, RTE_TCP_ACK_FLAG, c->isn + 1, c->our_isn + 1, NULL, 0);
	f = rh_client_flow(c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	return f;
}

/* At the first deadline c gets no SYN-ACK again, and nothing stays kept. */
static void not_resent(const struct rh_peer *c)
{
	uint64_t resent = rh_event(DP_EV_synack_resent);

	dp_tx_flush(rh_w);
	rh_drain(c->port); /* what the flow sent the client till now */
	CU_ASSERT_EQUAL(after(SYNACK_FIRST_RTO_MS, c), 0);
	CU_ASSERT_EQUAL(rh_event(DP_EV_synack_resent), resent);
	CU_ASSERT_EQUAL(synack_kept_count(rh_w), 0);
}

/* The ACK arrives in time: the kept SYN-ACK is forgotten at its deadline, never sent. */
static void test_acked_not_resent(void)
{
	struct rh_peer c = syn_to_vip();
	struct flow *f = ack_in_time(&c);

	not_resent(&c);
	relay_abort(rh_w, f, false, false, DP_DROP_none);
	rh_drain(&rh_app.ports[0]);
	rh_drain(&rh_app.ports[1]);
}

/* The ACK made the flow, which is gone by the deadline (the backend refused, say): its
 * client, reset, does not get the SYN-ACK again; the ACK its kernel would answer with
 * could make a new flow of a connection the relay ended. */
static void test_flow_gone_not_resent(void)
{
	struct rh_peer c = syn_to_vip();

	relay_abort(rh_w, ack_in_time(&c), true, false, DP_DROP_none);
	CU_ASSERT_PTR_NULL(rh_client_flow(&c));
	not_resent(&c);
	rh_drain(&rh_app.ports[1]);
}

/* No answer at all (a spoofed SYN): sent again at 1, 3 and 7 s, then forgotten. */
static void test_three_resends_then_forgotten(void)
{
	struct rh_peer c = syn_to_vip();

	CU_ASSERT_EQUAL(after(1000, &c), 1);
	CU_ASSERT_EQUAL(after(1999, &c), 0);
	CU_ASSERT_EQUAL(after(1, &c), 1);
	CU_ASSERT_EQUAL(after(3999, &c), 0);
	CU_ASSERT_EQUAL(after(1, &c), 1);
	CU_ASSERT_EQUAL(synack_kept_count(rh_w), 0);
	CU_ASSERT_EQUAL(after(60000, &c), 0);
}

/* A TLS listener's handshake is not kept: its client speaks first. */
static void test_tls_not_kept(void)
{
	struct rh_peer c = rh_client(false);

	rh_drain(c.port);
	CU_ASSERT_TRUE_FATAL(rh_client_syn(&c));
	CU_ASSERT_EQUAL(synack_kept_count(rh_w), 0);
	CU_ASSERT_EQUAL(after(10000, &c), 0);
}

/* A flood: past the list's room SYNs are answered by cookie alone and counted; a long
 * stall's resends go out a budget per pass. */
static void test_full_list(void)
{
	uint64_t unkept = rh_event(DP_EV_synack_unkept), resent = rh_event(DP_EV_synack_resent);
	struct rh_peer c;

	for (unsigned int i = 0; i < SYNACK_KEPT_FIRST; i++)
		c = syn_to_vip();
	CU_ASSERT_EQUAL(synack_kept_count(rh_w), SYNACK_KEPT_FIRST);
	CU_ASSERT_EQUAL(rh_event(DP_EV_synack_unkept), unkept);
	c = syn_to_vip(); /* answered all the same */
	CU_ASSERT_EQUAL(rh_event(DP_EV_synack_unkept), unkept + 1);
	rh_w->now_ms += SYNACK_FIRST_RTO_MS;
	dp_worker_housekeeping(rh_w);
	CU_ASSERT_EQUAL(rh_event(DP_EV_synack_resent), resent + SYNACK_RUN_BUDGET);
	dp_worker_housekeeping(rh_w);
	CU_ASSERT_EQUAL(rh_event(DP_EV_synack_resent), resent + 2 * SYNACK_RUN_BUDGET);
	synack_free(rh_w);
	rh_drain(c.port);
}

int test_relay_synack_register(void)
{
	static const CU_TestInfo tests[] = {
		{ "a lost handshake ACK: SYN-ACK again after 1 s", test_lost_ack_resent },
		{ "an ACK in time: nothing resent", test_acked_not_resent },
		{ "its flow gone by the deadline: nothing resent", test_flow_gone_not_resent },
		{ "no ACK at all: three resends, then forgotten", test_three_resends_then_forgotten },
		{ "a TLS handshake is not kept", test_tls_not_kept },
		{ "a full list: cookie alone, counted; resends in budgets", test_full_list },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite_with("relay_synack", suite_init, rh_down, tests);
}
