/* SPDX-License-Identifier: BSD-3-Clause */
/* Captured ClientHellos stored as files named CLIENT__EXPECTED-SNI.hello. */
#ifndef MR_TEST_HELLO_FIXTURES_H
#define MR_TEST_HELLO_FIXTURES_H

#include <stdint.h>

#define FIXTURE_MAX 64
#define FIXTURE_BYTES 16384

struct hello_fixture {
	char file[256];
	char expected_sni[256]; /* "" when the client sent no SNI */
	uint8_t bytes[FIXTURE_BYTES];
	uint32_t len;
};

/* The fixture directory: $MR_HELLO_DIR if set, else the one given at build time. */
const char *fixture_dir(void);

/* Loads up to max fixtures from dir, sorted by file name; returns how many (-1 when the
 * directory cannot be read). */
int fixture_load_all(const char *dir, struct hello_fixture *out, int max);

#endif
