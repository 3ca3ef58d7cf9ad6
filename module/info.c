// SPDX-License-Identifier: GPL-2.0
/*
 * info.c - the "info" query: module, ABI and machine facts, and the
 * privilege policy applied to every reader.
 */
#include <linux/capability.h>
#include <linux/cpumask.h>
#include <linux/fs.h>
#include <linux/string.h>
#include <linux/utsname.h>

#include "compat.h"
#include "vminspect.h"

/* Features built into this module; later parts add their bits here. */
#define VMI_FEATURES (VMI_FEAT_STATUS | VMI_FEAT_WALK | VMI_FEAT_HUGE)

static const char *const vmi_feature_names[] = VMI_FEAT_NAMES;

const char *vmi_feature_name(unsigned int bit)
{
	if (bit >= ARRAY_SIZE(vmi_feature_names))
		return NULL;
	return vmi_feature_names[bit];
}

/*
 * Privileges follow /proc/PID/pagemap: they are those of whoever opened the
 * file, so that a descriptor handed to a less privileged process does not
 * leak more than its opener could see, and a setuid program cannot be
 * tricked into reading for someone else.
 *
 * Frames and swap slots need CAP_SYS_ADMIN, as in pagemap.  Another process
 * needs CAP_SYS_ADMIN and CAP_SYS_PTRACE: pagemap lets a reader in through
 * mm_access(), whose ptrace check wants CAP_SYS_PTRACE (for another user or
 * a non-dumpable task) and asks the LSMs, and neither it nor the LSM hook
 * is open to modules.  Both capabilities are asked of the LSMs in turn
 * (security_capable()), so a policy can still refuse them.
 */
void vmi_caller_init(struct vmi_caller *caller, const struct file *file)
{
	caller->pfn = file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN);
	caller->other_mm = caller->pfn &&
			   file_ns_capable(file, &init_user_ns, CAP_SYS_PTRACE);
}

void vmi_query_info(struct vmi_info *info, const struct vmi_caller *caller)
{
	const struct new_utsname *uts = init_utsname();

	info->abi_version = VMI_ABI_VERSION;
	info->pgtable_levels = vmi_pgtable_levels();
	info->page_sizes = vmi_page_sizes();
	info->features = VMI_FEATURES;
	if (vmi_tlb_supported())
		info->features |= VMI_FEAT_TLB;
	info->caps = (caller->pfn ? VMI_CAP_PFN : 0) |
		     (caller->other_mm ? VMI_CAP_OTHER_MM : 0);
	info->nr_cpus = num_possible_cpus();
	info->page_shift = PAGE_SHIFT;
	strscpy(info->module_version, VMI_MODULE_VERSION,
		sizeof(info->module_version));
	strscpy(info->kernel_release, uts->release,
		sizeof(info->kernel_release));
	strscpy(info->arch, uts->machine, sizeof(info->arch));
}
