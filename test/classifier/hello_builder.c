/* SPDX-License-Identifier: BSD-3-Clause */
/* Synthetic ClientHello construction; length fields are written as placeholders and
 * patched when their container closes. */
#include "hello_builder.h"

#include <string.h>

#define HB_DEPTH 8

struct hb_state {
	uint8_t msg[HB_MAX];
	uint32_t len;
	uint32_t open[HB_DEPTH];
	uint8_t open_width[HB_DEPTH];
	unsigned depth;
	struct hello_build *out;
};

static void put(struct hb_state *s, const void *bytes, uint32_t n)
{
	if (s->len + n > HB_MAX)
		n = HB_MAX - s->len;
	if (n == 0)
		return;
	memcpy(s->msg + s->len, bytes, n);
	s->len += n;
}

static void put_uint(struct hb_state *s, uint32_t value, unsigned width)
{
	uint8_t b[4];

	for (unsigned i = 0; i < width; i++)
		b[i] = (uint8_t)(value >> (8 * (width - 1 - i)));
	put(s, b, width);
}

/* Opens a length-prefixed container; the field is recorded at its final wire offset
 * (one record: 5 header bytes precede the handshake message). */
static void open_len(struct hb_state *s, unsigned width, const char *what)
{
	struct hello_build *out = s->out;

	if (out->nfields < HB_MAX_FIELDS)
		out->fields[out->nfields++] = (struct hb_field){ s->len + 5, (uint8_t)width, what,
								  false };
	s->open[s->depth] = s->len;
	s->open_width[s->depth++] = (uint8_t)width;
	put_uint(s, 0, width);
}

static void close_len(struct hb_state *s)
{
	unsigned width = s->open_width[--s->depth];
	uint32_t at = s->open[s->depth], body = s->len - at - width;

	for (unsigned i = 0; i < width; i++)
		s->msg[at + i] = (uint8_t)(body >> (8 * (width - 1 - i)));
}

static void put_extension(struct hb_state *s, uint16_t type, const void *body, uint32_t n)
{
	put_uint(s, type, 2);
	open_len(s, 2, "extension");
	put(s, body, n);
	close_len(s);
}

static void put_sni(struct hb_state *s, const struct hb_options *opt)
{
	uint32_t n = opt->sni_len ? opt->sni_len : (uint32_t)strlen(opt->sni);

	put_uint(s, 0x0000, 2);
	open_len(s, 2, "server_name extension");
	open_len(s, 2, "server_name list");
	put_uint(s, 0, 1);
	open_len(s, 2, "host_name");
	put(s, opt->sni, n);
	close_len(s);
	close_len(s);
	close_len(s);
}

static void put_alpn(struct hb_state *s, const struct hb_options *opt)
{
	put_uint(s, 0x0010, 2);
	open_len(s, 2, "alpn extension");
	open_len(s, 2, "alpn list");
	for (unsigned i = 0; i < 6 && opt->alpn[i]; i++) {
		open_len(s, 1, "alpn protocol");
		put(s, opt->alpn[i], (uint32_t)strlen(opt->alpn[i]));
		close_len(s);
	}
	close_len(s);
	close_len(s);
}

static void put_versions(struct hb_state *s)
{
	put_uint(s, 0x002b, 2);
	open_len(s, 2, "supported_versions extension");
	open_len(s, 1, "supported_versions list");
	put_uint(s, 0x7a7a, 2);
	put_uint(s, 0x0304, 2);
	put_uint(s, 0x0303, 2);
	close_len(s);
	close_len(s);
}

static void put_extensions(struct hb_state *s, const struct hb_options *opt)
{
	static const uint8_t groups[] = { 0x00, 0x04, 0x00, 0x1d, 0x00, 0x17 };
	static const uint8_t ech[] = { 0x00, 0x00, 0x01, 0x00, 0x01, 0x07, 0x00, 0x00, 0x00, 0x00 };
	static const uint8_t zeros[HB_MAX / 2];

	open_len(s, 2, "extensions block");
	if (opt->grease)
		put_extension(s, 0x1a1a, NULL, 0);
	if (opt->sni)
		put_sni(s, opt);
	put_extension(s, 0x0017, NULL, 0); /* extended_master_secret */
	put_extension(s, 0x000a, groups, sizeof(groups));
	if (opt->alpn[0])
		put_alpn(s, opt);
	if (opt->tls13)
		put_versions(s);
	if (opt->ech)
		put_extension(s, 0xfe0d, ech, sizeof(ech));
	if (opt->duplicate_ext == 0x0000 && opt->sni)
		put_sni(s, opt);
	else if (opt->duplicate_ext >= 0)
		put_extension(s, (uint16_t)opt->duplicate_ext, NULL, 0);
	if (opt->grease)
		put_extension(s, 0xdada, "\0", 1);
	if (opt->padding)
		put_extension(s, 0x0015, zeros,
			      opt->padding < sizeof(zeros) ? opt->padding : sizeof(zeros));
	close_len(s);
}

void hb_options_default(struct hb_options *opt)
{
	memset(opt, 0, sizeof(*opt));
	opt->sni = "api.svc.example";
	opt->alpn[0] = "h2";
	opt->alpn[1] = "http/1.1";
	opt->tls13 = true;
	opt->duplicate_ext = -1;
}

void hb_build(const struct hb_options *opt, struct hello_build *out)
{
	static struct hb_state s;
	static const uint8_t random_bytes[32] = { 0x5a, 0x11, 0x22 };
	static const uint8_t suites[] = { 0x13, 0x01, 0x13, 0x02, 0xc0, 0x2f };

	memset(&s, 0, sizeof(s));
	s.out = out;
	out->nfields = 0;
	out->fields[out->nfields++] = (struct hb_field){ 3, 2, "record length", true };
	put_uint(&s, 1, 1);
	open_len(&s, 3, "handshake length");
	put_uint(&s, 0x0303, 2);
	put(&s, random_bytes, sizeof(random_bytes));
	open_len(&s, 1, "session id");
	put(&s, random_bytes, 32);
	close_len(&s);
	open_len(&s, 2, "cipher suites");
	put(&s, suites, sizeof(suites));
	close_len(&s);
	open_len(&s, 1, "compression methods");
	put_uint(&s, 0, 1);
	close_len(&s);
	put_extensions(&s, opt);
	close_len(&s);

	uint8_t one_record[5 + HB_MAX];
	uint32_t size = opt->record_size ? opt->record_size : 16384;
	one_record[0] = 22;
	one_record[1] = 3;
	one_record[2] = 1;
	one_record[3] = (uint8_t)(s.len >> 8);
	one_record[4] = (uint8_t)s.len;
	memcpy(one_record + 5, s.msg, s.len);
	out->wire_len = hb_refragment(one_record, s.len + 5, size, out->wire);
	if (out->wire_len != s.len + 5)
		out->nfields = 0; /* offsets only hold for a single record */
}

uint32_t hb_refragment(const uint8_t *wire, uint32_t len, uint32_t record_size, uint8_t *dst)
{
	uint32_t pos = 0, out = 0;

	/* Concatenate the record payloads, then cut them again. */
	static uint8_t payload[HB_MAX + HB_MAX / 4];
	uint32_t plen = 0;
	while (pos + 5 <= len) {
		uint32_t n = (uint32_t)wire[pos + 3] << 8 | wire[pos + 4];
		if (n > len - pos - 5)
			n = len - pos - 5;
		memcpy(payload + plen, wire + pos + 5, n);
		plen += n;
		pos += 5 + n;
	}
	for (uint32_t at = 0; at < plen; at += record_size) {
		uint32_t n = plen - at < record_size ? plen - at : record_size;
		dst[out++] = 22;
		dst[out++] = 3;
		dst[out++] = 1;
		dst[out++] = (uint8_t)(n >> 8);
		dst[out++] = (uint8_t)n;
		memcpy(dst + out, payload + at, n);
		out += n;
	}
	return out;
}
