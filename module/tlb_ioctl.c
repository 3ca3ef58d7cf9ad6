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

/* The cursor-and-vector fields of VMI_IOC_TLB_INITIATORS and _SITES. */
struct vmi_tlb_page {
	u64 cursor;
	u64 next;
	u64 vec;
	u64 vec_len;
	u64 rec_size;
	u64 nr_out;
};

/*
 * Fill @pg's vector with what @next_rec finds from @pg->cursor on (each
 * record @len bytes here), and say where to resume: 0 when a scan ran out
 * of records before the vector was full.
 */
static int vmi_tlb_page_out(struct vmi_tlb_page *pg, size_t len,
			    bool (*next_rec)(u64 *cursor, u32 tgid, void *rec),
			    u32 tgid)
{
	u64 cursor = pg->cursor, n = 0;
	void *rec;
	int ret = 0;

	if (!vmi_tlb_supported())
		return -EOPNOTSUPP;
	rec = kmalloc(len, GFP_KERNEL);
	if (!rec)
		return -ENOMEM;
	while (n < pg->vec_len && next_rec(&cursor, tgid, rec)) {
		ret = vmi_put_records(pg->vec, n, pg->rec_size, rec, len, 1);
		if (ret)
			goto out_free;
		n++;
	}
	pg->nr_out = n;
	pg->next = n == pg->vec_len ? cursor : 0;
out_free:
	kfree(rec);
	return ret;
}

static bool vmi_tlb_next_initiator(u64 *cursor, u32 tgid, void *rec)
{
	return vmi_tlb_query_initiator(cursor, tgid, rec);
}

static long vmi_ioctl_tlb_initiators(void __user *uarg)
{
	struct vmi_tlb_initiators_arg arg;
	struct vmi_tlb_page pg;
	size_t usize;
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
	pg = (struct vmi_tlb_page){ .cursor = arg.cursor,
				    .vec = arg.vec,
				    .vec_len = arg.vec_len,
				    .rec_size = arg.rec_size };
	ret = vmi_tlb_page_out(&pg, sizeof(struct vmi_tlb_initiator),
			       vmi_tlb_next_initiator, arg.pid);
	if (ret)
		return ret;
	arg.nr_out = pg.nr_out;
	arg.next = pg.next;
	arg.capacity = vmi_tlb_capacity();
	return vmi_arg_out(uarg, &arg, sizeof(arg), usize);
}

static bool vmi_tlb_next_site(u64 *cursor, u32 tgid, void *rec)
{
	return vmi_tlb_query_site(cursor, rec);
}

/* The sites' argument is the page itself, after size and flags. */
static_assert(offsetof(struct vmi_tlb_sites_arg, cursor) == 16 &&
	      sizeof(struct vmi_tlb_sites_arg) ==
		      16 + sizeof(struct vmi_tlb_page));

static long vmi_ioctl_tlb_sites(void __user *uarg)
{
	struct vmi_tlb_sites_arg arg;
	struct vmi_tlb_page *pg = (void *)&arg.cursor;
	size_t usize;
	int ret;

	ret = vmi_arg_in(&arg, sizeof(arg), VMI_TLB_SITES_SIZE_VER0, uarg,
			 &usize);
	if (ret)
		return ret;
	if (arg.flags)
		return -EINVAL;
	ret = vmi_check_vec(arg.vec, arg.vec_len, arg.rec_size,
			    VMI_TLB_SITE_SIZE_VER0);
	if (!ret)
		ret = vmi_tlb_page_out(pg, sizeof(struct vmi_tlb_site),
				       vmi_tlb_next_site, 0);
	if (ret)
		return ret;
	return vmi_arg_out(uarg, &arg, sizeof(arg), usize);
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
	case _IOC_NR(VMI_IOC_TLB_SITES):
		return vmi_ioctl_tlb_sites(uarg);
	default:
		return -ENOTTY;
	}
}
