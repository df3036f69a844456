/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the data plane's packet path: one appliance (two net_null ports,
 * a listener, routes, mangled names, DNS on the edge port) and one worker, driven from
 * the fuzzer's thread.
 * Both ports have IPv6 too, and the pool's two members are of either family, so flows of
 * every pairing of families are made. An input is a sequence of operations:
 *   raw frame on either port; a client TCP segment to the listener, over IPv4 or IPv6
 *   (with, when asked, the valid SYN cookie so flows get created); a backend segment to one of the open flows
 *   (with, when asked, the SYN-ACK that splices it); an RFC 6062 data connection started
 *   as the control plane would; a TURN server's segment to one (its SYN-ACK, or a
 *   ConnectionBind answer with the right transaction id before fuzzed bytes, when
 *   asked); time passing; a segment from either peer of an open flow at its very
 *   sequence numbers give or take a little, flags fuzzed, sometimes with a wrong checksum
 *   (RST, SYN and ACK spoofing: RFC 5961); a run of in-order segments of one byte each
 *   into a hello; a router's too-big error about a side of an open flow, quoting what
 *   the relay sent there less a little, its MTU fuzzed.
 * After every operation the sides' MSS stays at or above the configured floor, and the
 * worker's flows may keep no more buffers than their budget.
 * After every input the clock runs on until every timer has fired; then no flow may be
 * left and every mbuf must be back in the pool: a leak or a stuck flow is a finding.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "dp_appliance.h"
#include "mgmt_report.h"
#include "dp_worker.h"
#include "flow_limits.h"
#include "mr_bytes.h"
#include "relay.h"
#include "tcp_frame.h"
#include "tcp_opts.h"
#include "turn_bind.h"

static const char config_text[] =
	"dataplane = { mbufs = 8191; neighbour = { entries = 64; }; };\n"
	"ports = ( { name = \"edge\"; device = \"net_null_fz0\"; ipv4 = \"10.0.0.1/24\";\n"
	"            gateway = \"10.0.0.254\"; ipv6 = \"fd00::1/64\"; gateway6 = \"fe80::1\";\n"
	"            exception = { enabled = false; }; },\n"
	"          { name = \"svc\"; device = \"net_null_fz1\"; ipv4 = \"10.1.0.1/24\";\n"
	"            source_addresses = [ \"10.1.0.11\" ];\n"
	"            ipv6 = \"fd01::1/64\"; exception = { enabled = false; }; } );\n"
	"listeners = ( { name = \"tls\"; port = \"edge\"; tcp_port = 443; } );\n"
	"relay = { max_flows = 128; };\n"
	"networks = ( { name = \"n\"; local = true; allow = [ \"10.1.0.0/24\" ]; ports = ( 443 ); } );\n"
	"pools = ( { name = \"p\"; members = ( { address = \"10.1.0.2\"; port = 443; },\n"
	"                                        { address = \"fd01::2\"; port = 443; } ); } );\n"
	"routes = ( { sni = \"a.example\"; pool = \"p\"; },\n"
	"           { name = \"ssh.example\"; protocol = \"tcp\"; port = 22; pool = \"p\";\n"
	"             vip = \"240.240.0.5\"; },\n"
	"           { default = true; pool = \"p\"; proxy_protocol = true; } );\n"
	"mangled = ( { suffix = \"mesh.internal\"; forms = [ \"underscore\", \"label\", \"istio\" ];\n"
	"              network = \"n\"; } );\n"
	"dns = { port = \"edge\"; zones = [ \"example\" ]; outside = \"refuse\"; rate = 1000;\n"
	"        vip_range = \"240.240.0.0/16\"; };\n";

static struct mr_config conf;
static struct dp_appliance app;
static unsigned int pool_baseline;
static uint64_t clock_ms = 1000000;
static char prefix[64];

static void remove_runtime_dir(void)
{
	char cmd[128];

	/* What the inputs reached, for whoever runs the fuzzer by hand. */
	if (getenv("MR_FUZZ_STATS"))
		dp_counters_print(&app, stderr);
	rte_eal_cleanup();
	snprintf(cmd, sizeof(cmd), "rm -rf /var/run/dpdk/%s", prefix);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove /var/run/dpdk/%s\n", prefix);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *eal[] = { "fuzz", "-l", "0-1", "--no-pci", "--no-huge", "-m", "256",
			"--no-telemetry", "--log-level", "*:error", "--file-prefix", prefix, NULL };
	char err[512];

	(void)argc;
	(void)argv;
	snprintf(prefix, sizeof(prefix), "fuzz-dp-%d", (int)getpid());
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0)
		abort();
	atexit(remove_runtime_dir);
	if (mr_config_load_string(config_text, "fuzz", &conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	app.conf = &conf;
	app.n_workers = 1;
	if (dp_appliance_up(&app, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	app.workers[0]->now_ms = clock_ms;
	pool_baseline = rte_mempool_avail_count(app.pool);
	return 0;
}

struct cursor {
	const uint8_t *p;
	size_t left;
};

static uint32_t take(struct cursor *c, unsigned int bytes)
{
	uint32_t v = 0;

	for (unsigned int i = 0; i < bytes; i++) {
		v = v << 8 | (c->left ? *c->p : 0);
		if (c->left) {
			c->p++;
			c->left--;
		}
	}
	return v;
}

/* The input's next len bytes were used as a payload. */
static void skip(struct cursor *c, size_t len)
{
	c->p += len;
	c->left -= len;
}

/* The n-th flow in table order that want() picks, or NULL. */
static struct flow *nth_flow(uint32_t n, bool (*want)(const struct flow *))
{
	struct flow_table *ft = app.workers[0]->flows;

	for (uint32_t i = 0; i < flow_capacity(ft); i++) {
		struct flow *f = flow_at(ft, i);

		if (f && want(f) && n-- == 0)
			return f;
	}
	return NULL;
}

static bool has_backend(const struct flow *f)
{
	return f->b.key.peer_port != 0;
}

static bool is_binding(const struct flow *f)
{
	return f->state == FLOW_BIND_SYN || f->state == FLOW_BIND_WAIT;
}

static void deliver(const struct dp_port *p, struct rte_mbuf *m)
{
	if (m)
		dp_worker_rx_frame(app.workers[0], p, m);
}

/* The IPv6 address PREFIX::low (PREFIX fd00 or fd01), for the IPv6 peers. */
static void addr6(uint8_t out[16], uint8_t prefix_low, uint8_t low)
{
	memset(out, 0, 16);
	out[0] = 0xfd;
	out[1] = prefix_low;
	out[15] = low;
}

/* A TCP segment from the peer at src (over IPv6 when src6 is given), with correct
 * checksums around fuzzed fields. */
static struct rte_mbuf *tcp_frame(const struct dp_port *p, uint32_t src, uint32_t dst,
				  const uint8_t *src6, const uint8_t *dst6, uint16_t sport,
				  uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack,
				  const uint8_t *opts, unsigned int opt_len, const uint8_t *payload,
				  size_t plen)
{
	struct tcp_frame_spec t = { .dst_mac = p->mac, .src = src, .dst = dst, .sport = sport,
				    .dport = dport, .flags = flags, .seq = seq, .ack = ack,
				    .opts = opts, .opt_len = opt_len, .payload = payload,
				    .plen = plen, .src6 = src6, .dst6 = dst6 };

	return tcp_frame_build(app.pool, p->port_id, &t);
}

/* A client segment to the listener; with `valid` its ACK carries the right cookie. */
static void op_client(struct cursor *c)
{
	const struct dp_port *edge = &app.ports[0];
	uint32_t who = take(c, 1), src = 0x0a000002 + who % 4;
	uint16_t sport = (uint16_t)(40000 + take(c, 1) % 8);
	uint8_t flags = (uint8_t)take(c, 1);
	uint32_t isn = take(c, 1) * 1000u;
	bool valid = flags & 0x80, v6 = flags & 0x40;
	/* The high bit of the source byte: to the plain TCP service's VIP instead. */
	bool vip = (who & 0x80) && !v6;
	uint32_t dst = vip ? 0xf0f00005 : 0x0a000001;
	/* Bit 6 of it: to the DNS port (one query over TCP, then its answer's close). */
	uint16_t dport = vip ? 22 : (who & 0x40) ? 53 : 443;
	uint8_t src6[16], dst6[16];
	uint32_t seq = isn + 1 + take(c, 2) % 3000;
	size_t plen = take(c, 2) % 1400;
	uint8_t opts[12];
	unsigned int opt_len = 0;
	uint32_t ack = take(c, 4);

	addr6(src6, 0, (uint8_t)(2 + src % 4));
	addr6(dst6, 0, 1);
	if (valid) {
		const struct syncookie_key *key = syncookie_keys_get(&app.secrets->cookies, false);
		struct syncookie_conn conn = v6 ? syncookie_conn6(key, src6, dst6,
								  rte_cpu_to_be_16(sport),
								  rte_cpu_to_be_16(dport), isn)
					      : (struct syncookie_conn){
							rte_cpu_to_be_32(src), rte_cpu_to_be_32(dst),
							rte_cpu_to_be_16(sport), rte_cpu_to_be_16(dport), isn };
		uint8_t how = take(c, 1);
		/* What the SYN asked for: window scale 7 or none, SACK or not. */
		struct syncookie_opts asked = { 1460, how & 2 ? 7 : SYNCOOKIE_WSCALE_NONE,
						(how & 4) != 0 };

		ack = syncookie_make(key, &conn, app.workers[0]->now_ms, v6, &asked) + 1;
		flags = (flags & (RTE_TCP_FIN_FLAG | RTE_TCP_PSH_FLAG)) | RTE_TCP_ACK_FLAG;
		if (how & 1)
			opt_len = tcp_opts_write_ts(opts, take(c, 4), (uint32_t)clock_ms);
	}
	plen = RTE_MIN(plen, c->left);
	deliver(edge, tcp_frame(edge, src, dst, v6 ? src6 : NULL, v6 ? dst6 : NULL, sport,
				dport, flags & 0x3f, seq, ack, opts, opt_len, c->p, plen));
	skip(c, plen);
}

/* A backend segment to an open flow's backend side; with `synack` the answer that
 * splices a connecting flow. */
static void op_backend(struct cursor *c)
{
	const struct dp_port *svc = &app.ports[1];
	uint32_t pick = take(c, 1);
	uint8_t flags = (uint8_t)take(c, 1);
	uint32_t seq = take(c, 4);
	uint32_t ack_field = take(c, 4);
	size_t plen = take(c, 2) % 1400;

	struct flow *f;
	uint32_t ack;

	plen = RTE_MIN(plen, c->left);
	f = nth_flow(pick % 8, has_backend);
	if (f) {
		/* The high flag bit asks for an ACK of the relay's own bytes, offset by a bit. */
		ack = flags & 0x80 ? f->b_seq.local_isn + 1 + ack_field % 600 : ack_field;
		if ((flags & 0xc0) == 0xc0)
			flags = RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG;
		uint8_t src6[16], dst6[16];

		addr6(src6, 1, 2);
		addr6(dst6, 1, 1);
		deliver(svc, tcp_frame(svc, 0x0a010002, 0x0a010001, f->b.v6 ? src6 : NULL,
				       f->b.v6 ? dst6 : NULL, 443,
				       rte_be_to_cpu_16(f->b.key.local_port), flags & 0x3f, seq, ack,
				       NULL, 0, c->p, plen));
	}
	skip(c, plen);
}

/* Start a data connection to the TURN server 10.1.0.9:3478 from the svc port. */
static void op_bind_start(struct cursor *c)
{
	struct turn_bind_req req = { .bind = { .server = rte_cpu_to_be_32(0x0a010009),
					       .server_port = rte_cpu_to_be_16(3478),
					       .source = rte_cpu_to_be_32(0x0a010001), .len = 28 } };
	static const uint8_t bind[28] = { 0x00, 0x0b, 0x00, 0x08, 0x21, 0x12, 0xa4, 0x42,
					  [20] = 0x00, 0x2a, 0x00, 0x04 };

	memcpy(req.bind.msg, bind, sizeof(bind));
	for (int i = 0; i < 12; i++)
		req.bind.tid[i] = req.bind.msg[8 + i] = (uint8_t)take(c, 1);
	turn_bind_start(app.workers[0], &req);
}

/* The TURN server's side of a bind in progress: fuzzed, or (high flag bits) the SYN-ACK,
 * or the success answer with the bind's transaction id in front of fuzzed bytes. */
static void op_bind_server(struct cursor *c)
{
	struct dp_worker *w = app.workers[0];
	const struct dp_port *svc = &app.ports[1];
	uint32_t pick = take(c, 1);
	uint8_t flags = (uint8_t)take(c, 1);
	uint32_t seq = take(c, 4);
	size_t plen = RTE_MIN((size_t)(take(c, 2) % 1400), c->left);
	uint8_t payload[1500];
	size_t at = 0;
	struct flow *f = nth_flow(pick % 4, is_binding);
	uint32_t ack;

	if (f) {
		ack = f->c_snd_nxt;
		if ((flags & 0xc0) == 0xc0) {
			flags = RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG;
			ack = f->c_seq.local_isn + 1;
		} else if (flags & 0x80 && w->binds) {
			static const uint8_t ok[8] = { 0x01, 0x0b, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42 };

			memcpy(payload, ok, sizeof(ok));
			for (unsigned int b = 0; b < TURN_BIND_SLOTS; b++)
				if (w->binds[b].used && w->binds[b].flow_index == f->index)
					memcpy(payload + 8, w->binds[b].req.tid, 12);
			at = 20;
			seq = f->c_rcv_nxt;
			flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG;
		}
		memcpy(payload + at, c->p, plen);
		deliver(svc, tcp_frame(svc, 0x0a010009, 0x0a010001, NULL, NULL, 3478,
				       rte_be_to_cpu_16(f->c.key.local_port), flags & 0x3f, seq, ack,
				       NULL, 0, payload, at + plen));
	}
	skip(c, plen);
}

static bool any_flow(const struct flow *f)
{
	(void)f;
	return true;
}

static bool collecting(const struct flow *f)
{
	return f->state == FLOW_HELLO || f->state == FLOW_CONNECTING;
}

/* A segment from the peer of side dir of f (its addresses and ports). */
static struct rte_mbuf *side_frame(const struct flow *f, enum flow_dir dir, uint8_t flags,
				   uint32_t seq, uint32_t ack, const uint8_t *payload, size_t plen)
{
	const struct flow_side *side = dir == FLOW_DIR_CLIENT ? &f->c : &f->b;
	const struct flow_addr6 *a6 = flow_side_addr6(app.workers[0]->flows, f, dir);

	return tcp_frame(&app.ports[side->port], rte_be_to_cpu_32(side->key.peer_ip),
			 rte_be_to_cpu_32(side->key.local_ip), a6 ? a6->peer : NULL,
			 a6 ? a6->local : NULL, rte_be_to_cpu_16(side->key.peer_port),
			 rte_be_to_cpu_16(side->key.local_port), flags, seq, ack, NULL, 0, payload,
			 plen);
}

/* A spoofer near a flow's sequence numbers: either peer, at what the other end last
 * acknowledged (or all its peer sent) plus or minus a little, flags fuzzed, the checksum
 * wrong when asked. */
static void op_near(struct cursor *c)
{
	struct flow *f = nth_flow(take(c, 1) % 8, any_flow);
	uint8_t how = (uint8_t)take(c, 1), flags = (uint8_t)take(c, 1);
	int32_t dseq = (int16_t)take(c, 2), dack = (int16_t)take(c, 2);
	size_t plen = RTE_MIN((size_t)(take(c, 1) % 64), c->left);
	enum flow_dir dir = (how & 1) && f && has_backend(f) ? FLOW_DIR_BACKEND : FLOW_DIR_CLIENT;
	uint32_t seq, ack;
	struct rte_mbuf *m;

	if (!f) {
		skip(c, plen);
		return;
	}
	if (dir == FLOW_DIR_CLIENT) {
		seq = (how & 2 ? f->c.acked : f->c_rcv_nxt) + (uint32_t)dseq;
		ack = f->c_snd_nxt + (uint32_t)dack;
	} else {
		seq = (how & 2 ? f->b.acked : f->b_seq.peer_isn + 1) + (uint32_t)dseq;
		ack = f->b_snd_nxt + (uint32_t)dack;
	}
	m = side_frame(f, dir, flags & 0x3f, seq, ack, c->p, plen);
	skip(c, plen);
	if (m && (how & 4)) /* a wrong TCP checksum: its last byte flipped */
		*rte_pktmbuf_mtod_offset(m, uint8_t *, rte_pktmbuf_data_len(m) - 1) ^= 0x01;
	deliver(&app.ports[(dir == FLOW_DIR_CLIENT ? f->c : f->b).port], m);
}

/* A router's too-big error about side dir of f (RFC 1191, RFC 8201), sent to the relay's
 * address there: it quotes a segment of ours towards the peer, at what the relay sent it
 * less a fuzzed distance, and names a fuzzed MTU; its checksum wrong when asked. */
static void op_too_big(struct cursor *c)
{
	struct flow *f = nth_flow(take(c, 1) % 8, any_flow);
	uint8_t how = (uint8_t)take(c, 1);
	uint32_t back = take(c, 2), mtu = take(c, 2);
	enum flow_dir dir = (how & 1) && f && has_backend(f) ? FLOW_DIR_BACKEND : FLOW_DIR_CLIENT;
	uint8_t frame[RTE_ETHER_HDR_LEN + 40 + 8 + 40 + 20];
	const struct flow_side *side;
	const struct flow_addr6 *a6;
	const struct dp_port *p;
	uint8_t *l3 = frame + RTE_ETHER_HDR_LEN, *icmp, *quote;
	uint32_t l3_len;

	if (!f)
		return;
	side = dir == FLOW_DIR_CLIENT ? &f->c : &f->b;
	a6 = flow_side_addr6(app.workers[0]->flows, f, dir);
	p = &app.ports[side->port];
	memset(frame, 0, sizeof(frame));
	((struct rte_ether_hdr *)frame)->dst_addr = p->mac;
	((struct rte_ether_hdr *)frame)->src_addr.addr_bytes[0] = 0x02;
	icmp = l3 + (a6 ? 40 : 20);
	quote = icmp + 8;
	icmp[0] = a6 ? 2 : 3;
	icmp[1] = a6 ? 0 : 4;
	if (a6) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)l3, *q6 = (struct rte_ipv6_hdr *)quote;

		l3_len = 40 + 8 + 40 + 20;
		((struct rte_ether_hdr *)frame)->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
		ip6->vtc_flow = q6->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip6->payload_len = rte_cpu_to_be_16(8 + 40 + 20);
		ip6->proto = IPPROTO_ICMPV6;
		ip6->hop_limits = 64;
		memcpy(ip6->src_addr, a6->peer, 16);
		ip6->src_addr[15] ^= 0x80; /* a router on the peer's link */
		memcpy(ip6->dst_addr, a6->local, 16);
		q6->proto = IPPROTO_TCP;
		memcpy(q6->src_addr, a6->local, 16);
		memcpy(q6->dst_addr, a6->peer, 16);
		quote += 40;
		mr_store_be32(icmp + 4, mtu);
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3, *q = (struct rte_ipv4_hdr *)quote;

		l3_len = 20 + 8 + 20 + 20;
		((struct rte_ether_hdr *)frame)->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		ip->version_ihl = q->version_ihl = 0x45;
		ip->total_length = rte_cpu_to_be_16((uint16_t)l3_len);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_ICMP;
		ip->src_addr = rte_cpu_to_be_32(rte_be_to_cpu_32(side->key.peer_ip) ^ 0x80);
		ip->dst_addr = side->key.local_ip;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		q->total_length = rte_cpu_to_be_16(1500);
		q->next_proto_id = IPPROTO_TCP;
		q->src_addr = side->key.local_ip;
		q->dst_addr = side->key.peer_ip;
		quote += 20;
		mr_store_be16(icmp + 6, (uint16_t)mtu);
	}
	memcpy(quote, &side->key.local_port, 2);
	memcpy(quote + 2, &side->key.peer_port, 2);
	mr_store_be32(quote + 4, (dir == FLOW_DIR_CLIENT ? f->c_snd_nxt : f->b_snd_nxt) - back);
	if (a6)
		*(rte_be16_t *)(icmp + 2) = rte_ipv6_udptcp_cksum((struct rte_ipv6_hdr *)l3, icmp);
	else
		*(rte_be16_t *)(icmp + 2) = (rte_be16_t)~rte_raw_cksum(icmp, l3_len - 20);
	if (how & 2)
		icmp[l3_len - (a6 ? 40 : 20) - 1] ^= 0x01;
	deliver(p, tcp_frame_copy(app.pool, frame, RTE_ETHER_HDR_LEN + l3_len, p->port_id));
}

/* Whether side (one whose MSS is known) is sent smaller segments than the relay takes
 * from any peer. */
static bool below_floor(const struct mr_relay_conf *rc, const struct flow_side *side)
{
	return side->peer_mss && side->peer_mss < (side->v6 ? rc->peer_mss_floor6
							    : rc->peer_mss_floor);
}

/* No side of any flow is sent smaller segments than the relay takes from any peer. */
static void check_mss_floor(void)
{
	const struct mr_relay_conf *rc = &app.conf->relay;

	for (uint32_t i = 0; i < flow_capacity(app.workers[0]->flows); i++) {
		const struct flow *f = flow_at(app.workers[0]->flows, i);

		if (!f)
			continue;
		if (below_floor(rc, &f->c) || below_floor(rc, &f->b)) {
			fprintf(stderr, "flow %u: a side's MSS below the floor (%u, %u)\n", i,
				f->c.peer_mss, f->b.peer_mss);
			abort();
		}
	}
}

/* A patient client: up to 64 in-order segments of one byte each into a hello. */
static void op_tiny(struct cursor *c)
{
	struct flow *f = nth_flow(take(c, 1) % 8, collecting);
	unsigned int n = take(c, 1) % 64 + 1;

	for (unsigned int i = 0; i < n && f && collecting(f) && c->left; i++) {
		deliver(&app.ports[f->c.port],
			side_frame(f, FLOW_DIR_CLIENT, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, f->c_rcv_nxt,
				   f->c_snd_nxt, c->p, 1));
		skip(c, 1);
	}
}

static void op_raw(struct cursor *c, unsigned int port)
{
	size_t len = RTE_MIN((size_t)take(c, 2) % 1515, c->left);

	deliver(&app.ports[port], tcp_frame_copy(app.pool, c->p, len, app.ports[port].port_id));
	skip(c, len);
}

static void pass_time(uint64_t ms)
{
	struct dp_worker *w = app.workers[0];

	clock_ms += ms;
	w->now_ms = clock_ms;
	dp_worker_housekeeping(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor c = { data, size };
	struct dp_worker *w = app.workers[0];

	while (c.left > 0) {
		switch (take(&c, 1) % 10) {
		case 0: op_raw(&c, 0); break;
		case 1: op_raw(&c, 1); break;
		case 2: op_client(&c); break;
		case 3: op_backend(&c); break;
		case 4: op_bind_start(&c); break;
		case 5: op_bind_server(&c); break;
		case 6: op_near(&c); break;
		case 7: op_tiny(&c); break;
		case 9: op_too_big(&c); break;
		default: pass_time(take(&c, 2) % 5000); break;
		}
		dp_worker_housekeeping(w);
		check_mss_floor();
		if (flow_kept_mbufs(w->flows) > app.kept_per_worker) {
			fprintf(stderr, "flows keep %u buffers, their budget is %u\n",
				flow_kept_mbufs(w->flows), app.kept_per_worker);
			abort();
		}
	}
	/* Let every timer fire: retransmissions give up, flows expire, neighbours fail. */
	for (int i = 0; i < 40; i++)
		pass_time(30000);
	if (flow_count(w->flows) != 0) {
		fprintf(stderr, "%u flow(s) left after every timeout\n", flow_count(w->flows));
		for (uint32_t i = 0; i < flow_capacity(w->flows); i++) {
			const struct flow *f = flow_at(w->flows, i);

			if (f)
				fprintf(stderr, "  flow %u state %u expires in %d ms, rtx in %d ms\n", i,
					f->state, (int32_t)(f->expire_ms - (uint32_t)w->now_ms),
					f->rtx_armed ? (int32_t)(f->rtx_ms - (uint32_t)w->now_ms) : -1);
		}
		abort();
	}
	if (rte_mempool_avail_count(app.pool) != pool_baseline) {
		fprintf(stderr, "mbuf leak: %u in the pool, %u before\n",
			rte_mempool_avail_count(app.pool), pool_baseline);
		abort();
	}
	return 0;
}
