#include "dp_telemetry.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>

#include <rte_ethdev.h>
#include <rte_telemetry.h>

#include "dp_worker.h"

/* Written once by the main lcore before telemetry can call in; read-only afterwards.
 * Telemetry callbacks take no user argument in DPDK 22.11, hence this one global. */
static const struct dp_appliance *tel_app;

void dp_counters_sum(const struct dp_appliance *app, struct dp_counters *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned int w = 0; w < app->n_workers && app->workers[w]; w++) {
		const struct dp_counters *c = &app->workers[w]->counters;

		for (int i = 0; i < DP_EV_COUNT; i++)
			sum->events[i] += dp_counter_read(&c->events[i]);
		for (int i = 0; i < DP_DROP_COUNT; i++)
			sum->drops[i] += dp_counter_read(&c->drops[i]);
	}
}

void dp_counters_print(const struct dp_appliance *app, FILE *out)
{
	struct dp_counters sum;

	dp_counters_sum(app, &sum);
	for (int i = 0; i < DP_EV_COUNT; i++)
		if (sum.events[i])
			fprintf(out, "counter %s %" PRIu64 "\n", dp_event_names[i], sum.events[i]);
	for (int i = 1; i < DP_DROP_COUNT; i++)
		if (sum.drops[i])
			fprintf(out, "drop %s %" PRIu64 "\n", dp_drop_names[i], sum.drops[i]);
}

static void ipv4_text(uint32_t host_order, char *buf, size_t len)
{
	struct in_addr a = { .s_addr = htonl(host_order) };

	inet_ntop(AF_INET, &a, buf, (socklen_t)len);
}

static int tel_counters(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct dp_counters sum;
	bool drops = strcmp(cmd, "/meshrelay/drops") == 0;

	(void)params;
	dp_counters_sum(tel_app, &sum);
	rte_tel_data_start_dict(d);
	if (drops) {
		for (int i = 1; i < DP_DROP_COUNT; i++)
			rte_tel_data_add_dict_u64(d, dp_drop_names[i], sum.drops[i]);
	} else {
		for (int i = 0; i < DP_EV_COUNT; i++)
			rte_tel_data_add_dict_u64(d, dp_event_names[i], sum.events[i]);
	}
	return 0;
}

static void tel_port_dict(const struct dp_port *p, struct rte_tel_data *d)
{
	struct rte_eth_stats st = { 0 };
	struct rte_eth_link link = { 0 };
	char text[RTE_ETHER_ADDR_FMT_SIZE + 16];

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", p->conf->name);
	rte_tel_data_add_dict_int(d, "port_id", p->port_id);
	rte_tel_data_add_dict_string(d, "driver", p->caps.driver);
	rte_ether_format_addr(text, sizeof(text), &p->mac);
	rte_tel_data_add_dict_string(d, "mac", text);
	ipv4_text(p->ipv4, text, sizeof(text));
	rte_tel_data_add_dict_string(d, "ipv4", text);
	rte_eth_link_get_nowait(p->port_id, &link);
	rte_tel_data_add_dict_string(d, "link", link.link_status ? "up" : "down");
	rte_tel_data_add_dict_string(d, "exception", p->has_kernel ? p->conf->exception.iface : "");
	rte_eth_stats_get(p->port_id, &st);
	rte_tel_data_add_dict_u64(d, "rx_packets", st.ipackets);
	rte_tel_data_add_dict_u64(d, "tx_packets", st.opackets);
	rte_tel_data_add_dict_u64(d, "rx_missed", st.imissed);
	rte_tel_data_add_dict_u64(d, "rx_nombuf", st.rx_nombuf);
}

/* Like /ethdev/list and /ethdev/info,ID: a list of names, then one port by name. */
static int tel_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	for (unsigned int i = 0; i < tel_app->n_ports; i++)
		rte_tel_data_add_array_string(d, tel_app->ports[i].conf->name);
	return 0;
}

static int tel_port(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	for (unsigned int i = 0; params && i < tel_app->n_ports; i++) {
		if (strcmp(params, tel_app->ports[i].conf->name) == 0) {
			tel_port_dict(&tel_app->ports[i], d);
			return 0;
		}
	}
	return -EINVAL;
}

/* Flow counts are read without asking the workers: a relaxed snapshot is enough. */
static int tel_flows(const char *cmd, const char *params, struct rte_tel_data *d)
{
	static const char *const state_names[] = { "free", "hello", "connecting", "spliced",
						    "closing" };
	uint64_t in_use = 0, capacity = 0, by_state[RTE_DIM(state_names)] = { 0 };

	(void)cmd;
	(void)params;
	for (unsigned int w = 0; w < tel_app->n_workers; w++) {
		struct flow_table *ft = tel_app->workers[w]->flows;

		in_use += flow_count(ft);
		capacity += flow_capacity(ft);
		/* States are read racily while the worker runs: a display, not an account. */
		for (uint32_t i = 0; i < flow_capacity(ft); i++) {
			const struct flow *f = flow_at(ft, i);

			if (f && f->state < RTE_DIM(state_names))
				by_state[f->state]++;
		}
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "flows", in_use);
	for (size_t i = 1; i < RTE_DIM(state_names); i++)
		rte_tel_data_add_dict_u64(d, state_names[i], by_state[i]);
	rte_tel_data_add_dict_u64(d, "capacity", capacity);
	rte_tel_data_add_dict_u64(d, "entry_bytes", sizeof(struct flow));
	if (tel_app->n_workers)
		rte_tel_data_add_dict_u64(d, "bytes_per_flow",
					  flow_bytes_per_flow(tel_app->workers[0]->flows));
	return 0;
}

struct flow_list_request {
	char (*lines)[128];
	unsigned int max;
	unsigned int n;
	uint32_t now_ms;
};

static void flow_describe(const struct flow *f, uint32_t now_ms, char *buf, size_t len)
{
	static const char *const states[] = { "free", "hello", "connecting", "spliced", "closing" };
	char c[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &f->c.key.peer_ip, c, sizeof(c));
	inet_ntop(AF_INET, &f->b.key.peer_ip, b, sizeof(b));
	snprintf(buf, len, "%s client=%s:%u backend=%s:%u via=%u fin=%u%u%u%u rst=%u%u kept=%u "
		 "expires_in_ms=%d", states[f->state < 5 ? f->state : 0], c,
		 rte_be_to_cpu_16(f->c.key.peer_port), b, rte_be_to_cpu_16(f->b.key.peer_port),
		 rte_be_to_cpu_16(f->b.key.local_port), f->c.fin_seen, f->c.fin_acked, f->b.fin_seen,
		 f->b.fin_acked, f->c.rst, f->b.rst, f->stream_len, (int32_t)(f->expire_ms - now_ms));
}

static void flow_list_on_worker(struct dp_worker *w, void *arg)
{
	struct flow_list_request *r = arg;

	r->n = 0;
	for (uint32_t i = 0; i < flow_capacity(w->flows) && r->n < r->max; i++) {
		const struct flow *f = flow_at(w->flows, i);

		if (f)
			flow_describe(f, (uint32_t)w->now_ms, r->lines[r->n++], sizeof(r->lines[0]));
	}
}

/* Up to 64 flows per worker, described by their owner on its own lcore. */
static int tel_flow_list(const char *cmd, const char *params, struct rte_tel_data *d)
{
	enum { MAX_SHOWN = 64 };
	struct flow_list_request *r = calloc(1, sizeof(*r) + MAX_SHOWN * 128);

	(void)cmd;
	(void)params;
	if (!r)
		return -ENOMEM;
	r->lines = (char (*)[128])(r + 1);
	r->max = MAX_SHOWN;
	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	for (unsigned int w = 0; w < tel_app->n_workers; w++) {
		if (dp_worker_call(tel_app->workers[w], flow_list_on_worker, r, 1000) < 0)
			return -EBUSY; /* the worker may still write r: leave it allocated */
		for (unsigned int i = 0; i < r->n; i++)
			rte_tel_data_add_array_string(d, r->lines[i]);
	}
	free(r);
	return 0;
}

struct neigh_request {
	struct neigh_info *out;
	unsigned int max;
	unsigned int n;
};

static void neigh_snapshot_on_worker(struct dp_worker *w, void *arg)
{
	struct neigh_request *r = arg;

	r->n = neigh_snapshot(w->neigh, w->now_ms, r->out, r->max);
}

static void tel_add_neighbour(struct rte_tel_data *d, unsigned int worker,
			      const struct neigh_info *n)
{
	char value[128], ip[INET_ADDRSTRLEN], mac[RTE_ETHER_ADDR_FMT_SIZE];

	ipv4_text(n->ip, ip, sizeof(ip));
	rte_ether_format_addr(mac, sizeof(mac), &n->mac);
	snprintf(value, sizeof(value), "worker=%u ip=%s state=%s mac=%s age_ms=%" PRIu64
		 " pending=%u", worker, ip, neigh_state_name(n->state), mac, n->age_ms,
		 n->n_pending);
	rte_tel_data_add_array_string(d, value);
}

static int tel_neighbours(const char *cmd, const char *params, struct rte_tel_data *d)
{
	/* Telemetry answers are bounded; show at most this many entries per worker. */
	enum { MAX_SHOWN = 64 };
	struct neigh_request *r = calloc(1, sizeof(*r) + MAX_SHOWN * sizeof(struct neigh_info));

	(void)cmd;
	(void)params;
	if (!r)
		return -ENOMEM;
	r->out = (struct neigh_info *)(r + 1);
	r->max = MAX_SHOWN;
	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	for (unsigned int w = 0; w < tel_app->n_workers; w++) {
		if (dp_worker_call(tel_app->workers[w], neigh_snapshot_on_worker, r, 1000) < 0)
			return -EBUSY; /* the worker may still write r: leave it allocated */
		for (unsigned int i = 0; i < r->n; i++)
			tel_add_neighbour(d, w, &r->out[i]);
	}
	free(r);
	return 0;
}

int dp_telemetry_init(const struct dp_appliance *app)
{
	tel_app = app;
	if (rte_telemetry_register_cmd("/meshrelay/counters", tel_counters,
				       "Data-plane event counters summed over workers.") < 0 ||
	    rte_telemetry_register_cmd("/meshrelay/drops", tel_counters,
				       "Dropped frames by reason, summed over workers.") < 0 ||
	    rte_telemetry_register_cmd("/meshrelay/ports", tel_ports,
				       "Names of the data ports.") < 0 ||
	    rte_telemetry_register_cmd("/meshrelay/port", tel_port,
				       "One data port: address, link, counters. Parameter: name.") < 0 ||
	    rte_telemetry_register_cmd("/meshrelay/flows", tel_flows,
				       "Relay flows in use and table capacity.") < 0 ||
	    rte_telemetry_register_cmd("/meshrelay/flow_list", tel_flow_list,
				       "Up to 64 flows per worker with their state.") < 0 ||
	    rte_telemetry_register_cmd("/meshrelay/neighbours", tel_neighbours,
				       "ARP cache of every worker.") < 0)
		return -1;
	return 0;
}
