/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers for the vminspect selftests: the module's own files, and
 * the kernel's independent sources of truth to check them against.
 */
#ifndef VMI_UTIL_H
#define VMI_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define VMI_KV_MAX	64

struct vmi_kv {
	char key[64];
	char value[256];
};

struct vmi_kvs {
	struct vmi_kv kv[VMI_KV_MAX];
	int n;
};

/* Read "key value" lines; -errno on failure, -EBADMSG on a malformed line. */
int vmi_read_kv(const char *path, struct vmi_kvs *kvs);
/* The value of key, or NULL; *count (if not NULL) is how often it appears. */
const char *vmi_kv_get(const struct vmi_kvs *kvs, const char *key, int *count);

/* Does /proc/cpuinfo list this CPU flag? */
bool cpu_has_flag(const char *flag);
/* Possible CPUs, from /sys/devices/system/cpu/possible. */
int possible_cpus(void);
/* Read a whole small file into buf (NUL-terminated); bytes or -errno. */
ssize_t read_file(const char *path, char *buf, size_t size);
/* Page-table levels as user space can prove them: a hint above 47 bits. */
int probe_pgtable_levels(void);
/* Run fn(arg) in a child as an unprivileged user; its exit code or -1. */
int run_unprivileged(int (*fn)(void *arg), void *arg);

#endif /* VMI_UTIL_H */
