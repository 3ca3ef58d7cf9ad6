/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host tests' one pass/fail counter and CHECK(), shared by test_host.c
 * (which owns the counters and prints them) and the test files it runs.
 */
#ifndef _VMINSPECT_TEST_CHECK_H
#define _VMINSPECT_TEST_CHECK_H

#include <stdio.h>

extern unsigned int test_passed, test_failed;

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (cond) {                                                    \
			test_passed++;                                         \
		} else {                                                       \
			test_failed++;                                         \
			printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		}                                                              \
	} while (0)

#endif /* _VMINSPECT_TEST_CHECK_H */
