/* SPDX-License-Identifier: BSD-3-Clause */
/* ICMP for the appliance's IPv4 addresses: echo answered, "fragmentation needed" handed
 * up (it may concern a connection of the relay). Runs on worker lcores. */
#ifndef ICMP_H
#define ICMP_H

#include "dp.h"

/* m holds a validated IPv4 ICMP packet for us with its IP header at l3_off. Echo requests
 * are answered in place; a "fragmentation needed" or a hard unreachable (icmp_error.h)
 * whose checksum is right is left to the caller (true: m not consumed); every other ICMP
 * message goes to the kernel when it is to the port's own address, and is dropped when to
 * a VIP or a source address. */
bool icmp_input(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m,
		uint16_t l3_off);

/* An IPv4 ICMP message (IP header at l3_off) that nothing in the data plane takes: to the
 * kernel when it is to the port's own address; dropped when to a VIP or a source address,
 * which the host does not hold (forwarding, it would send it back out). Consumes m. */
void icmp_to_host(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m,
		  uint16_t l3_off);

#endif
