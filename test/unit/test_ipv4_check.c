/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "ipv4_check": every header defect gets its own drop reason; good packets pass. */
#include <string.h>

#include <rte_ip.h>
#include <rte_random.h>

#include "ipv4_check.h"
#include "unit.h"

/* A valid 20-byte header + 8 bytes of ICMP, checksum filled. */
static void make_packet(uint8_t *buf, size_t len)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;

	memset(buf, 0, len);
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16(28);
	ip->time_to_live = 64;
	ip->next_proto_id = 1;
	ip->src_addr = rte_cpu_to_be_32(0x0a000002);
	ip->dst_addr = rte_cpu_to_be_32(0x0a000001);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

static void refresh_checksum(uint8_t *buf)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;
	uint16_t ihl = (uint16_t)((ip->version_ihl & 0xf) * 4);

	ip->hdr_checksum = 0;
	ip->hdr_checksum = (uint16_t)~rte_raw_cksum(ip, ihl);
}

static void test_valid(void)
{
	uint8_t buf[64];

	make_packet(buf, sizeof(buf));
	CU_ASSERT_EQUAL(ipv4_check_header(buf, 28, IPV4_CSUM_UNKNOWN), DP_DROP_none);
	/* Ethernet minimum-size padding after the datagram is fine. */
	CU_ASSERT_EQUAL(ipv4_check_header(buf, 46, IPV4_CSUM_UNKNOWN), DP_DROP_none);
}

static void test_each_defect(void)
{
	uint8_t buf[64];
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;

	make_packet(buf, sizeof(buf));
	CU_ASSERT_EQUAL(ipv4_check_header(buf, 19, IPV4_CSUM_UNKNOWN), DP_DROP_runt);

	ip->version_ihl = 0x65;
	refresh_checksum(buf);
	CU_ASSERT_EQUAL(ipv4_check_header(buf, 28, IPV4_CSUM_UNKNOWN), DP_DROP_ipv4_version);

	ip->version_ihl = 0x44;
	CU_ASSERT_EQUAL(ipv4_check_header(buf, 28, IPV4_CSUM_UNKNOWN), DP_DROP_ipv4_ihl);
	ip->version_ihl = 0x48; /* 32-byte header in a 28-byte packet */
	CU_ASSERT_EQUAL(ipv4_check_header(buf, 28, IPV4_CSUM_UNKNOWN), DP_DROP_ipv4_ihl);

	make_packet(buf, sizeof(buf));
	ip->total_length = rte_cpu_to_be_16(29);
	refresh_checksum(buf);
	CU_ASSERT_EQUAL(ipv4_check_header(buf, 28, IPV4_CSUM_UNKNOWN), DP_DROP_ipv4_total_length);
	ip->total_length = rte_cpu_to_be_16(19);
	refresh_checksum(buf);
	CU_ASSERT_EQUAL(ipv4_check_header(buf, 28, IPV4_CSUM_UNKNOWN), DP_DROP_ipv4_total_length);

	make_packet(buf, sizeof(buf));
	ip->hdr_checksum ^= 0x0100;
	CU_ASSERT_EQUAL(ipv4_check_header(buf, 28, IPV4_CSUM_UNKNOWN), DP_DROP_ipv4_checksum);
	/* A NIC that verified the checksum is trusted either way. */
	CU_ASSERT_EQUAL(ipv4_check_header(buf, 28, IPV4_CSUM_GOOD), DP_DROP_none);
	make_packet(buf, sizeof(buf));
	CU_ASSERT_EQUAL(ipv4_check_header(buf, 28, IPV4_CSUM_BAD), DP_DROP_ipv4_checksum);

	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG);
	refresh_checksum(buf);
	CU_ASSERT_EQUAL(ipv4_check_header(buf, 28, IPV4_CSUM_UNKNOWN), DP_DROP_ipv4_fragment);
	ip->fragment_offset = rte_cpu_to_be_16(3);
	refresh_checksum(buf);
	CU_ASSERT_EQUAL(ipv4_check_header(buf, 28, IPV4_CSUM_UNKNOWN), DP_DROP_ipv4_fragment);
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	refresh_checksum(buf);
	CU_ASSERT_EQUAL(ipv4_check_header(buf, 28, IPV4_CSUM_UNKNOWN), DP_DROP_none);
}

static void test_options_header(void)
{
	uint8_t buf[64];
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;

	make_packet(buf, sizeof(buf));
	ip->version_ihl = 0x46; /* 4 bytes of options (NOPs) */
	memset(buf + 20, 1, 4);
	ip->total_length = rte_cpu_to_be_16(32);
	refresh_checksum(buf);
	CU_ASSERT_EQUAL(ipv4_check_header(buf, 32, IPV4_CSUM_UNKNOWN), DP_DROP_none);
}

/* Any byte pattern of any length gets a verdict: no reads past l3_len. */
static void test_every_truncation_and_byte(void)
{
	uint8_t buf[64];

	for (uint32_t len = 0; len <= 28; len++) {
		make_packet(buf, sizeof(buf));
		enum dp_drop v = ipv4_check_header(buf, len, IPV4_CSUM_UNKNOWN);

		CU_ASSERT_EQUAL(v, len < 20 ? DP_DROP_runt : len < 28 ? DP_DROP_ipv4_total_length
								    : DP_DROP_none);
	}
	for (int pos = 0; pos < 20; pos++) {
		for (int bit = 0; bit < 8; bit++) {
			make_packet(buf, sizeof(buf));
			buf[pos] ^= (uint8_t)(1u << bit);
			/* A single flipped bit can never leave header and checksum both valid. */
			CU_ASSERT_NOT_EQUAL(ipv4_check_header(buf, 28, IPV4_CSUM_UNKNOWN), DP_DROP_none);
		}
	}
}

static void test_martian_sources(void)
{
	CU_ASSERT_TRUE(ipv4_is_martian_source(0));
	CU_ASSERT_TRUE(ipv4_is_martian_source(0x7f000001));
	CU_ASSERT_TRUE(ipv4_is_martian_source(0xe0000001));
	CU_ASSERT_TRUE(ipv4_is_martian_source(0xffffffff));
	CU_ASSERT_FALSE(ipv4_is_martian_source(0x0a000002));
	CU_ASSERT_FALSE(ipv4_is_martian_source(0xc0000201));
}

/* Broadcast addresses of a subnet: the limited one always, the directed one of a /24 and a
 * /30; none on a /31, whose two addresses are both hosts (RFC 3021), nor on a /32. */
static void test_broadcast_addresses(void)
{
	CU_ASSERT_TRUE(ipv4_is_broadcast_in(0xffffffffu, 0x0a010201, 0xffffff00));
	CU_ASSERT_TRUE(ipv4_is_broadcast_in(0x0a0102ff, 0x0a010201, 0xffffff00));
	CU_ASSERT_FALSE(ipv4_is_broadcast_in(0x0a0103ff, 0x0a010201, 0xffffff00));
	CU_ASSERT_FALSE(ipv4_is_broadcast_in(0x0a0102fe, 0x0a010201, 0xffffff00));
	CU_ASSERT_TRUE(ipv4_is_broadcast_in(0x0a000003, 0x0a000001, 0xfffffffc));
	CU_ASSERT_FALSE(ipv4_is_broadcast_in(0x0a000001, 0x0a000000, 0xfffffffe));
	CU_ASSERT_FALSE(ipv4_is_broadcast_in(0x0a000000, 0x0a000001, 0xfffffffe));
	CU_ASSERT_FALSE(ipv4_is_broadcast_in(0x0a000001, 0x0a000001, 0xffffffff));
	CU_ASSERT_TRUE(ipv4_is_broadcast_in(0xffffffffu, 0x0a000000, 0xfffffffe));
}

/* Random addresses, ids and TTLs (the sums' carries go everywhere): each header with its
 * checksum filled passes, and each with the checksum off by one is refused. */
static void test_random_valid_headers(void)
{
	uint8_t buf[64];
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;

	for (int round = 0; round < 20000; round++) {
		make_packet(buf, sizeof(buf));
		ip->packet_id = (uint16_t)rte_rand();
		ip->time_to_live = (uint8_t)(1 + rte_rand() % 255);
		ip->type_of_service = (uint8_t)rte_rand();
		ip->src_addr = rte_cpu_to_be_32(0x0a000000u | (uint32_t)(rte_rand() & 0xffffff));
		ip->dst_addr = (uint32_t)rte_rand();
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		CU_ASSERT_EQUAL(ipv4_check_header(buf, 28, IPV4_CSUM_UNKNOWN), DP_DROP_none);
		ip->hdr_checksum = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(ip->hdr_checksum) + 1));
		CU_ASSERT_EQUAL(ipv4_check_header(buf, 28, IPV4_CSUM_UNKNOWN), DP_DROP_ipv4_checksum);
	}
}

/* The fold one 16-bit step at a time, as RFC 1071 describes it. */
static uint16_t fold_by_steps(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* csum_fold64 (the splice's and the header check's) against the plain loop: the edges
 * of each carry and a million random sums. */
static void test_fold_matches_steps(void)
{
	static const uint64_t edges[] = {
		0, 1, 0xffff, 0x10000, 0x1fffe, 0xffffffffu, 0x100000000ull, 0x1fffffffeull,
		0xffffffff0000ull, 0xffffffffffffffffull, 0x8000000080000000ull,
		/* halves summing to exactly 2^16 or 2^32: the rotating fold's carry cases */
		0xffff0001u, 0x8000800000000000ull, 0xffffffff00000001ull, 0x00010000ffff0000ull,
		0x80000000ffff0001ull,
	};
	unsigned int bad = 0;

	for (unsigned int i = 0; i < RTE_DIM(edges); i++)
		bad += csum_fold64(edges[i]) != fold_by_steps(edges[i]);
	for (unsigned int i = 0; i < 1000000; i++) {
		uint64_t v = rte_rand() >> (rte_rand() & 63);

		bad += csum_fold64(v) != fold_by_steps(v);
	}
	CU_ASSERT_EQUAL(bad, 0);
}

int test_ipv4_check_register(void)
{
	static const CU_TestInfo tests[] = {
		{ "valid header", test_valid },
		{ "each defect has its reason", test_each_defect },
		{ "header with options", test_options_header },
		{ "every truncation and bit flip", test_every_truncation_and_byte },
		{ "martian sources", test_martian_sources },
		{ "broadcast addresses, none on a /31", test_broadcast_addresses },
		{ "random valid headers pass, off by one refused", test_random_valid_headers },
		{ "checksum fold matches the step-by-step fold", test_fold_matches_steps },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite("ipv4_check", tests);
}
