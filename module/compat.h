/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - every kernel-version difference vminspect cares about.
 *
 * The rest of the module is written for one kernel; this header maps it
 * onto 6.1 .. 7.x.  Where possible the choice is driven by feature probes
 * run by Kbuild against the target kernel's headers (VMI_HAVE_* defines,
 * see the top-level Kbuild), not by version numbers.
 */
#ifndef _VMI_COMPAT_H
#define _VMI_COMPAT_H

#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/pgtable.h>
#include <linux/sizes.h>
#ifdef CONFIG_X86
#include <asm/cpufeature.h>
#endif

/* Page-table levels the MMU walks right now (5-level is a boot choice). */
static inline unsigned int vmi_pgtable_levels(void)
{
#ifdef CONFIG_X86_64
	return pgtable_l5_enabled() ? 5 : 4;
#else
	return CONFIG_PGTABLE_LEVELS;
#endif
}

/*
 * Is a task spinning for @sem?  A writer that finds an rwsem held by
 * readers spins for it a while before it queues (rwsem optimistic
 * spinning), and while it spins it holds the rwsem's spinner queue and
 * nothing else: rwsem_is_contended() and mmap_lock_is_contended(), which
 * look at the wait list, do not see it.  Where rwsems do not spin
 * (PREEMPT_RT, or no RWSEM_SPIN_ON_OWNER) every waiter queues, and the
 * answer is no.
 */
static inline bool vmi_rwsem_spinning(struct rw_semaphore *sem)
{
#if defined(CONFIG_RWSEM_SPIN_ON_OWNER) && !defined(CONFIG_PREEMPT_RT)
	return osq_is_locked(&sem->osq);
#else
	return false;
#endif
}

static inline bool vmi_mmap_lock_spinning(struct mm_struct *mm)
{
	return vmi_rwsem_spinning(&mm->mmap_lock);
}

/*
 * Per-VMA read locks (CONFIG_PER_VMA_LOCK, 6.4 on): the walker holds the
 * lock of the one VMA it reads instead of mmap_lock, as a page fault does,
 * so the process can map and unmap elsewhere meanwhile.  It takes the VMA
 * lock while it holds mmap_lock for reading (no writer can hold the VMA
 * then), and yields it to a writer of that VMA as it yields mmap_lock.
 *
 *  - 6.15 on: a reference count, vm_refcnt; a writer adds a flag to it and
 *    sleeps until the readers are gone (VMI_HAVE_VMA_REFCNT);
 *  - 6.4 .. 6.14: an rwsem of its own behind vma->vm_lock, whose writer may
 *    spin (VMI_HAVE_VMA_LOCK_PTR; 6.12's vma_start_read() refuses only on
 *    a sequence-count overflow when mmap_lock is held);
 *  - elsewhere, or another layout: no VMA locks, the walk keeps mmap_lock.
 */
#if defined(CONFIG_PER_VMA_LOCK) && defined(VMI_HAVE_VMA_REFCNT) && \
	defined(VMI_HAVE_VMA_START_READ_LOCKED)
#ifdef VM_REFCNT_EXCLUDE_READERS_FLAG
#define VMI_VMA_WRITER_FLAG VM_REFCNT_EXCLUDE_READERS_FLAG
#else
#define VMI_VMA_WRITER_FLAG VMA_LOCK_OFFSET
#endif
static inline bool vmi_vma_read_lock(struct vm_area_struct *vma)
{
	return vma_start_read_locked(vma);
}

static inline void vmi_vma_read_unlock(struct vm_area_struct *vma)
{
	vma_end_read(vma);
}

static inline bool vmi_vma_write_wanted(struct vm_area_struct *vma)
{
	return refcount_read(&vma->vm_refcnt) & VMI_VMA_WRITER_FLAG;
}
#elif defined(CONFIG_PER_VMA_LOCK) && defined(VMI_HAVE_VMA_LOCK_PTR)
static inline bool vmi_vma_read_lock(struct vm_area_struct *vma)
{
	return vma_start_read(vma);
}

static inline void vmi_vma_read_unlock(struct vm_area_struct *vma)
{
	vma_end_read(vma);
}

static inline bool vmi_vma_write_wanted(struct vm_area_struct *vma)
{
	return rwsem_is_contended(&vma->vm_lock->lock) ||
	       vmi_rwsem_spinning(&vma->vm_lock->lock);
}
#else
static inline bool vmi_vma_read_lock(struct vm_area_struct *vma)
{
	return false;
}

static inline void vmi_vma_read_unlock(struct vm_area_struct *vma)
{
}

static inline bool vmi_vma_write_wanted(struct vm_area_struct *vma)
{
	return true;
}
#endif

/*
 * PageCompound() (head or tail of a large folio) is PG_head in the first
 * word of struct page or bit 0 of compound_head: the loops that ask it of
 * every mapped page read both words, with no branch between them.  7.x
 * wraps page->flags in a memdesc_flags_t and renamed compound_head.
 * PageTail() is no help: on some kernels it also looks for the fake heads
 * of hugetlb's vmemmap optimisation (hugetlb VMAs never get here).
 *
 * The reads are racy by design (a folio may be split or freed under a
 * reader): plain loads, which any value serves, for the compiler to
 * schedule.
 */
static __always_inline unsigned long
vmi_page_flags_word(const struct page *page)
{
#ifdef VMI_HAVE_MEMDESC_FLAGS
	/* a racy snapshot read, as above */
	return data_race(page->flags.f);
#else
	/* a racy snapshot read, as above */
	return data_race(page->flags);
#endif
}

static __always_inline unsigned long vmi_page_tail_word(const struct page *page)
{
#ifdef VMI_HAVE_COMPOUND_INFO
	/* a racy snapshot read, as above */
	return data_race(page->compound_info);
#else
	/* a racy snapshot read, as above */
	return data_race(page->compound_head);
#endif
}

static __always_inline bool vmi_page_compound(const struct page *page)
{
	unsigned long head = vmi_page_flags_word(page) >> PG_head;

	return (head | vmi_page_tail_word(page)) & 1;
}

/*
 * Is @pfn online memory with a struct page?  What kpageflags asks before it
 * reads a struct page (pfn_to_online_page()), inline: pfn_valid(), which
 * also looks at the subsection map, and the section's online bit.  Any
 * frame a walk finds goes through it before its struct page is read: an
 * entry may be special, of a PFN map, or read in a race.
 */
static __always_inline bool vmi_pfn_online(unsigned long pfn)
{
#ifdef CONFIG_SPARSEMEM
	return pfn_valid(pfn) && online_section_nr(pfn_to_section_nr(pfn));
#else
	return pfn_valid(pfn);
#endif
}

/* No memory section: see vmi_pfn_online_cached(). */
#define VMI_NO_SECTION ULONG_MAX

/*
 * vmi_pfn_online() for the frames of one page table, read in one RCU
 * read-side section (pfn_valid()'s own protection).  @section is the last
 * memory section found online and present since boot (early: its memory
 * map is whole, no subsection map to look at); another frame in it needs
 * no other look, which spares the section lookups of every frame of a
 * table whose frames share a few sections.  The caller sets it to
 * VMI_NO_SECTION when its RCU section begins: a section seen in an
 * earlier one may have gone offline since.
 */
static __always_inline bool vmi_pfn_online_cached(unsigned long *section,
						  unsigned long pfn)
{
#ifdef CONFIG_SPARSEMEM
	unsigned long nr = pfn_to_section_nr(pfn);

	if (nr == *section)
		return true;
	if (!vmi_pfn_online(pfn))
		return false;
	if (early_section(__nr_to_section(nr)))
		*section = nr;
	return true;
#else
	return vmi_pfn_online(pfn);
#endif
}

/* Leaf page sizes the MMU supports, bit n set for 2^n bytes. */
static inline u64 vmi_page_sizes(void)
{
	u64 sizes = BIT_ULL(PAGE_SHIFT);

#ifdef CONFIG_X86_64
	if (boot_cpu_has(X86_FEATURE_PSE))
		sizes |= BIT_ULL(PMD_SHIFT);
	if (boot_cpu_has(X86_FEATURE_GBPAGES))
		sizes |= BIT_ULL(PUD_SHIFT);
#elif defined(CONFIG_TRANSPARENT_HUGEPAGE) || defined(CONFIG_HUGETLB_PAGE)
	sizes |= BIT_ULL(PMD_SHIFT);
#endif
	return sizes;
}

/*
 * Read a PMD once, without locks.  pmdp_get_lockless() (6.12+) handles the
 * 32-bit split-PMD case; before it a plain READ_ONCE() is the same thing on
 * 64-bit.
 */
static inline pmd_t vmi_pmdp_get(pmd_t *pmdp)
{
#ifdef VMI_HAVE_PMDP_GET_LOCKLESS
	return pmdp_get_lockless(pmdp);
#else
	return READ_ONCE(*pmdp);
#endif
}

/*
 * A PUD that maps a page itself.  6.1's pud_large() also wants the present
 * bit; a PROT_NONE or migrating 1G entry is a leaf all the same.
 */
static inline bool vmi_pud_leaf(pud_t pud)
{
#ifdef CONFIG_X86
	return pud_val(pud) & _PAGE_PSE;
#else
	return pud_leaf(pud);
#endif
}

/* 7.x names the userfaultfd bits after uffd, not uffd-wp. */
#if defined(CONFIG_X86) && !defined(_PAGE_UFFD) && defined(_PAGE_UFFD_WP)
#define _PAGE_UFFD     _PAGE_UFFD_WP
#define _PAGE_SWP_UFFD _PAGE_SWP_UFFD_WP
#endif

/* 6.6 added the shadow-stack "saved dirty" bit; both mean dirty. */
#ifndef _PAGE_DIRTY_BITS
#define _PAGE_DIRTY_BITS _PAGE_DIRTY
#endif

/*
 * One past the highest user address a range may end at.  On x86_64 the
 * last page below the canonical hole is never mapped, so TASK_SIZE_MAX
 * stops a page short of it; a range may still end at the hole itself
 * (1 << 47, or 1 << 56 with 5 levels).
 */
static inline unsigned long vmi_user_end(void)
{
#ifdef CONFIG_X86_64
	return TASK_SIZE_MAX + PAGE_SIZE;
#else
	return TASK_SIZE_MAX;
#endif
}

/* ---- huge pages ------------------------------------------------------ */

/* A bit of mm->flags: 7.x made them a bitmap with accessors. */
static inline bool vmi_mm_flag(const struct mm_struct *mm, int bit)
{
#ifdef VMI_HAVE_MM_FLAGS_TEST
	return mm_flags_test(bit, mm);
#else
	return test_bit(bit, &mm->flags);
#endif
}

/* 6.18 split PR_SET_THP_DISABLE into "completely" and "except advised". */
#ifdef MMF_DISABLE_THP_COMPLETELY
#define VMI_MMF_THP_DISABLED MMF_DISABLE_THP_COMPLETELY
#else
#define VMI_MMF_THP_DISABLED MMF_DISABLE_THP
#endif

/*
 * How many entries map a hugetlb folio, as smaps counts it to tell
 * Private_Hugetlb from Shared_Hugetlb.  folio_mapcount() is inline from
 * 6.9 on; before, a hugetlb folio was only ever mapped whole, so its
 * entire mapcount is the same number.
 */
static inline int vmi_hugetlb_mapcount(struct folio *folio)
{
	if (!folio_test_large(folio))
		return 0;
#ifdef VMI_HAVE_INLINE_FOLIO_MAPCOUNT
	return folio_mapcount(folio);
#else
	return folio_entire_mapcount(folio);
#endif
}

/*
 * Does a collapse refuse a block with no writable PTE (SCAN_PAGE_RO in
 * mm/khugepaged.c, gone by 7.x)?  The tracepoint header names every
 * result a scan can have (Kbuild, VMI_HAVE_SCAN_PAGE_RO).
 */
#ifdef VMI_HAVE_SCAN_PAGE_RO
#define VMI_COLLAPSE_NEEDS_WRITE 1
#else
#define VMI_COLLAPSE_NEEDS_WRITE 0
#endif

/* Orders of the buddy allocator's free lists (6.8 renamed MAX_ORDER). */
#ifdef NR_PAGE_ORDERS
#define VMI_NR_PAGE_ORDERS NR_PAGE_ORDERS
#elif defined(MAX_PAGE_ORDER)
#define VMI_NR_PAGE_ORDERS (MAX_PAGE_ORDER + 1)
#else
#define VMI_NR_PAGE_ORDERS MAX_ORDER /* 6.1: exclusive */
#endif

/*
 * The registers an fprobe handler is given: the pt_regs of the entry or
 * return (6.12: fprobe on ftrace and rethook), or from 6.14 on, where
 * fprobe runs on the function-graph tracer, ftrace_regs, which hold the
 * arguments and the return value (VMI_HAVE_FPROBE_*, Kbuild).
 */
#ifdef VMI_HAVE_FPROBE_FTRACE_REGS
#define VMI_FPROBE_REGS struct ftrace_regs
#else
#define VMI_FPROBE_REGS struct pt_regs
#endif

/*
 * The prototype of every hook module/tlb.c registers by name, compiled by
 * Kbuild against the target kernel's headers (module/tlb_hooks.h):
 * VMI_TLB_HOOK_OK(X) where hook X has the prototype tlb.c reads it by,
 * VMI_TLB_HOOK_DIFFERS(X) where the headers declare it with another one
 * (tlb.c leaves it off and names it in its limits); neither where they do
 * not declare it.  FPROBE is the fprobe API itself (handlers, register,
 * unregister): where it differs, tlb.c hooks with kprobes, below.
 */
#ifndef VMI_HOOK_TLB_FLUSH
#define VMI_HOOK_TLB_FLUSH -1
#endif
#ifndef VMI_HOOK_CSD
#define VMI_HOOK_CSD -1
#endif
#ifndef VMI_HOOK_MULTI
#define VMI_HOOK_MULTI -1
#endif
#ifndef VMI_HOOK_FUNC
#define VMI_HOOK_FUNC -1
#endif
#ifndef VMI_HOOK_KERNEL_RANGE
#define VMI_HOOK_KERNEL_RANGE -1
#endif
#ifndef VMI_HOOK_MM_RANGE
#define VMI_HOOK_MM_RANGE -1
#endif
#ifndef VMI_HOOK_FPROBE
#define VMI_HOOK_FPROBE -1
#endif
#define VMI_TLB_HOOK_OK(x)	(VMI_HOOK_##x == 1)
#define VMI_TLB_HOOK_DIFFERS(x) (VMI_HOOK_##x == 0)

/*
 * TLB tracking hooks functions (the flush functions of tlb.c) with
 * fprobes: ftrace's callback at the function's entry, and the return
 * through rethook (6.12) or the function-graph tracer (7.x), each with
 * its entry data.  Where the kernel has no fprobes (Debian's 6.1 is built
 * without CONFIG_FPROBE, and its handlers have another prototype), or the
 * API is not the one Kbuild checked, the same functions are hooked with a
 * kprobe and kretprobes instead (at a function's entry these go through
 * ftrace too, with kprobes' bookkeeping on top): they see the same
 * arguments and returns, so every figure means the same and nothing is
 * missing from the limits.  The text file's probes line says which.
 */
#if defined(CONFIG_FPROBE) && VMI_TLB_HOOK_OK(FPROBE)
#define VMI_TLB_FPROBE 1
#elif defined(CONFIG_KPROBES) && defined(CONFIG_KRETPROBES)
#define VMI_TLB_KPROBE 1
#endif

/*
 * TLB shootdown tracking (module/tlb.c) needs the x86 flush path, one of
 * the probe mechanisms above, and the leading fields of struct
 * flush_tlb_info, which <asm/tlbflush.h> hides from modules.  Kbuild
 * checks that those fields are, in this order and with these types, what
 * the target kernel has (VMI_HAVE_FLUSH_TLB_INFO; the same in 6.1, 6.12
 * and 7.3); only they are ever read.
 */
#if defined(CONFIG_X86_64) && defined(CONFIG_TRACEPOINTS) &&    \
	(defined(VMI_TLB_FPROBE) || defined(VMI_TLB_KPROBE)) && \
	defined(VMI_HAVE_FLUSH_TLB_INFO)
#define VMI_TLB_SUPPORTED 1

#ifdef VMI_TLB_FPROBE
#include <linux/fprobe.h>
#include <linux/ptrace.h>

/* Argument @n of the function an fprobe's entry handler was called for. */
#ifdef VMI_HAVE_FPROBE_FTRACE_REGS
#define vmi_fprobe_arg(regs, n) ftrace_regs_get_argument(regs, n)
#else
#define vmi_fprobe_arg(regs, n) regs_get_kernel_argument(regs, n)
#endif

/* The most entry data an fprobe carries (7.x: 15 words on the fgraph stack). */
#ifdef MAX_FPROBE_DATA_SIZE
#define VMI_FPROBE_DATA_MAX MAX_FPROBE_DATA_SIZE
#else
#define VMI_FPROBE_DATA_MAX SIZE_MAX
#endif
#endif /* VMI_TLB_FPROBE */

struct mm_struct;

struct vmi_flush_tlb_info {
	struct mm_struct *mm;
	unsigned long start;
	unsigned long end;
	u64 new_tlb_gen;
	unsigned int initiating_cpu;
	u8 stride_shift;
	u8 freed_tables;
};

/*
 * What x86 entry code leaves in pt_regs->ax while a system call runs: the
 * error for "no such system call" (errno 38), the return value until the
 * call sets its own.  An exception leaves the user's ax there.
 */
#define VMI_X86_SYSCALL_AX ((unsigned long)-38L)

/*
 * 7.x flushes the TLBs of other CPUs with INVLPGB where the CPU has it:
 * no IPI, no native_flush_tlb_multi(), no tracepoint on the targets.
 */
static inline bool vmi_tlb_broadcast(void)
{
#ifdef X86_FEATURE_INVLPGB
	return cpu_feature_enabled(X86_FEATURE_INVLPGB);
#else
	return false;
#endif
}
#endif /* TLB tracking */

#endif /* _VMI_COMPAT_H */
