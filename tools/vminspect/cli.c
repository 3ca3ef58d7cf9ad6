// SPDX-License-Identifier: GPL-2.0
/*
 * vminspect CLI: helpers shared by the commands.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

static void cli_vmsg(const char *prefix, const char *fmt, va_list ap)
{
	fflush(stdout);
	fprintf(stderr, "%s: %s", CLI_NAME, prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void cli_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_vmsg("", fmt, ap);
	va_end(ap);
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_vmsg("warning: ", fmt, ap);
	va_end(ap);
}

int cli_exit_code(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case 0:
		return CLI_EXIT_OK;
	case VMI_ENOTLOADED:
		return CLI_EXIT_NOMODULE;
	case VMI_EABI:
	case VMI_ENOTSUPP:
		return CLI_EXIT_UNSUPPORTED;
	case EACCES:
	case EPERM:
		return CLI_EXIT_PERM;
	default:
		return CLI_EXIT_RUNTIME;
	}
}

int cli_fail(int err, const char *ctx)
{
	/* "not loaded" is self-explanatory and has a fixed wording */
	if (ctx && err != -VMI_ENOTLOADED)
		cli_err("%s: %s", ctx, vmi_strerror(err));
	else
		cli_err("%s", vmi_strerror(err));
	return cli_exit_code(err);
}

void cli_print_usage(const struct cli_command *cmd, FILE *f)
{
	fputs(cmd->usage, f);
}

int cli_usage_error(const struct cli_command *cmd, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	va_start(ap, fmt);
	fprintf(stderr, "%s %s: ", CLI_NAME, cmd->name);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s %s --help'.\n", CLI_NAME, cmd->name);
	return CLI_EXIT_USAGE;
}

int cli_bad_option(const struct cli_command *cmd, int c, char **argv)
{
	const char *arg = argv[optind - 1];

	if (c == ':')
		return cli_usage_error(cmd, "option '%s' needs an argument",
				       arg);
	if (optopt)
		return cli_usage_error(cmd, "unknown option '-%c'", optopt);
	return cli_usage_error(cmd, "unknown option '%s'", arg);
}

int cli_open(struct vmi_handle **hp, struct vmi_info *info)
{
	struct vmi_handle *h;
	char why[128];
	int err;

	h = vmi_open(&err);
	if (!h)
		return cli_fail(err, VMI_CTL_PATH);
	err = vmi_get_info(h, info);
	if (err) {
		vmi_close(h);
		return cli_fail(err, "VMI_IOC_GET_INFO");
	}
	if (!vmi_abi_compatible(info, why, sizeof(why))) {
		vmi_close(h);
		cli_err("%s", why);
		return CLI_EXIT_UNSUPPORTED;
	}
	if (hp)
		*hp = h;
	else
		vmi_close(h);
	return CLI_EXIT_OK;
}
