/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Schema validation for the appliance configuration. Every check names the file and
 * line of the setting at fault, and a refused file leaves the caller's config untouched
 * (results are built in a scratch copy and only copied out once all of it is valid).
 */
#include "mr_config.h"
#include "mr_config_internal.h"
#include "mr_routes.h"
#include "mr_log.h"
#include "mr_textfile.h"

#include <arpa/inet.h>
#include <libconfig.h>
#include <limits.h>
#include <stdarg.h>
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

static bool in6_same_prefix(const struct in6_addr *a, const struct in6_addr *b,
			    unsigned int len)
{
	unsigned int bytes = len / 8, bits = len % 8;

	if (memcmp(a->s6_addr, b->s6_addr, bytes) != 0)
		return false;
	return bits == 0 ||
	       ((a->s6_addr[bytes] ^ b->s6_addr[bytes]) & (0xff00 >> bits) & 0xff) == 0;
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
	    !in6_same_prefix(&next_hop, &addr, p->prefix6_len))
		return cfg_fail(ctx, gw, "'gateway6' is outside the port's prefix and not link-local");
	if (IN6_ARE_ADDR_EQUAL(&next_hop, &addr))
		return cfg_fail(ctx, gw, "'gateway6' is the port's own address");
	p->has_gateway6 = true;
	memcpy(p->gateway6, next_hop.s6_addr, sizeof(p->gateway6));
	return 0;
}

static uint32_t prefix_mask(uint8_t len)
{
	return len == 0 ? 0 : ~0u << (32 - len);
}

/* One of source_addresses: a strict dotted quad on the port's link that no one else on
 * the port's configuration holds. */
static int cfg_source_address(struct cfg_ctx *ctx, const config_setting_t *e,
			      struct mr_port_conf *p, unsigned int i)
{
	const char *text = config_setting_get_string(e);
	uint32_t mask = prefix_mask(p->prefix_len), a;
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
	mask = prefix_mask(p->prefix_len);
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

/* Whether port p has address a (host order): its own or a source address. */
static bool port_has_ipv4(const struct mr_port_conf *p, uint32_t a)
{
	if (a == p->ipv4)
		return true;
	for (unsigned int i = 0; i < p->n_source_ipv4; i++)
		if (p->source_ipv4[i] == a)
			return true;
	return false;
}

/* Whether ports p and q hold an IPv4 address in common. */
static bool ports_share_ipv4(const struct mr_port_conf *p, const struct mr_port_conf *q)
{
	if (port_has_ipv4(p, q->ipv4))
		return true;
	for (unsigned int i = 0; i < q->n_source_ipv4; i++)
		if (port_has_ipv4(p, q->source_ipv4[i]))
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
	uint8_t v4_len = p->prefix_len < q->prefix_len ? p->prefix_len : q->prefix_len;
	unsigned int v6_len = p->prefix6_len < q->prefix6_len ? p->prefix6_len : q->prefix6_len;
	struct in6_addr a6, b6;

	memcpy(a6.s6_addr, p->ipv6, 16);
	memcpy(b6.s6_addr, q->ipv6, 16);
	if (strcmp(q->name, p->name) == 0)
		return cfg_fail(ctx, g, "port name '%s' is used twice", p->name);
	if (strcmp(q->device, p->device) == 0)
		return cfg_fail(ctx, g, "device '%s' is used by two ports", p->device);
	if (ports_share_ipv4(q, p))
		return cfg_fail(ctx, g, "two ports have the same ipv4 address "
				"(their own or a source address)");
	if (p->has_ipv6 && q->has_ipv6 && memcmp(q->ipv6, p->ipv6, 16) == 0)
		return cfg_fail(ctx, g, "two ports have the same ipv6 address");
	if (((p->ipv4 ^ q->ipv4) & prefix_mask(v4_len)) == 0)
		return cfg_fail(ctx, member(g, "ipv4"), "port '%s''s ipv4 subnet overlaps port "
				"'%s''s: the relay could not tell which link an address in both "
				"is on", p->name, q->name);
	if (p->has_ipv6 && q->has_ipv6 &&
	    in6_same_prefix(&a6, &b6, v6_len))
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

static int cfg_ports(struct cfg_ctx *ctx, const config_setting_t *root, struct mr_config *c)
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
		for (int j = 0; j < i; j++)
			if (cfg_ports_apart(ctx, g, p, &c->ports[j]) < 0)
				return -1;
		c->n_ports = (unsigned int)i + 1;
	}
	return 0;
}

static int cfg_listener(struct cfg_ctx *ctx, const config_setting_t *g, struct mr_config *c,
			struct mr_listener_conf *l)
{
	static const char *const keys[] = { "name", "port", "tcp_port", NULL };
	char port_name[MR_NAME_MAX];
	uint32_t tcp_port = 0;
	int idx;

	if (!config_setting_is_group(g))
		return cfg_fail(ctx, g, "each listener must be a group { ... }");
	if (cfg_check_keys(ctx, g, keys) < 0 || cfg_name(ctx, g, l->name) < 0 ||
	    cfg_string(ctx, g, "port", true, port_name, sizeof(port_name)) < 0)
		return -1;
	if (!member(g, "tcp_port"))
		return cfg_fail(ctx, g, "missing required setting 'tcp_port'");
	if (cfg_uint(ctx, g, "tcp_port", 1, 65535, &tcp_port) < 0)
		return -1;
	idx = mr_config_port_index(c, port_name);
	if (idx < 0)
		return cfg_fail(ctx, member(g, "port"),
				"listener '%s' names unknown port '%s'", l->name, port_name);
	l->port_index = (uint16_t)idx;
	l->tcp_port = (uint16_t)tcp_port;
	return 0;
}

static int cfg_listeners(struct cfg_ctx *ctx, const config_setting_t *root, struct mr_config *c)
{
	const config_setting_t *list = member(root, "listeners");
	int n;

	if (!list)
		return 0;
	if (!config_setting_is_list(list))
		return cfg_fail(ctx, list, "'listeners' must be a list ( {...}, ... )");
	n = config_setting_length(list);
	if (n > MR_MAX_LISTENERS)
		return cfg_fail(ctx, list, "at most %d listeners", MR_MAX_LISTENERS);
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned int)i);
		struct mr_listener_conf *l = &c->listeners[i];

		if (cfg_listener(ctx, g, c, l) < 0)
			return -1;
		for (int j = 0; j < i; j++) {
			if (strcmp(c->listeners[j].name, l->name) == 0)
				return cfg_fail(ctx, g, "listener name '%s' is used twice", l->name);
			if (c->listeners[j].port_index == l->port_index &&
			    c->listeners[j].tcp_port == l->tcp_port)
				return cfg_fail(ctx, g, "two listeners on the same port and tcp_port");
		}
		c->n_listeners = (unsigned int)i + 1;
	}
	return 0;
}

/* What the listeners' ports may not share, once the relay and DNS sections are read: the
 * relay's source ports (segments to those are taken for its own connections' and go to
 * one worker by port, so every connection of such a listener would land on one worker,
 * which may also open its own from that port), the host's ephemeral ports on a port with
 * an exception path (an answer to the host's own connection from such a port would be
 * taken by the listener and dropped), and the DNS port's TCP 53 (answered as DNS). */
static int cfg_listener_ports(struct cfg_ctx *ctx, const config_setting_t *root,
			      const struct mr_config *c)
{
	const config_setting_t *list = member(root, "listeners");
	unsigned int host_lo, host_hi;

	mr_config_host_ports(c->relay.src_port_first, c->relay.src_port_last, &host_lo,
			     &host_hi);
	for (unsigned int i = 0; i < c->n_listeners; i++) {
		const struct mr_listener_conf *l = &c->listeners[i];
		const config_setting_t *at = member(config_setting_get_elem(list, i), "tcp_port");

		if (c->ports[l->port_index].exception.enabled && l->tcp_port >= host_lo &&
		    l->tcp_port <= host_hi)
			return cfg_fail(ctx, at,
					"listener '%s': tcp_port %u is inside the host's ephemeral "
					"ports (%u-%u, beside relay.source_ports), which the host's "
					"own connections through port '%s' use: move relay."
					"source_ports or the listener", l->name, l->tcp_port,
					host_lo, host_hi, c->ports[l->port_index].name);

		if (l->tcp_port >= c->relay.src_port_first && l->tcp_port <= c->relay.src_port_last)
			return cfg_fail(ctx, at,
					"listener '%s': tcp_port %u is inside relay.source_ports "
					"(%u-%u), the ports the relay opens its own connections "
					"from: move one or the other",
					l->name, l->tcp_port, c->relay.src_port_first,
					c->relay.src_port_last);
		if (l->tcp_port == 53 && c->dns.port_index == (int)l->port_index)
			return cfg_fail(ctx, at,
					"listener '%s': TCP 53 of the DNS port is answered as DNS",
					l->name);
	}
	return 0;
}

static int cfg_log(struct cfg_ctx *ctx, const config_setting_t *root, struct mr_log_conf *l)
{
	static const char *const keys[] = { "level", "syslog", "connections", "connections_ring",
					    "refused_rate", NULL };
	const config_setting_t *g;
	char level[16] = "info";

	l->connections_ring = 8192;
	l->refused_rate = 100;
	if (cfg_group(ctx, root, "log", keys, &g) < 0 ||
	    cfg_string(ctx, g, "level", false, level, sizeof(level)) < 0 ||
	    cfg_bool(ctx, g, "syslog", &l->use_syslog) < 0 ||
	    cfg_string(ctx, g, "connections", false, l->connections, sizeof(l->connections)) < 0 ||
	    cfg_uint(ctx, g, "connections_ring", 64, 1u << 20, &l->connections_ring) < 0 ||
	    cfg_uint(ctx, g, "refused_rate", 0, 1000000, &l->refused_rate) < 0)
		return -1;
	if (l->connections_ring & (l->connections_ring - 1))
		return cfg_fail(ctx, member(g, "connections_ring"), "'connections_ring' is a power of 2");
	if (l->connections[0] && l->connections[0] != '/' && strcmp(l->connections, "syslog") != 0 &&
	    strncmp(l->connections, "syslog:/", 8) != 0)
		return cfg_fail(ctx, member(g, "connections"), "'connections' is an absolute file name, "
				"\"syslog\" (/dev/log) or \"syslog:/PATH\" (a syslog socket)");
	l->level = mr_log_level_parse(level);
	if (l->level < 0)
		return cfg_fail(ctx, member(g, "level"),
				"'level' must be err, warn, notice, info or debug");
	return 0;
}

/* Every route must build: the classifier's own checks (names, prefixes) run here too. */
static int cfg_routes_build(struct cfg_ctx *ctx, const struct mr_config *c)
{
	struct route_table *t;

	if (mr_routes_build(c, NULL, &t, ctx->err, ctx->errlen) < 0)
		return -1;
	route_table_free(t);
	return 0;
}

/* "ADDRESS:PORT" or "[V6]:PORT" of key in g into addr and port; 0, or -1 (reason kept). */
static int cfg_listen(struct cfg_ctx *ctx, const config_setting_t *g, const char *key,
		      char *addr, uint16_t *port)
{
	char listen[64] = "";
	unsigned int p;
	unsigned char probe[16];
	char tail;

	if (cfg_string(ctx, g, key, false, listen, sizeof(listen)) < 0)
		return -1;
	if ((sscanf(listen, "[%47[0-9a-fA-F:.]]:%u%c", addr, &p, &tail) != 2 ||
	     inet_pton(AF_INET6, addr, probe) != 1) &&
	    (sscanf(listen, "%47[0-9.]:%u%c", addr, &p, &tail) != 2 ||
	     inet_pton(AF_INET, addr, probe) != 1))
		return cfg_fail(ctx, member(g, key), "'%s' is \"ADDRESS:PORT\" or \"[V6]:PORT\"", key);
	if (p == 0 || p > 65535)
		return cfg_fail(ctx, member(g, key), "'%s' needs a port 1..65535", key);
	*port = (uint16_t)p;
	return 0;
}

/* Whether two listen addresses (literals cfg_listen took) on one port would take the
 * same socket: in one family, the same address or either one every address (0.0.0.0,
 * ::); across the two, :: (dual-stack, Linux's default, takes IPv4 too). */
static bool listen_overlap(const char *a, const char *b)
{
	unsigned char x[16] = { 0 }, y[16] = { 0 };
	static const unsigned char any[16];
	bool v6a = strchr(a, ':') != NULL, v6b = strchr(b, ':') != NULL;
	bool any_a, any_b;

	inet_pton(v6a ? AF_INET6 : AF_INET, a, x);
	inet_pton(v6b ? AF_INET6 : AF_INET, b, y);
	any_a = memcmp(x, any, sizeof(any)) == 0;
	any_b = memcmp(y, any, sizeof(any)) == 0;
	if (v6a != v6b)
		return (v6a && any_a) || (v6b && any_b);
	return any_a || any_b || memcmp(x, y, sizeof(x)) == 0;
}

/* metrics = { listen = "ADDRESS:PORT"; cp_listen = "ADDRESS:PORT"; } */
static int cfg_metrics(struct cfg_ctx *ctx, const config_setting_t *root, struct mr_metrics_conf *m)
{
	static const char *const keys[] = { "listen", "cp_listen", NULL };
	const config_setting_t *g;

	if (cfg_group(ctx, root, "metrics", keys, &g) < 0)
		return -1;
	if (!g)
		return 0;
	m->enabled = member(g, "listen") != NULL;
	m->cp_enabled = member(g, "cp_listen") != NULL;
	if ((m->enabled && cfg_listen(ctx, g, "listen", m->address, &m->port) < 0) ||
	    (m->cp_enabled && cfg_listen(ctx, g, "cp_listen", m->cp_address, &m->cp_port) < 0))
		return -1;
	/* The data plane binds first; meshrelay-cp would then fail to start, again and
	 * again under its service's restarts. */
	if (m->enabled && m->cp_enabled && m->port == m->cp_port &&
	    listen_overlap(m->address, m->cp_address))
		return cfg_fail(ctx, member(g, "cp_listen"), "'cp_listen' takes the socket of "
				"'listen' (port %u): the two processes cannot both listen there",
				m->port);
	return 0;
}

static int cfg_validate(struct cfg_ctx *ctx, config_t *cfg, struct mr_config *c)
{
	static const char *const keys[] = { "dataplane", "ports", "listeners", "log", "relay",
					    "networks", "pools", "routes", "mangled", "gateway",
					    "turn", "discovery", "gateways", "dns", "imported",
					    "metrics", NULL };
	const config_setting_t *root = config_root_setting(cfg);

	if (cfg_check_keys(ctx, root, keys) < 0 || cfg_dataplane(ctx, root, &c->dataplane) < 0 ||
	    cfg_ports(ctx, root, c) < 0 || cfg_listeners(ctx, root, c) < 0 ||
	    cfg_log(ctx, root, &c->log) < 0 || cfg_metrics(ctx, root, &c->metrics) < 0 ||
	    cfg_relay(ctx, root, &c->relay) < 0 ||
	    cfg_routing(ctx, root, c) < 0 || cfg_mesh(ctx, root, c) < 0 ||
	    cfg_dns(ctx, root, c) < 0 || cfg_listener_ports(ctx, root, c) < 0 ||
	    cfg_routes_build(ctx, c) < 0)
		return -1;
	return 0;
}

static int cfg_finish(config_t *cfg, int parsed, const char *source, struct mr_config *out,
		      char *err, size_t errlen)
{
	struct cfg_ctx ctx = { .source = source, .err = err, .errlen = errlen };
	struct mr_config *scratch;
	int rc = -1;

	if (!parsed) {
		const char *file = config_error_file(cfg);

		snprintf(err, errlen, "%s:%d: %s", file ? file : source, config_error_line(cfg),
			 config_error_text(cfg));
		return -1;
	}
	scratch = calloc(1, sizeof(*scratch));
	if (!scratch) {
		snprintf(err, errlen, "%s: out of memory", source);
		return -1;
	}
	snprintf(scratch->source, sizeof(scratch->source), "%s", source);
	if (cfg_validate(&ctx, cfg, scratch) == 0) {
		mr_config_free(out);
		*out = *scratch;
		rc = 0;
	} else {
		mr_config_free(scratch);
	}
	free(scratch);
	return rc;
}

static int cfg_scan_includes(const char *text, const char *name, bool relative_only,
			     unsigned int depth, char *err, size_t errlen);

int mr_config_load_file(const char *path, struct mr_config *out, char *err, size_t errlen)
{
	config_t cfg;
	char *text;
	uint32_t len;
	int rc;

	/* libconfig 1.5 reads a relative @include from the working directory (/ under a
	 * service manager), and with an include directory set, prefixes absolute ones too:
	 * a relative one is refused, naming its line. */
	if (mr_textfile_read(path, 1u << 26, &text, &len, err, errlen) < 0)
		return -1;
	rc = cfg_scan_includes(text, path, true, 0, err, errlen);
	free(text);
	if (rc < 0)
		return -1;
	config_init(&cfg);
	rc = cfg_finish(&cfg, config_read_file(&cfg, path), path, out, err, errlen);
	config_destroy(&cfg);
	return rc;
}

int mr_config_control_socket(const char *path, char *out, size_t len, char *err,
			     size_t errlen)
{
	const char *sock = MR_CONTROL_SOCKET;
	config_t cfg;
	int rc = -1;

	config_init(&cfg);
	if (config_read_file(&cfg, path) != CONFIG_TRUE) {
		snprintf(err, errlen, "%s:%d: %s", config_error_file(&cfg) ? config_error_file(&cfg)
			 : path, config_error_line(&cfg), config_error_text(&cfg));
	} else if (config_lookup_string(&cfg, "dataplane.control_socket", &sock) !=
			   CONFIG_TRUE && config_lookup(&cfg, "dataplane.control_socket")) {
		snprintf(err, errlen, "%s: dataplane.control_socket is not a string", path);
	} else if (sock[0] != '/') {
		snprintf(err, errlen, "%s: dataplane.control_socket must be an absolute path", path);
	} else {
		snprintf(out, len, "%s", sock);
		rc = 0;
	}
	config_destroy(&cfg);
	return rc;
}

/* The file an absolute @include names (path, up to its closing quote) scanned as its
 * includer is: libconfig reads a relative @include inside it from the working directory
 * too. Depth as libconfig's own bound (10); a file it cannot read is left to libconfig,
 * which says so. */
static int cfg_scan_included(const char *path, unsigned int depth, char *err, size_t errlen)
{
	char file[PATH_MAX], why[MR_ERR_MAX];
	size_t len = strcspn(path, "\"\n");
	uint32_t text_len;
	char *text;
	int rc;

	if (len >= sizeof(file) || depth >= 10)
		return 0;
	snprintf(file, sizeof(file), "%.*s", (int)len, path);
	if (mr_textfile_read(file, 1u << 26, &text, &text_len, why, sizeof(why)) < 0)
		return 0;
	rc = cfg_scan_includes(text, file, true, depth + 1, err, errlen);
	free(text);
	return rc;
}

/* The @include lines of text (name in messages): all refused, or (relative_only) those
 * naming a relative path, in the files included too. Text in memory is a pushed file (or
 * one meshrelay-cp or meshrelayctl is about to push): whoever may push must not have the
 * data plane read files as its user. libconfig takes "@include" where a line starts with
 * it after blanks, wherever the text came from, and 1.5 (Debian 12's) has no hook to
 * refuse it (config_set_include_func came with 1.7): any line that starts so is refused
 * here, also inside a comment or a string, where libconfig would not act on it. */
static int cfg_scan_includes(const char *text, const char *name, bool relative_only,
			     unsigned int depth, char *err, size_t errlen)
{
	const char *p = text;

	for (unsigned int line = 1; p; line++) {
		p += strspn(p, " \t");
		if (strncmp(p, "@include", strlen("@include")) == 0) {
			size_t at = strlen("@include");

			while (p[at] == ' ' || p[at] == '\t' || p[at] == '"')
				at++;
			if (!relative_only) {
				snprintf(err, errlen, "%s:%u: @include is not allowed in a pushed "
					 "configuration: write what it includes into the file",
					 name, line);
				return -1;
			}
			if (p[at] != '/') {
				snprintf(err, errlen, "%s:%u: @include of a relative path: it would "
					 "be read from the working directory, give the absolute one",
					 name, line);
				return -1;
			}
			if (cfg_scan_included(p + at, depth, err, errlen) < 0)
				return -1;
		}
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return 0;
}

int mr_config_load_string(const char *text, const char *name, struct mr_config *out,
			  char *err, size_t errlen)
{
	config_t cfg;
	int rc;

	if (cfg_scan_includes(text, name, false, 0, err, errlen) < 0)
		return -1;
	config_init(&cfg);
	rc = cfg_finish(&cfg, config_read_string(&cfg, text), name, out, err, errlen);
	config_destroy(&cfg);
	return rc;
}
