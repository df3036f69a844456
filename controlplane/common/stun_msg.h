/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * STUN message codec for meshrelay's TURN client: RFC 8489 (STUN), RFC 8656 (TURN) and
 * RFC 6062 (TURN TCP allocations). No DPDK; HMACs and digests come from OpenSSL 3.
 *
 * A message is a 20-byte header (type, length, magic cookie, 96-bit transaction id)
 * followed by TLV attributes, each padded to 4 bytes. Everything is network byte order.
 *
 * Building: stun_build_start, then stun_put_* in wire order, then stun_build_finish.
 * The builder never writes past its buffer; anything that does not fit (or cannot be
 * encoded) sets `overflow` and every later call does nothing, so a caller checks once.
 *
 * Decoding: stun_decode checks the framing, parses the attributes a TURN client acts on
 * and verifies FINGERPRINT; the caller then checks MESSAGE-INTEGRITY(-SHA256) with the
 * key it holds. Decisions where the RFC leaves a choice:
 *  - attributes after MESSAGE-INTEGRITY other than MESSAGE-INTEGRITY-SHA256 and
 *    FINGERPRINT, or after MESSAGE-INTEGRITY-SHA256 other than FINGERPRINT, are refused
 *    (RFC 8489 lets a receiver ignore them; refusing means no unauthenticated attribute
 *    can ever reach the client);
 *  - a repeated attribute: the first occurrence counts (RFC 8489 section 14), except
 *    XOR-RELAYED-ADDRESS, of which the first two are kept (one per family, RFC 8656);
 *  - padding bytes are not checked (RFC 5769's vectors pad with spaces).
 */
#ifndef STUN_MSG_H
#define STUN_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STUN_HDR_LEN 20
#define STUN_MAGIC_COOKIE 0x2112A442u
#define STUN_TID_LEN 12
#define STUN_MAX_TEXT 763  /* REALM, NONCE, SOFTWARE, reason phrase: < 128 chars, 763 bytes */
#define STUN_MAX_LIST 8    /* kept entries of the decoder's lists */

/* Methods (12 bits). */
#define STUN_BINDING 0x001
#define TURN_ALLOCATE 0x003
#define TURN_REFRESH 0x004
#define TURN_SEND 0x006
#define TURN_DATA 0x007
#define TURN_CREATE_PERMISSION 0x008
#define TURN_CHANNEL_BIND 0x009
#define TURN_CONNECT 0x00a
#define TURN_CONNECTION_BIND 0x00b
#define TURN_CONNECTION_ATTEMPT 0x00c

enum stun_class { STUN_REQUEST, STUN_INDICATION, STUN_SUCCESS, STUN_ERROR };

/* Attribute types: below 0x8000 comprehension-required, from 0x8000 optional. */
#define STUN_ATTR_MAPPED_ADDRESS 0x0001
#define STUN_ATTR_USERNAME 0x0006
#define STUN_ATTR_MESSAGE_INTEGRITY 0x0008
#define STUN_ATTR_ERROR_CODE 0x0009
#define STUN_ATTR_UNKNOWN_ATTRIBUTES 0x000A
#define STUN_ATTR_CHANNEL_NUMBER 0x000C
#define STUN_ATTR_LIFETIME 0x000D
#define STUN_ATTR_XOR_PEER_ADDRESS 0x0012
#define STUN_ATTR_DATA 0x0013
#define STUN_ATTR_REALM 0x0014
#define STUN_ATTR_NONCE 0x0015
#define STUN_ATTR_XOR_RELAYED_ADDRESS 0x0016
#define STUN_ATTR_REQUESTED_ADDRESS_FAMILY 0x0017
#define STUN_ATTR_EVEN_PORT 0x0018
#define STUN_ATTR_REQUESTED_TRANSPORT 0x0019
#define STUN_ATTR_DONT_FRAGMENT 0x001A
#define STUN_ATTR_MESSAGE_INTEGRITY_SHA256 0x001C
#define STUN_ATTR_PASSWORD_ALGORITHM 0x001D
#define STUN_ATTR_USERHASH 0x001E
#define STUN_ATTR_XOR_MAPPED_ADDRESS 0x0020
#define STUN_ATTR_RESERVATION_TOKEN 0x0022
#define STUN_ATTR_CONNECTION_ID 0x002A
#define STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY 0x8000
#define STUN_ATTR_PASSWORD_ALGORITHMS 0x8002
#define STUN_ATTR_ALTERNATE_DOMAIN 0x8003
#define STUN_ATTR_SOFTWARE 0x8022
#define STUN_ATTR_ALTERNATE_SERVER 0x8023
#define STUN_ATTR_FINGERPRINT 0x8028

struct stun_addr {
	int family;     /* AF_INET or AF_INET6 */
	uint8_t ip[16]; /* network order; first 4 bytes for IPv4 */
	uint16_t port;  /* host order */
};

/* Password algorithms of long-term credentials, numbered as in RFC 8489's registry. */
enum stun_pw_alg { STUN_PW_MD5 = 1, STUN_PW_SHA256 = 2 };

struct stun_builder {
	uint8_t *buf;
	size_t cap;
	size_t len;
	bool overflow; /* did not fit, or an argument could not be encoded */
};

/* Start a message of method/cls with transaction id tid in buf[0..cap). */
void stun_build_start(struct stun_builder *b, uint8_t *buf, size_t cap, uint16_t method,
		      enum stun_class cls, const uint8_t tid[STUN_TID_LEN]);
/* Append an attribute, zero-padded to 4 bytes; the header's length stays current. */
void stun_put_attr(struct stun_builder *b, uint16_t type, const void *value, size_t len);
/* Append a 4-byte attribute (LIFETIME, CONNECTION-ID, ...) holding v. */
void stun_put_u32(struct stun_builder *b, uint16_t type, uint32_t v);
/* Append a text attribute (USERNAME, REALM, NONCE, SOFTWARE) without its NUL. */
void stun_put_string(struct stun_builder *b, uint16_t type, const char *s);
/* Append an XOR-*-ADDRESS: obfuscated with the cookie (and the tid for IPv6). */
void stun_put_xor_addr(struct stun_builder *b, uint16_t type, const struct stun_addr *a);
/* Append a plain address (MAPPED-ADDRESS, ALTERNATE-SERVER). */
void stun_put_addr(struct stun_builder *b, uint16_t type, const struct stun_addr *a);
/* Append REQUESTED-TRANSPORT: protocol 17 (UDP) or 6 (TCP, RFC 6062). */
void stun_put_requested_transport(struct stun_builder *b, uint8_t protocol);
/* Append ERROR-CODE: code 300..699 and a reason phrase (may be NULL). */
void stun_put_error_code(struct stun_builder *b, int code, const char *reason);
/* Append UNKNOWN-ATTRIBUTES listing n types, for a 420 answer. */
void stun_put_unknown_attributes(struct stun_builder *b, const uint16_t *types, size_t n);
/* Append PASSWORD-ALGORITHM (no parameters) naming the algorithm the key was made with. */
void stun_put_password_algorithm(struct stun_builder *b, enum stun_pw_alg alg);
/* Append MESSAGE-INTEGRITY: HMAC-SHA1 over everything so far (RFC 8489 14.5). */
void stun_put_integrity(struct stun_builder *b, const uint8_t *key, size_t keylen);
/* Append MESSAGE-INTEGRITY-SHA256: full 32-byte HMAC-SHA256 (RFC 8489 14.6). */
void stun_put_integrity_sha256(struct stun_builder *b, const uint8_t *key, size_t keylen);
/* Append FINGERPRINT: CRC-32 of everything so far XOR 0x5354554e; must be last. */
void stun_put_fingerprint(struct stun_builder *b);
/* Total message length in buf, or -1 when anything did not fit or was refused. */
int stun_build_finish(struct stun_builder *b);

/* A fresh cryptographically random transaction id (aborts if the RNG cannot seed). */
void stun_new_tid(uint8_t tid[STUN_TID_LEN]);

/* Long-term key, MD5 (16 bytes) or SHA-256 (32) of "user:realm:password": its length, 0
 * for an unknown alg. No SASLprep: bytes are hashed as given, so pass ASCII credentials. */
size_t stun_long_term_key(enum stun_pw_alg alg, const char *user, const char *realm,
			  const char *password, uint8_t key[32]);

/* Size of the STUN message starting at buf on a stream: 20 + its length field; 0 until 20
 * bytes are in; -1 if not STUN (top bits set as in ChannelData, length % 4, cookie). */
long stun_frame_length(const uint8_t *buf, size_t avail);

struct stun_msg {
	uint16_t method;
	enum stun_class cls;
	uint8_t tid[STUN_TID_LEN];
	const uint8_t *raw; /* the decoded bytes: pointers below point into them */
	size_t len;

	int error_code;                   /* 300..699, 0: no ERROR-CODE */
	char reason[STUN_MAX_TEXT + 1];   /* for logs: ends at the first NUL it holds */
	bool has_realm, has_nonce;        /* echoed and hashed: a NUL in them is refused */
	char realm[STUN_MAX_TEXT + 1];
	char nonce[STUN_MAX_TEXT + 1];
	char software[STUN_MAX_TEXT + 1]; /* for logs, like reason; "" when absent */

	bool has_lifetime;
	uint32_t lifetime;
	bool has_connection_id;
	uint32_t connection_id;
	unsigned int n_relayed;           /* XOR-RELAYED-ADDRESS: up to one per family */
	struct stun_addr relayed[2];
	bool has_mapped, has_peer, has_alternate;
	struct stun_addr mapped;          /* XOR-MAPPED-ADDRESS */
	struct stun_addr peer;            /* XOR-PEER-ADDRESS */
	struct stun_addr alternate;       /* ALTERNATE-SERVER */
	bool has_data;
	const uint8_t *data;              /* DATA */
	size_t data_len;

	/* PASSWORD-ALGORITHMS: the algorithm numbers (first STUN_MAX_LIST), and the whole
	 * value, which the next request must echo unchanged (RFC 8489 9.2: bid-down protection). */
	unsigned int n_pw_algs;
	uint16_t pw_algs[STUN_MAX_LIST];
	const uint8_t *pw_algs_raw;
	size_t pw_algs_raw_len;

	/* UNKNOWN-ATTRIBUTES the peer listed (in its 420). */
	unsigned int n_unknown_listed;
	uint16_t unknown_listed[STUN_MAX_LIST];
	/* Comprehension-required attributes (type < 0x8000) this codec does not know, for
	 * our own 420 answer to a request: the first STUN_MAX_LIST. */
	unsigned int n_unknown_required;
	uint16_t unknown_required[STUN_MAX_LIST];

	/* Offsets of the attribute headers from raw. */
	bool has_integrity, has_integrity_sha256, has_fingerprint;
	size_t integrity_off, integrity_sha256_off, fingerprint_off;
	size_t integrity_sha256_len;      /* 16..32: the HMAC may be truncated */
	bool fingerprint_ok;              /* present and matching (a mismatch is refused) */
};

/* Decode the whole message buf[0..len) into m; 0, or -1 with a short static reason in
 * *why (why may be NULL) and m unspecified. m points into buf afterwards. */
int stun_decode(const uint8_t *buf, size_t len, struct stun_msg *m, const char **why);

/* Whether m carries a MESSAGE-INTEGRITY (HMAC-SHA1) made with key: false if absent. */
bool stun_check_integrity(const struct stun_msg *m, const uint8_t *key, size_t keylen);
/* The same for MESSAGE-INTEGRITY-SHA256, which may be truncated to 16 bytes or more. */
bool stun_check_integrity_sha256(const struct stun_msg *m, const uint8_t *key, size_t keylen);

/* The method's name for logs ("Allocate"), "unknown" for others. */
const char *stun_method_name(uint16_t method);

#endif
