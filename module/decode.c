// SPDX-License-Identifier: GPL-2.0
/*
 * decode.c - what the bits of an entry mean: the rarer cases (swap,
 * migration and other non-present entries) and VMA flags.  The per-entry
 * fast path is inline in decode.h.
 */
#include <linux/hugetlb.h>
#include <linux/mm.h>
#include <linux/swap.h>
#include <linux/swapops.h>

#include "compat.h"
#include "decode.h"
#include "vminspect.h"

#ifdef CONFIG_X86_64

void vmi_decode_swap(struct vmi_leaf *leaf, u64 v)
{
	pte_t pte = __pte(v);
	swp_entry_t arch;
	unsigned long type, offset;
	u64 f = 0;

	if (v & _PAGE_SWP_SOFT_DIRTY)
		f |= VMI_EF_SOFT_DIRTY;
	if (v & _PAGE_SWP_UFFD)
		f |= VMI_EF_UFFD_WP;
	if (v & _PAGE_SWP_EXCLUSIVE)
		f |= VMI_EF_EXCLUSIVE;
	leaf->eflags = f;

	arch = __pte_to_swp_entry(pte_swp_clear_flags(pte));
	type = __swp_type(arch);
	offset = __swp_offset(arch);

	if (type < MAX_SWAPFILES) {
		leaf->kind = VMI_KIND_SWAP;
		leaf->swap_type = type;
		leaf->swap_offset = offset;
		return;
	}
	switch (type) {
#ifdef CONFIG_MIGRATION
	case SWP_MIGRATION_READ:
	case SWP_MIGRATION_READ_EXCLUSIVE:
	case SWP_MIGRATION_WRITE:
		leaf->kind = VMI_KIND_MIGRATION;
		leaf->pfn = offset;
		if (type == SWP_MIGRATION_WRITE)
			leaf->eflags |= VMI_EF_WRITE;
		if (type == SWP_MIGRATION_READ_EXCLUSIVE)
			leaf->eflags |= VMI_EF_EXCLUSIVE;
		break;
#endif
#ifdef CONFIG_MEMORY_FAILURE
	case SWP_HWPOISON:
		leaf->kind = VMI_KIND_HWPOISON;
		leaf->pfn = offset;
		break;
#endif
	case SWP_PTE_MARKER:
		leaf->kind = VMI_KIND_MARKER;
		break;
#ifdef CONFIG_DEVICE_PRIVATE
	case SWP_DEVICE_READ:
	case SWP_DEVICE_WRITE:
	case SWP_DEVICE_EXCLUSIVE:
		leaf->kind = VMI_KIND_DEVICE;
		leaf->pfn = offset;
		break;
#endif
	default:
		leaf->kind = VMI_KIND_OTHER;
		break;
	}
}

/*
 * The entry without its frame or swap slot, for callers who may not see
 * them.  An entry that maps a frame (present, PROT_NONE, or a large entry
 * being split) keeps it in the PFN field; any other non-empty entry is a
 * swap-format entry, whose type and inverted offset fill bits 9-63 above
 * the flag bits.
 */
u64 vmi_entry_strip_pfn(u64 v)
{
	if (v & (_PAGE_PRESENT | _PAGE_PROTNONE | _PAGE_PSE))
		return v & ~PTE_PFN_MASK;
	return v & (BIT_ULL(SWP_OFFSET_FIRST_BIT) - 1);
}

#else /* !CONFIG_X86_64 */

u64 vmi_entry_strip_pfn(u64 v)
{
	return 0;
}

#endif /* CONFIG_X86_64 */

u32 vmi_vma_flags(struct vm_area_struct *vma)
{
	vm_flags_t f = vma->vm_flags;
	u32 flags = 0;

	if (f & VM_READ)
		flags |= VMI_VMA_READ;
	if (f & VM_WRITE)
		flags |= VMI_VMA_WRITE;
	if (f & VM_EXEC)
		flags |= VMI_VMA_EXEC;
	if (f & VM_SHARED)
		flags |= VMI_VMA_SHARED;
	if (f & VM_HUGEPAGE)
		flags |= VMI_VMA_HUGEPAGE;
	if (f & VM_NOHUGEPAGE)
		flags |= VMI_VMA_NOHUGEPAGE;
	if (is_vm_hugetlb_page(vma))
		flags |= VMI_VMA_HUGETLB;
	if (vma_is_anonymous(vma))
		flags |= VMI_VMA_ANON;
	else if (vma->vm_file)
		flags |= VMI_VMA_FILE;
	return flags;
}
