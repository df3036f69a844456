/* The pid file of meshrelay-cp: written at start, read by `meshrelayctl reload`. */
#ifndef PIDFILE_H
#define PIDFILE_H

#include <stddef.h>
#include <sys/types.h>

/* Write our pid to path, refusing when it names another live process. 0 or -1 with err. */
int pidfile_write(const char *path, char *err, size_t errlen);

/* The pid stored in path; -1 when the file is missing or holds no pid. */
pid_t pidfile_read(const char *path);

/* Remove path if it still holds our pid (a successor's file is left alone). */
void pidfile_remove(const char *path);

#endif
