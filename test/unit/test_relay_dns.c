/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "relay_dns": DNS queries as frames to the edge port's address, port 53, through
 * the appliance of relay_harness.h (dns = { port = "edge"; zones = [ "svc.example" ];
 * outside = "refuse"; rate = 5; }): routed names get the port's addresses, other names
 * of the zone NXDOMAIN with its SOA, names outside it REFUSED, bad queries nothing, and a
 * client past its rate every other answer dropped and the rest truncated. */
#include <string.h>

#include <rte_ip.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>
#include <rte_udp.h>

#include "connlog.h"
#include "dns_msg.h"
#include "dp_worker.h"
#include "flow_limits.h"
#include "relay_harness.h"
#include "relay_live.h"
#include "relay_tcp.h"
#include "unit.h"

static int suite_init(void)
{
	return rh_up_extra("mbufs = 0;", "max_flows = 256;",
			   ", { name = \"drained\"; members = ( { address = \"10.1.0.3\"; port = 443;"
			   " weight = 0; } ); }",
			   ", { name = \"ssh.svc.example\"; protocol = \"tcp\"; port = 22; pool = \"p\";"
			   " vip = \"240.240.0.5\"; }, { sni = \"drained.svc.example\"; pool = \"drained\"; }",
			   "dns = { port = \"edge\"; zones = [ \"example\", \"svc.example\", \"internal\" ]; ttl = 45;\n"
			   "        outside = \"refuse\"; rate = 5; vip_range = \"240.240.0.0/16\"; };\n"
			   "log = { connections = \"/nonexistent/connections.log\"; "
			   "connections_ring = 64; };");
}

/* Records waiting in the connection log's ring, taken out. */
static unsigned int connlog_records(void)
{
	struct connlog_rec r[64];
	unsigned int n = 0, got;

	while ((got = rte_ring_sc_dequeue_burst_elem(connlog_ring(rh_w), r, sizeof(r[0]), 64,
						     NULL)) > 0)
		n += got;
	return n;
}

/* A query for name (type qtype) from the client's address and port sport, as a frame to
 * the edge port's address, port 53; flags_hi is the header's third byte (0x01: RD). */
/* The source address of the queries query_frame makes (host order). */
static uint32_t query_src = RH_CLIENT_IP;
/* The class of query_frame's question (1: IN). */
static uint16_t query_class = 1;

static struct rte_mbuf *query_frame(const char *name, uint16_t qtype, uint16_t sport,
				    uint8_t flags_hi, uint16_t qdcount)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(rh_app.pool);
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	uint8_t *d;
	size_t n = 12;

	if (!m)
		return NULL;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eth) + sizeof(*ip) +
								  sizeof(*udp) + 300);
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	udp = (struct rte_udp_hdr *)(ip + 1);
	d = (uint8_t *)(udp + 1);
	memset(eth, 0, sizeof(*eth) + sizeof(*ip) + sizeof(*udp) + 300);
	eth->dst_addr = rh_app.ports[0].mac;
	eth->src_addr = (struct rte_ether_addr){ { 0x02, 0, 0, 0, 0, 0xc1 } };
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	d[0] = 0xab;
	d[1] = 0xcd;
	d[2] = flags_hi;
	d[5] = (uint8_t)qdcount;
	for (const char *label = name; *label;) {
		const char *dot = strchr(label, '.');
		size_t l = dot ? (size_t)(dot - label) : strlen(label);

		d[n++] = (uint8_t)l;
		memcpy(d + n, label, l);
		n += l;
		label += l + (dot ? 1 : 0);
	}
	d[n++] = 0;
	d[n++] = (uint8_t)(qtype >> 8);
	d[n++] = (uint8_t)qtype;
	d[n++] = (uint8_t)(query_class >> 8);
	d[n++] = (uint8_t)query_class;
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(query_src);
	ip->dst_addr = rte_cpu_to_be_32(RH_EDGE_IP);
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + sizeof(*udp) + n));
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(sport);
	udp->dst_port = rte_cpu_to_be_16(53);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*udp) + n));
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	rte_pktmbuf_trim(m, (uint16_t)(300 - n));
	return m;
}

/* The same query over IPv6, from the client's IPv6 address to the edge port's. */
static struct rte_mbuf *query_frame6(const char *name, uint16_t qtype, uint16_t sport)
{
	struct rte_mbuf *v4 = query_frame(name, qtype, sport, 0x01, 1);
	struct rte_mbuf *m = rte_pktmbuf_alloc(rh_app.pool);
	const struct rte_udp_hdr *udp4 = rte_pktmbuf_mtod_offset(v4, struct rte_udp_hdr *, 34);
	uint16_t ulen = rte_be_to_cpu_16(udp4->dgram_len);
	struct rte_ether_hdr *eth;
	struct rte_ipv6_hdr *ip6;
	struct rte_udp_hdr *udp;

	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eth) + sizeof(*ip6) + ulen);
	*eth = *rte_pktmbuf_mtod(v4, struct rte_ether_hdr *);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	ip6 = (struct rte_ipv6_hdr *)(eth + 1);
	memset(ip6, 0, sizeof(*ip6));
	ip6->vtc_flow = rte_cpu_to_be_32(0x60000000);
	ip6->payload_len = rte_cpu_to_be_16(ulen);
	ip6->proto = IPPROTO_UDP;
	ip6->hop_limits = 64;
	memcpy(ip6->src_addr, rh_client6, 16);
	memcpy(ip6->dst_addr, rh_edge6, 16);
	udp = (struct rte_udp_hdr *)(ip6 + 1);
	memcpy(udp, udp4, ulen);
	udp->dgram_cksum = 0;
	udp->dgram_cksum = rte_ipv6_udptcp_cksum(ip6, udp);
	rte_pktmbuf_free(v4);
	return m;
}

/* The answer the edge port sent back, checked as a reply to sport (checksums, addresses),
 * copied into out; its length, 0 when none came. */
static size_t answer_to(uint16_t sport, uint8_t *out, size_t room)
{
	struct rte_mbuf *m;
	size_t len = 0;

	while (rte_eth_rx_burst(rh_app.ports[0].port_id, 0, &m, 1) == 1) {
		struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

		if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) &&
		    ip->next_proto_id == IPPROTO_UDP && udp->dst_port == rte_cpu_to_be_16(sport)) {
			CU_ASSERT_EQUAL(rte_ipv4_cksum(ip), 0);
			CU_ASSERT_EQUAL(rte_ipv4_udptcp_cksum_verify(ip, udp), 0);
			CU_ASSERT_EQUAL(ip->src_addr, rte_cpu_to_be_32(RH_EDGE_IP));
			CU_ASSERT_EQUAL(ip->dst_addr, rte_cpu_to_be_32(query_src));
			CU_ASSERT_EQUAL(udp->src_port, rte_cpu_to_be_16(53));
			len = RTE_MIN((size_t)rte_be_to_cpu_16(udp->dgram_len) - sizeof(*udp), room);
			memcpy(out, udp + 1, len);
		}
		rte_pktmbuf_free(m);
	}
	return len;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The client's answers are counted per second: each case starts a second of its own. */
static void fresh_second(void)
{
	rh_w->now_ms = (rh_w->now_ms / 1000 + 1) * 1000;
}

static size_t ask(const char *name, uint16_t qtype, uint16_t sport, uint8_t *a)
{
	rh_input(&(struct rh_peer){ .port = &rh_app.ports[0] },
		 query_frame(name, qtype, sport, 0x01, 1));
	return answer_to(sport, a, 1500);
}

/* Routed names: the edge port's IPv4 and IPv6 addresses, its TTL; a type without a
 * record is NODATA with the zone's SOA; the name as the client spelt it comes back. */
static void test_routed_names(void)
{
	uint64_t answered = rh_event(DP_EV_dns_answered);
	uint8_t a[1500];
	size_t len;

	fresh_second();
	len = ask("Api.Svc.Example", DNS_TYPE_A, 40001, a);
	CU_ASSERT_FATAL(len > 12);
	CU_ASSERT_EQUAL(rd16(a), 0xabcd);
	CU_ASSERT_EQUAL(a[2] & 0x84, 0x84); /* QR, AA */
	CU_ASSERT_EQUAL(a[3] & 0x0f, 0);
	CU_ASSERT_EQUAL(rd16(a + 6), 1);
	CU_ASSERT_EQUAL(memcmp(a + 13, "Api", 3), 0);
	CU_ASSERT_EQUAL(rd16(a + len - 16 + 6 + 2), 45);  /* TTL low half */
	CU_ASSERT_EQUAL(a[len - 4], 10);                  /* 10.0.0.1 */
	CU_ASSERT_EQUAL(a[len - 1], 1);
	len = ask("web.svc.example", DNS_TYPE_AAAA, 40002, a);
	CU_ASSERT_FATAL(len > 28);
	CU_ASSERT_EQUAL(rd16(a + 6), 1);
	CU_ASSERT_EQUAL(memcmp(a + len - 16, rh_edge6, 16), 0);
	len = ask("_443._10-1-0-2.mesh.internal", DNS_TYPE_A, 40005, a); /* a mangled name */
	CU_ASSERT_EQUAL(rd16(a + 6), 1);
	fresh_second();
	len = ask("api.svc.example", DNS_TYPE_MX, 40003, a);
	CU_ASSERT_FATAL(len > 12);
	CU_ASSERT_EQUAL(a[3] & 0x0f, 0);
	CU_ASSERT_EQUAL(rd16(a + 6), 0);
	CU_ASSERT_EQUAL(rd16(a + 8), 1); /* the SOA */
	CU_ASSERT_EQUAL(rh_event(DP_EV_dns_answered), answered + 3);
}

/* A name routed to a pool drained to no member of weight above 0 still exists: its
 * address, not an NXDOMAIN resolvers would keep for the negative TTL after the drain. */
static void test_drained_pool(void)
{
	uint8_t a[1500];
	size_t len;

	fresh_second();
	len = ask("drained.svc.example", DNS_TYPE_A, 40008, a);
	CU_ASSERT_FATAL(len > 12);
	CU_ASSERT_EQUAL(a[3] & 0x0f, DNS_RCODE_NOERROR);
	CU_ASSERT_EQUAL(rd16(a + 6), 1);
	CU_ASSERT_EQUAL(a[len - 4], 10); /* 10.0.0.1 */
}

/* Under a mangled-name suffix (mesh.internal, in zone internal) a name that is not a
 * whole mangled name may lead to one (_10-1-0-2 of _443._10-1-0-2): it exists, NODATA,
 * as the suffix itself does; a name beside the suffix is still NXDOMAIN. */
static void test_under_mangled_suffix(void)
{
	uint8_t a[1500];
	size_t len;

	fresh_second();
	len = ask("_10-1-0-2.mesh.internal", DNS_TYPE_A, 40050, a);
	CU_ASSERT_FATAL(len > 12);
	CU_ASSERT_EQUAL(a[3] & 0x0f, DNS_RCODE_NOERROR);
	CU_ASSERT_EQUAL(rd16(a + 6), 0);
	CU_ASSERT_EQUAL(rd16(a + 8), 1); /* the SOA of internal */
	len = ask("Mesh.Internal", DNS_TYPE_A, 40051, a);
	CU_ASSERT_FATAL(len > 12);
	CU_ASSERT_EQUAL(a[3] & 0x0f, DNS_RCODE_NOERROR);
	CU_ASSERT_EQUAL(rd16(a + 6), 0);
	len = ask("nope.internal", DNS_TYPE_A, 40052, a);
	CU_ASSERT_FATAL(len > 12);
	CU_ASSERT_EQUAL(a[3] & 0x0f, DNS_RCODE_NXDOMAIN);
}

/* A query from port 0, or from chargen (19) or daytime (13), which answer any datagram,
 * is dropped: answering would start a loop. Class CH or HS is refused, not denied. */
static void test_loops_and_classes(void)
{
	uint64_t loops = rh_drops(DP_DROP_dns_source_port);
	uint8_t a[1500];
	size_t len;

	fresh_second();
	CU_ASSERT_EQUAL(ask("api.svc.example", DNS_TYPE_A, 19, a), 0);
	CU_ASSERT_EQUAL(ask("api.svc.example", DNS_TYPE_A, 13, a), 0);
	CU_ASSERT_EQUAL(ask("api.svc.example", DNS_TYPE_A, 0, a), 0);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_dns_source_port), loops + 3);
	CU_ASSERT(ask("api.svc.example", DNS_TYPE_A, 53, a) > 12); /* a resolver's port 53 */
	query_class = 3; /* CH */
	len = ask("api.svc.example", DNS_TYPE_A, 40009, a);
	query_class = 1;
	CU_ASSERT_FATAL(len >= 12);
	CU_ASSERT_EQUAL(a[3] & 0x0f, DNS_RCODE_REFUSED);
	CU_ASSERT_EQUAL(a[2] & 0x04, 0);
	CU_ASSERT_EQUAL(rd16(a + 6) + rd16(a + 8), 0);
}

/* A name of the zone that is not routed: NXDOMAIN with the SOA; outside the zone: REFUSED
 * (this configuration's choice). */
static void test_unknown_names(void)
{
	uint8_t a[1500];
	size_t len;

	fresh_second();
	len = ask("nope.svc.example", DNS_TYPE_A, 40010, a);
	CU_ASSERT_FATAL(len > 12);
	CU_ASSERT_EQUAL(a[3] & 0x0f, DNS_RCODE_NXDOMAIN);
	CU_ASSERT_EQUAL(rd16(a + 8), 1);
	len = ask("www.example.org", DNS_TYPE_A, 40011, a);
	CU_ASSERT_FATAL(len > 12);
	CU_ASSERT_EQUAL(a[3] & 0x0f, DNS_RCODE_REFUSED);
	CU_ASSERT_EQUAL(rd16(a + 6) + rd16(a + 8), 0);
	/* A dot inside a label ("a.pi" as one label under svc.example, RFC 2181 11): a name
	 * of the zone that does not exist, NXDOMAIN with the SOA; before, FORMERR. */
	{
		struct rte_mbuf *m = query_frame("aXpi.svc.example", DNS_TYPE_A, 40012, 0x01, 1);
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

		((uint8_t *)(udp + 1))[12 + 2] = '.'; /* the X */
		udp->dgram_cksum = 0;
		udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
		rh_input(&(struct rh_peer){ .port = &rh_app.ports[0] }, m);
		len = answer_to(40012, a, sizeof(a));
		CU_ASSERT_FATAL(len > 12);
		CU_ASSERT_EQUAL(a[3] & 0x0f, DNS_RCODE_NXDOMAIN);
		CU_ASSERT_EQUAL(rd16(a + 8), 1);
		CU_ASSERT_EQUAL(a[12 + 2], '.'); /* the question as it was asked */
	}
}

/* A zone's own name exists: its SOA as the answer, NODATA for the rest; of nested zones
 * the inner one speaks for its names (its SOA with NXDOMAIN). */
static void test_apex_and_nested_zones(void)
{
	uint8_t a[1500];
	size_t len, qend;

	fresh_second();
	len = ask("Svc.Example", DNS_TYPE_SOA, 40030, a);
	qend = 12 + 13 + 4;
	CU_ASSERT_FATAL(len > qend + 12);
	CU_ASSERT_EQUAL(a[2] & 0x04, 0x04); /* AA */
	CU_ASSERT_EQUAL(a[3] & 0x0f, DNS_RCODE_NOERROR);
	CU_ASSERT_EQUAL(rd16(a + 6), 1);
	CU_ASSERT_EQUAL(rd16(a + 8), 0);
	CU_ASSERT_EQUAL(rd16(a + qend), 0xc00c);
	CU_ASSERT_EQUAL(rd16(a + qend + 2), DNS_TYPE_SOA);
	len = ask("svc.example", DNS_TYPE_A, 40031, a); /* NODATA, not NXDOMAIN */
	CU_ASSERT_FATAL(len > 12);
	CU_ASSERT_EQUAL(a[3] & 0x0f, DNS_RCODE_NOERROR);
	CU_ASSERT_EQUAL(rd16(a + 6), 0);
	CU_ASSERT_EQUAL(rd16(a + 8), 1);
	len = ask("example", DNS_TYPE_NS, 40032, a);
	CU_ASSERT_FATAL(len > 12);
	CU_ASSERT_EQUAL(a[3] & 0x0f, DNS_RCODE_NOERROR);
	fresh_second();
	len = ask("nope.svc.example", DNS_TYPE_A, 40033, a);
	qend = 12 + 18 + 4;
	CU_ASSERT_FATAL(len > qend + 2);
	CU_ASSERT_EQUAL(a[3] & 0x0f, DNS_RCODE_NXDOMAIN);
	CU_ASSERT_EQUAL(rd16(a + qend), 0xc000 | (12 + 5)); /* owner: svc.example, not example */
	len = ask("nope.example", DNS_TYPE_A, 40034, a);
	qend = 12 + 14 + 4;
	CU_ASSERT_FATAL(len > qend + 2);
	CU_ASSERT_EQUAL(rd16(a + qend), 0xc000 | (12 + 5)); /* owner: example */
	/* A zone transfer: refused (before, an empty authoritative success). */
	fresh_second();
	len = ask("svc.example", DNS_TYPE_AXFR, 40035, a);
	CU_ASSERT_FATAL(len >= 12);
	CU_ASSERT_EQUAL(a[3] & 0x0f, DNS_RCODE_REFUSED);
	CU_ASSERT_EQUAL(rd16(a + 6), 0);
	len = ask("svc.example", DNS_TYPE_IXFR, 40036, a);
	CU_ASSERT_FATAL(len >= 12);
	CU_ASSERT_EQUAL(a[3] & 0x0f, DNS_RCODE_REFUSED);
}

/* A name with routed names below it exists (RFC 8020): the wildcard route *.far.example
 * makes far.example NODATA with the SOA, not NXDOMAIN, which a resolver would take as
 * denying every name below it (QNAME minimisation asks it first). A name with none below
 * it stays NXDOMAIN. */
static void test_parents_of_routed_names(void)
{
	uint64_t nodata = rh_event(DP_EV_dns_nodata);
	uint8_t a[1500];
	size_t len;

	fresh_second();
	len = ask("Far.Example", DNS_TYPE_A, 40040, a);
	CU_ASSERT_FATAL(len > 12);
	CU_ASSERT_EQUAL(a[2] & 0x04, 0x04); /* AA */
	CU_ASSERT_EQUAL(a[3] & 0x0f, DNS_RCODE_NOERROR);
	CU_ASSERT_EQUAL(rd16(a + 6), 0);
	CU_ASSERT_EQUAL(rd16(a + 8), 1); /* the SOA */
	CU_ASSERT_EQUAL(rh_event(DP_EV_dns_nodata), nodata + 1);
	len = ask("near.example", DNS_TYPE_A, 40041, a);
	CU_ASSERT_FATAL(len > 12);
	CU_ASSERT_EQUAL(a[3] & 0x0f, DNS_RCODE_NXDOMAIN);
	len = ask("x.far.example", DNS_TYPE_A, 40042, a);
	CU_ASSERT_FATAL(len > 12);
	CU_ASSERT_EQUAL(rd16(a + 6), 1);
}

/* An answer is never answered; two questions get FORMERR; a bad UDP checksum nothing. */
static void test_bad_queries(void)
{
	uint64_t malformed = rh_drops(DP_DROP_dns_malformed);
	struct rte_mbuf *m;
	uint8_t a[1500];

	fresh_second();
	rh_input(&(struct rh_peer){ .port = &rh_app.ports[0] },
		 query_frame("api.svc.example", DNS_TYPE_A, 40020, 0x81, 1));
	CU_ASSERT_EQUAL(answer_to(40020, a, sizeof(a)), 0);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_dns_malformed), malformed + 1);
	rh_input(&(struct rh_peer){ .port = &rh_app.ports[0] },
		 query_frame("api.svc.example", DNS_TYPE_A, 40021, 0x01, 2));
	CU_ASSERT_EQUAL(answer_to(40021, a, sizeof(a)), 12);
	CU_ASSERT_EQUAL(a[3] & 0x0f, DNS_RCODE_FORMERR);
	CU_ASSERT_EQUAL(a[2] & 0x04, 0); /* not authoritative for an error */
	rh_input(&(struct rh_peer){ .port = &rh_app.ports[0] }, /* NOTIFY: opcode 4 */
		 query_frame("api.svc.example", DNS_TYPE_SOA, 40023, 4 << 3, 1));
	CU_ASSERT_EQUAL(answer_to(40023, a, sizeof(a)), 12);
	CU_ASSERT_EQUAL(a[3] & 0x0f, DNS_RCODE_NOTIMP);
	CU_ASSERT_EQUAL(a[2], 0x80 | 4 << 3); /* QR and the opcode as asked, no AA */
	m = query_frame("api.svc.example", DNS_TYPE_A, 40022, 0x01, 1);
	rte_pktmbuf_mtod_offset(m, uint8_t *, 14 + 20 + 8 + 12)[1] ^= 0x20; /* "aPi": sum off */
	rh_input(&(struct rh_peer){ .port = &rh_app.ports[0] }, m);
	CU_ASSERT_EQUAL(answer_to(40022, a, sizeof(a)), 0);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_dns_malformed), malformed + 2);
}

/* With the host's resolver beside us (outside = "host"), an answer to port 53 is the
 * host's (one to what it asked from port 53), never answered: before, it was dropped as
 * malformed, and the host's lookups or NOTIFY exchanges from that port timed out. */
static void test_answer_to_port_53_is_the_hosts(void)
{
	struct mr_dns_conf *dc = (struct mr_dns_conf *)&relay_live_get(&rh_app)->conf.dns;
	uint64_t malformed = rh_drops(DP_DROP_dns_malformed);
	uint64_t to_host = rh_event(DP_EV_dns_to_host);
	uint8_t a[1500];

	fresh_second();
	dc->outside_refused = false;
	rh_input(&(struct rh_peer){ .port = &rh_app.ports[0] },
		 query_frame("example.org", DNS_TYPE_A, 40024, 0x81, 1));
	dc->outside_refused = true;
	CU_ASSERT_EQUAL(answer_to(40024, a, sizeof(a)), 0);
	CU_ASSERT_EQUAL(rh_event(DP_EV_dns_to_host), to_host + 1);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_dns_malformed), malformed);
	rh_drain(&rh_app.ports[0]);
}

/* The query's ECN mark stays off the answer (a CE mark passed back, or an ECN-capable
 * transport claimed); its DSCP comes back, over IPv4 and IPv6. */
static void test_answer_ecn(void)
{
	struct rte_mbuf *m = query_frame("api.svc.example", DNS_TYPE_A, 40030, 0x01, 1);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
	struct rte_ipv6_hdr *ip6;
	unsigned int seen = 0;

	fresh_second();
	ip->type_of_service = 0xb8 | RTE_IPV4_HDR_ECN_CE; /* EF, congestion experienced */
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	rh_input(&(struct rh_peer){ .port = &rh_app.ports[0] }, m);
	m = query_frame6("api.svc.example", DNS_TYPE_A, 40031);
	ip6 = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, 14);
	ip6->vtc_flow = rte_cpu_to_be_32(0x60000000 | 0xb8u << 20 | 1u << 20); /* ECT(1) */
	rh_input(&(struct rh_peer){ .port = &rh_app.ports[0] }, m);
	while (rte_eth_rx_burst(rh_app.ports[0].port_id, 0, &m, 1) == 1) {
		const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

		ip = (struct rte_ipv4_hdr *)(eth + 1);
		ip6 = (struct rte_ipv6_hdr *)(eth + 1);
		if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) &&
		    ip->next_proto_id == IPPROTO_UDP) {
			CU_ASSERT_EQUAL(ip->type_of_service, 0xb8);
			CU_ASSERT_EQUAL(rte_ipv4_cksum(ip), 0);
			seen |= 1;
		} else if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6) &&
			   ip6->proto == IPPROTO_UDP) {
			CU_ASSERT_EQUAL(rte_be_to_cpu_32(ip6->vtc_flow) >> 20, 0x600 | 0xb8);
			CU_ASSERT_EQUAL(rte_ipv6_udptcp_cksum_verify(ip6, ip6 + 1), 0);
			seen |= 2;
		}
		rte_pktmbuf_free(m);
	}
	CU_ASSERT_EQUAL(seen, 3);
}

/* Past 5 answers a second to one address: every other query unanswered, the rest
 * truncated (no record); the next second it starts afresh. */
static void test_rate_limit(void)
{
	uint64_t limited = rh_event(DP_EV_dns_rate_limited), answered;
	unsigned int full = 0, truncated = 0, silent = 0;
	uint8_t a[1500];

	fresh_second();
	answered = rh_event(DP_EV_dns_answered);
	for (uint16_t i = 0; i < 11; i++) {
		size_t len = ask("api.svc.example", DNS_TYPE_A, (uint16_t)(40100 + i), a);

		if (!len)
			silent++;
		else if (a[2] & 0x02)
			truncated += rd16(a + 6) == 0;
		else
			full++;
	}
	CU_ASSERT_EQUAL(full, 5);
	CU_ASSERT_EQUAL(silent, 3);
	CU_ASSERT_EQUAL(truncated, 3);
	CU_ASSERT_EQUAL(rh_event(DP_EV_dns_rate_limited), limited + 3);
	/* Counted as they went, whole or cut (the dropped ones were counted as answered). */
	CU_ASSERT_EQUAL(rh_event(DP_EV_dns_answered), answered + 8);
	rh_w->now_ms += 1000;
	CU_ASSERT(ask("api.svc.example", DNS_TYPE_A, 40200, a) > 12);
	CU_ASSERT_EQUAL(a[2] & 0x02, 0);
}

/* Whether a query for api.svc.example from src (source port sport) got a full answer. */
static bool full_answer_to(uint32_t src, uint16_t sport)
{
	uint8_t a[1500];
	size_t len;

	query_src = src;
	len = ask("api.svc.example", DNS_TYPE_A, sport, a);
	query_src = RH_CLIENT_IP;
	return len > 12 && !(a[2] & 0x02);
}

/* Two clients whose counts share a slot are held to the rate together: queries that
 * alternate between them get 5 full answers a second in all. (A slot started afresh for
 * each new client let such queries keep both under the rate.) The other client is found
 * by its answers: the first one limited once the client has had its 5. */
static void test_rate_shared_slot(void)
{
	uint32_t other = 0;
	unsigned int full = 0;

	for (uint32_t cand = 1; cand < 100000 && !other; cand++) {
		fresh_second();
		for (uint16_t i = 0; i < 5; i++)
			full_answer_to(RH_CLIENT_IP, (uint16_t)(41000 + i));
		if (!full_answer_to(0x0b000000u + cand, 41010))
			other = 0x0b000000u + cand;
	}
	CU_ASSERT_FATAL(other != 0);
	fresh_second();
	for (uint16_t i = 0; i < 10; i++)
		full += full_answer_to(i & 1 ? other : RH_CLIENT_IP, (uint16_t)(41100 + i));
	CU_ASSERT_EQUAL(full, 5);
}

/* Over IPv6: the AAAA of a routed name, the reply from the edge port's IPv6 address with
 * its UDP checksum (mandatory there). */
static void test_ipv6_query(void)
{
	struct rte_mbuf *m;
	bool answered = false;

	fresh_second();
	rh_input(&(struct rh_peer){ .port = &rh_app.ports[0] },
		 query_frame6("api.svc.example", DNS_TYPE_AAAA, 40300));
	while (rte_eth_rx_burst(rh_app.ports[0].port_id, 0, &m, 1) == 1) {
		struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eth + 1);
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip6 + 1);
		const uint8_t *a = (const uint8_t *)(udp + 1);
		size_t len;

		if (eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6) ||
		    ip6->proto != IPPROTO_UDP || udp->dst_port != rte_cpu_to_be_16(40300)) {
			rte_pktmbuf_free(m);
			continue;
		}
		answered = true;
		len = rte_be_to_cpu_16(udp->dgram_len) - sizeof(*udp);
		CU_ASSERT_EQUAL(rte_ipv6_udptcp_cksum_verify(ip6, udp), 0);
		CU_ASSERT_EQUAL(memcmp(ip6->src_addr, rh_edge6, 16), 0);
		CU_ASSERT_EQUAL(memcmp(ip6->dst_addr, rh_client6, 16), 0);
		CU_ASSERT_EQUAL(rd16(a + 6), 1);
		CU_ASSERT_EQUAL(memcmp(a + len - 16, rh_edge6, 16), 0);
		rte_pktmbuf_free(m);
	}
	CU_ASSERT(answered);
}

/* The worker's clock moved on by ms, then its timers run: what they send goes out with
 * the next housekeeping, run too. */
static void clock_on(uint32_t ms)
{
	rh_w->now_ms += ms;
	dp_worker_housekeeping(rh_w);
	dp_worker_housekeeping(rh_w);
}

/* The end of what the relay sent client c (its answer and FIN). */
static uint32_t relay_end(const struct rh_peer *c)
{
	const struct flow *f = rh_client_flow(c);

	return f ? f->c_snd_nxt : 0;
}

/* The client of an answered DNS connection, its query bytes ending before client
 * sequence number seq, acknowledges the answer and its FIN, then closes its half: the
 * relay acknowledges that FIN and its resend, and lets the flow go a tenth of the closing
 * time later. Before, a client's FIN met no flow and was resent until it gave up. */
static void tcp_client_closes(struct rh_peer *c, uint32_t seq)
{
	struct flow *f = rh_client_flow(c);
	uint32_t ours = relay_end(c), flows, flows_before, hellos, hellos_before;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(f->state, FLOW_ANSWERED);
	CU_ASSERT(f->rtx_armed);
	flow_client_counts(rh_w->flows, f, &flows_before, &hellos_before);
	rh_send(c, RTE_TCP_ACK_FLAG, seq, ours, NULL, 0);
	CU_ASSERT_EQUAL(rh_drain(c->port), 0);
	CU_ASSERT_FALSE(f->rtx_armed); /* acknowledged: never resent */
	/* ... nor kept: no longer one of its client's hellos, no buffer held. */
	CU_ASSERT_PTR_NULL(f->stream);
	flow_client_counts(rh_w->flows, f, &flows, &hellos);
	CU_ASSERT_EQUAL(hellos + 1, hellos_before);
	CU_ASSERT_EQUAL(flows, flows_before); /* the client's half is still open */
	rh_send(c, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG, seq, ours, NULL, 0);
	rh_expect_ack(c, seq + 1);
	/* Over both ways: waiting out its TIME-WAIT, no longer one its client holds. */
	flow_client_counts(rh_w->flows, f, &flows, &hellos);
	CU_ASSERT_EQUAL(flows + 1, flows_before);
	rh_send(c, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG, seq, ours, NULL, 0);
	rh_expect_ack(c, seq + 1);
	CU_ASSERT_PTR_EQUAL(rh_client_flow(c), f);
	clock_on(rh_app.conf->relay.closing_timeout_ms / 10 + 1);
	CU_ASSERT_PTR_NULL(rh_client_flow(c));
	CU_ASSERT_EQUAL(rh_drain(c->port), 0);
}

/* Over TCP: the handshake as for any connection, then a query with its 2-byte length;
 * the answer comes back with its length and FIN, and the client closes. */
static void test_tcp_query(void)
{
	struct rte_mbuf *frame = query_frame("api.svc.example", DNS_TYPE_A, 1, 0x01, 1);
	const struct rte_udp_hdr *udp = rte_pktmbuf_mtod_offset(frame, struct rte_udp_hdr *, 34);
	size_t qlen = rte_be_to_cpu_16(udp->dgram_len) - sizeof(*udp);
	uint64_t tcp = rh_event(DP_EV_dns_tcp);
	struct rh_peer c = rh_client(false);
	uint8_t msg[600];
	struct rh_sent a;
	bool got = false;

	msg[0] = 0;
	msg[1] = (uint8_t)qlen;
	memcpy(msg + 2, udp + 1, qlen);
	rte_pktmbuf_free(frame);
	c.our_port = 53;
	CU_ASSERT_PTR_NOT_NULL(rh_client_start(&c, msg, 1)); /* one byte: kept, waiting */
	rh_send(&c, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, c.isn + 2, c.our_isn + 1, msg + 1,
		qlen + 1);
	for (a = rh_next_tcp(&rh_app.ports[0]); a.m; a = rh_next_tcp(&rh_app.ports[0])) {
		if (a.plen > 2) {
			got = true;
			CU_ASSERT(a.checksums_ok);
			CU_ASSERT(a.tcp->tcp_flags & RTE_TCP_FIN_FLAG);
			CU_ASSERT_EQUAL(rte_be_to_cpu_32(a.tcp->sent_seq), c.our_isn + 1);
			CU_ASSERT_EQUAL(rd16(a.payload), a.plen - 2);
			CU_ASSERT_EQUAL(rd16(a.payload + 2), 0xabcd);
			CU_ASSERT_EQUAL(rd16(a.payload + 2 + 6), 1);
			CU_ASSERT_EQUAL(a.payload[a.plen - 4], 10);
		}
		rte_pktmbuf_free(a.m);
	}
	CU_ASSERT(got);
	CU_ASSERT_EQUAL(rh_event(DP_EV_dns_tcp), tcp + 1);
	tcp_client_closes(&c, c.isn + 1 + (uint32_t)qlen + 2);
}

/* DNS over TCP is DNS, as over UDP: never a record of the connection log, answered or
 * not. Before, its record was begun as a connection's: an answered query's never ended
 * (the slot kept an open record), and a malformed one's was logged as a refused
 * connection with no reason. */
static void test_tcp_not_in_connection_log(void)
{
	static const uint8_t bad[] = { 0, 5, 1, 2, 3, 4, 5 }; /* shorter than a DNS header */
	struct rh_peer c = rh_client(false);

	connlog_records();
	c.our_port = 53;
	rh_client_start(&c, bad, sizeof(bad));
	CU_ASSERT_PTR_NULL(rh_client_flow(&c)); /* reset */
	rh_drain(&rh_app.ports[0]);
	CU_ASSERT_EQUAL(connlog_records(), 0);
}

/* The TCP form of a query for name: its 2-byte length, then the message; the bytes. */
static size_t tcp_query(const char *name, uint16_t qtype, uint8_t *out)
{
	struct rte_mbuf *frame = query_frame(name, qtype, 1, 0x01, 1);
	const struct rte_udp_hdr *udp = rte_pktmbuf_mtod_offset(frame, struct rte_udp_hdr *, 34);
	size_t qlen = rte_be_to_cpu_16(udp->dgram_len) - sizeof(*udp);

	out[0] = (uint8_t)(qlen >> 8);
	out[1] = (uint8_t)qlen;
	memcpy(out + 2, udp + 1, qlen);
	rte_pktmbuf_free(frame);
	return qlen + 2;
}

/* Two queries in one connection, as a stub sends A and AAAA in one write: both answered,
 * in order, in one segment with FIN; while the second is not whole, nothing is sent. */
static void test_tcp_two_queries(void)
{
	uint8_t msg[1200];
	size_t l1 = tcp_query("api.svc.example", DNS_TYPE_A, msg);
	size_t l2 = tcp_query("api.svc.example", DNS_TYPE_AAAA, msg + l1);
	uint64_t tcp = rh_event(DP_EV_dns_tcp);
	struct rh_peer c = rh_client(false);
	unsigned int segments = 0;
	struct rh_sent a;

	c.our_port = 53;
	CU_ASSERT_PTR_NOT_NULL_FATAL(rh_client_start(&c, msg, l1 + 3)); /* 1 byte of the 2nd */
	for (a = rh_next_tcp(&rh_app.ports[0]); a.m; a = rh_next_tcp(&rh_app.ports[0])) {
		CU_ASSERT(a.plen == 0); /* ACKs only */
		rte_pktmbuf_free(a.m);
	}
	rh_send(&c, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, c.isn + 1 + (uint32_t)(l1 + 3),
		c.our_isn + 1, msg + l1 + 3, l2 - 3);
	for (a = rh_next_tcp(&rh_app.ports[0]); a.m; a = rh_next_tcp(&rh_app.ports[0])) {
		if (a.plen > 0) {
			size_t first = 2u + rd16(a.payload);

			segments++;
			CU_ASSERT(a.checksums_ok);
			CU_ASSERT(a.tcp->tcp_flags & RTE_TCP_FIN_FLAG);
			CU_ASSERT_FATAL(a.plen > first + 2);
			CU_ASSERT_EQUAL(a.plen, first + 2 + rd16(a.payload + first));
			CU_ASSERT_EQUAL(rd16(a.payload + 2 + 6), 1);          /* an A ... */
			CU_ASSERT_EQUAL(a.payload[first - 4], 10);
			CU_ASSERT_EQUAL(rd16(a.payload + first + 2 + 6), 1);  /* ... then an AAAA */
			CU_ASSERT_EQUAL(memcmp(a.payload + a.plen - 16, rh_edge6, 16), 0);
		}
		rte_pktmbuf_free(a.m);
	}
	CU_ASSERT_EQUAL(segments, 1);
	CU_ASSERT_EQUAL(rh_event(DP_EV_dns_tcp), tcp + 2);
	tcp_client_closes(&c, c.isn + 1 + (uint32_t)(l1 + l2));
}

/* A client connection that asked its query (a name the gateway routes): its answer read
 * off the edge port into answer (its bytes, plen), the client's next sequence number
 * returned. */
static uint32_t tcp_asked(struct rh_peer *c, uint8_t *answer, uint32_t *plen)
{
	uint8_t msg[600];
	size_t len = tcp_query("api.svc.example", DNS_TYPE_A, msg);
	struct rh_sent a;

	*plen = 0;
	*c = rh_client(false);
	c->our_port = 53;
	CU_ASSERT_PTR_NOT_NULL(rh_client_start(c, msg, len));
	for (a = rh_next_tcp(c->port); a.m; a = rh_next_tcp(c->port)) {
		if (a.plen) {
			CU_ASSERT_EQUAL(rte_be_to_cpu_32(a.tcp->sent_seq), c->our_isn + 1);
			memcpy(answer, a.payload, a.plen);
			*plen = a.plen;
		}
		rte_pktmbuf_free(a.m);
	}
	CU_ASSERT(*plen > 2);
	return c->isn + 1 + (uint32_t)len;
}

/* An answer lost on its way is sent again, the same bytes from the same sequence number,
 * doubling the wait each time; a client that never acknowledges it is reset after the
 * fourth resend and its flow let go. */
static void test_tcp_answer_resent(void)
{
	uint8_t answer[600];
	uint32_t plen, wait = 300, resent = (uint32_t)rh_event(DP_EV_dns_tcp_resent);
	uint64_t unacked = rh_drops(DP_DROP_dns_tcp_unacked);
	struct rh_peer c;
	struct rh_sent a;

	tcp_asked(&c, answer, &plen);
	for (unsigned int i = 0; i < 4; i++, wait *= 2) {
		clock_on(wait - 1);
		CU_ASSERT_EQUAL(rh_drain(c.port), 0);
		clock_on(1);
		a = rh_next_tcp(c.port);
		CU_ASSERT_PTR_NOT_NULL_FATAL(a.m);
		rh_check_to(&a, &c);
		CU_ASSERT_EQUAL(a.tcp->tcp_flags,
				RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG | RTE_TCP_FIN_FLAG);
		CU_ASSERT_EQUAL(rte_be_to_cpu_32(a.tcp->sent_seq), c.our_isn + 1);
		CU_ASSERT_EQUAL(a.plen, plen);
		CU_ASSERT_EQUAL(memcmp(a.payload, answer, plen), 0);
		rte_pktmbuf_free(a.m);
	}
	CU_ASSERT_EQUAL(rh_event(DP_EV_dns_tcp_resent), resent + 4);
	clock_on(wait);
	a = rh_next_tcp(c.port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a.m);
	CU_ASSERT(a.tcp->tcp_flags & RTE_TCP_RST_FLAG);
	rte_pktmbuf_free(a.m);
	CU_ASSERT_PTR_NULL(rh_client_flow(&c));
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_dns_tcp_unacked), unacked + 1);
}

/* Bytes after the answer closed the connection (a client that did not see our FIN yet)
 * are not read: the client is reset and asks again on a new connection. A RST from the
 * client at its next byte lets the flow go at once, one elsewhere in the window is
 * challenged. */
static void test_tcp_after_answer(void)
{
	uint8_t answer[600], more[40] = { 0, 20 };
	uint64_t after = rh_drops(DP_DROP_dns_after_answer);
	uint32_t plen, seq;
	struct rh_peer c;
	struct rh_sent a;

	seq = tcp_asked(&c, answer, &plen);
	rh_send(&c, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, seq, c.our_isn + 1, more, 22);
	a = rh_next_tcp(c.port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a.m);
	CU_ASSERT(a.tcp->tcp_flags & RTE_TCP_RST_FLAG);
	rte_pktmbuf_free(a.m);
	CU_ASSERT_PTR_NULL(rh_client_flow(&c));
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_dns_after_answer), after + 1);

	seq = tcp_asked(&c, answer, &plen);
	rh_send(&c, RTE_TCP_RST_FLAG, seq + 10, 0, NULL, 0);
	rh_expect_ack(&c, seq); /* challenged */
	CU_ASSERT_PTR_NOT_NULL(rh_client_flow(&c));
	rh_send(&c, RTE_TCP_RST_FLAG, seq, 0, NULL, 0);
	CU_ASSERT_PTR_NULL(rh_client_flow(&c));
	CU_ASSERT_EQUAL(rh_drain(c.port), 0);
}

/* A response (QR set) sent to port 53 over TCP is not answered either: the connection is
 * reset, as for any message that is no query, and nothing else is sent. */
static void test_tcp_response_not_answered(void)
{
	uint64_t malformed = rh_drops(DP_DROP_dns_malformed);
	uint8_t msg[600];
	size_t len = tcp_query("api.svc.example", DNS_TYPE_A, msg);
	struct rh_peer c = rh_client(false);
	struct rh_sent a;
	unsigned int rst = 0;

	msg[2 + 2] |= 0x80; /* QR */
	c.our_port = 53;
	CU_ASSERT_PTR_NULL(rh_client_start(&c, msg, len)); /* its flow gone at once */
	for (a = rh_next_tcp(c.port); a.m; a = rh_next_tcp(c.port)) {
		CU_ASSERT_EQUAL(a.plen, 0);
		rst += (a.tcp->tcp_flags & RTE_TCP_RST_FLAG) != 0;
		rte_pktmbuf_free(a.m);
	}
	CU_ASSERT_EQUAL(rst, 1);
	CU_ASSERT_PTR_NULL(rh_client_flow(&c));
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_dns_malformed), malformed + 1);
}

/* A client that reuses its port at once (its side closed, ours waiting out its FIN's
 * ACK): a SYN beyond the old connection's bytes is a new connection, answered. */
static void test_tcp_port_reused(void)
{
	uint8_t answer[600];
	uint32_t plen, seq;
	struct rh_peer c;
	struct rh_sent a;

	seq = tcp_asked(&c, answer, &plen);
	rh_send(&c, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG, seq, relay_end(&c), NULL, 0);
	rh_expect_ack(&c, seq + 1);
	CU_ASSERT_PTR_NOT_NULL(rh_client_flow(&c));
	rh_send(&c, RTE_TCP_SYN_FLAG, seq + 100000, 0, NULL, 0);
	a = rh_next_tcp(c.port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a.m);
	CU_ASSERT_EQUAL(a.tcp->tcp_flags, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	CU_ASSERT_EQUAL(rte_be_to_cpu_32(a.tcp->recv_ack), seq + 100001);
	rte_pktmbuf_free(a.m);
	CU_ASSERT_PTR_NULL(rh_client_flow(&c));
}

/* Some forty queries in one segment (a forwarder pipelining), the first for a name of
 * 1 to 48 letters so that the segment's end falls at every place in an answer: as many
 * answers as one segment holds, each whole (before, one that did not fit at the end went
 * cut, with TC, which means nothing over TCP); the rest are asked again on a new
 * connection. */
static void test_tcp_pipelined(void)
{
	for (unsigned int k = 1; k <= 48; k++) {
		uint8_t msg[1500];
		char first[80];
		size_t len;
		unsigned int queries = 1, answers = 0, cut = 0;
		uint64_t tcp = rh_event(DP_EV_dns_tcp);
		struct rh_peer c = rh_client(false);
		struct rh_sent a;

		memset(first, 'x', k);
		snprintf(first + k, sizeof(first) - k, ".svc.example");
		len = tcp_query(first, DNS_TYPE_A, msg);
		while (len + 40 < sizeof(msg) - 100) {
			len += tcp_query("api.svc.example", DNS_TYPE_A, msg + len);
			queries++;
		}
		c.our_port = 53;
		CU_ASSERT_PTR_NOT_NULL_FATAL(rh_client_start(&c, msg, len));
		for (a = rh_next_tcp(c.port); a.m; a = rh_next_tcp(c.port)) {
			for (uint32_t at = 0; a.plen && at + 2 <= a.plen; answers++) {
				uint32_t one = rd16(a.payload + at);

				CU_ASSERT_FATAL(at + 2 + one <= a.plen);
				cut += (a.payload[at + 2 + 2] & 0x02) != 0; /* TC */
				at += 2 + one;
			}
			rte_pktmbuf_free(a.m);
		}
		CU_ASSERT_EQUAL(cut, 0);
		CU_ASSERT(answers > 1 && answers < queries);
		CU_ASSERT_EQUAL(rh_event(DP_EV_dns_tcp), tcp + answers);
		tcp_client_closes(&c, c.isn + 1 + (uint32_t)len);
	}
}

/* A resolver asking over TCP, a connection a query, each closed as soon as answered:
 * more connections within the closing time than client.max_flows allows one client, none
 * refused (those waiting out their TIME-WAIT are over, as a closing splice is). */
static void test_tcp_closed_not_held(void)
{
	uint64_t refused = rh_drops(DP_DROP_client_flow_limit);
	uint8_t msg[600];
	size_t len = tcp_query("api.svc.example", DNS_TYPE_A, msg);

	for (uint32_t i = 0; i < rh_app.conf->relay.client_max_flows + 8; i++) {
		struct rh_peer c = rh_client(false);
		uint32_t ours;

		c.our_port = 53;
		CU_ASSERT_PTR_NOT_NULL_FATAL(rh_client_start(&c, msg, len));
		rh_drain(c.port); /* the answer and FIN */
		ours = relay_end(&c);
		rh_send(&c, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG, c.isn + 1 + (uint32_t)len, ours,
			NULL, 0);
		rh_expect_ack(&c, c.isn + 2 + (uint32_t)len);
	}
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_client_flow_limit), refused);
	/* ... and a full table would take their entries for new connections, as it takes a
	 * closing splice's. */
	{
		struct flow *closed = relay_flow_closed_soonest(rh_w);

		CU_ASSERT_PTR_NOT_NULL_FATAL(closed);
		CU_ASSERT_EQUAL(closed->state, FLOW_ANSWERED);
	}
	clock_on(rh_app.conf->relay.closing_timeout_ms / 10 + 1);
}

/* Pipelined answers on a port whose MTU is below what the client's MSS allows (a tunnel's
 * 1,400 bytes, a client announcing 1,460): each frame fits the port (before, the answers
 * were packed to the MSS alone, and the NIC dropped the frame every time it was sent). */
static void test_tcp_answers_fit_the_mtu(void)
{
	struct dp_port *edge = &rh_app.ports[0];
	uint16_t mtu = edge->caps.mtu;
	struct rh_peer c = rh_client(false);
	unsigned int frames = 0;
	uint8_t msg[1500];
	size_t len = 0;
	struct rh_sent a;

	static const uint8_t mss1460[4] = { 2, 4, 0x05, 0xb4 };

	edge->caps.mtu = 1000;
	while (len + 40 < sizeof(msg) - 100)
		len += tcp_query("api.svc.example", DNS_TYPE_A, msg + len);
	c.our_port = 53;
	rh_drain(c.port);
	rh_send_opts(&c, RTE_TCP_SYN_FLAG, c.isn, 0, mss1460, sizeof(mss1460), NULL, 0);
	a = rh_next_tcp(c.port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a.m);
	c.our_isn = rte_be_to_cpu_32(a.tcp->sent_seq);
	rte_pktmbuf_free(a.m);
	rh_send(&c, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, c.isn + 1, c.our_isn + 1, msg, len);
	for (a = rh_next_tcp(c.port); a.m; a = rh_next_tcp(c.port), frames++) {
		CU_ASSERT(rte_pktmbuf_pkt_len(a.m) - sizeof(struct rte_ether_hdr) <= 1000);
		rte_pktmbuf_free(a.m);
	}
	CU_ASSERT(frames >= 1);
	tcp_client_closes(&c, c.isn + 1 + (uint32_t)len);
	edge->caps.mtu = mtu;
}

/* A plain TCP service's name: its VIP (not the port's address), no AAAA (NODATA). */
static void test_plain_service_vip(void)
{
	uint64_t nodata = rh_event(DP_EV_dns_nodata);
	uint8_t a[1500];
	size_t len;

	fresh_second();
	len = ask("SSH.svc.example", DNS_TYPE_A, 40011, a);
	CU_ASSERT_FATAL(len > 16);
	CU_ASSERT_EQUAL(a[3] & 0x0f, 0);
	CU_ASSERT_EQUAL(rd16(a + 6), 1);
	CU_ASSERT_EQUAL(memcmp(a + len - 4, (const uint8_t[]){ 240, 240, 0, 5 }, 4), 0);
	len = ask("ssh.svc.example", DNS_TYPE_AAAA, 40012, a);
	CU_ASSERT_FATAL(len > 12);
	CU_ASSERT_EQUAL(a[3] & 0x0f, 0);
	CU_ASSERT_EQUAL(rd16(a + 6), 0);
	CU_ASSERT_EQUAL(rh_event(DP_EV_dns_nodata), nodata + 1);
}

int test_relay_dns_register(void)
{
	static const CU_TestInfo tests[] = {
		{ "routed names answered with the port's addresses", test_routed_names },
		{ "unknown names: NXDOMAIN in the zone, REFUSED outside", test_unknown_names },
		{ "a parent of routed names: NODATA, not NXDOMAIN", test_parents_of_routed_names },
		{ "a zone's apex, nested zones; transfers refused", test_apex_and_nested_zones },
		{ "bad queries: nothing, or FORMERR", test_bad_queries },
		{ "outside = host: an answer to port 53 is the host's",
		  test_answer_to_port_53_is_the_hosts },
		{ "the answer carries no ECN mark", test_answer_ecn },
		{ "one client held to its rate", test_rate_limit },
		{ "two clients of one slot held to the rate together", test_rate_shared_slot },
		{ "over IPv6", test_ipv6_query },
		{ "over TCP", test_tcp_query },
		{ "over TCP, no record of the connection log", test_tcp_not_in_connection_log },
		{ "over TCP, two queries at once", test_tcp_two_queries },
		{ "over TCP, a lost answer sent again", test_tcp_answer_resent },
		{ "over TCP, bytes or a RST after the answer", test_tcp_after_answer },
		{ "over TCP, a response is not answered", test_tcp_response_not_answered },
		{ "over TCP, the client's port reused at once", test_tcp_port_reused },
		{ "over TCP, some forty queries at once: whole answers", test_tcp_pipelined },
		{ "tcp: connections closed both ways are not held against client.max_flows",
		  test_tcp_closed_not_held },
		{ "over TCP, answers cut to the port's MTU", test_tcp_answers_fit_the_mtu },
		{ "a plain TCP service's name: its VIP", test_plain_service_vip },
		{ "a pool drained to no weight: the name still answered", test_drained_pool },
		{ "loops refused by source port; other classes refused", test_loops_and_classes },
		{ "under a mangled suffix: NODATA, not NXDOMAIN", test_under_mangled_suffix },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite_with("relay_dns", suite_init, rh_down, tests);
}
