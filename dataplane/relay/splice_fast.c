/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The splice's burst path (splice_fast.h). What it forwards, it forwards exactly as
 * splice_forward would: the same guard (relay_guard.h), the same translation; it only
 * leaves out what the common case cannot need (options other than the timestamp, SACK
 * blocks, FIN and RST bookkeeping, kept hello bytes, IPv6, segments to split).
 */
#include "splice_fast.h"

#include <string.h>

#include <rte_ip.h>
#include <rte_prefetch.h>

#include "connlog.h"
#include "csum_delta.h"
#include "dispatch.h"
#include "inbox.h"
#include "ipv4_check.h"
#include "mr_bytes.h"
#include "net_input.h"
#include "relay_guard.h"
#include "relay_live.h"
#include "splice_rewrite.h"

#define FRAME_MIN (sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) + \
		   sizeof(struct rte_tcp_hdr))
#define TCP_OPT_TS_ALIGNED 0x0101080au /* NOP, NOP, timestamp kind 8, length 10 */
#define TCP_LEN_TS 32u                 /* a TCP header with the aligned timestamp only */
/* The TCP header's data offset and flags as one 16-bit word (network order), masked to
 * the offset and every flag but PSH: the two header lengths with ACK alone. */
#define OFF_FLAGS_MASK (0xf000u | (0xffu & ~RTE_TCP_PSH_FLAG))
#define OFF_FLAGS_PLAIN ((sizeof(struct rte_tcp_hdr) / 4) << 12 | RTE_TCP_ACK_FLAG)
#define OFF_FLAGS_TS ((TCP_LEN_TS / 4) << 12 | RTE_TCP_ACK_FLAG)
#define PREFETCH_AHEAD 4u
#define STAGE_MAX FLOW_LOOKUP_BULK /* frames staged at once */

#define STAGE_NONE UINT8_MAX /* a frame's slot when it does not fit the template */

/* One burst's frames between their check and their forwarding. The frames that fit the
 * template have a slot each, in order; the slots' keys are looked up together. */
struct stage {
	struct rte_mbuf **pkts;
	/* Read once per burst: the compiler must assume that every store into a frame may
	 * change what w points to, and would read them again for each frame. */
	const struct dp_port *ports;        /* the appliance's */
	struct connlog_worker *connlog;     /* the worker's, NULL: none */
	uint32_t expire_ms;                 /* idle deadline of every flow that moves now */
	unsigned int forwarded[2];          /* per flow_dir */
	bool other_ran;                     /* the full path had a frame since the lookup */
	uint32_t version;                   /* the flow table's at the lookup */
	uint8_t slot[STAGE_MAX];            /* by frame: its slot, or STAGE_NONE */
	struct flow_key key[STAGE_MAX];     /* by slot: the frame's connection */
	struct flow *flow[STAGE_MAX];       /* by slot: its flow, NULL when none here */
	uint8_t dir[STAGE_MAX];             /* by slot: the side the frame came from */
};

/* The IPv4 header's sum, unless the NIC judged it already. A bad one takes the full path,
 * which drops it under its reason. */
static inline bool header_sum_ok(const struct dp_port *p, const struct rte_mbuf *m,
				 const struct rte_ipv4_hdr *ip)
{
	enum ipv4_csum_hint hint = ipv4_csum_hint_of(p->caps.rx_ipv4_cksum, m->ol_flags);

	return hint == IPV4_CSUM_GOOD || (hint == IPV4_CSUM_UNKNOWN && ipv4_sum20_ok(ip));
}

/* Whether eth is to our MAC and from no group address (net_input_frame's L2 checks): two
 * 4-byte compares, the second over the destination's last two bytes and the source's
 * first, whose group bit alone is tested. */
static inline bool mac_ours_from_station(const struct rte_ether_hdr *eth,
					 const struct rte_ether_addr *ours)
{
	static const uint8_t mask_bytes[4] = { 0xff, 0xff, 0x01, 0x00 };
	const uint8_t want_bytes[4] = { ours->addr_bytes[4], ours->addr_bytes[5], 0, 0 };
	uint32_t a4, b4, tail, want, mask;

	memcpy(&a4, &eth->dst_addr, 4);
	memcpy(&b4, ours, 4);
	memcpy(&tail, &eth->dst_addr.addr_bytes[4], 4);
	memcpy(&want, want_bytes, 4);
	memcpy(&mask, mask_bytes, 4);
	return ((a4 ^ b4) | ((tail ^ want) & mask)) == 0;
}

/* Whether frame m from p fits the template; *key is then its connection. Reads only
 * within the frame's first segment. Neighbouring header fields are tested together, as
 * 32-bit words in network order. */
static inline bool frame_fits(const struct dp_port *p, bool nic_l4, const struct rte_mbuf *m,
			      struct flow_key *key)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
	const struct rte_tcp_hdr *tcp = (const struct rte_tcp_hdr *)(ip + 1);
	uint32_t len = rte_pktmbuf_data_len(m), total, tcp_len;
	uint16_t off_flags;

	if (m->nb_segs != 1 || len < FRAME_MIN || !mac_ours_from_station(eth, &p->mac))
		return false;
	/* EtherType IPv4, then version 4 with a 20-byte header (any TOS). */
	if ((mr_load_be32(&eth->ether_type) & 0xffffff00u) != 0x08004500u)
		return false;
	/* Neither more fragments nor an offset (any DF), then any TTL, then TCP. */
	if ((mr_load_be32(&ip->fragment_offset) & 0x3fff00ffu) != IPPROTO_TCP)
		return false;
	/* The data offset (its reserved bits aside) and the flags as one word: a header
	 * without options or with the aligned timestamp only; ACK, with or without PSH. */
	off_flags = mr_load_be16(&tcp->data_off) & OFF_FLAGS_MASK;
	if (off_flags == OFF_FLAGS_PLAIN)
		tcp_len = sizeof(*tcp);
	else if (off_flags == OFF_FLAGS_TS && mr_load_be32(tcp + 1) == TCP_OPT_TS_ALIGNED)
		tcp_len = TCP_LEN_TS;
	else
		return false;
	total = mr_load_be16(&ip->total_length);
	if (total > len - sizeof(*eth) || total < sizeof(*ip) + tcp_len)
		return false;
	/* A TCP sum the NIC found bad: the full path drops it before it teaches anything. */
	if (!header_sum_ok(p, m, ip) || (nic_l4 && relay_sum_flagged_bad(m)))
		return false;
	/* The key's fields lie in the frame in the key's order: source and destination
	 * address, then source and destination port. */
	RTE_BUILD_BUG_ON(offsetof(struct flow_key, local_ip) != 4 ||
			 offsetof(struct flow_key, peer_port) != 8 ||
			 offsetof(struct flow_key, local_port) != 10);
	memcpy(key, &ip->src_addr, 8);
	memcpy((uint8_t *)key + 8, &tcp->src_port, 4);
	return true;
}

/* Check pkts[0..n) (n <= STAGE_MAX) against the template; look the fitting ones up. */
static void stage_frames(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf **pkts,
			 unsigned int n, struct stage *st)
{
	/* Read once: the loop then comes in one version per answer, without a test per frame
	 * where the port judges no TCP sums. */
	const bool nic_l4 = p->caps.rx_l4_cksum;
	unsigned int k = 0;

	RTE_BUILD_BUG_ON(STAGE_MAX >= STAGE_NONE);
	st->pkts = pkts;
	st->other_ran = false;
	for (unsigned int i = 0; i < n && i < PREFETCH_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (unsigned int i = 0; i < n; i++) {
		if (i + PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + PREFETCH_AHEAD], void *));
		st->slot[i] = frame_fits(p, nic_l4, pkts[i], &st->key[k]) ? (uint8_t)k++ : STAGE_NONE;
	}
	if (k > 0)
		flow_lookup_bulk(w->flows, st->key, k, st->flow, st->dir);
	st->version = flow_table_version(w->flows);
}

/* Give the full path what the lookup found for frame i, while the index has not changed
 * since (an IPv6 side found by an IPv4 key is left to its own lookup: flow_lookup_bulk). */
static void pass_lookup(struct dp_worker *w, const struct stage *st, unsigned int i)
{
	unsigned int slot = st->slot[i];
	struct flow *f;

	w->looked_up.m = NULL;
	if (slot == STAGE_NONE || (st->other_ran && st->version != flow_table_version(w->flows)))
		return;
	f = st->flow[slot];
	if (f && (st->dir[slot] == FLOW_DIR_CLIENT ? f->c.v6 : f->b.v6))
		return;
	w->looked_up.m = st->pkts[i];
	w->looked_up.flow = f;
	w->looked_up.dir = st->dir[slot];
}

/* A common-case segment of a flow another worker owns (software dispatch: no rte_flow,
 * no RSS aimed at the relay's ports), handed straight to it once it passes the checks the
 * full path would make on the way (net_input, then relay_input up to its dispatch): the
 * full path would only find that out. true when handed over (consumed). */
static bool hand_over(struct dp_worker *w, const struct dp_port *p, const struct stage *st,
		      unsigned int i)
{
	unsigned int slot = st->slot[i];
	const struct flow_key *k;
	uint32_t local;
	uint16_t port;
	unsigned int owner;

	/* Only a frame that fit the template and found no flow here. */
	if (w->app->n_workers == 1 || slot == STAGE_NONE || st->flow[slot] != NULL)
		return false;
	k = &st->key[slot];
	local = rte_be_to_cpu_32(k->local_ip);
	port = rte_be_to_cpu_16(k->local_port);
	owner = dispatch_owner(w->app, p, k->peer_ip, local, k->peer_port, port);
	if (owner == w->index || !net_ipv4_tcp_passes(p, st->pkts[i]) ||
	    (!dp_port_vip(p, local) && !relay_owns_port(w, relay_live_get(w->app), p, port)))
		return false;
	inbox_put(w, owner, st->pkts[i]);
	return true;
}

/* The flow's constant checksum changes, both directions (flow.h, splice_tcp_sum). */
static void splice_sums_make(struct flow *f)
{
	for (unsigned int dir = 0; dir < 2; dir++) {
		const struct flow_key *in = dir == FLOW_DIR_CLIENT ? &f->c.key : &f->b.key;
		const struct flow_key *out = dir == FLOW_DIR_CLIENT ? &f->b.key : &f->c.key;
		struct csum_delta ip = { 0 }, tcp;

		csum_delta32(&ip, in->peer_ip, out->local_ip);
		csum_delta32(&ip, in->local_ip, out->peer_ip);
		tcp = ip; /* the pseudo-header holds the addresses too */
		csum_delta16(&tcp, in->peer_port, out->local_port);
		csum_delta16(&tcp, in->local_port, out->peer_port);
		f->splice_ip_sum[dir] = csum_fold64(ip.sum);
		f->splice_tcp_sum[dir] = csum_fold64(tcp.sum);
	}
	f->splice_sums = 1;
}

/* Whether the flow is in the state the burst path handles. */
static inline bool flow_fits(const struct flow *f, const struct flow_side *in,
			     const struct flow_side *out, const struct dp_port *p, bool has_ts)
{
	return f->state == FLOW_SPLICED && !f->keeps_stream && in->port == p->index &&
	       !in->v6 && !out->v6 && !in->fin_seen && !out->fin_seen && (!has_ts || out->ts);
}

/* Whether an IPv4 segment of total length total goes to the out side unsplit:
 * relay_seg_room's test (payload and options within the peer's MSS and the port's MTU),
 * made on the total length with the two limits apart. What relay_seg_room lets through
 * only by its floor of one byte takes the full path. */
static inline bool fits_unsplit(const struct flow_side *out, const struct dp_port *out_port,
				uint32_t total)
{
	uint32_t headers = relay_l3l4_len(false);

	return total <= out->peer_mss + headers && total <= out_port->caps.mtu;
}

/* A 32-bit field at an aligned offset of the TCP header set to value (host order). */
static inline void set32(struct csum_delta *d, uint8_t *field, uint32_t value)
{
	uint32_t old_be, new_be = rte_cpu_to_be_32(value);

	memcpy(&old_be, field, 4);
	memcpy(field, &new_be, 4);
	csum_delta32(d, old_be, new_be);
}

/* Sequence, acknowledgement, window and timestamp of s translated for the out side: ack
 * is s->ack already in the out side's space, win_bytes the window in bytes. */
static __rte_always_inline void translate(struct flow *f, enum flow_dir dir, struct relay_seg *s,
			     struct flow_side *out, uint32_t ack, uint32_t win_bytes,
			     struct csum_delta *d, uint32_t *seq_out)
{
	bool from_client = dir == FLOW_DIR_CLIENT;
	uint8_t *tcp = (uint8_t *)s->tcp;
	uint16_t win = splice_rescale(win_bytes, out->local_wscale);
	uint16_t win_old_be = s->tcp->rx_win, win_new_be;

	/* As it came: the floor splice_forward puts under a member's ACKs holds only while
	 * kept bytes wait, which keep a flow off this path. */
	*seq_out = s->seq + (from_client ? f->seq_c2b : f->seq_b2c);
	set32(d, tcp + 4, *seq_out);
	set32(d, tcp + 8, ack);
	/* Byte loads and stores, not rte_bswap16's asm: the compiler may then merge the
	 * swaps of a field read twice. */
	mr_store_be16(&s->tcp->rx_win, win);
	memcpy(&win_new_be, &s->tcp->rx_win, 2);
	csum_delta16(d, win_old_be, win_new_be);
	if (s->tcp_len == TCP_LEN_TS) {
		uint32_t tsval = s->opts.tsval + (from_client ? f->ts_c2b : f->ts_b2c);
		uint32_t tsecr = mr_load_be32(tcp + 28);

		set32(d, tcp + 24, tsval);
		set32(d, tcp + 28, tsecr ? tsecr - (from_client ? f->ts_b2c : f->ts_c2b) : 0);
		if (tsval && seq_lt(out->ts_last, tsval))
			out->ts_last = tsval;
	}
}

/* Addresses, ports, MACs and TTL from the flow's template; the checksums finished. */
static __rte_always_inline void rewrite(const struct flow *f, enum flow_dir dir, struct relay_seg *s,
			   const struct flow_side *out, const struct dp_port *in_port,
			   const struct dp_port *out_port, struct csum_delta *d)
{
	struct csum_delta d_ip = { .sum = f->splice_ip_sum[dir] };
	const uint8_t ttl_proto[2] = { 64, IPPROTO_TCP };
	uint16_t ttl_old, ttl_new;

	d->sum += f->splice_tcp_sum[dir];
	s->eth->dst_addr = out->peer_mac;
	s->eth->src_addr = out_port->mac;
	memcpy(&ttl_old, &s->ip->time_to_live, 2);
	memcpy(&ttl_new, ttl_proto, 2);
	csum_delta16(&d_ip, ttl_old, ttl_new);
	s->ip->time_to_live = 64;
	s->ip->src_addr = out->key.local_ip;
	s->ip->dst_addr = out->key.peer_ip;
	s->tcp->src_port = out->key.local_port;
	s->tcp->dst_port = out->key.peer_port;
	splice_finish_checksums(s->m, s->ip, s->tcp, s->l4_off, in_port, out_port, d, &d_ip, true,
				false);
}

/* Forward staged frame i (in slot), of flow f and from its side dir, when it and its
 * flow are the common case (true: consumed); false leaves it untouched for the full path.
 * Inlined once per direction, so that every choice by direction is made at compile time. */
static __rte_always_inline bool forward_dir(struct dp_worker *w, const struct dp_port *p,
					    struct stage *st, unsigned int i, unsigned int slot,
					    struct flow *f, const enum flow_dir dir)
{
	struct flow_side *in, *out;
	const struct dp_port *out_port;
	struct csum_delta d = { 0 };
	struct relay_seg s;
	uint32_t total, seq_out, ack, win_bytes;

	in = dir == FLOW_DIR_CLIENT ? &f->c : &f->b;
	out = dir == FLOW_DIR_CLIENT ? &f->b : &f->c;
	s.m = st->pkts[i];
	s.sum_ok = false;
	s.eth = rte_pktmbuf_mtod(s.m, struct rte_ether_hdr *);
	s.ip = (struct rte_ipv4_hdr *)(s.eth + 1);
	s.tcp = (struct rte_tcp_hdr *)(s.ip + 1);
	s.l4_off = (uint16_t)(sizeof(*s.eth) + sizeof(*s.ip));
	s.tcp_len = (uint16_t)((s.tcp->data_off & 0xf0) >> 2);
	/* A full-path frame earlier in the burst may have ended the flow found, or given its
	 * entry to another connection. */
	if (!flow_fits(f, in, out, p, s.tcp_len == TCP_LEN_TS) ||
	    (st->other_ran && !flow_key_eq(&in->key, &st->key[slot])))
		return false;
	out_port = &st->ports[out->port];
	total = mr_load_be16(&s.ip->total_length);
	/* What the guard reads of a segment; the rest of s is not needed here. */
	s.payload_len = total - sizeof(*s.ip) - s.tcp_len;
	s.seq = mr_load_be32(&s.tcp->sent_seq);
	s.ack = mr_load_be32(&s.tcp->recv_ack);
	/* The template let ACK and PSH through only: ACK is known set, which spares the
	 * guard its tests of it. */
	s.flags = RTE_TCP_ACK_FLAG | (s.tcp->tcp_flags & RTE_TCP_PSH_FLAG);
	s.opts.tsval = s.tcp_len == TCP_LEN_TS ? mr_load_be32((uint8_t *)s.tcp + 24) : 0;
	/* Too big for the out side (split), or outside the windows (dropped, counted):
	 * the full path's to do. */
	if (!fits_unsplit(out, out_port, total) || !relay_guard_window_ok(f, dir, &s))
		return false;
	/* Trailing Ethernet padding is not payload: the frame ends where its IPv4 packet does
	 * (one segment, no shorter: frame_fits). Set, not tested: no branch per segment. */
	s.m->data_len = (uint16_t)(sizeof(*s.eth) + total);
	s.m->pkt_len = (uint32_t)(sizeof(*s.eth) + total);
	/* The acknowledgement and window in the other side's terms, read once for the guard
	 * and for the rewrite. */
	ack = s.ack - (dir == FLOW_DIR_CLIENT ? f->seq_b2c : f->seq_c2b);
	win_bytes = relay_guard_win_bytes(in, &s);
	if (unlikely(relay_guard_learn(f, dir, &s, ack, win_bytes)))
		relay_follow_mac(w, f, dir, &s.eth->src_addr);
	if (unlikely(!f->splice_sums))
		splice_sums_make(f);
	translate(f, dir, &s, out, ack, win_bytes, &d, &seq_out);
	rewrite(f, dir, &s, out, p, out_port, &d);
	{
		uint32_t end = seq_out + s.payload_len;
		uint32_t *snd_nxt = dir == FLOW_DIR_CLIENT ? &f->b_snd_nxt : &f->c_snd_nxt;

		if (seq_lt(*snd_nxt, end))
			*snd_nxt = end;
	}
	f->expire_ms = st->expire_ms;
	connlog_count(st->connlog, f, dir);
	st->forwarded[dir]++;
	dp_tx_port_uncounted(w, out_port, s.m); /* counted in count() */
	return true;
}

static void count(struct dp_worker *w, const struct stage *st)
{
	unsigned int c2b = st->forwarded[FLOW_DIR_CLIENT], b2c = st->forwarded[FLOW_DIR_BACKEND];

	if (c2b + b2c == 0)
		return;
	dp_count(&w->counters.events[DP_EV_splice_c2b], c2b);
	dp_count(&w->counters.events[DP_EV_splice_b2c], b2c);
	dp_count(&w->counters.events[DP_EV_splice_burst], c2b + b2c);
	dp_count(&w->counters.events[DP_EV_tx_frames], c2b + b2c);
}

static inline bool forward(struct dp_worker *w, const struct dp_port *p, struct stage *st,
			   unsigned int i)
{
	unsigned int slot = st->slot[i];
	struct flow *f;

	if (slot == STAGE_NONE || (f = st->flow[slot]) == NULL)
		return false;
	if (st->dir[slot] == FLOW_DIR_CLIENT)
		return forward_dir(w, p, st, i, slot, f, FLOW_DIR_CLIENT);
	return forward_dir(w, p, st, i, slot, f, FLOW_DIR_BACKEND);
}

void splice_fast_burst(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf **pkts,
		       unsigned int n, splice_fast_other_fn other)
{
	struct stage st;

	/* A paused port takes no frame: the full path's dp_tx_port checks, ours does not. */
	if (unlikely(w->ports_paused)) {
		for (unsigned int i = 0; i < n; i++)
			other(w, p, pkts[i]);
		return;
	}
	st.ports = w->app->ports;
	st.connlog = w->connlog;
	st.expire_ms = relay_now(w) + w->app->conf->relay.idle_timeout_ms;
	st.forwarded[0] = st.forwarded[1] = 0;
	for (unsigned int first = 0; first < n; first += STAGE_MAX) {
		unsigned int cnt = RTE_MIN(n - first, (unsigned int)STAGE_MAX);

		stage_frames(w, p, pkts + first, cnt, &st);
		for (unsigned int i = 0; i < cnt; i++) {
			if (forward(w, p, &st, i) || hand_over(w, p, &st, i))
				continue;
			pass_lookup(w, &st, i);
			other(w, p, pkts[first + i]);
			w->looked_up.m = NULL;
			st.other_ran = true;
		}
	}
	count(w, &st);
}
