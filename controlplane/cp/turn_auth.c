/* SPDX-License-Identifier: BSD-3-Clause */
#include "turn_auth.h"

#include <stdio.h>
#include <string.h>

void turn_auth_put(const struct turn_client *t, struct stun_builder *b)
{
	if (!t->authed)
		return;
	if (t->sha256) {
		stun_put_attr(b, STUN_ATTR_PASSWORD_ALGORITHMS, t->pw_algs, t->pw_algs_len);
		stun_put_password_algorithm(b, STUN_PW_SHA256);
	}
	stun_put_string(b, STUN_ATTR_USERNAME, t->user);
	stun_put_string(b, STUN_ATTR_REALM, t->realm);
	stun_put_string(b, STUN_ATTR_NONCE, t->nonce);
	if (t->sha256)
		stun_put_integrity_sha256(b, t->key, t->keylen);
	else
		stun_put_integrity(b, t->key, t->keylen);
	stun_put_fingerprint(b);
}

bool turn_auth_take_challenge(struct turn_client *t, const struct stun_msg *m)
{
	bool offers_sha256 = false;

	if (!m->has_nonce || (!m->has_realm && !t->authed))
		return false;
	if (m->has_realm)
		snprintf(t->realm, sizeof(t->realm), "%s", m->realm);
	snprintf(t->nonce, sizeof(t->nonce), "%s", m->nonce);
	/* SHA-256 only with the RFC 8489 nonce cookie: it proves the list was not stripped. */
	for (unsigned int i = 0; i < m->n_pw_algs; i++)
		offers_sha256 |= m->pw_algs[i] == STUN_PW_SHA256;
	offers_sha256 &= strncmp(m->nonce, "obMatJos2", 9) == 0 &&
			 m->pw_algs_raw_len <= sizeof(t->pw_algs);
	t->sha256 = offers_sha256;
	if (offers_sha256) {
		memcpy(t->pw_algs, m->pw_algs_raw, m->pw_algs_raw_len);
		t->pw_algs_len = m->pw_algs_raw_len;
	}
	t->keylen = stun_long_term_key(offers_sha256 ? STUN_PW_SHA256 : STUN_PW_MD5, t->user,
				       t->realm, t->password, t->key);
	t->authed = true;
	return true;
}

bool turn_auth_integrity_ok(const struct turn_client *t, const struct stun_msg *m)
{
	if (!t->authed)
		return true; /* nothing to check against before the first challenge */
	if (m->has_integrity_sha256)
		return stun_check_integrity_sha256(m, t->key, t->keylen);
	return m->has_integrity && stun_check_integrity(m, t->key, t->keylen);
}

int turn_client_connection_bind(const struct turn_client *t, uint32_t id, uint8_t *buf,
				size_t cap, uint8_t tid[STUN_TID_LEN])
{
	struct stun_builder b;

	stun_new_tid(tid);
	stun_build_start(&b, buf, cap, TURN_CONNECTION_BIND, STUN_REQUEST, tid);
	stun_put_u32(&b, STUN_ATTR_CONNECTION_ID, id);
	turn_auth_put(t, &b);
	return stun_build_finish(&b);
}

bool turn_client_bind_ok(const struct turn_client *t, const struct stun_msg *msg,
			 const uint8_t tid[STUN_TID_LEN])
{
	return msg->method == TURN_CONNECTION_BIND && msg->cls == STUN_SUCCESS &&
	       memcmp(msg->tid, tid, STUN_TID_LEN) == 0 && turn_auth_integrity_ok(t, msg);
}
