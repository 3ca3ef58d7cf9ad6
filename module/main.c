// SPDX-License-Identifier: GPL-2.0
/*
 * vminspect - make virtual memory visible: page tables, TLB shootdowns and
 * huge pages of live processes, through /proc/vminspect and an ioctl ABI.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/proc_fs.h>

#include "vminspect.h"

static struct proc_dir_entry *vmi_proc_dir;

static int __init vmi_init(void)
{
	int ret;

	vmi_proc_dir = proc_mkdir("vminspect", NULL);
	if (!vmi_proc_dir)
		return -ENOMEM;

	ret = vmi_status_init(vmi_proc_dir);
	if (ret)
		goto err_remove_dir;
	ret = vmi_ctl_init(vmi_proc_dir);
	if (ret)
		goto err_remove_dir;
	ret = vmi_query_file_init(vmi_proc_dir);
	if (ret)
		goto err_remove_dir;
	ret = vmi_tlb_init(vmi_proc_dir);
	if (ret)
		goto err_remove_dir;

	pr_info("version %s, ABI %u loaded\n", VMI_MODULE_VERSION,
		VMI_ABI_VERSION);
	return 0;

err_remove_dir:
	/* removes the files created so far too */
	proc_remove(vmi_proc_dir);
	return ret;
}

static void __exit vmi_exit(void)
{
	/* waits for every reader and ioctl in flight to leave our code */
	proc_remove(vmi_proc_dir);
	/* then no one can reach the TLB state: unregister and free it */
	vmi_tlb_exit();
}

module_init(vmi_init);
module_exit(vmi_exit);

MODULE_DESCRIPTION("Make virtual memory visible: page tables, TLB shootdowns, huge pages");
MODULE_AUTHOR("The vminspect developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(VMI_MODULE_VERSION);
