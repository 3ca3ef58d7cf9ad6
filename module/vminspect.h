/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vminspect.h - internal interfaces between the module's parts.
 *
 * Queries fill plain structs (the ABI structs where one exists); the
 * front doors (/proc text files and the ioctl file) only render or copy.
 */
#ifndef _VMI_VMINSPECT_H
#define _VMI_VMINSPECT_H

#include <linux/types.h>
#include <linux/vminspect.h>

#define VMI_MODULE_VERSION	"0.1.0"

struct file;
struct proc_dir_entry;

/* What the opener of a file may see, decided once from its credentials. */
struct vmi_caller {
	bool pfn;		/* physical frame numbers */
	bool other_mm;		/* processes other than its own */
};

void vmi_caller_init(struct vmi_caller *caller, const struct file *file);

/* info.c: module, ABI and machine facts */
void vmi_query_info(struct vmi_info *info, const struct vmi_caller *caller);
const char *vmi_feature_name(unsigned int bit);

/* status.c: /proc/vminspect/status */
int vmi_status_init(struct proc_dir_entry *dir);

/* ctl.c: /proc/vminspect/ctl, the ioctl front door */
int vmi_ctl_init(struct proc_dir_entry *dir);

#endif /* _VMI_VMINSPECT_H */
