/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the IPv6 neighbour discovery and echo codec: an input is a whole
 * Ethernet frame. Whatever nd_parse accepts must be answerable: an NS (from a unicast or
 * the unspecified source: the packet path drops the rest) for its target
 * gives an NA that parses back as one for the same target; an echo request turned into
 * its reply in place carries a checksum that verifies. nd_parse must never read past
 * the frame (ASan), whatever the lengths inside say; nor may the too-big codec
 * (icmp_error.h), which reads the same bytes as an ICMPv6 error where nd_parse found one
 * and, in an IPv4 frame, as the ICMPv4 message after the header whatever it is, and says
 * no more than the bytes hold; an error written about what it read reads back the same.
 * A listener query mld_query_parse accepts asks about no unicast address (a general one
 * about every group, another about its own only), and every report written for its group
 * fits its buffer and is no query.
 */
#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>

#include "icmp_error.h"
#include "mld.h"
#include "nd.h"

static const struct rte_ether_addr our_mac = { { 0x02, 0, 0, 0, 0, 0x01 } };

static void check_na_answer(const struct nd_msg *ns)
{
	uint8_t frame[ND_FRAME_MAX];
	struct nd_msg back;
	bool dad = nd_is_unspecified(ns->src);
	size_t len = nd_build_na(frame, &our_mac, ns->target, dad ? NULL : &ns->lladdr, ns->src,
				 ns->target, !dad);

	if (len < sizeof(struct rte_ether_hdr) || len > sizeof(frame) ||
	    nd_parse(frame + sizeof(struct rte_ether_hdr), (uint32_t)(len - sizeof(struct rte_ether_hdr)),
		     &back) != ND_NA ||
	    memcmp(back.target, ns->target, 16) != 0 || !back.has_lladdr)
		abort();
}

static void check_echo_reply(const uint8_t *data, size_t size)
{
	uint8_t *frame = malloc(size);
	const struct rte_ipv6_hdr *ip6;

	if (!frame)
		return;
	memcpy(frame, data, size);
	nd_echo_reply_in_place(frame, (uint32_t)size, &our_mac);
	ip6 = (const struct rte_ipv6_hdr *)(frame + sizeof(struct rte_ether_hdr));
	if (frame[sizeof(struct rte_ether_hdr) + sizeof(*ip6)] != 129 ||
	    rte_ipv6_udptcp_cksum_verify(ip6, ip6 + 1) != 0)
		abort();
	free(frame);
}

/* An error written about what e describes reads back as e. */
static void check_rebuilt(const struct icmp_too_big *e)
{
	uint8_t buf[ICMP_TOO_BIG_MAX];
	uint32_t ip = e->v6 ? 40 : 20, len = icmp_too_big_build(buf, e);
	struct icmp_too_big back;

	if (len > sizeof(buf) ||
	    !(e->v6 ? icmp_too_big_parse6(buf + ip, len - ip, &back)
		    : icmp_too_big_parse4(buf + ip, len - ip, &back)) ||
	    back.mtu != e->mtu || back.seq != e->seq || back.src_port != e->src_port ||
	    back.dst_port != e->dst_port || memcmp(back.src, e->src, 16) != 0 ||
	    memcmp(back.dst, e->dst, 16) != 0 ||
	    (e->v6 && rte_ipv6_udptcp_cksum_verify((const struct rte_ipv6_hdr *)buf, buf + ip)) ||
	    (!e->v6 && (rte_ipv4_cksum((const struct rte_ipv4_hdr *)buf) != 0 ||
			rte_raw_cksum(buf + ip, len - ip) != 0xffff)))
		abort();
}

/* What a too-big error read says is what its bytes hold: the quoted ports and sequence
 * number at the quoted header's end, an MTU within its field. */
static void check_too_big(const uint8_t *icmp, uint32_t len, bool v6)
{
	struct icmp_too_big e;
	uint32_t tcp;

	if (!(v6 ? icmp_too_big_parse6(icmp, len, &e) : icmp_too_big_parse4(icmp, len, &e)))
		return;
	tcp = 8 + (v6 ? 40u : (icmp[8] & 0xfu) * 4u);
	if (e.v6 != v6 || tcp + 8 > len || memcmp(&e.src_port, icmp + tcp, 2) != 0 ||
	    memcmp(&e.dst_port, icmp + tcp + 2, 2) != 0 ||
	    e.seq != ((uint32_t)icmp[tcp + 4] << 24 | (uint32_t)icmp[tcp + 5] << 16 |
		      (uint32_t)icmp[tcp + 6] << 8 | icmp[tcp + 7]) ||
	    (!v6 && e.mtu > UINT16_MAX))
		abort();
	check_rebuilt(&e);
}

static void check_mld(const uint8_t *l3, uint32_t len)
{
	static const enum mld_version versions[] = { MLD_V1, MLD_V2 };
	static const enum mld_report reports[] = { MLD_REPORT_JOIN, MLD_REPORT_CURRENT,
						   MLD_REPORT_LEAVE };
	static const uint8_t some_group[16] = { 0xff, 0x02, [11] = 0x01, 0xff, 0, 0, 0x01 };
	struct mld_query q, back;
	uint8_t frame[MLD_FRAME_MAX];

	if (!mld_query_parse(l3, len, &q))
		return;
	/* A general query asks about every group, another only about its own. */
	if ((q.version != MLD_V1 && q.version != MLD_V2) ||
	    (!nd_is_unspecified(q.group) && q.group[0] != 0xff) ||
	    mld_query_asks(&q, some_group) !=
		    (nd_is_unspecified(q.group) || memcmp(q.group, some_group, 16) == 0))
		abort();
	for (unsigned int v = 0; v < 2; v++)
		for (unsigned int r = 0; r < 3; r++) {
			size_t n = mld_report_build(frame, &our_mac, q.group, versions[v], reports[r]);

			if (n > sizeof(frame) || n < sizeof(struct rte_ether_hdr) ||
			    mld_query_parse(frame + sizeof(struct rte_ether_hdr),
					    (uint32_t)(n - sizeof(struct rte_ether_hdr)), &back))
				abort();
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const size_t l2 = sizeof(struct rte_ether_hdr);
	uint8_t *copy;
	struct nd_msg msg;
	enum nd_kind kind;

	if (size < l2)
		return 0;
	/* An exact-size heap copy, so a read past the frame is an ASan finding. */
	copy = malloc(size);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	kind = nd_parse(copy + l2, (uint32_t)(size - l2), &msg);
	check_mld(copy + l2, (uint32_t)(size - l2));
	if (kind != msg.kind)
		abort();
	/* The packet path drops multicast sources before it asks the codec anything. */
	if (kind == ND_NS && msg.src[0] != 0xff)
		check_na_answer(&msg);
	if (kind == ND_ECHO_REQUEST)
		check_echo_reply(copy, l2 + sizeof(struct rte_ipv6_hdr) +
					       rte_be_to_cpu_16(((const struct rte_ipv6_hdr *)(copy + l2))->payload_len));
	if (kind == ND_TOO_BIG)
		check_too_big(copy + l2 + sizeof(struct rte_ipv6_hdr),
			      rte_be_to_cpu_16(((const struct rte_ipv6_hdr *)(copy + l2))->payload_len),
			      true);
	if (size >= l2 + 20 && copy[12] == 0x08 && copy[13] == 0x00 &&
	    size >= l2 + (copy[l2] & 0xfu) * 4u) /* IPv4: its message after its header */
		check_too_big(copy + l2 + (copy[l2] & 0xfu) * 4u,
			      (uint32_t)(size - l2 - (copy[l2] & 0xfu) * 4u), false);
	free(copy);
	return 0;
}
