// SPDX-License-Identifier: GPL-2.0
/*
 * tlb_bench - what TLB shootdown tracking costs the code it watches.
 *
 * The loop: mmap, touch and munmap one page on CPU 0 while a sibling
 * thread spins on CPU 1, so every munmap shoots down CPU 1 with one IPI.
 * Runs alternate tracking off and on, in pairs whose order alternates too,
 * so that drift hits both sides; the result is the median of the per-pair
 * ratios of operations per second.
 * The sibling is stopped while tracking is switched: switching patches
 * code, which should not race with a busy CPU in a TCG guest.
 *
 * With --module, a second phase runs the same loop with the module absent
 * (unloaded) and loaded with tracking off, in alternating pairs as well;
 * the sibling is stopped while the module is unloaded or loaded.  At the
 * end the module is loaded again, with the parameters it had, and tracking
 * is left as it was found.
 *
 * With --load switch the load is a context-switch ping-pong instead
 * (run_pingpong()), whose target is 1%.
 *
 *   tlb_bench [--pairs N] [--ops N] [--module PATH] [--load shootdown|switch]
 *
 * Needs root and the vminspect module loaded; prints "tlb_bench: ..." lines
 * and ends with "bench: N targets met, N missed".  Targets: <= 3% slowdown
 * with tracking on; with tracking off, no difference from the module being
 * absent beyond noise: |slowdown| <= max(noise floor, 1%), the noise floor
 * being the median |1 - r| of the absent/absent ratios r of neighbouring
 * pairs.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/vminspect.h>

#define TARGET_PCT	  3.0 /* the shootdown load */
#define TARGET_SWITCH_PCT 1.0 /* the context-switch load */
#define ABSENT_MIN_PCT	  1.0 /* the absent target's floor, when noise is lower */
#define MAX_PAIRS	  64
#define MOD_NAME	  "vminspect"
#define MOD_PARAMS_DIR	  "/sys/module/" MOD_NAME "/parameters"
#define MOD_PARAMS_LEN	  1024
#define UNLOAD_TRIES	  200 /* of 10 ms each */
#define SETTLE_SECS	  3   /* after a load or unload, without udevadm */

static volatile int spin_stop, spin_ready;

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		fprintf(stderr, "tlb_bench: sched_setaffinity(CPU %d): %s\n",
			cpu, strerror(errno));
		return -1;
	}
	return 0;
}

static void *spinner(void *arg)
{
	(void)arg;
	if (pin(1)) {
		spin_ready = -1;
		return NULL;
	}
	spin_ready = 1;
	while (!spin_stop)
		;
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The context-switch load: this process and a child, both on CPU 0, pass
 * a byte back and forth through two pipes; every switch between their mms
 * passes the tlb_flush tracepoint (TLB_FLUSH_ON_TASK_SWITCH).  Round trips
 * per second; < 0 on error, said on stderr.
 */
static double run_pingpong(long ops)
{
	int to_child[2], to_parent[2], status;
	double t0, t1;
	char c = 0;
	pid_t pid;
	long i;

	if (pipe(to_child) || pipe(to_parent)) {
		perror("tlb_bench: pipe");
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		perror("tlb_bench: fork");
		return -1;
	}
	if (pid == 0) {
		close(to_child[1]);
		close(to_parent[0]);
		while (read(to_child[0], &c, 1) == 1)
			if (write(to_parent[1], &c, 1) != 1)
				break;
		_exit(0);
	}
	close(to_child[0]);
	close(to_parent[1]);
	t0 = now_s();
	for (i = 0; i < ops; i++)
		if (write(to_child[1], &c, 1) != 1 ||
		    read(to_parent[0], &c, 1) != 1)
			break;
	t1 = now_s();
	close(to_child[1]);
	close(to_parent[0]);
	waitpid(pid, &status, 0);
	if (i < ops) {
		fprintf(stderr, "tlb_bench: run failed: the pipe broke\n");
		return -1;
	}
	return ops / (t1 - t0);
}

/* Which load run() times (--load). */
static int load_pingpong;

static const char *load_name(void)
{
	return load_pingpong ?
		       "pipe round trips between two processes on CPU 0" :
		       "mmap+touch+munmap with a sibling on CPU 1";
}

/* The slowdown tracking may cost the load. */
static double target_pct(void)
{
	return load_pingpong ? TARGET_SWITCH_PCT : TARGET_PCT;
}

static double run_shootdowns(long ops);

/* Operations per second of one run; < 0 on error, said on stderr. */
static double run(long ops)
{
	return load_pingpong ? run_pingpong(ops) : run_shootdowns(ops);
}

/* The shootdown load: see the top of the file. */
static double run_shootdowns(long ops)
{
	pthread_t t;
	double t0, t1;
	char *p;
	long i;
	int err;

	spin_stop = 0;
	spin_ready = 0;
	if (pthread_create(&t, NULL, spinner, NULL)) {
		fprintf(stderr, "tlb_bench: run failed: no sibling thread\n");
		return -1;
	}
	while (!spin_ready)
		;
	if (spin_ready < 0) {
		pthread_join(t, NULL); /* pin() said why */
		return -1;
	}
	usleep(2000);
	t0 = now_s();
	for (i = 0; i < ops; i++) {
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			break;
		p[0] = 1;
		if (munmap(p, 4096))
			break;
	}
	t1 = now_s();
	err = errno;
	spin_stop = 1;
	pthread_join(t, NULL);
	if (i < ops) {
		fprintf(stderr, "tlb_bench: run failed: mmap/munmap: %s\n",
			strerror(err));
		return -1;
	}
	return ops / (t1 - t0);
}

static int tlb_switch(int fd, int on)
{
	struct vmi_tlb_ctl_arg a = {
		.size = sizeof(a),
		.flags = on ? VMI_TLB_ENABLE | VMI_TLB_RESET : VMI_TLB_DISABLE,
	};

	if (ioctl(fd, VMI_IOC_TLB_CTL, &a)) {
		fprintf(stderr, "tlb_bench: VMI_IOC_TLB_CTL: %s\n",
			strerror(errno));
		return -1;
	}
	return a.enabled == (unsigned int)!!on ? 0 : -1;
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

static double absd(double x)
{
	return x < 0 ? -x : x;
}

/* The tracking state as found, through a fresh descriptor; < 0 on error. */
static int tlb_state(void)
{
	struct vmi_tlb_ctl_arg a = { .size = sizeof(a) };
	int fd, ret;

	fd = open(VMI_CTL_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror("tlb_bench: " VMI_CTL_PATH);
		return -1;
	}
	ret = ioctl(fd, VMI_IOC_TLB_CTL, &a);
	if (ret)
		fprintf(stderr, "tlb_bench: VMI_IOC_TLB_CTL: %s\n",
			strerror(errno));
	if (close(fd) && !ret) {
		perror("tlb_bench: close " VMI_CTL_PATH);
		ret = -1;
	}
	return ret ? -1 : (int)a.enabled;
}

/*
 * Switch tracking through a descriptor of its own, closed again before
 * returning: an open /proc/vminspect file would keep the module in.
 */
static int tlb_set(int on)
{
	int fd, ret;

	fd = open(VMI_CTL_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror("tlb_bench: " VMI_CTL_PATH);
		return -1;
	}
	ret = tlb_switch(fd, on);
	if (close(fd) && !ret) {
		perror("tlb_bench: close " VMI_CTL_PATH);
		ret = -1;
	}
	return ret;
}

/*
 * The module's parameters as they are now ("name=value ..."), to load it
 * again the same way: the readable files of /sys/module/vminspect/parameters
 * (a module without parameters has no such directory).
 */
static int mod_params(char *buf, size_t len)
{
	char path[512], val[256];
	struct dirent *de;
	size_t used = 0;
	ssize_t n;
	DIR *dir;
	int fd, w;

	buf[0] = '\0';
	dir = opendir(MOD_PARAMS_DIR);
	if (!dir) {
		if (errno == ENOENT)
			return 0;
		perror("tlb_bench: " MOD_PARAMS_DIR);
		return -1;
	}
	errno = 0;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", MOD_PARAMS_DIR,
			 de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			/* write-only: not ours to keep */
			if (errno == EACCES) {
				errno = 0;
				continue;
			}
			perror(path);
			goto fail;
		}
		n = read(fd, val, sizeof(val) - 1);
		if (n < 0) {
			perror(path);
			close(fd);
			goto fail;
		}
		if (close(fd)) {
			perror(path);
			goto fail;
		}
		while (n > 0 && val[n - 1] == '\n')
			n--;
		val[n] = '\0';
		w = snprintf(buf + used, len - used,
			     strpbrk(val, " \t") ? "%s%s=\"%s\"" : "%s%s=%s",
			     used ? " " : "", de->d_name, val);
		if (w < 0 || (size_t)w >= len - used) {
			fprintf(stderr, "tlb_bench: %s: parameters too long\n",
				MOD_PARAMS_DIR);
			goto fail;
		}
		used += w;
		errno = 0;
	}
	if (errno) {
		perror("tlb_bench: readdir " MOD_PARAMS_DIR);
		goto fail;
	}
	if (closedir(dir)) {
		perror("tlb_bench: closedir " MOD_PARAMS_DIR);
		return -1;
	}
	return 0;
fail:
	closedir(dir);
	return -1;
}

/* delete_module; a reference still being dropped gives EAGAIN or EBUSY. */
static int mod_unload(void)
{
	int i;

	for (i = 0; i < UNLOAD_TRIES; i++) {
		if (!syscall(SYS_delete_module, MOD_NAME, O_NONBLOCK))
			return 0;
		if (errno != EAGAIN && errno != EBUSY)
			break;
		usleep(10000);
	}
	fprintf(stderr, "tlb_bench: delete_module(%s): %s\n", MOD_NAME,
		strerror(errno));
	return -1;
}

/*
 * Wait until udev has handled the uevents of a load or unload.  Its worker
 * takes CPU 1 from the sibling for a while, and a loop whose sibling is
 * not running needs no IPI: the pairs would time udev, not the module
 * (bench/README.md).  Without udevadm, wait a few seconds.
 */
static int settle(void)
{
	static const char *const argv[] = { "udevadm", "settle", "--timeout=60",
					    NULL };
	static int no_udevadm;
	pid_t pid;
	int err, status;

	if (!no_udevadm) {
		err = posix_spawnp(&pid, argv[0], NULL, NULL,
				   (char *const *)argv, environ);
		if (!err) {
			if (waitpid(pid, &status, 0) < 0) {
				perror("tlb_bench: waitpid udevadm");
				return -1;
			}
			if (WIFEXITED(status) && !WEXITSTATUS(status))
				return 0;
			fprintf(stderr,
				"tlb_bench: udevadm settle failed (status 0x%x)\n",
				status);
			return -1;
		}
		if (err != ENOENT) {
			fprintf(stderr, "tlb_bench: udevadm: %s\n",
				strerror(err));
			return -1;
		}
		no_udevadm = 1;
		printf("tlb_bench: no udevadm: waiting %d s before each run instead\n",
		       SETTLE_SECS);
	}
	if (sleep(SETTLE_SECS)) {
		fprintf(stderr, "tlb_bench: sleep interrupted\n");
		return -1;
	}
	return 0;
}

static int mod_load(const char *path, const char *params)
{
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "tlb_bench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	ret = syscall(SYS_finit_module, fd, params, 0);
	if (ret)
		fprintf(stderr, "tlb_bench: finit_module(%s, \"%s\"): %s\n",
			path, params, strerror(errno));
	if (close(fd) && !ret) {
		fprintf(stderr, "tlb_bench: close %s: %s\n", path,
			strerror(errno));
		ret = -1;
	}
	return ret ? -1 : 0;
}

/*
 * Module absent against module loaded with tracking off, in alternating
 * pairs; the noise floor is the absent side of neighbouring pairs, as the
 * off side is in the tracking phase.  No descriptor of ours is open on the
 * module here.  Leaves the module loaded, with @params and tracking off;
 * returns 1 when the target is met, 0 when missed, -1 on error.
 */
static int absent_phase(const char *ko, const char *params, int pairs, long ops)
{
	double absent[MAX_PAIRS], off[MAX_PAIRS], ratio[MAX_PAIRS],
		noise[MAX_PAIRS], dev[MAX_PAIRS];
	double r, slow, floor_pct, limit, mabs, moff, mnoise;
	int i, k, loaded = 1, ret = -1;

	for (i = 0; i < pairs; i++) {
		for (k = 0; k < 2; k++) {
			int want_loaded = (i + k) % 2;
			double v;

			if (loaded && !want_loaded) {
				if (mod_unload())
					goto out;
				loaded = 0;
			} else if (!loaded && want_loaded) {
				if (mod_load(ko, params))
					goto out;
				loaded = 1;
			}
			/* loaded with tlb_track=Y, it tracks from load on */
			if (want_loaded && tlb_set(0))
				goto out;
			/* before either side, so that both wait alike */
			if (settle())
				goto out;
			v = run(ops);
			if (v < 0)
				goto out;
			if (want_loaded)
				off[i] = v;
			else
				absent[i] = v;
		}
		ratio[i] = absent[i] / off[i];
		printf("tlb_bench: absent pair %d (%s first): absent %.0f ops/s, off %.0f ops/s, absent/off %.3f\n",
		       i + 1, i % 2 ? "off" : "absent", absent[i], off[i],
		       ratio[i]);
	}
	for (i = 0; i + 1 < pairs; i++) {
		noise[i] = absent[i + 1] / absent[i];
		dev[i] = absd(1 - noise[i]) * 100;
	}
	r = median(ratio, pairs);
	/* ops/s the loaded module costs, as "slowdown" above: 1 - off/absent */
	slow = (1 - 1 / r) * 100;
	floor_pct = median(dev, pairs - 1);
	limit = floor_pct > ABSENT_MIN_PCT ? floor_pct : ABSENT_MIN_PCT;
	mabs = median(absent, pairs);
	moff = median(off, pairs);
	mnoise = median(noise, pairs - 1); /* sorts noise[] */
	printf("tlb_bench: %d pairs of %ld %s, module absent vs loaded with tracking off\n",
	       pairs, ops, load_name());
	printf("tlb_bench: median absent %.0f ops/s (%.1f us/op), loaded off %.0f ops/s (%.1f us/op)\n",
	       mabs, 1e6 / mabs, moff, 1e6 / moff);
	printf("tlb_bench: median absent/off ratio %.3f: slowdown %.1f%% with the module loaded, tracking off; absent/absent noise median %.3f, min %.3f, max %.3f; noise floor %.1f%%\n",
	       r, slow, mnoise, noise[0], noise[pairs - 2], floor_pct);
	ret = absd(slow) <= limit;
	printf("tlb_bench: target |slowdown| <= max(noise floor, %.0f%%) = %.1f%% (noise floor: median |1 - absent/absent| of neighbouring pairs): %s\n",
	       ABSENT_MIN_PCT, limit, ret ? "met" : "missed");
out:
	if (!loaded && mod_load(ko, params))
		ret = -1;
	return ret;
}

int main(int argc, char **argv)
{
	double off[MAX_PAIRS], on[MAX_PAIRS], ratio[MAX_PAIRS],
		noise[MAX_PAIRS];
	double r, slow, moff, mon, mnoise;
	char params[MOD_PARAMS_LEN];
	const char *ko = NULL;
	long ops = 5000;
	int pairs = 7, i, k, fd, was_on, met, missed, absent_met;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--pairs") && i + 1 < argc)
			pairs = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--ops") && i + 1 < argc)
			ops = atol(argv[++i]);
		else if (!strcmp(argv[i], "--module") && i + 1 < argc)
			ko = argv[++i];
		else if (!strcmp(argv[i], "--load") && i + 1 < argc &&
			 (!strcmp(argv[i + 1], "shootdown") ||
			  !strcmp(argv[i + 1], "switch")))
			load_pingpong = !strcmp(argv[++i], "switch");
		else {
			fprintf(stderr,
				"usage: %s [--pairs N] [--ops N] [--module PATH] [--load shootdown|switch]\n",
				argv[0]);
			return 2;
		}
	}
	if (pairs < 5 || pairs > MAX_PAIRS || ops < 100) {
		fprintf(stderr, "tlb_bench: at least 5 pairs and 100 ops\n");
		return 2;
	}
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		printf("tlb_bench: needs 2 CPUs, skipped\n");
		printf("bench: 0 targets met, 0 missed\n");
		return 0;
	}
	/* the state to leave the module in: its parameters and tracking */
	if (mod_params(params, sizeof(params)))
		return 1;
	was_on = tlb_state();
	if (was_on < 0)
		return 1;
	fd = open(VMI_CTL_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror("tlb_bench: " VMI_CTL_PATH);
		return 1;
	}
	if (pin(0))
		return 1;
	if (run(ops / 5) < 0) /* warm up */
		return 1;
	for (i = 0; i < pairs; i++) {
		for (k = 0; k < 2; k++) {
			int want_on = (i + k) % 2;
			double v;

			if (tlb_switch(fd, want_on))
				return 1;
			v = run(ops);
			if (v < 0)
				return 1;
			if (want_on)
				on[i] = v;
			else
				off[i] = v;
		}
		ratio[i] = on[i] / off[i];
		printf("tlb_bench: pair %d (%s first): off %.0f ops/s, on %.0f ops/s, on/off %.3f\n",
		       i + 1, i % 2 ? "on" : "off", off[i], on[i], ratio[i]);
	}
	if (tlb_switch(fd, 0))
		return 1;
	/* the next phase unloads the module: no descriptor may keep it */
	if (close(fd)) {
		perror("tlb_bench: close " VMI_CTL_PATH);
		return 1;
	}
	/* off vs off of neighbouring pairs: the noise floor */
	for (i = 0; i + 1 < pairs; i++)
		noise[i] = off[i + 1] / off[i];
	r = median(ratio, pairs);
	slow = (1 - r) * 100;
	moff = median(off, pairs);
	mon = median(on, pairs);
	printf("tlb_bench: %d pairs of %ld %s\n", pairs, ops, load_name());
	printf("tlb_bench: median off %.0f ops/s (%.1f us/op), on %.0f ops/s (%.1f us/op)\n",
	       moff, 1e6 / moff, mon, 1e6 / mon);
	mnoise = median(noise, pairs - 1); /* sorts noise[] */
	printf("tlb_bench: median on/off ratio %.3f: slowdown %.1f%% (target <= %.0f%%); off/off noise median %.3f, min %.3f, max %.3f\n",
	       r, slow, target_pct(), mnoise, noise[0], noise[pairs - 2]);
	met = slow <= target_pct();
	missed = !met;

	if (ko) {
		absent_met = absent_phase(ko, params, pairs, ops);
		if (absent_met < 0)
			return 1;
		met += absent_met;
		missed += !absent_met;
	} else {
		printf("tlb_bench: module absent vs loaded with tracking off: skipped: no --module\n");
	}
	if (was_on && tlb_set(1))
		return 1;
	printf("bench: %d targets met, %d missed\n", met, missed);
	return 0;
}
