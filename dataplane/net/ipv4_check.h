/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 header validation for frames addressed to the appliance. Pure function of the
 * bytes, so it is unit-tested without ports and cannot be crashed by what it reads.
 */
#ifndef IPV4_CHECK_H
#define IPV4_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_mbuf_core.h>

#include "csum_delta.h"
#include "dp_counters.h"

/* Whether a 20-byte IPv4 header (no options) at l3 sums to 0xffff. Added as two 64-bit
 * words and one 32-bit word in memory order, each carry out of bit 63 brought back in at
 * bit 0 (RFC 1071: order does not matter, and 2^16, hence 2^64, is 1): three loads held
 * in registers, a fraction of the generic 16-bit loop; inline for the splice's per-burst
 * check. */
static inline bool ipv4_sum20_ok(const void *l3)
{
	uint64_t w0, w1, sum, carry;
	uint32_t w2;

	memcpy(&w0, l3, 8);
	memcpy(&w1, (const uint8_t *)l3 + 8, 8);
	memcpy(&w2, (const uint8_t *)l3 + 16, 4);
	/* Each carry added right back: after a carry out the sum is at most 2^64 - 2, so
	 * adding it cannot carry again. Taken from the overflow test, the compiler makes it
	 * an add with carry (a compare with the operand cost three more instructions). */
	carry = __builtin_add_overflow(w0, w1, &sum);
	sum += carry;
	carry = __builtin_add_overflow(sum, (uint64_t)w2, &sum);
	sum += carry;
	return csum_fold64(sum) == 0xffff;
}

/* How the NIC already judged the header checksum (from mbuf ol_flags). */
enum ipv4_csum_hint {
	IPV4_CSUM_UNKNOWN = 0, /* verify in software */
	IPV4_CSUM_GOOD,
	IPV4_CSUM_BAD,
};

/* The hint from a frame's receive flags, when its port checks IPv4 header sums at all. */
static inline enum ipv4_csum_hint ipv4_csum_hint_of(bool nic_checks, uint64_t ol_flags)
{
	uint64_t f = ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;

	if (!nic_checks)
		return IPV4_CSUM_UNKNOWN;
	if (f == RTE_MBUF_F_RX_IP_CKSUM_GOOD)
		return IPV4_CSUM_GOOD;
	if (f == RTE_MBUF_F_RX_IP_CKSUM_BAD)
		return IPV4_CSUM_BAD;
	return IPV4_CSUM_UNKNOWN;
}

/*
 * Validate the header at l3, of which l3_len bytes are present in the frame.
 * Returns DP_DROP_none when the packet may be processed, else the drop reason.
 * Source and destination policy (martians, not-for-us) is left to the caller.
 */
enum dp_drop ipv4_check_header(const uint8_t *l3, uint32_t l3_len, enum ipv4_csum_hint hint);

/* Source addresses no packet may carry (host byte order): 0/8, loopback, multicast, class E. */
int ipv4_is_martian_source(uint32_t src);

/* Whether addr is the limited broadcast or the directed broadcast of the subnet of own
 * under netmask (host byte order): 10.1.2.255 is an ordinary host of 10.1.0.0/16 when
 * own's subnet is another one. A /31 (RFC 3021) or a /32 has none: both addresses of a
 * /31 are hosts, the peer's too. */
static inline bool ipv4_is_broadcast_in(uint32_t addr, uint32_t own, uint32_t netmask)
{
	return addr == 0xffffffffu ||
	       (~netmask > 1 && ((addr ^ own) & netmask) == 0 &&
		(addr & ~netmask) == ~netmask);
}

#endif
