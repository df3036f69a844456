/* SPDX-License-Identifier: BSD-3-Clause */
#include "flow_wheel.h"

#include <string.h>

#include <rte_common.h>
#include <rte_malloc.h>

/* A flow first in its list keeps, in place of a previous flow, which list heads it: a
 * slot (HEAD | slot) or the run (HEAD | FLOW_WHEEL_SLOTS). Flow indices stay below 2^24
 * (the most flows a table may hold), so the two never meet; FLOW_LINK_NONE is neither. */
#define HEAD 0x80000000u
#define HEAD_RUN (HEAD | FLOW_WHEEL_SLOTS)
#define SLOT_MASK (FLOW_WHEEL_SLOTS - 1)

/* The busy bits are plain words rather than an rte_bitmap: a run looks for the next set
 * bit from a given slot, where rte_bitmap scans from a position of its own. */
#define BUSY_BYTES (FLOW_WHEEL_SLOTS / 8)

int flow_wheel_init(struct flow_wheel *wh, const char *name, int socket_id)
{
	size_t slot_bytes = sizeof(uint32_t) * FLOW_WHEEL_SLOTS;

	memset(wh, 0, sizeof(*wh));
	wh->slot = rte_malloc_socket(name, slot_bytes, RTE_CACHE_LINE_SIZE, socket_id);
	wh->busy = rte_zmalloc_socket(name, BUSY_BYTES, RTE_CACHE_LINE_SIZE, socket_id);
	wh->closing = rte_zmalloc_socket(name, BUSY_BYTES, RTE_CACHE_LINE_SIZE, socket_id);
	if (!wh->slot || !wh->busy || !wh->closing) {
		flow_wheel_free(wh);
		return -1;
	}
	memset(wh->slot, 0xff, slot_bytes); /* FLOW_LINK_NONE everywhere */
	wh->run_head = FLOW_LINK_NONE;
	return 0;
}

void flow_wheel_free(struct flow_wheel *wh)
{
	rte_free(wh->slot);
	rte_free(wh->busy);
	rte_free(wh->closing);
	memset(wh, 0, sizeof(*wh));
}

size_t flow_wheel_bytes(void)
{
	return sizeof(uint32_t) * FLOW_WHEEL_SLOTS + 2 * BUSY_BYTES;
}

static inline void bit_set(uint64_t *bits, uint32_t slot)
{
	bits[slot >> 6] |= (uint64_t)1 << (slot & 63);
}

static inline void bit_clear(uint64_t *bits, uint32_t slot)
{
	bits[slot >> 6] &= ~((uint64_t)1 << (slot & 63));
}

/* How many slots from slot on to the first whose bit is set (at most to the end of its
 * word: the caller steps on); *set whether it is one. */
static inline uint32_t bit_step(const uint64_t *bits, uint32_t slot, bool *set)
{
	uint64_t ahead = bits[slot >> 6] >> (slot & 63);

	*set = ahead != 0;
	return ahead ? (uint32_t)rte_bsf64(ahead) : 64 - (slot & 63);
}

/* The list head a link value HEAD | n names. */
static inline uint32_t *head_of(struct flow_wheel *wh, uint32_t link)
{
	return link == HEAD_RUN ? &wh->run_head : &wh->slot[link & SLOT_MASK];
}

/* Put f first in the list whose head is *head, named by link. */
static inline void push(struct flow *flows, uint32_t *head, uint32_t link, struct flow *f)
{
	f->wheel_prev = link;
	f->wheel_next = *head;
	if (*head != FLOW_LINK_NONE)
		flows[*head].wheel_prev = f->index;
	*head = f->index;
}

void flow_wheel_add(struct flow_wheel *wh, struct flow *flows, struct flow *f, uint32_t at_ms)
{
	uint32_t slot;

	if (wh->started && flow_time_before(at_ms, wh->next_ms))
		at_ms = wh->next_ms;
	slot = at_ms & SLOT_MASK;
	push(flows, &wh->slot[slot], HEAD | slot, f);
	bit_set(wh->busy, slot);
	if (flow_reclaimable(f))
		bit_set(wh->closing, slot);
}

void flow_wheel_del(struct flow_wheel *wh, struct flow *flows, struct flow *f)
{
	uint32_t prev = f->wheel_prev, next = f->wheel_next;

	if (prev == FLOW_LINK_NONE)
		return;
	if (prev & HEAD) {
		*head_of(wh, prev) = next;
		if (next == FLOW_LINK_NONE && prev != HEAD_RUN)
			bit_clear(wh->busy, prev & SLOT_MASK); /* its slot's last flow */
	} else {
		flows[prev].wheel_next = next;
	}
	if (next != FLOW_LINK_NONE)
		flows[next].wheel_prev = prev;
	f->wheel_prev = f->wheel_next = FLOW_LINK_NONE;
}

/* Run the slot of ms: its flows are taken off the wheel as a whole first, so that fn may
 * add, move or end any flow (one of those not yet looked at among them too). What fn puts
 * at ms or before goes to ms + 1, still in this run; but the flow fn was called for, left
 * due, waits for the next run. */
static void run_slot(struct flow_wheel *wh, struct flow *flows, uint32_t ms, uint32_t now_ms,
		     flow_wheel_fn fn, void *ctx)
{
	uint32_t *slot = &wh->slot[ms & SLOT_MASK];

	wh->next_ms = ms + 1;
	wh->run_head = *slot;
	*slot = FLOW_LINK_NONE;
	bit_clear(wh->busy, ms & SLOT_MASK);
	bit_clear(wh->closing, ms & SLOT_MASK);
	if (wh->run_head != FLOW_LINK_NONE)
		flows[wh->run_head].wheel_prev = HEAD_RUN;
	while (wh->run_head != FLOW_LINK_NONE) {
		struct flow *f = &flows[wh->run_head];

		flow_wheel_del(wh, flows, f);
		if (flow_time_before(now_ms, flow_deadline(f))) {
			/* Its deadline moved on, or lies a revolution or more ahead. */
			flow_wheel_add(wh, flows, f, flow_deadline(f));
			continue;
		}
		fn(ctx, f);
		if (f->state == FLOW_FREE ||
		    (flow_wheel_linked(f) && flow_time_before(now_ms, flow_deadline(f))))
			continue;
		flow_wheel_del(wh, flows, f);
		flow_wheel_add(wh, flows, f,
			       flow_time_before(now_ms, flow_deadline(f)) ? flow_deadline(f)
									   : now_ms + 1);
	}
}

void flow_wheel_run(struct flow_wheel *wh, struct flow *flows, uint32_t now_ms,
		    flow_wheel_fn fn, void *ctx)
{
	uint32_t ms = wh->next_ms;

	/* The clock only moves on: any time but the last one run is new, not one a modular
	 * compare would read as earlier. (Deadlines are compared modulo 2^32 all the same: the
	 * clock must move less than 2^31 ms between runs, as dp_clock_step sees to.) */
	if (wh->started && now_ms + 1 == ms)
		return;
	/* A whole revolution looks at every flow: after a long stall, and on the first run,
	 * which finds each flow added before it in the slot of its own deadline. */
	if (!wh->started || now_ms - ms >= FLOW_WHEEL_SLOTS)
		ms = now_ms - (FLOW_WHEEL_SLOTS - 1);
	wh->started = true;
	for (;;) {
		uint32_t left = now_ms - ms; /* slots after ms to run */
		bool ahead;
		uint32_t step = bit_step(wh->busy, ms & SLOT_MASK, &ahead);

		if (step > left)
			break; /* no flow waits in the rest of the run */
		ms += step;
		if (!ahead)
			continue;
		run_slot(wh, flows, ms, now_ms, fn, ctx);
		if (ms++ == now_ms)
			break;
	}
	/* A flow due by now that this run did not end waits in now_ms + 1's slot: a slot this
	 * run has passed, or one it did not reach. */
	wh->next_ms = now_ms + 1;
}

uint32_t flow_wheel_visit(const struct flow_wheel *wh, struct flow *flows, uint32_t max,
			  void (*fn)(void *ctx, struct flow *f), void *ctx)
{
	uint32_t ms = wh->next_ms, visited = 0;

	for (uint32_t passed = 0; passed < FLOW_WHEEL_SLOTS && visited < max;) {
		bool busy;
		uint32_t step = bit_step(wh->busy, ms & SLOT_MASK, &busy);

		ms += step;
		passed += step;
		if (!busy)
			continue;
		for (uint32_t i = wh->slot[ms & SLOT_MASK]; i != FLOW_LINK_NONE && visited < max;
		     i = flows[i].wheel_next, visited++)
			fn(ctx, &flows[i]);
		ms++;
		passed++;
	}
	return visited;
}

struct flow *flow_wheel_find_closing(struct flow_wheel *wh, struct flow *flows,
				     uint32_t max_looked)
{
	uint32_t ms = wh->next_ms, looked = 0;

	/* One revolution at most, stepping over slots that hold no closing flow. */
	for (uint32_t passed = 0; passed < FLOW_WHEEL_SLOTS && looked < max_looked;) {
		bool marked;
		uint32_t step = bit_step(wh->closing, ms & SLOT_MASK, &marked), i;

		ms += step;
		passed += step;
		if (!marked)
			continue;
		for (i = wh->slot[ms & SLOT_MASK]; i != FLOW_LINK_NONE && looked < max_looked;
		     i = flows[i].wheel_next, looked++)
			if (flow_reclaimable(&flows[i]))
				return &flows[i];
		if (i == FLOW_LINK_NONE) /* all looked at: none is closing any more */
			bit_clear(wh->closing, ms & SLOT_MASK);
		ms++;
		passed++;
	}
	return NULL;
}
