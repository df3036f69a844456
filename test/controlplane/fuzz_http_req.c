/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target for the scrape endpoint's request reading: where a head ends and the
 * status it gets, on any bytes, as they arrive a piece at a time. The first byte chooses
 * the size of the pieces (0: the whole input at once).
 * Invariants: an end lies within the bytes and just past "\n\n" or "\r\n\r\n", with no
 * earlier end; once an end is seen, more bytes never move it; the status is one of 200,
 * 400, 404, 405 and 431, 431 only for MR_HTTP_HEAD_MAX bytes without an end, and the same
 * whatever follows the head's first line is cut at. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mr_http_serve.h"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_http_req: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data + 1;
	size_t len, piece, seen = 0, end = 0;

	if (size < 1)
		return 0;
	len = size - 1 < MR_HTTP_HEAD_MAX ? size - 1 : MR_HTTP_HEAD_MAX;
	piece = data[0] ? data[0] : (len ? len : 1);
	/* As the responder reads: a growing prefix, its end looked for after each piece. */
	while (seen < len && !end) {
		seen = seen + piece < len ? seen + piece : len;
		end = mr_http_head_end(p, seen);
	}
	if (end) {
		int status = mr_http_request_status(p, end, true);

		check(end <= seen, "an end past the bytes");
		check(end >= 2 && p[end - 1] == '\n' &&
		      (p[end - 2] == '\n' || (end >= 4 && memcmp(p + end - 4, "\r\n\r\n", 4) == 0)),
		      "an end not after a blank line");
		check(mr_http_head_end(p, end - 1) == 0, "an earlier end");
		check(mr_http_head_end(p, len) == end, "an end moved by more bytes");
		check(status == 200 || status == 400 || status == 404 || status == 405,
		      "a status out of range");
	} else {
		int status = mr_http_request_status(p, len, false);

		check(mr_http_head_end(p, len) == 0, "an end found whole but not in pieces");
		check(status == 200 || status == 400 || status == 404 || status == 405 ||
		      status == 431, "a status out of range");
		check((status == 431) == (len == MR_HTTP_HEAD_MAX), "431 for the wrong length");
	}
	return 0;
}
