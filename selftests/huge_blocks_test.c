// SPDX-License-Identifier: GPL-2.0
/*
 * vminspect huge pages block by block (VMI_IOC_HUGE_BLOCKS and the
 * library's verdicts), proved against the kernel's own collapse.
 *
 * verdict.*: a fixture builds one verdict on purpose in a 2 MiB block and
 * the block's verdict must be exactly that one.  khugepaged is fenced off
 * meanwhile (a scan sleep of an hour, one page per scan), and its
 * pages_collapsed counter must not move between building and reading.
 *
 * predict.*: over more than 1024 blocks of mixed states, each block's
 * prediction is held against what the kernel then did: MADV_COLLAPSE
 * block by block, and, on a second copy of the blocks, khugepaged with
 * scan_sleep_millisecs 0 until two full scans have passed.  Both must
 * reach a precision and a recall of 0.95; the confusion matrices are
 * printed, and so are the facts of every block mispredicted.
 *
 * Every THP setting a test changes is restored by its teardown.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/vminspect.h>

#include "kselftest_harness.h"
#include "vmi_util.h"
#include "../tools/lib/vminspect.h"

#define PTES	 512
#define THP_DIR	 "/sys/kernel/mm/transparent_hugepage"
#define KHP_DIR	 THP_DIR "/khugepaged"
#define KSM_DIR	 "/sys/kernel/mm/ksm"
#define MAX_RECS 4096

/*
 * Blocks the predictions are judged over: more than 1024; in the debug
 * kernel's lane (selftests/run.sh --lane debug sets VMI_LANE), where the
 * point is the module's code under KASAN and lockdep rather than the
 * statistics, 110 (ten of each state), which keep the run to minutes.
 */
static size_t min_blocks(void)
{
	const char *lane = getenv("VMI_LANE");

	return lane && !strcmp(lane, "debug") ? 110 : 1024;
}

/* ---- THP settings: saved, changed, restored ---- */

static const char *const knobs[] = {
	THP_DIR "/enabled",
	THP_DIR "/defrag",
	KHP_DIR "/pages_to_scan",
	KHP_DIR "/scan_sleep_millisecs",
	KHP_DIR "/alloc_sleep_millisecs",
	KHP_DIR "/max_ptes_none",
	KHP_DIR "/max_ptes_swap",
	KHP_DIR "/max_ptes_shared",
	KSM_DIR "/pages_to_scan",
	KSM_DIR "/sleep_millisecs",
	KSM_DIR "/run",
	"/proc/sys/vm/compaction_proactiveness",
};

#define NR_KNOBS (sizeof(knobs) / sizeof(knobs[0]))

struct saved {
	char val[NR_KNOBS][64];
	bool have[NR_KNOBS];
};

/* The value of a knob as it can be written back ("[always] madvise" -> always). */
static int knob_read(const char *path, char *buf, size_t len)
{
	char raw[256], *a, *b;

	if (read_file(path, raw, sizeof(raw)) <= 0)
		return -1;
	a = strchr(raw, '[');
	b = a ? strchr(a, ']') : NULL;
	if (a && b) {
		*b = '\0';
		snprintf(buf, len, "%.63s", a + 1);
	} else {
		raw[strcspn(raw, "\n")] = '\0';
		snprintf(buf, len, "%.63s", raw);
	}
	return 0;
}

static void knobs_save(struct saved *s)
{
	size_t i;

	for (i = 0; i < NR_KNOBS; i++)
		s->have[i] = !knob_read(knobs[i], s->val[i], sizeof(s->val[i]));
}

static void knobs_restore(const struct saved *s)
{
	size_t i;

	for (i = 0; i < NR_KNOBS; i++)
		if (s->have[i])
			write_file(knobs[i], s->val[i]);
}

static long knob_num(const char *name)
{
	char path[256], buf[64];

	snprintf(path, sizeof(path), KHP_DIR "/%s", name);
	if (knob_read(path, buf, sizeof(buf)))
		return -1;
	return strtol(buf, NULL, 10);
}

static int knob_set(const char *name, const char *v)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s",
		 strchr(name, '/') ? THP_DIR : KHP_DIR,
		 strchr(name, '/') ? strchr(name, '/') + 1 : name);
	return write_file(path, v);
}

/*
 * Keep khugepaged away: a scan at most once an hour, of one page.  Writing
 * the sleep wakes it for one scan with the old settings: give that scan
 * time to end.
 */
static int khugepaged_fence(void)
{
	if (knob_set("pages_to_scan", "1") ||
	    knob_set("scan_sleep_millisecs", "3600000") ||
	    knob_set("alloc_sleep_millisecs", "3600000"))
		return -1;
	usleep(1000 * 1000);
	return 0;
}

/* The test's own limits, so that each of them can be crossed on purpose. */
static int limits_set(void)
{
	return knob_set("thp/enabled", "madvise") ||
	       knob_set("max_ptes_none", "256") ||
	       knob_set("max_ptes_swap", "64") ||
	       knob_set("max_ptes_shared", "256");
}

/* ---- the module and the library ---- */

/* The blocks of [start, end); the process's and kernel's flags in *p. */
static int blocks_query(int fd, pid_t pid, unsigned long start,
			unsigned long end, struct vmi_huge_block *vec,
			size_t max, struct vmi_block_policy *p)
{
	size_t n = 0;

	while (start < end) {
		struct vmi_huge_blocks_arg a = {
			.size = sizeof(a),
			.pid = pid,
			.start = start,
			.end = end,
			.vec = (uintptr_t)(vec + n),
			.vec_len = max - n,
			.block_size = sizeof(*vec),
		};

		if (n == max)
			return -E2BIG;
		if (ioctl(fd, VMI_IOC_HUGE_BLOCKS, &a))
			return -errno;
		if (a.next <= start || a.next > end)
			return -EPROTO;
		n += a.nr_blocks;
		start = a.next;
		if (p) {
			p->mm_flags = a.mm_flags;
			p->kflags = a.kflags;
		}
	}
	return (int)n;
}

/* A block's facts on one line, for a miss to be explained. */
static void facts(const char *what, const struct vmi_huge_block *b,
		  const struct vmi_block_verdict *v)
{
	char fl[256] = "";
	unsigned int i;

	for (i = 0; i < 32; i++)
		if (b->flags & (1U << i)) {
			strncat(fl, vmi_huge_block_flag_name(i) ?: "?",
				sizeof(fl) - strlen(fl) - 2);
			strcat(fl, ",");
		}
	ksft_print_msg("%s 0x%llx-0x%llx verdict %s madv_collapse %d khugepaged %d flags %s vma_flags 0x%x present %u none %u swap %u shared %u pinned %u young %u uffd_wp %u other %u order %u\n",
		       what, (unsigned long long)b->start,
		       (unsigned long long)b->end,
		       vmi_huge_block_verdict_name(v->verdict),
		       v->madv_collapse, v->khugepaged, fl, b->vma_flags,
		       b->present, b->none, b->swap, b->shared, b->pinned,
		       b->young, b->uffd_wp, b->other, b->order);
}

/*
 * 2 MiB-aligned anonymous memory of n blocks, with a PROT_NONE guard block
 * either side that keeps neighbours from merging with it; unmap
 * [a - 2 MiB, a + (n + 1) * 2 MiB).
 */
static char *map_blocks(size_t n)
{
	size_t len = (n + 3) * SZ_2M;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *a, *end;

	if (p == MAP_FAILED)
		return NULL;
	a = (char *)(((uintptr_t)p + 2 * SZ_2M - 1) & ~(SZ_2M - 1));
	end = a + (n + 1) * SZ_2M;
	if (a - SZ_2M > p)
		munmap(p, a - SZ_2M - p);
	if (p + len > end)
		munmap(end, p + len - end);
	mprotect(a - SZ_2M, SZ_2M, PROT_NONE);
	mprotect(a + n * SZ_2M, SZ_2M, PROT_NONE);
	return a;
}

static void touch(char *p, unsigned int pages)
{
	unsigned int i;

	for (i = 0; i < pages; i++)
		p[i * PAGE] = 1;
}

static bool swap_on(void)
{
	char buf[4096];

	/* a header line, then one per swap area */
	return read_file("/proc/swaps", buf, sizeof(buf)) > 0 &&
	       strchr(buf, '\n') && strchr(buf, '\n')[1];
}

/* ---- verdict: one block each, built on purpose ---- */

enum kind {
	K_PMD_MAPPED,
	K_PTE_MAPPED_LARGE,
	K_HUGETLB,
	K_PARTIAL,
	K_NOHUGEPAGE,
	K_PRCTL,
	K_POLICY,
	K_NOT_PRESENT,
	K_TOO_FEW,
	K_SWAP,
	K_SHARED,
	K_KSM,
	K_PINNED,
	K_UFFD_WP,
	K_READ_ONLY,
	K_FILE,
	K_NO_FREE,
	K_PENDING,
	K_COLLAPSIBLE,
};

struct built {
	int fd;	    /* /proc/vminspect/ctl */
	char *addr; /* the block */
	size_t len; /* what to unmap */
	char *unmap;
	pid_t child; /* a child to end (fork sharing) */
	int fds[2];  /* a pipe holding pins */
	int uffd;
	int file;
	char *frag; /* the pages that fragment memory */
	size_t frag_len;
	long frag_base; /* free 2 MiB blocks before they did */
	const char *skip;
};

FIXTURE(verdict)
{
	int fd;
	struct saved saved;
	struct built bt;
};

FIXTURE_VARIANT(verdict)
{
	enum kind kind;
	unsigned int verdict; /* VMI_HBV_* expected */
	int madv, khugepaged; /* predictions expected; -1: not checked */
};

/* clang-format off */
FIXTURE_VARIANT_ADD(verdict, pmd_mapped) { K_PMD_MAPPED, VMI_HBV_PMD_MAPPED, 1, 1 };
FIXTURE_VARIANT_ADD(verdict, pte_mapped_large) { K_PTE_MAPPED_LARGE, VMI_HBV_PTE_MAPPED_LARGE, -1, -1 };
FIXTURE_VARIANT_ADD(verdict, hugetlb) { K_HUGETLB, VMI_HBV_HUGETLB, 0, 0 };
FIXTURE_VARIANT_ADD(verdict, partial_block) { K_PARTIAL, VMI_HBV_PARTIAL_BLOCK, 0, 0 };
FIXTURE_VARIANT_ADD(verdict, vma_nohugepage) { K_NOHUGEPAGE, VMI_HBV_VMA_NOHUGEPAGE, 0, 0 };
FIXTURE_VARIANT_ADD(verdict, prctl_disabled) { K_PRCTL, VMI_HBV_PRCTL_DISABLED, 0, 0 };
FIXTURE_VARIANT_ADD(verdict, policy) { K_POLICY, VMI_HBV_POLICY, 1, 0 };
FIXTURE_VARIANT_ADD(verdict, not_present) { K_NOT_PRESENT, VMI_HBV_NOT_PRESENT, 0, 0 };
FIXTURE_VARIANT_ADD(verdict, too_few_present) { K_TOO_FEW, VMI_HBV_TOO_FEW_PRESENT, 1, 0 };
FIXTURE_VARIANT_ADD(verdict, too_many_swap) { K_SWAP, VMI_HBV_TOO_MANY_SWAP, 1, 0 };
FIXTURE_VARIANT_ADD(verdict, too_many_shared) { K_SHARED, VMI_HBV_TOO_MANY_SHARED, 1, 0 };
FIXTURE_VARIANT_ADD(verdict, ksm) { K_KSM, VMI_HBV_KSM, -1, -1 };
FIXTURE_VARIANT_ADD(verdict, pinned) { K_PINNED, VMI_HBV_PINNED, 0, 0 };
FIXTURE_VARIANT_ADD(verdict, uffd_wp) { K_UFFD_WP, VMI_HBV_UFFD_WP, 0, 0 };
FIXTURE_VARIANT_ADD(verdict, read_only) { K_READ_ONLY, VMI_HBV_READ_ONLY, 0, 0 };
FIXTURE_VARIANT_ADD(verdict, file_ineligible) { K_FILE, VMI_HBV_FILE_INELIGIBLE, 0, 0 };
FIXTURE_VARIANT_ADD(verdict, no_free_2m) { K_NO_FREE, VMI_HBV_NO_FREE_2M, -1, -1 };
FIXTURE_VARIANT_ADD(verdict, khugepaged_pending) { K_PENDING, VMI_HBV_KHUGEPAGED_PENDING, 1, 1 };
FIXTURE_VARIANT_ADD(verdict, collapsible) { K_COLLAPSIBLE, VMI_HBV_COLLAPSIBLE, 1, 0 };
/* clang-format on */

FIXTURE_SETUP(verdict)
{
	memset(&self->bt, 0, sizeof(self->bt));
	self->bt.uffd = -1;
	self->bt.file = -1;
	self->bt.fds[0] = self->bt.fds[1] = -1;
	self->fd = open(VMI_CTL_PATH, O_RDONLY);
	ASSERT_LE(0, self->fd);
	self->bt.fd = self->fd;
	if (access(KHP_DIR "/max_ptes_shared", F_OK))
		SKIP(return, "no THP or khugepaged settings in sysfs");
	knobs_save(&self->saved);
	ASSERT_EQ(0, khugepaged_fence());
	ASSERT_EQ(0, limits_set());
}

/*
 * Free blocks of order 9 or more in /proc/buddyinfo outside ZONE_DMA (which
 * user memory never gets), read here rather than through the library
 * under test; -1 when unreadable.
 */
static long buddy_free_2m(void)
{
	char buf[8192], *line, *save = NULL;
	long n = 0;

	if (read_file("/proc/buddyinfo", buf, sizeof(buf)) <= 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char zone[16], *p, *end;
		unsigned long v;
		int off, order;

		if (sscanf(line, "Node %*u, zone %15s%n", zone, &off) != 1)
			return -1;
		if (!strcmp(zone, "DMA"))
			continue;
		for (p = line + off, order = 0;; order++, p = end) {
			v = strtoul(p, &end, 10);
			if (end == p)
				break;
			if (order >= 9)
				n += v << (order - 9);
		}
	}
	return n;
}

/*
 * Give back the pages that fragment memory, and wait until half the free
 * 2 MiB blocks of before are back, for the tests that follow: the pages go
 * to per-CPU lists first, which the kernel drains a little at a time (6.7+
 * lowers their high mark every second), and at once when a THP fault that
 * may reclaim finds no free block.  One free block is not enough: the
 * next fixture's own pages may split it.
 */
static void frag_release(struct built *bt)
{
	long want = bt->frag_base > 1 ? bt->frag_base / 2 : 1, now = 0;
	char *a;
	int i;

	munmap(bt->frag, bt->frag_len);
	knob_set("thp/defrag", "madvise");
	for (i = 0; i < 300; i++) {
		now = buddy_free_2m();
		if (now >= want || now < 0)
			return;
		if (!now) {
			a = map_blocks(1);
			if (a && !madvise(a, SZ_2M, MADV_HUGEPAGE))
				*a = 1;
			if (a)
				munmap(a - SZ_2M, 3 * SZ_2M);
		}
		usleep(100 * 1000);
	}
	ksft_print_msg("%ld of %ld free 2 MiB blocks back 30 s after the fragmenting pages went\n",
		       now, bt->frag_base);
}

static void unbuild(struct built *bt)
{
	int fd;

	if (bt->child > 0) {
		kill(bt->child, SIGKILL);
		waitpid(bt->child, NULL, 0);
	}
	if (bt->fds[0] >= 0)
		close(bt->fds[0]);
	if (bt->fds[1] >= 0)
		close(bt->fds[1]);
	if (bt->uffd >= 0)
		close(bt->uffd);
	if (bt->file >= 0)
		close(bt->file);
	if (bt->unmap)
		munmap(bt->unmap, bt->len);
	if (bt->frag)
		frag_release(bt);
	fd = bt->fd;
	memset(bt, 0, sizeof(*bt));
	bt->fd = fd;
	bt->uffd = bt->file = bt->fds[0] = bt->fds[1] = -1;
}

FIXTURE_TEARDOWN(verdict)
{
	unbuild(&self->bt);
	knobs_restore(&self->saved);
	close(self->fd);
}

/* One aligned block with its guards, touched @pages pages deep. */
static int anon_block(struct built *bt, unsigned int pages, bool advise)
{
	bt->addr = map_blocks(1);
	if (!bt->addr)
		return -1;
	bt->unmap = bt->addr - SZ_2M;
	bt->len = 3 * SZ_2M;
	touch(bt->addr, pages);
	if (advise && madvise(bt->addr, SZ_2M, MADV_HUGEPAGE))
		return -1;
	return 0;
}

static int uffd_wp_block(struct built *bt)
{
	struct uffdio_api api = { .api = UFFD_API,
				  .features = UFFD_FEATURE_PAGEFAULT_FLAG_WP };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_WP };
	struct uffdio_writeprotect wp = { .mode = UFFDIO_WRITEPROTECT_MODE_WP };

	bt->uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (bt->uffd < 0 || ioctl(bt->uffd, UFFDIO_API, &api) ||
	    !(api.features & UFFD_FEATURE_PAGEFAULT_FLAG_WP)) {
		bt->skip = "no userfaultfd write protection here";
		return 0;
	}
	reg.range.start = (uintptr_t)bt->addr;
	reg.range.len = SZ_2M;
	wp.range = reg.range;
	if (ioctl(bt->uffd, UFFDIO_REGISTER, &reg) ||
	    ioctl(bt->uffd, UFFDIO_WRITEPROTECT, &wp)) {
		bt->skip = "userfaultfd cannot write-protect anonymous memory";
		return 0;
	}
	return 0;
}

/*
 * 100 identical pages and 412 different ones, merged by ksmd: a KSM page
 * mapped 100 times, fewer than max_ptes_shared.  ksmd is stopped again
 * once it merged them (the teardown restores its settings).
 */
static int ksm_block(struct built *bt)
{
	double deadline = vmi_now() + 60;
	struct vmi_huge_block b = {};
	unsigned int i;
	int n = 0;

	if (access(KSM_DIR "/run", W_OK)) {
		bt->skip = "no KSM";
		return 0;
	}
	if (anon_block(bt, PTES, true))
		return -1;
	for (i = 100; i < PTES; i++)
		memcpy(bt->addr + i * PAGE + 8, &i, sizeof(i));
	if (madvise(bt->addr, SZ_2M, MADV_MERGEABLE)) {
		bt->skip = "MADV_MERGEABLE is not supported";
		return 0;
	}
	if (write_file(KSM_DIR "/pages_to_scan", "4096") ||
	    write_file(KSM_DIR "/sleep_millisecs", "0") ||
	    write_file(KSM_DIR "/run", "1"))
		return -1;
	/* until the block itself holds the KSM page, mapped 100 times */
	while (vmi_now() < deadline) {
		n = blocks_query(bt->fd, 0, (uintptr_t)bt->addr,
				 (uintptr_t)bt->addr + SZ_2M, &b, 1, NULL);
		if (n == 1 && (b.flags & VMI_HB_KSM) && b.shared >= 100)
			break;
		usleep(100 * 1000);
	}
	write_file(KSM_DIR "/run", "0");
	if (n != 1 || !(b.flags & VMI_HB_KSM) || b.shared < 100)
		bt->skip = "ksmd merged fewer than 100 pages in 60 s";
	return 0;
}

/*
 * A collapsible block, in memory with no free block of 2 MiB or more
 * outside DMA: THP faults take the free 2 MiB blocks one by one (defrag
 * "never": no compaction makes new ones), each THP keeps its first page
 * and gives the other 511 back (the partial unmap queues it for the
 * deferred split, which drop_caches' shrinker pass carries out), so that
 * every block that was free holds one page and merges no higher than
 * order 8.  Proactive compaction, which would move those pages, is off
 * meanwhile.  What stays pinned is 4 KiB a block; memory never runs low:
 * a split that does not happen stops the build at a quarter of MemFree.
 */
/* MemFree of /proc/meminfo, kB; -1 when unreadable. */
static long long mem_free_kb(void)
{
	struct vmi_kvs mi;
	const char *v;

	if (vmi_read_kv("/proc/meminfo", &mi))
		return -1;
	v = vmi_kv_get(&mi, "MemFree:", NULL);
	return v ? strtoll(v, NULL, 10) : 0;
}

static int no_free_block(struct built *bt)
{
	long free_2m = -1;
	long long mem_free0, mem_free;
	size_t nblocks, i, done;
	char *frag;

	if (access("/proc/sys/vm/compaction_proactiveness", W_OK)) {
		bt->skip = "no proactive compaction to switch off";
		return 0;
	}
	bt->frag_base = buddy_free_2m();
	if (anon_block(bt, PTES, true) ||
	    write_file("/proc/self/clear_refs", "1") ||
	    write_file("/proc/sys/vm/compaction_proactiveness", "0") ||
	    knob_set("thp/defrag", "never"))
		return -1;
	mem_free0 = mem_free_kb();
	if (mem_free0 < 0)
		return -1;
	nblocks = (size_t)mem_free0 / 2048 + 64;
	frag = map_blocks(nblocks);
	if (!frag)
		return -1;
	bt->frag = frag - SZ_2M;
	bt->frag_len = (nblocks + 2) * SZ_2M;
	if (madvise(frag, nblocks * SZ_2M, MADV_HUGEPAGE))
		return -1;
	for (done = 0; done < nblocks; done += 64) {
		for (i = done; i < done + 64 && i < nblocks; i++)
			frag[i * SZ_2M] = 1;
		for (i = done; i < done + 64 && i < nblocks; i++)
			madvise(frag + i * SZ_2M + PAGE, SZ_2M - PAGE,
				MADV_DONTNEED);
		write_file("/proc/sys/vm/drop_caches", "2");
		free_2m = buddy_free_2m();
		mem_free = mem_free_kb();
		if (free_2m == 0 || mem_free < 0)
			break;
		if (mem_free < mem_free0 / 4) {
			bt->skip = "the THPs were not split: memory ran low";
			return 0;
		}
	}
	if (free_2m)
		bt->skip = "free 2 MiB blocks were left after every THP fault";
	return 0;
}

/* A readable regular file of 4 MiB or more, not on tmpfs. */
static int big_file(void)
{
	static const char *const cands[] = {
		"/usr/bin/qemu-system-x86_64",
		"/usr/lib/x86_64-linux-gnu/libLLVM-15.so.1",
		"/usr/bin/gdb",
		"/usr/lib/gcc/x86_64-linux-gnu/12/cc1",
		"/usr/bin/python3.11",
	};
	size_t i;

	for (i = 0; i < sizeof(cands) / sizeof(cands[0]); i++) {
		int fd = open(cands[i], O_RDONLY | O_CLOEXEC);

		if (fd >= 0 && lseek(fd, 0, SEEK_END) >= (off_t)(4 * SZ_2M))
			return fd;
		if (fd >= 0)
			close(fd);
	}
	return -1;
}

static int build(struct built *bt, enum kind kind)
{
	char *p;
	pid_t pid;
	int fds[2];
	struct iovec iov;

	switch (kind) {
	case K_PMD_MAPPED:
		if (anon_block(bt, PTES, true))
			return -1;
		if (madvise(bt->addr, SZ_2M, MADV_COLLAPSE))
			bt->skip = "MADV_COLLAPSE failed or is not supported";
		return 0;
	case K_PTE_MAPPED_LARGE:
		if (anon_block(bt, PTES, true))
			return -1;
		if (madvise(bt->addr, SZ_2M, MADV_COLLAPSE)) {
			bt->skip = "MADV_COLLAPSE failed or is not supported";
			return 0;
		}
		/*
		 * a hole in the block splits the PMD, not the folio (yet): no
		 * PMD can map the block again while the hole is there
		 */
		return munmap(bt->addr + 7 * PAGE, PAGE);
	case K_HUGETLB:
		p = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
		if (p == MAP_FAILED) {
			bt->skip = "no 2 MiB hugetlb page could be reserved";
			return 0;
		}
		bt->addr = bt->unmap = p;
		bt->len = SZ_2M;
		touch(p, 1);
		return 0;
	case K_PARTIAL:
		/* a VMA over the second half of one block, the first of the next */
		p = map_blocks(2);
		if (!p)
			return -1;
		bt->unmap = p - SZ_2M;
		bt->len = 4 * SZ_2M;
		munmap(p, SZ_2M / 2);
		munmap(p + SZ_2M + SZ_2M / 2, SZ_2M / 2);
		bt->addr = p + SZ_2M / 2;
		touch(bt->addr, PTES / 2);
		return madvise(bt->addr, SZ_2M, MADV_HUGEPAGE);
	case K_NOHUGEPAGE:
		if (anon_block(bt, PTES, false))
			return -1;
		return madvise(bt->addr, SZ_2M, MADV_NOHUGEPAGE);
	case K_PRCTL:
		/* the child builds, reads and judges its own block */
		return 0;
	case K_POLICY:
		return anon_block(bt, PTES, false);
	case K_NOT_PRESENT:
		return anon_block(bt, 0, true);
	case K_TOO_FEW:
		return anon_block(bt, 100, true);
	case K_SWAP:
		if (!swap_on()) {
			bt->skip = "no swap";
			return 0;
		}
		if (anon_block(bt, PTES, true))
			return -1;
		if (madvise(bt->addr, 100 * PAGE, MADV_PAGEOUT))
			bt->skip = "MADV_PAGEOUT is not supported";
		return 0;
	case K_SHARED:
		if (anon_block(bt, PTES, true) || pipe(fds))
			return -1;
		pid = fork();
		if (pid < 0)
			return -1;
		if (!pid) {
			char c;

			close(fds[1]);
			read(fds[0], &c, 1);
			_exit(0);
		}
		close(fds[0]);
		bt->fds[1] = fds[1];
		bt->child = pid;
		/* the parent's writes make 12 pages its own again */
		touch(bt->addr, 12);
		return 0;
	case K_KSM:
		return ksm_block(bt);
	case K_PINNED:
		if (anon_block(bt, PTES, true) || pipe(bt->fds))
			return -1;
		iov.iov_base = bt->addr;
		iov.iov_len = 4 * PAGE;
		return vmsplice(bt->fds[1], &iov, 1, 0) == 4 * PAGE ? 0 : -1;
	case K_UFFD_WP:
		if (anon_block(bt, PTES, true))
			return -1;
		return uffd_wp_block(bt);
	case K_READ_ONLY:
		if (anon_block(bt, PTES, true))
			return -1;
		return mprotect(bt->addr, SZ_2M, PROT_READ);
	case K_FILE:
		bt->file = big_file();
		if (bt->file < 0) {
			bt->skip = "no regular file of 4 MiB to map";
			return 0;
		}
		bt->addr = map_blocks(1);
		if (!bt->addr)
			return -1;
		bt->unmap = bt->addr - SZ_2M;
		bt->len = 3 * SZ_2M;
		if (mmap(bt->addr, SZ_2M, PROT_READ, MAP_PRIVATE | MAP_FIXED,
			 bt->file, 0) == MAP_FAILED)
			return -1;
		for (unsigned int i = 0; i < PTES; i++)
			(void)*(volatile char *)(bt->addr + i * PAGE);
		return 0;
	case K_NO_FREE:
		return no_free_block(bt);
	case K_PENDING:
		return anon_block(bt, PTES, true);
	case K_COLLAPSIBLE:
		if (anon_block(bt, PTES, true))
			return -1;
		/* no young page: khugepaged passes it by */
		return write_file("/proc/self/clear_refs", "1");
	}
	return -1;
}

/* The prctl case, whole in a child: 0 when the verdict is right. */
static int prctl_child(int fd)
{
	struct vmi_block_policy pol = {};
	struct vmi_thp_policy thp;
	struct vmi_huge_block b[4];
	struct vmi_block_verdict v;
	char *p;
	int n;

	if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0))
		return 2;
	p = map_blocks(1);
	if (!p)
		return 2;
	touch(p, PTES);
	n = blocks_query(fd, 0, (uintptr_t)p, (uintptr_t)p + SZ_2M, b, 4, &pol);
	if (n != 1)
		return 3;
	vmi_block_policy_read(NULL, &pol, &thp);
	vmi_huge_block_verdict(&pol, &b[0], &v);
	if (v.verdict != VMI_HBV_PRCTL_DISABLED || v.madv_collapse ||
	    v.khugepaged) {
		facts("prctl child", &b[0], &v);
		return 1;
	}
	return 0;
}

TEST_F_TIMEOUT(verdict, exact, VMI_TEST_TIMEOUT)
{
	struct vmi_block_policy pol = {};
	struct vmi_thp_policy thp;
	struct vmi_huge_block b[8];
	struct vmi_block_verdict v;
	unsigned int want = variant->verdict;
	int madv = variant->madv, khp = variant->khugepaged;
	long collapsed;
	int attempt, n = 0, status;
	pid_t pid;

	if (variant->kind == K_PRCTL) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			_exit(prctl_child(self->fd));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFEXITED(status));
		ASSERT_EQ(0, WEXITSTATUS(status));
		return;
	}
	for (attempt = 0; attempt < 2; attempt++) {
		collapsed = knob_num("pages_collapsed");
		ASSERT_EQ(0, build(&self->bt, variant->kind));
		if (self->bt.skip)
			SKIP(return, "%s", self->bt.skip);
		n = blocks_query(self->fd, 0, (uintptr_t)self->bt.addr,
				 ((uintptr_t)self->bt.addr & ~(SZ_2M - 1)) +
					 SZ_2M,
				 b, 8, &pol);
		ASSERT_LE(1, n);
		if (knob_num("pages_collapsed") == collapsed)
			break;
		TH_LOG("khugepaged collapsed pages while the fixture was built: building it again");
		unbuild(&self->bt);
	}
	ASSERT_LT(attempt, 2)
	TH_LOG("khugepaged collapsed pages twice despite the fence (pages_to_scan 1, scan_sleep_millisecs 3600000)");

	vmi_block_policy_read(NULL, &pol, &thp);
	vmi_huge_block_verdict(&pol, &b[0], &v);
	/* a kernel that collapses read-only blocks: nothing stands in the way */
	if (variant->kind == K_READ_ONLY &&
	    !(pol.kflags & VMI_HBK_NEEDS_WRITE)) {
		want = VMI_HBV_KHUGEPAGED_PENDING;
		madv = khp = 1;
	}
	if (variant->kind == K_FILE && (b[0].flags & VMI_HB_PTE_LARGE))
		SKIP(return, "the page cache holds large folios here");
	if (variant->kind == K_NO_FREE && buddy_free_2m())
		SKIP(return, "reclaim freed %ld blocks of 2 MiB meanwhile",
			   buddy_free_2m());
	if (variant->kind == K_SWAP && b[0].swap <= 64)
		SKIP(return, "MADV_PAGEOUT swapped out only %u pages",
			   b[0].swap);
	if (v.verdict != want || (madv >= 0 && v.madv_collapse != madv) ||
	    (khp >= 0 && v.khugepaged != khp))
		facts("miss", &b[0], &v);
	EXPECT_STREQ(vmi_huge_block_verdict_name(want),
		     vmi_huge_block_verdict_name(v.verdict));
	if (madv >= 0)
		EXPECT_EQ(madv, v.madv_collapse);
	if (khp >= 0)
		EXPECT_EQ(khp, v.khugepaged);
	if (variant->kind == K_PTE_MAPPED_LARGE)
		EXPECT_EQ(9, b[0].order);
	if (variant->kind == K_PARTIAL) {
		/* the two halves, each its own partial block */
		ASSERT_EQ(1, n);
		n = blocks_query(self->fd, 0, (uintptr_t)self->bt.addr,
				 (uintptr_t)self->bt.addr + SZ_2M, b, 8, NULL);
		ASSERT_EQ(2, n);
		EXPECT_TRUE(b[1].flags & VMI_HB_PARTIAL);
		EXPECT_EQ(SZ_2M / 2, b[1].end - b[1].start);
	}
}

/* ---- predictions over many blocks ---- */

/* The states of the mixed blocks, one after another. */
enum state {
	S_FULL,	      /* 512 touched */
	S_FEW,	      /* 100 touched: too few for khugepaged */
	S_MOST,	      /* 300 touched: enough */
	S_EMPTY,      /* nothing */
	S_SWAP_MANY,  /* 100 of 512 paged out */
	S_SWAP_FEW,   /* 30 of 512 paged out */
	S_OLD,	      /* no young page */
	S_READ_ONLY,  /* mprotect(PROT_READ) */
	S_PINNED,     /* one page in a pipe */
	S_NOHUGEPAGE, /* MADV_NOHUGEPAGE */
	S_UNADVISED,  /* no MADV_HUGEPAGE under enabled=madvise */
	S_NR
};

struct mixed {
	char *base;
	size_t n;
	int pipe[2];
	bool swap;
};

static enum state state_of(size_t i)
{
	return (enum state)(i % S_NR);
}

/* The pages a state touches. */
static unsigned int state_pages(enum state st)
{
	switch (st) {
	case S_FEW:
		return 100;
	case S_MOST:
		return 300;
	case S_EMPTY:
		return 0;
	default:
		return PTES;
	}
}

static int mixed_build(struct mixed *m, size_t n)
{
	size_t i;

	m->n = n;
	m->swap = swap_on();
	m->base = map_blocks(n);
	if (!m->base || pipe(m->pipe))
		return -1;
	/* a pipe that holds one page of every pinned block */
	fcntl(m->pipe[1], F_SETPIPE_SZ, 1 << 20);
	for (i = 0; i < n; i++) {
		char *b = m->base + i * SZ_2M;

		touch(b, state_pages(state_of(i)));
		if (state_of(i) == S_NOHUGEPAGE) {
			if (madvise(b, SZ_2M, MADV_NOHUGEPAGE))
				return -1;
		} else if (state_of(i) != S_UNADVISED) {
			if (madvise(b, SZ_2M, MADV_HUGEPAGE))
				return -1;
		}
	}
	/* every young bit goes; then all but S_OLD are touched again */
	if (write_file("/proc/self/clear_refs", "1"))
		return -1;
	for (i = 0; i < n; i++) {
		char *b = m->base + i * SZ_2M;
		struct iovec iov = { .iov_base = b, .iov_len = PAGE };

		if (state_of(i) != S_OLD)
			touch(b, state_pages(state_of(i)));
		if (state_of(i) == S_SWAP_MANY && m->swap)
			madvise(b + 200 * PAGE, 100 * PAGE, MADV_PAGEOUT);
		if (state_of(i) == S_SWAP_FEW && m->swap)
			madvise(b + 200 * PAGE, 30 * PAGE, MADV_PAGEOUT);
		if (state_of(i) == S_READ_ONLY && mprotect(b, SZ_2M, PROT_READ))
			return -1;
		if (state_of(i) == S_PINNED &&
		    vmsplice(m->pipe[1], &iov, 1, SPLICE_F_NONBLOCK) != PAGE)
			return -1;
	}
	return 0;
}

static void mixed_free(struct mixed *m)
{
	if (m->base)
		munmap(m->base - SZ_2M, (m->n + 2) * SZ_2M);
	close(m->pipe[0]);
	close(m->pipe[1]);
	memset(m, 0, sizeof(*m));
}

struct matrix {
	unsigned int tp, fp, fn, tn;
};

/* One block's prediction against what the kernel did; a miss is printed. */
static void judge(struct matrix *mx, const struct vmi_huge_block *b,
		  const struct vmi_block_verdict *v, bool predicted, bool done)
{
	/* the first 40 misses: enough to find a wrong rule */
	if (done != predicted && mx->fp + mx->fn < 40)
		facts(done ? "collapsed, not predicted" :
			     "predicted, not collapsed",
		      b, v);
	if (predicted && done)
		mx->tp++;
	else if (predicted)
		mx->fp++;
	else if (done)
		mx->fn++;
	else
		mx->tn++;
}

static double precision(const struct matrix *mx)
{
	return mx->tp + mx->fp ? (double)mx->tp / (mx->tp + mx->fp) : 1.0;
}

static double recall(const struct matrix *mx)
{
	return mx->tp + mx->fn ? (double)mx->tp / (mx->tp + mx->fn) : 1.0;
}

static void matrix_print(const char *what, const struct matrix *mx)
{
	ksft_print_msg("%s: %u blocks: tp %u fp %u fn %u tn %u precision %.3f recall %.3f\n",
		       what, mx->tp + mx->fp + mx->fn + mx->tn, mx->tp, mx->fp,
		       mx->fn, mx->tn, precision(mx), recall(mx));
}

FIXTURE(predict)
{
	int fd;
	struct saved saved;
	struct mixed m;
	struct vmi_huge_block *rec;
	struct vmi_block_verdict *v;
};

FIXTURE_SETUP(predict)
{
	memset(&self->m, 0, sizeof(self->m));
	self->m.pipe[0] = self->m.pipe[1] = -1;
	self->fd = open(VMI_CTL_PATH, O_RDONLY);
	ASSERT_LE(0, self->fd);
	self->rec = calloc(MAX_RECS, sizeof(*self->rec));
	self->v = calloc(MAX_RECS, sizeof(*self->v));
	ASSERT_TRUE(self->rec && self->v);
	if (access(KHP_DIR "/max_ptes_shared", F_OK))
		SKIP(return, "no THP or khugepaged settings in sysfs");
	knobs_save(&self->saved);
	ASSERT_EQ(0, khugepaged_fence());
	ASSERT_EQ(0, limits_set());
	ASSERT_EQ(0, mixed_build(&self->m, min_blocks() + S_NR));
}

FIXTURE_TEARDOWN(predict)
{
	mixed_free(&self->m);
	knobs_restore(&self->saved);
	free(self->rec);
	free(self->v);
	close(self->fd);
}

/* The blocks' facts and verdicts: one record per block, or -1. */
static int predict_all(struct __test_metadata *_metadata, int fd,
		       const struct mixed *m, struct vmi_huge_block *rec,
		       struct vmi_block_verdict *v)
{
	struct vmi_block_policy p = {};
	struct vmi_thp_policy thp;
	size_t i;
	int n;

	n = blocks_query(fd, 0, (uintptr_t)m->base,
			 (uintptr_t)m->base + m->n * SZ_2M, rec, MAX_RECS, &p);
	if (n != (int)m->n) {
		TH_LOG("%d records for %zu blocks", n, m->n);
		return -1;
	}
	vmi_block_policy_read(NULL, &p, &thp);
	for (i = 0; i < m->n; i++)
		vmi_huge_block_verdict(&p, &rec[i], &v[i]);
	return n;
}

/* Is the block one PMD now?  The module's answer, checked against smaps elsewhere. */
static int huge_now(int fd, char *b)
{
	struct vmi_huge_block r[4];
	int n = blocks_query(fd, 0, (uintptr_t)b, (uintptr_t)b + SZ_2M, r, 4,
			     NULL);

	return n == 1 && (r[0].flags & VMI_HB_PMD_MAPPED);
}

/*
 * Every block's counts against /proc/self/pagemap, entry by entry:
 * present (bit 63), swapped (bit 62), neither (none), and present but not
 * exclusively mapped (bit 56 clear: shared).
 */
TEST_F_TIMEOUT(predict, facts_vs_pagemap, VMI_TEST_TIMEOUT)
{
	static uint64_t pm[PTES];
	unsigned int present, swapped, none, shared, k;
	int n, fd, bad = 0;
	size_t i;

	fd = open("/proc/self/pagemap", O_RDONLY);
	ASSERT_LE(0, fd);
	n = blocks_query(self->fd, 0, (uintptr_t)self->m.base,
			 (uintptr_t)self->m.base + self->m.n * SZ_2M, self->rec,
			 MAX_RECS, NULL);
	ASSERT_EQ((int)self->m.n, n);
	for (i = 0; i < self->m.n; i++) {
		const struct vmi_huge_block *b = &self->rec[i];
		off_t off = ((uintptr_t)self->m.base + i * SZ_2M) / PAGE * 8;

		ASSERT_EQ(sizeof(pm), pread(fd, pm, sizeof(pm), off));
		present = swapped = none = shared = 0;
		for (k = 0; k < PTES; k++) {
			if (pm[k] >> 63 & 1) {
				present++;
				shared += !(pm[k] >> 56 & 1);
			} else if (pm[k] >> 62 & 1) {
				swapped++;
			} else {
				none++;
			}
		}
		if (b->present != present || b->swap != swapped ||
		    b->none != none || b->shared != shared) {
			if (bad++ < 10)
				ksft_print_msg("block %zu: module present %u swap %u none %u shared %u, pagemap %u %u %u %u\n",
					       i, b->present, b->swap, b->none,
					       b->shared, present, swapped,
					       none, shared);
		}
	}
	close(fd);
	EXPECT_EQ(0, bad);
}

TEST_F_TIMEOUT(predict, madv_collapse, VMI_TEST_TIMEOUT)
{
	unsigned int again = 0, tries;
	struct matrix mx = {};
	size_t i;
	bool done;

	ASSERT_EQ((int)self->m.n, predict_all(_metadata, self->fd, &self->m,
					      self->rec, self->v));
	for (i = 0; i < self->m.n; i++) {
		char *b = self->m.base + i * SZ_2M;

		/*
		 * EAGAIN is a transient state the kernel asks to retry (a
		 * page swapped in sits in another CPU's LRU batch, say), as
		 * a user would: a few tries
		 */
		for (tries = 0; tries < 4; tries++) {
			done = !madvise(b, SZ_2M, MADV_COLLAPSE);
			if (done || errno != EAGAIN)
				break;
			again++;
		}
		judge(&mx, &self->rec[i], &self->v[i], self->v[i].madv_collapse,
		      done);
		/* the kernel's answer and the block agree */
		if (done)
			EXPECT_TRUE(huge_now(self->fd, b));
	}
	matrix_print("madv_collapse", &mx);
	ksft_print_msg("madv_collapse: %u EAGAIN answers retried\n", again);
	EXPECT_LE(0.95, precision(&mx));
	EXPECT_LE(0.95, recall(&mx));
	EXPECT_LE(min_blocks(), mx.tp + mx.fp + mx.fn + mx.tn);
}

TEST_F_TIMEOUT(predict, khugepaged, VMI_TEST_TIMEOUT)
{
	double deadline = vmi_now() + 360;
	struct matrix mx = {};
	long scans;
	size_t i;
	bool done;

	ASSERT_EQ((int)self->m.n, predict_all(_metadata, self->fd, &self->m,
					      self->rec, self->v));
	/* let khugepaged loose: two full scans from now */
	scans = knob_num("full_scans");
	ASSERT_LE(0, scans);
	ASSERT_EQ(0, knob_set("pages_to_scan", "65536"));
	ASSERT_EQ(0, knob_set("alloc_sleep_millisecs", "0"));
	ASSERT_EQ(0, knob_set("scan_sleep_millisecs", "0"));
	while (knob_num("full_scans") < scans + 2 && vmi_now() < deadline)
		usleep(100 * 1000);
	ASSERT_EQ(0, khugepaged_fence());
	ASSERT_LE(scans + 2, knob_num("full_scans"))
	TH_LOG("khugepaged did not finish two full scans in 360 s");

	for (i = 0; i < self->m.n; i++) {
		done = huge_now(self->fd, self->m.base + i * SZ_2M);
		judge(&mx, &self->rec[i], &self->v[i], self->v[i].khugepaged,
		      done);
	}
	matrix_print("khugepaged", &mx);
	EXPECT_LE(0.95, precision(&mx));
	EXPECT_LE(0.95, recall(&mx));
	EXPECT_LE(min_blocks(), mx.tp + mx.fp + mx.fn + mx.tn);
}

TEST_HARNESS_MAIN
