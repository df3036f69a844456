/* SPDX-License-Identifier: BSD-3-Clause */
/* What the other gateways discovery knows become in this one's configuration: routes to
 * their relays, and the names their networks export as imported routes. Reads the known
 * set only (cp_discovery.c keeps it). */
#include <stdlib.h>
#include <string.h>

#include "cp_discovery.h"
#include "mr_log.h"
#include "mr_routes.h"

/* By network, relayed address and port, then id: one relay registered under two ids (a
 * gateway back under a new id while its old lease lives) comes out once, as the first. */
static int route_cmp(const void *a, const void *b)
{
	const struct mr_remote_gateway_conf *x = a, *y = b;
	int c = x->network - y->network;

	if (!c)
		c = strcmp(x->address, y->address);
	if (!c)
		c = (int)x->port - (int)y->port;
	return c ? c : strcmp(x->id, y->id);
}

static bool same_relay(const struct mr_remote_gateway_conf *x,
		       const struct mr_remote_gateway_conf *y)
{
	return x->network == y->network && x->port == y->port &&
	       strcmp(x->address, y->address) == 0;
}

unsigned int cp_discovery_routes(const struct cp_discovery *d, const struct mr_config *conf,
				 struct mr_remote_gateway_conf *out, unsigned int max)
{
	static unsigned int skipped; /* IPv6 relays left out: warned of once, then quieter */
	unsigned int n = 0, kept = 0;

	memset(out, 0, max * sizeof(*out)); /* compared whole by the caller: no stray bytes */
	for (unsigned int i = 0; i < d->n_gateways; i++) {
		const struct disc_gateway *g = &d->gateways[i];
		int net = -1;

		for (unsigned int k = 0; k < conf->n_networks; k++)
			if (strcmp(conf->networks[k].name, g->network) == 0 && !conf->networks[k].local)
				net = (int)k;
		if (net < 0)
			continue; /* a network this gateway has no business with */
		for (unsigned int r = 0; r < g->n_relays && n < max; r++) {
			const struct disc_relay *rl = &g->relays[r];

			if (!rl->tcp || strcmp(rl->network, d->own.network) != 0)
				continue;
			if (strchr(rl->address, ':')) { /* the schema would refuse all of them */
				mr_log(skipped++ ? MR_LOG_DEBUG : MR_LOG_WARN, "discovery: gateway %s's "
				       "relay %s is IPv6: not routed (other gateways are reached over "
				       "IPv4 only)", g->id, rl->address);
				continue;
			}
			snprintf(out[n].id, sizeof(out[n].id), "%s", g->id);
			out[n].network = net;
			snprintf(out[n].address, sizeof(out[n].address), "%s", rl->address);
			out[n].port = rl->port;
			n++;
		}
	}
	qsort(out, n, sizeof(*out), route_cmp);
	for (unsigned int i = 0; i < n; i++) /* the schema refuses a relay listed twice */
		if (!kept || !same_relay(&out[kept - 1], &out[i]))
			out[kept++] = out[i];
	memset(out + kept, 0, (n - kept) * sizeof(*out));
	return kept;
}

/* Whether conf routes the service's name itself (a route of the file, not an import;
 * a plain TCP service's ":PORT" aside). */
static bool routed_by_file(const struct mr_config *conf, const char *service)
{
	return mr_routes_file_names(conf, service, strcspn(service, ":"));
}

static int gateway_id_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct disc_gateway *const *)a)->id,
		      (*(const struct disc_gateway *const *)b)->id);
}

/* name taken already by an earlier network into out[0..n): its index, or -1. */
static int imported_at(const struct mr_route_conf *out, unsigned int n, const char *name)
{
	for (unsigned int i = 0; i < n; i++)
		if (strcmp(out[i].sni, name) == 0)
			return (int)i;
	return -1;
}

unsigned int cp_discovery_imports(const struct cp_discovery *d, const struct mr_config *conf,
				  struct mr_route_conf *out, unsigned int max)
{
	const struct disc_gateway **gws = calloc(d->n_gateways + 1, sizeof(*gws));
	unsigned int n = 0;

	if (!gws)
		return 0;
	memset(out, 0, max * sizeof(*out));
	for (unsigned int k = 0; k < conf->n_networks; k++) {
		unsigned int m = 0;

		if (conf->networks[k].local)
			continue;
		for (unsigned int i = 0; i < d->n_gateways; i++)
			if (strcmp(d->gateways[i].network, conf->networks[k].name) == 0)
				gws[m++] = &d->gateways[i];
		qsort(gws, m, sizeof(*gws), gateway_id_cmp);
		for (unsigned int i = 0; i < m; i++) {
			const char *name = gws[i]->services;

			for (unsigned int s = 0; s < gws[i]->n_services; s++, name += strlen(name) + 1) {
				int at = imported_at(out, n, name);

				if (routed_by_file(conf, name) || (at >= 0 && out[at].network == (int)k))
					continue;
				if (at >= 0) {
					mr_log(MR_LOG_INFO, "discovery: %s is exported by networks %s and "
					       "%s: routed to %s", name, conf->networks[out[at].network].name,
					       conf->networks[k].name, conf->networks[out[at].network].name);
					continue;
				}
				if (n == max || !(out[n].sni = strdup(name)))
					continue;
				out[n].pool = -1;
				out[n].network = (int)k;
				out[n++].imported = true;
			}
		}
	}
	free(gws);
	return n;
}
