/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "relay_gateway": a TLS connection between gateways names its client. Network
 * "far"'s gateway (10.1.0.77) is one that reads a PROXY v2 header before a hello
 * (client_header): this gateway puts one naming the client, marked, in front of the hello
 * it relays there; and, as the other side, it reads such a header from a TURN data
 * connection, routes by the hello behind it, and passes the header on to a backend whose
 * route has proxy_protocol (apx.svc.example), or drops it (api.svc.example). */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_tcp.h>

#include "neigh.h"
#include "proxy_v2_read.h"
#include "relay_harness.h"
#include "unit.h"

#define GATEWAY_IP 0x0a01004du

static int suite_init(void)
{
	rh_gateway_extra = "client_header = true;";
	return rh_up_extra("mbufs = 0;", "max_flows = 64;", "",
			   ", { sni = \"apx.svc.example\"; pool = \"p\"; proxy_protocol = true; }",
			   "");
}

static int suite_down(void)
{
	rh_gateway_extra = "";
	return rh_down();
}

/* The api.svc.example hello with its name's first label changed to three other letters
 * (the same length) into out: its length. */
static size_t hello_named(const char *label, const char *domain, uint8_t *out)
{
	uint8_t *at;

	memcpy(out, rh_hello_api, rh_hello_api_len);
	at = memmem(out, rh_hello_api_len, "api.svc.example", 15);
	CU_ASSERT_PTR_NOT_NULL_FATAL(at);
	memcpy(at, label, 3);
	memcpy(at + 4, domain, 3);
	return rh_hello_api_len;
}

/* s's payload: a PROXY v2 header naming the client src (4 bytes, network order):port and
 * name, then hello[0..len); the header as read. */
static struct proxy_v2_info header_then_hello(const struct rh_sent *s, const void *src,
					      uint16_t port, const char *name,
					      const uint8_t *hello, size_t len)
{
	struct proxy_v2_info pi;

	CU_ASSERT_EQUAL_FATAL(proxy_v2_read(s->payload, s->plen, &pi), PROXY_V2_OK);
	CU_ASSERT_EQUAL(memcmp(pi.src, src, 4), 0);
	CU_ASSERT_EQUAL(pi.src_port, port);
	CU_ASSERT_NSTRING_EQUAL(pi.authority, name, pi.authority_len);
	CU_ASSERT_EQUAL(s->plen, pi.header_len + len);
	CU_ASSERT_EQUAL(memcmp(s->payload + pi.header_len, hello, len), 0);
	return pi;
}

/* A TLS connection routed to network far: its gateway gets a header naming the client,
 * marked as one before a hello, then the hello as the client sent it. Before, the hello
 * went alone, and the other network's backends only ever saw this gateway. */
static void test_header_to_gateway(void)
{
	static const struct rte_ether_addr gw_mac = { { 0x02, 0, 0, 0, 0, 0x77 } };
	static uint8_t hello[2048];
	size_t len = hello_named("api", "far", hello);
	struct rh_peer c = rh_client(false);
	struct proxy_v2_info pi;
	struct flow *f;
	struct rh_sent s;

	neigh_learn(rh_w->neigh, GATEWAY_IP, &gw_mac, rh_w->now_ms, true);
	f = rh_client_start(&c, hello, len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_CONNECTING);
	CU_ASSERT_EQUAL(f->b.key.peer_ip, rte_cpu_to_be_32(GATEWAY_IP));
	s = rh_gateway_splices(f);
	pi = header_then_hello(&s, &(uint32_t){ rte_cpu_to_be_32(c.ip) }, c.port_num,
			       "api.far.example", hello, len);
	CU_ASSERT_TRUE(pi.hello_follows);
	CU_ASSERT_EQUAL(pi.dst_port, 443);
	rte_pktmbuf_free(s.m);
	rh_flow_end(f);
}

/* Another gateway's marked header naming 10.0.0.2:40000 and authority name (none: NULL),
 * then hello[0..len), into out: all of it, and the header's length in *header_len. */
static size_t marked_named(const char *name, const uint8_t *hello, size_t len, uint8_t *out,
			   size_t *header_len)
{
	size_t n, name_len = name ? strlen(name) : 0;

	memcpy(out, "\r\n\r\n\0\r\nQUIT\n\x21\x11", 14);
	out[14] = 0;
	out[15] = (uint8_t)(12 + (name ? 3 + name_len : 0) + 4);
	memcpy(out + 16, (const uint8_t[]){ 10, 0, 0, 2, 240, 240, 0, 5, 0x9c, 0x40, 1, 187 },
	       12);
	n = 28;
	if (name) {
		memcpy(out + n, "\x02\0", 2);
		out[n + 2] = (uint8_t)name_len;
		memcpy(out + n + 3, name, name_len);
		n += 3 + name_len;
	}
	memcpy(out + n, "\xe0\0\x01\x01", 4);
	n += 4;
	*header_len = n;
	if (len) /* none: hello may be NULL */
		memcpy(out + n, hello, len);
	return n + len;
}

static size_t marked(const uint8_t *hello, size_t len, uint8_t *out, size_t *header_len)
{
	return marked_named("any.svc.example", hello, len, out, header_len);
}

/* The first bytes the backend of f (10.1.0.2:443) is sent once it answers. */
static struct rh_sent backend_gets(struct flow *f)
{
	struct rh_peer b = rh_backend(f);

	rh_drain(b.port);
	rh_send(&b, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, b.isn, b.our_isn + 1, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_SPLICED);
	return rh_next_data(b.port);
}

/* The other side: a header marked as before a hello is not a plain service's (it was read
 * as one and refused: no service of its authority); the connection is routed by its
 * hello, and a backend with proxy_protocol gets a header made from it, naming the client
 * (without the mark), one without only the hello. */
static void test_header_from_gateway(void)
{
	static uint8_t hello[2048], bytes[2048 + 128];
	struct rh_peer srv;
	size_t len, header, n;
	uint64_t told = rh_event(DP_EV_client_via_gateway);
	struct proxy_v2_info pi;
	struct flow *f;
	struct rh_sent s;

	len = hello_named("apx", "svc", hello);
	n = marked(hello, len, bytes, &header);
	f = rh_turn_connection(bytes, n, &srv);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_CONNECTING);
	CU_ASSERT_FALSE(f->plain);
	CU_ASSERT_EQUAL(f->proxy_len, header - 4); /* made anew: without the mark */
	CU_ASSERT_EQUAL(rh_event(DP_EV_client_via_gateway), told + 1);
	s = backend_gets(f);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	pi = header_then_hello(&s, (const uint8_t[]){ 10, 0, 0, 2 }, 40000, "any.svc.example",
			       hello, len);
	CU_ASSERT_EQUAL(pi.header_len, header - 4);
	CU_ASSERT_FALSE(pi.hello_follows); /* the mark is for gateways, not backends */
	rte_pktmbuf_free(s.m);
	rh_flow_end(f);
	/* api.svc.example's route has no proxy_protocol: the hello alone. */
	len = hello_named("api", "svc", hello);
	n = marked(hello, len, bytes, &header);
	f = rh_turn_connection(bytes, n, &srv);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_CONNECTING);
	CU_ASSERT_EQUAL(f->proxy_len, 0);
	s = backend_gets(f);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	CU_ASSERT_EQUAL(s.plen, len);
	CU_ASSERT_EQUAL(memcmp(s.payload, hello, len), 0);
	rte_pktmbuf_free(s.m);
	rh_flow_end(f);
}

/* A marked header may name nothing (the other gateway relays a hello without SNI by a
 * default route): routed by the hello all the same. Before, a header without authority
 * was refused as bad. */
static void test_marked_header_without_name(void)
{
	static uint8_t bytes[2048 + 128];
	uint64_t bad = rh_drops(DP_DROP_gateway_proxy_bad);
	size_t header, n = marked_named(NULL, rh_hello_api, rh_hello_api_len, bytes, &header);
	struct rh_peer srv;
	struct flow *f = rh_turn_connection(bytes, n, &srv);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(f->state, FLOW_CONNECTING);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_gateway_proxy_bad), bad);
	rh_flow_end(f);
}

/* One header a connection: a second one after the marked one is the client's bytes, a
 * hello that is not TLS (before, it was read as another announcement, and the first
 * header's buffer freed from under the stream). */
static void test_second_header_refused(void)
{
	static uint8_t first[128], second[128];
	uint64_t not_tls = rh_drops(DP_DROP_hello_not_tls);
	size_t h1, h2, n1 = marked(NULL, 0, first, &h1), n2 = marked(NULL, 0, second, &h2);
	struct rh_peer srv;
	struct flow *f = rh_turn_connection(first, n1, &srv); /* the first alone: kept */

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT(f->c.gateway_header);
	/* The second in a segment of its own, after the ConnectionBind's answer and the first. */
	rh_send(&srv, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, srv.isn + 1 + 20 + (uint32_t)n1,
		srv.our_isn + 21, second, n2);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_hello_not_tls), not_tls + 1);
	rh_drain(&rh_app.ports[0]);
	rh_drain(&rh_app.ports[1]);
}

int test_relay_gateway_register(void)
{
	static const CU_TestInfo tests[] = {
		{ "a TLS connection to a gateway: a header naming its client first",
		  test_header_to_gateway },
		{ "such a header from a gateway: routed by the hello, passed on or dropped",
		  test_header_from_gateway },
		{ "such a header naming nothing: routed by the hello", test_marked_header_without_name },
		{ "a second header: the client's bytes, no hello", test_second_header_refused },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite_with("relay_gateway", suite_init, suite_down, tests);
}
