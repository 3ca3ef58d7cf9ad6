// SPDX-License-Identifier: GPL-2.0
/*
 * tlb_ioctl.c - the TLB commands of /proc/vminspect/ctl.
 *
 * The statistics are system-wide and name every user's processes, and the
 * switch changes what the whole machine pays: every command needs
 * CAP_SYS_ADMIN in the credentials of whoever opened the file.
 */
#include <linux/capability.h>
#include <linux/cpumask.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "vminspect.h"

/* Records staged in the kernel per copy to the user. */
#define VMI_TLB_BATCH 16

static long vmi_ioctl_tlb_ctl(void __user *uarg)
{
	struct vmi_tlb_ctl_arg arg;
	size_t usize;
	u64 flags;
	int ret;

	ret = vmi_arg_in(&arg, sizeof(arg), VMI_TLB_CTL_SIZE_VER0, uarg,
			 &usize);
	if (ret)
		return ret;
	flags = arg.flags;
	memset(&arg, 0, sizeof(arg));
	ret = vmi_tlb_ctl(flags, &arg);
	if (ret)
		return ret;
	arg.flags = flags;
	return vmi_arg_out(uarg, &arg, sizeof(arg), usize);
}

static long vmi_ioctl_tlb_cpus(void __user *uarg)
{
	struct vmi_tlb_cpus_arg arg;
	struct vmi_tlb_cpu *c;
	unsigned int cpu;
	size_t usize;
	u64 n = 0;
	int ret;

	ret = vmi_arg_in(&arg, sizeof(arg), VMI_TLB_CPUS_SIZE_VER0, uarg,
			 &usize);
	if (ret)
		return ret;
	if (arg.flags)
		return -EINVAL;
	ret = vmi_check_vec(arg.vec, arg.vec_len, arg.cpu_size,
			    VMI_TLB_CPU_SIZE_VER0);
	if (ret)
		return ret;
	if (!vmi_tlb_supported())
		return -EOPNOTSUPP;

	c = kmalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	cpu = arg.first_cpu;
	if (cpu < nr_cpu_ids)
		cpu = cpumask_next(cpu - 1, cpu_possible_mask);
	for (; cpu < nr_cpu_ids && n < arg.vec_len;
	     cpu = cpumask_next(cpu, cpu_possible_mask)) {
		vmi_tlb_query_cpu(cpu, c);
		ret = vmi_put_records(arg.vec, n, arg.cpu_size, c, sizeof(*c),
				      1);
		if (ret)
			goto out_free;
		n++;
	}
	arg.nr_cpus = n;
	arg.next_cpu = min_t(unsigned int, cpu, nr_cpu_ids);
	ret = vmi_arg_out(uarg, &arg, sizeof(arg), usize);
out_free:
	kfree(c);
	return ret;
}

static long vmi_ioctl_tlb_initiators(void __user *uarg)
{
	struct vmi_tlb_initiators_arg arg;
	struct vmi_tlb_initiator *in;
	size_t usize;
	u64 cursor, n = 0;
	int ret;

	ret = vmi_arg_in(&arg, sizeof(arg), VMI_TLB_INITIATORS_SIZE_VER0, uarg,
			 &usize);
	if (ret)
		return ret;
	if (arg.flags || arg.reserved)
		return -EINVAL;
	ret = vmi_check_vec(arg.vec, arg.vec_len, arg.rec_size,
			    VMI_TLB_INITIATOR_SIZE_VER0);
	if (ret)
		return ret;
	if (!vmi_tlb_supported())
		return -EOPNOTSUPP;

	in = kmalloc(sizeof(*in), GFP_KERNEL);
	if (!in)
		return -ENOMEM;
	cursor = arg.cursor;
	while (n < arg.vec_len &&
	       vmi_tlb_query_initiator(&cursor, arg.pid, in)) {
		ret = vmi_put_records(arg.vec, n, arg.rec_size, in, sizeof(*in),
				      1);
		if (ret)
			goto out_free;
		n++;
	}
	arg.nr_out = n;
	/* a full vector resumes; a scan that ran out of entries is done */
	arg.next = n == arg.vec_len ? cursor : 0;
	arg.capacity = vmi_tlb_capacity();
	ret = vmi_arg_out(uarg, &arg, sizeof(arg), usize);
out_free:
	kfree(in);
	return ret;
}

static long vmi_ioctl_tlb_trace(void __user *uarg)
{
	struct vmi_tlb_trace_arg arg;
	struct vmi_tlb_record *recs;
	unsigned int got;
	size_t usize;
	u64 drops = 0;
	int ret;

	ret = vmi_arg_in(&arg, sizeof(arg), VMI_TLB_TRACE_SIZE_VER0, uarg,
			 &usize);
	if (ret)
		return ret;
	if (arg.flags)
		return -EINVAL;
	ret = vmi_check_vec(arg.vec, arg.vec_len, arg.rec_size,
			    VMI_TLB_RECORD_SIZE_VER0);
	if (ret)
		return ret;
	if (!vmi_tlb_supported())
		return -EOPNOTSUPP;

	recs = kmalloc_array(VMI_TLB_BATCH, sizeof(*recs), GFP_KERNEL);
	if (!recs)
		return -ENOMEM;
	arg.nr_out = 0;
	/*
	 * Records leave the ring when taken: a fault while copying them out
	 * loses at most one batch, which the caller asked for badly anyway.
	 */
	while (arg.nr_out < arg.vec_len) {
		got = vmi_tlb_trace_take(recs,
					 min_t(u64, VMI_TLB_BATCH,
					       arg.vec_len - arg.nr_out),
					 &drops);
		if (!got)
			break;
		ret = vmi_put_records(arg.vec, arg.nr_out, arg.rec_size, recs,
				      sizeof(*recs), got);
		if (ret)
			goto out_free;
		arg.nr_out += got;
	}
	arg.drops = drops;
	ret = vmi_arg_out(uarg, &arg, sizeof(arg), usize);
out_free:
	kfree(recs);
	return ret;
}

long vmi_tlb_ioctl(struct file *file, unsigned int cmd, void __user *uarg)
{
	if (!file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN))
		return -EPERM;

	switch (_IOC_NR(cmd)) {
	case _IOC_NR(VMI_IOC_TLB_CTL):
		return vmi_ioctl_tlb_ctl(uarg);
	case _IOC_NR(VMI_IOC_TLB_CPUS):
		return vmi_ioctl_tlb_cpus(uarg);
	case _IOC_NR(VMI_IOC_TLB_INITIATORS):
		return vmi_ioctl_tlb_initiators(uarg);
	case _IOC_NR(VMI_IOC_TLB_TRACE):
		return vmi_ioctl_tlb_trace(uarg);
	default:
		return -ENOTTY;
	}
}
