// SPDX-License-Identifier: GPL-2.0
/*
 * huge_file.c - /proc/vminspect/hugepages: huge pages system-wide, one
 * "key value..." line each, as /proc/vmstat has them.  The keys are ABI
 * (see the README); new keys may be added, none is renamed.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "compat.h"
#include "vminspect.h"

struct vmi_huge_show {
	struct seq_file *m;
	const struct vmi_huge_sys_arg *arg;
};

static int vmi_huge_show_node(void *ctx, const struct vmi_huge_node *n)
{
	struct vmi_huge_show *s = ctx;
	unsigned int orders = min(VMI_NR_PAGE_ORDERS, VMI_THP_ORDERS);
	unsigned int i, order;

	for (i = 0; i < s->arg->nr_pools; i++) {
		u64 kb = s->arg->pools[i].page_size >> 10;

		seq_printf(s->m, "node%u_hugetlb_%llukB_total %llu\n", n->node,
			   kb, n->pool_total[i]);
		seq_printf(s->m, "node%u_hugetlb_%llukB_free %llu\n", n->node,
			   kb, n->pool_free[i]);
		seq_printf(s->m, "node%u_hugetlb_%llukB_surplus %llu\n",
			   n->node, kb, n->pool_surplus[i]);
	}
	for (i = 0; i < n->nr_zones; i++) {
		const struct vmi_huge_zone *z = &n->zones[i];

		seq_printf(s->m, "node%u_zone_%s_managed %llu\n", n->node,
			   z->name, z->managed);
		seq_printf(s->m, "node%u_zone_%s_free", n->node, z->name);
		for (order = 0; order < orders; order++)
			seq_printf(s->m, " %llu", z->free[order]);
		seq_putc(s->m, '\n');
	}
	return 0;
}

static int vmi_hugepages_show(struct seq_file *m, void *v)
{
	struct vmi_huge_sys_arg *arg;
	struct vmi_huge_show s;
	unsigned int i;
	int ret;

	arg = kzalloc(sizeof(*arg), GFP_KERNEL);
	if (!arg)
		return -ENOMEM;
	/* the pools first: node lines name them */
	ret = vmi_query_huge_sys(arg, NULL, NULL);
	if (ret)
		goto out_free;
	for (i = 0; i < arg->nr_pools; i++) {
		const struct vmi_hugetlb_pool *p = &arg->pools[i];
		u64 kb = p->page_size >> 10;

		seq_printf(m, "hugetlb_%llukB_total %llu\n", kb, p->total);
		seq_printf(m, "hugetlb_%llukB_free %llu\n", kb, p->free);
		seq_printf(m, "hugetlb_%llukB_reserved %llu\n", kb,
			   p->reserved);
		seq_printf(m, "hugetlb_%llukB_surplus %llu\n", kb, p->surplus);
	}
	seq_printf(m, "anon_thp_bytes %llu\n", arg->anon_thp);
	seq_printf(m, "shmem_thp_bytes %llu\n", arg->shmem_thp);
	seq_printf(m, "shmem_pmd_mapped_bytes %llu\n", arg->shmem_pmd_mapped);
	seq_printf(m, "file_thp_bytes %llu\n", arg->file_thp);
	seq_printf(m, "file_pmd_mapped_bytes %llu\n", arg->file_pmd_mapped);
	for (i = 0; i < VMI_EV_NR; i++)
		if (vmi_huge_event_name(i))
			seq_printf(m, "%s %llu\n", vmi_huge_event_name(i),
				   arg->events[i]);
	s.m = m;
	s.arg = arg;
	memset(arg, 0, sizeof(*arg));
	ret = vmi_query_huge_sys(arg, vmi_huge_show_node, &s);
	if (!ret) {
		seq_printf(m, "nodes %u\n", arg->nr_nodes);
		seq_printf(m, "free_2m_blocks %llu\n", arg->free_2m);
	}
out_free:
	kfree(arg);
	return ret;
}

int vmi_huge_file_init(struct proc_dir_entry *dir)
{
	/* what /proc/meminfo, /proc/vmstat and buddyinfo show everybody */
	if (!proc_create_single("hugepages", 0444, dir, vmi_hugepages_show))
		return -ENOMEM;
	return 0;
}
