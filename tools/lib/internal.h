/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * libvminspect's own functions, shared by its files and kept out of its
 * ABI (the version script exports vmi_* alone).
 */
#ifndef LIBVMINSPECT_INTERNAL_H
#define LIBVMINSPECT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* What lib_proc_each() met besides the processes it handed on. */
struct lib_proc_counts {
	size_t scanned; /* numeric entries of /proc */
	size_t kernel;	/* kernel threads (PF_KTHREAD, or no user memory) */
	size_t gone;	/* exited before they were asked about (ESRCH) */
	size_t denied;	/* EPERM, EACCES */
	size_t failed;	/* any other error */
};

/*
 * Each user process of @root's /proc (kernel threads skipped) handed to
 * @fn, whose error is counted in @c rather than stopping the scan, except
 * -ENOMEM, which ends it.  Return: 0, -ENOMEM or an error reading /proc.
 */
/*
 * Lines of a name and a number in @root's @path (@root NULL or "" for the
 * running system; @fmt scans both): the
 * number of names[i] into *dst[i], shifted left by @shift; names not in
 * the file stay as they were.  Return: 0 or -errno.
 */
int lib_read_named(const char *root, const char *path, const char *fmt,
		   const char *const *names, uint64_t *const *dst,
		   unsigned int n, unsigned int shift);

/* The counts of @c into the same-named fields of *@dst. */
#define LIB_PROC_COUNTS_TO(dst, c)             \
	do {                                   \
		(dst)->scanned = (c)->scanned; \
		(dst)->kernel = (c)->kernel;   \
		(dst)->gone = (c)->gone;       \
		(dst)->denied = (c)->denied;   \
		(dst)->failed = (c)->failed;   \
	} while (0)

int lib_proc_each(const char *root, int (*fn)(void *ctx, uint32_t pid),
		  void *ctx, struct lib_proc_counts *c);

#endif
