/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TCP the relay speaks on a flow's sides, shared by the modules of every flow state
 * (hello, connect, splice, binds, checks, DNS over TCP): checksums, windows, ISNs, the
 * segments the relay makes itself, and a flow's start and end. Worker lcores only.
 */
#ifndef RELAY_TCP_H
#define RELAY_TCP_H

#include <stdbool.h>
#include <stdint.h>

#include "neigh.h"
#include "relay.h"

/* A free flow entry, expiring life_ms from now; NULL when the table is full. */
struct flow *relay_flow_alloc(struct dp_worker *w, uint32_t life_ms);

/* On a full table, the closed flow whose entry a new connection may take: the one due
 * soonest; NULL when none is found. Nothing changes. */
struct flow *relay_flow_closed_soonest(struct dp_worker *w);

/* closed (from relay_flow_closed_soonest) ended and its entry taken anew, expiring
 * life_ms from now (counted flow_reclaimed). For a connection already admitted: what it
 * ends is not given back. */
struct flow *relay_flow_reclaim(struct dp_worker *w, struct flow *closed, uint32_t life_ms);

/* For the relay's own connections (health checks, TURN binds), which no per-client limit
 * applies to: a free entry, else the entry of the closed flow due soonest (ended, counted
 * flow_reclaimed); NULL when there is neither. Expires life_ms from now. */
struct flow *relay_flow_take(struct dp_worker *w, uint32_t life_ms);

/* Send m to the peer of side dir of f, resolving its MAC first when not known yet. */
void relay_send_side(struct dp_worker *w, struct flow *f, enum flow_dir dir, struct rte_mbuf *m);

/* Each neighbour in moved[0..n) went from its MAC from to to (the neighbour cache saw
 * it): every flow side sent to from for that next hop follows, those that only receive
 * too. One walk of the flows in use for all n: the caller's housekeeping, a rare event. */
void relay_hops_moved(struct dp_worker *w, const struct dp_neigh_moved *moved, unsigned int n);

/* An accepted segment of side dir came from MAC `from`, not the side's: the side takes it
 * when the neighbour cache holds it for the side's next hop (a router that failed over, a
 * peer on another NIC), counted hop_followed; else hop_unconfirmed, and the cache is
 * asked, so a real move is confirmed by a later segment. One segment from anyone on the
 * link moves nothing the cache would not. */
void relay_follow_mac(struct dp_worker *w, struct flow *f, enum flow_dir dir,
		      const struct rte_ether_addr *from);

/* The initial sequence number of side dir of f (its addresses and ports set), RFC 6528:
 * a keyed hash of the connection plus a clock, unguessable off the path. */
uint32_t relay_isn(const struct dp_worker *w, const struct flow *f, enum flow_dir dir);

/* Open side dir of f: a SYN from its local ISN with these options (timestamps from the
 * side's clock), sent once the peer's MAC is known. false when out of mbufs. */
bool relay_send_syn(struct dp_worker *w, struct flow *f, enum flow_dir dir, uint16_t mss,
		    uint8_t wscale, bool sack, bool ts);

/* SND.UNA towards side dir of a spliced flow, in that side's space, where the other
 * side's ACKs put it: what dir's peer acknowledged of the bytes it was relayed. */
static inline uint32_t relay_una(const struct flow *f, enum flow_dir dir)
{
	return dir == FLOW_DIR_CLIENT ? f->b.acked + f->seq_b2c : f->c.acked + f->seq_c2b;
}

/* relay_una, or while the relay's own stream goes to the backend, what the backend
 * acknowledged of it. */
static inline uint32_t relay_una_kept(const struct flow *f, enum flow_dir dir)
{
	return dir == FLOW_DIR_BACKEND && f->keeps_stream ? f->b_seq.local_isn + 1 + f->b_una
							  : relay_una(f, dir);
}

/* f's member's health slot while it still follows the member f connected to, else
 * HEALTH_NONE (no slot: reports go nowhere). Read before the backend side is forgotten. */
uint32_t relay_member_slot(const struct dp_worker *w, const struct flow *f);

/* A byte of f's member reached its client (f->member_owed was set): its health hears of
 * the success, once. */
void relay_member_answered(struct dp_worker *w, struct flow *f);

/* Reset the chosen sides of f (a spliced side at both ends of what it may have received,
 * so one RST is exact), count `reason` (a dp_drop, or 0), and release it. */
void relay_abort(struct dp_worker *w, struct flow *f, bool rst_client, bool rst_backend,
		 enum dp_drop reason);

/* Pure ACK from the relay to the client (pre-splice), acknowledging c_rcv_nxt. */
void relay_ack_client(struct dp_worker *w, struct flow *f);

/* In SYN-SENT towards side dir, s is an ACK of something other than our SYN: the peer
 * still holds an older connection on this 4-tuple (after a restart of ours). Reset that
 * one with a RST at s's acknowledgement (RFC 9293 3.10.7.3), so that the SYN the caller
 * sends again is answered. s stays the caller's. */
void relay_reset_stale(struct dp_worker *w, const struct flow *f, enum flow_dir dir,
		       const struct relay_seg *s);

/* Pure ACK to the peer of side dir: seq and ack in its space, our window and timestamps. */
void relay_ack_side(struct dp_worker *w, struct flow *f, enum flow_dir dir, uint32_t seq,
		    uint32_t ack);

/* Whether s's TCP checksum is right (s->sum_ok: found so already; else the NIC's verdict
 * where it gives one, else summed), on port p. */
bool relay_seg_checksum_ok(const struct dp_port *p, const struct relay_seg *s);

/* Whether m's TCP checksum is known right without summing it: port p's NIC said so (a
 * partial one was made whole as it arrived: dp_rx_sum.h). A checksum is made anew (by the
 * NIC's offload) only then: made for a segment that came corrupted, it would vouch for the
 * corrupted bytes, where a patched one stays wrong. */
static inline bool relay_sum_vouched(const struct dp_port *p, const struct rte_mbuf *m)
{
	return p->caps.rx_l4_cksum &&
	       (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_GOOD;
}

/* Whether m carries a NIC's verdict that its L4 checksum is wrong: the flag alone, for a
 * caller that asked its port once whether it judges sums (caps.rx_l4_cksum). */
static inline bool relay_sum_flagged_bad(const struct rte_mbuf *m)
{
	return (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_BAD;
}

/* Whether port p's NIC found m's TCP checksum wrong (false where it judges none). */
static inline bool relay_sum_refuted(const struct dp_port *p, const struct rte_mbuf *m)
{
	return p->caps.rx_l4_cksum && relay_sum_flagged_bad(m);
}

/* The receive window (field value) the relay advertises on side `to`. */
uint16_t relay_window(const struct flow *f, enum flow_dir to);

/* End f, whose time ran out, as its state says: a hello, connect or bind is refused and
 * its client reset, a spliced flow idle (or never fully closed) is reset both ways and
 * logged, a closed one released. Not for health checks: their module ends them. */
void relay_flow_expire(struct dp_worker *w, struct flow *f);

#endif
