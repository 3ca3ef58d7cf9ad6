// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of "why not huge, block by block": vmi_huge_block_verdict()
 * on synthetic block records (every verdict, the first-match order, both
 * predictions, the kernel's VMI_HBK_* flags), the fixes, and the
 * renderings of "vminspect huge PID --blocks".  kselftest harness, KTAP
 * output.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../vminspect/cli.h"
#include "kselftest_harness.h"

#define BLOCK 0x7f0000000000ULL
#define SZ_2M (2ULL << 20)

static struct vmi_thp_policy thp;
static struct vmi_block_policy pol;

/* enabled=madvise, max_ptes_none 256, swap 64, shared 256; registered */
static void policy_reset(void)
{
	memset(&thp, 0, sizeof(thp));
	thp.present = true;
	snprintf(thp.enabled, sizeof(thp.enabled), "madvise");
	snprintf(thp.shmem_enabled, sizeof(thp.shmem_enabled), "never");
	thp.pages_to_scan = 4096;
	thp.scan_sleep_millisecs = 10000;
	thp.max_ptes_none = 256;
	thp.max_ptes_swap = 64;
	thp.max_ptes_shared = 256;
	memset(&pol, 0, sizeof(pol));
	pol.thp = &thp;
	pol.mm_flags = VMI_HM_KHUGEPAGED;
	pol.kflags = VMI_HBK_NEEDS_WRITE;
	pol.free_2m = 100;
	pol.scan_pages = 8192;
}

/* A whole anonymous MADV_HUGEPAGE block, all present, written and young. */
static struct vmi_huge_block good(void)
{
	struct vmi_huge_block b = {
		.start = BLOCK,
		.end = BLOCK + SZ_2M,
		.flags = VMI_HB_ANON | VMI_HB_WRITE,
		.vma_flags = VMI_VMA_READ | VMI_VMA_WRITE | VMI_VMA_ANON |
			     VMI_VMA_HUGEPAGE,
		.present = 512,
		.young = 512,
	};

	return b;
}

static struct vmi_block_verdict judge(const struct vmi_huge_block *b)
{
	struct vmi_block_verdict v;

	vmi_huge_block_verdict(&pol, b, &v);
	return v;
}

/* verdict, MADV_COLLAPSE and khugepaged of b, all three at once */
#define EXPECT_BLOCK(b, want, madv, khp)                                  \
	do {                                                              \
		struct vmi_block_verdict _v = judge(&(b));                \
		EXPECT_STREQ(vmi_huge_block_verdict_name(VMI_HBV_##want), \
			     vmi_huge_block_verdict_name(_v.verdict));    \
		EXPECT_EQ(madv, _v.madv_collapse);                        \
		EXPECT_EQ(khp, _v.khugepaged);                            \
	} while (0)

TEST(names)
{
	unsigned int i;

	for (i = 0; i < VMI_HBV_NR; i++)
		EXPECT_NE(NULL, vmi_huge_block_verdict_name(i));
	EXPECT_EQ(NULL, vmi_huge_block_verdict_name(VMI_HBV_NR));
	EXPECT_STREQ("pmd_mapped",
		     vmi_huge_block_verdict_name(VMI_HBV_PMD_MAPPED));
	EXPECT_STREQ("collapsible",
		     vmi_huge_block_verdict_name(VMI_HBV_COLLAPSIBLE));
	EXPECT_STREQ("dma_pinned", vmi_huge_block_flag_name(11));
}

TEST(every_verdict)
{
	struct vmi_huge_block b;

	policy_reset();
	b = good();
	EXPECT_BLOCK(b, KHUGEPAGED_PENDING, 1, 1);

	b = good();
	b.flags |= VMI_HB_PMD_MAPPED;
	EXPECT_BLOCK(b, PMD_MAPPED, 1, 1);

	b = good();
	b.flags |= VMI_HB_PTE_LARGE;
	b.order = 9;
	EXPECT_BLOCK(b, PTE_MAPPED_LARGE, 1, 1);

	b = good();
	b.flags = VMI_HB_HUGETLB | VMI_HB_WRITE;
	EXPECT_BLOCK(b, HUGETLB, 0, 0);

	b = good();
	b.flags |= VMI_HB_PARTIAL;
	EXPECT_BLOCK(b, PARTIAL_BLOCK, 0, 0);

	b = good();
	b.vma_flags |= VMI_VMA_NOHUGEPAGE;
	EXPECT_BLOCK(b, VMA_NOHUGEPAGE, 0, 0);

	b = good();
	pol.mm_flags |= VMI_HM_THP_DISABLED;
	EXPECT_BLOCK(b, PRCTL_DISABLED, 0, 0);
	policy_reset();

	/* madvise without MADV_HUGEPAGE: MADV_COLLAPSE ignores sysfs */
	b = good();
	b.vma_flags &= ~VMI_VMA_HUGEPAGE;
	EXPECT_BLOCK(b, POLICY, 1, 0);

	b = good();
	b.present = 0;
	b.none = 512;
	b.young = 0;
	b.flags &= ~VMI_HB_WRITE;
	EXPECT_BLOCK(b, NOT_PRESENT, 0, 0);

	b = good();
	b.present = 100;
	b.none = 412;
	EXPECT_BLOCK(b, TOO_FEW_PRESENT, 1, 0);
	EXPECT_EQ(256, judge(&b).limit);

	b = good();
	b.present = 412;
	b.swap = 100;
	EXPECT_BLOCK(b, TOO_MANY_SWAP, 1, 0);

	b = good();
	b.shared = 500;
	EXPECT_BLOCK(b, TOO_MANY_SHARED, 1, 0);

	b = good();
	b.flags |= VMI_HB_KSM;
	b.shared = 2;
	EXPECT_BLOCK(b, KSM, 1, 1);

	b = good();
	b.pinned = 4;
	EXPECT_BLOCK(b, PINNED, 0, 0);

	b = good();
	b.uffd_wp = 512;
	EXPECT_BLOCK(b, UFFD_WP, 0, 0);

	b = good();
	b.flags &= ~VMI_HB_WRITE;
	EXPECT_BLOCK(b, READ_ONLY, 0, 0);

	b = good();
	b.flags = VMI_HB_FILE | VMI_HB_WRITE;
	EXPECT_BLOCK(b, FILE_INELIGIBLE, 0, 0);

	b = good();
	pol.free_2m = 0;
	EXPECT_BLOCK(b, NO_FREE_2M, 0, 0);
	policy_reset();

	/* nothing young: khugepaged passes by, MADV_COLLAPSE does not */
	b = good();
	b.young = 0;
	EXPECT_BLOCK(b, COLLAPSIBLE, 1, 0);
}

/* When two rules match, the earlier one in the list wins. */
TEST(first_match_wins)
{
	struct vmi_huge_block b;

	policy_reset();
	b = good();
	b.flags |= VMI_HB_PARTIAL | VMI_HB_PTE_LARGE;
	b.vma_flags |= VMI_VMA_NOHUGEPAGE;
	EXPECT_BLOCK(b, PTE_MAPPED_LARGE, 0, 0);

	b = good();
	b.flags |= VMI_HB_PARTIAL;
	b.vma_flags |= VMI_VMA_NOHUGEPAGE;
	EXPECT_BLOCK(b, PARTIAL_BLOCK, 0, 0);

	b = good();
	b.vma_flags &= ~VMI_VMA_HUGEPAGE;
	b.present = 0;
	b.none = 512;
	EXPECT_BLOCK(b, POLICY, 0, 0);

	b = good();
	b.present = 50;
	b.none = 362;
	b.swap = 100;
	b.shared = 300;
	EXPECT_BLOCK(b, TOO_FEW_PRESENT, 1, 0);

	b = good();
	b.swap = 100;
	b.present = 412;
	b.shared = 300;
	b.pinned = 1;
	EXPECT_BLOCK(b, TOO_MANY_SWAP, 0, 0);

	b = good();
	b.shared = 300;
	b.flags |= VMI_HB_KSM;
	b.uffd_wp = 1;
	EXPECT_BLOCK(b, TOO_MANY_SHARED, 0, 0);

	b = good();
	b.flags |= VMI_HB_KSM;
	b.pinned = 1;
	EXPECT_BLOCK(b, KSM, 0, 0);

	b = good();
	b.pinned = 1;
	b.uffd_wp = 1;
	b.flags &= ~VMI_HB_WRITE;
	EXPECT_BLOCK(b, PINNED, 0, 0);

	b = good();
	b.uffd_wp = 1;
	b.flags &= ~VMI_HB_WRITE;
	EXPECT_BLOCK(b, UFFD_WP, 0, 0);
}

/* The limits: at the limit passes, one above fails khugepaged only. */
TEST(khugepaged_limits)
{
	struct vmi_huge_block b;

	policy_reset();
	b = good();
	b.present = 256;
	b.none = 256;
	EXPECT_BLOCK(b, KHUGEPAGED_PENDING, 1, 1);
	b.present--;
	b.none++;
	EXPECT_BLOCK(b, TOO_FEW_PRESENT, 1, 0);

	b = good();
	b.present = 448;
	b.swap = 64;
	EXPECT_BLOCK(b, KHUGEPAGED_PENDING, 1, 1);
	/* with swapped pages, half of them must be young */
	b.young = 255;
	EXPECT_BLOCK(b, COLLAPSIBLE, 1, 0);

	b = good();
	b.shared = 256;
	EXPECT_BLOCK(b, KHUGEPAGED_PENDING, 1, 1);

	/* not registered with khugepaged */
	b = good();
	pol.mm_flags = 0;
	EXPECT_BLOCK(b, COLLAPSIBLE, 1, 0);

	/* unknown knobs are no limits */
	policy_reset();
	pol.thp = NULL;
	b = good();
	b.none = 500;
	b.present = 12;
	EXPECT_BLOCK(b, KHUGEPAGED_PENDING, 1, 1);
}

/* Rules that depend on the kernel, the process or uffd. */
TEST(kernel_and_process)
{
	struct vmi_huge_block b;

	policy_reset();
	/* 7.x collapses blocks with no writable PTE */
	pol.kflags = 0;
	b = good();
	b.flags &= ~VMI_HB_WRITE;
	EXPECT_BLOCK(b, KHUGEPAGED_PENDING, 1, 1);

	/* "except advised": MADV_HUGEPAGE areas stay open to both */
	policy_reset();
	pol.mm_flags |= VMI_HM_THP_ADVISED_ONLY;
	b = good();
	EXPECT_BLOCK(b, KHUGEPAGED_PENDING, 1, 1);
	b.vma_flags &= ~VMI_VMA_HUGEPAGE;
	EXPECT_BLOCK(b, PRCTL_DISABLED, 1, 0);

	/* registered with userfaultfd: an empty entry stops both */
	policy_reset();
	b = good();
	b.flags |= VMI_HB_UFFD_ARMED;
	EXPECT_BLOCK(b, KHUGEPAGED_PENDING, 1, 1);
	b.present = 511;
	b.none = 1;
	EXPECT_BLOCK(b, UFFD_WP, 0, 0);

	/* sysfs never: only MADV_COLLAPSE */
	snprintf(thp.enabled, sizeof(thp.enabled), "never");
	b = good();
	EXPECT_BLOCK(b, POLICY, 1, 0);

	/* shmem follows shmem_enabled */
	policy_reset();
	b = good();
	b.flags = VMI_HB_SHMEM | VMI_HB_WRITE;
	EXPECT_BLOCK(b, POLICY, 1, 0);
	snprintf(thp.shmem_enabled, sizeof(thp.shmem_enabled), "deny");
	EXPECT_BLOCK(b, POLICY, 0, 0);
	snprintf(thp.shmem_enabled, sizeof(thp.shmem_enabled), "always");
	EXPECT_BLOCK(b, KHUGEPAGED_PENDING, 1, 1);
}

TEST(eta_and_fix)
{
	struct vmi_huge_block b;
	struct vmi_block_verdict v;
	char fix[256];

	policy_reset();
	b = good();
	v = judge(&b);
	/* 8192 pages at 4096 a scan, 10 s apart */
	EXPECT_EQ(20000, (int)v.eta_ms);
	vmi_huge_block_fix(&v, &b, fix, sizeof(fix));
	EXPECT_NE(NULL, strstr(fix, "20000 ms"));

	b.present = 100;
	b.none = 412;
	v = judge(&b);
	vmi_huge_block_fix(&v, &b, fix, sizeof(fix));
	EXPECT_STREQ("100 of 512 present, khugepaged needs 256: touch more, raise max_ptes_none, or MADV_COLLAPSE",
		     fix);
	for (v.verdict = 0; v.verdict < VMI_HBV_NR; v.verdict++) {
		vmi_huge_block_fix(&v, &b, fix, sizeof(fix));
		EXPECT_NE(0, strcmp(fix, "?"));
	}
	/* truncated, never overrun */
	v = judge(&b);
	vmi_huge_block_fix(&v, &b, fix, 4);
	EXPECT_EQ(3, (int)strlen(fix));
}

/* Ten blocks: four pending, a hole of two, three too few, one huge. */
static struct vmi_huge_block sample[10];

static void sample_view(struct huge_blocks_view *hv)
{
	unsigned int i;

	policy_reset();
	for (i = 0; i < 10; i++) {
		sample[i] = good();
		sample[i].start = BLOCK + (i < 4 ? i : i + 2) * SZ_2M;
		sample[i].end = sample[i].start + SZ_2M;
		if (i >= 4 && i < 9) {
			sample[i].present = 100;
			sample[i].none = 412;
		}
	}
	/* the hole cuts the run of too_few_present: 4-5, then 6-8 */
	sample[6].start = BLOCK + 12 * SZ_2M;
	sample[6].end = sample[6].start + SZ_2M;
	sample[7].start = BLOCK + 13 * SZ_2M;
	sample[7].end = sample[7].start + SZ_2M;
	sample[8].start = BLOCK + 14 * SZ_2M;
	sample[8].end = sample[8].start + SZ_2M;
	sample[9].start = BLOCK + 15 * SZ_2M;
	sample[9].end = sample[9].start + SZ_2M;
	sample[9].flags |= VMI_HB_PMD_MAPPED;
	memset(hv, 0, sizeof(*hv));
	hv->pid = 42;
	hv->b = sample;
	hv->n = 10;
	hv->policy = pol;
}

static char *render(const struct huge_blocks_view *hv, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	huge_blocks_print(hv, json, f);
	fclose(f);
	return buf;
}

TEST(text_groups_runs)
{
	struct huge_blocks_view hv;
	char *out;

	sample_view(&hv);
	out = render(&hv, false);
	ASSERT_NE(NULL, out);
	EXPECT_NE(NULL,
		  strstr(out,
			 "0x7f0000000000-0x7f0000800000 4 blocks khugepaged_pending: "));
	EXPECT_NE(NULL,
		  strstr(out,
			 "0x7f0000c00000-0x7f0001000000 2 blocks too_few_present: 100 of 512 present, khugepaged needs 256"));
	EXPECT_NE(NULL,
		  strstr(out,
			 "0x7f0001800000-0x7f0001e00000 3 blocks too_few_present"));
	EXPECT_NE(NULL,
		  strstr(out,
			 "0x7f0001e00000-0x7f0002000000 1 block pmd_mapped: huge already"));
	EXPECT_NE(NULL,
		  strstr(out,
			 "10 blocks: pmd_mapped 1 too_few_present 5 khugepaged_pending 4\n"));
	free(out);
}

TEST(json_blocks_and_summary)
{
	struct huge_blocks_view hv;
	char *out;

	sample_view(&hv);
	out = render(&hv, true);
	ASSERT_NE(NULL, out);
	EXPECT_EQ(0,
		  strncmp(out,
			  "{\"pid\":42,\"blocks\":[{\"start\":\"0x7f0000000000\",\"end\":\"0x7f0000200000\",\"verdict\":\"khugepaged_pending\",\"order\":0,\"present\":512,\"swap\":0,\"shared\":0,\"madv_collapse\":true,\"khugepaged\":true}",
			  160))
	TH_LOG("%s", out);
	EXPECT_NE(NULL,
		  strstr(out,
			 "\"summary\":{\"pmd_mapped\":1,\"too_few_present\":5,\"khugepaged_pending\":4}}"));
	free(out);
}

TEST_HARNESS_MAIN
