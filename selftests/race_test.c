// SPDX-License-Identifier: GPL-2.0
/*
 * Race tests: each aims at one window in which the walker's view of a
 * process can go stale, and checks what it reports against what the
 * process can have had mapped at any moment.
 *
 *  - vma_replaced_under_walk: a thread swaps a region between a private
 *    anonymous mapping (every page written: writable entries) and a
 *    read-only shared file mapping (no writable entry), with MAP_FIXED, in
 *    a loop, while walks run.  A freed VMA struct is soon handed out again,
 *    at the same address: the pointer alone does not tell VMAs apart.  A walk drops its lock for the swapping
 *    thread and picks the range up again; if it takes the new VMA for the
 *    old one it reports entries of one with the attributes of the other: a
 *    writable file entry, or a read-only anonymous one.
 *
 * Each runs for VMI_RACE_SECS seconds (10 by default), with the walker and
 * the mutator pinned to different CPUs: the windows open only when both
 * really run at once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/vminspect.h>

#include "kselftest_harness.h"
#include "vmi_util.h"

#define RACE_LEN   (4UL << 20)
#define RACE_EXTS  (RACE_LEN / 4096)

static double race_secs(void)
{
	const char *s = getenv("VMI_RACE_SECS");
	double v = s ? strtod(s, NULL) : 0;

	return v > 0 ? v : 10;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct swapper {
	char *region;
	int memfd;
	atomic_bool stop;
	atomic_ulong swaps;
	int err;
};

static bool map_file(struct swapper *s)
{
	void *p = mmap(s->region, RACE_LEN, PROT_READ,
		       MAP_SHARED | MAP_FIXED | MAP_POPULATE, s->memfd, 0);

	if (p == MAP_FAILED)
		s->err = errno;
	return p != MAP_FAILED;
}

static bool map_anon(struct swapper *s)
{
	void *p = mmap(s->region, RACE_LEN, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_POPULATE,
		       -1, 0);

	if (p == MAP_FAILED)
		s->err = errno;
	return p != MAP_FAILED;
}

/*
 * Swap the region between its two kinds until told to stop: anonymous,
 * file, file again.  Each MAP_FIXED mmap allocates a VMA and frees the one
 * it replaces, and a slab hands the freed one out again soon (at once
 * where VMAs are SLAB_TYPESAFE_BY_RCU); an odd number of maps a round
 * makes the same struct serve both kinds in turn.
 */
static void *swapper_main(void *arg)
{
	struct swapper *s = arg;

	pin_cpu(1);
	while (!atomic_load(&s->stop)) {
		if (!map_file(s) || !map_file(s) || !map_anon(s))
			break;
		atomic_fetch_add(&s->swaps, 1);
	}
	return NULL;
}

/*
 * An extent of either kind, as the process can have had it: anonymous
 * entries are all writable (MAP_POPULATE writes them), file entries none.
 */
static const char *inconsistent(const struct vmi_extent *e)
{
	if (e->kind != VMI_KIND_PRESENT)
		return NULL;
	if ((e->attrs & VMI_EA_FILE) && (e->eflags & VMI_EF_WRITE))
		return "writable entry with the file mapping's attributes";
	if ((e->attrs & VMI_EA_ANON) && !(e->eflags & VMI_EF_WRITE))
		return "read-only entry with the anonymous mapping's attributes";
	if (!(e->attrs & (VMI_EA_FILE | VMI_EA_ANON)))
		return "neither file nor anonymous";
	return NULL;
}

FIXTURE(race)
{
	int fd;
};

FIXTURE_SETUP(race)
{
	self->fd = open(VMI_CTL_PATH, O_RDONLY | O_CLOEXEC);
	ASSERT_GE(self->fd, 0) TH_LOG("%s: %s", VMI_CTL_PATH, strerror(errno));
	ASSERT_EQ(0, pin_cpu(0));
}

FIXTURE_TEARDOWN(race)
{
	close(self->fd);
}

TEST_F_TIMEOUT(race, vma_replaced_under_walk, VMI_TEST_TIMEOUT)
{
	static struct vmi_extent e[RACE_EXTS];
	struct swapper s = { 0 };
	unsigned long walks = 0, drops = 0, bad = 0;
	double end;
	pthread_t t;

	if (possible_cpus() < 2)
		SKIP(return, "one CPU: the walker and the mutator cannot run at once");
	/* small pages only: a THP would make the extents fewer, nothing else */
	ASSERT_EQ(0, prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0));
	s.memfd = memfd_create("vmi_race", MFD_CLOEXEC);
	ASSERT_GE(s.memfd, 0);
	ASSERT_EQ(0, ftruncate(s.memfd, RACE_LEN));
	ASSERT_EQ(0, fallocate(s.memfd, 0, 0, RACE_LEN));
	s.region = mmap(NULL, RACE_LEN, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, s.region);
	ASSERT_EQ(0, pthread_create(&t, NULL, swapper_main, &s));

	end = now() + race_secs();
	while (now() < end && bad < 4) {
		struct vmi_walk_arg w = {
			.size = sizeof(w),
			.start = (uintptr_t)s.region,
			.end = (uintptr_t)s.region + RACE_LEN,
			.vec = (uintptr_t)e,
			.vec_len = RACE_EXTS,
			.extent_size = sizeof(e[0]),
		};
		unsigned int i;
		const char *why;

		ASSERT_EQ(0, ioctl(self->fd, VMI_IOC_WALK, &w))
			TH_LOG("walk: %s", strerror(errno));
		walks++;
		drops += w.lock_drops;
		for (i = 0; i < w.nr_extents; i++) {
			why = inconsistent(&e[i]);
			if (!why)
				continue;
			if (bad++ < 4)
				TH_LOG("0x%llx-0x%llx eflags 0x%llx attrs 0x%x: %s",
				       (unsigned long long)e[i].start,
				       (unsigned long long)e[i].end,
				       (unsigned long long)e[i].eflags,
				       e[i].attrs, why);
		}
	}
	atomic_store(&s.stop, true);
	pthread_join(t, NULL);
	ksft_print_msg("%lu walks, %lu lock drops, %lu swaps\n", walks, drops,
		       atomic_load(&s.swaps));
	ASSERT_EQ(0, s.err) TH_LOG("mmap: %s", strerror(s.err));
	EXPECT_EQ(0, bad);
	/* the window is only tested when walks really were interrupted */
	EXPECT_GT(drops, 0);
}

TEST_HARNESS_MAIN
