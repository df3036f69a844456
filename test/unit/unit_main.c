/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * unit-foundation: CUnit runner for the data-plane foundation modules. EAL is started
 * once without hugepages or PCI because the neighbour cache allocates from DPDK memory;
 * lcore 1 gives the relay-path suite its worker (driven from this thread, never launched).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <rte_eal.h>

#include "unit.h"

int main(void)
{
	char prefix[64];
	char *eal_argv[] = { "unit-foundation", "-l", "0-1", "--no-pci", "--no-huge", "-m", "384",
			     "--no-telemetry", "--log-level", "lib.eal:error", "--file-prefix",
			     prefix, NULL };
	unsigned int failed;

	snprintf(prefix, sizeof(prefix), "unit-foundation-%d", (int)getpid());
	if (rte_eal_init((int)(sizeof(eal_argv) / sizeof(eal_argv[0])) - 1, eal_argv) < 0) {
		fprintf(stderr, "EAL did not start\n");
		return 1;
	}
	if (CU_initialize_registry() != CUE_SUCCESS || test_config_register() < 0 ||
	    test_ipv4_check_register() < 0 || test_neigh_register() < 0 ||
	    test_relay_units_register() < 0 || test_flow_register() < 0 ||
	    test_flow_wheel_register() < 0 ||
	    test_steer_register() < 0 || test_relay_path_register() < 0 ||
	    test_relay_burst_register() < 0 || test_nd_register() < 0 ||
	    test_mld_register() < 0 || test_announce_register() < 0 || test_relay_vips_register() < 0 || test_relay_full_register() < 0 || test_relay_handshake_register() < 0 || test_host_settings_register() < 0 || test_mgmt_restart_register() < 0 ||
	    test_relay_live_register() < 0 || test_relay_hardening_register() < 0 ||
	    test_relay_guard_register() < 0 || test_icmp_error_register() < 0 ||
	    test_relay_pmtu_register() < 0 || test_relay_tx_register() < 0 ||
	    test_inbox_register() < 0 || test_gen_wheel_register() < 0 ||
	    test_relay_health_register() < 0 || test_relay_dns_register() < 0 ||
	    test_relay_plain_register() < 0 || test_relay_gateway_register() < 0 ||
	    test_relay_synack_register() < 0 ||
	    test_relay_stop_register() < 0 ||
	    test_relay_sources_register() < 0 ||
	    test_port_pause_register() < 0 ||
	    test_connlog_register() < 0 ||
	    test_metrics_register() < 0 || test_mgmt_command_register() < 0) {
		fprintf(stderr, "CUnit registry: %s\n", CU_get_error_msg());
		return 1;
	}
	failed = unit_run_all();
	rte_eal_cleanup(); /* the runner script removes /var/run/dpdk/unit-foundation-* */
	return failed ? 1 : 0;
}
