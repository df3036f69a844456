/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "inbox": the rings through which workers hand each other frames (inbox.h), on a
 * worker of three whose rings are filled by hand (the frames stand for themselves: only
 * their pointers travel). */
#include <stdint.h>
#include <stdlib.h>

#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dp_appliance.h"
#include "inbox.h"
#include "unit.h"

#define TAKE 64

/* Worker 0 hands over a whole take every time; worker 2 a few frames once: within two
 * takes worker 2's frames are read. Before, every take began at worker 0's ring, and
 * worker 2's was never read while worker 0 kept it full (its hand-overs then dropped as
 * dispatch_full). */
static void test_no_sender_starved(void)
{
	struct dp_appliance *app = calloc(1, sizeof(*app));
	struct dp_worker *w = calloc(1, sizeof(*w));
	struct rte_mbuf *pkts[TAKE];
	unsigned int from2 = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(app);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	app->n_workers = 3;
	w->app = app;
	w->index = 1;
	w->inbox[0] = rte_ring_create("unit-inbox-0", 256, SOCKET_ID_ANY,
				      RING_F_SP_ENQ | RING_F_SC_DEQ);
	w->inbox[2] = rte_ring_create("unit-inbox-2", 256, SOCKET_ID_ANY,
				      RING_F_SP_ENQ | RING_F_SC_DEQ);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w->inbox[0]);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w->inbox[2]);
	for (uintptr_t f = 1; f <= 5; f++)
		rte_ring_sp_enqueue(w->inbox[2], (void *)(0x2000 + f));
	for (int take = 0; take < 2; take++) {
		unsigned int n;

		while (rte_ring_count(w->inbox[0]) < TAKE)
			rte_ring_sp_enqueue(w->inbox[0], (void *)(uintptr_t)0x1000);
		n = inbox_take(w, pkts, TAKE);
		CU_ASSERT_EQUAL(n, TAKE);
		for (unsigned int i = 0; i < n; i++)
			from2 += ((uintptr_t)pkts[i] & 0x2000) != 0;
	}
	CU_ASSERT_EQUAL(from2, 5);
	rte_ring_free(w->inbox[0]);
	rte_ring_free(w->inbox[2]);
	free(w);
	free(app);
}

/* A neighbour frame to copy to the other workers while the pool is empty: each copy not
 * made is counted (before, nothing said so but the extra ARP of the workers that missed
 * it). */
static void test_copy_without_mbufs(void)
{
	struct dp_appliance *app = calloc(1, sizeof(*app));
	struct dp_worker *w = calloc(1, sizeof(*w));
	struct rte_mbuf *held[8], *m;
	unsigned int n = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(app);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	app->pool = rte_pktmbuf_pool_create("unit-inbox-pool", 8, 0, 0,
					    RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	CU_ASSERT_PTR_NOT_NULL_FATAL(app->pool);
	app->n_workers = 3;
	w->app = app;
	w->index = 0;
	m = rte_pktmbuf_alloc(app->pool);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_PTR_NOT_NULL(rte_pktmbuf_append(m, 60));
	while (n < RTE_DIM(held) && (held[n] = rte_pktmbuf_alloc(app->pool)) != NULL)
		n++;
	inbox_copy_to_others(w, m);
	CU_ASSERT_EQUAL(w->counters.drops[DP_DROP_copy_no_mbuf], 2);
	rte_pktmbuf_free_bulk(held, n);
	rte_pktmbuf_free(m);
	rte_mempool_free(app->pool);
	free(w);
	free(app);
}

/* 200 neighbour frames a second that are news (senders made up): the others get
 * INBOX_NEWS_PER_SECOND of them, the rest counted; the next second copies again. Before,
 * every one was copied to every other worker, into the rings relayed segments are handed
 * over in. */
static void test_copies_rationed(void)
{
	struct dp_appliance *app = calloc(1, sizeof(*app));
	struct dp_worker *w[3];
	struct rte_mbuf *m;

	CU_ASSERT_PTR_NOT_NULL_FATAL(app);
	app->pool = rte_pktmbuf_pool_create("unit-inbox-news", 1023, 0, 0,
					    RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	CU_ASSERT_PTR_NOT_NULL_FATAL(app->pool);
	app->n_workers = 3;
	for (unsigned int i = 0; i < 3; i++) {
		w[i] = calloc(1, sizeof(*w[i]));
		CU_ASSERT_PTR_NOT_NULL_FATAL(w[i]);
		w[i]->app = app;
		w[i]->index = (uint16_t)i;
		app->workers[i] = w[i];
	}
	w[0]->outbox = calloc(3, 512); /* room for three outboxes */
	w[0]->now_ms = 5000;
	w[1]->inbox[0] = rte_ring_create("unit-news-1", 256, SOCKET_ID_ANY,
					 RING_F_SP_ENQ | RING_F_SC_DEQ);
	w[2]->inbox[0] = rte_ring_create("unit-news-2", 256, SOCKET_ID_ANY,
					 RING_F_SP_ENQ | RING_F_SC_DEQ);
	m = rte_pktmbuf_alloc(app->pool);
	CU_ASSERT_FATAL(w[0]->outbox && w[1]->inbox[0] && w[2]->inbox[0] && m);
	CU_ASSERT_PTR_NOT_NULL(rte_pktmbuf_append(m, 60));
	for (int i = 0; i < 200; i++)
		inbox_copy_to_others(w[0], m);
	inbox_flush(w[0]);
	CU_ASSERT_EQUAL(rte_ring_count(w[1]->inbox[0]), INBOX_NEWS_PER_SECOND);
	CU_ASSERT_EQUAL(rte_ring_count(w[2]->inbox[0]), INBOX_NEWS_PER_SECOND);
	CU_ASSERT_EQUAL(w[0]->counters.drops[DP_DROP_copy_rationed], 200 - INBOX_NEWS_PER_SECOND);
	w[0]->now_ms += 1000;
	inbox_copy_to_others(w[0], m);
	inbox_flush(w[0]);
	CU_ASSERT_EQUAL(rte_ring_count(w[1]->inbox[0]), INBOX_NEWS_PER_SECOND + 1);
	for (unsigned int i = 1; i < 3; i++) {
		struct rte_mbuf *got[256];
		unsigned int n = rte_ring_dequeue_burst(w[i]->inbox[0], (void **)got, 256, NULL);

		rte_pktmbuf_free_bulk(got, n);
		rte_ring_free(w[i]->inbox[0]);
	}
	rte_pktmbuf_free(m);
	rte_mempool_free(app->pool);
	free(w[0]->outbox);
	for (unsigned int i = 0; i < 3; i++)
		free(w[i]);
	free(app);
}

/* Every inbox ring of three workers filled to the brim: the pool's floor (dp_pool_at_rest,
 * with no port) must hold all of it. Before, the
 * pool was sized for the ports' rings alone, and a receiving worker that fell behind could
 * take every mbuf into its inbox, so that no port received anything more. */
static void test_pool_holds_full_inboxes(void)
{
	struct dp_appliance *app = calloc(1, sizeof(*app));
	struct mr_config *conf = calloc(1, sizeof(*conf));
	uint32_t held = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(app);
	CU_ASSERT_PTR_NOT_NULL_FATAL(conf);
	app->n_workers = 3;
	for (unsigned int i = 0; i < app->n_workers; i++) {
		app->workers[i] = calloc(1, sizeof(struct dp_worker));
		CU_ASSERT_PTR_NOT_NULL_FATAL(app->workers[i]);
		app->workers[i]->app = app;
		app->workers[i]->index = i;
	}
	CU_ASSERT_EQUAL_FATAL(inbox_init(app), 0);
	for (unsigned int to = 0; to < app->n_workers; to++)
		for (unsigned int from = 0; from < app->n_workers; from++) {
			struct rte_ring *r = app->workers[to]->inbox[from];

			if (from == to) {
				CU_ASSERT_PTR_NULL(r);
				continue;
			}
			while (rte_ring_sp_enqueue(r, (void *)(uintptr_t)0x1000) == 0)
				held++;
		}
	CU_ASSERT(held > 0);
	CU_ASSERT_EQUAL(inbox_held_max(app->n_workers), held);
	CU_ASSERT(dp_pool_at_rest(conf, app->n_workers) >= held);
	CU_ASSERT_EQUAL(inbox_held_max(1), 0);
	/* A worker's inboxes hold a few thousand frames whatever the number of workers: with
	 * 64, the pool does not need millions of buffers for them. */
	for (unsigned int n = 2; n <= DP_MAX_WORKERS; n++)
		CU_ASSERT(inbox_held_max(n) <= n * 4096u);
	for (unsigned int i = 0; i < app->n_workers; i++) {
		for (unsigned int from = 0; from < app->n_workers; from++)
			if (app->workers[i]->inbox[from])
				rte_ring_reset(app->workers[i]->inbox[from]);
		inbox_free(app->workers[i]);
		free(app->workers[i]);
	}
	free(conf);
	free(app);
}

int test_inbox_register(void)
{
	static const CU_TestInfo tests[] = {
		{ "a busy sender starves no other", test_no_sender_starved },
		{ "a copy without mbufs is counted", test_copy_without_mbufs },
		{ "copies to the other workers rationed a second", test_copies_rationed },
		{ "the pool holds full inboxes", test_pool_holds_full_inboxes },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite("inbox", tests);
}
