/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target for the HTTP response parser and the body splitter. The first five
 * bytes choose how the rest is fed:
 *   [0] bit 0: the peer closes at the end; bit 1: lines (else objects) splitter;
 *       bits 2-3: max_body SIZE_MAX, 64, 1024 or 16 KiB
 *   [1..4] sizes of the pieces, in turn (0: all that is left)
 * Invariants: used never exceeds what was offered and NEED_MORE uses it all; body pieces
 * lie inside the bytes just used; body bytes never exceed the bytes fed nor max_body;
 * events come in order (head, body, one DONE per message); a Content-Length body is
 * exactly that long; errors stick; items out of the splitter are whole and bounded; and
 * the same events, body bytes, items and errors come out when the input is fed whole. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_lines.h"
#include "http_resp.h"

#define ITEM_CAP 256

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_http: %s\n", what);
		abort();
	}
}

struct run {
	struct http_resp r;
	struct http_lines lines;
	char line_buf[ITEM_CAP];
	bool in_message, failed;
	enum http_framing framing;    /* of the message in progress */
	uint64_t length;
	uint64_t fed, body_total, message_body;
	uint64_t trace;               /* events (body runs as one) and body bytes, hashed */
	uint64_t items;               /* the splitter's items, hashed */
	char last;
};

/* FNV-1a over what a run reported, to compare two ways of feeding the same bytes. */
static uint64_t fnv(uint64_t h, const void *data, size_t n)
{
	const uint8_t *d = data;

	for (size_t i = 0; i < n; i++)
		h = (h ^ d[i]) * 0x100000001b3ULL;
	return h;
}

/* Body runs count as one event whatever the pieces, their bytes as one stream. */
static void trace(struct run *u, char ev, const void *d, size_t n)
{
	if (!(ev == 'B' && u->last == 'B'))
		u->trace = fnv(u->trace, &ev, 1);
	u->last = ev;
	u->trace = fnv(u->trace, d, n);
}

static void check_items(struct run *u)
{
	const char *item;
	size_t len;

	while ((item = http_lines_next(&u->lines, &len)) != NULL) {
		check(len > 0 && len <= ITEM_CAP, "item length");
		if (u->lines.mode == HTTP_LINES_OBJECTS)
			check(item[0] == '{' && item[len - 1] == '}', "object not whole");
		else
			check(memchr(item, '\n', len) == NULL, "line holds a newline");
		u->items = fnv(fnv(u->items, &len, sizeof(len)), item, len);
	}
}

static void take_body(struct run *u, const struct http_body_piece *p)
{
	const uint8_t *d = p->data;
	size_t n = p->len;
	int k;

	u->body_total += n;
	u->message_body += n;
	check(u->body_total <= u->fed, "more body than input");
	check(u->r.max_body == SIZE_MAX || u->r.body_seen <= u->r.max_body, "body over max_body");
	while (n > 0 && (k = http_lines_push(&u->lines, d, n)) >= 0) {
		check((size_t)k <= n, "push took more than offered");
		d += k;
		n -= (size_t)k;
		check_items(u);
	}
}

/* Event order, one DONE per message, Content-Length exact. */
static void check_event(struct run *u, int ev, const struct http_body_piece *p,
			const uint8_t *at, size_t used)
{
	if (ev == HTTP_HEADERS_DONE) {
		check(!u->in_message, "headers inside a message");
		check(u->r.status >= 200 && u->r.status <= 599, "status out of range");
		u->in_message = true;
		u->message_body = 0;
		trace(u, 'H', &u->r.status, sizeof(u->r.status));
		u->framing = u->r.framing;
		u->length = u->r.content_length;
	} else if (ev == HTTP_BODY) {
		check(u->in_message, "body outside a message");
		check(p->len > 0 && p->data >= at && p->data + p->len <= at + used,
		      "piece placement");
		take_body(u, p);
		trace(u, 'B', p->data, p->len);
	} else if (ev == HTTP_DONE) {
		check(u->in_message, "DONE without headers");
		check(u->framing != HTTP_FRAMING_LENGTH || u->message_body == u->length,
		      "Content-Length body of another length");
		check(u->framing != HTTP_FRAMING_NONE || u->message_body == 0,
		      "body where none is");
		u->in_message = false;
		trace(u, 'D', NULL, 0);
	} else {
		check(ev == HTTP_ERROR && u->r.error != NULL, "unknown event or no reason");
		u->failed = true;
		trace(u, 'E', u->r.error, strlen(u->r.error));
	}
}

static void feed(struct run *u, const uint8_t *data, size_t n)
{
	uint8_t *copy = malloc(n ? n : 1);
	size_t at = 0;
	unsigned int idle = 0;

	if (n)
		memcpy(copy, data, n);
	u->fed += n;
	while (!u->failed) {
		struct http_body_piece p;
		size_t used = SIZE_MAX;
		int ev = http_resp_feed(&u->r, copy + at, n - at, &used, &p);

		check(used <= n - at, "used more than offered");
		if (ev == HTTP_NEED_MORE) {
			check(used == n - at, "NEED_MORE with input left");
			break;
		}
		check_event(u, ev, &p, copy + at, used);
		at += used;
		/* No event without progress more than twice in a row (DONE then HEADERS_DONE of
		 * a 204 needs input): anything else would spin forever. */
		idle = used ? 0 : idle + 1;
		check(idle <= 2, "events without progress");
	}
	free(copy);
}

/* The stream after the five control bytes, in pieces (sizes from data[1..4]) or whole. */
static void run(struct run *u, const uint8_t *data, size_t size, bool pieces)
{
	static const size_t max_body[] = { SIZE_MAX, 64, 1024, 16384 };
	size_t off = 5, turn = 0, used;
	struct http_body_piece p;

	memset(u, 0, sizeof(*u));
	u->trace = u->items = 0xcbf29ce484222325ULL;
	http_resp_init(&u->r, max_body[(data[0] >> 2) & 3]);
	http_lines_init(&u->lines, data[0] & 2 ? HTTP_LINES_LINES : HTTP_LINES_OBJECTS,
			u->line_buf, sizeof(u->line_buf));
	while (off < size && !u->failed) {
		size_t n = pieces ? data[1 + turn++ % 4] : 0;

		if (n == 0 || n > size - off)
			n = size - off;
		feed(u, data + off, n);
		off += n;
	}
	if (data[0] & 1 && !u->failed) {
		http_resp_end_of_stream(&u->r);
		feed(u, NULL, 0);
	}
	if (u->failed) /* errors stick, and use nothing */
		check(http_resp_feed(&u->r, data, size, &used, &p) == HTTP_ERROR && used == 0,
		      "error did not stick");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run cut, whole;

	if (size < 5)
		return 0;
	run(&cut, data, size, true);
	run(&whole, data, size, false);
	check(cut.trace == whole.trace && cut.items == whole.items && cut.failed == whole.failed &&
	      cut.body_total == whole.body_total && cut.lines.error == whole.lines.error,
	      "cutting the input changed the outcome");
	return 0;
}
