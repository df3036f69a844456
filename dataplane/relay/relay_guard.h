/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a segment must be before it may change a flow (RFC 5961, as the relay in the middle
 * sees both ends): a RST only at exactly the sequence number the other end expects (what
 * it acknowledged, or all its sender sent: a delayed ACK lies between the two), a SYN
 * never once the connection is synchronized, data and acknowledgements only inside the
 * windows the ends advertised. Segments that would end, open or free something have their
 * checksum verified first. A refused RST or SYN inside the window gets a challenge ACK,
 * rate-limited per worker (at most relay.challenge_acks a second, the ration drawn anew
 * each second): a peer in sync answers it with an exact RST, a blind one learns nothing.
 * Worker lcores only.
 */
#ifndef RELAY_GUARD_H
#define RELAY_GUARD_H

#include <stdbool.h>
#include <stdint.h>

#include "mr_bytes.h"
#include "relay.h"
#include "relay_tcp.h"

enum relay_guard {
	GUARD_PASS = 0,     /* forward it */
	GUARD_DROP,         /* drop it, counted by *why */
	GUARD_CHALLENGE,    /* drop it, counted by *why, and challenge its sender */
};

/* The two ends' windows as the splice starts: what each has acknowledged of the other
 * and the windows they offered so far (backend_win: its SYN-ACK's, unscaled). */
void relay_guard_start(struct flow *f, uint32_t backend_win);

/* RFC 793's acceptability, as wide as the receiver ever allowed: the segment overlaps
 * [acked - max_win, acked + max_win), and one without data may sit at the right edge
 * (a sender whose window is full acknowledging the other way: Linux and BSD take it).
 * Old retransmissions (an ACK lost after the relay) and keep-alives fall inside; a blind
 * guess mostly does not. */
static inline bool relay_guard_seq_ok(uint32_t seq, uint32_t len, uint32_t acked,
				      uint32_t max_win)
{
	/* One unsigned comparison: windows stay below 2^30 (65535 << 14). */
	return seq + len - (acked - max_win) < 2 * max_win + len + (len == 0);
}

/* The windows alone (RFC 5961 section 5 for the acknowledgement: SND.UNA - MAX.SND.WND <=
 * SEG.ACK <= SND.NXT, in the sender's space: nobody acknowledges what it was never sent).
 * A segment without ACK fails: once synchronized, only a RST or a SYN may lack it (RFC 9293
 * 3.10.7.4), and one that passed would move what the relay counts as sent, the mark an
 * exact RST is judged by. una: SND.UNA of the side s acknowledges, in s's ACK space. */
static inline bool relay_guard_window_ok_una(const struct flow *f, enum flow_dir dir,
					     const struct relay_seg *s, uint32_t una)
{
	bool from_client = dir == FLOW_DIR_CLIENT;
	const struct flow_side *in = from_client ? &f->c : &f->b;
	const struct flow_side *out = from_client ? &f->b : &f->c;
	uint32_t snd_nxt = from_client ? f->c_snd_nxt : f->b_snd_nxt;
	uint32_t oldest = una - in->max_win;

	return (s->flags & RTE_TCP_ACK_FLAG) &&
	       relay_guard_seq_ok(s->seq, s->payload_len, in->acked, out->max_win) &&
	       s->ack - oldest <= snd_nxt - oldest;
}

/* relay_guard_window_ok_una with SND.UNA where the other side's ACKs put it. */
static inline bool relay_guard_window_ok(const struct flow *f, enum flow_dir dir,
					 const struct relay_seg *s)
{
	return relay_guard_window_ok_una(f, dir, s, relay_una(f, dir));
}

/* Why a segment relay_guard_window_ok refused is dropped: no ACK at all, or outside. */
static inline enum dp_drop relay_guard_window_drop(const struct relay_seg *s)
{
	return (s->flags & RTE_TCP_ACK_FLAG) ? DP_DROP_tcp_out_of_window : DP_DROP_tcp_no_ack;
}

/* The verdict on segments that would end, open or free something (out of line). */
enum relay_guard relay_guard_state(struct dp_worker *w, const struct flow *f,
				   enum flow_dir dir, const struct relay_seg *s,
				   enum dp_drop *why);

/* The verdict on s from side dir of a spliced (or closing) flow; *why is set for a drop.
 * Plain data and ACKs are checked here, inline: they are every spliced segment. */
static inline enum relay_guard relay_guard_spliced(struct dp_worker *w, const struct flow *f,
						   enum flow_dir dir, const struct relay_seg *s,
						   enum dp_drop *why)
{
	if (unlikely(s->flags & (RTE_TCP_SYN_FLAG | RTE_TCP_RST_FLAG | RTE_TCP_FIN_FLAG)) ||
	    unlikely(dir == FLOW_DIR_BACKEND && f->keeps_stream && (s->flags & RTE_TCP_ACK_FLAG)))
		return relay_guard_state(w, f, dir, s, why);
	if (likely(relay_guard_window_ok(f, dir, s)))
		return GUARD_PASS;
	*why = relay_guard_window_drop(s);
	return GUARD_DROP;
}

/* Whether a side's MAC and a frame's source MAC differ: each read as one 8-byte word that
 * ends with it, the two bytes before it (the side's port and flags, the frame's
 * destination) shifted out. Every spliced segment asks, so two loads, not six. */
static inline bool relay_guard_mac_moved(const struct flow_side *in,
					 const struct rte_ether_hdr *eth)
{
	uint64_t side_word, frame_word;

	RTE_BUILD_BUG_ON(offsetof(struct flow_side, peer_mac) < 2 ||
			 offsetof(struct rte_ether_hdr, src_addr) < 2);
	memcpy(&side_word, (const uint8_t *)&in->peer_mac - 2, 8);
	memcpy(&frame_word, (const uint8_t *)&eth->src_addr - 2, 8);
	return (rte_le_to_cpu_64(side_word ^ frame_word) >> 16) != 0;
}

/* The window segment s from side `in` advertises, in bytes (its field shifted by the
 * side's scale). */
static inline uint32_t relay_guard_win_bytes(const struct flow_side *in,
					     const struct relay_seg *s)
{
	return (uint32_t)mr_load_be16(&s->tcp->rx_win) << in->peer_wscale;
}

/* What an accepted segment from side dir tells: what its sender acknowledged of the other
 * end's bytes (acked: s->ack in the other side's sequence space), its window (win, from
 * relay_guard_win_bytes), its timestamp. Both are the caller's, which translates them
 * too. True when it came from another MAC than the side's (the caller asks
 * relay_follow_mac whether to take it). */
static inline bool relay_guard_learn(struct flow *f, enum flow_dir dir,
				     const struct relay_seg *s, uint32_t acked, uint32_t win)
{
	bool from_client = dir == FLOW_DIR_CLIENT;
	struct flow_side *in = from_client ? &f->c : &f->b;
	struct flow_side *out = from_client ? &f->b : &f->c;

	if ((s->flags & RTE_TCP_ACK_FLAG) && seq_lt(out->acked, acked))
		out->acked = acked;
	if (win > in->max_win)
		in->max_win = win;
	in->ts_recent = s->opts.tsval; /* 0 without timestamps: then never echoed */
	/* Another MAC than the side's: the caller asks the neighbour cache whether the side's
	 * next hop moved there (a router's failover), relay_follow_mac. */
	return relay_guard_mac_moved(in, s->eth);
}

/* A challenge ACK to the peer of side dir: our next sequence number towards it and `ack`,
 * the point up to which its bytes are taken. Within the worker's rate; counted. */
void relay_challenge(struct dp_worker *w, struct flow *f, enum flow_dir dir, uint32_t ack);

/* Whether one more answer of ration r may go this second (relay.challenge_acks a second at
 * most, the ration drawn anew each second between half that and that); counts it if so. */
bool relay_ration_take(struct dp_worker *w, struct dp_ration *r);

#endif
