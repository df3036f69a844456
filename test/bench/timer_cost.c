/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-timers: what a worker's timers cost while it holds many flows and none of them
 * is due, per second of its clock. One appliance on two ring ports, its one worker driven
 * from this thread. FLOWS spliced flows are put in its table (idle deadlines spread evenly
 * over the 300 s idle timeout, none within the run), ARMED of them with a retransmission
 * armed, due a minute after the run (as connects and unacknowledged hellos in flight
 * are); then the worker's housekeeping runs once per millisecond of its clock for WARMUP
 * seconds, then for SECONDS more inside timer_cost_run:
 *   valgrind --tool=callgrind --toggle-collect=timer_cost_run bench-timers FLOWS ARMED SECONDS
 * counts the instructions (divided by the seconds printed: per second of clock), and the
 * TSC cycles of the same calls are printed too (run without valgrind for those). Exits 1
 * when a flow ended or was missing after the run: nothing was due.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>

#include "dp_appliance.h"
#include "dp_worker.h"
#include "flow.h"

#define IDLE_MS 300000u
#define WARMUP_S 2u

static const char config_format[] =
	"dataplane = { mbufs = 0; neighbour = { entries = 64; }; };\n"
	"ports = ( { name = \"edge\"; device = \"net_ring_bt0\"; ipv4 = \"10.0.0.1/24\";\n"
	"            exception = { enabled = false; }; },\n"
	"          { name = \"svc\"; device = \"net_ring_bt1\"; ipv4 = \"10.1.0.1/24\";\n"
	"            exception = { enabled = false; }; } );\n"
	"listeners = ( { name = \"tls\"; port = \"edge\"; tcp_port = 443; } );\n"
	"relay = { max_flows = %u; idle_timeout_ms = %u; };\n"
	"networks = ( { name = \"n\"; local = true; allow = [ \"10.1.0.0/24\" ]; ports = ( 443 ); } );\n"
	"pools = ( { name = \"p\"; members = ( { address = \"10.1.0.2\"; port = 443; } ); } );\n"
	"routes = ( { sni = \"api.svc.example\"; pool = \"p\"; } );\n";

static struct dp_appliance app;

static void fail(const char *what)
{
	fprintf(stderr, "bench-timers: %s\n", what);
	exit(1);
}

/* Housekeeping once per millisecond of the worker's clock, for ms milliseconds. */
static void housekeeping_ms(struct dp_worker *w, uint32_t ms)
{
	for (uint32_t i = 0; i < ms; i++) {
		w->now_ms++;
		dp_worker_housekeeping(w);
	}
}

__attribute__((noinline, noclone)) uint64_t timer_cost_run(struct dp_worker *w, uint32_t ms)
{
	uint64_t start = rte_rdtsc();

	housekeeping_ms(w, ms);
	return rte_rdtsc() - start;
}

/* n spliced flows, their idle deadlines spread over (start + run_ms, start + IDLE_MS], the
 * first `armed` of them with a retransmission due a minute after the run. Only the
 * table's own calls, and expire_ms written directly, as the burst path writes it. */
static void hold_flows(struct dp_worker *w, uint32_t n, uint32_t armed, uint32_t run_ms)
{
	uint32_t now = (uint32_t)w->now_ms, span = IDLE_MS - run_ms;

	for (uint32_t i = 0; i < n; i++) {
		struct flow *f = flow_alloc(w->flows, now);

		if (!f)
			fail("the table is full");
		f->state = FLOW_SPLICED;
		f->expire_ms = now + run_ms + 1 + (uint32_t)((uint64_t)span * i / n);
		if (i < armed) /* due a minute after the run */
			flow_rtx_arm(w->flows, f, now + run_ms + 60000);
	}
}

int main(int argc, char **argv)
{
	char prefix[64], err[512], config_text[sizeof(config_format) + 32];
	char *eal_argv[] = { "bench-timers", "--lcores", "(0-1)@0", "--no-pci", "--no-huge", "-m",
			     "1024", "--no-telemetry", "--log-level", "*:error", "--file-prefix",
			     prefix, NULL };
	static struct mr_config conf;
	uint32_t flows, armed, seconds;
	struct dp_worker *w;
	uint64_t cycles;

	if (argc != 4)
		fail("usage: bench-timers FLOWS ARMED SECONDS");
	flows = (uint32_t)strtoul(argv[1], NULL, 10);
	armed = (uint32_t)strtoul(argv[2], NULL, 10);
	seconds = (uint32_t)strtoul(argv[3], NULL, 10);
	if (flows < 64 || armed > flows || seconds < 1 || (WARMUP_S + seconds) * 1000 >= IDLE_MS)
		fail("FLOWS at least 64, ARMED at most FLOWS, SECONDS 1 to 290");
	snprintf(prefix, sizeof(prefix), "bench-timers-%d", (int)getpid());
	if (rte_eal_init((int)RTE_DIM(eal_argv) - 1, eal_argv) < 0)
		fail("EAL did not start");
	snprintf(config_text, sizeof(config_text), config_format, flows, IDLE_MS);
	if (mr_config_load_string(config_text, "bench-timers", &conf, err, sizeof(err)) < 0)
		fail(err);
	app.conf = &conf;
	app.n_workers = 1;
	if (dp_appliance_up(&app, err, sizeof(err)) < 0 || !app.workers[0])
		fail(err);
	w = app.workers[0];
	w->now_ms = 1000000;
	hold_flows(w, flows, armed, (WARMUP_S + seconds) * 1000);
	housekeeping_ms(w, WARMUP_S * 1000);
	cycles = timer_cost_run(w, seconds * 1000);
	if (flow_count(w->flows) != flows)
		fail("flows ended, or went missing, with nothing due");
	printf("flows %u\narmed %u\nseconds %u\ncycles %" PRIu64 "\n", flows, armed, seconds,
	       cycles);
	dp_appliance_down(&app);
	mr_config_free(&conf);
	rte_eal_cleanup();
	return 0;
}
