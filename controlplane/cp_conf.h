/*
 * The last good configuration of meshrelay-cp: the file's text exactly as validated (what
 * is pushed is what was checked), its parsed form, and its generation.
 */
#ifndef CP_CONF_H
#define CP_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "mr_config.h"

struct cp_conf {
	char *text;                /* NUL-terminated file contents */
	uint32_t len;
	uint32_t generation;       /* 0 before the first good file; +1 with each good load */
	struct mr_config conf;
};

/* Read and validate path. On success the held config is replaced and its generation
 * increases; on failure ("file:line: reason" in err) nothing changes. 0 or -1. */
int cp_conf_load(struct cp_conf *c, const char *path, char *err, size_t errlen);

/* Release the held config; c is left zeroed. */
void cp_conf_free(struct cp_conf *c);

#endif
