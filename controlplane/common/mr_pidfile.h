/* SPDX-License-Identifier: BSD-3-Clause */
/* The pid file of meshrelay-cp: written at start, read by `meshrelayctl reload`. */
#ifndef MR_PIDFILE_H
#define MR_PIDFILE_H

#include <stddef.h>
#include <sys/types.h>

/* Where meshrelay-cp writes its pid unless told otherwise, and meshrelayctl reads it. */
#define MR_CP_PIDFILE "/run/meshrelay/cp.pid"

/* Write our pid to path, refusing when it names another live process. 0 or -1 with err. */
int mr_pidfile_write(const char *path, char *err, size_t errlen);

/* The pid stored in path; -1 when the file is missing or holds no pid. */
pid_t mr_pidfile_read(const char *path);

/* Remove path if it still holds our pid (a successor's file is left alone). */
void mr_pidfile_remove(const char *path);

#endif
