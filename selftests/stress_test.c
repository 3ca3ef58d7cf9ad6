// SPDX-License-Identifier: GPL-2.0
/*
 * Stress tests: vminspect against processes that change their address space
 * as fast as they can, targets that exit or exec mid-walk, a TLB shootdown
 * storm with tracking read under it and switched on and off, and many concurrent
 * readers of /proc/vminspect.  Each runs for VMI_STRESS_SECS seconds (15 by
 * default).  What is checked:
 *
 *  - every call returns success or the error the ABI documents for a target
 *    that went away (ESRCH), never anything else;
 *  - what a successful call returns is well formed: extents inside the range
 *    asked for, sorted, not overlapping, walk_end advancing; translate
 *    answers for the address asked; a query-file answer is the answer to
 *    this descriptor's own query;
 *  - the guest kernel log stays clean (the runner checks it after the run).
 *
 * Tracking is switched only while the storm pauses, except in
 * tlb_switching_under_storm, which the single-threaded TCG lane runs.
 *
 * The longest lock hold (mmap_lock or a VMA lock) seen by any walk is printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/vminspect.h>

#include "kselftest_harness.h"
#include "vmi_util.h"


#define USER_TOP  (1ULL << 47)
#define WALKERS	  3
#define READERS	  8
#define MAX_ERRS  8 /* failures described in the log at most */

static double stress_secs(void)
{
	return vmi_env_secs("VMI_STRESS_SECS", 15);
}

/* xorshift, one state per thread */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* What the threads of one test share. */
struct stress {
	atomic_int target; /* read afresh for every call */
	double deadline;
	atomic_ulong calls, ok, esrch, bad;
	atomic_ullong max_lock_ns;
	pthread_mutex_t log_lock;
	int logged;
};

static void stress_init(struct stress *st, pid_t target)
{
	memset(st, 0, sizeof(*st));
	st->target = target;
	st->deadline = vmi_now() + stress_secs();
	pthread_mutex_init(&st->log_lock, NULL);
}

static void note_lock(struct stress *st, uint64_t ns)
{
	unsigned long long cur = atomic_load(&st->max_lock_ns);

	while (ns > cur && !atomic_compare_exchange_weak(&st->max_lock_ns, &cur, ns))
		;
}

static __attribute__((format(printf, 2, 3))) void bad(struct stress *st,
						      const char *fmt, ...)
{
	va_list ap;

	atomic_fetch_add(&st->bad, 1);
	pthread_mutex_lock(&st->log_lock);
	if (st->logged++ < MAX_ERRS) {
		va_start(ap, fmt);
		printf("# stress failure: ");
		vprintf(fmt, ap);
		printf("\n");
		va_end(ap);
		fflush(stdout);
	}
	pthread_mutex_unlock(&st->log_lock);
}

/* Count the outcome of one call; false when the call failed. */
static bool outcome(struct stress *st, int ret, const char *what)
{
	atomic_fetch_add(&st->calls, 1);
	if (!ret) {
		atomic_fetch_add(&st->ok, 1);
		return true;
	}
	if (errno == ESRCH)
		atomic_fetch_add(&st->esrch, 1);
	else
		bad(st, "%s: %s", what, strerror(errno));
	return false;
}

/* ---- the mutator ------------------------------------------------------- */

#define SLOTS 48

struct region {
	char *p;
	size_t len;
	bool hugetlb;
};

static void unmap_slot(struct region *r)
{
	if (r->p)
		munmap(r->p, r->len);
	r->p = NULL;
}

/*
 * A private hugetlb mapping faults from its reservation once; after
 * MADV_DONTNEED it faults from the free pool, which the COW children may
 * have emptied: SIGBUS, as documented (vm/hugetlbpage).  The mutator drops
 * such a slot and goes on.  Any other SIGBUS kills it, and the test fails.
 */
static sigjmp_buf bus_jmp;
static volatile sig_atomic_t bus_armed;

static void mutator_sigbus(int sig)
{
	if (bus_armed) {
		bus_armed = 0;
		siglongjmp(bus_jmp, 1);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Write @len bytes of @c over slot @s; false when its hugetlb pool is dry. */
static bool fill_slot(struct region *s, int c)
{
	if (s->hugetlb) {
		if (sigsetjmp(bus_jmp, 1))
			return false;
		bus_armed = 1;
	}
	memset(s->p, c, s->len);
	bus_armed = 0;
	return true;
}

/* A 2 MiB-aligned THP-eligible region of @len bytes, or NULL. */
static char *map_thp(size_t len)
{
	char *raw = mmap(NULL, len + SZ_2M, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *p;

	if (raw == MAP_FAILED)
		return NULL;
	p = (char *)(((uintptr_t)raw + SZ_2M - 1) & ~(SZ_2M - 1));
	if (p > raw)
		munmap(raw, p - raw);
	munmap(p + len, raw + SZ_2M - p);
	madvise(p, len, MADV_HUGEPAGE);
	return p;
}

/*
 * Change the address space in every way the walker must survive, until
 * killed: mmap, munmap, mprotect, mremap, fork + COW + exit, DONTNEED,
 * PAGEOUT, COLLAPSE, THP splits, hugetlb faults.
 */
static void mutate(uint64_t seed)
{
	struct region r[SLOTS] = { 0 };
	size_t page = getpagesize();

	signal(SIGBUS, mutator_sigbus);
	for (;;) {
		struct region *s = &r[rnd(&seed) % SLOTS];
		size_t off, len;
		pid_t child;
		char *p;

		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (!s->p) {
			bool hugetlb = false;

			switch (rnd(&seed) % 3) {
			case 0: /* 4K pages */
				len = (1 + rnd(&seed) % 512) * page;
				p = mmap(NULL, len, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
				break;
			case 1: /* THP */
				len = (1 + rnd(&seed) % 2) * SZ_2M;
				p = map_thp(len);
				break;
			default: /* hugetlb, when the pool has a page */
				hugetlb = true;
				len = SZ_2M;
				p = mmap(NULL, len, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB,
					 -1, 0);
				break;
			}
			if (!p || p == MAP_FAILED)
				continue;
			s->p = p;
			s->len = len;
			s->hugetlb = hugetlb;
			if (!fill_slot(s, 0x5a))
				unmap_slot(s);
			continue;
		}
		off = (rnd(&seed) % (s->len / page)) * page;
		len = s->len - off;
		switch (rnd(&seed) % 10) {
		case 0:
			unmap_slot(s);
			break;
		case 1: /* split a THP (or punch a hole): unmap one page */
			if (munmap(s->p + off, page) == 0 && off == 0) {
				s->p += page;
				s->len -= page;
				/* a one-page region is gone: an empty slot */
				if (!s->len)
					s->p = NULL;
			} else if (off) {
				munmap(s->p + off, s->len - off);
				s->len = off;
			}
			break;
		case 2:
			mprotect(s->p + off, len,
				 (rnd(&seed) & 1) ? PROT_NONE : PROT_READ);
			break;
		case 3:
			mprotect(s->p, s->len, PROT_READ | PROT_WRITE);
			break;
		case 4: {
			size_t nlen = s->len + (1 + rnd(&seed) % 16) * page;

			p = mremap(s->p, s->len, nlen, MREMAP_MAYMOVE);
			if (p != MAP_FAILED) {
				s->p = p;
				s->len = nlen;
			}
			break;
		}
		case 5: /* COW: the child writes what the parent has mapped */
			child = fork();
			if (child == 0) {
				int i;

				for (i = 0; i < SLOTS; i++)
					if (r[i].p && !mprotect(r[i].p, r[i].len,
								PROT_READ | PROT_WRITE))
						r[i].p[0] = 1;
				_exit(0);
			}
			break;
		case 6:
			madvise(s->p + off, len, MADV_DONTNEED);
			break;
		case 7:
			madvise(s->p + off, len, MADV_PAGEOUT);
			break;
		case 8:
			madvise(s->p, s->len, MADV_COLLAPSE);
			break;
		default: /* fault it all back in */
			if (!mprotect(s->p, s->len, PROT_READ | PROT_WRITE) &&
			    !fill_slot(s, 0xa5))
				unmap_slot(s);
			break;
		}
	}
}

static pid_t start_mutator(uint64_t seed)
{
	pid_t pid = fork();

	if (pid == 0) {
		mutate(seed);
		_exit(0);
	}
	return pid;
}

static void stop_child(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* ---- the walkers -------------------------------------------------------- */

struct walker {
	struct stress *st;
	int fd;
	uint64_t seed;
	pthread_t thread;
};

/* Walk [start, end) in pieces of vec_len records; check each answer. */
static void walk_range(struct walker *wk, uint64_t flags, uint64_t start,
		       uint64_t end, unsigned int vec_len)
{
	struct stress *st = wk->st;
	bool pages = flags & VMI_WALK_PAGES;
	size_t rec = pages ? sizeof(struct vmi_page) : sizeof(struct vmi_extent);
	void *vec = calloc(vec_len, rec);
	struct vmi_walk_arg a;
	uint64_t pos = start;
	unsigned int i;

	if (!vec)
		return;
	while (pos < end && vmi_now() < st->deadline) {
		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.flags = flags;
		a.pid = st->target;
		a.start = pos;
		a.end = end;
		a.vec = (uintptr_t)vec;
		a.vec_len = vec_len;
		a.extent_size = rec;
		if (!outcome(st, ioctl(wk->fd, VMI_IOC_WALK, &a), "WALK"))
			break;
		note_lock(st, a.max_lock_ns);
		if (a.walk_end <= pos || a.walk_end > end || a.nr_extents > vec_len) {
			bad(st, "WALK [%#llx, %#llx): walk_end %#llx, %llu records",
			    (unsigned long long)pos, (unsigned long long)end,
			    (unsigned long long)a.walk_end,
			    (unsigned long long)a.nr_extents);
			break;
		}
		if (pages && a.nr_extents != (a.walk_end - pos) / getpagesize())
			bad(st, "WALK pages: %llu records for %llu pages",
			    (unsigned long long)a.nr_extents,
			    (unsigned long long)(a.walk_end - pos) / getpagesize());
		if (!pages) {
			struct vmi_extent *e = vec;
			uint64_t prev = pos;

			for (i = 0; i < a.nr_extents; i++) {
				if (e[i].start < prev || e[i].end <= e[i].start ||
				    e[i].end > a.walk_end) {
					bad(st, "WALK extent %u [%#llx, %#llx) out of order in [%#llx, %#llx)",
					    i, (unsigned long long)e[i].start,
					    (unsigned long long)e[i].end,
					    (unsigned long long)prev,
					    (unsigned long long)a.walk_end);
					break;
				}
				prev = e[i].end;
			}
		}
		pos = a.walk_end;
	}
	free(vec);
}

/* Translate addresses taken from a short walk of the target. */
static void translate_some(struct walker *wk)
{
	struct stress *st = wk->st;
	struct vmi_extent e[16];
	struct vmi_walk_arg a = {
		.size = sizeof(a), .pid = st->target, .start = 0, .end = USER_TOP,
		.vec = (uintptr_t)e, .vec_len = 16, .extent_size = sizeof(e[0]),
	};
	unsigned int i;

	a.start = (rnd(&wk->seed) % (USER_TOP >> 30)) << 30;
	if (!outcome(st, ioctl(wk->fd, VMI_IOC_WALK, &a), "WALK"))
		return;
	for (i = 0; i < a.nr_extents; i++) {
		struct vmi_translate_arg t = { .size = sizeof(t), .pid = st->target };

		t.va = e[i].start + rnd(&wk->seed) % (e[i].end - e[i].start);
		if (!outcome(st, ioctl(wk->fd, VMI_IOC_TRANSLATE, &t), "TRANSLATE"))
			return;
		/* a target that exec'ed may no longer map it: then no levels */
		if (t.vma_end ? t.nr_levels < 3 || t.nr_levels > 5 ||
					t.va < t.vma_start || t.va >= t.vma_end :
				t.nr_levels != 0)
			bad(st, "TRANSLATE %#llx: %u levels, VMA [%#llx, %#llx)",
			    (unsigned long long)t.va, t.nr_levels,
			    (unsigned long long)t.vma_start,
			    (unsigned long long)t.vma_end);
	}
}

static void *walker_main(void *arg)
{
	struct walker *wk = arg;
	struct stress *st = wk->st;

	while (vmi_now() < st->deadline) {
		switch (rnd(&wk->seed) % 7) {
		case 0:
			walk_range(wk, 0, 0, USER_TOP, 64);
			break;
		case 1:
			walk_range(wk, VMI_WALK_PER_PAGE | VMI_WALK_HOLES, 0,
				   USER_TOP, 256);
			break;
		case 2: {
			/* pages mode over a random 64 MiB window */
			uint64_t s = (rnd(&wk->seed) % (USER_TOP >> 26)) << 26;

			walk_range(wk, VMI_WALK_PAGES, s, s + (64 << 20), 4096);
			break;
		}
		case 3:
			translate_some(wk);
			break;
		case 4: {
			struct vmi_pgtables_arg p = { .size = sizeof(p), .pid = st->target };

			outcome(st, ioctl(wk->fd, VMI_IOC_PGTABLES, &p), "PGTABLES");
			break;
		}
		case 5: {
			struct vmi_vma v[8];
			struct vmi_maps_arg m = {
				.size = sizeof(m), .pid = st->target, .end = USER_TOP,
				.vec = (uintptr_t)v, .vec_len = 8, .vma_size = sizeof(v[0]),
			};

			while (m.start < USER_TOP && vmi_now() < st->deadline) {
				if (!outcome(st, ioctl(wk->fd, VMI_IOC_MAPS, &m), "MAPS"))
					break;
				note_lock(st, m.max_lock_ns);
				if (m.walk_end <= m.start) {
					bad(st, "MAPS: walk_end %#llx <= start %#llx",
					    (unsigned long long)m.walk_end,
					    (unsigned long long)m.start);
					break;
				}
				m.start = m.walk_end;
			}
			break;
		}
		default: {
			struct vmi_huge_arg h = {
				.size = sizeof(h), .pid = st->target, .end = USER_TOP,
			};

			if (outcome(st, ioctl(wk->fd, VMI_IOC_HUGE, &h), "HUGE"))
				note_lock(st, h.max_lock_ns);
			break;
		}
		}
	}
	return NULL;
}

static void run_walkers(struct __test_metadata *_metadata, struct stress *st,
			int n)
{
	struct walker wk[WALKERS];
	int i;

	ASSERT_LE(n, WALKERS);
	for (i = 0; i < n; i++) {
		wk[i].st = st;
		wk[i].seed = 0x9e3779b97f4a7c15ULL * (i + 1) ^ (uint64_t)time(NULL);
		wk[i].fd = open(VMI_CTL_PATH, O_RDONLY | O_CLOEXEC);
		ASSERT_GE(wk[i].fd, 0);
		ASSERT_EQ(0, pthread_create(&wk[i].thread, NULL, walker_main, &wk[i]));
	}
	for (i = 0; i < n; i++) {
		pthread_join(wk[i].thread, NULL);
		close(wk[i].fd);
	}
}

static void report(struct stress *st, const char *what)
{
	printf("# %s: %lu calls in %.0f s (%lu ok, %lu ESRCH, %lu bad); longest lock hold %llu us\n",
	       what, (unsigned long)st->calls, stress_secs(), (unsigned long)st->ok,
	       (unsigned long)st->esrch, (unsigned long)st->bad,
	       (unsigned long long)st->max_lock_ns / 1000);
}

TEST(walkers_vs_mutator)
{
	struct stress st;
	pid_t child, ended;
	int status = 0;

	child = start_mutator(time(NULL));
	ASSERT_GT(child, 0);
	stress_init(&st, child);
	run_walkers(_metadata, &st, WALKERS);
	/* the mutator must have lived through it: no ESRCH expected */
	ended = waitpid(child, &status, WNOHANG);
	EXPECT_EQ(0, ended);
	if (ended == child)
		TH_LOG("the mutator ended: %s %d", WIFSIGNALED(status) ?
		       "signal" : "exit status", WIFSIGNALED(status) ?
		       WTERMSIG(status) : WEXITSTATUS(status));
	else
		stop_child(child);
	report(&st, "walkers vs mutator");
	EXPECT_EQ(0, st.bad);
	EXPECT_EQ(0, st.esrch);
	EXPECT_LT(1000, st.ok);
}

/* ---- targets that exit or exec mid-walk ------------------------------ */

/*
 * Spawn short-lived targets, one after another, and point the walkers at
 * each: half exec a new image, all are killed while the walkers work, stay
 * zombies for a moment, and are reaped.  ESRCH is the one error allowed.
 */
static void *churn_main(void *arg)
{
	struct stress *st = arg;
	uint64_t seed = 12345;
	unsigned long spawned = 0;

	while (vmi_now() < st->deadline) {
		pid_t pid = fork();

		if (pid == 0) {
			size_t len = (1 + rnd(&seed) % 64) << 20;
			char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (p != MAP_FAILED)
				memset(p, 1, len);
			if (getpid() & 1)
				execl("/bin/sleep", "sleep", "1", (char *)NULL);
			pause();
			_exit(0);
		}
		if (pid < 0)
			continue;
		spawned++;
		st->target = pid;
		usleep(rnd(&seed) % 20000);
		kill(pid, SIGKILL);
		usleep(rnd(&seed) % 5000);
		waitpid(pid, NULL, 0);
	}
	return (void *)spawned;
}

TEST(targets_exit_and_exec)
{
	struct stress st;
	pthread_t churn;
	void *spawned;

	stress_init(&st, getpid());
	ASSERT_EQ(0, pthread_create(&churn, NULL, churn_main, &st));
	run_walkers(_metadata, &st, 2);
	pthread_join(churn, &spawned);
	report(&st, "targets that exit and exec");
	printf("# %lu targets spawned, killed and reaped\n", (unsigned long)spawned);
	EXPECT_EQ(0, st.bad);
	EXPECT_LT(0, st.ok);
	EXPECT_LT(0, st.esrch);
}

/* ---- TLB tracking under a shootdown storm ------------------------------ */

struct storm {
	struct stress *st;
	char *buf;
	size_t len;
	int cpu;
	bool switching; /* the reader switches tracking too */
};

/* Touch the shared buffer on one CPU, so that the mm is live there. */
static void *storm_toucher(void *arg)
{
	struct storm *s = arg;
	size_t i = 0;

	pin_cpu(s->cpu);
	while (vmi_now() < s->st->deadline) {
		/* mprotect may have taken write access away for a moment */
		(void)*(volatile char *)(s->buf + i);
		i = (i + 4096) % s->len;
	}
	return NULL;
}

/* Flip protections of the shared buffer: every flip shoots down the TLB. */
static void *storm_flipper(void *arg)
{
	struct storm *s = arg;
	int n = 0;

	pin_cpu(s->cpu);
	while (vmi_now() < s->st->deadline) {
		mprotect(s->buf, s->len, (n++ & 1) ? PROT_READ : PROT_READ | PROT_WRITE);
		if (!(n % 64))
			madvise(s->buf, s->len, MADV_DONTNEED);
	}
	mprotect(s->buf, s->len, PROT_READ | PROT_WRITE);
	return (void *)(long)n;
}

static int tlb_ctl(int fd, uint64_t flags, struct vmi_tlb_ctl_arg *out)
{
	struct vmi_tlb_ctl_arg a = { .size = sizeof(a), .flags = flags };
	int ret = ioctl(fd, VMI_IOC_TLB_CTL, &a);

	if (out)
		*out = a;
	return ret;
}

/*
 * Read everything the TLB ioctls and file offer; with s->switching, switch
 * tracking on, off and reset it (a reset of a running tracker switches it
 * off and on) among the reads.
 */
static void *storm_reader(void *arg)
{
	struct storm *s = arg;
	struct stress *st = s->st;
	struct vmi_tlb_cpu cpus[8];
	struct vmi_tlb_initiator init[16];
	struct vmi_tlb_record rec[64];
	uint64_t seed = 777;
	char buf[8192];
	int fd = open(VMI_CTL_PATH, O_RDONLY | O_CLOEXEC);
	unsigned int op;

	if (fd < 0) {
		bad(st, "open %s: %s", VMI_CTL_PATH, strerror(errno));
		return NULL;
	}
	while (vmi_now() < st->deadline) {
		op = rnd(&seed) % 8;
		if (!s->switching && (op < 2 || op > 5))
			op = 2 + rnd(&seed) % 4; /* a read instead */
		switch (op) {
		case 0:
			outcome(st, tlb_ctl(fd, VMI_TLB_DISABLE, NULL), "TLB_CTL off");
			break;
		case 1:
			outcome(st, tlb_ctl(fd, VMI_TLB_RESET, NULL), "TLB_CTL reset");
			break;
		case 2: {
			struct vmi_tlb_cpus_arg a = {
				.size = sizeof(a), .vec = (uintptr_t)cpus, .vec_len = 8,
				.cpu_size = sizeof(cpus[0]),
			};

			outcome(st, ioctl(fd, VMI_IOC_TLB_CPUS, &a), "TLB_CPUS");
			break;
		}
		case 3: {
			struct vmi_tlb_initiators_arg a = {
				.size = sizeof(a), .vec = (uintptr_t)init, .vec_len = 16,
				.rec_size = sizeof(init[0]),
			};

			outcome(st, ioctl(fd, VMI_IOC_TLB_INITIATORS, &a), "TLB_INITIATORS");
			break;
		}
		case 4: {
			struct vmi_tlb_trace_arg a = {
				.size = sizeof(a), .vec = (uintptr_t)rec, .vec_len = 64,
				.rec_size = sizeof(rec[0]),
			};

			outcome(st, ioctl(fd, VMI_IOC_TLB_TRACE, &a), "TLB_TRACE");
			break;
		}
		case 5:
			outcome(st, read_file(VMI_PROC_DIR "/tlb", buf, sizeof(buf)) < 0 ? -1 : 0,
				"read /proc/vminspect/tlb");
			break;
		default:
			outcome(st, tlb_ctl(fd, VMI_TLB_ENABLE, NULL), "TLB_CTL on");
			break;
		}
	}
	close(fd);
	return NULL;
}

/* A storm of @secs seconds: toucher on CPU 1, flipper and reader on CPU 0. */
static long storm_burst(struct __test_metadata *_metadata, struct storm *s,
			double secs)
{
	pthread_t t[3];
	void *flips;

	s->st->deadline = vmi_now() + secs;
	ASSERT_EQ(0, pthread_create(&t[0], NULL, storm_toucher, &s[1]));
	ASSERT_EQ(0, pthread_create(&t[1], NULL, storm_flipper, &s[0]));
	ASSERT_EQ(0, pthread_create(&t[2], NULL, storm_reader, &s[2]));
	pthread_join(t[0], NULL);
	pthread_join(t[1], &flips);
	pthread_join(t[2], NULL);
	return (long)flips;
}

/*
 * Storm bursts with the TLB ioctls and file read throughout.  With
 * @switching, the reader switches tracking on, off and reset under the
 * storm; without, tracking is switched while the storm is paused, one
 * state per burst: off, on, reset while on, reset and on, reset while off.
 * Then, on again, a short measured storm must be counted.
 */
static void tlb_storm(struct __test_metadata *_metadata, bool switching)
{
	static const uint64_t between[] = {
		VMI_TLB_DISABLE, VMI_TLB_ENABLE, VMI_TLB_RESET, VMI_TLB_RESET | VMI_TLB_ENABLE,
		VMI_TLB_DISABLE | VMI_TLB_RESET, VMI_TLB_ENABLE,
	};
	const int bursts = switching ? 1 : sizeof(between) / sizeof(between[0]);
	struct vmi_tlb_ctl_arg before, after, sw;
	struct storm s[3];
	struct stress st;
	long flips = 0;
	int fd, i;

	if (possible_cpus() < 2)
		SKIP(return, "one CPU: no shootdowns to storm");
	fd = open(VMI_CTL_PATH, O_RDONLY | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	if (tlb_ctl(fd, 0, &before)) {
		close(fd);
		SKIP(return, "VMI_IOC_TLB_CTL: %s", strerror(errno));
	}
	stress_init(&st, getpid());
	s[0].len = 4 << 20;
	s[0].buf = mmap(NULL, s[0].len, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, s[0].buf);
	for (i = 0; i < 3; i++) {
		s[i] = s[0];
		s[i].st = &st;
		s[i].cpu = i == 1;
		s[i].switching = switching;
	}
	for (i = 0; i < bursts; i++) {
		if (!switching) {
			ASSERT_EQ(0, tlb_ctl(fd, between[i], &sw));
			/* a reset keeps the state the tracker was in */
			if (between[i] & (VMI_TLB_ENABLE | VMI_TLB_DISABLE))
				EXPECT_EQ(!!(between[i] & VMI_TLB_ENABLE), sw.enabled);
		}
		flips += storm_burst(_metadata, s, stress_secs() / bursts);
	}
	report(&st, switching ? "TLB tracking switched under a storm" :
				"TLB tracking read under a storm");
	printf("# %ld protection flips\n", flips);
	EXPECT_EQ(0, st.bad);
	EXPECT_LT(100, flips);

	/* still counting after all that switching: a short storm, measured */
	ASSERT_EQ(0, tlb_ctl(fd, VMI_TLB_ENABLE | VMI_TLB_RESET, NULL));
	s[2].switching = false;
	storm_burst(_metadata, s, 1);
	{
		struct vmi_tlb_cpus_arg a = { .size = sizeof(a), .vec_len = 0 };
		struct vmi_tlb_cpu cpus[2] = { 0 };
		uint64_t sent = 0;

		a.vec = (uintptr_t)cpus;
		a.vec_len = 2;
		a.cpu_size = sizeof(cpus[0]);
		ASSERT_EQ(0, ioctl(fd, VMI_IOC_TLB_CPUS, &a));
		for (i = 0; i < (int)a.nr_cpus; i++)
			sent += cpus[i].ipis_sent;
		EXPECT_LT(0, sent);
	}
	ASSERT_EQ(0, tlb_ctl(fd, VMI_TLB_RESET | (before.enabled ? VMI_TLB_ENABLE : VMI_TLB_DISABLE),
			     &after));
	EXPECT_EQ(before.enabled, after.enabled);
	munmap(s[0].buf, s[0].len);
	close(fd);
}

TEST(tlb_tracking_under_storm)
{
	tlb_storm(_metadata, false);
}

TEST(tlb_switching_under_storm)
{
	const char *hazard = switch_under_load_hazard();

	if (hazard)
		SKIP(return, "%s: " SINGLE_LANE_SKIP, hazard);
	tlb_storm(_metadata, true);
}

/* ---- many readers of /proc/vminspect ---------------------------------- */

struct reader {
	struct stress *st;
	pid_t own; /* this reader's own target */
	pthread_t thread;
	int id;
};

/* One query on a fresh descriptor; the answer read whole into buf. */
static ssize_t query(const char *q, char *buf, size_t size)
{
	ssize_t n, len = 0;
	int fd = open(VMI_PROC_DIR "/query", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (write(fd, q, strlen(q)) != (ssize_t)strlen(q)) {
		close(fd);
		return -1;
	}
	while ((n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	close(fd);
	if (n < 0)
		return -1;
	buf[len] = 0;
	return len;
}

static void *reader_main(void *arg)
{
	static const char *const files[] = { "status", "tlb" };
	struct reader *r = arg;
	struct stress *st = r->st;
	uint64_t seed = r->id + 1;
	static __thread char buf[1 << 20];
	char q[128], want[64];
	unsigned long va;

	while (vmi_now() < st->deadline) {
		switch (rnd(&seed) % 5) {
		case 0:
			snprintf(q, sizeof(q), VMI_PROC_DIR "/%s", files[rnd(&seed) % ARRAY_SIZE(files)]);
			outcome(st, read_file(q, buf, sizeof(buf)) < 0 ? -1 : 0, q);
			break;
		case 1:
			/* a distinct address per reader: the answer must echo it */
			va = 0x10000000UL + ((unsigned long)r->id << 20) + (rnd(&seed) % 256) * 4096;
			snprintf(q, sizeof(q), "translate %d 0x%lx\n", r->own, va);
			snprintf(want, sizeof(want), "va 0x%lx\n", va);
			if (outcome(st, query(q, buf, sizeof(buf)) < 0 ? -1 : 0, "query translate") &&
			    !strstr(buf, want))
				bad(st, "query '%.*s' answered without '%.*s'",
				    (int)strcspn(q, "\n"), q, (int)strcspn(want, "\n"), want);
			break;
		case 2:
			snprintf(q, sizeof(q), "walk %d\n", r->own);
			if (outcome(st, query(q, buf, sizeof(buf)) < 0 ? -1 : 0, "query walk") &&
			    !strstr(buf, "walk_end "))
				bad(st, "query walk: no walk_end line");
			break;
		case 3:
			snprintf(q, sizeof(q), "%s %d\n", (rnd(&seed) & 1) ? "maps" : "huge", r->own);
			outcome(st, query(q, buf, sizeof(buf)) < 0 ? -1 : 0, "query maps/huge");
			break;
		default:
			snprintf(q, sizeof(q), "pgtables %d\n", r->own);
			outcome(st, query(q, buf, sizeof(buf)) < 0 ? -1 : 0, "query pgtables");
			break;
		}
	}
	return NULL;
}

TEST(concurrent_readers)
{
	struct reader r[READERS];
	pid_t kids[READERS];
	struct stress st;
	int i;

	stress_init(&st, 0);
	for (i = 0; i < READERS; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			/* a target with something mapped where readers look */
			char *p = mmap((void *)(0x10000000UL + ((unsigned long)i << 20)),
				       1 << 20, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

			if (p != MAP_FAILED)
				memset(p, i, 1 << 20);
			pause();
			_exit(0);
		}
		ASSERT_GT(kids[i], 0);
		r[i] = (struct reader){ .st = &st, .own = kids[i], .id = i };
		ASSERT_EQ(0, pthread_create(&r[i].thread, NULL, reader_main, &r[i]));
	}
	for (i = 0; i < READERS; i++)
		pthread_join(r[i].thread, NULL);
	for (i = 0; i < READERS; i++)
		stop_child(kids[i]);
	report(&st, "concurrent readers");
	EXPECT_EQ(0, st.bad);
	EXPECT_EQ(0, st.esrch);
	/* the readers ran (the debug kernel, KASAN and strict RCU, is slow) */
	EXPECT_LT(10, st.ok);
}

TEST_HARNESS_MAIN
