/* SPDX-License-Identifier: BSD-3-Clause */
#include "turn_attempt.h"

#include <string.h>
#include <sys/socket.h>

#include "mr_log.h"
#include "turn_addr.h"

/* Whether the allocation gave peer a permission: one of the configured peers (RFC 8656
 * 9: a permission is for an IP address, any port). */
static bool peer_permitted(const struct turn_client *t, const struct stun_addr *peer)
{
	for (unsigned int i = 0; i < t->conf.n_peers; i++) {
		struct stun_addr p;

		if (turn_addr_parse(t->conf.peers[i], 0, &p) == 0 && p.family == peer->family &&
		    memcmp(p.ip, peer->ip, p.family == AF_INET6 ? 16 : 4) == 0)
			return true;
	}
	return false;
}

/* Why a ConnectionAttempt is not the server's, or NULL. It arrived on our control
 * connection (the only one read here); the server sends one there only while it holds our
 * TCP allocation, and only for a peer with a permission (RFC 6062 5.3). Anything else was
 * not sent for this allocation: binding it would have the data plane open connections for
 * whoever wrote it. */
static const char *attempt_refusal(const struct turn_client *t, const struct stun_msg *m)
{
	/* RFC 8489 6.3.2: an indication with such an attribute is discarded; its meaning
	 * could differ from what we read. */
	if (m->n_unknown_required)
		return "it carries an attribute that must be understood and is not";
	if (t->state != TURN_ALLOCATED)
		return "no allocation on this connection";
	if (t->conf.relay_protocol != 6)
		return "the allocation is UDP";
	if (m->peer.port == 0 || !peer_permitted(t, &m->peer))
		return "the peer has no permission";
	return NULL;
}

/* Refused attempts are logged at the first and then at each power of two: a stream of
 * them cannot flood the log, and the count says how many there were. */
static void attempt_refused(struct turn_client *t, const struct stun_msg *m, const char *why,
			    const char *peer)
{
	uint64_t n = ++t->stats.attempts_refused;

	if ((n & (n - 1)) == 0)
		mr_log(MR_LOG_WARN, "TURN %s: connection attempt %u from %s ignored: %s (%llu so far)",
		       t->conf.name, m->connection_id, peer, why, (unsigned long long)n);
}

void turn_attempt_indication(struct turn_client *t, const struct stun_msg *m)
{
	const char *why;
	char peer[64];

	if (m->method != TURN_CONNECTION_ATTEMPT || !m->has_connection_id || !m->has_peer)
		return; /* Data indications and the like: nothing we relay over this path */
	turn_addr_str(&m->peer, peer, sizeof(peer));
	why = attempt_refusal(t, m);
	if (why) {
		attempt_refused(t, m, why, peer);
		return;
	}
	t->stats.connection_attempts++;
	mr_log(MR_LOG_INFO, "TURN %s: connection attempt %u from %s", t->conf.name,
	       m->connection_id, peer);
	if (t->ev.connection_attempt)
		t->ev.connection_attempt(t->ev.arg, t, m->connection_id, &m->peer);
}
