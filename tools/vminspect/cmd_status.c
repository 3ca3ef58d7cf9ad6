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

/* A VMI_FEAT_* bit by its number, for print_bits(). */
static const char *feature_bit_name(unsigned int bit)
{
	return vmi_feature_name(1ULL << bit);
}

/*
 * The one description of the output: per field its text row label, its
 * JSON key and its value; text is a two-column table, JSON one object.
 */
static int status_print(const struct vmi_info *info, bool json, FILE *f)
{
	struct printer p;

	printer_init(&p, f, json);
	printer_table_begin(&p, 2, NULL);
	open_json_object(&p, NULL);
	print_row(&p, "module version");
	print_string(&p, PRINT_ANY, "module_version", "%s",
		     info->module_version);
	print_row(&p, "ABI version");
	print_uint(&p, PRINT_ANY, "abi_version", "%llu", info->abi_version);
	print_row(&p, "kernel release");
	print_string(&p, PRINT_ANY, "kernel_release", "%s",
		     info->kernel_release);
	print_row(&p, "arch");
	print_string(&p, PRINT_ANY, "arch", "%s", info->arch);
	print_row(&p, "page-table levels");
	print_uint(&p, PRINT_ANY, "pgtable_levels", "%llu",
		   info->pgtable_levels);
	print_row(&p, "page sizes");
	print_size_mask(&p, PRINT_ANY, "page_sizes", info->page_sizes, "-");
	print_row(&p, "features");
	print_bits(&p, PRINT_ANY, "features", info->features, feature_bit_name,
		   " ", "none");
	print_row(&p, "CPUs");
	print_uint(&p, PRINT_ANY, "nr_cpus", "%llu", info->nr_cpus);
	print_row(&p, "PFNs visible");
	print_yes_no(&p, PRINT_ANY, "pfn_visible", info->caps & VMI_CAP_PFN);
	print_row(&p, "other processes");
	print_yes_no(&p, PRINT_ANY, "other_processes",
		     info->caps & VMI_CAP_OTHER_MM);
	print_row(&p, "companion version");
	print_string(&p, PRINT_ANY, "companion_version", "%s",
		     VMINSPECT_VERSION);
	close_json_object(&p);
	printer_table_end(&p);
	return printer_finish(&p);
}

int status_print_text(const struct vmi_info *info, FILE *f)
{
	return status_print(info, false, f);
}

int status_print_json(const struct vmi_info *info, FILE *f)
{
	return status_print(info, true, f);
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
	if (status_print(&info, json, stdout))
		return CLI_EXIT_RUNTIME;
	return CLI_EXIT_OK;
}
