/* SPDX-License-Identifier: BSD-3-Clause */
/* The pid file of meshrelay-cp: taken (locked) at start for as long as it runs, its holder
 * signalled by `meshrelayctl reload`. */
#ifndef MR_PIDFILE_H
#define MR_PIDFILE_H

#include <stddef.h>
#include <sys/types.h>

/* The longest note after the pid (mr_pidfile_note), its NUL included. */
#define MR_PIDFILE_NOTE_MAX 512

/* Where meshrelay-cp writes its pid unless told otherwise, and meshrelayctl reads it. */
#define MR_CP_PIDFILE "/run/meshrelay/cp.pid"

/* Take the pid file at path for this process: a write lock (fcntl) held on it until
 * mr_pidfile_remove or exit, and our pid written in it. A file no process holds is stale,
 * whatever pid it names; one another process holds refuses us, naming it. A second call
 * lets the first file go. 0 or -1 with err. */
int mr_pidfile_write(const char *path, char *err, size_t errlen);

/* The pid stored in path; -1 when the file is missing or holds no pid. */
pid_t mr_pidfile_read(const char *path);

/* The process that holds path (a running meshrelay-cp); -1 when none does: no file, a stale
 * one, or one held by this process. */
pid_t mr_pidfile_holder(const char *path);

/* Send sig to the process that holds path, never to one that merely has the pid a stale
 * file names, with value as a queued signal's (its si_int). 0 with its pid in *pid, or -1
 * with errno (ESRCH: none holds it). */
int mr_pidfile_signal(const char *path, int sig, int value, pid_t *pid);

/* Write note (one line, no newline in it) beside the pid file this process holds, in
 * PATH.reload (the pid file keeps the pid alone: scripts read it whole): what it says of
 * its last reload. Removed with the pid file. 0, or -1 with errno (EBADF: none held). */
int mr_pidfile_note(const char *note);

/* The note beside the pid file at path (PATH.reload, without its newline) into buf: 0,
 * or -1 when there is none or it cannot be read. */
int mr_pidfile_read_note(const char *path, char *buf, size_t cap);

/* Remove path if it is still the file we hold (a successor's file is left alone), and let
 * it go. */
void mr_pidfile_remove(const char *path);

#endif
