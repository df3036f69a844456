/* SPDX-License-Identifier: BSD-3-Clause */
/* Suites "tcp_opts", "syncookie", "proxy_v2": the relay's pure helpers. (The BIND
 * request's text is the control protocol's: test/controlplane/test_proto.c.) */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_random.h>

#include "proxy_v2.h"
#include "proxy_v2_read.h"
#include "syncookie.h"
#include "csum_delta.h"
#include "tcp_opts.h"
#include "unit.h"

/* Options of a Linux SYN as captured: mss 1460, sackOK, TS val 0x01020304 ecr 0,
 * nop, wscale 7, behind a 20-byte TCP header. */
static const uint8_t linux_syn[40] = {
	[20] = 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 1, 2, 3, 4, 0, 0, 0, 0, 1, 3, 3, 7,
};

static void test_parse_linux_syn(void)
{
	struct tcp_opts o;

	CU_ASSERT_TRUE_FATAL(tcp_opts_parse(linux_syn, sizeof(linux_syn), &o));
	CU_ASSERT_EQUAL(o.mss, 1460);
	CU_ASSERT_TRUE(o.sack_perm);
	CU_ASSERT_TRUE(o.has_ts);
	CU_ASSERT_EQUAL(o.tsval, 0x01020304);
	CU_ASSERT_EQUAL(o.tsecr, 0);
	CU_ASSERT_EQUAL(o.ts_off, 28);
	CU_ASSERT_EQUAL(o.wscale, 7);
}

static void test_write_then_parse(void)
{
	for (int mask = 0; mask < 8; mask++) {
		uint8_t hdr[60] = { 0 };
		struct tcp_opts o;
		bool ws = mask & 1, sack = mask & 2, ts = mask & 4;
		unsigned int n = tcp_opts_write_syn(hdr + 20, 1400, ws ? 9 : TCP_WSCALE_NONE, sack,
						    ts, 77, 88);

		CU_ASSERT_EQUAL(n % 4, 0);
		CU_ASSERT_TRUE(n <= 20);
		CU_ASSERT_TRUE_FATAL(tcp_opts_parse(hdr, 20 + n, &o));
		CU_ASSERT_EQUAL(o.mss, 1400);
		CU_ASSERT_EQUAL(o.wscale, ws ? 9 : TCP_WSCALE_NONE);
		CU_ASSERT_EQUAL(o.sack_perm, sack);
		CU_ASSERT_EQUAL(o.has_ts, ts);
		if (ts) {
			CU_ASSERT_EQUAL(o.tsval, 77);
			CU_ASSERT_EQUAL(o.tsecr, 88);
		}
	}
}

static void test_sack_blocks_and_ts_writer(void)
{
	uint8_t hdr[60] = { 0 };
	struct tcp_opts o;

	tcp_opts_write_ts(hdr + 20, 5, 6);
	hdr[32] = 1;
	hdr[33] = 1;
	hdr[34] = TCP_OPT_SACK;
	hdr[35] = 18; /* two blocks */
	CU_ASSERT_TRUE_FATAL(tcp_opts_parse(hdr, 52, &o));
	CU_ASSERT_EQUAL(o.sack_blocks, 2);
	CU_ASSERT_EQUAL(o.sack_off, 36);
	CU_ASSERT_EQUAL(o.tsval, 5);
	CU_ASSERT_EQUAL(o.tsecr, 6);
}

/* An established segment's NOP,NOP,TS (read at once) gives what the walk gives for the
 * same timestamp elsewhere; a bad length after NOP,NOP is still refused. */
static void test_established_timestamps(void)
{
	uint8_t hdr[32] = { 0 }, moved[32] = { 0 };
	struct tcp_opts o, m;

	CU_ASSERT_EQUAL(tcp_opts_write_ts(hdr + 20, 0xfedcba98u, 0x01234567u), 12);
	CU_ASSERT_TRUE_FATAL(tcp_opts_parse(hdr, sizeof(hdr), &o));
	memcpy(moved + 20, hdr + 22, 10); /* TS first, then NOP,NOP: the walk reads it */
	moved[30] = TCP_OPT_NOP;
	moved[31] = TCP_OPT_NOP;
	CU_ASSERT_TRUE_FATAL(tcp_opts_parse(moved, sizeof(moved), &m));
	CU_ASSERT_TRUE(o.has_ts && m.has_ts);
	CU_ASSERT_EQUAL(o.tsval, 0xfedcba98u);
	CU_ASSERT_EQUAL(o.tsecr, m.tsecr);
	CU_ASSERT_EQUAL(o.tsval, m.tsval);
	CU_ASSERT_EQUAL(o.ts_off, 24);
	CU_ASSERT_EQUAL(m.ts_off, 22);
	CU_ASSERT_EQUAL(o.wscale, TCP_WSCALE_NONE);
	CU_ASSERT_EQUAL(o.mss, 0);
	CU_ASSERT_EQUAL(o.sack_blocks, 0);
	hdr[23] = 9;
	CU_ASSERT_FALSE(tcp_opts_parse(hdr, sizeof(hdr), &o));
}

static void test_malformed_options(void)
{
	static const uint8_t bad[][4] = {
		{ TCP_OPT_MSS, 0, 0, 0 },     /* length 0 */
		{ TCP_OPT_MSS, 1, 0, 0 },     /* length 1 */
		{ TCP_OPT_MSS, 3, 5, 0 },     /* MSS of 3 bytes */
		{ TCP_OPT_TS, 10, 0, 0 },     /* runs past the header */
		{ 1, 1, 1, TCP_OPT_WSCALE },  /* kind at the last byte, no length */
		{ TCP_OPT_SACK, 4, 0, 0 },    /* SACK shorter than one block */
	};
	uint8_t hdr[24];
	struct tcp_opts o;

	for (size_t i = 0; i < RTE_DIM(bad); i++) {
		memset(hdr, 0, 20);
		memcpy(hdr + 20, bad[i], 4);
		CU_ASSERT_FALSE(tcp_opts_parse(hdr, sizeof(hdr), &o));
	}
	memset(hdr, 0, sizeof(hdr));
	hdr[20] = 99; /* unknown option, well formed: passes */
	hdr[21] = 4;
	CU_ASSERT_TRUE(tcp_opts_parse(hdr, sizeof(hdr), &o));
}

/* Full one's-complement sum of 16-bit words, complemented: the reference. */
static uint16_t full_sum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Random fields changed at random even offsets, 16 and 32 bits, several per packet as the
 * splice does: the patched checksum must equal the one computed over the new bytes. */
static void test_incremental_checksum(void)
{
	uint8_t buf[64];

	for (int round = 0; round < 4000; round++) {
		struct csum_delta d = { 0 };
		uint16_t ck_be, ck, ref;
		int changes = 1 + (int)(rte_rand() % 12);

		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)(round < 8 ? (round & 1 ? 0xff : 0) : rte_rand());
		ck_be = rte_cpu_to_be_16(full_sum(buf, sizeof(buf)));
		for (int c = 0; c < changes; c++) {
			unsigned int at = (unsigned int)(rte_rand() % 31) * 2;
			uint32_t old32, new32 = round < 8 ? (round & 2 ? 0xffffffffu : 0) : (uint32_t)rte_rand();
			uint16_t old16, new16 = (uint16_t)new32;

			if (rte_rand() & 1) {
				memcpy(&old32, buf + at, 4);
				memcpy(buf + at, &new32, 4);
				csum_delta32(&d, old32, new32);
			} else {
				memcpy(&old16, buf + at, 2);
				memcpy(buf + at, &new16, 2);
				csum_delta16(&d, old16, new16);
			}
		}
		ck = rte_be_to_cpu_16(csum_delta_apply(&d, ck_be));
		ref = full_sum(buf, sizeof(buf));
		/* 0x0000 and 0xffff are both zero in one's complement: a receiver takes either. */
		CU_ASSERT(ck == ref || ((ck ^ ref) == 0xffff && (ck == 0 || ref == 0)));
	}
}

static const struct syncookie_conn conn = {
	.client_ip = 0x0200000a, .local_ip = 0x0100000a, .client_port = 0x3930,
	.local_port = 0xbb01, .client_isn = 0x12345678,
};

/* A cookie for c at now_ms from a SYN with mss, wscale and SACK; *enc what it encodes. */
static uint32_t cookie_for(const struct syncookie_key *key, const struct syncookie_conn *c,
			   uint64_t now_ms, bool v6, uint16_t mss, uint8_t wscale, bool sack,
			   struct syncookie_opts *enc)
{
	struct syncookie_opts o = { mss, wscale, sack }, unused;
	uint32_t cookie = syncookie_make(key, c, now_ms, v6, &o);

	*(enc ? enc : &unused) = o;
	return cookie;
}

/* Whether cookie checks for c at now_ms (IPv4), *o what it carries. */
static bool cookie_ok(const struct syncookie_key *key, const struct syncookie_conn *c,
		      uint64_t now_ms, uint32_t cookie, struct syncookie_opts *o)
{
	struct syncookie_opts unused;

	return syncookie_check(key, c, now_ms, false, cookie, o ? o : &unused);
}

static void test_cookie_roundtrip(void)
{
	struct syncookie_key key;
	struct syncookie_opts enc, o;
	uint32_t c;

	CU_ASSERT_EQUAL_FATAL(syncookie_key_init(&key), 0);
	c = cookie_for(&key, &conn, 1000000, false, 1460, 7, true, &enc);
	CU_ASSERT_EQUAL(enc.mss, 1460);
	CU_ASSERT_TRUE(cookie_ok(&key, &conn, 1000000, c, &o));
	CU_ASSERT_EQUAL(o.mss, 1460);
	/* Still valid in the next period, not the one after. */
	CU_ASSERT_TRUE(cookie_ok(&key, &conn, 1000000 + SYNCOOKIE_PERIOD_MS, c, NULL));
	CU_ASSERT_FALSE(cookie_ok(&key, &conn, 1000000 + 2 * SYNCOOKIE_PERIOD_MS + 1, c, NULL));
	/* MSS rounds down to the table, never up. */
	cookie_for(&key, &conn, 5, false, 1260, 7, true, &enc); /* a cached path of 1300 */
	CU_ASSERT_EQUAL(enc.mss, 1220);
	cookie_for(&key, &conn, 5, false, 100, 7, true, &enc);
	CU_ASSERT_EQUAL(enc.mss, 536);
	/* IPv6 has its own: WireGuard's 1360 is kept (it fell to 1220). */
	cookie_for(&key, &conn, 5, true, 1360, 7, true, &enc);
	CU_ASSERT_EQUAL(enc.mss, 1360);
	cookie_for(&key, &conn, 5, true, 1200, 7, true, &enc);
	CU_ASSERT_EQUAL(enc.mss, 536);
	c = cookie_for(&key, &conn, 5, true, 1440, 7, true, &enc);
	CU_ASSERT_TRUE(syncookie_check(&key, &conn, 5, true, c, &o));
	CU_ASSERT_EQUAL(o.mss, 1440);
}

/* Window scale and SACK-permitted ride in the cookie, whatever timestamps do: a client
 * without timestamps (Windows' default) gets both back (it got neither). Under the MAC:
 * a cookie with other option bits does not check. */
static void test_cookie_options(void)
{
	static const struct { uint8_t ws; bool sack; uint8_t want; } cases[] = {
		{ 8, true, 8 }, { 0, false, 0 }, { 14, true, 14 }, { 15, false, 14 },
		{ SYNCOOKIE_WSCALE_NONE, true, SYNCOOKIE_WSCALE_NONE },
		{ SYNCOOKIE_WSCALE_NONE, false, SYNCOOKIE_WSCALE_NONE },
	};
	struct syncookie_key key;
	struct syncookie_opts o;

	CU_ASSERT_EQUAL_FATAL(syncookie_key_init(&key), 0);
	for (size_t i = 0; i < RTE_DIM(cases); i++) {
		uint32_t c = cookie_for(&key, &conn, 424242, false, 1460, cases[i].ws, cases[i].sack,
					NULL);

		CU_ASSERT_TRUE_FATAL(cookie_ok(&key, &conn, 424242, c, &o));
		CU_ASSERT_EQUAL(o.wscale, cases[i].want);
		CU_ASSERT_EQUAL(o.sack_perm, cases[i].sack);
		for (int bit = 24; bit < 31; bit++) /* SACK, window scale, MSS */
			CU_ASSERT_FALSE(cookie_ok(&key, &conn, 424242, c ^ (1u << bit), NULL));
	}
}

/* Keys come from the kernel: the same rte_rand seed twice must not give the same key (in
 * DPDK 22.11 that seed is 32 bits: a few cookies would let anyone search it offline). */
static void test_cookie_key_unseeded(void)
{
	struct syncookie_key a, b;

	rte_srand(42);
	CU_ASSERT_EQUAL_FATAL(syncookie_key_init(&a), 0);
	rte_srand(42);
	CU_ASSERT_EQUAL_FATAL(syncookie_key_init(&b), 0);
	CU_ASSERT_FALSE(a.k0 == b.k0 && a.k1 == b.k1);
	CU_ASSERT_FALSE(a.k0 == 0 && a.k1 == 0);
}

/* A cookie made under the current key still checks after one rotation (as the previous
 * key), not after two; the current key changes at each rotation. */
static void test_cookie_key_rotation(void)
{
	struct syncookie_keys ks;
	const struct syncookie_key *made_with;
	uint32_t c;

	CU_ASSERT_EQUAL_FATAL(syncookie_keys_init(&ks), 0);
	made_with = syncookie_keys_get(&ks, false);
	c = cookie_for(made_with, &conn, 1000000, false, 1460, 7, true, NULL);
	CU_ASSERT_EQUAL_FATAL(syncookie_keys_rotate(&ks), 0);
	CU_ASSERT_PTR_NOT_EQUAL(syncookie_keys_get(&ks, false), made_with);
	CU_ASSERT_PTR_EQUAL(syncookie_keys_get(&ks, true), made_with);
	CU_ASSERT_FALSE(cookie_ok(syncookie_keys_get(&ks, false), &conn, 1000000, c, NULL));
	CU_ASSERT_TRUE(cookie_ok(syncookie_keys_get(&ks, true), &conn, 1000000, c, NULL));
	CU_ASSERT_EQUAL_FATAL(syncookie_keys_rotate(&ks), 0);
	for (int previous = 0; previous < 2; previous++)
		CU_ASSERT_FALSE(cookie_ok(syncookie_keys_get(&ks, previous), &conn, 1000000, c, NULL));
}

static void test_cookie_forgeries(void)
{
	struct syncookie_key key, other;
	struct syncookie_conn c2 = conn;
	uint32_t c;
	unsigned int accepted = 0;

	CU_ASSERT_EQUAL_FATAL(syncookie_key_init(&key), 0);
	CU_ASSERT_EQUAL_FATAL(syncookie_key_init(&other), 0);
	c = cookie_for(&key, &conn, 777777, false, 1460, 7, true, NULL);
	CU_ASSERT_FALSE(cookie_ok(&other, &conn, 777777, c, NULL));
	c2.client_port ^= 1;
	CU_ASSERT_FALSE(cookie_ok(&key, &c2, 777777, c, NULL));
	c2 = conn;
	c2.client_isn++;
	CU_ASSERT_FALSE(cookie_ok(&key, &c2, 777777, c, NULL));
	c2 = conn;
	c2.local_ip ^= 0x100;
	CU_ASSERT_FALSE(cookie_ok(&key, &c2, 777777, c, NULL));
	/* The other slot's parity: not taken for the slot before. */
	CU_ASSERT_FALSE(cookie_ok(&key, &conn, 777777, c ^ (1u << 31), NULL));
	/* Random guesses: 24 bits of MAC make a hit among 100000 tries unlikely (odds about
	 * 0.6 % for one, far less for two). */
	for (int i = 0; i < 100000; i++)
		accepted += cookie_ok(&key, &conn, 777777, (uint32_t)rte_rand(), NULL);
	CU_ASSERT_TRUE(accepted <= 1);
}

static void test_proxy_v2_bytes(void)
{
	uint8_t buf[PROXY_V2_MAX_LEN];
	static const uint8_t expect[] = {
		0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
		0x21, 0x11, 0x00, 0x12,          /* v2 PROXY, TCP/IPv4, 18 bytes follow */
		10, 99, 0, 2, 10, 99, 0, 1,       /* source, destination */
		0x9c, 0x40, 0x01, 0xbb,           /* 40000 -> 443 */
		0x02, 0x00, 0x03, 'a', '.', 'b', /* authority TLV */
	};
	uint32_t src = rte_cpu_to_be_32(0x0a630002), dst = rte_cpu_to_be_32(0x0a630001);
	size_t n = proxy_v2_build(buf, sizeof(buf), src, rte_cpu_to_be_16(40000), dst,
				  rte_cpu_to_be_16(443), "a.b");

	struct proxy_v2_info pi;

	CU_ASSERT_EQUAL_FATAL(n, sizeof(expect));
	CU_ASSERT_EQUAL(memcmp(buf, expect, n), 0);
	/* What the builder writes, the reader another gateway runs reads back. */
	CU_ASSERT_EQUAL_FATAL(proxy_v2_read(buf, n, &pi), PROXY_V2_OK);
	CU_ASSERT_EQUAL(pi.header_len, n);
	CU_ASSERT_EQUAL(pi.dst_port, 443);
	CU_ASSERT_EQUAL(pi.src_port, 40000);
	CU_ASSERT_EQUAL(pi.authority_len, 3);
	CU_ASSERT_EQUAL(memcmp(pi.authority, "a.b", 3), 0);
	CU_ASSERT_EQUAL(proxy_v2_build(buf, sizeof(buf), src, 1, dst, 2, NULL), 28);
	CU_ASSERT_EQUAL(buf[15], 12);
	CU_ASSERT_EQUAL(proxy_v2_build(buf, 20, src, 1, dst, 2, "a.b"), 0);
	/* The mark one gateway adds for another before a hello: its TLV after the authority,
	 * the length grown by 4, read back; a value other than 1 is no mark. */
	n = proxy_v2_build(buf, sizeof(buf), src, rte_cpu_to_be_16(40000), dst,
			   rte_cpu_to_be_16(443), "a.b");
	n = proxy_v2_add_tlv(buf, n, sizeof(buf), PROXY_V2_TYPE_HELLO_FOLLOWS, "\1", 1);
	CU_ASSERT_EQUAL_FATAL(n, sizeof(expect) + 4);
	CU_ASSERT_EQUAL(buf[15], 0x12 + 4);
	CU_ASSERT_EQUAL(memcmp(buf + sizeof(expect), "\xe0\x00\x01\x01", 4), 0);
	CU_ASSERT_EQUAL_FATAL(proxy_v2_read(buf, n, &pi), PROXY_V2_OK);
	CU_ASSERT_TRUE(pi.hello_follows);
	CU_ASSERT_EQUAL(pi.authority_len, 3);
	buf[n - 1] = 2;
	CU_ASSERT_EQUAL_FATAL(proxy_v2_read(buf, n, &pi), PROXY_V2_OK);
	CU_ASSERT_FALSE(pi.hello_follows);
	CU_ASSERT_EQUAL(proxy_v2_add_tlv(buf, n, n + 3, 0xe1, "x", 1), 0); /* no room */
}

/* A TCP6 block of 36 address bytes; what nginx read from it is checked by test 37. */
static void test_proxy_v2_ipv6_bytes(void)
{
	uint8_t buf[PROXY_V2_MAX_LEN];
	static const uint8_t src[16] = { 0xfd, 0, 0, 0x99, [15] = 2 };
	static const uint8_t dst[16] = { 0xfd, 0, 0, 0x99, [15] = 1 };
	static const uint8_t head[16] = {
		0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
		0x21, 0x21, 0x00, 0x2a, /* v2 PROXY, TCP/IPv6, 36 + 6 bytes follow */
	};
	size_t n = proxy_v2_build6(buf, sizeof(buf), src, rte_cpu_to_be_16(40000), dst,
				   rte_cpu_to_be_16(443), "a.b");

	CU_ASSERT_EQUAL_FATAL(n, 16 + 36 + 6);
	CU_ASSERT_EQUAL(memcmp(buf, head, sizeof(head)), 0);
	CU_ASSERT_EQUAL(memcmp(buf + 16, src, 16), 0);
	CU_ASSERT_EQUAL(memcmp(buf + 32, dst, 16), 0);
	CU_ASSERT_EQUAL(buf[48], 0x9c);
	CU_ASSERT_EQUAL(buf[49], 0x40);
	CU_ASSERT_EQUAL(buf[50], 0x01);
	CU_ASSERT_EQUAL(buf[51], 0xbb);
	CU_ASSERT_EQUAL(memcmp(buf + 52, "\x02\x00\x03" "a.b", 6), 0);
	CU_ASSERT_EQUAL(proxy_v2_build6(buf, 51, src, 1, dst, 2, NULL), 0);
}

/* IPv6 connections: every bit of either address is in the cookie, under the key. */
static void test_cookie_ipv6(void)
{
	struct syncookie_key key, other;
	uint8_t client[16] = { 0xfd, 0, [15] = 2 }, local[16] = { 0xfd, 0, [15] = 1 };
	struct syncookie_conn c6, c2;
	struct syncookie_opts enc, o;
	uint32_t c;

	CU_ASSERT_EQUAL_FATAL(syncookie_key_init(&key), 0);
	CU_ASSERT_EQUAL_FATAL(syncookie_key_init(&other), 0);
	c6 = syncookie_conn6(&key, client, local, rte_cpu_to_be_16(40000), rte_cpu_to_be_16(443),
			     1234);
	c = cookie_for(&key, &c6, 777777, true, 1440, 7, true, &enc);
	CU_ASSERT_EQUAL(enc.mss, 1440);
	CU_ASSERT_TRUE(syncookie_check(&key, &c6, 777777, true, c, &o));
	c2 = syncookie_conn6(&other, client, local, rte_cpu_to_be_16(40000),
			     rte_cpu_to_be_16(443), 1234);
	CU_ASSERT_FALSE(syncookie_check(&key, &c2, 777777, true, c, &o));
	for (int byte = 0; byte < 16; byte++) {
		client[byte] ^= 0x10;
		c2 = syncookie_conn6(&key, client, local, rte_cpu_to_be_16(40000),
				     rte_cpu_to_be_16(443), 1234);
		CU_ASSERT_FALSE(syncookie_check(&key, &c2, 777777, true, c, &o));
		client[byte] ^= 0x10;
		local[byte] ^= 0x01;
		c2 = syncookie_conn6(&key, client, local, rte_cpu_to_be_16(40000),
				     rte_cpu_to_be_16(443), 1234);
		CU_ASSERT_FALSE(syncookie_check(&key, &c2, 777777, true, c, &o));
		local[byte] ^= 0x01;
	}
}

int test_relay_units_register(void)
{
	static const CU_TestInfo opts[] = {
		{ "Linux SYN options", test_parse_linux_syn },
		{ "write then parse, every combination", test_write_then_parse },
		{ "SACK blocks and timestamps", test_sack_blocks_and_ts_writer },
		{ "malformed options refused", test_malformed_options },
		{ "established timestamps read at once", test_established_timestamps },
		{ "incremental checksum matches full", test_incremental_checksum },
		CU_TEST_INFO_NULL,
	};
	static const CU_TestInfo cookies[] = {
		{ "round trip and expiry", test_cookie_roundtrip },
		{ "forgeries refused", test_cookie_forgeries },
		{ "keys not from the rte_rand seed", test_cookie_key_unseeded },
		{ "key rotation keeps the previous key", test_cookie_key_rotation },
		{ "window scale and SACK carried, timestamps or not", test_cookie_options },
		{ "IPv6 connections", test_cookie_ipv6 },
		CU_TEST_INFO_NULL,
	};
	static const CU_TestInfo proxy[] = {
		{ "header bytes", test_proxy_v2_bytes },
		{ "IPv6 header bytes", test_proxy_v2_ipv6_bytes },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite("tcp_opts", opts) || unit_add_suite("syncookie", cookies) ||
	       unit_add_suite("proxy_v2", proxy) ? -1 : 0;
}
