// SPDX-License-Identifier: GPL-2.0
/*
 * vminspect CLI: helpers shared by the commands.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

int cli_open_feature(struct vmi_handle **hp, struct vmi_info *info,
		     uint64_t feature)
{
	int ret;

	ret = cli_open(hp, info);
	if (ret || (info->features & feature) == feature)
		return ret;
	vmi_close(*hp);
	*hp = NULL;
	if (feature & VMI_FEAT_TLB)
		cli_err("TLB tracking is not supported on %s by this module",
			info->arch);
	else if (feature & VMI_FEAT_HUGE)
		cli_err("the loaded kernel module has no huge-page accounting");
	else if (feature & VMI_FEAT_WALK)
		cli_err("the loaded kernel module has no page-table walker");
	else
		cli_err("the loaded kernel module lacks a feature this command needs");
	return CLI_EXIT_UNSUPPORTED;
}

int cli_run_query(const struct cli_query *q, void *ctx, bool json)
{
	struct vmi_handle *h;
	struct vmi_info info;
	int ret;

	ret = cli_open_feature(&h, &info, q->feature);
	if (ret)
		return ret;
	ret = q->query(h, &info, ctx);
	vmi_close(h);
	if (ret || !q->render)
		return ret;
	ret = q->render(ctx, json, stdout) ? CLI_EXIT_RUNTIME : CLI_EXIT_OK;
	if (q->release)
		q->release(ctx);
	return ret;
}

int cli_query_fail(int err, uint32_t pid, const char *what)
{
	switch (err < 0 ? -err : err) {
	case ESRCH:
		if (pid)
			cli_err("no such process: %u", pid);
		else
			cli_err("no such process");
		return CLI_EXIT_RUNTIME;
	case EPERM:
	case EACCES:
		cli_err("permission denied: only root may inspect other processes");
		return CLI_EXIT_PERM;
	case EINVAL:
		cli_err("%s: invalid argument: process %u has no user address space (a kernel thread?), or the range is outside it",
			what, cli_real_pid(pid));
		return CLI_EXIT_RUNTIME;
	case E2BIG:
		cli_err("%s: too many records for one answer; ask for a smaller range",
			what);
		return CLI_EXIT_RUNTIME;
	case EINTR:
		cli_err("%s: interrupted", what);
		return CLI_EXIT_RUNTIME;
	default:
		return cli_fail(err, what);
	}
}

uint32_t cli_real_pid(uint32_t pid)
{
	return pid ? pid : (uint32_t)getpid();
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The number in s[0..len): see cli_parse_num(). */
static int parse_num(const char *s, size_t len, uint64_t *out)
{
	unsigned int base = 10;
	uint64_t v = 0;
	size_t i;
	int d;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		len -= 2;
	}
	if (!len)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		d = digit_value(s[i]);
		if (d < 0)
			return -EINVAL;
		if (d >= 10)
			base = 16;
	}
	for (i = 0; i < len; i++) {
		d = digit_value(s[i]);
		if (v > (UINT64_MAX - d) / base)
			return -EINVAL;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

static int parse_size(const char *s, size_t len, uint64_t *out)
{
	unsigned int shift = 0;
	uint64_t v;

	if (len) {
		switch (s[len - 1]) {
		case 'K':
		case 'k':
			shift = 10;
			break;
		case 'M':
		case 'm':
			shift = 20;
			break;
		case 'G':
		case 'g':
			shift = 30;
			break;
		case 'T':
		case 't':
			shift = 40;
			break;
		}
	}
	if (shift)
		len--;
	if (parse_num(s, len, &v))
		return -EINVAL;
	if (v > UINT64_MAX >> shift)
		return -EINVAL;
	*out = v << shift;
	return 0;
}

int cli_parse_num(const char *s, uint64_t *v)
{
	return parse_num(s, strlen(s), v);
}

int cli_parse_size(const char *s, uint64_t *v)
{
	return parse_size(s, strlen(s), v);
}

int cli_parse_pid(const char *s, uint32_t *pid)
{
	uint64_t v = 0;
	const char *p;

	if (!strcmp(s, "self")) {
		*pid = 0;
		return 0;
	}
	if (!*s)
		return -EINVAL;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (*p - '0');
		if (v > UINT32_MAX)
			return -EINVAL;
	}
	*pid = v;
	return 0;
}

int cli_parse_range(const char *s, uint64_t *start, uint64_t *end)
{
	const char *sep = strpbrk(s, "-+");
	uint64_t a, b;

	if (!sep || parse_num(s, sep - s, &a))
		return -EINVAL;
	if (*sep == '-') {
		if (cli_parse_num(sep + 1, &b))
			return -EINVAL;
	} else {
		if (cli_parse_size(sep + 1, &b) || b > UINT64_MAX - a)
			return -EINVAL;
		b += a;
	}
	*start = a;
	*end = b;
	return 0;
}

bool cli_check_range(uint64_t start, uint64_t end, const struct vmi_info *info,
		     char *why, size_t len)
{
	unsigned int shift = info->page_shift ? info->page_shift : 12;
	uint64_t mask = (1ULL << shift) - 1, limit = vmi_user_end(info);
	char page[FMT_SIZE_LEN];

	fmt_size(1ULL << shift, page, sizeof(page));
	if (start & mask)
		snprintf(why, len, "start 0x%" PRIx64 " is not %s aligned",
			 start, page);
	else if (end & mask)
		snprintf(why, len, "end 0x%" PRIx64 " is not %s aligned", end,
			 page);
	else if (end <= start)
		snprintf(why, len,
			 "end 0x%" PRIx64 " is not above start 0x%" PRIx64, end,
			 start);
	else if (end > limit)
		snprintf(why, len,
			 "end 0x%" PRIx64
			 " is beyond the user address space (it ends at 0x%" PRIx64
			 ")",
			 end, limit);
	else
		return true;
	return false;
}
