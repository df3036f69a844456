/* meshrelayctl's output for people: aligned tables from the data plane's flat JSON. */
#ifndef CTL_PRINT_H
#define CTL_PRINT_H

#include <stdio.h>

/* A flat object as "name value" lines with the values aligned; an array's items one per
 * line (under the array's name unless it is the only member); anything else as it came. */
void ctl_print_human(FILE *out, const char *json);

#endif
