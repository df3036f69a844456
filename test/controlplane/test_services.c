/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "services": plain TCP services in the control plane: their schema (and each
 * refusal), the VIPs they get (stable by name, pins), their export as NAME:PORT in a
 * registration, and their import as plain routes pushed to the data plane. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cp_conf.h"
#include "cp_discovery.h"
#include "mr_config.h"
#include "mr_log.h"
#include "mr_routes.h"
#include "unit.h"
#include "vip_alloc.h"

static const char svc_base[] =
	"dataplane = { control_socket = \"/tmp/x.sock\"; };\n"
	"ports = ( { name = \"edge\"; device = \"net_null0\"; ipv4 = \"10.0.0.1/24\"; } );"
	" listeners = ( { name = \"tls\"; port = \"edge\"; tcp_port = 443; } );\n"
	"networks = ( { name = \"blue\"; local = true; }, { name = \"red\"; } );\n"
	"pools = ( { name = \"ssh\"; members = ( { address = \"10.0.0.5\"; port = 22; } ); } );\n";

static int load(const char *extra, struct mr_config *c, char *err, size_t errlen)
{
	char text[4096];

	snprintf(text, sizeof(text), "%s%s", svc_base, extra);
	mr_config_free(c);
	return mr_config_load_string(text, "s.conf", c, err, errlen);
}

#define DNS_VIPS "dns = { port = \"edge\"; zones = [ \"mesh.test\" ]; vip_range = \"240.240.0.0/16\"; };\n"

static void test_plain_schema(void)
{
	struct mr_config c = { 0 };
	char err[512];
	uint32_t vips[4];

	CU_ASSERT_EQUAL_FATAL(load(DNS_VIPS
				   "routes = ( { name = \"ssh.blue.mesh.test\"; protocol = \"tcp\";"
				   " port = 22; pool = \"ssh\"; export = true; },\n"
				   "  { name = \"ssh.blue.mesh.test\"; protocol = \"tcp\"; port = 2222;"
				   " pool = \"ssh\"; },\n"
				   "  { name = \"db.blue.mesh.test\"; protocol = \"tcp\"; port = 5432;"
				   " pool = \"ssh\"; vip = \"240.240.7.7\"; },\n"
				   "  { sni = \"www.blue.mesh.test\"; pool = \"ssh\"; } );\n",
				   &c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(c.n_routes, 4);
	CU_ASSERT(c.routes[0].plain && c.routes[0].tcp_port == 22 && c.routes[0].exported);
	CU_ASSERT_STRING_EQUAL(c.routes[0].sni, "ssh.blue.mesh.test");
	CU_ASSERT(!c.routes[3].plain);
	CU_ASSERT_EQUAL(c.dns.vip_base, 0xf0f00000u);
	CU_ASSERT_EQUAL(c.dns.vip_prefix_len, 16);
	CU_ASSERT_EQUAL_FATAL(mr_routes_vips(&c, NULL, vips, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(vips[0], vips[1]);          /* one name, one address, every port */
	CU_ASSERT_EQUAL(vips[2], 0xf0f00707u);      /* pinned */
	CU_ASSERT_EQUAL(vips[3], 0);                /* a TLS route has none */
	CU_ASSERT_EQUAL(vips[0] >> 16, 0xf0f0u);
	mr_config_free(&c);
}

/* Each refusal names the file, the line and what is wrong. */
static void test_plain_refusals(void)
{
	static const struct { const char *text, *why; } bad[] = {
		{ DNS_VIPS "routes = ( { name = \"a.test\"; protocol = \"tcp\"; pool = \"ssh\"; } );\n",
		  "s.conf:6: a plain TCP route needs the 'port'" },
		{ DNS_VIPS "routes = ( { sni = \"a.test\"; protocol = \"tcp\"; port = 22; pool = \"ssh\"; } );\n",
		  "no 'sni'" },
		{ DNS_VIPS "routes = ( { name = \"*.a.test\"; protocol = \"tcp\"; port = 22; pool = \"ssh\"; } );\n",
		  "s.conf:6: a plain TCP service has one exact name" },
		{ DNS_VIPS "routes = ( { sni = \"a.test\"; port = 22; pool = \"ssh\"; } );\n",
		  "belong to plain TCP routes" },
		{ DNS_VIPS "routes = ( { name = \"a.test\"; protocol = \"udp\"; port = 22; pool = \"ssh\"; } );\n",
		  "'protocol' is \"tls\" or \"tcp\"" },
		{ "routes = ( { name = \"a.test\"; protocol = \"tcp\"; port = 22; pool = \"ssh\"; } );\n",
		  "s.conf:5: a.test: a plain TCP route needs dns.vip_range" },
		{ DNS_VIPS "routes = ( { name = \"a.test\"; protocol = \"tcp\"; port = 22; pool = \"ssh\";"
		  " vip = \"10.9.9.9\"; } );\n", "s.conf:6: a.test: its 'vip' is not a host address of dns.vip_range" },
		{ DNS_VIPS "routes = ( { name = \"a.test\"; protocol = \"tcp\"; port = 22; pool = \"ssh\";"
		  " vip = \"240.240.255.255\"; } );\n", "s.conf:6: a.test: its 'vip' is not a host address" },
		/* Two names pinned to one address: the second's line (before, no line at all). */
		{ DNS_VIPS "routes = ( { name = \"a.test\"; protocol = \"tcp\"; port = 22; pool = \"ssh\";"
		  " vip = \"240.240.0.9\"; },\n  { name = \"b.test\"; protocol = \"tcp\"; port = 22;"
		  " pool = \"ssh\"; vip = \"240.240.0.9\"; } );\n", "s.conf:7: b.test: its 'vip' is not a "
		  "host address of dns.vip_range, or another service's" },
		/* More names than the range holds: the range's line, not some service's. */
		{ "dns = { port = \"edge\"; zones = [ \"mesh.test\" ]; vip_range = \"240.240.0.0/30\"; };\n"
		  "routes = ( { name = \"a.test\"; protocol = \"tcp\"; port = 22; pool = \"ssh\"; },\n"
		  "  { name = \"b.test\"; protocol = \"tcp\"; port = 22; pool = \"ssh\"; },\n"
		  "  { name = \"c.test\"; protocol = \"tcp\"; port = 22; pool = \"ssh\"; } );\n",
		  "s.conf:5: dns.vip_range holds 2 host addresses: too few for 3 plain services" },
		{ DNS_VIPS "routes = ( { name = \"a.test\"; protocol = \"tcp\"; port = 22; pool = \"ssh\"; },"
		  " { name = \"a.test\"; protocol = \"tcp\"; port = 22; pool = \"ssh\"; } );\n",
		  "s.conf:6: service a.test:22 is listed twice (line 6 too)" },
		{ "dns = { port = \"edge\"; vip_range = \"240.240.0.1/16\"; };\n", "no address bits past it" },
		{ "dns = { port = \"edge\"; vip_range = \"10.0.0.0/8\"; };\n", "overlaps port 'edge'" },
		/* Inside the edge port's 10.0.0.1/24: its hosts' addresses, answered by ARP. */
		{ "dns = { port = \"edge\"; vip_range = \"10.0.0.128/25\"; };\n", "overlaps port 'edge'" },
		{ "dns = { port = \"edge\"; vip_range = \"240.240.0.0\"; };\n", "\"A.B.C.D/LEN\"" },
	};
	struct mr_config c = { 0 };
	char err[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(load(bad[i].text, &c, err, sizeof(err)), -1);
		if (!strstr(err, bad[i].why))
			fprintf(stderr, "\n  case %zu: got \"%s\"\n", i, err);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].why));
	}
	mr_config_free(&c);
}

/* Without dns.vip_range an exported plain service has no VIP (only other gateways reach
 * it, by name), and a gateway imports no plain service it could give no address. */
static void test_plain_without_range(void)
{
	const char *path = unit_path("norange.conf");
	struct cp_import imp[2] = { { "ssh.red.mesh.test:22", "red" }, { "api.red.mesh.test", "red" } };
	struct mr_config c = { 0 };
	struct cp_conf cc = { 0 };
	char text[4096], err[512];
	uint32_t vips[1];

	CU_ASSERT_EQUAL_FATAL(load("routes = ( { name = \"ssh.blue.mesh.test\"; protocol = \"tcp\";"
				   " port = 22; pool = \"ssh\"; export = true; } );\n", &c, err,
				   sizeof(err)), 0);
	CU_ASSERT_EQUAL(mr_routes_vips(&c, NULL, vips, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(vips[0], 0);
	mr_config_free(&c);
	snprintf(text, sizeof(text), "%s%s", svc_base,
		 "gateway = { id = \"g\"; };\n"
		 "discovery = { endpoints = [ \"http://127.0.0.1:2379\" ]; };\n");
	unit_write_file(path, text);
	CU_ASSERT_EQUAL_FATAL(cp_conf_load(&cc, path, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(cp_conf_set_learned(&cc, NULL, 0, imp, 2, err, sizeof(err)), 1);
	CU_ASSERT_PTR_NULL(strstr(cc.text, "ssh.red.mesh.test"));
	CU_ASSERT_EQUAL(cc.conf.n_routes, 1); /* the TLS name only */
	cp_conf_free(&cc);
	unlink(path);
}

/* A service's VIP stays when other services come and go (no collision in a /16 here). */
static void test_vip_across_reloads(void)
{
	struct mr_config c = { 0 };
	char err[512];
	uint32_t before[2], after[3];

	CU_ASSERT_EQUAL_FATAL(load(DNS_VIPS "routes = ( { name = \"ssh.blue.mesh.test\"; protocol ="
				   " \"tcp\"; port = 22; pool = \"ssh\"; } );\n", &c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(mr_routes_vips(&c, NULL, before, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(load(DNS_VIPS "routes = ( { name = \"db.blue.mesh.test\"; protocol ="
				   " \"tcp\"; port = 5432; pool = \"ssh\"; },\n"
				   "  { name = \"mq.blue.mesh.test\"; protocol = \"tcp\"; port = 5672;"
				   " pool = \"ssh\"; },\n"
				   "  { name = \"ssh.blue.mesh.test\"; protocol = \"tcp\"; port = 22;"
				   " pool = \"ssh\"; } );\n", &c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(mr_routes_vips(&c, NULL, after, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(after[2], before[0]);
	CU_ASSERT_NOT_EQUAL(after[0], after[1]);
	mr_config_free(&c);
}

/* A service's ports spelt with other cases or a final dot are one service: one VIP (the
 * lower-case name's), and the name pushed and exported in lower case. */
static void test_plain_name_spellings(void)
{
	struct mr_config c = { 0 };
	char err[512];
	uint32_t lower[1], mixed[2];

	CU_ASSERT_EQUAL_FATAL(load(DNS_VIPS "routes = ( { name = \"ssh.blue.mesh.test\"; protocol ="
				   " \"tcp\"; port = 22; pool = \"ssh\"; } );\n", &c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(mr_routes_vips(&c, NULL, lower, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(load(DNS_VIPS "routes = ( { name = \"SSH.Blue.mesh.test\"; protocol ="
				   " \"tcp\"; port = 22; pool = \"ssh\"; },\n"
				   "  { name = \"ssh.blue.mesh.test.\"; protocol = \"tcp\"; port = 2222;"
				   " pool = \"ssh\"; } );\n", &c, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.routes[0].sni, "ssh.blue.mesh.test");
	CU_ASSERT_STRING_EQUAL(c.routes[1].sni, "ssh.blue.mesh.test");
	CU_ASSERT_EQUAL_FATAL(mr_routes_vips(&c, NULL, mixed, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(mixed[0], lower[0]);
	CU_ASSERT_EQUAL(mixed[1], lower[0]);
	mr_config_free(&c);
}

#define DNS_TINY "dns = { port = \"edge\"; zones = [ \"mesh.test\" ]; vip_range = \"240.240.0.0/30\"; };\n"

/* A service's VIP stays when a new name whose preferred address it is comes in (its
 * clients hold the address from DNS): with the table in force, the new name probes on;
 * without one (a restart) the name that sorts first wins it. A file's pin still wins. */
/* What mr_routes_vips(c, t) logs (its stderr, read back), in out (cap bytes). */
static void logged_by_vips(const struct mr_config *c, const struct route_table *t,
			   uint32_t *vips, char *out, size_t cap)
{
	char path[] = "/tmp/mr-log-XXXXXX", err[512];
	int fd = mkstemp(path), saved = dup(2);
	ssize_t n;

	CU_ASSERT_FATAL(fd >= 0 && saved >= 0);
	fflush(stderr);
	dup2(fd, 2);
	mr_log_init("unit-controlplane", MR_LOG_WARN, false);
	CU_ASSERT_EQUAL(mr_routes_vips(c, t, vips, err, sizeof(err)), 0);
	mr_log_init("unit-controlplane", MR_LOG_ERR, false); /* as unit_main.c leaves it */
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, out, cap - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
}

/* Routes for name and z.mesh.test (each pinned to 240.240.0.PIN, or not when PIN is 0)
 * loaded into c, and what mr_routes_vips logs placing them with t in force (said); their
 * VIPs in two, in that order. */
static void two_names_said(struct mr_config *c, const struct route_table *t, const char *name,
			   unsigned int name_pin, unsigned int z_pin, uint32_t two[2], char *said,
			   size_t cap)
{
	char text[1024], pin[2][32] = { "", "" }, err[512];

	if (name_pin)
		snprintf(pin[0], sizeof(pin[0]), " vip = \"240.240.0.%u\";", name_pin);
	if (z_pin)
		snprintf(pin[1], sizeof(pin[1]), " vip = \"240.240.0.%u\";", z_pin);
	snprintf(text, sizeof(text), DNS_TINY "routes = ( { name = \"%s\"; protocol = \"tcp\"; "
		 "port = 22; pool = \"ssh\";%s },\n  { name = \"z.mesh.test\"; protocol = \"tcp\"; "
		 "port = 22; pool = \"ssh\";%s } );\n", name, pin[0], pin[1]);
	CU_ASSERT_EQUAL_FATAL(load(text, c, err, sizeof(err)), 0);
	logged_by_vips(c, t, two, said, cap);
}

/* A push keeps a service's VIP where a restart, settling the names afresh by their
 * order, would move it (and give its address to the other name): it says so, with the
 * pin that keeps it. A pin written in the file leaves nothing to say. */
static void test_vip_restart_move_said(void)
{
	static const struct vip_range tiny = { 0xf0f00000u, 30 }; /* 2 hosts */
	struct mr_config c = { 0 };
	struct route_table *t = NULL;
	char text[1024], name[32] = "", err[512], said[4096];
	uint32_t z, two[2];

	CU_ASSERT_EQUAL_FATAL(load(DNS_TINY "routes = ( { name = \"z.mesh.test\"; protocol = \"tcp\";"
				   " port = 22; pool = \"ssh\"; } );\n", &c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(mr_routes_build(&c, NULL, &t, err, sizeof(err)), 0);
	z = route_table_service_vip(t, "z.mesh.test", 11);
	for (int i = 0; i < 64 && !name[0]; i++) { /* a name before z, preferring z's address */
		snprintf(text, sizeof(text), "a%d.mesh.test", i);
		if (vip_preferred(&tiny, text, strlen(text)) == z)
			snprintf(name, sizeof(name), "%.31s", text);
	}
	CU_ASSERT_FATAL(name[0]);
	two_names_said(&c, t, name, 0, 0, two, said, sizeof(said));
	CU_ASSERT_EQUAL(two[1], z);
	CU_ASSERT_PTR_NOT_NULL(strstr(said, "service z.mesh.test stays at 240.240.0."));
	CU_ASSERT_PTR_NOT_NULL(strstr(said, "vip = \"240.240.0."));
	two_names_said(&c, t, name, 0, z & 0xff, two, said, sizeof(said));
	CU_ASSERT_EQUAL(two[1], z);
	CU_ASSERT_PTR_NULL(strstr(said, "a restart would place it"));
	/* The other name pinned to z's address: the file's word stands, z moves, and says
	 * so (it moved in silence). */
	two_names_said(&c, t, name, z & 0xff, 0, two, said, sizeof(said));
	CU_ASSERT_EQUAL(two[0], z);
	CU_ASSERT_NOT_EQUAL(two[1], z);
	CU_ASSERT_PTR_NOT_NULL(strstr(said, "service z.mesh.test moves from 240.240.0."));
	route_table_free(t);
	mr_config_free(&c);
}

static void test_vip_kept_from_table_in_force(void)
{
	static const struct vip_range tiny = { 0xf0f00000u, 30 }; /* 2 hosts */
	struct mr_config c = { 0 };
	struct route_table *t = NULL;
	char text[1024], name[32] = "", err[512];
	uint32_t z, two[2];

	CU_ASSERT_EQUAL_FATAL(load(DNS_TINY "routes = ( { name = \"z.mesh.test\"; protocol = \"tcp\";"
				   " port = 22; pool = \"ssh\"; } );\n", &c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(mr_routes_build(&c, NULL, &t, err, sizeof(err)), 0);
	z = route_table_service_vip(t, "z.mesh.test", 11);
	CU_ASSERT_FATAL(vip_range_holds_host(&tiny, z));
	for (int i = 0; i < 64 && !name[0]; i++) { /* a name before z, preferring z's address */
		snprintf(text, sizeof(text), "a%d.mesh.test", i);
		if (vip_preferred(&tiny, text, strlen(text)) == z)
			snprintf(name, sizeof(name), "%.31s", text); /* a short name: "aN.mesh.test" */
	}
	CU_ASSERT_FATAL(name[0]);
	snprintf(text, sizeof(text), DNS_TINY "routes = ( { name = \"%s\"; protocol = \"tcp\"; "
		 "port = 22; pool = \"ssh\"; },\n  { name = \"z.mesh.test\"; protocol = \"tcp\"; "
		 "port = 22; pool = \"ssh\"; } );\n", name);
	CU_ASSERT_EQUAL_FATAL(load(text, &c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(mr_routes_vips(&c, NULL, two, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(two[0], z); /* afresh: the first name takes it */
	CU_ASSERT_EQUAL_FATAL(mr_routes_vips(&c, t, two, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(two[1], z); /* in force: z keeps it */
	CU_ASSERT(two[0] != z && vip_range_holds_host(&tiny, two[0]));
	snprintf(text, sizeof(text), DNS_TINY "routes = ( { name = \"%s\"; protocol = \"tcp\"; "
		 "port = 22; pool = \"ssh\"; vip = \"240.240.0.%u\"; },\n  { name = \"z.mesh.test\";"
		 " protocol = \"tcp\"; port = 22; pool = \"ssh\"; } );\n", name, z & 0xff);
	CU_ASSERT_EQUAL_FATAL(load(text, &c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(mr_routes_vips(&c, t, two, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(two[0], z); /* pinned by the file */
	CU_ASSERT(two[1] != z);
	route_table_free(t);
	mr_config_free(&c);
}

static int parse(const char *value, struct disc_gateway *g)
{
	const char *why = NULL;
	const char *key = "/meshrelay/networks/red/gateways/gw-red-1";

	memset(g, 0, sizeof(*g));
	return disc_parse_gateway("/meshrelay", key, strlen(key), value, strlen(value), g, &why);
}

#define REG(services) "{\"id\":\"gw-red-1\",\"network\":\"red\",\"relays\":[],\"services\":[" services "]}"

/* Exported as NAME:PORT beside the TLS names; read back, hostile forms refused; imported
 * as plain routes; pushed as an 'imported' entry the data plane's schema reads. */
static void test_plain_through_discovery(void)
{
	struct mr_discovery_conf dc = { .n_endpoints = 1, .prefix = "/meshrelay",
					.lease_ttl_s = 5, .timeout_ms = 100 };
	struct cp_discovery d;
	struct disc_gateway g;
	struct mr_route_conf out[4];
	struct mr_config c = { 0 };
	char err[512];

	CU_ASSERT_EQUAL_FATAL(load(DNS_VIPS "routes = ( { name = \"ssh.blue.mesh.test\"; protocol ="
				   " \"tcp\"; port = 22; pool = \"ssh\"; export = true; },\n"
				   "  { sni = \"www.blue.mesh.test\"; pool = \"ssh\"; export = true; } );\n",
				   &c, err, sizeof(err)), 0);
	snprintf(dc.endpoints[0], sizeof(dc.endpoints[0]), "http://127.0.0.1:9");
	CU_ASSERT_EQUAL_FATAL(cp_discovery_init(&d, &dc, "gw-blue-1", "blue", NULL, NULL), 0);
	cp_discovery_set_services(&d, &c);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.value, "\"services\":[\"ssh.blue.mesh.test:22\","
					       "\"www.blue.mesh.test\"]"));
	CU_ASSERT_EQUAL(parse(REG("\"ssh.red.mesh.test:22\",\"www.red.mesh.test\""), &g), 0);
	CU_ASSERT_EQUAL(g.n_services, 2);
	CU_ASSERT_EQUAL(parse(REG("\"a.test:0\""), &g), -1);
	CU_ASSERT_EQUAL(parse(REG("\"a.test:65536\""), &g), -1);
	CU_ASSERT_EQUAL(parse(REG("\"a.test:\""), &g), -1);
	CU_ASSERT_EQUAL(parse(REG("\"*.a.test:22\""), &g), -1);
	CU_ASSERT_EQUAL(parse(REG("\"a.test:22:23\""), &g), -1);
	CU_ASSERT_EQUAL(parse(REG("\"a.test:2x\""), &g), -1);
	CU_ASSERT_EQUAL(parse(REG("\"a.test:65535\""), &g), 0);
	CU_ASSERT_EQUAL_FATAL(parse(REG("\"ssh.red.mesh.test:22\",\"ssh.blue.mesh.test:22\""),
				    &d.gateways[d.n_gateways]), 0);
	d.n_gateways++;
	/* ssh.blue is the file's own: only the red one is imported. */
	CU_ASSERT_EQUAL_FATAL(cp_discovery_imports(&d, &c, out, 4), 1);
	CU_ASSERT_STRING_EQUAL(out[0].sni, "ssh.red.mesh.test:22");
	CU_ASSERT_EQUAL(out[0].network, 1);
	free(out[0].sni);
	cp_discovery_stop(&d);
	mr_config_free(&c);
}

/* A TLS route's name spelt with capitals or a final dot is exported in lower case without
 * it, as peers read names: they refuse a registration holding another spelling, and
 * before, such a route cost the gateway every peer. */
static void test_tls_name_spelling_exported(void)
{
	struct mr_discovery_conf dc = { .n_endpoints = 1, .prefix = "/meshrelay",
					.lease_ttl_s = 5, .timeout_ms = 100 };
	struct cp_discovery d;
	struct disc_gateway g;
	struct mr_config c = { 0 };
	char err[512];

	CU_ASSERT_EQUAL_FATAL(load("routes = ( { sni = \"WWW.Blue.mesh.test.\"; pool = \"ssh\";"
				   " export = true; },\n  { sni = \"*.Apps.blue.mesh.test\";"
				   " pool = \"ssh\"; } );\n", &c, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.routes[0].sni, "www.blue.mesh.test");
	CU_ASSERT_STRING_EQUAL(c.routes[1].sni, "*.apps.blue.mesh.test");
	snprintf(dc.endpoints[0], sizeof(dc.endpoints[0]), "http://127.0.0.1:9");
	CU_ASSERT_EQUAL_FATAL(cp_discovery_init(&d, &dc, "gw-blue-1", "blue", NULL, NULL), 0);
	cp_discovery_set_services(&d, &c);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.value, "\"services\":[\"www.blue.mesh.test\"]"));
	CU_ASSERT_EQUAL(parse(REG("\"www.red.mesh.test\""), &g), 0);
	CU_ASSERT_EQUAL(parse(REG("\"WWW.red.mesh.test.\""), &g), -1);
	cp_discovery_stop(&d);
	mr_config_free(&c);
}

static void test_plain_pushed(void)
{
	const char *path = unit_path("plain.conf");
	struct cp_conf c = { 0 };
	struct cp_import imp[1] = { { "ssh.red.mesh.test:22", "red" } };
	char text[4096], err[512];
	const struct mr_route_conf *r;

	snprintf(text, sizeof(text), "%s%s", svc_base, DNS_VIPS
		 "gateway = { id = \"g\"; };\n"
		 "discovery = { endpoints = [ \"http://127.0.0.1:2379\" ]; };\n");
	unit_write_file(path, text);
	CU_ASSERT_EQUAL_FATAL(cp_conf_load(&c, path, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(cp_conf_set_learned(&c, NULL, 0, imp, 1, err, sizeof(err)), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(c.text, "{ name = \"ssh.red.mesh.test\"; protocol = \"tcp\"; "
					      "port = 22; network = \"red\"; }"));
	CU_ASSERT_EQUAL_FATAL(c.conf.n_routes, 1);
	r = &c.conf.routes[0];
	CU_ASSERT(r->imported && r->plain && r->tcp_port == 22 && r->network == 1);
	cp_conf_free(&c);
	unlink(path);
}

/* A label longer than 63 bytes in a peer's record refuses the record (as any name the
 * route table would refuse): before, it was taken, and every push of the learned names
 * failed while the record stood, new gateways and departures with them. */
static void test_long_label_refused(void)
{
	char value[512], label[80];
	struct disc_gateway g;

	memset(label, 'a', 63);
	label[63] = '\0';
	snprintf(value, sizeof(value), REG("\"%s.red.mesh.test\""), label);
	CU_ASSERT_EQUAL(parse(value, &g), 0);
	snprintf(value, sizeof(value), REG("\"x%s.red.mesh.test:22\""), label);
	CU_ASSERT_EQUAL(parse(value, &g), -1);
	snprintf(value, sizeof(value), REG("\"*.x%s.red.mesh.test\""), label);
	CU_ASSERT_EQUAL(parse(value, &g), -1);
}

/* More plain services imported than the VIP range holds: the first that fit are taken
 * (and learning the same again changes nothing); before, the whole learned set was refused,
 * and with it every gateway and name learned after. */
static void test_imports_beyond_range(void)
{
	const char *path = unit_path("beyond.conf");
	struct cp_conf c = { 0 };
	struct cp_import imp[3] = { { "a.red.mesh.test:22", "red" }, { "b.red.mesh.test:22", "red" },
				    { "c.red.mesh.test:22", "red" } };
	char text[4096], err[512];
	unsigned int taken = 0;
	uint64_t validations;

	snprintf(text, sizeof(text), "%s%s", svc_base,
		 "dns = { port = \"edge\"; zones = [ \"mesh.test\" ]; "
		 "vip_range = \"240.240.0.0/30\"; };\n"
		 "gateway = { id = \"g\"; };\n"
		 "discovery = { endpoints = [ \"http://127.0.0.1:2379\" ]; };\n");
	unit_write_file(path, text);
	CU_ASSERT_EQUAL_FATAL(cp_conf_load(&c, path, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(cp_conf_set_learned(&c, NULL, 0, imp, 3, err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(cp_conf_set_learned_fitting(&c, NULL, 0, imp, 3, &taken, err,
						    sizeof(err)), 1);
	CU_ASSERT_EQUAL(taken, 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "too few"));
	CU_ASSERT_EQUAL(c.conf.n_routes, 2);
	validations = cp_conf_validations();
	err[0] = '\0';
	CU_ASSERT_EQUAL(cp_conf_set_learned_fitting(&c, NULL, 0, imp, 3, &taken, err,
						    sizeof(err)), 0);
	CU_ASSERT_EQUAL(taken, 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "too few")); /* still said */
	/* The same set again is taken as found, not searched for anew (each step of the
	 * search validates the whole file: seconds a step in a large mesh). */
	CU_ASSERT_EQUAL(cp_conf_validations(), validations);
	/* One name fewer: all fit, the search's answer no longer applies. */
	CU_ASSERT_EQUAL(cp_conf_set_learned_fitting(&c, NULL, 0, imp + 1, 2, &taken, err,
						    sizeof(err)), 1);
	CU_ASSERT_EQUAL(taken, 2);
	CU_ASSERT_EQUAL(c.conf.n_routes, 2);
	cp_conf_free(&c);
	unlink(path);
}

int test_services_register(void)
{
	static const CU_TestInfo tests[] = {
		{ "plain TCP routes and their VIPs", test_plain_schema },
		{ "refusals name file and line", test_plain_refusals },
		{ "a VIP stays across reloads", test_vip_across_reloads },
		{ "a service spelt two ways is one", test_plain_name_spellings },
		{ "a VIP kept from the table in force", test_vip_kept_from_table_in_force },
		{ "a VIP a restart would move: said, with its pin", test_vip_restart_move_said },
		{ "no VIP range: exported only, imported not", test_plain_without_range },
		{ "exported and imported through discovery", test_plain_through_discovery },
		{ "imported plain services pushed", test_plain_pushed },
		{ "a label over 63 bytes refuses the record", test_long_label_refused },
		{ "more imports than VIPs: the first that fit", test_imports_beyond_range },
		{ "a TLS name's other spellings exported as peers read them",
		  test_tls_name_spelling_exported },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite("services", tests);
}
