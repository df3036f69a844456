/* SPDX-License-Identifier: BSD-3-Clause */
#include "turn_client.h"

#include <arpa/inet.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/crypto.h>

#include "mr_log.h"
#include "turn_attempt.h"
#include "turn_auth.h"
#include "turn_permission.h"

#define TURN_MSG_MAX 1500
#define TURN_STALE_MAX 3          /* 438 answers in a row before giving up the connection */

const char *turn_state_name(enum turn_state s)
{
	static const char *const names[] = { "waiting", "connecting", "allocating", "allocated",
					     "releasing", "stopped" };

	return (unsigned int)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

/* The configured server is the one connected to. */
static void server_reset(struct turn_client *t)
{
	snprintf(t->server, sizeof(t->server), "%s", t->conf.address);
	t->server_port = t->conf.port;
	t->redirected = false;
}

int turn_client_init(struct turn_client *t, const struct mr_turn_server_conf *conf,
		     const char *user, const char *password, const struct mr_turn_conf *tc,
		     const struct turn_events *ev, char *err, size_t errlen)
{
	memset(t, 0, sizeof(*t));
	t->conf = *conf;
	snprintf(t->user, sizeof(t->user), "%s", user);
	snprintf(t->password, sizeof(t->password), "%s", password);
	t->lifetime_s = tc->lifetime_s;
	t->refresh_s = tc->refresh_s;
	if (ev)
		t->ev = *ev;
	cp_conn_init(&t->conn);
	cp_backoff_reset(&t->backoff);
	server_reset(t);
	t->state = TURN_WAITING;
	if (conf->transport == MR_TURN_TLS) {
		t->tls = cp_conn_tls_context(conf->ca_file, err, errlen);
		if (!t->tls)
			return -1;
	}
	return 0;
}

/* Whether t's relay is one to publish: allocated and, when it has peers, with a permission
 * in force. Without one the server refuses every peer's connection (RFC 6062 5.3): the
 * gateways that learned the relay would route to one that refuses them. */
static bool relay_usable(const struct turn_client *t, int64_t now_ms)
{
	return t->state == TURN_ALLOCATED &&
	       (t->perm.n_peers == 0 || t->perm.granted_until_ms > now_ms);
}

/* t->published brought up to date, the mesh told when it changed. */
static void publish_check(struct turn_client *t, int64_t now_ms)
{
	bool usable = relay_usable(t, now_ms);

	if (usable == t->published)
		return;
	t->published = usable;
	if (t->ev.changed)
		t->ev.changed(t->ev.arg, t);
}

/* Drop the connection (and with it the allocation) and schedule the next attempt: slowly
 * (slow: from a second, doubling to a minute) when the server said no on purpose. */
static void turn_fail(struct turn_client *t, int64_t now_ms, bool slow, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void turn_fail(struct turn_client *t, int64_t now_ms, bool slow, const char *fmt, ...)
{
	bool was_allocated = t->state == TURN_ALLOCATED;
	uint32_t delay;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->last_error, sizeof(t->last_error), fmt, ap);
	va_end(ap);
	cp_conn_close(&t->conn);
	t->tx.active = false;
	t->n_connect = 0;
	server_reset(t); /* the next attempt asks the configured server again */
	if (t->stopping) {
		t->state = TURN_STOPPED;
		return;
	}
	/* Wrong credentials, a quota or a transport the server lacks will not change within
	 * milliseconds: start at a second. */
	t->backoff.max_ms = slow ? TURN_AUTH_BACKOFF_MAX_MS : 0;
	if (slow && t->backoff.next_ms < TURN_AUTH_BACKOFF_FIRST_MS)
		t->backoff.next_ms = TURN_AUTH_BACKOFF_FIRST_MS;
	delay = cp_backoff_spread(cp_backoff_next(&t->backoff));
	t->stats.failures++;
	mr_log(slow ? MR_LOG_ERR : MR_LOG_WARN, "TURN %s (%s): %s; retrying in %u ms",
	       t->conf.name, t->conn.peer, t->last_error, delay);
	t->state = TURN_WAITING;
	t->retry_ms = now_ms + delay;
	if (was_allocated)
		t->lost_ms = now_ms;
	publish_check(t, now_ms);
}

/* Attributes of the request in flight, before the credentials. */
static void put_request_body(const struct turn_client *t, struct stun_builder *b)
{
	switch (t->tx.method) {
	case TURN_ALLOCATE:
		stun_put_requested_transport(b, t->conf.relay_protocol);
		stun_put_u32(b, STUN_ATTR_LIFETIME, t->lifetime_s);
		break;
	case TURN_REFRESH:
		stun_put_u32(b, STUN_ATTR_LIFETIME, t->tx.lifetime);
		break;
	case TURN_CREATE_PERMISSION:
		turn_perm_put_peers(&t->perm, b);
		break;
	case TURN_CONNECT:
		stun_put_xor_addr(b, STUN_ATTR_XOR_PEER_ADDRESS, &t->tx.peer);
		break;
	default:
		break;
	}
}

/* (Re)send the request in t->tx with the credentials as they are now. */
static void send_tx(struct turn_client *t, int64_t now_ms)
{
	uint8_t buf[TURN_MSG_MAX];
	struct stun_builder b;
	int len;

	stun_new_tid(t->tx.tid);
	stun_build_start(&b, buf, sizeof(buf), t->tx.method, STUN_REQUEST, t->tx.tid);
	put_request_body(t, &b);
	turn_auth_put(t, &b);
	len = stun_build_finish(&b);
	t->tx.active = true;
	t->tx.sent_with_auth = t->authed;
	t->tx.deadline_ms = now_ms + TURN_TX_TIMEOUT_MS;
	/* Not past the allocation's end: a short lifetime is over before Ti. */
	if (t->state == TURN_ALLOCATED && t->expires_ms > now_ms && t->expires_ms < t->tx.deadline_ms)
		t->tx.deadline_ms = t->expires_ms;
	if (len < 0 || cp_conn_send(&t->conn, buf, (size_t)len) < 0)
		turn_fail(t, now_ms, false, "%s: %s", stun_method_name(t->tx.method),
			  len < 0 ? "request does not fit" : t->conn.error);
}

static void start_tx(struct turn_client *t, uint16_t method, int64_t now_ms)
{
	memset(&t->tx, 0, sizeof(t->tx));
	t->tx.method = method;
	send_tx(t, now_ms);
}

int turn_client_connect(struct turn_client *t, const struct stun_addr *peer)
{
	if (t->state != TURN_ALLOCATED || t->n_connect == TURN_MAX_CONNECTS ||
	    t->conf.relay_protocol != 6)
		return -1;
	t->connect_queue[t->n_connect++] = *peer;
	return 0;
}

/* The next request due on an allocation, if any. */
static void next_request(struct turn_client *t, int64_t now_ms)
{
	if (t->tx.active || t->state != TURN_ALLOCATED)
		return;
	/* A Refresh tests the nonce too: the data plane's binds are signed with it. */
	if (now_ms >= t->refresh_due_ms || now_ms >= turn_nonce_test_ms(&t->nonce_life)) {
		memset(&t->tx, 0, sizeof(t->tx));
		t->tx.method = TURN_REFRESH;
		t->tx.lifetime = t->lifetime_s;
		send_tx(t, now_ms);
	} else if (t->perm.n_asked && now_ms >= t->perm.due_ms) {
		start_tx(t, TURN_CREATE_PERMISSION, now_ms);
	} else if (t->n_connect) {
		memset(&t->tx, 0, sizeof(t->tx));
		t->tx.method = TURN_CONNECT;
		t->tx.peer = t->connect_queue[0];
		memmove(t->connect_queue, t->connect_queue + 1,
			--t->n_connect * sizeof(t->connect_queue[0]));
		send_tx(t, now_ms);
	}
}

static void begin_connect(struct turn_client *t, int64_t now_ms)
{
	t->attempt_ms = now_ms;
	t->authed = false;
	/* A certificate is checked for the configured name, the alternate's too (RFC 8489
	 * 10: without ALTERNATE-DOMAIN, the domain the client was given). */
	if (cp_conn_open(&t->conn, t->server, t->server_port, t->tls, t->conf.server_name) < 0) {
		turn_fail(t, now_ms, false, "%s", t->conn.error);
		return;
	}
	t->state = TURN_CONNECTING;
}

static int64_t earliest(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

int turn_client_tick(struct turn_client *t, int64_t now_ms)
{
	int64_t due = now_ms + 60000;

	if (t->state == TURN_WAITING && now_ms >= t->retry_ms && !t->stopping)
		begin_connect(t, now_ms);
	/* An answer that came while this process was busy elsewhere (a long push to the
	 * data plane) is read before the request is called unanswered. */
	if (t->tx.active && now_ms >= t->tx.deadline_ms && t->conn.state == CP_CONN_OPEN)
		turn_client_handle(t, POLLIN, now_ms);
	if (t->tx.active && now_ms >= t->tx.deadline_ms)
		turn_fail(t, now_ms, false, "%s unanswered for %d ms",
			  stun_method_name(t->tx.method), TURN_TX_TIMEOUT_MS);
	/* No request is out while the TCP or TLS connection is being set up: a server that
	 * accepts it and never finishes the handshake would else hold the client there. */
	if (t->state == TURN_CONNECTING && now_ms >= t->attempt_ms + TURN_SETUP_TIMEOUT_MS)
		turn_fail(t, now_ms, false, "connection not set up in %d ms", TURN_SETUP_TIMEOUT_MS);
	next_request(t, now_ms);
	publish_check(t, now_ms); /* permissions refused until the last one lapsed */
	if (t->state == TURN_WAITING)
		due = t->retry_ms;
	if (t->state == TURN_CONNECTING)
		due = earliest(due, t->attempt_ms + TURN_SETUP_TIMEOUT_MS);
	if (t->tx.active)
		due = earliest(due, t->tx.deadline_ms);
	if (t->state == TURN_ALLOCATED && !t->tx.active) {
		due = earliest(due, earliest(t->refresh_due_ms, turn_nonce_test_ms(&t->nonce_life)));
		if (t->perm.n_asked)
			due = earliest(due, t->perm.due_ms);
		if (t->published && t->perm.n_peers)
			due = earliest(due, t->perm.granted_until_ms);
		if (t->n_connect)
			due = now_ms;
	}
	return due <= now_ms ? 0 : (int)(due - now_ms);
}

short turn_client_events(const struct turn_client *t)
{
	return t->conn.state == CP_CONN_CLOSED ? 0 : cp_conn_events(&t->conn);
}

/* Half the granted lifetime, or sooner when configured so. */
static int64_t refresh_delay_ms(const struct turn_client *t, uint32_t lifetime)
{
	int64_t half = (int64_t)lifetime * 500;
	int64_t every = (int64_t)t->refresh_s * 1000;

	return every && every < half ? every : half;
}

/* The configured peers of the relayed address's family, asked for from now_ms (RFC 8656
 * 9.1: one of the other family would fail the whole request with 443). */
static void allocated_peers(struct turn_client *t, int64_t now_ms)
{
	struct stun_addr peers[MR_TURN_MAX_PEERS];
	unsigned int n = 0;

	for (unsigned int i = 0; i < t->conf.n_peers && n < MR_TURN_MAX_PEERS; i++)
		if (turn_addr_parse(t->conf.peers[i], 0, &peers[n]) == 0 &&
		    peers[n].family == t->relayed.family)
			n++;
	if (n < t->conf.n_peers)
		mr_log(MR_LOG_WARN, "TURN %s: %u peer(s) of the other address family left out: "
		       "the relay is %s", t->conf.name, t->conf.n_peers - n,
		       t->relayed.family == AF_INET6 ? "IPv6" : "IPv4");
	turn_perm_reset(&t->perm, t->conf.name, peers, n, now_ms);
}

static void allocated(struct turn_client *t, const struct stun_msg *m, int64_t now_ms)
{
	char relayed[64], mapped[64] = "?";

	if (m->n_relayed == 0 || !m->has_lifetime) {
		turn_fail(t, now_ms, false, "Allocate answer without relayed address or lifetime");
		return;
	}
	t->relayed = m->relayed[0];
	allocated_peers(t, now_ms);
	t->mapped = m->mapped;
	t->lifetime = m->lifetime;
	t->expires_ms = now_ms + (int64_t)m->lifetime * 1000;
	t->refresh_due_ms = now_ms + refresh_delay_ms(t, m->lifetime);
	t->state = TURN_ALLOCATED;
	t->stats.allocations++;
	t->stats.last_allocate_ms = now_ms - t->attempt_ms;
	if (t->lost_ms)
		t->stats.last_recovery_ms = now_ms - t->lost_ms;
	t->lost_ms = 0;
	/* The back-off starts over only once the allocation has lasted to its first refresh:
	 * a server (or a balancer in front) that drops each one as soon as it is made is not
	 * asked again every 100 ms, each time moving the relay every gateway routes to. */
	turn_addr_str(&t->relayed, relayed, sizeof(relayed));
	if (m->has_mapped)
		turn_addr_str(&t->mapped, mapped, sizeof(mapped));
	mr_log(MR_LOG_NOTICE, "TURN %s: allocated %s relay %s (seen as %s), lifetime %u s, "
	       "in %lld ms", t->conf.name, t->conf.relay_protocol == 6 ? "TCP" : "UDP", relayed,
	       mapped, m->lifetime, (long long)t->stats.last_allocate_ms);
	publish_check(t, now_ms); /* with peers, once one has a permission */
}

static void succeeded(struct turn_client *t, const struct stun_msg *m, int64_t now_ms)
{
	switch (t->tx.method) {
	case TURN_ALLOCATE:
		allocated(t, m, now_ms);
		break;
	case TURN_REFRESH:
		if (t->state == TURN_RELEASING) {
			mr_log(MR_LOG_NOTICE, "TURN %s: allocation released", t->conf.name);
			cp_conn_close(&t->conn);
			t->state = TURN_STOPPED;
			break;
		}
		t->lifetime = m->has_lifetime ? m->lifetime : t->lifetime;
		t->expires_ms = now_ms + (int64_t)t->lifetime * 1000;
		t->refresh_due_ms = now_ms + refresh_delay_ms(t, t->lifetime);
		t->stats.refreshes++;
		cp_backoff_reset(&t->backoff);
		mr_log(MR_LOG_DEBUG, "TURN %s: refreshed, lifetime %u s", t->conf.name, t->lifetime);
		break;
	case TURN_CREATE_PERMISSION:
		turn_perm_answered(&t->perm, now_ms);
		if (t->stats.permissions++ == 0)
			mr_log(MR_LOG_INFO, "TURN %s: permission for %u peer(s)", t->conf.name,
			       t->perm.n_asked);
		publish_check(t, now_ms);
		break;
	case TURN_CONNECT:
		t->stats.connects++;
		if (t->ev.connected)
			t->ev.connected(t->ev.arg, t, &t->tx.peer, m->connection_id,
					m->has_connection_id ? 0 : 500);
		break;
	default:
		break;
	}
}

/* A 300 (Try Alternate) to our Allocate (RFC 8656 7.2, RFC 8489 10): the allocation is
 * asked of the server it names, at once and once; failing there, of ours again. */
static void try_alternate(struct turn_client *t, const struct stun_addr *alt, int64_t now_ms)
{
	char ip[INET6_ADDRSTRLEN];

	if (!inet_ntop(alt->family, alt->ip, ip, sizeof(ip))) {
		turn_fail(t, now_ms, false, "300 Try Alternate to an address not understood");
		return;
	}
	cp_conn_close(&t->conn);
	t->tx.active = false;
	snprintf(t->server, sizeof(t->server), "%s", ip);
	t->server_port = alt->port;
	t->redirected = true;
	t->stats.redirects++;
	mr_log(MR_LOG_NOTICE, "TURN %s: sent to %s port %u (300 Try Alternate)", t->conf.name,
	       ip, alt->port);
	begin_connect(t, now_ms);
}

/* A refused request: decide between retrying, giving up the request, or starting over. */
/* An Allocate refusal that no retry within seconds changes: forbidden (403), no such
 * transport (442), a quota reached (486), no capacity (508). */
static bool allocate_refused_for_long(int code)
{
	return code == 403 || code == 442 || code == 486 || code == 508;
}

static void refused(struct turn_client *t, const struct stun_msg *m, int64_t now_ms)
{
	uint16_t method = t->tx.method;

	if (m->error_code == 401 && !t->tx.sent_with_auth && turn_auth_take_challenge(t, m)) {
		turn_nonce_taken(&t->nonce_life, now_ms, false);
		send_tx(t, now_ms);
	} else if (m->error_code == 438 && t->tx.stale < TURN_STALE_MAX &&
		   turn_auth_take_challenge(t, m)) {
		unsigned int stale = t->tx.stale + 1;

		turn_nonce_taken(&t->nonce_life, now_ms, true);
		t->stats.stale_nonces++;
		send_tx(t, now_ms);
		t->tx.stale = stale;
	} else if (m->error_code == 300 && method == TURN_ALLOCATE && m->has_alternate &&
		   !t->redirected) {
		try_alternate(t, &m->alternate, now_ms);
	} else if (m->error_code == 401) {
		t->stats.auth_failures++;
		turn_fail(t, now_ms, true, "credentials refused (401 %s): check the user and "
			  "password for this server", m->reason);
	} else if (method == TURN_ALLOCATE && allocate_refused_for_long(m->error_code)) {
		/* Asked again every 5 s, every gateway would hammer a server that said no
		 * on purpose: as wrong credentials, from a second doubling to a minute. */
		turn_fail(t, now_ms, true, "Allocate refused: %d %s", m->error_code, m->reason);
	} else if (m->error_code == 437 && method != TURN_ALLOCATE) {
		/* Whatever was asked, the server holds no allocation of ours any more: the
		 * relay must leave discovery now, not at the next refresh. */
		turn_fail(t, now_ms, false, "%s: allocation gone (437 %s)",
			  stun_method_name(method), m->reason);
	} else if (method == TURN_CREATE_PERMISSION) {
		t->stats.refusals++;
		turn_perm_refused(&t->perm, m, now_ms);
	} else if (method == TURN_REFRESH && t->state == TURN_ALLOCATED &&
		   now_ms + TURN_RETRY_MS < t->expires_ms) {
		/* A server's passing trouble ends no allocation that still has time. */
		t->stats.refusals++;
		t->refresh_due_ms = now_ms + TURN_RETRY_MS;
		mr_log(MR_LOG_WARN, "TURN %s: Refresh refused: %d %s; asked again in %d ms",
		       t->conf.name, m->error_code, m->reason, TURN_RETRY_MS);
	} else if (method == TURN_CONNECT) {
		if (t->ev.connected)
			t->ev.connected(t->ev.arg, t, &t->tx.peer, 0, m->error_code);
	} else {
		turn_fail(t, now_ms, false, "%s refused: %d %s", stun_method_name(method),
			  m->error_code, m->reason);
	}
}

static void on_message(struct turn_client *t, const struct stun_msg *m, int64_t now_ms)
{
	if (m->cls == STUN_INDICATION) {
		turn_attempt_indication(t, m);
		return;
	}
	if (m->cls == STUN_REQUEST || !t->tx.active || m->method != t->tx.method ||
	    memcmp(m->tid, t->tx.tid, STUN_TID_LEN) != 0)
		return; /* not an answer to ours: a late one, or noise */
	t->tx.active = false;
	/* An answer with attributes it says must be understood, which we do not: the
	 * transaction failed (RFC 8489 7.3.3, 7.3.4); taken as it came, its meaning could
	 * differ from what we read. */
	if (m->n_unknown_required) {
		turn_fail(t, now_ms, false, "%s answer carries attribute 0x%04x, which must be "
			  "understood and is not", stun_method_name(m->method),
			  m->unknown_required[0]);
		return;
	}
	if (m->cls == STUN_ERROR) {
		refused(t, m, now_ms);
		return;
	}
	if (!turn_auth_integrity_ok(t, m)) {
		turn_fail(t, now_ms, false, "%s answer failed its integrity check",
			  stun_method_name(m->method));
		return;
	}
	if (t->authed)
		turn_nonce_ok(&t->nonce_life, now_ms);
	succeeded(t, m, now_ms);
}

/* Every whole message in the input; a stream that is not STUN is dropped. */
static void read_messages(struct turn_client *t, int64_t now_ms)
{
	while (t->conn.state == CP_CONN_OPEN) {
		long len = stun_frame_length(t->conn.in, t->conn.in_len);
		struct stun_msg m;
		const char *why = NULL;

		if (len == 0 || (len > 0 && (size_t)len > t->conn.in_len))
			return;
		if (len < 0 || stun_decode(t->conn.in, (size_t)len, &m, &why) < 0) {
			turn_fail(t, now_ms, false, "bad message from the server: %s",
				  why ? why : "not STUN");
			return;
		}
		on_message(t, &m, now_ms);
		if (t->conn.state == CP_CONN_OPEN)
			cp_conn_consume(&t->conn, (size_t)len);
	}
}

void turn_client_handle(struct turn_client *t, short revents, int64_t now_ms)
{
	bool was_connecting = t->conn.state != CP_CONN_OPEN;

	do { /* again while a burst of messages filled the input */
		if (cp_conn_handle(&t->conn, revents) < 0) {
			turn_fail(t, now_ms, false, "%s", t->conn.error);
			return;
		}
		if (was_connecting && t->conn.state == CP_CONN_OPEN &&
		    t->state == TURN_CONNECTING) {
			t->state = TURN_ALLOCATING;
			start_tx(t, TURN_ALLOCATE, now_ms);
		}
		read_messages(t, now_ms);
	} while (t->conn.in_full && t->conn.state == CP_CONN_OPEN);
	if (t->conn.state == CP_CONN_OPEN && t->conn.peer_closed)
		turn_fail(t, now_ms, false, "the server closed the connection");
	else
		next_request(t, now_ms);
}

void turn_client_stop(struct turn_client *t, int64_t now_ms)
{
	t->stopping = true;
	if (t->state != TURN_ALLOCATED || t->tx.active) {
		/* Nothing to release, or a request in flight: the server's lifetime ends it. */
		cp_conn_close(&t->conn);
		t->state = TURN_STOPPED;
		return;
	}
	t->state = TURN_RELEASING;
	memset(&t->tx, 0, sizeof(t->tx));
	t->tx.method = TURN_REFRESH;
	t->tx.lifetime = 0;
	send_tx(t, now_ms);
	t->tx.deadline_ms = now_ms + 1000; /* shutdown does not wait long */
}

bool turn_client_stopped(const struct turn_client *t)
{
	return t->state == TURN_STOPPED;
}

void turn_client_free(struct turn_client *t)
{
	cp_conn_close(&t->conn);
	free(t->conn.in);
	free(t->conn.out);
	t->conn.in = t->conn.out = NULL;
	if (t->tls)
		SSL_CTX_free(t->tls);
	t->tls = NULL;
	OPENSSL_cleanse(t->password, sizeof(t->password));
	OPENSSL_cleanse(t->key, sizeof(t->key));
}
