/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "relay_guard": what a blind spoofer tries against a spliced flow (RFC 5961), driven
 * through the appliance of relay_harness.h: RSTs and SYNs inside and outside the windows,
 * wrong checksums, spoofed acknowledgements, and the ration of challenge ACKs. */
#include <rte_ip.h>
#include <rte_random.h>

#include "dp_tx.h"
#include "mr_bytes.h"
#include "relay.h"
#include "relay_guard.h"
#include "relay_harness.h"
#include "relay_tcp.h"
#include "splice_rewrite.h"
#include "unit.h"

static int suite_init(void)
{
	return rh_up("mbufs = 0;", "max_flows = 1024;");
}

/* A spliced flow: the client's hello went to the backend, which acknowledged it. */
static struct flow *spliced(struct rh_peer *c, struct rh_peer *b)
{
	struct flow *f;

	*c = rh_client(false);
	f = rh_client_start(c, rh_hello_api, rh_hello_api_len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	rh_backend_accepts(f, b);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_SPLICED);
	rh_send(b, RTE_TCP_ACK_FLAG, b->isn + 1, b->our_isn + 1 + (uint32_t)rh_hello_api_len,
		NULL, 0);
	CU_ASSERT_PTR_NULL(f->stream);
	rh_drain(c->port);
	return f;
}

/* The frame with its TCP checksum made wrong. */
static struct rte_mbuf *corrupt(struct rte_mbuf *m)
{
	uint8_t *ck = rte_pktmbuf_mtod_offset(m, uint8_t *, 14 + 20 + 16);

	ck[0] ^= 0x5a;
	return m;
}

/* A blind RST: inside the window it is challenged, beyond it ignored, with a wrong
 * checksum dropped; only the exact sequence number ends the flow (before: any RST did). */
static void test_spliced_rst_exact_only(void)
{
	struct rh_peer c, b;
	struct flow *f = spliced(&c, &b);
	uint32_t exact = c.isn + 1 + (uint32_t)rh_hello_api_len;
	uint64_t not_exact = rh_drops(DP_DROP_rst_not_exact), bad = rh_drops(DP_DROP_tcp_checksum);
	uint64_t challenged = rh_event(DP_EV_challenge_ack_out);

	rh_send(&c, RTE_TCP_RST_FLAG, exact + 1000, 0, NULL, 0);
	CU_ASSERT_EQUAL(f->state, FLOW_SPLICED);
	CU_ASSERT_EQUAL(rh_event(DP_EV_challenge_ack_out), challenged + 1);
	rh_expect_ack(&c, exact);
	CU_ASSERT_EQUAL(rh_drain(b.port), 0); /* the backend saw nothing */
	rh_send(&c, RTE_TCP_RST_FLAG, exact + 100000000, 0, NULL, 0);
	CU_ASSERT_EQUAL(rh_event(DP_EV_challenge_ack_out), challenged + 1);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_rst_not_exact), not_exact + 2);
	rh_input(&c, corrupt(rh_frame(&c, RTE_TCP_RST_FLAG, exact, 0, NULL, 0, NULL, 0)));
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_tcp_checksum), bad + 1);
	CU_ASSERT_EQUAL(f->state, FLOW_SPLICED);
	/* The backend side the same way (its source port is a known range). */
	rh_send(&b, RTE_TCP_RST_FLAG, b.isn + 1 + 4000, 0, NULL, 0);
	CU_ASSERT_EQUAL(f->state, FLOW_SPLICED);
	CU_ASSERT_EQUAL(rh_drain(c.port), 0);
	rh_expect_ack(&b, b.isn + 1); /* its challenge */
	rh_send(&c, RTE_TCP_RST_FLAG, exact, 0, NULL, 0);
	CU_ASSERT_EQUAL(f->state, FLOW_CLOSING);
	CU_ASSERT_EQUAL(rh_drain(b.port), 1); /* the RST, passed on */
	rh_flow_end(f);
}

/* A spoofed backend ACK for bytes it never got no longer frees the kept hello (it did:
 * the relay would never send them again), nor does one with a wrong checksum. */
static void test_spoofed_backend_ack_keeps_bytes(void)
{
	struct rh_peer c = rh_client(false), b;
	struct flow *f = rh_client_start(&c, rh_hello_api, rh_hello_api_len);
	uint32_t all = b.our_isn + 1 + (uint32_t)rh_hello_api_len;
	uint64_t outside = rh_drops(DP_DROP_tcp_out_of_window);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	rh_backend_accepts(f, &b);
	all = b.our_isn + 1 + (uint32_t)rh_hello_api_len;
	CU_ASSERT_PTR_NOT_NULL_FATAL(f->stream);
	rh_send(&b, RTE_TCP_ACK_FLAG, b.isn + 1, all + 5000, NULL, 0);
	CU_ASSERT_PTR_NOT_NULL(f->stream);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_tcp_out_of_window), outside + 1);
	rh_input(&b, corrupt(rh_frame(&b, RTE_TCP_ACK_FLAG, b.isn + 1, all, NULL, 0, NULL, 0)));
	CU_ASSERT_PTR_NOT_NULL(f->stream);
	rh_send(&b, RTE_TCP_ACK_FLAG, b.isn + 1, all, NULL, 0);
	CU_ASSERT_PTR_NULL(f->stream);
	rh_flow_end(f);
}

/* A bare ACK at exactly the right edge of the window (a sender whose window the receiver
 * has filled, acknowledging the other way, or answering a zero-window probe) passes, as
 * its receiver takes it. Before, it was dropped as out of window: with both ends' windows
 * full, the window update was lost and the flow stalled for good. */
static void test_ack_at_window_edge(void)
{
	struct rh_peer c, b;
	struct flow *f = spliced(&c, &b);
	uint32_t edge = f->c.acked + f->b.max_win;
	uint64_t c2b = rh_event(DP_EV_splice_c2b), outside = rh_drops(DP_DROP_tcp_out_of_window);

	rh_send(&c, RTE_TCP_ACK_FLAG, edge, c.our_isn + 1, NULL, 0);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_tcp_out_of_window), outside);
	CU_ASSERT_EQUAL(rh_event(DP_EV_splice_c2b), c2b + 1);
	rh_send(&c, RTE_TCP_ACK_FLAG, edge + 1, c.our_isn + 1, NULL, 0); /* one past: dropped */
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_tcp_out_of_window), outside + 1);
	rh_drain(b.port);
	rh_flow_end(f);
}

/* A spliced flow reset by the relay (a stop, a timeout) while the client has not yet
 * acknowledged all it was relayed: a RST where the relay's sending stands and one where
 * the client's acknowledgement stands, so one is exact whatever of the rest arrived (RFC
 * 5961 only challenges a RST inside the window, and the flow is gone when the challenge
 * comes back: the client would wait out its own timeouts). */
static void test_abort_resets_at_both_ends(void)
{
	static const uint8_t data[500];
	struct rh_peer c, b;
	struct flow *f = spliced(&c, &b);
	uint32_t first = c.our_isn + 1, rsts[2] = { 0, 0 };
	unsigned int n = 0;
	struct rh_sent s;

	rh_send(&b, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, b.isn + 1,
		b.our_isn + 1 + (uint32_t)rh_hello_api_len, data, sizeof(data));
	rh_send(&b, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, b.isn + 1 + sizeof(data),
		b.our_isn + 1 + (uint32_t)rh_hello_api_len, data, sizeof(data));
	rh_drain(c.port);
	rh_send(&c, RTE_TCP_ACK_FLAG, c.isn + 1 + (uint32_t)rh_hello_api_len,
		first + sizeof(data), NULL, 0); /* the first segment only */
	rh_drain(b.port);
	relay_abort(rh_w, f, true, false, DP_DROP_none);
	dp_tx_flush(rh_w);
	while ((s = rh_next_tcp(c.port)).m) {
		if ((s.tcp->tcp_flags & RTE_TCP_RST_FLAG) && n < 2)
			rsts[n++] = rte_be_to_cpu_32(s.tcp->sent_seq);
		rte_pktmbuf_free(s.m);
	}
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(rsts[0], first + 2 * sizeof(data)); /* all it was sent */
	CU_ASSERT_EQUAL(rsts[1], first + sizeof(data));     /* what it acknowledged */
}

/* A SYN on a spliced flow is challenged, never passed on; data far outside the window is
 * dropped and does not keep the flow alive. */
static void test_spliced_syn_and_window(void)
{
	struct rh_peer c, b;
	struct flow *f = spliced(&c, &b);
	uint32_t next = c.isn + 1 + (uint32_t)rh_hello_api_len, expire;
	uint64_t c2b = rh_event(DP_EV_splice_c2b), syn = rh_drops(DP_DROP_syn_in_window);
	static const uint8_t data[100];

	rh_send(&c, RTE_TCP_SYN_FLAG, c.isn + 777777, 0, NULL, 0);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_syn_in_window), syn + 1);
	CU_ASSERT_EQUAL(rh_event(DP_EV_splice_c2b), c2b);
	CU_ASSERT_EQUAL(f->state, FLOW_SPLICED);
	rh_w->now_ms += 5000;
	expire = f->expire_ms;
	rh_send(&c, RTE_TCP_ACK_FLAG, next + 0x40000000u, c.our_isn + 1, data, sizeof(data));
	rh_send(&c, RTE_TCP_ACK_FLAG, next, c.our_isn + 1 + 0x40000000u, data, sizeof(data));
	CU_ASSERT_EQUAL(rh_event(DP_EV_splice_c2b), c2b);
	CU_ASSERT_EQUAL(f->expire_ms, expire);
	rh_send(&c, RTE_TCP_ACK_FLAG, next, c.our_isn + 1, data, sizeof(data));
	CU_ASSERT_EQUAL(rh_event(DP_EV_splice_c2b), c2b + 1);
	CU_ASSERT_NOT_EQUAL(f->expire_ms, expire);
	rh_flow_end(f);
}

/* A blind segment without ACK inside the window (RFC 9293: dropped once synchronized):
 * it must neither reach the backend nor move what the relay counts as sent, so a RST at
 * its end is no more exact than before; nor may a FIN without ACK mark the side closed. */
static void test_spliced_no_ack_dropped(void)
{
	struct rh_peer c, b;
	struct flow *f = spliced(&c, &b);
	uint32_t next = c.isn + 1 + (uint32_t)rh_hello_api_len, sent = f->b_snd_nxt;
	uint64_t no_ack = rh_drops(DP_DROP_tcp_no_ack);
	static const uint8_t data[100];

	rh_send(&c, 0, next, 0, data, sizeof(data));
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_tcp_no_ack), no_ack + 1);
	CU_ASSERT_EQUAL(rh_drain(b.port), 0);
	CU_ASSERT_EQUAL(f->b_snd_nxt, sent);
	rh_send(&c, RTE_TCP_RST_FLAG, next + sizeof(data), 0, NULL, 0);
	CU_ASSERT_EQUAL(f->state, FLOW_SPLICED);
	rh_send(&c, RTE_TCP_FIN_FLAG, next, 0, NULL, 0);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_tcp_no_ack), no_ack + 2);
	CU_ASSERT_FALSE(f->c.fin_seen);
	CU_ASSERT_EQUAL(rh_drain(b.port), 0);
	rh_flow_end(f);
}

/* Past 2 GiB from the client (its bytes sent on and acknowledged, here by moving the
 * flow's marks on as those would have): the backend's ACKs still reach the client as
 * they are, on the burst path and on the full one (a segment with NOP options). Before,
 * they were held at the end of the kept hello, which looked 2^31 bytes ahead. */
static void test_backend_ack_past_2gib(void)
{
	static const uint8_t data[100], nops[4] = { 1, 1, 1, 1 };
	const uint32_t moved = 0x80000000u + 5000;
	struct rh_peer c, b;
	struct flow *f = spliced(&c, &b);
	uint32_t next = c.isn + 1 + (uint32_t)rh_hello_api_len + moved;
	struct rh_sent s;

	f->c.acked += moved;
	f->b_snd_nxt += moved;
	for (int full = 0; full < 2; full++) {
		rh_send(&c, RTE_TCP_ACK_FLAG, next, c.our_isn + 1, data, sizeof(data));
		s = rh_next_tcp(b.port);
		CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
		CU_ASSERT_EQUAL(rte_be_to_cpu_32(s.tcp->sent_seq), next + f->seq_c2b);
		rte_pktmbuf_free(s.m);
		next += sizeof(data);
		rh_send_opts(&b, RTE_TCP_ACK_FLAG, b.isn + 1, next + f->seq_c2b, nops,
			     full ? sizeof(nops) : 0, NULL, 0);
		s = rh_next_tcp(c.port);
		CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
		CU_ASSERT_EQUAL(rte_be_to_cpu_32(s.tcp->recv_ack), next);
		CU_ASSERT(s.checksums_ok);
		rte_pktmbuf_free(s.m);
	}
	rh_flow_end(f);
}

/* A segment whose checksum the relay must make anew (here a SACK block at an odd offset,
 * which the incremental update cannot patch) is checked first: corrupted, it is dropped,
 * where a new sum would have vouched for its bytes; right, it goes on with a right sum. */
static void test_fresh_sum_not_laundered(void)
{
	static const uint8_t data[100];
	struct rh_peer c, b;
	struct flow *f = spliced(&c, &b);
	uint32_t acked = b.our_isn + 1 + (uint32_t)rh_hello_api_len;
	uint8_t opts[12] = { 1, 5, 10 }; /* NOP, SACK of one block (at offset 23), NOP */
	uint64_t bad = rh_drops(DP_DROP_tcp_checksum);
	struct rh_sent s;

	opts[11] = 1;
	mr_store_be32(opts + 3, acked + 1000);
	mr_store_be32(opts + 7, acked + 2000);
	rh_input(&b, corrupt(rh_frame(&b, RTE_TCP_ACK_FLAG, b.isn + 1, acked, opts, sizeof(opts),
				      data, sizeof(data))));
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_tcp_checksum), bad + 1);
	CU_ASSERT_EQUAL(rh_drain(c.port), 0);
	rh_send_opts(&b, RTE_TCP_ACK_FLAG, b.isn + 1, acked, opts, sizeof(opts), data,
		     sizeof(data));
	s = rh_next_tcp(c.port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	CU_ASSERT(s.checksums_ok);
	CU_ASSERT_EQUAL(s.plen, sizeof(data));
	rte_pktmbuf_free(s.m);
	rh_flow_end(f);
}

/* While the relay connects, a corrupted RST or SYN-ACK from the backend changes nothing:
 * no refusal, no splice on its options; the right SYN-ACK then splices. */
static void test_connecting_checks_sums(void)
{
	struct rh_peer c = rh_client(false), b;
	struct flow *f = rh_client_start(&c, rh_hello_api, rh_hello_api_len);
	uint64_t bad = rh_drops(DP_DROP_tcp_checksum);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	b = rh_backend(f);
	rh_drain(b.port);
	rh_input(&b, corrupt(rh_frame(&b, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, 0, b.our_isn + 1,
				      NULL, 0, NULL, 0)));
	rh_input(&b, corrupt(rh_frame(&b, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, b.isn,
				      b.our_isn + 1, NULL, 0, NULL, 0)));
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_tcp_checksum), bad + 2);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_CONNECTING);
	rh_send(&b, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, b.isn, b.our_isn + 1, NULL, 0);
	CU_ASSERT_EQUAL(f->state, FLOW_SPLICED);
	rh_flow_end(f);
}

/* A segment from peer b with its window field set to win (no scale), checksums right. */
static void send_window(const struct rh_peer *b, uint8_t flags, uint32_t seq, uint32_t ack,
			uint16_t win)
{
	struct rte_mbuf *m = rh_frame(b, flags, seq, ack, NULL, 0, NULL, 0);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
	struct rte_tcp_hdr *tcp = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, 14 + 20);

	tcp->rx_win = rte_cpu_to_be_16(win);
	tcp->cksum = 0;
	tcp->cksum = rte_ipv4_udptcp_cksum(ip, tcp);
	rh_input(b, m);
}

/* A backend whose first window (its SYN-ACK's, 100 bytes) is under half the kept hello
 * acknowledges the hello a part at a time: each part is taken, none dropped as outside
 * the window (SND.UNA is what the backend acknowledged so far, not the hello's end), and
 * the client is offered the window's right edge as the backend set it. */
static void test_backend_small_first_window(void)
{
	struct rh_peer c = rh_client(false), b;
	struct flow *f = rh_client_start(&c, rh_hello_api, rh_hello_api_len);
	uint64_t outside = rh_drops(DP_DROP_tcp_out_of_window);
	struct rh_sent to_client;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_FATAL(rh_hello_api_len > 2 * 100);
	b = rh_backend(f);
	rh_drain(b.port);
	send_window(&b, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, b.isn, b.our_isn + 1, 100);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_SPLICED);
	rh_drain(b.port);
	rh_drain(c.port);
	/* Its ACK of a part, raised for the client to the hello's end (which the relay
	 * acknowledged itself), offers the client only what its window leaves past that:
	 * 1,000 bytes, not the whole window again from the hello's end. */
	send_window(&b, RTE_TCP_ACK_FLAG, b.isn + 1, b.our_isn + 1 + 100,
		    (uint16_t)(rh_hello_api_len - 100 + 1000));
	to_client = rh_next_tcp(c.port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(to_client.m);
	CU_ASSERT_EQUAL(rte_be_to_cpu_32(to_client.tcp->recv_ack),
			c.isn + 1 + (uint32_t)rh_hello_api_len);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(to_client.tcp->rx_win),
			splice_rescale(1000, f->c.local_wscale));
	rte_pktmbuf_free(to_client.m);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_tcp_out_of_window), outside);
	CU_ASSERT_EQUAL(f->b_una, 100);
	rh_send(&b, RTE_TCP_ACK_FLAG, b.isn + 1, b.our_isn + 1 + (uint32_t)rh_hello_api_len,
		NULL, 0);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_tcp_out_of_window), outside);
	CU_ASSERT_PTR_NULL(f->stream); /* all taken: let go */
	rh_flow_end(f);
}

/* While the relay keeps the hello (the backend has not acknowledged it all), the
 * client's resend of hello bytes (our ACK of them lost) is not sent on: the backend gets
 * the relay's own copy, the one routed by, never other bytes at the same place. The
 * client is told again they arrived. */
static void test_kept_bytes_resent_not_sent_on(void)
{
	struct rh_peer c = rh_client(false), b;
	struct flow *f = rh_client_start(&c, rh_hello_api, rh_hello_api_len);
	uint64_t dropped = rh_drops(DP_DROP_kept_resent);
	uint8_t other[50];
	struct rh_sent s;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	b = rh_backend(f);
	rh_drain(b.port);
	send_window(&b, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, b.isn, b.our_isn + 1, 100);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_SPLICED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f->stream);
	rh_drain(b.port);
	rh_drain(c.port);
	memset(other, 'B', sizeof(other));
	rh_send(&c, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG,
		c.isn + 1 + (uint32_t)rh_hello_api_len - sizeof(other), c.our_isn + 1, other,
		sizeof(other));
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_kept_resent), dropped + 1);
	while ((s = rh_next_tcp(b.port)).m) {
		CU_ASSERT(s.plen == 0 || memchr(s.payload, 'B', s.plen) == NULL);
		rte_pktmbuf_free(s.m);
	}
	s = rh_next_tcp(c.port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	CU_ASSERT_EQUAL(rte_be_to_cpu_32(s.tcp->recv_ack), c.isn + 1 + (uint32_t)rh_hello_api_len);
	rte_pktmbuf_free(s.m);
	rh_flow_end(f);
}

/* A window the backend widens on a plain spliced ACK (the burst path's) widens what the
 * relay takes from the client: data 1,000 bytes ahead is outside a 100-byte window and
 * inside a 60,000-byte one. */
static void test_spliced_window_learned(void)
{
	struct rh_peer c = rh_client(false), b;
	struct flow *f = rh_client_start(&c, rh_hello_api, rh_hello_api_len);
	uint32_t next = c.isn + 1 + (uint32_t)rh_hello_api_len;
	uint32_t b_acks;
	uint64_t outside = rh_drops(DP_DROP_tcp_out_of_window);
	uint64_t c2b = rh_event(DP_EV_splice_c2b), burst;
	static const uint8_t data[100];

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	b = rh_backend(f);
	b_acks = b.our_isn + 1 + (uint32_t)rh_hello_api_len;
	rh_drain(b.port);
	send_window(&b, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, b.isn, b.our_isn + 1, 100);
	send_window(&b, RTE_TCP_ACK_FLAG, b.isn + 1, b_acks, 100);
	CU_ASSERT_PTR_NULL_FATAL(f->stream);
	CU_ASSERT_EQUAL(f->b.max_win, 100);
	rh_send(&c, RTE_TCP_ACK_FLAG, next + 1000, c.our_isn + 1, data, sizeof(data));
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_tcp_out_of_window), outside + 1);
	burst = rh_event(DP_EV_splice_burst);
	send_window(&b, RTE_TCP_ACK_FLAG, b.isn + 1, b_acks, 60000);
	CU_ASSERT_EQUAL(rh_event(DP_EV_splice_burst), burst + 1);
	CU_ASSERT_EQUAL(f->b.max_win, 60000);
	rh_send(&c, RTE_TCP_ACK_FLAG, next + 1000, c.our_isn + 1, data, sizeof(data));
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_tcp_out_of_window), outside + 1);
	CU_ASSERT_EQUAL(rh_event(DP_EV_splice_c2b), c2b + 1);
	rh_drain(b.port);
	rh_drain(c.port);
	rh_flow_end(f);
}

/* Before the splice the same: data without ACK is not kept, a FIN without an acceptable
 * ACK does not end the flow (RFC 5961 section 5). */
static void test_hello_no_ack_dropped(void)
{
	struct rh_peer c = rh_client(false);
	struct flow *f = rh_client_start(&c, rh_hello_api, 40); /* the hello's start */
	uint32_t next = c.isn + 1 + 40;
	uint64_t no_ack = rh_drops(DP_DROP_tcp_no_ack);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_HELLO);
	rh_send(&c, 0, next, 0, rh_hello_api + 40, 20);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_tcp_no_ack), no_ack + 1);
	CU_ASSERT_EQUAL(f->stream_len, 40);
	rh_send(&c, RTE_TCP_FIN_FLAG, next, 0, NULL, 0);
	rh_send(&c, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, next, c.our_isn + 1 + 0x10000000u, NULL,
		0);
	CU_ASSERT_EQUAL(f->state, FLOW_HELLO);
	rh_send(&c, RTE_TCP_ACK_FLAG, next, c.our_isn + 1, rh_hello_api + 40,
		rh_hello_api_len - 40);
	CU_ASSERT_EQUAL(f->state, FLOW_CONNECTING);
	rh_flow_end(f);
}

/* A segment corrupted on its way (its window read as 7 bytes) teaches the collecting flow
 * nothing: its checksum is checked before its window or timestamp is taken, also for a
 * bare ACK. Before, the bare ACK's window was kept, and the splice began with the
 * client's largest window at 7 bytes. */
static void test_hello_learns_only_from_sound_segments(void)
{
	struct rh_peer c = rh_client(false);
	struct flow *f = rh_client_start(&c, rh_hello_api, 40);
	uint64_t bad = rh_drops(DP_DROP_tcp_checksum);
	uint32_t win;
	struct rte_mbuf *m;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	win = f->c_win;
	CU_ASSERT_FATAL(win > 0);
	for (uint32_t len = 0; len <= 20; len += 20) {
		m = rh_frame(&c, RTE_TCP_ACK_FLAG, c.isn + 1 + 40, c.our_isn + 1, NULL, 0,
			     rh_hello_api + 40, len);
		/* 7, not 0: 0 and 65535 are the same to a one's complement sum */
		rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, 14 + 20)->rx_win =
			rte_cpu_to_be_16(7);
		rh_input(&c, m);
	}
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_tcp_checksum), bad + 2);
	CU_ASSERT_EQUAL(f->c_win, win);
	CU_ASSERT_EQUAL(f->stream_len, 40);
	rh_flow_end(f);
}

/* A hello whose checksum is wrong makes no flow (the flow would be made of its options,
 * read from the cookie in its timestamp); sent again intact, it does. */
static void test_corrupted_first_data_makes_no_flow(void)
{
	struct rh_peer c = rh_client(false);
	uint64_t bad = rh_drops(DP_DROP_tcp_checksum);
	struct rh_sent synack;
	struct flow *f;

	rh_drain(c.port);
	rh_send(&c, RTE_TCP_SYN_FLAG, c.isn, 0, NULL, 0);
	synack = rh_next_tcp(c.port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(synack.m);
	c.our_isn = rte_be_to_cpu_32(synack.tcp->sent_seq);
	rte_pktmbuf_free(synack.m);
	rh_input(&c, corrupt(rh_frame(&c, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, c.isn + 1,
				      c.our_isn + 1, NULL, 0, rh_hello_api, rh_hello_api_len)));
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_tcp_checksum), bad + 1);
	CU_ASSERT_PTR_NULL(rh_client_flow(&c));
	rh_send(&c, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, c.isn + 1, c.our_isn + 1, rh_hello_api,
		rh_hello_api_len);
	f = rh_client_flow(&c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(f->state, FLOW_CONNECTING);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_tcp_checksum), bad + 1);
	rh_flow_end(f);
}

/* Challenge ACKs are rationed per worker: at most relay.challenge_acks a second, each
 * second's ration drawn between half of it and all of it, so that one client counting
 * the challenges it gets cannot tell how many went to others (CVE-2016-5696). */
static void test_challenge_rate(void)
{
	struct mr_relay_conf *rc = (struct mr_relay_conf *)&rh_app.conf->relay;
	const uint32_t saved = rc->challenge_acks;
	struct rh_peer c, b;
	struct flow *f = spliced(&c, &b);
	uint32_t next = c.isn + 1 + (uint32_t)rh_hello_api_len;
	unsigned int seen[9] = { 0 };

	rc->challenge_acks = 8;
	rte_srand(20261205); /* the rations from a fixed start: the same every run */
	for (unsigned int second = 0; second < 40; second++) {
		uint64_t sent = rh_event(DP_EV_challenge_ack_out);
		uint64_t limited = rh_event(DP_EV_challenge_ack_limited);
		uint64_t n;

		rh_w->now_ms += 1000; /* a second of its own */
		for (uint32_t i = 1; i <= 12; i++)
			rh_send(&c, RTE_TCP_RST_FLAG, next + i, 0, NULL, 0);
		n = rh_event(DP_EV_challenge_ack_out) - sent;
		CU_ASSERT(n >= 4 && n <= 8);
		CU_ASSERT_EQUAL(rh_event(DP_EV_challenge_ack_limited) - limited, 12 - n);
		seen[n <= 8 ? n : 0]++;
		rh_drain(c.port);
	}
	for (unsigned int n = 4; n <= 8; n++)
		CU_ASSERT(seen[n] < 40); /* not one fixed ration */
	CU_ASSERT_EQUAL(f->state, FLOW_SPLICED);
	rc->challenge_acks = saved;
	rh_flow_end(f);
}

/* How many of the frames the relay sent on port p since the last look are RSTs to TCP
 * port dport (all those frames freed). */
static unsigned int resets_to(const struct dp_port *p, uint16_t dport)
{
	unsigned int n = 0;

	for (struct rh_sent s = rh_next_tcp(p); s.m; s = rh_next_tcp(p)) {
		n += rte_be_to_cpu_16(s.tcp->dst_port) == dport &&
		     (s.tcp->tcp_flags & RTE_TCP_RST_FLAG);
		rte_pktmbuf_free(s.m);
	}
	return n;
}

/* The data plane stops with connections open (the drain ran out): a spliced one is reset
 * at both ends, one still sending its hello at its client, and their flows go. Before,
 * the worker just left: both ends kept their connections until their own timeouts. Last
 * of the suite: it ends every flow of the table. */
static void test_reset_all_on_stop(void)
{
	uint64_t stopped = rh_drops(DP_DROP_stopped);
	struct rh_peer c, b, h = rh_client(false);
	struct flow *f = spliced(&c, &b);
	unsigned int to_c = 0, to_h = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rh_client_start(&h, rh_hello_api, 10));
	rh_drain(h.port);
	rh_drain(b.port);
	relay_reset_all(rh_w);
	dp_tx_flush(rh_w);
	CU_ASSERT_EQUAL(resets_to(b.port, b.port_num), 1);
	/* The two clients share the edge port: its frames read once, sorted by client. */
	for (struct rh_sent e = rh_next_tcp(c.port); e.m; e = rh_next_tcp(c.port)) {
		if (e.tcp->tcp_flags & RTE_TCP_RST_FLAG) {
			to_c += rte_be_to_cpu_16(e.tcp->dst_port) == c.port_num;
			to_h += rte_be_to_cpu_16(e.tcp->dst_port) == h.port_num;
		}
		rte_pktmbuf_free(e.m);
	}
	CU_ASSERT_EQUAL(to_c, 1);
	CU_ASSERT_EQUAL(to_h, 1);
	CU_ASSERT_PTR_NULL(rh_client_flow(&c));
	CU_ASSERT_PTR_NULL(rh_client_flow(&h));
	CU_ASSERT_EQUAL(flow_count(rh_w->flows), 0);
	CU_ASSERT(rh_drops(DP_DROP_stopped) >= stopped + 2);
}

/* The MAC comparison of every spliced segment: any byte of the source MAC counts, the
 * bytes read beside it (the side's port and flags, the frame's destination) do not. */
static void test_mac_moved_bytes(void)
{
	struct flow_side side = { .port = 3, .sack = 1, .ts = 1,
				  .peer_mac = { { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 } } };
	struct rte_ether_hdr eth = { .dst_addr = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } },
				     .src_addr = side.peer_mac };

	CU_ASSERT_FALSE(relay_guard_mac_moved(&side, &eth));
	side.port = 9;
	side.fin_seen = 1;
	memset(&eth.dst_addr, 0, sizeof(eth.dst_addr));
	CU_ASSERT_FALSE(relay_guard_mac_moved(&side, &eth));
	for (unsigned int i = 0; i < RTE_ETHER_ADDR_LEN; i++) {
		eth.src_addr.addr_bytes[i] ^= 0x80;
		CU_ASSERT_TRUE(relay_guard_mac_moved(&side, &eth));
		eth.src_addr.addr_bytes[i] ^= 0x80;
	}
}

/* The ack of the next frame sent towards p (others before it freed), 0 with none. */
static uint32_t next_ack_to(const struct dp_port *p)
{
	struct rh_sent s = rh_next_tcp(p);
	uint32_t ack;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	ack = rte_be_to_cpu_32(s.tcp->recv_ack);
	rte_pktmbuf_free(s.m);
	return ack;
}

/* A member's ACK corrupted on its way, naming client bytes it has not received, teaches
 * the flow nothing that reaches the client: the member's sound ACKs after it go to the
 * client as they come (before, they were raised to the corrupted one, and the client took
 * bytes for delivered that the member never had: lost if they were). Where the NIC judges
 * sums, such an ACK is dropped before it teaches anything, on the burst path too. */
static void test_corrupted_ack_not_raising(void)
{
	static const uint8_t data[1000];
	struct rh_peer c, b;
	struct flow *f = spliced(&c, &b);
	struct dp_port *svc = (struct dp_port *)b.port;
	uint32_t next = c.isn + 1 + (uint32_t)rh_hello_api_len;
	uint32_t acked = next + f->seq_c2b; /* the member's terms */
	uint64_t bad = rh_drops(DP_DROP_tcp_checksum);
	bool nic_sums = svc->caps.rx_l4_cksum;
	struct rte_mbuf *m;

	rh_send(&c, RTE_TCP_ACK_FLAG, next, c.our_isn + 1, data, sizeof(data));
	rh_drain(b.port);
	rh_input(&b, corrupt(rh_frame(&b, RTE_TCP_ACK_FLAG, b.isn + 1, acked + 1000, NULL, 0,
				      NULL, 0)));
	rh_drain(c.port); /* on its way with its sum still wrong: the client drops it */
	rh_send(&b, RTE_TCP_ACK_FLAG, b.isn + 1, acked, NULL, 0);
	CU_ASSERT_EQUAL(next_ack_to(c.port), next);
	/* The NIC's verdict: bad, so dropped before the guard learns from it. */
	svc->caps.rx_l4_cksum = true;
	f->c.acked = next;
	m = corrupt(rh_frame(&b, RTE_TCP_ACK_FLAG, b.isn + 1, acked + 1000, NULL, 0, NULL, 0));
	m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_BAD;
	rh_input(&b, m);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_tcp_checksum), bad + 1);
	CU_ASSERT_EQUAL(f->c.acked, next);
	CU_ASSERT_EQUAL(rh_drain(c.port), 0);
	svc->caps.rx_l4_cksum = nic_sums;
	rh_send(&b, RTE_TCP_ACK_FLAG, b.isn + 1, acked + 1000, NULL, 0);
	CU_ASSERT_EQUAL(next_ack_to(c.port), next + 1000);
	rh_flow_end(f);
}

int test_relay_guard_register(void)
{
	static const CU_TestInfo tests[] = {
		{ "spliced: a RST only at the exact sequence", test_spliced_rst_exact_only },
		{ "a moved MAC told by any of its bytes", test_mac_moved_bytes },
		{ "spoofed backend ACK frees nothing", test_spoofed_backend_ack_keeps_bytes },
		{ "spliced: SYN challenged, outside the window dropped", test_spliced_syn_and_window },
		{ "spliced: no ACK, no effect", test_spliced_no_ack_dropped },
		{ "spliced: the backend's ACKs past 2 GiB", test_backend_ack_past_2gib },
		{ "spliced: a checksum made anew is checked first", test_fresh_sum_not_laundered },
		{ "spliced: a corrupted ACK raises no later one", test_corrupted_ack_not_raising },
		{ "a backend's first window under half the hello", test_backend_small_first_window },
		{ "kept bytes resent by the client: not sent on", test_kept_bytes_resent_not_sent_on },
		{ "spliced: a widened window taken on the burst path", test_spliced_window_learned },
		{ "connecting: a corrupted RST or SYN-ACK changes nothing", test_connecting_checks_sums },
		{ "hello: no ACK, no effect; a FIN needs an acceptable ACK", test_hello_no_ack_dropped },
		{ "a corrupted segment teaches a collecting flow nothing",
		  test_hello_learns_only_from_sound_segments },
		{ "a corrupted first data segment makes no flow",
		  test_corrupted_first_data_makes_no_flow },
		{ "challenge ACKs rationed", test_challenge_rate },
		{ "stopping: open connections reset at both ends", test_reset_all_on_stop },
		{ "a bare ACK at the window's right edge passes", test_ack_at_window_edge },
		{ "a reset of a spliced flow: at both ends of the unacknowledged", test_abort_resets_at_both_ends },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite_with("relay_guard", suite_init, rh_down, tests);
}
