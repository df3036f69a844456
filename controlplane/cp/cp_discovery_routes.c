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
			/* Pushed with the key only to a data plane that takes it (an older
			 * one running under a newer meshrelay-cp would refuse the push). */
			out[n].client_header = g->client_header && d->own.client_header;
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

/* An exported name as discovery offers it: its network (index in the file) and its
 * place in the file's order of networks, then gateway ids, then the record's order. */
struct offer {
	const char *name;
	int network;
	uint32_t seq;
};

static int offer_by_name(const void *a, const void *b)
{
	const struct offer *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

static int offer_by_seq(const void *a, const void *b)
{
	const struct offer *x = a, *y = b;

	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Whether the file routes the offered name itself (a plain TCP service's ":PORT" aside). */
static bool routed_by_file(const char *const *names, unsigned int n, const char *offered)
{
	return mr_routes_names_hold(names, n, offered, strcspn(offered, ":"));
}

static int gateway_id_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct disc_gateway *const *)a)->id,
		      (*(const struct disc_gateway *const *)b)->id);
}

/* Every name the remote networks' gateways offer, in the order that decides between two
 * networks offering one: the file's networks, then gateway ids. How many (0 and *out
 * NULL when out of memory). */
static size_t collect_offers(const struct cp_discovery *d, const struct mr_config *conf,
			     struct offer **out)
{
	const struct disc_gateway **gws = calloc(d->n_gateways + 1, sizeof(*gws));
	size_t total = 0, n = 0;
	struct offer *v;

	for (unsigned int i = 0; i < d->n_gateways; i++)
		total += d->gateways[i].n_services;
	v = calloc(total + 1, sizeof(*v));
	*out = gws ? v : NULL;
	if (!gws || !v) {
		free(gws);
		free(v);
		return 0;
	}
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

			for (unsigned int s = 0; s < gws[i]->n_services; s++, name += strlen(name) + 1)
				v[n] = (struct offer){ name, (int)k, (uint32_t)n }, n++;
		}
	}
	free(gws);
	return n;
}

unsigned int cp_discovery_imports(const struct cp_discovery *d, const struct mr_config *conf,
				  struct mr_route_conf *out, unsigned int max)
{
	unsigned int n_own, n = 0;
	const char **own = mr_routes_file_names(conf, &n_own);
	struct offer *v;
	size_t total = collect_offers(d, conf, &v), kept = 0;

	memset(out, 0, max * sizeof(*out));
	if (!v || !own) {
		free(v);
		free(own);
		return 0;
	}
	/* Sorted by name, so that the first of a name is found at once (the whole mesh's
	 * names, each looked for among all before it, took seconds at 65,536). */
	qsort(v, total, sizeof(*v), offer_by_name);
	for (size_t i = 0; i < total; i++) {
		const struct offer *first = &v[kept ? kept - 1 : 0];

		if (kept && strcmp(first->name, v[i].name) == 0) {
			if (first->network != v[i].network &&
			    !routed_by_file(own, n_own, first->name))
				mr_log(MR_LOG_INFO, "discovery: %s is exported by networks %s and "
				       "%s: routed to %s", v[i].name,
				       conf->networks[first->network].name,
				       conf->networks[v[i].network].name,
				       conf->networks[first->network].name);
			continue;
		}
		v[kept++] = v[i];
	}
	qsort(v, kept, sizeof(*v), offer_by_seq);
	for (size_t i = 0; i < kept && n < max; i++) {
		if (routed_by_file(own, n_own, v[i].name) || !(out[n].sni = strdup(v[i].name)))
			continue;
		out[n].pool = -1;
		out[n].network = v[i].network;
		out[n++].imported = true;
	}
	free(v);
	free(own);
	return n;
}
