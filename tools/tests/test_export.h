/* SPDX-License-Identifier: GPL-2.0 */
/* Host tests of "vminspect export", the Prometheus helpers and colour. */
#ifndef _VMINSPECT_TEST_EXPORT_H
#define _VMINSPECT_TEST_EXPORT_H

/* Run the tests, adding to the counters. */
void test_export_all(void);
/*
 * "test_host --render export|export-tlb-off|export-down": a sample in the
 * text exposition format; -1 for an unknown name.
 */
int render_export(const char *what);

#endif /* _VMINSPECT_TEST_EXPORT_H */
