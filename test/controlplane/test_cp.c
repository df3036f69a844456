/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "cp": meshrelay-cp's pure pieces: the back-off schedule, its command line, the
 * last good configuration (a bad file changes nothing). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cp_args.h"
#include "cp_backoff.h"
#include "cp_conf.h"
#include "mr_pidfile.h"
#include "unit.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof(a[0])) - 1)

static const char good_conf[] =
	"dataplane = { eal = [\"-l\", \"0-1\"]; control_socket = \"/tmp/x.sock\"; };\n"
	"ports = ( { name = \"edge\"; device = \"net_null0\"; ipv4 = \"10.0.0.1/24\"; } );\n"
	"listeners = ( { name = \"tls\"; port = \"edge\"; tcp_port = 443; } );\n";

static void test_backoff(void)
{
	static const uint32_t want[] = { 100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000 };
	struct cp_backoff b;

	cp_backoff_reset(&b);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		CU_ASSERT_EQUAL(cp_backoff_next(&b), want[i]);
	cp_backoff_reset(&b);
	CU_ASSERT_EQUAL(cp_backoff_next(&b), 100);
	memset(&b, 0, sizeof(b)); /* a zeroed one starts at the first delay too */
	CU_ASSERT_EQUAL(cp_backoff_next(&b), 100);
}

static void test_args(void)
{
	char *full[] = { "meshrelay-cp", "-c", "a.conf", "-s", "/run/x.sock", "--pidfile", "p",
			 NULL };
	char *least[] = { "meshrelay-cp", "--config", "a.conf", NULL };
	char *no_conf[] = { "meshrelay-cp", "-s", "/x", NULL };
	char *unknown[] = { "meshrelay-cp", "-c", "a", "-x", NULL };
	char *no_value[] = { "meshrelay-cp", "-c", NULL };
	char *relative[] = { "meshrelay-cp", "-c", "a", "-s", "x.sock", NULL };
	char *extra[] = { "meshrelay-cp", "-c", "a", "more", NULL };
	char long_status[CP_STATUS_PATH_MAX + 2];
	char *too_long[] = { "meshrelay-cp", "-c", "a", "--status", long_status, NULL };
	struct cp_opts o;
	char err[128];

	CU_ASSERT_EQUAL(cp_args_parse(ARGC(full), full, &o, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(o.config, "a.conf");
	CU_ASSERT_STRING_EQUAL(o.socket, "/run/x.sock");
	CU_ASSERT_STRING_EQUAL(o.pidfile, "p");
	CU_ASSERT_EQUAL(cp_args_parse(ARGC(least), least, &o, err, sizeof(err)), 0);
	CU_ASSERT_PTR_NULL(o.socket);
	CU_ASSERT_STRING_EQUAL(o.pidfile, MR_CP_PIDFILE);
	CU_ASSERT_EQUAL(cp_args_parse(ARGC(no_conf), no_conf, &o, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "-c FILE"));
	CU_ASSERT_EQUAL(cp_args_parse(ARGC(unknown), unknown, &o, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown option"));
	CU_ASSERT_EQUAL(cp_args_parse(ARGC(no_value), no_value, &o, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "needs a value"));
	CU_ASSERT_EQUAL(cp_args_parse(ARGC(relative), relative, &o, err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(cp_args_parse(ARGC(extra), extra, &o, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "more"));
	/* A status path the file beside it (".tmp") could not be named for: refused, not cut
	 * to a name that may be another file's. At the limit, taken. */
	memset(long_status, 'x', sizeof(long_status) - 1);
	long_status[0] = '/';
	long_status[sizeof(long_status) - 1] = '\0';
	CU_ASSERT_EQUAL(cp_args_parse(ARGC(too_long), too_long, &o, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "--status"));
	long_status[sizeof(long_status) - 2] = '\0';
	CU_ASSERT_EQUAL(cp_args_parse(ARGC(too_long), too_long, &o, err, sizeof(err)), 0);
}

static void test_conf_keeps_last_good(void)
{
	const char *path = unit_path("cp.conf");
	struct cp_conf c = { 0 };
	char err[512] = "";
	char *first;

	unit_write_file(path, good_conf);
	CU_ASSERT_EQUAL_FATAL(cp_conf_load(&c, path, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.generation, 1);
	CU_ASSERT_STRING_EQUAL(c.text, good_conf);
	CU_ASSERT_EQUAL(c.len, strlen(good_conf));
	CU_ASSERT_STRING_EQUAL(c.conf.dataplane.control_socket, "/tmp/x.sock");
	first = strdup(c.text);

	unit_write_file(path, "ports = ( { name = \"edge\";\n  device = 7; } );\n");
	CU_ASSERT_EQUAL(cp_conf_load(&c, path, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ":2:"));
	CU_ASSERT_EQUAL(c.generation, 1);
	CU_ASSERT_STRING_EQUAL(c.text, first);
	CU_ASSERT_EQUAL(c.conf.n_ports, 1);

	unlink(path);
	CU_ASSERT_EQUAL(cp_conf_load(&c, path, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "No such file"));
	CU_ASSERT_EQUAL(c.generation, 1);

	unit_write_file(path, good_conf);
	CU_ASSERT_EQUAL(cp_conf_load(&c, path, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.generation, 2);
	cp_conf_free(&c);
	CU_ASSERT_PTR_NULL(c.text);
	CU_ASSERT_EQUAL(c.generation, 0);
	free(first);
}

/* A pushed text (and meshrelay-cp's file, which it pushes as it is) may not @include: the
 * data plane would read the file named, as its own user, for whoever may push. The line is
 * named; a file read from disk keeps its includes. */
static void test_conf_refuses_include(void)
{
	const char *inc = unit_path("listeners.inc"), *path = unit_path("inc.conf");
	char text[1024], err[512] = "";
	struct mr_config conf = { 0 };
	struct cp_conf c = { 0 };

	unit_write_file(inc, strstr(good_conf, "listeners"));
	snprintf(text, sizeof(text), "%.*s@include \"%s\"\n", (int)(strstr(good_conf, "listeners") -
		 good_conf), good_conf, inc);
	CU_ASSERT_EQUAL(mr_config_load_string(text, "pushed", &conf, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "pushed:3: @include is not allowed"));
	CU_ASSERT_EQUAL(conf.n_listeners, 0);
	unit_write_file(path, text);
	CU_ASSERT_EQUAL(cp_conf_load(&c, path, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ":3: @include"));
	CU_ASSERT_EQUAL(c.generation, 0);
	CU_ASSERT_EQUAL(mr_config_load_file(path, &conf, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(conf.n_listeners, 1); /* from the file included */
	mr_config_free(&conf);
	snprintf(text, sizeof(text), "%s \t @include \"%s\"\n", good_conf, inc);
	CU_ASSERT_EQUAL(mr_config_load_string(text, "pushed", &conf, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "pushed:4: @include"));
	snprintf(text, sizeof(text), "%s# no @include here\n/* nor\n@include \"%s\" */\n",
		 good_conf, inc); /* libconfig would not read it: refused all the same */
	CU_ASSERT_EQUAL(mr_config_load_string(text, "pushed", &conf, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "pushed:6: @include"));
	snprintf(text, sizeof(text), "%s# no @include here\n", good_conf);
	CU_ASSERT_EQUAL(mr_config_load_string(text, "pushed", &conf, err, sizeof(err)), 0);
	mr_config_free(&conf);
	/* A relative @include would be read from the working directory (a service
	 * manager's is /), not beside the file: refused, naming its line. */
	snprintf(text, sizeof(text), "%.*s  @include \"listeners.inc\"\n",
		 (int)(strstr(good_conf, "listeners") - good_conf), good_conf);
	unit_write_file(path, text);
	CU_ASSERT_EQUAL(mr_config_load_file(path, &conf, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ":3: @include of a relative path"));
	/* ... also inside a file included by its absolute path (before, only the top file
	 * was scanned): the included one's line is named. */
	unit_write_file(inc, "\n  @include \"more.inc\"\n");
	snprintf(text, sizeof(text), "%.*s@include \"%s\"\n",
		 (int)(strstr(good_conf, "listeners") - good_conf), good_conf, inc);
	unit_write_file(path, text);
	CU_ASSERT_EQUAL(mr_config_load_file(path, &conf, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "listeners.inc:2: @include of a relative path"));
	unlink(inc);
	unlink(path);
}

/* An item an @included file writes is named by that file and its line in messages given
 * after the file is read (the route table's, the VIPs'), not by the top file's name. */
static void test_conf_names_included_file(void)
{
	const char *inc = unit_path("routes.inc"), *path = unit_path("top.conf");
	char text[1024], want[512], err[512] = "";
	struct mr_config conf = { 0 }, copy = { 0 };

	snprintf(text, sizeof(text), "%s@include \"%s\"\n"
		 "imported = ( { sni = \"b.example\"; network = \"blue\"; } );\n", good_conf,
		 inc);
	unit_write_file(path, text);
	unit_write_file(inc, "networks = ( { name = \"green\"; local = true; },\n"
			"  { name = \"blue\"; } );\n"
			"pools = ( { name = \"p\"; members = ( { address = \"10.0.0.5\"; "
			"port = 8443; } ); } );\n"
			"routes = ( { sni = \"a.example\"; pool = \"p\"; },\n"
			"  { sni = \"A.example.\"; pool = \"p\"; } );\n");
	CU_ASSERT_EQUAL(mr_config_load_file(path, &conf, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:5: route a.example is listed twice (line 4 too)", inc);
	CU_ASSERT_STRING_EQUAL(err, want);
	/* Twice across the two files: each named whole. */
	unit_write_file(inc, "networks = ( { name = \"green\"; local = true; },\n"
			"  { name = \"blue\"; } );\n"
			"pools = ( { name = \"p\"; members = ( { address = \"10.0.0.5\"; "
			"port = 8443; } ); } );\n"
			"routes = ( { sni = \"b.example\"; pool = \"p\"; } );\n");
	CU_ASSERT_EQUAL(mr_config_load_file(path, &conf, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:5: route b.example is listed twice (%s:4 too)", path,
		 inc);
	CU_ASSERT_STRING_EQUAL(err, want);
	/* Loaded, the names are kept, in a copy too. */
	unit_write_file(inc, "networks = ( { name = \"green\"; local = true; },\n"
			"  { name = \"blue\"; } );\n"
			"pools = ( { name = \"p\"; members = ( { address = \"10.0.0.5\"; "
			"port = 8443; } ); } );\n"
			"routes = ( { sni = \"a.example\"; pool = \"p\"; } );\n");
	CU_ASSERT_EQUAL_FATAL(mr_config_load_file(path, &conf, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(mr_config_clone(&copy, &conf), 0);
	mr_config_free(&conf);
	CU_ASSERT_EQUAL_FATAL(copy.n_routes, 2);
	CU_ASSERT_STRING_EQUAL(mr_config_where(&copy, copy.routes[0].at, want, sizeof(want)),
			       strcat(strcpy(text, inc), ":4"));
	CU_ASSERT_STRING_EQUAL(mr_config_where(&copy, copy.routes[1].at, want, sizeof(want)),
			       strcat(strcpy(text, path), ":5"));
	mr_config_free(&copy);
	unlink(inc);
	unlink(path);
}

int test_cp_register(void)
{
	static CU_TestInfo tests[] = {
		{ "back-off: 100 ms doubling to 5 s, reset", test_backoff },
		{ "command line", test_args },
		{ "a bad file keeps the last good config", test_conf_keeps_last_good },
		{ "a pushed file may not @include", test_conf_refuses_include },
		{ "an included file's items named by it", test_conf_names_included_file },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite("cp", tests);
}
