/* SPDX-License-Identifier: BSD-3-Clause */
#include "dns_input.h"

#include <string.h>
#include <strings.h>

#include <rte_hash_crc.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_udp.h>

#include "dns_msg.h"
#include "dp_tx.h"
#include "flow_limits.h"
#include "relay.h"
#include "relay_guard.h"
#include "relay_live.h"
#include "relay_tcp.h"
#include "tcp_opts.h"
#include "tcp_out.h"
#include "sni_parse.h"

#define DNS_RRS 3 /* records in an answer at most: A, AAAA, and the SOA at a zone's apex */
#define DNS_TCP_MAX 4096 /* queries and answers over TCP: ours are far smaller */
#define RRL_SLOTS 4096u /* per worker; clients sharing a slot share its count */

/* Answers sent to one client address in one second (RRL). */
struct dns_rrl_slot {
	uint32_t second;
	uint32_t count;         /* answers this second to every client of the slot */
};

struct dns_rrl {
	uint32_t seed;          /* per worker, random: which clients share a slot is nobody's
				 * to compute */
	struct dns_rrl_slot slot[RRL_SLOTS];
};

enum rrl_verdict { RRL_PASS, RRL_SLIP, RRL_DROP };

/* Past rate answers a second to ip, every other one is dropped and the rest truncated. */
static enum rrl_verdict rrl_check(struct dp_worker *w, uint32_t ip, uint32_t rate)
{
	uint32_t second = (uint32_t)(w->now_ms / 1000);
	struct dns_rrl_slot *s;

	if (!w->dns_rrl) {
		w->dns_rrl = rte_zmalloc("dns_rrl", sizeof(struct dns_rrl), RTE_CACHE_LINE_SIZE);
		if (w->dns_rrl)
			w->dns_rrl->seed = (uint32_t)rte_rand();
	}
	if (!w->dns_rrl)
		return RRL_SLIP; /* no memory for the count: answer small, never amplify */
	/* Clients sharing a slot share its count. A slot started afresh for each new client
	 * instead let queries alternating between two of them keep both under the rate. */
	s = &w->dns_rrl->slot[rte_hash_crc_4byte(ip, w->dns_rrl->seed) & (RRL_SLOTS - 1)];
	if (s->second != second)
		*s = (struct dns_rrl_slot){ second, 0 };
	if (++s->count <= rate)
		return RRL_PASS;
	return (s->count - rate) & 1 ? RRL_DROP : RRL_SLIP;
}

void dns_worker_down(struct dp_worker *w)
{
	rte_free(w->dns_rrl);
	w->dns_rrl = NULL;
}

/* The zone of dc that holds name (equal to it or a parent of it), the longest when zones
 * nest (its SOA is the one a resolver of the inner zone takes), or NULL. */
static const char *zone_of(const struct mr_dns_conf *dc, const char *name, size_t len)
{
	const char *best = NULL;
	size_t best_len = 0;

	for (unsigned int i = 0; i < dc->n_zones; i++) {
		size_t zl = strlen(dc->zones[i]);

		if ((!best || zl > best_len) &&
		    (len == zl ? memcmp(name, dc->zones[i], zl) == 0
			       : len > zl && name[len - zl - 1] == '.' &&
					 memcmp(name + len - zl, dc->zones[i], zl) == 0)) {
			best = dc->zones[i];
			best_len = zl;
		}
	}
	return best;
}

/* Whether the gateway routes name by a route of its own (not the default route). */
static bool routed(const struct relay_live *live, const struct dns_query *q)
{
	struct sni_result r;
	struct route_decision d;

	if (q->name_len == 0 || q->name_len > SNI_NAME_MAX)
		return false;
	memset(&r, 0, offsetof(struct sni_result, host));
	r.verdict = SNI_COMPLETE;
	r.has_sni = true;
	r.host_len = q->name_len;
	memcpy(r.host, q->name, q->name_len + 1u);
	/* A pool drained to no member of weight above 0 still routes its names: its clients
	 * are refused a connection, and the name is not denied for the negative TTL. */
	return (route_lookup(live->routes, &r, 0, &d) != ROUTE_REFUSED ||
		d.refusal == ROUTE_REFUSAL_EMPTY_POOL) &&
	       d.match != ROUTE_MATCH_DEFAULT;
}

/* Whether name (len bytes) lies under a mangled-name suffix of live: names under it are
 * routed by their form (`_443._10-1-0-2.SUFFIX`, `outbound_.8443_._.api.SUFFIX`), so a
 * name there that is not one may still lead to one (`_10-1-0-2.SUFFIX`): it exists
 * (RFC 8020), it only has no record. */
static bool under_mangled(const struct relay_live *live, const char *name, size_t len)
{
	for (unsigned int i = 0; i < live->conf.n_mangled; i++) {
		const char *sfx = live->conf.mangled[i].suffix;
		size_t sl = strlen(sfx);

		if (len > sl && name[len - sl - 1] == '.' && strncasecmp(name + len - sl, sfx, sl) == 0)
			return true;
	}
	return false;
}

/* What to answer to q, by the names the gateway routes: its rcode and records (n set, at
 * most DNS_RRS), and the event that counts it (*ev: the caller counts it once the answer
 * goes). A zone's own name (its apex) exists: it has the SOA, whatever it routes. */
static enum dns_rcode decide(const struct dp_port *p, const struct relay_live *live,
			     const struct dns_query *q, struct dns_addr_rr *rrs, unsigned int *n,
			     const char **zone, enum dp_event *ev)
{
	const struct mr_dns_conf *dc = &live->conf.dns;
	bool apex, routes;
	uint32_t vip;

	*n = 0;
	*zone = NULL;
	/* The zones are class IN: other classes (CH, HS) are not ours to deny. Nor is a zone
	 * transfer ours to give (the zones are made of the routes): refused, as RFC 5936
	 * 2.2.1 has a server that will not transfer say, where an empty success would be
	 * taken by a secondary for a transfer gone wrong. */
	if ((q->qclass != DNS_CLASS_IN && q->qclass != DNS_CLASS_ANY) ||
	    q->qtype == DNS_TYPE_AXFR || q->qtype == DNS_TYPE_IXFR) {
		*ev = DP_EV_dns_refused;
		return DNS_RCODE_REFUSED;
	}
	*zone = zone_of(dc, q->name, q->name_len);
	vip = route_table_service_vip(live->routes, q->name, q->name_len);
	apex = *zone && strlen(*zone) == q->name_len;
	if (apex && (q->qtype == DNS_TYPE_SOA || q->qtype == DNS_TYPE_ANY))
		rrs[(*n)++].type = DNS_TYPE_SOA;
	routes = vip || routed(live, q);
	/* A zone's own name, or a name of it with routed names below it (or under a mangled
	 * suffix): it exists, with no record of its own (NXDOMAIN would deny every name
	 * below it, RFC 8020). */
	if (!routes && (apex || (*zone && (relay_live_is_parent(live, q->name) ||
					    under_mangled(live, q->name, q->name_len))))) {
		*ev = *n ? DP_EV_dns_answered : DP_EV_dns_nodata;
		return DNS_RCODE_NOERROR;
	}
	if (!routes) {
		if (*zone) {
			*ev = DP_EV_dns_nxdomain;
			return DNS_RCODE_NXDOMAIN;
		}
		*ev = DP_EV_dns_refused;
		return DNS_RCODE_REFUSED;
	}
	/* A plain TCP service has its own address (IPv4 only), which tells it apart from the
	 * other services on the same port; any other routed name gets the port's. */
	if (q->qtype == DNS_TYPE_A || q->qtype == DNS_TYPE_ANY) {
		uint32_t a = rte_cpu_to_be_32(vip ? vip : p->ipv4);

		rrs[*n].type = DNS_TYPE_A;
		memcpy(rrs[(*n)++].addr, &a, 4);
	}
	if ((q->qtype == DNS_TYPE_AAAA || q->qtype == DNS_TYPE_ANY) && !vip && p->has_ipv6) {
		rrs[*n].type = DNS_TYPE_AAAA;
		memcpy(rrs[(*n)++].addr, p->ipv6, 16);
	}
	*ev = *n ? DP_EV_dns_answered : DP_EV_dns_nodata;
	return DNS_RCODE_NOERROR;
}

/* A UDP datagram to port 53 as dns_input reads it, either family. */
struct dns_udp {
	struct rte_ipv4_hdr *ip;   /* IPv4, else NULL */
	struct rte_ipv6_hdr *ip6;  /* IPv6 (no extension headers), else NULL */
	struct rte_udp_hdr *udp;
	size_t len;                /* DNS bytes after the UDP header */
	uint32_t client;           /* the source address, or a digest of it (RRL) */
};

/* m's UDP to port 53 of dc's port (l3_off: its IP header): 1 found and checked, 0 not DNS
 * (the host's), -1 malformed. */
static int udp_of(const struct mr_dns_conf *dc, const struct dp_port *p, struct rte_mbuf *m,
		  uint16_t l3_off, struct dns_udp *u)
{
	uint8_t *l3 = rte_pktmbuf_mtod_offset(m, uint8_t *, l3_off);
	size_t l4_off, ulen;

	memset(u, 0, sizeof(*u));
	if (dc->port_index != (int)p->index)
		return 0;
	if ((l3[0] >> 4) == 6) {
		u->ip6 = (struct rte_ipv6_hdr *)l3;
		if (u->ip6->proto != IPPROTO_UDP)
			return 0;
		l4_off = l3_off + sizeof(*u->ip6);
		uint64_t src[2]; /* the header sits 2 bytes off 8-byte alignment */

		memcpy(src, u->ip6->src_addr, sizeof(src));
		u->client = rte_hash_crc(src, sizeof(src), 0);
	} else {
		u->ip = (struct rte_ipv4_hdr *)l3;
		if (u->ip->next_proto_id != IPPROTO_UDP || rte_ipv4_hdr_len(u->ip) != sizeof(*u->ip))
			return 0; /* IP options: the host may take those */
		l4_off = l3_off + sizeof(*u->ip);
		u->client = rte_be_to_cpu_32(u->ip->src_addr);
	}
	if (rte_pktmbuf_data_len(m) < l4_off + sizeof(*u->udp))
		return 0;
	u->udp = rte_pktmbuf_mtod_offset(m, struct rte_udp_hdr *, l4_off);
	if (u->udp->dst_port != rte_cpu_to_be_16(DNS_PORT))
		return 0;
	ulen = rte_be_to_cpu_16(u->udp->dgram_len);
	if (m->nb_segs > 1 || ulen < sizeof(*u->udp) || l4_off + ulen > rte_pktmbuf_data_len(m))
		return -1;
	/* A zero sum means none over IPv4; over IPv6 the sum is mandatory (RFC 8200). */
	if (u->ip6 ? rte_ipv6_udptcp_cksum_verify(u->ip6, u->udp) != 0
		   : u->udp->dgram_cksum && rte_ipv4_udptcp_cksum_verify(u->ip, u->udp) != 0)
		return -1;
	u->len = ulen - sizeof(*u->udp);
	return 1;
}

/* The answer as the reply to the datagram u of frame m, in place: addresses and ports
 * swapped, lengths and sums set. */
static void send_reply(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m,
		       struct dns_udp *u, const uint8_t *answer, size_t len)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_udp_hdr *udp = u->udp;
	uint16_t port = udp->src_port;

	memcpy(udp + 1, answer, len);
	udp->src_port = udp->dst_port;
	udp->dst_port = port;
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*udp) + len));
	eth->dst_addr = eth->src_addr;
	eth->src_addr = p->mac;
	udp->dgram_cksum = 0;
	/* The query's ECN mark is not the answer's: set, it would claim an ECN-capable
	 * transport (RFC 3168 6.1.1) or pass on a congestion mark. Its DSCP is kept. */
	if (u->ip6) {
		memcpy(u->ip6->dst_addr, u->ip6->src_addr, 16);
		memcpy(u->ip6->src_addr, p->ipv6, 16);
		u->ip6->payload_len = udp->dgram_len;
		u->ip6->hop_limits = 64;
		u->ip6->vtc_flow &= rte_cpu_to_be_32(~(uint32_t)RTE_IPV6_HDR_ECN_MASK);
		udp->dgram_cksum = rte_ipv6_udptcp_cksum(u->ip6, udp);
	} else {
		u->ip->dst_addr = u->ip->src_addr;
		u->ip->src_addr = rte_cpu_to_be_32(p->ipv4);
		u->ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*u->ip) + sizeof(*udp) + len));
		u->ip->time_to_live = 64;
		u->ip->type_of_service &= (uint8_t)~RTE_IPV4_HDR_ECN_MASK;
		u->ip->packet_id = 0;
		u->ip->fragment_offset = 0;
		u->ip->hdr_checksum = 0;
		u->ip->hdr_checksum = rte_ipv4_cksum(u->ip);
		udp->dgram_cksum = rte_ipv4_udptcp_cksum(u->ip, udp);
	}
	m->data_len = m->pkt_len = (uint32_t)((uint8_t *)(udp + 1) + len - rte_pktmbuf_mtod(m, uint8_t *));
	dp_mbuf_tx_flags(m, 0);
	dp_tx_port(w, p, m);
}

/* Whether a reply to source port sport would be answered back: port 0 is no one's, and
 * echo, daytime, quote of the day, chargen and time answer any datagram, so one spoofed
 * query from one of them would start an endless exchange with us. */
static bool dns_source_loops(uint16_t sport)
{
	switch (sport) {
	case 0: case 7: case 13: case 17: case 19: case 37:
		return true;
	}
	return false;
}

bool dns_input(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m,
	       uint16_t l3_off)
{
	const struct relay_live *live = relay_live_get(w->app);
	const struct mr_dns_conf *dc = &live->conf.dns;
	uint8_t answer[DNS_UDP_OURS];
	struct dns_addr_rr rrs[DNS_RRS];
	struct dns_query q;
	struct dns_udp u;
	const char *zone = NULL;
	enum dns_parse_status st;
	enum dp_event ev = DP_EV_dns_formerr;
	enum dns_rcode rcode;
	unsigned int n = 0;
	size_t room, len, head;
	int found = udp_of(dc, p, m, l3_off, &u);

	if (found == 0)
		return false;
	if (found > 0 && dns_source_loops(rte_be_to_cpu_16(u.udp->src_port))) {
		dp_drop(w, m, DP_DROP_dns_source_port);
		return true;
	}
	st = found < 0 ? DNS_PARSE_SHORT : dns_parse_query((const uint8_t *)(u.udp + 1), u.len, &q);
	/* Never answer an answer. With the host's resolver beside us, one to port 53 is an
	 * answer to what it asked from that port (a resolver's query-source, a primary's
	 * NOTIFY): its to read, as every datagram not ours. */
	if (st == DNS_PARSE_RESPONSE && !dc->outside_refused) {
		dp_event(w, DP_EV_dns_to_host);
		return false;
	}
	if (st == DNS_PARSE_SHORT || st == DNS_PARSE_RESPONSE) {
		dp_drop(w, m, DP_DROP_dns_malformed);
		return true;
	}
	if (st == DNS_PARSE_OK) {
		rcode = decide(p, live, &q, rrs, &n, &zone, &ev);
		if (rcode == DNS_RCODE_REFUSED && !dc->outside_refused) {
			dp_event(w, DP_EV_dns_to_host);
			return false;
		}
	} else if (!dc->outside_refused &&
		   (st != DNS_PARSE_EDNS || !zone_of(dc, q.name, q.name_len))) {
		/* Not a query of ours to read: with the host's resolver beside us, its to answer
		 * (a secondary's NOTIFY, an UPDATE, a cookie probe with no question), as every
		 * name outside the zones is. */
		dp_event(w, DP_EV_dns_to_host);
		return false;
	} else {
		q.question_len = 0; /* the header alone: FORMERR, or NOTIMP for other opcodes */
		rcode = st == DNS_PARSE_OPCODE ? DNS_RCODE_NOTIMP : DNS_RCODE_FORMERR;
	}
	head = (size_t)((uint8_t *)(u.udp + 1) - rte_pktmbuf_mtod(m, uint8_t *));
	room = RTE_MIN(dns_udp_room(&q), (size_t)p->caps.mtu - (head - sizeof(struct rte_ether_hdr)));
	switch (rrl_check(w, u.client, dc->rate)) {
	case RRL_DROP:
		dp_event(w, DP_EV_dns_rate_limited);
		rte_pktmbuf_free(m);
		return true;
	case RRL_SLIP:
		room = DNS_HEADER_LEN + q.question_len + (q.edns ? 11u : 0u); /* TC: ask by TCP */
		break;
	case RRL_PASS:
		break;
	}
	dp_event(w, ev); /* what the answer says, once it is sure to go (cut or whole) */
	len = dns_build_answer(answer, room, (const uint8_t *)(u.udp + 1), u.len, &q, rcode, rrs,
			       n, dc->ttl,
			       zone ? &(struct dns_zone){ zone, live->serial, dc->ttl } : NULL);
	if (!len || head + len > (size_t)(m->buf_len - m->data_off)) {
		dp_drop(w, m, DP_DROP_dns_malformed);
		return true;
	}
	if (answer[2] & 0x02)
		dp_event(w, DP_EV_dns_truncated);
	send_reply(w, p, m, &u, answer, len);
	return true;
}

/* DNS over TCP: a flow of the DNS port's listener on port 53 (the relay took the handshake
 * with its cookies, its limits and its kept-bytes budget). */
bool dns_tcp_flow(const struct dp_worker *w, const struct flow *f)
{
	const struct relay_live *live = relay_live_get(w->app);

	return f->c.key.local_port == rte_cpu_to_be_16(DNS_PORT) &&
	       live->conf.dns.port_index == (int)f->c.port;
}

/* The answer (its 2-byte lengths first, msg_len bytes) to f's client with FIN, from the
 * relay's sequence number seq. */
static void send_tcp_answer(struct dp_worker *w, struct flow *f, const uint8_t *msg,
			    size_t msg_len, uint32_t seq)
{
	const struct dp_port *p = &w->app->ports[f->c.port];
	uint8_t opts[12];
	unsigned int opt_len = 0;
	struct rte_mbuf *m;
	uint8_t *at;

	if (f->c.ts) {
		f->c.ts_last = RTE_MAX(f->c.ts_last, relay_now(w) + 32);
		opt_len = tcp_opts_write_ts(opts, f->c.ts_last, f->c.ts_recent);
	}
	m = tcp_out_header(w->app->pool, p, &f->c.key, relay_addr6(w, f, FLOW_DIR_CLIENT),
			   &f->c.peer_mac, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG | RTE_TCP_FIN_FLAG,
			   seq, f->c_rcv_nxt, relay_window(f, FLOW_DIR_CLIENT), opts, opt_len);
	at = m ? (uint8_t *)rte_pktmbuf_append(m, (uint16_t)msg_len) : NULL;
	if (!at) {
		rte_pktmbuf_free(m);
		return;
	}
	memcpy(at, msg, msg_len);
	if (tcp_out_finish(m, p) < 0) {
		rte_pktmbuf_free(m);
		return;
	}
	dp_tx_port(w, p, m);
}

/* The answer to the query at msg (len bytes) in out (at most room bytes), its 2-byte
 * length first: the bytes written, 0 when it did not fit (truncated to room when only its
 * question does). */
static size_t tcp_answer_one(struct dp_worker *w, const struct flow *f,
			     const struct relay_live *live, const uint8_t *msg, size_t len,
			     uint8_t *out, size_t room)
{
	const struct mr_dns_conf *dc = &live->conf.dns;
	struct dns_addr_rr rrs[DNS_RRS];
	struct dns_query q;
	const char *zone = NULL;
	enum dns_parse_status st = dns_parse_query(msg, len, &q);
	enum dp_event ev = DP_EV_dns_formerr;
	enum dns_rcode rcode;
	unsigned int n = 0;
	size_t alen;

	if (room < 2 || st == DNS_PARSE_RESPONSE)
		return 0; /* a response is never answered, over TCP either */
	if (st == DNS_PARSE_OK) {
		rcode = decide(&w->app->ports[f->c.port], live, &q, rrs, &n, &zone, &ev);
	} else {
		q.question_len = 0;
		rcode = st == DNS_PARSE_OPCODE ? DNS_RCODE_NOTIMP : DNS_RCODE_FORMERR;
	}
	dp_event(w, ev);
	/* Over TCP the room is the message's: an EDNS0 size does not apply (RFC 7766). */
	q.edns_udp_size = q.edns ? DNS_TCP_MAX : 0;
	alen = dns_build_answer(out + 2, room - 2, msg, len, &q, rcode, rrs, n, dc->ttl,
				zone ? &(struct dns_zone){ zone, live->serial, dc->ttl } : NULL);
	if (!alen)
		return 0;
	out[0] = (uint8_t)(alen >> 8);
	out[1] = (uint8_t)alen;
	return alen + 2;
}

/* The length of the message whose 2-byte length is at offset at of f's kept bytes: -1
 * when those two bytes have not all come, -2 when out of bounds. */
static int tcp_msg_len(const struct flow *f, uint32_t at, uint32_t end)
{
	uint8_t buf[2];
	const uint8_t *b = end - at >= 2 ? rte_pktmbuf_read(f->stream, at, 2, buf) : NULL;
	int len = b ? b[0] << 8 | b[1] : -1;

	return len >= 0 && (len > DNS_TCP_MAX || len < DNS_HEADER_LEN) ? -2 : len;
}

/* The client's resends of the answer go this long apart at first, doubling, as many
 * times as DNS_TCP_RESENDS; a client gone for longer is let go. */
#define DNS_TCP_RTO_MS 300u
#define DNS_TCP_RESENDS 4u

/* f's queries are answered (msg, len bytes, lengths first): the answer goes with FIN and
 * f stays, keeping the answer instead of the queries, until the client has acknowledged
 * it and closed its half (RFC 9293's FIN-WAIT and TIME-WAIT, dns_tcp_closing_input).
 * Without a buffer to keep the answer in, it goes once and f with it. */
static void tcp_answered(struct dp_worker *w, struct flow *f, const uint8_t *msg, size_t len)
{
	struct rte_mbuf *kept = rte_pktmbuf_alloc(w->app->pool);
	uint8_t *at = kept ? (uint8_t *)rte_pktmbuf_append(kept, (uint16_t)len) : NULL;

	send_tcp_answer(w, f, msg, len, f->c_snd_nxt);
	if (!at) {
		rte_pktmbuf_free(kept);
		return flow_release(w->flows, f);
	}
	memcpy(at, msg, len);
	flow_stream_set(w->flows, f, kept);
	/* One of its client's hellos only while it keeps the answer (to resend it): a
	 * resolver asking over TCP many times a second is not held to client.max_hellos for
	 * connections it has closed. */
	flow_client_hello_done(w->flows, f);
	f->proxy_len = 0;
	f->stream_len = (uint32_t)len;
	f->c_snd_nxt += (uint32_t)len + 1; /* the answer and our FIN */
	f->state = FLOW_ANSWERED;
	f->retries = 0;
	flow_rtx_arm(w->flows, f, relay_now(w) + DNS_TCP_RTO_MS);
	flow_expire_set(w->flows, f, relay_now(w) + w->app->conf->relay.closing_timeout_ms);
}

void dns_tcp_answer(struct dp_worker *w, struct flow *f)
{
	const struct relay_live *live = relay_live_get(w->app);
	/* Room for one segment's answers and one whole answer more behind them. */
	uint8_t query[DNS_TCP_MAX], answer[2 * (DNS_TCP_MAX + 2)];
	uint32_t end = (uint32_t)f->proxy_len + f->stream_len, at;
	/* One segment: the client's MSS and the port's MTU, less the timestamp option. */
	size_t room = RTE_MIN(relay_seg_room(&f->c, &w->app->ports[f->c.port], f->c.ts ? 12u : 0u),
			      DNS_TCP_MAX + 2u);
	size_t len = 0, wrote;
	int one;

	/* The kept bytes must be whole queries, one or more: a client may send several at
	 * once (a stub's A and AAAA in one write), and the answers go with FIN. */
	for (at = f->proxy_len; at < end; at += 2 + (uint32_t)one) {
		one = tcp_msg_len(f, at, end);
		if (one == -2) {
			dp_count(&w->counters.drops[DP_DROP_dns_malformed], 1);
			return relay_abort(w, f, true, false, DP_DROP_none);
		}
		if (one < 0 || end - at - 2 < (uint32_t)one)
			return; /* the rest of it is on its way */
	}
	/* Answered in order, whole, as many as one segment holds (an answer of ours is a
	 * few hundred bytes); the client asks again for the rest on a new connection (RFC
	 * 7766 6.2.1: a server may close with queries unanswered). TC means nothing over TCP:
	 * only a first answer larger than a segment goes cut to it. */
	for (at = f->proxy_len; at < end; at += 2 + (uint32_t)one) {
		const uint8_t *q;

		one = tcp_msg_len(f, at, end);
		q = rte_pktmbuf_read(f->stream, at + 2, (uint32_t)one, query);
		wrote = q ? tcp_answer_one(w, f, live, q, (size_t)one, answer + len,
					   len ? DNS_TCP_MAX + 2u : room)
			  : 0;
		if (!wrote || len + wrote > room)
			break; /* its counts (decide's) stand: it was answered, not sent */
		len += wrote;
		dp_event(w, DP_EV_dns_tcp);
	}
	if (!len)
		return relay_abort(w, f, true, false, DP_DROP_dns_malformed);
	tcp_answered(w, f, answer, len);
}

/* The relay's sequence number of the first byte of f's answer (FLOW_ANSWERED); once the
 * answer is acknowledged and let go, of our FIN. */
static uint32_t answer_start(const struct flow *f)
{
	return f->c_snd_nxt - f->stream_len - 1;
}

void dns_tcp_resend(struct dp_worker *w, struct flow *f)
{
	if (f->retries >= DNS_TCP_RESENDS)
		return relay_abort(w, f, true, false, DP_DROP_dns_tcp_unacked);
	f->retries++;
	dp_event(w, DP_EV_dns_tcp_resent);
	send_tcp_answer(w, f, rte_pktmbuf_mtod(f->stream, const uint8_t *), f->stream_len,
			answer_start(f));
	flow_rtx_arm(w->flows, f, relay_now(w) + (DNS_TCP_RTO_MS << f->retries));
}

/* Our answer and FIN acknowledged and the client's FIN in: f waits out its TIME-WAIT
 * only, a connection that is over, no longer one its client holds against
 * client.max_flows (a resolver asking over TCP opens one a query), and one a full table
 * takes for a new connection. */
static void maybe_over(struct dp_worker *w, struct flow *f)
{
	if (f->c.fin_seen && f->c.fin_acked)
		flow_set_over(w->flows, f);
}

/* The client's FIN, in order: acknowledged, and f kept a tenth of the closing time for
 * its resends should that ACK be lost (TIME-WAIT: a new SYN ends it at once, see
 * relay_input.c). */
static void client_fin(struct dp_worker *w, struct flow *f)
{
	const struct mr_relay_conf *rc = &w->app->conf->relay;

	f->c_rcv_nxt++;
	f->c.fin_seen = 1;
	flow_expire_set(w->flows, f, relay_now(w) + rc->closing_timeout_ms / 10);
	relay_ack_client(w, f);
	maybe_over(w, f);
}

void dns_tcp_closing_input(struct dp_worker *w, struct flow *f, struct relay_seg *s)
{
	uint32_t start = answer_start(f), end = s->seq + s->payload_len;

	if (!relay_seg_checksum_ok(&w->app->ports[f->c.port], s))
		return dp_drop(w, s->m, DP_DROP_tcp_checksum);
	if (!relay_guard_seq_ok(s->seq, s->payload_len, f->c_rcv_nxt, DNS_TCP_MAX)) {
		if (!(s->flags & RTE_TCP_RST_FLAG))
			relay_ack_client(w, f);
		return dp_drop(w, s->m, DP_DROP_tcp_out_of_window);
	}
	if (s->flags & RTE_TCP_RST_FLAG) {
		if (s->seq != f->c_rcv_nxt) {
			relay_challenge(w, f, FLOW_DIR_CLIENT, f->c_rcv_nxt);
			return dp_drop(w, s->m, DP_DROP_rst_not_exact);
		}
		rte_pktmbuf_free(s->m);
		dp_event(w, DP_EV_flow_closed);
		return flow_release(w->flows, f);
	}
	if (s->flags & RTE_TCP_SYN_FLAG) {
		relay_challenge(w, f, FLOW_DIR_CLIENT, f->c_rcv_nxt);
		return dp_drop(w, s->m, DP_DROP_syn_in_window);
	}
	if (!(s->flags & RTE_TCP_ACK_FLAG) || s->ack - start > f->c_snd_nxt - start) {
		relay_ack_client(w, f);
		return dp_drop(w, s->m, relay_guard_window_drop(s));
	}
	if (s->opts.has_ts && seq_leq(s->seq, f->c_rcv_nxt))
		f->c.ts_recent = s->opts.tsval;
	if (s->ack == f->c_snd_nxt && f->stream) {
		/* The answer and our FIN arrived: nothing to resend, no buffer to keep. */
		flow_rtx_disarm(w->flows, f);
		flow_stream_set(w->flows, f, NULL);
		f->stream_len = 0;
		f->c.fin_acked = 1;
		maybe_over(w, f);
	}
	if (seq_lt(f->c_rcv_nxt, end) && !f->c.fin_seen) {
		/* Bytes after the answer closed the connection: not read (RFC 9293 3.10.7.4 for
		 * a closed receiver), the client told at once to ask on a new connection. */
		rte_pktmbuf_free(s->m);
		return relay_abort(w, f, true, false, DP_DROP_dns_after_answer);
	}
	rte_pktmbuf_free(s->m);
	if ((s->flags & RTE_TCP_FIN_FLAG) && end == f->c_rcv_nxt && !f->c.fin_seen)
		return client_fin(w, f);
	if ((s->flags & RTE_TCP_FIN_FLAG) || s->payload_len)
		relay_ack_client(w, f); /* a resent FIN or query: our ACK of it was lost */
}
