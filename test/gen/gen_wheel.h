/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The generator's timer wheel: GEN_WHEEL_SLOTS ticks over entries 0..n-1 (its halves).
 * An entry joins the slot of its deadline's tick; a slot is visited once its tick is
 * over, when every deadline in it has passed. A later deadline or a disarm is the
 * owner's to notice at the visit (lazy removal: the hot path never unlinks).
 */
#ifndef MR_GEN_WHEEL_H
#define MR_GEN_WHEEL_H

#include <stdint.h>

#define GEN_WHEEL_SLOTS 256u /* 1 ms each: longer than the generator's RTO */
#define GEN_WHEEL_NONE UINT32_MAX

struct gen_wheel {
	uint32_t head[GEN_WHEEL_SLOTS]; /* first entry per slot */
	uint32_t *next;                 /* per entry: the next in its slot */
	uint8_t *in;                    /* per entry: 1 while in a slot */
	uint64_t tick_len;              /* clock units per tick */
	uint64_t done;                  /* ticks below this were visited */
};

/* A wheel for n entries, ticks of tick_len clock units (at least 1). 0, or -1 out of
 * memory. */
int gen_wheel_init(struct gen_wheel *w, uint32_t n, uint64_t tick_len);

/* Its memory given back. */
void gen_wheel_free(struct gen_wheel *w);

/* Entry idx joins the slot of deadline (one already in a slot stays where it is); a
 * deadline in a tick already visited joins the next to be. */
void gen_wheel_insert(struct gen_wheel *w, uint32_t idx, uint64_t deadline);

/* Visit every tick over by now: due(arg, idx) for each entry of its slot, taken out
 * first (due may insert it again). */
void gen_wheel_expire(struct gen_wheel *w, uint64_t now, void (*due)(void *arg, uint32_t idx),
		      void *arg);

#endif
