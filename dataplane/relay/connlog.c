/* SPDX-License-Identifier: BSD-3-Clause */
#include "connlog.h"

#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_pause.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "relay.h"

int connlog_worker_init(struct dp_worker *w, uint32_t flows, uint32_t ring, int socket)
{
	/* On the worker's node, as its flow table: every relayed segment writes its record. */
	struct connlog_worker *cl = rte_zmalloc_socket("connlog", sizeof(*cl), 0, socket);
	char name[RTE_RING_NAMESIZE];

	if (!cl)
		return -1;
	snprintf(name, sizeof(name), "connlog_%u", w->index);
	cl->recs = rte_zmalloc_socket("connlog_recs", sizeof(*cl->recs) * (size_t)flows, 0,
				      socket);
	cl->ring = rte_ring_create_elem(name, sizeof(struct connlog_rec), ring, socket,
					RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
	if (!cl->recs || !cl->ring) {
		rte_ring_free(cl->ring);
		rte_free(cl->recs);
		rte_free(cl);
		return -1;
	}
	w->connlog = cl;
	return 0;
}

void connlog_worker_free(struct dp_worker *w)
{
	struct connlog_worker *cl = w->connlog;

	if (!cl)
		return;
	rte_ring_free(cl->ring);
	rte_free(cl->recs);
	rte_free(cl);
	w->connlog = NULL;
}

struct rte_ring *connlog_ring(const struct dp_worker *w)
{
	return w->connlog ? w->connlog->ring : NULL;
}

static void addr_copy(uint8_t *dst, uint8_t *v6, const struct flow_table *ft,
		      const struct flow *f)
{
	const struct flow_addr6 *a6 = flow_side_addr6(ft, f, FLOW_DIR_CLIENT);

	*v6 = a6 != NULL;
	if (a6)
		memcpy(dst, a6->peer, 16);
	else
		memcpy(dst, &f->c.key.peer_ip, 4);
}

/* A fresh record of a client (its address set by the caller) that reached listener_port
 * on port port_index now. */
static void rec_start(const struct dp_worker *w, struct connlog_rec *r, uint16_t client_port,
		      uint16_t listener_port, uint8_t port_index)
{
	memset(r, 0, offsetof(struct connlog_rec, sni) + 1);
	r->start_ms = w->now_ms;
	r->connect_ms = UINT32_MAX;
	r->client_port = client_port;
	r->listener_port = listener_port;
	r->port_index = port_index;
	r->worker = (uint8_t)w->index;
}

void connlog_begin(struct dp_worker *w, const struct flow *f, uint16_t listener_port)
{
	struct connlog_rec *r;

	if (likely(w->connlog == NULL))
		return;
	r = &w->connlog->recs[f->index];
	rec_start(w, r, rte_be_to_cpu_16(f->c.key.peer_port), listener_port, f->c.port);
	r->via_turn = f->via_turn;
	addr_copy(r->client, &r->client_v6, w->flows, f);
}

void connlog_skip(struct dp_worker *w, const struct flow *f)
{
	if (unlikely(w->connlog != NULL))
		w->connlog->recs[f->index].start_ms = 0; /* never begun: never ended either */
}

void connlog_hello(struct dp_worker *w, const struct flow *f, const struct sni_result *r)
{
	struct connlog_rec *c;

	if (likely(w->connlog == NULL))
		return;
	c = &w->connlog->recs[f->index];
	c->tls_version = r->max_version;
	c->ech = r->has_ech;
	c->sni_len = r->has_sni ? (uint8_t)RTE_MIN(r->host_len, SNI_NAME_MAX) : 0;
	memcpy(c->sni, r->host, c->sni_len);
	c->sni[c->sni_len] = '\0';
	c->alpn_len = r->alpn_kept ? (uint8_t)RTE_MIN(r->alpn_len[0], sizeof(c->alpn) - 1) : 0;
	memcpy(c->alpn, r->alpn[0], c->alpn_len);
	c->alpn[c->alpn_len] = '\0';
}

void connlog_routed(struct dp_worker *w, const struct flow *f, enum connlog_route route,
		    const char *target, const struct ip_addr *addr, uint16_t port,
		    const char *service, size_t service_len)
{
	struct connlog_rec *c;

	if (likely(w->connlog == NULL))
		return;
	c = &w->connlog->recs[f->index];
	c->route = (uint8_t)route;
	c->redispatches = f->dispatches;
	c->plain = f->plain;
	snprintf(c->target, sizeof(c->target), "%s", target ? target : "");
	c->member_v6 = addr && addr->family == IP_ADDR_FAMILY_V6;
	if (addr)
		memcpy(c->member, addr->bytes, c->member_v6 ? 16 : 4);
	c->member_port = port;
	if (service && !c->sni_len) {
		c->sni_len = (uint8_t)RTE_MIN(service_len, (size_t)SNI_NAME_MAX);
		memcpy(c->sni, service, c->sni_len);
		c->sni[c->sni_len] = '\0';
	}
}

void connlog_spliced(struct dp_worker *w, const struct flow *f)
{
	struct connlog_rec *c;

	if (likely(w->connlog == NULL))
		return;
	c = &w->connlog->recs[f->index];
	c->connect_ms = (uint32_t)(w->now_ms - c->start_ms);
	c->acked_base[0] = f->c_seq.peer_isn + 1;
	c->acked_base[1] = f->b_seq.peer_isn + 1;
	c->acked_last[0] = f->c.acked - c->acked_base[0];
	c->acked_last[1] = f->b.acked - c->acked_base[1];
	c->acked_wraps[0] = c->acked_wraps[1] = 0;
}

/* Whether a refusal may be logged this second; counts the ones that may not. */
static bool refusal_allowed(struct dp_worker *w, struct connlog_worker *cl)
{
	uint64_t second = w->now_ms / 1000;

	if (second != cl->second) {
		cl->second = second;
		cl->refused_left = w->app->conf->log.refused_rate;
	}
	if (cl->refused_left == 0) {
		cl->suppressed++;
		dp_event(w, DP_EV_connlog_suppressed);
		return false;
	}
	cl->refused_left--;
	return true;
}

void connlog_stopping(struct dp_worker *w, uint64_t until_tsc)
{
	if (w->connlog)
		w->connlog->wait_until_tsc = until_tsc;
}

static void put(struct dp_worker *w, struct connlog_worker *cl, struct connlog_rec *r)
{
	r->suppressed = cl->suppressed;
	while (rte_ring_sp_enqueue_elem(cl->ring, r, sizeof(*r)) != 0) {
		if (rte_rdtsc() >= cl->wait_until_tsc) {
			dp_event(w, DP_EV_connlog_dropped);
			return;
		}
		rte_pause(); /* stopping: the logging thread empties the ring meanwhile */
	}
	cl->suppressed = 0;
	dp_event(w, DP_EV_connlog_queued);
}

/* Payload bytes side dir's peer sent that the other end acknowledged (its FIN aside). */
static uint32_t delivered(const struct flow_side *in, const struct flow_side_seq *in_seq)
{
	return in->acked - (in_seq->peer_isn + 1) - (in->fin_seen && in->acked == in_seq->fin_seq);
}

void connlog_end(struct dp_worker *w, const struct flow *f, enum connlog_end end,
		 enum dp_drop reason)
{
	struct connlog_worker *cl = w->connlog;
	struct connlog_rec *r;

	if (likely(cl == NULL) || f->state == FLOW_CHECK || f->state == FLOW_CHECK_TLS ||
	    f->state == FLOW_BIND_SYN || f->state == FLOW_BIND_WAIT)
		return; /* health checks and binds are not connections of clients */
	r = &cl->recs[f->index];
	if (r->end != CONNLOG_END_OPEN || r->start_ms == 0)
		return; /* logged already, or never begun (a DNS query over TCP) */
	/* The stop's ends are not a flood to ration: each is a client the stop cut off,
	 * waited for like the others (connlog_stopping). */
	if (end == CONNLOG_END_REFUSED && reason != DP_DROP_stopped && !refusal_allowed(w, cl)) {
		r->end = (uint8_t)end;
		return;
	}
	r->end_ms = w->now_ms;
	r->end = (uint8_t)end;
	r->drop_reason = (uint16_t)reason;
	r->fin_client = f->c.fin_seen;
	r->fin_backend = f->b.fin_seen;
	r->redispatches = f->dispatches;
	if (f->state == FLOW_SPLICED || f->state == FLOW_CLOSING) {
		r->bytes_c2b = ((uint64_t)r->acked_wraps[0] << 32) + delivered(&f->c, &f->c_seq);
		r->bytes_b2c = ((uint64_t)r->acked_wraps[1] << 32) + delivered(&f->b, &f->b_seq);
	} else {
		r->bytes_c2b = f->stream_len;
	}
	put(w, cl, r);
}

void connlog_closed(struct dp_worker *w, const struct flow *f)
{
	connlog_end(w, f, f->c.rst ? CONNLOG_END_RST_CLIENT
			  : f->b.rst ? CONNLOG_END_RST_BACKEND : CONNLOG_END_FIN, DP_DROP_none);
}

void connlog_refused(struct dp_worker *w, const uint8_t *src, bool v6, uint16_t src_port,
		     uint16_t listener_port, uint8_t port_index, enum dp_drop reason)
{
	struct connlog_worker *cl = w->connlog;
	struct connlog_rec r;

	if (likely(cl == NULL) || !refusal_allowed(w, cl))
		return;
	rec_start(w, &r, src_port, listener_port, port_index);
	r.end_ms = r.start_ms;
	memcpy(r.client, src, v6 ? 16 : 4);
	r.client_v6 = v6;
	r.end = CONNLOG_END_REFUSED;
	r.drop_reason = (uint16_t)reason;
	put(w, cl, &r);
}
