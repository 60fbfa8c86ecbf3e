/* pagefile_open.c — opening page files for the tools, with messages that name the file. */
#include "pagefile_open.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tpt_pagefile_clear_detail(void)
{
    tp__error_set(TP_OK, "%s", "");
}

/* `detail` after a leading "<path>: ", or all of it. A detail too long for its buffer
 * keeps its start and end joined by "..." (tp__error_set()), so a long path may appear
 * as "<start of path>...<end of path>: ". */
static const char *skip_path(const char *detail, const char *path)
{
    size_t n = strlen(path);
    if (strncmp(detail, path, n) == 0 && strncmp(detail + n, ": ", 2) == 0)
        return detail + n + 2;
    const char *dots = strstr(detail, "...");
    if (!dots || (size_t)(dots - detail) > n || strncmp(detail, path, (size_t)(dots - detail)))
        return detail;
    const char *end = dots + 3;
    for (const char *sep = strstr(end, ": "); sep; sep = strstr(sep + 1, ": ")) {
        size_t tail = (size_t)(sep - end);
        if (tail <= n && strncmp(end, path + n - tail, tail) == 0)
            return sep + 2;
    }
    return detail;
}

void tpt_pagefile_problem(tp_result result, const char *path, char *buf, size_t buf_size)
{
    const char *detail = skip_path(tp_error_detail(), path);
    const char *text = tp_result_string(result);
    if (!*detail || strstr(text, detail))
        snprintf(buf, buf_size, "%s", text); /* the detail adds nothing */
    else if (result == TP_ERR_IO)
        snprintf(buf, buf_size, "%s", detail); /* errno text says it better */
    else
        snprintf(buf, buf_size, "%s (%s)", text, detail);
}

static bool open_with(const char *command, const char *path, uint32_t flags,
                      tp_reader **out_reader)
{
    tpt_pagefile_clear_detail();
    const tp_reader_options o = {.flags = flags};
    tp_result res = tp_reader_open(path, &o, out_reader);
    if (res == TP_OK)
        return true;
    char problem[768];
    tpt_pagefile_problem(res, path, problem, sizeof problem);
    fprintf(stderr, "%s: %s: %s\n", command, path, problem);
    *out_reader = NULL;
    return false;
}

bool tpt_pagefile_open(const char *command, const char *path, tp_reader **out_reader)
{
    return open_with(command, path, TP_READER_PREAD, out_reader);
}

bool tpt_pagefile_open_mapped(const char *command, const char *path, tp_reader **out_reader)
{
    return open_with(command, path, 0, out_reader);
}

tpt_region tpt_pagefile_region(const tp_file_desc *desc)
{
    return (tpt_region){
        desc->region_x0,
        desc->region_z0,
        (int64_t)desc->region_x0 + desc->region_width,
        (int64_t)desc->region_z0 + desc->region_height,
    };
}

tp_result tpt_pagefile_world(const tp_reader *reader, tp_page_layout *out_layout)
{
    tp_result res = tp_page_layout_from_file(tp_reader_desc(reader), out_layout);
    if (res != TP_OK)
        return res; /* another generator version included: nothing to compare with */
    const size_t size = tp_page_check_scratch_size(out_layout, out_layout->lod_count - 1u);
    void *scratch = malloc(size);
    if (!scratch)
        return tp__error_set(TP_ERR_OUT_OF_MEMORY, "%zu bytes to check its pages", size);
    res = tp_page_check_file(out_layout, reader, scratch, size, NULL);
    free(scratch);
    return res;
}

void tpt_pagefile_world_problem(tp_result result, char *buf, size_t buf_size)
{
    const char *what = result == TP_ERR_WORLD_MISMATCH
                           ? "its pages are not the world its header describes"
                       : result == TP_ERR_OUT_OF_MEMORY ? "out of memory"
                                                        : "the header disagrees with the "
                                                          "world it stores";
    snprintf(buf, buf_size, "%s: %s", what, tp_error_detail());
}

bool tpt_pagefile_layout(const char *command, const char *path, const tp_reader *reader,
                         const char *generating_option, tp_page_layout *out_layout)
{
    tpt_pagefile_clear_detail();
    tp_result res = tpt_pagefile_world(reader, out_layout);
    if (res == TP_OK || (res == TP_ERR_UNSUPPORTED_VERSION && !generating_option))
        return true;
    if (res == TP_ERR_UNSUPPORTED_VERSION) {
        fprintf(stderr,
                "%s: %s: %s needs the generator the file was baked with (version %" PRIu32
                ", this build has %u)\n",
                command, path, generating_option, tp_reader_desc(reader)->generator_version,
                (unsigned)TP_GENERATOR_VERSION);
        return false;
    }
    char problem[768];
    tpt_pagefile_world_problem(res, problem, sizeof problem);
    fprintf(stderr, "%s: %s: %s\n", command, path, problem);
    return false;
}
