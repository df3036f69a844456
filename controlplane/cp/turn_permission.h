/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The permissions of a TURN allocation (RFC 8656 9): which peers are asked for, one
 * CreatePermission for all of them every TURN_PERMISSION_REFRESH_MS, and what a refusal
 * does. A 403 for several peers (one the server forbids fails the whole request) has each
 * asked alone from then on, and a peer refused alone is left out of that round (asked
 * again at the next), so that the others keep their permissions; any other refusal is
 * asked again soon, backing off (asked alone, the round goes on to the other peers first,
 * and the next comes that soon). The TURN client keeps one per allocation and sends what
 * it says; this module sends nothing itself.
 */
#ifndef TURN_PERMISSION_H
#define TURN_PERMISSION_H

#include <stdbool.h>
#include <stdint.h>

#include "mr_config.h"
#include "stun_msg.h"

#define TURN_PERMISSION_REFRESH_MS 120000 /* permissions last 300 s (RFC 8656 9) */
#define TURN_PERMISSION_LIFETIME_MS 300000
#define TURN_RETRY_MS 5000              /* a refused Refresh or CreatePermission: asked
					 * again this soon (doubling while refused) */

struct turn_perm {
	struct stun_addr peers[MR_TURN_MAX_PEERS]; /* of the relayed address's family (RFC
				      * 8656 9.1: one of the other fails the request) */
	unsigned int n_peers;
	unsigned int n_asked;        /* peers not forbidden this round: 0, nothing to ask */
	uint32_t forbidden;          /* peers (bit per index) refused with 403 asked alone:
				      * left out until the round's end */
	bool alone;                  /* a 403 came for several peers: each is asked alone */
	unsigned int next;           /* ... and this one is asked next */
	unsigned int refusals;       /* CreatePermissions refused in a row (not 403) */
	bool round_failed;           /* a peer asked alone was refused (not 403) this round:
				      * the next round comes after the back-off */
	int64_t due_ms;              /* the next CreatePermission is due */
	int64_t granted_until_ms;    /* the last permission granted lapses (0: none yet) */
	const char *server;          /* the TURN server's name, for the log */
};

/* A new allocation, its peers (n of them, all of one family) to be asked for at now_ms. */
void turn_perm_reset(struct turn_perm *p, const char *server, const struct stun_addr *peers,
		     unsigned int n, int64_t now_ms);

/* The XOR-PEER-ADDRESS attributes of the CreatePermission to send now. */
void turn_perm_put_peers(const struct turn_perm *p, struct stun_builder *b);

/* The CreatePermission sent succeeded at now_ms: due_ms set for the next, and what it
 * granted holds for TURN_PERMISSION_LIFETIME_MS. */
void turn_perm_answered(struct turn_perm *p, int64_t now_ms);

/* The CreatePermission sent was refused with m (not 401, 437 or 438, which the client
 * handles): due_ms and the peers asked for set accordingly. */
void turn_perm_refused(struct turn_perm *p, const struct stun_msg *m, int64_t now_ms);

#endif
