// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>

#include "vmi_util.h"

#define NOBODY 65534

int vmi_read_kv(const char *path, struct vmi_kvs *kvs)
{
	char line[512];
	FILE *f;
	int ret = 0;

	kvs->n = 0;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *sp = strchr(line, ' ');
		size_t len = strlen(line);
		struct vmi_kv *kv;

		if (len == 0 || line[len - 1] != '\n' || !sp || sp == line ||
		    kvs->n == VMI_KV_MAX) {
			ret = -EBADMSG;
			break;
		}
		line[len - 1] = '\0';
		*sp = '\0';
		kv = &kvs->kv[kvs->n++];
		snprintf(kv->key, sizeof(kv->key), "%s", line);
		snprintf(kv->value, sizeof(kv->value), "%s", sp + 1);
	}
	fclose(f);
	return ret;
}

const char *vmi_kv_get(const struct vmi_kvs *kvs, const char *key, int *count)
{
	const char *found = NULL;
	int i, n = 0;

	for (i = 0; i < kvs->n; i++) {
		if (strcmp(kvs->kv[i].key, key))
			continue;
		if (!found)
			found = kvs->kv[i].value;
		n++;
	}
	if (count)
		*count = n;
	return found;
}

ssize_t read_file(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		n = -errno;
	else
		buf[n] = '\0';
	close(fd);
	return n;
}

bool cpu_has_flag(const char *flag)
{
	char line[8192];
	bool found = false;
	FILE *f;

	f = fopen("/proc/cpuinfo", "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *tok, *save;

		if (strncmp(line, "flags", 5))
			continue;
		tok = strchr(line, ':');
		if (!tok)
			continue;
		for (tok = strtok_r(tok + 1, " \n", &save); tok;
		     tok = strtok_r(NULL, " \n", &save))
			if (!strcmp(tok, flag)) {
				found = true;
				break;
			}
		break; /* the first CPU is enough */
	}
	fclose(f);
	return found;
}

/* "0-1", "0", "0-3,5": count them */
int possible_cpus(void)
{
	char buf[256], *p;
	int n = 0;

	if (read_file("/sys/devices/system/cpu/possible", buf, sizeof(buf)) <=
	    0)
		return -1;
	for (p = buf; *p && *p != '\n';) {
		long a = strtol(p, &p, 10), b = a;

		if (*p == '-')
			b = strtol(p + 1, &p, 10);
		n += b - a + 1;
		if (*p == ',')
			p++;
	}
	return n;
}

/*
 * A 4-level x86_64 MMU has 47-bit user addresses; with 5 levels the kernel
 * honours hints above that.  This is the user-visible proof, independent of
 * what the module reports.
 */
int probe_pgtable_levels(void)
{
#if defined(__x86_64__)
	void *hint = (void *)(1UL << 50);
	void *p;
	int levels;

	p = mmap(hint, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	levels = (unsigned long)p >= (1UL << 47) ? 5 : 4;
	munmap(p, 4096);
	return levels;
#else
	return -1; /* a 32-bit process cannot tell */
#endif
}

int pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* Run fn(arg) in a child after drop(how) succeeds; its exit code or -1. */
static int run_in_child(int (*drop)(uint64_t how), uint64_t how,
			int (*fn)(void *arg), void *arg)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (drop(how))
			_exit(100);
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int become_nobody(uint64_t unused)
{
	return setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	       setresuid(NOBODY, NOBODY, NOBODY);
}

/* uid 0 all the same: only the capabilities differ */
static int keep_caps(uint64_t caps)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = {
		{ .effective = (uint32_t)caps, .permitted = (uint32_t)caps },
		{ .effective = caps >> 32, .permitted = caps >> 32 },
	};

	return syscall(SYS_capset, &hdr, data);
}

int run_unprivileged(int (*fn)(void *arg), void *arg)
{
	return run_in_child(become_nobody, 0, fn, arg);
}

int run_with_caps(int (*fn)(void *arg), void *arg, uint64_t caps)
{
	return run_in_child(keep_caps, caps, fn, arg);
}

double vmi_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

double vmi_env_secs(const char *name, double dflt)
{
	const char *s = getenv(name);
	double v = s ? strtod(s, NULL) : 0;

	return v > 0 ? v : dflt;
}

uint64_t pagemap_get(int pagemap_fd, unsigned long addr)
{
	uint64_t e;

	if (pread(pagemap_fd, &e, sizeof(e), (addr / 4096) * sizeof(e)) !=
	    sizeof(e))
		return (uint64_t)-1;
	return e;
}

uint64_t kpageflags_get(int kpf_fd, uint64_t pfn)
{
	uint64_t f;

	if (pread(kpf_fd, &f, sizeof(f), pfn * sizeof(f)) != sizeof(f))
		return 0;
	return f;
}

long smaps_kb(pid_t pid, unsigned long addr, const char *field)
{
	char path[64], line[512];
	size_t flen = strlen(field);
	bool in = false;
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", pid ? pid : getpid());
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long start, end;

		/* field names start upper case, VMA headers with a hex digit */
		if (!isupper((unsigned char)line[0])) {
			if (sscanf(line, "%lx-%lx", &start, &end) == 2)
				in = addr >= start && addr < end;
			continue;
		}
		if (in && !strncmp(line, field, flen)) {
			kb = strtol(line + flen, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}

long status_kb(pid_t pid, const char *field)
{
	char path[64], line[256];
	size_t flen = strlen(field);
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid ? pid : getpid());
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, flen)) {
			kb = strtol(line + flen, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

int write_file(const char *path, const char *s)
{
	ssize_t n, len = strlen(s);
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, s, len);
	close(fd);
	if (n < 0)
		return -errno;
	return n == len ? 0 : -EIO;
}

/*
 * The count of interrupt line name (e.g. "TLB") on one CPU in
 * /proc/interrupts, whose header names the columns (online CPUs only).
 */
long long irq_count(const char *name, int cpu)
{
	char line[4096], want[32], *tok, *save;
	int col = -1, i = 0;
	long long v = -1;
	FILE *f;

	f = fopen("/proc/interrupts", "re");
	if (!f)
		return -1;
	if (fgets(line, sizeof(line), f)) {
		snprintf(want, sizeof(want), "CPU%d", cpu);
		for (tok = strtok_r(line, " \t\n", &save); tok;
		     tok = strtok_r(NULL, " \t\n", &save), i++)
			if (!strcmp(tok, want))
				col = i;
	}
	snprintf(want, sizeof(want), "%s:", name);
	while (col >= 0 && fgets(line, sizeof(line), f)) {
		tok = strtok_r(line, " \t\n", &save);
		if (!tok || strcmp(tok, want))
			continue;
		for (i = 0; i <= col; i++)
			tok = strtok_r(NULL, " \t\n", &save);
		if (tok)
			v = strtoll(tok, NULL, 10);
		break;
	}
	fclose(f);
	return v;
}

const char *tracefs_dir(void)
{
	static const char *const dirs[] = { "/sys/kernel/tracing",
					    "/sys/kernel/debug/tracing" };
	char path[128];
	unsigned int i;

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/events", dirs[i]);
		if (!access(path, F_OK))
			return dirs[i];
	}
	if (!mount("tracefs", dirs[0], "tracefs", 0, NULL))
		return dirs[0];
	return NULL;
}

/* A "key: N" line of tracefs per_cpu/cpuN/stats, or -1. */
long long tracefs_cpu_stat(int cpu, const char *key)
{
	char path[128], buf[2048], *p;
	const char *dir = tracefs_dir();
	size_t len = strlen(key);

	if (!dir)
		return -1;
	snprintf(path, sizeof(path), "%s/per_cpu/cpu%d/stats", dir, cpu);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; p; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (!strncmp(p, key, len) && p[len] == ':')
			return strtoll(p + len + 1, NULL, 10);
	}
	return -1;
}

/*
 * Under multi-threaded QEMU TCG (a host thread per vCPU) text the kernel
 * patches while another vCPU executes it can stay stale there: the other
 * vCPU hits the int3 the patch left and the kernel oopses ("Oops: int3" in
 * __schedule or flush_tlb_func; toggling the tlb_flush tracefs event under
 * a munmap loop does it without vminspect).  scripts/vmtest.sh says on the
 * kernel command line how it runs TCG; a TCG guest that does not say is
 * taken to run QEMU's default, multi-threaded.  KVM and hardware are safe.
 */
const char *switch_under_load_hazard(void)
{
	char buf[8192];

	if (read_file("/proc/cmdline", buf, sizeof(buf)) > 0) {
		if (strstr(buf, "vmi_tcg_thread=single"))
			return NULL;
		if (strstr(buf, "vmi_tcg_thread=multi"))
			return "multi-threaded QEMU TCG";
	}
	if (read_file("/proc/cpuinfo", buf, sizeof(buf)) > 0 &&
	    strstr(buf, "QEMU TCG"))
		return "QEMU TCG (multi-threaded by default)";
	return NULL;
}
