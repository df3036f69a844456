/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "config": the schema accepts the shipped examples and refuses bad files whole,
 * naming the line at fault. */
#include <stdio.h>
#include <string.h>

#include "mr_config.h"
#include "unit.h"

static const char good_base[] =
	"dataplane = { eal = [\"-l\", \"0-1\"]; };\n"                      /* line 1 */
	"ports = ( {\n"                                                    /* line 2 */
	"  name = \"edge\";\n"                                             /* line 3 */
	"  device = \"net_null0\";\n"                                      /* line 4 */
	"  ipv4 = \"10.0.0.1/24\";\n"                                      /* line 5 */
	"  gateway = \"10.0.0.254\";\n"                                    /* line 6 */
	"} );\n"                                                           /* line 7 */
	"listeners = ( { name = \"tls\"; port = \"edge\"; tcp_port = 443; } );\n";

static struct mr_config conf;
static const uint8_t zero16[16];

struct bad_case {
	const char *from, *to;
	const char *expect; /* substring of the message, with file:line */
};

static int load(const char *text, char *err)
{
	mr_config_free(&conf); /* a refused load would otherwise keep the previous arrays */
	return mr_config_load_string(text, "test.conf", &conf, err, MR_ERR_MAX);
}

/* Replace the first occurrence of `from` in base with `to` and load the result. */
static int load_patched(const char *base, const char *from, const char *to, char *err)
{
	char text[4096];
	const char *at = strstr(base, from);

	CU_ASSERT_PTR_NOT_NULL_FATAL(at);
	snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - base), base, to, at + strlen(from));
	return load(text, err);
}

static void expect_refusals(const char *base, const struct bad_case *cases, size_t n);

static void test_good_minimal(void)
{
	char err[MR_ERR_MAX] = "";

	CU_ASSERT_EQUAL(load(good_base, err), 0);
	CU_ASSERT_EQUAL(conf.n_ports, 1);
	CU_ASSERT_EQUAL(conf.ports[0].ipv4, 0x0a000001u);
	CU_ASSERT_EQUAL(conf.ports[0].prefix_len, 24);
	CU_ASSERT_EQUAL(conf.ports[0].gateway, 0x0a0000feu);
	CU_ASSERT_FALSE(conf.ports[0].has_ipv6);
	CU_ASSERT_FALSE(conf.ports[0].has_gateway6);
	CU_ASSERT_EQUAL(conf.ports[0].prefix6_len, 0);
	CU_ASSERT_EQUAL(memcmp(conf.ports[0].ipv6, zero16, 16), 0);
	CU_ASSERT_EQUAL(memcmp(conf.ports[0].gateway6, zero16, 16), 0);
	CU_ASSERT_EQUAL(conf.ports[0].mtu, 1500);
	CU_ASSERT_TRUE(conf.ports[0].exception.enabled);
	CU_ASSERT_STRING_EQUAL(conf.ports[0].exception.device, "net_tap_edge,iface=edge");
	CU_ASSERT_EQUAL(conf.ports[0].exception.rate, 20000);
	CU_ASSERT_EQUAL(conf.n_listeners, 1);
	CU_ASSERT_EQUAL(conf.listeners[0].tcp_port, 443);
	CU_ASSERT_EQUAL(conf.dataplane.n_eal_args, 2);
	CU_ASSERT_STRING_EQUAL(conf.dataplane.eal_args[1], "0-1");
	CU_ASSERT_EQUAL(conf.dataplane.neigh.entries, 4096);
	CU_ASSERT_EQUAL(conf.dataplane.neigh.unresolved, 1024);
	CU_ASSERT_EQUAL(conf.relay.peer_mss_floor, 536);
	CU_ASSERT_EQUAL(conf.relay.peer_mss_floor6, 1220);
	CU_ASSERT_EQUAL(conf.relay.kept_mbufs, 8192);
	CU_ASSERT_EQUAL(conf.relay.challenge_acks, 1000);
	CU_ASSERT_EQUAL(conf.relay.client_max_flows, conf.relay.max_flows / 4);
	CU_ASSERT_EQUAL(conf.relay.client_max_hellos, 64);
	/* DNS on a port without an exception path, answering REFUSED outside its zones. */
	CU_ASSERT_EQUAL(load_patched(good_base, "} );",
				     "  exception = { enabled = false; };\n} );\n"
				     "dns = { port = \"edge\"; outside = \"refuse\"; };", err), 0);
	CU_ASSERT_TRUE(conf.dns.outside_refused);
	/* A device of one's own: its kernel interface is the one it names (before, the
	 * port's name was taken for it, and set up instead). */
	CU_ASSERT_EQUAL(load_patched(good_base, "} );",
				     "  exception = { device = \"net_tap_x,iface=tapmesh,mac=fixed\"; };\n"
				     "} );", err), 0);
	CU_ASSERT_STRING_EQUAL(conf.ports[0].exception.iface, "tapmesh");
}

/* What one peer may make the relay hold, set and checked. */
static void test_relay_guards(void)
{
	static const struct bad_case bad[] = {
		{ "listeners", "relay = { peer_mss_floor = 40; };\nlisteners",
		  "test.conf:8: 'peer_mss_floor' = 40 is out of range" },
		{ "listeners", "relay = { kept_mbufs = 1; };\nlisteners",
		  "test.conf:8: 'kept_mbufs' = 1 is out of range" },
		{ "listeners", "relay = { answer_timeout_ms = 600001; };\nlisteners",
		  "test.conf:8: 'answer_timeout_ms' = 600001 is out of range" },
		{ "listeners", "relay = { max_flows = 1000; client = { max_flows = 2000; }; };\nlisteners",
		  "test.conf:8: 'client.max_flows' exceeds 'max_flows'" },
		{ "listeners", "relay = { client = { max_hellos = 0; }; };\nlisteners",
		  "test.conf:8: 'max_hellos' = 0 is out of range" },
		{ "listeners", "relay = { client = { flows = 9; }; };\nlisteners",
		  "test.conf:8: unknown setting 'flows'" },
		{ "eal = [\"-l\", \"0-1\"];", "neighbour = { entries = 64; unresolved = 65; };",
		  "test.conf:1: 'unresolved' exceeds 'entries'" },
		/* A sign sscanf would take: -1000 as 4294966296, an inverted range. */
		{ "listeners", "relay = { source_ports = \"-1000-2000\"; };\nlisteners",
		  "test.conf:8: 'source_ports' is FIRST-LAST" },
		{ "listeners", "relay = { source_ports = \"+2000-5000\"; };\nlisteners",
		  "test.conf:8: 'source_ports' is FIRST-LAST" },
		/* The host's ephemeral ports would have nowhere to go. */
		{ "listeners", "relay = { source_ports = \"1024-65535\"; };\nlisteners",
		  "test.conf:8: 'source_ports' 1024-65535 leaves the host no 1024 ephemeral ports" },
		{ "listeners", "relay = { source_ports = \"2047-64512\"; };\nlisteners",
		  "test.conf:8: 'source_ports' 2047-64512 leaves the host no 1024" },
	};
	char err[MR_ERR_MAX] = "";

	CU_ASSERT_EQUAL_FATAL(load_patched(good_base, "listeners",
					   "relay = { peer_mss_floor = 1000; peer_mss_floor6 = 1280;\n"
					   "  kept_mbufs = 500; challenge_acks = 10; answer_timeout_ms = 0;\n"
					   "  client = { max_flows = 100; max_hellos = 5; }; };\nlisteners",
					   err), 0);
	CU_ASSERT_EQUAL(conf.relay.answer_timeout_ms, 0);
	CU_ASSERT_EQUAL(conf.relay.peer_mss_floor, 1000);
	CU_ASSERT_EQUAL(conf.relay.peer_mss_floor6, 1280);
	CU_ASSERT_EQUAL(conf.relay.kept_mbufs, 500);
	CU_ASSERT_EQUAL(conf.relay.challenge_acks, 10);
	CU_ASSERT_EQUAL(conf.relay.client_max_flows, 100);
	CU_ASSERT_EQUAL(conf.relay.client_max_hellos, 5);
	/* The edges the host keeps 1024 ports beside. */
	CU_ASSERT_EQUAL(load_patched(good_base, "listeners",
				     "relay = { source_ports = \"1024-64511\"; };\nlisteners", err), 0);
	CU_ASSERT_EQUAL(load_patched(good_base, "listeners",
				     "relay = { source_ports = \"2048-65535\"; };\nlisteners", err), 0);
	expect_refusals(good_base, bad, sizeof(bad) / sizeof(bad[0]));
}

/* The connection log and the metrics endpoints: set, defaults, refusals by line. */
static void test_observing(void)
{
	static const struct bad_case bad[] = {
		{ "listeners", "log = { connections = \"relative.log\"; };\nlisteners",
		  "test.conf:8: 'connections' is an absolute file name" },
		{ "listeners", "log = { connections = \"/x\"; connections_ring = 1000; };\nlisteners",
		  "test.conf:8: 'connections_ring' is a power of 2" },
		{ "listeners", "metrics = { listen = \"127.0.0.1\"; };\nlisteners",
		  "test.conf:8: 'listen' is \"ADDRESS:PORT\"" },
		{ "listeners", "metrics = { listen = \"127.0.0.1:0\"; };\nlisteners",
		  "test.conf:8: 'listen' needs a port 1..65535" },
		{ "listeners", "metrics = { cp_listen = \"localhost:9481\"; };\nlisteners",
		  "test.conf:8: 'cp_listen' is \"ADDRESS:PORT\"" },
		{ "listeners", "metrics = { port = 9480; };\nlisteners",
		  "test.conf:8: unknown setting 'port'" },
		{ "listeners", "metrics = { listen = \"127.0.0.1:9480\";\n"
		  "  cp_listen = \"127.0.0.1:9480\"; };\nlisteners",
		  "test.conf:9: 'cp_listen' takes the socket of 'listen' (port 9480)" },
		{ "listeners", "metrics = { listen = \"0.0.0.0:9480\";\n"
		  "  cp_listen = \"127.0.0.1:9480\"; };\nlisteners",
		  "test.conf:9: 'cp_listen' takes the socket of 'listen'" },
		{ "listeners", "metrics = { listen = \"[::]:9480\";\n"
		  "  cp_listen = \"127.0.0.1:9480\"; };\nlisteners",
		  "test.conf:9: 'cp_listen' takes the socket of 'listen'" },
	};
	char err[MR_ERR_MAX] = "";

	CU_ASSERT_EQUAL_FATAL(load(good_base, err), 0);
	CU_ASSERT_EQUAL(conf.log.connections[0], '\0');
	CU_ASSERT_EQUAL(conf.log.connections_ring, 8192);
	CU_ASSERT_EQUAL(conf.log.refused_rate, 100);
	CU_ASSERT_FALSE(conf.metrics.enabled);
	CU_ASSERT_EQUAL_FATAL(load_patched(good_base, "listeners",
					   "log = { connections = \"syslog\"; refused_rate = 5; };\n"
					   "metrics = { listen = \"[::1]:9480\"; cp_listen = \"127.0.0.1:9481\"; };\n"
					   "listeners", err), 0);
	CU_ASSERT_STRING_EQUAL(conf.log.connections, "syslog");
	/* One port on two addresses: two sockets; IPv4's every address beside one IPv6. */
	CU_ASSERT_EQUAL(load_patched(good_base, "listeners",
				     "metrics = { listen = \"127.0.0.1:9480\"; cp_listen = "
				     "\"127.0.0.2:9480\"; };\nlisteners", err), 0);
	CU_ASSERT_EQUAL(load_patched(good_base, "listeners",
				     "metrics = { listen = \"0.0.0.0:9480\"; cp_listen = "
				     "\"[::1]:9480\"; };\nlisteners", err), 0);
	CU_ASSERT_EQUAL_FATAL(load_patched(good_base, "listeners",
					   "log = { connections = \"syslog\"; refused_rate = 5; };\n"
					   "metrics = { listen = \"[::1]:9480\"; cp_listen = \"127.0.0.1:9481\"; };\n"
					   "listeners", err), 0);
	CU_ASSERT_EQUAL(conf.log.refused_rate, 5);
	CU_ASSERT(conf.metrics.enabled && conf.metrics.cp_enabled);
	CU_ASSERT_STRING_EQUAL(conf.metrics.address, "::1");
	CU_ASSERT_EQUAL(conf.metrics.port, 9480);
	CU_ASSERT_STRING_EQUAL(conf.metrics.cp_address, "127.0.0.1");
	CU_ASSERT_EQUAL(conf.metrics.cp_port, 9481);
	expect_refusals(good_base, bad, sizeof(bad) / sizeof(bad[0]));
}

/* A pool's health: checks and outlier ejection set, defaults, and refusals by line. */
static void test_pool_health(void)
{
	static const char pooled[] =
		"dataplane = { eal = [\"-l\", \"0-1\"]; };\n"                   /* line 1 */
		"ports = ( { name = \"edge\"; device = \"net_null0\"; ipv4 = \"10.0.0.1/24\"; } );\n"
		"listeners = ( { name = \"tls\"; port = \"edge\"; tcp_port = 443; } );\n"
		"relay = { redispatch = 3; };\n"                                   /* line 4 */
		"pools = ( { name = \"a\"; members = ( { address = \"10.0.0.9\"; port = 443; } );\n"
		"            health = { check = \"tls\"; sni = \"api.example\"; interval_ms = 500;\n"
		"                       timeout_ms = 200; rise = 1; fall = 4; failures = 2;\n"
		"                       ejection_ms = 700; max_ejection_ms = 9000;\n"
		"                       max_ejected_percent = 20; }; },\n"      /* line 9 */
		"          { name = \"b\"; members = ( { address = \"10.0.0.8\"; port = 443; } ); } );\n";
	static const struct bad_case bad[] = {
		{ "check = \"tls\"", "check = \"http\"",
		  "test.conf:6: 'check' is \"none\", \"tcp\" or \"tls\"" },
		{ "sni = \"api.example\"; ", "", "test.conf:6: a tls check needs 'sni'" },
		{ "timeout_ms = 200", "timeout_ms = 500", "test.conf:7: 'timeout_ms' (500) must be below" },
		{ "max_ejection_ms = 9000", "max_ejection_ms = 600",
		  "test.conf:8: 'max_ejection_ms' (600) must not be below 'ejection_ms' (700)" },
		/* Against a default: pointed at the one written, the default named. */
		{ "timeout_ms = 200; ", "", "test.conf:6: 'timeout_ms' (1000, the default) must be "
		  "below 'interval_ms' (500)" },
		{ "ejection_ms = 700; max_ejection_ms = 9000;", "ejection_ms = 600000;",
		  "test.conf:8: 'max_ejection_ms' (300000, the default) must not be below "
		  "'ejection_ms' (600000)" },
		{ "max_ejected_percent = 20", "max_ejected_percent = 101",
		  "test.conf:9: 'max_ejected_percent' = 101 is out of range" },
		{ "rise = 1", "rise = 0", "test.conf:7: 'rise' = 0 is out of range" },
		{ "rise = 1", "raise = 1", "test.conf:7: unknown setting 'raise'" },
		{ "redispatch = 3", "redispatch = 0", "test.conf:4: 'redispatch' = 0 is out of range" },
	};
	char err[MR_ERR_MAX] = "";
	const struct mr_health_conf *h;

	CU_ASSERT_EQUAL_FATAL(load(pooled, err), 0);
	CU_ASSERT_EQUAL(conf.relay.redispatch, 3);
	h = &conf.pools[0].health;
	CU_ASSERT_EQUAL(h->check, MR_CHECK_TLS);
	CU_ASSERT_STRING_EQUAL(h->sni, "api.example");
	CU_ASSERT(h->interval_ms == 500 && h->timeout_ms == 200 && h->rise == 1 && h->fall == 4);
	CU_ASSERT(h->failures == 2 && h->ejection_ms == 700 && h->max_ejection_ms == 9000);
	CU_ASSERT_EQUAL(h->max_ejected_percent, 20);
	h = &conf.pools[1].health; /* defaults: passive only */
	CU_ASSERT_EQUAL(h->check, MR_CHECK_NONE);
	CU_ASSERT(h->failures == 5 && h->ejection_ms == 10000 && h->max_ejected_percent == 50);
	CU_ASSERT_EQUAL(load(good_base, err), 0);
	CU_ASSERT_EQUAL(conf.relay.redispatch, 2);
	expect_refusals(pooled, bad, sizeof(bad) / sizeof(bad[0]));
}

static void test_shipped_examples(void)
{
	static const char *const files[] = { "edge-appliance.conf", "sriov-vm.conf",
					     "local-test.conf" };
	char path[512], err[MR_ERR_MAX];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/conf/%s", MR_SOURCE_DIR, files[i]);
		err[0] = '\0';
		CU_ASSERT_EQUAL(mr_config_load_file(path, &conf, err, sizeof(err)), 0);
		if (err[0])
			fprintf(stderr, "%s\n", err);
	}
}

static const struct bad_case bad_cases[] = {
	{ "10.0.0.1/24", "10.0.0.1", "test.conf:5: 'ipv4' must be ADDRESS/PREFIX" },
	{ "10.0.0.1/24", "10.0.0.1/33", "test.conf:5: 'ipv4': prefix length must be 1 to 32" },
	{ "10.0.0.1/24", "10.0.0.1/", "test.conf:5: 'ipv4': prefix length" },
	{ "10.0.0.1/24", "10.0.0.01/24", "test.conf:5: 'ipv4': '10.0.0.01' is not an IPv4" },
	{ "10.0.0.1/24", "10.0.0.0/24", "test.conf:5: 'ipv4' is the network or broadcast" },
	{ "10.0.0.1/24", "10.0.0.255/24", "test.conf:5: 'ipv4' is the network or broadcast" },
	{ "10.0.0.254\"", "10.0.1.254\"", "test.conf:6: 'gateway' is outside the port's prefix" },
	{ "10.0.0.254\"", "10.0.0.1\"", "test.conf:6: 'gateway' is the port's own address" },
	{ "  name = \"edge\";", "  name = \"Edge\";", "test.conf:3: name 'Edge' may hold only" },
	{ "  name = \"edge\";", "  nmae = \"edge\";", "test.conf:3: unknown setting 'nmae'" },
	{ "  device = \"net_null0\";\n", "", "missing required setting 'device'" },
	{ "  device = \"net_null0\";", "  device = \"\";", "test.conf:4: 'device' must not be empty" },
	{ "  device = \"net_null0\";", "  device = 7;", "test.conf:4: 'device' must be a string" },
	{ "} );", "  mtu = 70000;\n} );", "test.conf:7: 'mtu' = 70000 is out of range" },
	{ "} );", "  queues = 0;\n} );", "test.conf:7: 'queues' = 0 is out of range" },
	{ "} );", "  exception = { enabled = 1; };\n} );",
	  "test.conf:7: 'enabled' must be true or false" },
	{ "} );", "  exception = { iface = \"much-too-long-name\"; };\n} );",
	  "test.conf:7: 'iface' is longer than 15 bytes" },
	{ "} );", "  exception = { rate = 5; };\n} );", "test.conf:7: 'rate' = 5 is out of range" },
	{ "} );", "  exception = { device = \"virtio_user0,path=/dev/vhost-net\"; };\n} );",
	  "test.conf:7: exception 'device' without 'iface': give 'iface'" },
	{ "port = \"edge\"", "port = \"nope\"", "test.conf:8: listener 'tls' names unknown port" },
	{ "tcp_port = 443;", "tcp_port = 0;", "test.conf:8: 'tcp_port' = 0 is out of range" },
	{ "tcp_port = 443;", "", "test.conf:8: missing required setting 'tcp_port'" },
	{ "tcp_port = 443;", "tcp_port = 15443;",
	  "test.conf:8: listener 'tls': tcp_port 15443 is inside relay.source_ports (10000-59999)" },
	/* The host's ports move below a range that ends at 65535: a listener there would take
	 * the answers to the host's own connections through the port. */
	{ "tcp_port = 443; } );", "tcp_port = 15443; } );\nrelay = { source_ports = \"16384-65535\"; };",
	  "test.conf:8: listener 'tls': tcp_port 15443 is inside the host's ephemeral ports "
	  "(1024-16383, beside relay.source_ports), which the host's own connections through "
	  "port 'edge' use" },
	/* DNS answers the TLS names with its port's address: a port nothing listens on would
	 * send every client to the host (a mangled name is one such). */
	{ "listeners = ( { name = \"tls\"; port = \"edge\"; tcp_port = 443; } );",
	  "mangled = ( { suffix = \"mesh.internal\"; forms = [ \"label\" ]; } );\n"
	  "dns = { port = \"edge\"; };",
	  "test.conf:9: dns answers the TLS names with port 'edge''s address, but no listener "
	  "is on it" },
	{ "tcp_port = 443; } );", "tcp_port = 53; } );\ndns = { port = \"edge\"; };",
	  "test.conf:8: listener 'tls': TCP 53 of the DNS port is answered as DNS" },
	/* Names outside the zones for a host that never sees the query. */
	{ "} );", "  exception = { enabled = false; };\n} );\ndns = { port = \"edge\"; };",
	  "test.conf:9: names outside the zones go to the host (outside = \"host\"), but port "
	  "'edge' has no exception path" },
	{ "eal = [\"-l\", \"0-1\"];", "eal = \"-l 0-1\";", "test.conf:1: 'eal' must be an array" },
	{ "eal = [\"-l\", \"0-1\"];", "eal = [\"-l\"]; burst = 0;", "test.conf:1: 'burst' = 0" },
	{ "eal = [\"-l\", \"0-1\"];", "eal = [\"-l\"]; burst = 4;",
	  "test.conf:1: 'burst' = 4 is out of range" },
	/* A transmit ring smaller than a flush: its tail lost at each. */
	{ "eal = [\"-l\", \"0-1\"]; };\nports = ( {\n  name = \"edge\";",
	  "eal = [\"-l\", \"0-1\"]; burst = 256; };\nports = ( {\n  name = \"edge\"; tx_desc = 128;",
	  "test.conf:3: port 'edge': tx_desc 128 is less than dataplane.burst 256" },
	{ "dataplane = {", "dataplane = { control_socket = \"rel\";",
	  "test.conf:1: 'control_socket' must be an absolute path" },
	{ "dataplane = {", "rutes = 1; dataplane = {", "test.conf:1: unknown setting 'rutes'" },
	{ "dataplane = {", "routes = 1; dataplane = {", "test.conf:1: 'routes' must be a list" },
	{ "ports = ( {", "ports = [ {", "test.conf:2: " },  /* libconfig's own syntax error */
	{ "ports = ( {", "log = { level = \"loud\"; };\nports = ( {",
	  "test.conf:2: 'level' must be err, warn, notice, info or debug" },
};

/* Every case is refused, and the message names the expected file:line and reason. */
static void expect_refusals(const char *base, const struct bad_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char err[MR_ERR_MAX] = "";

		CU_ASSERT_EQUAL(load_patched(base, cases[i].from, cases[i].to, err), -1);
		if (!strstr(err, cases[i].expect)) {
			fprintf(stderr, "case %zu: expected '%s', got '%s'\n", i, cases[i].expect, err);
			CU_FAIL("error message does not name the line and reason");
		}
	}
}

static void test_bad_files_refused_with_line(void)
{
	expect_refusals(good_base, bad_cases, sizeof(bad_cases) / sizeof(bad_cases[0]));
}

/* source_addresses: parsed in order beside the port's own address; refused, naming the
 * line, when they leave the port's link, repeat, or take an address already in use. */
static void test_source_addresses(void)
{
	static const char with[] = "  gateway = \"10.0.0.254\";\n";
	static const struct bad_case bad[] = {
		{ "[ \"10.0.0.11\", \"10.0.0.12\" ]", "[ \"10.0.1.11\" ]",
		  "test.conf:7: source address 10.0.1.11 is outside the port's prefix" },
		{ "[ \"10.0.0.11\", \"10.0.0.12\" ]", "[ \"10.0.0.11\", \"10.0.0.11\" ]",
		  "test.conf:7: source address 10.0.0.11 is listed twice" },
		{ "[ \"10.0.0.11\", \"10.0.0.12\" ]", "[ \"10.0.0.1\" ]",
		  "test.conf:7: source address 10.0.0.1 is the port's own address" },
		{ "[ \"10.0.0.11\", \"10.0.0.12\" ]", "[ \"10.0.0.254\" ]",
		  "test.conf:7: source address 10.0.0.254 is the port's gateway" },
		{ "[ \"10.0.0.11\", \"10.0.0.12\" ]", "[ \"10.0.0.255\" ]",
		  "test.conf:7: source address 10.0.0.255 is the network or broadcast" },
		{ "[ \"10.0.0.11\", \"10.0.0.12\" ]", "[ \"10.0.0.011\" ]",
		  "test.conf:7: 'source_addresses': '10.0.0.011' is not an IPv4 address" },
		{ "[ \"10.0.0.11\", \"10.0.0.12\" ]", "[ 11 ]",
		  "test.conf:7: 'source_addresses' holds IPv4 addresses as strings" },
		{ "[ \"10.0.0.11\", \"10.0.0.12\" ]", "\"10.0.0.11\"",
		  "test.conf:7: 'source_addresses' is a list of 1 to 7 IPv4 addresses" },
		{ "[ \"10.0.0.11\", \"10.0.0.12\" ]", "[ ]",
		  "test.conf:7: 'source_addresses' is a list of 1 to 7 IPv4 addresses" },
		{ "[ \"10.0.0.11\", \"10.0.0.12\" ]",
		  "[ \"10.0.0.11\", \"10.0.0.12\", \"10.0.0.13\", \"10.0.0.14\", \"10.0.0.15\", "
		  "\"10.0.0.16\", \"10.0.0.17\", \"10.0.0.18\" ]",
		  "test.conf:7: 'source_addresses' is a list of 1 to 7 IPv4 addresses" },
		/* Another port may hold neither the address nor a source address. */
		{ "} );", "}, { name = \"svc\"; device = \"net_null1\"; ipv4 = \"10.0.0.12/24\"; } );",
		  "test.conf:8: two ports have the same ipv4 address" },
	};
	char base[1024], err[MR_ERR_MAX] = "";
	const char *at = strstr(good_base, with);

	CU_ASSERT_PTR_NOT_NULL_FATAL(at);
	at += strlen(with);
	snprintf(base, sizeof(base), "%.*s  source_addresses = [ \"10.0.0.11\", \"10.0.0.12\" ];\n%s",
		 (int)(at - good_base), good_base, at);
	CU_ASSERT_EQUAL_FATAL(load(base, err), 0);
	CU_ASSERT_EQUAL(conf.ports[0].n_source_ipv4, 2);
	CU_ASSERT_EQUAL(conf.ports[0].source_ipv4[0], 0x0a00000bu);
	CU_ASSERT_EQUAL(conf.ports[0].source_ipv4[1], 0x0a00000cu);
	CU_ASSERT_EQUAL(load(good_base, err), 0);
	CU_ASSERT_EQUAL(conf.ports[0].n_source_ipv4, 0);
	expect_refusals(base, bad, sizeof(bad) / sizeof(bad[0]));
}

/* good_base with an IPv6 address and next hop on the port. */
static const char good6_base[] =
	"dataplane = { eal = [\"-l\", \"0-1\"]; };\n"                      /* line 1 */
	"ports = ( {\n"                                                    /* line 2 */
	"  name = \"edge\";\n"                                             /* line 3 */
	"  device = \"net_null0\";\n"                                      /* line 4 */
	"  ipv4 = \"10.0.0.1/24\";\n"                                      /* line 5 */
	"  ipv6 = \"fd00:99::1/64\";\n"                                    /* line 6 */
	"  gateway6 = \"fd00:99::fe\";\n"                                  /* line 7 */
	"} );\n"                                                           /* line 8 */
	"listeners = ( { name = \"tls\"; port = \"edge\"; tcp_port = 443; } );\n";

static void test_ipv6_good(void)
{
	static const uint8_t addr[16] = { 0xfd, 0x00, 0x00, 0x99, [15] = 0x01 };
	static const uint8_t next_hop[16] = { 0xfd, 0x00, 0x00, 0x99, [15] = 0xfe };
	static const uint8_t link_local[16] = { 0xfe, 0x80, [15] = 0x01 };
	char err[MR_ERR_MAX] = "";

	CU_ASSERT_EQUAL_FATAL(load(good6_base, err), 0);
	CU_ASSERT_TRUE(conf.ports[0].has_ipv6);
	CU_ASSERT_EQUAL(memcmp(conf.ports[0].ipv6, addr, 16), 0);
	CU_ASSERT_EQUAL(conf.ports[0].prefix6_len, 64);
	CU_ASSERT_TRUE(conf.ports[0].has_gateway6);
	CU_ASSERT_EQUAL(memcmp(conf.ports[0].gateway6, next_hop, 16), 0);
	CU_ASSERT_EQUAL(conf.ports[0].ipv4, 0x0a000001u);

	CU_ASSERT_EQUAL_FATAL(load_patched(good6_base, "fd00:99::fe", "fe80::1", err), 0);
	CU_ASSERT_TRUE(conf.ports[0].has_gateway6);
	CU_ASSERT_EQUAL(memcmp(conf.ports[0].gateway6, link_local, 16), 0);

	/* Prefix lengths off a byte boundary: ::fe is still inside ::1/120. */
	CU_ASSERT_EQUAL(load_patched(good6_base, "::1/64", "::1/120", err), 0);
	CU_ASSERT_EQUAL(conf.ports[0].prefix6_len, 120);

	/* An address alone: no next hop. */
	CU_ASSERT_EQUAL_FATAL(load_patched(good6_base, "  gateway6 = \"fd00:99::fe\";\n", "",
					   err), 0);
	CU_ASSERT_TRUE(conf.ports[0].has_ipv6);
	CU_ASSERT_FALSE(conf.ports[0].has_gateway6);
	CU_ASSERT_EQUAL(memcmp(conf.ports[0].gateway6, zero16, 16), 0);
}

static const struct bad_case bad6_cases[] = {
	{ "::1/64", "::1", "test.conf:6: 'ipv6' must be ADDRESS/PREFIX" },
	{ "::1/64", "::1/129", "test.conf:6: 'ipv6': prefix length must be 1 to 128" },
	{ "::1/64", "::1/0", "test.conf:6: 'ipv6': prefix length must be 1 to 128" },
	{ "::1/64", "::1/+64", "test.conf:6: 'ipv6': prefix length must be 1 to 128" },
	{ "fd00:99::1/64", "fd00:99::g/64", "test.conf:6: 'ipv6': 'fd00:99::g' is not an IPv6" },
	{ "fd00:99::1/64", "10.0.0.9/24", "test.conf:6: 'ipv6': '10.0.0.9' is not an IPv6" },
	{ "ipv6 = \"fd00:99::1/64\"", "ipv6 = 6", "test.conf:6: 'ipv6' must be a string" },
	{ "fd00:99::1/64", "::ffff:10.0.0.9/96", "test.conf:6: 'ipv6' is an IPv4-mapped address" },
	{ "fd00:99::1/64", "::/64", "test.conf:6: 'ipv6' is the unspecified address" },
	{ "fd00:99::1/64", "::1/128", "test.conf:6: 'ipv6' is the loopback address" },
	{ "fd00:99::1/64", "ff02::1/64", "test.conf:6: 'ipv6' is a multicast address" },
	{ "fd00:99::1/64", "fe80::1/64", "test.conf:6: 'ipv6' is a link-local address" },
	{ "fd00:99::1/64", "febf::1/64", "test.conf:6: 'ipv6' is a link-local address" },
	{ "  ipv6 = \"fd00:99::1/64\";\n", "", "test.conf:6: 'gateway6' needs 'ipv6'" },
	{ "fd00:99::fe\"", "fd00:99::fe/64\"",
	  "test.conf:7: 'gateway6' takes an address without a prefix" },
	{ "fd00:99::fe\"", "fd00:99::xe\"", "test.conf:7: 'gateway6': 'fd00:99::xe' is not an" },
	{ "fd00:99::fe\"", "ff02::2\"", "test.conf:7: 'gateway6' is a multicast address" },
	{ "fd00:99::fe\"", "::\"", "test.conf:7: 'gateway6' is the unspecified address" },
	{ "fd00:99::fe\"", "::1\"", "test.conf:7: 'gateway6' is the loopback address" },
	{ "fd00:99::fe\"", "fd00:98::fe\"",
	  "test.conf:7: 'gateway6' is outside the port's prefix and not link-local" },
	{ "::1/64", "::1/121", "test.conf:7: 'gateway6' is outside the port's prefix" },
	{ "fd00:99::fe\"", "fec0::1\"", "test.conf:7: 'gateway6' is outside the port's prefix" },
	{ "fd00:99::fe\"", "fd00:99:0::1\"", "test.conf:7: 'gateway6' is the port's own address" },
};

static void test_ipv6_bad(void)
{
	expect_refusals(good6_base, bad6_cases, sizeof(bad6_cases) / sizeof(bad6_cases[0]));
}

static void test_duplicates_refused(void)
{
	char err[MR_ERR_MAX];
	const char *two_ports =
		"ports = ( { name = \"a\"; device = \"net_null0\"; ipv4 = \"10.0.0.1/24\"; },\n"
		"          { name = \"a\"; device = \"net_null1\"; ipv4 = \"10.0.1.1/24\"; } );\n";
	const char *same_dev =
		"ports = ( { name = \"a\"; device = \"net_null0\"; ipv4 = \"10.0.0.1/24\"; },\n"
		"          { name = \"b\"; device = \"net_null0\"; ipv4 = \"10.0.1.1/24\"; } );\n";
	const char *same_ipv6 =
		"ports = ( { name = \"a\"; device = \"net_null0\"; ipv4 = \"10.0.0.1/24\";\n"
		"            ipv6 = \"fd00:99::1/64\"; },\n"
		"          { name = \"b\"; device = \"net_null1\"; ipv4 = \"10.0.1.1/24\";\n"
		"            ipv6 = \"fd00:99:0:0::1/48\"; } );\n";
	const char *same_gateway6 =
		"ports = ( { name = \"a\"; device = \"net_null0\"; ipv4 = \"10.0.0.1/24\";\n"
		"            ipv6 = \"fd00:99::1/64\"; gateway6 = \"fe80::1\"; },\n"
		"          { name = \"b\"; device = \"net_null1\"; ipv4 = \"10.0.1.1/24\";\n"
		"            ipv6 = \"fd00:98::1/64\"; gateway6 = \"fe80::1\"; } );\n";
	/* Nested subnets: 10.0.1.5 would be taken for a's neighbour, being first. */
	const char *nested =
		"ports = ( { name = \"a\"; device = \"net_null0\"; ipv4 = \"10.0.0.1/16\"; },\n"
		"          { name = \"b\"; device = \"net_null1\";\n"
		"            ipv4 = \"10.0.1.1/24\"; } );\n";
	const char *nested6 =
		"ports = ( { name = \"a\"; device = \"net_null0\"; ipv4 = \"10.0.0.1/24\";\n"
		"            ipv6 = \"fd00:99::1/48\"; },\n"
		"          { name = \"b\"; device = \"net_null1\"; ipv4 = \"10.0.1.1/24\";\n"
		"            ipv6 = \"fd00:99:0:1::1/64\"; } );\n";
	const char *two_gateways =
		"ports = ( { name = \"a\"; device = \"net_null0\"; ipv4 = \"10.0.0.1/24\";\n"
		"            gateway = \"10.0.0.254\"; },\n"
		"          { name = \"b\"; device = \"net_null1\"; ipv4 = \"10.0.1.1/24\";\n"
		"            gateway = \"10.0.1.254\"; } );\n";
	const char *two_gateways6 =
		"ports = ( { name = \"a\"; device = \"net_null0\"; ipv4 = \"10.0.0.1/24\";\n"
		"            ipv6 = \"fd00:99::1/64\"; gateway6 = \"fd00:99::fe\"; },\n"
		"          { name = \"b\"; device = \"net_null1\"; ipv4 = \"10.0.1.1/24\";\n"
		"            ipv6 = \"fd00:98::1/64\"; gateway6 = \"fd00:98::fe\"; } );\n";
	const char *two_listeners =
		"ports = ( { name = \"a\"; device = \"net_null0\"; ipv4 = \"10.0.0.1/24\"; } );\n"
		"listeners = ( { name = \"x\"; port = \"a\"; tcp_port = 443; },\n"
		"              { name = \"y\"; port = \"a\"; tcp_port = 443; } );\n";

	CU_ASSERT_EQUAL(load(two_ports, err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "test.conf:2: port name 'a' is used twice"));
	CU_ASSERT_EQUAL(load(same_dev, err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "test.conf:2: device 'net_null0' is used by two"));
	CU_ASSERT_EQUAL(load(same_ipv6, err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "test.conf:3: two ports have the same ipv6 address"));
	CU_ASSERT_EQUAL(load(same_gateway6, err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "test.conf:3: port 'b' has the gateway of port 'a'"));
	CU_ASSERT_EQUAL(load(nested, err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "test.conf:3: port 'b''s ipv4 subnet overlaps port 'a''s"));
	CU_ASSERT_EQUAL(load(nested6, err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "test.conf:4: port 'b''s ipv6 subnet overlaps port 'a''s"));
	CU_ASSERT_EQUAL(load(two_gateways, err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "test.conf:4: port 'b' has a gateway beside port 'a''s"));
	CU_ASSERT_EQUAL(load(two_gateways6, err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "test.conf:4: port 'b' has a gateway beside port 'a''s"));
	CU_ASSERT_EQUAL(load(two_listeners, err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "test.conf:3: two listeners on the same port"));
}

static void test_refused_file_leaves_config_untouched(void)
{
	char err[MR_ERR_MAX];

	CU_ASSERT_EQUAL_FATAL(load(good_base, err), 0);
	CU_ASSERT_EQUAL(mr_config_load_string("ports = ( { name = \"z\"; } );", "t", &conf, err,
					      sizeof(err)), -1);
	CU_ASSERT_EQUAL(conf.n_ports, 1);
	CU_ASSERT_STRING_EQUAL(conf.ports[0].name, "edge");
}

static void test_missing_file(void)
{
	char err[MR_ERR_MAX];

	CU_ASSERT_EQUAL(mr_config_load_file("/nonexistent/meshrelay.conf", &conf, err,
					    sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/meshrelay.conf"));
}

static const char routing_base[] =
	"ports = ( { name = \"edge\"; device = \"net_null0\"; ipv4 = \"10.0.0.1/24\";"
	" gateway = \"10.0.0.254\"; ipv6 = \"fd00::1/64\"; } );\n"                    /* 1 */
	"networks = (\n"                                                                   /* 2 */
	"  { name = \"blue\"; local = true; allow = [ \"10.1.0.0/16\", \"fd00::/8\" ];\n"  /* 3 */
	"    ports = ( 443, \"8000-8999\" ); },\n"                                          /* 4 */
	"  { name = \"green\"; }\n"                                                         /* 5 */
	");\n"                                                                             /* 6 */
	"pools = ( { name = \"api\"; members = ( { address = \"10.1.0.5\"; port = 8443; },\n" /* 7 */
	"                                        { address = \"fd00::5\"; port = 8443; weight = 3; } ); } );\n"
	"routes = (\n"                                                                     /* 9 */
	"  { sni = \"api.svc.example\"; pool = \"api\"; proxy_protocol = true; },\n"        /* 10 */
	"  { sni = \"*.green.example\"; network = \"green\"; },\n"                          /* 11 */
	"  { default = true; pool = \"api\"; }\n"                                           /* 12 */
	");\n"                                                                             /* 13 */
	"mangled = ( { suffix = \"mesh.internal\"; forms = [ \"underscore\", \"istio\" ]; network = \"blue\"; } );\n";

static void test_routing_good(void)
{
	char err[MR_ERR_MAX] = "";

	CU_ASSERT_EQUAL_FATAL(load(routing_base, err), 0);
	CU_ASSERT_EQUAL(conf.n_networks, 2);
	CU_ASSERT_TRUE(conf.networks[0].local);
	CU_ASSERT_EQUAL(conf.networks[0].n_allow, 2);
	CU_ASSERT_EQUAL(conf.networks[0].ports[1].first, 8000);
	CU_ASSERT_EQUAL(conf.networks[0].ports[1].last, 8999);
	CU_ASSERT_EQUAL(conf.pools[0].n_members, 2);
	CU_ASSERT_EQUAL(conf.pools[0].members[1].weight, 3);
	CU_ASSERT_EQUAL(conf.n_routes, 3);
	CU_ASSERT_STRING_EQUAL(conf.routes[0].sni, "api.svc.example");
	CU_ASSERT_TRUE(conf.routes[0].proxy_protocol_v2);
	CU_ASSERT_EQUAL(conf.routes[1].network, 1);
	CU_ASSERT_PTR_NULL(conf.routes[2].sni);
	CU_ASSERT_EQUAL(conf.mangled[0].network, 0);
	mr_config_free(&conf);
	CU_ASSERT_EQUAL(conf.n_routes, 0);
	/* A suffix in upper case and with a final dot is held as DNS questions are matched:
	 * before, "mesh.internal." matched none, and names under it that exist were
	 * answered NXDOMAIN. */
	CU_ASSERT_EQUAL_FATAL(load_patched(routing_base, "\"mesh.internal\"", "\"Mesh.Internal.\"",
					   err), 0);
	CU_ASSERT_STRING_EQUAL(conf.mangled[0].suffix, "mesh.internal");
	mr_config_free(&conf);
}

static const struct bad_case routing_bad[] = {
	{ "pool = \"api\"; proxy", "pool = \"nope\"; proxy", "test.conf:10: unknown pool 'nope'" },
	{ "network = \"green\"; }", "network = \"blue\"; }", "test.conf:11: network 'blue' is the local" },
	{ "network = \"green\"; }", "network = \"green\"; pool = \"api\"; }",
	  "test.conf:11: a route names exactly one" },
	{ "sni = \"api.svc.example\"", "sni = \"api..example\"", "test.conf:10: api..example: " },
	{ "\"10.1.0.0/16\"", "\"10.1.0.0/33\"", "test.conf:3: '10.1.0.0/33' is not an address/prefix" },
	{ "{ name = \"green\"; }", "{ name = \"east_1\"; }",
	  "test.conf:5: network name 'east_1' is a DNS label of mangled names" },
	{ "\"8000-8999\"", "\"8999-8000\"", "test.conf:4: '8999-8000' is not a port range" },
	{ "address = \"10.1.0.5\"", "address = \"10.1.0.500\"", "test.conf:7: '10.1.0.500' is not an IPv4" },
	/* Members no connection may go to: refused here, not chosen for clients and reset. */
	{ "address = \"10.1.0.5\"", "address = \"0.0.0.0\"", "test.conf:7: '0.0.0.0' is no address" },
	{ "address = \"10.1.0.5\"", "address = \"255.255.255.255\"", "test.conf:7: '255.255.255.255' is no address" },
	{ "address = \"10.1.0.5\"", "address = \"239.1.2.3\"", "test.conf:7: '239.1.2.3' is no address" },
	{ "address = \"fd00::5\"", "address = \"::\"", "test.conf:8: '::' is no address" },
	{ "address = \"fd00::5\"", "address = \"ff02::1\"", "test.conf:8: 'ff02::1' is no address" },
	{ "address = \"10.1.0.5\"", "address = \"::ffff:10.1.0.5\"",
	  "test.conf:7: '::ffff:10.1.0.5': write an IPv4 address in its dotted form" },
	/* Members the data plane could never reach: before, accepted, and every connection
	 * to them failed (or went to the router). */
	{ "address = \"10.1.0.5\"", "address = \"127.0.0.1\"",
	  "test.conf:7: member 127.0.0.1 is the host's loopback" },
	{ "address = \"fd00::5\"", "address = \"::1\"", "test.conf:8: member ::1 is the host's loopback" },
	{ "address = \"10.1.0.5\"", "address = \"10.0.0.1\"",
	  "test.conf:7: member 10.0.0.1 is an address of the appliance's own" },
	{ "address = \"fd00::5\"", "address = \"fd01::5\"",
	  "test.conf:8: member fd01::5 is on no port's IPv6 link, and no port has a gateway6" },
	{ "{ name = \"green\"; }", "{ name = \"blue\"; }", "test.conf:5: network 'blue' is declared twice" },
	/* A name twice, however written: the second one's line, the first one's named. */
	{ "{ sni = \"*.green.example\"; network = \"green\"; }",
	  "{ sni = \"API.svc.example.\"; network = \"green\"; }",
	  "test.conf:11: route api.svc.example is listed twice (line 10 too)" },
	{ "network = \"blue\"; } );", "network = \"blue\"; },\n  { suffix = \"Mesh.Internal\"; forms = [ \"istio\" ]; } );",
	  "test.conf:15: mangled suffix mesh.internal is listed twice (line 14 too)" },
	{ "\"underscore\", \"istio\"", "\"dotted\"", "test.conf:14: unknown form 'dotted'" },
	/* A PROXY header is for our own backends: the other network's gateway sends its own. */
	{ "network = \"green\"; }", "network = \"green\"; proxy_protocol = true; }",
	  "test.conf:11: 'proxy_protocol' applies to routes to this network's backends" },
	{ "network = \"blue\"; } );", "network = \"green\"; proxy_protocol = true; } );",
	  "test.conf:14: 'proxy_protocol' applies to this network's addresses" },
	{ "{ default = true; pool", "{ default = true; sni = \"x\"; pool", "test.conf:12: the default route has no 'sni'" },
	{ "  { name = \"green\"; }", "  { name = \"green\"; local = true; }", "test.conf:2: only one network can be local" },
	/* One backend twice in a pool, spelt two ways: one health slot counted twice. */
	{ "\"fd00::5\"; port = 8443", "\"fd00:0::5\"; port = 8443; }, { address = \"fd00::5\"; port = 8443",
	  "test.conf:8: pool 'api': member fd00::5 port 8443 is listed twice" },
};

static void test_routing_bad(void)
{
	expect_refusals(routing_base, routing_bad, sizeof(routing_bad) / sizeof(routing_bad[0]));
}

int test_config_register(void)
{
	static const CU_TestInfo tests[] = {
		{ "good minimal file", test_good_minimal },
		{ "shipped examples validate", test_shipped_examples },
		{ "bad files refused with file:line", test_bad_files_refused_with_line },
		{ "source addresses of a port", test_source_addresses },
		{ "relay guards against one peer", test_relay_guards },
		{ "connection log and metrics", test_observing },
		{ "pool health and redispatch", test_pool_health },
		{ "port ipv6 and gateway6", test_ipv6_good },
		{ "port ipv6 errors with file:line", test_ipv6_bad },
		{ "duplicates refused", test_duplicates_refused },
		{ "refused file leaves config untouched", test_refused_file_leaves_config_untouched },
		{ "missing file", test_missing_file },
		{ "routing sections", test_routing_good },
		{ "routing errors with file:line", test_routing_bad },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite("config", tests);
}
