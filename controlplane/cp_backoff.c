#include "cp_backoff.h"

void cp_backoff_reset(struct cp_backoff *b)
{
	b->next_ms = CP_BACKOFF_FIRST_MS;
}

uint32_t cp_backoff_next(struct cp_backoff *b)
{
	uint32_t d = b->next_ms ? b->next_ms : CP_BACKOFF_FIRST_MS;

	b->next_ms = d >= CP_BACKOFF_MAX_MS / 2 ? CP_BACKOFF_MAX_MS : d * 2;
	return d;
}
