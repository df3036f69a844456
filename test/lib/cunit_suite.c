#include "cunit_suite.h"

int unit_add_suite(const char *name, const CU_TestInfo *tests)
{
	CU_pSuite suite = CU_add_suite(name, NULL, NULL);

	if (!suite)
		return -1;
	for (const CU_TestInfo *t = tests; t->pName; t++)
		if (!CU_add_test(suite, t->pName, t->pTestFunc))
			return -1;
	return 0;
}
