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
		"                  nx global pwt pcd pat soft_dirty uffd_wp\n"
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

/* A name, or what followed by the number when the name is unknown. */
static const char *name_or(const char *name, unsigned int v, const char *what,
			   char *buf, size_t len)
{
	if (name)
		return name;
	snprintf(buf, len, "%s%u", what, v);
	return buf;
}

/* One extent: a table row, or an object of "extents". */
static void walk_extent(struct printer *p, const struct vmi_extent *e)
{
	bool hidden = e->attrs & VMI_EA_PFN_HIDDEN;
	char buf[64];

	open_json_object(p, NULL);
	print_row(p, NULL);
	print_hex(p, PRINT_ANY, "start", "0x%llx", e->start);
	print_hex(p, PRINT_ANY, "end", "0x%llx", e->end);
	print_size(p, PRINT_FP, NULL, e->end - e->start);
	if (e->page_shift && e->page_shift < 64)
		print_size(p, PRINT_ANY, "page_size", 1ULL << e->page_shift);
	else
		print_null(p, PRINT_ANY, "page_size", NULL);
	if (e->level)
		print_string(p, PRINT_ANY, "level", "%s",
			     name_or(vmi_level_name(e->level), e->level,
				     "level", buf, sizeof(buf)));
	else
		print_null(p, PRINT_ANY, "level", NULL);
	print_string(p, PRINT_ANY, "kind", "%s",
		     name_or(vmi_kind_name(e->kind), e->kind, "kind", buf,
			     sizeof(buf)));
	/* PFN: the frame, the swap slot (TYPE:OFFSET in text), or "-" */
	if (e->kind == VMI_KIND_PRESENT && !hidden) {
		print_hex(p, PRINT_FP, NULL, "0x%llx", e->pfn);
		print_uint(p, PRINT_JSON, "pfn", NULL, e->pfn);
	} else if (e->kind == VMI_KIND_SWAP && !hidden) {
		snprintf(buf, sizeof(buf), "%u:0x%" PRIx64, e->swap_type,
			 (uint64_t)e->swap_offset);
		print_string(p, PRINT_FP, NULL, "%s", buf);
		print_null(p, PRINT_JSON, "pfn", NULL);
	} else {
		print_null(p, PRINT_ANY, "pfn", NULL);
	}
	print_bits(p, PRINT_ANY, "flags", e->eflags, vmi_eflag_name, ",", NULL);
	print_bits(p, PRINT_FP, NULL, e->attrs & ~VMI_EA_PFN_HIDDEN,
		   vmi_attr_name, ",", NULL);
	print_bits(p, PRINT_JSON, "attrs", e->attrs, vmi_attr_name, NULL, NULL);
	print_yes_no(p, PRINT_JSON, "thp", e->attrs & VMI_EA_THP);
	print_yes_no(p, PRINT_JSON, "hugetlb", e->attrs & VMI_EA_HUGETLB);
	if (e->kind == VMI_KIND_SWAP && hidden) {
		print_null(p, PRINT_JSON, "swap", NULL);
	} else if (e->kind == VMI_KIND_SWAP) {
		open_json_object(p, "swap");
		print_uint(p, PRINT_JSON, "type", NULL, e->swap_type);
		print_uint(p, PRINT_JSON, "offset", NULL, e->swap_offset);
		close_json_object(p);
	}
	close_json_object(p);
}

/*
 * The one description of a walk.  Text: a table of the extents, then
 * "N extents, X present, Y in swap" (and a note when frames are hidden).
 * JSON: pid, the range, "extents".
 */
static int walk_print(uint32_t pid, uint64_t start, uint64_t end,
		      const struct vmi_extent *e, size_t n, bool json, FILE *f)
{
	static const char *const hdr[] = { "START", "END",   "SIZE",
					   "PAGE",  "LEVEL", "KIND",
					   "PFN",   "FLAGS", "ATTRS" };
	char a[FMT_SIZE_LEN], b[FMT_SIZE_LEN];
	uint64_t present = 0, swap = 0;
	bool hidden = false;
	struct printer p;
	struct table *t;
	unsigned int c;
	size_t i;

	printer_init(&p, f, json);
	open_json_object(&p, NULL);
	print_uint(&p, PRINT_JSON, "pid", NULL, pid);
	print_hex(&p, PRINT_JSON, "start", NULL, start);
	print_hex(&p, PRINT_JSON, "end", NULL, end);
	t = printer_table_begin(&p, ARRAY_SIZE(hdr), hdr);
	for (c = 0; t && c < 4; c++)
		table_set_align(t, c, TABLE_RIGHT);
	open_json_array(&p, "extents");
	for (i = 0; i < n; i++) {
		if (e[i].kind == VMI_KIND_PRESENT) {
			present += e[i].end - e[i].start;
			hidden |= e[i].attrs & VMI_EA_PFN_HIDDEN;
		} else if (e[i].kind == VMI_KIND_SWAP) {
			swap += e[i].end - e[i].start;
		}
		walk_extent(&p, &e[i]);
	}
	close_json_array(&p);
	printer_table_end(&p);
	close_json_object(&p);
	print_fp(&p, "%zu extent%s, %s present, %s in swap\n", n,
		 n == 1 ? "" : "s", fmt_size(present, a, sizeof(a)),
		 fmt_size(swap, b, sizeof(b)));
	if (hidden)
		print_fp(&p,
			 "frame numbers are hidden: only root may see them\n");
	return printer_finish(&p);
}

int walk_print_text(const struct vmi_extent *e, size_t n, FILE *f)
{
	return walk_print(0, 0, 0, e, n, false, f);
}

int walk_print_json(uint32_t pid, uint64_t start, uint64_t end,
		    const struct vmi_extent *e, size_t n, FILE *f)
{
	return walk_print(pid, start, end, e, n, true, f);
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
