/* SPDX-License-Identifier: BSD-3-Clause */
/* STUN message codec (RFC 8489, RFC 8656, RFC 6062): see stun_msg.h. Here what the
 * builder (stun_build.c) and the decoder (stun_decode.c) share, and keys, transaction ids
 * and method names. */
#include "stun_msg.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "mr_bytes.h"
#include "stun_internal.h"

/* CRC-32 as Ethernet and zlib compute it, a nibble at a time: a 16-entry table is small
 * enough to write down, needs no initialisation (so no thread-safety question), and STUN
 * messages are short. */
static const uint32_t crc_nibble[16] = {
	0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4,
	0x4db26158, 0x5005713c, 0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
	0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
};

uint32_t stun_crc32(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		c = c >> 4 ^ crc_nibble[c & 15];
		c = c >> 4 ^ crc_nibble[c & 15];
	}
	return ~c;
}

/* HMAC (digest "SHA1" or "SHA256") of msg[0..end) with the header's length field read as
 * hdr_len: integrity covers a message that ends at its own attribute, whatever follows. */
bool stun_mac_upto(char *digest, const uint8_t *key, size_t keylen, const uint8_t *msg,
		   size_t end, size_t hdr_len, uint8_t out[SHA256_MAC_LEN])
{
	static const uint8_t no_key[1];
	uint8_t hdr[STUN_HDR_LEN];
	OSSL_PARAM params[2];
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	size_t outlen = 0;
	bool ok;

	memcpy(hdr, msg, STUN_HDR_LEN);
	mr_store_be16(hdr + 2, (uint16_t)hdr_len);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	/* OpenSSL refuses a NULL key even when it is empty. */
	ok = ctx && EVP_MAC_init(ctx, keylen ? key : no_key, keylen, params) &&
	     EVP_MAC_update(ctx, hdr, sizeof(hdr)) &&
	     EVP_MAC_update(ctx, msg + STUN_HDR_LEN, end - STUN_HDR_LEN) &&
	     EVP_MAC_final(ctx, out, &outlen, SHA256_MAC_LEN);
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return ok;
}

/* XOR-*-ADDRESS obfuscation, its own inverse: the port with the cookie's top half, the
 * address with the cookie followed by the transaction id (key: header bytes 4..19). */
void stun_xor_address(uint8_t *v, const uint8_t key[16], size_t alen)
{
	v[2] ^= key[0];
	v[3] ^= key[1];
	for (size_t i = 0; i < alen; i++)
		v[4 + i] ^= key[i];
}

void stun_new_tid(uint8_t tid[STUN_TID_LEN])
{
	/* Predictable ids would let an off-path attacker forge responses; without a seeded
	 * RNG nothing here can be secure, so there is no fallback. */
	if (RAND_bytes(tid, STUN_TID_LEN) != 1)
		abort();
}

size_t stun_long_term_key(enum stun_pw_alg alg, const char *user, const char *realm,
			  const char *password, uint8_t key[32])
{
	const char *parts[] = { user, ":", realm, ":", password };
	const EVP_MD *md = alg == STUN_PW_MD5 ? EVP_md5() :
			   alg == STUN_PW_SHA256 ? EVP_sha256() : NULL;
	EVP_MD_CTX *ctx = md ? EVP_MD_CTX_new() : NULL;
	unsigned int n = 0;
	bool ok = ctx && EVP_DigestInit_ex(ctx, md, NULL);

	for (size_t i = 0; ok && i < sizeof(parts) / sizeof(parts[0]); i++)
		ok = EVP_DigestUpdate(ctx, parts[i], strlen(parts[i]));
	ok = ok && EVP_DigestFinal_ex(ctx, key, &n);
	EVP_MD_CTX_free(ctx);
	return ok ? n : 0;
}

const char *stun_method_name(uint16_t method)
{
	switch (method) {
	case STUN_BINDING: return "Binding";
	case TURN_ALLOCATE: return "Allocate";
	case TURN_REFRESH: return "Refresh";
	case TURN_SEND: return "Send";
	case TURN_DATA: return "Data";
	case TURN_CREATE_PERMISSION: return "CreatePermission";
	case TURN_CHANNEL_BIND: return "ChannelBind";
	case TURN_CONNECT: return "Connect";
	case TURN_CONNECTION_BIND: return "ConnectionBind";
	case TURN_CONNECTION_ATTEMPT: return "ConnectionAttempt";
	default: return "unknown";
	}
}
