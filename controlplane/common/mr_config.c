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
	ctx.conf = scratch;
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
