/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "relay_tx": how frames leave, through the appliance of relay_harness.h. Through a
 * port that cannot send chained mbufs (no RTE_ETH_TX_OFFLOAD_MULTI_SEGS), the kept stream
 * (slices chained behind their headers) leaves copied whole into one buffer per segment,
 * never cut short; a frame received into a buffer not its own (indirect, or external as
 * some drivers receive) is forwarded and freed with its owner's reference. */
#include <string.h>

#include <rte_arp.h>

#include "dp_rx_sum.h"
#include "dp_worker.h"
#include "hello_builder.h"
#include "relay.h"
#include "relay_harness.h"
#include "tcp_frame.h"
#include "unit.h"

static struct hello_build hello;

static int suite_init(void)
{
	struct hb_options o;

	hb_options_default(&o);
	o.sni = "proxied.svc.example"; /* behind a PROXY v2 header: a stream of two buffers */
	hb_build(&o, &hello);
	return rh_up("mbufs = 0;", "max_flows = 64;");
}

/* The kept stream, the relay's PROXY header then the client's hello (two buffers), reaches
 * a backend on such a port whole and in order: every segment full (the backend's MSS) but
 * the last, their sequence numbers contiguous. Before, a segment spanning the header's buffer and
 * the hello's left with the header alone: the chain's second part was not copied, the
 * rest followed a hole, and the backend saw the hello only after retransmissions. */
static void test_stream_whole_on_unchained_port(void)
{
	struct dp_port *svc = &rh_app.ports[1];
	bool multi = svc->caps.tx_multi_seg;
	uint64_t copied = rh_event(DP_EV_tx_linearized);
	uint8_t got[4096];
	uint32_t total, off = 0;
	struct rh_peer c = rh_client(false), b;
	struct flow *f;

	svc->caps.tx_multi_seg = false;
	f = rh_client_start(&c, hello.wire, hello.wire_len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_CONNECTING);
	b = rh_backend(f);
	rh_drain(b.port); /* the SYN */
	rh_send(&b, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, b.isn, b.our_isn + 1, NULL, 0);
	total = f->proxy_len + hello.wire_len;
	CU_ASSERT_FATAL(f->proxy_len > 0 && total <= sizeof(got));
	while (off < total) {
		struct rh_sent s = rh_next_tcp(b.port);

		CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
		CU_ASSERT(s.checksums_ok);
		CU_ASSERT_EQUAL(rte_be_to_cpu_32(s.tcp->sent_seq), b.our_isn + 1 + off);
		CU_ASSERT_EQUAL(s.plen, RTE_MIN((uint32_t)f->b.peer_mss, total - off));
		CU_ASSERT_FATAL(s.plen > 0 && off + s.plen <= total);
		memcpy(got + off, s.payload, s.plen);
		off += s.plen;
		rte_pktmbuf_free(s.m);
	}
	CU_ASSERT_EQUAL(memcmp(got, "\r\n\r\n\0\r\nQUIT\n", 12), 0);
	CU_ASSERT_EQUAL(memcmp(got + f->proxy_len, hello.wire, hello.wire_len), 0);
	CU_ASSERT(rh_event(DP_EV_tx_linearized) > copied);
	svc->caps.tx_multi_seg = multi;
	rh_flow_end(f);
}

/* A client segment in an indirect mbuf (a clone holding the only reference to another's
 * buffer) is forwarded, and once sent and freed both mbufs are back in the pool. Before,
 * the transmit path cleared the flag that marks it indirect: freed as if direct, the
 * clone went back to the pool still pointing into the other's buffer, which leaked. */
static void test_indirect_frame_freed_whole(void)
{
	struct rh_peer c = rh_client(false), b;
	struct flow *f = rh_client_start(&c, rh_hello_api, rh_hello_api_len);
	uint8_t data[100];
	struct rte_mbuf *d, *i;
	unsigned int avail;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	rh_backend_accepts(f, &b);
	rh_send(&b, RTE_TCP_ACK_FLAG, b.isn + 1, b.our_isn + 1 + (uint32_t)rh_hello_api_len,
		NULL, 0);
	rh_drain(c.port);
	memset(data, 0x42, sizeof(data));
	avail = rte_mempool_avail_count(rh_app.pool);
	d = rh_frame(&c, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, c.isn + 1 + (uint32_t)rh_hello_api_len,
		     c.our_isn + 1, NULL, 0, data, sizeof(data));
	i = rte_pktmbuf_clone(d, rh_app.pool);
	CU_ASSERT_PTR_NOT_NULL_FATAL(i);
	rte_pktmbuf_free(d); /* the clone holds the buffer now */
	CU_ASSERT(RTE_MBUF_CLONED(i) != 0);
	rh_input(&c, i);
	CU_ASSERT_EQUAL(rh_drain(b.port), 1);
	CU_ASSERT_EQUAL(rte_mempool_avail_count(rh_app.pool), avail);
	rh_flow_end(f);
}

/* A segment whose TCP checksum field holds only the pseudo-header's sum, its data vouched
 * intact by the receiving port (RX_L4_CKSUM_NONE: virtio's guest offload, for a peer on
 * the same hypervisor), with the client's port "verifying" checksums. Its hello is taken
 * and, spliced, its data reaches the backend with a full, right checksum. Before, the hello was dropped as corrupt and spliced data
 * left with the partial sum patched, which the backend discarded. */
static struct rte_mbuf *partial_sum(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
							  sizeof(struct rte_ether_hdr));
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(ip + 1);

	tcp->cksum = rte_ipv4_phdr_cksum(ip, 0);
	m->ol_flags = (m->ol_flags & ~RTE_MBUF_F_RX_L4_CKSUM_MASK) | RTE_MBUF_F_RX_L4_CKSUM_NONE;
	return m;
}

static void test_partial_sum_taken_and_made_whole(void)
{
	struct dp_port *edge = &rh_app.ports[0];
	bool rx_sum = edge->caps.rx_l4_cksum;
	struct rh_peer c = rh_client(false), b;
	uint32_t cseq = c.isn + 1;
	uint8_t data[300];
	struct rh_sent s;
	struct flow *f;

	edge->caps.rx_l4_cksum = true;
	CU_ASSERT_TRUE_FATAL(rh_client_syn(&c));
	rh_input(&c, partial_sum(rh_frame(&c, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, cseq,
					  c.our_isn + 1, NULL, 0, rh_hello_api,
					  rh_hello_api_len)));
	f = rh_client_flow(&c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_CONNECTING);
	rh_backend_accepts(f, &b);
	rh_send(&b, RTE_TCP_ACK_FLAG, b.isn + 1, b.our_isn + 1 + (uint32_t)rh_hello_api_len,
		NULL, 0);
	rh_drain(c.port);
	rh_drain(b.port);
	cseq += (uint32_t)rh_hello_api_len;
	memset(data, 0x5a, sizeof(data));
	rh_input(&c, partial_sum(rh_frame(&c, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, cseq,
					  c.our_isn + 1, NULL, 0, data, sizeof(data))));
	s = rh_next_tcp(b.port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	CU_ASSERT_TRUE(s.checksums_ok);
	CU_ASSERT_EQUAL(s.plen, sizeof(data));
	CU_ASSERT_EQUAL(memcmp(s.payload, data, sizeof(data)), 0);
	rte_pktmbuf_free(s.m);
	rh_flow_end(f);
	/* Such a segment for the host (TCP 22, no listener): made whole on the way there,
	 * where the kernel would drop it as corrupt. Port 0's exception path is pointed at
	 * port 1's ring. */
	{
		uint16_t kernel_port = edge->kernel_port_id;
		struct rte_mbuf *m = rh_frame(&c, RTE_TCP_ACK_FLAG, 1, 1, NULL, 0, data, 100);

		rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, sizeof(struct rte_ether_hdr) +
					sizeof(struct rte_ipv4_hdr))->dst_port = rte_cpu_to_be_16(22);
		rh_drain(&rh_app.ports[1]);
		edge->has_kernel = true;
		edge->kernel_port_id = rh_app.ports[1].port_id;
		rh_w->now_ms += 1000; /* the exception path's bucket full again */
		rh_input(&c, partial_sum(m));
		edge->has_kernel = false;
		edge->kernel_port_id = kernel_port;
		s = rh_next_tcp(&rh_app.ports[1]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
		CU_ASSERT_TRUE(s.checksums_ok);
		CU_ASSERT_EQUAL(s.plen, 100);
		rte_pktmbuf_free(s.m);
	}
	edge->caps.rx_l4_cksum = rx_sum;
}

/* The shortest frames a partial sum comes in: a one-byte UDP datagram over IPv4 (43
 * bytes, shorter than an IPv6 header after Ethernet) and a bare TCP header over IPv6, each
 * made whole, the latter under an 802.1Q tag too. Before, the IPv4 one, and any tagged
 * one, were left with the pseudo-header's sum alone. */
static void test_short_partial_sums_made_whole(void)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(rh_app.pool);
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_ipv6_hdr *ip6;
	struct rte_udp_hdr *udp;
	struct rte_tcp_hdr *tcp;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eth) + sizeof(*ip) +
							  sizeof(*udp) + 1);
	memset(eth, 0, rte_pktmbuf_data_len(m));
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(RH_CLIENT_IP);
	ip->dst_addr = rte_cpu_to_be_32(RH_EDGE_IP);
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + sizeof(*udp) + 1);
	udp = (struct rte_udp_hdr *)(ip + 1);
	udp->src_port = rte_cpu_to_be_16(4500);
	udp->dst_port = rte_cpu_to_be_16(4500);
	udp->dgram_len = rte_cpu_to_be_16(sizeof(*udp) + 1);
	((uint8_t *)(udp + 1))[0] = 0xff;
	udp->dgram_cksum = rte_ipv4_phdr_cksum(ip, 0);
	m->ol_flags = RTE_MBUF_F_RX_L4_CKSUM_NONE;
	CU_ASSERT_EQUAL(rte_pktmbuf_data_len(m), 43);
	dp_rx_sum_whole(m);
	CU_ASSERT_EQUAL(rte_ipv4_udptcp_cksum_verify(ip, udp), 0);
	CU_ASSERT_EQUAL(m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK, RTE_MBUF_F_RX_L4_CKSUM_GOOD);

	rte_pktmbuf_reset(m);
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eth) + sizeof(*ip6) +
							  sizeof(*tcp));
	memset(eth, 0, rte_pktmbuf_data_len(m));
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	ip6 = (struct rte_ipv6_hdr *)(eth + 1);
	ip6->vtc_flow = rte_cpu_to_be_32(0x60000000);
	ip6->payload_len = rte_cpu_to_be_16(sizeof(*tcp));
	ip6->proto = IPPROTO_TCP;
	ip6->hop_limits = 64;
	memcpy(ip6->src_addr, rh_client6, 16);
	memcpy(ip6->dst_addr, rh_edge6, 16);
	tcp = (struct rte_tcp_hdr *)(ip6 + 1);
	tcp->src_port = rte_cpu_to_be_16(22);
	tcp->dst_port = rte_cpu_to_be_16(40000);
	tcp->data_off = 5 << 4;
	tcp->tcp_flags = RTE_TCP_ACK_FLAG;
	tcp->cksum = rte_ipv6_phdr_cksum(ip6, 0);
	m->ol_flags = RTE_MBUF_F_RX_L4_CKSUM_NONE;
	dp_rx_sum_whole(m);
	CU_ASSERT_EQUAL(rte_ipv6_udptcp_cksum_verify(ip6, tcp), 0);
	/* The same under an 802.1Q tag (VLAN 100, one of the host's): made whole too. */
	tcp->cksum = rte_ipv6_phdr_cksum(ip6, 0);
	m->vlan_tci = 100;
	CU_ASSERT_EQUAL_FATAL(rte_vlan_insert(&m), 0);
	m->ol_flags = RTE_MBUF_F_RX_L4_CKSUM_NONE;
	dp_rx_sum_whole(m);
	ip6 = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, sizeof(*eth) + 4);
	CU_ASSERT_EQUAL(rte_ipv6_udptcp_cksum_verify(ip6, ip6 + 1), 0);
	rte_pktmbuf_free(m);
}

/* The host's own segment with a partial sum (a virtio-user exception path with the guest
 * checksum offload: the kernel leaves the sum to the device) leaves the data port whole.
 * Port 1's ring stands for port 0's exception path, its queue read as one. Before, the
 * frame went out as the kernel left it, and every peer dropped it as corrupt. */
static void test_host_partial_sum_made_whole(void)
{
	struct rh_peer c = rh_client(false);
	struct rte_mbuf *m = partial_sum(rh_frame(&c, RTE_TCP_ACK_FLAG, 1, 1, NULL, 0, NULL, 0));
	struct dp_rxq *q = NULL, saved;
	struct rh_sent s;

	for (unsigned int i = 0; i < rh_w->n_rxqs && !q; i++)
		if (rh_w->rxqs[i].dp_port == 1)
			q = &rh_w->rxqs[i];
	CU_ASSERT_PTR_NOT_NULL_FATAL(q);
	saved = *q;
	rh_drain(&rh_app.ports[0]);
	rh_drain(&rh_app.ports[1]);
	CU_ASSERT_EQUAL_FATAL(rte_eth_tx_burst(rh_app.ports[1].port_id, 0, &m, 1), 1);
	q->from_kernel = true;
	q->dp_port = 0;
	dp_worker_poll(rh_w, 32);
	*q = saved;
	s = rh_next_tcp(&rh_app.ports[0]);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	CU_ASSERT_TRUE(s.checksums_ok);
	rte_pktmbuf_free(s.m);
}

/* Payload bytes the relay sent on p (frames freed), each segment at the sequence number
 * the last ended on (from *at); how many. */
static uint32_t stream_sent(const struct dp_port *p, uint32_t *at)
{
	uint32_t bytes = 0;
	struct rh_sent s;

	while ((s = rh_next_tcp(p)).m) {
		if (s.plen) {
			CU_ASSERT_EQUAL(rte_be_to_cpu_32(s.tcp->sent_seq), *at);
			*at += s.plen;
			bytes += s.plen;
		}
		rte_pktmbuf_free(s.m);
	}
	return bytes;
}

/* m (an IPv4 TCP frame) advertising a window of win bytes, its checksum made again. */
static struct rte_mbuf *window_of(struct rte_mbuf *m, uint16_t win)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
							  sizeof(struct rte_ether_hdr));
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(ip + 1);

	tcp->rx_win = rte_cpu_to_be_16(win);
	tcp->cksum = 0;
	tcp->cksum = rte_ipv4_udptcp_cksum(ip, tcp);
	return m;
}

/* The kept bytes (a hello and 4,200 bytes the client sent while the backend was being
 * opened) go to a backend whose SYN-ACK offers 2,048 bytes of window no further than that,
 * the rest as its ACKs open the window. Before, all went at once, and the backend dropped
 * what its window did not hold, each piece then waiting out a retransmission. */
static void test_stream_held_to_backend_window(void)
{
	struct rh_peer c = rh_client(false), b;
	struct flow *f = rh_client_start(&c, rh_hello_api, rh_hello_api_len);
	uint32_t seq = c.isn + 1 + (uint32_t)rh_hello_api_len, total, at, sent;
	uint8_t data[1400];

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_CONNECTING);
	memset(data, 0x33, sizeof(data));
	for (int i = 0; i < 3; i++, seq += sizeof(data))
		rh_send(&c, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, seq, c.our_isn + 1, data,
			sizeof(data));
	total = f->proxy_len + f->stream_len;
	CU_ASSERT_EQUAL_FATAL(total, rh_hello_api_len + 3 * sizeof(data));
	b = rh_backend(f);
	rh_drain(b.port); /* the SYN */
	rh_input(&b, window_of(rh_frame(&b, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, b.isn,
					b.our_isn + 1, NULL, 0, NULL, 0), 2048));
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_SPLICED);
	at = b.our_isn + 1;
	sent = stream_sent(b.port, &at);
	CU_ASSERT(sent > 0 && sent <= 2048);
	/* Acknowledged, the window open as far again: the next 2,048 bytes at most. */
	rh_input(&b, window_of(rh_frame(&b, RTE_TCP_ACK_FLAG, b.isn + 1, at, NULL, 0, NULL, 0),
			       2048));
	sent = stream_sent(b.port, &at);
	CU_ASSERT(sent > 0 && sent <= 2048);
	/* A wide window: all the rest. */
	rh_send(&b, RTE_TCP_ACK_FLAG, b.isn + 1, at, NULL, 0);
	stream_sent(b.port, &at);
	CU_ASSERT_EQUAL(at - (b.our_isn + 1), total);
	rh_flow_end(f);
	rh_drain(c.port);
}

/* The pool's buffers hold one frame of the ports' largest MTU (1500 here), not a jumbo
 * frame whatever the ports: sized for 9198 bytes, every buffer took four times the memory
 * a 1500-byte port needs. */
static void test_pool_sized_for_port_mtu(void)
{
	uint16_t room = rte_pktmbuf_data_room_size(rh_app.pool);

	CU_ASSERT(room >= RTE_PKTMBUF_HEADROOM + RTE_ETHER_MAX_LEN);
	CU_ASSERT(room <= RTE_MBUF_DEFAULT_BUF_SIZE);
}

/* Frames for the host that its queue has no room for are counted as the exception
 * path's (kernel_full), not as a data port's full queue (tx_full): an operator told of
 * tx_full looks at the network. Port 0's exception path is pointed at port 1's ring here,
 * which nobody reads, and frames of a type only the host handles (LLDP) fill it. */
static void test_full_kernel_queue_counted_apart(void)
{
	struct dp_port *edge = &rh_app.ports[0];
	uint64_t kernel_full = rh_drops(DP_DROP_kernel_full), tx_full = rh_drops(DP_DROP_tx_full);
	uint64_t to_kernel = rh_event(DP_EV_to_kernel);
	uint16_t kernel_port = edge->kernel_port_id;
	struct rh_peer c = rh_client(false);
	unsigned int sent = 0;

	rh_drain(&rh_app.ports[1]);
	edge->has_kernel = true;
	edge->kernel_port_id = rh_app.ports[1].port_id;
	while (rh_drops(DP_DROP_kernel_full) == kernel_full && sent++ < 8192) {
		struct rte_mbuf *m = rh_frame(&c, RTE_TCP_ACK_FLAG, 1, 1, NULL, 0, NULL, 0);

		rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type =
			rte_cpu_to_be_16(RTE_ETHER_TYPE_LLDP);
		rh_input(&c, m);
	}
	edge->has_kernel = false;
	edge->kernel_port_id = kernel_port;
	CU_ASSERT(rh_drops(DP_DROP_kernel_full) > kernel_full);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_tx_full), tx_full);
	CU_ASSERT_EQUAL(rh_event(DP_EV_to_kernel) - to_kernel, sent);
	CU_ASSERT(rh_drain(&rh_app.ports[1]) > 0);
	rh_drain(&rh_app.ports[0]);
}

/* n frames for the host (LLDP) from c at the worker's present time, its exception path
 * read as they go: how many it took. */
static uint64_t to_host(const struct rh_peer *c, unsigned int n)
{
	uint64_t before = rh_event(DP_EV_to_kernel);

	for (unsigned int i = 0; i < n; i++) {
		struct rte_mbuf *m = rh_frame(c, RTE_TCP_ACK_FLAG, 1, 1, NULL, 0, NULL, 0);

		rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type =
			rte_cpu_to_be_16(RTE_ETHER_TYPE_LLDP);
		rh_input(c, m);
		if (i % 64 == 63)
			rh_drain(&rh_app.ports[1]);
	}
	rh_drain(&rh_app.ports[1]);
	return rh_event(DP_EV_to_kernel) - before;
}

/* ARP replies to the port's address (answers to the host's own requests) get through
 * while a storm of other frames for the host has emptied the exception path's bucket:
 * a small rate of their own. Before, they were dropped as kernel_rate with the storm,
 * and the host's neighbours went unresolved for as long as it lasted. */
static void test_neighbour_answers_beside_storm(void)
{
	static const struct rte_ether_addr neighbour = { { 0x02, 0, 0, 0, 0, 0x71 } };
	struct dp_port *edge = &rh_app.ports[0];
	uint16_t kernel_port = edge->kernel_port_id;
	struct rh_peer c = rh_client(false);
	unsigned int sent = 0;
	uint64_t limited, before;

	rh_drain(&rh_app.ports[1]);
	edge->has_kernel = true;
	edge->kernel_port_id = rh_app.ports[1].port_id;
	rh_w->now_ms += 2000; /* both buckets full */
	limited = rh_drops(DP_DROP_kernel_rate);
	while (rh_drops(DP_DROP_kernel_rate) == limited && sent++ < 8192)
		to_host(&c, 1);
	CU_ASSERT_EQUAL_FATAL(to_host(&c, 10), 0); /* the storm's bucket empty */
	before = rh_event(DP_EV_to_kernel);
	for (int i = 0; i < 10; i++) {
		struct rte_mbuf *m = tcp_frame_arp_request(rh_app.pool, &neighbour,
							   RH_CLIENT_IP + 1 + i, RH_EDGE_IP);

		rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *,
					sizeof(struct rte_ether_hdr))->arp_opcode =
			rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
		rh_input(&c, m);
	}
	CU_ASSERT_EQUAL(rh_event(DP_EV_to_kernel), before + 10);
	edge->has_kernel = false;
	edge->kernel_port_id = kernel_port;
	rh_drain(&rh_app.ports[0]);
	rh_drain(&rh_app.ports[1]);
}

/* A storm of frames for the host gets exception.rate a second of them through (20,000 by
 * default, from a bucket of a tenth of that), the rest dropped as kernel_rate: each would
 * cost the worker a write to the tap. After a quiet time the bucket holds its size, no
 * more; a rate that is not a whole number a millisecond keeps its fractions. Port 0's
 * exception path is pointed at port 1's ring. */
static void test_kernel_rate(void)
{
	struct dp_port *edge = &rh_app.ports[0];
	/* The configuration is read-only once loaded; the test alone changes its rate. */
	struct mr_port_conf *conf = (struct mr_port_conf *)(uintptr_t)edge->conf;
	uint16_t kernel_port = edge->kernel_port_id;
	struct rh_peer c = rh_client(false);
	uint64_t limited;
	unsigned int sent = 0, took = 0;

	CU_ASSERT_EQUAL(conf->exception.rate, 20000);
	rh_drain(&rh_app.ports[1]);
	edge->has_kernel = true;
	edge->kernel_port_id = rh_app.ports[1].port_id;
	limited = rh_drops(DP_DROP_kernel_rate);
	while (rh_drops(DP_DROP_kernel_rate) == limited && sent++ < 8192)
		to_host(&c, 1);
	CU_ASSERT(sent >= 1 && sent <= 2001); /* what is left of the bucket, full at start */
	limited = rh_drops(DP_DROP_kernel_rate);
	CU_ASSERT_EQUAL(to_host(&c, 100), 0);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_kernel_rate), limited + 100);
	rh_w->now_ms += 10;
	CU_ASSERT_EQUAL(to_host(&c, 300), 200); /* 10 ms at 20 a millisecond */
	rh_w->now_ms += 1000;
	CU_ASSERT_EQUAL(to_host(&c, 3000), 2000); /* a full bucket, no more */
	rh_w->now_ms += 50;
	CU_ASSERT_EQUAL(to_host(&c, 500), 500); /* 1,000 earned, 500 left over ... */
	rh_w->now_ms += 10000;
	CU_ASSERT_EQUAL(to_host(&c, 3000), 2000); /* ... and a quiet time: still the size */
	conf->exception.rate = 1500;
	rh_w->now_ms += 1;
	to_host(&c, 1000); /* spend what was earned at the old rate */
	for (int ms = 0; ms < 10; ms++) {
		rh_w->now_ms += 1;
		took += (unsigned int)to_host(&c, 20);
	}
	CU_ASSERT_EQUAL(took, 15); /* 1.5 a millisecond */
	conf->exception.rate = 20000;
	edge->has_kernel = false;
	edge->kernel_port_id = kernel_port;
	rh_drain(&rh_app.ports[0]);
}

int test_relay_tx_register(void)
{
	static const CU_TestInfo tests[] = {
		{ "the kept stream whole on a port without chains", test_stream_whole_on_unchained_port },
		{ "a frame in another's buffer forwarded and freed whole", test_indirect_frame_freed_whole },
		{ "a full queue to the host counted apart", test_full_kernel_queue_counted_apart },
		{ "frames for the host held to exception.rate", test_kernel_rate },
		{ "neighbour answers for the host beside a storm", test_neighbour_answers_beside_storm },
		{ "buffers sized for the ports' largest MTU", test_pool_sized_for_port_mtu },
		{ "the kept bytes held to the backend's window", test_stream_held_to_backend_window },
		{ "a partial checksum vouched by the port taken, made whole",
		  test_partial_sum_taken_and_made_whole },
		{ "the host's partial sum made whole on its way out", test_host_partial_sum_made_whole },
		{ "the shortest frames' partial sums made whole", test_short_partial_sums_made_whole },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite_with("relay_tx", suite_init, rh_down, tests);
}
