/* pagefile_open.h — opening a page file for a tool, and the messages when that fails:
 * the reader's result with its detail, the layout of its pages (the world it was baked
 * from, checked against its header) and its region.
 *
 *   tp_reader *reader;
 *   if (!tpt_pagefile_open("terrapage info", path, &reader))
 *       return TPT_EXIT_FAILURE;                 // "terrapage info: x.tpk: bad magic"
 *   tp_page_layout layout;
 *   if (!tpt_pagefile_layout("terrapage info", path, reader, NULL, &layout))
 *       ...
 *
 * Every message goes to stderr as "<command>: <path>: <problem>". Thread rules: any
 * thread; the failure detail these read is the calling thread's.
 */
#ifndef TPT_PAGEFILE_OPEN_H
#define TPT_PAGEFILE_OPEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "region.h"
#include "terrapage/page.h"
#include "terrapage/pagefile.h"
#include "terrapage/world.h"

/*! tpt_pagefile_clear_detail() :
 *  Forgets the thread's previous failure detail, so the next message only carries the
 *  detail of the call that failed (tp_error_detail() is not cleared by successes). */
void tpt_pagefile_clear_detail(void);

/*! tpt_pagefile_problem() :
 *  Writes "<result text>" plus the thread's failure detail, if any, into buf, dropping a
 *  leading "<path>: " from the detail since the caller names the file itself. */
void tpt_pagefile_problem(tp_result result, const char *path, char *buf, size_t buf_size);

/*! tpt_pagefile_open() :
 *  Opens a page file in the reader's pread mode (TP_READER_PREAD), or prints
 *  "<command>: <path>: <problem>" and returns false (with *out_reader NULL). Nothing is
 *  mapped, so a file truncated or rewritten while a tool reads it gives errors the tool
 *  reports, never SIGBUS; a path that is not a regular file (a FIFO) is refused at once. */
bool tpt_pagefile_open(const char *command, const char *path, tp_reader **out_reader);

/*! tpt_pagefile_open_mapped() :
 *  As tpt_pagefile_open(), but maps the file (the reader's default mode), for the tools
 *  that need blob bytes in place (tp_reader_blob_bytes(): bench decode) or measure the
 *  mapping (bench pagein --mmap). The file must not shrink while they run: SIGBUS. */
bool tpt_pagefile_open_mapped(const char *command, const char *path, tp_reader **out_reader);

/*! tpt_pagefile_world() :
 *  The layout of a file's pages and the two checks that it stores the world its header
 *  describes, as the runtime makes them at open: the header agrees with the stored
 *  parameters (tp_page_layout_from_file), and the first few stored coarsest-LOD pages
 *  equal generation (tp_page_check_file; skipped for another generator version).
 *  @return TP_OK; TP_ERR_UNSUPPORTED_VERSION (out_layout filled: the file reads, but
 *  nothing may be generated for it); TP_ERR_CORRUPT (the header) or
 *  TP_ERR_WORLD_MISMATCH (a page), with tp_error_detail() saying what disagrees;
 *  TP_ERR_OUT_OF_MEMORY. */
tp_result tpt_pagefile_world(const tp_reader *reader, tp_page_layout *out_layout);

/*! tpt_pagefile_layout() :
 *  tpt_pagefile_world(), with its message. A file of another generator version passes
 *  when nothing is to be generated; `generating_option` names the option that would
 *  generate pages (e.g. "--fallback"), or is NULL. Prints the problem and returns false
 *  otherwise. */
bool tpt_pagefile_layout(const char *command, const char *path, const tp_reader *reader,
                         const char *generating_option, tp_page_layout *out_layout);

/*! tpt_pagefile_world_problem() :
 *  "<what>: <detail>" for a failure of tpt_pagefile_world() (not TP_OK, not
 *  TP_ERR_UNSUPPORTED_VERSION): "the header disagrees with the world it stores: …" or
 *  "its pages are not the world its header describes: …". */
void tpt_pagefile_world_problem(tp_result result, char *buf, size_t buf_size);

/*! tpt_pagefile_region() : the baked region as a tpt_region (half-open), exact for any
 *  header the reader accepts: its ends are 64-bit, and reach 2^31 when the region's last
 *  chunk is INT32_MAX. */
tpt_region tpt_pagefile_region(const tp_file_desc *desc);

#endif /* TPT_PAGEFILE_OPEN_H */
