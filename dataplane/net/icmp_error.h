/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The codec of the ICMP errors that tell a sender its packet was too big: IPv4's
 * "fragmentation needed" (RFC 1191) and ICMPv6's "packet too big" (RFC 8201); and, read
 * only, of the hard unreachables a connection's opener gives up on (a port unreachable,
 * a refusal by policy: the errors Linux ends a connect on, RFC 1122 4.2.3.9). Pure
 * functions of the bytes: they read what the error quotes of the segment it is about (its
 * addresses, ports and sequence number), so that whoever sent the segment can find its
 * connection; and write one, for a sender to learn of a path it cannot see. Checksums of
 * errors read are the caller's (the net layer checks them before handing up).
 */
#ifndef ICMP_ERROR_H
#define ICMP_ERROR_H

#include <stdbool.h>
#include <stdint.h>

#define ICMP4_UNREACHABLE 3 /* RFC 792's type ... */
#define ICMP4_FRAG_NEEDED 4 /* ... and its code for "fragmentation needed" (RFC 1191) */
#define ICMP6_TOO_BIG 2     /* RFC 4443's "packet too big" */

/* Whether an ICMPv4 message's type and code say "fragmentation needed". */
static inline bool icmp4_is_frag_needed(uint8_t type, uint8_t code)
{
	return type == ICMP4_UNREACHABLE && code == ICMP4_FRAG_NEEDED;
}

/* Whether an ICMPv4 unreachable's code is hard: protocol or port unreachable (2, 3),
 * unknown or isolated (6, 7, 8), refused by policy (9, 10, 13, 14, 15). */
static inline bool icmp4_is_hard(uint8_t type, uint8_t code)
{
	return type == ICMP4_UNREACHABLE && code <= 15 && ((0xe7ccu >> code) & 1);
}

/* The same for ICMPv6's destination unreachable (type 1): refused by policy (1, 5, 6),
 * port unreachable (4). */
static inline bool icmp6_is_hard(uint8_t type, uint8_t code)
{
	return type == 1 && (code == 1 || code == 4 || code == 5 || code == 6);
}

/* What a too-big error (or a hard unreachable) says of the TCP segment it quotes. */
struct icmp_too_big {
	bool hard;              /* a hard unreachable, not a too-big: no MTU */
	uint32_t mtu;           /* the next hop's MTU the router named; 0 when it named none
				 * (routers older than RFC 1191) */
	uint32_t len;           /* the quoted packet's length, as its IP header gives it */
	bool v6;                /* the quoted segment's family */
	uint8_t src[16];        /* its addresses (IPv4: the first 4 bytes), network order: */
	uint8_t dst[16];        /* src is the sender's (ours), dst the peer it went to */
	uint16_t src_port;      /* its ports, network order */
	uint16_t dst_port;
	uint32_t seq;           /* its sequence number, host order */
};

/* Whether the ICMPv4 message at icmp (len bytes: type, code, checksum onwards) is a
 * "fragmentation needed" or a hard unreachable quoting the first fragment of a TCP segment
 * with at least its ports and sequence number; out filled when true. Never reads past len. */
bool icmp_too_big_parse4(const uint8_t *icmp, uint32_t len, struct icmp_too_big *out);

/* The same for an ICMPv6 "packet too big" (type 2, code 0) or hard unreachable quoting a
 * TCP segment whose IPv6 header is followed by TCP directly. */
bool icmp_too_big_parse6(const uint8_t *icmp, uint32_t len, struct icmp_too_big *out);

/* Longest packet icmp_too_big_build writes: an IPv6 header, the error's 8 bytes, and
 * the quoted IPv6 and TCP headers. */
#define ICMP_TOO_BIG_MAX (40 + 8 + 40 + 20)

/* Write into buf (ICMP_TOO_BIG_MAX bytes) the IP packet of a too-big error about the
 * segment e describes, in e's family: from the segment's destination to its source,
 * naming e->mtu, quoting an IP header of e->len bytes and the TCP header's ports and
 * sequence number (the rest of it zero, as nobody reads it). Checksums filled; returns
 * the packet's length. */
uint32_t icmp_too_big_build(uint8_t *buf, const struct icmp_too_big *e);

#endif
