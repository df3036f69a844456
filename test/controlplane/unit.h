/* SPDX-License-Identifier: BSD-3-Clause */
/* Suites of the control-plane unit-test runner; each registers its CUnit suite. */
#ifndef CP_UNIT_H
#define CP_UNIT_H

#include <CUnit/CUnit.h>

#include "cunit_suite.h"

/* Each returns 0 when its suite and tests were added to the CUnit registry. */
int test_proto_register(void);
int test_ctl_io_register(void);
int test_cp_register(void);
int test_link_register(void);
int test_ctl_register(void);
int test_json_register(void);
int test_http_register(void);
int test_stun_register(void);
int test_mesh_register(void);
int test_turn_register(void);
int test_turn_nonce_register(void);
int test_common_register(void);
int test_http_serve_register(void);
int test_readback_register(void);
int test_codecs_register(void);
int test_discovery_register(void);
int test_services_register(void);

/* A fresh path under a per-run temporary directory (for sockets and files). */
const char *unit_path(const char *name);

/* Create or replace the file at path holding text (the test stops when it cannot). */
void unit_write_file(const char *path, const char *text);

#endif
