/* SPDX-License-Identifier: BSD-3-Clause */
#include "mr_http_serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "mr_clock.h"
#include "mr_log.h"

int mr_http_listen(const char *what, const char *address, uint16_t port, char *err,
		   size_t errlen)
{
	bool v6 = strchr(address, ':') != NULL;
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1, fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0 || inet_pton(v6 ? AF_INET6 : AF_INET, address,
				v6 ? (void *)&a6.sin6_addr : (void *)&a4.sin_addr) != 1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, v6 ? (struct sockaddr *)&a6 : (struct sockaddr *)&a4,
		 v6 ? sizeof(a6) : sizeof(a4)) < 0 || listen(fd, 8) < 0) {
		snprintf(err, errlen, "%s %s%s%s:%u: %s", what, v6 ? "[" : "", address, v6 ? "]" : "",
			 port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

size_t mr_http_head_end(const char *p, size_t len)
{
	for (size_t i = 1; i < len; i++)
		if (p[i] == '\n' && (p[i - 1] == '\n' || (i >= 3 && memcmp(p + i - 3, "\r\n\r", 3) == 0)))
			return i + 1;
	return 0;
}

static bool starts(const char *p, size_t len, const char *with)
{
	size_t n = strlen(with);

	return len >= n && memcmp(p, with, n) == 0;
}

/* Whether the request target at p is path, alone or with a query (a scrape job's params). */
static bool target_is(const char *p, size_t len, const char *path)
{
	size_t n = strlen(path);

	return len > n && memcmp(p, path, n) == 0 && (p[n] == ' ' || p[n] == '?');
}

/* The length of a method token and its space at the head's start (RFC 9110 9: letters
 * here), or 0. */
static size_t method_len(const char *head, size_t len)
{
	size_t i = 0;

	while (i < len && i < 16 && head[i] >= 'A' && head[i] <= 'Z')
		i++;
	return i > 0 && i < len && head[i] == ' ' ? i + 1 : 0;
}

int mr_http_request_status(const char *head, size_t len, bool whole)
{
	size_t m;

	if (!whole && len >= MR_HTTP_HEAD_MAX)
		return 431;
	m = method_len(head, len);
	if (m == 0)
		return 400;
	if (!starts(head, len, "GET ") && !starts(head, len, "HEAD "))
		return 405; /* a health check's OPTIONS, a POST: named, with what is allowed */
	return target_is(head + m, len - m, "/metrics") || target_is(head + m, len - m, "/")
	       ? 200 : 404;
}

void mr_http_server_init(struct mr_http_server *s, int listen_fd, const char *content_type,
			 mr_http_render_fn render, void *ctx, size_t max_body)
{
	memset(s, 0, sizeof(*s));
	s->listen_fd = listen_fd;
	s->content_type = content_type;
	s->render = render;
	s->ctx = ctx;
	s->max_body = max_body;
	for (unsigned int i = 0; i < MR_HTTP_CLIENTS; i++)
		s->client[i].fd = -1;
}

static void client_close(struct mr_http_client *c)
{
	close(c->fd);
	free(c->req);
	free(c->body);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/* A connection closed before its answer went whole: a deadline or an error. */
static void client_drop(struct mr_http_server *s, struct mr_http_client *c)
{
	if (c->phase == MR_HTTP_WRITE)
		mr_log(MR_LOG_WARN, "an HTTP client stopped reading: its answer of %zu bytes is "
		       "cut short", c->head_len + c->body_len);
	s->dropped++;
	client_close(c);
}

static const char *status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 404: return "Not Found";
	case 400: return "Bad Request";
	case 405: return "Method Not Allowed";
	case 431: return "Request Header Fields Too Large";
	default: return "Internal Server Error";
	}
}

#define MR_HTTP_BODY_FIRST (64u * 1024) /* a body is rendered into this first */

/* The body for a 200: rendered from the room the last one took (64 KB at first),
 * doubling (a large pool's members need more than a small appliance), up to max_body;
 * false when it did not fit or memory ran out. Starting where the last one fitted renders
 * a large page once a scrape, not once per doubling: each render reads every counter and
 * the ports' statistics again. */
static bool render_body(struct mr_http_server *s, struct mr_http_client *c)
{
	for (size_t cap = s->body_room ? s->body_room : MR_HTTP_BODY_FIRST;; cap *= 2) {
		cap = cap < s->max_body ? cap : s->max_body;
		free(c->body);
		c->body = malloc(cap);
		c->body_len = c->body ? s->render(s->ctx, c->body, cap) : 0;
		if (c->body_len) {
			s->body_room = cap;
			return true;
		}
		if (!c->body || cap == s->max_body) {
			mr_log(MR_LOG_WARN, "an HTTP answer over %zu bytes (or out of memory): "
			       "500 sent", cap);
			return false;
		}
	}
}

/* Writes what the socket takes of the answer; on its end, closes or drains. */
static void client_write(struct mr_http_server *s, struct mr_http_client *c, uint64_t now_ms)
{
	while (c->sent < c->head_len + c->body_len) {
		size_t body_at = c->sent > c->head_len ? c->sent - c->head_len : 0;
		struct iovec iov[2];
		struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 0 };
		ssize_t n;

		if (c->sent < c->head_len)
			iov[msg.msg_iovlen++] = (struct iovec){ c->head + c->sent,
								c->head_len - c->sent };
		if (body_at < c->body_len)
			iov[msg.msg_iovlen++] = (struct iovec){ c->body + body_at,
								c->body_len - body_at };
		n = sendmsg(c->fd, &msg, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			client_drop(s, c);
			return;
		}
		c->sent += (size_t)n;
		c->stall_ms = now_ms + MR_HTTP_WRITE_MS;
	}
	s->answered++;
	if (c->status != 431) {
		client_close(c);
		return;
	}
	shutdown(c->fd, SHUT_WR);
	c->phase = MR_HTTP_DRAIN;
	c->until_ms = now_ms + MR_HTTP_READ_MS;
}

/* The clock now, never before now_ms (a caller's time from before some work). */
static uint64_t clock_since(uint64_t now_ms)
{
	uint64_t t = mr_clock_ms();

	return t > now_ms ? t : now_ms;
}

/* The request's head is read whole, or as much as came in time: answer it. */
static void client_answer(struct mr_http_server *s, struct mr_http_client *c, bool whole,
			  uint64_t now_ms)
{
	bool head_only = starts(c->req, c->req_len, "HEAD ");

	c->status = mr_http_request_status(c->req, c->req_len, whole);
	free(c->req);
	c->req = NULL;
	if (c->status == 200 && !render_body(s, c)) {
		c->status = 500;
		free(c->body);
		c->body = NULL;
	}
	if (c->status != 200)
		c->body_len = 0;
	c->head_len = (size_t)snprintf(c->head, sizeof(c->head),
				       "HTTP/1.0 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
				       "%sConnection: close\r\n\r\n", c->status, status_text(c->status),
				       s->content_type, c->body_len,
				       c->status == 405 ? "Allow: GET, HEAD\r\n" : "");
	if (c->head_len >= sizeof(c->head)) {
		mr_log(MR_LOG_ERR, "an HTTP answer's content type is over %d characters: not sent",
		       MR_HTTP_TYPE_MAX);
		client_drop(s, c);
		return;
	}
	if (head_only)
		c->body_len = 0; /* the length a GET would get, without the body */
	/* A large page takes a while to render: the answer's time starts after it. */
	now_ms = clock_since(now_ms);
	c->phase = MR_HTTP_WRITE;
	c->sent = 0;
	c->until_ms = now_ms + MR_HTTP_WRITE_MAX_MS;
	c->stall_ms = now_ms + MR_HTTP_WRITE_MS;
	client_write(s, c, now_ms);
}

/* What the client sent of its head. The head is read whole before answering: closing with
 * some of it unread would reset the connection and lose the answer (a scraper's bearer
 * token makes a head of a few KB). */
static void client_read(struct mr_http_server *s, struct mr_http_client *c, uint64_t now_ms)
{
	for (;;) {
		ssize_t n = read(c->fd, c->req + c->req_len, MR_HTTP_HEAD_MAX - c->req_len);
		bool whole;

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n < 0) {
			client_drop(s, c);
			return;
		}
		/* Its first bytes: the rest of the head comes with them, or at once after. */
		if (c->req_len == 0 && n > 0)
			c->until_ms = now_ms + MR_HTTP_READ_MS;
		c->req_len += (size_t)n;
		whole = mr_http_head_end(c->req, c->req_len) > 0;
		if (n == 0 || c->req_len == MR_HTTP_HEAD_MAX || whole) {
			client_answer(s, c, whole, now_ms);
			return;
		}
	}
}

/* After a 431: the rest of what the client sends, dropped until it closes. */
static void client_drain(struct mr_http_client *c)
{
	char sink[4096];

	for (unsigned int i = 0; i < 64; i++) {
		ssize_t n = read(c->fd, sink, sizeof(sink));

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0)
			break;
	}
	client_close(c);
}

static struct mr_http_client *free_slot(struct mr_http_server *s)
{
	for (unsigned int i = 0; i < MR_HTTP_CLIENTS; i++)
		if (s->client[i].phase == MR_HTTP_IDLE)
			return &s->client[i];
	return NULL;
}

/* No descriptor (or memory) for a waiting connection: it stays in the backlog, and the
 * listening socket is not polled for MR_HTTP_ACCEPT_PAUSE_MS. Polled, it would be ready
 * at once at every turn, and the caller's loop would spin, starving what else it serves.
 * Logged at the first failure of a run. */
static void accept_pause(struct mr_http_server *s, uint64_t now_ms)
{
	s->accept_failures++;
	if (!s->accept_failing)
		mr_log(MR_LOG_WARN, "HTTP: a connection waits, but none can be taken (%s): asked "
		       "again every %d ms", strerror(errno), MR_HTTP_ACCEPT_PAUSE_MS);
	s->accept_failing = true;
	s->accept_after_ms = now_ms + MR_HTTP_ACCEPT_PAUSE_MS;
}

/* At most MR_HTTP_CLIENTS connections a call: one whose request is there already is
 * answered and closed at once, freeing its slot, so a client connecting faster than that
 * would otherwise keep the caller's loop here. */
static void accept_clients(struct mr_http_server *s)
{
	struct mr_http_client *c;

	for (unsigned int k = 0; k < MR_HTTP_CLIENTS && (c = free_slot(s)) != NULL; k++) {
		int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		uint64_t now_ms = mr_clock_ms(); /* another's answer may have taken a while */

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				accept_pause(s, now_ms);
			return;
		}
		s->accept_failing = false;
		c->req = malloc(MR_HTTP_HEAD_MAX);
		if (!c->req) {
			close(fd);
			s->dropped++;
			return;
		}
		c->fd = fd;
		c->phase = MR_HTTP_READ;
		c->req_len = 0;
		c->until_ms = now_ms + MR_HTTP_FIRST_MS;
		client_read(s, c, now_ms); /* a request sent at once is there already */
	}
}

unsigned int mr_http_server_pollfds(const struct mr_http_server *s, struct pollfd *pfd)
{
	unsigned int n = 0;

	if (mr_http_server_busy(s) < MR_HTTP_CLIENTS && !s->accept_after_ms)
		pfd[n++] = (struct pollfd){ .fd = s->listen_fd, .events = POLLIN };
	for (unsigned int i = 0; i < MR_HTTP_CLIENTS; i++) {
		const struct mr_http_client *c = &s->client[i];

		if (c->phase != MR_HTTP_IDLE)
			pfd[n++] = (struct pollfd){ .fd = c->fd,
						    .events = c->phase == MR_HTTP_WRITE ? POLLOUT
											: POLLIN };
	}
	return n;
}

static struct mr_http_client *client_of(struct mr_http_server *s, int fd)
{
	for (unsigned int i = 0; i < MR_HTTP_CLIENTS; i++)
		if (s->client[i].phase != MR_HTTP_IDLE && s->client[i].fd == fd)
			return &s->client[i];
	return NULL;
}

void mr_http_server_handle(struct mr_http_server *s, const struct pollfd *pfd, unsigned int n,
			   uint64_t now_ms)
{
	bool listen_ready = false;

	/* Clients first: one accepted here may take the slot (and fd) of one polled. */
	for (unsigned int k = 0; k < n; k++) {
		struct mr_http_client *c;

		if (!pfd[k].revents)
			continue;
		if (pfd[k].fd == s->listen_fd) {
			listen_ready = true;
			continue;
		}
		c = client_of(s, pfd[k].fd);
		if (!c)
			continue;
		/* A client before this one may have had a page rendered: deadlines set now
		 * count from now. */
		now_ms = clock_since(now_ms);
		if (c->phase == MR_HTTP_READ)
			client_read(s, c, now_ms);
		else if (c->phase == MR_HTTP_WRITE)
			client_write(s, c, now_ms);
		else
			client_drain(c);
	}
	if (listen_ready)
		accept_clients(s);
}

/* When c's phase runs out: a writer's stall or its whole time, whichever comes first. */
static uint64_t client_due(const struct mr_http_client *c)
{
	return c->phase == MR_HTTP_WRITE && c->stall_ms < c->until_ms ? c->stall_ms : c->until_ms;
}

/* c's phase ran out: a head not whole in time is answered with what came, an answer not
 * taken in time is dropped, a drain ends. */
static void client_expire(struct mr_http_server *s, struct mr_http_client *c, uint64_t now_ms)
{
	if (c->phase == MR_HTTP_READ) {
		/* What came while the loop was busy elsewhere (a push, another's render) is
		 * read first: a head there whole is answered as such, not as cut short. */
		client_read(s, c, now_ms);
		if (c->phase == MR_HTTP_READ)
			client_answer(s, c, false, now_ms);
	} else if (c->phase == MR_HTTP_WRITE) {
		size_t sent = c->sent;

		/* The loop's own time (another client's render) may have run the stall out
		 * while this reader read: dropped only if its socket still takes nothing. */
		if (now_ms < c->until_ms) {
			client_write(s, c, now_ms);
			if (c->phase != MR_HTTP_WRITE || c->sent > sent)
				return;
		}
		client_drop(s, c);
	} else {
		client_close(c);
	}
}

int mr_http_server_tick(struct mr_http_server *s, uint64_t now_ms)
{
	int wait_ms = -1;

	if (s->accept_after_ms && now_ms >= s->accept_after_ms)
		s->accept_after_ms = 0;
	else if (s->accept_after_ms)
		wait_ms = (int)(s->accept_after_ms - now_ms);

	for (unsigned int i = 0; i < MR_HTTP_CLIENTS; i++) {
		struct mr_http_client *c = &s->client[i];

		/* An answer given at the read deadline gets deadlines of its own. */
		while (c->phase != MR_HTTP_IDLE && now_ms >= client_due(c))
			client_expire(s, c, now_ms);
		if (c->phase == MR_HTTP_IDLE)
			continue;
		if (wait_ms < 0 || client_due(c) - now_ms < (uint64_t)wait_ms)
			wait_ms = (int)(client_due(c) - now_ms);
	}
	return wait_ms;
}

unsigned int mr_http_server_busy(const struct mr_http_server *s)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < MR_HTTP_CLIENTS; i++)
		n += s->client[i].phase != MR_HTTP_IDLE;
	return n;
}

void mr_http_server_close(struct mr_http_server *s)
{
	for (unsigned int i = 0; i < MR_HTTP_CLIENTS; i++)
		if (s->client[i].phase != MR_HTTP_IDLE)
			client_close(&s->client[i]);
}
