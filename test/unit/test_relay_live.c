/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "relay_live": the configuration in force as the relay reads it, compiled when it
 * is built (listener bits, the other networks' gateways as addresses per network). */
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_byteorder.h>

#include "health.h"
#include "relay_live.h"
#include "unit.h"

static const char live_conf[] =
	"ports = ( { name = \"edge\"; device = \"net_null0\"; ipv4 = \"10.0.0.1/24\"; },\n"
	"          { name = \"mesh\"; device = \"net_null1\"; ipv4 = \"10.9.0.1/24\"; } );\n"
	"listeners = ( { name = \"tls\"; port = \"edge\"; tcp_port = 443; },\n"
	"              { name = \"alt\"; port = \"mesh\"; tcp_port = 9443; } );\n"
	"networks = ( { name = \"blue\"; local = true; allow = [ \"10.1.0.0/16\" ]; },\n"
	"             { name = \"green\"; }, { name = \"red\"; } );\n"
	"routes = ( { sni = \"*.green.example\"; network = \"green\"; },\n"
	"           { sni = \"*.red.example\"; network = \"red\"; } );\n"
	"gateways = (\n"
	"  { id = \"g1\"; network = \"green\"; address = \"192.0.2.1\"; port = 4443; },\n"
	"  { id = \"r1\"; network = \"red\"; address = \"198.51.100.7\"; port = 443; },\n"
	"  { id = \"g2\"; network = \"green\"; address = \"192.0.2.2\"; port = 4444; } );\n";

static struct relay_live *build(const char *text, uint32_t generation)
{
	struct mr_config conf = { 0 };
	struct relay_live *live = NULL;
	char err[MR_ERR_MAX] = "";

	if (mr_config_load_string(text, "live.conf", &conf, err, sizeof(err)) < 0 ||
	    relay_live_build(NULL, &conf, generation, &live, err, sizeof(err)) < 0) {
		fprintf(stderr, "relay_live: %s\n", err);
		mr_config_free(&conf);
		return NULL;
	}
	return live;
}

static uint32_t ipv4(uint32_t host_order)
{
	return rte_cpu_to_be_32(host_order);
}

/* Gateways by network in the file's order (IPv4 only: the schema refuses IPv6 ones). */
static void test_gateways_compiled(void)
{
	struct relay_live *live = build(live_conf, 7);
	const struct relay_gateway *g;

	CU_ASSERT_PTR_NOT_NULL_FATAL(live);
	CU_ASSERT_EQUAL(live->generation, 7);
	CU_ASSERT_EQUAL(live->gateways_of[1] - live->gateways_of[0], 0); /* blue */
	CU_ASSERT_EQUAL(live->gateways_of[2] - live->gateways_of[1], 2); /* green */
	CU_ASSERT_EQUAL(live->gateways_of[3] - live->gateways_of[2], 1); /* red */
	CU_ASSERT_PTR_NULL(relay_live_gateway(live, 0, 12345));
	CU_ASSERT_PTR_NULL(relay_live_gateway(live, 3, 0));
	CU_ASSERT_PTR_NULL(relay_live_gateway(live, UINT32_MAX, 0));
	/* Green clients spread over both green gateways, each keeping its own; every red
	 * client gets the only red one. */
	{
		unsigned int to_first = 0;

		for (uint64_t key = 0; key < 400; key++) {
			g = relay_live_gateway(live, 1, key * 2654435761u);
			CU_ASSERT_PTR_NOT_NULL_FATAL(g);
			CU_ASSERT_PTR_EQUAL(g, relay_live_gateway(live, 1, key * 2654435761u));
			CU_ASSERT(g->addr == ipv4(0xc0000201) || g->addr == ipv4(0xc0000202));
			CU_ASSERT_EQUAL(g->port, g->addr == ipv4(0xc0000201) ? rte_cpu_to_be_16(4443)
									     : rte_cpu_to_be_16(4444));
			to_first += g->addr == ipv4(0xc0000201);
		}
		CU_ASSERT(to_first > 120 && to_first < 280);
	}
	for (uint64_t key = 0; key < 64; key++) {
		g = relay_live_gateway(live, 2, key * 2654435761u);
		CU_ASSERT_PTR_NOT_NULL_FATAL(g);
		CU_ASSERT_EQUAL(g->addr, ipv4(0xc6336407));
		CU_ASSERT_EQUAL(g->port, rte_cpu_to_be_16(443));
	}
	relay_live_free(live);
}

/* Clients share out evenly over a network's gateways (rendezvous on a mixer, not on a
 * linear CRC, which gave one of three gateways half of them), and a gateway's own clients
 * spread over the others when it is passed over. */
static void test_gateways_share_evenly(void)
{
	static const char five[] =
		"ports = ( { name = \"edge\"; device = \"net_null0\"; ipv4 = \"10.0.0.1/24\"; } );\n"
		"listeners = ( { name = \"tls\"; port = \"edge\"; tcp_port = 443; } );\n"
		"networks = ( { name = \"blue\"; local = true; }, { name = \"far\"; } );\n"
		"routes = ( { sni = \"*.far.example\"; network = \"far\"; } );\n"
		"gateways = (\n"
		"  { id = \"a\"; network = \"far\"; address = \"10.0.0.1\"; port = 443; },\n"
		"  { id = \"b\"; network = \"far\"; address = \"10.0.0.2\"; port = 443; },\n"
		"  { id = \"c\"; network = \"far\"; address = \"10.0.0.3\"; port = 443; } );\n";
	char err[128];
	struct relay_health *h = health_create(16, 1, err, sizeof(err));
	struct relay_live *live = build(five, 1);
	unsigned int got[3] = { 0 }, moved_to[3] = { 0 };
	const uint32_t n = 30000;
	uint32_t base;

	CU_ASSERT_FATAL(h && live);
	CU_ASSERT_EQUAL_FATAL(health_bind_live(h, live, NULL), 0);
	base = live->gateways_of[1];
	for (uint64_t key = 0; key < n; key++) {
		uint32_t i = relay_live_gateway_pick(live, 1, key * 0x9e3779b97f4a7c15ull,
						     &(struct relay_gateway_pick){ NULL, NULL,
										   UINT32_MAX });
		uint32_t then;

		CU_ASSERT_FATAL(i >= base && i - base < 3);
		i -= base;
		got[i]++;
		if (i != 0)
			continue;
		/* Gateway a passed over (the one just tried): where its client goes next. */
		then = relay_live_gateway_pick(live, 1, key * 0x9e3779b97f4a7c15ull,
					       &(struct relay_gateway_pick){
						       NULL, NULL,
						       relay_live_gateway_slot(live, base) });
		if (then != UINT32_MAX && then >= base && then - base < 3)
			moved_to[then - base]++;
	}
	for (int i = 0; i < 3; i++)
		CU_ASSERT(got[i] > n * 30 / 100 && got[i] < n * 37 / 100);
	CU_ASSERT(moved_to[1] > got[0] * 40 / 100 && moved_to[2] > got[0] * 40 / 100);
	relay_live_free(live);
	health_free(h);
}

static void test_listeners_compiled(void)
{
	struct relay_live *live = build(live_conf, 0);

	CU_ASSERT_PTR_NOT_NULL_FATAL(live);
	CU_ASSERT_TRUE(relay_live_is_listener(live, 0, 443));
	CU_ASSERT_FALSE(relay_live_is_listener(live, 1, 443));
	CU_ASSERT_TRUE(relay_live_is_listener(live, 1, 9443));
	CU_ASSERT_FALSE(relay_live_is_listener(live, 0, 9443));
	CU_ASSERT_FALSE(relay_live_is_listener(live, 0, 444));
	relay_live_free(live);
}

/* A configuration without gateways or networks still compiles: nothing to pick. */
static void test_no_gateways(void)
{
	static const char bare[] =
		"ports = ( { name = \"edge\"; device = \"net_null0\"; ipv4 = \"10.0.0.1/24\"; } );\n";
	struct relay_live *live = build(bare, 1);

	CU_ASSERT_PTR_NOT_NULL_FATAL(live);
	CU_ASSERT_PTR_NULL(relay_live_gateway(live, 0, 0));
	relay_live_free(live);
}

/* The names with routed names below them (DNS answers NODATA there, not NXDOMAIN): a
 * wildcard's suffix and its parents, a mangled-name suffix and its parents; lower case
 * whatever the file's case, as the question's name is compared lower-cased. */
static void test_parents_of_routes_and_mangled(void)
{
	static const char text[] =
		"ports = ( { name = \"edge\"; device = \"net_null0\"; ipv4 = \"10.0.0.1/24\"; } );\n"
		"networks = ( { name = \"blue\"; local = true; allow = [ \"10.1.0.0/16\" ]; },\n"
		"             { name = \"green\"; } );\n"
		"routes = ( { sni = \"*.Apps.Example\"; network = \"green\"; } );\n"
		"mangled = ( { suffix = \"Mesh.Internal\"; forms = [ \"underscore\" ]; network = \"blue\"; } );\n";
	struct relay_live *live = build(text, 1);

	CU_ASSERT_PTR_NOT_NULL_FATAL(live);
	CU_ASSERT_TRUE(relay_live_is_parent(live, "apps.example"));
	CU_ASSERT_TRUE(relay_live_is_parent(live, "example"));
	CU_ASSERT_TRUE(relay_live_is_parent(live, "mesh.internal"));
	CU_ASSERT_TRUE(relay_live_is_parent(live, "internal"));
	CU_ASSERT_FALSE(relay_live_is_parent(live, "x.apps.example"));
	relay_live_free(live);
}

/* A push with other ports than the running ones is refused with the file's name. */
static void test_ports_must_match(void)
{
	static struct dp_appliance app;
	static struct mr_port_conf running;
	struct mr_config conf = { 0 };
	struct relay_live *live = NULL;
	char err[MR_ERR_MAX] = "";

	CU_ASSERT_EQUAL_FATAL(mr_config_load_string(live_conf, "pushed", &conf, err,
						    sizeof(err)), 0);
	snprintf(running.name, sizeof(running.name), "edge");
	app.n_ports = 1;
	app.ports[0].conf = &running;
	CU_ASSERT_EQUAL(relay_live_build(&app, &conf, 2, &live, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NULL(live);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "pushed: 2 port(s) where the data plane runs 1"));
	mr_config_free(&conf);
}

/* app, a data plane of one port that runs text (loaded into running). */
static void running_app(const char *text, struct mr_config *running, struct dp_appliance *app)
{
	char err[MR_ERR_MAX] = "";
	uint32_t base, mask;

	CU_ASSERT_EQUAL_FATAL(mr_config_load_string(text, "running", running, err, sizeof(err)),
			      0);
	app->n_ports = 1;
	app->ports[0].conf = &running->ports[0];
	mr_config_port_vips(running, 0, &base, &mask);
	app->ports[0].vip_base = base;
	app->ports[0].vip_mask = mask;
	app->src_port_first = running->relay.src_port_first;
	app->src_port_last = running->relay.src_port_last;
}

/* A push that moves relay.source_ports (in force at the next start) and adds a listener
 * inside the ports the data plane runs with is refused: the file, checked against its own
 * range, passed, and the listener's clients would have been taken for the relay's own
 * connections. The same listener with the range as it runs is refused by the file. */
static void test_listener_inside_running_source_ports(void)
{
	static const char text[] =
		"ports = ( { name = \"edge\"; device = \"net_null0\"; ipv4 = \"10.0.0.1/24\"; } );\n"
		"listeners = ( { name = \"tls\"; port = \"edge\"; tcp_port = 443; } );\n";
	static const char pushed[] =
		"ports = ( { name = \"edge\"; device = \"net_null0\"; ipv4 = \"10.0.0.1/24\"; } );\n"
		"relay = { source_ports = \"20000-59999\"; };\n"
		"listeners = ( { name = \"tls\"; port = \"edge\"; tcp_port = 443; },\n"
		"              { name = \"alt\"; port = \"edge\"; tcp_port = 15443; } );\n";
	static struct dp_appliance app;
	struct mr_config running = { 0 }, conf = { 0 };
	struct relay_live *live = NULL;
	char err[MR_ERR_MAX] = "";

	running_app(text, &running, &app);
	CU_ASSERT_EQUAL_FATAL(mr_config_load_string(pushed, "pushed", &conf, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(relay_live_build(&app, &conf, 2, &live, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "pushed: listener 'alt': tcp_port 15443 is inside the "
					   "source ports the data plane runs with (10000-59999"));
	mr_config_free(&conf);
	CU_ASSERT_EQUAL_FATAL(mr_config_load_string(text, "pushed", &conf, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(relay_live_build(&app, &conf, 2, &live, err, sizeof(err)), 0);
	relay_live_free(live);
	mr_config_free(&conf);
	mr_config_free(&running);
}

/* A push that moves a port's gateway is refused, not "applied" over the old one; the same
 * port as it runs is taken. */
static void test_port_gateway_needs_restart(void)
{
	static const char text[] =
		"ports = ( { name = \"edge\"; device = \"net_null0\"; ipv4 = \"10.0.0.1/24\";"
		" gateway = \"10.0.0.254\"; } );\n";
	static struct dp_appliance app;
	struct mr_config running = { 0 }, conf = { 0 };
	struct relay_live *live = NULL;
	char err[MR_ERR_MAX] = "";

	running_app(text, &running, &app);
	CU_ASSERT_EQUAL_FATAL(mr_config_load_string(text, "pushed", &conf, err, sizeof(err)), 0);
	conf.ports[0].gateway = 0x0a0000fd; /* 10.0.0.253 */
	CU_ASSERT_EQUAL(relay_live_build(&app, &conf, 2, &live, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "port 'edge': its device, addresses, gateways"));
	conf.ports[0].gateway = running.ports[0].gateway;
	CU_ASSERT_EQUAL(relay_live_build(&app, &conf, 2, &live, err, sizeof(err)), 0);
	relay_live_free(live);
	mr_config_free(&conf);
	mr_config_free(&running);
}

/* A push that drops the VIP range the data plane started with is refused, and says what
 * changed and where it runs (its file has no line of the range to name); one that moves
 * it names the range's line. */
static void test_vip_range_needs_restart(void)
{
	static const char with_range[] =
		"ports = ( { name = \"edge\"; device = \"net_null0\"; ipv4 = \"10.0.0.1/24\"; } );\n"
		"dns = { port = \"edge\"; zones = [ \"svc.example\" ];\n"
		"        vip_range = \"240.240.0.0/16\"; };\n";
	static struct dp_appliance app;
	struct mr_config running = { 0 }, conf = { 0 };
	struct relay_live *live = NULL;
	char err[MR_ERR_MAX] = "";

	running_app(with_range, &running, &app);
	CU_ASSERT_EQUAL_FATAL(mr_config_load_string(with_range, "pushed", &conf, err,
						    sizeof(err)), 0);
	CU_ASSERT_EQUAL(relay_live_build(&app, &conf, 2, &live, err, sizeof(err)), 0);
	relay_live_free(live);
	mr_config_free(&conf);
	CU_ASSERT_EQUAL_FATAL(mr_config_load_string(
		"ports = ( { name = \"edge\"; device = \"net_null0\"; ipv4 = \"10.0.0.1/24\"; } );\n",
		"pushed", &conf, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(relay_live_build(&app, &conf, 3, &live, err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "pushed: dns.vip_range (or dns.port) changes only with a "
				    "restart: the data plane runs with one on port 'edge'");
	mr_config_free(&conf);
	CU_ASSERT_EQUAL_FATAL(mr_config_load_string(
		"ports = ( { name = \"edge\"; device = \"net_null0\"; ipv4 = \"10.0.0.1/24\"; } );\n"
		"dns = { port = \"edge\"; zones = [ \"svc.example\" ];\n"
		"        vip_range = \"240.241.0.0/16\"; };\n", "pushed", &conf, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(relay_live_build(&app, &conf, 4, &live, err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "pushed:3: dns.vip_range (or dns.port) changes only with a "
				    "restart");
	mr_config_free(&conf);
	mr_config_free(&running);
}

/* Members and pools as a reload sees them: "before" has pools x (m1, m2) and y (m3);
 * "after" inserts pool w (m4) first, changes x to (m1, m5) and keeps y. */
static const char pools_before[] =
	"ports = ( { name = \"edge\"; device = \"net_null0\"; ipv4 = \"10.0.0.1/24\"; } );\n"
	"listeners = ( { name = \"tls\"; port = \"edge\"; tcp_port = 443; } );\n"
	"pools = ( { name = \"x\"; members = ( { address = \"10.0.0.11\"; port = 443; },\n"
	"                                     { address = \"10.0.0.12\"; port = 443; } ); },\n"
	"          { name = \"y\"; members = ( { address = \"10.0.0.13\"; port = 443; } ); } );\n";
static const char pools_after[] =
	"ports = ( { name = \"edge\"; device = \"net_null0\"; ipv4 = \"10.0.0.1/24\"; } );\n"
	"listeners = ( { name = \"tls\"; port = \"edge\"; tcp_port = 443; } );\n"
	"pools = ( { name = \"w\"; members = ( { address = \"10.0.0.14\"; port = 443; } ); },\n"
	"          { name = \"x\"; members = ( { address = \"10.0.0.11\"; port = 443; },\n"
	"                                     { address = \"10.0.0.15\"; port = 443; } ); },\n"
	"          { name = \"y\"; members = ( { address = \"10.0.0.13\"; port = 443; } ); } );\n";

/* The slot of address 10.0.0.last:443 in live. */
static uint32_t slot_of(const struct relay_live *live, uint8_t last)
{
	for (uint32_t i = 0; i < route_table_member_count(live->routes); i++) {
		struct ip_addr a;
		uint16_t port;

		route_table_member(live->routes, i, &a, &port);
		if (a.bytes[3] == last)
			return relay_live_member_slot(live, i);
	}
	return UINT32_MAX;
}

/* A reload keeps what an unchanged member has (its slot, so its state and counts) and a
 * pool's counter follows its name, whatever pools come before it; a member gone frees its
 * slot once the old configuration is retired, and a new one starts afresh. */
static void test_reload_keeps_members_and_pools(void)
{
	char err[128];
	struct relay_health *h = health_create(16, 1, err, sizeof(err));
	struct relay_live *before = build(pools_before, 1), *after = build(pools_after, 2);
	uint32_t s11, s12, s13;
	uint16_t gen12;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_FATAL(before && after);
	CU_ASSERT_EQUAL_FATAL(health_bind_live(h, before, NULL), 0);
	health_sweep_unused(h);
	s11 = slot_of(before, 11);
	s12 = slot_of(before, 12);
	s13 = slot_of(before, 13);
	CU_ASSERT(s11 != s12 && s12 != s13 && s11 != s13 && s13 < 16);
	CU_ASSERT_EQUAL(relay_live_pool_counter(before, 0), 0); /* x */
	CU_ASSERT_EQUAL(relay_live_pool_counter(before, 1), 1); /* y */
	h->slots[s11].state = HEALTH_EJECTED;
	gen12 = h->slots[s12].gen;
	CU_ASSERT_EQUAL_FATAL(health_bind_live(h, after, NULL), 0);
	health_sweep_unused(h); /* as a reload does once "before" is retired */
	CU_ASSERT_EQUAL(slot_of(after, 11), s11);
	CU_ASSERT_EQUAL(slot_of(after, 13), s13);
	CU_ASSERT_EQUAL(h->slots[s11].state, HEALTH_EJECTED);
	CU_ASSERT_FALSE(h->slots[s12].in_use);
	CU_ASSERT_NOT_EQUAL(h->slots[s12].gen, gen12);
	CU_ASSERT(slot_of(after, 14) < 16 && slot_of(after, 15) < 16);
	CU_ASSERT_EQUAL(relay_live_pool_counter(after, 0), 2); /* w, new */
	CU_ASSERT_EQUAL(relay_live_pool_counter(after, 1), 0); /* x, as before */
	CU_ASSERT_EQUAL(relay_live_pool_counter(after, 2), 1); /* y, as before */
	relay_live_free(before);
	relay_live_free(after);
	health_free(h);
}

/* The text of a configuration with one pool of n members at 10.0.0.first onwards. */
static void pool_of(char *text, size_t cap, unsigned int first, unsigned int n)
{
	int at = snprintf(text, cap,
			  "ports = ( { name = \"edge\"; device = \"net_null0\"; ipv4 = \"10.0.0.1/24\"; } );\n"
			  "listeners = ( { name = \"tls\"; port = \"edge\"; tcp_port = 443; } );\n"
			  "pools = ( { name = \"p\"; members = ( ");

	for (unsigned int i = 0; i < n; i++)
		at += snprintf(text + at, cap - (size_t)at, "%s{ address = \"10.0.0.%u\"; port = 443; }",
			       i ? ", " : "", first + i);
	snprintf(text + at, cap - (size_t)at, " ); } );\n");
}

/* A reload that replaces most members while the slots are short: those that found none
 * while the old configuration still held them take the slots it freed, once it is gone.
 * Before, they stayed unfollowed (never checked, never avoided, not in the metrics) until
 * some later reload. */
static void test_replaced_members_bound_after_sweep(void)
{
	char err[128], text[2048];
	struct relay_health *h = health_create(16, 1, err, sizeof(err));
	struct relay_live *before, *after, *again;
	unsigned int unbound = 0;

	pool_of(text, sizeof(text), 11, 10);
	before = build(text, 1);
	again = build(text, 3);
	pool_of(text, sizeof(text), 31, 10);
	after = build(text, 2);
	CU_ASSERT_FATAL(h && before && after && again);
	CU_ASSERT_EQUAL_FATAL(health_bind_live(h, before, NULL), 0);
	health_sweep_unused(h);
	health_bind_rest(h, before);
	CU_ASSERT_EQUAL_FATAL(health_bind_live(h, after, NULL), 0);
	for (uint32_t i = 0; i < 10; i++)
		unbound += relay_live_member_slot(after, i) == HEALTH_NONE;
	CU_ASSERT(unbound > 0); /* 16 slots, 10 still held: the case in question */
	health_sweep_unused(h); /* "before" retired */
	health_bind_rest(h, after);
	for (uint32_t i = 0; i < 10; i++)
		CU_ASSERT_NOT_EQUAL(relay_live_member_slot(after, i), HEALTH_NONE);
	/* The next reload frees what it no longer names, those bound after the sweep too. */
	CU_ASSERT_EQUAL_FATAL(health_bind_live(h, again, NULL), 0);
	health_sweep_unused(h);
	for (uint32_t i = 0; i < h->capacity; i++)
		CU_ASSERT_FALSE(h->slots[i].in_use && h->slots[i].addr.bytes[3] >= 31);
	relay_live_free(before);
	relay_live_free(after);
	relay_live_free(again);
	health_free(h);
}

/* A slot given to another member by a reload, while the member before was down: the new
 * one is up, and may be chosen, from the start. Before, it took the old member's state
 * until the health worker next looked at the slot (and counted as out of its pool). */
static void test_reused_slot_starts_up(void)
{
	char err[128], text[4096];
	struct relay_health *h = health_create(16, 1, err, sizeof(err));
	struct relay_live *before, *after;
	uint32_t old, got = HEALTH_NONE, bound = 0;

	pool_of(text, sizeof(text), 11, 16);
	before = build(text, 1);
	pool_of(text, sizeof(text), 12, 16); /* .11 gone, .27 new */
	after = build(text, 2);
	CU_ASSERT_FATAL(h && before && after);
	CU_ASSERT_EQUAL_FATAL(health_bind_live(h, before, NULL), 0);
	health_sweep_unused(h);
	health_bind_rest(h, before);
	for (uint32_t i = 0; i < 16; i++)
		bound += relay_live_member_slot(before, i) != HEALTH_NONE;
	old = slot_of(before, 11);
	CU_ASSERT_EQUAL_FATAL(bound, 16); /* every slot taken: the next member gets .11's */
	/* .11 is down, as the health worker wrote it. */
	h->slots[old].state = HEALTH_DOWN;
	h->slots[old].state_gen = h->slots[old].gen;
	CU_ASSERT_FALSE(health_usable(h, old));
	CU_ASSERT_EQUAL_FATAL(health_bind_live(h, after, NULL), 0);
	/* The health worker sets the pool indexes for the swap (before the slots left over
	 * are given out); the freed slot still names its old owner's group. */
	health_group_of(h, after, old);
	h->slots[old].pool = 7;
	health_sweep_unused(h);
	health_bind_rest(h, after);
	got = slot_of(after, 27);
	CU_ASSERT_EQUAL(got, old);
	CU_ASSERT_TRUE(health_usable(h, got));
	CU_ASSERT_EQUAL(health_state_of(h, got), HEALTH_UP);
	/* Given out after the swap: judged by its own pool at once, not the slot's last. */
	CU_ASSERT_EQUAL(health_group_of(h, after, got), 0);
	relay_live_free(before);
	relay_live_free(after);
	health_free(h);
}

/* A slot freed by a reload and taken by another member: the old member's connections are
 * no longer its (health_slot_follows says so), and its counts start from zero. */
static void test_slot_given_to_another(void)
{
	char err[128];
	struct relay_health *h = health_create(16, 2, err, sizeof(err));
	struct ip_addr old = ip_addr_v4(0x0a00000cu), v6 = old, other;
	struct health_stats st;
	uint32_t s, t = HEALTH_NONE;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	s = health_bind(h, &old, 443, 0);
	CU_ASSERT_FATAL(s < 16);
	health_sweep_unused(h);                   /* in force */
	h->stats[16 + s].connections = 5;         /* worker 1 */
	h->stats[s].failures = 2;                 /* worker 0 */
	h->stats[16 + s].redispatches = 1;
	health_stats_read(h, s, &st);
	CU_ASSERT(st.connections == 5 && st.failures == 2 && st.redispatches == 1);
	CU_ASSERT_TRUE(health_slot_follows(h, s, IP_ADDR_FAMILY_V4, old.bytes, 443));
	CU_ASSERT_FALSE(health_slot_follows(h, s, IP_ADDR_FAMILY_V4, old.bytes, 444));
	v6.family = IP_ADDR_FAMILY_V6;            /* the same first bytes, IPv6 */
	CU_ASSERT_FALSE(health_slot_follows(h, s, IP_ADDR_FAMILY_V6, v6.bytes, 443));
	CU_ASSERT_FALSE(health_slot_follows(h, HEALTH_NONE, IP_ADDR_FAMILY_V4, old.bytes, 443));

	health_sweep_unused(h);                   /* a reload without it: freed */
	CU_ASSERT_FALSE(health_slot_follows(h, s, IP_ADDR_FAMILY_V4, old.bytes, 443));
	for (uint32_t i = 0; i < 16 && t != s; i++) {
		other = ip_addr_v4(0x0a000064u + i);
		t = health_bind(h, &other, 443, 0);
	}
	CU_ASSERT_EQUAL_FATAL(t, s);
	CU_ASSERT_TRUE(health_slot_follows(h, s, IP_ADDR_FAMILY_V4, other.bytes, 443));
	CU_ASSERT_FALSE(health_slot_follows(h, s, IP_ADDR_FAMILY_V4, old.bytes, 443));
	health_stats_read(h, s, &st);
	CU_ASSERT(st.connections == 0 && st.failures == 0 && st.redispatches == 0);
	h->stats[s].failures++;
	health_stats_read(h, s, &st);
	CU_ASSERT_EQUAL(st.failures, 1);
	health_free(h);
}

/* A push that inserts a listener before the others and drops one: each listener keeps its
 * counter (by name), the new one gets a counter no one counted into. */
static void test_listener_counters_by_name(void)
{
	static const char before_text[] =
		"ports = ( { name = \"edge\"; device = \"net_null0\"; ipv4 = \"10.0.0.1/24\"; } );\n"
		"listeners = ( { name = \"a\"; port = \"edge\"; tcp_port = 443; },\n"
		"              { name = \"b\"; port = \"edge\"; tcp_port = 8443; } );\n";
	static const char after_text[] =
		"ports = ( { name = \"edge\"; device = \"net_null0\"; ipv4 = \"10.0.0.1/24\"; } );\n"
		"listeners = ( { name = \"c\"; port = \"edge\"; tcp_port = 9443; },\n"
		"              { name = \"a\"; port = \"edge\"; tcp_port = 443; } );\n";
	char err[128];
	struct relay_health *h = health_create(16, 1, err, sizeof(err));
	struct relay_live *before = build(before_text, 1), *after = build(after_text, 2);

	CU_ASSERT_FATAL(h && before && after);
	CU_ASSERT_EQUAL_FATAL(health_bind_live(h, before, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(health_bind_live(h, after, NULL), 0);
	CU_ASSERT_EQUAL(after->listener_counter[1], before->listener_counter[0]); /* a */
	CU_ASSERT_NOT_EQUAL(after->listener_counter[0], before->listener_counter[0]); /* c */
	CU_ASSERT_NOT_EQUAL(after->listener_counter[0], before->listener_counter[1]);
	relay_live_free(before);
	relay_live_free(after);
	health_free(h);
}

/* A pool and a listener renamed at every reload, for more reloads than there are counters:
 * each name gets a counter of its own (the indexes of names gone are given again), and
 * counts from zero on it. Before, names were never given up: past 1,023 pool names (63
 * listener names) every new one shared the last counter, and Prometheus saw the same
 * count under every pool that shared it. */
static void test_renamed_counters_never_run_out(void)
{
	char err[128], text[512];
	struct relay_health *h = health_create(16, 1, err, sizeof(err));
	struct dp_appliance *app = calloc(1, sizeof(*app));
	struct relay_live *prev = NULL;
	unsigned int shared = 0, counted_wrong = 0;

	CU_ASSERT_FATAL(h && app);
	app->n_workers = 1;
	app->workers[0] = calloc(1, sizeof(struct dp_worker));
	CU_ASSERT_PTR_NOT_NULL_FATAL(app->workers[0]);
	app->health = h;
	for (uint32_t k = 0; k < DP_POOL_COUNTERS + 2; k++) {
		struct relay_live *live;
		uint32_t pc, lc;

		snprintf(text, sizeof(text),
			 "ports = ( { name = \"edge\"; device = \"net_null0\"; ipv4 = \"10.0.0.1/24\"; } );\n"
			 "listeners = ( { name = \"l%u\"; port = \"edge\"; tcp_port = 443; } );\n"
			 "pools = ( { name = \"p%u\"; members = ( { address = \"10.0.0.11\"; port = 443; } ); } );\n",
			 k, k);
		live = build(text, k + 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(live);
		CU_ASSERT_EQUAL_FATAL(health_bind_live(h, live, app), 0);
		relay_live_free(prev); /* retired, as a swap retires it */
		prev = live;
		health_sweep_unused(h);
		pc = relay_live_pool_counter(live, 0);
		lc = live->listener_counter[0];
		shared += health_pool_counter_shared(pc) || lc == DP_LISTENER_COUNTERS - 1;
		counted_wrong += health_pool_connections(app, pc) != 0 ||
				 health_listener_connections(app, lc) != 0;
		app->workers[0]->pool_flows[pc] += 3;
		app->workers[0]->listener_flows[lc] += 2;
		counted_wrong += health_pool_connections(app, pc) != 3 ||
				 health_listener_connections(app, lc) != 2;
	}
	CU_ASSERT_EQUAL(shared, 0);
	CU_ASSERT_EQUAL(counted_wrong, 0);
	relay_live_free(prev);
	free(app->workers[0]);
	free(app);
	health_free(h);
}

/* The table itself: full, a new name gets the shared last index; a name no configuration
 * bound since the last sweep gives its index to the next new name. */
static void test_name_counter_table(void)
{
	struct ncount_table t;

	CU_ASSERT_EQUAL_FATAL(ncount_init(&t, 4, 0), 0);
	CU_ASSERT_EQUAL(ncount_bind(&t, "a", NULL), 0);
	CU_ASSERT_EQUAL(ncount_bind(&t, "b", NULL), 1);
	CU_ASSERT_EQUAL(ncount_bind(&t, "c", NULL), 2);
	CU_ASSERT_EQUAL(ncount_bind(&t, "d", NULL), 3);
	CU_ASSERT_TRUE(ncount_shared(&t, 3));
	CU_ASSERT_EQUAL(ncount_bind(&t, "b", NULL), 1);
	ncount_sweep(&t);
	CU_ASSERT_EQUAL(ncount_bind(&t, "c", NULL), 2); /* the next configuration: a, b gone */
	ncount_sweep(&t);
	CU_ASSERT_EQUAL(ncount_bind(&t, "e", NULL), 0);
	CU_ASSERT_EQUAL(ncount_bind(&t, "f", NULL), 1);
	CU_ASSERT_EQUAL(ncount_bind(&t, "c", NULL), 2);
	CU_ASSERT_EQUAL(ncount_bind(&t, "g", NULL), 3);
	ncount_free(&t);
}

static volatile bool swapped;

static void *swap_in(void *arg)
{
	struct dp_appliance *app = arg;

	relay_live_swap(app, build(pools_after, 2));
	swapped = true;
	return NULL;
}

/* A reader that is not a worker (a telemetry thread) holding the configuration in force:
 * a push publishes the new one at once, but frees the old one only once that reader has
 * ended, never under it. */
static void test_swap_waits_for_readers(void)
{
	static struct dp_appliance app;
	const struct relay_live *old;
	pthread_t th;

	rte_rwlock_init(&app.live_readers);
	app.live = build(pools_before, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(app.live);
	swapped = false;
	relay_live_read_begin(&app);
	old = relay_live_get(&app);
	CU_ASSERT_FATAL(pthread_create(&th, NULL, swap_in, &app) == 0);
	for (int i = 0; i < 100 && relay_live_get(&app) == old; i++)
		usleep(1000);
	usleep(20000);
	CU_ASSERT_EQUAL(relay_live_get(&app)->generation, 2); /* published */
	CU_ASSERT_FALSE(swapped);                             /* the old one not freed */
	CU_ASSERT_EQUAL(old->generation, 1);
	relay_live_read_end(&app);
	pthread_join(th, NULL);
	CU_ASSERT_TRUE(swapped);
	relay_live_free((struct relay_live *)(uintptr_t)app.live);
}

/* The DNS serial only goes up: configurations put in force within one second each take
 * one more, whatever generation numbers their pusher gave (a restarted meshrelay-cp
 * starts again at 1); a configuration built later takes the clock's seconds. Before, the
 * serial was the generation, and went back. */
static void test_serial_only_up(void)
{
	static struct dp_appliance app;
	struct relay_live *first, *second, *third;
	uint32_t now = (uint32_t)time(NULL), first_serial;

	rte_rwlock_init(&app.live_readers);
	first = build(pools_before, 7);
	second = build(pools_before, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(first);
	CU_ASSERT_PTR_NOT_NULL_FATAL(second);
	CU_ASSERT((int32_t)(first->serial - now) >= 0);
	relay_live_swap(&app, first);
	first_serial = first->serial;
	relay_live_swap(&app, second); /* frees first */
	CU_ASSERT_EQUAL(second->serial, first_serial + 1);
	third = build(pools_before, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(third);
	third->serial = second->serial + 100; /* as if built 100 s later */
	relay_live_swap(&app, third);
	CU_ASSERT_EQUAL(relay_live_get(&app)->serial, first_serial + 101);
	relay_live_free((struct relay_live *)(uintptr_t)app.live);
}

static bool gateway_usable(const void *ctx, uint32_t slot)
{
	return *(const uint32_t *)ctx != slot;
}

/* A gateway down is passed over: only its clients move, to their next gateway, and a
 * redispatch after one continues the client's order. */
static void test_gateway_health(void)
{
	char err[128];
	struct relay_health *h = health_create(16, 1, err, sizeof(err));
	struct relay_live *live = build(live_conf, 3);
	uint32_t down;

	CU_ASSERT_FATAL(h && live);
	CU_ASSERT_EQUAL_FATAL(health_bind_live(h, live, NULL), 0);
	down = relay_live_gateway_slot(live, live->gateways_of[1]); /* green g1 */
	CU_ASSERT_NOT_EQUAL_FATAL(down, UINT32_MAX);
	for (uint64_t key = 0; key < 300; key++) {
		struct relay_gateway_pick all = { NULL, NULL, UINT32_MAX };
		struct relay_gateway_pick avoid = { gateway_usable, &down, UINT32_MAX };
		uint32_t first = relay_live_gateway_pick(live, 1, key * 7919, &all);
		uint32_t healthy = relay_live_gateway_pick(live, 1, key * 7919, &avoid);
		struct relay_gateway_pick after = { NULL, NULL, relay_live_gateway_slot(live, first) };
		uint32_t next = relay_live_gateway_pick(live, 1, key * 7919, &after);

		CU_ASSERT_EQUAL(healthy, relay_live_gateway_slot(live, first) == down
						 ? live->gateways_of[1] + 1 : first);
		CU_ASSERT(next != first && next != UINT32_MAX);
		after.tried_slot = relay_live_gateway_slot(live, next);
		CU_ASSERT_EQUAL(relay_live_gateway_pick(live, 1, key * 7919, &after), UINT32_MAX);
	}
	relay_live_free(live);
	health_free(h);
}

int test_relay_live_register(void)
{
	static const CU_TestInfo tests[] = {
		{ "remote gateways compiled per network", test_gateways_compiled },
		{ "a port's gateway changes only with a restart", test_port_gateway_needs_restart },
		{ "a listener inside the source ports in force refused",
		  test_listener_inside_running_source_ports },
		{ "the VIP range changes only with a restart", test_vip_range_needs_restart },
		{ "a slot given to another member: its counts and reports", test_slot_given_to_another },
		{ "listener counters follow their names", test_listener_counters_by_name },
		{ "renamed counters never run out", test_renamed_counters_never_run_out },
		{ "the name counter table", test_name_counter_table },
		{ "listeners compiled per port", test_listeners_compiled },
		{ "no gateways, no networks", test_no_gateways },
		{ "pushed ports must be the running ones", test_ports_must_match },
		{ "clients shared evenly over gateways", test_gateways_share_evenly },
		{ "a swap frees the old configuration after its readers", test_swap_waits_for_readers },
		{ "the DNS serial only goes up", test_serial_only_up },
		{ "a gateway down is passed over", test_gateway_health },
		{ "a reload keeps members' health and pools' counters",
		  test_reload_keeps_members_and_pools },
		{ "members replaced while slots are short: bound after the sweep",
		  test_replaced_members_bound_after_sweep },
		{ "a slot given to another member starts up", test_reused_slot_starts_up },
		{ "parents of routed and mangled names, lower case", test_parents_of_routes_and_mangled },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite("relay_live", tests);
}
