/* SPDX-License-Identifier: BSD-3-Clause */
/* Fixture loading for the tests and the benchmark. */
#include "hello_fixtures.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef MR_HELLO_DIR
#define MR_HELLO_DIR "test/classifier/fixtures"
#endif

const char *fixture_dir(void)
{
	const char *env = getenv("MR_HELLO_DIR");

	return env != NULL && env[0] != '\0' ? env : MR_HELLO_DIR;
}

static int by_file_name(const void *a, const void *b)
{
	return strcmp(((const struct hello_fixture *)a)->file,
		      ((const struct hello_fixture *)b)->file);
}

/* CLIENT__SNI.hello -> SNI; false when the name does not follow the convention. */
static int expected_from_name(const char *file, char *sni, size_t sni_size)
{
	const char *sep = strstr(file, "__");
	size_t len = strlen(file);

	if (sep == NULL || len < 6 || strcmp(file + len - 6, ".hello") != 0)
		return 0;
	size_t n = (size_t)(file + len - 6 - (sep + 2));
	if (n >= sni_size)
		return 0;
	memcpy(sni, sep + 2, n);
	sni[n] = '\0';
	return 1;
}

static int load_one(const char *dir, const char *file, struct hello_fixture *f)
{
	char path[4096];
	FILE *fp;

	if (!expected_from_name(file, f->expected_sni, sizeof(f->expected_sni)))
		return 0;
	snprintf(f->file, sizeof(f->file), "%s", file);
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fp = fopen(path, "rb");
	if (fp == NULL)
		return 0;
	f->len = (uint32_t)fread(f->bytes, 1, sizeof(f->bytes), fp);
	fclose(fp);
	return f->len > 0;
}

int fixture_load_all(const char *dir, struct hello_fixture *out, int max)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while (n < max && (e = readdir(d)) != NULL)
		if (e->d_name[0] != '.' && load_one(dir, e->d_name, &out[n]))
			n++;
	closedir(d);
	qsort(out, (size_t)n, sizeof(*out), by_file_name);
	return n;
}
