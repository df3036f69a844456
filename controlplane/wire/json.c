/* SPDX-License-Identifier: BSD-3-Clause */
#include "json.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"

struct parser {
	const unsigned char *s;
	size_t len, pos;
	unsigned int depth;
	size_t values;
	char *err;
	size_t errlen;
	bool failed;
};

/* Only the first failure is reported: later ones are consequences of it. */
static int fail(struct parser *p, const char *why)
{
	if (!p->failed && p->err && p->errlen)
		snprintf(p->err, p->errlen, "offset %zu: %s", p->pos, why);
	p->failed = true;
	return -1;
}

static void skip_ws(struct parser *p)
{
	while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
				   p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
		p->pos++;
}

/* Length of the valid UTF-8 sequence at s (avail bytes readable), 0 when invalid:
 * overlong forms, encoded surrogates and code points above U+10FFFF are refused. */
static size_t json_utf8_len(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t n;

	if (c < 0x80)
		return 1;
	if (c < 0xc2 || c > 0xf4)
		return 0;
	n = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (avail < n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

static size_t put_utf8(char *o, unsigned long cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Four hex digits after "\u" at p->pos; -1 when they are not there. */
static long hex4(struct parser *p)
{
	long v = 0;

	if (p->len - p->pos < 6 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u')
		return -1;
	for (size_t i = p->pos + 2; i < p->pos + 6; i++) {
		int d = hex_digit((char)p->s[i]);

		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	p->pos += 6;
	return v;
}

/* A \u escape (surrogate pairs joined, lone halves refused) appended at o. */
static int unicode_escape(struct parser *p, char *o, size_t *n)
{
	long hi = hex4(p), lo;

	if (hi < 0)
		return fail(p, "bad \\u escape");
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return fail(p, "lone low surrogate");
	if (hi >= 0xd800 && hi <= 0xdbff) {
		lo = hex4(p);
		if (lo < 0xdc00 || lo > 0xdfff)
			return fail(p, "lone high surrogate");
		hi = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
	}
	*n += put_utf8(o + *n, (unsigned long)hi);
	return 0;
}

static int parse_escape(struct parser *p, char *o, size_t *n)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *hit;

	if (p->pos + 1 >= p->len)
		return fail(p, "unterminated string");
	if (p->s[p->pos + 1] == 'u')
		return unicode_escape(p, o, n);
	hit = p->s[p->pos + 1] ? strchr(from, p->s[p->pos + 1]) : NULL;
	if (!hit)
		return fail(p, "bad escape");
	o[(*n)++] = to[hit - from];
	p->pos += 2;
	return 0;
}

/* The string at p->pos (its opening quote) unescaped into a new buffer. Unescaping never
 * lengthens, so the raw extent bounds the allocation. */
static int parse_string(struct parser *p, char **out, size_t *out_len)
{
	size_t end = p->pos + 1, n = 0;
	char *o;

	while (end < p->len && p->s[end] != '"')
		end += p->s[end] == '\\' ? 2 : 1;
	if (end >= p->len) {
		p->pos = p->len;
		return fail(p, "unterminated string");
	}
	o = malloc(end - p->pos);
	if (!o)
		return fail(p, "out of memory");
	*out = o;
	p->pos++;
	while (p->s[p->pos] != '"') {
		unsigned char c = p->s[p->pos];
		size_t u = c >= 0x80 ? json_utf8_len(p->s + p->pos, end - p->pos) : 1;

		if (c == '\\') {
			if (parse_escape(p, o, &n) < 0)
				return -1;
			continue;
		}
		if (c < 0x20)
			return fail(p, "control character in string");
		if (u == 0)
			return fail(p, "invalid UTF-8 in string");
		memcpy(o + n, p->s + p->pos, u);
		n += u;
		p->pos += u;
	}
	o[n] = '\0';
	*out_len = n;
	p->pos++;
	return 0;
}

static size_t digits(struct parser *p)
{
	size_t start = p->pos;

	while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
		p->pos++;
	return p->pos - start;
}

static bool at(struct parser *p, char c)
{
	return p->pos < p->len && p->s[p->pos] == c;
}

/* RFC 8259 number grammar; the text is kept so that integers beyond 2^53 stay exact. */
static int parse_number(struct parser *p, struct json_value *v)
{
	size_t start = p->pos;

	if (at(p, '-'))
		p->pos++;
	if (at(p, '0')) {
		p->pos++;
		if (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			return fail(p, "leading zero in number");
	} else if (digits(p) == 0) {
		return fail(p, "bad number");
	}
	if (at(p, '.')) {
		p->pos++;
		if (digits(p) == 0)
			return fail(p, "bad fraction");
	}
	if (at(p, 'e') || at(p, 'E')) {
		p->pos++;
		if (at(p, '+') || at(p, '-'))
			p->pos++;
		if (digits(p) == 0)
			return fail(p, "bad exponent");
	}
	v->text = strndup((const char *)p->s + start, p->pos - start);
	if (!v->text)
		return fail(p, "out of memory");
	v->len = p->pos - start;
	v->number = strtod(v->text, NULL);
	v->type = JSON_NUMBER;
	return 0;
}

static int parse_literal(struct parser *p, struct json_value *v)
{
	static const struct {
		const char *word;
		enum json_type type;
		bool value;
	} lits[] = { { "true", JSON_BOOL, true }, { "false", JSON_BOOL, false },
		     { "null", JSON_NULL, false } };

	for (size_t i = 0; i < sizeof(lits) / sizeof(lits[0]); i++) {
		size_t n = strlen(lits[i].word);

		if (p->len - p->pos >= n && memcmp(p->s + p->pos, lits[i].word, n) == 0) {
			v->type = lits[i].type;
			v->boolean = lits[i].value;
			p->pos += n;
			return 0;
		}
	}
	return fail(p, "unexpected character");
}

static int parse_value(struct parser *p, struct json_value *v);

/* arr (n elements of size elem, room for *cap) with element n added, zeroed; NULL on
 * failure (arr is left as it was). */
static void *grow(struct parser *p, void *arr, size_t n, size_t *cap, size_t elem)
{
	size_t c = *cap ? *cap * 2 : 4;

	if (n == *cap) {
		arr = realloc(arr, c * elem);
		if (!arr) {
			fail(p, "out of memory");
			return NULL;
		}
		*cap = c;
	}
	memset((char *)arr + n * elem, 0, elem);
	return arr;
}

/* After an element: 1 at the closing bracket, 0 at a comma (another must follow), -1. */
static int after_element(struct parser *p, char close)
{
	skip_ws(p);
	if (at(p, ',')) {
		p->pos++;
		return 0;
	}
	if (at(p, close)) {
		p->pos++;
		return 1;
	}
	return fail(p, close == ']' ? "expected ',' or ']'" : "expected ',' or '}'");
}

static int parse_member(struct parser *p, struct json_member *m)
{
	skip_ws(p);
	if (!at(p, '"'))
		return fail(p, "expected string key");
	if (parse_string(p, &m->key, &m->key_len) < 0)
		return -1;
	skip_ws(p);
	if (!at(p, ':'))
		return fail(p, "expected ':'");
	p->pos++;
	return parse_value(p, &m->value);
}

/* One more item or member. It is counted in v->len before it is parsed, so that json_free
 * releases a half-built container after a failure. */
static int add_element(struct parser *p, struct json_value *v, size_t *cap)
{
	bool array = v->type == JSON_ARRAY;
	void *arr = grow(p, array ? (void *)v->items : (void *)v->members, v->len, cap,
			 array ? sizeof(*v->items) : sizeof(*v->members));

	if (!arr)
		return -1;
	if (array) {
		v->items = arr;
		return parse_value(p, &v->items[v->len++]);
	}
	v->members = arr;
	return parse_member(p, &v->members[v->len++]);
}

static int parse_container(struct parser *p, struct json_value *v)
{
	char close = p->s[p->pos] == '[' ? ']' : '}';
	size_t cap = 0;
	int r = 0;

	if (++p->depth > JSON_MAX_DEPTH)
		return fail(p, "nesting too deep");
	v->type = close == ']' ? JSON_ARRAY : JSON_OBJECT;
	p->pos++;
	skip_ws(p);
	if (at(p, close))
		p->pos++;
	else
		while (r == 0)
			r = add_element(p, v, &cap) < 0 ? -1 : after_element(p, close);
	p->depth--;
	return r < 0 ? -1 : 0;
}

static int parse_value(struct parser *p, struct json_value *v)
{
	unsigned char c;

	skip_ws(p);
	if (p->pos >= p->len)
		return fail(p, "unexpected end of input");
	if (++p->values > JSON_MAX_VALUES)
		return fail(p, "too many values");
	c = p->s[p->pos];
	if (c == '[' || c == '{')
		return parse_container(p, v);
	if (c == '"') {
		v->type = JSON_STRING;
		return parse_string(p, &v->text, &v->len);
	}
	if (c == '-' || (c >= '0' && c <= '9'))
		return parse_number(p, v);
	return parse_literal(p, v);
}

static void free_contents(struct json_value *v)
{
	if (v->type == JSON_ARRAY) {
		for (size_t i = 0; i < v->len; i++)
			free_contents(&v->items[i]);
		free(v->items);
	} else if (v->type == JSON_OBJECT) {
		for (size_t i = 0; i < v->len; i++) {
			free(v->members[i].key);
			free_contents(&v->members[i].value);
		}
		free(v->members);
	} else {
		free(v->text);
	}
}

void json_free(struct json_value *v)
{
	if (!v)
		return;
	free_contents(v);
	free(v);
}

struct json_value *json_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct parser p = { (const unsigned char *)text, len, 0, 0, 0, err, errlen, false };
	struct json_value *v = calloc(1, sizeof(*v));

	if (!v) {
		fail(&p, "out of memory");
		return NULL;
	}
	if (parse_value(&p, v) == 0) {
		skip_ws(&p);
		if (p.pos == p.len)
			return v;
		fail(&p, "trailing characters after the document");
	}
	json_free(v);
	return NULL;
}

static const struct json_value *get_n(const struct json_value *obj, const char *key, size_t n)
{
	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < obj->len; i++) {
		const struct json_member *m = &obj->members[i];

		if (m->key_len == n && memcmp(m->key, key, n) == 0)
			return &m->value;
	}
	return NULL;
}

const struct json_value *json_get(const struct json_value *obj, const char *key)
{
	return get_n(obj, key, strlen(key));
}

const struct json_value *json_path(const struct json_value *root, const char *dotted)
{
	const struct json_value *v = root;
	const char *seg = dotted;

	for (;;) {
		const char *dot = strchr(seg, '.');
		size_t n = dot ? (size_t)(dot - seg) : strlen(seg);

		v = get_n(v, seg, n);
		if (!v || !dot)
			return v;
		seg = dot + 1;
	}
}

size_t json_len(const struct json_value *v)
{
	return v && (v->type == JSON_ARRAY || v->type == JSON_OBJECT) ? v->len : 0;
}

const struct json_value *json_at(const struct json_value *v, size_t i)
{
	if (i >= json_len(v))
		return NULL;
	return v->type == JSON_ARRAY ? &v->items[i] : &v->members[i].value;
}

const char *json_key_at(const struct json_value *obj, size_t i)
{
	if (!obj || obj->type != JSON_OBJECT || i >= obj->len)
		return NULL;
	return obj->members[i].key;
}

const char *json_str(const struct json_value *v)
{
	return v && v->type == JSON_STRING ? v->text : NULL;
}

/* One or more decimal digits and nothing else, at most limit: true with *out set. */
static bool dec_digits(const char *s, size_t n, uint64_t limit, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned int d = (unsigned char)s[i] - '0';

		if (d > 9 || v > (limit - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* Decimal digits with an optional minus sign, nothing else, within int64_t. */
static bool dec_int64(const char *s, size_t n, int64_t *out)
{
	bool neg = n > 0 && s[0] == '-';
	size_t sign = neg ? 1 : 0;
	uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, v;

	if (!dec_digits(s + sign, n - sign, limit, &v))
		return false;
	*out = !neg ? (int64_t)v : v == limit ? INT64_MIN : -(int64_t)v;
	return true;
}

bool json_int64(const struct json_value *v, int64_t *out)
{
	if (!v || (v->type != JSON_NUMBER && v->type != JSON_STRING))
		return false;
	return dec_int64(v->text, v->len, out);
}

bool json_uint64(const struct json_value *v, uint64_t *out)
{
	if (!v || v->type != JSON_NUMBER)
		return false;
	return dec_digits(v->text, v->len, UINT64_MAX, out);
}

bool json_bool(const struct json_value *v, bool *out)
{
	if (!v || v->type != JSON_BOOL)
		return false;
	*out = v->boolean;
	return true;
}

const char *json_scalar_text(const struct json_value *v)
{
	if (!v)
		return NULL;
	switch (v->type) {
	case JSON_NULL: return "null";
	case JSON_BOOL: return v->boolean ? "true" : "false";
	case JSON_NUMBER:
	case JSON_STRING: return v->text;
	default: return NULL;
	}
}

/* The escaped form of byte c when it needs one; NULL when it goes as it is. */
static const char *escape_of(unsigned char c, char tmp[8])
{
	static const char from[] = "\"\\\b\f\n\r\t", *to[] = { "\\\"", "\\\\", "\\b", "\\f",
							       "\\n", "\\r", "\\t" };
	const char *hit = c ? strchr(from, c) : NULL;

	if (hit)
		return to[hit - from];
	if (c >= 0x20)
		return NULL;
	snprintf(tmp, 8, "\\u%04x", c);
	return tmp;
}

int json_escape(char *out, size_t cap, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = 0, left = strlen(s);

	if (cap < 3)
		return -1;
	out[n++] = '"';
	while (left > 0) {
		char tmp[8];
		const char *esc = escape_of(*u, tmp);
		size_t k = esc ? strlen(esc) : json_utf8_len(u, left), used = esc ? 1 : k;

		if (k == 0 || n + k + 2 > cap || n + k + 2 > (size_t)INT_MAX)
			return -1;
		memcpy(out + n, esc ? esc : (const char *)u, k);
		n += k;
		u += used;
		left -= used;
	}
	out[n++] = '"';
	out[n] = '\0';
	return (int)n;
}
