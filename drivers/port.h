/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port bring-up for every supported device: PCI NICs and SR-IOV VFs (bound to vfio-pci
 * or a bifurcated driver), and the vdevs af_packet, tap, memif, ring, null, pcap and
 * virtio-user. Runs on the main lcore during start-up and shutdown only.
 */
#ifndef DRV_PORT_H
#define DRV_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_ether.h>
#include <rte_mempool.h>

/* What a started port can do for us, probed from rte_eth_dev_info. */
struct drv_port_caps {
	bool rx_ipv4_cksum;     /* NIC flags bad IPv4 header checksums */
	bool rx_l4_cksum;       /* NIC flags bad TCP/UDP checksums */
	bool tx_ipv4_cksum;     /* NIC can fill the IPv4 header checksum */
	bool tx_tcp_cksum;      /* NIC can finish the TCP checksum from the pseudo-header */
	bool tx_multi_seg;      /* NIC sends chained mbufs */
	bool rss;               /* more than one rx queue, spread by symmetric RSS */
	uint16_t max_rx_queues;
	uint16_t max_tx_queues;
	uint16_t mtu;
	struct rte_ether_addr mac;
	char driver[32];
};

struct drv_port_params {
	uint16_t rx_queues;
	uint16_t tx_queues;
	uint16_t rx_desc;
	uint16_t tx_desc;
	uint16_t mtu;           /* 0: leave the device's own */
	bool mtu_at_most;       /* mtu is a wish: the most the device receives when less
				 * (else a larger one is refused) */
};

/* The RSS key ports are given (symmetric: both directions of a flow hash alike), for
 * computing in software the queue a NIC picks; its length in *len. */
const uint8_t *drv_rss_key(uint8_t *len);

/* Let the started port receive what IPv6 neighbours send to address ipv6: its
 * solicited-node group and all-nodes (RFC 4861), by the device's multicast filter, else
 * all multicast. 0, or -1 when the device takes neither (solicitations may not arrive). */
int drv_port_join_ipv6(uint16_t port_id, const uint8_t ipv6[16]);

/* The largest redirection table followed (an E810's PF has 2,048 entries). */
#define DRV_RETA_MAX 2048

/* The port's RSS redirection table (entry -> rx queue) into reta; its size, or 0 when the
 * port has none, will not say, or has one larger than max (room in reta, at most
 * DRV_RETA_MAX) or not a power of two (a hash's low bits pick its entry). */
uint16_t drv_port_reta(uint16_t port_id, uint16_t *reta, uint16_t max);

/* The Toeplitz key the started port hashes with, its first len bytes into key: as the
 * device reads it back (its own when it did not take ours: a 52-byte key, say), else ours
 * when it took ours (a device of our key size). 0, or -1 when neither is known (a device
 * that says no key size and cannot read its key back). */
int drv_port_rss_key_get(uint16_t port_id, uint8_t *key, uint8_t len);

/* Give the started port's RSS the Toeplitz key (len bytes), its hashed fields unchanged.
 * 0, or -1 with the reason in err (the device refuses a new key). */
int drv_port_rss_key_set(uint16_t port_id, const uint8_t *key, uint8_t len, char *err,
			 size_t errlen);

/* Probe (or find, when EAL already probed it) the device; its ethdev port id in *port_id. */
int drv_port_probe(const char *device, uint16_t *port_id, char *err, size_t errlen);

/* Configure queues, offloads, RSS and MTU, and start. Fills caps. 0 or -1 with err. */
int drv_port_start(uint16_t port_id, const struct drv_port_params *params,
		   struct rte_mempool *pool, struct drv_port_caps *caps, char *err, size_t errlen);

#define DRV_IFACE_MAX 64

/* Whether the port's link is up: 1 up, 0 down. An af_packet port's is its kernel
 * interface's (operstate), which its PMD does not report. Main lcore: it may read sysfs. */
int drv_port_link_up(uint16_t port_id);

/* Wait up to timeout_ms for link up; returns 1 up, 0 down. */
int drv_port_wait_link(uint16_t port_id, unsigned int timeout_ms);

/* Stop, close and (for hot-plugged vdevs) remove the device. */
void drv_port_close(uint16_t port_id);

/* Mbufs needed to fill every descriptor ring and per-worker cache, with slack. */
uint32_t drv_pool_size(uint32_t ring_descriptors, unsigned int workers, uint16_t burst);

/* The MTU a pool must serve for the port of device (a DPDK device string) whose MTU is
 * mtu: mtu, or more for an af_packet port whose frames (framesz) are larger. */
uint16_t drv_pool_mtu(const char *device, uint16_t mtu);

/* Packet mbuf pool on a socket, with room for jumbo frames up to mtu. */
struct rte_mempool *drv_pool_create(const char *name, uint32_t n_mbufs, uint16_t mtu,
				    int socket_id);

/* Print rte_eth_stats and the non-zero xstats of a port. */
void drv_port_print_stats(uint16_t port_id, const char *name, FILE *out);

#endif
