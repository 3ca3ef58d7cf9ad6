// SPDX-License-Identifier: GPL-2.0
/*
 * vminspect ABI fuzzer: random command numbers, sizes, flags, pids, ranges
 * and pointers (NULL, unmapped, misaligned, kernel addresses, read-only
 * memory) on /proc/vminspect/ctl, and random queries on the query file.
 *
 * Every call must return; errors must be the documented ones; the module
 * must still answer GET_INFO afterwards.  The guest runner fails the run on
 * any kernel-log splat.  The seed is printed: VMI_FUZZ_SEED=N replays a
 * run, VMI_FUZZ_CALLS=N sets the number of ioctl calls (default 100000).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/vminspect.h>

#include "kselftest_harness.h"
#include "vmi_util.h"


static uint64_t rng_state;
static uint64_t n_ok, n_err[256]; /* outcomes, by errno */

/* xorshift64*: small, fast, replayable from the seed */
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static uint64_t pick(const uint64_t *v, size_t n)
{
	return v[rnd() % n];
}

#define PICK(arr) pick(arr, sizeof(arr) / sizeof(arr[0]))

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

FIXTURE(fuzz)
{
	int fd;
	char *buf;	/* 4 pages: arguments and vectors */
	char *ro;	/* a read-only page */
	pid_t child;	/* a small process to inspect */
	uint64_t seed;
};

FIXTURE_SETUP(fuzz)
{
	self->buf = MAP_FAILED;
	self->ro = MAP_FAILED;
	self->child = 0;
	self->fd = open(VMI_CTL_PATH, O_RDONLY | O_CLOEXEC);
	if (self->fd < 0)
		SKIP(return, "vminspect module not loaded");
	/* a guard page after the buffer: vectors that run off it fault */
	self->buf = mmap(NULL, 65 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
	ASSERT_EQ(0, mprotect(self->buf + 64 * PAGE, PAGE, PROT_NONE));
	self->ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->ro);
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (!self->child) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(0);
		pause();
		_exit(0);
	}
	self->seed = env_u64("VMI_FUZZ_SEED", (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32));
	rng_state = self->seed ? self->seed : 1;
	TH_LOG("seed %llu (replay with VMI_FUZZ_SEED=%llu)", (unsigned long long)self->seed,
	       (unsigned long long)self->seed);
}

FIXTURE_TEARDOWN(fuzz)
{
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
	if (self->fd >= 0)
		close(self->fd);
}

/* A pointer the kernel must survive: good, bad or hostile. */
static uint64_t fuzz_ptr(char *buf, char *ro)
{
	switch (rnd() % 8) {
	case 0:
		return 0;
	case 1:
		return 16 + rnd() % PAGE; /* unmapped, low */
	case 2:
		return 0xffff888000000000ULL + (rnd() % (1ULL << 30)); /* kernel */
	case 3:
		return (uintptr_t)ro;
	case 4:
		return (uintptr_t)buf + 1 + rnd() % 7; /* misaligned */
	case 5:
		return (uintptr_t)buf + 60 * PAGE + rnd() % (4 * PAGE); /* runs off the end */
	default:
		return (uintptr_t)buf;
	}
}

static const int ok_errnos[] = {
	EINVAL, EFAULT, E2BIG, ENOTTY, ESRCH, EPERM, EACCES, ENOMEM, EOPNOTSUPP, EBUSY, EINTR,
};

static int errno_ok(int e)
{
	size_t i;

	for (i = 0; i < sizeof(ok_errnos) / sizeof(ok_errnos[0]); i++)
		if (e == ok_errnos[i])
			return 1;
	return 0;
}

/* The commands' layouts: where a structured call puts each field (0: none). */
static const struct layout {
	unsigned int nr, size, pid, start, end, vec, vec_len, rec_size, rec;
} layouts[] = {
	{ 0x00, VMI_INFO_SIZE_VER0, 0, 0, 0, 0, 0, 0, 0 },
	{ 0x01, VMI_WALK_SIZE_VER0, 16, 24, 32, 40, 48, 56, VMI_EXTENT_SIZE_VER0 },
	{ 0x02, VMI_TRANSLATE_SIZE_VER0, 16, 24, 0, 0, 0, 0, 0 },
	{ 0x03, VMI_PGTABLES_SIZE_VER1, 16, 128, 136, 144, 152, 160, VMI_PGT_VMA_SIZE_VER0 },
	{ 0x04, VMI_MAPS_SIZE_VER0, 16, 24, 32, 40, 48, 56, VMI_VMA_SIZE_VER0 },
	{ 0x05, VMI_HUGE_SIZE_VER0, 16, 24, 32, 40, 48, 56, VMI_HUGE_VMA_SIZE_VER0 },
	{ 0x07, VMI_HUGE_BLOCKS_SIZE_VER0, 16, 24, 32, 40, 48, 56, VMI_HUGE_BLOCK_SIZE_VER0 },
};

static void put64(char *buf, unsigned int off, uint64_t v)
{
	if (off)
		memcpy(buf + off, &v, sizeof(v));
}

/*
 * A well-formed call of a known command with values near the edges: the
 * paths past the argument checks.  Returns the command.
 */
static unsigned long structured(char *buf, char *ro, pid_t child)
{
	const struct layout *l = &layouts[rnd() % (sizeof(layouts) / sizeof(layouts[0]))];
	uint64_t pids[] = { 0, 0, (uint64_t)child, (uint64_t)getpid(), 1, 0x7fffffff };
	uint64_t start = rnd() % 2 ? 0 : (rnd() % (1ULL << 47)) & ~(PAGE - 1);
	uint64_t ends[] = { 1ULL << 47, 1ULL << 56, start + PAGE, start + (rnd() % (1ULL << 32)),
			    start };
	uint64_t size = l->size + (rnd() % 4 ? 0 : 8 * (rnd() % 64));
	uint64_t pid = PICK(pids);

	memset(buf, 0, size < 8 * PAGE ? size : 8 * PAGE);
	size = rnd() % 16 ? size : size - 8;
	memcpy(buf, &size, sizeof(size)); /* the size field, at offset 0 */
	if (rnd() % 16 == 0)
		put64(buf, 8, 1ULL << (rnd() % 64)); /* a flag */
	if (l->pid)
		memcpy(buf + l->pid, &pid, 4);
	put64(buf, l->start, l->nr == 0x02 ? rnd() : start);
	put64(buf, l->end, PICK(ends) & ~(PAGE - 1));
	if (l->vec && rnd() % 4) {
		put64(buf, l->vec, rnd() % 8 ? (uintptr_t)(buf + 8 * PAGE) : fuzz_ptr(buf, ro));
		put64(buf, l->vec_len, 1 + rnd() % (rnd() % 2 ? 8 : 56 * PAGE / l->rec));
		put64(buf, l->rec_size, rnd() % 8 ? l->rec : l->rec + 8 * (rnd() % 8) - 16);
	}
	if (l->nr == 0x01 && rnd() % 2) /* walk modes */
		put64(buf, 8, rnd() % 8);
	if (l->nr == 0x07 && rnd() % 2) /* only VMAs that hold a whole block */
		put64(buf, 8, VMI_HUGE_BLOCKS_SPAN);
	if (l->nr == 0x01 && (rnd() % 8 == 0)) /* pages mode: 16-byte records */
		put64(buf, l->rec_size, VMI_PAGE_SIZE_VER0);
	return _IOWR(VMI_IOC_MAGIC, l->nr, struct vmi_info);
}

/* One ioctl with a random command and a random, plausible-looking argument. */
static int fuzz_one(int fd, char *buf, char *ro, pid_t child)
{
	static const uint64_t sizes[] = {
		0, 8, 16, 56, 64, 80, 88, 96, 128, 248, 328, 384, 432, 1024, 4096, 4097, 1 << 20,
	};
	static const uint64_t lens[] = { 0, 1, 2, 16, 1000, VMI_WALK_MAX_VEC, VMI_WALK_MAX_VEC + 1,
					 ~0ULL };
	uint64_t pids[] = { 0, (uint64_t)getpid(), (uint64_t)child, 1, 2, 0x7fffffff, ~0ULL };
	uint64_t addrs[] = { 0, PAGE, 4095, (uintptr_t)buf, 1ULL << 47, (1ULL << 47) + PAGE,
			     1ULL << 56, ~0ULL & ~(PAGE - 1), rnd() & ~(PAGE - 1), rnd() };
	unsigned int nr = rnd() % 4 ? rnd() % 0x16 : rnd() % 256;
	unsigned int dir = rnd() % 8 ? _IOC_READ | _IOC_WRITE : rnd() % 4;
	unsigned int type = rnd() % 16 ? VMI_IOC_MAGIC : rnd() % 256;
	unsigned long cmd = _IOC(dir, type, nr, rnd() % 16 ? PICK(sizes) & 0x3fff : rnd() & 0x3fff);
	uint64_t *a = (uint64_t *)buf;
	uint64_t arg;
	unsigned int i;
	int ret;

	/* a size-first argument: mostly sane header, random fields */
	for (i = 0; i < 64; i++)
		a[i] = rnd() % 3 ? 0 : rnd();
	a[0] = rnd() % 8 ? PICK(sizes) : rnd();
	if (rnd() % 2)
		a[1] = 0; /* flags */
	/* where most structs keep pid, start, end, vec, vec_len, rec size */
	a[2] = PICK(pids);
	a[3] = PICK(addrs);
	a[4] = PICK(addrs);
	a[5] = rnd() % 3 ? (uintptr_t)(buf + 8 * PAGE) : fuzz_ptr(buf, ro);
	a[6] = PICK(lens);
	a[7] = PICK(sizes);
	if (rnd() % 4 == 0)
		a[1] = 1ULL << (rnd() % 64);
	/* TLB control: switching is costly, keep it rare */
	if (type == VMI_IOC_MAGIC && nr == 0x10 && rnd() % 16)
		return 0;
	arg = rnd() % 4 ? (uintptr_t)buf : fuzz_ptr(buf, ro);
	/* three calls of four are well formed */
	if (rnd() % 4) {
		cmd = structured(buf, ro, child);
		arg = rnd() % 32 ? (uintptr_t)buf : fuzz_ptr(buf, ro);
	}
	ret = ioctl(fd, cmd, (unsigned long)arg);
	if (!ret)
		n_ok++;
	else
		n_err[errno & 255]++;
	if (ret && !errno_ok(errno))
		return -errno;
	return 0;
}

TEST_F_TIMEOUT(fuzz, ioctl, 600)
{
	uint64_t calls = env_u64("VMI_FUZZ_CALLS", 100000), n;
	struct vmi_info info = { .size = sizeof(info) };
	int bad = 0;

	for (n = 0; n < calls; n++) {
		int e = fuzz_one(self->fd, self->buf, self->ro, self->child);

		if (e && bad++ < 10)
			TH_LOG("call %llu: unexpected errno %d", (unsigned long long)n, -e);
	}
	TH_LOG("%llu calls, seed %llu: %llu succeeded, EINVAL %llu, EFAULT %llu, E2BIG %llu, ENOTTY %llu, ESRCH %llu, EPERM %llu",
	       (unsigned long long)n, (unsigned long long)self->seed, (unsigned long long)n_ok,
	       (unsigned long long)n_err[EINVAL], (unsigned long long)n_err[EFAULT],
	       (unsigned long long)n_err[E2BIG], (unsigned long long)n_err[ENOTTY],
	       (unsigned long long)n_err[ESRCH], (unsigned long long)n_err[EPERM]);
	EXPECT_EQ(0, bad);
	/* still alive and sane */
	ASSERT_EQ(0, ioctl(self->fd, VMI_IOC_GET_INFO, &info));
	EXPECT_EQ(VMI_ABI_VERSION, info.abi_version);
	/* tracking left as found: off */
	write_file("/proc/vminspect/tlb", "off");
}

/* The same as an unprivileged user: only clean refusals. */
static int fuzz_unprivileged(void *arg)
{
	char *buf, *ro;
	int fd, i;

	fd = open(VMI_CTL_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 10;
	buf = mmap(NULL, 65 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED || ro == MAP_FAILED || mprotect(buf + 64 * PAGE, PAGE, PROT_NONE))
		return 11;
	for (i = 0; i < 20000; i++)
		if (fuzz_one(fd, buf, ro, *(pid_t *)arg))
			return 12;
	return 0;
}

TEST_F_TIMEOUT(fuzz, ioctl_unprivileged, 300)
{
	EXPECT_EQ(0, run_unprivileged(fuzz_unprivileged, &self->child));
}

/* Random lines on the query file: refused or answered, never stuck. */
TEST_F_TIMEOUT(fuzz, query_file, 300)
{
	static const char *const words[] = {
		"walk", "translate", "maps", "pgtables", "huge", "blocks", "per-page", "holes", "0", "1",
		"0x1000", "0xffffffffffffffff", "-1", "99999999999999999999", "0x7fff00000000", "",
		"  ", "\t", "x", "%n%n%s", "walk walk",
	};
	char line[300], pidbuf[16], ans[4096];
	int fd, i, j;

	fd = open(VMI_PROC_DIR "/query", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		SKIP(return, "no query file (%s)", strerror(errno));
	snprintf(pidbuf, sizeof(pidbuf), "%d", self->child);
	for (i = 0; i < 5000; i++) {
		size_t len = 0;
		int nw = 1 + rnd() % 6;
		ssize_t r;

		for (j = 0; j < nw && len < sizeof(line) - 40; j++) {
			const char *w = rnd() % 5 ? words[rnd() % (sizeof(words) / sizeof(words[0]))] :
						    pidbuf;

			len += snprintf(line + len, sizeof(line) - len, "%s%s", j ? " " : "", w);
		}
		if (rnd() % 50 == 0)
			len = sizeof(line) - 1; /* long garbage */
		r = pwrite(fd, line, len ? len : 1, 0);
		if (r < 0) {
			EXPECT_TRUE(errno_ok(errno))
			TH_LOG("'%.*s': errno %d", (int)len, line, errno);
		} else {
			while (read(fd, ans, sizeof(ans)) > 0)
				;
		}
		lseek(fd, 0, SEEK_SET);
	}
	close(fd);
}

TEST_HARNESS_MAIN
