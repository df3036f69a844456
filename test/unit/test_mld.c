/* SPDX-License-Identifier: BSD-3-Clause */
/* Suites "mld" (the multicast listener codec, on frames the Linux kernel sent) and
 * "mld_reports" (when the appliance of relay_harness.h sends its reports). */
#include <string.h>

#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_random.h>

#include "dp_tx.h"
#include "dp_worker.h"
#include "ip6.h"
#include "mld.h"
#include "nd.h"
#include "relay_harness.h"
#include "unit.h"

/*
 * Captured with tcpdump, Linux 6.1. The queries: on a veth port of a bridge made with
 *
 *   ip link add br0 type bridge mcast_snooping 1 mcast_querier 1 mcast_query_interval 200 \
 *           mcast_mld_version 2   (then 1)
 *
 * the bridge's general queries, from its link-local address to ff02::1 (max response delay
 * 10 s). The report: a host at 02:00:00:77:00:01 given fd00:77::1 (nodad) joins the
 * solicited-node group ff02::1:ff00:1 (and, in the same report, its link-local's).
 */
static const uint8_t cap_query_v2[] = {
	0x33, 0x33, 0x00, 0x00, 0x00, 0x01, 0x3a, 0x28, 0x94, 0x70, 0xd0, 0x11,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x24, 0x00, 0x01, 0xfe, 0x80,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x38, 0x28, 0x94, 0xff, 0xfe, 0x70,
	0xd0, 0x11, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x3a, 0x00, 0x05, 0x02, 0x00, 0x00,
	0x00, 0x00, 0x82, 0x00, 0xbb, 0x67, 0x27, 0x10, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x02, 0x02, 0x00, 0x00,
};

static const uint8_t cap_query_v1[] = {
	0x33, 0x33, 0x00, 0x00, 0x00, 0x01, 0x8e, 0x8a, 0x1b, 0x19, 0xbb, 0x1e,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00, 0x01, 0xfe, 0x80,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x8c, 0x8a, 0x1b, 0xff, 0xfe, 0x19,
	0xbb, 0x1e, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x3a, 0x00, 0x05, 0x02, 0x00, 0x00,
	0x00, 0x00, 0x82, 0x00, 0xf7, 0x55, 0x27, 0x10, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00,
};

static const uint8_t cap_report_v2[] = {
	0x33, 0x33, 0x00, 0x00, 0x00, 0x16, 0x02, 0x00, 0x00, 0x77, 0x00, 0x01,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x38, 0x00, 0x01, 0xfe, 0x80,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xfe, 0x77,
	0x00, 0x01, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x16, 0x3a, 0x00, 0x05, 0x02, 0x00, 0x00,
	0x01, 0x00, 0x8f, 0x00, 0x6e, 0xfe, 0x00, 0x00, 0x00, 0x02, 0x04, 0x00,
	0x00, 0x00, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0xff, 0x00, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0xff, 0x02,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xff, 0x77,
	0x00, 0x01,
};

#define L2 14u
#define ICMP_OFF (L2 + 40u + 8u) /* behind the IPv6 and the Hop-by-Hop headers */

static const uint8_t group_one[16] = { 0xff, 0x02, [11] = 0x01, 0xff, 0x00, 0x00, 0x01 };
static const uint8_t group_two[16] = { 0xff, 0x02, [11] = 0x01, 0xff, 0x00, 0x00, 0x02 };
static const struct rte_ether_addr host_mac = { { 0x02, 0x00, 0x00, 0x77, 0x00, 0x01 } };

/* The ICMPv6 checksum of frame (len bytes, IPv6 behind Ethernet, ICMPv6 at ICMP_OFF)
 * summed afresh, word by word: 0 when it verifies. */
static uint16_t checksum_error(const uint8_t *frame, size_t len)
{
	const uint8_t *ip6 = frame + L2;
	uint32_t icmp_len = (uint32_t)(len - ICMP_OFF), sum = icmp_len + IPPROTO_ICMPV6;

	for (unsigned int i = 8; i < 40; i += 2) /* source and destination */
		sum += (uint32_t)(ip6[i] << 8 | ip6[i + 1]);
	for (uint32_t i = 0; i < icmp_len; i += 2)
		sum += (uint32_t)(frame[ICMP_OFF + i] << 8 |
				  (i + 1 < icmp_len ? frame[ICMP_OFF + i + 1] : 0));
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The checksum of a changed copy of a query put right again. */
static void checksum_fix(uint8_t *frame, size_t len)
{
	uint16_t sum;

	frame[ICMP_OFF + 2] = frame[ICMP_OFF + 3] = 0;
	sum = checksum_error(frame, len);
	frame[ICMP_OFF + 2] = (uint8_t)(sum >> 8);
	frame[ICMP_OFF + 3] = (uint8_t)sum;
}

static bool parse(const uint8_t *frame, size_t len, struct mld_query *q)
{
	return mld_query_parse(frame + L2, (uint32_t)(len - L2), q);
}

static void test_captured_queries(void)
{
	struct mld_query q;

	CU_ASSERT_FATAL(parse(cap_query_v2, sizeof(cap_query_v2), &q));
	CU_ASSERT_EQUAL(q.version, MLD_V2);
	CU_ASSERT_EQUAL(q.max_resp_ms, 10000);
	CU_ASSERT(nd_is_unspecified(q.group));
	CU_ASSERT(mld_query_asks(&q, group_one));
	CU_ASSERT_FATAL(parse(cap_query_v1, sizeof(cap_query_v1), &q));
	CU_ASSERT_EQUAL(q.version, MLD_V1);
	CU_ASSERT_EQUAL(q.max_resp_ms, 10000);
	CU_ASSERT(mld_query_asks(&q, group_two));
}

/* A query about one group asks about that group only; a v2 code of 32768 or more is a
 * mantissa and an exponent (RFC 3810 5.1.3). */
static void test_specific_query_and_long_delay(void)
{
	uint8_t f[sizeof(cap_query_v2)];
	struct mld_query q;

	memcpy(f, cap_query_v2, sizeof(f));
	memcpy(f + ICMP_OFF + 8, group_one, 16);
	f[ICMP_OFF + 4] = 0xf1; /* exponent 7, mantissa 0x123 */
	f[ICMP_OFF + 5] = 0x23;
	checksum_fix(f, sizeof(f));
	CU_ASSERT_FATAL(parse(f, sizeof(f), &q));
	CU_ASSERT(mld_query_asks(&q, group_one));
	CU_ASSERT_FALSE(mld_query_asks(&q, group_two));
	CU_ASSERT_EQUAL(q.max_resp_ms, 0x1123u << 10);
}

/* One change to the captured v2 query, its checksum put right unless the change is to it:
 * every one is refused. */
static void test_malformed_queries_refused(void)
{
	static const struct {
		const char *what;
		unsigned int off;
		uint8_t value;
	} changes[] = {
		{ "hop limit 2", L2 + 7, 2 },
		{ "source not link-local", L2 + 8, 0xfd },
		{ "destination not a group", L2 + 24, 0xfd },
		{ "no Hop-by-Hop header", L2 + 6, IPPROTO_ICMPV6 },
		{ "Hop-by-Hop before another header", L2 + 40, IPPROTO_UDP },
		{ "Hop-by-Hop longer than the packet", L2 + 41, 4 },
		{ "no router alert (a PadN there)", L2 + 42, 1 },
		{ "a router alert not for MLD", L2 + 45, 1 },
		{ "an option past the header", L2 + 43, 9 },
		{ "not a query (a report)", ICMP_OFF, 143 },
		{ "code not 0", ICMP_OFF + 1, 1 },
		{ "about a unicast address", ICMP_OFF + 8, 0xfd },
		{ "more sources than bytes", ICMP_OFF + 27, 1 },
		{ "checksum wrong", ICMP_OFF + 2, 0 },
	};
	uint8_t f[sizeof(cap_query_v2)];
	struct mld_query q;

	for (unsigned int i = 0; i < RTE_DIM(changes); i++) {
		memcpy(f, cap_query_v2, sizeof(f));
		f[changes[i].off] = changes[i].value;
		if (changes[i].off != ICMP_OFF + 2)
			checksum_fix(f, sizeof(f));
		if (parse(f, sizeof(f), &q)) {
			fprintf(stderr, "mld: accepted: %s\n", changes[i].what);
			CU_FAIL("malformed query accepted");
		}
	}
	/* Every length short of the whole, the IPv6 payload length unchanged. */
	for (size_t len = L2; len < sizeof(cap_query_v2); len++)
		CU_ASSERT_FALSE(parse(cap_query_v2, len, &q));
	/* ICMPv6 of 26 bytes: longer than v1's, shorter than v2's. */
	memcpy(f, cap_query_v2, sizeof(f));
	f[L2 + 5] = 8 + 26;
	checksum_fix(f, L2 + 40 + 8 + 26);
	CU_ASSERT_FALSE(parse(f, L2 + 40 + 8 + 26, &q));
}

static void test_link_local(void)
{
	static const struct rte_ether_addr bridge = { { 0x3a, 0x28, 0x94, 0x70, 0xd0, 0x11 } };
	uint8_t ll[16];

	mld_link_local(&host_mac, ll); /* as the captured report's source */
	CU_ASSERT_EQUAL(memcmp(ll, cap_report_v2 + L2 + 8, 16), 0);
	mld_link_local(&bridge, ll); /* as the captured query's */
	CU_ASSERT_EQUAL(memcmp(ll, cap_query_v2 + L2 + 8, 16), 0);
}

/* Our join is the kernel's, but for its one record: the same Ethernet, IPv6 and Hop-by-Hop
 * headers (the payload length apart), type, record type and group. */
static void test_join_as_the_kernel_sends(void)
{
	uint8_t f[MLD_FRAME_MAX];
	size_t len = mld_report_build(f, &host_mac, group_one, MLD_V2, MLD_REPORT_JOIN);
	struct mld_query q;

	CU_ASSERT_EQUAL_FATAL(len, ICMP_OFF + 28);
	CU_ASSERT_EQUAL(memcmp(f, cap_report_v2, L2 + 4), 0);
	CU_ASSERT_EQUAL(f[L2 + 5], 8 + 28);
	CU_ASSERT_EQUAL(memcmp(f + L2 + 6, cap_report_v2 + L2 + 6, 34 + 8 + 2), 0);
	CU_ASSERT_EQUAL(f[ICMP_OFF + 7], 1); /* one record */
	CU_ASSERT_EQUAL(memcmp(f + ICMP_OFF + 8, cap_report_v2 + ICMP_OFF + 8, 20), 0);
	CU_ASSERT_EQUAL(checksum_error(f, len), 0);
	CU_ASSERT_EQUAL(checksum_error(cap_report_v2, sizeof(cap_report_v2)), 0);
	CU_ASSERT_FALSE(parse(f, len, &q)); /* a report is no query */
}

/* Answers say "is exclude", leaves "to include"; MLDv1 reports go to the group, its Done
 * to all routers. */
static void test_answers_leaves_and_v1(void)
{
	static const uint8_t all_routers[16] = { 0xff, 0x02, [15] = 0x02 };
	static const struct {
		enum mld_version v;
		enum mld_report r;
		uint8_t type, record;
		const uint8_t *dst;
	} cases[] = {
		{ MLD_V2, MLD_REPORT_CURRENT, 143, 2, NULL },
		{ MLD_V2, MLD_REPORT_LEAVE, 143, 3, NULL },
		{ MLD_V1, MLD_REPORT_JOIN, 131, 0, group_one },
		{ MLD_V1, MLD_REPORT_CURRENT, 131, 0, group_one },
		{ MLD_V1, MLD_REPORT_LEAVE, 132, 0, all_routers },
	};

	for (unsigned int i = 0; i < RTE_DIM(cases); i++) {
		uint8_t f[MLD_FRAME_MAX];
		size_t len = mld_report_build(f, &host_mac, group_one, cases[i].v, cases[i].r);
		struct rte_ether_addr mac;

		CU_ASSERT_EQUAL(f[ICMP_OFF], cases[i].type);
		CU_ASSERT_EQUAL(checksum_error(f, len), 0);
		CU_ASSERT_EQUAL(f[L2 + 7], 1);
		if (cases[i].v == MLD_V2) {
			CU_ASSERT_EQUAL(len, ICMP_OFF + 28);
			CU_ASSERT_EQUAL(f[ICMP_OFF + 8], cases[i].record);
			CU_ASSERT_EQUAL(memcmp(f + ICMP_OFF + 12, group_one, 16), 0);
			continue;
		}
		CU_ASSERT_EQUAL(len, ICMP_OFF + 24);
		CU_ASSERT_EQUAL(memcmp(f + ICMP_OFF + 8, group_one, 16), 0);
		CU_ASSERT_EQUAL(memcmp(f + L2 + 24, cases[i].dst, 16), 0);
		nd_multicast_mac(cases[i].dst, &mac);
		CU_ASSERT(rte_is_same_ether_addr(&mac, (const struct rte_ether_addr *)f));
	}
}

/* The appliance's own reports, through the harness: the ICMPv6 type and the v2 record type
 * (0 for v1) of the next MLD frame port p sent, -1 when none. Other frames are skipped. */
static int next_report(const struct dp_port *p, uint8_t *record)
{
	struct rte_mbuf *m;

	while (rte_eth_rx_burst(p->port_id, 0, &m, 1) == 1) {
		const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
		int type = -1;

		if (rte_pktmbuf_data_len(m) >= ICMP_OFF + 24 && f[12] == 0x86 && f[13] == 0xdd &&
		    f[L2 + 6] == IPPROTO_HOPOPTS) {
			type = f[ICMP_OFF];
			*record = type == 143 ? f[ICMP_OFF + 8] : 0;
			CU_ASSERT_EQUAL(checksum_error(f, rte_pktmbuf_data_len(m)), 0);
		}
		rte_pktmbuf_free(m);
		if (type >= 0)
			return type;
	}
	return -1;
}

/* The reports due sent, and on the wire. */
static void mld_run(void)
{
	ip6_mld_run(rh_w);
	dp_tx_flush(rh_w);
}

static int reports_init(void)
{
	return rh_up("", "");
}

/* Two joins a second apart when the data plane starts, on each IPv6 port, then nothing. */
static void test_unsolicited_joins(void)
{
	const struct dp_port *edge = &rh_app.ports[0], *svc = &rh_app.ports[1];
	uint8_t record = 0;

	rh_drain(edge);
	rh_drain(svc);
	ip6_mld_start(rh_w, edge);
	ip6_mld_start(rh_w, svc);
	mld_run();
	CU_ASSERT_EQUAL(next_report(edge, &record), 143);
	CU_ASSERT_EQUAL(record, 4);
	CU_ASSERT_EQUAL(next_report(svc, &record), 143);
	mld_run();
	rh_w->now_ms += 999;
	mld_run();
	CU_ASSERT_EQUAL(next_report(edge, &record), -1);
	rh_w->now_ms += 1;
	mld_run();
	CU_ASSERT_EQUAL(next_report(edge, &record), 143);
	CU_ASSERT_EQUAL(record, 4);
	rh_w->now_ms += 60000;
	mld_run();
	CU_ASSERT_EQUAL(next_report(edge, &record), -1);
	rh_drain(svc);
}

/* A query arrives on the edge port as the kernel sent it, to all nodes: answered there
 * after its random delay, not before, within its maximum response delay, by a v2 "is
 * exclude", and by MLDv1 reports once an MLDv1 querier was heard. The other port answers
 * nothing. */
static void test_queries_answered(void)
{
	const struct dp_port *edge = &rh_app.ports[0], *svc = &rh_app.ports[1];
	uint64_t queries = rh_event(DP_EV_mld_query_in);
	uint8_t record = 0;
	struct rte_mbuf *m;

	rh_drain(edge);
	rh_drain(svc);
	for (int v = 2; v >= 1; v--) {
		const uint8_t *cap = v == 2 ? cap_query_v2 : cap_query_v1;
		size_t len = v == 2 ? sizeof(cap_query_v2) : sizeof(cap_query_v1);
		uint64_t delay;

		rte_srand(v); /* the answer's random delay, known beforehand */
		delay = rte_rand() % 10000;
		rte_srand(v);
		m = rte_pktmbuf_alloc(rh_app.pool);
		CU_ASSERT_PTR_NOT_NULL_FATAL(m);
		memcpy(rte_pktmbuf_append(m, (uint16_t)len), cap, len);
		dp_worker_rx_burst(rh_w, edge, &m, 1);
		CU_ASSERT_EQUAL(rh_event(DP_EV_mld_query_in), queries + (v == 2 ? 1 : 2));
		if (delay) {
			rh_w->now_ms += delay - 1;
			mld_run();
			CU_ASSERT_EQUAL(next_report(edge, &record), -1); /* not before its time */
			rh_w->now_ms += 1;
		}
		mld_run();
		CU_ASSERT_EQUAL(next_report(edge, &record), v == 2 ? 143 : 131);
		CU_ASSERT_EQUAL(record, v == 2 ? 2 : 0);
		CU_ASSERT_EQUAL(next_report(svc, &record), -1);
		rh_w->now_ms += 10000;
	}
	ip6_mld_leave(rh_w); /* still MLDv1 on the edge port: its Done */
	dp_tx_flush(rh_w);
	CU_ASSERT_EQUAL(next_report(edge, &record), 132);
	CU_ASSERT_EQUAL(next_report(svc, &record), 143);
	CU_ASSERT_EQUAL(record, 3);
	rh_w->now_ms += 260001; /* the MLDv1 querier gone: v2 again */
	ip6_mld_leave(rh_w);
	dp_tx_flush(rh_w);
	CU_ASSERT_EQUAL(next_report(edge, &record), 143);
	rh_drain(svc);
}

/* An MLDv1 query that reached another worker makes worker 0's joins and leave MLDv1
 * too: the querier is the link's, not the worker's. Before, only the worker that heard
 * it switched, and worker 0 went on joining in MLDv2, which an MLDv1 router ignores. */
static void test_v1_heard_by_another_worker(void)
{
	const struct dp_port *edge = &rh_app.ports[0];
	struct dp_worker *w1 = dp_worker_create(&rh_app, 1, rte_lcore_id());
	struct rte_mbuf *m = rte_pktmbuf_alloc(rh_app.pool);
	uint8_t record;

	CU_ASSERT_PTR_NOT_NULL_FATAL(w1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	rh_drain(edge);
	w1->now_ms = rh_w->now_ms;
	memcpy(rte_pktmbuf_append(m, sizeof(cap_query_v1)), cap_query_v1, sizeof(cap_query_v1));
	dp_worker_rx_burst(w1, edge, &m, 1);
	w1->mld_answer_ms[edge->index] = 0; /* its own answer is not what is looked at */
	ip6_mld_start(rh_w, edge);
	mld_run();
	CU_ASSERT_EQUAL(next_report(edge, &record), 131);
	ip6_mld_leave(rh_w);
	dp_tx_flush(rh_w);
	CU_ASSERT_EQUAL(next_report(edge, &record), 132);
	dp_worker_free(w1);
	rh_app.mld_v1_until_ms[edge->index] = 0;
	rh_w->mld_join_ms[edge->index] = 0;
	rh_w->mld_unsolicited[edge->index] = 0;
	rh_drain(edge);
	rh_drain(&rh_app.ports[1]);
}

int test_mld_register(void)
{
	static const CU_TestInfo codec[] = {
		{ "captured queries parse", test_captured_queries },
		{ "a query about one group, a long delay", test_specific_query_and_long_delay },
		{ "malformed queries refused", test_malformed_queries_refused },
		{ "the link-local source from the MAC", test_link_local },
		{ "a join as the kernel sends it", test_join_as_the_kernel_sends },
		{ "answers, leaves and MLDv1", test_answers_leaves_and_v1 },
		CU_TEST_INFO_NULL,
	};
	static const CU_TestInfo reports[] = {
		{ "two joins when the data plane starts", test_unsolicited_joins },
		{ "queries answered in their delay", test_queries_answered },
		{ "an MLDv1 querier heard by another worker", test_v1_heard_by_another_worker },
		CU_TEST_INFO_NULL,
	};

	if (unit_add_suite("mld", codec) < 0)
		return -1;
	return unit_add_suite_with("mld_reports", reports_init, rh_down, reports);
}
