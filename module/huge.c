// SPDX-License-Identifier: GPL-2.0
/*
 * huge.c - huge-page use.
 *
 * Per process: the walker's leaves added up per VMA by the kind of page
 * that maps them (small page, PMD-mapped THP by backing, PTE-mapped pieces
 * of large folios by order, hugetlb by size and sharing), the TLB entries
 * they need now and at best, and the facts that explain a VMA that is not
 * huge.  The byte counts follow smaps' rules, so that the two agree.
 *
 * Nothing system-wide: the kernel publishes the hugetlb pools, the THP
 * counters and the free blocks itself (sysfs, /proc/meminfo, /proc/vmstat,
 * /proc/buddyinfo), and the library reads them there.
 */
#include <linux/fs.h>
#include <linux/hugetlb.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "compat.h"
#include "decode.h"
#include "vminspect.h"

#define VMI_HUGE_BATCH (VMI_BATCH_BYTES / sizeof(struct vmi_huge_vma))

struct vmi_huge {
	struct vmi_walk w;
	struct vmi_stage st;
	struct vmi_huge_vma cur; /* the VMA being added up */
	struct vmi_huge_bytes *total;
	unsigned long last_block; /* last 2 MiB block counted in tlb_best */
	bool capable;		  /* the current VMA could use THP */
	char *path;
};

/* The largest @size-aligned range inside [start, end), or 0, 0. */
static void vmi_huge_span(u64 start, u64 end, u64 size, __u64 *s, __u64 *e)
{
	u64 a = round_up(start, size), b = round_down(end, size);

	*s = a < b ? a : 0;
	*e = a < b ? b : 0;
}

/* What backs @vma, and whether THP could apply to it: VMI_HV_* */
u32 vmi_huge_vma_hflags(struct vm_area_struct *vma)
{
	bool hugetlb = is_vm_hugetlb_page(vma);
	struct file *file = vma->vm_file;
	u32 hf = 0;

	/* tmpfs, memfd, SysV shm and shared anonymous memory are shmem */
	if (file && file_inode(file)->i_sb->s_magic == TMPFS_MAGIC)
		hf |= VMI_HV_SHMEM;
	else if (file && !hugetlb &&
		 mapping_large_folio_support(file->f_mapping))
		hf |= VMI_HV_LARGE_FOLIOS;
	if (vma->vm_flags & (VM_PFNMAP | VM_MIXEDMAP | VM_IO))
		hf |= VMI_HV_SPECIAL;
	if (vma->vm_flags & VM_LOCKED)
		hf |= VMI_HV_LOCKED;
	if (!hugetlb && !(hf & VMI_HV_SPECIAL) &&
	    (vma_is_anonymous(vma) ||
	     (hf & (VMI_HV_SHMEM | VMI_HV_LARGE_FOLIOS))))
		hf |= VMI_HV_THP_CAPABLE;
	return hf;
}

static void vmi_huge_vma_facts(struct vmi_huge *h, struct vm_area_struct *vma)
{
	struct vmi_huge_vma *v = &h->cur;
	u32 hf = vmi_huge_vma_hflags(vma);

	memset(v, 0, sizeof(*v));
	v->start = vma->vm_start;
	v->end = vma->vm_end;
	v->vma_flags = vmi_vma_flags(vma);
	vmi_huge_span(v->start, v->end, PMD_SIZE, &v->span_2m_start,
		      &v->span_2m_end);
	vmi_huge_span(v->start, v->end, PUD_SIZE, &v->span_1g_start,
		      &v->span_1g_end);
	if (is_vm_hugetlb_page(vma))
		v->hugetlb_size = huge_page_size(hstate_vma(vma));
	v->hflags = hf;
	vmi_vma_name(vma, v->name, h->path);
	h->capable = hf & VMI_HV_THP_CAPABLE;
	h->last_block = ULONG_MAX;
}

/* The VMA's record is final: add it to the totals. */
static void vmi_huge_seal(struct vmi_stage *st)
{
	struct vmi_huge *h = container_of(st, struct vmi_huge, st);
	const __u64 *src = (const __u64 *)&h->cur.bytes;
	__u64 *dst = (__u64 *)h->total;
	unsigned int i;

	for (i = 0; i < sizeof(*h->total) / sizeof(__u64); i++)
		dst[i] += src[i];
}

static int vmi_huge_vma(struct vmi_walk *w, struct vm_area_struct *vma)
{
	struct vmi_huge *h = w->priv;

	/*
	 * Met again after the lock was dropped, changed (grown down, moved
	 * up, replaced in part): still the record being added up, so that
	 * records never overlap nor go backwards.
	 */
	if (h->st.have_pending && vma->vm_start < h->cur.end) {
		h->cur.end = max_t(u64, h->cur.end, vma->vm_end);
		return VMI_WALK_CONTINUE;
	}
	if (h->st.have_pending) {
		if (!h->st.max) {
			/* totals only: nothing to deliver */
			vmi_huge_seal(&h->st);
		} else {
			if (!vmi_stage_push(&h->st))
				return VMI_WALK_STOP;
			if (h->st.nbuf == h->st.max)
				return VMI_WALK_STOP;
		}
	}
	vmi_huge_vma_facts(h, vma);
	h->st.have_pending = true;
	return VMI_WALK_CONTINUE;
}

/*
 * TLB entries at best: one per 2 MiB block of the aligned span that holds
 * a mapped page, small pages outside it, where THP could apply.
 */
static void vmi_huge_best(struct vmi_huge *h, const struct vmi_leaf *leaf)
{
	struct vmi_huge_bytes *b = &h->cur.bytes;
	unsigned long first, last;

	if (!h->capable || leaf->start < h->cur.span_2m_start ||
	    leaf->end > h->cur.span_2m_end) {
		b->tlb_best++;
		return;
	}
	first = leaf->start >> PMD_SHIFT;
	last = (leaf->end - 1) >> PMD_SHIFT;
	if (h->last_block != ULONG_MAX && first <= h->last_block)
		first = h->last_block + 1;
	if (last >= first)
		b->tlb_best += last - first + 1;
	h->last_block = last;
}

static void vmi_huge_hugetlb(struct vmi_huge_bytes *b,
			     const struct vmi_leaf *leaf, u64 len)
{
	struct folio *folio = page_folio(pfn_to_page(leaf->pfn));
	bool shared = vmi_hugetlb_mapcount(folio) > 1;

	if (leaf->level >= VMI_LEVEL_PUD) {
		if (shared)
			b->hugetlb_pud_shared += len;
		else
			b->hugetlb_pud_private += len;
	} else {
		if (shared)
			b->hugetlb_pmd_shared += len;
		else
			b->hugetlb_pmd_private += len;
	}
}

int vmi_huge_leaf(struct vmi_walk *w, const struct vmi_leaf *leaf)
{
	struct vmi_huge *h = w->priv;
	struct vmi_huge_bytes *b = &h->cur.bytes;
	u64 len = leaf->end - leaf->start;
	struct folio *folio;
	unsigned int order;

	if (leaf->kind == VMI_KIND_SWAP) {
		if (!(w->vma_attrs & VMI_EA_HUGETLB))
			b->swap += len;
		return VMI_WALK_CONTINUE;
	}
	if (leaf->kind != VMI_KIND_PRESENT)
		return VMI_WALK_CONTINUE;
	b->tlb_now++;
	vmi_huge_best(h, leaf);
	/* the zero page, PFN maps and device pages: nobody's memory */
	if (leaf->eflags & (VMI_EF_SPECIAL | VMI_EF_DEVMAP) ||
	    !vmi_pfn_online(leaf->pfn))
		return VMI_WALK_CONTINUE;
	if (w->vma_attrs & VMI_EA_HUGETLB) {
		vmi_huge_hugetlb(b, leaf, len);
		return VMI_WALK_CONTINUE;
	}
	/*
	 * Snapshot reads of struct page memory: a folio split or freed under
	 * us gives a stale answer for this page, never a fault.
	 */
	folio = page_folio(pfn_to_page(leaf->pfn));
	if (leaf->level == VMI_LEVEL_PTE) {
		b->rss += len;
		order = (leaf->attrs & VMI_EA_THP) ? folio_order(folio) : 0;
		if (!order) {
			b->base += len;
			return VMI_WALK_CONTINUE;
		}
		b->thp_pte += len;
		b->thp_pte_order[min(order, VMI_THP_ORDERS - 1U)] += len;
		return VMI_WALK_CONTINUE;
	}
	if (leaf->level == VMI_LEVEL_PMD) {
		/* as smaps: anonymous, shmem, else page cache */
		if (folio_test_anon(folio))
			b->thp_pmd_anon += len;
		else if (folio_test_swapbacked(folio))
			b->thp_pmd_shmem += len;
		else if (READ_ONCE(folio->mapping))
			b->thp_pmd_file += len;
		else
			return VMI_WALK_CONTINUE; /* the huge zero page */
	}
	b->rss += len;
	return VMI_WALK_CONTINUE;
}

#if defined(CONFIG_X86_64) && defined(CONFIG_SPARSEMEM_VMEMMAP)
#ifdef _PAGE_DEVMAP
#define VMI_PAGE_NOT_MEMORY (_PAGE_SPECIAL | _PAGE_DEVMAP)
#else
#define VMI_PAGE_NOT_MEMORY _PAGE_SPECIAL
#endif

/* What a slice of a PTE table adds up to, in pages. */
struct vmi_huge_sums {
	u64 small; /* small pages of memory: in now, rss and base alike */
	u64 thp;   /* pages of large folios: in now and rss */
	u64 other; /* other present entries (no memory): in now */
	u64 swap;
};

/*
 * One entry, counted as vmi_huge_leaf() would count it: apart from the
 * loop below, for the entries its fast path does not take.
 */
static noinline void vmi_huge_pte(struct vmi_walk *w, struct vmi_huge_sums *s,
				  struct page *map, pte_t *ptep)
{
	u64 v = native_pte_val(ptep_get(ptep)); /* see vmi_raw_ptes() */
	struct vmi_huge *h = w->priv;
	struct vmi_huge_bytes *b = &h->cur.bytes;
	unsigned long pfn;
	struct page *page;
	unsigned int order;

	if (pte_none(native_make_pte(v)))
		return;
	if (!pte_present(native_make_pte(v))) {
		struct vmi_leaf l = {};

		vmi_decode_entry(&l, v, false);
		if (l.kind == VMI_KIND_SWAP)
			s->swap++;
		return;
	}
	pfn = vmi_entry_pfn(v, false);
	if ((v & VMI_PAGE_NOT_MEMORY) ||
	    !vmi_pfn_online_cached(&w->pfn_section, pfn)) {
		s->other++;
		return;
	}
	page = map + pfn;
	order = vmi_page_compound(page) ? folio_order(page_folio(page)) : 0;
	if (!order) {
		s->small++;
		return;
	}
	s->thp++;
	b->thp_pte += PAGE_SIZE;
	b->thp_pte_order[min(order, VMI_THP_ORDERS - 1U)] += PAGE_SIZE;
}

/* Entries the fast path of vmi_huge_ptes() takes at once. */
#define VMI_HUGE_RUN 4

/*
 * Are the frames of four present entries small pages of memory: online,
 * none of them part of a large folio?
 */
static __always_inline bool vmi_huge_all_small(unsigned long *section,
					       struct page *map, u64 mask,
					       u64 v0, u64 v1, u64 v2, u64 v3)
{
	unsigned long f0 = (v0 & mask) >> PAGE_SHIFT;
	unsigned long f1 = (v1 & mask) >> PAGE_SHIFT;
	unsigned long f2 = (v2 & mask) >> PAGE_SHIFT;
	unsigned long f3 = (v3 & mask) >> PAGE_SHIFT;
	struct page *p0 = map + f0, *p1 = map + f1;
	struct page *p2 = map + f2, *p3 = map + f3;
	unsigned long flags, tail;

	if (!(vmi_pfn_online_cached(section, f0) &&
	      vmi_pfn_online_cached(section, f1) &&
	      vmi_pfn_online_cached(section, f2) &&
	      vmi_pfn_online_cached(section, f3)))
		return false;

	flags = vmi_page_flags_word(p0) | vmi_page_flags_word(p1) |
		vmi_page_flags_word(p2) | vmi_page_flags_word(p3);
	tail = vmi_page_tail_word(p0) | vmi_page_tail_word(p1) |
	       vmi_page_tail_word(p2) | vmi_page_tail_word(p3);
	return !(((flags >> PG_head) | tail) & 1);
}

/*
 * A PTE table at once: the same accounting as vmi_huge_leaf() for small
 * entries, in a loop that reads each entry and at most one struct page.
 * The common runs take the shortest path, VMI_HUGE_RUN entries at a time:
 * empty entries, and present small pages of memory (the memory map's base
 * read once, as the stores elsewhere in the loop could alias it).  Slices
 * of VMI_PTES_SLICE entries, with a look for a waiting writer after each.
 */
static int vmi_huge_ptes(struct vmi_walk *w, pte_t *table, unsigned long addr,
			 unsigned long end)
{
	struct vmi_huge *h = w->priv;
	struct vmi_huge_bytes *b = &h->cur.bytes;
	struct page *const map = vmemmap;
	const u64 pfn_mask = PTE_PFN_MASK;
	pte_t *const first = table;
	pte_t *const last = table + ((end - addr) >> PAGE_SHIFT);
	struct vmi_huge_sums s = {};
	u64 small = 0, now, v0, v1, v2, v3, all, any;
	int ret = VMI_WALK_CONTINUE;
	unsigned int k;
	/* a PTE table maps one 2 MiB block: inside the span, or not at all */
	bool in_span = h->capable && addr >= h->cur.span_2m_start &&
		       end <= h->cur.span_2m_end;

	/* entries are read raw: see vmi_raw_ptes() */
	while (table < last) {
		pte_t *const stop =
			table + min_t(long, last - table, VMI_PTES_SLICE);

		for (; stop - table >= VMI_HUGE_RUN; table += VMI_HUGE_RUN) {
			v0 = native_pte_val(ptep_get(table));
			v1 = native_pte_val(ptep_get(table + 1));
			v2 = native_pte_val(ptep_get(table + 2));
			v3 = native_pte_val(ptep_get(table + 3));
			any = v0 | v1 | v2 | v3;
			if (likely(!(any & ~_PAGE_KNL_ERRATUM_MASK)))
				continue;
			all = v0 & v1 & v2 & v3;
			/* all present, none special */
			if (likely(((all & _PAGE_PRESENT) |
				    (any & VMI_PAGE_NOT_MEMORY)) ==
					   _PAGE_PRESENT &&
				   vmi_huge_all_small(&w->pfn_section, map,
						      pfn_mask, v0, v1, v2,
						      v3))) {
				small += VMI_HUGE_RUN;
				continue;
			}
			/* one by one, read again (a newer snapshot is as good) */
			for (k = 0; k < VMI_HUGE_RUN; k++)
				vmi_huge_pte(w, &s, map, table + k);
		}
		for (; table < stop; table++)
			vmi_huge_pte(w, &s, map, table);
		if (table < last && vmi_walk_lock_wanted(w)) {
			ret = VMI_WALK_YIELD;
			break;
		}
	}
	w->addr = addr + (table - first) * PAGE_SIZE;

	s.small += small;
	now = s.small + s.thp + s.other;
	b->tlb_now += now;
	if (!in_span) {
		b->tlb_best += now;
	} else if (now && h->last_block != (end - 1) >> PMD_SHIFT) {
		b->tlb_best++;
		h->last_block = (end - 1) >> PMD_SHIFT;
	}
	b->rss += (s.small + s.thp) * PAGE_SIZE;
	b->base += s.small * PAGE_SIZE;
	b->swap += s.swap * PAGE_SIZE;
	return ret;
}
#endif

static const struct vmi_walk_ops vmi_huge_ops = {
	.leaf = vmi_huge_leaf,
	.vma = vmi_huge_vma,
#if defined(CONFIG_X86_64) && defined(CONFIG_SPARSEMEM_VMEMMAP)
	.ptes = vmi_huge_ptes,
#endif
};

static int vmi_huge_put(void *ctx, const void *recs, unsigned int n)
{
	struct vmi_huge_query *q = ctx;

	return q->put(q, recs, n);
}

/* VMI_HM_* of @mm */
u32 vmi_huge_mm_flags(struct mm_struct *mm)
{
	u32 f = 0;

	if (vmi_mm_flag(mm, VMI_MMF_THP_DISABLED))
		f |= VMI_HM_THP_DISABLED;
#ifdef MMF_DISABLE_THP_EXCEPT_ADVISED
	if (vmi_mm_flag(mm, MMF_DISABLE_THP_EXCEPT_ADVISED))
		f |= VMI_HM_THP_ADVISED_ONLY;
#endif
	if (vmi_mm_flag(mm, MMF_VM_HUGEPAGE))
		f |= VMI_HM_KHUGEPAGED;
	return f;
}

/**
 * vmi_query_huge - huge-page use of a range of a process, VMA by VMA
 * @q:		the query; with @q->max_out 0 only the totals are wanted
 * @caller:	what the caller may see (no frame is ever reported)
 *
 * Return: 0 (see @q->nr_out, @q->walk_end and @q->total) or -errno.
 */
int vmi_query_huge(struct vmi_huge_query *q, const struct vmi_caller *caller)
{
	struct vmi_huge *h;
	struct mm_struct *mm;
	int ret;

	if (q->flags)
		return -EINVAL;
	ret = vmi_check_range(q->start, q->end);
	if (ret)
		return ret;

	mm = vmi_get_mm(q->pid, caller);
	if (IS_ERR(mm))
		return PTR_ERR(mm);
	ret = -ENOMEM;
	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		goto out_mmput;
	h->path = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!h->path)
		goto out_free_h;
	if (q->max_out) {
		ret = vmi_stage_init(&h->st, &h->cur, sizeof(h->cur),
				     VMI_HUGE_BATCH, q->max_out);
		if (ret)
			goto out_free_path;
	}
	h->st.seal = vmi_huge_seal;
	h->total = &q->total;
	memset(&q->total, 0, sizeof(q->total));
	q->nr_out = 0;
	q->mm_flags = vmi_huge_mm_flags(mm);
	h->w.mm = mm;
	h->w.caller = caller;
	h->w.ops = &vmi_huge_ops;
	h->w.priv = h;
	h->w.keep_pfn = true; /* to look at folios; frames never leave */

	if (q->max_out) {
		ret = vmi_stage_run(&h->st, &h->w, q->start, q->end,
				    vmi_huge_put, q, &q->nr_out, &q->walk_end);
	} else {
		ret = vmi_walk(&h->w, q->start, q->end);
		if (!ret && h->st.have_pending)
			vmi_huge_seal(&h->st);
		q->walk_end = q->end;
	}
	q->max_lock_ns = h->w.max_lock_ns;
	kfree(h->st.buf);
out_free_path:
	kfree(h->path);
out_free_h:
	kfree(h);
out_mmput:
	mmput(mm);
	return ret;
}
