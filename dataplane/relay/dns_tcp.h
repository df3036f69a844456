/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DNS over TCP: port 53 of the DNS port, taken as the relay takes any connection
 * (cookies, per-client limits, the kept-bytes budget); the queries that came whole are
 * answered in one segment with FIN (dns_answer.h says what), the answer resent until
 * acknowledged, then the connection closed.
 */
#ifndef RELAY_DNS_TCP_H
#define RELAY_DNS_TCP_H

#include <stdbool.h>

#include "dp.h"

struct flow;
struct relay_seg;

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
void dns_tcp_closing_input(struct dp_worker *w, struct flow *f, struct relay_seg *s);

/* f's answer unacknowledged at its retransmission time: sent again, or after
 * DNS_TCP_RESENDS the client is reset and f released. */
void dns_tcp_resend(struct dp_worker *w, struct flow *f);

#endif
