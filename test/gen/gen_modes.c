/* SPDX-License-Identifier: BSD-3-Clause */
#include <inttypes.h>
#include <stdio.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_random.h>
#include <rte_tcp.h>

#include "gen.h"

static double secs(const struct gen *g, uint64_t tsc)
{
	return (double)tsc / (double)g->hz;
}

/* Receives and answers (no new data) for ticks. */
static void drain(struct gen *g, uint64_t ticks)
{
	for (uint64_t until = rte_rdtsc() + ticks; rte_rdtsc() < until;) {
		gen_poll(g);
		gen_flush_all(g);
	}
}

/* --silence: completions per second before, during and after, and the failures of
 * connections whose client had backend bytes already. */
static void report_phases(const struct gen *g, double busy)
{
	double during = g->o.silent_to - g->o.silent_from;
	double after = busy - g->o.silent_to;

	printf("silence backend=%d from=%.1f to=%.1f conn_per_s_before=%.0f conn_per_s_during=%.0f"
	       " conn_per_s_after=%.0f silenced_frames=%" PRIu64 " failed_after_bytes=%" PRIu64 "\n",
	       g->o.silent, g->o.silent_from, g->o.silent_to,
	       (double)g->st.phase_done[0] / g->o.silent_from, (double)g->st.phase_done[1] / during,
	       after > 0 ? (double)g->st.phase_done[2] / after : 0.0, g->st.silenced,
	       g->st.fail_after_bytes);
}

/* How many connections --rate allows started by now, paced from *pace_t0: never more
 * than a pacing depth (10 ms at the rate, a burst at least) ahead of those started. After
 * a stall, of this process or of the relay on a shared host, the generator goes on at its
 * rate rather than in a catch-up burst far above it, which fills a table sized for the
 * rate (one run of test 60 had 92 connections refused so). The starts so given up are
 * counted (pace_forgiven), moving *pace_t0 on. */
static uint64_t paced_allowed(struct gen *g, uint64_t *pace_t0)
{
	uint64_t depth = RTE_MAX((uint64_t)GEN_BURST, g->o.rate / 100);
	uint64_t allowed = (g->now - *pace_t0) * g->o.rate / g->hz + 1;

	if (allowed <= g->st.started + depth)
		return allowed;
	g->st.pace_forgiven += allowed - (g->st.started + depth);
	*pace_t0 = g->now - (g->st.started + depth - 1) * g->hz / g->o.rate;
	return g->st.started + depth;
}

int gen_run_connect(struct gen *g)
{
	uint64_t t0 = g->t0 = rte_rdtsc(), end = t0 + (uint64_t)(g->o.seconds * (double)g->hz);
	uint64_t grace_end = 0, unfinished, pace_t0 = t0;
	double elapsed, busy;

	while (!gen_stop_requested()) {
		gen_poll(g);
		if (g->now < end && (!g->o.count || g->st.started < g->o.count)) {
			uint64_t allowed = g->o.rate ? paced_allowed(g, &pace_t0) : UINT64_MAX;

			for (int i = 0; i < GEN_BURST && g->open < g->o.concurrency &&
			     g->st.started < allowed && (!g->o.count || g->st.started < g->o.count); i++)
				gen_tcp_open(g, false);
		} else {
			if (!g->open)
				break;
			if (!grace_end)
				grace_end = g->now + 2 * g->hz; /* the last ones may finish */
			if (g->now > grace_end)
				break;
		}
		gen_flush_all(g);
	}
	elapsed = secs(g, rte_rdtsc() - t0);
	/* Rates are over the time up to the last completion: the grace for the last ones
	 * (up to 2 s, all of it for one connection that never finishes) starts nothing. */
	busy = g->st.last_done > t0 ? secs(g, g->st.last_done - t0) : elapsed;
	unfinished = g->open;
	gen_tcp_reset_all(g); /* flushes both ports itself */
	/* The last connections' final ACKs (and those resets) are in the ring: a script
	 * pauses the relay's port on our report, and what the relay has not read by then is
	 * lost, leaving it a half-closed flow until its idle timeout. */
	drain(g, g->hz / 20);
	g->st.failed += unfinished;
	g->st.fail_timeout += unfinished;
	printf("connect started=%" PRIu64 " completed=%" PRIu64 " failed=%" PRIu64
	       " rst=%" PRIu64 " timeout=%" PRIu64 " bad_bytes=%" PRIu64 " wrong_backend=%" PRIu64
	       " table_full=%" PRIu64 " seconds=%.3f conn_per_s=%.0f p50_us=%" PRIu64
	       " p90_us=%" PRIu64 " p99_us=%" PRIu64 " max_us=%" PRIu64 " retransmits=%" PRIu64
	       " routes=%u bad_checksum=%" PRIu64 " backs_full=%" PRIu64 " stray=%" PRIu64
	       " stale_resets=%" PRIu64 " pace_forgiven=%" PRIu64 "\n",
	       g->st.started, g->st.completed, g->st.failed, g->st.fail_rst, g->st.fail_timeout,
	       g->st.fail_bytes, g->st.fail_route, g->st.fail_table, elapsed,
	       (double)g->st.completed / busy, gen_lat_pct(&g->st, 50), gen_lat_pct(&g->st, 90),
	       gen_lat_pct(&g->st, 99), g->st.lat_max_us, g->st.rtx_timeouts + g->st.rtx_fast,
	       g->o.routes, g->st.bad_cksum, g->st.backs_full, g->st.stray, g->st.stale_resets,
	       g->st.pace_forgiven);
	if (g->o.silent >= 0)
		report_phases(g, busy);
	return g->st.failed || g->st.bad_cksum || g->st.completed != g->st.started ? 1 : 0;
}

/* Flows whose both halves are established and carry data both ways. */
static uint32_t streams_flowing(const struct gen *g)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < g->n_conns; i++) {
		const struct gen_conn *c = &g->conns[i];

		if (c->stream && c->c.state == GS_EST && c->c.rcvd && c->back != UINT32_MAX)
			n++;
	}
	return n;
}

/* The flood stands for other hosts on the client network: it takes only the room the
 * streams leave in port 0's ring. Their frames go first, and a round in which the ring
 * refused some of them sends no flood, so the streams lose nothing to the generator itself
 * and what is measured is the relay under the flood. */
static void syn_flood_burst(struct gen *g)
{
	struct rte_mbuf *m[GEN_BURST];
	uint16_t n = 0, sent;

	gen_flush(g, 0);
	if (g->ports[0].congested)
		return;
	while (n < GEN_BURST) {
		uint64_t r = rte_rand();

		m[n] = gen_raw_frame(g, 0, 0x0a960000u | (uint32_t)(r & 0xffff), g->o.edge_peer,
				     (uint16_t)(1024 + (r >> 16) % 60000), g->o.listen_port,
				     RTE_TCP_SYN_FLAG, (uint32_t)(r >> 32), 0);
		if (!m[n])
			break;
		n++;
	}
	sent = n ? rte_eth_tx_burst(g->ports[0].id, 0, m, n) : 0;
	rte_pktmbuf_free_bulk(m + sent, n - sent);
	g->st.tx_frames[0] += sent;
	g->st.syn_flood_sent += sent;
	g->st.syn_flood_unsent += n - sent;
}

/* The DNS queries since s0 over d seconds: sent, full answers, other answers, rates. */
static void report_dns(const struct gen *g, const struct gen_stats *s0, double d)
{
	printf("dns sent=%" PRIu64 " answered=%" PRIu64 " bad=%" PRIu64 " sent_qps=%.0f "
	       "answered_qps=%.0f\n", g->st.dns_sent - s0->dns_sent,
	       g->st.dns_answered - s0->dns_answered, g->st.dns_bad - s0->dns_bad,
	       (double)(g->st.dns_sent - s0->dns_sent) / d,
	       (double)(g->st.dns_answered - s0->dns_answered) / d);
}

int gen_run_stream(struct gen *g)
{
	/* Ten seconds, and one more per 50,000 streams: a million take a while to set up. */
	const uint32_t setup_s = 10 + g->o.concurrency / 50000;
	uint64_t deadline = rte_rdtsc() + setup_s * g->hz, t0, t1;
	struct gen_stats s0;
	uint32_t flowing;
	double d;

	while (g->st.streams_up + g->st.failed < g->o.concurrency && !gen_stop_requested()) {
		gen_poll(g);
		for (int i = 0; i < GEN_BURST && g->st.started < g->o.concurrency &&
		     g->st.started - g->st.streams_up - g->st.failed < GEN_SETUP_INFLIGHT; i++)
			gen_tcp_open(g, true);
		gen_tcp_pump_streams(g, 64);
		gen_flush_all(g);
		if (g->now > deadline) {
			fprintf(stderr, "meshrelay-gen: only %u of %u flows carry data after %u s\n",
				streams_flowing(g), g->o.concurrency, setup_s);
			break;
		}
	}
	s0 = g->st;
	t0 = rte_rdtsc();
	t1 = t0 + (uint64_t)(g->o.seconds * (double)g->hz);
	while (!gen_stop_requested() && g->now < t1) {
		gen_poll(g);
		gen_tcp_pump_streams(g, 64);
		if (g->o.synflood)
			syn_flood_burst(g);
		if (g->o.dns_rate)
			gen_dns_send(g, t0, g->o.dns_rate);
		gen_flush_all(g);
	}
	d = secs(g, rte_rdtsc() - t0);
	flowing = streams_flowing(g);
	printf("stream flows=%u flowing=%u seconds=%.3f c2b_pps=%.0f b2c_pps=%.0f c2b_gbps=%.3f "
	       "b2c_gbps=%.3f rx_pps=%.0f tx_pps=%.0f tx_ring_full=%" PRIu64 " retransmits=%" PRIu64
	       " out_of_order=%" PRIu64 " failed=%" PRIu64 " rst=%" PRIu64 " timeout=%" PRIu64
	       " bad_bytes=%" PRIu64 " wrong_backend=%" PRIu64 " payload=%u bad_checksum=%"
	       PRIu64 " lost_rx=%" PRIu64 " sack_sent=%" PRIu64 " sack_rx=%" PRIu64
	       " sack_bad=%" PRIu64 "\n",
	       g->o.concurrency, flowing, d,
	       (double)(g->st.data_segs_rx[1] - s0.data_segs_rx[1]) / d,
	       (double)(g->st.data_segs_rx[0] - s0.data_segs_rx[0]) / d,
	       (double)(g->st.data_bytes_rx[1] - s0.data_bytes_rx[1]) * 8 / d / 1e9,
	       (double)(g->st.data_bytes_rx[0] - s0.data_bytes_rx[0]) * 8 / d / 1e9,
	       (double)(g->st.rx_frames[0] + g->st.rx_frames[1] - s0.rx_frames[0] -
			s0.rx_frames[1]) / d,
	       (double)(g->st.tx_frames[0] + g->st.tx_frames[1] - s0.tx_frames[0] -
			s0.tx_frames[1]) / d,
	       g->st.tx_drop[0] + g->st.tx_drop[1] - s0.tx_drop[0] - s0.tx_drop[1],
	       g->st.rtx_timeouts + g->st.rtx_fast - s0.rtx_timeouts - s0.rtx_fast,
	       g->st.ooo - s0.ooo, g->st.failed, g->st.fail_rst, g->st.fail_timeout,
	       g->st.fail_bytes, g->st.fail_route, g->o.payload, g->st.bad_cksum,
	       g->st.lost_rx - s0.lost_rx, g->st.sack_sent - s0.sack_sent,
	       g->st.sack_rx - s0.sack_rx, g->st.sack_bad - s0.sack_bad);
	if (g->o.synflood)
		printf("synflood sent=%" PRIu64 " answered=%" PRIu64 " unsent=%" PRIu64
		       " sent_pps=%.0f\n",
		       g->st.syn_flood_sent, g->st.syn_flood_answers, g->st.syn_flood_unsent,
		       (double)g->st.syn_flood_sent / d);
	if (g->o.dns_rate)
		report_dns(g, &s0, d);
	/* Let the rings drain before the resets, and the relay's last segments in after. */
	drain(g, g->hz / 10);
	gen_tcp_reset_all(g);
	drain(g, g->hz / 5);
	return g->st.failed || g->st.bad_cksum || g->st.sack_bad || flowing < g->o.concurrency ?
	       1 : 0;
}

/* Queries only, at --dns-rate (0: as fast as the ring takes them), for --seconds. */
int gen_run_dns(struct gen *g)
{
	uint64_t t0 = rte_rdtsc(), end = t0 + (uint64_t)(g->o.seconds * (double)g->hz);
	struct gen_stats s0 = g->st;
	double d;

	while (!gen_stop_requested() && g->now < end) {
		gen_poll(g);
		gen_dns_send(g, t0, g->o.dns_rate);
	}
	d = secs(g, rte_rdtsc() - t0);
	drain(g, g->hz / 10); /* the last answers */
	report_dns(g, &s0, d);
	return g->st.dns_answered ? 0 : 1;
}

int gen_run_blast(struct gen *g)
{
	uint64_t warm = rte_rdtsc() + g->hz / 2, t0 = 0, end = 0, rx0 = 0, tx0 = 0;
	uint64_t rx_port0 = 0, rx_port1 = 0;

	while (!gen_stop_requested()) {
		gen_poll(g);
		if (!t0 && g->now > warm) {
			t0 = g->now;
			end = t0 + (uint64_t)(g->o.seconds * (double)g->hz);
			rx0 = g->st.rx_frames[0] + g->st.rx_frames[1];
			tx0 = g->st.tx_frames[0] + g->st.tx_frames[1];
			rx_port0 = g->st.rx_frames[0];
			rx_port1 = g->st.rx_frames[1];
		}
		if (t0 && g->now > end)
			break;
		for (int p = 0; p < 2; p++) {
			struct rte_mbuf *m[GEN_BURST];
			uint16_t n = 0, sent;

			while (n < GEN_BURST && (m[n] = gen_blast_frame(g, p, g->o.payload)))
				n++;
			sent = rte_eth_tx_burst(g->ports[p].id, 0, m, n);
			g->st.tx_frames[p] += sent;
			if (sent < n)
				rte_pktmbuf_free_bulk(m + sent, n - sent);
		}
	}
	if (!t0)
		return 1;
	double d = secs(g, rte_rdtsc() - t0);

	printf("blast seconds=%.3f rx_pps=%.0f rx0_pps=%.0f rx1_pps=%.0f tx_pps=%.0f payload=%u\n",
	       d, (double)(g->st.rx_frames[0] + g->st.rx_frames[1] - rx0) / d,
	       (double)(g->st.rx_frames[0] - rx_port0) / d, (double)(g->st.rx_frames[1] - rx_port1) / d,
	       (double)(g->st.tx_frames[0] + g->st.tx_frames[1] - tx0) / d, g->o.payload);
	return 0;
}

int gen_run_hold(struct gen *g)
{
	uint64_t t0 = rte_rdtsc(), give_up = t0 + 120 * g->hz, end;
	double opened_in;

	while (!gen_stop_requested() && g->st.held + g->st.failed < g->o.concurrency &&
	       g->now < give_up) {
		gen_poll(g);
		/* The relay answers a flood with cookies, not us. */
		for (int i = 0; i < GEN_BURST && g->st.started < g->o.concurrency &&
		     g->st.started - g->st.held - g->st.failed < GEN_SETUP_INFLIGHT; i++)
			gen_tcp_open(g, false);
		gen_flush_all(g);
	}
	opened_in = secs(g, rte_rdtsc() - t0);
	printf("hold wanted=%u held=%" PRIu64 " failed=%" PRIu64 " rst=%" PRIu64 " timeout=%"
	       PRIu64 " bad_bytes=%" PRIu64 " wrong_backend=%" PRIu64 " seconds_to_hold=%.3f "
	       "conn_per_s=%.0f\n", g->o.concurrency, g->st.held, g->st.failed, g->st.fail_rst,
	       g->st.fail_timeout, g->st.fail_bytes, g->st.fail_route, opened_in,
	       (double)g->st.held / opened_in);
	fflush(stdout);
	end = rte_rdtsc() + (uint64_t)(g->o.seconds * (double)g->hz);
	while (!gen_stop_requested() && rte_rdtsc() < end) {
		gen_poll(g);
		gen_flush_all(g);
	}
	if (!g->o.abandon)
		gen_tcp_reset_all(g);
	drain(g, g->hz / 5);
	return g->st.failed || g->st.bad_cksum || g->st.held != g->o.concurrency ? 1 : 0;
}
