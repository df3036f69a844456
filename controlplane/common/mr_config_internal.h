/* SPDX-License-Identifier: BSD-3-Clause */
/* Sections of the configuration parsed outside mr_config.c. Internal. */
#ifndef MR_CONFIG_INTERNAL_H
#define MR_CONFIG_INTERNAL_H

#include "mr_config.h"
#include "mr_config_util.h"

/* ports: devices, addresses, gateways, sizes and exception paths, and what two ports may
 * not share. */
int cfg_ports(struct cfg_ctx *ctx, const config_setting_t *root, struct mr_config *c);

/* dataplane: EAL, buffers, burst, control socket, neighbour cache. */
int cfg_dataplane(struct cfg_ctx *ctx, const config_setting_t *root, struct mr_dataplane_conf *d);

/* relay: flow table, timeouts, source ports, and what one peer may make it hold. */
int cfg_relay(struct cfg_ctx *ctx, const config_setting_t *root, struct mr_relay_conf *r);

/* pools: their members and health (after the ports, which say what a member can be). */
int cfg_pools(struct cfg_ctx *ctx, const config_setting_t *root, struct mr_config *c);

/* The 'health' group of owner (a pool, or a network for its gateways) into h, defaults
 * where absent. */
int cfg_health(struct cfg_ctx *ctx, const config_setting_t *owner, struct mr_health_conf *h);

/* networks, pools, routes and mangled: parsed into c, names resolved to indices. */
int cfg_routing(struct cfg_ctx *ctx, const config_setting_t *root, struct mr_config *c);

/* dns: where and for which zones the data plane answers; after the ports. */
int cfg_dns(struct cfg_ctx *ctx, const config_setting_t *root, struct mr_config *c);

/* gateway, turn, discovery and gateways (the remote ones); after cfg_routing. */
int cfg_mesh(struct cfg_ctx *ctx, const config_setting_t *root, struct mr_config *c);

#endif
