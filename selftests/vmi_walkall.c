// SPDX-License-Identifier: GPL-2.0
/*
 * vmi_walkall [-p PID] [-t SECS] [-c CPU] [-m MODES] [-e FILE]
 *
 * Walk processes with every vminspect query, over and over, until SIGTERM,
 * SIGINT or SECS seconds: every process on the system, or with -p the
 * process PID and all its descendants (found again on every pass, so
 * children a test forks are walked too).  Load for mm_selftests_test.sh:
 * code nobody here wrote changes the page tables while these walks read
 * them.
 *
 * MODES is a comma-separated list (default: all of them):
 *   maps      VMI_IOC_MAPS over the whole address space
 *   walk      VMI_IOC_WALK, merged extents, whole address space
 *   perpage   VMI_IOC_WALK with VMI_WALK_PER_PAGE | VMI_WALK_HOLES, per VMA
 *   pages     VMI_IOC_WALK with VMI_WALK_PAGES, per VMA
 *   huge      VMI_IOC_HUGE over the whole address space
 *   translate VMI_IOC_TRANSLATE of addresses inside each VMA
 *   pgtables  VMI_IOC_PGTABLES
 *
 * A process that exits under a walk makes the call fail with ESRCH, a
 * signal with EINTR: both are counted, not errors.  So is EINVAL for a
 * kernel thread (a pid that a kernel thread took over).  Every other
 * failure, and every answer that breaks the ABI's promises (records out
 * of order or outside the range asked, a walk that does not advance), is
 * an error: printed (the first 20) and counted.  At the end one line of
 * counts; exit status 1 if any error was seen.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/vminspect.h>

#include "vmi_util.h"

/* records per call: small enough that every VMA of a test takes calls */
#define VEC	 512
#define MAX_VMAS 4096
#define MAX_PIDS 4096
/* calls per VMA and mode in one pass: bounds a pass over huge reserves */
#define MAX_CALLS  64
#define MAX_REPORT 20
#define PF_KTHREAD 0x00200000

enum mode {
	M_MAPS,
	M_WALK,
	M_PERPAGE,
	M_PAGES,
	M_HUGE,
	M_TRANSLATE,
	M_PGTABLES,
	M_NR
};

static const char *const mode_names[M_NR] = {
	"maps", "walk", "perpage", "pages", "huge", "translate", "pgtables",
};

static volatile sig_atomic_t stop;
static int ctl;
static uint64_t user_end;
static unsigned int modes = (1U << M_NR) - 1;
static FILE *errfile;

static struct {
	unsigned long passes, procs, calls, records, esrch, eintr, kthread,
		errors;
	unsigned long by_mode[M_NR];
} cnt;

static struct vmi_vma vmas[MAX_VMAS];
static struct vmi_extent ext[VEC];
static struct vmi_page pages[VEC];
static struct vmi_huge_vma hv[64];

static void on_signal(int sig)
{
	stop = 1;
}

static int is_kthread(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long flags = 0;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return 0;
	/* comm may hold spaces: fields count from its closing parenthesis */
	p = strrchr(buf, ')');
	for (i = 0; p && i < 7; i++)
		p = strchr(p + 1, ' ');
	if (p)
		flags = strtoul(p + 1, NULL, 10);
	return !!(flags & PF_KTHREAD);
}

static void error(pid_t pid, enum mode m, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void error(pid_t pid, enum mode m, const char *fmt, ...)
{
	va_list ap;

	if (++cnt.errors > MAX_REPORT)
		return;
	fprintf(errfile, "vmi_walkall: error: pid %d %s: ", pid, mode_names[m]);
	va_start(ap, fmt);
	vfprintf(errfile, fmt, ap);
	va_end(ap);
	fputc('\n', errfile);
	fflush(errfile);
}

/*
 * One ioctl.  0 on success; 1 when the process is gone (or was a kernel
 * thread, or a signal came): stop walking it; -1 after an error.
 */
static int call(pid_t pid, enum mode m, unsigned long cmd, void *arg)
{
	cnt.calls++;
	cnt.by_mode[m]++;
	if (!ioctl(ctl, cmd, arg))
		return 0;
	if (errno == ESRCH) {
		cnt.esrch++;
		return 1;
	}
	if (errno == EINTR) {
		cnt.eintr++;
		return 1;
	}
	if (errno == EINVAL && is_kthread(pid)) {
		cnt.kthread++;
		return 1;
	}
	error(pid, m, "ioctl: %s", strerror(errno));
	return -1;
}

/*
 * The VMA records of one call over [start, walk_end): nr records of size
 * bytes from first (the address of the first one's start; its end follows).
 * They come in order and do not overlap.  The first may begin below start:
 * the VMA holding start grew down since the call before ended there.
 */
static int check_vmas(pid_t pid, enum mode m, const __u64 *first, size_t size,
		      uint64_t nr, uint64_t start, uint64_t walk_end)
{
	uint64_t prev_start = 0, prev_end = start, i;
	const __u64 *v;

	for (i = 0; i < nr; i++) {
		v = (const __u64 *)((const char *)first + i * size);
		if (v[0] >= v[1] || v[1] > walk_end || v[1] <= prev_end ||
		    (i && v[0] < prev_end)) {
			error(pid, m,
			      "VMA %#llx-%#llx (record %llu of %llu) after %#llx-%#llx, call [%#llx, %#llx)",
			      (unsigned long long)v[0],
			      (unsigned long long)v[1], (unsigned long long)i,
			      (unsigned long long)nr,
			      (unsigned long long)prev_start,
			      (unsigned long long)prev_end,
			      (unsigned long long)start,
			      (unsigned long long)walk_end);
			return -1;
		}
		prev_start = v[0];
		prev_end = v[1];
	}
	return 0;
}

/* The VMAs of pid into vmas[]; their number, or -1 to stop here. */
static int get_maps(pid_t pid)
{
	struct vmi_maps_arg a;
	uint64_t start = 0;
	int n = 0, r;

	while (start < user_end && n < MAX_VMAS) {
		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.pid = pid;
		a.start = start;
		a.end = user_end;
		a.vec = (uintptr_t)(vmas + n);
		a.vec_len = MAX_VMAS - n < VEC ? MAX_VMAS - n : VEC;
		a.vma_size = sizeof(struct vmi_vma);
		r = call(pid, M_MAPS, VMI_IOC_MAPS, &a);
		if (r)
			return -1;
		if (a.nr_vmas > a.vec_len || a.walk_end <= start ||
		    a.walk_end > user_end) {
			error(pid, M_MAPS,
			      "%llu VMAs in %llu slots, walk_end %#llx from %#llx",
			      a.nr_vmas, a.vec_len, a.walk_end,
			      (unsigned long long)start);
			return -1;
		}
		if (check_vmas(pid, M_MAPS, &vmas[n].start, sizeof(vmas[0]),
			       a.nr_vmas, start, a.walk_end))
			return -1;
		n += a.nr_vmas;
		cnt.records += a.nr_vmas;
		start = a.walk_end;
	}
	return n;
}

/* Records of one call in ext[] (pages[] for VMI_WALK_PAGES): ABI promises. */
static int check_records(pid_t pid, enum mode m, const struct vmi_walk_arg *a)
{
	uint64_t prev = a->start;
	int i;

	if (a->flags & VMI_WALK_PAGES) {
		/* one record per page, holes included */
		if (a->nr_extents != (a->walk_end - a->start) / 4096) {
			error(pid, m, "%llu pages for [%#llx, %#llx)",
			      a->nr_extents, a->start, a->walk_end);
			return -1;
		}
		for (i = 0; i < (int)a->nr_extents; i++) {
			if (pages[i].kind > VMI_KIND_OTHER) {
				error(pid, m, "page %#llx kind %u",
				      a->start + i * 4096ULL, pages[i].kind);
				return -1;
			}
		}
		return 0;
	}
	for (i = 0; i < (int)a->nr_extents; i++) {
		if (ext[i].start < prev || ext[i].start >= ext[i].end ||
		    ext[i].end > a->walk_end || ext[i].kind > VMI_KIND_OTHER) {
			error(pid, m,
			      "extent %#llx-%#llx kind %u after %#llx, walk_end %#llx",
			      ext[i].start, ext[i].end, ext[i].kind,
			      (unsigned long long)prev, a->walk_end);
			return -1;
		}
		prev = ext[i].end;
	}
	return 0;
}

/* VMI_IOC_WALK with flags over [start, end), call after call.  0, or 1 to stop. */
static int walk_range(pid_t pid, enum mode m, uint64_t flags, uint64_t start,
		      uint64_t end)
{
	struct vmi_walk_arg a;
	int calls, r;

	for (calls = 0; start < end && calls < MAX_CALLS; calls++) {
		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.flags = flags;
		a.pid = pid;
		a.start = start;
		a.end = end;
		a.vec_len = VEC;
		if (flags & VMI_WALK_PAGES) {
			a.vec = (uintptr_t)pages;
			a.extent_size = sizeof(pages[0]);
		} else {
			a.vec = (uintptr_t)ext;
			a.extent_size = sizeof(ext[0]);
		}
		r = call(pid, m, VMI_IOC_WALK, &a);
		if (r)
			return r > 0;
		if (a.nr_extents > VEC || a.walk_end <= start ||
		    a.walk_end > end) {
			error(pid, m,
			      "%llu records, walk_end %#llx for [%#llx, %#llx)",
			      a.nr_extents, a.walk_end,
			      (unsigned long long)start,
			      (unsigned long long)end);
			return 0;
		}
		if (check_records(pid, m, &a))
			return 0;
		cnt.records += a.nr_extents;
		start = a.walk_end;
	}
	return 0;
}

static int walk_huge(pid_t pid)
{
	struct vmi_huge_arg a;
	uint64_t start = 0;
	int calls, r;

	for (calls = 0; start < user_end && calls < MAX_CALLS; calls++) {
		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.pid = pid;
		a.start = start;
		a.end = user_end;
		a.vec = (uintptr_t)hv;
		a.vec_len = sizeof(hv) / sizeof(hv[0]);
		a.vma_size = sizeof(hv[0]);
		r = call(pid, M_HUGE, VMI_IOC_HUGE, &a);
		if (r)
			return r > 0;
		if (a.nr_vmas > a.vec_len || a.walk_end <= start ||
		    a.walk_end > user_end) {
			error(pid, M_HUGE,
			      "%llu VMAs, walk_end %#llx from %#llx", a.nr_vmas,
			      a.walk_end, (unsigned long long)start);
			return 0;
		}
		if (check_vmas(pid, M_HUGE, &hv[0].start, sizeof(hv[0]),
			       a.nr_vmas, start, a.walk_end))
			return 0;
		cnt.records += a.nr_vmas;
		start = a.walk_end;
	}
	return 0;
}

static int translate(pid_t pid, uint64_t va)
{
	struct vmi_translate_arg a;
	int r;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.pid = pid;
	a.va = va;
	r = call(pid, M_TRANSLATE, VMI_IOC_TRANSLATE, &a);
	if (r)
		return r > 0;
	/* outside every VMA (it went away since the maps call): no path */
	if (a.vma_end ?
		    a.nr_levels < 1 || a.nr_levels > 5 || va < a.vma_start ||
			    va >= a.vma_end || a.leaf.kind > VMI_KIND_OTHER :
		    a.nr_levels || a.leaf.kind != VMI_KIND_NONE) {
		error(pid, M_TRANSLATE,
		      "%#llx: %u levels, kind %u, VMA %#llx-%#llx",
		      (unsigned long long)va, a.nr_levels, a.leaf.kind,
		      a.vma_start, a.vma_end);
		return 0;
	}
	cnt.records++;
	return 0;
}

static int pgtables(pid_t pid)
{
	struct vmi_pgtables_arg a;
	int r;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.pid = pid;
	r = call(pid, M_PGTABLES, VMI_IOC_PGTABLES, &a);
	if (r)
		return r > 0;
	/* every process has its PGD */
	if (!a.bytes || a.tables[VMI_LEVEL_PTE] > a.bytes / 4096) {
		error(pid, M_PGTABLES, "%llu bytes, %llu PTE tables", a.bytes,
		      a.tables[VMI_LEVEL_PTE]);
		return 0;
	}
	cnt.records++;
	return 0;
}

/* Every selected mode over one process; stops early when it is gone. */
static void walk_process(pid_t pid, unsigned int pass)
{
	int n, i, m;
	uint64_t s, e, len;

	n = get_maps(pid);
	if (n < 0)
		return;
	cnt.procs++;
	/* start each pass at another mode: walkers overlap in every pair */
	for (m = 0; m < M_NR && !stop; m++) {
		enum mode mode = (m + pass) % M_NR;

		if (!(modes & (1U << mode)))
			continue;
		switch (mode) {
		case M_MAPS:
			if (get_maps(pid) < 0)
				return;
			break;
		case M_WALK:
			if (walk_range(pid, M_WALK, 0, 0, user_end))
				return;
			break;
		case M_HUGE:
			if (walk_huge(pid))
				return;
			break;
		case M_PGTABLES:
			if (pgtables(pid))
				return;
			break;
		default:
			for (i = 0; i < n && !stop; i++) {
				s = vmas[i].start;
				e = vmas[i].end;
				len = e - s;
				if (mode == M_PERPAGE &&
				    walk_range(pid, M_PERPAGE,
					       VMI_WALK_PER_PAGE |
						       VMI_WALK_HOLES,
					       s, e))
					return;
				if (mode == M_PAGES &&
				    walk_range(pid, M_PAGES, VMI_WALK_PAGES, s,
					       e))
					return;
				if (mode == M_TRANSLATE &&
				    (translate(pid, s) ||
				     translate(pid, e - 1) ||
				     translate(pid, s + (len / 2 & ~4095ULL)) ||
				     translate(pid, s + ((uint64_t)random() *
							 4096) % len)))
					return;
			}
		}
	}
}

/* pid and its descendants (ppid chains through /proc), or all processes. */
static int list_pids(pid_t root, pid_t *pids)
{
	static pid_t all[MAX_PIDS], parent[MAX_PIDS];
	char path[64], buf[512], *p;
	int n = 0, k = 0, i, j, added;
	struct dirent *d;
	DIR *dir;

	dir = opendir("/proc");
	if (!dir)
		return 0;
	while ((d = readdir(dir)) && n < MAX_PIDS) {
		pid_t pid = atoi(d->d_name);

		if (pid <= 0 || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		if (read_file(path, buf, sizeof(buf)) <= 0)
			continue;
		p = strrchr(buf, ')');
		if (!p)
			continue;
		all[n] = pid;
		parent[n] = atoi(p + 4); /* ") S PPID" */
		n++;
	}
	closedir(dir);
	if (!root) {
		memcpy(pids, all, n * sizeof(*pids));
		return n;
	}
	pids[k++] = root;
	do {
		added = 0;
		for (i = 0; i < n; i++) {
			if (!all[i])
				continue;
			for (j = 0; j < k; j++) {
				if (parent[i] == pids[j]) {
					pids[k++] = all[i];
					all[i] = 0;
					added = 1;
					break;
				}
			}
		}
	} while (added);
	return k;
}

int main(int argc, char **argv)
{
	static pid_t pids[MAX_PIDS];
	pid_t root = 0;
	struct vmi_info info = { .size = sizeof(info) };
	int secs = 0, cpu = -1, opt, i, n;
	char *tok, *list;
	time_t end;

	errfile = stderr;
	while ((opt = getopt(argc, argv, "p:t:c:m:e:")) != -1) {
		switch (opt) {
		case 'p':
			root = atoi(optarg);
			break;
		case 't':
			secs = atoi(optarg);
			break;
		case 'c':
			cpu = atoi(optarg);
			break;
		case 'e':
			errfile = fopen(optarg, "a");
			if (!errfile) {
				perror(optarg);
				return 2;
			}
			break;
		case 'm':
			modes = 0;
			list = strdup(optarg);
			for (tok = strtok(list, ","); tok;
			     tok = strtok(NULL, ",")) {
				for (i = 0;
				     i < M_NR && strcmp(tok, mode_names[i]);
				     i++)
					;
				if (i == M_NR) {
					fprintf(stderr,
						"vmi_walkall: unknown mode %s\n",
						tok);
					return 2;
				}
				modes |= 1U << i;
			}
			free(list);
			break;
		default:
			fprintf(stderr,
				"usage: %s [-p PID] [-t SECS] [-c CPU] [-m MODES] [-e FILE]\n",
				argv[0]);
			return 2;
		}
	}
	if (cpu >= 0 && pin_cpu(cpu))
		perror("vmi_walkall: pin_cpu");
	ctl = open(VMI_CTL_PATH, O_RDONLY);
	if (ctl < 0 || ioctl(ctl, VMI_IOC_GET_INFO, &info)) {
		perror("vmi_walkall: " VMI_CTL_PATH);
		return 2;
	}
	/* the top of user space: the last page below 2^47 or 2^56 is user */
	user_end = info.pgtable_levels == 5 ? 1ULL << 56 : 1ULL << 47;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	end = time(NULL) + secs;
	while (!stop && (!secs || time(NULL) < end)) {
		n = list_pids(root, pids);
		/* the root gone and no descendant left: nothing more to walk */
		if (root && n == 1 && kill(root, 0) && errno == ESRCH)
			break;
		for (i = 0; i < n && !stop; i++)
			walk_process(pids[i], cnt.passes);
		cnt.passes++;
	}
	printf("vmi_walkall: passes %lu processes %lu calls %lu records %lu esrch %lu eintr %lu kthread %lu errors %lu",
	       cnt.passes, cnt.procs, cnt.calls, cnt.records, cnt.esrch,
	       cnt.eintr, cnt.kthread, cnt.errors);
	for (i = 0; i < M_NR; i++)
		printf(" %s %lu", mode_names[i], cnt.by_mode[i]);
	printf("\n");
	return cnt.errors ? 1 : 0;
}
