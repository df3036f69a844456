/* SPDX-License-Identifier: BSD-3-Clause */
#include "mr_http_serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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

/* Milliseconds left until deadline_ms (0 once passed), for poll. */
static int left_ms(uint64_t deadline_ms)
{
	uint64_t now = mr_clock_ms();

	return now < deadline_ms ? (int)(deadline_ms - now) : 0;
}

#define MR_HTTP_BODY_FIRST (64u * 1024) /* a body is rendered into this first */

/* The request's head, waited for MR_HTTP_READ_MS in all (not per byte: a client sending
 * a byte at a time would else hold the serving thread for minutes): its status (200, 404,
 * 400, or 431 past MR_HTTP_HEAD_MAX). The head is read whole: closing with some of it
 * unread would reset the connection and lose the answer (a scraper's bearer token makes
 * a head of a few KB). */
static int read_request(int fd)
{
	uint64_t deadline = mr_clock_ms() + MR_HTTP_READ_MS;
	char req[MR_HTTP_HEAD_MAX + 1];
	size_t len = 0;
	bool whole = false;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	while (len < sizeof(req) - 1 && poll(&p, 1, left_ms(deadline)) > 0) {
		ssize_t n = read(fd, req + len, sizeof(req) - 1 - len);

		if (n <= 0)
			break;
		len += (size_t)n;
		req[len] = '\0';
		whole = strstr(req, "\r\n\r\n") || strstr(req, "\n\n");
		if (whole)
			break;
	}
	req[len] = '\0';
	if (!whole && len == sizeof(req) - 1)
		return 431;
	if (strncmp(req, "GET /metrics ", 13) == 0 || strncmp(req, "GET / ", 6) == 0)
		return 200;
	return strncmp(req, "GET ", 4) == 0 ? 404 : 400;
}

/* Write it all, or give up once the reader has taken nothing for MR_HTTP_WRITE_MS or the
 * whole took MR_HTTP_WRITE_MAX_MS: a scraper far away reads a large body in many round
 * trips, one that stopped reading is dropped. Whether all of it went. */
static bool write_all(int fd, const char *p, size_t len, uint64_t until_ms)
{
	struct pollfd pf = { .fd = fd, .events = POLLOUT };
	uint64_t stall = mr_clock_ms() + MR_HTTP_WRITE_MS;

	while (len && poll(&pf, 1, left_ms(stall < until_ms ? stall : until_ms)) > 0) {
		ssize_t n = write(fd, p, len);

		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
		stall = mr_clock_ms() + MR_HTTP_WRITE_MS;
	}
	return len == 0;
}

/* A request refused for a head too long, before all of it was read: what it still sends
 * is read and dropped (for MR_HTTP_READ_MS at most) after our side is shut, so that
 * closing does not reset the connection and lose the answer. */
static void drain_input(int fd)
{
	uint64_t deadline = mr_clock_ms() + MR_HTTP_READ_MS;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char sink[4096];

	shutdown(fd, SHUT_WR);
	for (unsigned int i = 0; i < 64 && poll(&p, 1, left_ms(deadline)) > 0; i++)
		if (read(fd, sink, sizeof(sink)) <= 0)
			break;
}

static const char *status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 404: return "Not Found";
	case 400: return "Bad Request";
	case 431: return "Request Header Fields Too Large";
	default: return "Internal Server Error";
	}
}

void mr_http_serve_one(int listen_fd, const char *content_type, mr_http_render_fn render,
		       void *ctx, size_t max_body, unsigned int write_max_ms)
{
	int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	char head[200];
	char *body = NULL;
	uint64_t deadline;
	size_t len = 0;
	int status;

	if (fd < 0)
		return;
	status = read_request(fd);
	/* From 64 KB, doubling: a large pool's members need more than a small appliance. */
	for (size_t cap = MR_HTTP_BODY_FIRST; status == 200 && len == 0; cap *= 2) {
		cap = cap < max_body ? cap : max_body;
		free(body);
		body = malloc(cap);
		len = body ? render(ctx, body, cap) : 0;
		if (len == 0 && (!body || cap == max_body)) {
			status = 500;
			mr_log(MR_LOG_WARN, "an HTTP answer over %zu bytes (or out of memory): "
			       "500 sent", cap);
		}
	}
	snprintf(head, sizeof(head), "HTTP/1.0 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		 "Connection: close\r\n\r\n", status, status_text(status), content_type,
		 status == 200 ? len : 0);
	deadline = mr_clock_ms() + write_max_ms;
	if (write_all(fd, head, strlen(head), deadline) && status == 200 &&
	    !write_all(fd, body, len, deadline))
		mr_log(MR_LOG_WARN, "an HTTP client stopped reading: its answer of %zu bytes is "
		       "cut short", len);
	free(body);
	if (status == 431)
		drain_input(fd);
	close(fd);
}
