/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "stun": the STUN/TURN message codec. The RFC 5769 test vectors, builder round
 * trips with both integrity attributes and the fingerprint, the builder's bounds, stream
 * framing, every decoder refusal, and the TURN answers a client acts on. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "stun_msg.h"
#include "unit.h"

/* ---- RFC 5769 test vectors (published bytes) ---- */

#define RFC5769_COOKIE_TID 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, \
	0x86, 0xfa, 0x87, 0xdf, 0xae
#define RFC5769_SERVER 0x80, 0x22, 0x00, 0x0b, 't', 'e', 's', 't', ' ', 'v', 'e', 'c', 't', \
	'o', 'r', ' '

static const char rfc5769_password[] = "VOkJxbRl1RmTxUk/WvJxBt";

/* 2.1: a Binding request with ICE attributes and a short-term credential. */
static const uint8_t rfc5769_request[] = {
	0x00, 0x01, 0x00, 0x58, RFC5769_COOKIE_TID,
	0x80, 0x22, 0x00, 0x10, 'S', 'T', 'U', 'N', ' ', 't', 'e', 's', 't', ' ', 'c', 'l',
	'i', 'e', 'n', 't',
	0x00, 0x24, 0x00, 0x04, 0x6e, 0x00, 0x01, 0xff,
	0x80, 0x29, 0x00, 0x08, 0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36,
	0x00, 0x06, 0x00, 0x09, 0x65, 0x76, 0x74, 0x6a, 0x3a, 0x68, 0x36, 0x76, 0x59, 0x20,
	0x20, 0x20,
	0x00, 0x08, 0x00, 0x14, 0x9a, 0xea, 0xa7, 0x0c, 0xbf, 0xd8, 0xcb, 0x56, 0x78, 0x1e,
	0xf2, 0xb5, 0xb2, 0xd3, 0xf2, 0x49, 0xc1, 0xb5, 0x71, 0xa2,
	0x80, 0x28, 0x00, 0x04, 0xe5, 0x7a, 0x3b, 0xcf,
};

/* 2.2: a Binding success with an IPv4 XOR-MAPPED-ADDRESS. */
static const uint8_t rfc5769_ipv4[] = {
	0x01, 0x01, 0x00, 0x3c, RFC5769_COOKIE_TID, RFC5769_SERVER,
	0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
	0x00, 0x08, 0x00, 0x14, 0x2b, 0x91, 0xf5, 0x99, 0xfd, 0x9e, 0x90, 0xc3, 0x8c, 0x74,
	0x89, 0xf9, 0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b, 0xe7, 0xd7,
	0x80, 0x28, 0x00, 0x04, 0xc0, 0x7d, 0x4c, 0x96,
};

/* 2.3: the same with an IPv6 XOR-MAPPED-ADDRESS. */
static const uint8_t rfc5769_ipv6[] = {
	0x01, 0x01, 0x00, 0x48, RFC5769_COOKIE_TID, RFC5769_SERVER,
	0x00, 0x20, 0x00, 0x14, 0x00, 0x02, 0xa1, 0x47, 0x01, 0x13, 0xa9, 0xfa, 0xa5, 0xd3,
	0xf1, 0x79, 0xbc, 0x25, 0xf4, 0xb5, 0xbe, 0xd2, 0xb9, 0xd9,
	0x00, 0x08, 0x00, 0x14, 0xa3, 0x82, 0x95, 0x4e, 0x4b, 0xe6, 0x7b, 0xf1, 0x17, 0x84,
	0xc9, 0x7c, 0x82, 0x92, 0xc2, 0x75, 0xbf, 0xe3, 0xed, 0x41,
	0x80, 0x28, 0x00, 0x04, 0xc8, 0xfb, 0x0b, 0x4c,
};

/* 2.4: a request with a long-term credential; the username is UTF-8 katakana. */
static const char rfc5769_user[] = "\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82"
				   "\xaf\xe3\x82\xb9";
static const uint8_t rfc5769_long_term[] = {
	0x00, 0x01, 0x00, 0x60, 0x21, 0x12, 0xa4, 0x42, 0x78, 0xad, 0x34, 0x33, 0xc6, 0xad,
	0x72, 0xc0, 0x29, 0xda, 0x41, 0x2e,
	0x00, 0x06, 0x00, 0x12, 0xe3, 0x83, 0x9e, 0xe3, 0x83, 0x88, 0xe3, 0x83, 0xaa, 0xe3,
	0x83, 0x83, 0xe3, 0x82, 0xaf, 0xe3, 0x82, 0xb9, 0x00, 0x00,
	0x00, 0x15, 0x00, 0x1c, 'f', '/', '/', '4', '9', '9', 'k', '9', '5', '4', 'd', '6',
	'O', 'L', '3', '4', 'o', 'L', '9', 'F', 'S', 'T', 'v', 'y', '6', '4', 's', 'A',
	0x00, 0x14, 0x00, 0x0b, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'o', 'r', 'g', 0x00,
	0x00, 0x08, 0x00, 0x14, 0xf6, 0x70, 0x24, 0x65, 0x6d, 0xd6, 0x4a, 0x3e, 0x02, 0xb8,
	0xe0, 0x71, 0x2e, 0x85, 0xc9, 0xa2, 0x8c, 0xa8, 0x96, 0x66,
};

static const uint8_t tid[STUN_TID_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
static const uint8_t key1[] = "key one";
static const uint8_t key2[] = "key two";

static void decode_ok(const uint8_t *buf, size_t len, struct stun_msg *m)
{
	const char *why = "";

	CU_ASSERT_EQUAL_FATAL(stun_decode(buf, len, m, &why), 0);
}

/* The message b holds, decoded into m: its length. */
static int finish_decoded(struct stun_builder *b, struct stun_msg *m)
{
	int len = stun_build_finish(b);

	CU_ASSERT_FATAL(len > 0);
	decode_ok(b->buf, (size_t)len, m);
	return len;
}

static bool short_term_ok(const struct stun_msg *m)
{
	return stun_check_integrity(m, (const uint8_t *)rfc5769_password,
				    strlen(rfc5769_password));
}

static struct stun_addr addr(const char *text, uint16_t port)
{
	struct stun_addr a = { .port = port };

	a.family = strchr(text, ':') ? AF_INET6 : AF_INET;
	CU_ASSERT_EQUAL(inet_pton(a.family, text, a.ip), 1);
	return a;
}

static bool same_addr(const struct stun_addr *a, const struct stun_addr *b)
{
	return a->family == b->family && a->port == b->port && memcmp(a->ip, b->ip, 16) == 0;
}

static void test_rfc5769_request(void)
{
	struct stun_msg m;

	decode_ok(rfc5769_request, sizeof(rfc5769_request), &m);
	CU_ASSERT_EQUAL(m.method, STUN_BINDING);
	CU_ASSERT_EQUAL(m.cls, STUN_REQUEST);
	CU_ASSERT_EQUAL(memcmp(m.tid, rfc5769_request + 8, STUN_TID_LEN), 0);
	CU_ASSERT_STRING_EQUAL(m.software, "STUN test client");
	CU_ASSERT(m.has_integrity);
	CU_ASSERT(m.has_fingerprint && m.fingerprint_ok);
	CU_ASSERT(short_term_ok(&m));
	CU_ASSERT_FALSE(stun_check_integrity(&m, key1, sizeof(key1)));
	CU_ASSERT_FALSE(stun_check_integrity_sha256(&m, (const uint8_t *)rfc5769_password,
						    strlen(rfc5769_password)));
	/* PRIORITY (0x0024) is ICE's: required and unknown here; ICE-CONTROLLED optional. */
	CU_ASSERT_EQUAL(m.n_unknown_required, 1);
	CU_ASSERT_EQUAL(m.unknown_required[0], 0x0024);
}

static void check_rfc5769_response(const uint8_t *buf, size_t len,
				   const struct stun_addr *want)
{
	struct stun_msg m;

	decode_ok(buf, len, &m);
	CU_ASSERT_EQUAL(m.method, STUN_BINDING);
	CU_ASSERT_EQUAL(m.cls, STUN_SUCCESS);
	CU_ASSERT_STRING_EQUAL(m.software, "test vector");
	CU_ASSERT(m.has_mapped && same_addr(&m.mapped, want));
	CU_ASSERT(m.fingerprint_ok);
	CU_ASSERT(short_term_ok(&m));
	CU_ASSERT_EQUAL(m.n_unknown_required, 0);
}

static void test_rfc5769_responses(void)
{
	struct stun_addr v4 = addr("192.0.2.1", 32853);
	struct stun_addr v6 = addr("2001:db8:1234:5678:11:2233:4455:6677", 32853);

	check_rfc5769_response(rfc5769_ipv4, sizeof(rfc5769_ipv4), &v4);
	check_rfc5769_response(rfc5769_ipv6, sizeof(rfc5769_ipv6), &v6);
}

static void test_rfc5769_long_term(void)
{
	uint8_t key[32];
	struct stun_msg m;

	CU_ASSERT_EQUAL_FATAL(stun_long_term_key(STUN_PW_MD5, rfc5769_user, "example.org",
						 "TheMatrIX", key), 16);
	decode_ok(rfc5769_long_term, sizeof(rfc5769_long_term), &m);
	CU_ASSERT(m.has_realm && strcmp(m.realm, "example.org") == 0);
	CU_ASSERT(m.has_nonce && strcmp(m.nonce, "f//499k954d6OL34oL9FSTvy64sA") == 0);
	CU_ASSERT_FALSE(m.has_fingerprint);
	CU_ASSERT(stun_check_integrity(&m, key, 16));
	key[0] ^= 1;
	CU_ASSERT_FALSE(stun_check_integrity(&m, key, 16));
}

static void test_long_term_key_sha256(void)
{
	static const uint8_t want[32] = {
		0xf2, 0x20, 0x52, 0xfe, 0xa8, 0x54, 0x1d, 0x9a, 0x84, 0xdc, 0x48, 0xaa, 0x41,
		0xb2, 0x0e, 0x65, 0x02, 0x3c, 0x37, 0x6e, 0x46, 0x3b, 0xc3, 0x9e, 0x71, 0x6f,
		0xac, 0x6e, 0x0f, 0x0f, 0x7a, 0x5f,
	}; /* SHA-256("alice:example.org:s3cret") */
	uint8_t key[32];

	CU_ASSERT_EQUAL(stun_long_term_key(STUN_PW_SHA256, "alice", "example.org", "s3cret",
					   key), 32);
	CU_ASSERT_EQUAL(memcmp(key, want, sizeof(want)), 0);
	CU_ASSERT_EQUAL(stun_long_term_key((enum stun_pw_alg)3, "a", "b", "c", key), 0);
}

/* ---- builder ---- */

/* The Allocate a TURN client sends for a TCP allocation, with every protection. */
static int build_allocate(uint8_t *buf, size_t cap, bool fingerprint)
{
	struct stun_builder b;

	stun_build_start(&b, buf, cap, TURN_ALLOCATE, STUN_REQUEST, tid);
	stun_put_requested_transport(&b, 6);
	stun_put_string(&b, STUN_ATTR_USERNAME, "alice");
	stun_put_string(&b, STUN_ATTR_REALM, "example.org");
	stun_put_string(&b, STUN_ATTR_NONCE, "obMatJos2AAABadCafe");
	stun_put_password_algorithm(&b, STUN_PW_SHA256);
	stun_put_integrity(&b, key1, sizeof(key1));
	stun_put_integrity_sha256(&b, key1, sizeof(key1));
	if (fingerprint)
		stun_put_fingerprint(&b);
	return stun_build_finish(&b);
}

static void test_round_trip(void)
{
	uint8_t buf[512];
	int len = build_allocate(buf, sizeof(buf), true);
	struct stun_msg m;

	CU_ASSERT_FATAL(len > 0);
	CU_ASSERT_EQUAL(len % 4, 0);
	CU_ASSERT_EQUAL(stun_frame_length(buf, (size_t)len), len);
	decode_ok(buf, (size_t)len, &m);
	CU_ASSERT_EQUAL(m.method, TURN_ALLOCATE);
	CU_ASSERT_EQUAL(m.cls, STUN_REQUEST);
	CU_ASSERT_EQUAL(memcmp(m.tid, tid, sizeof(tid)), 0);
	CU_ASSERT_STRING_EQUAL(m.realm, "example.org");
	CU_ASSERT_STRING_EQUAL(m.nonce, "obMatJos2AAABadCafe");
	CU_ASSERT(m.has_integrity && m.has_integrity_sha256 && m.fingerprint_ok);
	CU_ASSERT_EQUAL(m.integrity_sha256_len, 32);
	CU_ASSERT(stun_check_integrity(&m, key1, sizeof(key1)));
	CU_ASSERT(stun_check_integrity_sha256(&m, key1, sizeof(key1)));
	CU_ASSERT_EQUAL(m.n_unknown_required, 0);
}

static void test_wrong_key_and_tampering(void)
{
	uint8_t buf[512];
	int len = build_allocate(buf, sizeof(buf), false);
	struct stun_msg m;

	CU_ASSERT_FATAL(len > 0);
	decode_ok(buf, (size_t)len, &m);
	CU_ASSERT_FALSE(stun_check_integrity(&m, key2, sizeof(key2)));
	CU_ASSERT_FALSE(stun_check_integrity_sha256(&m, key2, sizeof(key2)));
	/* HMAC zero-pads keys: dropping only the trailing NUL would not change the MAC. */
	CU_ASSERT_FALSE(stun_check_integrity(&m, key1, sizeof(key1) - 2));
	buf[STUN_HDR_LEN + 12] ^= 0x20; /* "alice" -> "Alice" */
	decode_ok(buf, (size_t)len, &m);
	CU_ASSERT_FALSE(stun_check_integrity(&m, key1, sizeof(key1)));
	CU_ASSERT_FALSE(stun_check_integrity_sha256(&m, key1, sizeof(key1)));

	len = build_allocate(buf, sizeof(buf), true);
	buf[STUN_HDR_LEN + 12] ^= 0x20;
	CU_ASSERT_EQUAL(stun_decode(buf, (size_t)len, &m, NULL), -1);
}

/* Every capacity short of the message fails without touching the byte after it. */
static void test_builder_overflow(void)
{
	uint8_t full[512], buf[513];
	int want = build_allocate(full, sizeof(full), true);

	CU_ASSERT_FATAL(want > 0);
	for (size_t cap = 0; cap <= (size_t)want; cap++) {
		memset(buf, 0xa5, sizeof(buf));
		CU_ASSERT_EQUAL(build_allocate(buf, cap, true), cap == (size_t)want ? want : -1);
		CU_ASSERT_EQUAL(buf[cap], 0xa5);
	}
	CU_ASSERT_EQUAL(memcmp(buf, full, (size_t)want), 0);
}

static void test_builder_refusals(void)
{
	static uint8_t big[0x20000];
	struct stun_addr none = { .family = AF_UNIX };
	uint16_t types[1] = { 0x0024 };
	struct stun_builder b;
	uint8_t buf[64];

	stun_build_start(&b, buf, sizeof(buf), STUN_BINDING, STUN_REQUEST, tid);
	stun_put_xor_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &none);
	CU_ASSERT_EQUAL(stun_build_finish(&b), -1);
	stun_build_start(&b, buf, sizeof(buf), STUN_BINDING, STUN_ERROR, tid);
	stun_put_error_code(&b, 299, "x");
	CU_ASSERT_EQUAL(stun_build_finish(&b), -1);
	stun_build_start(&b, buf, sizeof(buf), STUN_BINDING, STUN_ERROR, tid);
	stun_put_error_code(&b, 420, NULL);
	stun_put_unknown_attributes(&b, types, 1);
	CU_ASSERT_EQUAL(stun_build_finish(&b), 20 + 8 + 8);
	/* A value longer than the 16-bit length field, even with room for it. */
	stun_build_start(&b, big, sizeof(big), TURN_SEND, STUN_INDICATION, tid);
	stun_put_attr(&b, STUN_ATTR_DATA, big + 100, 0xfff9);
	CU_ASSERT_EQUAL(stun_build_finish(&b), -1);
}

/* Each method in each class: the class bits interleave with the method bits. */
static void test_type_encoding(void)
{
	static const uint16_t methods[] = { STUN_BINDING, TURN_ALLOCATE, TURN_REFRESH, TURN_SEND,
					    TURN_DATA, TURN_CREATE_PERMISSION, TURN_CHANNEL_BIND,
					    TURN_CONNECT, TURN_CONNECTION_BIND,
					    TURN_CONNECTION_ATTEMPT, 0xfff };
	uint8_t buf[STUN_HDR_LEN];
	struct stun_builder b;
	struct stun_msg m;

	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		for (int c = STUN_REQUEST; c <= STUN_ERROR; c++) {
			stun_build_start(&b, buf, sizeof(buf), methods[i], (enum stun_class)c, tid);
			CU_ASSERT_EQUAL_FATAL(stun_build_finish(&b), STUN_HDR_LEN);
			CU_ASSERT_EQUAL(buf[0] & 0xc0, 0);
			decode_ok(buf, sizeof(buf), &m);
			CU_ASSERT_EQUAL(m.method, methods[i]);
			CU_ASSERT_EQUAL(m.cls, c);
		}
		CU_ASSERT_STRING_NOT_EQUAL(stun_method_name(methods[i]), "");
	}
	stun_build_start(&b, buf, sizeof(buf), STUN_BINDING, STUN_SUCCESS, tid);
	CU_ASSERT(buf[0] == 0x01 && buf[1] == 0x01);
	stun_build_start(&b, buf, sizeof(buf), TURN_ALLOCATE, STUN_ERROR, tid);
	CU_ASSERT(buf[0] == 0x01 && buf[1] == 0x13);
	CU_ASSERT_STRING_EQUAL(stun_method_name(TURN_CONNECTION_ATTEMPT), "ConnectionAttempt");
	CU_ASSERT_STRING_EQUAL(stun_method_name(0xfff), "unknown");
}

static void test_new_tid(void)
{
	uint8_t a[STUN_TID_LEN], b[STUN_TID_LEN];

	stun_new_tid(a);
	stun_new_tid(b);
	CU_ASSERT_NOT_EQUAL(memcmp(a, b, sizeof(a)), 0);
}

/* ---- framing ---- */

static void test_frame_length(void)
{
	uint8_t stream[2 * sizeof(rfc5769_ipv4)];
	const size_t n = sizeof(rfc5769_ipv4);

	memcpy(stream, rfc5769_ipv4, n);
	memcpy(stream + n, rfc5769_ipv4, n);
	for (size_t avail = 0; avail < STUN_HDR_LEN; avail++)
		CU_ASSERT_EQUAL(stun_frame_length(stream, avail), 0);
	CU_ASSERT_EQUAL(stun_frame_length(stream, STUN_HDR_LEN), (long)n);
	CU_ASSERT_EQUAL(stun_frame_length(stream, sizeof(stream)), (long)n);
	CU_ASSERT_EQUAL(stun_frame_length(stream + n, n), (long)n);
	stream[0] = 0x40; /* a ChannelData frame: channel 0x4001 */
	CU_ASSERT_EQUAL(stun_frame_length(stream, sizeof(stream)), -1);
	stream[0] = 0x81;
	CU_ASSERT_EQUAL(stun_frame_length(stream, sizeof(stream)), -1);
	stream[0] = 0x01;
	stream[3] = 0x3d;
	CU_ASSERT_EQUAL(stun_frame_length(stream, sizeof(stream)), -1);
	stream[3] = 0x3c;
	stream[7] ^= 1;
	CU_ASSERT_EQUAL(stun_frame_length(stream, sizeof(stream)), -1);
}

/* ---- decoder refusals ---- */

static void expect_refusal(const uint8_t *buf, size_t len, const char *want)
{
	struct stun_msg m;
	const char *why = NULL;

	CU_ASSERT_EQUAL(stun_decode(buf, len, &m, &why), -1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(why);
	if (strcmp(why, want) != 0)
		fprintf(stderr, "\n  refused for \"%s\", expected \"%s\"\n", why, want);
	CU_ASSERT_STRING_EQUAL(why, want);
}

static void finish_refused(struct stun_builder *b, const char *want)
{
	int len = stun_build_finish(b);

	CU_ASSERT_FATAL(len > 0);
	expect_refusal(b->buf, (size_t)len, want);
}

static void test_refuse_header(void)
{
	uint8_t buf[sizeof(rfc5769_ipv4) + 4];
	const size_t n = sizeof(rfc5769_ipv4);

	memcpy(buf, rfc5769_ipv4, n);
	for (size_t len = 0; len < STUN_HDR_LEN; len++)
		expect_refusal(buf, len, "shorter than a STUN header");
	expect_refusal(buf, n - 4, "length field disagrees with the message size");
	expect_refusal(buf, n + 4, "length field disagrees with the message size");
	buf[4] = 0x20;
	expect_refusal(buf, n, "bad magic cookie");
	buf[4] = 0x21;
	buf[0] = 0x41;
	expect_refusal(buf, n, "not STUN: top two bits set");
	/* An attribute without its padding: the length is no longer a multiple of 4. */
	buf[0] = 0x01;
	buf[3] = 0x3d;
	expect_refusal(buf, n + 1, "message length not a multiple of 4");
}

/* A message whose only attribute is type/v/n, refused with the reason want. */
static void refuse_attr(uint16_t type, const void *v, size_t n, const char *want)
{
	uint8_t buf[1024];
	struct stun_builder b;

	stun_build_start(&b, buf, sizeof(buf), TURN_ALLOCATE, STUN_ERROR, tid);
	stun_put_attr(&b, type, v, n);
	finish_refused(&b, want);
}

static void test_refuse_addresses(void)
{
	static const uint8_t v4[8] = { 0, 1, 0x12, 0x34, 10, 0, 0, 1 };
	static const uint8_t v6[20] = { 0, 2, 0x12, 0x34, 0x20, 0x01, 0x0d, 0xb8 };
	static const uint8_t v4_long[20] = { 0, 1, 0x12, 0x34, 10, 0, 0, 1 };
	static const uint8_t fam3[8] = { 0, 3, 0x12, 0x34, 10, 0, 0, 1 };
	static const uint16_t types[] = { STUN_ATTR_XOR_MAPPED_ADDRESS, STUN_ATTR_XOR_PEER_ADDRESS,
					  STUN_ATTR_XOR_RELAYED_ADDRESS, STUN_ATTR_ALTERNATE_SERVER };

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		refuse_attr(types[i], fam3, sizeof(fam3), "address family neither IPv4 nor IPv6");
		refuse_attr(types[i], v4, 3, "address attribute too short");
		refuse_attr(types[i], v6, 8, "address attribute length wrong for its family");
		refuse_attr(types[i], v4, 7, "address attribute length wrong for its family");
		refuse_attr(types[i], v6, 16, "address attribute length wrong for its family");
		refuse_attr(types[i], v4_long, 20, "address attribute length wrong for its family");
	}
}

static void test_refuse_values(void)
{
	static const uint8_t err_class2[] = { 0, 0, 2, 0 }, err_class7[] = { 0, 0, 7, 1 };
	static const uint8_t err_num100[] = { 0, 0, 4, 100 }, pw_short[] = { 0, 1, 0, 4, 0, 0 };
	static const uint8_t pw_runs[] = { 0, 1, 0, 5, 1, 2, 3, 4 };
	static const char too_long[] = "text attribute longer than 763 bytes";
	static char long_text[STUN_MAX_TEXT + 1], long_reason[4 + STUN_MAX_TEXT + 1] = { 0, 0, 4 };
	uint8_t zeros[40] = { 0 };

	memset(long_text, 'r', sizeof(long_text));
	memset(long_reason + 4, 'r', sizeof(long_reason) - 4);
	refuse_attr(STUN_ATTR_ERROR_CODE, err_class2, 4, "bad ERROR-CODE class or number");
	refuse_attr(STUN_ATTR_ERROR_CODE, err_class7, 4, "bad ERROR-CODE class or number");
	refuse_attr(STUN_ATTR_ERROR_CODE, err_num100, 4, "bad ERROR-CODE class or number");
	refuse_attr(STUN_ATTR_ERROR_CODE, err_class2, 3, "ERROR-CODE too short");
	refuse_attr(STUN_ATTR_REALM, long_text, sizeof(long_text), too_long);
	refuse_attr(STUN_ATTR_NONCE, long_text, sizeof(long_text), too_long);
	refuse_attr(STUN_ATTR_SOFTWARE, long_text, sizeof(long_text), too_long);
	refuse_attr(STUN_ATTR_ERROR_CODE, long_reason, sizeof(long_reason), too_long);
	refuse_attr(STUN_ATTR_NONCE, "ab\0cd", 5, "NUL byte in REALM or NONCE");
	refuse_attr(STUN_ATTR_LIFETIME, zeros, 8, "LIFETIME or CONNECTION-ID not 4 bytes");
	refuse_attr(STUN_ATTR_CONNECTION_ID, zeros, 2, "LIFETIME or CONNECTION-ID not 4 bytes");
	refuse_attr(STUN_ATTR_PASSWORD_ALGORITHMS, pw_short, sizeof(pw_short),
		    "PASSWORD-ALGORITHMS parameters run past the end");
	refuse_attr(STUN_ATTR_PASSWORD_ALGORITHMS, pw_runs, sizeof(pw_runs),
		    "PASSWORD-ALGORITHMS parameters run past the end");
	refuse_attr(STUN_ATTR_PASSWORD_ALGORITHMS, pw_short, 2,
		    "PASSWORD-ALGORITHMS entry truncated");
	refuse_attr(STUN_ATTR_UNKNOWN_ATTRIBUTES, zeros, 3, "UNKNOWN-ATTRIBUTES of odd length");
	refuse_attr(STUN_ATTR_MESSAGE_INTEGRITY, zeros, 32, "MESSAGE-INTEGRITY not 20 bytes");
	refuse_attr(STUN_ATTR_MESSAGE_INTEGRITY_SHA256, zeros, 12,
		    "MESSAGE-INTEGRITY-SHA256 length not 16..32 in steps of 4");
	refuse_attr(STUN_ATTR_MESSAGE_INTEGRITY_SHA256, zeros, 36,
		    "MESSAGE-INTEGRITY-SHA256 length not 16..32 in steps of 4");
	refuse_attr(STUN_ATTR_MESSAGE_INTEGRITY_SHA256, zeros, 18,
		    "MESSAGE-INTEGRITY-SHA256 length not 16..32 in steps of 4");
	refuse_attr(STUN_ATTR_FINGERPRINT, zeros, 8, "FINGERPRINT not 4 bytes");
}

/* The longest text the RFC allows, 763 bytes, still decodes. */
static void test_text_limit(void)
{
	static char text[STUN_MAX_TEXT + 1];
	uint8_t buf[1024];
	struct stun_builder b;
	struct stun_msg m;

	memset(text, 'n', STUN_MAX_TEXT);
	stun_build_start(&b, buf, sizeof(buf), TURN_ALLOCATE, STUN_ERROR, tid);
	stun_put_string(&b, STUN_ATTR_NONCE, text);
	finish_decoded(&b, &m);
	CU_ASSERT(m.has_nonce && strcmp(m.nonce, text) == 0);
}

static void test_refuse_runs_past_end(void)
{
	uint8_t buf[64];
	struct stun_builder b;
	int len;

	stun_build_start(&b, buf, sizeof(buf), TURN_REFRESH, STUN_SUCCESS, tid);
	stun_put_u32(&b, STUN_ATTR_LIFETIME, 600);
	stun_put_string(&b, STUN_ATTR_SOFTWARE, "abc");
	len = stun_build_finish(&b);
	CU_ASSERT_FATAL(len == 20 + 8 + 8);
	buf[20 + 8 + 3] = 5; /* SOFTWARE claims 5 bytes where 4 are left */
	expect_refusal(buf, (size_t)len, "attribute runs past the end");
	buf[20 + 8 + 3] = 4;
	buf[20 + 3] = 0x40;  /* LIFETIME claims 64 */
	expect_refusal(buf, (size_t)len, "attribute runs past the end");
}

/* A Refresh whose attributes follow the MAC or FINGERPRINT they must precede. */
typedef void (*put_fn)(struct stun_builder *b);

static void refuse_order(put_fn first, put_fn then, const char *want)
{
	uint8_t buf[256];
	struct stun_builder b;

	stun_build_start(&b, buf, sizeof(buf), TURN_REFRESH, STUN_REQUEST, tid);
	stun_put_u32(&b, STUN_ATTR_LIFETIME, 0);
	first(&b);
	then(&b);
	finish_refused(&b, want);
}

static void put_sha1(struct stun_builder *b)
{
	stun_put_integrity(b, key1, sizeof(key1));
}

static void put_sha256(struct stun_builder *b)
{
	stun_put_integrity_sha256(b, key1, sizeof(key1));
}

static void put_software(struct stun_builder *b)
{
	stun_put_string(b, STUN_ATTR_SOFTWARE, "late");
}

static void test_refuse_order(void)
{
	uint8_t buf[256];
	int len;

	refuse_order(put_sha1, put_software, "attribute after MESSAGE-INTEGRITY");
	refuse_order(put_sha256, put_software, "attribute after MESSAGE-INTEGRITY-SHA256");
	refuse_order(put_sha256, put_sha1, "attribute after MESSAGE-INTEGRITY-SHA256");
	refuse_order(stun_put_fingerprint, put_software, "attribute after FINGERPRINT");
	refuse_order(stun_put_fingerprint, stun_put_fingerprint, "attribute after FINGERPRINT");
	len = build_allocate(buf, sizeof(buf), true);
	CU_ASSERT_FATAL(len > 0);
	buf[len - 1] ^= 1;
	expect_refusal(buf, (size_t)len, "FINGERPRINT mismatch");
	buf[len - 1] ^= 1;
	buf[STUN_HDR_LEN + 4] = 17; /* REQUESTED-TRANSPORT: covered by the fingerprint too */
	expect_refusal(buf, (size_t)len, "FINGERPRINT mismatch");
}

/* ---- what a TURN client receives ---- */

static void test_error_401(void)
{
	static const uint8_t algs[] = { 0, 2, 0, 0, 0, 1, 0, 0 };
	uint8_t buf[512];
	struct stun_builder b;
	struct stun_msg m;

	stun_build_start(&b, buf, sizeof(buf), TURN_ALLOCATE, STUN_ERROR, tid);
	stun_put_error_code(&b, 401, "Unauthorized");
	stun_put_string(&b, STUN_ATTR_REALM, "mesh.example");
	stun_put_string(&b, STUN_ATTR_NONCE, "obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA");
	stun_put_attr(&b, STUN_ATTR_PASSWORD_ALGORITHMS, algs, sizeof(algs));
	stun_put_string(&b, STUN_ATTR_SOFTWARE, "turnd 1.0");
	stun_put_fingerprint(&b);
	finish_decoded(&b, &m);
	CU_ASSERT_EQUAL(m.cls, STUN_ERROR);
	CU_ASSERT_EQUAL(m.error_code, 401);
	CU_ASSERT_STRING_EQUAL(m.reason, "Unauthorized");
	CU_ASSERT_STRING_EQUAL(m.realm, "mesh.example");
	CU_ASSERT_STRING_EQUAL(m.nonce, "obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA");
	CU_ASSERT_STRING_EQUAL(m.software, "turnd 1.0");
	CU_ASSERT_EQUAL_FATAL(m.n_pw_algs, 2);
	CU_ASSERT(m.pw_algs[0] == STUN_PW_SHA256 && m.pw_algs[1] == STUN_PW_MD5);
	CU_ASSERT_EQUAL_FATAL(m.pw_algs_raw_len, sizeof(algs));
	CU_ASSERT_EQUAL(memcmp(m.pw_algs_raw, algs, sizeof(algs)), 0);
	CU_ASSERT_FALSE(stun_check_integrity(&m, key1, sizeof(key1)));
}

static void test_connection_attempt(void)
{
	struct stun_addr peer = addr("2001:db8::7", 443);
	uint8_t buf[128];
	struct stun_builder b;
	struct stun_msg m;

	stun_build_start(&b, buf, sizeof(buf), TURN_CONNECTION_ATTEMPT, STUN_INDICATION, tid);
	stun_put_u32(&b, STUN_ATTR_CONNECTION_ID, 0xdeadbeef);
	stun_put_xor_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &peer);
	CU_ASSERT_EQUAL(finish_decoded(&b, &m), 20 + 8 + 24);
	CU_ASSERT_EQUAL(m.method, TURN_CONNECTION_ATTEMPT);
	CU_ASSERT_EQUAL(m.cls, STUN_INDICATION);
	CU_ASSERT(m.has_connection_id && m.connection_id == 0xdeadbeef);
	CU_ASSERT(m.has_peer && same_addr(&m.peer, &peer));
	CU_ASSERT_NOT_EQUAL(memcmp(buf + 20 + 8 + 8, peer.ip, 16), 0); /* obfuscated on the wire */
}

/* Dual allocation: two relayed addresses; a third, and a second LIFETIME, are ignored. */
static void test_allocate_success(void)
{
	struct stun_addr r4 = addr("198.51.100.7", 49152), r6 = addr("2001:db8::1", 49153);
	struct stun_addr mapped = addr("203.0.113.9", 61000), alt = addr("192.0.2.99", 3478);
	uint8_t buf[256];
	struct stun_builder b;
	struct stun_msg m;

	stun_build_start(&b, buf, sizeof(buf), TURN_ALLOCATE, STUN_SUCCESS, tid);
	stun_put_xor_addr(&b, STUN_ATTR_XOR_RELAYED_ADDRESS, &r4);
	stun_put_xor_addr(&b, STUN_ATTR_XOR_RELAYED_ADDRESS, &r6);
	stun_put_xor_addr(&b, STUN_ATTR_XOR_RELAYED_ADDRESS, &mapped);
	stun_put_xor_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, &mapped);
	stun_put_addr(&b, STUN_ATTR_ALTERNATE_SERVER, &alt);
	stun_put_u32(&b, STUN_ATTR_LIFETIME, 600);
	stun_put_u32(&b, STUN_ATTR_LIFETIME, 1);
	stun_put_integrity(&b, key1, sizeof(key1));
	finish_decoded(&b, &m);
	CU_ASSERT_EQUAL_FATAL(m.n_relayed, 2);
	CU_ASSERT(same_addr(&m.relayed[0], &r4) && same_addr(&m.relayed[1], &r6));
	CU_ASSERT(m.has_mapped && same_addr(&m.mapped, &mapped));
	CU_ASSERT(m.has_alternate && same_addr(&m.alternate, &alt));
	CU_ASSERT(m.has_lifetime && m.lifetime == 600);
	CU_ASSERT(stun_check_integrity(&m, key1, sizeof(key1)));
}

/* Unknown required attributes are collected for a 420; the 420 lists them back. */
static void test_unknown_attributes(void)
{
	uint8_t buf[128], answer[64];
	struct stun_builder b;
	struct stun_msg m;

	stun_build_start(&b, buf, sizeof(buf), TURN_CONNECT, STUN_REQUEST, tid);
	stun_put_u32(&b, 0x0024, 1);
	stun_put_u32(&b, 0x8029, 2);
	stun_put_u32(&b, 0x7fff, 3);
	finish_decoded(&b, &m);
	CU_ASSERT_EQUAL_FATAL(m.n_unknown_required, 2);
	CU_ASSERT(m.unknown_required[0] == 0x0024 && m.unknown_required[1] == 0x7fff);

	stun_build_start(&b, answer, sizeof(answer), TURN_CONNECT, STUN_ERROR, m.tid);
	stun_put_error_code(&b, 420, "Unknown Attribute");
	stun_put_unknown_attributes(&b, m.unknown_required, m.n_unknown_required);
	finish_decoded(&b, &m);
	CU_ASSERT_EQUAL(m.error_code, 420);
	CU_ASSERT_EQUAL_FATAL(m.n_unknown_listed, 2);
	CU_ASSERT(m.unknown_listed[0] == 0x0024 && m.unknown_listed[1] == 0x7fff);
}

static void test_data_indication(void)
{
	static const uint8_t payload[5] = { 'h', 'e', 'l', 'l', 'o' };
	struct stun_addr peer = addr("10.1.2.3", 8080);
	uint8_t buf[128];
	struct stun_builder b;
	struct stun_msg m;
	int len;

	stun_build_start(&b, buf, sizeof(buf), TURN_DATA, STUN_INDICATION, tid);
	stun_put_xor_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &peer);
	stun_put_attr(&b, STUN_ATTR_DATA, payload, sizeof(payload));
	len = finish_decoded(&b, &m);
	CU_ASSERT_FATAL(len == 20 + 12 + 12);
	CU_ASSERT(buf[len - 3] == 0 && buf[len - 2] == 0 && buf[len - 1] == 0); /* padding */
	CU_ASSERT(m.has_peer && same_addr(&m.peer, &peer));
	CU_ASSERT_EQUAL_FATAL(m.data_len, sizeof(payload));
	CU_ASSERT_EQUAL(memcmp(m.data, payload, sizeof(payload)), 0);
}

/* A MESSAGE-INTEGRITY-SHA256 truncated to 16 bytes, as RFC 8489 allows, made here with
 * OpenSSL directly; checked against the first 16 bytes only. */
static void test_truncated_sha256(void)
{
	uint8_t buf[128], mac[EVP_MAX_MD_SIZE], zeros[16] = { 0 };
	unsigned int maclen = 0;
	struct stun_builder b;
	struct stun_msg m;
	int len;

	stun_build_start(&b, buf, sizeof(buf), TURN_REFRESH, STUN_REQUEST, tid);
	stun_put_u32(&b, STUN_ATTR_LIFETIME, 0);
	stun_put_attr(&b, STUN_ATTR_MESSAGE_INTEGRITY_SHA256, zeros, sizeof(zeros));
	len = stun_build_finish(&b);
	CU_ASSERT_FATAL(len == 20 + 8 + 20);
	CU_ASSERT_PTR_NOT_NULL_FATAL(HMAC(EVP_sha256(), key1, sizeof(key1), buf, 28, mac,
					  &maclen));
	memcpy(buf + 32, mac, 16);
	decode_ok(buf, (size_t)len, &m);
	CU_ASSERT_EQUAL(m.integrity_sha256_len, 16);
	CU_ASSERT(stun_check_integrity_sha256(&m, key1, sizeof(key1)));
	CU_ASSERT_FALSE(stun_check_integrity_sha256(&m, key2, sizeof(key2)));
	CU_ASSERT_FALSE(stun_check_integrity(&m, key1, sizeof(key1))); /* absent */
}

int test_stun_register(void)
{
	static CU_TestInfo tests[] = {
		{ "RFC 5769 2.1 request: short-term integrity, fingerprint", test_rfc5769_request },
		{ "RFC 5769 2.2/2.3 responses: XOR-MAPPED-ADDRESS v4 and v6", test_rfc5769_responses },
		{ "RFC 5769 2.4 long-term credential (MD5 key)", test_rfc5769_long_term },
		{ "long-term key with SHA-256", test_long_term_key_sha256 },
		{ "Allocate round trip: SHA1 + SHA256 integrity, fingerprint", test_round_trip },
		{ "wrong key and tampered bytes fail", test_wrong_key_and_tampering },
		{ "builder overflow: -1, nothing past cap", test_builder_overflow },
		{ "builder refuses what it cannot encode", test_builder_refusals },
		{ "message type: methods and classes interleave", test_type_encoding },
		{ "transaction ids are random", test_new_tid },
		{ "TCP stream framing", test_frame_length },
		{ "refusals: header, cookie, length, padding", test_refuse_header },
		{ "refusals: malformed addresses", test_refuse_addresses },
		{ "refusals: malformed values", test_refuse_values },
		{ "763-byte text accepted", test_text_limit },
		{ "refusals: attribute running past the end", test_refuse_runs_past_end },
		{ "refusals: order after MACs and FINGERPRINT, fingerprint mismatch",
		  test_refuse_order },
		{ "401 with REALM, NONCE, PASSWORD-ALGORITHMS", test_error_401 },
		{ "ConnectionAttempt indication: CONNECTION-ID, XOR-PEER-ADDRESS",
		  test_connection_attempt },
		{ "Allocate success: two relayed, mapped, alternate, lifetime",
		  test_allocate_success },
		{ "unknown required attributes and the 420 answer", test_unknown_attributes },
		{ "Data indication", test_data_indication },
		{ "truncated MESSAGE-INTEGRITY-SHA256", test_truncated_sha256 },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite("stun", tests);
}
