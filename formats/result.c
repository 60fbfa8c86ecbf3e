/* result.c — texts for tp_result and the library version. */
#include "terrapage/result.h"
#include "terrapage/version.h"

const char *tp_result_string(tp_result result)
{
    switch (result) {
#define TP__RESULT_CASE(name, value, text) case name: return text;
        TP_RESULT_MAP(TP__RESULT_CASE)
#undef TP__RESULT_CASE
    }
    return "unknown result";
}

unsigned tp_version_number(void) { return TP_VERSION_NUMBER; }
const char *tp_version_string(void) { return TP_VERSION_STRING; }
