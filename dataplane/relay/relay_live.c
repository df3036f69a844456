/* SPDX-License-Identifier: BSD-3-Clause */
#include "relay_live.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_byteorder.h>
#include <rte_hash_crc.h>
#include <rte_rcu_qsbr.h>

#include "dp.h"
#include "mr_clock.h"
#include "mr_log.h"
#include "mr_routes.h"
#include "route_hash.h"
#include "sni_name.h"

static int ports_match(const struct dp_appliance *app, const struct mr_config *conf,
		       char *err, size_t errlen)
{
	if (conf->n_ports != app->n_ports) {
		snprintf(err, errlen, "%s: %u port(s) where the data plane runs %u: ports change "
			 "only with a restart", conf->source, conf->n_ports, app->n_ports);
		return -1;
	}
	for (unsigned int i = 0; i < conf->n_ports; i++) {
		uint32_t base, mask;

		mr_config_port_vips(conf, i, &base, &mask);
		if (mask != app->ports[i].vip_mask || base != app->ports[i].vip_base) {
			char where[MR_WHERE_MAX];

			/* The ports answer ARP for the range they started with. A push without
			 * the range (or the dns section) has no line to name. */
			if (conf->dns.vip_at.line)
				snprintf(err, errlen, "%s: dns.vip_range (or dns.port) changes "
					 "only with a restart", mr_config_where(conf,
					 conf->dns.vip_at, where, sizeof(where)));
			else
				snprintf(err, errlen, "%s: dns.vip_range (or dns.port) changes only "
					 "with a restart: the data plane runs with one on port '%s'",
					 conf->source, app->ports[i].conf->name);
			return -1;
		}
		if (strcmp(conf->ports[i].name, app->ports[i].conf->name) != 0) {
			snprintf(err, errlen, "%s: port %u is '%s' where the data plane runs '%s': "
				 "ports change only with a restart", conf->source, i,
				 conf->ports[i].name, app->ports[i].conf->name);
			return -1;
		}
		/* Taken once at start (the neighbour cache, ARP, the kernel's route): a
		 * push that said "applied" over a new gateway would keep the old one. */
		if (memcmp(&conf->ports[i], app->ports[i].conf, sizeof(conf->ports[i])) != 0) {
			snprintf(err, errlen, "%s: port '%s': its device, addresses, gateways, MTU, "
				 "queues or exception path change only with a restart", conf->source,
				 conf->ports[i].name);
			return -1;
		}
	}
	return 0;
}

/* The file checked its listeners against its own relay.source_ports, which a push puts in
 * force only at the next start: against the ports the data plane runs with, a listener
 * inside them would be taken for the relay's own connections. */
static int listeners_clear(const struct dp_appliance *app, const struct mr_config *conf,
			   char *err, size_t errlen)
{
	for (unsigned int i = 0; i < conf->n_listeners; i++) {
		const struct mr_listener_conf *l = &conf->listeners[i];

		if (l->tcp_port >= app->src_port_first && l->tcp_port <= app->src_port_last) {
			snprintf(err, errlen, "%s: listener '%s': tcp_port %u is inside the source "
				 "ports the data plane runs with (%u-%u; relay.source_ports changes "
				 "only with a restart)", conf->source, l->name, l->tcp_port,
				 app->src_port_first, app->src_port_last);
			return -1;
		}
	}
	return 0;
}

/* The IPv4 gateways of each network as addresses, grouped by network. 0 or -1. */
static int gateways_compile(struct relay_live *live, const struct mr_config *conf)
{
	const unsigned int n_net = conf->n_networks;
	uint32_t *next;

	live->gateways_of = calloc(n_net + 1, sizeof(*live->gateways_of));
	live->gateways = calloc(conf->n_remote_gateways + 1, sizeof(*live->gateways));
	next = calloc(n_net + 1, sizeof(*next));
	if (!live->gateways_of || !live->gateways || !next) {
		free(next);
		return -1;
	}
	for (unsigned int i = 0; i < conf->n_remote_gateways; i++) {
		const struct mr_remote_gateway_conf *g = &conf->remote_gateways[i];

		if (g->network >= 0 && (unsigned int)g->network < n_net && !strchr(g->address, ':'))
			live->gateways_of[g->network + 1]++;
	}
	for (unsigned int n = 0; n < n_net; n++) {
		live->gateways_of[n + 1] += live->gateways_of[n];
		next[n] = live->gateways_of[n];
	}
	for (unsigned int i = 0; i < conf->n_remote_gateways; i++) {
		const struct mr_remote_gateway_conf *g = &conf->remote_gateways[i];
		struct relay_gateway *to;

		if (g->network < 0 || (unsigned int)g->network >= n_net || strchr(g->address, ':'))
			continue;
		to = &live->gateways[next[g->network]++];
		to->network = (uint16_t)g->network;
		live->n_gateways++;
		to->port = htons(g->port);
		to->client_header = g->client_header;
		/* The schema checked the address; a gateway that still does not parse is
		 * never picked (0.0.0.0 is refused below), as before. */
		if (inet_pton(AF_INET, g->address, &to->addr) != 1)
			to->addr = 0;
	}
	free(next);
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add name to live's parents (not sorted yet). -1 when out of memory. */
static int parent_add(struct relay_live *live, uint32_t *cap, const char *name)
{
	if (live->n_parents == *cap) {
		uint32_t more = *cap ? 2 * *cap : 64;
		char **grown = realloc(live->parents, more * sizeof(*grown));

		if (!grown)
			return -1;
		live->parents = grown;
		*cap = more;
	}
	live->parents[live->n_parents] = strdup(name);
	if (!live->parents[live->n_parents])
		return -1;
	/* Compared with the question's name, lower-cased: a suffix written in capitals too. */
	for (char *c = live->parents[live->n_parents]; *c; c++)
		*c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
	live->n_parents++;
	return 0;
}

/* live->parents from conf's routes: a plain service's name without its ":port", a
 * wildcard's suffix and its parents, an exact name's parents; a mangled-name suffix and
 * its parents (the names under it are routed by their form); sorted, each once. */
static int parents_build(struct relay_live *live, const struct mr_config *conf)
{
	uint32_t cap = 0, kept = 0;

	for (unsigned int i = 0; i < conf->n_mangled; i++) {
		const char *at = conf->mangled[i].suffix;

		do {
			if (parent_add(live, &cap, at) < 0)
				return -1;
			at = strchr(at, '.');
		} while (at && *++at);
	}

	for (unsigned int i = 0; i < conf->n_routes; i++) {
		char name[SNI_NAME_MAX + 8], *at, *port; /* a plain service's: name:port */

		if (!conf->routes[i].sni)
			continue; /* the default route */
		snprintf(name, sizeof(name), "%s", conf->routes[i].sni);
		port = strchr(name, ':');
		if (port)
			*port = '\0';
		/* A wildcard's suffix is a parent, an exact name's parents start past its first
		 * label. */
		at = strncmp(name, "*.", 2) == 0 ? name + 1 : strchr(name, '.');
		while (at && *++at) {
			if (parent_add(live, &cap, at) < 0)
				return -1;
			at = strchr(at, '.');
		}
	}
	if (!live->n_parents)
		return 0;
	qsort(live->parents, live->n_parents, sizeof(*live->parents), name_cmp);
	for (uint32_t i = 0; i < live->n_parents; i++) {
		if (kept && strcmp(live->parents[kept - 1], live->parents[i]) == 0)
			free(live->parents[i]);
		else
			live->parents[kept++] = live->parents[i];
	}
	live->n_parents = kept;
	return 0;
}

static int ip_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorts a[0..n) and keeps each value once; how many are kept. */
static uint32_t sort_unique(uint32_t *a, uint32_t n)
{
	uint32_t kept = 0;

	if (n)
		qsort(a, n, sizeof(*a), ip_cmp);
	for (uint32_t i = 0; i < n; i++)
		if (!kept || a[kept - 1] != a[i])
			a[kept++] = a[i];
	return kept;
}

/* live->gateway_ips from live->gateways: sorted, each once. */
static int gateway_ips_build(struct relay_live *live)
{
	if (!live->n_gateways)
		return 0;
	live->gateway_ips = malloc(live->n_gateways * sizeof(*live->gateway_ips));
	if (!live->gateway_ips)
		return -1;
	for (uint32_t i = 0; i < live->n_gateways; i++)
		live->gateway_ips[i] = rte_be_to_cpu_32(live->gateways[i].addr);
	live->n_gateway_ips = sort_unique(live->gateway_ips, live->n_gateways);
	return 0;
}

/* live->vips from its routes' services, and live->vips_new: those prev (the
 * configuration in force, NULL at start) does not have. */
static int vips_build(struct relay_live *live, const struct relay_live *prev)
{
	uint32_t n = route_table_service_count(live->routes), kept = 0;

	if (!n)
		return 0;
	live->vips = malloc(n * sizeof(*live->vips));
	live->vips_new = malloc(n * sizeof(*live->vips_new));
	if (!live->vips || !live->vips_new)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t vip = route_table_service_vip_at(live->routes, i);

		if (vip)
			live->vips[kept++] = vip;
	}
	live->n_vips = sort_unique(live->vips, kept);
	for (uint32_t i = 0; i < live->n_vips; i++)
		if (!prev || !prev->n_vips ||
		    !bsearch(&live->vips[i], prev->vips, prev->n_vips, sizeof(uint32_t), ip_cmp))
			live->vips_new[live->n_vips_new++] = live->vips[i];
	return 0;
}

bool relay_live_is_gateway(const struct relay_live *live, uint32_t ip)
{
	uint32_t host = rte_be_to_cpu_32(ip);

	return live->n_gateway_ips &&
	       bsearch(&host, live->gateway_ips, live->n_gateway_ips, sizeof(host), ip_cmp);
}

bool relay_live_is_parent(const struct relay_live *live, const char *name)
{
	return live->n_parents &&
	       bsearch(&name, live->parents, live->n_parents, sizeof(*live->parents), name_cmp);
}

int relay_live_build(const struct dp_appliance *app, struct mr_config *conf, uint32_t generation,
		  struct relay_live **out, char *err, size_t errlen)
{
	const struct relay_live *prev;
	struct relay_live *live;
	uint32_t *held = NULL;
	int rc;

	if (app && (ports_match(app, conf, err, errlen) < 0 ||
		    listeners_clear(app, conf, err, errlen) < 0))
		return -1;
	live = calloc(1, sizeof(*live));
	prev = app && app->live ? relay_live_get(app) : NULL;
	if (!live || vip_hold_build(prev, conf, mr_clock_ms(), &live->held, &live->n_held) < 0 ||
	    !(held = vip_hold_addresses(live->held, live->n_held))) {
		snprintf(err, errlen, "%s: out of memory", conf->source);
		relay_live_free(live);
		return -1;
	}
	for (uint32_t i = 0; i < MR_MAX_LISTENERS; i++)
		live->listener_counter[i] = i; /* by position until health_bind_live */
	/* The services in force keep their VIPs (a null app: a table of its own), and those
	 * that left keep theirs from new names for a while. */
	rc = mr_routes_build_holding(conf, prev ? prev->routes : NULL, held, live->n_held,
				     &live->routes, err, errlen);
	free(held);
	if (rc < 0) {
		relay_live_free(live);
		return -1;
	}
	if (gateways_compile(live, conf) < 0 || gateway_ips_build(live) < 0 ||
	    vips_build(live, app ? relay_live_get(app) : NULL) < 0 ||
	    parents_build(live, conf) < 0) {
		snprintf(err, errlen, "%s: out of memory", conf->source);
		relay_live_free(live); /* its conf still the caller's: zeroed, nothing freed */
		return -1;
	}
	for (unsigned int i = 0; i < conf->n_listeners; i++) {
		const struct mr_listener_conf *l = &conf->listeners[i];

		live->listen[l->port_index][l->tcp_port >> 6] |= 1ull << (l->tcp_port & 63);
	}
	if (conf->dns.port_index >= 0) /* DNS over TCP: a connection like any other */
		live->listen[conf->dns.port_index][53 >> 6] |= 1ull << (53 & 63);
	live->generation = generation;
	live->serial = (uint32_t)time(NULL);
	live->conf = *conf;
	memset(conf, 0, sizeof(*conf)); /* the arrays now belong to live->conf */
	*out = live;
	return 0;
}

/* A gateway's draw for a client: its order in the client's rendezvous ranking. A mixer
 * with full avalanche, as for pool members: a CRC of the two is linear (a per-client
 * value XOR a per-gateway constant), which shared clients out unevenly (with three
 * gateways one got half) and sent a failed gateway's clients all to one other. */
static uint64_t gateway_score(const struct relay_gateway *g, uint64_t client_key)
{
	uint64_t id = (uint64_t)g->addr << 16 | g->port;

	return route_hash_mix(client_key ^ route_hash_mix(id));
}

uint32_t relay_live_gateway_pick(const struct relay_live *live, uint32_t network,
				 uint64_t client_key, const struct relay_gateway_pick *pick)
{
	uint32_t first, n, best = UINT32_MAX, any = UINT32_MAX;
	uint64_t best_score = 0, any_score = 0, below = UINT64_MAX;

	if (network >= live->conf.n_networks)
		return UINT32_MAX;
	first = live->gateways_of[network];
	n = live->gateways_of[network + 1] - first;
	for (uint32_t i = first; pick->tried_slot != UINT32_MAX && i < first + n; i++)
		if (relay_live_gateway_slot(live, i) == pick->tried_slot)
			below = gateway_score(&live->gateways[i], client_key);
	for (uint32_t i = first; i < first + n; i++) {
		uint64_t score = gateway_score(&live->gateways[i], client_key);

		if (score >= below)
			continue;
		if (any == UINT32_MAX || score > any_score) {
			any = i;
			any_score = score;
		}
		if ((!pick->usable || pick->usable(pick->ctx, relay_live_gateway_slot(live, i))) &&
		    (best == UINT32_MAX || score > best_score)) {
			best = i;
			best_score = score;
		}
	}
	return best != UINT32_MAX ? best : any;
}

void relay_live_free(struct relay_live *live)
{
	if (!live)
		return;
	free(live->member_slot);
	free(live->pool_counter);
	free(live->gateway_slot);
	route_table_free(live->routes);
	mr_config_free(&live->conf);
	free(live->gateways);
	free(live->gateways_of);
	free(live->gateway_ips);
	free(live->vips);
	free(live->vips_new);
	for (uint32_t i = 0; i < live->n_parents; i++)
		free(live->parents[i]);
	free(live->parents);
	vip_hold_free(live->held, live->n_held);
	free(live);
}

void relay_live_swap(struct dp_appliance *app, struct relay_live *live)
{
	struct relay_live *old = (struct relay_live *)(uintptr_t)app->live;

	live->swaps = old ? old->swaps + 1 : 0;
	if (old && (int32_t)(live->serial - old->serial) <= 0) /* two in one second */
		live->serial = old->serial + 1;
	__atomic_store_n(&app->live, live, __ATOMIC_RELEASE);
	/* Every worker passes a quiescent state once per poll loop: after this returns none
	 * can still hold a pointer into the old tables. */
	if (app->qsbr)
		rte_rcu_qsbr_synchronize(app->qsbr, RTE_QSBR_THRID_INVALID);
	/* ... and the readers outside the workers: one that began before the store may
	 * hold the old pointer until it ends. */
	rte_rwlock_write_lock(&app->live_readers);
	rte_rwlock_write_unlock(&app->live_readers);
	relay_live_free(old);
}

void relay_live_read_begin(const struct dp_appliance *app)
{
	rte_rwlock_read_lock((rte_rwlock_t *)(uintptr_t)&app->live_readers);
}

void relay_live_read_end(const struct dp_appliance *app)
{
	rte_rwlock_read_unlock((rte_rwlock_t *)(uintptr_t)&app->live_readers);
}
