/* SPDX-License-Identifier: BSD-3-Clause */
#include "health_check.h"

#include <rte_random.h>

#include "health.h"
#include "relay_live.h"
#include "relay_ports.h"
#include "relay_tcp.h"
#include "tcp_out.h"
#include "tls_hello.h"

static void finish(struct dp_worker *w, struct flow *f, bool passed, const char *why)
{
	struct relay_health *h = w->app->health;
	uint32_t slot = f->member;

	if (f->state == FLOW_CHECK_TLS || (passed && f->state == FLOW_CHECK))
		tcp_out_rst_reply(w, &w->app->ports[f->b.port], &f->b.key,
				  relay_addr6(w, f, FLOW_DIR_BACKEND), &f->b.peer_mac,
				  f->b_snd_nxt, 0, false);
	dp_event(w, passed ? DP_EV_check_passed : DP_EV_check_failed);
	flow_release(w->flows, f);
	if (h && slot < h->capacity)
		health_check_result(h, relay_live_get(w->app), slot, h->slots[slot].pool,
				    passed, why, w->now_ms);
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

/* Open a check of addr:port (health slot slot, checked as hc says) from worker w. false
 * when it was not sent: no route (a failed check), or no flow entry or source port
 * (check_not_sent). */
static bool check_start(struct dp_worker *w, const struct ip_addr *addr, uint16_t port,
		       uint32_t slot, const struct mr_health_conf *hc)
{
	struct relay_health *h = w->app->health;
	/* Its own expiry is a backstop: the scan ends it at its deadline first. */
	struct flow *f = relay_flow_alloc(w, 2 * hc->timeout_ms + 1000);
	uint16_t mss;

	if (!f)
		return check_not_sent(w, slot);
	f->member = slot;
	if (!relay_backend_side_set(w, f, addr)) {
		flow_release(w->flows, f);
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
	mss = (uint16_t)(w->app->ports[f->b.port].caps.mtu - relay_l3l4_len(f->b.v6));
	relay_send_syn(w, f, FLOW_DIR_BACKEND, mss, TCP_WSCALE_NONE, false, false);
	dp_event(w, DP_EV_check_sent);
	h->slots[slot].check_flow = f->index;
	h->slots[slot].check_deadline = w->now_ms + hc->timeout_ms;
	return true;
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
	m = tcp_out_header(w->app->pool, p, &f->b.key, relay_addr6(w, f, FLOW_DIR_BACKEND),
			   &f->b.peer_mac, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, f->b_snd_nxt,
			   f->b_seq.peer_isn + 1, 65535, NULL, 0);
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

void health_check_input(struct dp_worker *w, struct flow *f, struct relay_seg *s)
{
	const struct relay_live *live = relay_live_get(w->app);
	struct relay_health *h = w->app->health;
	const struct mr_health_conf *hc = health_conf_of(live, h->slots[f->member].pool);
	bool acks_syn = (s->flags & RTE_TCP_ACK_FLAG) && s->ack == f->b_seq.local_isn + 1;
	const uint8_t *payload;
	int answer;

	if (!relay_seg_checksum_ok(&w->app->ports[f->b.port], s))
		return dp_drop(w, s->m, DP_DROP_tcp_checksum);
	if (f->state == FLOW_CHECK) {
		uint8_t syn_ack = s->flags & (RTE_TCP_SYN_FLAG | RTE_TCP_RST_FLAG);

		if (syn_ack == RTE_TCP_SYN_FLAG && acks_syn) /* read before its buffer goes */
			f->b.peer_mac = s->eth->src_addr;
		rte_pktmbuf_free(s->m);
		if ((s->flags & RTE_TCP_RST_FLAG) && acks_syn)
			return finish(w, f, false, "check refused");
		if (syn_ack != RTE_TCP_SYN_FLAG || !acks_syn)
			return;
		f->b_seq.peer_isn = s->seq;
		if (!hc || hc->check != MR_CHECK_TLS)
			return finish(w, f, true, "check answered");
		if (!send_hello(w, f, hc->sni))
			return finish(w, f, false, "check hello not sent");
		f->state = FLOW_CHECK_TLS;
		return;
	}
	if (s->flags & RTE_TCP_RST_FLAG) {
		rte_pktmbuf_free(s->m);
		if (s->seq != f->b_seq.peer_isn + 1)
			return; /* RFC 5961: only the exact one */
		f->state = FLOW_CHECK; /* nothing to reset any more */
		f->b_snd_nxt = 0;
		return finish(w, f, false, "check reset");
	}
	if (s->payload_len == 0 || s->seq != f->b_seq.peer_isn + 1) {
		bool fin = s->flags & RTE_TCP_FIN_FLAG;

		rte_pktmbuf_free(s->m);
		return fin ? finish(w, f, false, "check closed") : (void)0;
	}
	payload = rte_pktmbuf_mtod_offset(s->m, const uint8_t *, s->l4_off + s->tcp_len);
	answer = tls_hello_answer(payload, RTE_MIN(s->payload_len, s->m->data_len -
							     (uint32_t)(s->l4_off + s->tcp_len)));
	rte_pktmbuf_free(s->m);
	if (answer > 0)
		return finish(w, f, true, "ServerHello");
	if (answer < 0)
		return finish(w, f, false, "no ServerHello (alert)");
}

/* The check of slot in flow index passed its deadline: it failed (the flow ended). */
static void check_expire(struct dp_worker *w, uint32_t index, uint32_t slot)
{
	struct flow *f = flow_at(w->flows, index);

	if (f && (f->state == FLOW_CHECK || f->state == FLOW_CHECK_TLS) && f->member == slot)
		return health_check_timeout(w, f);
	/* The flow went some other way without a result: the check failed all the same. */
	health_check_result(w->app->health, relay_live_get(w->app), slot,
			    w->app->health->slots[slot].pool, false, "check lost", w->now_ms);
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
