/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "relay_sources": the svc port of relay_harness.h with two source addresses
 * (10.1.0.11 and 10.1.0.12) and 1,024 source ports. One backend address and port then
 * takes three times the connections one address could: the relay moves on to the next
 * address when one has no free port, answers ARP for them, takes the backend's segments
 * there, and refuses a mangled name that points at one. Without them, the same backend refuses the
 * connections beyond the one address's ports. */
#include <stdlib.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_ip.h>
#include <rte_ring.h>

#include "dp_worker.h"
#include "inbox.h"
#include "neigh.h"
#include "mr_config.h"
#include "nd.h"
#include "relay_harness.h"
#include "tcp_frame.h"
#include "unit.h"

#define SRC_A 0x0a01000bu /* 10.1.0.11 */
#define SRC_B 0x0a01000cu /* 10.1.0.12 */
#define PORTS 1024u
#define FIRST_PORT 20000u
#define CONNECTIONS 2800u  /* more than two addresses' ports, fewer than three's */

static const char relay_conf[] =
	"max_flows = 4096; source_ports = \"20000-21023\"; kept_mbufs = 4096;"
	" client = { max_flows = 4096; max_hellos = 4096; };";

static int suite_init(void)
{
	return rh_up_svc("mbufs = 16384;", relay_conf,
			 "source_addresses = [ \"10.1.0.11\", \"10.1.0.12\" ];", "", "", "");
}

/* Which of the svc port's three addresses a is (host order); -1 for another. */
static int address_slot(uint32_t a)
{
	return a == RH_SVC_IP ? 0 : a == SRC_A ? 1 : a == SRC_B ? 2 : -1;
}

/* count clients that each send a whole hello for api.svc.example; the backend SYNs the
 * relay sends for them are tallied per source address (used[]) and checked to carry a
 * distinct address and port each. The flows still opening. */
static unsigned int open_connections(unsigned int count, unsigned int used[3])
{
	static uint8_t taken[3][PORTS];
	unsigned int opened = 0, reused = 0;

	memset(taken, 0, sizeof(taken));
	for (unsigned int i = 0; i < count; i++) {
		struct rh_peer c = rh_client(false);
		struct flow *f = rh_client_start(&c, rh_hello_api, rh_hello_api_len);
		struct rh_sent syn = rh_next_tcp(&rh_app.ports[1]);
		uint32_t src, port;
		int slot;

		if (!f || f->state != FLOW_CONNECTING || !syn.m) {
			if (syn.m)
				rte_pktmbuf_free(syn.m);
			continue;
		}
		opened++;
		memcpy(&src, syn.src, 4);
		slot = address_slot(rte_be_to_cpu_32(src));
		port = rte_be_to_cpu_16(syn.tcp->src_port);
		CU_ASSERT_TRUE(syn.checksums_ok);
		CU_ASSERT_EQUAL(syn.tcp->tcp_flags, RTE_TCP_SYN_FLAG);
		CU_ASSERT_TRUE_FATAL(slot >= 0 && port >= FIRST_PORT && port < FIRST_PORT + PORTS);
		CU_ASSERT_EQUAL(f->b.key.local_ip, src);
		reused += taken[slot][port - FIRST_PORT]++ != 0;
		used[slot]++;
		rte_pktmbuf_free(syn.m);
	}
	CU_ASSERT_EQUAL(reused, 0);
	return opened;
}

static void test_beyond_one_address(void)
{
	unsigned int used[3] = { 0 };
	uint64_t refused = rh_drops(DP_DROP_backend_unreachable);

	CU_ASSERT_EQUAL(open_connections(CONNECTIONS, used), CONNECTIONS);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_backend_unreachable), refused);
	CU_ASSERT_EQUAL(rh_event(DP_EV_source_addr_full), 0);
	/* Each connection starts at the next address: all three fill alike. */
	for (int k = 0; k < 3; k++)
		CU_ASSERT_TRUE(used[k] > CONNECTIONS / 3 - 100 && used[k] <= PORTS);
}

/* The backend answers one of the connections at a source address: the flow is spliced,
 * and the backend's bytes reach the client. */
static void test_backend_at_source_address(void)
{
	struct rh_peer c = rh_client(false), b;
	static const uint8_t answer[] = "from the backend";
	struct flow *f;
	struct rh_sent got;
	unsigned int tries = 0;

	/* Clients until one is given a source address (the rotation makes it the next or
	 * the one after). */
	for (f = rh_client_start(&c, rh_hello_api, rh_hello_api_len);
	     f && f->b.key.local_ip == rte_cpu_to_be_32(RH_SVC_IP) && tries < 3; tries++) {
		c = rh_client(false);
		f = rh_client_start(&c, rh_hello_api, rh_hello_api_len);
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_NOT_EQUAL_FATAL(address_slot(rte_be_to_cpu_32(f->b.key.local_ip)), 0);
	rh_backend_accepts(f, &b);
	CU_ASSERT_EQUAL(f->state, FLOW_SPLICED);
	rh_drain(c.port);
	rh_send(&b, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, b.isn + 1,
		b.our_isn + 1 + (uint32_t)rh_hello_api_len, answer, sizeof(answer));
	got = rh_next_tcp(c.port);
	rh_check_to(&got, &c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got.m);
	CU_ASSERT_EQUAL(got.plen, sizeof(answer));
	CU_ASSERT_EQUAL(memcmp(got.payload, answer, sizeof(answer)), 0);
	rte_pktmbuf_free(got.m);
}

/* ARP for a source address is answered from the svc port; for a neighbour of it that is
 * no address of ours it is not. */
static void test_arp_for_source_addresses(void)
{
	CU_ASSERT_TRUE(rh_arp_answered(&rh_app.ports[1], RH_BACKEND_IP, SRC_A));
	CU_ASSERT_TRUE(rh_arp_answered(&rh_app.ports[1], RH_BACKEND_IP, SRC_B));
	CU_ASSERT_FALSE(rh_arp_answered(&rh_app.ports[1], RH_BACKEND_IP, 0x0a01000du));
	/* The edge port has none of them. */
	CU_ASSERT_FALSE(rh_arp_answered(&rh_app.ports[0], RH_CLIENT_IP, SRC_A));
}

/* The announcements of ip that a claim of it from another host brings on p. */
static unsigned int answer_to_claim(const struct dp_port *p, uint32_t ip)
{
	static const struct rte_ether_addr other = { { 0x02, 0, 0, 0, 0, 0x67 } };

	rh_drain(p);
	rh_input(&(struct rh_peer){ .port = p },
		 tcp_frame_arp_request(rh_app.pool, &other, ip, ip));
	return rh_announcements(p, ip);
}

/* Another host claims a source address: counted and announced back, as a claim of the
 * port's own address is, each address within its own ten seconds. Before, only the port's
 * own address was defended: the claim was dropped unseen, and the backends' answers for
 * that address went to the other host. */
static void test_arp_claim_of_source_address_defended(void)
{
	const struct dp_port *p = &rh_app.ports[1];
	uint64_t claims = rh_drops(DP_DROP_arp_claims_ours);

	CU_ASSERT_EQUAL(answer_to_claim(p, SRC_B), 1);
	CU_ASSERT_EQUAL(answer_to_claim(p, SRC_A), 1); /* another address: its own limit */
	CU_ASSERT_EQUAL(answer_to_claim(p, SRC_B), 0); /* within its ten seconds */
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_arp_claims_ours), claims + 3);
}

/* A mangled name for a source address (inside the allow-list) is refused at once, as one
 * for the port's own address is: the relay would only connect to itself. */
static void test_mangled_source_address(void)
{
	rh_check_own_destination_refused("_443._10-1-0-12._n.mesh.internal");
}

/* The same backend with the port's own address alone: the connections beyond its ports
 * are refused, each counted. (Last: it brings the appliance up again without them.) */
static void test_one_address_runs_out(void)
{
	unsigned int used[3] = { 0 }, opened;

	rh_down();
	CU_ASSERT_EQUAL_FATAL(rh_up_svc("mbufs = 16384;", relay_conf, "", "", "", ""), 0);
	opened = open_connections(PORTS + 100, used);
	CU_ASSERT_EQUAL(opened, PORTS);
	CU_ASSERT_EQUAL(used[0], PORTS);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_backend_unreachable), 100);
	/* Each refusal says why: the one address had no free port left. */
	CU_ASSERT_EQUAL(rh_event(DP_EV_source_addr_full), 100);
}

/* A pool member's TCP checks come from the port's addresses in turn, as its connections
 * do, so that a member is still checked while one address has no free port towards it.
 * (Brings the appliance up again with a checked pool on 10.1.0.2:8080.) */
static void test_checks_from_source_addresses(void)
{
	static const char checked[] =
		", { name = \"checked\"; members = ( { address = \"10.1.0.2\"; port = 8080; } );\n"
		"    health = { check = \"tcp\"; interval_ms = 100; timeout_ms = 50; }; } ";
	unsigned int member_from[3] = { 0 };

	rh_down();
	CU_ASSERT_EQUAL_FATAL(rh_up_svc("mbufs = 0;", relay_conf,
					"source_addresses = [ \"10.1.0.11\", \"10.1.0.12\" ];",
					checked, "", ""), 0);
	for (uint32_t t = 0; t < 1200; t += 10) {
		struct rh_sent s;

		rh_w->now_ms += 10;
		dp_worker_housekeeping(rh_w);
		while ((s = rh_next_tcp(&rh_app.ports[1])).m) {
			uint32_t src;
			int slot;

			memcpy(&src, s.src, 4);
			slot = address_slot(rte_be_to_cpu_32(src));
			if (slot >= 0 && s.tcp->tcp_flags == RTE_TCP_SYN_FLAG &&
			    rte_be_to_cpu_16(s.tcp->dst_port) == 8080)
				member_from[slot]++;
			rte_pktmbuf_free(s.m);
		}
	}
	CU_ASSERT_TRUE(member_from[0] > 0 && member_from[1] > 0 && member_from[2] > 0);
}

/* The port's own address alone, its 1,024 source ports each held by a closed flow (the
 * client reset it; the closing time ten minutes): a new connection to the same backend
 * takes a closed flow's port, which ends, rather than be refused. Before, closed flows
 * held their ports for the whole closing time, capping new connections to one backend at
 * the ports over it. (Brings the appliance up again so.) */
static void test_closed_flows_ports_reused(void)
{
	uint64_t full, reused;
	unsigned int closed = 0;
	struct rh_peer c;
	struct flow *f;

	rh_down();
	CU_ASSERT_EQUAL_FATAL(rh_up_svc("mbufs = 16384;", "max_flows = 4096;"
					" source_ports = \"20000-21023\"; kept_mbufs = 4096;"
					" closing_timeout_ms = 600000;"
					" client = { max_flows = 4096; max_hellos = 4096; };",
					"", "", "", ""), 0);
	for (unsigned int i = 0; i < PORTS; i++) {
		struct rh_peer b;

		c = rh_client(false);
		f = rh_client_start(&c, rh_hello_api, rh_hello_api_len);
		if (!f || f->state != FLOW_CONNECTING)
			continue;
		rh_backend_accepts(f, &b);
		rh_send(&c, RTE_TCP_RST_FLAG, c.isn + 1 + (uint32_t)rh_hello_api_len, 0, NULL, 0);
		closed += f->state == FLOW_CLOSING;
		rh_drain(&rh_app.ports[0]);
		rh_drain(&rh_app.ports[1]);
	}
	CU_ASSERT_EQUAL_FATAL(closed, PORTS);
	full = rh_event(DP_EV_source_addr_full);
	reused = rh_event(DP_EV_closing_port_reused);
	c = rh_client(false);
	f = rh_client_start(&c, rh_hello_api, rh_hello_api_len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(f->state, FLOW_CONNECTING);
	CU_ASSERT_EQUAL(rh_event(DP_EV_source_addr_full), full);
	CU_ASSERT_EQUAL(rh_event(DP_EV_closing_port_reused), reused + 1);
	rh_drain(&rh_app.ports[1]);
}

/* An ICMP message (body: its type, code and what follows, len bytes) from the backend's
 * side to address dst (host order): a TCP frame of the same length made over. */
static void send_icmp(uint32_t dst, const uint8_t *body, uint16_t len)
{
	static const uint8_t pad[64];
	struct rh_peer b = { .ip = RH_BACKEND_IP, .our_ip = dst, .port = &rh_app.ports[1],
			     .port_num = 1, .our_port = 2 };
	struct rte_mbuf *m = rh_frame(&b, RTE_TCP_ACK_FLAG, 1, 1, NULL, 0, pad,
				      (uint16_t)(len - sizeof(struct rte_tcp_hdr)));
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
							   sizeof(struct rte_ether_hdr));
	uint8_t *icmp = (uint8_t *)(ip + 1);
	uint16_t ck;

	memcpy(icmp, body, len);
	icmp[2] = icmp[3] = 0;
	ck = (uint16_t)~rte_raw_cksum(icmp, len);
	memcpy(icmp + 2, &ck, 2);
	ip->next_proto_id = IPPROTO_ICMP;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	rh_input(&b, m);
}

/* An ICMP timestamp request (type 13) to dst. */
static void send_icmp_timestamp(uint32_t dst)
{
	uint8_t body[20] = { 13 };

	send_icmp(dst, body, sizeof(body));
}

/* A "fragmentation needed" (MTU 1280) to dst quoting a TCP segment of dst's to a peer
 * nobody connected to: no flow of the relay's. */
static void send_frag_needed(uint32_t dst)
{
	uint8_t body[8 + 28] = { 3, 4, [6] = 1280 >> 8, [7] = 1280 & 0xff };
	struct rte_ipv4_hdr *q = (struct rte_ipv4_hdr *)(body + 8);

	q->version_ihl = 0x45;
	q->total_length = rte_cpu_to_be_16(1300);
	q->time_to_live = 64;
	q->next_proto_id = IPPROTO_TCP;
	q->src_addr = rte_cpu_to_be_32(dst);
	q->dst_addr = rte_cpu_to_be_32(RH_BACKEND_IP);
	q->hdr_checksum = rte_ipv4_cksum(q);
	body[28] = 0xc3; /* source port 50000 */
	body[29] = 0x50;
	body[31] = 9;    /* to port 9 */
	send_icmp(dst, body, sizeof(body));
}

/* ICMP other than echo to a source address is nobody's: dropped, not handed to the host,
 * which holds only the port's own address (with forwarding on it sent the message back
 * out to its gateway, which returned it, until its TTL ran out). To the port's own
 * address it still goes to the host. */
static void test_icmp_to_source_address_dropped(void)
{
	uint64_t not_ours, to_host;

	/* With the source addresses: the cases before brought the appliance up without
	 * them, where every frame to SRC_A is dropped as to no address of ours at all. */
	rh_down();
	CU_ASSERT_EQUAL_FATAL(rh_up_svc("mbufs = 16384;", relay_conf,
					"source_addresses = [ \"10.1.0.11\", \"10.1.0.12\" ];", "", "",
					""), 0);
	CU_ASSERT_TRUE_FATAL(dp_port_source_addr(&rh_app.ports[1], SRC_A));
	not_ours = rh_drops(DP_DROP_ipv4_not_for_us);
	to_host = rh_drops(DP_DROP_no_exception_path); /* the ring port has no host */

	send_icmp_timestamp(SRC_A);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_ipv4_not_for_us), not_ours + 1);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_no_exception_path), to_host);
	send_icmp_timestamp(RH_SVC_IP);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_ipv4_not_for_us), not_ours + 1);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_no_exception_path), to_host + 1);
	/* A too-big error about no connection of the relay's: the same (a late one, after a
	 * flow's end, is an everyday one). */
	send_frag_needed(SRC_A);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_ipv4_not_for_us), not_ours + 2);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_no_exception_path), to_host + 1);
	send_frag_needed(RH_SVC_IP);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_ipv4_not_for_us), not_ours + 2);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_no_exception_path), to_host + 2);
}

/* An ARP frame from sip at mac to our address tip on the svc port: a request, or made
 * over into a reply. */
static void send_arp(bool reply, const struct rte_ether_addr *mac, uint32_t sip, uint32_t tip)
{
	const struct dp_port *p = &rh_app.ports[1];
	struct rte_mbuf *m = tcp_frame_arp_request(rh_app.pool, mac, sip, tip);
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *a;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	a = (struct rte_arp_hdr *)(eth + 1);
	if (reply) {
		eth->dst_addr = p->mac;
		a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
		a->arp_data.arp_tha = p->mac;
	}
	rh_input(&(struct rh_peer){ .port = p }, m);
	rh_drain(p);
}

/* What ARP to us may teach the neighbour cache: a request for our address creates its
 * sender's entry (it is about to talk to us); a reply nobody asked for creates none (as
 * Linux without arp_accept), so whoever claims an address first, unasked, does not hold
 * it against the real host; our own MAC is never taken for another host's. */
static void test_arp_unasked_reply_creates_nothing(void)
{
	static const struct rte_ether_addr other = { { 0x02, 0, 0, 0, 0x0e, 0x01 } };
	unsigned int before = neigh_count(rh_w->neigh);

	send_arp(true, &other, 0x0a010063, RH_SVC_IP); /* 10.1.0.99, unasked */
	CU_ASSERT_EQUAL(neigh_count(rh_w->neigh), before);
	send_arp(false, &rh_app.ports[1].mac, 0x0a010061, RH_SVC_IP); /* our MAC as its */
	CU_ASSERT_EQUAL(neigh_count(rh_w->neigh), before);
	send_arp(false, &other, 0x0a010062, RH_SVC_IP); /* 10.1.0.98 asks for us */
	CU_ASSERT_EQUAL(neigh_count(rh_w->neigh), before + 1);
}

/* Frames the other worker's inbox got since the last call (and freed). */
static unsigned int copies_to(struct dp_worker *other)
{
	struct rte_mbuf *m;
	unsigned int n = 0;

	while (rte_ring_dequeue(other->inbox[rh_w->index], (void **)&m) == 0) {
		rte_pktmbuf_free(m);
		n++;
	}
	return n;
}

/* The appliance's one worker gets a second beside it, stood up by hand for its inbox. */
static struct dp_worker *second_worker_up(void)
{
	struct dp_worker *other = calloc(1, sizeof(*other));

	CU_ASSERT_PTR_NOT_NULL_FATAL(other);
	other->app = &rh_app;
	other->index = 1;
	other->lcore_id = rh_w->lcore_id;
	rh_app.workers[1] = other;
	rh_app.n_workers = 2;
	CU_ASSERT_EQUAL_FATAL(inbox_init(&rh_app), 0);
	return other;
}

static void second_worker_down(struct dp_worker *other)
{
	inbox_free(rh_w);
	inbox_free(other);
	rh_app.n_workers = 1;
	rh_app.workers[1] = NULL;
	free(other);
}

/* With two workers, ARP is copied to the other one only when it may teach it something:
 * a reply to us (it may answer the other's own request), a request for our address or a
 * sender's claim of its own address (gratuitous) unless this worker holds the sender at
 * that MAC already (before, a sender asking a hundred times made a hundred copies). A claim this worker cannot place
 * is copied: the other may hold the address (a member only it connects to) at the MAC
 * the claim moves it from, a failover it must check (before, such a claim was copied
 * only when the receiving worker knew the address). Not ARP between other hosts, an
 * off-link sender or our own MAC: a flood of those would fill the rings that hand
 * segments between workers. */
static void test_arp_copied_only_when_it_teaches(void)
{
	static const struct rte_ether_addr mac = { { 0x02, 0, 0, 0, 0x0c, 0x01 } };
	static const struct rte_ether_addr moved = { { 0x02, 0, 0, 0, 0x0c, 0x02 } };
	struct dp_worker *other = second_worker_up();

	send_arp(false, &mac, 0x0a010050, RH_SVC_IP); /* 10.1.0.80 asks for us */
	CU_ASSERT_EQUAL(copies_to(other), 1);
	for (int i = 0; i < 100; i++) /* ... again and again: the other learned it already */
		send_arp(false, &mac, 0x0a010050, RH_SVC_IP);
	CU_ASSERT_EQUAL(copies_to(other), 0);
	/* Its reply to us: copied all the same (it may answer the other's own request). */
	send_arp(true, &mac, 0x0a010050, RH_SVC_IP);
	CU_ASSERT_EQUAL(copies_to(other), 1);
	send_arp(false, &mac, 0x0a010051, 0x0a010051); /* 10.1.0.81, unknown here, claims itself */
	CU_ASSERT_EQUAL(copies_to(other), 1);
	send_arp(false, &mac, 0x0a010050, 0x0a010050); /* 10.1.0.80, held here at that MAC */
	CU_ASSERT_EQUAL(copies_to(other), 0);
	send_arp(false, &moved, 0x0a010050, 0x0a010050); /* ... and now at another */
	CU_ASSERT_EQUAL(copies_to(other), 1);
	send_arp(false, &mac, 0x0a010052, 0x0a010060); /* between two other hosts */
	CU_ASSERT_EQUAL(copies_to(other), 0);
	send_arp(false, &mac, 0x0a050001, RH_SVC_IP); /* 10.5.0.1: not on the link */
	CU_ASSERT_EQUAL(copies_to(other), 0);
	send_arp(false, &rh_app.ports[1].mac, 0x0a010053, RH_SVC_IP); /* our MAC as its */
	CU_ASSERT_EQUAL(copies_to(other), 0);
	second_worker_down(other);
}

/* One neighbour discovery frame of len bytes into the backend port, answers drained. */
static void send_nd(const uint8_t *frame, size_t len)
{
	const struct dp_port *p = &rh_app.ports[1];
	struct rte_mbuf *m = tcp_frame_copy(rh_app.pool, frame, len, p->port_id);

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	rh_input(&(struct rh_peer){ .port = p }, m);
	rh_drain(p);
}

/* Neighbour discovery is copied as ARP is (above): a solicitation for our address or an
 * advertisement to all nodes from a neighbour this worker holds at that MAC is not (before,
 * every one was: a neighbour soliciting a hundred times made a hundred copies); an
 * advertisement to our address always is, and a move to another MAC is. */
static void test_nd_copied_only_when_it_teaches(void)
{
	static const struct rte_ether_addr mac = { { 0x02, 0, 0, 0, 0x0c, 0x11 } };
	static const struct rte_ether_addr moved = { { 0x02, 0, 0, 0, 0x0c, 0x12 } };
	static const uint8_t unspecified[16];
	struct dp_worker *other = second_worker_up();
	uint8_t frame[ND_FRAME_MAX], nb[16], nb2[16];
	const struct rte_ether_addr *ours = &rh_app.ports[1].mac;

	memcpy(nb, rh_backend6, 16);
	nb[15] = 0x50; /* a neighbour on the backend link */
	memcpy(nb2, rh_backend6, 16);
	nb2[15] = 0x51;
	send_nd(frame, nd_build_ns(frame, &mac, nb, rh_svc6)); /* it asks for us */
	CU_ASSERT_EQUAL(copies_to(other), 1);
	for (int i = 0; i < 100; i++) /* ... again and again: the other learned it already */
		send_nd(frame, nd_build_ns(frame, &mac, nb, rh_svc6));
	CU_ASSERT_EQUAL(copies_to(other), 0);
	/* Its advertisement to us: copied all the same (it may answer the other's request). */
	send_nd(frame, nd_build_na(frame, &mac, nb, ours, rh_svc6, nb, true));
	CU_ASSERT_EQUAL(copies_to(other), 1);
	/* To all nodes: held here at that MAC, not copied; at another, copied; unknown here,
	 * copied (the other may hold it). */
	send_nd(frame, nd_build_na(frame, &mac, nb, NULL, unspecified, nb, false));
	CU_ASSERT_EQUAL(copies_to(other), 0);
	send_nd(frame, nd_build_na(frame, &moved, nb, NULL, unspecified, nb, false));
	CU_ASSERT_EQUAL(copies_to(other), 1);
	send_nd(frame, nd_build_na(frame, &mac, nb2, NULL, unspecified, nb2, false));
	CU_ASSERT_EQUAL(copies_to(other), 1);
	second_worker_down(other);
}

/* Several takes' worth handed over between two polls (the other worker read several
 * bursts, most of them this one's flows): one poll reads them all, not one take of 64
 * while the rest wait and the ring fills (dispatch_full). */
static void test_inbox_drained_in_one_poll(void)
{
	struct dp_worker *other = second_worker_up();
	uint64_t no_flow = rh_drops(DP_DROP_tcp_no_flow);
	struct rh_peer c = rh_client(false);
	unsigned int queued = 0;

	for (unsigned int i = 0; i < 200; i++) {
		struct rte_mbuf *m = rh_frame(&c, RTE_TCP_ACK_FLAG, 1000 + i, 1, NULL, 0, NULL, 0);

		queued += rte_ring_sp_enqueue(rh_w->inbox[1], m) == 0;
	}
	CU_ASSERT_EQUAL_FATAL(queued, 200);
	CU_ASSERT_EQUAL(dp_worker_drain_inbox(rh_w), 200);
	CU_ASSERT_EQUAL(rte_ring_count(rh_w->inbox[1]), 0);
	/* Each seen by the relay: no flow here, or one the other worker owns (handed back). */
	inbox_flush(rh_w);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_tcp_no_flow) - no_flow + rte_ring_count(other->inbox[0]),
			200);
	second_worker_down(other);
}

/* The host's ephemeral ports keep 1024 at least beside every range the configuration
 * takes (test_config.c's edges): before, a range ending at 64511 moved them below, where
 * a range starting at 1024 left none (the kernel refused "1024 1023", and its own range
 * stayed inside the relay's). */
static void test_kernel_ports_beside(void)
{
	static const uint16_t ranges[][2] = { { 1024, 64511 }, { 2048, 65535 }, { 10000, 59999 },
					      { 20000, 21023 }, { 1024, 2047 } };
	unsigned int lo, hi;

	for (size_t i = 0; i < RTE_DIM(ranges); i++) {
		mr_config_host_ports(ranges[i][0], ranges[i][1], &lo, &hi);
		CU_ASSERT(lo <= hi && hi - lo + 1 >= 1024);
		CU_ASSERT(hi < ranges[i][0] || lo > ranges[i][1]);
		CU_ASSERT(lo >= 1024 && hi <= 65535);
	}
}

int test_relay_sources_register(void)
{
	static CU_TestInfo tests[] = {
		{ "one backend beyond one address's source ports", test_beyond_one_address },
		{ "the host's ephemeral ports beside the relay's", test_kernel_ports_beside },
		{ "the backend answers at a source address", test_backend_at_source_address },
		{ "ARP for the source addresses", test_arp_for_source_addresses },
		{ "a claim of a source address defended", test_arp_claim_of_source_address_defended },
		{ "a mangled name for a source address refused", test_mangled_source_address },
		{ "one address alone runs out of ports", test_one_address_runs_out },
		{ "pool checks from the source addresses", test_checks_from_source_addresses },
		{ "closed flows' source ports taken when none is free",
		  test_closed_flows_ports_reused },
		{ "ARP: an unasked reply creates no entry, nor our own MAC",
		  test_arp_unasked_reply_creates_nothing },
		{ "ARP copied to the other worker only when it teaches",
		  test_arp_copied_only_when_it_teaches },
		{ "ND copied to the other worker only when it teaches",
		  test_nd_copied_only_when_it_teaches },
		{ "several takes handed over: read in one poll", test_inbox_drained_in_one_poll },
		{ "ICMP other than echo to a source address dropped",
		  test_icmp_to_source_address_dropped },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite_with("relay_sources", suite_init, rh_down, tests);
}
