/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "neigh": resolution, pending queue, retries, failure, ageing, bounds, and what
 * ARP from others may change (hostile input: floods, spoofed claims, wrong ports). */
#include <string.h>

#include <rte_errno.h>

#include "arp.h"
#include "neigh.h"
#include "unit.h"

/* Packets are stand-ins (their addresses); the ops record what the table did. */
static struct {
	uint32_t requests[64];
	unsigned int n_requests;
	struct neigh_addr last_request;
	void *flushed[64];
	struct rte_ether_addr flushed_mac;
	unsigned int n_flushed;
	void *dropped[64];
	unsigned int n_dropped;
} seen;

static void op_request(void *ctx, const struct neigh_addr *addr)
{
	(void)ctx;
	seen.last_request = *addr;
	if (seen.n_requests < 64)
		seen.requests[seen.n_requests++] = neigh_addr_v4_of(addr);
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

static const struct neigh_ops ops = { op_request, op_flush, op_drop, NULL, NULL };
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
	CU_ASSERT_EQUAL(neigh_learn(nt, 0x0a000002, &mac_a, 5, true), NEIGH_LEARN_UPDATED);
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
	CU_ASSERT_EQUAL(neigh_learn(nt, 0x0a000004, &mac_a, 0, true), NEIGH_LEARN_UPDATED);
	neigh_age(nt, 1000); /* reachable_ms over: stale */
	CU_ASSERT_EQUAL(neigh_resolve(nt, 0x0a000004, 1001, NULL, &mac), NEIGH_HIT_PROBE);
	CU_ASSERT_EQUAL(neigh_resolve(nt, 0x0a000004, 1002, NULL, &mac), NEIGH_HIT);
	/* The host answers the probe at its MAC: reachable again. */
	CU_ASSERT_EQUAL(neigh_learn(nt, 0x0a000004, &mac_a, 1050, true), NEIGH_LEARN_UPDATED);
	CU_ASSERT_EQUAL(neigh_resolve(nt, 0x0a000004, 1051, NULL, &mac), NEIGH_HIT);
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&mac, &mac_a));
	neigh_age(nt, 2050);            /* stale again */
	neigh_age(nt, 2050 + 4 * 1000); /* unused stale entries are collected */
	CU_ASSERT_EQUAL(neigh_count(nt), 0);
	neigh_table_free(nt);
}

static void test_learn_without_create(void)
{
	struct neigh_table *nt = fresh("n4");
	struct rte_ether_addr mac;

	CU_ASSERT_PTR_NOT_NULL_FATAL(nt);
	CU_ASSERT_EQUAL(neigh_learn(nt, 0x0a000005, &mac_a, 0, false), NEIGH_LEARN_NONE);
	CU_ASSERT_EQUAL(neigh_count(nt), 0);
	/* Gratuitous ARP does not fill in an address being resolved either: our own
	 * request's answer (addressed to us) does. */
	CU_ASSERT_EQUAL(neigh_resolve(nt, 0x0a000005, 1, &pkts[0], &mac), NEIGH_QUEUED_REQUEST);
	CU_ASSERT_EQUAL(neigh_learn(nt, 0x0a000005, &mac_b, 2, false), NEIGH_LEARN_NONE);
	CU_ASSERT_EQUAL(seen.n_flushed, 0);
	CU_ASSERT_EQUAL(neigh_learn(nt, 0x0a000005, &mac_a, 3, true), NEIGH_LEARN_UPDATED);
	CU_ASSERT_EQUAL(seen.n_flushed, 1);
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&seen.flushed_mac, &mac_a));
	neigh_table_free(nt);
}

static void test_table_bounded(void)
{
	struct neigh_table *nt = fresh("n5");
	struct rte_ether_addr mac;
	unsigned int queued = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(nt);
	for (uint32_t ip = 1; ip <= 100; ip++)
		if (neigh_resolve(nt, 0x0a010000 + ip, 0, NULL, &mac) == NEIGH_QUEUED_REQUEST)
			queued++;
	CU_ASSERT_EQUAL(queued, small.entries);
	CU_ASSERT_EQUAL(neigh_count(nt), small.entries);
	CU_ASSERT_EQUAL(neigh_resolve(nt, 0x0b000001, 0, &pkts[0], &mac), NEIGH_DROPPED);
	CU_ASSERT_EQUAL(neigh_learn(nt, 0x0b000002, &mac_a, 0, true), NEIGH_LEARN_NONE);
	CU_ASSERT_EQUAL(neigh_count(nt), small.entries);
	neigh_table_free(nt);
}

/* A table full of answered neighbours gone quiet (stale) still resolves a new address:
 * the one least lately confirmed makes room. Before, every frame to a new neighbour was
 * dropped, unasked, until entries aged out of the table. */
static void test_full_table_evicts_stale(void)
{
	struct neigh_table *nt = fresh("n5e");
	struct rte_ether_addr mac;

	CU_ASSERT_PTR_NOT_NULL_FATAL(nt);
	for (uint32_t ip = 1; ip <= small.entries; ip++) {
		CU_ASSERT_EQUAL(neigh_resolve(nt, 0x0a010000 + ip, ip, NULL, &mac), NEIGH_QUEUED_REQUEST);
		CU_ASSERT_EQUAL(neigh_learn(nt, 0x0a010000 + ip, &mac_a, ip, true),
				NEIGH_LEARN_UPDATED);
	}
	CU_ASSERT_EQUAL(neigh_count(nt), small.entries);
	neigh_age(nt, small.reachable_ms + 100); /* every one stale now, .1 the oldest */
	CU_ASSERT_EQUAL(neigh_resolve(nt, 0x0b000001, small.reachable_ms + 100, &pkts[0], &mac),
			NEIGH_QUEUED_REQUEST);
	CU_ASSERT_EQUAL(neigh_count(nt), small.entries);
	CU_ASSERT_FALSE(neigh_known(nt, 0x0a010001));
	CU_ASSERT_TRUE(neigh_known(nt, 0x0a010002));
	neigh_table_free(nt);
}

/* A flood of requests from made-up senders takes half the table at most: the data plane
 * still resolves the addresses it needs (a backend it never talked to before). */
static void test_flood_leaves_room(void)
{
	struct neigh_table *nt = fresh("n7");
	struct rte_ether_addr mac;
	unsigned int created = 0, queued = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(nt);
	for (uint32_t ip = 1; ip <= 1000; ip++)
		if (neigh_learn(nt, 0x0a020000 + ip, &mac_a, ip, true) == NEIGH_LEARN_UPDATED)
			created++;
	CU_ASSERT_EQUAL(created, small.entries / 2);
	for (uint32_t ip = 1; ip <= small.entries; ip++)
		if (neigh_resolve(nt, 0x0a030000 + ip, 1000, NULL, &mac) == NEIGH_QUEUED_REQUEST)
			queued++;
	CU_ASSERT_EQUAL(queued, small.entries - small.entries / 2);
	CU_ASSERT_EQUAL(neigh_count(nt), small.entries);
	/* The flood goes on: the resolved entries are not taken over. */
	CU_ASSERT_EQUAL(neigh_learn(nt, 0x0a020fff, &mac_a, 1001, true), NEIGH_LEARN_NONE);
	CU_ASSERT_EQUAL(neigh_learn(nt, 0x0a030001, &mac_b, 1002, true), NEIGH_LEARN_UPDATED);
	CU_ASSERT_EQUAL(neigh_resolve(nt, 0x0a030001, 1003, NULL, &mac), NEIGH_HIT);
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&mac, &mac_b));
	neigh_table_free(nt);
}

/* Claims of another MAC for an address in use, in every state that has a MAC, while the
 * host keeps answering at its own: the entry never moves. A claim has the known MAC asked
 * at once (one request per round, however many claims). */
static void test_spoofed_claims_ignored(void)
{
	struct neigh_table *nt = fresh("n8");
	struct rte_ether_addr mac;
	const uint32_t ip = 0x0a000008;

	CU_ASSERT_PTR_NOT_NULL_FATAL(nt);
	CU_ASSERT_EQUAL(neigh_resolve(nt, ip, 0, &pkts[0], &mac), NEIGH_QUEUED_REQUEST);
	CU_ASSERT_EQUAL(neigh_learn(nt, ip, &mac_a, 1, true), NEIGH_LEARN_UPDATED);
	/* Reachable: a gratuitous claim, a request to us, a reply to us. */
	CU_ASSERT_EQUAL(neigh_learn(nt, ip, &mac_b, 2, false), NEIGH_LEARN_CONFLICT);
	CU_ASSERT_EQUAL(seen.n_requests, 1); /* the known MAC asked at once */
	CU_ASSERT_EQUAL(neigh_learn(nt, ip, &mac_b, 3, true), NEIGH_LEARN_CONFLICT);
	CU_ASSERT_EQUAL(seen.n_requests, 1);
	CU_ASSERT_EQUAL(neigh_resolve(nt, ip, 4, NULL, &mac), NEIGH_HIT);
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&mac, &mac_a));
	CU_ASSERT_EQUAL(neigh_learn(nt, ip, &mac_a, 5, true), NEIGH_LEARN_UPDATED); /* it answers */
	/* Stale. */
	neigh_age(nt, 1006);
	CU_ASSERT_EQUAL(neigh_learn(nt, ip, &mac_b, 1007, true), NEIGH_LEARN_CONFLICT);
	/* Probed: the attacker answers first, the host right after. */
	CU_ASSERT_EQUAL(neigh_resolve(nt, ip, 1008, NULL, &mac), NEIGH_HIT);
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&mac, &mac_a));
	CU_ASSERT_EQUAL(neigh_learn(nt, ip, &mac_b, 1009, true), NEIGH_LEARN_CONFLICT);
	CU_ASSERT_EQUAL(neigh_learn(nt, ip, &mac_a, 1010, true), NEIGH_LEARN_UPDATED);
	CU_ASSERT_EQUAL(neigh_learn(nt, ip, &mac_b, 1011, true), NEIGH_LEARN_CONFLICT);
	CU_ASSERT_EQUAL(neigh_learn(nt, ip, &mac_a, 1012, true), NEIGH_LEARN_UPDATED);
	/* Past the probe rounds: still the host's MAC. */
	for (uint64_t t = 1100; t <= 1500; t += 100)
		neigh_age(nt, t);
	CU_ASSERT_EQUAL(neigh_resolve(nt, ip, 1501, NULL, &mac), NEIGH_HIT);
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&mac, &mac_a));
	neigh_table_free(nt);
}

/* A failover announced (VRRP, a floating address): the new owner's gratuitous claim of a
 * reachable entry has the old MAC asked at once; silent for the round, the new MAC is
 * taken then, not after reachable_ms more of frames sent to a dead MAC. */
static void test_announced_move_followed_at_once(void)
{
	struct neigh_table *nt = fresh("n10");
	struct rte_ether_addr mac;
	const uint32_t ip = 0x0a00000a;

	CU_ASSERT_PTR_NOT_NULL_FATAL(nt);
	CU_ASSERT_EQUAL(neigh_learn(nt, ip, &mac_a, 0, true), NEIGH_LEARN_UPDATED);
	CU_ASSERT_EQUAL(neigh_learn(nt, ip, &mac_b, 10, false), NEIGH_LEARN_CONFLICT);
	for (uint64_t t = 110; t <= 410; t += 100)
		neigh_age(nt, t);
	CU_ASSERT_EQUAL(neigh_resolve(nt, ip, 411, NULL, &mac), NEIGH_HIT);
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&mac, &mac_b)); /* 400 ms, not 1,000 + 300 */
	neigh_table_free(nt);
}

/* The host did move: its old MAC stays silent through a probe round while the new one
 * answers; the new one is taken at the end of the round. */
static void test_moved_host_taken_after_silent_round(void)
{
	struct neigh_table *nt = fresh("n9");
	struct rte_ether_addr mac;
	const uint32_t ip = 0x0a000009;

	CU_ASSERT_PTR_NOT_NULL_FATAL(nt);
	CU_ASSERT_EQUAL(neigh_learn(nt, ip, &mac_a, 0, true), NEIGH_LEARN_UPDATED);
	neigh_age(nt, 1000); /* stale */
	CU_ASSERT_EQUAL(neigh_resolve(nt, ip, 1001, NULL, &mac), NEIGH_HIT_PROBE);
	CU_ASSERT_EQUAL(neigh_learn(nt, ip, &mac_b, 1010, true), NEIGH_LEARN_CONFLICT);
	neigh_age(nt, 1101); /* probe 2 */
	neigh_age(nt, 1201); /* probe 3 */
	CU_ASSERT_EQUAL(seen.n_requests, 2);
	CU_ASSERT_EQUAL(neigh_resolve(nt, ip, 1250, NULL, &mac), NEIGH_HIT);
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&mac, &mac_a));
	neigh_age(nt, 1301); /* round over, mac_a silent: mac_b taken, not failed */
	CU_ASSERT_EQUAL(neigh_resolve(nt, ip, 1302, NULL, &mac), NEIGH_HIT);
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&mac, &mac_b));
	/* Now mac_b is the one in use. */
	CU_ASSERT_EQUAL(neigh_learn(nt, ip, &mac_a, 1303, true), NEIGH_LEARN_CONFLICT);
	neigh_table_free(nt);
}

/* Which ARP senders a port believes: its subnet's hosts and its gateway only. */
static void test_arp_sender_on_link(void)
{
	struct dp_port p = { .ipv4 = 0x0a630001, .netmask = 0xffffff00, .gateway = 0x0a630002 };
	struct dp_port p31 = { .ipv4 = 0xc0000200, .netmask = 0xfffffffe };
	struct dp_port p32 = { .ipv4 = 0xc0000300, .netmask = 0xffffffff, .gateway = 0xc0000301 };

	CU_ASSERT_TRUE(arp_sender_on_link(&p, 0x0a630002));  /* 10.99.0.2 */
	CU_ASSERT_TRUE(arp_sender_on_link(&p, 0x0a6300fe));  /* 10.99.0.254 */
	CU_ASSERT_FALSE(arp_sender_on_link(&p, 0x0a620002)); /* 10.98.0.2: another port's */
	CU_ASSERT_FALSE(arp_sender_on_link(&p, 0x08080808)); /* beyond the link */
	CU_ASSERT_FALSE(arp_sender_on_link(&p, 0x0a630000)); /* the subnet's network address */
	CU_ASSERT_FALSE(arp_sender_on_link(&p, 0x0a6300ff)); /* its broadcast address */
	CU_ASSERT_TRUE(arp_sender_on_link(&p31, 0xc0000201));
	CU_ASSERT_FALSE(arp_sender_on_link(&p31, 0xc0000202));
	CU_ASSERT_TRUE(arp_sender_on_link(&p32, 0xc0000301)); /* a /32's gateway */
	CU_ASSERT_FALSE(arp_sender_on_link(&p32, 0xc0000302));
}

/* Addresses asked for that never answer take neighbour.unresolved entries at most (a scan
 * of an allow-listed prefix through mangled names filled the table); an answer or the
 * collection of failed entries makes room again. */
static void test_unresolved_bounded(void)
{
	static const struct mr_neigh_conf four = {
		.entries = 16, .reachable_ms = 1000, .retry_ms = 100, .retries = 1, .pending = 2,
		.unresolved = 4,
	};
	struct neigh_table *nt;
	struct rte_ether_addr mac;

	memset(&seen, 0, sizeof(seen));
	nt = neigh_table_create("ut_neigh_unres", &four, 0, &ops);
	CU_ASSERT_PTR_NOT_NULL_FATAL(nt);
	for (uint32_t i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(neigh_resolve(nt, 0x0a000010 + i, 0, &pkts[i], &mac),
				NEIGH_QUEUED_REQUEST);
	CU_ASSERT_EQUAL(neigh_unresolved(nt), 4);
	CU_ASSERT_EQUAL(neigh_resolve(nt, 0x0a000020, 0, &pkts[4], &mac), NEIGH_LIMITED);
	/* Known neighbours still resolve, and an answer makes room. */
	CU_ASSERT_EQUAL(neigh_learn(nt, 0x0a000010, &mac_a, 1, true), NEIGH_LEARN_UPDATED);
	CU_ASSERT_EQUAL(neigh_unresolved(nt), 3);
	CU_ASSERT_EQUAL(neigh_resolve(nt, 0x0a000020, 2, &pkts[5], &mac), NEIGH_QUEUED_REQUEST);
	/* The silent ones fail, stay counted while failed, and go when collected. */
	neigh_age(nt, 150); /* one request each (retries = 1): all four fail */
	CU_ASSERT_EQUAL(neigh_unresolved(nt), 4);
	CU_ASSERT_EQUAL(neigh_resolve(nt, 0x0a000030, 150, NULL, &mac), NEIGH_LIMITED);
	neigh_age(nt, 400); /* their hold-down over: collected */
	CU_ASSERT_EQUAL(neigh_unresolved(nt), 0);
	CU_ASSERT_EQUAL(neigh_resolve(nt, 0x0a000030, 400, NULL, &mac), NEIGH_QUEUED_REQUEST);
	neigh_table_free(nt);
}

/* Frames held for unresolved neighbours are bounded for the whole table (neigh_held_max,
 * what the buffer pool keeps for them): past it a new neighbour's frame is not kept, the
 * neighbour asked for all the same (NEIGH_REQUEST); an answer sends its frames and makes
 * room again. */
static void test_held_frames_bounded(void)
{
	struct neigh_table *nt = fresh("ut_neigh_held");
	const uint32_t max = neigh_held_max(&small);
	struct rte_ether_addr mac;
	uint32_t addr = 0x0a000040, k = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(nt);
	CU_ASSERT_FATAL(max % small.pending == 0 && max / small.pending < small.entries);
	for (; k < max; k++, addr += k % small.pending == 0)
		CU_ASSERT_EQUAL(neigh_resolve(nt, addr, 0, &pkts[k % 16], &mac),
				k % small.pending ? NEIGH_QUEUED : NEIGH_QUEUED_REQUEST);
	CU_ASSERT_EQUAL(neigh_resolve(nt, addr, 0, &pkts[0], &mac), NEIGH_REQUEST); /* asked */
	CU_ASSERT_EQUAL(neigh_learn(nt, 0x0a000040, &mac_a, 1, true), NEIGH_LEARN_UPDATED);
	CU_ASSERT_EQUAL(seen.n_flushed, small.pending);
	/* Asked already: held now that there is room, and not asked again. */
	CU_ASSERT_EQUAL(neigh_resolve(nt, addr, 2, &pkts[1], &mac), NEIGH_QUEUED);
	neigh_table_free(nt);
}

/* pending = 0 (frames are never held): a new neighbour is still asked for and learned. */
static void test_no_frames_held(void)
{
	struct mr_neigh_conf none = small;
	struct neigh_table *nt;
	struct rte_ether_addr mac;

	memset(&seen, 0, sizeof(seen));
	none.pending = 0;
	nt = neigh_table_create("ut_neigh_none", &none, 0, &ops);
	CU_ASSERT_PTR_NOT_NULL_FATAL(nt);
	CU_ASSERT_EQUAL(neigh_resolve(nt, 0x0a000050, 0, &pkts[0], &mac), NEIGH_REQUEST);
	CU_ASSERT_EQUAL(neigh_resolve(nt, 0x0a000050, 1, &pkts[1], &mac), NEIGH_DROPPED);
	CU_ASSERT_EQUAL(neigh_learn(nt, 0x0a000050, &mac_a, 2, true), NEIGH_LEARN_UPDATED);
	CU_ASSERT_EQUAL(neigh_resolve(nt, 0x0a000050, 3, &pkts[2], &mac), NEIGH_HIT);
	CU_ASSERT_EQUAL(seen.n_flushed, 0);
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

/* IPv6 entries live in the same table as IPv4 ones, apart from them: fd00::a00:2 is not
 * 10.0.0.2, and a retry asks for the IPv6 address itself. */
/* The table knows when its next timer is due, and ageing before then looks at nothing;
 * every deadline set (a request, a confirmation, a retry, staleness) counts. */
static void test_next_due(void)
{
	struct neigh_table *nt = fresh("n_due");
	struct rte_ether_addr mac;

	CU_ASSERT_PTR_NOT_NULL_FATAL(nt);
	neigh_age(nt, 0);
	CU_ASSERT_EQUAL(neigh_next_due(nt), UINT64_MAX);
	CU_ASSERT_EQUAL(neigh_learn(nt, 0x0a000003, &mac_b, 10, true), NEIGH_LEARN_UPDATED);
	CU_ASSERT_EQUAL(neigh_next_due(nt), 1010);
	CU_ASSERT_EQUAL(neigh_resolve(nt, 0x0a000002, 20, NULL, &mac), NEIGH_QUEUED_REQUEST);
	CU_ASSERT_EQUAL(neigh_next_due(nt), 120);
	neigh_age(nt, 119);
	CU_ASSERT_EQUAL(seen.n_requests, 0);
	neigh_age(nt, 120); /* the first retry of .2 */
	CU_ASSERT_EQUAL(seen.n_requests, 1);
	CU_ASSERT_EQUAL(neigh_next_due(nt), 220);
	CU_ASSERT_EQUAL(neigh_learn(nt, 0x0a000002, &mac_a, 150, true), NEIGH_LEARN_UPDATED);
	neigh_age(nt, 220); /* nothing due: the scan finds .3's reachable time */
	CU_ASSERT_EQUAL(neigh_next_due(nt), 1010);
	neigh_age(nt, 1010); /* .3 goes stale; .2 is next, reachable until 1150 */
	CU_ASSERT_EQUAL(neigh_next_due(nt), 1150);
	CU_ASSERT_EQUAL(neigh_resolve(nt, 0x0a000003, 1020, NULL, &mac), NEIGH_HIT_PROBE);
	CU_ASSERT_EQUAL(neigh_next_due(nt), 1120); /* the probe's retry */
	neigh_age(nt, 1120);
	CU_ASSERT_EQUAL(seen.n_requests, 2);
	neigh_table_free(nt);
}

static void test_ipv6_beside_ipv4(void)
{
	struct neigh_table *nt = fresh("n6");
	struct neigh_addr v6 = { { 0xfd, 0, [13] = 0x0a, [15] = 2 } };
	struct neigh_addr mapped = neigh_addr_v4(0x0a000002);
	struct rte_ether_addr mac;

	CU_ASSERT_PTR_NOT_NULL_FATAL(nt);
	CU_ASSERT_TRUE(neigh_addr_is_v4(&mapped));
	CU_ASSERT_FALSE(neigh_addr_is_v4(&v6));
	CU_ASSERT_EQUAL(neigh_addr_v4_of(&mapped), 0x0a000002);
	CU_ASSERT_EQUAL(neigh_resolve_addr(nt, &v6, 0, &pkts[0], &mac), NEIGH_QUEUED_REQUEST);
	CU_ASSERT_EQUAL(neigh_learn(nt, 0x0a000002, &mac_a, 1, true), NEIGH_LEARN_UPDATED);
	CU_ASSERT_EQUAL(seen.n_flushed, 0); /* the IPv4 answer releases nothing of IPv6 */
	neigh_age(nt, 100);
	CU_ASSERT_EQUAL(seen.n_requests, 1);
	CU_ASSERT_EQUAL(memcmp(&seen.last_request, &v6, sizeof(v6)), 0);
	CU_ASSERT_EQUAL(neigh_learn_addr(nt, &v6, &mac_b, 150, true), NEIGH_LEARN_UPDATED);
	CU_ASSERT_EQUAL(seen.n_flushed, 1);
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&seen.flushed_mac, &mac_b));
	CU_ASSERT_EQUAL(neigh_resolve(nt, 0x0a000002, 151, NULL, &mac), NEIGH_HIT);
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&mac, &mac_a));
	CU_ASSERT_EQUAL(neigh_count(nt), 2);
	neigh_table_free(nt);
}

int test_neigh_register(void)
{
	static const CU_TestInfo tests[] = {
		{ "unresolved entries bounded", test_unresolved_bounded },
		{ "resolve, queue, flush", test_resolve_queue_then_flush },
		{ "retries then failed then retried", test_retries_then_failed },
		{ "stale re-probe and collection", test_stale_reprobe_and_gc },
		{ "learn without create", test_learn_without_create },
		{ "table bounded", test_table_bounded },
		{ "a full table makes room from its stale entries", test_full_table_evicts_stale },
		{ "frames held for unresolved neighbours bounded", test_held_frames_bounded },
		{ "pending = 0: a neighbour still asked for and learned", test_no_frames_held },
		{ "free drops pending", test_free_drops_pending },
		{ "an ARP flood leaves room for resolutions", test_flood_leaves_room },
		{ "spoofed claims never move a MAC in use", test_spoofed_claims_ignored },
		{ "a moved host is taken after a silent probe round",
		  test_moved_host_taken_after_silent_round },
		{ "an announced move followed at once", test_announced_move_followed_at_once },
		{ "ARP senders believed on their own link only", test_arp_sender_on_link },
		{ "IPv6 entries beside IPv4 ones", test_ipv6_beside_ipv4 },
		{ "the next due timer known; ageing before it looks at nothing", test_next_due },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite("neigh", tests);
}
