/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The permissions of a TURN allocation (RFC 8656 9): which configured peers are asked
 * for, one CreatePermission for all of them every TURN_PERMISSION_REFRESH_MS, and what a
 * refusal does. A 403 for several peers (one the server forbids fails the whole request)
 * has each asked alone from then on, and a peer refused alone is left out of that round
 * (asked again at the next), so that the others keep their permissions; any other
 * refusal is asked again soon, backing off.
 * The turn_client's perm_* fields are this module's; turn_client.c calls it.
 */
#ifndef TURN_PERMISSION_H
#define TURN_PERMISSION_H

#include <stdint.h>

#include "stun_msg.h"
#include "turn_client.h"

/* A new allocation (t->relayed set): every configured peer of its family is asked for. */
void turn_perm_reset(struct turn_client *t);

/* The XOR-PEER-ADDRESS attributes of the CreatePermission to send now. */
void turn_perm_put_peers(const struct turn_client *t, struct stun_builder *b);

/* The CreatePermission in flight succeeded at now_ms: permission_due_ms set for the next. */
void turn_perm_answered(struct turn_client *t, int64_t now_ms);

/* The CreatePermission in flight was refused with m (not 401, 437 or 438, which the
 * client handles): permission_due_ms and the peers asked for set accordingly. */
void turn_perm_refused(struct turn_client *t, const struct stun_msg *m, int64_t now_ms);

#endif
