// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side unit tests of the companion, no kernel module needed: the JSON
 * writer, the table printer, the size formatters, the status-file parser
 * and the status command's renderers.
 *
 * Usage: test_host [STATUS_FILE]   (default: tests/data/status.txt)
 * Prints one line per failure and "N passed, N failed" at the end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../vminspect/cli.h"
#include "../vminspect/output.h"

static unsigned int passed, failed;

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (cond) {                                                    \
			passed++;                                              \
		} else {                                                       \
			failed++;                                              \
			printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		}                                                              \
	} while (0)

static void check_str(const char *got, const char *want, const char *what,
		      int line)
{
	if (got && !strcmp(got, want)) {
		passed++;
		return;
	}
	failed++;
	printf("FAIL %s:%d: %s\n  got:  \"%s\"\n  want: \"%s\"\n", __FILE__,
	       line, what, got ? got : "(null)", want);
}

#define CHECK_STR(got, want) check_str(got, want, #got, __LINE__)

/* An in-memory FILE; the text is read back with mem_text(). */
struct mem {
	FILE *f;
	char *buf;
	size_t len;
};

static void mem_open(struct mem *m)
{
	m->buf = NULL;
	m->len = 0;
	m->f = open_memstream(&m->buf, &m->len);
	if (!m->f) {
		perror("open_memstream");
		exit(1);
	}
}

static const char *mem_text(struct mem *m)
{
	fflush(m->f);
	return m->buf;
}

static void mem_close(struct mem *m)
{
	fclose(m->f);
	free(m->buf);
}

/* ---- JSON ---- */

static void test_json_compact(void)
{
	struct json_writer j;
	struct mem m;

	mem_open(&m);
	json_init(&j, m.f, false);
	json_object_begin(&j);
	json_kv_string(&j, "s", "a\"b\\c\n\t\x01/\x7f");
	json_kv_int(&j, "neg", -9223372036854775807LL - 1);
	json_kv_uint(&j, "big", 18446744073709551615ULL);
	json_kv_bool(&j, "t", true);
	json_kv_bool(&j, "f", false);
	json_kv_null(&j, "n");
	json_kv_hex(&j, "addr", 0x7ffc0000f000ULL);
	json_kv_hex(&j, "zero", 0);
	json_key(&j, "empty_arr");
	json_array_begin(&j);
	json_array_end(&j);
	json_key(&j, "empty_obj");
	json_object_begin(&j);
	json_object_end(&j);
	json_key(&j, "arr");
	json_array_begin(&j);
	json_int(&j, 1);
	json_string(&j, NULL);
	json_object_begin(&j);
	json_kv_int(&j, "x", 2);
	json_object_end(&j);
	json_array_begin(&j);
	json_array_end(&j);
	json_array_end(&j);
	json_object_end(&j);
	CHECK(json_finish(&j) == 0);
	CHECK_STR(mem_text(&m), "{\"s\":\"a\\\"b\\\\c\\n\\t\\u0001/\x7f\","
				"\"neg\":-9223372036854775808,"
				"\"big\":18446744073709551615,"
				"\"t\":true,\"f\":false,\"n\":null,"
				"\"addr\":\"0x7ffc0000f000\",\"zero\":\"0x0\","
				"\"empty_arr\":[],\"empty_obj\":{},"
				"\"arr\":[1,null,{\"x\":2},[]]}\n");
	mem_close(&m);
}

static void test_json_pretty(void)
{
	struct json_writer j;
	struct mem m;

	mem_open(&m);
	json_init(&j, m.f, true);
	json_object_begin(&j);
	json_kv_string(&j, "a", "x");
	json_key(&j, "b");
	json_array_begin(&j);
	json_int(&j, 1);
	json_int(&j, 2);
	json_array_end(&j);
	json_key(&j, "c");
	json_object_begin(&j);
	json_object_end(&j);
	json_object_end(&j);
	CHECK(json_finish(&j) == 0);
	CHECK_STR(mem_text(&m), "{\n"
				"  \"a\": \"x\",\n"
				"  \"b\": [\n"
				"    1,\n"
				"    2\n"
				"  ],\n"
				"  \"c\": {}\n"
				"}\n");
	mem_close(&m);
}

static void test_json_utf8(void)
{
	struct json_writer j;
	struct mem m;

	mem_open(&m);
	json_init(&j, m.f, false);
	json_array_begin(&j);
	/* valid 2-, 3- and 4-byte sequences pass through */
	json_string(&j, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	/* stray continuation, overlong, surrogate, truncated, > U+10FFFF */
	json_string(&j, "\x80|\xc0\xaf|\xed\xa0\x80|\xe2\x82|\xf4\x90\x80\x80");
	json_array_end(&j);
	CHECK(json_finish(&j) == 0);
	CHECK_STR(mem_text(&m),
		  "[\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\","
		  "\"\\ufffd|\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd|"
		  "\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd\\ufffd\"]\n");
	mem_close(&m);
}

static void test_json_misuse(void)
{
	struct json_writer j;
	struct mem m;

	mem_open(&m);

	json_init(&j, m.f, false); /* value without key */
	json_object_begin(&j);
	json_int(&j, 1);
	json_object_end(&j);
	CHECK(json_finish(&j) != 0);

	json_init(&j, m.f, false); /* unbalanced */
	json_array_begin(&j);
	CHECK(json_finish(&j) != 0);

	json_init(&j, m.f, false); /* wrong closer */
	json_array_begin(&j);
	json_object_end(&j);
	CHECK(json_finish(&j) != 0);

	json_init(&j, m.f, false); /* key outside an object */
	json_array_begin(&j);
	json_key(&j, "k");
	json_array_end(&j);
	CHECK(json_finish(&j) != 0);

	json_init(&j, m.f, false); /* dangling key */
	json_object_begin(&j);
	json_key(&j, "k");
	json_object_end(&j);
	CHECK(json_finish(&j) != 0);

	json_init(&j, m.f, false); /* two top-level values */
	json_int(&j, 1);
	json_int(&j, 2);
	CHECK(json_finish(&j) != 0);

	json_init(&j, m.f, false); /* nothing written */
	CHECK(json_finish(&j) != 0);

	json_init(&j, m.f, false); /* a top-level scalar is fine */
	json_bool(&j, true);
	CHECK(json_finish(&j) == 0);

	mem_close(&m);
}

/* ---- tables ---- */

static void test_table(void)
{
	static const char *const hdr[] = { "NAME", "SIZE", "NOTE" };
	struct table *t = table_new(3);
	struct mem m;

	CHECK(t);
	if (!t)
		return;
	table_set_align(t, 1, TABLE_RIGHT);
	CHECK(table_header(t, hdr) == 0);
	CHECK(table_row(t) == 0);
	CHECK(table_cell(t, "heap") == 0);
	CHECK(table_cellf(t, "%dM", 132) == 0);
	CHECK(table_cell(t, "thp") == 0);
	CHECK(table_cell(t, "extra") == -EINVAL); /* 4th cell */
	CHECK(table_row(t) == 0);
	CHECK(table_cell(t, "st\xc3\xa4"
			    "ck") == 0); /* 5 chars, 6 bytes */
	CHECK(table_cell(t, NULL) == 0); /* "-" */
	CHECK(table_row(t) == 0);	 /* short row */
	CHECK(table_cell(t, "x") == 0);
	CHECK(table_header(t, hdr) == -EINVAL); /* header not first */

	mem_open(&m);
	CHECK(table_print(t, m.f) == 0);
	CHECK_STR(mem_text(&m), "NAME   SIZE  NOTE\n"
				"heap   132M  thp\n"
				"st\xc3\xa4"
				"ck     -\n"
				"x\n");
	mem_close(&m);
	table_free(t);

	CHECK(!table_new(0));
}

/* ---- sizes ---- */

static void test_sizes(void)
{
	static const struct {
		uint64_t bytes;
		const char *want;
	} cases[] = {
		{ 0, "0" },
		{ 1, "1" },
		{ 1023, "1023" },
		{ 1024, "1K" },
		{ 1536, "1.5K" },
		{ 1025, "1.0K" },
		{ 4096, "4K" },
		{ 10 * 1024 - 1, "10K" },   /* 9.999K rounds up */
		{ 10 * 1024 + 512, "11K" }, /* halves round up */
		{ 10 * 1024 + 511, "10K" },
		{ 1024 * 1024 - 1, "1.0M" }, /* not "1024K" */
		{ 2097152, "2M" },
		{ 1073741824, "1G" },
		{ 4ULL << 30, "4G" },
		{ 3ULL << 39, "1.5T" },
		{ 1ULL << 50, "1P" },
		{ 1ULL << 60, "1E" },
		{ UINT64_MAX, "16E" },
	};
	char buf[FMT_SIZE_LEN];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		fmt_size(cases[i].bytes, buf, sizeof(buf));
		if (strcmp(buf, cases[i].want)) {
			failed++;
			printf("FAIL fmt_size(%llu) = \"%s\", want \"%s\"\n",
			       (unsigned long long)cases[i].bytes, buf,
			       cases[i].want);
		} else {
			passed++;
		}
	}

	char mask[64];

	CHECK_STR(fmt_size_mask((1ULL << 12) | (1ULL << 21) | (1ULL << 30),
				mask, sizeof(mask)),
		  "4K 2M 1G");
	CHECK_STR(fmt_size_mask(0, mask, sizeof(mask)), "");
	CHECK_STR(fmt_size_mask((1ULL << 12) | (1ULL << 16), mask, 5), "4K");
}

/* ---- status file ---- */

static const char sample_status[] = "module_version 0.1.0\n"
				    "abi_version 1\n"
				    "kernel_release 6.12.95+deb12-amd64\n"
				    "arch x86_64\n"
				    "pgtable_levels 5\n"
				    "page_sizes 4096 2097152 1073741824\n"
				    "features status walk huge tlb\n"
				    "nr_cpus 2\n"
				    "pfn_visible 1\n"
				    "other_processes 1\n";

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf;

	if (!f)
		return NULL;
	buf = calloc(1, 65536);
	if (buf)
		*len = fread(buf, 1, 65535, f);
	fclose(f);
	return buf;
}

static void test_status_parse(const char *path)
{
	static const char odd[] = "\n"
				  "key_only\n"
				  "spaced   value with  inner  spaces  \r\n"
				  "  lead x\n"
				  "dup 1\n"
				  "dup 2\n"
				  "\t\n"
				  "last no-newline";
	struct vmi_status_kv *kv;
	struct vmi_info info;
	size_t n, len;
	char *text;

	CHECK(vmi_parse_status(sample_status, strlen(sample_status), &kv, &n) ==
	      0);
	CHECK(n == 10);
	CHECK_STR(vmi_status_get(kv, n, "kernel_release"),
		  "6.12.95+deb12-amd64");
	CHECK_STR(vmi_status_get(kv, n, "page_sizes"),
		  "4096 2097152 1073741824");
	CHECK(!vmi_status_get(kv, n, "nope"));
	CHECK(vmi_status_to_info(kv, n, &info) == 0);
	CHECK(info.size == sizeof(info));
	CHECK(info.abi_version == 1);
	CHECK(info.pgtable_levels == 5);
	CHECK(info.page_sizes == ((1ULL << 12) | (1ULL << 21) | (1ULL << 30)));
	CHECK(info.page_shift == 12);
	CHECK(info.features ==
	      (VMI_FEAT_STATUS | VMI_FEAT_WALK | VMI_FEAT_HUGE | VMI_FEAT_TLB));
	CHECK(info.nr_cpus == 2);
	CHECK(info.caps == (VMI_CAP_PFN | VMI_CAP_OTHER_MM));
	CHECK_STR(info.module_version, "0.1.0");
	CHECK_STR(info.arch, "x86_64");
	vmi_free_status(kv, n);

	CHECK(vmi_parse_status(odd, sizeof(odd) - 1, &kv, &n) == 0);
	CHECK(n == 6);
	if (n == 6) {
		CHECK_STR(kv[0].key, "key_only");
		CHECK_STR(kv[0].value, "");
		CHECK_STR(kv[1].key, "spaced");
		CHECK_STR(kv[1].value, "value with  inner  spaces");
		CHECK_STR(kv[2].key, "lead");
		CHECK_STR(kv[5].value, "no-newline");
		CHECK_STR(vmi_status_get(kv, n, "dup"), "1");
	}
	vmi_free_status(kv, n);

	CHECK(vmi_parse_status("", 0, &kv, &n) == 0 && n == 0);
	vmi_free_status(kv, n);
	CHECK(vmi_parse_status("a 1\0b 2\n", 8, &kv, &n) == -VMI_EFORMAT);
	CHECK(!kv && n == 0);

	/* the same sample, from a file */
	text = read_file(path, &len);
	CHECK(text);
	if (text) {
		CHECK(len == strlen(sample_status) &&
		      !memcmp(text, sample_status, len));
		CHECK(vmi_parse_status(text, len, &kv, &n) == 0 && n == 10);
		vmi_free_status(kv, n);
		free(text);
	}
}

static int info_of(const char *text, struct vmi_info *info)
{
	struct vmi_status_kv *kv;
	size_t n;
	int ret;

	ret = vmi_parse_status(text, strlen(text), &kv, &n);
	if (ret)
		return ret;
	ret = vmi_status_to_info(kv, n, info);
	vmi_free_status(kv, n);
	return ret;
}

static void test_status_to_info(void)
{
	struct vmi_info info;

	CHECK(info_of("abi_version 2\n", &info) == 0 && info.abi_version == 2);
	CHECK(info.pgtable_levels == 0 && info.page_sizes == 0 && !info.caps);
	CHECK(info_of("arch x86_64\n", &info) == -VMI_EFORMAT);
	CHECK(info_of("abi_version x\n", &info) == -VMI_EFORMAT);
	CHECK(info_of("abi_version -1\n", &info) == -VMI_EFORMAT);
	CHECK(info_of("abi_version 1x\n", &info) == -VMI_EFORMAT);
	CHECK(info_of("abi_version 4294967296\n", &info) == -VMI_EFORMAT);
	CHECK(info_of("abi_version 1\nnr_cpus 2 3\n", &info) == -VMI_EFORMAT);
	CHECK(info_of("abi_version 1\npage_sizes 4096 3000\n", &info) ==
	      -VMI_EFORMAT);
	CHECK(info_of("abi_version 1\npage_sizes 4096,8192\n", &info) ==
	      -VMI_EFORMAT);
	CHECK(info_of("abi_version 1\npage_sizes 0\n", &info) == -VMI_EFORMAT);
	CHECK(info_of("abi_version 1\npfn_visible yes\n", &info) ==
	      -VMI_EFORMAT);
	CHECK(info_of("abi_version 1\nfeatures walk frobnicate tlb\n", &info) ==
		      0 &&
	      info.features == (VMI_FEAT_WALK | VMI_FEAT_TLB));
	CHECK(info_of("abi_version 1\npage_sizes 65536\n", &info) == 0 &&
	      info.page_sizes == 1ULL << 16 && info.page_shift == 16);
	/* overlong strings are truncated, still terminated */
	CHECK(info_of("abi_version 1\narch "
		      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
		      &info) == 0 &&
	      strlen(info.arch) == VMI_STR_LEN - 1);
}

/* ---- library odds and ends ---- */

static void test_lib_misc(void)
{
	struct vmi_info info = { .abi_version = VMI_ABI_VERSION + 1 };
	char why[128], want[128];

	CHECK(!vmi_abi_compatible(&info, why, sizeof(why)));
	snprintf(want, sizeof(want),
		 "kernel module ABI v%d not supported by this vminspect (ABI v%d)",
		 VMI_ABI_VERSION + 1, VMI_ABI_VERSION);
	CHECK_STR(why, want);
	info.abi_version = VMI_ABI_VERSION;
	CHECK(vmi_abi_compatible(&info, NULL, 0));

	CHECK(strstr(vmi_strerror(-VMI_ENOTLOADED), "modprobe vminspect"));
	CHECK(vmi_strerror(VMI_ENOTLOADED) == vmi_strerror(-VMI_ENOTLOADED));
	CHECK_STR(vmi_strerror(-ENOENT), strerror(ENOENT));
	CHECK_STR(vmi_feature_name(VMI_FEAT_HUGE), "huge");
	CHECK(!vmi_feature_name(1ULL << 40));
	CHECK(vmi_feature_from_name("tlb") == VMI_FEAT_TLB);
	CHECK(vmi_feature_from_name("bogus") == 0);

	CHECK(cli_exit_code(0) == CLI_EXIT_OK);
	CHECK(cli_exit_code(-VMI_ENOTLOADED) == CLI_EXIT_NOMODULE);
	CHECK(cli_exit_code(-VMI_EABI) == CLI_EXIT_UNSUPPORTED);
	CHECK(cli_exit_code(-VMI_ENOTSUPP) == CLI_EXIT_UNSUPPORTED);
	CHECK(cli_exit_code(-EACCES) == CLI_EXIT_PERM);
	CHECK(cli_exit_code(-EPERM) == CLI_EXIT_PERM);
	CHECK(cli_exit_code(-EIO) == CLI_EXIT_RUNTIME);
}

/* ---- the library against a fake module ---- */

/*
 * This definition of ioctl() takes the place of libc's for the library
 * linked into this program.  While fake_fd is set, calls on it behave like
 * the module's GET_INFO as configured below; others go to the kernel.
 */
static int fake_fd = -1;
static int fake_errno;	/* fail with this errno */
static __u64 fake_size; /* size the "kernel" writes back */
static __u32 fake_abi = VMI_ABI_VERSION;
static bool fake_saw_bad_request; /* wrong command, size or flags */

int ioctl(int fd, unsigned long req, ...)
{
	struct vmi_info *info;
	va_list ap;

	va_start(ap, req);
	info = va_arg(ap, struct vmi_info *);
	va_end(ap);
	if (fake_fd < 0 || fd != fake_fd)
		return syscall(SYS_ioctl, fd, req, info);
	if (fake_errno) {
		errno = fake_errno;
		return -1;
	}
	if (req != VMI_IOC_GET_INFO || info->size != sizeof(*info) ||
	    info->flags) {
		fake_saw_bad_request = true;
		errno = EINVAL;
		return -1;
	}
	memset(&info->abi_version, 0x5a, sizeof(*info) - 16); /* garbage */
	info->size = fake_size;
	info->abi_version = fake_abi;
	info->pgtable_levels = 4;
	info->page_sizes = (1ULL << 12) | (1ULL << 21);
	info->features = VMI_FEAT_STATUS | VMI_FEAT_WALK;
	info->caps = 0;
	info->nr_cpus = 8;
	info->page_shift = 12;
	info->reserved = 0;
	snprintf(info->module_version, VMI_STR_LEN, "9.9.9");
	snprintf(info->kernel_release, VMI_STR_LEN, "6.1.0-test");
	/* arch deliberately left without its NUL (all 0x5a) */
	return 0;
}

static void test_lib_fake_module(void)
{
	char dir[] = "/tmp/vmi-test-XXXXXX", path[64];
	struct vmi_status_kv *kv;
	struct vmi_handle *h;
	struct vmi_info info;
	size_t n;
	int err, fd;

	if (!mkdtemp(dir)) {
		failed++;
		printf("FAIL mkdtemp: %s\n", strerror(errno));
		return;
	}
	setenv("VMINSPECT_PROC_DIR", dir, 1);
	CHECK_STR(vmi_proc_dir(), dir);

	/* directory present, ctl missing: plain ENOENT, not "not loaded" */
	h = vmi_open(&err);
	CHECK(!h && err == -ENOENT);
	CHECK(vmi_read_status(&kv, &n) == -ENOENT);

	snprintf(path, sizeof(path), "%s/status", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	CHECK(fd >= 0 && write(fd, sample_status, strlen(sample_status)) ==
				 (ssize_t)strlen(sample_status));
	close(fd);
	CHECK(vmi_read_status(&kv, &n) == 0 && n == 10);
	CHECK_STR(vmi_status_get(kv, n, "arch"), "x86_64");
	vmi_free_status(kv, n);

	snprintf(path, sizeof(path), "%s/ctl", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0444);
	close(fd);
	h = vmi_open(&err);
	CHECK(h && err == 0);
	if (h) {
		/* the real ioctl on a plain file: ENOTTY -> not supported */
		CHECK(vmi_get_info(h, &info) == -VMI_ENOTSUPP);

		/* vmi_open()'s descriptor is the lowest free one: find it */
		vmi_close(h);
		fake_fd = dup(0);
		close(fake_fd);
		h = vmi_open(&err);
	}
	CHECK(h);
	if (h) {
		fake_size = sizeof(info);
		CHECK(vmi_get_info(h, &info) == 0);
		CHECK(!fake_saw_bad_request);
		CHECK(info.size == sizeof(info) && info.nr_cpus == 8);
		CHECK_STR(info.module_version, "9.9.9");
		CHECK(strlen(info.arch) == VMI_STR_LEN - 1); /* terminated */
		CHECK(vmi_abi_compatible(&info, NULL, 0));

		fake_size = VMI_INFO_SIZE_VER0; /* an older module */
		CHECK(vmi_get_info(h, &info) == 0);
		fake_size = 16; /* nonsense */
		CHECK(vmi_get_info(h, &info) == -VMI_EABI);
		fake_size = sizeof(info);

		fake_abi = VMI_ABI_VERSION + 1;
		CHECK(vmi_get_info(h, &info) == 0);
		CHECK(!vmi_abi_compatible(&info, NULL, 0));
		fake_abi = VMI_ABI_VERSION;

		fake_errno = EPERM;
		CHECK(vmi_get_info(h, &info) == -EPERM);
		fake_errno = ENOTTY;
		CHECK(vmi_get_info(h, &info) == -VMI_ENOTSUPP);
		fake_errno = 0;
		vmi_close(h);
	}
	fake_fd = -1;
	CHECK(vmi_get_info(NULL, &info) == -EINVAL);

	unlink(path);
	snprintf(path, sizeof(path), "%s/status", dir);
	unlink(path);
	rmdir(dir);

	/* the directory itself missing: the module is not loaded */
	h = vmi_open(&err);
	CHECK(!h && err == -VMI_ENOTLOADED);
	CHECK(vmi_read_status(&kv, &n) == -VMI_ENOTLOADED);
	unsetenv("VMINSPECT_PROC_DIR");
}

/* ---- status command renderers ---- */

static void test_status_render(void)
{
	struct vmi_info info;
	struct mem m;
	char want[1024];

	CHECK(info_of(sample_status, &info) == 0);

	mem_open(&m);
	CHECK(status_print_text(&info, m.f) == 0);
	snprintf(want, sizeof(want),
		 "module version     0.1.0\n"
		 "ABI version        1\n"
		 "kernel release     6.12.95+deb12-amd64\n"
		 "arch               x86_64\n"
		 "page-table levels  5\n"
		 "page sizes         4K 2M 1G\n"
		 "features           status walk huge tlb\n"
		 "CPUs               2\n"
		 "PFNs visible       yes\n"
		 "other processes    yes\n"
		 "companion version  %s\n",
		 VMINSPECT_VERSION);
	CHECK_STR(mem_text(&m), want);
	mem_close(&m);

	mem_open(&m);
	CHECK(status_print_json(&info, m.f) == 0);
	snprintf(want, sizeof(want),
		 "{\n"
		 "  \"module_version\": \"0.1.0\",\n"
		 "  \"abi_version\": 1,\n"
		 "  \"kernel_release\": \"6.12.95+deb12-amd64\",\n"
		 "  \"arch\": \"x86_64\",\n"
		 "  \"pgtable_levels\": 5,\n"
		 "  \"page_sizes\": [\n"
		 "    4096,\n"
		 "    2097152,\n"
		 "    1073741824\n"
		 "  ],\n"
		 "  \"features\": [\n"
		 "    \"status\",\n"
		 "    \"walk\",\n"
		 "    \"huge\",\n"
		 "    \"tlb\"\n"
		 "  ],\n"
		 "  \"nr_cpus\": 2,\n"
		 "  \"pfn_visible\": true,\n"
		 "  \"other_processes\": true,\n"
		 "  \"companion_version\": \"%s\"\n"
		 "}\n",
		 VMINSPECT_VERSION);
	CHECK_STR(mem_text(&m), want);
	mem_close(&m);

	/* unprivileged caller, no features, an unknown feature bit */
	info.caps = 0;
	info.features = 1ULL << 9;
	info.page_sizes = 0;
	mem_open(&m);
	CHECK(status_print_text(&info, m.f) == 0);
	CHECK(strstr(mem_text(&m), "PFNs visible       no\n"));
	CHECK(strstr(mem_text(&m), "features           bit9\n"));
	CHECK(strstr(mem_text(&m), "page sizes         -\n"));
	mem_close(&m);
	mem_open(&m);
	CHECK(status_print_json(&info, m.f) == 0);
	CHECK(strstr(mem_text(&m), "\"page_sizes\": [],"));
	CHECK(strstr(mem_text(&m), "\"pfn_visible\": false,"));
	mem_close(&m);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "tests/data/status.txt";

	test_json_compact();
	test_json_pretty();
	test_json_utf8();
	test_json_misuse();
	test_table();
	test_sizes();
	test_status_parse(path);
	test_status_to_info();
	test_lib_misc();
	test_lib_fake_module();
	test_status_render();

	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
