/* SPDX-License-Identifier: BSD-3-Clause */
/* tls_hello suite: the health check's own ClientHello reads back through our parser with
 * its name and offers what a mainstream client offers, and a server's first bytes are
 * told apart (ServerHello, alert, too few) fed in any pieces, warning alerts passed over. */
#include <CUnit/CUnit.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "sni_parse.h"
#include "test_suites.h"
#include "tls_hello.h"

static void test_hello_reads_back(void)
{
	static const char *const names[] = { "check.svc.example", "a", "API.Example.COM" };
	uint8_t entropy[64], buf[TLS_HELLO_MAX];
	char longest[254];

	for (unsigned int i = 0; i < sizeof(entropy); i++)
		entropy[i] = (uint8_t)(i * 7 + 1);
	for (unsigned int i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t len = tls_hello_build(buf, sizeof(buf), names[i], entropy);
		struct sni_span span = { buf, len };
		struct sni_result r;

		CU_ASSERT_FATAL(len > 100);
		sni_parse(&span, 1, NULL, &r);
		CU_ASSERT_EQUAL(r.verdict, SNI_COMPLETE);
		CU_ASSERT(r.has_sni);
		CU_ASSERT_EQUAL(strcasecmp(r.host, names[i]), 0);
		CU_ASSERT_EQUAL(r.max_version, 0x0304);
		CU_ASSERT_EQUAL(memcmp(buf + 11, entropy, 32), 0); /* the random */
	}
	memset(longest, 'a', 253);
	for (unsigned int i = 63; i < 253; i += 64)
		longest[i] = '.';
	longest[253] = '\0';
	CU_ASSERT(tls_hello_build(buf, sizeof(buf), longest, entropy) > 0);
	CU_ASSERT(tls_hello_build(buf, sizeof(buf), longest, entropy) <= TLS_HELLO_MAX);
	CU_ASSERT_EQUAL(tls_hello_build(buf, sizeof(buf), "", entropy), 0);
	CU_ASSERT_EQUAL(tls_hello_build(buf, 100, "check.svc.example", entropy), 0);
}

static unsigned int get16(const uint8_t *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

/* The parts of a built hello the tests look into; every length checked on the way. */
struct hello_view {
	const uint8_t *suites, *ext;
	size_t suites_len, ext_len, msg_len; /* msg_len: the handshake message, header included */
};

static void view_hello(const uint8_t *p, size_t len, struct hello_view *v)
{
	size_t at = 5 + 4 + 2 + 32;

	CU_ASSERT_FATAL(len > at + 1 && p[0] == 0x16 && p[5] == 0x01);
	CU_ASSERT_EQUAL(get16(p + 3), len - 5);
	v->msg_len = len - 5;
	CU_ASSERT_EQUAL((size_t)p[6] << 16 | get16(p + 7), v->msg_len - 4);
	at += 1 + p[at]; /* session id */
	CU_ASSERT_FATAL(at + 2 <= len);
	v->suites_len = get16(p + at);
	v->suites = p + at + 2;
	at += 2 + v->suites_len;
	CU_ASSERT_FATAL(at + 1 <= len);
	at += 1 + p[at]; /* compression methods */
	CU_ASSERT_FATAL(at + 2 <= len);
	v->ext_len = get16(p + at);
	v->ext = p + at + 2;
	CU_ASSERT_FATAL(at + 2 + v->ext_len == len);
}

/* The body of extension type in v (its length in *body_len); NULL when it is missing or
 * there twice. */
static const uint8_t *find_extension(const struct hello_view *v, unsigned int type,
				     size_t *body_len)
{
	const uint8_t *found = NULL;
	unsigned int seen = 0;

	for (size_t at = 0; at < v->ext_len;) {
		size_t n;

		CU_ASSERT_FATAL(at + 4 <= v->ext_len);
		n = get16(v->ext + at + 2);
		CU_ASSERT_FATAL(at + 4 + n <= v->ext_len);
		if (get16(v->ext + at) == type) {
			seen++;
			found = v->ext + at + 4;
			*body_len = n;
		}
		at += 4 + n;
	}
	return seen == 1 ? found : NULL;
}

/* A list of 16-bit values behind a 16-bit length that fills the extension body. Its
 * length in bytes, 0 when malformed. */
static size_t list16(const uint8_t *body, size_t body_len)
{
	if (body == NULL || body_len < 2 || get16(body) != body_len - 2 || body_len % 2)
		return 0;
	return body_len - 2;
}

static bool offers(const uint8_t *list, size_t len, unsigned int code)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		if (get16(list + i) == code)
			return true;
	return false;
}

/* Every one of want[n] in list, once at most. */
static void assert_offers_all(const uint8_t *list, size_t len, const uint16_t *want, size_t n)
{
	for (size_t i = 0; i < len; i += 2)
		for (size_t j = i + 2; j < len; j += 2)
			CU_ASSERT(get16(list + i) != get16(list + j));
	for (size_t i = 0; i < n; i++)
		if (!offers(list, len, want[i])) {
			CU_FAIL("a code point mainstream clients offer is missing");
			fprintf(stderr, "\n  missing 0x%04x\n", want[i]);
		}
}

static void test_hello_offers(void)
{
	/* What a server one of them can reach may insist on: TLS 1.3 suites; TLS 1.2 ECDHE,
	 * DHE-RSA and plain RSA key exchange, with AES-GCM and CBC. */
	static const uint16_t suites[] = { 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c,
					   0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009e,
					   0x009f, 0x0033, 0x0039, 0x009c, 0x009d, 0x002f,
					   0x0035 };
	/* x25519, P-256, P-384, x448, P-521, ffdhe2048, ffdhe3072 */
	static const uint16_t groups[] = { 0x001d, 0x0017, 0x0018, 0x001e, 0x0019, 0x0100,
					   0x0101 };
	/* ECDSA with P-256, P-384, P-521; Ed25519, Ed448; RSA-PSS with PSS and rsaEncryption
	 * keys; RSA PKCS#1 v1.5 */
	static const uint16_t sigalgs[] = { 0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0809,
					    0x080a, 0x080b, 0x0804, 0x0805, 0x0806, 0x0401,
					    0x0501, 0x0601 };
	static const uint16_t versions[] = { 0x0304, 0x0303 };
	uint8_t entropy[64] = { 0 }, buf[TLS_HELLO_MAX];
	size_t len = tls_hello_build(buf, sizeof(buf), "check.svc.example", entropy);
	const uint8_t *body;
	struct hello_view v;
	size_t n = 0;

	view_hello(buf, len, &v);
	CU_ASSERT_EQUAL(v.suites_len % 2, 0);
	assert_offers_all(v.suites, v.suites_len, suites, sizeof(suites) / sizeof(suites[0]));
	body = find_extension(&v, 0x000a, &n);
	CU_ASSERT_FATAL(list16(body, n) > 0);
	assert_offers_all(body + 2, n - 2, groups, sizeof(groups) / sizeof(groups[0]));
	body = find_extension(&v, 0x000d, &n);
	CU_ASSERT_FATAL(list16(body, n) > 0);
	assert_offers_all(body + 2, n - 2, sigalgs, sizeof(sigalgs) / sizeof(sigalgs[0]));
	body = find_extension(&v, 0x002b, &n);
	CU_ASSERT_FATAL(body != NULL && n >= 1 && body[0] == n - 1);
	assert_offers_all(body + 1, n - 1, versions, 2);
	CU_ASSERT_PTR_NOT_NULL(find_extension(&v, 0x0000, &n)); /* server_name */
	CU_ASSERT_PTR_NOT_NULL(find_extension(&v, 0x0033, &n)); /* key_share */
}

/* Whatever the name's length, the hello fits TLS_HELLO_MAX, reads back, and its message is
 * never 256 to 511 bytes long (RFC 7685: some servers hang on those). */
static void test_hello_sizes(void)
{
	uint8_t entropy[64] = { 0 }, buf[TLS_HELLO_MAX];
	char name[254];

	memset(name, 'a', sizeof(name));
	for (unsigned int i = 63; i < 253; i += 64)
		name[i] = '.'; /* labels of 63 bytes at most */
	for (size_t n = 1; n <= 253; n++) {
		struct sni_result r;
		struct sni_span span;
		struct hello_view v;
		char after = name[n];
		size_t len;

		name[n] = '\0';
		len = tls_hello_build(buf, sizeof(buf), name, entropy);
		name[n] = after;
		CU_ASSERT_FATAL(len > 0 && len <= TLS_HELLO_MAX);
		view_hello(buf, len, &v);
		CU_ASSERT(v.msg_len < 256 || v.msg_len > 511);
		span = (struct sni_span){ buf, len };
		sni_parse(&span, 1, NULL, &r);
		CU_ASSERT_EQUAL(r.verdict, SNI_COMPLETE);
		CU_ASSERT_EQUAL(r.host_len, n - (name[n - 1] == '.')); /* a final dot is dropped */
	}
}

/* The verdict on answer p (len bytes) fed in one piece. */
static int answer_whole(const uint8_t *p, size_t len)
{
	struct tls_answer a = { 0 };

	return tls_answer_feed(&a, p, len);
}

/* The verdict on answer p fed a byte at a time (every split point met); the bytes taken
 * counted as tls_answer_feed says. */
static int answer_bytewise(const uint8_t *p, size_t len)
{
	struct tls_answer a = { 0 };
	int verdict = 0;

	for (size_t i = 0; i < len; i++) {
		int v = tls_answer_feed(&a, p + i, 1);

		CU_ASSERT(verdict == 0 || v == verdict); /* decided stays decided */
		if (verdict == 0)
			CU_ASSERT_EQUAL(a.read, i + 1);
		verdict = v;
	}
	return verdict;
}

static void assert_answer(const uint8_t *p, size_t len, int want)
{
	CU_ASSERT_EQUAL(answer_whole(p, len), want);
	CU_ASSERT_EQUAL(answer_bytewise(p, len), want);
}

static void test_answers(void)
{
	static const uint8_t server_hello[] = { 0x16, 0x03, 0x03, 0x00, 0x7a, 0x02, 0x00 };
	static const uint8_t alert[] = { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x70 };
	static const uint8_t other_handshake[] = { 0x16, 0x03, 0x03, 0x00, 0x04, 0x0b };
	static const uint8_t http[] = "HTTP/1.1 400 Bad Request\r\n";

	assert_answer(server_hello, sizeof(server_hello), 1);
	assert_answer(server_hello, 5, 0);
	assert_answer(server_hello, 0, 0);
	assert_answer(alert, sizeof(alert), -1);
	assert_answer(alert, 1, 0); /* an alert record may be a warning yet */
	assert_answer(other_handshake, sizeof(other_handshake), -1);
	assert_answer(http, sizeof(http) - 1, -1);
}

/* A warning alert (a server that does not know the name but serves the hello anyway)
 * before the ServerHello is passed over, however the bytes are split; close_notify, a
 * fatal alert, a malformed alert record or an endless run of warnings are not. */
static void test_answer_warnings(void)
{
	/* A warning unrecognized_name, then a ServerHello. */
	static const uint8_t warned[] = { 0x15, 0x03, 0x01, 0x00, 0x02, 0x01, 0x70,
					  0x16, 0x03, 0x03, 0x00, 0x5a, 0x02, 0x00 };
	static const uint8_t closed[] = { 0x15, 0x03, 0x03, 0x00, 0x02, 0x01, 0x00,
					  0x16, 0x03, 0x03, 0x00, 0x5a, 0x02, 0x00 };
	static const uint8_t two_in_one[] = { 0x15, 0x03, 0x03, 0x00, 0x04, 0x01, 0x70, 0x01, 0x70 };
	static const uint8_t empty_hs[] = { 0x16, 0x03, 0x03, 0x00, 0x00, 0x02 };
	uint8_t many[7 * (TLS_ANSWER_WARNINGS_MAX + 1) + 7];
	struct tls_answer a = { 0 };

	assert_answer(warned, sizeof(warned), 1);
	assert_answer(warned, 7, 0);
	assert_answer(warned, 12, 0);
	assert_answer(closed, sizeof(closed), -1);
	assert_answer(two_in_one, sizeof(two_in_one), -1);
	assert_answer(empty_hs, sizeof(empty_hs), -1);
	/* As many warnings as allowed, then the ServerHello; one more is too many. */
	for (unsigned int i = 0; i <= TLS_ANSWER_WARNINGS_MAX; i++)
		memcpy(many + 7 * i, warned, 7);
	memcpy(many + 7 * TLS_ANSWER_WARNINGS_MAX, warned + 7, 7);
	assert_answer(many, 7 * TLS_ANSWER_WARNINGS_MAX + 7, 1);
	memcpy(many + 7 * TLS_ANSWER_WARNINGS_MAX, warned, 7);
	memcpy(many + 7 * (TLS_ANSWER_WARNINGS_MAX + 1), warned + 7, 7);
	assert_answer(many, sizeof(many), -1);
	/* Decided, it takes nothing more. */
	CU_ASSERT_EQUAL(tls_answer_feed(&a, warned, sizeof(warned)), 1);
	CU_ASSERT_EQUAL(a.read, 13);
	CU_ASSERT_EQUAL(tls_answer_feed(&a, closed, sizeof(closed)), 1);
	CU_ASSERT_EQUAL(a.read, 13);
}

int suite_tls_hello(void)
{
	CU_pSuite s = CU_add_suite("tls_hello", NULL, NULL);

	if (s == NULL)
		return -1;
	CU_add_test(s, "the check's hello reads back with its name", test_hello_reads_back);
	CU_add_test(s, "the check's hello offers what mainstream clients offer", test_hello_offers);
	CU_add_test(s, "the check's hello fits, reads back, is not 256 to 511 bytes", test_hello_sizes);
	CU_add_test(s, "a server's answer told apart", test_answers);
	CU_add_test(s, "warning alerts before the ServerHello passed over", test_answer_warnings);
	return 0;
}
