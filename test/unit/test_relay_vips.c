/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "relay_vips": the plain services' VIPs announced on the DNS port's link, through
 * the appliance of relay_harness.h with 70 services (one on two ports): all at start and when the link comes
 * back up, a push's new ones only, RELAY_VIPS_BATCH a pass, twice 2 s apart. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_arp.h>
#include <rte_ethdev.h>

#include "announce.h"
#include "dp_tx.h"
#include "mr_config.h"
#include "relay_harness.h"
#include "relay_live.h"
#include "relay_vips.h"
#include "vip_alloc.h"
#include "unit.h"

#define SERVICES 70
#define VIP_OF(i) (0xf0f00100u + (i)) /* 240.240.1.i */

static char routes[(SERVICES + 1) * 128];

static int suite_init(void)
{
	size_t at = 0;

	for (unsigned int i = 1; i <= SERVICES; i++)
		at += (size_t)snprintf(routes + at, sizeof(routes) - at,
				       ", { name = \"s%u.svc.example\"; protocol = \"tcp\"; port = 22;"
				       " pool = \"p\"; vip = \"240.240.1.%u\"; }\n", i, i);
	/* A second port of one service: its VIP counted once. */
	snprintf(routes + at, sizeof(routes) - at,
		 ", { name = \"s1.svc.example\"; protocol = \"tcp\"; port = 23; pool = \"p\";"
		 " vip = \"240.240.1.1\"; }\n");
	return rh_up_extra("", "", "", routes,
			   "dns = { port = \"edge\"; zones = [ \"svc.example\" ]; "
			   "outside = \"refuse\"; vip_range = \"240.240.0.0/16\"; };");
}

/* VIPs port p announced since the last look (each frame checked: a broadcast ARP request
 * from p's MAC, sender and target one VIP of the range); frames of other kinds skipped. */
static unsigned int vips_told(const struct dp_port *p)
{
	unsigned int n = 0;
	struct rte_mbuf *m;

	dp_tx_flush(rh_w);
	while (rte_eth_rx_burst(p->port_id, 0, &m, 1) == 1) {
		const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		const struct rte_arp_hdr *a = (const struct rte_arp_hdr *)(eth + 1);
		uint32_t sip = rte_be_to_cpu_32(a->arp_data.arp_sip);

		if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP) && sip != p->ipv4) {
			CU_ASSERT(rte_is_broadcast_ether_addr(&eth->dst_addr));
			CU_ASSERT_EQUAL(a->arp_opcode, rte_cpu_to_be_16(RTE_ARP_OP_REQUEST));
			CU_ASSERT_EQUAL(a->arp_data.arp_sip, a->arp_data.arp_tip);
			CU_ASSERT(rte_is_same_ether_addr(&a->arp_data.arp_sha, &p->mac));
			CU_ASSERT((sip >> 16) == 0xf0f0);
			n++;
		}
		rte_pktmbuf_free(m);
	}
	return n;
}

/* Worker 0's pass: the links first, as its housekeeping runs them. */
static uint64_t pass(void)
{
	announce_run(rh_w);
	return relay_vips_run(rh_w);
}

/* Two rounds of n VIPs 2 s apart, passes passes each (a batch a pass), then no more. */
static void two_rounds(const struct dp_port *p, unsigned int n, unsigned int passes)
{
	for (int round = 0; round < 2; round++) {
		for (unsigned int i = 0; i < passes; i++)
			pass();
		CU_ASSERT_EQUAL(vips_told(p), n);
		rh_w->now_ms += 2000;
	}
	rh_w->now_ms += 8000;
	pass();
	CU_ASSERT_EQUAL(vips_told(p), 0);
}

/* The configuration in force with one more service (VIP 240.240.2.extra), pushed as the
 * generation gen_step after the one in force (0: the same number again). */
static void push_one_more(unsigned int extra, uint32_t gen_step)
{
	static char text[sizeof(routes) + 65536];
	char more[256], err[MR_ERR_MAX] = "";
	struct mr_config conf = { 0 };
	struct relay_live *live = NULL;
	char *end;

	if (!text[0])
		snprintf(text, sizeof(text), "%s", rh_config_text());
	end = strstr(text, ");\ngateways"); /* the routes' end */
	CU_ASSERT_PTR_NOT_NULL_FATAL(end);
	snprintf(more, sizeof(more),
		 ", { name = \"new%u.svc.example\"; protocol = \"tcp\"; port = 22; pool = \"p\";"
		 " vip = \"240.240.2.%u\"; }\n", extra, extra);
	CU_ASSERT_FATAL(strlen(text) + strlen(more) < sizeof(text));
	memmove(end + strlen(more), end, strlen(end) + 1);
	memcpy(end, more, strlen(more));
	CU_ASSERT_EQUAL_FATAL(mr_config_load_string(text, "vips", &conf, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(relay_live_build(&rh_app, &conf,
					       relay_live_get(&rh_app)->generation + gen_step,
					       &live, err, sizeof(err)), 0);
	relay_live_swap(&rh_app, live);
}

/* The configuration in force with routes `more` added and its DNS TTL set to ttl s,
 * pushed: the live configuration now in force. */
static const struct relay_live *push_with(const char *more, unsigned int ttl)
{
	static char text[sizeof(routes) + 65536];
	char err[MR_ERR_MAX] = "", *end, *dns;
	struct mr_config conf = { 0 };
	struct relay_live *live = NULL;

	snprintf(text, sizeof(text), "%s", rh_config_text());
	end = strstr(text, ");\ngateways"); /* the routes' end */
	CU_ASSERT_PTR_NOT_NULL_FATAL(end);
	CU_ASSERT_FATAL(strlen(text) + strlen(more) + 16 < sizeof(text));
	memmove(end + strlen(more), end, strlen(end) + 1);
	memcpy(end, more, strlen(more));
	dns = strstr(text, "dns = {");
	CU_ASSERT_PTR_NOT_NULL_FATAL(dns);
	dns += strlen("dns = {");
	memmove(dns + 16, dns, strlen(dns) + 1);
	memcpy(dns, " ttl = ", 7);
	snprintf(dns + 7, 9, "%-7u;", ttl);
	dns[15] = ' ';
	CU_ASSERT_EQUAL_FATAL(mr_config_load_string(text, "vips", &conf, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(relay_live_build(&rh_app, &conf,
					       relay_live_get(&rh_app)->generation + 1, &live, err,
					       sizeof(err)), 0);
	relay_live_swap(&rh_app, live);
	return relay_live_get(&rh_app);
}

static bool held(const struct relay_live *live, uint32_t vip)
{
	for (unsigned int i = 0; i < live->n_held; i++)
		if (live->held[i].vip == vip)
			return true;
	return false;
}

/* A service a push removes keeps its VIP from a new name for the TTL its answers carried:
 * clients that resolved it and connect later meet a reset, not the new service. Once
 * the TTL has passed, the address is free again. Before, a new name whose preferred
 * address it was took it in the same push. */
static void test_gone_service_vip_held(void)
{
	static const struct vip_range range = { 0xf0f00000u, 16 };
	const struct relay_live *live;
	char name[64] = "", more[256];
	uint32_t gone, vip;

	live = push_with(", { name = \"gone.svc.example\"; protocol = \"tcp\"; port = 22;"
			 " pool = \"p\"; }\n", 1);
	gone = route_table_service_vip(live->routes, "gone.svc.example", 16);
	CU_ASSERT_FATAL(vip_range_holds_host(&range, gone));
	for (unsigned int i = 0; i < 1000000 && !name[0]; i++) { /* a name that wants it */
		char text[64];

		snprintf(text, sizeof(text), "b%u.svc.example", i);
		if (vip_preferred(&range, text, strlen(text)) == gone)
			snprintf(name, sizeof(name), "%s", text);
	}
	CU_ASSERT_FATAL(name[0]);
	snprintf(more, sizeof(more), ", { name = \"%s\"; protocol = \"tcp\"; port = 22;"
		 " pool = \"p\"; }\n", name);
	live = push_with(more, 1);
	vip = route_table_service_vip(live->routes, name, strlen(name));
	CU_ASSERT(vip_range_holds_host(&range, vip));
	CU_ASSERT_NOT_EQUAL(vip, gone);
	CU_ASSERT_EQUAL(route_table_service_vip(live->routes, "gone.svc.example", 16), 0);
	CU_ASSERT_TRUE(held(live, gone));
	usleep(1100 * 1000); /* the TTL of 1 s passes */
	live = push_with(more, 1);
	CU_ASSERT_FALSE(held(live, gone));
	CU_ASSERT_EQUAL(route_table_service_vip(live->routes, name, strlen(name)), vip);
}

/* At start every VIP is told, 64 on the first pass and the rest on the next, then again
 * 2 s later, then no more; only on the DNS port. */
static void test_all_told_at_start(void)
{
	const struct dp_port *edge = &rh_app.ports[0], *svc = &rh_app.ports[1];
	uint64_t next;

	CU_ASSERT_EQUAL(relay_live_get(&rh_app)->n_vips, SERVICES);
	CU_ASSERT_EQUAL(relay_live_get(&rh_app)->n_vips_new, SERVICES);
	vips_told(edge);
	memset(&rh_w->vip_announce, 0, sizeof(rh_w->vip_announce)); /* as at a start */
	next = pass();
	CU_ASSERT_EQUAL(vips_told(edge), RELAY_VIPS_BATCH);
	CU_ASSERT_EQUAL(next, rh_w->now_ms + 1);
	next = pass();
	CU_ASSERT_EQUAL(vips_told(edge), SERVICES - RELAY_VIPS_BATCH);
	CU_ASSERT_EQUAL(next, rh_w->now_ms + 2000);
	pass();
	CU_ASSERT_EQUAL(vips_told(edge), 0);
	rh_w->now_ms += 2000;
	pass();
	pass();
	CU_ASSERT_EQUAL(vips_told(edge), SERVICES);
	rh_w->now_ms += 10000;
	CU_ASSERT_EQUAL(pass(), UINT64_MAX);
	CU_ASSERT_EQUAL(vips_told(edge), 0);
	CU_ASSERT_EQUAL(vips_told(svc), 0);
}

/* A push tells only the VIP it brings, twice; a second push while the first's rounds are
 * still to go tells every VIP (none of the first's told once only). */
static void test_push_tells_new_ones(void)
{
	const struct dp_port *edge = &rh_app.ports[0];

	vips_told(edge);
	push_one_more(1, 1);
	CU_ASSERT_EQUAL(relay_live_get(&rh_app)->n_vips, SERVICES + 1);
	CU_ASSERT_EQUAL(relay_live_get(&rh_app)->n_vips_new, 1);
	two_rounds(edge, 1, 1);

	push_one_more(2, 1);
	pass();
	CU_ASSERT_EQUAL(vips_told(edge), 1);
	push_one_more(3, 1);
	two_rounds(edge, SERVICES + 3, 2);
}

/* The link down: nothing; back up: every VIP again. While the port is paused for its
 * driver they wait. */
static void test_link_up_tells_all(void)
{
	const struct dp_port *edge = &rh_app.ports[0];
	unsigned int all = relay_live_get(&rh_app)->n_vips;

	vips_told(edge);
	CU_ASSERT_EQUAL_FATAL(rte_eth_dev_set_link_down(edge->port_id), 0);
	announce_links_watch(&rh_app);
	pass();
	CU_ASSERT_EQUAL(vips_told(edge), 0);
	rh_w->now_ms += 5000;
	rh_w->tx_port[edge->index].paused = true;
	CU_ASSERT_EQUAL(rte_eth_dev_set_link_up(edge->port_id), 0);
	announce_links_watch(&rh_app);
	pass();
	CU_ASSERT_EQUAL(vips_told(edge), 0);
	rh_w->tx_port[edge->index].paused = false;
	two_rounds(edge, all, 2);
	rh_w->mld_join_ms[edge->index] = 0;
	rh_w->mld_unsolicited[edge->index] = 0;
}

/* Two pushes between two looks: every VIP told (the first one's new VIP is not the
 * second's). A push that repeats the generation in force is a push all the same. */
static void test_pushes_told_apart(void)
{
	const struct dp_port *edge = &rh_app.ports[0];
	unsigned int all;

	vips_told(edge);
	push_one_more(4, 1);
	push_one_more(5, 1);
	all = relay_live_get(&rh_app)->n_vips;
	two_rounds(edge, all, 2);
	push_one_more(6, 0);
	two_rounds(edge, 1, 1);
}

int test_relay_vips_register(void)
{
	static const CU_TestInfo tests[] = {
		{ "every VIP told at start, a batch a pass, twice", test_all_told_at_start },
		{ "a push tells the VIPs it brings", test_push_tells_new_ones },
		{ "a gone service's VIP held from new names for its TTL", test_gone_service_vip_held },
		{ "two pushes in one look, a generation repeated", test_pushes_told_apart },
		{ "a link back up tells every VIP", test_link_up_tells_all },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite_with("relay_vips", suite_init, rh_down, tests);
}
