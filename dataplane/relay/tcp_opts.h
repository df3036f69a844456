/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP header options and checksum arithmetic shared by the relay modules. Pure functions
 * on bytes: unit-tested without ports.
 */
#ifndef TCP_OPTS_H
#define TCP_OPTS_H

#include <stdbool.h>
#include <stdint.h>

#define TCP_OPT_EOL 0
#define TCP_OPT_NOP 1
#define TCP_OPT_MSS 2
#define TCP_OPT_WSCALE 3
#define TCP_OPT_SACK_PERM 4
#define TCP_OPT_SACK 5
#define TCP_OPT_TS 8

#define TCP_WSCALE_NONE 0xff
#define TCP_MAX_SACK_BLOCKS 4

/* What a segment's options say; offsets are from the start of the TCP header so the
 * fields can be rewritten in place. */
struct tcp_opts {
	uint16_t mss;          /* 0: absent */
	uint8_t wscale;        /* TCP_WSCALE_NONE: absent */
	bool sack_perm;
	bool has_ts;
	uint32_t tsval, tsecr;
	uint8_t ts_off;        /* of the TSval field */
	uint8_t sack_off;      /* of the first SACK block */
	uint8_t sack_blocks;
};

/* Parse the options of a TCP header of hdr_len bytes. false when malformed (an option
 * running past the header, bad lengths); true otherwise, with absent options zeroed. */
bool tcp_opts_parse(const uint8_t *tcp_hdr, unsigned int hdr_len, struct tcp_opts *out);

/* Write SYN options (MSS, then SACK-permitted+timestamps and window scale where asked)
 * into buf; returns the length, a multiple of 4, at most 20. */
unsigned int tcp_opts_write_syn(uint8_t *buf, uint16_t mss, uint8_t wscale, bool sack_perm,
				bool ts, uint32_t tsval, uint32_t tsecr);

/* Write NOP,NOP,TS (12 bytes) into buf; returns 12. */
unsigned int tcp_opts_write_ts(uint8_t *buf, uint32_t tsval, uint32_t tsecr);

/* Sequence-space comparisons (RFC 793 modular arithmetic). */
static inline bool seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool seq_leq(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }

#endif
