#include "dp_counters.h"

#define DP_NAME(name) #name,
const char *const dp_event_names[DP_EV_COUNT] = { DP_EVENT_LIST(DP_NAME) };
const char *const dp_drop_names[DP_DROP_COUNT] = { DP_DROP_LIST(DP_NAME) };
#undef DP_NAME
