/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MR_MLD_H
#define MR_MLD_H

/*
 * Multicast listener discovery for the one group a data port must hear: the solicited-node
 * group of its IPv6 address, where neighbours ask for our MAC. A switch that snoops MLD
 * forwards a group's frames only to the ports that reported it, so an appliance that never
 * reports is unreachable by IPv6 there once the switch's querier runs. Reports are MLDv2
 * (RFC 3810), or MLDv1 (RFC 2710) while an MLDv1 querier is heard. Building and parsing
 * only, no I/O: ip6.c schedules and sends.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>

#define MLD_FRAME_MAX 96

/* A query's version: MLDv1's is 24 bytes of ICMPv6, MLDv2's 28 or more. */
enum mld_version { MLD_V1 = 1, MLD_V2 = 2 };

struct mld_query {
	enum mld_version version;
	uint8_t group[16];     /* the group asked about; all zero for a general query */
	uint32_t max_resp_ms;  /* the longest the answer may wait (its random delay's bound) */
};

/* Whether the IPv6 packet at l3 (len bytes, from its IPv6 header) is a valid MLD query:
 * from a link-local source with hop limit 1, behind a Hop-by-Hop header with the MLD
 * router alert, ICMPv6 checksum good (RFC 3810 5.1.14). Fills q when it is. */
bool mld_query_parse(const uint8_t *l3, uint32_t len, struct mld_query *q);

/* Whether q asks about group: a general query, or one for that group. */
bool mld_query_asks(const struct mld_query *q, const uint8_t group[16]);

/* What a report says of the group: joined now (unsolicited), listening (a query's answer),
 * or left (the data plane stops). */
enum mld_report { MLD_REPORT_JOIN, MLD_REPORT_CURRENT, MLD_REPORT_LEAVE };

/* Writes into buf (MLD_FRAME_MAX bytes) the Ethernet frame of report r about group, in
 * version v, from mac and its link-local address; returns its length. */
size_t mld_report_build(uint8_t *buf, const struct rte_ether_addr *mac, const uint8_t group[16],
			enum mld_version v, enum mld_report r);

/* fe80::/64 with mac's modified EUI-64 interface identifier (RFC 4291 2.5.1, appendix A):
 * the source of reports, which must be link-local (RFC 3810 5.2.13). */
void mld_link_local(const struct rte_ether_addr *mac, uint8_t out[16]);

#endif
