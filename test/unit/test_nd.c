/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "nd": Neighbour Discovery and ICMPv6 echo codec, on frames the Linux kernel sent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>

#include "nd.h"
#include "unit.h"

/*
 * Captured with tcpdump on one end of a veth pair between two network namespaces:
 *
 *   ip netns add ndcapA; ip netns add ndcapB
 *   ip link add ndva netns ndcapA address 02:00:00:77:00:01 type veth \
 *           peer ndvb netns ndcapB address 02:00:00:77:00:02
 *   ip -n ndcapA link set ndva up; ip -n ndcapB link set ndvb up
 *   ip netns exec ndcapA tcpdump -i ndva -U -w nd.pcap icmp6 &
 *   ip -n ndcapA addr add fd00:77::1/64 dev ndva; ip -n ndcapB addr add fd00:77::2/64 dev ndvb
 *   (wait until neither address is tentative)
 *   ip netns exec ndcapA ping -6 -c 2 fd00:77::2
 *
 * Linux 6.1. A is fd00:77::1 at 02:00:00:77:00:01, B is fd00:77::2 at 02:00:00:77:00:02.
 */

/* B's duplicate address detection for fd00:77::2: from ::, with a nonce option (RFC 7527). */
static const uint8_t cap_dad_ns[] = {
	0x33, 0x33, 0xff, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x77, 0x00, 0x02,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0xff, 0x00, 0x00, 0x02, 0x87, 0x00, 0x92, 0x69, 0x00, 0x00,
	0x00, 0x00, 0xfd, 0x00, 0x00, 0x77, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x0e, 0x01, 0xd4, 0xd5, 0xf2, 0xa5,
	0x15, 0x3e,
};

/* A's router solicitation from its link-local address: no concern of the codec. */
static const uint8_t cap_rs[] = {
	0x33, 0x33, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x77, 0x00, 0x01,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x10, 0x3a, 0xff, 0xfe, 0x80,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xfe, 0x77,
	0x00, 0x01, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x85, 0x00, 0x7a, 0x3e, 0x00, 0x00,
	0x00, 0x00, 0x01, 0x01, 0x02, 0x00, 0x00, 0x77, 0x00, 0x01,
};

/* A asks for fd00:77::2 before its first ping. */
static const uint8_t cap_ns[] = {
	0x33, 0x33, 0xff, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x77, 0x00, 0x01,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0xfd, 0x00,
	0x00, 0x77, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0xff, 0x00, 0x00, 0x02, 0x87, 0x00, 0x7c, 0x32, 0x00, 0x00,
	0x00, 0x00, 0xfd, 0x00, 0x00, 0x77, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x01, 0x01, 0x02, 0x00, 0x00, 0x77,
	0x00, 0x01,
};

/* B's answer to cap_ns: solicited, override, target link-layer address option. */
static const uint8_t cap_na[] = {
	0x02, 0x00, 0x00, 0x77, 0x00, 0x01, 0x02, 0x00, 0x00, 0x77, 0x00, 0x02,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0xfd, 0x00,
	0x00, 0x77, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x02, 0xfd, 0x00, 0x00, 0x77, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x88, 0x00, 0x1a, 0xbe, 0x60, 0x00,
	0x00, 0x00, 0xfd, 0x00, 0x00, 0x77, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x01, 0x02, 0x00, 0x00, 0x77,
	0x00, 0x02,
};

/* The first ping (id 30951, seq 1, 56 bytes of data) and B's reply to it. */
static const uint8_t cap_echo_req[] = {
	0x02, 0x00, 0x00, 0x77, 0x00, 0x02, 0x02, 0x00, 0x00, 0x77, 0x00, 0x01,
	0x86, 0xdd, 0x60, 0x0b, 0x04, 0xd0, 0x00, 0x40, 0x3a, 0x40, 0xfd, 0x00,
	0x00, 0x77, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0xfd, 0x00, 0x00, 0x77, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x80, 0x00, 0x01, 0xf5, 0x78, 0xe7,
	0x00, 0x01, 0xb4, 0x56, 0x0f, 0x6b, 0x00, 0x00, 0x00, 0x00, 0x78, 0x20,
	0x0f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
	0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21,
	0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d,
	0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
};

static const uint8_t cap_echo_rep[] = {
	0x02, 0x00, 0x00, 0x77, 0x00, 0x01, 0x02, 0x00, 0x00, 0x77, 0x00, 0x02,
	0x86, 0xdd, 0x60, 0x0a, 0x3d, 0x8a, 0x00, 0x40, 0x3a, 0x40, 0xfd, 0x00,
	0x00, 0x77, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x02, 0xfd, 0x00, 0x00, 0x77, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x81, 0x00, 0x00, 0xf5, 0x78, 0xe7,
	0x00, 0x01, 0xb4, 0x56, 0x0f, 0x6b, 0x00, 0x00, 0x00, 0x00, 0x78, 0x20,
	0x0f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
	0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21,
	0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d,
	0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
};

/* Offsets in the frames above: Ethernet, then IPv6, then ICMPv6. */
enum {
	OFF_PAYLOAD_LEN = 18,
	OFF_HOP_LIMIT = 21,
	OFF_SRC = 22,
	OFF_DST = 38,
	OFF_ICMP = 54,
	OFF_CODE = 55,
	OFF_CKSUM = 56,
	OFF_FLAGS = 58,
	OFF_TARGET = 62,
	OFF_OPT = 78,
};

static const uint8_t ip_a[16] = { 0xfd, 0x00, 0x00, 0x77, [15] = 0x01 };
static const uint8_t ip_b[16] = { 0xfd, 0x00, 0x00, 0x77, [15] = 0x02 };
static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 0x01 };
static const uint8_t unspecified[16];
static const struct rte_ether_addr mac_a = { { 0x02, 0x00, 0x00, 0x77, 0x00, 0x01 } };
static const struct rte_ether_addr mac_b = { { 0x02, 0x00, 0x00, 0x77, 0x00, 0x02 } };

static enum nd_kind parse_frame(const uint8_t *frame, size_t len, struct nd_msg *m)
{
	return nd_parse(frame + RTE_ETHER_HDR_LEN, (uint32_t)(len - RTE_ETHER_HDR_LEN), m);
}

static bool icmp_cksum_ok(const uint8_t *frame)
{
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(frame + RTE_ETHER_HDR_LEN);

	return rte_ipv6_udptcp_cksum(ip, ip + 1) == 0;
}

/* A mutation must not be refused for its checksum alone: recompute it. */
static void refresh_cksum(uint8_t *frame)
{
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(frame + RTE_ETHER_HDR_LEN);
	uint16_t sum;

	memset(frame + OFF_CKSUM, 0, 2);
	sum = rte_ipv6_udptcp_cksum(ip, ip + 1);
	memcpy(frame + OFF_CKSUM, &sum, 2);
}

static bool mac_eq(const struct rte_ether_addr *a, const struct rte_ether_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static void test_captured_parse(void)
{
	uint8_t group[16], padded[sizeof(cap_ns) + 18];
	struct nd_msg m;

	CU_ASSERT_EQUAL(parse_frame(cap_ns, sizeof(cap_ns), &m), ND_NS);
	CU_ASSERT_EQUAL(m.kind, ND_NS);
	CU_ASSERT_EQUAL(memcmp(m.src, ip_a, 16), 0);
	nd_solicited_node(ip_b, group);
	CU_ASSERT_EQUAL(memcmp(m.dst, group, 16), 0);
	CU_ASSERT_EQUAL(memcmp(m.target, ip_b, 16), 0);
	CU_ASSERT_TRUE(m.has_lladdr);
	CU_ASSERT_TRUE(mac_eq(&m.lladdr, &mac_a));
	CU_ASSERT_EQUAL(m.hop_limit, 255);

	/* A nonce is not a source link-layer address: the probe is valid. */
	CU_ASSERT_EQUAL(parse_frame(cap_dad_ns, sizeof(cap_dad_ns), &m), ND_NS);
	CU_ASSERT_EQUAL(memcmp(m.src, unspecified, 16), 0);
	CU_ASSERT_EQUAL(memcmp(m.target, ip_b, 16), 0);
	CU_ASSERT_FALSE(m.has_lladdr);

	CU_ASSERT_EQUAL(parse_frame(cap_na, sizeof(cap_na), &m), ND_NA);
	CU_ASSERT_EQUAL(memcmp(m.src, ip_b, 16), 0);
	CU_ASSERT_EQUAL(memcmp(m.dst, ip_a, 16), 0);
	CU_ASSERT_EQUAL(memcmp(m.target, ip_b, 16), 0);
	CU_ASSERT_TRUE(m.has_lladdr);
	CU_ASSERT_TRUE(mac_eq(&m.lladdr, &mac_b));
	CU_ASSERT_TRUE(m.solicited);
	CU_ASSERT_TRUE(m.override);

	CU_ASSERT_EQUAL(parse_frame(cap_echo_req, sizeof(cap_echo_req), &m), ND_ECHO_REQUEST);
	CU_ASSERT_EQUAL(memcmp(m.src, ip_a, 16), 0);
	CU_ASSERT_EQUAL(memcmp(m.dst, ip_b, 16), 0);
	CU_ASSERT_EQUAL(m.hop_limit, 64);

	/* Replies to the host's own pings, router discovery: the host's business. */
	CU_ASSERT_EQUAL(parse_frame(cap_echo_rep, sizeof(cap_echo_rep), &m), ND_OTHER);
	CU_ASSERT_EQUAL(parse_frame(cap_rs, sizeof(cap_rs), &m), ND_OTHER);
	CU_ASSERT_EQUAL(m.kind, ND_OTHER);

	/* Ethernet padding after the packet is not part of it. */
	memset(padded, 0xee, sizeof(padded));
	memcpy(padded, cap_ns, sizeof(cap_ns));
	CU_ASSERT_EQUAL(parse_frame(padded, sizeof(padded), &m), ND_NS);
}

static void test_solicited_node(void)
{
	static const uint8_t addr[16] = { 0x20, 0x01, 0x0d, 0xb8, [12] = 0x12, 0x34, 0x56, 0x78 };
	static const uint8_t want[16] = { 0xff, 0x02, [11] = 0x01, 0xff, 0x34, 0x56, 0x78 };
	static const struct rte_ether_addr want_mac = { { 0x33, 0x33, 0xff, 0x34, 0x56, 0x78 } };
	struct rte_ether_addr mac;
	uint8_t group[16];

	nd_solicited_node(addr, group);
	CU_ASSERT_EQUAL(memcmp(group, want, 16), 0);
	CU_ASSERT_TRUE(nd_is_solicited_node(group));
	nd_multicast_mac(group, &mac);
	CU_ASSERT_TRUE(mac_eq(&mac, &want_mac));

	/* The kernel's choice for fd00:77::2, destination and Ethernet group alike. */
	nd_solicited_node(ip_b, group);
	CU_ASSERT_EQUAL(memcmp(group, cap_ns + OFF_DST, 16), 0);
	nd_multicast_mac(group, &mac);
	CU_ASSERT_EQUAL(memcmp(&mac, cap_ns, RTE_ETHER_ADDR_LEN), 0);

	CU_ASSERT_FALSE(nd_is_solicited_node(all_nodes));
	CU_ASSERT_FALSE(nd_is_solicited_node(ip_b));
	CU_ASSERT_TRUE(nd_is_unspecified(unspecified));
	CU_ASSERT_FALSE(nd_is_unspecified(ip_a));
}

/* Answering the captured NS as B gives the frame B's kernel sent, byte for byte. */
static void test_na_answers_captured_ns(void)
{
	uint8_t buf[ND_FRAME_MAX];
	struct rte_ether_addr soliciter;
	struct nd_msg ns, na;
	size_t len;

	CU_ASSERT_EQUAL_FATAL(parse_frame(cap_ns, sizeof(cap_ns), &ns), ND_NS);
	memcpy(&soliciter, cap_ns + RTE_ETHER_ADDR_LEN, RTE_ETHER_ADDR_LEN);
	len = nd_build_na(buf, &mac_b, ip_b, &soliciter, ns.src, ns.target, true);
	CU_ASSERT_EQUAL_FATAL(len, sizeof(cap_na));
	CU_ASSERT_EQUAL(memcmp(buf, cap_na, len), 0);
	CU_ASSERT_TRUE(icmp_cksum_ok(buf));

	CU_ASSERT_EQUAL(parse_frame(buf, len, &na), ND_NA);
	CU_ASSERT_EQUAL(memcmp(na.target, ns.target, 16), 0);
	CU_ASSERT_EQUAL(memcmp(na.dst, ip_a, 16), 0);
	CU_ASSERT_TRUE(na.solicited);
	CU_ASSERT_TRUE(na.override);
	CU_ASSERT_TRUE(na.has_lladdr);
	CU_ASSERT_TRUE(mac_eq(&na.lladdr, &mac_b));
	CU_ASSERT_EQUAL(na.hop_limit, 255);

	/* Unsolicited (a change of our MAC announced unicast): the flag follows the caller. */
	len = nd_build_na(buf, &mac_b, ip_b, &soliciter, ns.src, ns.target, false);
	CU_ASSERT_EQUAL(parse_frame(buf, len, &na), ND_NA);
	CU_ASSERT_FALSE(na.solicited);
	CU_ASSERT_TRUE(na.override);
}

/* A prober has no address yet: everyone is told, and nothing claims to be solicited. */
static void test_na_answers_dad(void)
{
	static const struct rte_ether_addr all_nodes_mac = { { 0x33, 0x33, 0, 0, 0, 1 } };
	uint8_t buf[ND_FRAME_MAX];
	struct nd_msg ns, na;
	size_t len;

	CU_ASSERT_EQUAL_FATAL(parse_frame(cap_dad_ns, sizeof(cap_dad_ns), &ns), ND_NS);
	len = nd_build_na(buf, &mac_a, ip_a, NULL, ns.src, ns.target, true);
	CU_ASSERT_TRUE_FATAL(len > RTE_ETHER_HDR_LEN && len <= ND_FRAME_MAX);
	CU_ASSERT_EQUAL(memcmp(buf, &all_nodes_mac, RTE_ETHER_ADDR_LEN), 0);
	CU_ASSERT_EQUAL(memcmp(buf + RTE_ETHER_ADDR_LEN, &mac_a, RTE_ETHER_ADDR_LEN), 0);
	CU_ASSERT_EQUAL(parse_frame(buf, len, &na), ND_NA);
	CU_ASSERT_EQUAL(memcmp(na.src, ip_a, 16), 0);
	CU_ASSERT_EQUAL(memcmp(na.dst, all_nodes, 16), 0);
	CU_ASSERT_EQUAL(memcmp(na.target, ip_b, 16), 0);
	CU_ASSERT_FALSE(na.solicited);
	CU_ASSERT_TRUE(na.override);
	CU_ASSERT_TRUE(na.has_lladdr);
	CU_ASSERT_TRUE(mac_eq(&na.lladdr, &mac_a));
}

/* Asking for fd00:77::2 as A gives the frame A's kernel sent, byte for byte. */
static void test_build_ns(void)
{
	static const uint8_t other[16] = { 0x20, 0x01, 0x0d, 0xb8, [13] = 0xab, 0xcd, 0xef };
	uint8_t buf[ND_FRAME_MAX], group[16];
	struct rte_ether_addr group_mac;
	struct nd_msg m;
	size_t len;

	len = nd_build_ns(buf, &mac_a, ip_a, ip_b);
	CU_ASSERT_EQUAL_FATAL(len, sizeof(cap_ns));
	CU_ASSERT_EQUAL(memcmp(buf, cap_ns, len), 0);

	len = nd_build_ns(buf, &mac_b, ip_b, other);
	CU_ASSERT_TRUE_FATAL(len <= ND_FRAME_MAX);
	CU_ASSERT_EQUAL(parse_frame(buf, len, &m), ND_NS);
	nd_solicited_node(other, group);
	nd_multicast_mac(group, &group_mac);
	CU_ASSERT_EQUAL(memcmp(m.dst, group, 16), 0);
	CU_ASSERT_EQUAL(memcmp(buf, &group_mac, RTE_ETHER_ADDR_LEN), 0);
	CU_ASSERT_EQUAL(memcmp(buf + RTE_ETHER_ADDR_LEN, &mac_b, RTE_ETHER_ADDR_LEN), 0);
	CU_ASSERT_EQUAL(memcmp(m.src, ip_b, 16), 0);
	CU_ASSERT_EQUAL(memcmp(m.target, other, 16), 0);
	CU_ASSERT_TRUE(m.has_lladdr);
	CU_ASSERT_TRUE(mac_eq(&m.lladdr, &mac_b));
	CU_ASSERT_EQUAL(m.hop_limit, 255);
}

static void test_echo_reply(void)
{
	uint8_t f[sizeof(cap_echo_req)];
	unsigned int bad = 0;
	struct nd_msg m;

	memcpy(f, cap_echo_req, sizeof(f));
	nd_echo_reply_in_place(f, sizeof(f), &mac_b);
	/* Everything B's kernel sent but the flow label, which each end picks itself. */
	CU_ASSERT_EQUAL(memcmp(f, cap_echo_rep, 2 * RTE_ETHER_ADDR_LEN + 2), 0);
	CU_ASSERT_EQUAL(f[RTE_ETHER_HDR_LEN] >> 4, 6);
	CU_ASSERT_EQUAL(memcmp(f + OFF_PAYLOAD_LEN, cap_echo_rep + OFF_PAYLOAD_LEN,
			       sizeof(f) - OFF_PAYLOAD_LEN), 0);
	CU_ASSERT_EQUAL(f[OFF_HOP_LIMIT], 64);
	CU_ASSERT_EQUAL(memcmp(f + OFF_SRC, ip_b, 16), 0);
	CU_ASSERT_EQUAL(memcmp(f + OFF_DST, ip_a, 16), 0);
	CU_ASSERT_EQUAL(memcmp(f + OFF_ICMP, cap_echo_rep + OFF_ICMP, sizeof(f) - OFF_ICMP), 0);
	CU_ASSERT_TRUE(icmp_cksum_ok(f));
	CU_ASSERT_EQUAL(parse_frame(f, sizeof(f), &m), ND_OTHER);

	/* Whatever checksum the request has (one data word takes every value), the patched
	 * one verifies: the 0x0000/0xffff corner is where careless incremental updates fail. */
	for (uint32_t v = 0; v <= 0xffff; v++) {
		memcpy(f, cap_echo_req, sizeof(f));
		f[100] = (uint8_t)(v >> 8);
		f[101] = (uint8_t)v;
		refresh_cksum(f);
		nd_echo_reply_in_place(f, sizeof(f), &mac_b);
		bad += !icmp_cksum_ok(f) || f[OFF_ICMP] != 129;
	}
	CU_ASSERT_EQUAL(bad, 0);

	/* The reply starts afresh whatever hop limit the request arrived with. */
	memcpy(f, cap_echo_req, sizeof(f));
	f[OFF_HOP_LIMIT] = 1;
	nd_echo_reply_in_place(f, sizeof(f), &mac_b);
	CU_ASSERT_EQUAL(f[OFF_HOP_LIMIT], 64);
	CU_ASSERT_TRUE(icmp_cksum_ok(f));

	/* What cannot be an echo request is left alone. */
	memcpy(f, cap_echo_req, sizeof(f));
	nd_echo_reply_in_place(f, OFF_ICMP + 7, &mac_b);
	CU_ASSERT_EQUAL(memcmp(f, cap_echo_req, sizeof(f)), 0);
	memcpy(f, cap_ns, sizeof(cap_ns));
	nd_echo_reply_in_place(f, sizeof(cap_ns), &mac_b);
	CU_ASSERT_EQUAL(memcmp(f, cap_ns, sizeof(cap_ns)), 0);
}

struct mutation {
	const char *what;
	const uint8_t *frame;
	size_t len;
	int pos;      /* byte set to value, or -1: the packet is cut to icmp_len instead */
	uint8_t value;
	int icmp_len; /* IPv6 payload length written, and where the frame ends if shorter */
	bool refresh; /* recompute the checksum after the change */
};

#define FRAME(f) f, sizeof(f)
#define SET(what, f, pos, value, refresh) { what, FRAME(f), pos, value, 0, refresh }
#define CUT(what, f, icmp_len, refresh) { what, FRAME(f), -1, 0, icmp_len, refresh }

static const struct mutation malformed[] = {
	SET("NS hop limit 64", cap_ns, OFF_HOP_LIMIT, 64, false),
	SET("NA hop limit 64", cap_na, OFF_HOP_LIMIT, 64, false),
	SET("DAD NS hop limit 254", cap_dad_ns, OFF_HOP_LIMIT, 254, false),
	SET("NS code 1", cap_ns, OFF_CODE, 1, true),
	SET("NA code 1", cap_na, OFF_CODE, 1, true),
	SET("NS checksum byte", cap_ns, OFF_CKSUM + 1, 0x33, false),
	SET("NA checksum byte", cap_na, OFF_CKSUM, 0x1b, false),
	SET("echo checksum byte", cap_echo_req, OFF_CKSUM + 1, 0xf4, false),
	SET("echo data byte", cap_echo_req, 100, 0x99, false),
	SET("NS target multicast", cap_ns, OFF_TARGET, 0xff, true),
	SET("NA target multicast", cap_na, OFF_TARGET, 0xff, true),
	SET("NS zero-length option", cap_ns, OFF_OPT + 1, 0, true),
	SET("NA zero-length option", cap_na, OFF_OPT + 1, 0, true),
	SET("DAD NS zero-length nonce", cap_dad_ns, OFF_OPT + 1, 0, true),
	SET("NS option past the end", cap_ns, OFF_OPT + 1, 2, true),
	SET("DAD NS with a source option", cap_dad_ns, OFF_OPT, 1, true),
	SET("DAD NS to another group", cap_dad_ns, OFF_DST + 12, 0, true),
	SET("DAD NS to a unicast address", cap_dad_ns, OFF_DST, 0xfd, true),
	SET("NA solicited to a group", cap_na, OFF_DST, 0xff, true),
	SET("IP version 4", cap_ns, RTE_ETHER_HDR_LEN, 0x40, false),
	CUT("NS ICMPv6 length 23", cap_ns, 23, true),
	CUT("NA ICMPv6 length 23", cap_na, 23, true),
	CUT("NS cut inside its option", cap_ns, 28, true),
	CUT("NS one byte after the fixed part", cap_ns, 25, true),
	CUT("echo ICMPv6 length 7", cap_echo_req, 7, true),
	CUT("ICMPv6 length 3", cap_echo_req, 3, false),
	CUT("ICMPv6 length 1", cap_rs, 1, false),
	CUT("no ICMPv6 header", cap_rs, 0, false),
	CUT("payload length past the frame", cap_ns, 33, false),
};

/* Each mutated frame ends its own heap block: a check that only held because more bytes
 * followed is an ASan report, not a pass. */
static void test_malformed_refused(void)
{
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		const struct mutation *c = &malformed[i];
		size_t len = c->len;
		struct nd_msg m;
		uint8_t *f;

		if (c->pos < 0 && (size_t)OFF_ICMP + c->icmp_len < len)
			len = OFF_ICMP + c->icmp_len;
		f = malloc(len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		memcpy(f, c->frame, len);
		if (c->pos < 0) {
			f[OFF_PAYLOAD_LEN] = 0;
			f[OFF_PAYLOAD_LEN + 1] = (uint8_t)c->icmp_len;
		} else {
			f[c->pos] = c->value;
		}
		if (c->refresh)
			refresh_cksum(f);
		if (parse_frame(f, len, &m) != ND_MALFORMED || m.kind != ND_MALFORMED) {
			fprintf(stderr, "nd: '%s' was not refused\n", c->what);
			CU_FAIL("malformed message accepted");
		}
		free(f);
	}
}

/* The conditions the refusals above hinge on, each met the other way round. */
static void test_near_misses_accepted(void)
{
	uint8_t f[sizeof(cap_echo_req)];
	struct nd_msg m;

	/* An NA to a group is fine when it is not claimed as solicited. */
	memcpy(f, cap_na, sizeof(cap_na));
	memcpy(f + OFF_DST, all_nodes, 16);
	f[OFF_FLAGS] = 0x20;
	refresh_cksum(f);
	CU_ASSERT_EQUAL(parse_frame(f, sizeof(cap_na), &m), ND_NA);
	CU_ASSERT_FALSE(m.solicited);

	/* No options at all. */
	memcpy(f, cap_ns, sizeof(cap_ns));
	f[OFF_PAYLOAD_LEN + 1] = 24;
	refresh_cksum(f);
	CU_ASSERT_EQUAL(parse_frame(f, sizeof(cap_ns), &m), ND_NS);
	CU_ASSERT_FALSE(m.has_lladdr);

	/* Options of other types are skipped: the NA's option as a source option. */
	memcpy(f, cap_na, sizeof(cap_na));
	f[OFF_OPT] = 1;
	refresh_cksum(f);
	CU_ASSERT_EQUAL(parse_frame(f, sizeof(cap_na), &m), ND_NA);
	CU_ASSERT_FALSE(m.has_lladdr);

	/* An echo request with another code is left to the host; an extension header too. */
	memcpy(f, cap_echo_req, sizeof(f));
	f[OFF_CODE] = 1;
	refresh_cksum(f);
	CU_ASSERT_EQUAL(parse_frame(f, sizeof(f), &m), ND_OTHER);
	memcpy(f, cap_ns, sizeof(cap_ns));
	f[RTE_ETHER_HDR_LEN + 6] = 0; /* hop-by-hop options */
	CU_ASSERT_EQUAL(parse_frame(f, sizeof(cap_ns), &m), ND_OTHER);
	CU_ASSERT_EQUAL(memcmp(m.src, ip_a, 16), 0);
}

static const struct {
	const uint8_t *frame;
	size_t len;
	enum nd_kind kind;
} captured[] = {
	{ FRAME(cap_ns), ND_NS },
	{ FRAME(cap_dad_ns), ND_NS },
	{ FRAME(cap_na), ND_NA },
	{ FRAME(cap_echo_req), ND_ECHO_REQUEST },
	{ FRAME(cap_echo_rep), ND_OTHER },
	{ FRAME(cap_rs), ND_OTHER },
};

/*
 * Each prefix of each captured frame sits at the end of its own heap block, so a read
 * past len is an ASan report. A cut packet is short of its payload length: refused.
 */
static void test_every_truncation(void)
{
	for (size_t i = 0; i < sizeof(captured) / sizeof(captured[0]); i++) {
		for (size_t len = 0; len <= captured[i].len - RTE_ETHER_HDR_LEN; len++) {
			uint8_t *l3 = malloc(len ? len : 1);
			uint8_t *frame = malloc(RTE_ETHER_HDR_LEN + len);
			enum nd_kind want = len < captured[i].len - RTE_ETHER_HDR_LEN ?
						    ND_MALFORMED : captured[i].kind;
			struct nd_msg m;

			CU_ASSERT_PTR_NOT_NULL_FATAL(l3);
			CU_ASSERT_PTR_NOT_NULL_FATAL(frame);
			memcpy(l3, captured[i].frame + RTE_ETHER_HDR_LEN, len);
			CU_ASSERT_EQUAL(nd_parse(l3, (uint32_t)len, &m), want);
			memcpy(frame, captured[i].frame, RTE_ETHER_HDR_LEN + len);
			nd_echo_reply_in_place(frame, (uint32_t)(RTE_ETHER_HDR_LEN + len), &mac_b);
			free(frame);
			free(l3);
		}
	}
}

/* A flipped bit anywhere the checksum covers is never taken for the message it was. */
static void test_every_bit_flip(void)
{
	uint8_t f[sizeof(cap_echo_req)];

	for (size_t i = 0; i < sizeof(captured) / sizeof(captured[0]); i++) {
		const size_t len = captured[i].len;

		if (captured[i].kind == ND_OTHER)
			continue; /* the host checks what it gets */
		for (size_t bit = OFF_PAYLOAD_LEN * 8; bit < len * 8; bit++) {
			struct nd_msg m;
			enum nd_kind k;

			if (bit / 8 == OFF_HOP_LIMIT)
				continue; /* not covered; refused for NS and NA above */
			memcpy(f, captured[i].frame, len);
			f[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			k = parse_frame(f, len, &m);
			if (k != ND_MALFORMED && k != ND_OTHER) {
				fprintf(stderr, "nd: frame %zu bit %zu gave %d\n", i, bit, (int)k);
				CU_FAIL("corrupted message accepted");
			}
		}
	}
}

int test_nd_register(void)
{
	static const CU_TestInfo tests[] = {
		{ "captured NS, NA and echo parse", test_captured_parse },
		{ "solicited-node group and MAC", test_solicited_node },
		{ "NA answering the captured NS", test_na_answers_captured_ns },
		{ "NA answering duplicate address detection", test_na_answers_dad },
		{ "NS to the solicited-node group", test_build_ns },
		{ "echo reply in place", test_echo_reply },
		{ "malformations refused", test_malformed_refused },
		{ "near misses accepted", test_near_misses_accepted },
		{ "every truncation", test_every_truncation },
		{ "every bit flip", test_every_bit_flip },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite("nd", tests);
}
