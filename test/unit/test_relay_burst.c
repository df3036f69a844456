/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "relay_burst": the splice's burst path (splice_fast.h) through the appliance of
 * relay_harness.h, on a connection opened as Linux opens one (timestamps, SACK, window
 * scale). What it forwards must leave exactly as the full path would send it; what it
 * must not take (closing flows, segments outside the windows, bad headers, segments to
 * split) reaches the full path, also when it shares a burst with frames it does take. */
#include <string.h>

#include <rte_ip.h>

#include "dp_port_pause.h"
#include "dp_worker.h"
#include "neigh.h"
#include "mr_bytes.h"
#include "relay.h"
#include "relay_harness.h"
#include "relay_tcp.h"
#include "tcp_opts.h"
#include "unit.h"

#define BACKEND_MSS 1000u

static int suite_init(void)
{
	return rh_up("mbufs = 0;", "max_flows = 64;");
}

/* A spliced connection with timestamps both ways: the ends and their next values. */
struct ts_conn {
	struct rh_peer c, b;
	struct flow *f;
	uint32_t c_seq, c_ack, c_tsval, c_tsecr; /* the client's next segment */
	uint32_t b_seq, b_ack, b_tsval, b_tsecr; /* the backend's */
};

/* The TSval and TSecr of a sent segment; false when it has no timestamp option. */
static bool sent_ts(const struct rh_sent *s, uint32_t *tsval, uint32_t *tsecr)
{
	struct tcp_opts o;

	if (!tcp_opts_parse((const uint8_t *)s->tcp, (unsigned int)(s->payload - (const uint8_t *)s->tcp),
			    &o) || !o.has_ts)
		return false;
	*tsval = o.tsval;
	*tsecr = o.tsecr;
	return true;
}

/* NOP, NOP, timestamp: the layout Linux sends on every segment (the relay's own writer). */
static unsigned int ts_aligned(uint8_t *o, uint32_t tsval, uint32_t tsecr)
{
	return tcp_opts_write_ts(o, tsval, tsecr);
}

/* The same option first, two NOPs of padding after it: legal, but not the template. */
static unsigned int ts_trailing(uint8_t *o, uint32_t tsval, uint32_t tsecr)
{
	o[0] = 8;
	o[1] = 10;
	mr_store_be32(o + 2, tsval);
	mr_store_be32(o + 6, tsecr);
	o[10] = o[11] = 1;
	return 12;
}

/* A SYN's options as Linux sends them: MSS, SACK-permitted, timestamp, window scale 7. */
static unsigned int syn_opts(uint8_t *o, uint16_t mss, uint32_t tsval, uint32_t tsecr)
{
	return tcp_opts_write_syn(o, mss, 7, true, true, tsval, tsecr);
}

/* Open a connection with timestamps and splice it; the hello acknowledged, so the relay
 * keeps nothing of it. */
static void ts_conn_open(struct ts_conn *t)
{
	uint8_t o[40];
	struct rh_sent s;
	uint32_t val = 0, ecr = 0;

	memset(t, 0, sizeof(*t));
	t->c = rh_client(false);
	rh_drain(t->c.port);
	rh_send_opts(&t->c, RTE_TCP_SYN_FLAG, t->c.isn, 0, o, syn_opts(o, 1460, 5000, 0), NULL, 0);
	s = rh_next_tcp(t->c.port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	CU_ASSERT_FATAL(sent_ts(&s, &val, &ecr));
	t->c.our_isn = rte_be_to_cpu_32(s.tcp->sent_seq);
	rte_pktmbuf_free(s.m);
	t->c_seq = t->c.isn + 1;
	t->c_ack = t->c.our_isn + 1;
	t->c_tsval = 5001;
	t->c_tsecr = val;
	rh_send_opts(&t->c, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, t->c_seq, t->c_ack, o,
		     ts_aligned(o, t->c_tsval++, t->c_tsecr), rh_hello_api, rh_hello_api_len);
	t->c_seq += (uint32_t)rh_hello_api_len;
	t->f = rh_client_flow(&t->c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t->f);
	CU_ASSERT_EQUAL_FATAL(t->f->state, FLOW_CONNECTING);

	t->b = rh_backend(t->f);
	s = rh_next_tcp(t->b.port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	CU_ASSERT_FATAL(sent_ts(&s, &val, &ecr));
	rte_pktmbuf_free(s.m);
	rh_drain(t->b.port);
	t->b_tsval = 90000;
	t->b_tsecr = val;
	rh_send_opts(&t->b, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, t->b.isn, t->b.our_isn + 1, o,
		     syn_opts(o, BACKEND_MSS, t->b_tsval++, t->b_tsecr), NULL, 0);
	CU_ASSERT_EQUAL_FATAL(t->f->state, FLOW_SPLICED);
	s = rh_next_tcp(t->b.port); /* the kept hello */
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	CU_ASSERT(sent_ts(&s, &val, &ecr));
	/* It completes the backend's handshake: it echoes the SYN-ACK's TSval, from which a
	 * backend that answered with a SYN cookie reads its options back. */
	CU_ASSERT_EQUAL(ecr, t->b_tsval - 1);
	t->b_tsecr = val;
	rte_pktmbuf_free(s.m);
	rh_drain(t->b.port);
	t->b_seq = t->b.isn + 1;
	t->b_ack = t->b.our_isn + 1 + (uint32_t)rh_hello_api_len;
	rh_send_opts(&t->b, RTE_TCP_ACK_FLAG, t->b_seq, t->b_ack, o,
		     ts_aligned(o, t->b_tsval++, t->b_tsecr), NULL, 0);
	CU_ASSERT_PTR_NULL_FATAL(t->f->stream);
	rh_drain(t->c.port);
}

static void ts_conn_close(struct ts_conn *t)
{
	rh_flow_end(t->f);
}

/* A client data segment with its timestamp laid out by opt_fn, not sent; the client's
 * next values move on. */
static struct rte_mbuf *client_data(struct ts_conn *t, unsigned int (*opt_fn)(uint8_t *,
							uint32_t, uint32_t), uint32_t len)
{
	static uint8_t payload[4096];
	uint8_t o[12];
	struct rte_mbuf *m;
	struct rte_ipv4_hdr *ip;

	for (uint32_t i = 0; i < len && i < sizeof(payload); i++)
		payload[i] = (uint8_t)(t->c_seq + i);
	m = rh_frame(&t->c, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, t->c_seq, t->c_ack, o,
		     opt_fn(o, t->c_tsval++, t->c_tsecr), payload, len);
	/* Some hops away, as clients are: the relay's TTL differs from the one it found. */
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
	ip->time_to_live = 51;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	t->c_seq += len;
	return m;
}

/* What the backend is sent for one client segment: the relay's translation of it. */
struct seen {
	uint32_t seq, ack, tsval, tsecr, plen;
	uint16_t win;
	bool ok;
};

static struct seen seen_at_backend(struct ts_conn *t)
{
	struct rh_sent s = rh_next_tcp(t->b.port);
	struct seen v = { 0 };

	if (!s.m)
		return v;
	rh_check_to(&s, &t->b);
	v.ok = s.checksums_ok && sent_ts(&s, &v.tsval, &v.tsecr);
	v.seq = rte_be_to_cpu_32(s.tcp->sent_seq);
	v.ack = rte_be_to_cpu_32(s.tcp->recv_ack);
	v.win = rte_be_to_cpu_16(s.tcp->rx_win);
	v.plen = s.plen;
	for (uint32_t i = 0; i < s.plen; i++)
		v.ok = v.ok && s.payload[i] == (uint8_t)(v.seq - t->f->seq_c2b + i);
	rte_pktmbuf_free(s.m);
	return v;
}

/* Two segments alike but for their option layout, one for each path: the backend must
 * be sent the same sequence, acknowledgement, window and timestamps (the later one's
 * moved on by what the first carried). */
static void test_burst_matches_full_path(void)
{
	struct ts_conn t;
	struct rte_mbuf *m;
	struct seen fast, full;
	uint64_t burst;

	ts_conn_open(&t);
	burst = rh_event(DP_EV_splice_burst);
	m = client_data(&t, ts_trailing, 100);
	rh_input(&t.c, m);
	full = seen_at_backend(&t);
	CU_ASSERT_EQUAL(rh_event(DP_EV_splice_burst), burst);
	m = client_data(&t, ts_aligned, 100);
	rh_input(&t.c, m);
	fast = seen_at_backend(&t);
	CU_ASSERT_EQUAL(rh_event(DP_EV_splice_burst), burst + 1);
	CU_ASSERT(full.ok && fast.ok);
	CU_ASSERT_EQUAL(fast.seq, full.seq + 100);
	CU_ASSERT_EQUAL(fast.ack, full.ack);
	CU_ASSERT_EQUAL(fast.win, full.win);
	CU_ASSERT_EQUAL(fast.tsval, full.tsval + 1);
	CU_ASSERT_EQUAL(fast.tsecr, full.tsecr);
	CU_ASSERT_EQUAL(fast.plen, 100);
	ts_conn_close(&t);
}

/* A burst of eight segments, every one forwarded in order by the burst path. */
static void test_burst_in_order(void)
{
	struct ts_conn t;
	struct rte_mbuf *pkts[8];
	uint64_t burst, c2b;
	uint32_t first = 0;

	ts_conn_open(&t);
	burst = rh_event(DP_EV_splice_burst);
	c2b = rh_event(DP_EV_splice_c2b);
	for (unsigned int i = 0; i < RTE_DIM(pkts); i++)
		pkts[i] = client_data(&t, ts_aligned, 500);
	rh_input_burst(t.c.port, pkts, RTE_DIM(pkts));
	CU_ASSERT_EQUAL(rh_event(DP_EV_splice_burst), burst + 8);
	CU_ASSERT_EQUAL(rh_event(DP_EV_splice_c2b), c2b + 8);
	for (unsigned int i = 0; i < RTE_DIM(pkts); i++) {
		struct seen v = seen_at_backend(&t);

		CU_ASSERT(v.ok);
		if (i == 0)
			first = v.seq;
		CU_ASSERT_EQUAL(v.seq, first + i * 500);
		CU_ASSERT_EQUAL(v.tsval - t.f->ts_c2b, t.c_tsval - 8 + i);
	}
	CU_ASSERT(seq_leq(first + 8 * 500, t.f->b_snd_nxt));
	ts_conn_close(&t);
}

/* A client segment with its TCP flags and data offset byte set to these, the checksum
 * made again; the path it took (true: the burst path) and whether it reached the backend. */
static bool template_path(struct ts_conn *t, uint8_t flags, uint8_t data_off, bool *arrived)
{
	struct rte_mbuf *m = client_data(t, ts_aligned, 100);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
							  sizeof(struct rte_ether_hdr));
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(ip + 1);
	uint64_t burst = rh_event(DP_EV_splice_burst);
	struct rh_sent s;

	tcp->tcp_flags = flags;
	tcp->data_off = data_off;
	tcp->cksum = 0;
	tcp->cksum = rte_ipv4_udptcp_cksum(ip, tcp);
	rh_input(&t->c, m);
	s = rh_next_tcp(t->b.port);
	*arrived = s.m != NULL && s.plen == 100;
	rte_pktmbuf_free(s.m);
	rh_drain(t->b.port);
	return rh_event(DP_EV_splice_burst) == burst + 1;
}

/* The template's flags and data offset, read as one word: ACK with or without PSH and
 * either header length take the burst path (the offset's reserved bits aside); any other
 * flag takes the full path, which forwards the segment too. */
static void test_template_flags(void)
{
	struct ts_conn t;
	bool arrived;

	ts_conn_open(&t);
	CU_ASSERT_TRUE(template_path(&t, RTE_TCP_ACK_FLAG, 0x80, &arrived));
	CU_ASSERT_TRUE(arrived);
	CU_ASSERT_TRUE(template_path(&t, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, 0x81, &arrived));
	CU_ASSERT_TRUE(arrived);
	CU_ASSERT_FALSE(template_path(&t, RTE_TCP_ACK_FLAG | RTE_TCP_ECE_FLAG, 0x80, &arrived));
	CU_ASSERT_TRUE(arrived);
	CU_ASSERT_FALSE(template_path(&t, RTE_TCP_ACK_FLAG | RTE_TCP_CWR_FLAG, 0x80, &arrived));
	CU_ASSERT_TRUE(arrived);
	CU_ASSERT_FALSE(template_path(&t, RTE_TCP_ACK_FLAG | RTE_TCP_URG_FLAG, 0x80, &arrived));
	/* Without ACK: never the burst path (the full path drops it). */
	CU_ASSERT_FALSE(template_path(&t, RTE_TCP_PSH_FLAG, 0x80, &arrived));
	ts_conn_close(&t);
}

/* A RST in the middle of a burst ends the splice: what follows it in the same burst is
 * no longer the burst path's, and nothing after the RST reaches the backend as data. */
static void test_rst_mid_burst(void)
{
	struct ts_conn t;
	struct rte_mbuf *pkts[3];
	uint64_t burst;
	unsigned int data_seen = 0;
	struct rh_sent s;

	ts_conn_open(&t);
	burst = rh_event(DP_EV_splice_burst);
	pkts[0] = client_data(&t, ts_aligned, 200);
	pkts[1] = rh_frame(&t.c, RTE_TCP_RST_FLAG, t.c_seq, 0, NULL, 0, NULL, 0);
	pkts[2] = client_data(&t, ts_aligned, 200);
	rh_input_burst(t.c.port, pkts, 3);
	CU_ASSERT_EQUAL(rh_event(DP_EV_splice_burst), burst + 1);
	CU_ASSERT_NOT_EQUAL(t.f->state, FLOW_SPLICED);
	while ((s = rh_next_tcp(t.b.port)).m) {
		data_seen += s.plen > 0;
		rte_pktmbuf_free(s.m);
	}
	CU_ASSERT(data_seen <= 2);
	ts_conn_close(&t);
}

/* Segments that fit the template but not the flow's windows, or carry a bad IPv4 header
 * checksum, reach the full path and are dropped under its reasons, burst or not. */
static void test_refused_by_full_path(void)
{
	struct ts_conn t;
	struct rte_mbuf *pkts[3];
	uint64_t burst, window, cksum;
	struct rte_ipv4_hdr *ip;
	uint32_t seq;

	ts_conn_open(&t);
	burst = rh_event(DP_EV_splice_burst);
	window = rh_drops(DP_DROP_tcp_out_of_window);
	cksum = rh_drops(DP_DROP_ipv4_checksum);
	seq = t.c_seq;
	t.c_seq += 0x40000000u; /* far outside any window */
	pkts[0] = client_data(&t, ts_aligned, 100);
	t.c_seq = seq;
	pkts[1] = client_data(&t, ts_aligned, 100);
	ip = rte_pktmbuf_mtod_offset(pkts[1], struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
	ip->hdr_checksum ^= 0x0101;
	t.c_seq = seq;
	pkts[2] = client_data(&t, ts_aligned, 100);
	rh_input_burst(t.c.port, pkts, 3);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_tcp_out_of_window), window + 1);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_ipv4_checksum), cksum + 1);
	CU_ASSERT_EQUAL(rh_event(DP_EV_splice_burst), burst + 1);
	CU_ASSERT_EQUAL(rh_drain(t.b.port), 1);
	ts_conn_close(&t);
}

/* Urgent data in a segment the backend takes in two pieces: each piece's urgent pointer
 * counts from its own first byte (telnet's and FTP's interrupts); before, every piece
 * carried the first one's, pointing past the urgent byte by the piece's offset. */
static void test_split_keeps_urgent_byte(void)
{
	struct ts_conn t;
	struct rte_mbuf *m;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *tcp;
	uint16_t urp[2] = { 0, 0 };
	unsigned int n = 0;

	ts_conn_open(&t);
	m = client_data(&t, ts_aligned, BACKEND_MSS + 400);
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
	tcp = (struct rte_tcp_hdr *)(ip + 1);
	tcp->tcp_flags |= RTE_TCP_URG_FLAG;
	tcp->tcp_urp = rte_cpu_to_be_16(1100);
	tcp->cksum = 0;
	tcp->cksum = rte_ipv4_udptcp_cksum(ip, tcp);
	rh_input(&t.c, m);
	for (struct rh_sent s = rh_next_tcp(t.b.port); s.m; s = rh_next_tcp(t.b.port)) {
		if (s.plen && n < 2)
			urp[n++] = (s.tcp->tcp_flags & RTE_TCP_URG_FLAG) ? rte_be_to_cpu_16(s.tcp->tcp_urp)
									: 0;
		rte_pktmbuf_free(s.m);
	}
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(urp[0], 1100);
	CU_ASSERT_EQUAL(urp[1], 1100 - (BACKEND_MSS - 12)); /* past the first piece's bytes */
	ts_conn_close(&t);
}

/* A split segment's CWR goes on its first piece alone (one reduction of the window, not
 * one per piece); a RST carrying more than the out side's MSS goes once, on its first
 * piece at the exact sequence number, the rest of its bytes not sent. Before, every piece
 * carried both. */
static void test_split_flags_once(void)
{
	unsigned int pieces = 0, cwr = 0, rst = 0;
	struct ts_conn t;
	struct rte_mbuf *m;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *tcp;
	uint32_t first = 0;

	ts_conn_open(&t);
	for (unsigned int round = 0; round < 2; round++) {
		m = client_data(&t, ts_aligned, BACKEND_MSS + 400);
		ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
		tcp = (struct rte_tcp_hdr *)(ip + 1);
		tcp->tcp_flags |= round ? RTE_TCP_RST_FLAG : RTE_TCP_CWR_FLAG;
		tcp->cksum = 0;
		tcp->cksum = rte_ipv4_udptcp_cksum(ip, tcp);
		rh_input(&t.c, m);
		pieces = cwr = rst = 0;
		for (struct rh_sent s = rh_next_tcp(t.b.port); s.m; s = rh_next_tcp(t.b.port)) {
			if (s.plen) {
				if (!pieces++)
					first = rte_be_to_cpu_32(s.tcp->sent_seq);
				cwr += (s.tcp->tcp_flags & RTE_TCP_CWR_FLAG) != 0;
				if (s.tcp->tcp_flags & RTE_TCP_RST_FLAG) {
					rst++;
					CU_ASSERT_EQUAL(rte_be_to_cpu_32(s.tcp->sent_seq), first);
				}
			}
			rte_pktmbuf_free(s.m);
		}
		if (round == 0) {
			CU_ASSERT_EQUAL(pieces, 2);
			CU_ASSERT_EQUAL(cwr, 1);
		} else {
			CU_ASSERT_EQUAL(pieces, 1);
			CU_ASSERT_EQUAL(rst, 1);
		}
	}
	ts_conn_close(&t);
}

/* A segment longer than the backend takes is split by the full path; a short pure ACK
 * padded to Ethernet's minimum leaves without its padding. */
static void test_split_and_padding(void)
{
	struct ts_conn t;
	struct rte_mbuf *m;
	struct rh_sent s;
	uint64_t burst, split;

	ts_conn_open(&t);
	/* Payload and options filling the backend's MSS exactly: the burst path, unsplit;
	 * one byte more: the full path's, split. */
	burst = rh_event(DP_EV_splice_burst);
	split = rh_event(DP_EV_segment_split);
	rh_input(&t.c, client_data(&t, ts_aligned, BACKEND_MSS - 12));
	CU_ASSERT_EQUAL(rh_event(DP_EV_splice_burst), burst + 1);
	CU_ASSERT_EQUAL(rh_event(DP_EV_segment_split), split);
	rh_drain(t.b.port);
	rh_input(&t.c, client_data(&t, ts_aligned, BACKEND_MSS - 11));
	CU_ASSERT_EQUAL(rh_event(DP_EV_splice_burst), burst + 1);
	CU_ASSERT(rh_event(DP_EV_segment_split) >= split + 2);
	rh_drain(t.b.port);

	burst = rh_event(DP_EV_splice_burst);
	split = rh_event(DP_EV_segment_split);
	rh_input(&t.c, client_data(&t, ts_aligned, BACKEND_MSS + 400));
	CU_ASSERT(rh_event(DP_EV_segment_split) >= split + 2);
	CU_ASSERT_EQUAL(rh_event(DP_EV_splice_burst), burst);
	rh_drain(t.b.port);

	/* No options: 54 bytes, padded to 60 as a NIC pads it. */
	m = rh_frame(&t.c, RTE_TCP_ACK_FLAG, t.c_seq, t.c_ack, NULL, 0, NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rte_pktmbuf_append(m, 6));
	rh_input(&t.c, m);
	CU_ASSERT_EQUAL(rh_event(DP_EV_splice_burst), burst + 1);
	s = rh_next_tcp(t.b.port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	CU_ASSERT(s.checksums_ok);
	CU_ASSERT_EQUAL(s.plen, 0);
	CU_ASSERT_EQUAL(rte_pktmbuf_pkt_len(s.m), 54);
	rte_pktmbuf_free(s.m);
	ts_conn_close(&t);
}

/* A segment of a spliced flow from a group source MAC fits the template otherwise, but
 * no station sends from a group address: dropped as the full path drops it, never
 * forwarded (before, the burst path took it; a worker handing it over let the owner
 * make a flow whose every answer went to the whole link). */
static void test_group_source_not_forwarded(void)
{
	struct ts_conn t;
	struct rte_mbuf *m;
	uint64_t burst, group = rh_drops(DP_DROP_l2_group_source);

	ts_conn_open(&t);
	burst = rh_event(DP_EV_splice_burst);
	m = client_data(&t, ts_aligned, 100);
	rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->src_addr.addr_bytes[0] |= 0x01;
	rh_input(&t.c, m);
	CU_ASSERT_EQUAL(rh_event(DP_EV_splice_burst), burst);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_l2_group_source), group + 1);
	CU_ASSERT_EQUAL(rh_drain(t.b.port), 0);
	ts_conn_close(&t);
}

/* While the backend's port is paused, a spliced segment that fits the burst path is given
 * to the full path, which drops it (port_paused): the burst path never sends to a paused
 * port. Resumed, the next one takes the burst path and reaches the backend. */
static void test_paused_port_full_path(void)
{
	struct ts_conn t;
	uint64_t burst, dropped = rh_drops(DP_DROP_port_paused);

	ts_conn_open(&t);
	burst = rh_event(DP_EV_splice_burst);
	dp_port_pause_on_worker(rh_w, t.b.port->index, true);
	rh_input(&t.c, client_data(&t, ts_aligned, 100));
	CU_ASSERT_EQUAL(rh_event(DP_EV_splice_burst), burst);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_port_paused), dropped + 1);
	dp_port_pause_on_worker(rh_w, t.b.port->index, false);
	CU_ASSERT_PTR_NULL(rh_next_tcp(t.b.port).m);
	rh_input(&t.c, client_data(&t, ts_aligned, 100));
	CU_ASSERT_EQUAL(rh_event(DP_EV_splice_burst), burst + 1);
	CU_ASSERT_TRUE(seen_at_backend(&t).ok);
	ts_conn_close(&t);
}

/* A hello in two segments in one burst: both fit the template and find no flow in the
 * burst's lookup. The first makes the flow; the second must find it then (the burst's
 * lookup no longer holds), not be taken for a new connection's first data. */
static void test_flow_made_mid_burst(void)
{
	const uint32_t first = 100;
	struct rh_peer c = rh_client(false);
	uint64_t syns = rh_event(DP_EV_backend_syn);
	uint64_t invalid = rh_drops(DP_DROP_syncookie_invalid);
	struct rte_mbuf *pkts[2];
	uint32_t val = 0, ecr = 0;
	uint8_t o[40];
	struct rh_sent s;
	struct flow *f;

	rh_drain(c.port);
	rh_send_opts(&c, RTE_TCP_SYN_FLAG, c.isn, 0, o, syn_opts(o, 1460, 5000, 0), NULL, 0);
	s = rh_next_tcp(c.port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	CU_ASSERT_FATAL(sent_ts(&s, &val, &ecr));
	c.our_isn = rte_be_to_cpu_32(s.tcp->sent_seq);
	rte_pktmbuf_free(s.m);
	pkts[0] = rh_frame(&c, RTE_TCP_ACK_FLAG, c.isn + 1, c.our_isn + 1, o,
			   ts_aligned(o, 5001, val), rh_hello_api, first);
	pkts[1] = rh_frame(&c, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, c.isn + 1 + first,
			   c.our_isn + 1, o, ts_aligned(o, 5002, val), rh_hello_api + first,
			   rh_hello_api_len - first);
	rh_input_burst(c.port, pkts, 2);
	f = rh_client_flow(&c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(f->state, FLOW_CONNECTING);
	CU_ASSERT_EQUAL(rh_event(DP_EV_backend_syn), syns + 1);
	CU_ASSERT_EQUAL(rh_drops(DP_DROP_syncookie_invalid), invalid);
	rh_flow_end(f);
}

/* A data segment from the backend with an aligned timestamp, its source MAC from, sent;
 * the next frame to the client is returned (NULL frame when none). */
static struct rh_sent backend_data_from(struct ts_conn *t, const struct rte_ether_addr *from)
{
	static const uint8_t payload[64];
	uint8_t o[12];
	struct rte_mbuf *m = rh_frame(&t->b, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, t->b_seq,
				      t->b_ack, o, ts_aligned(o, t->b_tsval++, t->b_tsecr),
				      payload, sizeof(payload));

	rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->src_addr = *from;
	t->b_seq += sizeof(payload);
	rh_input(&t->b, m);
	return rh_next_tcp(t->c.port);
}

/* The MAC of the next frame sent on port p, which is freed; zero when none. */
static struct rte_ether_addr next_dst_mac(const struct dp_port *p)
{
	struct rh_sent s = rh_next_tcp(p);
	struct rte_ether_addr mac = { { 0 } };

	if (s.m) {
		mac = rte_pktmbuf_mtod(s.m, struct rte_ether_hdr *)->dst_addr;
		rte_pktmbuf_free(s.m);
	}
	return mac;
}

/* A client segment from MAC from, with its timestamp laid out by opt_fn, sent. */
static void client_data_from(struct ts_conn *t, unsigned int (*opt_fn)(uint8_t *, uint32_t,
								  uint32_t),
			     const struct rte_ether_addr *from)
{
	struct rte_mbuf *m = client_data(t, opt_fn, 100);

	rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->src_addr = *from;
	rh_input(&t->c, m);
}

/* The neighbour cache's entry for ip (in use at another MAC) moves to mac as a failover
 * moves it: it goes stale, is probed when next used (here by the flow's segment from the
 * new MAC), mac answers, the old MAC stays silent through the probe round. */
static void neighbour_fails_over(uint32_t ip, const struct rte_ether_addr *mac,
				 void (*use)(void *), void *ctx)
{
	const struct mr_neigh_conf *nc = &rh_app.conf->dataplane.neigh;

	rh_w->now_ms += nc->reachable_ms + 1;
	dp_worker_housekeeping(rh_w);
	use(ctx);
	neigh_learn(rh_w->neigh, ip, mac, rh_w->now_ms, true);
	for (uint32_t i = 0; i <= nc->retries; i++) {
		rh_w->now_ms += nc->retry_ms;
		dp_worker_housekeeping(rh_w);
	}
}

static void backend_segment_from_backend2(void *ctx)
{
	static const struct rte_ether_addr backend2 = { { 0x02, 0, 0, 0, 0x0b, 0x02 } };
	struct rh_sent s = backend_data_from(ctx, &backend2);

	rte_pktmbuf_free(s.m);
}

/* The client's router fails over to another MAC, and the backend comes back on another
 * NIC: once the neighbour cache holds the new MAC for the side's next hop, the side is
 * answered there, from the burst path and the full path alike. A segment from a MAC the
 * cache does not hold moves nothing (counted), but asks the cache. Before, a flow kept the
 * MACs of its first segments for its life, and a long-lived connection behind a router
 * that failed over was blackholed until its idle timeout. */
static void test_moved_mac_followed(void)
{
	static const struct rte_ether_addr router2 = { { 0x02, 0, 0, 0, 0x0c, 0x02 } };
	static const struct rte_ether_addr router3 = { { 0x02, 0, 0, 0, 0x0c, 0x03 } };
	static const struct rte_ether_addr backend2 = { { 0x02, 0, 0, 0, 0x0b, 0x02 } };
	uint64_t followed = rh_event(DP_EV_hop_followed);
	uint64_t unconfirmed = rh_event(DP_EV_hop_unconfirmed);
	struct rte_ether_addr mac, client1, backend1;
	struct ts_conn t;
	struct rh_sent s;

	ts_conn_open(&t);
	client1 = t.f->c.peer_mac;  /* its SYN's source */
	backend1 = t.f->b.peer_mac; /* its SYN-ACK's */
	/* Unknown to the cache: not taken, and the client's address asked for. */
	client_data_from(&t, ts_aligned, &router2);
	CU_ASSERT_TRUE(seen_at_backend(&t).ok);
	CU_ASSERT_EQUAL(rh_event(DP_EV_hop_unconfirmed), unconfirmed + 1);
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&t.f->c.peer_mac, &client1));
	CU_ASSERT(rh_drain(t.c.port) >= 1); /* the ARP request */
	neigh_learn(rh_w->neigh, RH_CLIENT_IP, &router2, rh_w->now_ms, true); /* its answer */
	client_data_from(&t, ts_aligned, &router2); /* the burst path's */
	CU_ASSERT_TRUE(seen_at_backend(&t).ok);
	s = backend_data_from(&t, &backend1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&rte_pktmbuf_mtod(s.m, struct rte_ether_hdr *)->dst_addr,
					      &router2));
	rte_pktmbuf_free(s.m);
	/* Another MAC on the client's link, through the full path: not taken. */
	client_data_from(&t, ts_trailing, &router3);
	mac = next_dst_mac(t.b.port);
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&mac, &backend1));
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&t.f->c.peer_mac, &router2));
	/* The backend moves: its cache entry fails over to the new MAC, then follows. */
	neighbour_fails_over(RH_BACKEND_IP, &backend2, backend_segment_from_backend2, &t);
	rh_drain(t.c.port);
	rh_drain(t.b.port);
	s = backend_data_from(&t, &backend2);
	rte_pktmbuf_free(s.m);
	client_data_from(&t, ts_trailing, &router2);
	mac = next_dst_mac(t.b.port);
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&mac, &backend2));
	CU_ASSERT_EQUAL(rh_event(DP_EV_hop_followed), followed + 2);
	CU_ASSERT(rh_event(DP_EV_hop_unconfirmed) >= unconfirmed + 3);
	ts_conn_close(&t);
}

/* The client's router fails over and says so (a gratuitous claim of its address), while
 * the client only receives (it has nothing to send, nor any reason to: what it waits for
 * goes to the dead MAC). Once the cache takes the new MAC, the flow's side follows it:
 * the backend's next segment goes there. Before, the side moved only on a segment from
 * the new MAC, which never came. */
static void test_receiving_side_follows_announced_move(void)
{
	static const struct rte_ether_addr router2 = { { 0x02, 0, 0, 0, 0x0c, 0x04 } };
	const struct mr_neigh_conf *nc = &rh_app.conf->dataplane.neigh;
	struct rte_ether_addr backend1;
	struct ts_conn t;
	struct rh_sent s;

	ts_conn_open(&t);
	backend1 = t.f->b.peer_mac;
	/* Its next hop known to the cache at the flow's MAC (as a gateway is, resolved at
	 * start): told so, then a round for a MAC the cases before left there to give way. */
	neigh_learn(rh_w->neigh, RH_CLIENT_IP, &t.f->c.peer_mac, rh_w->now_ms, true);
	for (uint32_t i = 0; i <= nc->retries; i++) {
		rh_w->now_ms += nc->retry_ms;
		dp_worker_housekeeping(rh_w);
	}
	neigh_learn(rh_w->neigh, RH_CLIENT_IP, &router2, rh_w->now_ms, false); /* announced */
	for (uint32_t i = 0; i <= nc->retries; i++) { /* the old MAC silent for the round */
		rh_w->now_ms += nc->retry_ms;
		dp_worker_housekeeping(rh_w);
	}
	rh_drain(t.c.port);
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&t.f->c.peer_mac, &router2));
	s = backend_data_from(&t, &backend1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&rte_pktmbuf_mtod(s.m, struct rte_ether_hdr *)->dst_addr,
					      &router2));
	rte_pktmbuf_free(s.m);
	ts_conn_close(&t);
}

/* Several neighbours moved in one round (a failover of both links' routers): every side
 * follows its own, in the order the cache saw them, a hop moved twice to its last MAC;
 * a move of another neighbour from the same MAC moves nothing. */
static void test_moves_of_one_round(void)
{
	static const struct rte_ether_addr x = { { 0x02, 0, 0, 0, 0x0d, 0x01 } };
	static const struct rte_ether_addr y = { { 0x02, 0, 0, 0, 0x0d, 0x02 } };
	static const struct rte_ether_addr z = { { 0x02, 0, 0, 0, 0x0d, 0x03 } };
	uint64_t followed = rh_event(DP_EV_hop_followed);
	struct dp_neigh_moved moved[4];
	struct neigh_addr client = neigh_addr_v4(RH_CLIENT_IP), backend = neigh_addr_v4(RH_BACKEND_IP);
	struct neigh_addr other = neigh_addr_v4(RH_CLIENT_IP + 1);
	struct ts_conn t;

	ts_conn_open(&t);
	memcpy(moved[0].addr, other.b, sizeof(moved[0].addr));
	moved[0].from = t.f->b.peer_mac; /* another neighbour's: not the backend's hop */
	moved[0].to = z;
	memcpy(moved[1].addr, client.b, sizeof(moved[1].addr));
	moved[1].from = t.f->c.peer_mac;
	moved[1].to = x;
	memcpy(moved[2].addr, backend.b, sizeof(moved[2].addr));
	moved[2].from = t.f->b.peer_mac;
	moved[2].to = y;
	memcpy(moved[3].addr, client.b, sizeof(moved[3].addr));
	moved[3].from = x;
	moved[3].to = z;
	relay_hops_moved(rh_w, moved, RTE_DIM(moved));
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&t.f->c.peer_mac, &z));
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&t.f->b.peer_mac, &y));
	CU_ASSERT_EQUAL(rh_event(DP_EV_hop_followed), followed + 3);
	ts_conn_close(&t);
}

int test_relay_burst_register(void)
{
	static const CU_TestInfo tests[] = {
		{ "burst path sends what the full path sends", test_burst_matches_full_path },
		{ "a burst forwarded whole and in order", test_burst_in_order },
		{ "RST mid-burst: what follows is the full path's", test_rst_mid_burst },
		{ "out of window and bad checksum: the full path's drops",
		  test_refused_by_full_path },
		{ "split by the full path, padding trimmed", test_split_and_padding },
		{ "the template's flags and data offset", test_template_flags },
		{ "a paused port: the full path's, dropped", test_paused_port_full_path },
		{ "a group source MAC: dropped, not forwarded", test_group_source_not_forwarded },
		{ "a flow made mid-burst is found by the next frame", test_flow_made_mid_burst },
		{ "a side's moved MAC is followed", test_moved_mac_followed },
		{ "a split segment's urgent pointer per piece", test_split_keeps_urgent_byte },
		{ "a split segment's CWR and RST once", test_split_flags_once },
		{ "a side that only receives follows an announced move",
		  test_receiving_side_follows_announced_move },
		{ "several neighbours moved in one round: each side follows its own",
		  test_moves_of_one_round },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite_with("relay_burst", suite_init, rh_down, tests);
}
