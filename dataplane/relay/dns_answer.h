/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the data plane's DNS answers a question, over UDP (dns_input.c) and TCP
 * (dns_tcp.c) alike, by the names the live configuration routes: I/O-free.
 */
#ifndef RELAY_DNS_ANSWER_H
#define RELAY_DNS_ANSWER_H

#include <stddef.h>

#include "dns_msg.h"
#include "dp.h"

#define DNS_RRS 3 /* records in an answer at most: A, AAAA, and the SOA at a zone's apex */

struct relay_live;

/* The zone of dc that holds name (equal to it or a parent of it), the longest when zones
 * nest (its SOA is the one a resolver of the inner zone takes), or NULL. */
const char *dns_answer_zone_of(const struct mr_dns_conf *dc, const char *name, size_t len);

/* What to answer to q asked of port p, by the names the gateway routes: its rcode and
 * records (n set, at most DNS_RRS), the zone whose SOA goes with it (*zone, or NULL), and
 * the event that counts it (*ev: the caller counts it once the answer goes). A zone's own
 * name (its apex) exists: it has the SOA, whatever it routes. */
enum dns_rcode dns_answer_decide(const struct dp_port *p, const struct relay_live *live,
				 const struct dns_query *q, struct dns_addr_rr *rrs, unsigned int *n,
				 const char **zone, enum dp_event *ev);

#endif
