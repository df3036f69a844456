/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "relay_hardening": what one patient client, or a spoofer before the splice, tries
 * against the relay, driven through the appliance of relay_harness.h, and what the relay
 * must do. A spliced flow's defences are suite relay_guard's. */
#include <string.h>

#include <rte_random.h>

#include "dp_worker.h"
#include "hello_builder.h"
#include "flow_limits.h"
#include "neigh.h"
#include "relay.h"
#include "relay_harness.h"
#include "relay_tcp.h"
#include "turn_bind.h"
#include "unit.h"

static int suite_init(void)
{
	return rh_up("mbufs = 0;", "max_flows = 1024;");
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
	CU_ASSERT_NOT_EQUAL(f1->b_seq.local_isn, predicted);
	CU_ASSERT_EQUAL(f1->b_seq.local_isn, relay_isn(rh_w, f1, FLOW_DIR_BACKEND));
	f2 = rh_client_start(&c2, rh_hello_api, rh_hello_api_len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f2);
	CU_ASSERT_NOT_EQUAL(f1->b_seq.local_isn, f2->b_seq.local_isn);
	/* The clock part: the same connection a second later starts 250,000 further on. */
	rh_w->now_ms += 1000;
	CU_ASSERT_EQUAL(relay_isn(rh_w, f1, FLOW_DIR_BACKEND) - f1->b_seq.local_isn, 250000u);
	relay_abort(rh_w, f1, false, false, DP_DROP_none);
	rh_flow_end(f2);
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

/* A client that sends its hello minutes after the handshake (a pool of idle connections),
 * its cookie expired: told by an exact RST, where it would resend the hello until its own
 * timeout. Data at another sequence number (overtaking the first), or acking another
 * number, still gets nothing. */
static void test_expired_cookie_hello_reset(void)
{
	struct rh_peer c = rh_client(false);
	uint64_t told = rh_event(DP_EV_cookie_expired_reset);
	uint64_t invalid = rh_drops(DP_DROP_syncookie_invalid);

	syn_answered(&c);
	rh_w->now_ms += 3 * SYNCOOKIE_PERIOD_MS;
	rh_send(&c, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, c.isn + 2, c.our_isn + 1, rh_hello_api,
		rh_hello_api_len);
	rh_send(&c, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, c.isn + 1, c.our_isn + 2, rh_hello_api,
		rh_hello_api_len);
	CU_ASSERT_EQUAL(rh_drain(c.port), 0);
	rh_send(&c, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, c.isn + 1, c.our_isn + 1, rh_hello_api,
		rh_hello_api_len);
	rh_expect_sent(c.port, RTE_TCP_RST_FLAG, c.our_isn + 1);
	CU_ASSERT_PTR_NULL(rh_client_flow(&c));
	CU_ASSERT_EQUAL(rh_event(DP_EV_cookie_expired_reset), told + 1);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_syncookie_invalid), invalid + 3);
}

/* A client whose hello was lost in the network, then acknowledging something anew (a
 * duplicated SYN-ACK, a window update): its bare ACK carries seq past the ISN, so the
 * cookie cannot be checked. It is dropped, not reset: the connection lives, and the
 * hello sent again opens it. */
static void test_bare_ack_after_lost_hello_not_reset(void)
{
	struct rh_peer c = rh_client(false);
	uint64_t invalid = rh_drops(DP_DROP_syncookie_invalid);
	struct rh_sent sent;
	bool reset = false;

	syn_answered(&c);
	/* The hello (seq c.isn + 1, rh_hello_api_len bytes) never arrives; the ACK after it: */
	rh_send(&c, RTE_TCP_ACK_FLAG, c.isn + 1 + (uint32_t)rh_hello_api_len, c.our_isn + 1,
		NULL, 0);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_syncookie_invalid), invalid + 1);
	while ((sent = rh_next_tcp(c.port)).m) {
		reset |= (sent.tcp->tcp_flags & RTE_TCP_RST_FLAG) != 0;
		rte_pktmbuf_free(sent.m);
	}
	CU_ASSERT_FALSE(reset);
	rh_send(&c, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, c.isn + 1, c.our_isn + 1, rh_hello_api,
		rh_hello_api_len);
	CU_ASSERT_PTR_NOT_NULL(rh_client_flow(&c));
	if (rh_client_flow(&c))
		relay_abort(rh_w, rh_client_flow(&c), false, false, DP_DROP_none);
	rh_drain(&rh_app.ports[0]);
	rh_drain(&rh_app.ports[1]);
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
	uint64_t refused = rh_drops(DP_DROP_turn_bind_refused);
	uint64_t aborts = rh_drops(DP_DROP_client_abort);
	struct rh_peer srv;

	for (unsigned int i = 0; i < TURN_BIND_SLOTS + 8; i++) {
		struct turn_bind_req req = rh_bind_request();

		rh_bind_open(&req, 5000, &srv);
		CU_ASSERT_EQUAL(binds_in_use(), 1);
		rh_send(&srv, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, srv.isn + 1, srv.our_isn + 21,
			NULL, 0);
		CU_ASSERT_EQUAL(binds_in_use(), 0);
	}
	/* Each counted as the server's refusal, not as a client's abort (no peer was behind
	 * it). */
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_turn_bind_refused), refused + TURN_BIND_SLOTS + 8);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_client_abort), aborts);
	rh_drain(srv.port);
}

/* The server's error answer to the ConnectionBind (438, a stale nonce) ends the bind at
 * once, counted: the same bytes on a new connection would get the same answer, and the
 * server let the connection id go (before, it was tried again four times). */
static void test_bind_error_answer_final(void)
{
	struct turn_bind_req req = rh_bind_request();
	uint64_t refused = rh_drops(DP_DROP_turn_bind_refused);
	uint64_t stale = rh_event(DP_EV_turn_bind_stale_nonce);
	uint8_t answer[28] = { 0x01, 0x1b, 0x00, 0x08, 0x21, 0x12, 0xa4, 0x42 };
	unsigned int syns = 0;
	struct rh_peer srv;
	struct rh_sent s;

	memcpy(answer + 8, req.bind.tid, 12);
	/* ERROR-CODE: class 4, number 38. */
	memcpy(answer + 20, (const uint8_t[]){ 0x00, 0x09, 0x00, 0x04, 0, 0, 4, 38 }, 8);
	rh_bind_open(&req, 7000, &srv);
	rh_drain(srv.port); /* the ConnectionBind */
	rh_send(&srv, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, srv.isn + 1, srv.our_isn + 21, answer,
		sizeof(answer));
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_turn_bind_refused), refused + 1);
	CU_ASSERT_EQUAL(rh_event(DP_EV_turn_bind_stale_nonce), stale + 1);
	CU_ASSERT_EQUAL(binds_in_use(), 0);
	rh_w->now_ms += 1000; /* past every retry's timer */
	dp_worker_housekeeping(rh_w);
	while ((s = rh_next_tcp(srv.port)).m) { /* its RST only: no new connection */
		syns += s.tcp->tcp_flags == RTE_TCP_SYN_FLAG;
		rte_pktmbuf_free(s.m);
	}
	CU_ASSERT_EQUAL(syns, 0);
}

/* A bind refused after it was sent opens another connection, whose SYN waits for its
 * timer; an ACK of an older connection on the new 4-tuple before that sends the SYN at once
 * (a RST at its acknowledgement first). The SYN-ACK that follows finds the connection as
 * any other: before, the mark "SYN not sent yet" (the client side's FIN flag) stayed, and
 * the flow went on to the splice as if the peer had closed. */
static void test_bind_retry_syn_sent_early(void)
{
	struct turn_bind_req req = rh_bind_request();
	struct rh_peer srv, again_srv;
	struct flow *again = NULL;

	rh_bind_open(&req, 8000, &srv);
	rh_send(&srv, RTE_TCP_RST_FLAG, srv.isn + 1, 0, NULL, 0); /* refused after the bind */
	for (unsigned int i = 0; i < TURN_BIND_SLOTS && !again; i++)
		if (rh_w->binds[i].used)
			again = flow_at(rh_w->flows, rh_w->binds[i].flow_index);
	CU_ASSERT_PTR_NOT_NULL_FATAL(again);
	CU_ASSERT_EQUAL_FATAL(again->state, FLOW_BIND_SYN);
	rh_drain(srv.port);
	again_srv = srv;
	again_srv.our_port = rte_be_to_cpu_16(again->c.key.local_port);
	again_srv.our_isn = again->c_seq.local_isn;
	rh_send(&again_srv, RTE_TCP_ACK_FLAG, 424242, 4242, NULL, 0);
	rh_expect_sent(srv.port, RTE_TCP_RST_FLAG, 4242);
	rh_expect_sent(srv.port, RTE_TCP_SYN_FLAG, again_srv.our_isn);
	rh_send(&again_srv, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, again_srv.isn,
		again_srv.our_isn + 1, NULL, 0);
	CU_ASSERT_EQUAL(again->state, FLOW_BIND_WAIT);
	CU_ASSERT_FALSE(again->c.fin_seen);
	rh_send(&again_srv, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, again_srv.isn + 1,
		again_srv.our_isn + 21, NULL, 0);
	CU_ASSERT_EQUAL(binds_in_use(), 0);
	rh_drain(srv.port);
}

/* A peer's first bytes that came with the bind's answer, part of a hello, are kept as any
 * hello's: on the hello queue, in the order the kept buffers' eviction takes (before, such
 * a flow was never queued, and held its buffers beyond eviction until its hello timeout). */
static void test_bind_partial_hello_queued(void)
{
	struct rh_peer srv;
	struct flow *f = rh_turn_connection(rh_hello_api, 100, &srv);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(f->state, FLOW_HELLO);
	CU_ASSERT_PTR_EQUAL(flow_hello_oldest(rh_w->flows), f);
	rh_flow_end(f);
	rh_drain(srv.port);
}

/* The bind counts as acknowledged only by an ACK of exactly all of it with a right
 * checksum: a forged one beyond what was sent, or a corrupted one, would stop its
 * retransmission for good. */
static void test_bind_ack_checked(void)
{
	struct turn_bind_req req = rh_bind_request();
	struct turn_bind_slot *b = NULL;
	struct rh_peer srv;
	struct rte_mbuf *m;

	rh_bind_open(&req, 6000, &srv);
	for (unsigned int i = 0; i < TURN_BIND_SLOTS; i++)
		if (rh_w->binds[i].used)
			b = &rh_w->binds[i];
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	rh_send(&srv, RTE_TCP_ACK_FLAG, srv.isn + 1, srv.our_isn + 21 + 100000, NULL, 0);
	CU_ASSERT_FALSE(b->acked);
	m = rh_frame(&srv, RTE_TCP_ACK_FLAG, srv.isn + 1, srv.our_isn + 21, NULL, 0, NULL, 0);
	rte_pktmbuf_mtod_offset(m, uint8_t *, 14 + 20 + 16)[0] ^= 0x5a; /* its checksum */
	rh_input(&srv, m);
	CU_ASSERT_FALSE(b->acked);
	rh_send(&srv, RTE_TCP_ACK_FLAG, srv.isn + 1, srv.our_isn + 21, NULL, 0);
	CU_ASSERT_TRUE(b->acked);
	rh_send(&srv, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, srv.isn + 1, srv.our_isn + 21, NULL, 0);
	CU_ASSERT_EQUAL(binds_in_use(), 0);
	rh_drain(srv.port);
}

/* The TURN server's answers to the data connection's SYN, as a backend's are taken: a
 * corrupted SYN-ACK or RST changes nothing (before, a SYN-ACK's options were taken as they
 * came, a RST ended the bind); an ACK of something else, from a connection the server
 * still holds on the 4-tuple after a restart of ours, is reset at its acknowledgement and
 * the SYN sent again (before, the SYN was only resent until the bind timed out). */
static void test_bind_syn_answers_checked(void)
{
	struct turn_bind_req req = rh_bind_request();
	uint64_t bad = rh_drops(DP_DROP_tcp_checksum);
	struct rh_peer srv;
	struct rte_mbuf *m;

	rh_bind_syn(&req, 7000, &srv);
	for (int rst = 0; rst < 2; rst++) {
		m = rh_frame(&srv, rst ? RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG
				       : RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG,
			     srv.isn, srv.our_isn + 1, NULL, 0, NULL, 0);
		rte_pktmbuf_mtod_offset(m, uint8_t *, 14 + 20 + 16)[0] ^= 0x5a; /* its checksum */
		rh_input(&srv, m);
	}
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_tcp_checksum), bad + 2);
	CU_ASSERT_EQUAL(binds_in_use(), 1);
	CU_ASSERT_EQUAL(rh_drain(srv.port), 0);
	/* The old connection's ACK: RST at its acknowledgement, then our SYN again. */
	rh_send(&srv, RTE_TCP_ACK_FLAG, 424242, 777777, NULL, 0);
	rh_expect_sent(srv.port, RTE_TCP_RST_FLAG, 777777);
	rh_expect_sent(srv.port, RTE_TCP_SYN_FLAG, srv.our_isn);
	/* The old connection's SYN-ACK (to an older SYN): the same, and counted. */
	bad = rh_drops(DP_DROP_backend_bad_ack);
	rh_send(&srv, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, srv.isn, 888888, NULL, 0);
	rh_expect_sent(srv.port, RTE_TCP_RST_FLAG, 888888);
	rh_expect_sent(srv.port, RTE_TCP_SYN_FLAG, srv.our_isn);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_backend_bad_ack), bad + 1);
	/* Answered intact, the bind goes on and ends as usual. */
	rh_send(&srv, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, srv.isn, srv.our_isn + 1, NULL, 0);
	CU_ASSERT_EQUAL(binds_in_use(), 1);
	rh_send(&srv, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, srv.isn + 1, srv.our_isn + 21, NULL, 0);
	CU_ASSERT_EQUAL(binds_in_use(), 0);
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

static unsigned int pool_in_use(void)
{
	return rte_mempool_in_use_count(rh_app.pool);
}

/* The client's SYN answered and acknowledged, no data yet: c->our_isn set. */
static void handshake(struct rh_peer *c)
{
	syn_answered(c);
	rh_send(c, RTE_TCP_ACK_FLAG, c->isn + 1, c->our_isn + 1, NULL, 0);
}

/* len bytes from `from` onwards, one byte per segment, starting at client seq `seq`. */
static void one_byte_segments(const struct rh_peer *c, uint32_t seq, const uint8_t *from,
			      size_t len)
{
	for (size_t i = 0; i < len; i++) {
		rh_send(c, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, seq + (uint32_t)i, c->our_isn + 1,
			from + i, 1);
		if (i % 256 == 255)
			rh_drain(c->port); /* the relay's ACKs */
	}
	rh_drain(c->port);
}

/* A whole ClientHello one byte per segment is routed (it was refused as too large past 64
 * segments, where HAProxy and nginx take it), and parsed a few times, not once a byte:
 * each parse starts from the first byte, so a hello sent thin cost the relay its length
 * squared (with lists of thousands of one-byte entries, a hundred times a segment's
 * cost). Here: the record header's first byte, the hello's length, the whole. */
static void test_hello_one_byte_per_segment(void)
{
	struct rh_peer c = rh_client(false);
	uint64_t too_large = rh_drops(DP_DROP_hello_too_large);
	uint64_t parsed = rh_event(DP_EV_hello_parsed);
	struct flow *f;

	handshake(&c);
	one_byte_segments(&c, c.isn + 1, rh_hello_api, rh_hello_api_len);
	f = rh_client_flow(&c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(f->state, FLOW_CONNECTING);
	CU_ASSERT(rh_event(DP_EV_hello_parsed) - parsed <= 3);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_hello_too_large), too_large);
	CU_ASSERT_TRUE(f->stream->nb_segs <= 2);
	relay_abort(rh_w, f, false, false, DP_DROP_none);
	rh_drain(&rh_app.ports[1]);
}

/* After the hello, 3,000 more client bytes one per segment while the backend is still
 * being opened: they pin no buffer each (one flow emptied a 16,383-mbuf pool that way),
 * and the backend gets every byte in order once it answers. */
static void test_tiny_segments_pin_no_buffers(void)
{
	static uint8_t more[3000];
	struct rh_peer c = rh_client(false), b;
	struct flow *f = rh_client_start(&c, rh_hello_api, rh_hello_api_len);
	unsigned int before;
	uint32_t got = 0;
	struct rh_sent s;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_CONNECTING);
	for (size_t i = 0; i < sizeof(more); i++)
		more[i] = (uint8_t)(i * 13);
	rh_drain(c.port);
	before = pool_in_use();
	one_byte_segments(&c, c.isn + 1 + (uint32_t)rh_hello_api_len, more, sizeof(more));
	CU_ASSERT_TRUE(pool_in_use() <= before + 2);
	CU_ASSERT_EQUAL(f->stream_len, rh_hello_api_len + sizeof(more));
	b = rh_backend(f);
	rh_drain(b.port);
	rh_send(&b, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, b.isn, b.our_isn + 1, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_SPLICED);
	while ((s = rh_next_tcp(b.port)).m) {
		uint32_t at = rte_be_to_cpu_32(s.tcp->sent_seq) - (b.our_isn + 1);

		CU_ASSERT_TRUE(s.checksums_ok);
		if (at + s.plen > rh_hello_api_len && at == got) {
			uint32_t skip = at < rh_hello_api_len ? (uint32_t)rh_hello_api_len - at : 0;

			CU_ASSERT_EQUAL(memcmp(s.payload + skip, more + at + skip - rh_hello_api_len,
					       s.plen - skip), 0);
		}
		if (at == got)
			got += s.plen;
		rte_pktmbuf_free(s.m);
	}
	CU_ASSERT_EQUAL(got, rh_hello_api_len + sizeof(more));
	relay_abort(rh_w, f, false, false, DP_DROP_none);
	rh_drain(c.port);
}

/* 259 connections from one address, each holding 63 one-byte segments of a hello: only
 * client.max_hellos (64) get a flow, the others are reset at once, and what they all hold
 * is a buffer each (before: 16,317 buffers, the pool down to 33). */
static void test_one_client_many_tiny_hellos(void)
{
	struct rh_peer c[259];
	uint64_t refused = rh_drops(DP_DROP_client_hello_limit);
	unsigned int before = pool_in_use(), with_flow = 0;

	for (unsigned int i = 0; i < RTE_DIM(c); i++) {
		c[i] = rh_client(false);
		handshake(&c[i]);
		one_byte_segments(&c[i], c[i].isn + 1, rh_hello_api, 63);
		with_flow += rh_client_flow(&c[i]) != NULL;
	}
	CU_ASSERT_EQUAL(with_flow, rh_app.conf->relay.client_max_hellos);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_client_hello_limit) - refused,
			RTE_DIM(c) - rh_app.conf->relay.client_max_hellos);
	CU_ASSERT_TRUE(pool_in_use() <= before + with_flow + 4);
	for (unsigned int i = 0; i < RTE_DIM(c); i++)
		if (rh_client_flow(&c[i]))
			relay_abort(rh_w, rh_client_flow(&c[i]), false, false, DP_DROP_none);
	CU_ASSERT_TRUE(pool_in_use() <= before + 4);
}

/* Per address: at most client.max_hellos not spliced and client.max_flows in all; a
 * spliced flow frees its hello place; another address is not affected. */
/* Another network's gateway (10.1.0.77, the harness's network "far") connecting to our
 * listener: its hellos are not held to one client's limit, since it carries its whole
 * network's. Before, its fourth hello in flight was reset (client_hello_limit). */
static void test_gateway_not_one_client(void)
{
	struct mr_relay_conf *rc = (struct mr_relay_conf *)&rh_app.conf->relay;
	const struct mr_relay_conf saved = *rc;
	uint64_t refused = rh_drops(DP_DROP_client_hello_limit);
	struct flow *f[6];

	rc->client_max_hellos = 3;
	for (unsigned int i = 0; i < RTE_DIM(f); i++) {
		struct rh_peer g = rh_client(false);

		g.ip = 0x0a01004du; /* 10.1.0.77 */
		f[i] = rh_client_start(&g, rh_hello_api, rh_hello_api_len);
		CU_ASSERT_PTR_NOT_NULL(f[i]);
	}
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_client_hello_limit), refused);
	for (unsigned int i = 0; i < RTE_DIM(f); i++)
		if (f[i])
			relay_abort(rh_w, f[i], false, false, DP_DROP_none);
	rh_drain(&rh_app.ports[0]);
	rh_drain(&rh_app.ports[1]);
	*rc = saved;
}

static void test_client_limits(void)
{
	struct mr_relay_conf *rc = (struct mr_relay_conf *)&rh_app.conf->relay;
	const struct mr_relay_conf saved = *rc;
	struct rh_peer c[7], other = rh_client(true), b;
	struct flow *f[7];
	uint32_t flows, hellos;

	rc->client_max_hellos = 3;
	rc->client_max_flows = 5;
	for (unsigned int i = 0; i < 4; i++) {
		c[i] = rh_client(false);
		f[i] = rh_client_start(&c[i], rh_hello_api, rh_hello_api_len);
	}
	CU_ASSERT_PTR_NOT_NULL(f[2]);
	CU_ASSERT_PTR_NULL(f[3]); /* a fourth hello */
	flow_client_counts(rh_w->flows, f[0], &flows, &hellos);
	CU_ASSERT_EQUAL(flows, 3);
	CU_ASSERT_EQUAL(hellos, 3);
	/* Spliced, a flow still counts as a hello while it keeps the bytes it sent the
	 * backend; once they are acknowledged, no longer. */
	for (unsigned int i = 0; i < 2; i++) {
		rh_backend_accepts(f[i], &b);
		flow_client_counts(rh_w->flows, f[0], &flows, &hellos);
		CU_ASSERT_EQUAL(hellos, 3 - i);
		rh_send(&b, RTE_TCP_ACK_FLAG, b.isn + 1, b.our_isn + 1 + (uint32_t)rh_hello_api_len,
			NULL, 0);
		CU_ASSERT_PTR_NULL(f[i]->stream);
	}
	flow_client_counts(rh_w->flows, f[0], &flows, &hellos);
	CU_ASSERT_EQUAL(hellos, 1);
	for (unsigned int i = 3; i < 6; i++) {
		c[i] = rh_client(false);
		f[i] = rh_client_start(&c[i], rh_hello_api, rh_hello_api_len);
	}
	CU_ASSERT_PTR_NOT_NULL(f[4]);
	CU_ASSERT_PTR_NULL(f[5]); /* a sixth flow */
	CU_ASSERT_PTR_NOT_NULL(rh_client_start(&other, rh_hello_web, rh_hello_web_len));
	for (unsigned int i = 0; i < 5; i++)
		relay_abort(rh_w, f[i], false, false, DP_DROP_none);
	relay_abort(rh_w, rh_client_flow(&other), false, false, DP_DROP_none);
	c[6] = rh_client(false);
	f[6] = rh_client_start(&c[6], rh_hello_api, rh_hello_api_len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f[6]);
	flow_client_counts(rh_w->flows, f[6], &flows, &hellos);
	CU_ASSERT_EQUAL(flows, 1);
	relay_abort(rh_w, f[6], false, false, DP_DROP_none);
	*rc = saved;
	rh_drain(&rh_app.ports[0]);
	rh_drain(&rh_app.ports[1]);
}

/* The worker's flows together keep at most their budget: past it, while every kept hello
 * is young, a hello segment is dropped unacknowledged (the client resends it) and nothing
 * else changes. */
static void test_kept_budget(void)
{
	const uint32_t saved = rh_app.kept_per_worker;
	struct rh_peer c1 = rh_client(false), c2 = rh_client(false);
	uint64_t no_room = rh_drops(DP_DROP_hello_no_room);
	struct flow *f2;

	rh_app.kept_per_worker = flow_kept_mbufs(rh_w->flows) + 1;
	CU_ASSERT_PTR_NOT_NULL_FATAL(rh_client_start(&c1, rh_hello_api, 100));
	f2 = rh_client_start(&c2, rh_hello_api, 100);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f2);
	CU_ASSERT_EQUAL(f2->stream_len, 0);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_hello_no_room), no_room + 1);
	rh_app.kept_per_worker = saved;
	rh_send(&c2, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, c2.isn + 1, c2.our_isn + 1, rh_hello_api,
		100);
	CU_ASSERT_EQUAL(f2->stream_len, 100);
	relay_abort(rh_w, rh_client_flow(&c1), false, false, DP_DROP_none);
	relay_abort(rh_w, f2, false, false, DP_DROP_none);
	rh_drain(&rh_app.ports[0]);
}

/* Past the budget, a hello kept for a quarter of the hello timeout is ended (RST to its
 * client, oldest first) so that the new one is kept: clients that hold hellos open cannot
 * starve the others until the timeout. The new one's own hello is never ended for it. */
static void test_kept_budget_evicts_oldest(void)
{
	const uint32_t saved = rh_app.kept_per_worker;
	const uint32_t quarter = rh_app.conf->relay.hello_timeout_ms / 4;
	struct rh_peer c1 = rh_client(false), c2 = rh_client(false), c3 = rh_client(false);
	struct rh_peer c4 = rh_client(false);
	uint64_t evicted = rh_drops(DP_DROP_hello_evicted);
	struct flow *f1, *f2, *f3, *f4;
	bool c1_reset = false;

	rh_app.kept_per_worker = flow_kept_mbufs(rh_w->flows) + 2;
	f1 = rh_client_start(&c1, rh_hello_api, 100);
	rh_w->now_ms += quarter / 2;
	f2 = rh_client_start(&c2, rh_hello_api, 100);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f2);
	rh_drain(&rh_app.ports[0]);
	rh_w->now_ms += quarter / 2 + 1; /* f1 is old enough now, f2 not yet */
	f3 = rh_client_start(&c3, rh_hello_api, 100);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f3);
	CU_ASSERT_EQUAL(f3->stream_len, 100);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_hello_evicted), evicted + 1);
	CU_ASSERT_PTR_NULL(rh_client_flow(&c1));
	CU_ASSERT_EQUAL(f2->stream_len, 100);
	for (struct rh_sent out = rh_next_tcp(&rh_app.ports[0]); out.m;
	     out = rh_next_tcp(&rh_app.ports[0])) {
		if (rte_be_to_cpu_16(out.tcp->dst_port) == c1.port_num &&
		    (out.tcp->tcp_flags & RTE_TCP_RST_FLAG))
			c1_reset = true;
		rte_pktmbuf_free(out.m);
	}
	CU_ASSERT(c1_reset);
	/* f2 is the oldest now but young: a fourth hello waits, f2 stays. */
	f4 = rh_client_start(&c4, rh_hello_api, 100);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f4);
	CU_ASSERT_EQUAL(f4->stream_len, 0);
	CU_ASSERT_EQUAL(f2->stream_len, 100);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_hello_evicted), evicted + 1);
	rh_app.kept_per_worker = saved;
	relay_abort(rh_w, f2, false, false, DP_DROP_none);
	relay_abort(rh_w, f3, false, false, DP_DROP_none);
	relay_abort(rh_w, f4, false, false, DP_DROP_none);
	rh_drain(&rh_app.ports[0]);
}

/* A data connection to the TURN server bound, then the given hello from the peer behind it:
 * the flow it became (NULL when the relay refused it). */
static struct flow *turn_connection(const char *sni, struct rh_peer *srv)
{
	static struct hello_build hb;
	struct hb_options opt;

	hb_options_default(&opt);
	opt.sni = sni;
	hb_build(&opt, &hb);
	return rh_turn_connection(hb.wire, hb.wire_len, srv);
}

/* The TURN server resends its ConnectionBind answer (our ACK of it lost) after the splice
 * began, while the backend has not yet acknowledged the relay's PROXY header: the answer
 * was stripped, so its bytes translate into the header's place. They are acknowledged to
 * the server, never sent on (before, the backend was sent them where the header goes). */
static void test_stripped_bytes_resent(void)
{
	static const uint8_t answer[20] = { 0x01, 0x0b, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42,
					    0, 7, 14, 21, 28, 35, 42, 49, 56, 63, 70, 77 };
	uint64_t dropped = rh_drops(DP_DROP_stripped_resent);
	struct rh_peer srv, b;
	struct flow *f = turn_connection("proxied.svc.example", &srv);
	struct rh_sent s;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_CONNECTING);
	rh_backend_accepts(f, &b);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f->stream); /* the header and hello, not yet acknowledged */
	CU_ASSERT_FATAL(f->proxy_len > 0);
	rh_drain(srv.port);
	rh_send(&srv, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, srv.isn + 1, srv.our_isn + 21, answer,
		sizeof(answer));
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_stripped_resent), dropped + 1);
	while ((s = rh_next_tcp(srv.port)).m) { /* one port: the server's and the backend's */
		bool to_backend = rte_be_to_cpu_16(s.tcp->dst_port) == b.port_num &&
				  memcmp(s.dst, &(rte_be32_t){ rte_cpu_to_be_32(b.ip) }, 4) == 0;

		CU_ASSERT(!to_backend || s.plen == 0);
		if (!to_backend) /* the server told its answer arrived */
			CU_ASSERT(rte_be_to_cpu_32(s.tcp->recv_ack) - (srv.isn + 1) >= sizeof(answer));
		rte_pktmbuf_free(s.m);
	}
	rh_flow_end(f);
}

/* A ConnectionAttempt while the gateway drains: the data connection is bound, then reset,
 * so the TURN server closes its peer's connection at once and the peer can go to another
 * gateway. Before, the bind went on into a connection the drain's end cut, and kept the
 * drain waiting its whole time. */
static void test_bind_while_draining_reset(void)
{
	uint64_t draining = rh_drops(DP_DROP_draining);
	struct rh_peer srv;
	struct rh_sent s;
	bool reset = false;

	rh_app.draining = true;
	CU_ASSERT_PTR_NULL(turn_connection("api.svc.example", &srv));
	rh_app.draining = false;
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_draining), draining + 1);
	while ((s = rh_next_tcp(srv.port)).m) {
		reset |= (s.tcp->tcp_flags & RTE_TCP_RST_FLAG) &&
			 rte_be_to_cpu_16(s.tcp->dst_port) == 3478;
		rte_pktmbuf_free(s.m);
	}
	CU_ASSERT_TRUE(reset);
	CU_ASSERT_EQUAL(binds_in_use(), 0);
}

/* Slots whose flows went a way that did not forget them are taken back when a bind finds
 * no free slot: the worker's TURN connections are never refused for them. */
static void test_bind_slots_reclaimed(void)
{
	struct rh_peer srv;
	struct flow *f;

	turn_bind_slot_take(rh_w); /* the slots exist */
	for (unsigned int i = 0; i < TURN_BIND_SLOTS; i++) {
		rh_w->binds[i].used = true; /* flows long gone: free entries */
		rh_w->binds[i].flow_index = 1000 + i;
		rh_w->binds[i].flow_isn = 7;
	}
	f = turn_connection("api.svc.example", &srv);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(f->state, FLOW_CONNECTING);
	rh_flow_end(f);
	for (unsigned int i = 0; i < TURN_BIND_SLOTS; i++)
		rh_w->binds[i].used = false;
}

/* What comes over another network's TURN server is for this network's services only (a
 * route to a third network is refused, not relayed on), and a PROXY v2 header names the
 * peer the ConnectionAttempt named, not the TURN server every such connection comes from. */
static void test_turn_local_only_real_client(void)
{
	uint64_t transit = rh_drops(DP_DROP_turn_transit);
	struct rh_peer srv, b;
	struct flow *f = turn_connection("x.far.example", &srv);
	struct rh_sent s;
	bool seen = false;

	CU_ASSERT_PTR_NULL(f);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_turn_transit), transit + 1);
	CU_ASSERT_EQUAL(binds_in_use(), 0);
	f = turn_connection("proxied.svc.example", &srv);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_CONNECTING);
	CU_ASSERT_EQUAL(binds_in_use(), 0); /* routed: its slot is free again */
	b = rh_backend(f);
	rh_drain(b.port);
	rh_send(&b, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, b.isn, b.our_isn + 1, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_SPLICED);
	while ((s = rh_next_tcp(b.port)).m) {
		uint32_t dst;

		memcpy(&dst, s.dst, 4);
		if (dst == rte_cpu_to_be_32(RH_BACKEND_IP) && s.plen >= 28 && !seen) {
			static const uint8_t peer[6] = { 192, 0, 2, 50, 40123 >> 8, 40123 & 0xff };

			seen = true;
			CU_ASSERT_EQUAL(s.payload[13], 0x11); /* TCP over IPv4 */
			CU_ASSERT_EQUAL(memcmp(s.payload + 16, peer, 4), 0);
			CU_ASSERT_EQUAL(memcmp(s.payload + 24, peer + 4, 2), 0);
		}
		rte_pktmbuf_free(s.m);
	}
	CU_ASSERT_TRUE(seen);
	rh_flow_end(f);
}

/* A mangled name for one of the appliance's own addresses (inside the allow-list) is
 * refused at once: before, the relay sent SYNs to itself until the client gave up. */
static void test_mangled_own_address(void)
{
	static struct hello_build hb;
	struct hb_options opt;
	struct rh_peer c;
	uint64_t syns;

	rh_check_own_destination_refused("_443._10-1-0-1._n.mesh.internal"); /* the svc port's */
	syns = rh_event(DP_EV_backend_syn);
	hb_options_default(&opt);
	/* Its neighbour on the same link is a backend like any other. */
	opt.sni = "_443._10-1-0-2._n.mesh.internal";
	hb_build(&opt, &hb);
	c = rh_client(false);
	CU_ASSERT_PTR_NOT_NULL(rh_client_start(&c, hb.wire, hb.wire_len));
	CU_ASSERT_EQUAL(rh_event(DP_EV_backend_syn), syns + 1);
	rh_flow_end(rh_client_flow(&c));
}

/* A member whose address never resolves (no answer to the solicitations) was sent
 * nothing: when the relay gives up on it, its client is reset and nothing goes to the
 * member (before the guard, a RST left for the all-zero MAC). Bounded: the SYN retries
 * end well within a simulated ten minutes. */
static void test_unresolved_member_not_reset(void)
{
	struct rh_peer c = rh_client(false);
	struct flow *f = rh_client_start(&c, rh_hello_web, rh_hello_web_len); /* fd00:b::2 */
	const struct dp_port *svc = &rh_app.ports[1];
	unsigned int waited = 0;
	struct rh_sent s;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_CONNECTING);
	CU_ASSERT_TRUE_FATAL(rte_is_zero_ether_addr(&f->b.peer_mac));
	rh_drain(c.port);
	for (; rh_client_flow(&c) && waited < 600; waited++) {
		rh_w->now_ms += 1000;
		dp_worker_housekeeping(rh_w);
		s = rh_next_tcp(svc); /* solicitations skipped: a TCP frame there is the fault */
		CU_ASSERT_PTR_NULL(s.m);
		if (s.m)
			rte_pktmbuf_free(s.m);
	}
	CU_ASSERT_PTR_NULL(rh_client_flow(&c));
	dp_worker_housekeeping(rh_w); /* sends what the last timers left */
	s = rh_next_tcp(svc);
	CU_ASSERT_PTR_NULL(s.m);
	if (s.m)
		rte_pktmbuf_free(s.m);
	rh_expect_sent(c.port, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, c.our_isn + 1);
	rh_drain(c.port);
	rh_drain(svc);
}

int test_relay_hardening_register(void)
{
	static const CU_TestInfo tests[] = {
		{ "backend ISNs not from rte_rand", test_backend_isn_not_from_rte_rand },
		{ "handshake across a key rotation", test_handshake_across_key_rotation },
		{ "a bare ACK after a lost hello is not reset", test_bare_ack_after_lost_hello_not_reset },
		{ "a hello past its cookie's time reset", test_expired_cookie_hello_reset },
		{ "bind slots released by every abort", test_bind_slots_released },
		{ "a bind's retry whose SYN went early", test_bind_retry_syn_sent_early },
		{ "the server's error answer to a bind: final", test_bind_error_answer_final },
		{ "a partial hello with the bind's answer: queued", test_bind_partial_hello_queued },
		{ "a peer's MSS raised to the floor", test_peer_mss_floor },
		{ "a hello one byte per segment", test_hello_one_byte_per_segment },
		{ "tiny segments pin no buffers", test_tiny_segments_pin_no_buffers },
		{ "one client, many tiny hellos", test_one_client_many_tiny_hellos },
		{ "per-client flows and hellos", test_client_limits },
		{ "another network's gateway is not one client", test_gateway_not_one_client },
		{ "kept buffers within the worker's budget", test_kept_budget },
		{ "past the budget the oldest hello goes", test_kept_budget_evicts_oldest },
		{ "a mangled name for our own address", test_mangled_own_address },
		{ "over TURN: local services, the real client", test_turn_local_only_real_client },
		{ "bind slots of flows gone taken back", test_bind_slots_reclaimed },
		{ "a bind acknowledged only by an exact, sound ACK", test_bind_ack_checked },
		{ "the TURN server's answers to the SYN checked", test_bind_syn_answers_checked },
		{ "stripped bytes resent: acknowledged, not sent on", test_stripped_bytes_resent },
		{ "a bind while draining: bound, then reset", test_bind_while_draining_reset },
		{ "a member never resolved: its client reset, nothing to it",
		  test_unresolved_member_not_reset },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite_with("relay_hardening", suite_init, rh_down, tests);
}
