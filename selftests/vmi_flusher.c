// SPDX-License-Identifier: GPL-2.0
/*
 * vmi_flusher SECS: make TLB shootdowns for SECS seconds.  One thread keeps
 * the mm live on CPU 1 by touching a buffer; the main thread, on CPU 0,
 * flips the buffer's protection, so every flip flushes CPU 1's TLB by IPI.
 * Load for unload_test.sh (the module must come and go while probes fire).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "vmi_util.h"

#define LEN (1 << 20)

static char *buf;
static volatile int stop;

static void *toucher(void *arg)
{
	size_t i = 0;

	pin_cpu(1);
	while (!stop) {
		(void)*(volatile char *)(buf + i);
		i = (i + 4096) % LEN;
	}
	return arg;
}

int main(int argc, char **argv)
{
	time_t end = time(NULL) + (argc > 1 ? atoi(argv[1]) : 10);
	pthread_t t;
	long n = 0;

	buf = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (buf == MAP_FAILED || pthread_create(&t, NULL, toucher, NULL)) {
		perror("vmi_flusher");
		return 1;
	}
	pin_cpu(0);
	while (time(NULL) < end)
		mprotect(buf, LEN, (n++ & 1) ? PROT_READ : PROT_READ | PROT_WRITE);
	stop = 1;
	pthread_join(t, NULL);
	printf("%ld flips\n", n);
	return 0;
}
