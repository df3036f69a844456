/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Routing sections of the configuration: networks (with their allow-lists), backend
 * pools, SNI routes and mangled-name suffixes. Names are resolved to indices here;
 * building the classifier's route table from them is mr_routes.c's job.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mr_config.h"
#include "mr_config_internal.h"
#include "mr_config_util.h"
#include "sni_mangle.h"

static int cfg_prefix_text(struct cfg_ctx *ctx, const config_setting_t *s, char *out,
			   size_t outlen)
{
	const char *v = config_setting_get_string(s);
	const char *slash = v ? strchr(v, '/') : NULL;
	char addr[64];
	char *end;
	long len;

	if (!v || !slash || (size_t)(slash - v) >= sizeof(addr) || strlen(v) >= outlen)
		return cfg_fail(ctx, s, "allow-list entries are \"ADDRESS/PREFIX\" strings");
	memcpy(addr, v, (size_t)(slash - v));
	addr[slash - v] = '\0';
	len = strtol(slash + 1, &end, 10);
	if (!cfg_address_is_valid(addr) || slash[1] < '0' || slash[1] > '9' || *end || len < 0 ||
	    len > (strchr(addr, ':') ? 128 : 32))
		return cfg_fail(ctx, s, "'%s' is not an address/prefix", v);
	memcpy(out, v, strlen(v) + 1);
	return 0;
}

static int cfg_port_range(struct cfg_ctx *ctx, const config_setting_t *s,
			  struct mr_port_range *r)
{
	const char *v = config_setting_get_string(s);
	unsigned long first, last;
	char *end;

	if (config_setting_type(s) == CONFIG_TYPE_INT) {
		long long p = config_setting_get_int64(s);

		if (p < 1 || p > 65535)
			return cfg_fail(ctx, s, "port %lld is out of range [1, 65535]", p);
		r->first = r->last = (uint16_t)p;
		return 0;
	}
	if (!v || *v < '0' || *v > '9')
		return cfg_fail(ctx, s, "ports are numbers or \"FIRST-LAST\" strings");
	first = strtoul(v, &end, 10);
	last = first;
	if (*end == '-')
		last = strtoul(end + 1, &end, 10);
	if (*end || first < 1 || last > 65535 || first > last)
		return cfg_fail(ctx, s, "'%s' is not a port range within 1-65535", v);
	r->first = (uint16_t)first;
	r->last = (uint16_t)last;
	return 0;
}

static int cfg_network(struct cfg_ctx *ctx, const config_setting_t *g, struct mr_network_conf *n)
{
	static const char *const keys[] = { "name", "local", "allow", "ports", "health", NULL };
	const config_setting_t *allow, *ports;

	if (cfg_where(ctx, g, &n->at) < 0 || cfg_check_keys(ctx, g, keys) < 0 ||
	    cfg_name(ctx, g, n->name) < 0 ||
	    cfg_bool(ctx, g, "local", &n->local) < 0)
		return -1;
	/* A network's name is a label of the mangled names that pick it (_NAME, nNAME-):
	 * the classifier refused an '_' with "bad name" and no more. */
	if (strchr(n->name, '_') || strlen(n->name) > 63)
		return cfg_fail(ctx, member(g, "name"), "network name '%s' is a DNS label of "
				"mangled names: a-z, 0-9 and '-' only, 63 at most", n->name);
	allow = member(g, "allow");
	ports = member(g, "ports");
	if ((allow && !config_setting_is_array(allow) && !config_setting_is_list(allow)) ||
	    (ports && !config_setting_is_array(ports) && !config_setting_is_list(ports)))
		return cfg_fail(ctx, g, "'allow' and 'ports' are arrays [ ... ]");
	n->n_allow = allow ? (unsigned int)config_setting_length(allow) : 0;
	n->n_ports = ports ? (unsigned int)config_setting_length(ports) : 0;
	n->allow = calloc(n->n_allow + 1, sizeof(*n->allow));
	n->ports = calloc(n->n_ports + 1, sizeof(*n->ports));
	if (!n->allow || !n->ports)
		return cfg_fail(ctx, g, "out of memory");
	for (unsigned int i = 0; i < n->n_allow; i++)
		if (cfg_prefix_text(ctx, config_setting_get_elem(allow, i), n->allow[i],
				    sizeof(n->allow[i])) < 0)
			return -1;
	for (unsigned int i = 0; i < n->n_ports; i++)
		if (cfg_port_range(ctx, config_setting_get_elem(ports, i), &n->ports[i]) < 0)
			return -1;
	return cfg_health(ctx, g, &n->health);
}

static int cfg_networks(struct cfg_ctx *ctx, const config_setting_t *root, struct mr_config *c)
{
	int rc;
	const config_setting_t *list = cfg_list(ctx, root, "networks", sizeof(*c->networks), 1024,
						(void **)&c->networks, &c->n_networks, &rc);
	unsigned int locals = 0;

	for (unsigned int i = 0; list && i < c->n_networks; i++) {
		const config_setting_t *g = config_setting_get_elem(list, i);

		if (cfg_network(ctx, g, &c->networks[i]) < 0)
			return -1;
		if (cfg_index_by_name(c->networks[i].name, c->networks, sizeof(*c->networks), i) >= 0)
			return cfg_fail(ctx, g, "network '%s' is declared twice", c->networks[i].name);
		locals += c->networks[i].local;
	}
	if (locals > 1)
		return cfg_fail(ctx, list, "only one network can be local");
	return rc;
}

/* "pool = NAME" or "network = NAME": exactly one; the network must not be the local one. */
static int cfg_target(struct cfg_ctx *ctx, const config_setting_t *g, const struct mr_config *c,
		      int *pool, int *network)
{
	char name[MR_NAME_MAX] = "";

	*pool = *network = -1;
	if (!member(g, "pool") == !member(g, "network"))
		return cfg_fail(ctx, g, "a route names exactly one of 'pool' or 'network'");
	if (member(g, "pool")) {
		if (cfg_string(ctx, g, "pool", true, name, sizeof(name)) < 0)
			return -1;
		*pool = cfg_index_by_name(name, c->pools, sizeof(*c->pools), c->n_pools);
		if (*pool < 0)
			return cfg_fail(ctx, member(g, "pool"), "unknown pool '%s'", name);
		return 0;
	}
	if (cfg_string(ctx, g, "network", true, name, sizeof(name)) < 0)
		return -1;
	*network = cfg_index_by_name(name, c->networks, sizeof(*c->networks), c->n_networks);
	if (*network < 0)
		return cfg_fail(ctx, member(g, "network"), "unknown network '%s'", name);
	if (c->networks[*network].local)
		return cfg_fail(ctx, member(g, "network"),
				"network '%s' is the local one: route to a pool instead", name);
	return 0;
}

/* A route's name in the one spelling DNS, the route table and other gateways match it in:
 * lower case, no final dot. An exported name goes to discovery as written here, and peers
 * refuse a registration holding a name spelt otherwise (disc_record.c). */
static void name_fold(char *name)
{
	size_t len;

	for (char *at = name; *at; at++)
		*at = (char)tolower((unsigned char)*at);
	len = strlen(name);
	if (len > 1 && name[len - 1] == '.')
		name[len - 1] = '\0';
}

/* protocol = "tls" (the default: routed by the ClientHello's name, 'sni') or "tcp" (a plain
 * TCP service: its 'name', the 'port' clients reach it on at its VIP, an optional pinned
 * 'vip'). The name goes to name[cap]. */
static int cfg_protocol(struct cfg_ctx *ctx, const config_setting_t *g, struct mr_route_conf *r,
			bool is_default, char *name, size_t cap)
{
	char proto[8] = "tls", vip[20] = "";
	struct in_addr a;

	if (cfg_string(ctx, g, "protocol", false, proto, sizeof(proto)) < 0)
		return -1;
	if (strcmp(proto, "tls") != 0 && strcmp(proto, "tcp") != 0)
		return cfg_fail(ctx, member(g, "protocol"), "'protocol' is \"tls\" or \"tcp\"");
	r->plain = proto[1] == 'c';
	if (!r->plain) {
		if (member(g, "name") || member(g, "port") || member(g, "vip"))
			return cfg_fail(ctx, g, "'name', 'port' and 'vip' belong to plain TCP routes "
					"(protocol = \"tcp\"); a TLS route names its 'sni'");
		if (cfg_string(ctx, g, "sni", !is_default, name, cap) < 0)
			return -1;
		name_fold(name);
		return 0;
	}
	if (is_default || member(g, "sni"))
		return cfg_fail(ctx, g, "a plain TCP route has a 'name' and a 'port', no 'sni' "
				"and no default");
	if (cfg_string(ctx, g, "name", true, name, cap) < 0 ||
	    cfg_u16(ctx, g, "port", 1, 65535, &r->tcp_port) < 0 ||
	    cfg_string(ctx, g, "vip", false, vip, sizeof(vip)) < 0)
		return -1;
	if (!member(g, "port"))
		return cfg_fail(ctx, g, "a plain TCP route needs the 'port' clients connect to");
	if (strchr(name, '*'))
		return cfg_fail(ctx, member(g, "name"), "a plain TCP service has one exact name");
	/* Its VIP is derived from its one spelling, and its ports must find each other. */
	name_fold(name);
	if (vip[0] && inet_pton(AF_INET, vip, &a) != 1)
		return cfg_fail(ctx, member(g, "vip"), "'vip' is an IPv4 address");
	r->vip = vip[0] ? ntohl(a.s_addr) : 0;
	return 0;
}

static int cfg_route(struct cfg_ctx *ctx, const config_setting_t *g, const struct mr_config *c,
		     struct mr_route_conf *r)
{
	static const char *const keys[] = { "sni", "default", "pool", "network", "proxy_protocol",
					    "export", "protocol", "name", "port", "vip", NULL };
	char sni[256] = "";
	bool is_default = false;

	if (cfg_where(ctx, g, &r->at) < 0 || cfg_check_keys(ctx, g, keys) < 0 ||
	    cfg_bool(ctx, g, "default", &is_default) < 0 ||
	    cfg_protocol(ctx, g, r, is_default, sni, sizeof(sni)) < 0 ||
	    cfg_bool(ctx, g, "proxy_protocol", &r->proxy_protocol_v2) < 0 ||
	    cfg_bool(ctx, g, "export", &r->exported) < 0 ||
	    cfg_target(ctx, g, c, &r->pool, &r->network) < 0)
		return -1;
	if (is_default && member(g, "sni"))
		return cfg_fail(ctx, g, "the default route has no 'sni'");
	if (r->proxy_protocol_v2 && r->network >= 0 && !c->networks[r->network].local)
		return cfg_fail(ctx, member(g, "proxy_protocol"), "'proxy_protocol' applies to "
				"routes to this network's backends: the other network's gateway "
				"decides for its own");
	if (r->exported && (is_default || r->pool < 0))
		return cfg_fail(ctx, member(g, "export"), "only a named route to a local pool is "
				"exported (a gateway is no transit to a third network)");
	if (!is_default && !(r->sni = strdup(sni)))
		return cfg_fail(ctx, g, "out of memory");
	return 0;
}

/* One entry of 'imported': another network's exported name, { sni; network; }, or a plain
 * TCP service { name; protocol = "tcp"; port; network; }. */
static int cfg_import(struct cfg_ctx *ctx, const config_setting_t *g, const struct mr_config *c,
		      struct mr_route_conf *r)
{
	static const char *const keys[] = { "sni", "network", "protocol", "name", "port", NULL };
	char sni[256] = "";

	if (cfg_where(ctx, g, &r->at) < 0)
		return -1;
	r->imported = true;
	if (cfg_check_keys(ctx, g, keys) < 0 || cfg_protocol(ctx, g, r, false, sni, sizeof(sni)) < 0)
		return -1;
	if (!member(g, "network"))
		return cfg_fail(ctx, g, "an imported name needs its 'network'");
	if (cfg_target(ctx, g, c, &r->pool, &r->network) < 0)
		return -1;
	if (!(r->sni = strdup(sni)))
		return cfg_fail(ctx, g, "out of memory");
	return 0;
}

/* 'routes', then the 'imported' names behind them. */
static int cfg_routes(struct cfg_ctx *ctx, const config_setting_t *root, struct mr_config *c)
{
	int rc, rc_imp;
	const config_setting_t *list = cfg_list(ctx, root, "routes", sizeof(*c->routes), 1u << 24,
						(void **)&c->routes, &c->n_routes, &rc);
	struct mr_route_conf *imports = NULL, *all;
	unsigned int n_imports = 0;
	const config_setting_t *imp;

	for (unsigned int i = 0; list && i < c->n_routes; i++)
		if (cfg_route(ctx, config_setting_get_elem(list, i), c, &c->routes[i]) < 0)
			return -1;
	if (rc < 0)
		return rc;
	imp = cfg_list(ctx, root, "imported", sizeof(*imports), 1u << 20, (void **)&imports,
		       &n_imports, &rc_imp);
	c->learned_lists |= imp != NULL;
	for (unsigned int i = 0; imp && i < n_imports; i++) {
		if (cfg_import(ctx, config_setting_get_elem(imp, i), c, &imports[i]) < 0) {
			for (unsigned int k = 0; k <= i; k++)
				free(imports[k].sni);
			free(imports);
			return -1;
		}
	}
	if (rc_imp < 0 || !n_imports) {
		free(imports);
		return rc_imp;
	}
	all = realloc(c->routes, sizeof(*all) * (c->n_routes + n_imports + 1));
	if (!all) {
		for (unsigned int k = 0; k < n_imports; k++)
			free(imports[k].sni);
		free(imports);
		return cfg_fail(ctx, imp, "out of memory");
	}
	memcpy(all + c->n_routes, imports, sizeof(*all) * n_imports);
	memset(all + c->n_routes + n_imports, 0, sizeof(*all));
	c->routes = all;
	c->n_routes += n_imports;
	free(imports);
	return 0;
}

static int cfg_forms(struct cfg_ctx *ctx, const config_setting_t *g, unsigned int *forms)
{
	static const struct { const char *name; unsigned int bit; } known[] = {
		{ "underscore", MANGLE_FORM_UNDERSCORE },
		{ "label", MANGLE_FORM_LABEL },
		{ "istio", MANGLE_FORM_ISTIO },
	};
	const config_setting_t *list = member(g, "forms");

	*forms = MANGLE_FORM_UNDERSCORE | MANGLE_FORM_LABEL;
	if (!list)
		return 0;
	if (!config_setting_is_array(list) || config_setting_length(list) < 1)
		return cfg_fail(ctx, list, "'forms' is a non-empty array of \"underscore\", "
				"\"label\", \"istio\"");
	*forms = 0;
	for (int i = 0; i < config_setting_length(list); i++) {
		const char *v = config_setting_get_string_elem(list, i);
		unsigned int bit = 0;

		for (size_t k = 0; v && k < sizeof(known) / sizeof(known[0]); k++)
			if (strcmp(v, known[k].name) == 0)
				bit = known[k].bit;
		if (!bit)
			return cfg_fail(ctx, list, "unknown form '%s' (underscore, label, istio)",
					v ? v : "?");
		*forms |= bit;
	}
	return 0;
}

static int cfg_mangled_entry(struct cfg_ctx *ctx, const config_setting_t *g,
			     const struct mr_config *c, struct mr_mangled_conf *m)
{
	static const char *const keys[] = { "suffix", "forms", "network", "proxy_protocol", NULL };
	char name[MR_NAME_MAX] = "";

	if (cfg_where(ctx, g, &m->at) < 0)
		return -1;
	m->network = -1;
	if (cfg_check_keys(ctx, g, keys) < 0 ||
	    cfg_string(ctx, g, "suffix", true, m->suffix, sizeof(m->suffix)) < 0 ||
	    cfg_forms(ctx, g, &m->forms) < 0 ||
	    cfg_bool(ctx, g, "proxy_protocol", &m->proxy_protocol_v2) < 0 ||
	    cfg_string(ctx, g, "network", false, name, sizeof(name)) < 0)
		return -1;
	/* Matched against names DNS and the route table hold folded ("Mesh.Internal." would
	 * else match no question: NXDOMAIN for names under it that exist). */
	name_fold(m->suffix);
	if (name[0]) {
		m->network = cfg_index_by_name(name, c->networks, sizeof(*c->networks), c->n_networks);
		if (m->network < 0)
			return cfg_fail(ctx, member(g, "network"), "unknown network '%s'", name);
		if (m->proxy_protocol_v2 && !c->networks[m->network].local)
			return cfg_fail(ctx, member(g, "proxy_protocol"), "'proxy_protocol' applies "
					"to this network's addresses: the other network's gateway "
					"decides for its own");
	}
	return 0;
}

static int cfg_mangled(struct cfg_ctx *ctx, const config_setting_t *root, struct mr_config *c)
{
	int rc;
	const config_setting_t *list = cfg_list(ctx, root, "mangled", sizeof(*c->mangled), 256,
						(void **)&c->mangled, &c->n_mangled, &rc);

	for (unsigned int i = 0; list && i < c->n_mangled; i++)
		if (cfg_mangled_entry(ctx, config_setting_get_elem(list, i), c, &c->mangled[i]) < 0)
			return -1;
	return rc;
}

int cfg_routing(struct cfg_ctx *ctx, const config_setting_t *root, struct mr_config *c)
{
	return cfg_networks(ctx, root, c) < 0 || cfg_pools(ctx, root, c) < 0 ||
	       cfg_routes(ctx, root, c) < 0 || cfg_mangled(ctx, root, c) < 0 ? -1 : 0;
}

static void *dup_array(const void *src, size_t n, size_t elem)
{
	void *dst = calloc(n + 1, elem); /* +1: the parsers allocate that way too */

	if (dst && n)
		memcpy(dst, src, n * elem);
	return dst;
}

int mr_config_clone(struct mr_config *dst, const struct mr_config *src)
{
	bool ok;

	*dst = *src;
	dst->networks = dup_array(src->networks, src->n_networks, sizeof(*src->networks));
	dst->pools = dup_array(src->pools, src->n_pools, sizeof(*src->pools));
	dst->routes = dup_array(src->routes, src->n_routes, sizeof(*src->routes));
	dst->mangled = dup_array(src->mangled, src->n_mangled, sizeof(*src->mangled));
	dst->turn.servers = dup_array(src->turn.servers, src->turn.n_servers,
				      sizeof(*src->turn.servers));
	dst->remote_gateways = dup_array(src->remote_gateways, src->n_remote_gateways,
					 sizeof(*src->remote_gateways));
	dst->files = calloc(src->n_files + 1, sizeof(*dst->files));
	ok = dst->networks && dst->pools && dst->routes && dst->mangled && dst->turn.servers &&
	     dst->remote_gateways && dst->files;
	/* The copied elements still point at src's arrays: detach them before anything
	 * can fail, so a failure frees only what is ours. */
	for (unsigned int i = 0; dst->networks && i < src->n_networks; i++)
		dst->networks[i].allow = NULL, dst->networks[i].ports = NULL;
	for (unsigned int i = 0; dst->pools && i < src->n_pools; i++)
		dst->pools[i].members = NULL;
	for (unsigned int i = 0; dst->routes && i < src->n_routes; i++)
		dst->routes[i].sni = NULL;
	for (unsigned int i = 0; ok && i < src->n_networks; i++) {
		struct mr_network_conf *n = &dst->networks[i];

		n->allow = dup_array(src->networks[i].allow, n->n_allow, sizeof(*n->allow));
		n->ports = dup_array(src->networks[i].ports, n->n_ports, sizeof(*n->ports));
		ok = n->allow && n->ports;
	}
	for (unsigned int i = 0; ok && i < src->n_pools; i++) {
		struct mr_pool_conf *p = &dst->pools[i];

		p->members = dup_array(src->pools[i].members, p->n_members, sizeof(*p->members));
		ok = p->members != NULL;
	}
	for (unsigned int i = 0; ok && i < src->n_routes; i++)
		if (src->routes[i].sni)
			ok = (dst->routes[i].sni = strdup(src->routes[i].sni)) != NULL;
	for (unsigned int i = 0; ok && i < src->n_files; i++)
		ok = (dst->files[i] = strdup(src->files[i])) != NULL;
	if (!ok)
		mr_config_free(dst); /* frees whatever was copied; NULL entries are skipped */
	return ok ? 0 : -1;
}

void mr_config_free(struct mr_config *conf)
{
	for (unsigned int i = 0; conf->networks && i < conf->n_networks; i++) {
		free(conf->networks[i].allow);
		free(conf->networks[i].ports);
	}
	for (unsigned int i = 0; conf->pools && i < conf->n_pools; i++)
		free(conf->pools[i].members);
	for (unsigned int i = 0; conf->routes && i < conf->n_routes; i++)
		free(conf->routes[i].sni);
	for (unsigned int i = 0; conf->files && i < conf->n_files; i++)
		free(conf->files[i]);
	free(conf->files);
	free(conf->networks);
	free(conf->pools);
	free(conf->routes);
	free(conf->mangled);
	free(conf->turn.servers);
	free(conf->remote_gateways);
	memset(conf, 0, sizeof(*conf));
}
