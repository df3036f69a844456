/* SPDX-License-Identifier: BSD-3-Clause */
/* The STUN message decoder and integrity checks: see stun_msg.h. */
#include <string.h>
#include <sys/socket.h>

#include <openssl/crypto.h>

#include "mr_bytes.h"
#include "stun_internal.h"

static void split_type(uint16_t type, uint16_t *method, enum stun_class *cls)
{
	*method = (uint16_t)((type & 0x000f) | (type & 0x00e0) >> 1 | (type & 0x3e00) >> 2);
	*cls = (enum stun_class)((type >> 4 & 1) | (type >> 7 & 2));
}

/* What every STUN header has, whether or not the rest has arrived. */
static const char *header_shape(const uint8_t *buf)
{
	if (buf[0] & 0xc0)
		return "not STUN: top two bits set";
	if (mr_load_be16(buf + 2) % 4)
		return "message length not a multiple of 4";
	if (mr_load_be32(buf + 4) != STUN_MAGIC_COOKIE)
		return "bad magic cookie";
	return NULL;
}

long stun_frame_length(const uint8_t *buf, size_t avail)
{
	if (avail < STUN_HDR_LEN)
		return 0;
	if (header_shape(buf))
		return -1;
	return STUN_HDR_LEN + (long)mr_load_be16(buf + 2);
}

struct attr {
	uint16_t type;
	const uint8_t *v; /* value */
	size_t n;         /* value length, without padding */
	size_t off;       /* of the attribute header in the message */
};

static const char *parse_address(const struct stun_msg *m, const struct attr *a, bool xor,
				 struct stun_addr *out)
{
	uint8_t v[20];
	size_t alen;

	if (a->n < 4)
		return "address attribute too short";
	if (a->v[1] != FAMILY_IPV4 && a->v[1] != FAMILY_IPV6)
		return "address family neither IPv4 nor IPv6";
	alen = a->v[1] == FAMILY_IPV4 ? 4 : 16;
	if (a->n != 4 + alen)
		return "address attribute length wrong for its family";
	memcpy(v, a->v, a->n);
	if (xor)
		stun_xor_address(v, m->raw + 4, alen);
	memset(out, 0, sizeof(*out));
	out->family = alen == 4 ? AF_INET : AF_INET6;
	out->port = mr_load_be16(v + 2);
	memcpy(out->ip, v + 4, alen);
	return NULL;
}

/* XOR-MAPPED-ADDRESS, XOR-PEER-ADDRESS, ALTERNATE-SERVER: one of each is kept. */
static const char *parse_one_address(struct stun_msg *m, const struct attr *a)
{
	bool *has = &m->has_alternate;
	struct stun_addr *out = &m->alternate;
	const char *err;

	if (a->type == STUN_ATTR_XOR_MAPPED_ADDRESS) {
		has = &m->has_mapped;
		out = &m->mapped;
	} else if (a->type == STUN_ATTR_XOR_PEER_ADDRESS) {
		has = &m->has_peer;
		out = &m->peer;
	}
	err = parse_address(m, a, a->type != STUN_ATTR_ALTERNATE_SERVER, out);
	*has = !err;
	return err;
}

static const char *parse_relayed(struct stun_msg *m, const struct attr *a)
{
	if (m->n_relayed == 2)
		return NULL;
	return parse_address(m, a, true, &m->relayed[m->n_relayed++]);
}

/* Realm and nonce go back on the wire and into the key: a NUL would silently shorten
 * them, so it is refused. Reason and software are only logged. */
static const char *copy_text(char dst[STUN_MAX_TEXT + 1], const uint8_t *v, size_t n,
			     bool refuse_nul)
{
	if (n > STUN_MAX_TEXT)
		return "text attribute longer than 763 bytes";
	if (refuse_nul && memchr(v, 0, n))
		return "NUL byte in REALM or NONCE";
	memcpy(dst, v, n);
	dst[n] = '\0';
	return NULL;
}

static const char *parse_realm(struct stun_msg *m, const struct attr *a)
{
	m->has_realm = true;
	return copy_text(m->realm, a->v, a->n, true);
}

static const char *parse_nonce(struct stun_msg *m, const struct attr *a)
{
	m->has_nonce = true;
	return copy_text(m->nonce, a->v, a->n, true);
}

static const char *parse_software(struct stun_msg *m, const struct attr *a)
{
	return copy_text(m->software, a->v, a->n, false);
}

static const char *parse_error_code(struct stun_msg *m, const struct attr *a)
{
	int cls, number;

	if (a->n < 4)
		return "ERROR-CODE too short";
	cls = a->v[2] & 7; /* the 21 bits before it are reserved */
	number = a->v[3];
	if (cls < 3 || cls > 6 || number > 99)
		return "bad ERROR-CODE class or number";
	m->error_code = cls * 100 + number;
	return copy_text(m->reason, a->v + 4, a->n - 4, false);
}

static const char *parse_u32(const struct attr *a, bool *has, uint32_t *v)
{
	if (a->n != 4)
		return "LIFETIME or CONNECTION-ID not 4 bytes";
	*has = true;
	*v = mr_load_be32(a->v);
	return NULL;
}

static const char *parse_lifetime(struct stun_msg *m, const struct attr *a)
{
	return parse_u32(a, &m->has_lifetime, &m->lifetime);
}

static const char *parse_connection_id(struct stun_msg *m, const struct attr *a)
{
	return parse_u32(a, &m->has_connection_id, &m->connection_id);
}

static const char *parse_data(struct stun_msg *m, const struct attr *a)
{
	m->has_data = true;
	m->data = a->v;
	m->data_len = a->n;
	return NULL;
}

/* Entries of algorithm (2), parameters length (2), parameters padded to 4. */
static const char *parse_pw_algs(struct stun_msg *m, const struct attr *a)
{
	size_t i = 0;

	while (i < a->n) {
		size_t plen;

		if (a->n - i < 4)
			return "PASSWORD-ALGORITHMS entry truncated";
		plen = pad4(mr_load_be16(a->v + i + 2));
		if (plen > a->n - i - 4)
			return "PASSWORD-ALGORITHMS parameters run past the end";
		if (m->n_pw_algs < STUN_MAX_LIST)
			m->pw_algs[m->n_pw_algs++] = mr_load_be16(a->v + i);
		i += 4 + plen;
	}
	m->pw_algs_raw = a->v;
	m->pw_algs_raw_len = a->n;
	return NULL;
}

static const char *parse_unknown_listed(struct stun_msg *m, const struct attr *a)
{
	if (a->n % 2)
		return "UNKNOWN-ATTRIBUTES of odd length";
	for (size_t i = 0; i < a->n && m->n_unknown_listed < STUN_MAX_LIST; i += 2)
		m->unknown_listed[m->n_unknown_listed++] = mr_load_be16(a->v + i);
	return NULL;
}

static const char *parse_integrity(struct stun_msg *m, const struct attr *a)
{
	if (a->n != SHA1_MAC_LEN)
		return "MESSAGE-INTEGRITY not 20 bytes";
	m->has_integrity = true;
	m->integrity_off = a->off;
	return NULL;
}

static const char *parse_integrity_sha256(struct stun_msg *m, const struct attr *a)
{
	if (a->n < SHA256_MAC_MIN || a->n > SHA256_MAC_LEN || a->n % 4)
		return "MESSAGE-INTEGRITY-SHA256 length not 16..32 in steps of 4";
	m->has_integrity_sha256 = true;
	m->integrity_sha256_off = a->off;
	m->integrity_sha256_len = a->n;
	return NULL;
}

/* Being last, FINGERPRINT's CRC covers the header as received, length field included. */
static const char *parse_fingerprint(struct stun_msg *m, const struct attr *a)
{
	if (a->n != 4)
		return "FINGERPRINT not 4 bytes";
	if (a->off + ATTR_HDR_LEN + 4 != m->len)
		return "attribute after FINGERPRINT";
	if (mr_load_be32(a->v) != (stun_crc32(m->raw, a->off) ^ FINGERPRINT_XOR))
		return "FINGERPRINT mismatch";
	m->has_fingerprint = true;
	m->fingerprint_off = a->off;
	m->fingerprint_ok = true;
	return NULL;
}

typedef const char *(*attr_parser)(struct stun_msg *m, const struct attr *a);

/* Every attribute this codec knows; parse NULL: understood, but nothing a TURN client
 * reads from a message it receives. */
static const struct {
	uint16_t type;
	attr_parser parse;
	bool repeatable; /* otherwise later occurrences are skipped */
} rules[] = {
	{ STUN_ATTR_MAPPED_ADDRESS, NULL, false },
	{ STUN_ATTR_USERNAME, NULL, false },
	{ STUN_ATTR_MESSAGE_INTEGRITY, parse_integrity, false },
	{ STUN_ATTR_ERROR_CODE, parse_error_code, false },
	{ STUN_ATTR_UNKNOWN_ATTRIBUTES, parse_unknown_listed, false },
	{ STUN_ATTR_CHANNEL_NUMBER, NULL, false },
	{ STUN_ATTR_LIFETIME, parse_lifetime, false },
	{ STUN_ATTR_XOR_PEER_ADDRESS, parse_one_address, false },
	{ STUN_ATTR_DATA, parse_data, false },
	{ STUN_ATTR_REALM, parse_realm, false },
	{ STUN_ATTR_NONCE, parse_nonce, false },
	{ STUN_ATTR_XOR_RELAYED_ADDRESS, parse_relayed, true },
	{ STUN_ATTR_REQUESTED_ADDRESS_FAMILY, NULL, false },
	{ STUN_ATTR_EVEN_PORT, NULL, false },
	{ STUN_ATTR_REQUESTED_TRANSPORT, NULL, false },
	{ STUN_ATTR_DONT_FRAGMENT, NULL, false },
	{ STUN_ATTR_MESSAGE_INTEGRITY_SHA256, parse_integrity_sha256, false },
	{ STUN_ATTR_PASSWORD_ALGORITHM, NULL, false },
	{ STUN_ATTR_USERHASH, NULL, false },
	{ STUN_ATTR_XOR_MAPPED_ADDRESS, parse_one_address, false },
	{ STUN_ATTR_RESERVATION_TOKEN, NULL, false },
	{ STUN_ATTR_CONNECTION_ID, parse_connection_id, false },
	{ STUN_ATTR_PASSWORD_ALGORITHMS, parse_pw_algs, false },
	{ STUN_ATTR_SOFTWARE, parse_software, false },
	{ STUN_ATTR_ALTERNATE_SERVER, parse_one_address, false },
	{ STUN_ATTR_FINGERPRINT, parse_fingerprint, false },
};

#define N_RULES (sizeof(rules) / sizeof(rules[0]))
_Static_assert(N_RULES <= 32, "the seen mask has a bit per rule");

/* Anything after MESSAGE-INTEGRITY would be unauthenticated: only the other MAC and
 * FINGERPRINT may follow it (nothing may follow FINGERPRINT: parse_fingerprint). */
static const char *order_error(const struct stun_msg *m, uint16_t type)
{
	if (m->has_integrity_sha256 && type != STUN_ATTR_FINGERPRINT)
		return "attribute after MESSAGE-INTEGRITY-SHA256";
	if (m->has_integrity && type != STUN_ATTR_FINGERPRINT &&
	    type != STUN_ATTR_MESSAGE_INTEGRITY_SHA256)
		return "attribute after MESSAGE-INTEGRITY";
	return NULL;
}

static const char *dispatch(struct stun_msg *m, const struct attr *a, uint32_t *seen)
{
	for (size_t i = 0; i < N_RULES; i++) {
		if (rules[i].type != a->type)
			continue;
		if ((*seen >> i & 1) && !rules[i].repeatable)
			return NULL;
		*seen |= 1u << i;
		return rules[i].parse ? rules[i].parse(m, a) : NULL;
	}
	/* Unknown optional attributes are ignored; required ones feed a 420 answer. */
	if (a->type < 0x8000 && m->n_unknown_required < STUN_MAX_LIST)
		m->unknown_required[m->n_unknown_required++] = a->type;
	return NULL;
}

static const char *decode_attrs(struct stun_msg *m)
{
	uint32_t seen = 0;
	size_t off = STUN_HDR_LEN;

	while (off < m->len) {
		struct attr a;
		const char *err;

		a.type = mr_load_be16(m->raw + off);
		a.n = mr_load_be16(m->raw + off + 2);
		a.v = m->raw + off + ATTR_HDR_LEN;
		a.off = off;
		/* The rest is a multiple of 4 (header_shape), so a value that fits fits padded. */
		if (a.n > m->len - off - ATTR_HDR_LEN)
			return "attribute runs past the end";
		err = order_error(m, a.type);
		if (!err)
			err = dispatch(m, &a, &seen);
		if (err)
			return err;
		off += ATTR_HDR_LEN + pad4(a.n);
	}
	return NULL;
}

static const char *decode(const uint8_t *buf, size_t len, struct stun_msg *m)
{
	const char *err;

	memset(m, 0, sizeof(*m));
	if (len < STUN_HDR_LEN)
		return "shorter than a STUN header";
	err = header_shape(buf);
	if (err)
		return err;
	if (STUN_HDR_LEN + (size_t)mr_load_be16(buf + 2) != len)
		return "length field disagrees with the message size";
	split_type(mr_load_be16(buf), &m->method, &m->cls);
	memcpy(m->tid, buf + 8, STUN_TID_LEN);
	m->raw = buf;
	m->len = len;
	return decode_attrs(m);
}

int stun_decode(const uint8_t *buf, size_t len, struct stun_msg *m, const char **why)
{
	const char *err = decode(buf, len, m);

	if (err && why)
		*why = err;
	return err ? -1 : 0;
}

/* The MAC attribute at off with vlen value bytes, checked against key in constant time. */
static bool check_mac(const struct stun_msg *m, size_t off, size_t vlen, char *digest,
		      const uint8_t *key, size_t keylen)
{
	uint8_t mac[SHA256_MAC_LEN];
	size_t end = off + ATTR_HDR_LEN + vlen;

	if (!stun_mac_upto(digest, key, keylen, m->raw, off, end - STUN_HDR_LEN, mac))
		return false;
	return CRYPTO_memcmp(mac, m->raw + off + ATTR_HDR_LEN, vlen) == 0;
}

bool stun_check_integrity(const struct stun_msg *m, const uint8_t *key, size_t keylen)
{
	return m->has_integrity &&
	       check_mac(m, m->integrity_off, SHA1_MAC_LEN, "SHA1", key, keylen);
}

bool stun_check_integrity_sha256(const struct stun_msg *m, const uint8_t *key, size_t keylen)
{
	return m->has_integrity_sha256 &&
	       check_mac(m, m->integrity_sha256_off, m->integrity_sha256_len, "SHA256", key,
			 keylen);
}
