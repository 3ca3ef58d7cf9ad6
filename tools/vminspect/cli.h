/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vminspect CLI: command table entries, exit codes and shared helpers.
 *
 * Adding a command: write cmd_<name>.c defining
 * "const struct cli_command cli_cmd_<name>", declare it below, list it in
 * cli_commands[] in main.c and add the object to CLI_COMMON in the Makefile.
 */
#ifndef _VMINSPECT_CLI_H
#define _VMINSPECT_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vminspect.h"
#include "output.h"

/* VMINSPECT_VERSION: the top-level file VERSION, defined by tools/Makefile */

#define CLI_NAME "vminspect"

/* Exit codes; listed in "vminspect --help". */
enum {
	CLI_EXIT_OK = 0,
	CLI_EXIT_RUNTIME = 1,	  /* anything else that failed */
	CLI_EXIT_USAGE = 2,	  /* bad command line */
	CLI_EXIT_NOMODULE = 3,	  /* /proc/vminspect missing */
	CLI_EXIT_UNSUPPORTED = 4, /* module ABI/command not supported */
	CLI_EXIT_PERM = 5,	  /* permission denied */
};

/*
 * The entries of the name lists of <linux/vminspect.h>, as designated
 * initializers: a value's name at its value, a flag's at its bit number.
 */
#define VMI_VAL_NAME(val, name)	 [val] = name,
#define VMI_BIT_NAME(mask, name) VMI_VAL_NAME(__builtin_ctzll(mask), name)

/* getopt_long() value of --pretty, past every short option. */
#define CLI_OPT_PRETTY 0x100

struct cli_command {
	const char *name;
	const char *summary; /* one line for "vminspect --help" */
	const char *usage;   /* full text for "vminspect CMD --help" */
	/* argv[0] is the command name; returns a CLI_EXIT_* code */
	int (*run)(int argc, char **argv);
};

extern const struct cli_command cli_cmd_status;
extern const struct cli_command cli_cmd_walk;
extern const struct cli_command cli_cmd_translate;
extern const struct cli_command cli_cmd_maps;
extern const struct cli_command cli_cmd_huge;
extern const struct cli_command cli_cmd_pgtables;

extern const struct cli_command cli_cmd_tlb;
extern const struct cli_command cli_cmd_export;

/* "vminspect: msg" / "vminspect: warning: msg" on stderr. */
__printf(1, 2) void cli_err(const char *fmt, ...);
__printf(1, 2) void cli_warn(const char *fmt, ...);

/* Exit code for a library error code (0, -errno or -VMI_E*). */
int cli_exit_code(int err);
/* Print a library error, prefixed by ctx when given; returns the exit code. */
int cli_fail(int err, const char *ctx);

void cli_print_usage(const struct cli_command *cmd, FILE *f);
/* Print "vminspect CMD: msg" and a --help hint; returns CLI_EXIT_USAGE. */
__printf(2, 3) int cli_usage_error(const struct cli_command *cmd,
				   const char *fmt, ...);
/*
 * Report getopt_long()'s '?' or ':' result for a command (call with
 * optstring starting with ":" and opterr = 0); returns CLI_EXIT_USAGE.
 */
int cli_bad_option(const struct cli_command *cmd, int c, char **argv);

/*
 * Open the module, query VMI_IOC_GET_INFO and check the ABI version,
 * printing any error.  Returns CLI_EXIT_OK with *hp open (when hp is not
 * NULL; else it is closed) or the exit code.
 */
int cli_open(struct vmi_handle **hp, struct vmi_info *info);
/*
 * cli_open() with *hp open, then a check that the module has feature (a
 * VMI_FEAT_* bit): when it does not, print what is missing, close the
 * handle and return CLI_EXIT_UNSUPPORTED.
 */
int cli_open_feature(struct vmi_handle **hp, struct vmi_info *info,
		     uint64_t feature);

/*
 * The steps of a query command after its command line: open the module
 * and check feature (cli_open_feature()), query(), close the handle,
 * then, when the query succeeded, render() and release().
 */
struct cli_query {
	uint64_t feature; /* VMI_FEAT_* the query needs */
	/*
	 * Ask the module and keep the answer in ctx; returns a CLI_EXIT_*
	 * code, having printed the error (cli_query_fail(), cli_usage_error())
	 * and freed what it allocated.
	 */
	int (*query)(struct vmi_handle *h, const struct vmi_info *info,
		     void *ctx);
	/* The answer as text or JSON: 0, or -1 (write error); NULL: none */
	int (*render)(void *ctx, bool json, FILE *f);
	void (*release)(void *ctx); /* may be NULL */
};

/* Runs q over ctx; returns the CLI_EXIT_* code of the command. */
int cli_run_query(const struct cli_query *q, void *ctx, bool json);

/*
 * Print the error of a query about process pid (ESRCH: no such process,
 * EPERM: only root may inspect other processes, ...), prefixed by what
 * when the message is generic; returns the exit code.
 */
int cli_query_fail(int err, uint32_t pid, const char *what);

/*
 * Command-line values; each returns 0 or -EINVAL.
 * PID: decimal, or "self" (0, which the module reads as the caller).
 * Number: hex with a "0x" prefix, or without it when it holds a letter
 * a-f; decimal otherwise.  Size: a number with an optional K, M, G or T
 * suffix (binary units).  Range: "START-END" or "START+SIZE".
 */
int cli_parse_pid(const char *s, uint32_t *pid);
int cli_parse_num(const char *s, uint64_t *v);
int cli_parse_size(const char *s, uint64_t *v);
int cli_parse_range(const char *s, uint64_t *start, uint64_t *end);
/*
 * A range a walk may ask for: page aligned, end > start, end at most
 * vmi_user_end(info).  Otherwise false with the reason in why.
 */
bool cli_check_range(uint64_t start, uint64_t end, const struct vmi_info *info,
		     char *why, size_t len);

/* The pid a query names, for output: the caller's own for 0. */
uint32_t cli_real_pid(uint32_t pid);

/* Renderers, exposed for the host tests. */
int status_print_text(const struct vmi_info *info, FILE *f);
int status_print_json(const struct vmi_info *info, FILE *f);
int walk_print_text(const struct vmi_extent *e, size_t n, FILE *f);
int walk_print_json(uint32_t pid, uint64_t start, uint64_t end,
		    const struct vmi_extent *e, size_t n, FILE *f);
int translate_print_text(const struct vmi_translate_arg *t, FILE *f);
int translate_print_json(uint32_t pid, const struct vmi_translate_arg *t,
			 FILE *f);
/* pt may be NULL: page tables unknown */
int maps_print_text(const struct vmi_vma *v, size_t n,
		    const struct vmi_pgtables_arg *pt, FILE *f);
int maps_print_json(uint32_t pid, const struct vmi_vma *v, size_t n,
		    const struct vmi_pgtables_arg *pt, FILE *f);

/*
 * What a rendering of "huge PID" needs: the records, the bytes outside each
 * VMA's 2 MiB-aligned span (NULL: unknown), the system facts.
 */
struct huge_view {
	uint32_t pid;
	const char *comm; /* may be NULL */
	const struct vmi_huge_result *r;
	const struct vmi_huge_bytes *outside; /* r->nr_vmas entries or NULL */
	struct vmi_huge_facts facts;
	const struct vmi_thp_policy *thp;   /* may be NULL */
	const struct vmi_tlb_capacity *tlb; /* may be NULL */
};

struct huge_sys_view {
	const struct vmi_huge_proc *top; /* by bytes not huge, most first */
	size_t nr_top;
	size_t scanned, kernel, gone, denied, failed;
	const struct vmi_huge_sys *sys; /* may be NULL */
	const struct vmi_huge_node *nodes;
	size_t nr_nodes;
	const struct vmi_thp_policy *thp;
	const struct vmi_tlb_capacity *tlb;
};

int huge_print_text(const struct huge_view *hv, FILE *f);
int huge_print_json(const struct huge_view *hv, FILE *f);
int huge_all_print_text(const struct huge_sys_view *sv, FILE *f);
int huge_all_print_json(const struct huge_sys_view *sv, FILE *f);

/* What a rendering of "huge PID --blocks" needs. */
struct huge_blocks_view {
	uint32_t pid;
	struct vmi_huge_block *b; /* address order */
	size_t n;
	struct vmi_block_policy policy;
};

int huge_blocks_print(const struct huge_blocks_view *hv, bool json, FILE *f);
/*
 * The query and its answer on stdout; all_vmas: also the VMAs that hold
 * no whole block.  Returns a CLI_EXIT_* code.
 */
int huge_blocks(struct vmi_handle *h, uint32_t pid, uint64_t start,
		uint64_t end, bool all_vmas, bool json);

/* ---- tlb ---- */

struct tlb_opts {
	bool json;
	uint32_t pid;
	int cpu;       /* -1: all */
	bool isolated; /* the isolated-CPU ledger */
};

/* The statistics at one moment (or their change over an interval). */
struct tlb_snap {
	struct vmi_tlb_ctl_arg st;
	struct vmi_tlb_cpu *cpus;
	size_t nr_cpus;
	struct vmi_tlb_initiator *in; /* by shootdowns, most first */
	size_t nr_in;
	struct vmi_tlb_site *sites; /* kernel flush call sites */
	size_t nr_sites;
};

/*
 * Text (counts per second when secs > 0) or, with o->json, one JSON
 * object; 0 or -1.
 */
int tlb_print(const struct tlb_snap *s, const struct tlb_opts *o, double secs,
	      FILE *f);

/* ---- export ---- */

struct export_proc {
	struct vmi_huge_proc p;
	int64_t anon; /* RssAnon bytes, -1: unknown */
};

/* What "export --prometheus" writes; NULL/0 members are left out. */
struct export_view {
	const struct vmi_info *info; /* NULL: module not there (up 0) */
	double duration;	     /* seconds spent collecting */
	const struct vmi_huge_sys *sys;
	const struct vmi_huge_node *nodes;
	size_t nr_nodes;
	const char *tlb_off; /* why the TLB families are left out */
	const struct vmi_tlb_ctl_arg *tlb_ctl;
	const struct vmi_tlb_cpu *cpus;
	size_t nr_cpus;
	const struct vmi_tlb_initiator *in;
	size_t nr_in;
	const struct vmi_huge_scan *scan; /* for the counts only */
	const struct export_proc *procs;
	size_t nr_procs;
	const struct vmi_pgt_proc *pgt; /* most page-table bytes first */
	size_t nr_pgt;
};

int export_print_prometheus(const struct export_view *v, FILE *f);

/* qsort() order of struct vmi_pgt_proc: most page-table bytes first. */
int pgtables_by_bytes(const void *a, const void *b);

#endif /* _VMINSPECT_CLI_H */
