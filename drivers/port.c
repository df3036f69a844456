/* SPDX-License-Identifier: BSD-3-Clause */
#include "port.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "host_settings.h"
#include "port_stats.h"

/* A key of repeated 0x6d5a makes Toeplitz RSS symmetric: both directions of a TCP flow
 * hash to the same queue, which keeps a spliced flow on one worker lcore. */
static uint8_t symmetric_rss_key[40] = {
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
};

const uint8_t *drv_rss_key(uint8_t *len)
{
	*len = sizeof(symmetric_rss_key);
	return symmetric_rss_key;
}

/* Select entries 0..size of a redirection table request (their masks set, the rest
 * zeroed): the form rte_eth_dev_rss_reta_query and _update take. */
static void reta_conf_select(struct rte_eth_rss_reta_entry64
			     conf[DRV_RETA_MAX / RTE_ETH_RETA_GROUP_SIZE], uint16_t size)
{
	memset(conf, 0, sizeof(*conf) * (DRV_RETA_MAX / RTE_ETH_RETA_GROUP_SIZE));
	for (uint16_t i = 0; i < size; i++)
		conf[i / RTE_ETH_RETA_GROUP_SIZE].mask |= UINT64_C(1) << (i % RTE_ETH_RETA_GROUP_SIZE);
}

uint16_t drv_port_reta(uint16_t port_id, uint16_t *reta, uint16_t max)
{
	struct rte_eth_rss_reta_entry64 conf[DRV_RETA_MAX / RTE_ETH_RETA_GROUP_SIZE];
	struct rte_eth_dev_info info;
	uint16_t size;

	if (rte_eth_dev_info_get(port_id, &info) < 0 || info.reta_size == 0 ||
	    info.reta_size > max || info.reta_size > DRV_RETA_MAX ||
	    !rte_is_power_of_2(info.reta_size))
		return 0;
	size = info.reta_size;
	reta_conf_select(conf, size);
	if (rte_eth_dev_rss_reta_query(port_id, conf, size) != 0)
		return 0;
	for (uint16_t i = 0; i < size; i++)
		reta[i] = conf[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE];
	return size;
}

static int port_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int port_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int drv_port_join_ipv6(uint16_t port_id, const uint8_t ipv6[16])
{
	struct rte_ether_addr groups[2] = {
		{ { 0x33, 0x33, 0xff, ipv6[13], ipv6[14], ipv6[15] } }, /* solicited-node */
		{ { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 } },             /* all-nodes */
	};

	if (rte_eth_dev_set_mc_addr_list(port_id, groups, RTE_DIM(groups)) == 0)
		return 0;
	return rte_eth_allmulticast_enable(port_id) == 0 ? 0 : -1;
}

int drv_port_rss_key_get(uint16_t port_id, uint8_t *key, uint8_t len)
{
	uint8_t buf[128];
	struct rte_eth_rss_conf conf = { .rss_key = buf, .rss_key_len = sizeof(buf) };
	struct rte_eth_dev_info info;

	if (rte_eth_dev_info_get(port_id, &info) < 0)
		return -1;
	/* Some drivers copy hash_key_size bytes whatever rss_key_len says: ask for that. */
	if (info.hash_key_size && info.hash_key_size <= sizeof(buf))
		conf.rss_key_len = info.hash_key_size;
	if (rte_eth_dev_rss_hash_conf_get(port_id, &conf) == 0 && conf.rss_key_len >= len) {
		memcpy(key, buf, len);
		return 0;
	}
	/* Ours only where port_build_conf gave it: to a device of our key size. One that
	 * says no key size was given none, and hashes with a key of its own it does not
	 * say (vmxnet3's default, say): guessing ours would misplace most clients. */
	if (info.hash_key_size != sizeof(symmetric_rss_key) || len > sizeof(symmetric_rss_key))
		return -1;
	memcpy(key, symmetric_rss_key, len);
	return 0;
}

int drv_port_rss_key_set(uint16_t port_id, const uint8_t *key, uint8_t len, char *err,
			 size_t errlen)
{
	struct rte_eth_rss_conf conf = { .rss_key = NULL };
	struct rte_eth_dev_info info;
	uint8_t copy[64];
	int rc;

	rc = rte_eth_dev_info_get(port_id, &info);
	/* Some devices do not say (0); those that do must hash with a key of this length. */
	if (rc == 0 && ((info.hash_key_size && info.hash_key_size != len) || len > sizeof(copy)))
		return port_fail(err, errlen, "port %u: RSS key not taken: the device hashes with "
				 "%u bytes, not %u", port_id, info.hash_key_size, len);
	if (rc == 0)
		rc = rte_eth_dev_rss_hash_conf_get(port_id, &conf); /* the hashed fields */
	if (rc == 0) {
		memcpy(copy, key, len); /* the API takes a writable key */
		conf.rss_key = copy;
		conf.rss_key_len = len;
		rc = rte_eth_dev_rss_hash_update(port_id, &conf);
	}
	if (rc < 0)
		return port_fail(err, errlen, "port %u: RSS key not taken: %s", port_id,
				 rte_strerror(-rc));
	return 0;
}

#define QUIET_KNOBS 3
#define QUIET_PORTS 32

/* What quiet_kernel_iface changed, by ethdev name, for drv_port_close to put back: the
 * interface is the host's, and must answer ARP and speak IPv6 again once we are gone. */
static struct quieted {
	char dev[RTE_ETH_NAME_MAX_LEN];         /* "" when free */
	char path[QUIET_KNOBS][160];
	char old[QUIET_KNOBS][16];
} quieted[QUIET_PORTS];

/* Put back the settings changed for ethdev name, if any. */
static void unquiet_kernel_iface(const char *name)
{
	for (unsigned int i = 0; i < QUIET_PORTS; i++) {
		struct quieted *q = &quieted[i];

		if (!q->dev[0] || strcmp(q->dev, name) != 0)
			continue;
		for (unsigned int k = 0; k < QUIET_KNOBS; k++)
			if (q->old[k][0])
				drv_host_restore(q->path[k], q->old[k]);
		q->dev[0] = '\0';
	}
}

/* The kernel interface an af_packet device string names (its iface= argument) into
 * iface: 1, or 0 for another device, -1 for a bad name. */
static int af_packet_iface_of(const char *device, char iface[DRV_IFACE_MAX])
{
	const char *arg = strstr(device, ",iface=");
	size_t n;

	if (strncmp(device, "net_af_packet", 13) != 0 || !arg)
		return 0;
	arg += strlen(",iface=");
	n = strcspn(arg, ",");
	if (n == 0 || n >= DRV_IFACE_MAX || memchr(arg, '/', n))
		return -1;
	memcpy(iface, arg, n);
	iface[n] = '\0';
	return 1;
}

/* The kernel interface of each af_packet port, by port id ("" for other ports): its link
 * is the interface's, which the PMD does not report. Main lcore only. */
static char af_packet_iface[RTE_MAX_ETHPORTS][DRV_IFACE_MAX];

/* The MTU each port had before drv_port_start changed it (0: unchanged), put back at its
 * close; an af_packet port's is its kernel interface's, kept as a host setting (put back
 * through sysfs, and after a crash by the next run), its value in mtu_host. Main lcore
 * only. */
static uint16_t mtu_before[RTE_MAX_ETHPORTS];
static char mtu_host[RTE_MAX_ETHPORTS][8];

/* Whether the device itself says the link is up. */
static bool ethdev_link_up(uint16_t port_id)
{
	struct rte_eth_link link;

	memset(&link, 0, sizeof(link));
	return rte_eth_link_get_nowait(port_id, &link) == 0 &&
	       link.link_status == RTE_ETH_LINK_UP;
}

/* The MTU port_id has now into *mtu: an af_packet port's is its kernel interface's, which
 * the PMD does not read (it says 1500 until told otherwise). 0, or -1. */
static int port_mtu_now(uint16_t port_id, uint16_t *mtu)
{
	char path[64 + DRV_IFACE_MAX], value[16];

	if (port_id < RTE_MAX_ETHPORTS && af_packet_iface[port_id][0]) {
		snprintf(path, sizeof(path), "/sys/class/net/%s/mtu", af_packet_iface[port_id]);
		if (drv_proc_read(path, value, sizeof(value)) < 0)
			return -1;
		*mtu = (uint16_t)strtoul(value, NULL, 10);
		return *mtu ? 0 : -1;
	}
	return rte_eth_dev_get_mtu(port_id, mtu);
}

/* The sysfs file of an af_packet port's interface MTU into path. */
static void host_mtu_path(uint16_t port_id, char *path, size_t len)
{
	snprintf(path, len, "/sys/class/net/%s/mtu", af_packet_iface[port_id]);
}

/* An af_packet port's interface set to mtu through sysfs, what it had kept as a host
 * setting (drv_host_set): the PMD's own put-back goes through its frame size, which may
 * not hold the host's jumbo MTU. Best effort: the PMD sets it too. */
static void keep_host_mtu(uint16_t port_id, uint16_t mtu)
{
	char path[64 + DRV_IFACE_MAX], value[8], old[8];

	host_mtu_path(port_id, path, sizeof(path));
	snprintf(value, sizeof(value), "%u", mtu);
	if (drv_host_set(path, value, old, sizeof(old)) == 0 && old[0])
		snprintf(mtu_host[port_id], sizeof(mtu_host[port_id]), "%s", old);
}

int drv_port_link_up(uint16_t port_id)
{
	char path[64 + DRV_IFACE_MAX], state[16];

	if (port_id < RTE_MAX_ETHPORTS && af_packet_iface[port_id][0]) {
		snprintf(path, sizeof(path), "/sys/class/net/%s/operstate",
			 af_packet_iface[port_id]);
		/* "unknown": a driver that does not track its carrier (a tun, a dummy). */
		return drv_proc_read(path, state, sizeof(state)) == 0 &&
		       (strncmp(state, "up", 2) == 0 || strncmp(state, "unknown", 7) == 0);
	}
	return ethdev_link_up(port_id);
}

/*
 * An af_packet port shares its interface with the kernel, which (weak host model) would
 * answer ARP and IP for the addresses of the exception interface too, doubling every
 * reply. Strict reverse-path filtering and arp_ignore=8 make the kernel ignore frames
 * arriving there; IPv6 is switched off so it sends nothing of its own. The old values
 * are kept for drv_port_close (ethdev name: name).
 */
static int quiet_kernel_iface(const char *device, const char *name, char *err, size_t errlen)
{
	static const struct { const char *fmt, *value; } knobs[QUIET_KNOBS] = {
		{ "/proc/sys/net/ipv4/conf/%s/rp_filter", "1" },
		{ "/proc/sys/net/ipv4/conf/%s/arp_ignore", "8" },
		{ "/proc/sys/net/ipv6/conf/%s/disable_ipv6", "1" },
	};
	struct quieted *q = NULL;
	char iface[DRV_IFACE_MAX], path[160];
	int found = af_packet_iface_of(device, iface);

	if (found == 0)
		return 0;
	if (found < 0)
		return port_fail(err, errlen, "device '%s': bad iface name", device);
	for (unsigned int i = 0; i < QUIET_PORTS && !q; i++)
		q = quieted[i].dev[0] ? NULL : &quieted[i];
	if (q)
		snprintf(q->dev, sizeof(q->dev), "%s", name);
	for (size_t i = 0; i < RTE_DIM(knobs); i++) {
		char old[16];

		snprintf(path, sizeof(path), knobs[i].fmt, iface);
		/* The host's value: kept from a run that crashed, else the current one. */
		if (drv_host_set(path, knobs[i].value, old, sizeof(old)) < 0) {
			/* An interface without IPv6 (ipv6.disable=1, an MTU below 1280) has
			 * nothing to quiet there. */
			if (errno == ENOENT && strstr(knobs[i].fmt, "ipv6")) {
				if (q)
					q->old[i][0] = '\0';
				continue;
			}
			return port_fail(err, errlen, "device '%s': cannot write %s: %s", device,
					 path, strerror(errno));
		}
		if (q) {
			snprintf(q->path[i], sizeof(q->path[i]), "%s", path);
			snprintf(q->old[i], sizeof(q->old[i]), "%s", old);
		}
	}
	return 0;
}

int drv_port_probe(const char *device, uint16_t *port_id, char *err, size_t errlen)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	size_t n = strcspn(device, ",");
	int rc;

	if (n == 0 || n >= sizeof(name))
		return port_fail(err, errlen, "device '%s': bad device name", device);
	memcpy(name, device, n);
	name[n] = '\0';
	/* PCI devices allowed on the EAL command line are probed already. */
	if (rte_eth_dev_get_port_by_name(name, port_id) == 0)
		return 0;
	if (quiet_kernel_iface(device, name, err, errlen) < 0) {
		unquiet_kernel_iface(name);
		return -1;
	}
	rc = rte_dev_probe(device);
	if (rc < 0) {
		unsigned int dom, bus, dev, fn;
		char end;

		unquiet_kernel_iface(name);
		/* A PCI address: most often a port still on its kernel driver. */
		if (sscanf(name, "%4x:%2x:%2x.%1u%c", &dom, &bus, &dev, &fn, &end) == 4)
			return port_fail(err, errlen, "device '%s': probe failed: %s (is it bound "
					 "to vfio-pci? scripts/bind-nic.sh %s; an mlx5 port stays "
					 "on its kernel driver)", device, rte_strerror(-rc), name);
		return port_fail(err, errlen, "device '%s': probe failed: %s", device,
				 rte_strerror(-rc));
	}
	if (rte_eth_dev_get_port_by_name(name, port_id) != 0)
		return port_fail(err, errlen, "device '%s': probed but no ethdev named '%s'",
				 device, name);
	if (af_packet_iface_of(device, af_packet_iface[*port_id]) <= 0) /* id < the max */
		af_packet_iface[*port_id][0] = '\0';
	return 0;
}

static void port_fill_caps(const struct rte_eth_dev_info *info, struct drv_port_caps *caps)
{
	uint64_t rx = info->rx_offload_capa, tx = info->tx_offload_capa;

	caps->rx_ipv4_cksum = (rx & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM) != 0;
	caps->rx_l4_cksum = (rx & RTE_ETH_RX_OFFLOAD_TCP_CKSUM) != 0;
	caps->tx_ipv4_cksum = (tx & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) != 0;
	caps->tx_tcp_cksum = (tx & RTE_ETH_TX_OFFLOAD_TCP_CKSUM) != 0;
	caps->tx_multi_seg = (tx & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) != 0;
	caps->max_rx_queues = info->max_rx_queues;
	caps->max_tx_queues = info->max_tx_queues;
	snprintf(caps->driver, sizeof(caps->driver), "%s", info->driver_name);
}

static void port_build_conf(const struct rte_eth_dev_info *info,
			    const struct drv_port_params *p, const struct drv_port_caps *caps,
			    struct rte_eth_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	if (caps->rx_ipv4_cksum)
		conf->rxmode.offloads |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
	if (caps->rx_l4_cksum)
		conf->rxmode.offloads |= RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
	if (caps->tx_ipv4_cksum)
		conf->txmode.offloads |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
	if (caps->tx_tcp_cksum)
		conf->txmode.offloads |= RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
	if (caps->tx_multi_seg)
		conf->txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	conf->rxmode.mtu = p->mtu;
	if (p->rx_queues > 1 && info->flow_type_rss_offloads) {
		conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf->rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP) & info->flow_type_rss_offloads;
		if (info->hash_key_size == sizeof(symmetric_rss_key)) {
			conf->rx_adv_conf.rss_conf.rss_key = symmetric_rss_key;
			conf->rx_adv_conf.rss_conf.rss_key_len = sizeof(symmetric_rss_key);
		}
	}
}

/* Spread the redirection table evenly over the queues (entry i to queue i % queues), as
 * most NICs start but not every device does (net_null sends all to queue 0): every
 * worker then gets clients, and rss_steer.h can aim replies at any of them. A device
 * that keeps its own table is left to it. */
static void port_spread_reta(uint16_t port_id, const struct rte_eth_dev_info *info,
			     uint16_t queues)
{
	struct rte_eth_rss_reta_entry64 conf[DRV_RETA_MAX / RTE_ETH_RETA_GROUP_SIZE];

	if (info->reta_size == 0 || info->reta_size > DRV_RETA_MAX || queues < 2)
		return;
	reta_conf_select(conf, info->reta_size);
	for (uint16_t i = 0; i < info->reta_size; i++)
		conf[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] = i % queues;
	(void)rte_eth_dev_rss_reta_update(port_id, conf, info->reta_size);
}

static int port_setup_queues(uint16_t port_id, const struct drv_port_params *p,
			     struct rte_mempool *pool, char *err, size_t errlen)
{
	uint16_t nb_rxd = p->rx_desc, nb_txd = p->tx_desc;
	int socket = rte_eth_dev_socket_id(port_id);
	int rc;

	if (socket < 0)
		socket = (int)rte_socket_id();
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &nb_rxd, &nb_txd);
	if (rc < 0)
		return port_fail(err, errlen, "port %u: descriptor counts: %s", port_id,
				 rte_strerror(-rc));
	for (uint16_t q = 0; q < p->rx_queues; q++) {
		rc = rte_eth_rx_queue_setup(port_id, q, nb_rxd, (unsigned int)socket, NULL, pool);
		if (rc < 0)
			return port_fail(err, errlen, "port %u: rx queue %u: %s", port_id, q,
					 rte_strerror(-rc));
	}
	for (uint16_t q = 0; q < p->tx_queues; q++) {
		rc = rte_eth_tx_queue_setup(port_id, q, nb_txd, (unsigned int)socket, NULL);
		if (rc < 0)
			return port_fail(err, errlen, "port %u: tx queue %u: %s", port_id, q,
					 rte_strerror(-rc));
	}
	return 0;
}

/* The port's MTU set to mtu after the configure, which gave the device it (through
 * port_build_conf) and so the MTU the relay reads back even where the PMD cannot set one;
 * was is what the port had before (0: unknown), put back at the close. An af_packet
 * port's MTU is its kernel interface's, kept as a host setting every run: one that
 * crashed left its own in place, and only the kept value is the host's. */
static int port_set_mtu(uint16_t port_id, uint16_t mtu, uint16_t was, char *err, size_t errlen)
{
	int rc;

	if (af_packet_iface[port_id][0])
		keep_host_mtu(port_id, mtu);
	if (was == mtu)
		return 0;
	rc = rte_eth_dev_set_mtu(port_id, mtu);
	if (rc < 0 && rc != -ENOTSUP)
		return port_fail(err, errlen, "port %u: MTU %u: %s", port_id, mtu, rte_strerror(-rc));
	mtu_before[port_id] = rc == 0 && !mtu_host[port_id][0] ? was : 0;
	return 0;
}

/* The largest MTU the device takes: its max_mtu, and what its largest frame leaves once
 * DPDK's overhead is taken off (as rte_eth_dev_configure reckons it). A tap's frames are
 * 1522 bytes, af_packet's and memif's 1518, however large their max_mtu says. */
static uint32_t port_mtu_limit(const struct rte_eth_dev_info *info)
{
	uint32_t overhead = info->max_mtu != UINT16_MAX && info->max_rx_pktlen > info->max_mtu
				    ? info->max_rx_pktlen - info->max_mtu
				    : RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN;
	uint32_t limit = info->max_rx_pktlen > overhead ? info->max_rx_pktlen - overhead : 0;

	return RTE_MIN(limit, (uint32_t)info->max_mtu);
}

int drv_port_start(uint16_t port_id, const struct drv_port_params *wanted,
		   struct rte_mempool *pool, struct drv_port_caps *caps, char *err, size_t errlen)
{
	struct drv_port_params params = *wanted;
	const struct drv_port_params *p = &params;
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	uint32_t mtu_limit;
	uint16_t was = 0;
	int rc;

	memset(caps, 0, sizeof(*caps));
	rc = rte_eth_dev_info_get(port_id, &info);
	if (rc < 0)
		return port_fail(err, errlen, "port %u: no device info: %s", port_id,
				 rte_strerror(-rc));
	port_fill_caps(&info, caps);
	if (p->rx_queues > info.max_rx_queues || p->tx_queues > info.max_tx_queues)
		return port_fail(err, errlen,
				 "port %u (%s): needs %u rx / %u tx queues (one tx queue per worker), "
				 "device offers %u / %u",
				 port_id, info.driver_name, p->rx_queues, p->tx_queues,
				 info.max_rx_queues, info.max_tx_queues);
	mtu_limit = port_mtu_limit(&info);
	if (p->mtu > mtu_limit && wanted->mtu_at_most)
		params.mtu = (uint16_t)RTE_MAX(mtu_limit, info.min_mtu);
	if (p->mtu && (p->mtu > mtu_limit || p->mtu < info.min_mtu))
		return port_fail(err, errlen, "port %u (%s): MTU %u is outside the device's %u-%u "
				 "(frames of %u bytes at most)", port_id, info.driver_name, p->mtu,
				 info.min_mtu, mtu_limit, info.max_rx_pktlen);
	/* What it has before the configure, which sets the MTU it is given (1500 when none). */
	if (p->mtu && port_id < RTE_MAX_ETHPORTS && port_mtu_now(port_id, &was) < 0)
		was = 0;
	port_build_conf(&info, p, caps, &conf);
	caps->rss = conf.rxmode.mq_mode == RTE_ETH_MQ_RX_RSS;
	rc = rte_eth_dev_configure(port_id, p->rx_queues, p->tx_queues, &conf);
	if (rc < 0)
		return port_fail(err, errlen, "port %u: configure: %s", port_id, rte_strerror(-rc));
	if (p->mtu && port_id < RTE_MAX_ETHPORTS && port_set_mtu(port_id, p->mtu, was, err, errlen) < 0)
		return -1;
	if (port_setup_queues(port_id, p, pool, err, errlen) < 0)
		return -1;
	rc = rte_eth_dev_start(port_id);
	if (rc < 0)
		return port_fail(err, errlen, "port %u: start: %s", port_id, rte_strerror(-rc));
	if (caps->rss)
		port_spread_reta(port_id, &info, p->rx_queues);
	rte_eth_macaddr_get(port_id, &caps->mac);
	if (rte_eth_dev_get_mtu(port_id, &caps->mtu) < 0)
		caps->mtu = 1500;
	drv_port_stats_forget(port_id); /* an earlier device's counts are not this one's */
	return 0;
}

int drv_port_wait_link(uint16_t port_id, unsigned int timeout_ms)
{
	for (unsigned int waited = 0;; waited += 100) {
		if (drv_port_link_up(port_id))
			return 1;
		if (waited >= timeout_ms)
			return 0;
		usleep(100 * 1000);
	}
}

void drv_port_close(uint16_t port_id)
{
	struct rte_eth_dev_info info;
	struct rte_device *dev = NULL;
	char name[RTE_ETH_NAME_MAX_LEN] = "";

	if (rte_eth_dev_info_get(port_id, &info) == 0)
		dev = info.device;
	rte_eth_dev_get_name_by_port(port_id, name);
	rte_eth_dev_stop(port_id);
	if (port_id < RTE_MAX_ETHPORTS && mtu_host[port_id][0]) {
		char path[64 + DRV_IFACE_MAX];

		host_mtu_path(port_id, path, sizeof(path));
		drv_host_restore(path, mtu_host[port_id]); /* as the settings: best effort */
		mtu_host[port_id][0] = '\0';
	}
	if (port_id < RTE_MAX_ETHPORTS && mtu_before[port_id]) {
		rte_eth_dev_set_mtu(port_id, mtu_before[port_id]);
		mtu_before[port_id] = 0;
	}
	if (port_id < RTE_MAX_ETHPORTS)
		af_packet_iface[port_id][0] = '\0';
	rte_eth_dev_close(port_id);
	if (name[0])
		unquiet_kernel_iface(name);
	/* Hot-plugged vdevs (tap above all) must go, or their kernel interface stays. */
	if (dev && strcmp(rte_bus_name(rte_dev_bus(dev)), "vdev") == 0)
		rte_dev_remove(dev);
}

uint32_t drv_pool_size(uint32_t ring_descriptors, unsigned int workers, uint16_t burst)
{
	uint32_t n = ring_descriptors + workers * (RTE_MEMPOOL_CACHE_MAX_SIZE + 4u * burst) + 4096;

	/* Mempools are most efficient at 2^n - 1 elements. */
	return rte_align32pow2(n + 1) - 1;
}

/* What a buffer holds beyond an MTU's packet: the Ethernet header and CRC, and a VLAN
 * tag's room. */
#define POOL_FRAME_OVER (RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN + 8)
/* af_packet's ring header, which its frames (framesz) hold and its buffers need not. */
#define AF_PACKET_RING_HDR 32u

uint16_t drv_pool_mtu(const char *device, uint16_t mtu)
{
	const char *framesz = strstr(device, ",framesz=");
	unsigned long frame;

	/* af_packet takes a pool only if a buffer holds its whole frame less its ring's
	 * header, whatever the MTU. */
	if (strncmp(device, "net_af_packet", 13) != 0 || !framesz)
		return mtu;
	frame = strtoul(framesz + strlen(",framesz="), NULL, 10);
	if (frame <= AF_PACKET_RING_HDR + POOL_FRAME_OVER || frame >= 65536)
		return mtu;
	return (uint16_t)RTE_MAX((unsigned long)mtu, frame - AF_PACKET_RING_HDR - POOL_FRAME_OVER);
}

struct rte_mempool *drv_pool_create(const char *name, uint32_t n_mbufs, uint16_t mtu,
				    int socket_id)
{
	uint32_t frame = (uint32_t)mtu + POOL_FRAME_OVER;
	uint16_t data_room = RTE_MBUF_DEFAULT_BUF_SIZE;

	if (frame + RTE_PKTMBUF_HEADROOM > data_room)
		data_room = (uint16_t)(frame + RTE_PKTMBUF_HEADROOM);
	return rte_pktmbuf_pool_create(name, n_mbufs, 256, 0, data_room, socket_id);
}

void drv_port_print_stats(uint16_t port_id, const char *name, FILE *out)
{
	struct rte_eth_stats st;
	struct rte_eth_xstat_name *names = NULL;
	struct rte_eth_xstat *vals = NULL;
	int n;

	if (drv_port_stats(port_id, &st) == 0)
		fprintf(out, "port %s: rx %" PRIu64 " pkts %" PRIu64 " bytes, tx %" PRIu64
			" pkts %" PRIu64 " bytes, missed %" PRIu64 ", rx errors %" PRIu64
			", tx errors %" PRIu64 ", no mbuf %" PRIu64 "\n",
			name, st.ipackets, st.ibytes, st.opackets, st.obytes, st.imissed,
			st.ierrors, st.oerrors, st.rx_nombuf);
	n = rte_eth_xstats_get(port_id, NULL, 0);
	if (n <= 0)
		return;
	names = calloc((size_t)n, sizeof(*names));
	vals = calloc((size_t)n, sizeof(*vals));
	if (names && vals && rte_eth_xstats_get_names(port_id, names, (unsigned int)n) == n &&
	    rte_eth_xstats_get(port_id, vals, (unsigned int)n) == n) {
		for (int i = 0; i < n; i++)
			if (vals[i].value)
				fprintf(out, "port %s:   %s = %" PRIu64 "\n", name,
					names[vals[i].id].name, vals[i].value);
	}
	free(names);
	free(vals);
}
