// SPDX-License-Identifier: GPL-2.0
/*
 * vminspect translate: one virtual address of a process, level by level
 * through its page tables (VMI_IOC_TRANSLATE).
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "output.h"

static int translate_run(int argc, char **argv);

const struct cli_command cli_cmd_translate = {
	.name = "translate",
	.summary = "show the page-table path of one address: PGD to the leaf",
	.usage =
		"Usage: vminspect translate PID ADDR [--json [--pretty]]\n"
		"\n"
		"Translate virtual address ADDR of process PID ('self' or 0:\n"
		"vminspect itself) the way the MMU does, physical address =\n"
		"page_table[virtual address]: the first line gives the answer,\n"
		"then the path PGD -> P4D (5-level paging only) -> PUD -> PMD ->\n"
		"PTE with, per level, the index used, the raw entry read and the\n"
		"physical address of the table it was read from; then the leaf\n"
		"(level, page size, frame, kind, decoded flags) and the VMA that\n"
		"holds ADDR.  The path ends early at a huge-page leaf or at an\n"
		"empty or non-present entry.\n"
		"\n"
		"ADDR is hex with '0x', or without it when it holds a letter\n"
		"a-f; plain digits are decimal.\n"
		"\n"
		"Only root sees frames, physical addresses and the frame bits of\n"
		"entries; inspecting another user's process needs root.\n"
		"\n"
		"Options:\n"
		"  --json      print one JSON object on one line\n"
		"  --pretty    print it indented, two spaces a level (implies --json)\n"
		"  -h, --help  show this help\n",
	.run = translate_run,
};

static const char *name_or(const char *name, char *buf, size_t len,
			   const char *what, unsigned int v)
{
	if (name)
		return name;
	snprintf(buf, len, "%s%u", what, v);
	return buf;
}

static const char *level_str(uint32_t level, char *buf, size_t len)
{
	return name_or(vmi_level_name(level), buf, len, "level", level);
}

/* "PGD", "PTE": level names as the text output shows them. */
static const char *level_upper(uint32_t level, char *buf, size_t len)
{
	const char *name = level_str(level, buf, len);
	size_t i;

	if (name != buf)
		snprintf(buf, len, "%s", name);
	for (i = 0; buf[i]; i++)
		buf[i] = toupper((unsigned char)buf[i]);
	return buf;
}

static const char *kind_str(uint32_t kind, char *buf, size_t len)
{
	return name_or(vmi_kind_name(kind), buf, len, "kind", kind);
}

static bool leaf_has_pfn(const struct vmi_extent *e)
{
	return e->kind == VMI_KIND_PRESENT && !(e->attrs & VMI_EA_PFN_HIDDEN);
}

/* VMA flags beyond rwxs/p: "anon", "file", "hugetlb", "hugepage"... */
#define VMA_PERM_FLAGS \
	(VMI_VMA_READ | VMI_VMA_WRITE | VMI_VMA_EXEC | VMI_VMA_SHARED)

/* "(4K page, pte level)", "(2M page, pmd level, thp)" */
static void leaf_summary(const struct vmi_extent *e, char *buf, size_t len)
{
	char size[FMT_SIZE_LEN], lv[16];

	fmt_size(e->page_shift < 64 ? 1ULL << e->page_shift : 0, size,
		 sizeof(size));
	snprintf(buf, len, "(%s page, %s level%s%s)", size,
		 level_str(e->level, lv, sizeof(lv)),
		 e->attrs & VMI_EA_THP ? ", thp" : "",
		 e->attrs & VMI_EA_HUGETLB ? ", hugetlb" : "");
}

/* The answer in one line: "va 0x... -> pa 0x... (4K page, pte level)". */
static void translate_headline(const struct vmi_translate_arg *t, FILE *f)
{
	const struct vmi_extent *e = &t->leaf;
	char sum[64], kind[16];

	fprintf(f, "va 0x%" PRIx64 " -> ", (uint64_t)t->va);
	if (!t->vma_end) {
		fputs("not mapped (in no VMA)\n", f);
		return;
	}
	leaf_summary(e, sum, sizeof(sum));
	switch (e->kind) {
	case VMI_KIND_PRESENT:
		if (leaf_has_pfn(e))
			fprintf(f, "pa 0x%" PRIx64 " %s\n", (uint64_t)t->pa,
				sum);
		else
			fprintf(f, "pa hidden %s\n", sum);
		break;
	case VMI_KIND_NONE:
		fputs("not present (in a VMA, not faulted in yet)\n", f);
		break;
	case VMI_KIND_SWAP:
		if (e->attrs & VMI_EA_PFN_HIDDEN)
			fputs("swapped out (slot hidden: root only)\n", f);
		else
			fprintf(f,
				"swapped out (swap type %u, offset 0x%" PRIx64
				")\n",
				e->swap_type, (uint64_t)e->swap_offset);
		break;
	case VMI_KIND_MIGRATION:
		fputs("not present (under migration)\n", f);
		break;
	default:
		fprintf(f, "not present (%s entry)\n",
			kind_str(e->kind, kind, sizeof(kind)));
		break;
	}
}

/* "PGD[255] -> PUD[72] -> PMD[145] -> PTE[311]" */
static void translate_path(const struct vmi_translate_arg *t, FILE *f)
{
	char lv[16];
	uint32_t i;

	fputs("path ", f);
	for (i = 0; i < t->nr_levels; i++)
		fprintf(f, "%s%s[%u]", i ? " -> " : "",
			level_upper(t->levels[i].level, lv, sizeof(lv)),
			t->levels[i].index);
	fputc('\n', f);
}

/* Text: a table of the levels walked; JSON: "levels", the same fields. */
static void translate_levels(struct printer *p,
			     const struct vmi_translate_arg *t)
{
	static const char *const hdr[] = { "LEVEL", "INDEX", "ENTRY", "TABLE" };
	const struct vmi_level *lv;
	struct table *tb;
	char name[16];
	uint32_t i;

	tb = t->nr_levels ? printer_table_begin(p, ARRAY_SIZE(hdr), hdr) : NULL;
	if (tb)
		table_set_align(tb, 1, TABLE_RIGHT);
	open_json_array(p, "levels");
	for (i = 0; i < t->nr_levels; i++) {
		lv = &t->levels[i];
		open_json_object(p, NULL);
		print_row(p, NULL);
		print_string(p, PRINT_FP, NULL, "%s",
			     level_upper(lv->level, name, sizeof(name)));
		print_string(p, PRINT_JSON, "level", "%s",
			     level_str(lv->level, name, sizeof(name)));
		print_uint(p, PRINT_ANY, "index", "%llu", lv->index);
		print_hex(p, PRINT_ANY, "entry", "0x%016llx", lv->entry);
		if (lv->table_pa)
			print_hex(p, PRINT_ANY, "table_pa", "0x%016llx",
				  lv->table_pa);
		else
			print_null(p, PRINT_ANY, "table_pa", NULL);
		close_json_object(p);
	}
	close_json_array(p);
	printer_table_end(p);
	if (t->nr_levels && !t->levels[0].table_pa)
		print_fp(p,
			 "(frame bits of entries and table addresses are hidden: root only)\n");
}

/*
 * The leaf and its VMA: text a two-column table (leaf, pfn, swap, flags,
 * attrs, vma), JSON the same facts as separate keys.
 */
static void translate_leaf(struct printer *p, const struct vmi_translate_arg *t)
{
	const struct vmi_extent *e = &t->leaf;
	char buf[256], size[FMT_SIZE_LEN], lv[16], kbuf[16], perms[8];
	char more[128];
	const char *kind;

	printer_table_begin(p, 2, NULL);
	fmt_size(e->page_shift < 64 ? 1ULL << e->page_shift : 0, size,
		 sizeof(size));
	kind = kind_str(e->kind, kbuf, sizeof(kbuf));
	print_row(p, "leaf");
	if (e->page_shift)
		snprintf(buf, sizeof(buf), "%s, %s page, %s",
			 level_str(e->level, lv, sizeof(lv)), size, kind);
	else
		snprintf(buf, sizeof(buf), "%s", kind);
	print_string(p, PRINT_FP, NULL, "%s", buf);
	if (e->level)
		print_string(p, PRINT_JSON, "leaf_level", "%s",
			     level_str(e->level, lv, sizeof(lv)));
	else
		print_null(p, PRINT_JSON, "leaf_level", NULL);
	if (e->page_shift && e->page_shift < 64)
		print_uint(p, PRINT_JSON, "page_size", "%llu",
			   1ULL << e->page_shift);
	else
		print_null(p, PRINT_JSON, "page_size", NULL);
	print_string(p, PRINT_JSON, "kind", "%s", kind);

	if (e->kind == VMI_KIND_PRESENT)
		print_row(p, "pfn");
	if (leaf_has_pfn(e)) {
		snprintf(buf, sizeof(buf), "0x%" PRIx64 " (pa 0x%" PRIx64 ")",
			 (uint64_t)e->pfn, (uint64_t)t->pa);
		print_string(p, PRINT_FP, NULL, "%s", buf);
		print_uint(p, PRINT_JSON, "pfn", NULL, e->pfn);
		print_hex(p, PRINT_JSON, "pa", NULL, t->pa);
	} else {
		if (e->kind == VMI_KIND_PRESENT)
			print_string(p, PRINT_FP, NULL, "%s",
				     "hidden (root only)");
		print_null(p, PRINT_JSON, "pfn", NULL);
		print_null(p, PRINT_JSON, "pa", NULL);
	}

	if (e->kind == VMI_KIND_SWAP) {
		print_row(p, "swap");
		if (e->attrs & VMI_EA_PFN_HIDDEN) {
			print_null(p, PRINT_ANY, "swap", "hidden (root only)");
		} else {
			snprintf(buf, sizeof(buf), "type %u, offset 0x%" PRIx64,
				 e->swap_type, (uint64_t)e->swap_offset);
			print_string(p, PRINT_FP, NULL, "%s", buf);
			open_json_object(p, "swap");
			print_uint(p, PRINT_JSON, "type", NULL, e->swap_type);
			print_uint(p, PRINT_JSON, "offset", NULL,
				   e->swap_offset);
			close_json_object(p);
		}
	}

	if (t->vma_end)
		print_row(p, "flags");
	print_bits(p, t->vma_end ? PRINT_ANY : PRINT_JSON, "flags", e->eflags,
		   vmi_eflag_name, ",", NULL);
	if (t->vma_end)
		print_row(p, "attrs");
	print_bits(p, t->vma_end ? PRINT_FP : 0, NULL,
		   e->attrs & ~VMI_EA_PFN_HIDDEN, vmi_attr_name, ",", NULL);
	print_bits(p, PRINT_JSON, "attrs", e->attrs, vmi_attr_name, NULL, NULL);

	print_row(p, "vma");
	if (t->vma_end) {
		fmt_bits(t->vma_flags & ~VMA_PERM_FLAGS, vmi_vma_flag_name, " ",
			 more, sizeof(more));
		snprintf(buf, sizeof(buf), "0x%" PRIx64 "-0x%" PRIx64 " %s%s%s",
			 (uint64_t)t->vma_start, (uint64_t)t->vma_end,
			 vmi_vma_perms(t->vma_flags, perms), *more ? " " : "",
			 more);
		print_string(p, PRINT_FP, NULL, "%s", buf);
		open_json_object(p, "vma");
		print_hex(p, PRINT_JSON, "start", NULL, t->vma_start);
		print_hex(p, PRINT_JSON, "end", NULL, t->vma_end);
		print_string(p, PRINT_JSON, "perms", NULL,
			     vmi_vma_perms(t->vma_flags, perms));
		print_bits(p, PRINT_JSON, "flags", t->vma_flags,
			   vmi_vma_flag_name, NULL, NULL);
		close_json_object(p);
	} else {
		print_null(p, PRINT_ANY, "vma", NULL);
	}

	printer_table_end(p);
}

/*
 * The one description of a translation.  Text: the headline, the path,
 * the levels table, the leaf table.  JSON: pid, va, levels, the leaf's
 * keys and the VMA.
 */
static int translate_print(uint32_t pid, const struct vmi_translate_arg *t,
			   bool json, FILE *f)
{
	struct printer p;

	printer_init(&p, f, json);
	open_json_object(&p, NULL);
	print_uint(&p, PRINT_JSON, "pid", NULL, pid);
	print_hex(&p, PRINT_JSON, "va", NULL, t->va);
	if (!json) {
		translate_headline(t, f);
		if (t->nr_levels) {
			translate_path(t, f);
			fputc('\n', f);
		}
	}
	translate_levels(&p, t);
	print_fp(&p, "\n");
	translate_leaf(&p, t);
	close_json_object(&p);
	return printer_finish(&p);
}

int translate_print_text(const struct vmi_translate_arg *t, FILE *f)
{
	return translate_print(0, t, false, f);
}

int translate_print_json(uint32_t pid, const struct vmi_translate_arg *t,
			 FILE *f)
{
	return translate_print(pid, t, true, f);
}

/* One translation: the command line, then the answer. */
struct translate_query {
	uint32_t pid;
	uint64_t va;
	struct vmi_translate_arg t;
};

static int translate_query(struct vmi_handle *h, const struct vmi_info *info,
			   void *ctx)
{
	struct translate_query *q = ctx;
	int err;

	if (q->va >= vmi_user_end(info))
		return cli_usage_error(
			&cli_cmd_translate,
			"address 0x%" PRIx64
			" is beyond the user address space (it ends at 0x%" PRIx64
			")",
			q->va, vmi_user_end(info));
	err = vmi_translate(h, q->pid, q->va, &q->t);
	return err ? cli_query_fail(err, q->pid, "translate") : CLI_EXIT_OK;
}

static int translate_render(void *ctx, bool json, FILE *f)
{
	struct translate_query *q = ctx;

	return translate_print(cli_real_pid(q->pid), &q->t, json, f);
}

static const struct cli_query translate_steps = {
	.feature = VMI_FEAT_WALK,
	.query = translate_query,
	.render = translate_render,
};

static int translate_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, CLI_OPT_PRETTY },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_command *cmd = &cli_cmd_translate;
	struct translate_query q;
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
		case 'h':
			cli_print_usage(cmd, stdout);
			return CLI_EXIT_OK;
		default:
			return cli_bad_option(cmd, c, argv);
		}
	}
	if (argc - optind < 2)
		return cli_usage_error(cmd, argc == optind ?
						    "no PID given" :
						    "no address given");
	if (argc - optind > 2)
		return cli_usage_error(cmd, "unexpected argument '%s'",
				       argv[optind + 2]);
	if (cli_parse_pid(argv[optind], &q.pid))
		return cli_usage_error(cmd, "invalid PID '%s'", argv[optind]);
	if (cli_parse_num(argv[optind + 1], &q.va))
		return cli_usage_error(cmd, "invalid address '%s'",
				       argv[optind + 1]);

	return cli_run_query(&translate_steps, &q, json);
}
