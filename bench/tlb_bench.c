// SPDX-License-Identifier: GPL-2.0
/*
 * tlb_bench - what TLB shootdown tracking costs the code it watches.
 *
 * The loop: mmap, touch and munmap one page on CPU 0 while a sibling
 * thread spins on CPU 1, so every munmap shoots down CPU 1 (one IPI, as
 * the README of ../shared measured).  Runs alternate tracking off and on,
 * in pairs whose order alternates too, so that drift hits both sides; the
 * result is the median of the per-pair ratios of operations per second.
 * The sibling is stopped while tracking is switched: switching patches
 * code, which should not race with a busy CPU in a TCG guest.
 *
 *   tlb_bench [--pairs N] [--ops N]
 *
 * Needs root and the vminspect module; prints "tlb_bench: ..." lines and
 * ends with "bench: N targets met, N missed" (target: <= 3% slowdown).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/vminspect.h>

#define TARGET_PCT 3.0
#define MAX_PAIRS  64

static volatile int spin_stop, spin_ready;

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void *spinner(void *arg)
{
	(void)arg;
	pin(1);
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

/* Operations per second of one run; < 0 on error. */
static double run(long ops)
{
	pthread_t t;
	double t0, t1;
	char *p;
	long i;

	spin_stop = 0;
	spin_ready = 0;
	if (pthread_create(&t, NULL, spinner, NULL))
		return -1;
	while (!spin_ready)
		;
	usleep(2000);
	t0 = now_s();
	for (i = 0; i < ops; i++) {
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			break;
		p[0] = 1;
		munmap(p, 4096);
	}
	t1 = now_s();
	spin_stop = 1;
	pthread_join(t, NULL);
	return i == ops ? ops / (t1 - t0) : -1;
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

int main(int argc, char **argv)
{
	double off[MAX_PAIRS], on[MAX_PAIRS], ratio[MAX_PAIRS],
		noise[MAX_PAIRS];
	double r, slow, moff, mon, mnoise;
	struct vmi_tlb_ctl_arg st = { .size = sizeof(st) };
	long ops = 5000;
	int pairs = 7, i, k, fd;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--pairs") && i + 1 < argc)
			pairs = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--ops") && i + 1 < argc)
			ops = atol(argv[++i]);
		else {
			fprintf(stderr, "usage: %s [--pairs N] [--ops N]\n",
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
	fd = open(VMI_CTL_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror("tlb_bench: " VMI_CTL_PATH);
		return 1;
	}
	pin(0);
	run(ops / 5); /* warm up */
	for (i = 0; i < pairs; i++) {
		for (k = 0; k < 2; k++) {
			int want_on = (i + k) % 2;
			double v;

			if (tlb_switch(fd, want_on))
				return 1;
			v = run(ops);
			if (v < 0) {
				fprintf(stderr, "tlb_bench: run failed\n");
				return 1;
			}
			if (want_on)
				on[i] = v;
			else
				off[i] = v;
		}
		ratio[i] = on[i] / off[i];
		printf("tlb_bench: pair %d (%s first): off %.0f ops/s, on %.0f ops/s, on/off %.3f\n",
		       i + 1, i % 2 ? "on" : "off", off[i], on[i], ratio[i]);
	}
	/* what tracking saw of the last "on" run, as a sanity check */
	tlb_switch(fd, 0);
	ioctl(fd, VMI_IOC_TLB_CTL, &st);
	/* off vs off of neighbouring pairs: the noise floor */
	for (i = 0; i + 1 < pairs; i++)
		noise[i] = off[i + 1] / off[i];
	r = median(ratio, pairs);
	slow = (1 - r) * 100;
	moff = median(off, pairs);
	mon = median(on, pairs);
	printf("tlb_bench: %d pairs of %ld mmap+touch+munmap with a sibling on CPU 1\n",
	       pairs, ops);
	printf("tlb_bench: median off %.0f ops/s (%.1f us/op), on %.0f ops/s (%.1f us/op)\n",
	       moff, 1e6 / moff, mon, 1e6 / mon);
	mnoise = median(noise, pairs - 1); /* sorts noise[] */
	printf("tlb_bench: median on/off ratio %.3f: slowdown %.1f%% (target <= %.0f%%); off/off noise median %.3f, min %.3f, max %.3f\n",
	       r, slow, TARGET_PCT, mnoise, noise[0], noise[pairs - 2]);
	printf("bench: %d targets met, %d missed\n", slow <= TARGET_PCT,
	       slow > TARGET_PCT);
	close(fd);
	return 0;
}
