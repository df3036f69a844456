/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What one random cache line of a large table costs this machine, in TSC cycles: the floor
 * under any per-packet figure at many active flows, where every packet's flow state and
 * index bucket are such lines. Three figures over a table of the given size:
 *   alone      one line at a time, each address taken from the line before (latency);
 *   in flight  bursts of 32 lines, all asked for (prefetch) before the first is read, as
 *              the flow lookup does: the cost per line when loads overlap;
 *   two lines  the same with two adjacent lines per entry (a flow's first two lines).
 * Entries are 192 bytes apart, as flow entries are.
 *   bench-line-cost MEGABYTES [4k|2m]
 * 2m backs the table with 2 MB pages: reserved hugepages when there are free ones,
 * transparent ones otherwise; the first output word says which it got.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_cycles.h>
#include <rte_prefetch.h>

#define ENTRY 192u
#define BURST 32u
#define ROUNDS 20000u

static uint64_t rand_state = 0x9e3779b97f4a7c15ull;

/* xorshift64: the addresses must not follow a pattern a prefetcher could learn. */
static inline uint64_t next_rand(void)
{
	rand_state ^= rand_state << 13;
	rand_state ^= rand_state >> 7;
	rand_state ^= rand_state << 17;
	return rand_state;
}

/* The table, and in *how the pages it got. NULL when out of memory. */
static uint8_t *table_map(size_t bytes, bool huge, const char **how)
{
	void *t;

	if (huge) {
		t = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
		if (t != MAP_FAILED) {
			*how = "2MB-reserved";
			return t;
		}
	}
	t = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (t == MAP_FAILED)
		return NULL;
	madvise(t, bytes, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	*how = huge ? "2MB-transparent" : "4KB";
	return t;
}

/* Cycles per line of ROUNDS chains of BURST lines, each address from the line before. */
static double cost_alone(const uint8_t *t, uint64_t n, uint64_t *sink)
{
	uint64_t start = rte_rdtsc(), at = next_rand() % n;

	for (unsigned int r = 0; r < ROUNDS * BURST; r++) {
		uint64_t word;

		memcpy(&word, t + at * ENTRY, sizeof(word));
		at = (word ^ next_rand()) % n;
	}
	*sink += at;
	return (double)(rte_rdtsc() - start) / (ROUNDS * BURST);
}

/* Cycles per line of ROUNDS bursts of BURST entries, lines lines each, all asked for
 * before the first is read. */
static double cost_in_flight(const uint8_t *t, uint64_t n, unsigned int lines, uint64_t *sink)
{
	uint64_t start = rte_rdtsc(), sum = 0;
	const uint8_t *at[BURST];

	for (unsigned int r = 0; r < ROUNDS; r++) {
		for (unsigned int i = 0; i < BURST; i++) {
			at[i] = t + (next_rand() % n) * ENTRY;
			for (unsigned int l = 0; l < lines; l++)
				rte_prefetch0(at[i] + l * RTE_CACHE_LINE_SIZE);
		}
		for (unsigned int i = 0; i < BURST; i++)
			for (unsigned int l = 0; l < lines; l++)
				sum += at[i][l * RTE_CACHE_LINE_SIZE];
	}
	*sink += sum;
	return (double)(rte_rdtsc() - start) / (ROUNDS * BURST * lines);
}

int main(int argc, char **argv)
{
	size_t bytes = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) << 20 : 0;
	bool huge = argc > 2 && strcmp(argv[2], "2m") == 0;
	const char *how = "";
	volatile uint64_t keep;
	uint64_t sink = 0, n;
	uint8_t *t;

	if (bytes < (64u << 20) || (argc > 2 && !huge && strcmp(argv[2], "4k") != 0)) {
		fprintf(stderr, "usage: %s MEGABYTES(>=64) [4k|2m]\n", argv[0]);
		return 2;
	}
	t = table_map(bytes, huge, &how);
	if (t == NULL) {
		fprintf(stderr, "bench-line-cost: no memory for %zu MB\n", bytes >> 20);
		return 1;
	}
	/* Every page present, and words no compiler can predict. */
	for (size_t i = 0; i < bytes; i += sizeof(uint64_t)) {
		uint64_t v = next_rand();

		memcpy(t + i, &v, sizeof(v));
	}
	n = bytes / ENTRY;
	printf("%s %zuMB alone=%.1f in_flight=%.1f two_lines=%.1f\n", how, bytes >> 20,
	       cost_alone(t, n, &sink), cost_in_flight(t, n, 1, &sink),
	       cost_in_flight(t, n, 2, &sink));
	keep = sink; /* the loads must happen */
	(void)keep;
	munmap(t, bytes);
	return 0;
}
