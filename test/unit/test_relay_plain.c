/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "relay_plain": plain TCP services reached by VIP, through the appliance of
 * relay_harness.h with ssh.svc.example on 240.240.0.5:22 (pool p: 10.1.0.2:443) and
 * mq.far.example on 240.240.0.6:5672 (network far, gateway 10.1.0.77:443). The edge port
 * owns 240.240.0.0/16: ARP and echo answered from the VIP, a SYN to a port without a
 * service reset, the backend opened by the handshake's ACK (its server may speak first),
 * and a remote service announced to the other gateway by a PROXY v2 header that the other
 * gateway strips before routing by its authority and port. */
#include <string.h>

#include <rte_arp.h>
#include <rte_ip.h>

#include "dp_worker.h"
#include "flow_limits.h"
#include "neigh.h"
#include "proxy_v2_read.h"
#include "relay.h"
#include "relay_harness.h"
#include "relay_tcp.h"
#include "synack.h"
#include "tcp_frame.h"
#include "unit.h"

#define VIP_SSH 0xf0f00005u
#define VIP_MQ 0xf0f00006u
#define VIP_WEB 0xf0f00007u /* web.svc.example:80, pool "two" (10.1.0.2 and .3, port 8080) */
#define VIP_API 0xf0f00008u /* api.svc.example:22, a TLS route's name too (pool p) */

static int suite_init(void)
{
	if (rh_up_extra("mbufs = 0;", "max_flows = 256;",
			", { name = \"two\"; members = ( { address = \"10.1.0.2\"; port = 8080; },"
			" { address = \"10.1.0.3\"; port = 8080; } ); }",
			", { name = \"ssh.svc.example\"; protocol = \"tcp\"; port = 22; pool = \"p\";"
			" vip = \"240.240.0.5\"; },\n"
			"  { name = \"mq.far.example\"; protocol = \"tcp\"; port = 5672;"
			" network = \"far\"; vip = \"240.240.0.6\"; },\n"
			"  { name = \"web.svc.example\"; protocol = \"tcp\"; port = 80; pool = \"two\";"
			" vip = \"240.240.0.7\"; },\n"
			"  { name = \"api.svc.example\"; protocol = \"tcp\"; port = 22; pool = \"p\";"
			" vip = \"240.240.0.8\"; },\n"
			"  { name = \"pp.svc.example\"; protocol = \"tcp\"; port = 99; pool = \"two\";"
			" vip = \"240.240.0.9\"; proxy_protocol = true; }",
			"dns = { port = \"edge\"; zones = [ \"svc.example\" ]; "
			"outside = \"refuse\"; vip_range = \"240.240.0.0/16\"; };") < 0)
		return -1;
	neigh_learn(rh_w->neigh, 0x0a010003u, &rh_backend_mac, rh_w->now_ms, true);
	return 0;
}

/* A client of the edge port that reaches vip:port. */
static struct rh_peer vip_client(uint32_t vip, uint16_t port)
{
	struct rh_peer c = rh_client(false);

	c.our_ip = vip;
	c.our_port = port;
	return c;
}

/* SYN, the cookie SYN-ACK from the VIP read back, the handshake's ACK (with payload when
 * plen): the flow it made. */
static struct flow *plain_connect(struct rh_peer *c, const uint8_t *payload, size_t plen)
{
	struct rh_sent synack;

	rh_drain(c->port);
	rh_send(c, RTE_TCP_SYN_FLAG, c->isn, 0, NULL, 0);
	synack = rh_next_tcp(c->port);
	rh_check_to(&synack, c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(synack.m);
	CU_ASSERT_EQUAL(synack.tcp->tcp_flags, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	CU_ASSERT_EQUAL(memcmp(synack.src, &(uint32_t){ rte_cpu_to_be_32(c->our_ip) }, 4), 0);
	c->our_isn = rte_be_to_cpu_32(synack.tcp->sent_seq);
	rte_pktmbuf_free(synack.m);
	rh_send(c, RTE_TCP_ACK_FLAG | (plen ? RTE_TCP_PSH_FLAG : 0), c->isn + 1, c->our_isn + 1,
		payload, plen);
	return rh_client_flow(c);
}

/* The backend of f answers the relay's SYN: f is spliced, and the first segment with
 * bytes the relay then sends the backend is returned (never NULL). */
static struct rh_sent backend_accepts(struct flow *f, struct rh_peer *b)
{
	struct rh_sent s;

	*b = rh_backend(f);
	rh_drain(b->port);
	rh_send(b, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, b->isn, b->our_isn + 1, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_SPLICED);
	s = rh_next_data(b->port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	return s;
}

/* The relay's SYN to f's member, answered by the member: f is spliced; the member. */
static struct rh_peer member_answers(struct flow *f)
{
	struct rh_sent syn = rh_next_tcp(&rh_app.ports[1]);
	struct rh_peer b;

	CU_ASSERT_PTR_NOT_NULL_FATAL(syn.m);
	CU_ASSERT_EQUAL(syn.tcp->tcp_flags, RTE_TCP_SYN_FLAG);
	b = rh_peer_of_sent(&syn);
	rte_pktmbuf_free(syn.m);
	rh_send(&b, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, b.isn, b.our_isn + 1, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_SPLICED);
	return b;
}

static void finish(struct flow *f)
{
	if (f)
		relay_abort(rh_w, f, false, false, DP_DROP_none);
	rh_drain(&rh_app.ports[0]);
	rh_drain(&rh_app.ports[1]);
}

/* Server speaks first (an SSH banner): the backend is opened by the bare ACK, its banner
 * reaches the client, and the client's answer the backend, in each one's sequence space. */
static void test_server_speaks_first(void)
{
	static const char banner[] = "SSH-2.0-OpenSSH_9.2\r\n", reply[] = "SSH-2.0-client\r\n";
	uint64_t routed = rh_event(DP_EV_plain_routed);
	struct rh_peer c = vip_client(VIP_SSH, 22), b;
	struct flow *f = plain_connect(&c, NULL, 0);
	struct rh_sent syn, s;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(f->state, FLOW_CONNECTING);
	CU_ASSERT_EQUAL(rh_event(DP_EV_plain_routed), routed + 1);
	b = rh_backend(f);
	syn = rh_next_tcp(b.port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(syn.m);
	CU_ASSERT_EQUAL(syn.tcp->tcp_flags, RTE_TCP_SYN_FLAG);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(syn.tcp->dst_port), 443);
	rte_pktmbuf_free(syn.m);
	rh_send(&b, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, b.isn, b.our_isn + 1, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_SPLICED);
	s = rh_next_tcp(b.port); /* the handshake's ACK, nothing to send yet */
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	CU_ASSERT_EQUAL(s.plen, 0);
	CU_ASSERT_EQUAL(rte_be_to_cpu_32(s.tcp->sent_seq), b.our_isn + 1);
	rte_pktmbuf_free(s.m);
	rh_send(&b, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, b.isn + 1, b.our_isn + 1,
		(const uint8_t *)banner, sizeof(banner) - 1);
	s = rh_next_data(c.port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	rh_check_to(&s, &c);
	CU_ASSERT_EQUAL(s.plen, sizeof(banner) - 1);
	CU_ASSERT_EQUAL(memcmp(s.payload, banner, s.plen), 0);
	CU_ASSERT_EQUAL(rte_be_to_cpu_32(s.tcp->sent_seq), c.our_isn + 1);
	CU_ASSERT_EQUAL(memcmp(s.src, &(uint32_t){ rte_cpu_to_be_32(VIP_SSH) }, 4), 0);
	rte_pktmbuf_free(s.m);
	rh_send(&c, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, c.isn + 1,
		c.our_isn + 1 + (uint32_t)sizeof(banner) - 1, (const uint8_t *)reply,
		sizeof(reply) - 1);
	s = rh_next_data(b.port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	CU_ASSERT_EQUAL(s.plen, sizeof(reply) - 1);
	CU_ASSERT_EQUAL(rte_be_to_cpu_32(s.tcp->sent_seq), b.our_isn + 1);
	rte_pktmbuf_free(s.m);
	finish(f);
}

/* A member that accepts a plain connection and resets it before any byte of its reached
 * the client (a server-first service's member overloaded or going down, the client not
 * having spoken): the connection goes to the pool's other member, as a TLS one keeping its
 * hello does; the client sees one connection. Before, its RST was passed to the client. */
static void test_reset_before_first_byte_redispatched(void)
{
	uint64_t redispatched = rh_event(DP_EV_redispatch_reset);
	struct rh_peer c = vip_client(VIP_WEB, 80), b, next;
	struct flow *f = plain_connect(&c, NULL, 0);
	struct rh_sent s;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	b = member_answers(f);
	rh_drain(b.port);
	rh_drain(c.port);
	rh_send(&b, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, b.isn + 1, b.our_isn + 1, NULL, 0);
	CU_ASSERT_EQUAL(rh_event(DP_EV_redispatch_reset), redispatched + 1);
	CU_ASSERT_PTR_EQUAL_FATAL(rh_client_flow(&c), f);
	CU_ASSERT_EQUAL(f->state, FLOW_CONNECTING);
	CU_ASSERT_EQUAL(rh_drain(c.port), 0); /* the client told nothing */
	next = member_answers(f); /* the pool's other member */
	CU_ASSERT_NOT_EQUAL(next.ip, b.ip);
	/* Once a byte of the member's reached the client, its RST is the client's. */
	rh_send(&next, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, next.isn + 1, next.our_isn + 1,
		(const uint8_t *)"hi", 2);
	rh_drain(c.port);
	rh_send(&next, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, next.isn + 3, next.our_isn + 1, NULL,
		0);
	CU_ASSERT_EQUAL(rh_event(DP_EV_redispatch_reset), redispatched + 1);
	s = rh_next_tcp(c.port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	CU_ASSERT(s.tcp->tcp_flags & RTE_TCP_RST_FLAG);
	rte_pktmbuf_free(s.m);
	finish(rh_client_flow(&c));
}

/* A client that speaks first: its bytes, taken with the handshake's ACK, are kept until
 * the backend answers and then sent to it. */
static void test_client_speaks_first(void)
{
	static const char req[] = "PING\r\n";
	struct rh_peer c = vip_client(VIP_SSH, 22), b;
	struct flow *f = plain_connect(&c, (const uint8_t *)req, sizeof(req) - 1);
	struct rh_sent s;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(f->state, FLOW_CONNECTING);
	s = backend_accepts(f, &b);
	CU_ASSERT_EQUAL(s.plen, sizeof(req) - 1);
	CU_ASSERT_EQUAL(memcmp(s.payload, req, s.plen), 0);
	rte_pktmbuf_free(s.m);
	finish(f);
}

/* Client c, its handshake done, sends its first len bytes with FIN (fin_apart: in a
 * segment of its own after them), and its backend is then opened: the client is not
 * reset, the bytes are kept and sent whole (behind proxy_len bytes of the relay's own),
 * the FIN is left unacknowledged, and its retransmission after the splice reaches the
 * backend after the bytes. */
static void check_fin_after_first_bytes(struct rh_peer *c, const uint8_t *bytes, uint32_t len,
					bool fin_apart)
{
	uint64_t deferred = rh_event(DP_EV_fin_deferred);
	struct rh_peer b;
	struct rh_sent s;
	struct flow *f;
	bool fin_seen = false;

	rh_drain(c->port);
	rh_send(c, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG | (fin_apart ? 0 : RTE_TCP_FIN_FLAG),
		c->isn + 1, c->our_isn + 1, bytes, len);
	if (fin_apart)
		rh_send(c, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG, c->isn + 1 + len, c->our_isn + 1,
			NULL, 0);
	f = rh_client_flow(c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f); /* not reset */
	s = rh_next_tcp(c->port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	CU_ASSERT_EQUAL(s.tcp->tcp_flags, RTE_TCP_ACK_FLAG); /* the bytes, not the FIN */
	CU_ASSERT_EQUAL(rte_be_to_cpu_32(s.tcp->recv_ack), c->isn + 1 + len);
	rte_pktmbuf_free(s.m);
	CU_ASSERT_EQUAL(f->state, FLOW_CONNECTING);
	CU_ASSERT_EQUAL(f->stream_len, len);
	CU_ASSERT_EQUAL(rh_event(DP_EV_fin_deferred), deferred + 1);
	s = backend_accepts(f, &b);
	CU_ASSERT_EQUAL(s.plen, f->proxy_len + len);
	rte_pktmbuf_free(s.m);
	rh_send(c, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG, c->isn + 1 + len, c->our_isn + 1, NULL, 0);
	while ((s = rh_next_tcp(b.port)).m) {
		if (s.tcp->tcp_flags & RTE_TCP_FIN_FLAG) {
			fin_seen = true;
			CU_ASSERT_EQUAL(rte_be_to_cpu_32(s.tcp->sent_seq),
					b.our_isn + 1 + f->proxy_len + len);
		}
		rte_pktmbuf_free(s.m);
	}
	CU_ASSERT_TRUE(fin_seen);
	finish(f);
}

/* A client that sends its request and closes its half before the backend answered (as
 * nc -N does). */
static void test_client_half_close_early(void)
{
	static const char req[] = "GET\r\n";
	struct rh_peer c = vip_client(VIP_SSH, 22);
	struct flow *f = plain_connect(&c, NULL, 0);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	check_fin_after_first_bytes(&c, (const uint8_t *)req, sizeof(req) - 1, false);
}

/* A TLS client's handshake, then check_fin_after_first_bytes with its whole hello. */
static void tls_fin_after_hello(bool fin_apart)
{
	struct rh_peer c = rh_client(false);

	CU_ASSERT_FATAL(rh_client_syn(&c));
	check_fin_after_first_bytes(&c, rh_hello_api, (uint32_t)rh_hello_api_len, fin_apart);
}

/* The same for a TLS client whose whole hello comes with FIN (a client that shuts its
 * half down once it has written): it was reset as one giving up before its hello. */
static void test_tls_hello_with_fin(void)
{
	tls_fin_after_hello(false);
}

/* The same FIN in a segment of its own after the whole hello (a client that writes its
 * hello with TCP_NODELAY, then shuts its half down): it was taken for a client giving up
 * before its hello, and both sides were reset. */
static void test_tls_fin_after_hello(void)
{
	tls_fin_after_hello(true);
}

/* A TLS client that sends early data past what the relay keeps while its backend is
 * opened (max_hello + 16 KB, under the 64 KB window it was offered): what does not fit is
 * dropped unacknowledged, to be resent into the splice, and the connection goes on.
 * Before, the first segment past the cap reset both sides as a hello too large. */
static void test_tls_early_data_past_cap(void)
{
	static uint8_t chunk[1400];
	struct rh_peer c = rh_client(false), b;
	uint64_t too_large = rh_drops(DP_DROP_hello_too_large);
	uint64_t no_room = rh_drops(DP_DROP_hello_no_room);
	uint64_t wait = rh_drops(DP_DROP_early_bytes_wait);
	uint32_t seq = c.isn + 1 + (uint32_t)rh_hello_api_len, cap;
	struct flow *f = rh_client_start(&c, rh_hello_api, rh_hello_api_len);
	struct rh_sent s;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_CONNECTING);
	cap = rh_app.conf->relay.max_hello + 16384u;
	for (unsigned int i = 0; i < 30; i++, seq += sizeof(chunk))
		rh_send(&c, RTE_TCP_ACK_FLAG, seq, c.our_isn + 1, chunk, sizeof(chunk));
	CU_ASSERT_PTR_EQUAL_FATAL(rh_client_flow(&c), f);
	CU_ASSERT_EQUAL(f->state, FLOW_CONNECTING);
	CU_ASSERT(f->stream_len <= cap && f->stream_len + sizeof(chunk) > cap);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_hello_too_large), too_large);
	CU_ASSERT(rh_drops(DP_DROP_early_bytes_wait) > wait);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_hello_no_room), no_room); /* the buffers had room */
	rh_drain(c.port);
	s = backend_accepts(f, &b);
	rte_pktmbuf_free(s.m);
	finish(f);
}

/* A client whose server waits for the rest of its request: the relay keeps the bytes it
 * sent (another member could take them should this one fail before answering), and such
 * a flow counts as one of the client's hellos until they go. Before, spliced flows counted
 * nothing: one client could open them until the worker's kept buffers were all its own,
 * and every other client's hello was refused for room. */
static void test_waiting_server_within_hello_limit(void)
{
	static const char req[] = "GET / HTTP/1.1\r\n"; /* and no more */
	struct mr_relay_conf *rc = (struct mr_relay_conf *)&rh_app.conf->relay;
	const struct mr_relay_conf saved = *rc;
	uint64_t refused = rh_drops(DP_DROP_client_hello_limit), resent;
	struct flow *f[3];

	/* The earlier cases' kept SYN-ACKs run out first: one whose record of a made flow
	 * was taken by a later handshake's (slots picked by a hash of a random cookie) is
	 * sent again by design, and would be counted below some of the time. */
	for (unsigned int i = 0; i < 4 && synack_kept_count(rh_w); i++) {
		rh_w->now_ms += 8000;
		dp_worker_housekeeping(rh_w);
	}
	CU_ASSERT_EQUAL(synack_kept_count(rh_w), 0);
	finish(NULL);
	rc->client_max_hellos = 2;
	for (unsigned int i = 0; i < 3; i++) {
		struct rh_peer c = vip_client(VIP_WEB, 80), b;

		f[i] = plain_connect(&c, (const uint8_t *)req, sizeof(req) - 1);
		if (!f[i])
			break;
		b = member_answers(f[i]);
		rh_send(&b, RTE_TCP_ACK_FLAG, b.isn + 1, b.our_isn + (uint32_t)sizeof(req), NULL, 0);
		CU_ASSERT_PTR_NOT_NULL(f[i]->stream); /* kept for a redispatch */
		rh_drain(&rh_app.ports[1]);
	}
	CU_ASSERT_PTR_NOT_NULL(f[1]);
	CU_ASSERT_PTR_NULL(f[2]);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_client_hello_limit), refused + 1);
	/* The refused one's SYN-ACK is not sent again (each would draw another RST). */
	resent = rh_event(DP_EV_synack_resent);
	rh_w->now_ms += 1500;
	dp_worker_housekeeping(rh_w);
	CU_ASSERT_EQUAL(rh_event(DP_EV_synack_resent), resent);
	*rc = saved;
	finish(f[0]);
	finish(f[1]);
	finish(f[2]);
}

/* Such a flow that closes (the client's exact RST) gives its kept bytes back at once: a
 * closed flow neither resends nor redispatches them. Before, they stayed for its whole
 * closing time, counted against no client and beyond any eviction, and one address
 * closing such connections quickly could hold every kept buffer of the worker. */
static void test_closed_flow_keeps_nothing(void)
{
	static const char req[] = "GET / HTTP/1.1\r\n";
	struct rh_peer c = vip_client(VIP_WEB, 80), b;
	uint32_t kept = flow_kept_mbufs(rh_w->flows);
	struct flow *f = plain_connect(&c, (const uint8_t *)req, sizeof(req) - 1);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	b = member_answers(f);
	rh_send(&b, RTE_TCP_ACK_FLAG, b.isn + 1, b.our_isn + (uint32_t)sizeof(req), NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f->stream); /* kept for a redispatch */
	CU_ASSERT(flow_kept_mbufs(rh_w->flows) > kept);
	rh_send(&c, RTE_TCP_RST_FLAG, c.isn + (uint32_t)sizeof(req), 0, NULL, 0);
	CU_ASSERT_EQUAL(f->state, FLOW_CLOSING);
	CU_ASSERT_PTR_NULL(f->stream);
	CU_ASSERT_EQUAL(flow_kept_mbufs(rh_w->flows), kept);
	finish(f);
}

/* A SYN or ACK to a VIP port without a service, or to a VIP without any, is reset; nothing is
 * kept and the host never sees it. */
static void test_no_service_reset(void)
{
	uint64_t refused = rh_drops(DP_DROP_vip_no_service);
	const uint32_t vips[2] = { VIP_SSH, 0xf0f00009u };
	const uint16_t ports[2] = { 23, 22 };

	for (int i = 0; i < 2; i++) {
		struct rh_peer c = vip_client(vips[i], ports[i]);
		struct rh_sent s;

		rh_drain(c.port);
		rh_send(&c, RTE_TCP_SYN_FLAG, c.isn, 0, NULL, 0);
		s = rh_next_tcp(c.port);
		rh_check_to(&s, &c);
		CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
		CU_ASSERT_TRUE(s.tcp->tcp_flags & RTE_TCP_RST_FLAG);
		CU_ASSERT_EQUAL(rte_be_to_cpu_32(s.tcp->recv_ack), c.isn + 1);
		rte_pktmbuf_free(s.m);
		CU_ASSERT_PTR_NULL(rh_client_flow(&c));
		/* A handshake's ACK (its service gone with a push meanwhile): RST at its ACK
		 * number, so the client does not wait for a server that is gone. */
		rh_send(&c, RTE_TCP_ACK_FLAG, c.isn + 1, 777, NULL, 0);
		s = rh_next_tcp(c.port);
		CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
		CU_ASSERT_EQUAL(s.tcp->tcp_flags, RTE_TCP_RST_FLAG);
		CU_ASSERT_EQUAL(rte_be_to_cpu_32(s.tcp->sent_seq), 777);
		rte_pktmbuf_free(s.m);
		/* A reset is never answered. */
		rh_send(&c, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, c.isn + 1, 777, NULL, 0);
		CU_ASSERT_PTR_NULL(rh_next_tcp(c.port).m);
	}
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_vip_no_service), refused + 6);
}

/* Resets for VIP ports without a service are what a blind flood across the range draws:
 * a corrupted SYN gets none (its addresses may not be the sender's), and in one second
 * no more go out than relay.challenge_acks, as for the relay's other unasked resets.
 * Before, each SYN, corrupted or not, drew one. */
static void test_no_service_resets_rationed(void)
{
	uint32_t limit = rh_app.conf->relay.challenge_acks, sent = 0;
	uint64_t bad = rh_drops(DP_DROP_tcp_checksum);
	struct rh_peer c = vip_client(VIP_SSH, 23);
	struct rte_mbuf *m;
	struct rte_tcp_hdr *tcp;

	rh_drain(c.port);
	rh_w->now_ms = (rh_w->now_ms / 1000 + 1) * 1000; /* a second of its own */
	m = rh_frame(&c, RTE_TCP_SYN_FLAG, c.isn, 0, NULL, 0, NULL, 0);
	tcp = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, sizeof(struct rte_ether_hdr) +
				      sizeof(struct rte_ipv4_hdr));
	tcp->cksum ^= 0x0101;
	rh_input(&c, m);
	CU_ASSERT_PTR_NULL(rh_next_tcp(c.port).m);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_tcp_checksum), bad + 1);
	for (uint32_t i = 0; i <= limit; i++) {
		c.port_num = (uint16_t)(40000 + i % 20000);
		rh_send(&c, RTE_TCP_SYN_FLAG, c.isn + i, 0, NULL, 0);
		sent += rh_drain(c.port);
	}
	CU_ASSERT(sent >= limit / 2 && sent <= limit);
	rh_w->now_ms += 1000; /* the next second's ration */
}

/* A name routed both as TLS (api.svc.example) and as a plain service is answered with its
 * VIP: a TLS client reaching the VIP at the listener's port is classified by its hello as
 * at the port's own address (before, it was reset, no service being at VIP:443). */
static void test_tls_at_vip(void)
{
	struct rh_peer c = vip_client(VIP_API, 443);
	struct flow *f = rh_client_start(&c, rh_hello_api, rh_hello_api_len);
	struct rh_sent syn;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(f->state, FLOW_CONNECTING);
	CU_ASSERT_FALSE(f->plain);
	syn = rh_next_tcp(&rh_app.ports[1]);
	CU_ASSERT_PTR_NOT_NULL_FATAL(syn.m);
	CU_ASSERT_EQUAL(syn.tcp->tcp_flags, RTE_TCP_SYN_FLAG);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(syn.tcp->dst_port), 443); /* pool p's member */
	rte_pktmbuf_free(syn.m);
	finish(f);
}

/* ARP for a VIP is answered with the port's MAC and the VIP as sender; for an address
 * outside the range it is not. */
static void test_arp_for_vip(void)
{
	CU_ASSERT_TRUE(rh_arp_answered(&rh_app.ports[0], RH_CLIENT_IP, 0xf0f01234u));
	CU_ASSERT_FALSE(rh_arp_answered(&rh_app.ports[0], RH_CLIENT_IP, 0xf1000001u));
}

/* Another host claims a VIP (a gratuitous ARP with its MAC): counted, and the VIP
 * announced to the whole link again at our MAC, at most once in ten seconds per VIP.
 * Before, the claimant was answered alone, and every other host on the link sent the
 * VIP's connections to it. */
static void test_arp_claim_of_vip_defended(void)
{
	static const struct rte_ether_addr other = { { 0x02, 0, 0, 0, 0, 0x67 } };
	const struct dp_port *p = &rh_app.ports[0];
	uint64_t claims = rh_drops(DP_DROP_arp_claims_ours);
	unsigned int sent[4];

	for (int i = 0; i < 3; i++) {
		rh_drain(p);
		rh_w->now_ms += i == 2 ? 10000 : 1000;
		rh_input(&(struct rh_peer){ .port = p },
			 tcp_frame_arp_request(rh_app.pool, &other, VIP_SSH, VIP_SSH));
		sent[i] = rh_announcements(p, VIP_SSH);
	}
	rh_drain(p);
	rh_input(&(struct rh_peer){ .port = p }, /* another VIP: its own clock */
		 tcp_frame_arp_request(rh_app.pool, &other, VIP_MQ, VIP_MQ));
	sent[3] = rh_announcements(p, VIP_MQ);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_arp_claims_ours), claims + 4);
	CU_ASSERT_EQUAL(sent[0], 1);
	CU_ASSERT_EQUAL(sent[1], 0);
	CU_ASSERT_EQUAL(sent[2], 1);
	CU_ASSERT_EQUAL(sent[3], 1);
}

/* Claims of two VIPs whose defence shares a slot (240.240.0.5 and 240.240.0.26), in
 * turn within a second: the slot rations them together, one announcement for the four.
 * Before, a claim of the other VIP started the slot's time over, and each claim was
 * answered, as two appliances on one link with the same VIP range would answer each
 * other's announcements without end. */
static void test_arp_claims_sharing_a_slot_rationed(void)
{
	static const struct rte_ether_addr other = { { 0x02, 0, 0, 0, 0, 0x68 } };
	static const uint32_t vips[2] = { VIP_SSH, 0xf0f0001au };
	const struct dp_port *p = &rh_app.ports[0];
	unsigned int sent = 0;

	rh_drain(p);
	rh_w->now_ms += 20000; /* past the last case's defences */
	for (int i = 0; i < 4; i++) {
		rh_input(&(struct rh_peer){ .port = p },
			 tcp_frame_arp_request(rh_app.pool, &other, vips[i % 2], vips[i % 2]));
		sent += rh_announcements(p, vips[i % 2]);
		rh_drain(p);
		rh_w->now_ms += 100;
	}
	CU_ASSERT_EQUAL(sent, 1);
}

/* Another network's service: the connection goes to that network's gateway behind a
 * PROXY v2 header naming the service and the port the client reached. */
static void test_remote_service_announced(void)
{
	static const struct rte_ether_addr gw_mac = { { 0x02, 0, 0, 0, 0, 0x77 } };
	struct rh_peer c = vip_client(VIP_MQ, 5672);
	struct flow *f;
	struct proxy_v2_info pi;
	struct rh_sent s;

	neigh_learn(rh_w->neigh, 0x0a01004du, &gw_mac, rh_w->now_ms, true);
	f = plain_connect(&c, NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_CONNECTING);
	CU_ASSERT_EQUAL(f->b.key.peer_ip, rte_cpu_to_be_32(0x0a01004du));
	s = rh_gateway_splices(f);
	CU_ASSERT_EQUAL_FATAL(proxy_v2_read(s.payload, s.plen, &pi), PROXY_V2_OK);
	CU_ASSERT_EQUAL(pi.header_len, s.plen);
	CU_ASSERT_EQUAL(pi.dst_port, 5672);
	CU_ASSERT_EQUAL(pi.src_port, c.port_num);
	CU_ASSERT_EQUAL(pi.authority_len, strlen("mq.far.example"));
	CU_ASSERT_NSTRING_EQUAL(pi.authority, "mq.far.example", pi.authority_len);
	rte_pktmbuf_free(s.m);
	finish(f);
}

/* A client's bytes while the header for the other gateway is made and the connect is
 * under way go into a buffer of their own, not behind the header in its buffer (which a
 * route taken again without a header drops whole); the gateway gets both in order. */
static void test_remote_service_bytes_apart_from_header(void)
{
	static const struct rte_ether_addr gw_mac = { { 0x02, 0, 0, 0, 0, 0x77 } };
	static const char req[] = "AMQP\0\0\x09\x01";
	struct rh_peer c = vip_client(VIP_MQ, 5672);
	struct flow *f;
	struct proxy_v2_info pi;
	struct rh_sent s;
	uint16_t header;

	neigh_learn(rh_w->neigh, 0x0a01004du, &gw_mac, rh_w->now_ms, true);
	f = plain_connect(&c, NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_CONNECTING);
	header = f->proxy_len;
	CU_ASSERT_FATAL(header > 0);
	rh_send(&c, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, c.isn + 1, c.our_isn + 1,
		(const uint8_t *)req, sizeof(req) - 1);
	CU_ASSERT_EQUAL(f->stream_len, sizeof(req) - 1);
	CU_ASSERT_EQUAL(f->stream->data_len, header);
	s = rh_gateway_splices(f);
	CU_ASSERT_EQUAL_FATAL(s.plen, header + sizeof(req) - 1);
	CU_ASSERT_EQUAL(proxy_v2_read(s.payload, s.plen, &pi), PROXY_V2_OK);
	CU_ASSERT_EQUAL(memcmp(s.payload + header, req, sizeof(req) - 1), 0);
	rte_pktmbuf_free(s.m);
	finish(f);
}

/* Another gateway's PROXY v2 header for name and port into hdr, its client 10.0.0.2:40000
 * having reached 240.240.0.5, then the client's first bytes "hi": the header's length
 * (the bytes' start). */
static size_t gateway_header_for(uint8_t hdr[128], const char *name, uint8_t port)
{
	size_t n, name_len = strlen(name);

	memcpy(hdr, "\r\n\r\n\0\r\nQUIT\n\x21\x11", 14);
	hdr[14] = 0;
	hdr[15] = (uint8_t)(12 + 3 + name_len + 3);
	memcpy(hdr + 16, (const uint8_t[]){ 10, 0, 0, 2, 240, 240, 0, 5, 0x9c, 0x40, 0, port }, 12);
	n = 28;
	hdr[n++] = 0x02;
	hdr[n++] = 0;
	hdr[n++] = (uint8_t)name_len;
	memcpy(hdr + n, name, name_len);
	n += name_len;
	memcpy(hdr + n, "\x04\0\0", 3); /* an empty NOOP TLV, then the client's first bytes */
	n += 3;
	memcpy(hdr + n, "hi", 2);
	return n;
}

/* The header for ssh.svc.example port 22 (a route without proxy_protocol). */
static size_t gateway_header(uint8_t hdr[128])
{
	return gateway_header_for(hdr, "ssh.svc.example", 22);
}

/* A route with proxy_protocol: its backend gets the client the other gateway's header
 * named, not this gateway's own view, which is only the other gateway (before, the
 * header was stripped and one naming the TURN peer, 192.0.2.50:40123, made in its
 * place). The header is made anew from what it said: a TLV it carried besides (the NOOP
 * here) does not go on. The client's bytes follow it in the backend's sequence space. */
static void test_from_gateway_client_passed_on(void)
{
	uint8_t hdr[128];
	size_t n = gateway_header_for(hdr, "pp.svc.example", 99);
	uint16_t ours;
	struct rh_peer srv, b;
	struct proxy_v2_info pi;
	struct flow *f;
	struct rh_sent s;

	f = rh_turn_connection(hdr, n + 2, &srv);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_CONNECTING);
	CU_ASSERT_EQUAL(f->stream_len, 2);
	ours = f->proxy_len;
	CU_ASSERT_EQUAL(ours, n - 3); /* the NOOP TLV left out */
	s = rh_next_tcp(&rh_app.ports[1]); /* the TURN server's bytes acknowledged first */
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(s.tcp->dst_port), 3478);
	rte_pktmbuf_free(s.m);
	b = member_answers(f);
	s = rh_next_data(b.port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	CU_ASSERT_EQUAL(s.plen, ours + 2);
	CU_ASSERT_EQUAL_FATAL(proxy_v2_read(s.payload, s.plen, &pi), PROXY_V2_OK);
	CU_ASSERT_EQUAL(pi.header_len, ours);
	CU_ASSERT_EQUAL(memcmp(pi.src, (const uint8_t[]){ 10, 0, 0, 2 }, 4), 0);
	CU_ASSERT_EQUAL(pi.src_port, 40000);
	CU_ASSERT_EQUAL(memcmp(pi.dst, (const uint8_t[]){ 240, 240, 0, 5 }, 4), 0);
	CU_ASSERT_EQUAL(pi.dst_port, 99);
	CU_ASSERT_NSTRING_EQUAL(pi.authority, "pp.svc.example", pi.authority_len);
	CU_ASSERT_EQUAL(memcmp(s.payload + ours, "hi", 2), 0);
	CU_ASSERT_EQUAL(rte_be_to_cpu_32(s.tcp->sent_seq), b.our_isn + 1);
	rte_pktmbuf_free(s.m);
	/* Acknowledged whole, the client's next bytes follow at their place. */
	rh_send(&b, RTE_TCP_ACK_FLAG, b.isn + 1, b.our_isn + 1 + ours + 2, NULL, 0);
	rh_send(&srv, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, srv.isn + 1 + 20 + n + 2,
		srv.our_isn + 21, (const uint8_t *)"ok", 2); /* after the ConnectionBind's */
	s = rh_next_data(b.port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	CU_ASSERT_EQUAL(s.plen, 2);
	CU_ASSERT_EQUAL(rte_be_to_cpu_32(s.tcp->sent_seq), b.our_isn + 1 + ours + 2);
	rte_pktmbuf_free(s.m);
	finish(f);
}

/* The other side: a TURN data connection whose stream starts with such a header is
 * routed to the local service it names, the header not passed on to a backend whose
 * route has no proxy_protocol; one naming no service, or with a broken header, is
 * refused. */
static void test_from_gateway(void)
{
	uint8_t hdr[128];
	size_t n = gateway_header(hdr);
	uint64_t bad = rh_drops(DP_DROP_gateway_proxy_bad), deferred;
	struct rh_peer srv, b;
	struct flow *f;
	struct rh_sent s;

	f = rh_turn_connection(hdr, n + 2, &srv);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_CONNECTING);
	CU_ASSERT_TRUE(f->gateway_plain);
	CU_ASSERT_EQUAL(f->stream_len, 2);
	s = backend_accepts(f, &b);
	CU_ASSERT_EQUAL(s.plen, 2); /* the header stays on this side */
	CU_ASSERT_EQUAL(memcmp(s.payload, "hi", 2), 0);
	CU_ASSERT_EQUAL(rte_be_to_cpu_32(s.tcp->sent_seq), b.our_isn + 1);
	rte_pktmbuf_free(s.m);
	finish(f);
	/* The header, the client's bytes and its FIN in one segment (the TURN server held
	 * them until the bind was done): routed all the same, the FIN left for the splice. */
	deferred = rh_event(DP_EV_fin_deferred);
	f = rh_turn_connection_with(hdr, n + 2, RTE_TCP_FIN_FLAG, &srv);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(f->state, FLOW_CONNECTING);
	CU_ASSERT_TRUE(f->gateway_plain);
	CU_ASSERT_EQUAL(f->stream_len, 2);
	CU_ASSERT_EQUAL(rh_event(DP_EV_fin_deferred), deferred + 1);
	finish(f);
	/* The wrong port for that name: no route. A header whose TLV runs past it: refused. */
	hdr[27] = 23;
	f = rh_turn_connection(hdr, n + 2, &srv);
	CU_ASSERT_PTR_NULL(f);
	hdr[27] = 22;
	hdr[30] = 0x7f;
	f = rh_turn_connection(hdr, n + 2, &srv);
	CU_ASSERT_PTR_NULL(f);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_gateway_proxy_bad), bad + 1);
	finish(NULL);
}

/* The same appliance, network "far"'s gateway at the client's address on the edge link: a
 * gateway reached directly (hand-written gateways), not over TURN. */
static int direct_init(void)
{
	rh_gateway_address = "10.0.0.2";
	return suite_init();
}

static int direct_down(void)
{
	rh_gateway_address = "10.1.0.77";
	return rh_down();
}

/* A configured gateway that connects directly announces a plain connection with its PROXY
 * v2 header, as over TURN: routed to the service it names (before, only a TURN data
 * connection's header was read; this one was taken for a hello that is not TLS and reset,
 * so plain services never worked between gateways that reach each other directly). The
 * same header from another address is no gateway's: refused as such a hello. */
static void test_from_direct_gateway(void)
{
	uint64_t not_tls = rh_drops(DP_DROP_hello_not_tls);
	uint8_t hdr[128];
	size_t n = gateway_header(hdr);
	struct rh_peer c = rh_client(false), other = rh_client(false);
	struct flow *f = rh_client_start(&c, hdr, n + 2);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(f->state, FLOW_CONNECTING);
	CU_ASSERT_TRUE(f->gateway_plain);
	CU_ASSERT_EQUAL(f->stream_len, 2);
	finish(f);
	other.ip = 0x0a000003u; /* 10.0.0.3: on the link, no gateway */
	CU_ASSERT_PTR_NULL(rh_client_start(&other, hdr, n + 2));
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_hello_not_tls), not_tls + 1);
	finish(NULL);
}

int test_relay_plain_register(void)
{
	static const CU_TestInfo tests[] = {
		{ "server speaks first", test_server_speaks_first },
		{ "a reset before the member's first byte: the next member",
		  test_reset_before_first_byte_redispatched },
		{ "client speaks first", test_client_speaks_first },
		{ "client closes its half before the backend answered", test_client_half_close_early },
		{ "a TLS client's FIN with its hello: kept, resent to the splice",
		  test_tls_hello_with_fin },
		{ "a TLS client's bare FIN after its hello: kept, resent to the splice",
		  test_tls_fin_after_hello },
		{ "TLS early data past the kept cap: not acknowledged, not reset",
		  test_tls_early_data_past_cap },
		{ "a server waiting for more: its bytes within the hello limit",
		  test_waiting_server_within_hello_limit },
		{ "a closed flow gives its kept bytes back", test_closed_flow_keeps_nothing },
		{ "no service on a VIP port: RST", test_no_service_reset },
		{ "resets for VIP ports without a service: not for corrupted SYNs, rationed",
		  test_no_service_resets_rationed },
		{ "TLS at a VIP's listener port: routed by its hello", test_tls_at_vip },
		{ "ARP for the VIP range", test_arp_for_vip },
		{ "a claim of a VIP defended", test_arp_claim_of_vip_defended },
		{ "claims of VIPs sharing a slot rationed together",
		  test_arp_claims_sharing_a_slot_rationed },
		{ "another network's service announced by PROXY v2", test_remote_service_announced },
		{ "a client's bytes apart from the gateway's header",
		  test_remote_service_bytes_apart_from_header },
		{ "routed by another gateway's PROXY v2 header", test_from_gateway },
		{ "another gateway's client passed on in a PROXY v2 header",
		  test_from_gateway_client_passed_on },
		CU_TEST_INFO_NULL,
	};

	static const CU_TestInfo direct[] = {
		{ "a gateway reached directly: its PROXY v2 header routes",
		  test_from_direct_gateway },
		CU_TEST_INFO_NULL,
	};

	if (unit_add_suite_with("relay_plain", suite_init, rh_down, tests) < 0)
		return -1;
	return unit_add_suite_with("relay_plain_direct", direct_init, direct_down, direct);
}
