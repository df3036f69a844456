/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP/1.1 client side for etcd's JSON gateway, without I/O: an incremental response
 * parser fed with whatever the socket returned, and the POST request etcd's gateway
 * takes. http_lines.h cuts a streamed body into items.
 *
 * Line endings: the status line and header lines may end in bare LF as well as CRLF
 * (tolerated as RFC 9112 2.2 allows); chunk framing (size lines, the CRLF after chunk
 * data, trailers) must use CRLF. Header folding is refused. A Transfer-Encoding whose
 * last coding is not chunked is refused: nothing here could decode the body.
 */
#ifndef HTTP_RESP_H
#define HTTP_RESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_HEAD 16384       /* status line + headers + blank line; trailers too */
#define HTTP_MAX_CHUNK_LINE 64    /* one chunk-size line, extensions included, CRLF not */

enum http_event {
	HTTP_NEED_MORE,     /* all of the input used, nothing to report */
	HTTP_HEADERS_DONE,  /* status and headers parsed: the fields of struct http_resp */
	HTTP_BODY,          /* a run of body bytes in the piece (framing removed) */
	HTTP_DONE,          /* the response is complete; the parser is ready for the next */
	HTTP_ERROR,         /* r->error says why; every later call says HTTP_ERROR again */
};

enum http_framing {
	HTTP_FRAMING_NONE,     /* 204, 304: no body */
	HTTP_FRAMING_LENGTH,   /* Content-Length */
	HTTP_FRAMING_CHUNKED,  /* Transfer-Encoding: chunked */
	HTTP_FRAMING_CLOSE,    /* ends when the peer closes: http_resp_end_of_stream */
};

struct http_body_piece {
	const uint8_t *data;   /* points into the buffer given to http_resp_feed */
	size_t len;
};

struct http_resp {
	/* Valid from HTTP_HEADERS_DONE until the next response starts. */
	int status;                   /* 0 until a final (not 1xx) head is read */
	char reason[64];              /* truncated to fit */
	char content_type[128];       /* empty when absent; truncated to fit */
	enum http_framing framing;
	uint64_t content_length;      /* when framing is HTTP_FRAMING_LENGTH */
	bool close;                   /* Connection: close, or HTTP/1.0 without keep-alive */
	uint64_t body_seen;           /* body bytes handed out so far */
	const char *error;            /* after HTTP_ERROR */

	/* Parser state. */
	size_t max_body;
	int state;
	uint64_t remaining;           /* of the current chunk or Content-Length */
	bool line_cr;                 /* a framing line's CR was seen */
	size_t line_len, trailer_len;
	char line[HTTP_MAX_CHUNK_LINE];
	size_t head_len;
	char head[HTTP_MAX_HEAD + 1];
};

/* Prepare r for a response whose body may hold at most max_body bytes (SIZE_MAX for an
 * endless stream). */
void http_resp_init(struct http_resp *r, size_t max_body);

/* Consume bytes of data[0..len) until there is one event (enum http_event) to report,
 * and say how many in *used; call again with data + *used until HTTP_NEED_MORE, also with
 * nothing left (len 0) after HTTP_HEADERS_DONE or HTTP_BODY: HTTP_DONE may follow without
 * more input. After HTTP_DONE, data + *used is where the next response begins. */
int http_resp_feed(struct http_resp *r, const uint8_t *data, size_t len, size_t *used,
		   struct http_body_piece *piece);

/* The peer closed. A close-delimited body is then complete (the next feed says
 * HTTP_DONE); anything else in progress, or no response at all, is an HTTP_ERROR. */
void http_resp_end_of_stream(struct http_resp *r);

/* A POST of body_len bytes of JSON to path, NUL-terminated in out (cap bytes). Its length,
 * or -1 when it does not fit or host or path hold spaces or control characters. */
int http_format_post(char *out, size_t cap, const char *host, const char *path,
		     const char *body, size_t body_len, bool keep_alive);

#endif
