// SPDX-License-Identifier: GPL-2.0
/*
 * walk.c - the one page-table walker.
 *
 * It visits the leaf entries of a user range, VMA by VMA and level by level,
 * and hands each one to a consumer as a struct vmi_leaf.  The kernel's own
 * walker (walk_page_range) is not exported, so this one follows the rules
 * lockless readers of page tables obey:
 *
 *  - mmap_lock is held for reading, and only ranges inside VMAs found under
 *    it are walked (munmap frees page tables after downgrading its lock);
 *    a VMA of 2 MiB and more is walked holding its own read lock instead,
 *    taken under mmap_lock, where the kernel has per-VMA locks: what a
 *    page fault holds while it walks (and fills) the same tables;
 *  - every entry is read once into a local copy, and the next level is found
 *    from that copy;
 *  - a PMD and the PTE table it points to are read in one RCU read-side
 *    section that begins before the PMD is read: from 6.12 on PTE tables
 *    may be freed by RCU without mmap_lock (khugepaged retracting them,
 *    7.x page table reclaim);
 *  - the PMD tables of a shareable hugetlb VMA, which another process may
 *    share and unshare (truncation) under the file's i_mmap_rwsem and no
 *    mmap_lock of this one, are read holding i_mmap_rwsem for reading, as
 *    hugetlb_walk() wants;
 *  - nothing is written, nothing is locked but mmap_lock, VMA locks and
 *    i_mmap_rwsem.
 *
 * Lock holds are bounded: after VMI_WALK_BUDGET entries or about a
 * millisecond the lock is dropped, the CPU yielded, fatal signals honoured,
 * and the walk resumes from where it stopped (looking the VMA up again).
 * A task that wants the lock gets it within a few dozen entries: a writer
 * queued for it, and one still spinning for it, which is not queued and so
 * not "contention" to mmap_lock_is_contended(); the walk then waits for the
 * spinner to take the lock before it asks again.  Under a VMA lock only a
 * writer of that VMA is waited for: the process maps, unmaps and faults
 * elsewhere as if no walk were running.
 */
#include <linux/hugetlb.h>
#include <linux/indirect_call_wrapper.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/sched/signal.h>

#include "compat.h"
#include "decode.h"
#include "vminspect.h"

/* Entries visited between two looks at the clock. */
#define VMI_WALK_BUDGET 4096
/* Longest wished-for lock hold. */
#define VMI_WALK_HOLD_NS (1000 * NSEC_PER_USEC)
/* Longest wait for a spinning writer to take the lock the walk gave up. */
#define VMI_WALK_HANDOVER_NS (50 * NSEC_PER_USEC)
/* The shortest stretch of one VMA worth taking its own lock for. */
#define VMI_WALK_VMA_LOCK_MIN PMD_SIZE

/*
 * Does a task want the lock the walk holds?  Under mmap_lock: a writer
 * queued for it, or one still spinning for it (the usual case when readers
 * hold it only briefly).  Under a VMA lock: a writer of that VMA.
 */
bool vmi_walk_lock_wanted(struct vmi_walk *w)
{
	if (w->vma_locked)
		return vmi_vma_write_wanted(w->vma);
	return mmap_lock_is_contended(w->mm) || vmi_mmap_lock_spinning(w->mm);
}

/*
 * Called after every step (at most one PTE table): should the lock be
 * dropped now?  At once when a writer waits for mmap_lock or the scheduler
 * wants the CPU; otherwise after VMI_WALK_BUDGET entries once the hold has
 * lasted VMI_WALK_HOLD_NS.
 */
static int vmi_walk_check_time(struct vmi_walk *w)
{
	if (vmi_walk_lock_wanted(w) || need_resched())
		return VMI_WALK_YIELD;
	if (w->work < VMI_WALK_BUDGET)
		return VMI_WALK_CONTINUE;
	w->work = 0;
	if (local_clock() > w->deadline)
		return VMI_WALK_YIELD;
	return VMI_WALK_CONTINUE;
}

/* Is @vma, found after a lock drop, the VMA the walk was in before it? */
static bool vmi_walk_same_vma(const struct vmi_walk *w,
			      const struct vm_area_struct *vma)
{
	return w->vma == vma && w->vma_start == vma->vm_start &&
	       w->vma_end == vma->vm_end && w->vma_pgoff == vma->vm_pgoff &&
	       w->vma_flags == vma->vm_flags && w->vma_file == vma->vm_file;
}

/* The walk moves into @vma: what it is, and what its leaves share. */
static void vmi_walk_enter_vma(struct vmi_walk *w, struct vm_area_struct *vma)
{
	u32 attrs = 0;

	w->vma = vma;
	w->vma_start = vma->vm_start;
	w->vma_end = vma->vm_end;
	w->vma_pgoff = vma->vm_pgoff;
	w->vma_flags = vma->vm_flags;
	w->vma_file = vma->vm_file;

	if (is_vm_hugetlb_page(vma))
		attrs |= VMI_EA_HUGETLB;
	if (vma_is_anonymous(vma))
		attrs |= VMI_EA_ANON;
	else if (vma->vm_file)
		attrs |= VMI_EA_FILE;
	if (vma->vm_flags & VM_SHARED)
		attrs |= VMI_EA_SHARED;
	w->vma_attrs = attrs;
}

static __always_inline int vmi_emit(struct vmi_walk *w, struct vmi_leaf *leaf)
{
	vmi_leaf_finish(w, leaf);
	w->addr = leaf->end;
	w->work++;
	/* no retpoline for the consumers that see every entry */
	return INDIRECT_CALL_4(w->ops->leaf, vmi_extents_leaf, vmi_pages_leaf,
			       vmi_maps_leaf, vmi_huge_leaf, w, leaf);
}

/* A range with no entry at @level (only reported when asked for). */
static int vmi_emit_hole(struct vmi_walk *w, unsigned long start,
			 unsigned long end, unsigned int level)
{
	struct vmi_leaf leaf = {
		.start = start,
		.end = end,
		.kind = VMI_KIND_NONE,
		.level = level,
		.page_shift = PAGE_SHIFT,
	};

	if (!w->holes) {
		w->addr = end;
		w->work++;
		return VMI_WALK_CONTINUE;
	}
	return vmi_emit(w, &leaf);
}

static int vmi_emit_entry(struct vmi_walk *w, unsigned long start,
			  unsigned long end, u64 entry, unsigned int level,
			  unsigned int shift)
{
	struct vmi_leaf leaf = {
		.start = start,
		.end = end,
		.level = level,
		.page_shift = shift,
	};

	if (level == VMI_LEVEL_PTE) {
		vmi_decode_pte(w, &leaf, entry);
		return vmi_emit(w, &leaf);
	}
	vmi_decode_entry(&leaf, entry, true);
	/* a large entry seen part-way (range start inside it) */
	if (leaf.kind == VMI_KIND_PRESENT && shift > PAGE_SHIFT)
		leaf.pfn += (start & ((1UL << shift) - 1)) >> PAGE_SHIFT;
	/* a PMD leaf of an ordinary VMA is a THP */
	if (leaf.kind == VMI_KIND_PRESENT && level == VMI_LEVEL_PMD &&
	    !(w->vma_attrs & VMI_EA_HUGETLB) &&
	    !(leaf.eflags & (VMI_EF_SPECIAL | VMI_EF_DEVMAP)))
		leaf.attrs |= VMI_EA_THP;
	return vmi_emit(w, &leaf);
}

/*
 * Walk the PTE table a PMD points to.  @pmd is a local copy, read inside
 * the RCU read-side section the caller holds, which covers every read of
 * the table.
 */
static int vmi_walk_ptes(struct vmi_walk *w, pmd_t *pmd, unsigned long addr,
			 unsigned long end)
{
	int ret = VMI_WALK_CONTINUE;
	unsigned int n = 0;
	pte_t *table;

	if (w->ops->table) {
		ret = w->ops->table(w, VMI_LEVEL_PTE, addr, pmd_pfn(*pmd));
		if (ret)
			return ret;
	}

	/* the local copy of the PMD finds the table: no second read */
	table = pte_offset_kernel(pmd, addr);
	if (w->ops->ptes && vmi_raw_ptes()) {
		/*
		 * The consumer reads the table in short, bounded slices, with
		 * a look for a waiting writer after each (one call per table:
		 * the calls cost more than the looks).
		 */
		ret = w->ops->ptes(w, table, addr, end);
		/* a consumer may stop before the table (pages: a gap to fill) */
		if (w->addr > addr)
			w->work += (w->addr - addr) >> PAGE_SHIFT;
		return ret;
	}
	for (; addr < end; addr += PAGE_SIZE, table++) {
		pte_t pte = ptep_get(table);

		if (pte_none(pte))
			ret = vmi_emit_hole(w, addr, addr + PAGE_SIZE,
					    VMI_LEVEL_PTE);
		else
			ret = vmi_emit_entry(w, addr, addr + PAGE_SIZE,
					     pte_val(pte), VMI_LEVEL_PTE,
					     PAGE_SHIFT);
		if (ret)
			break;
		/* a writer waits for 16 entries at most */
		if (!(++n % 16) && vmi_walk_lock_wanted(w)) {
			ret = VMI_WALK_YIELD;
			break;
		}
	}
	return ret;
}

/*
 * hugetlb: the PMD or PUD slot of the page size is the leaf, in PTE format;
 * it is never split into a lower table.
 */
static int vmi_walk_hugetlb(struct vmi_walk *w, pud_t pud, unsigned long addr,
			    unsigned long end, unsigned long hsize)
{
	unsigned long next = (addr & ~(hsize - 1)) + hsize;
	unsigned int shift = __ffs(hsize);
	u64 entry;

	next = min(next, end);
	if (hsize >= PUD_SIZE) {
		entry = pud_val(pud);
		if (!entry)
			return vmi_emit_hole(w, addr, next, VMI_LEVEL_PUD);
		return vmi_emit_entry(w, addr, next, entry, VMI_LEVEL_PUD,
				      shift);
	}
	if (pud_none(pud) || !pud_present(pud) || vmi_pud_leaf(pud))
		return vmi_emit_hole(w, addr, pud_addr_end(addr, end),
				     VMI_LEVEL_PUD);
	if (w->ops->table) {
		int ret = w->ops->table(w, VMI_LEVEL_PMD, addr, pud_pfn(pud));

		if (ret)
			return ret;
	}
	entry = pmd_val(vmi_pmdp_get(pmd_offset(&pud, addr)));
	if (!entry)
		return vmi_emit_hole(w, addr, next, VMI_LEVEL_PMD);
	return vmi_emit_entry(w, addr, next, entry, VMI_LEVEL_PMD, shift);
}

/*
 * One PMD slot.  As in __pte_offset_map(), the RCU read-side section begins
 * before the PMD is read and ends after the last read of the PTE table it
 * points to: a PTE table may be freed by RCU with no mmap_lock held for
 * writing (khugepaged retracting it, 7.x page-table reclaim), so a PMD
 * read before the section began may point at a table already freed.
 */
static int vmi_walk_pmd(struct vmi_walk *w, pud_t *pud, unsigned long addr,
			unsigned long end)
{
	unsigned long next = pmd_addr_end(addr, end);
	pmd_t pmd;
	int ret;

	rcu_read_lock();
	w->pfn_section = VMI_NO_SECTION;
	pmd = vmi_pmdp_get(pmd_offset(pud, addr));
	if (pmd_none(pmd)) {
		ret = vmi_emit_hole(w, addr, next, VMI_LEVEL_PMD);
	} else if (!pmd_present(pmd) || pmd_leaf(pmd)) {
		/* a THP migration entry, or a huge PROT_NONE / leaf entry */
		ret = vmi_emit_entry(w, addr, next, pmd_val(pmd), VMI_LEVEL_PMD,
				     PMD_SHIFT);
	} else if (pmd_bad(pmd)) {
		/* never clear it: a reader only reports */
		w->addr = next;
		ret = VMI_WALK_CONTINUE;
	} else {
		ret = vmi_walk_ptes(w, &pmd, addr, next);
	}
	rcu_read_unlock();
	return ret;
}

/*
 * The lock that keeps a hugetlb VMA's PMD tables from being unshared and
 * freed under a reader (huge_pmd_unshare() asserts it held for writing),
 * or NULL when they cannot be shared.  i_mmap_rwsem nests inside
 * mmap_lock.
 */
static struct address_space *vmi_hugetlb_share_lock(struct vm_area_struct *vma)
{
	if (!is_vm_hugetlb_page(vma) || !(vma->vm_flags & VM_MAYSHARE) ||
	    !vma->vm_file)
		return NULL;
	return vma->vm_file->f_mapping;
}

/* vmi_walk_step(), its locks taken */
static int vmi_walk_step_locked(struct vmi_walk *w, struct vm_area_struct *vma,
				unsigned long addr, unsigned long end)
{
	unsigned long next;
	pgd_t *pgdp, pgd;
	p4d_t *p4dp, p4d;
	pud_t *pudp, pud;
	int ret;

	pgdp = pgd_offset(vma->vm_mm, addr);
	pgd = READ_ONCE(*pgdp);
	if (pgd_none(pgd) || pgd_bad(pgd))
		return vmi_emit_hole(w, addr, pgd_addr_end(addr, end),
				     VMI_LEVEL_PGD);
	/* folds onto the PGD at run time on 4-level machines */
	p4dp = p4d_offset(&pgd, addr);
	p4d = READ_ONCE(*p4dp);
	if (p4d_none(p4d) || p4d_bad(p4d))
		return vmi_emit_hole(w, addr, p4d_addr_end(addr, end),
				     VMI_LEVEL_P4D);
	if (w->ops->table && vmi_pgtable_levels() == 5) {
		ret = w->ops->table(w, VMI_LEVEL_P4D, addr, pgd_pfn(pgd));
		if (ret)
			return ret;
	}

	pudp = pud_offset(&p4d, addr);
	pud = READ_ONCE(*pudp);
	next = pud_addr_end(addr, end);
	if (w->ops->table) {
		ret = w->ops->table(w, VMI_LEVEL_PUD, addr, p4d_pfn(p4d));
		if (ret)
			return ret;
	}

	if (is_vm_hugetlb_page(vma))
		return vmi_walk_hugetlb(w, pud, addr, end,
					huge_page_size(hstate_vma(vma)));

	if (pud_none(pud))
		return vmi_emit_hole(w, addr, next, VMI_LEVEL_PUD);
	if (vmi_pud_leaf(pud))
		return vmi_emit_entry(w, addr, next, pud_val(pud),
				      VMI_LEVEL_PUD, PUD_SHIFT);
	if (!pud_present(pud) || pud_bad(pud)) {
		w->addr = next;
		return VMI_WALK_CONTINUE;
	}
	if (w->ops->table) {
		ret = w->ops->table(w, VMI_LEVEL_PMD, addr, pud_pfn(pud));
		if (ret)
			return ret;
	}
	while (addr < next) {
		ret = vmi_walk_pmd(w, &pud, addr, next);
		if (!ret)
			ret = vmi_walk_check_time(w);
		if (ret)
			return ret;
		addr = w->addr;
	}
	return VMI_WALK_CONTINUE;
}

/*
 * One step: the entries under a single PUD slot of [addr, end), with the
 * hugetlb sharing lock held where there is one.
 */
static int vmi_walk_step(struct vmi_walk *w, struct vm_area_struct *vma,
			 unsigned long addr, unsigned long end)
{
	struct address_space *mapping = vmi_hugetlb_share_lock(vma);
	int ret;

	if (!mapping)
		return vmi_walk_step_locked(w, vma, addr, end);
	i_mmap_lock_read(mapping);
	ret = vmi_walk_step_locked(w, vma, addr, end);
	i_mmap_unlock_read(mapping);
	return ret;
}

/* A lock was just taken: a new hold starts.  Returns when. */
static u64 vmi_walk_begin_hold(struct vmi_walk *w)
{
	u64 now = local_clock();

	w->deadline = now + VMI_WALK_HOLD_NS;
	w->work = 0;
	return now;
}

static void vmi_walk_held(struct vmi_walk *w, u64 locked_at)
{
	u64 held = local_clock() - locked_at;

	if (held > w->max_lock_ns)
		w->max_lock_ns = held;
}

/*
 * Before the walk asks for mmap_lock (again): let a writer spinning for it
 * take it first.  A reader's fast path would otherwise win the race
 * (the lock is free for an instant), and the writer would spin on until it
 * gave up and slept, to be woken later: the cost a walk must not add to a
 * process that maps and unmaps.  Bounded, and only while one spins.
 */
static void vmi_walk_hand_over(struct mm_struct *mm)
{
	u64 deadline;

	if (!vmi_mmap_lock_spinning(mm))
		return;
	deadline = local_clock() + VMI_WALK_HANDOVER_NS;
	while (vmi_mmap_lock_spinning(mm) && !rwsem_is_locked(&mm->mmap_lock)) {
		if (need_resched() || local_clock() > deadline)
			return;
		cpu_relax();
	}
}

/*
 * Take mmap_lock for reading without going to sleep behind a writer that
 * holds it briefly (mmap and munmap hold it for microseconds).  A walk that
 * slept there would be woken by the writer's unlock: a wake-up, and on the
 * walk's CPU an interrupt, that the process being walked pays for.  So the
 * walk spins on a trylock for up to VMI_WALK_HOLD_NS, as long as nobody
 * else wants its CPU, and only then sleeps.
 */
static int vmi_walk_read_lock(struct mm_struct *mm)
{
	u64 deadline;

	vmi_walk_hand_over(mm);
	if (mmap_read_trylock(mm))
		return 0;
	deadline = local_clock() + VMI_WALK_HOLD_NS;
	while (!need_resched() && !fatal_signal_pending(current) &&
	       local_clock() < deadline) {
		cpu_relax();
		/*
		 * fails at one read while a writer holds the lock or waits
		 * for it; a writer still spinning for it goes first
		 */
		if (!vmi_mmap_lock_spinning(mm) && mmap_read_trylock(mm))
			return 0;
	}
	return mmap_read_lock_killable(mm);
}

/*
 * Trade mmap_lock for @vma's own read lock when the walk has a long
 * stretch of it ahead (hugetlb, whose PMD tables may be shared between
 * processes, stays under mmap_lock).  Called with mmap_lock held for
 * reading; true when it was traded: the walk now holds only the VMA.
 */
static bool vmi_walk_trade_lock(struct vmi_walk *w, struct vm_area_struct *vma,
				unsigned long vend, u64 *locked_at)
{
	if (vend - w->addr < VMI_WALK_VMA_LOCK_MIN || is_vm_hugetlb_page(vma) ||
	    !vmi_vma_read_lock(vma))
		return false;
	mmap_read_unlock(w->mm);
	vmi_walk_held(w, *locked_at);
	*locked_at = vmi_walk_begin_hold(w);
	w->vma_locked = true;
	return true;
}

/*
 * One lock hold: from w->addr, VMA by VMA, until the range is done, the
 * consumer stops, or the lock is to be dropped.  Called with mmap_lock held
 * for reading; returns with every lock dropped.
 */
static int vmi_walk_hold(struct vmi_walk *w, unsigned long end)
{
	u64 locked_at = vmi_walk_begin_hold(w);
	struct vm_area_struct *vma;
	int ret = VMI_WALK_CONTINUE;

	w->vma_locked = false;
	/*
	 * Each hold looks the VMAs up again from w->addr: they may have
	 * changed while the lock was dropped.
	 */
	for (;;) {
		unsigned long addr = w->addr, vend, vma_end;

		vma = find_vma(w->mm, addr);
		if (!vma || vma->vm_start >= end) {
			w->addr = end;
			break;
		}
		if (addr < vma->vm_start)
			addr = vma->vm_start;
		if (!vmi_walk_same_vma(w, vma)) {
			vmi_walk_enter_vma(w, vma);
			if (w->ops->vma) {
				ret = w->ops->vma(w, vma);
				if (ret)
					break;
			}
		}
		vma_end = vma->vm_end;
		vend = min(end, vma_end);
		w->addr = addr;
		vmi_walk_trade_lock(w, vma, vend, &locked_at);
		while (w->addr < vend) {
			ret = vmi_walk_step(w, vma, w->addr, vend);
			if (!ret)
				ret = vmi_walk_check_time(w);
			if (ret)
				break;
		}
		if (!ret && w->addr < end)
			w->addr = vma_end;
		if (w->vma_locked) {
			/* the next VMA is looked up under mmap_lock again */
			vmi_vma_read_unlock(vma);
			w->vma_locked = false;
			vmi_walk_held(w, locked_at);
			return ret;
		}
		if (ret || w->addr >= end)
			break;
	}
	mmap_read_unlock(w->mm);
	vmi_walk_held(w, locked_at);
	return ret;
}

/**
 * vmi_walk - visit the leaf entries of [start, end) in @w->mm
 * @w:		the walk: mm, caller, ops and options set by the consumer
 * @start:	page-aligned first address
 * @end:	page-aligned end
 *
 * Return: 0 when the range is done or the consumer stopped it (@w->addr
 * says where), -EINTR on a fatal signal, or the consumer's error.
 */
int vmi_walk(struct vmi_walk *w, unsigned long start, unsigned long end)
{
	int ret = 0;

	w->addr = start;
	w->vma = NULL;
	w->hide_pfn = !w->caller->pfn && !w->keep_pfn;
	while (w->addr < end) {
		if (vmi_walk_read_lock(w->mm))
			return -EINTR;
		ret = vmi_walk_hold(w, end);
		if (ret == VMI_WALK_YIELD) {
			w->lock_drops++;
			ret = 0;
		} else if (ret) {
			break;
		}
		cond_resched();
		if (fatal_signal_pending(current))
			return -EINTR;
	}
	/* positive: the consumer stopped the walk; that is not an error */
	return ret < 0 ? ret : 0;
}

/* Record one level of a translation; the table's address only for root. */
static void vmi_path_level(struct vmi_level *lv, unsigned int level, u64 entry,
			   unsigned long table_pfn, unsigned int index,
			   const struct vmi_caller *caller)
{
	lv->level = level;
	lv->index = index;
	lv->entry = caller->pfn ? entry : vmi_entry_strip_pfn(entry);
	lv->table_pa = caller->pfn ? (u64)table_pfn << PAGE_SHIFT : 0;
}

/* vmi_walk_path(), its locks taken */
static u32 vmi_walk_path_locked(struct vm_area_struct *vma, unsigned long va,
				struct vmi_level *levels,
				const struct vmi_caller *caller)
{
	unsigned long hsize =
		is_vm_hugetlb_page(vma) ? huge_page_size(hstate_vma(vma)) : 0;
	pgd_t *pgdp, pgd;
	p4d_t *p4dp, p4d;
	pud_t *pudp, pud;
	pmd_t *pmdp, pmd;
	pte_t *ptep, pte;
	u32 n = 0;

	pgdp = pgd_offset(vma->vm_mm, va);
	pgd = READ_ONCE(*pgdp);
	vmi_path_level(&levels[n++], VMI_LEVEL_PGD, pgd_val(pgd),
		       __pa(vma->vm_mm->pgd) >> PAGE_SHIFT, pgd_index(va),
		       caller);
	if (pgd_none(pgd) || pgd_bad(pgd))
		return n;

	p4dp = p4d_offset(&pgd, va);
	p4d = READ_ONCE(*p4dp);
	if (vmi_pgtable_levels() == 5) {
		vmi_path_level(&levels[n++], VMI_LEVEL_P4D, p4d_val(p4d),
			       pgd_pfn(pgd), p4d_index(va), caller);
		if (p4d_none(p4d) || p4d_bad(p4d))
			return n;
	}

	pudp = pud_offset(&p4d, va);
	pud = READ_ONCE(*pudp);
	vmi_path_level(&levels[n++], VMI_LEVEL_PUD, pud_val(pud), p4d_pfn(p4d),
		       pud_index(va), caller);
	if (hsize >= PUD_SIZE || pud_none(pud) || vmi_pud_leaf(pud) ||
	    !pud_present(pud) || pud_bad(pud))
		return n;

	/* the PMD and its PTE table in one RCU section: see vmi_walk_pmd() */
	rcu_read_lock();
	pmdp = pmd_offset(&pud, va);
	pmd = vmi_pmdp_get(pmdp);
	vmi_path_level(&levels[n++], VMI_LEVEL_PMD, pmd_val(pmd), pud_pfn(pud),
		       pmd_index(va), caller);
	if (!hsize && !pmd_none(pmd) && pmd_present(pmd) && !pmd_leaf(pmd) &&
	    !pmd_bad(pmd)) {
		ptep = pte_offset_kernel(&pmd, va);
		pte = ptep_get(ptep);
		vmi_path_level(&levels[n++], VMI_LEVEL_PTE, pte_val(pte),
			       pmd_pfn(pmd), pte_index(va), caller);
	}
	rcu_read_unlock();
	return n;
}

/**
 * vmi_walk_path - the entries that translate @va, from the PGD down
 * @vma:	the VMA holding @va; mmap_lock held for reading
 * @va:		the address
 * @levels:	out: up to five levels
 * @caller:	what the caller may see
 *
 * Return: the number of levels filled; the last is the leaf, or the entry
 * where the walk ended (none, not present, bad).
 */
u32 vmi_walk_path(struct vm_area_struct *vma, unsigned long va,
		  struct vmi_level *levels, const struct vmi_caller *caller)
{
	struct address_space *mapping = vmi_hugetlb_share_lock(vma);
	u32 n;

	if (mapping)
		i_mmap_lock_read(mapping);
	n = vmi_walk_path_locked(vma, va, levels, caller);
	if (mapping)
		i_mmap_unlock_read(mapping);
	return n;
}
