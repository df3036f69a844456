/* Host-name validation: LDH plus '_' (mangled names carry it), labels 1..63, name 1..253. */
#include "sni_name.h"

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
