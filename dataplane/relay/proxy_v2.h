/* SPDX-License-Identifier: BSD-3-Clause */
/* PROXY protocol version 2 header (as HAProxy specifies it) that tells a backend the
 * client's address, with the TLS SNI as an authority TLV. Pure function. */
#ifndef PROXY_V2_H
#define PROXY_V2_H

#include <stddef.h>
#include <stdint.h>

#define PROXY_V2_MAX_LEN (16 + 36 + 3 + 255 + 4) /* IPv6, the longest authority, a mark */

/* Write a PROXY v2 header for a TCP/IPv4 connection from src to dst (network byte order
 * addresses and ports) with authority (may be NULL or empty) into buf. Returns its
 * length, or 0 when buf is too small. */
size_t proxy_v2_build(uint8_t *buf, size_t buflen, uint32_t src_ip, uint16_t src_port,
		      uint32_t dst_ip, uint16_t dst_port, const char *authority);

/* The same for a TCP/IPv6 connection (16-byte addresses, network-order ports). */
size_t proxy_v2_build6(uint8_t *buf, size_t buflen, const uint8_t src_ip[16], uint16_t src_port,
		       const uint8_t dst_ip[16], uint16_t dst_port, const char *authority);

/* Append to the header of len bytes in buf a TLV of type with vlen bytes of value, its
 * length field grown to match. The header's new length, or 0 when buf is too small. */
size_t proxy_v2_add_tlv(uint8_t *buf, size_t len, size_t buflen, uint8_t type,
			const void *value, uint16_t vlen);

#endif
