/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow table's timers: a wheel of one slot per millisecond of the worker clock, a
 * revolution of about 65 s. Every flow in use waits in one slot, doubly linked through its
 * wheel_prev/wheel_next, no later than its deadline (flow_deadline: its expiry or an
 * earlier retransmission). A deadline may move later without the flow moving (the burst
 * path pushes the idle deadline once per burst): the flow is looked at in its old slot
 * and goes on to its new one. So timer work follows the flows whose time comes, not the
 * size of the table; a deadline beyond one revolution costs one look per turn, and empty
 * slots are stepped over 64 at a time (a bit per slot says which hold flows). One
 * lcore's (the flow table's owner); flow.c is its only user.
 */
#ifndef FLOW_WHEEL_H
#define FLOW_WHEEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow_entry.h"

#define FLOW_WHEEL_BITS 16
#define FLOW_WHEEL_SLOTS (1u << FLOW_WHEEL_BITS)

struct flow_wheel {
	uint32_t *slot;          /* FLOW_WHEEL_SLOTS first flows, FLOW_LINK_NONE when empty */
	uint64_t *busy;          /* a bit per slot, set while it holds a flow: a run steps
				  * over 64 empty milliseconds at once */
	uint64_t *closing;       /* a bit per slot that may hold a FLOW_CLOSING flow: set as
				  * one goes in, cleared as the slot runs or is found to
				  * hold none (so a full table's search passes the rest) */
	uint32_t next_ms;        /* the first millisecond whose slot has not run: no flow
				  * goes into an earlier one (once started) */
	uint32_t run_head;       /* the slot being run, taken off the wheel */
	bool started;            /* it has run: before, no slot has passed and next_ms means
				  * nothing */
};

/* Called for each flow whose deadline has come, off the wheel. */
typedef void (*flow_wheel_fn)(void *ctx, struct flow *f);

/* An empty wheel on a socket. 0, or -1 when out of memory. */
int flow_wheel_init(struct flow_wheel *wh, const char *name, int socket_id);

/* Release its memory (a zeroed or initialised wheel). */
void flow_wheel_free(struct flow_wheel *wh);

/* Bytes a wheel holds. */
size_t flow_wheel_bytes(void);

/* Whether f waits on the wheel. */
static inline bool flow_wheel_linked(const struct flow *f)
{
	return f->wheel_prev != FLOW_LINK_NONE;
}

/* Put f (not on the wheel) in the slot of at_ms, or of next_ms when at_ms has run (or, in
 * a run, is at or before the slot being run). Before the first run every flow goes in
 * the slot of its own at_ms. A FLOW_CLOSING flow marks its slot. */
void flow_wheel_add(struct flow_wheel *wh, struct flow *flows, struct flow *f, uint32_t at_ms);

/* Take f off the wheel (no-op when it is not on it). */
void flow_wheel_del(struct flow_wheel *wh, struct flow *flows, struct flow *f);

/* Run the slots of every millisecond up to now_ms (one revolution at most, however long
 * since the last run): fn(ctx, f) for each flow whose deadline has come, taken off the
 * wheel first; one whose deadline moved later goes on to its slot. After fn, f goes back
 * at its deadline if still in use, or to the next run's slot if still due: fn sees a flow
 * at most once a run. Other flows fn adds or moves come in this run if due by now_ms. */
void flow_wheel_run(struct flow_wheel *wh, struct flow *flows, uint32_t now_ms,
		    flow_wheel_fn fn, void *ctx);

/* fn(ctx, f) for the flows on the wheel, soonest deadline's slot first, max of them at most:
 * the slots that hold none are stepped over 64 at a time, so the cost follows the flows
 * visited, not the table. fn must not change the wheel. How many were visited. */
uint32_t flow_wheel_visit(const struct flow_wheel *wh, struct flow *flows, uint32_t max,
			  void (*fn)(void *ctx, struct flow *f), void *ctx);

/* The first FLOW_CLOSING flow in the order the runs will come to them (the slots from
 * the next to run, those marked as holding one only; a flow waits in its deadline's slot
 * or an earlier one), having looked at no more than max_looked flows; NULL when none.
 * Not the run's own list. Marks found stale are cleared. */
struct flow *flow_wheel_find_closing(struct flow_wheel *wh, struct flow *flows,
				     uint32_t max_looked);

#endif
