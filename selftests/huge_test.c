// SPDX-License-Identifier: GPL-2.0
/*
 * vminspect huge-page accounting tests.
 *
 * A child builds one kind of memory and waits; what VMI_IOC_HUGE says about
 * every one of its VMAs is then checked against the kernel's own accounts:
 * smaps per VMA (Rss, AnonHugePages, ShmemPmdMapped, FilePmdMapped,
 * Private_Hugetlb, Shared_Hugetlb, Swap), smaps_rollup for the totals, and
 * /proc/kpageflags for PTE-mapped pieces of large folios.  The library's
 * system-wide figures (the module has none) are checked against
 * /sys/kernel/mm/hugepages, the per-node pools, /proc/meminfo, /proc/vmstat,
 * /proc/buddyinfo and /proc/zoneinfo.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/vminspect.h>

#include "kselftest_harness.h"
#include "vmi_util.h"
#include "../tools/lib/vminspect.h"


#define SZ_1G	 (1UL << 30)
#define MAX_VMAS 1024
#define THP_SYS	 "/sys/kernel/mm/transparent_hugepage"

static struct vmi_huge_vma vmas[MAX_VMAS];

static int huge_query(int fd, pid_t pid, struct vmi_huge_vma *vec, size_t n,
		      struct vmi_huge_arg *out)
{
	struct vmi_huge_arg a = {
		.size = sizeof(a),
		.pid = pid,
		.end = 1UL << 47,
		.vec = (uintptr_t)vec,
		.vec_len = n,
		.vma_size = sizeof(*vec),
	};
	int ret;

	if (probe_pgtable_levels() == 5)
		a.end = 1UL << 56;
	ret = ioctl(fd, VMI_IOC_HUGE, &a);
	if (out)
		*out = a;
	return ret ? -errno : (int)a.nr_vmas;
}

static const struct vmi_huge_vma *vma_at(int n, unsigned long addr)
{
	int i;

	for (i = 0; i < n; i++)
		if (addr >= vmas[i].start && addr < vmas[i].end)
			return &vmas[i];
	return NULL;
}

/* A "Field: N kB" line of /proc/PID/smaps_rollup, in bytes, or -1. */
static long long rollup_bytes(pid_t pid, const char *field)
{
	char path[64], line[256];
	size_t flen = strlen(field);
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, flen) && line[flen] == ':') {
			v = strtoll(line + flen + 1, NULL, 10) * 1024;
			break;
		}
	fclose(f);
	return v;
}

static long long smaps_bytes(pid_t pid, unsigned long addr, const char *field)
{
	char f[64];
	long kb;

	snprintf(f, sizeof(f), "%s:", field);
	kb = smaps_kb(pid, addr, f);
	return kb < 0 ? -1 : kb * 1024LL;
}

/* A number from a sysfs or proc file, or -1. */
static long long read_num(const char *path)
{
	char buf[64];

	if (read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	return strtoll(buf, NULL, 10);
}

/* "Key: N kB" of /proc/meminfo in bytes, or "key N" of /proc/vmstat. */
static long long proc_field(const char *path, const char *key)
{
	char line[256];
	size_t klen = strlen(key);
	long long v = -1;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && (line[klen] == ':' || line[klen] == ' ')) {
			v = strtoll(line + klen + 1, NULL, 10);
			if (strstr(line, "kB"))
				v *= 1024;
			break;
		}
	fclose(f);
	return v;
}

/* ---- the target: a child that builds memory and waits ------------------- */

enum kind {
	ANON_4K, THP, THP_SPLIT, HUGE_ZERO, MTHP_64K, COLLAPSE, THP_AFTER_FORK,
	HUGETLB_2M, HUGETLB_2M_SHARED, HUGETLB_1G, SHMEM_THP, FILE_4K, SWAPPED,
};

struct target {
	pid_t pid;
	int to_child, from_child;
	unsigned long start, len;
};

struct ready_msg {
	unsigned long start, len;
	int status; /* 0 ready, 1 skip (reason in text) */
	char text[120];
};

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

static void touch(char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += PAGE)
		p[i] = 1;
}

/* In the child: build @kind; fill @m (status 1 with a reason to skip). */
static void build(enum kind kind, struct ready_msg *m)
{
	char *p = MAP_FAILED, saved[64];
	size_t len = 0;
	int fd;

	switch (kind) {
	case ANON_4K:
	case SWAPPED:
		len = 64 * PAGE;
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			break;
		madvise(p, len, MADV_NOHUGEPAGE);
		touch(p, len / 2);
		(void)*(volatile char *)(p + len - PAGE); /* the zero page */
		if (kind == SWAPPED && madvise(p, len, MADV_PAGEOUT)) {
			m->status = 1;
			snprintf(m->text, sizeof(m->text), "MADV_PAGEOUT: %s", strerror(errno));
		}
		break;
	case THP:
	case THP_SPLIT:
	case THP_AFTER_FORK:
	case HUGE_ZERO:
		len = 2 * SZ_2M;
		p = map_aligned(len, SZ_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
		if (p == MAP_FAILED || madvise(p, len, MADV_HUGEPAGE))
			break;
		if (kind == HUGE_ZERO) {
			(void)*(volatile char *)p;
			(void)*(volatile char *)(p + SZ_2M);
			break;
		}
		touch(p, len);
		if (smaps_kb(0, (unsigned long)p, "AnonHugePages:") != (long)(len >> 10)) {
			m->status = 1;
			snprintf(m->text, sizeof(m->text), "no THP was allocated");
		}
		if (kind == THP_SPLIT)
			munmap(p + SZ_2M + 17 * PAGE, PAGE); /* splits the PMD */
		if (kind == THP_AFTER_FORK && fork() == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			pause();
			_exit(0);
		}
		break;
	case MTHP_64K:
		/* 1 MiB: no room for a PMD, 64 KiB folios where enabled */
		len = SZ_2M / 2;
		p = map_aligned(len, SZ_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
		if (p == MAP_FAILED)
			break;
		touch(p, len);
		break;
	case COLLAPSE:
		/* NOHUGEPAGE until the collapse: khugepaged must not come first */
		len = SZ_2M;
		p = map_aligned(len, SZ_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
		if (p == MAP_FAILED)
			break;
		madvise(p, len, MADV_NOHUGEPAGE);
		touch(p, len);
		break;
	case HUGETLB_2M:
	case HUGETLB_2M_SHARED:
	case HUGETLB_1G:
		len = kind == HUGETLB_1G ? SZ_1G : 2 * SZ_2M;
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 (kind == HUGETLB_2M_SHARED ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS |
				 MAP_HUGETLB | (kind == HUGETLB_1G ? MAP_HUGE_1GB : MAP_HUGE_2MB),
			 -1, 0);
		if (p == MAP_FAILED) {
			m->status = 1;
			snprintf(m->text, sizeof(m->text), "no hugetlb pages: %s", strerror(errno));
			return;
		}
		/* one page of two: a hole too */
		p[0] = 1;
		if (kind != HUGETLB_1G)
			p[SZ_2M] = 1;
		if (kind == HUGETLB_2M_SHARED) {
			int sync[2];
			char c = 0;

			if (pipe(sync))
				break;
			if (fork() == 0) {
				/* fork copies no shared entries: fault them in */
				prctl(PR_SET_PDEATHSIG, SIGKILL);
				(void)*(volatile char *)p;
				(void)*(volatile char *)(p + SZ_2M);
				if (write(sync[1], &c, 1) != 1)
					_exit(1);
				pause();
				_exit(0);
			}
			if (read(sync[0], &c, 1) != 1)
				m->status = 1;
		}
		break;
	case SHMEM_THP:
		len = 2 * SZ_2M;
		if (read_file(THP_SYS "/shmem_enabled", saved, sizeof(saved)) > 0 &&
		    strchr(saved, '[')) {
			memmove(saved, strchr(saved, '[') + 1, strlen(strchr(saved, '[')));
			*strchrnul(saved, ']') = '\0';
		} else {
			snprintf(saved, sizeof(saved), "never");
		}
		if (write_file(THP_SYS "/shmem_enabled", "advise")) {
			m->status = 1;
			snprintf(m->text, sizeof(m->text), "cannot set shmem_enabled");
			return;
		}
		fd = memfd_create("vmi-huge", 0);
		if (fd < 0 || ftruncate(fd, len))
			break;
		p = map_aligned(len, SZ_2M, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
		if (p == MAP_FAILED)
			break;
		madvise(p, len, MADV_HUGEPAGE);
		touch(p, len);
		write_file(THP_SYS "/shmem_enabled", saved);
		if (smaps_kb(0, (unsigned long)p, "ShmemPmdMapped:") <= 0) {
			m->status = 1;
			snprintf(m->text, sizeof(m->text), "no shmem THP was allocated");
		}
		break;
	case FILE_4K:
		len = 32 * PAGE;
		fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			break;
		p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED)
			break;
		for (size_t i = 0; i < len; i += 2 * PAGE)
			(void)*(volatile char *)(p + i);
		break;
	}
	if (p == MAP_FAILED && !m->status) {
		m->status = 1;
		snprintf(m->text, sizeof(m->text), "mapping failed: %s", strerror(errno));
	}
	m->start = (unsigned long)p;
	m->len = len;
}

/* Start the target; 0, or 1 with the reason to skip in @why. */
static int target_start(struct target *t, enum kind kind, char *why, size_t whylen)
{
	int down[2], up[2];
	struct ready_msg m = {};

	if (pipe(down) || pipe(up))
		return -1;
	t->pid = fork();
	if (t->pid < 0)
		return -1;
	if (t->pid == 0) {
		char c;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(down[1]);
		close(up[0]);
		build(kind, &m);
		if (write(up[1], &m, sizeof(m)) != sizeof(m))
			_exit(1);
		/* commands: 'c' collapse, then report again */
		while (read(down[0], &c, 1) == 1) {
			if (c == 'c')
				m.status = madvise((void *)m.start, m.len, MADV_HUGEPAGE) ||
						   madvise((void *)m.start, m.len, MADV_COLLAPSE) ?
						   1 :
						   0;
			snprintf(m.text, sizeof(m.text), "MADV_COLLAPSE: %s", strerror(errno));
			if (write(up[1], &m, sizeof(m)) != sizeof(m))
				_exit(1);
		}
		_exit(0);
	}
	close(down[0]);
	close(up[1]);
	t->to_child = down[1];
	t->from_child = up[0];
	if (read(t->from_child, &m, sizeof(m)) != sizeof(m))
		return -1;
	t->start = m.start;
	t->len = m.len;
	if (m.status) {
		snprintf(why, whylen, "%s", m.text);
		return 1;
	}
	return 0;
}

static int target_command(struct target *t, char c, char *why, size_t whylen)
{
	struct ready_msg m;

	if (write(t->to_child, &c, 1) != 1 || read(t->from_child, &m, sizeof(m)) != sizeof(m))
		return -1;
	if (m.status) {
		snprintf(why, whylen, "%s", m.text);
		return 1;
	}
	return 0;
}

static void target_stop(struct target *t)
{
	if (t->pid > 0) {
		kill(t->pid, SIGKILL);
		waitpid(t->pid, NULL, 0);
		close(t->to_child);
		close(t->from_child);
		t->pid = 0;
	}
}

/* ---- per-kind checks ------------------------------------------------------ */

FIXTURE(huge)
{
	int fd;
	struct target t;
	char saved_64k[64];
};

FIXTURE_VARIANT(huge)
{
	enum kind kind;
};

FIXTURE_VARIANT_ADD(huge, anon_4k) { .kind = ANON_4K };
FIXTURE_VARIANT_ADD(huge, thp) { .kind = THP };
FIXTURE_VARIANT_ADD(huge, thp_split) { .kind = THP_SPLIT };
FIXTURE_VARIANT_ADD(huge, huge_zero_page) { .kind = HUGE_ZERO };
FIXTURE_VARIANT_ADD(huge, mthp_64k) { .kind = MTHP_64K };
FIXTURE_VARIANT_ADD(huge, madv_collapse) { .kind = COLLAPSE };
FIXTURE_VARIANT_ADD(huge, thp_after_fork) { .kind = THP_AFTER_FORK };
FIXTURE_VARIANT_ADD(huge, hugetlb_2m) { .kind = HUGETLB_2M };
FIXTURE_VARIANT_ADD(huge, hugetlb_2m_shared) { .kind = HUGETLB_2M_SHARED };
FIXTURE_VARIANT_ADD(huge, hugetlb_1g) { .kind = HUGETLB_1G };
FIXTURE_VARIANT_ADD(huge, shmem_thp) { .kind = SHMEM_THP };
FIXTURE_VARIANT_ADD(huge, file_4k) { .kind = FILE_4K };
FIXTURE_VARIANT_ADD(huge, swapped) { .kind = SWAPPED };

#define MTHP_64K_ENABLED THP_SYS "/hugepages-64kB/enabled"

FIXTURE_SETUP(huge)
{
	char why[128] = "";
	int ret;

	self->t.pid = 0;
	self->saved_64k[0] = '\0';
	/* opened after the target starts: it must not inherit the descriptor */
	self->fd = open(VMI_CTL_PATH, O_RDONLY | O_CLOEXEC);
	if (self->fd < 0)
		SKIP(return, "vminspect module not loaded");
	close(self->fd);
	self->fd = -1;
	if (variant->kind == MTHP_64K) {
		char *sel;

		if (read_file(MTHP_64K_ENABLED, self->saved_64k, sizeof(self->saved_64k)) <= 0)
			SKIP(return, "no mTHP on this kernel (%s)", MTHP_64K_ENABLED);
		/* "always [inherit] madvise never": keep the bracketed one */
		sel = strchr(self->saved_64k, '[');
		if (sel) {
			memmove(self->saved_64k, sel + 1, strlen(sel));
			*strchrnul(self->saved_64k, ']') = '\0';
		}
		ASSERT_EQ(0, write_file(MTHP_64K_ENABLED, "always"));
	}
	ret = target_start(&self->t, variant->kind, why, sizeof(why));
	ASSERT_LE(0, ret);
	if (ret)
		SKIP(return, "%s", why);
	self->fd = open(VMI_CTL_PATH, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(huge)
{
	target_stop(&self->t);
	if (self->saved_64k[0])
		write_file(MTHP_64K_ENABLED, self->saved_64k);
	if (self->fd >= 0)
		close(self->fd);
}

/* A hugetlb VMA's mapped bytes, private and shared, as pagemap tells them. */
/*
 * Some kernels (6.12.117, 7.x) call a 1G hugetlb page that one process maps
 * once "shared" in pagemap and smaps alike: both ask hugetlb_pmd_shared()
 * of the PUD entry, whose table's share count means nothing there.  The
 * page's map count (/proc/kpagecount) is the witness then: 1 is private.
 */
static bool mapped_once_1g(const struct vmi_huge_vma *v, uint64_t pm_entry)
{
	uint64_t pfn = pm_entry & PM_PFN_MASK, count = 0;
	int fd;

	if (v->hugetlb_size < SZ_1G || !pfn)
		return false;
	fd = open("/proc/kpagecount", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (pread(fd, &count, sizeof(count), pfn * sizeof(count)) != sizeof(count))
		count = 0;
	close(fd);
	if (count == 1)
		ksft_print_msg("%#llx: pagemap calls a 1G page mapped once shared; kpagecount says 1\n",
			       (unsigned long long)v->start);
	return count == 1;
}

static int hugetlb_by_pagemap(pid_t pid, const struct vmi_huge_vma *v, long long *priv,
			      long long *shared)
{
	char path[64];
	unsigned long a;
	int pm;

	*priv = *shared = 0;
	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	pm = open(path, O_RDONLY | O_CLOEXEC);
	if (pm < 0)
		return -1;
	for (a = v->start; a < v->end; a += v->hugetlb_size) {
		uint64_t e = pagemap_get(pm, a);

		if (!(e & PM_PRESENT))
			continue;
		if (e & PM_MMAP_EXCLUSIVE || mapped_once_1g(v, e))
			*priv += v->hugetlb_size;
		else
			*shared += v->hugetlb_size;
	}
	close(pm);
	return 0;
}

/* Every VMA of the target against its smaps entry; the number of VMAs. */
static int check_against_smaps(struct __test_metadata *_metadata, int fd, pid_t pid)
{
	struct vmi_huge_arg a;
	struct vmi_huge_bytes sum = {};
	long long rollup_quirk = 0;
	int n, i, order;

	n = huge_query(fd, pid, vmas, MAX_VMAS, &a);
	EXPECT_LT(0, n);
	for (i = 0; i < n; i++) {
		const struct vmi_huge_vma *v = &vmas[i];
		const struct vmi_huge_bytes *b = &v->bytes;
		unsigned long s = v->start;
		unsigned long long ptes = 0;

		EXPECT_EQ(smaps_bytes(pid, s, "Rss"), (long long)b->rss) TH_LOG("%#lx %s", s, v->name);
		EXPECT_EQ(smaps_bytes(pid, s, "AnonHugePages"), (long long)b->thp_pmd_anon)
			TH_LOG("%#lx %s", s, v->name);
		EXPECT_EQ(smaps_bytes(pid, s, "ShmemPmdMapped"), (long long)b->thp_pmd_shmem)
			TH_LOG("%#lx %s", s, v->name);
		EXPECT_EQ(smaps_bytes(pid, s, "FilePmdMapped"), (long long)b->thp_pmd_file)
			TH_LOG("%#lx %s", s, v->name);
		if (v->hugetlb_size) {
			long long priv, shared, sm_priv, sm_shared;

			/* pagemap's exclusive bit is the second witness */
			ASSERT_EQ(0, hugetlb_by_pagemap(pid, v, &priv, &shared));
			EXPECT_EQ(priv, (long long)(b->hugetlb_pmd_private + b->hugetlb_pud_private));
			EXPECT_EQ(shared, (long long)(b->hugetlb_pmd_shared + b->hugetlb_pud_shared));
			sm_priv = smaps_bytes(pid, s, "Private_Hugetlb");
			sm_shared = smaps_bytes(pid, s, "Shared_Hugetlb");
			if (v->hugetlb_size >= SZ_1G && sm_shared == priv + shared && sm_priv == 0 &&
			    priv) {
				/* the same quirk in smaps (see mapped_once_1g()) */
				TH_LOG("%#lx: smaps says Shared_Hugetlb for a 1G page mapped once (pagemap or kpagecount: exclusive)",
				       s);
				rollup_quirk += priv;
			} else {
				EXPECT_EQ(sm_priv, priv) TH_LOG("%#lx %s", s, v->name);
				EXPECT_EQ(sm_shared, shared) TH_LOG("%#lx %s", s, v->name);
			}
		}
		EXPECT_EQ(smaps_bytes(pid, s, "Swap"), (long long)b->swap) TH_LOG("%#lx %s", s, v->name);
		/* the parts add up */
		EXPECT_EQ(b->rss, b->base + b->thp_pmd_anon + b->thp_pmd_shmem + b->thp_pmd_file +
					  b->thp_pte);
		for (order = 0; order < VMI_THP_ORDERS; order++)
			ptes += b->thp_pte_order[order];
		EXPECT_EQ(b->thp_pte, ptes);
		EXPECT_EQ(0, b->thp_pte_order[0]);
		EXPECT_LE(b->tlb_best, b->tlb_now);
		if (i)
			EXPECT_LE(vmas[i - 1].end, v->start);
		sum.rss += b->rss;
		sum.thp_pmd_anon += b->thp_pmd_anon;
		sum.thp_pmd_shmem += b->thp_pmd_shmem;
		sum.thp_pmd_file += b->thp_pmd_file;
		sum.hugetlb_pmd_private += b->hugetlb_pmd_private + b->hugetlb_pud_private;
		sum.hugetlb_pmd_shared += b->hugetlb_pmd_shared + b->hugetlb_pud_shared;
		sum.swap += b->swap;
		sum.tlb_now += b->tlb_now;
	}
	/* the totals are the sum of the VMAs, and what smaps_rollup says */
	EXPECT_EQ(sum.rss, a.total.rss);
	EXPECT_EQ(sum.tlb_now, a.total.tlb_now);
	EXPECT_EQ(rollup_bytes(pid, "Rss"), (long long)a.total.rss);
	EXPECT_EQ(rollup_bytes(pid, "AnonHugePages"), (long long)sum.thp_pmd_anon);
	EXPECT_EQ(rollup_bytes(pid, "ShmemPmdMapped"), (long long)sum.thp_pmd_shmem);
	EXPECT_EQ(rollup_bytes(pid, "FilePmdMapped"), (long long)sum.thp_pmd_file);
	EXPECT_EQ(rollup_bytes(pid, "Private_Hugetlb"),
		  (long long)sum.hugetlb_pmd_private - rollup_quirk);
	EXPECT_EQ(rollup_bytes(pid, "Shared_Hugetlb"),
		  (long long)sum.hugetlb_pmd_shared + rollup_quirk);
	EXPECT_EQ(rollup_bytes(pid, "Swap"), (long long)sum.swap);
	return n;
}

/* Bytes of [start, start + len) of @pid on large folios, by kpageflags. */
static long long kpf_thp_bytes(pid_t pid, unsigned long start, unsigned long len)
{
	char path[64];
	long long bytes = 0;
	unsigned long a;
	int pm, kpf;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	pm = open(path, O_RDONLY | O_CLOEXEC);
	kpf = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	if (pm < 0 || kpf < 0)
		return -1;
	for (a = start; a < start + len; a += PAGE) {
		uint64_t e = pagemap_get(pm, a);

		if ((e & PM_PRESENT) && (e & PM_PFN_MASK) &&
		    (kpageflags_get(kpf, e & PM_PFN_MASK) & (1ULL << KPF_THP)))
			bytes += PAGE;
	}
	close(pm);
	close(kpf);
	return bytes;
}

TEST_F_TIMEOUT(huge, agrees_with_smaps, VMI_TEST_TIMEOUT)
{
	const struct vmi_huge_vma *v;
	int n;

	n = check_against_smaps(_metadata, self->fd, self->t.pid);
	v = vma_at(n, self->t.start);
	ASSERT_NE(NULL, v);
	EXPECT_EQ(0, v->hflags & VMI_HV_SPECIAL);

	switch (variant->kind) {
	case ANON_4K:
		EXPECT_EQ(32 * PAGE, v->bytes.base);
		EXPECT_EQ(32 * PAGE, v->bytes.rss);
		/* 32 pages and the zero page; at best 1 block, or small pages */
		EXPECT_EQ(33, v->bytes.tlb_now);
		EXPECT_NE(0, v->vma_flags & VMI_VMA_NOHUGEPAGE);
		break;
	case THP:
	case THP_AFTER_FORK:
		EXPECT_EQ(self->t.len, v->bytes.thp_pmd_anon);
		EXPECT_EQ(0, v->bytes.base);
		EXPECT_EQ(2, v->bytes.tlb_now);
		EXPECT_EQ(2, v->bytes.tlb_best);
		EXPECT_EQ(self->t.start, v->span_2m_start);
		EXPECT_EQ(self->t.start + self->t.len, v->span_2m_end);
		EXPECT_NE(0, v->vma_flags & VMI_VMA_HUGEPAGE);
		EXPECT_NE(0, v->hflags & VMI_HV_THP_CAPABLE);
		break;
	case THP_SPLIT: {
		/* the VMA ends at the hole: one whole THP, 17 pages of the other */
		const struct vmi_huge_vma *w;

		EXPECT_EQ(SZ_2M, v->bytes.thp_pmd_anon);
		EXPECT_EQ(17 * PAGE, v->bytes.thp_pte);
		EXPECT_EQ(kpf_thp_bytes(self->t.pid, v->start + SZ_2M, 17 * PAGE),
			  (long long)v->bytes.thp_pte);
		EXPECT_EQ(1 + 17, v->bytes.tlb_now);
		EXPECT_EQ(1 + 17, v->bytes.tlb_best); /* the tail is not 2M-aligned */
		w = vma_at(n, self->t.start + SZ_2M + 18 * PAGE);
		ASSERT_NE(NULL, w);
		EXPECT_EQ(0, w->bytes.thp_pmd_anon);
		EXPECT_EQ(SZ_2M - 18 * PAGE, w->bytes.thp_pte);
		EXPECT_EQ(kpf_thp_bytes(self->t.pid, w->start, w->end - w->start),
			  (long long)w->bytes.thp_pte);
		break;
	}
	case HUGE_ZERO:
		/* mapped, but nobody's memory: smaps counts nothing either */
		EXPECT_EQ(0, v->bytes.rss);
		EXPECT_EQ(0, v->bytes.thp_pmd_anon);
		EXPECT_EQ(2, v->bytes.tlb_now);
		break;
	case MTHP_64K:
		EXPECT_EQ(self->t.len, v->bytes.thp_pte + v->bytes.base);
		EXPECT_EQ(kpf_thp_bytes(self->t.pid, v->start, v->end - v->start),
			  (long long)v->bytes.thp_pte);
		if (!v->bytes.thp_pte)
			SKIP(return, "no 64 KiB folio was allocated");
		EXPECT_EQ(v->bytes.thp_pte, v->bytes.thp_pte_order[4]);
		EXPECT_EQ(0, v->span_2m_end - v->span_2m_start);
		break;
	case COLLAPSE: {
		char why[128];
		int ret;

		EXPECT_EQ(SZ_2M, v->bytes.base);
		EXPECT_EQ(512, v->bytes.tlb_now);
		EXPECT_EQ(1, v->bytes.tlb_best);
		ret = target_command(&self->t, 'c', why, sizeof(why));
		ASSERT_LE(0, ret);
		if (ret)
			SKIP(return, "%s", why);
		n = check_against_smaps(_metadata, self->fd, self->t.pid);
		v = vma_at(n, self->t.start);
		ASSERT_NE(NULL, v);
		EXPECT_EQ(SZ_2M, v->bytes.thp_pmd_anon);
		EXPECT_EQ(0, v->bytes.base);
		EXPECT_EQ(1, v->bytes.tlb_now);
		break;
	}
	case HUGETLB_2M:
		EXPECT_EQ(2 * SZ_2M, v->bytes.hugetlb_pmd_private);
		EXPECT_EQ(SZ_2M, v->hugetlb_size);
		EXPECT_EQ(0, v->bytes.rss);
		EXPECT_EQ(2, v->bytes.tlb_now);
		break;
	case HUGETLB_2M_SHARED:
		EXPECT_EQ(2 * SZ_2M, v->bytes.hugetlb_pmd_shared);
		EXPECT_EQ(0, v->bytes.hugetlb_pmd_private);
		break;
	case HUGETLB_1G:
		EXPECT_EQ(SZ_1G, v->bytes.hugetlb_pud_private);
		EXPECT_EQ(SZ_1G, v->hugetlb_size);
		EXPECT_EQ(1, v->bytes.tlb_now);
		break;
	case SHMEM_THP:
		EXPECT_EQ(self->t.len, v->bytes.thp_pmd_shmem);
		EXPECT_NE(0, v->hflags & VMI_HV_SHMEM);
		break;
	case FILE_4K:
		/* read one page of two; fault-around may map the others */
		EXPECT_LE(16 * PAGE, v->bytes.rss);
		EXPECT_EQ(v->bytes.rss, v->bytes.base + v->bytes.thp_pte);
		EXPECT_NE(0, v->vma_flags & VMI_VMA_FILE);
		break;
	case SWAPPED:
		if (!v->bytes.swap)
			SKIP(return, "nothing was swapped out (no swap?)");
		EXPECT_EQ(32 * PAGE, v->bytes.swap + v->bytes.rss);
		break;
	}
}

/* Totals alone (no vector) are the same as with the VMAs. */
TEST_F_TIMEOUT(huge, totals_alone, VMI_TEST_TIMEOUT)
{
	struct vmi_huge_arg with, alone = {
		.size = sizeof(alone),
		.pid = self->t.pid,
		.end = 1UL << 47,
	};

	ASSERT_LT(0, huge_query(self->fd, self->t.pid, vmas, MAX_VMAS, &with));
	if (probe_pgtable_levels() == 5)
		alone.end = 1UL << 56;
	ASSERT_EQ(0, ioctl(self->fd, VMI_IOC_HUGE, &alone));
	EXPECT_EQ(0, alone.nr_vmas);
	EXPECT_EQ(alone.end, alone.walk_end);
	EXPECT_EQ(0, memcmp(&with.total, &alone.total, sizeof(alone.total)));
}

/* A vector of one VMA at a time: resume at walk_end adds up the same. */
TEST_F_TIMEOUT(huge, resume_one_by_one, VMI_TEST_TIMEOUT)
{
	struct vmi_huge_arg all, a = {
		.size = sizeof(a),
		.pid = self->t.pid,
		.end = 1UL << 47,
		.vec_len = 1,
		.vma_size = sizeof(vmas[0]),
	};
	unsigned long long rss = 0;
	int n, i = 0;

	n = huge_query(self->fd, self->t.pid, vmas, MAX_VMAS, &all);
	ASSERT_LT(0, n);
	if (probe_pgtable_levels() == 5)
		a.end = 1UL << 56;
	while (a.start < a.end && i <= n) {
		struct vmi_huge_vma one;

		a.vec = (uintptr_t)&one;
		ASSERT_EQ(0, ioctl(self->fd, VMI_IOC_HUGE, &a));
		if (!a.nr_vmas)
			break;
		EXPECT_EQ(vmas[i].start, one.start);
		rss += a.total.rss;
		i++;
		a.start = a.walk_end;
	}
	EXPECT_EQ(n, i);
	EXPECT_EQ(all.total.rss, rss);
}

/* ---- system-wide ------------------------------------------------------- */

/*
 * The module has no system-wide command: the library reads the kernel's
 * own files (vmi_huge_sys_read()).  Its figures are checked here against
 * the same files read independently, and the module against pinning
 * anything of the first caller's.
 */

FIXTURE(sys)
{
	int fd;
};

FIXTURE_SETUP(sys)
{
	self->fd = open(VMI_CTL_PATH, O_RDONLY | O_CLOEXEC);
	if (self->fd < 0)
		SKIP(return, "vminspect module not loaded");
}

FIXTURE_TEARDOWN(sys)
{
	if (self->fd >= 0)
		close(self->fd);
}

#define MAX_NODES 64

static struct vmi_huge_node nodes[MAX_NODES];

static long long pool_file(unsigned long long size, const char *file)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/hugepages-%llukB/%s", size >> 10,
		 file);
	return read_num(path);
}

static long long node_pool_file(unsigned int node, unsigned long long size, const char *file)
{
	char path[160];

	snprintf(path, sizeof(path),
		 "/sys/devices/system/node/node%u/hugepages/hugepages-%llukB/%s", node,
		 size >> 10, file);
	return read_num(path);
}

#define POOL_2M "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"

/*
 * Every pool and every node's share of it as sysfs has them.  The pools
 * stand still while this runs: the tests run one at a time, and none
 * keeps hugetlb pages past its end.
 */
static void check_pools(struct __test_metadata *_metadata)
{
	struct vmi_huge_sys s;
	unsigned int i, n, found = 0;

	ASSERT_EQ(0, vmi_huge_sys_read(NULL, &s, nodes, MAX_NODES));
	ASSERT_LE(1, s.nr_nodes);
	for (i = 0; i < s.nr_pools; i++) {
		const struct vmi_hugetlb_pool *p = &s.pools[i];
		long long node_total = 0, node_free = 0;

		EXPECT_EQ(pool_file(p->page_size, "nr_hugepages"), (long long)p->total);
		EXPECT_EQ(pool_file(p->page_size, "free_hugepages"), (long long)p->free);
		EXPECT_EQ(pool_file(p->page_size, "resv_hugepages"), (long long)p->reserved);
		EXPECT_EQ(pool_file(p->page_size, "surplus_hugepages"), (long long)p->surplus);
		for (n = 0; n < s.nr_nodes && n < MAX_NODES; n++) {
			long long t = node_pool_file(nodes[n].node, p->page_size, "nr_hugepages");

			if (t >= 0) {
				EXPECT_EQ(t, (long long)nodes[n].pool_total[i]);
				EXPECT_EQ(node_pool_file(nodes[n].node, p->page_size,
							 "free_hugepages"),
					  (long long)nodes[n].pool_free[i]);
			}
			node_total += nodes[n].pool_total[i];
			node_free += nodes[n].pool_free[i];
		}
		EXPECT_EQ((long long)p->total, node_total);
		EXPECT_EQ((long long)p->free, node_free);
		if (p->page_size == SZ_2M) {
			found++;
			EXPECT_EQ(proc_field("/proc/meminfo", "HugePages_Total"),
				  (long long)p->total);
		}
		if (i)
			EXPECT_LT(s.pools[i - 1].page_size, p->page_size);
	}
	/* the guest boots with both pools */
	EXPECT_EQ(1, found);
}

TEST_F_TIMEOUT(sys, pools_agree_with_sysfs, VMI_TEST_TIMEOUT)
{
	check_pools(_metadata);
}

/* The 2 MiB pool resized at run time, from empty and back: at once. */
TEST_F_TIMEOUT(sys, pool_resize_from_zero, VMI_TEST_TIMEOUT)
{
	static const int sizes[] = { 0, 8, 0, 3, 16 };
	long long before = pool_file(SZ_2M, "nr_hugepages");
	struct vmi_huge_sys s;
	unsigned int k, i;
	char buf[32];

	if (before < 0)
		SKIP(return, "no 2 MiB hugetlb pool");
	for (k = 0; k < ARRAY_SIZE(sizes); k++) {
		snprintf(buf, sizeof(buf), "%d", sizes[k]);
		ASSERT_EQ(0, write_file(POOL_2M, buf));
		check_pools(_metadata);
		ASSERT_EQ(0, vmi_huge_sys_read(NULL, &s, NULL, 0));
		for (i = 0; i < s.nr_pools && s.pools[i].page_size != SZ_2M; i++)
			;
		ASSERT_LT(i, s.nr_pools);
		/* the pool may come out smaller than asked, never larger */
		EXPECT_GE(sizes[k], (long long)s.pools[i].total);
		if (!sizes[k])
			EXPECT_EQ(0, s.pools[i].total);
	}
	snprintf(buf, sizeof(buf), "%lld", before);
	ASSERT_EQ(0, write_file(POOL_2M, buf));
	check_pools(_metadata);
}

/* Bytes and counters between two readings of meminfo and vmstat. */
TEST_F_TIMEOUT(sys, meminfo_and_vmstat, VMI_TEST_TIMEOUT)
{
	static const struct {
		const char *meminfo;
		size_t off;
	} bytes[] = {
		{ "AnonHugePages", offsetof(struct vmi_huge_sys, anon_thp) },
		{ "ShmemHugePages", offsetof(struct vmi_huge_sys, shmem_thp) },
		{ "ShmemPmdMapped", offsetof(struct vmi_huge_sys, shmem_pmd_mapped) },
		{ "FileHugePages", offsetof(struct vmi_huge_sys, file_thp) },
		{ "FilePmdMapped", offsetof(struct vmi_huge_sys, file_pmd_mapped) },
	};
	long long lo[5], hi[5], elo[VMI_EV_NR], ehi[VMI_EV_NR];
	struct vmi_huge_sys a;
	unsigned int i, named = 0;

	for (i = 0; i < 5; i++)
		lo[i] = proc_field("/proc/meminfo", bytes[i].meminfo);
	for (i = 0; i < VMI_EV_NR; i++)
		elo[i] = vmi_huge_event_name(i) ?
				 proc_field("/proc/vmstat", vmi_huge_event_name(i)) : -1;
	ASSERT_EQ(0, vmi_huge_sys_read(NULL, &a, NULL, 0));
	for (i = 0; i < 5; i++)
		hi[i] = proc_field("/proc/meminfo", bytes[i].meminfo);
	for (i = 0; i < VMI_EV_NR; i++)
		ehi[i] = vmi_huge_event_name(i) ?
				 proc_field("/proc/vmstat", vmi_huge_event_name(i)) : -1;

	for (i = 0; i < 5; i++) {
		long long v = *(uint64_t *)((char *)&a + bytes[i].off);

		if (lo[i] < 0) {
			EXPECT_EQ(0, v) TH_LOG("%s", bytes[i].meminfo);
			continue;
		}
		EXPECT_LE(lo[i] < hi[i] ? lo[i] : hi[i], v) TH_LOG("%s", bytes[i].meminfo);
		EXPECT_GE(lo[i] > hi[i] ? lo[i] : hi[i], v) TH_LOG("%s", bytes[i].meminfo);
	}
	for (i = 0; i < VMI_EV_NR; i++) {
		if (elo[i] < 0) {
			EXPECT_EQ(0, a.events[i]) TH_LOG("event %u", i);
			continue;
		}
		named++;
		EXPECT_LE(elo[i], (long long)a.events[i]) TH_LOG("%s", vmi_huge_event_name(i));
		EXPECT_GE(ehi[i], (long long)a.events[i]) TH_LOG("%s", vmi_huge_event_name(i));
	}
	/* a THP kernel has them all (Debian's: THP, hugetlb, compaction) */
	EXPECT_EQ(15, named);
}

/* Free blocks per zone and order, and managed pages, as the kernel has them. */
TEST_F_TIMEOUT(sys, free_blocks_agree_with_buddyinfo, VMI_TEST_TIMEOUT)
{
	struct vmi_huge_sys a;
	char line[512], zone[32];
	unsigned int checked = 0, managed = 0, node, z, order;
	long long v;
	FILE *f;
	int off;

	ASSERT_EQ(0, vmi_huge_sys_read(NULL, &a, nodes, MAX_NODES));
	f = fopen("/proc/buddyinfo", "re");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %u, zone %31s%n", &node, zone, &off) != 2)
			continue;
		ASSERT_LT(node, MAX_NODES);
		for (z = 0; z < nodes[node].nr_zones; z++) {
			char *p = line + off;

			if (strcmp(nodes[node].zones[z].name, zone))
				continue;
			for (order = 0; order < VMI_THP_ORDERS; order++) {
				char *end;

				v = strtoll(p, &end, 10);
				if (end == p)
					break;
				p = end;
				/* large blocks move slowly; small ones do not */
				if (order >= 9)
					EXPECT_GE(4, llabs(v - (long long)nodes[node].zones[z].free[order]))
						TH_LOG("node %u %s order %u", node, zone, order);
			}
			checked++;
		}
	}
	fclose(f);
	EXPECT_LE(1, checked);
	/* managed pages: "Node N, zone NAME" ... "managed N" in zoneinfo */
	f = fopen("/proc/zoneinfo", "re");
	ASSERT_NE(NULL, f);
	node = ~0U;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %u, zone %31s", &node, zone) == 2)
			continue;
		if (node >= MAX_NODES || sscanf(line, " managed %lld", &v) != 1)
			continue;
		for (z = 0; z < nodes[node].nr_zones; z++)
			if (!strcmp(nodes[node].zones[z].name, zone)) {
				/* the balloon and hotplug alone move it */
				EXPECT_EQ(v, (long long)nodes[node].zones[z].managed) TH_LOG("%s", zone);
				managed++;
			}
	}
	fclose(f);
	EXPECT_EQ(checked, managed);
}

/*
 * The ABI has no system-wide command: its number (0x06) is unknown
 * (ENOTTY), and /proc/vminspect/hugepages does not exist.
 */
#define RETIRED_HUGE_SYS _IOWR(VMI_IOC_MAGIC, 0x06, char[384])

TEST_F_TIMEOUT(sys, no_system_wide_command, VMI_TEST_TIMEOUT)
{
	__u64 arg[48] = { sizeof(arg) };

	EXPECT_EQ(-1, ioctl(self->fd, RETIRED_HUGE_SYS, arg));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, access(VMI_PROC_DIR "/hugepages", F_OK));
	EXPECT_EQ(ENOENT, errno);
}

/*
 * An unprivileged caller in a user namespace of its own, the first after a
 * load to ask for the system-wide figures, takes nothing away from anybody
 * and leaves nothing behind: the pools are still there for root (hugetlbfs
 * refuses mounts from such a namespace, so a module that mounted it on its
 * first caller's behalf would have none), and the namespace goes away with
 * it.  The latter is seen through the per-user limit on user namespaces: at
 * 1, a second one can be made only once the first is gone.
 */
#define MAX_USERNS "/proc/sys/user/max_user_namespaces"

/* unload and load the module: what the tests before did is forgotten */
static int reload_module(void)
{
	struct utsname u;
	char path[320];
	int fd = -1, i, ret = 0;

	if (uname(&u))
		return -errno;
	snprintf(path, sizeof(path), "build/%s/vminspect.ko", u.release);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(path, sizeof(path), "../build/%s/vminspect.ko", u.release);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0)
		return -ENOENT;
	for (i = 0; i < 500; i++) {
		if (!syscall(SYS_delete_module, "vminspect", O_NONBLOCK) || errno == ENOENT)
			break;
		usleep(10000);
	}
	if (syscall(SYS_finit_module, fd, "", 0))
		ret = -errno;
	close(fd);
	return ret;
}

static int userns_first_caller(void *arg)
{
	__u64 buf[48] = { sizeof(buf) };
	int fd;

	if (unshare(CLONE_NEWUSER))
		return 20;
	/* the limit holds: no second namespace while this one lives */
	if (!unshare(CLONE_NEWUSER) || errno != ENOSPC)
		return 21;
	fd = open(VMI_CTL_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 22;
	/* what the module answers does not matter, what it keeps does */
	ioctl(fd, RETIRED_HUGE_SYS, buf);
	close(fd);
	return 0;
}

static int userns_again(void *arg)
{
	int i;

	/* the first namespace is freed from a work item: give it time */
	for (i = 0; i < 100; i++) {
		if (!unshare(CLONE_NEWUSER))
			return 0;
		if (errno != ENOSPC)
			return 30;
		usleep(50000);
	}
	return 31;
}

/*
 * What command 0x06 answers root: ENOTTY, or (ABI 1) a struct whose
 * nr_pools, at byte 44, must count every pool sysfs has.
 */
static void check_retired_command(struct __test_metadata *_metadata)
{
	__u64 arg[48] = { sizeof(arg) };
	struct vmi_huge_sys s;
	__u32 nr_pools;
	int fd;

	ASSERT_EQ(0, vmi_huge_sys_read(NULL, &s, NULL, 0));
	ASSERT_LE(1, s.nr_pools) TH_LOG("the guest boots with hugetlb pools");
	fd = open(VMI_CTL_PATH, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	if (ioctl(fd, RETIRED_HUGE_SYS, arg)) {
		EXPECT_EQ(ENOTTY, errno);
	} else {
		memcpy(&nr_pools, (char *)arg + 44, sizeof(nr_pools));
		EXPECT_EQ(s.nr_pools, nr_pools) TH_LOG("pools lost to the first caller");
	}
	close(fd);
}

TEST(unprivileged_first_caller)
{
	long long max = read_num(MAX_USERNS);
	char buf[32];
	int ret;

	if (geteuid())
		SKIP(return, "needs root");
	if (max < 1)
		SKIP(return, "no %s", MAX_USERNS);
	ret = reload_module();
	if (ret == -ENOENT)
		SKIP(return, "no build/$(uname -r)/vminspect.ko to reload");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, write_file(MAX_USERNS, "1"));
	ret = run_unprivileged(userns_first_caller, NULL);
	if (ret == 20) {
		snprintf(buf, sizeof(buf), "%lld", max);
		write_file(MAX_USERNS, buf);
		SKIP(return, "unprivileged user namespaces are off");
	}
	EXPECT_EQ(0, ret);
	EXPECT_EQ(0, run_unprivileged(userns_again, NULL));
	snprintf(buf, sizeof(buf), "%lld", max);
	ASSERT_EQ(0, write_file(MAX_USERNS, buf));
	check_retired_command(_metadata);
	check_pools(_metadata);
}

/* ---- errors and permissions ------------------------------------------- */

TEST_F_TIMEOUT(sys, bad_input, VMI_TEST_TIMEOUT)
{
	struct vmi_huge_vma v;
	struct {
		struct vmi_huge_arg a;
		__u64 extra;
	} big = { .a = { .size = sizeof(big), .end = 1UL << 30 }, .extra = 1 };
	struct vmi_huge_arg a = { .size = sizeof(a), .end = 1UL << 30 };

	a.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, VMI_IOC_HUGE, &a));
	EXPECT_EQ(EINVAL, errno);
	a.flags = 0;
	a.vec = (uintptr_t)&v; /* a vector of no element */
	EXPECT_EQ(-1, ioctl(self->fd, VMI_IOC_HUGE, &a));
	EXPECT_EQ(EINVAL, errno);
	a.vec_len = 1;
	a.vma_size = 8; /* smaller than any published record */
	EXPECT_EQ(-1, ioctl(self->fd, VMI_IOC_HUGE, &a));
	EXPECT_EQ(EINVAL, errno);
	a.vma_size = sizeof(v);
	a.start = 4095; /* not aligned */
	EXPECT_EQ(-1, ioctl(self->fd, VMI_IOC_HUGE, &a));
	EXPECT_EQ(EINVAL, errno);
	a.start = 0;
	a.end = 1UL << 47; /* VMAs to write out */
	a.vec = 8; /* unmapped */
	EXPECT_EQ(-1, ioctl(self->fd, VMI_IOC_HUGE, &a));
	EXPECT_EQ(EFAULT, errno);
	a.vec = (uintptr_t)&v;
	a.pid = 0x7fffffff;
	EXPECT_EQ(-1, ioctl(self->fd, VMI_IOC_HUGE, &a));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(-1, ioctl(self->fd, VMI_IOC_HUGE, &big));
	EXPECT_EQ(E2BIG, errno);
	a.size = VMI_HUGE_SIZE_VER0 - 8;
	a.pid = 0;
	EXPECT_EQ(-1, ioctl(self->fd, VMI_IOC_HUGE, &a));
	EXPECT_EQ(EINVAL, errno);
}

static int unprivileged_huge(void *arg)
{
	pid_t other = *(pid_t *)arg;
	struct vmi_huge_arg a = { .size = sizeof(a), .end = 1UL << 47 };
	struct vmi_huge_sys s;
	char *p;
	int fd;

	fd = open(VMI_CTL_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 10;
	p = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 11;
	touch(p, 16 * PAGE);
	/* its own process: yes */
	if (ioctl(fd, VMI_IOC_HUGE, &a) || a.total.rss < 16 * PAGE)
		return 12;
	/* another's: no */
	a.pid = other;
	if (!ioctl(fd, VMI_IOC_HUGE, &a) || errno != EPERM)
		return 13;
	/* the system view: files every user may read */
	if (vmi_huge_sys_read(NULL, &s, nodes, MAX_NODES) || !s.nr_pools ||
	    !nodes[0].nr_zones)
		return 14;
	return 0;
}

TEST_F_TIMEOUT(sys, unprivileged, VMI_TEST_TIMEOUT)
{
	pid_t me = getpid();

	EXPECT_EQ(0, run_unprivileged(unprivileged_huge, &me));
}

TEST_HARNESS_MAIN
