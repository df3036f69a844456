/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A TURN client's long-term credentials (RFC 8489 9.2): the challenge a 401 or 438 brings
 * (realm, nonce, the password algorithms offered), the attributes that sign a request
 * (MESSAGE-INTEGRITY-SHA256 where offered with the nonce cookie, else MESSAGE-INTEGRITY),
 * and the check of an answer's integrity. Also the ConnectionBind of an RFC 6062 data
 * connection, signed the same way (turn_client.h declares it). The turn_client's
 * authed, realm, nonce, key and algorithm fields are this module's.
 */
#ifndef TURN_AUTH_H
#define TURN_AUTH_H

#include <stdbool.h>

#include "stun_msg.h"
#include "turn_client.h"

/* A 401 or 438 answer m: its realm, nonce and algorithms taken, the key derived; false
 * (nothing changed) when they are unusable. */
bool turn_auth_take_challenge(struct turn_client *t, const struct stun_msg *m);

/* USERNAME, REALM, NONCE and the integrity the server asked for, then FINGERPRINT; nothing
 * before the first challenge (a server that never asks gets requests unsigned). */
void turn_auth_put(const struct turn_client *t, struct stun_builder *b);

/* Whether answer m carries the integrity the credentials give (true before the first
 * challenge: nothing to check against). */
bool turn_auth_integrity_ok(const struct turn_client *t, const struct stun_msg *m);

#endif
