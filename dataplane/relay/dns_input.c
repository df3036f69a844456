/* SPDX-License-Identifier: BSD-3-Clause */
#include "dns_input.h"

#include <string.h>

#include <rte_hash_crc.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_udp.h>

#include "dns_answer.h"
#include "dns_msg.h"
#include "dp_tx.h"
#include "relay_live.h"

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
		rcode = dns_answer_decide(p, live, &q, rrs, &n, &zone, &ev);
		if (rcode == DNS_RCODE_REFUSED && !dc->outside_refused) {
			dp_event(w, DP_EV_dns_to_host);
			return false;
		}
	} else if (!dc->outside_refused &&
		   (st != DNS_PARSE_EDNS || !dns_answer_zone_of(dc, q.name, q.name_len))) {
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
