/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_mailbox.h"

#include <pthread.h>
#include <unistd.h>

#include <rte_cycles.h>

void dp_mailbox_serve(struct dp_worker *w)
{
	uint32_t ticket = __atomic_load_n(&w->mailbox.req.posted, __ATOMIC_ACQUIRE);

	if (ticket == 0 ||
	    !__atomic_compare_exchange_n(&w->mailbox.req.posted, &ticket, 0, false,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return; /* none, or withdrawn just now */
	w->mailbox.req.fn(w, w->mailbox.req.arg);
	__atomic_store_n(&w->mailbox.done, ticket, __ATOMIC_RELEASE);
}

int dp_mailbox_call(struct dp_worker *w, void (*fn)(struct dp_worker *, void *), void *arg,
		    unsigned int timeout_ms)
{
	/* One request at a time per process: telemetry and control threads may both ask. */
	static pthread_mutex_t callers = PTHREAD_MUTEX_INITIALIZER;
	uint32_t ticket, expected;
	uint64_t deadline;
	int rc = -1;

	pthread_mutex_lock(&callers);
	w->mailbox.req.fn = fn;
	w->mailbox.req.arg = arg;
	if (++w->mailbox.req.tickets == 0) /* 0 says "none waiting" */
		w->mailbox.req.tickets = 1;
	ticket = w->mailbox.req.tickets;
	__atomic_store_n(&w->mailbox.req.posted, ticket, __ATOMIC_RELEASE);
	/* By the clock, not by sleeps counted: each one lasts longer than asked (timer
	 * slack, a busy core), and the caller's deadline is time. */
	deadline = rte_get_timer_cycles() + rte_get_timer_hz() * timeout_ms / 1000;
	do {
		if (__atomic_load_n(&w->mailbox.done, __ATOMIC_ACQUIRE) == ticket) {
			rc = 0;
			goto out;
		}
		usleep(100);
	} while (rte_get_timer_cycles() < deadline);
	/* Out of time: withdrawn unless the worker took it. Taken, it runs now (a request
	 * is short), and is waited for: its arg may be the caller's to free, and a request
	 * said refused must not happen after all (a bind started twice). */
	expected = ticket;
	if (!__atomic_compare_exchange_n(&w->mailbox.req.posted, &expected, 0, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(&w->mailbox.done, __ATOMIC_ACQUIRE) != ticket)
			usleep(100);
		rc = 0;
	}
out:
	pthread_mutex_unlock(&callers);
	return rc;
}
