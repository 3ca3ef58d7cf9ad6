// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libvminspect - huge pages: the THP policy from sysfs, the data TLB
 * capacity from CPUID, and the advice engine that says why a VMA is not on
 * huge pages.  Nothing here talks to the kernel module: the engine is a pure
 * function of the records and facts it is handed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "vminspect.h"

#define SZ_2M	  (2ULL << 20)
#define PMD_ORDER 9 /* 2 MiB in 4 KiB pages */
#define THP_SYSFS "/sys/kernel/mm/transparent_hugepage"

uint64_t vmi_huge_thp_pmd(const struct vmi_huge_bytes *b)
{
	return b->thp_pmd_anon + b->thp_pmd_shmem + b->thp_pmd_file;
}

uint64_t vmi_huge_hugetlb_2m(const struct vmi_huge_bytes *b)
{
	return b->hugetlb_pmd_private + b->hugetlb_pmd_shared;
}

uint64_t vmi_huge_hugetlb_1g(const struct vmi_huge_bytes *b)
{
	return b->hugetlb_pud_private + b->hugetlb_pud_shared;
}

/* ---- THP policy ---- */

/* The first line of dir/name, without its newline; false if unreadable. */
static bool read_line(const char *dir, const char *name, char *buf, size_t len)
{
	char path[PATH_MAX];
	size_t n;
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path))
		return false;
	f = fopen(path, "re");
	if (!f)
		return false;
	if (!fgets(buf, (int)len, f)) {
		fclose(f);
		return false;
	}
	fclose(f);
	n = strcspn(buf, "\n");
	buf[n] = '\0';
	return true;
}

/* "always [madvise] never" -> "madvise"; a bare word is taken as is. */
static void read_choice(const char *dir, const char *name, char *out)
{
	char line[256], *a, *b;

	out[0] = '\0';
	if (!read_line(dir, name, line, sizeof(line)))
		return;
	a = strchr(line, '[');
	b = a ? strchr(a, ']') : NULL;
	if (a && b) {
		*b = '\0';
		a++;
	} else {
		a = line + strspn(line, " ");
		a[strcspn(a, " ")] = '\0';
	}
	snprintf(out, VMI_THP_WORD, "%s", a);
}

static int64_t read_num(const char *dir, const char *name)
{
	char line[64], *end;
	long long v;

	if (!read_line(dir, name, line, sizeof(line)))
		return -1;
	errno = 0;
	v = strtoll(line, &end, 10);
	if (errno || end == line)
		return -1;
	return v;
}

static int cmp_size(const void *a, const void *b)
{
	const struct vmi_thp_size *x = a, *y = b;

	return x->size < y->size ? -1 : x->size > y->size;
}

int vmi_thp_policy_read(const char *dir, struct vmi_thp_policy *p)
{
	char kdir[PATH_MAX], sdir[PATH_MAX];
	unsigned long long kb;
	struct dirent *de;
	DIR *d;

	if (!p)
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	if (!dir)
		dir = THP_SYSFS;
	p->use_zero_page = -1;
	p->khugepaged_defrag = -1;
	p->pages_to_scan = -1;
	p->scan_sleep_millisecs = -1;
	p->alloc_sleep_millisecs = -1;
	p->max_ptes_none = -1;
	p->max_ptes_swap = -1;
	p->max_ptes_shared = -1;
	p->full_scans = -1;
	p->pages_collapsed = -1;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	p->present = true;
	read_choice(dir, "enabled", p->enabled);
	read_choice(dir, "defrag", p->defrag);
	read_choice(dir, "shmem_enabled", p->shmem_enabled);
	p->use_zero_page = read_num(dir, "use_zero_page");
	if (snprintf(kdir, sizeof(kdir), "%s/khugepaged", dir) <
	    (int)sizeof(kdir)) {
		p->khugepaged_defrag = read_num(kdir, "defrag");
		p->pages_to_scan = read_num(kdir, "pages_to_scan");
		p->scan_sleep_millisecs =
			read_num(kdir, "scan_sleep_millisecs");
		p->alloc_sleep_millisecs =
			read_num(kdir, "alloc_sleep_millisecs");
		p->max_ptes_none = read_num(kdir, "max_ptes_none");
		p->max_ptes_swap = read_num(kdir, "max_ptes_swap");
		p->max_ptes_shared = read_num(kdir, "max_ptes_shared");
		p->full_scans = read_num(kdir, "full_scans");
		p->pages_collapsed = read_num(kdir, "pages_collapsed");
	}
	while ((de = readdir(d)) && p->nr_sizes < VMI_THP_MAX_SIZES) {
		struct vmi_thp_size *s = &p->sizes[p->nr_sizes];
		int end = 0;

		if (sscanf(de->d_name, "hugepages-%llukB%n", &kb, &end) != 1 ||
		    !end || de->d_name[end])
			continue;
		if (snprintf(sdir, sizeof(sdir), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(sdir))
			continue;
		s->size = (uint64_t)kb << 10;
		read_choice(sdir, "enabled", s->enabled);
		read_choice(sdir, "shmem_enabled", s->shmem_enabled);
		p->nr_sizes++;
	}
	closedir(d);
	qsort(p->sizes, p->nr_sizes, sizeof(p->sizes[0]), cmp_size);
	return 0;
}

static const struct vmi_thp_size *pmd_size(const struct vmi_thp_policy *p)
{
	unsigned int i;

	for (i = 0; i < p->nr_sizes; i++)
		if (p->sizes[i].size == SZ_2M)
			return &p->sizes[i];
	return NULL;
}

const char *vmi_thp_pmd_enabled(const struct vmi_thp_policy *p)
{
	const struct vmi_thp_size *s;

	if (!p || !p->present)
		return "";
	s = pmd_size(p);
	if (s && s->enabled[0] && strcmp(s->enabled, "inherit"))
		return s->enabled;
	return p->enabled;
}

const char *vmi_thp_pmd_shmem_enabled(const struct vmi_thp_policy *p)
{
	const struct vmi_thp_size *s;

	if (!p || !p->present)
		return "";
	s = pmd_size(p);

	if (s && s->shmem_enabled[0] && strcmp(s->shmem_enabled, "inherit"))
		return s->shmem_enabled;
	return p->shmem_enabled;
}

/* ---- TLB capacity ---- */

struct tlb_desc {
	uint8_t code;
	uint8_t level; /* 1: L1 data TLB, 2: shared second level */
	uint16_t e4k, e2m, e1g;
};

/* CPUID leaf 0x2 descriptors of data and shared TLBs (Intel SDM vol. 2) */
static const struct tlb_desc tlb_descs[] = {
	{ 0x03, 1, 64, 0, 0 },	  { 0x04, 1, 0, 8, 0 },
	{ 0x05, 1, 0, 32, 0 },	  { 0x56, 1, 0, 16, 0 },
	{ 0x57, 1, 16, 0, 0 },	  { 0x59, 1, 16, 0, 0 },
	{ 0x5a, 1, 0, 32, 0 },	  { 0x5b, 1, 64, 64, 0 },
	{ 0x5c, 1, 128, 128, 0 }, { 0x5d, 1, 256, 256, 0 },
	{ 0x63, 1, 0, 32, 4 },	  { 0x64, 1, 512, 0, 0 },
	{ 0xa0, 1, 32, 0, 0 },	  { 0xb3, 1, 128, 0, 0 },
	{ 0xb4, 1, 256, 0, 0 },	  { 0xba, 1, 64, 0, 0 },
	{ 0xc0, 1, 8, 8, 0 },	  { 0xc1, 2, 1024, 1024, 0 },
	{ 0xc2, 1, 16, 16, 0 },	  { 0xc3, 2, 1536, 1536, 16 },
	{ 0xc4, 1, 0, 32, 0 },	  { 0xca, 2, 512, 0, 0 },
};

static void set_max(unsigned int *dst, unsigned int v)
{
	if (v > *dst)
		*dst = v;
}

static void tlb_add(struct vmi_tlb_capacity *t, unsigned int level,
		    unsigned int e4k, unsigned int e2m, unsigned int e1g)
{
	if (level == 1) {
		set_max(&t->l1d_4k, e4k);
		set_max(&t->l1d_2m, e2m);
		set_max(&t->l1d_1g, e1g);
	} else if (level == 2) {
		set_max(&t->stlb_4k, e4k);
		set_max(&t->stlb_2m, e2m);
		set_max(&t->stlb_1g, e1g);
	}
}

/* Leaf 0x18: deterministic address translation parameters. */
static void tlb_leaf18(vmi_cpuid_fn cpuid, void *ctx,
		       struct vmi_tlb_capacity *t)
{
	uint32_t r[4], max, sub;

	if (!cpuid(ctx, 0x18, 0, r))
		return;
	max = r[0];
	for (sub = 0; sub <= max && sub < 64; sub++) {
		unsigned int type, level, entries;

		if (sub && !cpuid(ctx, 0x18, sub, r))
			break;
		type = r[3] & 0x1f;
		level = (r[3] >> 5) & 7;
		/* 1 data, 3 unified, 4 load only, 5 store only */
		if (type != 1 && type != 3 && type != 4 && type != 5)
			continue;
		entries = (r[1] >> 16) * r[2];
		tlb_add(t, level, r[1] & 1 ? entries : 0,
			r[1] & 6 ? entries : 0, r[1] & 8 ? entries : 0);
	}
}

static void tlb_leaf2(vmi_cpuid_fn cpuid, void *ctx, struct vmi_tlb_capacity *t)
{
	uint32_t r[4];
	unsigned int i, b, k;

	if (!cpuid(ctx, 0x2, 0, r))
		return;
	for (i = 0; i < 4; i++) {
		if (r[i] & 0x80000000U)
			continue; /* no descriptors in this register */
		for (b = i ? 0 : 1; b < 4; b++) {
			uint8_t code = (r[i] >> (8 * b)) & 0xff;

			for (k = 0;
			     k < sizeof(tlb_descs) / sizeof(tlb_descs[0]); k++)
				if (tlb_descs[k].code == code)
					tlb_add(t, tlb_descs[k].level,
						tlb_descs[k].e4k,
						tlb_descs[k].e2m,
						tlb_descs[k].e1g);
		}
	}
}

/* AMD: entries are valid when the associativity field is not 0. */
static unsigned int amd_l1(uint32_t reg)
{
	return (reg >> 24) ? (reg >> 16) & 0xff : 0;
}

static unsigned int amd_l2(uint32_t reg)
{
	return (reg >> 28) ? (reg >> 16) & 0xfff : 0;
}

static void tlb_amd(vmi_cpuid_fn cpuid, void *ctx, struct vmi_tlb_capacity *t)
{
	uint32_t r[4], max;

	if (!cpuid(ctx, 0x80000000U, 0, r))
		return;
	max = r[0];
	if (max >= 0x80000005U && cpuid(ctx, 0x80000005U, 0, r))
		tlb_add(t, 1, amd_l1(r[1]), amd_l1(r[0]), 0);
	if (max >= 0x80000006U && cpuid(ctx, 0x80000006U, 0, r))
		tlb_add(t, 2, amd_l2(r[1]), amd_l2(r[0]), 0);
	if (max >= 0x80000019U && cpuid(ctx, 0x80000019U, 0, r)) {
		tlb_add(t, 1, 0, 0, amd_l2(r[0]));
		tlb_add(t, 2, 0, 0, amd_l2(r[1]));
	}
}

bool vmi_tlb_capacity_known(const struct vmi_tlb_capacity *t)
{
	return t->l1d_4k || t->l1d_2m || t->l1d_1g || t->stlb_4k ||
	       t->stlb_2m || t->stlb_1g;
}

void vmi_tlb_capacity_decode(vmi_cpuid_fn cpuid, void *ctx,
			     struct vmi_tlb_capacity *t)
{
	uint32_t r[4], max;
	bool intel;

	memset(t, 0, sizeof(*t));
	t->source = "none";
	if (!cpuid || !cpuid(ctx, 0, 0, r))
		return;
	max = r[0];
	memcpy(t->vendor, &r[1], 4);
	memcpy(t->vendor + 4, &r[3], 4);
	memcpy(t->vendor + 8, &r[2], 4);
	t->vendor[12] = '\0';
	intel = !strcmp(t->vendor, "GenuineIntel");
	if (intel && max >= 0x18) {
		tlb_leaf18(cpuid, ctx, t);
		if (vmi_tlb_capacity_known(t)) {
			t->source = "cpuid 0x18";
			return;
		}
	}
	if (intel && max >= 0x2) {
		tlb_leaf2(cpuid, ctx, t);
		if (vmi_tlb_capacity_known(t)) {
			t->source = "cpuid 0x2";
			return;
		}
	}
	if (!intel) {
		tlb_amd(cpuid, ctx, t);
		if (vmi_tlb_capacity_known(t))
			t->source = "cpuid 0x80000005";
	}
}

#if defined(__x86_64__) || defined(__i386__)
static bool native_cpuid(void *ctx, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	unsigned int max = __get_cpuid_max(leaf & 0x80000000U, NULL);

	(void)ctx;
	if (!max || leaf > max)
		return false;
	__cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
	return true;
}
#endif

void vmi_tlb_capacity_read(struct vmi_tlb_capacity *t)
{
#if defined(__x86_64__) || defined(__i386__)
	vmi_tlb_capacity_decode(native_cpuid, NULL, t);
#else
	vmi_tlb_capacity_decode(NULL, NULL, t);
#endif
}

/* ---- advice ---- */

/* Each reason's JSON name and what it means, by VMI_HR_*. */
static const struct {
	const char *name;
	const char *text;
} reasons[VMI_HR_NR] = {
	[VMI_HR_THP_DISABLED_SYSTEM] = {
		.name = "thp_disabled_system",
		.text = "THP is off system-wide "
			"(transparent_hugepage/enabled: never)",
	},
	[VMI_HR_THP_MADVISE_ONLY] = {
		.name = "thp_madvise_only",
		.text = "THP applies only to ranges advised with "
			"MADV_HUGEPAGE (transparent_hugepage/enabled: "
			"madvise), and this one is not",
	},
	[VMI_HR_THP_DISABLED_PRCTL] = {
		.name = "thp_disabled_prctl",
		.text = "the process turned THP off with "
			"prctl(PR_SET_THP_DISABLE) (inherited over fork and "
			"exec)",
	},
	[VMI_HR_MADV_NOHUGEPAGE] = {
		.name = "madv_nohugepage",
		.text = "the range is marked MADV_NOHUGEPAGE",
	},
	[VMI_HR_TOO_SMALL] = {
		.name = "too_small",
		.text = "the VMA holds no 2 MiB-aligned 2 MiB block",
	},
	[VMI_HR_UNALIGNED] = {
		.name = "unaligned",
		.text = "the VMA is not 2 MiB-aligned: its head or tail "
			"outside the aligned part holds 4K pages",
	},
	[VMI_HR_NOT_TOUCHED] = {
		.name = "not_touched",
		.text = "most of the 2 MiB-aligned part is not resident yet "
			"(memory is allocated on first touch)",
	},
	[VMI_HR_KHUGEPAGED_PENDING] = {
		.name = "khugepaged_pending",
		.text = "4K pages in the 2 MiB-aligned part wait for "
			"khugepaged to collapse them",
	},
	[VMI_HR_HUGETLB_POOL_EMPTY] = {
		.name = "hugetlb_pool_empty",
		.text = "parts of this hugetlb mapping are not faulted in and "
			"the pool of its page size has no free page",
	},
	[VMI_HR_FILE_NO_LARGE_FOLIOS] = {
		.name = "file_no_large_folios",
		.text = "file-backed, and the file's filesystem does not "
			"cache it in large folios",
	},
	[VMI_HR_SHMEM_THP_DISABLED] = {
		.name = "shmem_thp_disabled",
		.text = "shmem (tmpfs, memfd, shared anonymous, SysV shm) "
			"with shmem THP off "
			"(transparent_hugepage/shmem_enabled)",
	},
	[VMI_HR_SPLIT_THP] = {
		.name = "split_thp",
		.text = "a THP here is mapped by 4K entries: it was split by "
			"a partial munmap, mprotect or madvise",
	},
	[VMI_HR_SPECIAL_MAPPING] = {
		.name = "special_mapping",
		.text = "a PFN, mixed or I/O mapping of a driver: never "
			"mapped with THP",
	},
};

const char *vmi_huge_reason_name(unsigned int reason)
{
	return reason < VMI_HR_NR ? reasons[reason].name : NULL;
}

const char *vmi_huge_reason_text(unsigned int reason)
{
	return reason < VMI_HR_NR ? reasons[reason].text : NULL;
}

/* "%lld" of a sysfs number, "?" when unknown */
static const char *num_or_q(int64_t v, char *buf, size_t len)
{
	if (v < 0)
		snprintf(buf, len, "?");
	else
		snprintf(buf, len, "%" PRId64, v);
	return buf;
}

char *vmi_huge_reason_fix(unsigned int reason, const struct vmi_huge_facts *f,
			  const struct vmi_huge_vma *v, char *buf, size_t len)
{
	const struct vmi_thp_policy *p = f ? f->thp : NULL;
	char a[24], b[24], c[24];

	if (!buf || !len)
		return buf;
	buf[0] = '\0';
	switch (reason) {
	case VMI_HR_THP_DISABLED_SYSTEM:
		snprintf(buf, len,
			 "echo madvise > " THP_SYSFS "/enabled and "
			 "madvise(MADV_HUGEPAGE) the range, or echo always "
			 "(and check hugepages-2048kB/enabled where present)");
		break;
	case VMI_HR_THP_MADVISE_ONLY:
		snprintf(buf, len,
			 "madvise(addr, len, MADV_HUGEPAGE) before touching "
			 "the range (MADV_COLLAPSE for memory already "
			 "touched), or echo always > " THP_SYSFS "/enabled");
		break;
	case VMI_HR_THP_DISABLED_PRCTL:
		snprintf(buf, len,
			 "prctl(PR_SET_THP_DISABLE, 0, 0, 0, 0) in the "
			 "process, or start it from a launcher that does not "
			 "set it");
		break;
	case VMI_HR_MADV_NOHUGEPAGE:
		snprintf(buf, len,
			 "madvise(addr, len, MADV_HUGEPAGE) clears "
			 "MADV_NOHUGEPAGE; then MADV_COLLAPSE or wait for "
			 "khugepaged");
		break;
	case VMI_HR_TOO_SMALL:
		snprintf(buf, len,
			 "map at least 2 MiB plus 2 MiB of slack and use the "
			 "2 MiB-aligned part (mmap len + 2 MiB, munmap the "
			 "unaligned head and tail), or merge small "
			 "allocations into one large region");
		break;
	case VMI_HR_UNALIGNED:
		snprintf(buf, len,
			 "align the start and the length to 2 MiB (mmap 2 MiB "
			 "more and trim, or posix_memalign(2 MiB) with a "
			 "2 MiB multiple)");
		break;
	case VMI_HR_NOT_TOUCHED:
		snprintf(buf, len,
			 "touch it, or pre-fault it with "
			 "madvise(MADV_POPULATE_WRITE) (5.14+) or MAP_POPULATE: "
			 "each 2 MiB block then faults in as one THP");
		break;
	case VMI_HR_KHUGEPAGED_PENDING:
		snprintf(buf, len,
			 "madvise(addr, len, MADV_COLLAPSE) (6.1+) collapses "
			 "now; else wait: khugepaged scans %s pages every %s "
			 "ms and collapses a 2 MiB block with at most %s empty "
			 "entries; this process is %sregistered with "
			 "khugepaged",
			 num_or_q(p ? p->pages_to_scan : -1, a, sizeof(a)),
			 num_or_q(p ? p->scan_sleep_millisecs : -1, b,
				  sizeof(b)),
			 num_or_q(p ? p->max_ptes_none : -1, c, sizeof(c)),
			 f && (f->mm_flags & VMI_HM_KHUGEPAGED) ? "" : "not ");
		break;
	case VMI_HR_HUGETLB_POOL_EMPTY:
		snprintf(buf, len,
			 "grow the pool: echo N > /sys/kernel/mm/hugepages/"
			 "hugepages-%" PRIu64 "kB/nr_hugepages (or "
			 "nr_overcommit_hugepages; 1 GiB pages: hugepages= on "
			 "the kernel command line)",
			 v && v->hugetlb_size ?
				 (uint64_t)v->hugetlb_size >> 10 :
				 (uint64_t)2048);
		break;
	case VMI_HR_FILE_NO_LARGE_FOLIOS:
		snprintf(buf, len,
			 "keep the data in anonymous or shmem memory (memfd, "
			 "tmpfs mounted with huge=), or on a filesystem that "
			 "caches files in large folios (e.g. XFS)");
		break;
	case VMI_HR_SHMEM_THP_DISABLED:
		snprintf(buf, len,
			 "echo within_size > " THP_SYSFS "/shmem_enabled "
			 "(memfd, shared anonymous, SysV shm; or advise plus "
			 "madvise(MADV_HUGEPAGE)); mount tmpfs with "
			 "huge=within_size");
		break;
	case VMI_HR_SPLIT_THP:
		snprintf(buf, len,
			 "keep munmap, mprotect and madvise ranges 2 MiB-"
			 "aligned; madvise(MADV_COLLAPSE) (6.1+) re-collapses "
			 "the range");
		break;
	case VMI_HR_SPECIAL_MAPPING:
		snprintf(buf, len,
			 "none from user space: the driver that maps it "
			 "chooses its page sizes");
		break;
	default:
		break;
	}
	return buf;
}

bool vmi_huge_needs_outside(const struct vmi_huge_vma *v)
{
	uint64_t span = v->span_2m_end - v->span_2m_start;

	return !v->hugetlb_size && !(v->hflags & VMI_HV_SPECIAL) && span &&
	       span < v->end - v->start && v->bytes.rss;
}

static bool word_is(const char *w, const char *a)
{
	return w && !strcmp(w, a);
}

/* Free pages of the pool of this page size; -1 when unknown. */
static int64_t pool_free(const struct vmi_huge_facts *f, uint64_t size)
{
	unsigned int i;

	if (!f || !f->pools)
		return -1;
	for (i = 0; i < f->nr_pools; i++)
		if (f->pools[i].page_size == size)
			return (int64_t)f->pools[i].free;
	return -1;
}

static uint64_t sub0(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

/* Bytes of PTE-mapped folios of order >= lo and < hi. */
static uint64_t pte_orders(const struct vmi_huge_bytes *b, unsigned int lo,
			   unsigned int hi)
{
	uint64_t sum = 0;

	for (; lo < hi && lo < VMI_THP_ORDERS; lo++)
		sum += b->thp_pte_order[lo];
	return sum;
}

/* Reasons that keep THP away from this VMA whatever its memory. */
static uint32_t blocking(const struct vmi_huge_facts *f,
			 const struct vmi_huge_vma *v)
{
	const struct vmi_thp_policy *p = f ? f->thp : NULL;
	bool advised = v->vma_flags & VMI_VMA_HUGEPAGE;
	uint32_t mm = f ? f->mm_flags : 0, r = 0;
	const char *e;

	if (mm & VMI_HM_THP_DISABLED)
		r |= 1U << VMI_HR_THP_DISABLED_PRCTL;
	if ((mm & VMI_HM_THP_ADVISED_ONLY) && !advised)
		r |= 1U << VMI_HR_THP_DISABLED_PRCTL;
	if (v->vma_flags & VMI_VMA_NOHUGEPAGE)
		r |= 1U << VMI_HR_MADV_NOHUGEPAGE;
	if (!p || !p->present)
		return r;
	if (v->hflags & VMI_HV_SHMEM) {
		e = vmi_thp_pmd_shmem_enabled(p);
		/* PMD-mapped shmem THP shows the policy lets them in */
		if (!vmi_huge_thp_pmd(&v->bytes) &&
		    (word_is(e, "never") || word_is(e, "deny") ||
		     (word_is(e, "advise") && !advised)))
			r |= 1U << VMI_HR_SHMEM_THP_DISABLED;
	} else if (!(v->vma_flags & VMI_VMA_FILE)) {
		e = vmi_thp_pmd_enabled(p);
		if (word_is(e, "never"))
			r |= 1U << VMI_HR_THP_DISABLED_SYSTEM;
		else if (word_is(e, "madvise") && !advised)
			r |= 1U << VMI_HR_THP_MADVISE_ONLY;
	}
	return r;
}

uint32_t vmi_huge_advise(const struct vmi_huge_facts *f,
			 const struct vmi_huge_vma *v,
			 const struct vmi_huge_bytes *outside)
{
	static const struct vmi_huge_bytes none;
	const struct vmi_huge_bytes *b = &v->bytes;
	uint64_t size = v->end - v->start;
	uint64_t span = v->span_2m_end - v->span_2m_start;
	uint64_t small, in_rss, in_small;
	bool usable = v->vma_flags &
		      (VMI_VMA_READ | VMI_VMA_WRITE | VMI_VMA_EXEC);
	uint32_t r;

	if (v->hugetlb_size) {
		uint64_t mapped =
			vmi_huge_hugetlb_2m(b) + vmi_huge_hugetlb_1g(b);

		if (usable && mapped < size &&
		    pool_free(f, v->hugetlb_size) == 0)
			return 1U << VMI_HR_HUGETLB_POOL_EMPTY;
		return 0;
	}
	if (v->hflags & VMI_HV_SPECIAL)
		return size >= SZ_2M && b->tlb_now ?
			       1U << VMI_HR_SPECIAL_MAPPING :
			       0;
	/* small or inaccessible and empty: nothing worth saying */
	if (!b->rss && (size < SZ_2M || !usable))
		return 0;
	small = sub0(b->rss, vmi_huge_thp_pmd(b));
	if (!span)
		return small ? 1U << VMI_HR_TOO_SMALL : 0;
	if ((v->vma_flags & VMI_VMA_FILE) && !(v->hflags & VMI_HV_SHMEM) &&
	    !(v->hflags & VMI_HV_LARGE_FOLIOS))
		return small ? 1U << VMI_HR_FILE_NO_LARGE_FOLIOS : 0;
	if (!(v->hflags & VMI_HV_THP_CAPABLE))
		return 0;

	if (!outside)
		outside = &none;
	in_rss = sub0(b->rss, outside->rss);
	r = blocking(f, v);
	if (r)
		return small || in_rss < span ? r : 0;

	if (pte_orders(b, PMD_ORDER, VMI_THP_ORDERS))
		r |= 1U << VMI_HR_SPLIT_THP;
	if (outside->base)
		r |= 1U << VMI_HR_UNALIGNED;
	in_small = sub0(b->base, outside->base) +
		   sub0(pte_orders(b, 1, PMD_ORDER),
			pte_orders(outside, 1, PMD_ORDER));
	if (in_small)
		r |= 1U << VMI_HR_KHUGEPAGED_PENDING;
	if (in_rss * 2 < span)
		r |= 1U << VMI_HR_NOT_TOUCHED;
	return r;
}
