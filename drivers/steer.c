/* SPDX-License-Identifier: BSD-3-Clause */
#include "steer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ether.h>

bool steer_partition_ok(uint16_t first, uint16_t last, unsigned int n_workers)
{
	return n_workers > 0 && (n_workers & (n_workers - 1)) == 0 && first % n_workers == 0 &&
	       first <= last;
}

static void rule_end(struct steer_rule *r, unsigned int n_items, uint16_t queue)
{
	r->pattern[n_items].type = RTE_FLOW_ITEM_TYPE_END;
	r->queue.index = queue;
	r->actions[0] = (struct rte_flow_action){ .type = RTE_FLOW_ACTION_TYPE_QUEUE,
						  .conf = &r->queue };
	r->actions[1] = (struct rte_flow_action){ .type = RTE_FLOW_ACTION_TYPE_END };
	r->attr.ingress = 1;
}

/* The IP item of a rule: to our IPv4 address ip, or to our IPv6 address ip6 when given,
 * with next header proto. */
static void ip_item(struct steer_rule *r, uint32_t ip, const uint8_t *ip6, uint8_t proto)
{
	if (ip6) {
		memcpy(r->ip6_spec.hdr.dst_addr, ip6, 16);
		memset(r->ip6_mask.hdr.dst_addr, 0xff, 16);
		r->ip6_spec.hdr.proto = proto;
		r->ip6_mask.hdr.proto = 0xff;
		r->pattern[1] = (struct rte_flow_item){ .type = RTE_FLOW_ITEM_TYPE_IPV6,
							.spec = &r->ip6_spec, .mask = &r->ip6_mask };
		return;
	}
	r->ip_spec.hdr.dst_addr = ip;
	r->ip_mask.hdr.dst_addr = RTE_BE32(0xffffffff);
	r->ip_spec.hdr.next_proto_id = proto;
	r->ip_mask.hdr.next_proto_id = 0xff;
	r->pattern[1] = (struct rte_flow_item){ .type = RTE_FLOW_ITEM_TYPE_IPV4,
						.spec = &r->ip_spec, .mask = &r->ip_mask };
}

/* The rule for worker w's source ports within block (base, size: a power of two at
 * least n_workers, base a multiple of it): the block's high bits and the worker's low
 * ones. The block keeps the rule off every port outside the relay's source ports, the
 * listeners' above all: matched by low bits alone, every client segment to port 443
 * went to queue 443 & (N-1), and the other workers' clients crossed cores. */
static void backend_rule(struct steer_rule *r, uint32_t ip, const uint8_t *ip6,
			 const struct steer_block *b, unsigned int worker, unsigned int n_workers)
{
	uint16_t mask = (uint16_t)(~(b->size - 1u) | (n_workers - 1u));

	memset(r, 0, sizeof(*r));
	r->pattern[0] = (struct rte_flow_item){ .type = RTE_FLOW_ITEM_TYPE_ETH };
	ip_item(r, ip, ip6, IPPROTO_TCP);
	r->tcp_spec.hdr.dst_port = rte_cpu_to_be_16((uint16_t)(b->base | worker));
	r->tcp_mask.hdr.dst_port = rte_cpu_to_be_16(mask);
	r->pattern[2] = (struct rte_flow_item){ .type = RTE_FLOW_ITEM_TYPE_TCP,
						.spec = &r->tcp_spec, .mask = &r->tcp_mask };
	rule_end(r, 3, (uint16_t)worker);
	r->attr.priority = 1;
	snprintf(r->what, sizeof(r->what), "%s tcp dst-port & 0x%04x == %u -> queue %u",
		 ip6 ? "ipv6" : "ipv4", mask, b->base | worker, worker);
}

unsigned int steer_blocks(uint16_t first, uint16_t last, unsigned int n_workers,
			  struct steer_block *out, unsigned int max)
{
	uint32_t at = first, end = (uint32_t)last + 1u, n = 0;

	end -= end % n_workers; /* whole groups of N only: each worker's port in each */
	while (at < end) {
		uint32_t size = at ? at & -at : 65536u; /* the largest alignment of at */

		while (at + size > end)
			size >>= 1;
		if (n == max)
			return 0;
		out[n++] = (struct steer_block){ .base = (uint16_t)at, .size = size };
		at += size;
	}
	return n;
}

/* Largest first: when not all fit, the rules cover the most ports they can. */
static int block_larger(const void *a, const void *b)
{
	const struct steer_block *x = a, *y = b;

	return x->size < y->size ? 1 : x->size > y->size ? -1 : (int)x->base - (int)y->base;
}

/* Neighbour discovery is ICMPv6 to our address (or to our solicited-node group, which
 * no address rule matches: such frames follow RSS, and any worker answers them). */
static void icmp6_rule(struct steer_rule *r, const uint8_t *ip6)
{
	memset(r, 0, sizeof(*r));
	r->pattern[0] = (struct rte_flow_item){ .type = RTE_FLOW_ITEM_TYPE_ETH };
	ip_item(r, 0, ip6, IPPROTO_ICMPV6);
	rule_end(r, 2, 0);
	snprintf(r->what, sizeof(r->what), "icmpv6 -> queue 0");
}

static void arp_rule(struct steer_rule *r)
{
	memset(r, 0, sizeof(*r));
	r->eth_spec.hdr.ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	r->eth_mask.hdr.ether_type = RTE_BE16(0xffff);
	r->pattern[0] = (struct rte_flow_item){ .type = RTE_FLOW_ITEM_TYPE_ETH,
						.spec = &r->eth_spec, .mask = &r->eth_mask };
	rule_end(r, 1, 0);
	snprintf(r->what, sizeof(r->what), "arp -> queue 0");
}

int steer_plan_build(struct steer_plan *plan, const uint32_t *ips, unsigned int n_ips,
		     const uint8_t *ip6, uint16_t src_first, uint16_t src_last,
		     unsigned int n_workers)
{
	struct steer_block blocks[STEER_MAX_BLOCKS];
	unsigned int n_blocks, per_block = n_workers * (n_ips + (ip6 != NULL));

	plan->n_rules = 0;
	if (!steer_partition_ok(src_first, src_last, n_workers) || n_workers > 64 ||
	    n_ips < 1 || n_ips > STEER_MAX_IPV4)
		return -1;
	n_blocks = steer_blocks(src_first, src_last, n_workers, blocks, STEER_MAX_BLOCKS);
	if (n_blocks == 0)
		return -1;
	/* What does not fit follows RSS: correct, a hand-over between workers dearer. */
	qsort(blocks, n_blocks, sizeof(blocks[0]), block_larger);
	n_blocks = RTE_MIN(n_blocks, (STEER_MAX_RULES - 2) / per_block);
	plan->ports_steered = 0;
	for (unsigned int k = 0; k < n_blocks && n_workers > 1; k++) {
		plan->ports_steered += blocks[k].size;
		for (unsigned int w = 0; w < n_workers; w++) {
			for (unsigned int a = 0; a < n_ips; a++)
				backend_rule(&plan->rules[plan->n_rules++], ips[a], NULL,
					     &blocks[k], w, n_workers);
			if (ip6)
				backend_rule(&plan->rules[plan->n_rules++], 0, ip6, &blocks[k],
					     w, n_workers);
		}
	}
	arp_rule(&plan->rules[plan->n_rules++]);
	if (ip6)
		icmp6_rule(&plan->rules[plan->n_rules++], ip6);
	return 0;
}

int steer_program(uint16_t port_id, struct steer_plan *plan, struct rte_flow **flows,
		  char *err, size_t errlen)
{
	struct rte_flow_error fe;

	for (unsigned int i = 0; i < plan->n_rules; i++) {
		struct steer_rule *r = &plan->rules[i];
		int rc;

		memset(&fe, 0, sizeof(fe));
		rc = rte_flow_validate(port_id, &r->attr, r->pattern, r->actions, &fe);
		if (rc < 0) {
			snprintf(err, errlen, "rule '%s' refused: %s", r->what,
				 fe.message ? fe.message : strerror(-rc));
			return rc;
		}
	}
	for (unsigned int i = 0; i < plan->n_rules; i++) {
		struct steer_rule *r = &plan->rules[i];

		flows[i] = rte_flow_create(port_id, &r->attr, r->pattern, r->actions, &fe);
		if (!flows[i]) {
			snprintf(err, errlen, "rule '%s' not created: %s", r->what,
				 fe.message ? fe.message : "unknown");
			rte_flow_flush(port_id, &fe);
			return -EIO;
		}
	}
	return (int)plan->n_rules;
}
