/* SPDX-License-Identifier: BSD-3-Clause */
/* Suites of the foundation unit-test runner; each registers its CUnit suite. */
#ifndef UNIT_H
#define UNIT_H

#include <CUnit/CUnit.h>

#include "cunit_suite.h"

/* Each returns 0 when its suite and tests were added to the CUnit registry. */
int test_config_register(void);
int test_ipv4_check_register(void);
int test_nd_register(void);
int test_mld_register(void);
int test_announce_register(void);
int test_relay_vips_register(void);
int test_relay_full_register(void);
int test_relay_handshake_register(void);
int test_host_settings_register(void);
int test_mgmt_restart_register(void);
int test_neigh_register(void);
int test_relay_units_register(void);
int test_flow_register(void);
int test_flow_wheel_register(void);
int test_steer_register(void);
int test_relay_path_register(void);
int test_relay_burst_register(void);
int test_relay_live_register(void);
int test_relay_hardening_register(void);
int test_relay_health_register(void);
int test_relay_dns_register(void);
int test_relay_plain_register(void);
int test_relay_gateway_register(void);
int test_relay_synack_register(void);
int test_relay_stop_register(void);
int test_relay_sources_register(void);
int test_port_pause_register(void);
int test_connlog_register(void);
int test_metrics_register(void);
int test_mgmt_command_register(void);
int test_relay_guard_register(void);
int test_icmp_error_register(void);
int test_relay_pmtu_register(void);
int test_relay_tx_register(void);
int test_inbox_register(void);
int test_gen_wheel_register(void);

#endif
