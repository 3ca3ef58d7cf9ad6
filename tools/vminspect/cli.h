/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vminspect CLI: command table entries, exit codes and shared helpers.
 *
 * Adding a command: write cmd_<name>.c defining
 * "const struct cli_command cli_cmd_<name>", declare it below, list it in
 * cli_commands[] in main.c and add the object to CLI_OBJS in the Makefile.
 */
#ifndef _VMINSPECT_CLI_H
#define _VMINSPECT_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "vminspect.h"
#include "output.h"

#ifndef VMINSPECT_VERSION
#define VMINSPECT_VERSION "0.1.0"
#endif

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

struct cli_command {
	const char *name;
	const char *summary; /* one line for "vminspect --help" */
	const char *usage;   /* full text for "vminspect CMD --help" */
	/* argv[0] is the command name; returns a CLI_EXIT_* code */
	int (*run)(int argc, char **argv);
};

extern const struct cli_command cli_cmd_status;

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

/* cmd_status.c renderers, exposed for the host tests. */
int status_print_text(const struct vmi_info *info, FILE *f);
int status_print_json(const struct vmi_info *info, FILE *f);

#endif /* _VMINSPECT_CLI_H */
