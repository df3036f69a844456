/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_appliance.h"

#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "dp_worker.h"
#include "exception.h"
#include "inbox.h"
#include "mr_log.h"
#include "neigh.h"
#include "relay_setup.h"
#include "rss_steer.h"
#include "steer.h"

uint32_t dp_pool_at_rest(const struct mr_config *conf, unsigned int n_workers)
{
	uint32_t rings = 0;

	for (unsigned int i = 0; i < conf->n_ports; i++) {
		const struct mr_port_conf *p = &conf->ports[i];

		rings += (uint32_t)p->queues * p->rx_desc + n_workers * (uint32_t)p->tx_desc;
		if (p->exception.enabled)
			rings += n_workers * 1024u; /* exception rx + tx rings of 512 */
	}
	rings += n_workers * neigh_held_max(&conf->dataplane.neigh);
	/* Frames handed between workers wait in their inboxes: unbounded by flows, so the
	 * pool must hold them as it holds the ports' rings. */
	rings += inbox_held_max(n_workers);
	return rings;
}

/* The configured pool, or one sized for the rings with room for flows. A configured pool
 * that the rings alone could drain is refused: such a data plane would start and then
 * receive nothing. 0 with err set when refused. */
static uint32_t pool_size_for(const struct mr_config *conf, unsigned int n_workers, char *err,
			      size_t errlen)
{
	uint32_t rest = dp_pool_at_rest(conf, n_workers);
	uint32_t least = rest + n_workers * (RTE_MEMPOOL_CACHE_MAX_SIZE + 4u * conf->dataplane.burst) +
			 256;

	if (!conf->dataplane.mbufs)
		return drv_pool_size(rest, n_workers, conf->dataplane.burst);
	if (conf->dataplane.mbufs < least)
		snprintf(err, errlen, "dataplane.mbufs = %u: the rings and caches alone may hold %u; "
			 "use at least %u (or 0 to size it)", conf->dataplane.mbufs, least - 256, least);
	return conf->dataplane.mbufs < least ? 0 : conf->dataplane.mbufs;
}

/* The ports started, their receive rings filled: what is left of the pool must still hold
 * the workers' caches and bursts. A driver may fill more than its descriptors say
 * (vmxnet3: two rings a queue): the sizing from the configuration could not know, and
 * such a data plane would start and then receive nothing. 0, or -1 with err. */
static int pool_left_after_rings(const struct dp_appliance *app, char *err, size_t errlen)
{
	uint32_t in_use = rte_mempool_in_use_count(app->pool), size = app->pool->size;
	uint32_t need = app->n_workers * (RTE_MEMPOOL_CACHE_MAX_SIZE +
					  4u * app->conf->dataplane.burst) + 256;

	if (in_use + need <= size)
		return 0;
	snprintf(err, errlen, "mbuf pool: the ports' receive rings took %u of its %u mbufs, "
		 "leaving fewer than the %u the workers need (a driver that fills more rings "
		 "than its descriptors say): raise dataplane.mbufs by %u at least, or 0 to "
		 "size it", in_use, size, need, in_use + need - size);
	return -1;
}

/* The pool beyond the rings and caches is the flows'. Kept hellos of one worker may take
 * relay.kept_mbufs of it and half of the worker's share at most: a crowd of half-open
 * hellos never takes what established flows and new connections need (the mbufs = 0
 * sizing leaves 4096 at least). */
static uint32_t kept_per_worker(const struct mr_config *conf, unsigned int n_workers,
				uint32_t pool)
{
	uint32_t used = dp_pool_at_rest(conf, n_workers) +
			n_workers * (RTE_MEMPOOL_CACHE_MAX_SIZE + 4u * conf->dataplane.burst);
	uint32_t spare = pool > used ? pool - used : 0;

	return RTE_MIN(conf->relay.kept_mbufs, spare / 2 / n_workers);
}

/* The largest MTU of the ports: every buffer holds one frame of it, no more. A port's MTU
 * changes only with a restart (relay_live.c), so the pool made now serves them all; sized
 * for jumbo frames whatever the ports, it took four times the memory. */
static uint16_t pool_mtu(const struct mr_config *conf)
{
	uint16_t mtu = RTE_ETHER_MTU;

	for (unsigned int i = 0; i < conf->n_ports; i++)
		mtu = RTE_MAX(mtu, drv_pool_mtu(conf->ports[i].device, conf->ports[i].mtu));
	return mtu;
}

static int port_up(struct dp_appliance *app, unsigned int i, char *err, size_t errlen)
{
	const struct mr_port_conf *pc = &app->conf->ports[i];
	struct dp_port *p = &app->ports[i];
	struct drv_port_params params = {
		.rx_queues = pc->queues,
		.tx_queues = (uint16_t)app->n_workers,
		.rx_desc = pc->rx_desc,
		.tx_desc = pc->tx_desc,
		.mtu = pc->mtu,
	};
	char mac[RTE_ETHER_ADDR_FMT_SIZE];

	p->index = (uint16_t)i;
	p->conf = pc;
	p->ipv4 = pc->ipv4;
	p->src_ipv4[0] = pc->ipv4;
	memcpy(&p->src_ipv4[1], pc->source_ipv4, pc->n_source_ipv4 * sizeof(pc->source_ipv4[0]));
	p->n_src_ipv4 = (uint8_t)(1 + pc->n_source_ipv4);
	p->netmask = pc->prefix_len ? ~0u << (32 - pc->prefix_len) : 0;
	p->gateway = pc->gateway;
	mr_config_port_vips(app->conf, i, &p->vip_base, &p->vip_mask);
	p->has_ipv6 = pc->has_ipv6;
	memcpy(p->ipv6, pc->ipv6, sizeof(p->ipv6));
	p->prefix6_len = pc->prefix6_len;
	p->has_gateway6 = pc->has_gateway6;
	memcpy(p->gateway6, pc->gateway6, sizeof(p->gateway6));
	if (drv_port_probe(pc->device, &p->port_id, err, errlen) < 0)
		return -1;
	/* Probed, it is closed at the end even when it never starts: probing af_packet
	 * changed its kernel interface's settings, which only the close puts back. */
	p->probed = true;
	if (drv_port_start(p->port_id, &params, app->pool, &p->caps, err, errlen) < 0)
		return -1;
	p->started = true;
	p->mac = p->caps.mac;
	/* Neighbours solicit our IPv6 address at its solicited-node group: a NIC's
	 * multicast filter would drop them, and no peer on the link could reach us. */
	if (p->has_ipv6 && drv_port_join_ipv6(p->port_id, p->ipv6) < 0)
		mr_log(MR_LOG_WARN, "port %s: takes no IPv6 multicast: neighbour solicitations "
		       "may not arrive", pc->name);
	if (p->caps.rss) {
		p->reta_size = drv_port_reta(p->port_id, p->reta, RTE_DIM(p->reta));
		if (!p->reta_size && pc->queues > 1)
			mr_log(MR_LOG_WARN, "port %s: its RSS redirection table cannot be read (or "
			       "is larger than %u entries, or not a power of two): clients are "
			       "spread by a hash of their own, most handed between workers",
			       pc->name, DRV_RETA_MAX);
		/* The key the device hashes with: ours, or its own when it took another
		 * length. Software that guesses the NIC's queue with a key it does not use
		 * would hand most clients' segments over to another worker. */
		if (p->reta_size && drv_port_rss_key_get(p->port_id, p->rss_key,
							 sizeof(p->rss_key)) < 0) {
			mr_log(MR_LOG_WARN, "port %s: the device does not say its RSS key: clients "
			       "are spread by a hash of their own", pc->name);
			p->reta_size = 0;
		}
	}
	rte_ether_format_addr(mac, sizeof(mac), &p->mac);
	mr_log(MR_LOG_INFO,
	       "port %s: ethdev %u (%s) mac %s, %u rx queue(s)%s, %u tx queue(s), mtu %u, "
	       "offloads rx-ip %d tx-ip %d tx-tcp %d, link %s",
	       pc->name, p->port_id, p->caps.driver, mac, pc->queues, p->caps.rss ? " (RSS)" : "",
	       params.tx_queues, p->caps.mtu, p->caps.rx_ipv4_cksum, p->caps.tx_ipv4_cksum,
	       p->caps.tx_tcp_cksum, drv_port_wait_link(p->port_id, 3000) ? "up" : "down");
	if (pc->exception.enabled)
		return exception_start(p, app->n_workers, app->pool, err, errlen);
	return 0;
}

static void note_no_flow(struct dp_port *p, const char *why)
{
	char driver[sizeof(p->caps.driver)];

	/* A copy: the driver name lives in the same object the note is written to. */
	memcpy(driver, p->caps.driver, sizeof(driver));
	snprintf(p->steer_note, sizeof(p->steer_note), "software dispatch: no rte_flow on %.32s "
		 "(%.128s)", driver, why);
}

/* A port without rte_flow: where it has RSS and more than one worker polls it, aim the
 * RSS at the relay's source ports (rss_steer.h), so the segments coming back need no
 * hand-over; else software dispatch. why: what rte_flow said. */
int dp_port_rss_aim(const struct dp_appliance *app, struct dp_port *p, bool to_device,
		    char *err, size_t errlen)
{
	uint8_t key[RSS_STEER_KEY_LEN];
	struct rss_steer *rs = rss_steer_create(p, app->n_workers, key, err, errlen);

	if (!rs || (to_device && drv_port_rss_key_set(p->port_id, key, sizeof(key), err,
						      errlen) < 0)) {
		rss_steer_free(rs);
		return -1;
	}
	memcpy(p->rss_key, key, sizeof(p->rss_key));
	p->rss_steer = rs;
	return 0;
}

static void no_flow_steering(struct dp_appliance *app, struct dp_port *p, const char *why)
{
	char err[128];

	if (app->n_workers < 2 || !p->reta_size)
		return note_no_flow(p, why);
	if (dp_port_rss_aim(app, p, true, err, sizeof(err)) < 0) {
		mr_log(MR_LOG_INFO, "port %s: relay source ports not aimed by RSS: %s",
		       p->conf->name, err);
		return note_no_flow(p, why);
	}
	snprintf(p->steer_note, sizeof(p->steer_note),
		 "RSS: relay source ports picked for the port's Toeplitz hash (key shaped by "
		 "rte_thash, %u entries), replies reach their worker; no rte_flow (%.96s)",
		 p->reta_size, why);
}

/* Try rte_flow steering on every data port; say in the log which path each one takes. */
static void steering_up(struct dp_appliance *app)
{
	static struct steer_plan plan;
	struct rte_flow *flows[STEER_MAX_RULES];
	char err[128];

	RTE_BUILD_BUG_ON(1 + MR_SOURCE_ADDRS_MAX > STEER_MAX_IPV4);
	for (unsigned int i = 0; i < app->n_ports; i++) {
		struct dp_port *p = &app->ports[i];
		uint32_t ips[STEER_MAX_IPV4];

		for (unsigned int a = 0; a < p->n_src_ipv4; a++)
			ips[a] = rte_cpu_to_be_32(p->src_ipv4[a]);
		if (steer_plan_build(&plan, ips, p->n_src_ipv4, p->has_ipv6 ? p->ipv6 : NULL,
				     app->src_port_first, app->src_port_last, app->n_workers) < 0) {
			snprintf(err, sizeof(err), "%u workers do not split source ports %u-%u by mask",
				 app->n_workers, app->src_port_first, app->src_port_last);
			no_flow_steering(app, p, err);
		} else {
			p->steer_rules = steer_program(p->port_id, &plan, flows, err, sizeof(err));
			if (p->steer_rules > 0)
				snprintf(p->steer_note, sizeof(p->steer_note),
					 "rte_flow: %d rules (source ports by mask %u, %u of %u in "
					 "rules, the rest by RSS; ARP%s to queue 0)",
					 p->steer_rules, app->n_workers - 1, plan.ports_steered,
					 app->src_port_last - app->src_port_first + 1u,
					 p->has_ipv6 ? " and ICMPv6" : "");
			else
				no_flow_steering(app, p, err);
		}
		mr_log(MR_LOG_INFO, "port %s: steering by %s", p->conf->name, p->steer_note);
	}
}

int dp_appliance_up(struct dp_appliance *app, char *err, size_t errlen)
{
	unsigned int lcore, idx = 0;
	uint32_t n_mbufs = pool_size_for(app->conf, app->n_workers, err, errlen);

	if (!n_mbufs)
		return -1;
	app->tsc_per_ms = rte_get_tsc_hz() / 1000;
	app->mld_v1_until_ms = rte_zmalloc("mld_v1", MR_MAX_PORTS * sizeof(uint64_t),
					   RTE_CACHE_LINE_SIZE);
	if (!app->mld_v1_until_ms) {
		snprintf(err, errlen, "MLD state: out of memory");
		return -1;
	}
	if (relay_up(app, err, errlen) < 0)
		return -1;
	app->pool = drv_pool_create("mbuf_pool", n_mbufs, pool_mtu(app->conf), (int)rte_socket_id());
	if (!app->pool) {
		snprintf(err, errlen, "mbuf pool of %u: %s", n_mbufs, rte_strerror(rte_errno));
		return -1;
	}
	app->kept_per_worker = kept_per_worker(app->conf, app->n_workers, n_mbufs);
	mr_log(MR_LOG_INFO, "mbuf pool: %u mbufs, kept hellos up to %u per worker", n_mbufs,
	       app->kept_per_worker);
	for (unsigned int i = 0; i < app->conf->n_ports; i++) {
		app->n_ports = i + 1; /* so that a failure part-way still closes what is open */
		if (port_up(app, i, err, errlen) < 0) {
			char why[512];

			/* Named as the file names it: the ethdev number says nothing to it. */
			snprintf(why, sizeof(why), "%s", err);
			snprintf(err, errlen, "port %s%s: %s", app->conf->ports[i].name,
				 app->ports[i].started ? ", its exception path" : "", why);
			return -1;
		}
	}
	if (pool_left_after_rings(app, err, errlen) < 0)
		return -1;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		app->workers[idx] = dp_worker_create(app, (uint16_t)idx, lcore);
		if (!app->workers[idx]) {
			snprintf(err, errlen, "worker on lcore %u: out of memory", lcore);
			return -1;
		}
		idx++;
	}
	if (dp_workers_assign_queues(app, err, errlen) < 0)
		return -1;
	steering_up(app);
	if (inbox_init(app) < 0) {
		snprintf(err, errlen, "worker inboxes: %s", rte_strerror(rte_errno));
		return -1;
	}
	if (app->n_workers > 1)
		mr_log(MR_LOG_INFO, "%u workers: a relayed segment received by another worker than "
		       "its flow's owner is handed over to it (software dispatch)", app->n_workers);
	return 0;
}

void dp_appliance_down(struct dp_appliance *app)
{
	for (unsigned int i = 0; i < app->n_ports; i++) {
		const struct dp_port *p = &app->ports[i];
		struct rte_flow_error fe;

		if (p->steer_rules > 0)
			rte_flow_flush(p->port_id, &fe);
		rss_steer_free(p->rss_steer);
		app->ports[i].rss_steer = NULL;
		if (p->has_kernel)
			drv_port_close(p->kernel_port_id);
		if (!p->probed)
			continue;
		if (p->started)
			drv_port_print_stats(p->port_id, p->conf->name, stderr);
		drv_port_close(p->port_id);
	}
	dp_counters_print(app, stderr);
	for (unsigned int w = 0; w < app->n_workers; w++)
		dp_worker_free(app->workers[w]);
	relay_down(app);
	rte_free(app->mld_v1_until_ms);
	app->mld_v1_until_ms = NULL;
	/* Every mbuf is back now (ports closed, flows and queues freed): the pool can go, and
	 * another appliance in the same process can make its own (the unit suites do). */
	rte_mempool_free(app->pool);
	app->pool = NULL;
}

