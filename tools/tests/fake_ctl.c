// SPDX-License-Identifier: GPL-2.0
/*
 * The host tests' fake module: this definition of ioctl() takes the place
 * of libc's for the library linked into the test program.  Calls on
 * fake_fd go to the program's fake_ioctl(); others go to the kernel.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fake_ctl.h"

int fake_fd = -1;
static char fake_dir[32];

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fake_fd < 0 || fd != fake_fd)
		return syscall(SYS_ioctl, fd, req, arg);
	return fake_ioctl(req, arg);
}

void fake_info(struct vmi_info *info)
{
	info->size = sizeof(*info);
	info->abi_version = VMI_ABI_VERSION;
	info->pgtable_levels = 4;
	info->page_sizes = (1ULL << 12) | (1ULL << 21);
	info->features = VMI_FEAT_STATUS | VMI_FEAT_WALK;
	info->caps = 0;
	info->nr_cpus = 8;
	info->page_shift = 12;
	info->reserved = 0;
	snprintf(info->module_version, VMI_STR_LEN, "9.9.9");
	snprintf(info->kernel_release, VMI_STR_LEN, "6.1.0-test");
}

struct vmi_handle *fake_open(void)
{
	char path[64];
	int fd, err;

	snprintf(fake_dir, sizeof(fake_dir), "/tmp/vmi-test-XXXXXX");
	if (!mkdtemp(fake_dir))
		return NULL;
	setenv("VMINSPECT_PROC_DIR", fake_dir, 1);
	snprintf(path, sizeof(path), "%s/ctl", fake_dir);
	fd = open(path, O_WRONLY | O_CREAT, 0444);
	if (fd >= 0)
		close(fd);
	/* vmi_open()'s descriptor is the lowest free one */
	fake_fd = dup(0);
	close(fake_fd);
	return vmi_open(&err);
}

void fake_close(struct vmi_handle *h)
{
	char path[64];

	vmi_close(h);
	fake_fd = -1;
	snprintf(path, sizeof(path), "%s/ctl", fake_dir);
	unlink(path);
	rmdir(fake_dir);
	unsetenv("VMINSPECT_PROC_DIR");
}
