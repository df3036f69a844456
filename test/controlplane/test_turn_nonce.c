/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "turn_nonce": how long a TURN server's nonces live, learned from its 438 answers
 * (turn_nonce.h). A simulated server that, as coturn with --stale-nonce, lets each nonce
 * go stale a fixed number of its seconds after it made one, asked on the client's
 * schedule: the nonce's expiry is met by a test soon after it, not at the next scheduled
 * request; a server that stops letting nonces go stale is tested ever more rarely. Then
 * the TURN client against such a server on loopback, on a clock of the test's own: its
 * Refresh goes out as the nonce goes stale, so a ConnectionBind signed in between finds a
 * live nonce. */
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mr_clock.h"
#include "stun_msg.h"
#include "stun_stream.h"
#include "turn_client.h"
#include "turn_nonce.h"
#include "unit.h"

/* A server's nonce: stale once the server's clock (whole seconds) has passed its making
 * second by life_s; life_s 0: never. */
struct sim_nonce {
	int64_t made_ms;
	unsigned int life_s;
};

static bool sim_stale(const struct sim_nonce *s, int64_t now_ms)
{
	return s->life_s && now_ms / 1000 > s->made_ms / 1000 + s->life_s;
}

/* The moment s goes stale. */
static int64_t sim_expiry_ms(const struct sim_nonce *s)
{
	return (s->made_ms / 1000 + s->life_s + 1) * 1000;
}

/* What a run of the simulation saw. */
struct sim_run {
	int64_t late_ms[64]; /* each nonce's expiry to the request that met it stale */
	unsigned int n_late;
	unsigned int requests; /* all requests: scheduled and tests */
};

/* The client's requests every every_ms and at each test the learner asks for, from 0 to
 * end_ms, against nonces of life_s (changed to life2_s at switch_ms). */
static void simulate(unsigned int life_s, int64_t every_ms, int64_t end_ms,
		     unsigned int life2_s, int64_t switch_ms, struct sim_run *run)
{
	struct turn_nonce_life n = { 0 };
	struct sim_nonce server = { 0, life_s };
	int64_t now = 0, scheduled = every_ms;

	memset(run, 0, sizeof(*run));
	turn_nonce_taken(&n, 0, false); /* the first 401 */
	while (now < end_ms) {
		int64_t test = turn_nonce_test_ms(&n);

		now = test < scheduled ? test : scheduled;
		if (now == scheduled)
			scheduled += every_ms;
		if (now >= switch_ms)
			server.life_s = life2_s;
		run->requests++;
		if (sim_stale(&server, now)) {
			if (run->n_late < 64)
				run->late_ms[run->n_late++] = now - sim_expiry_ms(&server);
			server.made_ms = now; /* the 438's new nonce */
			turn_nonce_taken(&n, now, true);
			run->requests++; /* the request again, signed with it */
		}
		turn_nonce_ok(&n, now);
	}
}

/* coturn's default stale nonce (600 s) under a 240 s schedule (a permission's refresh):
 * without tests each nonce would be met up to 240 s late, each ConnectionBind in that
 * time refused. The tests halve the unknown each round; from the fifth nonce on it is
 * met within two seconds (the server counts whole seconds), at a cost of a few requests
 * a nonce. */
static void test_expiry_met_soon(void)
{
	struct sim_run run;
	int64_t worst = 0;

	simulate(600, 240000, 12 * 3600 * 1000LL, 600, INT64_MAX, &run);
	CU_ASSERT_FATAL(run.n_late >= 60);
	CU_ASSERT(run.late_ms[0] > 2000); /* the first is met by the schedule */
	for (unsigned int i = 5; i < run.n_late; i++)
		worst = run.late_ms[i] > worst ? run.late_ms[i] : worst;
	CU_ASSERT(worst <= 2000);
	/* 180 scheduled requests and 71 retries in 12 h; the tests at most 3 a nonce. */
	CU_ASSERT(run.requests <= 180 + 71 + 3 * 72);
}

/* Lifetimes shorter than the schedule's period are learned as well (nonces of 7 s,
 * requests each minute). */
static void test_short_lifetime(void)
{
	struct sim_run run;

	simulate(7, 60000, 600000, 7, INT64_MAX, &run);
	CU_ASSERT_FATAL(run.n_late >= 20);
	for (unsigned int i = 8; i < run.n_late; i++)
		CU_ASSERT(run.late_ms[i] <= 2000);
}

/* The server restarted without stale nonces: the tests move out and grow apart, so an
 * hour sees a handful of them, not one a second. */
static void test_server_stops_going_stale(void)
{
	struct sim_run before, after;

	simulate(600, 240000, 3 * 3600 * 1000LL, 600, INT64_MAX, &before);
	simulate(600, 240000, 4 * 3600 * 1000LL, 0, 3 * 3600 * 1000LL, &after);
	CU_ASSERT(after.requests - before.requests <= 15 + 15);
}

/* The TURN client against a server whose nonces go stale LIFE_S of its seconds after it
 * made them, on the test's clock (server_now_ms). */
#define LIFE_S 10
static _Atomic int64_t server_now_ms;

struct nonce_server {
	int listen_fd;
	uint16_t port;
	struct sim_nonce nonce;
	unsigned int index;          /* of the nonce in force */
	int64_t late_ms[32];         /* as sim_run's */
	unsigned int n_late;
	unsigned int refreshes;
};

static void nonce_text(const struct nonce_server *s, char *buf, size_t cap)
{
	snprintf(buf, cap, "nonce-%u", s->index);
}

static void reply(int fd, const struct stun_msg *m, int error, const char *nonce,
		  const uint8_t *key)
{
	struct stun_addr relay = { .family = AF_INET, .ip = { 192, 0, 2, 9 }, .port = 50000 };
	struct stun_builder b;
	uint8_t buf[512];
	int len;

	stun_build_start(&b, buf, sizeof(buf), m->method, error ? STUN_ERROR : STUN_SUCCESS,
			 m->tid);
	if (error) {
		stun_put_error_code(&b, error, error == 401 ? "Unauthorized" : "Stale Nonce");
		stun_put_string(&b, STUN_ATTR_REALM, "mesh.test");
		stun_put_string(&b, STUN_ATTR_NONCE, nonce);
	} else if (m->method == TURN_ALLOCATE) {
		stun_put_xor_addr(&b, STUN_ATTR_XOR_RELAYED_ADDRESS, &relay);
		stun_put_u32(&b, STUN_ATTR_LIFETIME, 600);
	}
	if (key)
		stun_put_integrity(&b, key, 16);
	len = stun_build_finish(&b);
	if (len > 0)
		send(fd, buf, (size_t)len, MSG_NOSIGNAL);
}

static void *serve_nonces(void *arg)
{
	struct nonce_server *s = arg;
	int fd = accept(s->listen_fd, NULL, NULL);
	uint8_t buf[1024], key[32];
	struct stun_msg m;
	char nonce[32];
	int len;

	stun_long_term_key(STUN_PW_MD5, "gw", "mesh.test", "pw", key);
	while (fd >= 0 && (len = stun_stream_read(fd, buf, sizeof(buf))) > 0 &&
	       stun_decode(buf, (size_t)len, &m, NULL) == 0) {
		int64_t now = atomic_load(&server_now_ms);

		if (sim_stale(&s->nonce, now)) { /* the next request meets it */
			if (s->n_late < 32)
				s->late_ms[s->n_late++] = now - sim_expiry_ms(&s->nonce);
			s->nonce.made_ms = now;
			s->index++;
		}
		nonce_text(s, nonce, sizeof(nonce));
		if (!m.has_integrity) {
			reply(fd, &m, 401, nonce, NULL);
		} else if (strcmp(m.nonce, nonce) != 0) {
			reply(fd, &m, 438, nonce, NULL);
		} else {
			s->refreshes += m.method == TURN_REFRESH;
			reply(fd, &m, 0, NULL, key);
		}
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* The client on the test's clock: steps of 50 ms, each request answered before the
 * next step. */
static void run_clock(struct turn_client *t, int64_t from_ms, int64_t to_ms)
{
	for (int64_t now = from_ms; now < to_ms; now += 50) {
		uint64_t deadline = mr_clock_ms() + 2000;

		atomic_store(&server_now_ms, now);
		turn_client_tick(t, now);
		while (t->state != TURN_WAITING && (t->tx.active || t->conn.state != CP_CONN_OPEN) &&
		       mr_clock_ms() < deadline) {
			struct pollfd p = { .fd = t->conn.fd, .events = turn_client_events(t) };

			if (poll(&p, 1, 20) > 0)
				turn_client_handle(t, p.revents, now);
		}
	}
}

/* Refreshes every 7 s (configured) against nonces of 10 s: after three nonces, each is
 * met by the client within two seconds of going stale (before, 3 s after it each time, at
 * the schedule's next Refresh), and the allocation never fails. */
static void test_client_meets_expiry(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct mr_turn_server_conf sc = { .name = "fake", .relay_protocol = 6,
					  .address = "127.0.0.1" };
	struct mr_turn_conf tc = { .lifetime_s = 600, .refresh_s = 7 };
	static struct nonce_server s;
	socklen_t len = sizeof(sa);
	struct turn_client t;
	char err[128];
	pthread_t th;

	memset(&s, 0, sizeof(s));
	s.nonce.life_s = LIFE_S;
	s.listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CU_ASSERT_FATAL(s.listen_fd >= 0);
	CU_ASSERT_FATAL(bind(s.listen_fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	CU_ASSERT_FATAL(listen(s.listen_fd, 1) == 0);
	getsockname(s.listen_fd, (struct sockaddr *)&sa, &len);
	sc.port = ntohs(sa.sin_port);
	CU_ASSERT_FATAL(pthread_create(&th, NULL, serve_nonces, &s) == 0);
	CU_ASSERT_EQUAL_FATAL(turn_client_init(&t, &sc, "gw", "pw", &tc, NULL, err, sizeof(err)), 0);
	run_clock(&t, 1000, 121000);
	CU_ASSERT_EQUAL(t.state, TURN_ALLOCATED);
	CU_ASSERT_EQUAL(t.stats.failures, 0);
	turn_client_free(&t);
	pthread_join(th, NULL);
	close(s.listen_fd);
	CU_ASSERT_FATAL(s.n_late >= 6);
	for (unsigned int i = 3; i < s.n_late; i++)
		CU_ASSERT(s.late_ms[i] <= 2000);
	CU_ASSERT(s.refreshes <= 18 + 3 * s.n_late); /* the schedule's, and a few tests a nonce */
}

int test_turn_nonce_register(void)
{
	static const CU_TestInfo tests[] = {
		{ "a nonce's expiry met within 2 s, at a few requests a nonce",
		  test_expiry_met_soon },
		{ "lifetimes shorter than the schedule learned", test_short_lifetime },
		{ "a server whose nonces no longer go stale: tested rarely",
		  test_server_stops_going_stale },
		{ "the TURN client refreshes as its nonce goes stale", test_client_meets_expiry },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite("turn_nonce", tests);
}
