/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "host_settings": the host's kernel settings the data plane changes, kept until put
 * back, on plain files standing for /proc/sys ones in a scratch directory: a run that
 * crashed leaves the host's value kept, and the next run takes that, not its
 * predecessor's, as the host's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host_settings.h"
#include "unit.h"

static char dir[] = "/tmp/mr-host-XXXXXX";

static int suite_init(void)
{
	if (!mkdtemp(dir))
		return -1;
	drv_host_settings_dir(dir);
	return 0;
}

static int suite_clean(void)
{
	char cmd[64];

	drv_host_settings_dir(NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A setting file at name in the scratch directory holding value. */
static const char *setting(const char *name, const char *value, char *path, size_t cap)
{
	snprintf(path, cap, "%s/%s", dir, name);
	CU_ASSERT_EQUAL_FATAL(drv_proc_write(path, value), 0);
	return path;
}

static const char *read_back(const char *path)
{
	static char v[64];

	if (drv_proc_read(path, v, sizeof(v)) < 0)
		return "";
	v[strcspn(v, "\n")] = '\0';
	return v;
}

/* Set, crash (the next run sets again without putting back), then a clean stop: the
 * host's own values come back, a tab inside one (the port range) kept. Before, the second
 * run took arp_ignore 8 and the moved range as the host's, and put those back. */
static void test_crash_then_clean_stop(void)
{
	char a[128], r[128], old[32];

	setting("arp_ignore", "0\n", a, sizeof(a));
	setting("ip_local_port_range", "32768\t60999\n", r, sizeof(r));
	CU_ASSERT_EQUAL(drv_host_set(a, "8", old, sizeof(old)), 0);
	CU_ASSERT_STRING_EQUAL(old, "0");
	CU_ASSERT_EQUAL(drv_host_set(r, "60000 65535\n", old, sizeof(old)), 0);
	CU_ASSERT_STRING_EQUAL(old, "32768\t60999");
	CU_ASSERT_STRING_EQUAL(read_back(a), "8");
	/* The next run, after a crash. */
	CU_ASSERT_EQUAL(drv_host_set(a, "8", old, sizeof(old)), 0);
	CU_ASSERT_STRING_EQUAL(old, "0");
	CU_ASSERT_EQUAL(drv_host_set(r, "60000 65535\n", old, sizeof(old)), 0);
	CU_ASSERT_STRING_EQUAL(old, "32768\t60999");
	/* Its clean stop. */
	CU_ASSERT_EQUAL(drv_host_restore(a, "0"), 0);
	CU_ASSERT_EQUAL(drv_host_restore(r, old), 0);
	CU_ASSERT_STRING_EQUAL(read_back(a), "0");
	CU_ASSERT_STRING_EQUAL(read_back(r), "32768\t60999");
	/* Nothing kept any more: a value changed by the host since is the host's. */
	setting("arp_ignore", "2\n", a, sizeof(a));
	CU_ASSERT_EQUAL(drv_host_set(a, "8", old, sizeof(old)), 0);
	CU_ASSERT_STRING_EQUAL(old, "2");
	CU_ASSERT_EQUAL(drv_host_restore(a, old), 0);
}

/* A setting that refuses the write: -1, and nothing of it kept past a put back. */
static void test_refused_write(void)
{
	char path[128], old[32];

	snprintf(path, sizeof(path), "%s/no-such-dir/setting", dir);
	CU_ASSERT_EQUAL(drv_host_set(path, "1", old, sizeof(old)), -1);
	CU_ASSERT_STRING_EQUAL(old, "");
	CU_ASSERT_EQUAL(drv_host_restore(path, "0"), -1);
}

/* A setting that can be read but refuses the write (the kernel's release is read-only,
 * even to root): nothing is kept of it. Before, its value stayed kept as the host's, and a
 * later run's clean stop would have written it back over what the host set since. */
static void test_refused_write_keeps_nothing(void)
{
	char old[64], file[256];
	struct stat st;

	CU_ASSERT_EQUAL(drv_host_set("/proc/sys/kernel/osrelease", "x", old, sizeof(old)), -1);
	CU_ASSERT_NOT_EQUAL(old[0], '\0');
	CU_ASSERT_EQUAL_FATAL(stat("/proc/self/ns/net", &st), 0);
	snprintf(file, sizeof(file), "%s/host-settings.%lu", dir, (unsigned long)st.st_ino);
	CU_ASSERT_NOT_EQUAL(access(file, F_OK), 0);
}

int test_host_settings_register(void)
{
	static const CU_TestInfo tests[] = {
		{ "a crashed run's settings: the host's values come back", test_crash_then_clean_stop },
		{ "a setting that refuses the write", test_refused_write },
		{ "a readable setting that refuses the write: nothing kept",
		  test_refused_write_keeps_nothing },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite_with("host_settings", suite_init, suite_clean, tests);
}
