// SPDX-License-Identifier: GPL-2.0
/*
 * tlb.c - TLB shootdown tracking: who sends shootdowns, which CPUs they
 * hit, how many pages, how long the initiator waits.
 *
 * Hooks, registered only while tracking is on:
 *  - the tlb:tlb_flush tracepoint (found by name): per-CPU counts by
 *    reason, on initiators and targets alike;
 *  - an fprobe on native_flush_tlb_multi(), at entry and return: the
 *    initiator side of every remote flush of an mm, and of the batched
 *    flushes of reclaim (mm NULL, from arch_tlbbatch_flush()): task, mm,
 *    cause, targets, pages, and the wait from entry to return, carried in
 *    the fprobe's entry data;
 *  - an fprobe on on_each_cpu_cond_mask(): the same for flushes of
 *    kernel memory (flush_tlb_kernel_range(), flush_tlb_all(),
 *    set_memory_*()), which run as a call on every CPU: told apart by
 *    the function called, with the call site from the initiator's stack;
 *  - on the targets, how long each shootdown's handler ran: the
 *    csd_function_entry/exit tracepoints around every cross-CPU call
 *    (6.3 on), or where the kernel has none an fprobe on
 *    flush_tlb_func(), the handler itself.  The csd tracepoints do not
 *    say which calls are TLB flushes: a call inside which the tlb_flush
 *    tracepoint reports a remote shootdown is one, and its function,
 *    learnt then, marks the flushes that return early without a trace
 *    (lazy TLB, another mm loaded), as /proc/interrupts counts them.
 * With INVLPGB (7.x on recent AMD CPUs) remote flushes need no IPI and
 * bypass native_flush_tlb_multi(); an fprobe on flush_tlb_mm_range() then
 * counts the requests, and the limits say what cannot be seen.  Where the
 * kernel has no fprobes (6.1), kretprobes and a kprobe hook the same
 * functions the same way (module/compat.h); the text file's probes line
 * says which.
 *
 * The hot path writes only per-CPU memory, each CPU its own with
 * preemption off: counters, a ring, and a row of initiator counts.  Only
 * the initiator table's keys and names are shared: a slot is claimed
 * once, with cmpxchg, and then only read.  No locks, no atomics, no
 * allocation.  A full table counts in its "other" bucket.  Reset and
 * disable unregister the hooks first, so no writer sees memory change
 * under it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/cpumask.h>
#include <linux/fs.h>
#include <linux/hash.h>
#include <linux/kallsyms.h>
#include <linux/log2.h>
#include <linux/mman.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/sort.h>
#include <linux/stacktrace.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/tracepoint.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "compat.h"
#include "vminspect.h"

static bool tlb_track;
module_param(tlb_track, bool, 0444);
MODULE_PARM_DESC(tlb_track, "Track TLB shootdowns from load on (default off)");

#define VMI_TLB_SLOTS	 256  /* initiator table, slot 0 is "other" */
#define VMI_TLB_PROBES	 16   /* slots looked at before "other" */
#define VMI_TLB_RING_LEN 1024 /* records per CPU, a power of two */
#define VMI_TLB_TOP	 10   /* initiators in the text file */

/* Unnamed reasons and causes print as "reason<n>" and "cause<n>". */
static const char *const vmi_tlb_reason_names[VMI_TLB_NR_REASONS] =
	VMI_TLB_REASON_NAMES;
static const char *const vmi_tlb_cause_names[VMI_TLB_NR_CAUSES_ALL] =
	VMI_TLB_CAUSE_NAMES;
static const char *const vmi_tlb_hit_names[VMI_TLB_NR_HIT] = VMI_TLB_HIT_NAMES;

/*
 * The words of the text file's limits line, by VMI_TLB_LIM_* bit; a hook
 * left off is "prototype_differs:<hook>".
 */
static const char *const vmi_tlb_limit_names[] = VMI_TLB_LIM_NAMES;
static const char *const vmi_tlb_proto_hooks[] = VMI_TLB_LIM_PROTO_HOOKS;

/* Handlers run on one CPU, and how long they took (ns). */
struct vmi_tlb_times {
	u64 n;
	u64 ns;
	u64 max_ns;
	u64 hist[VMI_TLB_HIST_BUCKETS];
};

/* One CPU's counters and trace ring indices. */
struct vmi_tlb_pcpu {
	u64 flushes[VMI_TLB_NR_REASONS];
	u64 pages[VMI_TLB_NR_REASONS];
	u64 full[VMI_TLB_NR_REASONS];
	u64 shootdowns;
	u64 ipis_sent;
	u64 requests;
	u64 wait_hist[VMI_TLB_HIST_BUCKETS];
	/* shootdowns handled here, and their times: written with IRQs off */
	struct vmi_tlb_times handle;
	/* the cross-CPU call running here: its start, and whether it flushed */
	u64 csd_start_ns;
	bool csd_flushed;
	/*
	 * The remote flush this CPU waits for (its struct flush_tlb_info,
	 * NULL between flushes), its cause and initiator slot: its targets
	 * read them while it waits.
	 */
	const void *inflight_info;
	u32 inflight_cause;
	u32 inflight_idx;
	/* shootdowns handled here by their cause, and by what they hit */
	u64 recv_causes[VMI_TLB_NR_CAUSES_ALL];
	u64 hit[VMI_TLB_NR_HIT];
	/* kernel flushes sent here, counted by their initiators */
	atomic64_t recv_kernel;
	/* kernel flushes handled here (csd tracepoints only) */
	struct vmi_tlb_times kernel_handle;
	/* shootdowns counted as "other": the initiator table was full */
	u64 other_hits;
	/* ring: head written by this CPU, tail by the reader */
	unsigned long head;
	unsigned long tail;
	u64 drops;
};

/*
 * One initiator: a process (by mm) or a kernel thread (by pid).  The CPU
 * that claims it names it, then sets @ready with release; others that
 * find the key count for it at once, and readers show it only once they
 * see @ready (acquire), so never with a name half written.
 *
 * A process claimed by a flush inside execve() is named before exec gives
 * it its new name: @renamable is set, and the first later shootdown of
 * the claiming task itself (a task runs on one CPU at a time: one writer)
 * writes its name into comm[1] and then sets @name to 1 with release.  A
 * reader loads @name with acquire and copies comm[@name], which is never
 * written again.
 */
struct vmi_tlb_slot {
	atomic64_t key; /* 0: free */
	u32 ready;
	u32 pid;
	u32 tgid;
	u32 flags;
	u32 renamable;
	u32 name; /* the comm[] readers show */
	char comm[2][TASK_COMM_LEN];
};

/*
 * One initiator's shootdowns from one CPU, written by that CPU only
 * (preemption off), summed by readers: rows of VMI_TLB_SLOTS per CPU.
 */
struct vmi_tlb_counts {
	u64 shootdowns;
	u64 pages;
	u64 full;
	u64 freed_tables;
	u64 ipis;
	u64 wait_ns;
	u64 wait_max_ns;
	u64 causes[VMI_TLB_NR_CAUSES_ALL];
	u64 targets[VMI_TLB_MAX_TARGETS];
	u64 targets_other;
	u64 wait_hist[VMI_TLB_HIST_BUCKETS];
	/*
	 * IPIs of this initiator this row's CPU handled: counted in its
	 * handler, or for a kernel flush (sent to every CPU) by the initiator
	 */
	atomic64_t received;
};

/* Kernel TLB flushes run on every CPU by on_each_cpu(): their functions */
enum vmi_tlb_kflush {
	VMI_KF_NONE,
	VMI_KF_RANGE, /* do_kernel_range_flush(struct flush_tlb_info *) */
	VMI_KF_ALL,   /* every TLB entry */
	VMI_KF_CPA,   /* a few pages of set_memory_*() (size not known) */
};

/*
 * What a kernel function tells a flush: a cause and its rank (0: none)
 * when it is on the initiator's stack; a kernel TLB flush when it is the
 * function of a cross-CPU call; plumbing, a frame no call site is named
 * after.
 */
struct vmi_tlb_class {
	u8 cause;
	u8 rank;
	u8 kflush;
	u8 plumbing;
};

/* A return address and its class (see vmi_tlb_addr_class()). */
struct vmi_tlb_addr {
	unsigned long addr;
	u32 ready; /* the class below is written */
	struct vmi_tlb_class class;
};

#define VMI_TLB_ADDRS 1024 /* classed return addresses, a power of two */

/*
 * A call site of kernel flushes, per initiator: claimed once (@claimed
 * by cmpxchg, then named), shown once @ready is set with release.
 */
struct vmi_tlb_site_slot {
	unsigned long addr; /* a return address in the site */
	u32 idx;	    /* the initiator's slot */
	u32 claimed;
	u32 ready;
	char function[64];
	atomic64_t shootdowns;
	atomic64_t ipis;
};

#define VMI_TLB_SITES	    256 /* a power of two */
#define VMI_TLB_SITE_PROBES 16

/* Serialises enable, disable, reset and the trace reader. */
static DEFINE_MUTEX(vmi_tlb_mutex);
static bool vmi_tlb_on;
static u64 vmi_tlb_since_ns;
static u64 vmi_tlb_missed; /* of unregistered probes */
static struct vmi_tlb_pcpu __percpu *vmi_tlb_pc;
static struct vmi_tlb_slot *vmi_tlb_table;
static struct vmi_tlb_counts *vmi_tlb_counts; /* [nr_cpu_ids][SLOTS] */
static struct vmi_tlb_record *vmi_tlb_ring;
static struct vmi_tlb_addr *vmi_tlb_addrs; /* return addresses classed */
static struct vmi_tlb_site_slot *vmi_tlb_sites;

#ifdef VMI_TLB_SUPPORTED
#ifdef VMI_TLB_KPROBE
#include <linux/kprobes.h>
#endif
#include <linux/ptrace.h>
#include <asm/syscall.h>
#include <asm/tlbflush.h>
#include <asm/unistd.h>

#include "tlb_hooks.h"

bool vmi_tlb_supported(void)
{
	return true;
}

static unsigned int vmi_tlb_bucket(u64 v)
{
	return v ? ilog2(v) : 0;
}

/* current's name without task_lock(), as tracepoints copy it */
static void vmi_tlb_comm(char *comm)
{
	memcpy(comm, current->comm, TASK_COMM_LEN);
	comm[TASK_COMM_LEN - 1] = '\0';
}

/* The cause of madvise(@advice). */
static u32 vmi_tlb_madvise_cause(unsigned long advice)
{
	switch (advice) {
	case MADV_DONTNEED:
	case MADV_DONTNEED_LOCKED:
		return VMI_TLB_CAUSE_MADV_DONTNEED;
	case MADV_FREE:
		return VMI_TLB_CAUSE_MADV_FREE;
	case MADV_PAGEOUT:
		return VMI_TLB_CAUSE_MADV_PAGEOUT;
	case MADV_COLD:
		return VMI_TLB_CAUSE_MADV_COLD;
	case MADV_COLLAPSE:
		return VMI_TLB_CAUSE_MADV_COLLAPSE;
	default:
		return VMI_TLB_CAUSE_MADVISE;
	}
}

/* The cause of a flush by current inside 64-bit system call @nr. */
static u32 vmi_tlb_syscall_cause(int nr, struct pt_regs *regs)
{
	unsigned long args[6];

	switch (nr) {
	case __NR_munmap:
		return VMI_TLB_CAUSE_MUNMAP;
	case __NR_mprotect:
	case __NR_pkey_mprotect:
		return VMI_TLB_CAUSE_MPROTECT;
	case __NR_madvise:
		syscall_get_arguments(current, regs, args);
		return vmi_tlb_madvise_cause(args[2]);
	case __NR_process_madvise:
		syscall_get_arguments(current, regs, args);
		return vmi_tlb_madvise_cause(args[3]);
	case __NR_mremap:
		return VMI_TLB_CAUSE_MREMAP;
	case __NR_brk:
		return VMI_TLB_CAUSE_BRK;
	case __NR_mmap:
		return VMI_TLB_CAUSE_MMAP;
	case __NR_exit:
	case __NR_exit_group:
		return VMI_TLB_CAUSE_EXIT;
	case __NR_execve:
	case __NR_execveat:
		return VMI_TLB_CAUSE_EXECVE;
	case __NR_fork:
	case __NR_vfork:
	case __NR_clone:
	case __NR_clone3:
		return VMI_TLB_CAUSE_FORK;
	case __NR_migrate_pages:
	case __NR_move_pages:
	case __NR_mbind:
		return VMI_TLB_CAUSE_MIGRATION;
	default:
		return VMI_TLB_CAUSE_SYSCALL;
	}
}

/*
 * The cause of a flush started by current, as its context tells it, and
 * its system call.  The call chain may tell more (vmi_tlb_chain_cause()).
 */
static u32 vmi_tlb_cause(int *nr, u32 *flags)
{
	struct pt_regs *regs;

	*nr = -1;
	if (current->flags & PF_KTHREAD) {
		*flags |= VMI_TLB_REC_KTHREAD;
		return VMI_TLB_CAUSE_KTHREAD;
	}
	if (!in_task())
		return VMI_TLB_CAUSE_OTHER;
	/* killed, or past exit(): the mm goes with it */
	if (current->flags & PF_EXITING)
		return VMI_TLB_CAUSE_EXIT;
	/*
	 * x86 entry code stores the "no such system call" error as the
	 * return value of a system call until it returns, and the number in
	 * orig_ax; an exception stores its error code in orig_ax and leaves
	 * the user's ax.
	 */
	regs = task_pt_regs(current);
	if (regs->ax != VMI_X86_SYSCALL_AX || syscall_get_nr(current, regs) < 0)
		return VMI_TLB_CAUSE_FAULT;
	*nr = syscall_get_nr(current, regs);
	if (in_compat_syscall()) {
		*flags |= VMI_TLB_REC_SYSCALL32;
		return VMI_TLB_CAUSE_SYSCALL;
	}
	return vmi_tlb_syscall_cause(*nr, regs);
}

/*
 * Kernel functions that name a cause when they are on the stack of a
 * flush, by name or name prefix (a trailing '*'), with a rank: the
 * highest-ranked one on the stack wins (a NUMA hinting fault migrates, a
 * migration may split a THP, reclaim splits THPs on its way).
 */
struct vmi_tlb_frame_name {
	const char *name;
	struct vmi_tlb_class class;
};

#define VMI_FRAME(n, c, r)                        \
	{                                         \
		n,                                \
		{                                 \
			.cause = (c), .rank = (r) \
		}                                 \
	}
#define VMI_KFLUSH(n, k)              \
	{                             \
		n,                    \
		{                     \
			.kflush = (k) \
		}                     \
	}
#define VMI_PLUMBING(n)               \
	{                             \
		n,                    \
		{                     \
			.plumbing = 1 \
		}                     \
	}

static const struct vmi_tlb_frame_name vmi_tlb_frame_names[] = {
	VMI_FRAME("task_numa_work", VMI_TLB_CAUSE_NUMA, 7),
	VMI_FRAME("change_prot_numa", VMI_TLB_CAUSE_NUMA, 7),
	VMI_FRAME("do_numa_page", VMI_TLB_CAUSE_NUMA, 7),
	VMI_FRAME("do_huge_pmd_numa_page", VMI_TLB_CAUSE_NUMA, 7),
	VMI_FRAME("migrate_misplaced_*", VMI_TLB_CAUSE_NUMA, 7),
	VMI_FRAME("khugepaged*", VMI_TLB_CAUSE_THP_COLLAPSE, 6),
	VMI_FRAME("collapse_*", VMI_TLB_CAUSE_THP_COLLAPSE, 6),
	VMI_FRAME("hpage_collapse_*", VMI_TLB_CAUSE_THP_COLLAPSE, 6),
	VMI_FRAME("retract_page_tables", VMI_TLB_CAUSE_THP_COLLAPSE, 6),
	VMI_FRAME("madvise_collapse", VMI_TLB_CAUSE_MADV_COLLAPSE, 6),
	VMI_FRAME("ksm_*", VMI_TLB_CAUSE_KSM, 5),
	VMI_FRAME("write_protect_page", VMI_TLB_CAUSE_KSM, 5),
	VMI_FRAME("replace_page", VMI_TLB_CAUSE_KSM, 5),
	VMI_FRAME("try_to_merge_*", VMI_TLB_CAUSE_KSM, 5),
	VMI_FRAME("shrink_folio_list", VMI_TLB_CAUSE_RECLAIM, 4),
	VMI_FRAME("shrink_page_list", VMI_TLB_CAUSE_RECLAIM, 4),
	VMI_FRAME("reclaim_folio_list", VMI_TLB_CAUSE_RECLAIM, 4),
	VMI_FRAME("reclaim_pages", VMI_TLB_CAUSE_RECLAIM, 4),
	VMI_FRAME("migrate_pages*", VMI_TLB_CAUSE_MIGRATION, 3),
	VMI_FRAME("compact_zone*", VMI_TLB_CAUSE_MIGRATION, 3),
	VMI_FRAME("do_migrate_pages", VMI_TLB_CAUSE_MIGRATION, 3),
	VMI_FRAME("__split_huge_*", VMI_TLB_CAUSE_THP_SPLIT, 2),
	VMI_FRAME("split_huge_*", VMI_TLB_CAUSE_THP_SPLIT, 2),
	VMI_FRAME("deferred_split_scan", VMI_TLB_CAUSE_THP_SPLIT, 2),
	VMI_FRAME("do_wp_page", VMI_TLB_CAUSE_COW, 1),
	VMI_FRAME("wp_page_copy", VMI_TLB_CAUSE_COW, 1),
	VMI_FRAME("do_huge_pmd_wp_page", VMI_TLB_CAUSE_COW, 1),
	VMI_FRAME("hugetlb_wp", VMI_TLB_CAUSE_COW, 1),
	VMI_KFLUSH("do_kernel_range_flush", VMI_KF_RANGE),
	VMI_KFLUSH("do_flush_tlb_all", VMI_KF_ALL),
	VMI_KFLUSH("__cpa_flush_all", VMI_KF_ALL),
	VMI_KFLUSH("__cpa_flush_tlb", VMI_KF_CPA),
	VMI_PLUMBING("on_each_cpu*"),
	VMI_PLUMBING("flush_tlb_*"),
	VMI_PLUMBING("cpa_flush*"),
	VMI_PLUMBING("change_page_attr*"),
	VMI_PLUMBING("__change_page_attr*"),
	VMI_PLUMBING("fprobe*"),
	VMI_PLUMBING("__fprobe*"),
	VMI_PLUMBING("kprobe*"),
	VMI_PLUMBING("__kprobe*"),
	VMI_PLUMBING("rethook*"),
	VMI_PLUMBING("arch_rethook*"),
	VMI_PLUMBING("ftrace*"),
	VMI_PLUMBING("arch_ftrace*"),
	VMI_PLUMBING("function_graph*"),
};

/* The class of the function named @name. */
static struct vmi_tlb_class vmi_tlb_name_class(const char *name)
{
	const struct vmi_tlb_frame_name *f;
	struct vmi_tlb_class c = {};
	size_t len;
	unsigned int i;

	/* no symbol: "0x..." (or "" without kallsyms), code of no function */
	if (!name[0] || !strncmp(name, "0x", 2)) {
		c.plumbing = 1;
		return c;
	}
	for (i = 0; i < ARRAY_SIZE(vmi_tlb_frame_names); i++) {
		f = &vmi_tlb_frame_names[i];
		len = strlen(f->name);
		if (f->name[len - 1] == '*' ? strncmp(name, f->name, len - 1) :
					      strcmp(name, f->name))
			continue;
		c = f->class;
		break;
	}
	return c;
}

/*
 * Return addresses already classed: a lock-free table, a slot claimed
 * once with cmpxchg and its class published with release.  Emptied at
 * every enable (module text may have been replaced meanwhile).
 */
#define VMI_TLB_ADDR_PROBES 8
#define VMI_TLB_FRAMES	    32 /* return addresses looked at per flush */

/*
 * kallsyms writes a symbol's name here, with interrupts off: an
 * initiator's hook and a target's handler may run on one CPU, the second
 * interrupting the first.
 */
static DEFINE_PER_CPU(char[KSYM_SYMBOL_LEN], vmi_tlb_sym);

/*
 * The name of the function holding @addr, into @name (@len bytes), and
 * its class.  Rare (once per address and enable): kallsyms' lookup is a
 * binary search, safe with interrupts off.
 */
static struct vmi_tlb_class vmi_tlb_addr_name(unsigned long addr, char *name,
					      size_t len)
{
	struct vmi_tlb_class c;
	unsigned long flags;
	char *buf;

	local_irq_save(flags);
	buf = *this_cpu_ptr(&vmi_tlb_sym);
	sprint_symbol_no_offset(buf, addr);
	c = vmi_tlb_name_class(buf);
	if (name)
		strscpy(name, buf, len);
	local_irq_restore(flags);
	return c;
}

/* The class of the function holding @addr, through kallsyms. */
static struct vmi_tlb_class vmi_tlb_addr_lookup(unsigned long addr)
{
	return vmi_tlb_addr_name(addr, NULL, 0);
}

static struct vmi_tlb_class vmi_tlb_addr_class(unsigned long addr)
{
	unsigned int i, idx = hash_long(addr, ilog2(VMI_TLB_ADDRS));
	struct vmi_tlb_addr *a;
	struct vmi_tlb_class c;
	unsigned long old;

	for (i = 0; i < VMI_TLB_ADDR_PROBES; i++) {
		a = &vmi_tlb_addrs[(idx + i) & (VMI_TLB_ADDRS - 1)];
		old = READ_ONCE(a->addr);
		if (!old)
			old = cmpxchg(&a->addr, 0, addr);
		if (!old) {
			/* ours to fill in */
			c = vmi_tlb_addr_lookup(addr);
			a->class = c;
			/* pairs with smp_load_acquire() below */
			smp_store_release(&a->ready, 1);
			return c;
		}
		if (old != addr)
			continue;
		/* pairs with smp_store_release() above */
		if (smp_load_acquire(&a->ready))
			return a->class;
		break; /* being filled in on another CPU */
	}
	return vmi_tlb_addr_lookup(addr);
}

/*
 * The cause current's call chain names (from the ORC unwinder, through
 * the hook's own frames), or @dflt when no frame on it names one.
 */
static u32 vmi_tlb_chain_cause(u32 dflt)
{
	unsigned long frames[VMI_TLB_FRAMES];
	struct vmi_tlb_class best = {}, c;
	unsigned int i, n;

	n = stack_trace_save(frames, ARRAY_SIZE(frames), 0);
	for (i = 0; i < n; i++) {
		c = vmi_tlb_addr_class(frames[i]);
		if (c.rank > best.rank)
			best = c;
	}
	return best.rank ? best.cause : dflt;
}

/*
 * The call site of a kernel flush current makes through a function that
 * returns to @ret_ip, for initiator @idx: the innermost frame on its
 * stack from @ret_ip on (the hook's own frames come before it) that is
 * not flush plumbing, or @ret_ip.  Its slot in vmi_tlb_sites, claimed and
 * named if new; VMI_TLB_SITES when the table is crowded.
 */
static u32 vmi_tlb_site_get(unsigned long ret_ip, u32 idx)
{
	unsigned long frames[VMI_TLB_FRAMES], addr = ret_ip;
	struct vmi_tlb_site_slot *site;
	struct vmi_tlb_class c;
	unsigned int i, n, h;

	n = stack_trace_save(frames, ARRAY_SIZE(frames), 0);
	for (i = 0; i < n && frames[i] != ret_ip; i++)
		;
	for (; i < n; i++) {
		if (!vmi_tlb_addr_class(frames[i]).plumbing) {
			addr = frames[i];
			break;
		}
	}
	h = hash_long(addr ^ idx, ilog2(VMI_TLB_SITES));
	for (i = 0; i < VMI_TLB_SITE_PROBES; i++) {
		site = &vmi_tlb_sites[(h + i) & (VMI_TLB_SITES - 1)];
		/* pairs with smp_store_release() below */
		if (smp_load_acquire(&site->ready)) {
			if (site->addr == addr && site->idx == idx)
				return (h + i) & (VMI_TLB_SITES - 1);
			continue;
		}
		if (cmpxchg(&site->claimed, 0, 1))
			continue; /* being named on another CPU */
		site->addr = addr;
		site->idx = idx;
		c = vmi_tlb_addr_name(addr, site->function,
				      sizeof(site->function));
		if (c.plumbing)
			strscpy(site->function, "unknown",
				sizeof(site->function));
		/* pairs with smp_load_acquire() above and in the reader */
		smp_store_release(&site->ready, 1);
		return (h + i) & (VMI_TLB_SITES - 1);
	}
	return VMI_TLB_SITES;
}

/*
 * The cause of a remote flush of @mm by current: its context, and where
 * that does not say why (a fault, a kernel thread, a system call that
 * does not change mappings, a batched flush of no single mm) the call
 * chain.  The batches of the calls that unmap pages to move or reclaim
 * them are theirs; any other batch nothing on the chain names is
 * reclaim's if current reclaims, unknown otherwise.
 */
static u32 vmi_tlb_flush_cause(struct mm_struct *mm, int *nr, u32 *flags)
{
	u32 cause = vmi_tlb_cause(nr, flags), dflt = cause;

	if (mm) {
		if (cause != VMI_TLB_CAUSE_FAULT &&
		    cause != VMI_TLB_CAUSE_KTHREAD &&
		    cause != VMI_TLB_CAUSE_SYSCALL &&
		    cause != VMI_TLB_CAUSE_OTHER)
			return cause;
	} else {
		if (cause == VMI_TLB_CAUSE_MADV_PAGEOUT ||
		    cause == VMI_TLB_CAUSE_MADV_COLLAPSE ||
		    cause == VMI_TLB_CAUSE_MIGRATION)
			return cause;
		dflt = current->flags & (PF_KSWAPD | PF_MEMALLOC) ?
			       VMI_TLB_CAUSE_RECLAIM :
			       VMI_TLB_CAUSE_UNKNOWN;
	}
	return vmi_tlb_chain_cause(dflt);
}

/* current names initiator @s anew, once, after exec (see the slot) */
static void vmi_tlb_slot_rename(struct vmi_tlb_slot *s, u32 cause)
{
	if (cause == VMI_TLB_CAUSE_EXECVE || s->pid != task_pid_nr(current))
		return;
	vmi_tlb_comm(s->comm[1]);
	WRITE_ONCE(s->renamable, 0);
	/* pairs with smp_load_acquire() in vmi_tlb_slot_read() */
	smp_store_release(&s->name, 1);
}

/*
 * The table index of current, for a shootdown of @cause: processes by
 * their mm's context id (never reused), kernel threads by pid.  Claimed
 * lock-free if new; 0 (the "other" bucket) when full.
 */
static unsigned int vmi_tlb_slot_get(u32 cause)
{
	struct mm_struct *mm = current->mm;
	struct vmi_tlb_slot *s;
	unsigned int i, idx;
	u64 key, old;

	if (!(current->flags & PF_KTHREAD) && mm)
		key = READ_ONCE(mm->context.ctx_id);
	else
		key = BIT_ULL(63) | task_pid_nr(current);
	idx = hash_64(key, ilog2(VMI_TLB_SLOTS));
	for (i = 0; i < VMI_TLB_PROBES; i++, idx++) {
		/* slot 0 is the "other" bucket */
		idx %= VMI_TLB_SLOTS;
		if (!idx)
			idx = 1;
		s = &vmi_tlb_table[idx];
		old = atomic64_read(&s->key);
		if (old == key) {
			if (unlikely(READ_ONCE(s->renamable)))
				vmi_tlb_slot_rename(s, cause);
			return idx;
		}
		if (old)
			continue;
		old = atomic64_cmpxchg(&s->key, 0, key);
		if (old == key)
			return idx;
		if (old)
			continue;
		/* ours: name it before its counters move */
		s->pid = task_pid_nr(current);
		s->tgid = task_tgid_nr(current);
		s->flags = current->flags & PF_KTHREAD ? VMI_TLB_INIT_KTHREAD :
							 0;
		vmi_tlb_comm(s->comm[0]);
		s->renamable = cause == VMI_TLB_CAUSE_EXECVE;
		/* pairs with smp_load_acquire() in vmi_tlb_slot_read() */
		smp_store_release(&s->ready, 1);
		return idx;
	}
	return 0;
}

/* Count @rec for initiator @idx in this CPU's row (preemption off). */
static void vmi_tlb_slot_account(unsigned int idx,
				 const struct vmi_tlb_record *rec)
{
	struct vmi_tlb_counts *c =
		&vmi_tlb_counts[smp_processor_id() * VMI_TLB_SLOTS + idx];
	unsigned int b = vmi_tlb_bucket(rec->wait_ns);
	u64 bits = rec->targets;
	unsigned int cpu;

	/* single stores: a reader on another CPU sees each value whole */
	WRITE_ONCE(c->shootdowns, c->shootdowns + 1);
	if (rec->flags & VMI_TLB_REC_FULL)
		WRITE_ONCE(c->full, c->full + 1);
	else
		WRITE_ONCE(c->pages, c->pages + rec->pages);
	if (rec->flags & VMI_TLB_REC_FREED)
		WRITE_ONCE(c->freed_tables, c->freed_tables + 1);
	WRITE_ONCE(c->ipis, c->ipis + rec->nr_targets);
	WRITE_ONCE(c->wait_ns, c->wait_ns + rec->wait_ns);
	WRITE_ONCE(c->wait_hist[b], c->wait_hist[b] + 1);
	WRITE_ONCE(c->causes[rec->cause], c->causes[rec->cause] + 1);
	if (rec->wait_ns > c->wait_max_ns)
		WRITE_ONCE(c->wait_max_ns, rec->wait_ns);
	/* the targets as they were at entry: the mask may change since */
	while (bits) {
		cpu = __ffs64(bits);
		bits &= bits - 1;
		WRITE_ONCE(c->targets[cpu], c->targets[cpu] + 1);
	}
	if (rec->nr_targets > hweight64(rec->targets))
		WRITE_ONCE(c->targets_other, c->targets_other +
						     rec->nr_targets -
						     hweight64(rec->targets));
}

/*
 * Put a finished record in this CPU's ring (preemption off), or count it
 * as dropped.  A kernel-range flush may return on another CPU than it
 * started on: the ring is the one of the CPU it returns on.
 */
static void vmi_tlb_ring_put(struct vmi_tlb_pcpu *pc,
			     const struct vmi_tlb_record *rec)
{
	unsigned long head = pc->head;

	/* the reader is done with a slot before it moves the tail past it */
	if (head - smp_load_acquire(&pc->tail) >= VMI_TLB_RING_LEN) {
		pc->drops++;
		return;
	}
	vmi_tlb_ring[smp_processor_id() * VMI_TLB_RING_LEN +
		     (head & (VMI_TLB_RING_LEN - 1))] = *rec;
	/* publish the record before the head that covers it */
	smp_store_release(&pc->head, head + 1);
}

/*
 * The enable a hook's entry belongs to: a return still pending when
 * tracking went off may reach a hook registered again at the same
 * address (fprobe on the function-graph tracer finds its fprobe by
 * address), with entry data from before; only returns whose entry this
 * enable saw count.  Changed only while no hook is registered.
 */
static u32 vmi_tlb_gen;

/* What a hook carries from a flush function's entry to its return. */
struct vmi_tlb_pending {
	struct vmi_tlb_record rec;
	u32 gen;
	u32 idx;  /* the initiator's slot */
	u32 site; /* a kernel flush's call site (vmi_tlb_site_get()) */
};

/* ... and from flush_tlb_func()'s entry to its return. */
struct vmi_tlb_func_pending {
	u64 start_ns;
	u32 gen;
};

/*
 * Entry of a remote flush: who, why, what, to whom.  A flush of user
 * memory (@info, its struct flush_tlb_info) is published to its targets
 * until it returns.
 */
static int vmi_tlb_begin(struct vmi_tlb_pending *p, const void *info,
			 const struct cpumask *targets, struct mm_struct *mm,
			 unsigned long start, unsigned long end, u32 flags,
			 unsigned long ret_ip)
{
	struct vmi_tlb_record *rec = &p->rec;
	struct vmi_tlb_pcpu *pc;
	unsigned int cpu, self = smp_processor_id();
	u64 bits = 0;
	u32 n = 0;

	for_each_cpu(cpu, targets) {
		if (cpu == self)
			continue;
		n++;
		if (cpu < 64)
			bits |= BIT_ULL(cpu);
	}
	if (!n)
		return 1; /* nothing remote: no return handler */

	memset(rec, 0, sizeof(*rec));
	rec->flags = flags;
	if (end == TLB_FLUSH_ALL)
		rec->flags |= VMI_TLB_REC_FULL;
	else
		rec->pages = (end - start) >> PAGE_SHIFT;
	rec->ctx_id = mm ? READ_ONCE(mm->context.ctx_id) : 0;
	rec->targets = bits;
	rec->nr_targets = n;
	rec->cpu = self;
	rec->pid = task_pid_nr(current);
	rec->tgid = task_tgid_nr(current);
	if (flags & VMI_TLB_REC_KERNEL) {
		vmi_tlb_cause(&rec->syscall, &rec->flags);
		rec->cause = VMI_TLB_CAUSE_KERNEL;
	} else {
		rec->cause =
			vmi_tlb_flush_cause(mm, &rec->syscall, &rec->flags);
	}
	vmi_tlb_comm(rec->comm);
	p->gen = READ_ONCE(vmi_tlb_gen);
	p->idx = vmi_tlb_slot_get(rec->cause);
	if (flags & VMI_TLB_REC_KERNEL) {
		/* every target runs it: count them here, their handlers cannot */
		p->site = vmi_tlb_site_get(ret_ip, p->idx);
		for_each_cpu(cpu, targets) {
			struct vmi_tlb_counts *c =
				&vmi_tlb_counts[cpu * VMI_TLB_SLOTS + p->idx];
			struct vmi_tlb_pcpu *to = per_cpu_ptr(vmi_tlb_pc, cpu);

			if (cpu == self)
				continue;
			atomic64_inc(&to->recv_kernel);
			atomic64_inc(&c->received);
		}
	} else {
		/* the IPIs go out after this: their handlers see it */
		pc = this_cpu_ptr(vmi_tlb_pc);
		pc->inflight_cause = rec->cause;
		pc->inflight_idx = p->idx;
		/* pairs with smp_load_acquire() in vmi_tlb_attribute() */
		smp_store_release(&pc->inflight_info, info);
	}
	rec->ts_ns = ktime_get_mono_fast_ns();
	return 0;
}

/* Return of a remote flush: the targets are done. */
static void vmi_tlb_end(struct vmi_tlb_pending *p)
{
	struct vmi_tlb_record *rec = &p->rec;
	struct vmi_tlb_pcpu *pc;
	unsigned int idx;

	if (p->gen != READ_ONCE(vmi_tlb_gen))
		return;
	rec->wait_ns = ktime_get_mono_fast_ns() - rec->ts_ns;
	/* the handler runs with preemption off; be explicit for the rows */
	preempt_disable_notrace();
	pc = this_cpu_ptr(vmi_tlb_pc);
	/* the targets are done with it (a flush of user memory waits here) */
	if (!(rec->flags & VMI_TLB_REC_KERNEL))
		WRITE_ONCE(pc->inflight_info, NULL);
	pc->shootdowns++;
	pc->ipis_sent += rec->nr_targets;
	pc->wait_hist[vmi_tlb_bucket(rec->wait_ns)]++;
	vmi_tlb_ring_put(pc, rec);
	idx = p->idx;
	if (!idx)
		pc->other_hits++;
	vmi_tlb_slot_account(idx, rec);
	if ((rec->flags & VMI_TLB_REC_KERNEL) && p->site < VMI_TLB_SITES) {
		atomic64_inc(&vmi_tlb_sites[p->site].shootdowns);
		atomic64_add(rec->nr_targets, &vmi_tlb_sites[p->site].ipis);
	}
	preempt_enable_notrace();
}

/* native_flush_tlb_multi(cpumask, info) */
static int vmi_tlb_multi_begin(void *data, unsigned long arg0,
			       unsigned long arg1)
{
	const struct cpumask *targets = (void *)arg0;
	const struct vmi_flush_tlb_info *info = (void *)arg1;

	return vmi_tlb_begin(data, info, targets, info->mm, info->start,
			     info->end,
			     info->freed_tables ? VMI_TLB_REC_FREED : 0, 0);
}

/* The kernel TLB flush that cross-CPU call function @func makes. */
static enum vmi_tlb_kflush vmi_tlb_kflush_of(smp_call_func_t func)
{
	return vmi_tlb_addr_class((unsigned long)func).kflush;
}

/*
 * on_each_cpu_cond_mask(cond, func, info, wait, mask), called from
 * @ret_ip: a flush of kernel memory when @func is one (all its callers
 * run it on every online CPU), nothing else.
 */
static int vmi_tlb_kernel_begin(void *data, unsigned long ret_ip,
				unsigned long func, unsigned long info,
				unsigned long mask)
{
	const struct vmi_flush_tlb_info *range = (void *)info;
	unsigned long start = 0, end = TLB_FLUSH_ALL;

	switch (vmi_tlb_kflush_of((smp_call_func_t)func)) {
	case VMI_KF_RANGE:
		start = range->start;
		end = range->end;
		break;
	case VMI_KF_ALL:
		break;
	case VMI_KF_CPA:
		end = 0; /* a few pages: how many is not known */
		break;
	default:
		return 1; /* not a TLB flush, or an mm's: no return handler */
	}
	return vmi_tlb_begin(data, NULL, (const struct cpumask *)mask, NULL,
			     start, end, VMI_TLB_REC_KERNEL, ret_ip);
}

/*
 * What this CPU was running when the IPI came: idle, a kernel thread or
 * softirq, a user task inside a system call or fault (the entry code
 * keeps the call's number, or the fault's error code, in orig_ax of the
 * frame at the top of its stack; an interrupt from user mode leaves -1
 * there), or the user task itself.  Kernel work at the return to user
 * mode after an interrupt (signals, task work) counts as user.
 */
static unsigned int vmi_tlb_hit_kind(void)
{
	if (is_idle_task(current))
		return VMI_TLB_HIT_IDLE;
	if ((current->flags & PF_KTHREAD) || in_serving_softirq() ||
	    task_pt_regs(current)->orig_ax != -1UL)
		return VMI_TLB_HIT_KERNEL;
	return VMI_TLB_HIT_USER;
}

/*
 * Shootdown @info, handled on this CPU (IRQs off): the cause and
 * initiator its initiator published, which waits for this handler; or
 * unknown when no hook saw it start.
 */
static void vmi_tlb_attribute(const struct vmi_flush_tlb_info *info)
{
	struct vmi_tlb_pcpu *pc = this_cpu_ptr(vmi_tlb_pc);
	unsigned int from = READ_ONCE(info->initiating_cpu);
	u32 cause = VMI_TLB_CAUSE_UNKNOWN, idx = VMI_TLB_SLOTS;
	const struct vmi_tlb_pcpu *ipc;
	struct vmi_tlb_counts *c;

	if (from < nr_cpu_ids && cpu_possible(from)) {
		ipc = per_cpu_ptr(vmi_tlb_pc, from);
		/* pairs with smp_store_release() in vmi_tlb_begin() */
		if (smp_load_acquire(&ipc->inflight_info) == info) {
			cause = READ_ONCE(ipc->inflight_cause);
			idx = READ_ONCE(ipc->inflight_idx);
		}
	}
	pc->recv_causes[min_t(u32, cause, VMI_TLB_NR_CAUSES_ALL - 1)]++;
	pc->hit[vmi_tlb_hit_kind()]++;
	if (idx >= VMI_TLB_SLOTS)
		return;
	c = &vmi_tlb_counts[smp_processor_id() * VMI_TLB_SLOTS + idx];
	atomic64_inc(&c->received);
}

/* A handler on this CPU (IRQs off) took @ns. */
static void vmi_tlb_time(struct vmi_tlb_times *t, u64 ns)
{
	t->n++;
	t->ns += ns;
	if (ns > t->max_ns)
		t->max_ns = ns;
	t->hist[vmi_tlb_bucket(ns)]++;
}

/* A kernel flush handled on this CPU (IRQs off) took @ns. */
static void vmi_tlb_kernel_handled(u64 ns)
{
	struct vmi_tlb_pcpu *pc = this_cpu_ptr(vmi_tlb_pc);

	vmi_tlb_time(&pc->kernel_handle, ns);
	pc->hit[vmi_tlb_hit_kind()]++;
}

/* A shootdown handled on this CPU (IRQs off) took @ns. */
static void vmi_tlb_handled(u64 ns)
{
	vmi_tlb_time(&this_cpu_ptr(vmi_tlb_pc)->handle, ns);
}

/*
 * The function of the cross-CPU calls that flush TLBs (flush_tlb_func),
 * learnt from the first call, of those whose entry this enable saw, that
 * traced a remote shootdown; forgotten at every enable.  Only ever
 * compared, never called.
 */
static smp_call_func_t vmi_tlb_flush_func;

/* A call queued by another CPU starts here; local ones have no csd. */
static void vmi_tlb_csd_entry(void *data, smp_call_func_t func,
			      call_single_data_t *csd)
{
	if (!csd)
		return;
	this_cpu_write(vmi_tlb_pc->csd_flushed, false);
	this_cpu_write(vmi_tlb_pc->csd_start_ns, ktime_get_mono_fast_ns());
}

static void vmi_tlb_csd_exit(void *data, smp_call_func_t func,
			     call_single_data_t *csd)
{
	u64 start, now;

	if (!csd)
		return;
	start = this_cpu_read(vmi_tlb_pc->csd_start_ns);
	/*
	 * Tracking switched on between this call's entry and exit: its
	 * csd_flushed is not its own, so it can neither be timed nor teach.
	 */
	if (!start)
		return;
	this_cpu_write(vmi_tlb_pc->csd_start_ns, 0);
	if (func != READ_ONCE(vmi_tlb_flush_func)) {
		if (!this_cpu_read(vmi_tlb_pc->csd_flushed)) {
			/* a flush of kernel memory, or another call */
			if (vmi_tlb_kflush_of(func)) {
				now = ktime_get_mono_fast_ns();
				vmi_tlb_kernel_handled(now - start);
			}
			return;
		}
		WRITE_ONCE(vmi_tlb_flush_func, func);
	}
	now = ktime_get_mono_fast_ns();
	vmi_tlb_handled(now - start);
	/* flush_tlb_func()'s argument is the initiator's flush_tlb_info */
	vmi_tlb_attribute(csd->info);
}

/*
 * Without csd tracepoints: flush_tlb_func(info) on a CPU it was sent to.
 * Nonzero: the initiator's own flush, no IPI, and no return to see.
 */
static int vmi_tlb_func_begin(struct vmi_tlb_func_pending *p,
			      unsigned long arg0)
{
	const struct vmi_flush_tlb_info *info = (void *)arg0;

	if (READ_ONCE(info->initiating_cpu) == smp_processor_id())
		return 1;
	vmi_tlb_attribute(info);
	p->gen = READ_ONCE(vmi_tlb_gen);
	p->start_ns = ktime_get_mono_fast_ns();
	return 0;
}

static void vmi_tlb_func_end(const struct vmi_tlb_func_pending *p)
{
	if (p->gen == READ_ONCE(vmi_tlb_gen))
		vmi_tlb_handled(ktime_get_mono_fast_ns() - p->start_ns);
}

/* The functions hooked by name, at entry and (but the last) return. */
enum vmi_tlb_fn {
	VMI_FN_MULTI,	/* native_flush_tlb_multi() */
	VMI_FN_KERNEL,	/* on_each_cpu_cond_mask(), for kernel flushes */
	VMI_FN_FUNC,	/* flush_tlb_func(), for the targets' time */
	VMI_FN_REQUEST, /* flush_tlb_mm_range(), counted only (INVLPGB) */
	VMI_NR_FN
};

static const char *const vmi_tlb_fn_sym[VMI_NR_FN] = {
	[VMI_FN_MULTI] = "native_flush_tlb_multi",
	[VMI_FN_KERNEL] = "on_each_cpu_cond_mask",
	[VMI_FN_FUNC] = "flush_tlb_func",
	[VMI_FN_REQUEST] = "flush_tlb_mm_range",
};

static bool vmi_tlb_fn_is_on[VMI_NR_FN];

#ifdef VMI_TLB_FPROBE
/*
 * fprobe handlers (module/compat.h): they run with preemption off, the
 * exit handler only after an entry handler that returned 0, with the
 * entry data it wrote.
 */
static int vmi_tlb_multi_entry(struct fprobe *fp, unsigned long ip,
			       unsigned long ret_ip, VMI_FPROBE_REGS *regs,
			       void *data)
{
	return vmi_tlb_multi_begin(data, vmi_fprobe_arg(regs, 0),
				   vmi_fprobe_arg(regs, 1));
}

static int vmi_tlb_kernel_entry(struct fprobe *fp, unsigned long ip,
				unsigned long ret_ip, VMI_FPROBE_REGS *regs,
				void *data)
{
	return vmi_tlb_kernel_begin(data, ret_ip, vmi_fprobe_arg(regs, 1),
				    vmi_fprobe_arg(regs, 2),
				    vmi_fprobe_arg(regs, 4));
}

static void vmi_tlb_ret(struct fprobe *fp, unsigned long ip,
			unsigned long ret_ip, VMI_FPROBE_REGS *regs, void *data)
{
	vmi_tlb_end(data);
}

static int vmi_tlb_func_entry(struct fprobe *fp, unsigned long ip,
			      unsigned long ret_ip, VMI_FPROBE_REGS *regs,
			      void *data)
{
	return vmi_tlb_func_begin(data, vmi_fprobe_arg(regs, 0));
}

static void vmi_tlb_func_ret(struct fprobe *fp, unsigned long ip,
			     unsigned long ret_ip, VMI_FPROBE_REGS *regs,
			     void *data)
{
	vmi_tlb_func_end(data);
}

static int vmi_tlb_request(struct fprobe *fp, unsigned long ip,
			   unsigned long ret_ip, VMI_FPROBE_REGS *regs,
			   void *data)
{
	this_cpu_inc(vmi_tlb_pc->requests);
	return 0;
}

/* The handlers have the prototypes Kbuild checked the kernel's against. */
static_assert(__same_type(&vmi_tlb_multi_entry, &vmi_expect_fprobe_entry));
static_assert(__same_type(&vmi_tlb_kernel_entry, &vmi_expect_fprobe_entry));
static_assert(__same_type(&vmi_tlb_func_entry, &vmi_expect_fprobe_entry));
static_assert(__same_type(&vmi_tlb_request, &vmi_expect_fprobe_entry));
static_assert(__same_type(&vmi_tlb_ret, &vmi_expect_fprobe_exit));
static_assert(__same_type(&vmi_tlb_func_ret, &vmi_expect_fprobe_exit));
static_assert(sizeof(struct vmi_tlb_pending) <= VMI_FPROBE_DATA_MAX);

static struct fprobe vmi_tlb_fp[VMI_NR_FN];

/* Hook @fn; register_fprobe() fills in its struct: start from a clean one. */
static int vmi_tlb_fn_on(enum vmi_tlb_fn fn)
{
	struct fprobe *fp = &vmi_tlb_fp[fn];
	/* register_fprobe_syms() sorts the names in place */
	const char *sym = vmi_tlb_fn_sym[fn];
	int ret;

	memset(fp, 0, sizeof(*fp));
	switch (fn) {
	case VMI_FN_MULTI:
	case VMI_FN_KERNEL:
		fp->entry_handler = fn == VMI_FN_MULTI ? vmi_tlb_multi_entry :
							 vmi_tlb_kernel_entry;
		fp->exit_handler = vmi_tlb_ret;
		fp->entry_data_size = sizeof(struct vmi_tlb_pending);
		break;
	case VMI_FN_FUNC:
		fp->entry_handler = vmi_tlb_func_entry;
		fp->exit_handler = vmi_tlb_func_ret;
		fp->entry_data_size = sizeof(struct vmi_tlb_func_pending);
		break;
	default:
		fp->entry_handler = vmi_tlb_request;
		break;
	}
	ret = register_fprobe_syms(fp, &sym, 1);
	vmi_tlb_fn_is_on[fn] = !ret;
	return ret;
}

/*
 * Unhook @fn.  unregister_fprobe() waits for the handlers in flight on
 * 6.12 (unregister_ftrace_function()) and on 7.x (an RCU grace period);
 * vmi_tlb_unregister() waits for one more in any case.  A return still
 * pending is not reported (6.12: the rethook is stopped) or is told
 * apart by vmi_tlb_gen.
 */
static void vmi_tlb_fn_off(enum vmi_tlb_fn fn)
{
	if (!vmi_tlb_fn_is_on[fn])
		return;
	unregister_fprobe(&vmi_tlb_fp[fn]);
	/* the hook is gone: its count of misses is final */
	vmi_tlb_missed += vmi_tlb_fp[fn].nmissed;
	vmi_tlb_fn_is_on[fn] = false;
}

static u64 vmi_tlb_fn_missed(enum vmi_tlb_fn fn)
{
	return vmi_tlb_fn_is_on[fn] ? vmi_tlb_fp[fn].nmissed : 0;
}

static const char *vmi_tlb_probe_kind(void)
{
	return "fprobe";
}
#else  /* kprobes */
static int vmi_tlb_multi_entry(struct kretprobe_instance *ri,
			       struct pt_regs *regs)
{
	return vmi_tlb_multi_begin((void *)ri->data,
				   regs_get_kernel_argument(regs, 0),
				   regs_get_kernel_argument(regs, 1));
}

static int vmi_tlb_kernel_entry(struct kretprobe_instance *ri,
				struct pt_regs *regs)
{
	/* at the entry, the return address is on top of the stack */
	return vmi_tlb_kernel_begin((void *)ri->data,
				    regs_get_kernel_stack_nth(regs, 0),
				    regs_get_kernel_argument(regs, 1),
				    regs_get_kernel_argument(regs, 2),
				    regs_get_kernel_argument(regs, 4));
}

static int vmi_tlb_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	vmi_tlb_end((void *)ri->data);
	return 0;
}

static int vmi_tlb_func_entry(struct kretprobe_instance *ri,
			      struct pt_regs *regs)
{
	return vmi_tlb_func_begin((void *)ri->data,
				  regs_get_kernel_argument(regs, 0));
}

static int vmi_tlb_func_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	vmi_tlb_func_end((void *)ri->data);
	return 0;
}

static int vmi_tlb_request(struct kprobe *kp, struct pt_regs *regs)
{
	this_cpu_inc(vmi_tlb_pc->requests);
	return 0;
}

static struct kretprobe vmi_tlb_krp[VMI_NR_FN];
static struct kprobe vmi_tlb_kp_request;

/* Hook @fn; register_kretprobe() fills in its struct: start from a clean one. */
static int vmi_tlb_fn_on(enum vmi_tlb_fn fn)
{
	struct kretprobe *krp = &vmi_tlb_krp[fn];
	int ret;

	if (fn == VMI_FN_REQUEST) {
		memset(&vmi_tlb_kp_request, 0, sizeof(vmi_tlb_kp_request));
		vmi_tlb_kp_request.symbol_name = vmi_tlb_fn_sym[fn];
		vmi_tlb_kp_request.pre_handler = vmi_tlb_request;
		ret = register_kprobe(&vmi_tlb_kp_request);
		vmi_tlb_fn_is_on[fn] = !ret;
		return ret;
	}
	memset(krp, 0, sizeof(*krp));
	krp->kp.symbol_name = vmi_tlb_fn_sym[fn];
	if (fn == VMI_FN_FUNC) {
		krp->entry_handler = vmi_tlb_func_entry;
		krp->handler = vmi_tlb_func_ret;
		krp->data_size = sizeof(struct vmi_tlb_func_pending);
	} else {
		krp->entry_handler = fn == VMI_FN_MULTI ? vmi_tlb_multi_entry :
							  vmi_tlb_kernel_entry;
		krp->handler = vmi_tlb_ret;
		krp->data_size = sizeof(struct vmi_tlb_pending);
	}
	/* a flush waits with preemption off: one per CPU, and IRQs */
	krp->maxactive = 4 * num_possible_cpus();
	ret = register_kretprobe(krp);
	vmi_tlb_fn_is_on[fn] = !ret;
	return ret;
}

static u64 vmi_tlb_fn_missed(enum vmi_tlb_fn fn)
{
	if (!vmi_tlb_fn_is_on[fn])
		return 0;
	if (fn == VMI_FN_REQUEST)
		return vmi_tlb_kp_request.nmissed;
	return vmi_tlb_krp[fn].nmissed + vmi_tlb_krp[fn].kp.nmissed;
}

/* Unhook @fn: waits for handlers in flight; pending returns are dropped. */
static void vmi_tlb_fn_off(enum vmi_tlb_fn fn)
{
	if (!vmi_tlb_fn_is_on[fn])
		return;
	if (fn == VMI_FN_REQUEST)
		unregister_kprobe(&vmi_tlb_kp_request);
	else
		unregister_kretprobe(&vmi_tlb_krp[fn]);
	/* the hook is gone: its count of misses is final */
	vmi_tlb_missed += vmi_tlb_fn_missed(fn);
	vmi_tlb_fn_is_on[fn] = false;
}

static const char *vmi_tlb_probe_kind(void)
{
	return "kprobe";
}
#endif /* kprobes */

/* May run preemptible on 7.x: single per-CPU operations only. */
static void vmi_tlb_tp_flush(void *data, int reason, unsigned long pages)
{
	unsigned int r = min_t(unsigned int, reason, VMI_TLB_NR_REASONS - 1);

	/* only flush_tlb_func() traces it, in a call from another CPU */
	if (r == VMI_TLB_REMOTE_SHOOTDOWN)
		this_cpu_write(vmi_tlb_pc->csd_flushed, true);
	this_cpu_inc(vmi_tlb_pc->flushes[r]);
	if (pages == TLB_FLUSH_ALL)
		this_cpu_inc(vmi_tlb_pc->full[r]);
	else
		this_cpu_add(vmi_tlb_pc->pages[r], pages);
}

/* The probes have the prototypes Kbuild checked the kernel's against. */
static_assert(__same_type(&vmi_tlb_tp_flush, &vmi_expect_tlb_flush_probe));
static_assert(__same_type(&vmi_tlb_csd_entry, &vmi_expect_csd_probe));
static_assert(__same_type(&vmi_tlb_csd_exit, &vmi_expect_csd_probe));

static struct tracepoint *vmi_tp_tlb_flush, *vmi_tp_csd_entry, *vmi_tp_csd_exit;
static bool vmi_tp_flush_on;
enum vmi_tlb_target {
	VMI_TARGET_NONE,
	VMI_TARGET_CSD,
	VMI_TARGET_FUNC
};

/* how target handling time is measured while tracking is on ... */
static enum vmi_tlb_target vmi_tlb_target;
/* ... and was at the last enable, or can be from the first one */
static enum vmi_tlb_target vmi_tlb_target_last;

static void vmi_tlb_find_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "tlb_flush"))
		vmi_tp_tlb_flush = tp;
	else if (!strcmp(tp->name, "csd_function_entry"))
		vmi_tp_csd_entry = tp;
	else if (!strcmp(tp->name, "csd_function_exit"))
		vmi_tp_csd_exit = tp;
}

/*
 * How the targets' handling time can be measured: the csd tracepoints
 * need tlb_flush to tell flushes from other calls; flush_tlb_func() is
 * the fallback.  Only hooks whose prototypes Kbuild confirmed count.
 */
static enum vmi_tlb_target vmi_tlb_target_best(void)
{
	if (VMI_TLB_HOOK_OK(CSD) && VMI_TLB_HOOK_OK(TLB_FLUSH) &&
	    vmi_tp_csd_entry && vmi_tp_csd_exit)
		return VMI_TARGET_CSD;
	if (VMI_TLB_HOOK_OK(FUNC))
		return VMI_TARGET_FUNC;
	return VMI_TARGET_NONE;
}

/*
 * Hooks for the targets' handling time; without them tracking goes on
 * and the limits say what is missing.
 */
static void vmi_tlb_register_target(void)
{
	enum vmi_tlb_target want = vmi_tlb_target_best();
	unsigned int cpu;
	int ret = -EOPNOTSUPP;

	/*
	 * No call in progress has a start or a flush from an earlier
	 * enable, and the flush function is learnt anew (no hook runs).
	 */
	for_each_possible_cpu(cpu) {
		per_cpu_ptr(vmi_tlb_pc, cpu)->csd_start_ns = 0;
		per_cpu_ptr(vmi_tlb_pc, cpu)->csd_flushed = false;
		per_cpu_ptr(vmi_tlb_pc, cpu)->inflight_info = NULL;
	}
	WRITE_ONCE(vmi_tlb_flush_func, NULL);
	vmi_tlb_target = VMI_TARGET_NONE;
	if (want == VMI_TARGET_CSD) {
		ret = tracepoint_probe_register(vmi_tp_csd_entry,
						vmi_tlb_csd_entry, NULL);
		if (ret)
			goto err_log;
		ret = tracepoint_probe_register(vmi_tp_csd_exit,
						vmi_tlb_csd_exit, NULL);
		if (ret) {
			tracepoint_probe_unregister(vmi_tp_csd_entry,
						    vmi_tlb_csd_entry, NULL);
			goto err_log;
		}
		vmi_tlb_target = VMI_TARGET_CSD;
		goto out;
	}
	if (want != VMI_TARGET_FUNC)
		goto err_log;
	ret = vmi_tlb_fn_on(VMI_FN_FUNC);
	if (ret)
		goto err_log;
	vmi_tlb_target = VMI_TARGET_FUNC;
	goto out;

err_log:
	pr_info("no handling time on the targets (%d)\n", ret);
out:
	vmi_tlb_target_last = vmi_tlb_target;
}

static void vmi_tlb_unregister_target(void)
{
	switch (vmi_tlb_target) {
	case VMI_TARGET_CSD:
		tracepoint_probe_unregister(vmi_tp_csd_exit, vmi_tlb_csd_exit,
					    NULL);
		tracepoint_probe_unregister(vmi_tp_csd_entry, vmi_tlb_csd_entry,
					    NULL);
		break;
	case VMI_TARGET_FUNC:
		vmi_tlb_fn_off(VMI_FN_FUNC);
		break;
	case VMI_TARGET_NONE:
		break;
	}
}

/* The tracepoints, and the hook for target time a first enable tries. */
static void vmi_tlb_find_hooks(void)
{
	for_each_kernel_tracepoint(vmi_tlb_find_tp, NULL);
	vmi_tlb_target_last = vmi_tlb_target_best();
}

static u64 vmi_tlb_probe_missed(void)
{
	unsigned int fn;
	u64 n = 0;

	for (fn = 0; fn < VMI_NR_FN; fn++)
		n += vmi_tlb_fn_missed(fn);
	return n;
}

/*
 * After it returns no handler runs or will run; undoes a partial register.
 * The last wait (tracepoint_synchronize_unregister(): an RCU grace period
 * among others) also covers the fprobe handlers of kernels whose
 * unregister_fprobe() does not wait (fprobe on fgraph before 7.1): they
 * run with preemption off.
 */
static void vmi_tlb_unregister(void)
{
	vmi_tlb_fn_off(VMI_FN_REQUEST);
	vmi_tlb_fn_off(VMI_FN_MULTI);
	vmi_tlb_fn_off(VMI_FN_KERNEL);
	vmi_tlb_unregister_target();
	if (vmi_tp_flush_on)
		tracepoint_probe_unregister(vmi_tp_tlb_flush, vmi_tlb_tp_flush,
					    NULL);
	tracepoint_synchronize_unregister();
	vmi_tlb_target = VMI_TARGET_NONE;
	vmi_tp_flush_on = false;
}

/* Every hook whose prototype Kbuild confirmed; the others stay off. */
static int vmi_tlb_register(void)
{
	int ret;

	if (!vmi_tp_tlb_flush)
		return -ENOENT;
	if (!VMI_TLB_HOOK_OK(TLB_FLUSH) && !VMI_TLB_HOOK_OK(MULTI))
		return -EOPNOTSUPP;

	/* no hook is registered: returns of an earlier enable stop counting */
	WRITE_ONCE(vmi_tlb_gen, vmi_tlb_gen + 1);
	/* and no return address is classed: modules may have come and gone */
	memset(vmi_tlb_addrs, 0, VMI_TLB_ADDRS * sizeof(*vmi_tlb_addrs));
	/*
	 * The targets' hooks first: a call tlb_flush marks as a flush is
	 * then one whose entry they saw.
	 */
	vmi_tlb_register_target();
	if (VMI_TLB_HOOK_OK(TLB_FLUSH)) {
		ret = tracepoint_probe_register(vmi_tp_tlb_flush,
						vmi_tlb_tp_flush, NULL);
		if (ret)
			goto err_unregister;
		vmi_tp_flush_on = true;
	}
	if (VMI_TLB_HOOK_OK(MULTI)) {
		ret = vmi_tlb_fn_on(VMI_FN_MULTI);
		if (ret)
			goto err_unregister;
	}
	if (VMI_TLB_HOOK_OK(KERNEL_RANGE)) {
		ret = vmi_tlb_fn_on(VMI_FN_KERNEL);
		if (ret)
			goto err_unregister;
	}
	if (vmi_tlb_broadcast() && VMI_TLB_HOOK_OK(MM_RANGE)) {
		ret = vmi_tlb_fn_on(VMI_FN_REQUEST);
		if (ret)
			goto err_unregister;
	}
	return 0;

err_unregister:
	vmi_tlb_unregister();
	return ret;
}

/* Call with the mutex: what the hooks in place (or to come) cannot see. */
static u32 vmi_tlb_limits(void)
{
	u32 lim = vmi_tlb_broadcast() ? VMI_TLB_LIM_INVLPGB : 0;

	if (vmi_tlb_target_last == VMI_TARGET_NONE)
		lim |= VMI_TLB_LIM_NO_TARGET;
	if (vmi_tlb_target_last != VMI_TARGET_CSD)
		lim |= VMI_TLB_LIM_NO_KERNEL_TARGET;
	if (VMI_TLB_HOOK_DIFFERS(TLB_FLUSH))
		lim |= VMI_TLB_LIM_PROTO_TLB_FLUSH;
	if (VMI_TLB_HOOK_DIFFERS(CSD))
		lim |= VMI_TLB_LIM_PROTO_CSD;
	if (VMI_TLB_HOOK_DIFFERS(MULTI))
		lim |= VMI_TLB_LIM_PROTO_MULTI;
	if (VMI_TLB_HOOK_DIFFERS(FUNC))
		lim |= VMI_TLB_LIM_PROTO_FUNC;
	if (VMI_TLB_HOOK_DIFFERS(KERNEL_RANGE))
		lim |= VMI_TLB_LIM_PROTO_KERNEL_RANGE;
	if (VMI_TLB_HOOK_DIFFERS(MM_RANGE))
		lim |= VMI_TLB_LIM_PROTO_MM_RANGE;
	return lim;
}

static const char *vmi_tlb_target_name(void)
{
	if (!vmi_tlb_on)
		return "off";
	switch (vmi_tlb_target) {
	case VMI_TARGET_CSD:
		return "csd_tracepoints";
	case VMI_TARGET_FUNC:
		return "flush_tlb_func";
	default:
		return "none";
	}
}

#else  /* !VMI_TLB_SUPPORTED */

bool vmi_tlb_supported(void)
{
	return false;
}

static int vmi_tlb_register(void)
{
	return -EOPNOTSUPP;
}

static void vmi_tlb_unregister(void)
{
}

static u64 vmi_tlb_probe_missed(void)
{
	return 0;
}

static u32 vmi_tlb_limits(void)
{
	return 0;
}

static const char *vmi_tlb_target_name(void)
{
	return "none";
}

static const char *vmi_tlb_probe_kind(void)
{
	return "none";
}

static void vmi_tlb_find_hooks(void)
{
}
#endif /* VMI_TLB_SUPPORTED */

/* The rings: VMI_TLB_RING_LEN records per possible CPU. */
static size_t vmi_tlb_ring_bytes(void)
{
	return array_size(nr_cpu_ids, VMI_TLB_RING_LEN * sizeof(*vmi_tlb_ring));
}

/* The initiator counts: a row of VMI_TLB_SLOTS per possible CPU. */
static size_t vmi_tlb_counts_bytes(void)
{
	return array3_size(nr_cpu_ids, VMI_TLB_SLOTS, sizeof(*vmi_tlb_counts));
}

/*
 * Zero everything; no hook may be registered.  Before the first enable
 * there is nothing to zero: the buffers do not exist yet.
 */
static void vmi_tlb_clear(void)
{
	unsigned int cpu;

	lockdep_assert_held(&vmi_tlb_mutex);
	vmi_tlb_missed = 0;
	vmi_tlb_since_ns = ktime_get_ns();
	if (!vmi_tlb_pc)
		return;
	for_each_possible_cpu(cpu)
		memset(per_cpu_ptr(vmi_tlb_pc, cpu), 0,
		       sizeof(struct vmi_tlb_pcpu));
	memset(vmi_tlb_table, 0, VMI_TLB_SLOTS * sizeof(*vmi_tlb_table));
	memset(vmi_tlb_counts, 0, vmi_tlb_counts_bytes());
	memset(vmi_tlb_sites, 0, VMI_TLB_SITES * sizeof(*vmi_tlb_sites));
	strscpy(vmi_tlb_table[0].comm[0], "(other)", TASK_COMM_LEN);
	vmi_tlb_table[0].flags = VMI_TLB_INIT_OTHER;
	/* named above, under the mutex every reader takes */
	vmi_tlb_table[0].ready = 1;
}

static void vmi_tlb_free(void)
{
	vfree(vmi_tlb_ring);
	vfree(vmi_tlb_table);
	vfree(vmi_tlb_counts);
	vfree(vmi_tlb_addrs);
	vfree(vmi_tlb_sites);
	free_percpu(vmi_tlb_pc);
	vmi_tlb_ring = NULL;
	vmi_tlb_table = NULL;
	vmi_tlb_counts = NULL;
	vmi_tlb_addrs = NULL;
	vmi_tlb_sites = NULL;
	vmi_tlb_pc = NULL;
}

/*
 * The counters, the initiator table, the rings (VMI_TLB_RING_LEN records
 * per possible CPU) and the initiator counts (a row per possible CPU),
 * made by the first enable and kept until unload: a machine that never
 * tracks never pays for them.
 */
static int vmi_tlb_alloc(void)
{
	lockdep_assert_held(&vmi_tlb_mutex);
	if (vmi_tlb_pc)
		return 0;
	vmi_tlb_pc = alloc_percpu(struct vmi_tlb_pcpu);
	vmi_tlb_table = vzalloc(VMI_TLB_SLOTS * sizeof(*vmi_tlb_table));
	vmi_tlb_ring = vzalloc(vmi_tlb_ring_bytes());
	vmi_tlb_counts = vzalloc(vmi_tlb_counts_bytes());
	vmi_tlb_addrs = vzalloc(VMI_TLB_ADDRS * sizeof(*vmi_tlb_addrs));
	vmi_tlb_sites = vzalloc(VMI_TLB_SITES * sizeof(*vmi_tlb_sites));
	if (!vmi_tlb_pc || !vmi_tlb_table || !vmi_tlb_ring || !vmi_tlb_counts ||
	    !vmi_tlb_addrs || !vmi_tlb_sites) {
		vmi_tlb_free();
		pr_warn("no memory for TLB tracking (%zu KiB of rings, %zu KiB of counts)\n",
			vmi_tlb_ring_bytes() >> 10,
			vmi_tlb_counts_bytes() >> 10);
		return -ENOMEM;
	}
	vmi_tlb_clear();
	return 0;
}

/*
 * The u64 at @off in every CPU's struct vmi_tlb_pcpu, summed (0 before
 * the first enable); may race with writers by a count or two.
 */
static u64 vmi_tlb_pcpu_sum(size_t off)
{
	unsigned int cpu;
	u64 n = 0;
	char *pc;

	if (!vmi_tlb_pc)
		return 0;
	for_each_possible_cpu(cpu) {
		pc = (char *)per_cpu_ptr(vmi_tlb_pc, cpu);
		n += READ_ONCE(*(u64 *)(pc + off));
	}
	return n;
}

#define vmi_tlb_sum(field) \
	vmi_tlb_pcpu_sum(offsetof(struct vmi_tlb_pcpu, field))

static void vmi_tlb_state(struct vmi_tlb_ctl_arg *arg)
{
	arg->enabled = vmi_tlb_on;
	arg->limits = vmi_tlb_limits();
	arg->enabled_ns = vmi_tlb_since_ns;
	arg->missed =
		vmi_tlb_missed + (vmi_tlb_on ? vmi_tlb_probe_missed() : 0);
	arg->other_hits = vmi_tlb_sum(other_hits);
}

int vmi_tlb_ctl(u64 flags, struct vmi_tlb_ctl_arg *arg)
{
	bool was_on;
	int ret = 0;

	if (flags & ~VMI_TLB_CTL_FLAGS)
		return -EINVAL;
	if ((flags & VMI_TLB_ENABLE) && (flags & VMI_TLB_DISABLE))
		return -EINVAL;
	if (!vmi_tlb_supported())
		return -EOPNOTSUPP;

	mutex_lock(&vmi_tlb_mutex);
	was_on = vmi_tlb_on;
	if (flags & (VMI_TLB_DISABLE | VMI_TLB_RESET)) {
		if (vmi_tlb_on)
			vmi_tlb_unregister();
		vmi_tlb_on = false;
	}
	if (flags & VMI_TLB_RESET)
		vmi_tlb_clear();
	if ((flags & VMI_TLB_ENABLE) ||
	    (was_on && !(flags & VMI_TLB_DISABLE))) {
		if (!vmi_tlb_on) {
			ret = vmi_tlb_alloc();
			if (!ret)
				ret = vmi_tlb_register();
			vmi_tlb_on = !ret;
		}
		if (!ret && !was_on && !(flags & VMI_TLB_RESET))
			vmi_tlb_since_ns = ktime_get_ns();
	}
	if (arg) {
		vmi_tlb_state(arg);
		arg->ring_drops = vmi_tlb_sum(drops);
	}
	mutex_unlock(&vmi_tlb_mutex);
	return ret;
}

static void vmi_tlb_cpu_read(unsigned int cpu, struct vmi_tlb_cpu *out)
{
	const struct vmi_tlb_pcpu *pc;
	unsigned int i;

	memset(out, 0, sizeof(*out));
	out->cpu = cpu;
	if (!vmi_tlb_pc)
		return; /* never switched on: all zero */
	pc = per_cpu_ptr(vmi_tlb_pc, cpu);
	for (i = 0; i < VMI_TLB_NR_REASONS; i++) {
		out->flushes[i] = READ_ONCE(pc->flushes[i]);
		out->pages[i] = READ_ONCE(pc->pages[i]);
		out->full[i] = READ_ONCE(pc->full[i]);
	}
	out->shootdowns = READ_ONCE(pc->shootdowns);
	out->ipis_sent = READ_ONCE(pc->ipis_sent);
	out->ipis_received = out->flushes[VMI_TLB_REMOTE_SHOOTDOWN];
	out->local = out->flushes[VMI_TLB_LOCAL_SHOOTDOWN] +
		     out->flushes[VMI_TLB_LOCAL_MM];
	out->requests = READ_ONCE(pc->requests);
	for (i = 0; i < VMI_TLB_HIST_BUCKETS; i++) {
		out->wait_hist[i] = READ_ONCE(pc->wait_hist[i]);
		out->handle_hist[i] = READ_ONCE(pc->handle.hist[i]);
	}
	out->handled = READ_ONCE(pc->handle.n);
	out->handle_ns = READ_ONCE(pc->handle.ns);
	out->handle_max_ns = READ_ONCE(pc->handle.max_ns);
	for (i = 0; i < VMI_TLB_NR_CAUSES_ALL; i++)
		out->recv_causes[i] = READ_ONCE(pc->recv_causes[i]);
	/* only ever counted by the initiators */
	out->recv_causes[VMI_TLB_CAUSE_KERNEL] =
		atomic64_read(&pc->recv_kernel);
	for (i = 0; i < VMI_TLB_NR_HIT; i++)
		out->hit[i] = READ_ONCE(pc->hit[i]);
	out->kernel_handled = READ_ONCE(pc->kernel_handle.n);
	out->kernel_handle_ns = READ_ONCE(pc->kernel_handle.ns);
	out->kernel_handle_max_ns = READ_ONCE(pc->kernel_handle.max_ns);
	for (i = 0; i < VMI_TLB_HIST_BUCKETS; i++)
		out->kernel_handle_hist[i] =
			READ_ONCE(pc->kernel_handle.hist[i]);
}

/*
 * How readers name the initiator of a ready slot: its thread and
 * process, and the mm's context id it returns (0 for a kernel thread,
 * whose key is its pid).
 */
static u64 vmi_tlb_slot_ident(const struct vmi_tlb_slot *s, u32 *pid, u32 *tgid)
{
	u64 key = atomic64_read(&s->key);

	*pid = s->pid;
	*tgid = s->tgid;
	return key & BIT_ULL(63) ? 0 : key;
}

/*
 * A named slot with shootdowns, into @out: its name and the sum of its
 * rows; false for any other.  A row a CPU writes meanwhile may be a count
 * ahead of another field of its own.
 */
static bool vmi_tlb_slot_read(unsigned int idx, struct vmi_tlb_initiator *out)
{
	const struct vmi_tlb_slot *s = &vmi_tlb_table[idx];
	const struct vmi_tlb_counts *c;
	unsigned int cpu, i;
	u64 v;

	memset(out, 0, sizeof(*out));
	/* the name is whole once ready is seen */
	if (!smp_load_acquire(&s->ready))
		return false;
	for_each_possible_cpu(cpu) {
		c = &vmi_tlb_counts[cpu * VMI_TLB_SLOTS + idx];
		v = atomic64_read(&c->received);
		if (cpu < VMI_TLB_MAX_TARGETS)
			out->received[cpu] += v;
		else
			out->received_other += v;
		if (!READ_ONCE(c->shootdowns))
			continue;
		out->shootdowns += READ_ONCE(c->shootdowns);
		out->pages += READ_ONCE(c->pages);
		out->full += READ_ONCE(c->full);
		out->freed_tables += READ_ONCE(c->freed_tables);
		out->ipis += READ_ONCE(c->ipis);
		out->wait_ns += READ_ONCE(c->wait_ns);
		v = READ_ONCE(c->wait_max_ns);
		out->wait_max_ns = max(out->wait_max_ns, v);
		for (i = 0; i < VMI_TLB_NR_CAUSES; i++)
			out->causes[i] += READ_ONCE(c->causes[i]);
		for (; i < VMI_TLB_NR_CAUSES_ALL; i++)
			out->causes_ext[i - VMI_TLB_NR_CAUSES] +=
				READ_ONCE(c->causes[i]);
		for (i = 0; i < VMI_TLB_MAX_TARGETS; i++)
			out->targets[i] += READ_ONCE(c->targets[i]);
		out->targets_other += READ_ONCE(c->targets_other);
		for (i = 0; i < VMI_TLB_HIST_BUCKETS; i++)
			out->wait_hist[i] += READ_ONCE(c->wait_hist[i]);
	}
	if (!out->shootdowns)
		return false;
	out->ctx_id = vmi_tlb_slot_ident(s, &out->pid, &out->tgid);
	out->flags = s->flags;
	/* pairs with smp_store_release() in vmi_tlb_slot_rename() */
	memcpy(out->comm, s->comm[smp_load_acquire(&s->name)],
	       sizeof(out->comm));
	out->comm[sizeof(out->comm) - 1] = '\0';
	return true;
}

/* Readers hold the mutex so that a reset never clears under them. */
void vmi_tlb_query_cpu(unsigned int cpu, struct vmi_tlb_cpu *out)
{
	mutex_lock(&vmi_tlb_mutex);
	vmi_tlb_cpu_read(cpu, out);
	mutex_unlock(&vmi_tlb_mutex);
}

int vmi_tlb_query_initiator(u64 *cursor, u32 tgid,
			    struct vmi_tlb_initiator *out)
{
	int found = 0;

	mutex_lock(&vmi_tlb_mutex);
	for (; vmi_tlb_table && *cursor < VMI_TLB_SLOTS && !found;
	     (*cursor)++) {
		if (!vmi_tlb_slot_read(*cursor, out))
			continue;
		found = !tgid || (out->tgid == tgid &&
				  !(out->flags & VMI_TLB_INIT_OTHER));
	}
	mutex_unlock(&vmi_tlb_mutex);
	return found;
}

/*
 * The next named site with flushes from *cursor on, into @out; false at
 * the end.  Its initiator is named by vmi_tlb_slot_ident().
 */
bool vmi_tlb_query_site(u64 *cursor, struct vmi_tlb_site *out)
{
	const struct vmi_tlb_site_slot *site;
	const struct vmi_tlb_slot *s;
	bool found = false;

	mutex_lock(&vmi_tlb_mutex);
	for (; vmi_tlb_sites && *cursor < VMI_TLB_SITES && !found;
	     (*cursor)++) {
		site = &vmi_tlb_sites[*cursor];
		/* pairs with smp_store_release() in vmi_tlb_site_get() */
		if (!smp_load_acquire(&site->ready) ||
		    !atomic64_read(&site->shootdowns))
			continue;
		memset(out, 0, sizeof(*out));
		out->shootdowns = atomic64_read(&site->shootdowns);
		out->ipis = atomic64_read(&site->ipis);
		strscpy(out->function, site->function, sizeof(out->function));
		s = &vmi_tlb_table[site->idx];
		/* a site is claimed after its initiator's slot is ready */
		out->ctx_id = vmi_tlb_slot_ident(s, &out->pid, &out->tgid);
		found = true;
	}
	mutex_unlock(&vmi_tlb_mutex);
	return found;
}

u64 vmi_tlb_capacity(void)
{
	return VMI_TLB_SLOTS - 1;
}

unsigned int vmi_tlb_trace_take(struct vmi_tlb_record *recs, unsigned int max,
				u64 *drops)
{
	struct vmi_tlb_pcpu *pc;
	unsigned long head, tail;
	unsigned int cpu, n = 0;

	mutex_lock(&vmi_tlb_mutex);
	for_each_possible_cpu(cpu) {
		if (!vmi_tlb_pc)
			break;
		pc = per_cpu_ptr(vmi_tlb_pc, cpu);
		/* pairs with the writer's release: records below head are whole */
		head = smp_load_acquire(&pc->head);
		for (tail = pc->tail; tail != head && n < max; tail++)
			recs[n++] =
				vmi_tlb_ring[cpu * VMI_TLB_RING_LEN +
					     (tail & (VMI_TLB_RING_LEN - 1))];
		/* the copies are done before the writer may reuse the slots */
		smp_store_release(&pc->tail, tail);
	}
	*drops = vmi_tlb_sum(drops);
	mutex_unlock(&vmi_tlb_mutex);
	return n;
}

/* ---- /proc/vminspect/tlb ---- */

/* Upper bound (ns) of the log2 bucket holding the q-th per mille. */
static u64 vmi_tlb_quantile(const u64 *hist, u64 max, unsigned int permille)
{
	u64 total = 0, seen = 0, want;
	unsigned int b;

	for (b = 0; b < VMI_TLB_HIST_BUCKETS; b++)
		total += hist[b];
	if (!total)
		return 0;
	want = div_u64(total * permille + 999, 1000);
	for (b = 0; b < VMI_TLB_HIST_BUCKETS; b++) {
		seen += hist[b];
		if (seen >= want)
			break;
	}
	if (b >= 63)
		return max;
	return min(max, (2ULL << b) - 1);
}

static void vmi_tlb_show_hist(struct seq_file *m, const char *key,
			      const u64 *hist)
{
	unsigned int b;

	seq_puts(m, key);
	for (b = 0; b < VMI_TLB_HIST_BUCKETS; b++)
		if (hist[b])
			seq_printf(m, " %llu:%llu", b ? 1ULL << b : 0ULL,
				   hist[b]);
	seq_putc(m, '\n');
}

struct vmi_tlb_top {
	u64 shootdowns;
	u32 idx;
};

static int vmi_tlb_top_cmp(const void *a, const void *b)
{
	const struct vmi_tlb_top *x = a, *y = b;

	if (x->shootdowns != y->shootdowns)
		return x->shootdowns < y->shootdowns ? 1 : -1;
	return x->idx < y->idx ? -1 : 1;
}

/* A reason's or cause's name; "<what><n>" for one without a name. */
static void vmi_tlb_put_name(struct seq_file *m, const char *name,
			     const char *what, unsigned int i)
{
	if (name)
		seq_puts(m, name);
	else
		seq_printf(m, "%s%u", what, i);
}

/* Shootdowns of @in for cause @i, of all VMI_TLB_NR_CAUSES_ALL. */
static u64 vmi_tlb_in_cause(const struct vmi_tlb_initiator *in, unsigned int i)
{
	return i < VMI_TLB_NR_CAUSES ? in->causes[i] :
				       in->causes_ext[i - VMI_TLB_NR_CAUSES];
}

/* " name:count,..." of the nonzero counts in @v, by cause */
static void vmi_tlb_show_causes(struct seq_file *m, const u64 *v)
{
	const char *sep = " ";
	unsigned int i;

	for (i = 0; i < VMI_TLB_NR_CAUSES_ALL; i++) {
		if (!v[i])
			continue;
		seq_puts(m, sep);
		vmi_tlb_put_name(m, vmi_tlb_cause_names[i], "cause", i);
		seq_printf(m, ":%llu", v[i]);
		sep = ",";
	}
}

static void vmi_tlb_show_initiator(struct seq_file *m,
				   const struct vmi_tlb_initiator *in)
{
	u64 causes[VMI_TLB_NR_CAUSES_ALL];
	unsigned int i;
	const char *sep = "";

	seq_printf(m,
		   "initiator pid %u tgid %u comm %s ctx_id %llu shootdowns %llu pages %llu full %llu freed_tables %llu ipis %llu wait_p50_ns %llu wait_p99_ns %llu wait_max_ns %llu causes",
		   in->pid, in->tgid, in->comm, in->ctx_id, in->shootdowns,
		   in->pages, in->full, in->freed_tables, in->ipis,
		   vmi_tlb_quantile(in->wait_hist, in->wait_max_ns, 500),
		   vmi_tlb_quantile(in->wait_hist, in->wait_max_ns, 990),
		   in->wait_max_ns);
	for (i = 0; i < VMI_TLB_NR_CAUSES_ALL; i++)
		causes[i] = vmi_tlb_in_cause(in, i);
	vmi_tlb_show_causes(m, causes);
	seq_puts(m, " targets ");
	for (i = 0; i < VMI_TLB_MAX_TARGETS; i++) {
		if (!in->targets[i])
			continue;
		seq_printf(m, "%s%u:%llu", sep, i, in->targets[i]);
		sep = ",";
	}
	if (in->targets_other)
		seq_printf(m, "%sother:%llu", sep, in->targets_other);
	seq_putc(m, '\n');
}

static int vmi_tlb_show(struct seq_file *m, void *v)
{
	struct vmi_tlb_ctl_arg st = {};
	struct vmi_tlb_initiator *in;
	struct vmi_tlb_top *top;
	struct vmi_tlb_cpu *c;
	u64 hist[VMI_TLB_HIST_BUCKETS] = {};
	u64 hhist[VMI_TLB_HIST_BUCKETS] = {};
	unsigned int cpu, i, n = 0;

	seq_printf(m, "supported %d\n", vmi_tlb_supported());
	if (!vmi_tlb_supported()) {
		seq_puts(m,
			 "reason not supported on this architecture or kernel\n");
		return 0;
	}
	vmi_tlb_ctl(0, &st);
	seq_printf(m, "enabled %u\n", st.enabled);
	seq_puts(m, "limits");
	for (i = 0; i < BITS_PER_TYPE(st.limits); i++) {
		if (!(st.limits & BIT(i)))
			continue;
		if (i < ARRAY_SIZE(vmi_tlb_limit_names) &&
		    vmi_tlb_limit_names[i])
			seq_printf(m, " %s", vmi_tlb_limit_names[i]);
		else if (i < ARRAY_SIZE(vmi_tlb_proto_hooks) &&
			 vmi_tlb_proto_hooks[i])
			seq_printf(m, " prototype_differs:%s",
				   vmi_tlb_proto_hooks[i]);
	}
	seq_putc(m, '\n');
	seq_printf(m, "missed %llu\nring_drops %llu\nother_hits %llu\n",
		   st.missed, st.ring_drops, st.other_hits);
	mutex_lock(&vmi_tlb_mutex);
	seq_printf(m, "target_time %s\n", vmi_tlb_target_name());
	mutex_unlock(&vmi_tlb_mutex);
	seq_printf(m, "probes %s\n", vmi_tlb_probe_kind());

	c = kmalloc(sizeof(*c), GFP_KERNEL);
	in = kmalloc(sizeof(*in), GFP_KERNEL);
	top = kmalloc_array(VMI_TLB_SLOTS, sizeof(*top), GFP_KERNEL);
	if (!c || !in || !top)
		goto out_free;
	mutex_lock(&vmi_tlb_mutex);
	for_each_possible_cpu(cpu) {
		vmi_tlb_cpu_read(cpu, c);
		seq_printf(m,
			   "cpu %u ipis_sent %llu ipis_received %llu local %llu pages %llu shootdowns %llu requests %llu",
			   cpu, c->ipis_sent, c->ipis_received, c->local,
			   c->pages[VMI_TLB_REMOTE_SHOOTDOWN] +
				   c->pages[VMI_TLB_LOCAL_SHOOTDOWN] +
				   c->pages[VMI_TLB_LOCAL_MM],
			   c->shootdowns, c->requests);
		for (i = 0; i < VMI_TLB_NR_REASONS; i++) {
			seq_putc(m, ' ');
			vmi_tlb_put_name(m, vmi_tlb_reason_names[i], "reason",
					 i);
			seq_printf(m, " %llu", c->flushes[i]);
		}
		seq_printf(m,
			   " handled %llu handle_p50_ns %llu handle_p99_ns %llu handle_max_ns %llu\n",
			   c->handled,
			   vmi_tlb_quantile(c->handle_hist, c->handle_max_ns,
					    500),
			   vmi_tlb_quantile(c->handle_hist, c->handle_max_ns,
					    990),
			   c->handle_max_ns);
		for (i = 0; i < VMI_TLB_HIST_BUCKETS; i++) {
			hist[i] += c->wait_hist[i];
			hhist[i] += c->handle_hist[i];
		}
	}
	/* what each CPU's handled shootdowns hit, and their causes */
	for_each_possible_cpu(cpu) {
		vmi_tlb_cpu_read(cpu, c);
		seq_printf(m, "received cpu %u", cpu);
		for (i = 0; i < VMI_TLB_NR_HIT; i++)
			if (vmi_tlb_hit_names[i])
				seq_printf(m, " %s %llu", vmi_tlb_hit_names[i],
					   c->hit[i]);
		seq_puts(m, " causes");
		vmi_tlb_show_causes(m, c->recv_causes);
		seq_putc(m, '\n');
	}
	vmi_tlb_show_hist(m, "wait_hist_ns", hist);
	vmi_tlb_show_hist(m, "handle_hist_ns", hhist);

	for (i = 0; vmi_tlb_table && i < VMI_TLB_SLOTS; i++) {
		if (vmi_tlb_slot_read(i, in)) {
			top[n].shootdowns = in->shootdowns;
			top[n++].idx = i;
		}
	}
	sort(top, n, sizeof(*top), vmi_tlb_top_cmp, NULL);
	seq_printf(m, "initiators %u\n", n);
	for (i = 0; i < n && i < VMI_TLB_TOP; i++) {
		vmi_tlb_slot_read(top[i].idx, in);
		vmi_tlb_show_initiator(m, in);
	}
	mutex_unlock(&vmi_tlb_mutex);
out_free:
	kfree(top);
	kfree(in);
	kfree(c);
	return 0;
}

static int vmi_tlb_open(struct inode *inode, struct file *file)
{
	if (!file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN))
		return -EPERM;
	return single_open(file, vmi_tlb_show, NULL);
}

/* "on", "off" or "reset" (one word, an optional newline) */
static ssize_t vmi_tlb_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	char buf[16];
	u64 flags;
	int ret;

	if (!file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN))
		return -EPERM;
	if (!count || count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	strim(buf);
	if (!strcmp(buf, "on"))
		flags = VMI_TLB_ENABLE;
	else if (!strcmp(buf, "off"))
		flags = VMI_TLB_DISABLE;
	else if (!strcmp(buf, "reset"))
		flags = VMI_TLB_RESET;
	else
		return -EINVAL;
	ret = vmi_tlb_ctl(flags, NULL);
	return ret ? ret : count;
}

static const struct proc_ops vmi_tlb_proc_ops = {
	.proc_open = vmi_tlb_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
	.proc_write = vmi_tlb_write,
};

int vmi_tlb_init(struct proc_dir_entry *dir)
{
	int ret;

	mutex_lock(&vmi_tlb_mutex);
	vmi_tlb_clear();
	if (vmi_tlb_supported())
		vmi_tlb_find_hooks();
	mutex_unlock(&vmi_tlb_mutex);
	if (!proc_create("tlb", 0600, dir, &vmi_tlb_proc_ops))
		return -ENOMEM;
	if (tlb_track && vmi_tlb_supported()) {
		ret = vmi_tlb_ctl(VMI_TLB_ENABLE, NULL);
		if (ret)
			pr_warn("tlb_track: cannot enable tracking (%d)\n",
				ret);
	}
	return 0;
}

void vmi_tlb_exit(void)
{
	mutex_lock(&vmi_tlb_mutex);
	if (vmi_tlb_on)
		vmi_tlb_unregister();
	vmi_tlb_on = false;
	vmi_tlb_free();
	mutex_unlock(&vmi_tlb_mutex);
}
