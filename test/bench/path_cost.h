/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-path's parts: path_cost.c (the appliance, frames, one connection, spliced bursts,
 * whole connections, main), path_cost_workers.c (several workers: steered, handed over,
 * behind an emulated RSS table, and the source-port picks for it), path_cost_dns.c (DNS
 * answers). One appliance on two ring ports, its workers driven from the bench's own
 * thread; what each mode counts is said at the top of path_cost.c.
 */
#ifndef PATH_COST_H
#define PATH_COST_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dp.h"

#define BURST 32
#define MAX_WORKERS 4
#define CLIENT_IP 0x0a000002u
#define EDGE_IP 0x0a000001u
#define BACKEND_IP 0x0a010002u
#define SVC_IP 0x0a010001u

/* One end of the connection as it is sent: addresses, ports, next sequence, timestamps. */
struct end {
	const struct dp_port *port;
	uint32_t ip, our_ip;
	uint16_t port_num, our_port;
	uint32_t seq, ack;
	uint32_t tsval, tsecr;
};

/* How bursts reach workers in a workers run; the picks runs send none and only pick
 * source ports behind RSS. */
enum deliver { DELIVER_OWNER, DELIVER_HANDOFF, DELIVER_RSS, DELIVER_PICKS, DELIVER_PICKS_SCARCE };

extern struct dp_appliance pc_app;                 /* the appliance under measure */
extern struct dp_worker *pc_w;                     /* the worker frames are given to */
extern const struct rte_ether_addr pc_backend_mac; /* the backend's, known to the workers */

/* Say what went wrong and exit 1: the figure would mean nothing. */
void pc_fail(const char *what);

/* Client handshake, hello, the relay's backend SYN answered, through pc_w: both ends ready
 * to splice. Exits when the relay does not answer as it should. */
void pc_open_connection(struct end *c, struct end *b);

/* n segments from e to peer (1,400 bytes with timestamps, or 64 without options in the
 * plain mode). Each acknowledges only what peer sent before this burst: the relay forwards
 * the client's half of a burst before the backend's. */
void pc_fill(struct end *e, struct end *peer, struct rte_mbuf **pkts, unsigned int n);

/* Free what the relay sent on p, from every worker's queue. */
void pc_drain(const struct dp_port *p);

/* Segments worker wk spliced either way so far. */
uint64_t pc_spliced_by(const struct dp_worker *wk);

/* What callgrind counts: a burst from each end through pc_w, as its poll loop takes them
 * (one port's frames at a time), then its housekeeping. nb may be 0. */
__attribute__((noinline, noclone)) void path_cost_burst(const struct end *c, struct rte_mbuf **from_c,
					       unsigned int nc, const struct end *b,
					       struct rte_mbuf **from_b, unsigned int nb);

/* Both ports as NICs with RSS over the n workers' queues (entry i to queue i % n), the
 * relay's source ports aimed at it as the appliance aims them (ring ports have no device
 * to give the key to). */
void pc_rss_ports(unsigned int n);

/* count source-port picks for backend connections behind RSS, each for another client
 * address and port, by the workers in turn, with every port free or (scarce) one in ten
 * (path_cost_pick is what callgrind counts). The picks that found a port. */
__attribute__((noinline, noclone)) unsigned int path_cost_pick(unsigned int count,
								unsigned int workers, bool scarce);

/* Per worker: a connection opened through its owner, then `bursts` rounds of BURST
 * segments for each connection, delivered as `how` says. Returns the segments spliced. */
uint64_t pc_run_workers(const struct end *c0, const struct end *b0, unsigned int n,
			enum deliver how, unsigned int bursts);

/* bursts bursts of BURST DNS queries (A, names under a wildcard route, EDNS0) from clients
 * like c to the edge port's address, through path_cost_burst: the answers that carried
 * their OPT record. */
unsigned int pc_run_dns(struct end *c, unsigned int bursts);

#endif
