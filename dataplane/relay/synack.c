/* SPDX-License-Identifier: BSD-3-Clause */
/* The listener's SYN-ACKs, and a plain service's kept and resent (synack.h). */
#include <stdlib.h>

#include <rte_hash_crc.h>
#include <rte_tcp.h>

#include "relay.h"
#include "synack.h"
#include "tcp_opts.h"
#include "tcp_out.h"

/* One FIFO of handshakes waiting for the same resend, in the order of their deadlines. */
struct synack_fifo {
	uint32_t head, tail;   /* free-running; tail - head entries */
	uint32_t mask;         /* size - 1 (a power of two) */
	struct synack *e;
};

struct synack_kept {
	struct synack_fifo fifo[SYNACK_RESENDS]; /* fifo[i]: waiting for resend i + 1 */
	uint32_t next_due;     /* the soonest head's deadline; valid while count > 0 */
	uint32_t count;
	/* The handshakes whose ACK made a flow, by a signature of 4-tuple and cookie in a
	 * slot it picks (0: none): such a flow may be gone by its deadline (refused by the
	 * backend, reset), and its client must not get the SYN-ACK again. A slot taken by a
	 * later one only costs a resend. */
	uint32_t made[SYNACK_MADE_SLOTS];
};

/* The signature of a handshake (never 0). */
static uint32_t made_sig(const struct flow_key *k, uint32_t cookie)
{
	return rte_hash_crc(k, sizeof(*k), cookie) | 1u;
}

/* MSS the relay can take from clients on p. */
static uint16_t synack_mss(const struct dp_worker *w, const struct dp_port *p, bool v6)
{
	return (uint16_t)RTE_MIN(w->app->conf->relay.mss, p->caps.mtu - relay_l3l4_len(v6));
}

bool synack_send(struct dp_worker *w, const struct dp_port *p, const struct synack *a,
		 const struct flow_addr6 *a6)
{
	uint8_t opts[40];
	unsigned int opt_len = tcp_opts_write_syn(opts, synack_mss(w, p, a6 != NULL),
						  a->wscale ? RELAY_WSCALE : TCP_WSCALE_NONE,
						  a->sack, a->ts, relay_now(w), a->tsecr);
	struct rte_mbuf *m = tcp_out_header(w->app->pool, p, &a->key, a6, &a->peer_mac,
					    RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, a->cookie,
					    a->peer_next, 65535, opts, opt_len);

	if (!m || tcp_out_finish(m, p) < 0) {
		rte_pktmbuf_free(m);
		return false;
	}
	dp_tx_port(w, p, m);
	return true;
}

static struct synack_kept *kept_create(void)
{
	static const uint32_t sizes[SYNACK_RESENDS] = { SYNACK_KEPT_FIRST, SYNACK_KEPT_LATER,
							SYNACK_KEPT_LATER };
	size_t n = 0;
	struct synack_kept *k;
	struct synack *e;

	for (unsigned int i = 0; i < SYNACK_RESENDS; i++)
		n += sizes[i];
	k = calloc(1, sizeof(*k) + n * sizeof(struct synack));
	if (!k)
		return NULL;
	e = (struct synack *)(k + 1);
	for (unsigned int i = 0; i < SYNACK_RESENDS; i++) {
		k->fifo[i].mask = sizes[i] - 1;
		k->fifo[i].e = e;
		e += sizes[i];
	}
	return k;
}

/* Append a to FIFO i, due at due; false when it is full. */
static bool kept_push(struct synack_kept *k, unsigned int i, const struct synack *a, uint32_t due)
{
	struct synack_fifo *f = &k->fifo[i];
	struct synack *e;

	if (f->tail - f->head > f->mask)
		return false;
	e = &f->e[f->tail++ & f->mask];
	*e = *a;
	e->due_ms = due;
	if (k->count++ == 0 || (int32_t)(due - k->next_due) < 0)
		k->next_due = due;
	return true;
}

void synack_keep(struct dp_worker *w, const struct synack *a)
{
	if (!w->synacks)
		w->synacks = kept_create();
	if (!w->synacks ||
	    !kept_push(w->synacks, 0, a, relay_now(w) + SYNACK_FIRST_RTO_MS))
		dp_event(w, DP_EV_synack_unkept);
}

void synack_made(struct dp_worker *w, const struct flow_key *key, uint32_t cookie)
{
	uint32_t sig;

	if (!w->synacks)
		return;
	sig = made_sig(key, cookie);
	w->synacks->made[sig % SYNACK_MADE_SLOTS] = sig;
}

/* e's time came (FIFO i): forgotten when its ACK made a flow, else sent again and, unless
 * it was the last resend, kept for the next one, twice as far off. */
static void kept_due(struct dp_worker *w, struct synack_kept *k, unsigned int i,
		     const struct synack *e)
{
	const struct dp_port *p = &w->app->ports[e->port];
	uint32_t sig = made_sig(&e->key, e->cookie);

	if (k->made[sig % SYNACK_MADE_SLOTS] == sig || flow_key_exists(w->flows, &e->key))
		return;
	/* A congested port answers new SYNs from a bucket only (dp_tx.h); a resend is one of
	 * those, and one left out now is still tried at the next. */
	if (dp_tx_cookie_allowed(w, p) && synack_send(w, p, e, NULL))
		dp_event(w, DP_EV_synack_resent);
	if (i + 1 < SYNACK_RESENDS &&
	    !kept_push(k, i + 1, e, relay_now(w) + (SYNACK_FIRST_RTO_MS << (i + 1))))
		dp_event(w, DP_EV_synack_unkept);
}

/* The soonest deadline among the FIFOs' heads (k->count > 0). */
static uint32_t kept_next_due(const struct synack_kept *k)
{
	bool any = false;
	uint32_t due = 0;

	for (unsigned int i = 0; i < SYNACK_RESENDS; i++) {
		const struct synack_fifo *f = &k->fifo[i];
		uint32_t d;

		if (f->head == f->tail)
			continue;
		d = f->e[f->head & f->mask].due_ms;
		if (!any || (int32_t)(d - due) < 0)
			due = d;
		any = true;
	}
	return due;
}

void synack_run_kept(struct dp_worker *w)
{
	struct synack_kept *k = w->synacks;
	uint32_t now = relay_now(w), budget = SYNACK_RUN_BUDGET;

	if (k->count == 0 || (int32_t)(now - k->next_due) < 0)
		return;
	for (unsigned int i = 0; i < SYNACK_RESENDS; i++) {
		struct synack_fifo *f = &k->fifo[i];

		while (f->head != f->tail && budget) {
			struct synack e = f->e[f->head & f->mask];

			if ((int32_t)(now - e.due_ms) < 0)
				break;
			f->head++;
			k->count--;
			budget--;
			kept_due(w, k, i, &e);
		}
	}
	if (k->count)
		k->next_due = budget ? kept_next_due(k) : now; /* budget spent: more at once */
}

uint32_t synack_kept_count(const struct dp_worker *w)
{
	return w->synacks ? w->synacks->count : 0;
}

void synack_free(struct dp_worker *w)
{
	free(w->synacks);
	w->synacks = NULL;
}
