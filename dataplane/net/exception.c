/* SPDX-License-Identifier: BSD-3-Clause */
#include "exception.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <net/route.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mr_log.h"

static void sockaddr_ipv4(struct sockaddr *sa, uint32_t host_order)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)sa;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(host_order);
}

static int if_ioctl(int fd, unsigned long req, struct ifreq *ifr, const char *what,
		    char *err, size_t errlen)
{
	if (ioctl(fd, req, ifr) == 0)
		return 0;
	snprintf(err, errlen, "exception iface %s: %s: %s", ifr->ifr_name, what, strerror(errno));
	return -1;
}

static int kernel_iface_address(int fd, const struct dp_port *p, char *err, size_t errlen)
{
	const char *name = p->conf->exception.iface;
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	sockaddr_ipv4(&ifr.ifr_addr, p->ipv4);
	if (if_ioctl(fd, SIOCSIFADDR, &ifr, "set address", err, errlen) < 0)
		return -1;
	sockaddr_ipv4(&ifr.ifr_netmask, p->netmask);
	if (if_ioctl(fd, SIOCSIFNETMASK, &ifr, "set netmask", err, errlen) < 0)
		return -1;
	if (if_ioctl(fd, SIOCGIFFLAGS, &ifr, "get flags", err, errlen) < 0)
		return -1;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	return if_ioctl(fd, SIOCSIFFLAGS, &ifr, "bring up", err, errlen);
}

/* The kernel must answer from the data port's MAC, or peers' ARP caches would flap. */
static int kernel_iface_mac(int fd, const struct dp_port *p, char *err, size_t errlen)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", p->conf->exception.iface);
	if (if_ioctl(fd, SIOCGIFHWADDR, &ifr, "get MAC", err, errlen) < 0)
		return -1;
	if (memcmp(ifr.ifr_hwaddr.sa_data, p->mac.addr_bytes, RTE_ETHER_ADDR_LEN) == 0)
		return 0;
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(ifr.ifr_hwaddr.sa_data, p->mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	return if_ioctl(fd, SIOCSIFHWADDR, &ifr, "set MAC", err, errlen);
}

/* The kernel interface takes mtu, the data port's as far as the exception device carries
 * it: the host's frames leave through the port unchanged, and one larger than its MTU
 * would be lost past it with no error back. A tap's PMD sets it itself; virtio-user's
 * keeps it to itself, the kernel's at 1500. */
static int kernel_iface_mtu(int fd, const struct dp_port *p, uint16_t mtu, char *err,
			    size_t errlen)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", p->conf->exception.iface);
	if (if_ioctl(fd, SIOCGIFMTU, &ifr, "get MTU", err, errlen) < 0)
		return -1;
	if (ifr.ifr_mtu == (int)mtu)
		return 0;
	ifr.ifr_mtu = (int)mtu;
	return if_ioctl(fd, SIOCSIFMTU, &ifr, "set MTU", err, errlen);
}

static int kernel_default_route(int fd, const struct dp_port *p, char *err, size_t errlen)
{
	struct rtentry rt;
	char dev[IFNAMSIZ];

	memset(&rt, 0, sizeof(rt));
	snprintf(dev, sizeof(dev), "%s", p->conf->exception.iface);
	sockaddr_ipv4(&rt.rt_dst, 0);
	sockaddr_ipv4(&rt.rt_genmask, 0);
	sockaddr_ipv4(&rt.rt_gateway, p->gateway);
	rt.rt_flags = RTF_UP | RTF_GATEWAY;
	rt.rt_dev = dev;
	if (ioctl(fd, SIOCADDRT, &rt) == 0 || errno == EEXIST)
		return 0;
	snprintf(err, errlen, "exception iface %s: default route via gateway: %s", dev,
		 strerror(errno));
	return -1;
}

static int kernel_iface_setup(const struct dp_port *p, uint16_t mtu, char *err, size_t errlen)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int rc;

	if (fd < 0) {
		snprintf(err, errlen, "exception path: socket: %s", strerror(errno));
		return -1;
	}
	rc = kernel_iface_mac(fd, p, err, errlen);
	if (rc == 0)
		rc = kernel_iface_mtu(fd, p, mtu, err, errlen);
	if (rc == 0)
		rc = kernel_iface_address(fd, p, err, errlen);
	if (rc == 0 && p->gateway)
		rc = kernel_default_route(fd, p, err, errlen);
	close(fd);
	return rc;
}

int exception_start(struct dp_port *p, unsigned int n_workers, struct rte_mempool *pool,
		    char *err, size_t errlen)
{
	const struct mr_exception_conf *ec = &p->conf->exception;
	struct drv_port_params params = {
		.rx_queues = (uint16_t)n_workers,
		.tx_queues = (uint16_t)n_workers,
		.rx_desc = 512,
		.tx_desc = 512,
		/* A tap's PMD carries 1504 bytes at most (DPDK refuses more): a jumbo port's
		 * host traffic goes at that, its relayed traffic at the port's. */
		.mtu = p->conf->mtu,
		.mtu_at_most = true,
	};
	struct drv_port_caps caps;

	if (drv_port_probe(ec->device, &p->kernel_port_id, err, errlen) < 0)
		return -1;
	if (drv_port_start(p->kernel_port_id, &params, pool, &caps, err, errlen) < 0)
		goto fail;
	/* Ask the PMD first (it keeps its own copy); the ioctl below checks the kernel side. */
	rte_eth_dev_default_mac_addr_set(p->kernel_port_id, &p->mac);
	if (caps.mtu < p->conf->mtu)
		mr_log(MR_LOG_WARN, "port %s: its exception path (%s) carries %u bytes at most: the "
		       "host's own traffic on it goes at that MTU, relayed traffic at %u",
		       p->conf->name, caps.driver, caps.mtu, p->conf->mtu);
	if (kernel_iface_setup(p, RTE_MIN(caps.mtu, p->conf->mtu), err, errlen) < 0)
		goto fail;
	p->has_kernel = true;
	mr_log(MR_LOG_INFO, "port %s: exception path via %s (kernel iface %s)", p->conf->name,
	       caps.driver, ec->iface);
	return 0;
fail:
	drv_port_close(p->kernel_port_id); /* removes the tap interface it created */
	return -1;
}
