/* SPDX-License-Identifier: BSD-3-Clause */
/* Registering a CUnit suite from a NULL-terminated table: shared by the unit runners. */
#ifndef CUNIT_SUITE_H
#define CUNIT_SUITE_H

#include <CUnit/CUnit.h>

/* Add a suite and its NULL-terminated tests; 0 or -1. */
int unit_add_suite(const char *name, const CU_TestInfo *tests);

/* The same with the suite's set-up and tear-down (CUnit skips the suite when init fails). */
int unit_add_suite_with(const char *name, CU_InitializeFunc init, CU_CleanupFunc cleanup,
			const CU_TestInfo *tests);

/* Run every registered suite verbosely, release the registry; returns the number of
 * failed tests and assertions (0: all passed). */
unsigned int unit_run_all(void);

#endif
