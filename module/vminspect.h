/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vminspect.h - internal interfaces between the module's parts.
 *
 * Queries fill plain structs (the ABI structs where one exists); the
 * front doors (/proc text files and the ioctl file) only render or copy.
 */
#ifndef _VMI_VMINSPECT_H
#define _VMI_VMINSPECT_H

#include <linux/log2.h>
#include <linux/pgtable.h>
#include <linux/types.h>
#include <linux/vminspect.h>

/* VMI_MODULE_VERSION: the top-level file VERSION, defined by Kbuild */

/*
 * The entries of the name lists of <linux/vminspect.h>, as designated
 * initializers: a value's name at its value, a flag's at its bit number.
 */
/* clang-format off */
#define VMI_VAL_NAME(val, name) \
	[val] = name,
/* clang-format on */
#define VMI_BIT_NAME(mask, name) VMI_VAL_NAME(ilog2(mask), name)

struct file;
struct mm_struct;
struct proc_dir_entry;
struct vm_area_struct;

/* What the opener of a file may see, decided once from its credentials. */
struct vmi_caller {
	bool pfn;      /* physical frame numbers */
	bool other_mm; /* processes other than its own */
};

void vmi_caller_init(struct vmi_caller *caller, const struct file *file);

/* mm.c: the address space of a process, if the caller may see it */
struct mm_struct *vmi_get_mm(u32 pid, const struct vmi_caller *caller);
int vmi_check_range(u64 start, u64 end);

/* One leaf entry (or a hole) as the walker found it. */
struct vmi_leaf {
	unsigned long start;
	unsigned long end;
	u64 pfn;
	u64 eflags; /* VMI_EF_* */
	u64 swap_offset;
	u32 swap_type;
	u32 kind;  /* VMI_KIND_* */
	u32 level; /* VMI_LEVEL_* */
	u32 page_shift;
	u32 attrs; /* VMI_EA_* */
};

struct vmi_walk;

/*
 * Consumer callbacks return VMI_WALK_CONTINUE, VMI_WALK_STOP or -errno;
 * ->ptes() may also return VMI_WALK_YIELD.
 */
#define VMI_WALK_CONTINUE 0
#define VMI_WALK_STOP	  1
/* Why a step ended early: the walker's own reason to drop the lock. */
#define VMI_WALK_YIELD 2

/*
 * Entries a bulk consumer (ops->ptes) reads between two looks for a task
 * waiting for mmap_lock: a writer waits for 64 entries at most.
 */
#define VMI_PTES_SLICE 64

struct vmi_walk_ops {
	int (*leaf)(struct vmi_walk *w, const struct vmi_leaf *leaf);
	/* optional: a VMA is entered (called again after a lock drop) */
	int (*vma)(struct vmi_walk *w, struct vm_area_struct *vma);
	/* optional: a table of @level is used for @addr; @pfn is its frame */
	int (*table)(struct vmi_walk *w, unsigned int level, unsigned long addr,
		     unsigned long pfn);
	/*
	 * optional: [addr, end) of one PTE table, whole, instead of one
	 * ->leaf() call per entry; called under rcu_read_lock(), reads each
	 * entry once with ptep_get() (vmi_decode_pte() decodes it as ->leaf()
	 * would see it); after every VMI_PTES_SLICE entries returns
	 * VMI_WALK_YIELD if vmi_walk_lock_wanted(); sets w->addr where it
	 * stopped, or to @end
	 */
	int (*ptes)(struct vmi_walk *w, pte_t *table, unsigned long addr,
		    unsigned long end);
};

struct vmi_walk {
	/* set by the consumer */
	struct mm_struct *mm;
	const struct vmi_caller *caller;
	const struct vmi_walk_ops *ops;
	void *priv;
	bool holes; /* report holes inside VMAs */
	/* walker state */
	unsigned long addr;	    /* where the walk is (or stopped) */
	struct vm_area_struct *vma; /* valid only inside callbacks */
	/*
	 * What w->vma was when the walk met it: a VMA found again after the
	 * lock was dropped is the same one only if all of these agree (its
	 * struct may have been freed and handed out again meanwhile)
	 */
	unsigned long vma_start;
	unsigned long vma_end;
	unsigned long vma_pgoff;
	vm_flags_t vma_flags;
	struct file *vma_file;
	u32 vma_attrs;
	bool hide_pfn; /* the caller may not see frames */
	/*
	 * set by a consumer that looks at the pages behind the frames but
	 * never reports a frame: it gets them whoever the caller is
	 */
	bool keep_pfn;
	bool vma_locked; /* the walk holds w->vma's lock, not mmap_lock */
	/* inside a PMD's RCU section: see vmi_pfn_online_cached() */
	unsigned long pfn_section;
	unsigned int work;
	u64 deadline;
	/* results */
	u64 max_lock_ns;
	u64 lock_drops;
};

/* walk.c */
int vmi_walk(struct vmi_walk *w, unsigned long start, unsigned long end);
bool vmi_walk_lock_wanted(struct vmi_walk *w);

/* query.c: the hot consumers, called directly rather than through ops */
int vmi_extents_leaf(struct vmi_walk *w, const struct vmi_leaf *leaf);
int vmi_pages_leaf(struct vmi_walk *w, const struct vmi_leaf *leaf);
int vmi_maps_leaf(struct vmi_walk *w, const struct vmi_leaf *leaf);
int vmi_huge_leaf(struct vmi_walk *w, const struct vmi_leaf *leaf);

/*
 * query.c: a consumer's staging area: one record still growing (merging
 * leaves, or adding up a VMA) and a batch of finished ones that wait for
 * the lock to be dropped.  Records start with their __u64 start address.
 */
#define VMI_BATCH_BYTES 8192

struct vmi_stage {
	void *pending;
	void *buf;
	size_t rec_size;
	unsigned int nbuf;
	unsigned int max; /* records in buf */
	u64 room;	  /* records the sink still takes */
	bool have_pending;
	bool full; /* the sink took all it could */
	/* optional: the pending record is final and goes to the batch */
	void (*seal)(struct vmi_stage *st);
};

int vmi_stage_init(struct vmi_stage *st, void *pending, size_t rec_size,
		   unsigned int max, u64 room);
bool vmi_stage_push(struct vmi_stage *st);
int vmi_stage_run(struct vmi_stage *st, struct vmi_walk *w, unsigned long start,
		  unsigned long end,
		  int (*put)(void *ctx, const void *recs, unsigned int n),
		  void *ctx, u64 *nr_out, u64 *walk_end);
void vmi_vma_name(struct vm_area_struct *vma, char *name, char *path);

/* decode.c, decode.h: architecture entry formats */
#define VMI_PAGE_THP  BIT(0)
#define VMI_PAGE_ONCE BIT(1)

u64 vmi_entry_strip_pfn(u64 entry);
u32 vmi_vma_flags(struct vm_area_struct *vma);

/* walk.c: the path of one address through the tables, top down */
u32 vmi_walk_path(struct vm_area_struct *vma, unsigned long va,
		  struct vmi_level *levels, const struct vmi_caller *caller);

/* query.c: the page-table queries behind both front doors */
struct vmi_walk_query {
	/* in */
	u32 pid;
	u64 flags; /* VMI_WALK_* */
	u64 start;
	u64 end;
	u64 max_out; /* records the sink takes at most */
	/*
	 * receives finished records (struct vmi_extent, or struct vmi_page
	 * with VMI_WALK_PAGES), no lock held; 0 or -errno
	 */
	int (*put)(struct vmi_walk_query *q, const void *recs, size_t rec_size,
		   unsigned int n);
	void *ctx;
	/* out */
	u64 nr_out;
	u64 walk_end;
	u64 max_lock_ns;
	u64 lock_drops;
};

struct vmi_maps_query {
	u32 pid;
	u64 flags;
	u64 start;
	u64 end;
	u64 max_out;
	int (*put)(struct vmi_maps_query *q, const struct vmi_vma *v,
		   unsigned int n);
	void *ctx;
	u64 nr_out;
	u64 walk_end;
	u64 max_lock_ns;
};

int vmi_query_walk(struct vmi_walk_query *q, const struct vmi_caller *caller);
int vmi_query_maps(struct vmi_maps_query *q, const struct vmi_caller *caller);
int vmi_query_translate(struct vmi_translate_arg *arg,
			const struct vmi_caller *caller);
int vmi_query_pgtables(struct vmi_pgtables_arg *arg,
		       const struct vmi_caller *caller,
		       int (*put)(void *ctx, const void *recs, unsigned int n),
		       void *ctx);

/* huge.c: huge-page use of a process */
struct vmi_huge_query {
	u32 pid;
	u64 flags;
	u64 start;
	u64 end;
	u64 max_out; /* records the sink takes; 0: the totals alone */
	/* receives finished records, no lock held; 0 or -errno */
	int (*put)(struct vmi_huge_query *q, const struct vmi_huge_vma *v,
		   unsigned int n);
	void *ctx;
	/* out */
	u32 mm_flags;
	u64 nr_out;
	u64 walk_end;
	u64 max_lock_ns;
	struct vmi_huge_bytes total;
};

int vmi_query_huge(struct vmi_huge_query *q, const struct vmi_caller *caller);
u32 vmi_huge_vma_hflags(struct vm_area_struct *vma);
u32 vmi_huge_mm_flags(struct mm_struct *mm);

/* huge_blocks.c: the facts of every 2 MiB block of a range */
struct vmi_huge_blocks_query {
	u32 pid;
	u64 flags; /* VMI_HUGE_BLOCKS_* */
	u64 start;
	u64 end;
	u64 max_out; /* records the sink takes */
	/* receives finished records, no lock held; 0 or -errno */
	int (*put)(struct vmi_huge_blocks_query *q,
		   const struct vmi_huge_block *b, unsigned int n);
	void *ctx;
	/* out */
	u32 mm_flags;
	u32 kflags; /* VMI_HBK_* */
	u64 nr_out;
	u64 next;
	u64 max_lock_ns;
};

int vmi_query_huge_blocks(struct vmi_huge_blocks_query *q,
			  const struct vmi_caller *caller);

/* query_file.c: /proc/vminspect/query, the text front door */
int vmi_query_file_init(struct proc_dir_entry *dir);

/* info.c: module, ABI and machine facts */
void vmi_query_info(struct vmi_info *info, const struct vmi_caller *caller);
const char *vmi_feature_name(unsigned int bit);

/* status.c: /proc/vminspect/status */
int vmi_status_init(struct proc_dir_entry *dir);

/* ctl.c: /proc/vminspect/ctl, the ioctl front door */
int vmi_ctl_init(struct proc_dir_entry *dir);

/* tlb.c: TLB shootdown tracking, off unless switched on */
int vmi_tlb_init(struct proc_dir_entry *dir);
void vmi_tlb_exit(void);
bool vmi_tlb_supported(void);
int vmi_tlb_ctl(u64 flags, struct vmi_tlb_ctl_arg *arg);
void vmi_tlb_query_cpu(unsigned int cpu, struct vmi_tlb_cpu *out);
/* the next entry from *cursor on (of tgid, unless 0): 1, or 0 when done */
int vmi_tlb_query_initiator(u64 *cursor, u32 tgid,
			    struct vmi_tlb_initiator *out);
u64 vmi_tlb_capacity(void);
bool vmi_tlb_query_site(u64 *cursor, struct vmi_tlb_site *out);
/* take up to @max records from the trace ring */
unsigned int vmi_tlb_trace_take(struct vmi_tlb_record *recs, unsigned int max,
				u64 *drops);

/* tlb_ioctl.c: the TLB commands of /proc/vminspect/ctl */
long vmi_tlb_ioctl(struct file *file, unsigned int cmd, void __user *uarg);

/* ctl.c: helpers for every command's argument */
int vmi_arg_in(void *karg, size_t ksize, size_t minsize,
	       const void __user *uarg, size_t *usize);
int vmi_arg_out(void __user *uarg, void *karg, size_t ksize, size_t usize);
int vmi_put_records(u64 vec, u64 index, u64 usize, const void *recs,
		    size_t ksize, unsigned int n);
int vmi_check_vec(u64 vec, u64 len, u64 esize, u64 minsize);

#endif /* _VMI_VMINSPECT_H */
