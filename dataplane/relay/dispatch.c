#include "dispatch.h"

#include <stdio.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_ring.h>

#include "arp.h"
#include "ip6.h"
#include "relay.h"

#define INBOX_SIZE 8192

int dispatch_init(struct dp_appliance *app)
{
	if (app->n_workers < 2)
		return 0;
	for (unsigned int i = 0; i < app->n_workers; i++) {
		char name[RTE_RING_NAMESIZE];

		snprintf(name, sizeof(name), "inbox_w%u", i);
		app->workers[i]->inbox = rte_ring_create(name, INBOX_SIZE,
							 (int)rte_lcore_to_socket_id(app->workers[i]->lcore_id),
							 RING_F_SC_DEQ);
		if (!app->workers[i]->inbox)
			return -1;
	}
	return 0;
}

unsigned int dispatch_owner6(const struct dp_appliance *app, const struct dp_port *p,
			     const uint8_t *peer_ip, const uint8_t *local_ip, uint16_t peer_port,
			     uint16_t local_port)
{
	bool relay_port = local_port >= app->src_port_first && local_port <= app->src_port_last;

	/* Only the client side under RSS needs the whole IPv6 tuple; the rest goes as IPv4. */
	if (app->n_workers > 1 && p->reta_size && !relay_port) {
		uint32_t tuple[9];
		uint8_t key_len;
		uint32_t h;

		/* The IPv6 input of the NIC's Toeplitz hash: addresses, then both ports. */
		for (int i = 0; i < 4; i++) {
			uint32_t a, b;

			memcpy(&a, peer_ip + 4 * i, 4); /* headers sit at any alignment */
			memcpy(&b, local_ip + 4 * i, 4);
			tuple[i] = rte_be_to_cpu_32(a);
			tuple[4 + i] = rte_be_to_cpu_32(b);
		}
		tuple[8] = (uint32_t)rte_be_to_cpu_16(peer_port) << 16 | local_port;
		h = rte_softrss(tuple, 9, drv_rss_key(&key_len));
		return p->queue_owner[p->reta[h & (p->reta_size - 1u)] & 63u];
	}
	return dispatch_owner(app, p, flow_addr6_digest(peer_ip), peer_port, local_port);
}

void dispatch_to(struct dp_worker *w, unsigned int owner, struct rte_mbuf *m)
{
	if (rte_ring_mp_enqueue(w->app->workers[owner]->inbox, m) != 0)
		return dp_drop(w, m, DP_DROP_dispatch_full);
	dp_event(w, DP_EV_dispatched);
}

void dispatch_arp_copies(struct dp_worker *w, const struct rte_mbuf *m)
{
	for (unsigned int i = 0; i < w->app->n_workers; i++) {
		struct rte_mbuf *copy;

		if (i == w->index)
			continue;
		copy = rte_pktmbuf_copy(m, w->app->pool, 0, UINT32_MAX);
		if (!copy || rte_ring_mp_enqueue(w->app->workers[i]->inbox, copy) != 0)
			rte_pktmbuf_free(copy);
	}
}

static const struct dp_port *port_of(const struct dp_appliance *app, uint16_t ethdev)
{
	for (unsigned int i = 0; i < app->n_ports; i++)
		if (app->ports[i].port_id == ethdev)
			return &app->ports[i];
	return NULL;
}

/* Other workers send IPv6 TCP to relay and neighbour discovery to learn from. */
static bool is_icmp6(const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)(eth + 1);

	return eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6) &&
	       ip6->proto == IPPROTO_ICMPV6;
}

unsigned int dispatch_drain(struct dp_worker *w)
{
	struct rte_mbuf *pkts[64];
	unsigned int n;

	if (!w->inbox)
		return 0;
	n = rte_ring_sc_dequeue_burst(w->inbox, (void **)pkts, RTE_DIM(pkts), NULL);
	for (unsigned int i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct dp_port *p = port_of(w->app, m->port);
		const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

		if (!p) {
			rte_pktmbuf_free(m);
		} else if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP)) {
			arp_learn(w, p, m);
			rte_pktmbuf_free(m);
		} else if (is_icmp6(m)) {
			ip6_learn(w, p, m); /* a neighbour discovery copy */
			rte_pktmbuf_free(m);
		} else if (!relay_input(w, p, m, sizeof(struct rte_ether_hdr))) {
			dp_to_kernel(w, p, m); /* not the relay's after all: the host's */
		}
	}
	return n;
}
