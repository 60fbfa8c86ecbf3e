/* units.h — quantities as the tools print them for people. Pure; any thread. */
#ifndef TPT_UNITS_H
#define TPT_UNITS_H

#include <stddef.h>
#include <stdint.h>

/*! tpt_format_bytes() : "512 B" below 1 KiB, else one decimal in the largest binary
 *  unit under 1024 of it ("12.3 MiB"), written into buf. */
void tpt_format_bytes(uint64_t bytes, char *buf, size_t buf_size);

#endif /* TPT_UNITS_H */
