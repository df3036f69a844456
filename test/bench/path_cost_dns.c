/* SPDX-License-Identifier: BSD-3-Clause */
/* bench-path's DNS mode (path_cost.h): bursts of queries to the edge port's address,
 * answered by the worker. */
#include <stdio.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_udp.h>

#include "path_cost.h"
#include "tcp_frame.h"

/* A DNS query for sK.apps.svc.example (A, EDNS0) from a client port, as a frame. */
static struct rte_mbuf *dns_query(unsigned int k)
{
	uint8_t buf[256], *d;
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	char label[16];
	size_t n = 12, l;

	memset(buf, 0, sizeof(buf));
	d = (uint8_t *)(udp + 1);
	eth->dst_addr = pc_app.ports[0].mac;
	eth->src_addr = pc_backend_mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	d[0] = (uint8_t)(k >> 8);
	d[1] = (uint8_t)k;
	d[2] = 0x01;
	d[5] = 1;
	d[11] = 1;
	l = (size_t)snprintf(label, sizeof(label), "s%u", k % 1000);
	d[n++] = (uint8_t)l;
	memcpy(d + n, label, l);
	n += l;
	memcpy(d + n, "\4apps\3svc\7example\0\0\1\0\1", 22); /* the name, type A, class IN */
	n += 22;
	memcpy(d + n, "\0\0\51\4\320\0\0\0\0\0\0", 11); /* OPT: 1232 bytes */
	n += 11;
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(CLIENT_IP + k % 200);
	ip->dst_addr = rte_cpu_to_be_32(EDGE_IP);
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + sizeof(*udp) + n));
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16((uint16_t)(20000 + k % 30000));
	udp->dst_port = rte_cpu_to_be_16(53);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*udp) + n));
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	return tcp_frame_copy(pc_app.pool, buf, sizeof(*eth) + sizeof(*ip) + sizeof(*udp) + n,
			      pc_app.ports[0].port_id);
}

/* The answers waiting on p taken and freed: how many carry one additional record, the
 * OPT that answers a query with EDNS0. */
static unsigned int answers_with_opt(const struct dp_port *p)
{
	const size_t arcount_at = sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) +
				  sizeof(struct rte_udp_hdr) + 10;
	struct rte_mbuf *pkts[BURST];
	unsigned int with_opt = 0;
	uint16_t n;

	while ((n = rte_eth_rx_burst(p->port_id, 0, pkts, BURST)) > 0) {
		for (uint16_t i = 0; i < n; i++) {
			uint8_t ar[2];
			const uint8_t *at = rte_pktmbuf_read(pkts[i], arcount_at, 2, ar);

			with_opt += at && at[0] == 0 && at[1] == 1;
		}
		rte_pktmbuf_free_bulk(pkts, n);
	}
	return with_opt;
}

unsigned int pc_run_dns(struct end *c, unsigned int bursts)
{
	unsigned int with_opt = 0;

	for (unsigned int k = 0; k < bursts; k++) {
		struct rte_mbuf *pkts[BURST];

		for (unsigned int i = 0; i < BURST; i++)
			pkts[i] = dns_query(k * BURST + i);
		path_cost_burst(c, pkts, BURST, c, NULL, 0);
		with_opt += answers_with_opt(c->port);
	}
	return with_opt;
}

