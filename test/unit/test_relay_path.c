/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "relay_path": whole segments through one appliance (relay_harness.h), every
 * frame the relay sends read back and checked: the relay on links that duplicate and
 * reorder (what must not end a healthy connection), and IPv6 clients and backends, in
 * either family on either side. */
#include <string.h>

#include <rte_arp.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "dp_worker.h"
#include "nd.h"
#include "neigh.h"
#include "relay.h"
#include "relay_harness.h"
#include "relay_tcp.h"
#include "tcp_frame.h"
#include "unit.h"

static struct dp_worker *w;

static int suite_init(void)
{
	if (rh_up("mbufs = 0;", "max_flows = 64;") < 0)
		return -1;
	w = rh_w;
	return 0;
}

/* The client's SYN again, as a retransmission that crossed our SYN-ACK would come. */
static void test_repeated_syn_while_collecting(void)
{
	struct rh_peer c = rh_client(false);
	struct flow *f = rh_client_start(&c, rh_hello_api, 100);
	uint64_t aborts = rh_drops(DP_DROP_client_abort), repeated = rh_event(DP_EV_syn_repeated);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(f->state, FLOW_HELLO);
	rh_send(&c, RTE_TCP_SYN_FLAG, c.isn, 0, NULL, 0);
	CU_ASSERT_PTR_EQUAL(rh_client_flow(&c), f);
	CU_ASSERT_EQUAL(f->state, FLOW_HELLO);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_client_abort), aborts);
	CU_ASSERT_EQUAL(rh_event(DP_EV_syn_repeated), repeated + 1);
	/* The rest of the hello still completes the connection. */
	rh_send(&c, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, c.isn + 101, c.our_isn + 1,
		  rh_hello_api + 100, rh_hello_api_len - 100);
	CU_ASSERT_EQUAL(f->state, FLOW_CONNECTING);
	relay_abort(w, f, false, false, DP_DROP_none);
}

/* m (an IPv4 TCP frame) with its TCP checksum wrong. */
static struct rte_mbuf *corrupted(struct rte_mbuf *m)
{
	rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, sizeof(struct rte_ether_hdr) +
				sizeof(struct rte_ipv4_hdr))->cksum ^= 0x0101;
	return m;
}

/* A client that closes right after the handshake, before any byte (a TCP health check,
 * nc -z): its FIN gets an exact RST and no flow is made; a corrupted one gets nothing,
 * nor does a corrupted SYN (its options would be sealed into the cookie).
 * Before, the FIN was taken for a bare ACK and dropped, and the client resent it for
 * minutes. */
static void test_fin_before_any_byte_reset(void)
{
	struct rh_peer c = rh_client(false);
	uint64_t fins = rh_event(DP_EV_handshake_fin), acks = rh_event(DP_EV_handshake_ack);
	uint64_t bad = rh_drops(DP_DROP_tcp_checksum);
	struct rte_mbuf *m;
	struct rh_sent s;

	/* A corrupted SYN first: not answered. */
	rh_drain(c.port);
	m = rh_frame(&c, RTE_TCP_SYN_FLAG, c.isn, 0, NULL, 0, NULL, 0);
	rh_input(&c, corrupted(m));
	CU_ASSERT_EQUAL(rh_drain(c.port), 0);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_tcp_checksum), bad + 1);
	CU_ASSERT_TRUE_FATAL(rh_client_syn(&c));
	m = rh_frame(&c, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG, c.isn + 1, c.our_isn + 1, NULL, 0,
		     NULL, 0);
	rh_input(&c, corrupted(m));
	CU_ASSERT_EQUAL(rh_drain(c.port), 0);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_tcp_checksum), bad + 2);
	rh_send(&c, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG, c.isn + 1, c.our_isn + 1, NULL, 0);
	s = rh_next_tcp(c.port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	rh_check_to(&s, &c);
	CU_ASSERT(s.tcp->tcp_flags & RTE_TCP_RST_FLAG);
	CU_ASSERT_EQUAL(rte_be_to_cpu_32(s.tcp->sent_seq), c.our_isn + 1);
	rte_pktmbuf_free(s.m);
	CU_ASSERT_PTR_NULL(rh_client_flow(&c));
	CU_ASSERT_EQUAL(rh_event(DP_EV_handshake_fin), fins + 1);
	CU_ASSERT_EQUAL(rh_event(DP_EV_handshake_ack), acks);
}

/* While connecting, a SYN-ACK that acknowledges no SYN of ours (the backend's answer to
 * an older SYN on this 4-tuple, which it still holds) gets a RST at its ACK number and
 * our SYN again; a RST acknowledging nothing of ours is dropped; both are counted. The
 * right SYN-ACK then splices. Before, both went silently, and the stale connection
 * survived until the relay gave up. */
static void test_synack_for_another_syn_reset(void)
{
	struct rh_peer c = rh_client(false), b;
	struct flow *f = rh_client_start(&c, rh_hello_api, rh_hello_api_len);
	uint64_t bad = rh_drops(DP_DROP_backend_bad_ack);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_CONNECTING);
	b = rh_backend(f);
	rh_drain(b.port); /* our SYN */
	rh_send(&b, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, b.isn, b.our_isn + 5000, NULL, 0);
	rh_expect_sent(b.port, RTE_TCP_RST_FLAG, b.our_isn + 5000);
	rh_expect_sent(b.port, RTE_TCP_SYN_FLAG, b.our_isn);
	rh_send(&b, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, b.isn, b.our_isn + 7000, NULL, 0);
	CU_ASSERT_EQUAL(rh_drain(b.port), 0);
	CU_ASSERT_EQUAL(f->state, FLOW_CONNECTING);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_backend_bad_ack), bad + 2);
	rh_send(&b, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, b.isn, b.our_isn + 1, NULL, 0);
	CU_ASSERT_EQUAL(f->state, FLOW_SPLICED);
	relay_abort(w, f, false, false, DP_DROP_none);
	rh_drain(b.port);
	rh_drain(c.port);
}

/* A member that never answers (its SYN-ACKs lost): when the relay gives up, it resets
 * the member too (at the SYN's next sequence number), and the member's SYN-ACK that comes
 * late, to a source port with no flow now, gets a RST at its ACK; a RST gets nothing.
 * Before, the member held the half-open connection for its own retries. */
static void test_backend_given_up_is_reset(void)
{
	const struct mr_relay_conf *rc = &rh_app.conf->relay;
	struct rh_peer c = rh_client(false), b;
	struct flow *f = rh_client_start(&c, rh_hello_api, rh_hello_api_len);
	uint64_t strays = rh_event(DP_EV_stray_reset);
	bool rst_at_syn = false;
	struct rh_sent s;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_CONNECTING);
	b = rh_backend(f);
	for (unsigned int i = 0; i <= rc->syn_retries + 1 && rh_client_flow(&c); i++) {
		rh_drain(b.port);
		rh_w->now_ms += rc->connect_timeout_ms << i;
		dp_worker_housekeeping(rh_w);
	}
	CU_ASSERT_PTR_NULL_FATAL(rh_client_flow(&c));
	dp_worker_housekeeping(rh_w); /* what the timers sent leaves with the next flush */
	while ((s = rh_next_tcp(b.port)).m) {
		if (s.tcp->tcp_flags & RTE_TCP_RST_FLAG)
			rst_at_syn |= rte_be_to_cpu_32(s.tcp->sent_seq) == b.our_isn + 1;
		rte_pktmbuf_free(s.m);
	}
	CU_ASSERT_TRUE(rst_at_syn);
	rh_send(&b, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, b.isn, b.our_isn + 1, NULL, 0);
	rh_expect_sent(b.port, RTE_TCP_RST_FLAG, b.our_isn + 1);
	CU_ASSERT_EQUAL(rh_event(DP_EV_stray_reset), strays + 1);
	rh_send(&b, RTE_TCP_RST_FLAG, b.isn + 1, 0, NULL, 0);
	CU_ASSERT_EQUAL(rh_drain(b.port), 0);
	rh_drain(c.port);
}

static void test_repeated_syn_while_connecting_and_spliced(void)
{
	struct rh_peer c = rh_client(false), b;
	struct flow *f = rh_client_start(&c, rh_hello_api, rh_hello_api_len);
	uint64_t c2b;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_CONNECTING);
	rh_send(&c, RTE_TCP_SYN_FLAG, c.isn, 0, NULL, 0);
	CU_ASSERT_PTR_EQUAL(rh_client_flow(&c), f);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_CONNECTING);
	b = rh_backend(f);
	rh_send(&b, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, b.isn, b.our_isn + 1, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_SPLICED);
	/* Spliced: the backend never saw the client's SYN, so it must not get this one. */
	c2b = rh_event(DP_EV_splice_c2b);
	rh_send(&c, RTE_TCP_SYN_FLAG, c.isn, 0, NULL, 0);
	CU_ASSERT_EQUAL(rh_event(DP_EV_splice_c2b), c2b);
	CU_ASSERT_EQUAL(f->state, FLOW_SPLICED);
	rh_send(&c, RTE_TCP_ACK_FLAG, c.isn + 1 + (uint32_t)rh_hello_api_len, c.our_isn + 1,
		  NULL, 0);
	CU_ASSERT_EQUAL(rh_event(DP_EV_splice_c2b), c2b + 1);
	rh_flow_end(f);
}

/* A SYN with another ISN on the same ports (the client restarted, or a blind guess) does
 * not end the connection (RFC 5961): it gets a challenge ACK naming the next expected
 * byte; a client that really restarted answers it with a RST at exactly that byte, which
 * ends the old connection, and its SYN is then answered. */
static void test_new_syn_challenged_then_reset(void)
{
	struct rh_peer c = rh_client(false);
	struct flow *f = rh_client_start(&c, rh_hello_api, 100);
	uint64_t aborts = rh_drops(DP_DROP_client_abort);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	rh_drain(c.port);
	rh_send(&c, RTE_TCP_SYN_FLAG, c.isn + 5000, 0, NULL, 0);
	CU_ASSERT_PTR_EQUAL(rh_client_flow(&c), f);
	rh_expect_ack(&c, c.isn + 101);
	rh_send(&c, RTE_TCP_RST_FLAG, c.isn + 101, 0, NULL, 0);
	CU_ASSERT_PTR_NULL(rh_client_flow(&c));
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_client_abort), aborts + 1);
	rh_drain(&rh_app.ports[0]);
}

/* A spliced connection after FINs both ways: the backend's, then the client's (which
 * acknowledges it); with last_ack the backend acknowledges the client's and the flow is
 * closing (the relay's TIME-WAIT). *c_end: the client's sequence number past its FIN. */
static struct flow *closed_by_fin(struct rh_peer *c, uint32_t *c_end, bool last_ack)
{
	struct flow *f;
	struct rh_peer b;
	uint32_t c_next;

	*c = rh_client(false);
	f = rh_client_start(c, rh_hello_api, rh_hello_api_len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	rh_backend_accepts(f, &b);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_SPLICED);
	c_next = c->isn + 1 + (uint32_t)rh_hello_api_len;
	rh_send(&b, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG, b.isn + 1,
		b.our_isn + 1 + (uint32_t)rh_hello_api_len, NULL, 0);
	rh_send(c, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG, c_next, c->our_isn + 2, NULL, 0);
	if (last_ack) {
		rh_send(&b, RTE_TCP_ACK_FLAG, b.isn + 2,
			b.our_isn + 2 + (uint32_t)rh_hello_api_len, NULL, 0);
		CU_ASSERT_EQUAL_FATAL(f->state, FLOW_CLOSING);
	}
	rh_drain(&rh_app.ports[0]);
	rh_drain(&rh_app.ports[1]);
	*c_end = c_next + 1;
	return f;
}

/* FINs both ways but the last ACK lost, its sender gone: the flow ends a closing time
 * later with a reset to each side (one may still be resending its FIN), not at the idle
 * timeout, and is logged as closed by FINs. */
static void test_fin_unacknowledged_ends_at_closing_time(void)
{
	const struct mr_relay_conf *rc = &rh_app.conf->relay;
	struct rh_peer c;
	uint32_t end;
	struct flow *f = closed_by_fin(&c, &end, false);
	uint64_t fin_expired = rh_event(DP_EV_flow_fin_expired);
	uint64_t idle = rh_event(DP_EV_flow_idle_expired);

	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_SPLICED);
	CU_ASSERT_FATAL(rc->closing_timeout_ms + 2000 < rc->idle_timeout_ms);
	rh_w->now_ms += rc->closing_timeout_ms + 1100; /* past it */
	dp_worker_housekeeping(rh_w);
	rh_w->now_ms += 10;
	dp_worker_housekeeping(rh_w);
	CU_ASSERT_PTR_NULL(rh_client_flow(&c));
	CU_ASSERT_EQUAL(rh_event(DP_EV_flow_fin_expired), fin_expired + 1);
	CU_ASSERT_EQUAL(rh_event(DP_EV_flow_idle_expired), idle);
	CU_ASSERT_EQUAL(rh_drain(&rh_app.ports[0]), 1);
	/* The backend never acknowledged the client's FIN: a RST past it and one before it,
	 * so one is exact whether the FIN arrived or not. */
	CU_ASSERT_EQUAL(rh_drain(&rh_app.ports[1]), 2);
}

/* The client half-closed after its request; the backend answered with 1,000 bytes and
 * its FIN while the client, out of signal, acknowledged nothing. Both FINs seen, but data
 * still unacknowledged: the flow waits as an open one does (the backend resends), not a
 * closing time; before, it was reset at 10 s, the answer cut short and logged a clean
 * close. */
static void test_fins_with_data_in_flight_wait(void)
{
	static const uint8_t data[1000];
	const struct mr_relay_conf *rc = &rh_app.conf->relay;
	struct rh_peer c = rh_client(false), b;
	struct flow *f = rh_client_start(&c, rh_hello_api, rh_hello_api_len);
	uint32_t c_next = c.isn + 1 + (uint32_t)rh_hello_api_len, b_ack;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	rh_backend_accepts(f, &b);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_SPLICED);
	b_ack = b.our_isn + 1 + (uint32_t)rh_hello_api_len;
	rh_send(&c, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG, c_next, c.our_isn + 1, NULL, 0);
	rh_send(&b, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, b.isn + 1, b_ack + 1, data, sizeof(data));
	rh_send(&b, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG, b.isn + 1 + sizeof(data), b_ack + 1,
		NULL, 0);
	CU_ASSERT_TRUE_FATAL(f->c.fin_seen && f->b.fin_seen);
	rh_w->now_ms += rc->closing_timeout_ms + 1100;
	dp_worker_housekeeping(rh_w);
	rh_w->now_ms += 10;
	dp_worker_housekeeping(rh_w);
	CU_ASSERT_PTR_EQUAL(rh_client_flow(&c), f);
	CU_ASSERT_EQUAL(f->state, FLOW_SPLICED);
	rh_drain(&rh_app.ports[0]);
	rh_drain(&rh_app.ports[1]);
	rh_flow_end(f);
}

/* Client c connects again on its 4-tuple with ISN isn: the listener answers the SYN and
 * the hello makes a new flow, which goes to its backend (then ended here). */
static void reconnects(struct rh_peer *c, uint32_t isn)
{
	struct flow *f;

	c->isn = isn;
	f = rh_client_start(c, rh_hello_api, rh_hello_api_len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(f->state, FLOW_CONNECTING);
	rh_flow_end(f);
}

/* A client that connects again from the same address and port within the closing time
 * (behind a NAT, or with a fixed source port) is not made to wait it out. A SYN beyond
 * all the old connection sent takes the 4-tuple at once, as from a host's TIME-WAIT. */
static void test_syn_beyond_closed_flow_reopens(void)
{
	struct rh_peer c;
	uint32_t end;
	uint64_t reopened, closed;

	closed_by_fin(&c, &end, true);
	reopened = rh_event(DP_EV_closing_reopened);
	closed = rh_event(DP_EV_flow_closed);
	reconnects(&c, end + 100000);
	CU_ASSERT_EQUAL(rh_event(DP_EV_closing_reopened), reopened + 1);
	CU_ASSERT_EQUAL(rh_event(DP_EV_flow_closed), closed + 1);
}

/* The same SYN with a corrupted checksum frees nothing: the closing flow stays (before,
 * it was released, and the SYN dropped only afterwards, at the listener). */
static void test_corrupted_syn_beyond_closed_flow(void)
{
	struct rh_peer c;
	uint32_t end;
	struct flow *f = closed_by_fin(&c, &end, true);
	uint64_t reopened = rh_event(DP_EV_closing_reopened);
	struct rte_mbuf *m = rh_frame(&c, RTE_TCP_SYN_FLAG, end + 100000, 0, NULL, 0, NULL, 0);
	struct rte_tcp_hdr *tcp;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	tcp = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, sizeof(struct rte_ether_hdr) +
				      sizeof(struct rte_ipv4_hdr));
	tcp->cksum ^= 0x0101;
	rh_input(&c, m);
	CU_ASSERT_PTR_EQUAL(rh_client_flow(&c), f);
	CU_ASSERT_EQUAL(f->state, FLOW_CLOSING);
	CU_ASSERT_EQUAL(rh_event(DP_EV_closing_reopened), reopened);
	rh_drain(&rh_app.ports[0]);
	rh_drain(&rh_app.ports[1]);
	reconnects(&c, end + 100000); /* the same SYN, whole: it reopens */
	CU_ASSERT_EQUAL(rh_event(DP_EV_closing_reopened), reopened + 1);
}

/* A SYN at or below the old connection's end is challenged and the flow stays; the
 * client's reset at the challenge (what a host in SYN-SENT answers) lets its next SYN
 * in, whatever its sequence number. Retransmitted segments of the old connection never
 * reopen it. */
static void test_syn_below_closed_flow_after_reset(void)
{
	struct rh_peer c;
	uint32_t end;
	struct flow *f = closed_by_fin(&c, &end, true);
	uint64_t reopened = rh_event(DP_EV_closing_reopened);

	rh_send(&c, RTE_TCP_SYN_FLAG, end - 100000, 0, NULL, 0);
	CU_ASSERT_PTR_EQUAL(rh_client_flow(&c), f);
	CU_ASSERT_EQUAL(f->state, FLOW_CLOSING);
	rh_expect_ack(&c, end);
	rh_send(&c, RTE_TCP_SYN_FLAG, c.isn, 0, NULL, 0); /* the old connection's own SYN */
	rh_send(&c, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG, end - 1, c.our_isn + 2, NULL, 0);
	CU_ASSERT_PTR_EQUAL(rh_client_flow(&c), f);
	rh_drain(&rh_app.ports[0]);
	rh_drain(&rh_app.ports[1]);
	rh_send(&c, RTE_TCP_RST_FLAG, end, 0, NULL, 0);
	CU_ASSERT_PTR_EQUAL(rh_client_flow(&c), f);
	rh_drain(&rh_app.ports[1]); /* the reset, passed on */
	reconnects(&c, end - 100000);
	CU_ASSERT_EQUAL(rh_event(DP_EV_closing_reopened), reopened + 1);
}

/* The backend answers the relay's SYN; the kept hello must reach it, then a byte each way
 * crosses the splice with sequence numbers translated and checksums right. */
static void splice_both_ways(struct flow *f, struct rh_peer *c, const uint8_t *hello,
			     size_t hello_len)
{
	struct rh_peer b = rh_backend(f);
	static const uint8_t down[5] = "down", up[3] = "up";
	struct rh_sent s;

	rh_drain(c->port);
	rh_drain(b.port); /* the SYN, checked by the callers that care */
	rh_send(&b, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, b.isn, b.our_isn + 1, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_SPLICED);
	s = rh_next_tcp(b.port);
	rh_check_to(&s, &b);
	CU_ASSERT_EQUAL(s.plen, hello_len);
	CU_ASSERT_EQUAL(rte_be_to_cpu_32(s.tcp->sent_seq), b.our_isn + 1);
	if (s.m && s.plen == hello_len)
		CU_ASSERT_EQUAL(memcmp(s.payload, hello, hello_len), 0);
	rte_pktmbuf_free(s.m);
	rh_drain(b.port);

	rh_send(&b, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, b.isn + 1,
		  b.our_isn + 1 + (uint32_t)hello_len, down, sizeof(down));
	s = rh_next_tcp(c->port);
	rh_check_to(&s, c);
	CU_ASSERT_EQUAL(s.plen, sizeof(down));
	CU_ASSERT_EQUAL(rte_be_to_cpu_32(s.tcp->sent_seq), c->our_isn + 1);
	CU_ASSERT_EQUAL(rte_be_to_cpu_32(s.tcp->recv_ack), c->isn + 1 + hello_len);
	if (s.m && s.plen == sizeof(down))
		CU_ASSERT_EQUAL(memcmp(s.payload, down, sizeof(down)), 0);
	rte_pktmbuf_free(s.m);

	rh_send(c, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, c->isn + 1 + (uint32_t)hello_len,
		  c->our_isn + 1 + sizeof(down), up, sizeof(up));
	s = rh_next_tcp(b.port);
	rh_check_to(&s, &b);
	CU_ASSERT_EQUAL(s.plen, sizeof(up));
	CU_ASSERT_EQUAL(rte_be_to_cpu_32(s.tcp->sent_seq), b.our_isn + 1 + hello_len);
	CU_ASSERT_EQUAL(rte_be_to_cpu_32(s.tcp->recv_ack), b.isn + 1 + sizeof(down));
	if (s.m && s.plen == sizeof(up))
		CU_ASSERT_EQUAL(memcmp(s.payload, up, sizeof(up)), 0);
	rte_pktmbuf_free(s.m);
	rh_flow_end(f);
}

/* The next frame sent on p as an ND message, or kind ND_OTHER when there is none. */
static struct nd_msg next_nd(const struct dp_port *p)
{
	struct nd_msg msg = { .kind = ND_OTHER };
	struct rte_mbuf *m;

	while (rte_eth_rx_burst(p->port_id, 0, &m, 1) == 1) {
		const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		bool found = false;

		if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6))
			found = nd_parse((const uint8_t *)(eth + 1),
					 rte_pktmbuf_data_len(m) - sizeof(*eth), &msg) != ND_OTHER;
		rte_pktmbuf_free(m);
		if (found)
			return msg;
	}
	return msg;
}

/* An IPv6 client reaches an IPv6 backend: the relay solicits the backend, the answer
 * releases the SYN, and the splice carries bytes both ways. */
static void test_ipv6_client_ipv6_backend(void)
{
	struct rh_peer c = rh_client(true);
	struct flow *f = rh_client_start(&c, rh_hello_web, rh_hello_web_len);
	uint8_t frame[ND_FRAME_MAX];
	struct nd_msg ns;
	struct rte_mbuf *m;
	struct rh_sent syn;
	size_t len;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_CONNECTING);
	CU_ASSERT_TRUE(f->c.v6 && f->b.v6);
	ns = next_nd(&rh_app.ports[1]);
	CU_ASSERT_EQUAL_FATAL(ns.kind, ND_NS);
	CU_ASSERT_EQUAL(memcmp(ns.target, rh_backend6, 16), 0);
	CU_ASSERT_EQUAL(memcmp(ns.src, rh_svc6, 16), 0);
	len = nd_build_na(frame, &rh_backend_mac, rh_backend6, &rh_app.ports[1].mac, rh_svc6, rh_backend6, true);
	m = tcp_frame_copy(rh_app.pool, frame, len, rh_app.ports[1].port_id);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	dp_worker_rx_frame(w, &rh_app.ports[1], m);
	dp_worker_housekeeping(w);
	syn = rh_next_tcp(&rh_app.ports[1]);
	{
		struct rh_peer b = rh_backend(f);

		rh_check_to(&syn, &b);
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(syn.m);
	CU_ASSERT_EQUAL(syn.tcp->tcp_flags, RTE_TCP_SYN_FLAG);
	rte_pktmbuf_free(syn.m);
	splice_both_ways(f, &c, rh_hello_web, rh_hello_web_len);
}

/* Across families the relay rebuilds the IP header of every segment. */
static void cross_family(bool client_v6, const uint8_t *hello, size_t hello_len)
{
	struct rh_peer c = rh_client(client_v6);
	struct flow *f = rh_client_start(&c, hello, hello_len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_CONNECTING);
	CU_ASSERT_TRUE(f->c.v6 == client_v6 && f->b.v6 == !client_v6);
	splice_both_ways(f, &c, hello, hello_len);
}

static void test_ipv6_client_ipv4_backend(void)
{
	cross_family(true, rh_hello_api, rh_hello_api_len);
}

static void test_ipv4_client_ipv6_backend(void)
{
	cross_family(false, rh_hello_web, rh_hello_web_len);
}

/* A solicitation from the backend's address arriving on the client port (anyone can send
 * one there) must not move the backend's entry: the cache is keyed by address alone. */
static void test_ipv6_off_link_claim_ignored(void)
{
	static const struct rte_ether_addr attacker = { { 0x02, 0, 0, 0, 0, 0xee } };
	const struct dp_port *edge = &rh_app.ports[0];
	uint8_t frame[ND_FRAME_MAX];
	size_t len = nd_build_ns(frame, &attacker, rh_backend6, rh_edge6);
	struct rte_mbuf *m = tcp_frame_copy(rh_app.pool, frame, len, edge->port_id);
	uint64_t off_link = rh_event(DP_EV_arp_off_link);
	struct neigh_addr b6;
	struct rte_ether_addr mac;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	dp_worker_rx_frame(w, edge, m);
	dp_worker_housekeeping(w);
	rh_drain(edge);
	CU_ASSERT_EQUAL(rh_event(DP_EV_arp_off_link), off_link + 1);
	memcpy(b6.b, rh_backend6, 16);
	CU_ASSERT_EQUAL(neigh_resolve_addr(w->neigh, &b6, w->now_ms, NULL, &mac), NEIGH_HIT);
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&mac, &rh_backend_mac));

	/* Nor does it plant an entry for a backend address not resolved yet (fd00:b::9). */
	b6.b[15] = 9;
	len = nd_build_ns(frame, &attacker, b6.b, rh_edge6);
	m = tcp_frame_copy(rh_app.pool, frame, len, edge->port_id);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	dp_worker_rx_frame(w, edge, m);
	dp_worker_housekeeping(w);
	rh_drain(edge);
	CU_ASSERT_EQUAL(rh_event(DP_EV_arp_off_link), off_link + 2);
	CU_ASSERT_EQUAL(neigh_resolve_addr(w->neigh, &b6, w->now_ms, NULL, &mac),
			NEIGH_QUEUED_REQUEST);
}

/* Neighbour solicitations for our address are answered; echo requests too. */
static void test_ipv6_nd_and_echo(void)
{
	uint8_t frame[ND_FRAME_MAX + 64] = { 0 };
	struct rte_ether_addr client_mac = { { 0x02, 0, 0, 0, 0, 0xc6 } };
	const struct dp_port *edge = &rh_app.ports[0];
	size_t len = nd_build_ns(frame, &client_mac, rh_client6, rh_edge6);
	struct rte_mbuf *m = tcp_frame_copy(rh_app.pool, frame, len, edge->port_id);
	struct rte_ipv6_hdr *ip6;
	uint8_t *icmp;
	struct nd_msg na;

	rh_drain(edge);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	dp_worker_rx_frame(w, edge, m);
	dp_worker_housekeeping(w);
	na = next_nd(edge);
	CU_ASSERT_EQUAL_FATAL(na.kind, ND_NA);
	CU_ASSERT_EQUAL(memcmp(na.target, rh_edge6, 16), 0);
	CU_ASSERT_EQUAL(memcmp(na.dst, rh_client6, 16), 0);
	CU_ASSERT_TRUE(na.solicited && na.has_lladdr);
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&na.lladdr, &edge->mac));

	/* Echo request: Ethernet, IPv6, ICMPv6 type 128 with 8 bytes of data. */
	memset(frame, 0, sizeof(frame));
	memcpy(frame, &edge->mac, 6);
	memcpy(frame + 6, &client_mac, 6);
	frame[12] = 0x86;
	frame[13] = 0xdd;
	ip6 = (struct rte_ipv6_hdr *)(frame + 14);
	ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip6->payload_len = rte_cpu_to_be_16(16);
	ip6->proto = IPPROTO_ICMPV6;
	ip6->hop_limits = 64;
	memcpy(ip6->src_addr, rh_client6, 16);
	memcpy(ip6->dst_addr, rh_edge6, 16);
	icmp = (uint8_t *)(ip6 + 1);
	icmp[0] = 128;
	icmp[5] = 7; /* identifier 7 */
	memcpy(icmp + 8, "echo-me!", 8);
	{
		uint16_t ck = rte_ipv6_udptcp_cksum(ip6, icmp);

		memcpy(icmp + 2, &ck, 2);
	}
	m = tcp_frame_copy(rh_app.pool, frame, 14 + 40 + 16, edge->port_id);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	dp_worker_rx_frame(w, edge, m);
	dp_worker_housekeeping(w);
	CU_ASSERT_EQUAL_FATAL(rte_eth_rx_burst(edge->port_id, 0, &m, 1), 1);
	ip6 = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, 14);
	icmp = (uint8_t *)(ip6 + 1);
	CU_ASSERT_EQUAL(icmp[0], 129);
	CU_ASSERT_EQUAL(memcmp(ip6->dst_addr, rh_client6, 16), 0);
	CU_ASSERT_EQUAL(memcmp(ip6->src_addr, rh_edge6, 16), 0);
	CU_ASSERT_EQUAL(memcmp(icmp + 8, "echo-me!", 8), 0);
	CU_ASSERT_EQUAL(rte_ipv6_udptcp_cksum_verify(ip6, icmp), 0);
	rte_pktmbuf_free(m);
}

static void syns_from_new_clients(unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		struct rh_peer c = rh_client(false);

		rh_send(&c, RTE_TCP_SYN_FLAG, c.isn, 0, NULL, 0);
	}
}

/* Nobody reads the edge ring: once it refuses a SYN-ACK, SYNs are answered from a bucket of
 * DP_CONGESTED_COOKIE_BURST refilled by DP_CONGESTED_COOKIES_PER_MS a millisecond, the rest
 * counted, for DP_CONGESTED_HOLD_MS after the queue last refused frames; then all again. */
static void test_syn_shed_while_queue_full(void)
{
	uint64_t full = rh_drops(DP_DROP_tx_full), shed = rh_drops(DP_DROP_syn_shed), answered;
	struct rh_peer c;
	struct rh_sent synack;
	unsigned int sent = 0;

	rh_drain(&rh_app.ports[0]);
	while (rh_drops(DP_DROP_tx_full) == full && sent++ < 8192)
		syns_from_new_clients(1);
	CU_ASSERT_FATAL(rh_drops(DP_DROP_tx_full) > full);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_syn_shed), shed);
	answered = rh_event(DP_EV_syncookie_out);
	syns_from_new_clients(DP_CONGESTED_COOKIE_BURST + 10);
	CU_ASSERT_EQUAL(rh_event(DP_EV_syncookie_out), answered + DP_CONGESTED_COOKIE_BURST);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_syn_shed), shed + 10);
	w->now_ms++; /* the refill, still congested: the ring is full */
	answered = rh_event(DP_EV_syncookie_out);
	syns_from_new_clients(DP_CONGESTED_COOKIES_PER_MS + 1);
	CU_ASSERT_EQUAL(rh_event(DP_EV_syncookie_out), answered + DP_CONGESTED_COOKIES_PER_MS);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_syn_shed), shed + 11);
	CU_ASSERT_TRUE(rh_drain(&rh_app.ports[0]) > 0);
	w->now_ms += DP_CONGESTED_HOLD_MS + 1;
	answered = rh_event(DP_EV_syncookie_out);
	syns_from_new_clients(2 * DP_CONGESTED_COOKIES_PER_MS);
	CU_ASSERT_EQUAL(rh_event(DP_EV_syncookie_out), answered + 2 * DP_CONGESTED_COOKIES_PER_MS);
	c = rh_client(false);
	rh_drain(&rh_app.ports[0]);
	rh_send(&c, RTE_TCP_SYN_FLAG, c.isn, 0, NULL, 0);
	synack = rh_next_tcp(c.port);
	rh_check_to(&synack, &c);
	if (synack.m)
		CU_ASSERT_EQUAL(synack.tcp->tcp_flags, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	rte_pktmbuf_free(synack.m);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_syn_shed), shed + 11);
	rh_drain(&rh_app.ports[0]);
}

/* A client whose address ends in .255 in a subnet other than the port's is a host like
 * any other (it was dropped as a martian source: taken for a broadcast). */
static void test_dot255_client_off_subnet(void)
{
	struct rh_peer c = rh_client(false);
	uint64_t martian = rh_drops(DP_DROP_ipv4_martian_src);
	struct rh_sent synack;

	c.ip = 0x0a6403ffu; /* 10.100.3.255, behind a router */
	rh_drain(c.port);
	rh_send(&c, RTE_TCP_SYN_FLAG, c.isn, 0, NULL, 0);
	synack = rh_next_tcp(c.port);
	rh_check_to(&synack, &c);
	CU_ASSERT_PTR_NOT_NULL(synack.m);
	rte_pktmbuf_free(synack.m);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_ipv4_martian_src), martian);
	/* The edge port's own broadcast (10.0.0.255) still is one. */
	c.ip = 0x0a0000ffu;
	rh_send(&c, RTE_TCP_SYN_FLAG, c.isn, 0, NULL, 0);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_ipv4_martian_src), martian + 1);
	rh_drain(c.port);
}

/* m with an 802.1Q tag of tci in front of its type. */
static struct rte_mbuf *tagged(struct rte_mbuf *m, uint16_t tci)
{
	m->vlan_tci = tci;
	CU_ASSERT_EQUAL_FATAL(rte_vlan_insert(&m), 0);
	return m;
}

/* Priority-tagged frames (802.1Q with VLAN 0, the priority alone, as hypervisors and
 * switches marking QoS send them) are the untagged link's: ARP answered, a SYN answered
 * with the cookie SYN-ACK. Before, they went to the host, whose kernel reset the SYN. A
 * frame of another VLAN is not the data plane's. */
static void test_priority_tagged_frames(void)
{
	static const struct rte_ether_addr asker = { { 0x02, 0, 0, 0, 0, 0xc1 } };
	const struct dp_port *p = &rh_app.ports[0];
	struct rh_peer c = rh_client(false);
	struct rte_mbuf *r;
	struct rh_sent s;
	bool replied = false;

	rh_drain(p);
	rh_input(&c, tagged(tcp_frame_arp_request(rh_app.pool, &asker, RH_CLIENT_IP, RH_EDGE_IP),
			    5 << 13));
	while (rte_eth_rx_burst(p->port_id, 0, &r, 1) == 1) {
		const struct rte_ether_hdr *e = rte_pktmbuf_mtod(r, const struct rte_ether_hdr *);

		replied |= e->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
		rte_pktmbuf_free(r);
	}
	CU_ASSERT_TRUE(replied);
	rh_input(&c, tagged(rh_frame(&c, RTE_TCP_SYN_FLAG, c.isn, 0, NULL, 0, NULL, 0), 3 << 13));
	s = rh_next_tcp(p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	CU_ASSERT_EQUAL(s.tcp->tcp_flags, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	CU_ASSERT_TRUE(s.checksums_ok);
	rte_pktmbuf_free(s.m);
	rh_input(&c, tagged(rh_frame(&c, RTE_TCP_SYN_FLAG, c.isn, 0, NULL, 0, NULL, 0), 7));
	CU_ASSERT_EQUAL(rh_drain(p), 0); /* VLAN 7: not ours */
}

/* Another host claims the edge port's address: counted, and our address announced to the
 * whole link again, at most once in ten seconds (RFC 5227 2.4). */
static void test_arp_claim_of_ours_defended(void)
{
	static const struct rte_ether_addr other = { { 0x02, 0, 0, 0, 0, 0x66 } };
	const struct dp_port *p = &rh_app.ports[0];
	uint64_t claims = rh_drops(DP_DROP_arp_claims_ours);
	unsigned int sent[3];

	for (int i = 0; i < 3; i++) {
		rh_drain(p);
		rh_w->now_ms += i == 2 ? 10000 : 1000;
		rh_input(&(struct rh_peer){ .port = p },
			 tcp_frame_arp_request(rh_app.pool, &other, RH_EDGE_IP, RH_EDGE_IP));
		sent[i] = rh_announcements(p, RH_EDGE_IP);
	}
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_arp_claims_ours), claims + 3);
	CU_ASSERT_EQUAL(sent[0], 1);
	CU_ASSERT_EQUAL(sent[1], 0);
	CU_ASSERT_EQUAL(sent[2], 1);
}

/* Another host advertises the edge port's IPv6 address: counted, and ours advertised to
 * all nodes with override, at most once in ten seconds. Before, the claim was only
 * counted, and neighbours that took its override sent our traffic to the claimant. */
static void test_nd_claim_of_ours_defended(void)
{
	static const struct rte_ether_addr other = { { 0x02, 0, 0, 0, 0, 0x68 } };
	static const uint8_t unspecified[16];
	const struct dp_port *p = &rh_app.ports[0];
	uint64_t claims = rh_drops(DP_DROP_nd_claims_ours);
	uint8_t frame[ND_FRAME_MAX];
	unsigned int sent[3];

	for (int i = 0; i < 3; i++) {
		struct rte_mbuf *m;
		struct nd_msg na;

		rh_drain(p);
		rh_w->now_ms += i == 2 ? 10000 : 1000;
		m = tcp_frame_copy(rh_app.pool, frame,
				   nd_build_na(frame, &other, rh_edge6, NULL, unspecified, rh_edge6,
					       false), p->port_id);
		CU_ASSERT_PTR_NOT_NULL_FATAL(m);
		dp_worker_rx_frame(rh_w, p, m);
		dp_worker_housekeeping(rh_w);
		na = next_nd(p);
		sent[i] = na.kind == ND_NA && memcmp(na.target, rh_edge6, 16) == 0 &&
			  na.has_lladdr && rte_is_same_ether_addr(&na.lladdr, &p->mac);
	}
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_nd_claims_ours), claims + 3);
	CU_ASSERT_EQUAL(sent[0], 1);
	CU_ASSERT_EQUAL(sent[1], 0);
	CU_ASSERT_EQUAL(sent[2], 1);
	/* The claimed MAC is the one the advertisement's option names: a frame sent from our
	 * MAC naming another is a claim, one naming ours from elsewhere (a proxy) is not. */
	for (int i = 0; i < 2; i++) {
		struct rte_mbuf *m;

		rh_drain(p);
		rh_w->now_ms += 10000;
		m = tcp_frame_copy(rh_app.pool, frame,
				   nd_build_na(frame, i ? &p->mac : &other, rh_edge6, NULL, unspecified,
					       rh_edge6, false), p->port_id);
		CU_ASSERT_PTR_NOT_NULL_FATAL(m);
		rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->src_addr = i ? other : p->mac;
		dp_worker_rx_frame(rh_w, p, m);
		dp_worker_housekeeping(rh_w);
		CU_ASSERT_EQUAL(rh_drops(DP_DROP_nd_claims_ours), claims + 4);
		CU_ASSERT_EQUAL(next_nd(p).kind, i ? ND_OTHER : ND_NA);
	}
	/* A solicitation from our address whose source link-layer option names another MAC
	 * gives our address to that MAC at every neighbour that receives it (RFC 4861 7.2.3):
	 * a claim too (before, only dropped as a martian source). Ours naming our own MAC, as
	 * a switch may reflect it, claims nothing. */
	for (int i = 0; i < 2; i++) {
		uint64_t martian = rh_drops(DP_DROP_ipv6_martian_src);
		struct rte_mbuf *m;

		rh_drain(p);
		rh_w->now_ms += 10000;
		m = tcp_frame_copy(rh_app.pool, frame,
				   nd_build_ns(frame, i ? &p->mac : &other, rh_edge6, rh_client6),
				   p->port_id);
		CU_ASSERT_PTR_NOT_NULL_FATAL(m);
		dp_worker_rx_frame(rh_w, p, m);
		dp_worker_housekeeping(rh_w);
		CU_ASSERT_EQUAL(rh_drops(DP_DROP_nd_claims_ours), claims + 5);
		CU_ASSERT_EQUAL(rh_drops(DP_DROP_ipv6_martian_src), martian + (i ? 1 : 0));
		CU_ASSERT_EQUAL(next_nd(p).kind, i ? ND_OTHER : ND_NA);
	}
}

/* A fragment with flags to the edge port's address: the first of a UDP datagram goes to
 * the host to put together (here: no exception path, so counted as that), a TCP one is
 * dropped as a fragment. */
static void test_fragments_to_host(void)
{
	struct rh_peer c = rh_client(false);
	uint64_t frag = rh_drops(DP_DROP_ipv4_fragment), host = rh_drops(DP_DROP_no_exception_path);

	for (int tcp = 0; tcp < 2; tcp++) {
		struct rte_mbuf *m = rh_frame(&c, RTE_TCP_ACK_FLAG, c.isn, 0, NULL, 0, NULL, 0);
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);

		ip->next_proto_id = tcp ? IPPROTO_TCP : IPPROTO_UDP;
		ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		rh_input(&c, m);
	}
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_no_exception_path), host + 1);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_ipv4_fragment), frag + 1);
	rh_drain(c.port);
}

/* A frame from a group source MAC is nobody's: dropped before anything answers it (the
 * answer would go to the whole link). */
static void test_group_source_mac_dropped(void)
{
	struct rh_peer c = rh_client(false);
	uint64_t dropped = rh_drops(DP_DROP_l2_group_source);
	struct rte_mbuf *m = rh_frame(&c, RTE_TCP_SYN_FLAG, c.isn, 0, NULL, 0, NULL, 0);
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	rh_drain(c.port);
	eth->src_addr.addr_bytes[0] |= 0x01;
	rh_input(&c, m);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_l2_group_source), dropped + 1);
	CU_ASSERT_EQUAL(rh_drain(c.port), 0);
	CU_ASSERT_PTR_NULL(rh_client_flow(&c));
}

/* A SYN to our unicast address in a frame to the whole link (broadcast, or an IPv6
 * multicast MAC) is dropped unanswered, IPv4 and IPv6 (RFC 1122 3.3.6). The same SYN to
 * our MAC is answered, and one to the broadcast address in a broadcast frame passes. */
static void test_group_mac_to_unicast_ip_dropped(void)
{
	static const struct rte_ether_addr group[2] = {
		{ { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } },
		{ { 0x33, 0x33, 0, 0, 0, 1 } },
	};

	for (unsigned int v6 = 0; v6 < 2; v6++) {
		struct rh_peer c = rh_client(v6);
		uint64_t dropped = rh_drops(DP_DROP_l2_group_unicast_ip);
		struct rte_mbuf *m = rh_frame(&c, RTE_TCP_SYN_FLAG, c.isn, 0, NULL, 0, NULL, 0);
		struct rh_sent s;

		rh_drain(c.port);
		rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr = group[v6];
		rh_input(&c, m);
		CU_ASSERT_EQUAL(rh_drops(DP_DROP_l2_group_unicast_ip), dropped + 1);
		CU_ASSERT_EQUAL(rh_drain(c.port), 0);
		rh_send(&c, RTE_TCP_SYN_FLAG, c.isn, 0, NULL, 0);
		s = rh_next_tcp(c.port);
		CU_ASSERT_PTR_NOT_NULL(s.m);
		CU_ASSERT(s.m && s.tcp->tcp_flags == (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG));
		rte_pktmbuf_free(s.m);
		rh_drain(c.port);
	}
	/* To the limited broadcast address, the frame to all: the host's, not dropped here
	 * (the harness has no exception path: counted as that). */
	{
		struct rh_peer c = rh_client(false);
		uint64_t dropped = rh_drops(DP_DROP_l2_group_unicast_ip);
		uint64_t host = rh_drops(DP_DROP_no_exception_path);
		struct rte_mbuf *m;

		c.our_ip = 0xffffffffu;
		m = rh_frame(&c, RTE_TCP_SYN_FLAG, c.isn, 0, NULL, 0, NULL, 0);
		rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr = group[0];
		rh_input(&c, m);
		CU_ASSERT_EQUAL(rh_drops(DP_DROP_l2_group_unicast_ip), dropped);
		CU_ASSERT_EQUAL(rh_drops(DP_DROP_no_exception_path), host + 1);
	}
}

/* An advertisement nobody asked for, to our address, about an on-link address the worker
 * has no entry for, is discarded (RFC 4861 7.2.5): it creates no entry, so whoever claims
 * an address first, unasked, does not hold it against the real host. Nor is our own MAC
 * taken for another host's. */
static void test_ipv6_unasked_advertisement_ignored(void)
{
	static const struct rte_ether_addr other = { { 0x02, 0, 0, 0, 0x0e, 0x02 } };
	struct dp_worker *w = rh_w;
	uint8_t frame[ND_FRAME_MAX], unknown[16];
	unsigned int before = neigh_count(w->neigh);

	memcpy(unknown, rh_backend6, 16);
	unknown[15] = 0x99;
	for (int i = 0; i < 2; i++) {
		size_t len = nd_build_na(frame, i ? &rh_app.ports[1].mac : &other, unknown,
					 &rh_app.ports[1].mac, rh_svc6, unknown, true);
		struct rte_mbuf *m = tcp_frame_copy(rh_app.pool, frame, len, rh_app.ports[1].port_id);

		CU_ASSERT_PTR_NOT_NULL_FATAL(m);
		dp_worker_rx_frame(w, &rh_app.ports[1], m);
		dp_worker_housekeeping(w);
		rh_drain(&rh_app.ports[1]);
	}
	CU_ASSERT_EQUAL(neigh_count(w->neigh), before);
}

int test_relay_path_register(void)
{
	static const CU_TestInfo tests[] = {
		{ "repeated SYN while the hello is collected", test_repeated_syn_while_collecting },
		{ "a FIN before any byte reset, no flow made", test_fin_before_any_byte_reset },
		{ "a SYN-ACK for another SYN reset, ours sent again",
		  test_synack_for_another_syn_reset },
		{ "a member given up on is reset, its late SYN-ACK too",
		  test_backend_given_up_is_reset },
		{ "repeated SYN while connecting and spliced",
		  test_repeated_syn_while_connecting_and_spliced },
		{ "SYN of a new connection challenged, its RST ends the old",
		  test_new_syn_challenged_then_reset },
		{ "FINs both ways, the last ACK lost: gone at the closing time",
		  test_fin_unacknowledged_ends_at_closing_time },
		{ "a SYN beyond a closed flow's end reopens its 4-tuple",
		  test_syn_beyond_closed_flow_reopens },
		{ "... not when its checksum fails", test_corrupted_syn_beyond_closed_flow },
		{ "a SYN below it is challenged; after the client's reset it reopens",
		  test_syn_below_closed_flow_after_reset },
		{ "IPv6 client, IPv6 backend resolved by ND", test_ipv6_client_ipv6_backend },
		{ "IPv6 client, IPv4 backend", test_ipv6_client_ipv4_backend },
		{ "IPv4 client, IPv6 backend", test_ipv4_client_ipv6_backend },
		{ "IPv6 neighbour solicitation and echo answered", test_ipv6_nd_and_echo },
		{ "IPv6: an unasked advertisement creates no entry",
		  test_ipv6_unasked_advertisement_ignored },
		{ "IPv6 claim of a backend on the client link ignored",
		  test_ipv6_off_link_claim_ignored },
		{ "SYNs rationed while the transmit queue is full", test_syn_shed_while_queue_full },
		{ "an ND claim of ours defended", test_nd_claim_of_ours_defended },
		{ "a .255 client off the port's subnet", test_dot255_client_off_subnet },
		{ "a frame from a group source MAC: dropped", test_group_source_mac_dropped },
		{ "a group MAC to our unicast address: dropped",
		  test_group_mac_to_unicast_ip_dropped },
		{ "UDP fragments to the port's address are the host's", test_fragments_to_host },
		{ "priority-tagged frames taken as untagged", test_priority_tagged_frames },
		{ "a claim of our address defended", test_arp_claim_of_ours_defended },
		{ "FINs both ways, data unacknowledged: waits as an open flow", test_fins_with_data_in_flight_wait },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite_with("relay_path", suite_init, rh_down, tests);
}
