/* SPDX-License-Identifier: BSD-3-Clause */
#include "etcd_conn.h"

#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void etcd_conn_init(struct etcd_conn *e)
{
	memset(e, 0, sizeof(*e));
	cp_conn_init(&e->conn);
}

static int etcd_fail(struct etcd_conn *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int etcd_fail(struct etcd_conn *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->error, sizeof(e->error), fmt, ap);
	va_end(ap);
	etcd_conn_close(e);
	return -1;
}

void etcd_conn_close(struct etcd_conn *e)
{
	cp_conn_close(&e->conn);
	e->busy = e->streaming = false;
	e->body_len = 0;
}

void etcd_conn_free(struct etcd_conn *e)
{
	etcd_conn_close(e);
	free(e->conn.in);
	free(e->conn.out);
	free(e->body);
	free(e->items_buf);
	etcd_conn_init(e);
}

/* "http://ADDRESS:PORT" or "http://[ADDRESS]:PORT" (validated by the configuration). */
static int split_endpoint(const char *endpoint, char *addr, size_t addrlen, uint16_t *port)
{
	unsigned int p;
	char host[64];

	if (sscanf(endpoint, "http://[%63[^]]]:%u", host, &p) != 2 &&
	    sscanf(endpoint, "http://%63[^:/]:%u", host, &p) != 2)
		return -1;
	snprintf(addr, addrlen, "%s", host);
	*port = (uint16_t)p;
	return 0;
}

static int connect_to(struct etcd_conn *e, const char *endpoint)
{
	char addr[64];
	uint16_t port;

	etcd_conn_close(e);
	if (split_endpoint(endpoint, addr, sizeof(addr), &port) < 0)
		return etcd_fail(e, "%s: not an endpoint", endpoint);
	if (cp_conn_open(&e->conn, addr, port, NULL, NULL) < 0)
		return etcd_fail(e, "%s", e->conn.error);
	snprintf(e->endpoint, sizeof(e->endpoint), "%s", endpoint);
	return 0;
}

int etcd_conn_request(struct etcd_conn *e, const char *endpoint, const char *path,
		      const char *json, bool stream, int64_t now_ms, uint32_t timeout_ms)
{
	/* The request line and headers take a few hundred bytes; the body, a registration in
	 * base64 among them, may take up to twice DISC_VALUE_MAX. */
	size_t cap = strlen(json) + 1024;
	char *req;
	int len;

	if (e->busy)
		return etcd_fail(e, "%s: a request is already out", endpoint);
	if (!e->body && !(e->body = malloc(ETCD_BODY_MAX)))
		return etcd_fail(e, "out of memory");
	if (stream && !e->items_buf && !(e->items_buf = malloc(ETCD_ITEM_MAX)))
		return etcd_fail(e, "out of memory");
	if ((e->conn.state == CP_CONN_CLOSED || strcmp(e->endpoint, endpoint) != 0) &&
	    connect_to(e, endpoint) < 0)
		return -1;
	req = malloc(cap);
	if (!req)
		return etcd_fail(e, "out of memory");
	len = http_format_post(req, cap, e->conn.peer, path, json, strlen(json), true);
	if (len < 0) {
		free(req);
		return etcd_fail(e, "%s%s: request too large", endpoint, path);
	}
	http_resp_init(&e->resp, stream ? UINT64_MAX / 2 : ETCD_BODY_MAX);
	if (stream)
		http_lines_init(&e->items, HTTP_LINES_OBJECTS, e->items_buf, ETCD_ITEM_MAX);
	e->body_len = 0;
	e->busy = true;
	e->streaming = stream;
	e->deadline_ms = now_ms + timeout_ms;
	len = cp_conn_send(&e->conn, req, (size_t)len);
	free(req);
	if (len < 0)
		return etcd_fail(e, "%s", e->conn.error);
	return 0;
}

short etcd_conn_events(const struct etcd_conn *e)
{
	return e->conn.state == CP_CONN_CLOSED ? 0 : cp_conn_events(&e->conn);
}

static int deliver(struct etcd_conn *e, const char *text, size_t len, etcd_doc_fn fn, void *arg)
{
	char why[128];
	struct json_value *doc = json_parse(text, len, why, sizeof(why));

	if (!doc)
		return etcd_fail(e, "%s: answer is not JSON: %s", e->endpoint, why);
	fn(arg, doc);
	json_free(doc);
	return 0;
}

/* Body bytes of the current answer: collected, or split into watch objects. */
static int take_body(struct etcd_conn *e, const uint8_t *d, size_t n, etcd_doc_fn fn, void *arg)
{
	const char *item;
	size_t len;

	if (!e->streaming) {
		if (n > ETCD_BODY_MAX - e->body_len)
			return etcd_fail(e, "%s: answer larger than %u bytes", e->endpoint,
					 ETCD_BODY_MAX);
		memcpy(e->body + e->body_len, d, n);
		e->body_len += n;
		return 0;
	}
	while (n > 0) {
		int k = http_lines_push(&e->items, d, n);

		if (k < 0)
			return etcd_fail(e, "%s: watch stream: %s", e->endpoint, e->items.error);
		d += k;
		n -= (size_t)k;
		while ((item = http_lines_next(&e->items, &len)))
			if (deliver(e, item, len, fn, arg) < 0)
				return -1;
	}
	return 0;
}

/* A whole answer: status 200 goes to fn; others carry grpc-gateway's {"error": ...}. */
static int finish(struct etcd_conn *e, etcd_doc_fn fn, void *arg)
{
	e->busy = false;
	if (e->resp.status != 200)
		return etcd_fail(e, "%s: HTTP %d: %.*s", e->endpoint, e->resp.status,
				 (int)(e->body_len < 200 ? e->body_len : 200), e->body);
	if (e->streaming)
		return etcd_fail(e, "%s: the watch ended", e->endpoint);
	if (deliver(e, e->body, e->body_len, fn, arg) < 0)
		return -1;
	if (e->resp.close)
		etcd_conn_close(e);
	return 0;
}

static int parse_input(struct etcd_conn *e, etcd_doc_fn fn, void *arg)
{
	size_t at = 0;

	for (;;) {
		struct http_body_piece piece;
		size_t used = 0;
		enum http_event ev = http_resp_feed(&e->resp, e->conn.in + at, e->conn.in_len - at,
						    &used, &piece);

		at += used;
		if (ev == HTTP_NEED_MORE)
			break;
		if (ev == HTTP_ERROR)
			return etcd_fail(e, "%s: bad HTTP answer: %s", e->endpoint, e->resp.error);
		if (ev == HTTP_HEADERS_DONE && e->resp.status != 200)
			e->streaming = false; /* an error answer is a plain body */
		if (ev == HTTP_BODY && take_body(e, piece.data, piece.len, fn, arg) < 0)
			return -1;
		if (ev == HTTP_DONE)
			return finish(e, fn, arg) < 0 ? -1 : (cp_conn_consume(&e->conn, at), 0);
	}
	cp_conn_consume(&e->conn, at);
	return 0;
}

int etcd_conn_handle(struct etcd_conn *e, short revents, int64_t now_ms, etcd_doc_fn fn,
		     void *arg)
{
	/* An answer larger than the input buffer (a range over a large mesh) is read and
	 * parsed a buffer at a time. */
	do {
		if (cp_conn_handle(&e->conn, revents) < 0)
			return etcd_fail(e, "%s", e->conn.error);
		if (e->conn.in_len && !e->busy)
			return etcd_fail(e, "%s: data nobody asked for", e->endpoint);
		if (e->busy && parse_input(e, fn, arg) < 0)
			return -1;
	} while (e->conn.in_full && e->conn.state == CP_CONN_OPEN);
	if (e->conn.state != CP_CONN_CLOSED && e->conn.peer_closed) {
		if (e->busy) {
			http_resp_end_of_stream(&e->resp);
			if (parse_input(e, fn, arg) < 0)
				return -1;
		}
		if (e->busy)
			return etcd_fail(e, "%s: connection closed mid-answer", e->endpoint);
		etcd_conn_close(e);
	}
	return etcd_conn_check_deadline(e, now_ms);
}

/* Whether bytes of the answer wait unread on e's socket. */
static bool answer_waiting(const struct etcd_conn *e)
{
	struct pollfd p = { .fd = e->conn.fd, .events = POLLIN };

	return e->conn.fd >= 0 && e->conn.state == CP_CONN_OPEN && poll(&p, 1, 0) == 1 &&
	       (p.revents & POLLIN);
}

int etcd_conn_check_deadline(struct etcd_conn *e, int64_t now_ms)
{
	/* A watch has no deadline once its answer started: it is meant to last. */
	bool waiting = e->busy && (!e->streaming || e->resp.status == 0);

	/* An answer that came while the loop was held elsewhere (a long push to the data
	 * plane) is read, not taken for silence. */
	if (waiting && now_ms >= e->deadline_ms && !answer_waiting(e))
		return etcd_fail(e, "%s: no answer in time", e->endpoint);
	return 0;
}
