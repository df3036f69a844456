/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "ctl_io": the control protocol's blocking helpers, whole messages over socket
 * pairs: split writes, large payloads, timeouts, signals, peers that close mid-message,
 * frames refused, connecting. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "mr_clock.h"
#include "mr_ctl_proto.h"
#include "unit.h"

static void pair(int sv[2])
{
	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
}

static void unpair(int sv[2])
{
	close(sv[0]);
	close(sv[1]);
}

static void test_send_recv(void)
{
	struct mr_ctl_hdr h;
	char *payload;
	int sv[2];

	pair(sv);
	CU_ASSERT_EQUAL(mr_ctl_send(sv[0], MR_CTL_QUERY, 42, "routes", 6), 0);
	CU_ASSERT_EQUAL(mr_ctl_send(sv[0], MR_CTL_PING, 0, NULL, 0), 0);
	CU_ASSERT_EQUAL_FATAL(mr_ctl_recv(sv[1], &h, &payload, 100, 1000), 0);
	CU_ASSERT_EQUAL(h.type, MR_CTL_QUERY);
	CU_ASSERT_EQUAL(h.generation, 42);
	CU_ASSERT_EQUAL(h.length, 6);
	CU_ASSERT_STRING_EQUAL(payload, "routes");
	free(payload);
	CU_ASSERT_EQUAL_FATAL(mr_ctl_recv(sv[1], &h, &payload, 100, 1000), 0);
	CU_ASSERT_EQUAL(h.type, MR_CTL_PING);
	CU_ASSERT_EQUAL(h.length, 0);
	CU_ASSERT_STRING_EQUAL(payload, ""); /* an empty payload is still a string */
	free(payload);
	unpair(sv);
}

/* A writer thread that trickles bytes: every chunk is its own write, with a pause. */
struct trickle {
	int fd;
	const uint8_t *bytes;
	size_t len, chunk;
	unsigned int pause_us;
	bool close_after;
};

static void *trickle_run(void *arg)
{
	struct trickle *t = arg;
	sigset_t alarm;

	sigemptyset(&alarm);
	sigaddset(&alarm, SIGALRM); /* signals are for the receiving thread */
	pthread_sigmask(SIG_BLOCK, &alarm, NULL);
	for (size_t off = 0; off < t->len; off += t->chunk) {
		size_t n = t->len - off < t->chunk ? t->len - off : t->chunk;

		if (write(t->fd, t->bytes + off, n) != (ssize_t)n)
			break;
		if (t->pause_us)
			usleep(t->pause_us);
	}
	if (t->close_after)
		close(t->fd);
	return NULL;
}

/* The whole frame for a payload, as a sender would put it on the wire. */
static uint8_t *frame(uint16_t type, const char *payload, size_t len)
{
	uint8_t *f = malloc(MR_CTL_HDR_LEN + len);

	mr_ctl_hdr_encode(&(struct mr_ctl_hdr){ MR_CTL_VERSION, type, 9, (uint32_t)len }, f);
	memcpy(f + MR_CTL_HDR_LEN, payload, len);
	return f;
}

/* text sent as a message of type, chunk bytes at a time pause_us apart from another
 * thread, received whole (up to max_payload, within 5 s) and checked. */
static void receive_trickled(uint16_t type, const char *text, size_t chunk,
			     unsigned int pause_us, uint32_t max_payload)
{
	uint8_t *f = frame(type, text, strlen(text));
	struct trickle t = { .bytes = f, .len = MR_CTL_HDR_LEN + strlen(text), .chunk = chunk,
			     .pause_us = pause_us };
	struct mr_ctl_hdr h;
	pthread_t th;
	char *payload;
	int sv[2];

	pair(sv);
	t.fd = sv[0];
	pthread_create(&th, NULL, trickle_run, &t);
	CU_ASSERT_EQUAL(mr_ctl_recv(sv[1], &h, &payload, max_payload, 5000), 0);
	pthread_join(th, NULL);
	CU_ASSERT_EQUAL(h.type, type);
	CU_ASSERT_EQUAL(h.generation, 9);
	CU_ASSERT_PTR_NOT_NULL(payload);
	if (payload)
		CU_ASSERT_STRING_EQUAL(payload, text);
	free(payload);
	free(f);
	unpair(sv);
}

static void test_split_writes(void)
{
	static const char text[] = "routes = ( { sni = \"a.example\"; pool = \"a\"; } );";

	receive_trickled(MR_CTL_PUSH, text, 3, 500, 1000);
}

struct sender {
	int fd;
	const char *payload;
	uint32_t len;
	int rc;
};

static void *sender_run(void *arg)
{
	struct sender *s = arg;

	s->rc = mr_ctl_send(s->fd, MR_CTL_REPLY, 1, s->payload, s->len);
	return NULL;
}

/* Far more than a socket buffer holds: the send must go on after partial writes. */
static void test_large_payload(void)
{
	uint32_t len = 4u << 20;
	char *big = malloc(len);
	struct sender s = { .payload = big, .len = len, .rc = -1 };
	struct mr_ctl_hdr h;
	pthread_t th;
	char *payload;
	int sv[2];

	for (uint32_t i = 0; i < len; i++)
		big[i] = (char)('a' + i % 26);
	pair(sv);
	s.fd = sv[0];
	pthread_create(&th, NULL, sender_run, &s);
	CU_ASSERT_EQUAL(mr_ctl_recv(sv[1], &h, &payload, MR_CTL_MAX_PAYLOAD, 10000), 0);
	pthread_join(th, NULL);
	CU_ASSERT_EQUAL(s.rc, 0);
	CU_ASSERT_EQUAL(h.length, len);
	CU_ASSERT_FATAL(payload != NULL);
	CU_ASSERT_EQUAL(memcmp(payload, big, len), 0);
	CU_ASSERT_EQUAL(payload[len], '\0');
	free(payload);
	free(big);
	unpair(sv);
}

/* A reader that takes the message a piece at a time, slowly: 128 KiB every 100 ms. */
struct slow_reader {
	int fd;
	size_t got;
};

static void *slow_reader_run(void *arg)
{
	struct slow_reader *r = arg;
	static uint8_t buf[128 << 10];
	ssize_t n;

	do {
		usleep(100000);
		n = read(r->fd, buf, sizeof(buf));
		if (n > 0)
			r->got += (size_t)n;
	} while (n > 0);
	return NULL;
}

/* The send's bound is on a peer that takes nothing, not on the whole message: 2 MiB to
 * a reader that takes 128 KiB every 100 ms (about 1.6 s in all) goes through with a
 * 400 ms bound. Before, the bound ran from the first byte, and a large push to a data
 * plane busy with other clients failed with ETIMEDOUT while it moved. */
static void test_send_bound_is_idle_time(void)
{
	uint32_t len = 2u << 20;
	char *big = calloc(1, len);
	struct slow_reader r = { 0 };
	pthread_t th;
	int sv[2];

	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	pair(sv);
	r.fd = sv[1];
	pthread_create(&th, NULL, slow_reader_run, &r);
	CU_ASSERT_EQUAL(mr_ctl_send_within(sv[0], MR_CTL_PUSH, 1, big, len, 400), 0);
	shutdown(sv[0], SHUT_WR);
	pthread_join(th, NULL);
	CU_ASSERT_EQUAL(r.got, MR_CTL_HDR_LEN + len);
	free(big);
	unpair(sv);
}

static void test_timeout(void)
{
	uint8_t hdr[MR_CTL_HDR_LEN];
	struct mr_ctl_hdr h;
	char *payload = (char *)1;
	uint64_t t0;
	int sv[2];

	pair(sv);
	t0 = mr_clock_ms();
	errno = 0;
	CU_ASSERT_EQUAL(mr_ctl_recv(sv[1], &h, &payload, 100, 80), -1);
	CU_ASSERT_EQUAL(errno, ETIMEDOUT);
	CU_ASSERT_PTR_NULL(payload);
	CU_ASSERT(mr_clock_ms() - t0 >= 80 && mr_clock_ms() - t0 < 1000);
	/* The header came, the payload never does: the bound covers the whole message. */
	mr_ctl_hdr_encode(&(struct mr_ctl_hdr){ MR_CTL_VERSION, MR_CTL_REPLY, 1, 10 }, hdr);
	CU_ASSERT_EQUAL(write(sv[0], hdr, sizeof(hdr)), (ssize_t)sizeof(hdr));
	CU_ASSERT_EQUAL(write(sv[0], "abc", 3), 3);
	errno = 0;
	CU_ASSERT_EQUAL(mr_ctl_recv(sv[1], &h, &payload, 100, 80), -1);
	CU_ASSERT_EQUAL(errno, ETIMEDOUT);
	CU_ASSERT_PTR_NULL(payload);
	unpair(sv);
}

static void test_peer_closed(void)
{
	static const char text[] = "half of it";
	uint8_t *f = frame(MR_CTL_REPLY, text, sizeof(text) - 1);
	struct mr_ctl_hdr h;
	char *payload;
	int sv[2];

	pair(sv);
	close(sv[0]);
	errno = 0;
	CU_ASSERT_EQUAL(mr_ctl_recv(sv[1], &h, &payload, 100, 1000), -1);
	CU_ASSERT_EQUAL(errno, ECONNRESET);
	close(sv[1]);

	pair(sv);
	CU_ASSERT_EQUAL(write(sv[0], f, MR_CTL_HDR_LEN + 4), MR_CTL_HDR_LEN + 4);
	close(sv[0]);
	errno = 0;
	CU_ASSERT_EQUAL(mr_ctl_recv(sv[1], &h, &payload, 100, 1000), -1);
	CU_ASSERT_EQUAL(errno, ECONNRESET);
	CU_ASSERT_PTR_NULL(payload);
	/* Sending to a closed peer fails with EPIPE, and SIGPIPE never kills the sender. */
	errno = 0;
	CU_ASSERT_EQUAL(mr_ctl_send(sv[1], MR_CTL_PING, 0, NULL, 0), -1);
	CU_ASSERT_EQUAL(errno, EPIPE);
	close(sv[1]);
	free(f);
}

/* Frames that a receiver must refuse as a whole: EPROTO, nothing allocated. */
static void test_recv_refusals(void)
{
	uint8_t hdr[MR_CTL_HDR_LEN];
	struct mr_ctl_hdr h;
	char *payload;
	int sv[2];

	for (int k = 0; k < 3; k++) {
		pair(sv);
		mr_ctl_hdr_encode(&(struct mr_ctl_hdr){ MR_CTL_VERSION, MR_CTL_PUSH, 1,
							k == 2 ? 101 : 5 }, hdr);
		if (k == 0)
			hdr[0] = 'X';
		if (k == 1)
			hdr[5] = 9;
		CU_ASSERT_EQUAL(write(sv[0], hdr, sizeof(hdr)), (ssize_t)sizeof(hdr));
		errno = 0;
		CU_ASSERT_EQUAL(mr_ctl_recv(sv[1], &h, &payload, 100, 1000), -1);
		CU_ASSERT_EQUAL(errno, EPROTO);
		CU_ASSERT_PTR_NULL(payload);
		unpair(sv);
	}
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* Signals every 2 ms while a trickled message arrives: no EINTR reaches the caller. */
static void test_signals(void)
{
	struct itimerval every = { { 0, 2000 }, { 0, 2000 } }, off = { { 0, 0 }, { 0, 0 } };
	struct sigaction sa = { .sa_handler = on_alarm }, old;

	sigaction(SIGALRM, &sa, &old); /* no SA_RESTART: poll and recv do see EINTR */
	setitimer(ITIMER_REAL, &every, NULL);
	receive_trickled(MR_CTL_PONG, "{\"generation\": 3}", 2, 3000, 100);
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
}

static void test_connect(void)
{
	char long_path[200];
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char *path = unit_path("proto.sock");
	int lfd, cfd, afd;
	struct mr_ctl_hdr h;
	char *payload;

	memset(long_path, 'x', sizeof(long_path) - 1);
	long_path[0] = '/';
	long_path[sizeof(long_path) - 1] = '\0';
	errno = 0;
	CU_ASSERT_EQUAL(mr_ctl_connect(long_path, 1000), -1);
	CU_ASSERT_EQUAL(errno, ENAMETOOLONG);
	errno = 0;
	CU_ASSERT_EQUAL(mr_ctl_connect(path, 1000), -1);
	CU_ASSERT_EQUAL(errno, ENOENT);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) == 0 && listen(lfd, 1) == 0);
	cfd = mr_ctl_connect(path, 1000);
	CU_ASSERT_FATAL(cfd >= 0);
	afd = accept(lfd, NULL, NULL);
	CU_ASSERT_EQUAL(mr_ctl_send(cfd, MR_CTL_PING, 0, NULL, 0), 0);
	CU_ASSERT_EQUAL(mr_ctl_recv(afd, &h, &payload, 0, 1000), 0);
	CU_ASSERT_EQUAL(h.type, MR_CTL_PING);
	free(payload);
	close(afd);
	close(cfd);
	close(lfd);
	unlink(path);
}

/* A listening socket at path that never accepts, its backlog filled by the connections
 * left in fds (n of them, up to max): what a frozen data plane looks like. */
static int listen_full(const char *path, int fds[], int max, int *n)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int lfd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	CU_ASSERT_FATAL(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) == 0 && listen(lfd, 0) == 0);
	for (*n = 0; *n < max; (*n)++) {
		fds[*n] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (connect(fds[*n], (struct sockaddr *)&sun, sizeof(sun)) < 0) {
			close(fds[*n]);
			break;
		}
	}
	return lfd;
}

struct connector {
	const char *path;
	int timeout_ms;
	int fd, err;
};

static void *connector_run(void *arg)
{
	struct connector *c = arg;

	c->fd = mr_ctl_connect(c->path, c->timeout_ms);
	c->err = errno;
	return NULL;
}

/* The connect runs on a thread that the test gives up on after 3 s: a connect that
 * ignores its deadline fails the test instead of hanging the run. */
static void test_connect_backlog_full(void)
{
	struct connector c = { .path = unit_path("frozen.sock"), .timeout_ms = 200, .fd = -1 };
	struct timespec until;
	int fds[64], n, lfd;
	uint64_t t0;
	pthread_t th;
	bool done;

	lfd = listen_full(c.path, fds, 64, &n);
	CU_ASSERT_FATAL(n > 0 && n < 64);
	t0 = mr_clock_ms();
	pthread_create(&th, NULL, connector_run, &c);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 3;
	done = pthread_timedjoin_np(th, NULL, &until) == 0;
	if (!done) {
		pthread_cancel(th); /* stuck in connect, a cancellation point */
		pthread_join(th, NULL);
	}
	CU_ASSERT_TRUE(done);
	CU_ASSERT_EQUAL(c.fd, -1);
	CU_ASSERT_EQUAL(c.err, ETIMEDOUT);
	CU_ASSERT(mr_clock_ms() - t0 >= 200 && mr_clock_ms() - t0 < 1000);
	while (n > 0)
		close(fds[--n]);
	close(lfd);
	unlink(c.path);
}

int test_ctl_io_register(void)
{
	static CU_TestInfo tests[] = {
		{ "send and receive over a socket pair", test_send_recv },
		{ "a message in 3-byte writes", test_split_writes },
		{ "4 MB payload through partial writes", test_large_payload },
		{ "receive time-out, before and inside a message", test_timeout },
		{ "the send bound is on a peer that takes nothing", test_send_bound_is_idle_time },
		{ "peer closes before and inside a message", test_peer_closed },
		{ "receiver refuses bad frames with EPROTO", test_recv_refusals },
		{ "signals during a receive", test_signals },
		{ "connect: long path, missing socket, round trip", test_connect },
		{ "connect: a full backlog fails it at the deadline", test_connect_backlog_full },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite("ctl_io", tests);
}
