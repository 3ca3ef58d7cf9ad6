/* SPDX-License-Identifier: GPL-2.0 */
/* Host tests of "vminspect maps PID --svg FILE" (vminspect/svg.c). */
#ifndef _VMINSPECT_TEST_SVG_H
#define _VMINSPECT_TEST_SVG_H

/* Run the tests, adding to the counters. */
void test_svg_all(void);
/* "test_host --render svg|svg-json"; -1 for an unknown name. */
int render_svg(const char *what);

#endif /* _VMINSPECT_TEST_SVG_H */
