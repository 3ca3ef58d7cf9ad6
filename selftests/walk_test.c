// SPDX-License-Identifier: GPL-2.0
/*
 * vminspect page-table walker tests.
 *
 * Every memory kind is built for real, then what the module reports is
 * checked page by page against the kernel's own views: /proc/PID/pagemap
 * (frame, present, swap, soft-dirty, exclusive), /proc/kpageflags (THP,
 * hugetlb), smaps and VmPTE.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/vminspect.h>

#include "kselftest_harness.h"
#include "vmi_util.h"


#define SZ_1G	(1UL << 30)
#define MAX_EXT	(1 << 16)

static struct vmi_extent ext[MAX_EXT];

static int walk(int fd, pid_t pid, unsigned long start, unsigned long end,
		uint64_t flags, struct vmi_extent *vec, size_t n,
		struct vmi_walk_arg *out)
{
	struct vmi_walk_arg a = {
		.size = sizeof(a),
		.flags = flags,
		.pid = pid,
		.start = start,
		.end = end,
		.vec = (uintptr_t)vec,
		.vec_len = n,
		.extent_size = sizeof(*vec),
	};
	int ret = ioctl(fd, VMI_IOC_WALK, &a);

	if (out)
		*out = a;
	return ret ? -errno : (int)a.nr_extents;
}

static const struct vmi_extent *extent_at(const struct vmi_extent *v, int n,
					  unsigned long addr)
{
	int i;

	for (i = 0; i < n; i++)
		if (addr >= v[i].start && addr < v[i].end)
			return &v[i];
	return NULL;
}

static int translate(int fd, pid_t pid, unsigned long va,
		     struct vmi_translate_arg *t)
{
	memset(t, 0, sizeof(*t));
	t->size = sizeof(*t);
	t->pid = pid;
	t->va = va;
	return ioctl(fd, VMI_IOC_TRANSLATE, t) ? -errno : 0;
}

/* ---- the memory kinds ---------------------------------------------------- */

enum kind { ANON_4K, THP, HUGETLB_2M, HUGETLB_1G, FILE_PRIVATE, FILE_SHARED, SHMEM };

FIXTURE(walk)
{
	int fd, pagemap, kpf;
	char *mem;
	size_t len;
	unsigned int want_shift;	/* page size the present pages must have */
	uint32_t want_attrs;
	int file;
	char path[64];
};

FIXTURE_VARIANT(walk)
{
	enum kind kind;
};

FIXTURE_VARIANT_ADD(walk, anon_4k) { .kind = ANON_4K };
FIXTURE_VARIANT_ADD(walk, thp) { .kind = THP };
FIXTURE_VARIANT_ADD(walk, hugetlb_2m) { .kind = HUGETLB_2M };
FIXTURE_VARIANT_ADD(walk, hugetlb_1g) { .kind = HUGETLB_1G };
FIXTURE_VARIANT_ADD(walk, file_private) { .kind = FILE_PRIVATE };
FIXTURE_VARIANT_ADD(walk, file_shared) { .kind = FILE_SHARED };
FIXTURE_VARIANT_ADD(walk, shmem) { .kind = SHMEM };

/* An aligned mapping: @align-aligned start inside a larger reservation. */
static char *map_aligned(size_t len, size_t align, int prot, int flags, int fd)
{
	char *p, *a;

	p = mmap(NULL, len + align, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return MAP_FAILED;
	a = (char *)(((uintptr_t)p + align - 1) & ~(align - 1));
	if (a > p)
		munmap(p, a - p);
	munmap(a + len, p + len + align - (a + len));
	return mmap(a, len, prot, flags | MAP_FIXED, fd, 0);
}

FIXTURE_SETUP(walk)
{
	size_t i;

	self->mem = MAP_FAILED;
	self->file = -1;
	self->fd = open(VMI_CTL_PATH, O_RDONLY | O_CLOEXEC);
	if (self->fd < 0)
		SKIP(return, "vminspect module not loaded");
	self->pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->pagemap);
	self->kpf = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->kpf);
	self->want_shift = 12;
	self->want_attrs = 0;

	switch (variant->kind) {
	case ANON_4K:
		self->len = 64 * PAGE;
		self->mem = mmap(NULL, self->len, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_TRUE(self->mem != MAP_FAILED);
		madvise(self->mem, self->len, MADV_NOHUGEPAGE);
		self->want_attrs = VMI_EA_ANON;
		break;
	case THP:
		self->len = 2 * SZ_2M;
		self->mem = map_aligned(self->len, SZ_2M, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1);
		ASSERT_TRUE(self->mem != MAP_FAILED);
		if (madvise(self->mem, self->len, MADV_HUGEPAGE))
			SKIP(return, "MADV_HUGEPAGE: %s", strerror(errno));
		self->want_shift = 21;
		self->want_attrs = VMI_EA_ANON | VMI_EA_THP;
		break;
	case HUGETLB_2M:
	case HUGETLB_1G:
		self->len = variant->kind == HUGETLB_2M ? 2 * SZ_2M : SZ_1G;
		self->mem = mmap(NULL, self->len, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
				 (variant->kind == HUGETLB_2M ? MAP_HUGE_2MB : MAP_HUGE_1GB),
				 -1, 0);
		if (self->mem == MAP_FAILED)
			SKIP(return, "no hugetlb pages of this size: %s", strerror(errno));
		self->want_shift = variant->kind == HUGETLB_2M ? 21 : 30;
		/* MAP_HUGETLB memory is a file on an internal hugetlbfs mount */
		self->want_attrs = VMI_EA_HUGETLB | VMI_EA_FILE;
		break;
	case FILE_PRIVATE:
	case FILE_SHARED:
		self->len = 32 * PAGE;
		snprintf(self->path, sizeof(self->path), "/tmp/vmi-walk-%d", getpid());
		self->file = open(self->path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		ASSERT_LE(0, self->file);
		ASSERT_EQ(0, ftruncate(self->file, self->len));
		self->mem = mmap(NULL, self->len, PROT_READ | PROT_WRITE,
				 variant->kind == FILE_SHARED ? MAP_SHARED : MAP_PRIVATE,
				 self->file, 0);
		ASSERT_TRUE(self->mem != MAP_FAILED);
		self->want_attrs = VMI_EA_FILE |
				   (variant->kind == FILE_SHARED ? VMI_EA_SHARED : 0);
		break;
	case SHMEM:
		self->len = 32 * PAGE;
		self->mem = mmap(NULL, self->len, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		ASSERT_TRUE(self->mem != MAP_FAILED);
		madvise(self->mem, self->len, MADV_NOHUGEPAGE);
		/* shared anonymous memory is a shmem file to the kernel */
		self->want_attrs = VMI_EA_FILE | VMI_EA_SHARED;
		break;
	}

	/* start from clean soft-dirty bits, so that pagemap's agree with ours */
	write_file("/proc/self/clear_refs", "4");
	/* touch every other page (every page of a huge one): leaves holes */
	for (i = 0; i < self->len; i += PAGE) {
		if (self->want_shift == 12 && (i / PAGE) % 2)
			continue;
		if (variant->kind == FILE_PRIVATE && (i / PAGE) % 4 == 2)
			(void)*(volatile char *)(self->mem + i);	/* read: page cache */
		else
			self->mem[i] = 1;
	}
	if (variant->kind == THP && smaps_kb(0, (unsigned long)self->mem, "AnonHugePages:") <= 0)
		SKIP(return, "no THP was allocated (THP disabled or memory fragmented)");
}

FIXTURE_TEARDOWN(walk)
{
	if (self->mem != MAP_FAILED)
		munmap(self->mem, self->len);
	if (self->file >= 0) {
		close(self->file);
		unlink(self->path);
	}
	if (self->fd >= 0)
		close(self->fd);
}

/*
 * kpageflags of @pfn, read 4096 frames at a time: a 1G page is 262144
 * frames, and a read per frame takes minutes on the debug kernel.
 */
static uint64_t kpf_cached(int fd, uint64_t pfn)
{
	static uint64_t win[4096], base = UINT64_MAX;
	static ssize_t got;

	if (base == UINT64_MAX || pfn < base || pfn >= base + got / 8) {
		base = pfn;
		got = pread(fd, win, sizeof(win), pfn * 8);
		if (got < 8) {
			base = UINT64_MAX;
			return 0;
		}
	}
	return win[pfn - base];
}

/* Page by page: the walk says what pagemap and kpageflags say. */
TEST_F_TIMEOUT(walk, agrees_with_pagemap, VMI_TEST_TIMEOUT)
{
	unsigned long start = (unsigned long)self->mem, a;
	size_t pages = self->len / PAGE;
	uint64_t *pms = malloc(pages * sizeof(*pms));
	int n, present = 0;

	ASSERT_NE(NULL, pms);
	n = walk(self->fd, 0, start, start + self->len, 0, ext, MAX_EXT, NULL);
	ASSERT_LT(0, n);
	/* the whole range's pagemap in one read, after the walk */
	ASSERT_EQ((ssize_t)(pages * sizeof(*pms)),
		  pread(self->pagemap, pms, pages * sizeof(*pms), start / PAGE * sizeof(*pms)));

	for (a = start; a < start + self->len; a += PAGE) {
		const struct vmi_extent *e = extent_at(ext, n, a);
		uint64_t pm = pms[(a - start) / PAGE], kpf, pfn;

		ASSERT_NE((uint64_t)-1, pm);
		if (!(pm & PM_PRESENT)) {
			EXPECT_TRUE(!e || e->kind != VMI_KIND_PRESENT) TH_LOG("%#lx", a);
			continue;
		}
		ASSERT_TRUE(e != NULL) TH_LOG("no extent at %#lx", a);
		present++;
		EXPECT_EQ(VMI_KIND_PRESENT, e->kind);
		pfn = e->pfn + (a - e->start) / PAGE;
		EXPECT_EQ(pm & PM_PFN_MASK, pfn) TH_LOG("%#lx", a);
		/* hugetlb has no soft-dirty tracking: pagemap ignores the bit */
		if (!(e->attrs & VMI_EA_HUGETLB))
			EXPECT_EQ(!!(pm & PM_SOFT_DIRTY), !!(e->eflags & VMI_EF_SOFT_DIRTY))
				TH_LOG("soft-dirty at %#lx", a);
		EXPECT_TRUE(e->eflags & VMI_EF_PRESENT);
		EXPECT_TRUE(e->eflags & VMI_EF_USER);
		EXPECT_EQ(0, e->attrs & VMI_EA_PFN_HIDDEN);
		EXPECT_EQ(self->want_attrs, e->attrs & ~VMI_EA_PFN_HIDDEN) TH_LOG("%#lx", a);
		if (e->level == VMI_LEVEL_PTE && !(e->attrs & VMI_EA_THP))
			EXPECT_EQ(!!(pm & PM_MMAP_EXCLUSIVE), !!(e->eflags & VMI_EF_EXCLUSIVE))
				TH_LOG("exclusive at %#lx", a);

		kpf = kpf_cached(self->kpf, pfn);
		EXPECT_EQ(!!(kpf & (1ULL << KPF_THP)), !!(e->attrs & VMI_EA_THP)) TH_LOG("%#lx", a);
		EXPECT_EQ(!!(kpf & (1ULL << KPF_HUGE)), !!(e->attrs & VMI_EA_HUGETLB))
			TH_LOG("%#lx", a);
	}
	EXPECT_LT(0, present);
	free(pms);
}

/* Present pages sit at the level of their size; runs never cross a VMA. */
TEST_F_TIMEOUT(walk, levels_and_sizes, VMI_TEST_TIMEOUT)
{
	unsigned long start = (unsigned long)self->mem;
	int i, n;

	n = walk(self->fd, 0, start, start + self->len, 0, ext, MAX_EXT, NULL);
	ASSERT_LT(0, n);
	for (i = 0; i < n; i++) {
		const struct vmi_extent *e = &ext[i];

		EXPECT_LE(start, e->start);
		EXPECT_GE(start + self->len, e->end);
		EXPECT_LT(e->start, e->end);
		if (i)
			EXPECT_LE(ext[i - 1].end, e->start);
		if (e->kind != VMI_KIND_PRESENT)
			continue;
		EXPECT_EQ(self->want_shift, e->page_shift);
		EXPECT_EQ(self->want_shift == 12 ? VMI_LEVEL_PTE :
			  self->want_shift == 21 ? VMI_LEVEL_PMD : VMI_LEVEL_PUD, e->level);
		EXPECT_EQ(self->want_shift > 12, !!(e->eflags & VMI_EF_HUGE));
	}
}

/* One record per page and the merged runs describe the same pages. */
TEST_F_TIMEOUT(walk, per_page_and_holes, VMI_TEST_TIMEOUT)
{
	static struct vmi_extent pp[MAX_EXT];
	unsigned long start = (unsigned long)self->mem, covered = 0;
	int i, n, np;

	n = walk(self->fd, 0, start, start + self->len, 0, ext, MAX_EXT, NULL);
	np = walk(self->fd, 0, start, start + self->len, VMI_WALK_PER_PAGE, pp, MAX_EXT, NULL);
	ASSERT_LT(0, n);
	ASSERT_LE(n, np);
	for (i = 0; i < np; i++) {
		const struct vmi_extent *e = extent_at(ext, n, pp[i].start);

		EXPECT_EQ(1UL << pp[i].page_shift, pp[i].end - pp[i].start);
		ASSERT_TRUE(e != NULL);
		EXPECT_EQ(e->kind, pp[i].kind);
		EXPECT_EQ(e->pfn + (pp[i].start - e->start) / PAGE, pp[i].pfn);
	}

	/* with holes, the records tile the range exactly */
	n = walk(self->fd, 0, start, start + self->len, VMI_WALK_HOLES, ext, MAX_EXT, NULL);
	ASSERT_LT(0, n);
	EXPECT_EQ(start, ext[0].start);
	for (i = 0; i < n; i++) {
		if (i)
			EXPECT_EQ(ext[i - 1].end, ext[i].start);
		covered += ext[i].end - ext[i].start;
	}
	EXPECT_EQ(self->len, covered);
}

/* Pages mode: pagemap's shape, one record per 4 KiB, holes included. */
TEST_F_TIMEOUT(walk, pages_mode, VMI_TEST_TIMEOUT)
{
	static struct vmi_page pg[1 << 18];
	unsigned long start = (unsigned long)self->mem, end = start + self->len, a;
	struct vmi_walk_arg w = { .size = sizeof(w) };
	size_t i, n = self->len / PAGE, got = 0, chunk;
	int ne;

	ASSERT_GE(sizeof(pg) / sizeof(pg[0]), n);
	ne = walk(self->fd, 0, start, end, 0, ext, MAX_EXT, NULL);
	ASSERT_LT(0, ne);
	/* in chunks of an odd size, to cross huge pages and batches */
	for (a = start; a < end; a = w.walk_end) {
		chunk = 1000;
		w.flags = VMI_WALK_PAGES;
		w.start = a;
		w.end = end;
		w.vec = (uintptr_t)&pg[got];
		w.vec_len = chunk;
		w.extent_size = sizeof(pg[0]);
		ASSERT_EQ(0, ioctl(self->fd, VMI_IOC_WALK, &w));
		ASSERT_EQ((w.walk_end - a) / PAGE, w.nr_extents);
		ASSERT_LT(a, w.walk_end);
		got += w.nr_extents;
	}
	ASSERT_EQ(n, got);
	for (i = 0; i < n; i++) {
		const struct vmi_extent *e;
		uint64_t pm;

		a = start + i * PAGE;
		pm = pagemap_get(self->pagemap, a);
		e = extent_at(ext, ne, a);
		if (!(pm & PM_PRESENT)) {
			EXPECT_NE(VMI_KIND_PRESENT, pg[i].kind);
			continue;
		}
		ASSERT_TRUE(e != NULL);
		EXPECT_EQ(pm & PM_PFN_MASK, pg[i].frame) TH_LOG("%#lx", a);
		EXPECT_EQ(e->kind, pg[i].kind);
		EXPECT_EQ(e->level, pg[i].level);
		EXPECT_EQ(e->page_shift, pg[i].page_shift);
		EXPECT_EQ(e->eflags, pg[i].eflags);
		EXPECT_EQ(e->attrs, pg[i].attrs);
	}
	/* pages mode takes no other flag */
	w.flags = VMI_WALK_PAGES | VMI_WALK_HOLES;
	w.start = start;
	EXPECT_EQ(-1, ioctl(self->fd, VMI_IOC_WALK, &w));
	EXPECT_EQ(EINVAL, errno);
}

/* A vector of one: the cursor walks through the same extents. */
TEST_F_TIMEOUT(walk, resume_cursor, VMI_TEST_TIMEOUT)
{
	unsigned long start = (unsigned long)self->mem, end = start + self->len;
	struct vmi_walk_arg out;
	struct vmi_extent one;
	int n, i = 0, guard = 0;

	n = walk(self->fd, 0, start, end, 0, ext, MAX_EXT, &out);
	ASSERT_LT(0, n);
	EXPECT_EQ(end, out.walk_end);
	while (start < end && guard++ < MAX_EXT) {
		ASSERT_LE(0, walk(self->fd, 0, start, end, 0, &one, 1, &out));
		if (out.nr_extents == 0)
			break;
		ASSERT_GT(n, i);
		EXPECT_EQ(ext[i].start, one.start);
		EXPECT_EQ(ext[i].end, one.end);
		EXPECT_EQ(ext[i].pfn, one.pfn);
		i++;
		ASSERT_LT(start, out.walk_end);
		start = out.walk_end;
	}
	EXPECT_EQ(n, i);
}

/* translate finds the same leaf as the walk, through the levels in use. */
TEST_F_TIMEOUT(walk, translate_agrees, VMI_TEST_TIMEOUT)
{
	unsigned long start = (unsigned long)self->mem, a;
	struct vmi_translate_arg t;
	int n, levels = probe_pgtable_levels();

	n = walk(self->fd, 0, start, start + self->len, 0, ext, MAX_EXT, NULL);
	ASSERT_LT(0, n);
	for (a = start; a < start + self->len; a += self->len / 8) {
		const struct vmi_extent *e = extent_at(ext, n, a);
		unsigned int want_levels;

		ASSERT_EQ(0, translate(self->fd, 0, a + 123, &t));
		EXPECT_EQ(start, t.vma_start);
		EXPECT_EQ(start + self->len, t.vma_end);
		if (!e) {
			EXPECT_NE(VMI_KIND_PRESENT, t.leaf.kind);
			continue;
		}
		EXPECT_EQ(e->kind, t.leaf.kind);
		EXPECT_EQ(e->level, t.leaf.level);
		EXPECT_EQ(e->pfn + (a - e->start) / PAGE, t.leaf.pfn);
		EXPECT_EQ((t.leaf.pfn << 12) + 123, t.pa);
		/* PGD (P4D) PUD PMD PTE, stopping at the leaf */
		want_levels = levels - (e->level - VMI_LEVEL_PTE);
		EXPECT_EQ(want_levels, t.nr_levels);
		EXPECT_EQ(VMI_LEVEL_PGD, t.levels[0].level);
		EXPECT_EQ(e->level, t.levels[t.nr_levels - 1].level);
		EXPECT_EQ((a >> (12 + 9 * (e->level - 1))) & 511,
			  t.levels[t.nr_levels - 1].index);
	}
}

/* ---- situations ------------------------------------------------------------ */

FIXTURE(vmi)
{
	int fd;
	int pagemap;
};

FIXTURE_SETUP(vmi)
{
	self->fd = open(VMI_CTL_PATH, O_RDONLY | O_CLOEXEC);
	if (self->fd < 0)
		SKIP(return, "vminspect module not loaded");
	self->pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->pagemap);
}

FIXTURE_TEARDOWN(vmi)
{
	if (self->fd >= 0)
		close(self->fd);
}

static uint64_t pfn_of(int fd, pid_t pid, unsigned long a)
{
	struct vmi_extent e;

	if (walk(fd, pid, a, a + PAGE, 0, &e, 1, NULL) != 1 || e.kind != VMI_KIND_PRESENT)
		return 0;
	return e.pfn + (a - e.start) / PAGE;
}

/*
 * Records leave in batches of 8 KiB (128 extents, 64 VMAs): a walk whose
 * records end one past a full batch, or on one, delivers every record once,
 * in order.  Per page, so that the record count is the page count; the
 * frames agree with pagemap.
 */
TEST_F_TIMEOUT(vmi, batch_boundaries, VMI_TEST_TIMEOUT)
{
	static const unsigned int counts[] = { 1, 127, 128, 129, 255, 256, 257, 385 };
	static struct vmi_extent e[512];
	unsigned int c, i;
	char *p;

	p = mmap(NULL, 512 * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	/* small pages: one record each */
	ASSERT_EQ(0, madvise(p, 512 * PAGE, MADV_NOHUGEPAGE));
	memset(p, 1, 512 * PAGE);
	for (c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		unsigned int n = counts[c];
		unsigned long start = (unsigned long)p;

		memset(e, 0xa5, sizeof(e));
		ASSERT_EQ((int)n, walk(self->fd, 0, start, start + n * PAGE,
				       VMI_WALK_PER_PAGE, e, 512, NULL))
			TH_LOG("%u pages", n);
		for (i = 0; i < n; i++) {
			uint64_t pme = pagemap_get(self->pagemap, start + i * PAGE);

			ASSERT_EQ(start + i * PAGE, e[i].start) TH_LOG("%u pages, record %u", n, i);
			ASSERT_EQ(start + (i + 1) * PAGE, e[i].end);
			ASSERT_EQ(VMI_KIND_PRESENT, e[i].kind);
			ASSERT_EQ(pme & PM_PFN_MASK, e[i].pfn) TH_LOG("%u pages, record %u", n, i);
		}
		/* nothing written past the last record */
		EXPECT_EQ(0xa5a5a5a5a5a5a5a5ULL, e[n].start) TH_LOG("%u pages", n);
	}
	munmap(p, 512 * PAGE);
}

/* fork: one frame for both until the child writes, then two. */
TEST_F_TIMEOUT(vmi, cow_after_fork, VMI_TEST_TIMEOUT)
{
	int to_child[2], to_parent[2], status;
	unsigned long a;
	uint64_t before, child_before, child_after, after;
	char c, *p;
	pid_t pid;

	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(p != MAP_FAILED);
	p[0] = 1;
	a = (unsigned long)p;
	before = pfn_of(self->fd, 0, a);
	ASSERT_NE(0, before);
	ASSERT_EQ(0, pipe(to_child));
	ASSERT_EQ(0, pipe(to_parent));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* wait for the first look, write, report, wait for the second */
		if (read(to_child[0], &c, 1) != 1)
			_exit(1);
		p[0] = 2;
		if (write(to_parent[1], "w", 1) != 1 || read(to_child[0], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	child_before = pfn_of(self->fd, pid, a);
	EXPECT_EQ(before, child_before);
	/* shared now: neither maps it writable nor exclusively */
	ASSERT_EQ(1, write(to_child[1], "g", 1));
	ASSERT_EQ(1, read(to_parent[0], &c, 1));
	child_after = pfn_of(self->fd, pid, a);
	after = pfn_of(self->fd, 0, a);
	EXPECT_NE(0, child_after);
	EXPECT_NE(before, child_after);
	EXPECT_EQ(before, after);
	EXPECT_EQ(pagemap_get(self->pagemap, a) & PM_PFN_MASK, after);
	ASSERT_EQ(1, write(to_child[1], "x", 1));
	waitpid(pid, &status, 0);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	munmap(p, PAGE);
}

/* mprotect: read-only drops the write bit, PROT_NONE keeps the frame. */
TEST_F_TIMEOUT(vmi, mprotect_readonly_and_protnone, VMI_TEST_TIMEOUT)
{
	struct vmi_extent e;
	uint64_t pfn;
	char *p;

	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(p != MAP_FAILED);
	p[0] = 1;
	pfn = pfn_of(self->fd, 0, (unsigned long)p);
	ASSERT_EQ(1, walk(self->fd, 0, (unsigned long)p, (unsigned long)p + PAGE, 0, &e, 1, NULL));
	EXPECT_TRUE(e.eflags & VMI_EF_WRITE);
	EXPECT_TRUE(e.eflags & VMI_EF_DIRTY);

	ASSERT_EQ(0, mprotect(p, PAGE, PROT_READ));
	ASSERT_EQ(1, walk(self->fd, 0, (unsigned long)p, (unsigned long)p + PAGE, 0, &e, 1, NULL));
	EXPECT_EQ(0, e.eflags & VMI_EF_WRITE);
	EXPECT_TRUE(e.eflags & VMI_EF_PRESENT);
	EXPECT_EQ(pfn, e.pfn);

	ASSERT_EQ(0, mprotect(p, PAGE, PROT_NONE));
	ASSERT_EQ(1, walk(self->fd, 0, (unsigned long)p, (unsigned long)p + PAGE, 0, &e, 1, NULL));
	EXPECT_EQ(VMI_KIND_PRESENT, e.kind);
	EXPECT_EQ(0, e.eflags & VMI_EF_PRESENT);
	EXPECT_TRUE(e.eflags & VMI_EF_PROTNONE);
	/* the L1TF-inverted frame is decoded back */
	EXPECT_EQ(pfn, e.pfn);
	EXPECT_EQ(pagemap_get(self->pagemap, (unsigned long)p) & PM_PFN_MASK, e.pfn);
	munmap(p, PAGE);
}

/* Pages pushed to swap show their swap slot, as pagemap does. */
TEST_F_TIMEOUT(vmi, swapped_out, VMI_TEST_TIMEOUT)
{
	unsigned long a;
	int i, n, swapped = 0;
	char *p;

	if (status_kb(0, "VmSwap:") < 0 || read_file("/proc/swaps", (char[512]){ 0 }, 512) < 0)
		SKIP(return, "no swap support");
	{
		char swaps[512];

		read_file("/proc/swaps", swaps, sizeof(swaps));
		if (!strchr(strchr(swaps, '\n') ? strchr(swaps, '\n') : swaps, '/'))
			SKIP(return, "no swap device active (the VM runner sets up zram)");
	}
	p = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(p != MAP_FAILED);
	for (i = 0; i < 16; i++)
		memset(p + i * PAGE, i + 1, PAGE);
	if (madvise(p, 16 * PAGE, MADV_PAGEOUT))
		SKIP(return, "MADV_PAGEOUT: %s", strerror(errno));

	n = walk(self->fd, 0, (unsigned long)p, (unsigned long)p + 16 * PAGE, 0, ext, MAX_EXT, NULL);
	ASSERT_LT(0, n);
	for (a = (unsigned long)p; a < (unsigned long)p + 16 * PAGE; a += PAGE) {
		const struct vmi_extent *e = extent_at(ext, n, a);
		uint64_t pm = pagemap_get(self->pagemap, a);

		if (!(pm & PM_SWAP))
			continue;
		swapped++;
		ASSERT_TRUE(e != NULL);
		EXPECT_EQ(VMI_KIND_SWAP, e->kind);
		EXPECT_EQ(PM_SWAP_TYPE(pm), e->swap_type);
		EXPECT_EQ(PM_SWAP_OFFSET(pm), e->swap_offset + (a - e->start) / PAGE);
	}
	if (!swapped)
		SKIP(return, "nothing was swapped out");
	/* and they come back */
	EXPECT_EQ(5, p[4 * PAGE]);
	munmap(p, 16 * PAGE);
}

/* Page-table pages counted by the walk are what the kernel accounts. */
TEST_F_TIMEOUT(vmi, pgtables_match_vmpte, VMI_TEST_TIMEOUT)
{
	struct vmi_pgtables_arg pt = { .size = sizeof(pt) };
	long vmpte;

	ASSERT_EQ(0, ioctl(self->fd, VMI_IOC_PGTABLES, &pt));
	vmpte = status_kb(0, "VmPTE:");
	ASSERT_LE(0, vmpte);
	EXPECT_EQ(1, pt.tables[VMI_LEVEL_PGD]);
	EXPECT_LT(0, pt.tables[VMI_LEVEL_PTE]);
	EXPECT_LE(pt.tables[VMI_LEVEL_PMD], pt.tables[VMI_LEVEL_PTE]);
	EXPECT_LE(pt.tables[VMI_LEVEL_PUD], pt.tables[VMI_LEVEL_PMD]);
	/* VmPTE counts PTE, PMD and PUD tables, and those deposited under THPs */
	EXPECT_EQ(vmpte * 1024, (pt.tables[VMI_LEVEL_PTE] + pt.tables[VMI_LEVEL_PMD] +
				 pt.tables[VMI_LEVEL_PUD] + pt.deposited) * 4096);
	EXPECT_EQ(pt.entries[VMI_LEVEL_PMD] >= pt.tables[VMI_LEVEL_PTE], 1);
}

/* 5-level machines: an address above 47 bits has a P4D step. */
TEST_F_TIMEOUT(vmi, five_level_path, VMI_TEST_TIMEOUT)
{
	struct vmi_translate_arg t;
	char *p;

	if (probe_pgtable_levels() != 5) {
		ASSERT_EQ(0, translate(self->fd, 0, (unsigned long)&t, &t));
		EXPECT_EQ(4, t.nr_levels);
		SKIP(return, "4-level paging: checked the 4-level path only");
	}
	p = mmap((void *)(1UL << 50), PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(p != MAP_FAILED);
	ASSERT_LE(1UL << 47, (unsigned long)p);
	p[0] = 1;
	ASSERT_EQ(0, translate(self->fd, 0, (unsigned long)p, &t));
	EXPECT_EQ(5, t.nr_levels);
	EXPECT_EQ(VMI_LEVEL_P4D, t.levels[1].level);
	EXPECT_EQ(((unsigned long)p >> 48) & 511, t.levels[0].index);
	EXPECT_EQ(((unsigned long)p >> 39) & 511, t.levels[1].index);
	EXPECT_EQ(pagemap_get(self->pagemap, (unsigned long)p) & PM_PFN_MASK, t.leaf.pfn);
	munmap(p, PAGE);
}

/* ---- bad input ------------------------------------------------------------ */

TEST_F_TIMEOUT(vmi, bad_ranges, VMI_TEST_TIMEOUT)
{
	static const struct { unsigned long start, end; } r[] = {
		{ 0x10000, 0x10000 },			/* empty */
		{ 0x20000, 0x10000 },			/* backwards */
		{ 0x10001, 0x20000 },			/* unaligned */
		{ 0x10000, 0x20001 },
		{ 0x10000, 0x8000000000000000UL },	/* non-canonical */
		{ 0xffff888000000000UL, 0xffff888000010000UL },	/* kernel */
		{ 0, ~0xfffUL },
	};
	unsigned int i;

	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		EXPECT_EQ(-EINVAL, walk(self->fd, 0, r[i].start, r[i].end, 0, ext, 16, NULL))
			TH_LOG("range %#lx-%#lx", r[i].start, r[i].end);
}

TEST_F_TIMEOUT(vmi, bad_vectors, VMI_TEST_TIMEOUT)
{
	unsigned long a = 0x10000, b = 1UL << 46;
	struct vmi_walk_arg w;
	void *ro;

	EXPECT_EQ(-EFAULT, walk(self->fd, 0, a, b, 0, NULL, 16, NULL));
	EXPECT_EQ(-EINVAL, walk(self->fd, 0, a, b, 0, ext, 0, NULL));
	EXPECT_EQ(-EINVAL, walk(self->fd, 0, a, b, 0, ext, 1ULL << 40, NULL));
	EXPECT_EQ(-EINVAL, walk(self->fd, 0, a, b, 1ULL << 7, ext, 16, NULL));
	EXPECT_EQ(-EFAULT, walk(self->fd, 0, a, b, 0, (void *)0xffff888000000000UL, 16, NULL));

	/* a vector the kernel cannot write to */
	ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(ro != MAP_FAILED);
	EXPECT_EQ(-EFAULT, walk(self->fd, 0, 0, 1UL << 47, 0, ro, 16, NULL));
	munmap(ro, PAGE);

	/* an extent size older than the first one */
	memset(&w, 0, sizeof(w));
	w.size = sizeof(w);
	w.start = a;
	w.end = b;
	w.vec = (uintptr_t)ext;
	w.vec_len = 16;
	w.extent_size = VMI_EXTENT_SIZE_VER0 - 8;
	EXPECT_EQ(-1, ioctl(self->fd, VMI_IOC_WALK, &w));
	EXPECT_EQ(EINVAL, errno);
	w.extent_size = VMI_EXTENT_SIZE_VER0;
	w.reserved = 1;
	EXPECT_EQ(-1, ioctl(self->fd, VMI_IOC_WALK, &w));
	EXPECT_EQ(EINVAL, errno);
	w.reserved = 0;
	w.size = VMI_WALK_SIZE_VER0 - 8;
	EXPECT_EQ(-1, ioctl(self->fd, VMI_IOC_WALK, &w));
	EXPECT_EQ(EINVAL, errno);
}

/* A larger extent record: the tail beyond what the kernel knows is zeroed. */
TEST_F_TIMEOUT(vmi, larger_extent_records, VMI_TEST_TIMEOUT)
{
	unsigned char big[4][VMI_EXTENT_SIZE_VER0 + 32];
	struct vmi_walk_arg w = { .size = sizeof(w) };
	char *p;
	int i, j;

	p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(p != MAP_FAILED);
	p[0] = 1;
	memset(big, 0xa5, sizeof(big));
	w.start = (unsigned long)p;
	w.end = w.start + 4 * PAGE;
	w.vec = (uintptr_t)big;
	w.vec_len = 4;
	w.extent_size = sizeof(big[0]);
	ASSERT_EQ(0, ioctl(self->fd, VMI_IOC_WALK, &w));
	ASSERT_EQ(1, w.nr_extents);
	EXPECT_EQ((unsigned long)p, ((struct vmi_extent *)big[0])->start);
	for (j = VMI_EXTENT_SIZE_VER0; j < (int)sizeof(big[0]); j++)
		ASSERT_EQ(0, big[0][j]);
	for (i = 1; i < 4; i++)
		ASSERT_EQ(0xa5, big[i][0]);
	munmap(p, 4 * PAGE);
}

TEST_F_TIMEOUT(vmi, bad_processes, VMI_TEST_TIMEOUT)
{
	struct vmi_translate_arg t;
	pid_t zombie;

	/* no such process */
	EXPECT_EQ(-ESRCH, walk(self->fd, 0x3fffffff, 0x10000, 0x20000, 0, ext, 16, NULL));
	EXPECT_EQ(-ESRCH, walk(self->fd, 0xffffffff, 0x10000, 0x20000, 0, ext, 16, NULL));
	/* kthreadd: a kernel thread has no user address space */
	EXPECT_EQ(-EINVAL, walk(self->fd, 2, 0x10000, 0x20000, 0, ext, 16, NULL));
	EXPECT_EQ(-EINVAL, translate(self->fd, 2, 0x10000, &t));
	/* a zombie has none left */
	zombie = fork();
	ASSERT_LE(0, zombie);
	if (zombie == 0)
		_exit(0);
	usleep(100000);
	EXPECT_EQ(-ESRCH, walk(self->fd, zombie, 0x10000, 0x20000, 0, ext, 16, NULL));
	waitpid(zombie, NULL, 0);
	EXPECT_EQ(-ESRCH, walk(self->fd, zombie, 0x10000, 0x20000, 0, ext, 16, NULL));
	/* kernel and non-canonical addresses do not translate */
	EXPECT_EQ(-EINVAL, translate(self->fd, 0, 0xffffffff81000000UL, &t));
	EXPECT_EQ(-EINVAL, translate(self->fd, 0, 0x8000000000000000UL, &t));
}

/* A target that exits while being walked: the walk ends cleanly. */
TEST_F_TIMEOUT(vmi, target_exits_during_walks, VMI_TEST_TIMEOUT)
{
	int i, ret, ok = 0;
	pid_t pid;

	for (i = 0; i < 20; i++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			char *p = mmap(NULL, 64 << 20, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (p != MAP_FAILED)
				memset(p, 1, 64 << 20);
			usleep(1000 * (i % 5));
			_exit(0);
		}
		ret = walk(self->fd, pid, 0, 1UL << 47, 0, ext, MAX_EXT, NULL);
		EXPECT_TRUE(ret >= 0 || ret == -ESRCH) TH_LOG("ret %d", ret);
		ok += ret >= 0;
		waitpid(pid, NULL, 0);
	}
	TH_LOG("%d of 20 walks saw the target alive", ok);
}

/* A target that execs while being walked: the old mm or the new, never a crash. */
TEST_F_TIMEOUT(vmi, target_execs_during_walks, VMI_TEST_TIMEOUT)
{
	int i, ret, ok = 0;
	pid_t pid;

	for (i = 0; i < 10; i++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			char *p = mmap(NULL, 16 << 20, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (p != MAP_FAILED)
				memset(p, 1, 16 << 20);
			usleep(500 * (i % 4));
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		do {
			ret = walk(self->fd, pid, 0, 1UL << 47, 0, ext, MAX_EXT, NULL);
			EXPECT_TRUE(ret >= 0 || ret == -ESRCH) TH_LOG("ret %d", ret);
			ok += ret >= 0;
		} while (ret >= 0 && waitpid(pid, NULL, WNOHANG) == 0);
		waitpid(pid, NULL, 0);
	}
	TH_LOG("%d walks of targets that exec'd", ok);
}

/* ---- privileges ------------------------------------------------------------ */

#define UNPRIV_OWN_WALK		(1 << 0)
#define UNPRIV_PFN_SHOWN	(1 << 1)
#define UNPRIV_OTHER_ALLOWED	(1 << 2)
#define UNPRIV_ENTRY_PFN	(1 << 3)
#define UNPRIV_QUERY_OPEN	(1 << 4)

static int unprivileged_walk(void *arg)
{
	struct vmi_translate_arg t;
	struct vmi_extent e[8];
	int fd, n, i, bad = 0;
	char *p;

	fd = open(VMI_CTL_PATH, O_RDONLY | O_CLOEXEC);
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fd < 0 || p == MAP_FAILED)
		return UNPRIV_OWN_WALK;
	p[0] = 1;
	n = walk(fd, 0, (unsigned long)p, (unsigned long)p + PAGE, 0, e, 8, NULL);
	if (n != 1 || e[0].kind != VMI_KIND_PRESENT)
		bad |= UNPRIV_OWN_WALK;
	for (i = 0; i < n; i++)
		if (e[i].pfn || !(e[i].attrs & VMI_EA_PFN_HIDDEN))
			bad |= UNPRIV_PFN_SHOWN;
	if (walk(fd, 1, 0, 1UL << 47, 0, e, 8, NULL) != -EPERM ||
	    translate(fd, 1, 0x10000, &t) != -EPERM)
		bad |= UNPRIV_OTHER_ALLOWED;
	if (translate(fd, 0, (unsigned long)p, &t) || t.pa || t.leaf.pfn)
		bad |= UNPRIV_PFN_SHOWN;
	for (i = 0; i < (int)t.nr_levels; i++)
		if ((t.levels[i].entry & 0x000ffffffffff000ULL) || t.levels[i].table_pa)
			bad |= UNPRIV_ENTRY_PFN;
	/* the text front door is root's */
	if (open("/proc/vminspect/query", O_RDWR | O_CLOEXEC) >= 0)
		bad |= UNPRIV_QUERY_OPEN;
	close(fd);
	return bad;
}

TEST_F_TIMEOUT(vmi, unprivileged_walk, VMI_TEST_TIMEOUT)
{
	EXPECT_EQ(0, run_unprivileged(unprivileged_walk, NULL));
}

/* ---- the text front door ---------------------------------------------------- */

static ssize_t query(int qfd, const char *q, char *buf, size_t size)
{
	ssize_t n, len = 0;

	if (write(qfd, q, strlen(q)) != (ssize_t)strlen(q))
		return -errno;
	while ((n = read(qfd, buf + len, size - 1 - len)) > 0)
		len += n;
	buf[len] = '\0';
	return n < 0 ? -errno : len;
}

TEST_F_TIMEOUT(vmi, query_file, VMI_TEST_TIMEOUT)
{
	static char buf[1 << 20], buf2[1 << 20];
	int q1, q2, n, lines = 0;
	char cmd[128], *p, *line;

	p = mmap(NULL, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(p != MAP_FAILED);
	madvise(p, 8 * PAGE, MADV_NOHUGEPAGE);
	p[0] = p[2 * PAGE] = p[5 * PAGE] = 1;
	n = walk(self->fd, 0, (unsigned long)p, (unsigned long)p + 8 * PAGE, 0, ext, MAX_EXT, NULL);
	ASSERT_LT(0, n);

	q1 = open("/proc/vminspect/query", O_RDWR | O_CLOEXEC);
	q2 = open("/proc/vminspect/query", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, q1);
	ASSERT_LE(0, q2);
	snprintf(cmd, sizeof(cmd), "walk %d %#lx %#lx\n", getpid(), (unsigned long)p,
		 (unsigned long)p + 8 * PAGE);
	ASSERT_LT(0, query(q1, cmd, buf, sizeof(buf)));
	ASSERT_LT(0, query(q2, "translate 0 0x10000\n", buf2, sizeof(buf2)));
	/* q1's answer is still q1's */
	ASSERT_EQ(0, lseek(q1, 0, SEEK_SET));
	ASSERT_LT(0, read(q1, buf2, sizeof(buf2) - 1));
	EXPECT_EQ(0, strncmp(buf, buf2, strlen(buf)));

	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		unsigned long s, e, pfn;

		if (line[0] == '#' || sscanf(line, "%lx %lx %*u pte present %lx", &s, &e, &pfn) != 3)
			continue;
		EXPECT_EQ(ext[lines].start, s);
		EXPECT_EQ(ext[lines].end, e);
		EXPECT_EQ(ext[lines].pfn, pfn);
		lines++;
	}
	EXPECT_EQ(n, lines);

	/* bad queries are refused and leave no answer */
	EXPECT_EQ(-EINVAL, query(q1, "frobnicate 1\n", buf, sizeof(buf)));
	EXPECT_EQ(-EINVAL, query(q1, "walk\n", buf, sizeof(buf)));
	EXPECT_EQ(-EINVAL, query(q1, "walk 0 0x1001 0x2000\n", buf, sizeof(buf)));
	EXPECT_EQ(-ESRCH, query(q1, "maps 1073741823\n", buf, sizeof(buf)));
	ASSERT_EQ(0, lseek(q1, 0, SEEK_SET));
	EXPECT_EQ(0, read(q1, buf, sizeof(buf)));

	ASSERT_LT(0, query(q1, "maps 0\n", buf, sizeof(buf)));
	EXPECT_TRUE(strstr(buf, "[stack]") != NULL);
	EXPECT_TRUE(strstr(buf, "pgtables pte ") != NULL);
	close(q1);
	close(q2);
	munmap(p, 8 * PAGE);
}

/*
 * maps: per-VMA bytes agree with smaps.  The target is a child that maps a
 * few regions and then waits: our own address space would change under us
 * as reading smaps faults in more code.
 */
TEST_F_TIMEOUT(vmi, maps_agree_with_smaps, VMI_TEST_TIMEOUT)
{
	static struct vmi_vma v[4096];
	struct vmi_maps_arg m = { .size = sizeof(m) };
	int ready[2], i, checked = 0;
	char c;
	pid_t pid;

	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char *a = mmap(NULL, 64 * PAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		/* gone with the test, whatever way it ends */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (a == MAP_FAILED)
			_exit(1);
		madvise(a, 64 * PAGE, MADV_NOHUGEPAGE);
		for (i = 0; i < 64; i += 3)
			a[i * PAGE] = 1;
		(void)*(volatile char *)(a + 63 * PAGE);	/* the zero page */
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	ASSERT_EQ(1, read(ready[0], &c, 1));

	m.pid = pid;
	m.end = 1UL << 47;
	m.vec = (uintptr_t)v;
	m.vec_len = 4096;
	m.vma_size = sizeof(v[0]);
	ASSERT_EQ(0, ioctl(self->fd, VMI_IOC_MAPS, &m));
	ASSERT_LT(0, m.nr_vmas);
	EXPECT_EQ(m.end, m.walk_end);
	for (i = 0; i < (int)m.nr_vmas; i++) {
		long rss = smaps_kb(pid, v[i].start, "Rss:");
		long swap = smaps_kb(pid, v[i].start, "Swap:");

		if (i)
			EXPECT_LE(v[i - 1].end, v[i].start);
		ASSERT_LE(0, rss) TH_LOG("%#llx %s not in smaps", v[i].start, v[i].name);
		EXPECT_EQ(rss * 1024, v[i].rss) TH_LOG("%#llx %s", v[i].start, v[i].name);
		EXPECT_EQ(swap * 1024, v[i].swap) TH_LOG("%#llx %s", v[i].start, v[i].name);
		EXPECT_EQ(v[i].rss, v[i].bytes_4k + v[i].bytes_2m + v[i].bytes_1g);
		if (v[i].end - v[i].start == 64 * PAGE && (v[i].vma_flags & VMI_VMA_ANON))
			EXPECT_EQ(22 * PAGE, v[i].rss);
		checked++;
	}
	EXPECT_LT(2, checked);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

TEST_HARNESS_MAIN
