/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv4/IPv6 addresses and prefixes as the classifier stores them. */
#ifndef MR_IP_ADDR_H
#define MR_IP_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IP_ADDR_FAMILY_V4 4
#define IP_ADDR_FAMILY_V6 6

/* Network byte order; an IPv4 address uses bytes[0..3] and leaves the rest zero. */
struct ip_addr {
	uint8_t family;
	uint8_t bytes[16];
};

/* Address 10.1.2.3 from a host-order 0x0a010203. */
struct ip_addr ip_addr_v4(uint32_t host_order);

/* Address from 16 network-order bytes; an IPv4-mapped ::ffff:a.b.c.d becomes plain IPv4. */
struct ip_addr ip_addr_v6(const uint8_t bytes[16]);

/* True when both have the same family and bytes. */
bool ip_addr_equal(const struct ip_addr *a, const struct ip_addr *b);

/* True when the first prefix_len bits of addr and prefix (network order bytes, at least
 * prefix_len bits long) are the same: the one prefix test of the whole tree. */
bool ip_bytes_in_prefix(const uint8_t *addr, const uint8_t *prefix, unsigned prefix_len);

/* True when addr lies in prefix/prefix_len of the same family (prefix_len above the
 * family's width never matches). */
bool ip_addr_in_prefix(const struct ip_addr *addr, const struct ip_addr *prefix,
		       unsigned prefix_len);

/* An address no relayed connection may go to, whatever an allow-list says: unspecified,
 * loopback, link-local (169.254/16 holds clouds' metadata services; fe80::/10 names no
 * one link), multicast, the limited broadcast, class E (IPv4), and the IPv6 forms that
 * carry an IPv4 address inside (compatible ::a.b.c.d, NAT64 64:ff9b::/96 and
 * 64:ff9b:1::/48, 6to4 2002::/16, Teredo 2001::/32), which would reach it around the
 * IPv4 allow-list. */
bool ip_addr_is_special(const struct ip_addr *addr);

/* An address no single host has: unspecified (0/8, ::), multicast, class E and the limited
 * broadcast. Loopback is a host's (a test rig's peers may be there). */
bool ip_addr_is_no_host(const struct ip_addr *addr);

/* Whether addr is the network or the broadcast address of prefix/len (IPv4 prefixes of
 * /30 and shorter; /31, /32 and IPv6 have neither). */
bool ip_addr_is_prefix_edge(const struct ip_addr *addr, const struct ip_addr *prefix,
			    unsigned prefix_len);

/* Parses exactly len bytes "a<sep>b<sep>c<sep>d": decimal octets 0..255 with no leading
 * zeros, signs or other bases. Returns false on any defect. */
bool ip_addr_parse_v4(const char *text, size_t len, char sep, struct ip_addr *out);

/* Parses exactly len bytes of IPv6 as 1..4-digit hex groups split by sep, one doubled sep
 * standing for a run of zero groups; no embedded dotted quad, no zone. An IPv4-mapped
 * result is returned as plain IPv4. Returns false on any defect. */
bool ip_addr_parse_v6(const char *text, size_t len, char sep, struct ip_addr *out);

/* Dotted IPv4 or ':'-separated IPv6 in a NUL-terminated string (for configs and tests). */
bool ip_addr_parse(const char *text, struct ip_addr *out);

/* Writes "a.b.c.d" or full-form hex IPv6 into buf (at least 40 bytes); returns buf. */
char *ip_addr_format(const struct ip_addr *addr, char *buf, size_t buf_len);

#endif
