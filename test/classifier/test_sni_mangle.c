/* SPDX-License-Identifier: BSD-3-Clause */
/* sni_mangle suite: every form, and the spellings that must be refused. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "sni_mangle.h"
#include "test_suites.h"

#define SUFFIX "mesh.internal"

struct mangle_case {
	const char *name;
	unsigned forms;
	enum mangle_status status;
	const char *network; /* expected on success */
	uint16_t port;
	const char *addr;    /* ip_addr_parse text, or the Istio host */
	const char *subset;
};

#define GOOD(name, forms, network, port, addr) { name, forms, MANGLE_OK, network, port, addr, "" }
#define ISTIO(name, forms, port, host, subset) { name, forms, MANGLE_OK, "", port, host, subset }
#define BAD(name, forms, status) { name, forms, status, "", 0, NULL, "" }

static const struct mangle_case cases[] = {
	/* underscore form */
	GOOD("_8443._10-1-2-3._blue." SUFFIX, MANGLE_FORM_ALL, "blue", 8443, "10.1.2.3"),
	GOOD("_8443._10.1.2.3._blue." SUFFIX, MANGLE_FORM_ALL, "blue", 8443, "10.1.2.3"),
	GOOD("_443._10.1.2.3." SUFFIX, MANGLE_FORM_UNDERSCORE, "", 443, "10.1.2.3"),
	GOOD("_1._fd00--1._red-2." SUFFIX, MANGLE_FORM_ALL, "red-2", 1, "fd00::1"),
	GOOD("_65535._--1." SUFFIX, MANGLE_FORM_ALL, "", 65535, "::1"),
	GOOD("_80._1-2-3-4-5-6-7-8." SUFFIX, MANGLE_FORM_ALL, "", 80, "1:2:3:4:5:6:7:8"),
	GOOD("_80._--ffff-a01-203." SUFFIX, MANGLE_FORM_ALL, "", 80, "10.1.2.3"),
	GOOD("_80._0-0-0-0." SUFFIX, MANGLE_FORM_ALL, "", 80, "0.0.0.0"),
	BAD("_80._010-1-2-3." SUFFIX, MANGLE_FORM_ALL, MANGLE_ERR_IPV4),
	BAD("_80._10.1.2.03." SUFFIX, MANGLE_FORM_ALL, MANGLE_ERR_IPV4),
	BAD("_80._0x0a-1-2-3." SUFFIX, MANGLE_FORM_ALL, MANGLE_ERR_IPV6),
	BAD("_80._256-1-2-3." SUFFIX, MANGLE_FORM_ALL, MANGLE_ERR_IPV4),
	BAD("_80._10-1-2." SUFFIX, MANGLE_FORM_ALL, MANGLE_ERR_IPV6),
	BAD("_80._10.1.2." SUFFIX, MANGLE_FORM_ALL, MANGLE_ERR_IPV4),
	BAD("_80._10.1.2.3.4." SUFFIX, MANGLE_FORM_ALL, MANGLE_ERR_IPV4),
	BAD("_80._fd00---1." SUFFIX, MANGLE_FORM_ALL, MANGLE_ERR_IPV6),
	BAD("_80._fd00--1--2." SUFFIX, MANGLE_FORM_ALL, MANGLE_ERR_IPV6),
	BAD("_80._1-2-3-4-5-6-7-8-9." SUFFIX, MANGLE_FORM_ALL, MANGLE_ERR_IPV6),
	BAD("_80._12345--1." SUFFIX, MANGLE_FORM_ALL, MANGLE_ERR_IPV6),
	BAD("_0._10-1-2-3." SUFFIX, MANGLE_FORM_ALL, MANGLE_ERR_PORT),
	BAD("_65536._10-1-2-3." SUFFIX, MANGLE_FORM_ALL, MANGLE_ERR_PORT),
	BAD("_08443._10-1-2-3." SUFFIX, MANGLE_FORM_ALL, MANGLE_ERR_PORT),
	BAD("_84a3._10-1-2-3." SUFFIX, MANGLE_FORM_ALL, MANGLE_ERR_PORT),
	BAD("_8443._10-1-2-3._blue._x." SUFFIX, MANGLE_FORM_ALL, MANGLE_ERR_SHAPE),
	BAD("_8443._10-1-2-3._blue.x." SUFFIX, MANGLE_FORM_ALL, MANGLE_ERR_SHAPE),
	BAD("_8443._10-1-2-3._." SUFFIX, MANGLE_FORM_ALL, MANGLE_ERR_NETWORK),
	BAD("_8443.10-1-2-3." SUFFIX, MANGLE_FORM_ALL, MANGLE_ERR_SHAPE),
	BAD("_8443." SUFFIX, MANGLE_FORM_ALL, MANGLE_ERR_SHAPE),
	BAD("_8443._10-1-2-3." SUFFIX, MANGLE_FORM_LABEL, MANGLE_NOT_MANGLED),
	/* single-label form */
	GOOD("i8443-10-1-2-3." SUFFIX, MANGLE_FORM_ALL, "", 8443, "10.1.2.3"),
	GOOD("nblue-i8443-10-1-2-3." SUFFIX, MANGLE_FORM_ALL, "blue", 8443, "10.1.2.3"),
	GOOD("p8443-fd00--1." SUFFIX, MANGLE_FORM_LABEL, "", 8443, "fd00::1"),
	GOOD("ngreen7-p80---ffff-a01-203." SUFFIX, MANGLE_FORM_ALL, "green7", 80, "10.1.2.3"),
	BAD("i8443-10-1-2-3a." SUFFIX, MANGLE_FORM_ALL, MANGLE_ERR_IPV4),
	BAD("i8443-10-1-2-03." SUFFIX, MANGLE_FORM_ALL, MANGLE_ERR_IPV4),
	BAD("i8443-fd00--1." SUFFIX, MANGLE_FORM_ALL, MANGLE_ERR_IPV4),
	BAD("p8443-10-1-2-3." SUFFIX, MANGLE_FORM_ALL, MANGLE_ERR_IPV6),
	BAD("i0-10-1-2-3." SUFFIX, MANGLE_FORM_ALL, MANGLE_ERR_PORT),
	BAD("i99999-10-1-2-3." SUFFIX, MANGLE_FORM_ALL, MANGLE_ERR_PORT),
	BAD("i8443." SUFFIX, MANGLE_FORM_ALL, MANGLE_NOT_MANGLED),
	BAD("i8443-." SUFFIX, MANGLE_FORM_ALL, MANGLE_NOT_MANGLED),
	/* Plain names that start like the form but have no dash after the port's digits. */
	BAD("i18n." SUFFIX, MANGLE_FORM_ALL, MANGLE_NOT_MANGLED),
	BAD("p2p.app." SUFFIX, MANGLE_FORM_LABEL, MANGLE_NOT_MANGLED),
	BAD("nblue-i3." SUFFIX, MANGLE_FORM_ALL, MANGLE_NOT_MANGLED),
	BAD("nblue-p2p-x." SUFFIX, MANGLE_FORM_ALL, MANGLE_NOT_MANGLED),
	/* ... or whose rest is no address: host names for the wildcard routes, not refusals. */
	BAD("i3-cache." SUFFIX, MANGLE_FORM_ALL, MANGLE_NOT_MANGLED),
	BAD("p1-web." SUFFIX, MANGLE_FORM_ALL, MANGLE_NOT_MANGLED),
	BAD("p1-db." SUFFIX, MANGLE_FORM_ALL, MANGLE_NOT_MANGLED),   /* hex letters, no address */
	BAD("i2-cafe." SUFFIX, MANGLE_FORM_ALL, MANGLE_NOT_MANGLED),
	BAD("i1-1." SUFFIX, MANGLE_FORM_ALL, MANGLE_NOT_MANGLED),
	BAD("nblue-p4-face-1." SUFFIX, MANGLE_FORM_ALL, MANGLE_NOT_MANGLED),
	BAD("i8443-10-1-2." SUFFIX, MANGLE_FORM_ALL, MANGLE_ERR_IPV4), /* an address cut short */
	BAD("i3-cache.prod." SUFFIX, MANGLE_FORM_ALL, MANGLE_NOT_MANGLED),
	BAD("i8443-10-1-2-3x." SUFFIX, MANGLE_FORM_ALL, MANGLE_NOT_MANGLED),
	BAD("i8443-10-1-2-3.extra." SUFFIX, MANGLE_FORM_ALL, MANGLE_ERR_SHAPE),
	BAD("nblue-i8443-10-1-2-3." SUFFIX, MANGLE_FORM_UNDERSCORE, MANGLE_NOT_MANGLED),
	BAD("nblue-green-i8443-10-1-2-3." SUFFIX, MANGLE_FORM_ALL, MANGLE_NOT_MANGLED),
	BAD("www." SUFFIX, MANGLE_FORM_ALL, MANGLE_NOT_MANGLED),
	BAD("index.svc." SUFFIX, MANGLE_FORM_ALL, MANGLE_NOT_MANGLED),
	BAD(SUFFIX, MANGLE_FORM_ALL, MANGLE_ERR_SUFFIX),
	BAD("i8443-10-1-2-3.other.internal", MANGLE_FORM_ALL, MANGLE_ERR_SUFFIX),
	BAD("i8443-10-1-2-3x" SUFFIX, MANGLE_FORM_ALL, MANGLE_ERR_SUFFIX),
	/* Istio east-west form */
	ISTIO("outbound_.9080_.v1_.reviews.default." SUFFIX, MANGLE_FORM_ALL, 9080, "reviews.default." SUFFIX, "v1"),
	ISTIO("outbound_.80_._.web." SUFFIX, MANGLE_FORM_ISTIO, 80, "web." SUFFIX, ""),
	BAD("outbound_.80_._.web." SUFFIX, MANGLE_FORM_LABEL, MANGLE_NOT_MANGLED),
	BAD("outbound_.80._.web." SUFFIX, MANGLE_FORM_ALL, MANGLE_ERR_SHAPE),
	BAD("outbound_.80_.v1.web." SUFFIX, MANGLE_FORM_ALL, MANGLE_ERR_SHAPE),
	BAD("outbound_.0_._.web." SUFFIX, MANGLE_FORM_ALL, MANGLE_ERR_PORT),
	BAD("outbound_.80_.v_1_.web." SUFFIX, MANGLE_FORM_ALL, MANGLE_ERR_SUBSET),
	ISTIO("outbound_.80_._." SUFFIX, MANGLE_FORM_ALL, 80, SUFFIX, ""),
	BAD("outbound_.80_._", MANGLE_FORM_ALL, MANGLE_ERR_SUFFIX),
};

static void check_case(const struct mangle_case *c)
{
	struct mangle_target t;
	struct ip_addr want;
	enum mangle_status st = mangle_decode(c->name, strlen(c->name), SUFFIX, strlen(SUFFIX),
					      c->forms, &t);

	CU_ASSERT_EQUAL(st, c->status);
	if (st != c->status)
		fprintf(stderr, "\n  %s: got %s, want %s\n", c->name, mangle_status_str(st),
			mangle_status_str(c->status));
	if (st != MANGLE_OK || c->status != MANGLE_OK)
		return;
	CU_ASSERT_STRING_EQUAL(t.network, c->network);
	CU_ASSERT_EQUAL(t.network_len, strlen(c->network));
	CU_ASSERT_EQUAL(t.port, c->port);
	if (t.form == MANGLE_FORM_ISTIO) {
		CU_ASSERT_STRING_EQUAL(t.host, c->addr);
		CU_ASSERT_STRING_EQUAL(t.subset, c->subset);
		return;
	}
	CU_ASSERT_FATAL(ip_addr_parse(c->addr, &want));
	CU_ASSERT(ip_addr_equal(&t.addr, &want));
}

static void test_decode_table(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i]);
}

static void test_mapped_ipv6_is_ipv4(void)
{
	struct mangle_target t;
	const char *name = "p443---ffff-c0a8-101." SUFFIX;

	CU_ASSERT_EQUAL(mangle_decode(name, strlen(name), SUFFIX, strlen(SUFFIX),
				      MANGLE_FORM_ALL, &t), MANGLE_OK);
	CU_ASSERT_EQUAL(t.addr.family, IP_ADDR_FAMILY_V4);
	CU_ASSERT(t.addr.bytes[0] == 192 && t.addr.bytes[1] == 168 && t.addr.bytes[3] == 1);
}

static void test_length_limits(void)
{
	char name[300];
	struct mangle_target t;

	/* A 64-byte label, and a name past 253 bytes, are refused before any form. */
	memset(name, 'a', 64);
	strcpy(name + 64, "." SUFFIX);
	CU_ASSERT_EQUAL(mangle_decode(name, strlen(name), SUFFIX, strlen(SUFFIX),
				      MANGLE_FORM_ALL, &t), MANGLE_ERR_LENGTH);
	strcpy(name, "nbluegreen-i8443-");
	memset(name + 17, '1', 60);
	strcpy(name + 77, "." SUFFIX);
	CU_ASSERT_EQUAL(mangle_decode(name, strlen(name), SUFFIX, strlen(SUFFIX),
				      MANGLE_FORM_ALL, &t), MANGLE_ERR_LENGTH);
	memset(name, 'a', 254);
	for (int i = 50; i < 254; i += 50)
		name[i] = '.';
	CU_ASSERT_EQUAL(mangle_decode(name, 254, "", 0, MANGLE_FORM_ALL, &t), MANGLE_ERR_LENGTH);
	/* Decoding must not read past the given length. */
	CU_ASSERT_EQUAL(mangle_decode("_80._10-1-2-3." SUFFIX "x", strlen(SUFFIX) + 14, SUFFIX,
				      strlen(SUFFIX), MANGLE_FORM_ALL, &t), MANGLE_OK);
}

static void test_ip_addr_parsing(void)
{
	struct ip_addr a, p;

	CU_ASSERT(ip_addr_parse("255.255.255.255", &a));
	CU_ASSERT_FALSE(ip_addr_parse("1.2.3", &a));
	CU_ASSERT_FALSE(ip_addr_parse("1.2.3.4.", &a));
	CU_ASSERT_FALSE(ip_addr_parse("01.2.3.4", &a));
	CU_ASSERT_FALSE(ip_addr_parse("1.2.3.-4", &a));
	CU_ASSERT_FALSE(ip_addr_parse("1:2", &a));
	CU_ASSERT_FALSE(ip_addr_parse(":1::", &a));
	CU_ASSERT_FALSE(ip_addr_parse("1::2::3", &a));
	CU_ASSERT_FALSE(ip_addr_parse("1:2:3:4:5:6:7:8:9", &a));
	CU_ASSERT_FALSE(ip_addr_parse("1::2:3:4:5:6:7:8", &a));
	CU_ASSERT(ip_addr_parse("1:2:3:4:5:6:7::", &a));
	CU_ASSERT(ip_addr_parse("::", &a) && a.family == IP_ADDR_FAMILY_V6);
	CU_ASSERT(ip_addr_parse("10.1.0.0", &p));
	CU_ASSERT(ip_addr_parse("10.1.255.7", &a));
	CU_ASSERT(ip_addr_in_prefix(&a, &p, 16));
	CU_ASSERT_FALSE(ip_addr_in_prefix(&a, &p, 17));
	CU_ASSERT_FALSE(ip_addr_in_prefix(&a, &p, 33));
	CU_ASSERT(ip_addr_parse("fd00::", &p) && ip_addr_parse("fd00::ff", &a));
	CU_ASSERT(ip_addr_in_prefix(&a, &p, 120));
	CU_ASSERT_FALSE(ip_addr_in_prefix(&a, &p, 121));
	char buf[48];
	CU_ASSERT_STRING_EQUAL(ip_addr_format(&a, buf, sizeof(buf)), "fd00:0:0:0:0:0:0:ff");
	/* Never a destination, an allow-list around them or not: link-local (a cloud's
	 * metadata service at 169.254.169.254) and Teredo, beside what was there. */
	static const char *const special[] = { "169.254.169.254", "169.254.0.1", "fe80::1",
					       "febf::1", "2001:0:a01:203::1", "127.0.0.1",
					       "2002:a01:203::1" };
	static const char *const plain[] = { "169.253.0.1", "170.254.0.1", "fec0::1",
					     "2001:db8::1", "2001:1::1", "10.1.2.3", "fd00::1" };
	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++)
		CU_ASSERT(ip_addr_parse(special[i], &a) && ip_addr_is_special(&a));
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		CU_ASSERT(ip_addr_parse(plain[i], &a) && !ip_addr_is_special(&a));
}

int suite_sni_mangle(void)
{
	CU_pSuite s = CU_add_suite("sni_mangle", NULL, NULL);

	if (s == NULL)
		return -1;
	CU_add_test(s, "decode table", test_decode_table);
	CU_add_test(s, "IPv4-mapped IPv6 decodes as IPv4", test_mapped_ipv6_is_ipv4);
	CU_add_test(s, "length limits", test_length_limits);
	CU_add_test(s, "ip_addr parsing", test_ip_addr_parsing);
	return 0;
}
