/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SYN cookies: the listener answers a SYN without keeping any state, and recognises the
 * handshake's ACK (or first data segment) from the cookie alone. The sequence number
 * carries a keyed MAC of the connection, a coarse time and the MSS; when the client
 * speaks timestamps, window scale and SACK-permitted ride in the low bits of our TSval.
 */
#ifndef SYNCOOKIE_H
#define SYNCOOKIE_H

#include <stdbool.h>
#include <stdint.h>

#define SYNCOOKIE_PERIOD_MS 64000u  /* one time slot; cookies stay valid for two */
#define SYNCOOKIE_TS_BITS 5         /* low TSval bits holding window scale and SACK */

struct syncookie_key {
	uint64_t k0, k1;
};

/* Connection identity as seen by the listener, all in network byte order. */
struct syncookie_conn {
	uint32_t client_ip, local_ip;
	uint16_t client_port, local_port;
	uint32_t client_isn;
};

/* The identity of an IPv6 connection: both addresses folded into the two address words
 * under the secret key, so no one can choose addresses that fold alike. Ports network order. */
struct syncookie_conn syncookie_conn6(const struct syncookie_key *key, const uint8_t client[16],
				      const uint8_t local[16], uint16_t client_port,
				      uint16_t local_port, uint32_t client_isn);

/* The four MSS values a cookie can carry; a client's MSS is rounded down to one. */
extern const uint16_t syncookie_mss_table[4];

/* Fill key from a random source (rte_rand). */
void syncookie_key_init(struct syncookie_key *key);

/* Our initial sequence number for c at time now_ms with client MSS client_mss.
 * *mss_out receives the MSS the cookie encodes (what we may send the client). */
uint32_t syncookie_make(const struct syncookie_key *key, const struct syncookie_conn *c,
			uint64_t now_ms, uint16_t client_mss, uint16_t *mss_out);

/* Check cookie (our ISN, i.e. the client's ACK number minus one) for c at now_ms.
 * true and *mss_out set when valid and at most two periods old. */
bool syncookie_check(const struct syncookie_key *key, const struct syncookie_conn *c,
		     uint64_t now_ms, uint32_t cookie, uint16_t *mss_out);

/* TSval for the SYN-ACK: now_ms with the options in its low bits (wscale 0..14 or
 * 15 for none, and SACK-permitted). */
uint32_t syncookie_ts_encode(uint32_t now_ms, uint8_t wscale, bool sack_perm);

/* Options back from the TSecr the client echoes; wscale 0xff when it sent none. */
void syncookie_ts_decode(uint32_t tsecr, uint8_t *wscale, bool *sack_perm);

/* SipHash-2-4 of three 64-bit words: the keyed MAC the cookie carries. */
uint64_t syncookie_siphash(const struct syncookie_key *key, uint64_t a, uint64_t b, uint64_t c);

#endif
