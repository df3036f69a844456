/* SPDX-License-Identifier: BSD-3-Clause */
#include "cunit_suite.h"

#include <CUnit/Basic.h>

int unit_add_suite(const char *name, const CU_TestInfo *tests)
{
	return unit_add_suite_with(name, NULL, NULL, tests);
}

int unit_add_suite_with(const char *name, CU_InitializeFunc init, CU_CleanupFunc cleanup,
			const CU_TestInfo *tests)
{
	CU_pSuite suite = CU_add_suite(name, init, cleanup);

	if (!suite)
		return -1;
	for (const CU_TestInfo *t = tests; t->pName; t++)
		if (!CU_add_test(suite, t->pName, t->pTestFunc))
			return -1;
	return 0;
}

unsigned int unit_run_all(void)
{
	unsigned int failed;

	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	/* A suite whose set-up failed ran none of its tests: that is a failure too. */
	failed = CU_get_number_of_tests_failed() + CU_get_number_of_failures() +
		 CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return failed;
}
