/* SPDX-License-Identifier: BSD-3-Clause */
/* The dns section: where the data plane answers DNS, for which zones, and what it does
 * with the other names. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "mr_config_internal.h"
#include "vip_alloc.h"

/* A zone name: lower case letters, digits, '-' and dots, no leading, trailing or double
 * dot, 253 bytes at most. */
static bool zone_name_ok(const char *z)
{
	size_t len = strlen(z);

	if (len == 0 || len > 253 || z[0] == '.' || z[len - 1] == '.' || strstr(z, ".."))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((z[i] >= 'a' && z[i] <= 'z') || (z[i] >= '0' && z[i] <= '9') || z[i] == '-' ||
		      z[i] == '.'))
			return false;
	return true;
}

static int cfg_zones(struct cfg_ctx *ctx, const config_setting_t *g, struct mr_dns_conf *d)
{
	const config_setting_t *zones = member(g, "zones");

	if (!zones)
		return 0;
	if (!config_setting_is_array(zones) && !config_setting_is_list(zones))
		return cfg_fail(ctx, zones, "'zones' is an array of names [ \"mesh.test\", ... ]");
	if (config_setting_length(zones) > MR_DNS_MAX_ZONES)
		return cfg_fail(ctx, zones, "'zones' holds at most %d names", MR_DNS_MAX_ZONES);
	for (int i = 0; i < config_setting_length(zones); i++) {
		const char *z = config_setting_get_string_elem(zones, i);

		if (!z || !zone_name_ok(z))
			return cfg_fail(ctx, zones, "zone %d is not a lower-case domain name", i + 1);
		snprintf(d->zones[d->n_zones++], sizeof(d->zones[0]), "%s", z);
	}
	return 0;
}

/* "vip_range": the plain TCP services' addresses, "A.B.C.D/LEN" (8..30). */
static int cfg_vip_range(struct cfg_ctx *ctx, const config_setting_t *g, struct mr_dns_conf *d)
{
	char text[24] = "", addr[20];
	struct vip_range r;
	struct in_addr a;
	unsigned int len;
	char tail;

	if (cfg_string(ctx, g, "vip_range", false, text, sizeof(text)) < 0)
		return -1;
	if (!text[0])
		return 0;
	if (sscanf(text, "%19[0-9.]/%u%c", addr, &len, &tail) != 2 ||
	    inet_pton(AF_INET, addr, &a) != 1 || len > 32)
		return cfg_fail(ctx, member(g, "vip_range"), "'vip_range' is \"A.B.C.D/LEN\"");
	r = (struct vip_range){ ntohl(a.s_addr), (uint8_t)len };
	if (!vip_range_valid(&r))
		return cfg_fail(ctx, member(g, "vip_range"), "'vip_range' needs a prefix of 8 to 30 "
				"bits and no address bits past it (as 240.240.0.0/16)");
	d->vip_base = r.base;
	d->vip_prefix_len = r.prefix_len;
	return cfg_where(ctx, member(g, "vip_range"), &d->vip_at);
}

/* Whether the file routes TLS names, which dns answers with its port's own address. */
static bool dns_answers_tls(const struct mr_config *c)
{
	if (c->n_mangled)
		return true;
	for (unsigned int i = 0; i < c->n_routes; i++)
		if (c->routes[i].sni && !c->routes[i].plain)
			return true;
	return false;
}

static bool port_listens(const struct mr_config *c, unsigned int port)
{
	for (unsigned int i = 0; i < c->n_listeners; i++)
		if (c->listeners[i].port_index == port)
			return true;
	return false;
}

int cfg_dns(struct cfg_ctx *ctx, const config_setting_t *root, struct mr_config *c)
{
	static const char *const keys[] = { "port", "zones", "ttl", "outside", "rate", "vip_range",
					    NULL };
	struct mr_dns_conf *d = &c->dns;
	const config_setting_t *g;
	char port[MR_NAME_MAX] = "", outside[8] = "host";
	int idx;

	*d = (struct mr_dns_conf){ .port_index = -1, .ttl = 30, .rate = 100 };
	if (cfg_group(ctx, root, "dns", keys, &g) < 0)
		return -1;
	if (!g)
		return 0;
	if (cfg_string(ctx, g, "port", true, port, sizeof(port)) < 0 ||
	    cfg_string(ctx, g, "outside", false, outside, sizeof(outside)) < 0 ||
	    cfg_uint(ctx, g, "ttl", 0, 86400, &d->ttl) < 0 ||
	    cfg_uint(ctx, g, "rate", 1, 1000000, &d->rate) < 0 || cfg_zones(ctx, g, d) < 0 ||
	    cfg_vip_range(ctx, g, d) < 0)
		return -1;
	idx = mr_config_port_index(c, port);
	if (idx < 0)
		return cfg_fail(ctx, member(g, "port"), "dns names unknown port '%s'", port);
	if (strcmp(outside, "host") != 0 && strcmp(outside, "refuse") != 0)
		return cfg_fail(ctx, member(g, "outside"), "'outside' is \"host\" or \"refuse\"");
	d->port_index = idx;
	d->outside_refused = outside[0] == 'r';
	/* Without the port's exception path the host never sees the query: the client
	 * would wait out its timeouts where a REFUSED sends it to its next server. */
	if (!d->outside_refused && !c->ports[idx].exception.enabled)
		return cfg_fail(ctx, member(g, "outside") ? member(g, "outside") : g,
				"names outside the zones go to the host (outside = \"host\"), but "
				"port '%s' has no exception path: set outside = \"refuse\"",
				port);
	if (dns_answers_tls(c) && !port_listens(c, (unsigned int)idx))
		return cfg_fail(ctx, member(g, "port"), "dns answers the TLS names with port '%s''s "
				"address, but no listener is on it: add one, or put dns on the "
				"listeners' port", port);
	/* The port answers ARP for the whole range: none of it may be on a port's link,
	 * where real hosts are (a range inside the link as much as one around it). */
	for (unsigned int i = 0; d->vip_prefix_len && i < c->n_ports; i++)
		if (c->ports[i].ipv4 && cfg_ipv4_overlap(d->vip_base, d->vip_prefix_len,
							 c->ports[i].ipv4, c->ports[i].prefix_len))
			return cfg_fail(ctx, member(g, "vip_range"), "'vip_range' overlaps port '%s' "
					"and its link", c->ports[i].name);
	return 0;
}

void mr_config_port_vips(const struct mr_config *conf, unsigned int i, uint32_t *base,
			 uint32_t *mask)
{
	bool owns = conf->dns.port_index == (int)i && conf->dns.vip_prefix_len;

	*mask = cfg_prefix_mask(owns ? conf->dns.vip_prefix_len : 0);
	*base = owns ? conf->dns.vip_base : 0;
}
