/* SPDX-License-Identifier: BSD-3-Clause */
/* DNS queries from the client side: A queries for the route names sK.SUFFIX to the
 * relay's edge address, port 53, from many client addresses (so that no one of them is
 * held to the relay's per-client rate), paced by the TSC; the answers counted and read
 * (rcode, one A record). */
#include <string.h>

#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "gen.h"

#define DNS_HDR 12u

/* The query for route k in buf; its length. */
static uint32_t query_write(const struct gen *g, uint32_t k, uint16_t id, uint8_t *buf)
{
	char label[16];
	int n = snprintf(label, sizeof(label), "s%u", k);
	uint32_t at = DNS_HDR;
	const char *s = g->o.sni_suffix;

	memset(buf, 0, DNS_HDR);
	buf[0] = (uint8_t)(id >> 8);
	buf[1] = (uint8_t)id;
	buf[2] = 0x01; /* RD, as stub resolvers send it */
	buf[5] = 1;
	buf[at++] = (uint8_t)n;
	memcpy(buf + at, label, (size_t)n);
	at += (uint32_t)n;
	while (*s) {
		const char *dot = strchr(s, '.');
		uint32_t l = dot ? (uint32_t)(dot - s) : (uint32_t)strlen(s);

		buf[at++] = (uint8_t)l;
		memcpy(buf + at, s, l);
		at += l;
		s += l + (dot ? 1 : 0);
	}
	buf[at++] = 0;
	memcpy(buf + at, (const uint8_t[]){ 0, 1, 0, 1 }, 4); /* A, IN */
	return at + 4;
}

/* One query frame from client address number i; NULL when the pool is empty. */
static struct rte_mbuf *query_frame(struct gen *g, uint64_t i)
{
	struct gen_port *p = &g->ports[0];
	struct rte_mbuf *m = rte_pktmbuf_alloc(g->pool);
	uint8_t q[DNS_HDR + 64 + 270];
	uint32_t qlen = query_write(g, (uint32_t)(i % g->o.routes), (uint16_t)i, q);
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;

	if (!m)
		return NULL;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, (uint16_t)(sizeof(*eth) + sizeof(*ip) +
								       sizeof(*udp) + qlen));
	if (!eth) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	eth->dst_addr = p->peer_mac;
	eth->src_addr = p->mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + sizeof(*udp) + qlen));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	/* 4,096 client addresses, each on many source ports. */
	ip->src_addr = rte_cpu_to_be_32(g->o.client_net | (uint32_t)(0x8000 + (i & 0xfff)));
	ip->dst_addr = rte_cpu_to_be_32(g->o.edge_peer);
	udp = (struct rte_udp_hdr *)(ip + 1);
	udp->src_port = rte_cpu_to_be_16((uint16_t)(1024 + (i >> 12) % 60000));
	udp->dst_port = rte_cpu_to_be_16(53);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*udp) + qlen));
	memcpy(udp + 1, q, qlen);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->dgram_cksum = 0;
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	return m;
}

void gen_dns_send(struct gen *g, uint64_t since, uint32_t rate)
{
	uint64_t due = rate ? (g->now - since) * rate / g->hz + 1 : g->st.dns_sent + GEN_BURST;
	struct rte_mbuf *m[GEN_BURST];
	uint16_t n = 0, sent;

	if (g->st.dns_sent >= due)
		return; /* nothing due: the streams' bursts stay whole */
	/* The streams' frames go first: queries take only the room they leave. */
	gen_flush(g, 0);
	if (g->ports[0].congested)
		return;
	while (n < GEN_BURST && g->st.dns_sent + n < due && (m[n] = query_frame(g, g->st.dns_sent + n)))
		n++;
	sent = n ? rte_eth_tx_burst(g->ports[0].id, 0, m, n) : 0;
	rte_pktmbuf_free_bulk(m + sent, n - sent);
	g->st.tx_frames[0] += sent;
	g->st.dns_sent += sent;
}

bool gen_dns_input(struct gen *g, const struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
								 sizeof(struct rte_ether_hdr));
	const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)(ip + 1);
	const uint8_t *a = (const uint8_t *)(udp + 1);
	uint32_t len;

	if (ip->next_proto_id != IPPROTO_UDP || udp->src_port != rte_cpu_to_be_16(53))
		return false;
	len = rte_be_to_cpu_16(udp->dgram_len);
	/* NOERROR with one answer, not truncated: a full answer; anything else is not. */
	if (len >= sizeof(*udp) + DNS_HDR && (a[2] & 0x82) == 0x80 && (a[3] & 0x0f) == 0 &&
	    a[7] == 1)
		g->st.dns_answered++;
	else
		g->st.dns_bad++;
	return true;
}
