/* test_main.h — what each Check suite gives the one main() the suites share
 * (test_main.c): a tests/test_<module>.c defines
 *
 *   Suite *tp_test_suite(void) { Suite *s = suite_create("module"); ...; return s; }
 *
 * and is linked with test_main.c into the program test_<module>. Work a suite needs
 * before its tests run (a world baked once, say) goes into an unchecked fixture of its
 * test case, which Check runs once, in the parent process. */
#ifndef TP_TEST_MAIN_H
#define TP_TEST_MAIN_H

#include <check.h>

/* The suite this test program runs. */
Suite *tp_test_suite(void);

#endif /* TP_TEST_MAIN_H */
