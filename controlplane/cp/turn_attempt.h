/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 6062 ConnectionAttempt indications on a TURN client's control connection: passed to
 * its owner only when the server can have sent them (on the control connection of a TCP
 * allocation it holds, for a permitted peer); the others counted and ignored, logged at
 * the first and each power of two.
 */
#ifndef TURN_ATTEMPT_H
#define TURN_ATTEMPT_H

#include "turn_client.h"

/* An indication m on t's control connection: a ConnectionAttempt the server can have sent
 * goes to t->ev.connection_attempt; the rest is counted (attempts_refused) or, not a
 * ConnectionAttempt, ignored. */
void turn_attempt_indication(struct turn_client *t, const struct stun_msg *m);

#endif
