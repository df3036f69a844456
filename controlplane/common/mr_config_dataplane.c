/* SPDX-License-Identifier: BSD-3-Clause */
/* The dataplane and relay sections of the configuration: EAL, buffers, the neighbour
 * cache, the control socket; the relay's table, timeouts, and what one peer may make it
 * hold. */
#include <stdio.h>
#include <string.h>

#include "mr_config_internal.h"

static int cfg_eal(struct cfg_ctx *ctx, const config_setting_t *dp, struct mr_dataplane_conf *d)
{
	const config_setting_t *list = member(dp, "eal");
	int n;

	if (!list)
		return 0;
	if (!config_setting_is_array(list) && !config_setting_is_list(list))
		return cfg_fail(ctx, list, "'eal' must be an array of strings [ \"-l\", \"0-1\", ... ]");
	n = config_setting_length(list);
	if (n > MR_MAX_EAL_ARGS)
		return cfg_fail(ctx, list, "'eal' holds more than %d arguments", MR_MAX_EAL_ARGS);
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(list, (unsigned int)i);
		const char *v;

		if (config_setting_type(s) != CONFIG_TYPE_STRING)
			return cfg_fail(ctx, s, "'eal' element %d must be a string", i);
		v = config_setting_get_string(s);
		if (strlen(v) >= MR_EAL_ARG_MAX)
			return cfg_fail(ctx, s, "'eal' element %d is too long", i);
		memcpy(d->eal_args[i], v, strlen(v) + 1);
	}
	d->n_eal_args = (unsigned int)n;
	return 0;
}

static int cfg_neigh(struct cfg_ctx *ctx, const config_setting_t *dp, struct mr_neigh_conf *nc)
{
	static const char *const keys[] = { "entries", "reachable_ms", "retry_ms", "retries",
					    "pending", "unresolved", NULL };
	const config_setting_t *g;

	nc->entries = 4096;
	nc->reachable_ms = 30000;
	nc->retry_ms = 1000;
	nc->retries = 3;
	nc->pending = 16;
	nc->unresolved = 0;
	if (cfg_group(ctx, dp, "neighbour", keys, &g) < 0 ||
	       cfg_uint(ctx, g, "entries", 16, 1 << 20, &nc->entries) < 0 ||
	       cfg_uint(ctx, g, "reachable_ms", 1000, 3600000, &nc->reachable_ms) < 0 ||
	       cfg_uint(ctx, g, "retry_ms", 10, 60000, &nc->retry_ms) < 0 ||
	       cfg_uint(ctx, g, "retries", 1, 100, &nc->retries) < 0 ||
	    cfg_uint(ctx, g, "pending", 0, 256, &nc->pending) < 0 ||
	    cfg_uint(ctx, g, "unresolved", 0, 1 << 20, &nc->unresolved) < 0)
		return -1;
	/* A scan of allow-listed addresses must not fill the cache with entries that never
	 * answer: by default a quarter of it may be waiting for an answer at once. */
	if (!nc->unresolved)
		nc->unresolved = nc->entries / 4;
	if (nc->unresolved > nc->entries)
		return cfg_fail(ctx, member(g, "unresolved"), "'unresolved' exceeds 'entries'");
	return 0;
}

void mr_config_host_ports(uint16_t first, uint16_t last, unsigned int *lo, unsigned int *hi)
{
	/* Above the range when 1024 ports are left there, else below it. */
	*lo = last <= 65535 - 1024 ? last + 1u : 1024u;
	*hi = last <= 65535 - 1024 ? 65535u : first - 1u;
}

int cfg_dataplane(struct cfg_ctx *ctx, const config_setting_t *root,
			 struct mr_dataplane_conf *d)
{
	static const char *const keys[] = { "eal", "mbufs", "burst", "control_socket",
					    "control_group", "neighbour", NULL };
	const config_setting_t *g;

	d->burst = 32;
	snprintf(d->control_socket, sizeof(d->control_socket), "%s", MR_CONTROL_SOCKET);
	if (cfg_group(ctx, root, "dataplane", keys, &g) < 0 || cfg_eal(ctx, g, d) < 0 ||
	    cfg_uint(ctx, g, "mbufs", 0, 1u << 26, &d->mbufs) < 0 ||
	    /* Vector receive paths (i40e, ice, iavf) take whole groups of 4 or 8 and return
	     * nothing for fewer: a burst below 8 would receive nothing on them. */
	    cfg_u16(ctx, g, "burst", 8, 512, &d->burst) < 0 ||
	    cfg_string(ctx, g, "control_socket", false, d->control_socket,
		       sizeof(d->control_socket)) < 0 ||
	    cfg_string(ctx, g, "control_group", false, d->control_group,
		       sizeof(d->control_group)) < 0)
		return -1;
	if (g && d->control_socket[0] != '/')
		return cfg_fail(ctx, member(g, "control_socket"),
				"'control_socket' must be an absolute path");
	return cfg_neigh(ctx, g, &d->neigh);
}

/* What one peer may make the relay do or hold. A floor of 64 leaves room for the longest
 * TCP options (40 bytes) in every segment. */
static int cfg_relay_guards(struct cfg_ctx *ctx, const config_setting_t *g,
			    struct mr_relay_conf *r)
{
	static const char *const client_keys[] = { "max_flows", "max_hellos", NULL };
	const config_setting_t *client;

	r->client_max_flows = 0;
	r->client_max_hellos = 64;
	if (cfg_u16(ctx, g, "peer_mss_floor", 64, 9000, &r->peer_mss_floor) < 0 ||
	    cfg_u16(ctx, g, "peer_mss_floor6", 64, 9000, &r->peer_mss_floor6) < 0 ||
	    cfg_uint(ctx, g, "kept_mbufs", 64, 1u << 24, &r->kept_mbufs) < 0 ||
	    cfg_uint(ctx, g, "challenge_acks", 1, 1000000, &r->challenge_acks) < 0 ||
	    cfg_group(ctx, g, "client", client_keys, &client) < 0 ||
	    cfg_uint(ctx, client, "max_flows", 0, 1u << 24, &r->client_max_flows) < 0 ||
	    cfg_uint(ctx, client, "max_hellos", 1, 1u << 24, &r->client_max_hellos) < 0)
		return -1;
	/* One address (a NAT gateway, say) may hold many flows, but not every one. */
	if (!r->client_max_flows)
		r->client_max_flows = r->max_flows / 4 > 64 ? r->max_flows / 4 : 64;
	if (r->client_max_flows > r->max_flows)
		return cfg_fail(ctx, member(client, "max_flows"),
				"'client.max_flows' exceeds 'max_flows'");
	return 0;
}

int cfg_relay(struct cfg_ctx *ctx, const config_setting_t *root, struct mr_relay_conf *r)
{
	static const char *const keys[] = { "max_flows", "max_hello", "hello_timeout_ms",
					    "connect_timeout_ms", "answer_timeout_ms", "syn_retries",
					    "idle_timeout_ms",
					    "closing_timeout_ms", "mss", "source_ports", "drain_ms",
					    "peer_mss_floor", "peer_mss_floor6", "kept_mbufs",
					    "challenge_acks", "client", "redispatch", NULL };
	const config_setting_t *g;
	char ports[32] = "10000-59999";
	unsigned int first, last;
	char tail;
	unsigned int host_lo, host_hi;

	r->max_flows = 65536;
	r->max_hello = 16384;
	r->hello_timeout_ms = 10000;
	r->connect_timeout_ms = 1000;
	r->answer_timeout_ms = 5000;
	r->syn_retries = 3;
	r->idle_timeout_ms = 300000;
	r->closing_timeout_ms = 10000;
	r->mss = 1460;
	r->peer_mss_floor = 536;
	r->peer_mss_floor6 = 1220;
	r->kept_mbufs = 8192;
	r->challenge_acks = 1000;
	r->redispatch = 2;
	if (cfg_group(ctx, root, "relay", keys, &g) < 0 ||
	    cfg_string(ctx, g, "source_ports", false, ports, sizeof(ports)) < 0)
		return -1;
	/* Digits only: sscanf's %u would take "-1000" as 4294966296. */
	if (ports[strspn(ports, "0123456789-")] || strchr(ports, '-') != strrchr(ports, '-') ||
	    sscanf(ports, "%u-%u%c", &first, &last, &tail) != 2 || first < 1024 || last > 65535 ||
	    first + 1023 > last)
		return cfg_fail(ctx, member(g, "source_ports"),
				"'source_ports' is FIRST-LAST within 1024-65535, at least 1024 ports");
	/* The host's own ephemeral ports move above or below the range (relay_setup.c): they
	 * must keep 1024, or the host's connections would share the relay's ports. */
	mr_config_host_ports((uint16_t)first, (uint16_t)last, &host_lo, &host_hi);
	if (host_lo > host_hi || host_hi - host_lo + 1 < 1024)
		return cfg_fail(ctx, member(g, "source_ports"),
				"'source_ports' %u-%u leaves the host no 1024 ephemeral ports: end "
				"it at 64511 at most, or start it at 2048 at least", first, last);
	r->src_port_first = (uint16_t)first;
	r->src_port_last = (uint16_t)last;
	return cfg_uint(ctx, g, "max_flows", 64, 1u << 24, &r->max_flows) < 0 ||
	       cfg_uint(ctx, g, "max_hello", 512, 65536, &r->max_hello) < 0 ||
	       cfg_uint(ctx, g, "hello_timeout_ms", 100, 600000, &r->hello_timeout_ms) < 0 ||
	       cfg_uint(ctx, g, "connect_timeout_ms", 10, 60000, &r->connect_timeout_ms) < 0 ||
	       cfg_uint(ctx, g, "answer_timeout_ms", 0, 600000, &r->answer_timeout_ms) < 0 ||
	       cfg_uint(ctx, g, "syn_retries", 0, 10, &r->syn_retries) < 0 ||
	       cfg_uint(ctx, g, "idle_timeout_ms", 1000, 86400000, &r->idle_timeout_ms) < 0 ||
	       cfg_uint(ctx, g, "closing_timeout_ms", 100, 600000, &r->closing_timeout_ms) < 0 ||
	       cfg_uint(ctx, g, "drain_ms", 0, 3600000, &r->drain_ms) < 0 ||
	       cfg_u16(ctx, g, "mss", 536, 9000, &r->mss) < 0 ||
	       cfg_uint(ctx, g, "redispatch", 1, 8, &r->redispatch) < 0 ||
	       cfg_relay_guards(ctx, g, r) < 0 ? -1 : 0;
}
