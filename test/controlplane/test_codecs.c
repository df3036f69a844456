/* SPDX-License-Identifier: BSD-3-Clause */
/* Suites "b64" and "hex": the byte-to-text codecs of wire/ (etcd's keys and values, the
 * BIND request's transaction id and message). */
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "hex.h"
#include "unit.h"

/* RFC 4648 section 10. */
static const struct {
	const char *plain, *coded;
} rfc4648[] = {
	{ "", "" },
	{ "f", "Zg==" },
	{ "fo", "Zm8=" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
};

static void test_b64_vectors(void)
{
	for (size_t i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
		const char *p = rfc4648[i].plain, *c = rfc4648[i].coded;
		size_t pn = strlen(p), cn = strlen(c);
		char enc[16];
		uint8_t dec[16];

		CU_ASSERT_EQUAL(b64_encode(p, pn, enc, sizeof(enc)), (int)cn);
		CU_ASSERT_STRING_EQUAL(enc, c);
		CU_ASSERT_EQUAL(B64_ENCODED_LEN(pn), cn);
		/* Exactly the encoded length and its NUL, no less. */
		CU_ASSERT_EQUAL(b64_encode(p, pn, enc, cn + 1), (int)cn);
		CU_ASSERT_EQUAL(b64_encode(p, pn, enc, cn), -1);
		/* Decoding needs room for the real bytes only, padding aside. */
		CU_ASSERT_EQUAL(b64_decode(c, cn, dec, pn), (int)pn);
		CU_ASSERT_EQUAL(memcmp(dec, p, pn), 0);
		if (pn > 0)
			CU_ASSERT_EQUAL(b64_decode(c, cn, dec, pn - 1), -1);
	}
}

static void test_b64_binary(void)
{
	uint8_t in[256], back[256];
	char enc[B64_ENCODED_LEN(256) + 1];

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(255 - i);
	for (size_t n = 0; n <= sizeof(in); n++) {
		int e = b64_encode(in, n, enc, sizeof(enc));

		CU_ASSERT_EQUAL(e, (int)B64_ENCODED_LEN(n));
		CU_ASSERT_EQUAL(b64_decode(enc, (size_t)e, back, n), (int)n);
		CU_ASSERT_EQUAL(memcmp(in, back, n), 0);
	}
}

static void test_b64_refusals(void)
{
	static const char *const bad[] = {
		"Zg=", "Zg", "Z", "Z===", "====", "Zm9v\n", " Zm9v", "Zm9v ", "Zm=v", "Zg==Zg==",
		"Zm9vYg=a", "Zm9-", "Zm9_", "Zm9v!AAA", "Zm9 ", " Zm9", "Zm\n9",
	};
	uint8_t out[16];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(b64_decode(bad[i], strlen(bad[i]), out, sizeof(out)), -1);
	CU_ASSERT_EQUAL(b64_decode("Zm\0v", 4, out, sizeof(out)), -1);
	/* Bits under the padding that a canonical encoder leaves at zero are accepted. */
	CU_ASSERT_EQUAL(b64_decode("Zh==", 4, out, sizeof(out)), 1);
	CU_ASSERT_EQUAL(out[0], 'f');
	CU_ASSERT_EQUAL(b64_decode("Zm9=", 4, out, sizeof(out)), 2);
	CU_ASSERT_EQUAL(memcmp(out, "fo", 2), 0);
	CU_ASSERT_EQUAL(b64_decode("", 0, out, 0), 0);
}

/* The sixteen digits of each case have their values; the other 234 characters none. */
static void test_hex_digits(void)
{
	static const char lower[] = "0123456789abcdef", upper[] = "0123456789ABCDEF";
	int valued = 0;

	for (int i = 0; i < 16; i++)
		CU_ASSERT_TRUE(hex_digit(lower[i]) == i && hex_digit(upper[i]) == i);
	for (int c = 0; c < 256; c++)
		valued += hex_digit((char)c) >= 0;
	CU_ASSERT_EQUAL(valued, 22);
}

/* Every byte value both ways; upper case read too; each refusal. */
static void test_hex_bytes(void)
{
	uint8_t all[256], back[256];
	char text[513];

	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	hex_encode(all, sizeof(all), text);
	text[512] = '\0';
	CU_ASSERT_EQUAL(strncmp(text, "000102", 6), 0);
	CU_ASSERT_STRING_EQUAL(text + 506, "fdfeff");
	CU_ASSERT_EQUAL(hex_decode(text, 512, back, sizeof(back)), 256);
	CU_ASSERT_EQUAL(memcmp(all, back, sizeof(all)), 0);
	CU_ASSERT_EQUAL(hex_decode("0A0b", 4, back, 2), 2);
	CU_ASSERT_TRUE(back[0] == 0x0a && back[1] == 0x0b);
	CU_ASSERT_EQUAL(hex_decode("", 0, back, 0), 0);
	CU_ASSERT_EQUAL(hex_decode("0a0b", 4, back, 1), -1);  /* does not fit */
	CU_ASSERT_EQUAL(hex_decode("0a0", 3, back, 2), -1);   /* odd */
	CU_ASSERT_EQUAL(hex_decode("0g", 2, back, 2), -1);
	CU_ASSERT_EQUAL(hex_decode("-1", 2, back, 2), -1);
	CU_ASSERT_EQUAL(hex_decode(" 1", 2, back, 2), -1);
	CU_ASSERT_EQUAL(hex_decode("0x", 2, back, 2), -1);
}

int test_codecs_register(void)
{
	static CU_TestInfo b64_tests[] = {
		{ "RFC 4648 vectors, exact buffers", test_b64_vectors },
		{ "every length of binary data", test_b64_binary },
		{ "refusals and lax padding bits", test_b64_refusals },
		CU_TEST_INFO_NULL,
	};
	static CU_TestInfo hex_tests[] = {
		{ "digits: every character", test_hex_digits },
		{ "bytes: both ways, refusals", test_hex_bytes },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite("b64", b64_tests) < 0 ? -1 : unit_add_suite("hex", hex_tests);
}
