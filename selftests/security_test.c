// SPDX-License-Identifier: GPL-2.0
/*
 * The security policy, as the threat model in docs/design.md states it:
 *
 *  - file modes: ctl and status 0444; query and tlb 0600; the directory
 *    0555;
 *  - no output, text or binary, of any file or ioctl holds a kernel
 *    address, for root or for an unprivileged user;
 *  - an unprivileged user gets its own process without frames, swap slots
 *    or table addresses (raw entries keep their flag bits only), EPERM for
 *    another's, and no way into the root-only files;
 *  - another process needs CAP_SYS_ADMIN and CAP_SYS_PTRACE: either alone
 *    is refused, as neither gets past pagemap's own check in every case;
 *  - TLB commands and the tlb file need CAP_SYS_ADMIN.
 *
 * A kernel address is any 64-bit value in the upper canonical half, above
 * the small negative sentinels (-1, -4095..-1 errors); in text, any hex
 * number of that form.  Raw page-table entries (translate) are left out: a
 * swap entry stores its offset inverted, with the top bits set.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/vminspect.h>

#include "kselftest_harness.h"
#include "vmi_util.h"


#define USER_TOP (1ULL << 47)
/* bits 12-51 of an x86-64 entry: the frame */
#define PTE_FRAME_BITS 0x000ffffffffff000ULL

static bool kernel_address(uint64_t v)
{
	return v >= 0xffff800000000000ULL && v < 0xfffffffffffff000ULL;
}

/* The first kernel address among the aligned words of buf, or 0. */
static uint64_t scan_binary(const void *buf, size_t len)
{
	const uint64_t *w = buf;
	size_t i;

	for (i = 0; i < len / 8; i++)
		if (kernel_address(w[i]))
			return w[i];
	return 0;
}

/* The first kernel address written as a hex number in text, or 0. */
static uint64_t scan_text(const char *s)
{
	const char *p = s;

	while ((p = strstr(p, "ff"))) {
		const char *q = p;
		uint64_t v;

		/* the whole hex token around p */
		while (q > s && strchr("0123456789abcdefABCDEF", q[-1]))
			q--;
		v = strtoull(q, NULL, 16);
		/*
		 * A raw entry is not an address: a swap entry keeps its
		 * offset inverted, so its top bits are set.
		 */
		if (q - s >= 8 && !strncmp(q - 8, "entry 0x", 8))
			v = 0;
		if (kernel_address(v))
			return v;
		p += 2;
	}
	return 0;
}

/*
 * What scan_binary() looks for, in trace records field by field: their
 * 64-bit fields as words, their name as text.  The 32-bit fields cannot
 * hold an address, but a negative syscall (-1: not in a system call)
 * beside the cause reads as a kernel address when the two are taken as one
 * word.
 */
static uint64_t scan_tlb_records(const struct vmi_tlb_record *r, size_t n)
{
	size_t i;
	uint64_t a;

	for (i = 0; i < n; i++) {
		a = scan_binary(&r[i], offsetof(struct vmi_tlb_record, pid));
		if (!a && memchr(r[i].comm, '\0', sizeof(r[i].comm)))
			a = scan_text(r[i].comm);
		if (a)
			return a;
	}
	return 0;
}

struct seen {
	uint64_t addr;
	char where[96];
};

static void note(struct seen *s, uint64_t v, const char *where)
{
	if (v && !s->addr) {
		s->addr = v;
		snprintf(s->where, sizeof(s->where), "%s", where);
	}
}

static char text[4 << 20];

static void scan_files_and_queries(struct seen *s, pid_t pid)
{
	static const char *const files[] = { "status", "tlb" };
	static const char *const queries[] = { "walk %d", "walk %d 0x0 0x800000000000 per-page holes",
					       "maps %d", "pgtables %d", "huge %d",
					       "translate %d 0x%lx" };
	char path[64], q[96];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), VMI_PROC_DIR "/%s", files[i]);
		if (read_file(path, text, sizeof(text)) > 0)
			note(s, scan_text(text), path);
	}
	for (i = 0; i < 6; i++) {
		int fd = open(VMI_PROC_DIR "/query", O_RDWR | O_CLOEXEC);
		ssize_t n, len = 0;

		if (fd < 0)
			return;
		snprintf(q, sizeof(q), queries[i], pid, (unsigned long)text);
		strcat(q, "\n");
		if (write(fd, q, strlen(q)) > 0) {
			while ((n = read(fd, text + len, sizeof(text) - 1 - len)) > 0)
				len += n;
			text[len] = 0;
			note(s, scan_text(text), q);
		}
		close(fd);
	}
}

static void scan_ioctls(struct seen *s, int fd, pid_t pid)
{
	static struct vmi_extent e[4096];
	static struct vmi_page pg[4096];
	static struct vmi_vma v[256];
	static struct vmi_huge_vma hv[64];
	static struct vmi_tlb_cpu cpus[64];
	static struct vmi_tlb_initiator init[64];
	static struct vmi_tlb_record rec[256];
	struct vmi_info info = { .size = sizeof(info) };
	struct vmi_walk_arg w = {
		.size = sizeof(w), .pid = pid, .end = USER_TOP, .vec = (uintptr_t)e,
		.vec_len = 4096, .extent_size = sizeof(e[0]),
		.flags = VMI_WALK_HOLES,
	};
	struct vmi_walk_arg wp = {
		.size = sizeof(wp), .pid = pid, .vec = (uintptr_t)pg,
		.vec_len = 4096, .extent_size = sizeof(pg[0]), .flags = VMI_WALK_PAGES,
	};
	struct vmi_translate_arg t = { .size = sizeof(t), .pid = pid };
	struct vmi_pgtables_arg pt = { .size = sizeof(pt), .pid = pid };
	struct vmi_maps_arg m = {
		.size = sizeof(m), .pid = pid, .end = USER_TOP, .vec = (uintptr_t)v,
		.vec_len = 256, .vma_size = sizeof(v[0]),
	};
	struct vmi_huge_arg h = {
		.size = sizeof(h), .pid = pid, .end = USER_TOP, .vec = (uintptr_t)hv,
		.vec_len = 64, .vma_size = sizeof(hv[0]),
	};
	struct vmi_tlb_cpus_arg tc = {
		.size = sizeof(tc), .vec = (uintptr_t)cpus, .vec_len = 64,
		.cpu_size = sizeof(cpus[0]),
	};
	struct vmi_tlb_initiators_arg ti = {
		.size = sizeof(ti), .vec = (uintptr_t)init, .vec_len = 64,
		.rec_size = sizeof(init[0]),
	};
	struct vmi_tlb_trace_arg tt = {
		.size = sizeof(tt), .vec = (uintptr_t)rec, .vec_len = 256,
		.rec_size = sizeof(rec[0]),
	};
	unsigned int i;

	if (!ioctl(fd, VMI_IOC_GET_INFO, &info))
		note(s, scan_binary(&info, sizeof(info)), "GET_INFO");
	if (!ioctl(fd, VMI_IOC_WALK, &w)) {
		note(s, scan_binary(&w, sizeof(w)), "WALK arg");
		note(s, scan_binary(e, w.nr_extents * sizeof(e[0])), "WALK extents");
		/* pages mode over the first mapped extents, and translate them */
		for (i = 0; i < w.nr_extents && i < 64; i++) {
			wp.start = e[i].start;
			wp.end = e[i].end < e[i].start + (4096ULL << 12) ? e[i].end :
									 e[i].start + (4096ULL << 12);
			if (!ioctl(fd, VMI_IOC_WALK, &wp))
				note(s, scan_binary(pg, wp.nr_extents * sizeof(pg[0])), "WALK pages");
			t.va = e[i].start;
			if (!ioctl(fd, VMI_IOC_TRANSLATE, &t)) {
				unsigned int l;

				/* raw entries are not addresses (see scan_text) */
				for (l = 0; l < 5; l++)
					t.levels[l].entry = 0;
				note(s, scan_binary(&t, sizeof(t)), "TRANSLATE");
			}
		}
	}
	if (!ioctl(fd, VMI_IOC_PGTABLES, &pt))
		note(s, scan_binary(&pt, sizeof(pt)), "PGTABLES");
	if (!ioctl(fd, VMI_IOC_MAPS, &m)) {
		note(s, scan_binary(&m, sizeof(m)), "MAPS arg");
		note(s, scan_binary(v, m.nr_vmas * sizeof(v[0])), "MAPS vmas");
	}
	if (!ioctl(fd, VMI_IOC_HUGE, &h)) {
		note(s, scan_binary(&h, sizeof(h)), "HUGE arg");
		note(s, scan_binary(hv, h.nr_vmas * sizeof(hv[0])), "HUGE vmas");
	}
	if (!ioctl(fd, VMI_IOC_TLB_CPUS, &tc))
		note(s, scan_binary(cpus, tc.nr_cpus * sizeof(cpus[0])), "TLB_CPUS");
	if (!ioctl(fd, VMI_IOC_TLB_INITIATORS, &ti))
		note(s, scan_binary(init, ti.nr_out * sizeof(init[0])), "TLB_INITIATORS");
	if (!ioctl(fd, VMI_IOC_TLB_TRACE, &tt))
		note(s, scan_tlb_records(rec, tt.nr_out), "TLB_TRACE");
}

/* Map a bit of everything so that the outputs have something to show. */
static void *populate(void)
{
	char *p = mmap(NULL, 8 << 20, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, 8 << 20, MADV_HUGEPAGE);
	memset(p, 1, 8 << 20);
	mprotect(p + (1 << 20), 4096, PROT_NONE);
	return p;
}

/* With TLB tracking on for a moment, so that its outputs have records. */
static void scan_with_tracking(struct seen *s, int fd)
{
	struct vmi_tlb_ctl_arg c = { .size = sizeof(c), .flags = 0 };

	if (ioctl(fd, VMI_IOC_TLB_CTL, &c) || c.enabled)
		return;
	c.flags = VMI_TLB_ENABLE;
	ioctl(fd, VMI_IOC_TLB_CTL, &c);
	munmap(populate(), 8 << 20);
	scan_ioctls(s, fd, 0);
	c.flags = VMI_TLB_DISABLE | VMI_TLB_RESET;
	ioctl(fd, VMI_IOC_TLB_CTL, &c);
}

static void report(struct __test_metadata *_metadata, const struct seen *s)
{
	EXPECT_EQ(0, s->addr) TH_LOG("kernel address 0x%llx in %s",
				     (unsigned long long)s->addr, s->where);
}

TEST(file_modes)
{
	static const struct {
		const char *name;
		unsigned int mode;
	} want[] = {
		{ "", 0555 },	   { "ctl", 0444 }, { "status", 0444 },
		{ "query", 0600 }, { "tlb", 0600 },
	};
	char path[64];
	unsigned int i;
	struct stat st;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		snprintf(path, sizeof(path), VMI_PROC_DIR "/%s", want[i].name);
		ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s: %s", path, strerror(errno));
		EXPECT_EQ(want[i].mode, st.st_mode & 07777) TH_LOG("%s", path);
		EXPECT_EQ(0, st.st_uid) TH_LOG("%s", path);
	}
}

TEST(no_kernel_address_as_root)
{
	struct seen s = { 0 };
	void *p = populate();
	int fd = open(VMI_CTL_PATH, O_RDONLY | O_CLOEXEC);

	ASSERT_GE(fd, 0);
	ASSERT_NE(NULL, p);
	scan_with_tracking(&s, fd);
	scan_ioctls(&s, fd, 0);
	scan_ioctls(&s, fd, 1);
	scan_files_and_queries(&s, getpid());
	scan_files_and_queries(&s, 1);
	report(_metadata, &s);
	close(fd);
}

static int unprivileged_scan(void *arg)
{
	struct seen s = { 0 };
	int fd = open(VMI_CTL_PATH, O_RDONLY | O_CLOEXEC);
	struct vmi_walk_arg w = { .size = sizeof(w), .pid = 1, .end = USER_TOP };
	struct vmi_extent e[16];
	char buf[64];
	unsigned int i;

	(void)arg;
	if (fd < 0 || !populate())
		return 10;
	scan_ioctls(&s, fd, 0);
	if (s.addr) {
		fprintf(stderr, "# kernel address 0x%llx in %s (unprivileged)\n",
			(unsigned long long)s.addr, s.where);
		return 11;
	}
	/* another process: EPERM */
	w.vec = (uintptr_t)e;
	w.vec_len = 16;
	w.extent_size = sizeof(e[0]);
	if (!ioctl(fd, VMI_IOC_WALK, &w) || errno != EPERM)
		return 12;
	/* its own: no frame in any present extent */
	w.pid = 0;
	if (ioctl(fd, VMI_IOC_WALK, &w))
		return 13;
	for (i = 0; i < w.nr_extents; i++)
		if (e[i].pfn)
			return 14;
	/* nor a table address or a frame in any level of a translation */
	for (i = 0; i < w.nr_extents; i++) {
		struct vmi_translate_arg t = { .size = sizeof(t), .va = e[i].start };
		unsigned int l;

		if (ioctl(fd, VMI_IOC_TRANSLATE, &t))
			return 17;
		if (t.pa)
			return 18;
		for (l = 0; l < t.nr_levels && l < 5; l++) {
			uint64_t v = t.levels[l].entry;
			/* PRESENT, PROTNONE, PSE: the frame's place; else a swap entry's */
			uint64_t hidden = v & 0x181 ? PTE_FRAME_BITS : ~0x1ffULL;

			if (t.levels[l].table_pa || (v & hidden)) {
				fprintf(stderr, "# 0x%llx level %u: entry 0x%llx table 0x%llx\n",
					(unsigned long long)t.va, l, (unsigned long long)v,
					(unsigned long long)t.levels[l].table_pa);
				return 19;
			}
		}
	}
	/* the root-only files stay shut */
	if (open(VMI_PROC_DIR "/query", O_RDWR) >= 0 || errno != EACCES)
		return 15;
	if (read_file(VMI_PROC_DIR "/tlb", buf, sizeof(buf)) >= 0)
		return 16;
	return 0;
}

TEST(unprivileged_no_kernel_address_no_frames)
{
	EXPECT_EQ(0, run_unprivileged(unprivileged_scan, NULL));
}

/* ---- another process: never more than pagemap would give ------------- */

#define CAP_BIT(c) (1ULL << (c))
#define CAP_SYS_PTRACE_BIT 19
#define CAP_SYS_ADMIN_BIT  21

/*
 * With only the capabilities run_with_caps() left it: may this caller
 * walk process 1, through the ioctl and the query file?  0: no (EPERM
 * both ways, and GET_INFO grants no other mm); 1: yes, both ways; 2 and
 * up: something else went wrong.
 */
static int other_mm_access(void *arg)
{
	struct vmi_walk_arg w = { .size = sizeof(w), .pid = 1, .end = USER_TOP };
	struct vmi_info info = { .size = sizeof(info) };
	struct vmi_extent e[16];
	int fd, qfd, walk_ok, query_ok;
	char buf[4096];
	ssize_t n;

	(void)arg;
	fd = open(VMI_CTL_PATH, O_RDONLY | O_CLOEXEC);
	/* uid 0 owns the query file: no capability is needed to open it */
	qfd = open(VMI_PROC_DIR "/query", O_RDWR | O_CLOEXEC);
	if (fd < 0 || qfd < 0 || ioctl(fd, VMI_IOC_GET_INFO, &info))
		return 2;
	w.vec = (uintptr_t)e;
	w.vec_len = 16;
	w.extent_size = sizeof(e[0]);
	walk_ok = !ioctl(fd, VMI_IOC_WALK, &w);
	if (!walk_ok && errno != EPERM)
		return 3;
	n = write(qfd, "maps 1\n", 7);
	query_ok = n == 7 && read(qfd, buf, sizeof(buf)) > 0;
	if (n < 0 && errno != EPERM)
		return 4;
	if (walk_ok != query_ok || walk_ok != !!(info.caps & VMI_CAP_OTHER_MM))
		return 5;
	return walk_ok;
}

/*
 * pagemap lets a reader into another process through mm_access(), which
 * wants CAP_SYS_PTRACE (for another user or a non-dumpable process) and
 * the LSM's word; the LSM hook is not open to modules.  So a caller needs
 * CAP_SYS_ADMIN and CAP_SYS_PTRACE for another process: either alone is
 * refused.
 */
TEST(other_process_needs_admin_and_ptrace)
{
	uint64_t admin = CAP_BIT(CAP_SYS_ADMIN_BIT);
	uint64_t ptrace = CAP_BIT(CAP_SYS_PTRACE_BIT);

	EXPECT_EQ(0, run_with_caps(other_mm_access, NULL, 0));
	EXPECT_EQ(0, run_with_caps(other_mm_access, NULL, ptrace))
		TH_LOG("CAP_SYS_PTRACE alone reads another process");
	EXPECT_EQ(0, run_with_caps(other_mm_access, NULL, admin))
		TH_LOG("CAP_SYS_ADMIN alone reads another process");
	EXPECT_EQ(1, run_with_caps(other_mm_access, NULL, admin | ptrace));
}

/*
 * The TLB statistics are system-wide and name other users' processes:
 * every TLB command and the tlb file want CAP_SYS_ADMIN, which uid 0
 * without it does not pass (the file's mode lets uid 0 in).
 */
static int tlb_access(void *arg)
{
	struct vmi_tlb_ctl_arg c = { .size = sizeof(c) };
	int fd = open(VMI_CTL_PATH, O_RDONLY | O_CLOEXEC);
	char buf[64];

	(void)arg;
	if (fd < 0)
		return 2;
	if (!ioctl(fd, VMI_IOC_TLB_CTL, &c))
		return 3;
	if (errno != EPERM)
		return 4;
	if (read_file(VMI_PROC_DIR "/tlb", buf, sizeof(buf)) >= 0)
		return 5;
	return 0;
}

TEST(tlb_needs_admin)
{
	EXPECT_EQ(0, run_with_caps(tlb_access, NULL, CAP_BIT(CAP_SYS_PTRACE_BIT)));
}

/* ---- swap slots: pagemap shows them to CAP_SYS_ADMIN only ------------- */

#define SWAP_LEN (4UL << 20)

/* A swapped-out entry's value above its flag bits (0-8): type and offset. */
#define RAW_SWAP_BITS (~0x1ffULL)

/*
 * As nobody: page out a region of its own, then look at it every way the
 * module offers.  pagemap says which pages are in swap (and, to nobody,
 * not where); no output may say more.  0: nothing leaked; 1: nothing was
 * swapped out (no swap); 2 and up: what leaked.
 */
static int swap_slots_hidden(void *arg)
{
	static struct vmi_extent e[1024];
	static struct vmi_page pg[SWAP_LEN / 4096];
	struct vmi_walk_arg w = {
		.size = sizeof(w), .vec = (uintptr_t)e, .vec_len = 1024,
		.extent_size = sizeof(e[0]),
	};
	struct vmi_translate_arg t = { .size = sizeof(t) };
	unsigned long i, swapped = 0, first = 0;
	int fd, pm;
	char *p;

	(void)arg;
	/* setuid() left it undumpable, and its /proc files root's */
	if (prctl(PR_SET_DUMPABLE, 1))
		return 2;
	fd = open(VMI_CTL_PATH, O_RDONLY | O_CLOEXEC);
	pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	p = mmap(NULL, SWAP_LEN, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fd < 0 || pm < 0 || p == MAP_FAILED)
		return 2;
	madvise(p, SWAP_LEN, MADV_NOHUGEPAGE);
	for (i = 0; i < SWAP_LEN; i += 4096)
		memset(p + i, (int)(i >> 12) | 1, 4096);
	if (madvise(p, SWAP_LEN, MADV_PAGEOUT))
		return 1;
	for (i = 0; i < SWAP_LEN; i += 4096) {
		uint64_t pme = pagemap_get(pm, (unsigned long)p + i);

		if (pme != (uint64_t)-1 && (pme & PM_SWAP)) {
			if (!swapped++)
				first = i;
			/* pagemap's own rule, which the module must follow */
			if (PM_SWAP_TYPE(pme) || PM_SWAP_OFFSET(pme))
				return 3;
		}
	}
	if (!swapped)
		return 1;

	w.start = (unsigned long)p;
	w.end = (unsigned long)p + SWAP_LEN;
	if (ioctl(fd, VMI_IOC_WALK, &w))
		return 4;
	for (i = 0; i < w.nr_extents; i++) {
		if (e[i].kind != VMI_KIND_SWAP)
			continue;
		if (e[i].swap_type || e[i].swap_offset) {
			fprintf(stderr, "# extent 0x%llx: swap %u:0x%llx\n",
				(unsigned long long)e[i].start, e[i].swap_type,
				(unsigned long long)e[i].swap_offset);
			return 5;
		}
		if (!(e[i].attrs & VMI_EA_PFN_HIDDEN))
			return 6;
	}

	w.flags = VMI_WALK_PAGES;
	w.vec = (uintptr_t)pg;
	w.vec_len = SWAP_LEN / 4096;
	w.extent_size = sizeof(pg[0]);
	if (ioctl(fd, VMI_IOC_WALK, &w))
		return 7;
	for (i = 0; i < w.nr_extents; i++) {
		if (pg[i].kind == VMI_KIND_SWAP && pg[i].frame) {
			fprintf(stderr, "# page %lu: frame 0x%llx\n", i,
				(unsigned long long)pg[i].frame);
			return 8;
		}
	}

	t.va = (unsigned long)p + first;
	if (ioctl(fd, VMI_IOC_TRANSLATE, &t))
		return 9;
	if (t.leaf.kind == VMI_KIND_SWAP &&
	    (t.leaf.swap_type || t.leaf.swap_offset))
		return 10;
	/* the leaf's raw entry: its flag bits only */
	if (t.nr_levels && t.leaf.kind == VMI_KIND_SWAP &&
	    (t.levels[t.nr_levels - 1].entry & RAW_SWAP_BITS)) {
		fprintf(stderr, "# raw entry 0x%llx\n",
			(unsigned long long)t.levels[t.nr_levels - 1].entry);
		return 11;
	}
	return 0;
}

TEST(unprivileged_no_swap_slots)
{
	int ret = run_unprivileged(swap_slots_hidden, NULL);

	if (ret == 1)
		SKIP(return, "nothing was paged out (no swap: the VM runner sets up zram)");
	EXPECT_EQ(0, ret);
}

TEST_HARNESS_MAIN
