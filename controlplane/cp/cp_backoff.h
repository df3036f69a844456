/* SPDX-License-Identifier: BSD-3-Clause */
/* Reconnection delays of meshrelay-cp: 100 ms, doubling each failure, at most 5 s (or the
 * cap the owner sets). */
#ifndef CP_BACKOFF_H
#define CP_BACKOFF_H

#include <stdint.h>

#define CP_BACKOFF_FIRST_MS 100
#define CP_BACKOFF_MAX_MS 5000

struct cp_backoff {
	uint32_t next_ms;
	uint32_t max_ms;    /* cap of the delays; 0: CP_BACKOFF_MAX_MS */
};

/* Start over at the first delay and the default cap (after a successful connection). */
void cp_backoff_reset(struct cp_backoff *b);

/* The delay to wait before the next attempt; the one after it is twice as long, capped. */
uint32_t cp_backoff_next(struct cp_backoff *b);

/* delay_ms moved by up to a fifth either way, at random: peers that lost one server at
 * once do not all come back to it in step. */
uint32_t cp_backoff_spread(uint32_t delay_ms);

#endif
