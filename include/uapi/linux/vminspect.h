/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vminspect - user ABI of the vminspect kernel module.
 *
 * The module creates /proc/vminspect/. Binary queries are ioctls on
 * /proc/vminspect/ctl (mode 0444: every user may open it read-only; each
 * command checks the caller's privileges itself).
 *
 * Conventions, shared by every command:
 *  - the argument is a struct whose first member is "size": the caller sets
 *    it to sizeof() of the struct it was compiled with.  The kernel accepts
 *    any size >= the command's *_SIZE_VER0; a larger size is accepted when
 *    every byte the kernel does not know is zero (else E2BIG), as with
 *    copy_struct_from_user().  On return "size" holds the number of bytes the
 *    kernel wrote back (the smaller of the two sizes).
 *  - commands are matched on _IOC_TYPE and _IOC_NR only; the size encoded
 *    in the command number is ignored so that the struct can grow.
 *  - unknown commands fail with ENOTTY, unknown flags with EINVAL.
 *  - all fields are fixed-width and naturally aligned; there is no implicit
 *    padding.  Strings are NUL-terminated and NUL-padded.
 *  - "in" fields are read by the kernel, "out" fields are written by it;
 *    out fields are zeroed before they are filled.
 */
#ifndef _UAPI_LINUX_VMINSPECT_H
#define _UAPI_LINUX_VMINSPECT_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Bumped when an incompatible change is made; additions keep it. */
#define VMI_ABI_VERSION 3

#define VMI_PROC_DIR	"/proc/vminspect"
#define VMI_CTL_PATH	"/proc/vminspect/ctl"
#define VMI_STATUS_PATH "/proc/vminspect/status"

#define VMI_IOC_MAGIC 0xB9 /* free in ioctl-number.rst (6.12) */

/* struct vmi_info.features: what this build of the module can do. */
#define VMI_FEAT_STATUS (1ULL << 0) /* status file and GET_INFO */
#define VMI_FEAT_WALK	(1ULL << 1) /* page-table walker */
#define VMI_FEAT_HUGE	(1ULL << 2) /* huge-page accounting */
#define VMI_FEAT_TLB	(1ULL << 3) /* TLB shootdown tracking */

/*
 * Name lists: the values and flags that the /proc/vminspect files, the
 * library and the CLI print by name have their names in one list per
 * group, next to their definitions, in value order.  An entry is
 *   VMI_VAL_NAME(value, "name")	for a numbered value,
 *   VMI_BIT_NAME(mask, "name")		for a one-bit flag.
 * A name is lowercase snake_case, spelled the same in the /proc/vminspect
 * text files, the CLI's text and its JSON.
 * A list is a braced initializer: define the macros its entries use, then
 * write "static const char *const names[] = VMI_KIND_NAMES;".
 */
#define VMI_FEAT_NAMES                                  \
	{                                               \
		VMI_BIT_NAME(VMI_FEAT_STATUS, "status") \
		VMI_BIT_NAME(VMI_FEAT_WALK, "walk")     \
		VMI_BIT_NAME(VMI_FEAT_HUGE, "huge")     \
		VMI_BIT_NAME(VMI_FEAT_TLB, "tlb")       \
	}

/* struct vmi_info.caps: what the calling process may see. */
#define VMI_CAP_PFN	 (1U << 0) /* physical frame numbers */
#define VMI_CAP_OTHER_MM (1U << 1) /* processes other than its own */

#define VMI_STR_LEN 64

/**
 * struct vmi_info - VMI_IOC_GET_INFO: module, ABI and machine facts
 * @size:		in: sizeof(struct vmi_info); out: bytes written
 * @flags:		in: must be zero
 * @abi_version:	out: VMI_ABI_VERSION of the module
 * @pgtable_levels:	out: page-table levels in use (4 or 5 on x86_64)
 * @page_sizes:		out: supported page sizes, bit n set for 2^n bytes
 * @features:		out: VMI_FEAT_* compiled into the module
 * @caps:		out: VMI_CAP_* granted to the caller
 * @nr_cpus:		out: possible CPUs
 * @page_shift:		out: base page shift (12 on x86_64)
 * @reserved:		out: zero
 * @module_version:	out: module version string
 * @kernel_release:	out: utsname release of the running kernel
 * @arch:		out: machine name (utsname machine)
 */
struct vmi_info {
	__u64 size;
	__u64 flags;
	__u32 abi_version;
	__u32 pgtable_levels;
	__u64 page_sizes;
	__u64 features;
	__u32 caps;
	__u32 nr_cpus;
	__u32 page_shift;
	__u32 reserved;
	char module_version[VMI_STR_LEN];
	char kernel_release[VMI_STR_LEN];
	char arch[VMI_STR_LEN];
};

#define VMI_INFO_SIZE_VER0 248 /* sizeof first published struct */

#define VMI_IOC_GET_INFO _IOWR(VMI_IOC_MAGIC, 0x00, struct vmi_info)

/* ---------------------------------------------------------------------- */
/* Page tables */

/* Leaf levels: where the entry that maps (or would map) the page sits. */
#define VMI_LEVEL_PTE 1
#define VMI_LEVEL_PMD 2
#define VMI_LEVEL_PUD 3
#define VMI_LEVEL_P4D 4
#define VMI_LEVEL_PGD 5

#define VMI_LEVEL_NAMES                            \
	{                                          \
		VMI_VAL_NAME(VMI_LEVEL_PTE, "pte") \
		VMI_VAL_NAME(VMI_LEVEL_PMD, "pmd") \
		VMI_VAL_NAME(VMI_LEVEL_PUD, "pud") \
		VMI_VAL_NAME(VMI_LEVEL_P4D, "p4d") \
		VMI_VAL_NAME(VMI_LEVEL_PGD, "pgd") \
	}

/* What an entry holds. */
#define VMI_KIND_NONE	   0 /* hole: nothing mapped (only with VMI_WALK_HOLES) */
#define VMI_KIND_PRESENT   1 /* a frame is mapped */
#define VMI_KIND_SWAP	   2 /* swapped out: swap_type/swap_offset */
#define VMI_KIND_MIGRATION 3 /* under migration */
#define VMI_KIND_HWPOISON  4 /* memory failure */
#define VMI_KIND_MARKER	   5 /* pte marker (uffd-wp, guard, poison) */
#define VMI_KIND_DEVICE	   6 /* device-private / device-exclusive */
#define VMI_KIND_OTHER	   7 /* a non-present entry of another kind */

#define VMI_KIND_NAMES                                        \
	{                                                     \
		VMI_VAL_NAME(VMI_KIND_NONE, "none")           \
		VMI_VAL_NAME(VMI_KIND_PRESENT, "present")     \
		VMI_VAL_NAME(VMI_KIND_SWAP, "swap")           \
		VMI_VAL_NAME(VMI_KIND_MIGRATION, "migration") \
		VMI_VAL_NAME(VMI_KIND_HWPOISON, "hwpoison")   \
		VMI_VAL_NAME(VMI_KIND_MARKER, "marker")       \
		VMI_VAL_NAME(VMI_KIND_DEVICE, "device")       \
		VMI_VAL_NAME(VMI_KIND_OTHER, "other")         \
	}

/* Decoded entry flags (struct vmi_extent.eflags). */
#define VMI_EF_PRESENT	  (1ULL << 0)
#define VMI_EF_WRITE	  (1ULL << 1)
#define VMI_EF_USER	  (1ULL << 2)
#define VMI_EF_ACCESSED	  (1ULL << 3)
#define VMI_EF_DIRTY	  (1ULL << 4)
#define VMI_EF_NX	  (1ULL << 5)
#define VMI_EF_GLOBAL	  (1ULL << 6)
#define VMI_EF_PWT	  (1ULL << 7) /* cache mode bits, as in the entry */
#define VMI_EF_PCD	  (1ULL << 8)
#define VMI_EF_PAT	  (1ULL << 9)
#define VMI_EF_SOFT_DIRTY (1ULL << 10)
#define VMI_EF_UFFD_WP	  (1ULL << 11)
#define VMI_EF_PROTNONE	  (1ULL << 12) /* PROT_NONE or NUMA hinting */
#define VMI_EF_SPECIAL	  (1ULL << 13)
/* swap entry: exclusive to this process; present small page: mapped once */
#define VMI_EF_EXCLUSIVE (1ULL << 14)
#define VMI_EF_DEVMAP	 (1ULL << 15)
#define VMI_EF_HUGE	 (1ULL << 16) /* PSE: leaf above the PTE level */

#define VMI_EF_NAMES                                          \
	{                                                     \
		VMI_BIT_NAME(VMI_EF_PRESENT, "present")       \
		VMI_BIT_NAME(VMI_EF_WRITE, "write")           \
		VMI_BIT_NAME(VMI_EF_USER, "user")             \
		VMI_BIT_NAME(VMI_EF_ACCESSED, "accessed")     \
		VMI_BIT_NAME(VMI_EF_DIRTY, "dirty")           \
		VMI_BIT_NAME(VMI_EF_NX, "nx")                 \
		VMI_BIT_NAME(VMI_EF_GLOBAL, "global")         \
		VMI_BIT_NAME(VMI_EF_PWT, "pwt")               \
		VMI_BIT_NAME(VMI_EF_PCD, "pcd")               \
		VMI_BIT_NAME(VMI_EF_PAT, "pat")               \
		VMI_BIT_NAME(VMI_EF_SOFT_DIRTY, "soft_dirty") \
		VMI_BIT_NAME(VMI_EF_UFFD_WP, "uffd_wp")       \
		VMI_BIT_NAME(VMI_EF_PROTNONE, "protnone")     \
		VMI_BIT_NAME(VMI_EF_SPECIAL, "special")       \
		VMI_BIT_NAME(VMI_EF_EXCLUSIVE, "exclusive")   \
		VMI_BIT_NAME(VMI_EF_DEVMAP, "devmap")         \
		VMI_BIT_NAME(VMI_EF_HUGE, "huge")             \
	}

/* Attributes of the mapping (struct vmi_extent.attrs). */
#define VMI_EA_THP	  (1U << 0) /* part of a transparent huge page */
#define VMI_EA_HUGETLB	  (1U << 1) /* in a hugetlbfs mapping */
#define VMI_EA_ANON	  (1U << 2) /* anonymous VMA */
#define VMI_EA_FILE	  (1U << 3) /* file-backed VMA */
#define VMI_EA_SHARED	  (1U << 4) /* VM_SHARED */
#define VMI_EA_PFN_HIDDEN (1U << 5) /* pfn withheld from this caller */

#define VMI_EA_NAMES                                          \
	{                                                     \
		VMI_BIT_NAME(VMI_EA_THP, "thp")               \
		VMI_BIT_NAME(VMI_EA_HUGETLB, "hugetlb")       \
		VMI_BIT_NAME(VMI_EA_ANON, "anon")             \
		VMI_BIT_NAME(VMI_EA_FILE, "file")             \
		VMI_BIT_NAME(VMI_EA_SHARED, "shared")         \
		VMI_BIT_NAME(VMI_EA_PFN_HIDDEN, "pfn_hidden") \
	}

/**
 * struct vmi_extent - a run of pages with the same attributes
 * @start:	first byte
 * @end:	one past the last byte; never crosses a VMA
 * @pfn:	frame of @start (runs are physically contiguous); 0 when
 *		hidden (VMI_EA_PFN_HIDDEN) or not present
 * @eflags:	VMI_EF_* of the entries
 * @swap_offset: for VMI_KIND_SWAP, the swap offset of @start; 0 when
 *		hidden (VMI_EA_PFN_HIDDEN: the caller lacks CAP_SYS_ADMIN)
 * @swap_type:	for VMI_KIND_SWAP, the swap area; 0 when hidden
 * @kind:	VMI_KIND_*
 * @level:	VMI_LEVEL_* of the leaf entries
 * @page_shift:	log2 of the page size the entries map (12, 21, 30)
 * @attrs:	VMI_EA_*
 * @reserved:	zero
 */
struct vmi_extent {
	__u64 start;
	__u64 end;
	__u64 pfn;
	__u64 eflags;
	__u64 swap_offset;
	__u32 swap_type;
	__u32 kind;
	__u32 level;
	__u32 page_shift;
	__u32 attrs;
	__u32 reserved;
};

#define VMI_EXTENT_SIZE_VER0 64

/* struct vmi_walk_arg.flags */
#define VMI_WALK_PER_PAGE (1ULL << 0) /* one record per page, no merging */
#define VMI_WALK_HOLES	  (1ULL << 1) /* report unmapped ranges in VMAs */
/* one struct vmi_page per 4 KiB page, holes included (pagemap's shape) */
#define VMI_WALK_PAGES (1ULL << 2)
#define VMI_WALK_FLAGS (VMI_WALK_PER_PAGE | VMI_WALK_HOLES | VMI_WALK_PAGES)

/**
 * struct vmi_page - one 4 KiB page, as VMI_WALK_PAGES reports it
 * @frame:	the frame of this 4 KiB page (also inside a huge page); for
 *		VMI_KIND_SWAP the swap type in bits 0-4 and the offset above
 *		them, as pagemap has it; 0 when nothing is mapped or the frame
 *		or slot is hidden from the caller
 * @eflags:	VMI_EF_* of the entry mapping it (all defined flags fit)
 * @kind:	VMI_KIND_* (VMI_KIND_NONE and all zero: nothing mapped)
 * @level:	VMI_LEVEL_* of that entry
 * @page_shift:	log2 of the size of the page it belongs to (12, 21, 30)
 * @attrs:	VMI_EA_* (all defined attributes fit)
 */
struct vmi_page {
	__u64 frame;
	__u32 eflags;
	__u8 kind;
	__u8 level;
	__u8 page_shift;
	__u8 attrs;
};

#define VMI_PAGE_SIZE_VER0 16

/**
 * struct vmi_walk_arg - VMI_IOC_WALK: the leaf entries over a range
 * @size:	in: sizeof(struct vmi_walk_arg)
 * @flags:	in: VMI_WALK_*
 * @pid:	in: process (thread group) id; 0 means the caller
 * @reserved:	in: zero
 * @start:	in: first address, page aligned
 * @end:	in: end address, page aligned, > @start
 * @vec:	in: user pointer to an array of struct vmi_extent (of struct
 *		vmi_page with VMI_WALK_PAGES)
 * @vec_len:	in: number of elements in @vec (at most VMI_WALK_MAX_VEC)
 * @extent_size: in: sizeof(struct vmi_extent), or of struct vmi_page with
 *		VMI_WALK_PAGES, as the caller knows it
 * @nr_extents:	out: elements written to @vec
 * @walk_end:	out: the walk covered [@start, @walk_end); when it is below
 *		@end, @vec was full: call again with @start = @walk_end
 * @max_lock_ns: out: longest hold of this call, nanoseconds, of a lock the
 *		target's writers wait for: mmap_lock, or the read lock
 *		of the one VMA walked (see VMI_IOC_WALK in vminspect(4))
 * @lock_drops:	out: times the lock was dropped and retaken
 */
struct vmi_walk_arg {
	__u64 size;
	__u64 flags;
	__u32 pid;
	__u32 reserved;
	__u64 start;
	__u64 end;
	__u64 vec;
	__u64 vec_len;
	__u64 extent_size;
	__u64 nr_extents;
	__u64 walk_end;
	__u64 max_lock_ns;
	__u64 lock_drops;
};

#define VMI_WALK_SIZE_VER0 96
#define VMI_WALK_MAX_VEC   (1ULL << 20)

/**
 * struct vmi_level - one level of a translation
 * @entry:	raw entry read at this level; unless the caller may see
 *		PFNs, without its frame (present and PROT_NONE entries) or
 *		its swap type and offset (bits 9-63 of other entries)
 * @table_pa:	physical address of the table it was read from (0 unless
 *		the caller may see PFNs)
 * @index:	index of the entry in its table
 * @level:	VMI_LEVEL_*
 */
struct vmi_level {
	__u64 entry;
	__u64 table_pa;
	__u32 index;
	__u32 level;
};

/* struct vmi_translate_arg.vma_flags */
#define VMI_VMA_READ	   (1U << 0)
#define VMI_VMA_WRITE	   (1U << 1)
#define VMI_VMA_EXEC	   (1U << 2)
#define VMI_VMA_SHARED	   (1U << 3)
#define VMI_VMA_HUGEPAGE   (1U << 4) /* MADV_HUGEPAGE */
#define VMI_VMA_NOHUGEPAGE (1U << 5) /* MADV_NOHUGEPAGE */
#define VMI_VMA_HUGETLB	   (1U << 6)
#define VMI_VMA_ANON	   (1U << 7)
#define VMI_VMA_FILE	   (1U << 8)

#define VMI_VMA_NAMES                                          \
	{                                                      \
		VMI_BIT_NAME(VMI_VMA_READ, "read")             \
		VMI_BIT_NAME(VMI_VMA_WRITE, "write")           \
		VMI_BIT_NAME(VMI_VMA_EXEC, "exec")             \
		VMI_BIT_NAME(VMI_VMA_SHARED, "shared")         \
		VMI_BIT_NAME(VMI_VMA_HUGEPAGE, "hugepage")     \
		VMI_BIT_NAME(VMI_VMA_NOHUGEPAGE, "nohugepage") \
		VMI_BIT_NAME(VMI_VMA_HUGETLB, "hugetlb")       \
		VMI_BIT_NAME(VMI_VMA_ANON, "anon")             \
		VMI_BIT_NAME(VMI_VMA_FILE, "file")             \
	}

/**
 * struct vmi_translate_arg - VMI_IOC_TRANSLATE: one address, level by level
 * @size:	in: sizeof(struct vmi_translate_arg)
 * @flags:	in: zero
 * @pid:	in: process id; 0 means the caller
 * @nr_levels:	out: levels filled in @levels, from the top (PGD) down
 * @va:		in: the virtual address (need not be aligned)
 * @levels:	out: the path through the tables; @levels[@nr_levels - 1]
 *		holds the leaf (or the entry where the walk ended)
 * @leaf:	out: the leaf as a one-page extent (kind NONE if unmapped)
 * @pa:		out: physical address of @va (0 if hidden or not present)
 * @vma_start:	out: the VMA holding @va (0 and 0 if none)
 * @vma_end:	out
 * @vma_flags:	out: VMI_VMA_*
 * @reserved:	out: zero
 */
struct vmi_translate_arg {
	__u64 size;
	__u64 flags;
	__u32 pid;
	__u32 nr_levels;
	__u64 va;
	struct vmi_level levels[5];
	struct vmi_extent leaf;
	__u64 pa;
	__u64 vma_start;
	__u64 vma_end;
	__u32 vma_flags;
	__u32 reserved;
};

#define VMI_TRANSLATE_SIZE_VER0 248

/*
 * Tables by the entries in use in each: 1, 2-8, 9-64, 65-256, 257-511, and
 * all 512 (a table that is full).  Tables with none in use are counted
 * apart (@empty).
 */
#define VMI_PGT_BUCKETS 6
#define VMI_PGT_BUCKET_NAMES                                   \
	{                                                      \
		"1", "2-8", "9-64", "65-256", "257-511", "512" \
	}

/**
 * struct vmi_pgt_vma - the page tables a VMA uses
 * @start:	first byte of the VMA
 * @end:	one past its last byte
 * @tables:	tables first met in this VMA, per level, indexed by
 *		VMI_LEVEL_* - 1 (PTE tables at [0], PMD at [1], PUD at [2],
 *		P4D at [3]); a table shared by two VMAs counts in the first
 * @pte_entries: PTE entries in use in the VMA
 * @pte_empty:	PTE tables whose part in this VMA holds no entry in use
 * @pte_single:	PTE tables whose part in this VMA holds exactly one
 * @vma_flags:	VMI_VMA_*
 * @reserved:	zero
 */
struct vmi_pgt_vma {
	__u64 start;
	__u64 end;
	__u64 tables[4];
	__u64 pte_entries;
	__u64 pte_empty;
	__u64 pte_single;
	__u32 vma_flags;
	__u32 reserved;
};

#define VMI_PGT_VMA_SIZE_VER0 80

/**
 * struct vmi_pgtables_arg - VMI_IOC_PGTABLES: page-table memory of a process
 * @size:	in: sizeof(struct vmi_pgtables_arg)
 * @flags:	in: zero
 * @pid:	in: process id; 0 means the caller
 * @reserved:	in: zero
 * @tables:	out: tables per level, indexed by VMI_LEVEL_* (PTE tables at
 *		[VMI_LEVEL_PTE], ...; [0] unused)
 * @entries:	out: non-empty entries per level, same index
 * @bytes:	out: memory of all tables, PGD included (and, since
 *		VMI_PGTABLES_SIZE_VER1, of the @deposited ones)
 *
 * Since VMI_PGTABLES_SIZE_VER1:
 * @start:	in: first address, page aligned; @start and @end both 0: all
 *		of user space
 * @end:	in: end address, page aligned, > @start
 * @vec:	in: user pointer to an array of struct vmi_pgt_vma, or 0 for
 *		the totals alone
 * @vec_len:	in: elements in @vec (at most VMI_WALK_MAX_VEC; 0 with @vec 0)
 * @vma_size:	in: sizeof(struct vmi_pgt_vma) as the caller knows it
 * @nr_vmas:	out: elements written to @vec
 * @walk_end:	out: the call covered [@start, @walk_end); resume there
 * @max_lock_ns: out: longest hold of this call, nanoseconds, of a lock the
 *		target's writers wait for
 * @empty:	out: tables with no entry in use, per level (VMI_LEVEL_*)
 * @fullness:	out: tables per level (VMI_LEVEL_*) by entries in use, in
 *		the VMI_PGT_BUCKETS buckets; [level][0] are the tables with
 *		a single entry in use
 * @deposited:	out: PTE tables out of the tree, deposited under PMD-mapped
 *		anonymous THPs for a later split (one each; VmPTE counts
 *		them); @bytes includes them
 *
 * Every count is of what lies inside VMAs of the range covered: a table
 * that the range covers in part counts the entries of that part.
 */
struct vmi_pgtables_arg {
	__u64 size;
	__u64 flags;
	__u32 pid;
	__u32 reserved;
	__u64 tables[6];
	__u64 entries[6];
	__u64 bytes;
	/* VER1 */
	__u64 start;
	__u64 end;
	__u64 vec;
	__u64 vec_len;
	__u64 vma_size;
	__u64 nr_vmas;
	__u64 walk_end;
	__u64 max_lock_ns;
	__u64 empty[6];
	__u64 fullness[6][VMI_PGT_BUCKETS];
	__u64 deposited;
};

#define VMI_PGTABLES_SIZE_VER0 128
#define VMI_PGTABLES_SIZE_VER1 536

#define VMI_NAME_LEN 128

/**
 * struct vmi_vma - one VMA and what backs it
 * @start:	first byte
 * @end:	one past the last byte
 * @rss:	bytes mapped by present entries (not counting special ones:
 *		the zero page, PFN maps), as smaps' Rss
 * @bytes_4k:	present bytes mapped by 4K entries
 * @bytes_2m:	present bytes mapped by 2M entries
 * @bytes_1g:	present bytes mapped by 1G entries
 * @swap:	bytes in swap entries
 * @thp:	present bytes in transparent huge pages (PMD- or PTE-mapped)
 * @pgoff:	file offset of @start, bytes
 * @vma_flags:	VMI_VMA_*
 * @reserved:	zero
 * @name:	file path, [heap], [stack], [vdso]..., or empty
 */
struct vmi_vma {
	__u64 start;
	__u64 end;
	__u64 rss;
	__u64 bytes_4k;
	__u64 bytes_2m;
	__u64 bytes_1g;
	__u64 swap;
	__u64 thp;
	__u64 pgoff;
	__u32 vma_flags;
	__u32 reserved;
	char name[VMI_NAME_LEN];
};

#define VMI_VMA_SIZE_VER0 208

/**
 * struct vmi_maps_arg - VMI_IOC_MAPS: the VMAs of a range, with their use
 * @size:	in: sizeof(struct vmi_maps_arg)
 * @flags:	in: zero
 * @pid:	in: process id; 0 means the caller
 * @reserved:	in: zero
 * @start:	in: first address, page aligned
 * @end:	in: end address, page aligned, > @start
 * @vec:	in: user pointer to an array of struct vmi_vma
 * @vec_len:	in: number of elements in @vec (at most VMI_WALK_MAX_VEC)
 * @vma_size:	in: sizeof(struct vmi_vma) as the caller knows it
 * @nr_vmas:	out: elements written to @vec
 * @walk_end:	out: the call covered [@start, @walk_end); resume there
 * @max_lock_ns: out: longest hold of this call, nanoseconds, of a lock the
 *		target's writers wait for: mmap_lock, or the read lock
 *		of the one VMA walked (see VMI_IOC_WALK in vminspect(4))
 */
struct vmi_maps_arg {
	__u64 size;
	__u64 flags;
	__u32 pid;
	__u32 reserved;
	__u64 start;
	__u64 end;
	__u64 vec;
	__u64 vec_len;
	__u64 vma_size;
	__u64 nr_vmas;
	__u64 walk_end;
	__u64 max_lock_ns;
};

#define VMI_MAPS_SIZE_VER0 88

#define VMI_IOC_WALK	  _IOWR(VMI_IOC_MAGIC, 0x01, struct vmi_walk_arg)
#define VMI_IOC_TRANSLATE _IOWR(VMI_IOC_MAGIC, 0x02, struct vmi_translate_arg)
#define VMI_IOC_PGTABLES  _IOWR(VMI_IOC_MAGIC, 0x03, struct vmi_pgtables_arg)
#define VMI_IOC_MAPS	  _IOWR(VMI_IOC_MAGIC, 0x04, struct vmi_maps_arg)

/* ---------------------------------------------------------------------- */
/* Huge pages */

#define VMI_THP_ORDERS 16 /* folio orders counted in thp_pte_order[] */

/**
 * struct vmi_huge_bytes - memory of a range by the kind of page mapping it
 * @rss:	bytes mapped by present entries, hugetlb, the zero pages and
 *		PFN maps not counted: smaps' Rss
 * @base:	small pages that are not part of a large folio
 * @thp_pmd_anon: anonymous THP mapped by PMDs (smaps' AnonHugePages)
 * @thp_pmd_shmem: shmem THP mapped by PMDs (ShmemPmdMapped)
 * @thp_pmd_file: page-cache THP mapped by PMDs (FilePmdMapped)
 * @thp_pte:	pages of large folios mapped by PTEs: a THP split in this
 *		mapping, mTHP, large page-cache folios
 * @hugetlb_pmd_private: hugetlb pages of PMD size (2 MiB on x86) mapped by
 *		one entry only (smaps' Private_Hugetlb)
 * @hugetlb_pmd_shared: the same, mapped more than once (Shared_Hugetlb)
 * @hugetlb_pud_private: hugetlb pages of PUD size (1 GiB on x86)
 * @hugetlb_pud_shared: the same, mapped more than once
 * @swap:	bytes in swap entries (smaps' Swap)
 * @tlb_now:	TLB entries the mapped pages need at their page sizes: one
 *		per present leaf entry, hugetlb included
 * @tlb_best:	the same if every 2 MiB-aligned block of a THP-capable VMA
 *		(VMI_HV_THP_CAPABLE) holding a mapped page were one huge page
 * @reserved:	zero
 * @thp_pte_order: @thp_pte by the order of the folio ([order]; [0] zero)
 *
 * rss = base + thp_pmd_* + thp_pte + other present pages that have a
 * struct page (e.g. a PUD-mapped device page).
 */
struct vmi_huge_bytes {
	__u64 rss;
	__u64 base;
	__u64 thp_pmd_anon;
	__u64 thp_pmd_shmem;
	__u64 thp_pmd_file;
	__u64 thp_pte;
	__u64 hugetlb_pmd_private;
	__u64 hugetlb_pmd_shared;
	__u64 hugetlb_pud_private;
	__u64 hugetlb_pud_shared;
	__u64 swap;
	__u64 tlb_now;
	__u64 tlb_best;
	__u64 reserved;
	__u64 thp_pte_order[VMI_THP_ORDERS];
};

/* struct vmi_huge_vma.hflags */
#define VMI_HV_SHMEM	    (1U << 0) /* tmpfs, memfd, SysV shm, shared anon */
#define VMI_HV_LARGE_FOLIOS (1U << 1) /* page cache takes large folios */
#define VMI_HV_SPECIAL	    (1U << 2) /* PFN, mixed or I/O map: never huge */
#define VMI_HV_THP_CAPABLE  (1U << 3) /* anon, shmem or VMI_HV_LARGE_FOLIOS */
#define VMI_HV_LOCKED	    (1U << 4) /* VM_LOCKED (mlock) */

#define VMI_HV_NAMES                                              \
	{                                                         \
		VMI_BIT_NAME(VMI_HV_SHMEM, "shmem")               \
		VMI_BIT_NAME(VMI_HV_LARGE_FOLIOS, "large_folios") \
		VMI_BIT_NAME(VMI_HV_SPECIAL, "special")           \
		VMI_BIT_NAME(VMI_HV_THP_CAPABLE, "thp_capable")   \
		VMI_BIT_NAME(VMI_HV_LOCKED, "locked")             \
	}

/**
 * struct vmi_huge_vma - one VMA: its page sizes and the facts behind them
 * @start:	first byte
 * @end:	one past the last byte
 * @hugetlb_size: page size of a hugetlb VMA; 0 otherwise
 * @span_2m_start: the largest 2 MiB-aligned range inside the VMA
 *		(@span_2m_start == @span_2m_end: there is none)
 * @span_2m_end: its end
 * @span_1g_start: the largest 1 GiB-aligned range inside the VMA
 * @span_1g_end: its end
 * @vma_flags:	VMI_VMA_* (VMI_VMA_HUGEPAGE: MADV_HUGEPAGE, ...)
 * @hflags:	VMI_HV_*
 * @bytes:	what maps the VMA
 * @name:	file path, [heap], [stack]..., or empty
 */
struct vmi_huge_vma {
	__u64 start;
	__u64 end;
	__u64 hugetlb_size;
	__u64 span_2m_start;
	__u64 span_2m_end;
	__u64 span_1g_start;
	__u64 span_1g_end;
	__u32 vma_flags;
	__u32 hflags;
	struct vmi_huge_bytes bytes;
	char name[VMI_NAME_LEN];
};

#define VMI_HUGE_VMA_SIZE_VER0 432

/* struct vmi_huge_arg.mm_flags */
#define VMI_HM_THP_DISABLED	(1U << 0) /* prctl(PR_SET_THP_DISABLE) */
#define VMI_HM_THP_ADVISED_ONLY (1U << 1) /* the same but for MADV_HUGEPAGE */
#define VMI_HM_KHUGEPAGED	(1U << 2) /* khugepaged scans this process */

#define VMI_HM_NAMES                                                        \
	{                                                                   \
		VMI_BIT_NAME(VMI_HM_THP_DISABLED, "thp_disabled")           \
		VMI_BIT_NAME(VMI_HM_THP_ADVISED_ONLY, "thp_except_advised") \
		VMI_BIT_NAME(VMI_HM_KHUGEPAGED, "khugepaged")               \
	}

/**
 * struct vmi_huge_arg - VMI_IOC_HUGE: huge-page use of a process
 * @size:	in: sizeof(struct vmi_huge_arg)
 * @flags:	in: zero
 * @pid:	in: process id; 0 means the caller
 * @mm_flags:	out: VMI_HM_*
 * @start:	in: first address, page aligned
 * @end:	in: end address, page aligned, > @start
 * @vec:	in: user pointer to an array of struct vmi_huge_vma, or 0 for
 *		the totals alone
 * @vec_len:	in: elements in @vec (at most VMI_WALK_MAX_VEC; 0 with @vec 0)
 * @vma_size:	in: sizeof(struct vmi_huge_vma) as the caller knows it
 * @nr_vmas:	out: elements written to @vec
 * @walk_end:	out: the call covered [@start, @walk_end); resume there
 * @max_lock_ns: out: longest hold of this call, nanoseconds, of a lock the
 *		target's writers wait for: mmap_lock, or the read lock
 *		of the one VMA walked (see VMI_IOC_WALK in vminspect(4))
 * @total:	out: the sum over [@start, @walk_end)
 */
struct vmi_huge_arg {
	__u64 size;
	__u64 flags;
	__u32 pid;
	__u32 mm_flags;
	__u64 start;
	__u64 end;
	__u64 vec;
	__u64 vec_len;
	__u64 vma_size;
	__u64 nr_vmas;
	__u64 walk_end;
	__u64 max_lock_ns;
	struct vmi_huge_bytes total;
};

#define VMI_HUGE_SIZE_VER0 328

#define VMI_IOC_HUGE _IOWR(VMI_IOC_MAGIC, 0x05, struct vmi_huge_arg)
/*
 * Huge pages block by block: the facts behind every 2 MiB-aligned block of
 * a range, which libvminspect turns into a verdict (why it is not huge)
 * and into predictions of what MADV_COLLAPSE and khugepaged would do with
 * it.  The policy the verdicts need (the THP settings, khugepaged's limits,
 * the free blocks) is in sysfs and /proc, where the library reads it.
 */

/* struct vmi_huge_block.flags */
#define VMI_HB_PMD_MAPPED (1U << 0)  /* one PMD maps the block: a THP */
#define VMI_HB_PTE_LARGE  (1U << 1)  /* a PTE maps a page of a large folio */
#define VMI_HB_HUGETLB	  (1U << 2)  /* in a hugetlb VMA */
#define VMI_HB_PARTIAL	  (1U << 3)  /* the block is not wholly in the VMA */
#define VMI_HB_ANON	  (1U << 4)  /* anonymous VMA */
#define VMI_HB_SHMEM	  (1U << 5)  /* tmpfs, memfd, SysV shm, shared anon */
#define VMI_HB_FILE	  (1U << 6)  /* other file-backed VMA */
#define VMI_HB_SPECIAL	  (1U << 7)  /* PFN, mixed or I/O map */
#define VMI_HB_KSM	  (1U << 8)  /* a page is a KSM page */
#define VMI_HB_WRITE	  (1U << 9)  /* a present PTE is writable */
#define VMI_HB_UFFD_ARMED (1U << 10) /* the VMA is registered with uffd */
#define VMI_HB_DMA_PINNED (1U << 11) /* a folio may be pinned for DMA */

#define VMI_HB_NAMES                                          \
	{                                                     \
		VMI_BIT_NAME(VMI_HB_PMD_MAPPED, "pmd_mapped") \
		VMI_BIT_NAME(VMI_HB_PTE_LARGE, "pte_large")   \
		VMI_BIT_NAME(VMI_HB_HUGETLB, "hugetlb")       \
		VMI_BIT_NAME(VMI_HB_PARTIAL, "partial")       \
		VMI_BIT_NAME(VMI_HB_ANON, "anon")             \
		VMI_BIT_NAME(VMI_HB_SHMEM, "shmem")           \
		VMI_BIT_NAME(VMI_HB_FILE, "file")             \
		VMI_BIT_NAME(VMI_HB_SPECIAL, "special")       \
		VMI_BIT_NAME(VMI_HB_KSM, "ksm")               \
		VMI_BIT_NAME(VMI_HB_WRITE, "write")           \
		VMI_BIT_NAME(VMI_HB_UFFD_ARMED, "uffd_armed") \
		VMI_BIT_NAME(VMI_HB_DMA_PINNED, "dma_pinned") \
	}

/**
 * struct vmi_huge_block - one 2 MiB-aligned block, or the part of it in one
 *	VMA and in the range asked for
 * @start:	first byte counted; the block is @start rounded down to
 *		2 MiB
 * @end:	one past the last byte counted (at most the block's end)
 * @flags:	VMI_HB_*
 * @vma_flags:	VMI_VMA_* of the VMA (VMI_VMA_HUGEPAGE: MADV_HUGEPAGE,
 *		VMI_VMA_NOHUGEPAGE: MADV_NOHUGEPAGE)
 * @present:	4 KiB pages mapped, the shared zero page not counted (a
 *		PMD-mapped or hugetlb block counts all of its pages)
 * @none:	4 KiB pages with nothing mapped, or the shared zero page
 * @swap:	swap entries
 * @shared:	present small pages mapped more than once
 * @pinned:	present small pages with more references than their
 *		mappings and the page cache explain (GUP pins, vmsplice,
 *		io_uring fixed buffers)
 * @young:	present pages with the accessed bit in the PTE or the
 *		referenced flag on the page
 * @uffd_wp:	entries write-protected by userfaultfd (present, swap or
 *		marker)
 * @other:	other non-present entries: migration, device, hwpoison,
 *		markers that are not uffd-wp
 * @order:	the largest folio order mapped (9 for a PMD-mapped THP; 0:
 *		small pages only)
 * @reserved8:	zero
 * @reserved16:	zero
 * @reserved:	zero
 */
struct vmi_huge_block {
	__u64 start;
	__u64 end;
	__u32 flags;
	__u32 vma_flags;
	__u16 present;
	__u16 none;
	__u16 swap;
	__u16 shared;
	__u16 pinned;
	__u16 young;
	__u16 uffd_wp;
	__u16 other;
	__u8 order;
	__u8 reserved8;
	__u16 reserved16;
	__u32 reserved;
};

#define VMI_HUGE_BLOCK_SIZE_VER0 48

/*
 * struct vmi_huge_blocks_arg.kflags: how this kernel collapses (what its
 * headers said when the module was built)
 */
/* a block with no writable PTE is never collapsed (before 7.x) */
#define VMI_HBK_NEEDS_WRITE (1U << 0)

#define VMI_HBK_NAMES                                            \
	{                                                        \
		VMI_BIT_NAME(VMI_HBK_NEEDS_WRITE, "needs_write") \
	}

/* struct vmi_huge_blocks_arg.flags */
/* only VMAs that hold at least one whole 2 MiB-aligned block */
#define VMI_HUGE_BLOCKS_SPAN  (1ULL << 0)
#define VMI_HUGE_BLOCKS_FLAGS VMI_HUGE_BLOCKS_SPAN

/**
 * struct vmi_huge_blocks_arg - VMI_IOC_HUGE_BLOCKS: a range, block by block
 * @size:	in: sizeof(struct vmi_huge_blocks_arg)
 * @flags:	in: VMI_HUGE_BLOCKS_*
 * @pid:	in: process id; 0 means the caller
 * @mm_flags:	out: VMI_HM_* of the process
 * @start:	in: first address, page aligned (2 MiB aligned for whole
 *		blocks)
 * @end:	in: end address, page aligned, > @start
 * @vec:	in: user pointer to an array of struct vmi_huge_block
 * @vec_len:	in: elements in @vec (at most VMI_WALK_MAX_VEC)
 * @block_size:	in: sizeof(struct vmi_huge_block) as the caller knows it
 * @nr_blocks:	out: elements written to @vec, in address order
 * @next:	out: the call covered [@start, @next); when it is below @end,
 *		@vec was full: call again with @start = @next
 * @max_lock_ns: out: longest hold of this call, nanoseconds, of a lock the
 *		target's writers wait for (see VMI_IOC_WALK in vminspect(4))
 * @kflags:	out: VMI_HBK_*
 * @reserved:	out: zero
 */
struct vmi_huge_blocks_arg {
	__u64 size;
	__u64 flags;
	__u32 pid;
	__u32 mm_flags;
	__u64 start;
	__u64 end;
	__u64 vec;
	__u64 vec_len;
	__u64 block_size;
	__u64 nr_blocks;
	__u64 next;
	__u64 max_lock_ns;
	__u32 kflags;
	__u32 reserved;
};

#define VMI_HUGE_BLOCKS_SIZE_VER0 96

/* clang-format off */
#define VMI_IOC_HUGE_BLOCKS _IOWR(VMI_IOC_MAGIC, 0x07, struct vmi_huge_blocks_arg)
/* clang-format on */

/*
 * There is no system-wide huge-page command: the kernel publishes the
 * hugetlb pools (/sys/kernel/mm/hugepages, per node under
 * /sys/devices/system/node), the THP bytes and counters (/proc/meminfo,
 * /proc/vmstat), the free blocks (/proc/buddyinfo) and the THP policy
 * (/sys/kernel/mm/transparent_hugepage) itself.
 */

/* ---------------------------------------------------------------------- */
/*
 * TLB shootdowns (x86 only; elsewhere the commands fail with EOPNOTSUPP).
 *
 * Every TLB command needs CAP_SYS_ADMIN in the opener's credentials: the
 * statistics are system-wide and name other users' processes.
 */

/* Reasons of the tlb:tlb_flush tracepoint (enum tlb_flush_reason). */
#define VMI_TLB_TASK_SWITCH	 0 /* flush on a context switch */
#define VMI_TLB_REMOTE_SHOOTDOWN 1 /* a shootdown IPI received */
#define VMI_TLB_LOCAL_SHOOTDOWN	 2 /* local flush of a range */
#define VMI_TLB_LOCAL_MM	 3 /* local flush of a whole mm */
#define VMI_TLB_REMOTE_SEND_IPI	 4 /* a shootdown sent */
#define VMI_TLB_REMOTE_WRONG_CPU 5 /* 7.x: IPI found another mm loaded */
#define VMI_TLB_NR_REASONS	 8

/* Reasons above VMI_TLB_REMOTE_WRONG_CPU have no name. */
#define VMI_TLB_REASON_NAMES                                               \
	{                                                                  \
		VMI_VAL_NAME(VMI_TLB_TASK_SWITCH, "task_switch")           \
		VMI_VAL_NAME(VMI_TLB_REMOTE_SHOOTDOWN, "remote_shootdown") \
		VMI_VAL_NAME(VMI_TLB_LOCAL_SHOOTDOWN, "local_shootdown")   \
		VMI_VAL_NAME(VMI_TLB_LOCAL_MM, "local_mm")                 \
		VMI_VAL_NAME(VMI_TLB_REMOTE_SEND_IPI, "send_ipi")          \
		VMI_VAL_NAME(VMI_TLB_REMOTE_WRONG_CPU, "wrong_cpu")        \
	}

/*
 * Why an initiator flushed.  Inside a system call that changes mappings,
 * the call (madvise by its advice); elsewhere, what the kernel was doing
 * when it flushed, named from its call chain: a copy-on-write fault, a
 * THP split or collapse, NUMA hinting, page migration, KSM, reclaim.
 * VMI_TLB_CAUSE_FAULT covers the rest of a user task's faults,
 * VMI_TLB_CAUSE_KTHREAD the rest of kernel threads (see comm), and
 * VMI_TLB_CAUSE_UNKNOWN, in a target's count, the shootdowns whose
 * initiator no hook saw.  Causes from VMI_TLB_NR_CAUSES on are counted
 * in struct vmi_tlb_initiator.causes_ext (since VER1).
 */
#define VMI_TLB_CAUSE_OTHER	    0 /* none of the below */
#define VMI_TLB_CAUSE_MUNMAP	    1
#define VMI_TLB_CAUSE_MPROTECT	    2
#define VMI_TLB_CAUSE_MADVISE	    3 /* advice not named below */
#define VMI_TLB_CAUSE_MREMAP	    4
#define VMI_TLB_CAUSE_BRK	    5
#define VMI_TLB_CAUSE_MMAP	    6
#define VMI_TLB_CAUSE_EXIT	    7  /* exit, exit_group, an exiting task */
#define VMI_TLB_CAUSE_EXECVE	    8  /* execve, execveat */
#define VMI_TLB_CAUSE_SYSCALL	    9  /* another system call */
#define VMI_TLB_CAUSE_FAULT	    10 /* user task, not in a system call */
#define VMI_TLB_CAUSE_KTHREAD	    11 /* a kernel thread (see comm) */
#define VMI_TLB_CAUSE_RECLAIM	    12 /* batched flush after unmapping pages */
#define VMI_TLB_CAUSE_KERNEL	    13 /* kernel memory (vfree, set_memory_*) */
#define VMI_TLB_CAUSE_UNKNOWN	    14 /* a target's: the initiator unseen */
#define VMI_TLB_CAUSE_FORK	    15 /* fork, clone, vfork, clone3 */
#define VMI_TLB_CAUSE_MADV_DONTNEED 16 /* and MADV_DONTNEED_LOCKED */
#define VMI_TLB_CAUSE_MADV_FREE	    17
#define VMI_TLB_CAUSE_MADV_PAGEOUT  18
#define VMI_TLB_CAUSE_MADV_COLD	    19
#define VMI_TLB_CAUSE_MADV_COLLAPSE 20
#define VMI_TLB_CAUSE_COW	    21 /* copy-on-write fault */
#define VMI_TLB_CAUSE_THP_SPLIT	    22
#define VMI_TLB_CAUSE_THP_COLLAPSE  23 /* khugepaged */
#define VMI_TLB_CAUSE_NUMA	    24 /* NUMA hinting: scan or fault */
#define VMI_TLB_CAUSE_MIGRATION	    25 /* migrate_pages(), compaction */
#define VMI_TLB_CAUSE_KSM	    26
#define VMI_TLB_NR_CAUSES	    16 /* in causes[] */
#define VMI_TLB_NR_CAUSES_EXT	    16 /* in causes_ext[] */
#define VMI_TLB_NR_CAUSES_ALL	    32 /* in causes[] and causes_ext[] */

/* Causes above VMI_TLB_CAUSE_KSM have no name. */
#define VMI_TLB_CAUSE_NAMES                                                \
	{                                                                  \
		VMI_VAL_NAME(VMI_TLB_CAUSE_OTHER, "other")                 \
		VMI_VAL_NAME(VMI_TLB_CAUSE_MUNMAP, "munmap")               \
		VMI_VAL_NAME(VMI_TLB_CAUSE_MPROTECT, "mprotect")           \
		VMI_VAL_NAME(VMI_TLB_CAUSE_MADVISE, "madvise")             \
		VMI_VAL_NAME(VMI_TLB_CAUSE_MREMAP, "mremap")               \
		VMI_VAL_NAME(VMI_TLB_CAUSE_BRK, "brk")                     \
		VMI_VAL_NAME(VMI_TLB_CAUSE_MMAP, "mmap")                   \
		VMI_VAL_NAME(VMI_TLB_CAUSE_EXIT, "exit")                   \
		VMI_VAL_NAME(VMI_TLB_CAUSE_EXECVE, "execve")               \
		VMI_VAL_NAME(VMI_TLB_CAUSE_SYSCALL, "syscall")             \
		VMI_VAL_NAME(VMI_TLB_CAUSE_FAULT, "fault")                 \
		VMI_VAL_NAME(VMI_TLB_CAUSE_KTHREAD, "kthread")             \
		VMI_VAL_NAME(VMI_TLB_CAUSE_RECLAIM, "reclaim")             \
		VMI_VAL_NAME(VMI_TLB_CAUSE_KERNEL, "kernel")               \
		VMI_VAL_NAME(VMI_TLB_CAUSE_UNKNOWN, "unknown")             \
		VMI_VAL_NAME(VMI_TLB_CAUSE_FORK, "fork")                   \
		VMI_VAL_NAME(VMI_TLB_CAUSE_MADV_DONTNEED, "madv_dontneed") \
		VMI_VAL_NAME(VMI_TLB_CAUSE_MADV_FREE, "madv_free")         \
		VMI_VAL_NAME(VMI_TLB_CAUSE_MADV_PAGEOUT, "madv_pageout")   \
		VMI_VAL_NAME(VMI_TLB_CAUSE_MADV_COLD, "madv_cold")         \
		VMI_VAL_NAME(VMI_TLB_CAUSE_MADV_COLLAPSE, "madv_collapse") \
		VMI_VAL_NAME(VMI_TLB_CAUSE_COW, "cow")                     \
		VMI_VAL_NAME(VMI_TLB_CAUSE_THP_SPLIT, "thp_split")         \
		VMI_VAL_NAME(VMI_TLB_CAUSE_THP_COLLAPSE, "thp_collapse")   \
		VMI_VAL_NAME(VMI_TLB_CAUSE_NUMA, "numa")                   \
		VMI_VAL_NAME(VMI_TLB_CAUSE_MIGRATION, "migration")         \
		VMI_VAL_NAME(VMI_TLB_CAUSE_KSM, "ksm")                     \
	}

/*
 * What a CPU was running when a shootdown IPI reached it: a user task
 * outside the kernel (no system call, fault or softirq in progress), the
 * kernel (system calls, faults, softirqs, kernel threads), or idle.
 */
#define VMI_TLB_HIT_USER   0
#define VMI_TLB_HIT_KERNEL 1
#define VMI_TLB_HIT_IDLE   2
#define VMI_TLB_NR_HIT	   4

#define VMI_TLB_HIT_NAMES                                  \
	{                                                  \
		VMI_VAL_NAME(VMI_TLB_HIT_USER, "user")     \
		VMI_VAL_NAME(VMI_TLB_HIT_KERNEL, "kernel") \
		VMI_VAL_NAME(VMI_TLB_HIT_IDLE, "idle")     \
	}

/* Log2 histograms: bucket n counts values in [2^n, 2^(n+1)), 0 in 0. */
#define VMI_TLB_HIST_BUCKETS 64
/* Target CPUs counted one by one; higher CPUs add to targets_other. */
#define VMI_TLB_MAX_TARGETS 64

/* struct vmi_tlb_ctl_arg.flags: at most one of ENABLE and DISABLE */
#define VMI_TLB_ENABLE	  (1ULL << 0)
#define VMI_TLB_DISABLE	  (1ULL << 1)
#define VMI_TLB_RESET	  (1ULL << 2) /* zero every counter, drop the ring */
#define VMI_TLB_CTL_FLAGS (VMI_TLB_ENABLE | VMI_TLB_DISABLE | VMI_TLB_RESET)

/* struct vmi_tlb_ctl_arg.limits: what this kernel lets the module see */
/* broadcast (INVLPGB) flushes send no IPI: seen only in requests */
#define VMI_TLB_LIM_INVLPGB   (1U << 0)
#define VMI_TLB_LIM_NO_TARGET (1U << 1) /* no per-target handling time */
/* kernel flushes: no handling time or context on the targets (no csd tracepoints) */
#define VMI_TLB_LIM_NO_KERNEL_TARGET (1U << 8)
/*
 * A hook whose prototype in this kernel's headers is not the one the
 * module reads it by (checked when the module was built) stays off:
 * tlb:tlb_flush (no per-reason counts, received or local flushes); the
 * csd_function_entry/exit tracepoints and flush_tlb_func (no target
 * time, without another of them); native_flush_tlb_multi (no initiators
 * of mm or reclaim flushes, no trace records of them);
 * on_each_cpu_cond_mask (none of kernel flushes); flush_tlb_mm_range (no
 * requests).
 */
#define VMI_TLB_LIM_PROTO_TLB_FLUSH    (1U << 2)
#define VMI_TLB_LIM_PROTO_CSD	       (1U << 3)
#define VMI_TLB_LIM_PROTO_MULTI	       (1U << 4)
#define VMI_TLB_LIM_PROTO_FUNC	       (1U << 5)
#define VMI_TLB_LIM_PROTO_KERNEL_RANGE (1U << 6)
#define VMI_TLB_LIM_PROTO_MM_RANGE     (1U << 7)

/* The names of the limits but the VMI_TLB_LIM_PROTO_* ones */
#define VMI_TLB_LIM_NAMES                                             \
	{                                                             \
		VMI_BIT_NAME(VMI_TLB_LIM_INVLPGB, "invlpgb_no_ipi")   \
		VMI_BIT_NAME(VMI_TLB_LIM_NO_TARGET, "no_target_time") \
		VMI_BIT_NAME(VMI_TLB_LIM_NO_KERNEL_TARGET,            \
			     "no_kernel_target_time")                 \
	}
/* The hook a VMI_TLB_LIM_PROTO_* bit leaves off ("prototype_differs:<hook>") */
#define VMI_TLB_LIM_PROTO_HOOKS                                                \
	{                                                                      \
		VMI_BIT_NAME(VMI_TLB_LIM_PROTO_TLB_FLUSH, "tlb_flush")         \
		VMI_BIT_NAME(VMI_TLB_LIM_PROTO_CSD, "csd_function")            \
		VMI_BIT_NAME(VMI_TLB_LIM_PROTO_MULTI,                          \
			     "native_flush_tlb_multi")                         \
		VMI_BIT_NAME(VMI_TLB_LIM_PROTO_FUNC, "flush_tlb_func")         \
		VMI_BIT_NAME(VMI_TLB_LIM_PROTO_KERNEL_RANGE,                   \
			     "on_each_cpu_cond_mask")                          \
		VMI_BIT_NAME(VMI_TLB_LIM_PROTO_MM_RANGE, "flush_tlb_mm_range") \
	}

/**
 * struct vmi_tlb_ctl_arg - VMI_IOC_TLB_CTL: switch tracking, read state
 * @size:	in: sizeof(struct vmi_tlb_ctl_arg); out: bytes written
 * @flags:	in: VMI_TLB_*; 0 only reads the state
 * @enabled:	out: 1 when the probes are registered (after the command)
 * @limits:	out: VMI_TLB_LIM_*
 * @enabled_ns:	out: CLOCK_MONOTONIC time of the last enable or reset
 * @missed:	out: probe hits the kernel skipped (kprobe recursion,
 *		no free kretprobe instance)
 * @ring_drops:	out: records lost because the trace ring was full
 * @other_hits:	out: shootdowns counted in the "other" initiator bucket
 *		because the initiator table was full
 */
struct vmi_tlb_ctl_arg {
	__u64 size;
	__u64 flags;
	__u32 enabled;
	__u32 limits;
	__u64 enabled_ns;
	__u64 missed;
	__u64 ring_drops;
	__u64 other_hits;
};

#define VMI_TLB_CTL_SIZE_VER0 56

/**
 * struct vmi_tlb_cpu - one CPU's TLB counters
 * @cpu:	CPU number
 * @reserved:	zero
 * @flushes:	tlb_flush tracepoint hits on this CPU, by VMI_TLB_* reason
 * @pages:	pages of those flushes (full flushes count in @full); the
 *		pages a CPU flushed are those of REMOTE_SHOOTDOWN,
 *		LOCAL_SHOOTDOWN and LOCAL_MM
 * @full:	full flushes (TLB_FLUSH_ALL) among @flushes
 * @shootdowns:	remote flushes this CPU initiated (probe on the x86 path)
 * @ipis_sent:	target CPUs of those shootdowns: IPIs asked for
 * @ipis_received: shootdown IPIs this CPU handled (REMOTE_SHOOTDOWN)
 * @local:	local flushes (LOCAL_SHOOTDOWN + LOCAL_MM)
 * @requests:	flush_tlb_mm_range() calls here (only with
 *		VMI_TLB_LIM_INVLPGB: counts broadcast flushes too)
 * @wait_hist:	initiator wait, ns, log2 buckets
 * @handled:	shootdown IPIs this CPU's flush handler ran for, those it
 *		returned from early (lazy TLB, another mm loaded) included:
 *		what /proc/interrupts counts on the TLB line (only without
 *		VMI_TLB_LIM_NO_TARGET; since VMI_TLB_CPU_SIZE_VER1)
 * @handle_ns:	time those handlers took, ns, in total
 * @handle_max_ns: the longest of them
 * @handle_hist: their times, ns, log2 buckets
 * @recv_causes: shootdown IPIs this CPU got, by the cause their
 *		initiator flushed for (since VMI_TLB_CPU_SIZE_VER2).  All but
 *		VMI_TLB_CAUSE_KERNEL add up to @handled, VMI_TLB_CAUSE_UNKNOWN
 *		where no hook saw the flush start.  VMI_TLB_CAUSE_KERNEL
 *		counts flushes of kernel memory, which run as function calls
 *		on every CPU (the CAL line of /proc/interrupts), as their
 *		initiators sent them.
 * @hit:	the IPIs handled here by what this CPU was running,
 *		VMI_TLB_HIT_*: @handled, and @kernel_handled
 * @kernel_handled: kernel flushes handled here (only without
 *		VMI_TLB_LIM_NO_KERNEL_TARGET)
 * @kernel_handle_ns: time they took, ns, in total
 * @kernel_handle_max_ns: the longest of them
 * @kernel_handle_hist: their times, ns, log2 buckets
 */
struct vmi_tlb_cpu {
	__u32 cpu;
	__u32 reserved;
	__u64 flushes[VMI_TLB_NR_REASONS];
	__u64 pages[VMI_TLB_NR_REASONS];
	__u64 full[VMI_TLB_NR_REASONS];
	__u64 shootdowns;
	__u64 ipis_sent;
	__u64 ipis_received;
	__u64 local;
	__u64 requests;
	__u64 wait_hist[VMI_TLB_HIST_BUCKETS];
	__u64 handled;
	__u64 handle_ns;
	__u64 handle_max_ns;
	__u64 handle_hist[VMI_TLB_HIST_BUCKETS];
	__u64 recv_causes[VMI_TLB_NR_CAUSES_ALL];
	__u64 hit[VMI_TLB_NR_HIT];
	__u64 kernel_handled;
	__u64 kernel_handle_ns;
	__u64 kernel_handle_max_ns;
	__u64 kernel_handle_hist[VMI_TLB_HIST_BUCKETS];
};

#define VMI_TLB_CPU_SIZE_VER0 752
#define VMI_TLB_CPU_SIZE_VER1 1288
#define VMI_TLB_CPU_SIZE_VER2 2112

/**
 * struct vmi_tlb_cpus_arg - VMI_IOC_TLB_CPUS: per-CPU counters
 * @size:	in: sizeof(struct vmi_tlb_cpus_arg)
 * @flags:	in: zero
 * @first_cpu:	in: first CPU to report (resume cursor)
 * @next_cpu:	out: CPU to continue from; nr_cpu_ids when done
 * @vec:	in: user pointer to an array of struct vmi_tlb_cpu
 * @vec_len:	in: elements in @vec (at most VMI_WALK_MAX_VEC)
 * @cpu_size:	in: sizeof(struct vmi_tlb_cpu) as the caller knows it
 * @nr_cpus:	out: elements written (possible CPUs from @first_cpu on)
 */
struct vmi_tlb_cpus_arg {
	__u64 size;
	__u64 flags;
	__u32 first_cpu;
	__u32 next_cpu;
	__u64 vec;
	__u64 vec_len;
	__u64 cpu_size;
	__u64 nr_cpus;
};

#define VMI_TLB_CPUS_SIZE_VER0 56

/* struct vmi_tlb_initiator.flags */
#define VMI_TLB_INIT_OTHER   (1U << 0) /* the bucket of a full table */
#define VMI_TLB_INIT_KTHREAD (1U << 1)

/**
 * struct vmi_tlb_initiator - who started shootdowns, and what they cost
 * @ctx_id:	the mm's context id (x86 mm->context.ctx_id), 0 for a
 *		kernel thread without an mm; a process keeps it for life
 * @pid:	thread that first flushed for this entry
 * @tgid:	its process
 * @flags:	VMI_TLB_INIT_*
 * @reserved:	zero
 * @comm:	command name of that thread
 * @shootdowns:	remote flushes started
 * @pages:	pages of the ranged ones
 * @full:	full flushes among @shootdowns
 * @freed_tables: flushes that freed page tables
 * @ipis:	target CPUs asked, summed
 * @wait_ns:	total wait for the targets, ns
 * @wait_max_ns: longest wait
 * @causes:	shootdowns by VMI_TLB_CAUSE_*, below VMI_TLB_NR_CAUSES
 * @targets:	shootdowns that targeted CPU n (n < VMI_TLB_MAX_TARGETS)
 * @targets_other: targets at or above VMI_TLB_MAX_TARGETS
 * @wait_hist:	wait, ns, log2 buckets
 * @causes_ext:	shootdowns by cause from VMI_TLB_NR_CAUSES on (since
 *		VMI_TLB_INITIATOR_SIZE_VER1)
 * @received:	IPIs of its shootdowns that CPU n handled (n below
 *		VMI_TLB_MAX_TARGETS): what it cost that CPU (for flushes of
 *		kernel memory, the CPUs it sent them to)
 * @received_other: those handled by CPUs at or above VMI_TLB_MAX_TARGETS
 */
struct vmi_tlb_initiator {
	__u64 ctx_id;
	__u32 pid;
	__u32 tgid;
	__u32 flags;
	__u32 reserved;
	char comm[16];
	__u64 shootdowns;
	__u64 pages;
	__u64 full;
	__u64 freed_tables;
	__u64 ipis;
	__u64 wait_ns;
	__u64 wait_max_ns;
	__u64 causes[VMI_TLB_NR_CAUSES];
	__u64 targets[VMI_TLB_MAX_TARGETS];
	__u64 targets_other;
	__u64 wait_hist[VMI_TLB_HIST_BUCKETS];
	__u64 causes_ext[VMI_TLB_NR_CAUSES_EXT];
	__u64 received[VMI_TLB_MAX_TARGETS];
	__u64 received_other;
};

#define VMI_TLB_INITIATOR_SIZE_VER0 1256
#define VMI_TLB_INITIATOR_SIZE_VER1 1904

/**
 * struct vmi_tlb_initiators_arg - VMI_IOC_TLB_INITIATORS: the initiator table
 * @size:	in: sizeof(struct vmi_tlb_initiators_arg)
 * @flags:	in: zero
 * @pid:	in: only entries of this process (tgid); 0 for all
 * @reserved:	in: zero
 * @cursor:	in: 0 on the first call, then @next
 * @next:	out: where to resume; 0 when the table is done
 * @vec:	in: user pointer to an array of struct vmi_tlb_initiator
 * @vec_len:	in: elements in @vec (at most VMI_WALK_MAX_VEC)
 * @rec_size:	in: sizeof(struct vmi_tlb_initiator) as the caller knows it
 * @nr_out:	out: elements written
 * @capacity:	out: entries the table holds before the "other" bucket
 */
struct vmi_tlb_initiators_arg {
	__u64 size;
	__u64 flags;
	__u32 pid;
	__u32 reserved;
	__u64 cursor;
	__u64 next;
	__u64 vec;
	__u64 vec_len;
	__u64 rec_size;
	__u64 nr_out;
	__u64 capacity;
};

#define VMI_TLB_INITIATORS_SIZE_VER0 80

/* struct vmi_tlb_record.flags */
#define VMI_TLB_REC_FULL      (1U << 0) /* TLB_FLUSH_ALL */
#define VMI_TLB_REC_FREED     (1U << 1) /* page tables freed */
#define VMI_TLB_REC_KERNEL    (1U << 2) /* kernel range */
#define VMI_TLB_REC_KTHREAD   (1U << 3)
#define VMI_TLB_REC_SYSCALL32 (1U << 4) /* @syscall is a 32-bit number */

/**
 * struct vmi_tlb_record - one shootdown, as the trace ring holds it
 * @ts_ns:	CLOCK_MONOTONIC time of its start
 * @wait_ns:	how long the initiator waited for the targets
 * @ctx_id:	the initiator's mm context id (0: none)
 * @targets:	target CPUs below 64, bit n for CPU n
 * @pages:	pages flushed (0 for a full flush)
 * @pid:	initiating thread
 * @tgid:	its process
 * @cpu:	initiating CPU
 * @nr_targets:	target CPUs, all of them
 * @cause:	VMI_TLB_CAUSE_*
 * @syscall:	system call number, -1 when not in one
 * @flags:	VMI_TLB_REC_*
 * @reserved:	zero
 * @comm:	command name of the initiator
 */
struct vmi_tlb_record {
	__u64 ts_ns;
	__u64 wait_ns;
	__u64 ctx_id;
	__u64 targets;
	__u64 pages;
	__u32 pid;
	__u32 tgid;
	__u32 cpu;
	__u32 nr_targets;
	__u32 cause;
	__s32 syscall;
	__u32 flags;
	__u32 reserved;
	char comm[16];
};

#define VMI_TLB_RECORD_SIZE_VER0 88

/**
 * struct vmi_tlb_trace_arg - VMI_IOC_TLB_TRACE: take records from the ring
 * @size:	in: sizeof(struct vmi_tlb_trace_arg)
 * @flags:	in: zero
 * @vec:	in: user pointer to an array of struct vmi_tlb_record
 * @vec_len:	in: elements in @vec (at most VMI_WALK_MAX_VEC)
 * @rec_size:	in: sizeof(struct vmi_tlb_record) as the caller knows it
 * @nr_out:	out: records written, oldest first per CPU; they leave the
 *		ring (one reader at a time sees each record)
 * @drops:	out: records lost to a full ring since load or reset
 */
struct vmi_tlb_trace_arg {
	__u64 size;
	__u64 flags;
	__u64 vec;
	__u64 vec_len;
	__u64 rec_size;
	__u64 nr_out;
	__u64 drops;
};

#define VMI_TLB_TRACE_SIZE_VER0 56

/**
 * struct vmi_tlb_site - an initiator's flushes of kernel memory from one
 * call site
 * @shootdowns:	flushes of kernel memory made there
 * @ipis:	CPUs they were sent to (function-call IPIs)
 * @ctx_id:	the initiator, as struct vmi_tlb_initiator names it ...
 * @pid:	...
 * @tgid:	...
 * @function:	the call site: the innermost function on the initiator's
 *		stack outside the TLB flush code (set_memory_*, vmalloc's
 *		purge, ...), NUL-terminated; "unknown" without kallsyms
 */
struct vmi_tlb_site {
	__u64 shootdowns;
	__u64 ipis;
	__u64 ctx_id;
	__u32 pid;
	__u32 tgid;
	char function[64];
};

#define VMI_TLB_SITE_SIZE_VER0 96

/**
 * struct vmi_tlb_sites_arg - VMI_IOC_TLB_SITES: the kernel flush call sites
 * @size:	in: sizeof(struct vmi_tlb_sites_arg)
 * @flags:	in: zero
 * @cursor:	in: where to start (0), or the @next of the call before
 * @next:	out: the cursor of the next call; 0 once every site was given
 * @vec:	in: user pointer to the struct vmi_tlb_site records to fill
 * @vec_len:	in: their number (at most VMI_WALK_MAX_VEC)
 * @rec_size:	in: the size of one, sizeof(struct vmi_tlb_site) to the caller
 * @nr_out:	out: records filled
 */
struct vmi_tlb_sites_arg {
	__u64 size;
	__u64 flags;
	__u64 cursor;
	__u64 next;
	__u64 vec;
	__u64 vec_len;
	__u64 rec_size;
	__u64 nr_out;
};

#define VMI_TLB_SITES_SIZE_VER0 64

/* clang-format off */
#define VMI_IOC_TLB_CTL        _IOWR(VMI_IOC_MAGIC, 0x10, struct vmi_tlb_ctl_arg)
#define VMI_IOC_TLB_CPUS       _IOWR(VMI_IOC_MAGIC, 0x11, struct vmi_tlb_cpus_arg)
#define VMI_IOC_TLB_INITIATORS _IOWR(VMI_IOC_MAGIC, 0x12, struct vmi_tlb_initiators_arg)
#define VMI_IOC_TLB_TRACE      _IOWR(VMI_IOC_MAGIC, 0x13, struct vmi_tlb_trace_arg)
#define VMI_IOC_TLB_SITES      _IOWR(VMI_IOC_MAGIC, 0x14, struct vmi_tlb_sites_arg)
/* clang-format on */

#endif /* _UAPI_LINUX_VMINSPECT_H */
