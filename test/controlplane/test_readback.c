/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "readback": what meshrelay-cp takes back from a running data plane's "learned"
 * report when discovery does not answer: the answer captured from test 50's gateway A,
 * taken whole and pushed again in the same words; lines for networks the file does not
 * have left out; every malformed answer and line refused whole. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cp_conf.h"
#include "cp_readback.h"
#include "mr_config.h"
#include "unit.h"

/* `meshrelayctl --json show learned` at gateway A of test 50, as captured. */
static const char captured[] =
	"{\"items\": [\"gateway b gw-b 10.10.0.3 49222\", \"import b api.b.mesh.test\", "
	"\"import b ssh.b.mesh.test:22\", \"import b web.b.mesh.test\", "
	"\"import b blob.b.mesh.test\"]}";

static const char rb_conf[] =
	"dataplane = { control_socket = \"/tmp/rb.sock\"; };\n"
	"ports = ( { name = \"edge\"; device = \"net_null0\"; ipv4 = \"10.10.0.1/24\"; } );"
	" listeners = ( { name = \"tls\"; port = \"edge\"; tcp_port = 443; } );\n"
	"networks = ( { name = \"a\"; local = true; }, { name = \"b\"; }, { name = \"c\"; } );\n"
	"dns = { port = \"edge\"; zones = [ \"mesh.test\" ]; vip_range = \"240.240.0.0/16\"; };\n";

struct rb {
	struct mr_remote_gateway_conf gws[8];
	struct cp_import imports[8];
	unsigned int n_gws, n_imports;
	const char *why;
};

static int parse(const char *reply, const struct mr_config *conf, struct rb *r)
{
	memset(r, 0, sizeof(*r));
	return cp_readback_parse(reply, strlen(reply), conf, r->gws, 8, &r->n_gws, r->imports, 8,
				 &r->n_imports, &r->why);
}

static void load_conf(struct mr_config *c)
{
	char err[256];

	memset(c, 0, sizeof(*c));
	CU_ASSERT_EQUAL_FATAL(mr_config_load_string(rb_conf, "rb.conf", c, err, sizeof(err)), 0);
}

/* The capture, whole: one gateway of network b, four names (one plain TCP). */
static void test_captured(void)
{
	struct mr_config c;
	struct rb r;

	load_conf(&c);
	CU_ASSERT_EQUAL_FATAL(parse(captured, &c, &r), 0);
	CU_ASSERT_PTR_NULL(r.why);
	CU_ASSERT_EQUAL_FATAL(r.n_gws, 1);
	CU_ASSERT_STRING_EQUAL(r.gws[0].id, "gw-b");
	CU_ASSERT_STRING_EQUAL(c.networks[r.gws[0].network].name, "b");
	CU_ASSERT_STRING_EQUAL(r.gws[0].address, "10.10.0.3");
	CU_ASSERT_EQUAL(r.gws[0].port, 49222);
	CU_ASSERT_EQUAL_FATAL(r.n_imports, 4);
	CU_ASSERT_STRING_EQUAL(r.imports[0].sni, "api.b.mesh.test");
	CU_ASSERT_STRING_EQUAL(r.imports[1].sni, "ssh.b.mesh.test:22");
	CU_ASSERT_STRING_EQUAL(r.imports[1].network, "b");
	mr_config_free(&c);
}

/* Taken as the learned list, it goes back into the pushed text in the same words: the
 * data plane gets the gateway and the names it had. */
static void test_pushed_again(void)
{
	char path[] = "/tmp/readback-XXXXXX", err[256];
	struct cp_conf cp = { 0 };
	struct mr_config pushed;
	struct rb r;
	int fd = mkstemp(path);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, rb_conf, strlen(rb_conf)) == (ssize_t)strlen(rb_conf));
	close(fd);
	CU_ASSERT_EQUAL_FATAL(cp_conf_load(&cp, path, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(parse(captured, &cp.conf, &r), 0);
	CU_ASSERT_EQUAL_FATAL(cp_conf_set_learned(&cp, r.gws, r.n_gws, r.imports, r.n_imports, err,
						  sizeof(err)), 1); /* a new generation */
	memset(&pushed, 0, sizeof(pushed));
	CU_ASSERT_EQUAL_FATAL(mr_config_load_string(cp.text, "pushed", &pushed, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(pushed.n_remote_gateways, 1);
	CU_ASSERT_STRING_EQUAL(pushed.remote_gateways[0].address, "10.10.0.3");
	CU_ASSERT_EQUAL(pushed.n_routes, 4);
	CU_ASSERT(pushed.n_routes == 4 && pushed.routes[1].plain && pushed.routes[1].tcp_port == 22 &&
		  pushed.routes[1].imported);
	mr_config_free(&pushed);
	cp_conf_free(&cp);
	unlink(path);
}

/* A network the file does not have as a remote one (gone, or this gateway's own): its
 * lines are left out, the rest taken. */
static void test_other_networks_left_out(void)
{
	struct mr_config c;
	struct rb r;

	load_conf(&c);
	CU_ASSERT_EQUAL(parse("{\"items\": [\"gateway z gw-z 10.0.0.9 3478\", "
			      "\"gateway a gw-a 10.0.0.8 3478\", \"gateway c gw-c 10.0.0.7 1\", "
			      "\"import z x.z.test\", \"import c *.web.c.test\"]}", &c, &r), 0);
	CU_ASSERT_EQUAL(r.n_gws, 1);
	CU_ASSERT_STRING_EQUAL(r.gws[0].id, "gw-c");
	CU_ASSERT_EQUAL(r.n_imports, 1);
	CU_ASSERT_STRING_EQUAL(r.imports[0].sni, "*.web.c.test");
	CU_ASSERT_EQUAL(parse("{\"items\": []}", &c, &r), 0);
	CU_ASSERT_EQUAL(r.n_gws + r.n_imports, 0);
	mr_config_free(&c);
}

/* Anything else is refused whole, with nothing taken. */
static void test_refusals(void)
{
	static const char *const bad[] = {
		"", "[]", "{\"items\": 3}", "{\"items\": [3]}", "{}",
		"{\"items\": [\"route b x\"]}",
		"{\"items\": [\"gateway b gw-b 10.10.0.3\"]}",              /* no port */
		"{\"items\": [\"gateway b gw-b 10.10.0.3 0\"]}",
		"{\"items\": [\"gateway b gw-b 10.10.0.3 65536\"]}",
		"{\"items\": [\"gateway b gw-b 10.10.0.3 22 more\"]}",
		"{\"items\": [\"gateway b gw-b fd00::3 22\"]}",            /* IPv4 only */
		"{\"items\": [\"gateway b gw\\\"b 10.10.0.3 22\"]}",       /* would need quoting */
		"{\"items\": [\"gateway b gw-b 10.10.0.3 22\\u0000x\"]}",  /* a NUL inside */
		"{\"items\": [\"import b a;b.test\"]}",
		"{\"items\": [\"import b ssh.b.test:\"]}",
		"{\"items\": [\"import b ssh.b.test:0\"]}",
		"{\"items\": [\"import b *.ssh.b.test:22\"]}",             /* a wildcard has no port */
		"{\"items\": [\"import b api.b.test extra\"]}",
		"{\"items\": [\"import b api.b.mesh.test\", \"gateway b\"]}",
	};
	struct mr_config c;
	struct rb r;

	load_conf(&c);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(parse(bad[i], &c, &r), -1);
		CU_ASSERT_PTR_NOT_NULL(r.why);
		CU_ASSERT_EQUAL(r.n_gws + r.n_imports, 0);
	}
	mr_config_free(&c);
}

/* More lines than room: refused, not cut short. */
static void test_too_many(void)
{
	struct mr_config c;
	char text[2048] = "{\"items\": [";
	size_t at = strlen(text);
	struct rb r;

	load_conf(&c);
	for (int i = 0; i < 9; i++)
		at += (size_t)snprintf(text + at, sizeof(text) - at, "%s\"gateway b g%d 10.0.0.%d 9\"",
				       i ? ", " : "", i, i + 1);
	snprintf(text + at, sizeof(text) - at, "]}");
	CU_ASSERT_EQUAL(parse(text, &c, &r), -1);
	CU_ASSERT_EQUAL(r.n_gws, 0);
	mr_config_free(&c);
}

int test_readback_register(void)
{
	static CU_TestInfo tests[] = {
		{ "the learned report captured at a gateway, taken whole", test_captured },
		{ "taken as learned, pushed again in the same words", test_pushed_again },
		{ "lines for networks the file has not as remote ones left out",
		  test_other_networks_left_out },
		{ "malformed answers and lines refused whole", test_refusals },
		{ "more lines than room refused", test_too_many },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite("readback", tests);
}
