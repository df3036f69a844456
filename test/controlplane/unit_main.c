/* SPDX-License-Identifier: BSD-3-Clause */
/* unit-controlplane: CUnit runner for the control socket protocol, meshrelay-cp and
 * meshrelayctl logic. No DPDK: these run without a data plane. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "mr_log.h"
#include "unit.h"

static char tmp_dir[64];

const char *unit_path(const char *name)
{
	static char path[4][128];
	static unsigned int next;
	char *p = path[next++ % 4];

	snprintf(p, sizeof(path[0]), "%s/%s", tmp_dir, name);
	unlink(p);
	return p;
}

void unit_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CU_ASSERT_FATAL(f != NULL);
	fputs(text, f);
	fclose(f);
}

/* The temporary directory holds plain files and sockets only. */
static void remove_tmp_dir(void)
{
	DIR *d = opendir(tmp_dir);
	struct dirent *e;
	char path[384];

	while (d && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmp_dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(tmp_dir);
}

int main(void)
{
	unsigned int failed;

	snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/unit-controlplane.XXXXXX");
	if (!mkdtemp(tmp_dir)) {
		perror("mkdtemp");
		return 1;
	}
	mr_log_init("unit-controlplane", MR_LOG_ERR, false); /* the suites provoke warnings */
	if (CU_initialize_registry() != CUE_SUCCESS || test_proto_register() < 0 || test_ctl_io_register() < 0 ||
	    test_cp_register() < 0 || test_link_register() < 0 || test_ctl_register() < 0 ||
	    test_json_register() < 0 || test_http_register() < 0 ||
	    test_stun_register() < 0 || test_mesh_register() < 0 || test_services_register() < 0 ||
	    test_turn_register() < 0 || test_turn_nonce_register() < 0 ||
	    test_common_register() < 0 ||
	    test_http_serve_register() < 0 || test_readback_register() < 0 ||
	    test_codecs_register() < 0 || test_discovery_register() < 0) {
		fprintf(stderr, "CUnit registry: %s\n", CU_get_error_msg());
		return 1;
	}
	failed = unit_run_all();
	remove_tmp_dir();
	return failed ? 1 : 0;
}
