/* SPDX-License-Identifier: BSD-3-Clause */
/* route_table suite: precedence, mangled destinations against allow-lists, stable
 * backend choice, builder errors, and a table of 100k routes. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "route_hash.h"
#include "route_table.h"
#include "test_suites.h"

static struct route_table *table;
static bool setup_failed; /* builder helpers run outside tests too, so no asserts there */
static uint32_t net_blue, net_green, net_red, pool_a, pool_b, pool_c;

static struct sni_result hello_for(const char *host)
{
	struct sni_result r;

	memset(&r, 0, sizeof(r));
	r.verdict = SNI_COMPLETE;
	if (host != NULL) {
		r.has_sni = true;
		r.host_len = (uint16_t)strlen(host);
		memcpy(r.host, host, r.host_len + 1u);
	}
	return r;
}

static struct ip_addr addr_of(const char *text)
{
	struct ip_addr a;

	if (!ip_addr_parse(text, &a))
		memset(&a, 0xee, sizeof(a));
	return a;
}

static void add_member(struct route_builder *b, uint32_t pool, const char *addr, uint16_t port,
		       uint32_t weight)
{
	struct ip_addr a = addr_of(addr);

	setup_failed |= route_builder_add_member(b, pool, &a, port, weight) != ROUTE_OK;
}

static void allow(struct route_builder *b, uint32_t net, const char *prefix, unsigned len)
{
	struct ip_addr a = addr_of(prefix);

	setup_failed |= route_builder_allow_prefix(b, net, &a, len) != ROUTE_OK;
}

static void add_route(struct route_builder *b, const char *pattern, enum route_target_kind kind,
		      uint32_t id, bool ppv2)
{
	struct route_target t = { kind, id, ppv2 };

	setup_failed |= route_builder_add_route(b, pattern, &t) != ROUTE_OK;
}

/* The shared fixture; without_member leaves one member of pool A out. */
static struct route_table *build_main(const char *without_member)
{
	struct route_builder *b = route_builder_new();
	struct route_target def = { ROUTE_TARGET_POOL, 0, false };
	enum route_status st;

	route_builder_add_network(b, "blue", true, &net_blue);
	route_builder_add_network(b, "green", false, &net_green);
	route_builder_add_network(b, "red", false, &net_red);
	allow(b, net_blue, "10.0.0.0", 8);
	allow(b, net_blue, "fd00::", 16);
	allow(b, net_blue, "10.1.2.0", 24); /* a subnet of the /8, named after it */
	route_builder_allow_ports(b, net_blue, 443, 443);
	route_builder_allow_ports(b, net_blue, 8000, 8999);
	allow(b, net_green, "192.168.0.0", 16);
	route_builder_allow_ports(b, net_green, 1, 65535);
	route_builder_add_pool(b, &pool_a);
	route_builder_add_pool(b, &pool_b);
	route_builder_add_pool(b, &pool_c);
	const char *members[] = { "10.0.0.1", "10.0.0.2", "10.0.0.3" };
	for (int i = 0; i < 3; i++)
		if (without_member == NULL || strcmp(without_member, members[i]) != 0)
			add_member(b, pool_a, members[i], 443, i == 2 ? 2 : 1);
	add_member(b, pool_b, "fd00::5", 8443, 1);
	add_member(b, pool_c, "10.0.0.9", 443, 0);
	add_route(b, "API.svc.example", ROUTE_TARGET_POOL, pool_a, true);
	add_route(b, "*.svc.example", ROUTE_TARGET_POOL, pool_b, false);
	add_route(b, "*.deep.svc.example", ROUTE_TARGET_NETWORK, net_green, false);
	add_route(b, "*.mesh.internal", ROUTE_TARGET_POOL, pool_c, false);
	add_route(b, "*.z", ROUTE_TARGET_NETWORK, net_green, false);
	add_route(b, "reviews.default.mesh.internal", ROUTE_TARGET_POOL, pool_b, false);
	add_route(b, "*.default.mesh.internal", ROUTE_TARGET_NETWORK, net_green, false);
	def.id = pool_a;
	route_builder_set_default(b, &def);
	route_builder_add_mangled_suffix(b, "mesh.internal", MANGLE_FORM_ALL, net_blue, false);
	route_builder_add_mangled_suffix(b, "green.mesh", MANGLE_FORM_LABEL, net_green, true);
	struct route_table *t = route_builder_finish(b, &st);
	route_builder_free(b);
	if (setup_failed || st != ROUTE_OK) {
		fprintf(stderr, "route table fixture: %s\n", route_status_str(st));
		route_table_free(t);
		return NULL;
	}
	return t;
}

static int suite_init(void)
{
	table = build_main(NULL);
	return table == NULL;
}

static int suite_clean(void)
{
	route_table_free(table);
	return 0;
}

struct expect {
	const char *host;
	enum route_kind kind;
	enum route_match match;
	enum route_refusal refusal;
	const char *addr; /* NULL: not checked */
	uint16_t port;
	bool ppv2;
};

static void check(const struct expect *e)
{
	struct sni_result h = hello_for(e->host);
	struct route_decision d;
	char buf[48];

	CU_ASSERT_EQUAL(route_lookup(table, &h, 7, &d), e->kind);
	CU_ASSERT_EQUAL(d.kind, e->kind);
	CU_ASSERT_EQUAL(d.match, e->match);
	CU_ASSERT_EQUAL(d.refusal, e->refusal);
	CU_ASSERT_EQUAL(d.proxy_protocol_v2, e->ppv2);
	if (d.kind != e->kind || d.match != e->match || d.refusal != e->refusal)
		fprintf(stderr, "\n  %s: kind %d match %d refusal %s mangle %s\n",
			e->host ? e->host : "(none)", d.kind, d.match,
			route_refusal_str(d.refusal), mangle_status_str(d.mangle_status));
	if (e->addr != NULL) {
		struct ip_addr want = addr_of(e->addr);
		CU_ASSERT(ip_addr_equal(&d.addr, &want));
		CU_ASSERT_EQUAL(d.port, e->port);
		if (!ip_addr_equal(&d.addr, &want))
			fprintf(stderr, "\n  %s: addr %s\n", e->host,
				ip_addr_format(&d.addr, buf, sizeof(buf)));
	}
}

static void test_precedence(void)
{
	static const struct expect cases[] = {
		{ "api.svc.example", ROUTE_LOCAL, ROUTE_MATCH_EXACT, 0, NULL, 0, true },
		{ "x.svc.example", ROUTE_LOCAL, ROUTE_MATCH_WILDCARD, 0, "fd00::5", 8443, false },
		{ "a.b.svc.example", ROUTE_LOCAL, ROUTE_MATCH_WILDCARD, 0, "fd00::5", 8443, false },
		{ "x.deep.svc.example", ROUTE_REMOTE, ROUTE_MATCH_WILDCARD, 0, NULL, 0, false },
		{ "deep.svc.example", ROUTE_LOCAL, ROUTE_MATCH_WILDCARD, 0, "fd00::5", 8443, false },
		{ "svc.example", ROUTE_LOCAL, ROUTE_MATCH_DEFAULT, 0, NULL, 0, false },
		{ "a.z", ROUTE_REMOTE, ROUTE_MATCH_WILDCARD, 0, NULL, 0, false },
		{ "z", ROUTE_LOCAL, ROUTE_MATCH_DEFAULT, 0, NULL, 0, false },
		{ "unknown.example", ROUTE_LOCAL, ROUTE_MATCH_DEFAULT, 0, NULL, 0, false },
		{ NULL, ROUTE_LOCAL, ROUTE_MATCH_DEFAULT, 0, NULL, 0, false },
		{ "www.mesh.internal", ROUTE_REFUSED, ROUTE_MATCH_WILDCARD,
		  ROUTE_REFUSAL_EMPTY_POOL, NULL, 0, false },
		/* Starts like the label form, is a plain name: its wildcard route takes it. */
		{ "i18n.mesh.internal", ROUTE_REFUSED, ROUTE_MATCH_WILDCARD,
		  ROUTE_REFUSAL_EMPTY_POOL, NULL, 0, false },
		{ "p1-db.mesh.internal", ROUTE_REFUSED, ROUTE_MATCH_WILDCARD,
		  ROUTE_REFUSAL_EMPTY_POOL, NULL, 0, false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check(&cases[i]);

	struct route_decision d;
	struct sni_result h = hello_for("x.deep.svc.example");
	route_lookup(table, &h, 1, &d);
	CU_ASSERT_EQUAL(d.network_id, net_green);
	h = hello_for("api.svc.example");
	route_lookup(table, &h, 1, &d);
	CU_ASSERT_EQUAL(d.pool_id, pool_a);
	h.verdict = SNI_NEED_MORE;
	CU_ASSERT_EQUAL(route_lookup(table, &h, 1, &d), ROUTE_REFUSED);
	CU_ASSERT_EQUAL(d.refusal, ROUTE_REFUSAL_NOT_CLASSIFIED);
}

static void test_mangled_destinations(void)
{
	static const struct expect cases[] = {
		{ "_8443._10-1-2-3._blue.mesh.internal", ROUTE_LOCAL, ROUTE_MATCH_MANGLED, 0,
		  "10.1.2.3", 8443, false },
		{ "_8443._10.1.2.3.mesh.internal", ROUTE_LOCAL, ROUTE_MATCH_MANGLED, 0,
		  "10.1.2.3", 8443, false },
		{ "nblue-p443-fd00--7.mesh.internal", ROUTE_LOCAL, ROUTE_MATCH_MANGLED, 0,
		  "fd00::7", 443, false },
		{ "p443---ffff-a01-203.mesh.internal", ROUTE_LOCAL, ROUTE_MATCH_MANGLED, 0,
		  "10.1.2.3", 443, false },
		{ "_443._192-168-1-1._green.mesh.internal", ROUTE_REMOTE, ROUTE_MATCH_MANGLED, 0,
		  "192.168.1.1", 443, false },
		{ "i22-192-168-3-4.green.mesh", ROUTE_REMOTE, ROUTE_MATCH_MANGLED, 0,
		  "192.168.3.4", 22, true },
		{ "_22._10-1-2-3.mesh.internal", ROUTE_REFUSED, ROUTE_MATCH_MANGLED,
		  ROUTE_REFUSAL_NOT_ALLOWED, NULL, 0, false },
		{ "_443._11-1-2-3.mesh.internal", ROUTE_REFUSED, ROUTE_MATCH_MANGLED,
		  ROUTE_REFUSAL_NOT_ALLOWED, NULL, 0, false },
		{ "p443---ffff-b01-203.mesh.internal", ROUTE_REFUSED, ROUTE_MATCH_MANGLED,
		  ROUTE_REFUSAL_NOT_ALLOWED, NULL, 0, false },
		{ "p443-fe80--1.mesh.internal", ROUTE_REFUSED, ROUTE_MATCH_MANGLED, /* link-local */
		  ROUTE_REFUSAL_BAD_DESTINATION, NULL, 0, false },
		{ "_443._10-1-2-3._red.mesh.internal", ROUTE_REFUSED, ROUTE_MATCH_MANGLED,
		  ROUTE_REFUSAL_NOT_ALLOWED, NULL, 0, false },
		{ "_443._10-1-2-3._pink.mesh.internal", ROUTE_REFUSED, ROUTE_MATCH_MANGLED,
		  ROUTE_REFUSAL_UNKNOWN_NETWORK, NULL, 0, false },
		{ "_443._010-1-2-3.mesh.internal", ROUTE_REFUSED, ROUTE_MATCH_MANGLED,
		  ROUTE_REFUSAL_BAD_MANGLED_NAME, NULL, 0, false },
		{ "i443-10-1-2-3.mesh.internal.other", ROUTE_LOCAL, ROUTE_MATCH_DEFAULT, 0, NULL, 0,
		  false },
		/* Inside blue's 10/8 and fd00::/16, but nothing to connect to. */
		{ "_443._10-0-0-0.mesh.internal", ROUTE_REFUSED, ROUTE_MATCH_MANGLED,
		  ROUTE_REFUSAL_BAD_DESTINATION, NULL, 0, false },
		{ "i443-10-255-255-255.mesh.internal", ROUTE_REFUSED, ROUTE_MATCH_MANGLED,
		  ROUTE_REFUSAL_BAD_DESTINATION, NULL, 0, false },
		{ "_443._192-168-0-0._green.mesh.internal", ROUTE_REFUSED, ROUTE_MATCH_MANGLED,
		  ROUTE_REFUSAL_BAD_DESTINATION, NULL, 0, false },
		/* The broadcast of blue's 10.1.2.0/24, though a host of the /8 named first. */
		{ "_443._10-1-2-255.mesh.internal", ROUTE_REFUSED, ROUTE_MATCH_MANGLED,
		  ROUTE_REFUSAL_BAD_DESTINATION, NULL, 0, false },
		{ "i443-10-1-2-0.mesh.internal", ROUTE_REFUSED, ROUTE_MATCH_MANGLED,
		  ROUTE_REFUSAL_BAD_DESTINATION, NULL, 0, false },
		{ "i443-10-1-3-0.mesh.internal", ROUTE_LOCAL, ROUTE_MATCH_MANGLED, 0,
		  "10.1.3.0", 443, false },
		/* Nothing to connect to anywhere, allow-list or not. */
		{ "_443._127-0-0-1.mesh.internal", ROUTE_REFUSED, ROUTE_MATCH_MANGLED,
		  ROUTE_REFUSAL_BAD_DESTINATION, NULL, 0, false },
		{ "_443._224-0-0-1.mesh.internal", ROUTE_REFUSED, ROUTE_MATCH_MANGLED,
		  ROUTE_REFUSAL_BAD_DESTINATION, NULL, 0, false },
		{ "_443._255-255-255-255.mesh.internal", ROUTE_REFUSED, ROUTE_MATCH_MANGLED,
		  ROUTE_REFUSAL_BAD_DESTINATION, NULL, 0, false },
		{ "_443._0-0-0-0.mesh.internal", ROUTE_REFUSED, ROUTE_MATCH_MANGLED,
		  ROUTE_REFUSAL_BAD_DESTINATION, NULL, 0, false },
		{ "p443---1.mesh.internal", ROUTE_REFUSED, ROUTE_MATCH_MANGLED,
		  ROUTE_REFUSAL_BAD_DESTINATION, NULL, 0, false },
		{ "p443-ff02--1.mesh.internal", ROUTE_REFUSED, ROUTE_MATCH_MANGLED,
		  ROUTE_REFUSAL_BAD_DESTINATION, NULL, 0, false },
		{ "p443---a01-203.mesh.internal", ROUTE_REFUSED, ROUTE_MATCH_MANGLED,
		  ROUTE_REFUSAL_BAD_DESTINATION, NULL, 0, false },
		{ "p443-64-ff9b--a01-203.mesh.internal", ROUTE_REFUSED, ROUTE_MATCH_MANGLED,
		  ROUTE_REFUSAL_BAD_DESTINATION, NULL, 0, false },
		{ "p443-64-ff9b-1--a01-203.mesh.internal", ROUTE_REFUSED, ROUTE_MATCH_MANGLED,
		  ROUTE_REFUSAL_BAD_DESTINATION, NULL, 0, false },
		{ "p443-2002-a01-203--1.mesh.internal", ROUTE_REFUSED, ROUTE_MATCH_MANGLED,
		  ROUTE_REFUSAL_BAD_DESTINATION, NULL, 0, false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check(&cases[i]);

	struct route_decision d;
	struct sni_result h = hello_for("_443._010-1-2-3.mesh.internal");
	route_lookup(table, &h, 1, &d);
	CU_ASSERT_EQUAL(d.mangle_status, MANGLE_ERR_IPV4);
	h = hello_for("_8443._10-1-2-3.mesh.internal");
	route_lookup(table, &h, 1, &d);
	CU_ASSERT(d.pool_id == ROUTE_ID_NONE && d.network_id == net_blue);
}

/* No open proxy: however a destination is spelled (case, trailing or doubled dots,
 * punycode-looking labels, leading zeros, octal- or hex-looking parts, dotted decimal,
 * IPv4 in IPv6), a name either is refused, goes to a configured pool member, or names an
 * address and port blue's allow-list holds (10/8 or fd00::/16, 443 or 8000-8999). */
static void test_allow_list_tricks(void)
{
	static const char *const names[] = {
		"_443._11-1-2-3.MESH.INTERNAL", "_443._11-1-2-3._BLUE.mesh.internal",
		"_443._11-1-2-3.mesh.internal.", "_22._10-1-2-3.mesh.internal.",
		"_22._10-1-2-3.mesh.internal..", "_443._11-1-2-3.._blue.mesh.internal",
		"_443._011-1-2-3.mesh.internal", "_443._0x0b-1-2-3.mesh.internal",
		"_443._11.1.2.3.mesh.internal", "_443._185-1-2-3.mesh.internal",
		"_443._2130706433.mesh.internal", "_443._10-1-2-3-0.mesh.internal",
		"p443---ffff-b01-203.mesh.internal", "P443---FFFF-B01-203.MESH.INTERNAL",
		"p443---ffff-0b01-0203.mesh.internal", "p443--ffff-b01-203.mesh.internal",
		"p443-0--ffff-b01-203.mesh.internal", "p443-fd00--1-0.mesh.internal",
		"i443-11-1-2-3.mesh.internal", "I443-11-1-2-3.Mesh.Internal",
		"xn--i443-11-1-2-3.mesh.internal", "i443-11-1-2-3.xn--mesh.internal",
		"nBLUE-i443-11-1-2-3.mesh.internal", "nblue-i22-10-1-2-3.mesh.internal",
		"_0443._10-1-2-3.mesh.internal", "_443 ._10-1-2-3.mesh.internal",
		"_443._10-1-2-3._blue.mesh.internal.evil.example", "_22._10-1-2-3._green.mesh.internal",
		"outbound_.22_._.10-1-2-3.mesh.internal", "i22-10-1-2-3.green.mesh",
	};
	const struct ip_addr v4 = addr_of("10.0.0.0"), v6 = addr_of("fd00::");

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct sni_result h = hello_for(names[i]);
		struct route_decision d;
		bool in_list, port_ok;

		if (route_lookup(table, &h, 3, &d) == ROUTE_REFUSED || d.pool_id != ROUTE_ID_NONE)
			continue; /* refused, or a configured pool member */
		if (d.kind == ROUTE_REMOTE && d.network_id == net_green) {
			/* green allows 192.168/16 on every port: the far gateway checks again */
			CU_ASSERT(d.addr.family == IP_ADDR_FAMILY_V4 && d.addr.bytes[0] == 192 &&
				  d.addr.bytes[1] == 168);
			continue;
		}
		in_list = d.addr.family == IP_ADDR_FAMILY_V4 ? d.addr.bytes[0] == v4.bytes[0]
							      : memcmp(d.addr.bytes, v6.bytes, 2) == 0;
		port_ok = d.port == 443 || (d.port >= 8000 && d.port <= 8999);
		CU_ASSERT(in_list && port_ok);
		if (!in_list || !port_ok)
			fprintf(stderr, "\n  open proxy through %s\n", names[i]);
	}
}

static void test_istio_names(void)
{
	static const struct expect cases[] = {
		/* The exact host route wins over the wildcard above the Istio suffix. */
		{ "outbound_.9080_.v1_.reviews.default.mesh.internal", ROUTE_LOCAL,
		  ROUTE_MATCH_ISTIO, 0, "fd00::5", 8443, false },
		{ "outbound_.9080_._.other.default.mesh.internal", ROUTE_REMOTE, ROUTE_MATCH_ISTIO,
		  0, NULL, 0, false },
		{ "outbound_.0_._.reviews.default.mesh.internal", ROUTE_REFUSED,
		  ROUTE_MATCH_MANGLED, ROUTE_REFUSAL_BAD_MANGLED_NAME, NULL, 0, false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check(&cases[i]);
}

/* An Istio name whose host only the default route takes is the default route's match,
 * not an Istio one: the DNS answers (routed names only) would else give an address for
 * any name under the suffix, typos included. */
static void test_istio_name_to_default_route(void)
{
	struct route_builder *b = route_builder_new();
	struct route_target def = { ROUTE_TARGET_POOL, 0, false };
	struct sni_result h = hello_for("outbound_.80_._.nosuch.istio.test");
	struct route_decision d;
	struct route_table *t;
	enum route_status st;
	uint32_t pool, net;

	route_builder_add_network(b, "blue", true, &net);
	route_builder_add_pool(b, &pool);
	add_member(b, pool, "10.0.0.1", 443, 1);
	add_route(b, "svc.istio.test", ROUTE_TARGET_POOL, pool, false);
	def.id = pool;
	route_builder_set_default(b, &def);
	route_builder_add_mangled_suffix(b, "istio.test", MANGLE_FORM_ISTIO, net, false);
	t = route_builder_finish(b, &st);
	route_builder_free(b);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_NOT_EQUAL(route_lookup(t, &h, 1, &d), ROUTE_REFUSED);
	CU_ASSERT_EQUAL(d.match, ROUTE_MATCH_DEFAULT);
	h = hello_for("outbound_.80_._.svc.istio.test");
	CU_ASSERT_NOT_EQUAL(route_lookup(t, &h, 1, &d), ROUTE_REFUSED);
	CU_ASSERT_EQUAL(d.match, ROUTE_MATCH_ISTIO);
	route_table_free(t);
}

static int member_index(const struct route_decision *d)
{
	return d->addr.family == IP_ADDR_FAMILY_V4 ? d->addr.bytes[3] : -1;
}

static void test_stable_backend_choice(void)
{
	enum { CLIENTS = 20000 };
	static int first[CLIENTS];
	int count[4] = { 0 };
	struct sni_result h = hello_for("api.svc.example");
	struct route_decision d;
	struct route_table *same = build_main(NULL), *fewer = build_main("10.0.0.2");
	unsigned moved_wrongly = 0, changed = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(same);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fewer);
	for (int k = 0; k < CLIENTS; k++) {
		uint64_t key = (uint64_t)k * 0x10001u + 12345;
		route_lookup(table, &h, key, &d);
		first[k] = member_index(&d);
		if (first[k] >= 1 && first[k] <= 3)
			count[first[k]]++;
		route_lookup(same, &h, key, &d);
		changed += member_index(&d) != first[k];
		route_lookup(fewer, &h, key, &d);
		/* Only the removed member's clients may move. */
		moved_wrongly += first[k] != 2 && member_index(&d) != first[k];
	}
	CU_ASSERT_EQUAL(changed, 0);
	CU_ASSERT_EQUAL(moved_wrongly, 0);
	CU_ASSERT_EQUAL(count[1] + count[2] + count[3], CLIENTS);
	/* Weights 1:1:2 -> 25% / 25% / 50%, within a few percent. */
	CU_ASSERT(count[1] > CLIENTS * 22 / 100 && count[1] < CLIENTS * 28 / 100);
	CU_ASSERT(count[2] > CLIENTS * 22 / 100 && count[2] < CLIENTS * 28 / 100);
	CU_ASSERT(count[3] > CLIENTS * 46 / 100 && count[3] < CLIENTS * 54 / 100);
	route_table_free(same);
	route_table_free(fewer);
}

/* The member a pick lands on, as its address text (empty when refused). */
static void picked(const struct route_table *t, uint64_t key, const struct route_pick *tmpl,
		   char *out, size_t len)
{
	struct sni_result h = hello_for("api.svc.example");
	struct route_pick p = *tmpl;
	struct route_decision d;

	p.client_key = key;
	out[0] = '\0';
	if (route_lookup_pick(t, &h, &p, &d) == ROUTE_LOCAL)
		ip_addr_format(&d.addr, out, len);
}

/* route_pick context of these cases: one member index marked, and the usable ones. */
struct pick_marks {
	uint32_t tried;
	uint32_t unusable_mask; /* bit per member index */
};

static bool mark_tried(const void *ctx, uint32_t member)
{
	return ((const struct pick_marks *)ctx)->tried == member;
}

static bool mark_usable(const void *ctx, uint32_t member)
{
	return !(((const struct pick_marks *)ctx)->unusable_mask >> member & 1);
}

/* A redispatch continues the client's rendezvous order: after the first member fails, the
 * next is the one a table without it would have chosen, and so on through the pool, each
 * member once, then POOL_TRIED. */
static void test_redispatch_order(void)
{
	const char *members[] = { "10.0.0.1", "10.0.0.2", "10.0.0.3" };
	struct route_table *without[3];
	struct sni_result h = hello_for("api.svc.example");
	unsigned int moved = 0;

	for (int i = 0; i < 3; i++)
		without[i] = build_main(members[i]);
	CU_ASSERT_FATAL(without[0] && without[1] && without[2]);
	for (uint64_t key = 1; key <= 600; key++) {
		struct pick_marks marks = { ROUTE_ID_NONE, 0 };
		struct route_pick pick = { key, NULL, mark_tried, &marks };
		struct route_decision d;
		char first[48], next[48], expect[48];
		unsigned int seen = 0;
		int gone;

		CU_ASSERT_EQUAL_FATAL(route_lookup_pick(table, &h, &pick, &d), ROUTE_LOCAL);
		ip_addr_format(&d.addr, first, sizeof(first));
		for (gone = 0; strcmp(members[gone], first) != 0; gone++)
			;
		marks.tried = d.member;
		picked(table, key, &pick, next, sizeof(next));
		picked(without[gone], key, &(struct route_pick){ 0 }, expect, sizeof(expect));
		CU_ASSERT_STRING_EQUAL(next, expect);
		moved += strcmp(next, first) != 0;
		for (seen = 1; route_lookup_pick(table, &h, &pick, &d) == ROUTE_LOCAL; seen++)
			marks.tried = d.member;
		CU_ASSERT_EQUAL(seen, 3);
		CU_ASSERT_EQUAL(d.refusal, ROUTE_REFUSAL_POOL_TRIED);
	}
	CU_ASSERT_EQUAL(moved, 600);
	for (int i = 0; i < 3; i++)
		route_table_free(without[i]);
}

/* A member route_pick makes unusable is passed over exactly as if it were not in the pool
 * (its clients spread over the others, nobody else moves); with none usable, the first in
 * order is taken regardless and the decision says so. */
static void test_unusable_member(void)
{
	const char *members[] = { "10.0.0.1", "10.0.0.2", "10.0.0.3" };
	struct sni_result h = hello_for("api.svc.example");
	struct route_decision d;

	for (int gone = 0; gone < 3; gone++) {
		struct route_table *without = build_main(members[gone]);
		struct pick_marks marks = { ROUTE_ID_NONE, 0 };
		struct route_pick pick = { 0, mark_usable, NULL, &marks };

		CU_ASSERT_PTR_NOT_NULL_FATAL(without);
		pick.client_key = 1;
		CU_ASSERT_EQUAL(route_lookup_pick(table, &h, &pick, &d), ROUTE_LOCAL);
		for (uint32_t i = 0; i < route_table_member_count(table); i++) {
			struct ip_addr a;
			uint16_t port;
			char text[48];

			route_table_member(table, i, &a, &port);
			ip_addr_format(&a, text, sizeof(text));
			if (strcmp(text, members[gone]) == 0)
				marks.unusable_mask |= 1u << i;
		}
		for (uint64_t key = 1; key <= 600; key++) {
			char with[48], expect[48];

			picked(table, key, &pick, with, sizeof(with));
			picked(without, key, &(struct route_pick){ 0 }, expect, sizeof(expect));
			CU_ASSERT_STRING_EQUAL(with, expect);
		}
		route_table_free(without);
	}
	{
		struct pick_marks none = { ROUTE_ID_NONE, 0xffffffffu };
		struct route_pick pick = { 5, mark_usable, NULL, &none };
		struct route_decision plain;

		CU_ASSERT_EQUAL(route_lookup_pick(table, &h, &pick, &d), ROUTE_LOCAL);
		CU_ASSERT_EQUAL(d.pick_note, ROUTE_PICK_NONE_USABLE);
		CU_ASSERT_EQUAL(route_lookup(table, &h, 5, &plain), ROUTE_LOCAL);
		CU_ASSERT_EQUAL(plain.member, d.member);
		CU_ASSERT_EQUAL(plain.pick_note, ROUTE_PICK_FIRST);
	}
}

static void test_no_default_route(void)
{
	struct route_builder *b = route_builder_new();
	enum route_status st;
	struct route_decision d;
	struct sni_result h = hello_for("unknown.example");

	struct route_table *t = route_builder_finish(b, &st);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(route_lookup(t, &h, 1, &d), ROUTE_REFUSED);
	CU_ASSERT_EQUAL(d.refusal, ROUTE_REFUSAL_NO_ROUTE);
	h = hello_for(NULL);
	CU_ASSERT_EQUAL(route_lookup(t, &h, 1, &d), ROUTE_REFUSED);
	CU_ASSERT_EQUAL(d.refusal, ROUTE_REFUSAL_NO_ROUTE);
	route_table_free(t);
	route_builder_free(b);
}

/* Runs one faulty builder step after a valid base and expects it to poison finish. */
static void expect_build_error(int step, enum route_status want)
{
	struct route_builder *b = route_builder_new();
	struct route_target pool = { ROUTE_TARGET_POOL, 0, false };
	struct route_target local = { ROUTE_TARGET_NETWORK, 0, false };
	struct ip_addr a = addr_of("10.1.0.0");
	uint32_t id, net, pid;
	enum route_status got = ROUTE_OK, st;

	route_builder_add_network(b, "blue", true, &net);
	route_builder_add_pool(b, &pid);
	route_builder_add_route(b, "a.example", &pool);
	route_builder_add_route(b, "*.example", &pool);
	switch (step) {
	case 0: got = route_builder_add_route(b, "*", &pool); break;
	case 1: got = route_builder_add_route(b, "*x.example", &pool); break;
	case 2: got = route_builder_add_route(b, "a..example", &pool); break;
	case 3: got = route_builder_allow_prefix(b, net, &a, 8); break;
	case 4: got = route_builder_allow_prefix(b, net, &a, 33); break;
	case 5: got = route_builder_allow_ports(b, net, 10, 5); break;
	case 6: got = route_builder_add_mangled_suffix(b, "m.example", 0, net, false); break;
	case 7: got = route_builder_add_mangled_suffix(b, "m.example", 8, net, false); break;
	case 8: got = route_builder_add_route(b, "b.example", &local); break;
	case 9: pool.id = 5; got = route_builder_add_route(b, "b.example", &pool); break;
	case 10: got = route_builder_add_network(b, "green", true, &id); break;
	case 11: got = route_builder_add_network(b, "Green", false, &id); break;
	case 12: got = route_builder_add_member(b, 3, &a, 1, 1); break;
	case 13: route_builder_set_default(b, &pool);
		got = route_builder_set_default(b, &pool); break;
	case 14: route_builder_add_route(b, "A.example.", &pool); break;
	case 15: route_builder_add_route(b, "*.Example", &pool); break;
	case 16: route_builder_add_network(b, "blue", false, &id); break;
	case 17: route_builder_add_mangled_suffix(b, "m.example", 1, net, false);
		route_builder_add_mangled_suffix(b, "M.example", 2, net, false); break;
	}
	if (got != ROUTE_OK)
		CU_ASSERT_EQUAL(got, want);
	struct route_table *t = route_builder_finish(b, &st);
	CU_ASSERT_PTR_NULL(t);
	CU_ASSERT_EQUAL(st, want);
	if (st != want)
		fprintf(stderr, "\n  step %d: %s\n", step, route_status_str(st));
	route_table_free(t);
	route_builder_free(b);
}

static void test_builder_errors(void)
{
	static const enum route_status want[] = {
		ROUTE_ERR_BAD_NAME, ROUTE_ERR_BAD_NAME, ROUTE_ERR_BAD_NAME, ROUTE_ERR_BAD_PREFIX,
		ROUTE_ERR_BAD_PREFIX, ROUTE_ERR_BAD_RANGE, ROUTE_ERR_BAD_FORMS,
		ROUTE_ERR_BAD_FORMS, ROUTE_ERR_BAD_TARGET, ROUTE_ERR_BAD_ID, ROUTE_ERR_DUPLICATE,
		ROUTE_ERR_BAD_NAME, ROUTE_ERR_BAD_ID, ROUTE_ERR_DUPLICATE, ROUTE_ERR_DUPLICATE,
		ROUTE_ERR_DUPLICATE, ROUTE_ERR_DUPLICATE, ROUTE_ERR_DUPLICATE,
	};

	for (int step = 0; step < (int)(sizeof(want) / sizeof(want[0])); step++)
		expect_build_error(step, want[step]);
}

static void test_100k_routes(void)
{
	enum { ROUTES = 100000, POOLS = 64, WILDCARDS = 1000 };
	struct route_builder *b = route_builder_new();
	char name[128];
	enum route_status st;
	uint32_t id;

	for (int p = 0; p < POOLS; p++) {
		route_builder_add_pool(b, &id);
		struct ip_addr a = ip_addr_v4(0x0a000000u + (uint32_t)p);
		route_builder_add_member(b, id, &a, 443, 1);
	}
	for (int i = 0; i < ROUTES; i++) {
		struct route_target t = { ROUTE_TARGET_POOL, (uint32_t)(i % POOLS), false };
		snprintf(name, sizeof(name), i < WILDCARDS ? "*.w%d.example" : "svc-%d.ns.example",
			 i);
		route_builder_add_route(b, name, &t);
	}
	struct route_table *t = route_builder_finish(b, &st);
	route_builder_free(b);
	CU_ASSERT_EQUAL_FATAL(st, ROUTE_OK);
	CU_ASSERT_EQUAL(route_table_route_count(t), ROUTES);
	unsigned wrong = 0;
	struct route_decision d;
	for (int i = 0; i < ROUTES; i++) {
		if (i < WILDCARDS)
			snprintf(name, sizeof(name), "host.w%d.example", i);
		else
			snprintf(name, sizeof(name), "svc-%d.ns.example", i);
		struct sni_result h = hello_for(name);
		route_lookup(t, &h, (uint64_t)i, &d);
		wrong += d.kind != ROUTE_LOCAL || d.pool_id != (uint32_t)(i % POOLS) ||
			 d.match != (i < WILDCARDS ? ROUTE_MATCH_WILDCARD : ROUTE_MATCH_EXACT);
	}
	CU_ASSERT_EQUAL(wrong, 0);
	struct sni_result h = hello_for("svc-100000.ns.example");
	CU_ASSERT_EQUAL(route_lookup(t, &h, 1, &d), ROUTE_REFUSED);
	CU_ASSERT_EQUAL(d.refusal, ROUTE_REFUSAL_NO_ROUTE);
	route_table_free(t);
}

/* One backward pass must give each suffix after a dot the hash route_hash_name gives
 * it alone, whatever the dots' places in the eight-byte words. */
static void check_suffixes(const char *name)
{
	size_t len = strlen(name), label = 0, longest = 0;
	struct route_suffixes sfx;
	unsigned k = 0;

	route_hash_suffixes(name, len, &sfx);
	CU_ASSERT_EQUAL(sfx.full_hash, route_hash_name(name, len));
	for (size_t i = len; i-- > 0;) {
		label = name[i] == '.' ? 0 : label + 1;
		longest = label > longest ? label : longest;
		if (name[i] != '.' || i + 1 == len)
			continue;
		CU_ASSERT_FATAL(k < sfx.count);
		CU_ASSERT_EQUAL(sfx.start[k], i + 1);
		CU_ASSERT_EQUAL(sfx.hash[k], route_hash_name(name + i + 1, len - i - 1));
		k++;
	}
	CU_ASSERT_EQUAL(sfx.count, k);
	CU_ASSERT_EQUAL(sfx.longest_label, longest);
}

static void test_suffix_hashes(void)
{
	static const char *const names[] = {
		"a", "ab.c", "abcdefg.h", "abcdefgh.ijklmnop", "abcdefghi.jklmnopq.rs",
		"_8443._10-1-2-3._blue.mesh.internal", "i8443-10-1-2-3.mesh.internal",
		".lead", "trail.", "x..y", "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q",
		"abcdefg........hijklmnop.q",
	};
	char name[SNI_NAME_MAX + 1];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		check_suffixes(names[i]);
	/* Labels of every length from 1 to 63, repeated up to the 253-byte limit. */
	for (size_t at = 0, n = 1; at < SNI_NAME_MAX; n = n % 63 + 1) {
		size_t take = n < SNI_NAME_MAX - at ? n : SNI_NAME_MAX - at;
		memset(name + at, 'a' + (int)(n % 26), take);
		at += take;
		if (at < SNI_NAME_MAX)
			name[at++] = '.';
		name[at] = '\0';
	}
	check_suffixes(name);
	/* A label over 63 bytes under a mangled suffix is still refused by length. */
	memset(name, 'a', 64);
	strcpy(name + 64, ".mesh.internal");
	struct sni_result h = hello_for(name);
	struct route_decision d;
	CU_ASSERT_EQUAL(route_lookup(table, &h, 1, &d), ROUTE_REFUSED);
	CU_ASSERT_EQUAL(d.refusal, ROUTE_REFUSAL_BAD_MANGLED_NAME);
	CU_ASSERT_EQUAL(d.mangle_status, MANGLE_ERR_LENGTH);
}

/* A pool's members a choice may take leave out those of weight 0: pool C's one member is
 * configured but never chosen, so nothing is left to send a connection to after a
 * failure there (the relay does not redispatch). */
static void test_choosable_members(void)
{
	struct pick_marks marks = { ROUTE_ID_NONE, 0 };
	struct sni_result h = hello_for("x.mesh.internal");
	struct route_decision d;

	CU_ASSERT_EQUAL(route_table_pool_size(table, pool_a), 3);
	CU_ASSERT_EQUAL(route_table_pool_choosable(table, pool_a), 3);
	CU_ASSERT_EQUAL(route_table_pool_choosable(table, pool_b), 1);
	CU_ASSERT_EQUAL(route_table_pool_size(table, pool_c), 1);
	CU_ASSERT_EQUAL(route_table_pool_choosable(table, pool_c), 0);
	/* Asked again after a failure (a redispatch), the pool is still empty, not tried:
	 * the refusal is counted as such. */
	CU_ASSERT_EQUAL(route_lookup_pick(table, &h, &(struct route_pick){ 7, NULL, mark_tried,
									  &marks }, &d),
			ROUTE_REFUSED);
	CU_ASSERT_EQUAL(d.refusal, ROUTE_REFUSAL_EMPTY_POOL);
}

int suite_route_table(void)
{
	CU_pSuite s = CU_add_suite("route_table", suite_init, suite_clean);

	if (s == NULL)
		return -1;
	CU_add_test(s, "precedence: exact, longest wildcard, default", test_precedence);
	CU_add_test(s, "mangled destinations and allow-lists", test_mangled_destinations);
	CU_add_test(s, "Istio names", test_istio_names);
	CU_add_test(s, "an Istio name the default route takes", test_istio_name_to_default_route);
	CU_add_test(s, "allow-list tricks: no open proxy", test_allow_list_tricks);
	CU_add_test(s, "stable weighted backend choice", test_stable_backend_choice);
	CU_add_test(s, "redispatch continues the client's order", test_redispatch_order);
	CU_add_test(s, "an unusable member is passed over", test_unusable_member);
	CU_add_test(s, "members a choice may take: weight 0 left out", test_choosable_members);
	CU_add_test(s, "no default route", test_no_default_route);
	CU_add_test(s, "builder errors", test_builder_errors);
	CU_add_test(s, "100k routes", test_100k_routes);
	CU_add_test(s, "suffix hashes in one pass", test_suffix_hashes);
	return 0;
}
