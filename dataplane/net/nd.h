/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 Neighbour Discovery (RFC 4861) and ICMPv6 echo codec. Pure functions of the bytes,
 * so they are unit-tested on frames captured from Linux and cannot be crashed by what
 * they read; the packet path decides what to answer and where to send it.
 */
#ifndef ND_H
#define ND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>

#define ND_FRAME_MAX 128 /* room for any frame the builders write */

enum nd_kind { ND_OTHER = 0, ND_NS, ND_NA, ND_ECHO_REQUEST, ND_TOO_BIG, ND_MALFORMED };

struct nd_msg {
	enum nd_kind kind;
	uint8_t src[16], dst[16]; /* from the IPv6 header */
	uint8_t target[16];       /* NS and NA */
	bool has_lladdr;          /* source (NS) or target (NA) link-layer address option */
	struct rte_ether_addr lladdr;
	bool solicited, override; /* NA flags */
	uint8_t hop_limit;
};

/*
 * Classify the ICMPv6 message of an IPv6 packet: l3 is the IPv6 header, len the bytes
 * from it to the end of the packet (after the caller checked the IPv6 header's own length
 * fields). ND_MALFORMED for anything RFC 4861 section 7.1.1/7.1.2 says to discard silently
 * (hop limit not 255, code not 0, ICMPv6 length too short, bad checksum, target multicast,
 * an option of length 0, unspecified source with a source link-layer option or a
 * destination that is not a solicited-node address, NA to multicast with the solicited
 * flag) and for a bad echo checksum; ND_OTHER for other ICMPv6 types (router
 * advertisements etc. go to the host). Only packets whose next header is ICMPv6 (58)
 * directly (no extension headers) are parsed; others give ND_OTHER.
 * Never reads past len: a header that is not IPv6 or a payload length running past len
 * is ND_MALFORMED too. An echo request with a code other than 0 is ND_OTHER (the host
 * decides), as ICMPv4 does. A "packet too big" (type 2, code 0) or a hard destination
 * unreachable (icmp6_is_hard) with its checksum right is ND_TOO_BIG (an error the relay
 * reads what it quotes of: icmp_error.h), with a bad one ND_MALFORMED. out is always written, its kind is the value returned; src,
 * dst and hop_limit are filled whenever the IPv6 header could be read.
 */
enum nd_kind nd_parse(const uint8_t *l3, uint32_t len, struct nd_msg *out);

/* The solicited-node multicast address ff02::1:ffXX:XXXX of addr, and its Ethernet
 * group 33:33:ff:XX:XX:XX (RFC 2464: 33:33 and the group's last 32 bits). */
void nd_solicited_node(const uint8_t addr[16], uint8_t out[16]);
void nd_multicast_mac(const uint8_t group[16], struct rte_ether_addr *mac);

/* Whether addr is the unspecified address :: (an NS from it is duplicate address
 * detection), and whether it is a solicited-node group ff02::1:ff00:0/104. */
bool nd_is_unspecified(const uint8_t addr[16]);
bool nd_is_solicited_node(const uint8_t addr[16]);

/*
 * Ethernet + IPv6 + NA frame into buf (at least ND_FRAME_MAX bytes); returns its length.
 * Answer to an NS for `target` (ours): to the soliciter (dst_ip/dst_mac), or to all-nodes
 * ff02::1 (33:33:00:00:00:01) with solicited=false when the NS came from the unspecified
 * address (duplicate address detection; dst_ip is then ::, dst_mac unused, may be NULL). Sets
 * override, carries the target link-layer address option (our MAC), hop limit 255,
 * checksum filled.
 */
size_t nd_build_na(uint8_t *buf, const struct rte_ether_addr *our_mac, const uint8_t our_ip[16],
		   const struct rte_ether_addr *dst_mac, const uint8_t dst_ip[16],
		   const uint8_t target[16], bool solicited);

/* Ethernet + IPv6 + NS frame asking for `target`, from our_ip, to target's solicited-node
 * group, with our source link-layer address option; returns its length. */
size_t nd_build_ns(uint8_t *buf, const struct rte_ether_addr *our_mac, const uint8_t our_ip[16],
		   const uint8_t target[16]);

/*
 * Turn an echo request frame (Ethernet at frame[0], IPv6 after it, len bytes) into its
 * reply in place: MACs and addresses swapped (our address as source), hop limit 64,
 * type 128 -> 129 with the checksum patched incrementally (RFC 1624). For a request that
 * nd_parse called ND_ECHO_REQUEST and whose destination is our unicast address; a frame
 * too short to hold an echo request or not holding one is left as it is.
 */
void nd_echo_reply_in_place(uint8_t *frame, uint32_t len, const struct rte_ether_addr *our_mac);

#endif
