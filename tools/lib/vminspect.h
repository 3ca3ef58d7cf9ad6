/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * libvminspect - a small C library over the vminspect kernel module's ABI.
 *
 * Every ioctl of <linux/vminspect.h> is wrapped exactly once here; the
 * vminspect CLI and any other program use these wrappers.
 *
 * Errors: functions that can fail return 0 on success and a negative code
 * otherwise: -errno, or one of -VMI_E* below (values above any errno).
 * vmi_strerror() turns either kind into a message.
 *
 * Typical use:
 *
 *	int err;
 *	struct vmi_info info;
 *	struct vmi_handle *h = vmi_open(&err);
 *
 *	if (!h)
 *		fail(vmi_strerror(err));
 *	err = vmi_get_info(h, &info);
 *	if (err)
 *		fail(vmi_strerror(err));
 *	if (!vmi_abi_compatible(&info, why, sizeof(why)))
 *		fail(why);
 *
 * Linking: "pkg-config --cflags --libs libvminspect" (libvminspect.so.0,
 * every vmi_* function under the symbol version VMINSPECT_0), or the static
 * libvminspect.a.  Memory: what a function returns through a pointer to a
 * pointer is malloc'ed and the caller's to free() (or to the matching
 * vmi_*_free()); returned "const char *" names and messages are static.
 *
 * The environment variable VMINSPECT_PROC_DIR, when set and non-empty,
 * replaces /proc/vminspect (for tests; ignored in set-uid/file-capability
 * programs).
 */
#ifndef _VMINSPECT_LIB_H
#define _VMINSPECT_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/vminspect.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Library error codes, returned negated like errno values. */
enum {
	VMI_ERR_BASE = 5000,
	VMI_ENOTLOADED = VMI_ERR_BASE, /* /proc/vminspect missing */
	VMI_EABI,		       /* module ABI not supported */
	VMI_ENOTSUPP,		       /* ioctl unknown to the module */
	VMI_EFORMAT,		       /* malformed /proc/vminspect text */
	VMI_EPROTO,		       /* inconsistent answer from the module */
};

struct vmi_handle;

/**
 * vmi_open() - open the module's control file (VMI_CTL_PATH, read-only)
 * @err: where the error goes on failure; must not be NULL
 *
 * The handle is what every ioctl wrapper takes.  It may be used by one
 * thread at a time; open one per thread otherwise.
 *
 * Return: a handle to release with vmi_close(), or NULL with *@err set to
 * -VMI_ENOTLOADED (no /proc/vminspect), -EACCES/-EPERM, -ENOMEM or another
 * -errno of open(2).
 */
struct vmi_handle *vmi_open(int *err);

/**
 * vmi_close() - close a handle from vmi_open() and free it
 * @h: the handle; NULL is allowed and does nothing
 */
void vmi_close(struct vmi_handle *h);

/**
 * vmi_get_info() - VMI_IOC_GET_INFO: module, ABI and machine facts
 * @h: an open handle
 * @out: filled on success (size and flags are set by the library); its
 *	strings are always NUL-terminated
 *
 * Return: 0; -VMI_ENOTSUPP when the module does not know the ioctl (ENOTTY);
 * another -errno of ioctl(2).
 */
int vmi_get_info(struct vmi_handle *h, struct vmi_info *out);

/**
 * vmi_abi_compatible() - whether this library speaks the module's ABI
 * @info: from vmi_get_info() or vmi_status_to_info()
 * @why: when not NULL and the answer is false, a message naming both ABI
 *	versions is written here (NUL-terminated, truncated to @len)
 * @len: size of @why
 *
 * Return: true if @info->abi_version is VMI_ABI_VERSION.
 */
bool vmi_abi_compatible(const struct vmi_info *info, char *why, size_t len);

/**
 * vmi_strerror() - a message for a library result
 * @err: 0, -errno or -VMI_E* (the sign is ignored)
 *
 * Return: a static string (never NULL, never to be freed); strerror()'s
 * text for an errno value.
 */
const char *vmi_strerror(int err);

/**
 * vmi_proc_dir() - the directory the library reads
 *
 * Return: VMI_PROC_DIR, or $VMINSPECT_PROC_DIR when set and non-empty in a
 * process that is not set-uid or file-capability (secure_getenv()).  The
 * string is not to be freed.
 */
const char *vmi_proc_dir(void);

/**
 * vmi_feature_name() - the name of one VMI_FEAT_* bit
 * @feature: exactly one VMI_FEAT_* bit
 *
 * Return: "status", "walk", "huge" or "tlb" (static), NULL if unknown.
 */
const char *vmi_feature_name(uint64_t feature);

/**
 * vmi_feature_from_name() - the VMI_FEAT_* bit of a name
 * @name: as vmi_feature_name() gives it
 *
 * Return: the bit, 0 if the name is unknown.
 */
uint64_t vmi_feature_from_name(const char *name);

/*
 * /proc/vminspect/status: one "key value" pair per line.  The key ends at
 * the first blank; the value is the rest of the line with surrounding
 * blanks removed (empty when the line holds only a key).  Blank lines are
 * skipped; keys keep their order and duplicates are kept.
 */
struct vmi_status_kv {
	char *key;
	char *value;
};

/**
 * vmi_read_status() - read and parse /proc/vminspect/status
 * @kv: on success, a malloc'ed array of pairs (free with vmi_free_status())
 * @n: on success, the number of pairs
 *
 * Return: 0; -VMI_ENOTLOADED when the directory is missing; -VMI_EFORMAT
 * for malformed text; -ENOMEM; another -errno of open/read.  On error *@kv
 * is NULL and *@n 0.
 */
int vmi_read_status(struct vmi_status_kv **kv, size_t *n);

/**
 * vmi_parse_status() - parse status text ("key value" lines, see above)
 * @text: the text; need not be NUL-terminated
 * @len: its length in bytes
 * @kv: on success, a malloc'ed array of pairs (free with vmi_free_status())
 * @n: on success, the number of pairs
 *
 * Return: 0; -VMI_EFORMAT when the text holds a NUL byte; -ENOMEM.  On
 * error *@kv is NULL and *@n 0.
 */
int vmi_parse_status(const char *text, size_t len, struct vmi_status_kv **kv,
		     size_t *n);

/**
 * vmi_free_status() - free pairs from vmi_read_status()/vmi_parse_status()
 * @kv: the array (NULL allowed)
 * @n: its number of pairs
 */
void vmi_free_status(struct vmi_status_kv *kv, size_t n);

/**
 * vmi_status_get() - the value of the first pair with a key
 * @kv: pairs from vmi_parse_status()
 * @n: their number
 * @key: the key
 *
 * Return: the value (owned by @kv), NULL if no pair has the key.
 */
const char *vmi_status_get(const struct vmi_status_kv *kv, size_t n,
			   const char *key);

/**
 * vmi_status_to_info() - fill a struct vmi_info from status pairs
 * @kv: pairs from vmi_parse_status()
 * @n: their number
 * @out: zeroed, then filled as VMI_IOC_GET_INFO would
 *
 * abi_version is required; other missing keys leave zeroes; unknown feature
 * names are ignored.
 *
 * Return: 0, or -VMI_EFORMAT when abi_version is missing or a number is
 * malformed.
 */
int vmi_status_to_info(const struct vmi_status_kv *kv, size_t n,
		       struct vmi_info *out);

/* ---- page tables ---- */

/**
 * vmi_user_end() - one past the highest address a range query may name
 * @info: from vmi_get_info() (its paging depth and page shift)
 *
 * The kernel's TASK_SIZE_MAX: (1 << 56) - page on 5-level paging,
 * (1 << 47) - page on 4-level (x86_64).  Use [0, vmi_user_end()) for "the
 * whole process".
 *
 * Return: the address.
 */
uint64_t vmi_user_end(const struct vmi_info *info);

/* Defaults of vmi_walk_all() and vmi_maps_all(). */
#define VMI_WALK_CHUNK	 4096	    /* extents per VMI_IOC_WALK call */
#define VMI_WALK_ALL_MAX (1U << 24) /* give up (-E2BIG) beyond this */
#define VMI_MAPS_CHUNK	 512	    /* VMAs per VMI_IOC_MAPS call */
#define VMI_MAPS_ALL_MAX (1U << 22)

/*
 * Tuning and statistics of a multi-call query (vmi_walk_all_ex(),
 * vmi_maps_range()); pass NULL for the defaults.
 */
struct vmi_fetch {
	size_t chunk;	      /* in: records per ioctl; 0: the default */
	size_t max;	      /* in: -E2BIG beyond this many; 0: the default */
	uint64_t calls;	      /* out: ioctls issued */
	uint64_t max_lock_ns; /* out: longest lock hold of any call */
	uint64_t lock_drops;  /* out: lock drops, all calls (walk only) */
};

/**
 * vmi_walk_chunk() - VMI_IOC_WALK, once
 * @h: an open handle
 * @arg: the caller fills flags, pid, start, end, vec and vec_len; the
 *	library sets size, extent_size and reserved and clears the out fields
 *
 * On success nr_extents records are in vec and the walk covered
 * [start, walk_end): when walk_end < end, call again from there.
 *
 * Return: 0; -VMI_EPROTO for an answer that does not move forward
 * (walk_end <= start, walk_end > end, more records than vec_len); -ESRCH no
 * such process; -EPERM another user's process without CAP_SYS_ADMIN or
 * CAP_SYS_PTRACE; -EINVAL a bad range or a kernel thread; -VMI_ENOTSUPP;
 * another -errno.
 */
int vmi_walk_chunk(struct vmi_handle *h, struct vmi_walk_arg *arg);

/**
 * vmi_walk_all() - every extent of a range, in one array
 * @h: an open handle
 * @pid: the process; 0 is the caller
 * @start: first address, page aligned
 * @end: end address, page aligned, at most vmi_user_end()
 * @flags: VMI_WALK_*
 * @out: on success a malloc'ed array for the caller to free() (NULL when
 *	*@n is 0)
 * @n: on success the number of extents, in address order
 *
 * Calls VMI_IOC_WALK in chunks of VMI_WALK_CHUNK until the range is covered.
 *
 * Return: 0; -E2BIG beyond VMI_WALK_ALL_MAX extents; -ENOMEM; the errors of
 * vmi_walk_chunk().  On error *@out is NULL and *@n 0.
 */
int vmi_walk_all(struct vmi_handle *h, uint32_t pid, uint64_t start,
		 uint64_t end, uint64_t flags, struct vmi_extent **out,
		 size_t *n);

/**
 * vmi_walk_all_ex() - vmi_walk_all() with tuning and statistics
 * @h: an open handle
 * @pid: the process; 0 is the caller
 * @start: first address
 * @end: end address
 * @flags: VMI_WALK_*
 * @f: chunk size and limit in, calls and lock statistics out; NULL for the
 *	defaults
 * @out: as vmi_walk_all() (free() it)
 * @n: as vmi_walk_all()
 *
 * Return: as vmi_walk_all() (-E2BIG beyond @f->max extents).
 */
int vmi_walk_all_ex(struct vmi_handle *h, uint32_t pid, uint64_t start,
		    uint64_t end, uint64_t flags, struct vmi_fetch *f,
		    struct vmi_extent **out, size_t *n);

/**
 * vmi_translate() - VMI_IOC_TRANSLATE: the page-table path to one address
 * @h: an open handle
 * @pid: the process; 0 is the caller
 * @va: the virtual address
 * @out: zeroed, then filled level by level; @out->nr_levels is 0 when @va
 *	is in no VMA
 *
 * Return: 0; -ESRCH, -EPERM, -EINVAL (kernel thread), -VMI_ENOTSUPP or
 * another -errno.
 */
int vmi_translate(struct vmi_handle *h, uint32_t pid, uint64_t va,
		  struct vmi_translate_arg *out);

/**
 * vmi_pgtables() - VMI_IOC_PGTABLES: the page tables of a process
 * @h: an open handle
 * @pid: the process; 0 is the caller
 * @out: tables and entries per level, and their bytes
 *
 * Return: 0; -ESRCH, -EPERM, -EINVAL, -VMI_ENOTSUPP or another -errno.
 */
int vmi_pgtables(struct vmi_handle *h, uint32_t pid,
		 struct vmi_pgtables_arg *out);

/**
 * vmi_pgtables_vmas() - VMI_IOC_PGTABLES over all of user space, per VMA
 * @h: an open handle
 * @pid: the process; 0 is the caller
 * @total: tables, entries, empty tables and fullness per level, bytes
 * @out: set to a malloc()ed array of one record per VMA (free() it)
 * @n: set to its length
 *
 * A process of more than 4096 VMAs takes several calls; a table met at
 * the edge of two calls counts in both.
 *
 * Return: 0; -ESRCH, -EPERM, -VMI_ENOTSUPP (a module without per-VMA
 * page tables), -ENOMEM or another -errno.
 */
int vmi_pgtables_vmas(struct vmi_handle *h, uint32_t pid,
		      struct vmi_pgtables_arg *total, struct vmi_pgt_vma **out,
		      size_t *n);

/* The fullness bucket of a table with @n >= 1 entries in use, and its name. */
unsigned int vmi_pgt_bucket(uint64_t n);
const char *vmi_pgt_bucket_name(unsigned int b);

/**
 * vmi_proc_vm_pte() - VmPTE of /proc/PID/status: the kernel's count of a
 * process's page tables below the PGD
 * @root: prepended to "/proc"; NULL or "" for the running system
 * @pid: the process
 *
 * Return: bytes; 0 when unreadable.
 */
uint64_t vmi_proc_vm_pte(const char *root, uint32_t pid);

/* One process of vmi_pgt_scan(). */
struct vmi_pgt_proc {
	uint32_t pid;
	char comm[32];		   /* /proc/PID/comm, "" when unreadable */
	uint64_t vm_pte;	   /* VmPTE, bytes; 0 when unreadable */
	struct vmi_pgtables_arg t; /* its whole address space */
};

/* Every user process's page tables, and the kernel's sum of all tables. */
struct vmi_pgt_scan {
	struct vmi_pgt_proc *procs; /* malloc'ed, in /proc order */
	size_t n;
	size_t scanned; /* numeric entries of /proc */
	size_t kernel;	/* kernel threads (PF_KTHREAD, or no user memory) */
	size_t gone;	/* exited before they were asked about (ESRCH) */
	size_t denied;	/* EPERM, EACCES */
	size_t failed;	/* any other error */
	uint64_t page_tables; /* PageTables of /proc/meminfo, bytes */
};

/**
 * vmi_pgt_scan() - the page tables of every user process
 * @h: an open handle
 * @root: prepended to "/proc"; NULL or "" for the running system
 * @s: zeroed and filled; free with vmi_pgt_scan_free()
 *
 * Return: 0; -EINVAL for a NULL argument; -errno when /proc cannot be
 * read; -ENOMEM (@s then holds nothing).
 */
int vmi_pgt_scan(struct vmi_handle *h, const char *root,
		 struct vmi_pgt_scan *s);
void vmi_pgt_scan_free(struct vmi_pgt_scan *s);

/* A file or shmem object that more than one process maps. */
struct vmi_pgt_object {
	char name[256];	     /* its path in /proc/PID/maps */
	uint64_t dev, inode; /* as /proc/PID/maps gives them */
	uint32_t *pids;	     /* its mappers, ascending */
	size_t mappers;
	bool hugetlb;	     /* mapped by hugetlb VMAs */
	uint64_t pte_tables; /* PTE tables of all its mappers together */
	uint64_t pmd_tables; /* PMD tables of its hugetlb mappings */
	uint64_t bytes;	     /* the memory of these tables */
	/*
	 * what sharing would leave out: the PTE tables of its whole 2 MiB
	 * blocks (PMD mappings need none), and for hugetlb all mappers' PMD
	 * tables but one set
	 */
	uint64_t saved;
};

/**
 * vmi_pgt_shared() - the objects many processes map, by page-table bytes
 * @h: an open handle
 * @root: prepended to "/proc"; NULL or "" for the running system
 * @out: set to a malloc()ed array, most bytes first; free it with
 *	vmi_pgt_shared_free()
 * @n: set to its length
 * @counts: if not NULL, the processes scanned and left out (procs NULL)
 *
 * Every user process through vmi_pgtables_vmas(), joined with the device
 * and inode of each VMA in /proc/PID/maps.
 *
 * Return: 0; -EINVAL; -VMI_ENOTSUPP; -ENOMEM; -errno reading /proc.
 */
int vmi_pgt_shared(struct vmi_handle *h, const char *root,
		   struct vmi_pgt_object **out, size_t *n,
		   struct vmi_pgt_scan *counts);
void vmi_pgt_shared_free(struct vmi_pgt_object *o, size_t n);

/**
 * vmi_maps_chunk() - VMI_IOC_MAPS, once
 * @h: an open handle
 * @arg: filled as for vmi_walk_chunk() (vec of struct vmi_vma)
 *
 * Return: as vmi_walk_chunk().
 */
int vmi_maps_chunk(struct vmi_handle *h, struct vmi_maps_arg *arg);

/**
 * vmi_maps_range() - the VMAs of a process that meet a range, in one array
 * @h: an open handle
 * @pid: the process; 0 is the caller
 * @start: first address
 * @end: end address
 * @f: tuning and statistics, NULL for the defaults
 * @out: on success a malloc'ed array (free() it; NULL when *@n is 0), VMA
 *	names NUL-terminated
 * @n: on success the number of VMAs, in address order
 *
 * Return: 0; -E2BIG beyond VMI_MAPS_ALL_MAX (or @f->max) VMAs; -ENOMEM; the
 * errors of vmi_maps_chunk().  On error *@out is NULL and *@n 0.
 */
int vmi_maps_range(struct vmi_handle *h, uint32_t pid, uint64_t start,
		   uint64_t end, struct vmi_fetch *f, struct vmi_vma **out,
		   size_t *n);

/**
 * vmi_maps_all() - every VMA of a process
 * @h: an open handle
 * @pid: the process; 0 is the caller
 * @out: as vmi_maps_range() (free() it)
 * @n: as vmi_maps_range()
 *
 * Asks VMI_IOC_GET_INFO once per handle for the address-space limit.
 *
 * Return: as vmi_maps_range().
 */
int vmi_maps_all(struct vmi_handle *h, uint32_t pid, struct vmi_vma **out,
		 size_t *n);

/**
 * vmi_kind_name() - the name of a VMI_KIND_* value
 * @kind: the value
 *
 * Return: "present", "swap", ... (static), NULL when unknown.
 */
const char *vmi_kind_name(uint32_t kind);

/**
 * vmi_level_name() - the name of a VMI_LEVEL_* value
 * @level: the value
 *
 * Return: "pte", "pmd", "pud", "p4d" or "pgd" (static), NULL when unknown.
 */
const char *vmi_level_name(uint32_t level);

/**
 * vmi_eflag_name() - the name of one VMI_EF_* bit
 * @bit: the bit number (0 = lowest)
 *
 * Return: "present", "write", ..., "soft_dirty", "uffd_wp", "huge"
 * (static), NULL when unknown.
 */
const char *vmi_eflag_name(unsigned int bit);

/**
 * vmi_attr_name() - the name of one VMI_EA_* bit
 * @bit: the bit number
 *
 * Return: "thp", "hugetlb", "anon", "file", "shared", "pfn_hidden"
 * (static), NULL when unknown.
 */
const char *vmi_attr_name(unsigned int bit);

/**
 * vmi_vma_flag_name() - the name of one VMI_VMA_* bit
 * @bit: the bit number
 *
 * Return: "read", "write", "exec", "shared", "hugepage", "nohugepage",
 * "hugetlb", "anon", "file" (static), NULL when unknown.
 */
const char *vmi_vma_flag_name(unsigned int bit);

#define VMI_PERMS_LEN 5

/**
 * vmi_vma_perms() - VMI_VMA_* flags as in /proc/PID/maps ("rw-p", "r-xs")
 * @vma_flags: the flags
 * @buf: at least VMI_PERMS_LEN bytes, owned by the caller
 *
 * Return: @buf.
 */
char *vmi_vma_perms(uint32_t vma_flags, char *buf);

/* ---- huge pages ---- */

#define VMI_HUGE_CHUNK	 256	    /* VMAs per VMI_IOC_HUGE call */
#define VMI_HUGE_ALL_MAX (1U << 20) /* give up (-E2BIG) beyond this */

/**
 * vmi_huge_chunk() - VMI_IOC_HUGE, once
 * @h: an open handle
 * @arg: the caller fills pid, start, end, vec and vec_len (vec 0 and
 *	vec_len 0: the totals alone); the library sets the rest
 *
 * Return: as vmi_walk_chunk().
 */
int vmi_huge_chunk(struct vmi_handle *h, struct vmi_huge_arg *arg);

/**
 * vmi_huge_totals() - huge-page totals of a range in one call
 * @h: an open handle
 * @pid: the process; 0 is the caller
 * @start: first address, page aligned
 * @end: end address, page aligned
 * @out: filled; the totals are in @out->total, the process's VMI_HM_*
 *	flags in @out->mm_flags
 *
 * Return: as vmi_walk_chunk().
 */
int vmi_huge_totals(struct vmi_handle *h, uint32_t pid, uint64_t start,
		    uint64_t end, struct vmi_huge_arg *out);

/* Every VMA of a range with its page sizes (vmi_huge_range()). */
struct vmi_huge_result {
	struct vmi_huge_vma *vmas; /* address order, names NUL-terminated */
	size_t nr_vmas;
	struct vmi_huge_bytes total; /* the sum of the VMAs */
	uint32_t mm_flags;	     /* VMI_HM_* */
};

/**
 * vmi_huge_range() - every VMA of a range with its page sizes
 * @h: an open handle
 * @pid: the process; 0 is the caller
 * @start: first address
 * @end: end address
 * @f: tuning and statistics, NULL for the defaults
 * @r: filled on success; free with vmi_huge_result_free()
 *
 * Calls VMI_IOC_HUGE until the range is covered, joins a VMA that one call
 * ended and the next continued, and sums the VMAs into @r->total.
 *
 * Return: 0; -E2BIG beyond VMI_HUGE_ALL_MAX VMAs; -ENOMEM; the errors of
 * vmi_huge_chunk().  On error @r is empty (nothing to free).
 */
int vmi_huge_range(struct vmi_handle *h, uint32_t pid, uint64_t start,
		   uint64_t end, struct vmi_fetch *f,
		   struct vmi_huge_result *r);

/**
 * vmi_huge_all() - vmi_huge_range() over the whole address space
 * @h: an open handle
 * @pid: the process; 0 is the caller
 * @r: as vmi_huge_range(); free with vmi_huge_result_free()
 *
 * Return: as vmi_huge_range().
 */
int vmi_huge_all(struct vmi_handle *h, uint32_t pid, struct vmi_huge_result *r);

/**
 * vmi_huge_result_free() - free what vmi_huge_range() allocated
 * @r: the result; it is left empty (freeing twice is harmless)
 */
void vmi_huge_result_free(struct vmi_huge_result *r);

/**
 * vmi_huge_add() - add huge-page byte counts, field by field
 * @sum: the sum, updated
 * @b: what is added
 */
void vmi_huge_add(struct vmi_huge_bytes *sum, const struct vmi_huge_bytes *b);

/*
 * Huge pages system-wide, as the kernel publishes them: the library reads
 * the kernel's own files, not the module (which has no such command):
 * /sys/kernel/mm/hugepages and /sys/devices/system/node/nodeN/hugepages
 * (hugetlb pools), /proc/meminfo (THP bytes), /proc/vmstat (event
 * counters), /proc/buddyinfo and /proc/zoneinfo (free blocks, managed
 * pages).  Every user may read them.
 */
#define VMI_HUGE_POOLS 4 /* hugetlb page sizes reported at most */
#define VMI_HUGE_ZONES 8 /* zones of a node reported at most */

/* /proc/vmstat event counters, struct vmi_huge_sys.events[] */
#define VMI_EV_THP_FAULT_ALLOC		 0
#define VMI_EV_THP_FAULT_FALLBACK	 1
#define VMI_EV_THP_COLLAPSE_ALLOC	 2
#define VMI_EV_THP_COLLAPSE_ALLOC_FAILED 3
#define VMI_EV_THP_FILE_ALLOC		 4
#define VMI_EV_THP_FILE_MAPPED		 5
#define VMI_EV_THP_SPLIT_PAGE		 6
#define VMI_EV_THP_SPLIT_PAGE_FAILED	 7
#define VMI_EV_THP_DEFERRED_SPLIT_PAGE	 8
#define VMI_EV_THP_SPLIT_PMD		 9
#define VMI_EV_THP_ZERO_PAGE_ALLOC	 10
#define VMI_EV_THP_SWPOUT		 11
#define VMI_EV_HTLB_BUDDY_ALLOC		 12
#define VMI_EV_HTLB_BUDDY_ALLOC_FAIL	 13
#define VMI_EV_COMPACT_STALL		 14
#define VMI_EV_NR			 16 /* slots; unused ones are zero */

/* One hugetlb page size (/sys/kernel/mm/hugepages/hugepages-<size>kB). */
struct vmi_hugetlb_pool {
	uint64_t page_size; /* bytes */
	uint64_t total;	    /* nr_hugepages (HugePages_Total) */
	uint64_t free;	    /* free_hugepages (HugePages_Free) */
	uint64_t reserved;  /* resv_hugepages (HugePages_Rsvd) */
	uint64_t surplus;   /* surplus_hugepages (HugePages_Surp) */
};

/* Free blocks of one populated zone (a /proc/buddyinfo line). */
struct vmi_huge_zone {
	char name[16];		       /* DMA, DMA32, Normal, Movable... */
	uint64_t managed;	       /* /proc/zoneinfo "managed" (pages) */
	uint64_t free[VMI_THP_ORDERS]; /* free blocks per order */
};

/* One online NUMA node: its hugetlb pools and its zones' free blocks. */
struct vmi_huge_node {
	uint32_t node;
	uint32_t nr_zones;
	uint64_t pool_total[VMI_HUGE_POOLS]; /* same index as pools[] */
	uint64_t pool_free[VMI_HUGE_POOLS];
	uint64_t pool_surplus[VMI_HUGE_POOLS];
	struct vmi_huge_zone zones[VMI_HUGE_ZONES];
};

struct vmi_huge_sys {
	uint32_t nr_nodes; /* online nodes (/sys/devices/system/node/online) */
	uint32_t nr_pools; /* hugetlb page sizes in pools[] */
	struct vmi_hugetlb_pool pools[VMI_HUGE_POOLS]; /* smallest first */
	uint64_t anon_thp;	   /* bytes: meminfo AnonHugePages */
	uint64_t shmem_thp;	   /* ShmemHugePages */
	uint64_t shmem_pmd_mapped; /* ShmemPmdMapped */
	uint64_t file_thp;	   /* FileHugePages */
	uint64_t file_pmd_mapped;  /* FilePmdMapped */
	uint64_t free_2m;	   /* free blocks of >= 2 MiB, in 2 MiB units */
	uint64_t events[VMI_EV_NR]; /* by VMI_EV_*; 0 where vmstat lacks it */
};

/**
 * vmi_huge_sys_read() - huge pages system-wide, from the kernel's files
 * @root: prepended to every path ("/sys/...", "/proc/..."); NULL or "" for
 *	the running system (a copied tree in tests)
 * @out: zeroed and filled: hugetlb pools, THP bytes, vmstat events, free
 *	2 MiB blocks of every node; @out->nr_nodes says how many online
 *	NUMA nodes there are
 * @nodes: the first @max_nodes online nodes go here (caller's memory), in
 *	node order; may be NULL with @max_nodes 0
 * @max_nodes: elements of @nodes
 *
 * Each figure is the kernel's own, read once from its file: a pool resized
 * between two files' reads shows in one and not the other.  A kernel
 * without hugetlb has no pools; one without NUMA one node, 0, that holds
 * the whole pools; zones get their managed pages where /proc/zoneinfo
 * tells them.
 *
 * Return: 0; -EINVAL for a NULL @out, or a NULL @nodes with @max_nodes;
 * -VMI_EFORMAT for a malformed file; another -errno when /proc/meminfo,
 * /proc/vmstat, /proc/buddyinfo or a pool's file cannot be read.
 */
int vmi_huge_sys_read(const char *root, struct vmi_huge_sys *out,
		      struct vmi_huge_node *nodes, size_t max_nodes);

/**
 * vmi_huge_zone_free_2m() - a zone's free blocks in 2 MiB units
 * @z: from vmi_huge_sys_read()
 *
 * Return: the free blocks of order 9 and above, an order-10 block counting
 * two.
 */
uint64_t vmi_huge_zone_free_2m(const struct vmi_huge_zone *z);

/* One process of vmi_huge_scan(). */
struct vmi_huge_proc {
	uint32_t pid;
	char comm[32];		 /* /proc/PID/comm, "" when unreadable */
	struct vmi_huge_bytes b; /* totals of its whole address space */
	uint32_t mm_flags;	 /* VMI_HM_* */
};

/* Every user process of /proc, and how many were left out and why. */
struct vmi_huge_scan {
	struct vmi_huge_proc *procs; /* malloc'ed, in /proc order */
	size_t n;
	size_t scanned; /* numeric entries of /proc */
	size_t kernel;	/* kernel threads (PF_KTHREAD, or no user memory) */
	size_t gone;	/* exited before they were asked about (ESRCH) */
	size_t denied;	/* EPERM, EACCES */
	size_t failed;	/* any other error */
};

/**
 * vmi_huge_scan() - huge-page totals of every user process
 * @h: an open handle
 * @root: prepended to "/proc"; NULL or "" for the running system
 * @s: zeroed and filled; free with vmi_huge_scan_free()
 *
 * Reads the numeric entries of /proc, skips kernel threads (PF_KTHREAD in
 * /proc/PID/stat), and asks vmi_huge_totals() for each other process over
 * its whole user address space, counting the processes that vanished, were
 * forbidden or failed instead of stopping.
 *
 * Return: 0; -EINVAL for a NULL argument; an error of VMI_IOC_GET_INFO;
 * -errno when /proc cannot be read; -ENOMEM (@s then holds nothing).
 */
int vmi_huge_scan(struct vmi_handle *h, const char *root,
		  struct vmi_huge_scan *s);

/**
 * vmi_huge_scan_free() - free the processes of a vmi_huge_scan()
 * @s: the scan; its counts stay, procs becomes NULL and n 0
 */
void vmi_huge_scan_free(struct vmi_huge_scan *s);

/**
 * vmi_proc_comm() - the command name of a process, from /proc/PID/comm
 * @root: prepended to "/proc"; NULL or "" for the running system
 * @pid: the process; 0 is the caller
 * @buf: filled with the name without its newline ("" on failure)
 * @len: size of @buf; a longer name is cut
 *
 * Return: 0; -EINVAL for a NULL @buf or a 0 @len; -errno when the file
 * cannot be read.
 */
int vmi_proc_comm(const char *root, uint32_t pid, char *buf, size_t len);

/**
 * vmi_huge_event_name() - the /proc/vmstat name of a VMI_EV_* counter
 * @ev: the index
 *
 * Return: "thp_fault_alloc", ... (static), NULL for an unused slot.
 */
const char *vmi_huge_event_name(unsigned int ev);

/**
 * vmi_huge_thp_pmd() - bytes on PMD-mapped THP (anon, shmem and file)
 * @b: the counts
 *
 * Return: the sum.
 */
uint64_t vmi_huge_thp_pmd(const struct vmi_huge_bytes *b);

/**
 * vmi_huge_hugetlb_2m() - bytes on 2 MiB hugetlb pages (private and shared)
 * @b: the counts
 *
 * Return: the sum.
 */
uint64_t vmi_huge_hugetlb_2m(const struct vmi_huge_bytes *b);

/**
 * vmi_huge_hugetlb_1g() - bytes on 1 GiB hugetlb pages (private and shared)
 * @b: the counts
 *
 * Return: the sum.
 */
uint64_t vmi_huge_hugetlb_1g(const struct vmi_huge_bytes *b);

/*
 * The THP policy from sysfs (/sys/kernel/mm/transparent_hugepage): the
 * selected word of each "[always] madvise never" file, "" when the file
 * is missing; numbers -1 when missing.
 */
#define VMI_THP_WORD	  24
#define VMI_THP_MAX_SIZES 16

struct vmi_thp_size {
	uint64_t size;			  /* folio bytes (hugepages-<size>kB) */
	char enabled[VMI_THP_WORD];	  /* always, inherit, madvise, never */
	char shmem_enabled[VMI_THP_WORD]; /* "" where absent */
};

struct vmi_thp_policy {
	bool present; /* the directory exists (CONFIG_TRANSPARENT_HUGEPAGE) */
	char enabled[VMI_THP_WORD];
	char defrag[VMI_THP_WORD];
	char shmem_enabled[VMI_THP_WORD];
	int64_t use_zero_page;
	int64_t khugepaged_defrag;
	int64_t pages_to_scan;
	int64_t scan_sleep_millisecs;
	int64_t alloc_sleep_millisecs;
	int64_t max_ptes_none;
	int64_t max_ptes_swap;
	int64_t max_ptes_shared;
	int64_t full_scans;
	int64_t pages_collapsed;
	unsigned int nr_sizes; /* per-size (mTHP) policy, 6.8+ */
	struct vmi_thp_size sizes[VMI_THP_MAX_SIZES];
};

/**
 * vmi_thp_policy_read() - the THP policy from sysfs
 * @dir: the directory; NULL for /sys/kernel/mm/transparent_hugepage
 * @p: zeroed and filled: the selected word of each "[always] madvise never"
 *	file ("" when missing), numbers (-1 when missing), the per-size
 *	policy (6.8+); @p->present is false when the directory is missing
 *
 * Return: 0 (also when THP is not configured: no directory); -EINVAL for a
 * NULL @p; another -errno when the directory cannot be read.
 */
int vmi_thp_policy_read(const char *dir, struct vmi_thp_policy *p);

/**
 * vmi_thp_pmd_enabled() - the policy that decides 2 MiB anonymous THP
 * @p: from vmi_thp_policy_read()
 *
 * Return: the 2048 kB size's own setting unless it is "inherit" or absent,
 * else the global one; "" when unknown.  Points into @p.
 */
const char *vmi_thp_pmd_enabled(const struct vmi_thp_policy *p);

/*
 * Data TLB capacity from CPUID, entries (0: CPUID does not tell).  "stlb"
 * is the second-level TLB (Intel STLB, AMD L2 TLB).
 */
struct vmi_tlb_capacity {
	char vendor[16];
	const char *source; /* "cpuid 0x18", "cpuid 0x2", "cpuid 0x80000005",
			     * or "none" */
	unsigned int l1d_4k, l1d_2m, l1d_1g;
	unsigned int stlb_4k, stlb_2m, stlb_1g;
};

/* One CPUID query: fills r[4] = eax, ebx, ecx, edx; false if unsupported. */
typedef bool (*vmi_cpuid_fn)(void *ctx, uint32_t leaf, uint32_t sub,
			     uint32_t r[4]);

/**
 * vmi_tlb_capacity_decode() - the data TLB capacity as a CPUID tells it
 * @cpuid: the CPUID function (a fake one in tests)
 * @ctx: passed to @cpuid
 * @t: filled; 0 entries where CPUID does not tell
 *
 * Tries leaf 0x18 (Intel), then the leaf 0x2 descriptors, or
 * 0x80000005/6/19 (AMD and others).
 */
void vmi_tlb_capacity_decode(vmi_cpuid_fn cpuid, void *ctx,
			     struct vmi_tlb_capacity *t);

/**
 * vmi_tlb_capacity_read() - the data TLB capacity of this CPU
 * @t: filled from CPUID (x86); source "none" elsewhere
 */
void vmi_tlb_capacity_read(struct vmi_tlb_capacity *t);

/**
 * vmi_tlb_capacity_known() - whether CPUID told anything
 * @t: from vmi_tlb_capacity_read()
 *
 * Return: true when any entry count is known.
 */
bool vmi_tlb_capacity_known(const struct vmi_tlb_capacity *t);

/*
 * Why a VMA is not (fully) on huge pages: the advice engine.  Pure: it
 * looks only at the records and facts it is given.
 */
enum vmi_huge_reason {
	VMI_HR_THP_DISABLED_SYSTEM,
	VMI_HR_THP_MADVISE_ONLY,
	VMI_HR_THP_DISABLED_PRCTL,
	VMI_HR_MADV_NOHUGEPAGE,
	VMI_HR_TOO_SMALL,
	VMI_HR_UNALIGNED,
	VMI_HR_NOT_TOUCHED,
	VMI_HR_KHUGEPAGED_PENDING,
	VMI_HR_HUGETLB_POOL_EMPTY,
	VMI_HR_FILE_NO_LARGE_FOLIOS,
	VMI_HR_SHMEM_THP_DISABLED,
	VMI_HR_SPLIT_THP,
	VMI_HR_SPECIAL_MAPPING,
	VMI_HR_NR
};

/* The system facts the advice needs; NULL members are unknown. */
struct vmi_huge_facts {
	const struct vmi_thp_policy *thp;
	uint32_t mm_flags; /* VMI_HM_* of the process */
	const struct vmi_hugetlb_pool *pools;
	unsigned int nr_pools;
};

/**
 * vmi_huge_needs_outside() - whether the advice needs a VMA's head and tail
 * @v: the VMA
 *
 * When true, query the bytes outside its 2 MiB-aligned span with
 * vmi_huge_totals() over [v->start, v->span_2m_start) and
 * [v->span_2m_end, v->end) and pass their sum to vmi_huge_advise().
 *
 * Return: true or false.
 */
bool vmi_huge_needs_outside(const struct vmi_huge_vma *v);

/**
 * vmi_huge_advise() - why a VMA is not (fully) on huge pages
 * @f: the system facts (THP policy, the process's VMI_HM_* flags, pools)
 * @v: the VMA
 * @outside: the bytes of its head and tail pieces; NULL if unknown (then
 *	taken as none)
 *
 * Pure: looks only at what it is given.
 *
 * Return: the reasons, bit VMI_HR_* each; 0 when the VMA is fully huge or
 * there is nothing worth saying (a small VMA with nothing resident).
 */
uint32_t vmi_huge_advise(const struct vmi_huge_facts *f,
			 const struct vmi_huge_vma *v,
			 const struct vmi_huge_bytes *outside);

/**
 * vmi_huge_reason_name() - the stable machine name of a reason
 * @reason: VMI_HR_*
 *
 * Return: "too_small", ... (static), NULL if out of range.
 */
const char *vmi_huge_reason_name(unsigned int reason);

/**
 * vmi_huge_reason_text() - one line for people: why
 * @reason: VMI_HR_*
 *
 * Return: a static string, NULL if out of range.
 */
const char *vmi_huge_reason_text(unsigned int reason);

/**
 * vmi_huge_reason_fix() - the fix for a reason
 * @reason: VMI_HR_*
 * @f: the facts (khugepaged settings, pools); may be NULL
 * @v: the VMA (its hugetlb page size); may be NULL
 * @buf: the caller's buffer
 * @len: its size; the text is truncated to fit
 *
 * Return: @buf.
 */
char *vmi_huge_reason_fix(unsigned int reason, const struct vmi_huge_facts *f,
			  const struct vmi_huge_vma *v, char *buf, size_t len);

/* ---- huge pages, block by block ---- */

#define VMI_HUGE_BLOCKS_CHUNK 1024 /* blocks per VMI_IOC_HUGE_BLOCKS call */
#define VMI_HUGE_BLOCKS_MAX   (1U << 24) /* give up (-E2BIG) beyond this */

/**
 * vmi_huge_blocks_chunk() - VMI_IOC_HUGE_BLOCKS, once
 * @h: an open handle
 * @arg: the caller fills flags, pid, start, end, vec and vec_len; the
 *	library sets size and block_size and clears the out fields
 *
 * Return: as vmi_walk_chunk().
 */
int vmi_huge_blocks_chunk(struct vmi_handle *h,
			  struct vmi_huge_blocks_arg *arg);

/**
 * vmi_huge_blocks_range() - the facts of every 2 MiB block of a range
 * @h: an open handle
 * @pid: the process; 0 is the caller
 * @start: first address, page aligned (2 MiB aligned for whole blocks)
 * @end: end address, page aligned
 * @flags: VMI_HUGE_BLOCKS_*
 * @f: tuning and statistics, NULL for the defaults
 * @out: on success a malloc'ed array (free() it; NULL when *@n is 0)
 * @n: on success the number of records, in address order
 * @p: when not NULL, its mm_flags and kflags are set from the module's
 *	answer (the rest is the caller's)
 *
 * Return: 0; -E2BIG beyond VMI_HUGE_BLOCKS_MAX (or @f->max) records;
 * -ENOMEM; the errors of vmi_huge_blocks_chunk().
 */
struct vmi_block_policy;
int vmi_huge_blocks_range(struct vmi_handle *h, uint32_t pid, uint64_t start,
			  uint64_t end, uint64_t flags, struct vmi_fetch *f,
			  struct vmi_huge_block **out, size_t *n,
			  struct vmi_block_policy *p);

/*
 * Why a block is not huge: one verdict per block, the first that matches
 * in this order.
 */
#define VMI_HBV_PMD_MAPPED	   0  /* already one huge page */
#define VMI_HBV_PTE_MAPPED_LARGE   1  /* a large folio mapped by PTEs */
#define VMI_HBV_HUGETLB		   2  /* hugetlb: huge by other means */
#define VMI_HBV_PARTIAL_BLOCK	   3  /* not wholly inside its VMA */
#define VMI_HBV_VMA_NOHUGEPAGE	   4  /* MADV_NOHUGEPAGE */
#define VMI_HBV_PRCTL_DISABLED	   5  /* PR_SET_THP_DISABLE */
#define VMI_HBV_POLICY		   6  /* sysfs: never, or madvise unasked */
#define VMI_HBV_NOT_PRESENT	   7  /* nothing mapped */
#define VMI_HBV_TOO_FEW_PRESENT	   8  /* more empty than max_ptes_none */
#define VMI_HBV_TOO_MANY_SWAP	   9  /* more swapped than max_ptes_swap */
#define VMI_HBV_TOO_MANY_SHARED	   10 /* more shared than max_ptes_shared */
#define VMI_HBV_KSM		   11 /* KSM-merged pages */
#define VMI_HBV_PINNED		   12 /* pages with extra references */
#define VMI_HBV_UFFD_WP		   13 /* userfaultfd write protection */
#define VMI_HBV_READ_ONLY	   14 /* no writable PTE (VMI_HBK_NEEDS_WRITE) */
#define VMI_HBV_FILE_INELIGIBLE	   15 /* a file or special mapping */
#define VMI_HBV_NO_FREE_2M	   16 /* no free 2 MiB block to copy into */
#define VMI_HBV_KHUGEPAGED_PENDING 17 /* khugepaged will collapse it */
#define VMI_HBV_COLLAPSIBLE	   18 /* MADV_COLLAPSE would, now */
#define VMI_HBV_NR		   19

/*
 * Their names, a list as those of <linux/vminspect.h>: define
 * VMI_VAL_NAME(val, name) and write
 * "static const char *const names[] = VMI_HBV_NAMES;".
 */
#define VMI_HBV_NAMES                                                          \
	{                                                                      \
		VMI_VAL_NAME(VMI_HBV_PMD_MAPPED, "pmd_mapped")                 \
		VMI_VAL_NAME(VMI_HBV_PTE_MAPPED_LARGE, "pte_mapped_large")     \
		VMI_VAL_NAME(VMI_HBV_HUGETLB, "hugetlb")                       \
		VMI_VAL_NAME(VMI_HBV_PARTIAL_BLOCK, "partial_block")           \
		VMI_VAL_NAME(VMI_HBV_VMA_NOHUGEPAGE, "vma_nohugepage")         \
		VMI_VAL_NAME(VMI_HBV_PRCTL_DISABLED, "prctl_disabled")         \
		VMI_VAL_NAME(VMI_HBV_POLICY, "policy")                         \
		VMI_VAL_NAME(VMI_HBV_NOT_PRESENT, "not_present")               \
		VMI_VAL_NAME(VMI_HBV_TOO_FEW_PRESENT, "too_few_present")       \
		VMI_VAL_NAME(VMI_HBV_TOO_MANY_SWAP, "too_many_swap")           \
		VMI_VAL_NAME(VMI_HBV_TOO_MANY_SHARED, "too_many_shared")       \
		VMI_VAL_NAME(VMI_HBV_KSM, "ksm")                               \
		VMI_VAL_NAME(VMI_HBV_PINNED, "pinned")                         \
		VMI_VAL_NAME(VMI_HBV_UFFD_WP, "uffd_wp")                       \
		VMI_VAL_NAME(VMI_HBV_READ_ONLY, "read_only")                   \
		VMI_VAL_NAME(VMI_HBV_FILE_INELIGIBLE, "file_ineligible")       \
		VMI_VAL_NAME(VMI_HBV_NO_FREE_2M, "no_free_2m")                 \
		VMI_VAL_NAME(VMI_HBV_KHUGEPAGED_PENDING, "khugepaged_pending") \
		VMI_VAL_NAME(VMI_HBV_COLLAPSIBLE, "collapsible")               \
	}

/* The policy behind the verdicts, from sysfs and /proc. */
struct vmi_block_policy {
	const struct vmi_thp_policy *thp; /* NULL: unknown */
	uint32_t mm_flags;		  /* VMI_HM_* of the process */
	uint32_t kflags;		  /* VMI_HBK_* of the kernel */
	int64_t free_2m; /* free blocks of >= 2 MiB (buddyinfo); -1: unknown */
	/* pages khugepaged scans for one pass over the process (ETA) */
	uint64_t scan_pages;
};

/**
 * vmi_block_policy_read() - the system's side of a block policy
 * @root: prepended to every path, as for vmi_huge_sys_read(); NULL or ""
 *	for the running system
 * @p: its thp and free_2m are set (mm_flags, kflags and scan_pages are
 *	left as they are)
 * @thp: filled by vmi_thp_policy_read(); @p->thp points to it, or is NULL
 *	when it cannot be read
 *
 * free_2m counts the free blocks of 2 MiB or more of /proc/buddyinfo in
 * every zone a huge page can come from (all but DMA); -1 when unreadable.
 *
 * Return: 0; -EINVAL for a NULL argument; the errors of
 * vmi_thp_policy_read().
 */
int vmi_block_policy_read(const char *root, struct vmi_block_policy *p,
			  struct vmi_thp_policy *thp);

/* What becomes of one block. */
struct vmi_block_verdict {
	unsigned int verdict; /* VMI_HBV_* */
	bool madv_collapse;   /* MADV_COLLAPSE of the block would succeed */
	bool khugepaged;      /* khugepaged would collapse it at its visit */
	/* the khugepaged limit the verdict is about, -1: none */
	int64_t limit;
	/* VMI_HBV_KHUGEPAGED_PENDING: ms to one pass over the process */
	uint64_t eta_ms;
};

/**
 * vmi_huge_block_verdict() - the verdict and both predictions of a block
 * @p: the policy (THP settings, khugepaged's limits, free blocks)
 * @b: the block's facts
 * @v: filled
 *
 * Pure: looks only at what it is given.  The predictions follow
 * mm/khugepaged.c: MADV_COLLAPSE ignores the sysfs policy and the
 * max_ptes_* limits and swaps pages in; khugepaged applies them, scans
 * only registered processes and wants young pages.  Both refuse blocks
 * with pinned, uffd-wp or other non-present entries, or no writable PTE.
 */
void vmi_huge_block_verdict(const struct vmi_block_policy *p,
			    const struct vmi_huge_block *b,
			    struct vmi_block_verdict *v);

/**
 * vmi_huge_block_verdict_name() - the name of a VMI_HBV_* verdict
 * @verdict: the verdict
 *
 * Return: "pmd_mapped", ... (static), NULL if out of range.
 */
const char *vmi_huge_block_verdict_name(unsigned int verdict);

/**
 * vmi_huge_block_fix() - what to do about a verdict, for people
 * @v: the verdict
 * @b: the block (or the first of a run)
 * @buf: the caller's buffer
 * @len: its size; the text is truncated to fit
 *
 * Return: @buf.
 */
char *vmi_huge_block_fix(const struct vmi_block_verdict *v,
			 const struct vmi_huge_block *b, char *buf, size_t len);

/**
 * vmi_huge_block_flag_name() - the name of one VMI_HB_* bit
 * @bit: the bit number
 *
 * Return: "pmd_mapped", ... (static), NULL when unknown.
 */
const char *vmi_huge_block_flag_name(unsigned int bit);

/**
 * vmi_thp_pmd_shmem_enabled() - the policy that decides 2 MiB shmem THP
 * @p: from vmi_thp_policy_read()
 *
 * Return: the 2048 kB size's own shmem_enabled unless "inherit" or absent
 * (6.11+), else the global one; "" when unknown.  Points into @p.
 */
const char *vmi_thp_pmd_shmem_enabled(const struct vmi_thp_policy *p);

/* ---- TLB shootdowns (every call needs root) ---- */

/**
 * vmi_tlb_ctl() - VMI_IOC_TLB_CTL: switch TLB tracking, read its state
 * @h: an open handle
 * @flags: VMI_TLB_ENABLE, _DISABLE and/or _RESET; 0 reads the state only
 * @out: the state after the command; may be NULL
 *
 * Return: 0; -EPERM without CAP_SYS_ADMIN; -EINVAL for ENABLE with DISABLE
 * or unknown flags; -EOPNOTSUPP when this kernel cannot be tracked;
 * -VMI_ENOTSUPP; another -errno.
 */
int vmi_tlb_ctl(struct vmi_handle *h, uint64_t flags,
		struct vmi_tlb_ctl_arg *out);

/**
 * vmi_tlb_cpus() - the TLB counters of every possible CPU
 * @h: an open handle
 * @out: on success a malloc'ed array (free() it)
 * @n: on success its number of CPUs
 *
 * Return: 0; -EPERM (root only); -ENOMEM; -VMI_EPROTO; another -errno.  On
 * error *@out is NULL and *@n 0.
 */
int vmi_tlb_cpus(struct vmi_handle *h, struct vmi_tlb_cpu **out, size_t *n);

/**
 * vmi_tlb_initiators() - the table of shootdown initiators
 * @h: an open handle
 * @pid: only the initiators of this process; 0 for all
 * @out: on success a malloc'ed array (free() it)
 * @n: on success its number of entries
 *
 * Return: as vmi_tlb_cpus().
 */
int vmi_tlb_initiators(struct vmi_handle *h, uint32_t pid,
		       struct vmi_tlb_initiator **out, size_t *n);

/**
 * vmi_tlb_trace() - take records from the shootdown trace ring
 * @h: an open handle
 * @vec: the caller's array
 * @len: its number of elements
 * @n: the number of records taken
 * @drops: the ring's drop count since load or reset; may be NULL
 *
 * Return: 0; -EPERM (root only); -EINVAL for a NULL argument or a @len of
 * 0; -VMI_EPROTO; another -errno.
 */
int vmi_tlb_trace(struct vmi_handle *h, struct vmi_tlb_record *vec, size_t len,
		  size_t *n, uint64_t *drops);

/**
 * vmi_tlb_quantile() - a quantile of a log2 histogram
 * @hist: VMI_TLB_HIST_BUCKETS buckets; bucket b counts values below
 *	2^(b + 1)
 * @max: the largest value seen (the answer never exceeds it)
 * @permille: the quantile in thousandths (500: median, 990: p99)
 *
 * Return: the top of the bucket below which @permille/1000 of the values
 * lie, at most @max; 0 for an empty histogram.
 */
uint64_t vmi_tlb_quantile(const __u64 *hist, uint64_t max,
			  unsigned int permille);

/**
 * vmi_tlb_sites() - the call sites of kernel flushes, per initiator
 * @h: an open handle
 * @out: on success a malloc'ed array (free() it)
 * @n: on success its number of entries; one site of one initiator may
 *	come in more than one entry (add them up)
 *
 * Return: as vmi_tlb_cpus().
 */
int vmi_tlb_sites(struct vmi_handle *h, struct vmi_tlb_site **out, size_t *n);

/**
 * vmi_tlb_cause_name() - the name of a VMI_TLB_CAUSE_* value
 * @cause: the value
 *
 * Return: "munmap", "kthread", ... (static), NULL if unknown.
 */
const char *vmi_tlb_cause_name(unsigned int cause);

/**
 * vmi_tlb_initiator_cause() - an initiator's shootdowns for one cause
 * @in: from vmi_tlb_initiators()
 * @cause: VMI_TLB_CAUSE_*, below VMI_TLB_NR_CAUSES_ALL
 *
 * Return: the count, from causes[] or causes_ext[]; 0 for a cause out of
 * range.
 */
uint64_t vmi_tlb_initiator_cause(const struct vmi_tlb_initiator *in,
				 unsigned int cause);

/**
 * vmi_tlb_hit_name() - the name of a VMI_TLB_HIT_* value
 * @hit: the value
 *
 * Return: "user", "kernel" or "idle" (static), NULL if unknown.
 */
const char *vmi_tlb_hit_name(unsigned int hit);

/**
 * vmi_tlb_reason_name() - the name of a VMI_TLB_* tracepoint reason
 * @reason: the value
 *
 * Return: "remote_shootdown", "send_ipi", ... (static), NULL if unknown.
 */
const char *vmi_tlb_reason_name(unsigned int reason);

/**
 * vmi_tlb_cpu_pages() - the pages a CPU flushed
 * @c: its counters
 *
 * Return: the pages of its remote, local and local-mm flushes.
 */
uint64_t vmi_tlb_cpu_pages(const struct vmi_tlb_cpu *c);

#ifdef __cplusplus
}
#endif

#endif /* _VMINSPECT_LIB_H */
