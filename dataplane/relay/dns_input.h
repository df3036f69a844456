/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DNS answered by the workers (the live configuration's dns section): a UDP query to one
 * of the DNS port's addresses (IPv4 or IPv6), port 53, is answered in place from the live route table, with no
 * state kept per query. A name the gateway routes (an SNI route, a wildcard, a mangled
 * name; not the default route) gets the port's own address: A, AAAA where the port has
 * IPv6, NODATA for other types; a name with routed names below it NODATA; another name inside
 * the zones NXDOMAIN with the zone's SOA;
 * a name outside them goes to the host through the exception path, or REFUSED. Answers to
 * one client address are held to dns.rate a second per worker (RRL): past it every other
 * answer is dropped and the rest go out truncated, so that a spoofed source gets no
 * amplification and a real client retries over TCP. Over TCP (port 53 of the same port,
 * taken as the relay takes any connection: cookies, per-client limits) one query is
 * answered, then the connection closed.
 */
#ifndef RELAY_DNS_INPUT_H
#define RELAY_DNS_INPUT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "dp.h"

/* UDP frame m (IPv4 or IPv6 header at l3_off, checked) to one of p's addresses: answered
 * (or dropped) as DNS, true and m consumed; false when it is not for the data plane's DNS
 * (the caller gives it to the host). */
bool dns_input(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m,
	       uint16_t l3_off);

struct flow;

#define DNS_PORT 53 /* UDP and TCP, on the DNS port's addresses */

/* Whether f is a DNS-over-TCP connection: to port 53 of the DNS port (the listener the
 * dns section adds). */
bool dns_tcp_flow(const struct dp_worker *w, const struct flow *f);

/* f's kept bytes so far (queries, each after its 2-byte length): once they are whole
 * queries, their answers go to the client in one segment with FIN and f becomes
 * FLOW_ANSWERED, keeping the answer; before, nothing. A length out of bounds resets the
 * client. */
void dns_tcp_answer(struct dp_worker *w, struct flow *f);

/* Side of the client of f (FLOW_ANSWERED): its ACK of the answer, its FIN (acknowledged),
 * a RST; bytes after the answer reset it. Consumes s. */
struct relay_seg;
void dns_tcp_closing_input(struct dp_worker *w, struct flow *f, struct relay_seg *s);

/* f's answer unacknowledged at its retransmission time: sent again, or after
 * DNS_TCP_RESENDS the client is reset and f released. */
void dns_tcp_resend(struct dp_worker *w, struct flow *f);

/* Free w's response-rate state (allocated on its first query). */
void dns_worker_down(struct dp_worker *w);

#endif
