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
#include <sys/mman.h>
#include <sys/types.h>

/* Sizes, and the mm constants an older C library's headers lack. */
#define PAGE  4096UL
#define SZ_2M (2UL << 20)
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif
#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB (21 << MAP_HUGE_SHIFT)
#endif
#ifndef MAP_HUGE_1GB
#define MAP_HUGE_1GB (30 << MAP_HUGE_SHIFT)
#endif

#define VMI_KV_MAX 64

/*
 * Seconds a kselftest may run before the harness kills it: the harness's
 * 30 s is too short on the debug kernel (KASAN, lockdep, strict RCU grace
 * periods) under TCG, where checking a 1 GiB page frame by frame against
 * kpageflags takes minutes.
 */
#define VMI_TEST_TIMEOUT 480

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
/* Bind the calling thread to one CPU; 0 or -1. */
int pin_cpu(int cpu);
/* Run fn(arg) in a child as an unprivileged user; its exit code or -1. */
int run_unprivileged(int (*fn)(void *arg), void *arg);
/*
 * Run fn(arg) in a child that keeps uid 0 but holds only the capabilities
 * in caps (bit n: capability n); its exit code, 100 if capset() failed,
 * or -1.
 */
int run_with_caps(int (*fn)(void *arg), void *arg, uint64_t caps);
/* CLOCK_MONOTONIC in seconds. */
double vmi_now(void);
/* Seconds from environment variable name if set and positive, else dflt. */
double vmi_env_secs(const char *name, double dflt);

/* /proc/PID/pagemap, see Documentation/admin-guide/mm/pagemap.rst */
#define PM_PFN_MASK	  ((1ULL << 55) - 1)
#define PM_SOFT_DIRTY	  (1ULL << 55)
#define PM_MMAP_EXCLUSIVE (1ULL << 56)
#define PM_UFFD_WP	  (1ULL << 57)
#define PM_FILE		  (1ULL << 61)
#define PM_SWAP		  (1ULL << 62)
#define PM_PRESENT	  (1ULL << 63)
#define PM_SWAP_TYPE(e)	  ((e)&0x1f)
#define PM_SWAP_OFFSET(e) (((e)&PM_PFN_MASK) >> 5)

/* /proc/kpageflags bits */
#define KPF_COMPOUND_HEAD 15
#define KPF_COMPOUND_TAIL 16
#define KPF_HUGE	  17
#define KPF_THP		  22

/* One pagemap entry of this process (or -1 on error). */
uint64_t pagemap_get(int pagemap_fd, unsigned long addr);
/* One kpageflags word (or 0 on error). */
uint64_t kpageflags_get(int kpf_fd, uint64_t pfn);
/* A field (in kB) of the smaps VMA holding addr, or -1. */
long smaps_kb(pid_t pid, unsigned long addr, const char *field);
/* A "Key: value kB" field of /proc/PID/status, or -1. */
long status_kb(pid_t pid, const char *field);
/* Write a string to a file; 0 or -errno. */
int write_file(const char *path, const char *s);

/* Interrupt line name's count on one CPU in /proc/interrupts, or -1. */
long long irq_count(const char *name, int cpu);
/* Where tracefs is (mounted on the spot if needed), or NULL. */
const char *tracefs_dir(void);
/* A "key: N" line of tracefs per_cpu/cpuN/stats ("entries", "overrun"). */
long long tracefs_cpu_stat(int cpu, const char *key);

/*
 * Why switching a hook (a tracepoint, kprobe or static key: kernel text
 * patching) is unsafe here while another CPU runs a load, or NULL when it
 * is safe.  See vmi_util.c.
 */
const char *switch_under_load_hazard(void);
/* The SKIP reason of a test that must switch hooks under load. */
#define SINGLE_LANE_SKIP \
	"switches hooks under load, unsafe with parallel vCPUs: runs in the single-threaded TCG lane (scripts/vmtest.sh --single-lane)"

#endif /* VMI_UTIL_H */
