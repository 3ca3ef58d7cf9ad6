// SPDX-License-Identifier: GPL-2.0
/*
 * vminspect pgtables: what the page tables themselves cost.  One process:
 * its tables per level, how full they are, and the VMAs that spend the
 * most on them; --all: every process against the kernel's PageTables;
 * --shared: the files and shmem objects whose tables many processes pay
 * for, each its own set, and what sharing them would save.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "output.h"

#define PGT_TOP_DEF 10
#define PGT_TABLE   4096 /* bytes of a page table at every level */

static int pgt_run(int argc, char **argv);

const struct cli_command cli_cmd_pgtables = {
	.name = "pgtables",
	.summary = "page-table memory: per level, fullness, VMAs, sharing",
	.usage =
		"Usage: vminspect pgtables PID [--top N] [--json [--pretty]]\n"
		"       vminspect pgtables --all [--top N] [--json [--pretty]]\n"
		"       vminspect pgtables --shared [--top N] [--json [--pretty]]\n"
		"\n"
		"The page tables of process PID ('self' or 0: vminspect itself):\n"
		"their bytes against the kernel's VmPTE, and per level the\n"
		"tables, the entries in use, the tables with none in use\n"
		"(EMPTY), and the tables by entries in use (1, 2-8, 9-64,\n"
		"65-256, 257-511, 512); then the VMAs whose tables take the most.\n"
		"\n"
		"With --all: every process by page-table bytes, and their sum\n"
		"against PageTables of /proc/meminfo (the rest is the kernel's\n"
		"own tables and those of processes exiting).\n"
		"\n"
		"With --shared: every file or shmem object mapped by more than\n"
		"one process, by the bytes of the tables all its mappers spend\n"
		"on it, with what sharing would save: the PTE tables of its\n"
		"whole 2 MiB blocks (PMD mappings need none), and for hugetlb\n"
		"all PMD tables but one set.\n"
		"\n"
		"Options:\n"
		"  --all       every process instead of one\n"
		"  --shared    the objects many processes map\n"
		"  --top N     list N VMAs, processes or objects (default 10)\n"
		"  --json      print JSON\n"
		"  --pretty    indent the JSON (implies --json)\n"
		"  -h, --help  show this help\n",
	.run = pgt_run,
};

static const uint32_t pgt_levels[] = { VMI_LEVEL_PGD, VMI_LEVEL_P4D,
				       VMI_LEVEL_PUD, VMI_LEVEL_PMD,
				       VMI_LEVEL_PTE };

/*
 * Bytes of the tables VmPTE counts: PTE, PMD and PUD tables, and the PTE
 * tables deposited under anonymous THPs.
 */
static uint64_t counted(const struct vmi_pgtables_arg *t)
{
	return (t->tables[VMI_LEVEL_PTE] + t->tables[VMI_LEVEL_PMD] +
		t->tables[VMI_LEVEL_PUD] + t->deposited) *
	       PGT_TABLE;
}

/* "levels": per level its tables, entries, empty, single and fullness. */
static void pgt_levels_print(struct printer *p,
			     const struct vmi_pgtables_arg *t)
{
	static const char *const hdr[] = { "LEVEL", "TABLES", "ENTRIES",
					   "EMPTY", "1",      "2-8",
					   "9-64",  "65-256", "257-511",
					   "512" };
	struct table *tb;
	unsigned int i, b;

	tb = printer_table_begin(p, ARRAY_SIZE(hdr), hdr);
	for (i = 1; tb && i < ARRAY_SIZE(hdr); i++)
		table_set_align(tb, i, TABLE_RIGHT);
	open_json_object(p, "levels");
	for (i = 0; i < ARRAY_SIZE(pgt_levels); i++) {
		uint32_t lv = pgt_levels[i];

		/* a folded P4D level (4-level paging) has nothing to show */
		if (lv == VMI_LEVEL_P4D && !t->tables[lv])
			continue;
		print_row(p, vmi_level_name(lv));
		open_json_object(p, vmi_level_name(lv));
		print_uint(p, PRINT_ANY, "tables", "%llu", t->tables[lv]);
		print_uint(p, PRINT_ANY, "entries", "%llu", t->entries[lv]);
		print_uint(p, PRINT_ANY, "empty", "%llu", t->empty[lv]);
		print_uint(p, PRINT_JSON, "single", NULL, t->fullness[lv][0]);
		open_json_array(p, "fullness");
		for (b = 0; b < VMI_PGT_BUCKETS; b++)
			print_uint(p, PRINT_ANY, NULL, "%llu",
				   t->fullness[lv][b]);
		close_json_array(p);
		close_json_object(p);
	}
	close_json_object(p);
	printer_table_end(p);
}

/* ---- one process ---- */

struct pgt_vma_view {
	const struct vmi_pgt_vma *v;
	char name[256];
};

static uint64_t vma_bytes(const struct vmi_pgt_vma *v)
{
	return (v->tables[0] + v->tables[1] + v->tables[2] + v->tables[3]) *
	       PGT_TABLE;
}

static int by_vma_bytes(const void *a, const void *b)
{
	const struct pgt_vma_view *x = a, *y = b;
	uint64_t bx = vma_bytes(x->v), by = vma_bytes(y->v);

	if (bx != by)
		return bx > by ? -1 : 1;
	return x->v->start < y->v->start ? -1 : x->v->start > y->v->start;
}

/* Names of the VMAs from /proc/PID/maps, by start address. */
static void pgt_vma_names(uint32_t pid, struct pgt_vma_view *vv, size_t n)
{
	char path[64], line[4096 + 256];
	unsigned long long start;
	size_t i = 0;
	int off;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f) && i < n) {
		off = 0;
		if (sscanf(line, "%llx-%*x %*s %*s %*s %*u %n", &start, &off) <
			    1 ||
		    !off)
			continue;
		while (i < n && vv[i].v->start < start)
			i++;
		if (i < n && vv[i].v->start == start) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(vv[i].name, sizeof(vv[i].name), "%s",
				 line[off] ? line + off : "[anon]");
		}
	}
	fclose(f);
}

struct pgt_one_view {
	uint32_t pid;
	uint64_t vm_pte;
	uint64_t mapped; /* bytes of all VMAs */
	const struct vmi_pgtables_arg *t;
	struct pgt_vma_view *vv; /* sorted by bytes */
	size_t n, top;
};

static int pgt_one_print(const struct pgt_one_view *o, bool json, FILE *f)
{
	static const char *const hdr[] = { "START", "END",   "PTE-TABLES",
					   "BYTES", "EMPTY", "SINGLE",
					   "NAME" };
	char a[FMT_SIZE_LEN], b[FMT_SIZE_LEN];
	uint64_t per_gib = o->mapped ? o->t->bytes * (1ULL << 30) / o->mapped :
				       0;
	struct printer p;
	struct table *tb;
	size_t i;

	printer_init(&p, f, json);
	open_json_object(&p, NULL);
	print_uint(&p, PRINT_JSON, "pid", NULL, o->pid);
	print_uint(&p, PRINT_JSON, "bytes", NULL, o->t->bytes);
	print_uint(&p, PRINT_JSON, "vm_pte", NULL, o->vm_pte);
	print_uint(&p, PRINT_JSON, "mapped", NULL, o->mapped);
	print_uint(&p, PRINT_JSON, "bytes_per_gib_mapped", NULL, per_gib);
	print_uint(&p, PRINT_JSON, "deposited", NULL, o->t->deposited);
	print_fp(&p,
		 "page tables of %u: %s (VmPTE %s: all but the PGD and P4D), %s per GiB mapped\n\n",
		 o->pid, fmt_size(o->t->bytes, a, sizeof(a)),
		 fmt_size(o->vm_pte, b, sizeof(b)),
		 fmt_size(per_gib, (char[FMT_SIZE_LEN]){ 0 }, FMT_SIZE_LEN));
	pgt_levels_print(&p, o->t);
	if (o->t->deposited)
		print_fp(&p,
			 "and %llu PTE tables deposited under THPs, for their split\n",
			 (unsigned long long)o->t->deposited);

	print_fp(&p, "\nVMAs by page-table bytes (%zu of %zu):\n",
		 o->n < o->top ? o->n : o->top, o->n);
	tb = printer_table_begin(&p, ARRAY_SIZE(hdr), hdr);
	for (i = 2; tb && i < 6; i++)
		table_set_align(tb, i, TABLE_RIGHT);
	open_json_array(&p, "vmas");
	for (i = 0; i < o->n; i++) {
		const struct vmi_pgt_vma *v = o->vv[i].v;

		if (!json && i >= o->top)
			break;
		open_json_object(&p, NULL);
		print_row(&p, NULL);
		print_hex(&p, PRINT_ANY, "start", "0x%llx", v->start);
		print_hex(&p, PRINT_ANY, "end", "0x%llx", v->end);
		print_uint(&p, PRINT_ANY, "pte_tables", "%llu", v->tables[0]);
		print_size(&p, PRINT_ANY, "bytes", vma_bytes(v));
		print_uint(&p, PRINT_ANY, "pte_empty", "%llu", v->pte_empty);
		print_uint(&p, PRINT_ANY, "pte_single", "%llu", v->pte_single);
		print_string(&p, PRINT_ANY, "name", "%s",
			     o->vv[i].name[0] ? o->vv[i].name : "-");
		print_uint(&p, PRINT_JSON, "pte_entries", NULL, v->pte_entries);
		close_json_object(&p);
	}
	close_json_array(&p);
	printer_table_end(&p);
	close_json_object(&p);
	return printer_finish(&p);
}

static int pgt_one(struct vmi_handle *h, uint32_t pid, size_t top, bool json)
{
	struct pgt_one_view o = { .pid = cli_real_pid(pid), .top = top };
	struct vmi_pgtables_arg t;
	struct vmi_pgt_vma *v;
	size_t i, n;
	int err;

	err = vmi_pgtables_vmas(h, pid, &t, &v, &n);
	if (err)
		return cli_query_fail(err, pid, "pgtables");
	o.vm_pte = vmi_proc_vm_pte(NULL, o.pid);
	o.t = &t;
	o.n = n;
	o.vv = calloc(n ? n : 1, sizeof(*o.vv));
	if (!o.vv) {
		free(v);
		cli_err("out of memory");
		return CLI_EXIT_RUNTIME;
	}
	for (i = 0; i < n; i++) {
		o.vv[i].v = &v[i];
		o.mapped += v[i].end - v[i].start;
	}
	pgt_vma_names(o.pid, o.vv, n);
	qsort(o.vv, n, sizeof(*o.vv), by_vma_bytes);
	err = pgt_one_print(&o, json, stdout);
	free(o.vv);
	free(v);
	return err ? CLI_EXIT_RUNTIME : CLI_EXIT_OK;
}

/* ---- every process ---- */

int pgtables_by_bytes(const void *a, const void *b)
{
	const struct vmi_pgt_proc *x = a, *y = b;

	if (x->t.bytes != y->t.bytes)
		return x->t.bytes > y->t.bytes ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* What a scan of /proc met: "processes" in JSON, a line of text. */
static void pgt_processes(struct printer *p, const struct vmi_pgt_scan *s)
{
	open_json_object(p, "processes");
	print_uint(p, PRINT_JSON, "scanned", NULL, s->scanned);
	print_uint(p, PRINT_JSON, "kernel_threads", NULL, s->kernel);
	print_uint(p, PRINT_JSON, "vanished", NULL, s->gone);
	print_uint(p, PRINT_JSON, "denied", NULL, s->denied);
	print_uint(p, PRINT_JSON, "failed", NULL, s->failed);
	close_json_object(p);
	print_fp(p,
		 "%zu processes scanned (%zu kernel threads, %zu vanished, "
		 "%zu denied, %zu failed skipped)\n",
		 s->scanned, s->kernel, s->gone, s->denied, s->failed);
}

static int pgt_all_print(const struct vmi_pgt_scan *s, size_t top, bool json,
			 FILE *f)
{
	static const char *const hdr[] = { "PID",   "COMM",	  "BYTES",
					   "VMPTE", "PTE-TABLES", "EMPTY",
					   "SINGLE" };
	char a[FMT_SIZE_LEN], b[FMT_SIZE_LEN], c[FMT_SIZE_LEN];
	uint64_t sum = 0, sum_pte = 0;
	struct printer p;
	struct table *tb;
	size_t k;

	for (k = 0; k < s->n; k++) {
		sum += s->procs[k].t.bytes;
		sum_pte += counted(&s->procs[k].t);
	}
	printer_init(&p, f, json);
	open_json_object(&p, NULL);
	pgt_processes(&p, s);
	print_fp(&p, "\n");
	tb = printer_table_begin(&p, ARRAY_SIZE(hdr), hdr);
	for (k = 0; tb && k < ARRAY_SIZE(hdr); k++)
		if (k != 1)
			table_set_align(tb, (unsigned int)k, TABLE_RIGHT);
	open_json_array(&p, "top");
	for (k = 0; k < s->n && k < top; k++) {
		const struct vmi_pgt_proc *x = &s->procs[k];

		open_json_object(&p, NULL);
		print_row(&p, NULL);
		print_uint(&p, PRINT_ANY, "pid", "%llu", x->pid);
		print_string(&p, PRINT_ANY, "comm", "%s", x->comm);
		print_size(&p, PRINT_ANY, "bytes", x->t.bytes);
		print_size(&p, PRINT_ANY, "vm_pte", x->vm_pte);
		print_uint(&p, PRINT_ANY, "pte_tables", "%llu",
			   x->t.tables[VMI_LEVEL_PTE]);
		print_uint(&p, PRINT_ANY, "pte_empty", "%llu",
			   x->t.empty[VMI_LEVEL_PTE]);
		print_uint(&p, PRINT_ANY, "pte_single", "%llu",
			   x->t.fullness[VMI_LEVEL_PTE][0]);
		close_json_object(&p);
	}
	close_json_array(&p);
	printer_table_end(&p);

	/* as VmPTE counts them: the PGD and P4D tables left out */
	open_json_object(&p, "system");
	print_uint(&p, PRINT_JSON, "processes_bytes", NULL, sum);
	print_uint(&p, PRINT_JSON, "processes_vm_pte", NULL, sum_pte);
	print_uint(&p, PRINT_JSON, "page_tables", NULL, s->page_tables);
	print_int(&p, PRINT_JSON, "rest", NULL,
		  (int64_t)s->page_tables - (int64_t)sum_pte);
	close_json_object(&p);
	print_fp(&p,
		 "\nall processes: %s (%s as VmPTE counts them); PageTables %s; the rest, the kernel's and exiting processes': %s%s\n",
		 fmt_size(sum, a, sizeof(a)), fmt_size(sum_pte, b, sizeof(b)),
		 fmt_size(s->page_tables, c, sizeof(c)),
		 s->page_tables < sum_pte ? "-" : "",
		 fmt_size(s->page_tables < sum_pte ? sum_pte - s->page_tables :
						     s->page_tables - sum_pte,
			  (char[FMT_SIZE_LEN]){ 0 }, FMT_SIZE_LEN));
	close_json_object(&p);
	return printer_finish(&p);
}

static int pgt_all(struct vmi_handle *h, size_t top, bool json)
{
	struct vmi_pgt_scan s;
	int err;

	err = vmi_pgt_scan(h, NULL, &s);
	if (err)
		return cli_fail(err, "/proc");
	if (s.n)
		qsort(s.procs, s.n, sizeof(*s.procs), pgtables_by_bytes);
	err = pgt_all_print(&s, top, json, stdout);
	vmi_pgt_scan_free(&s);
	return err ? CLI_EXIT_RUNTIME : CLI_EXIT_OK;
}

/* ---- objects many processes map ---- */

static int pgt_shared_print(const struct vmi_pgt_object *o, size_t n,
			    const struct vmi_pgt_scan *s, size_t top, bool json,
			    FILE *f)
{
	static const char *const hdr[] = { "MAPPERS", "PTE-TABLES", "BYTES",
					   "SAVED",   "INODE",	    "NAME" };
	uint64_t bytes = 0, saved = 0;
	char a[FMT_SIZE_LEN], b[FMT_SIZE_LEN];
	struct printer p;
	struct table *tb;
	size_t k, i;

	for (k = 0; k < n; k++) {
		bytes += o[k].bytes;
		saved += o[k].saved;
	}
	printer_init(&p, f, json);
	open_json_object(&p, NULL);
	pgt_processes(&p, s);
	print_fp(&p,
		 "%zu objects mapped by more than one process: %s of page tables, %s of it saved by sharing\n\n",
		 n, fmt_size(bytes, a, sizeof(a)),
		 fmt_size(saved, b, sizeof(b)));
	tb = printer_table_begin(&p, ARRAY_SIZE(hdr), hdr);
	for (k = 0; tb && k < 5; k++)
		table_set_align(tb, (unsigned int)k, TABLE_RIGHT);
	open_json_array(&p, "objects");
	for (k = 0; k < n && k < top; k++) {
		open_json_object(&p, NULL);
		print_row(&p, NULL);
		print_uint(&p, PRINT_ANY, "mappers", "%llu", o[k].mappers);
		print_uint(&p, PRINT_ANY, "pte_tables", "%llu",
			   o[k].pte_tables);
		print_size(&p, PRINT_ANY, "bytes", o[k].bytes);
		print_size(&p, PRINT_ANY, "saved_by_sharing", o[k].saved);
		print_uint(&p, PRINT_ANY, "inode", "%llu", o[k].inode);
		print_string(&p, PRINT_ANY, "name", "%s", o[k].name);
		print_uint(&p, PRINT_JSON, "pmd_tables", NULL, o[k].pmd_tables);
		print_yes_no(&p, PRINT_JSON, "hugetlb", o[k].hugetlb);
		open_json_array(&p, "pids");
		for (i = 0; i < o[k].mappers; i++)
			print_uint(&p, PRINT_JSON, NULL, NULL, o[k].pids[i]);
		close_json_array(&p);
		close_json_object(&p);
	}
	close_json_array(&p);
	printer_table_end(&p);
	close_json_object(&p);
	return printer_finish(&p);
}

static int pgt_shared(struct vmi_handle *h, size_t top, bool json)
{
	struct vmi_pgt_object *o;
	struct vmi_pgt_scan s;
	size_t n;
	int err;

	err = vmi_pgt_shared(h, NULL, &o, &n, &s);
	if (err)
		return cli_fail(err, "pgtables --shared");
	err = pgt_shared_print(o, n, &s, top, json, stdout);
	vmi_pgt_shared_free(o, n);
	return err ? CLI_EXIT_RUNTIME : CLI_EXIT_OK;
}

/* ---- running ---- */

struct pgt_query {
	bool all, shared, json;
	uint32_t pid;
	uint64_t top;
};

static int pgt_query(struct vmi_handle *h, const struct vmi_info *info,
		     void *ctx)
{
	struct pgt_query *q = ctx;

	(void)info;
	if (q->all)
		return pgt_all(h, (size_t)q->top, q->json);
	if (q->shared)
		return pgt_shared(h, (size_t)q->top, q->json);
	return pgt_one(h, q->pid, (size_t)q->top, q->json);
}

static const struct cli_query pgt_steps = {
	.feature = VMI_FEAT_WALK,
	.query = pgt_query,
};

static int pgt_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, CLI_OPT_PRETTY },
		{ "all", no_argument, NULL, 'a' },
		{ "shared", no_argument, NULL, 's' },
		{ "top", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_command *cmd = &cli_cmd_pgtables;
	struct pgt_query q = { .top = PGT_TOP_DEF };
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
		case 's':
			q.shared = true;
			break;
		case 't':
			if (cli_parse_num(optarg, &q.top) || !q.top ||
			    q.top > 1000000)
				return cli_usage_error(cmd,
						       "invalid --top '%s'",
						       optarg);
			break;
		case 'h':
			cli_print_usage(cmd, stdout);
			return CLI_EXIT_OK;
		default:
			return cli_bad_option(cmd, c, argv);
		}
	}
	if (q.all && q.shared)
		return cli_usage_error(cmd,
				       "--all and --shared exclude each other");
	if (q.all || q.shared) {
		if (argc > optind)
			return cli_usage_error(cmd, "unexpected argument '%s'",
					       argv[optind]);
	} else {
		if (argc == optind)
			return cli_usage_error(cmd,
					       "no PID given (or --all, --shared)");
		if (argc - optind > 1)
			return cli_usage_error(cmd, "unexpected argument '%s'",
					       argv[optind + 1]);
		if (cli_parse_pid(argv[optind], &q.pid))
			return cli_usage_error(cmd, "invalid PID '%s'",
					       argv[optind]);
	}
	return cli_run_query(&pgt_steps, &q, q.json);
}
