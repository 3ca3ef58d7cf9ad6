// SPDX-License-Identifier: GPL-2.0
/*
 * vminspect huge PID --blocks: why not huge, block by block.  The facts of
 * every 2 MiB block (VMI_IOC_HUGE_BLOCKS), the library's verdict for each,
 * and its predictions of MADV_COLLAPSE and khugepaged, with the policy the
 * kernel publishes in sysfs and /proc.  Text groups runs of blocks with
 * the same verdict; JSON lists every block.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "output.h"

#define SZ_2M (2ULL << 20)

/* The verdicts of a view's blocks: v[i] for b[i]. */
static void blocks_judge(const struct huge_blocks_view *hv,
			 struct vmi_block_verdict *v)
{
	size_t i;

	for (i = 0; i < hv->n; i++)
		vmi_huge_block_verdict(&hv->policy, &hv->b[i], &v[i]);
}

/* Does b[i] go on the run that begins at b[first]? */
static bool same_run(const struct huge_blocks_view *hv,
		     const struct vmi_block_verdict *v, size_t first, size_t i)
{
	uint64_t prev = hv->b[i - 1].start & ~(SZ_2M - 1);
	uint64_t here = hv->b[i].start & ~(SZ_2M - 1);

	return v[i].verdict == v[first].verdict &&
	       (here == prev || here == prev + SZ_2M);
}

/* One run of blocks with one verdict: a line of text. */
static void blocks_run(struct printer *p, const struct huge_blocks_view *hv,
		       const struct vmi_block_verdict *v, size_t first,
		       size_t end)
{
	char fix[256];

	vmi_huge_block_fix(&v[first], &hv->b[first], fix, sizeof(fix));
	print_fp(p, "0x%" PRIx64 "-0x%" PRIx64 " %zu block%s %s: %s\n",
		 (uint64_t)hv->b[first].start, (uint64_t)hv->b[end - 1].end,
		 end - first, end - first == 1 ? "" : "s",
		 vmi_huge_block_verdict_name(v[first].verdict), fix);
}

/* One block: an object of "blocks" (JSON only). */
static void blocks_one(struct printer *p, const struct vmi_huge_block *b,
		       const struct vmi_block_verdict *v)
{
	open_json_object(p, NULL);
	print_hex(p, PRINT_JSON, "start", NULL, b->start);
	print_hex(p, PRINT_JSON, "end", NULL, b->end);
	print_string(p, PRINT_JSON, "verdict", NULL,
		     vmi_huge_block_verdict_name(v->verdict));
	print_uint(p, PRINT_JSON, "order", NULL, b->order);
	print_uint(p, PRINT_JSON, "present", NULL, b->present);
	print_uint(p, PRINT_JSON, "swap", NULL, b->swap);
	print_uint(p, PRINT_JSON, "shared", NULL, b->shared);
	print_yes_no(p, PRINT_JSON, "madv_collapse", v->madv_collapse);
	print_yes_no(p, PRINT_JSON, "khugepaged", v->khugepaged);
	close_json_object(p);
}

int huge_blocks_print(const struct huge_blocks_view *hv, bool json, FILE *f)
{
	unsigned int counts[VMI_HBV_NR] = { 0 };
	struct vmi_block_verdict *v;
	size_t i, first = 0;
	struct printer p;
	unsigned int k;
	int ret;

	v = calloc(hv->n ? hv->n : 1, sizeof(*v));
	if (!v)
		return -1;
	blocks_judge(hv, v);
	printer_init(&p, f, json);
	open_json_object(&p, NULL);
	print_uint(&p, PRINT_JSON, "pid", NULL, hv->pid);
	open_json_array(&p, "blocks");
	for (i = 0; i < hv->n; i++) {
		counts[v[i].verdict < VMI_HBV_NR ? v[i].verdict : 0]++;
		if (json) {
			blocks_one(&p, &hv->b[i], &v[i]);
			continue;
		}
		if (i && !same_run(hv, v, first, i)) {
			blocks_run(&p, hv, v, first, i);
			first = i;
		}
	}
	if (!json && hv->n)
		blocks_run(&p, hv, v, first, hv->n);
	close_json_array(&p);
	print_fp(&p, "%zu block%s%s", hv->n, hv->n == 1 ? "" : "s",
		 hv->n ? ":" : "");
	open_json_object(&p, "summary");
	for (k = 0; k < VMI_HBV_NR; k++) {
		if (!counts[k])
			continue;
		print_fp(&p, " %s %u", vmi_huge_block_verdict_name(k),
			 counts[k]);
		print_uint(&p, PRINT_JSON, vmi_huge_block_verdict_name(k), NULL,
			   counts[k]);
	}
	close_json_object(&p);
	print_fp(&p, "\n");
	close_json_object(&p);
	ret = printer_finish(&p);
	free(v);
	return ret;
}

int huge_blocks(struct vmi_handle *h, uint32_t pid, uint64_t start,
		uint64_t end, bool all_vmas, bool json)
{
	struct huge_blocks_view hv = { .pid = cli_real_pid(pid) };
	struct vmi_thp_policy thp;
	size_t i;
	int err;

	/* whole blocks: the range widened to 2 MiB */
	start &= ~(SZ_2M - 1);
	err = vmi_huge_blocks_range(h, pid, start, end,
				    all_vmas ? 0 : VMI_HUGE_BLOCKS_SPAN, NULL,
				    &hv.b, &hv.n, &hv.policy);
	if (err)
		return cli_query_fail(err, pid, "huge --blocks");
	vmi_block_policy_read(NULL, &hv.policy, &thp);
	/* khugepaged's pass over the process: every page of its blocks */
	for (i = 0; i < hv.n; i++)
		hv.policy.scan_pages += (hv.b[i].end - hv.b[i].start) / 4096;
	err = huge_blocks_print(&hv, json, stdout);
	free(hv.b);
	return err ? CLI_EXIT_RUNTIME : CLI_EXIT_OK;
}
