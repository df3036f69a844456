/* SPDX-License-Identifier: BSD-3-Clause */
/* tls_hello suite: the health check's own ClientHello reads back through our parser with
 * its name, and a server's first bytes are told apart (ServerHello, alert, too few). */
#include <CUnit/CUnit.h>
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

static void test_answers(void)
{
	static const uint8_t server_hello[] = { 0x16, 0x03, 0x03, 0x00, 0x7a, 0x02, 0x00 };
	static const uint8_t alert[] = { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x70 };
	static const uint8_t other_handshake[] = { 0x16, 0x03, 0x03, 0x00, 0x04, 0x0b };
	static const uint8_t http[] = "HTTP/1.1 400 Bad Request\r\n";

	CU_ASSERT_EQUAL(tls_hello_answer(server_hello, sizeof(server_hello)), 1);
	CU_ASSERT_EQUAL(tls_hello_answer(server_hello, 5), 0);
	CU_ASSERT_EQUAL(tls_hello_answer(server_hello, 0), 0);
	CU_ASSERT_EQUAL(tls_hello_answer(alert, sizeof(alert)), -1);
	CU_ASSERT_EQUAL(tls_hello_answer(alert, 1), -1);
	CU_ASSERT_EQUAL(tls_hello_answer(other_handshake, sizeof(other_handshake)), -1);
	CU_ASSERT_EQUAL(tls_hello_answer(http, sizeof(http) - 1), -1);
}

int suite_tls_hello(void)
{
	CU_pSuite s = CU_add_suite("tls_hello", NULL, NULL);

	if (s == NULL)
		return -1;
	CU_add_test(s, "the check's hello reads back with its name", test_hello_reads_back);
	CU_add_test(s, "a server's answer told apart", test_answers);
	return 0;
}
