/* process_memory.h — what the process holds in memory, for the tools that measure it
 * (the soak's memory curve, the scale benchmark's cost of an open). */
#ifndef TPT_PROCESS_MEMORY_H
#define TPT_PROCESS_MEMORY_H

#include <stdint.h>

/*! tpt_process_rss_bytes() : the process's resident set now, from /proc (0 where there
 *  is none). Costs a few microseconds: read it outside timed regions. */
uint64_t tpt_process_rss_bytes(void);

#endif /* TPT_PROCESS_MEMORY_H */
