// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of the huge-page side of the companion: the advice engine on
 * synthetic VMA records, the THP policy reader on a fake sysfs tree, the
 * CPUID TLB decoder on fake CPUID answers, the VMI_IOC_HUGE loop and the
 * /proc scan (a fake tree) against a fake module and the renderers of
 * "vminspect huge".  kselftest harness, KTAP output.
 *
 * "test_huge --render huge|huge-all" prints a sample --json rendering
 * instead, "--render huge-text|huge-all-text" the text of the same.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../vminspect/cli.h"
#include "fake_ctl.h"
#include "kselftest_harness.h"

#define MB (1ULL << 20)

#define R(x) (1U << VMI_HR_##x)

/* ---- synthetic records ---- */

static struct vmi_thp_policy pol;
static struct vmi_hugetlb_pool pools[2];
static struct vmi_huge_facts facts;

static void facts_reset(const char *enabled)
{
	memset(&pol, 0, sizeof(pol));
	pol.present = true;
	snprintf(pol.enabled, sizeof(pol.enabled), "%s", enabled);
	snprintf(pol.defrag, sizeof(pol.defrag), "madvise");
	snprintf(pol.shmem_enabled, sizeof(pol.shmem_enabled), "never");
	pol.pages_to_scan = 4096;
	pol.scan_sleep_millisecs = 10000;
	pol.max_ptes_none = 511;
	memset(pools, 0, sizeof(pools));
	pools[0].page_size = 2 * MB;
	pools[0].total = 64;
	pools[0].free = 10;
	pools[1].page_size = 1024 * MB;
	pools[1].total = 1;
	pools[1].free = 1;
	facts.thp = &pol;
	facts.mm_flags = 0;
	facts.pools = pools;
	facts.nr_pools = 2;
}

/* An anonymous read-write VMA of size bytes at start (2 MiB-aligned span). */
static struct vmi_huge_vma anon(uint64_t start, uint64_t size)
{
	struct vmi_huge_vma v;
	uint64_t a = (start + 2 * MB - 1) & ~(2 * MB - 1);
	uint64_t b = (start + size) & ~(2 * MB - 1);

	memset(&v, 0, sizeof(v));
	v.start = start;
	v.end = start + size;
	if (a < b) {
		v.span_2m_start = a;
		v.span_2m_end = b;
	}
	v.vma_flags = VMI_VMA_READ | VMI_VMA_WRITE | VMI_VMA_ANON;
	v.hflags = VMI_HV_THP_CAPABLE;
	return v;
}

static void touch_4k(struct vmi_huge_vma *v, uint64_t bytes)
{
	v->bytes.rss += bytes;
	v->bytes.base += bytes;
	v->bytes.tlb_now += bytes / 4096;
}

static void touch_thp(struct vmi_huge_vma *v, uint64_t bytes)
{
	v->bytes.rss += bytes;
	v->bytes.thp_pmd_anon += bytes;
	v->bytes.tlb_now += bytes / (2 * MB);
}

static uint32_t advise(const struct vmi_huge_vma *v,
		       const struct vmi_huge_bytes *out)
{
	return vmi_huge_advise(&facts, v, out);
}

TEST(advice)
{
	struct vmi_huge_bytes out;
	struct vmi_huge_vma v;
	char fix[512];
	unsigned int k;

	/* fully on THP: nothing to say */
	facts_reset("always");
	v = anon(0x40000000, 8 * MB);
	touch_thp(&v, 8 * MB);
	EXPECT_TRUE(advise(&v, NULL) == 0);

	/* small and empty: nothing; small and resident: too_small */
	v = anon(0x40000000, MB);
	EXPECT_TRUE(advise(&v, NULL) == 0);
	touch_4k(&v, MB);
	EXPECT_TRUE(advise(&v, NULL) == R(TOO_SMALL));
	/* no aligned block in a 3 MiB VMA at 0x40100000? it has one */
	v = anon(0x40100000, 3 * MB);
	EXPECT_TRUE(v.span_2m_end - v.span_2m_start == 2 * MB);
	/* 2.5 MiB at 1 MiB offset: no aligned block */
	v = anon(0x40100000, 2 * MB + MB / 2);
	EXPECT_TRUE(v.span_2m_start == v.span_2m_end);
	touch_4k(&v, 4096);
	EXPECT_TRUE(advise(&v, NULL) == R(TOO_SMALL));

	/* system-wide never, madvise only, prctl, MADV_NOHUGEPAGE */
	v = anon(0x40000000, 4 * MB);
	touch_4k(&v, 4 * MB);
	facts_reset("never");
	EXPECT_TRUE(advise(&v, NULL) == R(THP_DISABLED_SYSTEM));
	facts_reset("madvise");
	EXPECT_TRUE(advise(&v, NULL) == R(THP_MADVISE_ONLY));
	v.vma_flags |= VMI_VMA_HUGEPAGE;
	EXPECT_TRUE(advise(&v, NULL) == R(KHUGEPAGED_PENDING));
	v.vma_flags &= ~VMI_VMA_HUGEPAGE;
	/* the 2 MiB size's own setting wins over the global one */
	pol.nr_sizes = 1;
	pol.sizes[0].size = 2 * MB;
	snprintf(pol.sizes[0].enabled, sizeof(pol.sizes[0].enabled), "always");
	EXPECT_TRUE(advise(&v, NULL) == R(KHUGEPAGED_PENDING));
	snprintf(pol.sizes[0].enabled, sizeof(pol.sizes[0].enabled), "inherit");
	EXPECT_TRUE(advise(&v, NULL) == R(THP_MADVISE_ONLY));
	facts_reset("always");
	facts.mm_flags = VMI_HM_THP_DISABLED;
	EXPECT_TRUE(advise(&v, NULL) == R(THP_DISABLED_PRCTL));
	facts.mm_flags = VMI_HM_THP_ADVISED_ONLY;
	EXPECT_TRUE(advise(&v, NULL) == R(THP_DISABLED_PRCTL));
	facts.mm_flags = 0;
	v.vma_flags |= VMI_VMA_NOHUGEPAGE;
	EXPECT_TRUE(advise(&v, NULL) == R(MADV_NOHUGEPAGE));
	/* a blocked VMA already fully on THP: nothing */
	v = anon(0x40000000, 4 * MB);
	touch_thp(&v, 4 * MB);
	v.vma_flags |= VMI_VMA_NOHUGEPAGE;
	EXPECT_TRUE(advise(&v, NULL) == 0);

	/* khugepaged_pending: 4K pages in the aligned part */
	v = anon(0x40000000, 4 * MB);
	touch_4k(&v, 4 * MB);
	EXPECT_TRUE(advise(&v, NULL) == R(KHUGEPAGED_PENDING));

	/* not touched: nothing resident in a large VMA */
	v = anon(0x40000000, 4 * MB);
	EXPECT_TRUE(advise(&v, NULL) == R(NOT_TOUCHED));
	touch_thp(&v, 2 * MB);
	EXPECT_TRUE(advise(&v, NULL) == 0);
	/* PROT_NONE reservations say nothing */
	v = anon(0x40000000, 64 * MB);
	v.vma_flags &= ~(VMI_VMA_READ | VMI_VMA_WRITE);
	EXPECT_TRUE(advise(&v, NULL) == 0);

	/* unaligned: 3 MiB at 1 MiB offset, head on 4K, span on THP */
	v = anon(0x40100000, 3 * MB);
	touch_4k(&v, MB);
	touch_thp(&v, 2 * MB);
	memset(&out, 0, sizeof(out));
	out.rss = MB;
	out.base = MB;
	EXPECT_TRUE(vmi_huge_needs_outside(&v));
	EXPECT_TRUE(advise(&v, &out) == R(UNALIGNED));
	/* without the outside bytes the head looks like pending 4K pages */
	EXPECT_TRUE(advise(&v, NULL) == R(KHUGEPAGED_PENDING));

	/* split: a PMD-order folio mapped by PTEs outside the span */
	v = anon(0x40000000, 3 * MB);
	touch_thp(&v, 2 * MB);
	v.bytes.rss += MB;
	v.bytes.thp_pte += MB;
	v.bytes.thp_pte_order[9] = MB;
	memset(&out, 0, sizeof(out));
	out.rss = MB;
	out.thp_pte = MB;
	out.thp_pte_order[9] = MB;
	EXPECT_TRUE(advise(&v, &out) == R(SPLIT_THP));
	/* mTHP folios are not a split THP */
	v.bytes.thp_pte_order[9] = 0;
	v.bytes.thp_pte_order[4] = MB;
	out.thp_pte_order[9] = 0;
	out.thp_pte_order[4] = MB;
	EXPECT_TRUE(advise(&v, &out) == 0);

	/* hugetlb: unmapped parts and an empty pool */
	v = anon(0x40000000, 8 * MB);
	v.vma_flags = VMI_VMA_READ | VMI_VMA_WRITE | VMI_VMA_HUGETLB |
		      VMI_VMA_SHARED;
	v.hflags = 0;
	v.hugetlb_size = 2 * MB;
	v.bytes.hugetlb_pmd_private = 4 * MB;
	EXPECT_TRUE(advise(&v, NULL) == 0);
	pools[0].free = 0;
	EXPECT_TRUE(advise(&v, NULL) == R(HUGETLB_POOL_EMPTY));
	v.bytes.hugetlb_pmd_private = 8 * MB;
	EXPECT_TRUE(advise(&v, NULL) == 0);
	facts.pools = NULL; /* pools unknown: no claim */
	v.bytes.hugetlb_pmd_private = 0;
	EXPECT_TRUE(advise(&v, NULL) == 0);
	facts_reset("always");

	/* files: without large folios, with them */
	v = anon(0x40000000, 4 * MB);
	v.vma_flags = VMI_VMA_READ | VMI_VMA_FILE;
	v.hflags = 0;
	touch_4k(&v, 4 * MB);
	EXPECT_TRUE(advise(&v, NULL) == R(FILE_NO_LARGE_FOLIOS));
	v.hflags = VMI_HV_LARGE_FOLIOS | VMI_HV_THP_CAPABLE;
	EXPECT_TRUE(advise(&v, NULL) == R(KHUGEPAGED_PENDING));

	/* shmem with shmem THP off, advise, on */
	v = anon(0x40000000, 4 * MB);
	v.vma_flags = VMI_VMA_READ | VMI_VMA_WRITE | VMI_VMA_SHARED |
		      VMI_VMA_FILE;
	v.hflags = VMI_HV_SHMEM | VMI_HV_THP_CAPABLE;
	touch_4k(&v, 4 * MB);
	EXPECT_TRUE(advise(&v, NULL) == R(SHMEM_THP_DISABLED));
	snprintf(pol.shmem_enabled, sizeof(pol.shmem_enabled), "advise");
	EXPECT_TRUE(advise(&v, NULL) == R(SHMEM_THP_DISABLED));
	v.vma_flags |= VMI_VMA_HUGEPAGE;
	EXPECT_TRUE(advise(&v, NULL) == R(KHUGEPAGED_PENDING));
	snprintf(pol.shmem_enabled, sizeof(pol.shmem_enabled), "never");
	/* top-level enabled does not govern shmem */
	facts_reset("never");
	snprintf(pol.shmem_enabled, sizeof(pol.shmem_enabled), "always");
	EXPECT_TRUE(advise(&v, NULL) == R(KHUGEPAGED_PENDING));
	facts_reset("always");

	/* special mappings: large and mapped only */
	v = anon(0x40000000, 4 * MB);
	v.vma_flags = VMI_VMA_READ | VMI_VMA_SHARED | VMI_VMA_FILE;
	v.hflags = VMI_HV_SPECIAL;
	EXPECT_TRUE(advise(&v, NULL) == 0);
	v.bytes.tlb_now = 1024;
	EXPECT_TRUE(advise(&v, NULL) == R(SPECIAL_MAPPING));
	v.end = v.start + 16384; /* [vvar]-like */
	EXPECT_TRUE(advise(&v, NULL) == 0);

	/* policy unknown: only what the records show */
	facts.thp = NULL;
	v = anon(0x40000000, 4 * MB);
	touch_4k(&v, 4 * MB);
	EXPECT_TRUE(advise(&v, NULL) == R(KHUGEPAGED_PENDING));
	facts_reset("always");

	/* every reason has a name, a text and a fix; names are unique */
	for (k = 0; k < VMI_HR_NR; k++) {
		EXPECT_TRUE(vmi_huge_reason_name(k) && vmi_huge_reason_text(k));
		EXPECT_TRUE(vmi_huge_reason_fix(k, &facts, NULL, fix,
						sizeof(fix)) &&
			    fix[0]);
		for (unsigned int m = 0; m < k; m++)
			EXPECT_TRUE(strcmp(vmi_huge_reason_name(k),
					   vmi_huge_reason_name(m)));
	}
	EXPECT_TRUE(!vmi_huge_reason_name(VMI_HR_NR));
	EXPECT_TRUE(!strcmp(vmi_huge_reason_name(VMI_HR_KHUGEPAGED_PENDING),
			    "khugepaged_pending"));
	vmi_huge_reason_fix(VMI_HR_KHUGEPAGED_PENDING, &facts, NULL, fix,
			    sizeof(fix));
	EXPECT_TRUE(strstr(fix, "scans 4096 pages every 10000 ms") &&
		    strstr(fix, "at most 511 empty") &&
		    strstr(fix, "is not registered"));
	facts.mm_flags = VMI_HM_KHUGEPAGED;
	vmi_huge_reason_fix(VMI_HR_KHUGEPAGED_PENDING, &facts, NULL, fix,
			    sizeof(fix));
	EXPECT_NE(NULL, strstr(fix, "is registered"));
	v.hugetlb_size = 1024 * MB;
	vmi_huge_reason_fix(VMI_HR_HUGETLB_POOL_EMPTY, &facts, &v, fix,
			    sizeof(fix));
	EXPECT_TRUE(strstr(fix, "hugepages-1048576kB/nr_hugepages") != NULL);
	/* a small buffer truncates, never overflows */
	vmi_huge_reason_fix(VMI_HR_TOO_SMALL, &facts, NULL, fix, 8);
	EXPECT_TRUE(strlen(fix) == 7);
}

/* ---- THP policy from a fake sysfs tree ---- */

static void put(const char *dir, const char *name, const char *text)
{
	char path[640];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
}

TEST(policy)
{
	char dir[] = "/tmp/vmi-thp-XXXXXX", sub[128], cmd[160];
	struct vmi_thp_policy p;

	EXPECT_TRUE(vmi_thp_policy_read("/nonexistent/thp", &p) == 0 &&
		    !p.present);
	EXPECT_TRUE(!strcmp(vmi_thp_pmd_enabled(&p), ""));
	if (!mkdtemp(dir))
		return;
	put(dir, "enabled", "always [madvise] never\n");
	put(dir, "defrag", "always defer defer+madvise [madvise] never\n");
	put(dir, "shmem_enabled",
	    "always within_size advise [never] deny force\n");
	put(dir, "use_zero_page", "1\n");
	snprintf(sub, sizeof(sub), "%s/khugepaged", dir);
	mkdir(sub, 0755);
	put(sub, "pages_to_scan", "4096\n");
	put(sub, "scan_sleep_millisecs", "10000\n");
	put(sub, "max_ptes_none", "511\n");
	snprintf(sub, sizeof(sub), "%s/hugepages-2048kB", dir);
	mkdir(sub, 0755);
	put(sub, "enabled", "always [inherit] madvise never\n");
	snprintf(sub, sizeof(sub), "%s/hugepages-64kB", dir);
	mkdir(sub, 0755);
	put(sub, "enabled", "always inherit madvise [never]\n");
	put(sub, "shmem_enabled",
	    "always [inherit] within_size advise never\n");
	snprintf(sub, sizeof(sub), "%s/hugepages-64kBx", dir);
	mkdir(sub, 0755);

	EXPECT_TRUE(vmi_thp_policy_read(dir, &p) == 0 && p.present);
	EXPECT_TRUE(!strcmp(p.enabled, "madvise"));
	EXPECT_TRUE(!strcmp(p.defrag, "madvise"));
	EXPECT_TRUE(!strcmp(p.shmem_enabled, "never"));
	EXPECT_TRUE(p.use_zero_page == 1 && p.pages_to_scan == 4096 &&
		    p.scan_sleep_millisecs == 10000 && p.max_ptes_none == 511);
	EXPECT_TRUE(p.max_ptes_swap == -1 && p.full_scans == -1);
	EXPECT_TRUE(p.nr_sizes == 2);
	EXPECT_TRUE(p.sizes[0].size == 64 << 10 &&
		    !strcmp(p.sizes[0].enabled, "never") &&
		    !strcmp(p.sizes[0].shmem_enabled, "inherit"));
	EXPECT_TRUE(p.sizes[1].size == 2 * MB &&
		    !strcmp(p.sizes[1].enabled, "inherit") &&
		    !p.sizes[1].shmem_enabled[0]);
	EXPECT_TRUE(!strcmp(vmi_thp_pmd_enabled(&p), "madvise"));
	snprintf(sub, sizeof(sub), "%s/hugepages-2048kB", dir);
	put(sub, "enabled", "[always] inherit madvise never\n");
	EXPECT_TRUE(vmi_thp_policy_read(dir, &p) == 0 &&
		    !strcmp(vmi_thp_pmd_enabled(&p), "always"));

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		printf("warning: could not remove %s\n", dir);
}

/* ---- huge pages system-wide, from the kernel's files ---- */

/* root/rel with its directories made; the text written */
static void put_tree(const char *root, const char *rel, const char *text)
{
	char path[512], *p;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	p = strrchr(path, '/');
	*p = '\0';
	put(path, p + 1, text);
}

#define HP "sys/kernel/mm/hugepages/hugepages-"
#define NP "sys/devices/system/node/node"

static void fake_pools(const char *root)
{
	put_tree(root, HP "2048kB/nr_hugepages", "64\n");
	put_tree(root, HP "2048kB/free_hugepages", "60\n");
	put_tree(root, HP "2048kB/resv_hugepages", "2\n");
	put_tree(root, HP "2048kB/surplus_hugepages", "1\n");
	put_tree(root, HP "1048576kB/nr_hugepages", "1\n");
	put_tree(root, HP "1048576kB/free_hugepages", "1\n");
	put_tree(root, HP "1048576kB/resv_hugepages", "0\n");
	put_tree(root, HP "1048576kB/surplus_hugepages", "0\n");
	put_tree(root, "proc/meminfo",
		 "MemTotal:        6000000 kB\n"
		 "AnonHugePages:     10240 kB\n"
		 "ShmemHugePages:     4096 kB\n"
		 "ShmemPmdMapped:     2048 kB\n"
		 "FileHugePages:         0 kB\n"
		 "FilePmdMapped:         0 kB\n"
		 "HugePages_Total:      64\n");
	put_tree(root, "proc/vmstat",
		 "nr_free_pages 12345\n"
		 "thp_fault_alloc 77\n"
		 "thp_split_pmd 5\n"
		 "compact_stall 3\n"
		 "thp_fault_allocx 9\n");
	/* 11 orders: an order-9 block is 2 MiB, an order-10 one 4 MiB */
	put_tree(root, "proc/buddyinfo",
		 "Node 0, zone      DMA      0      0      0      0      0      0      0      0      1      1      3 \n"
		 "Node 0, zone   Normal     10      9      8      7      6      5      4      3      2     20     30 \n"
		 "Node 1, zone   Normal      1      1      1      1      1      1      1      1      1      5      0 \n");
	put_tree(root, "proc/zoneinfo",
		 "Node 0, zone      DMA\n  pages free     3977\n        managed  3840\n"
		 "Node 0, zone   Normal\n  pages free     99\n        managed  1409024\n"
		 "Node 0, zone  Movable\n  pages free     0\n        managed  0\n"
		 "Node 1, zone   Normal\n  pages free     1\n        managed  262144\n");
}

/* The free 2 MiB blocks a block policy read from @root counts; -3: error. */
static int64_t policy_free_2m(const char *root)
{
	struct vmi_block_policy bp = { .free_2m = -2 };
	struct vmi_thp_policy thp;

	return vmi_block_policy_read(root, &bp, &thp) ? -3 : bp.free_2m;
}

TEST(sys_read)
{
	char root[] = "/tmp/vmi-sys-XXXXXX", cmd[160], path[256];
	struct vmi_huge_node nodes[4];
	struct vmi_huge_sys s;

	EXPECT_TRUE(vmi_huge_sys_read(NULL, NULL, NULL, 0) == -EINVAL);
	EXPECT_TRUE(vmi_huge_sys_read(NULL, &s, NULL, 1) == -EINVAL);
	if (!mkdtemp(root))
		return;
	/* nothing there: the files every kernel has are missing */
	EXPECT_TRUE(vmi_huge_sys_read(root, &s, nodes, 4) == -ENOENT);
	fake_pools(root);

	/* no NUMA: one node, 0, with the whole pools */
	EXPECT_TRUE(vmi_huge_sys_read(root, &s, nodes, 4) == 0);
	EXPECT_TRUE(s.nr_nodes == 1 && s.nr_pools == 2);
	EXPECT_TRUE(s.pools[0].page_size == 2 * MB && s.pools[0].total == 64 &&
		    s.pools[0].free == 60 && s.pools[0].reserved == 2 &&
		    s.pools[0].surplus == 1);
	EXPECT_TRUE(s.pools[1].page_size == 1024 * MB &&
		    s.pools[1].total == 1 && s.pools[1].free == 1);
	EXPECT_TRUE(nodes[0].node == 0 && nodes[0].pool_total[0] == 64 &&
		    nodes[0].pool_free[0] == 60 &&
		    nodes[0].pool_surplus[0] == 1 &&
		    nodes[0].pool_total[1] == 1);
	EXPECT_TRUE(s.anon_thp == 10 * MB && s.shmem_thp == 4 * MB &&
		    s.shmem_pmd_mapped == 2 * MB && s.file_thp == 0);
	EXPECT_TRUE(s.events[VMI_EV_THP_FAULT_ALLOC] == 77 &&
		    s.events[VMI_EV_THP_SPLIT_PMD] == 5 &&
		    s.events[VMI_EV_COMPACT_STALL] == 3 &&
		    s.events[VMI_EV_THP_SWPOUT] == 0);
	/* every node's blocks: order 9 one unit, order 10 two */
	EXPECT_TRUE(s.free_2m == (1 + 3 * 2) + (20 + 30 * 2) + 5);
	EXPECT_TRUE(nodes[0].nr_zones == 2);
	EXPECT_TRUE(!strcmp(nodes[0].zones[0].name, "DMA") &&
		    nodes[0].zones[0].managed == 3840 &&
		    nodes[0].zones[0].free[10] == 3);
	EXPECT_TRUE(!strcmp(nodes[0].zones[1].name, "Normal") &&
		    nodes[0].zones[1].managed == 1409024 &&
		    nodes[0].zones[1].free[0] == 10 &&
		    nodes[0].zones[1].free[9] == 20 &&
		    nodes[0].zones[1].free[11] == 0);

	/* NUMA: nodes 0 and 1 online, each with its share */
	put_tree(root, "sys/devices/system/node/online", "0-1\n");
	put_tree(root, NP "0/hugepages/hugepages-2048kB/nr_hugepages", "40\n");
	put_tree(root, NP "0/hugepages/hugepages-2048kB/free_hugepages",
		 "38\n");
	put_tree(root, NP "0/hugepages/hugepages-2048kB/surplus_hugepages",
		 "1\n");
	put_tree(root, NP "1/hugepages/hugepages-2048kB/nr_hugepages", "24\n");
	put_tree(root, NP "1/hugepages/hugepages-2048kB/free_hugepages",
		 "22\n");
	put_tree(root, NP "1/hugepages/hugepages-2048kB/surplus_hugepages",
		 "0\n");
	put_tree(root, NP "0/hugepages/hugepages-1048576kB/nr_hugepages",
		 "1\n");
	EXPECT_TRUE(vmi_huge_sys_read(root, &s, nodes, 4) == 0);
	EXPECT_TRUE(s.nr_nodes == 2);
	EXPECT_TRUE(nodes[0].node == 0 && nodes[0].pool_total[0] == 40 &&
		    nodes[0].pool_free[0] == 38 &&
		    nodes[0].pool_surplus[0] == 1 &&
		    nodes[0].pool_total[1] == 1);
	EXPECT_TRUE(nodes[1].node == 1 && nodes[1].pool_total[0] == 24 &&
		    nodes[1].pool_free[0] == 22 && nodes[1].pool_total[1] == 0);
	EXPECT_TRUE(nodes[1].nr_zones == 1 &&
		    nodes[1].zones[0].managed == 262144 &&
		    nodes[1].zones[0].free[9] == 5);
	/* fewer slots than nodes: all counted, the first filled */
	memset(nodes, 0x5a, sizeof(nodes));
	EXPECT_TRUE(vmi_huge_sys_read(root, &s, nodes, 1) == 0);
	EXPECT_TRUE(s.nr_nodes == 2 && nodes[0].node == 0 &&
		    nodes[0].nr_zones == 2 && nodes[1].node == 0x5a5a5a5a);
	EXPECT_TRUE(s.free_2m == 7 + 80 + 5);
	/* a block policy counts the blocks of every zone but DMA */
	EXPECT_TRUE(policy_free_2m(root) == 80 + 5);
	/* the system facts alone */
	EXPECT_TRUE(vmi_huge_sys_read(root, &s, NULL, 0) == 0 &&
		    s.nr_nodes == 2 && s.pools[0].total == 64);
	/* sparse node ids */
	put_tree(root, "sys/devices/system/node/online", "0,2-3\n");
	EXPECT_TRUE(vmi_huge_sys_read(root, &s, nodes, 4) == 0 &&
		    s.nr_nodes == 3 && nodes[1].node == 2 &&
		    nodes[2].node == 3 && nodes[2].pool_total[0] == 0 &&
		    nodes[2].nr_zones == 0);
	put_tree(root, "sys/devices/system/node/online", "0-\n");
	EXPECT_TRUE(vmi_huge_sys_read(root, &s, nodes, 4) == -VMI_EFORMAT &&
		    s.nr_nodes == 0);
	put_tree(root, "sys/devices/system/node/online", "0-1\n");

	/* malformed files */
	put_tree(root, HP "2048kB/free_hugepages", "lots\n");
	EXPECT_TRUE(vmi_huge_sys_read(root, &s, nodes, 4) == -VMI_EFORMAT);
	put_tree(root, HP "2048kB/free_hugepages", "60\n");
	put_tree(root, "proc/buddyinfo", "Node 0, zone Normal 1 2 x\n");
	EXPECT_TRUE(vmi_huge_sys_read(root, &s, nodes, 4) == -VMI_EFORMAT);
	put_tree(root, "proc/buddyinfo", "garbage\n");
	EXPECT_TRUE(vmi_huge_sys_read(root, &s, nodes, 4) == -VMI_EFORMAT);
	put_tree(root, "proc/buddyinfo", "Node 0, zone Normal 1 2 3\n");
	EXPECT_TRUE(vmi_huge_sys_read(root, &s, nodes, 4) == 0 &&
		    nodes[0].zones[0].free[2] == 3 && s.free_2m == 0);

	/* no hugetlb: no pools, the rest as before */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/sys/kernel/mm/hugepages'", root);
	EXPECT_TRUE(system(cmd) == 0);
	EXPECT_TRUE(vmi_huge_sys_read(root, &s, nodes, 4) == 0 &&
		    s.nr_pools == 0 && s.events[VMI_EV_THP_FAULT_ALLOC] == 77);
	/* an unreadable file every kernel has */
	snprintf(path, sizeof(path), "%s/proc/vmstat", root);
	unlink(path);
	EXPECT_TRUE(vmi_huge_sys_read(root, &s, nodes, 4) == -ENOENT);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd))
		printf("warning: could not remove %s\n", root);
}

/* A number in a file of this machine, -1 if unreadable. */
static long long host_num(const char *fmt, ...)
{
	char path[256], line[64];
	long long v = -1;
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fgets(line, sizeof(line), f))
		v = strtoll(line, NULL, 10);
	fclose(f);
	return v;
}

/*
 * This machine's own files, read here independently: the pools and the
 * zones the library finds are the kernel's.
 */
TEST(sys_host)
{
	static struct vmi_huge_node nodes[64];
	unsigned int i, n, lines = 0, zones = 0;
	struct vmi_huge_sys s;
	char line[512];
	FILE *f;

	if (access("/proc/buddyinfo", R_OK))
		return;
	EXPECT_TRUE(vmi_huge_sys_read(NULL, &s, nodes, 64) == 0);
	EXPECT_TRUE(s.nr_nodes >= 1);
	for (i = 0; i < s.nr_pools; i++) {
		unsigned long long kb = s.pools[i].page_size >> 10;

		EXPECT_TRUE(
			host_num("/sys/kernel/mm/hugepages/hugepages-%llukB/"
				 "nr_hugepages",
				 kb) == (long long)s.pools[i].total);
		EXPECT_TRUE(
			host_num("/sys/kernel/mm/hugepages/hugepages-%llukB/"
				 "resv_hugepages",
				 kb) == (long long)s.pools[i].reserved);
		for (n = 0; n < s.nr_nodes && n < 64; n++)
			if (host_num("/sys/devices/system/node/node%u/hugepages/"
				     "hugepages-%llukB/nr_hugepages",
				     nodes[n].node, kb) >= 0)
				EXPECT_TRUE(
					host_num("/sys/devices/system/node/node%u/"
						 "hugepages/hugepages-%llukB/"
						 "nr_hugepages",
						 nodes[n].node, kb) ==
					(long long)nodes[n].pool_total[i]);
	}
	f = fopen("/proc/buddyinfo", "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		lines++;
	fclose(f);
	for (n = 0; n < s.nr_nodes && n < 64; n++)
		zones += nodes[n].nr_zones;
	EXPECT_TRUE(zones == lines);
}

/* ---- CPUID ---- */

struct fake_leaf {
	uint32_t leaf, sub, r[4];
};

struct fake_cpu {
	const struct fake_leaf *leaves;
	size_t n;
};

static bool fake_cpuid(void *ctx, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	const struct fake_cpu *c = ctx;
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->leaves[i].leaf == leaf && c->leaves[i].sub == sub) {
			memcpy(r, c->leaves[i].r, sizeof(c->leaves[i].r));
			return true;
		}
	if ((leaf & 0x80000000U) == 0 && leaf <= c->leaves[0].r[0]) {
		memset(r, 0, 4 * sizeof(*r));
		return true;
	}
	return false;
}

/* "GenuineIntel" in ebx, edx, ecx */
#define INTEL 0x756e6547, 0x6c65746e, 0x49656e69
#define AMD   0x68747541, 0x444d4163, 0x69746e65

TEST(cpuid)
{
	/* leaf 0x18 as a Skylake reports it: L1 load 64x4K, 32x2M, 4x1G;
	 * STLB 1536 4K+2M, 16 1G */
	static const struct fake_leaf skl[] = {
		{ 0, 0, { 0x1b, INTEL } },
		{ 0x18, 0, { 4, 0, 0, 0 } },
		{ 0x18, 1, { 0, (4u << 16) | 1, 16, (1 << 5) | 4 } },
		{ 0x18, 2, { 0, (4u << 16) | 6, 8, (1 << 5) | 4 } },
		{ 0x18, 3, { 0, (6u << 16) | 3, 256, (2 << 5) | 3 } },
		{ 0x18, 4, { 0, (4u << 16) | 8, 4, (2 << 5) | 3 } },
	};
	/* the same CPU with max leaf 0x16: leaf 0x2 descriptors 0x03 (64 x
	 * 4K), 0x63 (32 x 2M, 4 x 1G), 0xc3 (STLB 1536, 16 x 1G) */
	static const struct fake_leaf old[] = {
		{ 0, 0, { 0x16, INTEL } },
		{ 0x2, 0, { 0x00630301, 0x000000c3, 0, 0x80000000 } },
	};
	/* AMD Zen: L1 64 x 4K, 64 x 2M; L2 2048 x 4K, 2048 x 2M;
	 * 1G: 64 and 1024 */
	static const struct fake_leaf zen[] = {
		{ 0, 0, { 0x10, AMD } },
		{ 0x80000000U, 0, { 0x80000019U, 0, 0, 0 } },
		{ 0x80000005U, 0, { 0xff40ff40, 0xff40ff40, 0, 0 } },
		{ 0x80000006U, 0, { 0x68006800, 0x68006800, 0, 0 } },
		{ 0x80000019U, 0, { 0xf040f040, 0xf400f400, 0, 0 } },
	};
	/* QEMU TCG: an AMD-like vendor with the L2 2M TLB disabled */
	static const struct fake_leaf tcg[] = {
		{ 0, 0, { 0xd, AMD } },
		{ 0x80000000U, 0, { 0x80000008U, 0, 0, 0 } },
		{ 0x80000005U, 0, { 0x01ff01ff, 0x01ff01ff, 0, 0 } },
		{ 0x80000006U, 0, { 0, 0x42004200, 0, 0 } },
	};
	static const struct fake_leaf bare[] = {
		{ 0, 0, { 0x1, INTEL } },
	};
	struct fake_cpu c;
	struct vmi_tlb_capacity t;

	c = (struct fake_cpu){ skl, sizeof(skl) / sizeof(skl[0]) };
	vmi_tlb_capacity_decode(fake_cpuid, &c, &t);
	EXPECT_TRUE(!strcmp(t.vendor, "GenuineIntel") &&
		    !strcmp(t.source, "cpuid 0x18"));
	EXPECT_TRUE(t.l1d_4k == 64 && t.l1d_2m == 32 && t.l1d_1g == 0);
	EXPECT_TRUE(t.stlb_4k == 1536 && t.stlb_2m == 1536 && t.stlb_1g == 16);

	c = (struct fake_cpu){ old, sizeof(old) / sizeof(old[0]) };
	vmi_tlb_capacity_decode(fake_cpuid, &c, &t);
	EXPECT_TRUE(!strcmp(t.source, "cpuid 0x2"));
	EXPECT_TRUE(t.l1d_4k == 64 && t.l1d_2m == 32 && t.l1d_1g == 4);
	EXPECT_TRUE(t.stlb_4k == 1536 && t.stlb_2m == 1536 && t.stlb_1g == 16);

	c = (struct fake_cpu){ zen, sizeof(zen) / sizeof(zen[0]) };
	vmi_tlb_capacity_decode(fake_cpuid, &c, &t);
	EXPECT_TRUE(!strcmp(t.vendor, "AuthenticAMD") &&
		    !strcmp(t.source, "cpuid 0x80000005"));
	EXPECT_TRUE(t.l1d_4k == 64 && t.l1d_2m == 64 && t.l1d_1g == 64);
	EXPECT_TRUE(t.stlb_4k == 2048 && t.stlb_2m == 2048 &&
		    t.stlb_1g == 1024);

	c = (struct fake_cpu){ tcg, sizeof(tcg) / sizeof(tcg[0]) };
	vmi_tlb_capacity_decode(fake_cpuid, &c, &t);
	EXPECT_TRUE(t.l1d_4k == 255 && t.l1d_2m == 255);
	EXPECT_TRUE(t.stlb_4k == 512 && t.stlb_2m == 0);

	c = (struct fake_cpu){ bare, sizeof(bare) / sizeof(bare[0]) };
	vmi_tlb_capacity_decode(fake_cpuid, &c, &t);
	EXPECT_TRUE(!strcmp(t.source, "none") && !vmi_tlb_capacity_known(&t));
	vmi_tlb_capacity_decode(NULL, NULL, &t);
	EXPECT_TRUE(!strcmp(t.source, "none"));
	/* the real CPU: whatever it says, it does not crash */
	vmi_tlb_capacity_read(&t);
	EXPECT_TRUE(t.source != NULL);
}

/* ---- VMI_IOC_HUGE against the fake module ---- */

#define FAKE_HUGE_N 5
static struct vmi_huge_vma fake_hv[FAKE_HUGE_N];
static unsigned int fake_huge_calls;
static bool fake_huge_cut; /* deliver the 3rd VMA in two pieces */

static int fake_huge(struct vmi_huge_arg *a)
{
	struct vmi_huge_vma *vec = (struct vmi_huge_vma *)(uintptr_t)a->vec;
	uint64_t pos = a->start;
	size_t i, n = 0;

	fake_huge_calls++;
	if (a->size != sizeof(*a) || a->flags ||
	    (a->vec && a->vma_size != sizeof(*vec))) {
		errno = EINVAL;
		return -1;
	}
	memset(&a->total, 0, sizeof(a->total));
	a->mm_flags = VMI_HM_KHUGEPAGED;
	for (i = 0; i < FAKE_HUGE_N; i++) {
		struct vmi_huge_vma v = fake_hv[i];

		if (v.end <= a->start || v.start >= a->end)
			continue;
		if (a->vec && n == a->vec_len) {
			a->walk_end = pos;
			a->nr_vmas = n;
			return 0;
		}
		/* the same VMA again: its second half */
		if (fake_huge_cut && i == 2 && v.start < a->start) {
			v.bytes.rss /= 2;
			v.bytes.base /= 2;
		} else if (fake_huge_cut && i == 2 && a->vec &&
			   n + 1 == a->vec_len) {
			v.bytes.rss /= 2;
			v.bytes.base /= 2;
			vec[n++] = v;
			a->walk_end = v.start + (v.end - v.start) / 2;
			a->nr_vmas = n;
			return 0;
		}
		vmi_huge_add(&a->total, &v.bytes);
		if (a->vec)
			vec[n++] = v;
		pos = v.end;
	}
	a->nr_vmas = n;
	a->walk_end = a->end;
	return 0;
}

static void fake_hv_fill(void)
{
	size_t i;

	for (i = 0; i < FAKE_HUGE_N; i++) {
		fake_hv[i] = anon(0x40000000 + i * 16 * MB, 8 * MB);
		touch_4k(&fake_hv[i], (i + 1) * 2 * MB);
		snprintf(fake_hv[i].name, sizeof(fake_hv[i].name), "v%zu", i);
	}
}

/* Write text to root/rel, creating the directories of rel. */
static void put_file(const char *root, const char *rel, const char *text)
{
	char path[256], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (slash = strchr(path + strlen(root) + 1, '/'); slash;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
}

/* vmi_huge_scan() over a fake /proc: a kernel thread, a process, a file. */
TEST(huge_scan)
{
	char root[] = "/tmp/vmi-scan-XXXXXX", cmd[64], comm[32];
	struct vmi_huge_scan s;
	struct vmi_handle *h;
	int err;

	ASSERT_NE(NULL, mkdtemp(root));
	h = fake_open();
	ASSERT_NE(NULL, h);
	/* flags 0x208040: PF_KTHREAD; 0x400100: a user process */
	put_file(root, "proc/2/stat",
		 "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0\n");
	put_file(root, "proc/2/comm", "kthreadd\n");
	put_file(root, "proc/42/stat",
		 "42 (a) b) S 1 42 42 0 -1 4194560 0 0\n");
	put_file(root, "proc/42/comm", "a) b\n");

	fake_hv_fill();
	err = vmi_huge_scan(h, root, &s);
	EXPECT_TRUE(err == 0 && s.scanned == 2 && s.kernel == 1 && s.n == 1);
	EXPECT_TRUE(!s.gone && !s.denied && !s.failed);
	if (!err && s.n == 1) {
		EXPECT_TRUE(s.procs[0].pid == 42 &&
			    !strcmp(s.procs[0].comm, "a) b"));
		EXPECT_TRUE(s.procs[0].b.rss == 30 * MB);
		EXPECT_TRUE(s.procs[0].mm_flags == VMI_HM_KHUGEPAGED);
	}
	vmi_huge_scan_free(&s);
	EXPECT_TRUE(s.procs == NULL && s.n == 0 && s.scanned == 2);

	EXPECT_TRUE(vmi_proc_comm(root, 42, comm, sizeof(comm)) == 0 &&
		    !strcmp(comm, "a) b"));
	EXPECT_TRUE(vmi_proc_comm(root, 7, comm, sizeof(comm)) == -ENOENT &&
		    !comm[0]);
	EXPECT_TRUE(vmi_huge_scan(h, "/nonexistent", &s) == -ENOENT &&
		    !s.procs);

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	EXPECT_TRUE(system(cmd) == 0);
	fake_close(h);
}

/* The fake module's VMI_IOC_GET_INFO, which vmi_huge_scan() asks first. */
static int fake_get_info(struct vmi_info *info)
{
	if (info->size != sizeof(*info) || info->flags) {
		errno = EINVAL;
		return -1;
	}
	memset(info, 0, sizeof(*info));
	fake_info(info);
	return 0;
}

int fake_ioctl(unsigned long req, void *arg)
{
	switch (req) {
	case VMI_IOC_GET_INFO:
		return fake_get_info(arg);
	case VMI_IOC_HUGE:
		return fake_huge(arg);
	default:
		errno = EINVAL;
		return -1;
	}
}

TEST(huge_loop)
{
	struct vmi_huge_result r;
	struct vmi_huge_arg a;
	struct vmi_fetch f = { .chunk = 2 };
	struct vmi_handle *h;
	int err;

	h = fake_open();
	ASSERT_NE(NULL, h);
	fake_hv_fill();
	fake_huge_calls = 0;
	err = vmi_huge_range(h, 7, 0, 1ULL << 40, &f, &r);
	EXPECT_TRUE(err == 0 && r.nr_vmas == FAKE_HUGE_N && f.calls == 3);
	EXPECT_TRUE(r.mm_flags == VMI_HM_KHUGEPAGED);
	EXPECT_TRUE(r.total.rss == 30 * MB && r.total.base == 30 * MB);
	EXPECT_TRUE(r.nr_vmas == FAKE_HUGE_N && !strcmp(r.vmas[4].name, "v4"));
	vmi_huge_result_free(&r);

	/* a VMA delivered in two calls comes out once */
	fake_huge_cut = true;
	err = vmi_huge_range(h, 7, 0, 1ULL << 40, &f, &r);
	EXPECT_TRUE(err == 0 && r.nr_vmas == FAKE_HUGE_N);
	if (!err && r.nr_vmas == FAKE_HUGE_N) {
		EXPECT_TRUE(r.vmas[2].start == fake_hv[2].start &&
			    r.vmas[2].end == fake_hv[2].end);
		EXPECT_TRUE(r.vmas[2].bytes.rss == fake_hv[2].bytes.rss);
		EXPECT_TRUE(r.total.rss == 30 * MB);
	}
	vmi_huge_result_free(&r);
	fake_huge_cut = false;

	/* totals alone: one call, no vector */
	fake_huge_calls = 0;
	err = vmi_huge_totals(h, 7, 0, 1ULL << 40, &a);
	EXPECT_TRUE(err == 0 && fake_huge_calls == 1 &&
		    a.total.rss == 30 * MB && a.nr_vmas == 0);
	/* a vector without a length is refused before the ioctl */
	memset(&a, 0, sizeof(a));
	a.end = 4096;
	a.vec = 1;
	EXPECT_TRUE(vmi_huge_chunk(h, &a) == -EINVAL);
	f.max = 3;
	EXPECT_TRUE(vmi_huge_range(h, 7, 0, 1ULL << 40, &f, &r) == -E2BIG &&
		    !r.vmas && !r.nr_vmas);
	fake_close(h);
}

/* ---- rendering ---- */

static struct vmi_huge_vma sample[4];
static struct vmi_huge_bytes sample_out[4];
static struct vmi_huge_result sample_r;

static void sample_view(struct huge_view *hv)
{
	size_t i;

	facts_reset("always");
	memset(sample_out, 0, sizeof(sample_out));
	sample[0] = anon(0x7f0000000000ULL, 8 * MB);
	touch_thp(&sample[0], 8 * MB);
	sample[0].bytes.tlb_best = 4;
	sample[1] = anon(0x7f0000a00000ULL, 4 * MB);
	sample[1].vma_flags |= VMI_VMA_NOHUGEPAGE;
	touch_4k(&sample[1], 4 * MB);
	sample[1].bytes.tlb_best = 2;
	sample[2] = anon(0x7f0001000000ULL, 64 << 10);
	touch_4k(&sample[2], 8192);
	sample[2].bytes.tlb_best = 2;
	sample[3] = anon(0x7f0002100000ULL, 3 * MB);
	touch_4k(&sample[3], MB);
	touch_thp(&sample[3], 2 * MB);
	sample[3].bytes.thp_pte_order[4] = 0;
	sample[3].bytes.tlb_best = 257;
	snprintf(sample[3].name, sizeof(sample[3].name), "[heap]");
	sample_out[3].rss = MB;
	sample_out[3].base = MB;
	memset(&sample_r, 0, sizeof(sample_r));
	sample_r.vmas = sample;
	sample_r.nr_vmas = 4;
	sample_r.mm_flags = VMI_HM_KHUGEPAGED;
	for (i = 0; i < 4; i++)
		vmi_huge_add(&sample_r.total, &sample[i].bytes);
	memset(hv, 0, sizeof(*hv));
	hv->pid = 42;
	hv->comm = "orderbook";
	hv->r = &sample_r;
	hv->outside = sample_out;
	hv->facts = facts;
	hv->facts.mm_flags = sample_r.mm_flags;
	hv->thp = &pol;
	hv->tlb = NULL;
}

TEST(render)
{
	struct huge_view hv;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	sample_view(&hv);
	f = open_memstream(&buf, &len);
	if (!f)
		return;
	json_pretty = true;
	EXPECT_TRUE(huge_print_json(&hv, f) == 0);
	json_pretty = false;
	fflush(f);
	EXPECT_TRUE(strstr(buf, "\"pid\": 42,\n") != NULL);
	EXPECT_TRUE(strstr(buf, "\"reason\": \"madv_nohugepage\"") != NULL);
	EXPECT_TRUE(strstr(buf, "\"reason\": \"too_small\"") != NULL);
	EXPECT_TRUE(strstr(buf, "\"reason\": \"unaligned\"") != NULL);
	EXPECT_TRUE(strstr(buf, "\"start\": \"0x7f0000000000\"") != NULL);
	EXPECT_TRUE(strstr(buf, "\"thp_pmd\": 10485760") != NULL);
	EXPECT_TRUE(strstr(buf, "\"capacity\": null") != NULL);
	fclose(f);
	free(buf);

	buf = NULL;
	f = open_memstream(&buf, &len);
	if (!f)
		return;
	EXPECT_TRUE(huge_print_text(&hv, f) == 0);
	fflush(f);
	EXPECT_TRUE(strstr(buf, "pid 42 (orderbook): rss 15M") != NULL);
	EXPECT_TRUE(
		strstr(buf,
		       "madv_nohugepage: the range is marked MADV_NOHUGEPAGE") !=
		NULL);
	EXPECT_TRUE(
		strstr(buf,
		       "too_small: 1 VMA without a 2 MiB-aligned block hold 8K") !=
		NULL);
	EXPECT_TRUE(strstr(buf, "CPU data TLB: unknown") != NULL);
	fclose(f);
	free(buf);
}

/* The compact JSON of a view, to free(); NULL if it could not be made. */
static char *huge_json(const struct huge_view *hv)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	if (huge_print_json(hv, f) || fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The mm_flags and hflags in JSON: the uapi's names. */
TEST(render_flag_names)
{
	struct huge_view hv;
	char *buf;

	sample_view(&hv);
	sample_r.mm_flags = VMI_HM_THP_DISABLED | VMI_HM_THP_ADVISED_ONLY |
			    VMI_HM_KHUGEPAGED;
	sample[0].hflags = VMI_HV_SHMEM | VMI_HV_LARGE_FOLIOS | VMI_HV_SPECIAL |
			   VMI_HV_THP_CAPABLE | VMI_HV_LOCKED;
	buf = huge_json(&hv);
	ASSERT_NE(NULL, buf);
	EXPECT_NE(NULL,
		  strstr(buf,
			 "\"mm_flags\":[\"thp_disabled\",\"thp_except_advised\",\"khugepaged\"]"));
	EXPECT_NE(NULL,
		  strstr(buf,
			 "\"hflags\":[\"shmem\",\"large_folios\",\"special\",\"thp_capable\",\"locked\"]"));
	free(buf);
}

/* The THP policy: mTHP sizes, an unreadable knob, no THP at all. */
TEST(render_policy)
{
	struct vmi_thp_policy pol;
	struct huge_view hv;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	sample_view(&hv);
	pol = *hv.thp;
	pol.pages_to_scan = -1;
	pol.nr_sizes = 2;
	memset(pol.sizes, 0, sizeof(pol.sizes));
	pol.sizes[0].size = 64 << 10;
	snprintf(pol.sizes[0].enabled, VMI_THP_WORD, "inherit");
	pol.sizes[1].size = 2 * MB;
	snprintf(pol.sizes[1].enabled, VMI_THP_WORD, "always");
	snprintf(pol.sizes[1].shmem_enabled, VMI_THP_WORD, "never");
	hv.thp = &pol;

	f = open_memstream(&buf, &len);
	if (!f)
		return;
	EXPECT_TRUE(huge_print_json(&hv, f) == 0);
	fflush(f);
	EXPECT_TRUE(strstr(buf, "\"khugepaged\":{\"pages_to_scan\":null,"
				"\"scan_sleep_millisecs\":10000,") != NULL);
	EXPECT_TRUE(
		strstr(buf,
		       "\"sizes\":[{\"size\":65536,\"enabled\":\"inherit\"},"
		       "{\"size\":2097152,\"enabled\":\"always\","
		       "\"shmem_enabled\":\"never\"}]") != NULL);
	rewind(f);
	EXPECT_TRUE(huge_print_text(&hv, f) == 0);
	fputc('\0', f);
	fflush(f);
	EXPECT_TRUE(strstr(buf, "khugepaged: ? pages every 10000 ms") != NULL);
	EXPECT_TRUE(strstr(buf, "65536") == NULL); /* sizes: JSON only */

	hv.thp = NULL;
	rewind(f);
	EXPECT_TRUE(huge_print_json(&hv, f) == 0);
	fflush(f);
	EXPECT_TRUE(strstr(buf, "\"thp_policy\":null,") != NULL);
	rewind(f);
	EXPECT_TRUE(huge_print_text(&hv, f) == 0);
	fputc('\0', f);
	fflush(f);
	EXPECT_TRUE(strstr(buf, "THP policy: unknown (no /sys/kernel/mm/"
				"transparent_hugepage)\n") != NULL);
	fclose(f);
	free(buf);
}

static int render_huge(const char *what)
{
	struct vmi_tlb_capacity cap;
	struct vmi_huge_node node;
	struct vmi_huge_sys sys;
	struct huge_sys_view sv;
	struct vmi_huge_proc procs[2];
	struct huge_view hv;
	if (!strcmp(what, "huge")) {
		sample_view(&hv);
		return huge_print_json(&hv, stdout);
	}
	if (!strcmp(what, "huge-text")) {
		sample_view(&hv);
		return huge_print_text(&hv, stdout);
	}
	if (strcmp(what, "huge-all") && strcmp(what, "huge-all-text"))
		return -1;
	facts_reset("always");
	memset(&sys, 0, sizeof(sys));
	sys.nr_nodes = 1;
	sys.nr_pools = 2;
	sys.pools[0] = pools[0];
	sys.pools[1] = pools[1];
	sys.anon_thp = 8 * MB;
	sys.free_2m = 100;
	sys.events[VMI_EV_THP_FAULT_ALLOC] = 12;
	memset(&node, 0, sizeof(node));
	node.nr_zones = 1;
	node.pool_total[0] = 64;
	node.pool_free[0] = 10;
	snprintf(node.zones[0].name, sizeof(node.zones[0].name), "Normal");
	node.zones[0].managed = 262144;
	node.zones[0].free[9] = 50;
	node.zones[0].free[10] = 25;
	memset(procs, 0, sizeof(procs));
	procs[0].pid = 100;
	snprintf(procs[0].comm, sizeof(procs[0].comm), "big");
	procs[0].b.rss = 64 * MB;
	procs[0].b.base = 64 * MB;
	procs[1].pid = 101;
	snprintf(procs[1].comm, sizeof(procs[1].comm), "huge");
	procs[1].b.rss = 64 * MB;
	procs[1].b.thp_pmd_anon = 62 * MB;
	procs[1].b.base = 2 * MB;
	memset(&sv, 0, sizeof(sv));
	sv.top = procs;
	sv.nr_top = 2;
	sv.scanned = 10;
	sv.kernel = 5;
	sv.sys = &sys;
	sv.nodes = &node;
	sv.nr_nodes = 1;
	sv.thp = &pol;
	/* a CPU that tells its data TLB, but for 1G pages in L1 */
	memset(&cap, 0, sizeof(cap));
	snprintf(cap.vendor, sizeof(cap.vendor), "GenuineIntel");
	cap.source = "cpuid 0x18";
	cap.l1d_4k = 64;
	cap.l1d_2m = 32;
	cap.stlb_4k = 2048;
	cap.stlb_2m = 1024;
	cap.stlb_1g = 16;
	sv.tlb = &cap;
	if (!strcmp(what, "huge-all-text"))
		return huge_all_print_text(&sv, stdout);
	return huge_all_print_json(&sv, stdout);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--render"))
		return render_huge(argv[2]) ? 1 : 0;
	return test_harness_run(argc, argv);
}
