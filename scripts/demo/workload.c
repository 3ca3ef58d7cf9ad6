// SPDX-License-Identifier: GPL-2.0
/*
 * The demo's live workload: maps a region, prints its address, and waits.
 *
 *   workload [--fork]
 *
 * On SIGUSR1 it writes every page of the region (demand paging happens
 * then, not at mmap time); on SIGTERM it exits.  With --fork a child does
 * the same with its own copy: after the write, the same virtual address
 * maps a different frame in each process.  "pid PID addr ADDR len LEN"
 * lines go to stdout (the child's too), then "ready".
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#define REGION (4UL << 20)

static volatile sig_atomic_t touch_requested;

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
