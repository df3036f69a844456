/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "relay_handshake": what a client's SYN asks for, answered from a cookie, reaches
 * its flow and the backend's SYN, through the appliance of relay_harness.h: window scale
 * and SACK-permitted with timestamps or without (Windows sends none by default), none of
 * them when the SYN has none. */
#include <string.h>

#include "relay.h"
#include "relay_harness.h"
#include "tcp_opts.h"
#include "unit.h"

static int suite_init(void)
{
	return rh_up("mbufs = 0;", "max_flows = 64;");
}

/* The options of a segment the relay sent. */
static struct tcp_opts sent_opts(const struct rh_sent *s)
{
	struct tcp_opts o;

	memset(&o, 0, sizeof(o));
	CU_ASSERT(tcp_opts_parse((const uint8_t *)s->tcp,
				 (unsigned int)(s->payload - (const uint8_t *)s->tcp), &o));
	return o;
}

/* A SYN with these options, the cookie SYN-ACK's read back, then the hello with the ACK
 * (with a timestamp when the SYN-ACK has one): the flow, the SYN-ACK's and the backend
 * SYN's options. */
static struct flow *handshake(struct rh_peer *c, const uint8_t *syn_opts, unsigned int len,
			      struct tcp_opts *synack, struct tcp_opts *backend_syn)
{
	struct rh_sent s;
	struct flow *f;
	uint8_t ts[12];

	*c = rh_client(false);
	rh_drain(c->port);
	rh_send_opts(c, RTE_TCP_SYN_FLAG, c->isn, 0, syn_opts, len, NULL, 0);
	s = rh_next_tcp(c->port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	*synack = sent_opts(&s);
	c->our_isn = rte_be_to_cpu_32(s.tcp->sent_seq);
	rte_pktmbuf_free(s.m);
	rh_send_opts(c, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, c->isn + 1, c->our_isn + 1, ts,
		     synack->has_ts ? tcp_opts_write_ts(ts, 5001, synack->tsval) : 0, rh_hello_api,
		     rh_hello_api_len);
	f = rh_client_flow(c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_CONNECTING);
	s = rh_next_tcp(&rh_app.ports[1]);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	*backend_syn = sent_opts(&s);
	rte_pktmbuf_free(s.m);
	rh_drain(&rh_app.ports[1]);
	return f;
}

/* An old duplicate of a hello's piece (its timestamp older than the one echoed) does not
 * roll the timestamp to echo back (RFC 7323 4.3). Before, the relay's ACKs echoed it, and
 * the splice's timestamp offset was reckoned from it. */
static void test_old_duplicate_keeps_ts_recent(void)
{
	uint8_t o[40], ts[12];
	unsigned int len = tcp_opts_write_syn(o, 1460, 7, true, true, 5000, 0);
	struct rh_peer c = rh_client(false);
	struct tcp_opts synack;
	struct rh_sent s;
	struct flow *f;

	rh_drain(c.port);
	rh_send_opts(&c, RTE_TCP_SYN_FLAG, c.isn, 0, o, len, NULL, 0);
	s = rh_next_tcp(c.port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	synack = sent_opts(&s);
	c.our_isn = rte_be_to_cpu_32(s.tcp->sent_seq);
	rte_pktmbuf_free(s.m);
	CU_ASSERT_TRUE_FATAL(synack.has_ts);
	rh_send_opts(&c, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, c.isn + 1, c.our_isn + 1, ts,
		     tcp_opts_write_ts(ts, 1000, synack.tsval), rh_hello_api, 40);
	f = rh_client_flow(&c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_HELLO);
	CU_ASSERT_EQUAL(f->c.ts_recent, 1000);
	rh_send_opts(&c, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, c.isn + 1, c.our_isn + 1, ts,
		     tcp_opts_write_ts(ts, 900, synack.tsval), rh_hello_api, 40);
	CU_ASSERT_EQUAL(f->c.ts_recent, 1000);
	rh_flow_end(f);
	rh_drain(c.port);
}

/* The relay's ACKs of a hello's first bytes keep the right edge its SYN-ACK offered
 * (65,535 bytes past its ISN): the window rounded up in the scale. Before, 511 << 7 =
 * 65,408 moved it back by up to 127 bytes (RFC 9293 3.8.6). */
static void test_hello_window_edge_kept(void)
{
	uint8_t o[40];
	unsigned int len = tcp_opts_write_syn(o, 1460, 7, true, false, 0, 0);
	struct rh_peer c = rh_client(false);
	struct rh_sent s;
	struct flow *f;
	uint32_t edge;

	rh_drain(c.port);
	rh_send_opts(&c, RTE_TCP_SYN_FLAG, c.isn, 0, o, len, NULL, 0);
	s = rh_next_tcp(c.port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	c.our_isn = rte_be_to_cpu_32(s.tcp->sent_seq);
	edge = c.isn + 1 + rte_be_to_cpu_16(s.tcp->rx_win); /* a SYN-ACK's: unscaled */
	rte_pktmbuf_free(s.m);
	rh_send(&c, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, c.isn + 1, c.our_isn + 1, rh_hello_api, 5);
	f = rh_client_flow(&c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	s = rh_next_tcp(c.port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	CU_ASSERT_EQUAL(rte_be_to_cpu_32(s.tcp->recv_ack), c.isn + 1 + 5);
	CU_ASSERT_TRUE(seq_leq(edge, rte_be_to_cpu_32(s.tcp->recv_ack) +
				     ((uint32_t)rte_be_to_cpu_16(s.tcp->rx_win) << f->c.local_wscale)));
	rte_pktmbuf_free(s.m);
	rh_flow_end(f);
	rh_drain(c.port);
}

/* Windows' SYN: MSS, NOP, window scale 8, NOP, NOP, SACK-permitted; no timestamps. The
 * cookie carries the scale and SACK: the SYN-ACK offers both, the flow reads the client's
 * windows scaled by 8, and the backend is offered both. Before, a client without
 * timestamps got neither, so every window stayed under 64 KB for the whole connection. */
static void test_no_timestamps_keeps_scale_and_sack(void)
{
	static const uint8_t windows[] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 8, 1, 1, 4, 2 };
	struct tcp_opts synack, bsyn;
	struct rh_peer c;
	struct flow *f = handshake(&c, windows, sizeof(windows), &synack, &bsyn);

	CU_ASSERT_EQUAL(synack.wscale, RELAY_WSCALE);
	CU_ASSERT_TRUE(synack.sack_perm);
	CU_ASSERT_FALSE(synack.has_ts);
	CU_ASSERT_EQUAL(f->c.peer_wscale, 8);
	CU_ASSERT_EQUAL(f->c.local_wscale, RELAY_WSCALE);
	CU_ASSERT_EQUAL(f->c.sack, 1);
	CU_ASSERT_EQUAL(f->c.ts, 0);
	CU_ASSERT_EQUAL(f->c.peer_mss, 1460);
	CU_ASSERT_NOT_EQUAL(bsyn.wscale, TCP_WSCALE_NONE);
	CU_ASSERT_TRUE(bsyn.sack_perm);
	rh_flow_end(f);
}

/* Linux's SYN (timestamps too): the same, and timestamps on both sides. */
static void test_timestamps_too(void)
{
	uint8_t o[40];
	unsigned int len = tcp_opts_write_syn(o, 1460, 7, true, true, 5000, 0);
	struct tcp_opts synack, bsyn;
	struct rh_peer c;
	struct flow *f = handshake(&c, o, len, &synack, &bsyn);

	CU_ASSERT_EQUAL(synack.wscale, RELAY_WSCALE);
	CU_ASSERT_TRUE(synack.sack_perm && synack.has_ts);
	CU_ASSERT_EQUAL(f->c.peer_wscale, 7);
	CU_ASSERT(f->c.sack && f->c.ts);
	CU_ASSERT_TRUE(bsyn.sack_perm && bsyn.has_ts && bsyn.wscale != TCP_WSCALE_NONE);
	rh_flow_end(f);
}

/* A SYN with an MSS alone: nothing else offered or assumed. */
static void test_mss_only(void)
{
	static const uint8_t mss_only[] = { 2, 4, 0x04, 0xec }; /* 1260: a cached path of 1300 */
	struct tcp_opts synack, bsyn;
	struct rh_peer c;
	struct flow *f = handshake(&c, mss_only, sizeof(mss_only), &synack, &bsyn);

	CU_ASSERT_EQUAL(synack.wscale, TCP_WSCALE_NONE);
	CU_ASSERT_FALSE(synack.sack_perm || synack.has_ts);
	CU_ASSERT_EQUAL(f->c.peer_wscale, 0);
	CU_ASSERT_EQUAL(f->c.local_wscale, 0);
	CU_ASSERT_EQUAL(f->c.sack, 0);
	CU_ASSERT_EQUAL(f->c.peer_mss, 1220); /* the cookie's table, rounded down: not 536 */
	CU_ASSERT_EQUAL(bsyn.wscale, TCP_WSCALE_NONE);
	CU_ASSERT_FALSE(bsyn.sack_perm);
	rh_flow_end(f);
}

int test_relay_handshake_register(void)
{
	static const CU_TestInfo tests[] = {
		{ "an old duplicate's timestamp not echoed", test_old_duplicate_keeps_ts_recent },
		{ "the hello's ACKs keep the SYN-ACK's right edge", test_hello_window_edge_kept },
		{ "no timestamps: window scale and SACK kept", test_no_timestamps_keeps_scale_and_sack },
		{ "timestamps: all three kept", test_timestamps_too },
		{ "an MSS alone: nothing else offered", test_mss_only },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite_with("relay_handshake", suite_init, rh_down, tests);
}
