/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * JSON (RFC 8259) for every process: the one reader, building a tree, and the one string
 * escaper. It reads the answers of etcd's HTTP/JSON gateway (nested objects and arrays,
 * 64-bit integers written as strings, base64 keys and values) and of the data plane's
 * control socket and telemetry. Input is untrusted (it comes off the network or another
 * process), so the parser is strict and bounded: depth, number of values, UTF-8 validity,
 * surrogate pairs joined and lone halves refused. No I/O.
 */
#ifndef JSON_H
#define JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 64          /* arrays and objects nested in one another */
#define JSON_MAX_VALUES 1000000    /* values in one document, containers included */

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json_member;

struct json_value {
	enum json_type type;
	bool boolean;                  /* JSON_BOOL */
	double number;                 /* JSON_NUMBER, as strtod reads the text */
	char *text;                    /* JSON_STRING: unescaped UTF-8; JSON_NUMBER: as written.
					* NUL-terminated either way */
	size_t len;                    /* bytes in text (a string may hold \u0000), or the
					* number of items (JSON_ARRAY) or members (JSON_OBJECT) */
	struct json_value *items;      /* JSON_ARRAY */
	struct json_member *members;   /* JSON_OBJECT, in document order */
};

struct json_member {
	char *key;                     /* unescaped, NUL-terminated */
	size_t key_len;
	struct json_value value;
};

/* Parse len bytes of text as one JSON document (surrounding whitespace allowed). The tree,
 * or NULL with "offset N: reason" in err (errlen bytes, may be 0). */
struct json_value *json_parse(const char *text, size_t len, char *err, size_t errlen);

/* Release a tree from json_parse; NULL is fine. */
void json_free(struct json_value *v);

/* The first member called key of an object; NULL when v is not an object or has none. */
const struct json_value *json_get(const struct json_value *obj, const char *key);

/* Follow object keys separated by dots ("header.revision"); NULL when any step is missing. */
const struct json_value *json_path(const struct json_value *root, const char *dotted);

/* Items of an array or members of an object; 0 for anything else (and NULL). */
size_t json_len(const struct json_value *v);

/* Item i of an array, or the value of member i of an object; NULL when out of range. */
const struct json_value *json_at(const struct json_value *v, size_t i);

/* The key of member i of an object; NULL when not an object or out of range. */
const char *json_key_at(const struct json_value *obj, size_t i);

/* The text of a string (NUL-terminated, length in v->len); NULL for anything else. */
const char *json_str(const struct json_value *v);

/* A number written as an integer (no fraction, no exponent), or a string holding one
 * ("-12", as etcd writes int64): true with *out set; false otherwise or on overflow. */
bool json_int64(const struct json_value *v, int64_t *out);

/* A number (not a string) written as a non-negative integer within uint64_t, as the data
 * plane writes counters: true with *out set; false otherwise. */
bool json_uint64(const struct json_value *v, uint64_t *out);

/* A true or false literal: true with *out set; false for anything else. */
bool json_bool(const struct json_value *v, bool *out);

/* A scalar as a person reads it: a string unescaped, a number as written, true, false or
 * null; NULL for an array, an object or NULL. */
const char *json_scalar_text(const struct json_value *v);

/* Write s as a JSON string literal, quotes included, NUL-terminated. Its length, or -1
 * when it does not fit in cap bytes or s is not valid UTF-8. */
int json_escape(char *out, size_t cap, const char *s);

#endif
