/* SPDX-License-Identifier: BSD-3-Clause */
/* unit-classifier: CUnit runner for the classifier suites. Exit status 0 only when every
 * test passed. */
#include <CUnit/Basic.h>
#include <stdio.h>

#include "test_suites.h"

int main(void)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	if (suite_sni_parse() || suite_sni_mangle() || suite_route_table() || suite_tls_hello() ||
	    suite_dns_msg() || suite_vip_alloc() || suite_route_services() ||
	    suite_proxy_v2_read()) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
