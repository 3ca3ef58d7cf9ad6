// SPDX-License-Identifier: GPL-2.0
/*
 * huge_scenarios - build one situation in which memory is, or is not, on
 * huge pages, for selftests/huge_advice_test.sh.
 *
 *   huge_scenarios SCENARIO OUTFILE [DIR]
 *
 * Builds SCENARIO, writes "START END" (hex, 0x...) of the VMA of interest to
 * OUTFILE (atomically: the file appears complete) and sleeps until killed;
 * it dies with its parent (PR_SET_PDEATHSIG).  DIR is where the "file"
 * scenario creates its file (default: the current directory).
 * Exit status: 1 on failure, 4 when the scenario cannot be built here (the
 * reason on stderr), else never returns.
 *
 * Scenarios (the VMA of interest is kept apart from its neighbours by
 * PROT_NONE guards so that it never merges with them):
 *   thp          8 MiB, 2 MiB-aligned, MADV_HUGEPAGE, touched: all THP
 *   plain        4 MiB, aligned, touched, no advice (for the policy cases)
 *   nohugepage   4 MiB, aligned, MADV_NOHUGEPAGE, touched
 *   prctl        4 MiB, aligned, touched after PR_SET_THP_DISABLE
 *   too_small    1 MiB, touched
 *   unaligned    3 MiB starting 1 MiB past a 2 MiB boundary, touched
 *   not_touched  4 MiB, aligned, MADV_HUGEPAGE, never touched
 *   khugepaged   4 MiB, aligned, touched on 4K pages under MADV_NOHUGEPAGE
 *                (one page per 2 MiB block left out), then MADV_HUGEPAGE
 *   split        4 MiB, aligned, MADV_HUGEPAGE, touched, then one 4K page
 *                3 MiB in made read-only: the VMA [start, start + 3 MiB)
 *   hugetlb      2 MiB hugetlb pages, MAP_NORESERVE, two more than the pool
 *                has free; all but two touched: the pool is empty
 *   shmem        4 MiB of a memfd, mapped shared and touched
 *   file         6 MiB of a file in DIR, mapped privately and read
 *   special      an io_uring SQE array of 2 MiB (a driver mapping)
 *   mixed        for selftests/svg_test.sh, one process with every kind it
 *                can have: 4 MiB on 4K pages (MADV_NOHUGEPAGE), 8 MiB of
 *                THP (the VMA of interest), 4 MiB of THP of which one 4K
 *                page was made read-only (PTE-mapped large folios), two
 *                2 MiB hugetlb pages and one 1 GiB hugetlb page where the
 *                pools have them free, all touched
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MB	   (1UL << 20)
#define SZ_2M	   (2 * MB)
#define EXIT_SKIP  4
#define HTLB_SYSFS "/sys/kernel/mm/hugepages/hugepages-2048kB/"
#define HTLB_1G_SYSFS "/sys/kernel/mm/hugepages/hugepages-1048576kB/"
#ifndef MAP_HUGE_1GB
#define MAP_HUGE_1GB (30 << 26) /* MAP_HUGE_SHIFT 26 */
#endif

static __attribute__((noreturn)) void die(const char *what)
{
	fprintf(stderr, "huge_scenarios: %s: %s\n", what, strerror(errno));
	exit(1);
}

static __attribute__((noreturn)) void skip(const char *why)
{
	fprintf(stderr, "%s\n", why);
	exit(EXIT_SKIP);
}

/*
 * size bytes of anonymous read-write memory starting offset bytes past a
 * 2 MiB boundary, between PROT_NONE guards.
 */
static char *carve(size_t size, size_t offset)
{
	size_t resv = size + offset + 4 * SZ_2M;
	uintptr_t base;
	void *p;

	p = mmap(NULL, resv, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		die("mmap guard");
	base = ((uintptr_t)p + 2 * SZ_2M - 1) & ~(uintptr_t)(SZ_2M - 1);
	base += offset;
	p = mmap((void *)base, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (p == MAP_FAILED)
		die("mmap");
	return p;
}

static void touch(char *p, size_t size)
{
	size_t i;

	for (i = 0; i < size; i += 4096)
		p[i] = 1;
}

static void advise(char *p, size_t size, int advice)
{
	if (madvise(p, size, advice))
		die("madvise");
}

static long read_long(const char *path)
{
	long v = -1;
	FILE *f = fopen(path, "re");

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static char *scenario_hugetlb(size_t *size)
{
	long nfree = read_long(HTLB_SYSFS "free_hugepages");
	long resv = read_long(HTLB_SYSFS "resv_hugepages");
	char *p;
	long n;

	if (nfree < 0 || resv < 0)
		skip("no 2 MiB hugetlb pool");
	n = nfree - resv;
	if (n < 0)
		n = 0;
	*size = (size_t)(n + 2) * SZ_2M;
	p = mmap(NULL, *size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_NORESERVE, -1,
		 0);
	if (p == MAP_FAILED)
		die("mmap MAP_HUGETLB");
	touch(p, (size_t)n * SZ_2M); /* by 4K strides: one fault per page */
	return p;
}

static char *scenario_file(const char *dir, size_t *size)
{
	char path[4096], buf[65536];
	volatile char sum = 0;
	size_t i, done;
	char *p;
	int fd;

	snprintf(path, sizeof(path), "%s/huge-scenario.%d", dir, getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		die(path);
	unlink(path);
	memset(buf, 0x5a, sizeof(buf));
	*size = 6 * MB;
	for (done = 0; done < *size; done += sizeof(buf))
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			die("write");
	p = mmap(NULL, *size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		die("mmap file");
	close(fd);
	for (i = 0; i < *size; i += 4096)
		sum += p[i];
	return p;
}

static char *scenario_special(size_t *size)
{
	struct io_uring_params params;
	char *p;
	int fd;

	memset(&params, 0, sizeof(params));
	fd = (int)syscall(__NR_io_uring_setup, 32768, &params);
	if (fd < 0)
		skip("io_uring_setup failed: no special mapping to show");
	*size = (size_t)params.sq_entries * sizeof(struct io_uring_sqe);
	if (*size < SZ_2M)
		skip("the io_uring SQE array is smaller than 2 MiB");
	p = mmap(NULL, *size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		 fd, IORING_OFF_SQES);
	if (p == MAP_FAILED)
		skip("mmap of the io_uring SQE array failed");
	return p;
}

/* n hugetlb pages of size page from a pool in sysfs dir, if it has them */
static void hugetlb_if_free(const char *dir, size_t page, int flags, long n)
{
	char path[256];
	long nfree, resv;
	char *p;

	snprintf(path, sizeof(path), "%sfree_hugepages", dir);
	nfree = read_long(path);
	snprintf(path, sizeof(path), "%sresv_hugepages", dir);
	resv = read_long(path);
	if (nfree < 0 || resv < 0 || nfree - resv < n)
		return;
	p = mmap(NULL, (size_t)n * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | flags, -1, 0);
	if (p == MAP_FAILED)
		return;
	touch(p, (size_t)n * page);
}

static char *scenario_mixed(size_t *size)
{
	char *p, *q;

	q = carve(4 * MB, 0);
	advise(q, 4 * MB, MADV_NOHUGEPAGE);
	touch(q, 4 * MB);
	q = carve(4 * MB, 0);
	advise(q, 4 * MB, MADV_HUGEPAGE);
	touch(q, 4 * MB);
	if (mprotect(q + 3 * MB, 4096, PROT_READ))
		die("mprotect");
	hugetlb_if_free(HTLB_SYSFS, SZ_2M, 0, 2);
	hugetlb_if_free(HTLB_1G_SYSFS, 1UL << 30, MAP_HUGE_1GB, 1);
	*size = 8 * MB;
	p = carve(*size, 0);
	advise(p, *size, MADV_HUGEPAGE);
	touch(p, *size);
	return p;
}

static char *build(const char *name, const char *dir, size_t *size)
{
	char *p;
	size_t i;

	*size = 4 * MB;
	if (!strcmp(name, "thp")) {
		*size = 8 * MB;
		p = carve(*size, 0);
		advise(p, *size, MADV_HUGEPAGE);
		touch(p, *size);
	} else if (!strcmp(name, "plain")) {
		p = carve(*size, 0);
		touch(p, *size);
	} else if (!strcmp(name, "nohugepage")) {
		p = carve(*size, 0);
		advise(p, *size, MADV_NOHUGEPAGE);
		touch(p, *size);
	} else if (!strcmp(name, "prctl")) {
		if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0))
			die("prctl");
		p = carve(*size, 0);
		touch(p, *size);
	} else if (!strcmp(name, "too_small")) {
		*size = MB;
		p = carve(*size, 0);
		touch(p, *size);
	} else if (!strcmp(name, "unaligned")) {
		*size = 3 * MB;
		p = carve(*size, MB);
		advise(p, *size, MADV_HUGEPAGE);
		touch(p, *size);
	} else if (!strcmp(name, "not_touched")) {
		p = carve(*size, 0);
		advise(p, *size, MADV_HUGEPAGE);
	} else if (!strcmp(name, "khugepaged")) {
		p = carve(*size, 0);
		advise(p, *size, MADV_NOHUGEPAGE);
		/* the last page of each 2 MiB block stays empty */
		for (i = 0; i < *size; i += SZ_2M)
			touch(p + i, SZ_2M - 4096);
		advise(p, *size, MADV_HUGEPAGE);
	} else if (!strcmp(name, "split")) {
		p = carve(*size, 0);
		advise(p, *size, MADV_HUGEPAGE);
		touch(p, *size);
		/*
		 * mprotect splits the PMD and the VMA but keeps the folio
		 * whole (a partial munmap queues it for a deferred split that
		 * may come any time)
		 */
		if (mprotect(p + 3 * MB, 4096, PROT_READ))
			die("mprotect");
		*size = 3 * MB;
	} else if (!strcmp(name, "shmem")) {
		int fd = memfd_create("huge-scenario", MFD_CLOEXEC);

		if (fd < 0 || ftruncate(fd, (off_t)*size))
			die("memfd");
		p = mmap(NULL, *size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			 0);
		if (p == MAP_FAILED)
			die("mmap memfd");
		close(fd);
		touch(p, *size);
	} else if (!strcmp(name, "hugetlb")) {
		p = scenario_hugetlb(size);
	} else if (!strcmp(name, "file")) {
		p = scenario_file(dir, size);
	} else if (!strcmp(name, "special")) {
		p = scenario_special(size);
	} else if (!strcmp(name, "mixed")) {
		p = scenario_mixed(size);
	} else {
		fprintf(stderr, "huge_scenarios: unknown scenario '%s'\n",
			name);
		exit(2);
	}
	return p;
}

int main(int argc, char **argv)
{
	char tmp[4096];
	size_t size;
	FILE *f;
	char *p;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: %s SCENARIO OUTFILE [DIR]\n", argv[0]);
		return 2;
	}
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0))
		die("prctl(PR_SET_PDEATHSIG)");
	if (getppid() == 1)
		return 1; /* the parent is already gone */
	p = build(argv[1], argc > 3 ? argv[3] : ".", &size);

	snprintf(tmp, sizeof(tmp), "%s.tmp", argv[2]);
	f = fopen(tmp, "we");
	if (!f)
		die(tmp);
	fprintf(f, "0x%lx 0x%lx\n", (unsigned long)p, (unsigned long)p + size);
	if (fclose(f) || rename(tmp, argv[2]))
		die(argv[2]);
	for (;;)
		pause();
}
