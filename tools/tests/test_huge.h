/* SPDX-License-Identifier: GPL-2.0 */
/* Host tests of "vminspect huge" and the library's huge-page helpers. */
#ifndef _VMINSPECT_TEST_HUGE_H
#define _VMINSPECT_TEST_HUGE_H

#include "vminspect.h"

/* The fake module's VMI_IOC_HUGE: 0, or -1 with errno. */
int fake_huge(struct vmi_huge_arg *a);
/* Run the tests, adding to the counters; open_fake gives a fake handle. */
void test_huge_all(struct vmi_handle *(*open_fake)(void),
		   void (*close_fake)(struct vmi_handle *));
/* "test_host --render huge|huge-all"; -1 for an unknown name. */
int render_huge(const char *what);

#endif /* _VMINSPECT_TEST_HUGE_H */
