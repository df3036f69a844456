/* SPDX-License-Identifier: BSD-3-Clause */
/* sni_parse suite: real captures, every truncation and split, hand-made corruptions. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hello_builder.h"
#include "hello_fixtures.h"
#include "sni_parse.h"
#include "test_suites.h"

static struct hello_fixture fixtures[FIXTURE_MAX];
static int fixture_count;
static struct hello_build hb;

static enum sni_verdict parse_one(const uint8_t *p, uint32_t len,
				  const struct sni_parse_config *cfg, struct sni_result *out)
{
	struct sni_span span = { p, len };

	return sni_parse(&span, 1, cfg, out);
}

/* Same verdict, SNI and ALPN as the reference parse. */
static int same_result(const struct sni_result *a, const struct sni_result *b)
{
	if (a->verdict != b->verdict || a->has_sni != b->has_sni || a->wire_len != b->wire_len ||
	    a->alpn_count != b->alpn_count || a->max_version != b->max_version)
		return 0;
	if (a->has_sni && strcmp(a->host, b->host) != 0)
		return 0;
	for (unsigned i = 0; i < a->alpn_kept; i++)
		if (strcmp(a->alpn[i], b->alpn[i]) != 0)
			return 0;
	return 1;
}

static const struct hello_fixture *fixture_named(const char *part)
{
	for (int i = 0; i < fixture_count; i++)
		if (strstr(fixtures[i].file, part) != NULL)
			return &fixtures[i];
	return NULL;
}

static int suite_init(void)
{
	fixture_count = fixture_load_all(fixture_dir(), fixtures, FIXTURE_MAX);
	if (fixture_count < 0)
		fprintf(stderr, "cannot read fixture directory %s\n", fixture_dir());
	return 0;
}

static void test_fixtures_exact_sni(void)
{
	struct sni_result r;

	CU_ASSERT_FATAL(fixture_count >= 5);
	for (int i = 0; i < fixture_count; i++) {
		const struct hello_fixture *f = &fixtures[i];
		CU_ASSERT_EQUAL(parse_one(f->bytes, f->len, NULL, &r), SNI_COMPLETE);
		CU_ASSERT(r.wire_len <= f->len);
		CU_ASSERT_EQUAL(r.has_sni, f->expected_sni[0] != '\0');
		CU_ASSERT_STRING_EQUAL(r.host, f->expected_sni);
		if (r.verdict != SNI_COMPLETE || strcmp(r.host, f->expected_sni) != 0)
			fprintf(stderr, "\n  %s: %s/%s host '%s'\n", f->file,
				sni_verdict_str(r.verdict), sni_reason_str(r.reason), r.host);
		if (strstr(f->file, "-alpn")) {
			CU_ASSERT(r.has_alpn && r.alpn_count == 2 && r.alpn_kept == 2);
			CU_ASSERT_STRING_EQUAL(r.alpn[0], "h2");
			CU_ASSERT_STRING_EQUAL(r.alpn[1], "http/1.1");
		}
		if (strstr(f->file, "tls13"))
			CU_ASSERT_EQUAL(r.max_version, 0x0304);
		if (strstr(f->file, "tls12"))
			CU_ASSERT_EQUAL(r.max_version, 0x0303);
	}
}

static void test_fixtures_every_truncation(void)
{
	struct sni_result full, r;

	for (int i = 0; i < fixture_count; i++) {
		const struct hello_fixture *f = &fixtures[i];
		parse_one(f->bytes, f->len, NULL, &full);
		bool one_record = (uint32_t)(f->bytes[3] << 8 | f->bytes[4]) + 5 >= full.wire_len;
		for (uint32_t cut = 0; cut < full.wire_len; cut++) {
			parse_one(f->bytes, cut, NULL, &r);
			if (r.verdict != SNI_NEED_MORE) {
				CU_FAIL("a truncated hello must ask for more bytes");
				fprintf(stderr, "\n  %s cut %u: %s\n", f->file, cut,
					sni_reason_str(r.reason));
				break;
			}
			CU_ASSERT(r.need_bytes >= 1);
			CU_ASSERT(cut + r.need_bytes <= full.wire_len);
			if (one_record && cut >= 9)
				CU_ASSERT_EQUAL(cut + r.need_bytes, full.wire_len);
		}
	}
}

static void test_three_spans_every_cut_pair(void)
{
	const struct hello_fixture *f = fixture_named("tls13-alpn");
	struct sni_result ref, r;
	unsigned mismatches = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	parse_one(f->bytes, f->len, NULL, &ref);
	CU_ASSERT_EQUAL_FATAL(ref.verdict, SNI_COMPLETE);
	for (uint32_t a = 0; a <= f->len; a++) {
		for (uint32_t b = a; b <= f->len; b++) {
			struct sni_span spans[3] = { { f->bytes, a }, { f->bytes + a, b - a },
						     { f->bytes + b, f->len - b } };
			sni_parse(spans, 3, NULL, &r);
			mismatches += !same_result(&ref, &r);
		}
	}
	CU_ASSERT_EQUAL(mismatches, 0);
}

static void test_one_byte_spans(void)
{
	static struct sni_span spans[FIXTURE_BYTES];
	struct sni_result ref, r;

	for (int i = 0; i < fixture_count; i++) {
		const struct hello_fixture *f = &fixtures[i];
		for (uint32_t k = 0; k < f->len; k++)
			spans[k] = (struct sni_span){ f->bytes + k, 1 };
		parse_one(f->bytes, f->len, NULL, &ref);
		sni_parse(spans, f->len, NULL, &r);
		CU_ASSERT(same_result(&ref, &r));
	}
}

static void test_empty_and_null_spans(void)
{
	const struct hello_fixture *f = fixture_named("tls12-alpn");
	struct sni_result ref, r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	struct sni_span spans[5] = { { NULL, 7 }, { f->bytes, 10 }, { f->bytes + 10, 0 },
				     { NULL, 0 }, { f->bytes + 10, f->len - 10 } };
	parse_one(f->bytes, f->len, NULL, &ref);
	sni_parse(spans, 5, NULL, &r);
	CU_ASSERT(same_result(&ref, &r));
	CU_ASSERT_EQUAL(sni_parse(NULL, 3, NULL, &r), SNI_NEED_MORE);
	CU_ASSERT_EQUAL(r.need_bytes, 9);
}

static void test_refragmented_records(void)
{
	static uint8_t wire[FIXTURE_BYTES * 7];
	static const uint32_t sizes[] = { 1, 2, 3, 7, 64, 200, 511 };
	struct sni_parse_config many = { SNI_DEFAULT_MAX_HELLO, 100000 };
	struct sni_result ref, r;

	for (int i = 0; i < fixture_count; i++) {
		const struct hello_fixture *f = &fixtures[i];
		parse_one(f->bytes, f->len, NULL, &ref);
		for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			uint32_t n = hb_refragment(f->bytes, ref.wire_len, sizes[k], wire);
			parse_one(wire, n, &many, &r);
			CU_ASSERT_EQUAL(r.verdict, SNI_COMPLETE);
			CU_ASSERT_STRING_EQUAL(r.host, ref.host);
			CU_ASSERT_EQUAL(r.wire_len, n);
			for (uint32_t cut = 0; cut < n; cut += 1 + n / 97) {
				parse_one(wire, cut, &many, &r);
				CU_ASSERT_EQUAL(r.verdict, SNI_NEED_MORE);
			}
		}
		uint32_t n = hb_refragment(f->bytes, ref.wire_len, 1, wire);
		parse_one(wire, n, NULL, &r);
		CU_ASSERT(r.verdict == SNI_TOO_LARGE && r.reason == SNI_REASON_RECORD_COUNT);
	}
}

static void test_length_fields_off_by_one(void)
{
	struct hb_options opt;
	struct sni_result r;

	hb_options_default(&opt);
	opt.grease = true;
	opt.ech = true;
	opt.alpn[2] = "spdy/3";
	hb_build(&opt, &hb);
	CU_ASSERT_FATAL(hb.nfields >= 15);
	CU_ASSERT_EQUAL_FATAL(parse_one(hb.wire, hb.wire_len, NULL, &r), SNI_COMPLETE);
	for (unsigned i = 0; i < hb.nfields; i++) {
		const struct hb_field *fl = &hb.fields[i];
		for (int delta = -1; delta <= 1; delta += 2) {
			uint8_t *p = hb.wire + fl->off + fl->width - 1;
			*p = (uint8_t)(*p + delta); /* all fields here are below 256 or carry-free */
			parse_one(hb.wire, hb.wire_len, NULL, &r);
			if (fl->record_level) {
				CU_ASSERT(r.verdict != SNI_COMPLETE);
			} else if (r.verdict != SNI_MALFORMED) {
				CU_FAIL("corrupted length field not caught");
				fprintf(stderr, "\n  %s %+d: %s\n", fl->what, delta,
					sni_verdict_str(r.verdict));
			}
			*p = (uint8_t)(*p - delta);
		}
	}
}

static void expect_built(const struct hb_options *opt, enum sni_verdict verdict,
			 enum sni_reason reason)
{
	struct sni_result r;

	hb_build(opt, &hb);
	parse_one(hb.wire, hb.wire_len, NULL, &r);
	CU_ASSERT_EQUAL(r.verdict, verdict);
	CU_ASSERT_EQUAL(r.reason, reason);
}

static void test_duplicates_and_empty_sni(void)
{
	struct hb_options opt;
	struct sni_result r;

	hb_options_default(&opt);
	opt.duplicate_ext = 0x0017;
	expect_built(&opt, SNI_MALFORMED, SNI_REASON_DUPLICATE_EXTENSION);
	opt.duplicate_ext = 0x0000;
	expect_built(&opt, SNI_MALFORMED, SNI_REASON_DUPLICATE_EXTENSION);
	opt.duplicate_ext = 0x000a;
	expect_built(&opt, SNI_MALFORMED, SNI_REASON_DUPLICATE_EXTENSION);
	opt.ech = true; /* types from 64 up are tracked apart from the low ones */
	opt.duplicate_ext = 0xfe0d;
	expect_built(&opt, SNI_MALFORMED, SNI_REASON_DUPLICATE_EXTENSION);
	opt.duplicate_ext = 0xfe0c;
	expect_built(&opt, SNI_COMPLETE, SNI_REASON_NONE);
	opt.ech = false;
	hb_options_default(&opt);
	opt.sni = "";
	expect_built(&opt, SNI_MALFORMED, SNI_REASON_SNI_NAME);
	parse_one(hb.wire, hb.wire_len, NULL, &r);
	CU_ASSERT_EQUAL(r.name_status, SNI_NAME_EMPTY);
	CU_ASSERT_FALSE(r.has_sni);
}

static void test_host_name_rules(void)
{
	static const struct {
		const char *sent, *host;
		enum sni_name_status status;
	} cases[] = {
		{ "API.Svc.Example.", "api.svc.example", SNI_NAME_OK },
		{ "_8443._10-1-2-3._blue.mesh", "_8443._10-1-2-3._blue.mesh", SNI_NAME_OK },
		{ "a", "a", SNI_NAME_OK },
		{ "a..b", "", SNI_NAME_EMPTY_LABEL },
		{ ".a", "", SNI_NAME_EMPTY_LABEL },
		{ "a.b..", "", SNI_NAME_EMPTY_LABEL },
		{ ".", "", SNI_NAME_EMPTY },
		{ "a.b.c..", "", SNI_NAME_EMPTY_LABEL },
		{ "A_B-9.X", "a_b-9.x", SNI_NAME_OK },
		{ "a b.example", "", SNI_NAME_BAD_CHAR },
		{ "a\xc3\xa9.example", "", SNI_NAME_BAD_CHAR },
		{ "a*.example", "", SNI_NAME_BAD_CHAR },
		/* Names of eight bytes and more are checked a word at a time. */
		{ "ABCDEFGH", "abcdefgh", SNI_NAME_OK },
		{ "Mixed.CASE-Name_9.Example.", "mixed.case-name_9.example", SNI_NAME_OK },
		{ "abcdefgh..ijk", "", SNI_NAME_EMPTY_LABEL },
		{ "abcdefg.hijklmn.", "abcdefg.hijklmn", SNI_NAME_OK },
		{ "abcdefg/hijk", "", SNI_NAME_BAD_CHAR },
		{ "abcdefgh@x", "", SNI_NAME_BAD_CHAR },
		{ "abcdefgh[x", "", SNI_NAME_BAD_CHAR },
		{ "abcdefgh`x", "", SNI_NAME_BAD_CHAR },
		{ "abcdefgh{x", "", SNI_NAME_BAD_CHAR },
		{ "abcdefgh\x7fx", "", SNI_NAME_BAD_CHAR },
		{ "abcdefgh\rx", "", SNI_NAME_BAD_CHAR },
		{ "abcdefgh\x0ex", "", SNI_NAME_BAD_CHAR },
		{ "abcdefgh\x10x", "", SNI_NAME_BAD_CHAR },
		{ "abcdefgh\xc1x", "", SNI_NAME_BAD_CHAR },
	};
	struct hb_options opt;
	struct sni_result r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		hb_options_default(&opt);
		opt.sni = cases[i].sent;
		hb_build(&opt, &hb);
		parse_one(hb.wire, hb.wire_len, NULL, &r);
		CU_ASSERT_EQUAL(r.verdict, cases[i].status == SNI_NAME_OK ? SNI_COMPLETE
									 : SNI_MALFORMED);
		CU_ASSERT_EQUAL(r.name_status, cases[i].status);
		CU_ASSERT_STRING_EQUAL(r.host, cases[i].host);
	}
}

/* Names built from labels of the given size, to probe the 63 and 253 limits. */
static void test_host_name_limits(void)
{
	char name[400];
	struct hb_options opt;
	struct sni_result r;

	hb_options_default(&opt);
	opt.sni = name;
	memset(name, 'a', 63);
	strcpy(name + 63, ".example");
	expect_built(&opt, SNI_COMPLETE, SNI_REASON_NONE);
	memset(name, 'a', 64);
	strcpy(name + 64, ".example");
	expect_built(&opt, SNI_MALFORMED, SNI_REASON_SNI_NAME);
	parse_one(hb.wire, hb.wire_len, NULL, &r);
	CU_ASSERT_EQUAL(r.name_status, SNI_NAME_LABEL_TOO_LONG);
	/* The first defect wins: the label is over 63 bytes before the bad byte comes. */
	strcpy(name + 64, "*.example");
	expect_built(&opt, SNI_MALFORMED, SNI_REASON_SNI_NAME);
	parse_one(hb.wire, hb.wire_len, NULL, &r);
	CU_ASSERT_EQUAL(r.name_status, SNI_NAME_LABEL_TOO_LONG);
	strcpy(name + 63, "*.example");
	expect_built(&opt, SNI_MALFORMED, SNI_REASON_SNI_NAME);
	parse_one(hb.wire, hb.wire_len, NULL, &r);
	CU_ASSERT_EQUAL(r.name_status, SNI_NAME_BAD_CHAR);
	/* Four labels of 61 bytes and their dots make 248 bytes; "examp" brings 253. */
	for (int i = 0; i < 4; i++) {
		memset(name + 62 * i, 'a' + i, 61);
		name[62 * i + 61] = '.';
	}
	strcpy(name + 248, "exam");
	CU_ASSERT_EQUAL_FATAL(strlen(name), 252);
	strcat(name, "p");
	expect_built(&opt, SNI_COMPLETE, SNI_REASON_NONE);
	strcat(name, ".");
	expect_built(&opt, SNI_COMPLETE, SNI_REASON_NONE);
	parse_one(hb.wire, hb.wire_len, NULL, &r);
	CU_ASSERT_EQUAL(r.host_len, 253);
	name[253] = 'q';
	name[254] = '\0';
	expect_built(&opt, SNI_MALFORMED, SNI_REASON_SNI_NAME);
	parse_one(hb.wire, hb.wire_len, NULL, &r);
	CU_ASSERT_EQUAL(r.name_status, SNI_NAME_TOO_LONG);
	memset(name, 'a', 300);
	name[300] = '\0';
	expect_built(&opt, SNI_MALFORMED, SNI_REASON_SNI_NAME);
}

static void test_oversized(void)
{
	struct hb_options opt;
	struct sni_result r;
	struct sni_parse_config cfg;
	const struct hello_fixture *f = fixture_named("bigkeyshare");

	hb_options_default(&opt);
	opt.padding = 17000;
	opt.record_size = 16384;
	expect_built(&opt, SNI_TOO_LARGE, SNI_REASON_HELLO_SIZE);
	/* Only the declared length matters: the first record alone is enough to refuse. */
	parse_one(hb.wire, 20, NULL, &r);
	CU_ASSERT_EQUAL(r.verdict, SNI_TOO_LARGE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	parse_one(f->bytes, f->len, NULL, &r);
	sni_parse_config_default(&cfg);
	cfg.max_hello = r.hello_len;
	CU_ASSERT_EQUAL(parse_one(f->bytes, f->len, &cfg, &r), SNI_COMPLETE);
	cfg.max_hello = r.hello_len - 1;
	CU_ASSERT_EQUAL(parse_one(f->bytes, f->len, &cfg, &r), SNI_TOO_LARGE);
}

static void test_not_tls(void)
{
	static const uint8_t http[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	static const uint8_t sslv2[] = { 0x80, 0x2e, 0x01, 0x00, 0x02, 0x00, 0x15 };
	static const uint8_t alert[] = { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28 };
	static const uint8_t only_type[] = { 0x16 };
	struct sni_result r;

	CU_ASSERT_EQUAL(parse_one(http, sizeof(http) - 1, NULL, &r), SNI_NOT_TLS);
	CU_ASSERT_EQUAL(parse_one(http, 1, NULL, &r), SNI_NOT_TLS);
	CU_ASSERT_EQUAL(parse_one(sslv2, sizeof(sslv2), NULL, &r), SNI_NOT_TLS);
	CU_ASSERT_EQUAL(parse_one(alert, sizeof(alert), NULL, &r), SNI_NOT_TLS);
	CU_ASSERT_EQUAL(parse_one(only_type, 0, NULL, &r), SNI_NEED_MORE);
	CU_ASSERT_EQUAL(r.need_bytes, 9);
	CU_ASSERT_EQUAL(parse_one(only_type, 1, NULL, &r), SNI_NEED_MORE);
	CU_ASSERT_EQUAL(r.need_bytes, 8);
}

/* Patches byte at of the default hello and expects the given verdict and reason. */
static void expect_patched(uint32_t at, uint8_t value, enum sni_verdict verdict,
			   enum sni_reason reason)
{
	struct hb_options opt;
	struct sni_result r;

	hb_options_default(&opt);
	hb_build(&opt, &hb);
	hb.wire[at] = value;
	parse_one(hb.wire, hb.wire_len, NULL, &r);
	CU_ASSERT_EQUAL(r.verdict, verdict);
	CU_ASSERT_EQUAL(r.reason, reason);
}

static void test_record_and_header_errors(void)
{
	static uint8_t wire[4096];
	struct hb_options opt;
	struct sni_result r;

	expect_patched(1, 0x02, SNI_MALFORMED, SNI_REASON_RECORD_VERSION);
	expect_patched(1, 0x04, SNI_MALFORMED, SNI_REASON_RECORD_VERSION);
	/* The record layer's minor version is the client's to choose: {3,0} from a client
	 * that would also speak SSL 3.0 (RFC 5246 E.1), anything under TLS 1.3. */
	expect_patched(2, 0x00, SNI_COMPLETE, SNI_REASON_NONE);
	expect_patched(2, 0x05, SNI_COMPLETE, SNI_REASON_NONE);
	expect_patched(5, 0x02, SNI_MALFORMED, SNI_REASON_HANDSHAKE_TYPE);
	expect_patched(9, 0x02, SNI_MALFORMED, SNI_REASON_HELLO_VERSION);
	expect_patched(3, 0x40, SNI_MALFORMED, SNI_REASON_RECORD_LENGTH);
	expect_patched(43, 33, SNI_MALFORMED, SNI_REASON_SESSION_ID);

	hb_options_default(&opt);
	hb_build(&opt, &hb);
	uint32_t n = hb_refragment(hb.wire, hb.wire_len, 50, wire);
	wire[55] = 21; /* the second record becomes an alert */
	CU_ASSERT_EQUAL(parse_one(wire, n, NULL, &r), SNI_MALFORMED);
	CU_ASSERT_EQUAL(r.reason, SNI_REASON_RECORD_TYPE);
	n = hb_refragment(hb.wire, hb.wire_len, 50, wire);
	wire[58] = 0;
	wire[59] = 0; /* an empty second record */
	CU_ASSERT_EQUAL(parse_one(wire, n, NULL, &r), SNI_MALFORMED);
	CU_ASSERT_EQUAL(r.reason, SNI_REASON_RECORD_LENGTH);
}

static void test_extensions_read(void)
{
	struct hb_options opt;
	struct sni_result r;

	hb_options_default(&opt);
	opt.grease = true;
	opt.ech = true;
	opt.alpn[0] = "a-protocol-name-longer-than-32-bytes";
	opt.alpn[1] = "h2";
	hb_build(&opt, &hb);
	CU_ASSERT_EQUAL(parse_one(hb.wire, hb.wire_len, NULL, &r), SNI_COMPLETE);
	CU_ASSERT(r.has_ech && r.has_sni);
	CU_ASSERT_STRING_EQUAL(r.host, "api.svc.example");
	CU_ASSERT_EQUAL(r.max_version, 0x0304);
	CU_ASSERT_EQUAL(r.legacy_version, 0x0303);
	CU_ASSERT(r.alpn_count == 2 && r.alpn_kept == 0);

	const char *many[] = { "a", "bb", "ccc", "dddd", "eeeee", "ffffff" };
	memcpy(opt.alpn, many, sizeof(many));
	opt.ech = false;
	hb_build(&opt, &hb);
	CU_ASSERT_EQUAL(parse_one(hb.wire, hb.wire_len, NULL, &r), SNI_COMPLETE);
	CU_ASSERT(r.alpn_count == 6 && r.alpn_kept == SNI_ALPN_KEEP && !r.has_ech);
	CU_ASSERT_STRING_EQUAL(r.alpn[3], "dddd");
	CU_ASSERT_EQUAL(r.alpn_len[2], 3);

	hb_options_default(&opt);
	opt.tls13 = false;
	opt.sni = NULL;
	opt.alpn[0] = NULL;
	hb_build(&opt, &hb);
	CU_ASSERT_EQUAL(parse_one(hb.wire, hb.wire_len, NULL, &r), SNI_COMPLETE);
	CU_ASSERT(!r.has_sni && !r.has_alpn && r.max_version == 0x0303);
	CU_ASSERT(sni_is_grease(0x0a0a) && sni_is_grease(0xfafa) && !sni_is_grease(0x0a1a));
}

static void test_hello_without_extensions(void)
{
	static const uint8_t hello[] = {
		0x16, 0x03, 0x01, 0x00, 0x2d, 0x01, 0x00, 0x00, 0x29, 0x03, 0x03,
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		0x00, 0x00, 0x02, 0x00, 0x2f, 0x01, 0x00,
	};
	struct sni_result r;

	CU_ASSERT_EQUAL(parse_one(hello, sizeof(hello), NULL, &r), SNI_COMPLETE);
	CU_ASSERT_FALSE(r.has_sni);
	CU_ASSERT_EQUAL(r.wire_len, sizeof(hello));
	CU_ASSERT_EQUAL(r.hello_len, 0x2d);
}

/* A hello of one record whose extensions block is ext[0..ext_len) (into out, which holds
 * 64 + ext_len bytes), legacy version `version`: its length. */
static uint32_t hand_hello(uint8_t *out, uint16_t version, const uint8_t *ext, uint32_t ext_len)
{
	static const uint8_t tail[] = { 0x00, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00 };
	uint32_t body = 2 + 32 + sizeof(tail) + 2 + ext_len, n = 0;

	out[n++] = 0x16, out[n++] = 0x03, out[n++] = 0x01;
	out[n++] = (uint8_t)((body + 4) >> 8), out[n++] = (uint8_t)(body + 4);
	out[n++] = 0x01, out[n++] = 0, out[n++] = (uint8_t)(body >> 8), out[n++] = (uint8_t)body;
	out[n++] = (uint8_t)(version >> 8), out[n++] = (uint8_t)version;
	memset(out + n, 7, 32);
	n += 32;
	memcpy(out + n, tail, sizeof(tail));
	n += sizeof(tail);
	out[n++] = (uint8_t)(ext_len >> 8), out[n++] = (uint8_t)ext_len;
	if (ext_len) /* ext may be NULL then: memcpy's arguments must not be */
		memcpy(out + n, ext, ext_len);
	return n + ext_len;
}

/* An ALPN list of `ids` one-byte protocol ids into ext: its length. */
static uint32_t alpn_of_ids(uint8_t *ext, unsigned int ids)
{
	uint32_t list = 2 * ids;

	ext[0] = 0x00, ext[1] = 0x10;
	ext[2] = (uint8_t)((list + 2) >> 8), ext[3] = (uint8_t)(list + 2);
	ext[4] = (uint8_t)(list >> 8), ext[5] = (uint8_t)list;
	for (unsigned int i = 0; i < ids; i++)
		ext[6 + 2 * i] = 1, ext[7 + 2 * i] = 'a';
	return 6 + list;
}

/* Lists built to make every parse of a hello cost more are refused: an ALPN list of more
 * than SNI_ALPN_MAX_IDS protocols, a server_name list naming one type twice (RFC 6066
 * section 3), any type; a list of ids up to the bound is read. */
static void test_padded_lists_refused(void)
{
	static uint8_t ext[8192], hello[8192 + 64];
	/* host_name "a", then a name of type 1 (empty) twice; then once. */
	static const uint8_t two_of_type1[] = { 0x00, 0x00, 0x00, 0x0c, 0x00, 0x0a,
						0x00, 0x00, 0x01, 'a', 0x01, 0x00, 0x00,
						0x01, 0x00, 0x00 };
	static const uint8_t one_of_type1[] = { 0x00, 0x00, 0x00, 0x09, 0x00, 0x07,
						0x00, 0x00, 0x01, 'a', 0x01, 0x00, 0x00 };
	struct sni_result r;
	uint32_t n;

	n = hand_hello(hello, 0x0303, ext, alpn_of_ids(ext, SNI_ALPN_MAX_IDS));
	CU_ASSERT_EQUAL(parse_one(hello, n, NULL, &r), SNI_COMPLETE);
	CU_ASSERT_EQUAL(r.alpn_count, SNI_ALPN_MAX_IDS);
	n = hand_hello(hello, 0x0303, ext, alpn_of_ids(ext, 4000));
	CU_ASSERT_EQUAL(parse_one(hello, n, NULL, &r), SNI_MALFORMED);
	CU_ASSERT_EQUAL(r.reason, SNI_REASON_ALPN);
	n = hand_hello(hello, 0x0303, two_of_type1, sizeof(two_of_type1));
	CU_ASSERT_EQUAL(parse_one(hello, n, NULL, &r), SNI_MALFORMED);
	CU_ASSERT_EQUAL(r.reason, SNI_REASON_SNI_DUPLICATE_NAME);
	n = hand_hello(hello, 0x0303, one_of_type1, sizeof(one_of_type1));
	CU_ASSERT_EQUAL(parse_one(hello, n, NULL, &r), SNI_COMPLETE);
	CU_ASSERT(r.has_sni && strcmp(r.host, "a") == 0);
}

/* A legacy_version above TLS 1.2's, with no supported_versions, is read: the server
 * picks TLS 1.2 or lower (RFC 8446 appendix D, RFC 5246 appendix E.1). */
static void test_later_legacy_version(void)
{
	uint8_t hello[64];
	struct sni_result r;
	uint32_t n = hand_hello(hello, 0x0305, NULL, 0);

	CU_ASSERT_EQUAL(parse_one(hello, n, NULL, &r), SNI_COMPLETE);
	CU_ASSERT_EQUAL(r.legacy_version, 0x0305);
	n = hand_hello(hello, 0x0300, NULL, 0); /* SSL 3.0: still refused */
	CU_ASSERT_EQUAL(parse_one(hello, n, NULL, &r), SNI_MALFORMED);
	n = hand_hello(hello, 0x0401, NULL, 0);
	CU_ASSERT_EQUAL(parse_one(hello, n, NULL, &r), SNI_MALFORMED);
}

static void test_strings(void)
{
	CU_ASSERT_STRING_EQUAL(sni_verdict_str(SNI_TOO_LARGE), "too_large");
	CU_ASSERT_STRING_EQUAL(sni_reason_str(SNI_REASON_DUPLICATE_EXTENSION),
			       "duplicate_extension");
	CU_ASSERT_STRING_EQUAL(sni_reason_str((enum sni_reason)999), "unknown");
}

int suite_sni_parse(void)
{
	CU_pSuite s = CU_add_suite("sni_parse", suite_init, NULL);

	if (s == NULL)
		return -1;
	CU_add_test(s, "fixtures: exact SNI", test_fixtures_exact_sni);
	CU_add_test(s, "fixtures: every truncation", test_fixtures_every_truncation);
	CU_add_test(s, "three spans at every cut pair", test_three_spans_every_cut_pair);
	CU_add_test(s, "one byte per span", test_one_byte_spans);
	CU_add_test(s, "empty and NULL spans", test_empty_and_null_spans);
	CU_add_test(s, "refragmented into records", test_refragmented_records);
	CU_add_test(s, "length fields off by one", test_length_fields_off_by_one);
	CU_add_test(s, "duplicates and empty SNI", test_duplicates_and_empty_sni);
	CU_add_test(s, "host name rules", test_host_name_rules);
	CU_add_test(s, "host name limits", test_host_name_limits);
	CU_add_test(s, "oversized", test_oversized);
	CU_add_test(s, "not TLS", test_not_tls);
	CU_add_test(s, "record and header errors", test_record_and_header_errors);
	CU_add_test(s, "extensions read", test_extensions_read);
	CU_add_test(s, "hello without extensions", test_hello_without_extensions);
	CU_add_test(s, "padded lists refused", test_padded_lists_refused);
	CU_add_test(s, "a later legacy version read", test_later_legacy_version);
	CU_add_test(s, "strings", test_strings);
	return 0;
}
