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

/* Open VMI_CTL_PATH read-only.  On failure returns NULL and sets *err. */
struct vmi_handle *vmi_open(int *err);
void vmi_close(struct vmi_handle *h);

/*
 * VMI_IOC_GET_INFO: fills *out (size and flags set by the library).
 * String members are always NUL-terminated on success.
 */
int vmi_get_info(struct vmi_handle *h, struct vmi_info *out);

/*
 * True if the module speaks VMI_ABI_VERSION.  Otherwise false, and when
 * why is not NULL a message naming both versions is written to it.
 */
bool vmi_abi_compatible(const struct vmi_info *info, char *why, size_t len);

/* Message for a 0, -errno or -VMI_E* code (the sign is ignored). */
const char *vmi_strerror(int err);

/* Directory the library reads: VMI_PROC_DIR unless overridden. */
const char *vmi_proc_dir(void);

/* Name of one VMI_FEAT_* bit ("walk", ...), NULL if unknown. */
const char *vmi_feature_name(uint64_t feature);
/* VMI_FEAT_* bit for a name, 0 if unknown. */
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

int vmi_read_status(struct vmi_status_kv **kv, size_t *n);
int vmi_parse_status(const char *text, size_t len, struct vmi_status_kv **kv,
		     size_t *n);
void vmi_free_status(struct vmi_status_kv *kv, size_t n);
/* Value of the first pair with this key, NULL if none. */
const char *vmi_status_get(const struct vmi_status_kv *kv, size_t n,
			   const char *key);
/*
 * Fill *out from status pairs the way VMI_IOC_GET_INFO would.  abi_version
 * is required; other missing keys leave zeroes.  Unknown feature names are
 * ignored.  Returns 0 or -VMI_EFORMAT.
 */
int vmi_status_to_info(const struct vmi_status_kv *kv, size_t n,
		       struct vmi_info *out);

/* ---- page tables ---- */

/*
 * One past the highest address a range query may name: the kernel's
 * TASK_SIZE_MAX, (1 << 56) - page on 5-level paging, (1 << 47) - page on
 * 4-level (x86_64).  Use [0, vmi_user_end()) for "the whole process".
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
	uint64_t max_lock_ns; /* out: longest mmap_lock hold of any call */
	uint64_t lock_drops;  /* out: lock drops, all calls (walk only) */
};

/*
 * VMI_IOC_WALK, once.  The caller fills flags, pid, start, end, vec and
 * vec_len; the library sets size, extent_size and reserved and clears the
 * out fields.  On success nr_extents records are in vec and the walk
 * covered [start, walk_end): when walk_end < end, call again from there.
 * An answer that does not move forward is -VMI_EPROTO.
 */
int vmi_walk_chunk(struct vmi_handle *h, struct vmi_walk_arg *arg);

/*
 * The extents of [start, end) of process pid (0: the caller), VMI_WALK_*
 * flags, in one array: calls VMI_IOC_WALK until the range is covered.  On
 * success *out (free() it; NULL when *n is 0) holds *n extents in address
 * order.  More than VMI_WALK_ALL_MAX extents is -E2BIG.  On error *out is
 * NULL and *n is 0.
 */
int vmi_walk_all(struct vmi_handle *h, uint32_t pid, uint64_t start,
		 uint64_t end, uint64_t flags, struct vmi_extent **out,
		 size_t *n);
/* The same with chunk size, limit and statistics in *f (may be NULL). */
int vmi_walk_all_ex(struct vmi_handle *h, uint32_t pid, uint64_t start,
		    uint64_t end, uint64_t flags, struct vmi_fetch *f,
		    struct vmi_extent **out, size_t *n);

/*
 * VMI_IOC_TRANSLATE: the path to va in process pid, level by level (*out
 * is zeroed, then filled).  out->nr_levels is 0 when va is in no VMA.
 */
int vmi_translate(struct vmi_handle *h, uint32_t pid, uint64_t va,
		  struct vmi_translate_arg *out);

/* VMI_IOC_PGTABLES: page tables of process pid, per level. */
int vmi_pgtables(struct vmi_handle *h, uint32_t pid,
		 struct vmi_pgtables_arg *out);

/* VMI_IOC_MAPS, once; same contract as vmi_walk_chunk(). */
int vmi_maps_chunk(struct vmi_handle *h, struct vmi_maps_arg *arg);

/*
 * The VMAs of process pid meeting [start, end), in one array (as
 * vmi_walk_all(); names are NUL-terminated).  More than VMI_MAPS_ALL_MAX
 * (or f->max) VMAs is -E2BIG.
 */
int vmi_maps_range(struct vmi_handle *h, uint32_t pid, uint64_t start,
		   uint64_t end, struct vmi_fetch *f, struct vmi_vma **out,
		   size_t *n);
/* Every VMA of process pid (VMI_IOC_GET_INFO is asked for the limit once). */
int vmi_maps_all(struct vmi_handle *h, uint32_t pid, struct vmi_vma **out,
		 size_t *n);

/*
 * Names, NULL when unknown: VMI_KIND_* ("present", "swap", ...),
 * VMI_LEVEL_* ("pte", "pmd", "pud", "p4d", "pgd").
 */
const char *vmi_kind_name(uint32_t kind);
const char *vmi_level_name(uint32_t level);
/*
 * Names of single bits by bit number (0 = lowest), NULL when unknown:
 * VMI_EF_* ("present", "write", ..., "soft-dirty", "uffd-wp", "huge"),
 * VMI_EA_* ("thp", "hugetlb", "anon", "file", "shared", "pfn-hidden"),
 * VMI_VMA_* ("read", "write", "exec", "shared", "hugepage", "nohugepage",
 * "hugetlb", "anon", "file").
 */
const char *vmi_eflag_name(unsigned int bit);
const char *vmi_attr_name(unsigned int bit);
const char *vmi_vma_flag_name(unsigned int bit);

#define VMI_PERMS_LEN 5
/* VMI_VMA_* as in /proc/PID/maps: "rw-p", "r-xs"; buf holds 5 bytes. */
char *vmi_vma_perms(uint32_t vma_flags, char *buf);

/* ---- TLB shootdowns (every call needs root) ---- */

/*
 * VMI_IOC_TLB_CTL: VMI_TLB_ENABLE, _DISABLE and/or _RESET (0 reads the
 * state only); *out (may be NULL) receives the state after the command.
 */
int vmi_tlb_ctl(struct vmi_handle *h, uint64_t flags,
		struct vmi_tlb_ctl_arg *out);
/* Counters of every possible CPU, in a malloc'ed array. */
int vmi_tlb_cpus(struct vmi_handle *h, struct vmi_tlb_cpu **out, size_t *n);
/* The initiator table (of process pid only, unless 0), malloc'ed. */
int vmi_tlb_initiators(struct vmi_handle *h, uint32_t pid,
		       struct vmi_tlb_initiator **out, size_t *n);
/*
 * Take up to len records from the trace ring into vec: *n of them, and
 * the ring's drop count since load or reset in *drops (may be NULL).
 */
int vmi_tlb_trace(struct vmi_handle *h, struct vmi_tlb_record *vec, size_t len,
		  size_t *n, uint64_t *drops);
/*
 * The value below which permille/1000 of a log2 histogram lies: the top
 * of that bucket, at most max.  0 for an empty histogram.
 */
uint64_t vmi_tlb_quantile(const __u64 *hist, uint64_t max,
			  unsigned int permille);
/* "munmap", "kthread", ... for VMI_TLB_CAUSE_*; NULL if unknown. */
const char *vmi_tlb_cause_name(unsigned int cause);
/* "remote_shootdown", ... for VMI_TLB_* reasons; NULL if unknown. */
const char *vmi_tlb_reason_name(unsigned int reason);
/* Pages a CPU flushed: its remote, local and local-mm flushes. */
uint64_t vmi_tlb_cpu_pages(const struct vmi_tlb_cpu *c);

#ifdef __cplusplus
}
#endif

#endif /* _VMINSPECT_LIB_H */
