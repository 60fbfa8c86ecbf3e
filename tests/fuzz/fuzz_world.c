/* fuzz_world.c — libFuzzer target for world files (tools/common/world_file.c): the YAML
 * text a person edits, read by `terrapage bake --world` and the other commands.
 *
 * Each input is parsed as a world file. A parse that fails must leave only its message;
 * one that succeeds is written back (tpt_world_file_write, what `terrapage init` and
 * `info --world` print) and parsed again, and must give exactly the same world: a
 * difference aborts, so the fuzzer reports it. Crashes, sanitizer reports, leaks and
 * timeouts count as for every target. The seed corpus comes from make_world_seeds. */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "world_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tpt_world_file wf;
    char err[1024];
    if (!tpt_world_file_parse((const char *)data, size, "fuzz.yaml", &wf, err, sizeof err))
        return 0;
    char *text = NULL;
    size_t text_size = 0;
    FILE *f = open_memstream(&text, &text_size);
    if (!f)
        return 0;
    int written = tpt_world_file_write(f, &wf, NULL);
    fclose(f);
    tpt_world_file back;
    if (!written || !tpt_world_file_parse(text, text_size, "again.yaml", &back, err, sizeof err) ||
        memcmp(&back, &wf, sizeof back) != 0) {
        fprintf(stderr, "fuzz_world: the written world does not read back: %s\n%s\n",
                written ? err : "write failed", text);
        abort();
    }
    free(text);
    return 0;
}
