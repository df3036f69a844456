/* SPDX-License-Identifier: BSD-3-Clause */
#include "ipv4_check.h"

#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "csum_delta.h"

/* Whether the header sums to 0xffff; the usual 20-byte one by words (ipv4_check.h). */
static bool header_sum_ok(const uint8_t *l3, uint32_t ihl_bytes)
{
	if (ihl_bytes != sizeof(struct rte_ipv4_hdr))
		return rte_raw_cksum(l3, ihl_bytes) == 0xffff;
	return ipv4_sum20_ok(l3);
}

enum dp_drop ipv4_check_header(const uint8_t *l3, uint32_t l3_len, enum ipv4_csum_hint hint)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)l3;
	uint32_t ihl_bytes, total;

	if (l3_len < sizeof(*ip))
		return DP_DROP_runt;
	if ((ip->version_ihl >> 4) != 4)
		return DP_DROP_ipv4_version;
	ihl_bytes = (uint32_t)(ip->version_ihl & 0x0f) * 4;
	if (ihl_bytes < sizeof(*ip) || ihl_bytes > l3_len)
		return DP_DROP_ipv4_ihl;
	total = rte_be_to_cpu_16(ip->total_length);
	/* Ethernet padding may follow the datagram, so only "too long" is an error. */
	if (total < ihl_bytes || total > l3_len)
		return DP_DROP_ipv4_total_length;
	if (hint == IPV4_CSUM_BAD ||
	    (hint == IPV4_CSUM_UNKNOWN && !header_sum_ok(l3, ihl_bytes)))
		return DP_DROP_ipv4_checksum;
	if (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))
		return DP_DROP_ipv4_fragment;
	return DP_DROP_none;
}

int ipv4_is_martian_source(uint32_t src)
{
	uint8_t first = (uint8_t)(src >> 24);

	return first == 0 || first == 127 || first >= 224;
}
