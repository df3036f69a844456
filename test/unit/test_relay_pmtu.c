/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "relay_pmtu": too-big errors about relayed connections (relay_pmtu.h) through the
 * appliance of relay_harness.h. A router on either link answers a segment the relay
 * forwarded with an error quoting it, as Linux quotes (the segment's first bytes): the
 * side's MSS goes down, and the sender's retransmission reaches its peer cut to fit. What
 * quotes no connection of the relay stays the host's; stale and bogus errors change
 * nothing. */
#include <string.h>

#include <rte_ip.h>

#include "dp_worker.h"
#include "health.h"
#include "icmp_error.h"
#include "relay_harness.h"
#include "relay_tcp.h"
#include "tcp_frame.h"
#include "tcp_opts.h"
#include "turn_bind.h"
#include "turn_bind_slot.h"
#include "unit.h"

#define CLIENT_MSS 1460u
#define CLIENT_MSS6 1440u
#define BACKEND_MSS 1460u
#define QUOTE_MAX 520u /* what a router quotes of the segment (Linux: up to 576 in all) */

static const struct rte_ether_addr router_mac = { { 0x02, 0, 0, 0, 0, 0xfe } };
static const uint32_t edge_router = 0x0a0000feu; /* 10.0.0.254 */
static const uint32_t svc_router = 0x0a0100feu;  /* 10.1.0.254 */
static const uint8_t edge_router6[16] = { 0xfd, 0, 0, 0x0a, [15] = 0xfe };

static int suite_init(void)
{
	return rh_up("mbufs = 0;", "max_flows = 64;");
}

/* A spliced connection whose two ends announced MSS 1460 (1440 for an IPv6 client), the
 * hello acknowledged; the ends' next sequence numbers. */
struct conn {
	struct rh_peer c, b;
	struct flow *f;
	uint32_t c_seq, b_seq;
	uint8_t quote[QUOTE_MAX]; /* the last segment forward() saw leave, from its IP header */
	uint32_t qlen, qseq, qplen; /* its bytes there, sequence number and payload length */
};

static void conn_open(struct conn *t, bool v6)
{
	uint8_t o[40];
	unsigned int n = tcp_opts_write_syn(o, v6 ? CLIENT_MSS6 : CLIENT_MSS, TCP_WSCALE_NONE,
					    false, false, 0, 0);
	struct rh_sent s;

	memset(t, 0, sizeof(*t));
	t->c = rh_client(v6);
	rh_drain(t->c.port);
	rh_send_opts(&t->c, RTE_TCP_SYN_FLAG, t->c.isn, 0, o, n, NULL, 0);
	s = rh_next_tcp(t->c.port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	t->c.our_isn = rte_be_to_cpu_32(s.tcp->sent_seq);
	rte_pktmbuf_free(s.m);
	rh_send(&t->c, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, t->c.isn + 1, t->c.our_isn + 1,
		rh_hello_api, rh_hello_api_len);
	t->f = rh_client_flow(&t->c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t->f);
	t->b = rh_backend(t->f);
	rh_drain(t->b.port);
	n = tcp_opts_write_syn(o, BACKEND_MSS, TCP_WSCALE_NONE, false, false, 0, 0);
	rh_send_opts(&t->b, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, t->b.isn, t->b.our_isn + 1, o, n,
		     NULL, 0);
	CU_ASSERT_EQUAL_FATAL(t->f->state, FLOW_SPLICED);
	rh_drain(t->b.port);
	t->c_seq = t->c.isn + 1 + (uint32_t)rh_hello_api_len;
	t->b_seq = t->b.isn + 1;
	rh_send(&t->b, RTE_TCP_ACK_FLAG, t->b_seq, t->b.our_isn + 1 + (uint32_t)rh_hello_api_len,
		NULL, 0);
	CU_ASSERT_PTR_NULL_FATAL(t->f->stream);
	rh_drain(t->c.port);
	CU_ASSERT_EQUAL(t->f->c.peer_mss, v6 ? CLIENT_MSS6 : CLIENT_MSS);
	CU_ASSERT_EQUAL(t->f->b.peer_mss, BACKEND_MSS);
}

static uint8_t payload[4096];

/* len bytes from `from` at seq, acknowledging all the other end sent: bytes numbered by
 * their sequence number, so that the pieces can be checked where they arrive. */
static void send_data(struct conn *t, bool from_client, uint32_t seq, uint32_t len)
{
	const struct rh_peer *p = from_client ? &t->c : &t->b;
	uint32_t ack = from_client ? t->c.our_isn + 1 : t->b.our_isn + 1 + (uint32_t)rh_hello_api_len;

	for (uint32_t i = 0; i < len; i++)
		payload[i] = (uint8_t)(seq + i);
	rh_send(p, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, seq, ack, payload, len);
}

/* The frame the relay sent towards `to`: the segment a router would quote. *quote gets its
 * IP header onwards (at most QUOTE_MAX bytes), *seq its sequence number. */
static uint32_t sent_quote(const struct rh_peer *to, uint8_t *quote, uint32_t *seq,
			   uint32_t *plen)
{
	struct rh_sent s = rh_next_tcp(to->port);
	uint32_t len;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	rh_check_to(&s, to);
	*seq = rte_be_to_cpu_32(s.tcp->sent_seq);
	*plen = s.plen;
	len = RTE_MIN(rte_pktmbuf_data_len(s.m) - (uint32_t)sizeof(struct rte_ether_hdr),
		      QUOTE_MAX);
	memcpy(quote, rte_pktmbuf_mtod_offset(s.m, uint8_t *, sizeof(struct rte_ether_hdr)), len);
	rte_pktmbuf_free(s.m);
	return len;
}

/* len bytes from one end at its next sequence number, forwarded by the relay: what left
 * towards the other end kept in t->quote as a router would quote it. */
static void forward(struct conn *t, bool from_client, uint32_t len)
{
	send_data(t, from_client, from_client ? t->c_seq : t->b_seq, len);
	t->qlen = sent_quote(from_client ? &t->b : &t->c, t->quote, &t->qseq, &t->qplen);
}

/* An ICMP error of type and code (ICMPv6's when v6) naming mtu, from a router on port p to
 * `to` (the relay's address), quoting quote[0..qlen), as a frame. */
static struct rte_mbuf *error_frame_of(const struct dp_port *p, bool v6, uint32_t to,
				       const uint8_t *to6, uint32_t mtu, const uint8_t *quote,
				       uint32_t qlen, uint8_t type, uint8_t code)
{
	uint8_t f[RTE_ETHER_HDR_LEN + 40 + 8 + QUOTE_MAX];
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)f;
	uint8_t *l3 = f + sizeof(*eth);
	uint32_t l3_len = (v6 ? 40u : 20u) + 8 + qlen;
	uint8_t *icmp = l3 + (v6 ? 40 : 20);
	struct rte_mbuf *m;

	memset(f, 0, sizeof(f));
	eth->dst_addr = p->mac;
	eth->src_addr = router_mac;
	icmp[0] = type;
	icmp[1] = code;
	memcpy(icmp + 8, quote, qlen);
	if (v6) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)l3;
		rte_be32_t be_mtu = rte_cpu_to_be_32(mtu);

		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
		ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip6->payload_len = rte_cpu_to_be_16((uint16_t)(8 + qlen));
		ip6->proto = IPPROTO_ICMPV6;
		ip6->hop_limits = 64;
		memcpy(ip6->src_addr, edge_router6, 16);
		memcpy(ip6->dst_addr, to6, 16);
		memcpy(icmp + 4, &be_mtu, 4);
		*(rte_be16_t *)(icmp + 2) = rte_ipv6_udptcp_cksum(ip6, icmp);
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;

		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		ip->version_ihl = 0x45;
		ip->total_length = rte_cpu_to_be_16((uint16_t)l3_len);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_ICMP;
		ip->src_addr = rte_cpu_to_be_32(p->index == 0 ? edge_router : svc_router);
		ip->dst_addr = rte_cpu_to_be_32(to);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		icmp[6] = (uint8_t)(mtu >> 8);
		icmp[7] = (uint8_t)mtu;
		*(rte_be16_t *)(icmp + 2) = (rte_be16_t)~rte_raw_cksum(icmp, 8 + qlen);
	}
	m = tcp_frame_copy(rh_app.pool, f, sizeof(*eth) + l3_len, p->port_id);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	return m;
}

/* A "fragmentation needed" (IPv4) or "packet too big" (IPv6) naming mtu, the same way. */
static struct rte_mbuf *error_frame(const struct dp_port *p, bool v6, uint32_t to,
				    const uint8_t *to6, uint32_t mtu, const uint8_t *quote,
				    uint32_t qlen)
{
	return error_frame_of(p, v6, to, to6, mtu, quote, qlen, v6 ? 2 : 3, v6 ? 0 : 4);
}

/* That error through the worker. */
static void router_error(const struct dp_port *p, bool v6, uint32_t to, const uint8_t *to6,
			 uint32_t mtu, const uint8_t *quote, uint32_t qlen)
{
	struct rte_mbuf *m = error_frame(p, v6, to, to6, mtu, quote, qlen);

	rh_input_burst(p, &m, 1);
}

/* The error about the client side, from the edge link's router, quoting t->quote. */
static void client_error(const struct conn *t, uint32_t mtu)
{
	router_error(t->c.port, t->c.v6, RH_EDGE_IP, rh_edge6, mtu, t->quote, t->qlen);
}

/* What reaches `to` for bytes [seq, seq + len) of its peer: in pieces of at most max
 * payload, in order, every byte the one sent; returns how many pieces. */
static unsigned int expect_pieces(const struct rh_peer *to, uint32_t seq, uint32_t len,
				  uint32_t max, uint32_t delta)
{
	unsigned int pieces = 0;
	uint32_t got = 0;

	while (got < len) {
		struct rh_sent s = rh_next_tcp(to->port);

		CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
		rh_check_to(&s, to);
		CU_ASSERT(s.checksums_ok);
		CU_ASSERT(s.plen > 0 && s.plen <= max);
		CU_ASSERT_EQUAL(rte_be_to_cpu_32(s.tcp->sent_seq), seq + got + delta);
		for (uint32_t i = 0; i < s.plen; i++)
			CU_ASSERT_EQUAL(s.payload[i], (uint8_t)(seq + got + i));
		got += s.plen;
		pieces++;
		rte_pktmbuf_free(s.m);
	}
	CU_ASSERT_EQUAL(got, len);
	return pieces;
}

/* The too-big error the relay sent `to` (the other end, the sender of what did not fit):
 * about its own connection to the relay, at seq, naming mtu; checksums right. */
static void expect_told(const struct rh_peer *to, uint32_t seq, uint32_t mtu)
{
	struct rte_mbuf *m = NULL;
	struct icmp_too_big e;
	const uint8_t *l3;
	uint32_t len;

	while (rte_eth_rx_burst(to->port->port_id, 0, &m, 1) == 1) {
		if (rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type ==
		    rte_cpu_to_be_16(to->v6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4) &&
		    rte_pktmbuf_mtod_offset(m, uint8_t *, RTE_ETHER_HDR_LEN + (to->v6 ? 6 : 9))[0] ==
			    (to->v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP))
			break;
		rte_pktmbuf_free(m);
		m = NULL;
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *, RTE_ETHER_HDR_LEN);
	len = rte_pktmbuf_data_len(m) - RTE_ETHER_HDR_LEN;
	CU_ASSERT(rte_is_same_ether_addr(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->src_addr,
					 &to->port->mac));
	if (to->v6) {
		CU_ASSERT_EQUAL(rte_ipv6_udptcp_cksum_verify((const struct rte_ipv6_hdr *)l3, l3 + 40), 0);
		CU_ASSERT_EQUAL(memcmp(l3 + 8, to->our_ip6, 16), 0);
		CU_ASSERT_EQUAL(memcmp(l3 + 24, to->ip6, 16), 0);
		CU_ASSERT_FATAL(icmp_too_big_parse6(l3 + 40, len - 40, &e));
	} else {
		CU_ASSERT_EQUAL(rte_ipv4_cksum((const struct rte_ipv4_hdr *)l3), 0);
		CU_ASSERT_EQUAL(rte_raw_cksum(l3 + 20, len - 20), 0xffff);
		CU_ASSERT_EQUAL(((const struct rte_ipv4_hdr *)l3)->src_addr, rte_cpu_to_be_32(to->our_ip));
		CU_ASSERT_EQUAL(((const struct rte_ipv4_hdr *)l3)->dst_addr, rte_cpu_to_be_32(to->ip));
		CU_ASSERT_FATAL(icmp_too_big_parse4(l3 + 20, len - 20, &e));
	}
	/* The quote is of the segment `to` sent the relay: from it, to the relay's address. */
	CU_ASSERT_EQUAL(memcmp(e.src, to->v6 ? to->ip6 : (const uint8_t *)&(rte_be32_t){
					   rte_cpu_to_be_32(to->ip) }, to->v6 ? 16 : 4), 0);
	CU_ASSERT_EQUAL(memcmp(e.dst, to->v6 ? to->our_ip6 : (const uint8_t *)&(rte_be32_t){
					   rte_cpu_to_be_32(to->our_ip) }, to->v6 ? 16 : 4), 0);
	CU_ASSERT_EQUAL(e.mtu, mtu);
	CU_ASSERT_EQUAL(e.seq, seq);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(e.src_port), to->port_num);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(e.dst_port), to->our_port);
	rte_pktmbuf_free(m);
}

/* A router towards the client can carry 1200 bytes: its error lowers the client side's MSS
 * to 1160, and the backend's retransmission of the lost 1400 bytes reaches the client in
 * two pieces. Without it the relay sent the same 1400 bytes again, lost again: a client
 * behind a small MTU and no MSS clamping stalled after the handshake. The backend is not
 * told: it would keep the path for every client's connection to the relay's address. */
static void test_client_path_lowered(void)
{
	uint64_t lowered = rh_event(DP_EV_pmtu_lowered), host = rh_drops(DP_DROP_no_exception_path),
		 told = rh_event(DP_EV_pmtu_told);
	struct conn t;

	conn_open(&t, false);
	forward(&t, false, 1400);
	CU_ASSERT_EQUAL(t.qplen, 1400);
	client_error(&t, 1200);
	CU_ASSERT_EQUAL(rh_event(DP_EV_pmtu_lowered), lowered + 1);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_no_exception_path), host);
	CU_ASSERT_EQUAL(t.f->c.peer_mss, 1160);
	CU_ASSERT_EQUAL(rh_drain(t.c.port), 0); /* nothing answered, nothing forwarded */
	CU_ASSERT_EQUAL(rh_drain(t.b.port), 0);
	CU_ASSERT_EQUAL(rh_event(DP_EV_pmtu_told), told);

	send_data(&t, false, t.b_seq, 1400); /* the backend's retransmission */
	CU_ASSERT_EQUAL(expect_pieces(&t.c, t.b_seq, 1400, 1160, t.f->seq_b2c), 2);
	/* A later, larger MTU changes nothing (RFC 1191: increases are probed, not told). */
	client_error(&t, 1400);
	CU_ASSERT_EQUAL(t.f->c.peer_mss, 1160);
	CU_ASSERT_EQUAL(rh_event(DP_EV_pmtu_lowered), lowered + 1);
	rh_flow_end(t.f);
}

/* Towards the backend: the client's retransmission reaches it cut to the MTU a router on
 * the service link named (1280: MSS 1240), and the client is told of it. */
static void test_backend_path_lowered(void)
{
	struct conn t;

	conn_open(&t, false);
	forward(&t, true, 1400);
	CU_ASSERT_EQUAL(t.qplen, 1400);
	router_error(t.b.port, false, t.b.our_ip, NULL, 1280, t.quote, t.qlen);
	CU_ASSERT_EQUAL(t.f->b.peer_mss, 1240);
	CU_ASSERT_EQUAL(t.f->c.peer_mss, CLIENT_MSS);
	expect_told(&t.c, t.c_seq, 1280);
	send_data(&t, true, t.c_seq, 1400);
	CU_ASSERT_EQUAL(expect_pieces(&t.b, t.c_seq, 1400, 1240, t.f->seq_c2b), 2);
	rh_flow_end(t.f);
}

/* The relay's own copy of the hello (kept, sent to the member after its SYN-ACK) meets a
 * smaller path: sent again at once in pieces that pass, and the member not blamed when the
 * hello's timer would have run out. Before, nothing went until that timer, which counted
 * a failure of the member (and, in a larger pool, redispatched: the next one's MSS undoing
 * what was learned). The floor lowered for the case: the captured hello is 249 bytes. */
static void test_kept_hello_resent_smaller(void)
{
	struct mr_relay_conf *rc = (struct mr_relay_conf *)&rh_app.conf->relay;
	uint64_t resent = rh_event(DP_EV_stream_retransmit);
	uint16_t floor = rc->peer_mss_floor;
	struct health_stats before, after;
	uint32_t slot;
	struct rh_peer c = rh_client(false), b;
	struct flow *f = rh_client_start(&c, rh_hello_api, rh_hello_api_len);
	uint8_t quote[QUOTE_MAX], o[40];
	uint32_t qlen, seq, plen, got = 0;
	unsigned int n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	slot = relay_member_slot(rh_w, f);
	CU_ASSERT_FATAL(slot < rh_app.health->capacity);
	health_stats_read(rh_app.health, slot, &before);
	b = rh_backend(f);
	rh_drain(b.port);
	n = tcp_opts_write_syn(o, BACKEND_MSS, TCP_WSCALE_NONE, false, false, 0, 0);
	rh_send_opts(&b, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, b.isn, b.our_isn + 1, o, n, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_SPLICED);
	qlen = sent_quote(&b, quote, &seq, &plen); /* the hello, whole */
	CU_ASSERT_EQUAL(plen, rh_hello_api_len);
	/* The error comes late, just before the hello's timer would run out: the resend
	 * starts it anew. */
	rh_w->now_ms += f->stream_rto * 50u - 10;
	rc->peer_mss_floor = 64;
	router_error(b.port, false, b.our_ip, NULL, 200, quote, qlen);
	rc->peer_mss_floor = floor;
	CU_ASSERT_EQUAL(f->b.peer_mss, 160);
	for (struct rh_sent s = rh_next_tcp(b.port); s.m; s = rh_next_tcp(b.port)) {
		CU_ASSERT(s.plen <= 160);
		CU_ASSERT_EQUAL(rte_be_to_cpu_32(s.tcp->sent_seq), b.our_isn + 1 + got);
		got += s.plen;
		rte_pktmbuf_free(s.m);
	}
	CU_ASSERT_EQUAL(got, rh_hello_api_len);
	rh_w->now_ms += 20; /* past the first send's deadline, the pieces not acknowledged yet */
	dp_worker_housekeeping(rh_w);
	dp_worker_housekeeping(rh_w);
	CU_ASSERT_EQUAL(rh_event(DP_EV_stream_retransmit), resent);
	rh_send(&b, RTE_TCP_ACK_FLAG, b.isn + 1, b.our_isn + 1 + got, NULL, 0);
	rh_w->now_ms += 5000; /* past the hello's timer */
	dp_worker_housekeeping(rh_w);
	dp_worker_housekeeping(rh_w); /* the health worker's events */
	health_stats_read(rh_app.health, slot, &after);
	CU_ASSERT_EQUAL(after.failures, before.failures);
	CU_ASSERT_EQUAL(rh_event(DP_EV_stream_retransmit), resent);
	CU_ASSERT_PTR_EQUAL(rh_client_flow(&c), f);
	rh_drain(c.port);
	rh_drain(b.port);
	rh_flow_end(f);
}

/* An IPv6 client (its backend IPv4): a too-big error naming less than IPv6's minimum MTU
 * is discarded (RFC 8201 section 4; before, it was taken as 1280), one naming 1280 lowers
 * the side to 1220; told of its backend's path, the client gets the IPv6 MTU for that
 * MSS, never below 1280. */
static void test_client_path_lowered_v6(void)
{
	uint64_t below = rh_drops(DP_DROP_pmtu_below_ipv6_min);
	struct conn t;

	conn_open(&t, true);
	forward(&t, false, 1400);
	CU_ASSERT_EQUAL(t.qplen, 1400);
	client_error(&t, 1000);
	CU_ASSERT_EQUAL(t.f->c.peer_mss, CLIENT_MSS6);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_pmtu_below_ipv6_min), below + 1);
	client_error(&t, 1280);
	CU_ASSERT_EQUAL(t.f->c.peer_mss, 1220);
	send_data(&t, false, t.b_seq, 1400);
	CU_ASSERT_EQUAL(expect_pieces(&t.c, t.b_seq, 1400, 1220, t.f->seq_b2c), 2);
	/* The other way: the backend's path of 1300 (MSS 1260) told to the IPv6 client as
	 * the IPv6 MTU that carries it, 1320. */
	forward(&t, true, 1400);
	router_error(t.b.port, false, t.b.our_ip, NULL, 1300, t.quote, t.qlen);
	CU_ASSERT_EQUAL(t.f->b.peer_mss, 1260);
	expect_told(&t.c, t.c_seq, 1320);
	/* A backend path at IPv4's floor (MSS 536) is told as IPv6's minimum, 1280: Linux
	 * discards a smaller one, and the relay cuts what is still too big. */
	router_error(t.b.port, false, t.b.our_ip, NULL, 576, t.quote, t.qlen);
	CU_ASSERT_EQUAL(t.f->b.peer_mss, 536);
	expect_told(&t.c, t.c_seq, 1280);
	rh_flow_end(t.f);
}

/* Errors quoting bytes not in flight (all acknowledged, or never sent: a blind forger's
 * guess, RFC 5927) change nothing. An MTU below what the relay takes from any peer lowers
 * the side only to relay.peer_mss_floor; so does an IPv4 error naming no MTU (routers
 * older than RFC 1191) or one below 68, as Linux takes its minimum. */
static void test_stale_and_floor(void)
{
	uint64_t stale = rh_drops(DP_DROP_icmp_quote_stale), no_mtu = rh_event(DP_EV_pmtu_no_mtu);
	struct conn t;

	conn_open(&t, false);
	forward(&t, false, 1000);
	/* The same segment as if it were the next one: beyond what was sent. */
	*(rte_be32_t *)(t.quote + 24) = rte_cpu_to_be_32(t.qseq + 1000);
	client_error(&t, 1200);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_icmp_quote_stale), stale + 1);
	CU_ASSERT_EQUAL(t.f->c.peer_mss, CLIENT_MSS);
	*(rte_be32_t *)(t.quote + 24) = rte_cpu_to_be_32(t.qseq);
	client_error(&t, 0);
	CU_ASSERT_EQUAL(rh_event(DP_EV_pmtu_no_mtu), no_mtu + 1);
	CU_ASSERT_EQUAL(t.f->c.peer_mss, 536);
	client_error(&t, 60);
	CU_ASSERT_EQUAL(rh_event(DP_EV_pmtu_no_mtu), no_mtu + 2);
	CU_ASSERT_EQUAL(t.f->c.peer_mss, 536);
	rh_flow_end(t.f);

	conn_open(&t, false);
	forward(&t, false, 1000);
	client_error(&t, 300);
	CU_ASSERT_EQUAL(t.f->c.peer_mss, 536);
	/* The client acknowledges it all: the quote is history. */
	rh_send(&t.c, RTE_TCP_ACK_FLAG, t.c_seq, t.qseq + 1000, NULL, 0);
	rh_drain(t.b.port);
	client_error(&t, 576);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_icmp_quote_stale), stale + 2);
	rh_flow_end(t.f);
}

/* An error quoting no connection of the relay (the host's SSH, say) goes to the host, and
 * one with a bad checksum is dropped; neither changes a flow. */
static void test_not_the_relays(void)
{
	uint64_t host = rh_drops(DP_DROP_no_exception_path), bad = rh_drops(DP_DROP_icmp_malformed),
		 bad6 = rh_drops(DP_DROP_icmp6_malformed), in = rh_event(DP_EV_pmtu_too_big_in);
	struct conn t;

	conn_open(&t, false);
	forward(&t, false, 1400);
	rte_be16_t listener = *(rte_be16_t *)(t.quote + 20);

	*(rte_be16_t *)(t.quote + 20) = rte_cpu_to_be_16(22); /* from the host's port 22 */
	client_error(&t, 1200);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_no_exception_path), host + 1);
	*(rte_be16_t *)(t.quote + 20) = listener;
	/* Errors about the flow, one quoted byte changed on the way: their checksums fail. */
	for (int v6 = 0; v6 < 2; v6++) {
		struct rte_mbuf *m = error_frame(t.c.port, v6, RH_EDGE_IP, rh_edge6, 1200,
						 t.quote, t.qlen);

		*rte_pktmbuf_mtod_offset(m, uint8_t *, rte_pktmbuf_data_len(m) - 1) ^= 0x5a;
		rh_input_burst(t.c.port, &m, 1);
	}
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_icmp_malformed), bad + 1);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_icmp6_malformed), bad6 + 1);
	CU_ASSERT_EQUAL(t.f->c.peer_mss, CLIENT_MSS);
	CU_ASSERT_EQUAL(rh_event(DP_EV_pmtu_too_big_in), in);
	/* The right one still works after them. */
	client_error(&t, 1200);
	CU_ASSERT_EQUAL(t.f->c.peer_mss, 1160);
	CU_ASSERT_EQUAL(rh_event(DP_EV_pmtu_too_big_in), in + 1);
	rh_flow_end(t.f);
}

/* The member's host answers the relay's SYN with a port unreachable (a firewall's
 * REJECT): the flow gives up on it at once, as on a RST (its pool has no other member here:
 * refused, the client reset), not after every SYN retry. A port unreachable quoting
 * another sequence number (a blind forger's guess) changes nothing; nor does a network
 * unreachable, which may pass. */
static void test_port_unreachable_refuses_connect(void)
{
	uint64_t refused = rh_drops(DP_DROP_backend_refused), stale = rh_drops(DP_DROP_icmp_quote_stale);
	struct rh_peer c = rh_client(false), b;
	struct flow *f = rh_client_start(&c, rh_hello_api, rh_hello_api_len);
	uint8_t quote[QUOTE_MAX];
	uint32_t qlen, seq, plen;
	struct rte_mbuf *m;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_CONNECTING);
	b = rh_backend(f);
	qlen = sent_quote(&b, quote, &seq, &plen); /* the relay's SYN */
	CU_ASSERT_EQUAL(seq, b.our_isn);
	rh_drain(c.port);
	quote[24] ^= 1; /* another sequence number */
	m = error_frame_of(b.port, false, b.our_ip, NULL, 0, quote, qlen, 3, 3);
	rh_input_burst(b.port, &m, 1);
	quote[24] ^= 1;
	m = error_frame_of(b.port, false, b.our_ip, NULL, 0, quote, qlen, 3, 0);
	rh_input_burst(b.port, &m, 1);
	CU_ASSERT_EQUAL(f->state, FLOW_CONNECTING);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_icmp_quote_stale), stale + 1);
	m = error_frame_of(b.port, false, b.our_ip, NULL, 0, quote, qlen, 3, 3);
	rh_input_burst(b.port, &m, 1);
	CU_ASSERT_PTR_NULL(rh_client_flow(&c));
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_backend_refused), refused + 1);
	CU_ASSERT(rh_drain(c.port) >= 1); /* the client's reset */
	rh_drain(b.port);
}

/* What a router quotes of the relay's SYN towards srv: its IPv4 header and the first 8
 * bytes of its TCP header (RFC 792's least), into q. */
static uint32_t syn_quote_of(const struct rh_peer *srv, uint8_t *q)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)q;

	memset(q, 0, 28);
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16(60);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = rte_cpu_to_be_32(srv->our_ip);
	ip->dst_addr = rte_cpu_to_be_32(srv->ip);
	*(rte_be16_t *)(q + 20) = rte_cpu_to_be_16(srv->our_port);
	*(rte_be16_t *)(q + 22) = rte_cpu_to_be_16(srv->port_num);
	*(rte_be32_t *)(q + 24) = rte_cpu_to_be_32(srv->our_isn);
	return 28;
}

/* The TURN server's host answers a data connection's SYN with a port unreachable: the
 * bind ends at once, as on the server's RST, instead of after every SYN retry (before, it
 * waited them out). One quoting another sequence number changes nothing. */
static void test_port_unreachable_refuses_bind(void)
{
	uint64_t refused = rh_drops(DP_DROP_turn_bind_refused),
		 stale = rh_drops(DP_DROP_icmp_quote_stale);
	struct turn_bind_req req = rh_bind_request();
	uint8_t quote[28];
	struct rh_peer srv;
	struct rte_mbuf *m;
	uint32_t qlen;

	rh_bind_syn(&req, 9000, &srv);
	qlen = syn_quote_of(&srv, quote);
	quote[27] ^= 1; /* another sequence number */
	m = error_frame_of(srv.port, false, srv.our_ip, NULL, 0, quote, qlen, 3, 3);
	rh_input_burst(srv.port, &m, 1);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_icmp_quote_stale), stale + 1);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_turn_bind_refused), refused);
	quote[27] ^= 1;
	m = error_frame_of(srv.port, false, srv.our_ip, NULL, 0, quote, qlen, 3, 3);
	rh_input_burst(srv.port, &m, 1);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_turn_bind_refused), refused + 1);
	for (unsigned int i = 0; i < TURN_BIND_SLOTS; i++)
		CU_ASSERT_FALSE(rh_w->binds[i].used);
	CU_ASSERT_EQUAL(rh_drain(srv.port), 0); /* neither a RST nor the SYN again */
}

/* A port's configured MTU is the one the relay works to (its segments' room, its SYNs'
 * MSS), on a device that cannot set one (the ring PMD has no MTU setter). Before, the
 * configure reset the device's MTU to 1500 and the relay read that back, sending frames
 * the link could not carry. (Last: it brings the appliance up again so.) */
static void test_configured_mtu_read_back(void)
{
	rh_down();
	CU_ASSERT_EQUAL_FATAL(rh_up_svc("mbufs = 0;", "max_flows = 64;", "mtu = 1400;", "", "",
					""), 0);
	CU_ASSERT_EQUAL(rh_app.ports[1].caps.mtu, 1400);
	CU_ASSERT_EQUAL(rh_app.ports[0].caps.mtu, 1500);
}

int test_relay_pmtu_register(void)
{
	static const CU_TestInfo tests[] = {
		{ "client path: MSS lowered, retransmission cut", test_client_path_lowered },
		{ "backend path: MSS lowered, retransmission cut", test_backend_path_lowered },
		{ "the kept hello on a smaller path: resent at once, the member not blamed",
		  test_kept_hello_resent_smaller },
		{ "IPv6 client: lowered to 1220 and no further", test_client_path_lowered_v6 },
		{ "stale quotes change nothing, small MTUs give the floor", test_stale_and_floor },
		{ "the host's errors and corrupted ones", test_not_the_relays },
		{ "a port unreachable for the SYN: the member refused",
		  test_port_unreachable_refuses_connect },
		{ "a port unreachable for a TURN data connection's SYN: the bind refused",
		  test_port_unreachable_refuses_bind },
		{ "a port's configured MTU is the one worked to", test_configured_mtu_read_back },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite_with("relay_pmtu", suite_init, rh_down, tests);
}
