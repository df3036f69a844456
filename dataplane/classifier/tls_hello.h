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

/* How far the reading of a server's answer to that hello has come: zeroed before its first
 * byte, then fed the answer in order (any split: segments of any size). */
struct tls_answer {
	uint32_t read;     /* answer bytes taken */
	uint16_t off;      /* bytes taken of the record being read, its 5-byte header included */
	uint16_t len;      /* that record's body length, once its header is read */
	uint8_t type;      /* its content type */
	uint8_t warnings;  /* warning alerts passed over */
	int8_t verdict;    /* 0 until decided, then what tls_answer_feed returns */
};

/* Warning alerts (unrecognized_name from a server that serves the hello anyway) passed over
 * before a ServerHello; a server sends one at most, more is not waited on. */
#define TLS_ANSWER_WARNINGS_MAX 4

/* Feed a the next n bytes p of the answer. 1: a ServerHello (a handshake record whose
 * first message is server_hello, a HelloRetryRequest included) after at most
 * TLS_ANSWER_WARNINGS_MAX warning alerts, one a record; -1: anything else (a fatal alert,
 * close_notify, another message, not TLS); 0: undecided, more wanted. a->read counts the
 * bytes taken: all n while undecided. Once decided, further calls take nothing and say
 * the same. */
int tls_answer_feed(struct tls_answer *a, const uint8_t *p, size_t n);

#endif
