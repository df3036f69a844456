/* SPDX-License-Identifier: BSD-3-Clause */
/* A minimal HTTP/1.0 responder for a scrape endpoint (Prometheus): one request per
 * connection, answered and closed from the caller's poll loop, with bounded waits: the
 * request's head in MR_HTTP_READ_MS in all, whatever the client trickles; the answer as
 * long as the client keeps reading (no MR_HTTP_WRITE_MS without progress), up to the
 * caller's limit: a thread of its own may give a distant scraper's large body
 * MR_HTTP_WRITE_MAX_MS, a loop with other work MR_HTTP_WRITE_MS. */
#ifndef MR_HTTP_SERVE_H
#define MR_HTTP_SERVE_H

#include <stddef.h>
#include <stdint.h>

#define MR_HTTP_READ_MS 250   /* a scraper sends its request at once */
#define MR_HTTP_WRITE_MS 500      /* the most a reader may take nothing */
#define MR_HTTP_WRITE_MAX_MS 10000 /* the most an answer may take */
#define MR_HTTP_HEAD_MAX 8192      /* a longer request head is answered 431 */

/* The Prometheus text exposition format, version 0.0.4. */
#define MR_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* A listening TCP socket on address (IPv4 or IPv6 literal):port, non-blocking; or -1
 * with "what ADDRESS:PORT: reason" in err. */
int mr_http_listen(const char *what, const char *address, uint16_t port, char *err,
		   size_t errlen);

/* Writes the body into buf (cap bytes); its length, 0 when it did not fit. */
typedef size_t (*mr_http_render_fn)(void *ctx, char *buf, size_t cap);

/* Accept one client on listen_fd and answer: GET /metrics or GET / with 200 and what
 * render writes as content_type (rendered again into twice the room while it does not
 * fit, up to max_body bytes), 404 for another path, 400 for anything else, 431 for a
 * head over MR_HTTP_HEAD_MAX, 500 when the body did not fit max_body. The answer gets
 * write_max_ms in all. */
void mr_http_serve_one(int listen_fd, const char *content_type, mr_http_render_fn render,
		       void *ctx, size_t max_body, unsigned int write_max_ms);

#endif
