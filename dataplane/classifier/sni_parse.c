/* SPDX-License-Identifier: BSD-3-Clause */
/* ClientHello parser. Two cursors: one walks the caller's spans, the other walks the
 * handshake bytes inside TLS records, skipping record headers as they come. Each length
 * field is checked against its container's declared end, never against how many bytes
 * have arrived, so any prefix of a valid hello yields NEED_MORE. */
#include "sni_parse.h"

#include <string.h>

#define TLS_CONTENT_HANDSHAKE 22
#define TLS_RECORD_HEADER 5
#define TLS_RECORD_MAX 16384u
#define TLS_HANDSHAKE_HEADER 4
#define TLS_HANDSHAKE_CLIENT_HELLO 1
#define TLS_RANDOM_LEN 32
#define TLS_SESSION_ID_MAX 32
#define EXT_SEEN_SLOTS 128

/* The handshake bytes are read through a window: the longest run that is contiguous in
 * memory and inside the current record. Most reads fall inside it and cost a compare and
 * two adds; only crossing a span or record boundary takes the slow path. */
struct hs_stream {
	const uint8_t *cur;      /* next unread byte */
	const uint8_t *win_end;  /* end of the readable window */
	const uint8_t *span_start; /* the current span's bytes */
	const uint8_t *span_end;
	uint32_t pos;            /* handshake bytes read so far */
	uint32_t record_end;     /* value of pos where the current record's payload ends */
	const struct sni_span *spans;
	unsigned nspans;
	unsigned idx;            /* current span */
	uint32_t span_base;      /* wire bytes in the spans before the current one */
	uint32_t records;
	uint32_t header_have;    /* bytes of a record header that arrived before the data ran out */
	const struct sni_parse_config *cfg;
	struct sni_result *out;
};

/* Extension types seen so far, for the duplicate check: a bit per type below 64 (nearly
 * all that clients send), a small open-addressing set for the others. */
struct ext_seen {
	uint64_t low;
	uint64_t used[EXT_SEEN_SLOTS / 64];
	uint16_t type[EXT_SEEN_SLOTS];
	unsigned count;
};

void sni_parse_config_default(struct sni_parse_config *cfg)
{
	cfg->max_hello = SNI_DEFAULT_MAX_HELLO;
	cfg->max_records = SNI_DEFAULT_MAX_RECORDS;
}

bool sni_is_grease(uint16_t value)
{
	return (value & 0x0f0f) == 0x0a0a && (value >> 8) == (value & 0xff);
}

/* Stands in for a span pointer while no span is loaded (no arithmetic on NULL). */
static const uint8_t no_bytes[1];

/* Moves to the next non-empty span; false when there is none. */
static bool span_next(struct hs_stream *s)
{
	while (s->idx + 1 < s->nspans) {
		const struct sni_span *sp = &s->spans[++s->idx];
		if (sp->ptr == NULL || sp->len == 0)
			continue;
		s->span_base += (uint32_t)(s->span_end - s->span_start);
		s->cur = s->span_start = sp->ptr;
		s->span_end = sp->ptr + sp->len;
		return true;
	}
	return false;
}

/* Wire bytes consumed so far, record headers included. */
static uint32_t wire_taken(const struct hs_stream *s)
{
	return s->span_base + (uint32_t)(s->cur - s->span_start);
}

/* Copies up to n raw wire bytes (record headers); returns how many were there. */
static uint32_t wire_take(struct hs_stream *s, uint8_t *dst, uint32_t n)
{
	uint32_t done = 0;

	if ((size_t)(s->span_end - s->cur) >= n) { /* the usual case: all in this span */
		memcpy(dst, s->cur, n);
		s->cur += n;
		return n;
	}
	while (done < n) {
		if (s->cur == s->span_end && !span_next(s))
			break;
		dst[done++] = *s->cur++;
	}
	return done;
}

static bool fail(struct hs_stream *s, enum sni_verdict verdict, enum sni_reason reason)
{
	s->out->verdict = verdict;
	s->out->reason = reason;
	return false;
}

static uint32_t sat_add(uint32_t a, uint32_t b)
{
	return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

/* Lower bound on the bytes still missing; exact when the rest comes in one record. */
static bool need_more(struct hs_stream *s)
{
	uint32_t rem;

	if (s->out->hello_len != 0)
		rem = s->out->hello_len - s->pos;
	else
		rem = TLS_HANDSHAKE_HEADER - s->pos;
	uint32_t record_left = s->record_end - s->pos;

	if (record_left == 0)
		s->out->need_bytes = sat_add(TLS_RECORD_HEADER - s->header_have, rem);
	else if (rem <= record_left)
		s->out->need_bytes = rem;
	else
		s->out->need_bytes = sat_add(record_left + TLS_RECORD_HEADER, rem - record_left);
	return fail(s, SNI_NEED_MORE, SNI_REASON_NONE);
}

/* Reads the next record header; the checks run on whatever part of it has arrived. */
static bool next_record(struct hs_stream *s)
{
	uint8_t hdr[TLS_RECORD_HEADER];
	uint32_t got = wire_take(s, hdr, TLS_RECORD_HEADER);
	bool first = s->records == 0;

	if (got >= 1 && hdr[0] != TLS_CONTENT_HANDSHAKE)
		return fail(s, first ? SNI_NOT_TLS : SNI_MALFORMED, SNI_REASON_RECORD_TYPE);
	/* Any {3,x}: a client may put the lowest version it speaks there, SSL 3.0's {3,0}
	 * included (RFC 5246 E.1), and TLS 1.3 ignores the field (RFC 8446 5.1). The hello's
	 * own version is what is checked. */
	if (got >= 2 && hdr[1] != 3)
		return fail(s, SNI_MALFORMED, SNI_REASON_RECORD_VERSION);
	if (got < TLS_RECORD_HEADER) {
		s->header_have = got;
		return need_more(s);
	}
	uint32_t len = (uint32_t)hdr[3] << 8 | hdr[4];
	if (len == 0 || len > TLS_RECORD_MAX)
		return fail(s, SNI_MALFORMED, SNI_REASON_RECORD_LENGTH);
	if (++s->records > s->cfg->max_records)
		return fail(s, SNI_TOO_LARGE, SNI_REASON_RECORD_COUNT);
	s->record_end = s->pos + len;
	return true;
}

/* Recomputes the window after the slow path moved the cursor. */
static void window_update(struct hs_stream *s)
{
	uint32_t in_span = (uint32_t)(s->span_end - s->cur);
	uint32_t in_record = s->record_end - s->pos;

	s->win_end = s->cur + (in_span < in_record ? in_span : in_record);
}

/* The next n bytes if the window holds them (and moves past them), else NULL. */
static inline const uint8_t *hs_contiguous(struct hs_stream *s, uint32_t n)
{
	const uint8_t *at = s->cur;

	if ((uint32_t)(s->win_end - at) < n)
		return NULL;
	s->cur += n;
	s->pos += n;
	return at;
}

/* hs_read's slow path: the bytes cross a record or span boundary, or are not all there. */
static bool hs_read_across(struct hs_stream *s, uint8_t *dst, uint32_t n)
{
	while (n > 0) {
		if (s->pos == s->record_end && !next_record(s))
			return false;
		if (s->cur == s->span_end && !span_next(s))
			return need_more(s);
		window_update(s);
		uint32_t take = (uint32_t)(s->win_end - s->cur); /* at least 1 here */
		take = take < n ? take : n;
		if (dst != NULL) {
			memcpy(dst, s->cur, take);
			dst += take;
		}
		s->cur += take;
		s->pos += take;
		n -= take;
	}
	return true;
}

/* Reads (dst non-NULL) or skips n handshake bytes, crossing records and spans. Inline so
 * that the common case, all n bytes in the window, costs no call. */
static inline bool hs_read(struct hs_stream *s, uint8_t *dst, uint32_t n)
{
	const uint8_t *at = hs_contiguous(s, n);

	if (at == NULL)
		return hs_read_across(s, dst, n);
	if (dst != NULL)
		memcpy(dst, at, n);
	return true;
}

static inline bool hs_uint(struct hs_stream *s, unsigned width, uint32_t *value)
{
	uint8_t buf[3];
	const uint8_t *at = hs_contiguous(s, width);

	if (at == NULL) {
		if (!hs_read_across(s, buf, width))
			return false;
		at = buf;
	}
	*value = 0;
	for (unsigned i = 0; i < width; i++)
		*value = *value << 8 | at[i];
	return true;
}

/* Reads a width-byte length prefix whose body must end at or before end. */
static inline bool hs_vector(struct hs_stream *s, unsigned width, uint32_t end,
			     enum sni_reason reason, uint32_t *len)
{
	if (s->pos + width > end)
		return fail(s, SNI_MALFORMED, reason);
	if (!hs_uint(s, width, len))
		return false;
	if (*len > end - s->pos)
		return fail(s, SNI_MALFORMED, reason);
	return true;
}

/* Like hs_vector, but the body must fill the container exactly and be at least min long. */
static bool hs_vector_fill(struct hs_stream *s, unsigned width, uint32_t end,
			   uint32_t min, enum sni_reason reason)
{
	uint32_t len;

	if (!hs_vector(s, width, end, reason, &len))
		return false;
	if (s->pos + len != end || len < min)
		return fail(s, SNI_MALFORMED, reason);
	return true;
}

static bool parse_host_name(struct hs_stream *s, uint32_t len)
{
	struct sni_result *out = s->out;
	size_t host_len;

	if (out->has_sni)
		return fail(s, SNI_MALFORMED, SNI_REASON_SNI_DUPLICATE_NAME);
	if (len == 0 || len > SNI_NAME_MAX + 1) {
		out->name_status = len == 0 ? SNI_NAME_EMPTY : SNI_NAME_TOO_LONG;
		return fail(s, SNI_MALFORMED, SNI_REASON_SNI_NAME);
	}
	if (!hs_read(s, (uint8_t *)out->host, len))
		return false;
	out->name_status = sni_name_normalize(out->host, len, out->host, &host_len);
	if (out->name_status != SNI_NAME_OK)
		return fail(s, SNI_MALFORMED, SNI_REASON_SNI_NAME);
	out->host_len = (uint16_t)host_len;
	out->has_sni = true;
	return true;
}

/* RFC 6066 server_name: a list of (type, name); only host_name (0) is understood. No
 * type may come twice (section 3), which also bounds the list at 256 entries. */
static bool parse_server_name(struct hs_stream *s, uint32_t end)
{
	uint64_t seen[4] = { 0 };

	if (!hs_vector_fill(s, 2, end, 1, SNI_REASON_SNI_LIST))
		return false;
	while (s->pos < end) {
		uint32_t type, len;
		if (!hs_uint(s, 1, &type) ||
		    !hs_vector(s, 2, end, SNI_REASON_SNI_LIST, &len))
			return false;
		if (seen[type / 64] & (1ull << (type % 64)))
			return fail(s, SNI_MALFORMED, SNI_REASON_SNI_DUPLICATE_NAME);
		seen[type / 64] |= 1ull << (type % 64);
		if (type == 0) {
			if (!parse_host_name(s, len))
				return false;
		} else if (!hs_read(s, NULL, len)) {
			return false;
		}
	}
	return true;
}

/* RFC 7301: non-empty list of non-empty protocol ids; the first few are kept. Clients
 * offer a handful; a list of thousands of one-byte ids is only there to make each parse
 * of the hello cost more, and is refused. */
static bool parse_alpn(struct hs_stream *s, uint32_t end)
{
	struct sni_result *out = s->out;

	if (!hs_vector_fill(s, 2, end, 2, SNI_REASON_ALPN))
		return false;
	while (s->pos < end) {
		uint32_t len;
		if (!hs_vector(s, 1, end, SNI_REASON_ALPN, &len))
			return false;
		if (len == 0 || out->alpn_count == SNI_ALPN_MAX_IDS)
			return fail(s, SNI_MALFORMED, SNI_REASON_ALPN);
		bool keep = out->alpn_kept == out->alpn_count && out->alpn_kept < SNI_ALPN_KEEP &&
			    len <= SNI_ALPN_ID_MAX;
		uint8_t *dst = keep ? (uint8_t *)out->alpn[out->alpn_kept] : NULL;
		if (!hs_read(s, dst, len))
			return false;
		if (keep) {
			out->alpn[out->alpn_kept][len] = '\0';
			out->alpn_len[out->alpn_kept++] = (uint8_t)len;
		}
		out->alpn_count++;
	}
	out->has_alpn = true;
	return true;
}

/* RFC 8446 4.2.1: list of 2-byte versions; GREASE entries carry no meaning. */
static bool parse_supported_versions(struct hs_stream *s, uint32_t end)
{
	uint16_t best = 0;

	if (!hs_vector_fill(s, 1, end, 2, SNI_REASON_SUPPORTED_VERSIONS))
		return false;
	if ((end - s->pos) % 2 != 0)
		return fail(s, SNI_MALFORMED, SNI_REASON_SUPPORTED_VERSIONS);
	while (s->pos < end) {
		uint32_t v;
		if (!hs_uint(s, 2, &v))
			return false;
		if (!sni_is_grease((uint16_t)v) && v > best)
			best = (uint16_t)v;
	}
	if (best != 0)
		s->out->max_version = best;
	return true;
}

/* Adds a type below 64; false when it was there already. */
static bool ext_seen_low(struct ext_seen *seen, uint16_t type)
{
	uint64_t bit = (uint64_t)1 << type;

	if (seen->low & bit)
		return false;
	seen->low |= bit;
	return true;
}

/* Adds any other type to the open-addressing set; false when it was there already. */
static bool ext_seen_high(struct ext_seen *seen, uint16_t type)
{
	unsigned slot = ((uint32_t)type * 0x9e37u >> 7) & (EXT_SEEN_SLOTS - 1);

	while (seen->used[slot / 64] >> (slot % 64) & 1) {
		if (seen->type[slot] == type)
			return false;
		slot = (slot + 1) & (EXT_SEEN_SLOTS - 1);
	}
	seen->used[slot / 64] |= (uint64_t)1 << (slot % 64);
	seen->type[slot] = type;
	return true;
}

/* Records the type; false when it was already there (RFC 8446 4.2) or the set is full. */
static bool ext_seen_add(struct ext_seen *seen, uint16_t type, enum sni_reason *reason)
{
	if (seen->count >= SNI_MAX_EXTENSIONS) {
		*reason = SNI_REASON_TOO_MANY_EXTENSIONS;
		return false;
	}
	if (!(type < 64 ? ext_seen_low(seen, type) : ext_seen_high(seen, type))) {
		*reason = SNI_REASON_DUPLICATE_EXTENSION;
		return false;
	}
	seen->count++;
	return true;
}

static bool parse_extension(struct hs_stream *s, uint16_t type, uint32_t end)
{
	switch (type) {
	case SNI_EXT_SERVER_NAME:
		return parse_server_name(s, end);
	case SNI_EXT_ALPN:
		return parse_alpn(s, end);
	case SNI_EXT_SUPPORTED_VERSIONS:
		return parse_supported_versions(s, end);
	case SNI_EXT_ECH:
		s->out->has_ech = true;
		return hs_read(s, NULL, end - s->pos);
	default:
		return hs_read(s, NULL, end - s->pos);
	}
}

static bool parse_extensions(struct hs_stream *s, uint32_t hello_end)
{
	struct ext_seen seen;
	enum sni_reason reason;

	seen.low = seen.used[0] = seen.used[1] = 0;
	seen.count = 0;
	if (!hs_vector_fill(s, 2, hello_end, 0, SNI_REASON_EXTENSIONS_LENGTH))
		return false;
	while (s->pos < hello_end) {
		uint32_t type, len;
		if (s->pos + 4 > hello_end)
			return fail(s, SNI_MALFORMED, SNI_REASON_EXTENSION_LENGTH);
		if (!hs_uint(s, 2, &type) ||
		    !hs_vector(s, 2, hello_end, SNI_REASON_EXTENSION_LENGTH, &len))
			return false;
		if (!ext_seen_add(&seen, (uint16_t)type, &reason))
			return fail(s, SNI_MALFORMED, reason);
		if (!parse_extension(s, (uint16_t)type, s->pos + len))
			return false;
	}
	return true;
}

static bool parse_hello_header(struct hs_stream *s)
{
	uint32_t type, body;

	if (!hs_uint(s, 1, &type))
		return false;
	if (type != TLS_HANDSHAKE_CLIENT_HELLO)
		return fail(s, SNI_MALFORMED, SNI_REASON_HANDSHAKE_TYPE);
	if (!hs_uint(s, 3, &body))
		return false;
	if (s->cfg->max_hello < TLS_HANDSHAKE_HEADER ||
	    body > s->cfg->max_hello - TLS_HANDSHAKE_HEADER)
		return fail(s, SNI_TOO_LARGE, SNI_REASON_HELLO_SIZE);
	s->out->hello_len = body + TLS_HANDSHAKE_HEADER;
	return true;
}

static bool parse_hello_body(struct hs_stream *s)
{
	uint32_t end = s->out->hello_len, version, len;

	if (s->pos + 2 > end)
		return fail(s, SNI_MALFORMED, SNI_REASON_HELLO_LENGTH);
	if (!hs_uint(s, 2, &version))
		return false;
	/* TLS 1.0 on: a later legacy_version than 1.2's is negotiated down, not refused
	 * (RFC 8446 appendix D). */
	if (version < 0x0301 || version > 0x03ff)
		return fail(s, SNI_MALFORMED, SNI_REASON_HELLO_VERSION);
	s->out->legacy_version = s->out->max_version = (uint16_t)version;
	if (s->pos + TLS_RANDOM_LEN > end)
		return fail(s, SNI_MALFORMED, SNI_REASON_HELLO_LENGTH);
	if (!hs_read(s, NULL, TLS_RANDOM_LEN))
		return false;
	if (!hs_vector(s, 1, end, SNI_REASON_SESSION_ID, &len))
		return false;
	if (len > TLS_SESSION_ID_MAX)
		return fail(s, SNI_MALFORMED, SNI_REASON_SESSION_ID);
	if (!hs_read(s, NULL, len) || !hs_vector(s, 2, end, SNI_REASON_CIPHER_SUITES, &len))
		return false;
	if (len < 2 || len % 2 != 0)
		return fail(s, SNI_MALFORMED, SNI_REASON_CIPHER_SUITES);
	if (!hs_read(s, NULL, len) || !hs_vector(s, 1, end, SNI_REASON_COMPRESSION, &len))
		return false;
	if (len < 1)
		return fail(s, SNI_MALFORMED, SNI_REASON_COMPRESSION);
	if (!hs_read(s, NULL, len))
		return false;
	/* A hello without any extension ends here (pre-TLS 1.3 clients may do this). */
	return s->pos == end || parse_extensions(s, end);
}

static void result_reset(struct sni_result *out)
{
	out->verdict = SNI_NEED_MORE;
	out->reason = SNI_REASON_NONE;
	out->name_status = SNI_NAME_OK;
	out->need_bytes = 0;
	out->wire_len = 0;
	out->hello_len = 0;
	out->legacy_version = out->max_version = 0;
	out->has_sni = out->has_alpn = out->has_ech = false;
	out->alpn_kept = 0;
	out->alpn_count = 0;
	out->host_len = 0;
	out->host[0] = '\0';
}

/* Loads the first non-empty span, if any. */
static void stream_start(struct hs_stream *s)
{
	for (s->idx = 0; s->idx < s->nspans; s->idx++) {
		const struct sni_span *sp = &s->spans[s->idx];
		if (sp->ptr != NULL && sp->len != 0) {
			s->cur = s->win_end = s->span_start = sp->ptr;
			s->span_end = sp->ptr + sp->len;
			return;
		}
	}
	s->idx = 0;
}

enum sni_verdict sni_parse(const struct sni_span *spans, unsigned nspans,
			   const struct sni_parse_config *cfg, struct sni_result *out)
{
	struct sni_parse_config defaults;
	struct hs_stream s;

	if (cfg == NULL) {
		sni_parse_config_default(&defaults);
		cfg = &defaults;
	}
	memset(&s, 0, sizeof(s));
	s.spans = spans;
	s.nspans = spans == NULL ? 0 : nspans;
	s.cur = s.win_end = s.span_start = s.span_end = no_bytes;
	stream_start(&s);
	s.cfg = cfg;
	s.out = out;
	result_reset(out);
	/* Nothing may follow a ClientHello in its record: the client has to wait for the
	 * server before it can send another handshake message. */
	if (parse_hello_header(&s) && parse_hello_body(&s) &&
	    (s.pos == s.record_end || fail(&s, SNI_MALFORMED, SNI_REASON_TRAILING_HANDSHAKE))) {
		out->verdict = SNI_COMPLETE;
		out->wire_len = wire_taken(&s);
	}
	if (out->verdict != SNI_COMPLETE)
		out->has_sni = false;
	return out->verdict;
}

const char *sni_verdict_str(enum sni_verdict verdict)
{
	switch (verdict) {
	case SNI_NEED_MORE: return "need_more";
	case SNI_COMPLETE: return "complete";
	case SNI_NOT_TLS: return "not_tls";
	case SNI_MALFORMED: return "malformed";
	case SNI_TOO_LARGE: return "too_large";
	}
	return "unknown";
}

const char *sni_reason_str(enum sni_reason reason)
{
	static const char *const text[] = {
		[SNI_REASON_NONE] = "none",
		[SNI_REASON_RECORD_VERSION] = "record_version",
		[SNI_REASON_RECORD_TYPE] = "record_type",
		[SNI_REASON_RECORD_LENGTH] = "record_length",
		[SNI_REASON_HANDSHAKE_TYPE] = "handshake_type",
		[SNI_REASON_HELLO_VERSION] = "hello_version",
		[SNI_REASON_HELLO_LENGTH] = "hello_length",
		[SNI_REASON_SESSION_ID] = "session_id",
		[SNI_REASON_CIPHER_SUITES] = "cipher_suites",
		[SNI_REASON_COMPRESSION] = "compression",
		[SNI_REASON_EXTENSIONS_LENGTH] = "extensions_length",
		[SNI_REASON_EXTENSION_LENGTH] = "extension_length",
		[SNI_REASON_DUPLICATE_EXTENSION] = "duplicate_extension",
		[SNI_REASON_TOO_MANY_EXTENSIONS] = "too_many_extensions",
		[SNI_REASON_SNI_LIST] = "sni_list",
		[SNI_REASON_SNI_DUPLICATE_NAME] = "sni_duplicate_name",
		[SNI_REASON_SNI_NAME] = "sni_name",
		[SNI_REASON_ALPN] = "alpn",
		[SNI_REASON_SUPPORTED_VERSIONS] = "supported_versions",
		[SNI_REASON_HELLO_SIZE] = "hello_size",
		[SNI_REASON_RECORD_COUNT] = "record_count",
		[SNI_REASON_TRAILING_HANDSHAKE] = "trailing_handshake",
	};

	if ((unsigned)reason < sizeof(text) / sizeof(text[0]) && text[reason] != NULL)
		return text[reason];
	return "unknown";
}
