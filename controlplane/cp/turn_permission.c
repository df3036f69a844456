/* SPDX-License-Identifier: BSD-3-Clause */
#include "turn_permission.h"

#include "mr_log.h"

/* Whether configured peer i is one a permission is asked for (of the relayed address's
 * family, not forbidden by the server); its address in *peer. */
static bool perm_peer(const struct turn_client *t, unsigned int i, struct stun_addr *peer)
{
	return turn_addr_parse(t->conf.peers[i], 0, peer) == 0 &&
	       peer->family == t->relayed.family && !(t->perm_forbidden & (1u << i));
}

/* The first peer asked for from index i on, or conf.n_peers when none is left. */
static unsigned int perm_peer_from(const struct turn_client *t, unsigned int i)
{
	struct stun_addr peer;

	while (i < t->conf.n_peers && !perm_peer(t, i, &peer))
		i++;
	return i;
}

/* Every configured peer of the relayed address's family counted, none forbidden. */
static void peers_count(struct turn_client *t)
{
	struct stun_addr peer;

	t->perm_forbidden = 0;
	t->n_perm_peers = 0;
	for (unsigned int i = 0; i < t->conf.n_peers; i++)
		t->n_perm_peers += perm_peer(t, i, &peer);
	t->perm_next = perm_peer_from(t, 0);
}

void turn_perm_reset(struct turn_client *t)
{
	t->perm_alone = false;
	t->perm_refusals = 0;
	peers_count(t);
}

void turn_perm_put_peers(const struct turn_client *t, struct stun_builder *b)
{
	for (unsigned int i = 0; i < t->conf.n_peers; i++) {
		struct stun_addr peer;

		if (perm_peer(t, i, &peer) && (!t->perm_alone || i == t->perm_next))
			stun_put_xor_addr(b, STUN_ATTR_XOR_PEER_ADDRESS, &peer);
	}
}

/* A CreatePermission answered: asked alone, the next peer at once; else the round is
 * done until the next, which asks the peers forbidden in this one again (a server's
 * policy may change while the allocation lasts). */
static void round_next(struct turn_client *t, int64_t now_ms)
{
	if (t->perm_alone) {
		t->perm_next = perm_peer_from(t, t->perm_next + 1);
		if (t->perm_next < t->conf.n_peers) {
			t->permission_due_ms = now_ms;
			return;
		}
		peers_count(t);
	}
	t->permission_due_ms = now_ms + TURN_PERMISSION_REFRESH_MS;
}

void turn_perm_answered(struct turn_client *t, int64_t now_ms)
{
	t->perm_refusals = 0;
	round_next(t, now_ms);
}

void turn_perm_refused(struct turn_client *t, const struct stun_msg *m, int64_t now_ms)
{
	int64_t delay;

	t->stats.refusals++;
	if (m->error_code == 403 && !t->perm_alone && t->n_perm_peers > 1) {
		mr_log(MR_LOG_WARN, "TURN %s: permission refused: 403 %s; asking for each peer "
		       "alone", t->conf.name, m->reason);
		t->perm_alone = true;
		t->perm_next = perm_peer_from(t, 0);
		t->permission_due_ms = now_ms;
	} else if (m->error_code == 403 && t->perm_next < t->conf.n_peers) {
		mr_log(MR_LOG_ERR, "TURN %s: peer %s forbidden by the server (403 %s): left out "
		       "until the next round",
		       t->conf.name, t->conf.peers[t->perm_next], m->reason);
		t->perm_forbidden |= 1u << t->perm_next;
		t->n_perm_peers--;
		t->perm_alone = true;
		round_next(t, now_ms);
	} else {
		/* The permissions given last time hold for 300 s: asked again soon, less
		 * often while the server keeps refusing. */
		delay = (int64_t)TURN_RETRY_MS << (t->perm_refusals < 5 ? t->perm_refusals : 5);
		if (delay > TURN_PERMISSION_REFRESH_MS)
			delay = TURN_PERMISSION_REFRESH_MS;
		t->perm_refusals++;
		t->permission_due_ms = now_ms + delay;
		mr_log(MR_LOG_ERR, "TURN %s: permission refused: %d %s; asked again in %lld ms",
		       t->conf.name, m->error_code, m->reason, (long long)delay);
	}
}
