/* SPDX-License-Identifier: BSD-3-Clause */
#include "icmp_error.h"

#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <netinet/in.h>

#define ICMP4_UNREACHABLE 3
#define ICMP4_FRAG_NEEDED 4
#define ICMP6_TOO_BIG 2
#define ICMP_ERROR_HDR 8 /* type, code, checksum and the 4 bytes holding the MTU */

/* RFC 792: an error quotes the packet's IP header and its first 8 data bytes, enough for
 * TCP's ports and sequence number. */
#define QUOTED_TCP_MIN 8

static uint16_t be16_at(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static uint32_t be32_at(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* Ports and sequence number of the quoted TCP header at tcp. */
static void read_tcp(const uint8_t *tcp, struct icmp_too_big *out)
{
	memcpy(&out->src_port, tcp, 2);
	memcpy(&out->dst_port, tcp + 2, 2);
	out->seq = be32_at(tcp + 4);
}

bool icmp_too_big_parse4(const uint8_t *icmp, uint32_t len, struct icmp_too_big *out)
{
	const uint8_t *ip = icmp + ICMP_ERROR_HDR;
	uint32_t ihl;

	if (len < ICMP_ERROR_HDR + 20 || icmp[0] != ICMP4_UNREACHABLE ||
	    icmp[1] != ICMP4_FRAG_NEEDED)
		return false;
	ihl = (uint32_t)(ip[0] & 0xf) * 4;
	/* The quoted header's own lengths are not trusted: a segment the NIC was to cut up
	 * (TSO) is quoted with the length of the whole. Only what the quote holds is read. */
	if ((ip[0] >> 4) != 4 || ihl < 20 || len < ICMP_ERROR_HDR + ihl + QUOTED_TCP_MIN ||
	    ip[9] != IPPROTO_TCP || (be16_at(ip + 6) & 0x1fff) != 0)
		return false;
	memset(out, 0, sizeof(*out));
	out->mtu = be16_at(icmp + 6); /* RFC 1191: the low 16 bits of the unused word */
	out->len = be16_at(ip + 2);
	memcpy(out->src, ip + 12, 4);
	memcpy(out->dst, ip + 16, 4);
	read_tcp(ip + ihl, out);
	return true;
}

bool icmp_too_big_parse6(const uint8_t *icmp, uint32_t len, struct icmp_too_big *out)
{
	const uint8_t *ip6 = icmp + ICMP_ERROR_HDR;

	if (len < ICMP_ERROR_HDR + 40 + QUOTED_TCP_MIN || icmp[0] != ICMP6_TOO_BIG || icmp[1] != 0 ||
	    (ip6[0] >> 4) != 6 || ip6[6] != IPPROTO_TCP)
		return false;
	memset(out, 0, sizeof(*out));
	out->v6 = true;
	out->mtu = be32_at(icmp + 4);
	out->len = 40u + be16_at(ip6 + 4);
	memcpy(out->src, ip6 + 8, 16);
	memcpy(out->dst, ip6 + 24, 16);
	read_tcp(ip6 + 40, out);
	return true;
}

static void put16(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void put32(uint8_t *b, uint32_t v)
{
	put16(b, v >> 16);
	put16(b + 2, v);
}

/* The quoted TCP header at tcp: e's ports and sequence number, a data offset of 5. */
static void write_tcp(uint8_t *tcp, const struct icmp_too_big *e)
{
	memset(tcp, 0, 20);
	memcpy(tcp, &e->src_port, 2);
	memcpy(tcp + 2, &e->dst_port, 2);
	put32(tcp + 4, e->seq);
	tcp[12] = 5 << 4;
	tcp[13] = 0x10; /* ACK: a segment of an established connection */
}

uint32_t icmp_too_big_build(uint8_t *buf, const struct icmp_too_big *e)
{
	uint32_t ip_len = e->v6 ? 40u : 20u, len = ip_len + ICMP_ERROR_HDR + ip_len + 20;
	uint8_t *icmp = buf + ip_len, *quote = icmp + ICMP_ERROR_HDR;

	memset(buf, 0, len);
	icmp[0] = e->v6 ? ICMP6_TOO_BIG : ICMP4_UNREACHABLE;
	icmp[1] = e->v6 ? 0 : ICMP4_FRAG_NEEDED;
	if (e->v6) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)buf;

		put32(buf, 6u << 28);
		put16(buf + 4, len - 40);
		buf[6] = IPPROTO_ICMPV6;
		buf[7] = 64;
		memcpy(buf + 8, e->dst, 16);
		memcpy(buf + 24, e->src, 16);
		put32(icmp + 4, e->mtu);
		put32(quote, 6u << 28);
		put16(quote + 4, e->len > 40 ? e->len - 40 : 0);
		quote[6] = IPPROTO_TCP;
		quote[7] = 64;
		memcpy(quote + 8, e->src, 16);
		memcpy(quote + 24, e->dst, 16);
		write_tcp(quote + 40, e);
		icmp[2] = icmp[3] = 0;
		memcpy(icmp + 2, &(rte_be16_t){ rte_ipv6_udptcp_cksum(ip6, icmp) }, 2);
		return len;
	}
	buf[0] = quote[0] = 0x45;
	put16(buf + 2, len);
	buf[6] = quote[6] = 0x40; /* DF, as the segment had it */
	buf[8] = quote[8] = 64;
	buf[9] = IPPROTO_ICMP;
	memcpy(buf + 12, e->dst, 4);
	memcpy(buf + 16, e->src, 4);
	put16(icmp + 6, e->mtu);
	put16(quote + 2, e->len);
	quote[9] = IPPROTO_TCP;
	memcpy(quote + 12, e->src, 4);
	memcpy(quote + 16, e->dst, 4);
	memcpy(quote + 10, &(rte_be16_t){ rte_ipv4_cksum((const struct rte_ipv4_hdr *)quote) }, 2);
	write_tcp(quote + 20, e);
	memcpy(buf + 10, &(rte_be16_t){ rte_ipv4_cksum((const struct rte_ipv4_hdr *)buf) }, 2);
	memcpy(icmp + 2, &(rte_be16_t){ (rte_be16_t)~rte_raw_cksum(icmp, len - 20) }, 2);
	return len;
}
