/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "turn_client": meshrelay-cp's TURN client against a scripted server on loopback,
 * for what coturn does not offer: MESSAGE-INTEGRITY-SHA256 (RFC 8489 9.2, with the nonce
 * cookie and PASSWORD-ALGORITHMS echoed), a stale nonce on the authenticated request, an
 * answer whose integrity is wrong, credentials refused, and ConnectionAttempts of peers
 * of both families turned into BIND requests for the data plane. Real coturn: test 41. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cp_mesh.h"
#include "mr_clock.h"
#include "mr_ctl_proto.h"
#include "stun_stream.h"
#include "turn_client.h"
#include "turn_permission.h"
#include "unit.h"

enum script {
	SCRIPT_SHA256, SCRIPT_BAD_INTEGRITY, SCRIPT_REFUSE,
	SCRIPT_NO_AUTH,      /* never challenges: every request succeeds unsigned */
	SCRIPT_REFRESH_500,  /* as SCRIPT_SHA256, but every Refresh is refused with 500 */
	SCRIPT_PERM_403,     /* ... a CreatePermission for several peers, or for 10.0.0.66,
			      * refused with 403 (RFC 8656 9.1: a forbidden peer) */
	SCRIPT_REDIRECT,     /* every request answered 300 Try Alternate, naming
			      * 127.0.0.1:alternate_port */
	SCRIPT_DROP,         /* as SCRIPT_NO_AUTH, but the connection closed after each
			      * Allocate's success, and the next one taken (DROP_CONNS) */
	SCRIPT_QUOTA,        /* as SCRIPT_SHA256, but the Allocate refused with 486 */
};

#define DROP_CONNS 4

/* A ConnectionAttempt indication the server sends after its Allocate success, or just
 * before it (early). */
struct attempt {
	uint32_t id;
	const char *peer;
	uint16_t port;
	bool early;
	bool unknown_required; /* with an attribute that must be understood (0x7ff0) */
};

struct server {
	int listen_fd;
	uint16_t port;
	enum script script;
	const struct attempt *attempts;
	size_t n_attempts;
	bool saw_sha256;          /* a request carried a valid MESSAGE-INTEGRITY-SHA256 */
	bool saw_algorithm_echo;  /* ... with PASSWORD-ALGORITHMS echoed */
	int requests;
	int permissions_asked[3]; /* CreatePermissions: for several peers, for one allowed,
				   * for the forbidden one */
	uint16_t alternate_port;  /* SCRIPT_REDIRECT's */
};

static const char nonce1[] = "obMatJos2AAAAAAAfirst-nonce";
static const char nonce2[] = "obMatJos2AAAAAAAsecond-nonce";

/* Set by a case: success answers carry an attribute of the comprehension-required range
 * that no one knows (0x7ff0). */
static bool unknown_attr_on_success;

/* An answer to m: class, optional error, then the attributes the script wants. */
static void answer(int fd, const struct stun_msg *m, enum stun_class cls, int error,
		   const char *nonce, const uint8_t *key, bool corrupt)
{
	static const uint8_t algs[] = { 0, 2, 0, 0, 0, 1, 0, 0 }; /* SHA-256, then MD5 */
	uint8_t buf[512];
	struct stun_builder b;
	struct stun_addr relay = { .family = AF_INET, .ip = { 192, 0, 2, 9 }, .port = 50000 };
	int len;

	stun_build_start(&b, buf, sizeof(buf), m->method, cls, m->tid);
	if (error) {
		stun_put_error_code(&b, error, error == 401 ? "Unauthorized" :
					error == 438 ? "Stale Nonce" : "Refused");
		stun_put_string(&b, STUN_ATTR_REALM, "mesh.test");
		stun_put_string(&b, STUN_ATTR_NONCE, nonce);
		stun_put_attr(&b, STUN_ATTR_PASSWORD_ALGORITHMS, algs, sizeof(algs));
	} else if (m->method == TURN_ALLOCATE) {
		stun_put_xor_addr(&b, STUN_ATTR_XOR_RELAYED_ADDRESS, &relay);
		stun_put_u32(&b, STUN_ATTR_LIFETIME, 600);
	}
	if (cls == STUN_SUCCESS && unknown_attr_on_success)
		stun_put_attr(&b, 0x7ff0, (const uint8_t *)"?", 1);
	if (key)
		stun_put_integrity_sha256(&b, key, 32);
	len = stun_build_finish(&b);
	if (corrupt)
		buf[len - 1] ^= 1;
	if (len > 0)
		send(fd, buf, (size_t)len, MSG_NOSIGNAL);
}

static void send_attempts(int fd, const struct server *s, bool early)
{
	for (size_t i = 0; i < s->n_attempts; i++) {
		uint8_t buf[128], tid[STUN_TID_LEN];
		struct stun_builder b;
		struct stun_addr peer;
		int len;

		if (s->attempts[i].early != early)
			continue;
		turn_addr_parse(s->attempts[i].peer, s->attempts[i].port, &peer);
		stun_new_tid(tid);
		stun_build_start(&b, buf, sizeof(buf), TURN_CONNECTION_ATTEMPT, STUN_INDICATION, tid);
		stun_put_u32(&b, STUN_ATTR_CONNECTION_ID, s->attempts[i].id);
		stun_put_xor_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &peer);
		if (s->attempts[i].unknown_required)
			stun_put_attr(&b, 0x7ff0, "?", 1);
		len = stun_build_finish(&b);
		if (len > 0)
			send(fd, buf, (size_t)len, MSG_NOSIGNAL);
	}
}

/* The success answer to m; an Allocate's comes with the script's ConnectionAttempts. */
static void succeed(int fd, const struct server *s, const struct stun_msg *m,
		    const uint8_t *key)
{
	bool allocate = m->method == TURN_ALLOCATE;

	if (allocate)
		send_attempts(fd, s, true);
	answer(fd, m, STUN_SUCCESS, 0, NULL, key, s->script == SCRIPT_BAD_INTEGRITY);
	if (allocate)
		send_attempts(fd, s, false);
}

/* 300 Try Alternate to m, naming 127.0.0.1:port. */
static void redirect(int fd, const struct stun_msg *m, uint16_t port)
{
	struct stun_addr alt = { .family = AF_INET, .ip = { 127, 0, 0, 1 }, .port = port };
	struct stun_builder b;
	uint8_t buf[128];
	int len;

	stun_build_start(&b, buf, sizeof(buf), m->method, STUN_ERROR, m->tid);
	stun_put_error_code(&b, 300, "Try Alternate");
	stun_put_addr(&b, STUN_ATTR_ALTERNATE_SERVER, &alt);
	len = stun_build_finish(&b);
	if (len > 0)
		send(fd, buf, (size_t)len, MSG_NOSIGNAL);
}

/* How many attributes of type the message of len bytes in buf carries. */
static unsigned int count_attrs(const uint8_t *buf, int len, uint16_t type)
{
	unsigned int n = 0;

	for (int at = STUN_HDR_LEN; at + 4 <= len;) {
		uint16_t t = (uint16_t)(buf[at] << 8 | buf[at + 1]);
		uint16_t l = (uint16_t)(buf[at + 2] << 8 | buf[at + 3]);

		n += t == type;
		at += 4 + ((l + 3) & ~3);
	}
	return n;
}

/* SCRIPT_PERM_403's answer to an authenticated CreatePermission m (len bytes in buf):
 * refused for several peers or for the forbidden one, else granted. */
static void answer_permission(int fd, struct server *s, const struct stun_msg *m,
			      const uint8_t *buf, int len, const uint8_t *key)
{
	static const uint8_t forbidden[4] = { 10, 0, 0, 66 };
	unsigned int peers = count_attrs(buf, len, STUN_ATTR_XOR_PEER_ADDRESS);
	int kind = peers > 1 ? 0 : memcmp(m->peer.ip, forbidden, 4) == 0 ? 2 : 1;

	s->permissions_asked[kind]++;
	if (kind == 1)
		succeed(fd, s, m, key);
	else
		answer(fd, m, STUN_ERROR, 403, nonce2, key, false);
}

/* The script: 401 with SHA-256 offered, 438 on the first authenticated try, then success
 * (integrity broken on purpose in SCRIPT_BAD_INTEGRITY; 401 again in SCRIPT_REFUSE). */
static void *serve(void *arg)
{
	struct server *s = arg;
	int fd = accept(s->listen_fd, NULL, NULL), conns = 1;
	uint8_t buf[1024], key[32];
	struct stun_msg m;
	int len;

	stun_long_term_key(STUN_PW_SHA256, "gw", "mesh.test", "pw", key);
	while (fd >= 0 && (len = stun_stream_read(fd, buf, sizeof(buf))) > 0 &&
	       stun_decode(buf, (size_t)len, &m, NULL) == 0) {
		bool authed = m.has_integrity_sha256 && stun_check_integrity_sha256(&m, key, 32);

		s->requests++;
		s->saw_sha256 |= authed;
		s->saw_algorithm_echo |= authed && m.n_pw_algs == 2;
		if (s->script == SCRIPT_DROP && m.method == TURN_ALLOCATE) {
			succeed(fd, s, &m, NULL);
			close(fd);
			fd = conns++ < DROP_CONNS ? accept(s->listen_fd, NULL, NULL) : -1;
		} else if (s->script == SCRIPT_NO_AUTH || s->script == SCRIPT_DROP)
			succeed(fd, s, &m, NULL);
		else if (s->script == SCRIPT_REDIRECT)
			redirect(fd, &m, s->alternate_port);
		else if (!m.has_integrity_sha256 && !m.has_integrity)
			answer(fd, &m, STUN_ERROR, 401, nonce1, NULL, false);
		else if (s->script == SCRIPT_REFUSE || !authed)
			answer(fd, &m, STUN_ERROR, 401, nonce1, NULL, false);
		else if (strcmp(m.nonce, nonce1) == 0)
			answer(fd, &m, STUN_ERROR, 438, nonce2, NULL, false);
		else if (s->script == SCRIPT_QUOTA && m.method == TURN_ALLOCATE)
			answer(fd, &m, STUN_ERROR, 486, nonce2, key, false);
		else if (s->script == SCRIPT_REFRESH_500 && m.method == TURN_REFRESH)
			answer(fd, &m, STUN_ERROR, 500, nonce2, key, false);
		else if (s->script == SCRIPT_PERM_403 && m.method == TURN_CREATE_PERMISSION)
			answer_permission(fd, s, &m, buf, len, key);
		else
			succeed(fd, s, &m, key);
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* s->attempts and n_attempts are kept; the rest starts zeroed. */
static void server_start(struct server *s, enum script script, pthread_t *th)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	const struct attempt *attempts = s->attempts;
	size_t n_attempts = s->n_attempts;

	memset(s, 0, sizeof(*s));
	s->attempts = attempts;
	s->n_attempts = n_attempts;
	s->script = script;
	s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CU_ASSERT_FATAL(s->listen_fd >= 0);
	CU_ASSERT_FATAL(bind(s->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	CU_ASSERT_FATAL(listen(s->listen_fd, 4) == 0);
	getsockname(s->listen_fd, (struct sockaddr *)&sa, &len);
	s->port = ntohs(sa.sin_port);
	CU_ASSERT_FATAL(pthread_create(th, NULL, serve, s) == 0);
}

/* Drive the client until it leaves the states of a first attempt, or 3 s pass. */
static void drive(struct turn_client *t)
{
	uint64_t deadline = mr_clock_ms() + 3000;

	while (mr_clock_ms() < deadline && t->state != TURN_ALLOCATED &&
	       !(t->state == TURN_WAITING && t->stats.failures > 0)) {
		int wait = turn_client_tick(t, mr_clock_ms());
		struct pollfd p = { .fd = t->conn.fd, .events = turn_client_events(t) };

		if (poll(&p, p.fd >= 0 ? 1 : 0, wait < 20 ? wait : 20) > 0)
			turn_client_handle(t, p.revents, mr_clock_ms());
	}
}

/* What a test does with the allocated client while the server still runs, or NULL. */
typedef void (*then_fn)(struct turn_client *t, struct server *s);

/* s->attempts, if any, are set by the caller; peers (n of them) are given permission. */
static void run_with(enum script script, struct turn_client *t, struct server *s,
		     const char *const *peers, unsigned int n, then_fn then)
{
	struct mr_turn_server_conf sc = { .name = "fake", .relay_protocol = 6,
					  .address = "127.0.0.1" };
	struct mr_turn_conf tc = { .lifetime_s = 600 };
	pthread_t th;
	char err[128];

	for (sc.n_peers = 0; sc.n_peers < n; sc.n_peers++)
		snprintf(sc.peers[sc.n_peers], sizeof(sc.peers[0]), "%s", peers[sc.n_peers]);
	server_start(s, script, &th);
	sc.port = s->port;
	CU_ASSERT_EQUAL_FATAL(turn_client_init(t, &sc, "gw", "pw", &tc, NULL, err, sizeof(err)), 0);
	drive(t);
	if (then)
		then(t, s);
	turn_client_free(t); /* closes the connection: the server thread ends */
	pthread_join(th, NULL);
	close(s->listen_fd);
}

static void run(enum script script, struct turn_client *t, struct server *s)
{
	run_with(script, t, s, NULL, 0, NULL);
}

/* Drive the client until done(t) or 3 s pass. */
static void pump(struct turn_client *t, bool (*done)(const struct turn_client *t))
{
	uint64_t deadline = mr_clock_ms() + 3000;

	while (mr_clock_ms() < deadline && !done(t)) {
		int wait = turn_client_tick(t, mr_clock_ms());
		struct pollfd p = { .fd = t->conn.fd, .events = turn_client_events(t) };

		if (poll(&p, p.fd >= 0 ? 1 : 0, wait < 20 ? wait : 20) > 0)
			turn_client_handle(t, p.revents, mr_clock_ms());
	}
}

/* The waits before each new attempt while the server drops every allocation as soon as
 * it is made (each recorded at the failure that set it, in ms). */
static int64_t drop_waits[DROP_CONNS];

static void record_drops(struct turn_client *t, struct server *s)
{
	uint64_t deadline = mr_clock_ms() + 5000;
	unsigned int seen = 0;

	while (mr_clock_ms() < deadline && seen < DROP_CONNS) {
		int wait = turn_client_tick(t, mr_clock_ms());
		struct pollfd p = { .fd = t->conn.fd, .events = turn_client_events(t) };

		if (poll(&p, p.fd >= 0 ? 1 : 0, wait < 5 ? wait : 5) > 0)
			turn_client_handle(t, p.revents, mr_clock_ms());
		if (t->stats.failures > seen && t->state == TURN_WAITING)
			drop_waits[seen++] = t->retry_ms - (int64_t)mr_clock_ms();
	}
	(void)s;
}

/* A server that drops each allocation as soon as it is made: the client waits longer
 * each time (100, 200, 400 ms, each moved by up to a fifth), not 100 ms again after every
 * allocation (before, an allocation started the back-off over, so such a server was asked
 * ten times a second, and every gateway was told of a new relay each time). */
static void test_dropped_allocations_backed_off(void)
{
	struct turn_client t;
	struct server s = { 0 };

	memset(drop_waits, 0, sizeof(drop_waits));
	run_with(SCRIPT_DROP, &t, &s, NULL, 0, record_drops);
	CU_ASSERT(t.stats.allocations >= 3);
	/* Read a little after each failure: a slow host only makes them smaller. */
	CU_ASSERT(drop_waits[0] >= 40 && drop_waits[0] <= 120);
	CU_ASSERT(drop_waits[1] >= 125 && drop_waits[1] <= 240);
	CU_ASSERT(drop_waits[2] >= 250 && drop_waits[2] <= 480);
}

static void test_sha256_and_stale_nonce(void)
{
	struct turn_client t;
	struct server s = { 0 };
	char text[64];

	run(SCRIPT_SHA256, &t, &s);
	CU_ASSERT_EQUAL(t.state, TURN_ALLOCATED);
	CU_ASSERT(t.sha256);
	CU_ASSERT(s.saw_sha256);
	CU_ASSERT(s.saw_algorithm_echo);
	CU_ASSERT_EQUAL(t.stats.stale_nonces, 1);
	CU_ASSERT_EQUAL(s.requests, 3); /* unauthenticated, stale, good */
	turn_addr_str(&t.relayed, text, sizeof(text));
	CU_ASSERT_STRING_EQUAL(text, "192.0.2.9:50000");
	CU_ASSERT_EQUAL(t.lifetime, 600);
}

static void test_bad_integrity_is_refused(void)
{
	struct turn_client t;
	struct server s = { 0 };

	run(SCRIPT_BAD_INTEGRITY, &t, &s);
	CU_ASSERT_EQUAL(t.state, TURN_WAITING);
	CU_ASSERT_EQUAL(t.stats.allocations, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(t.last_error, "integrity"));
}

static void test_credentials_refused(void)
{
	struct turn_client t;
	struct server s = { 0 };

	run(SCRIPT_REFUSE, &t, &s);
	CU_ASSERT_EQUAL(t.state, TURN_WAITING);
	CU_ASSERT_EQUAL(t.stats.auth_failures, 1);
	CU_ASSERT(t.retry_ms - (int64_t)mr_clock_ms() > 500); /* a slow retry, not a loop */
	CU_ASSERT_PTR_NOT_NULL(strstr(t.last_error, "credentials refused"));
}

/* A success answer with an attribute that must be understood and is not (RFC 8489
 * 7.3.3) fails its transaction: no allocation is taken from it. Before, it was taken,
 * whatever the unknown attribute meant. */
static void test_unknown_required_attribute(void)
{
	struct turn_client t;
	struct server s = { 0 };

	unknown_attr_on_success = true;
	run(SCRIPT_SHA256, &t, &s);
	unknown_attr_on_success = false;
	CU_ASSERT_EQUAL(t.state, TURN_WAITING);
	CU_ASSERT_EQUAL(t.stats.allocations, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(t.last_error, "0x7ff0"));
}

/* An Allocate refused on purpose (486: the quota reached) is asked again from a second,
 * doubling, as wrong credentials are; not counted as a credentials failure. Before, it
 * was asked again within about 5 s, forever, by every gateway. */
static void test_allocate_refused_backed_off(void)
{
	struct turn_client t;
	struct server s = { 0 };

	run(SCRIPT_QUOTA, &t, &s);
	CU_ASSERT_EQUAL(t.state, TURN_WAITING);
	CU_ASSERT_EQUAL(t.stats.auth_failures, 0);
	CU_ASSERT_EQUAL(t.stats.failures, 1);
	CU_ASSERT(t.retry_ms - (int64_t)mr_clock_ms() > 500);
	CU_ASSERT_EQUAL(t.backoff.max_ms, TURN_AUTH_BACKOFF_MAX_MS);
	CU_ASSERT_PTR_NOT_NULL(strstr(t.last_error, "Allocate refused: 486"));
}

/* A server that takes the TCP connection and never finishes setting it up (here: the
 * client is never told the connection is open): given up after TURN_SETUP_TIMEOUT_MS, as an
 * unanswered request is, then retried. The socket probes an idle peer (TCP keepalive). */
static void test_connection_never_set_up(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct mr_turn_server_conf sc = { .name = "fake", .relay_protocol = 6,
					  .address = "127.0.0.1" };
	struct mr_turn_conf tc = { .lifetime_s = 600 };
	socklen_t len = sizeof(sa), optlen = sizeof(int);
	int listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), on = 0, idle = 0, wait;
	struct turn_client t;
	char err[128];

	CU_ASSERT_FATAL(listen_fd >= 0);
	CU_ASSERT_FATAL(bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	CU_ASSERT_FATAL(listen(listen_fd, 4) == 0);
	getsockname(listen_fd, (struct sockaddr *)&sa, &len);
	sc.port = ntohs(sa.sin_port);
	CU_ASSERT_EQUAL_FATAL(turn_client_init(&t, &sc, "gw", "pw", &tc, NULL, err, sizeof(err)), 0);
	wait = turn_client_tick(&t, 1000);
	CU_ASSERT_EQUAL_FATAL(t.state, TURN_CONNECTING);
	CU_ASSERT(wait > 0 && wait <= TURN_SETUP_TIMEOUT_MS);
	getsockopt(t.conn.fd, SOL_SOCKET, SO_KEEPALIVE, &on, &optlen);
	getsockopt(t.conn.fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, &optlen);
	CU_ASSERT_EQUAL(on, 1);
	CU_ASSERT_EQUAL(idle, CP_CONN_KEEPIDLE_S);
	turn_client_tick(&t, 1000 + TURN_SETUP_TIMEOUT_MS - 1);
	CU_ASSERT_EQUAL(t.state, TURN_CONNECTING);
	turn_client_tick(&t, 1000 + TURN_SETUP_TIMEOUT_MS);
	CU_ASSERT_EQUAL(t.state, TURN_WAITING);
	CU_ASSERT_EQUAL(t.stats.failures, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(t.last_error, "not set up"));
	turn_client_free(&t);
	close(listen_fd);
}

/* A server that never challenges (no-auth): the data connections' ConnectionBind goes
 * unsigned, as the Allocate did, rather than not at all. */
static void then_bind_unsigned(struct turn_client *t, struct server *s)
{
	uint8_t buf[256], tid[STUN_TID_LEN];
	struct stun_msg m;
	int len;

	(void)s;
	CU_ASSERT_EQUAL_FATAL(t->state, TURN_ALLOCATED);
	CU_ASSERT(!t->authed);
	len = turn_client_connection_bind(t, 7, buf, sizeof(buf), tid);
	CU_ASSERT_FATAL(len > 0);
	CU_ASSERT_EQUAL_FATAL(stun_decode(buf, (size_t)len, &m, NULL), 0);
	CU_ASSERT_EQUAL(m.method, TURN_CONNECTION_BIND);
	CU_ASSERT(m.has_connection_id && m.connection_id == 7);
	CU_ASSERT(!m.has_integrity && !m.has_integrity_sha256);
}

static void test_bind_without_challenge(void)
{
	struct turn_client t;
	struct server s = { 0 };

	run_with(SCRIPT_NO_AUTH, &t, &s, NULL, 0, then_bind_unsigned);
}

static bool refused_or_lost(const struct turn_client *t)
{
	return t->stats.refusals > 0 || t->state != TURN_ALLOCATED;
}

static bool lost(const struct turn_client *t)
{
	return t->state != TURN_ALLOCATED;
}

/* A refused Refresh (a server's passing trouble) is asked again soon while the
 * allocation has time left, and ends it only when it has none. */
static void then_refresh_refused(struct turn_client *t, struct server *s)
{
	int64_t now = (int64_t)mr_clock_ms();

	(void)s;
	CU_ASSERT_EQUAL_FATAL(t->state, TURN_ALLOCATED);
	t->refresh_due_ms = now;
	pump(t, refused_or_lost);
	CU_ASSERT_EQUAL(t->state, TURN_ALLOCATED);
	CU_ASSERT_EQUAL(t->stats.refusals, 1);
	CU_ASSERT_EQUAL(t->stats.failures, 0);
	CU_ASSERT(t->refresh_due_ms > now && t->refresh_due_ms <= (int64_t)mr_clock_ms() +
								   TURN_RETRY_MS);
	t->expires_ms = (int64_t)mr_clock_ms() + TURN_RETRY_MS / 2; /* too little left */
	t->refresh_due_ms = (int64_t)mr_clock_ms();
	pump(t, lost);
	CU_ASSERT_EQUAL(t->state, TURN_WAITING);
	CU_ASSERT_EQUAL(t->stats.failures, 1);
}

static void test_refresh_refused(void)
{
	struct turn_client t;
	struct server s = { 0 };

	run_with(SCRIPT_REFRESH_500, &t, &s, NULL, 0, then_refresh_refused);
}

static bool permissions_done(const struct turn_client *t)
{
	return t->stats.permissions >= 2 || t->state != TURN_ALLOCATED;
}

static bool permissions_done_twice(const struct turn_client *t)
{
	return t->stats.permissions >= 4 || t->state != TURN_ALLOCATED;
}

/* One peer the server forbids: the request for all three is refused (403), each is then
 * asked alone, and only the forbidden one goes without; the next round asks it again
 * (the server's policy may have changed), alone, as the others. */
static void then_one_peer_forbidden(struct turn_client *t, struct server *s)
{
	CU_ASSERT_EQUAL_FATAL(t->state, TURN_ALLOCATED);
	pump(t, permissions_done);
	CU_ASSERT_EQUAL(t->stats.permissions, 2);
	CU_ASSERT(t->published); /* its peers have their permissions */
	CU_ASSERT_EQUAL(s->permissions_asked[0], 1);
	CU_ASSERT_EQUAL(s->permissions_asked[1], 2);
	CU_ASSERT_EQUAL(s->permissions_asked[2], 1);
	CU_ASSERT(t->perm.alone);
	CU_ASSERT_EQUAL(t->perm.n_asked, 3); /* the round over: all asked for again next */
	CU_ASSERT(t->perm.due_ms > (int64_t)mr_clock_ms() + TURN_PERMISSION_REFRESH_MS / 2);
	t->perm.due_ms = (int64_t)mr_clock_ms();
	pump(t, permissions_done_twice);
	CU_ASSERT_EQUAL(t->stats.permissions, 4);
	CU_ASSERT_EQUAL(s->permissions_asked[0], 1);
	CU_ASSERT_EQUAL(s->permissions_asked[2], 2);
}

static void test_permission_forbidden_peer(void)
{
	static const char *const peers[] = { "127.0.0.1", "10.0.0.66", "127.0.0.2" };
	struct turn_client t;
	struct server s = { 0 };

	run_with(SCRIPT_PERM_403, &t, &s, peers, 3, then_one_peer_forbidden);
}

static bool permission_round_over(const struct turn_client *t)
{
	return t->stats.refusals || t->stats.permissions || t->state != TURN_ALLOCATED;
}

/* The relay is published only once its peers have a permission: before, it went to
 * discovery as soon as it was allocated, and stayed there when the server refused every
 * permission, so the other gateways routed to a relay that refused them all. */
static void then_never_permitted(struct turn_client *t, struct server *s)
{
	(void)s;
	CU_ASSERT_EQUAL_FATAL(t->state, TURN_ALLOCATED);
	CU_ASSERT_FALSE(t->published); /* allocated, no permission yet */
	pump(t, permission_round_over);
	CU_ASSERT(t->stats.refusals > 0); /* the 403 came */
	CU_ASSERT_EQUAL(t->stats.permissions, 0);
	CU_ASSERT_FALSE(t->published);
}

static void test_published_after_permission(void)
{
	static const char *const peers[] = { "10.0.0.66" }; /* the one the server forbids */
	struct turn_client t;
	struct server s = { 0 };

	run_with(SCRIPT_PERM_403, &t, &s, peers, 1, then_never_permitted);
}

/* The answer came while the process was busy elsewhere, past the request's deadline: it
 * is read, not taken for silence. */
static void then_answer_read_late(struct turn_client *t, struct server *s)
{
	int64_t now = (int64_t)mr_clock_ms();

	(void)s;
	CU_ASSERT_EQUAL_FATAL(t->state, TURN_ALLOCATED);
	t->refresh_due_ms = now;
	t->expires_ms = now + 20000; /* a short lifetime: waited for no longer than it lasts */
	turn_client_tick(t, now); /* the Refresh goes out */
	CU_ASSERT_FATAL(t->tx.active && t->tx.method == TURN_REFRESH);
	CU_ASSERT_EQUAL(t->tx.deadline_ms, now + 20000);
	usleep(200 * 1000);       /* answered meanwhile, not read */
	turn_client_tick(t, t->tx.deadline_ms);
	CU_ASSERT_EQUAL(t->state, TURN_ALLOCATED);
	CU_ASSERT_EQUAL(t->stats.refreshes, 1);
	CU_ASSERT_EQUAL(t->stats.failures, 0);
}

/* Peers asked alone (after a 403 for several): one refused with something else than 403
 * (508, which RFC 8656 9.1 allows) is passed over for the round, the others still asked
 * at once, and the next round comes after the back-off, not the full refresh time. Before,
 * the round waited on that peer, asking it alone again and again, and the permissions of
 * the peers after it lapsed. */
static void test_permission_refused_peer_passed_over(void)
{
	struct stun_addr peers[3] = { { .family = AF_INET, .port = 1 },
				      { .family = AF_INET, .port = 1 },
				      { .family = AF_INET, .port = 1 } };
	struct stun_msg forbid = { .error_code = 403 }, full = { .error_code = 508 };
	struct turn_perm p;

	for (int i = 0; i < 3; i++)
		peers[i].ip[0] = (uint8_t)(10 + i);
	turn_perm_reset(&p, "t", peers, 3, 0);
	turn_perm_refused(&p, &forbid, 10); /* all three at once: each asked alone */
	CU_ASSERT_TRUE(p.alone);
	CU_ASSERT_EQUAL(p.next, 0);
	turn_perm_answered(&p, 20);
	CU_ASSERT_EQUAL(p.next, 1);
	turn_perm_refused(&p, &full, 30);
	CU_ASSERT_EQUAL(p.next, 2); /* the third asked now */
	CU_ASSERT_EQUAL(p.due_ms, 30);
	turn_perm_answered(&p, 40); /* the round done: the next soon, every peer again */
	CU_ASSERT_EQUAL(p.next, 0);
	CU_ASSERT_EQUAL(p.forbidden, 0);
	CU_ASSERT_TRUE(p.due_ms > 40 && p.due_ms <= 40 + 2 * TURN_RETRY_MS);
	/* A round with no refusal: the full refresh time again. */
	turn_perm_answered(&p, 50);
	turn_perm_answered(&p, 60);
	turn_perm_answered(&p, 70);
	CU_ASSERT_EQUAL(p.due_ms, 70 + TURN_PERMISSION_REFRESH_MS);
	CU_ASSERT_EQUAL(p.refusals, 0);
}

static void test_answer_read_past_deadline(void)
{
	struct turn_client t;
	struct server s = { 0 };

	run_with(SCRIPT_SHA256, &t, &s, NULL, 0, then_answer_read_late);
}

/* A 300 Try Alternate to the Allocate: the allocation is made on the server it names,
 * and its data connections go there too. */
static void test_try_alternate(void)
{
	struct mr_turn_server_conf sc = { .name = "fake", .relay_protocol = 6,
					  .address = "127.0.0.1" };
	struct mr_turn_conf tc = { .lifetime_s = 600 };
	struct server front = { 0 }, alt = { 0 };
	pthread_t th_front, th_alt;
	struct turn_client t;
	char err[128];

	server_start(&alt, SCRIPT_SHA256, &th_alt);
	front.alternate_port = alt.port;
	server_start(&front, SCRIPT_REDIRECT, &th_front);
	front.alternate_port = alt.port; /* server_start zeroed it */
	sc.port = front.port;
	CU_ASSERT_EQUAL_FATAL(turn_client_init(&t, &sc, "gw", "pw", &tc, NULL, err, sizeof(err)), 0);
	drive(&t);
	CU_ASSERT_EQUAL(t.state, TURN_ALLOCATED);
	CU_ASSERT_EQUAL(t.stats.redirects, 1);
	CU_ASSERT(t.redirected && t.server_port == alt.port);
	CU_ASSERT_EQUAL(front.requests, 1);
	CU_ASSERT(alt.saw_sha256);
	turn_client_free(&t);
	shutdown(alt.listen_fd, SHUT_RDWR); /* an accept still waiting returns */
	shutdown(front.listen_fd, SHUT_RDWR);
	pthread_join(th_alt, NULL);
	pthread_join(th_front, NULL);
	close(alt.listen_fd);
	close(front.listen_fd);
}

/* What meshrelay-cp would send its data plane. */
struct binds {
	unsigned int n;
	char text[4][MR_CTL_BIND_TEXT_MAX];
	bool no_dataplane; /* refuse them all, as meshrelay-cp without its data plane */
};

static int on_bind(void *arg, const char *request)
{
	struct binds *b = arg;

	if (b->n < 4)
		snprintf(b->text[b->n], sizeof(b->text[0]), "%s", request);
	b->n++;
	return b->no_dataplane ? -1 : 0;
}

/* meshrelay-cp's mesh with one allocation (relay "tcp" or "udp") on the server at port,
 * peers 127.0.0.1 and fd00::1 permitted. */
static int mesh_start(struct cp_mesh *m, struct mr_config *conf, uint16_t port,
		      const char *relay, struct binds *b)
{
	const char *secrets = unit_path("turn-attempts.secrets");
	char text[1024], err[MR_ERR_MAX];

	unit_write_file(secrets, "fake gw pw\n");
	chmod(secrets, 0600);
	snprintf(text, sizeof(text),
		 "dataplane = { control_socket = \"/tmp/x.sock\"; };\n"
		 "ports = ( { name = \"edge\"; device = \"net_null0\"; ipv4 = \"10.0.0.1/24\"; } );\n"
		 "networks = ( { name = \"blue\"; local = true; allow = [ \"10.0.0.0/24\" ]; },\n"
		 "             { name = \"red\"; } );\n"
		 "gateway = { id = \"gw-blue\"; };\n"
		 "turn = { credentials = \"%s\"; servers = ( { name = \"fake\"; network = \"red\";\n"
		 "  address = \"127.0.0.1\"; port = %u; relay = \"%s\";\n"
		 "  peers = [ \"127.0.0.1\", \"fd00::1\" ]; } ); };\n", secrets, port, relay);
	if (mr_config_load_string(text, "mesh.conf", conf, err, sizeof(err)) < 0 ||
	    cp_mesh_start(m, conf, NULL, on_bind, b, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

/* Run the mesh until its TURN client has taken or refused n connection attempts, or 3 s
 * pass. */
static void drive_mesh(struct cp_mesh *m, uint64_t n)
{
	const struct turn_stats *st = &m->turn[0].stats;
	uint64_t deadline = mr_clock_ms() + 3000;

	while (mr_clock_ms() < deadline && st->connection_attempts + st->attempts_refused < n) {
		struct pollfd p[CP_MESH_MAX_FDS];
		int wait = cp_mesh_tick(m, mr_clock_ms());
		unsigned int k = cp_mesh_pollfds(m, p, CP_MESH_MAX_FDS);

		if (poll(p, k, wait < 20 ? wait : 20) > 0)
			cp_mesh_handle(m, p, k, mr_clock_ms());
	}
}

/* meshrelay-cp's mesh against the scripted server, which sends the n attempts around its
 * Allocate success (relay "tcp" or "udp"): what the mesh asked the data plane to bind,
 * its TURN client's counters; the server's port. */
static uint16_t mesh_run_as(const struct attempt *attempts, size_t n, const char *relay,
			    bool no_dataplane, struct binds *b, struct turn_stats *st)
{
	struct server s = { .attempts = attempts, .n_attempts = n };
	struct mr_config conf = { 0 };
	struct cp_mesh m;
	pthread_t th;

	memset(b, 0, sizeof(*b));
	b->no_dataplane = no_dataplane;
	memset(st, 0, sizeof(*st));
	server_start(&s, SCRIPT_SHA256, &th);
	if (mesh_start(&m, &conf, s.port, relay, b) == 0) {
		drive_mesh(&m, n);
		*st = m.turn[0].stats;
		cp_mesh_stop(&m); /* closes the connection: the server thread ends */
	} else {
		CU_FAIL("the mesh did not start");
		shutdown(s.listen_fd, SHUT_RDWR); /* the server thread's accept returns */
	}
	pthread_join(th, NULL);
	close(s.listen_fd);
	mr_config_free(&conf);
	return s.port;
}

/* mesh_run_as with a data plane that takes every BIND. */
static uint16_t mesh_run(const struct attempt *attempts, size_t n, const char *relay,
			 struct binds *b, struct turn_stats *st)
{
	return mesh_run_as(attempts, n, relay, false, b, st);
}

/* An attempt meshrelay-cp cannot hand to a data plane (none connected) is counted lost;
 * before, it was counted nowhere, and each was logged without the once-a-second bound. */
static void test_attempt_without_dataplane_lost(void)
{
	static const struct attempt attempts[] = { { 2, "127.0.0.1", 40001, false, false } };
	struct turn_stats st;
	struct binds b;

	mesh_run_as(attempts, 1, "tcp", true, &b, &st);
	CU_ASSERT_EQUAL(b.n, 1);
	CU_ASSERT_EQUAL(st.connection_attempts, 1);
	CU_ASSERT_EQUAL(st.attempts_lost, 1);
}

/* Each ConnectionAttempt becomes a BIND request naming its peer, IPv4 or IPv6: the data
 * plane hands the real client to the backend (PROXY v2) and keys the pool choice on it. */
static void test_attempt_names_peer(void)
{
	static const struct attempt attempts[] = {
		{ 2, "127.0.0.1", 40001, false, false },
		{ 3, "fd00::1", 40003, false, false },
	};
	struct mr_ctl_bind bind;
	struct turn_stats st;
	struct binds b;
	char err[128];
	uint16_t port = mesh_run(attempts, 2, "tcp", &b, &st);

	CU_ASSERT_EQUAL_FATAL(b.n, 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(b.text[0], " peer=127.0.0.1:40001"));
	CU_ASSERT_EQUAL_FATAL(mr_ctl_bind_decode(b.text[0], &bind, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(bind.peer_family, MR_CTL_PEER_V4);
	CU_ASSERT_EQUAL(bind.peer_port, htons(40001));
	CU_ASSERT_EQUAL(bind.peer[0], 127);
	CU_ASSERT_EQUAL(bind.peer[3], 1);
	CU_ASSERT_EQUAL(bind.server_port, htons(port));
	CU_ASSERT_EQUAL(bind.source, htonl(INADDR_LOOPBACK));
	CU_ASSERT_PTR_NOT_NULL(strstr(b.text[1], " peer=[fd00::1]:40003"));
	CU_ASSERT_EQUAL_FATAL(mr_ctl_bind_decode(b.text[1], &bind, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(bind.peer_family, MR_CTL_PEER_V6);
	CU_ASSERT_EQUAL(bind.peer[0], 0xfd);
	CU_ASSERT_EQUAL(bind.peer[15], 1);
	CU_ASSERT_EQUAL(bind.peer_port, htons(40003));
}

/* Only what the server can have sent becomes a BIND: an attempt before the allocation
 * exists, from a peer without a permission, or with port 0 is counted and ignored, and so
 * is one with an attribute that must be understood and is not (RFC 8489 6.3.2: before,
 * it was bound); the one from a permitted peer on the allocation still binds. */
static void test_attempt_refusals(void)
{
	static const struct attempt attempts[] = {
		{ 1, "127.0.0.1", 40000, true, false },  /* before the Allocate success */
		{ 2, "192.0.2.99", 40002, false, false }, /* no permission */
		{ 3, "127.0.0.1", 0, false, false },
		{ 4, "::ffff:127.0.0.1", 40004, false, false }, /* permissions are per family */
		{ 6, "127.0.0.1", 40006, false, true },
		{ 5, "127.0.0.1", 40005, false, false },
	};
	struct turn_stats st;
	struct binds b;

	mesh_run(attempts, 6, "tcp", &b, &st);
	CU_ASSERT_EQUAL(b.n, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(b.text[0], " peer=127.0.0.1:40005"));
	CU_ASSERT_EQUAL(st.connection_attempts, 1);
	CU_ASSERT_EQUAL(st.attempts_refused, 5);
}

/* A UDP allocation has no ConnectionAttempts (RFC 6062 is TCP only): none binds. */
static void test_attempt_on_udp_allocation(void)
{
	static const struct attempt attempts[] = { { 7, "127.0.0.1", 40007, false, false } };
	struct turn_stats st;
	struct binds b;

	mesh_run(attempts, 1, "udp", &b, &st);
	CU_ASSERT_EQUAL(b.n, 0);
	CU_ASSERT_EQUAL(st.connection_attempts, 0);
	CU_ASSERT_EQUAL(st.attempts_refused, 1);
}

int test_turn_register(void)
{
	static const CU_TestInfo tests[] = {
		{ "SHA-256 integrity offered and used, stale nonce renewed",
		  test_sha256_and_stale_nonce },
		{ "an answer with wrong integrity drops the connection", test_bad_integrity_is_refused },
		{ "credentials refused: slow retry", test_credentials_refused },
		{ "a connection never set up: given up, retried", test_connection_never_set_up },
		{ "a ConnectionAttempt's BIND names its peer, IPv4 or IPv6", test_attempt_names_peer },
		{ "an attempt without a data plane: lost", test_attempt_without_dataplane_lost },
		{ "ConnectionAttempts the server cannot have sent are ignored", test_attempt_refusals },
		{ "a relay is published once its peers have a permission",
		  test_published_after_permission },
		{ "no ConnectionAttempt on a UDP allocation", test_attempt_on_udp_allocation },
		{ "no challenge from the server: ConnectionBind unsigned", test_bind_without_challenge },
		{ "a refused Refresh asked again while the allocation lasts", test_refresh_refused },
		{ "an Allocate refused on purpose: backed off as credentials are",
		  test_allocate_refused_backed_off },
		{ "an answer with an unknown must-understand attribute: failed",
		  test_unknown_required_attribute },
		{ "a forbidden peer: the others asked alone and permitted",
		  test_permission_forbidden_peer },
		{ "permissions: a peer refused alone passed over for the round",
		  test_permission_refused_peer_passed_over },
		{ "an answer read after its deadline is not silence", test_answer_read_past_deadline },
		{ "300 Try Alternate: allocated on the server it names", test_try_alternate },
		{ "allocations dropped as soon as made: backed off", test_dropped_allocations_backed_off },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite("turn_client", tests);
}
