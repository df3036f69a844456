/* SPDX-License-Identifier: BSD-3-Clause */
#include "cp_metrics.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

#include "mr_metrics_text.h"
#include "turn_client.h"

static void family(struct mr_metrics_text *o, const char *name, const char *type,
		   const char *help)
{
	mr_metrics_family(o, "meshrelay_cp_", name, type, help);
}

static void one(struct mr_metrics_text *o, const char *name, const char *type, const char *help,
		uint64_t value)
{
	family(o, name, type, help);
	mr_metrics_emit(o, "meshrelay_cp_%s %" PRIu64 "\n", name, value);
}

/* One family with a row per TURN server. */
static void turn_family(struct mr_metrics_text *o, const struct cp_mesh *m, const char *name,
			const char *type, const char *help, size_t stat_off)
{
	family(o, name, type, help);
	for (unsigned int i = 0; i < m->n_turn; i++) {
		const struct turn_client *t = &m->turn[i];

		mr_metrics_emit(o, "meshrelay_cp_%s{server=\"%s\",network=\"%s\"} %" PRIu64 "\n", name,
		     t->conf.name, t->network_name,
		     *(const uint64_t *)((const char *)&t->stats + stat_off));
	}
}

static void render_turn(struct mr_metrics_text *o, const struct cp_mesh *m)
{
	static const struct { const char *name, *help; size_t off; } counts[] = {
		{ "turn_allocations_total", "TURN allocations made.",
		  offsetof(struct turn_stats, allocations) },
		{ "turn_refreshes_total", "Allocation refreshes.", offsetof(struct turn_stats, refreshes) },
		{ "turn_permissions_total", "Permissions installed.",
		  offsetof(struct turn_stats, permissions) },
		{ "turn_connection_attempts_total", "RFC 6062 ConnectionAttempts from peers.",
		  offsetof(struct turn_stats, connection_attempts) },
		{ "turn_failures_total", "Requests that failed or went unanswered.",
		  offsetof(struct turn_stats, failures) },
		{ "turn_auth_failures_total", "Requests refused for their credentials.",
		  offsetof(struct turn_stats, auth_failures) },
		{ "turn_refusals_total", "Refreshes and CreatePermissions refused, asked again.",
		  offsetof(struct turn_stats, refusals) },
		{ "turn_attempts_lost_total", "ConnectionAttempts taken that no data connection followed.",
		  offsetof(struct turn_stats, attempts_lost) },
	};

	family(o, "turn_allocated", "gauge", "1 while the allocation on a TURN server stands.");
	for (unsigned int i = 0; i < m->n_turn; i++)
		mr_metrics_emit(o, "meshrelay_cp_turn_allocated{server=\"%s\",network=\"%s\"} %d\n",
		     m->turn[i].conf.name, m->turn[i].network_name,
		     m->turn[i].state == TURN_ALLOCATED);
	family(o, "turn_published", "gauge", "1 while the relay is published in discovery: "
	       "allocated and, when the server has peers, with a permission in force.");
	for (unsigned int i = 0; i < m->n_turn; i++)
		mr_metrics_emit(o, "meshrelay_cp_turn_published{server=\"%s\",network=\"%s\"} %d\n",
		     m->turn[i].conf.name, m->turn[i].network_name, m->turn[i].published);
	for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]); k++)
		turn_family(o, m, counts[k].name, "counter", counts[k].help, counts[k].off);
	family(o, "turn_allocate_seconds", "gauge",
	       "Connect to allocation, the last time an allocation was made.");
	for (unsigned int i = 0; i < m->n_turn; i++)
		mr_metrics_emit(o, "meshrelay_cp_turn_allocate_seconds{server=\"%s\",network=\"%s\"} %.3f\n",
		     m->turn[i].conf.name, m->turn[i].network_name,
		     (double)m->turn[i].stats.last_allocate_ms / 1000.0);
}

size_t cp_metrics_render(const struct cp_metrics_view *v, char *buf, size_t cap)
{
	struct mr_metrics_text o = { buf, cap, 0, false };
	const struct cp_mesh *m = v->mesh;

	one(&o, "config_generation", "gauge", "Generation of the configuration meshrelay-cp holds.",
	    v->conf->generation);
	one(&o, "config_validations_total", "counter",
	    "Configurations composed and validated, for reloads and what discovery learned.",
	    cp_conf_validations());
	one(&o, "dataplane_connected", "gauge", "1 while the control socket is connected.",
	    v->link->fd >= 0);
	one(&o, "dataplane_generation", "gauge",
	    "Generation in force at the data plane (0 while none is connected).",
	    v->link->dp_generation);
	one(&o, "dataplane_link_failures", "gauge", "Connection attempts failed in a row.",
	    v->link->failures);
	render_turn(&o, m);
	one(&o, "discovery_enabled", "gauge", "1 when a discovery store is configured.", m->has_disc);
	if (m->has_disc) {
		one(&o, "discovery_registered", "gauge", "1 while the registration is in the store.",
		    m->disc.registered);
		one(&o, "discovery_up", "gauge", "1 while the store answers.", m->disc.answering);
		one(&o, "discovery_lease_held", "gauge", "1 while a lease is held.", m->disc.lease != 0);
		one(&o, "discovery_gateways", "gauge", "Other gateways known from the store.",
		    m->disc.n_gateways);
	}
	return mr_metrics_done(&o);
}
