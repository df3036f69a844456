/* SPDX-License-Identifier: BSD-3-Clause */
/* Host-name validation: LDH plus '_' (mangled names carry it), labels 1..63, name 1..253. */
#include "sni_name.h"

#include <stdbool.h>

#include "name_word.h"

enum char_class { CHAR_BAD = 0, CHAR_OK, CHAR_UPPER, CHAR_DOT };

static const uint8_t char_class[256] = {
	['a' ... 'z'] = CHAR_OK, ['0' ... '9'] = CHAR_OK, ['-'] = CHAR_OK, ['_'] = CHAR_OK,
	['A' ... 'Z'] = CHAR_UPPER, ['.'] = CHAR_DOT,
};

/* Lower-cases src into dst up to the first defect; returns it, or OK. */
static enum sni_name_status copy_labels(const char *src, size_t len, char *dst)
{
	size_t label = 0;

	for (size_t i = 0; i < len; i++) {
		uint8_t c = (uint8_t)src[i];
		uint8_t cls = char_class[c];
		if (cls == CHAR_BAD)
			return SNI_NAME_BAD_CHAR;
		/* Sets the 0x20 bit for upper case (and for '.', which already has it). */
		dst[i] = (char)(c | (cls & 2) << 4);
		if (cls == CHAR_DOT) {
			if (label == 0)
				return SNI_NAME_EMPTY_LABEL;
			label = 0;
		} else if (++label > SNI_LABEL_MAX) {
			return SNI_NAME_LABEL_TOO_LONG;
		}
	}
	return label == 0 ? SNI_NAME_EMPTY_LABEL : SNI_NAME_OK;
}

/* 0x80 in each byte of x that lies in [lo, hi], for x without high bits and hi below
 * 0x80: neither subtraction can borrow across a byte. */
static inline uint64_t bytes_in(uint64_t x, uint8_t lo, uint8_t hi)
{
	return ((x | HIGH_BITS) - BYTES_OF(lo)) & (BYTES_OF(0x80 + hi) - x) & HIGH_BITS;
}

/* Lower-cases the eight bytes of word into *lowered and marks its dots in *dots; false
 * when a byte lies outside letters, digits, '-', '.' and '_'. */
static inline bool lower_word(uint64_t word, uint64_t *lowered, uint64_t *dots)
{
	if (word & HIGH_BITS)
		return false;
	/* Setting 0x20 maps 'A'..'Z' onto 'a'..'z' and nothing else there. */
	uint64_t letters = bytes_in(word | BYTES_OF(0x20), 'a', 'z');
	uint64_t ok = letters | bytes_in(word, '0', '9') | bytes_in(word, '-', '.') |
		      bytes_in(word, '_', '_');

	*lowered = word | letters >> 2; /* 0x80 >> 2 is the case bit */
	*dots = dot_bytes(word);
	return ok == HIGH_BITS;
}

/* copy_labels a word at a time, for names of at least eight bytes; the last word overlaps
 * the one before rather than reading past the name. False on any defect, and the byte
 * loop then finds which defect comes first. */
static bool copy_words(const char *src, size_t len, char *dst)
{
	size_t label_start = 0;

	for (size_t i = 0; i < len; i += 8) {
		size_t at = i + 8 <= len ? i : len - 8;
		uint64_t lowered, dots;
		if (!lower_word(load_le(src + at, 8), &lowered, &dots))
			return false;
		store_le64(dst + at, lowered);
		/* Dots before i belong to the previous word and were counted there. */
		for (dots &= ~0ull << 8 * (i - at); dots != 0; dots &= dots - 1) {
			size_t dot = at + (size_t)__builtin_ctzll(dots) / 8;
			/* Unsigned: an empty label wraps round to a huge length. */
			if (dot - label_start - 1 >= SNI_LABEL_MAX)
				return false;
			label_start = dot + 1;
		}
	}
	return len - label_start - 1 < SNI_LABEL_MAX;
}

enum sni_name_status sni_name_normalize(const char *src, size_t len, char *dst, size_t *out_len)
{
	enum sni_name_status status;

	*out_len = 0;
	/* One trailing dot is the DNS root, not part of the name. */
	if (len > 0 && len <= SNI_NAME_MAX + 1 && src[len - 1] == '.')
		len--;
	if (len == 0)
		status = SNI_NAME_EMPTY;
	else if (len > SNI_NAME_MAX)
		status = SNI_NAME_TOO_LONG;
	else if (len >= 8 && copy_words(src, len, dst))
		status = SNI_NAME_OK;
	else
		status = copy_labels(src, len, dst);
	dst[status == SNI_NAME_OK ? len : 0] = '\0';
	if (status == SNI_NAME_OK)
		*out_len = len;
	return status;
}

const char *sni_name_status_str(enum sni_name_status status)
{
	switch (status) {
	case SNI_NAME_OK: return "ok";
	case SNI_NAME_EMPTY: return "empty name";
	case SNI_NAME_TOO_LONG: return "name longer than 253 bytes";
	case SNI_NAME_BAD_CHAR: return "character outside letters, digits, '-', '_'";
	case SNI_NAME_EMPTY_LABEL: return "empty label";
	case SNI_NAME_LABEL_TOO_LONG: return "label longer than 63 bytes";
	}
	return "unknown";
}
