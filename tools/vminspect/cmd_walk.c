// SPDX-License-Identifier: GPL-2.0
/*
 * vminspect walk: the leaf page-table entries over a range of a process
 * (VMI_IOC_WALK), merged into extents of like pages.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "output.h"

/* One walk: the command line, then the answer. */
struct walk_query {
	uint32_t pid;
	uint64_t flags, start, end;
	bool range; /* else the whole user address space */
	struct vmi_extent *ext;
	size_t n;
};

static int walk_query(struct vmi_handle *h, const struct vmi_info *info,
		      void *ctx)
{
	struct walk_query *w = ctx;
	char why[160];
	int err;

	if (!w->range)
		w->end = vmi_user_end(info);
	if (!cli_check_range(w->start, w->end, info, why, sizeof(why)))
		return cli_usage_error(&cli_cmd_walk, "%s", why);
	err = vmi_walk_all(h, w->pid, w->start, w->end, w->flags, &w->ext,
			   &w->n);
	return err ? cli_query_fail(err, w->pid, "walk") : CLI_EXIT_OK;
}

static int walk_render(void *ctx, bool json, FILE *f)
{
	struct walk_query *w = ctx;

	if (json)
		return walk_print_json(cli_real_pid(w->pid), w->start, w->end,
				       w->ext, w->n, f);
	return walk_print_text(w->ext, w->n, f);
}

static void walk_release(void *ctx)
{
	free(((struct walk_query *)ctx)->ext);
}

static const struct cli_query walk_steps = {
	.feature = VMI_FEAT_WALK,
	.query = walk_query,
	.render = walk_render,
	.release = walk_release,
};

static int walk_run(int argc, char **argv);

const struct cli_command cli_cmd_walk = {
	.name = "walk",
	.summary = "list the mappings of a range: frames, page sizes, flags",
	.usage =
		"Usage: vminspect walk PID [START-END | START+SIZE | START END]\n"
		"                      [--per-page] [--holes] [--json [--pretty]]\n"
		"\n"
		"Walk the page tables of process PID ('self' or 0: vminspect\n"
		"itself) over a range, the whole user address space by default,\n"
		"and list runs of pages with the same page size, kind, flags and\n"
		"physically contiguous frames:\n"
		"\n"
		"  START END SIZE  the run, [START, END)\n"
		"  PAGE LEVEL      page size and the level of its entries\n"
		"                  (pte 4K, pmd 2M, pud 1G)\n"
		"  KIND            present, swap, migration, hwpoison, marker,\n"
		"                  device, other, none (a hole, with --holes)\n"
		"  PFN             first frame (root only, '-' when hidden);\n"
		"                  TYPE:OFFSET for swap entries\n"
		"  FLAGS           entry bits: present write user accessed dirty\n"
		"                  nx global pwt pcd pat soft-dirty uffd-wp\n"
		"                  protnone special exclusive devmap huge\n"
		"  ATTRS           thp hugetlb anon file shared\n"
		"\n"
		"Addresses are hex with '0x', or without it when they hold a\n"
		"letter a-f; plain digits are decimal.  SIZE takes K, M, G, T.\n"
		"START and END must be page aligned.\n"
		"\n"
		"Options:\n"
		"  --per-page  one line per page, no merging\n"
		"  --holes     also list the unmapped parts of VMAs\n"
		"  --json      print one JSON object on one line\n"
		"  --pretty    print it indented, two spaces a level (implies --json)\n"
		"  -h, --help  show this help\n"
		"\n"
		"Inspecting another user's process needs root (CAP_SYS_ADMIN or\n"
		"CAP_SYS_PTRACE); only root sees frame numbers.\n",
	.run = walk_run,
};

static char *fmt_hex(uint64_t v, char *buf, size_t len)
{
	snprintf(buf, len, "0x%" PRIx64, v);
	return buf;
}

/* PFN column: the frame, the swap slot, or NULL ("-"; hidden too). */
static int walk_pfn_cell(struct table *t, const struct vmi_extent *e)
{
	if (e->attrs & VMI_EA_PFN_HIDDEN)
		return table_cell(t, NULL);
	if (e->kind == VMI_KIND_SWAP)
		return table_cellf(t, "%u:0x%" PRIx64, e->swap_type,
				   (uint64_t)e->swap_offset);
	if (e->kind == VMI_KIND_PRESENT && !(e->attrs & VMI_EA_PFN_HIDDEN))
		return table_cellf(t, "0x%" PRIx64, (uint64_t)e->pfn);
	return table_cell(t, NULL);
}

static int walk_name_cell(struct table *t, const char *name, unsigned int v,
			  const char *what)
{
	if (name)
		return table_cell(t, name);
	return table_cellf(t, "%s%u", what, v);
}

int walk_print_text(const struct vmi_extent *e, size_t n, FILE *f)
{
	static const char *const hdr[] = { "START", "END",   "SIZE",
					   "PAGE",  "LEVEL", "KIND",
					   "PFN",   "FLAGS", "ATTRS" };
	uint64_t present = 0, swap = 0;
	char buf[256], a[FMT_SIZE_LEN], b[FMT_SIZE_LEN];
	bool hidden = false;
	struct table *t;
	unsigned int c;
	size_t i;
	int ret;

	t = table_new(ARRAY_SIZE(hdr));
	if (!t)
		return -1;
	for (c = 0; c < 4; c++)
		table_set_align(t, c, TABLE_RIGHT);
	ret = table_header(t, hdr);
	for (i = 0; !ret && i < n; i++) {
		const struct vmi_extent *x = &e[i];
		uint32_t attrs = x->attrs & ~VMI_EA_PFN_HIDDEN;

		if (x->kind == VMI_KIND_PRESENT) {
			present += x->end - x->start;
			hidden |= x->attrs & VMI_EA_PFN_HIDDEN;
		} else if (x->kind == VMI_KIND_SWAP) {
			swap += x->end - x->start;
		}
		ret = table_row(t);
		if (!ret)
			ret = table_cell(t,
					 fmt_hex(x->start, buf, sizeof(buf)));
		if (!ret)
			ret = table_cell(t, fmt_hex(x->end, buf, sizeof(buf)));
		if (!ret)
			ret = table_cell(t, fmt_size(x->end - x->start, buf,
						     sizeof(buf)));
		if (!ret)
			ret = table_cell(t,
					 x->page_shift && x->page_shift < 64 ?
						 fmt_size(1ULL << x->page_shift,
							  buf, sizeof(buf)) :
						 NULL);
		if (!ret)
			ret = x->level ?
				      walk_name_cell(t,
						     vmi_level_name(x->level),
						     x->level, "level") :
				      table_cell(t, NULL);
		if (!ret)
			ret = walk_name_cell(t, vmi_kind_name(x->kind), x->kind,
					     "kind");
		if (!ret)
			ret = walk_pfn_cell(t, x);
		if (!ret) {
			fmt_bits(x->eflags, vmi_eflag_name, ",", buf,
				 sizeof(buf));
			ret = table_cell(t, *buf ? buf : NULL);
		}
		if (!ret) {
			fmt_bits(attrs, vmi_attr_name, ",", buf, sizeof(buf));
			ret = table_cell(t, *buf ? buf : NULL);
		}
	}
	if (!ret)
		ret = table_print(t, f);
	table_free(t);
	if (ret)
		return -1;
	fprintf(f, "%zu extent%s, %s present, %s in swap\n", n,
		n == 1 ? "" : "s", fmt_size(present, a, sizeof(a)),
		fmt_size(swap, b, sizeof(b)));
	if (hidden)
		fputs("frame numbers are hidden: only root may see them\n", f);
	return ferror(f) ? -1 : 0;
}

static void walk_json_name(struct json_writer *j, const char *key,
			   const char *name, unsigned int v, const char *what)
{
	char buf[24];

	if (!name) {
		snprintf(buf, sizeof(buf), "%s%u", what, v);
		name = buf;
	}
	json_kv_string(j, key, name);
}

static void walk_json_extent(struct json_writer *j, const struct vmi_extent *e)
{
	json_object_begin(j);
	json_kv_hex(j, "start", e->start);
	json_kv_hex(j, "end", e->end);
	if (e->page_shift && e->page_shift < 64)
		json_kv_uint(j, "page_size", 1ULL << e->page_shift);
	else
		json_kv_null(j, "page_size");
	if (e->level)
		walk_json_name(j, "level", vmi_level_name(e->level), e->level,
			       "level");
	else
		json_kv_null(j, "level");
	walk_json_name(j, "kind", vmi_kind_name(e->kind), e->kind, "kind");
	if (e->kind == VMI_KIND_PRESENT && !(e->attrs & VMI_EA_PFN_HIDDEN))
		json_kv_uint(j, "pfn", e->pfn);
	else
		json_kv_null(j, "pfn");
	json_key(j, "flags");
	json_bits(j, e->eflags, vmi_eflag_name);
	json_key(j, "attrs");
	json_bits(j, e->attrs, vmi_attr_name);
	json_kv_bool(j, "thp", e->attrs & VMI_EA_THP);
	json_kv_bool(j, "hugetlb", e->attrs & VMI_EA_HUGETLB);
	if (e->kind == VMI_KIND_SWAP && e->attrs & VMI_EA_PFN_HIDDEN) {
		json_kv_null(j, "swap");
	} else if (e->kind == VMI_KIND_SWAP) {
		json_key(j, "swap");
		json_object_begin(j);
		json_kv_uint(j, "type", e->swap_type);
		json_kv_uint(j, "offset", e->swap_offset);
		json_object_end(j);
	}
	json_object_end(j);
}

int walk_print_json(uint32_t pid, uint64_t start, uint64_t end,
		    const struct vmi_extent *e, size_t n, FILE *f)
{
	struct json_writer j;
	size_t i;

	json_init(&j, f, json_pretty);
	json_object_begin(&j);
	json_kv_uint(&j, "pid", pid);
	json_kv_hex(&j, "start", start);
	json_kv_hex(&j, "end", end);
	json_key(&j, "extents");
	json_array_begin(&j);
	for (i = 0; i < n; i++)
		walk_json_extent(&j, &e[i]);
	json_array_end(&j);
	json_object_end(&j);
	return json_finish(&j);
}

static int walk_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "per-page", no_argument, NULL, 'p' },
		{ "holes", no_argument, NULL, 'H' },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, CLI_OPT_PRETTY },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_command *cmd = &cli_cmd_walk;
	struct walk_query w = { 0 };
	bool json = false;
	int c, nargs;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			w.flags |= VMI_WALK_PER_PAGE;
			break;
		case 'H':
			w.flags |= VMI_WALK_HOLES;
			break;
		case CLI_OPT_PRETTY:
			json_pretty = true;
			/* fall through */
		case 'j':
			json = true;
			break;
		case 'h':
			cli_print_usage(cmd, stdout);
			return CLI_EXIT_OK;
		default:
			return cli_bad_option(cmd, c, argv);
		}
	}
	nargs = argc - optind;
	if (nargs < 1)
		return cli_usage_error(cmd, "no PID given");
	if (nargs > 3)
		return cli_usage_error(cmd, "unexpected argument '%s'",
				       argv[optind + 3]);
	if (cli_parse_pid(argv[optind], &w.pid))
		return cli_usage_error(cmd, "invalid PID '%s'", argv[optind]);
	if (nargs == 2) {
		if (cli_parse_range(argv[optind + 1], &w.start, &w.end))
			return cli_usage_error(
				cmd,
				"invalid range '%s' (START-END or START+SIZE)",
				argv[optind + 1]);
		w.range = true;
	} else if (nargs == 3) {
		if (cli_parse_num(argv[optind + 1], &w.start))
			return cli_usage_error(cmd, "invalid address '%s'",
					       argv[optind + 1]);
		if (cli_parse_num(argv[optind + 2], &w.end))
			return cli_usage_error(cmd, "invalid address '%s'",
					       argv[optind + 2]);
		w.range = true;
	}

	return cli_run_query(&walk_steps, &w, json);
}
