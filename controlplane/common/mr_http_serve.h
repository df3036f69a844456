/* SPDX-License-Identifier: BSD-3-Clause */
/* A minimal HTTP/1.0 responder for a scrape endpoint (Prometheus), driven from the
 * caller's poll loop and never blocking it: up to MR_HTTP_CLIENTS connections at once,
 * one request each, answered and closed. Each has bounded time: its request's first bytes
 * in MR_HTTP_FIRST_MS, the rest of its head in MR_HTTP_READ_MS after them in all, whatever
 * it trickles; its answer as long as it keeps reading
 * (no MR_HTTP_WRITE_MS without progress), MR_HTTP_WRITE_MAX_MS in all. A silent or slow
 * client holds only its own slot, not the loop nor the other scrapers. One thread's. */
#ifndef MR_HTTP_SERVE_H
#define MR_HTTP_SERVE_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MR_HTTP_FIRST_MS 1000      /* a request's first segment lost once: resent after
				    * Linux's least RTO (200 ms) and a WAN's round trip */
#define MR_HTTP_READ_MS 250        /* a scraper sends the rest of its head at once */
#define MR_HTTP_WRITE_MS 500       /* the most a reader may take nothing */
#define MR_HTTP_WRITE_MAX_MS 10000 /* the most an answer may take */
#define MR_HTTP_HEAD_MAX 8192      /* a longer request head is answered 431 */
#define MR_HTTP_CLIENTS 8          /* served at once; more wait in the listen backlog */
#define MR_HTTP_ACCEPT_PAUSE_MS 100 /* no descriptor for a connection: asked again after */

/* pollfds a server asks for at most: its listening socket and every client. */
#define MR_HTTP_POLLFDS (1 + MR_HTTP_CLIENTS)

/* The Prometheus text exposition format, version 0.0.4. */
#define MR_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define MR_HTTP_TYPE_MAX 64 /* a content type's characters at most (one that leaves
			     * the head no room is not sent: the connection is closed) */

/* A listening TCP socket on address (IPv4 or IPv6 literal):port, non-blocking; or -1
 * with "what ADDRESS:PORT: reason" in err. */
int mr_http_listen(const char *what, const char *address, uint16_t port, char *err,
		   size_t errlen);

/* Writes the body into buf (cap bytes); its length, 0 when it did not fit. */
typedef size_t (*mr_http_render_fn)(void *ctx, char *buf, size_t cap);

/* The status a request's head gets: 200 for GET or HEAD of /metrics or / (a query
 * allowed), 404 for another path, 405 for another method, 400 for what is not a request
 * line, 431 when it filled MR_HTTP_HEAD_MAX bytes without ending. whole: its blank line
 * was seen. Pure: the fuzz target's entry. */
int mr_http_request_status(const char *head, size_t len, bool whole);

/* Where a request's head ends: just past its blank line (CRLF or bare LF lines), or 0
 * when len bytes hold none. Pure. */
size_t mr_http_head_end(const char *p, size_t len);

enum mr_http_phase {
	MR_HTTP_IDLE = 0, /* the slot is free */
	MR_HTTP_READ,     /* the request's head is being read */
	MR_HTTP_WRITE,    /* the answer is being written */
	MR_HTTP_DRAIN,    /* answered 431 before the head was read whole: what the client
			   * still sends is read and dropped, so that closing does not reset
			   * the connection and lose the answer */
};

/* One connection being served. */
struct mr_http_client {
	int fd;
	enum mr_http_phase phase;
	int status;            /* the answer's, from MR_HTTP_WRITE on */
	char *req;             /* MR_HTTP_READ: the head so far (MR_HTTP_HEAD_MAX bytes) */
	size_t req_len;
	char head[140 + MR_HTTP_TYPE_MAX]; /* MR_HTTP_WRITE: the status line and headers
					   * (107 at most but the type) */
	size_t head_len;
	char *body;            /* ... and the body after them (malloc'd) */
	size_t body_len;
	size_t sent;           /* bytes of head then body written */
	uint64_t until_ms;     /* the phase's deadline in all */
	uint64_t stall_ms;     /* MR_HTTP_WRITE: when a reader taking nothing is dropped */
};

struct mr_http_server {
	int listen_fd;                 /* the caller's: never closed here */
	const char *content_type;
	mr_http_render_fn render;
	void *ctx;
	size_t max_body;
	size_t body_room;              /* the room the last body fitted in (0: none yet) */
	struct mr_http_client client[MR_HTTP_CLIENTS];
	uint64_t answered;             /* answers written whole */
	uint64_t dropped;              /* connections closed at a deadline or on an error */
	uint64_t accept_after_ms;      /* accepting paused until then (out of descriptors or
					* memory); 0: not paused */
	uint64_t accept_failures;      /* accepts that failed so */
	bool accept_failing;           /* the last accept failed so: logged once a run */
};

/* A server answering on listen_fd (from mr_http_listen) with what render writes as
 * content_type (MR_HTTP_TYPE_MAX characters at most), rendered again into twice the room
 * while it does not fit, up to max_body bytes (then 500). */
void mr_http_server_init(struct mr_http_server *s, int listen_fd, const char *content_type,
			 mr_http_render_fn render, void *ctx, size_t max_body);

/* Fills pfd (room for MR_HTTP_POLLFDS) with what the server waits for; how many. The
 * listening socket is left out while every slot is busy, or accepting is paused. */
unsigned int mr_http_server_pollfds(const struct mr_http_server *s, struct pollfd *pfd);

/* Serves what poll reported on the n pollfds the last mr_http_server_pollfds gave. */
void mr_http_server_handle(struct mr_http_server *s, const struct pollfd *pfd, unsigned int n,
			   uint64_t now_ms);

/* Closes clients past their deadlines, and ends a pause of accepting that is over; the
 * milliseconds until the next of them, -1 when there is none. */
int mr_http_server_tick(struct mr_http_server *s, uint64_t now_ms);

/* Clients being served. */
unsigned int mr_http_server_busy(const struct mr_http_server *s);

/* Closes every client (not the listening socket). */
void mr_http_server_close(struct mr_http_server *s);

#endif
