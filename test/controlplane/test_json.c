/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "json": the JSON reader (base64 keys and values decoded as meshrelay-cp does) on
 * etcd's JSON gateway. Fixtures are answers captured from etcd 3.4.23 (lease grant and
 * keepalive, put, range, watch events, an error), then the data plane's counters, every
 * refusal and the limits, and the escaper. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "json.h"
#include "unit.h"

static const char etcd_grant[] =
	"{\"header\":{\"cluster_id\":\"324952591200643719\",\"member_id\":\"33198146427616379"
	"52\",\"revision\":\"1\",\"raft_term\":\"2\"},\"ID\":\"2324035608182648584\",\"TTL\":"
	"\"10\"}";

static const char etcd_keepalive[] =
	"{\"result\":{\"header\":{\"cluster_id\":\"324952591200643719\",\"member_id\":\"33198"
	"14642761637952\",\"revision\":\"3\",\"raft_term\":\"2\"},\"ID\":\"232403560818264858"
	"4\",\"TTL\":\"10\"}}";

static const char etcd_range[] =
	"{\"header\":{\"cluster_id\":\"324952591200643719\",\"member_id\":\"33198146427616379"
	"52\",\"revision\":\"3\",\"raft_term\":\"2\"},\"kvs\":[{\"key\":\"L21lc2hyZWxheS9ub2R"
	"lcy9h\",\"create_revision\":\"2\",\"mod_revision\":\"2\",\"version\":\"1\",\"value\""
	":\"eyJhZGRyIjoiMTAuMC4wLjEifQ==\",\"lease\":\"2324035608182648584\"},{\"key\":\"L21l"
	"c2hyZWxheS9ub2Rlcy9i\",\"create_revision\":\"3\",\"mod_revision\":\"3\",\"version\":"
	"\"1\",\"value\":\"eA==\"}],\"count\":\"2\"}";

static const char etcd_range_empty[] =
	"{\"header\":{\"cluster_id\":\"324952591200643719\",\"member_id\":\"33198146427616379"
	"52\",\"revision\":\"3\",\"raft_term\":\"2\"}}";

static const char etcd_error[] =
	"{\"error\":\"etcdserver: requested lease not found\",\"message\":\"etcdserver: reque"
	"sted lease not found\",\"code\":5}";

static const char etcd_keepalive_gone[] =
	"{\"result\":{\"header\":{\"cluster_id\":\"324952591200643719\",\"member_id\":\"33198"
	"14642761637952\",\"revision\":\"3\",\"raft_term\":\"2\"},\"ID\":\"12345\"}}";

static const char etcd_watch_created[] =
	"{\"result\":{\"header\":{\"cluster_id\":\"324952591200643719\",\"member_id\":\"33198"
	"14642761637952\",\"revision\":\"3\",\"raft_term\":\"2\"},\"created\":true}}";

static const char etcd_watch_put[] =
	"{\"result\":{\"header\":{\"cluster_id\":\"324952591200643719\",\"member_id\":\"33198"
	"14642761637952\",\"revision\":\"4\",\"raft_term\":\"2\"},\"events\":[{\"kv\":{\"key"
	"\":\"L21lc2hyZWxheS9ub2Rlcy9j\",\"create_revision\":\"4\",\"mod_revision\":\"4\",\"v"
	"ersion\":\"1\",\"value\":\"aGVsbG8=\"}}]}}";

static const char etcd_watch_put2[] =
	"{\"result\":{\"header\":{\"cluster_id\":\"324952591200643719\",\"member_id\":\"33198"
	"14642761637952\",\"revision\":\"5\",\"raft_term\":\"2\"},\"events\":[{\"kv\":{\"key"
	"\":\"L21lc2hyZWxheS9ub2Rlcy9j\",\"create_revision\":\"4\",\"mod_revision\":\"5\",\"v"
	"ersion\":\"2\",\"value\":\"aGVsbG8y\"}}]}}";

static const char etcd_watch_delete[] =
	"{\"result\":{\"header\":{\"cluster_id\":\"324952591200643719\",\"member_id\":\"33198"
	"14642761637952\",\"revision\":\"6\",\"raft_term\":\"2\"},\"events\":[{\"type\":\"DEL"
	"ETE\",\"kv\":{\"key\":\"L21lc2hyZWxheS9ub2Rlcy9i\",\"mod_revision\":\"6\"}}]}}";

/* The lease grant as the brief for this reader quoted it: a cluster_id beyond int64_t. */
static const char etcd_grant_uint64[] =
	"{\"header\":{\"cluster_id\":\"14841639068965178418\",\"member_id\":\"102766577439329"
	"75437\",\"revision\":\"1\",\"raft_term\":\"2\"},\"ID\":\"7587862072000036353\",\"TTL"
	"\":\"10\"}";

static struct json_value *parse_ok(const char *text)
{
	char err[128] = "";
	struct json_value *v = json_parse(text, strlen(text), err, sizeof(err));

	CU_ASSERT_PTR_NOT_NULL(v);
	if (!v)
		fprintf(stderr, "\n  json_parse(%.60s): %s\n", text, err);
	return v;
}

static int64_t int_at(const struct json_value *root, const char *path)
{
	int64_t v = -999;

	CU_ASSERT_TRUE(json_int64(json_path(root, path), &v));
	return v;
}

/* A base64 string member decoded as text. */
static const char *b64_text(const struct json_value *obj, const char *key)
{
	static char out[256];
	const char *s = json_str(json_get(obj, key));
	int n = s ? b64_decode(s, strlen(s), (uint8_t *)out, sizeof(out) - 1) : -1;

	CU_ASSERT_TRUE(n >= 0);
	out[n < 0 ? 0 : n] = '\0';
	return out;
}

static void test_etcd_lease(void)
{
	struct json_value *g = parse_ok(etcd_grant), *k = parse_ok(etcd_keepalive);
	struct json_value *gone = parse_ok(etcd_keepalive_gone), *u = parse_ok(etcd_grant_uint64);
	int64_t v;

	CU_ASSERT_EQUAL(int_at(g, "ID"), 2324035608182648584LL);
	CU_ASSERT_EQUAL(int_at(g, "TTL"), 10);
	CU_ASSERT_EQUAL(int_at(g, "header.revision"), 1);
	CU_ASSERT_EQUAL(int_at(g, "header.cluster_id"), 324952591200643719LL);
	CU_ASSERT_EQUAL(int_at(k, "result.TTL"), 10);
	CU_ASSERT_EQUAL(int_at(k, "result.ID"), 2324035608182648584LL);
	CU_ASSERT_EQUAL(int_at(k, "result.header.revision"), 3);
	/* An expired lease: keepalive answers without TTL. */
	CU_ASSERT_PTR_NULL(json_path(gone, "result.TTL"));
	CU_ASSERT_FALSE(json_int64(json_path(gone, "result.TTL"), &v));
	CU_ASSERT_EQUAL(int_at(u, "ID"), 7587862072000036353LL);
	CU_ASSERT_FALSE(json_int64(json_path(u, "header.cluster_id"), &v));
	CU_ASSERT_STRING_EQUAL(json_str(json_path(u, "header.cluster_id")), "14841639068965178418");
	json_free(g);
	json_free(k);
	json_free(gone);
	json_free(u);
}

static void test_etcd_range(void)
{
	struct json_value *r = parse_ok(etcd_range), *e = parse_ok(etcd_range_empty);
	const struct json_value *kvs = json_get(r, "kvs");
	const struct json_value *a = json_at(kvs, 0), *b = json_at(kvs, 1);
	const char *val;
	struct json_value *inner;

	CU_ASSERT_EQUAL(kvs->type, JSON_ARRAY);
	CU_ASSERT_EQUAL(json_len(kvs), 2);
	CU_ASSERT_PTR_NULL(json_at(kvs, 2));
	CU_ASSERT_STRING_EQUAL(b64_text(a, "key"), "/meshrelay/nodes/a");
	val = b64_text(a, "value");
	CU_ASSERT_STRING_EQUAL(val, "{\"addr\":\"10.0.0.1\"}");
	inner = parse_ok(val);
	CU_ASSERT_STRING_EQUAL(json_str(json_get(inner, "addr")), "10.0.0.1");
	json_free(inner);
	CU_ASSERT_EQUAL(int_at(a, "lease"), 2324035608182648584LL);
	CU_ASSERT_EQUAL(int_at(a, "mod_revision"), 2);
	CU_ASSERT_STRING_EQUAL(b64_text(b, "key"), "/meshrelay/nodes/b");
	CU_ASSERT_STRING_EQUAL(b64_text(b, "value"), "x");
	CU_ASSERT_PTR_NULL(json_get(b, "lease"));
	CU_ASSERT_EQUAL(int_at(r, "count"), 2);
	/* No match: etcd leaves out kvs and count altogether. */
	CU_ASSERT_PTR_NULL(json_get(e, "kvs"));
	CU_ASSERT_EQUAL(json_len(json_get(e, "kvs")), 0);
	CU_ASSERT_EQUAL(int_at(e, "header.revision"), 3);
	json_free(r);
	json_free(e);
}

static void test_etcd_watch_and_error(void)
{
	struct json_value *c = parse_ok(etcd_watch_created), *p = parse_ok(etcd_watch_put);
	struct json_value *p2 = parse_ok(etcd_watch_put2), *d = parse_ok(etcd_watch_delete);
	struct json_value *err = parse_ok(etcd_error);
	const struct json_value *ev;
	bool created = false;

	CU_ASSERT_TRUE(json_bool(json_path(c, "result.created"), &created));
	CU_ASSERT_TRUE(created);
	CU_ASSERT_PTR_NULL(json_path(c, "result.events"));
	ev = json_at(json_path(p, "result.events"), 0);
	CU_ASSERT_PTR_NULL(json_get(ev, "type")); /* PUT is the default, left out */
	CU_ASSERT_STRING_EQUAL(b64_text(json_get(ev, "kv"), "value"), "hello");
	CU_ASSERT_EQUAL(int_at(ev, "kv.version"), 1);
	ev = json_at(json_path(p2, "result.events"), 0);
	CU_ASSERT_STRING_EQUAL(b64_text(json_get(ev, "kv"), "value"), "hello2");
	CU_ASSERT_EQUAL(int_at(ev, "kv.create_revision"), 4);
	CU_ASSERT_EQUAL(int_at(p2, "result.header.revision"), 5);
	ev = json_at(json_path(d, "result.events"), 0);
	CU_ASSERT_STRING_EQUAL(json_str(json_get(ev, "type")), "DELETE");
	CU_ASSERT_STRING_EQUAL(b64_text(json_get(ev, "kv"), "key"), "/meshrelay/nodes/b");
	CU_ASSERT_EQUAL(int_at(err, "code"), 5);
	CU_ASSERT_STRING_EQUAL(json_str(json_get(err, "error")),
			       "etcdserver: requested lease not found");
	json_free(c);
	json_free(p);
	json_free(p2);
	json_free(d);
	json_free(err);
}

static void test_scalars(void)
{
	struct json_value *v = parse_ok("[0, -0, 1.50, -12, 1E+2, 2.5e-1, 9223372036854775807, "
					"-9223372036854775808, 9223372036854775808, "
					"true, false, null]");
	static const double want[] = { 0, -0.0, 1.5, -12, 100, 0.25 };
	int64_t i;
	bool b;

	CU_ASSERT_EQUAL(json_len(v), 12);
	for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
		CU_ASSERT_EQUAL(json_at(v, k)->type, JSON_NUMBER);
		CU_ASSERT_DOUBLE_EQUAL(json_at(v, k)->number, want[k], 1e-12);
	}
	CU_ASSERT_STRING_EQUAL(json_at(v, 2)->text, "1.50"); /* the text is kept as written */
	CU_ASSERT_TRUE(json_int64(json_at(v, 3), &i) && i == -12);
	CU_ASSERT_FALSE(json_int64(json_at(v, 2), &i)); /* a fraction */
	CU_ASSERT_FALSE(json_int64(json_at(v, 4), &i)); /* an exponent */
	CU_ASSERT_TRUE(json_int64(json_at(v, 6), &i) && i == INT64_MAX);
	CU_ASSERT_TRUE(json_int64(json_at(v, 7), &i) && i == INT64_MIN);
	CU_ASSERT_FALSE(json_int64(json_at(v, 8), &i)); /* overflow */
	CU_ASSERT_TRUE(json_bool(json_at(v, 9), &b) && b);
	CU_ASSERT_TRUE(json_bool(json_at(v, 10), &b) && !b);
	CU_ASSERT_EQUAL(json_at(v, 11)->type, JSON_NULL);
	CU_ASSERT_FALSE(json_bool(json_at(v, 11), &b));
	CU_ASSERT_FALSE(json_int64(json_at(v, 9), &i));
	CU_ASSERT_PTR_NULL(json_str(json_at(v, 3)));
	json_free(v);
}

/* Strings holding integers, as etcd writes int64: digits and a minus sign, nothing else. */
static void test_int64_strings(void)
{
	static const char *const good[] = { "\"0\"", "\"-7\"", "\"007\"", "\"9223372036854775807\"",
					    "\"-9223372036854775808\"" };
	static const int64_t want[] = { 0, -7, 7, INT64_MAX, INT64_MIN };
	static const char *const bad[] = { "\"\"", "\"-\"", "\"+1\"", "\" 1\"", "\"1 \"", "\"1a\"",
					   "\"1.0\"", "\"0x10\"", "\"9223372036854775808\"",
					   "\"-9223372036854775809\"", "\"1\\u00001\"" };
	int64_t v;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct json_value *j = parse_ok(good[i]);

		CU_ASSERT_TRUE(json_int64(j, &v) && v == want[i]);
		json_free(j);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct json_value *j = parse_ok(bad[i]);

		CU_ASSERT_FALSE(json_int64(j, &v));
		json_free(j);
	}
	CU_ASSERT_FALSE(json_int64(NULL, &v));
}

/* Counters as the data plane writes them: numbers, never strings; nothing signed, split
 * or beyond 64 bits. */
static void test_uint64(void)
{
	struct json_value *v = parse_ok("[0, 12, 7, 18446744073709551615, 18446744073709551616, "
					"-1, -0, 1.0, 1e3, \"12\", true, null, [1], {\"a\": 1}]");
	static const uint64_t want[] = { 0, 12, 7, UINT64_MAX };
	uint64_t u = 99;

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		CU_ASSERT_TRUE(json_uint64(json_at(v, i), &u) && u == want[i]);
	for (size_t i = sizeof(want) / sizeof(want[0]); i < json_len(v); i++) {
		u = 99;
		CU_ASSERT_FALSE(json_uint64(json_at(v, i), &u));
		CU_ASSERT_EQUAL(u, 99); /* untouched on refusal */
	}
	CU_ASSERT_FALSE(json_uint64(NULL, &u));
	json_free(v);
}

/* What a table cell shows for each kind of value. */
static void test_scalar_text(void)
{
	struct json_value *v = parse_ok("{\"s\": \"a \\\"b\\\"\\n\", \"n\": -1.50e3, \"t\": true, "
					"\"f\": false, \"z\": null, \"e\": \"\", \"a\": [1], \"o\": {}}");

	CU_ASSERT_STRING_EQUAL(json_scalar_text(json_get(v, "s")), "a \"b\"\n");
	CU_ASSERT_STRING_EQUAL(json_scalar_text(json_get(v, "n")), "-1.50e3"); /* as written */
	CU_ASSERT_STRING_EQUAL(json_scalar_text(json_get(v, "t")), "true");
	CU_ASSERT_STRING_EQUAL(json_scalar_text(json_get(v, "f")), "false");
	CU_ASSERT_STRING_EQUAL(json_scalar_text(json_get(v, "z")), "null");
	CU_ASSERT_STRING_EQUAL(json_scalar_text(json_get(v, "e")), "");
	CU_ASSERT_PTR_NULL(json_scalar_text(json_get(v, "a")));
	CU_ASSERT_PTR_NULL(json_scalar_text(json_get(v, "o")));
	CU_ASSERT_PTR_NULL(json_scalar_text(v));
	CU_ASSERT_PTR_NULL(json_scalar_text(NULL));
	json_free(v);
}

static void test_strings(void)
{
	struct json_value *v = parse_ok("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\", \"\\u00e9\\u20AC\", "
					"\"\\ud83d\\ude00\", \"a\\u0000b\", \"\xc3\xa9\xe2\x82\xac"
					"\xf0\x9f\x98\x80\", \"\"]");

	CU_ASSERT_STRING_EQUAL(json_str(json_at(v, 0)), "\"\\/\b\f\n\r\t");
	CU_ASSERT_STRING_EQUAL(json_str(json_at(v, 1)), "\xc3\xa9\xe2\x82\xac");
	CU_ASSERT_STRING_EQUAL(json_str(json_at(v, 2)), "\xf0\x9f\x98\x80");
	CU_ASSERT_EQUAL(json_at(v, 2)->len, 4);
	CU_ASSERT_EQUAL(json_at(v, 3)->len, 3); /* the NUL is kept */
	CU_ASSERT_EQUAL(memcmp(json_str(json_at(v, 3)), "a\0b", 4), 0);
	CU_ASSERT_STRING_EQUAL(json_str(json_at(v, 4)), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	CU_ASSERT_STRING_EQUAL(json_str(json_at(v, 5)), "");
	CU_ASSERT_EQUAL(json_at(v, 5)->len, 0);
	json_free(v);
}

static void test_structure(void)
{
	struct json_value *v = parse_ok(" \t\r\n{\"a\": 1, \"b\": {\"c\": [true, {}, []], \"d\": "
					"{\"e\": \"x\"}}, \"a\": 2, \"\": 3, \"k\\u0000\": 4} \n");
	const struct json_value *c = json_path(v, "b.c");
	int64_t n;

	CU_ASSERT_EQUAL(json_len(v), 5);
	CU_ASSERT_TRUE(json_int64(json_get(v, "a"), &n) && n == 1); /* the first of duplicates */
	CU_ASSERT_STRING_EQUAL(json_key_at(v, 2), "a");
	CU_ASSERT_TRUE(json_int64(json_at(v, 2), &n) && n == 2);
	CU_ASSERT_TRUE(json_int64(json_get(v, ""), &n) && n == 3);
	CU_ASSERT_PTR_NULL(json_get(v, "k")); /* "k\u0000" is another key */
	CU_ASSERT_PTR_NULL(json_key_at(v, 5));
	CU_ASSERT_PTR_NULL(json_key_at(c, 0));
	CU_ASSERT_EQUAL(json_len(c), 3);
	CU_ASSERT_EQUAL(json_at(c, 1)->type, JSON_OBJECT);
	CU_ASSERT_EQUAL(json_len(json_at(c, 1)), 0);
	CU_ASSERT_EQUAL(json_at(c, 2)->type, JSON_ARRAY);
	CU_ASSERT_EQUAL(json_len(json_at(c, 2)), 0);
	CU_ASSERT_STRING_EQUAL(json_str(json_path(v, "b.d.e")), "x");
	CU_ASSERT_PTR_NULL(json_path(v, "b.d.e.f"));
	CU_ASSERT_PTR_NULL(json_path(v, "b.c.0")); /* object keys only */
	CU_ASSERT_PTR_NULL(json_path(v, "b.x"));
	CU_ASSERT_PTR_NULL(json_get(c, "a"));
	CU_ASSERT_PTR_NULL(json_get(NULL, "a"));
	CU_ASSERT_EQUAL(json_len(json_get(v, "a")), 0);
	CU_ASSERT_PTR_NULL(json_at(json_get(v, "a"), 0));
	CU_ASSERT_PTR_NULL(json_str(NULL));
	json_free(v);
	json_free(NULL);
}

struct refusal {
	const char *text;
	size_t len;       /* 0: strlen(text) */
	const char *err;  /* the whole message */
};

static void check_refusals(const struct refusal *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].text);
		char err[128] = "";
		struct json_value *v = json_parse(cases[i].text, len, err, sizeof(err));

		CU_ASSERT_PTR_NULL(v);
		CU_ASSERT_STRING_EQUAL(err, cases[i].err);
		if (strcmp(err, cases[i].err) != 0)
			fprintf(stderr, "\n  case %zu: got \"%s\", want \"%s\"\n", i, err,
				cases[i].err);
		json_free(v);
	}
}

static void test_refusals_syntax(void)
{
	static const struct refusal cases[] = {
		{ "", 0, "offset 0: unexpected end of input" },
		{ "   ", 0, "offset 3: unexpected end of input" },
		{ "{} x", 0, "offset 3: trailing characters after the document" },
		{ "1 2", 0, "offset 2: trailing characters after the document" },
		{ "[1,]", 0, "offset 3: unexpected character" },
		{ "{\"a\":1,}", 0, "offset 7: expected string key" },
		{ "{1:2}", 0, "offset 1: expected string key" },
		{ "{\"a\" 1}", 0, "offset 5: expected ':'" },
		{ "[1 2]", 0, "offset 3: expected ',' or ']'" },
		{ "{\"a\":1 \"b\":2}", 0, "offset 7: expected ',' or '}'" },
		{ "[", 0, "offset 1: unexpected end of input" },
		{ "{\"a\":", 0, "offset 5: unexpected end of input" },
		{ "[1,\0]", 5, "offset 3: unexpected character" },
		{ "01", 0, "offset 1: leading zero in number" },
		{ "-01", 0, "offset 2: leading zero in number" },
		{ "1.", 0, "offset 2: bad fraction" },
		{ "1.e5", 0, "offset 2: bad fraction" },
		{ "1e", 0, "offset 2: bad exponent" },
		{ "1e+", 0, "offset 3: bad exponent" },
		{ "-", 0, "offset 1: bad number" },
		{ ".5", 0, "offset 0: unexpected character" },
		{ "+1", 0, "offset 0: unexpected character" },
		{ "NaN", 0, "offset 0: unexpected character" },
		{ "Infinity", 0, "offset 0: unexpected character" },
		{ "-Infinity", 0, "offset 1: bad number" },
		{ "nul", 0, "offset 0: unexpected character" },
		{ "True", 0, "offset 0: unexpected character" },
		{ "[0x10]", 0, "offset 2: expected ',' or ']'" },
	};

	check_refusals(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_refusals_strings(void)
{
	static const struct refusal cases[] = {
		{ "\"abc", 0, "offset 4: unterminated string" },
		{ "\"abc\\\"", 0, "offset 6: unterminated string" },
		{ "\"a\x01\"", 0, "offset 2: control character in string" },
		{ "\"a\tb\"", 0, "offset 2: control character in string" },
		{ "\"a\0b\"", 5, "offset 2: control character in string" },
		{ "\"\\x\"", 0, "offset 1: bad escape" },
		{ "\"\\u12\"", 0, "offset 1: bad \\u escape" },
		{ "\"\\u12g4\"", 0, "offset 1: bad \\u escape" },
		{ "\"\\ud800\"", 0, "offset 7: lone high surrogate" },
		{ "\"\\ud800\\u0041\"", 0, "offset 13: lone high surrogate" },
		{ "\"\\ud800\\ud800\"", 0, "offset 13: lone high surrogate" },
		{ "\"\\udc00\\ud800\"", 0, "offset 7: lone low surrogate" },
		{ "\"\xff\"", 0, "offset 1: invalid UTF-8 in string" },
		{ "\"\x80\"", 0, "offset 1: invalid UTF-8 in string" },
		{ "\"\xc0\xaf\"", 0, "offset 1: invalid UTF-8 in string" },         /* overlong */
		{ "\"\xe0\x80\xaf\"", 0, "offset 1: invalid UTF-8 in string" },     /* overlong */
		{ "\"\xed\xa0\x80\"", 0, "offset 1: invalid UTF-8 in string" },     /* surrogate */
		{ "\"\xf4\x90\x80\x80\"", 0, "offset 1: invalid UTF-8 in string" }, /* > U+10FFFF */
		{ "\"\xe2\x82\"", 0, "offset 1: invalid UTF-8 in string" },         /* cut short */
		{ "\"a\xc3\"", 0, "offset 2: invalid UTF-8 in string" },
		{ "{\"k\xff\":1}", 0, "offset 3: invalid UTF-8 in string" },
	};

	check_refusals(cases, sizeof(cases) / sizeof(cases[0]));
}

static char *nested(unsigned int depth, const char *open, const char *close)
{
	size_t o = strlen(open), c = strlen(close);
	char *s = malloc(depth * (o + c) + 1), *p = s;

	for (unsigned int i = 0; i < depth; i++, p += o)
		memcpy(p, open, o);
	for (unsigned int i = 0; i < depth; i++, p += c)
		memcpy(p, close, c);
	*p = '\0';
	return s;
}

static void test_limits_depth(void)
{
	char *ok = nested(JSON_MAX_DEPTH, "[", "]"), *deep = nested(JSON_MAX_DEPTH + 1, "[", "]");
	char *ok_obj = nested(JSON_MAX_DEPTH, "{\"a\":[", "]}");
	char err[128];
	struct json_value *v = parse_ok(ok);

	json_free(v);
	CU_ASSERT_PTR_NULL(json_parse(deep, strlen(deep), err, sizeof(err)));
	CU_ASSERT_STRING_EQUAL(err, "offset 64: nesting too deep");
	/* 64 objects holding an array each: 128 levels. */
	CU_ASSERT_PTR_NULL(json_parse(ok_obj, strlen(ok_obj), err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "nesting too deep"));
	free(ok);
	free(deep);
	free(ok_obj);
}

/* "[0,0,...]": the array counts as a value too. */
static char *zeros(size_t n)
{
	char *s = malloc(2 * n + 2);

	s[0] = '[';
	for (size_t i = 0; i < n; i++) {
		s[1 + 2 * i] = '0';
		s[2 + 2 * i] = i + 1 < n ? ',' : ']';
	}
	s[2 * n + 1] = '\0';
	return s;
}

static void test_limits_values(void)
{
	char *ok = zeros(JSON_MAX_VALUES - 1), *over = zeros(JSON_MAX_VALUES);
	char err[128];
	struct json_value *v = json_parse(ok, strlen(ok), err, sizeof(err));

	CU_ASSERT_PTR_NOT_NULL(v);
	CU_ASSERT_EQUAL(json_len(v), JSON_MAX_VALUES - 1);
	json_free(v);
	CU_ASSERT_PTR_NULL(json_parse(over, strlen(over), err, sizeof(err)));
	CU_ASSERT_STRING_EQUAL(err, "offset 1999999: too many values");
	free(ok);
	free(over);
}

/* No error buffer, or a small one: the message is cut, not overrun. */
static void test_error_buffers(void)
{
	char small[8];

	CU_ASSERT_PTR_NULL(json_parse("[1,]", 4, NULL, 0));
	CU_ASSERT_PTR_NULL(json_parse("[1,]", 4, small, sizeof(small)));
	CU_ASSERT_STRING_EQUAL(small, "offset ");
}

static void test_escape(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "", "\"\"" },
		{ "plain", "\"plain\"" },
		{ "a\"b\\c/", "\"a\\\"b\\\\c/\"" },
		{ "\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"" },
		{ "\x01\x1f\x7f", "\"\\u0001\\u001f\x7f\"" },
		{ "\xc3\xa9\xf0\x9f\x98\x80", "\"\xc3\xa9\xf0\x9f\x98\x80\"" },
	};
	char out[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t want = strlen(cases[i].out);
		struct json_value *v;

		CU_ASSERT_EQUAL(json_escape(out, sizeof(out), cases[i].in), (int)want);
		CU_ASSERT_STRING_EQUAL(out, cases[i].out);
		v = parse_ok(out);
		CU_ASSERT_STRING_EQUAL(json_str(v), cases[i].in);
		json_free(v);
		/* It fits in exactly its length and a NUL, and in nothing less. */
		CU_ASSERT_EQUAL(json_escape(out, want + 1, cases[i].in), (int)want);
		for (size_t cap = 0; cap <= want; cap++)
			CU_ASSERT_EQUAL(json_escape(out, cap, cases[i].in), -1);
	}
	CU_ASSERT_EQUAL(json_escape(out, sizeof(out), "\xff"), -1);
	CU_ASSERT_EQUAL(json_escape(out, sizeof(out), "a\xed\xa0\x80"), -1);
	CU_ASSERT_EQUAL(json_escape(out, sizeof(out), "\xe2\x82"), -1);
}

int test_json_register(void)
{
	static CU_TestInfo json_tests[] = {
		{ "etcd: lease grant and keepalive", test_etcd_lease },
		{ "etcd: range with base64 keys and values", test_etcd_range },
		{ "etcd: watch events and an error", test_etcd_watch_and_error },
		{ "numbers and literals", test_scalars },
		{ "int64 in strings", test_int64_strings },
		{ "unsigned counters", test_uint64 },
		{ "scalars as text", test_scalar_text },
		{ "strings: escapes, surrogates, UTF-8, NUL", test_strings },
		{ "objects and arrays, duplicates, paths", test_structure },
		{ "refusals: syntax", test_refusals_syntax },
		{ "refusals: strings", test_refusals_strings },
		{ "limit: depth", test_limits_depth },
		{ "limit: number of values", test_limits_values },
		{ "error buffers", test_error_buffers },
		{ "writing string literals", test_escape },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite("json", json_tests);
}
