/* SPDX-License-Identifier: BSD-3-Clause */
#include "mr_args.h"

#include <getopt.h>
#include <stdio.h>

/* getopt_long's code for a long option without a letter: above every character. */
#define MR_ARGS_LONG_ONLY 256

/* The table entry getopt_long's code c stands for, or NULL (an unknown option). */
static const struct mr_arg_opt *option_of(const struct mr_arg_opt *opts, int c)
{
	for (int i = 0; opts[i].name; i++)
		if (c == (opts[i].letter ? opts[i].letter : MR_ARGS_LONG_ONLY + i))
			return &opts[i];
	return NULL;
}

int mr_args_parse(int argc, char **argv, const struct mr_arg_opt *opts, const char *usage,
		  int *operands, char *err, size_t errlen)
{
	struct option longs[MR_ARGS_MAX + 2];
	char shorts[2 * MR_ARGS_MAX + 3] = ":"; /* ':' first: a missing value is told apart */
	size_t at = 1;
	int n = 0, c;

	for (; opts[n].name && n < MR_ARGS_MAX; n++) {
		int code = opts[n].letter ? opts[n].letter : MR_ARGS_LONG_ONLY + n;

		longs[n] = (struct option){ opts[n].name,
					    opts[n].value ? required_argument : no_argument, NULL,
					    code };
		if (opts[n].letter) {
			shorts[at++] = opts[n].letter;
			if (opts[n].value)
				shorts[at++] = ':';
		}
	}
	longs[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	longs[n] = (struct option){ NULL, 0, NULL, 0 };
	shorts[at++] = 'h';
	shorts[at] = '\0';
	optind = 0; /* a full reset of getopt's state, not only the index */
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		const struct mr_arg_opt *o = option_of(opts, c);

		if (c == 'h') {
			fputs(usage, stdout);
			return 1;
		}
		if (c == ':') {
			snprintf(err, errlen, "option %s needs a value", argv[optind - 1]);
			return -1;
		}
		if (!o) {
			snprintf(err, errlen, "unknown option %s", argv[optind - 1]);
			return -1;
		}
		if (o->value)
			*o->value = optarg;
		else
			*o->flag = true;
	}
	*operands = optind;
	return 0;
}
