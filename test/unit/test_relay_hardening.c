/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "relay_hardening": what one patient client or a blind spoofer tries against the
 * relay, driven through the appliance of relay_harness.h, and what the relay must do. */
#include <string.h>

#include <rte_random.h>

#include "dp_worker.h"

#include "neigh.h"
#include "relay.h"
#include "relay_harness.h"
#include "turn_bind.h"
#include "unit.h"

static int suite_init(void)
{
	return rh_up("mbufs = 0;", "max_flows = 64;");
}

/* The client's SYN answered: our cookie ISN in c->our_isn. */
static void syn_answered(struct rh_peer *c)
{
	struct rh_sent synack;

	rh_drain(c->port);
	rh_send(c, RTE_TCP_SYN_FLAG, c->isn, 0, NULL, 0);
	synack = rh_next_tcp(c->port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(synack.m);
	c->our_isn = rte_be_to_cpu_32(synack.tcp->sent_seq);
	rte_pktmbuf_free(synack.m);
}

/* Backend ISNs (RFC 6528) owe nothing to rte_rand: with its seed known (32 bits in DPDK
 * 22.11, searchable from a few outputs), the next value is not the ISN. */
static void test_backend_isn_not_from_rte_rand(void)
{
	struct rh_peer c1 = rh_client(false), c2 = rh_client(false);
	struct flow *f1, *f2;
	uint32_t predicted;

	rte_srand(1234567);
	predicted = (uint32_t)rte_rand();
	rte_srand(1234567);
	f1 = rh_client_start(&c1, rh_hello_api, rh_hello_api_len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f1);
	CU_ASSERT_EQUAL_FATAL(f1->state, FLOW_CONNECTING);
	CU_ASSERT_NOT_EQUAL(f1->b.local_isn, predicted);
	CU_ASSERT_EQUAL(f1->b.local_isn, relay_isn(rh_w, f1, FLOW_DIR_BACKEND));
	f2 = rh_client_start(&c2, rh_hello_api, rh_hello_api_len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f2);
	CU_ASSERT_NOT_EQUAL(f1->b.local_isn, f2->b.local_isn);
	/* The clock part: the same connection a second later starts 250,000 further on. */
	rh_w->now_ms += 1000;
	CU_ASSERT_EQUAL(relay_isn(rh_w, f1, FLOW_DIR_BACKEND) - f1->b.local_isn, 250000u);
	relay_abort(rh_w, f1, false, false, DP_DROP_none);
	relay_abort(rh_w, f2, false, false, DP_DROP_none);
	rh_drain(&rh_app.ports[0]);
	rh_drain(&rh_app.ports[1]);
}

/* A handshake whose SYN-ACK went out just before the cookie keys rotated completes; one
 * that waited through two rotations is refused. */
static void test_handshake_across_key_rotation(void)
{
	struct syncookie_keys *keys = &rh_app.secrets->cookies;
	struct rh_peer c = rh_client(false), late = rh_client(false);
	uint64_t invalid = rh_drops(DP_DROP_syncookie_invalid);

	syn_answered(&c);
	CU_ASSERT_EQUAL_FATAL(syncookie_keys_rotate(keys), 0);
	rh_send(&c, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, c.isn + 1, c.our_isn + 1, rh_hello_api,
		rh_hello_api_len);
	CU_ASSERT_PTR_NOT_NULL(rh_client_flow(&c));
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_syncookie_invalid), invalid);

	syn_answered(&late);
	CU_ASSERT_EQUAL_FATAL(syncookie_keys_rotate(keys), 0);
	CU_ASSERT_EQUAL_FATAL(syncookie_keys_rotate(keys), 0);
	rh_send(&late, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, late.isn + 1, late.our_isn + 1,
		rh_hello_api, rh_hello_api_len);
	CU_ASSERT_PTR_NULL(rh_client_flow(&late));
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_syncookie_invalid), invalid + 1);
	if (rh_client_flow(&c))
		relay_abort(rh_w, rh_client_flow(&c), false, false, DP_DROP_none);
	rh_drain(&rh_app.ports[0]);
	rh_drain(&rh_app.ports[1]);
}

/* A TURN server on the svc link (10.1.0.9:3478), its MAC known. */
#define TURN_IP 0x0a010009u

static struct turn_bind_req bind_request(void)
{
	struct turn_bind_req req = { .bind = { .server = rte_cpu_to_be_32(TURN_IP),
					       .server_port = rte_cpu_to_be_16(3478),
					       .source = rte_cpu_to_be_32(RH_SVC_IP), .len = 20 } };
	static const uint8_t head[8] = { 0x00, 0x0b, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42 };

	memcpy(req.bind.msg, head, sizeof(head));
	for (int i = 0; i < 12; i++)
		req.bind.tid[i] = req.bind.msg[8 + i] = (uint8_t)(i * 7);
	return req;
}

static unsigned int binds_in_use(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; rh_w->binds && i < TURN_BIND_SLOTS; i++)
		n += rh_w->binds[i].used;
	return n;
}

/* A TURN server that accepts the data connection and closes it as soon as the bind is
 * sent, again and again: every time the slot comes back (before, 64 of them used every
 * slot of the worker and every later data connection was refused). */
static void test_bind_slots_released(void)
{
	static const struct rte_ether_addr turn_mac = { { 0x02, 0, 0, 0, 0, 0x09 } };
	struct rh_peer srv = { .ip = TURN_IP, .our_ip = RH_SVC_IP, .port = &rh_app.ports[1],
			       .port_num = 3478, .isn = 5000 };

	neigh_learn(rh_w->neigh, TURN_IP, &turn_mac, rh_w->now_ms, true);
	for (unsigned int i = 0; i < TURN_BIND_SLOTS + 8; i++) {
		struct turn_bind_req req = bind_request();
		struct rh_sent syn;

		rh_drain(srv.port);
		turn_bind_start(rh_w, &req);
		CU_ASSERT_EQUAL_FATAL(req.result, 0);
		dp_worker_housekeeping(rh_w);
		syn = rh_next_tcp(srv.port);
		CU_ASSERT_PTR_NOT_NULL_FATAL(syn.m);
		CU_ASSERT_EQUAL(syn.tcp->tcp_flags, RTE_TCP_SYN_FLAG);
		srv.our_port = rte_be_to_cpu_16(syn.tcp->src_port);
		srv.our_isn = rte_be_to_cpu_32(syn.tcp->sent_seq);
		rte_pktmbuf_free(syn.m);
		rh_send(&srv, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, srv.isn, srv.our_isn + 1, NULL, 0);
		CU_ASSERT_EQUAL(binds_in_use(), 1);
		rh_send(&srv, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, srv.isn + 1, srv.our_isn + 21,
			NULL, 0);
		CU_ASSERT_EQUAL(binds_in_use(), 0);
	}
	rh_drain(srv.port);
}

/* A backend that announces MSS 1 gets the kept hello and a client's 1,000 bytes in
 * segments of the floor (536), not in one frame per byte. */
static void test_peer_mss_floor(void)
{
	static const uint8_t mss1[4] = { 2, 4, 0, 1 };
	static uint8_t data[1000];
	struct rh_peer c = rh_client(false), b;
	struct flow *f = rh_client_start(&c, rh_hello_api, rh_hello_api_len);
	unsigned int frames;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_CONNECTING);
	b = rh_backend(f);
	rh_drain(b.port);
	rh_send_opts(&b, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, b.isn, b.our_isn + 1, mss1,
		     sizeof(mss1), NULL, 0);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_SPLICED);
	CU_ASSERT_EQUAL(f->b.peer_mss, 536);
	frames = rh_drain(b.port);
	CU_ASSERT_EQUAL(frames, (rh_hello_api_len + 535) / 536);
	rh_send(&c, RTE_TCP_ACK_FLAG, c.isn + 1 + (uint32_t)rh_hello_api_len, c.our_isn + 1, data,
		sizeof(data));
	CU_ASSERT_EQUAL(rh_drain(b.port), 2);
	relay_abort(rh_w, f, false, false, DP_DROP_none);
	rh_drain(&rh_app.ports[0]);
}

int test_relay_hardening_register(void)
{
	static const CU_TestInfo tests[] = {
		{ "backend ISNs not from rte_rand", test_backend_isn_not_from_rte_rand },
		{ "handshake across a key rotation", test_handshake_across_key_rotation },
		{ "bind slots released by every abort", test_bind_slots_released },
		{ "a peer's MSS raised to the floor", test_peer_mss_floor },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite_with("relay_hardening", suite_init, rh_down, tests);
}
