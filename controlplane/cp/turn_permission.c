/* SPDX-License-Identifier: BSD-3-Clause */
#include "turn_permission.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "mr_log.h"

/* Whether peer i is asked for this round. */
static bool asked(const struct turn_perm *p, unsigned int i)
{
	return !(p->forbidden & (1u << i));
}

/* The first peer asked for from index i on, or n_peers when none is left. */
static unsigned int asked_from(const struct turn_perm *p, unsigned int i)
{
	while (i < p->n_peers && !asked(p, i))
		i++;
	return i;
}

/* A new round: every peer asked for, none forbidden. */
static void round_start(struct turn_perm *p)
{
	p->forbidden = 0;
	p->n_asked = p->n_peers;
	p->next = 0;
	p->round_failed = false;
}

/* How long after a refusal (not 403) it is asked again: TURN_RETRY_MS doubling with
 * p's refusals in a row, at most TURN_PERMISSION_REFRESH_MS (the permissions given last
 * hold for 300 s). */
static int64_t backoff_ms(const struct turn_perm *p)
{
	int64_t delay = (int64_t)TURN_RETRY_MS << (p->refusals < 5 ? p->refusals : 5);

	return delay > TURN_PERMISSION_REFRESH_MS ? TURN_PERMISSION_REFRESH_MS : delay;
}

void turn_perm_reset(struct turn_perm *p, const char *server, const struct stun_addr *peers,
		     unsigned int n, int64_t now_ms)
{
	memset(p, 0, sizeof(*p));
	p->n_peers = n < MR_TURN_MAX_PEERS ? n : MR_TURN_MAX_PEERS;
	memcpy(p->peers, peers, p->n_peers * sizeof(p->peers[0]));
	p->server = server;
	p->due_ms = now_ms;
	round_start(p);
}

void turn_perm_put_peers(const struct turn_perm *p, struct stun_builder *b)
{
	for (unsigned int i = 0; i < p->n_peers; i++)
		if (asked(p, i) && (!p->alone || i == p->next))
			stun_put_xor_addr(b, STUN_ATTR_XOR_PEER_ADDRESS, &p->peers[i]);
}

/* A CreatePermission answered: asked alone, the next peer at once; else the round is
 * done until the next, which asks the peers forbidden in this one again (a server's
 * policy may change while the allocation lasts). */
static void round_next(struct turn_perm *p, int64_t now_ms)
{
	bool failed = p->round_failed;

	if (p->alone) {
		p->next = asked_from(p, p->next + 1);
		if (p->next < p->n_peers) {
			p->due_ms = now_ms;
			return;
		}
		round_start(p);
	}
	if (!failed)
		p->refusals = 0;
	p->due_ms = now_ms + (failed ? backoff_ms(p) : TURN_PERMISSION_REFRESH_MS);
}

void turn_perm_answered(struct turn_perm *p, int64_t now_ms)
{
	p->granted_until_ms = now_ms + TURN_PERMISSION_LIFETIME_MS;
	round_next(p, now_ms);
}

void turn_perm_refused(struct turn_perm *p, const struct stun_msg *m, int64_t now_ms)
{
	char peer[INET6_ADDRSTRLEN] = "?";
	int64_t delay;

	if (m->error_code == 403 && !p->alone && p->n_asked > 1) {
		mr_log(MR_LOG_WARN, "TURN %s: permission refused: 403 %s; asking for each peer "
		       "alone", p->server, m->reason);
		p->alone = true;
		p->next = asked_from(p, 0);
		p->due_ms = now_ms;
	} else if (m->error_code == 403 && p->next < p->n_peers) {
		inet_ntop(p->peers[p->next].family, p->peers[p->next].ip, peer, sizeof(peer));
		mr_log(MR_LOG_ERR, "TURN %s: peer %s forbidden by the server (403 %s): left out "
		       "until the next round", p->server, peer, m->reason);
		p->forbidden |= 1u << p->next;
		p->n_asked--;
		p->alone = true;
		round_next(p, now_ms);
	} else if (p->alone && p->next < p->n_peers) {
		/* The other peers asked first: waiting on this one, theirs would lapse. */
		inet_ntop(p->peers[p->next].family, p->peers[p->next].ip, peer, sizeof(peer));
		p->refusals++;
		p->round_failed = true;
		delay = backoff_ms(p);
		mr_log(MR_LOG_ERR, "TURN %s: permission for peer %s refused: %d %s; the other "
		       "peers asked first, and it again in %lld ms at most", p->server, peer,
		       m->error_code, m->reason, (long long)delay);
		p->forbidden |= 1u << p->next;
		p->n_asked--;
		round_next(p, now_ms);
	} else {
		/* The permissions given last time hold for 300 s: asked again soon, less
		 * often while the server keeps refusing. */
		delay = backoff_ms(p);
		p->refusals++;
		p->due_ms = now_ms + delay;
		mr_log(MR_LOG_ERR, "TURN %s: permission refused: %d %s; asked again in %lld ms",
		       p->server, m->error_code, m->reason, (long long)delay);
	}
}
