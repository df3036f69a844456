/* SPDX-License-Identifier: BSD-3-Clause */
#include "relay_harness.h"

#include <stdio.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_ethdev.h>
#include <rte_ip.h>

#include "announce.h"
#include "dp_appliance.h"
#include "dp_worker.h"
#include "hello_builder.h"
#include "neigh.h"
#include "relay_live.h"
#include "relay_tcp.h"
#include "tcp_frame.h"
#include "turn_bind.h"
#include "unit.h"

const uint8_t rh_client6[16] = { 0xfd, 0, 0, 0x0a, [15] = 2 };  /* fd00:a::2 */
const uint8_t rh_edge6[16] = { 0xfd, 0, 0, 0x0a, [15] = 1 };
const uint8_t rh_backend6[16] = { 0xfd, 0, 0, 0x0b, [15] = 2 }; /* fd00:b::2 */
const uint8_t rh_svc6[16] = { 0xfd, 0, 0, 0x0b, [15] = 1 };
const struct rte_ether_addr rh_backend_mac = { { 0x02, 0, 0, 0, 0, 0xb2 } };

struct dp_appliance rh_app;
struct dp_worker *rh_w;
uint8_t rh_hello_api[2048], rh_hello_web[2048];
size_t rh_hello_api_len, rh_hello_web_len;

const char *rh_gateway_address = "10.1.0.77";
const char *rh_gateway_extra = "";
static struct mr_config conf;
static uint16_t next_sport = 41000;
static char config_text[512 << 10]; /* what the appliance was last brought up with */

/* Everything but the dataplane and relay sections' insides, the svc port's further
 * settings, the pools and routes added and the top-level extras. */
static const char config_format[] =
	"dataplane = { %s neighbour = { entries = 64; }; };\n"
	"ports = ( { name = \"edge\"; device = \"net_ring_rp0\"; ipv4 = \"10.0.0.1/24\";\n"
	"            ipv6 = \"fd00:a::1/64\"; exception = { enabled = false; }; },\n"
	"          { name = \"svc\"; device = \"net_ring_rp1\"; ipv4 = \"10.1.0.1/24\"; %s\n"
	"            ipv6 = \"fd00:b::1/64\"; exception = { enabled = false; }; } );\n"
	"listeners = ( { name = \"tls\"; port = \"edge\"; tcp_port = 443; } );\n"
	"relay = { %s };\n"
	"networks = ( { name = \"n\"; local = true; allow = [ \"10.1.0.0/24\", \"fd00:b::/64\" ];\n"
	"               ports = ( 443 ); },\n"
	"             { name = \"far\"; } );\n"
	"pools = ( { name = \"p\"; members = ( { address = \"10.1.0.2\"; port = 443; } ); },\n"
	"          { name = \"p6\"; members = ( { address = \"fd00:b::2\"; port = 443; } ); } %s);\n"
	"routes = ( { sni = \"api.svc.example\"; pool = \"p\"; },\n"
	"           { sni = \"proxied.svc.example\"; pool = \"p\"; proxy_protocol = true; },\n"
	"           { sni = \"web.svc.example\"; pool = \"p6\"; },\n"
	"           { sni = \"*.far.example\"; network = \"far\"; } %s);\n"
	"gateways = ( { id = \"g\"; network = \"far\"; address = \"%s\"; port = 443; %s } );\n"
	"mangled = ( { suffix = \"mesh.internal\"; forms = [ \"underscore\" ]; network = \"n\"; } );\n"
	"%s\n";

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
unsigned int rh_drain(const struct dp_port *p)
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

int rh_up(const char *dataplane, const char *relay)
{
	return rh_up_pools(dataplane, relay, "", "");
}

int rh_up_pools(const char *dataplane, const char *relay, const char *pools,
		const char *routes)
{
	return rh_up_extra(dataplane, relay, pools, routes, "");
}

int rh_up_extra(const char *dataplane, const char *relay, const char *pools,
		const char *routes, const char *extra)
{
	return rh_up_svc(dataplane, relay, "", pools, routes, extra);
}

int rh_up_svc(const char *dataplane, const char *relay, const char *svc, const char *pools,
	      const char *routes, const char *extra)
{
	char err[512] = "";

	rh_hello_api_len = read_fixture("openssl-tls13__api.svc.example.hello", rh_hello_api,
					sizeof(rh_hello_api));
	rh_hello_web_len = read_fixture("openssl-tls13-mixedcase__web.svc.example.hello",
					rh_hello_web, sizeof(rh_hello_web));
	RTE_BUILD_BUG_ON(sizeof(config_text) < sizeof(config_format) + 4096);
	snprintf(config_text, sizeof(config_text), config_format, dataplane, svc, relay, pools,
		 routes, rh_gateway_address, rh_gateway_extra, extra);
	if (rh_hello_api_len < 200 || rh_hello_web_len < 200 ||
	    mr_config_load_string(config_text, "relay_harness", &conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "relay harness: fixtures or configuration: %s\n", err);
		return -1;
	}
	memset(&rh_app, 0, sizeof(rh_app));
	rh_app.conf = &conf;
	rh_app.n_workers = 1;
	if (dp_appliance_up(&rh_app, err, sizeof(err)) < 0 || !rh_app.workers[0]) {
		fprintf(stderr, "relay harness: %s\n", err);
		return -1;
	}
	rh_w = rh_app.workers[0];
	rh_w->now_ms = 1000000;
	/* The links noted up as at a start, their announcements and joins left unsent: each
	 * case counts the frames it causes (test_announce.c and test_mld.c send them). */
	announce_links_watch(&rh_app);
	announce_start(rh_w);
	memset(rh_w->announce_left, 0, sizeof(rh_w->announce_left));
	for (unsigned int i = 0; i < rh_app.n_ports; i++) /* ... the VIPs' too */
		if (rh_app.ports[i].vip_mask)
			rh_w->vip_announce.link_seen = rh_w->link_seen[i];
	rh_w->vip_announce.swaps = relay_live_get(&rh_app)->swaps;
	memset(rh_w->mld_join_ms, 0, sizeof(rh_w->mld_join_ms));
	memset(rh_w->mld_unsolicited, 0, sizeof(rh_w->mld_unsolicited));
	/* The IPv4 backend is known; the IPv6 one is resolved by the tests. */
	neigh_learn(rh_w->neigh, RH_BACKEND_IP, &rh_backend_mac, rh_w->now_ms, true);
	return 0;
}

void rh_flow_end(struct flow *f)
{
	relay_abort(rh_w, f, false, false, DP_DROP_none);
	rh_drain(&rh_app.ports[0]);
	rh_drain(&rh_app.ports[1]);
}

const char *rh_config_text(void)
{
	return config_text;
}

int rh_down(void)
{
	rh_drain(&rh_app.ports[0]);
	rh_drain(&rh_app.ports[1]);
	dp_appliance_down(&rh_app);
	mr_config_free(&conf);
	rh_w = NULL;
	return 0;
}

uint64_t rh_event(enum dp_event e)
{
	return rh_w->counters.events[e];
}

uint64_t rh_drops(enum dp_drop d)
{
	return rh_w->counters.drops[d];
}

/* The next TCP frame sent on p (other frames skipped and freed); m NULL when none. */
struct rh_sent rh_next_tcp(const struct dp_port *p)
{
	struct rh_sent s = { 0 };
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

struct rte_mbuf *rh_frame(const struct rh_peer *c, uint8_t flags, uint32_t seq, uint32_t ack,
			 const uint8_t *opts, unsigned int opt_len, const uint8_t *payload,
			 size_t plen)
{
	struct tcp_frame_spec t = {
		.dst_mac = c->port->mac, .src = c->v6 ? 0xb2 : c->ip, .dst = c->our_ip,
		.sport = c->port_num, .dport = c->our_port, .flags = flags, .seq = seq, .ack = ack,
		.opts = opts, .opt_len = opt_len, .payload = payload, .plen = plen,
		.src6 = c->v6 ? c->ip6 : NULL, .dst6 = c->v6 ? c->our_ip6 : NULL,
	};
	struct rte_mbuf *m = tcp_frame_build(rh_app.pool, c->port->port_id, &t);

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	return m;
}

void rh_input(const struct rh_peer *c, struct rte_mbuf *m)
{
	dp_worker_rx_burst(rh_w, c->port, &m, 1);
	dp_worker_housekeeping(rh_w);
}

void rh_input_burst(const struct dp_port *p, struct rte_mbuf **pkts, unsigned int n)
{
	dp_worker_rx_burst(rh_w, p, pkts, n);
	dp_worker_housekeeping(rh_w);
}

void rh_send_opts(const struct rh_peer *c, uint8_t flags, uint32_t seq, uint32_t ack,
		  const uint8_t *opts, unsigned int opt_len, const uint8_t *payload, size_t plen)
{
	rh_input(c, rh_frame(c, flags, seq, ack, opts, opt_len, payload, plen));
}

void rh_send(const struct rh_peer *c, uint8_t flags, uint32_t seq, uint32_t ack,
	     const uint8_t *payload, size_t plen)
{
	rh_send_opts(c, flags, seq, ack, NULL, 0, payload, plen);
}

struct rh_peer rh_client(bool v6)
{
	struct rh_peer c = { .v6 = v6, .ip = RH_CLIENT_IP, .our_ip = RH_EDGE_IP,
			     .ip6 = rh_client6, .our_ip6 = rh_edge6, .port = &rh_app.ports[0],
			     .port_num = next_sport++, .our_port = 443 };

	c.isn = 1000u * c.port_num;
	return c;
}

/* The sent segment is from `from`'s relay end to it, with valid checksums. */
void rh_check_to(const struct rh_sent *s, const struct rh_peer *to)
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

void rh_expect_ack(const struct rh_peer *to, uint32_t ack)
{
	struct rh_sent s = rh_next_tcp(to->port);

	rh_check_to(&s, to);
	CU_ASSERT_EQUAL(s.tcp->tcp_flags, RTE_TCP_ACK_FLAG);
	CU_ASSERT_EQUAL(s.plen, 0);
	CU_ASSERT_EQUAL(rte_be_to_cpu_32(s.tcp->recv_ack), ack);
	rte_pktmbuf_free(s.m);
}

void rh_expect_sent(const struct dp_port *p, uint8_t flags, uint32_t seq)
{
	struct rh_sent s = rh_next_tcp(p);

	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	CU_ASSERT_EQUAL(s.tcp->tcp_flags, flags);
	CU_ASSERT_EQUAL(rte_be_to_cpu_32(s.tcp->sent_seq), seq);
	rte_pktmbuf_free(s.m);
}

/* The flow of client c (either family), or NULL when the relay keeps none. */
struct flow *rh_client_flow(const struct rh_peer *c)
{
	struct flow_key k = { rte_cpu_to_be_32(c->ip), rte_cpu_to_be_32(c->our_ip),
			      rte_cpu_to_be_16(c->port_num), rte_cpu_to_be_16(c->our_port) };
	enum flow_dir dir;

	if (c->v6) {
		struct flow_key6 k6;

		memcpy(k6.peer_ip, c->ip6, 16);
		memcpy(k6.local_ip, c->our_ip6, 16);
		k6.peer_port = k.peer_port;
		k6.local_port = k.local_port;
		return flow_lookup6(rh_w->flows, &k6, &dir);
	}
	return flow_lookup(rh_w->flows, &k, &dir);
}

/* SYN, the relay's cookie SYN-ACK read back, then the first `sent` hello bytes. */
bool rh_client_syn(struct rh_peer *c)
{
	struct rh_sent synack;

	rh_drain(&rh_app.ports[0]);
	rh_send(c, RTE_TCP_SYN_FLAG, c->isn, 0, NULL, 0);
	synack = rh_next_tcp(c->port);
	rh_check_to(&synack, c);
	if (!synack.m)
		return false;
	CU_ASSERT_EQUAL(synack.tcp->tcp_flags, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	CU_ASSERT_EQUAL(rte_be_to_cpu_32(synack.tcp->recv_ack), c->isn + 1);
	c->our_isn = rte_be_to_cpu_32(synack.tcp->sent_seq);
	rte_pktmbuf_free(synack.m);
	return true;
}

struct flow *rh_client_start(struct rh_peer *c, const uint8_t *hello, size_t sent)
{
	if (!rh_client_syn(c))
		return NULL;
	rh_send(c, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, c->isn + 1, c->our_isn + 1, hello, sent);
	return rh_client_flow(c);
}

struct rh_peer rh_peer_of_sent(const struct rh_sent *s)
{
	uint32_t dst;

	memcpy(&dst, s->dst, 4);
	return (struct rh_peer){ .ip = rte_be_to_cpu_32(dst), .our_ip = RH_SVC_IP,
				 .port = &rh_app.ports[1],
				 .port_num = rte_be_to_cpu_16(s->tcp->dst_port),
				 .our_port = rte_be_to_cpu_16(s->tcp->src_port), .isn = 555000,
				 .our_isn = rte_be_to_cpu_32(s->tcp->sent_seq) };
}

/* The backend end of f as the relay opened it. */
struct rh_peer rh_backend(const struct flow *f)
{
	struct rh_peer b = { .v6 = f->b.v6, .ip = RH_BACKEND_IP,
			     .our_ip = f->b.v6 ? RH_SVC_IP : rte_be_to_cpu_32(f->b.key.local_ip),
			     .ip6 = rh_backend6, .our_ip6 = rh_svc6, .port = &rh_app.ports[1],
			     .port_num = 443, .our_port = rte_be_to_cpu_16(f->b.key.local_port),
			     .isn = 777000, .our_isn = f->b_seq.local_isn };
	return b;
}

struct rh_sent rh_next_data(const struct dp_port *p)
{
	struct rh_sent s;

	while ((s = rh_next_tcp(p)).m && s.plen == 0)
		rte_pktmbuf_free(s.m);
	return s;
}

struct rh_sent rh_gateway_splices(struct flow *f)
{
	struct rh_peer g = rh_backend(f);
	struct rh_sent s;

	g.ip = 0x0a01004du;
	rh_drain(g.port);
	rh_send(&g, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, g.isn, g.our_isn + 1, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_SPLICED);
	s = rh_next_data(g.port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	return s;
}

void rh_backend_accepts(struct flow *f, struct rh_peer *b)
{
	*b = rh_backend(f);
	rh_drain(b->port); /* the SYN */
	rh_send(b, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, b->isn, b->our_isn + 1, NULL, 0);
	CU_ASSERT_EQUAL(f->state, FLOW_SPLICED);
	rh_drain(b->port); /* the kept hello */
}

void rh_check_own_destination_refused(const char *sni)
{
	static struct hello_build hb;
	struct hb_options opt;
	struct rh_peer c = rh_client(false);
	uint64_t bad = rh_drops(DP_DROP_route_bad_destination), syns = rh_event(DP_EV_backend_syn);

	hb_options_default(&opt);
	opt.sni = sni;
	hb_build(&opt, &hb);
	rh_drain(&rh_app.ports[1]);
	CU_ASSERT_PTR_NULL(rh_client_start(&c, hb.wire, hb.wire_len));
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_route_bad_destination), bad + 1);
	CU_ASSERT_EQUAL(rh_event(DP_EV_backend_syn), syns);
	CU_ASSERT_EQUAL(rh_drain(&rh_app.ports[1]), 0);
	rh_drain(&rh_app.ports[0]);
}

bool rh_arp_answered(const struct dp_port *p, uint32_t sender, uint32_t asked)
{
	static const struct rte_ether_addr asker = { { 0x02, 0, 0, 0, 0, 0xc1 } };
	struct rte_mbuf *m = tcp_frame_arp_request(rh_app.pool, &asker, sender, asked), *r = NULL;
	bool replied = false;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	rh_drain(p);
	rh_input(&(struct rh_peer){ .port = p }, m);
	while (rte_eth_rx_burst(p->port_id, 0, &r, 1) == 1) {
		struct rte_ether_hdr *re = rte_pktmbuf_mtod(r, struct rte_ether_hdr *);
		struct rte_arp_hdr *ra = (struct rte_arp_hdr *)(re + 1);

		if (re->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP) &&
		    ra->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REPLY) &&
		    ra->arp_data.arp_sip == rte_cpu_to_be_32(asked) &&
		    rte_is_same_ether_addr(&ra->arp_data.arp_sha, &p->mac))
			replied = true;
		rte_pktmbuf_free(r);
	}
	return replied;
}

struct turn_bind_req rh_bind_request(void)
{
	struct turn_bind_req req = { .bind = { .server = rte_cpu_to_be_32(RH_TURN_IP),
					       .server_port = rte_cpu_to_be_16(3478),
					       .source = rte_cpu_to_be_32(RH_SVC_IP), .len = 20 } };
	static const uint8_t head[8] = { 0x00, 0x0b, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42 };

	memcpy(req.bind.msg, head, sizeof(head));
	for (int i = 0; i < 12; i++)
		req.bind.tid[i] = req.bind.msg[8 + i] = (uint8_t)(i * 7);
	return req;
}

struct flow *rh_turn_connection(const uint8_t *payload, size_t len, struct rh_peer *srv)
{
	return rh_turn_connection_with(payload, len, 0, srv);
}

void rh_bind_syn(struct turn_bind_req *req, uint32_t isn, struct rh_peer *srv)
{
	static const struct rte_ether_addr turn_mac = { { 0x02, 0, 0, 0, 0, 0x09 } };
	struct rh_sent syn;

	*srv = (struct rh_peer){ .ip = RH_TURN_IP, .our_ip = RH_SVC_IP, .port = &rh_app.ports[1],
				 .port_num = 3478, .isn = isn };
	neigh_learn(rh_w->neigh, RH_TURN_IP, &turn_mac, rh_w->now_ms, true);
	rh_drain(srv->port);
	turn_bind_start(rh_w, req);
	CU_ASSERT_EQUAL_FATAL(req->result, 0);
	dp_worker_housekeeping(rh_w);
	syn = rh_next_tcp(srv->port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(syn.m);
	CU_ASSERT_EQUAL(syn.tcp->tcp_flags, RTE_TCP_SYN_FLAG);
	srv->our_port = rte_be_to_cpu_16(syn.tcp->src_port);
	srv->our_isn = rte_be_to_cpu_32(syn.tcp->sent_seq);
	rte_pktmbuf_free(syn.m);
}

void rh_bind_open(struct turn_bind_req *req, uint32_t isn, struct rh_peer *srv)
{
	rh_bind_syn(req, isn, srv);
	rh_send(srv, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, srv->isn, srv->our_isn + 1, NULL, 0);
}

struct flow *rh_turn_connection_with(const uint8_t *payload, size_t len, uint8_t flags,
				     struct rh_peer *srv)
{
	static uint8_t data[20 + 4096];
	struct turn_bind_req req = rh_bind_request();
	enum flow_dir dir;

	if (len > sizeof(data) - 20)
		return NULL;
	req.bind.peer_family = MR_CTL_PEER_V4;
	memcpy(req.bind.peer, (const uint8_t[]){ 192, 0, 2, 50 }, 4);
	req.bind.peer_port = rte_cpu_to_be_16(40123);
	rh_bind_open(&req, 9000, srv);
	rh_drain(srv->port); /* the ConnectionBind */
	/* The success answer (its transaction id), then the peer's bytes. */
	memcpy(data, (const uint8_t[]){ 0x01, 0x0b, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42 }, 8);
	memcpy(data + 8, req.bind.tid, 12);
	memcpy(data + 20, payload, len);
	rh_send(srv, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG | flags, srv->isn + 1, srv->our_isn + 21,
		data, 20 + len);
	return flow_lookup(rh_w->flows, &(struct flow_key){ rte_cpu_to_be_32(RH_TURN_IP),
				rte_cpu_to_be_32(RH_SVC_IP), rte_cpu_to_be_16(3478),
				rte_cpu_to_be_16(srv->our_port) }, &dir);
}

unsigned int rh_announcements(const struct dp_port *p, uint32_t ip)
{
	struct rte_mbuf *r;
	unsigned int n = 0;

	while (rte_eth_rx_burst(p->port_id, 0, &r, 1) == 1) {
		struct rte_ether_hdr *e = rte_pktmbuf_mtod(r, struct rte_ether_hdr *);
		struct rte_arp_hdr *a = (struct rte_arp_hdr *)(e + 1);

		n += e->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP) &&
		     rte_is_broadcast_ether_addr(&e->dst_addr) &&
		     a->arp_data.arp_sip == rte_cpu_to_be_32(ip) &&
		     a->arp_data.arp_tip == rte_cpu_to_be_32(ip) &&
		     rte_is_same_ether_addr(&a->arp_data.arp_sha, &p->mac);
		rte_pktmbuf_free(r);
	}
	return n;
}
