/* Suite "neigh": resolution, pending queue, retries, failure, ageing, bounds. */
#include <string.h>

#include <rte_errno.h>

#include "neigh.h"
#include "unit.h"

/* Packets are stand-ins (their addresses); the ops record what the table did. */
static struct {
	uint32_t requests[64];
	unsigned int n_requests;
	void *flushed[64];
	struct rte_ether_addr flushed_mac;
	unsigned int n_flushed;
	void *dropped[64];
	unsigned int n_dropped;
} seen;

static void op_request(void *ctx, uint32_t ip)
{
	(void)ctx;
	if (seen.n_requests < 64)
		seen.requests[seen.n_requests++] = ip;
}

static void op_flush(void *ctx, void *pkt, const struct rte_ether_addr *mac)
{
	(void)ctx;
	seen.flushed_mac = *mac;
	if (seen.n_flushed < 64)
		seen.flushed[seen.n_flushed++] = pkt;
}

static void op_drop(void *ctx, void *pkt)
{
	(void)ctx;
	if (seen.n_dropped < 64)
		seen.dropped[seen.n_dropped++] = pkt;
}

static const struct neigh_ops ops = { op_request, op_flush, op_drop, NULL };
static const struct mr_neigh_conf small = {
	.entries = 16, .reachable_ms = 1000, .retry_ms = 100, .retries = 3, .pending = 2,
};
static const struct rte_ether_addr mac_a = { { 0x02, 0, 0, 0, 0, 0xa } };
static const struct rte_ether_addr mac_b = { { 0x02, 0, 0, 0, 0, 0xb } };
static int pkts[16]; /* their addresses are the fake packets */

static struct neigh_table *fresh(const char *name)
{
	memset(&seen, 0, sizeof(seen));
	return neigh_table_create(name, &small, 0, &ops);
}

static void test_resolve_queue_then_flush(void)
{
	struct neigh_table *nt = fresh("n1");
	struct rte_ether_addr mac;

	CU_ASSERT_PTR_NOT_NULL_FATAL(nt);
	CU_ASSERT_EQUAL(neigh_resolve(nt, 0x0a000002, 0, &pkts[0], &mac), NEIGH_QUEUED_REQUEST);
	CU_ASSERT_EQUAL(neigh_resolve(nt, 0x0a000002, 1, &pkts[1], &mac), NEIGH_QUEUED);
	/* pending = 2: the third packet is refused and stays the caller's. */
	CU_ASSERT_EQUAL(neigh_resolve(nt, 0x0a000002, 2, &pkts[2], &mac), NEIGH_DROPPED);
	CU_ASSERT_TRUE(neigh_learn(nt, 0x0a000002, &mac_a, 5, false));
	CU_ASSERT_EQUAL(seen.n_flushed, 2);
	CU_ASSERT_PTR_EQUAL(seen.flushed[0], &pkts[0]);
	CU_ASSERT_PTR_EQUAL(seen.flushed[1], &pkts[1]);
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&seen.flushed_mac, &mac_a));
	CU_ASSERT_EQUAL(neigh_resolve(nt, 0x0a000002, 6, &pkts[3], &mac), NEIGH_HIT);
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&mac, &mac_a));
	CU_ASSERT_EQUAL(seen.n_dropped, 0);
	neigh_table_free(nt);
}

static void test_retries_then_failed(void)
{
	struct neigh_table *nt = fresh("n2");
	struct rte_ether_addr mac;

	CU_ASSERT_PTR_NOT_NULL_FATAL(nt);
	CU_ASSERT_EQUAL(neigh_resolve(nt, 0x0a000003, 0, &pkts[0], &mac), NEIGH_QUEUED_REQUEST);
	neigh_age(nt, 50);   /* before retry_ms: nothing */
	CU_ASSERT_EQUAL(seen.n_requests, 0);
	neigh_age(nt, 100);  /* probe 2 */
	neigh_age(nt, 200);  /* probe 3 */
	CU_ASSERT_EQUAL(seen.n_requests, 2);
	CU_ASSERT_EQUAL(seen.requests[1], 0x0a000003);
	neigh_age(nt, 300);  /* retries exhausted: failed, pending dropped */
	CU_ASSERT_EQUAL(seen.n_dropped, 1);
	CU_ASSERT_PTR_EQUAL(seen.dropped[0], &pkts[0]);
	CU_ASSERT_EQUAL(neigh_resolve(nt, 0x0a000003, 301, &pkts[1], &mac), NEIGH_DROPPED);
	neigh_age(nt, 300 + 3 * 100); /* hold-down over: entry collected */
	CU_ASSERT_EQUAL(neigh_count(nt), 0);
	CU_ASSERT_EQUAL(neigh_resolve(nt, 0x0a000003, 700, NULL, &mac), NEIGH_QUEUED_REQUEST);
	neigh_table_free(nt);
}

static void test_stale_reprobe_and_gc(void)
{
	struct neigh_table *nt = fresh("n3");
	struct rte_ether_addr mac;

	CU_ASSERT_PTR_NOT_NULL_FATAL(nt);
	CU_ASSERT_TRUE(neigh_learn(nt, 0x0a000004, &mac_a, 0, true));
	neigh_age(nt, 1000); /* reachable_ms over: stale */
	CU_ASSERT_EQUAL(neigh_resolve(nt, 0x0a000004, 1001, NULL, &mac), NEIGH_HIT_PROBE);
	CU_ASSERT_EQUAL(neigh_resolve(nt, 0x0a000004, 1002, NULL, &mac), NEIGH_HIT);
	/* The host moved: the reply carries a new MAC, which is taken. */
	CU_ASSERT_TRUE(neigh_learn(nt, 0x0a000004, &mac_b, 1050, false));
	CU_ASSERT_EQUAL(neigh_resolve(nt, 0x0a000004, 1051, NULL, &mac), NEIGH_HIT);
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&mac, &mac_b));
	neigh_age(nt, 2050);            /* stale again */
	neigh_age(nt, 2050 + 4 * 1000); /* unused stale entries are collected */
	CU_ASSERT_EQUAL(neigh_count(nt), 0);
	neigh_table_free(nt);
}

static void test_learn_without_create(void)
{
	struct neigh_table *nt = fresh("n4");

	CU_ASSERT_PTR_NOT_NULL_FATAL(nt);
	CU_ASSERT_FALSE(neigh_learn(nt, 0x0a000005, &mac_a, 0, false));
	CU_ASSERT_EQUAL(neigh_count(nt), 0);
	neigh_table_free(nt);
}

static void test_table_bounded(void)
{
	struct neigh_table *nt = fresh("n5");
	struct rte_ether_addr mac;
	unsigned int created = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(nt);
	for (uint32_t ip = 1; ip <= 100; ip++)
		if (neigh_learn(nt, 0x0a010000 + ip, &mac_a, 0, true))
			created++;
	CU_ASSERT_EQUAL(created, small.entries);
	CU_ASSERT_EQUAL(neigh_count(nt), small.entries);
	CU_ASSERT_EQUAL(neigh_resolve(nt, 0x0b000001, 0, &pkts[0], &mac), NEIGH_DROPPED);
	neigh_table_free(nt);
}

static void test_free_drops_pending(void)
{
	struct neigh_table *nt = fresh("n6");
	struct rte_ether_addr mac;
	struct neigh_info info[4];

	CU_ASSERT_PTR_NOT_NULL_FATAL(nt);
	neigh_resolve(nt, 0x0a000006, 0, &pkts[0], &mac);
	neigh_resolve(nt, 0x0a000007, 0, &pkts[1], &mac);
	CU_ASSERT_EQUAL(neigh_snapshot(nt, 10, info, 4), 2);
	CU_ASSERT_EQUAL(info[0].state, NEIGH_INCOMPLETE);
	CU_ASSERT_EQUAL(info[0].n_pending, 1);
	CU_ASSERT_EQUAL(info[0].age_ms, 10);
	neigh_table_free(nt);
	CU_ASSERT_EQUAL(seen.n_dropped, 2);
}

int test_neigh_register(void)
{
	static const CU_TestInfo tests[] = {
		{ "resolve, queue, flush", test_resolve_queue_then_flush },
		{ "retries then failed then retried", test_retries_then_failed },
		{ "stale re-probe and collection", test_stale_reprobe_and_gc },
		{ "learn without create", test_learn_without_create },
		{ "table bounded", test_table_bounded },
		{ "free drops pending", test_free_drops_pending },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite("neigh", tests);
}
