/* SPDX-License-Identifier: BSD-3-Clause */
/* A ClientHello of our own, for health checks: TLS 1.3 and 1.2 with the suites, groups
 * and signature algorithms a mainstream client offers, the given server name, an X25519
 * key share. Plain C, no I/O. */
#ifndef MR_TLS_HELLO_H
#define MR_TLS_HELLO_H

#include <stddef.h>
#include <stdint.h>

/* Room any hello built here fits in (517 bytes at most, names up to 253 bytes): within the
 * 536-byte MSS every IPv4 host accepts, so that it goes in one segment. */
#define TLS_HELLO_MAX 536

/* Write the record holding the hello for sni into buf (cap bytes) with the 32-byte random
 * and 32-byte key share taken from entropy[64]. Its length, or 0 when sni is empty, longer
 * than 253 bytes, or buf too small. A hello whose message would be 256 to 511 bytes long
 * is padded to 512 (RFC 7685). */
size_t tls_hello_build(uint8_t *buf, size_t cap, const char *sni, const uint8_t entropy[64]);

/* What the first bytes of a server's answer to that hello say: 1 a ServerHello (a
 * handshake record whose first message is server_hello), -1 anything else (an alert, not
 * TLS), 0 too few bytes to tell. */
int tls_hello_answer(const uint8_t *p, size_t len);

#endif
