/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The relay's flow table: one per worker lcore, used by that lcore only (no locks).
 * A flow is a client connection and, once a backend is chosen, its backend connection;
 * both are indexed (flow_index.h; IPv6 sides in an rte_hash) so a packet from either side
 * finds the flow in one lookup. Entries are preallocated; a full table refuses new flows and leaves the
 * established ones alone. Timers are coarse: an expiry time per flow, swept in slices,
 * plus a short list of flows with relay-owned bytes waiting for retransmission.
 */
#ifndef FLOW_H
#define FLOW_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

enum flow_state {
	FLOW_FREE = 0,
	FLOW_HELLO,       /* client connected (cookie checked), ClientHello being collected */
	FLOW_CONNECTING,  /* backend SYN sent */
	FLOW_SPLICED,     /* both connections joined; packets forwarded with translation */
	FLOW_CLOSING,     /* FIN both ways or RST: kept briefly for late segments */
	FLOW_BIND_SYN,    /* RFC 6062 data connection: SYN sent to the TURN server */
	FLOW_BIND_WAIT,   /* ... ConnectionBind sent, its answer awaited */
	FLOW_CHECK,       /* a health check of a pool member: SYN sent (backend side only) */
	FLOW_CHECK_TLS,   /* ... its ClientHello sent, a ServerHello awaited */
	FLOW_STATE_COUNT
};

/* The state's name for reports ("spliced"); "?" for anything else. */
const char *flow_state_name(unsigned int state);

enum flow_dir {
	FLOW_DIR_CLIENT = 0, /* packet came from the client */
	FLOW_DIR_BACKEND = 1,
};

/* Key of one TCP connection as the relay sees it; network byte order. */
struct flow_key {
	uint32_t peer_ip;
	uint32_t local_ip;
	uint16_t peer_port;
	uint16_t local_port;
} __attribute__((packed));

/* Key of one IPv6 connection; network byte order. */
struct flow_key6 {
	uint8_t peer_ip[16];
	uint8_t local_ip[16];
	uint16_t peer_port;
	uint16_t local_port;
} __attribute__((packed));

/* Whether two keys name the same connection. Compared as one 8-byte and one 4-byte word
 * with no branch between them: every spliced segment compares a key. */
static inline bool flow_key_eq(const struct flow_key *a, const struct flow_key *b)
{
	uint64_t a_ips, b_ips;
	uint32_t a_ports, b_ports;

	RTE_BUILD_BUG_ON(sizeof(struct flow_key) != 12);
	memcpy(&a_ips, a, 8);
	memcpy(&b_ips, b, 8);
	memcpy(&a_ports, &a->peer_port, 4);
	memcpy(&b_ports, &b->peer_port, 4);
	return ((a_ips ^ b_ips) | (a_ports ^ b_ports)) == 0;
}

/* The addresses of an IPv6 side of a flow; the side's flow_key keeps its ports. IPv6
 * flows are the exception, so their addresses live beside the table, not in every entry. */
struct flow_addr6 {
	uint8_t peer[16];
	uint8_t local[16];
};

/* One of the two TCP connections of a flow. */
struct flow_side {
	struct flow_key key;         /* IPv6 side: ports, peer_ip a hash of the address, local_ip 0 */
	uint32_t peer_isn;           /* host order, as are all sequence values below */
	uint32_t local_isn;
	uint32_t fin_seq;            /* just past the peer's FIN, in the peer's space */
	uint32_t ts_last;            /* highest TSval the relay sent on this side */
	uint32_t ts_recent;          /* the peer's latest TSval, echoed to it */
	uint32_t acked;              /* spliced: the peer's bytes the other end acknowledged
				      * (RFC 5961's RCV.NXT for what the peer sends) */
	uint32_t max_win;            /* spliced: the largest window the peer advertised, bytes */
	uint16_t peer_mss;
	uint8_t peer_wscale;         /* shift of the windows the peer sends (0: none) */
	uint8_t local_wscale;        /* shift of the windows we send the peer */
	uint8_t port;                /* dp_port index this side is reached through */
	uint8_t sack : 1, ts : 1, fin_seen : 1, fin_acked : 1, rst : 1, v6 : 1;
	struct rte_ether_addr peer_mac;
};

struct flow {
	uint8_t state;               /* enum flow_state */
	uint8_t retries;             /* retransmissions of the current relay-owned bytes */
	uint16_t proxy_len;          /* PROXY v2 header bytes sent before the stream */
	uint32_t index;
	uint32_t expire_ms;          /* worker clock, modular */
	uint32_t rtx_ms;             /* next retransmission while on the rtx list */
	uint32_t rtx_prev, rtx_next; /* rtx list links (flow indices) */
	uint32_t c_rcv_nxt;          /* next client byte the relay expects / acked to it */
	uint32_t stream_len;         /* client bytes kept in stream */
	uint32_t seq_c2b;            /* client seq + seq_c2b = backend-side seq */
	uint32_t seq_b2c;            /* backend seq + seq_b2c = client-side seq */
	uint32_t ts_c2b, ts_b2c;     /* TSval offsets each way */
	uint32_t c_win;              /* client's receive window in bytes, last seen */
	uint32_t b_una;              /* backend-side bytes of the stream the backend acked */
	uint32_t c_snd_nxt;          /* just past the highest seq sent to the client */
	uint32_t b_snd_nxt;          /* just past the highest seq sent to the backend */
	struct flow_side c, b;
	uint8_t counted;             /* what flow_limits counts for it (its own bits) */
	uint8_t via_turn : 1;        /* arrived over a TURN server (RFC 6062): local only */
	uint8_t hello_queued : 1;    /* rtx_prev/next link it into the hello queue instead */
	uint8_t sole_member : 1;     /* its pool has no other member to redispatch to */
	uint8_t plain : 1;           /* a plain TCP service's: routed by VIP:port, no hello */
	uint8_t gateway_plain : 1;   /* ... announced by another gateway's PROXY header (by
				      * name, which went with the header: not redispatched) */
	uint8_t splice_sums : 1;     /* splice_tcp_sum/splice_ip_sum hold (flow_key_add and
				      * flow_side_forget clear it: they change a side) */
	uint8_t dispatches;          /* members tried before the current one (redispatch) */
	/* What the splice's rewrite of addresses and ports adds to the TCP and IPv4 header
	 * checksums, per direction (the arriving segment's flow_dir): constant for the flow,
	 * so computed once (splice_fast.c), folded to 16 bits. */
	uint16_t splice_tcp_sum[2], splice_ip_sum[2];
	uint32_t member;             /* health slot of the pool member connected to (health.h),
				      * or FLOW_NO_MEMBER */
	struct rte_mbuf *stream;     /* kept client bytes, payload only, PROXY header first:
				      * changed through flow_limits.h, which counts them */
};

#define FLOW_NO_MEMBER UINT32_MAX

struct flow_table;

typedef void (*flow_visit_fn)(void *ctx, struct flow *f);

/* Table for max_flows flows on a NUMA socket; NULL on failure. */
struct flow_table *flow_table_create(const char *name, uint32_t max_flows, int socket_id);

/* Let the table hold IPv6 connections too (an index and address slots). 0 or -1. */
int flow_table_enable_ipv6(struct flow_table *ft, int socket_id);

/* Make side dir of f an IPv6 connection between local and peer (the table must have
 * IPv6 enabled); the caller sets the ports in the side's key. */
void flow_side_set_v6(struct flow_table *ft, struct flow *f, enum flow_dir dir,
		      const uint8_t peer[16], const uint8_t local[16]);

/* The addresses of side dir of f when it is IPv6; NULL for an IPv4 side. */
const struct flow_addr6 *flow_side_addr6(const struct flow_table *ft, const struct flow *f,
					 enum flow_dir dir);

/* A 32-bit digest of an IPv6 address, the same everywhere: what IPv6 sides keep in their
 * key's peer_ip, so per-client choices stay stable. */
uint32_t flow_addr6_digest(const uint8_t addr[16]);

/* Free the table; flows still in it are released (their kept mbufs freed). */
void flow_table_free(struct flow_table *ft);

/* A zeroed flow in state FLOW_HELLO, or NULL when the table is full. */
struct flow *flow_alloc(struct flow_table *ft, uint32_t now_ms);

/* Remove the flow's keys, leave the rtx list, free its kept mbufs, return it. */
void flow_release(struct flow_table *ft, struct flow *f);

/* Remove side dir of f from the index and clear it (a connection given up while the
 * flow lives on, as when a backend is replaced). */
void flow_side_forget(struct flow_table *ft, struct flow *f, enum flow_dir dir);

/* Index side dir of f under its key (side.key must be set). 0, or -1 when taken/full. */
int flow_key_add(struct flow_table *ft, struct flow *f, enum flow_dir dir);

/* True when key names a connection of some flow already. */
bool flow_key_exists(const struct flow_table *ft, const struct flow_key *key);

/* The same for IPv6 connections (false when the table has no IPv6). */
bool flow_key6_exists(const struct flow_table *ft, const struct flow_key6 *key);

/* The IPv6 key of side dir of f (an IPv6 side). */
struct flow_key6 flow_side_key6(const struct flow_table *ft, const struct flow *f,
				enum flow_dir dir);

/* The flow one of whose connections is key, and from which side; NULL when none. */
struct flow *flow_lookup(struct flow_table *ft, const struct flow_key *key,
			 enum flow_dir *dir);

/* Keys flow_lookup_bulk takes at once (a receive burst's share). */
#define FLOW_LOOKUP_BULK 32

/* flow_lookup for n <= FLOW_LOOKUP_BULK IPv4 keys in one pass over the index: found[i] is
 * the flow keyed by keys[i] or NULL, dirs[i] its side. The flows found are prefetched. */
void flow_lookup_bulk(struct flow_table *ft, const struct flow_key *keys,
		      unsigned int n, struct flow **found, uint8_t *dirs);

/* flow_lookup for IPv6 connections. */
struct flow *flow_lookup6(struct flow_table *ft, const struct flow_key6 *key,
			  enum flow_dir *dir);

/* Put f on (or move it within) the retransmission list, due at at_ms. */
void flow_rtx_arm(struct flow_table *ft, struct flow *f, uint32_t at_ms);

/* Take f off the retransmission list (no-op when not on it). */
void flow_rtx_disarm(struct flow_table *ft, struct flow *f);

/* Call fn for every listed flow due by now_ms (fn may re-arm, disarm or release). */
void flow_rtx_run(struct flow_table *ft, uint32_t now_ms, flow_visit_fn fn, void *ctx);

/* Put f (FLOW_HELLO, just began to keep bytes) behind every other such flow, unless it is
 * queued already. The queue borrows the rtx links: arming or disarming f takes it off. */
void flow_hello_queue(struct flow_table *ft, struct flow *f);

/* The queued flow that began to keep hello bytes first; flows found no longer in
 * FLOW_HELLO or keeping nothing leave the queue on the way. NULL when it is empty. */
struct flow *flow_hello_oldest(struct flow_table *ft);

/* Look at the next `budget` slots; call fn for every flow whose expire_ms has passed
 * (fn must re-arm expire_ms or release the flow). */
void flow_sweep(struct flow_table *ft, uint32_t now_ms, uint32_t budget, flow_visit_fn fn,
		void *ctx);

/* Queue f, just gone FLOW_CLOSING with its expire_ms set, to be ended at that time by
 * flow_closing_run rather than when the sweep passes. */
void flow_closing_add(struct flow_table *ft, struct flow *f);

/* fn(ctx, f) for each queued flow still closing whose expire_ms has passed, oldest first
 * (fn must release it); stops at the first whose time has not come. */
void flow_closing_run(struct flow_table *ft, uint32_t now_ms, flow_visit_fn fn, void *ctx);

/* Flows in use, and capacity. */
uint32_t flow_count(const struct flow_table *ft);
uint32_t flow_capacity(const struct flow_table *ft);

/* Flow at index (for display); NULL when free or out of range. */
struct flow *flow_at(struct flow_table *ft, uint32_t index);

/* Bytes of memory the table holds per flow: entry, free and closing slots, its hash keys. */
uint32_t flow_bytes_per_flow(const struct flow_table *ft);

static inline bool flow_time_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

#endif
