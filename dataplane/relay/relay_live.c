#include "relay_live.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <rte_rcu_qsbr.h>

#include "dp.h"
#include "mr_log.h"
#include "mr_routes.h"

static int ports_match(const struct dp_appliance *app, const struct mr_config *conf,
		       char *err, size_t errlen)
{
	if (conf->n_ports != app->n_ports) {
		snprintf(err, errlen, "%s: %u port(s) where the data plane runs %u: ports change "
			 "only with a restart", conf->source, conf->n_ports, app->n_ports);
		return -1;
	}
	for (unsigned int i = 0; i < conf->n_ports; i++) {
		if (strcmp(conf->ports[i].name, app->ports[i].conf->name) != 0) {
			snprintf(err, errlen, "%s: port %u is '%s' where the data plane runs '%s': "
				 "ports change only with a restart", conf->source, i,
				 conf->ports[i].name, app->ports[i].conf->name);
			return -1;
		}
	}
	return 0;
}

int relay_live_build(const struct dp_appliance *app, struct mr_config *conf, uint32_t generation,
		  struct relay_live **out, char *err, size_t errlen)
{
	struct relay_live *live;
	struct timeval tv;

	if (app && ports_match(app, conf, err, errlen) < 0)
		return -1;
	live = calloc(1, sizeof(*live));
	if (!live) {
		snprintf(err, errlen, "%s: out of memory", conf->source);
		return -1;
	}
	if (mr_routes_build(conf, &live->routes, err, errlen) < 0) {
		free(live);
		return -1;
	}
	for (unsigned int i = 0; i < conf->n_listeners; i++) {
		const struct mr_listener_conf *l = &conf->listeners[i];

		live->listen[l->port_index][l->tcp_port >> 6] |= 1ull << (l->tcp_port & 63);
	}
	live->generation = generation;
	gettimeofday(&tv, NULL);
	live->applied_us = (uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec;
	live->conf = *conf;
	memset(conf, 0, sizeof(*conf)); /* the arrays now belong to live->conf */
	*out = live;
	return 0;
}

void relay_live_free(struct relay_live *live)
{
	if (!live)
		return;
	route_table_free(live->routes);
	mr_config_free(&live->conf);
	free(live);
}

void relay_live_swap(struct dp_appliance *app, struct relay_live *live)
{
	struct relay_live *old = (struct relay_live *)(uintptr_t)app->live;

	__atomic_store_n(&app->live, live, __ATOMIC_RELEASE);
	/* Every worker passes a quiescent state once per poll loop: after this returns none
	 * can still hold a pointer into the old tables. */
	if (app->qsbr)
		rte_rcu_qsbr_synchronize(app->qsbr, RTE_QSBR_THRID_INVALID);
	relay_live_free(old);
}
