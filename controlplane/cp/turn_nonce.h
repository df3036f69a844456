/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * How long a TURN server's nonces live, learned from its 438 (Stale Nonce) answers, and
 * when a request should next test the nonce held. A server may let a nonce go stale at
 * any time (RFC 8489 9.2.4); coturn's --stale-nonce does so a fixed time after it made
 * one. The data plane's ConnectionBinds are signed with the nonce this control
 * connection holds, and a bind answered 438 loses its peer's connection (the server lets
 * the connection id go with its answer): so the control connection should be the first to
 * meet each stale nonce, right after it went stale, not at its next scheduled request
 * minutes later. Each 438 narrows the interval the lifetime lies in (longer than the age
 * of the last success, at most the age at the 438); a test at its middle halves it, until
 * the test is made at the interval's end, within TURN_NONCE_PRECISION_MS of the expiry.
 * Pure logic over the times it is given: the TURN client (turn_client.h) owns one.
 */
#ifndef TURN_NONCE_H
#define TURN_NONCE_H

#include <stdbool.h>
#include <stdint.h>

/* The interval narrowed down to this is tested at its end (coturn counts in seconds). */
#define TURN_NONCE_PRECISION_MS 1000
/* Tested this long past the interval's end: a server's clock and ours tick apart. */
#define TURN_NONCE_SLACK_MS 250
/* Never tested sooner than this after it was taken: a server whose nonces seem to live
 * no time is not asked in a loop. */
#define TURN_NONCE_MIN_TEST_MS 1000

struct turn_nonce_life {
	int64_t taken_ms;  /* the nonce held was taken (a 401 or 438 answer); 0: none */
	int64_t ok_ms;     /* a request signed with it last succeeded; 0: not yet */
	int64_t lo_ms;     /* nonces live longer than this ... */
	int64_t hi_ms;     /* ... and at most this; 0: none went stale yet (unknown) */
};

/* A new nonce taken at now_ms (from a 401 or 438 answer); stale: a 438 to a request
 * signed with the one held before, which narrows the lifetime's interval. */
void turn_nonce_taken(struct turn_nonce_life *n, int64_t now_ms, bool stale);

/* A request signed with the nonce held succeeded at now_ms. */
void turn_nonce_ok(struct turn_nonce_life *n, int64_t now_ms);

/* When a request should test the nonce held (it may have gone stale by then); INT64_MAX
 * while no nonce of this server was seen to go stale. */
int64_t turn_nonce_test_ms(const struct turn_nonce_life *n);

#endif
