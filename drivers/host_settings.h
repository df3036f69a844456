/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Kernel settings the data plane changes on its host (files under /proc/sys), with the
 * host's own value of each kept in a file until it is put back: a data plane restarted
 * after a crash (a kill, an OOM, the service manager's SIGKILL) takes the values kept
 * there as the host's, not the ones its predecessor wrote, so a clean stop later puts
 * the host's back. One file per network namespace, whose settings these are.
 */
#ifndef HOST_SETTINGS_H
#define HOST_SETTINGS_H

#include <stddef.h>

#define DRV_HOST_DIR "/run/meshrelay" /* where the kept values live (tmpfs: gone at boot,
				       * as the settings are) */

/* Write value to a kernel setting under /proc (path): 0, or -1 when it was not taken. */
int drv_proc_write(const char *path, const char *value);

/* Its first line (newline kept) into out[cap]: 0, or -1 when unreadable. */
int drv_proc_read(const char *path, char *out, size_t cap);

/* Keep the files in dir instead (the unit tests' own directory); NULL: DRV_HOST_DIR. */
void drv_host_settings_dir(const char *dir);

/* Write value to the setting at path, and give the host's own value in old (cap bytes,
 * newline dropped; "" when unreadable): the one kept from an earlier run that did not put
 * it back, else the current one, which is kept now. 0, or -1 (errno) when path refused
 * the write. */
int drv_host_set(const char *path, const char *value, char *old, size_t cap);

/* Put old (drv_host_set's) back at path and forget the kept value. 0, or -1 when path
 * refused it (the kept value stays for the next run). */
int drv_host_restore(const char *path, const char *old);

#endif
