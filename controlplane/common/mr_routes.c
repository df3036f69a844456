/* SPDX-License-Identifier: BSD-3-Clause */
#include "mr_routes.h"

#include <arpa/inet.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mr_log.h"
#include "vip_alloc.h"

/* The builder hands out ids in creation order, so creating networks and pools in config
 * order makes their ids the config indices; checked as we go. */
struct build_ctx {
	const struct mr_config *conf;
	struct route_builder *b;
	char *err;
	size_t errlen;
	const uint32_t *held;      /* VIPs new names do not take (mr_routes_build_holding) */
	size_t n_held;
};

static int build_fail(struct build_ctx *bc, struct mr_where at, const char *what,
		      enum route_status st)
{
	char where[MR_WHERE_MAX];

	snprintf(bc->err, bc->errlen, "%s: %s: %s", mr_config_where(bc->conf, at, where,
		 sizeof(where)), what, route_status_str(st));
	return -1;
}

/* One name the table keys on, compared as the table compares it (without case or final
 * dot), with the kind of entry it keys (routes, services and mangled suffixes are apart),
 * a service's port and where it was written. */
struct named {
	const char *name;
	size_t len;                /* without its final dot */
	const char *kind;
	uint16_t port;
	struct mr_where at;
	unsigned int order;
};

/* Their order as keys: 0 when the table would take them for one. */
static int named_key_cmp(const struct named *x, const struct named *y)
{
	int c = strcmp(x->kind, y->kind);

	if (!c)
		c = x->len != y->len ? (x->len > y->len) - (x->len < y->len)
				     : strncasecmp(x->name, y->name, x->len);
	return c ? c : (x->port > y->port) - (x->port < y->port);
}

/* By key, then as written in the file. */
static int named_cmp(const void *a, const void *b)
{
	const struct named *x = a, *y = b;
	int c = named_key_cmp(x, y);

	return c ? c : (x->order > y->order) - (x->order < y->order);
}

static void named_set(struct named *n, const char *kind, const char *name, uint16_t port,
		      struct mr_where at, unsigned int order)
{
	size_t len = strlen(name);

	*n = (struct named){ .name = name, .len = len && name[len - 1] == '.' ? len - 1 : len,
			     .kind = kind, .port = port, .at = at, .order = order };
}

/* "B's place: KIND NAME[:PORT] is listed twice (A's place too)", A's line alone when both
 * are in one file. */
static void report_twice(const struct mr_config *c, const struct named *a,
			 const struct named *b, char *err, size_t errlen)
{
	char here[MR_WHERE_MAX], there[MR_WHERE_MAX], port[8] = "";

	if (a->port)
		snprintf(port, sizeof(port), ":%u", a->port);
	if (a->at.file == b->at.file)
		snprintf(there, sizeof(there), "line %u", a->at.line);
	else
		mr_config_where(c, a->at, there, sizeof(there));
	snprintf(err, errlen, "%s: %s %.*s%s is listed twice (%s too)",
		 mr_config_where(c, b->at, here, sizeof(here)), a->kind, (int)a->len, a->name,
		 port, there);
}

/* A name routed twice (however cased, with its final dot or not), a plain service's name
 * and port twice, or a mangled suffix twice: refused at the second one's line, the first
 * one named as written. The table would refuse them too, without saying which. */
static int find_twice(struct build_ctx *bc)
{
	const struct mr_config *c = bc->conf;
	struct named *v = calloc(c->n_routes + c->n_mangled + 1, sizeof(*v));
	unsigned int n = 0;
	int rc = 0;

	if (!v) {
		snprintf(bc->err, bc->errlen, "%s: out of memory", c->source);
		return -1;
	}
	for (unsigned int i = 0; i < c->n_routes; i++) {
		const struct mr_route_conf *r = &c->routes[i];

		if (r->sni) {
			named_set(&v[n], r->plain ? "service" : "route", r->sni,
				  r->plain ? r->tcp_port : 0, r->at, n);
			n++;
		}
	}
	for (unsigned int i = 0; i < c->n_mangled; i++, n++)
		named_set(&v[n], "mangled suffix", c->mangled[i].suffix, 0, c->mangled[i].at, n);
	qsort(v, n, sizeof(*v), named_cmp);
	for (unsigned int i = 1; i < n && rc == 0; i++) {
		const struct named *a = &v[i - 1], *b = &v[i];

		if (named_key_cmp(a, b) != 0)
			continue;
		report_twice(c, a, b, bc->err, bc->errlen);
		rc = -1;
	}
	free(v);
	return rc;
}

static int build_networks(struct build_ctx *bc)
{
	for (unsigned int i = 0; i < bc->conf->n_networks; i++) {
		const struct mr_network_conf *n = &bc->conf->networks[i];
		enum route_status st;
		uint32_t id;

		st = route_builder_add_network(bc->b, n->name, n->local, &id);
		if (st != ROUTE_OK || id != i)
			return build_fail(bc, n->at, n->name, st);
		for (unsigned int a = 0; a < n->n_allow; a++) {
			char addr[52];
			unsigned int len = 0;
			struct ip_addr prefix;

			if (sscanf(n->allow[a], "%51[^/]/%u", addr, &len) != 2 ||
			    !ip_addr_parse(addr, &prefix))
				return build_fail(bc, n->at, n->allow[a], ROUTE_ERR_BAD_PREFIX);
			st = route_builder_allow_prefix(bc->b, id, &prefix, len);
			if (st != ROUTE_OK)
				return build_fail(bc, n->at, n->allow[a], st);
		}
		for (unsigned int p = 0; p < n->n_ports; p++) {
			st = route_builder_allow_ports(bc->b, id, n->ports[p].first, n->ports[p].last);
			if (st != ROUTE_OK)
				return build_fail(bc, n->at, "ports", st);
		}
	}
	return 0;
}

static int build_pools(struct build_ctx *bc)
{
	for (unsigned int i = 0; i < bc->conf->n_pools; i++) {
		const struct mr_pool_conf *p = &bc->conf->pools[i];
		enum route_status st;
		uint32_t id;

		st = route_builder_add_pool(bc->b, &id);
		if (st != ROUTE_OK || id != i)
			return build_fail(bc, p->at, p->name, st);
		for (unsigned int m = 0; m < p->n_members; m++) {
			struct ip_addr addr;

			if (!ip_addr_parse(p->members[m].address, &addr))
				return build_fail(bc, p->at, p->members[m].address,
						  ROUTE_ERR_BAD_TARGET);
			st = route_builder_add_member(bc->b, id, &addr, p->members[m].port,
						      p->members[m].weight);
			if (st != ROUTE_OK)
				return build_fail(bc, p->at, p->members[m].address, st);
		}
	}
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char **mr_routes_file_names(const struct mr_config *conf, unsigned int *n)
{
	const char **v = calloc(conf->n_routes + 1, sizeof(*v));

	*n = 0;
	for (unsigned int i = 0; v && i < conf->n_routes; i++)
		if (!conf->routes[i].imported && conf->routes[i].sni)
			v[(*n)++] = conf->routes[i].sni;
	if (v)
		qsort(v, *n, sizeof(*v), name_cmp);
	return v;
}

bool mr_routes_names_hold(const char *const *names, unsigned int n, const char *name,
			  size_t len)
{
	char key[256];

	/* Looked up, not walked for: imports by the tens of thousands each ask. */
	if (len >= sizeof(key) || !n)
		return false;
	memcpy(key, name, len);
	key[len] = '\0';
	return bsearch(&(const char *){ key }, names, n, sizeof(*names), name_cmp) != NULL;
}

static struct route_target target_of(const struct mr_route_conf *r)
{
	return (struct route_target){
		.kind = r->pool >= 0 ? ROUTE_TARGET_POOL : ROUTE_TARGET_NETWORK,
		.id = (uint32_t)(r->pool >= 0 ? r->pool : r->network),
		.proxy_protocol_v2 = r->proxy_protocol_v2,
	};
}

static int build_routes(struct build_ctx *bc)
{
	for (unsigned int i = 0; i < bc->conf->n_routes; i++) {
		const struct mr_route_conf *r = &bc->conf->routes[i];
		struct route_target t = target_of(r);
		enum route_status st;

		if (r->plain)
			continue; /* build_services */
		st = r->sni ? route_builder_add_route(bc->b, r->sni, &t)
			    : route_builder_set_default(bc->b, &t);
		if (st != ROUTE_OK)
			return build_fail(bc, r->at, r->sni ? r->sni : "default route", st);
	}
	for (unsigned int i = 0; i < bc->conf->n_mangled; i++) {
		const struct mr_mangled_conf *m = &bc->conf->mangled[i];
		uint32_t net = m->network >= 0 ? (uint32_t)m->network : ROUTE_ID_NONE;
		enum route_status st = route_builder_add_mangled_suffix(bc->b, m->suffix, m->forms,
									net, m->proxy_protocol_v2);

		if (st != ROUTE_OK)
			return build_fail(bc, m->at, m->suffix, st);
	}
	return 0;
}

/* A plain route by its name, then its place in the file. */
static int route_by_name(const void *a, const void *b, void *arg)
{
	const struct mr_config *conf = arg;
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;
	int c = strcmp(conf->routes[x].sni, conf->routes[y].sni);

	return c ? c : (x > y) - (x < y);
}

/* The distinct plain service names of conf (one entry per name: its first route), with
 * their pins: names[*n], pins[*n], and at_route[i] the name index of route i. */
static int plain_names(const struct mr_config *conf, const char **names, uint32_t *pins,
		       unsigned int *at_route, unsigned int *n, char *err, size_t errlen)
{
	unsigned int *order = calloc(conf->n_routes + 1, sizeof(*order)), m = 0;

	*n = 0;
	if (!order) {
		snprintf(err, errlen, "%s: out of memory for the VIPs", conf->source);
		return -1;
	}
	for (unsigned int i = 0; i < conf->n_routes; i++)
		if (conf->routes[i].plain)
			order[m++] = i;
	/* Sorted, so that a name's other ports are found next to it, not searched for
	 * (imported names come by the tens of thousands); in the file's order within one. */
	qsort_r(order, m, sizeof(*order), route_by_name, (void *)conf);
	for (unsigned int j = 0; j < m; j++) {
		const struct mr_route_conf *r = &conf->routes[order[j]];

		if (!*n || strcmp(names[*n - 1], r->sni) != 0) {
			names[*n] = r->sni;
			pins[(*n)++] = 0;
		}
		if (r->vip && pins[*n - 1] && pins[*n - 1] != r->vip) {
			char where[MR_WHERE_MAX];

			snprintf(err, errlen, "%s: %s: its other port has another 'vip'",
				 mr_config_where(conf, r->at, where, sizeof(where)), r->sni);
			free(order);
			return -1;
		}
		if (r->vip)
			pins[*n - 1] = r->vip;
		at_route[order[j]] = *n - 1;
	}
	free(order);
	return 0;
}

/* The names of prev's services that stay at their addresses: those not pinned by the file,
 * whose address prev gave them is a host of range that the file pins to no name. A
 * service's clients hold its address from DNS for a TTL and more: a new name whose
 * preferred address it is must not take it, or their connections would reach it. */
static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static void keep_prev_vips(const struct route_table *prev, const struct vip_range *range,
			   const char **names, uint32_t *pins, unsigned int n)
{
	uint32_t *kept = calloc(n + 1, sizeof(*kept)), *pinned = calloc(n + 1, sizeof(*pinned));

	if (!kept || !pinned) {
		free(kept);
		free(pinned);
		return; /* placed afresh: what a restart does as well */
	}
	/* The file's pins, sorted to be looked up by each name's address. */
	memcpy(pinned, pins, n * sizeof(*pins));
	qsort(pinned, n, sizeof(*pinned), u32_cmp);
	for (unsigned int k = 0; k < n; k++) {
		uint32_t v = pins[k] ? 0 : route_table_service_vip(prev, names[k], strlen(names[k]));
		bool taken = v && bsearch(&v, pinned, n, sizeof(*pinned), u32_cmp) != NULL;

		kept[k] = v && !taken && vip_range_holds_host(range, v) ? v : 0;
		if (taken) {
			struct in_addr a = { htonl(v) };
			char at[INET_ADDRSTRLEN];

			/* The file's word stands, but the move is not silent: clients that
			 * resolved this name reach the other service until their answers age. */
			inet_ntop(AF_INET, &a, at, sizeof(at));
			mr_log(MR_LOG_WARN, "service %s moves from %s, which the file pins to another "
			       "name: clients that resolved it reach that one until their answers "
			       "expire", names[k], at);
		}
	}
	for (unsigned int k = 0; k < n; k++)
		if (kept[k])
			pins[k] = kept[k];
	free(kept);
	free(pinned);
}

/* The services a push kept at a VIP that a start would not give them: a start has no
 * configuration before it, so two names that want one address are settled afresh by
 * their order, and the one that kept it since before may lose it to the other (its
 * clients' cached answers then reach the other service). Said, with the way to keep it:
 * a pin. fresh_pins: the file's own pins, without those the push kept. */
static void warn_restart_moves(const struct vip_range *range, const char **names,
			       const uint32_t *fresh_pins, const uint32_t *now, unsigned int n)
{
	uint32_t *fresh = calloc(n + 1, sizeof(*fresh));
	size_t bad = 0;

	if (!fresh || vip_assign(range, names, fresh_pins, n, fresh, &bad) < 0) {
		free(fresh);
		return; /* placed afresh it would not fit: the push's own assignment stands */
	}
	for (unsigned int i = 0; i < n; i++) {
		struct in_addr a = { htonl(now[i]) }, b = { htonl(fresh[i]) };
		char at[INET_ADDRSTRLEN], then[INET_ADDRSTRLEN];

		if (now[i] == fresh[i])
			continue;
		inet_ntop(AF_INET, &a, at, sizeof(at));
		inet_ntop(AF_INET, &b, then, sizeof(then));
		mr_log(MR_LOG_WARN, "service %s stays at %s, but a restart would place it at %s "
		       "(names that want one address are settled afresh by their order): "
		       "vip = \"%s\" in its route keeps it", names[i], at, then, at);
	}
	free(fresh);
}

/* Where the route that pins name k's address is written (at: each route's name). */
static struct mr_where pinned_at(const struct mr_config *conf, const unsigned int *at, size_t k)
{
	for (unsigned int i = 0; i < conf->n_routes; i++)
		if (conf->routes[i].plain && at[i] == k && conf->routes[i].vip)
			return conf->routes[i].at;
	return (struct mr_where){ 0 };
}

int mr_routes_vips(const struct mr_config *conf, const struct route_table *prev,
		   uint32_t *vips, char *err, size_t errlen)
{
	return mr_routes_vips_holding(conf, prev, NULL, 0, vips, err, errlen);
}

int mr_routes_vips_holding(const struct mr_config *conf, const struct route_table *prev,
			   const uint32_t *held, size_t n_held, uint32_t *vips, char *err,
			   size_t errlen)
{
	const struct vip_range range = { conf->dns.vip_base, conf->dns.vip_prefix_len };
	const char **names = calloc(conf->n_routes + 1, sizeof(*names));
	uint32_t *pins = calloc(conf->n_routes + 1, sizeof(*pins));
	uint32_t *out = calloc(conf->n_routes + 1, sizeof(*out));
	unsigned int *at = calloc(conf->n_routes + 1, sizeof(*at));
	uint32_t *fresh_pins = calloc(conf->n_routes + 1, sizeof(*fresh_pins));
	char where[MR_WHERE_MAX];
	unsigned int n = 0;
	size_t bad = 0;
	int rc = -1;

	memset(vips, 0, sizeof(*vips) * conf->n_routes);
	if (!names || !pins || !out || !at || !fresh_pins) {
		snprintf(err, errlen, "%s: out of memory for the VIPs", conf->source);
		goto done;
	}
	if (plain_names(conf, names, pins, at, &n, err, errlen) < 0)
		goto done;
	/* Without a range a plain service has no VIP: only another gateway reaches it (an
	 * export), by its name. One that nobody could reach is a mistake. */
	for (unsigned int i = 0; i < conf->n_routes && n && !range.prefix_len; i++) {
		const struct mr_route_conf *r = &conf->routes[i];

		if (r->plain && (r->vip || (!r->exported && !r->imported))) {
			snprintf(err, errlen, "%s: %s: a plain TCP route needs dns.vip_range, the "
				 "addresses its clients reach it at (or 'export' alone)",
				 mr_config_where(conf, r->at, where, sizeof(where)), r->sni);
			goto done;
		}
	}
	if (!range.prefix_len) {
		rc = 0;
		goto done;
	}
	if (prev && n) {
		memcpy(fresh_pins, pins, sizeof(*pins) * n);
		keep_prev_vips(prev, &range, names, pins, n);
	}
	if (n > vip_range_hosts(&range)) {
		snprintf(err, errlen, "%s: dns.vip_range holds %u host addresses: too few for "
			 "%u plain services", mr_config_where(conf, conf->dns.vip_at, where,
			 sizeof(where)), vip_range_hosts(&range), n);
		goto done;
	}
	if (n && vip_assign_avoiding(&range, names, pins, n, held, n_held, out, &bad) < 0) {
		snprintf(err, errlen, "%s: %s: its 'vip' is not a host address of dns.vip_range, "
			 "or another service's", mr_config_where(conf, pinned_at(conf, at, bad),
			 where, sizeof(where)), names[bad]);
		goto done;
	}
	if (prev && n)
		warn_restart_moves(&range, names, fresh_pins, out, n);
	for (unsigned int i = 0; i < conf->n_routes; i++)
		if (conf->routes[i].plain)
			vips[i] = out[at[i]];
	rc = 0;
done:
	free(names);
	free(pins);
	free(out);
	free(at);
	free(fresh_pins);
	return rc;
}

/* The plain TCP routes as services at their VIPs (prev's kept, bc's held ones avoided). */
static int build_services(struct build_ctx *bc, const struct route_table *prev)
{
	const struct mr_config *conf = bc->conf;
	uint32_t *vips = calloc(conf->n_routes + 1, sizeof(*vips));
	int rc = -1;

	if (!vips) {
		snprintf(bc->err, bc->errlen, "%s: out of memory for the VIPs", conf->source);
		return -1;
	}
	if (mr_routes_vips_holding(conf, prev, bc->held, bc->n_held, vips, bc->err,
				   bc->errlen) == 0)
		rc = 0;
	for (unsigned int i = 0; rc == 0 && i < conf->n_routes; i++) {
		const struct mr_route_conf *r = &conf->routes[i];
		struct route_target t = target_of(r);
		enum route_status st;

		if (!r->plain)
			continue;
		st = route_builder_add_service(bc->b, r->sni, vips[i], r->tcp_port, &t);
		if (st != ROUTE_OK)
			rc = build_fail(bc, r->at, r->sni, st);
	}
	free(vips);
	return rc;
}

int mr_routes_build(const struct mr_config *conf, const struct route_table *prev,
		    struct route_table **out, char *err, size_t errlen)
{
	return mr_routes_build_holding(conf, prev, NULL, 0, out, err, errlen);
}

int mr_routes_build_holding(const struct mr_config *conf, const struct route_table *prev,
			    const uint32_t *held, size_t n_held, struct route_table **out,
			    char *err, size_t errlen)
{
	struct build_ctx bc = { conf, route_builder_new(), err, errlen, held, n_held };
	enum route_status st = ROUTE_OK;
	int rc = -1;

	*out = NULL;
	if (!bc.b) {
		snprintf(err, errlen, "%s: out of memory for the route table", conf->source);
		return -1;
	}
	if (find_twice(&bc) == 0 && build_networks(&bc) == 0 && build_pools(&bc) == 0 &&
	    build_routes(&bc) == 0 &&
	    build_services(&bc, prev) == 0) {
		*out = route_builder_finish(bc.b, &st);
		if (*out)
			rc = 0;
		else
			snprintf(err, errlen, "%s: route table: %s", conf->source, route_status_str(st));
	}
	route_builder_free(bc.b);
	return rc;
}
