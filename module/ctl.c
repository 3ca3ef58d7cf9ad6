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
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "vminspect.h"

/* No argument struct will ever be larger than this. */
#define VMI_ARG_MAX PAGE_SIZE

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
int vmi_arg_in(void *karg, size_t ksize, size_t minsize,
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
int vmi_arg_out(void __user *uarg, void *karg, size_t ksize, size_t usize)
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

/*
 * Write @n records of @ksize bytes to a user vector whose elements are
 * @usize bytes: what both sides know, then zeroes for the rest.
 */
int vmi_put_records(u64 vec, u64 index, u64 usize, const void *recs,
		    size_t ksize, unsigned int n)
{
	void __user *dst = u64_to_user_ptr(vec + index * usize);
	size_t both = min_t(size_t, ksize, usize);
	unsigned int i;

	/* the usual case: the caller's records are the kernel's */
	if (usize == ksize)
		return copy_to_user(dst, recs, n * ksize) ? -EFAULT : 0;
	for (i = 0; i < n; i++, dst += usize) {
		if (copy_to_user(dst, recs + i * ksize, both))
			return -EFAULT;
		if (usize > ksize && clear_user(dst + ksize, usize - ksize))
			return -EFAULT;
	}
	return 0;
}

/* A user vector of @len elements of @esize bytes, at least @minsize each. */
int vmi_check_vec(u64 vec, u64 len, u64 esize, u64 minsize)
{
	if (!len || len > VMI_WALK_MAX_VEC)
		return -EINVAL;
	if (esize < minsize || esize > VMI_ARG_MAX)
		return -EINVAL;
	if (!vec || !access_ok(u64_to_user_ptr(vec), len * esize))
		return -EFAULT;
	return 0;
}

static int vmi_ioctl_walk_put(struct vmi_walk_query *q, const void *recs,
			      size_t rec_size, unsigned int n)
{
	struct vmi_walk_arg *arg = q->ctx;

	return vmi_put_records(arg->vec, q->nr_out, arg->extent_size, recs,
			       rec_size, n);
}

static long vmi_ioctl_walk(struct file *file, void __user *uarg)
{
	struct vmi_walk_query q = {};
	struct vmi_caller caller;
	struct vmi_walk_arg arg;
	size_t usize;
	int ret;

	ret = vmi_arg_in(&arg, sizeof(arg), VMI_WALK_SIZE_VER0, uarg, &usize);
	if (ret)
		return ret;
	if ((arg.flags & ~VMI_WALK_FLAGS) || arg.reserved)
		return -EINVAL;
	ret = vmi_check_vec(arg.vec, arg.vec_len, arg.extent_size,
			    arg.flags & VMI_WALK_PAGES ? VMI_PAGE_SIZE_VER0 :
							 VMI_EXTENT_SIZE_VER0);
	if (ret)
		return ret;

	vmi_caller_init(&caller, file);
	q.pid = arg.pid;
	q.flags = arg.flags;
	q.start = arg.start;
	q.end = arg.end;
	q.max_out = arg.vec_len;
	q.put = vmi_ioctl_walk_put;
	q.ctx = &arg;
	ret = vmi_query_walk(&q, &caller);
	if (ret)
		return ret;

	arg.nr_extents = q.nr_out;
	arg.walk_end = q.walk_end;
	arg.max_lock_ns = q.max_lock_ns;
	arg.lock_drops = q.lock_drops;
	return vmi_arg_out(uarg, &arg, sizeof(arg), usize);
}

static int vmi_ioctl_maps_put(struct vmi_maps_query *q, const struct vmi_vma *v,
			      unsigned int n)
{
	struct vmi_maps_arg *arg = q->ctx;

	return vmi_put_records(arg->vec, q->nr_out, arg->vma_size, v,
			       sizeof(*v), n);
}

static long vmi_ioctl_maps(struct file *file, void __user *uarg)
{
	struct vmi_maps_query q = {};
	struct vmi_caller caller;
	struct vmi_maps_arg arg;
	size_t usize;
	int ret;

	ret = vmi_arg_in(&arg, sizeof(arg), VMI_MAPS_SIZE_VER0, uarg, &usize);
	if (ret)
		return ret;
	if (arg.flags || arg.reserved)
		return -EINVAL;
	ret = vmi_check_vec(arg.vec, arg.vec_len, arg.vma_size,
			    VMI_VMA_SIZE_VER0);
	if (ret)
		return ret;

	vmi_caller_init(&caller, file);
	q.pid = arg.pid;
	q.start = arg.start;
	q.end = arg.end;
	q.max_out = arg.vec_len;
	q.put = vmi_ioctl_maps_put;
	q.ctx = &arg;
	ret = vmi_query_maps(&q, &caller);
	if (ret)
		return ret;

	arg.nr_vmas = q.nr_out;
	arg.walk_end = q.walk_end;
	arg.max_lock_ns = q.max_lock_ns;
	return vmi_arg_out(uarg, &arg, sizeof(arg), usize);
}

static long vmi_ioctl_translate(struct file *file, void __user *uarg)
{
	struct vmi_translate_arg *arg;
	struct vmi_caller caller;
	size_t usize;
	u32 pid;
	u64 va;
	int ret;

	arg = kmalloc(sizeof(*arg), GFP_KERNEL);
	if (!arg)
		return -ENOMEM;
	ret = vmi_arg_in(arg, sizeof(*arg), VMI_TRANSLATE_SIZE_VER0, uarg,
			 &usize);
	if (ret)
		goto out_free;
	ret = -EINVAL;
	if (arg->flags)
		goto out_free;
	/* everything but the inputs is output: start from zero */
	pid = arg->pid;
	va = arg->va;
	memset(arg, 0, sizeof(*arg));
	arg->pid = pid;
	arg->va = va;

	vmi_caller_init(&caller, file);
	ret = vmi_query_translate(arg, &caller);
	if (!ret)
		ret = vmi_arg_out(uarg, arg, sizeof(*arg), usize);
out_free:
	kfree(arg);
	return ret;
}

static int vmi_ioctl_pgtables_put(void *ctx, const void *recs, unsigned int n)
{
	struct vmi_pgtables_arg *arg = ctx;

	return vmi_put_records(arg->vec, arg->nr_vmas, arg->vma_size, recs,
			       sizeof(struct vmi_pgt_vma), n);
}

static long vmi_ioctl_pgtables(struct file *file, void __user *uarg)
{
	struct vmi_pgtables_arg *arg;
	struct vmi_caller caller;
	size_t usize;
	int ret;

	/* 536 bytes: not on the stack */
	arg = kzalloc(sizeof(*arg), GFP_KERNEL);
	if (!arg)
		return -ENOMEM;
	ret = vmi_arg_in(arg, sizeof(*arg), VMI_PGTABLES_SIZE_VER0, uarg,
			 &usize);
	if (ret)
		goto out_free;
	ret = -EINVAL;
	if (arg->flags || arg->reserved)
		goto out_free;
	/* no vector: the totals alone */
	if (arg->vec || arg->vec_len) {
		ret = vmi_check_vec(arg->vec, arg->vec_len, arg->vma_size,
				    VMI_PGT_VMA_SIZE_VER0);
		if (ret)
			goto out_free;
	}

	vmi_caller_init(&caller, file);
	ret = vmi_query_pgtables(arg, &caller, vmi_ioctl_pgtables_put, arg);
	if (!ret)
		ret = vmi_arg_out(uarg, arg, sizeof(*arg), usize);
out_free:
	kfree(arg);
	return ret;
}

static int vmi_ioctl_huge_put(struct vmi_huge_query *q,
			      const struct vmi_huge_vma *v, unsigned int n)
{
	struct vmi_huge_arg *arg = q->ctx;

	return vmi_put_records(arg->vec, q->nr_out, arg->vma_size, v,
			       sizeof(*v), n);
}

static long vmi_ioctl_huge(struct file *file, void __user *uarg)
{
	struct vmi_huge_query *q;
	struct vmi_huge_arg *arg;
	struct vmi_caller caller;
	size_t usize;
	int ret;

	/* two 328- and 400-byte structs: not on the stack */
	q = kzalloc(sizeof(*q), GFP_KERNEL);
	arg = kmalloc(sizeof(*arg), GFP_KERNEL);
	ret = -ENOMEM;
	if (!q || !arg)
		goto out_free;
	ret = vmi_arg_in(arg, sizeof(*arg), VMI_HUGE_SIZE_VER0, uarg, &usize);
	if (ret)
		goto out_free;
	ret = -EINVAL;
	if (arg->flags)
		goto out_free;
	/* no vector: the totals alone */
	if (arg->vec || arg->vec_len) {
		ret = vmi_check_vec(arg->vec, arg->vec_len, arg->vma_size,
				    VMI_HUGE_VMA_SIZE_VER0);
		if (ret)
			goto out_free;
	}

	vmi_caller_init(&caller, file);
	q->pid = arg->pid;
	q->start = arg->start;
	q->end = arg->end;
	q->max_out = arg->vec_len;
	q->put = vmi_ioctl_huge_put;
	q->ctx = arg;
	ret = vmi_query_huge(q, &caller);
	if (ret)
		goto out_free;

	arg->mm_flags = q->mm_flags;
	arg->nr_vmas = q->nr_out;
	arg->walk_end = q->walk_end;
	arg->max_lock_ns = q->max_lock_ns;
	arg->total = q->total;
	ret = vmi_arg_out(uarg, arg, sizeof(*arg), usize);
out_free:
	kfree(arg);
	kfree(q);
	return ret;
}

static int vmi_ioctl_huge_blocks_put(struct vmi_huge_blocks_query *q,
				     const struct vmi_huge_block *b,
				     unsigned int n)
{
	struct vmi_huge_blocks_arg *arg = q->ctx;

	return vmi_put_records(arg->vec, q->nr_out, arg->block_size, b,
			       sizeof(*b), n);
}

static long vmi_ioctl_huge_blocks(struct file *file, void __user *uarg)
{
	struct vmi_huge_blocks_query q = {};
	struct vmi_huge_blocks_arg arg;
	struct vmi_caller caller;
	size_t usize;
	int ret;

	ret = vmi_arg_in(&arg, sizeof(arg), VMI_HUGE_BLOCKS_SIZE_VER0, uarg,
			 &usize);
	if (ret)
		return ret;
	if (arg.flags & ~VMI_HUGE_BLOCKS_FLAGS)
		return -EINVAL;
	ret = vmi_check_vec(arg.vec, arg.vec_len, arg.block_size,
			    VMI_HUGE_BLOCK_SIZE_VER0);
	if (ret)
		return ret;

	vmi_caller_init(&caller, file);
	q.pid = arg.pid;
	q.flags = arg.flags;
	q.start = arg.start;
	q.end = arg.end;
	q.max_out = arg.vec_len;
	q.put = vmi_ioctl_huge_blocks_put;
	q.ctx = &arg;
	ret = vmi_query_huge_blocks(&q, &caller);
	if (ret)
		return ret;

	arg.mm_flags = q.mm_flags;
	arg.kflags = q.kflags;
	arg.reserved = 0;
	arg.nr_blocks = q.nr_out;
	arg.next = q.next;
	arg.max_lock_ns = q.max_lock_ns;
	return vmi_arg_out(uarg, &arg, sizeof(arg), usize);
}

static long vmi_ctl_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	if (_IOC_TYPE(cmd) != VMI_IOC_MAGIC ||
	    _IOC_DIR(cmd) != (_IOC_READ | _IOC_WRITE))
		return -ENOTTY;

	switch (_IOC_NR(cmd)) {
	case _IOC_NR(VMI_IOC_TLB_CTL):
	case _IOC_NR(VMI_IOC_TLB_CPUS):
	case _IOC_NR(VMI_IOC_TLB_INITIATORS):
	case _IOC_NR(VMI_IOC_TLB_TRACE):
	case _IOC_NR(VMI_IOC_TLB_SITES):
		return vmi_tlb_ioctl(file, cmd, uarg);
	case _IOC_NR(VMI_IOC_GET_INFO):
		return vmi_ioctl_get_info(file, uarg);
	case _IOC_NR(VMI_IOC_WALK):
		return vmi_ioctl_walk(file, uarg);
	case _IOC_NR(VMI_IOC_TRANSLATE):
		return vmi_ioctl_translate(file, uarg);
	case _IOC_NR(VMI_IOC_PGTABLES):
		return vmi_ioctl_pgtables(file, uarg);
	case _IOC_NR(VMI_IOC_MAPS):
		return vmi_ioctl_maps(file, uarg);
	case _IOC_NR(VMI_IOC_HUGE):
		return vmi_ioctl_huge(file, uarg);
	case _IOC_NR(VMI_IOC_HUGE_BLOCKS):
		return vmi_ioctl_huge_blocks(file, uarg);
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
	.proc_open = vmi_ctl_open,
	.proc_release = vmi_ctl_release,
	.proc_ioctl = vmi_ctl_ioctl,
#ifdef CONFIG_COMPAT
	.proc_compat_ioctl = compat_ptr_ioctl,
#endif
	.proc_lseek = noop_llseek,
};

int vmi_ctl_init(struct proc_dir_entry *dir)
{
	if (!proc_create("ctl", 0444, dir, &vmi_ctl_ops))
		return -ENOMEM;
	return 0;
}
