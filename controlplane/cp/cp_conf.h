/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The last good configuration of meshrelay-cp: the file's text exactly as validated, the
 * remote gateways and the other networks' exported names learned from discovery, and what
 * is pushed: the file's text with those appended as `gateways` and `imported` lists (an
 * import whose network the file no longer declares as remote, or that the file routes
 * itself, is left out), validated whole again (what is pushed is what
 * was checked). Each change of either part is a new generation.
 */
#ifndef CP_CONF_H
#define CP_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "mr_config.h"

/* Another network's exported name, routed to that network (by name: it survives reloads
 * that reorder networks). */
struct cp_import {
	char sni[262];             /* "NAME" (TLS) or "NAME:PORT" (a plain TCP service) */
	char network[MR_NAME_MAX];
};

struct cp_conf {
	char *text;                /* pushed: file text + learned gateways, NUL-terminated */
	uint32_t len;
	uint32_t generation;       /* 0 before the first good file; a new one with each change */
	uint32_t issued;           /* the highest generation given out, kept or not: a
				    * number is never given to two different texts */
	struct mr_config conf;     /* parsed from text */
	char *file_text;           /* the file as read */
	struct mr_remote_gateway_conf *learned;
	unsigned int n_learned;
	struct cp_import *imports; /* written as an `imported` list behind the gateways */
	unsigned int n_imports;
	/* The last learned set whose imports did not fit whole, by digest (the file's text
	 * with it): the same set learned again takes as many at once, without validating
	 * once a step of the search (a large mesh, a small VIP range, many events). */
	uint64_t unfit_digest;
	unsigned int unfit_taken;
	char unfit_why[MR_ERR_MAX];
};

/* Read and validate path (with the learned gateways appended). On success the held
 * config is replaced and its generation increases; on failure ("file:line: reason" in
 * err) nothing changes. A file with its own `gateways` list and a discovery section is
 * refused: learned gateways would silently replace them. 0 or -1. */
int cp_conf_load(struct cp_conf *c, const char *path, char *err, size_t errlen);

/* Replace the learned gateways (network indices refer to the held config's networks) and
 * imported names. 1 when that changed what is pushed (new generation), 0 when it is the
 * same, -1 with err when the result does not validate (nothing changes). */
int cp_conf_set_learned(struct cp_conf *c, const struct mr_remote_gateway_conf *gws,
			unsigned int n, const struct cp_import *imports, unsigned int n_imports,
			char *err, size_t errlen);

/* cp_conf_set_learned, and where the imports make it fail, with as many of the first
 * imports as validate (0 at worst): one name that cannot be placed (the VIP range full)
 * must not stop every gateway and name learned after it. *taken says how many; when fewer
 * than n_imports, err says why the next did not fit (the result 1 or 0 all the same). */
int cp_conf_set_learned_fitting(struct cp_conf *c, const struct mr_remote_gateway_conf *gws,
				unsigned int n, const struct cp_import *imports,
				unsigned int n_imports, unsigned int *taken, char *err,
				size_t errlen);

/* Texts composed and validated since the process started, reloads' and learning's (a
 * counter: never goes back, whatever configuration is kept or dropped). */
uint64_t cp_conf_validations(void);

/* A copy of src in dst, with memory of its own (a reload's candidate, so that what the
 * data plane refuses never replaces what runs). 0, or -1 when out of memory (dst zeroed). */
int cp_conf_copy(struct cp_conf *dst, const struct cp_conf *src);

/* Release the held config; c is left zeroed. */
void cp_conf_free(struct cp_conf *c);

#endif
