// SPDX-License-Identifier: GPL-2.0
/*
 * walk_bench - time vminspect's page-table walk against the peers a tool
 * has today: /proc/self/pagemap alone, and pagemap plus /proc/kpageflags
 * (what a page-size answer needs).
 *
 *   walk_bench [--reps N] [--dense-mib N] [--mutate-secs S] [--rounds N]
 *
 * One process sets up three regions in its own address space: a dense 4K
 * region (1 GiB unless that is too slow to fault in), a 1 GiB THP region
 * and an untouched 64 GiB reserve.  It checks that vminspect's frames equal
 * pagemap's, then times each contender on each region (alternating them
 * within every repetition, each run once untimed first), walks its whole
 * address space once per page to report the longest lock hold, and
 * measures how much a walker in another process slows down
 * mmap/touch/munmap in the walked process.
 * Targets are printed as PASS/FAIL next to the ratios; a FAIL does not make
 * the run fail, a wrong answer does.  Runs as root in a test VM with the
 * module loaded (scripts/bench.sh).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/vminspect.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define PAGE_SZ ((uint64_t)4096)
#define SZ_1M	((uint64_t)1 << 20)
#define SZ_2M	((uint64_t)2 << 20)
#define SZ_1G	((uint64_t)1 << 30)

/* The whole user address space a 4-level layout hands out by default. */
#define USER_END (1ULL << 47)

#define PM_CHUNK  65536 /* pagemap entries per pread */
#define KPF_CHUNK 65536 /* most kpageflags entries per pread */
#define VEC_LEN	  65536 /* vminspect extents per ioctl */

/* /proc/PID/pagemap and /proc/kpageflags bits (admin-guide/mm/pagemap) */
#define PM_PFN_MASK ((1ULL << 55) - 1)
#define PM_PRESENT  (1ULL << 63)
#define KPF_HUGE    17
#define KPF_THP	    22

/* Faulting in the dense region may take this long before it is halved. */
#define DENSE_BUDGET_NS (60ULL * 1000000000ULL)
#define DENSE_PROBE	(64 * SZ_1M)

enum contender {
	C_PAGEMAP,
	C_PAGEMAP_KPF,
	C_VMI_EXTENTS,
	C_VMI_PER_PAGE,
	C_VMI_PAGES,
	NR_CONTENDERS
};

static const char *const contender_name[NR_CONTENDERS] = {
	"pagemap", "pagemap+kpageflags", "vminspect extents",
	"vminspect per-page", "vminspect pages"
};

enum region_id {
	R_DENSE,
	R_THP,
	R_RESERVE,
	NR_REGIONS
};

struct region {
	char name[32];
	uint64_t start;
	uint64_t end;
};

/* What one run of a contender produced, to show it did the work. */
struct stats {
	uint64_t calls;	  /* syscalls */
	uint64_t records; /* pagemap entries, or vminspect extents */
	uint64_t present; /* present pages */
	uint64_t large;	  /* present pages in THP or hugetlb pages */
	uint64_t max_lock_ns;
	uint64_t lock_drops;
};

#define MAX_REPS 64

static struct region regions[NR_REGIONS];
static int opt_reps = 5;
static int opt_dense_mib; /* 0: 1024, halved when too slow to set up */
static int opt_mutate_secs = 2;
static int opt_rounds = 7;
/* only the interference rounds (setup_dense() still runs) */
static bool opt_interference_only;

static int ctl_fd = -1;
static int pm_fd = -1;
static int kpf_fd = -1;
static uint64_t *pm_buf;
static uint64_t *kpf_buf;
static struct vmi_extent *vec;
/* VMI_WALK_PAGES records: one per 4 KiB, as many as pagemap reads at once */
static struct vmi_page *pvec;

static void die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "walk_bench: error: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static double ms(uint64_t ns)
{
	return ns / 1e6;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static void *map_anon(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		die("mmap %zu bytes: %s", len, strerror(errno));
	return p;
}

static void pread_all(int fd, void *buf, size_t len, uint64_t off,
		      const char *what)
{
	char *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("pread %s at %#" PRIx64 ": %s", what, off,
			    n ? strerror(errno) : "short read");
		p += n;
		off += n;
		len -= n;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t median(const uint64_t *v, int n)
{
	uint64_t s[MAX_REPS];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_u64);
	if (n % 2)
		return s[n / 2];
	return (s[n / 2 - 1] + s[n / 2]) / 2;
}

static uint64_t best(const uint64_t *v, int n)
{
	uint64_t b = v[0];
	int i;

	for (i = 1; i < n; i++)
		b = min_u64(b, v[i]);
	return b;
}

/* ---- the peers ---------------------------------------------------------- */

/* Peer A: pagemap for every page of the region, in large chunks. */
static void peer_pagemap(const struct region *r, struct stats *st)
{
	uint64_t first = r->start / PAGE_SZ;
	uint64_t n = (r->end - r->start) / PAGE_SZ, off, cnt, i;

	for (off = 0; off < n; off += cnt) {
		cnt = min_u64(PM_CHUNK, n - off);
		pread_all(pm_fd, pm_buf, cnt * 8, (first + off) * 8, "pagemap");
		st->calls++;
		for (i = 0; i < cnt; i++)
			if (pm_buf[i] & PM_PRESENT)
				st->present++;
	}
	st->records = n;
}

/* The kpageflags of frames [pfn, pfn + len), in one read. */
static void kpf_run(uint64_t pfn, uint64_t len, struct stats *st)
{
	uint64_t i;

	pread_all(kpf_fd, kpf_buf, len * 8, pfn * 8, "kpageflags");
	st->calls++;
	for (i = 0; i < len; i++)
		if (kpf_buf[i] & (1ULL << KPF_THP | 1ULL << KPF_HUGE))
			st->large++;
}

/*
 * Peer B: pagemap, then the kpageflags of every present frame, one read per
 * run of consecutive frames (as tools/mm/page-types does).
 */
static void peer_pagemap_kpf(const struct region *r, struct stats *st)
{
	uint64_t first = r->start / PAGE_SZ;
	uint64_t n = (r->end - r->start) / PAGE_SZ, off, cnt, i;
	uint64_t run_pfn = 0, run_len = 0;

	for (off = 0; off < n; off += cnt) {
		cnt = min_u64(PM_CHUNK, n - off);
		pread_all(pm_fd, pm_buf, cnt * 8, (first + off) * 8, "pagemap");
		st->calls++;
		for (i = 0; i < cnt; i++) {
			uint64_t pfn;

			if (!(pm_buf[i] & PM_PRESENT))
				continue;
			st->present++;
			pfn = pm_buf[i] & PM_PFN_MASK;
			if (run_len && pfn == run_pfn + run_len &&
			    run_len < KPF_CHUNK) {
				run_len++;
				continue;
			}
			if (run_len)
				kpf_run(run_pfn, run_len, st);
			run_pfn = pfn;
			run_len = 1;
		}
	}
	if (run_len)
		kpf_run(run_pfn, run_len, st);
	st->records = n;
}

/* ---- vminspect -------------------------------------------------------- */

/* A growable list of extents, for the checks. */
struct extent_list {
	struct vmi_extent *v;
	size_t n;
	size_t cap;
};

static void list_add(struct extent_list *l, const struct vmi_extent *e,
		     size_t n)
{
	if (l->n + n > l->cap) {
		size_t cap = l->cap ? l->cap : 4096;

		while (cap < l->n + n)
			cap *= 2;
		l->v = realloc(l->v, cap * sizeof(*l->v));
		if (!l->v)
			die("out of memory for %zu extents", cap);
		l->cap = cap;
	}
	memcpy(l->v + l->n, e, n * sizeof(*e));
	l->n += n;
}

/*
 * VMI_IOC_WALK over [start, end) of @pid, resuming at walk_end until the
 * range is done; counts into @st, and keeps the extents in @out if given.
 * Returns 0 or -errno.
 */
static int vmi_walk(pid_t pid, uint64_t start, uint64_t end, uint64_t flags,
		    struct vmi_extent *v, size_t len, struct stats *st,
		    struct extent_list *out)
{
	uint64_t pos = start, i;

	while (pos < end) {
		struct vmi_walk_arg a;

		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.flags = flags;
		a.pid = pid;
		a.start = pos;
		a.end = end;
		a.vec = (uintptr_t)v;
		a.vec_len = len;
		a.extent_size = sizeof(*v);
		if (ioctl(ctl_fd, VMI_IOC_WALK, &a))
			return -errno;
		st->calls++;
		st->records += a.nr_extents;
		for (i = 0; i < a.nr_extents; i++) {
			const struct vmi_extent *e = &v[i];
			uint64_t pages = (e->end - e->start) / PAGE_SZ;

			if (e->kind != VMI_KIND_PRESENT)
				continue;
			st->present += pages;
			if (e->attrs & (VMI_EA_THP | VMI_EA_HUGETLB))
				st->large += pages;
		}
		if (a.max_lock_ns > st->max_lock_ns)
			st->max_lock_ns = a.max_lock_ns;
		st->lock_drops += a.lock_drops;
		if (out)
			list_add(out, v, a.nr_extents);
		if (a.walk_end <= pos || a.walk_end > end)
			return -EPROTO;
		pos = a.walk_end;
	}
	return 0;
}

/*
 * VMI_IOC_WALK with VMI_WALK_PAGES over [start, end) of @pid: one record per
 * 4 KiB, like pagemap; counts into @st.  With @frames, also checks each
 * present page's frame against pagemap; returns the mismatches or -errno.
 */
static int64_t vmi_pages(pid_t pid, uint64_t start, uint64_t end,
			 struct stats *st, bool frames)
{
	uint64_t pos = start, i;
	int64_t bad = 0;

	while (pos < end) {
		struct vmi_walk_arg a;

		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.flags = VMI_WALK_PAGES;
		a.pid = pid;
		a.start = pos;
		a.end = end;
		a.vec = (uintptr_t)pvec;
		a.vec_len = PM_CHUNK;
		a.extent_size = sizeof(*pvec);
		if (ioctl(ctl_fd, VMI_IOC_WALK, &a))
			return -errno;
		st->calls++;
		st->records += a.nr_extents;
		if (a.walk_end <= pos || a.walk_end > end ||
		    a.nr_extents != (a.walk_end - pos) / PAGE_SZ)
			return -EPROTO;
		if (frames)
			pread_all(pm_fd, pm_buf, a.nr_extents * 8,
				  pos / PAGE_SZ * 8, "pagemap");
		for (i = 0; i < a.nr_extents; i++) {
			const struct vmi_page *pg = &pvec[i];
			bool present = pg->kind == VMI_KIND_PRESENT;

			if (present)
				st->present++;
			if (present &&
			    pg->attrs & (VMI_EA_THP | VMI_EA_HUGETLB))
				st->large++;
			if (frames && (present != !!(pm_buf[i] & PM_PRESENT) ||
				       (present && pg->frame != (pm_buf[i] &
								 PM_PFN_MASK))))
				bad++;
		}
		if (a.max_lock_ns > st->max_lock_ns)
			st->max_lock_ns = a.max_lock_ns;
		st->lock_drops += a.lock_drops;
		pos = a.walk_end;
	}
	return bad;
}

static void vmi_pages_or_die(const struct region *r, struct stats *st)
{
	int64_t ret = vmi_pages(0, r->start, r->end, st, false);

	if (ret)
		die("VMI_IOC_WALK (pages) over %s: %s", r->name,
		    ret == -EPROTO ? "bad walk_end" : strerror(-ret));
}

static void vmi_walk_or_die(const struct region *r, uint64_t flags,
			    struct stats *st, struct extent_list *out)
{
	int ret = vmi_walk(0, r->start, r->end, flags, vec, VEC_LEN, st, out);

	if (ret == -EPROTO)
		die("VMI_IOC_WALK over %s: walk_end made no progress", r->name);
	if (ret)
		die("VMI_IOC_WALK over %s: %s", r->name, strerror(-ret));
}

static void run_contender(enum contender c, const struct region *r,
			  struct stats *st)
{
	memset(st, 0, sizeof(*st));
	switch (c) {
	case C_PAGEMAP:
		peer_pagemap(r, st);
		break;
	case C_PAGEMAP_KPF:
		peer_pagemap_kpf(r, st);
		break;
	case C_VMI_EXTENTS:
		vmi_walk_or_die(r, 0, st, NULL);
		break;
	case C_VMI_PER_PAGE:
		vmi_walk_or_die(r, VMI_WALK_PER_PAGE, st, NULL);
		break;
	case C_VMI_PAGES:
		vmi_pages_or_die(r, st);
		break;
	default:
		die("bad contender %d", c);
	}
}

/* ---- set-up ----------------------------------------------------------- */

static void write_pages(uint64_t start, uint64_t end)
{
	uint64_t a;

	for (a = start; a < end; a += PAGE_SZ)
		*(volatile uint64_t *)a = a;
}

/* Fault [start, end) in for writing, then write every page. */
static void populate(uint64_t start, uint64_t end)
{
	if (madvise((void *)start, end - start, MADV_POPULATE_WRITE) &&
	    errno != EINVAL)
		die("MADV_POPULATE_WRITE: %s", strerror(errno));
	write_pages(start, end);
}

/* AnonHugePages of the VMAs overlapping [start, end), in kB; -1 if none. */
static long anon_huge_kb(uint64_t start, uint64_t end)
{
	char line[512];
	unsigned long long lo, hi;
	long kb, total = -1;
	bool in = false;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		die("/proc/self/smaps: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx-%llx ", &lo, &hi) == 2) {
			in = lo < end && hi > start;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			total = (total < 0 ? 0 : total) + kb;
	}
	fclose(f);
	return total;
}

static void setup_dense(void)
{
	uint64_t len = (opt_dense_mib ? opt_dense_mib : 1024) * SZ_1M;
	uint64_t start, t0, probe, est;
	struct region *r = &regions[R_DENSE];

	start = (uintptr_t)map_anon(len);
	if (madvise((void *)start, len, MADV_NOHUGEPAGE))
		die("MADV_NOHUGEPAGE: %s", strerror(errno));
	probe = min_u64(DENSE_PROBE, len);
	t0 = now_ns();
	populate(start, start + probe);
	est = (now_ns() - t0) * (len / probe);
	if (!opt_dense_mib && est > DENSE_BUDGET_NS) {
		printf("note: faulting in 1 GiB of 4K pages would take ~%.0f s here "
		       "(budget %.0f s): the dense region is 512 MiB\n",
		       est / 1e9, DENSE_BUDGET_NS / 1e9);
		munmap((void *)(start + len / 2), len / 2);
		len /= 2;
	}
	populate(start + probe, start + len);
	printf("setup: dense 4K region %" PRIu64 " MiB at %#" PRIx64
	       ", faulted in and written in %.1f s\n",
	       len / SZ_1M, start, (now_ns() - t0) / 1e9);
	snprintf(r->name, sizeof(r->name), "dense-4k-%" PRIu64 "M",
		 len / SZ_1M);
	r->start = start;
	r->end = start + len;
}

static void setup_thp(void)
{
	uint64_t len = SZ_1G, raw, start, t0;
	struct region *r = &regions[R_THP];
	long kb;

	/* 2M-aligned: map 2M more and trim both ends */
	raw = (uintptr_t)map_anon(len + SZ_2M);
	start = (raw + SZ_2M - 1) & ~(SZ_2M - 1);
	if (start > raw)
		munmap((void *)raw, start - raw);
	munmap((void *)(start + len), raw + SZ_2M - start);
	if (madvise((void *)start, len, MADV_HUGEPAGE))
		die("MADV_HUGEPAGE: %s", strerror(errno));
	t0 = now_ns();
	populate(start, start + len);
	kb = anon_huge_kb(start, start + len);
	printf("setup: THP region 1024 MiB at %#" PRIx64
	       ", faulted in and written in %.1f s; AnonHugePages %ld kB "
	       "(%.1f%% of it)\n",
	       start, (now_ns() - t0) / 1e9, kb, kb * 100.0 / (len / 1024));
	snprintf(r->name, sizeof(r->name), "thp-1G");
	r->start = start;
	r->end = start + len;
}

static void setup_reserve(void)
{
	uint64_t len = 64 * SZ_1G;
	struct region *r = &regions[R_RESERVE];

	r->start = (uintptr_t)map_anon(len);
	r->end = r->start + len;
	snprintf(r->name, sizeof(r->name), "untouched-64G");
	printf("setup: untouched reserve 64 GiB at %#" PRIx64
	       " (MAP_NORESERVE, never touched)\n",
	       r->start);
}

static void print_context(void)
{
	struct vmi_info info;
	struct utsname u;
	char thp[128] = "?";
	FILE *f;

	uname(&u);
	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	if (ioctl(ctl_fd, VMI_IOC_GET_INFO, &info))
		die("VMI_IOC_GET_INFO: %s", strerror(errno));
	f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	if (f) {
		if (!fgets(thp, sizeof(thp), f))
			strcpy(thp, "?");
		thp[strcspn(thp, "\n")] = 0;
		fclose(f);
	}
	printf("walk_bench: kernel %s, vminspect %s (ABI %u), %ld CPUs, "
	       "%u-level page tables, THP %s\n",
	       u.release, info.module_version, info.abi_version,
	       sysconf(_SC_NPROCESSORS_ONLN), info.pgtable_levels, thp);
	if (!(info.caps & VMI_CAP_PFN))
		die("vminspect withholds PFNs from this caller: run as root");
	printf("walk_bench: %d repetitions, contenders alternated; times are "
	       "CLOCK_MONOTONIC, ratios are medians of the peer over medians "
	       "of vminspect (>1: vminspect faster)\n",
	       opt_reps);
}

/* ---- the checks: a fast wrong answer is worthless ------------------- */

/*
 * Compare every page of the region: present in pagemap exactly when
 * vminspect reports a present extent over it, with the same frame.
 * Returns the number of mismatches (the first few are printed).
 */
static uint64_t compare_frames(const struct region *r,
			       const struct extent_list *l, const char *mode)
{
	uint64_t first = r->start / PAGE_SZ;
	uint64_t n = (r->end - r->start) / PAGE_SZ, off, cnt, i, bad = 0;
	size_t j = 0;

	for (i = 0; i < l->n; i++) {
		const struct vmi_extent *e = &l->v[i];

		if (e->start >= e->end || e->start < r->start ||
		    e->end > r->end || (i && e->start < l->v[i - 1].end))
			die("%s, %s: extent %" PRIu64 " [%#llx, %#llx) out of "
			    "order or outside the range",
			    r->name, mode, i, (unsigned long long)e->start,
			    (unsigned long long)e->end);
	}
	for (off = 0; off < n; off += cnt) {
		cnt = min_u64(PM_CHUNK, n - off);
		pread_all(pm_fd, pm_buf, cnt * 8, (first + off) * 8, "pagemap");
		for (i = 0; i < cnt; i++) {
			uint64_t addr = r->start + (off + i) * PAGE_SZ;
			uint64_t pm = pm_buf[i], vpfn = 0;
			bool vp = false, pp = pm & PM_PRESENT;

			while (j < l->n && l->v[j].end <= addr)
				j++;
			if (j < l->n && l->v[j].start <= addr &&
			    l->v[j].kind == VMI_KIND_PRESENT) {
				vp = true;
				vpfn = l->v[j].pfn +
				       (addr - l->v[j].start) / PAGE_SZ;
			}
			if (vp == pp && (!pp || vpfn == (pm & PM_PFN_MASK)))
				continue;
			if (bad++ < 5)
				printf("  MISMATCH %s, %s: %#" PRIx64
				       ": pagemap %s pfn %#llx, vminspect "
				       "%s pfn %#" PRIx64 "\n",
				       r->name, mode, addr,
				       pp ? "present" : "absent",
				       (unsigned long long)(pm & PM_PFN_MASK),
				       vp ? "present" : "absent", vpfn);
		}
	}
	return bad;
}

/* One attempt at checking a region; true when everything agreed. */
static bool check_region_once(const struct region *r)
{
	struct extent_list ext = { 0 }, pp = { 0 };
	struct stats se = { 0 }, sp = { 0 }, sk = { 0 }, sg = { 0 };
	int64_t pbad;
	uint64_t bad;

	vmi_walk_or_die(r, 0, &se, &ext);
	bad = compare_frames(r, &ext, "extents");
	vmi_walk_or_die(r, VMI_WALK_PER_PAGE, &sp, &pp);
	bad += compare_frames(r, &pp, "per-page");
	pbad = vmi_pages(0, r->start, r->end, &sg, true);
	if (pbad < 0)
		die("VMI_IOC_WALK (pages) over %s: %s", r->name,
		    strerror((int)-pbad));
	if (pbad) {
		printf("  MISMATCH %s, pages: %" PRId64 " frames differ\n",
		       r->name, pbad);
		bad += pbad;
	}
	peer_pagemap_kpf(r, &sk);
	if (sk.large != se.large || sk.large != sp.large ||
	    sk.large != sg.large) {
		printf("  MISMATCH %s: pages in THP/hugetlb: kpageflags %" PRIu64
		       ", vminspect extents %" PRIu64 ", per-page %" PRIu64
		       "\n",
		       r->name, sk.large, se.large, sp.large);
		bad++;
	}
	if (!bad)
		printf("check %-14s ok: %" PRIu64
		       " present pages, frames equal "
		       "to pagemap's in all three modes; %" PRIu64
		       " pages in THP per kpageflags and vminspect; %" PRIu64
		       " extents, %" PRIu64 " per-page records\n",
		       r->name, se.present, sk.large, ext.n, pp.n);
	free(ext.v);
	free(pp.v);
	return !bad;
}

static void check_regions(void)
{
	int i;

	for (i = 0; i < NR_REGIONS; i++) {
		if (check_region_once(&regions[i]))
			continue;
		/* khugepaged may have collapsed pages between the reads */
		printf("  %s: mismatch, checking once more\n", regions[i].name);
		if (!check_region_once(&regions[i]))
			die("%s: vminspect disagrees with pagemap/kpageflags",
			    regions[i].name);
	}
}

/* ---- timing ----------------------------------------------------------- */

static uint64_t times[NR_REGIONS][NR_CONTENDERS][MAX_REPS];
static struct stats last[NR_REGIONS][NR_CONTENDERS];

struct target {
	const char *what;
	double value;
	double want;
	bool at_most; /* value must be below want (else at least want) */
};

#define MAX_TARGETS 8
static struct target targets[MAX_TARGETS];
static int nr_targets;

static void add_target(const char *what, double value, double want,
		       bool at_most)
{
	if (nr_targets < MAX_TARGETS)
		targets[nr_targets++] =
			(struct target){ what, value, want, at_most };
}

static bool target_met(const struct target *t)
{
	return t->at_most ? t->value < t->want : t->value >= t->want;
}

static void time_all(void)
{
	int rep, ri, k;

	for (rep = 0; rep < opt_reps; rep++) {
		for (ri = 0; ri < NR_REGIONS; ri++) {
			for (k = 0; k < NR_CONTENDERS; k++) {
				/* a different contender goes first each time */
				int c = (k + rep + ri) % NR_CONTENDERS;
				uint64_t t0;

				/*
				 * each timed right after an untimed run of
				 * itself, not in what the one before left in
				 * the caches (and in TCG's soft TLB)
				 */
				run_contender(c, &regions[ri], &last[ri][c]);
				t0 = now_ns();
				run_contender(c, &regions[ri], &last[ri][c]);
				times[ri][c][rep] = now_ns() - t0;
			}
		}
	}
}

static double ratio(int ri, int peer, int c)
{
	uint64_t v = median(times[ri][c], opt_reps);

	return v ? (double)median(times[ri][peer], opt_reps) / v : 0;
}

static void print_times(void)
{
	int ri, c;

	printf("\n%-18s %-20s %10s %10s %8s %9s %9s %10s\n", "region",
	       "contender", "median ms", "best ms", "calls", "records",
	       "pagemap/", "pm+kpf/");
	for (ri = 0; ri < NR_REGIONS; ri++) {
		for (c = 0; c < NR_CONTENDERS; c++) {
			const struct stats *st = &last[ri][c];

			printf("%-18s %-20s %10.3f %10.3f %8" PRIu64
			       " %9" PRIu64,
			       regions[ri].name, contender_name[c],
			       ms(median(times[ri][c], opt_reps)),
			       ms(best(times[ri][c], opt_reps)), st->calls,
			       st->records);
			if (c >= C_VMI_EXTENTS)
				printf(" %8.1fx %9.1fx",
				       ratio(ri, C_PAGEMAP, c),
				       ratio(ri, C_PAGEMAP_KPF, c));
			printf("\n");
		}
	}
	printf("(calls: syscalls per run; records: pagemap entries read, or "
	       "vminspect extents returned; pagemap/ and pm+kpf/: speed-up of "
	       "vminspect over that peer)\n");

	add_target("dense: vminspect pages vs pagemap",
		   ratio(R_DENSE, C_PAGEMAP, C_VMI_PAGES), 1.5, false);
	add_target("dense: vminspect pages vs pagemap+kpageflags",
		   ratio(R_DENSE, C_PAGEMAP_KPF, C_VMI_PAGES), 4, false);
	add_target("THP: vminspect extents vs pagemap",
		   ratio(R_THP, C_PAGEMAP, C_VMI_EXTENTS), 50, false);
	add_target("untouched 64G: vminspect extents vs pagemap",
		   ratio(R_RESERVE, C_PAGEMAP, C_VMI_EXTENTS), 1000, false);
}

/* ---- the CLI against a pagemap reader, each a process ------------------ */

#define RESERVE_LEN (64 * SZ_1G)

static const char *opt_cli = "tools/vminspect/vminspect";

/* --hold-reserve: map an untouched 64 GiB reserve, print it, wait. */
static int hold_reserve(void)
{
	void *p = mmap(NULL, RESERVE_LEN, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return 1;
	printf("%#" PRIx64 "\n", (uint64_t)(uintptr_t)p);
	fflush(stdout);
	pause();
	return 0;
}

/* --read-pagemap PID ADDR: read PID's pagemap over the reserve at ADDR. */
static int read_pagemap(const char *pid, const char *addr)
{
	uint64_t start = strtoull(addr, NULL, 0) / PAGE_SZ * 8;
	uint64_t len = RESERVE_LEN / PAGE_SZ * 8, off;
	size_t chunk = PM_CHUNK * 8;
	char path[64];
	void *buf = malloc(chunk);
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/pagemap", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0 || !buf)
		return 1;
	for (off = 0; off < len; off += chunk)
		if (pread(fd, buf, chunk, start + off) != (ssize_t)chunk)
			return 1;
	return 0;
}

/*
 * Run argv with stdout on /dev/null; its wall time, or 0 if it failed,
 * and in *cpu_ns the CPU time it used (user and system).  posix_spawn()
 * starts it without copying this process's page tables (it holds the
 * dense and THP regions), so both times are the child's own.
 */
static uint64_t run_process(char *const *argv, uint64_t *cpu_ns)
{
	posix_spawn_file_actions_t fa;
	uint64_t t0 = now_ns();
	struct rusage ru;
	int status, err;
	pid_t pid;

	if (posix_spawn_file_actions_init(&fa) ||
	    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null",
					     O_WRONLY, 0))
		die("posix_spawn_file_actions: out of memory");
	err = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (err)
		die("posix_spawn %s: %s", argv[0], strerror(err));
	if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return 0;
	*cpu_ns = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ULL +
		  (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ULL;
	return now_ns() - t0;
}

/*
 * What a user runs: "vminspect walk PID --json" of a small process that
 * holds an untouched 64 GiB reserve, against a process that reads that
 * process's pagemap over the reserve alone (this program again, with
 * --read-pagemap).  Both pay a process start; a process that only exits
 * (this program with --exit) shows that floor.  Rounds rotate the order.
 * The target is on CPU time: a start also waits for the file system that
 * holds the binaries and libraries (in the test guests, 9p round trips to
 * the host at every exec), which the wall time counts and a machine's page
 * cache answers; both times are printed.
 */
static void cli_walk(void)
{
	enum {
		P_EXIT,
		P_PAGEMAP,
		P_CLI,
		NR_P
	};
	static const char *const pname[NR_P] = { "process start and exit",
						 "pagemap reader (64G)",
						 "vminspect walk --json" };
	uint64_t t[NR_P][MAX_REPS], cpu[NR_P][MAX_REPS], unused;
	char self[4096], pidstr[16], addr[32] = "";
	char *argv[NR_P][6];
	int fds[2], rep, k, n = 0;
	ssize_t len;
	pid_t child;
	FILE *f;

	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len < 0 || access(opt_cli, X_OK)) {
		printf("\nCLI: %s not found, not measured\n", opt_cli);
		return;
	}
	self[len] = '\0';
	if (pipe(fds))
		die("pipe: %s", strerror(errno));
	child = fork();
	if (child < 0)
		die("fork: %s", strerror(errno));
	if (child == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(fds[1], STDOUT_FILENO);
		execl(self, self, "--hold-reserve", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	f = fdopen(fds[0], "r");
	if (!f || !fgets(addr, sizeof(addr), f))
		die("the reserve holder did not start");
	fclose(f);
	addr[strcspn(addr, "\n")] = '\0';
	snprintf(pidstr, sizeof(pidstr), "%d", child);

	argv[P_EXIT][0] = self;
	argv[P_EXIT][1] = "--exit";
	argv[P_EXIT][2] = NULL;
	argv[P_PAGEMAP][0] = self;
	argv[P_PAGEMAP][1] = "--read-pagemap";
	argv[P_PAGEMAP][2] = pidstr;
	argv[P_PAGEMAP][3] = addr;
	argv[P_PAGEMAP][4] = NULL;
	argv[P_CLI][0] = (char *)opt_cli;
	argv[P_CLI][1] = "walk";
	argv[P_CLI][2] = pidstr;
	argv[P_CLI][3] = "--json";
	argv[P_CLI][4] = NULL;

	for (rep = 0; rep < opt_reps * 2 && rep < MAX_REPS; rep++, n++) {
		for (k = 0; k < NR_P; k++) {
			int p = (k + rep) % NR_P;

			run_process(argv[p], &unused);
			t[p][rep] = run_process(argv[p], &cpu[p][rep]);
			if (!t[p][rep])
				die("%s failed", pname[p]);
		}
	}
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);

	printf("\nthe CLI as a process, a process with a 64 GiB reserve untouched:\n");
	printf("  %-24s %24s  %24s\n", "", "wall time", "CPU time");
	for (k = 0; k < NR_P; k++)
		printf("  %-24s median %7.1f best %7.1f ms  median %7.1f best %7.1f ms\n",
		       pname[k], ms(median(t[k], n)), ms(best(t[k], n)),
		       ms(median(cpu[k], n)), ms(best(cpu[k], n)));
	printf("  wall time: the CLI %.1fx faster than the pagemap reader\n",
	       (double)median(t[P_PAGEMAP], n) / median(t[P_CLI], n));
	add_target("CLI: walk --json of the process vs its 64G pagemap, CPU",
		   (double)median(cpu[P_PAGEMAP], n) / median(cpu[P_CLI], n),
		   10, false);
}

/* ---- the longest mmap_lock hold ------------------------------------ */

static void whole_space(void)
{
	static const uint64_t modes[] = { VMI_WALK_PER_PAGE, 0 };
	unsigned int m;

	printf("\nwhole address space [0, %#llx), every region included:\n",
	       USER_END);
	for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		struct stats st = { 0 }, one;
		uint64_t t[MAX_REPS];
		int rep, ret;

		for (rep = 0; rep < 3; rep++) {
			memset(&one, 0, sizeof(one));
			t[rep] = now_ns();
			ret = vmi_walk(0, 0, USER_END, modes[m], vec, VEC_LEN,
				       &one, NULL);
			t[rep] = now_ns() - t[rep];
			if (ret)
				die("VMI_IOC_WALK over the whole space: %s",
				    strerror(-ret));
			if (one.max_lock_ns > st.max_lock_ns)
				st.max_lock_ns = one.max_lock_ns;
			if (one.lock_drops > st.lock_drops)
				st.lock_drops = one.lock_drops;
			st.calls = one.calls;
			st.records = one.records;
			st.present = one.present;
		}
		printf("  %-9s %8" PRIu64 " records, %" PRIu64
		       " present pages, %" PRIu64 " ioctls, median %.1f ms; "
		       "max_lock_ns %" PRIu64 " (%.3f ms), lock_drops %" PRIu64
		       " (max over 3 walks)\n",
		       modes[m] ? "per-page" : "extents", st.records,
		       st.present, st.calls, ms(median(t, 3)), st.max_lock_ns,
		       ms(st.max_lock_ns), st.lock_drops);
	}
}

/* ---- interference ----------------------------------------------------- */

enum bg_kind {
	BG_IDLE,
	BG_SPIN,
	BG_PAGEMAP,
	BG_WALK,
	BG_WALK_OTHER,
	NR_BG
};

static const char *const bg_name[NR_BG] = { "idle", "spinner", "pagemap reader",
					    "walker", "other's walker" };

/*
 * A child that holds a copy of the dense region (by fork: the same
 * addresses, its own mm and page tables) for the other's walker: a walk
 * as heavy as the walker's that shares no lock with the mutator.
 */
static pid_t holder;

/* Shared with the background process. */
struct shared {
	volatile int stop;
	volatile int ready;
	volatile int err;
	volatile uint64_t walks;
	volatile uint64_t max_lock_ns;
};

static struct shared *sh;
/* the walker's longest mmap_lock hold over all rounds */
static uint64_t walker_max_lock_ns;

/* The walker: per-page (pages mode) walks of the dense region of @pid. */
static void walker(pid_t pid)
{
	const struct region *r = &regions[R_DENSE];

	while (!sh->stop) {
		struct stats st = { 0 };
		int64_t ret = vmi_pages(pid, r->start, r->end, &st, false);

		if (ret) {
			sh->err = ret < 0 ? (int)-ret : EPROTO;
			break;
		}
		if (st.max_lock_ns > sh->max_lock_ns)
			sh->max_lock_ns = st.max_lock_ns;
		sh->walks++;
		sh->ready = 1;
	}
	sh->ready = 1;
	_exit(sh->err ? 1 : 0);
}

/* The peer's equivalent: read the dense region's pagemap of @pid. */
static void pagemap_reader(pid_t pid)
{
	const struct region *r = &regions[R_DENSE];
	uint64_t first = r->start / PAGE_SZ;
	uint64_t n = (r->end - r->start) / PAGE_SZ, off, cnt;
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		sh->err = errno;
		sh->ready = 1;
		_exit(1);
	}
	while (!sh->stop) {
		for (off = 0; off < n; off += cnt) {
			cnt = min_u64(PM_CHUNK, n - off);
			pread_all(fd, pm_buf, cnt * 8, (first + off) * 8,
				  "pagemap");
		}
		sh->walks++;
		sh->ready = 1;
	}
	_exit(0);
}

/*
 * Keep the mutator on CPU 0 and the other process on CPU 1, so that each
 * vCPU runs one of them in every round (the scheduler would otherwise put
 * both on one CPU now and then, a round's worth of noise).
 */
static void pin_to(int cpu)
{
	cpu_set_t set;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity: %s", strerror(errno));
}

static pid_t start_bg(enum bg_kind kind)
{
	pid_t self = getpid(), pid;
	uint64_t t0;

	if (kind == BG_IDLE)
		return 0;
	memset((void *)sh, 0, sizeof(*sh));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (!pid) {
		pin_to(1);
		if (kind == BG_WALK)
			walker(self);
		if (kind == BG_WALK_OTHER)
			walker(holder);
		if (kind == BG_PAGEMAP)
			pagemap_reader(self);
		sh->ready = 1;
		while (!sh->stop)
			;
		_exit(0);
	}
	t0 = now_ns();
	while (!sh->ready) {
		if (now_ns() - t0 > 60 * 1000000000ULL)
			die("the %s process did not start", bg_name[kind]);
		usleep(1000);
	}
	return pid;
}

static void stop_bg(pid_t pid, enum bg_kind kind)
{
	int status;

	if (!pid)
		return;
	sh->stop = 1;
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		die("the %s process failed: %s", bg_name[kind],
		    sh->err ? strerror(sh->err) : "killed");
	if (sh->max_lock_ns > walker_max_lock_ns)
		walker_max_lock_ns = sh->max_lock_ns;
}

/* mmap(64K), touch every page, munmap, for @secs seconds: ops per second. */
static double mutate(int secs)
{
	uint64_t t0 = now_ns(), end = t0 + secs * 1000000000ULL, ops = 0, t;
	size_t len = 64 * 1024, off;
	int k;

	do {
		for (k = 0; k < 16; k++) {
			char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (p == MAP_FAILED)
				die("mmap 64K: %s", strerror(errno));
			for (off = 0; off < len; off += PAGE_SZ)
				p[off] = 1;
			if (munmap(p, len))
				die("munmap: %s", strerror(errno));
			ops++;
		}
		t = now_ns();
	} while (t < end);
	return ops * 1e9 / (t - t0);
}

static void interference(void)
{
	uint64_t rate[NR_BG][MAX_REPS], med[NR_BG];
	double slow, peer;
	int i, round, k;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		die("mmap shared: %s", strerror(errno));
	fflush(stdout);
	holder = fork();
	if (holder < 0)
		die("fork: %s", strerror(errno));
	if (!holder) {
		/* gone with the benchmark, however it ends */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	/* the background processes need none of the big regions */
	for (i = 0; i < NR_REGIONS; i++)
		if (madvise((void *)regions[i].start,
			    regions[i].end - regions[i].start, MADV_DONTFORK))
			die("MADV_DONTFORK: %s", strerror(errno));

	pin_to(0);
	printf("\ninterference: this process does mmap(64K)+touch+munmap for "
	       "%d s while another process is idle, spins, reads the pagemap "
	       "of its %s region, or walks it per page with vminspect (by pid); "
	       "one on each CPU, %d rounds, order rotated, medians over the "
	       "rounds\n",
	       opt_mutate_secs, regions[R_DENSE].name, opt_rounds);
	for (round = 0; round < opt_rounds; round++) {
		printf("  round %d:", round + 1);
		for (k = 0; k < NR_BG; k++) {
			enum bg_kind kind = (k + round) % NR_BG;
			uint64_t walks0;
			pid_t pid = start_bg(kind);

			walks0 = sh->walks;
			rate[kind][round] = mutate(opt_mutate_secs) + 0.5;
			walks0 = sh->walks - walks0;
			stop_bg(pid, kind);
			printf(" %s %" PRIu64 " ops/s", bg_name[kind],
			       rate[kind][round]);
			if (kind == BG_WALK || kind == BG_WALK_OTHER ||
			    kind == BG_PAGEMAP)
				printf(" (%" PRIu64 " passes)", walks0);
			printf(";");
		}
		printf("\n");
	}
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
	for (k = 0; k < NR_BG; k++) {
		med[k] = median(rate[k], opt_rounds);
		printf("  median %-14s %8" PRIu64 " ops/s\n", bg_name[k],
		       med[k]);
	}
	printf("  walker's longest lock hold: %" PRIu64 " ns\n",
	       walker_max_lock_ns);
	slow = 100.0 * (1 - (double)med[BG_WALK] / med[BG_IDLE]);
	printf("  slowdown with the walker vs idle:    %5.1f%% (includes the "
	       "host CPU the second busy vCPU takes under TCG)\n",
	       slow);
	peer = 100.0 * (1 - (double)med[BG_PAGEMAP] / med[BG_SPIN]);
	printf("  slowdown with the pagemap reader vs spinner: %5.1f%% (the "
	       "peer's cost, for comparison)\n",
	       peer);
	printf("  slowdown with another process's walker vs spinner: %5.1f%% "
	       "(a walk as heavy, on the other CPU, that shares no lock with "
	       "the mutator)\n",
	       100.0 * (1 - (double)med[BG_WALK_OTHER] / med[BG_SPIN]));
	printf("  slowdown with the walker vs spinner: %5.1f%% (the walk's "
	       "lock and its load on the host together)\n",
	       100.0 * (1 - (double)med[BG_WALK] / med[BG_SPIN]));
	slow = 100.0 * (1 - (double)med[BG_WALK] / med[BG_WALK_OTHER]);
	printf("  slowdown with the walker vs another process's walker: "
	       "%5.1f%% (what walking this process costs it)\n",
	       slow);
	add_target("interference: walker vs another process's walker (%)", slow,
		   5, true);
}

/* ---- main --------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr, "usage: walk_bench [--reps N] [--dense-mib N] "
			"[--mutate-secs S] [--rounds N] [--interference-only]\n"
			"                  [--cli PATH]\n");
	exit(2);
}

static int int_arg(const char *s, int lo, int hi)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == 0 || *end || v < lo || v > hi)
		usage();
	return v;
}

int main(int argc, char **argv)
{
	int i, met = 0;

	/* the processes cli_walk() starts */
	if (argc == 2 && !strcmp(argv[1], "--exit"))
		return 0;
	if (argc == 2 && !strcmp(argv[1], "--hold-reserve"))
		return hold_reserve();
	if (argc == 4 && !strcmp(argv[1], "--read-pagemap"))
		return read_pagemap(argv[2], argv[3]);

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--interference-only")) {
			opt_interference_only = true;
			continue;
		}
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "--reps"))
			opt_reps = int_arg(argv[++i], 1, MAX_REPS);
		else if (!strcmp(argv[i], "--dense-mib"))
			opt_dense_mib = int_arg(argv[++i], 2, 1 << 20);
		else if (!strcmp(argv[i], "--mutate-secs"))
			opt_mutate_secs = int_arg(argv[++i], 1, 600);
		else if (!strcmp(argv[i], "--rounds"))
			opt_rounds = int_arg(argv[++i], 1, MAX_REPS);
		else if (!strcmp(argv[i], "--cli"))
			opt_cli = argv[++i];
		else
			usage();
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	ctl_fd = open(VMI_CTL_PATH, O_RDONLY);
	if (ctl_fd < 0)
		die("%s: %s (is the module loaded?)", VMI_CTL_PATH,
		    strerror(errno));
	pm_fd = open("/proc/self/pagemap", O_RDONLY);
	if (pm_fd < 0)
		die("/proc/self/pagemap: %s", strerror(errno));
	kpf_fd = open("/proc/kpageflags", O_RDONLY);
	if (kpf_fd < 0)
		die("/proc/kpageflags: %s (run as root)", strerror(errno));
	print_context();

	pm_buf = map_anon(PM_CHUNK * 8);
	kpf_buf = map_anon(KPF_CHUNK * 8);
	vec = map_anon(VEC_LEN * sizeof(*vec));
	pvec = map_anon(PM_CHUNK * sizeof(*pvec));
	memset(pm_buf, 0, PM_CHUNK * 8);
	memset(kpf_buf, 0, KPF_CHUNK * 8);
	memset(vec, 0, VEC_LEN * sizeof(*vec));

	setup_dense();
	setup_thp();
	setup_reserve();

	if (!opt_interference_only) {
		check_regions();
		time_all();
		print_times();
		whole_space();
		cli_walk();
	}
	interference();

	printf("\ntargets (a FAIL does not fail the run):\n");
	for (i = 0; i < nr_targets; i++) {
		const struct target *t = &targets[i];
		bool ok = target_met(t);

		met += ok;
		printf("  %-55s %9.1f%s (want %s %g) %s\n", t->what, t->value,
		       t->at_most ? "%" : "x", t->at_most ? "<" : ">=", t->want,
		       ok ? "PASS" : "FAIL");
	}
	printf("bench: %d targets met, %d missed\n", met, nr_targets - met);
	return 0;
}
