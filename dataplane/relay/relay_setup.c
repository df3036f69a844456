/* SPDX-License-Identifier: BSD-3-Clause */
#include "relay_setup.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_rcu_qsbr.h>

#include "host_settings.h"
#include "connlog.h"
#include "flow.h"
#include "relay.h"
#include "mr_log.h"
#include "dns_input.h"
#include "port.h"
#include "health.h"
#include "relay_live.h"
#include "route_table.h"
#include "synack.h"

#define PORT_RANGE_SYSCTL "/proc/sys/net/ipv4/ip_local_port_range"

/* The kernel's ephemeral ports as they were before reserve_source_ports ("" when it did
 * not move them): put back by relay_down. The setting is the network namespace's, one
 * per process. */
static char kernel_port_range[32];

/* The kernel behind the exception path must not pick the relay's source ports for its
 * own connections, or their replies would be taken for relay traffic. */
static void reserve_source_ports(const struct dp_appliance *app)
{
	const struct mr_relay_conf *rc = &app->conf->relay;
	unsigned int lo, hi;
	char range[32], before[32] = "";

	mr_config_host_ports(rc->src_port_first, rc->src_port_last, &lo, &hi);
	snprintf(range, sizeof(range), "%u %u\n", lo, hi);
	/* The host's own range: kept from a run that crashed, else the current one. */
	if (drv_host_set(PORT_RANGE_SYSCTL, range, before, sizeof(before)) < 0) {
		mr_log(MR_LOG_WARN, "could not move the kernel's ephemeral ports out of %u-%u",
		       rc->src_port_first, rc->src_port_last);
		return;
	}
	if (!kernel_port_range[0]) /* the first move: what the host had */
		snprintf(kernel_port_range, sizeof(kernel_port_range), "%s", before);
	mr_log(MR_LOG_INFO, "relay source ports %u-%u; kernel ephemeral ports %u-%u",
	       rc->src_port_first, rc->src_port_last, lo, hi);
}

/* The host's ephemeral ports back as they were: the appliance stops, or failed to start. */
static void release_source_ports(void)
{
	if (!kernel_port_range[0])
		return;
	if (drv_host_restore(PORT_RANGE_SYSCTL, kernel_port_range) < 0)
		mr_log(MR_LOG_WARN, "could not put the kernel's ephemeral ports back to %.*s",
		       (int)strcspn(kernel_port_range, "\n"), kernel_port_range);
	kernel_port_range[0] = '\0';
}

/* Generation 0 of the live configuration: the file's own routes and listeners, from a
 * deep copy of the configuration (the live copy is owned and freed separately). */
static int live_up(struct dp_appliance *app, char *err, size_t errlen)
{
	struct mr_config conf = { 0 };
	struct relay_live *live;
	size_t qsbr_size = rte_rcu_qsbr_get_memsize(DP_MAX_WORKERS);

	app->qsbr = rte_zmalloc("qsbr", qsbr_size, RTE_CACHE_LINE_SIZE);
	if (!app->qsbr || rte_rcu_qsbr_init(app->qsbr, DP_MAX_WORKERS) != 0) {
		snprintf(err, errlen, "RCU state: out of memory");
		return -1;
	}
	if (mr_config_clone(&conf, app->conf) < 0) {
		snprintf(err, errlen, "%s: out of memory", app->conf->source);
		return -1;
	}
	app->health = health_create(HEALTH_SLOTS, app->n_workers, err, errlen);
	if (!app->health || relay_live_build(NULL, &conf, 0, &live, err, errlen) < 0) {
		mr_config_free(&conf);
		return -1;
	}
	if (health_bind_live(app->health, live, app) < 0) {
		snprintf(err, errlen, "member health: out of memory");
		relay_live_free(live);
		return -1;
	}
	rte_rwlock_init(&app->live_readers);
	app->live = live;
	health_sweep_unused(app->health);
	health_bind_rest(app->health, live); /* says so if some are beyond the slots */
	return 0;
}

/* Keys from the kernel's random source, never from a seed that a few outputs would give
 * away (rte_rand's is 32 bits in DPDK 22.11). */
static int secrets_up(struct dp_appliance *app, char *err, size_t errlen)
{
	struct relay_secrets *s = rte_zmalloc("relay_secrets", sizeof(*s), RTE_CACHE_LINE_SIZE);

	app->secrets = s;
	if (!s) {
		snprintf(err, errlen, "relay secrets: out of memory");
		return -1;
	}
	if (syncookie_keys_init(&s->cookies) < 0 || syncookie_key_init(&s->isn) < 0) {
		snprintf(err, errlen, "relay secrets: no random bytes from the kernel: %s",
			 strerror(errno));
		return -1;
	}
	return 0;
}

void relay_secrets_tick(struct dp_appliance *app, uint64_t now_ms)
{
	struct relay_secrets *s = app->secrets;

	if (!s->rotated_ms) {
		s->rotated_ms = now_ms;
		return;
	}
	if (now_ms - s->rotated_ms < SYNCOOKIE_ROTATE_MS)
		return;
	if (syncookie_keys_rotate(&s->cookies) < 0) {
		mr_log(MR_LOG_WARN, "SYN cookie keys not rotated: no random bytes: %s",
		       strerror(errno));
		return; /* the keys in force stay; tried again at the next tick */
	}
	s->rotated_ms = now_ms;
}

int relay_up(struct dp_appliance *app, char *err, size_t errlen)
{
	if (secrets_up(app, err, errlen) < 0 || live_up(app, err, errlen) < 0)
		return -1;
	app->src_port_first = app->conf->relay.src_port_first;
	app->src_port_last = app->conf->relay.src_port_last;
	for (unsigned int i = 0; i < app->conf->n_ports; i++)
		if (app->conf->ports[i].exception.enabled) {
			reserve_source_ports(app);
			break;
		}
	mr_log(MR_LOG_INFO, "relay: %u listener(s), %u route(s), %u flows per worker "
	       "(%zu bytes per flow entry)", app->conf->n_listeners,
	       route_table_route_count(app->live->routes), app->conf->relay.max_flows,
	       sizeof(struct flow));
	return 0;
}

void relay_down(struct dp_appliance *app)
{
	release_source_ports();
	relay_live_free((struct relay_live *)(uintptr_t)app->live);
	app->live = NULL;
	rte_free(app->qsbr);
	app->qsbr = NULL;
	health_free(app->health);
	app->health = NULL;
	if (app->secrets)
		explicit_bzero(app->secrets, sizeof(*app->secrets)); /* rte_free leaves memory as is */
	rte_free(app->secrets);
	app->secrets = NULL;
}

bool relay_worker_up(struct dp_worker *w, int socket)
{
	const struct dp_appliance *app = w->app;
	char name[32];

	/* Start anywhere in the source-port share: after a restart, backends may still hold
	 * connections from the ports used last time. */
	w->src_port_next = (uint32_t)rte_rand();
	snprintf(name, sizeof(name), "flows_w%u", w->index);
	w->flows = flow_table_create(name, app->conf->relay.max_flows, socket);
	/* IPv6 flows need room for their addresses only where a port has an IPv6 address. */
	for (unsigned int i = 0; w->flows && i < app->n_ports; i++) {
		if (app->ports[i].has_ipv6 && flow_table_enable_ipv6(w->flows, socket) < 0) {
			flow_table_free(w->flows);
			w->flows = NULL;
		}
	}
	/* The connection log's slots and ring, only when it is configured. */
	if (w->flows && app->conf->log.connections[0] &&
	    connlog_worker_init(w, flow_capacity(w->flows), app->conf->log.connections_ring,
				socket) < 0) {
		flow_table_free(w->flows);
		w->flows = NULL;
	}
	return w->flows != NULL;
}

void relay_worker_down(struct dp_worker *w)
{
	connlog_worker_free(w);
	flow_table_free(w->flows);
	w->flows = NULL;
	free(w->binds);
	w->binds = NULL;
	free(w->bind_peers);
	w->bind_peers = NULL;
	synack_free(w);
	dns_worker_down(w);
}
