/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "common": the small helpers every process links: the monotonic clock, the
 * big-endian loads and stores, bounded file reads, the pid file. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mr_bytes.h"
#include "mr_clock.h"
#include "mr_pidfile.h"
#include "mr_textfile.h"
#include "unit.h"

/* Never backwards; the two resolutions are the same clock; a sleep is seen whole. */
static void test_clock(void)
{
	uint64_t ms = mr_clock_ms(), us = mr_clock_us(), later;

	CU_ASSERT(ms > 0);
	CU_ASSERT(us / 1000 >= ms && us / 1000 - ms < 1000);
	usleep(20 * 1000);
	later = mr_clock_ms();
	CU_ASSERT(later - ms >= 20 && later - ms < 5000);
	CU_ASSERT(mr_clock_us() - us >= 20 * 1000);
}

/* Network order at every offset of a buffer, odd ones included, and nothing around the
 * value touched. */
static void test_bytes(void)
{
	static const uint8_t want16[2] = { 0xa1, 0x02 }, want32[4] = { 0xf1, 0x02, 0x83, 0x04 };
	uint8_t buf[12];

	for (size_t off = 0; off + 4 <= sizeof(buf); off++) {
		memset(buf, 0x55, sizeof(buf));
		mr_store_be16(buf + off, 0xa102);
		CU_ASSERT_EQUAL(memcmp(buf + off, want16, 2), 0);
		CU_ASSERT_EQUAL(mr_load_be16(buf + off), 0xa102);
		CU_ASSERT_EQUAL(buf[off + 2], 0x55);
		CU_ASSERT(off == 0 || buf[off - 1] == 0x55);
		mr_store_be32(buf + off, 0xf1028304u);
		CU_ASSERT_EQUAL(memcmp(buf + off, want32, 4), 0);
		CU_ASSERT_EQUAL(mr_load_be32(buf + off), 0xf1028304u);
		CU_ASSERT_EQUAL(mr_load_be16(buf + off + 2), 0x8304);
		CU_ASSERT(off + 4 == sizeof(buf) || buf[off + 4] == 0x55);
		CU_ASSERT(off == 0 || buf[off - 1] == 0x55);
	}
}

static void test_textfile_bounds(void)
{
	const char *path = unit_path("sized.txt");
	char *text = NULL;
	uint32_t len = 0;
	char err[256];

	unit_write_file(path, "");
	CU_ASSERT_EQUAL(mr_textfile_read(path, 10, &text, &len, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(len, 0);
	CU_ASSERT_STRING_EQUAL(text, "");
	free(text);
	unit_write_file(path, "0123456789");
	CU_ASSERT_EQUAL(mr_textfile_read(path, 10, &text, &len, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(len, 10);
	CU_ASSERT_STRING_EQUAL(text, "0123456789");
	free(text);
	unit_write_file(path, "0123456789A");
	CU_ASSERT_EQUAL(mr_textfile_read(path, 10, &text, &len, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "larger than 10 bytes"));
	unlink(path);
}

static void test_pidfile(void)
{
	const char *path = unit_path("cp.pid");
	char err[256];

	CU_ASSERT_EQUAL(mr_pidfile_read(path), -1);
	CU_ASSERT_EQUAL(mr_pidfile_write(path, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(mr_pidfile_read(path), getpid());
	/* Process 1 always runs: its pid file is not taken over. */
	unit_write_file(path, "1\n");
	CU_ASSERT_EQUAL(mr_pidfile_write(path, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "process 1 is running"));
	mr_pidfile_remove(path); /* not ours: stays */
	CU_ASSERT_EQUAL(mr_pidfile_read(path), 1);
	/* A stale file (no such process) is replaced; then removed on the way out. */
	unit_write_file(path, "1073741823\n");
	CU_ASSERT_EQUAL(mr_pidfile_write(path, err, sizeof(err)), 0);
	mr_pidfile_remove(path);
	CU_ASSERT_EQUAL(access(path, F_OK), -1);
	unit_write_file(path, "12abc\n");
	CU_ASSERT_EQUAL(mr_pidfile_read(path), -1);
	unlink(path);
}

int test_common_register(void)
{
	static CU_TestInfo tests[] = {
		{ "monotonic clock: milliseconds and microseconds", test_clock },
		{ "big-endian loads and stores at any offset", test_bytes },
		{ "file reads are bounded", test_textfile_bounds },
		{ "pid file: write, refuse a live owner, replace a stale one", test_pidfile },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite("common", tests);
}
