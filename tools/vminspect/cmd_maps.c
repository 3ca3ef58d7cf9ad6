// SPDX-License-Identifier: GPL-2.0
/*
 * vminspect maps: the VMAs of a process with what backs them, by page size
 * (VMI_IOC_MAPS), and the memory its page tables use (VMI_IOC_PGTABLES).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "output.h"
#include "svg.h"

static int maps_run(int argc, char **argv);

const struct cli_command cli_cmd_maps = {
	.name = "maps",
	.summary = "list VMAs with RSS by page size, swap, THP; page-table use",
	.usage =
		"Usage: vminspect maps PID [--json [--pretty] | --svg FILE]\n"
		"\n"
		"List the VMAs of process PID ('self' or 0: vminspect itself):\n"
		"\n"
		"  START END PERMS  the VMA and its protection, as in\n"
		"                   /proc/PID/maps\n"
		"  RSS              bytes mapped by present entries\n"
		"  4K 2M 1G         of these, bytes mapped by 4K, 2M and 1G\n"
		"                   entries\n"
		"  SWAP             bytes in swap entries\n"
		"  THP              bytes in transparent huge pages, PMD- or\n"
		"                   PTE-mapped\n"
		"  NAME             file, [heap], [stack], ... ([anon] when\n"
		"                   anonymous and unnamed)\n"
		"\n"
		"then the totals, and the page tables of the process: tables\n"
		"and used entries per level, and the memory they take.\n"
		"\n"
		"Options:\n"
		"  --json      print one JSON object on one line\n"
		"  --pretty    print it indented, two spaces a level (implies --json)\n"
		"  --svg FILE  write a picture instead (SVG; FILE '-': stdout):\n"
		"              a band per VMA coloured by what maps it, as\n"
		"              'vminspect huge --json' counts it\n"
		"  -h, --help  show this help\n"
		"\n"
		"Inspecting another user's process needs root.\n",
	.run = maps_run,
};

/* Top level first, as the MMU reads them. */
static const uint32_t maps_levels[] = {
	VMI_LEVEL_PGD, VMI_LEVEL_P4D, VMI_LEVEL_PUD,
	VMI_LEVEL_PMD, VMI_LEVEL_PTE,
};

struct maps_totals {
	uint64_t virt, rss, b4k, b2m, b1g, swap, thp;
};

static void maps_sum(const struct vmi_vma *v, size_t n, struct maps_totals *s)
{
	size_t i;

	*s = (struct maps_totals){ 0 };
	for (i = 0; i < n; i++) {
		s->virt += v[i].end - v[i].start;
		s->rss += v[i].rss;
		s->b4k += v[i].bytes_4k;
		s->b2m += v[i].bytes_2m;
		s->b1g += v[i].bytes_1g;
		s->swap += v[i].swap;
		s->thp += v[i].thp;
	}
}

/* RSS 4K 2M 1G SWAP THP: cells, or rss, bytes_by_page_size, swap, thp */
static void maps_sizes(struct printer *p, uint64_t rss, uint64_t b4k,
		       uint64_t b2m, uint64_t b1g, uint64_t swap, uint64_t thp)
{
	print_size(p, PRINT_ANY, "rss", rss);
	open_json_object(p, "bytes_by_page_size");
	print_size(p, PRINT_ANY, "4096", b4k);
	print_size(p, PRINT_ANY, "2097152", b2m);
	print_size(p, PRINT_ANY, "1073741824", b1g);
	close_json_object(p);
	print_size(p, PRINT_ANY, "swap", swap);
	print_size(p, PRINT_ANY, "thp", thp);
}

/* Text: the VMA table and its total row; JSON: "vmas" and "totals". */
static void maps_vmas(struct printer *p, const struct vmi_vma *v, size_t n)
{
	static const char *const hdr[] = { "START", "END", "PERMS", "RSS",
					   "4K",    "2M",  "1G",    "SWAP",
					   "THP",   "NAME" };
	char perms[VMI_PERMS_LEN], virt[FMT_SIZE_LEN], buf[64];
	struct maps_totals s;
	struct table *t;
	unsigned int c;
	size_t i;

	maps_sum(v, n, &s);
	t = printer_table_begin(p, ARRAY_SIZE(hdr), hdr);
	for (c = 0; t && c <= 8; c++)
		if (c != 2) /* PERMS */
			table_set_align(t, c, TABLE_RIGHT);
	open_json_array(p, "vmas");
	for (i = 0; i < n; i++) {
		const struct vmi_vma *m = &v[i];
		const char *name = m->name;

		if (!*name && (m->vma_flags & VMI_VMA_ANON))
			name = "[anon]";
		open_json_object(p, NULL);
		print_row(p, NULL);
		print_hex(p, PRINT_ANY, "start", "0x%llx", m->start);
		print_hex(p, PRINT_ANY, "end", "0x%llx", m->end);
		print_string(p, PRINT_ANY, "perms", "%s",
			     vmi_vma_perms(m->vma_flags, perms));
		maps_sizes(p, m->rss, m->bytes_4k, m->bytes_2m, m->bytes_1g,
			   m->swap, m->thp);
		print_string(p, PRINT_FP, NULL, "%s", name);
		print_string(p, PRINT_JSON, "name", NULL, m->name);
		print_bits(p, PRINT_JSON, "flags", m->vma_flags,
			   vmi_vma_flag_name, NULL, NULL);
		print_uint(p, PRINT_JSON, "pgoff", NULL, m->pgoff);
		close_json_object(p);
	}
	close_json_array(p);

	open_json_object(p, "totals");
	print_row(p, "total");
	print_string(p, PRINT_FP, NULL, "%s", "");
	print_string(p, PRINT_FP, NULL, "%s", "");
	maps_sizes(p, s.rss, s.b4k, s.b2m, s.b1g, s.swap, s.thp);
	snprintf(buf, sizeof(buf), "%zu VMA%s, %s virtual", n,
		 n == 1 ? "" : "s", fmt_size(s.virt, virt, sizeof(virt)));
	print_string(p, PRINT_FP, NULL, "%s", buf);
	print_uint(p, PRINT_JSON, "vmas", NULL, n);
	print_uint(p, PRINT_JSON, "virtual", NULL, s.virt);
	close_json_object(p);
	printer_table_end(p);
}

/*
 * Text: "page tables: SIZE in N tables" and a LEVEL TABLES ENTRIES table
 * from pgd down (p4d only when not folded); JSON: "page_tables" and
 * "page_table_entries", pte first, null when pt is NULL.
 */
static void maps_pgtables(struct printer *p, const struct vmi_pgtables_arg *pt)
{
	static const char *const hdr[] = { "LEVEL", "TABLES", "ENTRIES" };
	char size[FMT_SIZE_LEN];
	struct table *t;
	uint64_t tables = 0;
	unsigned int i;
	uint32_t lv;

	if (!pt) {
		print_null(p, PRINT_JSON, "page_tables", NULL);
		print_null(p, PRINT_JSON, "page_table_entries", NULL);
		return;
	}
	open_json_object(p, "page_tables");
	for (i = ARRAY_SIZE(maps_levels); i-- > 0;) {
		lv = maps_levels[i];
		tables += pt->tables[lv];
		print_uint(p, PRINT_JSON, vmi_level_name(lv), NULL,
			   pt->tables[lv]);
	}
	print_uint(p, PRINT_JSON, "bytes", NULL, pt->bytes);
	close_json_object(p);
	open_json_object(p, "page_table_entries");
	for (i = ARRAY_SIZE(maps_levels); i-- > 0;) {
		lv = maps_levels[i];
		print_uint(p, PRINT_JSON, vmi_level_name(lv), NULL,
			   pt->entries[lv]);
	}
	close_json_object(p);
	if (p->json)
		return;

	print_fp(p, "\npage tables: %s in %" PRIu64 " table%s\n",
		 fmt_size(pt->bytes, size, sizeof(size)), tables,
		 tables == 1 ? "" : "s");
	t = printer_table_begin(p, ARRAY_SIZE(hdr), hdr);
	if (t) {
		table_set_align(t, 1, TABLE_RIGHT);
		table_set_align(t, 2, TABLE_RIGHT);
	}
	for (i = 0; i < ARRAY_SIZE(maps_levels); i++) {
		lv = maps_levels[i];
		/* a folded P4D level (4-level paging) has nothing to show */
		if (lv == VMI_LEVEL_P4D && !pt->tables[lv] && !pt->entries[lv])
			continue;
		print_row(p, vmi_level_name(lv));
		print_uint(p, PRINT_FP, NULL, "%llu", pt->tables[lv]);
		print_uint(p, PRINT_FP, NULL, "%llu", pt->entries[lv]);
	}
	printer_table_end(p);
}

/* The one description of "maps": the VMAs, their totals, page tables. */
static int maps_print(uint32_t pid, const struct vmi_vma *v, size_t n,
		      const struct vmi_pgtables_arg *pt, bool json, FILE *f)
{
	struct printer p;

	printer_init(&p, f, json);
	open_json_object(&p, NULL);
	print_uint(&p, PRINT_JSON, "pid", NULL, pid);
	maps_vmas(&p, v, n);
	maps_pgtables(&p, pt);
	close_json_object(&p);
	return printer_finish(&p);
}

int maps_print_text(const struct vmi_vma *v, size_t n,
		    const struct vmi_pgtables_arg *pt, FILE *f)
{
	return maps_print(0, v, n, pt, false, f);
}

int maps_print_json(uint32_t pid, const struct vmi_vma *v, size_t n,
		    const struct vmi_pgtables_arg *pt, FILE *f)
{
	return maps_print(pid, v, n, pt, true, f);
}

/* The VMAs of one process and its page tables (pt NULL: unknown). */
struct maps_query {
	uint32_t pid;
	const char *svg; /* --svg FILE */
	struct vmi_vma *v;
	size_t n;
	struct vmi_pgtables_arg pt, *ptp;
};

static int maps_query(struct vmi_handle *h, const struct vmi_info *info,
		      void *ctx)
{
	struct maps_query *q = ctx;
	int err;

	(void)info;
	err = vmi_maps_all(h, q->pid, &q->v, &q->n);
	if (err)
		return cli_query_fail(err, q->pid, "maps");
	q->ptp = &q->pt;
	err = vmi_pgtables(h, q->pid, &q->pt);
	if (err) {
		/* the VMAs are worth showing without the page tables */
		cli_warn("page tables: %s", vmi_strerror(err));
		q->ptp = NULL;
	}
	return CLI_EXIT_OK;
}

static int maps_render(void *ctx, bool json, FILE *f)
{
	struct maps_query *q = ctx;

	return maps_print(cli_real_pid(q->pid), q->v, q->n, q->ptp, json, f);
}

static void maps_release(void *ctx)
{
	free(((struct maps_query *)ctx)->v);
}

/* maps --svg: the query writes the picture; nothing is left to render. */
static int maps_svg_query(struct vmi_handle *h, const struct vmi_info *info,
			  void *ctx)
{
	struct maps_query *q = ctx;

	return maps_svg(h, info, q->pid, q->svg);
}

static const struct cli_query maps_svg_steps = {
	.feature = VMI_FEAT_HUGE,
	.query = maps_svg_query,
};

static const struct cli_query maps_steps = {
	.feature = VMI_FEAT_WALK,
	.query = maps_query,
	.render = maps_render,
	.release = maps_release,
};

static int maps_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, CLI_OPT_PRETTY },
		{ "svg", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_command *cmd = &cli_cmd_maps;
	struct maps_query q = { 0 };
	bool json = false;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case CLI_OPT_PRETTY:
			json_pretty = true;
			/* fall through */
		case 'j':
			json = true;
			break;
		case 's':
			q.svg = optarg;
			break;
		case 'h':
			cli_print_usage(cmd, stdout);
			return CLI_EXIT_OK;
		default:
			return cli_bad_option(cmd, c, argv);
		}
	}
	if (json && q.svg)
		return cli_usage_error(cmd,
				       "--json and --svg exclude each other");
	if (argc == optind)
		return cli_usage_error(cmd, "no PID given");
	if (argc - optind > 1)
		return cli_usage_error(cmd, "unexpected argument '%s'",
				       argv[optind + 1]);
	if (cli_parse_pid(argv[optind], &q.pid))
		return cli_usage_error(cmd, "invalid PID '%s'", argv[optind]);

	if (q.svg)
		return cli_run_query(&maps_svg_steps, &q, false);
	return cli_run_query(&maps_steps, &q, json);
}
