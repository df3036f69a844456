/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "common": the small helpers every process links: the monotonic clock, the
 * big-endian loads and stores, bounded file reads, the pid file, command lines, log lines. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mr_args.h"
#include "mr_bytes.h"
#include "mr_clock.h"
#include "mr_log.h"
#include "mr_notify.h"
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

/* Taken, read back, removed on the way out. A file no process holds is stale whatever pid
 * it names (process 1 always runs: a pid taken by another process since a crash), and one
 * put in place of ours is not ours to remove. */
static void test_pidfile(void)
{
	const char *path = unit_path("cp.pid");
	char err[256];

	CU_ASSERT_EQUAL(mr_pidfile_read(path), -1);
	CU_ASSERT_EQUAL(mr_pidfile_write(path, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(mr_pidfile_read(path), getpid());
	mr_pidfile_remove(path);
	CU_ASSERT_EQUAL(access(path, F_OK), -1);
	unit_write_file(path, "1\n");
	CU_ASSERT_EQUAL(mr_pidfile_holder(path), -1);
	CU_ASSERT_EQUAL(mr_pidfile_write(path, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(mr_pidfile_read(path), getpid());
	CU_ASSERT_EQUAL(unlink(path), 0);
	unit_write_file(path, "1\n");
	mr_pidfile_remove(path); /* not ours: stays */
	CU_ASSERT_EQUAL(mr_pidfile_read(path), 1);
	unit_write_file(path, "12abc\n");
	CU_ASSERT_EQUAL(mr_pidfile_read(path), -1);
	unlink(path);
}

/* A child that takes the pid file at path and says so on ready (a byte: 0 taken, 1
 * refused), then holds it until a byte comes on go (or 5 s) and leaves without removing
 * it, as a crashed meshrelay-cp would. */
static pid_t child_holding(const char *path, int ready[2], int go[2])
{
	pid_t pid;

	CU_ASSERT_FATAL(pipe(ready) == 0 && pipe(go) == 0);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		char err[256], taken = mr_pidfile_write(path, err, sizeof(err)) == 0 ? 0 : 1;
		struct pollfd p = { .fd = go[0], .events = POLLIN };

		if (write(ready[1], &taken, 1) == 1)
			poll(&p, 1, 5000);
		_exit(0);
	}
	return pid;
}

/* Two instances: the second is refused while the first runs, naming it, and only the
 * first is signalled; once it is gone its file is stale, though its pid still names a
 * process (not reaped yet, as a pid another process took since would). */
static void test_pidfile_held(void)
{
	const char *path = unit_path("held.pid");
	char err[256], want[64], taken = 1;
	int ready[2], go[2];
	pid_t child, pid = 0;
	siginfo_t si;

	child = child_holding(path, ready, go);
	CU_ASSERT_EQUAL(read(ready[0], &taken, 1), 1);
	CU_ASSERT_EQUAL(taken, 0);
	CU_ASSERT_EQUAL(mr_pidfile_write(path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "held by process %d", (int)child);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
	CU_ASSERT_EQUAL(mr_pidfile_holder(path), child);
	CU_ASSERT_EQUAL(mr_pidfile_signal(path, 0, 0, &pid), 0);
	CU_ASSERT_EQUAL(pid, child);

	CU_ASSERT_EQUAL(write(go[1], "x", 1), 1);
	CU_ASSERT_EQUAL(waitid(P_PID, (id_t)child, &si, WEXITED | WNOWAIT), 0);
	CU_ASSERT_EQUAL(mr_pidfile_read(path), child);
	CU_ASSERT_EQUAL(mr_pidfile_holder(path), -1);
	errno = 0;
	CU_ASSERT_EQUAL(mr_pidfile_signal(path, 0, 0, &pid), -1);
	CU_ASSERT_EQUAL(errno, ESRCH);
	CU_ASSERT_EQUAL(mr_pidfile_write(path, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(mr_pidfile_read(path), getpid());
	waitpid(child, NULL, 0);
	mr_pidfile_remove(path);
	CU_ASSERT_EQUAL(access(path, F_OK), -1);
	for (int i = 0; i < 2; i++) {
		close(ready[i]);
		close(go[i]);
	}
}

/* A reader's lock on a stale pid file (anyone who may read it can take one) keeps no
 * meshrelay-cp out and is never taken for one: the file is made anew, and no reader is
 * signalled. Before, every start was refused as "held by" the reader, and a reload
 * signalled it. */
static void test_pidfile_read_lock(void)
{
	const char *path = unit_path("read-locked.pid");
	char err[256], ready = 1;
	int sync[2], go[2];
	pid_t child, pid = 0;

	unit_write_file(path, "12345\n"); /* left by a meshrelay-cp that crashed */
	CU_ASSERT_FATAL(pipe(sync) == 0 && pipe(go) == 0);
	child = fork();
	CU_ASSERT_FATAL(child >= 0);
	if (child == 0) {
		struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET };
		struct pollfd p = { .fd = go[0], .events = POLLIN };
		int fd = open(path, O_RDONLY);
		char ok = fd >= 0 && fcntl(fd, F_SETLK, &fl) == 0 ? 0 : 1;

		if (write(sync[1], &ok, 1) == 1)
			poll(&p, 1, 5000);
		_exit(0);
	}
	CU_ASSERT_EQUAL(read(sync[0], &ready, 1), 1);
	CU_ASSERT_EQUAL_FATAL(ready, 0);
	CU_ASSERT_EQUAL(mr_pidfile_holder(path), -1);
	errno = 0;
	CU_ASSERT_EQUAL(mr_pidfile_signal(path, 0, 0, &pid), -1);
	CU_ASSERT_EQUAL(errno, ESRCH);
	CU_ASSERT_EQUAL(pid, 0);
	CU_ASSERT_EQUAL(mr_pidfile_write(path, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(mr_pidfile_read(path), getpid());
	CU_ASSERT_EQUAL(write(go[1], "x", 1), 1);
	waitpid(child, NULL, 0);
	mr_pidfile_remove(path);
	for (int i = 0; i < 2; i++) {
		close(sync[i]);
		close(go[i]);
	}
}

/* What a link planted at the path names, and its content afterwards. */
static bool file_holds(const char *path, const char *want)
{
	char *text = NULL, err[256];
	uint32_t len;
	bool same = mr_textfile_read(path, 4096, &text, &len, err, sizeof(err)) == 0 &&
		    strcmp(text, want) == 0;

	free(text);
	return same;
}

/* A symbolic or hard link planted where the pid file goes is replaced, never written
 * through: the file it names keeps its content. mr_textfile_create makes a new file
 * where a link or a stale file was. */
static void test_pidfile_links(void)
{
	char victim[128], path[128], want[32], err[256];
	struct stat st;
	int fd;

	snprintf(victim, sizeof(victim), "%s", unit_path("victim"));
	snprintf(path, sizeof(path), "%s", unit_path("linked.pid"));
	snprintf(want, sizeof(want), "%d\n", (int)getpid());
	unit_write_file(victim, "precious\n");
	CU_ASSERT_EQUAL_FATAL(symlink(victim, path), 0);
	CU_ASSERT_EQUAL(mr_pidfile_read(path), -1); /* a link is no pid file */
	CU_ASSERT_EQUAL(mr_pidfile_write(path, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(file_holds(victim, "precious\n"));
	CU_ASSERT_TRUE(lstat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1);
	CU_ASSERT_TRUE(file_holds(path, want));
	CU_ASSERT_EQUAL(unlink(path), 0);
	CU_ASSERT_EQUAL_FATAL(link(victim, path), 0);
	CU_ASSERT_EQUAL(mr_pidfile_write(path, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(file_holds(victim, "precious\n"));
	CU_ASSERT_TRUE(file_holds(path, want));
	mr_pidfile_remove(path);
	CU_ASSERT_EQUAL(symlink(victim, path), 0);
	fd = mr_textfile_create(path, err, sizeof(err));
	CU_ASSERT_TRUE(fd >= 0 && write(fd, "new\n", 4) == 4);
	close(fd);
	CU_ASSERT_TRUE(file_holds(victim, "precious\n"));
	CU_ASSERT_TRUE(file_holds(path, "new\n"));
	CU_ASSERT_EQUAL(mr_textfile_create(unit_path("no-such-dir/x"), err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "No such file"));
	unlink(path);
	unlink(victim);
}

/* The line(s) one mr_log call with a peer's reason writes on stderr, into out (cap bytes). */
static void logged(const char *reason, char *out, size_t cap)
{
	FILE *f = tmpfile();
	int saved = dup(STDERR_FILENO);
	size_t n;

	CU_ASSERT_FATAL(f && saved >= 0 && dup2(fileno(f), STDERR_FILENO) == STDERR_FILENO);
	mr_log(MR_LOG_ERR, "TURN refused: %s", reason);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(f);
	n = fread(out, 1, cap - 1, f);
	out[n] = '\0';
	fclose(f);
}

/* A peer's text that holds a line of its own stays on ours, its control bytes escaped
 * (UTF-8 as it came); a message cut to fit is never cut inside an escape. */
static void test_log_escapes(void)
{
	char line[2048], many[1200];
	const char *msg;
	size_t len;

	logged("Forbidden\r\n00:00:00.000 meshrelay-cp[err] forged\t\x01\x7f\xc3\xa9 \\n", line,
	       sizeof(line));
	msg = strstr(line, "TURN refused: ");
	CU_ASSERT_PTR_NOT_NULL_FATAL(msg);
	CU_ASSERT_STRING_EQUAL(msg, "TURN refused: Forbidden\\r\\n00:00:00.000 meshrelay-cp[err] "
			       "forged\\t\\x01\\x7f\xc3\xa9 \\\\n\n");
	memset(many, '\n', sizeof(many) - 1);
	many[sizeof(many) - 1] = '\0';
	logged(many, line, sizeof(line));
	len = strlen(line);
	CU_ASSERT(len > 900 && len <= 1024);
	CU_ASSERT_PTR_EQUAL(strchr(line, '\n'), line + len - 1); /* one line */
	CU_ASSERT_EQUAL(strcmp(line + len - 3, "\\n\n"), 0);
}

struct args {
	const char *name, *path;
	bool verbose;
	int operands;
};

/* Parse argv (NULL-terminated, copied: getopt reorders it) with a table of a value
 * option with a letter, a long-only one and a flag. */
static int parse_args(const char *const *argv, struct args *a, char *err)
{
	const struct mr_arg_opt opts[] = {
		{ "name", 'n', &a->name, NULL },
		{ "path", 0, &a->path, NULL },
		{ "verbose", 0, NULL, &a->verbose },
		{ NULL, 0, NULL, NULL },
	};
	static char *copy[8];
	int argc = 0;

	while (argv[argc]) {
		copy[argc] = (char *)argv[argc];
		argc++;
	}
	copy[argc] = NULL;
	memset(a, 0, sizeof(*a));
	err[0] = '\0';
	return mr_args_parse(argc, copy, opts, "usage: t\n", &a->operands, err, 128);
}

static void test_args(void)
{
	static const char *const all[] = { "t", "op1", "-n", "x", "--path=/p", "--verbose", "op2",
					   NULL };
	static const char *const none[] = { "t", NULL };
	static const char *const joined[] = { "t", "-ny", "--name", "z", "--", "-n", NULL };
	static const char *const missing[] = { "t", "--path", NULL };
	static const char *const unknown[] = { "t", "-x", NULL };
	static const char *const no_long_letter[] = { "t", "-p", "/p", NULL };
	static const char *const flag_value[] = { "t", "--verbose=1", NULL };
	static const char *const help[] = { "t", "-n", "x", "--help", NULL };
	struct args a;
	char err[128];
	FILE *saved = stdout;

	CU_ASSERT_EQUAL(parse_args(all, &a, err), 0);
	CU_ASSERT_STRING_EQUAL(a.name, "x");
	CU_ASSERT_STRING_EQUAL(a.path, "/p");
	CU_ASSERT_TRUE(a.verbose);
	CU_ASSERT_EQUAL(a.operands, 5); /* the operands, moved behind the options */
	CU_ASSERT_EQUAL(parse_args(none, &a, err), 0);
	CU_ASSERT_PTR_NULL(a.name);
	CU_ASSERT_FALSE(a.verbose);
	CU_ASSERT_EQUAL(a.operands, 1);
	CU_ASSERT_EQUAL(parse_args(joined, &a, err), 0); /* the last of a name counts */
	CU_ASSERT_STRING_EQUAL(a.name, "z");
	CU_ASSERT_EQUAL(a.operands, 5);
	CU_ASSERT_EQUAL(parse_args(missing, &a, err), -1);
	CU_ASSERT_STRING_EQUAL(err, "option --path needs a value");
	CU_ASSERT_EQUAL(parse_args(unknown, &a, err), -1);
	CU_ASSERT_STRING_EQUAL(err, "unknown option -x");
	CU_ASSERT_EQUAL(parse_args(no_long_letter, &a, err), -1);
	CU_ASSERT_STRING_EQUAL(err, "unknown option -p");
	CU_ASSERT_EQUAL(parse_args(flag_value, &a, err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "--verbose"));
	stdout = fopen("/dev/null", "w"); /* the usage goes there */
	CU_ASSERT_EQUAL(parse_args(help, &a, err), 1);
	fclose(stdout);
	stdout = saved;
}

/* The readiness message reaches the socket $NOTIFY_SOCKET names, a path or an abstract
 * name ('@'); without one (started by hand) nothing is sent. */
static void test_notify(void)
{
	char path[] = "/tmp/mr-notify-XXXXXX", got[64] = "";
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	char *saved = getenv("NOTIFY_SOCKET") ? strdup(getenv("NOTIFY_SOCKET")) : NULL;

	CU_ASSERT_FATAL(fd >= 0 && mkdtemp(path) != NULL);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/notify", path);
	CU_ASSERT_FATAL(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	setenv("NOTIFY_SOCKET", sa.sun_path, 1);
	CU_ASSERT_TRUE(mr_notify("READY=1\nSTATUS=relaying"));
	CU_ASSERT(recv(fd, got, sizeof(got) - 1, MSG_DONTWAIT) == 23);
	CU_ASSERT_STRING_EQUAL(got, "READY=1\nSTATUS=relaying");
	unsetenv("NOTIFY_SOCKET");
	CU_ASSERT_FALSE(mr_notify("READY=1"));
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	CU_ASSERT_FALSE(mr_notify("READY=1"));
	close(fd);
	unlink(sa.sun_path);
	rmdir(path);
	/* An abstract name. */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, "\0mr-notify-unit", 15); /* as "@mr-notify-unit" names it */
	CU_ASSERT_FATAL(bind(fd, (struct sockaddr *)&sa,
			     (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 15)) == 0);
	setenv("NOTIFY_SOCKET", "@mr-notify-unit", 1);
	CU_ASSERT_TRUE(mr_notify("STOPPING=1"));
	memset(got, 0, sizeof(got));
	CU_ASSERT(recv(fd, got, sizeof(got) - 1, MSG_DONTWAIT) == 10);
	CU_ASSERT_STRING_EQUAL(got, "STOPPING=1");
	close(fd);
	if (saved)
		setenv("NOTIFY_SOCKET", saved, 1);
	else
		unsetenv("NOTIFY_SOCKET");
	free(saved);
}

int test_common_register(void)
{
	static CU_TestInfo tests[] = {
		{ "monotonic clock: milliseconds and microseconds", test_clock },
		{ "big-endian loads and stores at any offset", test_bytes },
		{ "file reads are bounded", test_textfile_bounds },
		{ "pid file: write, replace a stale one whatever pid it names", test_pidfile },
		{ "pid file: held by a running instance, stale once it is gone", test_pidfile_held },
		{ "pid file: a reader's lock keeps nobody out", test_pidfile_read_lock },
		{ "pid and status files: a link planted there is replaced, not written through",
		  test_pidfile_links },
		{ "command lines from a table of options", test_args },
		{ "log lines: control bytes escaped, one call one line", test_log_escapes },
		{ "the service manager told through $NOTIFY_SOCKET", test_notify },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite("common", tests);
}
