/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SYN cookies: the listener answers a SYN without keeping any state, and recognises the
 * handshake's ACK (or first data segment) from the cookie alone. The sequence number
 * carries a keyed MAC of the connection and of what the SYN asked for: the time slot's
 * parity, the MSS (rounded down to one of four per address family), the window scale
 * and SACK-permitted. They ride in the cookie itself, not in the timestamps, so a client
 * that sends no timestamps (Windows by default) still gets window scaling and SACK.
 */
#ifndef SYNCOOKIE_H
#define SYNCOOKIE_H

#include <stdbool.h>
#include <stdint.h>

#define SYNCOOKIE_PERIOD_MS 64000u  /* one time slot; cookies stay valid for two */
#define SYNCOOKIE_STALE_SLOTS 5u    /* ... and are known as expired ones up to five */
#define SYNCOOKIE_WSCALE_NONE 0xff  /* syncookie_opts.wscale: the client sent none */
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

/* The four MSS values a cookie can carry per address family (IPv4, IPv6); a client's MSS
 * is rounded down to one (to the smallest when below all). */
extern const uint16_t syncookie_mss_table[2][4];

/* What a client's SYN asked for, as a cookie carries it. */
struct syncookie_opts {
	uint16_t mss;               /* made: the client's; checked: the table's it became */
	uint8_t wscale;             /* 0..14, or SYNCOOKIE_WSCALE_NONE (anything past 14 is
				     * taken as 14, as RFC 7323 says) */
	bool sack_perm;
};

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

/* Our initial sequence number for c at time now_ms, carrying o (the SYN's options; v6:
 * the IPv6 MSS table). o->mss becomes the MSS the cookie encodes (what we may send). */
uint32_t syncookie_make(const struct syncookie_key *key, const struct syncookie_conn *c,
			uint64_t now_ms, bool v6, struct syncookie_opts *o);

/* Check cookie (our ISN, i.e. the client's ACK number minus one) for c at now_ms: true
 * with *o as the SYN asked when it is valid and at most two periods old. */
bool syncookie_check(const struct syncookie_key *key, const struct syncookie_conn *c,
		     uint64_t now_ms, bool v6, uint32_t cookie, struct syncookie_opts *o);

/* Whether cookie is ours for c but expired: made two to SYNCOOKIE_STALE_SLOTS periods
 * before now_ms (two MACs at most: the parity names half the slots). */
bool syncookie_expired(const struct syncookie_key *key, const struct syncookie_conn *c,
		       uint64_t now_ms, uint32_t cookie);

/* SipHash-2-4 of three 64-bit words: the keyed MAC the cookie carries. */
uint64_t syncookie_siphash(const struct syncookie_key *key, uint64_t a, uint64_t b, uint64_t c);

#endif
