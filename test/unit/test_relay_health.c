/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "relay_health": pools that route around failure, driven through the appliance of
 * relay_harness.h: a refused or unanswered member's hello goes to the next member without
 * the client noticing; failed connections eject a member (only its clients move, and back);
 * the ejection cap; active TCP and TLS checks, spread over their interval. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_tx.h"
#include "dp_worker.h"
#include "health.h"
#include "hello_builder.h"
#include "mgmt_metrics.h"
#include "mgmt_report.h"
#include "mgmt_command.h"
#include "neigh.h"
#include "relay.h"
#include "relay_harness.h"
#include "relay_live.h"
#include "relay_tcp.h"
#include "sni_parse.h"
#include "turn_bind_slot.h"
#include "unit.h"

#define THREE_PORT 8443   /* pool "three": 10.1.0.2-4, passive health only */
#define CHECKED_PORT 9443 /* pool "checked": 10.1.0.5-6, TCP checks */
#define TLS_PORT 9444     /* pool "tlschk": 10.1.0.7, TLS checks */

static const char pools[] =
	", { name = \"three\"; members = ( { address = \"10.1.0.2\"; port = 8443; },\n"
	"      { address = \"10.1.0.3\"; port = 8443; }, { address = \"10.1.0.4\"; port = 8443; } );\n"
	"    health = { failures = 3; ejection_ms = 1000; max_ejection_ms = 4000;\n"
	"               max_ejected_percent = 50; }; },\n"
	"  { name = \"checked\"; members = ( { address = \"10.1.0.5\"; port = 9443; },\n"
	"      { address = \"10.1.0.6\"; port = 9443; } );\n"
	"    health = { check = \"tcp\"; interval_ms = 1000; timeout_ms = 300; rise = 2; fall = 2;\n"
	"               failures = 0; }; },\n"
	"  { name = \"tlschk\"; members = ( { address = \"10.1.0.7\"; port = 9444; } );\n"
	"    health = { check = \"tls\"; sni = \"check.svc.example\"; interval_ms = 1000;\n"
	"               timeout_ms = 300; rise = 1; fall = 1; }; },\n"
	"  { name = \"zero\"; members = ( { address = \"10.1.0.8\"; port = 7443; },\n"
	"      { address = \"10.1.0.9\"; port = 7443; weight = 0; } ); },\n"
	"  { name = \"dup\"; members = ( { address = \"10.1.0.5\"; port = 9443; } ); } ";
static const char routes[] =
	", { sni = \"zero.svc.example\"; pool = \"zero\"; },\n"
	"  { sni = \"three.svc.example\"; pool = \"three\"; },\n"
	"  { sni = \"three-proxied.svc.example\"; pool = \"three\"; proxy_protocol = true; },\n"
	"  { sni = \"dup.svc.example\"; pool = \"dup\"; } ";

static struct hello_build hello3, hello3p, hello0;

/* The members' MACs learned now: the cases' clock runs on for seconds, past the time a
 * neighbour stays known without traffic (a check to one would then wait for its ARP).
 * Not .9: the TURN server's address too (the drained member there is never asked), at a
 * MAC of its own; a claim of another MAC would have it probed. */
static void members_known(void)
{
	for (uint32_t ip = RH_BACKEND_IP; ip < RH_TURN_IP; ip++)
		neigh_learn(rh_w->neigh, ip, &rh_backend_mac, rh_w->now_ms, true);
}

static int suite_init(void)
{
	struct hb_options o;

	if (rh_up_pools("mbufs = 0;", "max_flows = 1024;", pools, routes) < 0)
		return -1;
	members_known();
	hb_options_default(&o);
	o.sni = "three.svc.example";
	hb_build(&o, &hello3);
	o.sni = "three-proxied.svc.example";
	hb_build(&o, &hello3p);
	o.sni = "zero.svc.example";
	hb_build(&o, &hello0);
	return 0;
}

/* The next frame the relay sent towards TCP port dport on the service port (others freed). */
static struct rh_sent next_to(uint16_t dport)
{
	for (;;) {
		struct rh_sent s = rh_next_tcp(&rh_app.ports[1]);

		if (!s.m || rte_be_to_cpu_16(s.tcp->dst_port) == dport)
			return s;
		rte_pktmbuf_free(s.m);
	}
}

/* The member the relay's next SYN on the service port goes to (the SYN freed). */
static struct rh_peer next_syn_member(void)
{
	struct rh_sent syn = next_to(THREE_PORT);
	struct rh_peer m;

	CU_ASSERT_PTR_NOT_NULL_FATAL(syn.m);
	CU_ASSERT(syn.tcp->tcp_flags & RTE_TCP_SYN_FLAG);
	m = rh_peer_of_sent(&syn);
	rte_pktmbuf_free(syn.m);
	return m;
}

/* Whether the relay sent client c a RST since the last look (frames to c freed). */
static bool client_reset(const struct rh_peer *c)
{
	bool reset = false;

	for (struct rh_sent s = rh_next_tcp(c->port); s.m; s = rh_next_tcp(c->port)) {
		if (rte_be_to_cpu_16(s.tcp->dst_port) == c->port_num &&
		    (s.tcp->tcp_flags & RTE_TCP_RST_FLAG))
			reset = true;
		rte_pktmbuf_free(s.m);
	}
	return reset;
}

static void housekeeping_for(uint32_t ms)
{
	for (uint32_t t = 0; t < ms; t += 10) {
		rh_w->now_ms += 10;
		dp_worker_housekeeping(rh_w);
	}
}

/* The member's end of the next check the relay sends to TCP port dport: its SYN awaited
 * over up to 3 s of housekeeping (read back and freed). */
static struct rh_peer next_check_to(uint16_t dport)
{
	struct rh_sent s = { 0 };
	struct rh_peer m;

	for (unsigned int t = 0; t < 300 && !s.m; t++) {
		housekeeping_for(10);
		s = next_to(dport);
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	m = rh_peer_of_sent(&s);
	rte_pktmbuf_free(s.m);
	return m;
}

/* The next member, not m1, takes f: its SYN answered, f spliced; the first frame it is
 * sent (the kept hello). */
static struct rh_sent other_member_splices(struct flow *f, const struct rh_peer *m1,
					   struct rh_peer *m2)
{
	struct rh_sent data;

	*m2 = next_syn_member();
	CU_ASSERT_NOT_EQUAL(m2->ip, m1->ip);
	rh_send(m2, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, m2->isn, m2->our_isn + 1, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_SPLICED);
	data = next_to(THREE_PORT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(data.m);
	return data;
}

/* A member that refuses the SYN: the kept hello goes to another member, with a PROXY v2
 * header built for it, and the client sees one connection that worked. */
static void test_redispatch_refused(void)
{
	struct rh_peer c = rh_client(false);
	uint64_t redispatched = rh_event(DP_EV_redispatch_refused);
	struct flow *f = rh_client_start(&c, hello3p.wire, hello3p.wire_len);
	struct rh_sent data;
	struct rh_peer m1, m2;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	m1 = next_syn_member();
	rh_send(&m1, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, 0, m1.our_isn + 1, NULL, 0);
	CU_ASSERT_EQUAL(rh_event(DP_EV_redispatch_refused), redispatched + 1);
	CU_ASSERT_FALSE(client_reset(&c));
	data = other_member_splices(f, &m1, &m2);
	/* One PROXY v2 header (signature, then the addresses block), then the hello whole. */
	CU_ASSERT_FATAL(data.plen > 16 + hello3p.wire_len);
	CU_ASSERT_EQUAL(memcmp(data.payload, "\r\n\r\n\0\r\nQUIT\n", 12), 0);
	CU_ASSERT_EQUAL(data.plen, 16u + rte_be_to_cpu_16(*(const uint16_t *)(data.payload + 14)) +
				   hello3p.wire_len);
	CU_ASSERT_EQUAL(memcmp(data.payload + data.plen - hello3p.wire_len, hello3p.wire,
			       hello3p.wire_len), 0);
	rte_pktmbuf_free(data.m);
	/* The member's first answer: the hello and the peer's slot are let go. */
	rh_send(&m2, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, m2.isn + 1,
		m2.our_isn + 1 + (uint32_t)(data.plen), (const uint8_t *)"\x16\x03\x03", 3);
	CU_ASSERT_PTR_NULL(f->stream);
	CU_ASSERT_PTR_NULL(turn_bind_slot_of(rh_w, f));
	rh_flow_end(f);
}

/* A connection that came over TURN, refused by its first member: the next member's PROXY
 * v2 header still names the peer the ConnectionAttempt named, not the TURN server. */
static void test_redispatch_keeps_turn_peer(void)
{
	static const uint8_t peer[6] = { 192, 0, 2, 50, 40123 >> 8, 40123 & 0xff };
	struct rh_peer srv, m1, m2;
	struct flow *f = rh_turn_connection(hello3p.wire, hello3p.wire_len, &srv);
	struct rh_sent data;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_CONNECTING);
	CU_ASSERT_PTR_NULL(turn_bind_slot_of(rh_w, f)); /* the bind is done: its slot free */
	CU_ASSERT_TRUE(turn_bind_peer(rh_w, f, &(struct ip_addr){ 0 }, &(uint16_t){ 0 }));
	m1 = next_syn_member();
	rh_send(&m1, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, 0, m1.our_isn + 1, NULL, 0);
	data = other_member_splices(f, &m1, &m2);
	CU_ASSERT_FATAL(data.plen > 28 + hello3p.wire_len);
	CU_ASSERT_EQUAL(memcmp(data.payload, "\r\n\r\n\0\r\nQUIT\n", 12), 0);
	CU_ASSERT_EQUAL(data.payload[13], 0x11); /* TCP over IPv4 */
	CU_ASSERT_EQUAL(memcmp(data.payload + 16, peer, 4), 0);
	CU_ASSERT_EQUAL(memcmp(data.payload + 24, peer + 4, 2), 0);
	CU_ASSERT_EQUAL(memcmp(data.payload + data.plen - hello3p.wire_len, hello3p.wire,
			       hello3p.wire_len), 0);
	rte_pktmbuf_free(data.m);
	rh_flow_end(f);
}

/* More connections over TURN than a worker has bind slots, each waiting on a member that
 * does not answer: the binds go on, each keeping its peer for the next member. Before,
 * a bind's slot was held until the member answered, and past 64 every ConnectionAttempt
 * of the worker was refused. */
static void test_turn_binds_past_slots(void)
{
	struct flow *f[TURN_BIND_SLOTS + 6];
	struct rh_peer srv;

	for (unsigned int i = 0; i < RTE_DIM(f); i++) {
		struct ip_addr peer;
		uint16_t port;

		f[i] = rh_turn_connection(hello3p.wire, hello3p.wire_len, &srv);
		CU_ASSERT_PTR_NOT_NULL_FATAL(f[i]);
		CU_ASSERT_EQUAL(f[i]->state, FLOW_CONNECTING); /* the member's SYN unanswered */
		CU_ASSERT_TRUE(turn_bind_peer(rh_w, f[i], &peer, &port));
		rh_drain(&rh_app.ports[1]);
	}
	for (unsigned int i = 0; i < RTE_DIM(f); i++)
		relay_abort(rh_w, f[i], false, false, DP_DROP_none);
	rh_drain(&rh_app.ports[0]);
	rh_drain(&rh_app.ports[1]);
}

/* A pool whose other member has weight 0 (configured, never chosen): a refusal resets the
 * client at once as a refused connection, not after a redispatch that could only find
 * the pool tried. */
static void test_weight_zero_no_redispatch(void)
{
	struct rh_peer c = rh_client(false), m;
	uint64_t redispatched = rh_event(DP_EV_redispatch_refused);
	uint64_t refused = rh_drops(DP_DROP_backend_refused), tried = rh_drops(DP_DROP_pool_tried);
	struct flow *f = rh_client_start(&c, hello0.wire, hello0.wire_len);
	struct rh_sent syn;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_TRUE(f->sole_member);
	syn = next_to(7443);
	CU_ASSERT_PTR_NOT_NULL_FATAL(syn.m);
	m = rh_peer_of_sent(&syn);
	rte_pktmbuf_free(syn.m);
	CU_ASSERT_EQUAL(m.ip, 0x0a010008u);
	rh_send(&m, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, 0, m.our_isn + 1, NULL, 0);
	CU_ASSERT_EQUAL(rh_event(DP_EV_redispatch_refused), redispatched);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_backend_refused), refused + 1);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_pool_tried), tried);
	CU_ASSERT_TRUE(client_reset(&c));
	CU_ASSERT_PTR_NULL(rh_client_flow(&c));
	rh_drain(&rh_app.ports[1]);
}

/* A member that leaves the SYN unanswered: at the connect timeout it is reset and the next
 * member gets the hello; one more failure than relay.redispatch allows resets the client. */
static void test_redispatch_timeout_then_limit(void)
{
	struct rh_peer c = rh_client(false);
	uint64_t timeouts = rh_event(DP_EV_redispatch_timeout);
	uint64_t refused = rh_drops(DP_DROP_backend_refused);
	struct flow *f = rh_client_start(&c, hello3.wire, hello3.wire_len);
	struct rh_sent rst;
	struct rh_peer m1, m2;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	m1 = next_syn_member();
	housekeeping_for(rh_app.conf->relay.connect_timeout_ms + 10);
	CU_ASSERT_EQUAL(rh_event(DP_EV_redispatch_timeout), timeouts + 1);
	rst = next_to(THREE_PORT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rst.m);
	CU_ASSERT(rst.tcp->tcp_flags & RTE_TCP_RST_FLAG);
	CU_ASSERT_EQUAL(rh_peer_of_sent(&rst).ip, m1.ip);
	rte_pktmbuf_free(rst.m);
	m2 = next_syn_member();
	CU_ASSERT_NOT_EQUAL(m2.ip, m1.ip);
	CU_ASSERT_FALSE(client_reset(&c));
	rh_send(&m2, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, 0, m2.our_isn + 1, NULL, 0);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_backend_refused), refused + 1);
	CU_ASSERT_PTR_NULL(rh_client_flow(&c));
	CU_ASSERT_TRUE(client_reset(&c));
	rh_drain(&rh_app.ports[1]);
}

/* A member 400 ms away: its SYN-ACK comes 400 ms after the SYN, so the hello it was sent
 * then is not given up at 300 ms (the member not yet able to answer), but after three of
 * its round trips; then the next member gets it, the first one reset at both ends of
 * what it may have taken. */
static void test_stream_rto_from_round_trip(void)
{
	struct rh_peer c = rh_client(false);
	uint64_t timeouts = rh_event(DP_EV_redispatch_timeout);
	struct flow *f = rh_client_start(&c, hello3.wire, hello3.wire_len);
	unsigned int resets = 0;
	struct rh_peer m1;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	m1 = next_syn_member();
	housekeeping_for(400);
	rh_send(&m1, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, m1.isn, m1.our_isn + 1, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_SPLICED);
	rh_drain(&rh_app.ports[1]); /* the hello */
	housekeeping_for(1000);
	CU_ASSERT_EQUAL(rh_event(DP_EV_redispatch_timeout), timeouts);
	CU_ASSERT_EQUAL(f->state, FLOW_SPLICED);
	housekeeping_for(300);
	CU_ASSERT_EQUAL(rh_event(DP_EV_redispatch_timeout), timeouts + 1);
	for (struct rh_sent s = next_to(THREE_PORT); s.m; s = next_to(THREE_PORT)) {
		resets += rh_peer_of_sent(&s).ip == m1.ip && (s.tcp->tcp_flags & RTE_TCP_RST_FLAG);
		rte_pktmbuf_free(s.m);
	}
	CU_ASSERT_EQUAL(resets, 2);
	rh_drain(c.port);
	if (f->state != FLOW_FREE)
		rh_flow_end(f);
}

/* Client c's hello3 spliced to the first member chosen (m), which acknowledged it whole
 * and said nothing yet: the flow. */
static struct flow *hello_taken(struct rh_peer *c, struct rh_peer *m)
{
	struct flow *f = rh_client_start(c, hello3.wire, hello3.wire_len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	*m = next_syn_member();
	rh_send(m, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, m->isn, m->our_isn + 1, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_SPLICED);
	rh_drain(&rh_app.ports[1]);
	rh_send(m, RTE_TCP_ACK_FLAG, m->isn + 1, m->our_isn + 1 + hello3.wire_len, NULL, 0);
	return f;
}

/* A member that accepts the connection and acknowledges the hello, then resets it before
 * sending a byte: the relay kept the hello, and the next member gets it; once that one's
 * first byte is on its way to the client the hello is let go. */
static void test_redispatch_reset_before_bytes(void)
{
	static const uint8_t server_first[] = { 0x16, 0x03, 0x03, 0x00, 0x01, 0x02 };
	struct rh_peer c = rh_client(false);
	uint64_t resets = rh_event(DP_EV_redispatch_reset);
	struct rh_sent data;
	struct rh_peer m1, m2;
	struct flow *f = hello_taken(&c, &m1);

	CU_ASSERT_PTR_NOT_NULL(f->stream); /* all acknowledged, still kept */
	rh_send(&m1, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, m1.isn + 1,
		m1.our_isn + 1 + hello3.wire_len, NULL, 0);
	CU_ASSERT_EQUAL(rh_event(DP_EV_redispatch_reset), resets + 1);
	CU_ASSERT_FALSE(client_reset(&c));
	data = other_member_splices(f, &m1, &m2);
	CU_ASSERT_EQUAL(data.plen, hello3.wire_len);
	rte_pktmbuf_free(data.m);
	rh_send(&m2, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, m2.isn + 1,
		m2.our_isn + 1 + hello3.wire_len, server_first, sizeof(server_first));
	CU_ASSERT_PTR_NULL(f->stream);
	CU_ASSERT_FALSE(relay_may_redispatch(rh_w, f));
	rh_flow_end(f);
}

/* The member's first bytes for the client and its acknowledgement of the whole hello in
 * one segment, as a server's first flight usually comes: the hello is let go with it, not
 * kept (off the burst path, its buffers counted) until the member sends again. */
static void test_hello_let_go_with_first_answer(void)
{
	static const uint8_t server_first[] = { 0x16, 0x03, 0x03, 0x00, 0x01, 0x02 };
	struct rh_peer c = rh_client(false);
	struct flow *f = rh_client_start(&c, hello3.wire, hello3.wire_len);
	struct rh_peer m;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	m = next_syn_member();
	rh_send(&m, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, m.isn, m.our_isn + 1, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_SPLICED);
	rh_drain(&rh_app.ports[1]);
	CU_ASSERT_TRUE(relay_may_redispatch(rh_w, f)); /* the first member: another may follow */
	rh_send(&m, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, m.isn + 1,
		m.our_isn + 1 + hello3.wire_len, server_first, sizeof(server_first));
	CU_ASSERT_PTR_NULL(f->stream);
	CU_ASSERT_FALSE(f->keeps_stream);
	CU_ASSERT_FALSE(relay_may_redispatch(rh_w, f));
	rh_flow_end(f);
}

/* A client that resets while the relay still keeps its hello: the flow is closing, and a
 * reset from the member then ends it as any closing flow's, never sends the hello to
 * another member for a client that is gone. */
static void test_no_redispatch_once_closing(void)
{
	struct rh_peer c = rh_client(false);
	uint64_t resets = rh_event(DP_EV_redispatch_reset);
	struct flow *f = rh_client_start(&c, hello3.wire, hello3.wire_len);
	uint32_t acked;
	struct rh_peer m;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	m = next_syn_member();
	rh_send(&m, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, m.isn, m.our_isn + 1, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_SPLICED);
	acked = m.our_isn + 1 + (uint32_t)hello3.wire_len;
	rh_send(&m, RTE_TCP_ACK_FLAG, m.isn + 1, acked, NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f->stream); /* kept: another member could still take it */
	rh_send(&c, RTE_TCP_RST_FLAG, c.isn + 1 + (uint32_t)hello3.wire_len, 0, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_CLOSING);
	CU_ASSERT_FALSE(relay_may_redispatch(rh_w, f));
	rh_drain(&rh_app.ports[1]);
	rh_send(&m, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, m.isn + 1, acked, NULL, 0);
	CU_ASSERT_EQUAL(rh_event(DP_EV_redispatch_reset), resets);
	CU_ASSERT_PTR_NULL(next_to(THREE_PORT).m); /* no SYN to another member */
	if (f->state != FLOW_FREE) {
		CU_ASSERT_EQUAL(f->state, FLOW_CLOSING);
		rh_flow_end(f);
	}
}

/* As the relay chooses: with the members' health. */
static bool usable_now(const void *ctx, uint32_t member)
{
	return health_usable(rh_app.health, relay_live_member_slot(ctx, member));
}

/* The member of pool "three" each of n clients is sent to, by its slot; with the members'
 * health, or as if all were up. */
static void choices(uint32_t *slot, unsigned int n, bool healthy)
{
	const struct relay_live *live = relay_live_get(&rh_app);
	struct sni_result r;
	struct sni_span span = { hello3.wire, hello3.wire_len };

	sni_parse(&span, 1, NULL, &r);
	for (unsigned int i = 0; i < n; i++) {
		struct route_pick p = { 1000 + i * 7919ull, healthy ? usable_now : NULL, NULL, live };
		struct route_decision d;

		CU_ASSERT_EQUAL(route_lookup_pick(live->routes, &r, &p, &d), ROUTE_LOCAL);
		slot[i] = relay_live_member_slot(live, d.member);
	}
}

static uint8_t state_of(uint32_t slot)
{
	return rh_app.health->slots[slot].state;
}

static void fail_member(uint32_t slot, unsigned int times)
{
	for (unsigned int i = 0; i < times; i++)
		health_report(rh_w, slot, HEALTH_EV_REFUSED);
	housekeeping_for(10);
}

/* The slots of pool "three"'s members, in the table's order. */
static void three_slots(uint32_t slots[3])
{
	const struct relay_live *live = relay_live_get(&rh_app);
	uint32_t n = 0;

	for (uint32_t i = 0; i < route_table_member_count(live->routes) && n < 3; i++) {
		struct ip_addr a;
		uint16_t port;

		route_table_member(live->routes, i, &a, &port);
		if (port == THREE_PORT)
			slots[n++] = relay_live_member_slot(live, i);
	}
	CU_ASSERT_EQUAL_FATAL(n, 3);
}

/* Pool "three" as new: what the cases before did to its members (failures counted, one
 * ejected, a doubled ejection time) over, whichever members their clients were sent to. */
static void three_fresh(void)
{
	uint32_t slots[3];

	three_slots(slots);
	housekeeping_for(4000); /* max_ejection_ms: any ejection is over */
	for (int i = 0; i < 3; i++)
		health_report(rh_w, slots[i], HEALTH_EV_CONNECTED);
	housekeeping_for(10);
}

/* The slot of the last member on port that a choice may take (weight above 0), or
 * HEALTH_NONE. */
static uint32_t chosen_member_on(uint16_t on)
{
	const struct relay_live *live = relay_live_get(&rh_app);
	uint32_t slot = HEALTH_NONE;

	for (uint32_t i = 0; i < route_table_member_count(live->routes); i++) {
		struct ip_addr a;
		uint16_t port;

		route_table_member(live->routes, i, &a, &port);
		if (port == on && route_table_member_weight(live->routes, i) > 0)
			slot = relay_live_member_slot(live, i);
	}
	return slot;
}

/* Pool "zero": 10.1.0.8 (weight 1) and 10.1.0.9 (weight 0, drained). Failures of .8 do
 * not eject it: it is the pool's only choice. Before, the drained member counted in the
 * pool's size, so half of two allowed one ejection, and the only member chosen was
 * logged ejected while still taking every connection. */
static void test_drained_member_not_in_ejection_share(void)
{
	uint32_t slot = chosen_member_on(7443);

	CU_ASSERT_NOT_EQUAL_FATAL(slot, HEALTH_NONE);
	fail_member(slot, 10);
	CU_ASSERT_EQUAL(state_of(slot), HEALTH_UP);
	for (unsigned int i = 0; i < 3; i++) /* as it was: its failures forgotten */
		health_report(rh_w, slot, HEALTH_EV_CONNECTED);
	housekeeping_for(10);
}

/* Reports past what the event ring holds before worker 0 takes them are lost, counted
 * and shown in the metrics, not lost without a trace. */
static void test_events_lost_shown(void)
{
	static char text[1 << 20];
	uint64_t lost = health_events_lost(rh_app.health);
	uint32_t slots[3];
	char want[64];

	three_slots(slots);
	housekeeping_for(10); /* the ring empty */
	for (unsigned int i = 0; i < 4200; i++)
		health_report(rh_w, slots[0], HEALTH_EV_REFUSED);
	CU_ASSERT_EQUAL(health_events_lost(rh_app.health), lost + 4200 - 4095);
	CU_ASSERT_FATAL(mgmt_metrics_render(&rh_app, text, sizeof(text)) > 0);
	snprintf(want, sizeof(want), "\nmeshrelay_health_events_lost_total %" PRIu64 "\n",
		 lost + 4200 - 4095);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, want));
	three_fresh();
}

/* The pools report's lines, looked at for a "since=" that wrapped past 2^64. */
struct since_sink {
	struct mgmt_report_sink s;
	unsigned int lines, wrapped;
};

static void since_item(struct mgmt_report_sink *s, const char *text)
{
	struct since_sink *k = (struct since_sink *)s;
	const char *at = strstr(text, " since=");

	k->lines++;
	k->wrapped += at && strtoull(at + 7, NULL, 10) > 1000000;
}

/* A member whose state the health worker changed after the report read its clock: "since"
 * 0, not a count wrapped to about 1.8e16 s. */
static void test_pools_report_since(void)
{
	struct since_sink k = { { NULL, NULL, since_item }, 0, 0 };
	uint32_t slots[3];
	uint64_t saved;

	three_slots(slots);
	saved = rh_app.health->slots[slots[0]].changed_ms;
	rh_app.health->slots[slots[0]].changed_ms = rh_app.workers[0]->now_ms + 5;
	CU_ASSERT_EQUAL(mgmt_report_write(&rh_app, "pools", &k.s), 0);
	rh_app.health->slots[slots[0]].changed_ms = saved;
	CU_ASSERT_TRUE(k.lines >= 3);
	CU_ASSERT_EQUAL(k.wrapped, 0);
}

/* A connection whose member's slot was given to another member meanwhile (a push removed
 * its member, a later one added another): the refusal it meets is not the other member's
 * failure, nor its redispatch. */
static void test_old_member_not_blamed(void)
{
	struct rh_peer c = rh_client(false);
	uint64_t redispatched = rh_event(DP_EV_redispatch_refused);
	struct flow *f = rh_client_start(&c, hello3.wire, hello3.wire_len);
	struct health_stats before, after;
	struct rh_peer m1;
	uint32_t slots[3], other = HEALTH_NONE, fails;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	m1 = next_syn_member();
	three_slots(slots);
	for (int i = 0; i < 3; i++)
		if (slots[i] != f->member)
			other = slots[i];
	CU_ASSERT_FATAL(other != HEALTH_NONE);
	f->member = other; /* the slot f holds now follows another member */
	health_stats_read(rh_app.health, other, &before);
	fails = rh_app.health->slots[other].fails;
	rh_send(&m1, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, 0, m1.our_isn + 1, NULL, 0);
	housekeeping_for(10);
	health_stats_read(rh_app.health, other, &after);
	CU_ASSERT_EQUAL(rh_event(DP_EV_redispatch_refused), redispatched + 1);
	CU_ASSERT_EQUAL(after.failures, before.failures);
	CU_ASSERT_EQUAL(after.redispatches, before.redispatches);
	CU_ASSERT_EQUAL(rh_app.health->slots[other].fails, fails);
	/* Where it goes next is the redispatch's business (test_redispatch_refused). */
	rh_drain(&rh_app.ports[1]);
	rh_drain(c.port);
	if (f->state != FLOW_FREE)
		rh_flow_end(f);
}

/* Consecutive failures eject a member: exactly its clients move, to the others; when the
 * ejection is over exactly they come back. Ejected again at once, the time doubles, up to
 * max_ejection_ms; a good connection resets the doubling. */
static void test_ejection_moves_only_its_clients(void)
{
	enum { N = 400 };
	uint32_t before[N], during[N], after[N], x;
	unsigned int moved = 0;
	struct health_slot *s;

	three_fresh();
	choices(before, N, false);
	x = before[0];
	s = &rh_app.health->slots[x];
	fail_member(x, 2);
	CU_ASSERT_EQUAL(state_of(x), HEALTH_UP);
	fail_member(x, 1);
	CU_ASSERT_EQUAL_FATAL(state_of(x), HEALTH_EJECTED);
	CU_ASSERT_EQUAL(s->until_ms - rh_w->now_ms, 1000);
	choices(during, N, true);
	for (unsigned int i = 0; i < N; i++) {
		CU_ASSERT(before[i] == x ? during[i] != x : during[i] == before[i]);
		moved += before[i] == x;
	}
	CU_ASSERT(moved > N / 8);
	housekeeping_for(1000);
	CU_ASSERT_EQUAL(state_of(x), HEALTH_UP);
	choices(after, N, true);
	CU_ASSERT_EQUAL(memcmp(after, before, sizeof(before)), 0);
	fail_member(x, 3);
	CU_ASSERT_EQUAL(s->until_ms - rh_w->now_ms, 2000);
	housekeeping_for(2000);
	fail_member(x, 3);
	CU_ASSERT_EQUAL(s->until_ms - rh_w->now_ms, 4000);
	housekeeping_for(4000);
	fail_member(x, 3);
	CU_ASSERT_EQUAL(s->until_ms - rh_w->now_ms, 4000); /* max_ejection_ms */
	housekeeping_for(4000);
	health_report(rh_w, x, HEALTH_EV_CONNECTED);
	fail_member(x, 3);
	CU_ASSERT_EQUAL(s->until_ms - rh_w->now_ms, 1000);
	housekeeping_for(1000);
	CU_ASSERT_EQUAL(state_of(x), HEALTH_UP);
}

/* A member that accepts every connection and ends it before its first byte with `end`
 * (RST, or FIN: a proxy in front of a dead server) is ejected after `failures` such
 * connections, as one refusing them is, and each connection goes to another member; a
 * FIN's member is reset, as it holds its end open. A member whose byte reached the client
 * was answered: connections spliced to the others here show it. */
static void accept_then_end_ejected(uint8_t end)
{
	static const uint8_t server_first[] = { 0x16, 0x03, 0x03, 0x00, 0x01, 0x02 };
	uint32_t target = 0, ended = 0, flows = flow_count(rh_w->flows);

	three_fresh();
	for (unsigned int i = 0; i < 60 && ended < 3; i++) {
		struct rh_peer c = rh_client(false), m, m2;
		struct flow *f = rh_client_start(&c, hello3.wire, hello3.wire_len);
		struct rh_sent data;

		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		m = next_syn_member();
		if (!target)
			target = m.ip;
		rh_send(&m, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, m.isn, m.our_isn + 1, NULL, 0);
		CU_ASSERT_EQUAL_FATAL(f->state, FLOW_SPLICED);
		rh_drain(&rh_app.ports[1]);
		if (m.ip == target) {
			rh_send(&m, end | RTE_TCP_ACK_FLAG, m.isn + 1,
				m.our_isn + 1 + hello3.wire_len, NULL, 0);
			ended++;
			if (end == RTE_TCP_FIN_FLAG) {
				data = next_to(THREE_PORT);
				CU_ASSERT_PTR_NOT_NULL_FATAL(data.m);
				CU_ASSERT(data.tcp->tcp_flags & RTE_TCP_RST_FLAG);
				rte_pktmbuf_free(data.m);
			}
			CU_ASSERT_FALSE(client_reset(&c)); /* nor the FIN passed on */
			data = other_member_splices(f, &m, &m2);
			rte_pktmbuf_free(data.m);
			m = m2;
		}
		/* The member that kept it answers: its first byte on its way to the client. */
		rh_send(&m, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, m.isn + 1,
			m.our_isn + 1 + hello3.wire_len, server_first, sizeof(server_first));
		rh_drain(c.port);
		rh_flow_end(f);
		housekeeping_for(10);
	}
	CU_ASSERT_EQUAL_FATAL(ended, 3);
	for (uint32_t slot = 0; slot < rh_app.health->capacity; slot++) {
		const struct health_slot *hs = &rh_app.health->slots[slot];

		struct ip_addr a = ip_addr_v4(target);

		if (hs->in_use && hs->port == THREE_PORT)
			CU_ASSERT_EQUAL(hs->state, memcmp(&hs->addr, &a, sizeof(a)) == 0
							   ? HEALTH_EJECTED : HEALTH_UP);
	}
	rh_drain(&rh_app.ports[1]);
	three_fresh();
	CU_ASSERT_EQUAL(flow_count(rh_w->flows), flows);
}

/* A member that acknowledges the hello and then says nothing (a hung process whose
 * listening socket still accepts): after relay.answer_timeout_ms (5 s) it is reset, the
 * hello goes to another member, and the member's health hears of it. Before, the flow
 * waited for it until the client gave up, and nothing was ever counted against it. */
static void test_silent_after_hello_redispatched(void)
{
	uint64_t timeouts = rh_event(DP_EV_redispatch_timeout);
	struct rh_peer c = rh_client(false), m, m2;
	struct flow *f;
	struct rh_sent s;

	three_fresh();
	f = hello_taken(&c, &m);
	housekeeping_for(4900);
	CU_ASSERT_EQUAL(rh_event(DP_EV_redispatch_timeout), timeouts); /* not yet */
	housekeeping_for(200);
	CU_ASSERT_EQUAL(rh_event(DP_EV_redispatch_timeout), timeouts + 1);
	s = next_to(THREE_PORT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	CU_ASSERT(s.tcp->tcp_flags & RTE_TCP_RST_FLAG);
	CU_ASSERT_EQUAL(rte_be_to_cpu_32(s.tcp->sent_seq), m.our_isn + 1 + hello3.wire_len);
	rte_pktmbuf_free(s.m);
	CU_ASSERT_FALSE(client_reset(&c));
	s = other_member_splices(f, &m, &m2);
	rte_pktmbuf_free(s.m);
	rh_flow_end(f);
	rh_drain(&rh_app.ports[1]);
	three_fresh();
	members_known(); /* the clock ran on: the cases after this one find them known */
}

/* Before, each connection's SYN-ACK counted as a success that wiped the last failure
 * out, so its count went 0, 1, 0, 1 and never reached 3. */
static void test_accept_then_reset_ejected(void)
{
	accept_then_end_ejected(RTE_TCP_RST_FLAG);
}

/* Before, the FIN went on to the client (its TLS handshake failed), the connection went
 * to no other member, and its sequence number was taken for the member's first byte: a
 * success that wiped out the failures the others had counted. */
static void test_accept_then_fin_ejected(void)
{
	accept_then_end_ejected(RTE_TCP_FIN_FLAG);
}

/* At most max_ejected_percent of a pool is ejected at once, and never all of it: with
 * three members and 50 %, one. */
static void test_ejection_cap(void)
{
	uint32_t slots[3];

	three_fresh();
	three_slots(slots);
	fail_member(slots[0], 3);
	fail_member(slots[1], 3);
	fail_member(slots[2], 3);
	CU_ASSERT_EQUAL(state_of(slots[0]), HEALTH_EJECTED);
	CU_ASSERT_EQUAL(state_of(slots[1]), HEALTH_UP);
	CU_ASSERT_EQUAL(state_of(slots[2]), HEALTH_UP);
	/* Refused for the share: counted afresh, not asked again at every failure. */
	CU_ASSERT_EQUAL(rh_app.health->slots[slots[1]].fails, 0);
	fail_member(slots[1], 2);
	CU_ASSERT_EQUAL(rh_app.health->slots[slots[1]].fails, 2);
	housekeeping_for(1000);
	CU_ASSERT_EQUAL(state_of(slots[0]), HEALTH_UP);
	for (int i = 0; i < 3; i++)
		health_report(rh_w, slots[i], HEALTH_EV_CONNECTED);
	housekeeping_for(10);
}

/* The slots of pool "checked"'s members, .5 first. */
/* The slots of pool name's members on CHECKED_PORT, by the last byte of their address
 * (.5 first). */
static void pool_slots(const char *name, uint32_t slot[2])
{
	const struct relay_live *live = relay_live_get(&rh_app);

	for (uint32_t i = 0; i < route_table_member_count(live->routes); i++) {
		struct ip_addr a;
		uint16_t port;

		route_table_member(live->routes, i, &a, &port);
		if (port == CHECKED_PORT &&
		    strcmp(live->conf.pools[route_table_member_pool(live->routes, i)].name, name) == 0)
			slot[a.bytes[3] - 5] = relay_live_member_slot(live, i);
	}
}

static void checked_slots(uint32_t slot[2])
{
	pool_slots("checked", slot);
}

/* Over 3 s of pool "checked" (two members, interval 1 s, timeout 300 ms, fall 2): every
 * member is checked about once a second, not both at the same moment, and two unanswered
 * checks take it down; two answered ones (each then reset) bring it back. */
static void test_tcp_checks(void)
{
	uint64_t first[2] = { 0, 0 };
	unsigned int checks[2] = { 0, 0 };
	uint32_t slot[2] = { 0, 0 }, last_isn[2] = { 0, 0 };

	checked_slots(slot);
	rh_drain(&rh_app.ports[1]);
	for (unsigned int t = 0; t < 300; t++) {
		housekeeping_for(10);
		for (struct rh_sent s = next_to(CHECKED_PORT); s.m; s = next_to(CHECKED_PORT)) {
			unsigned int k = s.dst[3] - 5;
			uint32_t isn = rte_be_to_cpu_32(s.tcp->sent_seq);

			CU_ASSERT(s.tcp->tcp_flags == RTE_TCP_SYN_FLAG);
			/* A check's SYN sent again (half-way to its deadline) is no new check. */
			if (k < 2 && isn != last_isn[k] && checks[k]++ == 0)
				first[k] = rh_w->now_ms;
			if (k < 2)
				last_isn[k] = isn;
			rte_pktmbuf_free(s.m);
		}
	}
	for (int k = 0; k < 2; k++) {
		CU_ASSERT(checks[k] >= 2 && checks[k] <= 4);
		CU_ASSERT_EQUAL(state_of(slot[k]), HEALTH_DOWN);
	}
	CU_ASSERT_NOT_EQUAL(first[0], first[1]);
	/* Answer the next checks of member .5. */
	for (unsigned int answered = 0, t = 0; answered < 2 && t < 300; t++) {
		housekeeping_for(10);
		for (struct rh_sent s = next_to(CHECKED_PORT); s.m; s = next_to(CHECKED_PORT)) {
			struct rh_peer m = rh_peer_of_sent(&s);

			rte_pktmbuf_free(s.m);
			if ((m.ip & 0xff) != 5)
				continue;
			rh_send(&m, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, m.isn, m.our_isn + 1, NULL, 0);
			s = next_to(CHECKED_PORT);
			CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
			CU_ASSERT(s.tcp->tcp_flags & RTE_TCP_RST_FLAG);
			CU_ASSERT_EQUAL(rte_be_to_cpu_32(s.tcp->sent_seq), m.our_isn + 1);
			rte_pktmbuf_free(s.m);
			answered++;
		}
	}
	CU_ASSERT_EQUAL(state_of(slot[0]), HEALTH_UP);
	CU_ASSERT_EQUAL(state_of(slot[1]), HEALTH_DOWN);
}

/* Draining (a stop in progress): no check is started, members keep their states; once
 * the drain is called off, checks go on. Before, worker 0 kept opening check flows, each
 * of which the drain then waited for. */
static void test_no_checks_while_draining(void)
{
	unsigned int sent = 0;

	rh_drain(&rh_app.ports[1]);
	housekeeping_for(2000); /* checks in flight end (timeout 300 ms) */
	rh_drain(&rh_app.ports[1]);
	rh_app.draining = true;
	for (unsigned int t = 0; t < 300; t++) { /* 3 s: three intervals */
		housekeeping_for(10);
		sent += rh_drain(&rh_app.ports[1]);
	}
	rh_app.draining = false;
	CU_ASSERT_EQUAL(sent, 0);
	for (unsigned int t = 0; t < 300 && sent == 0; t++) {
		housekeeping_for(10);
		for (struct rh_sent s = next_to(CHECKED_PORT); s.m; s = next_to(CHECKED_PORT)) {
			sent++;
			rte_pktmbuf_free(s.m);
		}
	}
	CU_ASSERT(sent > 0);
}

/* A check in flight when a drain starts ends at its deadline (300 ms), not at its flow's
 * backstop (2 x 300 ms + 1 s): the drain waits for the relay's flows, checks' too. */
static void test_drain_ends_checks_at_deadline(void)
{
	const struct health_slot *hs = rh_app.health->slots;
	uint32_t slot[2] = { 0, 0 };
	bool seen = false;

	checked_slots(slot);
	rh_drain(&rh_app.ports[1]);
	for (unsigned int t = 0; t < 300 && !seen; t++) {
		housekeeping_for(10);
		for (struct rh_sent s = next_to(CHECKED_PORT); s.m; s = next_to(CHECKED_PORT)) {
			seen = true;
			rte_pktmbuf_free(s.m);
		}
	}
	CU_ASSERT_FATAL(seen);
	rh_app.draining = true;
	housekeeping_for(400);
	CU_ASSERT_FALSE(hs[slot[0]].checking || hs[slot[1]].checking);
	rh_app.draining = false;
	housekeeping_for(2000);
	rh_drain(&rh_app.ports[1]);
}

/* The member's end of the next check of pool "checked", the frames before it read and
 * freed; *passed: the checks passed so far. */
static struct rh_peer fresh_check(uint64_t *passed)
{
	struct rh_peer m;

	rh_drain(&rh_app.ports[1]);
	m = next_check_to(CHECKED_PORT);
	*passed = rh_event(DP_EV_check_passed);
	return m;
}

/* A member that answers a check's SYN with an ACK of an older connection it holds on the
 * 4-tuple is told (a RST at that ACK) and asked again (the SYN resent); its answer to that
 * passes the check. Before, the ACK was dropped, and the check failed at its deadline
 * against a member that was up. */
static void test_check_stale_ack_reset(void)
{
	uint64_t passed;
	struct rh_peer m = fresh_check(&passed);

	rh_send(&m, RTE_TCP_ACK_FLAG, 424242, 777777, NULL, 0);
	rh_expect_sent(&rh_app.ports[1], RTE_TCP_RST_FLAG, 777777);
	rh_expect_sent(&rh_app.ports[1], RTE_TCP_SYN_FLAG, m.our_isn);
	rh_send(&m, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, m.isn, m.our_isn + 1, NULL, 0);
	CU_ASSERT_EQUAL(rh_event(DP_EV_check_passed), passed + 1);
	rh_drain(&rh_app.ports[1]);
}

/* A check whose flow went another way without a result (taken for a new connection on
 * a full table, say) fails at its deadline, and counts among the failed checks as every
 * failure the member's state shows does. */
static void test_check_lost_counted(void)
{
	const struct health_slot *hs = rh_app.health->slots;
	uint64_t failed, members;
	uint32_t slot[2] = { 0, 0 };
	struct flow *f = NULL;

	checked_slots(slot);
	for (unsigned int t = 0; t < 300 && !f; t++) {
		housekeeping_for(10);
		if (hs[slot[0]].checking)
			f = flow_at(rh_w->flows, hs[slot[0]].check_flow);
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	failed = rh_event(DP_EV_check_failed);
	members = hs[slot[0]].checks_failed + hs[slot[1]].checks_failed;
	flow_release(rh_w->flows, f);
	housekeeping_for(400);
	CU_ASSERT_FALSE(hs[slot[0]].checking);
	/* The counter moved with the members' failures (the other's unanswered check too). */
	CU_ASSERT_EQUAL(rh_event(DP_EV_check_failed) - failed,
			hs[slot[0]].checks_failed + hs[slot[1]].checks_failed - members);
	CU_ASSERT(hs[slot[0]].checks_failed + hs[slot[1]].checks_failed > members);
	housekeeping_for(2000);
	rh_drain(&rh_app.ports[1]);
}

/* Pool "checked", one member down by its checks: a connection failure of the other may
 * not eject it (the pool would have nothing up). Checks switched off (as a reload may):
 * the member down comes back up, since no passed check ever would. */
static void test_down_members_count_and_checks_off(void)
{
	const struct relay_live *live = relay_live_get(&rh_app);
	uint32_t slot[2] = { 0, 0 };
	struct mr_health_conf *hc, saved;

	checked_slots(slot);
	hc = (struct mr_health_conf *)health_conf_of(live, rh_app.health->slots[slot[0]].pool);
	CU_ASSERT_PTR_NOT_NULL_FATAL(hc);
	saved = *hc;
	for (int k = 0; k < 2; k++) { /* .5 up, .6 down */
		health_check_result(rh_app.health, live, slot[0], rh_app.health->slots[slot[0]].pool,
				    true, "test", rh_w->now_ms);
		health_check_result(rh_app.health, live, slot[1], rh_app.health->slots[slot[1]].pool,
				    false, "test", rh_w->now_ms);
	}
	CU_ASSERT_EQUAL_FATAL(state_of(slot[0]), HEALTH_UP);
	CU_ASSERT_EQUAL_FATAL(state_of(slot[1]), HEALTH_DOWN);
	hc->failures = 1;
	hc->max_ejected_percent = 50;
	fail_member(slot[0], 1);
	CU_ASSERT_EQUAL(state_of(slot[0]), HEALTH_UP);
	hc->check = MR_CHECK_NONE;
	housekeeping_for(100);
	CU_ASSERT_EQUAL(state_of(slot[1]), HEALTH_UP);
	/* Checks back on: one failed check is not fall (2) in a row, whatever the run
	 * before they went off. */
	*hc = saved;
	health_check_result(rh_app.health, live, slot[1], rh_app.health->slots[slot[1]].pool,
			    false, "test", rh_w->now_ms);
	CU_ASSERT_EQUAL(state_of(slot[1]), HEALTH_UP);
	rh_drain(&rh_app.ports[1]);
}

/* A push that shortens a pool's check interval: a member whose next check was set under
 * the longer one is checked within the new interval, not at the old deadline; and one
 * ejected under a longer ejection time is back within the new max_ejection_ms. */
static void test_shorter_times_pushed(void)
{
	const struct relay_live *live = relay_live_get(&rh_app);
	uint32_t slot[2] = { 0, 0 };
	unsigned int checks[2] = { 0, 0 };
	struct mr_health_conf *hc, saved;

	checked_slots(slot);
	hc = (struct mr_health_conf *)health_conf_of(live, rh_app.health->slots[slot[0]].pool);
	CU_ASSERT_PTR_NOT_NULL_FATAL(hc);
	saved = *hc;
	members_known(); /* a check is a SYN at once, not an ARP first */
	hc->interval_ms = 600000;
	hc->rise = hc->fall = 255; /* no check's result moves a state here */
	housekeeping_for(1500); /* each member checked once, its next an interval away */
	rh_drain(&rh_app.ports[1]);
	hc->interval_ms = 1000;
	for (unsigned int t = 0; t < 120; t++) {
		housekeeping_for(10);
		for (struct rh_sent x = next_to(CHECKED_PORT); x.m; x = next_to(CHECKED_PORT)) {
			unsigned int k = x.dst[3] - 5u;

			if (k < 2 && x.tcp->tcp_flags == RTE_TCP_SYN_FLAG)
				checks[k]++;
			rte_pktmbuf_free(x.m);
		}
	}
	CU_ASSERT(checks[0] >= 1 && checks[1] >= 1);
	/* Ejected for ten minutes, then the most lowered to a second. */
	hc->check = MR_CHECK_NONE;
	hc->failures = 1;
	hc->max_ejected_percent = 50;
	hc->ejection_ms = hc->max_ejection_ms = 600000;
	housekeeping_for(400); /* the checks in flight end */
	fail_member(slot[0], 1);
	CU_ASSERT_EQUAL_FATAL(state_of(slot[0]), HEALTH_EJECTED);
	hc->ejection_ms = hc->max_ejection_ms = 1000;
	housekeeping_for(1100);
	CU_ASSERT_EQUAL(state_of(slot[0]), HEALTH_UP);
	*hc = saved;
	rh_drain(&rh_app.ports[1]);
}

/* A backend in two pools (.5: "checked", with TCP checks, and "dup", without) is a member
 * of each: its checks unanswered take it down in "checked" and keep it down, while "dup"
 * follows it by its connections alone. Before, both shared one slot: "dup"'s scan found
 * it down with checks off and brought it up again at every pass. */
static void test_member_in_two_pools(void)
{
	uint32_t checked[2] = { HEALTH_NONE, HEALTH_NONE }, dup[2] = { HEALTH_NONE, HEALTH_NONE };

	checked_slots(checked);
	pool_slots("dup", dup);
	CU_ASSERT_FATAL(checked[0] != HEALTH_NONE && dup[0] != HEALTH_NONE);
	CU_ASSERT_NOT_EQUAL(checked[0], dup[0]);
	rh_drain(&rh_app.ports[1]);
	housekeeping_for(3000); /* checks every second, none answered: fall 2 */
	CU_ASSERT_EQUAL(state_of(checked[0]), HEALTH_DOWN);
	CU_ASSERT_EQUAL(state_of(dup[0]), HEALTH_UP);
	rh_drain(&rh_app.ports[1]);
}

/* A check that ends after its pool's checks were switched off (a reload; its flow was in
 * flight) is counted, but moves no state: the scan brought the member up ("checks off"),
 * and nothing would bring it up again. Before, a failed one took the member down until the
 * scan's next visit. */
static void test_result_after_checks_off(void)
{
	const struct relay_live *live = relay_live_get(&rh_app);
	struct relay_health *h = rh_app.health;
	uint32_t slot[2] = { 0, 0 };
	struct mr_health_conf *hc, saved;
	uint32_t failed;

	checked_slots(slot);
	hc = (struct mr_health_conf *)health_conf_of(live, h->slots[slot[0]].pool);
	CU_ASSERT_PTR_NOT_NULL_FATAL(hc);
	saved = *hc;
	for (unsigned int k = 0; k < hc->rise; k++)
		health_check_result(h, live, slot[0], h->slots[slot[0]].pool, true, "test",
				    rh_w->now_ms);
	CU_ASSERT_EQUAL_FATAL(state_of(slot[0]), HEALTH_UP);
	failed = h->slots[slot[0]].checks_failed;
	hc->check = MR_CHECK_NONE;
	for (unsigned int k = 0; k < saved.fall + 1; k++)
		health_check_result(h, live, slot[0], h->slots[slot[0]].pool, false, "test",
				    rh_w->now_ms);
	CU_ASSERT_EQUAL(state_of(slot[0]), HEALTH_UP);
	CU_ASSERT_EQUAL(h->slots[slot[0]].checks_failed, failed + saved.fall + 1);
	*hc = saved;
	rh_drain(&rh_app.ports[1]);
}

/* Pool "checked" with passive health too: a member ejected for its failed connections
 * whose checks then fail is down at once (before, it stayed ejected and came back up when
 * the ejection ran out, checks failing or not). Failures of a member already ejected do
 * not count towards its next ejection (before, they re-ejected it at its first failure
 * back). */
static void test_ejected_member_checks_fail(void)
{
	const struct relay_live *live = relay_live_get(&rh_app);
	uint32_t slot[2] = { 0, 0 };
	struct relay_health *h = rh_app.health;
	struct mr_health_conf *hc, saved;

	checked_slots(slot);
	hc = (struct mr_health_conf *)health_conf_of(live, h->slots[slot[0]].pool);
	CU_ASSERT_PTR_NOT_NULL_FATAL(hc);
	saved = *hc;
	for (unsigned int k = 0; k < hc->rise; k++)
		for (int i = 0; i < 2; i++)
			health_check_result(h, live, slot[i], h->slots[slot[i]].pool, true, "test",
					    rh_w->now_ms);
	CU_ASSERT_FATAL(state_of(slot[0]) == HEALTH_UP && state_of(slot[1]) == HEALTH_UP);
	hc->failures = 1;
	hc->ejection_ms = hc->max_ejection_ms = 1000;
	hc->max_ejected_percent = 50;
	fail_member(slot[0], 1);
	CU_ASSERT_EQUAL_FATAL(state_of(slot[0]), HEALTH_EJECTED);
	for (unsigned int k = 0; k < hc->fall; k++)
		health_check_result(h, live, slot[0], h->slots[slot[0]].pool, false, "test",
				    rh_w->now_ms);
	CU_ASSERT_EQUAL(state_of(slot[0]), HEALTH_DOWN);

	/* Checks off (.5 comes up with them), three failures to eject .6, ten more while out. */
	hc->check = MR_CHECK_NONE;
	hc->failures = 3;
	housekeeping_for(20);
	CU_ASSERT_EQUAL_FATAL(state_of(slot[0]), HEALTH_UP);
	fail_member(slot[1], 3);
	CU_ASSERT_EQUAL_FATAL(state_of(slot[1]), HEALTH_EJECTED);
	fail_member(slot[1], 10);
	housekeeping_for(1100);
	CU_ASSERT_EQUAL_FATAL(state_of(slot[1]), HEALTH_UP);
	fail_member(slot[1], 1);
	CU_ASSERT_EQUAL(state_of(slot[1]), HEALTH_UP);
	*hc = saved;
	housekeeping_for(10);
	for (int i = 0; i < 2; i++)
		health_report(rh_w, slot[i], HEALTH_EV_CONNECTED);
	housekeeping_for(10);
	rh_drain(&rh_app.ports[1]);
}

/* A full flow table leaves no entry for a check: counted as not sent (not as failed: it
 * says nothing of the member) and tried again 100 ms later, so that the checks go out as
 * soon as entries are free again rather than an interval later. */
static void test_check_not_sent(void)
{
	static struct flow *filler[2048];
	uint64_t not_sent = rh_event(DP_EV_check_not_sent), failed = rh_event(DP_EV_check_failed);
	unsigned int n = 0, checks = 0;

	members_known();
	/* Every free entry taken, then those of the checks in flight as they end. */
	for (unsigned int t = 0; t < 200; t++) {
		while (n < RTE_DIM(filler) &&
		       (filler[n] = flow_alloc(rh_w->flows, rh_w->now_ms + 1000000)) != NULL)
			n++;
		if (flow_count(rh_w->flows) == n)
			break;
		housekeeping_for(10);
	}
	CU_ASSERT_FATAL(n > 0 && n < RTE_DIM(filler));
	CU_ASSERT_EQUAL_FATAL(flow_count(rh_w->flows), n);
	rh_drain(&rh_app.ports[1]);
	failed = rh_event(DP_EV_check_failed);
	not_sent = rh_event(DP_EV_check_not_sent);
	housekeeping_for(1500);
	/* Three checked members, tried again every 100 ms (not once a second). */
	CU_ASSERT(rh_event(DP_EV_check_not_sent) >= not_sent + 20);
	CU_ASSERT_EQUAL(rh_event(DP_EV_check_failed), failed);
	CU_ASSERT_EQUAL(rh_drain(&rh_app.ports[1]), 0);
	while (n)
		flow_release(rh_w->flows, filler[--n]);
	housekeeping_for(200);
	for (struct rh_sent s = next_to(CHECKED_PORT); s.m; s = next_to(CHECKED_PORT)) {
		checks += (s.tcp->tcp_flags == RTE_TCP_SYN_FLAG);
		rte_pktmbuf_free(s.m);
	}
	CU_ASSERT_EQUAL(checks, 2); /* both members of "checked", at once */
	housekeeping_for(1000);
	rh_drain(&rh_app.ports[1]);
}

/* Out of mbufs, a check's SYN cannot go: that says nothing of the member. Not sent,
 * tried again soon, never a failure; once mbufs are back, checks go. Before, the check
 * counted as sent and failed at its deadline: every checked member went down at once
 * for a moment of the worker's own shortage. */
static void test_check_without_mbufs(void)
{
	size_t cap = rh_app.pool->size, n = 0;
	struct rte_mbuf **held = malloc(cap * sizeof(*held));
	uint64_t not_sent, failed;
	unsigned int checks = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(held);
	members_known();
	housekeeping_for(1500); /* the checks in flight ended */
	rh_drain(&rh_app.ports[1]);
	while (n < cap && (held[n] = rte_pktmbuf_alloc(rh_app.pool)) != NULL)
		n++;
	not_sent = rh_event(DP_EV_check_not_sent);
	failed = rh_event(DP_EV_check_failed);
	housekeeping_for(2500);
	CU_ASSERT(rh_event(DP_EV_check_not_sent) >= not_sent + 20);
	CU_ASSERT_EQUAL(rh_event(DP_EV_check_failed), failed);
	rte_pktmbuf_free_bulk(held, (unsigned int)n);
	free(held);
	housekeeping_for(200);
	for (struct rh_sent s = next_to(CHECKED_PORT); s.m; s = next_to(CHECKED_PORT)) {
		checks += (s.tcp->tcp_flags == RTE_TCP_SYN_FLAG);
		rte_pktmbuf_free(s.m);
	}
	CU_ASSERT_EQUAL(checks, 2);
	housekeeping_for(1000);
	rh_drain(&rh_app.ports[1]);
}

/* A table full of closed flows (the relay's TIME-WAIT): a check takes the entry of the
 * one due soonest, as a new connection does, rather than never going out (a member down
 * would then never come back up). */
static void test_check_takes_closed_entry(void)
{
	static struct flow *filler[2048];
	uint64_t not_sent, taken;
	unsigned int n = 0, checks = 0;

	members_known();
	for (unsigned int t = 0; t < 200; t++) {
		while (n < RTE_DIM(filler) &&
		       (filler[n] = flow_alloc(rh_w->flows, rh_w->now_ms + 1000000)) != NULL)
			flow_set_closing(rh_w->flows, filler[n++], rh_w->now_ms + 1000000);
		if (flow_count(rh_w->flows) == n)
			break;
		housekeeping_for(10);
	}
	CU_ASSERT_FATAL(n > 0 && n < RTE_DIM(filler));
	rh_drain(&rh_app.ports[1]);
	not_sent = rh_event(DP_EV_check_not_sent);
	taken = rh_event(DP_EV_flow_reclaimed);
	housekeeping_for(1100);
	for (struct rh_sent s = next_to(CHECKED_PORT); s.m; s = next_to(CHECKED_PORT)) {
		checks += (s.tcp->tcp_flags == RTE_TCP_SYN_FLAG);
		rte_pktmbuf_free(s.m);
	}
	CU_ASSERT(checks >= 2); /* both members of "checked" */
	CU_ASSERT(rh_event(DP_EV_flow_reclaimed) >= taken + 2);
	CU_ASSERT_EQUAL(rh_event(DP_EV_check_not_sent), not_sent);
	while (n)
		if (filler[--n]->state == FLOW_CLOSING)
			flow_release(rh_w->flows, filler[n]);
	housekeeping_for(1000);
	rh_drain(&rh_app.ports[1]);
}

/* The slot of pool "tlschk"'s member. */
static uint32_t tlschk_slot(void)
{
	return chosen_member_on(TLS_PORT);
}

/* The next check of pool "tlschk" brought to its hello: its SYN awaited and answered, the
 * ClientHello for the configured name read (its length in *hello_len). The member's end. */
static struct rh_peer tls_check_hello(uint32_t *hello_len)
{
	struct rh_peer m = next_check_to(TLS_PORT);
	struct rh_sent s;
	struct sni_result r;

	rh_send(&m, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, m.isn, m.our_isn + 1, NULL, 0);
	s = next_to(TLS_PORT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	CU_ASSERT_FATAL(s.plen > 0);
	sni_parse(&(struct sni_span){ s.payload, s.plen }, 1, NULL, &r);
	CU_ASSERT_EQUAL(r.verdict, SNI_COMPLETE);
	CU_ASSERT_STRING_EQUAL(r.host, "check.svc.example");
	*hello_len = s.plen;
	rte_pktmbuf_free(s.m);
	return m;
}

/* Pool "tlschk": the check sends a ClientHello for its configured name once the member
 * answers the SYN; a ServerHello passes, an alert (a server that does not serve the name)
 * fails and, with fall 1, takes the member down. */
static void test_tls_check(void)
{
	static const uint8_t server_hello[] = { 0x16, 0x03, 0x03, 0x00, 0x7a, 0x02, 0x00, 0x00 };
	static const uint8_t alert[] = { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x70 };
	const uint8_t *answers[2] = { server_hello, alert };
	const size_t lens[2] = { sizeof(server_hello), sizeof(alert) };
	uint64_t passed = rh_event(DP_EV_check_passed), failed = rh_event(DP_EV_check_failed);
	uint32_t slot = tlschk_slot();

	members_known();
	rh_drain(&rh_app.ports[1]);
	for (int round = 0; round < 2; round++) {
		uint32_t hello_len;
		struct rh_peer m = tls_check_hello(&hello_len);
		struct rh_sent s;

		rh_send(&m, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, m.isn + 1, m.our_isn + 1 + hello_len,
			answers[round], lens[round]);
		s = next_to(TLS_PORT);
		CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
		CU_ASSERT(s.tcp->tcp_flags & RTE_TCP_RST_FLAG);
		rte_pktmbuf_free(s.m);
		CU_ASSERT_EQUAL(state_of(slot), round == 0 ? HEALTH_UP : HEALTH_DOWN);
	}
	CU_ASSERT_EQUAL(rh_event(DP_EV_check_passed), passed + 1);
	CU_ASSERT(rh_event(DP_EV_check_failed) > failed);
}

/* What the check sends the member after the answer's bytes up to read: a pure ACK of them
 * (the member may hold the rest back until then), nothing else. */
static void assert_answer_acked(const struct rh_peer *m, uint32_t read)
{
	struct rh_sent s = next_to(TLS_PORT);

	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	CU_ASSERT_EQUAL(s.tcp->tcp_flags, RTE_TCP_ACK_FLAG);
	CU_ASSERT_EQUAL(rte_be_to_cpu_32(s.tcp->recv_ack), m->isn + 1 + read);
	CU_ASSERT_EQUAL(s.plen, 0);
	rte_pktmbuf_free(s.m);
	CU_ASSERT_PTR_NULL(next_to(TLS_PORT).m);
}

/* Pool "tlschk", the member's answer in pieces: a warning alert in a segment of its own (a
 * server that does not know the name but goes on, as OpenSSL's s_server does), a resend
 * of it, then the ServerHello's record header cut in two. Each piece is acknowledged, the
 * resend changes nothing, and the ServerHello passes the check (before, the first segment
 * alone was read: the warning failed it, and so did a first segment under 6 bytes). */
static void test_tls_check_answer_in_pieces(void)
{
	static const uint8_t answer[] = { 0x15, 0x03, 0x03, 0x00, 0x02, 0x01, 0x70, /* warning */
					  0x16, 0x03, 0x03, 0x00, 0x7a, 0x02, 0x00 };
	/* Where each piece starts and ends: the last piece overlaps the one before. */
	static const uint32_t pieces[][2] = { { 0, 7 }, { 0, 7 }, { 7, 10 }, { 8, 14 } };
	uint64_t passed = rh_event(DP_EV_check_passed);
	uint32_t slot = tlschk_slot(), hello_len;
	struct rh_peer m;
	struct rh_sent s;

	members_known();
	rh_drain(&rh_app.ports[1]);
	m = tls_check_hello(&hello_len);
	for (unsigned int i = 0; i < RTE_DIM(pieces); i++) {
		uint32_t from = pieces[i][0], to = pieces[i][1];

		rh_send(&m, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, m.isn + 1 + from,
			m.our_isn + 1 + hello_len, answer + from, to - from);
		if (i + 1 < RTE_DIM(pieces))
			assert_answer_acked(&m, to);
	}
	s = next_to(TLS_PORT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	CU_ASSERT(s.tcp->tcp_flags & RTE_TCP_RST_FLAG);
	rte_pktmbuf_free(s.m);
	CU_ASSERT_EQUAL(rh_event(DP_EV_check_passed), passed + 1);
	CU_ASSERT_EQUAL(state_of(slot), HEALTH_UP); /* rise 1 */
}

/* A TLS check's member closes (FIN) past a gap, its ServerHello's bytes lost before it:
 * nothing is closed yet; the bytes sent again pass the check. Before, the FIN failed the
 * check at once, and one lost segment could take a member down. */
static void test_tls_check_fin_past_gap(void)
{
	static const uint8_t answer[] = { 0x16, 0x03, 0x03, 0x00, 0x7a, 0x02, 0x00 };
	uint64_t passed = rh_event(DP_EV_check_passed);
	uint32_t hello_len;
	struct rh_peer m;
	struct rh_sent s;

	members_known();
	rh_drain(&rh_app.ports[1]);
	m = tls_check_hello(&hello_len);
	rh_send(&m, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, m.isn + 1 + sizeof(answer),
		m.our_isn + 1 + hello_len, NULL, 0);
	rh_send(&m, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, m.isn + 1, m.our_isn + 1 + hello_len,
		answer, sizeof(answer));
	CU_ASSERT_EQUAL(rh_event(DP_EV_check_passed), passed + 1);
	s = next_to(TLS_PORT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	CU_ASSERT(s.tcp->tcp_flags & RTE_TCP_RST_FLAG);
	rte_pktmbuf_free(s.m);
	rh_drain(&rh_app.ports[1]);
}

/* The SYNs of m's check (its address, ports and ISN) sent since the last look; the
 * frames to the checked pool's port read and freed. */
static unsigned int syns_to(const struct rh_peer *m)
{
	unsigned int n = 0;

	for (struct rh_sent s = next_to(CHECKED_PORT); s.m; s = next_to(CHECKED_PORT)) {
		struct rh_peer to = rh_peer_of_sent(&s);

		n += to.ip == m->ip && to.port_num == m->port_num && to.our_port == m->our_port &&
		     s.tcp->tcp_flags == RTE_TCP_SYN_FLAG && to.our_isn == m->our_isn;
		rte_pktmbuf_free(s.m);
	}
	return n;
}

/* A TCP check whose SYN (or SYN-ACK) is lost: the SYN goes again half-way to the deadline,
 * and the member's answer to it passes the check. Before, it was sent once, and a single
 * loss failed the check. */
static void test_check_syn_sent_again(void)
{
	uint64_t passed;
	struct rh_peer m = fresh_check(&passed);

	housekeeping_for(100);
	CU_ASSERT_EQUAL(syns_to(&m), 0); /* not yet */
	housekeeping_for(60); /* past half the 300 ms */
	CU_ASSERT_EQUAL(syns_to(&m), 1);
	rh_send(&m, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, m.isn, m.our_isn + 1, NULL, 0);
	CU_ASSERT_EQUAL(rh_event(DP_EV_check_passed), passed + 1);
	rh_drain(&rh_app.ports[1]);
}

/* The flow of a TCP check in flight, once one is sent (2 s at most). */
static struct flow *check_in_flight(void)
{
	struct flow *check = NULL;

	rh_drain(&rh_app.ports[1]);
	for (unsigned int t = 0; t < 200 && !check; t++) {
		housekeeping_for(10);
		for (uint32_t i = 0; i < flow_capacity(rh_w->flows) && !check; i++) {
			struct flow *f = flow_at(rh_w->flows, i);

			if (f && f->state == FLOW_CHECK)
				check = f;
		}
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(check);
	return check;
}

/* A check in flight whose member's slot was given to another member meanwhile (a reload):
 * its end is not the other member's result. Before, the failed check was counted to the
 * member that now held the slot. */
static void test_check_not_blamed_on_next_member(void)
{
	struct relay_health *h = rh_app.health;
	struct flow *check = check_in_flight();
	uint32_t other = HEALTH_NONE, checks_failed;

	for (uint32_t s = 0; s < h->capacity && other == HEALTH_NONE; s++)
		if (s != check->member && h->slots[s].in_use)
			other = s;
	CU_ASSERT_FATAL(other != HEALTH_NONE);
	checks_failed = h->slots[other].checks_failed;
	check->member = other; /* the slot the check holds now follows another member */
	flow_expire_set(rh_w->flows, check, relay_now(rh_w) + 1);
	rh_w->now_ms += 1;
	dp_worker_housekeeping(rh_w);
	CU_ASSERT_EQUAL(check->state, FLOW_FREE);
	CU_ASSERT_EQUAL(h->slots[other].checks_failed, checks_failed);
	housekeeping_for(1000);
	rh_drain(&rh_app.ports[1]);
}

/* A TCP check in flight whose slot was given to a TLS-checked member meanwhile, answered
 * by its own member's SYN-ACK: it ends for nobody, sending no ClientHello to a member that
 * was never TLS-checked and leaving the slot's answer state alone. Before, the SYN-ACK
 * took the slot's new pool for the check's. */
static void test_check_answer_after_slot_moved(void)
{
	uint32_t tls = tlschk_slot();
	struct flow *check = NULL;
	struct rh_peer m;

	rh_drain(&rh_app.ports[1]);
	m = next_check_to(CHECKED_PORT);
	for (uint32_t i = 0; i < flow_capacity(rh_w->flows) && !check; i++) {
		struct flow *f = flow_at(rh_w->flows, i);

		if (f && f->state == FLOW_CHECK && f->b.key.local_port == rte_cpu_to_be_16(m.our_port))
			check = f;
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(check);
	CU_ASSERT_FATAL(tls != HEALTH_NONE && check->member != tls);
	check->member = tls; /* the slot the check holds now follows the TLS member */
	rh_send(&m, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, m.isn, m.our_isn + 1, NULL, 0);
	for (struct rh_sent s = next_to(CHECKED_PORT); s.m; s = next_to(CHECKED_PORT)) {
		CU_ASSERT_EQUAL(s.plen, 0); /* no ClientHello */
		rte_pktmbuf_free(s.m);
	}
	CU_ASSERT_NOT_EQUAL(check->state, FLOW_CHECK_TLS);
	housekeeping_for(1000);
	rh_drain(&rh_app.ports[1]);
}

/* A check in flight whose flow's own time runs out before the scan's deadline: the timers
 * end it through the check's module, which counts one failed check, frees the entry and
 * leaves the scan nothing to report for it. */
static void test_check_flow_expires(void)
{
	struct relay_health *h = rh_app.health;
	struct flow *check = check_in_flight();
	uint64_t failed = rh_event(DP_EV_check_failed);
	uint32_t slot, checks_failed, isn;
	unsigned int resets = 0;
	uint16_t sport;
	struct rh_sent s;

	slot = check->member;
	CU_ASSERT_FATAL(slot < h->capacity && h->slots[slot].checking);
	checks_failed = h->slots[slot].checks_failed;
	sport = check->b.key.local_port;
	isn = check->b_seq.local_isn;
	dp_tx_flush(rh_w);
	rh_drain(&rh_app.ports[1]);
	flow_expire_set(rh_w->flows, check, relay_now(rh_w) + 1);
	rh_w->now_ms += 1;
	dp_worker_housekeeping(rh_w);
	CU_ASSERT_EQUAL(check->state, FLOW_FREE);
	CU_ASSERT_EQUAL(h->slots[slot].checks_failed, checks_failed + 1);
	CU_ASSERT_EQUAL(rh_event(DP_EV_check_failed), failed + 1);
	CU_ASSERT_EQUAL(h->slots[slot].checking, 0); /* the scan has nothing left to report */
	/* The member never answered: no reset goes to it (other checks' SYNs may). */
	dp_tx_flush(rh_w);
	for (s = rh_next_tcp(&rh_app.ports[1]); s.m; s = rh_next_tcp(&rh_app.ports[1])) {
		resets += (s.tcp->tcp_flags & RTE_TCP_RST_FLAG) && s.tcp->src_port == sport &&
			  rte_be_to_cpu_32(s.tcp->sent_seq) == isn + 1;
		rte_pktmbuf_free(s.m);
	}
	CU_ASSERT_EQUAL(resets, 0);
}

/* Checks switched on by a reload for pool "three", whose members have gone long without:
 * their first checks still spread over the interval (before, every member was long due,
 * all were checked at one moment, and in step from then on). */
static void test_checks_switched_on_spread(void)
{
	const struct relay_live *live = relay_live_get(&rh_app);
	uint64_t first[3] = { 0, 0, 0 };
	uint32_t slots[3];
	struct mr_health_conf *hc, saved;

	three_fresh();
	three_slots(slots);
	hc = (struct mr_health_conf *)health_conf_of(live, rh_app.health->slots[slots[0]].pool);
	CU_ASSERT_PTR_NOT_NULL_FATAL(hc);
	saved = *hc;
	housekeeping_for(3000); /* long past any first check spread before */
	members_known();
	rh_drain(&rh_app.ports[1]);
	hc->check = MR_CHECK_TCP;
	hc->interval_ms = 1000;
	hc->timeout_ms = 300;
	for (unsigned int t = 0; t < 150; t++) {
		housekeeping_for(10);
		for (struct rh_sent x = next_to(THREE_PORT); x.m; x = next_to(THREE_PORT)) {
			unsigned int i = x.dst[3] - 2u;

			if (i < 3 && !first[i] && x.tcp->tcp_flags == RTE_TCP_SYN_FLAG)
				first[i] = rh_w->now_ms;
			rte_pktmbuf_free(x.m);
		}
	}
	for (int i = 0; i < 3; i++)
		CU_ASSERT(first[i] != 0);
	CU_ASSERT_FALSE(first[0] == first[1] && first[1] == first[2]);
	*hc = saved;
	housekeeping_for(400); /* the checks in flight end */
	three_fresh();
	rh_drain(&rh_app.ports[1]);
}

static int push_answered(void *ctx, uint16_t type, uint32_t generation, const char *text)
{
	(void)type;
	(void)generation;
	*(bool *)ctx = strncmp(text, "applied", 7) == 0;
	return 0;
}

/* text pushed as the control socket would, applied. */
static void push(const char *text, uint32_t generation)
{
	struct mr_ctl_hdr h = { MR_CTL_VERSION, MR_CTL_PUSH, generation, (uint32_t)strlen(text) };
	bool applied = false;

	CU_ASSERT_EQUAL(mgmt_command_run(&rh_app, &h, text,
					 &(struct mgmt_reply){ push_answered, &applied, 1, 0 }), 0);
	CU_ASSERT_TRUE_FATAL(applied);
}

/* A push that puts a pool ejecting at five failures before "three" (three failures):
 * refusals that come at once are judged by "three"'s settings, not by those of the pool
 * that took its place in the list. Before, the slot kept its old pool index until the
 * scan came by, and three refusals ejected nothing. */
static void test_push_reordering_pools(void)
{
	const char *text = rh_config_text();
	static const char lenient[] =
		"{ name = \"lenient\"; members = ( { address = \"10.1.0.20\"; port = 1; } );\n"
		"    health = { failures = 5; }; },\n  ";
	char *pushed = malloc(strlen(text) + sizeof(lenient));
	const char *at = strstr(text, "{ name = \"three\";");
	uint32_t slots[3];

	CU_ASSERT_PTR_NOT_NULL_FATAL(pushed);
	CU_ASSERT_PTR_NOT_NULL_FATAL(at);
	three_fresh();
	sprintf(pushed, "%.*s%s%s", (int)(at - text), text, lenient, at);
	push(pushed, 31);
	three_slots(slots);
	for (int i = 0; i < 3; i++)
		health_report(rh_w, slots[0], HEALTH_EV_REFUSED);
	housekeeping_for(1);
	CU_ASSERT_EQUAL(state_of(slots[0]), HEALTH_EJECTED);
	push(text, 32);
	three_fresh();
	members_known(); /* the clock ran on: the cases after this one find them known */
	free(pushed);
}

/* A check's answer polled in the same pass as a push that put a pool without checks
 * where "checked" was in the list: judged by "checked"'s settings (a refusal is a failed
 * check). Before, the slot's pool index was the old one until the housekeeping after, and
 * the answer was taken as a check of a pool with checks off: not counted. */
static void test_check_answer_after_push(void)
{
	const char *text = rh_config_text();
	static const char unchecked[] =
		"{ name = \"unchecked\"; members = ( { address = \"10.1.0.21\"; port = 1; } ); },\n  ";
	char *pushed = malloc(strlen(text) + sizeof(unchecked));
	const char *at = strstr(text, "{ name = \"checked\";");
	uint32_t slot[2] = { 0, 0 };
	struct health_slot *s;
	struct rh_peer m;
	uint8_t run0, last0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(pushed);
	CU_ASSERT_PTR_NOT_NULL_FATAL(at);
	sprintf(pushed, "%.*s%s%s", (int)(at - text), text, unchecked, at);
	rh_drain(&rh_app.ports[1]);
	m = next_check_to(CHECKED_PORT);
	checked_slots(slot);
	s = &rh_app.health->slots[slot[(m.ip & 0xff) - 5]];
	run0 = s->check_run;
	last0 = s->last_check;
	push(pushed, 41);
	rh_send(&m, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, m.isn, m.our_isn + 1, NULL, 0);
	CU_ASSERT_EQUAL(s->last_check, 2);
	CU_ASSERT_EQUAL(s->check_run, last0 == 2 ? RTE_MIN(run0 + 1, 255) : 1);
	push(text, 42);
	housekeeping_for(400); /* the other member's check in flight ends */
	rh_drain(&rh_app.ports[1]);
	free(pushed);
}

int test_relay_health_register(void)
{
	static const CU_TestInfo tests[] = {
		{ "a refused member: the next one gets the hello", test_redispatch_refused },
		{ "the pools report's since= never wraps", test_pools_report_since },
		{ "weight 0 members: no redispatch to nobody", test_weight_zero_no_redispatch },
		{ "a TURN peer's PROXY header the same after a refusal",
		  test_redispatch_keeps_turn_peer },
		{ "an unanswered member, then the redispatch limit",
		  test_redispatch_timeout_then_limit },
		{ "a reset before any byte: the next member", test_redispatch_reset_before_bytes },
		{ "the hello's timeout from the member's round trip", test_stream_rto_from_round_trip },
		{ "the hello let go with the member's first answer", test_hello_let_go_with_first_answer },
		{ "no redispatch once the client has reset", test_no_redispatch_once_closing },
		{ "a slot given to another member: not blamed for the old one",
		  test_old_member_not_blamed },
		{ "ejection moves only the member's clients", test_ejection_moves_only_its_clients },
		{ "a push that reorders pools: each judged by its own", test_push_reordering_pools },
		{ "at most a share of a pool ejected", test_ejection_cap },
		{ "accepted, then reset before a byte: ejected too", test_accept_then_reset_ejected },
		{ "accepted, then closed before a byte: next member, ejected",
		  test_accept_then_fin_ejected },
		{ "the hello acknowledged, then silence: next member",
		  test_silent_after_hello_redispatched },
		{ "events past the ring: lost, counted and shown", test_events_lost_shown },
		{ "more TURN connections than bind slots, members slow", test_turn_binds_past_slots },
		{ "a drained member is not in the ejection share", test_drained_member_not_in_ejection_share },
		{ "TCP checks: spread, fall and rise", test_tcp_checks },
		{ "a check answered by an older connection's ACK", test_check_stale_ack_reset },
		{ "a check's lost SYN sent again", test_check_syn_sent_again },
		{ "a check's result after checks were switched off moves no state",
		  test_result_after_checks_off },
		{ "members down count against ejection; checks off bring them up",
		  test_down_members_count_and_checks_off },
		{ "a backend in two pools, checked in one", test_member_in_two_pools },
		{ "shorter check and ejection times pushed: the old deadlines come in",
		  test_shorter_times_pushed },
		{ "an ejected member whose checks fail is down", test_ejected_member_checks_fail },
		{ "a check without a flow entry: not sent, soon again", test_check_not_sent },
		{ "a check without mbufs: not sent, soon again", test_check_without_mbufs },
		{ "a full table of closed flows: a check takes one's entry",
		  test_check_takes_closed_entry },
		{ "TLS check: ServerHello or not", test_tls_check },
		{ "TLS check: an answer in pieces, a warning alert first",
		  test_tls_check_answer_in_pieces },
		{ "TLS check: a FIN past a gap closes nothing yet", test_tls_check_fin_past_gap },
		{ "a check whose flow runs out of time first ends through its module",
		  test_check_flow_expires },
		{ "a check's end not counted to the slot's next member",
		  test_check_not_blamed_on_next_member },
		{ "a check answered after its slot moved: for nobody",
		  test_check_answer_after_slot_moved },
		{ "checks switched on: spread over the interval", test_checks_switched_on_spread },
		{ "no checks started while draining", test_no_checks_while_draining },
		{ "a drain ends the checks in flight at their deadline", test_drain_ends_checks_at_deadline },
		{ "a check lost to another way counts as failed", test_check_lost_counted },
		{ "a check's answer right after a push: judged by its own pool",
		  test_check_answer_after_push },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite_with("relay_health", suite_init, rh_down, tests);
}
