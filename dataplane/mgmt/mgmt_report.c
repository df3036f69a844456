/* SPDX-License-Identifier: BSD-3-Clause */
#include "mgmt_report.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_mempool.h>

#include "announce.h"
#include "dp_mailbox.h"
#include "dp_port_pause.h"
#include "flow.h"
#include "flow_limits.h"
#include "health.h"
#include "mr_clock.h"
#include "neigh.h"
#include "port_stats.h"
#include "relay_live.h"

#define LIST_MAX_PER_WORKER 64
#define LINE_MAX_LEN 224

static void ipv4_text(uint32_t host_order, char *buf, size_t len)
{
	struct in_addr a = { .s_addr = htonl(host_order) };

	inet_ntop(AF_INET, &a, buf, (socklen_t)len);
}

static void report_counters(const struct dp_appliance *app, struct mgmt_report_sink *s,
			    bool drops)
{
	struct dp_counters sum;

	dp_counters_sum(app, &sum);
	if (drops) {
		for (int i = 1; i < DP_DROP_COUNT; i++)
			s->num(s, dp_drop_names[i], sum.drops[i]);
	} else {
		for (int i = 0; i < DP_EV_COUNT; i++)
			s->num(s, dp_event_names[i], sum.events[i]);
	}
}

/* Per-queue counters, as far as the device keeps them (RTE_ETHDEV_QUEUE_STAT_CNTRS). */
static void report_queues(const struct dp_port *p, const struct rte_eth_stats *st,
			  struct mgmt_report_sink *s)
{
	struct rte_eth_dev_info info;
	char key[32];

	if (rte_eth_dev_info_get(p->port_id, &info) != 0)
		return;
	for (unsigned int q = 0; q < info.nb_rx_queues && q < RTE_ETHDEV_QUEUE_STAT_CNTRS; q++) {
		snprintf(key, sizeof(key), "rx_q%u_packets", q);
		s->num(s, key, st->q_ipackets[q]);
	}
	for (unsigned int q = 0; q < info.nb_tx_queues && q < RTE_ETHDEV_QUEUE_STAT_CNTRS; q++) {
		snprintf(key, sizeof(key), "tx_q%u_packets", q);
		s->num(s, key, st->q_opackets[q]);
	}
}

/* The port's further source addresses, comma-separated ("" when none). */
static void report_source_addresses(const struct dp_port *p, struct mgmt_report_sink *s)
{
	char list[(1 + MR_SOURCE_ADDRS_MAX) * 16] = "";
	size_t at = 0;

	for (unsigned int i = 1; i < p->n_src_ipv4; i++) {
		char one[16];

		ipv4_text(p->src_ipv4[i], one, sizeof(one));
		at += (size_t)snprintf(list + at, sizeof(list) - at, "%s%s", i > 1 ? "," : "", one);
	}
	s->str(s, "source_addresses", list);
}

static int report_port(const struct dp_appliance *app, const char *name,
		       struct mgmt_report_sink *s)
{
	int i = mr_config_port_index(app->conf, name); /* the ports are the file's, in order */
	const struct dp_port *p;
	struct rte_eth_stats st = { 0 };
	char text[RTE_ETHER_ADDR_FMT_SIZE + 16];
	unsigned int paused;

	if (i < 0 || i >= (int)app->n_ports)
		return -1;
	p = &app->ports[i];
	s->str(s, "name", p->conf->name);
	s->num(s, "port_id", p->port_id);
	s->str(s, "driver", p->caps.driver);
	rte_ether_format_addr(text, sizeof(text), &p->mac);
	s->str(s, "mac", text);
	ipv4_text(p->ipv4, text, sizeof(text));
	s->str(s, "ipv4", text);
	report_source_addresses(p, s);
	/* As the main lcore last read it (af_packet's from its kernel interface, which the
	 * PMD never reads: it says up from the start). */
	s->str(s, "link", __atomic_load_n(&app->link_state[i], __ATOMIC_ACQUIRE) & ANNOUNCE_LINK_UP ? "up"
										     : "down");
	paused = dp_port_paused_workers(app, i);
	s->str(s, "polling", !paused ? "on" : paused == app->n_workers ? "paused" :
	       "paused on some workers");
	s->str(s, "exception", p->has_kernel ? p->conf->exception.iface : "");
	drv_port_stats(p->port_id, &st);
	s->num(s, "rx_packets", st.ipackets);
	s->num(s, "tx_packets", st.opackets);
	s->num(s, "rx_bytes", st.ibytes);
	s->num(s, "tx_bytes", st.obytes);
	s->num(s, "rx_missed", st.imissed);
	s->num(s, "rx_nombuf", st.rx_nombuf);
	report_queues(p, &st, s);
	return 0;
}

static void report_flows(const struct dp_appliance *app, struct mgmt_report_sink *s)
{
	uint64_t in_use = 0, capacity = 0, by_state[FLOW_STATE_COUNT] = { 0 };

	for (unsigned int w = 0; w < app->n_workers; w++) {
		struct flow_table *ft = app->workers[w]->flows;

		in_use += flow_count(ft);
		capacity += flow_capacity(ft);
		/* States are read racily while the worker runs: a display, not an account. */
		for (uint32_t i = 0; i < flow_capacity(ft); i++) {
			const struct flow *f = flow_at(ft, i);

			if (f && f->state < FLOW_STATE_COUNT)
				by_state[f->state]++;
		}
	}
	s->num(s, "flows", in_use);
	for (unsigned int i = 1; i < FLOW_STATE_COUNT; i++)
		s->num(s, flow_state_name(i), by_state[i]);
	s->num(s, "capacity", capacity);
	s->num(s, "entry_bytes", sizeof(struct flow));
	if (app->n_workers)
		s->num(s, "bytes_per_flow", flow_bytes_per_flow(app->workers[0]->flows));
}

static void report_status(const struct dp_appliance *app, struct mgmt_report_sink *s)
{
	const struct relay_live *live = relay_live_get(app);
	uint64_t flows = 0, kept = 0;

	for (unsigned int w = 0; w < app->n_workers; w++) {
		flows += flow_count(app->workers[w]->flows);
		kept += flow_kept_mbufs(app->workers[w]->flows);
	}
	s->num(s, "generation", live->generation);
	s->num(s, "uptime_s", (mr_clock_ms() - app->started_ms) / 1000);
	s->num(s, "workers", app->n_workers);
	s->num(s, "ports", app->n_ports);
	s->num(s, "listeners", live->conf.n_listeners);
	s->num(s, "flows", flows);
	/* Buffers out of the pool (held by flows, queues and rings; per-lcore caches count
	 * as free): after traffic stops it must come back to its idle level. */
	s->num(s, "mbufs_in_use", rte_mempool_in_use_count(app->pool));
	s->num(s, "mbufs", app->pool->size);
	s->num(s, "kept_mbufs", kept);
	s->num(s, "kept_per_worker", app->kept_per_worker);
	s->num(s, "routes", route_table_route_count(live->routes));
	s->str(s, "source", live->conf.source);
	s->num(s, "managed", app->managed_by != 0); /* by meshrelay-cp: pushes refused */
	/* Stopping: every new connection is refused meanwhile, however well the rest reads. */
	s->num(s, "draining", app->draining ? 1 : 0);
	/* It reads another gateway's PROXY header before a hello, and takes client_header in
	 * a gateway's entry: what meshrelay-cp may advertise and push (an older one does
	 * not say, and would refuse the key). */
	s->num(s, "client_header", 1);
}

static void report_routes(const struct dp_appliance *app, struct mgmt_report_sink *s)
{
	const struct relay_live *live = relay_live_get(app);
	const struct mr_config *c = &live->conf;
	char line[LINE_MAX_LEN + 300];

	for (unsigned int i = 0; i < c->n_routes; i++) {
		const struct mr_route_conf *r = &c->routes[i];
		const char *target = r->pool >= 0 ? c->pools[r->pool].name
						  : c->networks[r->network].name;
		uint32_t counter = r->pool >= 0 ? relay_live_pool_counter(live, (uint32_t)r->pool) : 0;
		uint64_t conns = r->pool >= 0 && !health_pool_counter_shared(counter)
			? health_pool_connections(app, counter) : 0;

		snprintf(line, sizeof(line), "%s -> %s %s%s pool_connections=%" PRIu64,
			 r->sni ? r->sni : "(default)", r->pool >= 0 ? "pool" : "network", target,
			 r->proxy_protocol_v2 ? " proxy-v2" : "", conns);
		s->item(s, line);
	}
	for (unsigned int i = 0; i < c->n_mangled; i++) {
		snprintf(line, sizeof(line), "*.%s -> mangled destinations in network %s",
			 c->mangled[i].suffix,
			 c->mangled[i].network >= 0 ? c->networks[c->mangled[i].network].name : "named");
		s->item(s, line);
	}
	for (unsigned int i = 0; i < c->n_remote_gateways; i++) {
		const struct mr_remote_gateway_conf *g = &c->remote_gateways[i];

		snprintf(line, sizeof(line), "network %s -> gateway %s via %s%s%s:%u",
			 c->networks[g->network].name, g->id, strchr(g->address, ':') ? "[" : "",
			 g->address, strchr(g->address, ':') ? "]" : "", g->port);
		s->item(s, line);
	}
}

/* Seconds since changed_ms (0: never changed). The health worker may change it after now
 * was read, a moment later: 0 then, not a wrapped count. */
static uint64_t since_s(uint64_t changed_ms, uint64_t now_ms)
{
	return changed_ms && changed_ms < now_ms ? (now_ms - changed_ms) / 1000 : 0;
}

/* One member's or gateway's health and counts (read while the health worker and the
 * others write them: a line may mix two moments). label: its pool, or "net:" and its
 * network. */
static void health_line(const struct dp_appliance *app, const char *label,
			const struct ip_addr *a, uint16_t port, uint32_t slot, char *line, size_t len)
{
	const struct relay_health *h = app->health;
	const struct health_slot *hs;
	enum health_state state;
	struct health_stats st;
	uint64_t now = app->workers[0]->now_ms;
	char addr[INET6_ADDRSTRLEN + 2], until[48] = "";

	ip_addr_format(a, addr, sizeof(addr));
	if (!h || slot == HEALTH_NONE) {
		snprintf(line, len, "%s %s:%u state=unfollowed", label, addr, port);
		return;
	}
	hs = &h->slots[slot];
	state = health_state_of(h, slot);
	health_stats_read(h, slot, &st);
	if (state == HEALTH_EJECTED && hs->until_ms > now)
		snprintf(until, sizeof(until), " for=%" PRIu64 "ms", hs->until_ms - now);
	/* Short names: a telemetry string holds 127 bytes. */
	snprintf(line, len, "%s %s%s%s:%u state=%s%s check=%s %u/%u fails=%u conns=%" PRIu64
		 " failed=%" PRIu64 " redisp=%" PRIu64 " since=%" PRIu64 "s (%s)", label,
		 a->family == IP_ADDR_FAMILY_V6 ? "[" : "", addr,
		 a->family == IP_ADDR_FAMILY_V6 ? "]" : "", port,
		 state == HEALTH_UP ? "up" : state == HEALTH_DOWN ? "down" : "ejected", until,
		 hs->last_check == 1 ? "passed" : hs->last_check == 2 ? "failed" : "none",
		 hs->checks_ok, hs->checks_failed, hs->fails, st.connections, st.failures,
		 st.redispatches,
		 since_s(hs->changed_ms, now), hs->cause[0] ? hs->cause : "-");
}

/* Every pool member, then every other network's gateway. */
static void report_pools(const struct dp_appliance *app, struct mgmt_report_sink *s)
{
	const struct relay_live *live = relay_live_get(app);
	char line[LINE_MAX_LEN + 200], label[MR_NAME_MAX + 8];

	for (uint32_t i = 0; i < route_table_member_count(live->routes); i++) {
		struct ip_addr a;
		uint16_t port;

		route_table_member(live->routes, i, &a, &port);
		health_line(app, live->conf.pools[route_table_member_pool(live->routes, i)].name,
			    &a, port, relay_live_member_slot(live, i), line, sizeof(line));
		s->item(s, line);
	}
	for (uint32_t i = 0; i < live->n_gateways; i++) {
		const struct relay_gateway *g = &live->gateways[i];
		struct ip_addr a = ip_addr_v4(rte_be_to_cpu_32(g->addr));

		snprintf(label, sizeof(label), "net:%s", live->conf.networks[g->network].name);
		health_line(app, label, &a, rte_be_to_cpu_16(g->port), relay_live_gateway_slot(live, i),
			    line, sizeof(line));
		s->item(s, line);
	}
}

/* The names this gateway exports and those it imported, with where they go. */
static void report_services(const struct dp_appliance *app, struct mgmt_report_sink *s)
{
	const struct relay_live *live = relay_live_get(app);
	const struct mr_config *c = &live->conf;
	char line[LINE_MAX_LEN + 300];

	for (unsigned int i = 0; i < c->n_routes; i++) {
		const struct mr_route_conf *r = &c->routes[i];
		const char *kind = r->exported ? "exported" : r->imported ? "imported" : "local";
		char plain[64] = "";

		if (!r->exported && !r->imported && !r->plain)
			continue;
		if (r->plain) {
			uint32_t vip = route_table_service_vip(live->routes, r->sni, strlen(r->sni));

			snprintf(plain, sizeof(plain), " tcp/%u vip %u.%u.%u.%u", r->tcp_port,
				 vip >> 24, (vip >> 16) & 255, (vip >> 8) & 255, vip & 255);
		}
		if (r->pool >= 0)
			snprintf(line, sizeof(line), "%s %s%s pool %s", kind, r->sni, plain,
				 c->pools[r->pool].name);
		else
			snprintf(line, sizeof(line), "%s %s%s from network %s", kind, r->sni, plain,
				 c->networks[r->network].name);
		s->item(s, line);
	}
}

/* What the configuration in force has from discovery, in the words meshrelay-cp reads
 * back when it starts while discovery does not answer: "gateway NETWORK ID ADDRESS PORT"
 * for each remote gateway, "import NETWORK NAME[:PORT]" for each imported name. */
static void report_learned(const struct dp_appliance *app, struct mgmt_report_sink *s)
{
	const struct relay_live *live = relay_live_get(app);
	const struct mr_config *c = &live->conf;
	char line[LINE_MAX_LEN + 300];

	for (unsigned int i = 0; i < c->n_remote_gateways; i++) {
		const struct mr_remote_gateway_conf *g = &c->remote_gateways[i];

		snprintf(line, sizeof(line), "gateway %s %s %s %u", c->networks[g->network].name,
			 g->id, g->address, g->port);
		s->item(s, line);
	}
	for (unsigned int i = 0; i < c->n_routes; i++) {
		const struct mr_route_conf *r = &c->routes[i];
		char port[8] = "";

		if (!r->imported || r->network < 0)
			continue;
		if (r->plain)
			snprintf(port, sizeof(port), ":%u", r->tcp_port);
		snprintf(line, sizeof(line), "import %s %s%s", c->networks[r->network].name, r->sni,
			 port);
		s->item(s, line);
	}
}

static void report_listeners(const struct dp_appliance *app, struct mgmt_report_sink *s)
{
	const struct relay_live *live = relay_live_get(app);
	const struct mr_config *c = &live->conf;
	char line[LINE_MAX_LEN];

	for (unsigned int i = 0; i < c->n_listeners; i++) {
		const struct mr_listener_conf *l = &c->listeners[i];

		snprintf(line, sizeof(line), "%s %s:%u connections=%" PRIu64, l->name,
			 c->ports[l->port_index].name, l->tcp_port,
			 health_listener_connections(app, live->listener_counter[i]));
		s->item(s, line);
	}
}

static void report_steering(const struct dp_appliance *app, struct mgmt_report_sink *s)
{
	char line[LINE_MAX_LEN + 300];

	for (unsigned int i = 0; i < app->n_ports; i++) {
		snprintf(line, sizeof(line), "%s: %s", app->ports[i].conf->name,
			 app->ports[i].steer_note);
		s->item(s, line);
	}
}

/* Busy share of each worker since the start: the time its polls found work took, of all
 * the time (it never sleeps). A share of polls would tell much less: an idle poll takes a
 * fraction of a busy one, so a core busy 90 % of the time may find work in 10 % of them. */
static void report_lcores(const struct dp_appliance *app, struct mgmt_report_sink *s)
{
	double up_cycles = (double)(mr_clock_ms() - app->started_ms) * (double)rte_get_tsc_hz() /
			   1000.0;
	char line[LINE_MAX_LEN];

	for (unsigned int i = 0; i < app->n_workers; i++) {
		const struct dp_worker *w = app->workers[i];
		uint64_t busy = dp_counter_read(&w->load.busy_polls);
		uint64_t idle = dp_counter_read(&w->load.idle_polls);
		uint64_t cycles = dp_counter_read(&w->load.busy_cycles);
		double pct = up_cycles > 0 ? 100.0 * (double)cycles / up_cycles : 0.0;

		snprintf(line, sizeof(line), "worker=%u lcore=%u busy_cycles=%" PRIu64
			 " busy_polls=%" PRIu64 " idle_polls=%" PRIu64 " busy_pct=%.1f tsc_hz=%" PRIu64,
			 i, w->lcore_id, cycles, busy, idle, pct > 100.0 ? 100.0 : pct,
			 rte_get_tsc_hz());
		s->item(s, line);
	}
}

/* Lines filled in by a worker on its own lcore. */
struct worker_lines {
	char (*line)[LINE_MAX_LEN];
	unsigned int n;
	uint32_t more;          /* entries of the worker's past the lines: said, not hidden */
};

/* "a.b.c.d:port" or "[v6]:port" of the peer of side dir of f. */
static void side_peer_text(const struct flow_table *ft, const struct flow *f, enum flow_dir dir,
			   char *buf, size_t len)
{
	const struct flow_side *side = dir == FLOW_DIR_CLIENT ? &f->c : &f->b;
	const struct flow_addr6 *a6 = flow_side_addr6(ft, f, dir);
	char ip[INET6_ADDRSTRLEN];

	if (a6) {
		inet_ntop(AF_INET6, a6->peer, ip, sizeof(ip));
		snprintf(buf, len, "[%s]:%u", ip, rte_be_to_cpu_16(side->key.peer_port));
	} else {
		inet_ntop(AF_INET, &side->key.peer_ip, ip, sizeof(ip));
		snprintf(buf, len, "%s:%u", ip, rte_be_to_cpu_16(side->key.peer_port));
	}
}

static void flow_describe(const struct flow_table *ft, const struct flow *f, uint32_t now_ms,
			  char *buf, size_t len)
{
	char c[INET6_ADDRSTRLEN + 8], b[INET6_ADDRSTRLEN + 8];

	side_peer_text(ft, f, FLOW_DIR_CLIENT, c, sizeof(c));
	side_peer_text(ft, f, FLOW_DIR_BACKEND, b, sizeof(b));
	snprintf(buf, len, "%s client=%s backend=%s via=%u fin=%u%u%u%u rst=%u%u kept=%u "
		 "expires_in_ms=%d", flow_state_name(f->state), c, b,
		 rte_be_to_cpu_16(f->b.key.local_port), f->c.fin_seen, f->c.fin_acked, f->b.fin_seen,
		 f->b.fin_acked, f->c.rst, f->b.rst, f->stream_len, (int32_t)(f->expire_ms - now_ms));
}

struct flow_lines {
	struct worker_lines *out;
	const struct dp_worker *w;
};

static void flow_line(void *ctx, struct flow *f)
{
	struct flow_lines *fl = ctx;

	flow_describe(fl->w->flows, f, (uint32_t)fl->w->now_ms, fl->out->line[fl->out->n++],
		      LINE_MAX_LEN);
}

/* On the worker, between its polls: the flows taken from the timer wheel, not by a walk
 * over the table (millions of entries on a large one, the worker's receive queues
 * overflowing meanwhile). */
static void flow_lines_on_worker(struct dp_worker *w, void *arg)
{
	struct flow_lines fl = { .out = arg, .w = w };

	fl.out->n = 0;
	flow_visit(w->flows, LIST_MAX_PER_WORKER, flow_line, &fl);
	fl.out->more = flow_count(w->flows) > fl.out->n ? flow_count(w->flows) - fl.out->n : 0;
}

static void neigh_lines_on_worker(struct dp_worker *w, void *arg)
{
	struct worker_lines *out = arg;
	struct neigh_info info[LIST_MAX_PER_WORKER];
	unsigned int n = neigh_snapshot(w->neigh, w->now_ms, info, LIST_MAX_PER_WORKER);

	out->more = neigh_count(w->neigh) > n ? neigh_count(w->neigh) - n : 0;

	for (out->n = 0; out->n < n; out->n++) {
		char ip[INET6_ADDRSTRLEN], mac[RTE_ETHER_ADDR_FMT_SIZE];
		const struct neigh_info *e = &info[out->n];

		if (neigh_addr_is_v4(&e->addr))
			ipv4_text(neigh_addr_v4_of(&e->addr), ip, sizeof(ip));
		else
			inet_ntop(AF_INET6, e->addr.b, ip, sizeof(ip));
		rte_ether_format_addr(mac, sizeof(mac), &e->mac);
		snprintf(out->line[out->n], LINE_MAX_LEN,
			 "worker=%u ip=%s state=%s mac=%s age_ms=%" PRIu64 " pending=%u", w->index,
			 ip, neigh_state_name(e->state), mac, e->age_ms, e->n_pending);
	}
}

/* Ask every worker for its lines; a worker that does not answer leaves its buffer to it. */
static int report_worker_lines(const struct dp_appliance *app, struct mgmt_report_sink *s,
			       void (*fn)(struct dp_worker *, void *))
{
	struct worker_lines *out = calloc(1, sizeof(*out) + LIST_MAX_PER_WORKER * LINE_MAX_LEN);

	if (!out)
		return -1;
	out->line = (char (*)[LINE_MAX_LEN])(out + 1);
	for (unsigned int w = 0; w < app->n_workers; w++) {
		if (dp_mailbox_call(app->workers[w], fn, out, 1000) < 0) {
			free(out); /* withdrawn: nothing writes into it */
			return -1;
		}
		for (unsigned int i = 0; i < out->n; i++)
			s->item(s, out->line[i]);
		if (out->more) {
			char line[LINE_MAX_LEN];

			snprintf(line, sizeof(line), "worker=%u: %" PRIu32 " more not listed (%u "
				 "a worker at most)", w, out->more, LIST_MAX_PER_WORKER);
			s->item(s, line);
		}
	}
	free(out);
	return 0;
}

enum mgmt_report_kind mgmt_report_kind_of(const char *name)
{
	static const char *const dicts[] = { "status", "counters", "drops", "flows" };
	static const char *const lists[] = { "ports", "flow_list", "neighbours", "routes",
					     "pools", "services", "listeners", "lcores", "steering",
					     "learned" };

	for (size_t i = 0; i < RTE_DIM(dicts); i++)
		if (strcmp(name, dicts[i]) == 0)
			return MGMT_REPORT_DICT;
	for (size_t i = 0; i < RTE_DIM(lists); i++)
		if (strcmp(name, lists[i]) == 0)
			return MGMT_REPORT_LIST;
	return strncmp(name, "port:", 5) == 0 ? MGMT_REPORT_DICT : MGMT_REPORT_UNKNOWN;
}

int mgmt_report_write(const struct dp_appliance *app, const char *name, struct mgmt_report_sink *s)
{
	if (strcmp(name, "status") == 0)
		report_status(app, s);
	else if (strcmp(name, "counters") == 0 || strcmp(name, "drops") == 0)
		report_counters(app, s, name[0] == 'd');
	else if (strcmp(name, "flows") == 0)
		report_flows(app, s);
	else if (strcmp(name, "routes") == 0)
		report_routes(app, s);
	else if (strcmp(name, "pools") == 0)
		report_pools(app, s);
	else if (strcmp(name, "services") == 0)
		report_services(app, s);
	else if (strcmp(name, "learned") == 0)
		report_learned(app, s);
	else if (strcmp(name, "listeners") == 0)
		report_listeners(app, s);
	else if (strcmp(name, "lcores") == 0)
		report_lcores(app, s);
	else if (strcmp(name, "steering") == 0)
		report_steering(app, s);
	else if (strcmp(name, "ports") == 0)
		for (unsigned int i = 0; i < app->n_ports; i++)
			s->item(s, app->ports[i].conf->name);
	else if (strncmp(name, "port:", 5) == 0)
		return report_port(app, name + 5, s);
	else if (strcmp(name, "flow_list") == 0)
		return report_worker_lines(app, s, flow_lines_on_worker);
	else if (strcmp(name, "neighbours") == 0)
		return report_worker_lines(app, s, neigh_lines_on_worker);
	else
		return -1;
	return 0;
}
