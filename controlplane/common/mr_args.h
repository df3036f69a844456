/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Command lines of meshrelay's programs, read from a table of options: each stores its
 * value (a pointer into argv) or sets a flag; -h and --help print the usage. getopt_long
 * starts over on every call, so a program (or a test) may parse more than one command
 * line.
 */
#ifndef MR_ARGS_H
#define MR_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#define MR_ARGS_MAX 16               /* options in one table, --help not counted */

struct mr_arg_opt {
	const char *name;                /* the long option, without "--"; NULL ends a table */
	char letter;                     /* its short form (-x), or 0 for none; never 'h' */
	const char **value;              /* takes a value, stored here ... */
	bool *flag;                      /* ... or takes none and sets this */
};

/* Read the options of argv into the table's targets (operands may come first: argv is
 * reordered so that they follow the options). 0 with *operands the index in argv of the
 * first operand, 1 when help was asked for (usage printed to stdout), -1 with "option X
 * needs a value" or "unknown option X" in err. */
int mr_args_parse(int argc, char **argv, const struct mr_arg_opt *opts, const char *usage,
		  int *operands, char *err, size_t errlen);

#endif
