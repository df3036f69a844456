/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_mailbox.h"

#include <pthread.h>
#include <unistd.h>

void dp_mailbox_serve(struct dp_worker *w)
{
	uint32_t posted = __atomic_load_n(&w->mailbox.req.posted, __ATOMIC_ACQUIRE);

	if (posted == w->mailbox.done)
		return;
	w->mailbox.req.fn(w, w->mailbox.req.arg);
	__atomic_store_n(&w->mailbox.done, posted, __ATOMIC_RELEASE);
}

int dp_mailbox_call(struct dp_worker *w, void (*fn)(struct dp_worker *, void *), void *arg,
		    unsigned int timeout_ms)
{
	/* One request at a time per process: telemetry and control threads may both ask. */
	static pthread_mutex_t callers = PTHREAD_MUTEX_INITIALIZER;
	uint32_t ticket;
	int rc = -1;

	pthread_mutex_lock(&callers);
	if (w->mailbox.req.posted != __atomic_load_n(&w->mailbox.done, __ATOMIC_ACQUIRE))
		goto out; /* an earlier request timed out and is still pending */
	w->mailbox.req.fn = fn;
	w->mailbox.req.arg = arg;
	ticket = w->mailbox.req.posted + 1;
	__atomic_store_n(&w->mailbox.req.posted, ticket, __ATOMIC_RELEASE);
	for (unsigned int waited = 0; waited <= timeout_ms * 10; waited++) {
		if (__atomic_load_n(&w->mailbox.done, __ATOMIC_ACQUIRE) == ticket) {
			rc = 0;
			break;
		}
		usleep(100);
	}
out:
	pthread_mutex_unlock(&callers);
	return rc;
}
