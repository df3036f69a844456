/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "metrics": the Prometheus text of the appliance of relay_harness.h: every family
 * has its HELP and TYPE before its samples, every sample line is NAME{LABELS} VALUE with a
 * name of the family, counters end in _total, and a connection shows in the counters,
 * its pool and its member. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt_metrics.h"
#include "port.h"
#include "port_stats.h"
#include "relay.h"
#include "relay_harness.h"
#include "relay_tcp.h"
#include "unit.h"

static char text[1 << 20];

static int suite_init(void)
{
	return rh_up("mbufs = 0;", "max_flows = 64;");
}

/* Checks the exposition rules line by line; the number of samples. */
static unsigned int check_format(const char *t)
{
	char family[128] = "", type[16] = "";
	unsigned int samples = 0;

	for (const char *line = t; *line;) {
		const char *end = strchr(line, '\n');
		char name[128];
		size_t n;

		CU_ASSERT_PTR_NOT_NULL_FATAL(end);
		if (strncmp(line, "# HELP ", 7) == 0) {
			CU_ASSERT_EQUAL(sscanf(line + 7, "%127s", family), 1);
			type[0] = '\0';
		} else if (strncmp(line, "# TYPE ", 7) == 0) {
			CU_ASSERT_EQUAL(sscanf(line + 7, "%127s %15s", name, type), 2);
			CU_ASSERT_STRING_EQUAL(name, family);
			CU_ASSERT(strcmp(type, "counter") == 0 || strcmp(type, "gauge") == 0);
			if (strcmp(type, "counter") == 0)
				CU_ASSERT_PTR_NOT_NULL(strstr(family, "_total"));
		} else {
			n = strcspn(line, "{ ");
			CU_ASSERT(n > 0 && n < sizeof(name));
			snprintf(name, sizeof(name), "%.*s", (int)n, line);
			CU_ASSERT_STRING_EQUAL(name, family); /* a sample of the family announced */
			CU_ASSERT(type[0] != '\0');
			CU_ASSERT(isdigit((unsigned char)end[-1]));
			samples++;
		}
		line = end + 1;
	}
	return samples;
}

static uint64_t sample(const char *t, const char *name)
{
	char pat[256];
	const char *at;

	snprintf(pat, sizeof(pat), "\n%s ", name);
	at = strstr(t, pat);
	return at ? strtoull(at + strlen(pat), NULL, 10) : UINT64_MAX;
}

static void test_format_and_counts(void)
{
	struct rh_peer c = rh_client(false), b;
	struct flow *f;
	size_t len = mgmt_metrics_render(&rh_app, text, sizeof(text));
	uint64_t created, pool, member;

	CU_ASSERT_FATAL(len > 0 && len == strlen(text));
	CU_ASSERT(check_format(text) > 100);
	created = sample(text, "meshrelay_flow_created_total");
	pool = sample(text, "meshrelay_pool_connections_total{pool=\"p\"}");
	member = sample(text, "meshrelay_member_connections_total{pool=\"p\",member=\"10.1.0.2:443\"}");
	CU_ASSERT_NOT_EQUAL_FATAL(created, UINT64_MAX);
	CU_ASSERT_NOT_EQUAL_FATAL(pool, UINT64_MAX);
	CU_ASSERT_NOT_EQUAL_FATAL(member, UINT64_MAX);
	f = rh_client_start(&c, rh_hello_api, rh_hello_api_len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	rh_backend_accepts(f, &b);
	mgmt_metrics_render(&rh_app, text, sizeof(text));
	CU_ASSERT_EQUAL(sample(text, "meshrelay_flow_created_total"), created + 1);
	CU_ASSERT_EQUAL(sample(text, "meshrelay_pool_connections_total{pool=\"p\"}"), pool + 1);
	CU_ASSERT_EQUAL(sample(text, "meshrelay_member_connections_total{pool=\"p\",member=\"10.1.0.2:443\"}"),
			member + 1);
	CU_ASSERT_EQUAL(sample(text, "meshrelay_member_up{pool=\"p\",member=\"10.1.0.2:443\"}"), 1);
	CU_ASSERT_EQUAL(sample(text, "meshrelay_flows"), 1);
	relay_abort(rh_w, f, false, false, DP_DROP_none);
	/* Too small a buffer: nothing, never a cut text. */
	CU_ASSERT_EQUAL(mgmt_metrics_render(&rh_app, text, 100), 0);
}

/* A port whose statistics can no longer be read (a driver that answers one asker at a
 * time refused): its counters stay at the last good reading. Zeros would read as a
 * counter reset, every count so far a spike in a scraper's rates. */
static void test_port_stats_unreadable(void)
{
	const struct drv_port_params params = { .rx_queues = 1, .tx_queues = 1, .rx_desc = 64,
						.tx_desc = 64 };
	struct drv_port_caps caps;
	struct rte_mbuf *m[2];
	struct rte_eth_stats st;
	uint16_t probe, saved = rh_app.ports[1].port_id;
	char err[160] = "";

	CU_ASSERT_EQUAL_FATAL(drv_port_probe("net_null_stats_ut", &probe, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(drv_port_start(probe, &params, rh_app.pool, &caps, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(rte_pktmbuf_alloc_bulk(rh_app.pool, m, 2), 0);
	CU_ASSERT_EQUAL(rte_eth_tx_burst(probe, 0, m, 2), 2); /* net_null counts and frees */
	CU_ASSERT_EQUAL(drv_port_stats(probe, &st), 0);
	CU_ASSERT_EQUAL(st.opackets, 2);
	drv_port_close(probe); /* from now on every read of it fails */
	memset(&st, 0xff, sizeof(st));
	CU_ASSERT_EQUAL(drv_port_stats(probe, &st), -1);
	CU_ASSERT_EQUAL(st.opackets, 2);
	rh_app.ports[1].port_id = probe;
	mgmt_metrics_render(&rh_app, text, sizeof(text));
	rh_app.ports[1].port_id = saved;
	CU_ASSERT_EQUAL(sample(text, "meshrelay_port_tx_packets_total{port=\"svc\"}"), 2);
}

/* An appliance with 4,000 pool members (four pools of 1,000, as a configuration may have
 * up to 4,096 in one): its scrape is whole and well formed, over a MiB. Before, a body
 * over 1 MiB was answered 500, every metric gone with the members'. */
static int large_init(void)
{
	static char pools[400 << 10];
	size_t at = 0;

	for (unsigned int p = 0; p < 4; p++) {
		at += (size_t)snprintf(pools + at, sizeof(pools) - at,
				       ", { name = \"big%u\"; members = ( ", p);
		for (unsigned int m = 0; m < 1000; m++)
			at += (size_t)snprintf(pools + at, sizeof(pools) - at,
					       "%s{ address = \"10.1.0.%u\"; port = %u; }",
					       m ? ", " : "", 2 + m % 250, 1000 + m);
		at += (size_t)snprintf(pools + at, sizeof(pools) - at, " ); }");
	}
	return rh_up_pools("mbufs = 0;", "max_flows = 64;", pools, "");
}

static void test_many_members(void)
{
	size_t max = mgmt_metrics_body_max(), len;
	char *big = malloc(max);

	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	len = mgmt_metrics_render(&rh_app, big, max);
	CU_ASSERT(len > (1u << 20));
	if (len) {
		big[len < max ? len : max - 1] = '\0';
		CU_ASSERT(check_format(big) > 16000);
		CU_ASSERT_EQUAL(sample(big, "meshrelay_member_up{pool=\"big3\",member=\"10.1.0.251:1999\"}"), 1);
	}
	free(big);
}

int test_metrics_register(void)
{
	static const CU_TestInfo tests[] = {
		{ "exposition format, and a connection counted", test_format_and_counts },
		{ "a port's statistics unreadable: the last good, not zeros",
		  test_port_stats_unreadable },
		CU_TEST_INFO_NULL,
	};
	static const CU_TestInfo large[] = {
		{ "4,000 members: the whole text", test_many_members },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite_with("metrics", suite_init, rh_down, tests) < 0 ? -1
	       : unit_add_suite_with("metrics_large", large_init, rh_down, large);
}
