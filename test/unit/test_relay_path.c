/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "relay_path": whole segments through one appliance (two net_ring ports, one
 * worker driven from this thread). A ring port hands back what was sent on it, so every
 * frame the relay sends is read and checked: the relay on links that duplicate and
 * reorder (what must not end a healthy connection), and IPv6 clients and backends, in
 * either family on either side. */
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "dp_appliance.h"
#include "dp_worker.h"
#include "nd.h"
#include "neigh.h"
#include "relay.h"
#include "tcp_frame.h"
#include "unit.h"

#define CLIENT_IP 0x0a000002u  /* 10.0.0.2, on the edge port */
#define EDGE_IP 0x0a000001u
#define BACKEND_IP 0x0a010002u /* 10.1.0.2, on the svc port */
#define SVC_IP 0x0a010001u

static const uint8_t client6[16] = { 0xfd, 0, 0, 0x0a, [15] = 2 };  /* fd00:a::2 */
static const uint8_t edge6[16] = { 0xfd, 0, 0, 0x0a, [15] = 1 };
static const uint8_t backend6[16] = { 0xfd, 0, 0, 0x0b, [15] = 2 }; /* fd00:b::2 */
static const uint8_t svc6[16] = { 0xfd, 0, 0, 0x0b, [15] = 1 };
static const struct rte_ether_addr backend_mac = { { 0x02, 0, 0, 0, 0, 0xb2 } };

/* api.svc.example goes to an IPv4 backend, web.svc.example to an IPv6 one. */
static const char config_text[] =
	"dataplane = { mbufs = 0; neighbour = { entries = 64; }; };\n"
	"ports = ( { name = \"edge\"; device = \"net_ring_rp0\"; ipv4 = \"10.0.0.1/24\";\n"
	"            ipv6 = \"fd00:a::1/64\"; exception = { enabled = false; }; },\n"
	"          { name = \"svc\"; device = \"net_ring_rp1\"; ipv4 = \"10.1.0.1/24\";\n"
	"            ipv6 = \"fd00:b::1/64\"; exception = { enabled = false; }; } );\n"
	"listeners = ( { name = \"tls\"; port = \"edge\"; tcp_port = 443; } );\n"
	"relay = { max_flows = 64; };\n"
	"networks = ( { name = \"n\"; local = true; allow = [ \"10.1.0.0/24\" ]; ports = ( 443 ); } );\n"
	"pools = ( { name = \"p\"; members = ( { address = \"10.1.0.2\"; port = 443; } ); },\n"
	"          { name = \"p6\"; members = ( { address = \"fd00:b::2\"; port = 443; } ); } );\n"
	"routes = ( { sni = \"api.svc.example\"; pool = \"p\"; },\n"
	"           { sni = \"web.svc.example\"; pool = \"p6\"; } );\n";

static struct mr_config conf;
static struct dp_appliance app;
static struct dp_worker *w;
static uint8_t hello_api[2048], hello_web[2048];
static size_t hello_api_len, hello_web_len;
static uint16_t next_sport = 41000;

static size_t read_fixture(const char *name, uint8_t *buf, size_t len)
{
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/test/classifier/fixtures/%s", MR_SOURCE_DIR, name);
	f = fopen(path, "rb");
	if (!f)
		return 0;
	n = fread(buf, 1, len, f);
	fclose(f);
	return n;
}

/* What the relay sent on port p since the last call (the ring gives it back), freed. */
static unsigned int drain(const struct dp_port *p)
{
	struct rte_mbuf *pkts[64];
	unsigned int total = 0;
	uint16_t n;

	while ((n = rte_eth_rx_burst(p->port_id, 0, pkts, RTE_DIM(pkts))) > 0) {
		rte_pktmbuf_free_bulk(pkts, n);
		total += n;
	}
	return total;
}

static int suite_init(void)
{
	char err[512];

	hello_api_len = read_fixture("openssl-tls13__api.svc.example.hello", hello_api,
				     sizeof(hello_api));
	hello_web_len = read_fixture("openssl-tls13-mixedcase__web.svc.example.hello", hello_web,
				     sizeof(hello_web));
	if (hello_api_len < 200 || hello_web_len < 200 ||
	    mr_config_load_string(config_text, "relay_path", &conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "relay_path: fixtures or configuration: %s\n", err);
		return -1;
	}
	app.conf = &conf;
	app.n_workers = 1;
	if (dp_appliance_up(&app, err, sizeof(err)) < 0 || !app.workers[0]) {
		fprintf(stderr, "relay_path: %s\n", err);
		return -1;
	}
	w = app.workers[0];
	w->now_ms = 1000000;
	/* The IPv4 backend is known; the IPv6 one is resolved by the tests. */
	neigh_learn(w->neigh, BACKEND_IP, &backend_mac, w->now_ms, true);
	return 0;
}

static int suite_cleanup(void)
{
	drain(&app.ports[0]);
	drain(&app.ports[1]);
	dp_appliance_down(&app);
	mr_config_free(&conf);
	return 0;
}

static uint64_t event(enum dp_event e)
{
	return w->counters.events[e];
}

static uint64_t drops(enum dp_drop d)
{
	return w->counters.drops[d];
}

/* A frame the relay sent: its TCP segment located, checksums verified. */
struct sent {
	struct rte_mbuf *m;
	bool v6;
	const uint8_t *src, *dst;    /* 4 or 16 bytes */
	struct rte_tcp_hdr *tcp;
	const uint8_t *payload;
	uint32_t plen;
	bool checksums_ok;
};

/* The next TCP frame sent on p (other frames skipped and freed); m NULL when none. */
static struct sent next_tcp(const struct dp_port *p)
{
	struct sent s = { 0 };
	struct rte_mbuf *m;

	while (rte_eth_rx_burst(p->port_id, 0, &m, 1) == 1) {
		struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

		/* Kept bytes leave as slices chained behind their headers: read them whole. */
		if (rte_pktmbuf_linearize(m) != 0)
			goto skip;
		eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
		if ( eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6)) {
			struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eth + 1);

			if (ip6->proto != IPPROTO_TCP)
				goto skip;
			s.tcp = (struct rte_tcp_hdr *)(ip6 + 1);
			s.v6 = true;
			s.src = ip6->src_addr;
			s.dst = ip6->dst_addr;
			s.plen = rte_be_to_cpu_16(ip6->payload_len) - (s.tcp->data_off >> 4) * 4u;
			s.checksums_ok = rte_ipv6_udptcp_cksum_verify(ip6, s.tcp) == 0;
		} else if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) {
			struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);

			if (ip->next_proto_id != IPPROTO_TCP)
				goto skip;
			s.tcp = (struct rte_tcp_hdr *)(ip + 1);
			s.src = (const uint8_t *)&ip->src_addr;
			s.dst = (const uint8_t *)&ip->dst_addr;
			s.plen = rte_be_to_cpu_16(ip->total_length) - 20u - (s.tcp->data_off >> 4) * 4u;
			s.checksums_ok = rte_ipv4_udptcp_cksum_verify(ip, s.tcp) == 0 &&
					 rte_raw_cksum(ip, sizeof(*ip)) == 0xffff;
		} else {
			goto skip;
		}
		s.m = m;
		s.payload = (const uint8_t *)s.tcp + (s.tcp->data_off >> 4) * 4u;
		return s;
skip:
		rte_pktmbuf_free(m);
	}
	return s;
}

/* One end of a test connection: the client, or the backend the relay opened. */
struct peer {
	bool v6;
	uint32_t ip, our_ip;          /* IPv4, host order */
	const uint8_t *ip6, *our_ip6;
	const struct dp_port *port;
	uint16_t port_num, our_port;  /* host order */
	uint32_t isn;                 /* the peer's */
	uint32_t our_isn;             /* the relay's on this connection */
};

static void peer_send(const struct peer *c, uint8_t flags, uint32_t seq, uint32_t ack,
		      const uint8_t *payload, size_t plen)
{
	struct tcp_frame_spec t = {
		.dst_mac = c->port->mac, .src = c->v6 ? 0xb2 : c->ip, .dst = c->our_ip,
		.sport = c->port_num, .dport = c->our_port, .flags = flags, .seq = seq, .ack = ack,
		.payload = payload, .plen = plen, .src6 = c->v6 ? c->ip6 : NULL,
		.dst6 = c->v6 ? c->our_ip6 : NULL,
	};
	struct rte_mbuf *m = tcp_frame_build(app.pool, c->port->port_id, &t);

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	dp_worker_rx_frame(w, c->port, m);
	dp_worker_housekeeping(w);
}

static struct peer client_of(bool v6)
{
	struct peer c = { .v6 = v6, .ip = CLIENT_IP, .our_ip = EDGE_IP, .ip6 = client6,
			  .our_ip6 = edge6, .port = &app.ports[0], .port_num = next_sport++,
			  .our_port = 443 };

	c.isn = 1000u * c.port_num;
	return c;
}

/* The sent segment is from `from`'s relay end to it, with valid checksums. */
static void check_to(const struct sent *s, const struct peer *to)
{
	CU_ASSERT_PTR_NOT_NULL_FATAL(s->m);
	CU_ASSERT_TRUE(s->checksums_ok);
	CU_ASSERT_EQUAL(s->v6, to->v6);
	if (to->v6) {
		CU_ASSERT_EQUAL(memcmp(s->dst, to->ip6, 16), 0);
		CU_ASSERT_EQUAL(memcmp(s->src, to->our_ip6, 16), 0);
	} else {
		uint32_t dst = rte_cpu_to_be_32(to->ip), src = rte_cpu_to_be_32(to->our_ip);

		CU_ASSERT_EQUAL(memcmp(s->dst, &dst, 4), 0);
		CU_ASSERT_EQUAL(memcmp(s->src, &src, 4), 0);
	}
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(s->tcp->dst_port), to->port_num);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(s->tcp->src_port), to->our_port);
}

/* The flow of client c (either family), or NULL when the relay keeps none. */
static struct flow *client_flow(const struct peer *c)
{
	struct flow_key k = { rte_cpu_to_be_32(c->ip), rte_cpu_to_be_32(c->our_ip),
			      rte_cpu_to_be_16(c->port_num), rte_cpu_to_be_16(443) };
	enum flow_dir dir;

	if (c->v6) {
		struct flow_key6 k6;

		memcpy(k6.peer_ip, c->ip6, 16);
		memcpy(k6.local_ip, c->our_ip6, 16);
		k6.peer_port = k.peer_port;
		k6.local_port = k.local_port;
		return flow_lookup6(w->flows, &k6, &dir);
	}
	return flow_lookup(w->flows, &k, &dir);
}

/* SYN, the relay's cookie SYN-ACK read back, then the first `sent` hello bytes. */
static struct flow *client_start(struct peer *c, const uint8_t *hello, size_t sent)
{
	struct sent synack;

	drain(&app.ports[0]);
	peer_send(c, RTE_TCP_SYN_FLAG, c->isn, 0, NULL, 0);
	synack = next_tcp(c->port);
	check_to(&synack, c);
	if (!synack.m)
		return NULL;
	CU_ASSERT_EQUAL(synack.tcp->tcp_flags, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	CU_ASSERT_EQUAL(rte_be_to_cpu_32(synack.tcp->recv_ack), c->isn + 1);
	c->our_isn = rte_be_to_cpu_32(synack.tcp->sent_seq);
	rte_pktmbuf_free(synack.m);
	peer_send(c, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, c->isn + 1, c->our_isn + 1, hello, sent);
	return client_flow(c);
}

/* The backend end of f as the relay opened it. */
static struct peer backend_of(const struct flow *f)
{
	struct peer b = { .v6 = f->b.v6, .ip = BACKEND_IP, .our_ip = SVC_IP, .ip6 = backend6,
			  .our_ip6 = svc6, .port = &app.ports[1], .port_num = 443,
			  .our_port = rte_be_to_cpu_16(f->b.key.local_port), .isn = 777000,
			  .our_isn = f->b.local_isn };
	return b;
}

/* The client's SYN again, as a retransmission that crossed our SYN-ACK would come. */
static void test_repeated_syn_while_collecting(void)
{
	struct peer c = client_of(false);
	struct flow *f = client_start(&c, hello_api, 100);
	uint64_t aborts = drops(DP_DROP_client_abort), repeated = event(DP_EV_syn_repeated);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(f->state, FLOW_HELLO);
	peer_send(&c, RTE_TCP_SYN_FLAG, c.isn, 0, NULL, 0);
	CU_ASSERT_PTR_EQUAL(client_flow(&c), f);
	CU_ASSERT_EQUAL(f->state, FLOW_HELLO);
	CU_ASSERT_EQUAL(drops(DP_DROP_client_abort), aborts);
	CU_ASSERT_EQUAL(event(DP_EV_syn_repeated), repeated + 1);
	/* The rest of the hello still completes the connection. */
	peer_send(&c, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, c.isn + 101, c.our_isn + 1,
		  hello_api + 100, hello_api_len - 100);
	CU_ASSERT_EQUAL(f->state, FLOW_CONNECTING);
	relay_abort(w, f, false, false, DP_DROP_none);
}

static void test_repeated_syn_while_connecting_and_spliced(void)
{
	struct peer c = client_of(false), b;
	struct flow *f = client_start(&c, hello_api, hello_api_len);
	uint64_t c2b;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_CONNECTING);
	peer_send(&c, RTE_TCP_SYN_FLAG, c.isn, 0, NULL, 0);
	CU_ASSERT_PTR_EQUAL(client_flow(&c), f);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_CONNECTING);
	b = backend_of(f);
	peer_send(&b, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, b.isn, b.our_isn + 1, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_SPLICED);
	/* Spliced: the backend never saw the client's SYN, so it must not get this one. */
	c2b = event(DP_EV_splice_c2b);
	peer_send(&c, RTE_TCP_SYN_FLAG, c.isn, 0, NULL, 0);
	CU_ASSERT_EQUAL(event(DP_EV_splice_c2b), c2b);
	CU_ASSERT_EQUAL(f->state, FLOW_SPLICED);
	peer_send(&c, RTE_TCP_ACK_FLAG, c.isn + 1 + (uint32_t)hello_api_len, c.our_isn + 1,
		  NULL, 0);
	CU_ASSERT_EQUAL(event(DP_EV_splice_c2b), c2b + 1);
	relay_abort(w, f, false, false, DP_DROP_none);
	drain(&app.ports[0]);
	drain(&app.ports[1]);
}

/* A SYN with another ISN is another connection on the same ports: this one is over. */
static void test_new_syn_ends_collecting_flow(void)
{
	struct peer c = client_of(false);
	struct flow *f = client_start(&c, hello_api, 100);
	uint64_t aborts = drops(DP_DROP_client_abort);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	peer_send(&c, RTE_TCP_SYN_FLAG, c.isn + 5000, 0, NULL, 0);
	CU_ASSERT_PTR_NULL(client_flow(&c));
	CU_ASSERT_EQUAL(drops(DP_DROP_client_abort), aborts + 1);
	drain(&app.ports[0]);
}

/* The backend answers the relay's SYN; the kept hello must reach it, then a byte each way
 * crosses the splice with sequence numbers translated and checksums right. */
static void splice_both_ways(struct flow *f, struct peer *c, const uint8_t *hello,
			     size_t hello_len)
{
	struct peer b = backend_of(f);
	static const uint8_t down[5] = "down", up[3] = "up";
	struct sent s;

	drain(c->port);
	drain(b.port); /* the SYN, checked by the callers that care */
	peer_send(&b, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, b.isn, b.our_isn + 1, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_SPLICED);
	s = next_tcp(b.port);
	check_to(&s, &b);
	CU_ASSERT_EQUAL(s.plen, hello_len);
	CU_ASSERT_EQUAL(rte_be_to_cpu_32(s.tcp->sent_seq), b.our_isn + 1);
	if (s.m && s.plen == hello_len)
		CU_ASSERT_EQUAL(memcmp(s.payload, hello, hello_len), 0);
	rte_pktmbuf_free(s.m);
	drain(b.port);

	peer_send(&b, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, b.isn + 1,
		  b.our_isn + 1 + (uint32_t)hello_len, down, sizeof(down));
	s = next_tcp(c->port);
	check_to(&s, c);
	CU_ASSERT_EQUAL(s.plen, sizeof(down));
	CU_ASSERT_EQUAL(rte_be_to_cpu_32(s.tcp->sent_seq), c->our_isn + 1);
	CU_ASSERT_EQUAL(rte_be_to_cpu_32(s.tcp->recv_ack), c->isn + 1 + hello_len);
	if (s.m && s.plen == sizeof(down))
		CU_ASSERT_EQUAL(memcmp(s.payload, down, sizeof(down)), 0);
	rte_pktmbuf_free(s.m);

	peer_send(c, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, c->isn + 1 + (uint32_t)hello_len,
		  c->our_isn + 1 + sizeof(down), up, sizeof(up));
	s = next_tcp(b.port);
	check_to(&s, &b);
	CU_ASSERT_EQUAL(s.plen, sizeof(up));
	CU_ASSERT_EQUAL(rte_be_to_cpu_32(s.tcp->sent_seq), b.our_isn + 1 + hello_len);
	CU_ASSERT_EQUAL(rte_be_to_cpu_32(s.tcp->recv_ack), b.isn + 1 + sizeof(down));
	if (s.m && s.plen == sizeof(up))
		CU_ASSERT_EQUAL(memcmp(s.payload, up, sizeof(up)), 0);
	rte_pktmbuf_free(s.m);
	relay_abort(w, f, false, false, DP_DROP_none);
	drain(&app.ports[0]);
	drain(&app.ports[1]);
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
	struct peer c = client_of(true);
	struct flow *f = client_start(&c, hello_web, hello_web_len);
	uint8_t frame[ND_FRAME_MAX];
	struct nd_msg ns;
	struct rte_mbuf *m;
	struct sent syn;
	size_t len;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_CONNECTING);
	CU_ASSERT_TRUE(f->c.v6 && f->b.v6);
	ns = next_nd(&app.ports[1]);
	CU_ASSERT_EQUAL_FATAL(ns.kind, ND_NS);
	CU_ASSERT_EQUAL(memcmp(ns.target, backend6, 16), 0);
	CU_ASSERT_EQUAL(memcmp(ns.src, svc6, 16), 0);
	len = nd_build_na(frame, &backend_mac, backend6, &app.ports[1].mac, svc6, backend6, true);
	m = tcp_frame_copy(app.pool, frame, len, app.ports[1].port_id);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	dp_worker_rx_frame(w, &app.ports[1], m);
	dp_worker_housekeeping(w);
	syn = next_tcp(&app.ports[1]);
	{
		struct peer b = backend_of(f);

		check_to(&syn, &b);
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(syn.m);
	CU_ASSERT_EQUAL(syn.tcp->tcp_flags, RTE_TCP_SYN_FLAG);
	rte_pktmbuf_free(syn.m);
	splice_both_ways(f, &c, hello_web, hello_web_len);
}

/* Across families the relay rebuilds the IP header of every segment. */
static void cross_family(bool client_v6, const uint8_t *hello, size_t hello_len)
{
	struct peer c = client_of(client_v6);
	struct flow *f = client_start(&c, hello, hello_len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_CONNECTING);
	CU_ASSERT_TRUE(f->c.v6 == client_v6 && f->b.v6 == !client_v6);
	splice_both_ways(f, &c, hello, hello_len);
}

static void test_ipv6_client_ipv4_backend(void)
{
	cross_family(true, hello_api, hello_api_len);
}

static void test_ipv4_client_ipv6_backend(void)
{
	cross_family(false, hello_web, hello_web_len);
}

/* A solicitation from the backend's address arriving on the client port (anyone can send
 * one there) must not move the backend's entry: the cache is keyed by address alone. */
static void test_ipv6_off_link_claim_ignored(void)
{
	static const struct rte_ether_addr attacker = { { 0x02, 0, 0, 0, 0, 0xee } };
	const struct dp_port *edge = &app.ports[0];
	uint8_t frame[ND_FRAME_MAX];
	size_t len = nd_build_ns(frame, &attacker, backend6, edge6);
	struct rte_mbuf *m = tcp_frame_copy(app.pool, frame, len, edge->port_id);
	uint64_t off_link = event(DP_EV_arp_off_link);
	struct neigh_addr b6;
	struct rte_ether_addr mac;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	dp_worker_rx_frame(w, edge, m);
	dp_worker_housekeeping(w);
	drain(edge);
	CU_ASSERT_EQUAL(event(DP_EV_arp_off_link), off_link + 1);
	memcpy(b6.b, backend6, 16);
	CU_ASSERT_EQUAL(neigh_resolve_addr(w->neigh, &b6, w->now_ms, NULL, &mac), NEIGH_HIT);
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&mac, &backend_mac));

	/* Nor does it plant an entry for a backend address not resolved yet (fd00:b::9). */
	b6.b[15] = 9;
	len = nd_build_ns(frame, &attacker, b6.b, edge6);
	m = tcp_frame_copy(app.pool, frame, len, edge->port_id);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	dp_worker_rx_frame(w, edge, m);
	dp_worker_housekeeping(w);
	drain(edge);
	CU_ASSERT_EQUAL(event(DP_EV_arp_off_link), off_link + 2);
	CU_ASSERT_EQUAL(neigh_resolve_addr(w->neigh, &b6, w->now_ms, NULL, &mac),
			NEIGH_QUEUED_REQUEST);
}

/* Neighbour solicitations for our address are answered; echo requests too. */
static void test_ipv6_nd_and_echo(void)
{
	uint8_t frame[ND_FRAME_MAX + 64] = { 0 };
	struct rte_ether_addr client_mac = { { 0x02, 0, 0, 0, 0, 0xc6 } };
	const struct dp_port *edge = &app.ports[0];
	size_t len = nd_build_ns(frame, &client_mac, client6, edge6);
	struct rte_mbuf *m = tcp_frame_copy(app.pool, frame, len, edge->port_id);
	struct rte_ipv6_hdr *ip6;
	uint8_t *icmp;
	struct nd_msg na;

	drain(edge);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	dp_worker_rx_frame(w, edge, m);
	dp_worker_housekeeping(w);
	na = next_nd(edge);
	CU_ASSERT_EQUAL_FATAL(na.kind, ND_NA);
	CU_ASSERT_EQUAL(memcmp(na.target, edge6, 16), 0);
	CU_ASSERT_EQUAL(memcmp(na.dst, client6, 16), 0);
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
	memcpy(ip6->src_addr, client6, 16);
	memcpy(ip6->dst_addr, edge6, 16);
	icmp = (uint8_t *)(ip6 + 1);
	icmp[0] = 128;
	icmp[5] = 7; /* identifier 7 */
	memcpy(icmp + 8, "echo-me!", 8);
	{
		uint16_t ck = rte_ipv6_udptcp_cksum(ip6, icmp);

		memcpy(icmp + 2, &ck, 2);
	}
	m = tcp_frame_copy(app.pool, frame, 14 + 40 + 16, edge->port_id);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	dp_worker_rx_frame(w, edge, m);
	dp_worker_housekeeping(w);
	CU_ASSERT_EQUAL_FATAL(rte_eth_rx_burst(edge->port_id, 0, &m, 1), 1);
	ip6 = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, 14);
	icmp = (uint8_t *)(ip6 + 1);
	CU_ASSERT_EQUAL(icmp[0], 129);
	CU_ASSERT_EQUAL(memcmp(ip6->dst_addr, client6, 16), 0);
	CU_ASSERT_EQUAL(memcmp(ip6->src_addr, edge6, 16), 0);
	CU_ASSERT_EQUAL(memcmp(icmp + 8, "echo-me!", 8), 0);
	CU_ASSERT_EQUAL(rte_ipv6_udptcp_cksum_verify(ip6, icmp), 0);
	rte_pktmbuf_free(m);
}

static void syns_from_new_clients(unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		struct peer c = client_of(false);

		peer_send(&c, RTE_TCP_SYN_FLAG, c.isn, 0, NULL, 0);
	}
}

/* Nobody reads the edge ring: once it refuses a SYN-ACK, SYNs are answered from a bucket of
 * DP_CONGESTED_COOKIE_BURST refilled by DP_CONGESTED_COOKIES_PER_MS a millisecond, the rest
 * counted, for DP_CONGESTED_HOLD_MS after the queue last refused frames; then all again. */
static void test_syn_shed_while_queue_full(void)
{
	uint64_t full = drops(DP_DROP_tx_full), shed = drops(DP_DROP_syn_shed), answered;
	struct peer c;
	struct sent synack;
	unsigned int sent = 0;

	drain(&app.ports[0]);
	while (drops(DP_DROP_tx_full) == full && sent++ < 8192)
		syns_from_new_clients(1);
	CU_ASSERT_FATAL(drops(DP_DROP_tx_full) > full);
	CU_ASSERT_EQUAL(drops(DP_DROP_syn_shed), shed);
	answered = event(DP_EV_syncookie_out);
	syns_from_new_clients(DP_CONGESTED_COOKIE_BURST + 10);
	CU_ASSERT_EQUAL(event(DP_EV_syncookie_out), answered + DP_CONGESTED_COOKIE_BURST);
	CU_ASSERT_EQUAL(drops(DP_DROP_syn_shed), shed + 10);
	w->now_ms++; /* the refill, still congested: the ring is full */
	answered = event(DP_EV_syncookie_out);
	syns_from_new_clients(DP_CONGESTED_COOKIES_PER_MS + 1);
	CU_ASSERT_EQUAL(event(DP_EV_syncookie_out), answered + DP_CONGESTED_COOKIES_PER_MS);
	CU_ASSERT_EQUAL(drops(DP_DROP_syn_shed), shed + 11);
	CU_ASSERT_TRUE(drain(&app.ports[0]) > 0);
	w->now_ms += DP_CONGESTED_HOLD_MS + 1;
	answered = event(DP_EV_syncookie_out);
	syns_from_new_clients(2 * DP_CONGESTED_COOKIES_PER_MS);
	CU_ASSERT_EQUAL(event(DP_EV_syncookie_out), answered + 2 * DP_CONGESTED_COOKIES_PER_MS);
	c = client_of(false);
	drain(&app.ports[0]);
	peer_send(&c, RTE_TCP_SYN_FLAG, c.isn, 0, NULL, 0);
	synack = next_tcp(c.port);
	check_to(&synack, &c);
	if (synack.m)
		CU_ASSERT_EQUAL(synack.tcp->tcp_flags, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	rte_pktmbuf_free(synack.m);
	CU_ASSERT_EQUAL(drops(DP_DROP_syn_shed), shed + 11);
	drain(&app.ports[0]);
}

int test_relay_path_register(void)
{
	static const CU_TestInfo tests[] = {
		{ "repeated SYN while the hello is collected", test_repeated_syn_while_collecting },
		{ "repeated SYN while connecting and spliced",
		  test_repeated_syn_while_connecting_and_spliced },
		{ "SYN of a new connection ends the old", test_new_syn_ends_collecting_flow },
		{ "IPv6 client, IPv6 backend resolved by ND", test_ipv6_client_ipv6_backend },
		{ "IPv6 client, IPv4 backend", test_ipv6_client_ipv4_backend },
		{ "IPv4 client, IPv6 backend", test_ipv4_client_ipv6_backend },
		{ "IPv6 neighbour solicitation and echo answered", test_ipv6_nd_and_echo },
		{ "IPv6 claim of a backend on the client link ignored",
		  test_ipv6_off_link_claim_ignored },
		{ "SYNs rationed while the transmit queue is full", test_syn_shed_while_queue_full },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite_with("relay_path", suite_init, suite_cleanup, tests);
}
