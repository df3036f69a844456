/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "icmp_error": what too-big errors quote (icmp_error.h), and how nd_parse sorts an
 * ICMPv6 "packet too big", on errors captured from Linux 6.18 routing between namespaces:
 * a route of MTU 1300 (IPv4) and 1280 (IPv6) in the path of a TCP upload. The captures'
 * quoted payload was the sender's 'x' bytes; they are kept up to it and filled to their
 * captured length with the same bytes. */
#include <string.h>

#include <rte_byteorder.h>

#include "icmp_error.h"
#include "nd.h"
#include "unit.h"

#define ETH_LEN 14
#define FILL 0x78

/* 10.77.0.1 to 10.77.0.2: "need to frag (mtu 1300)" quoting the segment 10.77.0.2:59618 >
 * 10.77.1.2:9000, seq 3637182817, whose IP header gives the length of a TSO segment (7292). */
static const uint8_t cap_frag_needed_head[] = {
	0xc6, 0x05, 0x97, 0xa2, 0xa5, 0x2b, 0x56, 0x3e, 0xdc, 0xbc, 0x5f, 0x56,
	0x08, 0x00, 0x45, 0xc0, 0x02, 0x40, 0xf4, 0xf3, 0x00, 0x00, 0x40, 0x01,
	0x6e, 0x6d, 0x0a, 0x4d, 0x00, 0x01, 0x0a, 0x4d, 0x00, 0x02, 0x03, 0x04,
	0x1f, 0xb9, 0x00, 0x00, 0x05, 0x14, 0x45, 0x00, 0x1c, 0x7c, 0x14, 0x69,
	0x40, 0x00, 0x40, 0x06, 0xf4, 0x75, 0x0a, 0x4d, 0x00, 0x02, 0x0a, 0x4d,
	0x01, 0x02, 0xe8, 0xe2, 0x23, 0x28, 0xd8, 0xcb, 0x01, 0x61, 0xde, 0xf5,
	0xcd, 0x78, 0x80, 0x18, 0x00, 0x3f, 0x32, 0x0c, 0x00, 0x00, 0x01, 0x01,
	0x08, 0x0a, 0xc5, 0x07, 0x6b, 0xd6, 0x9a, 0x88, 0x09, 0xfe,
};
#define CAP_FRAG_NEEDED_LEN 590

/* fd77::1 to fd77::2: "packet too big, mtu 1280" quoting fd77::2.57774 > fd78::2.9000,
 * seq 1358244540. */
static const uint8_t cap_too_big_head[] = {
	0xc6, 0x05, 0x97, 0xa2, 0xa5, 0x2b, 0x56, 0x3e, 0xdc, 0xbc, 0x5f, 0x56,
	0x86, 0xdd, 0x60, 0x06, 0xe6, 0xe4, 0x04, 0xd8, 0x3a, 0x40, 0xfd, 0x77,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0xfd, 0x77, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x9d, 0xad, 0x00, 0x00,
	0x05, 0x00, 0x60, 0x03, 0x9e, 0xa3, 0x05, 0xb4, 0x06, 0x3f, 0xfd, 0x77,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x02, 0xfd, 0x78, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xe1, 0xae, 0x23, 0x28, 0x50, 0xf5,
	0x2a, 0xbc, 0x76, 0x98, 0xed, 0x1e, 0x80, 0x10, 0x00, 0x40, 0x00, 0xaf,
	0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x2e, 0x6f, 0xda, 0xa2, 0x7b, 0x70,
	0x72, 0x00,
};
#define CAP_TOO_BIG_LEN 1294

static uint8_t frame[CAP_TOO_BIG_LEN];

/* The captured frame rebuilt in `frame`; returns its length. */
static uint32_t rebuild(const uint8_t *head, size_t head_len, uint32_t len)
{
	memcpy(frame, head, head_len);
	memset(frame + head_len, FILL, len - head_len);
	return len;
}

static uint32_t frag_needed(void)
{
	return rebuild(cap_frag_needed_head, sizeof(cap_frag_needed_head), CAP_FRAG_NEEDED_LEN);
}

static uint32_t too_big(void)
{
	return rebuild(cap_too_big_head, sizeof(cap_too_big_head), CAP_TOO_BIG_LEN);
}

#define V4_ICMP (ETH_LEN + 20)
#define V6_ICMP (ETH_LEN + 40)

static void test_frag_needed_capture(void)
{
	static const uint8_t src[4] = { 10, 77, 0, 2 }, dst[4] = { 10, 77, 1, 2 };
	uint32_t len = frag_needed();
	struct icmp_too_big e;

	CU_ASSERT_FATAL(icmp_too_big_parse4(frame + V4_ICMP, len - V4_ICMP, &e));
	CU_ASSERT_FALSE(e.v6);
	CU_ASSERT_EQUAL(e.mtu, 1300);
	CU_ASSERT_EQUAL(memcmp(e.src, src, 4), 0);
	CU_ASSERT_EQUAL(memcmp(e.dst, dst, 4), 0);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(e.src_port), 59618);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(e.dst_port), 9000);
	CU_ASSERT_EQUAL(e.seq, 3637182817u);
	/* RFC 792's minimum quote (IP header and 8 bytes) is enough; one byte less is not. */
	CU_ASSERT(icmp_too_big_parse4(frame + V4_ICMP, 8 + 20 + 8, &e));
	for (uint32_t cut = 0; cut < 8 + 20 + 8; cut++)
		CU_ASSERT_FALSE(icmp_too_big_parse4(frame + V4_ICMP, cut, &e));
}

/* What is not a too-big error or a hard unreachable about a TCP segment's first fragment
 * reads as nothing; a hard unreachable reads as one, with no MTU. */
static void test_frag_needed_refused(void)
{
	static const uint8_t hard[] = { 2, 3, 6, 7, 8, 9, 10, 13, 14, 15 };
	static const uint8_t soft[] = { 0, 1, 5, 11, 12, 16 };
	struct icmp_too_big e;
	uint32_t len;

	for (unsigned int i = 0; i < sizeof(hard); i++) {
		len = frag_needed();
		frame[V4_ICMP + 1] = hard[i]; /* port unreachable, refused by policy ... */
		CU_ASSERT_FATAL(icmp_too_big_parse4(frame + V4_ICMP, len - V4_ICMP, &e));
		CU_ASSERT(e.hard && e.mtu == 0 && e.seq == 3637182817u);
	}
	for (unsigned int i = 0; i < sizeof(soft); i++) {
		len = frag_needed();
		frame[V4_ICMP + 1] = soft[i]; /* network or host unreachable: may pass */
		CU_ASSERT_FALSE(icmp_too_big_parse4(frame + V4_ICMP, len - V4_ICMP, &e));
	}
	len = frag_needed();
	CU_ASSERT(icmp_too_big_parse4(frame + V4_ICMP, len - V4_ICMP, &e) && !e.hard);
	len = frag_needed();
	frame[V4_ICMP] = 11; /* time exceeded */
	CU_ASSERT_FALSE(icmp_too_big_parse4(frame + V4_ICMP, len - V4_ICMP, &e));
	len = frag_needed();
	frame[V4_ICMP + 8 + 9] = 17; /* quoting UDP */
	CU_ASSERT_FALSE(icmp_too_big_parse4(frame + V4_ICMP, len - V4_ICMP, &e));
	len = frag_needed();
	frame[V4_ICMP + 8 + 7] = 0xb9; /* a later fragment: no TCP header in it */
	CU_ASSERT_FALSE(icmp_too_big_parse4(frame + V4_ICMP, len - V4_ICMP, &e));
	len = frag_needed();
	frame[V4_ICMP + 8] = 0x44; /* header length 16 */
	CU_ASSERT_FALSE(icmp_too_big_parse4(frame + V4_ICMP, len - V4_ICMP, &e));
	len = frag_needed();
	frame[V4_ICMP + 8] = 0x65; /* version 6 */
	CU_ASSERT_FALSE(icmp_too_big_parse4(frame + V4_ICMP, len - V4_ICMP, &e));
	/* Options in the quoted header: the TCP ports follow them. */
	len = frag_needed();
	frame[V4_ICMP + 8] = 0x46;
	CU_ASSERT_FATAL(icmp_too_big_parse4(frame + V4_ICMP, len - V4_ICMP, &e));
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(e.src_port), 0xd8cb); /* the seq's first half */
	CU_ASSERT_FALSE(icmp_too_big_parse4(frame + V4_ICMP, 8 + 24 + 7, &e));
}

static void test_too_big_capture(void)
{
	static const uint8_t src[16] = { 0xfd, 0x77, [15] = 2 }, dst[16] = { 0xfd, 0x78, [15] = 2 };
	uint32_t len = too_big();
	struct icmp_too_big e;
	struct nd_msg msg;

	CU_ASSERT_EQUAL(nd_parse(frame + ETH_LEN, len - ETH_LEN, &msg), ND_TOO_BIG);
	CU_ASSERT_FATAL(icmp_too_big_parse6(frame + V6_ICMP, len - V6_ICMP, &e));
	CU_ASSERT(e.v6);
	CU_ASSERT_EQUAL(e.mtu, 1280);
	CU_ASSERT_EQUAL(memcmp(e.src, src, 16), 0);
	CU_ASSERT_EQUAL(memcmp(e.dst, dst, 16), 0);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(e.src_port), 57774);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(e.dst_port), 9000);
	CU_ASSERT_EQUAL(e.seq, 1358244540u);
	for (uint32_t cut = 0; cut < 8 + 40 + 8; cut++)
		CU_ASSERT_FALSE(icmp_too_big_parse6(frame + V6_ICMP, cut, &e));
	/* One quoted byte changed: the checksum no longer holds. */
	frame[len - 1] ^= 1;
	CU_ASSERT_EQUAL(nd_parse(frame + ETH_LEN, len - ETH_LEN, &msg), ND_MALFORMED);
}

static void test_too_big_refused(void)
{
	struct icmp_too_big e;
	struct nd_msg msg;
	uint32_t len;

	len = too_big();
	frame[V6_ICMP + 1] = 1; /* a code RFC 4443 does not give it: the host's */
	CU_ASSERT_EQUAL(nd_parse(frame + ETH_LEN, len - ETH_LEN, &msg), ND_OTHER);
	CU_ASSERT_FALSE(icmp_too_big_parse6(frame + V6_ICMP, len - V6_ICMP, &e));
	len = too_big();
	frame[V6_ICMP + 8 + 6] = 0; /* quoted with a hop-by-hop header first */
	CU_ASSERT_FALSE(icmp_too_big_parse6(frame + V6_ICMP, len - V6_ICMP, &e));
	len = too_big();
	frame[V6_ICMP + 8] = 0x40; /* quoted header not IPv6 */
	CU_ASSERT_FALSE(icmp_too_big_parse6(frame + V6_ICMP, len - V6_ICMP, &e));
	len = too_big();
	frame[V6_ICMP] = 1; /* destination unreachable */
	CU_ASSERT_FALSE(icmp_too_big_parse6(frame + V6_ICMP, len - V6_ICMP, &e));
}

int test_icmp_error_register(void)
{
	static const CU_TestInfo tests[] = {
		{ "Linux's fragmentation needed read", test_frag_needed_capture },
		{ "other ICMPv4 errors and quotes read as nothing", test_frag_needed_refused },
		{ "Linux's packet too big read, its checksum checked", test_too_big_capture },
		{ "other ICMPv6 errors and quotes read as nothing", test_too_big_refused },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite("icmp_error", tests);
}
