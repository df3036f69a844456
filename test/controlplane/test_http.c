/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "http_resp": the incremental HTTP/1.1 response parser on responses captured from
 * etcd 3.4.23's JSON gateway (a lease grant, an error answer with trailers, a watch that
 * never ends) fed whole, a byte at a time and split at every position; every framing and
 * every refusal; the POST request; the splitter that cuts a watch body into objects. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_lines.h"
#include "http_resp.h"
#include "json.h"
#include "unit.h"

static const char raw_grant[] =
	"HTTP/1.1 200 OK\r\n"
	"Access-Control-Allow-Headers: accept, content-type, authorization\r\n"
	"Access-Control-Allow-Methods: POST, GET, OPTIONS, PUT, DELETE\r\n"
	"Access-Control-Allow-Origin: *\r\n"
	"Content-Type: application/json\r\n"
	"Grpc-Metadata-Content-Type: application/grpc\r\n"
	"Date: Wed, 25 Nov 2026 11:46:39 GMT\r\n"
	"Content-Length: 149\r\n"
	"\r\n"
	"{\"header\":{\"cluster_id\":\"324952591200643719\",\"member_id\":\"33198146427616379"
	"52\",\"revision\":\"7\",\"raft_term\":\"2\"},\"ID\":\"2324035608182648595\",\"TTL\":"
	"\"10\"}";

static const char raw_error_trailer[] =
	"HTTP/1.1 404 Not Found\r\n"
	"Access-Control-Allow-Headers: accept, content-type, authorization\r\n"
	"Access-Control-Allow-Methods: POST, GET, OPTIONS, PUT, DELETE\r\n"
	"Access-Control-Allow-Origin: *\r\n"
	"Content-Type: application/json\r\n"
	"Trailer: Grpc-Trailer-Content-Type\r\n"
	"Date: Wed, 25 Nov 2026 11:46:39 GMT\r\n"
	"Transfer-Encoding: chunked\r\n"
	"\r\n"
	"6c\r\n"
	"{\"error\":\"etcdserver: requested lease not found\",\"message\":\"etcdserver: reque"
	"sted lease not found\",\"code\":5}\r\n"
	"0\r\n"
	"Grpc-Trailer-Content-Type: application/grpc\r\n"
	"\r\n";

static const char raw_watch[] =
	"HTTP/1.1 200 OK\r\n"
	"Access-Control-Allow-Headers: accept, content-type, authorization\r\n"
	"Access-Control-Allow-Methods: POST, GET, OPTIONS, PUT, DELETE\r\n"
	"Access-Control-Allow-Origin: *\r\n"
	"Content-Type: application/json\r\n"
	"Grpc-Metadata-Content-Type: application/grpc\r\n"
	"Date: Wed, 25 Nov 2026 11:46:31 GMT\r\n"
	"Transfer-Encoding: chunked\r\n"
	"\r\n"
	"8a\r\n"
	"{\"result\":{\"header\":{\"cluster_id\":\"324952591200643719\",\"member_id\":\"33198"
	"14642761637952\",\"revision\":\"3\",\"raft_term\":\"2\"},\"created\":true}}\n"
	"\r\n"
	"fa\r\n"
	"{\"result\":{\"header\":{\"cluster_id\":\"324952591200643719\",\"member_id\":\"33198"
	"14642761637952\",\"revision\":\"4\",\"raft_term\":\"2\"},\"events\":[{\"kv\":{\"key"
	"\":\"L21lc2hyZWxheS9ub2Rlcy9j\",\"create_revision\":\"4\",\"mod_revision\":\"4\",\"v"
	"ersion\":\"1\",\"value\":\"aGVsbG8=\"}}]}}\n"
	"\r\n"
	"fa\r\n"
	"{\"result\":{\"header\":{\"cluster_id\":\"324952591200643719\",\"member_id\":\"33198"
	"14642761637952\",\"revision\":\"5\",\"raft_term\":\"2\"},\"events\":[{\"kv\":{\"key"
	"\":\"L21lc2hyZWxheS9ub2Rlcy9j\",\"create_revision\":\"4\",\"mod_revision\":\"5\",\"v"
	"ersion\":\"2\",\"value\":\"aGVsbG8y\"}}]}}\n"
	"\r\n"
	"d3\r\n"
	"{\"result\":{\"header\":{\"cluster_id\":\"324952591200643719\",\"member_id\":\"33198"
	"14642761637952\",\"revision\":\"6\",\"raft_term\":\"2\"},\"events\":[{\"type\":\"DEL"
	"ETE\",\"kv\":{\"key\":\"L21lc2hyZWxheS9ub2Rlcy9i\",\"mod_revision\":\"6\"}}]}}\n"
	"\r\n";

/* What a response parse reported, for comparing ways of feeding the same bytes. */
struct transcript {
	char events[32];        /* H, B (a run of body pieces), D, E */
	size_t n_events;
	char body[4096];
	size_t body_len;
	int status[4];          /* at each H */
	size_t n_status;
	char reason[64], content_type[128];
	enum http_framing framing;
	bool close;
	size_t done_at;         /* input offset after the first DONE */
	const char *error;
};

static void note(struct transcript *t, char ev)
{
	if (t->n_events + 1 < sizeof(t->events) && !(ev == 'B' && t->n_events &&
						      t->events[t->n_events - 1] == 'B'))
		t->events[t->n_events++] = ev;
}

static void record(struct transcript *t, const struct http_resp *r, int ev,
		   const struct http_body_piece *piece, size_t offset)
{
	if (ev == HTTP_HEADERS_DONE) {
		note(t, 'H');
		if (t->n_status < 4)
			t->status[t->n_status++] = r->status;
		if (t->n_status == 1) {
			snprintf(t->reason, sizeof(t->reason), "%s", r->reason);
			snprintf(t->content_type, sizeof(t->content_type), "%s", r->content_type);
			t->framing = r->framing;
			t->close = r->close;
		}
	} else if (ev == HTTP_BODY) {
		CU_ASSERT_TRUE(piece->len > 0);
		if (t->body_len + piece->len <= sizeof(t->body))
			memcpy(t->body + t->body_len, piece->data, piece->len);
		t->body_len += piece->len;
		note(t, 'B');
	} else if (ev == HTTP_DONE) {
		note(t, 'D');
		if (!t->done_at)
			t->done_at = offset;
	} else if (ev == HTTP_ERROR) {
		note(t, 'E');
		t->error = r->error;
	}
}

/* Feed n bytes (copied to a buffer of their own size, so that reading past them shows). */
static void feed_piece(struct http_resp *r, struct transcript *t, const char *in, size_t n,
		       size_t base)
{
	uint8_t *copy = malloc(n ? n : 1);
	size_t at = 0;

	if (n)
		memcpy(copy, in, n);
	while (!t->error) {
		struct http_body_piece piece;
		size_t used = n + 1;
		int ev = http_resp_feed(r, copy + at, n - at, &used, &piece);

		CU_ASSERT_TRUE(used <= n - at);
		at += used < n - at ? used : n - at;
		record(t, r, ev, &piece, base + at);
		if (ev == HTTP_NEED_MORE) {
			CU_ASSERT_EQUAL(at, n);
			break;
		}
	}
	free(copy);
}

/* in fed in pieces of step bytes (the first piece cut at first when non-zero). */
static void run(const char *in, size_t len, size_t first, size_t step, size_t max_body,
		bool eof, struct transcript *t)
{
	static struct http_resp r;
	size_t off = 0;

	memset(t, 0, sizeof(*t));
	http_resp_init(&r, max_body);
	while (off < len) {
		size_t n = first ? first : step;

		if (n > len - off)
			n = len - off;
		feed_piece(&r, t, in + off, n, off);
		off += n;
		first = 0;
	}
	if (eof) {
		http_resp_end_of_stream(&r);
		feed_piece(&r, t, NULL, 0, len);
	}
	t->events[t->n_events] = '\0';
}

static void run_whole(const char *in, bool eof, struct transcript *t)
{
	run(in, strlen(in), 0, strlen(in), 1 << 20, eof, t);
}

static bool same(const struct transcript *a, const struct transcript *b)
{
	size_t kept = a->body_len < sizeof(a->body) ? a->body_len : sizeof(a->body);

	return strcmp(a->events, b->events) == 0 && a->body_len == b->body_len &&
	       memcmp(a->body, b->body, kept) == 0 &&
	       a->n_status == b->n_status && memcmp(a->status, b->status, sizeof(a->status)) == 0 &&
	       a->done_at == b->done_at && a->error == b->error && a->framing == b->framing &&
	       a->close == b->close && strcmp(a->reason, b->reason) == 0;
}

static void test_fixture_grant(void)
{
	struct transcript t;
	struct json_value *doc;
	int64_t ttl = 0;

	run_whole(raw_grant, false, &t);
	CU_ASSERT_STRING_EQUAL(t.events, "HBD");
	CU_ASSERT_EQUAL(t.status[0], 200);
	CU_ASSERT_STRING_EQUAL(t.reason, "OK");
	CU_ASSERT_STRING_EQUAL(t.content_type, "application/json");
	CU_ASSERT_EQUAL(t.framing, HTTP_FRAMING_LENGTH);
	CU_ASSERT_FALSE(t.close);
	CU_ASSERT_EQUAL(t.body_len, 149);
	CU_ASSERT_EQUAL(t.done_at, strlen(raw_grant));
	doc = json_parse(t.body, t.body_len, NULL, 0);
	CU_ASSERT_TRUE(json_int64(json_get(doc, "TTL"), &ttl) && ttl == 10);
	json_free(doc);
}

static void test_fixture_error_trailer(void)
{
	struct transcript t;
	struct json_value *doc;
	int64_t code = 0;

	run_whole(raw_error_trailer, false, &t);
	CU_ASSERT_STRING_EQUAL(t.events, "HBD");
	CU_ASSERT_EQUAL(t.status[0], 404);
	CU_ASSERT_STRING_EQUAL(t.reason, "Not Found");
	CU_ASSERT_EQUAL(t.framing, HTTP_FRAMING_CHUNKED);
	CU_ASSERT_EQUAL(t.body_len, 0x6c);
	CU_ASSERT_EQUAL(t.done_at, strlen(raw_error_trailer));
	doc = json_parse(t.body, t.body_len, NULL, 0);
	CU_ASSERT_TRUE(json_int64(json_get(doc, "code"), &code) && code == 5);
	json_free(doc);
}

/* The watch never ends; a close in the middle of it is an error, not an end. */
static void test_fixture_watch(void)
{
	struct transcript t;

	run_whole(raw_watch, false, &t);
	CU_ASSERT_STRING_EQUAL(t.events, "HB");
	CU_ASSERT_EQUAL(t.framing, HTTP_FRAMING_CHUNKED);
	CU_ASSERT_EQUAL(t.body_len, 0x8a + 0xfa + 0xfa + 0xd3);
	CU_ASSERT_EQUAL(memcmp(t.body, "{\"result\":{\"header\"", 19), 0);
	run_whole(raw_watch, true, &t);
	CU_ASSERT_STRING_EQUAL(t.events, "HBE");
	CU_ASSERT_STRING_EQUAL(t.error, "truncated");
}

/* Two answers on one connection: DONE says where the second begins. */
static void test_pipelined(void)
{
	char both[2048];
	struct transcript t;

	snprintf(both, sizeof(both), "%s%s", raw_grant, raw_error_trailer);
	run_whole(both, false, &t);
	CU_ASSERT_STRING_EQUAL(t.events, "HBDHBD");
	CU_ASSERT_EQUAL(t.done_at, strlen(raw_grant));
	CU_ASSERT_EQUAL(t.n_status, 2);
	CU_ASSERT_EQUAL(t.status[1], 404);
	CU_ASSERT_EQUAL(t.body_len, 149 + 0x6c);
}

static const char interim[] =
	"HTTP/1.1 100 Continue\r\n\r\n"
	"HTTP/1.1 102 Processing\r\nX: y\r\n\r\n"
	"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
static const char close_delimited[] =
	"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nthe body goes on until the close";
static const char chunked_forms[] =
	"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: gzip\r\n"
	"transfer-encoding: Chunked\r\n\r\n"
	"5;name=val\r\nhello\r\n6 ; x=\"a;b\"\r\n world\r\nA\r\n0123456789\r\n"
	"0;last\r\nX-Trailer: 1\r\nY: 2\r\n\r\n";

/* Whole, a byte at a time, in pieces of several sizes, and in two pieces split at every
 * position: the same events, body, status and end. */
static void test_every_split(void)
{
	char both[2048];
	const char *inputs[] = { raw_grant, raw_error_trailer, raw_watch, interim, close_delimited,
				 chunked_forms, both };
	static const size_t steps[] = { 1, 2, 3, 7, 64 };

	snprintf(both, sizeof(both), "%s%s", raw_error_trailer, raw_grant);
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		size_t len = strlen(inputs[i]);
		struct transcript whole, t;

		run(inputs[i], len, 0, len, 1 << 20, true, &whole);
		CU_ASSERT_TRUE(whole.n_events >= 2);
		for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
			run(inputs[i], len, 0, steps[s], 1 << 20, true, &t);
			CU_ASSERT_TRUE(same(&whole, &t));
		}
		for (size_t cut = 1; cut < len; cut++) {
			run(inputs[i], len, cut, len, 1 << 20, true, &t);
			CU_ASSERT_TRUE(same(&whole, &t));
			if (!same(&whole, &t))
				fprintf(stderr, "\n  input %zu cut at %zu: %s vs %s\n", i, cut,
					t.events, whole.events);
		}
	}
}

static void test_interim_and_empty(void)
{
	struct transcript t;

	run_whole(interim, false, &t);
	CU_ASSERT_STRING_EQUAL(t.events, "HBD");
	CU_ASSERT_EQUAL(t.n_status, 1);
	CU_ASSERT_EQUAL(t.status[0], 200);
	CU_ASSERT_EQUAL(t.body_len, 2);
	/* An interim answer alone is no status yet: a caller waiting for the final head
	 * (etcd's watch, whose deadline runs until then) goes on waiting. */
	{
		static const char early[] = "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n";
		struct http_resp r;
		struct http_body_piece piece;
		size_t used;

		http_resp_init(&r, 1024);
		CU_ASSERT_EQUAL(http_resp_feed(&r, (const uint8_t *)early, strlen(early), &used,
					       &piece), HTTP_NEED_MORE);
		CU_ASSERT_EQUAL(used, strlen(early));
		CU_ASSERT_EQUAL(r.status, 0);
	}
	/* No body after 204 and 304, whatever the headers say; the next answer follows. */
	run_whole("HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n"
		  "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n"
		  "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false, &t);
	CU_ASSERT_STRING_EQUAL(t.events, "HDHDHD");
	CU_ASSERT_EQUAL(t.framing, HTTP_FRAMING_NONE);
	CU_ASSERT_EQUAL(t.status[1], 304);
	CU_ASSERT_EQUAL(t.status[2], 200);
	CU_ASSERT_EQUAL(t.body_len, 0);
}

static void test_close_delimited(void)
{
	struct transcript t;

	run_whole(close_delimited, false, &t);
	CU_ASSERT_STRING_EQUAL(t.events, "HB");
	CU_ASSERT_EQUAL(t.framing, HTTP_FRAMING_CLOSE);
	CU_ASSERT_STRING_EQUAL(t.content_type, "text/plain");
	run_whole(close_delimited, true, &t);
	CU_ASSERT_STRING_EQUAL(t.events, "HBD");
	CU_ASSERT_EQUAL(t.body_len, strlen("the body goes on until the close"));
	/* HTTP/1.0 closes unless it says keep-alive; "close" is found in a list, any case. */
	run_whole("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", false, &t);
	CU_ASSERT_TRUE(t.close);
	run_whole("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok", false,
		  &t);
	CU_ASSERT_FALSE(t.close);
	run_whole("HTTP/1.1 200 OK\r\nConnection: keep-alive, CLOSE\r\nContent-Length: 0\r\n\r\n",
		  false, &t);
	CU_ASSERT_TRUE(t.close);
	CU_ASSERT_STRING_EQUAL(t.events, "HD");
}

static void test_framing_forms(void)
{
	struct transcript t;

	/* Chunked wins over Content-Length; the last coding decides; extensions and trailers
	 * are skipped. */
	run_whole(chunked_forms, false, &t);
	CU_ASSERT_STRING_EQUAL(t.events, "HBD");
	CU_ASSERT_EQUAL(t.framing, HTTP_FRAMING_CHUNKED);
	CU_ASSERT_EQUAL(t.body_len, 21);
	CU_ASSERT_EQUAL(memcmp(t.body, "hello world0123456789", 21), 0);
	CU_ASSERT_TRUE(t.close); /* framed two ways: not reused (RFC 9112 6.3) */
	run_whole("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n"
		  "2\r\nok\r\n0\r\n\r\n", false, &t);
	CU_ASSERT_STRING_EQUAL(t.events, "HBD");
	CU_ASSERT_TRUE(t.close); /* chunked in HTTP/1.0: the same */
	/* Bare LF ends head lines too; repeated equal lengths are one length. */
	run_whole("HTTP/1.1 200 OK\nContent-Length: 2, 2\r\nContent-Length:2\n\nok", false, &t);
	CU_ASSERT_STRING_EQUAL(t.events, "HBD");
	CU_ASSERT_EQUAL(t.body_len, 2);
	/* No reason phrase, with or without its space; OWS around values. */
	run_whole("HTTP/1.1 200\r\nContent-Type: \t a/b \t\r\nContent-Length: 0\r\n\r\n", false,
		  &t);
	CU_ASSERT_STRING_EQUAL(t.events, "HD");
	CU_ASSERT_STRING_EQUAL(t.reason, "");
	CU_ASSERT_STRING_EQUAL(t.content_type, "a/b");
	run_whole("HTTP/1.1 503 \r\nContent-Length: 0\r\n\r\n", false, &t);
	CU_ASSERT_STRING_EQUAL(t.events, "HD");
	CU_ASSERT_EQUAL(t.status[0], 503);
}

struct http_refusal {
	const char *in;
	size_t len;         /* 0: strlen(in) */
	size_t max_body;    /* 0: 1 MiB */
	bool eof;
	const char *error;
};

#define OK_HEAD "HTTP/1.1 200 OK\r\n"
#define CHUNKED OK_HEAD "Transfer-Encoding: chunked\r\n\r\n"

static const struct http_refusal refusals[] = {
	{ "HTTP/2 200 OK\r\n\r\n", 0, 0, false, "bad status line" },
	{ "HTTP/1.2 200 OK\r\n\r\n", 0, 0, false, "bad status line" },
	{ "\r\nHTTP/1.1 200 OK\r\n\r\n", 0, 0, false, "bad status line" },
	{ "HTTP/1.1 20 OK\r\n\r\n", 0, 0, false, "bad status code" },
	{ "HTTP/1.1 600 Odd\r\n\r\n", 0, 0, false, "bad status code" },
	{ "HTTP/1.1 099 Odd\r\n\r\n", 0, 0, false, "bad status code" },
	{ "HTTP/1.1 200OK\r\n\r\n", 0, 0, false, "bad status code" },
	{ "HTTP/1.1 200 O\x01K\r\n\r\n", 0, 0, false, "bad reason phrase" },
	{ "HTTP/1.1 101 Switching Protocols\r\n\r\n", 0, 0, false,
	  "unexpected 101 Switching Protocols" },
	{ OK_HEAD "A: b\r\n c\r\n\r\n", 0, 0, false, "obsolete header folding" },
	{ OK_HEAD "A: b\r\n\tc\r\n\r\n", 0, 0, false, "obsolete header folding" },
	{ OK_HEAD "Bad Name: x\r\n\r\n", 0, 0, false, "bad header line" },
	{ OK_HEAD "Name : x\r\n\r\n", 0, 0, false, "bad header line" },
	{ OK_HEAD "NoColon\r\n\r\n", 0, 0, false, "bad header line" },
	{ OK_HEAD ": x\r\n\r\n", 0, 0, false, "bad header line" },
	{ OK_HEAD "A: b\x01\r\n\r\n", 0, 0, false, "bad header value" },
	{ OK_HEAD "A: b\rc\r\n\r\n", 0, 0, false, "bad header value" },
	{ OK_HEAD "A: b\0c\r\n\r\n", 27, 0, false, "NUL in response head" },
	{ OK_HEAD "Content-Length: 5\r\nContent-Length: 6\r\n\r\n", 0, 0, false,
	  "conflicting Content-Length values" },
	{ OK_HEAD "Content-Length: 5, 6\r\n\r\n", 0, 0, false,
	  "conflicting Content-Length values" },
	{ OK_HEAD "Content-Length: abc\r\n\r\n", 0, 0, false, "bad Content-Length" },
	{ OK_HEAD "Content-Length: -1\r\n\r\n", 0, 0, false, "bad Content-Length" },
	{ OK_HEAD "Content-Length: +1\r\n\r\n", 0, 0, false, "bad Content-Length" },
	{ OK_HEAD "Content-Length: 1 2\r\n\r\n", 0, 0, false, "bad Content-Length" },
	{ OK_HEAD "Content-Length:\r\n\r\n", 0, 0, false, "bad Content-Length" },
	{ OK_HEAD "Content-Length: 99999999999999999999999\r\n\r\n", 0, 0, false,
	  "bad Content-Length" },
	{ OK_HEAD "Content-Length: 11\r\n\r\n", 0, 10, false, "body too large" },
	{ OK_HEAD "Transfer-Encoding: gzip\r\n\r\n", 0, 0, false, "unsupported transfer-coding" },
	{ OK_HEAD "Transfer-Encoding: chunked, gzip\r\n\r\n", 0, 0, false,
	  "unsupported transfer-coding" },
	{ OK_HEAD "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 0, 0, false,
	  "unsupported transfer-coding" },
	{ CHUNKED "3\r\nabcX", 0, 0, false, "missing CRLF after chunk data" },
	{ CHUNKED "3\r\nabc\n", 0, 0, false, "bare LF in chunk framing" },
	{ CHUNKED "3\nabc", 0, 0, false, "bare LF in chunk framing" },
	{ CHUNKED "3\rx", 0, 0, false, "CR without LF in chunk framing" },
	{ CHUNKED "xyz\r\n", 0, 0, false, "bad chunk size" },
	{ CHUNKED "\r\n", 0, 0, false, "bad chunk size" },
	{ CHUNKED "5 x\r\n", 0, 0, false, "bad chunk size" },
	{ CHUNKED ";ext\r\n", 0, 0, false, "bad chunk size" },
	{ CHUNKED "-1\r\n", 0, 0, false, "bad chunk size" },
	{ CHUNKED "fffffffffffffffff\r\n", 0, 0, false, "chunk size too large" },
	{ CHUNKED "1;xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n", 0, 0,
	  false, "chunk-size line too long" },
	{ CHUNKED "6\r\nabcdef\r\n5\r\n", 0, 10, false, "body too large" },
	{ CHUNKED "b\r\n", 0, 10, false, "body too large" },
	{ CHUNKED "0\r\nX: y\n", 0, 0, false, "bare LF in chunk framing" },
	{ OK_HEAD "\r\n0123456789A", 0, 10, false, "body too large" },
	{ OK_HEAD "Content-Length: 10\r\n\r\nabc", 0, 0, true, "truncated" },
	{ CHUNKED "5\r\nab", 0, 0, true, "truncated" },
	{ CHUNKED "0\r\nX: y\r\n", 0, 0, true, "truncated" },
	{ "HTTP/1.1 200 O", 0, 0, true, "truncated" },
	{ "", 0, 0, true, "connection closed before a response" },
};

/* Whole and a byte at a time: the same refusal. */
static void test_refusals(void)
{
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		const struct http_refusal *c = &refusals[i];
		size_t len = c->len ? c->len : strlen(c->in);
		size_t max = c->max_body ? c->max_body : 1 << 20;
		struct transcript t;

		for (int whole = 0; whole < 2; whole++) {
			run(c->in, len, 0, whole ? len : 1, max, c->eof, &t);
			CU_ASSERT_EQUAL(t.n_events > 0 ? t.events[t.n_events - 1] : 0, 'E');
			CU_ASSERT_PTR_NOT_NULL(t.error);
			if (t.error && strcmp(t.error, c->error) != 0)
				fprintf(stderr, "\n  refusal %zu: got \"%s\", want \"%s\"\n", i,
					t.error, c->error);
			CU_ASSERT_STRING_EQUAL(t.error ? t.error : "", c->error);
		}
	}
}

/* "HTTP/1.1 200 OK\r\nX: aaa...\r\n\r\n", total bytes long. */
static char *head_of(size_t total)
{
	char *s = malloc(total + 1);
	size_t pre = strlen(OK_HEAD "X: ");

	memcpy(s, OK_HEAD "X: ", pre);
	memset(s + pre, 'a', total - pre - 4);
	memcpy(s + total - 4, "\r\n\r\n", 5);
	return s;
}

static void test_limits(void)
{
	char *fits = head_of(HTTP_MAX_HEAD), *over = head_of(HTTP_MAX_HEAD + 1);
	char trailers[HTTP_MAX_HEAD + 128];
	struct transcript t;

	run(fits, HTTP_MAX_HEAD, 0, 4096, 1 << 20, false, &t);
	CU_ASSERT_STRING_EQUAL(t.events, "H");
	CU_ASSERT_EQUAL(t.framing, HTTP_FRAMING_CLOSE);
	run(over, HTTP_MAX_HEAD + 1, 0, 4096, 1 << 20, false, &t);
	CU_ASSERT_STRING_EQUAL(t.events, "E");
	CU_ASSERT_STRING_EQUAL(t.error, "response head too large");
	/* A chunk-size line of exactly its limit. */
	run_whole(CHUNKED "1;xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n"
		  "z\r\n0\r\n\r\n", false, &t);
	CU_ASSERT_STRING_EQUAL(t.events, "HBD");
	/* Trailers are held to the head's size. */
	snprintf(trailers, sizeof(trailers), CHUNKED "0\r\nX: %0*d\r\n\r\n", HTTP_MAX_HEAD, 0);
	run_whole(trailers, false, &t);
	CU_ASSERT_STRING_EQUAL(t.error, "trailers too large");
	snprintf(trailers, sizeof(trailers), CHUNKED "0\r\nX: %0*d\r\nY: %0*d\r\n\r\n",
		 HTTP_MAX_HEAD / 2, 0, HTTP_MAX_HEAD / 2, 0);
	run_whole(trailers, false, &t);
	CU_ASSERT_STRING_EQUAL(t.error, "trailers too large");
	/* A body of exactly max_body, chunked and by length. */
	run(CHUNKED "4\r\nabcd\r\n6\r\nefghij\r\n0\r\n\r\n", strlen(CHUNKED) + 25, 0, 1, 10, false,
	    &t);
	CU_ASSERT_STRING_EQUAL(t.events, "HBD");
	run(OK_HEAD "Content-Length: 10\r\n\r\n0123456789", strlen(OK_HEAD) + 32, 0, 3, 10, false,
	    &t);
	CU_ASSERT_STRING_EQUAL(t.events, "HBD");
	/* Until close: max_body bytes come out, then the refusal, however the input is cut. */
	for (size_t step = 1; step <= 32; step += 31) {
		run(OK_HEAD "\r\n0123456789AB", strlen(OK_HEAD) + 14, 0, step, 10, true, &t);
		CU_ASSERT_STRING_EQUAL(t.events, "HBE");
		CU_ASSERT_EQUAL(t.body_len, 10);
		CU_ASSERT_STRING_EQUAL(t.error, "body too large");
	}
	free(fits);
	free(over);
}

/* After an error every call says so again, without using input. */
static void test_error_sticks(void)
{
	static const uint8_t bad[] = "HTTP/9 200\r\n\r\n";
	static const uint8_t good[] = OK_HEAD "Content-Length: 0\r\n\r\n";
	struct http_resp r;
	struct http_body_piece piece;
	size_t used;

	http_resp_init(&r, 100);
	CU_ASSERT_EQUAL(http_resp_feed(&r, bad, sizeof(bad) - 1, &used, &piece), HTTP_ERROR);
	CU_ASSERT_EQUAL(http_resp_feed(&r, good, sizeof(good) - 1, &used, &piece), HTTP_ERROR);
	CU_ASSERT_EQUAL(used, 0);
	http_resp_end_of_stream(&r);
	CU_ASSERT_STRING_EQUAL(r.error, "bad status line");
	http_resp_init(&r, 100);
	CU_ASSERT_EQUAL(http_resp_feed(&r, good, sizeof(good) - 1, &used, &piece),
			HTTP_HEADERS_DONE);
	CU_ASSERT_EQUAL(http_resp_feed(&r, good + used, 0, &used, &piece), HTTP_DONE);
	CU_ASSERT_EQUAL(http_resp_feed(&r, good, 0, &used, &piece), HTTP_NEED_MORE);
}

static void test_format_post(void)
{
	static const char want_keep[] = "POST /v3/kv/range HTTP/1.1\r\nHost: 127.0.0.1:2379\r\n"
					"Content-Type: application/json\r\n"
					"Content-Length: 10\r\n\r\n{\"key\":\"\"}";
	static const char want_close[] = "POST /v3/watch HTTP/1.1\r\nHost: etcd\r\n"
					 "Content-Type: application/json\r\nContent-Length: 2\r\n"
					 "Connection: close\r\n\r\n{}";
	char out[256];
	size_t n = strlen(want_keep);

	CU_ASSERT_EQUAL(http_format_post(out, sizeof(out), "127.0.0.1:2379", "/v3/kv/range",
					 "{\"key\":\"\"}", 10, true), (int)n);
	CU_ASSERT_STRING_EQUAL(out, want_keep);
	CU_ASSERT_EQUAL(http_format_post(out, n + 1, "127.0.0.1:2379", "/v3/kv/range",
					 "{\"key\":\"\"}", 10, true), (int)n);
	for (size_t cap = 0; cap <= n; cap++)
		CU_ASSERT_EQUAL(http_format_post(out, cap, "127.0.0.1:2379", "/v3/kv/range",
						 "{\"key\":\"\"}", 10, true), -1);
	CU_ASSERT_EQUAL(http_format_post(out, sizeof(out), "etcd", "/v3/watch", "{}", 2, false),
			(int)strlen(want_close));
	CU_ASSERT_STRING_EQUAL(out, want_close);
	CU_ASSERT_EQUAL(http_format_post(out, sizeof(out), "etcd\r\nX: y", "/v3/watch", "{}", 2,
					 true), -1);
	CU_ASSERT_EQUAL(http_format_post(out, sizeof(out), "etcd", "/v3/watch HTTP/1.0", "{}", 2,
					 true), -1);
	CU_ASSERT_EQUAL(http_format_post(out, sizeof(out), "etcd", "v3/watch", "{}", 2, true), -1);
	CU_ASSERT_EQUAL(http_format_post(out, sizeof(out), "", "/v3/watch", "{}", 2, true), -1);
}

/* Items out of the splitter for input pushed in pieces of step bytes (first cut first). */
struct items {
	char text[8][512];
	size_t len[8], n;
	const char *error;
};

static void split(enum http_lines_mode mode, size_t cap, const char *in, size_t len,
		  size_t first, size_t step, struct items *out)
{
	char *buf = malloc(cap);
	struct http_lines l;
	size_t off = 0;

	memset(out, 0, sizeof(*out));
	http_lines_init(&l, mode, buf, cap);
	while (off < len && !out->error) {
		size_t n = first ? first : step;
		const uint8_t *d = (const uint8_t *)in + off;
		const char *item;
		size_t ilen;
		int k;

		n = n < len - off ? n : len - off;
		off += n;
		first = 0;
		while (n > 0 && (k = http_lines_push(&l, d, n)) >= 0) {
			CU_ASSERT_TRUE((size_t)k <= n);
			d += k;
			n -= (size_t)k;
			while ((item = http_lines_next(&l, &ilen)) && out->n < 8) {
				CU_ASSERT_TRUE(ilen <= cap && ilen < sizeof(out->text[0]));
				memcpy(out->text[out->n], item, ilen < 511 ? ilen : 511);
				out->len[out->n++] = ilen;
			}
		}
		out->error = l.error;
	}
	free(buf);
}

/* The watch body of the fixture, with and without the newlines etcd puts between
 * objects: the same four objects come out, however it is cut. */
static void test_objects_watch(void)
{
	struct transcript t;
	char joined[4096];
	size_t n = 0;

	run_whole(raw_watch, false, &t);
	for (size_t i = 0; i < t.body_len; i++)
		if (t.body[i] != '\n')
			joined[n++] = t.body[i];
	for (int pass = 0; pass < 2; pass++) {
		const char *in = pass ? joined : t.body;
		size_t len = pass ? n : t.body_len;

		for (size_t cut = 0; cut < len; cut++) {
			struct items it;
			size_t at = 0;

			split(HTTP_LINES_OBJECTS, 300, in, len, cut, cut % 2 ? 1 : len, &it);
			CU_ASSERT_PTR_NULL(it.error);
			CU_ASSERT_EQUAL(it.n, 4);
			for (size_t k = 0; k < it.n; k++) {
				while (at < len && in[at] == '\n')
					at++;
				CU_ASSERT_EQUAL(memcmp(it.text[k], in + at, it.len[k]), 0);
				at += it.len[k];
			}
			CU_ASSERT_EQUAL(at + (pass ? 0 : 1), len);
		}
	}
}

static void test_objects_forms(void)
{
	static const char tricky[] = " {\"a\":\"}{\\\"\",\"b\":{\"c\":\"\\\\\"}}\r\n"
				     "\t{\"x\":[{},{}]}{\"y\":\"\\u007d\"}\n";
	struct items it;

	split(HTTP_LINES_OBJECTS, 64, tricky, strlen(tricky), 0, 1, &it);
	CU_ASSERT_PTR_NULL(it.error);
	CU_ASSERT_EQUAL(it.n, 3);
	CU_ASSERT_STRING_EQUAL(it.text[0], "{\"a\":\"}{\\\"\",\"b\":{\"c\":\"\\\\\"}}");
	CU_ASSERT_STRING_EQUAL(it.text[1], "{\"x\":[{},{}]}");
	CU_ASSERT_STRING_EQUAL(it.text[2], "{\"y\":\"\\u007d\"}");
	/* A buffer smaller than the input: pushes take part of it, items come out between. */
	split(HTTP_LINES_OBJECTS, 16, "{\"a\":1}{\"b\":2}  {\"c\":3}{\"d\":4}", 30, 0, 30, &it);
	CU_ASSERT_PTR_NULL(it.error);
	CU_ASSERT_EQUAL(it.n, 4);
	CU_ASSERT_STRING_EQUAL(it.text[3], "{\"d\":4}");
	/* An object of exactly the buffer's size, and one byte more. */
	split(HTTP_LINES_OBJECTS, 7, "{\"a\":1}{\"b\":22}", 15, 0, 15, &it);
	CU_ASSERT_EQUAL(it.n, 1);
	CU_ASSERT_STRING_EQUAL(it.error, "JSON object longer than the buffer");
	split(HTTP_LINES_OBJECTS, 64, "{\"a\":1} x{}", 11, 0, 1, &it);
	CU_ASSERT_EQUAL(it.n, 1);
	CU_ASSERT_STRING_EQUAL(it.error, "junk between JSON objects");
	split(HTTP_LINES_OBJECTS, 64, "[1]", 3, 0, 3, &it);
	CU_ASSERT_EQUAL(it.n, 0);
	CU_ASSERT_STRING_EQUAL(it.error, "junk between JSON objects");
	/* Whitespace between objects does not count against the buffer. */
	split(HTTP_LINES_OBJECTS, 8, "{\"a\":1}\n\n\n\n\n\n\n\n\n\n\n\n{\"b\":2}", 26, 0, 26, &it);
	CU_ASSERT_PTR_NULL(it.error);
	CU_ASSERT_EQUAL(it.n, 2);
}

static void test_lines(void)
{
	struct items it;

	for (size_t step = 1; step <= 20; step += 19) {
		split(HTTP_LINES_LINES, 8, "a\r\nbb\n\n\r\n ccc\nrest", 18, 0, step, &it);
		CU_ASSERT_PTR_NULL(it.error);
		CU_ASSERT_EQUAL(it.n, 3);
		CU_ASSERT_STRING_EQUAL(it.text[0], "a");
		CU_ASSERT_STRING_EQUAL(it.text[1], "bb");
		CU_ASSERT_STRING_EQUAL(it.text[2], " ccc");
	}
	split(HTTP_LINES_LINES, 4, "abc\nabcd\n", 9, 0, 9, &it);
	CU_ASSERT_EQUAL(it.n, 1);
	CU_ASSERT_STRING_EQUAL(it.error, "line longer than the buffer");
}

/* The whole path meshrelay-cp takes: the captured watch a byte at a time through the
 * response parser, its body through the splitter, each object through the JSON reader. */
static void test_watch_end_to_end(void)
{
	char buf[512];
	struct http_lines l;
	struct http_resp r;
	size_t objects = 0, used;
	int64_t rev = 0;

	http_resp_init(&r, SIZE_MAX);
	http_lines_init(&l, HTTP_LINES_OBJECTS, buf, sizeof(buf));
	for (size_t i = 0; i < strlen(raw_watch); i++) {
		const uint8_t *d = (const uint8_t *)raw_watch + i;
		struct http_body_piece piece;
		size_t left = 1;
		int ev;

		while ((ev = http_resp_feed(&r, d, left, &used, &piece)) != HTTP_NEED_MORE) {
			const char *item;
			size_t len;

			CU_ASSERT_NOT_EQUAL_FATAL(ev, HTTP_ERROR);
			d += used;
			left -= used;
			if (ev != HTTP_BODY)
				continue;
			CU_ASSERT_EQUAL(http_lines_push(&l, piece.data, piece.len), (int)piece.len);
			while ((item = http_lines_next(&l, &len))) {
				struct json_value *doc = json_parse(item, len, NULL, 0);

				CU_ASSERT_TRUE(json_int64(json_path(doc, "result.header.revision"),
							  &rev));
				CU_ASSERT_EQUAL(rev, (int64_t)objects + 3);
				json_free(doc);
				objects++;
			}
		}
	}
	CU_ASSERT_EQUAL(objects, 4);
}

int test_http_register(void)
{
	static CU_TestInfo tests[] = {
		{ "etcd: lease grant by length", test_fixture_grant },
		{ "etcd: error answer, chunked with trailers", test_fixture_error_trailer },
		{ "etcd: endless chunked watch", test_fixture_watch },
		{ "two answers on one connection", test_pipelined },
		{ "same events however the input is cut", test_every_split },
		{ "interim 1xx skipped; 204, 304, empty bodies", test_interim_and_empty },
		{ "body until close; Connection", test_close_delimited },
		{ "chunked wins, extensions, trailers, bare LF in the head", test_framing_forms },
		{ "refusals", test_refusals },
		{ "limits", test_limits },
		{ "errors stick", test_error_sticks },
		{ "POST requests", test_format_post },
		{ "objects splitter: the watch, cut anywhere", test_objects_watch },
		{ "objects splitter: strings, buffer sizes, junk", test_objects_forms },
		{ "lines splitter", test_lines },
		{ "watch end to end", test_watch_end_to_end },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite("http_resp", tests);
}
