/* SPDX-License-Identifier: BSD-3-Clause */
#include "gen_wheel.h"

#include <stdlib.h>

int gen_wheel_init(struct gen_wheel *w, uint32_t n, uint64_t tick_len)
{
	w->next = calloc(n + 1, sizeof(*w->next));
	w->in = calloc(n + 1, 1);
	w->tick_len = tick_len ? tick_len : 1;
	w->done = 0;
	for (uint32_t i = 0; i < GEN_WHEEL_SLOTS; i++)
		w->head[i] = GEN_WHEEL_NONE;
	if (w->next && w->in)
		return 0;
	gen_wheel_free(w);
	return -1;
}

void gen_wheel_free(struct gen_wheel *w)
{
	free(w->next);
	free(w->in);
	w->next = NULL;
	w->in = NULL;
}

void gen_wheel_insert(struct gen_wheel *w, uint32_t idx, uint64_t deadline)
{
	uint64_t tick = deadline / w->tick_len;
	uint32_t slot;

	if (w->in[idx])
		return;
	slot = (uint32_t)((tick < w->done ? w->done : tick) % GEN_WHEEL_SLOTS);
	w->in[idx] = 1;
	w->next[idx] = w->head[slot];
	w->head[slot] = idx;
}

void gen_wheel_expire(struct gen_wheel *w, uint64_t now, void (*due)(void *arg, uint32_t idx),
		      void *arg)
{
	uint64_t tick = now / w->tick_len;

	/* Visited as its tick began, a slot would find most of its deadlines still ahead,
	 * and put them back into itself, to wait a whole turn of the wheel. At most one
	 * turn: every slot once. */
	for (uint32_t n = 0; w->done < tick && n < GEN_WHEEL_SLOTS; n++, w->done++) {
		uint32_t slot = (uint32_t)(w->done % GEN_WHEEL_SLOTS);
		uint32_t idx = w->head[slot];

		w->head[slot] = GEN_WHEEL_NONE;
		while (idx != GEN_WHEEL_NONE) {
			uint32_t next = w->next[idx];

			w->in[idx] = 0;
			due(arg, idx);
			idx = next;
		}
	}
	if (w->done < tick)
		w->done = tick;
}
