/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Dropping what a thread no longer needs once start-up is done: every capability but
 * those kept (from the effective, permitted, inheritable and bounding sets), and no new
 * privileges through exec. Linux keeps capabilities per thread, so each long-lived thread
 * calls this itself (meshrelay-cp has one thread; meshrelay-dp's workers and control
 * thread drop everything, its main thread keeps what port shutdown needs).
 */
#ifndef MR_PRIVS_H
#define MR_PRIVS_H

#include <stddef.h>
#include <stdint.h>

/* Bit of capability number cap (linux/capability.h) in a keep mask. */
#define MR_CAP(cap) (1ull << (cap))

/* Limit the calling thread to the capabilities in keep (a mask of MR_CAP bits, only
 * those it holds now stay) and set no_new_privs. 0, or -1 with the reason in err. */
int mr_privs_limit(uint64_t keep, char *err, size_t errlen);

/* The calling thread's effective capabilities as a mask. */
uint64_t mr_privs_effective(void);

/* Make the calling thread's effective capabilities caps (those it still permits): a
 * capability kept permitted is raised only around the work that needs it. 0 or -1. */
int mr_privs_effective_set(uint64_t caps);

#endif
