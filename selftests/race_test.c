// SPDX-License-Identifier: GPL-2.0
/*
 * Race tests: each aims at one window in which the walker's view of a
 * process can go stale, and checks what it reports against what the
 * process can have had mapped at any moment.
 *
 *  - vma_replaced_under_walk: a thread swaps a region between a private
 *    anonymous mapping (every page written: writable entries) and a
 *    read-only shared file mapping (no writable entry), with MAP_FIXED, in
 *    a loop, while walks run.  A freed VMA struct is soon handed out again,
 *    at the same address: the pointer alone does not tell VMAs apart.  A walk drops its lock for the swapping
 *    thread and picks the range up again; if it takes the new VMA for the
 *    old one it reports entries of one with the attributes of the other: a
 *    writable file entry, or a read-only anonymous one.
 *
 *  - shmem_collapse_under_walk: a process keeps a shared memory file mapped
 *    on small pages while another collapses the file into a THP with
 *    MADV_COLLAPSE and punches it out again.  The collapse takes the first
 *    process's PTE tables away and frees them through RCU, holding none of
 *    its mmap_lock (retract_page_tables()), while walks of every kind read
 *    them.
 *  - hugetlb_unshare_under_walk: two processes map the same 1 GiB of a
 *    hugetlb file, 1 GiB aligned, so that they share PMD tables; one
 *    truncates the file and faults it in again, which unshares and frees
 *    those tables under the file's i_mmap_rwsem and neither mmap_lock,
 *    while walks of every kind read the other process.
 *
 * The last two check every answer is success or ESRCH; what catches a
 * table read after it was freed is the debug kernel (KASAN, with strict RCU
 * grace periods and full preemption), whose log the runner checks.
 *
 * Each runs for VMI_RACE_SECS seconds (10 by default), with the walker and
 * the mutator pinned to different CPUs: the windows open only when both
 * really run at once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/falloc.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/vminspect.h>

#include "kselftest_harness.h"
#include "vmi_util.h"

#define RACE_LEN   (4UL << 20)
#define SZ_2M	   (2UL << 20)
#define SZ_1G	   (1UL << 30)
#define THP_SYS	   "/sys/kernel/mm/transparent_hugepage"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
#define RACE_EXTS  (RACE_LEN / 4096)

static double race_secs(void)
{
	return vmi_env_secs("VMI_RACE_SECS", 10);
}

struct swapper {
	char *region;
	int memfd;
	atomic_bool stop;
	atomic_ulong swaps;
	int err;
};

static bool map_file(struct swapper *s)
{
	void *p = mmap(s->region, RACE_LEN, PROT_READ,
		       MAP_SHARED | MAP_FIXED | MAP_POPULATE, s->memfd, 0);

	if (p == MAP_FAILED)
		s->err = errno;
	return p != MAP_FAILED;
}

static bool map_anon(struct swapper *s)
{
	void *p = mmap(s->region, RACE_LEN, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_POPULATE,
		       -1, 0);

	if (p == MAP_FAILED)
		s->err = errno;
	return p != MAP_FAILED;
}

/*
 * Swap the region between its two kinds until told to stop: anonymous,
 * file, file again.  Each MAP_FIXED mmap allocates a VMA and frees the one
 * it replaces, and a slab hands the freed one out again soon (at once
 * where VMAs are SLAB_TYPESAFE_BY_RCU); an odd number of maps a round
 * makes the same struct serve both kinds in turn.
 */
static void *swapper_main(void *arg)
{
	struct swapper *s = arg;

	pin_cpu(1);
	while (!atomic_load(&s->stop)) {
		if (!map_file(s) || !map_file(s) || !map_anon(s))
			break;
		atomic_fetch_add(&s->swaps, 1);
	}
	return NULL;
}

/*
 * An extent of either kind, as the process can have had it: anonymous
 * entries are all writable (MAP_POPULATE writes them), file entries none.
 */
static const char *inconsistent(const struct vmi_extent *e)
{
	if (e->kind != VMI_KIND_PRESENT)
		return NULL;
	if ((e->attrs & VMI_EA_FILE) && (e->eflags & VMI_EF_WRITE))
		return "writable entry with the file mapping's attributes";
	if ((e->attrs & VMI_EA_ANON) && !(e->eflags & VMI_EF_WRITE))
		return "read-only entry with the anonymous mapping's attributes";
	if (!(e->attrs & (VMI_EA_FILE | VMI_EA_ANON)))
		return "neither file nor anonymous";
	return NULL;
}

FIXTURE(race)
{
	int fd;
};

FIXTURE_SETUP(race)
{
	self->fd = open(VMI_CTL_PATH, O_RDONLY | O_CLOEXEC);
	ASSERT_GE(self->fd, 0) TH_LOG("%s: %s", VMI_CTL_PATH, strerror(errno));
	ASSERT_EQ(0, pin_cpu(0));
}

FIXTURE_TEARDOWN(race)
{
	close(self->fd);
}

TEST_F_TIMEOUT(race, vma_replaced_under_walk, VMI_TEST_TIMEOUT)
{
	static struct vmi_extent e[RACE_EXTS];
	struct swapper s = { 0 };
	unsigned long walks = 0, drops = 0, bad = 0;
	double end;
	pthread_t t;

	if (possible_cpus() < 2)
		SKIP(return, "one CPU: the walker and the mutator cannot run at once");
	/* small pages only: a THP would make the extents fewer, nothing else */
	ASSERT_EQ(0, prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0));
	s.memfd = memfd_create("vmi_race", MFD_CLOEXEC);
	ASSERT_GE(s.memfd, 0);
	ASSERT_EQ(0, ftruncate(s.memfd, RACE_LEN));
	ASSERT_EQ(0, fallocate(s.memfd, 0, 0, RACE_LEN));
	s.region = mmap(NULL, RACE_LEN, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, s.region);
	ASSERT_EQ(0, pthread_create(&t, NULL, swapper_main, &s));

	end = vmi_now() + race_secs();
	while (vmi_now() < end && bad < 4) {
		struct vmi_walk_arg w = {
			.size = sizeof(w),
			.start = (uintptr_t)s.region,
			.end = (uintptr_t)s.region + RACE_LEN,
			.vec = (uintptr_t)e,
			.vec_len = RACE_EXTS,
			.extent_size = sizeof(e[0]),
		};
		unsigned int i;
		const char *why;

		ASSERT_EQ(0, ioctl(self->fd, VMI_IOC_WALK, &w))
			TH_LOG("walk: %s", strerror(errno));
		walks++;
		drops += w.lock_drops;
		for (i = 0; i < w.nr_extents; i++) {
			why = inconsistent(&e[i]);
			if (!why)
				continue;
			if (bad++ < 4)
				TH_LOG("0x%llx-0x%llx eflags 0x%llx attrs 0x%x: %s",
				       (unsigned long long)e[i].start,
				       (unsigned long long)e[i].end,
				       (unsigned long long)e[i].eflags,
				       e[i].attrs, why);
		}
	}
	atomic_store(&s.stop, true);
	pthread_join(t, NULL);
	ksft_print_msg("%lu walks, %lu lock drops, %lu swaps\n", walks, drops,
		       atomic_load(&s.swaps));
	ASSERT_EQ(0, s.err) TH_LOG("mmap: %s", strerror(s.err));
	EXPECT_EQ(0, bad);
	/* the window is only tested when walks really were interrupted */
	EXPECT_GT(drops, 0);
}

/* ---- walks of every kind, of another process, until told to stop ------ */

struct walkers {
	int fd;
	pid_t pid;
	unsigned long start, end;
	atomic_bool stop;
	unsigned long calls;
	int err;	  /* the first unexpected errno */
	const char *what; /* and what returned it */
};

static void walk_check(struct walkers *wk, int ret, const char *what)
{
	wk->calls++;
	if (ret && errno != ESRCH && !wk->err) {
		wk->err = errno;
		wk->what = what;
	}
}

static void *walkers_main(void *arg)
{
	static struct vmi_extent e[1024];
	static struct vmi_page pg[2048];
	static struct vmi_vma v[64];
	static struct vmi_huge_vma hv[64];
	struct walkers *wk = arg;
	unsigned long va = wk->start;

	pin_cpu(0);
	while (!atomic_load(&wk->stop)) {
		struct vmi_walk_arg w = {
			.size = sizeof(w), .pid = wk->pid, .start = wk->start,
			.end = wk->end, .vec = (uintptr_t)e, .vec_len = 1024,
			.extent_size = sizeof(e[0]),
		};
		struct vmi_walk_arg wp = {
			.size = sizeof(wp), .pid = wk->pid, .start = wk->start,
			.end = wk->end, .vec = (uintptr_t)pg, .vec_len = 2048,
			.extent_size = sizeof(pg[0]), .flags = VMI_WALK_PAGES,
		};
		struct vmi_maps_arg m = {
			.size = sizeof(m), .pid = wk->pid, .start = wk->start,
			.end = wk->end, .vec = (uintptr_t)v, .vec_len = 64,
			.vma_size = sizeof(v[0]),
		};
		struct vmi_huge_arg h = {
			.size = sizeof(h), .pid = wk->pid, .start = wk->start,
			.end = wk->end, .vec = (uintptr_t)hv, .vec_len = 64,
			.vma_size = sizeof(hv[0]),
		};
		struct vmi_translate_arg t = {
			.size = sizeof(t), .pid = wk->pid, .va = va,
		};
		struct vmi_pgtables_arg pt = { .size = sizeof(pt), .pid = wk->pid };

		walk_check(wk, ioctl(wk->fd, VMI_IOC_WALK, &w), "walk");
		w.flags = VMI_WALK_PER_PAGE | VMI_WALK_HOLES;
		walk_check(wk, ioctl(wk->fd, VMI_IOC_WALK, &w), "walk per-page");
		walk_check(wk, ioctl(wk->fd, VMI_IOC_WALK, &wp), "walk pages");
		walk_check(wk, ioctl(wk->fd, VMI_IOC_MAPS, &m), "maps");
		walk_check(wk, ioctl(wk->fd, VMI_IOC_HUGE, &h), "huge");
		walk_check(wk, ioctl(wk->fd, VMI_IOC_TRANSLATE, &t), "translate");
		walk_check(wk, ioctl(wk->fd, VMI_IOC_PGTABLES, &pt), "pgtables");
		va += 4096 * 97;
		if (va >= wk->end)
			va = wk->start;
	}
	return NULL;
}

/* Walk @pid's [start, end) every way for the test's time; 0 or an errno. */
static int walk_for_a_while(struct __test_metadata *_metadata, int fd,
			    pid_t pid, unsigned long start, unsigned long end)
{
	struct walkers wk = {
		.fd = fd, .pid = pid, .start = start, .end = end,
	};
	pthread_t t;

	if (pthread_create(&t, NULL, walkers_main, &wk))
		return errno;
	usleep(race_secs() * 1e6);
	atomic_store(&wk.stop, true);
	pthread_join(t, NULL);
	ksft_print_msg("%lu calls\n", wk.calls);
	if (wk.err)
		TH_LOG("%s: %s", wk.what, strerror(wk.err));
	return wk.err;
}

/* What the mutating children got done, in memory they share with us. */
static atomic_ulong *shared_counter(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void stop_child(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* Where a mapping of @len can go, aligned to @align; 0 if nowhere. */
static unsigned long aligned_area(unsigned long len, unsigned long align)
{
	char *p = mmap(NULL, len + align, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	unsigned long a;

	if (p == MAP_FAILED)
		return 0;
	a = ((unsigned long)p + align - 1) & ~(align - 1);
	munmap(p, len + align);
	return a;
}

/* The choice in brackets of a THP setting ("[advise]"), or false. */
static bool thp_setting(const char *name, char *out, size_t size)
{
	char path[128], buf[256], *b, *e;

	snprintf(path, sizeof(path), THP_SYS "/%s", name);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return false;
	b = strchr(buf, '[');
	e = b ? strchr(b, ']') : NULL;
	if (!e || (size_t)(e - b) > size)
		return false;
	memcpy(out, b + 1, e - b - 1);
	out[e - b - 1] = 0;
	return true;
}

static sigjmp_buf bus_jmp;

/* A page truncated away under the toucher: go round again. */
static void on_sigbus(int sig)
{
	siglongjmp(bus_jmp, 1);
}

/* Touch every page of [p, p + len) by @step, reading then writing. */
static void touch(char *p, unsigned long len, unsigned long step)
{
	unsigned long i;

	for (i = 0; i < len; i += step)
		((volatile char *)p)[i] = ((volatile char *)p)[i] + 1;
}

TEST_F_TIMEOUT(race, shmem_collapse_under_walk, VMI_TEST_TIMEOUT)
{
	atomic_ulong *collapses = shared_counter();
	char saved[64] = "";
	unsigned long at;
	pid_t target, collapser;
	int memfd, ret, status;
	char *p;

	if (!thp_setting("shmem_enabled", saved, sizeof(saved)))
		SKIP(return, "no shmem THP (%s)", THP_SYS "/shmem_enabled");
	ASSERT_EQ(0, write_file(THP_SYS "/shmem_enabled", "advise"));
	ASSERT_NE(NULL, collapses);
	memfd = memfd_create("vmi_race_shmem", MFD_CLOEXEC);
	ASSERT_GE(memfd, 0);
	ASSERT_EQ(0, ftruncate(memfd, RACE_LEN));
	at = aligned_area(RACE_LEN, SZ_2M);
	ASSERT_NE(0, at);

	/* the walked process: the file on small pages, faulted in again */
	target = fork();
	ASSERT_GE(target, 0);
	if (target == 0) {
		p = mmap((void *)at, RACE_LEN, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, memfd, 0);
		if (p == MAP_FAILED)
			_exit(1);
		pin_cpu(1);
		for (;;)
			touch(p, RACE_LEN, 4096);
	}
	/* the collapser: THP in, punched out, in again */
	collapser = fork();
	ASSERT_GE(collapser, 0);
	if (collapser == 0) {
		p = mmap((void *)at, RACE_LEN, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, memfd, 0);
		if (p == MAP_FAILED || madvise(p, RACE_LEN, MADV_HUGEPAGE))
			_exit(1);
		pin_cpu(1);
		for (;;) {
			touch(p, RACE_LEN, 4096);
			if (!madvise(p, RACE_LEN, MADV_COLLAPSE))
				atomic_fetch_add(collapses, 1);
			else if (errno == EINVAL)
				_exit(2); /* no MADV_COLLAPSE for files here */
			fallocate(memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				  0, RACE_LEN);
		}
	}
	ret = walk_for_a_while(_metadata, self->fd, target, at, at + RACE_LEN);
	status = 0;
	if (waitpid(collapser, &status, WNOHANG) == collapser) {
		stop_child(target);
		write_file(THP_SYS "/shmem_enabled", saved);
		close(memfd);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 2)
			SKIP(return, "MADV_COLLAPSE does not take shmem here");
		ASSERT_TRUE(0) TH_LOG("the collapser died (status 0x%x)", status);
	}
	stop_child(collapser);
	stop_child(target);
	write_file(THP_SYS "/shmem_enabled", saved);
	close(memfd);
	ksft_print_msg("%lu collapses\n", atomic_load(collapses));
	EXPECT_EQ(0, ret);
	/* the window was open: tables were taken from under the walks */
	EXPECT_GT(atomic_load(collapses), 0);
}

#define SHARED_PAGES 8 /* 2 MiB pages faulted in by each process */

TEST_F_TIMEOUT(race, hugetlb_unshare_under_walk, VMI_TEST_TIMEOUT)
{
	atomic_ulong *truncations = shared_counter();
	pid_t target, truncater;
	unsigned long at;
	int memfd, ret;
	char *p;

	ASSERT_NE(NULL, truncations);
	memfd = memfd_create("vmi_race_hugetlb", MFD_CLOEXEC | MFD_HUGETLB);
	if (memfd < 0)
		SKIP(return, "no hugetlb memfd: %s", strerror(errno));
	ASSERT_EQ(0, ftruncate(memfd, SZ_1G));
	/* both halves share PMD tables only when the VMA spans the PUD */
	at = aligned_area(SZ_1G, SZ_1G);
	ASSERT_NE(0, at);
	p = mmap((void *)at, SZ_1G, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED | MAP_NORESERVE, memfd, 0);
	ASSERT_NE(MAP_FAILED, p);
	if (fallocate(memfd, 0, 0, SHARED_PAGES * SZ_2M)) {
		close(memfd);
		SKIP(return, "fewer than %d free 2 MiB hugetlb pages", SHARED_PAGES);
	}
	munmap(p, SZ_1G);

	/* the walked process: faults its pages in, sharing the table */
	target = fork();
	ASSERT_GE(target, 0);
	if (target == 0) {
		p = mmap((void *)at, SZ_1G, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED | MAP_NORESERVE, memfd, 0);
		if (p == MAP_FAILED)
			_exit(1);
		pin_cpu(1);
		signal(SIGBUS, on_sigbus);
		sigsetjmp(bus_jmp, 1);
		for (;;)
			touch(p, SHARED_PAGES * SZ_2M, SZ_2M);
	}
	/* the truncater: unshares every table, then shares them again */
	truncater = fork();
	ASSERT_GE(truncater, 0);
	if (truncater == 0) {
		p = mmap((void *)at, SZ_1G, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED | MAP_NORESERVE, memfd, 0);
		if (p == MAP_FAILED)
			_exit(1);
		pin_cpu(1);
		for (;;) {
			if (ftruncate(memfd, 0) || ftruncate(memfd, SZ_1G))
				_exit(3);
			atomic_fetch_add(truncations, 1);
			fallocate(memfd, 0, 0, SHARED_PAGES * SZ_2M);
			touch(p, SHARED_PAGES * SZ_2M, SZ_2M);
		}
	}
	ret = walk_for_a_while(_metadata, self->fd, target, at, at + SZ_1G);
	ASSERT_NE(truncater, waitpid(truncater, NULL, WNOHANG))
		TH_LOG("the truncater died");
	stop_child(truncater);
	stop_child(target);
	close(memfd);
	ksft_print_msg("%lu truncations\n", atomic_load(truncations));
	EXPECT_EQ(0, ret);
	EXPECT_GT(atomic_load(truncations), 0);
}

TEST_HARNESS_MAIN
