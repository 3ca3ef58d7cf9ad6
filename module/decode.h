/* SPDX-License-Identifier: GPL-2.0 */
/*
 * decode.h - what the bits of an entry mean, on this architecture: the
 * part that runs for every entry of every walk, inline in the walker.
 * The rare cases (swap and other non-present entries) are in decode.c.
 *
 * Decoding works on a raw value already read by the walker: nothing here
 * touches page tables.
 */
#ifndef _VMI_DECODE_H
#define _VMI_DECODE_H

#include <linux/mm.h>

#include "compat.h"
#include "vminspect.h"

/*
 * May the consumers that take a PTE table at once (ops->ptes) read its
 * entries raw?  In a Xen PV guest entries hold machine frames, which
 * pte_val() turns into guest frames with a paravirt call; on kernels built
 * to run there, that call is patched into a move everywhere else, but the
 * compiler must still assume it clobbers memory, and reloads every global
 * and spilled variable after it, once per entry of the tightest loops.
 */
static __always_inline bool vmi_raw_ptes(void)
{
#ifdef CONFIG_X86_64
	return !cpu_feature_enabled(X86_FEATURE_XENPV);
#else
	return false;
#endif
}

#ifdef CONFIG_X86_64

void vmi_decode_swap(struct vmi_leaf *leaf, u64 v);

/*
 * The frame of a present or PROT_NONE entry's value: pte_pfn() and
 * pmd_pfn() without their paravirt call, undoing the L1TF inversion of
 * PROT_NONE frames the same way.
 */
static __always_inline u64 vmi_entry_pfn(u64 v, bool huge)
{
	u64 mask = huge ? pmd_pfn_mask(native_make_pmd(v)) : PTE_PFN_MASK;

	return ((v ^ protnone_mask(v)) & mask) >> PAGE_SHIFT;
}

/* Set @flag in the result when @bit is set in the entry. */
#define VMI_BIT(v, bit, flag) (((v) & (bit)) ? (flag) : 0)

static __always_inline void vmi_decode_present(struct vmi_leaf *leaf, u64 v,
					       bool huge)
{
	u64 f;

	/* straight-line: this runs once per entry of every walk */
	f = VMI_BIT(v, _PAGE_RW, VMI_EF_WRITE) |
	    VMI_BIT(v, _PAGE_USER, VMI_EF_USER) |
	    VMI_BIT(v, _PAGE_ACCESSED, VMI_EF_ACCESSED) |
	    VMI_BIT(v, _PAGE_DIRTY_BITS, VMI_EF_DIRTY) |
	    VMI_BIT(v, _PAGE_NX, VMI_EF_NX) |
	    VMI_BIT(v, _PAGE_PWT, VMI_EF_PWT) |
	    VMI_BIT(v, _PAGE_PCD, VMI_EF_PCD) |
	    VMI_BIT(v, _PAGE_SOFT_DIRTY, VMI_EF_SOFT_DIRTY) |
	    VMI_BIT(v, _PAGE_UFFD, VMI_EF_UFFD_WP) |
	    VMI_BIT(v, _PAGE_SPECIAL, VMI_EF_SPECIAL);
#ifdef _PAGE_DEVMAP
	f |= VMI_BIT(v, _PAGE_DEVMAP, VMI_EF_DEVMAP);
#endif
	/* bit 8 is GLOBAL when present, PROTNONE when not */
	if (v & _PAGE_PRESENT)
		f |= VMI_EF_PRESENT | VMI_BIT(v, _PAGE_GLOBAL, VMI_EF_GLOBAL);
	else
		f |= VMI_EF_PROTNONE;
	/* the PAT bit moves to bit 12 in a large entry, where PSE took 7 */
	if (huge)
		f |= VMI_EF_HUGE | VMI_BIT(v, _PAGE_PAT_LARGE, VMI_EF_PAT);
	else
		f |= VMI_BIT(v, _PAGE_PAT, VMI_EF_PAT);

	leaf->kind = VMI_KIND_PRESENT;
	leaf->eflags = f;
	leaf->pfn = vmi_entry_pfn(v, huge);
}

static __always_inline void vmi_decode_entry(struct vmi_leaf *leaf, u64 v,
					     bool huge)
{
	/*
	 * Present, PROT_NONE (NUMA hinting) and, above the PTE level, a THP
	 * being split (PSE without PRESENT) all map a frame.
	 */
	if (v & (_PAGE_PRESENT | _PAGE_PROTNONE) || (huge && (v & _PAGE_PSE)))
		vmi_decode_present(leaf, v, huge);
	else
		vmi_decode_swap(leaf, v);
}

#else /* !CONFIG_X86_64 */

static __always_inline void vmi_decode_entry(struct vmi_leaf *leaf, u64 v,
					     bool huge)
{
	pte_t pte = __pte(v);

	if (pte_present(pte)) {
		leaf->kind = VMI_KIND_PRESENT;
		leaf->pfn = pte_pfn(pte);
		leaf->eflags = VMI_EF_PRESENT |
			       (pte_write(pte) ? VMI_EF_WRITE : 0) |
			       (pte_dirty(pte) ? VMI_EF_DIRTY : 0) |
			       (pte_young(pte) ? VMI_EF_ACCESSED : 0) |
			       (huge ? VMI_EF_HUGE : 0);
	} else {
		leaf->kind = VMI_KIND_OTHER;
	}
}

#endif /* CONFIG_X86_64 */

/**
 * vmi_page_facts - what struct page says about a mapped frame
 * @section:	the walk's last memory section found whole and online
 * @pfn:	the frame, mapped by a present, non-special entry
 *
 * Return: VMI_PAGE_THP when it is part of a large folio (callers ask only
 * outside hugetlb VMAs: a THP or mTHP), VMI_PAGE_ONCE when it is a small page mapped
 * exactly once (its _mapcount is the mapcount minus one), 0 for a frame
 * that is not online memory.  These are racy snapshot reads of struct page
 * memory, which always exists for a valid frame; nothing they point to is
 * followed.
 */
static __always_inline u32 vmi_page_facts(unsigned long *section, u64 pfn)
{
	struct page *page;

	if (!vmi_pfn_online_cached(section, pfn))
		return 0;
	page = pfn_to_page(pfn);
	/* outside hugetlb VMAs every compound page mapped is a THP or mTHP */
	if (vmi_page_compound(page))
		return VMI_PAGE_THP;
	return atomic_read(&page->_mapcount) == 0 ? VMI_PAGE_ONCE : 0;
}

/*
 * What the page behind a present PTE adds: THP, or mapped once.  Not for
 * special and device entries, whose frames are nobody's memory.
 */
static __always_inline void vmi_pte_page_flags(struct vmi_walk *w, u64 pfn,
					       u64 *eflags, u32 *attrs)
{
	u32 facts;

	if (*eflags & (VMI_EF_SPECIAL | VMI_EF_DEVMAP))
		return;
	facts = vmi_page_facts(&w->pfn_section, pfn);
	if (facts & VMI_PAGE_THP)
		*attrs |= VMI_EA_THP;
	else if (facts & VMI_PAGE_ONCE)
		*eflags |= VMI_EF_EXCLUSIVE;
}

/**
 * vmi_decode_pte - a small (PTE-level) entry as every consumer sees it
 * @w:		the walk (its VMA's attributes, what the caller may see)
 * @leaf:	in: start, end, level, page_shift; out: the rest
 * @v:		the entry, read once
 *
 * Shared by the walker and the consumers that take a PTE table at once.
 */
static __always_inline void vmi_decode_pte(struct vmi_walk *w,
					   struct vmi_leaf *leaf, u64 v)
{
	vmi_decode_entry(leaf, v, false);
	if (leaf->kind == VMI_KIND_PRESENT)
		vmi_pte_page_flags(w, leaf->pfn, &leaf->eflags, &leaf->attrs);
}

/*
 * The VMA's attributes, and the frame or swap slot hidden from a caller who
 * may not see it (pagemap shows neither without CAP_SYS_ADMIN).
 */
static __always_inline void vmi_leaf_finish(const struct vmi_walk *w,
					    struct vmi_leaf *leaf)
{
	leaf->attrs |= w->vma_attrs;
	/* frames of present, migrating, poisoned and device entries; slots */
	if (w->hide_pfn && leaf->kind != VMI_KIND_NONE &&
	    leaf->kind != VMI_KIND_MARKER) {
		leaf->pfn = 0;
		leaf->swap_type = 0;
		leaf->swap_offset = 0;
		leaf->attrs |= VMI_EA_PFN_HIDDEN;
	}
}

#endif /* _VMI_DECODE_H */
