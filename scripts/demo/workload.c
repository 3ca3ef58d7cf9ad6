// SPDX-License-Identifier: GPL-2.0
/*
 * The demo's live workload: maps a region, prints its address, and waits.
 *
 *   workload [--fork]
 *   workload --huge
 *   workload --shared-buffer N
 *   workload --shootdown SECS
 *
 * On SIGUSR1 it writes every page of the region (demand paging happens
 * then, not at mmap time); on SIGTERM it exits.  With --fork a child does
 * the same with its own copy: after the write, the same virtual address
 * maps a different frame in each process.  "pid PID addr ADDR len LEN"
 * lines go to stdout (the child's too), then "ready".
 *
 * With --huge it maps two 512 MiB arrays instead, one kept on 4K pages
 * (MADV_NOHUGEPAGE) and one 2 MiB-aligned with MADV_HUGEPAGE, writes both
 * at once, prints a "pid PID addr ADDR len LEN" line for each and waits.
 *
 * With --shared-buffer N it is a database's shared buffer pool: a 256 MiB
 * memfd named "shared_buffers", which N forked workers each map 2 MiB-
 * aligned and read through, page by page; every worker then pays for its
 * own PTE tables over the same pages.  One "pid PID addr ADDR len LEN"
 * line per worker; they wait until the parent is killed.
 *
 * With --shootdown SECS it sends TLB shootdowns for SECS seconds: a thread
 * pinned to CPU 1 (the latency-critical one) reads a buffer in a loop, so
 * the process's mm stays live there; the main thread, on CPU 0, maps 64 KiB,
 * writes it, makes it read-only and unmaps it, over and over.  Each
 * mprotect() and munmap() must flush CPU 1's TLB by IPI.  It prints
 * "pid PID" when it starts and "done MPROTECTS MUNMAPS" when it stops.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#define REGION (4UL << 20)

#define HUGE_ARRAY (512UL << 20)
#define SZ_2M	   (2UL << 20)

static volatile sig_atomic_t touch_requested;

static int pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

#define SHOOT_LEN (64UL << 10)
#define SPIN_LEN  (1UL << 20)

static volatile int spin_stop;
static char *spin_buf;

/* The latency-critical thread: reads its buffer on CPU 1 until told. */
static void *spinner(void *arg)
{
	size_t i = 0;

	if (pin_cpu(1))
		perror("sched_setaffinity(CPU 1)");
	while (!spin_stop) {
		(void)*(volatile char *)(spin_buf + i);
		i = (i + 4096) % SPIN_LEN;
	}
	return arg;
}

/* --shootdown SECS: mprotect() and munmap() beside a thread on CPU 1. */
static int shootdowns(int secs)
{
	unsigned long mprotects = 0, munmaps = 0;
	time_t end;
	pthread_t t;
	char *p;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (pin_cpu(0))
		perror("sched_setaffinity(CPU 0)");
	spin_buf = mmap(NULL, SPIN_LEN, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (spin_buf == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	if (pthread_create(&t, NULL, spinner, NULL)) {
		perror("pthread_create");
		return 1;
	}
	printf("pid %d\n", getpid());
	fflush(stdout);
	end = time(NULL) + secs;
	while (time(NULL) < end) {
		p = mmap(NULL, SHOOT_LEN, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			perror("mmap");
			break;
		}
		memset(p, 1, SHOOT_LEN);
		if (!mprotect(p, SHOOT_LEN, PROT_READ))
			mprotects++;
		if (!munmap(p, SHOOT_LEN))
			munmaps++;
	}
	spin_stop = 1;
	pthread_join(t, NULL);
	printf("done %lu %lu\n", mprotects, munmaps);
	return 0;
}

#define SHARED_BUFFERS (256UL << 20)

/* The workers of --shared-buffer; the parent waits for them. */
static int shared_buffer(int workers)
{
	int fd = memfd_create("shared_buffers", MFD_CLOEXEC);
	volatile char sum = 0;
	char *raw, *p;
	size_t i;
	int w;

	if (fd < 0 || ftruncate(fd, SHARED_BUFFERS)) {
		perror("memfd");
		return 1;
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (w = 0; w < workers; w++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid)
			continue;
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		raw = mmap(NULL, SHARED_BUFFERS + SZ_2M, PROT_NONE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (raw == MAP_FAILED) {
			perror("mmap");
			_exit(1);
		}
		p = (char *)(((unsigned long)raw + SZ_2M - 1) & ~(SZ_2M - 1));
		p = mmap(p, SHARED_BUFFERS, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, fd, 0);
		if (p == MAP_FAILED) {
			perror("mmap");
			_exit(1);
		}
		for (i = 0; i < SHARED_BUFFERS; i += 4096)
			sum += p[i];
		printf("pid %d addr %p len %lu\n", getpid(), (void *)p,
		       SHARED_BUFFERS);
		fflush(stdout);
		for (;;)
			pause();
	}
	for (;;)
		pause();
}

/* The two 512 MiB arrays of --huge; never returns. */
static int huge_arrays(void)
{
	char *small, *raw, *huge;
	size_t i;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	small = mmap(NULL, HUGE_ARRAY, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	/* 2 MiB more than needed, to start the THP array on a 2 MiB line */
	raw = mmap(NULL, HUGE_ARRAY + SZ_2M, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (small == MAP_FAILED || raw == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	huge = (char *)(((unsigned long)raw + SZ_2M - 1) & ~(SZ_2M - 1));
	madvise(small, HUGE_ARRAY, MADV_NOHUGEPAGE);
	madvise(huge, HUGE_ARRAY, MADV_HUGEPAGE);
	for (i = 0; i < HUGE_ARRAY; i += 4096) {
		small[i] = 1;
		huge[i] = 1;
	}
	printf("pid %d addr %p len %lu\n", getpid(), (void *)small, HUGE_ARRAY);
	printf("pid %d addr %p len %lu\n", getpid(), (void *)huge, HUGE_ARRAY);
	fflush(stdout);
	for (;;)
		pause();
}

static void on_usr1(int sig)
{
	(void)sig;
	touch_requested = 1;
}

int main(int argc, char **argv)
{
	int do_fork = argc > 1 && !strcmp(argv[1], "--fork");
	struct sigaction sa = { .sa_handler = on_usr1 };
	size_t i;
	char *p;

	if (argc > 1 && !strcmp(argv[1], "--huge"))
		return huge_arrays();
	if (argc > 2 && !strcmp(argv[1], "--shared-buffer"))
		return shared_buffer(atoi(argv[2]));
	if (argc > 2 && !strcmp(argv[1], "--shootdown"))
		return shootdowns(atoi(argv[2]));
	sigaction(SIGUSR1, &sa, NULL);
	p = mmap(NULL, REGION, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	/* 4K pages, so that every page of the story is visible */
	madvise(p, REGION, MADV_NOHUGEPAGE);
	/* never outlive the demo */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (do_fork) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0)
			prctl(PR_SET_PDEATHSIG, SIGKILL);
	}
	printf("pid %d addr %p len %lu\n", getpid(), (void *)p, REGION);
	fflush(stdout);
	for (;;) {
		pause();
		if (!touch_requested)
			continue;
		touch_requested = 0;
		for (i = 0; i < REGION; i += 4096)
			p[i] = (char)getpid();
		printf("pid %d touched\n", getpid());
		fflush(stdout);
	}
}
