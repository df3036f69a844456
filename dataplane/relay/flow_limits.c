/* SPDX-License-Identifier: BSD-3-Clause */
#include "flow_limits.h"

#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "flow_table.h"

#define COUNTED_CLIENT 1u  /* struct flow.counted: f is one of its client's flows ... */
#define COUNTED_HELLO 2u   /* ... and one of its hellos */
#define COUNTED_SPLICED 4u /* ... which ends with its kept bytes (flow_client_hello_done) */

struct client_count {
	uint32_t flows, hellos;
};

/* Per client, two counters in two arrays, each chosen by its own hash of the address (a
 * count-min sketch): both count every flow of the client, so the smaller is never below
 * its own count and exceeds it only when both counters are shared with other clients.
 * With at least one counter per flow, at most 1/limit of an array's counters can reach a
 * limit, so a client is refused for others' flows with odds below 1/limit^2 even in a
 * full table (1 in 4,096 for 64 hellos). That needs the two hashes independent: two CRCs
 * of one key under two seeds are not (CRC is linear: they differ by a constant, so the
 * clients sharing one counter would share the other too), hence a CRC for one and a
 * multiplicative hash for the other, both seeded per table at random so that no one can
 * compute which addresses share a victim's counters. Measured against an rte_hash of
 * exact counts: about 550 instructions less a connection, no keys kept, nothing to
 * delete. */
struct flow_limits {
	struct client_count *counts[2];
	uint64_t seed[2];              /* per table, random */
	uint32_t entries;              /* in each array */
	uint32_t kept;                 /* buffers in the flows' streams */
};

static uint32_t count_entries(uint32_t capacity)
{
	/* One counter per flow the table holds: mostly one client per counter. Not rounded
	 * up to a power of two (a hash picks its counter by multiply and shift), which
	 * would nearly double them for most capacities. */
	return RTE_MAX(capacity, 8u);
}

struct flow_limits *flow_limits_create(const char *name, uint32_t capacity, int socket_id)
{
	struct flow_limits *l = rte_zmalloc_socket(name, sizeof(*l), 0, socket_id);
	uint32_t n = count_entries(capacity);

	if (!l)
		return NULL;
	l->entries = n;
	l->seed[0] = rte_rand();
	l->seed[1] = rte_rand();
	for (int i = 0; i < 2; i++)
		l->counts[i] = rte_zmalloc_socket(name, sizeof(struct client_count) * n,
						  RTE_CACHE_LINE_SIZE, socket_id);
	if (!l->counts[0] || !l->counts[1]) {
		flow_limits_free(l);
		return NULL;
	}
	return l;
}

size_t flow_limits_bytes(uint32_t capacity)
{
	return 2 * (size_t)count_entries(capacity) * sizeof(struct client_count);
}

void flow_limits_free(struct flow_limits *l)
{
	if (!l)
		return;
	rte_free(l->counts[0]);
	rte_free(l->counts[1]);
	rte_free(l);
}

uint64_t flow_client_key_of(uint32_t peer_ip, const uint8_t *peer6)
{
	uint64_t key;

	if (peer6) {
		memcpy(&key, peer6, 8);
		return key;
	}
	/* Laid out in memory as the /64 ffff:ffff:a.b.c.d::, whatever the host's order:
	 * multicast, no client's source. (0xffffffff << 32 | peer_ip was the /64
	 * a.b.c.d:ffff:ffff:: on a little-endian host, ordinary global space for many.) */
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	return (uint64_t)peer_ip << 32 | 0xffffffffu;
#else
	return 0xffffffff00000000ull | peer_ip;
#endif
}

static uint64_t client_key(const struct flow_table *ft, const struct flow *f)
{
	const struct flow_addr6 *a6 = flow_table_addr6(ft, f, FLOW_DIR_CLIENT);

	return flow_client_key_of(f->c.key.peer_ip, a6 ? a6->peer : NULL);
}

/* The counter of an array that hash h picks: h scaled onto the entries. */
static inline uint32_t counter_at(const struct flow_limits *l, uint32_t h)
{
	return (uint32_t)(((uint64_t)h * l->entries) >> 32);
}

/* The two counters of client key. */
static void key_counters(const struct flow_limits *l, uint64_t key, struct client_count *c[2])
{
	/* The golden ratio's 64-bit fraction as the multiplier (Knuth's multiplicative
	 * hashing): the product's high half mixes in every lower bit of the key. */
	uint64_t mixed = (key ^ l->seed[1]) * 0x9e3779b97f4a7c15ull;

	c[0] = &l->counts[0][counter_at(l, rte_hash_crc_8byte(key, (uint32_t)l->seed[0]))];
	c[1] = &l->counts[1][counter_at(l, (uint32_t)(mixed >> 32))];
}

/* The client's two counters. */
static void client_counters(const struct flow_limits *l, const struct flow_table *ft,
			    const struct flow *f, struct client_count *c[2])
{
	key_counters(l, client_key(ft, f), c);
}

/* Whether one more flow of the client of counters c stays within the limits. */
static enum flow_client_verdict counted_verdict(struct client_count *c[2], uint32_t max_flows,
						uint32_t max_hellos)
{
	if (RTE_MIN(c[0]->flows, c[1]->flows) >= max_flows)
		return FLOW_CLIENT_FLOWS;
	if (RTE_MIN(c[0]->hellos, c[1]->hellos) >= max_hellos)
		return FLOW_CLIENT_HELLOS;
	return FLOW_CLIENT_OK;
}

enum flow_client_verdict flow_client_verdict_of(const struct flow_table *ft, uint64_t key,
						uint32_t max_flows, uint32_t max_hellos)
{
	struct client_count *c[2];

	key_counters(ft->limits, key, c);
	return counted_verdict(c, max_flows, max_hellos);
}

enum flow_client_verdict flow_client_attach(struct flow_table *ft, struct flow *f,
					    uint32_t max_flows, uint32_t max_hellos)
{
	struct client_count *c[2];
	enum flow_client_verdict v;

	client_counters(ft->limits, ft, f, c);
	v = counted_verdict(c, max_flows, max_hellos);
	if (v != FLOW_CLIENT_OK)
		return v;
	for (int i = 0; i < 2; i++) {
		c[i]->flows++;
		c[i]->hellos++;
	}
	f->counted = COUNTED_CLIENT | COUNTED_HELLO;
	return FLOW_CLIENT_OK;
}

/* f stops counting as one of its client's hellos. */
static void client_hello_gone(struct flow_table *ft, struct flow *f)
{
	struct client_count *c[2];

	if (!(f->counted & COUNTED_HELLO))
		return;
	client_counters(ft->limits, ft, f, c);
	c[0]->hellos--;
	c[1]->hellos--;
	f->counted &= (uint8_t)~COUNTED_HELLO;
}

void flow_client_hello_done(struct flow_table *ft, struct flow *f)
{
	f->counted |= COUNTED_SPLICED;
	if (!f->stream)
		client_hello_gone(ft, f);
}

/* f's kept bytes are gone: a spliced flow is no longer one of its client's hellos. */
static void stream_gone(struct flow_table *ft, struct flow *f)
{
	f->keeps_stream = 0;
	if (f->counted & COUNTED_SPLICED)
		client_hello_gone(ft, f);
}

void flow_client_counts(const struct flow_table *ft, const struct flow *f, uint32_t *flows,
			uint32_t *hellos)
{
	struct client_count *c[2];

	client_counters(ft->limits, ft, f, c);
	*flows = RTE_MIN(c[0]->flows, c[1]->flows);
	*hellos = RTE_MIN(c[0]->hellos, c[1]->hellos);
}

static void client_release(struct flow_table *ft, struct flow *f)
{
	struct client_count *c[2];
	uint32_t hello = (f->counted & COUNTED_HELLO) ? 1 : 0;

	if (!(f->counted & COUNTED_CLIENT))
		return;
	client_counters(ft->limits, ft, f, c);
	for (int i = 0; i < 2; i++) {
		c[i]->flows--;
		c[i]->hellos -= hello;
	}
	f->counted = 0;
}

bool flow_stream_append(struct flow_table *ft, struct flow *f, struct rte_mbuf *m)
{
	uint16_t segs = m->nb_segs;

	if (!f->stream)
		f->stream = m;
	else if (rte_pktmbuf_chain(f->stream, m) != 0)
		return false;
	f->keeps_stream = 1;
	ft->limits->kept += segs;
	return true;
}

bool flow_stream_prepend(struct flow_table *ft, struct flow *f, struct rte_mbuf *h)
{
	uint16_t segs = h->nb_segs;

	if (f->stream && rte_pktmbuf_chain(h, f->stream) != 0)
		return false;
	f->stream = h;
	f->keeps_stream = 1;
	ft->limits->kept += segs;
	return true;
}

void flow_stream_set(struct flow_table *ft, struct flow *f, struct rte_mbuf *m)
{
	if (f->stream) {
		ft->limits->kept -= f->stream->nb_segs;
		rte_pktmbuf_free(f->stream);
	}
	f->stream = NULL;
	if (m)
		flow_stream_append(ft, f, m);
	else
		stream_gone(ft, f);
}

void flow_stream_drop_head(struct flow_table *ft, struct flow *f)
{
	struct rte_mbuf *h = f->stream, *rest;

	if (!h)
		return;
	rest = h->next;
	if (rest) {
		rest->nb_segs = (uint16_t)(h->nb_segs - 1);
		rest->pkt_len = h->pkt_len - h->data_len;
	}
	h->next = NULL;
	h->nb_segs = 1;
	h->pkt_len = h->data_len;
	rte_pktmbuf_free(h);
	ft->limits->kept--;
	f->stream = rest;
	if (!rest)
		stream_gone(ft, f);
}

uint32_t flow_kept_mbufs(const struct flow_table *ft)
{
	return ft->limits->kept;
}

void flow_limits_closed(struct flow_table *ft, struct flow *f)
{
	/* A client that opens and closes connections quickly (a NAT, a proxy, a load
	 * generator) would else be refused at client.max_flows by connections that are over,
	 * while the table has room; and on a full table closed flows are given up anyway. Its
	 * kept bytes go too: a closed flow neither resends nor redispatches them, and kept
	 * they would count against no client and be beyond the hellos' eviction. */
	client_release(ft, f);
	if (f->stream)
		flow_stream_set(ft, f, NULL);
}

void flow_limits_release(struct flow_table *ft, struct flow *f)
{
	client_release(ft, f);
	flow_stream_set(ft, f, NULL);
}
