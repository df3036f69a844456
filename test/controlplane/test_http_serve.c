/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "http_serve": the scrape endpoint's responder, driven as meshrelay-cp's loop and
 * the data plane's metrics thread drive it, with real sockets on loopback: requests
 * trickled, silent, long and wrong; bodies past the first buffer and the cap; scrapers
 * that never read; more scrapers than slots. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mr_clock.h"
#include "mr_http_serve.h"
#include "unit.h"

/* A body of *ctx bytes ('x's), or nothing when it does not fit. */
static size_t render_big(void *ctx, char *buf, size_t cap)
{
	size_t want = *(const size_t *)ctx;

	if (want > cap)
		return 0;
	memset(buf, 'x', want);
	return want;
}

/* A listening socket on a free loopback port, and a client connected to it. */
static int listen_any(struct sockaddr_in *sa)
{
	socklen_t len = sizeof(*sa);
	char err[128];
	int fd = mr_http_listen("metrics", "127.0.0.1", 0, err, sizeof(err));

	CU_ASSERT_FATAL(fd >= 0);
	getsockname(fd, (struct sockaddr *)sa, &len);
	return fd;
}

static int connect_to(const struct sockaddr_in *sa)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0);
	return fd;
}

/* One turn of a caller's loop: poll what the server asks for (50 ms at most), serve it,
 * run its deadlines. */
static void serve_turn(struct mr_http_server *s)
{
	struct pollfd pfd[MR_HTTP_POLLFDS];
	int wait_ms = mr_http_server_tick(s, mr_clock_ms());
	unsigned int n = mr_http_server_pollfds(s, pfd);

	if (poll(pfd, n, wait_ms < 0 || wait_ms > 50 ? 50 : wait_ms) > 0)
		mr_http_server_handle(s, pfd, n, mr_clock_ms());
	mr_http_server_tick(s, mr_clock_ms());
}

/* Turns until done connections were answered or dropped and none is left, for 5 s at
 * most (every limit of the server is far shorter). */
static void serve_until(struct mr_http_server *s, uint64_t done)
{
	uint64_t until = mr_clock_ms() + 5000;

	while ((s->answered + s->dropped < done || mr_http_server_busy(s)) && mr_clock_ms() < until)
		serve_turn(s);
}

/* What a client reads until the server closes (2 s at most); its length, NUL-ended. */
static size_t read_answer(int fd, char *buf, size_t cap)
{
	struct timeval tv = { .tv_sec = 2 };
	size_t got = 0;
	ssize_t n;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (got + 1 < cap && (n = recv(fd, buf + got, cap - 1 - got, 0)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	return got;
}

/* The one request client fd sent is answered 200 once the server is served; then both
 * sockets closed. */
static void answered_once(struct mr_http_server *s, int fd, int listen_fd)
{
	char answer[256];

	serve_until(s, 1);
	CU_ASSERT_EQUAL(s->answered, 1);
	CU_ASSERT(read_answer(fd, answer, sizeof(answer)) > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(answer, " 200 "));
	close(fd);
	close(listen_fd);
}

/* The status of each kind of head. */
static void test_request_status(void)
{
	static char long_head[MR_HTTP_HEAD_MAX];

	CU_ASSERT_EQUAL(mr_http_request_status("GET /metrics HTTP/1.1\r\n", 23, true), 200);
	CU_ASSERT_EQUAL(mr_http_request_status("GET / HTTP/1.0\r\n", 16, true), 200);
	CU_ASSERT_EQUAL(mr_http_request_status("GET /metricsx HTTP/1.0\r\n", 24, true), 404);
	CU_ASSERT_EQUAL(mr_http_request_status("GET /health HTTP/1.0\r\n", 22, true), 404);
	CU_ASSERT_EQUAL(mr_http_request_status("POST /metrics HTTP/1.0\r\n", 24, true), 405);
	CU_ASSERT_EQUAL(mr_http_request_status("OPTIONS / HTTP/1.0\r\n", 20, true), 405);
	CU_ASSERT_EQUAL(mr_http_request_status("HEAD /metrics HTTP/1.1\r\n", 24, true), 200);
	CU_ASSERT_EQUAL(mr_http_request_status("GET /metrics?job=edge HTTP/1.1\r\n", 32, true), 200);
	CU_ASSERT_EQUAL(mr_http_request_status("GET /?x HTTP/1.1\r\n", 18, true), 200);
	CU_ASSERT_EQUAL(mr_http_request_status("GET /metrics?x\r\n", 16, false), 200);
	CU_ASSERT_EQUAL(mr_http_request_status("get / HTTP/1.0\r\n", 16, true), 400);
	CU_ASSERT_EQUAL(mr_http_request_status("\x16\x03\x01 / HTTP/1.0\r\n", 18, true), 400);
	CU_ASSERT_EQUAL(mr_http_request_status("GET /metrics", 12, false), 404); /* cut short */
	CU_ASSERT_EQUAL(mr_http_request_status("GE", 2, false), 400);
	CU_ASSERT_EQUAL(mr_http_request_status("", 0, false), 400);
	memcpy(long_head, "GET /metrics ", 13);
	CU_ASSERT_EQUAL(mr_http_request_status(long_head, sizeof(long_head), false), 431);
	CU_ASSERT_EQUAL(mr_http_head_end("GET / HTTP/1.0\r\n\r\nrest", 22), 18);
	CU_ASSERT_EQUAL(mr_http_head_end("GET / HTTP/1.0\n\nrest", 20), 16);
	CU_ASSERT_EQUAL(mr_http_head_end("GET / HTTP/1.0\r\n\r", 17), 0);
	CU_ASSERT_EQUAL(mr_http_head_end("\r\n\r\n", 4), 4);
}

/* A scraper that sends its request a byte every 100 ms (about 2.6 s for the request). */
static void *trickle_request(void *arg)
{
	static const char req[] = "GET /metrics HTTP/1.0\r\n\r\n";
	int fd = *(int *)arg;

	for (size_t i = 0; i + 1 < sizeof(req); i++) {
		if (send(fd, req + i, 1, MSG_NOSIGNAL) != 1)
			break;
		usleep(100000);
	}
	return NULL;
}

/* A scraper whose request comes 400 ms after its connection (its first segment lost and
 * sent again after Linux's least RTO, or a long round trip) is answered 200 (before, it
 * got a 400 for what had come in the first 250 ms: nothing). */
static void *late_request(void *arg)
{
	static const char req[] = "GET /metrics HTTP/1.0\r\n\r\n";
	int fd = *(int *)arg;

	usleep(400000);
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req))
		perror("late request");
	return NULL;
}

static void test_late_first_segment(void)
{
	struct sockaddr_in sa;
	int listen_fd = listen_any(&sa), fd = connect_to(&sa);
	size_t want = 5;
	struct mr_http_server s;
	char answer[256];
	pthread_t th;

	mr_http_server_init(&s, listen_fd, MR_METRICS_CONTENT_TYPE, render_big, &want, 4096);
	CU_ASSERT_FATAL(pthread_create(&th, NULL, late_request, &fd) == 0);
	serve_until(&s, 1);
	CU_ASSERT(read_answer(fd, answer, sizeof(answer)) > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(answer, " 200 "));
	pthread_join(th, NULL);
	close(fd);
	close(listen_fd);
}

/* A request trickled a byte at a time is answered, 400, at the read limit in all, not
 * waited for a byte at a time. */
static void test_trickle_bounded(void)
{
	struct sockaddr_in sa;
	int listen_fd = listen_any(&sa), fd = connect_to(&sa);
	size_t want = 5;
	struct mr_http_server s;
	char answer[256];
	uint64_t start;
	pthread_t th;

	mr_http_server_init(&s, listen_fd, MR_METRICS_CONTENT_TYPE, render_big, &want, 4096);
	CU_ASSERT_FATAL(pthread_create(&th, NULL, trickle_request, &fd) == 0);
	start = mr_clock_ms();
	serve_until(&s, 1);
	/* Bounded by its own limit, well short of the 2.6 s the request takes to arrive. */
	CU_ASSERT(mr_clock_ms() - start < 2 * MR_HTTP_READ_MS + MR_HTTP_WRITE_MS);
	CU_ASSERT(read_answer(fd, answer, sizeof(answer)) > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(answer, " 400 "));
	CU_ASSERT_EQUAL(s.answered, 1);
	shutdown(fd, SHUT_RDWR);
	pthread_join(th, NULL);
	close(fd);
	close(listen_fd);
}

/* One scrape of a body of want bytes with max_body, asked with req; the answer's size
 * and first bytes (in head). The client reads between the server's turns. */
static size_t scrape_with(const char *req, size_t want, size_t max_body, char *head, size_t cap)
{
	struct sockaddr_in sa;
	int listen_fd = listen_any(&sa), fd = connect_to(&sa);
	struct mr_http_server s;
	uint64_t until = mr_clock_ms() + 5000;
	size_t got = 0;
	char *buf = malloc(want + 4096);

	CU_ASSERT_FATAL(buf != NULL);
	CU_ASSERT_FATAL(send(fd, req, strlen(req), 0) == (ssize_t)strlen(req));
	mr_http_server_init(&s, listen_fd, MR_METRICS_CONTENT_TYPE, render_big, &want, max_body);
	/* The server writes what the socket takes and goes on as the client reads. */
	while ((mr_http_server_busy(&s) || s.answered + s.dropped == 0) && mr_clock_ms() < until) {
		ssize_t r;

		serve_turn(&s);
		r = recv(fd, buf + got, want + 4096 - got, MSG_DONTWAIT);
		if (r > 0)
			got += (size_t)r;
	}
	got += read_answer(fd, buf + got, want + 4096 - got);
	snprintf(head, cap, "%.*s", (int)(got < cap - 1 ? got : cap - 1), buf);
	free(buf);
	close(fd);
	close(listen_fd);
	return got;
}

/* A body past the first buffer is rendered again into a larger one, up to the cap: a
 * large pool's metrics are served whole, not as a 500; past the cap, a 500. */
static void test_large_body(void)
{
	char head[64];

	CU_ASSERT(scrape_with("GET /metrics HTTP/1.0\r\n\r\n", 300000, 1u << 20, head,
			      sizeof(head)) > 300000);
	CU_ASSERT_PTR_NOT_NULL(strstr(head, " 200 "));
	scrape_with("GET /metrics HTTP/1.0\r\n\r\n", 300000, 200000, head, sizeof(head));
	CU_ASSERT_PTR_NOT_NULL(strstr(head, " 500 "));
}

/* A head of a few KB (a scraper's bearer token) is read whole and answered whole: with
 * some of it left unread, closing reset the connection and cut the answer. One past
 * MR_HTTP_HEAD_MAX is answered 431, and what follows it is read, not reset. */
static void test_long_head(void)
{
	static char req[MR_HTTP_HEAD_MAX + 64];
	const char *start = "GET /metrics HTTP/1.0\r\nAuthorization: Bearer ";
	char head[64];

	snprintf(req, sizeof(req), "%s", start);
	memset(req + strlen(start), 'k', 3000);
	strcpy(req + strlen(start) + 3000, "\r\n\r\n");
	CU_ASSERT(scrape_with(req, 300000, 1u << 20, head, sizeof(head)) > 300000);
	CU_ASSERT_PTR_NOT_NULL(strstr(head, " 200 "));
	memset(req + strlen(start), 'k', MR_HTTP_HEAD_MAX);
	strcpy(req + strlen(start) + MR_HTTP_HEAD_MAX, "\r\n\r\n");
	scrape_with(req, 100, 4096, head, sizeof(head));
	CU_ASSERT_PTR_NOT_NULL(strstr(head, " 431 "));
}

/* Whether fd is still open at the server's end: nothing to read and no end seen. */
static bool still_open(int fd)
{
	char c;

	return recv(fd, &c, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN;
}

/* A silent client holds its own slot only: a scraper after it is answered at once, while
 * the silent one still waits out its read limit (a loop that served one connection at a
 * time answered the second only after the first had timed out). */
static void test_silent_holds_own_slot(void)
{
	static const char req[] = "GET /metrics HTTP/1.0\r\n\r\n";
	struct sockaddr_in sa;
	int listen_fd = listen_any(&sa), silent = connect_to(&sa), fd;
	size_t want = 5;
	struct mr_http_server s;
	char answer[256];

	mr_http_server_init(&s, listen_fd, MR_METRICS_CONTENT_TYPE, render_big, &want, 4096);
	serve_turn(&s); /* the silent one accepted */
	CU_ASSERT_EQUAL(mr_http_server_busy(&s), 1);
	fd = connect_to(&sa);
	CU_ASSERT_FATAL(send(fd, req, strlen(req), 0) == (ssize_t)strlen(req));
	for (int i = 0; i < 100 && s.answered == 0; i++)
		serve_turn(&s);
	CU_ASSERT_EQUAL(s.answered, 1);
	CU_ASSERT(read_answer(fd, answer, sizeof(answer)) > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(answer, " 200 "));
	CU_ASSERT(still_open(silent));
	CU_ASSERT_EQUAL(mr_http_server_busy(&s), 1);
	serve_until(&s, 2); /* the silent one's limit: answered with what it sent */
	CU_ASSERT(read_answer(silent, answer, sizeof(answer)) > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(answer, " 400 "));
	close(fd);
	close(silent);
	close(listen_fd);
}

/* More scrapers than slots: the one past MR_HTTP_CLIENTS waits in the listen backlog (the
 * listening socket is not polled meanwhile, so the loop does not spin on it) and is
 * answered once a slot frees. */
static void test_more_than_slots(void)
{
	static const char req[] = "GET / HTTP/1.0\r\n\r\n";
	struct sockaddr_in sa;
	int listen_fd = listen_any(&sa), silent[MR_HTTP_CLIENTS], fd;
	size_t want = 5;
	struct mr_http_server s;
	struct pollfd pfd[MR_HTTP_POLLFDS];
	char answer[256];

	mr_http_server_init(&s, listen_fd, MR_METRICS_CONTENT_TYPE, render_big, &want, 4096);
	for (int i = 0; i < MR_HTTP_CLIENTS; i++)
		silent[i] = connect_to(&sa);
	for (int i = 0; i < 20 && mr_http_server_busy(&s) < MR_HTTP_CLIENTS; i++)
		serve_turn(&s);
	CU_ASSERT_EQUAL(mr_http_server_busy(&s), MR_HTTP_CLIENTS);
	fd = connect_to(&sa);
	CU_ASSERT_FATAL(send(fd, req, strlen(req), 0) == (ssize_t)strlen(req));
	CU_ASSERT_EQUAL(mr_http_server_pollfds(&s, pfd), MR_HTTP_CLIENTS);
	serve_until(&s, MR_HTTP_CLIENTS + 1);
	CU_ASSERT_EQUAL(s.answered, MR_HTTP_CLIENTS + 1);
	CU_ASSERT(read_answer(fd, answer, sizeof(answer)) > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(answer, " 200 "));
	for (int i = 0; i < MR_HTTP_CLIENTS; i++)
		close(silent[i]);
	close(fd);
	close(listen_fd);
}

/* A scraper that asks for a body larger than the sockets hold and never reads is dropped
 * once it has taken nothing for MR_HTTP_WRITE_MS; its slot is free again. */
static void test_stalled_reader_dropped(void)
{
	static const char req[] = "GET /metrics HTTP/1.0\r\n\r\n";
	struct sockaddr_in sa;
	int listen_fd = listen_any(&sa), fd = connect_to(&sa);
	size_t want = 16u << 20;
	struct mr_http_server s;

	mr_http_server_init(&s, listen_fd, MR_METRICS_CONTENT_TYPE, render_big, &want, 32u << 20);
	CU_ASSERT_FATAL(send(fd, req, strlen(req), 0) == (ssize_t)strlen(req));
	serve_until(&s, 1);
	CU_ASSERT_EQUAL(s.answered, 0);
	CU_ASSERT_EQUAL(s.dropped, 1);
	CU_ASSERT_EQUAL(mr_http_server_busy(&s), 0);
	close(fd);
	close(listen_fd);
}

/* HEAD gets the head a GET gets, Content-Length and all, without the body; another method
 * 405 with the methods allowed. */
static void test_head_and_methods(void)
{
	char head[256];

	CU_ASSERT(scrape_with("HEAD /metrics HTTP/1.0\r\n\r\n", 300000, 1u << 20, head,
			      sizeof(head)) < 1000);
	CU_ASSERT_PTR_NOT_NULL(strstr(head, " 200 "));
	CU_ASSERT_PTR_NOT_NULL(strstr(head, "Content-Length: 300000\r\n"));
	scrape_with("OPTIONS / HTTP/1.0\r\n\r\n", 10, 4096, head, sizeof(head));
	CU_ASSERT_PTR_NOT_NULL(strstr(head, " 405 Method Not Allowed\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(head, "Allow: GET, HEAD\r\n"));
	scrape_with("GET /metrics?job=edge HTTP/1.0\r\n\r\n", 10, 4096, head, sizeof(head));
	CU_ASSERT_PTR_NOT_NULL(strstr(head, " 200 "));
}

/* A body of 16 MB that takes 600 ms to render: longer than a reader may take nothing. */
static size_t render_slow(void *ctx, char *buf, size_t cap)
{
	(void)ctx;
	if (cap < (16u << 20))
		return 0;
	usleep(600 * 1000);
	memset(buf, 'x', 16u << 20);
	return 16u << 20;
}

/* A client reading until the server closes, and how much it read. */
struct reader {
	int fd;
	size_t got;
};

static void *read_all(void *arg)
{
	static char sink[1 << 16];
	struct reader *r = arg;
	ssize_t n;

	while ((n = recv(r->fd, sink, sizeof(sink), 0)) > 0) {
		r->got += (size_t)n;
		usleep(1000); /* a reader on a real network: the socket fills now and then */
	}
	return NULL;
}

/* The time a large page takes to render is not the reader's: a scraper reading all along
 * gets it whole, not dropped as a reader that stopped (its limits counted from before the
 * render). */
static void test_slow_render_not_a_stall(void)
{
	static const char req[] = "GET /metrics HTTP/1.0\r\n\r\n";
	struct sockaddr_in sa;
	int listen_fd = listen_any(&sa);
	struct reader r = { connect_to(&sa), 0 };
	struct mr_http_server s;
	pthread_t th;

	mr_http_server_init(&s, listen_fd, MR_METRICS_CONTENT_TYPE, render_slow, NULL, 32u << 20);
	CU_ASSERT_FATAL(send(r.fd, req, strlen(req), 0) == (ssize_t)strlen(req));
	CU_ASSERT_FATAL(pthread_create(&th, NULL, read_all, &r) == 0);
	serve_until(&s, 1);
	CU_ASSERT_EQUAL(s.answered, 1);
	CU_ASSERT_EQUAL(s.dropped, 0);
	pthread_join(th, NULL); /* the server closed its end: the reader sees the end */
	CU_ASSERT(r.got > (16u << 20));
	close(r.fd);
	close(listen_fd);
}

/* A request that came while the loop was busy elsewhere (a push to the data plane, another
 * scraper's render) for longer than the first bytes' limit is read and answered as sent,
 * not answered 400 as a client that sent nothing. */
static void test_request_waiting_while_busy(void)
{
	static const char req[] = "GET /metrics HTTP/1.0\r\n\r\n";
	struct sockaddr_in sa;
	int listen_fd = listen_any(&sa), fd = connect_to(&sa);
	size_t want = 5;
	struct mr_http_server s;

	mr_http_server_init(&s, listen_fd, MR_METRICS_CONTENT_TYPE, render_big, &want, 4096);
	for (int i = 0; i < 20 && mr_http_server_busy(&s) == 0; i++)
		serve_turn(&s); /* accepted, nothing sent yet */
	CU_ASSERT_EQUAL_FATAL(mr_http_server_busy(&s), 1);
	CU_ASSERT_FATAL(send(fd, req, strlen(req), 0) == (ssize_t)strlen(req));
	usleep((MR_HTTP_FIRST_MS + 100) * 1000); /* the loop elsewhere */
	answered_once(&s, fd, listen_fd);
}

/* Clients connecting faster than they are answered do not keep the loop in one call: each
 * call takes at most MR_HTTP_CLIENTS of them, the rest wait for the next turn. */
static void test_accepts_bounded_per_call(void)
{
	static const char req[] = "GET / HTTP/1.0\r\n\r\n";
	enum { N = 3 * MR_HTTP_CLIENTS };
	struct sockaddr_in sa;
	int listen_fd = listen_any(&sa), fd[N];
	size_t want = 5;
	struct mr_http_server s;
	struct pollfd pfd[MR_HTTP_POLLFDS];
	unsigned int n;
	char answer[256];

	/* Their requests sent before any is accepted: each is answered and closed as soon
	 * as it is taken, freeing its slot for the next. A backlog that holds them all. */
	CU_ASSERT_FATAL(listen(listen_fd, N) == 0);
	for (int i = 0; i < N; i++) {
		fd[i] = connect_to(&sa);
		CU_ASSERT_FATAL(send(fd[i], req, strlen(req), 0) == (ssize_t)strlen(req));
	}
	mr_http_server_init(&s, listen_fd, MR_METRICS_CONTENT_TYPE, render_big, &want, 4096);
	n = mr_http_server_pollfds(&s, pfd);
	CU_ASSERT_FATAL(poll(pfd, n, 1000) == 1);
	mr_http_server_handle(&s, pfd, n, mr_clock_ms());
	CU_ASSERT(s.answered + mr_http_server_busy(&s) <= MR_HTTP_CLIENTS);
	CU_ASSERT(s.answered > 0);
	serve_until(&s, N);
	CU_ASSERT_EQUAL(s.answered, N);
	for (int i = 0; i < N; i++) {
		CU_ASSERT(read_answer(fd[i], answer, sizeof(answer)) > 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(answer, " 200 "));
		close(fd[i]);
	}
	close(listen_fd);
}

/* Out of descriptors (the soft limit lowered to the lowest free one) with a connection
 * waiting: the listening socket is left out of the poll for a while, so a caller's loop
 * waits in poll rather than spinning (before, it was ready at every turn, taken, and
 * left); once descriptors are back, the connection is answered. */
static void test_out_of_descriptors_paused(void)
{
	static const char req[] = "GET / HTTP/1.0\r\n\r\n";
	struct sockaddr_in sa;
	int listen_fd = listen_any(&sa), fd = connect_to(&sa), lowest = dup(0);
	struct rlimit was, low;
	struct mr_http_server s;
	unsigned int ready = 0;
	size_t want = 5;

	CU_ASSERT_FATAL(lowest >= 0 && getrlimit(RLIMIT_NOFILE, &was) == 0);
	close(lowest);
	CU_ASSERT_FATAL(send(fd, req, strlen(req), 0) == (ssize_t)strlen(req));
	mr_http_server_init(&s, listen_fd, MR_METRICS_CONTENT_TYPE, render_big, &want, 4096);
	low = (struct rlimit){ (rlim_t)lowest, was.rlim_max };
	CU_ASSERT_FATAL(setrlimit(RLIMIT_NOFILE, &low) == 0);
	for (int turn = 0; turn < 20; turn++) {
		struct pollfd pfd[MR_HTTP_POLLFDS];
		int wait_ms = mr_http_server_tick(&s, mr_clock_ms());
		unsigned int n = mr_http_server_pollfds(&s, pfd);

		if (poll(pfd, n, wait_ms < 0 || wait_ms > 50 ? 50 : wait_ms) > 0) {
			ready++;
			mr_http_server_handle(&s, pfd, n, mr_clock_ms());
		}
	}
	setrlimit(RLIMIT_NOFILE, &was);
	CU_ASSERT(s.accept_failures >= 1);
	CU_ASSERT(ready <= 12); /* one turn in two at most: each pause outlasts a turn */
	CU_ASSERT_EQUAL(s.answered, 0);
	answered_once(&s, fd, listen_fd);
}

/* A content type longer than the head has room for: the connection is closed unanswered,
 * never a head sent with bytes from past its buffer. */
static void test_long_content_type_refused(void)
{
	static const char req[] = "GET / HTTP/1.0\r\n\r\n";
	char type[MR_HTTP_TYPE_MAX + 100], answer[512];
	struct sockaddr_in sa;
	int listen_fd = listen_any(&sa), fd = connect_to(&sa);
	size_t want = 5;
	struct mr_http_server s;

	memset(type, 't', sizeof(type) - 1);
	type[sizeof(type) - 1] = '\0';
	mr_http_server_init(&s, listen_fd, type, render_big, &want, 4096);
	CU_ASSERT_FATAL(send(fd, req, strlen(req), 0) == (ssize_t)strlen(req));
	serve_until(&s, 1);
	CU_ASSERT_EQUAL(s.answered, 0);
	CU_ASSERT_EQUAL(s.dropped, 1);
	CU_ASSERT_EQUAL(read_answer(fd, answer, sizeof(answer)), 0);
	close(fd);
	close(listen_fd);
}

int test_http_serve_register(void)
{
	static CU_TestInfo tests[] = {
		{ "the status of a request's head, and where a head ends", test_request_status },
		{ "a request trickled a byte at a time: answered at the read limit",
		  test_trickle_bounded },
		{ "a request's first segment late: still answered", test_late_first_segment },
		{ "a body larger than the first buffer; past the cap, 500", test_large_body },
		{ "a head of a few KB answered whole; past the limit, 431", test_long_head },
		{ "a silent client holds its own slot, not the next scraper",
		  test_silent_holds_own_slot },
		{ "more scrapers than slots: the next waits in the backlog", test_more_than_slots },
		{ "a scraper that never reads is dropped at the stall limit",
		  test_stalled_reader_dropped },
		{ "HEAD without the body; another method 405; a query", test_head_and_methods },
		{ "a slow render is not the reader's stall", test_slow_render_not_a_stall },
		{ "a request that came while the loop was busy: answered as sent",
		  test_request_waiting_while_busy },
		{ "clients connecting fast: at most a slot's worth taken a call",
		  test_accepts_bounded_per_call },
		{ "a content type too long for the head: closed, nothing read past it",
		  test_long_content_type_refused },
		{ "out of descriptors: accepting paused, not spun on", test_out_of_descriptors_paused },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite("http_serve", tests);
}
