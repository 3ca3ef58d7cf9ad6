// SPDX-License-Identifier: GPL-2.0
/*
 * status.c - /proc/vminspect/status: the info query as "key value" lines.
 *
 * The keys are ABI: new keys may be added, existing ones never change
 * meaning or format.
 */
#include <linux/bitops.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#include "vminspect.h"

static void vmi_status_bits(struct seq_file *m, const char *key, u64 bits,
			    bool as_size)
{
	unsigned int bit;
	const char *sep = " ";

	seq_puts(m, key);
	for (bit = 0; bit < 64; bit++) {
		if (!(bits & BIT_ULL(bit)))
			continue;
		if (as_size)
			seq_printf(m, "%s%llu", sep, 1ULL << bit);
		else if (vmi_feature_name(bit))
			seq_printf(m, "%s%s", sep, vmi_feature_name(bit));
	}
	seq_putc(m, '\n');
}

static int vmi_status_show(struct seq_file *m, void *v)
{
	struct vmi_info info_buf = {};
	struct vmi_info *info = &info_buf;
	struct vmi_caller caller;

	vmi_caller_init(&caller, m->file);
	vmi_query_info(info, &caller);

	seq_printf(m, "module_version %s\n", info->module_version);
	seq_printf(m, "abi_version %u\n", info->abi_version);
	seq_printf(m, "kernel_release %s\n", info->kernel_release);
	seq_printf(m, "arch %s\n", info->arch);
	seq_printf(m, "pgtable_levels %u\n", info->pgtable_levels);
	vmi_status_bits(m, "page_sizes", info->page_sizes, true);
	vmi_status_bits(m, "features", info->features, false);
	seq_printf(m, "nr_cpus %u\n", info->nr_cpus);
	seq_printf(m, "pfn_visible %d\n", !!(info->caps & VMI_CAP_PFN));
	seq_printf(m, "other_processes %d\n",
		   !!(info->caps & VMI_CAP_OTHER_MM));
	return 0;
}

int vmi_status_init(struct proc_dir_entry *dir)
{
	if (!proc_create_single("status", 0444, dir, vmi_status_show))
		return -ENOMEM;
	return 0;
}
