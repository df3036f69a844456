/* SPDX-License-Identifier: BSD-3-Clause */
#include "rss_steer.h"

#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_thash.h>

#include "mr_bytes.h"

/* Bit offsets of the destination port in the NIC's hash input (RFC-ordered tuples:
 * source address, destination address, source port, destination port). For a segment
 * coming back to the relay the destination port is the relay's source port. */
#define TUPLE4_LEN 12u
#define TUPLE6_LEN 36u
#define DPORT4_BIT 80u
#define DPORT6_BIT 272u
#define RSS_STEER_TRIES 64u /* candidates one pick tries */

struct rss_steer {
	struct rte_thash_ctx *ctx;
	struct rte_thash_subtuple_helper *dport4, *dport6;
	uint32_t reta_mask;
};

void rss_steer_free(struct rss_steer *rs)
{
	if (!rs)
		return;
	if (rs->ctx)
		rte_thash_free_ctx(rs->ctx);
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

struct rss_steer *rss_steer_create(const struct dp_port *p, unsigned int n_workers,
				   uint8_t key_out[RSS_STEER_KEY_LEN], char *err, size_t errlen)
{
	struct rss_steer *rs;
	char name[32];
	uint32_t log2;
	int rc;

	if (!rte_is_power_of_2(p->reta_size) || p->reta_size < (1u << RTE_THASH_RETA_SZ_MIN)) {
		snprintf(err, errlen, "a redirection table of %u entries", p->reta_size);
		return NULL;
	}
	if (!every_worker_reached(p, n_workers)) {
		snprintf(err, errlen, "the redirection table reaches not all %u workers", n_workers);
		return NULL;
	}
	log2 = rte_log2_u32(p->reta_size);
	rs = rte_zmalloc("rss_steer", sizeof(*rs), 0);
	if (!rs) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	rs->reta_mask = p->reta_size - 1u;
	snprintf(name, sizeof(name), "mr_rss_%u", p->port_id);
	/* A local copy: rte_thash_init_ctx wants a writable key. */
	memcpy(key_out, p->rss_key, RSS_STEER_KEY_LEN);
	rs->ctx = rte_thash_init_ctx(name, RSS_STEER_KEY_LEN, log2, key_out, RTE_THASH_MINIMAL_SEQ);
	if (!rs->ctx) {
		snprintf(err, errlen, "rte_thash context: %s", rte_strerror(rte_errno));
		rss_steer_free(rs);
		return NULL;
	}
	rc = rte_thash_add_helper(rs->ctx, "dport4", 16, DPORT4_BIT);
	if (rc == 0)
		rc = rte_thash_add_helper(rs->ctx, "dport6", 16, DPORT6_BIT);
	if (rc < 0) {
		snprintf(err, errlen, "rte_thash helper: %s", rte_strerror(-rc));
		rss_steer_free(rs);
		return NULL;
	}
	rs->dport4 = rte_thash_get_helper(rs->ctx, "dport4");
	rs->dport6 = rte_thash_get_helper(rs->ctx, "dport6");

	memcpy(key_out, rte_thash_get_key(rs->ctx), RSS_STEER_KEY_LEN);
	return rs;
}

/* What the tuple check needs from rss_steer_pick. */
struct pick_check {
	unsigned int port_byte;      /* offset of the destination port in the tuple */
	uint16_t first, last;
	rss_steer_free_fn is_free;
	void *ctx;
};

static int pick_check_tuple(void *userdata, uint8_t *tuple)
{
	const struct pick_check *pc = userdata;
	uint16_t port = mr_load_be16(tuple + pc->port_byte);

	return port >= pc->first && port <= pc->last && pc->is_free(pc->ctx, port);
}

/* An entry of p's table, from *cursor on, that points to a queue worker polls. */
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

/* One walk of rte_thash_adjust_tuple from start: it sets the port's low bits (one table
 * entry's worth) and, when a candidate is refused, moves up one block of them; tries are
 * kept below the range's end. 0, or how many tries it used and failed. */
static unsigned int adjust_walk(const struct rss_steer *rs, struct rte_thash_subtuple_helper *h,
				uint8_t *tuple, unsigned int len, struct pick_check *pc,
				uint16_t start, uint32_t entry, unsigned int tries)
{
	uint32_t block = rs->reta_mask + 1u;
	unsigned int here = RTE_MIN(tries, ((uint32_t)pc->last - start) / block + 1u);

	mr_store_be16(tuple + pc->port_byte, start);
	if (rte_thash_adjust_tuple(rs->ctx, h, tuple, len, entry, here, pick_check_tuple, pc) == 0)
		return 0;
	return here;
}

bool rss_steer_pick(const struct rss_steer *rs, const struct dp_port *p, unsigned int worker,
		    uint32_t *cursor, const struct rss_steer_conn *conn, uint16_t first,
		    uint16_t last, rss_steer_free_fn is_free, void *ctx, uint16_t *port_out)
{
	uint8_t tuple[TUPLE6_LEN];
	unsigned int alen = conn->v6 ? 16u : 4u, len = conn->v6 ? TUPLE6_LEN : TUPLE4_LEN;
	struct pick_check pc = { .port_byte = 2 * alen + 2, .first = first, .last = last,
				 .is_free = is_free, .ctx = ctx };
	struct rte_thash_subtuple_helper *h = conn->v6 ? rs->dport6 : rs->dport4;
	uint32_t span = (uint32_t)last - first + 1u, turn = (*cursor)++;
	uint32_t entry = entry_of(rs, p, worker, turn * 7u);
	/* A scattered start, so that consecutive picks try different blocks; a walk that
	 * reaches the range's end goes on from its beginning. */
	uint16_t start = (uint16_t)(first + (uint32_t)(((uint64_t)turn * 40503u) % span));
	unsigned int used;

	if (first > last)
		return false;
	/* The segments that come back: from the peer to us. */
	memcpy(tuple, conn->peer, alen);
	memcpy(tuple + alen, conn->local, alen);
	memcpy(tuple + 2 * alen, &conn->peer_port, 2);
	used = adjust_walk(rs, h, tuple, len, &pc, start, entry, RSS_STEER_TRIES);
	if (used && used < RSS_STEER_TRIES && start != first)
		used = adjust_walk(rs, h, tuple, len, &pc, first, entry, RSS_STEER_TRIES - used);
	if (used)
		return false;
	*port_out = mr_load_be16(tuple + pc.port_byte);
	return true;
}
