/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TURN credentials of meshrelay-cp: a file of "SERVER USER PASSWORD" lines (SERVER being a
 * turn.servers name; '#' starts a comment). The file must be a regular file that only its
 * owner (this user or root) can read or write. Passwords never reach a log or an error.
 */
#ifndef CP_SECRETS_H
#define CP_SECRETS_H

#include <stddef.h>

#include "mr_config.h"

struct cp_secret {
	char server[MR_NAME_MAX];
	char user[128];
	char password[128];
};

struct cp_secrets {
	struct cp_secret *v;
	unsigned int n;
};

/* Read path into out (replacing nothing: out must be empty). 0, or -1 with
 * "path[:line]: reason" in err; the reason never quotes a password. */
int cp_secrets_load(const char *path, struct cp_secrets *out, char *err, size_t errlen);

/* The entry for server, or NULL. */
const struct cp_secret *cp_secrets_find(const struct cp_secrets *s, const char *server);

/* Wipe and release; s is left empty. */
void cp_secrets_free(struct cp_secrets *s);

#endif
