/* SPDX-License-Identifier: BSD-3-Clause */
#include "rss_steer.h"

#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_thash.h>

/* Bit offsets of the destination port in the NIC's hash input (RFC-ordered tuples:
 * source address, destination address, source port, destination port). For a segment
 * coming back to the relay the destination port is the relay's source port. */
#define TUPLE4_LEN 12u
#define TUPLE6_LEN 36u
#define DPORT4_BIT 80u
#define DPORT6_BIT 272u
#define RSS_STEER_TRIES 64u   /* candidates on the worker's queues one pick may find taken */
#define RSS_STEER_RETA_MAX DRV_RETA_MAX

/* The Toeplitz hash is linear: the hash of a tuple is the XOR, over its set bits, of the
 * key's 32-bit window starting at each bit. So it is the XOR of one table entry per tuple
 * byte (position, value), made once per plan, and xoring bits x into the port xors the
 * hash of x's bits alone into the tuple's hash. A pick hashes the connection once, takes a
 * scattered port, and xors into it the bits (adj) that move its table entry to one of the
 * worker's: no search, and no hash of the whole tuple per candidate. */
struct rss_steer {
	uint32_t reta_mask;
	uint16_t adj4[RSS_STEER_RETA_MAX]; /* adj[t]: port bits whose hash has t as entry bits */
	uint16_t adj6[RSS_STEER_RETA_MAX];
	uint32_t byte4[TUPLE4_LEN][256];   /* an IPv4 tuple's bytes */
	uint32_t byte6[TUPLE6_LEN][256];   /* an IPv6 tuple's bytes */
};

void rss_steer_free(struct rss_steer *rs)
{
	rte_free(rs);
}

/* Whether every one of n_workers polls a queue some entry of p's table points to. */
static bool every_worker_reached(const struct dp_port *p, unsigned int n_workers)
{
	uint64_t reached = 0;

	for (unsigned int i = 0; i < p->reta_size; i++)
		reached |= UINT64_C(1) << (p->queue_owner[p->reta[i] & 63u] & 63u);
	return n_workers <= 64 && reached == (n_workers == 64 ? UINT64_MAX :
					      (UINT64_C(1) << n_workers) - 1);
}

/* The 32-bit window of key (RSS_STEER_KEY_LEN bytes, zeros after) starting at bit. */
static uint32_t key_window(const uint8_t *key, unsigned int bit)
{
	uint64_t w = 0;

	for (unsigned int i = 0; i < 8; i++) {
		unsigned int at = bit / 8 + i;

		w = w << 8 | (at < RSS_STEER_KEY_LEN ? key[at] : 0);
	}
	return (uint32_t)(w >> (32 - bit % 8));
}

/* tab[i][v]: the hash contribution of value v in byte i of a tuple of len bytes. */
static void tables_fill(uint32_t (*tab)[256], unsigned int len, const uint8_t *key)
{
	for (unsigned int i = 0; i < len; i++) {
		uint32_t bit_hash[8];

		for (unsigned int b = 0; b < 8; b++) /* b = 0: the byte's most significant bit */
			bit_hash[b] = key_window(key, i * 8 + b);
		for (unsigned int v = 0; v < 256; v++) {
			uint32_t h = 0;

			for (unsigned int b = 0; b < 8; b++)
				if (v & (0x80u >> b))
					h ^= bit_hash[b];
			tab[i][v] = h;
		}
	}
}

/* The hash share of destination port `port` (host order), from the port's two byte
 * tables (dport[0]: its high byte, dport[1]: its low one). */
static inline uint32_t dport_hash(const uint32_t (*dport)[256], uint32_t port)
{
	return dport[0][port >> 8] ^ dport[1][port & 0xff];
}

/* adj[t] for every t <= mask: the smallest port bits whose hash (dport: the port's two
 * byte tables) has t in its low bits. false when the key leaves some t out. */
static bool adj_fill(uint16_t *adj, const uint32_t (*dport)[256], uint32_t mask)
{
	bool seen[RSS_STEER_RETA_MAX] = { false };
	uint32_t left = mask + 1u;

	for (uint32_t x = 0; x <= UINT16_MAX && left > 0; x++) {
		uint32_t t = dport_hash(dport, x) & mask;

		if (!seen[t]) {
			seen[t] = true;
			adj[t] = (uint16_t)x;
			left--;
		}
	}
	return left == 0;
}

/* Shape key (in: the port's; out: the one to give it) with rte_thash so that the 16 bits
 * of either family's destination port can reach every entry of a 2^log2 table. */
static int key_shape(uint16_t port_id, uint32_t log2, uint8_t key[RSS_STEER_KEY_LEN],
		     char *err, size_t errlen)
{
	struct rte_thash_ctx *ctx;
	char name[32];
	int rc;

	snprintf(name, sizeof(name), "mr_rss_%u", port_id);
	ctx = rte_thash_init_ctx(name, RSS_STEER_KEY_LEN, log2, key, RTE_THASH_MINIMAL_SEQ);
	if (!ctx) {
		snprintf(err, errlen, "rte_thash context: %s", rte_strerror(rte_errno));
		return -1;
	}
	rc = rte_thash_add_helper(ctx, "dport4", 16, DPORT4_BIT);
	if (rc == 0)
		rc = rte_thash_add_helper(ctx, "dport6", 16, DPORT6_BIT);
	if (rc < 0)
		snprintf(err, errlen, "rte_thash helper: %s", rte_strerror(-rc));
	else
		memcpy(key, rte_thash_get_key(ctx), RSS_STEER_KEY_LEN);
	rte_thash_free_ctx(ctx);
	return rc < 0 ? -1 : 0;
}

struct rss_steer *rss_steer_create(const struct dp_port *p, unsigned int n_workers,
				   uint8_t key_out[RSS_STEER_KEY_LEN], char *err, size_t errlen)
{
	struct rss_steer *rs;

	if (!rte_is_power_of_2(p->reta_size) || p->reta_size < (1u << RTE_THASH_RETA_SZ_MIN) ||
	    p->reta_size > RSS_STEER_RETA_MAX) {
		snprintf(err, errlen, "a redirection table of %u entries", p->reta_size);
		return NULL;
	}
	if (!every_worker_reached(p, n_workers)) {
		snprintf(err, errlen, "the redirection table reaches not all %u workers", n_workers);
		return NULL;
	}
	/* A local copy: rte_thash_init_ctx wants a writable key. */
	memcpy(key_out, p->rss_key, RSS_STEER_KEY_LEN);
	if (key_shape(p->port_id, rte_log2_u32(p->reta_size), key_out, err, errlen) < 0)
		return NULL;
	rs = rte_zmalloc("rss_steer", sizeof(*rs), RTE_CACHE_LINE_SIZE);
	if (!rs) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	rs->reta_mask = p->reta_size - 1u;
	tables_fill(rs->byte4, TUPLE4_LEN, key_out);
	tables_fill(rs->byte6, TUPLE6_LEN, key_out);
	if (!adj_fill(rs->adj4, &rs->byte4[TUPLE4_LEN - 2], rs->reta_mask) ||
	    !adj_fill(rs->adj6, &rs->byte6[TUPLE6_LEN - 2], rs->reta_mask)) {
		snprintf(err, errlen, "the key lets the source port reach not every table entry");
		rss_steer_free(rs);
		return NULL;
	}
	return rs;
}

/* The hash of conn's tuple, from its peer to us, with destination port 0; and the
 * table of the destination port's first byte (the second's follows it). */
static uint32_t conn_hash(const struct rss_steer *rs, const struct rss_steer_conn *conn,
			  const uint32_t (**dport)[256])
{
	const uint32_t (*tab)[256] = conn->v6 ? rs->byte6 : rs->byte4;
	unsigned int alen = conn->v6 ? 16u : 4u;
	const uint8_t *pport = (const uint8_t *)&conn->peer_port;
	uint32_t h = tab[2 * alen][pport[0]] ^ tab[2 * alen + 1][pport[1]];

	for (unsigned int i = 0; i < alen; i++)
		h ^= tab[i][conn->peer[i]] ^ tab[alen + i][conn->local[i]];
	*dport = &tab[2 * alen + 2];
	return h;
}

uint32_t rss_steer_hash(const struct rss_steer *rs, const struct rss_steer_conn *conn,
			uint16_t port)
{
	const uint32_t (*dport)[256];
	uint32_t h = conn_hash(rs, conn, &dport);

	return h ^ dport_hash(dport, port);
}

/* An entry of p's table, from cursor on, that points to a queue worker polls. */
static uint32_t entry_of(const struct rss_steer *rs, const struct dp_port *p,
			 unsigned int worker, uint32_t cursor)
{
	for (uint32_t i = 0; i <= rs->reta_mask; i++) {
		uint32_t e = (cursor + i) & rs->reta_mask;

		if (p->queue_owner[p->reta[e] & 63u] == worker)
			return e;
	}
	return cursor & rs->reta_mask; /* not reached: rss_steer_create checked */
}

bool rss_steer_pick(const struct rss_steer *rs, const struct dp_port *p, unsigned int worker,
		    uint32_t *cursor, const struct rss_steer_conn *conn, uint16_t first,
		    uint16_t last, rss_steer_free_fn is_free, void *ctx, uint16_t *port_out)
{
	const uint16_t *adj = conn->v6 ? rs->adj6 : rs->adj4;
	const uint32_t (*dport)[256];
	uint32_t span = (uint32_t)last - first + 1u, turn = (*cursor)++, base, stride;
	unsigned int taken = 0;

	if (first > last)
		return false;
	base = conn_hash(rs, conn, &dport);
	/* Scattered ports, so that consecutive picks and tries land in different parts of the
	 * range; one that adj moves out of it is passed over, within the same bound. The
	 * stride shares no factor with the range's size, so every port can be a start:
	 * 40503 (2^16 over the golden ratio, 3 x 23 x 587) scatters best, and a size that
	 * one of those divides takes 65537, a prime past any range. */
	stride = span % 3 && span % 23 && span % 587 ? 40503u : 65537u;
	for (uint32_t n = 0; n < 4 * RSS_STEER_TRIES && taken < RSS_STEER_TRIES; n++) {
		uint32_t from = first + (uint32_t)(((uint64_t)(turn + n * 7919u) * stride) % span);
		uint32_t h = base ^ dport_hash(dport, from);
		uint32_t entry = entry_of(rs, p, worker, turn * 7u + n);
		uint32_t port = from ^ adj[(h ^ entry) & rs->reta_mask];

		if (port < first || port > last)
			continue;
		if (is_free(ctx, (uint16_t)port)) {
			*port_out = (uint16_t)port;
			return true;
		}
		taken++;
	}
	return false;
}
