/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target for the configuration reader: mr_config_load_string takes a pushed file
 * from whoever may use the control socket. Besides surviving any text: a refusal says
 * where ("name:line: reason") and leaves the held configuration as it was; a file taken
 * is taken again the same. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mr_config.h"
#include "mr_log.h"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_config: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int quiet;
	struct mr_config held = { 0 }, again = { 0 };
	char *text = malloc(size + 1), err[MR_ERR_MAX] = "";
	unsigned int ports;

	if (!quiet++)
		mr_log_init("fuzz_config", MR_LOG_ERR, false); /* its warnings are not findings */
	memcpy(text, data, size);
	text[size] = '\0';
	if (mr_config_load_string(text, "fuzz", &held, err, sizeof(err)) < 0) {
		check(strncmp(err, "fuzz", 4) == 0 && strchr(err, ':'), "a refusal names no place");
		check(held.n_ports == 0, "a refusal left a configuration behind");
	} else {
		ports = held.n_ports;
		check(ports >= 1, "a file was taken without a port");
		check(mr_config_load_string(text, "fuzz", &again, err, sizeof(err)) == 0,
		      "a file taken once was refused the second time");
		check(again.n_ports == ports && again.n_routes == held.n_routes,
		      "a file was read two ways");
	}
	mr_config_free(&held);
	mr_config_free(&again);
	free(text);
	return 0;
}
