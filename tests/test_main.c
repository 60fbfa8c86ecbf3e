/* test_main.c — main() of every Check suite: runs the suite the test file provides
 * (tp_test_suite(), see test_main.h) and exits non-zero if any test failed.
 *
 * Check's environment variables work as Check documents them: CK_FORK=no runs the tests
 * in this process (for a debugger), CK_RUN_CASE / CK_RUN_SUITE / CK_INCLUDE_TAGS pick
 * tests, CK_VERBOSITY sets the output (default "normal": failures only), and
 * CK_LOG_FILE_NAME / CK_TAP_LOG_FILE_NAME / CK_XML_LOG_FILE_NAME write reports. */
#include <stdlib.h>

#include "test_main.h"

int main(void)
{
    SRunner *sr = srunner_create(tp_test_suite());
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
