// SPDX-License-Identifier: GPL-2.0
/*
 * vminspect foundation tests: /proc/vminspect/status, the VMI_IOC_GET_INFO
 * handshake, every malformed ioctl, and the privilege policy.
 *
 * The module's answers are checked against what the kernel says elsewhere:
 * uname(2), /sys/module, /proc/cpuinfo, /sys/devices/system/cpu and the
 * address-space size user space can observe.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/vminspect.h>

#include "kselftest_harness.h"
#include "vmi_util.h"

static const char *const status_keys[] = {
	"module_version", "abi_version", "kernel_release", "arch",
	"pgtable_levels", "page_sizes", "features", "nr_cpus",
	"pfn_visible", "other_processes",
};

/* A key's value, or a marker that cannot match anything real. */
static const char *kv(const struct vmi_kvs *kvs, const char *key)
{
	const char *v = vmi_kv_get(kvs, key, NULL);

	return v ? v : "(missing)";
}

static int get_info(int fd, struct vmi_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return ioctl(fd, VMI_IOC_GET_INFO, info);
}

FIXTURE(vmi)
{
	int fd;
	struct vmi_kvs status;
};

FIXTURE_SETUP(vmi)
{
	self->fd = open(VMI_CTL_PATH, O_RDONLY | O_CLOEXEC);
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, "vminspect module not loaded");
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, vmi_read_kv(VMI_STATUS_PATH, &self->status));
}

FIXTURE_TEARDOWN(vmi)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* Every key present exactly once, nothing malformed. */
TEST_F_TIMEOUT(vmi, status_keys, VMI_TEST_TIMEOUT)
{
	unsigned int i;
	int count;

	for (i = 0; i < sizeof(status_keys) / sizeof(status_keys[0]); i++) {
		EXPECT_TRUE(vmi_kv_get(&self->status, status_keys[i], &count) != NULL)
			TH_LOG("missing key %s", status_keys[i]);
		EXPECT_EQ(1, count) TH_LOG("key %s seen %d times", status_keys[i], count);
	}
}

TEST_F_TIMEOUT(vmi, status_matches_kernel, VMI_TEST_TIMEOUT)
{
	char version[64] = "";
	struct utsname uts;
	char want[64];

	ASSERT_EQ(0, uname(&uts));
	EXPECT_STREQ(uts.release, kv(&self->status, "kernel_release"));
	EXPECT_STREQ(uts.machine, kv(&self->status, "arch"));

	snprintf(want, sizeof(want), "%d", VMI_ABI_VERSION);
	EXPECT_STREQ(want, kv(&self->status, "abi_version"));

	/* MODULE_VERSION() as the module loader recorded it */
	ASSERT_LT(0, read_file("/sys/module/vminspect/version", version, sizeof(version)));
	version[strcspn(version, "\n")] = '\0';
	EXPECT_STREQ(version, kv(&self->status, "module_version"));

	snprintf(want, sizeof(want), "%d", possible_cpus());
	EXPECT_STREQ(want, kv(&self->status, "nr_cpus"));

	EXPECT_TRUE(strstr(kv(&self->status, "features"), "status") != NULL);
}

/* 5 levels exactly when user space can map above 47 bits. */
TEST_F_TIMEOUT(vmi, pgtable_levels, VMI_TEST_TIMEOUT)
{
	int levels = probe_pgtable_levels();
	char want[16];

	if (levels < 0)
		SKIP(return, "this process cannot observe the address-space size");
	snprintf(want, sizeof(want), "%d", levels);
	EXPECT_STREQ(want, kv(&self->status, "pgtable_levels"));
}

/* 4K always; 2M with PSE; 1G with pdpe1gb (what hugetlb can offer). */
TEST_F_TIMEOUT(vmi, page_sizes, VMI_TEST_TIMEOUT)
{
	char want[64];

	snprintf(want, sizeof(want), "4096%s%s",
		 cpu_has_flag("pse") ? " 2097152" : "",
		 cpu_has_flag("pdpe1gb") ? " 1073741824" : "");
	EXPECT_STREQ(want, kv(&self->status, "page_sizes"));
}

/* The binary handshake says what the text file says. */
TEST_F_TIMEOUT(vmi, get_info_matches_status, VMI_TEST_TIMEOUT)
{
	struct vmi_info info;
	char buf[256];

	ASSERT_EQ(0, get_info(self->fd, &info));
	EXPECT_EQ(sizeof(info), info.size);
	EXPECT_EQ(0, info.flags);
	EXPECT_EQ(VMI_ABI_VERSION, info.abi_version);
	EXPECT_EQ(12, info.page_shift);
	EXPECT_EQ(0, info.reserved);
	EXPECT_TRUE(info.features & VMI_FEAT_STATUS);
	EXPECT_STREQ(kv(&self->status, "module_version"), info.module_version);
	EXPECT_STREQ(kv(&self->status, "kernel_release"), info.kernel_release);
	EXPECT_STREQ(kv(&self->status, "arch"), info.arch);

	snprintf(buf, sizeof(buf), "%u", info.pgtable_levels);
	EXPECT_STREQ(kv(&self->status, "pgtable_levels"), buf);
	snprintf(buf, sizeof(buf), "%u", info.nr_cpus);
	EXPECT_STREQ(kv(&self->status, "nr_cpus"), buf);
	EXPECT_EQ(1ULL << 12, info.page_sizes & (1ULL << 12));
	EXPECT_EQ(cpu_has_flag("pse"), !!(info.page_sizes & (1ULL << 21)));
	EXPECT_EQ(cpu_has_flag("pdpe1gb"), !!(info.page_sizes & (1ULL << 30)));
	EXPECT_EQ(0ULL, info.page_sizes & ~((1ULL << 12) | (1ULL << 21) | (1ULL << 30)));

	/* root sees everything, and says so in both places */
	EXPECT_EQ(VMI_CAP_PFN | VMI_CAP_OTHER_MM, info.caps);
	EXPECT_STREQ("1", kv(&self->status, "pfn_visible"));
	EXPECT_STREQ("1", kv(&self->status, "other_processes"));
}

/* An older caller's smaller struct: only its bytes are written. */
TEST_F_TIMEOUT(vmi, get_info_old_size, VMI_TEST_TIMEOUT)
{
	unsigned char buf[sizeof(struct vmi_info) + 64];
	struct vmi_info *info = (struct vmi_info *)buf;

	memset(buf, 0xa5, sizeof(buf));
	memset(info, 0, VMI_INFO_SIZE_VER0);
	info->size = VMI_INFO_SIZE_VER0;
	ASSERT_EQ(0, ioctl(self->fd, VMI_IOC_GET_INFO, info));
	EXPECT_EQ(VMI_INFO_SIZE_VER0, info->size);
	EXPECT_EQ(VMI_ABI_VERSION, info->abi_version);
	EXPECT_EQ(0xa5, buf[VMI_INFO_SIZE_VER0]);
}

/* A newer caller's larger struct with a zero tail works; the tail is kept. */
TEST_F_TIMEOUT(vmi, get_info_larger_zero_tail, VMI_TEST_TIMEOUT)
{
	unsigned char buf[sizeof(struct vmi_info) + 64] = { 0 };
	struct vmi_info *info = (struct vmi_info *)buf;
	size_t i;

	info->size = sizeof(buf);
	ASSERT_EQ(0, ioctl(self->fd, VMI_IOC_GET_INFO, info));
	EXPECT_EQ(sizeof(struct vmi_info), info->size);
	EXPECT_EQ(VMI_ABI_VERSION, info->abi_version);
	for (i = sizeof(struct vmi_info); i < sizeof(buf); i++)
		ASSERT_EQ(0, buf[i]);
}

TEST_F_TIMEOUT(vmi, get_info_nonzero_tail, VMI_TEST_TIMEOUT)
{
	unsigned char buf[sizeof(struct vmi_info) + 64] = { 0 };
	struct vmi_info *info = (struct vmi_info *)buf;

	info->size = sizeof(buf);
	buf[sizeof(buf) - 1] = 1;
	EXPECT_EQ(-1, ioctl(self->fd, VMI_IOC_GET_INFO, info));
	EXPECT_EQ(E2BIG, errno);
}

TEST_F_TIMEOUT(vmi, get_info_absurd_size, VMI_TEST_TIMEOUT)
{
	struct vmi_info info = { .size = 1ULL << 40 };

	EXPECT_EQ(-1, ioctl(self->fd, VMI_IOC_GET_INFO, &info));
	EXPECT_EQ(E2BIG, errno);
}

TEST_F_TIMEOUT(vmi, get_info_small_size, VMI_TEST_TIMEOUT)
{
	static const uint64_t sizes[] = { 0, 8, 16, VMI_INFO_SIZE_VER0 - 1 };
	struct vmi_info info;
	unsigned int i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(&info, 0, sizeof(info));
		info.size = sizes[i];
		EXPECT_EQ(-1, ioctl(self->fd, VMI_IOC_GET_INFO, &info));
		EXPECT_EQ(EINVAL, errno) TH_LOG("size %llu", (unsigned long long)sizes[i]);
	}
}

TEST_F_TIMEOUT(vmi, get_info_unknown_flags, VMI_TEST_TIMEOUT)
{
	struct vmi_info info;
	int bit;

	for (bit = 0; bit < 64; bit++) {
		memset(&info, 0, sizeof(info));
		info.size = sizeof(info);
		info.flags = 1ULL << bit;
		EXPECT_EQ(-1, ioctl(self->fd, VMI_IOC_GET_INFO, &info));
		EXPECT_EQ(EINVAL, errno) TH_LOG("flag bit %d", bit);
	}
}

TEST_F_TIMEOUT(vmi, get_info_bad_pointers, VMI_TEST_TIMEOUT)
{
	struct vmi_info *ro;
	void *unmapped;

	EXPECT_EQ(-1, ioctl(self->fd, VMI_IOC_GET_INFO, NULL));
	EXPECT_EQ(EFAULT, errno);

	unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(unmapped != MAP_FAILED);
	munmap(unmapped, 4096);
	EXPECT_EQ(-1, ioctl(self->fd, VMI_IOC_GET_INFO, unmapped));
	EXPECT_EQ(EFAULT, errno);

	/* kernel addresses are not user memory */
	EXPECT_EQ(-1, ioctl(self->fd, VMI_IOC_GET_INFO, (void *)0xffffffff81000000UL));
	EXPECT_EQ(EFAULT, errno);

	/* readable but not writable: the answer cannot be delivered */
	ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(ro != MAP_FAILED);
	ro->size = sizeof(*ro);
	ASSERT_EQ(0, mprotect(ro, 4096, PROT_READ));
	EXPECT_EQ(-1, ioctl(self->fd, VMI_IOC_GET_INFO, ro));
	EXPECT_EQ(EFAULT, errno);

	/* a struct that runs into an unmapped page */
	ASSERT_EQ(0, mprotect(ro, 4096, PROT_READ | PROT_WRITE));
	munmap(ro, 4096);
}

TEST_F_TIMEOUT(vmi, get_info_struct_across_hole, VMI_TEST_TIMEOUT)
{
	char *two;
	struct vmi_info *info;

	two = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(two != MAP_FAILED);
	ASSERT_EQ(0, munmap(two + 4096, 4096));
	info = (struct vmi_info *)(two + 4096 - 64);
	memset(info, 0, 64);
	info->size = sizeof(*info);
	EXPECT_EQ(-1, ioctl(self->fd, VMI_IOC_GET_INFO, info));
	EXPECT_EQ(EFAULT, errno);
	munmap(two, 4096);
}

TEST_F_TIMEOUT(vmi, unknown_ioctls, VMI_TEST_TIMEOUT)
{
	struct vmi_info info = { .size = sizeof(info) };
	static const unsigned long cmds[] = {
		_IOWR(VMI_IOC_MAGIC, 0xff, struct vmi_info),	/* unknown number */
		_IOWR(VMI_IOC_MAGIC, 0x7f, uint64_t),
		_IOWR('f', 0, struct vmi_info),			/* other magic */
		_IOR(VMI_IOC_MAGIC, 0x00, struct vmi_info),	/* wrong direction */
		_IOW(VMI_IOC_MAGIC, 0x00, struct vmi_info),
		_IO(VMI_IOC_MAGIC, 0x00),
		0,
		TCGETS,						/* isatty() */
	};
	unsigned int i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		EXPECT_EQ(-1, ioctl(self->fd, cmds[i], &info)) TH_LOG("cmd %#lx", cmds[i]);
		EXPECT_EQ(ENOTTY, errno) TH_LOG("cmd %#lx", cmds[i]);
	}
}

/* The size bits of the command do not matter: the struct may grow. */
TEST_F_TIMEOUT(vmi, command_size_bits_ignored, VMI_TEST_TIMEOUT)
{
	unsigned char buf[sizeof(struct vmi_info) + 8] = { 0 };
	struct vmi_info *info = (struct vmi_info *)buf;

	info->size = sizeof(buf);
	EXPECT_EQ(0, ioctl(self->fd, _IOWR(VMI_IOC_MAGIC, 0x00, buf), info));
	EXPECT_EQ(VMI_ABI_VERSION, info->abi_version);
}

TEST_F_TIMEOUT(vmi, file_modes, VMI_TEST_TIMEOUT)
{
	struct stat st;

	ASSERT_EQ(0, stat(VMI_CTL_PATH, &st));
	EXPECT_EQ(0444, st.st_mode & 07777);
	ASSERT_EQ(0, stat(VMI_STATUS_PATH, &st));
	EXPECT_EQ(0444, st.st_mode & 07777);
	ASSERT_EQ(0, stat(VMI_PROC_DIR, &st));
	EXPECT_EQ(0555, st.st_mode & 07777);
}

/* An open descriptor pins the module: unloading must be refused. */
TEST_F_TIMEOUT(vmi, open_file_pins_module, VMI_TEST_TIMEOUT)
{
	EXPECT_EQ(-1, syscall(__NR_delete_module, "vminspect", O_NONBLOCK));
	EXPECT_TRUE(errno == EWOULDBLOCK || errno == EBUSY) TH_LOG("errno %d", errno);
	/* still there */
	EXPECT_EQ(0, access(VMI_STATUS_PATH, R_OK));
}

/* Bits a child reports back through its exit code. */
#define UNPRIV_STATUS_OPEN	(1 << 0)
#define UNPRIV_PFN_SHOWN	(1 << 1)
#define UNPRIV_OTHERS_SHOWN	(1 << 2)
#define UNPRIV_CTL_OPEN		(1 << 3)
#define UNPRIV_CAPS		(1 << 4)
#define UNPRIV_CTL_WRITABLE	(1 << 5)

static int unprivileged_view(void *arg)
{
	struct vmi_kvs kvs;
	struct vmi_info info;
	const char *v;
	int fd, bad = 0;

	if (vmi_read_kv(VMI_STATUS_PATH, &kvs))
		return UNPRIV_STATUS_OPEN;
	v = kv(&kvs, "pfn_visible");
	if (strcmp(v, "0"))
		bad |= UNPRIV_PFN_SHOWN;
	v = kv(&kvs, "other_processes");
	if (strcmp(v, "0"))
		bad |= UNPRIV_OTHERS_SHOWN;

	fd = open(VMI_CTL_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return bad | UNPRIV_CTL_OPEN;
	if (get_info(fd, &info) || info.caps != 0 || info.abi_version != VMI_ABI_VERSION)
		bad |= UNPRIV_CAPS;
	close(fd);

	fd = open(VMI_CTL_PATH, O_RDWR | O_CLOEXEC);
	if (fd >= 0 || errno != EACCES)
		bad |= UNPRIV_CTL_WRITABLE;
	if (fd >= 0)
		close(fd);
	return bad;
}

TEST_F_TIMEOUT(vmi, unprivileged_user, VMI_TEST_TIMEOUT)
{
	EXPECT_EQ(0, run_unprivileged(unprivileged_view, NULL));
}

TEST_HARNESS_MAIN
