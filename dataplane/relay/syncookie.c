/* SPDX-License-Identifier: BSD-3-Clause */
#include "syncookie.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <rte_common.h>

/* Common MSS values, each family's rounded down to: the minimum, a tunnel's or IPv6's
 * minimum MTU's, PPPoE's (IPv4) or WireGuard's (IPv6), Ethernet's. A value between two is
 * never rounded up: a peer's MSS is a limit. */
const uint16_t syncookie_mss_table[2][4] = { { 536, 1220, 1440, 1460 },
					     { 536, 1220, 1360, 1440 } };

/* Cookie layout: [31] time slot parity, [30..29] MSS index, [28..25] window scale (15:
 * none), [24] SACK-permitted, [23..0] MAC over all of them and the whole slot. Only the
 * last two slots are taken, so their parity names the slot; 24 bits of MAC leave a blind
 * ACK one chance in 16.7 million, as Linux's and FreeBSD's cookies do. */
#define SLOT_SHIFT 31
#define MSS_SHIFT 29
#define WSCALE_SHIFT 25
#define SACK_BIT (1u << 24)
#define MAC_MASK 0x00ffffffu
#define OPTS_MASK (~MAC_MASK & ~(1u << SLOT_SHIFT)) /* MSS, window scale, SACK */

int syncookie_key_init(struct syncookie_key *key)
{
	uint64_t words[2];
	ssize_t n;

	do
		n = getrandom(words, sizeof(words), 0);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(words)) {
		if (n >= 0)
			errno = EIO;
		return -1;
	}
	key->k0 = words[0];
	key->k1 = words[1];
	return 0;
}

int syncookie_keys_init(struct syncookie_keys *ks)
{
	memset(ks, 0, sizeof(*ks));
	return syncookie_key_init(&ks->key[0]) < 0 || syncookie_key_init(&ks->key[2]) < 0 ? -1 : 0;
}

int syncookie_keys_rotate(struct syncookie_keys *ks)
{
	uint32_t gen = ks->gen; /* this thread is the only writer */

	if (syncookie_key_init(&ks->key[(gen + 1) % 3]) < 0)
		return -1;
	__atomic_store_n(&ks->gen, gen + 1, __ATOMIC_RELEASE);
	return 0;
}

static inline uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

#define SIPROUND(v0, v1, v2, v3)                                                            \
	do {                                                                                  \
		v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);                     \
		v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;                                        \
		v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;                                        \
		v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);                     \
	} while (0)

uint64_t syncookie_siphash(const struct syncookie_key *key, uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t v0 = key->k0 ^ 0x736f6d6570736575ull, v1 = key->k1 ^ 0x646f72616e646f6dull;
	uint64_t v2 = key->k0 ^ 0x6c7967656e657261ull, v3 = key->k1 ^ 0x7465646279746573ull;
	const uint64_t words[4] = { a, b, c, (uint64_t)24 << 56 };

	for (int i = 0; i < 4; i++) {
		v3 ^= words[i];
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= words[i];
	}
	v2 ^= 0xff;
	for (int i = 0; i < 4; i++)
		SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

struct syncookie_conn syncookie_conn6(const struct syncookie_key *key, const uint8_t client[16],
				      const uint8_t local[16], uint16_t client_port,
				      uint16_t local_port, uint32_t client_isn)
{
	uint64_t c_hi, c_lo, l_hi, l_lo, h;

	memcpy(&c_hi, client, 8);
	memcpy(&c_lo, client + 8, 8);
	memcpy(&l_hi, local, 8);
	memcpy(&l_lo, local + 8, 8);
	/* Our own addresses are few and known: folding the local one by XOR loses nothing
	 * an attacker could use. The client's goes whole into the keyed hash. */
	h = syncookie_siphash(key, c_hi, c_lo, l_hi ^ (l_lo << 1 | l_lo >> 63));
	return (struct syncookie_conn){ .client_ip = (uint32_t)h, .local_ip = (uint32_t)(h >> 32),
					.client_port = client_port, .local_port = local_port,
					.client_isn = client_isn };
}

/* The MAC of c in slot with the option bits opts (the cookie's bits 30..24). */
static uint32_t cookie_mac(const struct syncookie_key *key, const struct syncookie_conn *c,
			   uint64_t slot, uint32_t opts)
{
	uint64_t a = (uint64_t)c->client_ip << 32 | c->local_ip;
	uint64_t b = (uint64_t)c->client_port << 48 | (uint64_t)c->local_port << 32 | c->client_isn;

	return (uint32_t)syncookie_siphash(key, a, b, slot << 8 | opts >> 24) & MAC_MASK;
}

uint32_t syncookie_make(const struct syncookie_key *key, const struct syncookie_conn *c,
			uint64_t now_ms, bool v6, struct syncookie_opts *o)
{
	const uint16_t *table = syncookie_mss_table[v6];
	uint64_t slot = now_ms / SYNCOOKIE_PERIOD_MS;
	unsigned int idx = 0, ws;
	uint32_t opts;

	for (unsigned int i = 0; i < 4; i++)
		if (o->mss >= table[i])
			idx = i;
	o->mss = table[idx];
	ws = o->wscale == SYNCOOKIE_WSCALE_NONE ? 15u : RTE_MIN(o->wscale, 14u);
	opts = idx << MSS_SHIFT | ws << WSCALE_SHIFT | (o->sack_perm ? SACK_BIT : 0);
	return (uint32_t)(slot & 1) << SLOT_SHIFT | opts | cookie_mac(key, c, slot, opts);
}

bool syncookie_expired(const struct syncookie_key *key, const struct syncookie_conn *c,
		       uint64_t now_ms, uint32_t cookie)
{
	uint64_t now_slot = now_ms / SYNCOOKIE_PERIOD_MS;
	uint32_t opts = cookie & OPTS_MASK;

	for (uint64_t age = 2; age <= SYNCOOKIE_STALE_SLOTS && age <= now_slot; age++) {
		uint64_t slot = now_slot - age;

		if ((slot & 1) == cookie >> SLOT_SHIFT &&
		    cookie_mac(key, c, slot, opts) == (cookie & MAC_MASK))
			return true;
	}
	return false;
}

bool syncookie_check(const struct syncookie_key *key, const struct syncookie_conn *c,
		     uint64_t now_ms, bool v6, uint32_t cookie, struct syncookie_opts *o)
{
	uint64_t now_slot = now_ms / SYNCOOKIE_PERIOD_MS;
	uint32_t opts = cookie & OPTS_MASK;
	unsigned int ws = (opts >> WSCALE_SHIFT) & 15;

	/* The parity names one of the last two slots. */
	for (uint64_t age = 0; age < 2 && age <= now_slot; age++) {
		uint64_t slot = now_slot - age;

		if ((slot & 1) != cookie >> SLOT_SHIFT ||
		    cookie_mac(key, c, slot, opts) != (cookie & MAC_MASK))
			continue;
		o->mss = syncookie_mss_table[v6][opts >> MSS_SHIFT & 3];
		o->wscale = ws == 15 ? SYNCOOKIE_WSCALE_NONE : (uint8_t)ws;
		o->sack_perm = (opts & SACK_BIT) != 0;
		return true;
	}
	return false;
}
