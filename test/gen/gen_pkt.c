/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "gen.h"
#include "tcp_frame.h"
#include "mr_bytes.h"

#define HDR_LEN (sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) + \
		 sizeof(struct rte_tcp_hdr))

/* Ethernet, IPv4 and TCP headers (plus opt_len option bytes) of a new frame on port;
 * the caller writes options and payload behind the TCP header, then calls seal(). */
static struct rte_mbuf *frame_start(struct gen *g, int port, uint32_t sip, uint32_t dip,
				    uint16_t sport, uint16_t dport, uint8_t flags, uint32_t seq,
				    uint32_t ack, uint32_t opt_len, uint32_t len)
{
	struct gen_port *p = &g->ports[port];
	struct rte_mbuf *m = rte_pktmbuf_alloc(g->pool);
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *tcp;

	if (!m)
		return NULL;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, (uint16_t)(HDR_LEN + opt_len + len));
	if (!eth) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	eth->dst_addr = p->peer_mac;
	eth->src_addr = p->mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	ip->version_ihl = 0x45;
	ip->type_of_service = 0;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + sizeof(*tcp) + opt_len + len));
	ip->packet_id = 0;
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->hdr_checksum = 0;
	ip->src_addr = rte_cpu_to_be_32(sip);
	ip->dst_addr = rte_cpu_to_be_32(dip);
	tcp = (struct rte_tcp_hdr *)(ip + 1);
	tcp->src_port = rte_cpu_to_be_16(sport);
	tcp->dst_port = rte_cpu_to_be_16(dport);
	tcp->sent_seq = rte_cpu_to_be_32(seq);
	tcp->recv_ack = rte_cpu_to_be_32(ack);
	tcp->data_off = (uint8_t)(((sizeof(*tcp) + opt_len) / 4) << 4);
	tcp->tcp_flags = flags;
	tcp->rx_win = rte_cpu_to_be_16(GEN_WINDOW);
	tcp->cksum = 0;
	tcp->tcp_urp = 0;
	return m;
}

static void seal(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
							  sizeof(struct rte_ether_hdr));
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(ip + 1);

	ip->hdr_checksum = rte_ipv4_cksum(ip);
	tcp->cksum = rte_ipv4_udptcp_cksum(ip, tcp);
}

/* A segment of h from off was not sent: h sends again from there, unless it has already
 * gone back further. One at the stream's end after its FIN went (the FIN alone, or an ACK
 * behind it) sends the FIN again: a FIN the ring refused waited for a timeout. */
static void rewind_to(struct gen_half *h, uint64_t off)
{
	if (!h)
		return;
	if (off < h->nxt) {
		h->nxt = off;
		h->fin_sent = false;
	} else if (off == h->total && h->fin_sent) {
		h->fin_sent = false;
	}
}

static void enqueue(struct gen *g, int port, struct rte_mbuf *m, struct gen_half *h,
		    uint64_t off)
{
	struct gen_port *p = &g->ports[port];

	p->tx[p->n_tx] = m;
	p->tx_half[p->n_tx] = h;
	p->tx_off[p->n_tx] = off;
	if (++p->n_tx == GEN_BURST)
		gen_flush(g, port);
}

void gen_flush(struct gen *g, int port)
{
	struct gen_port *p = &g->ports[port];
	uint16_t sent = p->n_tx ? rte_eth_tx_burst(p->id, 0, p->tx, p->n_tx) : 0;

	/* Resets at the end of a run must reach the relay, or its flows wait for the idle
	 * timeout: the ring drains as the relay polls, so wait for room. */
	if (g->reliable && sent < p->n_tx) {
		uint64_t give_up = rte_rdtsc() + g->hz / 10;

		while (sent < p->n_tx && rte_rdtsc() < give_up)
			sent += rte_eth_tx_burst(p->id, 0, p->tx + sent, p->n_tx - sent);
	}

	g->st.tx_frames[port] += sent;
	p->congested = sent < p->n_tx;
	for (uint16_t i = sent; i < p->n_tx; i++) {
		/* The ring is full: the stream rewinds to the first byte not sent, as if the
		 * segment had been lost at once rather than after a timeout. */
		rewind_to(p->tx_half[i], p->tx_off[i]);
		rte_pktmbuf_free(p->tx[i]);
		g->st.tx_drop[port]++;
	}
	p->n_tx = 0;
}

/* NOP, NOP and a SACK block for the bytes h holds beyond a hole, into opt: 12 bytes. */
static uint32_t sack_option(const struct gen_half *h, uint8_t *opt)
{
	memcpy(opt, (const uint8_t[]){ 1, 1, 5, 10 }, 4);
	mr_store_be32(opt + 4, h->peer_isn + 1 + (uint32_t)h->sack_lo);
	mr_store_be32(opt + 8, h->peer_isn + 1 + (uint32_t)h->sack_hi);
	return 12;
}

/* The TCP options of a segment of h into opt; their length (a multiple of 4). A SYN
 * carries MSS only, or with --linux what Linux sends: MSS, SACK-permitted, timestamps,
 * NOP, window scale (a SYN-ACK only what the SYN offered); later segments NOP, NOP,
 * timestamps once both agreed, and a pure ACK a SACK block while bytes are held beyond
 * a hole (Linux puts them on data too; the generator keeps its data segments' size). */
static uint32_t seg_options(struct gen *g, const struct gen_half *h, bool syn, bool pure_ack,
			    uint8_t *opt)
{
	uint32_t tsval = (uint32_t)(g->now / (g->hz / 1000 ? g->hz / 1000 : 1));
	bool offer_ts = syn ? g->o.linux_segs && (h->state == GS_FREE || h->state == GS_SYN_SENT ||
						   h->ts_ok) : h->ts_ok;
	uint32_t n = 0;

	if (syn) {
		memcpy(opt, (const uint8_t[]){ 2, 4, GEN_MSS >> 8, GEN_MSS & 0xff }, 4);
		n = 4;
		if (!g->o.linux_segs)
			return n;
		if (h->state != GS_SYN_RCVD || h->sack_ok) {
			memcpy(opt + n, (const uint8_t[]){ 4, 2 }, 2);
			n += 2;
		} else {
			memcpy(opt + n, (const uint8_t[]){ 1, 1 }, 2);
			n += 2;
		}
	} else if (offer_ts) {
		memcpy(opt, (const uint8_t[]){ 1, 1 }, 2);
		n = 2;
	}
	if (offer_ts) {
		opt[n++] = 8;
		opt[n++] = 10;
		mr_store_be32(opt + n, tsval);
		mr_store_be32(opt + n + 4, h->ts_recent);
		n += 8;
	} else if (syn) {
		memset(opt + n, 1, 10);
		n += 10;
	}
	if (syn && (h->state != GS_SYN_RCVD || h->ws_ok)) {
		memcpy(opt + n, (const uint8_t[]){ 1, 3, 3, GEN_WSCALE }, 4);
		n += 4;
	} else if (syn) {
		memset(opt + n, 1, 4);
		n += 4;
	}
	if (pure_ack && h->sack_ok && h->sack_hi > h->sack_lo) {
		n += sack_option(h, opt + n);
		g->st.sack_sent++;
	}
	return n;
}

void gen_send_seg(struct gen *g, struct gen_half *h, uint8_t flags, uint64_t off, uint32_t len)
{
	bool syn = flags & RTE_TCP_SYN_FLAG;
	uint32_t seq = syn ? h->isn : h->isn + 1 + (uint32_t)off;
	uint32_t ack = (flags & RTE_TCP_ACK_FLAG) ? h->peer_isn + 1 + (uint32_t)h->rcvd + h->fin_rcvd
						  : 0;
	uint8_t opt[40];
	uint32_t opt_len = seg_options(g, h, syn, !syn && len == 0, opt);
	struct rte_mbuf *m = frame_start(g, h->port, h->lip, h->rip, h->lport, h->rport, flags,
					 seq, ack, opt_len, len);
	uint8_t *data;

	if (!m) { /* no mbuf: lost at once, as a frame the ring refused */
		g->st.tx_drop[h->port]++;
		if (len)
			rewind_to(h, off);
		return;
	}
	data = rte_pktmbuf_mtod_offset(m, uint8_t *, HDR_LEN);
	memcpy(data, opt, opt_len);
	if (!syn && h->ws_ok) { /* the same window, in the units both agreed on */
		struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(data - sizeof(*tcp));

		tcp->rx_win = rte_cpu_to_be_16(GEN_WINDOW >> GEN_WSCALE);
	}
	data += opt_len;
	if (syn) {
		/* options only */
	} else if (len && h->port == 0) {
		gen_client_bytes(g, h, g->conns[h->conn].gen, off, len, data);
	} else if (len) {
		memcpy(data, gen_pattern_at(gen_pattern_seed(h->conn, g->conns[h->conn].gen, 1), off),
		       len);
	}
	seal(m);
	enqueue(g, h->port, m, len ? h : NULL, off);
}

struct rte_mbuf *gen_raw_frame(struct gen *g, int port, uint32_t sip, uint32_t dip,
			       uint16_t sport, uint16_t dport, uint8_t flags, uint32_t seq,
			       uint32_t ack)
{
	struct rte_mbuf *m = frame_start(g, port, sip, dip, sport, dport, flags, seq, ack, 0, 0);

	if (m)
		seal(m);
	return m;
}

void gen_send_raw(struct gen *g, int port, uint32_t sip, uint32_t dip, uint16_t sport,
		  uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack)
{
	struct rte_mbuf *m = gen_raw_frame(g, port, sip, dip, sport, dport, flags, seq, ack);

	if (!m) {
		g->st.tx_drop[port]++;
		return;
	}
	enqueue(g, port, m, NULL, 0);
}

struct rte_mbuf *gen_blast_frame(struct gen *g, int port, uint32_t payload)
{
	struct gen_port *p = &g->ports[port];
	struct rte_mbuf *m = frame_start(g, port, p->ip, p->peer_ip, 10000, 20000,
					 RTE_TCP_ACK_FLAG, 1, 1, 0, payload);

	/* A forwarder in io mode looks at nothing: the checksums are left out. */
	return m;
}

void gen_arp_ask(struct gen *g, int port)
{
	struct gen_port *p = &g->ports[port];
	struct rte_mbuf *m = tcp_frame_arp_request(g->pool, &p->mac, p->ip, p->peer_ip);

	if (!m)
		return;
	enqueue(g, port, m, NULL, 0);
}

void gen_arp_input(struct gen *g, int port, struct rte_mbuf *m)
{
	struct gen_port *p = &g->ports[port];
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);
	uint32_t sip, tip;

	if (rte_pktmbuf_data_len(m) < sizeof(*eth) + sizeof(*arp)) {
		rte_pktmbuf_free(m);
		return;
	}
	sip = rte_be_to_cpu_32(arp->arp_data.arp_sip);
	tip = rte_be_to_cpu_32(arp->arp_data.arp_tip);
	if (sip == p->peer_ip) {
		p->peer_mac = arp->arp_data.arp_sha;
		p->peer_known = true;
	}
	if (arp->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) || tip < p->own_first ||
	    tip > p->own_last) {
		rte_pktmbuf_free(m);
		return;
	}
	/* Answer in place: the request becomes the reply. */
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	arp->arp_data.arp_tha = arp->arp_data.arp_sha;
	arp->arp_data.arp_tip = arp->arp_data.arp_sip;
	arp->arp_data.arp_sha = p->mac;
	arp->arp_data.arp_sip = rte_cpu_to_be_32(tip);
	eth->dst_addr = eth->src_addr;
	eth->src_addr = p->mac;
	enqueue(g, port, m, NULL, 0);
}
