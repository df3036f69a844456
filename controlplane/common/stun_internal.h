/* SPDX-License-Identifier: BSD-3-Clause */
/* What the STUN codec's files share: stun_msg.c (checksums, MACs, keys, names),
 * stun_build.c (the builder) and stun_decode.c (the decoder). Internal to them. */
#ifndef STUN_INTERNAL_H
#define STUN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stun_msg.h"

#define ATTR_HDR_LEN 4
#define FAMILY_IPV4 1
#define FAMILY_IPV6 2
#define MAX_BODY_LEN 0xfffcu          /* the largest 16-bit multiple of 4 */
#define SHA1_MAC_LEN 20
#define SHA256_MAC_LEN 32
#define SHA256_MAC_MIN 16
#define FINGERPRINT_XOR 0x5354554eu

/* n rounded up to a multiple of 4: attribute values are padded to it. */
static inline size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* CRC-32 of n bytes at p, as Ethernet and zlib compute it (FINGERPRINT). */
uint32_t stun_crc32(const uint8_t *p, size_t n);

/* HMAC (digest "SHA1" or "SHA256") of msg[0..end) with the header's length field read as
 * hdr_len, into out. false when OpenSSL fails. */
bool stun_mac_upto(char *digest, const uint8_t *key, size_t keylen, const uint8_t *msg,
		   size_t end, size_t hdr_len, uint8_t out[SHA256_MAC_LEN]);

/* XOR-*-ADDRESS obfuscation of an address attribute's value v (alen address bytes) with
 * key, the header's bytes 4..19; its own inverse. */
void stun_xor_address(uint8_t *v, const uint8_t key[16], size_t alen);

#endif
