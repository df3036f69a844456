/* Suite "ctl": meshrelayctl's command line (modes, defaults, refusals), the flat JSON
 * reader, and the human tables printed from it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_args.h"
#include "ctl_print.h"
#include "flatjson.h"
#include "unit.h"

static int parse(char **argv, struct ctl_opts *o, char *err)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	return ctl_args_parse(argc, argv, o, err, 128);
}

static void test_args_modes(void)
{
	char *dflt[] = { "meshrelayctl", "status", NULL };
	char *sock[] = { "meshrelayctl", "-s", "/x.sock", "--json", "show", "port", "edge", NULL };
	char *conf[] = { "meshrelayctl", "-c", "a.conf", "push", "b.conf", NULL };
	char *tele[] = { "meshrelayctl", "-p", "pfx", "show", "counters", "--json", NULL };
	char *reload[] = { "meshrelayctl", "--pidfile", "/p", "reload", NULL };
	char *check[] = { "meshrelayctl", "-p", "pfx", "check", "f.conf", NULL };
	struct ctl_opts o;
	char err[128];

	CU_ASSERT_EQUAL(parse(dflt, &o, err), 0);
	CU_ASSERT_EQUAL(o.mode, CTL_MODE_SOCKET);
	CU_ASSERT_STRING_EQUAL(o.socket, CTL_DEFAULT_SOCKET);
	CU_ASSERT_EQUAL(o.cmd, CTL_CMD_STATUS);
	CU_ASSERT_FALSE(o.json);
	CU_ASSERT_EQUAL(parse(sock, &o, err), 0);
	CU_ASSERT_STRING_EQUAL(o.socket, "/x.sock");
	CU_ASSERT_TRUE(o.json);
	CU_ASSERT_EQUAL(o.cmd, CTL_CMD_SHOW);
	CU_ASSERT_STRING_EQUAL(o.what, "port");
	CU_ASSERT_STRING_EQUAL(o.arg, "edge");
	CU_ASSERT_EQUAL(parse(conf, &o, err), 0);
	CU_ASSERT_PTR_NULL(o.socket);
	CU_ASSERT_STRING_EQUAL(o.config, "a.conf");
	CU_ASSERT_EQUAL(o.cmd, CTL_CMD_PUSH);
	CU_ASSERT_STRING_EQUAL(o.what, "b.conf");
	CU_ASSERT_EQUAL(parse(tele, &o, err), 0);
	CU_ASSERT_EQUAL(o.mode, CTL_MODE_TELEMETRY);
	CU_ASSERT_STRING_EQUAL(o.prefix, "pfx");
	CU_ASSERT_TRUE(o.json);
	CU_ASSERT_EQUAL(parse(reload, &o, err), 0);
	CU_ASSERT_EQUAL(o.cmd, CTL_CMD_RELOAD);
	CU_ASSERT_STRING_EQUAL(o.pidfile, "/p");
	CU_ASSERT_EQUAL(parse(check, &o, err), 0);
	CU_ASSERT_EQUAL(o.cmd, CTL_CMD_CHECK);
}

static void test_args_refusals(void)
{
	static const struct { const char *argv[8]; const char *why; } cases[] = {
		{ { "meshrelayctl", NULL }, "no command" },
		{ { "meshrelayctl", "frobnicate", NULL }, "unknown command" },
		{ { "meshrelayctl", "status", "extra", NULL }, "operands" },
		{ { "meshrelayctl", "push", NULL }, "operands" },
		{ { "meshrelayctl", "show", "port", "a", "b", NULL }, "operands" },
		{ { "meshrelayctl", "show", "port", NULL }, "port name" },
		{ { "meshrelayctl", "show", "routes", "x", NULL }, "port name" },
		{ { "meshrelayctl", "show", "nonsense", NULL }, "unknown object" },
		{ { "meshrelayctl", "-p", "x", "push", "f", NULL }, "read-only" },
		{ { "meshrelayctl", "-p", "x", "status", NULL }, "read-only" },
		{ { "meshrelayctl", "-p", "a/b", "show", "counters", NULL }, "bad prefix" },
		{ { "meshrelayctl", "-s", "/a", "-c", "b", "status", NULL }, "at most one" },
		{ { "meshrelayctl", "-s", "/a", "-p", "b", "status", NULL }, "at most one" },
		{ { "meshrelayctl", "--bogus", "status", NULL }, "unknown option" },
		{ { "meshrelayctl", "status", "-s", NULL }, "needs a value" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[8]; /* getopt reorders the array: it must be writable */
		struct ctl_opts o;
		char err[128] = "";

		memcpy(argv, cases[i].argv, sizeof(argv));
		CU_ASSERT_EQUAL(parse(argv, &o, err), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, cases[i].why));
	}
}

static void test_json_object(void)
{
	struct flatjson j;

	CU_ASSERT_EQUAL_FATAL(flatjson_parse(" {\"generation\": 12, \"source\": \"a \\\"b\\\"\\n\","
					     " \"up\":true , \"neg\": -3, \"big\": 4294967296}\n",
					     &j), 0);
	CU_ASSERT_EQUAL(j.n_pairs, 5);
	CU_ASSERT_EQUAL(flatjson_uint(&j, "generation"), 12);
	CU_ASSERT_EQUAL(flatjson_uint(&j, "big"), 4294967296LL);
	CU_ASSERT_EQUAL(flatjson_uint(&j, "neg"), -1);
	CU_ASSERT_EQUAL(flatjson_uint(&j, "source"), -1); /* a string is not a number */
	CU_ASSERT_EQUAL(flatjson_uint(&j, "missing"), -1);
	CU_ASSERT_STRING_EQUAL(flatjson_find(&j, "source")->value, "a \"b\"\n");
	CU_ASSERT_TRUE(flatjson_find(&j, "source")->is_string);
	CU_ASSERT_STRING_EQUAL(flatjson_find(&j, "up")->value, "true");
	flatjson_free(&j);
	CU_ASSERT_EQUAL(j.n_pairs, 0);
	CU_ASSERT_EQUAL(flatjson_parse("{}", &j), 0);
	CU_ASSERT_EQUAL(j.n_pairs, 0);
}

static void test_json_arrays_and_escapes(void)
{
	struct flatjson j;
	const struct flatjson_pair *p;

	CU_ASSERT_EQUAL_FATAL(flatjson_parse("{\"items\": [\"a.example -> pool api\", \"\\u00e9\\t\","
					     " 7, \"\"]}", &j), 0);
	p = flatjson_find(&j, "items");
	CU_ASSERT_PTR_NULL(p->value);
	CU_ASSERT_EQUAL_FATAL(p->n_items, 4);
	CU_ASSERT_STRING_EQUAL(p->items[0], "a.example -> pool api");
	CU_ASSERT_STRING_EQUAL(p->items[1], "\xc3\xa9\t");
	CU_ASSERT_STRING_EQUAL(p->items[2], "7");
	CU_ASSERT_STRING_EQUAL(p->items[3], "");
	flatjson_free(&j);
	CU_ASSERT_EQUAL(flatjson_parse("{\"items\": []}", &j), 0);
	CU_ASSERT_EQUAL(flatjson_find(&j, "items")->n_items, 0);
	flatjson_free(&j);
}

static void test_json_refusals(void)
{
	static const char *const bad[] = {
		"", "[]", "{", "{\"a\": 1", "{\"a\" 1}", "{\"a\": {\"b\": 1}}", "{\"a\": [[1]]}",
		"{\"a\": 1} x", "{\"a\": \"\\q\"}", "{\"a\": \"\\u12\"}", "{a: 1}", "{\"a\": 1,}",
		"{\"a\": \"unterminated}", "{\"a\": }", "{\"a\": [1, 2}",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct flatjson j;

		CU_ASSERT_EQUAL(flatjson_parse(bad[i], &j), -1);
		CU_ASSERT_EQUAL(j.n_pairs, 0);
	}
}

/* What ctl_print_human writes for json, in a static buffer. */
static const char *human(const char *json)
{
	static char out[1024];
	FILE *f = fmemopen(out, sizeof(out), "w");

	ctl_print_human(f, json);
	fclose(f);
	return out;
}

static void test_print(void)
{
	FILE *f;
	char out[256];

	CU_ASSERT_STRING_EQUAL(human("{\"flows\": 3, \"backend_syn\": 120, \"source\": \"a b\"}"),
			       "flows       3\nbackend_syn 120\nsource      a b\n");
	CU_ASSERT_STRING_EQUAL(human("{\"items\": [\"one\", \"two\"]}"), "one\ntwo\n");
	CU_ASSERT_STRING_EQUAL(human("{\"n\": 2, \"list\": [\"x\"]}"), "n 2\nlist:\n  x\n");
	CU_ASSERT_STRING_EQUAL(human("not json"), "not json\n");
	f = fmemopen(out, sizeof(out), "w");
	flatjson_put_string(f, "a\"b\\c\n");
	fclose(f);
	CU_ASSERT_STRING_EQUAL(out, "\"a\\\"b\\\\c\\u000a\"");
}

int test_ctl_register(void)
{
	static CU_TestInfo tests[] = {
		{ "command line: modes and defaults", test_args_modes },
		{ "command line: refusals", test_args_refusals },
		{ "flat JSON: objects and numbers", test_json_object },
		{ "flat JSON: arrays and escapes", test_json_arrays_and_escapes },
		{ "flat JSON: refusals", test_json_refusals },
		{ "human tables", test_print },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite("ctl", tests);
}
