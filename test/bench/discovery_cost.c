/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-discovery: what meshrelay-cp spends on a large mesh's exported names, in wall
 * seconds: GATEWAYS registrations of one remote network, NAMES names each (TLS, or plain
 * TCP services with --plain), turned into imported routes (cp_discovery_imports), then
 * composed and validated as the pushed configuration (cp_conf_set_learned) twice, the
 * second time beside the first's imports as a discovery event after another does.
 * Usage: bench-discovery GATEWAYS NAMES [--plain]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cp_conf.h"
#include "cp_discovery.h"
#include "mr_config.h"

static double seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A gateway's file: one remote network, a VIP range wide enough for any plain names. */
static int write_conf(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "dataplane = { control_socket = \"/tmp/bench-discovery.sock\"; };\n"
		"ports = ( { name = \"edge\"; device = \"net_null0\"; ipv4 = \"10.0.0.1/24\"; } );\n"
		"listeners = ( { name = \"tls\"; port = \"edge\"; tcp_port = 443; } );\n"
		"networks = ( { name = \"blue\"; local = true; }, { name = \"red\"; } );\n"
		"pools = ( { name = \"p\"; members = ( { address = \"10.0.0.5\"; port = 22; } ); } );\n"
		"dns = { port = \"edge\"; zones = [ \"mesh.test\" ]; vip_range = \"241.0.0.0/8\"; };\n"
		"gateway = { id = \"g\"; };\n"
		"discovery = { endpoints = [ \"http://127.0.0.1:2379\" ]; };\n");
	return fclose(f);
}

int main(int argc, char **argv)
{
	char path[] = "/tmp/bench-discovery-XXXXXX", err[512];
	unsigned int gateways, names, n;
	bool plain = argc > 3 && strcmp(argv[3], "--plain") == 0;
	struct cp_discovery d = { 0 };
	struct cp_conf c = { 0 };
	struct mr_route_conf *routes;
	struct cp_import *imports;
	double t0, t1, t2, t3;
	int fd, rc;

	if (argc < 3) {
		fprintf(stderr, "usage: bench-discovery GATEWAYS NAMES [--plain]\n");
		return 2;
	}
	gateways = (unsigned int)atoi(argv[1]);
	names = (unsigned int)atoi(argv[2]);
	fd = mkstemp(path);
	if (fd >= 0)
		close(fd);
	if (fd < 0 || write_conf(path) < 0 || cp_conf_load(&c, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench-discovery: %s\n", fd < 0 ? "no scratch file" : err);
		return 1;
	}
	d.gateways = calloc(gateways + 1, sizeof(*d.gateways));
	routes = calloc(65536 + 1, sizeof(*routes));
	imports = calloc(65536 + 1, sizeof(*imports));
	if (!d.gateways || !routes || !imports)
		return 1;
	d.n_gateways = gateways;
	for (unsigned int g = 0; g < gateways; g++) {
		struct disc_gateway *r = &d.gateways[g];
		size_t at = 0;

		snprintf(r->id, sizeof(r->id), "gw-%u", g);
		snprintf(r->network, sizeof(r->network), "red");
		for (unsigned int s = 0; s < names && at + 64 < sizeof(r->services); s++, r->n_services++)
			at += (size_t)snprintf(r->services + at, sizeof(r->services) - at,
					       "n%u-%u.red.mesh.test%s", g, s, plain ? ":22" : "") + 1;
	}
	t0 = seconds();
	n = cp_discovery_imports(&d, &c.conf, routes, 65536);
	t1 = seconds();
	for (unsigned int i = 0; i < n; i++) {
		snprintf(imports[i].sni, sizeof(imports[i].sni), "%s", routes[i].sni);
		snprintf(imports[i].network, sizeof(imports[i].network), "red");
		free(routes[i].sni);
	}
	rc = cp_conf_set_learned(&c, NULL, 0, imports, n, err, sizeof(err));
	t2 = seconds();
	imports[0].sni[0] = 'x'; /* one name changed: composed and validated again */
	if (rc >= 0)
		rc = cp_conf_set_learned(&c, NULL, 0, imports, n, err, sizeof(err));
	t3 = seconds();
	printf("names=%u imports_s=%.3f learned_s=%.3f learned_again_s=%.3f%s%s\n", n, t1 - t0,
	       t2 - t1, t3 - t2, rc < 0 ? " refused: " : "", rc < 0 ? err : "");
	unlink(path);
	return rc < 0;
}
