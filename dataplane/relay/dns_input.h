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
 * amplification and a real client retries over TCP (dns_tcp.h). What is answered:
 * dns_answer.h.
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

#define DNS_PORT 53 /* UDP and TCP, on the DNS port's addresses */

/* Free w's response-rate state (allocated on its first query). */
void dns_worker_down(struct dp_worker *w);

#endif
