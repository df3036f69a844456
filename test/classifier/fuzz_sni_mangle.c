/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target for mangle_decode and route_lookup. Input: one byte choosing the
 * allowed forms, then a host name. Decoded destinations must be canonical (encoding them
 * again decodes to the same thing), and no lookup may ever send a mangled name to an
 * address or port outside its network's allow-list. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "route_table.h"
#include "sni_mangle.h"

#define SUFFIX "mesh.internal"

static struct route_table *table;
static struct ip_addr allowed_v4, allowed_v6;

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_sni_mangle: %s\n", what);
		abort();
	}
}

static void build_table(void)
{
	struct route_builder *b = route_builder_new();
	struct route_target pool = { ROUTE_TARGET_POOL, 0, false };
	struct route_target remote = { ROUTE_TARGET_NETWORK, 0, true };
	struct ip_addr member = ip_addr_v4(0x0a000001u);
	uint32_t blue, green, id;
	enum route_status st;

	ip_addr_parse("10.0.0.0", &allowed_v4);
	ip_addr_parse("fd00::", &allowed_v6);
	route_builder_add_network(b, "blue", true, &blue);
	route_builder_add_network(b, "green", false, &green);
	route_builder_allow_prefix(b, blue, &allowed_v4, 8);
	route_builder_allow_prefix(b, blue, &allowed_v6, 16);
	route_builder_allow_ports(b, blue, 443, 443);
	route_builder_allow_ports(b, blue, 8000, 8999);
	route_builder_allow_prefix(b, green, &allowed_v4, 8);
	route_builder_allow_ports(b, green, 443, 443);
	route_builder_add_pool(b, &id);
	route_builder_add_member(b, id, &member, 443, 1);
	pool.id = id;
	remote.id = green;
	route_builder_add_route(b, "api.svc.example", &pool);
	route_builder_add_route(b, "*.svc.example", &remote);
	route_builder_add_route(b, "*.default." SUFFIX, &pool);
	route_builder_add_mangled_suffix(b, SUFFIX, MANGLE_FORM_ALL, blue, false);
	table = route_builder_finish(b, &st);
	route_builder_free(b);
	check(table != NULL, "fixture table");
}

/* Writes the destination back in the underscore form, with a fully written IPv6. */
static int encode(const struct mangle_target *t, char *buf, size_t size)
{
	const uint8_t *a = t->addr.bytes;
	int n = snprintf(buf, size, "_%u._", t->port);

	if (t->addr.family == IP_ADDR_FAMILY_V4)
		n += snprintf(buf + n, size - (size_t)n, "%u-%u-%u-%u", a[0], a[1], a[2], a[3]);
	else
		for (int g = 0; g < 8; g++)
			n += snprintf(buf + n, size - (size_t)n, g ? "-%x" : "%x",
				      a[2 * g] << 8 | a[2 * g + 1]);
	if (t->network_len)
		n += snprintf(buf + n, size - (size_t)n, "._%s", t->network);
	n += snprintf(buf + n, size - (size_t)n, "." SUFFIX);
	return n;
}

static void check_decoded(const struct mangle_target *t)
{
	char again[512];
	struct mangle_target u;

	check(t->port >= 1, "port zero");
	if (t->form == MANGLE_FORM_ISTIO) {
		check(t->host_len > 0 && t->host_len == strlen(t->host), "istio host");
		return;
	}
	check(t->addr.family == IP_ADDR_FAMILY_V4 || t->addr.family == IP_ADDR_FAMILY_V6,
	      "family");
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	check(t->addr.family == IP_ADDR_FAMILY_V4 || memcmp(t->addr.bytes, mapped, 12) != 0,
	      "mapped IPv6 left as IPv6");
	int n = encode(t, again, sizeof(again));
	if (n <= 0 || n > SNI_NAME_MAX)
		return;
	check(mangle_decode(again, (size_t)n, SUFFIX, strlen(SUFFIX), MANGLE_FORM_UNDERSCORE,
			    &u) == MANGLE_OK, "canonical form decodes");
	check(ip_addr_equal(&u.addr, &t->addr) && u.port == t->port &&
		      strcmp(u.network, t->network) == 0, "canonical form decodes the same");
}

static void check_lookup(const char *name, size_t len)
{
	struct sni_result hello;
	struct route_decision d;
	size_t host_len;

	memset(&hello, 0, sizeof(hello));
	if (sni_name_normalize(name, len, hello.host, &host_len) != SNI_NAME_OK)
		return;
	hello.verdict = SNI_COMPLETE;
	hello.has_sni = true;
	hello.host_len = (uint16_t)host_len;
	route_lookup(table, &hello, len, &d);
	check(d.kind == ROUTE_LOCAL || d.kind == ROUTE_REMOTE || d.kind == ROUTE_REFUSED, "kind");
	check((d.kind == ROUTE_REFUSED) == (d.refusal != ROUTE_REFUSAL_NONE), "refusal set");
	if (d.kind == ROUTE_REFUSED || d.match != ROUTE_MATCH_MANGLED)
		return;
	bool addr_ok = ip_addr_in_prefix(&d.addr, &allowed_v4, 8) ||
		       (d.network_id == 0 && ip_addr_in_prefix(&d.addr, &allowed_v6, 16));
	bool port_ok = d.port == 443 || (d.network_id == 0 && d.port >= 8000 && d.port <= 8999);
	check(addr_ok && port_ok, "mangled destination outside the allow-list");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mangle_target t;

	if (table == NULL)
		build_table();
	if (size < 1 || size > 400)
		return 0;
	unsigned forms = data[0] & MANGLE_FORM_ALL;
	const char *name = (const char *)data + 1;
	size_t len = size - 1;
	/* Exact-size copy: any read past the name is caught. */
	char *copy = malloc(len ? len : 1);
	memcpy(copy, name, len);
	enum mangle_status st = mangle_decode(copy, len, SUFFIX, strlen(SUFFIX), forms, &t);
	if (st == MANGLE_OK)
		check_decoded(&t);
	else
		check(t.port == 0 && t.network_len == 0 && t.host_len == 0, "reset on error");
	check_lookup(copy, len);
	free(copy);
	return 0;
}
