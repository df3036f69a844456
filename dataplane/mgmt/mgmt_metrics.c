/* SPDX-License-Identifier: BSD-3-Clause */
#include "mgmt_metrics.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_mempool.h>

#include "flow.h"
#include "flow_limits.h"
#include "health.h"
#include "mgmt_connlog.h"
#include "mgmt_report.h"
#include "mr_clock.h"
#include "mr_http_serve.h"
#include "mr_metrics_text.h"
#include "neigh.h"
#include "port_stats.h"
#include "relay_live.h"

/* A member's series at most: the longest family name, its labels, a 64-bit value. */
#define METRICS_MEMBER_LINE_MAX (48u + sizeof(((struct member_row *)0)->labels) + 24u)
/* Every member the appliance follows (HEALTH_SLOTS, four series each) and the rest, which
 * stays far under a MiB: a scrape never fails for a configuration the appliance takes
 * (answered 500 before, from about 3,300 members). */
#define METRICS_BODY_MAX (HEALTH_SLOTS * 4u * METRICS_MEMBER_LINE_MAX + (1u << 20))

/* The data plane's families are all meshrelay_<name>. */
static void family(struct mr_metrics_text *o, const char *name, const char *type,
		   const char *help)
{
	mr_metrics_family(o, "meshrelay_", name, type, help);
}

/* The event counters, one family each (meshrelay_<event>_total). */
struct event_sink {
	struct mgmt_report_sink s;
	struct mr_metrics_text *o;
	bool drops;
};

static void event_num(struct mgmt_report_sink *s, const char *name, uint64_t value)
{
	struct event_sink *e = (struct event_sink *)s;

	if (e->drops) {
		mr_metrics_emit(e->o, "meshrelay_drops_total{reason=\"%s\"} %" PRIu64 "\n", name, value);
		return;
	}
	mr_metrics_emit(e->o, "# HELP meshrelay_%s_total Data-plane event %s, all workers.\n"
		   "# TYPE meshrelay_%s_total counter\nmeshrelay_%s_total %" PRIu64 "\n",
	     name, name, name, name, value);
}

static void event_str(struct mgmt_report_sink *s, const char *name, const char *value)
{
	(void)s, (void)name, (void)value;
}

static void render_counters(const struct dp_appliance *app, struct mr_metrics_text *o)
{
	struct event_sink e = { { event_num, event_str, NULL }, o, false };

	mgmt_report_write(app, "counters", &e.s);
	family(o, "drops_total", "counter", "Frames and connections dropped, by reason.");
	e.drops = true;
	mgmt_report_write(app, "drops", &e.s);
}

static void render_ports(const struct dp_appliance *app, struct mr_metrics_text *o)
{
	static const struct { const char *name, *help; size_t off; } stat[] = {
		{ "port_rx_packets_total", "Frames received on a data port.",
		  offsetof(struct rte_eth_stats, ipackets) },
		{ "port_tx_packets_total", "Frames sent on a data port.",
		  offsetof(struct rte_eth_stats, opackets) },
		{ "port_rx_bytes_total", "Bytes received on a data port.",
		  offsetof(struct rte_eth_stats, ibytes) },
		{ "port_tx_bytes_total", "Bytes sent on a data port.",
		  offsetof(struct rte_eth_stats, obytes) },
		{ "port_rx_missed_total", "Frames the port dropped: its rx queues were full.",
		  offsetof(struct rte_eth_stats, imissed) },
		{ "port_rx_nombuf_total", "Frames lost for want of an mbuf.",
		  offsetof(struct rte_eth_stats, rx_nombuf) },
	};
	struct rte_eth_stats st[MR_MAX_PORTS];

	for (unsigned int i = 0; i < app->n_ports; i++)
		drv_port_stats(app->ports[i].port_id, &st[i]); /* a failed read: the last good */
	for (size_t k = 0; k < RTE_DIM(stat); k++) {
		family(o, stat[k].name, "counter", stat[k].help);
		for (unsigned int i = 0; i < app->n_ports; i++)
			mr_metrics_emit(o, "meshrelay_%s{port=\"%s\"} %" PRIu64 "\n", stat[k].name,
			     app->ports[i].conf->name,
			     *(const uint64_t *)((const char *)&st[i] + stat[k].off));
	}
	family(o, "port_rx_queue_packets_total", "counter", "Frames received per rx queue.");
	for (unsigned int i = 0; i < app->n_ports; i++)
		for (unsigned int q = 0; q < app->ports[i].conf->queues && q < RTE_ETHDEV_QUEUE_STAT_CNTRS; q++)
			mr_metrics_emit(o, "meshrelay_port_rx_queue_packets_total{port=\"%s\",queue=\"%u\"} %"
			     PRIu64 "\n", app->ports[i].conf->name, q, st[i].q_ipackets[q]);
}

static void gauge(struct mr_metrics_text *o, const char *name, const char *help, uint64_t value)
{
	family(o, name, "gauge", help);
	mr_metrics_emit(o, "meshrelay_%s %" PRIu64 "\n", name, value);
}

static void render_state(const struct dp_appliance *app, struct mr_metrics_text *o)
{
	const struct relay_live *live = relay_live_get(app);
	uint64_t flows = 0, capacity = 0, kept = 0, neigh = 0;

	for (unsigned int w = 0; w < app->n_workers; w++) {
		flows += flow_count(app->workers[w]->flows);
		capacity += flow_capacity(app->workers[w]->flows);
		kept += flow_kept_mbufs(app->workers[w]->flows);
		neigh += neigh_count(app->workers[w]->neigh);
	}
	gauge(o, "flows", "Connections the workers hold (any state).", flows);
	gauge(o, "flow_capacity", "Flow entries of all workers together.", capacity);
	gauge(o, "mbufs_in_use", "Packet buffers out of the pool.",
	      rte_mempool_in_use_count(app->pool));
	gauge(o, "mbufs", "Packet buffers in the pool.", app->pool->size);
	gauge(o, "kept_mbufs", "Buffers kept for hellos not yet routed.", kept);
	gauge(o, "neighbours", "Neighbour cache entries, all workers.", neigh);
	gauge(o, "config_generation", "Generation of the configuration in force (0: the file's).",
	      live->generation);
	gauge(o, "routes", "Name routes in the table in force.", route_table_route_count(live->routes));
	gauge(o, "workers", "Worker lcores.", app->n_workers);
	family(o, "uptime_seconds", "gauge", "Seconds since the data plane started.");
	mr_metrics_emit(o, "meshrelay_uptime_seconds %.3f\n", (double)(mr_clock_ms() - app->started_ms) / 1000.0);
	family(o, "connlog_written_total", "counter", "Connection records written to the log file.");
	mr_metrics_emit(o, "meshrelay_connlog_written_total %" PRIu64 "\n", mgmt_connlog_written());
	family(o, "connlog_lost_total", "counter", "Connection records a write to the file lost.");
	mr_metrics_emit(o, "meshrelay_connlog_lost_total %" PRIu64 "\n", mgmt_connlog_lost());
}

static void render_routing(const struct dp_appliance *app, struct mr_metrics_text *o)
{
	const struct relay_live *live = relay_live_get(app);
	const struct mr_config *c = &live->conf;
	uint64_t shared = 0;
	bool any_shared = false;

	family(o, "listener_connections_total", "counter", "Connections taken per listener.");
	for (unsigned int i = 0; i < c->n_listeners; i++)
		mr_metrics_emit(o, "meshrelay_listener_connections_total{listener=\"%s\"} %" PRIu64 "\n",
		     c->listeners[i].name, health_listener_connections(app, live->listener_counter[i]));
	family(o, "pool_connections_total", "counter",
	       "Connections routed per pool, kept by the pool's name across reloads.");
	for (unsigned int i = 0; i < c->n_pools; i++) {
		uint32_t counter = relay_live_pool_counter(live, i);

		if (health_pool_counter_shared(counter)) {
			shared = health_pool_connections(app, counter);
			any_shared = true;
			continue;
		}
		mr_metrics_emit(o, "meshrelay_pool_connections_total{pool=\"%s\"} %" PRIu64 "\n",
		     c->pools[i].name, health_pool_connections(app, counter));
	}
	if (!any_shared)
		return;
	family(o, "pool_connections_shared_total", "counter",
	       "Connections routed to the pools that have no counter of their own (more pool "
	       "names than the data plane counts apart), summed.");
	mr_metrics_emit(o, "meshrelay_pool_connections_shared_total %" PRIu64 "\n", shared);
}

struct member_row {
	char labels[MR_NAME_MAX + INET6_ADDRSTRLEN + 48];
	uint32_t slot;
};

/* Every pool member and every remote gateway with its labels and health slot; n rows. */
static unsigned int member_rows(const struct relay_live *live, struct member_row *rows,
				unsigned int max)
{
	unsigned int n = 0;

	for (uint32_t i = 0; i < route_table_member_count(live->routes) && n < max; i++) {
		struct ip_addr a;
		uint16_t port;
		char addr[INET6_ADDRSTRLEN];

		route_table_member(live->routes, i, &a, &port);
		ip_addr_format(&a, addr, sizeof(addr));
		snprintf(rows[n].labels, sizeof(rows[n].labels), "pool=\"%s\",member=\"%s%s%s:%u\"",
			 live->conf.pools[route_table_member_pool(live->routes, i)].name,
			 a.family == IP_ADDR_FAMILY_V6 ? "[" : "", addr,
			 a.family == IP_ADDR_FAMILY_V6 ? "]" : "", port);
		rows[n++].slot = relay_live_member_slot(live, i);
	}
	for (uint32_t i = 0; i < live->n_gateways && n < max; i++) {
		const struct relay_gateway *g = &live->gateways[i];
		char addr[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &g->addr, addr, sizeof(addr));
		snprintf(rows[n].labels, sizeof(rows[n].labels), "network=\"%s\",member=\"%s:%u\"",
			 live->conf.networks[g->network].name, addr, rte_be_to_cpu_16(g->port));
		rows[n++].slot = relay_live_gateway_slot(live, i);
	}
	return n;
}

static void render_members(const struct dp_appliance *app, struct mr_metrics_text *o)
{
	static const struct { const char *name, *help; size_t off; } stat[] = {
		{ "member_connections_total", "Connections to a pool member or gateway.",
		  offsetof(struct health_stats, connections) },
		{ "member_failures_total", "Connections a member refused, left unanswered or reset.",
		  offsetof(struct health_stats, failures) },
		{ "member_redispatches_total", "Connections sent on to the next member after it failed.",
		  offsetof(struct health_stats, redispatches) },
	};
	const struct relay_health *h = app->health;
	const struct relay_live *live = relay_live_get(app);
	unsigned int max = route_table_member_count(live->routes) + live->n_gateways + 1;
	struct member_row *rows = calloc(max, sizeof(*rows));
	unsigned int n = rows ? member_rows(live, rows, max) : 0;

	if (!rows)
		o->full = true; /* a page without its members' series is not sent: 500 */

	family(o, "health_events_lost_total", "counter",
	       "Member successes and failures lost to a full event ring (worker 0 behind): what "
	       "they would have ejected or restored did not happen.");
	mr_metrics_emit(o, "meshrelay_health_events_lost_total %" PRIu64 "\n", health_events_lost(h));
	family(o, "member_up", "gauge", "1 when a member may be chosen (up), 0 when down or ejected.");
	for (unsigned int i = 0; i < n; i++)
		if (h && rows[i].slot != HEALTH_NONE)
			mr_metrics_emit(o, "meshrelay_member_up{%s} %d\n", rows[i].labels,
			     health_state_of(h, rows[i].slot) == HEALTH_UP);
	for (size_t k = 0; k < RTE_DIM(stat); k++) {
		family(o, stat[k].name, "counter", stat[k].help);
		for (unsigned int i = 0; i < n; i++) {
			struct health_stats st;
			uint64_t sum;

			if (!h || rows[i].slot == HEALTH_NONE)
				continue;
			health_stats_read(h, rows[i].slot, &st);
			memcpy(&sum, (const char *)&st + stat[k].off, sizeof(sum));
			mr_metrics_emit(o, "meshrelay_%s{%s} %" PRIu64 "\n", stat[k].name, rows[i].labels, sum);
		}
	}
	free(rows);
}

size_t mgmt_metrics_render(const struct dp_appliance *app, char *buf, size_t cap)
{
	struct mr_metrics_text o = { buf, cap, 0, false };

	render_counters(app, &o);
	render_ports(app, &o);
	render_state(app, &o);
	render_routing(app, &o);
	render_members(app, &o);
	return mr_metrics_done(&o);
}

int mgmt_metrics_listen(const struct mr_metrics_conf *m, char *err, size_t errlen)
{
	return mr_http_listen("metrics", m->address, m->port, err, errlen);
}

size_t mgmt_metrics_body_max(void)
{
	return METRICS_BODY_MAX;
}

/* A scrape on the metrics thread: the live configuration held as a reader's, so that a
 * push's swap waits for it to be done rather than free what it reads. */
static size_t render_cb(void *ctx, char *buf, size_t cap)
{
	const struct dp_appliance *app = ctx;
	size_t len;

	relay_live_read_begin(app);
	len = mgmt_metrics_render(app, buf, cap);
	relay_live_read_end(app);
	return len;
}

void mgmt_metrics_server_init(struct mr_http_server *s, const struct dp_appliance *app,
			      int listen_fd)
{
	mr_http_server_init(s, listen_fd, MR_METRICS_CONTENT_TYPE, render_cb, (void *)app,
			    METRICS_BODY_MAX);
}
