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

/* ---- huge pages ---- */

#define VMI_HUGE_CHUNK	 256	    /* VMAs per VMI_IOC_HUGE call */
#define VMI_HUGE_ALL_MAX (1U << 20) /* give up (-E2BIG) beyond this */

/*
 * VMI_IOC_HUGE, once.  The caller fills pid, start, end, vec and vec_len
 * (vec 0 and vec_len 0: the totals alone); same contract as
 * vmi_walk_chunk().
 */
int vmi_huge_chunk(struct vmi_handle *h, struct vmi_huge_arg *arg);
/* The totals of [start, end) of process pid in one call (out->total). */
int vmi_huge_totals(struct vmi_handle *h, uint32_t pid, uint64_t start,
		    uint64_t end, struct vmi_huge_arg *out);

/* Every VMA of a range with its page sizes (vmi_huge_range()). */
struct vmi_huge_result {
	struct vmi_huge_vma *vmas; /* address order, names NUL-terminated */
	size_t nr_vmas;
	struct vmi_huge_bytes total; /* the sum of the VMAs */
	uint32_t mm_flags;	     /* VMI_HM_* */
};

/*
 * The VMAs of process pid meeting [start, end): calls VMI_IOC_HUGE until
 * the range is covered.  Free r with vmi_huge_result_free().
 */
int vmi_huge_range(struct vmi_handle *h, uint32_t pid, uint64_t start,
		   uint64_t end, struct vmi_fetch *f,
		   struct vmi_huge_result *r);
int vmi_huge_all(struct vmi_handle *h, uint32_t pid, struct vmi_huge_result *r);
void vmi_huge_result_free(struct vmi_huge_result *r);
/* sum += b, field by field */
void vmi_huge_add(struct vmi_huge_bytes *sum, const struct vmi_huge_bytes *b);

/*
 * VMI_IOC_HUGE_SYS: *out filled; the first max_nodes nodes go to nodes
 * (may be NULL with max_nodes 0); out->nr_nodes says how many there are.
 */
int vmi_huge_sys(struct vmi_handle *h, struct vmi_huge_sys_arg *out,
		 struct vmi_huge_node *nodes, size_t max_nodes);
/* The /proc/vmstat name of VMI_EV_* ev, NULL for an unused slot. */
const char *vmi_huge_event_name(unsigned int ev);

/* Sums of struct vmi_huge_bytes. */
uint64_t vmi_huge_thp_pmd(const struct vmi_huge_bytes *b);
uint64_t vmi_huge_hugetlb_2m(const struct vmi_huge_bytes *b);
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

/* dir NULL: /sys/kernel/mm/transparent_hugepage.  Returns 0 or -errno. */
int vmi_thp_policy_read(const char *dir, struct vmi_thp_policy *p);
/*
 * The policy that decides 2 MiB anonymous THP: the 2048 kB size's own
 * setting unless it is "inherit" or absent, else the global one; "" when
 * unknown.
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
/* The capacity as the CPUID function tells it (for tests). */
void vmi_tlb_capacity_decode(vmi_cpuid_fn cpuid, void *ctx,
			     struct vmi_tlb_capacity *t);
/* The capacity of this CPU (x86; "none" elsewhere). */
void vmi_tlb_capacity_read(struct vmi_tlb_capacity *t);
/* True when CPUID told anything. */
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

/*
 * True when the advice for v needs the bytes outside its 2 MiB-aligned
 * span (the head and tail pieces): query them with vmi_huge_totals() over
 * [v->start, v->span_2m_start) and [v->span_2m_end, v->end).
 */
bool vmi_huge_needs_outside(const struct vmi_huge_vma *v);
/*
 * The reasons (bit VMI_HR_*) v is not fully huge; 0 when it is, or when
 * there is nothing worth saying (a small VMA with nothing resident).
 * outside: the bytes of the head and tail pieces, NULL if unknown (then
 * taken as none).
 */
uint32_t vmi_huge_advise(const struct vmi_huge_facts *f,
			 const struct vmi_huge_vma *v,
			 const struct vmi_huge_bytes *outside);
/* Stable machine name ("too_small"), NULL if out of range. */
const char *vmi_huge_reason_name(unsigned int reason);
/* One line for people: why. */
const char *vmi_huge_reason_text(unsigned int reason);
/*
 * The fix, in buf: with the khugepaged settings or the hugetlb page size
 * where they matter (f and v may be NULL).
 */
char *vmi_huge_reason_fix(unsigned int reason, const struct vmi_huge_facts *f,
			  const struct vmi_huge_vma *v, char *buf, size_t len);

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
