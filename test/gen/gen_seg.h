/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The generator's view of one TCP segment it received (options read as a Linux peer
 * would send them), and its SACK bookkeeping: the receiver's range held beyond a hole,
 * the sender's check of the blocks it is sent.
 */
#ifndef GEN_SEG_H
#define GEN_SEG_H

#include <rte_tcp.h>

#include "gen.h"

struct seg_in {
	uint8_t flags;
	uint32_t seq, ack, win;
	uint16_t mss;
	bool has_ts, sack_perm;
	uint8_t wscale;          /* 0xff: none offered */
	uint32_t tsval;
	uint8_t n_sack;          /* SACK blocks carried (edges in the peer's ack space) */
	uint32_t sack_left[4], sack_right[4];
	const uint8_t *data;
	uint32_t len;
};

/* Fields and options of the segment tcp (tcp_len bytes with payload) into s. */
void gen_seg_parse(struct rte_tcp_hdr *tcp, uint32_t tcp_len, struct seg_in *s);

/* Count s's SACK blocks, the bad ones (naming bytes h did not send, or that s itself
 * acknowledges) apart; h remembers the first good one, so a rewind resends the hole only. */
void gen_sack_check(struct gen *g, struct gen_half *h, const struct seg_in *s);

/* Bytes [off, off + len) arrived beyond a hole and were checked: h holds them (one range,
 * the one nearest the hole) and reports them in SACK blocks until the hole fills. */
void gen_sack_hold(struct gen_half *h, uint64_t off, uint32_t len);

/* h's in-order bytes reached its held range: take the range whole. */
void gen_sack_take(struct gen *g, struct gen_half *h);

#endif
