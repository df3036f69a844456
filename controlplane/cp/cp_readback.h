/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a running data plane learned from a previous meshrelay-cp's discovery, read back
 * (its "learned" report) when meshrelay-cp starts while discovery does not answer: the
 * remote gateways and imported names go on being pushed with the file, not dropped by a
 * push of the file alone, until discovery answers. No I/O: parses the report's answer.
 */
#ifndef CP_READBACK_H
#define CP_READBACK_H

#include <stddef.h>

#include "cp_conf.h"
#include "mr_config.h"

/* The "learned" report's answer (JSON {"items": [...]}, len bytes), its lines
 * "gateway NETWORK ID ADDRESS PORT" and "import NETWORK NAME[:PORT]", into gws (up to
 * max_gws, network indices into conf's networks) and imports (up to max_imports). Lines
 * for a network conf does not have as a remote one are left out. 0 with *n_gws and
 * *n_imports; -1 with why when the answer or a line is not one (nothing is taken). */
int cp_readback_parse(const char *reply, size_t len, const struct mr_config *conf,
		      struct mr_remote_gateway_conf *gws, unsigned int max_gws,
		      unsigned int *n_gws, struct cp_import *imports, unsigned int max_imports,
		      unsigned int *n_imports, const char **why);

#endif
