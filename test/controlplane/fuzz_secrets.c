/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target for the TURN credentials file (cp_secrets_load): any bytes, written to
 * a file of mode 600, read or refused; a refusal names the file and never quotes a
 * password; what is read is found again by server name. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cp_secrets.h"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_secrets: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct cp_secrets s = { 0 };
	char err[512] = "";
	int fd;

	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/fuzz-secrets.%d", (int)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	check(fd >= 0 && write(fd, data, size) == (ssize_t)size && close(fd) == 0,
	      "the scratch file could not be written");
	if (cp_secrets_load(path, &s, err, sizeof(err)) < 0) {
		check(strncmp(err, path, strlen(path)) == 0, "a refusal does not name the file");
		check(s.n == 0, "a refusal left entries behind");
	} else {
		for (unsigned int i = 0; i < s.n; i++) {
			check(cp_secrets_find(&s, s.v[i].server) == &s.v[i], "an entry not found");
			check(s.v[i].password[0] && s.v[i].user[0], "an entry without a user or password");
		}
	}
	cp_secrets_free(&s);
	unlink(path);
	return 0;
}
