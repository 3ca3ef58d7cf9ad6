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
 *  - pte_table_freed_under_stopped_walk: a process keeps a shared memory
 *    file mapped on small pages while another collapses the file into a
 *    THP with MADV_COLLAPSE, which takes the first process's PTE table
 *    away and frees it through RCU, holding none of its mmap_lock
 *    (retract_page_tables()).
 *  - hugetlb_table_freed_under_stopped_walk: two processes map the same
 *    1 GiB of a hugetlb file, 1 GiB aligned, and share a PMD table; the
 *    other truncates the file, which unshares the table from the walked
 *    process under the file's i_mmap_rwsem and neither mmap_lock, and
 *    unmaps its own mapping, which frees the table.
 *
 * In the last two a hardware watchpoint on the walked process's entry that
 * points at the table stops the walker just after it reads it (see struct
 * hold), the table is freed, the grace periods end, and the walker goes
 * on: a walker that read the entry outside the RCU section or lock that
 * keeps the table alive reads freed memory.  They check every answer is
 * success or ESRCH; what catches the read is the debug kernel (KASAN, full
 * preemption), whose log the runner checks.
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
#include <sys/syscall.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <elf.h>
#include <poll.h>
#include <limits.h>
#include <sched.h>
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
#define SZ_1G	   (1UL << 30)
#define THP_SYS	   "/sys/kernel/mm/transparent_hugepage"

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
	static struct vmi_pgt_vma pv[64];
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
		struct vmi_pgtables_arg ptv = {
			.size = sizeof(ptv), .pid = wk->pid, .start = wk->start,
			.end = wk->end, .vec = (uintptr_t)pv, .vec_len = 64,
			.vma_size = sizeof(pv[0]),
		};

		walk_check(wk, ioctl(wk->fd, VMI_IOC_WALK, &w), "walk");
		w.flags = VMI_WALK_PER_PAGE | VMI_WALK_HOLES;
		walk_check(wk, ioctl(wk->fd, VMI_IOC_WALK, &w), "walk per-page");
		walk_check(wk, ioctl(wk->fd, VMI_IOC_WALK, &wp), "walk pages");
		walk_check(wk, ioctl(wk->fd, VMI_IOC_MAPS, &m), "maps");
		walk_check(wk, ioctl(wk->fd, VMI_IOC_HUGE, &h), "huge");
		walk_check(wk, ioctl(wk->fd, VMI_IOC_TRANSLATE, &t), "translate");
		walk_check(wk, ioctl(wk->fd, VMI_IOC_PGTABLES, &pt), "pgtables");
		walk_check(wk, ioctl(wk->fd, VMI_IOC_PGTABLES, &ptv),
			   "pgtables per VMA");
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

/* ---- a walker stopped as it reads one entry ---------------------------- */

/*
 * The holder: a real-time thread on the walker's CPU, woken by a hardware
 * watchpoint on one page-table entry of the walked process.  The walker
 * reads the entry, the debug exception queues the perf wakeup, and the
 * woken holder takes the CPU from the walker a few instructions later (a
 * fully preemptible kernel preempts in the kernel).  The holder spins until
 * the mutator, in another process, has freed the table that entry points
 * at and waited out the grace periods (membarrier(MEMBARRIER_CMD_GLOBAL) is
 * synchronize_rcu()), or 500 ms pass.  A walker that read the entry
 * outside what keeps that table alive (an RCU section, i_mmap_rwsem) then
 * reads a freed table when it runs again; one that read it inside holds the
 * mutator up until the holder gives up.
 */
struct hold {
	atomic_uint seq;	/* odd: the mutator wants the walker stopped */
	atomic_ulong holds;	/* times the holder stopped it */
	atomic_ulong timeouts;	/* times the holder gave up waiting */
	atomic_bool stop;
	unsigned long watch;	/* kernel address of the entry */
};

static void hold_wait(struct hold *h, unsigned int seq)
{
	struct timespec ts = { .tv_nsec = 50 * 1000 * 1000 };

	syscall(SYS_futex, &h->seq, FUTEX_WAIT, seq, &ts, NULL, 0);
}

static void hold_wake(struct hold *h)
{
	syscall(SYS_futex, &h->seq, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/* A read-write watchpoint on the 8 bytes at kernel address @addr, on CPU 0. */
static int watch_open(unsigned long addr)
{
	struct perf_event_attr pe = {
		.type = PERF_TYPE_BREAKPOINT,
		.size = sizeof(pe),
		.bp_type = HW_BREAKPOINT_RW,
		.bp_addr = addr,
		.bp_len = HW_BREAKPOINT_LEN_8,
		.sample_period = 1,
		.wakeup_events = 1,
		.disabled = 1,
		.exclude_user = 1,
	};

	return syscall(__NR_perf_event_open, &pe, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
}

static void *holder_main(void *arg)
{
	struct sched_param sp = { .sched_priority = 1 };
	struct hold *h = arg;
	struct pollfd pfd = { .events = POLLIN };
	unsigned int seq;
	double end;
	void *rb;

	pin_cpu(0);
	pfd.fd = watch_open(h->watch);
	if (pfd.fd < 0)
		return (void *)(long)errno;
	/* the wakeups come through the ring buffer */
	rb = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, pfd.fd, 0);
	if (rb == MAP_FAILED ||
	    pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp))
		return (void *)(long)errno;
	while (!atomic_load(&h->stop)) {
		seq = atomic_load(&h->seq);
		if (!(seq & 1)) {
			hold_wait(h, seq);
			continue;
		}
		ioctl(pfd.fd, PERF_EVENT_IOC_ENABLE, 0);
		pfd.revents = 0;
		poll(&pfd, 1, 100);
		ioctl(pfd.fd, PERF_EVENT_IOC_DISABLE, 0);
		if (!(pfd.revents & POLLIN))
			continue;
		/* the walker is off the CPU, just past its read */
		atomic_fetch_add(&h->holds, 1);
		end = vmi_now() + 0.5;
		while (atomic_load(&h->seq) == seq && vmi_now() < end)
			;
		if (atomic_load(&h->seq) == seq)
			atomic_fetch_add(&h->timeouts, 1);
		while (atomic_load(&h->seq) == seq && !atomic_load(&h->stop))
			hold_wait(h, seq);
	}
	munmap(rb, 2 * 4096);
	close(pfd.fd);
	return NULL;
}

/* Stop the walker as it next reads the entry; false if it does not. */
static bool hold_take(struct hold *h)
{
	unsigned long holds = atomic_load(&h->holds);
	double end;

	atomic_fetch_add(&h->seq, 1);
	hold_wake(h);
	end = vmi_now() + 2;
	while (atomic_load(&h->holds) == holds)
		if (vmi_now() > end || atomic_load(&h->stop))
			return false;
	return true;
}

/* Wait out the grace periods of what was freed, then let the walker go. */
static void hold_release(struct hold *h)
{
	syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0);
	syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0);
	atomic_fetch_add(&h->seq, 1);
	hold_wake(h);
}

/* The kernel's direct map base (page_offset_base, read through /proc/kcore). */
static unsigned long kernel_page_offset(void)
{
	unsigned long sym = 0, val = 0, a;
	char line[256], name[128], type;
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	FILE *f;
	int fd, i;

	f = fopen("/proc/kallsyms", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx %c %127s", &a, &type, name) == 3 &&
		    !strcmp(name, "page_offset_base")) {
			sym = a;
			break;
		}
	fclose(f);
	fd = open("/proc/kcore", O_RDONLY | O_CLOEXEC);
	if (!sym || fd < 0 || pread(fd, &eh, sizeof(eh), 0) != sizeof(eh))
		goto out;
	for (i = 0; i < eh.e_phnum; i++) {
		if (pread(fd, &ph, sizeof(ph), eh.e_phoff + i * eh.e_phentsize) !=
		    sizeof(ph))
			break;
		if (ph.p_type != PT_LOAD || sym < ph.p_vaddr ||
		    sym + 8 > ph.p_vaddr + ph.p_memsz)
			continue;
		if (pread(fd, &val, 8, ph.p_offset + sym - ph.p_vaddr) != 8)
			val = 0;
		break;
	}
out:
	if (fd >= 0)
		close(fd);
	return val;
}

/*
 * The kernel address of the entry at @level that translates @va in @pid,
 * through the module's own translation (checked against pagemap elsewhere);
 * 0 if there is none.
 */
static unsigned long entry_address(int fd, pid_t pid, unsigned long va,
				   unsigned int level)
{
	struct vmi_translate_arg t = { .size = sizeof(t), .pid = pid, .va = va };
	unsigned long base = kernel_page_offset();
	unsigned int i;

	if (!base || ioctl(fd, VMI_IOC_TRANSLATE, &t))
		return 0;
	for (i = 0; i < t.nr_levels; i++)
		if (t.levels[i].level == level && t.levels[i].table_pa)
			return base + t.levels[i].table_pa +
			       t.levels[i].index * 8;
	return 0;
}

/*
 * Walk @pid's [start, end) for the test's time with the holder beside the
 * walker; 0 or an errno (that of the holder first).
 */
static int walk_held(struct __test_metadata *_metadata, int fd, pid_t pid,
		     unsigned long start, unsigned long end, struct hold *h)
{
	pthread_t t;
	void *err;
	int ret;

	if (pthread_create(&t, NULL, holder_main, h))
		return errno;
	ret = walk_for_a_while(_metadata, fd, pid, start, end);
	atomic_store(&h->stop, true);
	hold_wake(h);
	pthread_join(t, &err);
	ksft_print_msg("walker stopped %lu times, %lu held up the mutator\n",
		       atomic_load(&h->holds), atomic_load(&h->timeouts));
	if (err)
		TH_LOG("holder: %s", strerror((long)err));
	return err ? (long)err : ret;
}

/*
 * Memory the children share with us (what they got done, the holder's
 * state); NULL if there is none.
 */
static void *shared_mem(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static atomic_ulong *shared_counter(void)
{
	return shared_mem(sizeof(atomic_ulong));
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

/* Wait until the walked process has been over its pages twice more. */
static void wait_passes(atomic_ulong *passes)
{
	unsigned long n = atomic_load(passes);
	double end = vmi_now() + 2;

	while (atomic_load(passes) < n + 2 && vmi_now() < end)
		usleep(500);
}

/*
 * The walked process keeps a shared memory file mapped on small pages; the
 * holder stops the walker as it reads the PMD entry, and the mutator, in a
 * third process, collapses the file into a THP, which takes the walked
 * process's PTE table away (retract_page_tables()) and frees it through
 * RCU, then punches the THP out for the walked process to fault its small
 * pages back in.
 */
TEST_F_TIMEOUT(race, pte_table_freed_under_stopped_walk, VMI_TEST_TIMEOUT)
{
	atomic_ulong *passes = shared_counter(), *collapses = shared_counter();
	struct hold *h = shared_mem(sizeof(*h));
	char saved[64] = "";
	pid_t target, mutator;
	unsigned long at;
	int memfd, ret, status = 0;
	char *p;

	if (possible_cpus() < 2)
		SKIP(return, "one CPU: the walker and the mutator cannot run at once");
	if (!thp_setting("shmem_enabled", saved, sizeof(saved)))
		SKIP(return, "no shmem THP (%s)", THP_SYS "/shmem_enabled");
	ASSERT_NE(NULL, passes);
	ASSERT_NE(NULL, collapses);
	ASSERT_NE(NULL, h);
	memfd = memfd_create("vmi_race_shmem", MFD_CLOEXEC);
	ASSERT_GE(memfd, 0);
	ASSERT_EQ(0, ftruncate(memfd, SZ_2M));
	at = aligned_area(SZ_2M, SZ_2M);
	ASSERT_NE(0, at);

	target = fork();
	ASSERT_GE(target, 0);
	if (target == 0) {
		p = mmap((void *)at, SZ_2M, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, memfd, 0);
		if (p == MAP_FAILED)
			_exit(1);
		pin_cpu(1);
		for (;;) {
			touch(p, SZ_2M, 4096);
			atomic_fetch_add(passes, 1);
		}
	}
	wait_passes(passes);
	h->watch = entry_address(self->fd, target, at, VMI_LEVEL_PMD);
	if (!h->watch) {
		stop_child(target);
		close(memfd);
		SKIP(return, "no kernel address for the PMD entry (/proc/kcore)");
	}
	ASSERT_EQ(0, write_file(THP_SYS "/shmem_enabled", "advise"));
	mutator = fork();
	ASSERT_GE(mutator, 0);
	if (mutator == 0) {
		p = mmap((void *)at, SZ_2M, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, memfd, 0);
		if (p == MAP_FAILED || madvise(p, SZ_2M, MADV_HUGEPAGE))
			_exit(1);
		pin_cpu(1);
		for (;;) {
			wait_passes(passes);
			touch(p, SZ_2M, 4096);
			if (!hold_take(h))
				_exit(atomic_load(&h->stop) ? 0 : 3);
			if (!madvise(p, SZ_2M, MADV_COLLAPSE))
				atomic_fetch_add(collapses, 1);
			else if (errno == EINVAL)
				_exit(2); /* no MADV_COLLAPSE for files here */
			hold_release(h);
			fallocate(memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				  0, SZ_2M);
		}
	}
	ret = walk_held(_metadata, self->fd, target, at, at + SZ_2M, h);
	if (waitpid(mutator, &status, WNOHANG) != mutator)
		stop_child(mutator);
	stop_child(target);
	write_file(THP_SYS "/shmem_enabled", saved);
	close(memfd);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 2)
		SKIP(return, "MADV_COLLAPSE does not take shmem here");
	ASSERT_EQ(0, status) TH_LOG("the mutator died (status 0x%x)", status);
	ksft_print_msg("%lu collapses\n", atomic_load(collapses));
	EXPECT_EQ(0, ret);
	EXPECT_GT(atomic_load(&h->holds), 0);
	/* MADV_COLLAPSE may fail (EAGAIN) at every hold: nothing was freed */
	if (!ret && atomic_load(&h->holds) && !atomic_load(collapses))
		SKIP(return, "no collapse succeeded in %lu holds: no table was freed under the walker",
		     (unsigned long)atomic_load(&h->holds));
}

/*
 * The walked process and the mutator map the same 1 GiB of a hugetlb file,
 * 1 GiB aligned; the walked process faults its page in first, the mutator
 * then shares its PMD table.  The holder stops the walker as it reads the
 * PUD entry; the mutator truncates the file, which unshares the table from
 * the walked process (mapped first, so met first), unmaps its own mapping,
 * which frees the table, and maps and faults the file in again.
 */
TEST_F_TIMEOUT(race, hugetlb_table_freed_under_stopped_walk,
	       VMI_TEST_TIMEOUT)
{
	atomic_ulong *passes = shared_counter(), *frees = shared_counter();
	struct hold *h = shared_mem(sizeof(*h));
	pid_t target, mutator;
	unsigned long at;
	int memfd, ret, status = 0;
	char *p;

	if (possible_cpus() < 2)
		SKIP(return, "one CPU: the walker and the mutator cannot run at once");
	ASSERT_NE(NULL, passes);
	ASSERT_NE(NULL, frees);
	ASSERT_NE(NULL, h);
	memfd = memfd_create("vmi_race_hugetlb", MFD_CLOEXEC | MFD_HUGETLB);
	if (memfd < 0)
		SKIP(return, "no hugetlb memfd: %s", strerror(errno));
	ASSERT_EQ(0, ftruncate(memfd, SZ_1G));
	if (fallocate(memfd, 0, 0, SZ_2M)) {
		close(memfd);
		SKIP(return, "no free 2 MiB hugetlb page");
	}
	at = aligned_area(SZ_1G, SZ_1G);
	ASSERT_NE(0, at);

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
		for (;;) {
			touch(p, SZ_2M, SZ_2M);
			atomic_fetch_add(passes, 1);
		}
	}
	wait_passes(passes);
	h->watch = entry_address(self->fd, target, at, VMI_LEVEL_PUD);
	if (!h->watch) {
		stop_child(target);
		close(memfd);
		SKIP(return, "no kernel address for the PUD entry (/proc/kcore)");
	}
	mutator = fork();
	ASSERT_GE(mutator, 0);
	if (mutator == 0) {
		pin_cpu(1);
		for (;;) {
			if (ftruncate(memfd, SZ_1G) ||
			    fallocate(memfd, 0, 0, SZ_2M))
				_exit(3);
			wait_passes(passes);
			p = mmap((void *)at, SZ_1G, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_FIXED | MAP_NORESERVE, memfd, 0);
			if (p == MAP_FAILED)
				_exit(1);
			touch(p, SZ_2M, SZ_2M);
			if (!hold_take(h))
				_exit(atomic_load(&h->stop) ? 0 : 4);
			if (ftruncate(memfd, 0) || munmap(p, SZ_1G))
				_exit(5);
			hold_release(h);
			atomic_fetch_add(frees, 1);
		}
	}
	ret = walk_held(_metadata, self->fd, target, at, at + SZ_2M, h);
	if (waitpid(mutator, &status, WNOHANG) != mutator)
		stop_child(mutator);
	stop_child(target);
	close(memfd);
	ASSERT_EQ(0, status) TH_LOG("the mutator died (status 0x%x)", status);
	ksft_print_msg("%lu tables freed\n", atomic_load(frees));
	EXPECT_EQ(0, ret);
	EXPECT_GT(atomic_load(frees), 0);
	EXPECT_GT(atomic_load(&h->holds), 0);
}

TEST_HARNESS_MAIN
