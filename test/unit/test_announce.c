/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "announce": the ports' addresses told to their links, at start and when a link
 * comes back up, through the appliance of relay_harness.h (ring ports, whose links can be
 * set down and up). */
#include <string.h>

#include <rte_arp.h>
#include <rte_ethdev.h>
#include <rte_ip.h>

#include "announce.h"
#include "arp.h"
#include "ip6.h"
#include "dp_tx.h"
#include "relay_harness.h"
#include "unit.h"

struct told {
	unsigned int arp;  /* ARP announcements of the port's IPv4 address, to broadcast */
	unsigned int na;   /* unsolicited advertisements of its IPv6 address, with override */
	unsigned int other;
};

/* What port p sent since the last look, by kind; each frame checked as it is read. */
static struct told told(const struct dp_port *p)
{
	struct told t = { 0 };
	struct rte_mbuf *m;

	dp_tx_flush(rh_w);
	while (rte_eth_rx_burst(p->port_id, 0, &m, 1) == 1) {
		const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		const uint8_t *l3 = (const uint8_t *)(eth + 1);

		if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP)) {
			const struct rte_arp_hdr *a = (const struct rte_arp_hdr *)l3;

			CU_ASSERT(rte_is_broadcast_ether_addr(&eth->dst_addr));
			CU_ASSERT_EQUAL(a->arp_opcode, rte_cpu_to_be_16(RTE_ARP_OP_REQUEST));
			CU_ASSERT_EQUAL(a->arp_data.arp_sip, a->arp_data.arp_tip);
			CU_ASSERT_EQUAL(rte_be_to_cpu_32(a->arp_data.arp_sip), p->ipv4);
			CU_ASSERT(rte_is_same_ether_addr(&a->arp_data.arp_sha, &p->mac));
			t.arp++;
		} else if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6) &&
			   l3[6] == IPPROTO_ICMPV6 && l3[40] == 136) {
			const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)l3;

			CU_ASSERT_EQUAL(ip6->dst_addr[0], 0xff); /* to all nodes */
			CU_ASSERT_EQUAL(ip6->dst_addr[15], 0x01);
			CU_ASSERT_EQUAL(l3[44] & 0x60, 0x20);    /* override, not solicited */
			CU_ASSERT_EQUAL(memcmp(l3 + 48, p->ipv6, 16), 0);
			CU_ASSERT_EQUAL(rte_ipv6_udptcp_cksum_verify(ip6, l3 + 40), 0);
			t.na++;
		} else {
			t.other++;
		}
		rte_pktmbuf_free(m);
	}
	return t;
}

static int suite_init(void)
{
	return rh_up("", "");
}

/* Both ports (IPv4 and IPv6) announced when the data plane starts, twice, 2 s apart. */
static void test_announced_at_start(void)
{
	const struct dp_port *edge = &rh_app.ports[0], *svc = &rh_app.ports[1];
	uint64_t out = rh_event(DP_EV_announce_out);
	struct told t;

	told(edge);
	told(svc);
	announce_links_watch(&rh_app); /* the main lcore's read, before the workers start */
	announce_start(rh_w);
	announce_run(rh_w);
	t = told(edge);
	CU_ASSERT_EQUAL(t.arp, 1);
	CU_ASSERT_EQUAL(t.na, 1);
	t = told(svc);
	CU_ASSERT_EQUAL(t.arp, 1);
	CU_ASSERT_EQUAL(t.na, 1);
	CU_ASSERT_EQUAL(rh_event(DP_EV_announce_out), out + 4);
	rh_w->now_ms += 1999;
	announce_run(rh_w);
	t = told(edge);
	CU_ASSERT_EQUAL(t.arp + t.na, 0);
	rh_w->now_ms += 1;
	announce_run(rh_w);
	t = told(edge);
	CU_ASSERT_EQUAL(t.arp, 1);
	CU_ASSERT_EQUAL(t.na, 1);
	rh_w->now_ms += 60000;
	announce_run(rh_w);
	t = told(edge);
	CU_ASSERT_EQUAL(t.arp + t.na, 0);
	CU_ASSERT_EQUAL(rh_event(DP_EV_announce_out), out + 8);
	told(svc);
}

/* A link that goes down is counted and announces nothing; when it comes back up, its
 * addresses are announced again (twice) and its MLD join queued; the other port says
 * nothing. Worker 0 knows only what the main lcore last read; a down and up between two
 * of its looks count as both and announce. */
static void test_link_back_up_announced(void)
{
	const struct dp_port *edge = &rh_app.ports[0], *svc = &rh_app.ports[1];
	uint64_t down = rh_event(DP_EV_link_down), up = rh_event(DP_EV_link_up);
	struct told t;

	told(edge);
	told(svc);
	CU_ASSERT_EQUAL_FATAL(rte_eth_dev_set_link_down(edge->port_id), 0);
	announce_run(rh_w);
	CU_ASSERT_EQUAL(rh_event(DP_EV_link_down), down); /* not read yet */
	announce_links_watch(&rh_app);
	announce_run(rh_w);
	CU_ASSERT_EQUAL(rh_event(DP_EV_link_down), down + 1);
	rh_w->now_ms += 5000;
	announce_run(rh_w);
	CU_ASSERT_EQUAL(rte_eth_dev_set_link_up(edge->port_id), 0);
	announce_links_watch(&rh_app);
	announce_run(rh_w);
	CU_ASSERT_EQUAL(rh_event(DP_EV_link_up), up + 1);
	t = told(edge);
	CU_ASSERT_EQUAL(t.arp, 1);
	CU_ASSERT_EQUAL(t.na, 1);
	CU_ASSERT_NOT_EQUAL(rh_w->mld_join_ms[edge->index], 0);
	rh_w->now_ms += 2000;
	announce_run(rh_w);
	t = told(edge);
	CU_ASSERT_EQUAL(t.arp, 1);
	t = told(svc);
	CU_ASSERT_EQUAL(t.arp + t.na, 0);
	/* Down and up again between two looks of worker 0. */
	rh_w->now_ms += 60000;
	CU_ASSERT_EQUAL(rte_eth_dev_set_link_down(edge->port_id), 0);
	announce_links_watch(&rh_app);
	CU_ASSERT_EQUAL(rte_eth_dev_set_link_up(edge->port_id), 0);
	announce_links_watch(&rh_app);
	announce_run(rh_w);
	CU_ASSERT_EQUAL(rh_event(DP_EV_link_down), down + 2);
	CU_ASSERT_EQUAL(rh_event(DP_EV_link_up), up + 2);
	t = told(edge);
	CU_ASSERT_EQUAL(t.arp, 1);
	rh_w->now_ms += 2000;
	announce_run(rh_w);
	told(edge);
	rh_w->mld_join_ms[edge->index] = 0;
	rh_w->mld_unsolicited[edge->index] = 0;
}

/* While a port is paused for its driver, its announcements wait, and all are sent once it
 * is back. */
static void test_paused_port_announced_after(void)
{
	const struct dp_port *edge = &rh_app.ports[0];
	struct told t;

	told(edge);
	rh_w->tx_port[edge->index].paused = true;
	CU_ASSERT_EQUAL(rte_eth_dev_set_link_down(edge->port_id), 0);
	announce_links_watch(&rh_app);
	announce_run(rh_w);
	CU_ASSERT_EQUAL(rte_eth_dev_set_link_up(edge->port_id), 0);
	announce_links_watch(&rh_app);
	announce_run(rh_w);
	rh_w->now_ms += 5000;
	announce_run(rh_w);
	rh_w->tx_port[edge->index].paused = false;
	t = told(edge);
	CU_ASSERT_EQUAL(t.arp + t.na, 0);
	announce_run(rh_w);
	rh_w->now_ms += 2000;
	announce_run(rh_w);
	t = told(edge);
	CU_ASSERT_EQUAL(t.arp, 2);
	CU_ASSERT_EQUAL(t.na, 2);
	rh_w->mld_join_ms[edge->index] = 0;
	rh_w->mld_unsolicited[edge->index] = 0;
}

/* With no mbuf left, nothing is counted as announced: the frames not made are counted
 * out_no_mbuf. Before, announce_out said they went. */
static void test_no_mbuf_not_counted(void)
{
	const struct dp_port *edge = &rh_app.ports[0];
	uint64_t out = rh_event(DP_EV_announce_out), none = rh_drops(DP_DROP_out_no_mbuf);
	static struct rte_mbuf *taken[1 << 16];
	unsigned int n = 0;
	struct told t;

	told(edge);
	while (n < RTE_DIM(taken) && (taken[n] = rte_pktmbuf_alloc(rh_app.pool)) != NULL)
		n++;
	CU_ASSERT_FATAL(n < RTE_DIM(taken));
	arp_announce(rh_w, edge);
	ip6_announce(rh_w, edge);
	CU_ASSERT_EQUAL(rh_event(DP_EV_announce_out), out);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_out_no_mbuf), none + 2);
	while (n > 0)
		rte_pktmbuf_free(taken[--n]);
	arp_announce(rh_w, edge);
	CU_ASSERT_EQUAL(rh_event(DP_EV_announce_out), out + 1);
	t = told(edge);
	CU_ASSERT_EQUAL(t.arp, 1);
}

int test_announce_register(void)
{
	static const CU_TestInfo tests[] = {
		{ "addresses announced at start, twice", test_announced_at_start },
		{ "a link back up announced again", test_link_back_up_announced },
		{ "a paused port's announcements wait for it", test_paused_port_announced_after },
		{ "no mbuf: nothing counted as announced", test_no_mbuf_not_counted },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite_with("announce", suite_init, rh_down, tests);
}
