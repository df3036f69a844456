/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mesh sections of the configuration: this gateway's identity, the TURN servers of the
 * other networks where it keeps allocations, the discovery store, and the remote gateways
 * (learned by meshrelay-cp from discovery, or written by hand). Parsed after the routing
 * sections, whose network names they refer to.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mr_config.h"
#include "mr_config_internal.h"
#include "mr_config_util.h"

static bool id_is_valid(const char *id)
{
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '_' || *p == '.'))
			return false;
	return id[0] != '\0';
}

/* "network = NAME" naming a declared network; remote says whether it must not be local. */
static int cfg_network_ref(struct cfg_ctx *ctx, const config_setting_t *g, const char *key,
			   const struct mr_config *c, bool remote, int *out)
{
	char name[MR_NAME_MAX] = "";

	if (cfg_string(ctx, g, key, true, name, sizeof(name)) < 0)
		return -1;
	*out = cfg_index_by_name(name, c->networks, sizeof(*c->networks), c->n_networks);
	if (*out < 0)
		return cfg_fail(ctx, member(g, key), "unknown network '%s'", name);
	if (remote && c->networks[*out].local)
		return cfg_fail(ctx, member(g, key), "network '%s' is this gateway's own", name);
	return 0;
}

static int local_network(const struct mr_config *c)
{
	for (unsigned int i = 0; i < c->n_networks; i++)
		if (c->networks[i].local)
			return (int)i;
	return -1;
}

static int cfg_gateway(struct cfg_ctx *ctx, const config_setting_t *root, struct mr_config *c)
{
	static const char *const keys[] = { "id", "network", NULL };
	struct mr_gateway_conf *gw = &c->gateway;
	const config_setting_t *g;

	gw->network = local_network(c);
	if (cfg_group(ctx, root, "gateway", keys, &g) < 0 ||
	    cfg_string(ctx, g, "id", g != NULL, gw->id, sizeof(gw->id)) < 0)
		return -1;
	if (g && !id_is_valid(gw->id))
		return cfg_fail(ctx, member(g, "id"),
				"gateway id '%s' may hold only a-z, 0-9, '-', '_' and '.'", gw->id);
	if (member(g, "network")) {
		if (cfg_network_ref(ctx, g, "network", c, false, &gw->network) < 0)
			return -1;
		if (!c->networks[gw->network].local)
			return cfg_fail(ctx, member(g, "network"),
					"the gateway's network must be the one marked local");
	}
	return 0;
}

/* "tcp"/"tls"/"udp" style keywords: index into words, or -1 after recording the error. */
static int cfg_keyword(struct cfg_ctx *ctx, const config_setting_t *g, const char *key,
		       const char *const words[], int dflt)
{
	char v[16] = "";

	if (cfg_string(ctx, g, key, false, v, sizeof(v)) < 0)
		return -1;
	if (!v[0])
		return dflt;
	for (int i = 0; words[i]; i++)
		if (strcmp(v, words[i]) == 0)
			return i;
	return cfg_fail(ctx, member(g, key), "'%s' must be %s or %s", key, words[0], words[1]);
}

static int cfg_turn_peers(struct cfg_ctx *ctx, const config_setting_t *g,
			  struct mr_turn_server_conf *s)
{
	const config_setting_t *list = member(g, "peers");
	int n = list ? config_setting_length(list) : 0;

	if (list && !config_setting_is_array(list))
		return cfg_fail(ctx, list, "'peers' is an array of address strings");
	if (n > MR_TURN_MAX_PEERS)
		return cfg_fail(ctx, list, "at most %d peers", MR_TURN_MAX_PEERS);
	for (int i = 0; i < n; i++) {
		const char *v = config_setting_get_string_elem(list, i);

		if (!v || strlen(v) >= sizeof(s->peers[0]) || !cfg_address_is_valid(v))
			return cfg_fail(ctx, list, "peer %d is not an IPv4 or IPv6 address", i);
		memcpy(s->peers[i], v, strlen(v) + 1);
	}
	s->n_peers = (unsigned int)n;
	return 0;
}

static int cfg_turn_server(struct cfg_ctx *ctx, const config_setting_t *g,
			   const struct mr_config *c, struct mr_turn_server_conf *s)
{
	static const char *const keys[] = { "name", "network", "address", "port", "transport",
					    "relay", "server_name", "ca_file", "peers", NULL };
	static const char *const transports[] = { "tcp", "tls", NULL };
	static const char *const relays[] = { "tcp", "udp", NULL };
	uint32_t port = 3478;
	int transport, relay;

	if (cfg_where(ctx, g, &s->at) < 0 || cfg_check_keys(ctx, g, keys) < 0 ||
	    cfg_name(ctx, g, s->name) < 0 ||
	    cfg_network_ref(ctx, g, "network", c, true, &s->network) < 0 ||
	    cfg_string(ctx, g, "address", true, s->address, sizeof(s->address)) < 0 ||
	    cfg_uint(ctx, g, "port", 1, 65535, &port) < 0 ||
	    (transport = cfg_keyword(ctx, g, "transport", transports, 0)) < 0 ||
	    (relay = cfg_keyword(ctx, g, "relay", relays, 0)) < 0 ||
	    cfg_string(ctx, g, "server_name", false, s->server_name, sizeof(s->server_name)) < 0 ||
	    cfg_string(ctx, g, "ca_file", false, s->ca_file, sizeof(s->ca_file)) < 0 ||
	    cfg_turn_peers(ctx, g, s) < 0)
		return -1;
	if (!cfg_address_is_valid(s->address))
		return cfg_fail(ctx, member(g, "address"), "'%s' is not an IPv4 or IPv6 address",
				s->address);
	s->port = (uint16_t)port;
	s->transport = transport == 1 ? MR_TURN_TLS : MR_TURN_TCP;
	s->relay_protocol = relay == 1 ? 17 : 6;
	if (s->transport == MR_TURN_TLS && !s->server_name[0])
		return cfg_fail(ctx, g, "TURN over TLS needs 'server_name' to verify");
	return 0;
}

static int cfg_turn(struct cfg_ctx *ctx, const config_setting_t *root, struct mr_config *c)
{
	static const char *const keys[] = { "credentials", "lifetime", "refresh", "servers",
					    NULL };
	struct mr_turn_conf *t = &c->turn;
	const config_setting_t *g, *list;
	int rc;

	t->lifetime_s = 600;
	if (cfg_group(ctx, root, "turn", keys, &g) < 0 ||
	    cfg_string(ctx, g, "credentials", false, t->credentials, sizeof(t->credentials)) < 0 ||
	    cfg_uint(ctx, g, "lifetime", 30, 3600, &t->lifetime_s) < 0 ||
	    cfg_uint(ctx, g, "refresh", 0, 3600, &t->refresh_s) < 0)
		return -1;
	list = cfg_list(ctx, g, "servers", sizeof(*t->servers), 256, (void **)&t->servers,
			&t->n_servers, &rc);
	for (unsigned int i = 0; list && i < t->n_servers; i++) {
		const config_setting_t *e = config_setting_get_elem(list, i);

		if (cfg_turn_server(ctx, e, c, &t->servers[i]) < 0)
			return -1;
		if (cfg_index_by_name(t->servers[i].name, t->servers, sizeof(*t->servers), i) >= 0)
			return cfg_fail(ctx, e, "TURN server '%s' is declared twice",
					t->servers[i].name);
	}
	if (rc == 0 && t->n_servers && !t->credentials[0])
		return cfg_fail(ctx, g, "TURN servers need 'credentials' (a file of "
				"\"SERVER USER PASSWORD\" lines)");
	if (rc == 0 && t->credentials[0] && t->credentials[0] != '/')
		return cfg_fail(ctx, member(g, "credentials"), "'credentials' must be an absolute path");
	return rc;
}

static int cfg_endpoint(struct cfg_ctx *ctx, const config_setting_t *s, char *out, size_t outlen)
{
	const char *v = config_setting_get_string(s);
	char host[64];
	unsigned int port;
	char tail;

	if (!v || strlen(v) >= outlen)
		return cfg_fail(ctx, s, "endpoints are \"http://ADDRESS:PORT\" strings");
	if (strncmp(v, "https://", 8) == 0)
		return cfg_fail(ctx, s, "'%s': only plain http endpoints are supported", v);
	if ((sscanf(v, "http://[%63[^]]]:%u%c", host, &port, &tail) != 2 &&
	     sscanf(v, "http://%63[^:/]:%u%c", host, &port, &tail) != 2) ||
	    !cfg_address_is_valid(host) || port < 1 || port > 65535)
		return cfg_fail(ctx, s, "'%s' is not http://ADDRESS:PORT (an address, not a name)",
				v);
	memcpy(out, v, strlen(v) + 1);
	return 0;
}

static int cfg_discovery(struct cfg_ctx *ctx, const config_setting_t *root, struct mr_config *c)
{
	static const char *const keys[] = { "endpoints", "prefix", "lease_ttl", "timeout_ms",
					    NULL };
	struct mr_discovery_conf *d = &c->discovery;
	const config_setting_t *g, *list;
	int n;

	snprintf(d->prefix, sizeof(d->prefix), "/meshrelay");
	d->lease_ttl_s = 10;
	d->timeout_ms = 2000;
	if (cfg_group(ctx, root, "discovery", keys, &g) < 0 || !g)
		return g ? -1 : 0;
	if (cfg_string(ctx, g, "prefix", false, d->prefix, sizeof(d->prefix)) < 0 ||
	    cfg_uint(ctx, g, "lease_ttl", 2, 3600, &d->lease_ttl_s) < 0 ||
	    cfg_uint(ctx, g, "timeout_ms", 100, 60000, &d->timeout_ms) < 0)
		return -1;
	if (d->prefix[0] != '/' || d->prefix[strlen(d->prefix) - 1] == '/')
		return cfg_fail(ctx, member(g, "prefix"), "'prefix' starts with '/' and does not "
				"end with one");
	/* A keepalive goes every third of the lease: one that may wait longer than that
	 * leaves no time for another before the lease expires. Unset, it is cut to fit. */
	if (!member(g, "timeout_ms") && d->timeout_ms * 3 > d->lease_ttl_s * 1000)
		d->timeout_ms = d->lease_ttl_s * 1000 / 3;
	if ((uint64_t)d->timeout_ms * 3 > (uint64_t)d->lease_ttl_s * 1000)
		return cfg_fail(ctx, member(g, "timeout_ms"),
				"'timeout_ms' (%u) is over a third of 'lease_ttl' (%u s): a "
				"keepalive waiting that long leaves no time for another before the "
				"lease expires", d->timeout_ms, d->lease_ttl_s);
	list = member(g, "endpoints");
	n = list ? config_setting_length(list) : 0;
	if (!list || !config_setting_is_array(list) || n < 1 || n > MR_DISCOVERY_MAX_ENDPOINTS)
		return cfg_fail(ctx, list ? list : g, "'endpoints' is an array of 1 to %d "
				"\"http://ADDRESS:PORT\" strings", MR_DISCOVERY_MAX_ENDPOINTS);
	for (int i = 0; i < n; i++)
		if (cfg_endpoint(ctx, config_setting_get_elem(list, (unsigned int)i),
				 d->endpoints[i], sizeof(d->endpoints[i])) < 0)
			return -1;
	d->n_endpoints = (unsigned int)n;
	return 0;
}

static int cfg_remote_gateway(struct cfg_ctx *ctx, const config_setting_t *g,
			      const struct mr_config *c, struct mr_remote_gateway_conf *r)
{
	static const char *const keys[] = { "id", "network", "address", "port", "client_header",
					    NULL };
	uint32_t port = 0;

	if (cfg_where(ctx, g, &r->at) < 0 || cfg_check_keys(ctx, g, keys) < 0 ||
	    cfg_string(ctx, g, "id", true, r->id, sizeof(r->id)) < 0 ||
	    cfg_network_ref(ctx, g, "network", c, true, &r->network) < 0 ||
	    cfg_string(ctx, g, "address", true, r->address, sizeof(r->address)) < 0 ||
	    cfg_bool(ctx, g, "client_header", &r->client_header) < 0)
		return -1;
	if (!id_is_valid(r->id))
		return cfg_fail(ctx, member(g, "id"), "gateway id '%s' is not valid", r->id);
	if (cfg_target_address(ctx, member(g, "address"), r->address) < 0)
		return -1;
	/* The data plane connects to other gateways over IPv4 only: an IPv6 one would be
	 * taken here and never routed to. */
	if (strchr(r->address, ':'))
		return cfg_fail(ctx, member(g, "address"), "'%s': other gateways are reached "
				"over IPv4 only", r->address);
	if (!member(g, "port"))
		return cfg_fail(ctx, g, "missing required setting 'port'");
	if (cfg_uint(ctx, g, "port", 1, 65535, &port) < 0)
		return -1;
	r->port = (uint16_t)port;
	return 0;
}

/* A gateway's place in a sort by network, address and port (the file's index last). */
struct gw_key {
	int network;
	uint32_t addr;
	uint16_t port;
	unsigned int index;
};

static int gw_key_cmp(const void *a, const void *b)
{
	const struct gw_key *x = a, *y = b;

	if (x->network != y->network)
		return x->network < y->network ? -1 : 1;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* One gateway of a network listed twice (the same address and port, however spelt, under
 * two ids) would be one peer under two entries: its share of clients doubled, its
 * counters shown twice. Sorted, not compared pairwise: the list may hold 65,536. -1 with
 * the later one named. */
static int cfg_gateways_distinct(struct cfg_ctx *ctx, const config_setting_t *list,
				 const struct mr_config *c)
{
	struct gw_key *k = calloc(c->n_remote_gateways + 1, sizeof(*k));
	int rc = 0;

	if (!k)
		return cfg_fail(ctx, list, "out of memory");
	for (unsigned int i = 0; i < c->n_remote_gateways; i++) {
		const struct mr_remote_gateway_conf *g = &c->remote_gateways[i];

		k[i].network = g->network;
		inet_pton(AF_INET, g->address, &k[i].addr); /* the schema took it as IPv4 */
		k[i].port = g->port;
		k[i].index = i;
	}
	qsort(k, c->n_remote_gateways, sizeof(*k), gw_key_cmp);
	for (unsigned int i = 1; i < c->n_remote_gateways && rc == 0; i++)
		if (k[i - 1].network == k[i].network && k[i - 1].addr == k[i].addr &&
		    k[i - 1].port == k[i].port)
			rc = cfg_fail(ctx, config_setting_get_elem(list, k[i].index),
				      "gateway '%s' has the address and port of gateway '%s'",
				      c->remote_gateways[k[i].index].id,
				      c->remote_gateways[k[i - 1].index].id);
	free(k);
	return rc;
}

static int cfg_remote_gateways(struct cfg_ctx *ctx, const config_setting_t *root,
			       struct mr_config *c)
{
	int rc;
	const config_setting_t *list = cfg_list(ctx, root, "gateways", sizeof(*c->remote_gateways),
						65536, (void **)&c->remote_gateways,
						&c->n_remote_gateways, &rc);

	c->learned_lists |= list != NULL;
	for (unsigned int i = 0; list && i < c->n_remote_gateways; i++)
		if (cfg_remote_gateway(ctx, config_setting_get_elem(list, i), c,
				       &c->remote_gateways[i]) < 0)
			return -1;
	if (list && rc == 0 && cfg_gateways_distinct(ctx, list, c) < 0)
		return -1;
	return rc;
}

int cfg_mesh(struct cfg_ctx *ctx, const config_setting_t *root, struct mr_config *c)
{
	if (cfg_gateway(ctx, root, c) < 0 || cfg_turn(ctx, root, c) < 0 ||
	    cfg_discovery(ctx, root, c) < 0 || cfg_remote_gateways(ctx, root, c) < 0)
		return -1;
	if ((c->turn.n_servers || c->discovery.n_endpoints) &&
	    (!c->gateway.id[0] || c->gateway.network < 0))
		return cfg_fail(ctx, root, "TURN and discovery need a 'gateway' { id } and a "
				"network marked local");
	return 0;
}
