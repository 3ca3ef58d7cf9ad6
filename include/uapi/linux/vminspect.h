/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vminspect - user ABI of the vminspect kernel module.
 *
 * The module creates /proc/vminspect/. Binary queries are ioctls on
 * /proc/vminspect/ctl (mode 0444: every user may open it read-only; each
 * command checks the caller's privileges itself).
 *
 * Conventions, shared by every command:
 *  - the argument is a struct whose first member is "size": the caller sets
 *    it to sizeof() of the struct it was compiled with.  The kernel accepts
 *    any size >= the command's *_SIZE_VER0; a larger size is accepted when
 *    every byte the kernel does not know is zero (else E2BIG), as with
 *    copy_struct_from_user().  On return "size" holds the number of bytes the
 *    kernel wrote back (the smaller of the two sizes).
 *  - commands are matched on _IOC_TYPE and _IOC_NR only; the size encoded
 *    in the command number is ignored so that the struct can grow.
 *  - unknown commands fail with ENOTTY, unknown flags with EINVAL.
 *  - all fields are fixed-width and naturally aligned; there is no implicit
 *    padding.  Strings are NUL-terminated and NUL-padded.
 *  - "in" fields are read by the kernel, "out" fields are written by it;
 *    out fields are zeroed before they are filled.
 */
#ifndef _UAPI_LINUX_VMINSPECT_H
#define _UAPI_LINUX_VMINSPECT_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Bumped when an incompatible change is made; additions keep it. */
#define VMI_ABI_VERSION		1

#define VMI_PROC_DIR		"/proc/vminspect"
#define VMI_CTL_PATH		"/proc/vminspect/ctl"
#define VMI_STATUS_PATH		"/proc/vminspect/status"

#define VMI_IOC_MAGIC		0xB9	/* free in ioctl-number.rst (6.12) */

/* struct vmi_info.features: what this build of the module can do. */
#define VMI_FEAT_STATUS		(1ULL << 0)	/* status file and GET_INFO */
#define VMI_FEAT_WALK		(1ULL << 1)	/* page-table walker */
#define VMI_FEAT_HUGE		(1ULL << 2)	/* huge-page accounting */
#define VMI_FEAT_TLB		(1ULL << 3)	/* TLB shootdown tracking */

/* struct vmi_info.caps: what the calling process may see. */
#define VMI_CAP_PFN		(1U << 0)	/* physical frame numbers */
#define VMI_CAP_OTHER_MM	(1U << 1)	/* processes other than its own */

#define VMI_STR_LEN		64

/**
 * struct vmi_info - VMI_IOC_GET_INFO: module, ABI and machine facts
 * @size:		in: sizeof(struct vmi_info); out: bytes written
 * @flags:		in: must be zero
 * @abi_version:	out: VMI_ABI_VERSION of the module
 * @pgtable_levels:	out: page-table levels in use (4 or 5 on x86_64)
 * @page_sizes:		out: supported page sizes, bit n set for 2^n bytes
 * @features:		out: VMI_FEAT_* compiled into the module
 * @caps:		out: VMI_CAP_* granted to the caller
 * @nr_cpus:		out: possible CPUs
 * @page_shift:		out: base page shift (12 on x86_64)
 * @reserved:		out: zero
 * @module_version:	out: module version string
 * @kernel_release:	out: utsname release of the running kernel
 * @arch:		out: machine name (utsname machine)
 */
struct vmi_info {
	__u64 size;
	__u64 flags;
	__u32 abi_version;
	__u32 pgtable_levels;
	__u64 page_sizes;
	__u64 features;
	__u32 caps;
	__u32 nr_cpus;
	__u32 page_shift;
	__u32 reserved;
	char module_version[VMI_STR_LEN];
	char kernel_release[VMI_STR_LEN];
	char arch[VMI_STR_LEN];
};

#define VMI_INFO_SIZE_VER0	248	/* sizeof first published struct */

#define VMI_IOC_GET_INFO	_IOWR(VMI_IOC_MAGIC, 0x00, struct vmi_info)

#endif /* _UAPI_LINUX_VMINSPECT_H */
