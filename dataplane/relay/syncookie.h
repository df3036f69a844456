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
/* Keys are replaced this often. Longer than a cookie lives (two periods), and the previous
 * key still checks cookies, so a rotation never refuses a handshake in progress. */
#define SYNCOOKIE_ROTATE_MS 300000u

struct syncookie_key {
	uint64_t k0, k1;
};

/* The keys in force: the current one makes cookies, it and the previous one check them.
 * One thread rotates them; workers read them without locks: a rotation writes the slot
 * that is neither current nor previous, then publishes it, so no reader ever sees a key
 * being written (a reader would have to hold one generation through two rotations). */
struct syncookie_keys {
	struct syncookie_key key[3];
	uint32_t gen;               /* key[gen % 3] is current, key[(gen + 2) % 3] previous */
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

/* Fill key with 128 bits from the kernel's random source (getrandom(2)): 0, or -1 (errno
 * set) when it could not be read. No key is ever made from a guessable seed. */
int syncookie_key_init(struct syncookie_key *key);

/* Fresh current and previous keys. 0, or -1 as syncookie_key_init. */
int syncookie_keys_init(struct syncookie_keys *ks);

/* Make a new current key; the current one becomes the previous. Rotating thread only.
 * 0, or -1 (nothing changed) when no random bytes could be read. */
int syncookie_keys_rotate(struct syncookie_keys *ks);

/* The key in force for new cookies (previous false) or the one before it. Any thread. */
static inline const struct syncookie_key *syncookie_keys_get(const struct syncookie_keys *ks,
							     bool previous)
{
	uint32_t gen = __atomic_load_n(&ks->gen, __ATOMIC_ACQUIRE);

	return &ks->key[(gen + (previous ? 2u : 0u)) % 3u];
}

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
