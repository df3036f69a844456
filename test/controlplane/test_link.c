/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "cp_link": meshrelay-cp against a scripted data plane in a thread: the claim and
 * the first push after connecting, no push while its generation is in force, a re-push when another is,
 * a refused generation not pushed again, reconnection after a drop, and back-off. */
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cp_link.h"
#include "mr_clock.h"
#include "mr_ctl_proto.h"
#include "unit.h"

struct fake_dp {
	pthread_mutex_t lock;
	int listen_fd;
	uint32_t generation;    /* in force */
	uint32_t pushes;        /* PUSH requests seen */
	uint32_t claims;        /* CLAIM requests seen */
	uint32_t held_elsewhere; /* refuse claims: another control plane holds it */
	uint32_t refuse;        /* answer pushes with a refusal */
	uint32_t drop;          /* close the current connection at the next chance */
	uint32_t reject;        /* refuse every peer at accept, as for a stranger's uid */
	uint32_t drop_push;     /* hang up on every push, unanswered (as a crash applying it) */
	uint32_t stop;
	pthread_t thread;
};

/* Both threads read and write the fake's fields under its lock. */
static uint32_t fake_get(struct fake_dp *dp, const uint32_t *field)
{
	uint32_t v;

	pthread_mutex_lock(&dp->lock);
	v = *field;
	pthread_mutex_unlock(&dp->lock);
	return v;
}

static void fake_set(struct fake_dp *dp, uint32_t *field, uint32_t v)
{
	pthread_mutex_lock(&dp->lock);
	*field = v;
	pthread_mutex_unlock(&dp->lock);
}

/* Say why and hang up at once, before the peer's first request is read. */
static void reject(int fd)
{
	static const char text[] = "refused: uid 65534 may not use the control socket";

	mr_ctl_send(fd, MR_CTL_RESULT, 0, text, sizeof(text) - 1);
	close(fd);
}

static void answer(struct fake_dp *dp, int fd, const struct mr_ctl_hdr *h)
{
	char text[128];
	uint16_t type = MR_CTL_RESULT;

	pthread_mutex_lock(&dp->lock);
	if (h->type == MR_CTL_PING) {
		type = MR_CTL_PONG;
		snprintf(text, sizeof(text), "{\"generation\": %u, \"uptime_s\": 1, \"source\": \"t\"}",
			 dp->generation);
	} else if (h->type == MR_CTL_PUSH && dp->refuse) {
		dp->pushes++;
		snprintf(text, sizeof(text), "refused: push:1: refused on purpose");
	} else if (h->type == MR_CTL_PUSH && dp->held_elsewhere) { /* as the data plane does */
		dp->pushes++;
		snprintf(text, sizeof(text), "refused: meshrelay-cp manages this data plane");
	} else if (h->type == MR_CTL_CLAIM) {
		dp->claims++;
		snprintf(text, sizeof(text), "%s", dp->held_elsewhere ?
			 "refused: another control plane manages this data plane" : "claimed");
	} else if (h->type == MR_CTL_PUSH) {
		dp->pushes++;
		dp->generation = h->generation;
		snprintf(text, sizeof(text), "applied generation %u in 1 us", dp->generation);
	} else {
		snprintf(text, sizeof(text), "refused: unknown request");
	}
	pthread_mutex_unlock(&dp->lock);
	mr_ctl_send(fd, type, dp->generation, text, (uint32_t)strlen(text));
}

/* Serve one connection until the client goes, or the test drops or stops it. */
static void serve(struct fake_dp *dp, int fd)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct mr_ctl_hdr h;
		char *payload;
		bool leave;

		poll(&p, 1, 20);
		pthread_mutex_lock(&dp->lock);
		leave = dp->stop || dp->drop;
		dp->drop = 0;
		pthread_mutex_unlock(&dp->lock);
		if (leave)
			break;
		if (!p.revents)
			continue;
		if (mr_ctl_recv(fd, &h, &payload, MR_CTL_MAX_PAYLOAD, 1000) < 0)
			break;
		if (h.type == MR_CTL_PUSH && fake_get(dp, &dp->drop_push)) {
			free(payload);
			pthread_mutex_lock(&dp->lock);
			dp->pushes++;
			pthread_mutex_unlock(&dp->lock);
			break;
		}
		answer(dp, fd, &h);
		free(payload);
	}
	close(fd);
}

static void *fake_dp_run(void *arg)
{
	struct fake_dp *dp = arg;

	for (;;) {
		struct pollfd p = { .fd = dp->listen_fd, .events = POLLIN };
		bool stop;

		poll(&p, 1, 20);
		pthread_mutex_lock(&dp->lock);
		stop = dp->stop;
		pthread_mutex_unlock(&dp->lock);
		if (stop)
			return NULL;
		if (p.revents && fake_get(dp, &dp->reject))
			reject(accept(dp->listen_fd, NULL, NULL));
		else if (p.revents)
			serve(dp, accept(dp->listen_fd, NULL, NULL));
	}
}

static void fake_dp_start(struct fake_dp *dp, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	memset(dp, 0, sizeof(*dp));
	pthread_mutex_init(&dp->lock, NULL);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	dp->listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(bind(dp->listen_fd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	CU_ASSERT_FATAL(listen(dp->listen_fd, 4) == 0);
	pthread_create(&dp->thread, NULL, fake_dp_run, dp);
}

static void fake_dp_stop(struct fake_dp *dp, const char *path)
{
	pthread_mutex_lock(&dp->lock);
	dp->stop = 1;
	pthread_mutex_unlock(&dp->lock);
	pthread_join(dp->thread, NULL);
	close(dp->listen_fd);
	unlink(path);
}

/* A tick with every timer due: the link does all it would do at its next wake-up. Each
 * call is an hour after the last, past anything scheduled by the previous one. */
static void tick_due(struct cp_link *l, const struct cp_conf *c)
{
	static int64_t hours;

	cp_link_tick(l, c, mr_clock_ms() + ++hours * 3600 * 1000);
}

/* A scripted data plane at path (claims held_elsewhere), l connected to it by a first
 * tick, *c the configuration it pushes. */
static void link_connect(struct fake_dp *dp, struct cp_link *l, const char *path,
			 struct cp_conf *c, uint32_t held_elsewhere)
{
	static char text[] = "x = 1;";

	*c = (struct cp_conf){ .text = text, .len = 6, .generation = 1 };
	fake_dp_start(dp, path);
	fake_set(dp, &dp->held_elsewhere, held_elsewhere);
	cp_link_init(l, path);
	cp_link_tick(l, c, mr_clock_ms());
	CU_ASSERT(l->fd >= 0);
}

static void test_follows_the_data_plane(void)
{
	const char *path = unit_path("link.sock");
	struct cp_conf c;
	struct fake_dp dp;
	struct cp_link l;

	link_connect(&dp, &l, path, &c, 0);
	CU_ASSERT_EQUAL(fake_get(&dp, &dp.claims), 1); /* ours to manage: no one else's pushes */
	CU_ASSERT_EQUAL(fake_get(&dp, &dp.pushes), 1);
	CU_ASSERT_EQUAL(fake_get(&dp, &dp.generation), 1);
	tick_due(&l, &c);
	CU_ASSERT_EQUAL(fake_get(&dp, &dp.pushes), 1); /* ours is in force: nothing to do */

	fake_set(&dp, &dp.generation, 7); /* someone else pushed */
	tick_due(&l, &c);
	CU_ASSERT_EQUAL(fake_get(&dp, &dp.pushes), 2);
	CU_ASSERT_EQUAL(fake_get(&dp, &dp.generation), 1);

	fake_set(&dp, &dp.refuse, 1);
	fake_set(&dp, &dp.generation, 5);
	tick_due(&l, &c);
	CU_ASSERT_EQUAL(fake_get(&dp, &dp.pushes), 3);
	tick_due(&l, &c);
	CU_ASSERT_EQUAL(fake_get(&dp, &dp.pushes), 3); /* a refused generation is not pushed again */

	fake_set(&dp, &dp.refuse, 0);
	c.generation = 2; /* a reload */
	CU_ASSERT_EQUAL(cp_link_push(&l, &c, mr_clock_ms()), 0);
	CU_ASSERT_EQUAL(fake_get(&dp, &dp.generation), 2);

	fake_set(&dp, &dp.drop, 1); /* the data plane restarts: connection gone, config lost */
	usleep(100 * 1000);
	fake_set(&dp, &dp.generation, 0);
	tick_due(&l, &c);
	CU_ASSERT_EQUAL(l.fd, -1);
	tick_due(&l, &c);
	CU_ASSERT(l.fd >= 0);
	CU_ASSERT_EQUAL(fake_get(&dp, &dp.claims), 2); /* claimed again on the new connection */
	CU_ASSERT_EQUAL(fake_get(&dp, &dp.pushes), 5);
	CU_ASSERT_EQUAL(fake_get(&dp, &dp.generation), 2);
	cp_link_close(&l);
	fake_dp_stop(&dp, path);
}

/* A claim refused (another control plane still connected) is asked again at each ping
 * until it is taken, and then no more. Before, one refusal left us unmanaged for as long
 * as the connection lasted. */
static void test_claim_asked_until_taken(void)
{
	const char *path = unit_path("link-claim.sock");
	struct cp_conf c;
	struct fake_dp dp;
	struct cp_link l;

	link_connect(&dp, &l, path, &c, 1);
	CU_ASSERT_FALSE(l.claimed);
	tick_due(&l, &c);
	CU_ASSERT_EQUAL(fake_get(&dp, &dp.claims), 2);
	CU_ASSERT_EQUAL(fake_get(&dp, &dp.pushes), 0); /* not pushed while another holds it */
	CU_ASSERT_EQUAL(cp_link_push(&l, &c, mr_clock_ms()), -1);
	fake_set(&dp, &dp.held_elsewhere, 0); /* the other one is gone */
	tick_due(&l, &c);
	CU_ASSERT_TRUE(l.claimed);
	tick_due(&l, &c);
	CU_ASSERT_EQUAL(fake_get(&dp, &dp.claims), 3);
	/* Ours goes once the claim is ours: before, the refusals while it was held marked
	 * it refused, and it never went. */
	CU_ASSERT_EQUAL(fake_get(&dp, &dp.generation), c.generation);
	cp_link_close(&l);
	fake_dp_stop(&dp, path);
}

/* A reload that moves the control socket keeps the link open to the data plane that
 * runs (it listens where it started): the push goes there and the claim stays; once that
 * data plane is gone, the link goes to the new path. Before, the link was closed, the
 * reload's push went nowhere, and the claim was let go for good. */
static void test_socket_moved_by_reload(void)
{
	const char *path = unit_path("link-old.sock"), *moved = unit_path("link-new.sock");
	struct cp_conf c;
	struct fake_dp dp, next;
	struct cp_link l;

	link_connect(&dp, &l, path, &c, 0);
	CU_ASSERT_TRUE(l.claimed);
	cp_link_set_path(&l, moved);
	CU_ASSERT(l.fd >= 0);
	c.generation = 2;
	CU_ASSERT_EQUAL(cp_link_push(&l, &c, mr_clock_ms()), 0);
	CU_ASSERT_EQUAL(fake_get(&dp, &dp.generation), 2);
	CU_ASSERT_TRUE(l.claimed);
	fake_set(&dp, &dp.drop, 1); /* it restarts, at the new path */
	usleep(100 * 1000);
	fake_dp_stop(&dp, path);
	fake_dp_start(&next, moved);
	tick_due(&l, &c);
	tick_due(&l, &c);
	CU_ASSERT(l.fd >= 0);
	CU_ASSERT_EQUAL(fake_get(&next, &next.generation), 2);
	cp_link_close(&l);
	fake_dp_stop(&next, moved);
}

/* Started beside a data plane that already runs a configuration (a previous
 * meshrelay-cp's, with the gateways it learned): ours is held back until the hold ends,
 * then pushed. A data plane that runs none gets ours at once, hold or not. Before, a
 * restarted meshrelay-cp pushed its file alone at once, and the data plane forgot the
 * learned gateways until discovery answered. */
static void test_first_push_held(void)
{
	const char *path = unit_path("link-hold.sock");
	static char text[] = "x = 1;";
	struct cp_conf c = { .text = text, .len = 6, .generation = 1 };
	struct fake_dp dp;
	struct cp_link l;

	fake_dp_start(&dp, path);
	fake_set(&dp, &dp.generation, 5);
	cp_link_init(&l, path);
	cp_link_hold_first_push(&l, mr_clock_ms() + 10000);
	cp_link_tick(&l, &c, mr_clock_ms());
	CU_ASSERT(l.fd >= 0);
	CU_ASSERT_EQUAL(fake_get(&dp, &dp.pushes), 0);
	CU_ASSERT_EQUAL(fake_get(&dp, &dp.generation), 5);
	tick_due(&l, &c); /* an hour on: the hold is over */
	CU_ASSERT_EQUAL(fake_get(&dp, &dp.pushes), 1);
	CU_ASSERT_EQUAL(fake_get(&dp, &dp.generation), 1);
	cp_link_close(&l);

	/* Let go early (discovery answered): pushed at the very next tick, not a ping
	 * interval later, when a reload could find nothing of ours applied to go back to. */
	fake_set(&dp, &dp.generation, 5);
	cp_link_init(&l, path);
	cp_link_hold_first_push(&l, mr_clock_ms() + 10000);
	cp_link_tick(&l, &c, mr_clock_ms());
	CU_ASSERT_EQUAL(fake_get(&dp, &dp.pushes), 1);
	cp_link_hold_first_push(&l, 0);
	cp_link_tick(&l, &c, mr_clock_ms());
	CU_ASSERT_EQUAL(fake_get(&dp, &dp.pushes), 2);
	CU_ASSERT_EQUAL(fake_get(&dp, &dp.generation), 1);
	cp_link_close(&l);

	fake_set(&dp, &dp.generation, 0); /* a data plane that runs nothing pushed */
	cp_link_init(&l, path);
	cp_link_hold_first_push(&l, mr_clock_ms() + 10000);
	cp_link_tick(&l, &c, mr_clock_ms());
	CU_ASSERT_EQUAL(fake_get(&dp, &dp.pushes), 3);
	cp_link_close(&l);
	fake_dp_stop(&dp, path);
}

static void test_backoff_while_absent(void)
{
	static const int64_t want[] = { 100, 200, 400, 800, 1600, 3200, 5000, 5000 };
	static char text[] = "x = 1;";
	struct cp_conf c = { .text = text, .len = 6, .generation = 1 };
	struct cp_link l;
	int64_t at = mr_clock_ms();

	cp_link_init(&l, unit_path("absent.sock"));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		cp_link_tick(&l, &c, at);
		CU_ASSERT_EQUAL(l.fd, -1);
		CU_ASSERT_EQUAL(l.next_connect_ms - at, want[i]);
		at = l.next_connect_ms;
	}
	/* Not due yet: nothing is tried and the wait is what is left. */
	CU_ASSERT(cp_link_tick(&l, &c, at - 1) > 0);
	CU_ASSERT_EQUAL(l.failures, 8);
}

/* A refused client learns why (not just "connection closed") and backs off further at
 * each refusal instead of hammering the data plane. */
static void test_refused_backs_off(void)
{
	static const int64_t want[] = { 100, 200, 400, 800 };
	static char text[] = "x = 1;";
	const char *path = unit_path("reject.sock");
	struct cp_conf c = { .text = text, .len = 6, .generation = 1 };
	struct mr_ctl_hdr h;
	struct fake_dp dp;
	struct cp_link l;
	char *reply;
	int fd;

	fake_dp_start(&dp, path);
	fake_set(&dp, &dp.reject, 1);
	fd = mr_ctl_connect(path, 1000);
	usleep(100 * 1000); /* the refusal is written and the socket closed */
	CU_ASSERT_EQUAL(mr_ctl_exchange(fd, MR_CTL_PING, 0, NULL, 0, 1000, &h, &reply), 0);
	CU_ASSERT_EQUAL(h.type, MR_CTL_RESULT);
	CU_ASSERT_PTR_NOT_NULL(strstr(reply ? reply : "", "may not use"));
	free(reply);
	close(fd);

	cp_link_init(&l, path);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		int64_t at = i ? l.next_connect_ms : (int64_t)mr_clock_ms();

		int64_t left;

		cp_link_tick(&l, &c, at);
		left = l.next_connect_ms - (int64_t)mr_clock_ms(); /* scheduled from when the refusal came */
		CU_ASSERT_EQUAL(l.fd, -1);
		CU_ASSERT(left > want[i] - 50 && left <= want[i]);
	}
	CU_ASSERT_EQUAL(fake_get(&dp, &dp.pushes), 0);
	fake_dp_stop(&dp, path);
}

/* A data plane that answers pings but hangs up on every push: each reconnection waits
 * longer. Before, the answered ping reset the back-off, and the link reconnected and
 * pushed the whole configuration every 100 ms for as long as it lasted. */
static void test_push_dropped_backs_off(void)
{
	static const int64_t want[] = { 100, 200, 400, 800 };
	const char *path = unit_path("drop-push.sock");
	struct cp_conf c;
	struct fake_dp dp;
	struct cp_link l;

	uint32_t pushed;

	link_connect(&dp, &l, path, &c, 0);
	pushed = fake_get(&dp, &dp.pushes);
	fake_set(&dp, &dp.drop_push, 1);
	cp_link_close(&l);
	l.next_connect_ms = 0;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		int64_t left;

		cp_link_tick(&l, &c, i ? l.next_connect_ms : (int64_t)mr_clock_ms());
		left = l.next_connect_ms - (int64_t)mr_clock_ms();
		CU_ASSERT_EQUAL(l.fd, -1);
		CU_ASSERT(left > want[i] - 50 && left <= want[i]);
	}
	CU_ASSERT_EQUAL(fake_get(&dp, &dp.pushes) - pushed, 4);
	/* Once a push is answered, the next loss starts from the first step again. */
	fake_set(&dp, &dp.drop_push, 0);
	cp_link_tick(&l, &c, l.next_connect_ms);
	CU_ASSERT(l.fd >= 0 && l.pushed == 1);
	CU_ASSERT_EQUAL(l.dp_generation, 1);
	fake_set(&dp, &dp.drop, 1);
	cp_link_lost(&l, mr_clock_ms(), "test");
	CU_ASSERT(l.next_connect_ms - (int64_t)mr_clock_ms() <= 100);
	CU_ASSERT_EQUAL(l.dp_generation, 0); /* not shown in force while none is connected */
	fake_dp_stop(&dp, path);
}

int test_link_register(void)
{
	static CU_TestInfo tests[] = {
		{ "push, follow, re-push, refusal, reconnect", test_follows_the_data_plane },
		{ "a refused claim asked again until taken", test_claim_asked_until_taken },
		{ "a socket moved by a reload: the open link stays", test_socket_moved_by_reload },
		{ "beside a data plane that runs, the first push held", test_first_push_held },
		{ "back-off while the data plane is absent", test_backoff_while_absent },
		{ "a refused client reads why and backs off", test_refused_backs_off },
		{ "a data plane dropping every push: backed off", test_push_dropped_backs_off },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite("cp_link", tests);
}
