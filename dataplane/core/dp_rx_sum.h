/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frames whose TCP or UDP checksum field holds only the pseudo-header's sum, their data
 * vouched for by the port (RTE_MBUF_F_RX_L4_CKSUM_NONE: virtio's guest offload, for a
 * peer on the same hypervisor), made whole as they arrive, so that every layer above sees
 * a sum it may check, patch or hand to the host as it comes (the tap carries no note of
 * it, and the kernel would drop the frame as corrupt). Only ports that check L4 sums can
 * deliver such frames: the fast path of the others pays nothing. The host's own frames
 * from an exception path that offers the kernel this offload (virtio-user) are made whole
 * the same way before they leave the data port.
 */
#ifndef DP_RX_SUM_H
#define DP_RX_SUM_H

#include <rte_mbuf.h>

/* m's TCP or UDP sum made whole and marked good when it came partial (untagged IPv4 or
 * IPv6, not a fragment); any other frame is left as it is. */
void dp_rx_sum_whole(struct rte_mbuf *m);

#endif
