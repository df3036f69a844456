/* SPDX-License-Identifier: BSD-3-Clause */
/* Suites "flow" and "mbuf_chain": the flow table, zero-copy slices and chain checksums. */
#include <stddef.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_random.h>
#include <rte_tcp.h>

#include "flow.h"
#include "flow_limits.h"
#include "mbuf_slice.h"
#include "tcp_out.h"
#include "unit.h"

static struct flow_key key(uint32_t n)
{
	return (struct flow_key){ .peer_ip = n, .local_ip = 0x0100000a, .peer_port = (uint16_t)n,
				  .local_port = 0xbb01 };
}

static void test_entry_size(void)
{
	/* The budget: a flow entry of at most 256 bytes; the burst path's part in
	 * the first two cache lines, the set-up state after them. */
	CU_ASSERT_TRUE(sizeof(struct flow) <= 256);
	CU_ASSERT_EQUAL(offsetof(struct flow, stream), 2 * RTE_CACHE_LINE_SIZE);
	CU_ASSERT_TRUE(offsetof(struct flow, b) + sizeof(struct flow_side) <= 2 * RTE_CACHE_LINE_SIZE);
}

static void test_alloc_until_full(void)
{
	struct flow_table *ft = flow_table_create("ut_flows1", 64, 0);
	struct flow *f[65];

	CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
	for (int i = 0; i < 64; i++) {
		f[i] = flow_alloc(ft, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(f[i]);
		f[i]->c.key = key((uint32_t)i + 1);
		CU_ASSERT_EQUAL(flow_key_add(ft, f[i], FLOW_DIR_CLIENT), 0);
	}
	CU_ASSERT_PTR_NULL(flow_alloc(ft, 0));
	CU_ASSERT_EQUAL(flow_count(ft), 64);
	/* Releasing one makes room for exactly one. */
	flow_release(ft, f[10]);
	CU_ASSERT_PTR_NOT_NULL(flow_alloc(ft, 0));
	CU_ASSERT_PTR_NULL(flow_alloc(ft, 0));
	flow_table_free(ft);
}

/* What a drain waits for: flows in use but the closed ones kept for late segments, each
 * counted once however often it is set closing, and no longer once released. Before, a
 * drain counted those too and lasted the closing time past the last connection. */
static void test_count_open(void)
{
	struct flow_table *ft = flow_table_create("ut_flows_open", 8, 0);
	struct flow *f[3];

	CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
	for (int i = 0; i < 3; i++)
		f[i] = flow_alloc(ft, 0);
	CU_ASSERT_EQUAL(flow_count_open(ft), 3);
	flow_set_closing(ft, f[1], 100);
	flow_set_closing(ft, f[1], 200); /* its closing time moved: still one */
	CU_ASSERT_EQUAL(flow_count(ft), 3);
	CU_ASSERT_EQUAL(flow_count_open(ft), 2);
	flow_release(ft, f[1]);
	CU_ASSERT_EQUAL(flow_count_open(ft), 2);
	flow_release(ft, f[0]);
	CU_ASSERT_EQUAL(flow_count_open(ft), 1);
	CU_ASSERT_EQUAL(flow_count(ft), 1);
	flow_table_free(ft);
}

static void count_visit(void *ctx, struct flow *f)
{
	uint32_t *seen = ctx;

	seen[f->index]++;
}

/* Flows in use found through the timer wheel (what a flow listing reads, rather than a
 * walk over a table of millions): each once, whatever its deadline (the next
 * millisecond, a minute away, past the wheel's revolution), at most max of them, none
 * that was released. */
static void test_visit_flows_in_use(void)
{
	static const uint32_t due_ms[5] = { 1, 60000, 200000, 7, 65536 };
	struct flow_table *ft = flow_table_create("ut_flows_visit", 1024, 0);
	uint32_t seen[1024] = { 0 };
	struct flow *f[5];

	CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
	for (int i = 0; i < 5; i++) {
		f[i] = flow_alloc(ft, due_ms[i]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(f[i]);
	}
	flow_release(ft, f[3]);
	CU_ASSERT_EQUAL(flow_visit(ft, 64, count_visit, seen), 4);
	for (int i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(seen[f[i]->index], i == 3 ? 0u : 1u);
	CU_ASSERT_EQUAL(flow_visit(ft, 2, count_visit, seen), 2);
	flow_table_free(ft);
}

/* The free list through the entries: the last entry released is the next taken, every
 * entry is handed out once, and a retaken entry starts clean (its member unset). */
static void test_free_list(void)
{
	struct flow_table *ft = flow_table_create("ut_flows_free", 8, 0);
	const uint32_t released[3] = { 5, 2, 7 };
	struct flow *f[8];
	bool seen[8] = { false };

	CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
	for (int i = 0; i < 8; i++) {
		f[i] = flow_alloc(ft, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(f[i]);
		CU_ASSERT_FATAL(f[i]->index < 8);
		CU_ASSERT_FALSE(seen[f[i]->index]);
		seen[f[i]->index] = true;
		f[i]->member = 40 + (uint32_t)i;
	}
	CU_ASSERT_PTR_NULL(flow_alloc(ft, 0));
	for (int i = 0; i < 3; i++)
		flow_release(ft, flow_at(ft, released[i]));
	CU_ASSERT_EQUAL(flow_count(ft), 5);
	for (int i = 2; i >= 0; i--) {
		struct flow *g = flow_alloc(ft, 0);

		CU_ASSERT_PTR_NOT_NULL_FATAL(g);
		CU_ASSERT_EQUAL(g->index, released[i]);
		CU_ASSERT_EQUAL(g->member, FLOW_NO_MEMBER);
	}
	CU_ASSERT_PTR_NULL(flow_alloc(ft, 0));
	for (uint32_t i = 0; i < 8; i++)
		flow_release(ft, flow_at(ft, i));
	CU_ASSERT_EQUAL(flow_count(ft), 0);
	memset(seen, 0, sizeof(seen));
	for (int i = 0; i < 8; i++) {
		struct flow *g = flow_alloc(ft, 0);

		CU_ASSERT_PTR_NOT_NULL_FATAL(g);
		CU_ASSERT_FALSE(seen[g->index]);
		seen[g->index] = true;
	}
	CU_ASSERT_PTR_NULL(flow_alloc(ft, 0));
	flow_table_free(ft);
}

static void test_keys_both_sides(void)
{
	struct flow_table *ft = flow_table_create("ut_flows2", 16, 0);
	struct flow_key kc = key(7), kb = key(8);
	enum flow_dir dir;
	struct flow *f;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
	f = flow_alloc(ft, 0);
	f->c.key = kc;
	f->b.key = kb;
	CU_ASSERT_EQUAL(flow_key_add(ft, f, FLOW_DIR_CLIENT), 0);
	CU_ASSERT_EQUAL(flow_key_add(ft, f, FLOW_DIR_BACKEND), 0);
	CU_ASSERT_EQUAL(flow_key_add(ft, f, FLOW_DIR_BACKEND), -1); /* taken */
	CU_ASSERT_PTR_EQUAL(flow_lookup(ft, &kc, &dir), f);
	CU_ASSERT_EQUAL(dir, FLOW_DIR_CLIENT);
	CU_ASSERT_PTR_EQUAL(flow_lookup(ft, &kb, &dir), f);
	CU_ASSERT_EQUAL(dir, FLOW_DIR_BACKEND);
	flow_release(ft, f);
	CU_ASSERT_PTR_NULL(flow_lookup(ft, &kc, &dir));
	CU_ASSERT_PTR_NULL(flow_lookup(ft, &kb, &dir));
	CU_ASSERT_FALSE(flow_key_exists(ft, &kb));
	CU_ASSERT_EQUAL(flow_count(ft), 0);
	flow_table_free(ft);
}

/* A side whose peer part of the key is all zeros (an IPv6 peer whose address digest is 0,
 * from port 0) is still unindexed when its flow goes: a later segment of that 4-tuple
 * must find nothing, not the freed entry. */
static void test_key_of_zero_peer_released(void)
{
	struct flow_table *ft = flow_table_create("ut_flows_zero", 8, 0);
	struct flow_key k = { .peer_ip = 0, .local_ip = 0, .peer_port = 0,
			      .local_port = rte_cpu_to_be_16(443) };
	enum flow_dir dir;
	struct flow *f;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
	f = flow_alloc(ft, 0);
	f->c.key = k;
	CU_ASSERT_EQUAL(flow_key_add(ft, f, FLOW_DIR_CLIENT), 0);
	CU_ASSERT_PTR_EQUAL(flow_lookup(ft, &k, &dir), f);
	flow_release(ft, f);
	CU_ASSERT_PTR_NULL(flow_lookup(ft, &k, &dir));
	CU_ASSERT_FALSE(flow_key_exists(ft, &k));
	flow_table_free(ft);
}

/* An IPv6 side of f: peer and local addresses ending in the bytes given, the ports given. */
static void side6(struct flow_table *ft, struct flow *f, enum flow_dir dir, uint8_t peer_end,
		  uint8_t local_end, uint16_t peer_port, uint16_t local_port)
{
	uint8_t peer[16] = { 0x20, 0x01, 0x0d, 0xb8 }, local[16] = { 0x20, 0x01, 0x0d, 0xb8, 1 };
	struct flow_side *side = dir == FLOW_DIR_CLIENT ? &f->c : &f->b;

	peer[15] = peer_end;
	local[15] = local_end;
	flow_side_set_v6(ft, f, dir, peer, local);
	side->key.peer_port = peer_port;
	side->key.local_port = local_port;
}

/* IPv6 sides share the index with IPv4 ones, by their short key (the peer's digest and
 * the ports): two connections that differ only in the local address both go in and are
 * told apart by their whole addresses; an IPv4 key never finds an IPv6 side; a released
 * side leaves the other alone. */
static void test_keys_ipv6(void)
{
	struct flow_table *ft = flow_table_create("ut_flows6", 16, 0);
	struct flow *a, *b, *c;
	struct flow_key6 ka, kb;
	struct flow_key as_v4;
	enum flow_dir dir;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
	a = flow_alloc(ft, 0);
	ka = (struct flow_key6){ .peer_port = 1000, .local_port = 443 };
	CU_ASSERT_PTR_NULL(flow_lookup6(ft, &ka, &dir)); /* no IPv6 in the table yet */
	CU_ASSERT_EQUAL_FATAL(flow_table_enable_ipv6(ft, 0), 0);
	b = flow_alloc(ft, 0);
	c = flow_alloc(ft, 0);
	side6(ft, a, FLOW_DIR_CLIENT, 9, 1, 1000, 443);
	side6(ft, b, FLOW_DIR_BACKEND, 9, 2, 1000, 443); /* the same short key as a's */
	CU_ASSERT_EQUAL(memcmp(&a->c.key, &b->b.key, sizeof(a->c.key)), 0);
	CU_ASSERT_EQUAL(flow_key_add(ft, a, FLOW_DIR_CLIENT), 0);
	CU_ASSERT_EQUAL(flow_key_add(ft, b, FLOW_DIR_BACKEND), 0);
	side6(ft, c, FLOW_DIR_CLIENT, 9, 1, 1000, 443); /* a's connection again */
	CU_ASSERT_EQUAL(flow_key_add(ft, c, FLOW_DIR_CLIENT), -1);

	ka = flow_side_key6(ft, a, FLOW_DIR_CLIENT);
	kb = flow_side_key6(ft, b, FLOW_DIR_BACKEND);
	CU_ASSERT_PTR_EQUAL(flow_lookup6(ft, &ka, &dir), a);
	CU_ASSERT_EQUAL(dir, FLOW_DIR_CLIENT);
	CU_ASSERT_PTR_EQUAL(flow_lookup6(ft, &kb, &dir), b);
	CU_ASSERT_EQUAL(dir, FLOW_DIR_BACKEND);
	CU_ASSERT_TRUE(flow_key6_exists(ft, &kb));
	as_v4 = a->c.key;
	CU_ASSERT_PTR_NULL(flow_lookup(ft, &as_v4, &dir));
	CU_ASSERT_FALSE(flow_key_exists(ft, &as_v4));

	flow_release(ft, a);
	CU_ASSERT_PTR_NULL(flow_lookup6(ft, &ka, &dir));
	CU_ASSERT_FALSE(flow_key6_exists(ft, &ka));
	CU_ASSERT_PTR_EQUAL(flow_lookup6(ft, &kb, &dir), b);
	flow_release(ft, b);
	flow_release(ft, c);
	CU_ASSERT_PTR_NULL(flow_lookup6(ft, &kb, &dir));
	CU_ASSERT_EQUAL(flow_count(ft), 0);
	flow_table_free(ft);
}

/* Distinct keys scattered over the address space (an odd multiplier is a bijection). */
static struct flow_key spread_key(uint32_t n)
{
	return key((n + 1) * 2654435761u); /* never 0: a key of zeros is "unset" */
}

/* Keys for every side of every flow of a table (the index at its design load),
 * looked up one by one and in bulk; then half the flows leave, as many new ones come,
 * and the index must still hold exactly the live keys. */
static void test_index_full(void)
{
	enum { FLOWS = 32768 };
	struct flow_table *ft = flow_table_create("ut_flows_full", FLOWS, 0);
	static struct flow *f[FLOWS];
	unsigned int refused = 0, wrong = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
	for (unsigned int i = 0; i < FLOWS; i++) {
		f[i] = flow_alloc(ft, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(f[i]);
		f[i]->c.key = spread_key(i);
		f[i]->b.key = spread_key(i);
		f[i]->b.key.local_port = (uint16_t)(i | 1);
		refused += flow_key_add(ft, f[i], FLOW_DIR_CLIENT) != 0;
		refused += flow_key_add(ft, f[i], FLOW_DIR_BACKEND) != 0;
	}
	CU_ASSERT_EQUAL(refused, 0);
	for (unsigned int i = 0; i < FLOWS; i += FLOW_LOOKUP_BULK) {
		struct flow_key keys[FLOW_LOOKUP_BULK];
		struct flow *found[FLOW_LOOKUP_BULK];
		uint8_t dirs[FLOW_LOOKUP_BULK];

		for (unsigned int j = 0; j < FLOW_LOOKUP_BULK; j++)
			keys[j] = j & 1 ? f[i + j]->b.key : f[i + j]->c.key;
		flow_lookup_bulk(ft, keys, FLOW_LOOKUP_BULK, found, dirs);
		for (unsigned int j = 0; j < FLOW_LOOKUP_BULK; j++) {
			enum flow_dir dir;

			wrong += found[j] != f[i + j] || dirs[j] != (j & 1);
			wrong += flow_lookup(ft, &keys[j], &dir) != f[i + j] || dir != (j & 1);
		}
	}
	CU_ASSERT_EQUAL(wrong, 0);
	for (unsigned int i = 0; i < FLOWS; i += 2) {
		struct flow_key gone = f[i]->c.key;
		enum flow_dir dir;

		flow_release(ft, f[i]);
		wrong += flow_lookup(ft, &gone, &dir) != NULL;
		f[i] = flow_alloc(ft, 0);
		f[i]->c.key = spread_key(FLOWS + i);
		refused += flow_key_add(ft, f[i], FLOW_DIR_CLIENT) != 0;
	}
	for (unsigned int i = 0; i < FLOWS; i++) {
		enum flow_dir dir;

		wrong += flow_lookup(ft, &f[i]->c.key, &dir) != f[i];
		wrong += i & 1 && flow_lookup(ft, &f[i]->b.key, &dir) != f[i];
	}
	CU_ASSERT_EQUAL(refused, 0);
	CU_ASSERT_EQUAL(wrong, 0);
	flow_table_free(ft);
}

/* The index compares keys with the flows themselves: lookups that alternate sides, and an
 * entry taken by another connection after a release, must get what the flows hold. */
static void test_entry_reused(void)
{
	struct flow_table *ft = flow_table_create("ut_flows4", 4, 0);
	struct flow_key k1 = key(21), k2 = key(22), k3 = key(23);
	enum flow_dir dir;
	struct flow *f, *g;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
	f = flow_alloc(ft, 0);
	f->c.key = k1;
	f->b.key = k2;
	CU_ASSERT_EQUAL(flow_key_add(ft, f, FLOW_DIR_CLIENT), 0);
	CU_ASSERT_EQUAL(flow_key_add(ft, f, FLOW_DIR_BACKEND), 0);
	for (int i = 0; i < 6; i++) {
		const struct flow_key *k = i % 3 == 2 ? &k2 : &k1;

		CU_ASSERT_PTR_EQUAL(flow_lookup(ft, k, &dir), f);
		CU_ASSERT_EQUAL(dir, k == &k1 ? FLOW_DIR_CLIENT : FLOW_DIR_BACKEND);
	}
	CU_ASSERT_PTR_NULL(flow_lookup(ft, &k3, &dir));
	CU_ASSERT_PTR_EQUAL(flow_lookup(ft, &k2, &dir), f);
	flow_release(ft, f);
	g = flow_alloc(ft, 0); /* the same slot, another connection */
	CU_ASSERT_PTR_EQUAL(g, f);
	g->c.key = k3;
	CU_ASSERT_EQUAL(flow_key_add(ft, g, FLOW_DIR_CLIENT), 0);
	CU_ASSERT_PTR_NULL(flow_lookup(ft, &k2, &dir));
	CU_ASSERT_PTR_NULL(flow_lookup(ft, &k1, &dir));
	CU_ASSERT_PTR_EQUAL(flow_lookup(ft, &k3, &dir), g);
	CU_ASSERT_EQUAL(dir, FLOW_DIR_CLIENT);
	flow_release(ft, g);
	CU_ASSERT_PTR_NULL(flow_lookup(ft, &k3, &dir));
	flow_table_free(ft);
}

static struct rte_mempool *pool(void)
{
	static struct rte_mempool *mp;

	if (!mp)
		mp = rte_pktmbuf_pool_create("ut_pool", 1023, 32, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	return mp;
}

/* A chain of segments of the given lengths holding bytes 0, 1, 2, ... */
static struct rte_mbuf *chain_of(const uint16_t *lens, unsigned int n, uint8_t *flat)
{
	struct rte_mbuf *head = NULL;
	uint32_t at = 0;

	for (unsigned int i = 0; i < n; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool());
		uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, lens[i]);

		for (uint16_t j = 0; j < lens[i]; j++)
			p[j] = flat[at + j] = (uint8_t)(at + j * 7);
		at += lens[i];
		if (!head)
			head = m;
		else
			rte_pktmbuf_chain(head, m);
	}
	return head;
}

static void test_slices_share_bytes(void)
{
	static const uint16_t lens[] = { 103, 155, 259, 1, 64 };
	uint8_t flat[600], out[600];
	struct rte_mbuf *src = chain_of(lens, RTE_DIM(lens), flat);
	unsigned int free_before;

	CU_ASSERT_PTR_NOT_NULL_FATAL(src);
	free_before = rte_mempool_avail_count(pool());
	for (uint32_t off = 0; off < src->pkt_len; off += 37) {
		for (uint32_t len = 1; off + len <= src->pkt_len; len += 53) {
			struct rte_mbuf *s = mbuf_slice(pool(), src, off, len);

			CU_ASSERT_PTR_NOT_NULL_FATAL(s);
			CU_ASSERT_EQUAL(s->pkt_len, len);
			CU_ASSERT_PTR_NOT_NULL(rte_pktmbuf_read(s, 0, len, out));
			CU_ASSERT_EQUAL(memcmp(rte_pktmbuf_read(s, 0, len, out), flat + off, len), 0);
			rte_pktmbuf_free(s);
		}
	}
	CU_ASSERT_PTR_NULL(mbuf_slice(pool(), src, 500, 200)); /* past the end */
	/* Every indirect mbuf went back: the source is still whole and nothing leaked. */
	CU_ASSERT_EQUAL(rte_mempool_avail_count(pool()), free_before);
	rte_pktmbuf_free(src);
}

/* A TCP segment whose payload is chained in odd-length pieces: the checksum over the
 * chain must equal the one over the same bytes laid out flat. */
static void test_chain_checksum(void)
{
	static const uint16_t lens[][4] = {
		{ 103, 155, 259, 0 }, { 1, 1, 1, 1 }, { 2, 3, 5, 7 }, { 1460, 1, 0, 0 },
	};

	for (size_t t = 0; t < RTE_DIM(lens); t++) {
		unsigned int n = 0;
		uint8_t flat[2048];
		uint8_t linear[2200];
		struct rte_mbuf *hdr = rte_pktmbuf_alloc(pool()), *payload;
		struct rte_ipv4_hdr *ip;
		uint32_t plen;

		while (n < 4 && lens[t][n])
			n++;
		payload = chain_of(lens[t], n, flat);
		plen = payload->pkt_len;
		memset(linear, 0, 40);
		ip = (struct rte_ipv4_hdr *)linear;
		ip->version_ihl = 0x45;
		ip->next_proto_id = IPPROTO_TCP;
		ip->src_addr = 0x0200000a;
		ip->dst_addr = 0x0100000a;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(40 + plen));
		((struct rte_tcp_hdr *)(ip + 1))->data_off = 0x50;
		memcpy(rte_pktmbuf_append(hdr, 40), linear, 40);
		ip = rte_pktmbuf_mtod(hdr, struct rte_ipv4_hdr *);
		rte_pktmbuf_chain(hdr, payload);
		memcpy(linear + 40, flat, plen);
		CU_ASSERT_EQUAL(tcp_checksum_mbuf(hdr, ip, 20),
				rte_ipv4_udptcp_cksum((const struct rte_ipv4_hdr *)linear, linear + 20));
		rte_pktmbuf_free(hdr);
	}
}

/* An IPv4 client's counter key is no IPv6 /64 a client could send from: before, on a
 * little-endian host, the /64 a.b.c.d:ffff:ffff:: (global unicast for a in 32..63) shared
 * a.b.c.d's counters exactly, its holder spending an IPv4 client's flows and hellos. */
static void test_client_key_apart_from_ipv6(void)
{
	static const uint8_t ip4[4] = { 32, 1, 2, 3 };
	uint8_t six[16] = { 0 };
	uint32_t peer_ip;
	uint64_t key4;

	memcpy(&peer_ip, ip4, 4);
	key4 = flow_client_key_of(peer_ip, NULL);
	memcpy(six, ip4, 4);
	memset(six + 4, 0xff, 4); /* 2001:203:ffff:ffff:: */
	CU_ASSERT_NOT_EQUAL(flow_client_key_of(0, six), key4);
	memset(six, 0xff, 4); /* ffff:ffff:2001:203:: (multicast): where the key lies now */
	memcpy(six + 4, ip4, 4);
	CU_ASSERT_EQUAL(flow_client_key_of(0, six), key4);
}

/* A table as full as its counters: 1,000 addresses with one flow each, then one address
 * takes flows until it is refused. Counters are shared between clients here: the greedy
 * one gets no more than the limit and at most a few less; every other address then gets
 * a second flow. */
static void test_client_counters_shared(void)
{
	enum { CAP = 2048, OTHERS = 1000, LIMIT = 32 };
	struct flow_table *ft;
	struct flow *f;
	unsigned int greedy = 0, refused = 0;

	/* The table's counter seeds drawn from a fixed start: the same outcome every run. */
	rte_srand(20261205);
	ft = flow_table_create("ut_flows6", CAP, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
	for (uint32_t i = 0; i < OTHERS; i++) {
		f = flow_alloc(ft, 0);
		f->c.key.peer_ip = rte_cpu_to_be_32(0x0a000000u + i * 7919u);
		CU_ASSERT_EQUAL(flow_client_attach(ft, f, LIMIT, LIMIT), FLOW_CLIENT_OK);
	}
	for (;;) {
		f = flow_alloc(ft, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		f->c.key.peer_ip = rte_cpu_to_be_32(0xc6336401u);
		if (flow_client_attach(ft, f, LIMIT, LIMIT) != FLOW_CLIENT_OK)
			break;
		greedy++;
	}
	flow_release(ft, f);
	CU_ASSERT_TRUE(greedy <= LIMIT && greedy >= LIMIT - 2);
	for (uint32_t i = 0; i < OTHERS; i++) {
		f = flow_alloc(ft, 0);
		f->c.key.peer_ip = rte_cpu_to_be_32(0x0a000000u + i * 7919u);
		if (flow_client_attach(ft, f, LIMIT, LIMIT) != FLOW_CLIENT_OK)
			refused++;
	}
	CU_ASSERT_EQUAL(refused, 0);
	flow_table_free(ft);
}

/* A client's closed flows (the relay's TIME-WAIT) do not count against its limit: one
 * address making and closing connections quickly is not refused while the table has room;
 * its closed flow's release later does not count it down twice. */
static void test_closed_flows_not_counted(void)
{
	struct flow_table *ft = flow_table_create("ut_flows_closed", 8, 0);
	struct flow *a, *b, *c;
	uint32_t flows, hellos;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
	a = flow_alloc(ft, 0);
	b = flow_alloc(ft, 0);
	c = flow_alloc(ft, 0);
	a->c.key.peer_ip = b->c.key.peer_ip = c->c.key.peer_ip = rte_cpu_to_be_32(0xc6336402u);
	CU_ASSERT_EQUAL(flow_client_attach(ft, a, 1, 8), FLOW_CLIENT_OK);
	CU_ASSERT_EQUAL(flow_client_attach(ft, b, 1, 8), FLOW_CLIENT_FLOWS);
	flow_set_closing(ft, a, 10000);
	CU_ASSERT_EQUAL(flow_client_attach(ft, b, 1, 8), FLOW_CLIENT_OK);
	flow_release(ft, a);
	flow_client_counts(ft, b, &flows, &hellos);
	CU_ASSERT_EQUAL(flows, 1); /* b's alone: a's release took nothing more */
	CU_ASSERT_EQUAL(flow_client_attach(ft, c, 1, 8), FLOW_CLIENT_FLOWS);
	flow_release(ft, b);
	flow_release(ft, c);
	flow_table_free(ft);
}

/* A client's two counters are picked independently: of many other addresses, about one in
 * entries^2 shares both of one client's counters, not one in entries, as when both came
 * from CRCs of the address under two seeds (they differ by a constant: CRC is linear). */
static void test_client_counters_independent(void)
{
	enum { CAP = 64, TRIED = 20000 };
	struct flow_table *ft;
	struct flow *a, *b;
	uint32_t flows, hellos;
	unsigned int both = 0;

	rte_srand(20261205); /* as above */
	ft = flow_table_create("ut_flows7", CAP, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
	a = flow_alloc(ft, 0);
	b = flow_alloc(ft, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	a->c.key.peer_ip = rte_cpu_to_be_32(0xc6336401u);
	CU_ASSERT_EQUAL(flow_client_attach(ft, a, 1000, 1000), FLOW_CLIENT_OK);
	for (uint32_t i = 0; i < TRIED; i++) {
		b->c.key.peer_ip = rte_cpu_to_be_32(0x0b000000u + i);
		flow_client_counts(ft, b, &flows, &hellos);
		both += flows != 0;
	}
	/* Independent: about TRIED / CAP^2 (4.9); one hash for both: TRIED / CAP (312). */
	CU_ASSERT(both < 40);
	flow_table_free(ft);
}

/* Every payload length to 300 bytes (blocks, words, a last byte), one contiguous segment,
 * addresses and bytes near 0xff so that every carry is taken: as DPDK's checksum. */
static void test_short_checksum(void)
{
	for (uint32_t plen = 0; plen <= 300; plen++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool());
		uint8_t *frame = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(40 + plen));
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)frame;

		for (uint32_t i = 0; i < 40 + plen; i++)
			frame[i] = (uint8_t)(0xff - (i * 7 + plen) % 13);
		ip->version_ihl = 0x45;
		ip->next_proto_id = IPPROTO_TCP;
		ip->src_addr = 0xfffffffe;
		ip->dst_addr = 0xfeffffff;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(40 + plen));
		((struct rte_tcp_hdr *)(ip + 1))->data_off = 0x50;
		((struct rte_tcp_hdr *)(ip + 1))->cksum = 0;
		CU_ASSERT_EQUAL(tcp_checksum_mbuf(m, ip, 20),
				rte_ipv4_udptcp_cksum(ip, frame + 20));
		rte_pktmbuf_free(m);
	}
}

int test_flow_register(void)
{
	static const CU_TestInfo flows[] = {
		{ "entry fits 256 bytes", test_entry_size },
		{ "checksums of every length to 300 bytes", test_short_checksum },
		{ "an IPv4 client's key is no IPv6 client's", test_client_key_apart_from_ipv6 },
		{ "client counters shared in a full table", test_client_counters_shared },
		{ "a client's two counters picked independently", test_client_counters_independent },
		{ "alloc until full, release makes room", test_alloc_until_full },
		{ "flows in use visited through the timer wheel", test_visit_flows_in_use },
		{ "free list: last released taken first, each entry once", test_free_list },
		{ "flows open: in use but the closed ones", test_count_open },
		{ "both connections keyed", test_keys_both_sides },
		{ "a key of zero peer parts goes with its flow", test_key_of_zero_peer_released },
		{ "closed flows do not count against their client", test_closed_flows_not_counted },
		{ "IPv6 sides in the same index, told apart by whole addresses", test_keys_ipv6 },
		{ "sides found in the flows, an entry reused", test_entry_reused },
		{ "index full: every key found, one by one and in bulk", test_index_full },
		CU_TEST_INFO_NULL,
	};
	static const CU_TestInfo chains[] = {
		{ "slices share the bytes and leak nothing", test_slices_share_bytes },
		{ "checksum over odd-length segments", test_chain_checksum },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite("flow", flows) || unit_add_suite("mbuf_chain", chains) ? -1 : 0;
}
