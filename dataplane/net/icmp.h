/* SPDX-License-Identifier: BSD-3-Clause */
/* ICMP echo responder for the appliance's IPv4 addresses. Runs on worker lcores. */
#ifndef ICMP_H
#define ICMP_H

#include "dp.h"

/* m holds a validated IPv4 ICMP packet for us with its IP header at l3_off.
 * Echo requests are answered in place; every other ICMP message goes to the kernel. */
void icmp_input(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m,
		uint16_t l3_off);

#endif
