/* SPDX-License-Identifier: BSD-3-Clause */
#include "icmp_error.h"

#include <string.h>

#include <rte_byteorder.h>
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
	memcpy(out->src, ip6 + 8, 16);
	memcpy(out->dst, ip6 + 24, 16);
	read_tcp(ip6 + 40, out);
	return true;
}
