// SPDX-License-Identifier: GPL-2.0
/*
 * vminspect huge: huge-page coverage of a process, VMA by VMA, the TLB
 * entries it needs, and why a region is not huge (VMI_IOC_HUGE and the
 * library's advice engine); with --all, the processes with the most memory
 * not on huge pages, and the hugetlb pools, the THP policy and counters and
 * the free 2 MiB blocks as the kernel's own files give them
 * (vmi_huge_sys_read()).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "output.h"

#define SZ_2M	       (2ULL << 20)
#define PAGE_4K	       4096ULL
#define HUGE_TOP_DEF   10
#define HUGE_MAX_NODES 64

static int huge_run(int argc, char **argv);

const struct cli_command cli_cmd_huge = {
	.name = "huge",
	.summary =
		"huge-page coverage, TLB entries, and why memory is not huge",
	.usage =
		"Usage: vminspect huge PID [--json [--pretty]]\n"
		"       vminspect huge PID --blocks [RANGE] [--json [--pretty]]\n"
		"       vminspect huge --all [--top N] [--json [--pretty]]\n"
		"\n"
		"For process PID ('self' or 0: vminspect itself), the bytes of\n"
		"every VMA by the kind of page that maps them:\n"
		"\n"
		"  4K       small pages (not part of a large folio)\n"
		"  THP      transparent huge pages mapped by 2 MiB entries\n"
		"           (anonymous, shmem and page cache)\n"
		"  PTE-THP  large folios mapped by 4K entries: a THP split by\n"
		"           munmap/mprotect/madvise, mTHP, large page cache\n"
		"           folios\n"
		"  HTLB     hugetlb pages (2M and 1G)\n"
		"  RSS      resident bytes as smaps counts them (no hugetlb)\n"
		"\n"
		"the TLB entries the mapped pages need now and if every eligible\n"
		"2 MiB block were one huge page, against the CPU's data TLB where\n"
		"CPUID tells it, and for each VMA that is not fully huge the\n"
		"reason and the fix.  Reasons (JSON names): thp_disabled_system,\n"
		"thp_madvise_only, thp_disabled_prctl, madv_nohugepage,\n"
		"too_small, unaligned, not_touched, khugepaged_pending,\n"
		"hugetlb_pool_empty, file_no_large_folios, shmem_thp_disabled,\n"
		"split_thp, special_mapping.  VMAs smaller than 2 MiB with\n"
		"nothing resident get no advice.\n"
		"\n"
		"With --blocks: every 2 MiB block of RANGE (START-END or\n"
		"START+SIZE; by default every VMA that holds a whole block), its\n"
		"verdict and whether MADV_COLLAPSE and khugepaged would make it\n"
		"huge.  Verdicts, the first that matches: pmd_mapped,\n"
		"pte_mapped_large, hugetlb, partial_block, vma_nohugepage,\n"
		"prctl_disabled, policy, not_present, too_few_present,\n"
		"too_many_swap, too_many_shared, ksm, pinned, uffd_wp, read_only,\n"
		"file_ineligible, no_free_2m, khugepaged_pending, collapsible.\n"
		"Text groups runs of blocks with one verdict and gives its fix;\n"
		"JSON lists every block and a summary.\n"
		"\n"
		"With --all: every process (kernel threads and processes that\n"
		"vanish or may not be inspected are skipped and counted), the N\n"
		"with the most resident memory not on huge pages, the hugetlb\n"
		"pools, the THP policy and event counters, and the free 2 MiB\n"
		"blocks per zone.\n"
		"\n"
		"Options:\n"
		"  --all       the whole system instead of one process\n"
		"  --blocks    block by block: a verdict for every 2 MiB block\n"
		"  --top N     with --all: list N processes (default 10)\n"
		"  --json      print one JSON object on one line\n"
		"  --pretty    print it indented, two spaces a level (implies --json)\n"
		"  -h, --help  show this help\n"
		"\n"
		"Inspecting another user's process needs root.\n",
	.run = huge_run,
};

/* ---- facts shared by both modes ---- */

static const char *const mm_flag_names[] = VMI_HM_NAMES;

static const char *mm_flag_name(unsigned int bit)
{
	return bit < ARRAY_SIZE(mm_flag_names) ? mm_flag_names[bit] : NULL;
}

static const char *const hflag_names[] = VMI_HV_NAMES;

static const char *hflag_name(unsigned int bit)
{
	return bit < ARRAY_SIZE(hflag_names) ? hflag_names[bit] : NULL;
}

/* ---- one process ---- */

static uint32_t view_advice(const struct huge_view *hv, size_t i)
{
	return vmi_huge_advise(&hv->facts, &hv->r->vmas[i],
			       hv->outside ? &hv->outside[i] : NULL);
}

/* A colour sequence for stdout when it is coloured, else "". */
static const char *col(FILE *f, const char *(*seq)(void))
{
	return f == stdout ? seq() : "";
}

static const char *sz(uint64_t b, char *buf)
{
	return fmt_size(b, buf, FMT_SIZE_LEN);
}

/* An entry count of the data TLB: JSON null for 0 (CPUID does not tell). */
static void capacity_count(struct printer *p, const char *key, const char *fmt,
			   unsigned int v)
{
	print_uint(p, PRINT_FP, NULL, fmt, v);
	if (v)
		print_uint(p, PRINT_JSON, key, NULL, v);
	else
		print_null(p, PRINT_JSON, key, NULL);
}

/*
 * The CPU's data TLB: text one line, JSON "capacity" (null when CPUID
 * does not tell).
 */
static void huge_capacity(struct printer *p, const struct vmi_tlb_capacity *t)
{
	if (!t || !vmi_tlb_capacity_known(t)) {
		print_null(p, PRINT_ANY, "capacity",
			   "CPU data TLB: unknown (CPUID does not tell)\n");
		return;
	}
	open_json_object(p, "capacity");
	print_string(p, PRINT_JSON, "source", NULL, t->source);
	print_string(p, PRINT_ANY, "vendor", "CPU data TLB (%s, ", t->vendor);
	print_string(p, PRINT_FP, NULL, "%s): ", t->source);
	capacity_count(p, "l1d_4k", "L1 %llu x 4K, ", t->l1d_4k);
	capacity_count(p, "l1d_2m", "%llu x 2M, ", t->l1d_2m);
	capacity_count(p, "l1d_1g", "%llu x 1G; ", t->l1d_1g);
	capacity_count(p, "stlb_4k", "L2 %llu x 4K, ", t->stlb_4k);
	capacity_count(p, "stlb_2m", "%llu x 2M, ", t->stlb_2m);
	capacity_count(p, "stlb_1g", "%llu x 1G (0: not told)\n", t->stlb_1g);
	close_json_object(p);
}

static void print_tlb_line(const struct vmi_huge_bytes *b,
			   const struct vmi_tlb_capacity *t, FILE *f)
{
	unsigned int l2 =
		t ? (t->stlb_4k > t->stlb_2m ? t->stlb_4k : t->stlb_2m) : 0;

	fprintf(f,
		"TLB entries: %" PRIu64 " now, %" PRIu64
		" if every eligible 2 MiB block were huge",
		(uint64_t)b->tlb_now, (uint64_t)b->tlb_best);
	if (l2)
		fprintf(f, "; the L2 TLB holds %u (now: %.1fx, best: %.1fx)",
			l2, (double)b->tlb_now / l2, (double)b->tlb_best / l2);
	fputc('\n', f);
}

/*
 * A number of the THP sysfs files: JSON null when it could not be read
 * (< 0), text "?"; fmt (a "%s" for the number) NULL: JSON only.
 */
static void policy_num(struct printer *p, const char *key, const char *fmt,
		       int64_t v)
{
	char buf[24];

	if (v < 0)
		print_null(p, PRINT_JSON, key, NULL);
	else
		print_int(p, PRINT_JSON, key, NULL, v);
	if (!fmt)
		return;
	if (v < 0)
		snprintf(buf, sizeof(buf), "?");
	else
		snprintf(buf, sizeof(buf), "%" PRId64, v);
	print_string(p, PRINT_FP, NULL, fmt, buf);
}

/*
 * The THP policy: text one line, JSON "thp_policy" with every khugepaged
 * knob and the per-size settings (null without THP in sysfs).
 */
static void huge_policy(struct printer *p, const struct vmi_thp_policy *t)
{
	unsigned int i;

	if (!t || !t->present) {
		print_null(p, PRINT_ANY, "thp_policy",
			   "THP policy: unknown (no /sys/kernel/mm/transparent_hugepage)\n");
		return;
	}
	open_json_object(p, "thp_policy");
	print_string(p, PRINT_ANY, "enabled", "THP policy: enabled %s",
		     t->enabled);
	print_string(p, PRINT_ANY, "enabled_2m", " (2M: %s)",
		     vmi_thp_pmd_enabled(t));
	print_string(p, PRINT_ANY, "defrag", ", defrag %s", t->defrag);
	print_string(p, PRINT_JSON, "shmem_enabled", NULL, t->shmem_enabled);
	print_string(p, PRINT_FP, NULL, ", shmem_enabled %s; ",
		     t->shmem_enabled[0] ? t->shmem_enabled : "-");
	open_json_object(p, "khugepaged");
	policy_num(p, "pages_to_scan", "khugepaged: %s pages",
		   t->pages_to_scan);
	policy_num(p, "scan_sleep_millisecs", " every %s ms",
		   t->scan_sleep_millisecs);
	policy_num(p, "alloc_sleep_millisecs", NULL, t->alloc_sleep_millisecs);
	policy_num(p, "max_ptes_none", ", max_ptes_none %s\n",
		   t->max_ptes_none);
	policy_num(p, "max_ptes_swap", NULL, t->max_ptes_swap);
	policy_num(p, "max_ptes_shared", NULL, t->max_ptes_shared);
	policy_num(p, "defrag", NULL, t->khugepaged_defrag);
	policy_num(p, "full_scans", NULL, t->full_scans);
	policy_num(p, "pages_collapsed", NULL, t->pages_collapsed);
	close_json_object(p);
	open_json_array(p, "sizes");
	for (i = 0; p->json && i < t->nr_sizes; i++) {
		open_json_object(p, NULL);
		print_uint(p, PRINT_JSON, "size", NULL, t->sizes[i].size);
		print_string(p, PRINT_JSON, "enabled", NULL,
			     t->sizes[i].enabled);
		if (t->sizes[i].shmem_enabled[0])
			print_string(p, PRINT_JSON, "shmem_enabled", NULL,
				     t->sizes[i].shmem_enabled);
		close_json_object(p);
	}
	close_json_array(p);
	close_json_object(p);
}

/*
 * The bytes of a VMA or of a process: text the cells RSS (NOT-HUGE when
 * not_huge is given) 4K THP PTE-THP HTLB TLB BEST; JSON "rss", "not_huge",
 * "swap", "bytes", "thp_pte_orders" and "tlb_entries" (with the CPU's
 * "capacity" when cap).
 */
static void huge_sizes(struct printer *p, const struct vmi_huge_bytes *b,
		       const uint64_t *not_huge, bool cap,
		       const struct vmi_tlb_capacity *t)
{
	unsigned int o;
	char key[24];

	print_size(p, PRINT_ANY, "rss", b->rss);
	if (not_huge)
		print_size(p, PRINT_ANY, "not_huge", *not_huge);
	print_size(p, PRINT_JSON, "swap", b->swap);
	open_json_object(p, "bytes");
	print_size(p, PRINT_ANY, "4k", b->base);
	print_size(p, PRINT_ANY, "thp_pmd", vmi_huge_thp_pmd(b));
	print_size(p, PRINT_ANY, "thp_pte", b->thp_pte);
	print_size(p, PRINT_FP, NULL,
		   vmi_huge_hugetlb_2m(b) + vmi_huge_hugetlb_1g(b));
	print_size(p, PRINT_JSON, "hugetlb_2m", vmi_huge_hugetlb_2m(b));
	print_size(p, PRINT_JSON, "hugetlb_1g", vmi_huge_hugetlb_1g(b));
	print_size(p, PRINT_JSON, "thp_pmd_anon", b->thp_pmd_anon);
	print_size(p, PRINT_JSON, "thp_pmd_shmem", b->thp_pmd_shmem);
	print_size(p, PRINT_JSON, "thp_pmd_file", b->thp_pmd_file);
	print_size(p, PRINT_JSON, "hugetlb_2m_shared", b->hugetlb_pmd_shared);
	print_size(p, PRINT_JSON, "hugetlb_1g_shared", b->hugetlb_pud_shared);
	close_json_object(p);
	/* PTE-mapped large folios by folio size in bytes */
	open_json_object(p, "thp_pte_orders");
	for (o = 1; o < VMI_THP_ORDERS; o++) {
		if (!b->thp_pte_order[o])
			continue;
		snprintf(key, sizeof(key), "%llu", PAGE_4K << o);
		print_size(p, PRINT_JSON, key, b->thp_pte_order[o]);
	}
	close_json_object(p);
	open_json_object(p, "tlb_entries");
	print_uint(p, PRINT_ANY, "now", "%llu", b->tlb_now);
	print_uint(p, PRINT_ANY, "best", "%llu", b->tlb_best);
	if (cap && p->json)
		huge_capacity(p, t);
	close_json_object(p);
}

static const char *vma_name(const struct vmi_huge_vma *v)
{
	if (v->name[0])
		return v->name;
	return v->vma_flags & VMI_VMA_ANON ? "[anon]" : "";
}

/* One VMA: a table row, or an object of "vmas" with its advice. */
static void huge_vma(struct printer *p, const struct huge_view *hv,
		     const struct vmi_huge_vma *v, uint32_t adv)
{
	char fix[512];
	unsigned int k;

	open_json_object(p, NULL);
	print_row(p, NULL);
	print_hex(p, PRINT_ANY, "start", "0x%llx", v->start);
	print_hex(p, PRINT_ANY, "end", "0x%llx", v->end);
	print_size(p, PRINT_FP, NULL, v->end - v->start);
	print_string(p, PRINT_JSON, "name", NULL, v->name);
	print_bits(p, PRINT_JSON, "flags", v->vma_flags, vmi_vma_flag_name,
		   NULL, NULL);
	print_bits(p, PRINT_JSON, "hflags", v->hflags, hflag_name, NULL, NULL);
	print_uint(p, PRINT_JSON, "hugetlb_size", NULL, v->hugetlb_size);
	if (v->span_2m_end > v->span_2m_start) {
		open_json_object(p, "span_2m");
		print_hex(p, PRINT_JSON, "start", NULL, v->span_2m_start);
		print_hex(p, PRINT_JSON, "end", NULL, v->span_2m_end);
		close_json_object(p);
	} else {
		print_null(p, PRINT_JSON, "span_2m", NULL);
	}
	huge_sizes(p, &v->bytes, NULL, false, NULL);
	print_bits(p, PRINT_FP, NULL, adv, vmi_huge_reason_name, ",", "");
	open_json_array(p, "advice");
	for (k = 0; p->json && k < VMI_HR_NR; k++) {
		if (!(adv & (1U << k)))
			continue;
		open_json_object(p, NULL);
		print_string(p, PRINT_JSON, "reason", NULL,
			     vmi_huge_reason_name(k));
		print_string(p, PRINT_JSON, "why", NULL,
			     vmi_huge_reason_text(k));
		print_string(p, PRINT_JSON, "fix", NULL,
			     vmi_huge_reason_fix(k, &hv->facts, v, fix,
						 sizeof(fix)));
		close_json_object(p);
	}
	close_json_array(p);
	print_string(p, PRINT_FP, NULL, "%s", vma_name(v));
	close_json_object(p);
}

/* Text: the summary lines above the table. */
static void huge_head(struct printer *p, const struct huge_view *hv)
{
	FILE *f = p->f;
	const struct vmi_huge_result *r = hv->r;
	const struct vmi_huge_bytes *tb = &r->total;
	char a[FMT_SIZE_LEN], b[FMT_SIZE_LEN], c[FMT_SIZE_LEN], d[FMT_SIZE_LEN],
		e[FMT_SIZE_LEN], g[FMT_SIZE_LEN];

	fprintf(f,
		"pid %u%s%s%s: rss %s, 4K %s, THP %s, PTE-mapped THP %s, "
		"hugetlb 2M %s, 1G %s\n",
		hv->pid, hv->comm ? " (" : "", hv->comm ? hv->comm : "",
		hv->comm ? ")" : "", sz(tb->rss, a), sz(tb->base, b),
		sz(vmi_huge_thp_pmd(tb), c), sz(tb->thp_pte, d),
		sz(vmi_huge_hugetlb_2m(tb), e), sz(vmi_huge_hugetlb_1g(tb), g));
	if (r->mm_flags & VMI_HM_THP_DISABLED)
		fputs("THP disabled for this process by prctl(PR_SET_THP_DISABLE)\n",
		      f);
	print_tlb_line(tb, hv->tlb, f);
	huge_capacity(p, hv->tlb);
	huge_policy(p, hv->thp);
	fputc('\n', f);
}

/* Text: "Why not huge", per VMA each reason and its fix. */
static void huge_why(const struct huge_view *hv, const uint32_t *adv, FILE *f)
{
	const struct vmi_huge_result *r = hv->r;
	char a[FMT_SIZE_LEN], b[FMT_SIZE_LEN], c[FMT_SIZE_LEN], fx[512];
	size_t i, nsmall = 0;
	uint64_t small_rss = 0;
	bool any = false;
	unsigned int k;

	for (i = 0; i < r->nr_vmas; i++) {
		const struct vmi_huge_vma *v = &r->vmas[i];

		if (adv[i] & (1U << VMI_HR_TOO_SMALL)) {
			nsmall++;
			small_rss += v->bytes.rss;
		}
		if (!(adv[i] & ~(1U << VMI_HR_TOO_SMALL)))
			continue;
		if (!any)
			fputs("\nWhy not huge:\n", f);
		any = true;
		fprintf(f,
			"0x%" PRIx64 "-0x%" PRIx64 " %s %s (rss %s, 4K %s)\n",
			(uint64_t)v->start, (uint64_t)v->end,
			sz(v->end - v->start, a), vma_name(v),
			sz(v->bytes.rss, b), sz(v->bytes.base, c));
		for (k = 0; k < VMI_HR_NR; k++) {
			if (!(adv[i] & (1U << k)) || k == VMI_HR_TOO_SMALL)
				continue;
			fprintf(f, "  %s%s%s: %s\n    fix: %s\n",
				col(f, color_bad), vmi_huge_reason_name(k),
				col(f, color_reset), vmi_huge_reason_text(k),
				vmi_huge_reason_fix(k, &hv->facts, v, fx,
						    sizeof(fx)));
		}
	}
	if (nsmall) {
		fprintf(f,
			"%stoo_small: %zu VMA%s without a 2 MiB-aligned block "
			"hold %s\n    fix: %s\n",
			any ? "" : "\nWhy not huge:\n", nsmall,
			nsmall == 1 ? "" : "s", sz(small_rss, a),
			vmi_huge_reason_fix(VMI_HR_TOO_SMALL, &hv->facts, NULL,
					    fx, sizeof(fx)));
		any = true;
	}
	if (!any)
		fprintf(f,
			"\n%sEvery VMA that can use huge pages is on them.%s\n",
			col(f, color_good), col(f, color_reset));
}

/*
 * The one description of "huge PID".  Text: summary lines, the table of
 * the VMAs with something mapped and a total row, why not huge.  JSON:
 * pid, comm, mm_flags, thp_policy, every VMA, the totals, advice_summary.
 */
static int huge_print(const struct huge_view *hv, bool json, FILE *f)
{
	static const char *const hdr[] = { "START", "END",  "SIZE",    "RSS",
					   "4K",    "THP",  "PTE-THP", "HTLB",
					   "TLB",   "BEST", "ADVICE",  "NAME" };
	const struct vmi_huge_result *r = hv->r;
	unsigned int counts[VMI_HR_NR] = { 0 };
	size_t i, hidden = 0;
	struct printer p;
	struct table *t;
	uint32_t *adv;
	unsigned int c, k;
	int ret;

	adv = calloc(r->nr_vmas ? r->nr_vmas : 1, sizeof(*adv));
	if (!adv)
		return -1;
	for (i = 0; i < r->nr_vmas; i++) {
		adv[i] = view_advice(hv, i);
		for (k = 0; k < VMI_HR_NR; k++)
			counts[k] += !!(adv[i] & (1U << k));
	}

	printer_init(&p, f, json);
	open_json_object(&p, NULL);
	print_uint(&p, PRINT_JSON, "pid", NULL, hv->pid);
	if (hv->comm)
		print_string(&p, PRINT_JSON, "comm", NULL, hv->comm);
	print_bits(&p, PRINT_JSON, "mm_flags", r->mm_flags, mm_flag_name, NULL,
		   NULL);
	if (json)
		huge_policy(&p, hv->thp);
	else
		huge_head(&p, hv);

	t = printer_table_begin(&p, ARRAY_SIZE(hdr), hdr);
	for (c = 0; t && c <= 9; c++)
		table_set_align(t, c, TABLE_RIGHT);
	open_json_array(&p, "vmas");
	for (i = 0; i < r->nr_vmas; i++) {
		const struct vmi_huge_vma *v = &r->vmas[i];

		/* text lists the VMAs with something to show */
		if (!json && !v->bytes.rss && !v->bytes.tlb_now &&
		    !(adv[i] & ~(1U << VMI_HR_TOO_SMALL))) {
			hidden++;
			continue;
		}
		huge_vma(&p, hv, v, adv[i]);
	}
	close_json_array(&p);
	print_row(&p, "total");
	print_string(&p, PRINT_FP, NULL, "%s", "");
	print_string(&p, PRINT_FP, NULL, "%s", "");
	huge_sizes(&p, &r->total, NULL, true, hv->tlb);
	printer_table_end(&p);

	open_json_object(&p, "advice_summary");
	for (k = 0; k < VMI_HR_NR; k++)
		if (counts[k])
			print_uint(&p, PRINT_JSON, vmi_huge_reason_name(k),
				   NULL, counts[k]);
	close_json_object(&p);
	close_json_object(&p);

	if (hidden)
		print_fp(&p, "(%zu VMA%s with nothing mapped not listed)\n",
			 hidden, hidden == 1 ? "" : "s");
	if (!json)
		huge_why(hv, adv, f);
	ret = printer_finish(&p);
	free(adv);
	return ret;
}

int huge_print_text(const struct huge_view *hv, FILE *f)
{
	return huge_print(hv, false, f);
}

int huge_print_json(const struct huge_view *hv, FILE *f)
{
	return huge_print(hv, true, f);
}

/* ---- the whole system ---- */

static uint64_t not_huge(const struct vmi_huge_bytes *b)
{
	uint64_t pmd = vmi_huge_thp_pmd(b);

	return b->rss > pmd ? b->rss - pmd : 0;
}

/*
 * The system-wide figures of "huge --all" after its table: the hugetlb
 * pools (JSON: per node too), the THP policy, the data TLB, THP in use and
 * its events, the free 2 MiB blocks per zone.
 */
static void huge_all_sys(struct printer *p, const struct huge_sys_view *sv)
{
	const struct vmi_huge_sys *s = sv->sys;
	unsigned int i, o;
	char a[FMT_SIZE_LEN];
	size_t k, z;

	print_fp(p, "\nhugetlb pools:\n");
	open_json_array(p, "hugetlb_pools");
	for (i = 0; s && i < s->nr_pools; i++) {
		open_json_object(p, NULL);
		print_fp(p, "  ");
		print_size(p, PRINT_ANY, "page_size", s->pools[i].page_size);
		print_uint(p, PRINT_ANY, "total", ": %llu total",
			   s->pools[i].total);
		print_uint(p, PRINT_ANY, "free", ", %llu free",
			   s->pools[i].free);
		print_uint(p, PRINT_ANY, "reserved", ", %llu reserved",
			   s->pools[i].reserved);
		print_uint(p, PRINT_ANY, "surplus", ", %llu surplus\n",
			   s->pools[i].surplus);
		open_json_array(p, "nodes");
		for (k = 0; p->json && k < sv->nr_nodes; k++) {
			open_json_object(p, NULL);
			print_uint(p, PRINT_JSON, "node", NULL,
				   sv->nodes[k].node);
			print_uint(p, PRINT_JSON, "total", NULL,
				   sv->nodes[k].pool_total[i]);
			print_uint(p, PRINT_JSON, "free", NULL,
				   sv->nodes[k].pool_free[i]);
			print_uint(p, PRINT_JSON, "surplus", NULL,
				   sv->nodes[k].pool_surplus[i]);
			close_json_object(p);
		}
		close_json_array(p);
		close_json_object(p);
	}
	close_json_array(p);
	if (!s || !s->nr_pools)
		print_fp(p, "  none\n");
	print_fp(p, "\n");

	huge_policy(p, sv->thp);
	open_json_object(p, "tlb");
	huge_capacity(p, sv->tlb);
	close_json_object(p);

	open_json_object(p, "thp");
	if (s) {
		print_fp(p, "THP in use: anon ");
		print_size(p, PRINT_ANY, "anon_thp", s->anon_thp);
		print_fp(p, ", shmem ");
		print_size(p, PRINT_ANY, "shmem_thp", s->shmem_thp);
		print_size(p, PRINT_JSON, "shmem_pmd_mapped",
			   s->shmem_pmd_mapped);
		print_fp(p, ", file ");
		print_size(p, PRINT_ANY, "file_thp", s->file_thp);
		print_size(p, PRINT_JSON, "file_pmd_mapped",
			   s->file_pmd_mapped);
		print_fp(p, "\nTHP events:");
		open_json_object(p, "events");
		for (i = 0; i < VMI_EV_NR; i++) {
			if (!vmi_huge_event_name(i))
				continue;
			print_fp(p, " %s", vmi_huge_event_name(i));
			print_uint(p, PRINT_ANY, vmi_huge_event_name(i),
				   " %llu", s->events[i]);
		}
		close_json_object(p);
		print_fp(p, "\n");
	}
	close_json_object(p);

	open_json_object(p, "fragmentation");
	if (s) {
		print_uint(p, PRINT_ANY, "free_2m_blocks",
			   "\nfree 2 MiB blocks: %llu", s->free_2m);
		print_fp(p, " (%s)\n", sz(s->free_2m * SZ_2M, a));
	} else {
		print_uint(p, PRINT_JSON, "free_2m_blocks", NULL, 0);
	}
	open_json_array(p, "zones");
	for (k = 0; k < sv->nr_nodes; k++) {
		for (z = 0; z < sv->nodes[k].nr_zones; z++) {
			const struct vmi_huge_zone *hz = &sv->nodes[k].zones[z];

			open_json_object(p, NULL);
			print_uint(p, PRINT_ANY, "node", "  node %llu ",
				   sv->nodes[k].node);
			print_string(p, PRINT_ANY, "zone", "%-8s", hz->name);
			print_uint(p, PRINT_JSON, "managed_pages", NULL,
				   hz->managed);
			print_uint(p, PRINT_ANY, "free_2m_blocks",
				   " %llu free 2 MiB blocks, ",
				   vmi_huge_zone_free_2m(hz));
			print_fp(p, "%s managed\n",
				 sz(hz->managed * PAGE_4K, a));
			open_json_array(p, "free_blocks_by_order");
			for (o = 0; p->json && o < VMI_THP_ORDERS; o++)
				print_uint(p, PRINT_JSON, NULL, NULL,
					   hz->free[o]);
			close_json_array(p);
			close_json_object(p);
		}
	}
	close_json_array(p);
	close_json_object(p);
}

/*
 * The one description of "huge --all".  Text: what was scanned, the table
 * of the top processes, then the system-wide lines; JSON: "processes",
 * "top", then the system-wide objects.
 */
static int huge_all_print(const struct huge_sys_view *sv, bool json, FILE *f)
{
	static const char *const hdr[] = { "PID", "COMM", "RSS",     "NOT-HUGE",
					   "4K",  "THP",  "PTE-THP", "HTLB",
					   "TLB", "BEST" };
	struct printer p;
	struct table *t;
	unsigned int c;
	size_t k;

	printer_init(&p, f, json);
	open_json_object(&p, NULL);
	open_json_object(&p, "processes");
	print_uint(&p, PRINT_JSON, "scanned", NULL, sv->scanned);
	print_uint(&p, PRINT_JSON, "kernel_threads", NULL, sv->kernel);
	print_uint(&p, PRINT_JSON, "vanished", NULL, sv->gone);
	print_uint(&p, PRINT_JSON, "denied", NULL, sv->denied);
	print_uint(&p, PRINT_JSON, "failed", NULL, sv->failed);
	close_json_object(&p);
	print_fp(&p,
		 "%zu processes scanned (%zu kernel threads, %zu vanished, "
		 "%zu denied, %zu failed skipped)\n\n",
		 sv->scanned, sv->kernel, sv->gone, sv->denied, sv->failed);

	t = printer_table_begin(&p, ARRAY_SIZE(hdr), hdr);
	for (c = 0; t && c < ARRAY_SIZE(hdr); c++)
		if (c != 1) /* COMM */
			table_set_align(t, c, TABLE_RIGHT);
	open_json_array(&p, "top");
	for (k = 0; k < sv->nr_top; k++) {
		const struct vmi_huge_proc *x = &sv->top[k];
		uint64_t nh = not_huge(&x->b);

		open_json_object(&p, NULL);
		print_row(&p, NULL);
		print_uint(&p, PRINT_ANY, "pid", "%llu", x->pid);
		print_string(&p, PRINT_ANY, "comm", "%s", x->comm);
		huge_sizes(&p, &x->b, &nh, false, NULL);
		print_bits(&p, PRINT_JSON, "mm_flags", x->mm_flags,
			   mm_flag_name, NULL, NULL);
		close_json_object(&p);
	}
	close_json_array(&p);
	printer_table_end(&p);

	huge_all_sys(&p, sv);
	close_json_object(&p);
	return printer_finish(&p);
}

int huge_all_print_json(const struct huge_sys_view *sv, FILE *f)
{
	return huge_all_print(sv, true, f);
}

int huge_all_print_text(const struct huge_sys_view *sv, FILE *f)
{
	return huge_all_print(sv, false, f);
}

/* ---- running ---- */

static int by_not_huge(const void *a, const void *b)
{
	const struct vmi_huge_proc *x = a, *y = b;
	uint64_t nx = not_huge(&x->b), ny = not_huge(&y->b);

	if (nx != ny)
		return nx < ny ? 1 : -1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static int huge_all(struct vmi_handle *h, size_t top, bool json)
{
	struct huge_sys_view sv = { 0 };
	struct vmi_huge_node *nodes;
	struct vmi_huge_sys sys;
	struct vmi_thp_policy thp;
	struct vmi_tlb_capacity tlb;
	struct vmi_huge_scan scan;
	int err;

	nodes = calloc(HUGE_MAX_NODES, sizeof(*nodes));
	if (!nodes) {
		cli_err("out of memory");
		return CLI_EXIT_RUNTIME;
	}
	err = vmi_huge_sys_read(NULL, &sys, nodes, HUGE_MAX_NODES);
	if (err) {
		free(nodes);
		return cli_fail(err, "huge pages system-wide (/sys, /proc)");
	}
	err = vmi_huge_scan(h, NULL, &scan);
	if (err) {
		free(nodes);
		return cli_fail(err, "/proc");
	}
	if (scan.n)
		qsort(scan.procs, scan.n, sizeof(*scan.procs), by_not_huge);
	vmi_thp_policy_read(NULL, &thp);
	vmi_tlb_capacity_read(&tlb);
	sv.top = scan.procs;
	sv.nr_top = scan.n < top ? scan.n : top;
	sv.scanned = scan.scanned;
	sv.kernel = scan.kernel;
	sv.gone = scan.gone;
	sv.denied = scan.denied;
	sv.failed = scan.failed;
	sv.sys = &sys;
	sv.nodes = nodes;
	sv.nr_nodes = sys.nr_nodes < HUGE_MAX_NODES ? sys.nr_nodes :
						      HUGE_MAX_NODES;
	sv.thp = &thp;
	sv.tlb = &tlb;
	err = json ? huge_all_print_json(&sv, stdout) :
		     huge_all_print_text(&sv, stdout);
	vmi_huge_scan_free(&scan);
	free(nodes);
	return err ? CLI_EXIT_RUNTIME : CLI_EXIT_OK;
}

static int huge_one(struct vmi_handle *h, uint32_t pid, bool json)
{
	struct vmi_huge_bytes *outside = NULL;
	struct vmi_huge_sys sys;
	struct vmi_huge_result r;
	struct vmi_thp_policy thp;
	struct vmi_tlb_capacity tlb;
	struct huge_view hv;
	char comm[32];
	size_t i;
	int err;

	err = vmi_huge_all(h, pid, &r);
	if (err)
		return cli_query_fail(err, pid, "huge");
	if (r.nr_vmas) {
		outside = calloc(r.nr_vmas, sizeof(*outside));
		if (!outside) {
			vmi_huge_result_free(&r);
			cli_err("out of memory");
			return CLI_EXIT_RUNTIME;
		}
	}
	/* the head and tail pieces, where the advice needs them */
	for (i = 0; i < r.nr_vmas; i++) {
		const struct vmi_huge_vma *v = &r.vmas[i];
		struct vmi_huge_arg a;

		if (!vmi_huge_needs_outside(v))
			continue;
		if (v->span_2m_start > v->start &&
		    !vmi_huge_totals(h, pid, v->start, v->span_2m_start, &a))
			vmi_huge_add(&outside[i], &a.total);
		if (v->end > v->span_2m_end &&
		    !vmi_huge_totals(h, pid, v->span_2m_end, v->end, &a))
			vmi_huge_add(&outside[i], &a.total);
	}
	memset(&hv, 0, sizeof(hv));
	vmi_thp_policy_read(NULL, &thp);
	vmi_tlb_capacity_read(&tlb);
	err = vmi_huge_sys_read(NULL, &sys, NULL, 0);
	if (err) {
		cli_warn("hugetlb pools: %s", vmi_strerror(err));
	} else {
		hv.facts.pools = sys.pools;
		hv.facts.nr_pools = sys.nr_pools;
	}
	vmi_proc_comm(NULL, pid, comm, sizeof(comm));
	hv.pid = cli_real_pid(pid);
	hv.comm = comm[0] ? comm : NULL;
	hv.r = &r;
	hv.outside = outside;
	hv.facts.thp = &thp;
	hv.facts.mm_flags = r.mm_flags;
	hv.thp = &thp;
	hv.tlb = &tlb;
	err = json ? huge_print_json(&hv, stdout) :
		     huge_print_text(&hv, stdout);
	free(outside);
	vmi_huge_result_free(&r);
	return err ? CLI_EXIT_RUNTIME : CLI_EXIT_OK;
}

/* What "huge" was asked for; its query also prints the answer. */
struct huge_query {
	bool all, json, blocks, range;
	uint32_t pid;
	uint64_t top;
	uint64_t start, end; /* --blocks RANGE */
};

static int huge_query(struct vmi_handle *h, const struct vmi_info *info,
		      void *ctx)
{
	struct huge_query *q = ctx;
	char why[160];

	if (q->blocks) {
		if (!q->range)
			q->end = vmi_user_end(info);
		if (!cli_check_range(q->start, q->end, info, why, sizeof(why)))
			return cli_usage_error(&cli_cmd_huge, "%s", why);
		return huge_blocks(h, q->pid, q->start, q->end, q->range,
				   q->json);
	}
	return q->all ? huge_all(h, (size_t)q->top, q->json) :
			huge_one(h, q->pid, q->json);
}

static const struct cli_query huge_steps = {
	.feature = VMI_FEAT_HUGE,
	.query = huge_query,
};

static int huge_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, CLI_OPT_PRETTY },
		{ "all", no_argument, NULL, 'a' },
		{ "blocks", no_argument, NULL, 'b' },
		{ "top", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_command *cmd = &cli_cmd_huge;
	struct huge_query q = { .top = HUGE_TOP_DEF };
	bool have_top = false;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case CLI_OPT_PRETTY:
			json_pretty = true;
			/* fall through */
		case 'j':
			q.json = true;
			break;
		case 'a':
			q.all = true;
			break;
		case 'b':
			q.blocks = true;
			break;
		case 't':
			if (cli_parse_num(optarg, &q.top) || !q.top ||
			    q.top > 1000000)
				return cli_usage_error(cmd,
						       "invalid --top '%s'",
						       optarg);
			have_top = true;
			break;
		case 'h':
			cli_print_usage(cmd, stdout);
			return CLI_EXIT_OK;
		default:
			return cli_bad_option(cmd, c, argv);
		}
	}
	if (q.all && q.blocks)
		return cli_usage_error(cmd, "--blocks needs a PID, not --all");
	if (q.all) {
		if (argc > optind)
			return cli_usage_error(cmd, "unexpected argument '%s'",
					       argv[optind]);
	} else {
		if (have_top)
			return cli_usage_error(cmd, "--top needs --all");
		if (argc == optind)
			return cli_usage_error(cmd, "no PID given (or --all)");
		if (argc - optind > 1 && q.blocks) {
			if (cli_parse_range(argv[optind + 1], &q.start, &q.end))
				return cli_usage_error(
					cmd,
					"invalid range '%s' (START-END or START+SIZE)",
					argv[optind + 1]);
			q.range = true;
		}
		if (argc - optind > 1 + q.range)
			return cli_usage_error(cmd, "unexpected argument '%s'",
					       argv[optind + 1 + q.range]);
		if (cli_parse_pid(argv[optind], &q.pid))
			return cli_usage_error(cmd, "invalid PID '%s'",
					       argv[optind]);
	}

	return cli_run_query(&huge_steps, &q, q.json);
}
