/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Backend pools of the configuration: their members (each one the data plane can reach,
 * listed once) and the health settings of a pool or of another network's gateways.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mr_config.h"
#include "mr_config_internal.h"
#include "mr_config_util.h"
#include "ip_addr.h"

/* Why the data plane cannot connect to a, or NULL: it reaches its members on a port's
 * link or through the gateway of their family, never through the host (the loopback),
 * and never at an address of its own. */
static const char *member_unreachable(const struct mr_config *c, const struct ip_addr *a)
{
	static const uint8_t loopback6[16] = { [15] = 1 };
	bool v4 = a->family == IP_ADDR_FAMILY_V4, on_link = false, via = false;
	uint32_t a4 = (uint32_t)a->bytes[0] << 24 | (uint32_t)a->bytes[1] << 16 |
		      (uint32_t)a->bytes[2] << 8 | a->bytes[3];

	if (v4 ? a->bytes[0] == 127 : memcmp(a->bytes, loopback6, 16) == 0)
		return "is the host's loopback: the relay reaches its members on its ports' "
		       "links, not through the host";
	for (unsigned int i = 0; i < c->n_ports; i++) {
		const struct mr_port_conf *p = &c->ports[i];
		uint32_t mask = cfg_prefix_mask(p->prefix_len);

		if (v4 ? cfg_port_has_ipv4(p, a4) : p->has_ipv6 && memcmp(p->ipv6, a->bytes, 16) == 0)
			return "is an address of the appliance's own";
		on_link |= v4 ? ((a4 ^ p->ipv4) & mask) == 0
			      : p->has_ipv6 && ip_bytes_in_prefix(a->bytes, p->ipv6, p->prefix6_len);
		via |= v4 ? p->gateway != 0 : p->has_gateway6;
	}
	if (on_link || via)
		return NULL;
	return v4 ? "is on no port's link, and no port has a gateway"
		  : "is on no port's IPv6 link, and no port has a gateway6";
}

static int cfg_member(struct cfg_ctx *ctx, const config_setting_t *g, const struct mr_config *c,
		      struct mr_member_conf *m)
{
	static const char *const keys[] = { "address", "port", "weight", NULL };
	uint32_t port = 0;
	struct ip_addr a;
	const char *why;

	m->weight = 1;
	if (cfg_check_keys(ctx, g, keys) < 0 ||
	    cfg_string(ctx, g, "address", true, m->address, sizeof(m->address)) < 0)
		return -1;
	if (cfg_target_address(ctx, member(g, "address"), m->address) < 0)
		return -1;
	if (ip_addr_parse(m->address, &a) && (why = member_unreachable(c, &a)))
		return cfg_fail(ctx, member(g, "address"), "member %s %s", m->address, why);
	if (!member(g, "port"))
		return cfg_fail(ctx, g, "missing required setting 'port'");
	if (cfg_uint(ctx, g, "port", 1, 65535, &port) < 0 ||
	    cfg_uint(ctx, g, "weight", 0, 65535, &m->weight) < 0)
		return -1;
	m->port = (uint16_t)port;
	return 0;
}

/* Where to report a clash of settings a and b of group g: a if written, else b, else g. */
static const config_setting_t *pair_at(const config_setting_t *g, const char *a, const char *b)
{
	const config_setting_t *at = member(g, a);

	if (!at)
		at = member(g, b);
	return at ? at : g;
}

/* A pool's or a network's (its gateways') optional "health" group; defaults: no active
 * check, passive ejection after 5 failed connections for 10 s (doubling to 5 min), at
 * most half of them at once. */
int cfg_health(struct cfg_ctx *ctx, const config_setting_t *owner,
		      struct mr_health_conf *h)
{
	static const char *const keys[] = { "check", "sni", "interval_ms", "timeout_ms", "rise",
					    "fall", "failures", "ejection_ms", "max_ejection_ms",
					    "max_ejected_percent", NULL };
	const config_setting_t *g;
	char check[8] = "none";

	*h = (struct mr_health_conf){ .check = MR_CHECK_NONE, .interval_ms = 2000,
				      .timeout_ms = 1000, .rise = 2, .fall = 3, .failures = 5,
				      .ejection_ms = 10000, .max_ejection_ms = 300000,
				      .max_ejected_percent = 50 };
	if (cfg_group(ctx, owner, "health", keys, &g) < 0)
		return -1;
	if (!g)
		return 0;
	if (cfg_string(ctx, g, "check", false, check, sizeof(check)) < 0 ||
	    cfg_string(ctx, g, "sni", false, h->sni, sizeof(h->sni)) < 0 ||
	    cfg_uint(ctx, g, "interval_ms", 100, 3600000, &h->interval_ms) < 0 ||
	    cfg_uint(ctx, g, "timeout_ms", 10, 60000, &h->timeout_ms) < 0 ||
	    cfg_uint(ctx, g, "rise", 1, 100, &h->rise) < 0 ||
	    cfg_uint(ctx, g, "fall", 1, 100, &h->fall) < 0 ||
	    cfg_uint(ctx, g, "failures", 0, 1000, &h->failures) < 0 ||
	    cfg_uint(ctx, g, "ejection_ms", 100, 3600000, &h->ejection_ms) < 0 ||
	    cfg_uint(ctx, g, "max_ejection_ms", 100, 86400000, &h->max_ejection_ms) < 0 ||
	    cfg_uint(ctx, g, "max_ejected_percent", 0, 100, &h->max_ejected_percent) < 0)
		return -1;
	if (strcmp(check, "none") == 0)
		h->check = MR_CHECK_NONE;
	else if (strcmp(check, "tcp") == 0)
		h->check = MR_CHECK_TCP;
	else if (strcmp(check, "tls") == 0)
		h->check = MR_CHECK_TLS;
	else
		return cfg_fail(ctx, member(g, "check"), "'check' is \"none\", \"tcp\" or \"tls\"");
	if (h->check == MR_CHECK_TLS && !h->sni[0])
		return cfg_fail(ctx, g, "a tls check needs 'sni', the name its ClientHello carries");
	/* Either of a pair may be the default: the error points at the one written. */
	if (h->timeout_ms >= h->interval_ms)
		return cfg_fail(ctx, pair_at(g, "timeout_ms", "interval_ms"),
				"'timeout_ms' (%u%s) must be below 'interval_ms' (%u%s)",
				h->timeout_ms, member(g, "timeout_ms") ? "" : ", the default",
				h->interval_ms, member(g, "interval_ms") ? "" : ", the default");
	if (h->max_ejection_ms < h->ejection_ms)
		return cfg_fail(ctx, pair_at(g, "max_ejection_ms", "ejection_ms"),
				"'max_ejection_ms' (%u%s) must not be below 'ejection_ms' (%u%s)",
				h->max_ejection_ms,
				member(g, "max_ejection_ms") ? "" : ", the default", h->ejection_ms,
				member(g, "ejection_ms") ? "" : ", the default");
	return 0;
}

/* A member listed twice in one pool (the same address and port, however spelt) would be
 * one backend under two entries: one health slot, its counters shown twice, its weight
 * doubled. -1 with the member named. */
static int cfg_members_distinct(struct cfg_ctx *ctx, const config_setting_t *list,
				const struct mr_pool_conf *p)
{
	struct bin { uint8_t a[16]; uint16_t port; uint8_t v6; } *b = calloc(p->n_members + 1,
									      sizeof(*b));
	int rc = 0;

	if (!b)
		return cfg_fail(ctx, list, "out of memory");
	for (unsigned int i = 0; i < p->n_members && rc == 0; i++) {
		const struct mr_member_conf *m = &p->members[i];

		if (inet_pton(AF_INET, m->address, b[i].a) != 1)
			b[i].v6 = inet_pton(AF_INET6, m->address, b[i].a) == 1;
		b[i].port = m->port;
		for (unsigned int k = 0; k < i && rc == 0; k++)
			if (memcmp(&b[k], &b[i], sizeof(b[i])) == 0)
				rc = cfg_fail(ctx, config_setting_get_elem(list, i), "pool '%s': "
					      "member %s port %u is listed twice", p->name,
					      m->address, m->port);
	}
	free(b);
	return rc;
}

static int cfg_pool(struct cfg_ctx *ctx, const config_setting_t *g, const struct mr_config *c,
		    struct mr_pool_conf *p)
{
	static const char *const keys[] = { "name", "members", "health", NULL };
	int rc;
	const config_setting_t *list;

	if (cfg_where(ctx, g, &p->at) < 0 || cfg_check_keys(ctx, g, keys) < 0 ||
	    cfg_name(ctx, g, p->name) < 0)
		return -1;
	list = cfg_list(ctx, g, "members", sizeof(*p->members), 4096, (void **)&p->members,
			&p->n_members, &rc);
	if (rc < 0)
		return -1;
	if (!list || p->n_members == 0)
		return cfg_fail(ctx, g, "pool '%s' needs 'members' ( { address; port; }, ... )",
				p->name);
	for (unsigned int i = 0; i < p->n_members; i++)
		if (cfg_member(ctx, config_setting_get_elem(list, i), c, &p->members[i]) < 0)
			return -1;
	if (cfg_members_distinct(ctx, list, p) < 0)
		return -1;
	return cfg_health(ctx, g, &p->health);
}

int cfg_pools(struct cfg_ctx *ctx, const config_setting_t *root, struct mr_config *c)
{
	int rc;
	const config_setting_t *list = cfg_list(ctx, root, "pools", sizeof(*c->pools), 1u << 20,
						(void **)&c->pools, &c->n_pools, &rc);

	for (unsigned int i = 0; list && i < c->n_pools; i++) {
		const config_setting_t *g = config_setting_get_elem(list, i);

		if (cfg_pool(ctx, g, c, &c->pools[i]) < 0)
			return -1;
		if (cfg_index_by_name(c->pools[i].name, c->pools, sizeof(*c->pools), i) >= 0)
			return cfg_fail(ctx, g, "pool '%s' is declared twice", c->pools[i].name);
	}
	return rc;
}
