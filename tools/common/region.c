/* region.c — chunk rectangles as text. (Parsing them is tpt_parse_region(), with the
 * other command-line parsers in cli_options.c.) */
#include "region.h"

#include <inttypes.h>
#include <stdio.h>

void tpt_region_format(const tpt_region *r, char *buf, size_t buf_size)
{
    snprintf(buf, buf_size, "%" PRId32 ",%" PRId32 ",%" PRId64 ",%" PRId64, r->x0, r->z0,
             r->x1, r->z1);
}
