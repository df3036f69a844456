/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What one entry of the flow table holds: a flow's state, its two connections' keys and
 * sequence state. Types only, shared by the table (flow.h) and its index (flow_index.h),
 * which compares keys with the entries themselves.
 */
#ifndef FLOW_ENTRY_H
#define FLOW_ENTRY_H

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
	FLOW_ANSWERED,    /* DNS over TCP: answered with FIN, the client's ACK and FIN awaited */
	FLOW_STATE_COUNT
};

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

/* One of the two TCP connections of a flow: what every spliced segment reads or writes
 * of it (40 bytes, so that two sides fit the flow's first two cache lines). */
struct flow_side {
	struct flow_key key;         /* IPv6 side: ports, peer_ip a hash of the address, local_ip 0 */
	uint32_t ts_last;            /* highest TSval the relay sent on this side (host order,
				      * as are all sequence values below) */
	uint32_t ts_recent;          /* the peer's latest TSval, echoed to it */
	uint32_t acked;              /* spliced: the peer's bytes the other end acknowledged
				      * (RFC 5961's RCV.NXT for what the peer sends) */
	uint32_t max_win;            /* spliced: the largest window the peer advertised, bytes */
	uint16_t peer_mss;
	uint8_t peer_wscale;         /* shift of the windows the peer sends (0: none) */
	uint8_t local_wscale;        /* shift of the windows we send the peer */
	uint8_t port;                /* dp_port index this side is reached through */
	uint8_t sack : 1, ts : 1, fin_seen : 1, fin_acked : 1, rst : 1, v6 : 1;
	uint8_t gateway_header : 1;  /* client side: the flow's PROXY header is the one another
				      * gateway sent, remade from what it said (relay_plain.c) */
	struct rte_ether_addr peer_mac;
};

/* Where a side's byte counts start and end: read at set-up, at FIN and at the end, never
 * by a plain spliced segment. Host order. */
struct flow_side_seq {
	uint32_t peer_isn;
	uint32_t local_isn;
	uint32_t fin_seq;            /* just past the peer's FIN, in the peer's space */
};

/*
 * One flow: its first two cache lines hold all that the splice's burst path (splice_fast.c)
 * reads or writes, so a spliced segment touches two lines of its flow, not three; the
 * third holds the set-up and accounting state (checked where flow_index.c prefetches).
 */
struct flow {
	uint8_t state;               /* enum flow_state */
	uint8_t via_turn : 1;        /* arrived over a TURN server (RFC 6062): local only */
	uint8_t hello_queued : 1;    /* hello_prev/next link it into the hello queue */
	uint8_t rtx_armed : 1;       /* a retransmission is due at rtx_ms */
	uint8_t sole_member : 1;     /* its pool has no other member to redispatch to */
	uint8_t plain : 1;           /* a plain TCP service's: routed by VIP:port, no hello */
	uint8_t gateway_plain : 1;   /* ... announced by another gateway's PROXY header (by
				      * name, which went with the header: not redispatched) */
	uint8_t splice_sums : 1;     /* splice_tcp_sum/splice_ip_sum hold (flow_key_add and
				      * flow_side_forget clear it: they change a side) */
	uint8_t keeps_stream : 1;    /* stream != NULL, kept here for the burst path (set
				      * with stream, by flow_limits.c only) */
	uint8_t retries;             /* retransmissions of the current relay-owned bytes */
	uint8_t dispatches;          /* members tried before the current one (redispatch) */
	uint32_t index;
	uint32_t expire_ms;          /* worker clock, modular */
	uint32_t c_rcv_nxt;          /* next client byte the relay expects / acked to it */
	uint32_t seq_c2b;            /* client seq + seq_c2b = backend-side seq */
	union {
		uint32_t seq_b2c;    /* backend seq + seq_b2c = client-side seq (set when
				      * the backend answers) */
		uint32_t hello_parse_at; /* FLOW_HELLO: hello bytes kept before which a parse
				      * cannot decide (the parser's need_bytes): a hello sent
				      * a byte a segment is parsed once a record, not once a
				      * byte */
	};
	uint32_t ts_c2b, ts_b2c;     /* TSval offsets each way */
	uint32_t c_snd_nxt;          /* just past the highest seq sent to the client */
	uint32_t b_snd_nxt;          /* just past the highest seq sent to the backend */
	/* What the splice's rewrite of addresses and ports adds to the TCP and IPv4 header
	 * checksums, per direction (the arriving segment's flow_dir): constant for the flow,
	 * so computed once (splice_fast.c), folded to 16 bits. */
	uint16_t splice_tcp_sum[2], splice_ip_sum[2];
	struct flow_side c, b;
	/* Third cache line: set-up, retransmission and accounting. */
	struct rte_mbuf *stream;     /* kept client bytes, payload only, PROXY header first:
				      * changed through flow_limits.h, which counts them */
	uint32_t wheel_prev, wheel_next; /* the timer wheel's links (flow.c): every flow in
				      * use is on it, at its next deadline or earlier */
	/* A flow on the hello queue (FLOW_HELLO) has sent no SYN and spliced nothing: the
	 * queue's links take the place of the two fields only those use. */
	union {
		struct {
			uint32_t rtx_ms; /* next retransmission, while rtx_armed */
			uint32_t b_una;  /* backend-side bytes of the stream the backend acked
					  * (set when spliced) */
		};
		struct {
			uint32_t hello_prev, hello_next; /* while hello_queued */
		};
	};
	uint32_t stream_len;         /* client bytes kept in stream */
	uint32_t c_win;              /* client's receive window in bytes, last seen */
	union {
		uint32_t member;     /* in use: health slot of the pool member connected to
				      * (health.h), or FLOW_NO_MEMBER */
		uint32_t next_free;  /* free: the next free entry (flow.c's free list) */
	};
	struct flow_side_seq c_seq, b_seq;
	uint16_t proxy_len;          /* PROXY v2 header bytes sent before the stream */
	uint8_t counted : 7;         /* what flow_limits counts for it (its own bits) */
	uint8_t member_owed : 1;     /* its member answered the SYN, and its health has not
				      * heard of a success yet (relay_member_answered) */
	uint8_t stream_rto;          /* the stream's first retransmission time, 50 ms units,
				      * from the backend's SYN-ACK round trip */
};

/* The sequence origins of side dir of f. */
static inline struct flow_side_seq *flow_side_seq_of(struct flow *f, enum flow_dir dir)
{
	return dir == FLOW_DIR_CLIENT ? &f->c_seq : &f->b_seq;
}

#define FLOW_NO_MEMBER UINT32_MAX

/* A flow index that names no flow: the end of a list of flows. */
#define FLOW_LINK_NONE UINT32_MAX

/* Whether worker-clock time a comes before b (the clock is modular, in milliseconds). */
static inline bool flow_time_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

/* When f next needs the timers: its expiry, or an earlier retransmission it has armed. */
static inline uint32_t flow_deadline(const struct flow *f)
{
	return f->rtx_armed && flow_time_before(f->rtx_ms, f->expire_ms) ? f->rtx_ms
									 : f->expire_ms;
}

/* Whether f only waits out its closing time (a closing splice, or a DNS-over-TCP
 * connection over both ways: our answer and FIN acknowledged, the client's FIN in): a full
 * table takes its entry for a new connection. */
static inline bool flow_reclaimable(const struct flow *f)
{
	return f->state == FLOW_CLOSING ||
	       (f->state == FLOW_ANSWERED && f->c.fin_seen && f->c.fin_acked);
}

#endif
