/* SPDX-License-Identifier: BSD-3-Clause */
#include "mgmt_restart.h"

#include <stdio.h>
#include <string.h>

#include <rte_common.h>

enum setting_kind {
	SETTING_BYTES, /* a number or a flag: compared whole */
	SETTING_TEXT,  /* a string in a fixed array: compared up to its end */
	SETTING_EAL,   /* the EAL's arguments: their count, then each */
};

/* One setting of struct mr_config, under the name the file gives it. */
struct setting {
	const char *name;
	size_t off, len;
	enum setting_kind kind;
};

#define FIELD(name, field, kind) \
	{ name, offsetof(struct mr_config, field), sizeof(((struct mr_config *)0)->field), kind }
#define NUM(name, field) FIELD(name, field, SETTING_BYTES)
#define TEXT(name, field) FIELD(name, field, SETTING_TEXT)

/* Those the data plane reads from its start-up configuration only (app->conf). A setting
 * held in two fields is listed twice under one name: it is named once. */
static const struct setting restart_only[] = {
	NUM("relay.max_flows", relay.max_flows),
	NUM("relay.max_hello", relay.max_hello),
	NUM("relay.hello_timeout_ms", relay.hello_timeout_ms),
	NUM("relay.connect_timeout_ms", relay.connect_timeout_ms),
	NUM("relay.syn_retries", relay.syn_retries),
	NUM("relay.idle_timeout_ms", relay.idle_timeout_ms),
	NUM("relay.closing_timeout_ms", relay.closing_timeout_ms),
	NUM("relay.drain_ms", relay.drain_ms),
	NUM("relay.mss", relay.mss),
	NUM("relay.source_ports", relay.src_port_first),
	NUM("relay.source_ports", relay.src_port_last),
	NUM("relay.peer_mss_floor", relay.peer_mss_floor),
	NUM("relay.peer_mss_floor6", relay.peer_mss_floor6),
	NUM("relay.kept_mbufs", relay.kept_mbufs),
	NUM("relay.challenge_acks", relay.challenge_acks),
	NUM("relay.client.max_flows", relay.client_max_flows),
	NUM("relay.client.max_hellos", relay.client_max_hellos),
	NUM("relay.redispatch", relay.redispatch),
	FIELD("dataplane.eal", dataplane.eal_args, SETTING_EAL),
	NUM("dataplane.mbufs", dataplane.mbufs),
	NUM("dataplane.burst", dataplane.burst),
	TEXT("dataplane.control_socket", dataplane.control_socket),
	TEXT("dataplane.control_group", dataplane.control_group),
	NUM("dataplane.neighbour.entries", dataplane.neigh.entries),
	NUM("dataplane.neighbour.reachable_ms", dataplane.neigh.reachable_ms),
	NUM("dataplane.neighbour.retry_ms", dataplane.neigh.retry_ms),
	NUM("dataplane.neighbour.retries", dataplane.neigh.retries),
	NUM("dataplane.neighbour.pending", dataplane.neigh.pending),
	NUM("dataplane.neighbour.unresolved", dataplane.neigh.unresolved),
	NUM("log.level", log.level),
	NUM("log.syslog", log.use_syslog),
	TEXT("log.connections", log.connections),
	NUM("log.connections_ring", log.connections_ring),
	NUM("log.refused_rate", log.refused_rate),
	NUM("metrics.listen", metrics.enabled),
	TEXT("metrics.listen", metrics.address),
	NUM("metrics.listen", metrics.port),
};

static bool differs(const struct setting *s, const struct mr_config *a, const struct mr_config *b)
{
	const char *x = (const char *)a + s->off, *y = (const char *)b + s->off;

	switch (s->kind) {
	case SETTING_TEXT:
		return strncmp(x, y, s->len) != 0;
	case SETTING_EAL:
		if (a->dataplane.n_eal_args != b->dataplane.n_eal_args)
			return true;
		for (unsigned int i = 0; i < a->dataplane.n_eal_args; i++)
			if (strncmp(a->dataplane.eal_args[i], b->dataplane.eal_args[i],
				    sizeof(a->dataplane.eal_args[i])) != 0)
				return true;
		return false;
	case SETTING_BYTES:
		break;
	}
	return memcmp(x, y, s->len) != 0;
}

unsigned int mgmt_restart_changes(const struct mr_config *start, const struct mr_config *pushed,
				  char *out, size_t len)
{
	const char *last = NULL;
	unsigned int n = 0;
	size_t at = 0;

	if (len)
		out[0] = '\0';
	for (unsigned int i = 0; i < RTE_DIM(restart_only); i++) {
		const struct setting *s = &restart_only[i];
		int w;

		if (!differs(s, start, pushed) || (last && strcmp(last, s->name) == 0))
			continue;
		last = s->name;
		n++;
		if (at >= len)
			continue;
		w = snprintf(out + at, len - at, "%s%s", n > 1 ? ", " : "", s->name);
		if (w < 0 || (size_t)w >= len - at) { /* cut short: say so */
			if (len >= 4)
				memcpy(out + len - 4, "...", 4);
			at = len;
		} else {
			at += (size_t)w;
		}
	}
	return n;
}
