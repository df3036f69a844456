/* SPDX-License-Identifier: BSD-3-Clause */
#include "nd.h"

#include <string.h>

#include <rte_byteorder.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#include "icmp_error.h"

enum {
	ND_TYPE_ECHO_REQUEST = 128,
	ND_TYPE_ECHO_REPLY = 129,
	ND_TYPE_NS = 135,
	ND_TYPE_NA = 136,
};

enum { ND_OPT_SOURCE_LLADDR = 1, ND_OPT_TARGET_LLADDR = 2 };

#define ND_NA_SOLICITED 0x40
#define ND_NA_OVERRIDE 0x20
#define ND_HOP_LIMIT 255   /* only a sender on the link can still have it (RFC 4861 7.1) */
#define ND_ECHO_HOP_LIMIT 64
#define ND_OPT_UNIT 8      /* option lengths count 8-byte units */

/* The part NS and NA share: ICMPv6 header, NA flags (reserved in NS), target. */
struct nd_body {
	uint8_t type;
	uint8_t code;
	rte_be16_t cksum;
	uint8_t flags;
	uint8_t reserved[3];
	uint8_t target[16];
} __rte_packed;

static const uint8_t nd_all_nodes[16] = { 0xff, 0x02, [15] = 0x01 };
static const uint8_t nd_solicited_prefix[13] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff };

bool nd_is_unspecified(const uint8_t addr[16])
{
	static const uint8_t zero[16];

	return memcmp(addr, zero, sizeof(zero)) == 0;
}

bool nd_is_solicited_node(const uint8_t addr[16])
{
	return memcmp(addr, nd_solicited_prefix, sizeof(nd_solicited_prefix)) == 0;
}

void nd_solicited_node(const uint8_t addr[16], uint8_t out[16])
{
	memcpy(out, nd_solicited_prefix, sizeof(nd_solicited_prefix));
	memcpy(out + sizeof(nd_solicited_prefix), addr + sizeof(nd_solicited_prefix),
	       16 - sizeof(nd_solicited_prefix));
}

void nd_multicast_mac(const uint8_t group[16], struct rte_ether_addr *mac)
{
	mac->addr_bytes[0] = 0x33;
	mac->addr_bytes[1] = 0x33;
	memcpy(&mac->addr_bytes[2], group + 12, 4);
}

/*
 * The pseudo-header that the ICMPv6 checksum covers is the one rte_ipv6_udptcp_cksum
 * builds from the IPv6 header (next header 58, payload length). Summed with the checksum
 * in place, a correct message complements to 0 (never 0 from a sum of non-zero words).
 */
static bool nd_cksum_ok(const struct rte_ipv6_hdr *ip)
{
	return rte_ipv6_udptcp_cksum(ip, ip + 1) == 0;
}

/* RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'), for one 16-bit word changed from m to m_new. */
static uint16_t nd_cksum_adjust(uint16_t hc, uint16_t m, uint16_t m_new)
{
	uint32_t sum = (uint32_t)(uint16_t)~hc + (uint16_t)~m + m_new;

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * Walk the options after the fixed part and keep the first link-layer address option of
 * type want. A length of 0 would never end the walk and one past the end reads what is
 * not there: either makes the whole message invalid (RFC 4861 7.1.1, 7.1.2).
 */
static bool nd_options(const uint8_t *opt, uint32_t len, uint8_t want, struct nd_msg *out)
{
	while (len > 0) {
		uint32_t opt_len;

		if (len < 2)
			return false;
		opt_len = (uint32_t)opt[1] * ND_OPT_UNIT;
		if (opt_len == 0 || opt_len > len)
			return false;
		if (opt[0] == want && !out->has_lladdr) {
			out->has_lladdr = true;
			memcpy(out->lladdr.addr_bytes, opt + 2, RTE_ETHER_ADDR_LEN);
		}
		opt += opt_len;
		len -= opt_len;
	}
	return true;
}

static enum nd_kind nd_parse_nd(const struct rte_ipv6_hdr *ip, uint32_t icmp_len,
				struct nd_msg *out)
{
	const struct nd_body *b = (const struct nd_body *)(ip + 1);
	bool ns = b->type == ND_TYPE_NS;

	if (ip->hop_limits != ND_HOP_LIMIT || b->code != 0 || icmp_len < sizeof(*b) ||
	    !nd_cksum_ok(ip) || b->target[0] == 0xff)
		return ND_MALFORMED;
	memcpy(out->target, b->target, sizeof(out->target));
	if (!nd_options((const uint8_t *)(b + 1), icmp_len - (uint32_t)sizeof(*b),
			ns ? ND_OPT_SOURCE_LLADDR : ND_OPT_TARGET_LLADDR, out))
		return ND_MALFORMED;
	if (ns) {
		/* Duplicate address detection: the prober has no address a link-layer address
		 * could be cached under, and asks only the target's group. */
		if (nd_is_unspecified(ip->src_addr) &&
		    (out->has_lladdr || !nd_is_solicited_node(ip->dst_addr)))
			return ND_MALFORMED;
		return ND_NS;
	}
	out->solicited = b->flags & ND_NA_SOLICITED;
	out->override = b->flags & ND_NA_OVERRIDE;
	/* Nobody solicits through a group: such an NA would poison every listener's cache. */
	if (out->solicited && ip->dst_addr[0] == 0xff)
		return ND_MALFORMED;
	return ND_NA;
}

enum nd_kind nd_parse(const uint8_t *l3, uint32_t len, struct nd_msg *out)
{
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)l3;
	const uint8_t *icmp = l3 + sizeof(*ip);
	uint32_t icmp_len;

	memset(out, 0, sizeof(*out));
	out->kind = ND_MALFORMED;
	if (len < sizeof(*ip) || (l3[0] >> 4) != 6)
		return out->kind;
	memcpy(out->src, ip->src_addr, sizeof(out->src));
	memcpy(out->dst, ip->dst_addr, sizeof(out->dst));
	out->hop_limit = ip->hop_limits;
	icmp_len = rte_be_to_cpu_16(ip->payload_len);
	/* The checksum is summed over payload_len bytes: they must all be there. */
	if (icmp_len > len - sizeof(*ip))
		return out->kind;
	if (ip->proto != IPPROTO_ICMPV6)
		return out->kind = ND_OTHER;
	if (icmp_len < 4)
		return out->kind;
	switch (icmp[0]) {
	case ND_TYPE_NS:
	case ND_TYPE_NA:
		return out->kind = nd_parse_nd(ip, icmp_len, out);
	case ND_TYPE_ECHO_REQUEST:
		if (icmp[1] != 0)
			return out->kind = ND_OTHER;
		if (icmp_len < sizeof(struct rte_icmp_hdr) || !nd_cksum_ok(ip))
			return out->kind;
		return out->kind = ND_ECHO_REQUEST;
	case ICMP6_TOO_BIG:
	case 1: /* destination unreachable: its hard codes only (icmp_error.h) */
		if (icmp[0] == ICMP6_TOO_BIG ? icmp[1] != 0 : !icmp6_is_hard(icmp[0], icmp[1]))
			return out->kind = ND_OTHER;
		if (icmp_len < 8 || !nd_cksum_ok(ip))
			return out->kind;
		return out->kind = ND_TOO_BIG;
	default:
		return out->kind = ND_OTHER;
	}
}

/* NS or NA frame with the sender's link-layer address option; returns its length. */
static size_t nd_build(uint8_t *buf, uint8_t type, uint8_t flags,
		       const struct rte_ether_addr *src_mac, const struct rte_ether_addr *dst_mac,
		       const uint8_t src[16], const uint8_t dst[16], const uint8_t target[16])
{
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(buf + RTE_ETHER_HDR_LEN);
	struct nd_body *b = (struct nd_body *)(ip + 1);
	uint8_t *opt = (uint8_t *)(b + 1);
	const uint16_t icmp_len = sizeof(*b) + ND_OPT_UNIT; /* one link-layer address option */
	struct rte_ether_hdr eth;

	/* buf need not be 2-byte aligned as struct rte_ether_hdr is. */
	eth.dst_addr = *dst_mac;
	eth.src_addr = *src_mac;
	eth.ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	memcpy(buf, &eth, RTE_ETHER_HDR_LEN);
	ip->vtc_flow = rte_cpu_to_be_32(UINT32_C(6) << 28);
	ip->payload_len = rte_cpu_to_be_16(icmp_len);
	ip->proto = IPPROTO_ICMPV6;
	ip->hop_limits = ND_HOP_LIMIT;
	memcpy(ip->src_addr, src, sizeof(ip->src_addr));
	memcpy(ip->dst_addr, dst, sizeof(ip->dst_addr));
	b->type = type;
	b->code = 0;
	b->cksum = 0;
	b->flags = flags;
	memset(b->reserved, 0, sizeof(b->reserved));
	memcpy(b->target, target, sizeof(b->target));
	opt[0] = type == ND_TYPE_NS ? ND_OPT_SOURCE_LLADDR : ND_OPT_TARGET_LLADDR;
	opt[1] = 1;
	memcpy(opt + 2, src_mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	b->cksum = rte_ipv6_udptcp_cksum(ip, b);
	return RTE_ETHER_HDR_LEN + sizeof(*ip) + icmp_len;
}

size_t nd_build_na(uint8_t *buf, const struct rte_ether_addr *our_mac, const uint8_t our_ip[16],
		   const struct rte_ether_addr *dst_mac, const uint8_t dst_ip[16],
		   const uint8_t target[16], bool solicited)
{
	struct rte_ether_addr all_nodes_mac;

	/* A prober has no address to be answered at yet: tell everyone (RFC 4861 7.2.4). */
	if (nd_is_unspecified(dst_ip)) {
		nd_multicast_mac(nd_all_nodes, &all_nodes_mac);
		return nd_build(buf, ND_TYPE_NA, ND_NA_OVERRIDE, our_mac, &all_nodes_mac, our_ip,
				nd_all_nodes, target);
	}
	return nd_build(buf, ND_TYPE_NA, ND_NA_OVERRIDE | (solicited ? ND_NA_SOLICITED : 0),
			our_mac, dst_mac, our_ip, dst_ip, target);
}

size_t nd_build_ns(uint8_t *buf, const struct rte_ether_addr *our_mac, const uint8_t our_ip[16],
		   const uint8_t target[16])
{
	struct rte_ether_addr group_mac;
	uint8_t group[16];

	nd_solicited_node(target, group);
	nd_multicast_mac(group, &group_mac);
	return nd_build(buf, ND_TYPE_NS, 0, our_mac, &group_mac, our_ip, group, target);
}

void nd_echo_reply_in_place(uint8_t *frame, uint32_t len, const struct rte_ether_addr *our_mac)
{
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(frame + RTE_ETHER_HDR_LEN);
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ip + 1);
	uint8_t addr[sizeof(ip->src_addr)];
	uint16_t old_word;

	if (len < RTE_ETHER_HDR_LEN + sizeof(*ip) + sizeof(*icmp) ||
	    ip->proto != IPPROTO_ICMPV6 || icmp->icmp_type != ND_TYPE_ECHO_REQUEST)
		return;
	memcpy(frame, frame + RTE_ETHER_ADDR_LEN, RTE_ETHER_ADDR_LEN);
	memcpy(frame + RTE_ETHER_ADDR_LEN, our_mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	memcpy(addr, ip->dst_addr, sizeof(addr));
	memcpy(ip->dst_addr, ip->src_addr, sizeof(addr));
	memcpy(ip->src_addr, addr, sizeof(addr));
	ip->hop_limits = ND_ECHO_HOP_LIMIT;
	/* The pseudo-header sum does not depend on the order of the addresses, so only the
	 * word holding the type changes what the checksum covers. */
	old_word = (uint16_t)(icmp->icmp_type << 8 | icmp->icmp_code);
	icmp->icmp_type = ND_TYPE_ECHO_REPLY;
	icmp->icmp_cksum = rte_cpu_to_be_16(nd_cksum_adjust(rte_be_to_cpu_16(icmp->icmp_cksum),
							    old_word,
							    (uint16_t)(icmp->icmp_type << 8 |
								       icmp->icmp_code)));
}
