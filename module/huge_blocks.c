// SPDX-License-Identifier: GPL-2.0
/*
 * huge_blocks.c - huge pages block by block.
 *
 * A consumer of the walker that adds up, for every 2 MiB-aligned block of
 * a range (the part of it in one VMA), the facts that decide whether the
 * block is, or could become, one huge page: how it is mapped, how many of
 * its entries are present, empty, swapped out, shared, pinned, young or
 * write-protected by userfaultfd, and what its VMA is.  What the facts
 * mean (the verdict, and what MADV_COLLAPSE or khugepaged would do) also
 * depends on policy the kernel publishes in sysfs: libvminspect decides
 * it there.
 *
 * The pages behind the frames are read as huge.c reads them: snapshot
 * reads of struct page memory, after vmi_pfn_online(); a folio split or
 * freed under the walk gives a stale count for one page, never a fault.
 */
#include <linux/hugetlb.h>
#include <linux/mm.h>
#include <linux/page_ref.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/userfaultfd_k.h>

#include "compat.h"
#include "decode.h"
#include "vminspect.h"

#define VMI_BLOCKS_BATCH (VMI_BATCH_BYTES / sizeof(struct vmi_huge_block))

struct vmi_blocks {
	struct vmi_walk w;
	struct vmi_stage st;
	struct vmi_huge_block cur; /* the block being added up */
	unsigned long cur_vma;	   /* the start of its VMA */
	unsigned long vma_start;   /* the VMA the walk is in */
	unsigned long vma_end;
	u32 vma_hb;    /* VMI_HB_* that the VMA gives its blocks */
	u32 vma_flags; /* VMI_VMA_* */
	bool span_only;
	bool skip; /* the VMA holds no whole block, and only those count */
};

static int vmi_blocks_vma(struct vmi_walk *w, struct vm_area_struct *vma)
{
	struct vmi_blocks *b = w->priv;
	u32 hf = vmi_huge_vma_hflags(vma);
	u32 f = 0;

	b->vma_start = vma->vm_start;
	b->vma_end = vma->vm_end;
	b->vma_flags = vmi_vma_flags(vma);
	if (is_vm_hugetlb_page(vma))
		f |= VMI_HB_HUGETLB;
	if (vma_is_anonymous(vma))
		f |= VMI_HB_ANON;
	else if (hf & VMI_HV_SHMEM)
		f |= VMI_HB_SHMEM;
	else if (vma->vm_file)
		f |= VMI_HB_FILE;
	if (hf & VMI_HV_SPECIAL)
		f |= VMI_HB_SPECIAL;
	if (userfaultfd_armed(vma))
		f |= VMI_HB_UFFD_ARMED;
	b->vma_hb = f;
	b->skip = b->span_only && round_up(vma->vm_start, PMD_SIZE) >=
					  round_down(vma->vm_end, PMD_SIZE);
	return VMI_WALK_CONTINUE;
}

/*
 * The record for the piece of a block that begins at @addr: the one being
 * added up when @addr continues it, else a new one.  VMI_WALK_STOP when
 * the finished record must be delivered first (or the sink is full).
 */
static int vmi_blocks_at(struct vmi_blocks *b, unsigned long addr)
{
	struct vmi_huge_block *c = &b->cur;
	unsigned long block = addr & PMD_MASK;

	if (b->st.have_pending && c->end == addr &&
	    (c->start & PMD_MASK) == block && b->cur_vma == b->vma_start)
		return VMI_WALK_CONTINUE;
	if (b->st.have_pending &&
	    (!vmi_stage_push(&b->st) || b->st.nbuf == b->st.max))
		return VMI_WALK_STOP;
	memset(c, 0, sizeof(*c));
	c->start = addr;
	c->end = addr;
	c->flags = b->vma_hb;
	c->vma_flags = b->vma_flags;
	if (block < b->vma_start || block + PMD_SIZE > b->vma_end)
		c->flags |= VMI_HB_PARTIAL;
	b->cur_vma = b->vma_start;
	b->st.have_pending = true;
	return VMI_WALK_CONTINUE;
}

/*
 * A present small page, mapped by a PTE; @section is the walk's cache of
 * vmi_pfn_online_cached() (inside the PTE table's RCU section).
 */
static void vmi_blocks_page(struct vmi_huge_block *c,
			    const struct vmi_leaf *leaf, unsigned long *section)
{
	struct folio *folio;
	struct page *page;
	int mapcount, expected;

	if (leaf->eflags & (VMI_EF_SPECIAL | VMI_EF_DEVMAP)) {
		/* the zero page is as good as nothing to a collapse */
		if (is_zero_pfn(leaf->pfn))
			c->none++;
		else
			c->other++;
		return;
	}
	if (!vmi_pfn_online_cached(section, leaf->pfn)) {
		c->other++;
		return;
	}
	c->present++;
	if (leaf->eflags & VMI_EF_WRITE)
		c->flags |= VMI_HB_WRITE;
	if (leaf->eflags & VMI_EF_UFFD_WP)
		c->uffd_wp++;
	page = pfn_to_page(leaf->pfn);
	folio = page_folio(page);
	if ((leaf->eflags & VMI_EF_ACCESSED) || folio_test_referenced(folio))
		c->young++;
	if (folio_maybe_dma_pinned(folio))
		c->flags |= VMI_HB_DMA_PINNED;
	if (folio_test_large(folio)) {
		c->flags |= VMI_HB_PTE_LARGE;
		c->order = max_t(unsigned int, c->order, folio_order(folio));
		return;
	}
	if (folio_test_ksm(folio))
		c->flags |= VMI_HB_KSM;
	/*
	 * A small folio's mappings are its _mapcount plus one.  The
	 * references a collapse expects (is_refcount_suitable() in
	 * mm/khugepaged.c): one per mapping, one for private data, one for
	 * the page cache or the swap cache; a page not yet on the LRU sits
	 * in a per-CPU batch, which holds one more until a collapse drains
	 * it.
	 */
	mapcount = atomic_read(&page->_mapcount) + 1;
	if (mapcount > 1)
		c->shared++;
	expected =
		mapcount + folio_test_private(folio) + !folio_test_lru(folio);
	if (!folio_test_anon(folio) || folio_test_swapcache(folio))
		expected++;
	if (folio_ref_count(folio) > expected)
		c->pinned++;
}

/* @n pages of @leaf, all in the current record's block. */
static void vmi_blocks_count(struct vmi_blocks *b, const struct vmi_leaf *leaf,
			     unsigned int n)
{
	struct vmi_huge_block *c = &b->cur;

	switch (leaf->kind) {
	case VMI_KIND_NONE:
		c->none += n;
		return;
	case VMI_KIND_SWAP:
		c->swap += n;
		if (leaf->eflags & VMI_EF_UFFD_WP)
			c->uffd_wp += n;
		return;
	case VMI_KIND_MARKER:
		/* in a VMA registered with userfaultfd: its wp markers */
		if ((leaf->eflags & VMI_EF_UFFD_WP) ||
		    (c->flags & VMI_HB_UFFD_ARMED))
			c->uffd_wp += n;
		else
			c->other += n;
		return;
	case VMI_KIND_PRESENT:
		break;
	default:
		c->other += n;
		return;
	}
	if (leaf->level == VMI_LEVEL_PTE) {
		vmi_blocks_page(c, leaf, &b->w.pfn_section);
		return;
	}
	/* a THP (the huge zero page too) or a hugetlb page */
	c->present += n;
	if (leaf->eflags & VMI_EF_WRITE)
		c->flags |= VMI_HB_WRITE;
	if (leaf->eflags & VMI_EF_ACCESSED)
		c->young += n;
	if (!(c->flags & VMI_HB_HUGETLB) && leaf->level == VMI_LEVEL_PMD) {
		c->flags |= VMI_HB_PMD_MAPPED;
		c->order = PMD_SHIFT - PAGE_SHIFT;
	}
}

static int vmi_blocks_leaf(struct vmi_walk *w, const struct vmi_leaf *leaf)
{
	struct vmi_blocks *b = w->priv;
	unsigned long addr = leaf->start, next;
	int ret;

	if (b->skip)
		return VMI_WALK_CONTINUE;
	/* a leaf above the PTE level may span blocks: one piece each */
	while (addr < leaf->end) {
		next = min(leaf->end, (addr & PMD_MASK) + PMD_SIZE);
		ret = vmi_blocks_at(b, addr);
		if (ret) {
			/* go on from this piece once the batch is out */
			w->addr = addr;
			return ret;
		}
		vmi_blocks_count(b, leaf, (next - addr) >> PAGE_SHIFT);
		b->cur.end = next;
		addr = next;
	}
	return VMI_WALK_CONTINUE;
}

#ifdef CONFIG_X86_64
/*
 * A PTE table at once.  It maps one 2 MiB block, so one record takes all
 * of its entries: each is read once with ptep_get() and decoded as
 * ->leaf() would see it, with no call per entry.  Slices of
 * VMI_PTES_SLICE entries, with a look for a waiting writer after each.
 */
static int vmi_blocks_ptes(struct vmi_walk *w, pte_t *table, unsigned long addr,
			   unsigned long end)
{
	struct vmi_blocks *b = w->priv;
	pte_t *const first = table;
	pte_t *const last = table + ((end - addr) >> PAGE_SHIFT);
	struct vmi_leaf leaf;
	int ret;

	if (b->skip) {
		w->addr = end;
		return VMI_WALK_CONTINUE;
	}
	ret = vmi_blocks_at(b, addr);
	if (ret) {
		w->addr = addr;
		return ret;
	}
	while (table < last) {
		pte_t *const stop =
			table + min_t(long, last - table, VMI_PTES_SLICE);

		for (; table < stop; table++) {
			u64 v = native_pte_val(ptep_get(table));

			if (pte_none(native_make_pte(v))) {
				b->cur.none++;
				continue;
			}
			leaf = (struct vmi_leaf){
				.start = addr + (table - first) * PAGE_SIZE,
				.level = VMI_LEVEL_PTE,
				.page_shift = PAGE_SHIFT,
			};
			leaf.end = leaf.start + PAGE_SIZE;
			vmi_decode_pte(w, &leaf, v);
			vmi_blocks_count(b, &leaf, 1);
		}
		if (table < last && vmi_walk_lock_wanted(w)) {
			ret = VMI_WALK_YIELD;
			break;
		}
	}
	w->addr = addr + (table - first) * PAGE_SIZE;
	b->cur.end = w->addr;
	return ret;
}
#endif

static const struct vmi_walk_ops vmi_blocks_ops = {
	.leaf = vmi_blocks_leaf,
	.vma = vmi_blocks_vma,
#ifdef CONFIG_X86_64
	.ptes = vmi_blocks_ptes,
#endif
};

static int vmi_blocks_put(void *ctx, const void *recs, unsigned int n)
{
	struct vmi_huge_blocks_query *q = ctx;

	return q->put(q, recs, n);
}

/**
 * vmi_query_huge_blocks - the facts of every 2 MiB block of a range
 * @q:		the query; @q->put receives batches with no lock held
 * @caller:	what the caller may see (no frame is ever reported)
 *
 * Return: 0 (see @q->nr_out and @q->next) or -errno.
 */
int vmi_query_huge_blocks(struct vmi_huge_blocks_query *q,
			  const struct vmi_caller *caller)
{
	struct vmi_blocks *b;
	struct mm_struct *mm;
	int ret;

	if (q->flags & ~VMI_HUGE_BLOCKS_FLAGS)
		return -EINVAL;
	ret = vmi_check_range(q->start, q->end);
	if (ret)
		return ret;
	if (!q->max_out)
		return -EINVAL;

	mm = vmi_get_mm(q->pid, caller);
	if (IS_ERR(mm))
		return PTR_ERR(mm);
	ret = -ENOMEM;
	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		goto out_mmput;
	ret = vmi_stage_init(&b->st, &b->cur, sizeof(b->cur), VMI_BLOCKS_BATCH,
			     q->max_out);
	if (ret)
		goto out_free;
	q->nr_out = 0;
	q->mm_flags = vmi_huge_mm_flags(mm);
	q->kflags = VMI_COLLAPSE_NEEDS_WRITE ? VMI_HBK_NEEDS_WRITE : 0;
	b->span_only = q->flags & VMI_HUGE_BLOCKS_SPAN;
	b->w.mm = mm;
	b->w.caller = caller;
	b->w.ops = &vmi_blocks_ops;
	b->w.priv = b;
	b->w.holes = true;
	b->w.keep_pfn = true; /* to look at folios; frames never leave */

	ret = vmi_stage_run(&b->st, &b->w, q->start, q->end, vmi_blocks_put, q,
			    &q->nr_out, &q->next);
	q->max_lock_ns = b->w.max_lock_ns;
	kfree(b->st.buf);
out_free:
	kfree(b);
out_mmput:
	mmput(mm);
	return ret;
}
