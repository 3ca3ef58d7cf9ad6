// SPDX-License-Identifier: GPL-2.0
/*
 * vminspect page-table forensics (VMI_IOC_PGTABLES with its range and
 * per-VMA records, and the library's views across processes), proved
 * against what the kernel says and against geometry known in advance:
 *
 * - eight processes map one 2 MiB-aligned 64 MiB memfd (shmem THP off)
 *   and touch all of it: 32 PTE tables each, 512 entries in each table,
 *   and the library's shared view names the memfd's inode with eight
 *   mappers and 256 tables;
 * - every such process's tables below the PGD are its VmPTE;
 * - a sparse heap, one page touched per 2 MiB: 32 single-entry tables;
 * - MADV_DONTNEED leaves empty tables, or none where the kernel reclaims
 *   them (7.x), never tables with entries;
 * - the counts agree with each other: fullness plus empty is the tables
 *   of each level, the VMAs add up to the totals;
 * - a one-record vector walks the same VMAs as a large one;
 * - the sum over all processes against PageTables of /proc/meminfo.
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
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/vminspect.h>

#include "kselftest_harness.h"
#include "vmi_util.h"
#include "../tools/lib/vminspect.h"

#define MAPPERS	 8
#define OBJ_SIZE (64UL << 20)
#define OBJ_PTES (OBJ_SIZE / SZ_2M) /* PTE tables of the object */
#define MAX_VMAS 4096
#define SHMEM_THP "/sys/kernel/mm/transparent_hugepage/shmem_enabled"

/*
 * The tables VmPTE counts: PTE, PMD and PUD (not P4D, not the PGD), and
 * the PTE tables deposited under anonymous THPs.
 */
static uint64_t vmpte_tables(const struct vmi_pgtables_arg *a)
{
	return a->tables[VMI_LEVEL_PTE] + a->tables[VMI_LEVEL_PMD] +
	       a->tables[VMI_LEVEL_PUD] + a->deposited;
}

/* The whole address space of @pid in one call; records in @v. */
static int pgt_query(int fd, pid_t pid, struct vmi_pgtables_arg *a,
		     struct vmi_pgt_vma *v, size_t max)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->pid = pid;
	a->vec = (uintptr_t)v;
	a->vec_len = max;
	a->vma_size = sizeof(*v);
	return ioctl(fd, VMI_IOC_PGTABLES, a) ? -errno : 0;
}

static const struct vmi_pgt_vma *rec_at(const struct vmi_pgt_vma *v, size_t n,
					uintptr_t start)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].start == start)
			return &v[i];
	return NULL;
}

/* @len bytes of @fd (or anonymous memory, fd < 0) at a 2 MiB boundary. */
static char *map_aligned(size_t len, int fd)
{
	char *p = mmap(NULL, len + SZ_2M, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *a;

	if (p == MAP_FAILED)
		return NULL;
	a = (char *)(((uintptr_t)p + SZ_2M - 1) & ~(SZ_2M - 1));
	if (a > p)
		munmap(p, a - p);
	if (p + len + SZ_2M > a + len)
		munmap(a + len, p + len + SZ_2M - (a + len));
	if (fd >= 0)
		a = mmap(a, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			 fd, 0);
	else
		a = mmap(a, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (a == MAP_FAILED)
		return NULL;
	/* small pages: a THP fault would leave no PTE table to count */
	if (fd < 0 && madvise(a, len, MADV_NOHUGEPAGE))
		return NULL;
	return a;
}

FIXTURE(pgt)
{
	int fd;
	struct vmi_pgt_vma *v;
	pid_t kids[MAPPERS];
	uintptr_t addr[MAPPERS];
	int hold[2];
	int memfd;
	char shmem_thp[64];
};

FIXTURE_SETUP(pgt)
{
	memset(self->kids, 0, sizeof(self->kids));
	self->hold[0] = self->hold[1] = -1;
	self->memfd = -1;
	self->shmem_thp[0] = '\0';
	self->fd = open(VMI_CTL_PATH, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	self->v = calloc(MAX_VMAS, sizeof(*self->v));
	ASSERT_NE(NULL, self->v);
}

FIXTURE_TEARDOWN(pgt)
{
	int i;

	if (self->hold[1] >= 0)
		close(self->hold[1]);
	for (i = 0; i < MAPPERS; i++)
		if (self->kids[i] > 0) {
			kill(self->kids[i], SIGKILL);
			waitpid(self->kids[i], NULL, 0);
		}
	if (self->hold[0] >= 0)
		close(self->hold[0]);
	if (self->memfd >= 0)
		close(self->memfd);
	if (self->shmem_thp[0])
		write_file(SHMEM_THP, self->shmem_thp);
	free(self->v);
	close(self->fd);
}

/* "always within [never] advise" -> "never" */
static void selected(const char *line, char *out, size_t len)
{
	const char *a = strchr(line, '['), *b = a ? strchr(a, ']') : NULL;

	out[0] = '\0';
	if (a && b && (size_t)(b - a) < len)
		snprintf(out, len, "%.*s", (int)(b - a - 1), a + 1);
}

/*
 * MAPPERS children map the memfd, touch every page, say where, and wait
 * for the hold pipe to close.
 */
static int start_mappers(struct __test_metadata *_metadata,
			 FIXTURE_DATA(pgt) *self)
{
	int ready[2], i;

	if (pipe(self->hold) || pipe(ready))
		return -1;
	for (i = 0; i < MAPPERS; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return -1;
		if (!pid) {
			char *a = map_aligned(OBJ_SIZE, self->memfd);
			uintptr_t at = (uintptr_t)a;
			size_t off;
			char c;

			close(self->hold[1]);
			if (a)
				for (off = 0; off < OBJ_SIZE; off += PAGE)
					a[off] = 1;
			if (write(ready[1], &at, sizeof(at)) != sizeof(at))
				_exit(1);
			(void)!read(self->hold[0], &c, 1);
			_exit(0);
		}
		self->kids[i] = pid;
	}
	close(ready[1]);
	for (i = 0; i < MAPPERS; i++)
		if (read(ready[0], &self->addr[i], sizeof(self->addr[i])) !=
			    sizeof(self->addr[i]) ||
		    !self->addr[i]) {
			close(ready[0]);
			return -1;
		}
	close(ready[0]);
	return 0;
}

/*
 * Eight processes, one shared 64 MiB: every one pays 32 full PTE tables,
 * its totals are its VmPTE, and the library's shared view adds them up.
 */
TEST_F_TIMEOUT(pgt, shared_memfd, VMI_TEST_TIMEOUT)
{
	struct vmi_pgt_object *obj = NULL;
	const struct vmi_pgt_object *o = NULL;
	struct vmi_pgtables_arg a;
	struct vmi_handle *h;
	char buf[256];
	struct stat st;
	size_t n = 0, i, k;
	int err;

	if (read_file(SHMEM_THP, buf, sizeof(buf)) > 0) {
		selected(buf, self->shmem_thp, sizeof(self->shmem_thp));
		ASSERT_EQ(0, write_file(SHMEM_THP, "never"));
	}
	self->memfd = memfd_create("vmi_pgt_shared", MFD_CLOEXEC);
	ASSERT_LE(0, self->memfd);
	ASSERT_EQ(0, ftruncate(self->memfd, OBJ_SIZE));
	ASSERT_EQ(0, fstat(self->memfd, &st));
	ASSERT_EQ(0, start_mappers(_metadata, self));

	for (i = 0; i < MAPPERS; i++) {
		const struct vmi_pgt_vma *r;
		long vmpte;

		ASSERT_EQ(0, pgt_query(self->fd, self->kids[i], &a, self->v,
				       MAX_VMAS));
		r = rec_at(self->v, a.nr_vmas, self->addr[i]);
		ASSERT_NE(NULL, r);
		EXPECT_EQ(self->addr[i] + OBJ_SIZE, r->end);
		EXPECT_EQ(OBJ_PTES, r->tables[0]);
		EXPECT_EQ(OBJ_SIZE / PAGE, r->pte_entries);
		EXPECT_EQ(0, r->pte_empty);
		EXPECT_EQ(0, r->pte_single);
		EXPECT_TRUE(r->vma_flags & VMI_VMA_SHARED);
		/* full tables: at least the object's 32 */
		EXPECT_LE(OBJ_PTES, a.fullness[VMI_LEVEL_PTE][VMI_PGT_BUCKETS - 1]);
		vmpte = status_kb(self->kids[i], "VmPTE:");
		ASSERT_LE(0, vmpte);
		EXPECT_EQ((uint64_t)vmpte * 1024, vmpte_tables(&a) * PAGE);
	}

	h = vmi_open(&err);
	ASSERT_NE(NULL, h);
	ASSERT_EQ(0, vmi_pgt_shared(h, NULL, &obj, &n, NULL));
	vmi_close(h);
	for (k = 0; k < n; k++)
		if (obj[k].inode == st.st_ino &&
		    strstr(obj[k].name, "vmi_pgt_shared"))
			o = &obj[k];
	ASSERT_NE(NULL, o)
	TH_LOG("the memfd is not among the %zu shared objects", n);
	ksft_print_msg("%s: %zu mappers, %llu PTE tables, %llu bytes, %llu saved by sharing\n",
		       o->name, o->mappers, (unsigned long long)o->pte_tables,
		       (unsigned long long)o->bytes,
		       (unsigned long long)o->saved);
	EXPECT_EQ(MAPPERS, o->mappers);
	EXPECT_EQ(MAPPERS * OBJ_PTES, o->pte_tables);
	EXPECT_EQ(MAPPERS * OBJ_PTES * PAGE, o->bytes);
	/* every table is in a whole 2 MiB block: PMD mappings need none */
	EXPECT_EQ(o->bytes, o->saved);
	for (i = 0; i < MAPPERS && i < o->mappers; i++) {
		for (k = 0; k < MAPPERS; k++)
			if (o->pids[i] == (uint32_t)self->kids[k])
				break;
		EXPECT_LT(k, MAPPERS);
	}
	vmi_pgt_shared_free(obj, n);
}

/* One page touched per 2 MiB: a table for each, one entry in each. */
TEST_F(pgt, sparse_heap)
{
	const struct vmi_pgt_vma *r;
	struct vmi_pgtables_arg a;
	char *p = map_aligned(OBJ_SIZE, -1);
	size_t off;

	ASSERT_NE(NULL, p);
	for (off = 0; off < OBJ_SIZE; off += SZ_2M)
		p[off + 5 * PAGE] = 1;
	ASSERT_EQ(0, pgt_query(self->fd, 0, &a, self->v, MAX_VMAS));
	r = rec_at(self->v, a.nr_vmas, (uintptr_t)p);
	ASSERT_NE(NULL, r);
	EXPECT_EQ(OBJ_PTES, r->tables[0]);
	EXPECT_EQ(OBJ_PTES, r->pte_single);
	EXPECT_EQ(OBJ_PTES, r->pte_entries);
	EXPECT_EQ(0, r->pte_empty);
	EXPECT_LE(OBJ_PTES, a.fullness[VMI_LEVEL_PTE][0]);
	munmap(p, OBJ_SIZE);
}

/*
 * MADV_DONTNEED clears the entries; the tables stay, empty, unless the
 * kernel reclaims empty PTE tables: never a table with entries.
 */
TEST_F(pgt, empty_after_dontneed)
{
	const struct vmi_pgt_vma *r;
	struct vmi_pgtables_arg a;
	size_t len = 16 * SZ_2M, off;
	char *p = map_aligned(len, -1);

	ASSERT_NE(NULL, p);
	for (off = 0; off < len; off += PAGE)
		p[off] = 1;
	ASSERT_EQ(0, madvise(p, len, MADV_DONTNEED));
	ASSERT_EQ(0, pgt_query(self->fd, 0, &a, self->v, MAX_VMAS));
	r = rec_at(self->v, a.nr_vmas, (uintptr_t)p);
	ASSERT_NE(NULL, r);
	ksft_print_msg("after MADV_DONTNEED: %llu PTE tables, %llu empty\n",
		       (unsigned long long)r->tables[0],
		       (unsigned long long)r->pte_empty);
	EXPECT_EQ(0, r->pte_entries);
	EXPECT_EQ(r->tables[0], r->pte_empty);
	EXPECT_GE(16, r->tables[0]);
	EXPECT_LE(r->pte_empty, a.empty[VMI_LEVEL_PTE]);
	munmap(p, len);
}

/*
 * THPs mapped by PMDs: no PTE table in the tree, but one deposited for
 * each, which VmPTE counts.
 */
TEST_F(pgt, thp_deposited)
{
	struct vmi_pgtables_arg before, a;
	size_t len = 8 * SZ_2M, off;
	char *p = map_aligned(len, -1);
	long vmpte, thp_kb;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, madvise(p, len, MADV_HUGEPAGE));
	ASSERT_EQ(0, pgt_query(self->fd, 0, &before, NULL, 0));
	for (off = 0; off < len; off += PAGE)
		p[off] = 1;
	thp_kb = smaps_kb(0, (unsigned long)p, "AnonHugePages:");
	if (thp_kb <= 0)
		SKIP(return, "no THP here (AnonHugePages %ld kB)", thp_kb);
	ASSERT_EQ(0, pgt_query(self->fd, 0, &a, NULL, 0));
	vmpte = status_kb(0, "VmPTE:");
	ksft_print_msg("%ld kB of THP: %llu tables deposited (%llu before)\n",
		       thp_kb, (unsigned long long)a.deposited,
		       (unsigned long long)before.deposited);
	EXPECT_LE(before.deposited + thp_kb / 2048, a.deposited);
	EXPECT_EQ((uint64_t)vmpte * 1024, vmpte_tables(&a) * PAGE);
	munmap(p, len);
}

/* Fullness and empty tables make up each level; the VMAs make the totals. */
TEST_F(pgt, counts_agree)
{
	uint64_t tables[VMI_LEVEL_PGD + 1] = { 0 }, pte_entries = 0, sum;
	struct vmi_pgtables_arg a;
	unsigned int l, b;
	size_t i;

	ASSERT_EQ(0, pgt_query(self->fd, 0, &a, self->v, MAX_VMAS));
	ASSERT_LT(0, a.nr_vmas);
	ASSERT_LT(a.nr_vmas, MAX_VMAS);
	for (l = VMI_LEVEL_PTE; l <= VMI_LEVEL_PGD; l++) {
		for (sum = a.empty[l], b = 0; b < VMI_PGT_BUCKETS; b++)
			sum += a.fullness[l][b];
		EXPECT_EQ(a.tables[l], sum)
		TH_LOG("level %u", l);
	}
	EXPECT_EQ(1, a.tables[VMI_LEVEL_PGD]);
	for (i = 0; i < a.nr_vmas; i++) {
		for (l = 0; l < 4; l++)
			tables[l + 1] += self->v[i].tables[l];
		pte_entries += self->v[i].pte_entries;
		/* a part of a table for each 2 MiB block the VMA touches */
		EXPECT_GE((self->v[i].end - self->v[i].start) / SZ_2M + 2,
			  self->v[i].pte_empty + self->v[i].pte_single);
		if (i)
			EXPECT_LE(self->v[i - 1].end, self->v[i].start);
	}
	for (l = VMI_LEVEL_PTE; l < VMI_LEVEL_PGD; l++)
		EXPECT_EQ(a.tables[l], tables[l]);
	EXPECT_EQ(a.entries[VMI_LEVEL_PTE], pte_entries);
	EXPECT_EQ(a.bytes, (vmpte_tables(&a) + a.tables[VMI_LEVEL_P4D] + 1) * PAGE);
}

/* Wait until @pid sleeps (state S), and a little more; -1 after 10 s. */
static int wait_sleeping(pid_t pid)
{
	char path[64], buf[512], *p;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	for (i = 0; i < 1000; i++) {
		if (read_file(path, buf, sizeof(buf)) > 0 &&
		    (p = strrchr(buf, ')')) && p[1] == ' ' && p[2] == 'S') {
			usleep(50 * 1000);
			return 0;
		}
		usleep(10 * 1000);
	}
	return -1;
}

/* A child asleep in pause(), whose mappings no longer move; -1 on failure. */
static pid_t rested_child(void)
{
	pid_t pid = fork();

	if (!pid) {
		pause();
		_exit(0);
	}
	if (pid > 0 && wait_sleeping(pid)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	return pid;
}

/*
 * A vector of one record takes a call per VMA, resumed at walk_end: the
 * same VMAs as one call; and a caller of the first version gets the same
 * totals as one of this version.
 */
TEST_F(pgt, one_record_at_a_time)
{
	struct vmi_pgtables_arg a, all, v0;
	struct vmi_pgt_vma one;
	uint64_t start = 0, end = 0;
	size_t n = 0;
	int pid;

	/* a child at rest: the caller's own VMAs would move under the calls */
	pid = self->kids[0] = rested_child();
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, pgt_query(self->fd, pid, &all, self->v, MAX_VMAS));
	end = all.walk_end;
	while (start < end) {
		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.pid = pid;
		a.start = start;
		a.end = end;
		a.vec = (uintptr_t)&one;
		a.vec_len = 1;
		a.vma_size = sizeof(one);
		ASSERT_EQ(0, ioctl(self->fd, VMI_IOC_PGTABLES, &a));
		ASSERT_LT(start, a.walk_end);
		ASSERT_GE(1, a.nr_vmas);
		if (!a.nr_vmas)
			break;
		ASSERT_LT(n, all.nr_vmas);
		EXPECT_EQ(self->v[n].start, one.start);
		EXPECT_EQ(self->v[n].end, one.end);
		EXPECT_EQ(self->v[n].pte_entries, one.pte_entries);
		n++;
		start = a.walk_end;
	}
	EXPECT_EQ(all.nr_vmas, n);

	memset(&v0, 0, sizeof(v0));
	v0.size = VMI_PGTABLES_SIZE_VER0;
	v0.pid = pid;
	ASSERT_EQ(0, ioctl(self->fd, VMI_IOC_PGTABLES, &v0));
	EXPECT_EQ(VMI_PGTABLES_SIZE_VER0, v0.size);
	EXPECT_EQ(all.bytes, v0.bytes);
	EXPECT_EQ(0, memcmp(all.tables, v0.tables, sizeof(v0.tables)));
	EXPECT_EQ(0, memcmp(all.entries, v0.entries, sizeof(v0.entries)));
	/* nothing written past the size the caller gave */
	EXPECT_EQ(0, v0.start | v0.nr_vmas | v0.walk_end);
}

/* The answer of /proc/vminspect/query to @q in @buf; its length or -1. */
static ssize_t query(const char *q, char *buf, size_t size)
{
	int fd = open("/proc/vminspect/query", O_RDWR | O_CLOEXEC);
	ssize_t n, len = 0;

	if (fd < 0)
		return -1;
	if (write(fd, q, strlen(q)) != (ssize_t)strlen(q)) {
		close(fd);
		return -1;
	}
	while ((n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	return n < 0 ? -1 : len;
}

/* The query file's "pgtables PID": the ioctl's totals, then its VMAs. */
TEST_F(pgt, query_file)
{
	unsigned long long t[6], e[6], vs, ve, vt[4], pe, em, si, nr, wend;
	static char buf[1 << 20];
	struct vmi_pgtables_arg all;
	char q[64], *line, *save;
	size_t n = 0;
	int pid;

	pid = self->kids[0] = rested_child();
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, pgt_query(self->fd, pid, &all, self->v, MAX_VMAS));
	snprintf(q, sizeof(q), "pgtables %d\n", pid);
	ASSERT_LT(0, query(q, buf, sizeof(buf)));

	line = strtok_r(buf, "\n", &save);
	ASSERT_NE(NULL, line);
	ASSERT_EQ(6, sscanf(line, "pgtables pte %llu pmd %llu pud %llu p4d %llu pgd %llu bytes %llu",
			    &t[1], &t[2], &t[3], &t[4], &t[5], &t[0]));
	EXPECT_EQ(all.tables[VMI_LEVEL_PTE], t[1]);
	EXPECT_EQ(all.tables[VMI_LEVEL_PMD], t[2]);
	EXPECT_EQ(all.bytes, t[0]);
	line = strtok_r(NULL, "\n", &save);
	ASSERT_NE(NULL, line);
	ASSERT_EQ(5, sscanf(line, "entries pte %llu pmd %llu pud %llu p4d %llu pgd %llu",
			    &e[1], &e[2], &e[3], &e[4], &e[5]));
	EXPECT_EQ(all.entries[VMI_LEVEL_PTE], e[1]);
	while ((line = strtok_r(NULL, "\n", &save)) &&
	       strncmp(line, "vmas ", 5))
		;
	ASSERT_NE(NULL, line);
	ASSERT_EQ(2, sscanf(line, "vmas %llu walk_end %llx", &nr, &wend));
	EXPECT_EQ(all.nr_vmas, nr);
	EXPECT_EQ(all.walk_end, wend);
	while ((line = strtok_r(NULL, "\n", &save))) {
		ASSERT_EQ(9, sscanf(line, "vma %llx %llx %llu %llu %llu %llu %llu %llu %llu",
				    &vs, &ve, &vt[0], &vt[1], &vt[2], &vt[3],
				    &pe, &em, &si));
		ASSERT_LT(n, all.nr_vmas);
		EXPECT_EQ(self->v[n].start, vs);
		EXPECT_EQ(self->v[n].end, ve);
		EXPECT_EQ(self->v[n].tables[0], vt[0]);
		EXPECT_EQ(self->v[n].pte_entries, pe);
		EXPECT_EQ(self->v[n].pte_empty, em);
		EXPECT_EQ(self->v[n].pte_single, si);
		n++;
	}
	EXPECT_EQ(all.nr_vmas, n);
}

/* Bad input: a clear error, nothing else. */
TEST_F(pgt, bad_input)
{
	struct vmi_pgtables_arg a;
	char *gone;

	gone = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, gone);
	munmap(gone, PAGE);

	/* a vector with no length, a length with no vector */
	ASSERT_EQ(0, pgt_query(self->fd, 0, &a, self->v, MAX_VMAS));
	a.vec_len = 0;
	EXPECT_EQ(-1, ioctl(self->fd, VMI_IOC_PGTABLES, &a));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-EFAULT, pgt_query(self->fd, 0, &a, NULL, 4));
	/* records smaller than the first version */
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.vec = (uintptr_t)self->v;
	a.vec_len = 4;
	a.vma_size = 8;
	EXPECT_EQ(-1, ioctl(self->fd, VMI_IOC_PGTABLES, &a));
	EXPECT_EQ(EINVAL, errno);
	/* ranges: unaligned, backwards, past user space */
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.start = 1;
	a.end = SZ_2M;
	EXPECT_EQ(-1, ioctl(self->fd, VMI_IOC_PGTABLES, &a));
	EXPECT_EQ(EINVAL, errno);
	a.start = 2 * SZ_2M;
	a.end = SZ_2M;
	EXPECT_EQ(-1, ioctl(self->fd, VMI_IOC_PGTABLES, &a));
	EXPECT_EQ(EINVAL, errno);
	a.start = 0;
	a.end = 1ULL << 63;
	EXPECT_EQ(-1, ioctl(self->fd, VMI_IOC_PGTABLES, &a));
	EXPECT_EQ(EINVAL, errno);
	/* flags, reserved */
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, VMI_IOC_PGTABLES, &a));
	EXPECT_EQ(EINVAL, errno);
	/* a vector that is not there */
	EXPECT_EQ(-EFAULT, pgt_query(self->fd, 0, &a,
				     (struct vmi_pgt_vma *)gone, 4));
}

/*
 * Every process's tables are its VmPTE, and their sum is PageTables of
 * /proc/meminfo give or take what meminfo has not gathered yet from the
 * CPUs' vmstat deltas and the tables no VmPTE counts (PGDs, P4Ds, the
 * tables of processes exiting).
 */
TEST_F(pgt, system_sum)
{
	uint64_t sum = 0, all = 0, slack;
	struct vmi_handle *h;
	struct vmi_pgt_scan s;
	size_t i, differ = 0;
	int err;

	h = vmi_open(&err);
	ASSERT_NE(NULL, h);
	ASSERT_EQ(0, vmi_pgt_scan(h, NULL, &s));
	vmi_close(h);
	for (i = 0; i < s.n; i++) {
		const struct vmi_pgt_proc *x = &s.procs[i];

		sum += vmpte_tables(&x->t) * PAGE;
		all += x->t.bytes;
		/* the scanner itself allocates as it goes */
		if (x->pid == (uint32_t)getpid() ||
		    vmpte_tables(&x->t) * PAGE == x->vm_pte)
			continue;
		differ++;
		ksft_print_msg("%u %s: %llu kB of tables, VmPTE %llu kB\n",
			       x->pid, x->comm,
			       (unsigned long long)vmpte_tables(&x->t) * 4,
			       (unsigned long long)x->vm_pte >> 10);
	}
	/* vmstat's per-CPU deltas: at most 125 pages a CPU */
	slack = possible_cpus() * 125 * PAGE + (all - sum);
	ksft_print_msg("%zu processes: %llu kB as VmPTE counts them, %llu kB in all; PageTables %llu kB (%zu gone, %zu failed)\n",
		       s.n, (unsigned long long)sum >> 10,
		       (unsigned long long)all >> 10,
		       (unsigned long long)s.page_tables >> 10, s.gone,
		       s.failed);
	EXPECT_LT(0, s.n);
	EXPECT_EQ(0, s.failed);
	EXPECT_GE(1, differ);
	EXPECT_LE(s.page_tables, sum + slack);
	EXPECT_LE(sum, s.page_tables + slack);
	vmi_pgt_scan_free(&s);
}

TEST_HARNESS_MAIN
