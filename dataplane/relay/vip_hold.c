/* SPDX-License-Identifier: BSD-3-Clause */
#include "vip_hold.h"

#include <stdlib.h>
#include <string.h>

#include "relay_live.h"

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Whether name is one of names[0..n) (sorted). */
static bool named(const char *const *names, unsigned int n, const char *name)
{
	return n && bsearch(&name, names, n, sizeof(*names), str_cmp) != NULL;
}

/* holds[*n] = { vip, until_ms, name }; false when out of memory. */
static bool hold_add(struct vip_hold *holds, unsigned int *n, uint32_t vip, uint64_t until_ms,
		     const char *name)
{
	char *copy = strdup(name);

	if (!copy)
		return false;
	holds[(*n)++] = (struct vip_hold){ vip, until_ms, copy };
	return true;
}

int vip_hold_build(const struct relay_live *prev, const struct mr_config *conf,
		   uint64_t now_ms, struct vip_hold **out, unsigned int *n)
{
	const char **names = calloc(conf->n_routes + 1, sizeof(*names));
	unsigned int n_names = 0, cap = prev ? prev->n_held + prev->conf.n_routes : 0;
	struct vip_hold *holds = calloc(cap + 1, sizeof(*holds));
	bool ok = names && holds;

	*out = NULL;
	*n = 0;
	/* The names conf serves by VIP, sorted: what is looked up for each hold. */
	for (unsigned int i = 0; ok && i < conf->n_routes; i++)
		if (conf->routes[i].plain)
			names[n_names++] = conf->routes[i].sni;
	if (ok)
		qsort(names, n_names, sizeof(*names), str_cmp);
	for (unsigned int i = 0; ok && prev && i < prev->n_held; i++) {
		const struct vip_hold *h = &prev->held[i];

		if (h->until_ms > now_ms && !named(names, n_names, h->name))
			ok = hold_add(holds, n, h->vip, h->until_ms, h->name);
	}
	/* A service of several ports is held once a port: the same address, harmless. */
	for (unsigned int i = 0; ok && prev && prev->conf.dns.ttl && i < prev->conf.n_routes; i++) {
		const struct mr_route_conf *r = &prev->conf.routes[i];
		uint32_t vip = r->plain ? route_table_service_vip(prev->routes, r->sni,
								  strlen(r->sni)) : 0;

		if (vip && !named(names, n_names, r->sni))
			ok = hold_add(holds, n, vip, now_ms + prev->conf.dns.ttl * 1000ull, r->sni);
	}
	free(names);
	if (!ok) {
		vip_hold_free(holds, *n);
		*n = 0;
		return -1;
	}
	*out = holds;
	return 0;
}

uint32_t *vip_hold_addresses(const struct vip_hold *holds, unsigned int n)
{
	uint32_t *vips = calloc(n + 1, sizeof(*vips));

	for (unsigned int i = 0; vips && i < n; i++)
		vips[i] = holds[i].vip;
	return vips;
}

void vip_hold_free(struct vip_hold *holds, unsigned int n)
{
	for (unsigned int i = 0; holds && i < n; i++)
		free(holds[i].name);
	free(holds);
}
