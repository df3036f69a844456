/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-path: what the data plane spends per spliced segment, for callgrind. One appliance
 * on two ring ports (as in the relay_path unit suite), its one worker driven from this
 * thread. One IPv4 connection is opened as Linux opens it (MSS, SACK, timestamps, window
 * scale) and spliced; then bursts of 32 segments, client to backend and backend to client
 * in turn (1,400 bytes each, timestamps on), are handed to the worker, each burst followed
 * by the worker's housekeeping (its transmit flush included); the 16 of each end come as
 * one receive burst of its port. Building the frames and
 * reading them back happen outside path_cost_burst: run under
 *   valgrind --tool=callgrind --toggle-collect=path_cost_burst bench-path [BURSTS]
 * and the instructions counted, divided by the segments printed, are the cost of one.
 * With "connections" it opens and closes COUNT connections one after another instead
 * (handshake, hello, the backend's SYN-ACK, a 1,000-byte answer, FINs, the flow's end):
 * --toggle-collect=path_cost_step, divided by the connections printed. With "rx-cksum"
 * first, the ports say they check receive checksums and every frame comes marked good,
 * as from a NIC that does (the relay then sums no segment it receives). With "dns" it
 * sends COUNT bursts of 32 DNS queries (A, names under a wildcard route, EDNS0) to the
 * edge port's address instead: --toggle-collect=path_cost_burst, divided by the queries
 * printed, is the cost of one answer.
 * With "plain" the spliced segments carry 64 bytes and no options (the generator's
 * default) instead. With "workers N" (1 to 4) the appliance has N workers (lcores all on one CPU: they are
 * driven from this thread, never launched), one connection owned by each, and every
 * worker is handed its own connection's bursts, as a NIC steering each flow to its
 * owner's queue would; "workers N handoff" hands every burst to worker 0 instead, which
 * passes the other workers' segments to their inboxes, drained by their owners: the
 * difference is what the software fallback adds per segment handed over (printed).
 * "workers N rss" gives both ports a 128-entry RSS table over the workers' queues, with
 * the relay's source ports picked for it (rss_steer.h), and hands each burst to the worker
 * the NIC's Toeplitz hash would pick: none should need handing over. "workers N picks"
 * (or "picks-scarce") sets up the same tables and only picks COUNT such source ports for
 * backend connections, the workers in turn, with every port free (or one in ten):
 * --toggle-collect=path_cost_pick, divided by the picks printed, is what one costs.
 * Exits 1 when the relay did not forward every segment (the figure would mean nothing).
 * Several workers: path_cost_workers.c; DNS: path_cost_dns.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "dp_appliance.h"
#include "dp_worker.h"
#include "flow.h"
#include "neigh.h"
#include "path_cost.h"
#include "tcp_frame.h"
#include "tcp_opts.h"

#define PAYLOAD 1400
#define PLAIN_PAYLOAD 64

/* The ports have a queue per worker: the ring PMD gives back what transmit queue i sent on
 * receive queue i, and each worker sends on its own. */
static const char config_format[] =
	"dataplane = { mbufs = 0; neighbour = { entries = 64; }; };\n"
	"ports = ( { name = \"edge\"; device = \"net_ring_bp0\"; ipv4 = \"10.0.0.1/24\"; queues = %u;\n"
	"            exception = { enabled = false; }; },\n"
	"          { name = \"svc\"; device = \"net_ring_bp1\"; ipv4 = \"10.1.0.1/24\"; queues = %u;\n"
	"            exception = { enabled = false; }; } );\n"
	"listeners = ( { name = \"tls\"; port = \"edge\"; tcp_port = 443; } );\n"
	"relay = { max_flows = 64; closing_timeout_ms = 100; };\n"
	"networks = ( { name = \"n\"; local = true; allow = [ \"10.1.0.0/24\" ]; ports = ( 443 ); } );\n"
	"pools = ( { name = \"p\"; members = ( { address = \"10.1.0.2\"; port = 443; } ); } );\n"
	"routes = ( { sni = \"api.svc.example\"; pool = \"p\"; },\n"
	"           { sni = \"*.apps.svc.example\"; pool = \"p\"; } );\n"
	"dns = { port = \"edge\"; zones = [ \"svc.example\" ]; rate = 1000000; outside = \"refuse\"; };\n";

struct dp_appliance pc_app;
struct dp_worker *pc_w;
const struct rte_ether_addr pc_backend_mac = { { 0x02, 0, 0, 0, 0, 0x02 } };

void pc_fail(const char *what)
{
	fprintf(stderr, "bench-path: %s\n", what);
	exit(1);
}

static bool rx_cksum;
static bool plain; /* segments of 64 bytes without options (the generator's default) */

static struct rte_mbuf *frame(const struct end *e, uint8_t flags, const uint8_t *opts,
			      unsigned int opt_len, const uint8_t *payload, size_t plen)
{
	struct tcp_frame_spec t = {
		.dst_mac = e->port->mac, .src = e->ip, .dst = e->our_ip, .sport = e->port_num,
		.dport = e->our_port, .flags = flags, .seq = e->seq, .ack = e->ack, .opts = opts,
		.opt_len = opt_len, .payload = payload, .plen = plen,
	};
	struct rte_mbuf *m = tcp_frame_build(pc_app.pool, e->port->port_id, &t);

	if (!m)
		pc_fail("out of mbufs");
	if (rx_cksum)
		m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	return m;
}

/* SYN options as Linux sends them: MSS 1460, SACK permitted, timestamps, window scale 7. */
static unsigned int syn_opts(uint8_t o[20], uint32_t tsval, uint32_t tsecr)
{
	return tcp_opts_write_syn(o, 1460, 7, true, true, tsval, tsecr);
}

static unsigned int ts_opts(uint8_t o[12], const struct end *e)
{
	return tcp_opts_write_ts(o, e->tsval, e->tsecr);
}

/* A frame the relay sent on p from any worker's queue; false when there is none. */
static bool next_sent(const struct dp_port *p, struct rte_mbuf **m)
{
	for (uint16_t q = 0; q < pc_app.n_workers; q++)
		if (rte_eth_rx_burst(p->port_id, q, m, 1) == 1)
			return true;
	return false;
}

/* The next TCP segment the relay sent on p (other frames freed); NULL when none. */
static struct rte_tcp_hdr *next_tcp(const struct dp_port *p, struct rte_mbuf **out)
{
	struct rte_mbuf *m;

	while (next_sent(p, &m)) {
		struct rte_ether_hdr *eth;
		struct rte_ipv4_hdr *ip;

		if (rte_pktmbuf_linearize(m) != 0) {
			rte_pktmbuf_free(m);
			continue;
		}
		eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
		ip = (struct rte_ipv4_hdr *)(eth + 1);
		if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) &&
		    ip->next_proto_id == IPPROTO_TCP) {
			*out = m;
			return (struct rte_tcp_hdr *)((uint8_t *)ip + rte_ipv4_hdr_len(ip));
		}
		rte_pktmbuf_free(m);
	}
	return NULL;
}

/* The TSval of a segment the relay sent (its options: a SYN's or NOP NOP TS). */
static uint32_t tsval_of(const struct rte_tcp_hdr *tcp)
{
	struct tcp_opts o;

	if (!tcp_opts_parse((const uint8_t *)tcp, (tcp->data_off >> 4) * 4u, &o) || !o.has_ts)
		pc_fail("the relay sent no timestamps");
	return o.tsval;
}

/* What callgrind counts of a whole connection: one frame through the worker (none: only
 * its housekeeping), then its housekeeping. */
__attribute__((noinline, noclone)) void path_cost_step(const struct end *e, struct rte_mbuf *m);
__attribute__((noinline, noclone)) void path_cost_step(const struct end *e, struct rte_mbuf *m)
{
	if (m)
		dp_worker_rx_burst(pc_w, e->port, &m, 1);
	dp_worker_housekeeping(pc_w);
}

static void input(const struct end *e, struct rte_mbuf *m)
{
	path_cost_step(e, m);
}

void pc_drain(const struct dp_port *p)
{
	struct rte_mbuf *pkts[BURST];
	uint16_t n;

	for (uint16_t q = 0; q < pc_app.n_workers; q++)
		while ((n = rte_eth_rx_burst(p->port_id, q, pkts, BURST)) > 0)
			rte_pktmbuf_free_bulk(pkts, n);
}

static size_t read_hello(uint8_t *buf, size_t cap)
{
	FILE *f = fopen(MR_SOURCE_DIR "/test/classifier/fixtures/openssl-tls13__api.svc.example.hello",
			"rb");
	size_t n = f ? fread(buf, 1, cap, f) : 0;

	if (f)
		fclose(f);
	return n;
}

void pc_open_connection(struct end *c, struct end *b)
{
	uint8_t opts[20], hello[2048];
	size_t hello_len = read_hello(hello, sizeof(hello));
	struct rte_tcp_hdr *tcp;
	struct rte_mbuf *m;

	if (hello_len < 200)
		pc_fail("hello fixture missing");
	input(c, frame(c, RTE_TCP_SYN_FLAG, opts, syn_opts(opts, c->tsval, 0), NULL, 0));
	tcp = next_tcp(c->port, &m);
	if (!tcp || tcp->tcp_flags != (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG))
		pc_fail("no SYN-ACK from the listener");
	c->seq++;
	c->ack = rte_be_to_cpu_32(tcp->sent_seq) + 1;
	c->tsecr = tsval_of(tcp);
	rte_pktmbuf_free(m);
	input(c, frame(c, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, opts, ts_opts(opts, c), hello,
		       hello_len));
	c->seq += (uint32_t)hello_len;
	pc_drain(c->port);
	tcp = next_tcp(b->port, &m);
	if (!tcp || tcp->tcp_flags != RTE_TCP_SYN_FLAG)
		pc_fail("no SYN to the backend");
	b->our_port = rte_be_to_cpu_16(tcp->src_port);
	b->ack = rte_be_to_cpu_32(tcp->sent_seq) + 1;
	b->tsecr = tsval_of(tcp);
	rte_pktmbuf_free(m);
	input(b, frame(b, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, opts,
		       syn_opts(opts, b->tsval, b->tsecr), NULL, 0));
	b->seq++;
	b->ack += (uint32_t)hello_len;
	pc_drain(b->port);
	pc_drain(c->port);
}

/* After open_connection: a 1,000-byte answer, FINs both ways and the last ACK, then the
 * flow's end at its closing time (relay.closing_timeout_ms = 100 here). */
static void close_connection(struct end *c, struct end *b)
{
	static uint8_t answer[1000];
	uint8_t opts[12];

	b->tsval++;
	input(b, frame(b, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, opts, ts_opts(opts, b), answer,
		       sizeof(answer)));
	b->seq += sizeof(answer);
	c->ack += sizeof(answer);
	c->tsval++;
	input(c, frame(c, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG, opts, ts_opts(opts, c), NULL, 0));
	c->seq++;
	b->ack++;
	b->tsval++;
	input(b, frame(b, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG, opts, ts_opts(opts, b), NULL, 0));
	b->seq++;
	c->ack++;
	c->tsval++;
	input(c, frame(c, RTE_TCP_ACK_FLAG, opts, ts_opts(opts, c), NULL, 0));
	pc_drain(c->port);
	pc_drain(b->port);
	pc_w->now_ms += 101;
	input(c, NULL);
}

/* Connections one after another, each a new client port, until every one has ended. */
static void run_connections(struct end *c0, struct end *b0, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		struct end c = *c0, b = *b0;

		/* The backend's neighbour entry stays fresh however long the run lasts. */
		neigh_learn(pc_w->neigh, BACKEND_IP, &pc_backend_mac, pc_w->now_ms, true);
		c.port_num = (uint16_t)(c0->port_num + i % 20000);
		c.seq += i * 100000u;
		b.seq += i * 100000u;
		pc_open_connection(&c, &b);
		close_connection(&c, &b);
	}
}

__attribute__((noinline, noclone)) void path_cost_burst(const struct end *c, struct rte_mbuf **from_c,
					       unsigned int nc, const struct end *b,
					       struct rte_mbuf **from_b, unsigned int nb)
{
	dp_worker_rx_burst(pc_w, c->port, from_c, nc);
	if (nb)
		dp_worker_rx_burst(pc_w, b->port, from_b, nb);
	dp_worker_housekeeping(pc_w);
}

void pc_fill(struct end *e, struct end *peer, struct rte_mbuf **pkts, unsigned int n)
{
	static uint8_t payload[PAYLOAD];
	uint8_t opts[12];

	for (unsigned int i = 0; i < n; i++) {
		e->tsval++;
		pkts[i] = plain ? frame(e, RTE_TCP_ACK_FLAG, NULL, 0, payload, PLAIN_PAYLOAD)
			      : frame(e, RTE_TCP_ACK_FLAG, opts, ts_opts(opts, e), payload, PAYLOAD);
		e->seq += plain ? PLAIN_PAYLOAD : PAYLOAD;
	}
	peer->ack += n * (plain ? PLAIN_PAYLOAD : PAYLOAD);
}

static void run_bursts(struct end *c, struct end *b, unsigned int bursts)
{
	for (unsigned int k = 0; k < bursts; k++) {
		struct rte_mbuf *from_c[BURST / 2], *from_b[BURST / 2];

		pc_fill(c, b, from_c, BURST / 2);
		pc_fill(b, c, from_b, BURST / 2);
		path_cost_burst(c, from_c, BURST / 2, b, from_b, BURST / 2);
		pc_drain(c->port);
		pc_drain(b->port);
	}
}

uint64_t pc_spliced_by(const struct dp_worker *wk)
{
	return wk->counters.events[DP_EV_splice_c2b] + wk->counters.events[DP_EV_splice_b2c];
}

static int finish(struct mr_config *conf)
{
	dp_appliance_down(&pc_app);
	mr_config_free(conf);
	rte_eal_cleanup();
	return 0;
}

int main(int argc, char **argv)
{
	char prefix[64], err[512];
	char lcores[64], config_text[sizeof(config_format) + 16];
	char *eal_argv[] = { "bench-path", "--lcores", lcores, "--no-pci", "--no-huge", "-m",
			     "768", "--no-telemetry", "--log-level", "*:error", "--file-prefix",
			     prefix, NULL };
	int arg = 1;
	bool connections, dns;
	enum deliver how = DELIVER_OWNER;
	unsigned int bursts, workers = 0, n_workers;
	static struct mr_config conf;
	struct end c = { .ip = CLIENT_IP, .our_ip = EDGE_IP, .port_num = 40001, .our_port = 443,
			 .seq = 1000000, .tsval = 5000 };
	struct end b = { .ip = BACKEND_IP, .our_ip = SVC_IP, .port_num = 443, .seq = 7000000,
			 .tsval = 90000 };
	uint64_t before;

	rx_cksum = arg < argc && strcmp(argv[arg], "rx-cksum") == 0;
	arg += rx_cksum;
	plain = arg < argc && strcmp(argv[arg], "plain") == 0;
	arg += plain;
	connections = arg < argc && strcmp(argv[arg], "connections") == 0;
	arg += connections;
	dns = arg < argc && strcmp(argv[arg], "dns") == 0;
	arg += dns;
	if (arg + 1 < argc && strcmp(argv[arg], "workers") == 0) {
		workers = (unsigned int)atoi(argv[arg + 1]);
		arg += 2;
		if (arg < argc && strcmp(argv[arg], "handoff") == 0)
			how = DELIVER_HANDOFF;
		else if (arg < argc && strcmp(argv[arg], "rss") == 0)
			how = DELIVER_RSS;
		else if (arg < argc && strncmp(argv[arg], "picks", 5) == 0)
			how = strcmp(argv[arg], "picks-scarce") == 0 ? DELIVER_PICKS_SCARCE
								      : DELIVER_PICKS;
		arg += how != DELIVER_OWNER;
		if (workers < 1 || workers > MAX_WORKERS)
			pc_fail("workers: 1 to 4");
	}
	n_workers = workers ? workers : 1;
	/* The main lcore and one lcore per worker, all on CPU 0: nothing is launched. */
	snprintf(lcores, sizeof(lcores), "(0-%u)@0", n_workers);
	bursts = arg < argc ? (unsigned int)atoi(argv[arg]) : connections ? 500 : 200;
	/* Under the name its script chose, if it did: what the script removes is its own. */
	snprintf(prefix, sizeof(prefix), "%s-%d",
		 getenv("BENCH_PATH_PREFIX") ? getenv("BENCH_PATH_PREFIX") : "bench-path",
		 (int)getpid());
	if (bursts == 0 || rte_eal_init((int)RTE_DIM(eal_argv) - 1, eal_argv) < 0)
		pc_fail("usage: bench-path [rx-cksum] [plain] [connections | dns | workers N [handoff | rss | picks | "
		     "picks-scarce]] [COUNT], "
		     "or EAL did not start");
	snprintf(config_text, sizeof(config_text), config_format, n_workers, n_workers);
	if (mr_config_load_string(config_text, "bench-path", &conf, err, sizeof(err)) < 0)
		pc_fail(err);
	pc_app.conf = &conf;
	pc_app.n_workers = n_workers;
	if (dp_appliance_up(&pc_app, err, sizeof(err)) < 0 || !pc_app.workers[pc_app.n_workers - 1])
		pc_fail(err);
	pc_w = pc_app.workers[0];
	pc_w->now_ms = 1000000;
	for (unsigned int i = 0; i < pc_app.n_ports; i++)
		pc_app.ports[i].caps.rx_ipv4_cksum = pc_app.ports[i].caps.rx_l4_cksum = rx_cksum;
	neigh_learn(pc_w->neigh, BACKEND_IP, &pc_backend_mac, pc_w->now_ms, true);
	c.port = &pc_app.ports[0];
	b.port = &pc_app.ports[1];
	if (workers) {
		uint64_t dispatched = 0, spliced;

		if (how != DELIVER_OWNER && how != DELIVER_HANDOFF)
			pc_rss_ports(workers);
		if (how == DELIVER_PICKS || how == DELIVER_PICKS_SCARCE) {
			unsigned int picked = path_cost_pick(bursts, workers,
							     how == DELIVER_PICKS_SCARCE);

			printf("picks %u\nfound %u\n", bursts, picked);
			return finish(&conf);
		}
		spliced = pc_run_workers(&c, &b, workers, how, bursts);

		if (spliced != (uint64_t)bursts * BURST * workers)
			pc_fail("the relay did not splice every segment");
		for (unsigned int k = 0; k < workers; k++)
			dispatched += pc_app.workers[k]->counters.events[DP_EV_dispatched];
		printf("segments %" PRIu64 "\nhanded over %" PRIu64 "\n", spliced, dispatched);
		return finish(&conf);
	}
	if (dns) {
		/* The queries carry EDNS0: an answer without its OPT would be a query that is
		 * not the one measured (before, a stray byte hid the OPT record). */
		if (pc_run_dns(&c, bursts) != bursts * BURST)
			pc_fail("not every query was answered with EDNS0");
		if (pc_w->counters.events[DP_EV_dns_answered] != (uint64_t)bursts * BURST)
			pc_fail("not every query was answered");
		printf("queries %u\n", bursts * BURST);
		return finish(&conf);
	}
	if (connections) {
		run_connections(&c, &b, bursts);
		if (pc_w->counters.events[DP_EV_flow_created] != bursts || flow_count(pc_w->flows) != 0)
			pc_fail("not every connection was relayed and ended");
		printf("connections %u\n", bursts);
		return finish(&conf);
	}
	pc_open_connection(&c, &b);
	before = pc_spliced_by(pc_w);
	run_bursts(&c, &b, bursts);
	if (pc_spliced_by(pc_w) - before != (uint64_t)bursts * BURST)
		pc_fail("the relay did not splice every segment");
	printf("segments %u\n", bursts * BURST);
	return finish(&conf);
}
