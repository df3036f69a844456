/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The relay_path harness: one appliance on two net_ring ports ("edge" for clients, "svc"
 * for backends), its one worker driven from the test's thread. A ring port hands back
 * what was sent on it, so every frame the relay sends can be read and checked. Peers are
 * made up on both sides; the IPv4 backend's MAC is known, the IPv6 one is resolved.
 * Routes: api.svc.example to the IPv4 backend (proxied.svc.example too, behind a PROXY v2
 * header), web.svc.example to the IPv6 one, *.far.example to the remote network "far"
 * (its gateway 10.1.0.77:443), and the mangled suffix mesh.internal (underscore form) into
 * the local network.
 */
#ifndef RELAY_HARNESS_H
#define RELAY_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_tcp.h>

#include "dp.h"
#include "flow.h"

#define RH_CLIENT_IP 0x0a000002u  /* 10.0.0.2, on the edge port */

/* The address of network "far"'s gateway in the configurations rh_up makes from now on
 * (10.1.0.77 unless a suite says otherwise before it). */
extern const char *rh_gateway_address;
/* More settings of that gateway's entry ("" unless a suite says otherwise before rh_up). */
extern const char *rh_gateway_extra;
#define RH_EDGE_IP 0x0a000001u
#define RH_BACKEND_IP 0x0a010002u /* 10.1.0.2, on the svc port */
#define RH_SVC_IP 0x0a010001u

extern const uint8_t rh_client6[16], rh_edge6[16], rh_backend6[16], rh_svc6[16];
extern const struct rte_ether_addr rh_backend_mac;

extern struct dp_appliance rh_app;
extern struct dp_worker *rh_w;
extern uint8_t rh_hello_api[2048], rh_hello_web[2048]; /* captured TLS 1.3 hellos */
extern size_t rh_hello_api_len, rh_hello_web_len;

/* Bring the appliance up: `dataplane` and `relay` are the insides of those sections
 * (e.g. "mbufs = 0;" and "max_flows = 64;"). 0, or -1 with the reason on stderr. */
int rh_up(const char *dataplane, const char *relay);

/* The same with more pools and routes (", { ... }" items appended to each list). */
int rh_up_pools(const char *dataplane, const char *relay, const char *pools,
		const char *routes);

/* ... and top-level settings besides (a dns section, say). */
int rh_up_extra(const char *dataplane, const char *relay, const char *pools,
		const char *routes, const char *extra);

/* ... and settings of the svc port besides its name, device and addresses (its
 * source_addresses, say). */
int rh_up_svc(const char *dataplane, const char *relay, const char *svc, const char *pools,
	      const char *routes, const char *extra);

/* End f quietly (no segment sent to either side) and drain both rings. */
void rh_flow_end(struct flow *f);

/* The configuration text the appliance was last brought up with (to push it again). */
const char *rh_config_text(void);

/* Drain both rings and take the appliance down. Always 0 (a suite clean-up). */
int rh_down(void);

/* The worker's counters. */
uint64_t rh_event(enum dp_event e);
uint64_t rh_drops(enum dp_drop d);

/* What the relay sent on port p since the last call, freed; returns how many frames. */
unsigned int rh_drain(const struct dp_port *p);

/* A frame the relay sent: its TCP segment located, checksums verified. */
struct rh_sent {
	struct rte_mbuf *m;
	bool v6;
	const uint8_t *src, *dst;    /* 4 or 16 bytes */
	struct rte_tcp_hdr *tcp;
	const uint8_t *payload;
	uint32_t plen;
	bool checksums_ok;
};

/* The next TCP frame sent on p (other frames skipped and freed); m NULL when none. */
struct rh_sent rh_next_tcp(const struct dp_port *p);

/* One end of a test connection: the client, or the backend the relay opened. */
struct rh_peer {
	bool v6;
	uint32_t ip, our_ip;          /* IPv4, host order */
	const uint8_t *ip6, *our_ip6;
	const struct dp_port *port;
	uint16_t port_num, our_port;  /* host order */
	uint32_t isn;                 /* the peer's */
	uint32_t our_isn;             /* the relay's on this connection */
};

/* A segment from peer c to the relay as a frame (checksums right), not sent yet. */
struct rte_mbuf *rh_frame(const struct rh_peer *c, uint8_t flags, uint32_t seq, uint32_t ack,
			 const uint8_t *opts, unsigned int opt_len, const uint8_t *payload,
			 size_t plen);

/* Frame m from peer c through the worker and its housekeeping. */
void rh_input(const struct rh_peer *c, struct rte_mbuf *m);

/* Frames pkts[0..n) received together on port p (one receive burst), then housekeeping. */
void rh_input_burst(const struct dp_port *p, struct rte_mbuf **pkts, unsigned int n);

/* A segment from peer c to the relay, with TCP options (opt_len a multiple of 4), run
 * through the worker and its housekeeping. */
void rh_send_opts(const struct rh_peer *c, uint8_t flags, uint32_t seq, uint32_t ack,
		  const uint8_t *opts, unsigned int opt_len, const uint8_t *payload, size_t plen);

/* The same without options. */
void rh_send(const struct rh_peer *c, uint8_t flags, uint32_t seq, uint32_t ack,
	     const uint8_t *payload, size_t plen);

/* The next TCP frame sent on p has exactly flags and sequence number seq (freed). */
void rh_expect_sent(const struct dp_port *p, uint8_t flags, uint32_t seq);

/* A new client of the edge port (a source port not used before), IPv4 or IPv6. */
struct rh_peer rh_client(bool v6);

/* The sent segment is from to's relay end to it, with valid checksums. */
void rh_check_to(const struct rh_sent *s, const struct rh_peer *to);

/* The next segment sent towards `to` is a bare ACK of `ack` (a challenge ACK, say),
 * checked as rh_check_to does, then freed. */
void rh_expect_ack(const struct rh_peer *to, uint32_t ack);

/* The flow of client c (either family), or NULL when the relay keeps none. */
struct flow *rh_client_flow(const struct rh_peer *c);

/* SYN, and the relay's cookie SYN-ACK read back (c->our_isn set); false when none came. */
bool rh_client_syn(struct rh_peer *c);

/* SYN, the relay's cookie SYN-ACK read back, then the first `sent` hello bytes. */
struct flow *rh_client_start(struct rh_peer *c, const uint8_t *hello, size_t sent);

/* The ARP announcements of address ip (host order) that port p sent to the whole link
 * since the last look; every frame sent on p is read and freed. */
unsigned int rh_announcements(const struct dp_port *p, uint32_t ip);

/* The IPv4 backend a frame the relay sent on the svc port goes to (a SYN, say), as a peer
 * that can answer it (its ISN 555000). */
struct rh_peer rh_peer_of_sent(const struct rh_sent *s);

/* The backend end of f as the relay opened it. */
struct rh_peer rh_backend(const struct flow *f);

/* The backend of f answers the relay's SYN: f is spliced and the kept hello has been sent
 * to it (and drained). */
void rh_backend_accepts(struct flow *f, struct rh_peer *b);

/* The next data segment sent on p; m NULL when none. */
struct rh_sent rh_next_data(const struct dp_port *p);

/* The other network's gateway (10.1.0.77) answers f's SYN: f is spliced; the first frame
 * with data it is sent (never NULL). */
struct rh_sent rh_gateway_splices(struct flow *f);

/* A client's hello for sni, a mangled name for one of the appliance's own addresses: the
 * client is refused (route_bad_destination counted once), no SYN goes to any backend and
 * nothing leaves the svc port. */
void rh_check_own_destination_refused(const char *sni);

/* An ARP request on port p from sender for asked (host order): whether the relay answered
 * it from p's MAC, for asked. */
bool rh_arp_answered(const struct dp_port *p, uint32_t sender, uint32_t asked);

/* A TURN server on the svc link (10.1.0.9:3478), its MAC known to the worker. */
#define RH_TURN_IP 0x0a010009u

struct turn_bind_req;

/* A ConnectionBind request to the TURN server (20-byte message, transaction id 0,7,14..). */
struct turn_bind_req rh_bind_request(void);

/* Bind req started towards the TURN server (10.1.0.9:3478, its ISN isn) as srv, the
 * relay's SYN read back (srv's our_port and our_isn), not answered yet. */
void rh_bind_syn(struct turn_bind_req *req, uint32_t isn, struct rh_peer *srv);

/* Bind req started towards the TURN server (10.1.0.9:3478, its ISN isn) as srv, the
 * relay's SYN read back and answered: the ConnectionBind is on its way. */
void rh_bind_open(struct turn_bind_req *req, uint32_t isn, struct rh_peer *srv);

/* A data connection to the TURN server opened by the relay and bound (for the peer
 * 192.0.2.50:40123), then payload from the peer behind it: the flow it became, NULL when
 * the relay refused it. srv is the TURN server's end. */
struct flow *rh_turn_connection(const uint8_t *payload, size_t len, struct rh_peer *srv);

/* The same, the payload's segment with flags besides ACK and PSH (a FIN, say). */
struct flow *rh_turn_connection_with(const uint8_t *payload, size_t len, uint8_t flags,
				     struct rh_peer *srv);

#endif
