// SPDX-License-Identifier: GPL-2.0
/*
 * ctl.c - /proc/vminspect/ctl: the binary front door.
 *
 * Every command takes a struct whose first member is its size (see the uapi
 * header).  Commands are matched on type and number; the size bits of the
 * command are ignored so that the argument can grow.
 */
#include <linux/fs.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/uaccess.h>

#include "vminspect.h"

/* No argument struct will ever be larger than this. */
#define VMI_ARG_MAX	PAGE_SIZE

/**
 * vmi_arg_in - copy in a size-first ioctl argument
 * @karg:	the kernel's struct, zeroed on return where the caller's ends
 * @ksize:	sizeof the kernel's struct
 * @minsize:	the smallest size ever published for it
 * @uarg:	the caller's struct
 * @usize:	out: the caller's size
 *
 * Return: 0, -EFAULT, -EINVAL (size too small) or -E2BIG (size too large,
 * or bytes the kernel does not know are not zero).
 */
static int vmi_arg_in(void *karg, size_t ksize, size_t minsize,
		      const void __user *uarg, size_t *usize)
{
	u64 size;

	if (get_user(size, (const u64 __user *)uarg))
		return -EFAULT;
	if (size < minsize)
		return -EINVAL;
	if (size > VMI_ARG_MAX)
		return -E2BIG;
	*usize = size;
	return copy_struct_from_user(karg, ksize, uarg, size);
}

/* Copy out what both sides know, with "size" set to the bytes written. */
static int vmi_arg_out(void __user *uarg, void *karg, size_t ksize,
		       size_t usize)
{
	size_t n = min(ksize, usize);

	*(u64 *)karg = n;
	return copy_to_user(uarg, karg, n) ? -EFAULT : 0;
}

static long vmi_ioctl_get_info(struct file *file, void __user *uarg)
{
	struct vmi_caller caller;
	struct vmi_info info;
	size_t usize;
	int ret;

	ret = vmi_arg_in(&info, sizeof(info), VMI_INFO_SIZE_VER0, uarg, &usize);
	if (ret)
		return ret;
	if (info.flags)
		return -EINVAL;

	memset(&info, 0, sizeof(info));
	vmi_caller_init(&caller, file);
	vmi_query_info(&info, &caller);
	return vmi_arg_out(uarg, &info, sizeof(info), usize);
}

static long vmi_ctl_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	if (_IOC_TYPE(cmd) != VMI_IOC_MAGIC ||
	    _IOC_DIR(cmd) != (_IOC_READ | _IOC_WRITE))
		return -ENOTTY;

	switch (_IOC_NR(cmd)) {
	case _IOC_NR(VMI_IOC_GET_INFO):
		return vmi_ioctl_get_info(file, uarg);
	default:
		return -ENOTTY;
	}
}

/* An open descriptor pins the module, like a character device would. */
static int vmi_ctl_open(struct inode *inode, struct file *file)
{
	if (!try_module_get(THIS_MODULE))
		return -ENODEV;
	return 0;
}

static int vmi_ctl_release(struct inode *inode, struct file *file)
{
	module_put(THIS_MODULE);
	return 0;
}

static const struct proc_ops vmi_ctl_ops = {
	.proc_open		= vmi_ctl_open,
	.proc_release		= vmi_ctl_release,
	.proc_ioctl		= vmi_ctl_ioctl,
#ifdef CONFIG_COMPAT
	.proc_compat_ioctl	= compat_ptr_ioctl,
#endif
	.proc_lseek		= noop_llseek,
};

int vmi_ctl_init(struct proc_dir_entry *dir)
{
	if (!proc_create("ctl", 0444, dir, &vmi_ctl_ops))
		return -ENOMEM;
	return 0;
}
