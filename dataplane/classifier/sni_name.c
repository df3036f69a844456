/* Host-name validation: LDH plus '_' (mangled names carry it), labels 1..63, name 1..253. */
#include "sni_name.h"

#include <stdbool.h>

#include "name_word.h"

/* Per byte: CHAR_CASE is the bit that lower-cases a letter (0x20, which '.' already has),
 * so a copy is one OR; zero marks a byte no host name may hold. */
enum char_class { CHAR_BAD = 0, CHAR_OK = 1, CHAR_DOT = 2, CHAR_CASE = 0x20 };

static const uint8_t char_class[256] = {
	['a' ... 'z'] = CHAR_OK, ['0' ... '9'] = CHAR_OK, ['-'] = CHAR_OK, ['_'] = CHAR_OK,
	['A' ... 'Z'] = CHAR_OK | CHAR_CASE, ['.'] = CHAR_DOT,
};

/* The defect of a label that ends (at a dot, a bad byte or the end) after len bytes. */
static enum sni_name_status label_status(size_t len)
{
	if (len == 0)
		return SNI_NAME_EMPTY_LABEL;
	return len > SNI_LABEL_MAX ? SNI_NAME_LABEL_TOO_LONG : SNI_NAME_OK;
}

/* Lower-cases src into dst up to the first defect; returns it, or OK. A label's length is
 * checked where the label ends, so most bytes cost a lookup, an OR and a store. The
 * first defect in name order wins: a bad byte past a label's 63rd byte reports the
 * over-long label. */
static enum sni_name_status copy_labels(const char *src, size_t len, char *dst)
{
	size_t label_start = 0;
	enum sni_name_status status;

	for (size_t i = 0; i < len; i++) {
		uint8_t c = (uint8_t)src[i];
		uint8_t cls = char_class[c];
		dst[i] = (char)(c | (cls & CHAR_CASE));
		if (cls & CHAR_OK)
			continue;
		status = label_status(i - label_start);
		if (cls == CHAR_BAD)
			return status == SNI_NAME_LABEL_TOO_LONG ? status : SNI_NAME_BAD_CHAR;
		if (status != SNI_NAME_OK)
			return status;
		label_start = i + 1;
	}
	return label_status(len - label_start);
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
