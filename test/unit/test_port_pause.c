/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "port_pause": relay_harness.h's appliance with its svc port paused on the worker
 * (dp_port_pause.h), as the control socket's "port svc pause" leaves it. A paused port is
 * not read, nothing reaches its queue (what the relay sends there is dropped as
 * port_paused, what was buffered too), the other port works on; resumed, it is read and
 * written again. */
#include <rte_ethdev.h>

#include "dp_mailbox.h"
#include "dp_port_pause.h"
#include "dp_tx.h"
#include "dp_worker.h"
#include "relay_harness.h"
#include "tcp_frame.h"
#include "unit.h"

#define SVC 1u

static int suite_init(void)
{
	return rh_up("mbufs = 0;", "max_flows = 64; client = { max_flows = 64; };");
}

static int suite_clean(void)
{
	dp_port_pause_on_worker(rh_w, SVC, false);
	return rh_down();
}

/* An ARP request for the svc address, put on the svc ring as if it had arrived there. */
static void arrive_on_svc(void)
{
	const struct rte_ether_addr asker = rh_backend_mac; /* the backend, at its known MAC */
	struct rte_mbuf *m = tcp_frame_arp_request(rh_app.pool, &asker, RH_BACKEND_IP, RH_SVC_IP);

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL_FATAL(rte_eth_tx_burst(rh_app.ports[SVC].port_id, 0, &m, 1), 1);
}

static void test_paused_port_not_read(void)
{
	uint64_t rx0;

	rh_drain(&rh_app.ports[SVC]);
	dp_port_pause_on_worker(rh_w, SVC, true);
	arrive_on_svc();
	rx0 = rh_event(DP_EV_rx_frames);
	dp_worker_poll(rh_w, 32);
	CU_ASSERT_EQUAL(rh_event(DP_EV_rx_frames), rx0);
	CU_ASSERT_EQUAL(rh_drain(&rh_app.ports[SVC]), 1); /* still there, unread */

	dp_port_pause_on_worker(rh_w, SVC, false);
	arrive_on_svc();
	dp_worker_poll(rh_w, 32);
	CU_ASSERT_EQUAL(rh_event(DP_EV_rx_frames), rx0 + 1);
	CU_ASSERT_EQUAL(rh_drain(&rh_app.ports[SVC]), 1); /* the ARP reply */
}

static void test_nothing_sent_to_paused_port(void)
{
	struct rh_peer c = rh_client(false);
	uint64_t dropped = rh_drops(DP_DROP_port_paused);
	struct rh_sent syn;
	struct flow *f;

	rh_drain(&rh_app.ports[SVC]);
	dp_port_pause_on_worker(rh_w, SVC, true);
	/* The client side works on: the hello is taken, its backend SYN goes nowhere. */
	f = rh_client_start(&c, rh_hello_api, rh_hello_api_len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(f->state, FLOW_CONNECTING);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_port_paused), dropped + 1);
	dp_tx_flush(rh_w);
	CU_ASSERT_EQUAL(rh_drain(&rh_app.ports[SVC]), 0);

	dp_port_pause_on_worker(rh_w, SVC, false);
	c = rh_client(false);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rh_client_start(&c, rh_hello_api, rh_hello_api_len));
	syn = rh_next_tcp(&rh_app.ports[SVC]);
	CU_ASSERT_PTR_NOT_NULL_FATAL(syn.m);
	CU_ASSERT_EQUAL(syn.tcp->tcp_flags, RTE_TCP_SYN_FLAG);
	rte_pktmbuf_free(syn.m);
}

/* Frames queued for the port before the pause (by a timer, since the last flush) are
 * dropped with it, not sent by the next flush. */
static void test_buffered_frames_dropped(void)
{
	uint64_t dropped = rh_drops(DP_DROP_port_paused);

	rh_drain(&rh_app.ports[SVC]);
	for (int i = 0; i < 3; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(rh_app.pool);

		CU_ASSERT_PTR_NOT_NULL_FATAL(m);
		CU_ASSERT_PTR_NOT_NULL_FATAL(rte_pktmbuf_append(m, 60));
		dp_tx_port(rh_w, &rh_app.ports[SVC], m);
	}
	dp_port_pause_on_worker(rh_w, SVC, true);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_port_paused), dropped + 3);
	dp_tx_flush(rh_w);
	dp_port_pause_on_worker(rh_w, SVC, false);
	dp_tx_flush(rh_w);
	CU_ASSERT_EQUAL(rh_drain(&rh_app.ports[SVC]), 0);
}

static unsigned int nothing_done;

static void nothing_asked(struct dp_worker *w, void *arg)
{
	(void)w;
	(void)arg;
	nothing_done++;
}

/* A worker that does not answer in time (here: not run while asked), asked to pause and
 * then, its first request still pending, to resume: when it answers it takes the state
 * last asked for. Before, it ran the stale pause after the operator had been told of the
 * resume, and the port stayed paused there. */
static void test_late_answer_takes_last_asked(void)
{
	CU_ASSERT_EQUAL(dp_port_pause(&rh_app, SVC, true, 5), -1);
	CU_ASSERT_EQUAL(dp_port_pause(&rh_app, SVC, false, 5), -1);
	dp_worker_housekeeping(rh_w);
	CU_ASSERT_FALSE(rh_w->tx_port[SVC].paused);
	CU_ASSERT_EQUAL(dp_port_paused_workers(&rh_app, SVC), 0);
	/* A request of another kind that timed out (a report, say) is withdrawn: it never
	 * runs late (a bind said refused would start after all), and a pause asked after it
	 * is still applied at the worker's next housekeeping. Before, it stayed pending,
	 * ran at the next housekeeping, and every request meanwhile was refused at once. */
	CU_ASSERT_EQUAL(dp_mailbox_call(rh_w, nothing_asked, NULL, 5), -1);
	CU_ASSERT_EQUAL(dp_port_pause(&rh_app, SVC, true, 5), -1);
	dp_worker_housekeeping(rh_w);
	CU_ASSERT_TRUE(rh_w->tx_port[SVC].paused);
	CU_ASSERT_EQUAL(nothing_done, 0);
	dp_port_pause_on_worker(rh_w, SVC, false);
}

int test_port_pause_register(void)
{
	static CU_TestInfo tests[] = {
		{ "a paused port is not read", test_paused_port_not_read },
		{ "nothing is sent to a paused port", test_nothing_sent_to_paused_port },
		{ "frames buffered for it are dropped", test_buffered_frames_dropped },
		{ "a late answer takes the state last asked for", test_late_answer_takes_last_asked },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite_with("port_pause", suite_init, suite_clean, tests);
}
