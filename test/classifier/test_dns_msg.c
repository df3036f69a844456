/* SPDX-License-Identifier: BSD-3-Clause */
/* dns_msg suite: queries captured from dig, kdig and glibc's stub resolver (getent) read
 * back; a musl-style query (no EDNS, RD) written by hand from RFC 1035; malformed and
 * truncated messages refused with their reason; answers (A, AAAA, NODATA and NXDOMAIN
 * with the zone's SOA, EDNS0, BADVERS, truncation) written and read back. */
#include <CUnit/CUnit.h>
#include <string.h>

#include "dns_msg.h"
#include "test_suites.h"

/* dig 9.18 "API.B.Mesh.Test A": RD, AD, EDNS0 (1232 bytes) with a cookie option. */
static const uint8_t cap_dig[] = {
	0x08, 0xb5, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x41,
	0x50, 0x49, 0x01, 0x42, 0x04, 0x4d, 0x65, 0x73, 0x68, 0x04, 0x54, 0x65, 0x73, 0x74,
	0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x0c, 0x00, 0x0a, 0x00, 0x08, 0x08, 0xaa, 0xf3, 0x32, 0xff, 0x03, 0xa1, 0x22 };
/* kdig 3.2 "api.b.mesh.test AAAA": RD, AD, no EDNS. */
static const uint8_t cap_kdig[] = {
	0xec, 0x0f, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x61,
	0x70, 0x69, 0x01, 0x62, 0x04, 0x6d, 0x65, 0x73, 0x68, 0x04, 0x74, 0x65, 0x73, 0x74,
	0x00, 0x00, 0x1c, 0x00, 0x01 };
/* dig +noedns +norecurse "web.demo.example MX". */
static const uint8_t cap_dig_mx[] = {
	0x2f, 0x27, 0x00, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x77,
	0x65, 0x62, 0x04, 0x64, 0x65, 0x6d, 0x6f, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c,
	0x65, 0x00, 0x00, 0x0f, 0x00, 0x01 };
/* glibc 2.36 (getent ahosts Web.Demo.Example): A, then AAAA, RD only. */
static const uint8_t cap_glibc_a[] = {
	0xd3, 0x79, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x57,
	0x65, 0x62, 0x04, 0x44, 0x65, 0x6d, 0x6f, 0x07, 0x45, 0x78, 0x61, 0x6d, 0x70, 0x6c,
	0x65, 0x00, 0x00, 0x01, 0x00, 0x01 };
static const uint8_t cap_glibc_aaaa[] = {
	0x55, 0x7a, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x57,
	0x65, 0x62, 0x04, 0x44, 0x65, 0x6d, 0x6f, 0x07, 0x45, 0x78, 0x61, 0x6d, 0x70, 0x6c,
	0x65, 0x00, 0x00, 0x1c, 0x00, 0x01 };
/* musl's resolver asks as glibc does without options: RD, no EDNS (written by hand). */
static const uint8_t musl_a[] = {
	0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 'a',
	'p', 'i', 0x04, 'd', 'e', 'm', 'o', 0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x00,
	0x00, 0x01, 0x00, 0x01 };

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void test_captured_queries(void)
{
	struct dns_query q;

	CU_ASSERT_EQUAL(dns_parse_query(cap_dig, sizeof(cap_dig), &q), DNS_PARSE_OK);
	CU_ASSERT_EQUAL(q.id, 0x08b5);
	CU_ASSERT_STRING_EQUAL(q.name, "api.b.mesh.test");
	CU_ASSERT_EQUAL(q.name_len, 15);
	CU_ASSERT_EQUAL(q.qtype, DNS_TYPE_A);
	CU_ASSERT_EQUAL(q.qclass, 1);
	CU_ASSERT(q.edns && q.edns_version == 0 && !q.edns_do);
	CU_ASSERT_EQUAL(q.edns_udp_size, 1232);
	CU_ASSERT_EQUAL(dns_udp_room(&q), 1232);
	CU_ASSERT_EQUAL(q.question_len, 21);

	CU_ASSERT_EQUAL(dns_parse_query(cap_kdig, sizeof(cap_kdig), &q), DNS_PARSE_OK);
	CU_ASSERT_STRING_EQUAL(q.name, "api.b.mesh.test");
	CU_ASSERT_EQUAL(q.qtype, DNS_TYPE_AAAA);
	CU_ASSERT_FALSE(q.edns);
	CU_ASSERT_EQUAL(dns_udp_room(&q), 512);

	CU_ASSERT_EQUAL(dns_parse_query(cap_dig_mx, sizeof(cap_dig_mx), &q), DNS_PARSE_OK);
	CU_ASSERT_EQUAL(q.qtype, DNS_TYPE_MX);
	CU_ASSERT_EQUAL(q.flags & 0x0100, 0); /* +norecurse */

	CU_ASSERT_EQUAL(dns_parse_query(cap_glibc_a, sizeof(cap_glibc_a), &q), DNS_PARSE_OK);
	CU_ASSERT_STRING_EQUAL(q.name, "web.demo.example");
	CU_ASSERT_EQUAL(q.qtype, DNS_TYPE_A);
	CU_ASSERT_EQUAL(dns_parse_query(cap_glibc_aaaa, sizeof(cap_glibc_aaaa), &q), DNS_PARSE_OK);
	CU_ASSERT_EQUAL(q.qtype, DNS_TYPE_AAAA);
	CU_ASSERT_EQUAL(dns_parse_query(musl_a, sizeof(musl_a), &q), DNS_PARSE_OK);
	CU_ASSERT_STRING_EQUAL(q.name, "api.demo.example");
}

/* Every prefix of every captured query shorter than the whole is refused as short; bad
 * headers, names and EDNS records with their reason. */
static void test_malformed(void)
{
	const struct { const uint8_t *p; size_t len; } caps[] = {
		{ cap_dig, sizeof(cap_dig) }, { cap_kdig, sizeof(cap_kdig) },
		{ cap_glibc_a, sizeof(cap_glibc_a) } };
	uint8_t m[600], a[600];
	struct dns_query q;

	for (size_t c = 0; c < 3; c++)
		for (size_t len = 0; len < caps[c].len; len++)
			CU_ASSERT_EQUAL(dns_parse_query(caps[c].p, len, &q), DNS_PARSE_SHORT);
	memcpy(m, musl_a, sizeof(musl_a));
	m[2] |= 0x80; /* a response */
	CU_ASSERT_EQUAL(dns_parse_query(m, sizeof(musl_a), &q), DNS_PARSE_RESPONSE);
	memcpy(m, musl_a, sizeof(musl_a));
	m[2] = 0x28; /* opcode 5, UPDATE */
	CU_ASSERT_EQUAL(dns_parse_query(m, sizeof(musl_a), &q), DNS_PARSE_OPCODE);
	CU_ASSERT_EQUAL(q.id, 0x1234);
	/* With EDNS, the refusal carries an OPT too (RFC 6891 7): dig's query as a NOTIFY. */
	memcpy(m, cap_dig, sizeof(cap_dig));
	m[2] = (uint8_t)((m[2] & 0x87) | 4 << 3); /* opcode 4 */
	CU_ASSERT_EQUAL(dns_parse_query(m, sizeof(cap_dig), &q), DNS_PARSE_OPCODE);
	CU_ASSERT_TRUE(q.edns);
	q.question_len = 0; /* the header alone, as the relay answers it */
	CU_ASSERT_EQUAL(dns_build_answer(a, sizeof(a), m, sizeof(cap_dig), &q, DNS_RCODE_NOTIMP,
					 NULL, 0, 60, NULL), 12 + 11);
	CU_ASSERT_EQUAL(rd16(a + 10), 1); /* ARCOUNT: the OPT */
	CU_ASSERT_EQUAL(a[3] & 0x0f, DNS_RCODE_NOTIMP);
	memcpy(m, musl_a, sizeof(musl_a));
	m[5] = 2; /* two questions */
	CU_ASSERT_EQUAL(dns_parse_query(m, sizeof(musl_a), &q), DNS_PARSE_QDCOUNT);
	m[5] = 0;
	CU_ASSERT_EQUAL(dns_parse_query(m, sizeof(musl_a), &q), DNS_PARSE_QDCOUNT);
	memcpy(m, musl_a, sizeof(musl_a));
	m[16] = 0xc0; /* a compression pointer in the question (to offset 0x0c: a loop) */
	m[17] = 0x0c;
	CU_ASSERT_EQUAL(dns_parse_query(m, sizeof(musl_a), &q), DNS_PARSE_NAME);
	memcpy(m, musl_a, sizeof(musl_a));
	m[16] = 0x44; /* a reserved label type */
	CU_ASSERT_EQUAL(dns_parse_query(m, sizeof(musl_a), &q), DNS_PARSE_NAME);
	memcpy(m, musl_a, sizeof(musl_a));
	/* A dot or NUL inside a label is a byte of it (RFC 2181 11): read as one that no
	 * served name holds, the labels as they were (before, the query was refused as
	 * malformed). */
	m[14] = '.';
	CU_ASSERT_EQUAL(dns_parse_query(m, sizeof(musl_a), &q), DNS_PARSE_OK);
	CU_ASSERT_EQUAL((uint8_t)q.name[1], DNS_NAME_ODD_BYTE);
	CU_ASSERT_EQUAL(strlen(q.name), q.name_len);
	m[14] = '\0';
	CU_ASSERT_EQUAL(dns_parse_query(m, sizeof(musl_a), &q), DNS_PARSE_OK);
	CU_ASSERT_EQUAL((uint8_t)q.name[1], DNS_NAME_ODD_BYTE);
	CU_ASSERT_EQUAL(strlen(q.name), q.name_len);
	memcpy(m, musl_a, sizeof(musl_a));
	/* 127 labels of one byte make a 255-byte wire name: the longest there is. */
	memcpy(m, musl_a, 12);
	for (unsigned int i = 0; i < 127; i++) {
		m[12 + 2 * i] = 1;
		m[13 + 2 * i] = 'x';
	}
	m[12 + 254] = 0;
	memcpy(m + 12 + 255, "\0\1\0\1", 4);
	CU_ASSERT_EQUAL(dns_parse_query(m, 12 + 255 + 4, &q), DNS_PARSE_OK);
	CU_ASSERT_EQUAL(q.name_len, 253);
	m[12 + 254] = 1; /* one more label: 257 bytes */
	m[12 + 255] = 'x';
	m[12 + 256] = 0;
	memcpy(m + 12 + 257, "\0\1\0\1", 4);
	CU_ASSERT_EQUAL(dns_parse_query(m, 12 + 257 + 4, &q), DNS_PARSE_NAME);
	/* Two OPT records; an OPT not owned by the root; a record running past the end. */
	memcpy(m, cap_dig, sizeof(cap_dig));
	m[11] = 2;
	memcpy(m + sizeof(cap_dig), cap_dig + 33, sizeof(cap_dig) - 33);
	CU_ASSERT_EQUAL(dns_parse_query(m, 2 * sizeof(cap_dig) - 33, &q), DNS_PARSE_EDNS);
	memcpy(m, cap_dig, sizeof(cap_dig));
	m[33] = 0xc0; /* the OPT's owner as a pointer to the question's name */
	memmove(m + 35, cap_dig + 34, sizeof(cap_dig) - 34);
	m[34] = 0x0c;
	CU_ASSERT_EQUAL(dns_parse_query(m, sizeof(cap_dig) + 1, &q), DNS_PARSE_EDNS);
	memcpy(m, cap_dig, sizeof(cap_dig));
	m[43] = 0x40; /* rdlength past the end */
	CU_ASSERT_EQUAL(dns_parse_query(m, sizeof(cap_dig), &q), DNS_PARSE_SHORT);
}

/* The answer's header, the question as the client spelt it, and its counts. */
static void check_header(const uint8_t *a, size_t len, const uint8_t *query, size_t qlen,
			 unsigned rcode, unsigned an, unsigned ns, unsigned ar)
{
	CU_ASSERT_FATAL(len >= qlen);
	CU_ASSERT_EQUAL(memcmp(a, query, 2), 0);
	CU_ASSERT(a[2] & 0x80);            /* QR */
	CU_ASSERT_EQUAL(!!(a[2] & 0x04), rcode == 0 || rcode == 3); /* AA: the zones' word */
	CU_ASSERT_EQUAL(a[2] & 0x01, query[2] & 0x01); /* RD echoed */
	CU_ASSERT_EQUAL(a[3] & 0x0f, rcode & 0x0f); /* BADVERS (16): its high bits in the OPT */
	CU_ASSERT_EQUAL(rd16(a + 4), 1);
	CU_ASSERT_EQUAL(rd16(a + 6), an);
	CU_ASSERT_EQUAL(rd16(a + 8), ns);
	CU_ASSERT_EQUAL(rd16(a + 10), ar);
}

static void test_answers(void)
{
	static const struct dns_zone zone = { "mesh.test", 7, 30 };
	struct dns_addr_rr v4 = { DNS_TYPE_A, { 10, 10, 0, 1 } };
	struct dns_addr_rr v6 = { DNS_TYPE_AAAA, { 0xfd, 0, [15] = 1 } };
	uint8_t a[1500];
	struct dns_query q;
	size_t len;

	/* A with EDNS0: the question as dig spelt it (API.B.Mesh.Test), one A, an OPT. */
	CU_ASSERT_EQUAL_FATAL(dns_parse_query(cap_dig, sizeof(cap_dig), &q), DNS_PARSE_OK);
	len = dns_build_answer(a, dns_udp_room(&q), cap_dig, sizeof(cap_dig), &q,
			       DNS_RCODE_NOERROR, &v4, 1, 60, &zone);
	check_header(a, len, cap_dig, 33, DNS_RCODE_NOERROR, 1, 0, 1);
	CU_ASSERT_EQUAL(memcmp(a + 12, cap_dig + 12, 21), 0);
	CU_ASSERT_EQUAL(len, 33 + 16 + 11);
	CU_ASSERT_EQUAL(rd16(a + 33), 0xc00c);         /* the question's name */
	CU_ASSERT_EQUAL(rd16(a + 35), DNS_TYPE_A);
	CU_ASSERT_EQUAL(rd16(a + 39), 0);              /* TTL 60 */
	CU_ASSERT_EQUAL(rd16(a + 41), 60);
	CU_ASSERT_EQUAL(memcmp(a + 45, v4.addr, 4), 0);
	CU_ASSERT_EQUAL(rd16(a + 50), DNS_TYPE_OPT);
	CU_ASSERT_EQUAL(rd16(a + 52), DNS_UDP_OURS);

	/* AAAA without EDNS (kdig). */
	CU_ASSERT_EQUAL_FATAL(dns_parse_query(cap_kdig, sizeof(cap_kdig), &q), DNS_PARSE_OK);
	len = dns_build_answer(a, dns_udp_room(&q), cap_kdig, sizeof(cap_kdig), &q,
			       DNS_RCODE_NOERROR, &v6, 1, 60, &zone);
	check_header(a, len, cap_kdig, 33, DNS_RCODE_NOERROR, 1, 0, 0);
	CU_ASSERT_EQUAL(len, 33 + 12 + 16);
	CU_ASSERT_EQUAL(memcmp(a + 45, v6.addr, 16), 0);

	/* NODATA (MX of a routed name) and NXDOMAIN: the zone's SOA, its owner a pointer to
	 * where the question spells the zone, TTL its minimum. */
	CU_ASSERT_EQUAL_FATAL(dns_parse_query(cap_kdig, sizeof(cap_kdig), &q), DNS_PARSE_OK);
	for (int nx = 0; nx < 2; nx++) {
		len = dns_build_answer(a, 512, cap_kdig, sizeof(cap_kdig), &q,
				       nx ? DNS_RCODE_NXDOMAIN : DNS_RCODE_NOERROR, NULL, 0, 60, &zone);
		check_header(a, len, cap_kdig, 33, nx ? DNS_RCODE_NXDOMAIN : 0, 0, 1, 0);
		CU_ASSERT_EQUAL(rd16(a + 33), 0xc000 | 18); /* "mesh.test" in "api.b.mesh.test" */
		CU_ASSERT_EQUAL(rd16(a + 35), DNS_TYPE_SOA);
		CU_ASSERT_EQUAL(a[42], 30);
		CU_ASSERT_EQUAL(rd16(a + 43), len - 45);
		CU_ASSERT_EQUAL(a[len - 1], 30); /* minimum */
	}
	/* A zone the name is not under: no SOA rather than a wrong one. */
	len = dns_build_answer(a, 512, cap_kdig, sizeof(cap_kdig), &q, DNS_RCODE_NXDOMAIN, NULL,
			       0, 60, &(struct dns_zone){ "other.test", 1, 5 });
	check_header(a, len, cap_kdig, 33, DNS_RCODE_NXDOMAIN, 0, 0, 0);
	CU_ASSERT_EQUAL(len, 33);
}

/* What does not fit the client's room is left out, with TC: it asks again over TCP. An
 * EDNS version we do not speak gets BADVERS; REFUSED carries nothing. */
static void test_truncation_and_codes(void)
{
	struct dns_addr_rr many[40];
	uint8_t a[1500], m[sizeof(cap_dig)];
	struct dns_query q;
	size_t len;

	for (unsigned int i = 0; i < 40; i++)
		many[i] = (struct dns_addr_rr){ DNS_TYPE_AAAA, { 0xfd, [15] = (uint8_t)i } };
	CU_ASSERT_EQUAL_FATAL(dns_parse_query(cap_kdig, sizeof(cap_kdig), &q), DNS_PARSE_OK);
	len = dns_build_answer(a, dns_udp_room(&q), cap_kdig, sizeof(cap_kdig), &q,
			       DNS_RCODE_NOERROR, many, 40, 60, NULL);
	CU_ASSERT_EQUAL(len, 33);
	CU_ASSERT(a[2] & 0x02); /* TC */
	CU_ASSERT_EQUAL(rd16(a + 6), 0);
	len = dns_build_answer(a, sizeof(a), cap_kdig, sizeof(cap_kdig), &q, DNS_RCODE_NOERROR,
			       many, 40, 60, NULL); /* over TCP it all fits */
	CU_ASSERT_EQUAL(len, 33 + 40 * 28);
	CU_ASSERT_FALSE(a[2] & 0x02);
	CU_ASSERT_EQUAL(dns_build_answer(a, 20, cap_kdig, sizeof(cap_kdig), &q,
					 DNS_RCODE_NOERROR, many, 1, 60, NULL), 0);
	memcpy(m, cap_dig, sizeof(cap_dig));
	m[39] = 1; /* EDNS version 1 (the OPT's TTL: extended rcode, version, flags) */
	CU_ASSERT_EQUAL_FATAL(dns_parse_query(m, sizeof(m), &q), DNS_PARSE_OK);
	len = dns_build_answer(a, dns_udp_room(&q), m, sizeof(m), &q, DNS_RCODE_NOERROR, many, 1,
			       60, NULL);
	check_header(a, len, m, 33, 16, 0, 0, 1); /* an error: not authoritative */
	CU_ASSERT_EQUAL(a[33 + 5], 1); /* extended rcode: BADVERS is 16 */
	CU_ASSERT_EQUAL_FATAL(dns_parse_query(cap_glibc_a, sizeof(cap_glibc_a), &q), DNS_PARSE_OK);
	len = dns_build_answer(a, 512, cap_glibc_a, sizeof(cap_glibc_a), &q, DNS_RCODE_REFUSED,
			       many, 1, 60, NULL);
	check_header(a, len, cap_glibc_a, sizeof(cap_glibc_a), DNS_RCODE_REFUSED, 0, 0, 0);
	/* A negative answer with room for its question only (a rate-limited slip): TC, so
	 * that it is not taken as final without the SOA its caching needs. */
	CU_ASSERT_EQUAL_FATAL(dns_parse_query(cap_kdig, sizeof(cap_kdig), &q), DNS_PARSE_OK);
	for (int nx = 0; nx < 2; nx++) {
		len = dns_build_answer(a, 33, cap_kdig, sizeof(cap_kdig), &q,
				       nx ? DNS_RCODE_NXDOMAIN : DNS_RCODE_NOERROR, NULL, 0, 60,
				       &(struct dns_zone){ "mesh.test", 7, 30 });
		CU_ASSERT_EQUAL(len, 33);
		CU_ASSERT(a[2] & 0x02);
		CU_ASSERT_EQUAL(rd16(a + 8), 0);
	}
}

int suite_dns_msg(void)
{
	CU_pSuite s = CU_add_suite("dns_msg", NULL, NULL);

	if (s == NULL)
		return -1;
	CU_add_test(s, "captured queries read", test_captured_queries);
	CU_add_test(s, "malformed and truncated queries refused", test_malformed);
	CU_add_test(s, "answers: A, AAAA, NODATA, NXDOMAIN", test_answers);
	CU_add_test(s, "truncation, BADVERS, REFUSED", test_truncation_and_codes);
	return 0;
}
