/* SPDX-License-Identifier: BSD-3-Clause */
#include "neigh.h"

#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

struct neigh_entry {
	struct neigh_addr addr;
	uint8_t in_use;
	uint8_t state;           /* enum neigh_state */
	uint8_t probes;          /* requests sent in the current INCOMPLETE/PROBE round */
	uint8_t has_candidate;   /* PROBE: another MAC answered; taken if the old one does not */
	uint16_t n_pending;
	struct rte_ether_addr mac;
	struct rte_ether_addr candidate;
	uint64_t confirmed_ms;   /* last confirmation, or creation */
	uint64_t deadline_ms;    /* next timer for the current state */
};

struct neigh_table {
	struct rte_hash *index;  /* address -> position in entries[] */
	struct neigh_entry *entries;
	void **pending;          /* conf.pending slots per entry, FIFO from slot 0 */
	uint32_t capacity;
	uint32_t used;
	uint32_t unresolved;     /* entries INCOMPLETE or FAILED: asked for, never answered */
	uint32_t held, held_max; /* frames pending in all entries; at most (neigh_held_max) */
	uint64_t next_due_ms;    /* no entry's deadline comes before this: neigh_age scans
				  * the table only from then on (0: at its next call) */
	struct mr_neigh_conf conf;
	struct neigh_ops ops;
};

static const char *const state_names[] = {
	[NEIGH_INCOMPLETE] = "incomplete", [NEIGH_REACHABLE] = "reachable",
	[NEIGH_STALE] = "stale",           [NEIGH_PROBE] = "probe",
	[NEIGH_FAILED] = "failed",
};

const char *neigh_state_name(enum neigh_state state)
{
	return (unsigned int)state < RTE_DIM(state_names) ? state_names[state] : "?";
}

struct neigh_table *neigh_table_create(const char *name, const struct mr_neigh_conf *conf,
				       int socket_id, const struct neigh_ops *ops)
{
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = conf->entries,
		.key_len = sizeof(struct neigh_addr),
		.hash_func = rte_jhash,
		.socket_id = socket_id,
		/* Guarantees every one of .entries fits, whatever the bucket collisions. */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	struct neigh_table *nt = rte_zmalloc_socket(name, sizeof(*nt), 0, socket_id);

	if (!nt)
		return NULL;
	nt->conf = *conf;
	if (!nt->conf.unresolved) /* no share set: the table is the only bound */
		nt->conf.unresolved = UINT32_MAX;
	nt->ops = *ops;
	nt->capacity = conf->entries;
	nt->held_max = neigh_held_max(conf);
	nt->index = rte_hash_create(&hp);
	nt->entries = rte_zmalloc_socket(name, sizeof(*nt->entries) * conf->entries, 0, socket_id);
	nt->pending = rte_zmalloc_socket(name, sizeof(void *) * conf->entries * (conf->pending + 1),
					 0, socket_id);
	if (!nt->index || !nt->entries || !nt->pending) {
		neigh_table_free(nt);
		rte_errno = ENOMEM;
		return NULL;
	}
	return nt;
}

/* Every deadline is set here, so that the table knows when it next has a timer due. */
static void entry_due(struct neigh_table *nt, struct neigh_entry *e, uint64_t deadline_ms)
{
	e->deadline_ms = deadline_ms;
	if (deadline_ms < nt->next_due_ms)
		nt->next_due_ms = deadline_ms;
}

static void **entry_pending(struct neigh_table *nt, uint32_t pos)
{
	return &nt->pending[(size_t)pos * (nt->conf.pending + 1)];
}

static void entry_drop_pending(struct neigh_table *nt, uint32_t pos)
{
	struct neigh_entry *e = &nt->entries[pos];
	void **slots = entry_pending(nt, pos);

	for (uint16_t i = 0; i < e->n_pending; i++)
		nt->ops.drop(nt->ops.ctx, slots[i]);
	nt->held -= e->n_pending;
	e->n_pending = 0;
}

static bool state_unresolved(uint8_t state)
{
	return state == NEIGH_INCOMPLETE || state == NEIGH_FAILED;
}

/* Every state change goes through here, so that the unresolved entries stay counted. */
static void entry_state(struct neigh_table *nt, struct neigh_entry *e, enum neigh_state state)
{
	nt->unresolved += (uint32_t)state_unresolved((uint8_t)state) -
			  (uint32_t)state_unresolved(e->state);
	e->state = (uint8_t)state;
}

static void entry_delete(struct neigh_table *nt, uint32_t pos)
{
	struct neigh_entry *e = &nt->entries[pos];

	nt->unresolved -= state_unresolved(e->state);
	entry_drop_pending(nt, pos);
	rte_hash_del_key(nt->index, &e->addr);
	e->in_use = 0;
	nt->used--;
}

void neigh_table_free(struct neigh_table *nt)
{
	if (!nt)
		return;
	if (nt->entries && nt->pending)
		for (uint32_t pos = 0; pos < nt->capacity; pos++)
			if (nt->entries[pos].in_use)
				entry_drop_pending(nt, pos);
	rte_hash_free(nt->index);
	rte_free(nt->entries);
	rte_free(nt->pending);
	rte_free(nt);
}

static int entry_find(const struct neigh_table *nt, const struct neigh_addr *addr)
{
	int32_t pos = rte_hash_lookup(nt->index, addr);

	return pos >= 0 && (uint32_t)pos < nt->capacity ? pos : -1;
}

static int entry_create(struct neigh_table *nt, const struct neigh_addr *addr, uint64_t now_ms)
{
	int32_t pos = rte_hash_add_key(nt->index, addr);
	struct neigh_entry *e;

	if (pos < 0)
		return -1;
	if ((uint32_t)pos >= nt->capacity) {
		rte_hash_del_key(nt->index, addr);
		return -1;
	}
	e = &nt->entries[pos];
	memset(e, 0, sizeof(*e));
	e->addr = *addr;
	e->in_use = 1;
	e->state = NEIGH_INCOMPLETE;
	nt->unresolved++; /* a new entry: the count did not hold it yet */
	e->confirmed_ms = now_ms;
	nt->used++;
	return pos;
}

static bool entry_enqueue(struct neigh_table *nt, uint32_t pos, void *pkt)
{
	struct neigh_entry *e = &nt->entries[pos];

	if (!pkt)
		return true;
	if (e->n_pending >= nt->conf.pending || nt->held >= nt->held_max)
		return false;
	entry_pending(nt, pos)[e->n_pending++] = pkt;
	nt->held++;
	return true;
}

/* A full table makes room for an address the data plane must send to: the entry least
 * lately confirmed among those that wait for nothing (stale, or failed with no frames
 * held) goes, as Linux's garbage collection takes one past gc_thresh3. Without it, a link
 * with more hosts than entries (clients, say, learned from their requests) would have
 * every new backend or gateway dropped until entries aged out. false: none to take. */
static bool evict_one(struct neigh_table *nt)
{
	uint32_t victim = UINT32_MAX;

	for (uint32_t pos = 0; pos < nt->capacity; pos++) {
		const struct neigh_entry *e = &nt->entries[pos];

		if (e->in_use && (e->state == NEIGH_STALE ||
				  (e->state == NEIGH_FAILED && e->n_pending == 0)) &&
		    (victim == UINT32_MAX || e->confirmed_ms < nt->entries[victim].confirmed_ms))
			victim = pos;
	}
	if (victim == UINT32_MAX)
		return false;
	entry_delete(nt, victim);
	return true;
}

static enum neigh_result resolve_new(struct neigh_table *nt, const struct neigh_addr *addr,
				     uint64_t now_ms, void *pkt)
{
	int pos;

	/* Addresses that never answer (a scan of an allow-listed prefix through mangled
	 * names, say) may take only a share of the table. */
	if (nt->unresolved >= nt->conf.unresolved)
		return NEIGH_LIMITED;
	pos = entry_create(nt, addr, now_ms);
	if (pos < 0 && nt->used >= nt->capacity && evict_one(nt))
		pos = entry_create(nt, addr, now_ms);

	if (pos < 0)
		return NEIGH_DROPPED;
	nt->entries[pos].probes = 1;
	entry_due(nt, &nt->entries[pos], now_ms + nt->conf.retry_ms);
	/* No room to hold the frame (or pending = 0): asked all the same, or the neighbour
	 * would never be learned; the sender's own timer sends again. */
	return entry_enqueue(nt, (uint32_t)pos, pkt) ? NEIGH_QUEUED_REQUEST : NEIGH_REQUEST;
}

enum neigh_result neigh_resolve_addr(struct neigh_table *nt, const struct neigh_addr *addr,
				     uint64_t now_ms, void *pkt, struct rte_ether_addr *mac)
{
	int pos = entry_find(nt, addr);
	struct neigh_entry *e;

	if (pos < 0)
		return resolve_new(nt, addr, now_ms, pkt);
	e = &nt->entries[pos];
	switch ((enum neigh_state)e->state) {
	case NEIGH_REACHABLE:
	case NEIGH_PROBE:
		*mac = e->mac;
		return NEIGH_HIT;
	case NEIGH_STALE:
		*mac = e->mac;
		entry_state(nt, e, NEIGH_PROBE);
		e->probes = 1;
		e->has_candidate = 0;
		entry_due(nt, e, now_ms + nt->conf.retry_ms);
		return NEIGH_HIT_PROBE;
	case NEIGH_INCOMPLETE:
		return entry_enqueue(nt, (uint32_t)pos, pkt) ? NEIGH_QUEUED : NEIGH_DROPPED;
	case NEIGH_FAILED:
	default:
		return NEIGH_DROPPED;
	}
}

/* The entry at pos is at mac, as of now: reachable, and its waiting packets go out. */
static void entry_confirm(struct neigh_table *nt, uint32_t pos, const struct rte_ether_addr *mac,
			  uint64_t now_ms)
{
	struct neigh_entry *e = &nt->entries[pos];
	void **slots = entry_pending(nt, pos);

	e->mac = *mac;
	entry_state(nt, e, NEIGH_REACHABLE);
	e->probes = 0;
	e->has_candidate = 0;
	e->confirmed_ms = now_ms;
	entry_due(nt, e, now_ms + nt->conf.reachable_ms);
	for (uint16_t i = 0; i < e->n_pending; i++)
		nt->ops.flush(nt->ops.ctx, slots[i], mac);
	nt->held -= e->n_pending;
	e->n_pending = 0;
}

bool neigh_known_addr(const struct neigh_table *nt, const struct neigh_addr *addr)
{
	return entry_find(nt, addr) >= 0;
}

/* Whether e holds a MAC (answered, perhaps being confirmed again). */
static bool entry_has_mac(const struct neigh_entry *e)
{
	return e->state == NEIGH_REACHABLE || e->state == NEIGH_STALE || e->state == NEIGH_PROBE;
}

bool neigh_holds_addr(const struct neigh_table *nt, const struct neigh_addr *addr,
		      const struct rte_ether_addr *mac)
{
	int pos = entry_find(nt, addr);

	return pos >= 0 && entry_has_mac(&nt->entries[pos]) &&
	       rte_is_same_ether_addr(&nt->entries[pos].mac, mac);
}

enum neigh_learn_result neigh_learn_addr(struct neigh_table *nt, const struct neigh_addr *addr,
					 const struct rte_ether_addr *mac, uint64_t now_ms,
					 bool for_us)
{
	int pos = entry_find(nt, addr);
	struct neigh_entry *e;
	bool has_mac;

	if (pos < 0) {
		/*
		 * Entries nobody here asked for (a peer's request, a reply we did not wait
		 * for) may fill half the table at most: the other half stays for the addresses
		 * the data plane resolves itself, so a flood of ARP from made-up senders can
		 * never keep it from resolving a backend or a gateway.
		 */
		if (!for_us || nt->used >= nt->capacity / 2 ||
		    (pos = entry_create(nt, addr, now_ms)) < 0)
			return NEIGH_LEARN_NONE;
		entry_confirm(nt, (uint32_t)pos, mac, now_ms);
		return NEIGH_LEARN_UPDATED;
	}
	e = &nt->entries[pos];
	has_mac = entry_has_mac(e);
	if (has_mac && !rte_is_same_ether_addr(&e->mac, mac)) {
		/*
		 * A MAC in use is never moved by a claim of another one alone: anybody on the
		 * link can send ARP, and the host behind the address keeps answering at its
		 * MAC. The claim is kept aside and the known MAC asked at once: taken only if
		 * the known one stays silent for the whole round (the host did move: a VRRP or
		 * floating-address failover announcing itself is followed in retries *
		 * retry_ms, not after reachable_ms more of frames to a dead MAC).
		 */
		if (e->state != NEIGH_PROBE) {
			entry_state(nt, e, NEIGH_PROBE);
			e->probes = 1;
			entry_due(nt, e, now_ms + nt->conf.retry_ms);
			nt->ops.send_request(nt->ops.ctx, &e->addr);
		}
		e->candidate = *mac;
		e->has_candidate = 1;
		return NEIGH_LEARN_CONFLICT;
	}
	/* No MAC known yet (or the last one failed): only ARP addressed to us fills it in. */
	if (!has_mac && !for_us)
		return NEIGH_LEARN_NONE;
	entry_confirm(nt, (uint32_t)pos, mac, now_ms);
	return NEIGH_LEARN_UPDATED;
}

/* One entry's timer fired. Returns true when the entry should be deleted. */
static bool entry_expire(struct neigh_table *nt, struct neigh_entry *e, uint32_t pos,
			 uint64_t now_ms)
{
	switch ((enum neigh_state)e->state) {
	case NEIGH_INCOMPLETE:
	case NEIGH_PROBE:
		if (e->probes < nt->conf.retries) {
			e->probes++;
			entry_due(nt, e, now_ms + nt->conf.retry_ms);
			nt->ops.send_request(nt->ops.ctx, &e->addr);
			return false;
		}
		if (e->has_candidate) {
			/* The known MAC never answered, another one did: the host moved. */
			struct rte_ether_addr from = e->mac;

			entry_confirm(nt, pos, &e->candidate, now_ms);
			if (nt->ops.moved)
				nt->ops.moved(nt->ops.ctx, &e->addr, &from, &e->mac);
			return false;
		}
		entry_drop_pending(nt, pos);
		entry_state(nt, e, NEIGH_FAILED);
		/* Hold the failure for one resolution round so a dead host is not hammered. */
		entry_due(nt, e, now_ms + (uint64_t)nt->conf.retry_ms * nt->conf.retries);
		return false;
	case NEIGH_REACHABLE:
		entry_state(nt, e, NEIGH_STALE);
		/* Forget unused stale entries after a while: the table stays bounded. */
		entry_due(nt, e, now_ms + 4 * (uint64_t)nt->conf.reachable_ms);
		return false;
	case NEIGH_STALE:
	case NEIGH_FAILED:
	default:
		return true;
	}
}

void neigh_age(struct neigh_table *nt, uint64_t now_ms)
{
	uint32_t left = nt->used;

	if (now_ms < nt->next_due_ms)
		return;
	/* The scan finds the next due time anew; a deadline its expiries set lowers it. */
	nt->next_due_ms = UINT64_MAX;
	for (uint32_t pos = 0; pos < nt->capacity && left > 0; pos++) {
		struct neigh_entry *e = &nt->entries[pos];

		if (!e->in_use)
			continue;
		left--;
		if (now_ms >= e->deadline_ms && entry_expire(nt, e, pos, now_ms))
			entry_delete(nt, pos);
		else if (e->deadline_ms < nt->next_due_ms)
			nt->next_due_ms = e->deadline_ms;
	}
}

uint64_t neigh_next_due(const struct neigh_table *nt)
{
	return nt->next_due_ms;
}

unsigned int neigh_snapshot(const struct neigh_table *nt, uint64_t now_ms,
			    struct neigh_info *out, unsigned int max)
{
	unsigned int n = 0;

	/* Past the last entry in use, nothing: a worker answers this between bursts, and a
	 * table of a million entries holding a few is not walked whole. */
	for (uint32_t pos = 0, left = nt->used; pos < nt->capacity && n < max && left; pos++) {
		const struct neigh_entry *e = &nt->entries[pos];

		if (!e->in_use)
			continue;
		left--;
		out[n].addr = e->addr;
		out[n].state = (enum neigh_state)e->state;
		out[n].mac = e->mac;
		out[n].n_pending = e->n_pending;
		out[n].age_ms = now_ms - e->confirmed_ms;
		n++;
	}
	return n;
}

unsigned int neigh_count(const struct neigh_table *nt)
{
	return nt->used;
}

unsigned int neigh_unresolved(const struct neigh_table *nt)
{
	return nt->unresolved;
}
