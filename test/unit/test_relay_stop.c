/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "relay_stop": the data plane stops with more connections open than a port's queue
 * holds, through the appliance of relay_harness.h (the edge port's queue: a ring of 1,023
 * frames, read by a second thread that starts late, as a slow link drains). Every client
 * must get its reset: the stop waits for room rather than drop the rest as tx_full. */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "flow.h"
#include "relay.h"
#include "relay_harness.h"
#include "unit.h"

#define OPEN_FLOWS 1500u

static int suite_init(void)
{
	return rh_up("mbufs = 16383;",
		     "max_flows = 4096; client = { max_flows = 4096; max_hellos = 4096; };");
}

struct late_reader {
	uint16_t port_id;
	atomic_uint frames;
};

/* Reads the port's queue from 200 ms on, until OPEN_FLOWS frames came or 5 s passed. */
static void *late_reader(void *arg)
{
	struct late_reader *r = arg;
	uint64_t give_up = rte_rdtsc() + 5 * rte_get_tsc_hz();

	nanosleep(&(struct timespec){ .tv_nsec = 200 * 1000 * 1000 }, NULL);
	while (atomic_load(&r->frames) < OPEN_FLOWS && rte_rdtsc() < give_up) {
		struct rte_mbuf *pkts[32];
		uint16_t n = rte_eth_rx_burst(r->port_id, 0, pkts, RTE_DIM(pkts));

		rte_pktmbuf_free_bulk(pkts, n);
		atomic_fetch_add(&r->frames, n);
	}
	return NULL;
}

static void test_every_client_reset(void)
{
	uint64_t tx_full = rh_drops(DP_DROP_tx_full), stopped = rh_drops(DP_DROP_stopped);
	struct late_reader r = { .port_id = rh_app.ports[0].port_id };
	pthread_t th;

	for (unsigned int i = 0; i < OPEN_FLOWS; i++) {
		struct rh_peer c = rh_client(false);

		CU_ASSERT_PTR_NOT_NULL_FATAL(rh_client_start(&c, rh_hello_api, 10));
	}
	rh_drain(&rh_app.ports[0]);
	CU_ASSERT_EQUAL(flow_count(rh_w->flows), OPEN_FLOWS);
	CU_ASSERT_FATAL(pthread_create(&th, NULL, late_reader, &r) == 0);
	relay_reset_all(rh_w);
	pthread_join(th, NULL);
	CU_ASSERT_EQUAL(atomic_load(&r.frames), OPEN_FLOWS);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_tx_full), tx_full);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_stopped), stopped + OPEN_FLOWS);
	CU_ASSERT_EQUAL(flow_count(rh_w->flows), 0);
}

int test_relay_stop_register(void)
{
	static const CU_TestInfo tests[] = {
		{ "more open flows than the queue holds: every client reset",
		  test_every_client_reset },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite_with("relay_stop", suite_init, rh_down, tests);
}
