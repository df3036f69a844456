/* SPDX-License-Identifier: BSD-3-Clause */
#include "icmp_error.h"

#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <netinet/in.h>

#include "mr_bytes.h"

#define ICMP_ERROR_HDR 8 /* type, code, checksum and the 4 bytes holding the MTU */

/* RFC 792: an error quotes the packet's IP header and its first 8 data bytes, enough for
 * TCP's ports and sequence number. */
#define QUOTED_TCP_MIN 8

/* Ports and sequence number of the quoted TCP header at tcp. */
static void read_tcp(const uint8_t *tcp, struct icmp_too_big *out)
{
	memcpy(&out->src_port, tcp, 2);
	memcpy(&out->dst_port, tcp + 2, 2);
	out->seq = mr_load_be32(tcp + 4);
}

bool icmp_too_big_parse4(const uint8_t *icmp, uint32_t len, struct icmp_too_big *out)
{
	const uint8_t *ip = icmp + ICMP_ERROR_HDR;
	uint32_t ihl;

	if (len < ICMP_ERROR_HDR + 20 ||
	    (!icmp4_is_frag_needed(icmp[0], icmp[1]) && !icmp4_is_hard(icmp[0], icmp[1])))
		return false;
	ihl = (uint32_t)(ip[0] & 0xf) * 4;
	/* The quoted header's own lengths are not trusted: a segment the NIC was to cut up
	 * (TSO) is quoted with the length of the whole. Only what the quote holds is read. */
	if ((ip[0] >> 4) != 4 || ihl < 20 || len < ICMP_ERROR_HDR + ihl + QUOTED_TCP_MIN ||
	    ip[9] != IPPROTO_TCP || (mr_load_be16(ip + 6) & 0x1fff) != 0)
		return false;
	memset(out, 0, sizeof(*out));
	out->hard = icmp[1] != ICMP4_FRAG_NEEDED;
	if (!out->hard)
		out->mtu = mr_load_be16(icmp + 6); /* RFC 1191: the low 16 bits of the unused word */
	out->len = mr_load_be16(ip + 2);
	memcpy(out->src, ip + 12, 4);
	memcpy(out->dst, ip + 16, 4);
	read_tcp(ip + ihl, out);
	return true;
}

bool icmp_too_big_parse6(const uint8_t *icmp, uint32_t len, struct icmp_too_big *out)
{
	const uint8_t *ip6 = icmp + ICMP_ERROR_HDR;

	if (len < ICMP_ERROR_HDR + 40 + QUOTED_TCP_MIN ||
	    ((icmp[0] != ICMP6_TOO_BIG || icmp[1] != 0) && !icmp6_is_hard(icmp[0], icmp[1])) ||
	    (ip6[0] >> 4) != 6 || ip6[6] != IPPROTO_TCP)
		return false;
	memset(out, 0, sizeof(*out));
	out->v6 = true;
	out->hard = icmp[0] != ICMP6_TOO_BIG;
	if (!out->hard)
		out->mtu = mr_load_be32(icmp + 4);
	out->len = 40u + mr_load_be16(ip6 + 4);
	memcpy(out->src, ip6 + 8, 16);
	memcpy(out->dst, ip6 + 24, 16);
	read_tcp(ip6 + 40, out);
	return true;
}

/* The quoted TCP header at tcp: e's ports and sequence number, a data offset of 5. */
static void write_tcp(uint8_t *tcp, const struct icmp_too_big *e)
{
	memset(tcp, 0, 20);
	memcpy(tcp, &e->src_port, 2);
	memcpy(tcp + 2, &e->dst_port, 2);
	mr_store_be32(tcp + 4, e->seq);
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

		mr_store_be32(buf, 6u << 28);
		mr_store_be16(buf + 4, (uint16_t)(len - 40));
		buf[6] = IPPROTO_ICMPV6;
		buf[7] = 64;
		memcpy(buf + 8, e->dst, 16);
		memcpy(buf + 24, e->src, 16);
		mr_store_be32(icmp + 4, e->mtu);
		mr_store_be32(quote, 6u << 28);
		mr_store_be16(quote + 4, (uint16_t)(e->len > 40 ? e->len - 40 : 0));
		quote[6] = IPPROTO_TCP;
		quote[7] = 64;
		memcpy(quote + 8, e->src, 16);
		memcpy(quote + 24, e->dst, 16);
		write_tcp(quote + 40, e);
		memcpy(icmp + 2, &(rte_be16_t){ rte_ipv6_udptcp_cksum(ip6, icmp) }, 2);
		return len;
	}
	buf[0] = quote[0] = 0x45;
	mr_store_be16(buf + 2, (uint16_t)len);
	buf[6] = quote[6] = 0x40; /* DF, as the segment had it */
	buf[8] = quote[8] = 64;
	buf[9] = IPPROTO_ICMP;
	memcpy(buf + 12, e->dst, 4);
	memcpy(buf + 16, e->src, 4);
	mr_store_be16(icmp + 6, (uint16_t)e->mtu);
	mr_store_be16(quote + 2, (uint16_t)e->len);
	quote[9] = IPPROTO_TCP;
	memcpy(quote + 12, e->src, 4);
	memcpy(quote + 16, e->dst, 4);
	memcpy(quote + 10, &(rte_be16_t){ rte_ipv4_cksum((const struct rte_ipv4_hdr *)quote) }, 2);
	write_tcp(quote + 20, e);
	memcpy(buf + 10, &(rte_be16_t){ rte_ipv4_cksum((const struct rte_ipv4_hdr *)buf) }, 2);
	memcpy(icmp + 2, &(rte_be16_t){ (rte_be16_t)~rte_raw_cksum(icmp, len - 20) }, 2);
	return len;
}
