/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * meshrelay-gen [EAL options] -- [options]: see usage(). Port 0 faces the relay's client
 * side, port 1 its backend side (or, in blast mode, any forwarder's two ports).
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_random.h>
#include <rte_tcp.h>

#include "gen.h"

#ifndef MR_GEN_HELLO
#define MR_GEN_HELLO "openssl-tls13__api.svc.example.hello"
#endif

static volatile sig_atomic_t stop_requested;

/* Tell whoever waits that the report is out: a file that appears after it. */
static void touch_done_file(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f || fclose(f) != 0)
		fprintf(stderr, "meshrelay-gen: cannot create %s\n", path);
}

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: meshrelay-gen [EAL options] -- [options]\n"
		"  --mode connect|stream|blast|hold|dns   (connect)\n"
		"                       hold: open --concurrency connections, exchange, keep them\n"
		"                       open for --seconds, report when all are held\n"
		"  --abandon            hold: then leave them without a reset, as a client host\n"
		"                       that lost power: the relay keeps them until their peer or\n"
		"                       a timeout ends them\n"
		"  --seconds S          run time (10); connect also stops after --count\n"
		"  --count N            connect: connections to open (0: until time is up)\n"
		"  --rate R             connect: new connections per second, a stall not caught up (0: at most)\n"
		"  --concurrency C      connect: open at once (256); stream: flows (64);\n"
		"                       hold: connections to hold\n"
		"  --request B --response B   connect: bytes each way after the hello (256, 1024);\n"
		"                       the client sends its request once the backend's answer begins\n"
		"  --payload B          stream/blast: payload bytes per segment (64)\n"
		"  --inflight N         stream: segments in flight each way, all flows (1536)\n"
		"  --direct             the peer forwards frames unchanged (testpmd io): port 1\n"
		"                       answers the clients' own connections, same traffic\n"
		"  --linger S           after the report, leave the ports alone S seconds before\n"
		"                       closing them, so a memif peer can stop first (0); a\n"
		"                       signal (SIGINT, SIGTERM) ends the wait\n"
		"  --done-file PATH     create PATH once the report is written (a script's sign\n"
		"                       to quiesce the peer, then signal us)\n"
		"  --routes R           SNIs s0..s{R-1}.SUFFIX, route k to backend port PORT+k (1)\n"
		"  --backends N         backend addresses from the svc address up (1)\n"
		"  --pooled             any backend address may serve any route (pools of them all)\n"
		"  --silence I,FROM,TO  connect: backend address I (0-based) takes no frame from\n"
		"                       second FROM to TO; the report splits completions by phase\n"
		"  --synflood           stream: SYNs from random 10.150/16 sources besides\n"
		"  --linux              segments as Linux sends them: SYNs with MSS, SACK-permitted,\n"
		"                       timestamps, window scale; a timestamp on every segment\n"
		"  --interleave         stream: one segment per flow per turn (not runs of 16)\n"
		"  --rx-loss N          drop one of every N data segments received, as a lossy path\n"
		"                       would (with --linux the receivers then send SACK blocks)\n"
		"  --dns-rate Q         stream: Q DNS queries a second besides (A, sK.SUFFIX, from\n"
		"                       4,096 client addresses); dns mode: the rate (0: at most)\n"
		"  --hello FILE         captured one-record ClientHello to send (SNI replaced)\n"
		"  --suffix NAME        SNI suffix (bench.example)\n"
		"  --listen-port P (443)  --backend-port P (20000)\n"
		"  --edge OURS,RELAY (10.200.0.2,10.200.0.1)  --svc OURS,RELAY (10.201.0.2,10.201.0.1)\n"
		"  --clients NET        client sources NET/16 behind our edge address (10.100.0.0)\n");
}

static int parse_pair(const char *s, uint32_t *ours, uint32_t *relay)
{
	char buf[64], *comma;
	struct in_addr a, b;

	snprintf(buf, sizeof(buf), "%s", s);
	comma = strchr(buf, ',');
	if (!comma)
		return -1;
	*comma = '\0';
	if (inet_pton(AF_INET, buf, &a) != 1 || inet_pton(AF_INET, comma + 1, &b) != 1)
		return -1;
	*ours = ntohl(a.s_addr);
	*relay = ntohl(b.s_addr);
	return 0;
}

static int parse_opts(int argc, char **argv, struct gen_opts *o)
{
	static const struct option opts[] = {
		{ "mode", 1, 0, 'm' }, { "seconds", 1, 0, 's' }, { "count", 1, 0, 'n' },
		{ "rate", 1, 0, 'r' }, { "concurrency", 1, 0, 'c' }, { "request", 1, 0, 'q' },
		{ "response", 1, 0, 'p' }, { "payload", 1, 0, 'l' }, { "routes", 1, 0, 'R' },
		{ "backends", 1, 0, 'B' }, { "synflood", 0, 0, 'F' }, { "hello", 1, 0, 'H' },
		{ "suffix", 1, 0, 'S' }, { "listen-port", 1, 0, 'L' },
		{ "backend-port", 1, 0, 'P' }, { "edge", 1, 0, 'e' }, { "svc", 1, 0, 'v' },
		{ "clients", 1, 0, 'C' }, { "inflight", 1, 0, 'I' },
		{ "linger", 1, 0, 'W' }, { "direct", 0, 0, 'D' }, { "pooled", 0, 0, 'O' },
		{ "silence", 1, 0, 'Q' }, { "dns-rate", 1, 0, 'N' }, { "linux", 0, 0, 'X' },
		{ "interleave", 0, 0, 'V' }, { "rx-loss", 1, 0, 'Z' }, { "done-file", 1, 0, 'K' },
		{ "abandon", 0, 0, 'A' },
		{ 0, 0, 0, 0 },
	};
	bool conc_given = false;
	struct in_addr a;
	int c;

	*o = (struct gen_opts){ .mode = GEN_CONNECT, .seconds = 10, .concurrency = 256,
				.request = 256, .response = 1024, .payload = 64, .inflight = 1536, .routes = 1,
				.backends = 1, .hello_file = MR_GEN_HELLO,
				.sni_suffix = "bench.example", .listen_port = 443,
				.backend_port = 20000, .edge_ip = 0x0ac80002, .edge_peer = 0x0ac80001,
				.svc_ip = 0x0ac90002, .svc_peer = 0x0ac90001,
				.client_net = 0x0a640000, .silent = -1 };
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (!strcmp(optarg, "connect"))
				o->mode = GEN_CONNECT;
			else if (!strcmp(optarg, "stream"))
				o->mode = GEN_STREAM;
			else if (!strcmp(optarg, "blast"))
				o->mode = GEN_BLAST;
			else if (!strcmp(optarg, "hold"))
				o->mode = GEN_HOLD;
			else if (!strcmp(optarg, "dns"))
				o->mode = GEN_DNS;
			else
				return -1;
			break;
		case 's': o->seconds = atof(optarg); break;
		case 'n': o->count = strtoull(optarg, NULL, 10); break;
		case 'r': o->rate = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'c': o->concurrency = (uint32_t)strtoul(optarg, NULL, 10); conc_given = true; break;
		case 'q': o->request = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'p': o->response = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'l': o->payload = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'R': o->routes = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'B': o->backends = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'F': o->synflood = true; break;
		case 'H': o->hello_file = optarg; break;
		case 'S': o->sni_suffix = optarg; break;
		case 'L': o->listen_port = (uint16_t)atoi(optarg); break;
		case 'P': o->backend_port = (uint16_t)atoi(optarg); break;
		case 'e': if (parse_pair(optarg, &o->edge_ip, &o->edge_peer)) return -1; break;
		case 'v': if (parse_pair(optarg, &o->svc_ip, &o->svc_peer)) return -1; break;
		case 'C':
			if (inet_pton(AF_INET, optarg, &a) != 1)
				return -1;
			o->client_net = ntohl(a.s_addr) & 0xffff0000u;
			break;
		case 'I': o->inflight = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'O': o->pooled = true; break;
		case 'N': o->dns_rate = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'X': o->linux_segs = true; break;
		case 'V': o->interleave = true; break;
		case 'Z': o->rx_loss = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'Q':
			if (sscanf(optarg, "%d,%lf,%lf", &o->silent, &o->silent_from, &o->silent_to) != 3 ||
			    o->silent < 0 || o->silent_to <= o->silent_from)
				return -1;
			break;
		case 'W': o->linger = atof(optarg); break;
		case 'K': o->done_file = optarg; break;
		case 'D': o->direct = true; break;
		case 'A': o->abandon = true; break;
		default: return -1;
		}
	}
	if (o->mode == GEN_STREAM && !conc_given)
		o->concurrency = 64;
	if (o->seconds <= 0 || !o->response || !o->concurrency || !o->routes || !o->backends || o->backends > 250 ||
	    o->payload < 1 || !o->inflight || o->payload > GEN_MSS || o->routes > 65535u - o->backend_port)
		return -1;
	return 0;
}

static int port_setup(struct gen *g, int idx, uint32_t ip, uint32_t peer, uint32_t own_last)
{
	struct rte_eth_conf conf = { 0 };
	struct gen_port *p = &g->ports[idx];
	struct rte_eth_link link;

	p->id = (uint16_t)idx;
	p->ip = ip;
	p->peer_ip = peer;
	p->own_first = ip;
	p->own_last = own_last;
	if (rte_eth_dev_configure(p->id, 1, 1, &conf) < 0 ||
	    rte_eth_rx_queue_setup(p->id, 0, 1024, rte_eth_dev_socket_id(p->id), NULL, g->pool) < 0 ||
	    rte_eth_tx_queue_setup(p->id, 0, 1024, rte_eth_dev_socket_id(p->id), NULL) < 0 ||
	    rte_eth_macaddr_get(p->id, &p->mac) < 0) {
		fprintf(stderr, "meshrelay-gen: port %d cannot be set up\n", idx);
		return -1;
	}
	/* A memif client's start fails while the server's socket is not there yet. */
	for (int i = 0; rte_eth_dev_start(p->id) < 0; i++) {
		if (i == 100 || stop_requested) {
			fprintf(stderr, "meshrelay-gen: port %d cannot start\n", idx);
			return -1;
		}
		rte_delay_ms(100);
	}
	rte_eth_promiscuous_enable(p->id);
	memset(&p->peer_mac, 0xff, sizeof(p->peer_mac));
	for (int i = 1; i <= 100; i++) { /* memif: up once the peer has connected */
		if (rte_eth_link_get_nowait(p->id, &link) == 0 && link.link_status)
			return 0;
		rte_delay_ms(100);
		if (i % 10 == 0) { /* a memif client tries once per start: try again */
			rte_eth_dev_stop(p->id);
			if (rte_eth_dev_start(p->id) < 0)
				break;
		}
	}
	fprintf(stderr, "meshrelay-gen: port %d: no link after 10 s (is the peer running?)\n", idx);
	return -1;
}

/* Whether ip goes to the backend that --silence quiets, at this moment of the run. */
static bool gen_silenced(const struct gen *g, const struct rte_ipv4_hdr *ip)
{
	double at;

	if (g->o.silent < 0 || rte_be_to_cpu_32(ip->dst_addr) != g->o.svc_ip + (uint32_t)g->o.silent)
		return false;
	at = (double)(g->now - g->t0) / (double)g->hz;
	return at >= g->o.silent_from && at < g->o.silent_to;
}

/* Receives one burst on port: ARP answered, TCP to the halves, the rest counted. */
static void rx_port(struct gen *g, int port)
{
	struct rte_mbuf *m[GEN_BURST], *tcp[GEN_BURST];
	uint16_t n = rte_eth_rx_burst(g->ports[port].id, 0, m, GEN_BURST), n_tcp = 0;

	g->st.rx_frames[port] += n;
	for (uint16_t i = 0; i < n; i++) {
		const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m[i], struct rte_ether_hdr *);

		if (g->o.mode == GEN_BLAST) {
			rte_pktmbuf_free(m[i]);
		} else if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP)) {
			gen_arp_input(g, port, m[i]);
		} else if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) {
			if (port == 0 && gen_dns_input(g, m[i])) {
				rte_pktmbuf_free(m[i]);
				continue;
			}
			if (port == 1 && gen_silenced(g, (const struct rte_ipv4_hdr *)(eth + 1))) {
				g->st.silenced++;
				rte_pktmbuf_free(m[i]);
				continue;
			}
			tcp[n_tcp++] = m[i];
		} else {
			g->st.stray++;
			rte_pktmbuf_free(m[i]);
		}
	}
	if (n_tcp) {
		gen_tcp_input(g, port, tcp, n_tcp);
		rte_pktmbuf_free_bulk(tcp, n_tcp);
	}
}

static void poll_once(struct gen *g)
{
	g->now = rte_rdtsc();
	rx_port(g, 0);
	rx_port(g, 1);
	if (g->o.mode != GEN_BLAST)
		gen_tcp_timers(g);
}

static void flush_both(struct gen *g)
{
	gen_flush(g, 0);
	gen_flush(g, 1);
}

/* Learns both of the relay's MACs; blast mode sends to broadcast and needs none. */
static int resolve_peers(struct gen *g)
{
	uint64_t end = rte_rdtsc() + 10 * g->hz, next = 0;

	while (!(g->ports[0].peer_known && g->ports[1].peer_known)) {
		if (rte_rdtsc() > end || stop_requested) {
			fprintf(stderr, "meshrelay-gen: the relay did not answer ARP on port %d\n",
				g->ports[0].peer_known ? 1 : 0);
			return -1;
		}
		if (rte_rdtsc() > next) {
			for (int p = 0; p < 2; p++)
				if (!g->ports[p].peer_known)
					gen_arp_ask(g, p);
			next = rte_rdtsc() + g->hz / 10;
		}
		poll_once(g);
		flush_both(g);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct gen g;
	int n = rte_eal_init(argc, argv), rc;

	if (n < 0) {
		fprintf(stderr, "meshrelay-gen: EAL initialisation failed\n");
		return 2;
	}
	argc -= n;
	argv += n;
	if (parse_opts(argc, argv, &g.o) < 0) {
		usage();
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (rte_eth_dev_count_avail() != 2) {
		fprintf(stderr, "meshrelay-gen: needs exactly two ports (client side, backend side), "
			"has %u\n", rte_eth_dev_count_avail());
		return 2;
	}
	g.hz = rte_get_tsc_hz();
	g.rto = g.hz / 10;
	gen_pattern_init();
	g.pool = rte_pktmbuf_pool_create("gen_pool", 16383, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					 (int)rte_socket_id());
	g.hellos = calloc(g.o.routes, sizeof(*g.hellos));
	if (!g.pool || !g.hellos) {
		fprintf(stderr, "meshrelay-gen: out of memory\n");
		return 2;
	}
	for (uint32_t k = 0; k < g.o.routes && g.o.mode != GEN_BLAST; k++)
		if (gen_hello_build(g.o.hello_file, g.o.sni_suffix, k, &g.hellos[k]) < 0)
			return 2;
	if (port_setup(&g, 0, g.o.edge_ip, g.o.edge_peer, g.o.edge_ip) < 0 ||
	    port_setup(&g, 1, g.o.svc_ip, g.o.svc_peer, g.o.svc_ip + g.o.backends - 1) < 0)
		return 2;
	if (g.o.mode != GEN_BLAST &&
	    (gen_tcp_init(&g, g.o.concurrency) < 0 || (!g.o.direct && resolve_peers(&g) < 0)))
		return 2;
	rc = g.o.mode == GEN_CONNECT ? gen_run_connect(&g)
	     : g.o.mode == GEN_STREAM ? gen_run_stream(&g)
	     : g.o.mode == GEN_DNS ? gen_run_dns(&g)
	     : g.o.mode == GEN_HOLD ? gen_run_hold(&g) : gen_run_blast(&g);
	fflush(stdout);
	if (g.o.done_file)
		touch_done_file(g.o.done_file);
	/* memif unmaps a ring when its peer goes, even under a running poll loop (DPDK 22.11):
	 * a forwarder still sending to us must be stopped before we disconnect. */
	for (double left = g.o.linger; left > 0 && !stop_requested; left -= 0.1)
		rte_delay_us_sleep(100000);
	for (int p = 0; p < 2; p++)
		rte_eth_dev_stop(g.ports[p].id);
	rte_eal_cleanup();
	return rc;
}

bool gen_stop_requested(void)
{
	return stop_requested;
}

void gen_poll(struct gen *g)
{
	poll_once(g);
}

void gen_flush_all(struct gen *g)
{
	flush_both(g);
}
