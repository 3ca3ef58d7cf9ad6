// SPDX-License-Identifier: GPL-2.0
/*
 * query_file.c - /proc/vminspect/query, the text front door.
 *
 * Open it read-write, write one query, read its answer from the same
 * descriptor:
 *
 *	walk PID [START END] [per-page] [holes]
 *	translate PID ADDR
 *	maps PID
 *	pgtables PID
 *	huge PID
 *	blocks PID [START END]
 *
 * Numbers may be decimal or 0x-hex; PID 0 is the caller.  Each descriptor
 * has its own answer, so concurrent users never see each other's; answers
 * are capped at VMI_ANSWER_MAX bytes (a walk says where it stopped).  The
 * answer format is ABI, documented in vminspect(4).
 */
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "compat.h"
#include "vminspect.h"

#define VMI_QUERY_MAX  256	 /* longest query line */
#define VMI_ANSWER_MAX (4 << 20) /* longest answer */
#define VMI_LINE_MAX   512	 /* room kept for one more line */

struct vmi_query_state {
	struct mutex lock; /* one query at a time per descriptor */
	struct vmi_caller caller;
	char *buf; /* VMI_ANSWER_MAX bytes, vmalloc'ed */
	size_t len;
};

static __printf(2, 3) void vmi_out(struct vmi_query_state *st, const char *fmt,
				   ...)
{
	va_list args;

	va_start(args, fmt);
	st->len += vscnprintf(st->buf + st->len, VMI_ANSWER_MAX - st->len, fmt,
			      args);
	va_end(args);
}

static const char *const vmi_kind_names[] = VMI_KIND_NAMES;
static const char *const vmi_level_names[] = VMI_LEVEL_NAMES;
static const char *const vmi_eflag_names[] = VMI_EF_NAMES;
static const char *const vmi_attr_names[] = VMI_EA_NAMES;
static const char *const vmi_hflag_names[] = VMI_HV_NAMES;
static const char *const vmi_mm_flag_names[] = VMI_HM_NAMES;
static const char *const vmi_block_flag_names[] = VMI_HB_NAMES;
static const char *const vmi_kflag_names[] = VMI_HBK_NAMES;

static const char *vmi_name(const char *const *names, size_t n, u32 i)
{
	return i < n && names[i] ? names[i] : "?";
}

static void vmi_out_bits(struct vmi_query_state *st, u64 bits,
			 const char *const *names, size_t n)
{
	const char *sep = "";
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!(bits & BIT_ULL(i)))
			continue;
		vmi_out(st, "%s%s", sep, names[i]);
		sep = ",";
	}
	if (!*sep)
		vmi_out(st, "-");
}

static void vmi_out_extent(struct vmi_query_state *st,
			   const struct vmi_extent *e)
{
	vmi_out(st, "0x%llx 0x%llx %llu %s %s ", e->start, e->end,
		1ULL << e->page_shift,
		vmi_name(vmi_level_names, ARRAY_SIZE(vmi_level_names),
			 e->level),
		vmi_name(vmi_kind_names, ARRAY_SIZE(vmi_kind_names), e->kind));
	if (e->attrs & VMI_EA_PFN_HIDDEN || e->kind == VMI_KIND_NONE ||
	    e->kind == VMI_KIND_MARKER || e->kind == VMI_KIND_OTHER)
		vmi_out(st, "- ");
	else if (e->kind == VMI_KIND_SWAP)
		vmi_out(st, "swap:%u:0x%llx ", e->swap_type, e->swap_offset);
	else
		vmi_out(st, "0x%llx ", e->pfn);
	vmi_out_bits(st, e->eflags, vmi_eflag_names,
		     ARRAY_SIZE(vmi_eflag_names));
	vmi_out(st, " ");
	vmi_out_bits(st, e->attrs, vmi_attr_names, ARRAY_SIZE(vmi_attr_names));
	vmi_out(st, "\n");
}

static int vmi_text_walk_put(struct vmi_walk_query *q, const void *recs,
			     size_t rec_size, unsigned int n)
{
	struct vmi_query_state *st = q->ctx;
	const struct vmi_extent *e = recs;
	unsigned int i;

	for (i = 0; i < n; i++)
		vmi_out_extent(st, &e[i]);
	return 0;
}

static int vmi_text_walk(struct vmi_query_state *st, u32 pid, u64 start,
			 u64 end, u64 flags)
{
	struct vmi_walk_query q = {
		.pid = pid,
		.flags = flags,
		.start = start,
		.end = end,
		/* an answer never outgrows its buffer */
		.max_out = (VMI_ANSWER_MAX - VMI_LINE_MAX) / VMI_LINE_MAX * 2,
		.put = vmi_text_walk_put,
		.ctx = st,
	};
	int ret;

	vmi_out(st, "# start end page_size level kind pfn flags attrs\n");
	ret = vmi_query_walk(&q, &st->caller);
	if (ret)
		return ret;
	vmi_out(st, "walk_end 0x%llx\nextents %llu\nmax_lock_ns %llu\n",
		q.walk_end, q.nr_out, q.max_lock_ns);
	return 0;
}

static int vmi_text_translate(struct vmi_query_state *st, u32 pid, u64 va)
{
	struct vmi_translate_arg *arg;
	u32 i;
	int ret;

	arg = kzalloc(sizeof(*arg), GFP_KERNEL);
	if (!arg)
		return -ENOMEM;
	arg->pid = pid;
	arg->va = va;
	ret = vmi_query_translate(arg, &st->caller);
	if (ret)
		goto out_free;

	vmi_out(st, "va 0x%llx\n", va);
	for (i = 0; i < arg->nr_levels; i++) {
		const struct vmi_level *lv = &arg->levels[i];

		vmi_out(st, "%s index %u entry 0x%016llx table ",
			vmi_name(vmi_level_names, ARRAY_SIZE(vmi_level_names),
				 lv->level),
			lv->index, lv->entry);
		if (st->caller.pfn)
			vmi_out(st, "0x%llx\n", lv->table_pa);
		else
			vmi_out(st, "-\n");
	}
	vmi_out(st, "leaf ");
	vmi_out_extent(st, &arg->leaf);
	if (arg->leaf.kind == VMI_KIND_PRESENT && st->caller.pfn)
		vmi_out(st, "pa 0x%llx\n", arg->pa);
	else
		vmi_out(st, "pa -\n");
	if (arg->vma_end)
		vmi_out(st, "vma 0x%llx 0x%llx 0x%x\n", arg->vma_start,
			arg->vma_end, arg->vma_flags);
	else
		vmi_out(st, "vma -\n");
out_free:
	kfree(arg);
	return ret;
}

static int vmi_text_maps_put(struct vmi_maps_query *q, const struct vmi_vma *v,
			     unsigned int n)
{
	struct vmi_query_state *st = q->ctx;
	unsigned int i;

	for (i = 0; i < n; i++, v++)
		vmi_out(st,
			"0x%llx 0x%llx %c%c%c%c %llu %llu %llu %llu %llu %llu %s\n",
			v->start, v->end,
			v->vma_flags & VMI_VMA_READ ? 'r' : '-',
			v->vma_flags & VMI_VMA_WRITE ? 'w' : '-',
			v->vma_flags & VMI_VMA_EXEC ? 'x' : '-',
			v->vma_flags & VMI_VMA_SHARED ? 's' : 'p', v->rss,
			v->bytes_4k, v->bytes_2m, v->bytes_1g, v->swap, v->thp,
			v->name[0] ? v->name : "-");
	return 0;
}

static int vmi_text_pgt_put(void *ctx, const void *recs, unsigned int n)
{
	const struct vmi_pgt_vma *v = recs;
	struct vmi_query_state *st = ctx;
	unsigned int i;

	for (i = 0; i < n; i++, v++)
		vmi_out(st,
			"vma 0x%llx 0x%llx %llu %llu %llu %llu %llu %llu %llu\n",
			v->start, v->end, v->tables[0], v->tables[1],
			v->tables[2], v->tables[3], v->pte_entries,
			v->pte_empty, v->pte_single);
	return 0;
}

/* [at, at + a + b) of the answer holds A then B: make it B then A. */
static int vmi_text_swap(struct vmi_query_state *st, size_t at, size_t a,
			 size_t b)
{
	char *tmp;

	if (!a || !b)
		return 0;
	tmp = kmalloc(b, GFP_KERNEL);
	if (!tmp)
		return -ENOMEM;
	memcpy(tmp, st->buf + at + a, b);
	memmove(st->buf + at + b, st->buf + at, a);
	memcpy(st->buf + at, tmp, b);
	kfree(tmp);
	return 0;
}

/*
 * The totals of a process's page tables; with @vmas, then one "vma" line
 * per VMA and where they stop (the walk's records arrive first: the totals
 * are moved before them).
 */
static int vmi_text_pgtables(struct vmi_query_state *st, u32 pid, bool vmas)
{
	size_t mark = st->len, lines;
	struct vmi_pgtables_arg *arg;
	unsigned int level;
	int ret;

	/* 536 bytes: not on the stack */
	arg = kzalloc(sizeof(*arg), GFP_KERNEL);
	if (!arg)
		return -ENOMEM;
	arg->pid = pid;
	/* room for the totals after the records */
	if (vmas)
		arg->vec_len = (VMI_ANSWER_MAX - mark) / VMI_LINE_MAX - 16;
	ret = vmi_query_pgtables(arg, &st->caller,
				 vmas ? vmi_text_pgt_put : NULL, st);
	if (ret) {
		st->len = mark;
		goto out;
	}
	lines = st->len - mark;
	vmi_out(st,
		"pgtables pte %llu pmd %llu pud %llu p4d %llu pgd %llu bytes %llu\n",
		arg->tables[VMI_LEVEL_PTE], arg->tables[VMI_LEVEL_PMD],
		arg->tables[VMI_LEVEL_PUD], arg->tables[VMI_LEVEL_P4D],
		arg->tables[VMI_LEVEL_PGD], arg->bytes);
	vmi_out(st, "entries pte %llu pmd %llu pud %llu p4d %llu pgd %llu\n",
		arg->entries[VMI_LEVEL_PTE], arg->entries[VMI_LEVEL_PMD],
		arg->entries[VMI_LEVEL_PUD], arg->entries[VMI_LEVEL_P4D],
		arg->entries[VMI_LEVEL_PGD]);
	vmi_out(st, "empty pte %llu pmd %llu pud %llu p4d %llu pgd %llu\n",
		arg->empty[VMI_LEVEL_PTE], arg->empty[VMI_LEVEL_PMD],
		arg->empty[VMI_LEVEL_PUD], arg->empty[VMI_LEVEL_P4D],
		arg->empty[VMI_LEVEL_PGD]);
	vmi_out(st, "deposited %llu\n", arg->deposited);
	/* tables by entries in use: 1 2-8 9-64 65-256 257-511 512 */
	for (level = VMI_LEVEL_PTE; level <= VMI_LEVEL_PGD; level++) {
		const __u64 *f = arg->fullness[level];

		vmi_out(st, "fullness %s %llu %llu %llu %llu %llu %llu\n",
			vmi_name(vmi_level_names, ARRAY_SIZE(vmi_level_names),
				 level),
			f[0], f[1], f[2], f[3], f[4], f[5]);
	}
	if (!vmas)
		goto out;
	vmi_out(st, "vmas %llu walk_end 0x%llx\n", arg->nr_vmas, arg->walk_end);
	ret = vmi_text_swap(st, mark, lines, st->len - mark - lines);
	if (ret)
		st->len = mark;
out:
	kfree(arg);
	return ret;
}

static int vmi_text_maps(struct vmi_query_state *st, u32 pid)
{
	struct vmi_maps_query q = {
		.pid = pid,
		.start = 0,
		.end = vmi_user_end(),
		.max_out = (VMI_ANSWER_MAX - VMI_LINE_MAX) / VMI_LINE_MAX,
		.put = vmi_text_maps_put,
		.ctx = st,
	};
	int ret;

	vmi_out(st,
		"# start end perms rss bytes_4k bytes_2m bytes_1g swap thp name\n");
	ret = vmi_query_maps(&q, &st->caller);
	if (ret)
		return ret;
	return vmi_text_pgtables(st, pid, false);
}

/* The counts of struct vmi_huge_bytes, in its order, on one line. */
static void vmi_out_huge_bytes(struct vmi_query_state *st, const char *prefix,
			       const struct vmi_huge_bytes *b)
{
	unsigned int order;

	vmi_out(st,
		"%srss %llu base %llu thp_pmd_anon %llu thp_pmd_shmem %llu thp_pmd_file %llu thp_pte %llu",
		prefix, b->rss, b->base, b->thp_pmd_anon, b->thp_pmd_shmem,
		b->thp_pmd_file, b->thp_pte);
	vmi_out(st,
		" hugetlb_pmd_private %llu hugetlb_pmd_shared %llu hugetlb_pud_private %llu hugetlb_pud_shared %llu",
		b->hugetlb_pmd_private, b->hugetlb_pmd_shared,
		b->hugetlb_pud_private, b->hugetlb_pud_shared);
	vmi_out(st, " swap %llu tlb_now %llu tlb_best %llu thp_pte_orders",
		b->swap, b->tlb_now, b->tlb_best);
	for (order = 1; order < VMI_THP_ORDERS; order++)
		if (b->thp_pte_order[order])
			vmi_out(st, " %u:%llu", order, b->thp_pte_order[order]);
	vmi_out(st, "\n");
}

static int vmi_text_huge_put(struct vmi_huge_query *q,
			     const struct vmi_huge_vma *v, unsigned int n)
{
	struct vmi_query_state *st = q->ctx;
	unsigned int i;

	for (i = 0; i < n; i++, v++) {
		vmi_out(st, "vma 0x%llx 0x%llx vma_flags 0x%x hflags ",
			v->start, v->end, v->vma_flags);
		vmi_out_bits(st, v->hflags, vmi_hflag_names,
			     ARRAY_SIZE(vmi_hflag_names));
		vmi_out(st, " hugetlb_size %llu name %s\n", v->hugetlb_size,
			v->name[0] ? v->name : "-");
		vmi_out_huge_bytes(st, "  ", &v->bytes);
	}
	return 0;
}

static int vmi_text_huge(struct vmi_query_state *st, u32 pid)
{
	struct vmi_huge_query *q;
	int ret;

	q = kzalloc(sizeof(*q), GFP_KERNEL);
	if (!q)
		return -ENOMEM;
	q->pid = pid;
	q->end = vmi_user_end();
	/* room for two long lines per VMA */
	q->max_out = (VMI_ANSWER_MAX - 4 * VMI_LINE_MAX) / (4 * VMI_LINE_MAX);
	q->put = vmi_text_huge_put;
	q->ctx = st;
	ret = vmi_query_huge(q, &st->caller);
	if (ret)
		goto out_free;
	vmi_out_huge_bytes(st, "total ", &q->total);
	vmi_out(st, "mm_flags ");
	vmi_out_bits(st, q->mm_flags, vmi_mm_flag_names,
		     ARRAY_SIZE(vmi_mm_flag_names));
	vmi_out(st, "\nvmas %llu\nwalk_end 0x%llx\n", q->nr_out, q->walk_end);
out_free:
	kfree(q);
	return ret;
}

static int vmi_text_blocks_put(struct vmi_huge_blocks_query *q,
			       const struct vmi_huge_block *b, unsigned int n)
{
	struct vmi_query_state *st = q->ctx;
	unsigned int i;

	for (i = 0; i < n; i++, b++) {
		vmi_out(st, "0x%llx 0x%llx 0x%x ", b->start, b->end,
			b->vma_flags);
		vmi_out_bits(st, b->flags, vmi_block_flag_names,
			     ARRAY_SIZE(vmi_block_flag_names));
		vmi_out(st, " %u %u %u %u %u %u %u %u %u\n", b->present,
			b->none, b->swap, b->shared, b->pinned, b->young,
			b->uffd_wp, b->other, b->order);
	}
	return 0;
}

static int vmi_text_blocks(struct vmi_query_state *st, u32 pid, u64 start,
			   u64 end)
{
	struct vmi_huge_blocks_query q = {
		.pid = pid,
		.start = start,
		.end = end,
		.max_out = (VMI_ANSWER_MAX - VMI_LINE_MAX) / (VMI_LINE_MAX / 2),
		.put = vmi_text_blocks_put,
		.ctx = st,
	};
	int ret;

	vmi_out(st,
		"# start end vma_flags flags present none swap shared pinned young uffd_wp other order\n");
	ret = vmi_query_huge_blocks(&q, &st->caller);
	if (ret)
		return ret;
	vmi_out(st, "mm_flags ");
	vmi_out_bits(st, q.mm_flags, vmi_mm_flag_names,
		     ARRAY_SIZE(vmi_mm_flag_names));
	vmi_out(st, "\nkflags ");
	vmi_out_bits(st, q.kflags, vmi_kflag_names,
		     ARRAY_SIZE(vmi_kflag_names));
	vmi_out(st, "\nblocks %llu\nnext 0x%llx\nmax_lock_ns %llu\n", q.nr_out,
		q.next, q.max_lock_ns);
	return 0;
}

/* Split @line into at most @max words; returns how many. */
static int vmi_split(char *line, char **argv, int max)
{
	int argc = 0;
	char *tok;

	while ((tok = strsep(&line, " \t\n")) && argc < max) {
		if (*tok)
			argv[argc++] = tok;
	}
	return tok ? -E2BIG : argc;
}

static int vmi_run_query(struct vmi_query_state *st, char *line)
{
	u64 start = 0, end = vmi_user_end(), flags = 0, va;
	char *argv[8];
	int argc, i = 2;
	u32 pid;

	argc = vmi_split(line, argv, ARRAY_SIZE(argv));
	if (argc < 2)
		return -EINVAL;
	if (kstrtou32(argv[1], 0, &pid))
		return -EINVAL;

	/* an optional range: START END */
	if (argc >= 4 && !kstrtou64(argv[2], 0, &start)) {
		if (kstrtou64(argv[3], 0, &end))
			return -EINVAL;
		i = 4;
	}
	if (!strcmp(argv[0], "blocks") && argc == i)
		return vmi_text_blocks(st, pid, start, end);
	if (!strcmp(argv[0], "walk")) {
		for (; i < argc; i++) {
			if (!strcmp(argv[i], "per-page"))
				flags |= VMI_WALK_PER_PAGE;
			else if (!strcmp(argv[i], "holes"))
				flags |= VMI_WALK_HOLES;
			else
				return -EINVAL;
		}
		return vmi_text_walk(st, pid, start, end, flags);
	}
	if (!strcmp(argv[0], "translate")) {
		if (argc != 3 || kstrtou64(argv[2], 0, &va))
			return -EINVAL;
		return vmi_text_translate(st, pid, va);
	}
	if (!strcmp(argv[0], "maps") && argc == 2)
		return vmi_text_maps(st, pid);
	if (!strcmp(argv[0], "pgtables") && argc == 2)
		return vmi_text_pgtables(st, pid, true);
	if (!strcmp(argv[0], "huge") && argc == 2)
		return vmi_text_huge(st, pid);
	return -EINVAL;
}

static ssize_t vmi_query_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	struct vmi_query_state *st = file->private_data;
	char line[VMI_QUERY_MAX];
	int ret;

	if (!count || count >= sizeof(line))
		return -EINVAL;
	if (copy_from_user(line, ubuf, count))
		return -EFAULT;
	line[count] = '\0';

	if (mutex_lock_killable(&st->lock))
		return -EINTR;
	st->len = 0;
	ret = vmi_run_query(st, line);
	if (ret)
		st->len = 0; /* no stale or partial answer */
	mutex_unlock(&st->lock);
	if (ret)
		return ret;
	*ppos = 0; /* the answer is read from its start */
	return count;
}

static ssize_t vmi_query_read(struct file *file, char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	struct vmi_query_state *st = file->private_data;
	ssize_t ret;

	if (mutex_lock_killable(&st->lock))
		return -EINTR;
	ret = simple_read_from_buffer(ubuf, count, ppos, st->buf, st->len);
	mutex_unlock(&st->lock);
	return ret;
}

static int vmi_query_open(struct inode *inode, struct file *file)
{
	struct vmi_query_state *st;

	if (!try_module_get(THIS_MODULE))
		return -ENODEV;
	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		goto err_put_module;
	st->buf = vmalloc(VMI_ANSWER_MAX);
	if (!st->buf)
		goto err_free_state;
	mutex_init(&st->lock);
	vmi_caller_init(&st->caller, file);
	file->private_data = st;
	return 0;

err_free_state:
	kfree(st);
err_put_module:
	module_put(THIS_MODULE);
	return -ENOMEM;
}

static int vmi_query_release(struct inode *inode, struct file *file)
{
	struct vmi_query_state *st = file->private_data;

	vfree(st->buf);
	mutex_destroy(&st->lock);
	kfree(st);
	module_put(THIS_MODULE);
	return 0;
}

static const struct proc_ops vmi_query_ops = {
	.proc_open = vmi_query_open,
	.proc_release = vmi_query_release,
	.proc_read = vmi_query_read,
	.proc_write = vmi_query_write,
	.proc_lseek = default_llseek,
};

int vmi_query_file_init(struct proc_dir_entry *dir)
{
	/* root only: unprivileged users have the ioctls on ctl */
	if (!proc_create("query", 0600, dir, &vmi_query_ops))
		return -ENOMEM;
	return 0;
}
