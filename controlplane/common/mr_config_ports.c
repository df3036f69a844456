/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The 'ports' section: each data port's device, addresses (IPv4 with its source
 * addresses, optional IPv6), gateway, sizes and exception path, and what two ports may
 * not share (names, devices, addresses, overlapping subnets, a gateway, a second default
 * route).
 */
#include "mr_config.h"
#include "mr_config_internal.h"
#include "ip_addr.h"

#include <arpa/inet.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Split "ADDRESS/PREFIX" in place, or refuse a prefix where none belongs. The length
 * must be plain digits: strtol alone would take "+24" or " 24". */
static int cfg_split_prefix(struct cfg_ctx *ctx, const config_setting_t *s, const char *key,
			    char *text, bool with_prefix, long max_len, const char *example,
			    uint8_t *prefix_len)
{
	char *slash = strchr(text, '/');
	char *end;
	long len;

	if (!with_prefix) {
		if (slash)
			return cfg_fail(ctx, s, "'%s' takes an address without a prefix", key);
		return 0;
	}
	if (!slash)
		return cfg_fail(ctx, s, "'%s' must be ADDRESS/PREFIX, e.g. %s", key, example);
	*slash = '\0';
	len = strtol(slash + 1, &end, 10);
	if (slash[1] < '0' || slash[1] > '9' || *end != '\0' || len < 1 || len > max_len)
		return cfg_fail(ctx, s, "'%s': prefix length must be 1 to %ld", key, max_len);
	*prefix_len = (uint8_t)len;
	return 0;
}

/* Strict dotted quad (inet_pton refuses leading zeros and short forms). */
static int cfg_ipv4(struct cfg_ctx *ctx, const config_setting_t *group, const char *key,
		    bool with_prefix, uint32_t *addr, uint8_t *prefix_len)
{
	const config_setting_t *s = member(group, key);
	char text[64];
	struct in_addr in;

	if (cfg_string(ctx, group, key, with_prefix, text, sizeof(text)) < 0)
		return -1;
	if (!s)
		return 0;
	if (cfg_split_prefix(ctx, s, key, text, with_prefix, 32, "192.0.2.10/24", prefix_len) < 0)
		return -1;
	if (inet_pton(AF_INET, text, &in) != 1)
		return cfg_fail(ctx, s, "'%s': '%s' is not an IPv4 address", key, text);
	*addr = ntohl(in.s_addr);
	return 0;
}

/* Optional: an absent key leaves *addr untouched. Parsed into a struct in6_addr so the
 * IN6_IS_ADDR_* tests read an aligned object. */
static int cfg_ipv6(struct cfg_ctx *ctx, const config_setting_t *group, const char *key,
		    bool with_prefix, struct in6_addr *addr, uint8_t *prefix_len)
{
	const config_setting_t *s = member(group, key);
	char text[64];

	if (cfg_string(ctx, group, key, false, text, sizeof(text)) < 0)
		return -1;
	if (!s)
		return 0;
	if (cfg_split_prefix(ctx, s, key, text, with_prefix, 128, "2001:db8::10/64",
			     prefix_len) < 0)
		return -1;
	if (inet_pton(AF_INET6, text, addr) != 1)
		return cfg_fail(ctx, s, "'%s': '%s' is not an IPv6 address", key, text);
	return 0;
}

/* Addresses that never name an interface on the wire, whatever the prefix; a short
 * prefix alone would not keep them out of a gateway6. */
static const char *ipv6_not_on_link(const struct in6_addr *a)
{
	if (IN6_IS_ADDR_V4MAPPED(a))
		return "an IPv4-mapped address";
	if (IN6_IS_ADDR_UNSPECIFIED(a))
		return "the unspecified address";
	if (IN6_IS_ADDR_LOOPBACK(a))
		return "the loopback address";
	if (IN6_IS_ADDR_MULTICAST(a))
		return "a multicast address";
	return NULL;
}

static int cfg_port_ipv6(struct cfg_ctx *ctx, const config_setting_t *g, struct mr_port_conf *p)
{
	const config_setting_t *s6 = member(g, "ipv6"), *gw = member(g, "gateway6");
	struct in6_addr addr = IN6ADDR_ANY_INIT, next_hop = IN6ADDR_ANY_INIT;
	const char *why;

	if (cfg_ipv6(ctx, g, "ipv6", true, &addr, &p->prefix6_len) < 0 ||
	    cfg_ipv6(ctx, g, "gateway6", false, &next_hop, NULL) < 0)
		return -1;
	if (s6) {
		why = ipv6_not_on_link(&addr);
		/* Link-local is left to the kernel side behind the exception path, which
		 * derives it from the MAC; the port's own address must route off the link. */
		if (!why && IN6_IS_ADDR_LINKLOCAL(&addr))
			why = "a link-local address";
		if (why)
			return cfg_fail(ctx, s6, "'ipv6' is %s; a port needs a routable one", why);
		p->has_ipv6 = true;
		memcpy(p->ipv6, addr.s6_addr, sizeof(p->ipv6));
	}
	if (!gw)
		return 0;
	if (!s6)
		return cfg_fail(ctx, gw, "'gateway6' needs 'ipv6' on the same port");
	why = ipv6_not_on_link(&next_hop);
	if (why)
		return cfg_fail(ctx, gw, "'gateway6' is %s; a next hop is a unicast address", why);
	/* Routers advertise themselves from their link-local address, so that is a next hop
	 * on any port. */
	if (!IN6_IS_ADDR_LINKLOCAL(&next_hop) &&
	    !ip_bytes_in_prefix(next_hop.s6_addr, addr.s6_addr, p->prefix6_len))
		return cfg_fail(ctx, gw, "'gateway6' is outside the port's prefix and not link-local");
	if (IN6_ARE_ADDR_EQUAL(&next_hop, &addr))
		return cfg_fail(ctx, gw, "'gateway6' is the port's own address");
	p->has_gateway6 = true;
	memcpy(p->gateway6, next_hop.s6_addr, sizeof(p->gateway6));
	return 0;
}

/* One of source_addresses: a strict dotted quad on the port's link that no one else on
 * the port's configuration holds. */
static int cfg_source_address(struct cfg_ctx *ctx, const config_setting_t *e,
			      struct mr_port_conf *p, unsigned int i)
{
	const char *text = config_setting_get_string(e);
	uint32_t mask = cfg_prefix_mask(p->prefix_len), a;
	struct in_addr in;

	if (!text)
		return cfg_fail(ctx, e, "'source_addresses' holds IPv4 addresses as strings, "
				"e.g. [ \"192.0.2.11\" ]");
	if (inet_pton(AF_INET, text, &in) != 1)
		return cfg_fail(ctx, e, "'source_addresses': '%s' is not an IPv4 address", text);
	a = ntohl(in.s_addr);
	if (((a ^ p->ipv4) & mask) != 0)
		return cfg_fail(ctx, e, "source address %s is outside the port's prefix (the "
				"relay answers ARP for it on the port's link)", text);
	if (p->prefix_len < 31 && ((a & ~mask) == 0 || (a & ~mask) == ~mask))
		return cfg_fail(ctx, e, "source address %s is the network or broadcast address "
				"of the port's prefix", text);
	if (a == p->ipv4 || a == p->gateway)
		return cfg_fail(ctx, e, "source address %s is the port's %s", text,
				a == p->ipv4 ? "own address, used already" : "gateway");
	for (unsigned int j = 0; j < i; j++)
		if (p->source_ipv4[j] == a)
			return cfg_fail(ctx, e, "source address %s is listed twice", text);
	p->source_ipv4[i] = a;
	return 0;
}

static int cfg_source_addresses(struct cfg_ctx *ctx, const config_setting_t *g,
				struct mr_port_conf *p)
{
	const config_setting_t *list = member(g, "source_addresses");
	int n;

	if (!list)
		return 0;
	n = config_setting_is_array(list) || config_setting_is_list(list) ?
		    config_setting_length(list) : -1;
	if (n < 1 || n > MR_SOURCE_ADDRS_MAX)
		return cfg_fail(ctx, list, "'source_addresses' is a list of 1 to %d IPv4 "
				"addresses, e.g. [ \"192.0.2.11\", \"192.0.2.12\" ]",
				MR_SOURCE_ADDRS_MAX);
	for (int i = 0; i < n; i++)
		if (cfg_source_address(ctx, config_setting_get_elem(list, (unsigned int)i), p,
				       (unsigned int)i) < 0)
			return -1;
	p->n_source_ipv4 = (uint8_t)n;
	return 0;
}

static int cfg_port_addresses(struct cfg_ctx *ctx, const config_setting_t *g,
			      struct mr_port_conf *p)
{
	uint32_t mask;

	if (cfg_ipv4(ctx, g, "ipv4", true, &p->ipv4, &p->prefix_len) < 0 ||
	    cfg_ipv4(ctx, g, "gateway", false, &p->gateway, NULL) < 0)
		return -1;
	mask = cfg_prefix_mask(p->prefix_len);
	if (p->prefix_len < 31 && ((p->ipv4 & ~mask) == 0 || (p->ipv4 & ~mask) == ~mask))
		return cfg_fail(ctx, member(g, "ipv4"),
				"'ipv4' is the network or broadcast address of its prefix");
	if (p->gateway && ((p->gateway ^ p->ipv4) & mask) != 0)
		return cfg_fail(ctx, member(g, "gateway"),
				"'gateway' is outside the port's prefix");
	if (p->gateway == p->ipv4)
		return cfg_fail(ctx, member(g, "gateway"),
				"'gateway' is the port's own address");
	if (cfg_source_addresses(ctx, g, p) < 0)
		return -1;
	return cfg_port_ipv6(ctx, g, p);
}

static int cfg_exception(struct cfg_ctx *ctx, const config_setting_t *port,
			 struct mr_port_conf *p)
{
	static const char *const keys[] = { "enabled", "device", "iface", "rate", NULL };
	struct mr_exception_conf *e = &p->exception;
	const config_setting_t *g;

	e->enabled = true;
	e->rate = 20000;
	snprintf(e->iface, sizeof(e->iface), "%.*s", (int)sizeof(e->iface) - 1, p->name);
	if (cfg_group(ctx, port, "exception", keys, &g) < 0 || cfg_bool(ctx, g, "enabled", &e->enabled) < 0 ||
	    cfg_string(ctx, g, "iface", false, e->iface, sizeof(e->iface)) < 0 ||
	    cfg_string(ctx, g, "device", false, e->device, sizeof(e->device)) < 0 ||
	    cfg_uint(ctx, g, "rate", 10, 10000000, &e->rate) < 0)
		return -1;
	if (e->device[0] == '\0') {
		snprintf(e->device, sizeof(e->device), "net_tap_%s,iface=%s", p->name, e->iface);
	} else if (!member(g, "iface")) {
		/* The kernel interface is set up by name: the device's own, not the port's. */
		const char *at = strstr(e->device, ",iface=");
		size_t len = at ? strcspn(at + 7, ",") : 0;

		if (!e->enabled)
			return 0;
		if (!len || len >= sizeof(e->iface))
			return cfg_fail(ctx, member(g, "device"), "exception 'device' without "
					"'iface': give 'iface', the kernel interface it makes");
		snprintf(e->iface, sizeof(e->iface), "%.*s", (int)len, at + 7);
	}
	return 0;
}

static int cfg_port(struct cfg_ctx *ctx, const config_setting_t *g, struct mr_port_conf *p)
{
	static const char *const keys[] = { "name", "device", "ipv4", "source_addresses",
					    "gateway", "ipv6", "gateway6", "mtu", "queues",
					    "rx_desc", "tx_desc", "exception", NULL };

	if (!config_setting_is_group(g))
		return cfg_fail(ctx, g, "each port must be a group { ... }");
	p->mtu = 1500;
	p->queues = 1;
	p->rx_desc = 1024;
	p->tx_desc = 1024;
	if (cfg_check_keys(ctx, g, keys) < 0 || cfg_name(ctx, g, p->name) < 0 ||
	    cfg_string(ctx, g, "device", true, p->device, sizeof(p->device)) < 0 ||
	    cfg_port_addresses(ctx, g, p) < 0 ||
	    cfg_u16(ctx, g, "mtu", 576, 9198, &p->mtu) < 0 ||
	    cfg_u16(ctx, g, "queues", 1, 64, &p->queues) < 0 ||
	    cfg_u16(ctx, g, "rx_desc", 64, 16384, &p->rx_desc) < 0 ||
	    cfg_u16(ctx, g, "tx_desc", 64, 16384, &p->tx_desc) < 0)
		return -1;
	return cfg_exception(ctx, g, p);
}

/* Whether ports p and q hold an IPv4 address in common. */
static bool ports_share_ipv4(const struct mr_port_conf *p, const struct mr_port_conf *q)
{
	if (cfg_port_has_ipv4(p, q->ipv4))
		return true;
	for (unsigned int i = 0; i < q->n_source_ipv4; i++)
		if (cfg_port_has_ipv4(p, q->source_ipv4[i]))
			return true;
	return false;
}

/* What port p (its group g) may not share with an earlier port q. Neighbours are known
 * by address alone, not by port, and the next hop of an address is the first port whose
 * subnet holds it: two subnets that overlap, or one next hop on two links (fe80::1 is a
 * usual router address), would take one link's neighbour for the other's. The relay has
 * one default route per family, the first port's gateway: a second one would be kept
 * resolved and given to the kernel, yet never carry the relay's own connections. */
static int cfg_ports_apart(struct cfg_ctx *ctx, const config_setting_t *g,
			   const struct mr_port_conf *p, const struct mr_port_conf *q)
{
	unsigned int v6_len = p->prefix6_len < q->prefix6_len ? p->prefix6_len : q->prefix6_len;

	if (strcmp(q->name, p->name) == 0)
		return cfg_fail(ctx, g, "port name '%s' is used twice", p->name);
	if (strcmp(q->device, p->device) == 0)
		return cfg_fail(ctx, g, "device '%s' is used by two ports", p->device);
	if (ports_share_ipv4(q, p))
		return cfg_fail(ctx, g, "two ports have the same ipv4 address "
				"(their own or a source address)");
	if (p->has_ipv6 && q->has_ipv6 && memcmp(q->ipv6, p->ipv6, 16) == 0)
		return cfg_fail(ctx, g, "two ports have the same ipv6 address");
	if (cfg_ipv4_overlap(p->ipv4, p->prefix_len, q->ipv4, q->prefix_len))
		return cfg_fail(ctx, member(g, "ipv4"), "port '%s''s ipv4 subnet overlaps port "
				"'%s''s: the relay could not tell which link an address in both "
				"is on", p->name, q->name);
	if (p->has_ipv6 && q->has_ipv6 && ip_bytes_in_prefix(p->ipv6, q->ipv6, v6_len))
		return cfg_fail(ctx, member(g, "ipv6"), "port '%s''s ipv6 subnet overlaps port "
				"'%s''s: the relay could not tell which link an address in both "
				"is on", p->name, q->name);
	if ((p->gateway && q->gateway == p->gateway) ||
	    (p->has_gateway6 && q->has_gateway6 && memcmp(q->gateway6, p->gateway6, 16) == 0))
		return cfg_fail(ctx, g, "port '%s' has the gateway of port '%s': one next hop "
				"on two links cannot be told apart", p->name, q->name);
	if ((p->gateway && q->gateway) || (p->has_gateway6 && q->has_gateway6))
		return cfg_fail(ctx, member(g, p->gateway && q->gateway ? "gateway" : "gateway6"),
				"port '%s' has a gateway beside port '%s''s: the relay has one "
				"default route per family, give it to one port", p->name, q->name);
	if (p->exception.enabled && q->exception.enabled &&
	    strcmp(q->exception.iface, p->exception.iface) == 0)
		return cfg_fail(ctx, g, "exception iface '%s' is used twice", p->exception.iface);
	return 0;
}

int cfg_ports(struct cfg_ctx *ctx, const config_setting_t *root, struct mr_config *c)
{
	const config_setting_t *list = member(root, "ports");
	int n;

	if (!list)
		return cfg_fail(ctx, root, "missing required setting 'ports'");
	if (!config_setting_is_list(list))
		return cfg_fail(ctx, list, "'ports' must be a list ( {...}, ... )");
	n = config_setting_length(list);
	if (n < 1 || n > MR_MAX_PORTS)
		return cfg_fail(ctx, list, "'ports' must hold 1 to %d ports", MR_MAX_PORTS);
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned int)i);
		struct mr_port_conf *p = &c->ports[i];

		if (cfg_port(ctx, g, p) < 0)
			return -1;
		/* A worker flushes its transmit buffer a burst at a time: a ring smaller than
		 * that loses the flush's tail at once, and counts the port congested. */
		if (p->tx_desc < c->dataplane.burst)
			return cfg_fail(ctx, member(g, "tx_desc"), "port '%s': tx_desc %u is less "
					"than dataplane.burst %u: each flush would overrun the ring",
					p->name, p->tx_desc, c->dataplane.burst);
		for (int j = 0; j < i; j++)
			if (cfg_ports_apart(ctx, g, p, &c->ports[j]) < 0)
				return -1;
		c->n_ports = (unsigned int)i + 1;
	}
	return 0;
}
