/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The relay: TCP to listeners is accepted statelessly (SYN cookies), the ClientHello is
 * kept (mbufs chained, not copied) until the classifier routes it, the backend connection
 * is opened by the relay, and from the backend's SYN-ACK on the two connections are
 * spliced. Worker lcores only; every flow belongs to the worker that created it.
 */
#ifndef RELAY_H
#define RELAY_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_tcp.h>

#include "dp.h"
#include "dp_tx.h"
#include "flow.h"
#include "ip_addr.h"
#include "syncookie.h"
#include "tcp_opts.h"

/* Window scale the relay offers on both sides (where the peer scales too). */
#define RELAY_WSCALE 7

/* What the relay keeps secret, made from the kernel's random source at start: the SYN
 * cookie keys (rotated by the main lcore) and the key of its initial sequence numbers. */
struct relay_secrets {
	struct syncookie_keys cookies;
	struct syncookie_key isn;
	uint64_t rotated_ms;        /* main lcore's: when the cookie keys last changed */
};

/* A received TCP segment, headers located and validated. */
struct relay_seg {
	struct rte_mbuf *m;
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;        /* IPv4 segments; NULL for IPv6 */
	struct rte_ipv6_hdr *ip6;       /* IPv6 segments (no extension headers); NULL for IPv4 */
	struct rte_tcp_hdr *tcp;
	uint16_t l4_off;        /* TCP header offset in the frame */
	uint16_t tcp_len;       /* TCP header length, options included */
	uint32_t payload_len;
	uint32_t seq, ack;      /* host order */
	uint8_t flags;
	bool sum_ok;            /* its TCP checksum was verified already */
	struct tcp_opts opts;
};

/* Whether TCP to port (host order) of p's address is the relay's: one of its source
 * ports or a listener's (a VIP's ports are the relay's whatever they are). */
bool relay_owns_port(const struct dp_worker *w, const struct relay_live *live,
		     const struct dp_port *p, uint16_t port);

/* TCP addressed to one of port p's addresses (IPv4, or IPv6 after its header was
 * checked): relay it (true, m consumed) or leave it to the kernel (false). */
bool relay_input(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m,
		 uint16_t l3_off);

/* Member health, the kept SYN-ACKs due, then the retransmissions and expiries due, each
 * by the module of its flow's state (relay_timers.c); once per poll loop. */
void relay_timers(struct dp_worker *w);

/* The data plane stops: every connection of w's still open is reset at both ends (counted
 * as drop `stopped`) and its flow released, so that clients and servers learn of it now,
 * not at their next timeout; a health check's at its member; closed ones just go. The
 * resets are sent before it returns, waiting for room in a full queue up to 4 s in all. */
void relay_reset_all(struct dp_worker *w);

/* --- between the relay modules --- */

/* Segment from the client of a flow not yet spliced (HELLO or CONNECTING). */
void relay_hello_input(struct dp_worker *w, struct flow *f, struct relay_seg *s);

/* Classify the kept client bytes once more arrived: route, refuse, or wait for more. Also
 * how a flow a member failed is routed again (after relay_connect_input and the like). */
void relay_hello_classify(struct dp_worker *w, struct flow *f);

/* Route a plain TCP service's connection f by the VIP and port its client reached. */
void relay_plain_route(struct dp_worker *w, struct flow *f);

/* A connection that came over TURN (f->via_turn), or from a configured gateway's address,
 * whose kept bytes start with a PROXY v2 header: another gateway's plain TCP connection to
 * the service its authority and destination port name. Keeps the header as f's own PROXY
 * header (it names the client) and routes f, ends it, or waits for the rest of the
 * header: true. false when the bytes are no PROXY header (a ClientHello), or a header
 * marked as one before a hello, then kept: the hello behind it is f's to route. */
bool relay_plain_from_gateway(struct dp_worker *w, struct flow *f);

/* Keep hdr[0..len) as f's PROXY v2 header: a buffer of its own in front of the client's
 * kept bytes, sent to the backend before them (f->proxy_len). false when out of mbufs. */
bool relay_proxy_header_keep(struct dp_worker *w, struct flow *f, const uint8_t *hdr,
			     uint16_t len);

/* Drop the first len kept client bytes of f (received and acknowledged, never to be
 * sent on): what follows them becomes the client's first byte. false when out of mbufs. */
bool relay_stream_skip(struct dp_worker *w, struct flow *f, uint32_t len);

/* A complete hello was routed to addr (IPv4 or IPv6), port (network order): open the
 * backend side. any_address: it may come from the port's source addresses (a member of a
 * local pool); false for another network's gateway, whose TURN server admits only the
 * address it was given, and which a TLS connection's PROXY header (proxy_v2) tells that
 * the hello follows. */
void relay_connect(struct dp_worker *w, struct flow *f, const struct ip_addr *addr,
		   uint16_t port, bool proxy_v2, const char *sni, bool any_address);

/* Segment from the backend of a flow in CONNECTING. Consumes s. true when the member
 * refused and f went back to FLOW_HELLO to try another: the caller routes it again
 * (relay_hello_classify; the connect module sits below the hello's). */
bool relay_connect_input(struct dp_worker *w, struct flow *f, struct relay_seg *s);

/* The member f connects to refused it in an ICMP hard unreachable quoting the relay's SYN:
 * true when f went back to FLOW_HELLO for the next member (the caller routes it again, as
 * after relay_connect_input), else f ended, its client reset. */
bool relay_connect_refused(struct dp_worker *w, struct flow *f);

/* The retransmission timer of f fired while it connects (its SYN) or holds relay-owned
 * bytes the backend has not acknowledged (the kept hello): send again, or end it after
 * the last try; true when f went back to FLOW_HELLO instead, to be routed again by the
 * caller as after relay_connect_input. */
bool relay_connect_rtx(struct dp_worker *w, struct flow *f);

/* Send the kept client bytes from offset `from` (PROXY header included) to the backend. */
void relay_send_stream(struct dp_worker *w, struct flow *f, uint32_t from);

/* The kept stream sent again from what the member acknowledged, in pieces of the side's
 * MSS now, and its retransmission timer started anew (a path found smaller). */
void relay_resend_stream(struct dp_worker *w, struct flow *f);

/* Forward a segment of a spliced (or closing) flow to the other side. Consumes s->m. */
void splice_forward(struct dp_worker *w, struct flow *f, enum flow_dir dir,
		    struct relay_seg *s);

/* Whether f may still go to another member of its pool: it came from a pool, it holds its
 * kept hello, tries are left (relay.redispatch), it is connecting or spliced (not closing),
 * no backend byte reached the client and the client sent nothing past the kept bytes. */
bool relay_may_redispatch(const struct dp_worker *w, const struct flow *f);

/* The spliced backend of f reset the connection (an exact RST): when f may redispatch, it
 * goes back to FLOW_HELLO and true (the caller routes it again, as after
 * relay_connect_input); false when the caller forwards the RST. */
bool relay_backend_reset(struct dp_worker *w, struct flow *f);

/* The spliced backend of f closed (FIN) before its first byte, the hello kept: a failure
 * as a reset is; when f may redispatch the member gets a RST, f goes back to FLOW_HELLO
 * and true; false when the caller forwards the FIN. */
bool relay_backend_closed(struct dp_worker *w, struct flow *f);

/* The client's SYN of this very connection once more (its ISN): a retransmission that
 * crossed our SYN-ACK, or a duplicate a link made. Harmless: it must not end the flow. */
static inline bool relay_syn_repeated(const struct flow *f, const struct relay_seg *s)
{
	return (s->flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG |
			    RTE_TCP_FIN_FLAG)) == RTE_TCP_SYN_FLAG &&
	       s->seq == f->c_seq.peer_isn;
}

/* The IPv6 addresses of side dir of f, or NULL for an IPv4 side: what tcp_out takes. */
static inline const struct flow_addr6 *relay_addr6(const struct dp_worker *w,
						   const struct flow *f, enum flow_dir dir)
{
	return flow_side_addr6(w->flows, f, dir);
}

/* Bytes of IP and TCP header on a side: what its MTU leaves for segments. */
static inline uint32_t relay_l3l4_len(bool v6)
{
	return v6 ? 60u : 40u;
}

/* The MSS a peer announced (0: none), raised to the configured floor of its family: no
 * peer may make the relay cut what it sends into tiny segments (MSS 1 turned a 249-byte
 * hello into 249 frames). */
static inline uint16_t relay_peer_mss(const struct dp_worker *w, uint16_t announced, bool v6)
{
	const struct mr_relay_conf *rc = &w->app->conf->relay;

	return RTE_MAX(announced, v6 ? rc->peer_mss_floor6 : rc->peer_mss_floor);
}

/* Payload bytes one segment to side (reached through p) may carry with opt_len bytes of
 * TCP options: its MSS and the port's MTU less the options, never 0. */
static inline uint32_t relay_seg_room(const struct flow_side *side, const struct dp_port *p,
				      uint32_t opt_len)
{
	uint32_t room = RTE_MIN((uint32_t)side->peer_mss, p->caps.mtu - relay_l3l4_len(side->v6));

	return room > opt_len ? room - opt_len : 1;
}

/* The longest a connect may take, the expiry behind its SYN timer: every retransmission's
 * time, doubling, then the hello's. */
static inline uint32_t relay_connect_backstop_ms(const struct mr_relay_conf *rc)
{
	return rc->hello_timeout_ms + (rc->connect_timeout_ms << (rc->syn_retries + 1));
}

static inline uint32_t relay_now(const struct dp_worker *w)
{
	return (uint32_t)w->now_ms;
}

#endif
