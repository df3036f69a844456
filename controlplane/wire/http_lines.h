/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cuts a streamed HTTP body (the endless chunked answer of etcd's /v3/watch) into items:
 * lines, or top-level JSON objects whatever separates them, in a buffer of the caller's.
 * Without I/O: http_resp hands it the body bytes.
 */
#ifndef HTTP_LINES_H
#define HTTP_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum http_lines_mode {
	HTTP_LINES_LINES,    /* items end at LF (CR before it dropped); blank lines skipped */
	HTTP_LINES_OBJECTS,  /* items are top-level {...} objects, whatever separates them */
};

/* Cuts body bytes into items in a caller's buffer of cap bytes; an item longer than cap
 * (line ending included) is refused. */
struct http_lines {
	enum http_lines_mode mode;
	char *buf;
	size_t cap, len;
	size_t start;       /* first byte not yet returned */
	size_t scan;        /* bytes of the current item scanned for its end */
	size_t ready;       /* end of a complete item not yet returned, 0 when none */
	size_t depth;       /* objects mode: braces open outside strings */
	bool in_string, escaped;
	const char *error;
};

/* Set l up to use buf (cap bytes). */
void http_lines_init(struct http_lines *l, enum http_lines_mode mode, char *buf, size_t cap);

/* Take as many of the n bytes at d as fit; how many, or -1 when the item in progress is
 * longer than cap, or in objects mode something else than whitespace lies between
 * objects (l->error says which). Take items out with http_lines_next between calls:
 *   while (n > 0 && (k = http_lines_push(l, d, n)) >= 0) {
 *           d += k; n -= k;
 *           while ((item = http_lines_next(l, &len))) use(item, len);
 *   }                                                                                 */
int http_lines_push(struct http_lines *l, const uint8_t *d, size_t n);

/* The next complete item (len bytes, not NUL-terminated, valid until the next push), or
 * NULL when there is none yet or l->error is set. */
const char *http_lines_next(struct http_lines *l, size_t *len);

#endif
