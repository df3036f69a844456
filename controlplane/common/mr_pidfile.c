/* SPDX-License-Identifier: BSD-3-Clause */
#include "mr_pidfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* A file that changes under us this many times running is given up on. */
#define MR_PIDFILE_TRIES 8

/* The pid file this process holds: open, write-locked, until mr_pidfile_remove or exit.
 * Never opened twice: closing any descriptor of a file drops the process's lock on it. */
static int held_fd = -1;
static char held_path[PATH_MAX]; /* its path, for the note beside it */

enum take {
	TAKEN,  /* the fd holds the lock on the file at path */
	HELD,   /* another process holds it */
	AGAIN,  /* what was there was replaced, by us or under us: try again */
	FAILED, /* errno says why */
};

/* The process holding a write lock on fd's file, as a meshrelay-cp does; 0 when none does
 * (or it is not in our pid namespace), -1 when only a read lock is held there: anyone who
 * may read the file can take one, and it is no meshrelay-cp's. Locks of our own process
 * do not count. */
static pid_t holder_of(int fd)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	if (fcntl(fd, F_GETLK, &fl) < 0 || fl.l_type == F_UNLCK)
		return 0;
	return fl.l_type == F_WRLCK ? fl.l_pid : -1;
}

/* Whether fd's file is the one path names now: 1, 0 when path names another or none, -1
 * with errno; *st is fd's file. */
static int is_at(int fd, const char *path, struct stat *st)
{
	struct stat now;

	if (fstat(fd, st) < 0)
		return -1;
	return stat(path, &now) == 0 && now.st_dev == st->st_dev && now.st_ino == st->st_ino;
}

/* Only a plain file of one link is written: nothing planted there (a hard link to another
 * file, a FIFO) is ever written through. */
static bool is_plain(const struct stat *st)
{
	return S_ISREG(st->st_mode) && st->st_nlink == 1;
}

/* Lock the file open at fd, unless another process holds it (then its pid in *holder) or
 * it is not the plain file path names (then replaced, or looked at again). */
static enum take lock_open(int fd, const char *path, pid_t *holder)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	struct stat st;
	int at;

	if (fcntl(fd, F_SETLK, &fl) < 0) {
		if (errno != EAGAIN && errno != EACCES)
			return FAILED;
		*holder = holder_of(fd);
		/* Only read locks in the way: a reader's (anyone's), never a running
		 * meshrelay-cp's, which would keep every start out. A new file is made; the
		 * reader keeps its lock on the old one. */
		if (*holder < 0) {
			*holder = 0;
			at = is_at(fd, path, &st);
			return at < 0 || (at && unlink(path) < 0) ? FAILED : AGAIN;
		}
		return HELD;
	}
	at = is_at(fd, path, &st);
	if (at < 0)
		return FAILED;
	if (at && is_plain(&st))
		return TAKEN;
	if (at && unlink(path) < 0)
		return FAILED;
	return AGAIN;
}

/* One attempt at taking path: TAKEN with the locked file in *fd. */
static enum take take_once(const char *path, int *fd, pid_t *holder)
{
	enum take t;
	int e;

	*fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
	if (*fd < 0) {
		/* A symbolic link or a socket planted there is no file of ours: replaced. */
		if ((errno != ELOOP && errno != ENXIO) || (unlink(path) < 0 && errno != ENOENT))
			return FAILED;
		return AGAIN;
	}
	t = lock_open(*fd, path, holder);
	if (t != TAKEN) {
		e = errno;
		close(*fd);
		errno = e;
	}
	return t;
}

/* Our pid as the whole content of the locked file at fd. */
static int write_pid(int fd)
{
	char text[32];
	int len = snprintf(text, sizeof(text), "%d\n", (int)getpid());

	if (ftruncate(fd, 0) < 0 || pwrite(fd, text, (size_t)len, 0) != len)
		return -1;
	return 0;
}

/* path opened to be read or asked about (-1 with errno when it cannot be): the held
 * descriptor itself when path is the file we hold, since closing any other descriptor of
 * it would drop our lock. A link is no pid file. */
static int open_peek(const char *path)
{
	struct stat st;

	if (held_fd >= 0 && is_at(held_fd, path, &st) == 1)
		return held_fd;
	return open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
}

static void close_peek(int fd)
{
	if (fd >= 0 && fd != held_fd)
		close(fd);
}

/* The note's file: PATH.reload, beside the pid file at path. */
static int note_path(const char *path, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s.reload", path);

	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int mr_pidfile_note(const char *note)
{
	char path[PATH_MAX + 16], tmp[PATH_MAX + 32];
	size_t len = strlen(note);
	int fd, e;

	if (held_fd < 0 || strchr(note, '\n') || len >= MR_PIDFILE_NOTE_MAX) {
		errno = held_fd < 0 ? EBADF : EINVAL;
		return -1;
	}
	if (note_path(held_path, path, sizeof(path)) < 0 ||
	    snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid()) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* Made anew (never written through what was planted there) and renamed over the
	 * last: a reader sees a whole note, this one or the one before. */
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (write(fd, note, len) != (ssize_t)len || write(fd, "\n", 1) != 1 || close(fd) < 0 ||
	    rename(tmp, path) < 0) {
		e = errno;
		unlink(tmp);
		errno = e;
		return -1;
	}
	return 0;
}

int mr_pidfile_read_note(const char *path, char *buf, size_t cap)
{
	char note[PATH_MAX + 16], text[MR_PIDFILE_NOTE_MAX + 1];
	const char *end;
	ssize_t n;
	int fd;

	if (note_path(path, note, sizeof(note)) < 0 ||
	    (fd = open(note, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	text[n] = '\0';
	end = strchr(text, '\n');
	if (!end || (size_t)(end - text) >= cap)
		return -1;
	memcpy(buf, text, (size_t)(end - text));
	buf[end - text] = '\0';
	return 0;
}

pid_t mr_pidfile_read(const char *path)
{
	char text[32];
	char *end;
	ssize_t n;
	long v;
	int fd = open_peek(path);

	if (fd < 0)
		return -1;
	n = pread(fd, text, sizeof(text) - 1, 0);
	close_peek(fd);
	if (n <= 0)
		return -1;
	text[n] = '\0';
	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || end == text || (*end && *end != '\n') || v <= 0 || v > 0x3fffffff)
		return -1;
	return (pid_t)v;
}

/* Why path could not be taken (the outcome t of the last attempt), in err. */
static void refusal(enum take t, pid_t holder, const char *path, char *err, size_t errlen)
{
	if (t == HELD && holder > 0)
		snprintf(err, errlen, "%s: held by process %d: another meshrelay-cp is running",
			 path, (int)holder);
	else if (t == HELD)
		snprintf(err, errlen, "%s: held by another process: another meshrelay-cp?", path);
	else if (t == AGAIN)
		snprintf(err, errlen, "%s: replaced again and again while it was taken", path);
	else
		snprintf(err, errlen, "%s: %s%s", path, t == TAKEN ? "cannot write: " : "",
			 strerror(errno));
}

int mr_pidfile_write(const char *path, char *err, size_t errlen)
{
	enum take t = AGAIN;
	pid_t holder = 0;
	int fd = -1;

	if (held_fd >= 0) { /* a lock of ours would not keep us out, and a close drops it */
		close(held_fd);
		held_fd = -1;
	}
	for (int i = 0; i < MR_PIDFILE_TRIES && t == AGAIN; i++)
		t = take_once(path, &fd, &holder);
	if (t == TAKEN && write_pid(fd) == 0) {
		held_fd = fd;
		snprintf(held_path, sizeof(held_path), "%s", path);
		return 0;
	}
	refusal(t, holder, path, err, errlen);
	if (t == TAKEN)
		close(fd);
	return -1;
}

pid_t mr_pidfile_holder(const char *path)
{
	int fd = open_peek(path);
	pid_t pid;

	if (fd < 0)
		return -1;
	pid = holder_of(fd);
	close_peek(fd);
	return pid > 0 ? pid : -1;
}

/* sig with value to pid while it still holds fd's file. Pinned by a pidfd before it is
 * asked again, so that a holder that left and whose pid was taken since is never
 * signalled; sigqueue() just after the check where the kernel has no pidfds. */
static int signal_holder(int fd, pid_t pid, int sig, int value)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	siginfo_t info = { .si_signo = sig, .si_code = SI_QUEUE };
	int rc = -1;

	/* As sigqueue() fills it: the sender's pid and uid, and the value. */
	info.si_pid = getpid();
	info.si_uid = getuid();
	info.si_value.sival_int = value;
	if (pidfd < 0 && errno != ENOSYS)
		return -1;
	if (holder_of(fd) != pid)
		errno = ESRCH;
	else if (pidfd < 0)
		rc = sigqueue(pid, sig, (union sigval){ .sival_int = value });
	else
		rc = (int)syscall(SYS_pidfd_send_signal, pidfd, sig, &info, 0);
	if (pidfd >= 0)
		close(pidfd);
	return rc;
}

int mr_pidfile_signal(const char *path, int sig, int value, pid_t *pid)
{
	int fd = open_peek(path);
	int rc, e;

	*pid = fd < 0 ? 0 : holder_of(fd);
	if (*pid <= 0) {
		*pid = 0;
		close_peek(fd);
		errno = ESRCH;
		return -1;
	}
	rc = signal_holder(fd, *pid, sig, value);
	e = errno;
	close_peek(fd);
	errno = e;
	return rc;
}

void mr_pidfile_remove(const char *path)
{
	struct stat st;

	if (held_fd < 0)
		return;
	/* A file put there since (by an operator, by a successor) is not ours to remove; the
	 * note beside the one we hold is ours (or a dead holder's), whether we wrote one. */
	if (is_at(held_fd, path, &st) == 1) {
		char note[PATH_MAX + 16];

		unlink(path);
		if (note_path(path, note, sizeof(note)) == 0)
			unlink(note);
	}
	close(held_fd);
	held_fd = -1;
}
