/* Host-name validation: LDH plus '_' (mangled names carry it), labels 1..63, name 1..253. */
#include "sni_name.h"

/* Byte-at-a-time state, so the first defect wins and nothing is read twice. */
struct name_check {
	uint16_t len;
	uint8_t label_len;
	uint8_t trailing_dot;
	enum sni_name_status status;
};

static void name_check_init(struct name_check *check)
{
	check->len = 0;
	check->label_len = 0;
	check->trailing_dot = 0;
	check->status = SNI_NAME_OK;
}

static void name_fail(struct name_check *check, enum sni_name_status status)
{
	if (check->status == SNI_NAME_OK)
		check->status = status;
}

static uint8_t lower_ldh(uint8_t c, int *ok)
{
	*ok = 1;
	if (c >= 'A' && c <= 'Z')
		return (uint8_t)(c + ('a' - 'A'));
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')
		return c;
	*ok = 0;
	return c;
}

static uint8_t name_check_byte(struct name_check *check, uint8_t byte)
{
	int ok;

	if (check->len < UINT16_MAX)
		check->len++;
	/* Only a dot that ends the name is the optional root dot. */
	check->trailing_dot = 0;
	if (byte == '.') {
		if (check->label_len == 0)
			name_fail(check, SNI_NAME_EMPTY_LABEL);
		check->label_len = 0;
		check->trailing_dot = 1;
		return byte;
	}
	uint8_t lower = lower_ldh(byte, &ok);
	if (!ok)
		name_fail(check, SNI_NAME_BAD_CHAR);
	if (check->label_len < UINT8_MAX)
		check->label_len++;
	if (check->label_len > SNI_LABEL_MAX)
		name_fail(check, SNI_NAME_LABEL_TOO_LONG);
	return lower;
}

static enum sni_name_status name_check_finish(struct name_check *check, size_t *name_len)
{
	size_t len = check->len;

	if (check->trailing_dot && len > 0)
		len--;
	if (check->status == SNI_NAME_OK) {
		if (len == 0)
			check->status = SNI_NAME_EMPTY;
		else if (len > SNI_NAME_MAX)
			check->status = SNI_NAME_TOO_LONG;
	}
	*name_len = check->status == SNI_NAME_OK ? len : 0;
	return check->status;
}

enum sni_name_status sni_name_normalize(const char *src, size_t len, char *dst, size_t *out_len)
{
	struct name_check check;
	size_t kept;

	*out_len = 0;
	if (len > SNI_NAME_MAX + 1) {
		dst[0] = '\0';
		return SNI_NAME_TOO_LONG;
	}
	name_check_init(&check);
	for (size_t i = 0; i < len; i++)
		dst[i] = (char)name_check_byte(&check, (uint8_t)src[i]);
	enum sni_name_status status = name_check_finish(&check, &kept);
	dst[status == SNI_NAME_OK ? kept : 0] = '\0';
	*out_len = kept;
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
