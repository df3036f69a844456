/* SPDX-License-Identifier: BSD-3-Clause */
#include "http_resp.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "hex.h"

enum {
	ST_HEAD,
	ST_LENGTH,
	ST_CLOSE,
	ST_CHUNK_SIZE,
	ST_CHUNK_DATA,
	ST_CHUNK_END,
	ST_TRAILER,
	ST_COMPLETE,
	ST_ERROR,
};

/* A step that changed state without an event to report: the feed loop goes on. */
#define EV_CONTINUE (-1)

/* What the head says about framing, gathered before the framing is chosen. */
struct head_info {
	bool http10, keep_alive;
	bool te_seen, te_chunked_last;
	unsigned int te_chunked;
	bool has_length;
	uint64_t length;
};

static int fail(struct http_resp *r, const char *why)
{
	r->error = why;
	r->state = ST_ERROR;
	return HTTP_ERROR;
}

void http_resp_init(struct http_resp *r, size_t max_body)
{
	memset(r, 0, sizeof(*r));
	r->max_body = max_body;
	r->state = ST_HEAD;
}

static bool http_is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Field values and reason phrases: HTAB, visible characters, obs-text. */
static bool http_text_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}

static void copy_trunc(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* The next element of a comma-separated list at [*p, end), OWS trimmed; empty elements
 * are skipped as RFC 9110 5.6.1 asks. False when none is left. */
static bool list_next(const char **p, const char *end, const char **tok, size_t *n)
{
	while (*p < end) {
		const char *comma = memchr(*p, ',', (size_t)(end - *p));
		const char *s = *p, *e = comma ? comma : end;

		*p = comma ? comma + 1 : end;
		while (s < e && is_ows(*s))
			s++;
		while (e > s && is_ows(e[-1]))
			e--;
		if (e > s) {
			*tok = s;
			*n = (size_t)(e - s);
			return true;
		}
	}
	return false;
}

static bool token_is(const char *tok, size_t n, const char *word)
{
	return n == strlen(word) && strncasecmp(tok, word, n) == 0;
}

/* Every value must be the same: differing lengths are how responses get smuggled. */
static int content_length(struct http_resp *r, struct head_info *h, const char *v, size_t n)
{
	const char *p = v, *tok;
	size_t tn;
	bool any = false;

	while (list_next(&p, v + n, &tok, &tn)) {
		uint64_t len = 0;

		for (size_t i = 0; i < tn; i++) {
			if (tok[i] < '0' || tok[i] > '9' || len > (UINT64_MAX - 9) / 10)
				return fail(r, "bad Content-Length");
			len = len * 10 + (uint64_t)(tok[i] - '0');
		}
		if (h->has_length && h->length != len)
			return fail(r, "conflicting Content-Length values");
		h->has_length = any = true;
		h->length = len;
	}
	return any ? 0 : fail(r, "bad Content-Length");
}

/* Only the last coding matters for framing; chunked anywhere else is an error later. */
static void transfer_encoding(struct head_info *h, const char *v, size_t n)
{
	const char *p = v, *tok;
	size_t tn;

	while (list_next(&p, v + n, &tok, &tn)) {
		size_t name = 0;

		while (name < tn && tok[name] != ';' && !is_ows(tok[name]))
			name++;
		h->te_seen = true;
		h->te_chunked_last = token_is(tok, name, "chunked");
		h->te_chunked += h->te_chunked_last;
	}
}

static void connection(struct http_resp *r, struct head_info *h, const char *v, size_t n)
{
	const char *p = v, *tok;
	size_t tn;

	while (list_next(&p, v + n, &tok, &tn)) {
		if (token_is(tok, tn, "close"))
			r->close = true;
		else if (token_is(tok, tn, "keep-alive"))
			h->keep_alive = true;
	}
}

static int header_line(struct http_resp *r, struct head_info *h, const char *s, size_t n)
{
	size_t colon = 0;
	const char *v;
	size_t vn;

	if (n > 0 && is_ows(s[0]))
		return fail(r, "obsolete header folding");
	while (colon < n && http_is_tchar((unsigned char)s[colon]))
		colon++;
	if (colon == 0 || colon == n || s[colon] != ':')
		return fail(r, "bad header line");
	v = s + colon + 1;
	vn = n - colon - 1;
	while (vn > 0 && is_ows(*v))
		v++, vn--;
	while (vn > 0 && is_ows(v[vn - 1]))
		vn--;
	if (!http_text_ok(v, vn))
		return fail(r, "bad header value");
	if (token_is(s, colon, "content-length"))
		return content_length(r, h, v, vn);
	if (token_is(s, colon, "transfer-encoding"))
		transfer_encoding(h, v, vn);
	else if (token_is(s, colon, "connection"))
		connection(r, h, v, vn);
	else if (token_is(s, colon, "content-type"))
		copy_trunc(r->content_type, sizeof(r->content_type), v, vn);
	return 0;
}

/* "HTTP/1.x 200 reason"; the space before an empty reason may be missing. */
static int status_line(struct http_resp *r, struct head_info *h, const char *s, size_t n)
{
	if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || (s[7] != '0' && s[7] != '1') ||
	    s[8] != ' ')
		return fail(r, "bad status line");
	for (size_t i = 9; i < 12; i++) {
		if (s[i] < '0' || s[i] > '9')
			return fail(r, "bad status code");
		r->status = r->status * 10 + (s[i] - '0');
	}
	if (r->status < 100 || r->status > 599 || (n > 12 && s[12] != ' '))
		return fail(r, "bad status code");
	if (n > 13 && !http_text_ok(s + 13, n - 13))
		return fail(r, "bad reason phrase");
	if (n > 13)
		copy_trunc(r->reason, sizeof(r->reason), s + 13, n - 13);
	h->http10 = s[7] == '0';
	return 0;
}

/* RFC 9112 6.3, for a client that only sends POST: chunked wins over Content-Length. */
static int choose_framing(struct http_resp *r, const struct head_info *h)
{
	if (h->http10 && !h->keep_alive)
		r->close = true;
	if (r->status == 204 || r->status == 304) {
		r->framing = HTTP_FRAMING_NONE;
		r->state = ST_COMPLETE;
	} else if (h->te_seen) {
		if (!h->te_chunked_last || h->te_chunked > 1)
			return fail(r, "unsupported transfer-coding");
		/* With a Content-Length too, or in HTTP/1.0, its framing is suspect (a proxy
		 * between that splits responses): this one is read, the connection not reused. */
		if (h->has_length || h->http10)
			r->close = true;
		r->framing = HTTP_FRAMING_CHUNKED;
		r->state = ST_CHUNK_SIZE;
	} else if (h->has_length) {
		if (h->length > r->max_body)
			return fail(r, "body too large");
		r->framing = HTTP_FRAMING_LENGTH;
		r->content_length = r->remaining = h->length;
		r->state = h->length ? ST_LENGTH : ST_COMPLETE;
	} else {
		r->framing = HTTP_FRAMING_CLOSE;
		r->state = ST_CLOSE;
	}
	return HTTP_HEADERS_DONE;
}

/* The line at *p up to its LF (always there: the head ends in one), CR dropped. */
static size_t head_line(const char **p, const char **line)
{
	const char *nl = strchr(*p, '\n');
	size_t n = (size_t)(nl - *p);

	*line = *p;
	*p = nl + 1;
	return n > 0 && (*line)[n - 1] == '\r' ? n - 1 : n;
}

static void clear_head_fields(struct http_resp *r)
{
	r->status = 0;
	r->reason[0] = r->content_type[0] = '\0';
	r->framing = HTTP_FRAMING_NONE;
	r->content_length = r->remaining = r->body_seen = 0;
	r->close = false;
}

/* The whole head is in r->head. HTTP_HEADERS_DONE, HTTP_ERROR, or EV_CONTINUE after an
 * interim (1xx) response, which is dropped. */
static int parse_head(struct http_resp *r)
{
	struct head_info h = { 0 };
	const char *p = r->head, *line;
	size_t n;

	clear_head_fields(r);
	r->head[r->head_len] = '\0';
	if (memchr(r->head, '\0', r->head_len))
		return fail(r, "NUL in response head");
	n = head_line(&p, &line);
	if (status_line(r, &h, line, n) == HTTP_ERROR)
		return HTTP_ERROR;
	while ((n = head_line(&p, &line)) > 0)
		if (header_line(r, &h, line, n) == HTTP_ERROR)
			return HTTP_ERROR;
	r->head_len = 0;
	if (r->status == 101)
		return fail(r, "unexpected 101 Switching Protocols");
	if (r->status < 200) {
		r->status = 0; /* an interim answer: the final one is still to come */
		return EV_CONTINUE;
	}
	return choose_framing(r, &h);
}

/* The head ends in a blank line: LF LF, or LF CR LF. */
static bool head_complete(const struct http_resp *r)
{
	const char *end = r->head + r->head_len;
	size_t n = r->head_len;

	return n >= 2 && end[-1] == '\n' &&
	       (end[-2] == '\n' || (n >= 3 && end[-2] == '\r' && end[-3] == '\n'));
}

static int feed_head(struct http_resp *r, const uint8_t *d, size_t len, size_t *pos)
{
	while (*pos < len) {
		if (r->head_len == HTTP_MAX_HEAD)
			return fail(r, "response head too large");
		r->head[r->head_len++] = (char)d[(*pos)++];
		if (head_complete(r))
			return parse_head(r);
	}
	return HTTP_NEED_MORE;
}

/* Up to r->remaining bytes of body straight from the input; then state next. */
static int body_run(struct http_resp *r, const uint8_t *d, size_t len, size_t *pos,
		    struct http_body_piece *piece, int next)
{
	size_t take = len - *pos;

	if (take == 0)
		return HTTP_NEED_MORE;
	if (take > r->remaining)
		take = (size_t)r->remaining;
	piece->data = d + *pos;
	piece->len = take;
	*pos += take;
	r->remaining -= take;
	r->body_seen += take;
	if (r->remaining == 0)
		r->state = next;
	return HTTP_BODY;
}

/* Up to max_body bytes go out before the refusal, however the input is cut. */
static int body_until_close(struct http_resp *r, const uint8_t *d, size_t len, size_t *pos,
			    struct http_body_piece *piece)
{
	size_t room = r->max_body - r->body_seen;

	if (*pos < len && room == 0)
		return fail(r, "body too large");
	r->remaining = len - *pos < room ? len - *pos : room;
	return body_run(r, d, len, pos, piece, ST_CLOSE);
}

/* One CRLF-terminated line of chunk framing, at most max bytes (the first
 * HTTP_MAX_CHUNK_LINE kept in r->line). 1 when complete (r->line_len long), 0 when the
 * input ran out first, HTTP_ERROR with too_long or a bare-LF complaint. */
static int framing_line(struct http_resp *r, const uint8_t *d, size_t len, size_t *pos,
			size_t max, const char *too_long)
{
	while (*pos < len) {
		uint8_t c = d[(*pos)++];

		if (r->line_cr) {
			r->line_cr = false;
			if (c != '\n')
				return fail(r, "CR without LF in chunk framing");
			return 1;
		}
		if (c == '\r') {
			r->line_cr = true;
			continue;
		}
		if (c == '\n')
			return fail(r, "bare LF in chunk framing");
		if (r->line_len == max)
			return fail(r, too_long);
		if (r->line_len < sizeof(r->line))
			r->line[r->line_len] = (char)c;
		r->line_len++;
	}
	return 0;
}

/* "1a2[ ][;ext...]": extensions are ignored, whatever they hold. */
static int chunk_size(struct http_resp *r, const uint8_t *d, size_t len, size_t *pos)
{
	int rc = framing_line(r, d, len, pos, HTTP_MAX_CHUNK_LINE, "chunk-size line too long");
	uint64_t size = 0;
	size_t i = 0, n = r->line_len;

	if (rc != 1)
		return rc == 0 ? HTTP_NEED_MORE : HTTP_ERROR;
	r->line_len = 0;
	for (; i < n && hex_digit(r->line[i]) >= 0; i++) {
		if (size >> 60)
			return fail(r, "chunk size too large");
		size = size << 4 | (uint64_t)hex_digit(r->line[i]);
	}
	while (i < n && is_ows(r->line[i]))
		i++;
	if (i == 0 || (i < n && r->line[i] != ';'))
		return fail(r, "bad chunk size");
	if (size > r->max_body - r->body_seen)
		return fail(r, "body too large");
	r->remaining = size;
	r->state = size ? ST_CHUNK_DATA : ST_TRAILER;
	return EV_CONTINUE;
}

static int chunk_end(struct http_resp *r, const uint8_t *d, size_t len, size_t *pos)
{
	int rc = framing_line(r, d, len, pos, 0, "missing CRLF after chunk data");

	if (rc != 1)
		return rc == 0 ? HTTP_NEED_MORE : HTTP_ERROR;
	r->state = ST_CHUNK_SIZE;
	return EV_CONTINUE;
}

/* Trailer fields after the last chunk are skipped, within the head's limit. */
static int trailer(struct http_resp *r, const uint8_t *d, size_t len, size_t *pos)
{
	int rc = framing_line(r, d, len, pos, HTTP_MAX_HEAD, "trailers too large");

	if (rc != 1)
		return rc == 0 ? HTTP_NEED_MORE : HTTP_ERROR;
	if (r->line_len == 0) {
		r->state = ST_COMPLETE;
		return EV_CONTINUE;
	}
	r->trailer_len += r->line_len + 2;
	r->line_len = 0;
	return r->trailer_len > HTTP_MAX_HEAD ? fail(r, "trailers too large") : EV_CONTINUE;
}

/* A response is over: the framing state starts afresh, while the head fields (status,
 * close, ...) stay readable until the next response's head replaces them. */
static void ready_for_next(struct http_resp *r)
{
	r->state = ST_HEAD;
	r->remaining = 0;
	r->line_cr = false;
	r->line_len = r->trailer_len = r->head_len = 0;
}

static int step(struct http_resp *r, const uint8_t *d, size_t len, size_t *pos,
		struct http_body_piece *piece)
{
	switch (r->state) {
	case ST_HEAD:
		return feed_head(r, d, len, pos);
	case ST_LENGTH:
		return body_run(r, d, len, pos, piece, ST_COMPLETE);
	case ST_CLOSE:
		return body_until_close(r, d, len, pos, piece);
	case ST_CHUNK_SIZE:
		return chunk_size(r, d, len, pos);
	case ST_CHUNK_DATA:
		return body_run(r, d, len, pos, piece, ST_CHUNK_END);
	case ST_CHUNK_END:
		return chunk_end(r, d, len, pos);
	case ST_TRAILER:
		return trailer(r, d, len, pos);
	case ST_COMPLETE:
		ready_for_next(r);
		return HTTP_DONE;
	default:
		return HTTP_ERROR;
	}
}

int http_resp_feed(struct http_resp *r, const uint8_t *data, size_t len, size_t *used,
		   struct http_body_piece *piece)
{
	size_t pos = 0;
	int ev = EV_CONTINUE;

	piece->data = NULL;
	piece->len = 0;
	while (ev == EV_CONTINUE)
		ev = step(r, data, len, &pos, piece);
	*used = pos;
	return ev;
}

void http_resp_end_of_stream(struct http_resp *r)
{
	if (r->state == ST_CLOSE)
		r->state = ST_COMPLETE;
	else if (r->state == ST_HEAD && r->head_len == 0)
		fail(r, "connection closed before a response");
	else if (r->state != ST_COMPLETE && r->state != ST_ERROR)
		fail(r, "truncated");
}

/* Host and path go into the request line and a header: nothing that could end either. */
static bool http_plain(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f)
			return false;
	return true;
}

int http_format_post(char *out, size_t cap, const char *host, const char *path,
		     const char *body, size_t body_len, bool keep_alive)
{
	int n;

	if (!*host || path[0] != '/' || !http_plain(host) || !http_plain(path))
		return -1;
	n = snprintf(out, cap,
		     "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
		     "Content-Length: %zu\r\n%s\r\n",
		     path, host, body_len, keep_alive ? "" : "Connection: close\r\n");
	if (n < 0 || (size_t)n >= cap || body_len >= cap - (size_t)n ||
	    body_len > (size_t)INT_MAX - (size_t)n)
		return -1;
	memcpy(out + n, body, body_len);
	out[(size_t)n + body_len] = '\0';
	return n + (int)body_len;
}
