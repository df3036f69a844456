/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * meshrelay-gen: a DPDK traffic generator that plays both ends of the relay at once.
 * Port 0 faces the relay's client side and holds many TCP clients (sources off-subnet,
 * reached through our address as their gateway); port 1 faces the backend side and
 * answers every connection the relay opens, as any number of backend addresses. Every
 * payload byte is a function of (connection, direction, stream offset), so each side
 * checks each byte it receives, in sequence, and a benchmark is a correctness test too.
 *
 * One lcore runs everything: rx, the TCP halves, tx. Nothing here is shared.
 */
#ifndef MR_GEN_H
#define MR_GEN_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_hash.h>
#include <rte_mbuf.h>

#include "gen_wheel.h"

#define GEN_BURST 32
#define GEN_HELLO_MAX 2048
#define GEN_RANDOM_OFF 11     /* ClientHello.random: record 5 + handshake 4 + version 2 */
#define GEN_ID_END (GEN_RANDOM_OFF + 8) /* the random's first 8 bytes carry the conn id */
#define GEN_RANDOM_END (GEN_RANDOM_OFF + 32)
#define GEN_WINDOW 65535u     /* we advertise no window scaling */
#define GEN_MSS 1460u
#define GEN_WSCALE 7u         /* --linux: the window scale we offer, as Linux does */

enum gen_mode { GEN_CONNECT, GEN_STREAM, GEN_BLAST, GEN_HOLD, GEN_DNS };

struct gen_opts {
	enum gen_mode mode;
	uint64_t count;        /* connect: connections to start (0: until seconds run out) */
	double seconds;        /* run time limit of every mode */
	double linger;         /* seconds between the report and closing the ports */
	const char *done_file; /* created once the report is out (NULL: none) */
	uint32_t rate;         /* connect: new connections per second, 0: as fast as possible */
	uint32_t concurrency;  /* connect: connections open at once; stream: flows */
	uint32_t request;      /* connect: client bytes after the hello */
	uint32_t response;     /* connect: backend bytes in answer */
	uint32_t payload;      /* stream and blast: payload bytes per segment */
	uint32_t inflight;     /* stream: segments in flight per direction, all flows together */
	uint32_t routes;       /* SNIs s0..s{routes-1}.SUFFIX, route k -> backend port base+k */
	uint32_t backends;     /* backend addresses: svc_ip, svc_ip+1, ... */
	bool synflood;         /* stream: also SYNs from random sources, as fast as the rest allows */
	bool direct;           /* the peer is an L2 forwarder: port 1 answers the clients' own SYNs */
	bool pooled;           /* every backend may serve every route (pools of all backends) */
	bool linux_segs;       /* segments as Linux sends them: SYNs with MSS, SACK-permitted,
				* timestamps and window scale; a timestamp on every segment */
	bool interleave;       /* stream: one segment per flow per turn, not runs of 16 */
	bool abandon;          /* hold: leave without resetting, as a host that lost power */
	uint32_t rx_loss;      /* drop one of every rx_loss data segments received, as a lossy
				* path would (0: none) */
	int32_t silent;        /* connect: backend index that stops answering (-1: none) ... */
	double silent_from, silent_to; /* ... from and to these seconds of the run */
	uint32_t dns_rate;     /* stream: DNS queries a second besides (0: none); dns: the
				* query rate (0: as fast as the ring takes them) */
	const char *hello_file;
	const char *sni_suffix;
	uint16_t listen_port;
	uint16_t backend_port; /* route k's backend listens on backend_port + k */
	uint32_t edge_ip, edge_peer;  /* host order: our address, the relay's, on port 0 */
	uint32_t svc_ip, svc_peer;    /* the first backend address, the relay's, on port 1 */
	uint32_t client_net;          /* clients come from client_net/16 */
};

enum gen_state { GS_FREE = 0, GS_SYN_SENT, GS_SYN_RCVD, GS_EST, GS_DONE };

/* One end of one TCP connection, as the generator plays it. Offsets count payload bytes
 * from 0; sequence numbers are derived from them, so a retransmission is a rewind. */
struct gen_half {
	uint32_t lip, rip;       /* host order */
	uint16_t lport, rport;
	uint8_t port;            /* 0 client side, 1 backend side */
	uint8_t state;
	bool fin_sent, fin_ever, fin_acked, fin_rcvd, fin_want, ack_due, queued;
	uint8_t dupacks, timeouts;
	uint32_t isn, peer_isn;
	uint32_t peer_win;
	uint16_t mss;            /* the peer's, from its SYN */
	uint64_t una, nxt;       /* oldest unacknowledged, next to send */
	uint64_t max_sent;       /* highest nxt so far: a rewind does not unsend bytes */
	uint64_t total;          /* bytes to send (UINT64_MAX: without end) */
	uint64_t rcvd;           /* in-order bytes received and checked */
	uint64_t expect;         /* bytes the peer will send (UINT64_MAX: without end) */
	uint64_t deadline;       /* tsc: retransmit when passed (0: nothing outstanding) */
	uint32_t conn;           /* owning connection slot; backend halves learn it from the hello */
	uint32_t route;
	bool ts_ok;              /* both ends agreed on timestamps: every segment carries one */
	bool ws_ok;              /* ... on window scaling: our windows go >> GEN_WSCALE */
	uint8_t peer_wscale;     /* the peer's shift for the windows it sends */
	bool sack_ok;            /* both offered SACK: the receiver reports what it holds
				  * beyond a hole, the sender checks the blocks it gets */
	uint64_t sack_lo, sack_hi; /* received and checked beyond rcvd, a hole before it
				    * (payload offsets; empty when equal) */
	uint64_t held_lo, held_hi; /* what the peer's latest SACK block says it holds of
				    * ours: a rewind skips it */
	uint32_t ts_recent;      /* the peer's latest TSval, echoed */
};

struct gen_conn {
	struct gen_half c;       /* the client */
	uint32_t back;           /* backend half index, UINT32_MAX until the relay connects */
	uint32_t gen;            /* changes each time the slot is reused */
	uint64_t t_start, t_resp;
	uint32_t next_free;
	bool stream;             /* kept busy until the run ends */
};

/* Connections being set up at once, at most (hold and stream modes): clients open theirs
 * over time, not in one burst that no ring between us could hold. */
#define GEN_SETUP_INFLIGHT 1024

struct gen_stats {
	uint64_t started, completed, failed, held;
	uint64_t last_done;    /* the clock at the last completion (connect mode's rate) */
	uint64_t streams_up;   /* stream mode: connections whose backend has spoken */
	uint64_t fail_rst, fail_timeout, fail_bytes, fail_route, fail_table;
	uint64_t pace_forgiven; /* connect --rate: starts given up after a stall (gen_modes.c) */
	uint64_t tx_frames[2], rx_frames[2], tx_drop[2];
	uint64_t data_segs_rx[2], data_bytes_rx[2]; /* index: receiving side (0 client) */
	uint64_t rtx_timeouts, rtx_fast, ooo;
	uint64_t lost_rx;                           /* data segments dropped by --rx-loss */
	uint64_t sack_sent, sack_rx, sack_bad;      /* SACK blocks sent, received, and received
						     * outside what was sent unacknowledged */
	uint64_t syn_flood_sent, syn_flood_answers, syn_flood_unsent;
	uint64_t stray, bad_cksum;
	uint64_t backs_full;                        /* backend SYNs no free backend half took */
	uint64_t stale_resets;                      /* RSTs for ACKs that did not ack our SYN */
	uint64_t silenced;                          /* frames the silent backend did not take */
	uint64_t fail_after_bytes;                  /* failed after the client had backend bytes */
	uint64_t phase_done[3];                     /* completed before, during, after the silence */
	uint64_t dns_sent, dns_answered, dns_bad;   /* queries, full answers, other answers */
	uint64_t lat_hist[64 * 16];
	uint64_t lat_max_us;
};

struct gen_port {
	uint16_t id;
	struct rte_ether_addr mac, peer_mac;
	bool peer_known;
	uint32_t ip, peer_ip;    /* host order */
	uint32_t own_first, own_last; /* the addresses we answer ARP for */
	struct rte_mbuf *tx[GEN_BURST];
	struct gen_half *tx_half[GEN_BURST]; /* for a rewind when the ring is full */
	uint64_t tx_off[GEN_BURST];
	uint16_t n_tx;
	bool congested;          /* the last flush found the ring full */
};

struct gen_hello {
	uint8_t bytes[GEN_HELLO_MAX];
	uint32_t len;
};

struct gen {
	struct gen_opts o;
	struct rte_mempool *pool;
	struct gen_port ports[2];
	struct gen_conn *conns;
	struct gen_half *backs;
	uint32_t n_conns, conn_free, n_backs, back_free, open;
	struct rte_hash *client_hash, *back_hash;
	struct gen_hello *hellos; /* one per route */
	uint64_t hz, now, rto;
	/* Stream mode: bytes sent and not yet acknowledged, all flows of a port's side
	 * together; new data waits while it is at --inflight segments. */
	uint64_t outstanding[2];
	uint64_t t0;             /* tsc when the run began (connect mode) */
	uint32_t pump_at;
	struct gen_wheel wheel;      /* the halves' retransmission deadlines (gen_tcp.c) */
	uint64_t next_id;
	bool reliable;           /* flushes wait for ring room instead of dropping */
	uint64_t rx_data_segs;   /* data segments received, for --rx-loss */
	struct gen_stats st;
};

/* gen_pattern.c: payload bytes and the hellos. */

/* Fills the pattern table once; every stream reads it at (offset + seed) mod its size. */
void gen_pattern_init(void);
/* Seed of the stream of connection (slot, gen) in direction dir (0 client to backend). */
uint32_t gen_pattern_seed(uint32_t slot, uint32_t gen_no, int dir);
/* Pattern bytes [off, off+len) of the stream with seed; len <= 2048. */
const uint8_t *gen_pattern_at(uint32_t seed, uint64_t off);
/* Builds route k's hello from a captured one (file) with its SNI replaced by
 * "s<k>.<suffix>"; -1 with a message on stderr when the capture cannot be used. */
int gen_hello_build(const char *file, const char *suffix, uint32_t k, struct gen_hello *out);
/* Bytes [off, off+len) of the client's stream for connection (slot, gen) on route's hello
 * followed by the request pattern. */
void gen_client_bytes(const struct gen *g, const struct gen_half *h, uint32_t gen_no,
		      uint64_t off, uint32_t len, uint8_t *dst);

/* gen_pkt.c: frames. */

/* Sends a segment of h: flags, payload [off, off+len) of its stream (len 0: none). */
void gen_send_seg(struct gen *g, struct gen_half *h, uint8_t flags, uint64_t off, uint32_t len);
/* A sealed segment from nowhere, not queued; NULL when the pool is empty. */
struct rte_mbuf *gen_raw_frame(struct gen *g, int port, uint32_t sip, uint32_t dip,
			       uint16_t sport, uint16_t dport, uint8_t flags, uint32_t seq,
			       uint32_t ack);
/* A segment from nowhere (RST): no half behind it, queued behind port's frames. */
void gen_send_raw(struct gen *g, int port, uint32_t sip, uint32_t dip, uint16_t sport,
		  uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack);
/* Pushes port's pending frames; frames the ring refuses rewind their half. */
void gen_flush(struct gen *g, int port);
/* Answers or learns from an ARP frame on port; consumes m. */
void gen_arp_input(struct gen *g, int port, struct rte_mbuf *m);
/* Asks for the relay's MAC on port. */
void gen_arp_ask(struct gen *g, int port);
/* Blast mode frame: payload bytes of a fixed TCP segment from port. */
struct rte_mbuf *gen_blast_frame(struct gen *g, int port, uint32_t payload);

/* gen_dns.c: DNS queries to the relay's edge address. */

/* Sends the queries due by now at rate a second since tsc `since` (0: a burst), behind
 * port 0's pending frames and only when its ring took them. */
void gen_dns_send(struct gen *g, uint64_t since, uint32_t rate);
/* Counts m when it is a DNS answer (UDP from port 53): true; false for anything else. */
bool gen_dns_input(struct gen *g, const struct rte_mbuf *m);

/* gen_tcp.c: the connection halves. */

/* Allocates the tables for n connections; -1 when memory runs out. */
int gen_tcp_init(struct gen *g, uint32_t n);
/* Opens one client connection (stream: kept busy). false when no slot is free. */
bool gen_tcp_open(struct gen *g, bool stream);
/* A burst of received IPv4 frames on port; the caller frees them. */
void gen_tcp_input(struct gen *g, int port, struct rte_mbuf **m, uint16_t n);
/* Sends what windows allow on up to budget halves kept busy (stream mode). */
void gen_tcp_pump_streams(struct gen *g, uint32_t budget);
/* Retransmissions and failures of the halves whose deadline passed. */
void gen_tcp_timers(struct gen *g);
/* Resets every open connection (end of run). */
void gen_tcp_reset_all(struct gen *g);
/* Records a latency sample in microseconds. */
void gen_lat_add(struct gen_stats *st, uint64_t us);
/* The p-th percentile (0..100) of the latency samples, in microseconds. */
uint64_t gen_lat_pct(const struct gen_stats *st, double p);


/* gen_main.c: the loop's pieces, for the modes. */

/* True once SIGINT or SIGTERM arrived. */
bool gen_stop_requested(void);
/* Takes the time, receives a burst on both ports and runs a slice of the timers. */
void gen_poll(struct gen *g);
/* Sends what both ports have pending. */
void gen_flush_all(struct gen *g);

/* gen_modes.c: each mode's run; 0 when every byte checked and nothing failed. */
int gen_run_connect(struct gen *g);
int gen_run_stream(struct gen *g);
int gen_run_blast(struct gen *g);
int gen_run_hold(struct gen *g);
int gen_run_dns(struct gen *g);

#endif
