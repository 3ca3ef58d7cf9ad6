// SPDX-License-Identifier: GPL-2.0
/*
 * vminspect - companion CLI of the vminspect kernel module.
 *
 * main() parses the global options and hands the rest of the command line
 * to one entry of cli_commands[].
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static int cmd_help_run(int argc, char **argv);

static const struct cli_command cli_cmd_help = {
	.name = "help",
	.summary = "show help for vminspect or one command",
	.usage = "Usage: vminspect help [COMMAND]\n"
		 "\n"
		 "Show the general help, or the help of COMMAND.\n",
	.run = cmd_help_run,
};

static const struct cli_command *const cli_commands[] = {
	&cli_cmd_status, &cli_cmd_walk,	  &cli_cmd_translate,
	&cli_cmd_maps,	 &cli_cmd_huge,	  &cli_cmd_pgtables,
	&cli_cmd_tlb,	 &cli_cmd_export, &cli_cmd_help,
};

#define NR_COMMANDS ARRAY_SIZE(cli_commands)

static const struct cli_command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(cli_commands[i]->name, name))
			return cli_commands[i];
	return NULL;
}

/* A heading of the help, bold on a colour terminal. */
static void heading(FILE *f, const char *s)
{
	bool c = f == stdout;

	fprintf(f, "%s%s%s\n", c ? color_bold() : "", s,
		c ? color_reset() : "");
}

static void print_help(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: vminspect [-h|--help] [-V|--version] [--color=WHEN] COMMAND\n"
		"                 [OPTIONS]\n"
		"\n"
		"Inspect page tables, huge pages and TLB shootdowns through the\n"
		"vminspect kernel module (%s).\n"
		"\n",
		VMI_PROC_DIR);
	heading(f, "Commands:");
	for (i = 0; i < NR_COMMANDS; i++)
		fprintf(f, "  %-10s %s\n", cli_commands[i]->name,
			cli_commands[i]->summary);
	fputs("\n", f);
	heading(f, "Processes, addresses and ranges:");
	fputs("  PID    a process id, or 'self' (vminspect itself)\n"
	      "  ADDR   hex with 0x (0x7f1234560000), or without it when it\n"
	      "         holds a letter a-f (7f1234560000); plain digits are\n"
	      "         decimal\n"
	      "  RANGE  START-END or START+SIZE (SIZE may end in K, M, G, T);\n"
	      "         page aligned; the whole user address space if omitted\n"
	      "Only root sees physical frames and other users' processes.\n"
	      "\n",
	      f);
	heading(f, "Global options:");
	fputs("  -h, --help     show this help\n"
	      "  -V, --version  show the vminspect version and its ABI version\n"
	      "  --color=WHEN   auto (default: only when stdout is a terminal\n"
	      "                 and NO_COLOR is unset or empty), always, never\n"
	      "\n"
	      "Run 'vminspect COMMAND --help' for a command's options; most take\n"
	      "--json for one JSON object on one line of stdout, --pretty for it\n"
	      "indented.\n"
	      "\n",
	      f);
	heading(f, "Exit status:");
	fputs("  0  success\n"
	      "  1  runtime error\n"
	      "  2  usage error\n"
	      "  3  kernel module not loaded (/proc/vminspect missing)\n"
	      "  4  kernel or module not supported (ABI version mismatch)\n"
	      "  5  permission denied\n",
	      f);
}

static void print_version(void)
{
	printf("%s %s\nABI version %d\n", CLI_NAME, VMINSPECT_VERSION,
	       VMI_ABI_VERSION);
}

static int cmd_help_run(int argc, char **argv)
{
	const struct cli_command *cmd;

	if (argc > 2)
		return cli_usage_error(&cli_cmd_help, "too many arguments");
	if (argc < 2) {
		print_help(stdout);
		return CLI_EXIT_OK;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		cli_print_usage(&cli_cmd_help, stdout);
		return CLI_EXIT_OK;
	}
	cmd = find_command(argv[1]);
	if (!cmd)
		return cli_usage_error(&cli_cmd_help, "unknown command '%s'",
				       argv[1]);
	cli_print_usage(cmd, stdout);
	return CLI_EXIT_OK;
}

static __printf(1, 2) int global_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", CLI_NAME);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", CLI_NAME);
	return CLI_EXIT_USAGE;
}

/* stdout errors (a full disk, a closed pipe) must not go unnoticed. */
static int finish(int ret)
{
	if (fflush(stdout) || ferror(stdout)) {
		if (errno != EPIPE)
			cli_err("write error: %s", strerror(errno));
		if (ret == CLI_EXIT_OK)
			ret = CLI_EXIT_RUNTIME;
	}
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "color", required_argument, NULL, 'C' },
		{ "colour", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	enum color_mode color = COLOR_AUTO;
	const struct cli_command *cmd;
	int c;

	color_setup(COLOR_AUTO);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			print_help(stdout);
			return finish(CLI_EXIT_OK);
		case 'V':
			print_version();
			return finish(CLI_EXIT_OK);
		case 'C':
			if (color_parse(optarg, &color))
				return global_usage_error(
					"invalid --color '%s' (auto, always or never)",
					optarg);
			color_setup(color);
			break;
		default:
			if (c == ':')
				return global_usage_error("option '%s' needs an argument",
							  argv[optind - 1]);
			if (optopt && c == '?')
				return global_usage_error("unknown option '-%c'",
							  optopt);
			return global_usage_error("unknown option '%s'",
						  argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return global_usage_error("no command given");
	cmd = find_command(argv[optind]);
	if (!cmd)
		return global_usage_error("unknown command '%s'", argv[optind]);

	argc -= optind;
	argv += optind;
	optind = 0; /* full getopt reset for the command's own parsing */
	return finish(cmd->run(argc, argv));
}
