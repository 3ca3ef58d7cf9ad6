// SPDX-License-Identifier: GPL-2.0
/*
 * vmi_modcycle KO CYCLES [PARAMS]: unload and load a module CYCLES times, as
 * fast as its users let it go.  Every unload is retried (delete_module with
 * O_NONBLOCK fails while an open file pins the module) for up to 60 s;
 * every other load passes PARAMS (e.g. tlb_track=1), the others none.  The
 * system calls are made here, not by forking rmmod and insmod: under load,
 * a process per attempt would rarely catch the moment no file is open.
 * Prints one summary line; exits non-zero when a cycle failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int unload(const char *name, unsigned long *tries)
{
	double end = now() + 60;

	for (;;) {
		++*tries;
		if (!syscall(SYS_delete_module, name, O_NONBLOCK))
			return 0;
		if (errno == ENOENT)
			return 0;
		if ((errno != EWOULDBLOCK && errno != EBUSY && errno != EAGAIN) || now() > end)
			return -errno;
		sched_yield();
	}
}

static int load(const char *ko, const char *params)
{
	int fd = open(ko, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0) ? -errno : 0;
	close(fd);
	return ret;
}

int main(int argc, char **argv)
{
	unsigned long tries = 0;
	const char *params = "";
	double start = now();
	int cycles, i, ret = 0;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: %s KO CYCLES [PARAMS]\n", argv[0]);
		return 2;
	}
	if (argc == 4)
		params = argv[3];
	cycles = atoi(argv[2]);
	for (i = 1; i <= cycles; i++) {
		ret = unload("vminspect", &tries);
		if (ret) {
			printf("cycle %d: unload: %s\n", i, strerror(-ret));
			break;
		}
		ret = load(argv[1], i % 2 ? params : "");
		if (ret) {
			printf("cycle %d: load: %s\n", i, strerror(-ret));
			break;
		}
	}
	printf("%d of %d cycles in %.1f s, %lu unload attempts\n", ret ? i - 1 : cycles,
	       cycles, now() - start, tries);
	return ret ? 1 : 0;
}
