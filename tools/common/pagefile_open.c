/* pagefile_open.c — opening page files for the tools, with messages that name the file. */
#include "pagefile_open.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void tpt_pagefile_clear_detail(void)
{
    tp__error_set(TP_OK, "%s", "");
}

void tpt_pagefile_problem(tp_result result, const char *path, char *buf, size_t buf_size)
{
    const char *detail = tp_error_detail();
    size_t n = strlen(path);
    if (strncmp(detail, path, n) == 0 && strncmp(detail + n, ": ", 2) == 0)
        detail += n + 2;
    const char *text = tp_result_string(result);
    if (!*detail || strstr(text, detail))
        snprintf(buf, buf_size, "%s", text); /* the detail adds nothing */
    else if (result == TP_ERR_IO)
        snprintf(buf, buf_size, "%s", detail); /* errno text says it better */
    else
        snprintf(buf, buf_size, "%s (%s)", text, detail);
}

bool tpt_pagefile_open(const char *command, const char *path, tp_reader **out_reader)
{
    tpt_pagefile_clear_detail();
    tp_result res = tp_reader_open(path, NULL, out_reader);
    if (res == TP_OK)
        return true;
    char problem[768];
    tpt_pagefile_problem(res, path, problem, sizeof problem);
    fprintf(stderr, "%s: %s: %s\n", command, path, problem);
    *out_reader = NULL;
    return false;
}

tpt_region tpt_pagefile_region(const tp_file_desc *desc)
{
    /* The reader has validated that the region fits in int32 chunk coordinates. */
    return (tpt_region){
        desc->region_x0,
        desc->region_z0,
        (int32_t)((int64_t)desc->region_x0 + desc->region_width),
        (int32_t)((int64_t)desc->region_z0 + desc->region_height),
    };
}

const tp_layer_desc *tpt_pagefile_layer(const tp_file_desc *desc, uint32_t layer_id)
{
    for (uint32_t i = 0; i < desc->layer_count && i < TP_MAX_LAYERS; i++)
        if (desc->layers[i].layer_id == layer_id)
            return &desc->layers[i];
    return NULL;
}

bool tpt_pagefile_world(const char *command, const char *path, const tp_file_desc *desc,
                        tp_world_params *out_world)
{
    tp_result res = tp_world_params_deserialize(desc->params_blob, desc->params_blob_size,
                                                out_world);
    if (res != TP_OK) {
        fprintf(stderr,
                "%s: %s: the world parameters stored in the file cannot be read by this "
                "version (%s; generator version %" PRIu32 ", this build has %u)\n",
                command, path, tp_result_string(res), desc->generator_version,
                (unsigned)TP_GENERATOR_VERSION);
        return false;
    }
    const char *mismatch = NULL;
    if (out_world->samples_per_edge != desc->samples_per_edge)
        mismatch = "samples per edge";
    else if (out_world->chunk_size_m != desc->chunk_size_m)
        mismatch = "chunk size";
    else if (desc->height_min_m != TP_HEIGHT_MIN_M || desc->height_step_m != TP_HEIGHT_STEP_M)
        mismatch = "height quantisation";
    if (mismatch) {
        fprintf(stderr, "%s: %s: the header's %s disagrees with the stored world parameters\n",
                command, path, mismatch);
        return false;
    }
    return true;
}
