// SPDX-License-Identifier: GPL-2.0
/*
 * vminspect status: module, ABI and machine facts (VMI_IOC_GET_INFO, or
 * /proc/vminspect/status when the ioctl cannot be used).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "output.h"

static int status_run(int argc, char **argv);

const struct cli_command cli_cmd_status = {
	.name = "status",
	.summary = "show module version, ABI, page sizes, features and access",
	.usage =
		"Usage: vminspect status [--json [--pretty]]\n"
		"\n"
		"Show the kernel module's version and ABI, the running kernel,\n"
		"page-table levels, supported page sizes, the module's features\n"
		"and what the caller may see (PFNs, other processes).\n"
		"\n"
		"Options:\n"
		"  --json      print one JSON object on one line\n"
		"  --pretty    print it indented, two spaces a level (implies --json)\n"
		"  -h, --help  show this help\n",
	.run = status_run,
};

/* Feature names, space separated; unknown bits as "bitN". */
static void features_str(uint64_t features, char *buf, size_t len)
{
	size_t used = 0;
	unsigned int bit;
	char unknown[8];
	const char *name;
	int n;

	buf[0] = '\0';
	for (bit = 0; bit < 64; bit++) {
		if (!(features & (1ULL << bit)))
			continue;
		name = vmi_feature_name(1ULL << bit);
		if (!name) {
			snprintf(unknown, sizeof(unknown), "bit%u", bit);
			name = unknown;
		}
		n = snprintf(buf + used, len - used, "%s%s", used ? " " : "",
			     name);
		if (n < 0 || (size_t)n >= len - used) {
			buf[used] = '\0'; /* whole entries only */
			break;
		}
		used += n;
	}
}

static const char *yes_no(bool v)
{
	return v ? "yes" : "no";
}

int status_print_text(const struct vmi_info *info, FILE *f)
{
	char sizes[256], features[256];
	struct table *t;
	int ret = 0;

	fmt_size_mask(info->page_sizes, sizes, sizeof(sizes));
	features_str(info->features, features, sizeof(features));

	t = table_new(2);
	if (!t)
		return -1;
#define ROW(label, ...)                                    \
	do {                                               \
		if (!ret)                                  \
			ret = table_row(t);                \
		if (!ret)                                  \
			ret = table_cell(t, label);        \
		if (!ret)                                  \
			ret = table_cellf(t, __VA_ARGS__); \
	} while (0)
	ROW("module version", "%s", info->module_version);
	ROW("ABI version", "%u", info->abi_version);
	ROW("kernel release", "%s", info->kernel_release);
	ROW("arch", "%s", info->arch);
	ROW("page-table levels", "%u", info->pgtable_levels);
	ROW("page sizes", "%s", *sizes ? sizes : "-");
	ROW("features", "%s", *features ? features : "none");
	ROW("CPUs", "%u", info->nr_cpus);
	ROW("PFNs visible", "%s", yes_no(info->caps & VMI_CAP_PFN));
	ROW("other processes", "%s", yes_no(info->caps & VMI_CAP_OTHER_MM));
	ROW("companion version", "%s", VMINSPECT_VERSION);
#undef ROW
	if (!ret)
		ret = table_print(t, f);
	table_free(t);
	return ret ? -1 : 0;
}

int status_print_json(const struct vmi_info *info, FILE *f)
{
	struct json_writer j;
	unsigned int bit;
	const char *name;
	char unknown[8];

	json_init(&j, f, json_pretty);
	json_object_begin(&j);
	json_kv_string(&j, "module_version", info->module_version);
	json_kv_uint(&j, "abi_version", info->abi_version);
	json_kv_string(&j, "kernel_release", info->kernel_release);
	json_kv_string(&j, "arch", info->arch);
	json_kv_uint(&j, "pgtable_levels", info->pgtable_levels);

	json_key(&j, "page_sizes");
	json_array_begin(&j);
	for (bit = 0; bit < 64; bit++)
		if (info->page_sizes & (1ULL << bit))
			json_uint(&j, 1ULL << bit);
	json_array_end(&j);

	json_key(&j, "features");
	json_array_begin(&j);
	for (bit = 0; bit < 64; bit++) {
		if (!(info->features & (1ULL << bit)))
			continue;
		name = vmi_feature_name(1ULL << bit);
		if (!name) {
			snprintf(unknown, sizeof(unknown), "bit%u", bit);
			name = unknown;
		}
		json_string(&j, name);
	}
	json_array_end(&j);

	json_kv_uint(&j, "nr_cpus", info->nr_cpus);
	json_kv_bool(&j, "pfn_visible", info->caps & VMI_CAP_PFN);
	json_kv_bool(&j, "other_processes", info->caps & VMI_CAP_OTHER_MM);
	json_kv_string(&j, "companion_version", VMINSPECT_VERSION);
	json_object_end(&j);
	return json_finish(&j);
}

static int info_from_status_file(struct vmi_info *info)
{
	struct vmi_status_kv *kv;
	size_t n;
	int err;

	err = vmi_read_status(&kv, &n);
	if (err)
		return err;
	err = vmi_status_to_info(kv, n, info);
	vmi_free_status(kv, n);
	return err;
}

static int status_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, CLI_OPT_PRETTY },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vmi_handle *h;
	struct vmi_info info;
	bool json = false;
	const char *what;
	char why[128];
	int c, err;

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
			cli_print_usage(&cli_cmd_status, stdout);
			return CLI_EXIT_OK;
		default:
			return cli_bad_option(&cli_cmd_status, c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error(&cli_cmd_status,
				       "unexpected argument '%s'",
				       argv[optind]);

	memset(&info, 0, sizeof(info));
	what = VMI_CTL_PATH;
	h = vmi_open(&err);
	if (h) {
		what = "VMI_IOC_GET_INFO";
		err = vmi_get_info(h, &info);
		vmi_close(h);
	}
	if (err == -VMI_ENOTLOADED)
		return cli_fail(err, NULL);
	if (err) {
		/* the status file carries the same facts as text */
		if (info_from_status_file(&info))
			return cli_fail(err, what);
		cli_warn("%s: %s; showing %s/status instead", what,
			 vmi_strerror(err), vmi_proc_dir());
	}
	if (!vmi_abi_compatible(&info, why, sizeof(why))) {
		cli_err("%s", why);
		return CLI_EXIT_UNSUPPORTED;
	}
	if (json ? status_print_json(&info, stdout) :
		   status_print_text(&info, stdout))
		return CLI_EXIT_RUNTIME;
	return CLI_EXIT_OK;
}
