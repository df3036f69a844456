/* SPDX-License-Identifier: BSD-3-Clause */
#include "b64.h"

#include <limits.h>
#include <string.h>

#include <openssl/evp.h>

/* OpenSSL counts lengths in int. */
#define B64_MAX_IN ((size_t)INT_MAX / 4 * 3)

int b64_encode(const void *in, size_t len, char *out, size_t cap)
{
	if (len > B64_MAX_IN || cap < B64_ENCODED_LEN(len) + 1)
		return -1;
	return EVP_EncodeBlock((unsigned char *)out, in, (int)len);
}

static int b64_in_alphabet(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

/* The number of '=' ending in (0 to 2), or -1 when in is not well-formed base64:
 * EVP_DecodeBlock itself skips whitespace and takes '=' anywhere. */
static int b64_padding(const char *in, size_t len)
{
	size_t pad = 0;

	if (len % 4 != 0 || len > B64_MAX_IN)
		return -1;
	while (pad < 2 && pad < len && in[len - 1 - pad] == '=')
		pad++;
	for (size_t i = 0; i < len - pad; i++)
		if (!b64_in_alphabet((unsigned char)in[i]))
			return -1;
	return (int)pad;
}

int b64_decode(const char *in, size_t len, uint8_t *out, size_t cap)
{
	int pad = b64_padding(in, len);
	size_t whole, n;
	unsigned char last[3];

	if (pad < 0)
		return -1;
	if (len == 0)
		return 0;
	n = len / 4 * 3 - (size_t)pad;
	if (n > cap)
		return -1;
	/* EVP_DecodeBlock writes whole groups of three, padding included: the last group
	 * goes through a scratch buffer so that cap only needs the real length. */
	whole = len - 4;
	if (whole > 0 && EVP_DecodeBlock(out, (const unsigned char *)in, (int)whole) < 0)
		return -1;
	if (EVP_DecodeBlock(last, (const unsigned char *)in + whole, 4) != 3)
		return -1;
	memcpy(out + whole / 4 * 3, last, 3 - (size_t)pad);
	return (int)n;
}
