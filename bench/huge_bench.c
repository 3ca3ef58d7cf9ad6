// SPDX-License-Identifier: GPL-2.0
/*
 * huge_bench - how fast vminspect answers "what is this process on: 4K,
 * THP or hugetlb?" against the tools people use for it today:
 *
 *  - /proc/PID/smaps_rollup, read in this process (the cheapest kernel
 *    summary: one line per kind, no per-VMA detail);
 *  - thpmaps (tools/mm/thpmaps of the kernel tree, Python and numpy),
 *    run as a process with --rollup;
 *
 * against VMI_IOC_HUGE in this process (totals and every VMA's record),
 * VMI_IOC_HUGE_BLOCKS (the facts of every 2 MiB block, the cost of
 * "huge PID --blocks" against the per-VMA call) and the companion
 * "vminspect huge PID --json" run as a process.  The target
 * is a child holding a mixed address space (default 4 GiB: 4K pages, THP,
 * 2M and 1G hugetlb as far as the pools allow).  Everything runs in the
 * same VM, alternating peers; ratios of medians are printed.
 *
 *   huge_bench [--mib-4k N] [--mib-thp N] [--reps N] [--thpmaps PATH]
 *	[--cli PATH]
 *
 * Needs root and the module loaded (scripts/bench.sh does both).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/vminspect.h>

#include "vminspect.h" /* libvminspect */

#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif
#define MAP_HUGE_2MB (21 << MAP_HUGE_SHIFT)
#define MAP_HUGE_1GB (30 << MAP_HUGE_SHIFT)

#define PAGE	 4096UL
#define SZ_2M	 (2UL << 20)
#define SZ_1G	 (1UL << 30)
#define MAX_REPS 64
#define MAX_VMAS 4096

static struct vmi_huge_vma vmas[MAX_VMAS];
/* 2 MiB blocks per VMI_IOC_HUGE_BLOCKS call (4 GiB of them) */
#define MAX_BLOCKS 2048
static unsigned long user_end = 1UL << 47; /* 1 << 56 with 5 levels */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static long hugetlb_free(const char *size)
{
	char path[128], buf[32];
	long v = 0;
	FILE *f;

	snprintf(path, sizeof(path),
		 "/sys/kernel/mm/hugepages/hugepages-%s/free_hugepages", size);
	f = fopen(path, "re");
	if (f) {
		if (fgets(buf, sizeof(buf), f))
			v = strtol(buf, NULL, 10);
		fclose(f);
	}
	return v;
}

static char *map_aligned(size_t len, size_t align)
{
	char *p, *a;

	p = mmap(NULL, len + align, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	a = (char *)(((uintptr_t)p + align - 1) & ~(align - 1));
	if (a > p)
		munmap(p, a - p);
	munmap(a + len, p + len + align - (a + len));
	return a;
}

static void touch(char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += PAGE)
		p[i] = 1;
}

/* The target: builds its memory, says how much, then waits to be killed. */
static pid_t start_target(unsigned long mib_4k, unsigned long mib_thp,
			  unsigned long *bytes)
{
	int ready[2];
	pid_t pid;

	if (pipe(ready))
		return -1;
	pid = fork();
	if (pid)
		goto parent;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	{
		unsigned long got[4] = { 0 };
		long n2m = hugetlb_free("2048kB"),
		     n1g = hugetlb_free("1048576kB");
		char *p;

		p = map_aligned(mib_4k << 20, SZ_2M);
		if (p) {
			madvise(p, mib_4k << 20, MADV_NOHUGEPAGE);
			touch(p, mib_4k << 20);
			got[0] = mib_4k << 20;
		}
		p = map_aligned(mib_thp << 20, SZ_2M);
		if (p) {
			madvise(p, mib_thp << 20, MADV_HUGEPAGE);
			touch(p, mib_thp << 20);
			got[1] = mib_thp << 20;
		}
		if (n2m > 0) {
			p = mmap(NULL, n2m * SZ_2M, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
					 MAP_HUGE_2MB,
				 -1, 0);
			if (p != MAP_FAILED) {
				touch(p, n2m * SZ_2M);
				got[2] = n2m * SZ_2M;
			}
		}
		if (n1g > 0) {
			p = mmap(NULL, SZ_1G, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
					 MAP_HUGE_1GB,
				 -1, 0);
			if (p != MAP_FAILED) {
				p[0] = 1;
				got[3] = SZ_1G;
			}
		}
		if (write(ready[1], got, sizeof(got)) != sizeof(got))
			_exit(1);
		pause();
		_exit(0);
	}
parent:
	close(ready[1]);
	if (pid > 0) {
		unsigned long got[4];

		if (read(ready[0], got, sizeof(got)) != sizeof(got))
			return -1;
		printf("target: %lu MiB on 4K pages, %lu MiB THP, %lu MiB hugetlb 2M, %lu MiB hugetlb 1G\n",
		       got[0] >> 20, got[1] >> 20, got[2] >> 20, got[3] >> 20);
		*bytes = got[0] + got[1] + got[2] + got[3];
	}
	close(ready[0]);
	return pid;
}

/* vminspect in this process: every VMA's record, resuming as needed. */
static int raw_huge_all(int fd, pid_t pid, bool vmas_too,
			struct vmi_huge_bytes *total)
{
	struct vmi_huge_arg a = {
		.size = sizeof(a),
		.pid = pid,
		.end = 1UL << 47,
		.vma_size = sizeof(vmas[0]),
	};

	memset(total, 0, sizeof(*total));
	if (vmas_too) {
		a.vec = (uintptr_t)vmas;
		a.vec_len = MAX_VMAS;
	}
	a.end = user_end;
	for (;;) {
		if (ioctl(fd, VMI_IOC_HUGE, &a))
			return -errno;
		total->rss += a.total.rss;
		total->thp_pmd_anon += a.total.thp_pmd_anon;
		total->hugetlb_pmd_private += a.total.hugetlb_pmd_private;
		total->hugetlb_pud_private += a.total.hugetlb_pud_private;
		if (a.walk_end >= a.end)
			return 0;
		a.start = a.walk_end;
	}
}

/* VMI_IOC_HUGE_BLOCKS: every 2 MiB block's facts; the blocks, or -errno. */
static long raw_huge_blocks(int fd, pid_t pid)
{
	static struct vmi_huge_block blocks[MAX_BLOCKS];
	struct vmi_huge_blocks_arg a = {
		.size = sizeof(a),
		.pid = pid,
		.vec = (uintptr_t)blocks,
		.vec_len = MAX_BLOCKS,
		.block_size = sizeof(blocks[0]),
	};
	long n = 0;

	a.end = user_end;
	for (;;) {
		if (ioctl(fd, VMI_IOC_HUGE_BLOCKS, &a))
			return -errno;
		n += a.nr_blocks;
		if (a.next >= a.end)
			return n;
		a.start = a.next;
	}
}

/*
 * VMI_IOC_WALK of the same range: every page-table leaf read once, merged
 * into extents; the extents, or -errno.  What a block may cost is bounded
 * by this.
 */
static long raw_walk(int fd, pid_t pid)
{
	static struct vmi_extent ext[MAX_BLOCKS];
	struct vmi_walk_arg a = {
		.size = sizeof(a),
		.pid = pid,
		.vec = (uintptr_t)ext,
		.vec_len = MAX_BLOCKS,
		.extent_size = sizeof(ext[0]),
	};
	long n = 0;

	a.end = user_end;
	for (;;) {
		if (ioctl(fd, VMI_IOC_WALK, &a))
			return -errno;
		n += a.nr_extents;
		if (a.walk_end >= a.end || a.walk_end <= a.start)
			return n;
		a.start = a.walk_end;
	}
}

/*
 * The peer of "vminspect pgtables --all": an extent walk of every process
 * of /proc (a kernel thread answers at once).  Seconds.
 */
static double time_walk_all(int fd)
{
	double t0 = now();
	struct dirent *de;
	DIR *d = opendir("/proc");

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (isdigit((unsigned char)de->d_name[0]))
			raw_walk(fd, atoi(de->d_name));
	closedir(d);
	return now() - t0;
}

/* "vminspect pgtables --all" through the library: every process.  Seconds. */
static double time_pgt_all(struct vmi_handle *lib, size_t *n)
{
	double t0 = now();
	struct vmi_pgt_scan s;

	if (vmi_pgt_scan(lib, NULL, &s))
		return -1;
	*n = s.n;
	vmi_pgt_scan_free(&s);
	return now() - t0;
}

static long long rollup(pid_t pid, char *buf, size_t size)
{
	char path[64];
	ssize_t n, total = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while ((n = read(fd, buf + total, size - 1 - total)) > 0)
		total += n;
	close(fd);
	buf[total] = '\0';
	return total;
}

/* The readers timed in this process. */
enum reader {
	RD_VMAS,   /* VMI_IOC_HUGE with every VMA's record */
	RD_ROLLUP, /* /proc/PID/smaps_rollup */
	RD_TOTALS, /* VMI_IOC_HUGE, the totals alone */
	RD_LIB,	   /* libvminspect's vmi_huge_all() */
	RD_BLOCKS, /* VMI_IOC_HUGE_BLOCKS, every 2 MiB block */
	RD_WALK,   /* VMI_IOC_WALK, extents of the whole range */
	NR_READERS
};

/* One run of reader @rd; seconds. */
static double time_reader(enum reader rd, int fd, struct vmi_handle *lib,
			  pid_t pid, char *buf, size_t size)
{
	struct vmi_huge_bytes tot;
	struct vmi_huge_result r;
	double t0 = now();

	switch (rd) {
	case RD_VMAS:
		raw_huge_all(fd, pid, true, &tot);
		break;
	case RD_ROLLUP:
		rollup(pid, buf, size);
		break;
	case RD_TOTALS:
		raw_huge_all(fd, pid, false, &tot);
		break;
	case RD_BLOCKS:
		raw_huge_blocks(fd, pid);
		break;
	case RD_WALK:
		raw_walk(fd, pid);
		break;
	default:
		if (vmi_huge_all(lib, pid, &r) == 0)
			vmi_huge_result_free(&r);
		break;
	}
	return now() - t0;
}

/* Run a command with stdout to /dev/null; seconds, and its peak RSS. */
static double run_cmd(char *const argv[], long *maxrss_kb)
{
	struct rusage ru;
	double t0 = now();
	int status;
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || wait4(pid, &status, 0, &ru) != pid ||
	    !WIFEXITED(status) || WEXITSTATUS(status))
		return -1;
	*maxrss_kb = ru.ru_maxrss;
	return now() - t0;
}

struct target_line {
	const char *what;
	double value, want;
	bool at_most;
};

int main(int argc, char **argv)
{
	unsigned long mib_4k = 1536, mib_thp = 1536, bytes = 0;
	const char *thpmaps = "build/bench/thpmaps",
		   *cli = "tools/vminspect/vminspect";
	/* the in-process readers: NR_READERS timed runs of each per rep */
	double t_in[NR_READERS][MAX_REPS * NR_READERS];
	double t_cli[MAX_REPS], t_thpmaps[MAX_REPS], t_ver[MAX_REPS];
	double t_pgt[MAX_REPS], t_wall[MAX_REPS];
	size_t n_pgt = 0;
	int n_in = 0;
	struct vmi_handle *lib;
	int err;
	long rss_cli = 0, rss_thpmaps = 0;
	struct target_line tl[6];
	int reps = 7, i, j, k, fd, ntl = 0, met = 0, n_thpmaps = 0;
	struct vmi_huge_bytes tot;
	static char buf[1 << 16];
	char pidstr[16];
	pid_t pid;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--mib-4k") && i + 1 < argc)
			mib_4k = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--mib-thp") && i + 1 < argc)
			mib_thp = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
			reps = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--thpmaps") && i + 1 < argc)
			thpmaps = argv[++i];
		else if (!strcmp(argv[i], "--cli") && i + 1 < argc)
			cli = argv[++i];
		else {
			fprintf(stderr,
				"usage: huge_bench [--mib-4k N] [--mib-thp N] [--reps N] [--thpmaps PATH] [--cli PATH]\n");
			return 2;
		}
	}
	if (reps < 1 || reps > MAX_REPS)
		reps = 7;
	fd = open(VMI_CTL_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror(VMI_CTL_PATH);
		return 1;
	}
	{
		struct vmi_info info = { .size = sizeof(info) };

		if (!ioctl(fd, VMI_IOC_GET_INFO, &info) &&
		    info.pgtable_levels == 5)
			user_end = 1UL << 56;
	}
	lib = vmi_open(&err);
	if (!lib) {
		fprintf(stderr, "huge_bench: libvminspect: %s\n",
			strerror(err));
		return 1;
	}
	pid = start_target(mib_4k, mib_thp, &bytes);
	if (pid <= 0) {
		fprintf(stderr, "huge_bench: the target did not start\n");
		return 1;
	}
	snprintf(pidstr, sizeof(pidstr), "%d", pid);

	/* the answers agree before anything is timed */
	if (raw_huge_all(fd, pid, true, &tot) ||
	    rollup(pid, buf, sizeof(buf)) < 0 || raw_huge_blocks(fd, pid) < 0 ||
	    raw_walk(fd, pid) < 0) {
		fprintf(stderr, "huge_bench: a query failed\n");
		kill(pid, SIGKILL);
		return 1;
	}
	printf("vminspect: rss %llu MiB, THP %llu MiB, hugetlb 2M %llu MiB, 1G %llu MiB\n",
	       tot.rss >> 20, tot.thp_pmd_anon >> 20,
	       tot.hugetlb_pmd_private >> 20, tot.hugetlb_pud_private >> 20);

	for (i = 0; i < reps; i++) {
		long rss;
		char *cli_argv[] = { (char *)cli, "huge", pidstr, "--json",
				     NULL };

		/*
		 * The in-process readers, each timed warm (right after an
		 * untimed run of itself), NR_READERS times in rotated order:
		 * the first one after the processes below pays for the caches
		 * (and, under TCG, the emulated TLB) they emptied, and the
		 * next one profits from what its predecessor filled.
		 */
		for (k = 0; k < NR_READERS; k++, n_in++) {
			for (j = 0; j < NR_READERS; j++) {
				int rd = (j + k) % NR_READERS;

				time_reader(rd, fd, lib, pid, buf, sizeof(buf));
				t_in[rd][n_in] = time_reader(rd, fd, lib, pid,
							     buf, sizeof(buf));
			}
		}
		/* every process: its page tables, or an extent walk of it */
		if (i % 2) {
			t_pgt[i] = time_pgt_all(lib, &n_pgt);
			t_wall[i] = time_walk_all(fd);
		} else {
			t_wall[i] = time_walk_all(fd);
			t_pgt[i] = time_pgt_all(lib, &n_pgt);
		}
		t_cli[i] = run_cmd(cli_argv, &rss);
		{
			char *ver_argv[] = { (char *)cli, "--version", NULL };
			long r;

			t_ver[i] = run_cmd(ver_argv, &r);
		}
		if (rss > rss_cli)
			rss_cli = rss;
		/* thpmaps takes long: three runs are enough for a median */
		if (i < 3 && access(thpmaps, R_OK) == 0) {
			char *argv_t[] = { "python3", (char *)thpmaps, "--pid",
					   pidstr,    "--rollup",      NULL };
			double t = run_cmd(argv_t, &rss);

			if (t > 0) {
				t_thpmaps[n_thpmaps++] = t;
				if (rss > rss_thpmaps)
					rss_thpmaps = rss;
			}
		}
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	vmi_close(lib);

	{
		double vmi = median(t_in[RD_VMAS], n_in),
		       vmi_tot = median(t_in[RD_TOTALS], n_in),
		       lib_t = median(t_in[RD_LIB], n_in),
		       blk = median(t_in[RD_BLOCKS], n_in),
		       walk = median(t_in[RD_WALK], n_in);
		double roll = median(t_in[RD_ROLLUP], n_in),
		       cli_t = t_cli[0] > 0 ? median(t_cli, reps) : -1;

		printf("\n%-44s %12s\n", "peer (median of runs, same VM)",
		       "ms");
		printf("%-44s %12.3f\n", "smaps_rollup read", roll * 1e3);
		printf("%-44s %12.3f\n",
		       "vminspect VMI_IOC_HUGE, per VMA + totals", vmi * 1e3);
		printf("%-44s %12.3f\n", "vminspect VMI_IOC_HUGE, totals only",
		       vmi_tot * 1e3);
		printf("%-44s %12.3f\n",
		       "libvminspect vmi_huge_all() (per VMA)", lib_t * 1e3);
		printf("%-44s %12.3f  (%.2fx the per-VMA call)\n",
		       "vminspect VMI_IOC_HUGE_BLOCKS, per block", blk * 1e3,
		       blk / vmi);
		printf("%-44s %12.3f\n", "vminspect VMI_IOC_WALK, extents",
		       walk * 1e3);
		if (cli_t > 0)
			printf("%-44s %12.3f  (peak RSS %ld KiB)\n",
			       "vminspect huge PID --json (process)",
			       cli_t * 1e3, rss_cli);
		if (t_ver[0] > 0)
			printf("%-44s %12.3f\n",
			       "vminspect --version (process start alone)",
			       median(t_ver, reps) * 1e3);
		if (n_thpmaps)
			printf("%-44s %12.3f  (peak RSS %ld KiB)\n",
			       "thpmaps --rollup (process)",
			       median(t_thpmaps, n_thpmaps) * 1e3, rss_thpmaps);
		printf("\nratios (peer time / vminspect time):\n");
		printf("  library (per VMA) vs smaps_rollup: %8.1fx\n",
		       roll / lib_t);
		printf("  ioctl, per VMA vs smaps_rollup:    %8.1fx\n",
		       roll / vmi);
		printf("  ioctl, totals vs smaps_rollup:     %8.1fx\n",
		       roll / vmi_tot);
		printf("  walk vs per block:                 %8.2fx\n",
		       walk / blk);
		/* a block costs at most about what walking its PTEs costs */
		tl[ntl++] = (struct target_line){
			"huge blocks: per block / walk of the range",
			blk / walk, 1.25, true
		};
		/* the measure: vminspect huge PID through the library */
		tl[ntl++] = (struct target_line){
			"huge: libvminspect (per VMA) vs smaps_rollup",
			roll / lib_t, 10, false
		};
		if (n_thpmaps && cli_t > 0) {
			double th = median(t_thpmaps, n_thpmaps);

			printf("  library vs thpmaps:            %8.1fx\n",
			       th / lib_t);
			printf("  CLI vs thpmaps (processes):    %8.1fx\n",
			       th / cli_t);
			printf("  thpmaps peak RSS / CLI's:      %8.1fx\n",
			       (double)rss_thpmaps / (rss_cli ? rss_cli : 1));
			tl[ntl++] = (struct target_line){
				"huge: libvminspect vs thpmaps", th / lib_t,
				100, false
			};
			tl[ntl++] = (struct target_line){
				"huge: thpmaps peak RSS / vminspect CLI's",
				(double)rss_thpmaps / (rss_cli ? rss_cli : 1),
				4, false
			};
		} else {
			printf("  thpmaps or the CLI did not run: no comparison\n");
		}
	}
	{
		double pgt = median(t_pgt, reps), wall = median(t_wall, reps);

		printf("\nevery process (%zu, the target among them):\n",
		       n_pgt);
		printf("%-44s %12.3f\n",
		       "libvminspect vmi_pgt_scan() (pgtables --all)",
		       pgt * 1e3);
		printf("%-44s %12.3f\n",
		       "VMI_IOC_WALK, extents of each process", wall * 1e3);
		/* the measure: at most one extent walk of each */
		tl[ntl++] = (struct target_line){
			"pgtables --all / an extent walk of each", pgt / wall,
			1, true
		};
	}
	printf("\ntargets (a FAIL does not fail the run):\n");
	for (i = 0; i < ntl; i++) {
		bool ok = tl[i].at_most ? tl[i].value <= tl[i].want :
					  tl[i].value >= tl[i].want;

		met += ok;
		printf("  %-4s %-46s %8.2f (want %s %g)\n",
		       ok ? "PASS" : "FAIL", tl[i].what, tl[i].value,
		       tl[i].at_most ? "<=" : ">=", tl[i].want);
	}
	printf("bench: %d targets met, %d missed\n", met, ntl - met);
	(void)bytes;
	return 0;
}
