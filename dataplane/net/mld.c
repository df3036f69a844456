/* SPDX-License-Identifier: BSD-3-Clause */
#include "mld.h"

#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "mr_bytes.h"
#include "nd.h"

enum {
	MLD_TYPE_QUERY = 130,
	MLD_TYPE_REPORT_V1 = 131,
	MLD_TYPE_DONE_V1 = 132,
	MLD_TYPE_REPORT_V2 = 143,
};

/* MLDv2 record types (RFC 3810 5.2.12): the current state, and the changes to listening to
 * all sources (a join) and to none (a leave). */
enum { MLD_MODE_IS_EXCLUDE = 2, MLD_CHANGE_TO_INCLUDE = 3, MLD_CHANGE_TO_EXCLUDE = 4 };

enum { HBH_PAD1 = 0, HBH_PADN = 1, HBH_ROUTER_ALERT = 5 };

#define IP6_LEN 40u
#define HBH_LEN 8u             /* ours: next header, length, router alert, two bytes of pad */
#define MLD_V1_LEN 24u         /* ICMPv6 header, delay, reserved, group */
#define MLD_V2_QUERY_MIN 28u   /* ... then S/QRV, QQIC, number of sources */
#define MLD_V2_REPORT_LEN 28u  /* ICMPv6 header, reserved, one record of no sources */
#define MLD_GROUP_OFF 8u       /* where queries and v1 reports name the group */

static const uint8_t all_routers[16] = { 0xff, 0x02, [15] = 0x02 };
static const uint8_t all_mldv2_routers[16] = { 0xff, 0x02, [15] = 0x16 };

/* The folded one's complement sum of an ICMPv6 message of len bytes and its pseudo-header
 * (RFC 8200 8.1): 0xffff when a received checksum verifies. */
static uint16_t icmp6_sum(const uint8_t src[16], const uint8_t dst[16], const uint8_t *icmp,
			  uint32_t len)
{
	uint8_t pseudo[40] = { 0 };
	uint32_t sum;

	memcpy(pseudo, src, 16);
	memcpy(pseudo + 16, dst, 16);
	pseudo[34] = (uint8_t)(len >> 8);
	pseudo[35] = (uint8_t)len;
	pseudo[39] = IPPROTO_ICMPV6;
	sum = __rte_raw_cksum(pseudo, sizeof(pseudo), 0);
	sum = __rte_raw_cksum(icmp, len, sum);
	return __rte_raw_cksum_reduce(sum);
}

/* Whether the Hop-by-Hop options of len bytes (from the header's start) hold the router
 * alert for MLD, every option within len. */
static bool hbh_has_mld_alert(const uint8_t *hbh, uint32_t len)
{
	bool alert = false;

	for (uint32_t i = 2; i < len;) {
		uint32_t opt_len;

		if (hbh[i] == HBH_PAD1) {
			i++;
			continue;
		}
		if (i + 2 > len || i + 2 + hbh[i + 1] > len)
			return false;
		opt_len = hbh[i + 1];
		if (hbh[i] == HBH_ROUTER_ALERT)
			alert = opt_len == 2 && mr_load_be16(hbh + i + 2) == 0;
		i += 2 + opt_len;
	}
	return alert;
}

/* A v2 query's Maximum Response Code in ms: exact below 32768, else a floating point of a
 * 12-bit mantissa and a 3-bit exponent (RFC 3810 5.1.3). */
static uint32_t v2_max_resp_ms(uint16_t code)
{
	if (code < 32768)
		return code;
	return (uint32_t)((code & 0x0fff) | 0x1000) << (((code >> 12) & 0x7) + 3);
}

bool mld_query_parse(const uint8_t *l3, uint32_t len, struct mld_query *q)
{
	const uint8_t *src = l3 + 8, *dst = l3 + 24, *hbh = l3 + IP6_LEN, *icmp;
	uint32_t payload, hbh_len, icmp_len;
	uint16_t code;

	if (len < IP6_LEN + HBH_LEN || (l3[0] >> 4) != 6)
		return false;
	payload = mr_load_be16(l3 + 4);
	/* Hop-by-Hop first, hop limit 1, from link-local to a group (RFC 3810 5.1.14). */
	if (IP6_LEN + payload > len || payload < HBH_LEN || l3[6] != IPPROTO_HOPOPTS ||
	    l3[7] != 1 || src[0] != 0xfe || (src[1] & 0xc0) != 0x80 || dst[0] != 0xff)
		return false;
	hbh_len = (hbh[1] + 1u) * 8u;
	if (hbh_len > payload || hbh[0] != IPPROTO_ICMPV6 || !hbh_has_mld_alert(hbh, hbh_len))
		return false;
	icmp = hbh + hbh_len;
	icmp_len = payload - hbh_len;
	if (icmp_len < MLD_V1_LEN || icmp[0] != MLD_TYPE_QUERY || icmp[1] != 0)
		return false;
	if (icmp_len == MLD_V1_LEN)
		q->version = MLD_V1;
	else if (icmp_len >= MLD_V2_QUERY_MIN &&
		 MLD_V2_QUERY_MIN + 16u * mr_load_be16(icmp + 26) <= icmp_len)
		q->version = MLD_V2;
	else
		return false;
	if (icmp6_sum(src, dst, icmp, icmp_len) != 0xffff)
		return false;
	memcpy(q->group, icmp + MLD_GROUP_OFF, 16);
	if (!nd_is_unspecified(q->group) && q->group[0] != 0xff)
		return false; /* a query about a unicast address is nobody's */
	code = mr_load_be16(icmp + 4);
	q->max_resp_ms = q->version == MLD_V1 ? code : v2_max_resp_ms(code);
	return true;
}

bool mld_query_asks(const struct mld_query *q, const uint8_t group[16])
{
	return nd_is_unspecified(q->group) || memcmp(q->group, group, 16) == 0;
}

void mld_link_local(const struct rte_ether_addr *mac, uint8_t out[16])
{
	const uint8_t *b = mac->addr_bytes;

	memset(out, 0, 16);
	out[0] = 0xfe;
	out[1] = 0x80;
	out[8] = b[0] ^ 0x02; /* the universal/local bit inverted */
	out[9] = b[1];
	out[10] = b[2];
	out[11] = 0xff;
	out[12] = 0xfe;
	out[13] = b[3];
	out[14] = b[4];
	out[15] = b[5];
}

/* Where a report goes: MLDv2's to all MLDv2 routers, MLDv1's to the group itself, but its
 * Done to all routers (RFC 2710 3.7). */
static const uint8_t *report_dst(const uint8_t group[16], enum mld_version v, enum mld_report r)
{
	if (v == MLD_V2)
		return all_mldv2_routers;
	return r == MLD_REPORT_LEAVE ? all_routers : group;
}

size_t mld_report_build(uint8_t *buf, const struct rte_ether_addr *mac, const uint8_t group[16],
			enum mld_version v, enum mld_report r)
{
	static const uint8_t v2_record[] = {
		[MLD_REPORT_JOIN] = MLD_CHANGE_TO_EXCLUDE,
		[MLD_REPORT_CURRENT] = MLD_MODE_IS_EXCLUDE,
		[MLD_REPORT_LEAVE] = MLD_CHANGE_TO_INCLUDE,
	};
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	uint8_t *ip6 = buf + sizeof(*eth), *hbh = ip6 + IP6_LEN, *icmp = hbh + HBH_LEN;
	const uint8_t *dst = report_dst(group, v, r);
	uint32_t icmp_len = v == MLD_V1 ? MLD_V1_LEN : MLD_V2_REPORT_LEN;
	uint16_t sum;

	memset(buf, 0, MLD_FRAME_MAX);
	nd_multicast_mac(dst, &eth->dst_addr);
	eth->src_addr = *mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	ip6[0] = 0x60;
	mr_store_be16(ip6 + 4, (uint16_t)(HBH_LEN + icmp_len));
	ip6[6] = IPPROTO_HOPOPTS;
	ip6[7] = 1; /* the link only */
	mld_link_local(mac, ip6 + 8);
	memcpy(ip6 + 24, dst, 16);
	hbh[0] = IPPROTO_ICMPV6;
	hbh[2] = HBH_ROUTER_ALERT; /* value 0: MLD (RFC 2711) */
	hbh[3] = 2;
	hbh[6] = HBH_PADN;         /* two bytes of padding: an empty PadN */
	if (v == MLD_V1) {
		icmp[0] = r == MLD_REPORT_LEAVE ? MLD_TYPE_DONE_V1 : MLD_TYPE_REPORT_V1;
		memcpy(icmp + MLD_GROUP_OFF, group, 16);
	} else {
		icmp[0] = MLD_TYPE_REPORT_V2;
		mr_store_be16(icmp + 6, 1); /* one record about group, of no sources */
		icmp[8] = v2_record[r];
		memcpy(icmp + 12, group, 16);
	}
	sum = (uint16_t)~icmp6_sum(ip6 + 8, dst, icmp, icmp_len);
	memcpy(icmp + 2, &sum, sizeof(sum)); /* summed as it lies in memory: stored so */
	return sizeof(*eth) + IP6_LEN + HBH_LEN + icmp_len;
}
