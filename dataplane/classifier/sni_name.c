/* Host-name validation: LDH plus '_' (mangled names carry it), labels 1..63, name 1..253. */
#include "sni_name.h"

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
