// SPDX-License-Identifier: GPL-2.0
/*
 * The security policy, as the README's threat model states it:
 *
 *  - file modes: ctl and status 0444; query and tlb 0600; the directory
 *    0555;
 *  - no output, text or binary, of any file or ioctl holds a kernel
 *    address, for root or for an unprivileged user;
 *  - an unprivileged user gets its own process without frames, EPERM for
 *    another's, and no way into the root-only files.
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
#include <sys/stat.h>
#include <unistd.h>

#include <linux/vminspect.h>

#include "kselftest_harness.h"
#include "vmi_util.h"

#define USER_TOP (1ULL << 47)

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

TEST_HARNESS_MAIN
