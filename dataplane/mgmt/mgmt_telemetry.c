/* SPDX-License-Identifier: BSD-3-Clause */
#include "mgmt_telemetry.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_telemetry.h>

#include "mgmt_report.h"
#include "relay_live.h"

/* Written once by the main lcore before telemetry can call in; read-only afterwards.
 * Telemetry callbacks take no user argument in DPDK 22.11, hence this one global. */
static const struct dp_appliance *tel_app;
/* Set by mgmt_telemetry_close under the appliance's live_readers lock, read under it:
 * 22.11 cannot take a command back, so a query during shutdown must find this instead of
 * the workers and tables being freed. */
static bool tel_closed;

/* What one answer of DPDK's telemetry holds: 512 array entries, strings of 127 bytes,
 * and 16 KB of JSON in all, past which 22.11 leaves items out without a word. A list is
 * kept inside them, a line cut short says so, and the lines left out are counted in a
 * last line. The budget leaves room for the envelope, escapes and that last line. */
#define TEL_ITEMS_MAX (RTE_TEL_MAX_ARRAY_ENTRIES - 1)
#define TEL_BYTES_MAX (16u * 1024 - 1024)

struct tel_sink {
	struct mgmt_report_sink base;
	struct rte_tel_data *d;
	unsigned int items;
	size_t bytes;
	unsigned int left_out;
};

static void tel_num(struct mgmt_report_sink *s, const char *name, uint64_t v)
{
	rte_tel_data_add_dict_u64(((struct tel_sink *)s)->d, name, v);
}

static void tel_str(struct mgmt_report_sink *s, const char *name, const char *v)
{
	rte_tel_data_add_dict_string(((struct tel_sink *)s)->d, name, v);
}

static void tel_item(struct mgmt_report_sink *s, const char *text)
{
	struct tel_sink *t = (struct tel_sink *)s;
	char cut[RTE_TEL_MAX_STRING_LEN];
	size_t len = strlen(text);

	if (len >= sizeof(cut)) {
		snprintf(cut, sizeof(cut), "%.*s...", (int)sizeof(cut) - 4, text);
		text = cut;
		len = sizeof(cut) - 1;
	}
	if (t->items >= TEL_ITEMS_MAX || t->bytes + len + 3 > TEL_BYTES_MAX) {
		t->left_out++;
		return;
	}
	t->items++;
	t->bytes += len + 3; /* its quotes and comma */
	rte_tel_data_add_array_string(t->d, text);
}

/* The last line of a list some of whose lines telemetry could not hold. */
static void tel_left_out(struct tel_sink *t, const char *name)
{
	char line[RTE_TEL_MAX_STRING_LEN];

	if (!t->left_out)
		return;
	snprintf(line, sizeof(line), "... %u more not shown (telemetry's limits): meshrelayctl "
		 "-s SOCKET show %.20s", t->left_out, name);
	rte_tel_data_add_array_string(t->d, line);
}

/* /meshrelay/NAME[,PARAM]: the report NAME (port,PARAM is the report port:PARAM). */
static int tel_report(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct tel_sink sink = { { tel_num, tel_str, tel_item }, d, 0, 0, 0 };
	char name[64];
	enum mgmt_report_kind kind;
	int rc;

	snprintf(name, sizeof(name), "%s%s%s", cmd + strlen("/meshrelay/"),
		 params && *params ? ":" : "", params && *params ? params : "");
	kind = mgmt_report_kind_of(name);
	if (kind == MGMT_REPORT_UNKNOWN)
		return -EINVAL;
	if (kind == MGMT_REPORT_DICT)
		rte_tel_data_start_dict(d);
	else
		rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	/* Telemetry's own thread, not a worker: a push must not free the configuration
	 * the report reads. */
	relay_live_read_begin(tel_app);
	rc = tel_closed ? -EBUSY : mgmt_report_write(tel_app, name, &sink.base) == 0 ? 0 : -EINVAL;
	relay_live_read_end(tel_app);
	if (rc == 0)
		tel_left_out(&sink, name);
	return rc;
}

int mgmt_telemetry_init(const struct dp_appliance *app)
{
	static const struct {
		const char *cmd, *help;
	} cmds[] = {
		{ "/meshrelay/status", "Generation, uptime, workers, flows, routes." },
		{ "/meshrelay/counters", "Data-plane event counters summed over workers." },
		{ "/meshrelay/drops", "Dropped frames by reason, summed over workers." },
		{ "/meshrelay/ports", "Names of the data ports." },
		{ "/meshrelay/port", "One data port: address, link, counters. Parameter: name." },
		{ "/meshrelay/flows", "Relay flows in use by state, and table capacity." },
		{ "/meshrelay/flow_list", "Up to 64 flows per worker with their state." },
		{ "/meshrelay/neighbours", "ARP cache of every worker." },
		{ "/meshrelay/routes", "Routes in force, with connections per pool." },
		{ "/meshrelay/pools", "Pool members: health state, checks, connections, redispatches." },
		{ "/meshrelay/services", "Names this gateway exports, and those it imported." },
		{ "/meshrelay/listeners", "Listeners with the connections each took." },
		{ "/meshrelay/lcores", "Worker load: busy cycles, busy and idle polls." },
		{ "/meshrelay/steering", "Per port: rte_flow rules in force, or software dispatch." },
		{ "/meshrelay/learned", "Remote gateways and imported names in force (discovery's)." },
	};

	tel_app = app;
	tel_closed = false;
	for (size_t i = 0; i < RTE_DIM(cmds); i++)
		if (rte_telemetry_register_cmd(cmds[i].cmd, tel_report, cmds[i].help) < 0)
			return -1;
	return 0;
}

void mgmt_telemetry_close(struct dp_appliance *app)
{
	if (tel_app != app)
		return;
	rte_rwlock_write_lock(&app->live_readers); /* a query under way ends first */
	tel_closed = true;
	rte_rwlock_write_unlock(&app->live_readers);
}
