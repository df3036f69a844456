/* SPDX-License-Identifier: BSD-3-Clause */
#include "host_settings.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int drv_proc_write(const char *path, const char *value)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (!f)
		return -1;
	rc = fputs(value, f) < 0 ? -1 : 0;
	return fclose(f) == 0 ? rc : -1;
}

int drv_proc_read(const char *path, char *out, size_t cap)
{
	FILE *f = fopen(path, "r");
	bool ok = f && fgets(out, (int)cap, f) != NULL;

	if (f)
		fclose(f);
	return ok ? 0 : -1;
}

#define KEPT_MAX 8192 /* a few lines a port: far more than any appliance changes */

static char host_dir[200] = DRV_HOST_DIR;

void drv_host_settings_dir(const char *dir)
{
	snprintf(host_dir, sizeof(host_dir), "%s", dir ? dir : DRV_HOST_DIR);
}

/* The file of this network namespace: its lines are "PATH VALUE". */
static void kept_file(char *out, size_t cap)
{
	struct stat st;
	unsigned long ns = stat("/proc/self/ns/net", &st) == 0 ? (unsigned long)st.st_ino : 0;

	snprintf(out, cap, "%s/host-settings.%lu", host_dir, ns);
}

/* The file's lines into buf (cap bytes, NUL-terminated; "" when there is none). */
static void kept_read(char *buf, size_t cap)
{
	char file[256];
	FILE *f;
	size_t n = 0;

	kept_file(file, sizeof(file));
	f = fopen(file, "r");
	if (f) {
		n = fread(buf, 1, cap - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
}

/* Replace the file with buf whole (written beside it, then renamed over it); removed when
 * buf is empty. Best effort: a host without the directory keeps nothing. */
static void kept_write(const char *buf)
{
	char file[256], tmp[264];
	FILE *f;

	kept_file(file, sizeof(file));
	if (!*buf) {
		unlink(file);
		return;
	}
	mkdir(host_dir, 0755);
	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	f = fopen(tmp, "w");
	if (!f)
		return;
	if (fputs(buf, f) < 0 || fclose(f) != 0) {
		unlink(tmp);
		return;
	}
	rename(tmp, file);
}

/* The line of path in buf, or NULL. */
static char *kept_line(char *buf, const char *path)
{
	size_t n = strlen(path);

	for (char *line = buf; *line;) {
		char *next = strchr(line, '\n');

		if (strncmp(line, path, n) == 0 && line[n] == ' ')
			return line;
		if (!next)
			break;
		line = next + 1;
	}
	return NULL;
}

/* The kept line of path dropped from the file, if it has one. */
static void kept_forget(const char *path)
{
	char kept[KEPT_MAX];
	char *line;

	kept_read(kept, sizeof(kept));
	line = kept_line(kept, path);
	if (line) {
		char *rest = strchr(line, '\n');

		rest = rest ? rest + 1 : line + strlen(line);
		memmove(line, rest, strlen(rest) + 1);
		kept_write(kept);
	}
}

int drv_host_set(const char *path, const char *value, char *old, size_t cap)
{
	char kept[KEPT_MAX];
	const char *line;
	bool kept_now = false;
	int saved;

	kept_read(kept, sizeof(kept));
	line = kept_line(kept, path);
	old[0] = '\0';
	if (line) {
		const char *v = line + strlen(path) + 1;

		snprintf(old, cap, "%.*s", (int)strcspn(v, "\n"), v);
	} else if (drv_proc_read(path, old, cap) == 0) {
		size_t at = strlen(kept);

		old[strcspn(old, "\n")] = '\0';
		if (*old && at + strlen(path) + strlen(old) + 3 < sizeof(kept)) {
			snprintf(kept + at, sizeof(kept) - at, "%s %s\n", path, old);
			kept_write(kept);
			kept_now = true;
		}
	}
	if (drv_proc_write(path, value) == 0)
		return 0;
	/* Kept before the write (a crash between them must not lose the host's value), and
	 * forgotten when it was refused: nothing changed, and a later run would else write
	 * this value back over whatever the host set since. */
	saved = errno;
	if (kept_now)
		kept_forget(path);
	errno = saved;
	return -1;
}

int drv_host_restore(const char *path, const char *old)
{
	if (drv_proc_write(path, old) < 0)
		return -1;
	kept_forget(path);
	return 0;
}
