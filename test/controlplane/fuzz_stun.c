/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target for the STUN codec. Input: one message as it would arrive on a TURN
 * connection; one ending in a FINGERPRINT is also tried with its CRC made right. Beyond
 * memory safety: a message that decodes is exactly one stream frame, and what the decoder
 * surfaced, encoded again by the builder (with both MACs and a fingerprint), decodes to
 * the same values and passes its own integrity checks. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stun_msg.h"

static const uint8_t key[] = "fuzz key";

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_stun: %s\n", what);
		abort();
	}
}

static int same_addr(const struct stun_addr *a, const struct stun_addr *b)
{
	return a->family == b->family && a->port == b->port && memcmp(a->ip, b->ip, 16) == 0;
}

static void put_addresses(struct stun_builder *b, const struct stun_msg *m)
{
	for (unsigned int i = 0; i < m->n_relayed; i++)
		stun_put_xor_addr(b, STUN_ATTR_XOR_RELAYED_ADDRESS, &m->relayed[i]);
	if (m->has_mapped)
		stun_put_xor_addr(b, STUN_ATTR_XOR_MAPPED_ADDRESS, &m->mapped);
	if (m->has_peer)
		stun_put_xor_addr(b, STUN_ATTR_XOR_PEER_ADDRESS, &m->peer);
	if (m->has_alternate)
		stun_put_addr(b, STUN_ATTR_ALTERNATE_SERVER, &m->alternate);
}

/* Everything the decoder surfaced, in an order the decoder accepts. */
static int rebuild(const struct stun_msg *m, uint8_t *buf, size_t cap)
{
	struct stun_builder b;

	stun_build_start(&b, buf, cap, m->method, m->cls, m->tid);
	put_addresses(&b, m);
	if (m->has_lifetime)
		stun_put_u32(&b, STUN_ATTR_LIFETIME, m->lifetime);
	if (m->has_connection_id)
		stun_put_u32(&b, STUN_ATTR_CONNECTION_ID, m->connection_id);
	if (m->error_code)
		stun_put_error_code(&b, m->error_code, m->reason);
	if (m->has_realm)
		stun_put_string(&b, STUN_ATTR_REALM, m->realm);
	if (m->has_nonce)
		stun_put_string(&b, STUN_ATTR_NONCE, m->nonce);
	if (m->pw_algs_raw)
		stun_put_attr(&b, STUN_ATTR_PASSWORD_ALGORITHMS, m->pw_algs_raw, m->pw_algs_raw_len);
	if (m->n_unknown_listed)
		stun_put_unknown_attributes(&b, m->unknown_listed, m->n_unknown_listed);
	if (m->has_data)
		stun_put_attr(&b, STUN_ATTR_DATA, m->data, m->data_len);
	stun_put_integrity(&b, key, sizeof(key));
	stun_put_integrity_sha256(&b, key, sizeof(key));
	stun_put_fingerprint(&b);
	return stun_build_finish(&b);
}

static void check_addresses(const struct stun_msg *m, const struct stun_msg *r)
{
	check(r->n_relayed == m->n_relayed, "relayed address count");
	for (unsigned int i = 0; i < m->n_relayed; i++)
		check(same_addr(&r->relayed[i], &m->relayed[i]), "relayed address");
	check(r->has_mapped == m->has_mapped && (!m->has_mapped || same_addr(&r->mapped, &m->mapped)),
	      "mapped address");
	check(r->has_peer == m->has_peer && (!m->has_peer || same_addr(&r->peer, &m->peer)),
	      "peer address");
	check(r->has_alternate == m->has_alternate &&
		      (!m->has_alternate || same_addr(&r->alternate, &m->alternate)),
	      "alternate server");
}

static void check_values(const struct stun_msg *m, const struct stun_msg *r)
{
	check(r->method == m->method && r->cls == m->cls, "message type");
	check(memcmp(r->tid, m->tid, STUN_TID_LEN) == 0, "transaction id");
	check(r->has_lifetime == m->has_lifetime && r->lifetime == m->lifetime, "lifetime");
	check(r->has_connection_id == m->has_connection_id &&
		      r->connection_id == m->connection_id, "connection id");
	check(r->error_code == m->error_code && strcmp(r->reason, m->reason) == 0, "error code");
	check(r->has_realm == m->has_realm && strcmp(r->realm, m->realm) == 0, "realm");
	check(r->has_nonce == m->has_nonce && strcmp(r->nonce, m->nonce) == 0, "nonce");
	check(r->n_pw_algs == m->n_pw_algs &&
		      memcmp(r->pw_algs, m->pw_algs, sizeof(m->pw_algs)) == 0, "password algorithms");
	check(r->n_unknown_listed == m->n_unknown_listed &&
		      memcmp(r->unknown_listed, m->unknown_listed, sizeof(m->unknown_listed)) == 0,
	      "unknown attributes listed");
	check(r->has_data == m->has_data && r->data_len == m->data_len &&
		      (!m->data_len || memcmp(r->data, m->data, m->data_len) == 0), "data");
}

static void round_trip(const struct stun_msg *m)
{
	static uint8_t buf[0x10000 + STUN_HDR_LEN];
	struct stun_msg r;
	const char *why = NULL;
	int len = rebuild(m, buf, sizeof(buf));

	/* Only the MACs and the fingerprint are added (68 bytes); all else shrinks or stays. */
	if (len < 0) {
		check(m->len + 68 > STUN_HDR_LEN + 0xfffc, "rebuilt message did not fit");
		return;
	}
	if (stun_decode(buf, (size_t)len, &r, &why) < 0) {
		fprintf(stderr, "fuzz_stun: rebuilt message refused: %s\n", why);
		abort();
	}
	check_values(m, &r);
	check_addresses(m, &r);
	check(r.fingerprint_ok, "fingerprint of the rebuilt message");
	check(stun_check_integrity(&r, key, sizeof(key)), "SHA1 integrity of the rebuilt message");
	check(stun_check_integrity_sha256(&r, key, sizeof(key)),
	      "SHA256 integrity of the rebuilt message");
}

static void run(const uint8_t *data, size_t size)
{
	struct stun_msg m;
	const char *why = NULL;
	long frame = stun_frame_length(data, size);

	if (stun_decode(data, size, &m, &why) < 0) {
		check(why != NULL, "refusal without a reason");
		return;
	}
	check(frame == (long)size, "a decoded message is not exactly one frame");
	(void)stun_check_integrity(&m, key, sizeof(key));
	(void)stun_check_integrity_sha256(&m, key, sizeof(key));
	round_trip(&m);
}

/* Mutations almost never keep a CRC right, so an input that ends in a FINGERPRINT is
 * also tried with its CRC (and length field) made right, by resuming a builder there. */
static void run_with_fingerprint_fixed(const uint8_t *data, size_t size)
{
	static const uint8_t fp_hdr[4] = { 0x80, 0x28, 0x00, 0x04 };
	static uint8_t copy[0x10000 + STUN_HDR_LEN];
	struct stun_builder b;

	if (size < STUN_HDR_LEN + 8 || size > sizeof(copy) || memcmp(data + size - 8, fp_hdr, 4))
		return;
	memcpy(copy, data, size);
	b = (struct stun_builder){ .buf = copy, .cap = size, .len = size - 8 };
	stun_put_fingerprint(&b);
	if (stun_build_finish(&b) == (int)size)
		run(copy, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size);
	run_with_fingerprint_fixed(data, size);
	return 0;
}
