/* SPDX-License-Identifier: BSD-3-Clause */
#include "health_check.h"

#include <rte_random.h>

#include "health.h"
#include "relay_live.h"
#include "relay_ports.h"
#include "relay_tcp.h"
#include "tcp_out.h"
#include "tls_hello.h"

/* The check's connection, which the member accepted, reset. */
static void check_reset(struct dp_worker *w, const struct flow *f)
{
	tcp_out_rst_reply(w, &w->app->ports[f->b.port], &f->b.key,
			  relay_addr6(w, f, FLOW_DIR_BACKEND), &f->b.peer_mac, f->b_snd_nxt, 0,
			  false);
}

static void finish(struct dp_worker *w, struct flow *f, bool passed, const char *why)
{
	struct relay_health *h = w->app->health;
	/* HEALTH_NONE once a reload gave the slot to another member meanwhile: what this
	 * check found is not that member's. */
	uint32_t slot = relay_member_slot(w, f);

	if (f->state == FLOW_CHECK_TLS || (passed && f->state == FLOW_CHECK))
		check_reset(w, f);
	dp_event(w, passed ? DP_EV_check_passed : DP_EV_check_failed);
	flow_release(w->flows, f);
	if (h && slot < h->capacity) {
		const struct relay_live *live = relay_live_get(w->app);

		health_check_result(h, live, slot, health_group_of(h, live, slot), passed, why,
				    w->now_ms);
	}
}

/* A check due not opened for want of a flow entry or a source port: counted, and tried
 * again this soon rather than an interval later (a member down would else stay down as
 * long as the table stays full). Neither says anything of the member. */
#define CHECK_RETRY_MS 100u

static bool check_not_sent(struct dp_worker *w, uint32_t slot)
{
	struct health_slot *s = &w->app->health->slots[slot];

	dp_event(w, DP_EV_check_not_sent);
	s->next_check_ms = RTE_MIN(s->next_check_ms, w->now_ms + CHECK_RETRY_MS);
	return false;
}

/* The check's SYN: the port's MTU for its MSS, no other option. false when out of mbufs. */
static bool check_syn(struct dp_worker *w, struct flow *f)
{
	uint16_t mss = (uint16_t)(w->app->ports[f->b.port].caps.mtu - relay_l3l4_len(f->b.v6));

	return relay_send_syn(w, f, FLOW_DIR_BACKEND, mss, TCP_WSCALE_NONE, false, false);
}

/* Open a check of addr:port (health slot slot, checked as hc says) from worker w. false
 * when it was not sent: no route (a failed check), or no flow entry or source port
 * (check_not_sent). */
static bool check_start(struct dp_worker *w, const struct ip_addr *addr, uint16_t port,
		       uint32_t slot, const struct mr_health_conf *hc)
{
	struct relay_health *h = w->app->health;
	/* Its own expiry is a backstop: the scan ends it at its deadline first. */
	struct flow *f = relay_flow_take(w, 2 * hc->timeout_ms + 1000);

	if (!f)
		return check_not_sent(w, slot);
	f->member = slot;
	if (!relay_backend_side_set(w, f, addr)) {
		flow_release(w->flows, f);
		dp_event(w, DP_EV_check_failed); /* as every failed check is counted */
		health_check_result(h, relay_live_get(w->app), slot, h->slots[slot].pool, false,
				    "no route to it", w->now_ms);
		return false;
	}
	f->b.key.peer_port = rte_cpu_to_be_16(port);
	/* A pool member's check may come from the port's source addresses, as its
	 * connections do (so it is still checked when one address is full); a gateway's comes
	 * from the port's own address, which its TURN server knows. */
	if (!relay_pick_source_port(w, f, FLOW_DIR_BACKEND,
				    h->slots[slot].pool < relay_live_get(w->app)->conf.n_pools) ||
	    flow_key_add(w->flows, f, FLOW_DIR_BACKEND) < 0) {
		f->b.key.peer_port = 0;
		flow_release(w->flows, f);
		return check_not_sent(w, slot);
	}
	f->state = FLOW_CHECK;
	f->b_seq.local_isn = relay_isn(w, f, FLOW_DIR_BACKEND);
	f->b_snd_nxt = f->b_seq.local_isn + 1;
	if (!check_syn(w, f)) {
		flow_release(w->flows, f); /* out of mbufs: our shortage, not the member's */
		return check_not_sent(w, slot);
	}
	dp_event(w, DP_EV_check_sent);
	h->slots[slot].check_flow = f->index;
	h->slots[slot].check_deadline = w->now_ms + hc->timeout_ms;
	/* Sent again half-way to the deadline (health_check_rtx): one SYN or SYN-ACK lost on
	 * the way fails no check, and with fall = 1 takes no member down. */
	flow_rtx_arm(w->flows, f, relay_now(w) + hc->timeout_ms / 2);
	return true;
}

void health_check_rtx(struct dp_worker *w, struct flow *f)
{
	flow_rtx_disarm(w->flows, f);
	if (f->state == FLOW_CHECK && f->retries == 0 && !w->app->draining) {
		f->retries = 1;
		check_syn(w, f); /* out of mbufs: the deadline decides */
	}
}

/* A segment of the check to the member: flags, our next sequence number, its bytes
 * acknowledged up to ack, a fixed 64 KB window (the check keeps nothing it is sent). NULL
 * when out of mbufs. */
static struct rte_mbuf *check_segment(struct dp_worker *w, struct flow *f, uint8_t flags,
				      uint32_t ack)
{
	return tcp_out_header(w->app->pool, &w->app->ports[f->b.port], &f->b.key,
			      relay_addr6(w, f, FLOW_DIR_BACKEND), &f->b.peer_mac, flags,
			      f->b_snd_nxt, ack, 65535, NULL, 0);
}

/* The check's ClientHello on the acknowledged connection. */
static bool send_hello(struct dp_worker *w, struct flow *f, const char *sni)
{
	const struct dp_port *p = &w->app->ports[f->b.port];
	uint8_t entropy[64];
	struct rte_mbuf *m;
	uint8_t *at;
	size_t len;

	for (unsigned int i = 0; i < sizeof(entropy); i += 8) {
		uint64_t r = rte_rand(); /* a check's random and key share need not be secret */

		memcpy(entropy + i, &r, 8);
	}
	m = check_segment(w, f, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, f->b_seq.peer_isn + 1);
	at = m ? (uint8_t *)rte_pktmbuf_append(m, TLS_HELLO_MAX) : NULL;
	len = at ? tls_hello_build(at, TLS_HELLO_MAX, sni, entropy) : 0;
	if (!len) {
		rte_pktmbuf_free(m);
		return false;
	}
	rte_pktmbuf_trim(m, (uint16_t)(TLS_HELLO_MAX - len));
	if (tcp_out_finish(m, p) < 0) {
		rte_pktmbuf_free(m);
		return false;
	}
	dp_tx_port(w, p, m);
	f->b_snd_nxt += (uint32_t)len;
	return true;
}

/* Acknowledge the answer bytes read so far, as any TCP peer would: a member whose answer
 * comes in pieces may hold the next back until the first is acknowledged (Nagle), and
 * resends what is not. */
static void ack_answer(struct dp_worker *w, struct flow *f, const struct tls_answer *a)
{
	const struct dp_port *p = &w->app->ports[f->b.port];
	struct rte_mbuf *m = check_segment(w, f, RTE_TCP_ACK_FLAG, f->b_seq.peer_isn + 1 + a->read);

	if (m && tcp_out_finish(m, p) == 0)
		dp_tx_port(w, p, m);
	else
		rte_pktmbuf_free(m);
}

/* Feed a the bytes of s's payload from skip on, a piece at a time (the payload may span
 * mbufs). tls_answer_feed's verdict. */
static int feed_payload(struct tls_answer *a, const struct relay_seg *s, uint32_t skip)
{
	uint32_t base = (uint32_t)s->l4_off + s->tcp_len;
	uint8_t piece[64];
	int verdict = 0;

	for (uint32_t at = skip; verdict == 0 && at < s->payload_len; at += sizeof(piece)) {
		uint32_t n = RTE_MIN((uint32_t)sizeof(piece), s->payload_len - at);
		const uint8_t *p = rte_pktmbuf_read(s->m, base + at, n, piece);

		verdict = p ? tls_answer_feed(a, p, n) : -1;
	}
	return verdict;
}

/* The answer's bytes in s that follow those read (a member's resend may repeat some; a
 * segment past a gap waits for its resend), fed to a. tls_answer_feed's verdict. */
static int read_answer(struct tls_answer *a, const struct flow *f, const struct relay_seg *s)
{
	uint32_t skip = f->b_seq.peer_isn + 1 + a->read - s->seq;

	return skip < s->payload_len ? feed_payload(a, s, skip) : 0;
}

/* A segment from the member after the check's hello: its answer read on, the check
 * ended when it is decided or the member closes or resets. */
static void hello_answer_input(struct dp_worker *w, struct flow *f, struct relay_seg *s)
{
	struct tls_answer *a = &w->app->health->slots[f->member].check_answer;
	bool fin = s->flags & RTE_TCP_FIN_FLAG;
	int verdict;

	/* The slot's answer state is its member's now: not this check's to read into. */
	if (relay_member_slot(w, f) == HEALTH_NONE) {
		rte_pktmbuf_free(s->m);
		return finish(w, f, false, "member gone");
	}
	if (s->flags & RTE_TCP_RST_FLAG) {
		rte_pktmbuf_free(s->m);
		if (s->seq != f->b_seq.peer_isn + 1 + a->read)
			return; /* RFC 5961: only the exact one */
		f->state = FLOW_CHECK; /* nothing to reset any more */
		f->b_snd_nxt = 0;
		return finish(w, f, false, "check reset");
	}
	verdict = s->payload_len ? read_answer(a, f, s) : 0;
	rte_pktmbuf_free(s->m);
	if (verdict > 0)
		return finish(w, f, true, "ServerHello");
	if (verdict < 0)
		return finish(w, f, false, "no ServerHello (alert)");
	/* A FIN past a gap closes nothing yet: the bytes before it come again first. */
	if (fin && s->seq + s->payload_len == f->b_seq.peer_isn + 1 + a->read)
		return finish(w, f, false, "check closed");
	if (s->payload_len)
		ack_answer(w, f, a);
}

void health_check_input(struct dp_worker *w, struct flow *f, struct relay_seg *s)
{
	const struct relay_live *live = relay_live_get(w->app);
	struct relay_health *h = w->app->health;
	/* Its pool's settings, a push polled in the same pass as this answer included. */
	const struct mr_health_conf *hc = health_conf_of(live, health_group_of(h, live, f->member));
	bool acks_syn = (s->flags & RTE_TCP_ACK_FLAG) && s->ack == f->b_seq.local_isn + 1;
	uint8_t syn_ack = s->flags & (RTE_TCP_SYN_FLAG | RTE_TCP_RST_FLAG);

	if (!relay_seg_checksum_ok(&w->app->ports[f->b.port], s))
		return dp_drop(w, s->m, DP_DROP_tcp_checksum);
	if (f->state == FLOW_CHECK_TLS)
		return hello_answer_input(w, f, s);
	if (syn_ack == RTE_TCP_SYN_FLAG && acks_syn) /* read before its buffer goes */
		f->b.peer_mac = s->eth->src_addr;
	/* An older connection the member still holds on the check's 4-tuple (a relay
	 * connection of that source port in its TIME-WAIT) answers the SYN with its own
	 * ACK: reset at that ACK and the SYN sent again, as relay_connect_input does; else
	 * the check waited for its deadline and failed against a member that was up. */
	if ((s->flags & (RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG)) == RTE_TCP_ACK_FLAG && !acks_syn &&
	    relay_member_slot(w, f) != HEALTH_NONE) {
		relay_reset_stale(w, f, FLOW_DIR_BACKEND, s);
		check_syn(w, f);
	}
	rte_pktmbuf_free(s->m);
	if ((s->flags & RTE_TCP_RST_FLAG) && acks_syn)
		return finish(w, f, false, "check refused");
	if (syn_ack != RTE_TCP_SYN_FLAG || !acks_syn)
		return;
	/* The slot follows another member now (a reload): its pool is not this check's,
	 * nor is its answer state this check's to start. */
	if (relay_member_slot(w, f) == HEALTH_NONE)
		return finish(w, f, false, "member gone");
	f->b_seq.peer_isn = s->seq;
	flow_rtx_disarm(w->flows, f);
	if (!hc || hc->check != MR_CHECK_TLS)
		return finish(w, f, true, "check answered");
	if (!send_hello(w, f, hc->sni)) { /* out of mbufs: let it go, try again soon */
		uint32_t slot = f->member;

		check_reset(w, f);
		flow_release(w->flows, f);
		h->slots[slot].checking = 0;
		check_not_sent(w, slot);
		return;
	}
	h->slots[f->member].check_answer = (struct tls_answer){ 0 };
	f->state = FLOW_CHECK_TLS;
}

/* The check of slot in flow index passed its deadline: it failed (the flow ended). */
static void check_expire(struct dp_worker *w, uint32_t index, uint32_t slot)
{
	struct flow *f = flow_at(w->flows, index);
	struct relay_health *h = w->app->health;
	const struct relay_live *live = relay_live_get(w->app);

	if (f && (f->state == FLOW_CHECK || f->state == FLOW_CHECK_TLS) && f->member == slot)
		return health_check_timeout(w, f);
	/* The flow went some other way without a result: the check failed all the same. */
	dp_event(w, DP_EV_check_failed);
	health_check_result(h, live, slot, health_group_of(h, live, slot), false, "check lost",
			    w->now_ms);
}

void health_check_timeout(struct dp_worker *w, struct flow *f)
{
	finish(w, f, false, f->state == FLOW_CHECK ? "check unanswered" : "no ServerHello in time");
}

void health_check_run(struct dp_worker *w)
{
	static const struct health_checker checker = { check_expire, check_start };

	health_run(w, &checker);
}
