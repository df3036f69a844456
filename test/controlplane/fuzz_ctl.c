/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target for the control protocol's wire format (mr_ctl_proto.c, no sockets):
 * every input goes to the header decoder, the BIND reader and the PONG's generation.
 * Beyond surviving any input: a header that decodes encodes back to the same 16 bytes and
 * a refusal is the one its bytes call for; a BIND that reads (with or without its peer)
 * is written back to a text that reads the same, and a refused one gives its reason. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mr_bytes.h"
#include "mr_ctl_proto.h"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_ctl: %s\n", what);
		abort();
	}
}

/* The receiver's cap comes from the bytes after the header, so that both sides of it are
 * reached; without them, the protocol's own. */
static void fuzz_header(const uint8_t *data, size_t size)
{
	uint32_t cap = size >= MR_CTL_HDR_LEN + 4 ? mr_load_be32(data + MR_CTL_HDR_LEN)
						   : MR_CTL_MAX_PAYLOAD;
	struct mr_ctl_hdr h;
	enum mr_ctl_decode d = mr_ctl_hdr_decode(data, size, cap, &h);
	uint8_t again[MR_CTL_HDR_LEN];

	check(mr_ctl_decode_str(d) != NULL, "a verdict without a text");
	if (size < MR_CTL_HDR_LEN) {
		check(d == MR_CTL_SHORT, "a short header not called short");
		return;
	}
	check(d != MR_CTL_SHORT, "a whole header called short");
	check((d == MR_CTL_BAD_MAGIC) == (mr_load_be32(data) != MR_CTL_MAGIC), "magic");
	if (d == MR_CTL_BAD_MAGIC)
		return;
	check((d == MR_CTL_BAD_VERSION) == (mr_load_be16(data + 4) != MR_CTL_VERSION), "version");
	if (d == MR_CTL_BAD_VERSION)
		return;
	check((d == MR_CTL_TOO_LARGE) == (h.length > cap), "the payload cap");
	mr_ctl_hdr_encode(&h, again);
	check(memcmp(again, data, MR_CTL_HDR_LEN) == 0, "a decoded header encodes otherwise");
}

static int same_bind(const struct mr_ctl_bind *a, const struct mr_ctl_bind *b)
{
	return a->server == b->server && a->server_port == b->server_port &&
	       a->source == b->source && a->peer_family == b->peer_family &&
	       memcmp(a->peer, b->peer, sizeof(a->peer)) == 0 && a->peer_port == b->peer_port &&
	       memcmp(a->tid, b->tid, sizeof(a->tid)) == 0 && a->len == b->len &&
	       memcmp(a->msg, b->msg, a->len) == 0;
}

static void fuzz_bind(const char *text)
{
	struct mr_ctl_bind b, back;
	char err[128] = "", out[MR_CTL_BIND_TEXT_MAX];
	int n;

	if (mr_ctl_bind_decode(text, &b, err, sizeof(err)) < 0) {
		check(strncmp(err, "bind needs ", 11) == 0 || strncmp(err, "bind: ", 6) == 0,
		      "a refusal without its reason");
		return;
	}
	check(b.len >= 20 && b.len <= MR_CTL_BIND_MSG_MAX && b.server_port != 0 &&
	      (b.peer_family == 0 ? b.peer_port == 0 : b.peer_port != 0) &&
	      (b.peer_family == 0 || b.peer_family == MR_CTL_PEER_V4 ||
	       b.peer_family == MR_CTL_PEER_V6), "a BIND read with a value the writer refuses");
	n = mr_ctl_bind_encode(&b, out, sizeof(out));
	check(n > 0 && (size_t)n == strlen(out), "a BIND read cannot be written");
	check(mr_ctl_bind_decode(out, &back, err, sizeof(err)) == 0 && same_bind(&b, &back),
	      "a BIND written reads otherwise");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Exactly size bytes for the header (reading past them shows), a terminated copy for
	 * the text readers, which take C strings. */
	uint8_t *bytes = malloc(size ? size : 1);
	char *text = malloc(size + 1);
	struct mr_ctl_hdr pong = { MR_CTL_VERSION, MR_CTL_PONG, 7, 0 };

	if (size) {
		memcpy(bytes, data, size);
		memcpy(text, data, size);
	}
	text[size] = '\0';
	fuzz_header(bytes, size);
	fuzz_bind(text);
	mr_ctl_pong_generation(&pong, text);
	free(text);
	free(bytes);
	return 0;
}
