/* SPDX-License-Identifier: BSD-3-Clause */
/* Seed corpus for fuzz_stun: the messages a TURN client exchanges, made with the codec's
 * own builder so that every seed decodes and reaches the round-trip checks.
 *   stun_seeds DIR      writes DIR/seed-0, DIR/seed-1, ... */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "stun_msg.h"

static const uint8_t key[] = "fuzz key"; /* the target's key: the MACs verify */

static struct stun_addr addr(const char *text, uint16_t port)
{
	struct stun_addr a = { .port = port };

	a.family = strchr(text, ':') ? AF_INET6 : AF_INET;
	inet_pton(a.family, text, a.ip);
	return a;
}

static void allocate_request(struct stun_builder *b)
{
	stun_put_requested_transport(b, 6);
	stun_put_string(b, STUN_ATTR_USERNAME, "alice");
	stun_put_string(b, STUN_ATTR_REALM, "example.org");
	stun_put_string(b, STUN_ATTR_NONCE, "obMatJos2AAABf//499k954d6OL34oL9FSTvy64sA");
	stun_put_password_algorithm(b, STUN_PW_SHA256);
	stun_put_integrity(b, key, sizeof(key));
	stun_put_integrity_sha256(b, key, sizeof(key));
	stun_put_fingerprint(b);
}

static void unauthorized(struct stun_builder *b)
{
	static const uint8_t algs[] = { 0, 2, 0, 0, 0, 1, 0, 0 };

	stun_put_error_code(b, 401, "Unauthorized");
	stun_put_string(b, STUN_ATTR_REALM, "example.org");
	stun_put_string(b, STUN_ATTR_NONCE, "obMatJos2AAABf//499k954d6OL34oL9FSTvy64sA");
	stun_put_attr(b, STUN_ATTR_PASSWORD_ALGORITHMS, algs, sizeof(algs));
	stun_put_string(b, STUN_ATTR_SOFTWARE, "seed server");
	stun_put_fingerprint(b);
}

static void allocated(struct stun_builder *b)
{
	struct stun_addr r4 = addr("198.51.100.7", 49152), r6 = addr("2001:db8::1", 49153);
	struct stun_addr mapped = addr("203.0.113.9", 61000);

	stun_put_xor_addr(b, STUN_ATTR_XOR_RELAYED_ADDRESS, &r4);
	stun_put_xor_addr(b, STUN_ATTR_XOR_RELAYED_ADDRESS, &r6);
	stun_put_xor_addr(b, STUN_ATTR_XOR_MAPPED_ADDRESS, &mapped);
	stun_put_u32(b, STUN_ATTR_LIFETIME, 600);
	stun_put_integrity(b, key, sizeof(key));
	stun_put_fingerprint(b);
}

static void connection_attempt(struct stun_builder *b)
{
	struct stun_addr peer = addr("10.1.2.3", 443);

	stun_put_u32(b, STUN_ATTR_CONNECTION_ID, 0x01020304);
	stun_put_xor_addr(b, STUN_ATTR_XOR_PEER_ADDRESS, &peer);
}

static void data_indication(struct stun_builder *b)
{
	struct stun_addr peer = addr("fd00::5", 8443);

	stun_put_xor_addr(b, STUN_ATTR_XOR_PEER_ADDRESS, &peer);
	stun_put_attr(b, STUN_ATTR_DATA, "hello", 5);
}

static void unknown_attribute(struct stun_builder *b)
{
	static const uint16_t types[] = { 0x0024, 0x7fff, 0x0030 };

	stun_put_error_code(b, 420, "Unknown Attribute");
	stun_put_unknown_attributes(b, types, 3);
}

static void try_alternate(struct stun_builder *b)
{
	struct stun_addr alt = addr("192.0.2.99", 3478);

	stun_put_error_code(b, 300, "Try Alternate");
	stun_put_addr(b, STUN_ATTR_ALTERNATE_SERVER, &alt);
	stun_put_string(b, STUN_ATTR_ALTERNATE_DOMAIN, "turn2.example.org");
}

static void refresh_zero(struct stun_builder *b)
{
	stun_put_u32(b, STUN_ATTR_LIFETIME, 0);
	stun_put_u32(b, 0x0024, 1); /* required but unknown */
	stun_put_integrity_sha256(b, key, sizeof(key));
}

static const struct {
	uint16_t method;
	enum stun_class cls;
	void (*put)(struct stun_builder *b);
} seeds[] = {
	{ TURN_ALLOCATE, STUN_REQUEST, allocate_request },
	{ TURN_ALLOCATE, STUN_ERROR, unauthorized },
	{ TURN_ALLOCATE, STUN_SUCCESS, allocated },
	{ TURN_CONNECTION_ATTEMPT, STUN_INDICATION, connection_attempt },
	{ TURN_DATA, STUN_INDICATION, data_indication },
	{ TURN_CONNECT, STUN_ERROR, unknown_attribute },
	{ TURN_ALLOCATE, STUN_ERROR, try_alternate },
	{ TURN_REFRESH, STUN_REQUEST, refresh_zero },
};

int main(int argc, char **argv)
{
	static const uint8_t tid[STUN_TID_LEN] = { 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34,
						   0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae };

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		uint8_t buf[1024];
		struct stun_builder b;
		char path[4096];
		FILE *f;
		int len;

		stun_build_start(&b, buf, sizeof(buf), seeds[i].method, seeds[i].cls, tid);
		seeds[i].put(&b);
		len = stun_build_finish(&b);
		snprintf(path, sizeof(path), "%s/seed-%zu", argv[1], i);
		f = fopen(path, "wb");
		if (len < 0 || !f || fwrite(buf, 1, (size_t)len, f) != (size_t)len || fclose(f)) {
			fprintf(stderr, "stun_seeds: cannot write %s\n", path);
			return 1;
		}
	}
	return 0;
}
