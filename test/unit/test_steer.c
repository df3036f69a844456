/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "steer": the rte_flow rules the data plane would program on a multi-queue NIC,
 * checked as the arrays handed to rte_flow, and the refusal of a device without rte_flow. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_thash.h>

#include "dispatch.h"
#include "dp_worker.h"
#include "port.h"
#include "rss_steer.h"
#include "steer.h"
#include "unit.h"

static struct steer_plan plan;
static const uint32_t one = 1; /* an address the rules only carry */

/* Two workers, a one-queue port then a two-queue one: on the second, queue q is worker
 * q's (the rules send worker w's flows to queue w); the one-queue ports take turns. */
static void test_queue_owners(void)
{
	static struct dp_appliance app;
	static struct mr_port_conf pc[3];
	struct dp_worker *w[2] = { calloc(1, sizeof(struct dp_worker)),
				   calloc(1, sizeof(struct dp_worker)) };
	char err[128];

	CU_ASSERT_FATAL(w[0] && w[1]);
	memset(&app, 0, sizeof(app));
	app.n_workers = 2;
	app.workers[0] = w[0];
	app.workers[1] = w[1];
	app.n_ports = 3;
	pc[0].queues = 1;
	pc[1].queues = 2;
	pc[2].queues = 1;
	for (unsigned int i = 0; i < 3; i++) {
		app.ports[i].conf = &pc[i];
		app.ports[i].index = (uint8_t)i;
	}
	CU_ASSERT_EQUAL_FATAL(dp_workers_assign_queues(&app, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(app.ports[0].queue_owner[0], 0);
	CU_ASSERT_EQUAL(app.ports[1].queue_owner[0], 0);
	CU_ASSERT_EQUAL(app.ports[1].queue_owner[1], 1);
	CU_ASSERT_EQUAL(app.ports[2].queue_owner[0], 1); /* the single queues take turns */
	CU_ASSERT_EQUAL(w[0]->n_rxqs + w[1]->n_rxqs, 4);
	free(w[0]);
	free(w[1]);
}

static void test_partition(void)
{
	CU_ASSERT_TRUE(steer_partition_ok(10000, 59999, 1));
	CU_ASSERT_TRUE(steer_partition_ok(10000, 59999, 4));
	CU_ASSERT_TRUE(steer_partition_ok(10000, 59999, 16));
	CU_ASSERT_FALSE(steer_partition_ok(10000, 59999, 3));  /* not a power of two */
	CU_ASSERT_FALSE(steer_partition_ok(10001, 59999, 2));  /* shares would not match */
	CU_ASSERT_FALSE(steer_partition_ok(10000, 59999, 0));
}

/* The queue the plan's TCP rules send a segment to our IPv4 address ip (network order)
 * and TCP port `port` to, as a device would match them (spec under mask); -1 when no rule
 * matches, -2 when two do. */
static int rule_queue(uint32_t ip, uint16_t port)
{
	int queue = -1;

	for (unsigned int i = 0; i < plan.n_rules; i++) {
		const struct steer_rule *r = &plan.rules[i];
		const struct rte_flow_item_ipv4 *ips = r->pattern[1].spec;
		const struct rte_flow_item_tcp *ts = r->pattern[2].spec, *tm = r->pattern[2].mask;
		const struct rte_flow_action_queue *q = r->actions[0].conf;
		uint16_t mask;

		if (r->pattern[1].type != RTE_FLOW_ITEM_TYPE_IPV4 || ips->hdr.dst_addr != ip)
			continue;
		mask = rte_be_to_cpu_16(tm->hdr.dst_port);
		if ((port & mask) != rte_be_to_cpu_16(ts->hdr.dst_port))
			continue;
		if (queue != -1)
			return -2;
		queue = q->index;
	}
	return queue;
}

/* Four workers: each rule's shape; every source port reaches its worker's queue (port mod
 * 4) by one rule, and no other port of our address matches any: before, the rules matched
 * the low bits alone, and every client of listener 443 went to queue 3. */
static void test_rules_for_four_workers(void)
{
	const uint32_t ip = rte_cpu_to_be_32(0xc000020a); /* 192.0.2.10 */
	static const uint16_t others[] = { 443, 53, 80, 8443, 9999, 60000, 65535, 1 };
	const struct steer_rule *arp;

	CU_ASSERT_EQUAL_FATAL(steer_plan_build(&plan, &ip, 1, NULL, 10000, 59999, 4), 0);
	CU_ASSERT_EQUAL_FATAL(plan.n_rules % 4, 1); /* blocks x 4 workers, and ARP */
	CU_ASSERT_EQUAL(plan.ports_steered, 50000);
	for (unsigned int i = 0; i + 1 < plan.n_rules; i++) {
		const struct steer_rule *r = &plan.rules[i];
		const struct rte_flow_item_ipv4 *ips = r->pattern[1].spec, *ipm = r->pattern[1].mask;
		const struct rte_flow_item_tcp *ts = r->pattern[2].spec, *tm = r->pattern[2].mask;
		const struct rte_flow_action_queue *q = r->actions[0].conf;

		CU_ASSERT_TRUE(r->attr.ingress);
		CU_ASSERT_EQUAL(r->pattern[0].type, RTE_FLOW_ITEM_TYPE_ETH);
		CU_ASSERT_EQUAL(r->pattern[1].type, RTE_FLOW_ITEM_TYPE_IPV4);
		CU_ASSERT_EQUAL(r->pattern[2].type, RTE_FLOW_ITEM_TYPE_TCP);
		CU_ASSERT_EQUAL(r->pattern[3].type, RTE_FLOW_ITEM_TYPE_END);
		CU_ASSERT_EQUAL(ips->hdr.dst_addr, ip);
		CU_ASSERT_EQUAL(ipm->hdr.dst_addr, 0xffffffff);
		CU_ASSERT_EQUAL(ips->hdr.next_proto_id, IPPROTO_TCP);
		CU_ASSERT_EQUAL(rte_be_to_cpu_16(tm->hdr.dst_port) & 3, 3);
		CU_ASSERT_EQUAL(rte_be_to_cpu_16(ts->hdr.dst_port) & 3, q->index);
		CU_ASSERT_EQUAL(tm->hdr.src_port, 0);
		CU_ASSERT_EQUAL(r->actions[0].type, RTE_FLOW_ACTION_TYPE_QUEUE);
		CU_ASSERT_EQUAL(r->actions[1].type, RTE_FLOW_ACTION_TYPE_END);
	}
	for (uint32_t port = 10000; port <= 59999; port++)
		if (rule_queue(ip, (uint16_t)port) != (int)(port % 4)) {
			CU_FAIL("a source port off its worker's queue");
			break;
		}
	for (unsigned int i = 0; i < RTE_DIM(others); i++)
		CU_ASSERT_EQUAL(rule_queue(ip, others[i]), -1);
	CU_ASSERT_EQUAL(rule_queue(ip ^ 1, 10000), -1);
	arp = &plan.rules[plan.n_rules - 1];
	{
		const struct rte_flow_item_eth *es = arp->pattern[0].spec, *em = arp->pattern[0].mask;
		const struct rte_flow_action_queue *q = arp->actions[0].conf;

		CU_ASSERT_EQUAL(arp->pattern[0].type, RTE_FLOW_ITEM_TYPE_ETH);
		CU_ASSERT_EQUAL(es->hdr.ether_type, rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP));
		CU_ASSERT_EQUAL(em->hdr.ether_type, 0xffff);
		CU_ASSERT_EQUAL(arp->pattern[1].type, RTE_FLOW_ITEM_TYPE_END);
		CU_ASSERT_EQUAL(q->index, 0);
	}
}

/* The blocks of a range: aligned, in order, covering whole groups of N exactly; a range
 * that is one block is one. When not all blocks' rules fit (64 workers over nine
 * addresses), the largest go, and the rest of the ports follow RSS. */
static void test_source_port_blocks(void)
{
	struct steer_block b[STEER_MAX_BLOCKS];
	const uint32_t ips[STEER_MAX_IPV4] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x0a };
	unsigned int n = steer_blocks(10000, 59999, 4, b, RTE_DIM(b));
	uint32_t at = 10000;

	CU_ASSERT_FATAL(n > 1 && n <= RTE_DIM(b));
	for (unsigned int i = 0; i < n; i++) {
		CU_ASSERT_EQUAL(b[i].base, at);
		CU_ASSERT_EQUAL(b[i].size & (b[i].size - 1), 0);
		CU_ASSERT_EQUAL(b[i].base % b[i].size, 0);
		CU_ASSERT(b[i].size >= 4);
		at += b[i].size;
	}
	CU_ASSERT_EQUAL(at, 60000);
	CU_ASSERT_EQUAL(steer_blocks(32768, 65535, 8, b, RTE_DIM(b)), 1);
	CU_ASSERT(b[0].base == 32768 && b[0].size == 32768);
	CU_ASSERT_EQUAL(steer_blocks(10000, 10005, 4, b, RTE_DIM(b)), 1); /* 10004-5: no group */
	CU_ASSERT_EQUAL(steer_blocks(10000, 59999, 4, b, 2), 0);
	CU_ASSERT_EQUAL_FATAL(steer_plan_build(&plan, ips, 8, ip6, 10048, 59999, 64), 0);
	CU_ASSERT(plan.n_rules <= STEER_MAX_RULES);
	CU_ASSERT_EQUAL(plan.ports_steered, 16384); /* one block of the largest */
	CU_ASSERT_EQUAL(rule_queue(ips[7], 16384 + 64 + 5), 5);
	CU_ASSERT_EQUAL(rule_queue(ips[7], 10053), -1);
}

/* A port with an IPv6 address gets each worker's rule over IPv6 too, and ICMPv6 (its
 * neighbour discovery) to queue 0 beside ARP. */
static void test_rules_with_ipv6(void)
{
	static const uint8_t ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x0a };
	unsigned int v6_rules = 0;

	CU_ASSERT_EQUAL_FATAL(steer_plan_build(&plan, &one, 1, ip6, 32768, 65535, 2), 0);
	CU_ASSERT_EQUAL_FATAL(plan.n_rules, 6); /* one block: 2 workers x 2 families + 2 */
	for (unsigned int i = 0; i < plan.n_rules; i++) {
		const struct steer_rule *r = &plan.rules[i];
		const struct rte_flow_item_ipv6 *s6 = r->pattern[1].spec, *m6 = r->pattern[1].mask;
		const struct rte_flow_action_queue *q = r->actions[0].conf;

		if (r->pattern[1].type != RTE_FLOW_ITEM_TYPE_IPV6)
			continue;
		v6_rules++;
		CU_ASSERT_EQUAL(memcmp(s6->hdr.dst_addr, ip6, 16), 0);
		CU_ASSERT_EQUAL(m6->hdr.dst_addr[0] & m6->hdr.dst_addr[15], 0xff);
		CU_ASSERT_EQUAL(m6->hdr.proto, 0xff);
		if (s6->hdr.proto == IPPROTO_TCP) {
			const struct rte_flow_item_tcp *ts = r->pattern[2].spec, *tm = r->pattern[2].mask;

			CU_ASSERT_EQUAL(r->pattern[2].type, RTE_FLOW_ITEM_TYPE_TCP);
			CU_ASSERT_EQUAL(rte_be_to_cpu_16(tm->hdr.dst_port), 0x8001);
			CU_ASSERT_EQUAL(rte_be_to_cpu_16(ts->hdr.dst_port), 0x8000 | q->index);
		} else {
			CU_ASSERT_EQUAL(s6->hdr.proto, IPPROTO_ICMPV6);
			CU_ASSERT_EQUAL(r->pattern[2].type, RTE_FLOW_ITEM_TYPE_END);
			CU_ASSERT_EQUAL(q->index, 0);
		}
	}
	CU_ASSERT_EQUAL(v6_rules, 3);
}

/* A port with source addresses: one rule per worker and address, each address's share
 * of worker w to queue w; an address count out of range is refused. */
static void test_rules_for_source_addresses(void)
{
	const uint32_t ips[3] = { rte_cpu_to_be_32(0xc000020a), rte_cpu_to_be_32(0xc000020b),
				  rte_cpu_to_be_32(0xc000020c) };
	unsigned int seen[2][3] = { { 0 } };

	CU_ASSERT_EQUAL_FATAL(steer_plan_build(&plan, ips, 3, NULL, 32768, 65535, 2), 0);
	CU_ASSERT_EQUAL_FATAL(plan.n_rules, 2 * 3 + 1); /* one block */
	for (unsigned int i = 0; i < 6; i++) {
		const struct steer_rule *r = &plan.rules[i];
		const struct rte_flow_item_ipv4 *ips_spec = r->pattern[1].spec;
		const struct rte_flow_item_tcp *ts = r->pattern[2].spec;
		const struct rte_flow_action_queue *q = r->actions[0].conf;
		unsigned int w = rte_be_to_cpu_16(ts->hdr.dst_port) & 1;

		CU_ASSERT_EQUAL(q->index, w);
		for (unsigned int a = 0; a < 3; a++)
			if (w < 2 && ips_spec->hdr.dst_addr == ips[a])
				seen[w][a]++;
	}
	for (unsigned int w = 0; w < 2; w++)
		for (unsigned int a = 0; a < 3; a++)
			CU_ASSERT_EQUAL(seen[w][a], 1);
	CU_ASSERT_EQUAL(plan.rules[6].pattern[0].type, RTE_FLOW_ITEM_TYPE_ETH);
	CU_ASSERT_EQUAL(steer_plan_build(&plan, ips, 0, NULL, 10000, 59999, 2), -1);
	CU_ASSERT_EQUAL(steer_plan_build(&plan, ips, STEER_MAX_IPV4 + 1, NULL, 10000, 59999, 2), -1);
}

static void test_single_worker_and_refusal(void)
{
	CU_ASSERT_EQUAL(steer_plan_build(&plan, &one, 1, NULL, 10000, 59999, 1), 0);
	CU_ASSERT_EQUAL(plan.n_rules, 1); /* ARP only: nothing to split */
	CU_ASSERT_EQUAL(steer_plan_build(&plan, &one, 1, NULL, 10000, 59999, 3), -1);
	CU_ASSERT_EQUAL(plan.n_rules, 0);
}

/* A device without rte_flow (net_null, like every vdev here) refuses the first rule;
 * nothing is created. */
static void test_program_on_device_without_rte_flow(void)
{
	struct rte_flow *flows[STEER_MAX_RULES];
	struct rte_eth_conf conf = { 0 };
	char err[160] = "";
	uint16_t port;
	int rc;

	CU_ASSERT_EQUAL_FATAL(rte_dev_probe("net_null_steer_ut"), 0);
	CU_ASSERT_EQUAL_FATAL(rte_eth_dev_get_port_by_name("net_null_steer_ut", &port), 0);
	CU_ASSERT_EQUAL(rte_eth_dev_configure(port, 1, 1, &conf), 0);
	CU_ASSERT_EQUAL_FATAL(steer_plan_build(&plan, &one, 1, NULL, 10000, 59999, 2), 0);
	rc = steer_program(port, &plan, flows, err, sizeof(err));
	CU_ASSERT_TRUE(rc < 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "refused"));
	{
		struct rte_eth_dev_info info;

		rte_eth_dev_info_get(port, &info);
		rte_eth_dev_close(port);
		rte_dev_remove(info.device);
	}
}

/* Two workers, the relay's source ports, and a port whose 128-entry redirection table
 * alternates its two queues, queue q polled by worker owner_of_q0 ^ q. */
static void rss_fixture(struct dp_appliance *app, struct dp_port *port, uint16_t owner_of_q0)
{
	uint8_t key_len;

	app->n_workers = 2;
	app->src_port_first = 10000;
	app->src_port_last = 59999;
	memcpy(port->rss_key, drv_rss_key(&key_len), sizeof(port->rss_key));
	port->reta_size = 128;
	for (unsigned int i = 0; i < 128; i++)
		port->reta[i] = (uint16_t)(i % 2);
	port->queue_owner[0] = owner_of_q0;
	port->queue_owner[1] = owner_of_q0 ^ 1;
}

/* An IPv6 address as the four host-order words of an RSS tuple. */
static void words_of(const uint8_t addr[16], uint32_t out[4])
{
	for (int i = 0; i < 4; i++)
		out[i] = (uint32_t)addr[4 * i] << 24 | (uint32_t)addr[4 * i + 1] << 16 |
			 (uint32_t)addr[4 * i + 2] << 8 | addr[4 * i + 3];
}

/* The key makes RSS symmetric, and the client-side owner is the worker polling the queue
 * the NIC's redirection table picks for that hash. */
static void test_rss_owner(void)
{
	static struct dp_appliance app;
	static struct dp_port port;
	uint8_t key_len;
	const uint8_t *key = drv_rss_key(&key_len);
	unsigned int seen[2] = { 0, 0 };

	CU_ASSERT_EQUAL(key_len, 40);
	for (uint32_t i = 0; i < 1000; i++) {
		uint32_t a = 0x0a000002 + i, b = 0x0a000001;
		uint16_t pa = (uint16_t)(30000 + i * 7), pb = 443;
		uint32_t fwd[3] = { a, b, (uint32_t)pa << 16 | pb };
		uint32_t rev[3] = { b, a, (uint32_t)pb << 16 | pa };

		CU_ASSERT_EQUAL(rte_softrss(fwd, 3, key), rte_softrss(rev, 3, key));
	}
	rss_fixture(&app, &port, 1); /* queues need not map to workers one to one */
	port.ipv4 = 0x0a000001;
	port.vip_base = 0xf0f00000;
	port.vip_mask = 0xffff0000;
	for (uint32_t i = 0; i < 200; i++) {
		uint32_t client = 0x0a000002 + i;
		uint16_t cport = (uint16_t)(40000 + i);
		uint32_t tuple[3] = { client, port.ipv4, (uint32_t)cport << 16 | 443 };
		unsigned int want = port.queue_owner[port.reta[rte_softrss(tuple, 3, key) & 127]];
		unsigned int got = dispatch_owner(&app, &port, rte_cpu_to_be_32(client), port.ipv4,
						  rte_cpu_to_be_16(cport), 443);

		CU_ASSERT_EQUAL(got, want);
		seen[got]++;
		/* To a VIP of the port: RSS hashed the VIP, and so does the owner. */
		tuple[1] = 0xf0f00005;
		want = port.queue_owner[port.reta[rte_softrss(tuple, 3, key) & 127]];
		CU_ASSERT_EQUAL(dispatch_owner(&app, &port, rte_cpu_to_be_32(client), 0xf0f00005,
					       rte_cpu_to_be_16(cport), 443), want);
		/* ... also when the service's port lies among the relay's source ports. */
		tuple[2] = (uint32_t)cport << 16 | 27017;
		want = port.queue_owner[port.reta[rte_softrss(tuple, 3, key) & 127]];
		CU_ASSERT_EQUAL(dispatch_owner(&app, &port, rte_cpu_to_be_32(client), 0xf0f00005,
					       rte_cpu_to_be_16(cport), 27017), want);
	}
	CU_ASSERT_TRUE(seen[0] > 50 && seen[1] > 50); /* both workers get clients */
	/* The backend side still goes by the relay's source port. */
	CU_ASSERT_EQUAL(dispatch_owner(&app, &port, 1, port.ipv4, 2, 10001), 1);
	CU_ASSERT_EQUAL(dispatch_owner(&app, &port, 1, port.ipv4, 2, 10002), 0);
}

/* The same over IPv6: the key is symmetric for the 36-byte tuple too, clients spread over
 * both workers through the redirection table, and one client always lands on one worker;
 * the backend side goes by the relay's source port as for IPv4. */
static void test_rss_owner_ipv6(void)
{
	static struct dp_appliance app;
	static struct dp_port port;
	uint8_t key_len, client[16] = { 0xfd, 0, [15] = 2 }, ours[16] = { 0xfd, 0, [15] = 1 };
	const uint8_t *key = drv_rss_key(&key_len);
	unsigned int seen[2] = { 0, 0 };

	rss_fixture(&app, &port, 0);
	for (uint32_t i = 0; i < 200; i++) {
		uint16_t cport = (uint16_t)(40000 + i * 13);
		uint32_t fwd[9], rev[9];
		unsigned int got;

		client[14] = (uint8_t)i;
		words_of(client, fwd);
		words_of(ours, fwd + 4);
		words_of(ours, rev);
		words_of(client, rev + 4);
		fwd[8] = (uint32_t)cport << 16 | 443;
		rev[8] = (uint32_t)443 << 16 | cport;
		CU_ASSERT_EQUAL(rte_softrss(fwd, 9, key), rte_softrss(rev, 9, key));
		got = dispatch_owner6(&app, &port, client, ours, rte_cpu_to_be_16(cport), 443);
		CU_ASSERT_EQUAL(got, port.queue_owner[port.reta[rte_softrss(fwd, 9, key) & 127]]);
		CU_ASSERT_EQUAL(got, dispatch_owner6(&app, &port, client, ours,
						     rte_cpu_to_be_16(cport), 443));
		seen[got]++;
	}
	CU_ASSERT_TRUE(seen[0] > 50 && seen[1] > 50);
	CU_ASSERT_EQUAL(dispatch_owner6(&app, &port, client, ours, 2, 10001), 1);
	CU_ASSERT_EQUAL(dispatch_owner6(&app, &port, client, ours, 2, 10002), 0);
}

/* Four workers on a port whose 128-entry table cycles its four queues, queue q polled by
 * worker (q + 1) % 4: the relay's source ports are to be picked for RSS. */
static struct rss_steer *rss_steer_fixture(struct dp_appliance *app, struct dp_port *port)
{
	char err[128] = "";
	uint8_t key[RSS_STEER_KEY_LEN];
	struct rss_steer *rs;

	rss_fixture(app, port, 0);
	app->n_workers = 4;
	for (unsigned int i = 0; i < 128; i++)
		port->reta[i] = (uint16_t)(i % 4);
	for (unsigned int q = 0; q < 4; q++)
		port->queue_owner[q] = (uint16_t)((q + 1) % 4);
	port->ipv4 = 0x0a010001;
	rs = rss_steer_create(port, 4, key, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL(rs);
	if (rs) {
		unsigned int changed = 0;

		/* Only the bits under the two helpers change: 13 each for 7-bit entries. */
		for (unsigned int i = 0; i < RSS_STEER_KEY_LEN; i++)
			changed += (unsigned int)__builtin_popcount(key[i] ^ port->rss_key[i]);
		CU_ASSERT_TRUE(changed > 0 && changed <= 26);
		memcpy(port->rss_key, key, sizeof(port->rss_key));
		port->rss_steer = rs;
	}
	return rs;
}

/* The plan's table-driven hash is the NIC's Toeplitz hash (rte_softrss under the planned
 * key), for IPv4 and IPv6 tuples alike, whatever the addresses and ports. */
static void test_rss_steer_hash_is_toeplitz(void)
{
	static struct dp_appliance app;
	static struct dp_port port;
	struct rss_steer *rs = rss_steer_fixture(&app, &port);
	unsigned int wrong = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	for (uint32_t i = 0; i < 2000; i++) {
		uint32_t peer = 0x9e3779b1u * (i + 1), local = 0x85ebca6bu * (i + 7);
		uint32_t peer_be = rte_cpu_to_be_32(peer), local_be = rte_cpu_to_be_32(local);
		uint16_t pport = (uint16_t)(i * 7919u), ours = (uint16_t)(i * 104729u);
		struct rss_steer_conn c4 = { .peer = (const uint8_t *)&peer_be,
					     .local = (const uint8_t *)&local_be,
					     .peer_port = rte_cpu_to_be_16(pport) };
		uint32_t t4[3] = { peer, local, (uint32_t)pport << 16 | ours };
		uint8_t a6[16], b6[16];
		uint32_t t6[9];
		struct rss_steer_conn c6 = { .v6 = true, .peer = a6, .local = b6,
					     .peer_port = rte_cpu_to_be_16(pport) };

		for (unsigned int k = 0; k < 16; k++) {
			a6[k] = (uint8_t)(peer >> (k % 4 * 8) ^ k);
			b6[k] = (uint8_t)(local >> (k % 4 * 8) ^ (k * 13));
		}
		for (unsigned int k = 0; k < 4; k++) {
			t6[k] = (uint32_t)a6[4 * k] << 24 | (uint32_t)a6[4 * k + 1] << 16 |
				(uint32_t)a6[4 * k + 2] << 8 | a6[4 * k + 3];
			t6[4 + k] = (uint32_t)b6[4 * k] << 24 | (uint32_t)b6[4 * k + 1] << 16 |
				    (uint32_t)b6[4 * k + 2] << 8 | b6[4 * k + 3];
		}
		t6[8] = (uint32_t)pport << 16 | ours;
		wrong += rss_steer_hash(rs, &c4, ours) != rte_softrss(t4, 3, port.rss_key);
		wrong += rss_steer_hash(rs, &c6, ours) != rte_softrss(t6, 9, port.rss_key);
	}
	CU_ASSERT_EQUAL(wrong, 0);
	rss_steer_free(rs);
}

/* The ports picked so far (rss_steer's is_free): a port is free once. */
static uint8_t ports_taken[65536];

static bool port_untaken(void *ctx, uint16_t port)
{
	(void)ctx;
	if (ports_taken[port])
		return false;
	ports_taken[port] = 1;
	return true;
}

static bool port_never_free(void *ctx, uint16_t port)
{
	(void)ctx;
	(void)port;
	return false;
}

/* Every worker's source ports, picked to connections to many backends, bring the
 * backend's segments to a queue that worker polls, by the NIC's hash with the key the
 * port was given; dispatch agrees, so nothing is handed over. Ports stay in range and are
 * never given twice; with nothing free the pick fails. */
static void test_rss_steered_source_ports(void)
{
	static struct dp_appliance app;
	static struct dp_port port;
	struct rss_steer *rs = rss_steer_fixture(&app, &port);
	uint32_t cursor = 12345;
	unsigned int spread[4] = { 0 };

	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	memset(ports_taken, 0, sizeof(ports_taken));
	for (uint32_t i = 0; i < 4000; i++) {
		unsigned int worker = i % 4;
		uint32_t backend = 0x0a010100 + i % 97, local = rte_cpu_to_be_32(port.ipv4);
		uint32_t backend_be = rte_cpu_to_be_32(backend);
		uint16_t bport = (uint16_t)(443 + i % 3), bport_be = rte_cpu_to_be_16(bport), got;
		struct rss_steer_conn conn = { .peer = (const uint8_t *)&backend_be,
					       .local = (const uint8_t *)&local, .peer_port = bport_be };

		if (!rss_steer_pick(rs, &port, worker, &cursor, &conn, 10000, 59999, port_untaken,
				    NULL, &got)) {
			CU_FAIL("no source port picked");
			break;
		}
		CU_ASSERT_TRUE(got >= 10000 && got <= 59999);
		{
			uint32_t tuple[3] = { backend, port.ipv4, (uint32_t)bport << 16 | got };
			uint32_t h = rte_softrss(tuple, 3, port.rss_key);

			CU_ASSERT_EQUAL(port.queue_owner[port.reta[h & 127]], worker);
		}
		CU_ASSERT_EQUAL(dispatch_owner(&app, &port, backend_be, port.ipv4, bport_be, got),
				worker);
		spread[(got - 10000) / 12500]++;
	}
	/* Picks scatter over the whole range, not one corner of it. */
	for (unsigned int q = 0; q < 4; q++)
		CU_ASSERT_TRUE(spread[q] > 500);
	{
		uint32_t b = rte_cpu_to_be_32(0x0a010102), l = rte_cpu_to_be_32(port.ipv4);
		struct rss_steer_conn conn = { .peer = (const uint8_t *)&b,
					       .local = (const uint8_t *)&l, .peer_port = 1 };
		uint16_t got;

		CU_ASSERT_FALSE(rss_steer_pick(rs, &port, 0, &cursor, &conn, 10000, 59999,
					       port_never_free, NULL, &got));
	}
	rss_steer_free(rs);
}

/* Ranges whose size shares a factor with the scattering's stride: every size reaches its
 * whole range. Before, a range of 40,503 ports (the stride itself) started every try at
 * its first port, and one worker ran out after a few dozen connections to one backend
 * with thousands of its ports free; 64,512 (1024-65535) reached a third of them. */
static void test_rss_steered_any_range_size(void)
{
	static struct dp_appliance app;
	static struct dp_port port;
	static const uint16_t last[] = { 50502, 63999, 37002 };
	struct rss_steer *rs = rss_steer_fixture(&app, &port);
	uint32_t backend_be = rte_cpu_to_be_32(0x0a010102), local;

	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	local = rte_cpu_to_be_32(port.ipv4);
	for (unsigned int r = 0; r < RTE_DIM(last); r++) {
		struct rss_steer_conn conn = { .peer = (const uint8_t *)&backend_be,
					       .local = (const uint8_t *)&local,
					       .peer_port = rte_cpu_to_be_16(443) };
		uint32_t cursor = 99, picked = 0, span = last[r] - 10000u + 1;
		uint16_t got;

		memset(ports_taken, 0, sizeof(ports_taken));
		while (picked < span &&
		       rss_steer_pick(rs, &port, 0, &cursor, &conn, 10000, last[r], port_untaken,
				      NULL, &got))
			picked++;
		/* A quarter of the range is worker 0's (4 workers): most of it is picked. */
		CU_ASSERT_TRUE(picked > span / 4 / 2);
	}
	rss_steer_free(rs);
}

/* A 2,048-entry redirection table (an E810's PF) is followed as a 128-entry one is: the
 * source ports picked bring the backend's segments to the worker's queue, and dispatch
 * agrees. Before, a table over 512 entries was not read, and most clients' segments were
 * handed between workers. */
static void test_rss_steer_large_table(void)
{
	static struct dp_appliance app;
	static struct dp_port port;
	uint8_t key[RSS_STEER_KEY_LEN];
	uint32_t cursor = 5, local_be;
	char err[128] = "";
	struct rss_steer *rs;

	rss_fixture(&app, &port, 0);
	app.n_workers = 4;
	port.reta_size = DRV_RETA_MAX;
	for (unsigned int i = 0; i < DRV_RETA_MAX; i++)
		port.reta[i] = (uint16_t)(i * 7 % 4);
	for (unsigned int q = 0; q < 4; q++)
		port.queue_owner[q] = (uint16_t)q;
	port.ipv4 = 0x0a010001;
	local_be = rte_cpu_to_be_32(port.ipv4);
	rs = rss_steer_create(&port, 4, key, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	memcpy(port.rss_key, key, sizeof(port.rss_key));
	port.rss_steer = rs;
	memset(ports_taken, 0, sizeof(ports_taken));
	for (uint32_t i = 0; i < 1000; i++) {
		unsigned int worker = i % 4;
		uint32_t backend = 0x0a010100 + i % 31, backend_be = rte_cpu_to_be_32(backend);
		uint16_t bport_be = rte_cpu_to_be_16(443), got;
		struct rss_steer_conn conn = { .peer = (const uint8_t *)&backend_be,
					       .local = (const uint8_t *)&local_be,
					       .peer_port = bport_be };
		uint32_t tuple[3];

		if (!rss_steer_pick(rs, &port, worker, &cursor, &conn, 10000, 59999, port_untaken,
				    NULL, &got)) {
			CU_FAIL("no source port picked");
			break;
		}
		tuple[0] = backend;
		tuple[1] = port.ipv4;
		tuple[2] = (uint32_t)443 << 16 | got;
		CU_ASSERT_EQUAL(port.queue_owner[port.reta[rte_softrss(tuple, 3, port.rss_key) &
							   (DRV_RETA_MAX - 1)]], worker);
		CU_ASSERT_EQUAL(dispatch_owner(&app, &port, backend_be, port.ipv4, bport_be, got),
				worker);
	}
	rss_steer_free(rs);
}

/* The same over IPv6: the whole 36-byte tuple is hashed, the pick lands on the worker's
 * queues and dispatch agrees. */
static void test_rss_steered_source_ports_ipv6(void)
{
	static struct dp_appliance app;
	static struct dp_port port;
	struct rss_steer *rs = rss_steer_fixture(&app, &port);
	uint8_t backend[16] = { 0xfd, 1, [15] = 2 }, ours[16] = { 0xfd, 1, [15] = 1 };
	uint32_t cursor = 7;

	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	memset(ports_taken, 0, sizeof(ports_taken));
	for (uint32_t i = 0; i < 1000; i++) {
		unsigned int worker = (i * 3) % 4;
		uint16_t bport_be = rte_cpu_to_be_16(8443), got;
		struct rss_steer_conn conn = { .v6 = true, .peer = backend, .local = ours,
					       .peer_port = bport_be };
		uint32_t tuple[9];

		backend[14] = (uint8_t)i;
		if (!rss_steer_pick(rs, &port, worker, &cursor, &conn, 10000, 59999, port_untaken,
				    NULL, &got)) {
			CU_FAIL("no source port picked");
			break;
		}
		words_of(backend, tuple);
		words_of(ours, tuple + 4);
		tuple[8] = (uint32_t)8443 << 16 | got;
		CU_ASSERT_EQUAL(port.queue_owner[port.reta[rte_softrss(tuple, 9, port.rss_key) & 127]],
				worker);
		CU_ASSERT_EQUAL(dispatch_owner6(&app, &port, backend, ours, bport_be, got), worker);
	}
	rss_steer_free(rs);
}

/* No plan where RSS cannot reach every worker or the table is not a power of two. */
static void test_rss_steer_refusals(void)
{
	static struct dp_appliance app;
	static struct dp_port port;
	uint8_t key[RSS_STEER_KEY_LEN];
	char err[128] = "";

	rss_fixture(&app, &port, 0);
	for (unsigned int i = 0; i < 128; i++)
		port.reta[i] = 0; /* every entry to queue 0: worker 1 would never see a reply */
	CU_ASSERT_PTR_NULL(rss_steer_create(&port, 2, key, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not all 2 workers"));
	port.reta_size = 100;
	CU_ASSERT_PTR_NULL(rss_steer_create(&port, 2, key, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "100 entries"));
}

/* A device with RSS and no rte_flow (net_null, 4 queues) started as the data plane starts
 * its ports takes the planned key: what it hashes with afterwards is that key. */
static void test_rss_key_given_to_device(void)
{
	static struct dp_port port;
	const struct drv_port_params params = { .rx_queues = 4, .tx_queues = 1, .rx_desc = 64,
						.tx_desc = 64 };
	struct drv_port_caps caps;
	struct rte_mempool *pool = drv_pool_create("steer_ut_pool", 1024, 1500, (int)rte_socket_id());
	uint8_t key[RSS_STEER_KEY_LEN], back[64], key_len;
	struct rte_eth_rss_conf conf = { .rss_key = back, .rss_key_len = sizeof(back) };
	struct rss_steer *rs = NULL;
	char err[160] = "";

	CU_ASSERT_PTR_NOT_NULL_FATAL(pool);
	CU_ASSERT_EQUAL_FATAL(drv_port_probe("net_null_rss_ut", &port.port_id, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(drv_port_start(port.port_id, &params, pool, &caps, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(caps.rss);
	port.reta_size = drv_port_reta(port.port_id, port.reta, RTE_DIM(port.reta));
	CU_ASSERT_TRUE(port.reta_size >= 4);
	/* The start spread the table over the four queues (net_null begins with all at 0). */
	for (unsigned int i = 0; i < port.reta_size; i++)
		CU_ASSERT_EQUAL(port.reta[i], i % 4);
	memcpy(port.rss_key, drv_rss_key(&key_len), sizeof(port.rss_key));
	for (unsigned int q = 0; q < 4; q++)
		port.queue_owner[q] = (uint16_t)(q % 2);
	if (port.reta_size >= 4)
		rs = rss_steer_create(&port, 2, key, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL(rs);
	if (rs) {
		CU_ASSERT_EQUAL(drv_port_rss_key_set(port.port_id, key, sizeof(key), err,
						     sizeof(err)), 0);
		CU_ASSERT_EQUAL(rte_eth_dev_rss_hash_conf_get(port.port_id, &conf), 0);
		CU_ASSERT_EQUAL(memcmp(back, key, RSS_STEER_KEY_LEN), 0);
		CU_ASSERT_NOT_EQUAL(memcmp(back, drv_rss_key(&key_len), RSS_STEER_KEY_LEN), 0);
	}
	rss_steer_free(rs);
	drv_port_close(port.port_id);
	rte_mempool_free(pool);
}

/* A device that says no key size and cannot read its key back (net_ring here; vmxnet3 so
 * on hardware, which hashes with a default key of its own) was given none: its key is not
 * known, not taken to be ours (before, it was, and most clients' segments were guessed to
 * the wrong worker and handed over). */
static void test_rss_key_unknown(void)
{
	const struct drv_port_params params = { .rx_queues = 1, .tx_queues = 1, .rx_desc = 64,
						.tx_desc = 64 };
	struct rte_mempool *pool = drv_pool_create("steer_key_pool", 512, 1500, (int)rte_socket_id());
	struct drv_port_caps caps;
	struct rte_eth_dev_info info;
	uint8_t key[RSS_STEER_KEY_LEN];
	uint16_t port_id;
	char err[160] = "";

	CU_ASSERT_PTR_NOT_NULL_FATAL(pool);
	CU_ASSERT_EQUAL_FATAL(drv_port_probe("net_ring_key_ut", &port_id, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(drv_port_start(port_id, &params, pool, &caps, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(rte_eth_dev_info_get(port_id, &info), 0);
	CU_ASSERT_EQUAL(info.hash_key_size, 0);
	CU_ASSERT_EQUAL(drv_port_rss_key_get(port_id, key, sizeof(key)), -1);
	drv_port_close(port_id);
	rte_mempool_free(pool);
}

int test_steer_register(void)
{
	static const CU_TestInfo tests[] = {
		{ "source-port partition", test_partition },
		{ "rules for four workers", test_rules_for_four_workers },
		{ "source ports cut into aligned blocks", test_source_port_blocks },
		{ "rules for a port with IPv6", test_rules_with_ipv6 },
		{ "rules for a port with source addresses", test_rules_for_source_addresses },
		{ "one worker, and a count that cannot split", test_single_worker_and_refusal },
		{ "device without rte_flow refuses", test_program_on_device_without_rte_flow },
		{ "client owner follows RSS", test_rss_owner },
		{ "client owner follows RSS over IPv6", test_rss_owner_ipv6 },
		{ "the plan hashes as the NIC does", test_rss_steer_hash_is_toeplitz },
		{ "relay source ports aimed by RSS", test_rss_steered_source_ports },
		{ "relay source ports aimed by RSS, any range size", test_rss_steered_any_range_size },
		{ "relay source ports aimed by a 2,048-entry table", test_rss_steer_large_table },
		{ "relay source ports aimed by RSS over IPv6", test_rss_steered_source_ports_ipv6 },
		{ "no RSS aim where it cannot reach every worker", test_rss_steer_refusals },
		{ "a device with RSS takes the planned key", test_rss_key_given_to_device },
		{ "a device that says no key size: its key unknown", test_rss_key_unknown },
		{ "queue q of a queue-per-worker port is worker q's", test_queue_owners },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite("steer", tests);
}
