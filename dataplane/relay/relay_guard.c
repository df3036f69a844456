/* SPDX-License-Identifier: BSD-3-Clause */
#include "relay_guard.h"

#include <rte_random.h>

#include "relay_tcp.h"

void relay_guard_start(struct flow *f, uint32_t backend_win)
{
	/* The relay acknowledged the client's kept bytes itself; the backend's first byte
	 * follows its SYN. */
	f->c.acked = f->c_rcv_nxt;
	f->b.acked = f->b_seq.peer_isn + 1;
	f->c.max_win = RTE_MAX(f->c_win, 1u);
	f->b.max_win = RTE_MAX(backend_win, 1u);
}

enum relay_guard relay_guard_state(struct dp_worker *w, const struct flow *f,
				   enum flow_dir dir, const struct relay_seg *s,
				   enum dp_drop *why)
{
	const struct flow_side *in = dir == FLOW_DIR_CLIENT ? &f->c : &f->b;
	const struct flow_side *out = dir == FLOW_DIR_CLIENT ? &f->b : &f->c;

	if (!relay_seg_checksum_ok(&w->app->ports[in->port], s)) {
		*why = DP_DROP_tcp_checksum;
		return GUARD_DROP;
	}
	if (s->flags & RTE_TCP_SYN_FLAG) {
		*why = DP_DROP_syn_in_window;
		return GUARD_CHALLENGE;
	}
	if (s->flags & RTE_TCP_RST_FLAG) {
		/* The receiver's RCV.NXT lies between what it acknowledged and what the sender
		 * sent (a delayed ACK): a RST at either end is exact. A sender resets at its
		 * SND.NXT; after a challenge, at what the challenge acknowledged. */
		uint32_t sent = dir == FLOW_DIR_CLIENT ? f->b_snd_nxt - f->seq_c2b
						       : f->c_snd_nxt - f->seq_b2c;

		if (s->seq == in->acked || s->seq == sent)
			return GUARD_PASS;
		*why = DP_DROP_rst_not_exact;
		return relay_guard_seq_ok(s->seq, 0, in->acked, out->max_win) ? GUARD_CHALLENGE
									      : GUARD_DROP;
	}
	/* While the relay's own stream goes to the backend, SND.UNA there is what the
	 * backend acknowledged of it, not the stream's end: a stream sent beyond the
	 * backend's first window is acknowledged a window at a time. */
	if (relay_guard_window_ok_una(f, dir, s, relay_una_kept(f, dir)))
		return GUARD_PASS;
	*why = relay_guard_window_drop(s);
	return GUARD_DROP;
}

bool relay_ration_take(struct dp_worker *w, struct dp_ration *r)
{
	uint64_t second = w->now_ms / 1000;

	if (second != r->second) {
		uint32_t limit = w->app->conf->relay.challenge_acks;

		/* Each second's ration is drawn between half the limit and the limit: with a
		 * fixed one, a client of its own could count the answers it gets back and
		 * learn from the shortfall whether its spoofed probes hit another connection
		 * (CVE-2016-5696, the same side channel in Linux). */
		r->second = second;
		r->sent = 0;
		r->budget = limit - (uint32_t)rte_rand_max(limit / 2 + 1);
	}
	if (r->sent >= r->budget)
		return false;
	r->sent++;
	return true;
}

void relay_challenge(struct dp_worker *w, struct flow *f, enum flow_dir dir, uint32_t ack)
{
	if (!relay_ration_take(w, &w->challenge))
		return dp_event(w, DP_EV_challenge_ack_limited);
	dp_event(w, DP_EV_challenge_ack_out);
	relay_ack_side(w, f, dir, dir == FLOW_DIR_CLIENT ? f->c_snd_nxt : f->b_snd_nxt, ack);
}
