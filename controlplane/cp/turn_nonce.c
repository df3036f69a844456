/* SPDX-License-Identifier: BSD-3-Clause */
#include "turn_nonce.h"

void turn_nonce_taken(struct turn_nonce_life *n, int64_t now_ms, bool stale)
{
	if (stale && n->taken_ms) {
		int64_t lived = now_ms - n->taken_ms;               /* at most this */
		int64_t sure = n->ok_ms ? n->ok_ms - n->taken_ms : 0; /* longer than this */

		if (n->hi_ms == 0 || sure >= n->hi_ms || lived <= n->lo_ms) {
			/* The first one seen stale, or one the interval cannot hold (the server's
			 * setting changed, or a bind made it renew early): start again from it. */
			n->lo_ms = sure;
			n->hi_ms = lived;
		} else {
			n->lo_ms = sure > n->lo_ms ? sure : n->lo_ms;
			n->hi_ms = lived < n->hi_ms ? lived : n->hi_ms;
		}
	}
	n->taken_ms = now_ms;
	n->ok_ms = 0;
}

void turn_nonce_ok(struct turn_nonce_life *n, int64_t now_ms)
{
	int64_t age = now_ms - n->taken_ms;

	n->ok_ms = now_ms;
	if (n->hi_ms == 0 || age < n->hi_ms)
		return;
	/* Alive past the interval's end. Just past the lower bound, the nonce was made a
	 * little before the server's clock ticked over (it counts whole seconds): the end
	 * moves up by the precision. Well past it, the server's nonces live longer now (or
	 * no longer go stale): unknown again until the next 438, and not tested meanwhile. */
	if (age - n->lo_ms < 3 * TURN_NONCE_PRECISION_MS) {
		n->hi_ms = age + TURN_NONCE_PRECISION_MS;
	} else {
		n->lo_ms = 0;
		n->hi_ms = 0;
	}
}

int64_t turn_nonce_test_ms(const struct turn_nonce_life *n)
{
	int64_t lo, step, age;

	if (n->hi_ms == 0 || n->taken_ms == 0)
		return INT64_MAX;
	/* Up from the lower bound (or a success of this nonce past it) in steps that double
	 * with each success, never past the middle of what is still unknown: the 438 that
	 * ends the nonce then leaves an interval no wider than the last step. A lifetime just
	 * past the bound (a steady server) is pinned down by the first step. Once the
	 * interval is that narrow, the test is at its end. */
	lo = n->ok_ms && n->ok_ms - n->taken_ms > n->lo_ms ? n->ok_ms - n->taken_ms : n->lo_ms;
	if (n->hi_ms - lo <= TURN_NONCE_PRECISION_MS) {
		age = n->hi_ms + TURN_NONCE_SLACK_MS;
	} else {
		step = lo - n->lo_ms > TURN_NONCE_PRECISION_MS ? lo - n->lo_ms
							       : TURN_NONCE_PRECISION_MS;
		age = lo + (step < (n->hi_ms - lo) / 2 ? step : (n->hi_ms - lo) / 2);
	}
	if (age < TURN_NONCE_MIN_TEST_MS)
		age = TURN_NONCE_MIN_TEST_MS;
	return n->taken_ms + age;
}
