/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_ip.h>
#include <rte_jhash.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_tcp.h>

#include "gen.h"
#include "gen_seg.h"

#define GEN_MAX_TIMEOUTS 10    /* retransmissions without progress before a failure */
#define GEN_SEGS_PER_PUMP 16   /* stream mode: fairness between busy flows */
#define GEN_NONE UINT32_MAX

struct client_key {
	uint32_t ip;
	uint16_t port, zero;
};

struct back_key {
	uint32_t rip, lip;
	uint16_t rport, lport;
};

static struct rte_hash *hash_make(const char *name, uint32_t n, uint32_t key_len)
{
	struct rte_hash_parameters hp = {
		.name = name, .entries = RTE_MAX(2 * n, 64u), .key_len = key_len,
		.hash_func = rte_jhash, .socket_id = (int)rte_socket_id(),
		/* Extendable buckets: an add fails only when the table is really full. */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};

	return rte_hash_create(&hp);
}

int gen_tcp_init(struct gen *g, uint32_t n)
{
	g->n_conns = n;
	g->n_backs = n + n / 4 + 64; /* room for halves the relay opens before a failure ends one */
	g->conns = rte_zmalloc("gen_conns", sizeof(*g->conns) * n, 64);
	g->backs = rte_zmalloc("gen_backs", sizeof(*g->backs) * g->n_backs, 64);
	g->client_hash = hash_make("gen_clients", n, sizeof(struct client_key));
	g->back_hash = hash_make("gen_backs", g->n_backs, sizeof(struct back_key));
	if (!g->conns || !g->backs || !g->client_hash || !g->back_hash ||
	    gen_wheel_init(&g->wheel, n + g->n_backs, g->hz / 1000) < 0)
		return -1;
	for (uint32_t i = 0; i < n; i++)
		g->conns[i].next_free = i + 1 < n ? i + 1 : GEN_NONE;
	for (uint32_t i = 0; i < g->n_backs; i++)
		g->backs[i].conn = i + 1 < g->n_backs ? i + 1 : GEN_NONE; /* free chain */
	g->conn_free = 0;
	g->back_free = 0;
	return 0;
}

static struct client_key client_key_of(const struct gen_half *h)
{
	return (struct client_key){ .ip = h->lip, .port = h->lport };
}

static struct back_key back_key_of(const struct gen_half *h)
{
	return (struct back_key){ .rip = h->rip, .lip = h->lip, .rport = h->rport,
				  .lport = h->lport };
}

/* The halves in the timer wheel (gen_wheel.h), whose links live outside them (they are
 * wiped on reuse): index i < n_conns is connection i's client half, the rest are backend
 * halves. */
static struct gen_half *half_at(struct gen *g, uint32_t idx)
{
	return idx < g->n_conns ? &g->conns[idx].c : &g->backs[idx - g->n_conns];
}

static uint32_t half_index(const struct gen *g, const struct gen_half *h)
{
	if (h >= g->backs && h < g->backs + g->n_backs)
		return g->n_conns + (uint32_t)(h - g->backs);
	return (uint32_t)((const struct gen_conn *)h - g->conns); /* c is the first member */
}

/* Retransmit h at now + rto unless acknowledged before, backing off as TCP does (RFC 6298
 * 5.5: doubling per timeout without progress, here up to 8 rto) with a little jitter: halves
 * whose segments were lost together in a full ring must not all come back together, every
 * rto, and be lost together again until they give up. */
static void arm(struct gen *g, struct gen_half *h)
{
	uint64_t rto = g->rto << RTE_MIN(h->timeouts, 3u);

	h->deadline = g->now + rto + (h->timeouts ? rte_rand() % (rto / 4 + 1) : 0);
	gen_wheel_insert(&g->wheel, half_index(g, h), h->deadline);
}

/* Bytes h sent that are not acknowledged yet (g->outstanding counts them). */
static inline uint64_t half_in_flight(const struct gen_half *h)
{
	return h->max_sent - RTE_MIN(h->una, h->max_sent);
}

/* A half that goes: what it had in flight no longer counts against the budget. */
static void half_forget_outstanding(struct gen *g, const struct gen_half *h)
{
	g->outstanding[h->port] -= half_in_flight(h);
}

static void back_free(struct gen *g, uint32_t b)
{
	struct gen_half *h = &g->backs[b];
	struct back_key k = back_key_of(h);

	rte_hash_del_key(g->back_hash, &k);
	half_forget_outstanding(g, h);
	memset(h, 0, sizeof(*h));
	h->conn = g->back_free;
	g->back_free = b;
}

static void conn_free(struct gen *g, uint32_t slot)
{
	struct gen_conn *c = &g->conns[slot];
	struct client_key k = client_key_of(&c->c);

	rte_hash_del_key(g->client_hash, &k);
	half_forget_outstanding(g, &c->c);
	if (c->back != GEN_NONE)
		back_free(g, c->back);
	c->back = GEN_NONE;
	c->c.state = GS_FREE;
	c->next_free = g->conn_free;
	g->conn_free = slot;
	g->open--;
}

static void half_reset(struct gen *g, struct gen_half *h)
{
	gen_send_raw(g, h->port, h->lip, h->rip, h->lport, h->rport,
		     RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, h->isn + 1 + (uint32_t)h->nxt,
		     h->peer_isn + 1 + (uint32_t)h->rcvd);
}

/* Ends connection slot as a failure counted in *why; both relay sides get a reset. */
static void conn_fail(struct gen *g, uint32_t slot, uint64_t *why)
{
	struct gen_conn *c = &g->conns[slot];

	if (c->c.state != GS_SYN_SENT)
		half_reset(g, &c->c);
	if (c->back != GEN_NONE && g->backs[c->back].state == GS_EST)
		half_reset(g, &g->backs[c->back]);
	g->st.failed++;
	if (c->c.rcvd)
		g->st.fail_after_bytes++;
	(*why)++;
	conn_free(g, slot);
}

bool gen_tcp_open(struct gen *g, bool stream)
{
	uint32_t slot = g->conn_free;
	struct gen_conn *c;
	struct gen_half *h;
	struct client_key k;
	uint64_t id = g->next_id++;

	if (slot == GEN_NONE)
		return false;
	c = &g->conns[slot];
	g->conn_free = c->next_free;
	c->gen++;
	c->back = GEN_NONE;
	c->stream = stream;
	c->t_start = g->now;
	c->t_resp = 0;
	h = &c->c;
	memset(h, 0, sizeof(*h));
	/* Consecutive connections from different sources, as a crowd of clients comes (one
	 * address is held to the relay's per-client limits), 50,000 ports on each of 65,534
	 * sources before a 4-tuple comes round again. */
	h->lip = g->o.client_net | (uint32_t)(id % 65534 + 1);
	h->lport = (uint16_t)(10000 + (id / 65534) % 50000);
	h->rip = g->o.edge_peer;
	h->rport = g->o.listen_port;
	h->port = 0;
	h->state = GS_SYN_SENT;
	h->isn = (uint32_t)rte_rand();
	h->conn = slot;
	h->route = (uint32_t)(id % g->o.routes);
	h->total = g->hellos[h->route].len; /* like TLS: more only after the server speaks */
	h->expect = stream ? UINT64_MAX : g->o.response;
	arm(g, h);
	k = client_key_of(h);
	g->open++;
	g->st.started++;
	if (rte_hash_add_key_data(g->client_hash, &k, (void *)(uintptr_t)slot) < 0) {
		g->st.failed++;
		g->st.fail_table++;
		h->state = GS_FREE;
		c->next_free = g->conn_free;
		g->conn_free = slot;
		g->open--;
		return true;
	}
	gen_send_seg(g, h, RTE_TCP_SYN_FLAG, 0, 0);
	return true;
}

/* Sends what the peer's window allows (at most max_segs segments), the FIN when due,
 * and a bare ACK when one is owed and nothing else carried it. */
static void half_pump(struct gen *g, struct gen_half *h, uint32_t max_segs)
{
	uint32_t seg = h->mss ? h->mss : 536;
	uint64_t window = RTE_MIN(h->peer_win, GEN_WINDOW), limit;

	if (h->state != GS_EST)
		return;
	if (g->o.mode == GEN_STREAM) {
		/* The flows share the in-flight budget: more would only overflow the rings
		 * (we do no congestion control) and turn into go-back-N storms. */
		seg = RTE_MIN(seg, g->o.payload);
		window = RTE_MIN(window, (uint64_t)seg * RTE_MAX(g->o.inflight / g->o.concurrency, 2u));
	}
	limit = h->una + window;
	/* The budget bounds the streams' new data only: a rewind resends what is counted
	 * already, and a connection being set up (until the client has the backend's first
	 * bytes) must not wait behind the streams that run. */
	if (g->o.mode == GEN_STREAM && h->conn != GEN_NONE &&
	    g->conns[h->conn].c.total == UINT64_MAX &&
	    g->outstanding[h->port] >= (uint64_t)g->o.inflight * seg)
		limit = RTE_MIN(limit, h->max_sent); /* the ACK owed below still goes */
	while (h->nxt < h->total && h->nxt < limit && max_segs--) {
		uint64_t off;
		uint32_t len;
		uint8_t flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG;

		if (h->nxt >= h->held_lo && h->nxt < h->held_hi) {
			h->nxt = h->held_hi; /* the peer holds these: resend none of them */
			max_segs++;
			continue;
		}
		len = (uint32_t)RTE_MIN((uint64_t)seg, RTE_MIN(h->total, limit) - h->nxt);
		if (h->fin_want && h->nxt + len == h->total) {
			flags |= RTE_TCP_FIN_FLAG;
			h->fin_sent = h->fin_ever = true;
		}
		/* Past it before it is queued: the queue may be flushed at once, and a frame the
		 * ring refuses rewinds the stream to it (gen_flush), which only works from
		 * beyond it (before, the stream went on past the hole). */
		off = h->nxt;
		h->nxt += len;
		if (h->nxt > h->max_sent) {
			g->outstanding[h->port] += h->nxt - h->max_sent;
			h->max_sent = h->nxt;
		}
		gen_send_seg(g, h, flags, off, len);
		h->ack_due = false;
	}
	if (h->fin_want && !h->fin_sent && h->nxt == h->total) {
		h->fin_sent = h->fin_ever = true; /* before: a refusal at the flush undoes it */
		gen_send_seg(g, h, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, h->nxt, 0);
		h->ack_due = false;
	}
	if (h->ack_due) {
		gen_send_seg(g, h, RTE_TCP_ACK_FLAG, h->nxt, 0);
		h->ack_due = false;
	}
	if (!h->deadline && (h->una < h->nxt || (h->fin_sent && !h->fin_acked)))
		arm(g, h);
}

static bool bytes_match(struct gen *g, const struct gen_half *h, uint64_t off,
			const uint8_t *data, uint32_t len)
{
	const struct gen_conn *c = &g->conns[h->conn];
	uint8_t want[2048];

	uint32_t hello_len = g->hellos[c->c.route].len;

	if (h->port == 0)
		return memcmp(data, gen_pattern_at(gen_pattern_seed(h->conn, c->gen, 1), off),
			      len) == 0;
	if (off >= hello_len) /* past the hello: straight from the pattern */
		return memcmp(data, gen_pattern_at(gen_pattern_seed(h->conn, c->gen, 0),
						   off - hello_len), len) == 0;
	if (len > sizeof(want))
		return false;
	gen_client_bytes(g, &c->c, c->gen, off, len, want);
	return memcmp(data, want, len) == 0;
}

/* The hello's random names the client connection: the backend half joins it, after
 * checking that the relay chose the backend the route names. */
static bool back_link(struct gen *g, struct gen_half *h, uint32_t hidx, const uint8_t *data,
		      uint32_t len)
{
	uint32_t slot, gen_no;
	struct gen_conn *c;

	if (h->rcvd != 0 || len < GEN_ID_END) {
		g->st.fail_bytes++;
		return false;
	}
	memcpy(&slot, data + GEN_RANDOM_OFF, 4);
	memcpy(&gen_no, data + GEN_RANDOM_OFF + 4, 4);
	slot = rte_le_to_cpu_32(slot);
	gen_no = rte_le_to_cpu_32(gen_no);
	if (slot >= g->n_conns || g->conns[slot].gen != gen_no ||
	    g->conns[slot].c.state == GS_FREE || g->conns[slot].back != GEN_NONE) {
		g->st.fail_bytes++;
		return false;
	}
	c = &g->conns[slot];
	h->conn = slot;
	c->back = hidx;
	if (g->o.direct)
		h->route = c->c.route;
	else if (c->c.route != h->route ||
		 (!g->o.pooled && h->lip != g->o.svc_ip + h->route % g->o.backends)) {
		conn_fail(g, slot, &g->st.fail_route);
		return false;
	}
	h->expect = c->stream ? UINT64_MAX : g->hellos[h->route].len + (uint64_t)g->o.request;
	h->total = c->stream ? UINT64_MAX : g->o.response;
	return true;
}

/* What the peer's SYN or SYN-ACK offered, agreed with what --linux offers. */
static void half_agree(const struct gen *g, struct gen_half *h, const struct seg_in *s)
{
	h->ts_ok = g->o.linux_segs && s->has_ts;
	h->ws_ok = g->o.linux_segs && s->wscale != 0xff;
	h->peer_wscale = h->ws_ok ? RTE_MIN(s->wscale, 14) : 0;
	h->sack_ok = g->o.linux_segs && s->sack_perm;
	h->ts_recent = s->tsval;
}

static void half_ack(struct gen *g, struct gen_half *h, const struct seg_in *s)
{
	int32_t delta = (int32_t)(s->ack - (h->isn + 1 + (uint32_t)h->una));
	uint64_t top = h->max_sent + (h->fin_ever ? 1 : 0);


	h->peer_win = s->win << h->peer_wscale;
	if (delta > 0 && h->una + (uint64_t)delta <= top) {
		uint64_t was = half_in_flight(h);

		h->una += (uint64_t)delta;
		if (h->una > h->nxt) /* bytes sent before a rewind were received after all */
			h->nxt = RTE_MIN(h->una, h->total);
		if (h->una > h->total) { /* only a FIN sent once lets the ACK get here */
			h->una = h->total;
			h->fin_acked = true;
		}
		g->outstanding[h->port] -= was - half_in_flight(h);
		h->dupacks = 0;
		h->timeouts = 0;
		h->deadline = 0;
		if (h->una < h->nxt || (h->fin_sent && !h->fin_acked))
			arm(g, h);
	} else if (delta == 0 && !s->len && h->nxt > h->una && !(s->flags & RTE_TCP_FIN_FLAG) &&
		   ++h->dupacks == 3) {
		h->nxt = h->una; /* go back: all of it, or the hole before what the peer holds */
		h->fin_sent = false;
		g->st.rtx_fast++;
	}
	if (s->n_sack)
		gen_sack_check(g, h, s);
	if (h->held_hi <= h->una)
		h->held_lo = h->held_hi = 0;
}

/* In-order payload is checked and taken; with SACK, payload beyond a hole is checked and
 * held; anything else only asks for an ACK. false when the connection failed here. */
static bool half_data(struct gen *g, struct gen_half *h, uint32_t hidx, struct seg_in *s)
{
	int32_t pos = (int32_t)(s->seq - (h->peer_isn + 1 + (uint32_t)h->rcvd));

	if (pos < 0 && (int64_t)s->len + pos > 0) { /* a retransmission overlapping new bytes */
		s->data += -pos;
		s->len -= (uint32_t)-pos;
		s->seq += (uint32_t)-pos;
		pos = 0;
	}
	if (s->len && pos == 0) {
		if (h->port == 1 && h->conn == GEN_NONE && !back_link(g, h, hidx, s->data, s->len)) {
			if (h->state != GS_FREE && h->conn == GEN_NONE) { /* no client to fail */
				half_reset(g, h);
				back_free(g, hidx);
			}
			return false;
		}
		if (h->rcvd + s->len > h->expect || !bytes_match(g, h, h->rcvd, s->data, s->len)) {
			conn_fail(g, h->conn, &g->st.fail_bytes);
			return false;
		}
		h->rcvd += s->len;
		g->st.data_segs_rx[h->port]++;
		g->st.data_bytes_rx[h->port] += s->len;
		gen_sack_take(g, h);
	} else if (s->len) {
		uint64_t off = h->rcvd + (uint64_t)pos;

		g->st.ooo++;
		/* Beyond a hole: with SACK, checked now and held (its bytes are known). */
		if (h->sack_ok && pos > 0 && h->conn != GEN_NONE) {
			if (off + s->len > h->expect || !bytes_match(g, h, off, s->data, s->len)) {
				conn_fail(g, h->conn, &g->st.fail_bytes);
				return false;
			}
			gen_sack_hold(h, off, s->len);
		}
	}
	if (s->len)
		h->ack_due = true;
	if ((s->flags & RTE_TCP_FIN_FLAG) && pos == 0 && !h->fin_rcvd) {
		h->fin_rcvd = true;
		h->ack_due = true;
	} else if (s->flags & RTE_TCP_FIN_FLAG) {
		h->ack_due = true; /* a repeated FIN: our ACK of it was lost */
	}
	return true;
}

/* What the exchange does next once bytes arrived. The backend answers the hello at once
 * (its whole answer in connect mode) and closes once the request is in too; the client
 * sends its request (or its endless stream) once the backend has spoken, as a TLS client
 * waits for the server's first flight, and closes after the whole answer. */
static void half_advance(struct gen *g, struct gen_half *h)
{
	struct gen_conn *c;

	if (h->conn == GEN_NONE)
		return;
	c = &g->conns[h->conn];
	if (h->port == 0 && h->rcvd && h->total == g->hellos[h->route].len) {
		h->total = c->stream ? UINT64_MAX : h->total + g->o.request;
		g->st.streams_up += c->stream;
	}
	if (h->expect == UINT64_MAX || h->rcvd != h->expect || h->fin_want ||
	    (h->port == 0 && c->t_resp))
		return;
	if (h->port == 0) {
		c->t_resp = g->now;
		g->st.held += g->o.mode == GEN_HOLD;
	}
	h->fin_want = g->o.mode != GEN_HOLD; /* hold: the exchange done, the connection kept */
}

static void queue_pump(struct gen_half **touched, uint32_t *n, struct gen_half *h)
{
	if (!h->queued && *n < GEN_BURST) {
		h->queued = true;
		touched[(*n)++] = h;
	}
}

/* A SYN to one of our backends opens a backend half; the hello will name its client. */
static struct gen_half *back_open(struct gen *g, const struct rte_ipv4_hdr *ip,
				  const struct rte_tcp_hdr *tcp, const struct seg_in *s,
				  int32_t *idx)
{
	uint32_t lip = rte_be_to_cpu_32(ip->dst_addr);
	uint16_t lport = rte_be_to_cpu_16(tcp->dst_port);
	uint32_t b = g->back_free;
	struct gen_half *h;
	struct back_key k;

	if (s->flags != RTE_TCP_SYN_FLAG)
		return NULL;
	if (b == GEN_NONE) {
		g->st.backs_full++;
		return NULL;
	}
	/* Direct: the client's own SYN, through a forwarder that changes nothing. */
	if (!g->o.direct && (lip < g->o.svc_ip || lip >= g->o.svc_ip + g->o.backends ||
			     lport < g->o.backend_port || lport >= g->o.backend_port + g->o.routes))
		return NULL;
	h = &g->backs[b];
	g->back_free = h->conn;
	memset(h, 0, sizeof(*h));
	h->lip = lip;
	h->lport = lport;
	h->rip = rte_be_to_cpu_32(ip->src_addr);
	h->rport = rte_be_to_cpu_16(tcp->src_port);
	h->port = 1;
	h->state = GS_SYN_RCVD;
	h->isn = (uint32_t)rte_rand();
	h->peer_isn = s->seq;
	h->peer_win = s->win;
	h->mss = s->mss;
	half_agree(g, h, s);
	h->conn = GEN_NONE;
	h->route = g->o.direct ? 0 : lport - g->o.backend_port; /* direct: from the hello */
	h->expect = UINT64_MAX;
	k = back_key_of(h);
	if (rte_hash_add_key_data(g->back_hash, &k, (void *)(uintptr_t)b) < 0) {
		h->conn = g->back_free;
		g->back_free = b;
		return NULL;
	}
	*idx = (int32_t)b;
	return h;
}

static struct gen_half *half_lookup(struct gen *g, int port, const struct rte_ipv4_hdr *ip,
				    const struct rte_tcp_hdr *tcp, const struct seg_in *s,
				    int32_t *idx)
{
	void *data;

	if (port == 0) {
		struct client_key k = { .ip = rte_be_to_cpu_32(ip->dst_addr),
					.port = rte_be_to_cpu_16(tcp->dst_port) };

		if (rte_hash_lookup_data(g->client_hash, &k, &data) < 0)
			return NULL;
		return &g->conns[(uintptr_t)data].c;
	}
	struct back_key k = { .rip = rte_be_to_cpu_32(ip->src_addr),
			      .lip = rte_be_to_cpu_32(ip->dst_addr),
			      .rport = rte_be_to_cpu_16(tcp->src_port),
			      .lport = rte_be_to_cpu_16(tcp->dst_port) };

	if (rte_hash_lookup_data(g->back_hash, &k, &data) >= 0) {
		*idx = (int32_t)(uintptr_t)data;
		return &g->backs[*idx];
	}
	return back_open(g, ip, tcp, s, idx);
}

/* The handshake steps; true when the segment may go on to the established path. */
static bool half_handshake(struct gen *g, struct gen_half *h, struct seg_in *s)
{
	if (h->state == GS_SYN_SENT) {
		/* An ACK of something else: the relay (or a peer) still holds an older
		 * connection of this 4-tuple, and its challenge ACK says where. A reset there
		 * ends it, as a host stack does (RFC 9293 3.10.7.3); the SYN is sent again on
		 * its timer. */
		if ((s->flags & RTE_TCP_ACK_FLAG) && s->ack != h->isn + 1) {
			gen_send_raw(g, h->port, h->lip, h->rip, h->lport, h->rport, RTE_TCP_RST_FLAG,
				     s->ack, 0);
			g->st.stale_resets++;
			return false;
		}
		if ((s->flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) !=
		    (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG))
			return false;
		h->peer_isn = s->seq;
		h->peer_win = s->win;
		h->mss = s->mss;
		half_agree(g, h, s);
		h->state = GS_EST;
		h->ack_due = true;
		h->deadline = 0;
		h->timeouts = 0;
		return false;
	}
	if (h->state == GS_SYN_RCVD) {
		if (s->flags & RTE_TCP_SYN_FLAG) {
			gen_send_seg(g, h, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 0, 0);
			return false;
		}
		if (!(s->flags & RTE_TCP_ACK_FLAG) || s->ack != h->isn + 1)
			return false;
		h->state = GS_EST;
		h->deadline = 0;
		h->timeouts = 0;
	}
	return h->state == GS_EST;
}

static void tcp_segment(struct gen *g, int port, struct rte_mbuf *m, struct gen_half **touched,
			uint32_t *n_touched)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
							  sizeof(struct rte_ether_hdr));
	uint32_t ihl = (uint32_t)(ip->version_ihl & 0xf) * 4;
	uint32_t tot = rte_be_to_cpu_16(ip->total_length);
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)((uint8_t *)ip + ihl);
	struct gen_half *h;
	struct seg_in s;
	int32_t idx = -1;

	if (ip->next_proto_id != IPPROTO_TCP || tot < ihl + sizeof(*tcp) ||
	    tot + sizeof(struct rte_ether_hdr) > rte_pktmbuf_data_len(m)) {
		g->st.stray++;
		return;
	}
	/* Checked like a host stack would: a relay that patches a checksum wrong is caught. */
	if (rte_raw_cksum(ip, ihl) != 0xffff || rte_ipv4_udptcp_cksum_verify(ip, tcp) != 0) {
		g->st.bad_cksum++;
		return;
	}
	gen_seg_parse(tcp, tot - ihl, &s);
	if (s.len && g->o.rx_loss && ++g->rx_data_segs % g->o.rx_loss == 0) {
		g->st.lost_rx++; /* as if lost on the way */
		return;
	}
	h = half_lookup(g, port, ip, tcp, &s, &idx);
	if (!h) {
		if (port == 0 && (rte_be_to_cpu_32(ip->dst_addr) >> 16) == 0x0a96)
			g->st.syn_flood_answers++; /* 10.150/16: the flood's sources */
		else
			g->st.stray++;
		/* A FIN after the exchange ended (its half freed): acknowledged, as a socket in
		 * TIME-WAIT would, so a peer that closes last (a kernel proxy) does not wait
		 * in LAST-ACK resending it. */
		if ((s.flags & (RTE_TCP_FIN_FLAG | RTE_TCP_RST_FLAG | RTE_TCP_SYN_FLAG)) ==
		    RTE_TCP_FIN_FLAG)
			gen_send_raw(g, port, rte_be_to_cpu_32(ip->dst_addr),
				     rte_be_to_cpu_32(ip->src_addr), rte_be_to_cpu_16(tcp->dst_port),
				     rte_be_to_cpu_16(tcp->src_port), RTE_TCP_ACK_FLAG, s.ack,
				     s.seq + s.len + 1);
		return;
	}
	if (s.has_ts && h->ts_ok)
		h->ts_recent = s.tsval; /* echoed in our next segment (no PAWS check here) */
	if (h->state == GS_SYN_RCVD && h->peer_isn == s.seq && s.flags == RTE_TCP_SYN_FLAG &&
	    !h->deadline) { /* just opened */
		gen_send_seg(g, h, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 0, 0);
		arm(g, h);
		return;
	}
	if (s.flags & RTE_TCP_RST_FLAG) {
		if (h->conn != GEN_NONE)
			conn_fail(g, h->conn, &g->st.fail_rst);
		else if (idx >= 0)
			back_free(g, (uint32_t)idx);
		return;
	}
	if (!half_handshake(g, h, &s)) {
		queue_pump(touched, n_touched, h);
		return;
	}
	if (s.flags & RTE_TCP_ACK_FLAG)
		half_ack(g, h, &s);
	if (!half_data(g, h, (uint32_t)idx, &s))
		return;
	half_advance(g, h);
	queue_pump(touched, n_touched, h);
}

static void conn_check_done(struct gen *g, struct gen_half *h)
{
	struct gen_conn *c;

	if (h->port != 0 || !h->fin_acked || !h->fin_rcvd)
		return;
	c = &g->conns[h->conn];
	gen_lat_add(&g->st, (c->t_resp - c->t_start) * 1000000 / g->hz);
	g->st.completed++;
	g->st.last_done = g->now;
	if (g->o.silent >= 0) {
		double at = (double)(g->now - g->t0) / (double)g->hz;

		g->st.phase_done[at < g->o.silent_from ? 0 : at < g->o.silent_to ? 1 : 2]++;
	}
	conn_free(g, h->conn);
}

void gen_tcp_input(struct gen *g, int port, struct rte_mbuf **m, uint16_t n)
{
	/* Halves are pumped once per burst, so a burst of segments costs one ACK. */
	struct gen_half *touched[GEN_BURST];
	uint32_t n_touched = 0;

	for (uint16_t i = 0; i < n; i++)
		tcp_segment(g, port, m[i], touched, &n_touched);
	for (uint32_t i = 0; i < n_touched; i++) {
		touched[i]->queued = false;
		if (touched[i]->state != GS_FREE) {
			half_pump(g, touched[i], GEN_SEGS_PER_PUMP);
			conn_check_done(g, touched[i]);
		}
	}
}

static void half_retransmit(struct gen *g, struct gen_half *h)
{
	g->st.rtx_timeouts++;
	arm(g, h);
	if (h->state == GS_SYN_SENT) {
		gen_send_seg(g, h, RTE_TCP_SYN_FLAG, 0, 0);
	} else if (h->state == GS_SYN_RCVD) {
		gen_send_seg(g, h, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 0, 0);
	} else {
		h->nxt = h->una;
		h->fin_sent = false;
		h->deadline = 0;
		/* After a time-out nothing the peer said it held is trusted (RFC 6675). */
		h->held_lo = h->held_hi = 0;
		half_pump(g, h, GEN_SEGS_PER_PUMP);
	}
}

/* A half whose deadline passed: retransmit, or give up after GEN_MAX_TIMEOUTS. */
static void half_timer(struct gen *g, struct gen_half *h, uint32_t back_idx)
{
	if (++h->timeouts <= GEN_MAX_TIMEOUTS) {
		half_retransmit(g, h);
		return;
	}
	if (h->conn != GEN_NONE)
		conn_fail(g, h->conn, &g->st.fail_timeout);
	else
		back_free(g, back_idx);
}

/* A half whose slot came round: its deadline passed, or it moved on (re-armed later:
 * back into the wheel; disarmed or freed: dropped). */
static void half_due(void *arg, uint32_t idx)
{
	struct gen *g = arg;
	struct gen_half *h = half_at(g, idx);

	if (h->state == GS_FREE || !h->deadline)
		return;
	if (h->deadline > g->now)
		gen_wheel_insert(&g->wheel, idx, h->deadline);
	else
		half_timer(g, h, idx < g->n_conns ? GEN_NONE : idx - g->n_conns);
}

void gen_tcp_timers(struct gen *g)
{
	gen_wheel_expire(&g->wheel, g->now, half_due, g);
}

void gen_tcp_pump_streams(struct gen *g, uint32_t budget)
{
	/* A full ring would only turn new segments into rewinds: let it drain first. */
	if (g->ports[0].congested || g->ports[1].congested)
		return;
	while (budget--) {
		struct gen_conn *c = &g->conns[g->pump_at++ % g->n_conns];

		if (!c->stream || c->c.state != GS_EST)
			continue;
		half_pump(g, &c->c, g->o.interleave ? 1 : GEN_SEGS_PER_PUMP);
		if (c->back != GEN_NONE)
			half_pump(g, &g->backs[c->back], g->o.interleave ? 1 : GEN_SEGS_PER_PUMP);
	}
}

void gen_tcp_reset_all(struct gen *g)
{
	g->reliable = true;
	for (uint32_t slot = 0; slot < g->n_conns; slot++) {
		struct gen_conn *c = &g->conns[slot];

		if (c->c.state == GS_FREE)
			continue;
		if (c->c.state != GS_SYN_SENT)
			half_reset(g, &c->c);
		if (c->back != GEN_NONE && g->backs[c->back].state == GS_EST)
			half_reset(g, &g->backs[c->back]);
		conn_free(g, slot);
	}
	gen_flush(g, 0);
	gen_flush(g, 1);
	g->reliable = false;
}
