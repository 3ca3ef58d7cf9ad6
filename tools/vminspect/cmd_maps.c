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

static int size_cell(struct table *t, uint64_t bytes)
{
	char buf[FMT_SIZE_LEN];

	return table_cell(t, fmt_size(bytes, buf, sizeof(buf)));
}

/* RSS 4K 2M 1G SWAP THP */
static int maps_size_cells(struct table *t, uint64_t rss, uint64_t b4k,
			   uint64_t b2m, uint64_t b1g, uint64_t swap,
			   uint64_t thp)
{
	const uint64_t v[] = { rss, b4k, b2m, b1g, swap, thp };
	unsigned int i;
	int ret = 0;

	for (i = 0; !ret && i < ARRAY_SIZE(v); i++)
		ret = size_cell(t, v[i]);
	return ret;
}

static int maps_vma_table(const struct vmi_vma *v, size_t n,
			  const struct maps_totals *s, FILE *f)
{
	static const char *const hdr[] = { "START", "END", "PERMS", "RSS",
					   "4K",    "2M",  "1G",    "SWAP",
					   "THP",   "NAME" };
	char perms[VMI_PERMS_LEN], virt[FMT_SIZE_LEN];
	struct table *t;
	unsigned int c;
	size_t i;
	int ret;

	t = table_new(ARRAY_SIZE(hdr));
	if (!t)
		return -1;
	table_set_align(t, 0, TABLE_RIGHT);
	table_set_align(t, 1, TABLE_RIGHT);
	for (c = 3; c <= 8; c++)
		table_set_align(t, c, TABLE_RIGHT);
	ret = table_header(t, hdr);
	for (i = 0; !ret && i < n; i++) {
		const struct vmi_vma *m = &v[i];
		const char *name = m->name;

		if (!*name && (m->vma_flags & VMI_VMA_ANON))
			name = "[anon]";
		ret = table_row(t);
		if (!ret)
			ret = table_cellf(t, "0x%" PRIx64, (uint64_t)m->start);
		if (!ret)
			ret = table_cellf(t, "0x%" PRIx64, (uint64_t)m->end);
		if (!ret)
			ret = table_cell(t, vmi_vma_perms(m->vma_flags, perms));
		if (!ret)
			ret = maps_size_cells(t, m->rss, m->bytes_4k,
					      m->bytes_2m, m->bytes_1g, m->swap,
					      m->thp);
		if (!ret)
			ret = table_cell(t, name);
	}
	if (!ret)
		ret = table_row(t);
	if (!ret)
		ret = table_cell(t, "total");
	if (!ret)
		ret = table_cell(t, "");
	if (!ret)
		ret = table_cell(t, "");
	if (!ret)
		ret = maps_size_cells(t, s->rss, s->b4k, s->b2m, s->b1g,
				      s->swap, s->thp);
	if (!ret)
		ret = table_cellf(t, "%zu VMA%s, %s virtual", n,
				  n == 1 ? "" : "s",
				  fmt_size(s->virt, virt, sizeof(virt)));
	if (!ret)
		ret = table_print(t, f);
	table_free(t);
	return ret ? -1 : 0;
}

static int maps_pgtables_table(const struct vmi_pgtables_arg *pt, FILE *f)
{
	static const char *const hdr[] = { "LEVEL", "TABLES", "ENTRIES" };
	uint64_t tables = 0;
	char size[FMT_SIZE_LEN];
	struct table *t;
	unsigned int i;
	uint32_t lv;
	int ret;

	for (i = 0; i < ARRAY_SIZE(maps_levels); i++)
		tables += pt->tables[maps_levels[i]];
	fprintf(f, "page tables: %s in %" PRIu64 " table%s\n",
		fmt_size(pt->bytes, size, sizeof(size)), tables,
		tables == 1 ? "" : "s");

	t = table_new(ARRAY_SIZE(hdr));
	if (!t)
		return -1;
	table_set_align(t, 1, TABLE_RIGHT);
	table_set_align(t, 2, TABLE_RIGHT);
	ret = table_header(t, hdr);
	for (i = 0; !ret && i < ARRAY_SIZE(maps_levels); i++) {
		lv = maps_levels[i];
		/* a folded P4D level (4-level paging) has nothing to show */
		if (lv == VMI_LEVEL_P4D && !pt->tables[lv] && !pt->entries[lv])
			continue;
		ret = table_row(t);
		if (!ret)
			ret = table_cell(t, vmi_level_name(lv));
		if (!ret)
			ret = table_cellf(t, "%" PRIu64,
					  (uint64_t)pt->tables[lv]);
		if (!ret)
			ret = table_cellf(t, "%" PRIu64,
					  (uint64_t)pt->entries[lv]);
	}
	if (!ret)
		ret = table_print(t, f);
	table_free(t);
	return ret ? -1 : 0;
}

int maps_print_text(const struct vmi_vma *v, size_t n,
		    const struct vmi_pgtables_arg *pt, FILE *f)
{
	struct maps_totals s;

	maps_sum(v, n, &s);
	if (maps_vma_table(v, n, &s, f))
		return -1;
	if (pt) {
		fputc('\n', f);
		if (maps_pgtables_table(pt, f))
			return -1;
	}
	return ferror(f) ? -1 : 0;
}

static void json_by_page_size(struct json_writer *j, uint64_t b4k, uint64_t b2m,
			      uint64_t b1g)
{
	json_key(j, "bytes_by_page_size");
	json_object_begin(j);
	json_kv_uint(j, "4096", b4k);
	json_kv_uint(j, "2097152", b2m);
	json_kv_uint(j, "1073741824", b1g);
	json_object_end(j);
}

/* {"pte": n, "pmd": n, ...} from a per-level array */
static void json_per_level(struct json_writer *j, const __u64 *v)
{
	unsigned int i;
	uint32_t lv;

	for (i = ARRAY_SIZE(maps_levels); i-- > 0;) {
		lv = maps_levels[i];
		json_kv_uint(j, vmi_level_name(lv), v[lv]);
	}
}

int maps_print_json(uint32_t pid, const struct vmi_vma *v, size_t n,
		    const struct vmi_pgtables_arg *pt, FILE *f)
{
	char perms[VMI_PERMS_LEN];
	struct maps_totals s;
	struct json_writer j;
	size_t i;

	maps_sum(v, n, &s);
	json_init(&j, f, json_pretty);
	json_object_begin(&j);
	json_kv_uint(&j, "pid", pid);
	json_key(&j, "vmas");
	json_array_begin(&j);
	for (i = 0; i < n; i++) {
		const struct vmi_vma *m = &v[i];

		json_object_begin(&j);
		json_kv_hex(&j, "start", m->start);
		json_kv_hex(&j, "end", m->end);
		json_kv_string(&j, "perms", vmi_vma_perms(m->vma_flags, perms));
		json_kv_string(&j, "name", m->name);
		json_key(&j, "flags");
		json_bits(&j, m->vma_flags, vmi_vma_flag_name);
		json_kv_uint(&j, "pgoff", m->pgoff);
		json_kv_uint(&j, "rss", m->rss);
		json_kv_uint(&j, "swap", m->swap);
		json_kv_uint(&j, "thp", m->thp);
		json_by_page_size(&j, m->bytes_4k, m->bytes_2m, m->bytes_1g);
		json_object_end(&j);
	}
	json_array_end(&j);

	json_key(&j, "totals");
	json_object_begin(&j);
	json_kv_uint(&j, "vmas", n);
	json_kv_uint(&j, "virtual", s.virt);
	json_kv_uint(&j, "rss", s.rss);
	json_kv_uint(&j, "swap", s.swap);
	json_kv_uint(&j, "thp", s.thp);
	json_by_page_size(&j, s.b4k, s.b2m, s.b1g);
	json_object_end(&j);

	json_key(&j, "page_tables");
	if (pt) {
		json_object_begin(&j);
		json_per_level(&j, pt->tables);
		json_kv_uint(&j, "bytes", pt->bytes);
		json_object_end(&j);
	} else {
		json_null(&j);
	}
	json_key(&j, "page_table_entries");
	if (pt) {
		json_object_begin(&j);
		json_per_level(&j, pt->entries);
		json_object_end(&j);
	} else {
		json_null(&j);
	}
	json_object_end(&j);
	return json_finish(&j);
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

	return json ? maps_print_json(cli_real_pid(q->pid), q->v, q->n, q->ptp,
				      f) :
		      maps_print_text(q->v, q->n, q->ptp, f);
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
