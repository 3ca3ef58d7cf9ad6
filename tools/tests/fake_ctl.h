/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fake /proc/vminspect/ctl for the host tests: the library's ioctl()
 * calls on it go to fake_ioctl(), which each test program defines.
 */
#ifndef _VMINSPECT_TEST_FAKE_CTL_H
#define _VMINSPECT_TEST_FAKE_CTL_H

#include "vminspect.h"

/* The descriptor answered by fake_ioctl(); -1 for none. */
extern int fake_fd;

/* The fake module: 0 or a result, or -1 with errno. */
int fake_ioctl(unsigned long req, void *arg);

/*
 * The fake module's VMI_IOC_GET_INFO answer: this library's size and ABI,
 * 4-level page tables, 4K and 2M pages, 8 CPUs; arch is left as it is.
 */
void fake_info(struct vmi_info *info);

/*
 * A handle on a fake module directory (VMINSPECT_PROC_DIR) whose ctl
 * descriptor is fake_fd; NULL on failure.  fake_close() removes it again.
 */
struct vmi_handle *fake_open(void);
void fake_close(struct vmi_handle *h);

#endif /* _VMINSPECT_TEST_FAKE_CTL_H */
