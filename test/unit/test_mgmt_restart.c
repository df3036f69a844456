/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "mgmt_restart": the settings a push keeps for the next start, named as the file
 * names them, each once, in a list cut short with "..." when it does not fit. */
#include <stdlib.h>
#include <string.h>

#include "mgmt_restart.h"
#include "unit.h"

static struct mr_config a, b;

static void test_named_once_each(void)
{
	char out[256];

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	CU_ASSERT_EQUAL(mgmt_restart_changes(&a, &b, out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "");
	/* A routes-only difference is not one of them. */
	b.n_routes = 3;
	CU_ASSERT_EQUAL(mgmt_restart_changes(&a, &b, out, sizeof(out)), 0);
	b.relay.src_port_first = 20000; /* both fields of one setting: named once */
	b.relay.src_port_last = 29999;
	a.dataplane.n_eal_args = b.dataplane.n_eal_args = 1;
	strcpy(a.dataplane.eal_args[0], "-l");
	strcpy(b.dataplane.eal_args[0], "-c");
	strcpy(b.metrics.address, "127.0.0.1");
	strcpy(a.log.connections, "/var/log/a");
	strcpy(b.log.connections, "/var/log/a"); /* the same text: no difference */
	CU_ASSERT_EQUAL(mgmt_restart_changes(&a, &b, out, sizeof(out)), 3);
	CU_ASSERT_STRING_EQUAL(out, "relay.source_ports, dataplane.eal, metrics.listen");
	/* What does not fit is cut short, and says so; the count is whole. */
	CU_ASSERT_EQUAL(mgmt_restart_changes(&a, &b, out, 24), 3);
	CU_ASSERT_EQUAL(strlen(out), 23);
	CU_ASSERT_STRING_EQUAL(out + 20, "...");
}

int test_mgmt_restart_register(void)
{
	static const CU_TestInfo tests[] = {
		{ "settings named once each, cut short when long", test_named_once_each },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite("mgmt_restart", tests);
}
