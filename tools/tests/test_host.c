// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side unit tests of the companion, no kernel module needed: the JSON
 * writer, the print_*() helpers, the table printer, the size formatters,
 * the status-file parser, the spelling of the uapi's names, the library
 * against a fake module and the renderers of status, tlb, walk, translate
 * and maps.  kselftest harness, KTAP output; run from tools/ (the sample
 * status file is tests/data/status.txt).
 *
 * "test_host --render WHAT" prints a sample --json rendering instead.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <stdint.h>
#include <unistd.h>

#include "../vminspect/cli.h"
#include "../vminspect/output.h"
#include "fake_ctl.h"
#include "kselftest_harness.h"

#define STATUS_FILE "tests/data/status.txt"

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

TEST(json_compact)
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
	EXPECT_TRUE(json_finish(&j) == 0);
	EXPECT_STREQ("{\"s\":\"a\\\"b\\\\c\\n\\t\\u0001/\x7f\","
		     "\"neg\":-9223372036854775808,"
		     "\"big\":18446744073709551615,"
		     "\"t\":true,\"f\":false,\"n\":null,"
		     "\"addr\":\"0x7ffc0000f000\",\"zero\":\"0x0\","
		     "\"empty_arr\":[],\"empty_obj\":{},"
		     "\"arr\":[1,null,{\"x\":2},[]]}\n",
		     mem_text(&m));
	mem_close(&m);
}

TEST(json_indented)
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
	EXPECT_TRUE(json_finish(&j) == 0);
	EXPECT_STREQ("{\n"
		     "  \"a\": \"x\",\n"
		     "  \"b\": [\n"
		     "    1,\n"
		     "    2\n"
		     "  ],\n"
		     "  \"c\": {}\n"
		     "}\n",
		     mem_text(&m));
	mem_close(&m);
}

TEST(json_utf8)
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
	EXPECT_TRUE(json_finish(&j) == 0);
	EXPECT_STREQ("[\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\","
		     "\"\\ufffd|\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd|"
		     "\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd\\ufffd\"]\n",
		     mem_text(&m));
	mem_close(&m);
}

TEST(json_misuse)
{
	struct json_writer j;
	struct mem m;

	mem_open(&m);

	json_init(&j, m.f, false); /* value without key */
	json_object_begin(&j);
	json_int(&j, 1);
	json_object_end(&j);
	EXPECT_TRUE(json_finish(&j) != 0);

	json_init(&j, m.f, false); /* unbalanced */
	json_array_begin(&j);
	EXPECT_TRUE(json_finish(&j) != 0);

	json_init(&j, m.f, false); /* wrong closer */
	json_array_begin(&j);
	json_object_end(&j);
	EXPECT_TRUE(json_finish(&j) != 0);

	json_init(&j, m.f, false); /* key outside an object */
	json_array_begin(&j);
	json_key(&j, "k");
	json_array_end(&j);
	EXPECT_TRUE(json_finish(&j) != 0);

	json_init(&j, m.f, false); /* dangling key */
	json_object_begin(&j);
	json_key(&j, "k");
	json_object_end(&j);
	EXPECT_TRUE(json_finish(&j) != 0);

	json_init(&j, m.f, false); /* two top-level values */
	json_int(&j, 1);
	json_int(&j, 2);
	EXPECT_TRUE(json_finish(&j) != 0);

	json_init(&j, m.f, false); /* nothing written */
	EXPECT_TRUE(json_finish(&j) != 0);

	json_init(&j, m.f, false); /* a top-level scalar is fine */
	json_bool(&j, true);
	EXPECT_TRUE(json_finish(&j) == 0);

	mem_close(&m);
}

/* ---- tables ---- */

TEST(table)
{
	static const char *const hdr[] = { "NAME", "SIZE", "NOTE" };
	struct table *t = table_new(3);
	struct mem m;

	EXPECT_NE(NULL, t);
	if (!t)
		return;
	table_set_align(t, 1, TABLE_RIGHT);
	EXPECT_TRUE(table_header(t, hdr) == 0);
	EXPECT_TRUE(table_row(t) == 0);
	EXPECT_TRUE(table_cell(t, "heap") == 0);
	EXPECT_TRUE(table_cellf(t, "%dM", 132) == 0);
	EXPECT_TRUE(table_cell(t, "thp") == 0);
	EXPECT_TRUE(table_cell(t, "extra") == -EINVAL); /* 4th cell */
	EXPECT_TRUE(table_row(t) == 0);
	EXPECT_TRUE(table_cell(t, "st\xc3\xa4"
				  "ck") == 0); /* 5 chars, 6 bytes */
	EXPECT_TRUE(table_cell(t, NULL) == 0); /* "-" */
	EXPECT_TRUE(table_row(t) == 0);	       /* short row */
	EXPECT_TRUE(table_cell(t, "x") == 0);
	EXPECT_TRUE(table_header(t, hdr) == -EINVAL); /* header not first */

	mem_open(&m);
	EXPECT_TRUE(table_print(t, m.f) == 0);
	EXPECT_STREQ("NAME   SIZE  NOTE\n"
		     "heap   132M  thp\n"
		     "st\xc3\xa4"
		     "ck     -\n"
		     "x\n",
		     mem_text(&m));
	mem_close(&m);
	table_free(t);

	EXPECT_TRUE(!table_new(0));
}

/* ---- sizes ---- */

TEST(sizes)
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
		EXPECT_STREQ(cases[i].want, buf);
	}

	char mask[64];

	EXPECT_STREQ("4K 2M 1G",
		     fmt_size_mask((1ULL << 12) | (1ULL << 21) | (1ULL << 30),
				   mask, sizeof(mask)));
	EXPECT_STREQ("", fmt_size_mask(0, mask, sizeof(mask)));
	EXPECT_STREQ("4K", fmt_size_mask((1ULL << 12) | (1ULL << 16), mask, 5));
}

/* ---- status file ---- */

static const char sample_status[] = "module_version 0.1.0\n"
				    "abi_version 3\n"
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

TEST(status_parse)
{
	const char *path = STATUS_FILE;
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

	EXPECT_TRUE(vmi_parse_status(sample_status, strlen(sample_status), &kv,
				     &n) == 0);
	EXPECT_TRUE(n == 10);
	EXPECT_STREQ("6.12.95+deb12-amd64",
		     vmi_status_get(kv, n, "kernel_release"));
	EXPECT_STREQ("4096 2097152 1073741824",
		     vmi_status_get(kv, n, "page_sizes"));
	EXPECT_TRUE(!vmi_status_get(kv, n, "nope"));
	EXPECT_TRUE(vmi_status_to_info(kv, n, &info) == 0);
	EXPECT_TRUE(info.size == sizeof(info));
	EXPECT_TRUE(info.abi_version == 3);
	EXPECT_TRUE(info.pgtable_levels == 5);
	EXPECT_TRUE(info.page_sizes ==
		    ((1ULL << 12) | (1ULL << 21) | (1ULL << 30)));
	EXPECT_TRUE(info.page_shift == 12);
	EXPECT_TRUE(info.features == (VMI_FEAT_STATUS | VMI_FEAT_WALK |
				      VMI_FEAT_HUGE | VMI_FEAT_TLB));
	EXPECT_TRUE(info.nr_cpus == 2);
	EXPECT_TRUE(info.caps == (VMI_CAP_PFN | VMI_CAP_OTHER_MM));
	EXPECT_STREQ("0.1.0", info.module_version);
	EXPECT_STREQ("x86_64", info.arch);
	vmi_free_status(kv, n);

	EXPECT_TRUE(vmi_parse_status(odd, sizeof(odd) - 1, &kv, &n) == 0);
	EXPECT_TRUE(n == 6);
	if (n == 6) {
		EXPECT_STREQ("key_only", kv[0].key);
		EXPECT_STREQ("", kv[0].value);
		EXPECT_STREQ("spaced", kv[1].key);
		EXPECT_STREQ("value with  inner  spaces", kv[1].value);
		EXPECT_STREQ("lead", kv[2].key);
		EXPECT_STREQ("no-newline", kv[5].value);
		EXPECT_STREQ("1", vmi_status_get(kv, n, "dup"));
	}
	vmi_free_status(kv, n);

	EXPECT_TRUE(vmi_parse_status("", 0, &kv, &n) == 0 && n == 0);
	vmi_free_status(kv, n);
	EXPECT_TRUE(vmi_parse_status("a 1\0b 2\n", 8, &kv, &n) == -VMI_EFORMAT);
	EXPECT_TRUE(!kv && n == 0);

	/* the same sample, from a file */
	text = read_file(path, &len);
	EXPECT_NE(NULL, text);
	if (text) {
		EXPECT_TRUE(len == strlen(sample_status) &&
			    !memcmp(text, sample_status, len));
		EXPECT_TRUE(vmi_parse_status(text, len, &kv, &n) == 0 &&
			    n == 10);
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

TEST(status_to_info)
{
	struct vmi_info info;

	EXPECT_TRUE(info_of("abi_version 3\n", &info) == 0 &&
		    info.abi_version == 3);
	EXPECT_TRUE(info.pgtable_levels == 0 && info.page_sizes == 0 &&
		    !info.caps);
	EXPECT_TRUE(info_of("arch x86_64\n", &info) == -VMI_EFORMAT);
	EXPECT_TRUE(info_of("abi_version x\n", &info) == -VMI_EFORMAT);
	EXPECT_TRUE(info_of("abi_version -1\n", &info) == -VMI_EFORMAT);
	EXPECT_TRUE(info_of("abi_version 1x\n", &info) == -VMI_EFORMAT);
	EXPECT_TRUE(info_of("abi_version 4294967296\n", &info) == -VMI_EFORMAT);
	EXPECT_TRUE(info_of("abi_version 1\nnr_cpus 2 3\n", &info) ==
		    -VMI_EFORMAT);
	EXPECT_TRUE(info_of("abi_version 1\npage_sizes 4096 3000\n", &info) ==
		    -VMI_EFORMAT);
	EXPECT_TRUE(info_of("abi_version 1\npage_sizes 4096,8192\n", &info) ==
		    -VMI_EFORMAT);
	EXPECT_TRUE(info_of("abi_version 1\npage_sizes 0\n", &info) ==
		    -VMI_EFORMAT);
	EXPECT_TRUE(info_of("abi_version 1\npfn_visible yes\n", &info) ==
		    -VMI_EFORMAT);
	EXPECT_TRUE(info_of("abi_version 1\nfeatures walk frobnicate tlb\n",
			    &info) == 0 &&
		    info.features == (VMI_FEAT_WALK | VMI_FEAT_TLB));
	EXPECT_TRUE(info_of("abi_version 1\npage_sizes 65536\n", &info) == 0 &&
		    info.page_sizes == 1ULL << 16 && info.page_shift == 16);
	/* overlong strings are truncated, still terminated */
	EXPECT_TRUE(
		info_of("abi_version 1\narch "
			"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
			&info) == 0 &&
		strlen(info.arch) == VMI_STR_LEN - 1);
}

/* ---- library odds and ends ---- */

TEST(lib_misc)
{
	struct vmi_info info = { .abi_version = VMI_ABI_VERSION + 1 };
	char why[128], want[128];

	EXPECT_TRUE(!vmi_abi_compatible(&info, why, sizeof(why)));
	snprintf(want, sizeof(want),
		 "kernel module ABI v%d not supported by this vminspect (ABI v%d)",
		 VMI_ABI_VERSION + 1, VMI_ABI_VERSION);
	EXPECT_STREQ(want, why);
	info.abi_version = VMI_ABI_VERSION;
	EXPECT_TRUE(vmi_abi_compatible(&info, NULL, 0));

	EXPECT_NE(NULL,
		  strstr(vmi_strerror(-VMI_ENOTLOADED), "modprobe vminspect"));
	EXPECT_TRUE(vmi_strerror(VMI_ENOTLOADED) ==
		    vmi_strerror(-VMI_ENOTLOADED));
	EXPECT_STREQ(strerror(ENOENT), vmi_strerror(-ENOENT));
	EXPECT_STREQ("huge", vmi_feature_name(VMI_FEAT_HUGE));
	EXPECT_TRUE(!vmi_feature_name(1ULL << 40));
	EXPECT_TRUE(vmi_feature_from_name("tlb") == VMI_FEAT_TLB);
	EXPECT_TRUE(vmi_feature_from_name("bogus") == 0);

	EXPECT_TRUE(cli_exit_code(0) == CLI_EXIT_OK);
	EXPECT_TRUE(cli_exit_code(-VMI_ENOTLOADED) == CLI_EXIT_NOMODULE);
	EXPECT_TRUE(cli_exit_code(-VMI_EABI) == CLI_EXIT_UNSUPPORTED);
	EXPECT_TRUE(cli_exit_code(-VMI_ENOTSUPP) == CLI_EXIT_UNSUPPORTED);
	EXPECT_TRUE(cli_exit_code(-EACCES) == CLI_EXIT_PERM);
	EXPECT_TRUE(cli_exit_code(-EPERM) == CLI_EXIT_PERM);
	EXPECT_TRUE(cli_exit_code(-EIO) == CLI_EXIT_RUNTIME);
}

/* ---- the library against a fake module ---- */

/*
 * The module as configured below, answering the ioctl() calls on fake_fd
 * (fake_ctl.c).
 */
static int fake_errno;				  /* fail with this errno */
static __u64 fake_size = sizeof(struct vmi_info); /* size written back */
static __u32 fake_abi = VMI_ABI_VERSION;
static bool fake_saw_bad_request; /* wrong command, size or flags */

static int fake_get_info(struct vmi_info *info)
{
	if (info->size != sizeof(*info) || info->flags) {
		fake_saw_bad_request = true;
		errno = EINVAL;
		return -1;
	}
	memset(&info->abi_version, 0x5a, sizeof(*info) - 16); /* garbage */
	fake_info(info);
	info->size = fake_size;
	info->abi_version = fake_abi;
	/* arch deliberately left without its NUL (all 0x5a) */
	return 0;
}

/*
 * A fake address space for VMI_IOC_WALK and VMI_IOC_MAPS: sorted,
 * non-overlapping records; a call returns those starting in [start, end),
 * at most vec_len, and walk_end at the first one left out.
 */
static struct vmi_extent *fake_ext;
static size_t fake_next;
static struct vmi_vma *fake_vma;
static size_t fake_nvma;
static unsigned int fake_calls;	  /* range calls so far */
static __u64 fake_starts[16];	  /* start of each of the first calls */
static __u64 fake_max_len;	  /* largest vec_len seen */
static __u32 fake_pid_seen;	  /* pid of the last call */
static __u64 fake_end_seen;	  /* end of the last call */
static unsigned int fake_fail_at; /* fail call N (1-based) with ESRCH */
static bool fake_stall;		  /* answer walk_end == start */
static bool fake_overfill;	  /* answer nr > vec_len */

/* Common part of WALK and MAPS; returns records to copy from index *first. */
static int fake_range(__u32 pid, __u64 start, __u64 end, __u64 vec_len,
		      const __u64 *starts, size_t stride, size_t nrec,
		      size_t *first, size_t *nr, __u64 *walk_end)
{
	size_t i, k = 0;

	fake_pid_seen = pid;
	fake_end_seen = end;
	if (fake_calls < ARRAY_SIZE(fake_starts))
		fake_starts[fake_calls] = start;
	fake_calls++;
	if (vec_len > fake_max_len)
		fake_max_len = vec_len;
	if (fake_fail_at && fake_calls == fake_fail_at) {
		errno = ESRCH;
		return -1;
	}
	if (!vec_len || vec_len > VMI_WALK_MAX_VEC || start >= end ||
	    (start | end) & 4095) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < nrec; i++) {
		__u64 s = *(const __u64 *)((const char *)starts + i * stride);

		if (s < start)
			continue;
		if (s >= end)
			break;
		if (!k)
			*first = i;
		if (k == vec_len) {
			*nr = k;
			*walk_end = s;
			goto out;
		}
		k++;
	}
	*nr = k;
	*walk_end = end;
out:
	if (fake_stall)
		*walk_end = start;
	if (fake_overfill)
		*nr = vec_len + 1;
	return 0;
}

static int fake_walk(struct vmi_walk_arg *a)
{
	size_t first = 0, nr;
	__u64 wend;

	if (a->size != sizeof(*a) || a->extent_size != sizeof(*fake_ext) ||
	    a->reserved || (a->flags & ~VMI_WALK_FLAGS)) {
		fake_saw_bad_request = true;
		errno = EINVAL;
		return -1;
	}
	if (fake_range(a->pid, a->start, a->end, a->vec_len, &fake_ext->start,
		       sizeof(*fake_ext), fake_next, &first, &nr, &wend))
		return -1;
	if (!fake_overfill)
		memcpy((void *)(uintptr_t)a->vec, fake_ext + first,
		       nr * sizeof(*fake_ext));
	a->nr_extents = nr;
	a->walk_end = wend;
	a->max_lock_ns = 1000 * fake_calls;
	a->lock_drops = 1;
	return 0;
}

static int fake_maps(struct vmi_maps_arg *a)
{
	size_t first = 0, nr;
	__u64 wend;

	if (a->size != sizeof(*a) || a->vma_size != sizeof(*fake_vma) ||
	    a->reserved || a->flags) {
		fake_saw_bad_request = true;
		errno = EINVAL;
		return -1;
	}
	if (fake_range(a->pid, a->start, a->end, a->vec_len, &fake_vma->start,
		       sizeof(*fake_vma), fake_nvma, &first, &nr, &wend))
		return -1;
	if (!fake_overfill)
		memcpy((void *)(uintptr_t)a->vec, fake_vma + first,
		       nr * sizeof(*fake_vma));
	a->nr_vmas = nr;
	a->walk_end = wend;
	a->max_lock_ns = 7;
	return 0;
}

static __u32 fake_nr_levels = 4;

static int fake_translate(struct vmi_translate_arg *t)
{
	__u64 va = t->va;
	__u32 pid = t->pid, i;

	if (t->size != sizeof(*t) || t->flags) {
		fake_saw_bad_request = true;
		errno = EINVAL;
		return -1;
	}
	memset(t, 0, sizeof(*t));
	t->size = sizeof(*t);
	t->pid = pid;
	t->va = va;
	t->nr_levels = fake_nr_levels;
	for (i = 0; i < 4; i++) {
		t->levels[i].level = VMI_LEVEL_PGD - (i ? i + 1 : 0);
		t->levels[i].index = (va >> (39 - 9 * i)) & 511;
		t->levels[i].entry = 0x8000000000000067ULL | (i + 1) << 12;
		t->levels[i].table_pa = (i + 10) << 12;
	}
	t->leaf.start = va & ~4095ULL;
	t->leaf.end = t->leaf.start + 4096;
	t->leaf.kind = VMI_KIND_PRESENT;
	t->leaf.level = VMI_LEVEL_PTE;
	t->leaf.page_shift = 12;
	t->leaf.pfn = 0x1234;
	t->pa = 0x1234000 | (va & 4095);
	return 0;
}

static bool fake_pgt_ver0; /* answer as a module of the first version */

/*
 * Totals alone (VER0, no vector): fixed numbers.  With a vector: one
 * record per fake VMA of the range, each with one PTE table of two
 * entries, through fake_range() as VMI_IOC_MAPS is.
 */
static int fake_pgtables(struct vmi_pgtables_arg *p)
{
	__u32 pid = p->pid;
	struct vmi_pgt_vma *v;
	__u64 wend, i;
	size_t first, nr;

	if (p->size != sizeof(*p) || p->flags || p->reserved) {
		fake_saw_bad_request = true;
		errno = EINVAL;
		return -1;
	}
	if (p->vec && !fake_pgt_ver0) {
		if (p->vma_size != sizeof(*v)) {
			fake_saw_bad_request = true;
			errno = EINVAL;
			return -1;
		}
		if (fake_range(pid, p->start, p->end, p->vec_len,
			       &fake_vma->start, sizeof(*fake_vma), fake_nvma,
			       &first, &nr, &wend))
			return -1;
		v = (struct vmi_pgt_vma *)(uintptr_t)p->vec;
		memset(v, 0, nr * sizeof(*v));
		for (i = 0; i < nr; i++) {
			v[i].start = fake_vma[first + i].start;
			v[i].end = fake_vma[first + i].end;
			v[i].tables[0] = 1;
			v[i].pte_entries = 2;
		}
		p->nr_vmas = nr;
		p->walk_end = wend;
		memset(p->tables, 0, sizeof(p->tables));
		memset(p->entries, 0, sizeof(p->entries));
		memset(p->fullness, 0, sizeof(p->fullness));
		p->tables[VMI_LEVEL_PTE] = nr;
		p->tables[VMI_LEVEL_PGD] = 1;
		p->entries[VMI_LEVEL_PTE] = 2 * nr;
		p->entries[VMI_LEVEL_PGD] = 1;
		p->fullness[VMI_LEVEL_PTE][1] = nr;
		p->fullness[VMI_LEVEL_PGD][0] = 1;
		p->bytes = (nr + 1) * 4096;
		p->max_lock_ns = 5 + fake_calls;
		return 0;
	}
	memset(p, 0, sizeof(*p));
	p->size = VMI_PGTABLES_SIZE_VER0;
	p->pid = pid;
	p->tables[VMI_LEVEL_PTE] = 3;
	p->tables[VMI_LEVEL_PMD] = 2;
	p->tables[VMI_LEVEL_PUD] = 1;
	p->tables[VMI_LEVEL_PGD] = 1;
	p->bytes = 7 * 4096;
	return 0;
}

int fake_ioctl(unsigned long req, void *arg)
{
	if (fake_errno) {
		errno = fake_errno;
		return -1;
	}
	switch (req) {
	case VMI_IOC_GET_INFO:
		return fake_get_info(arg);
	case VMI_IOC_WALK:
		return fake_walk(arg);
	case VMI_IOC_MAPS:
		return fake_maps(arg);
	case VMI_IOC_TRANSLATE:
		return fake_translate(arg);
	case VMI_IOC_PGTABLES:
		return fake_pgtables(arg);
	default:
		fake_saw_bad_request = true;
		errno = EINVAL;
		return -1;
	}
}

TEST(lib_fake_module)
{
	char dir[] = "/tmp/vmi-test-XXXXXX", path[64];
	struct vmi_status_kv *kv;
	struct vmi_handle *h;
	struct vmi_info info;
	size_t n;
	int err, fd;

	ASSERT_NE(NULL, mkdtemp(dir));
	setenv("VMINSPECT_PROC_DIR", dir, 1);
	EXPECT_STREQ(dir, vmi_proc_dir());

	/* directory present, ctl missing: plain ENOENT, not "not loaded" */
	h = vmi_open(&err);
	EXPECT_TRUE(!h && err == -ENOENT);
	EXPECT_TRUE(vmi_read_status(&kv, &n) == -ENOENT);

	snprintf(path, sizeof(path), "%s/status", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	EXPECT_TRUE(fd >= 0 &&
		    write(fd, sample_status, strlen(sample_status)) ==
			    (ssize_t)strlen(sample_status));
	close(fd);
	EXPECT_TRUE(vmi_read_status(&kv, &n) == 0 && n == 10);
	EXPECT_STREQ("x86_64", vmi_status_get(kv, n, "arch"));
	vmi_free_status(kv, n);

	snprintf(path, sizeof(path), "%s/ctl", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0444);
	close(fd);
	h = vmi_open(&err);
	EXPECT_TRUE(h && err == 0);
	if (h) {
		/* the real ioctl on a plain file: ENOTTY -> not supported */
		EXPECT_TRUE(vmi_get_info(h, &info) == -VMI_ENOTSUPP);

		/* vmi_open()'s descriptor is the lowest free one: find it */
		vmi_close(h);
		fake_fd = dup(0);
		close(fake_fd);
		h = vmi_open(&err);
	}
	EXPECT_NE(NULL, h);
	if (h) {
		fake_size = sizeof(info);
		EXPECT_TRUE(vmi_get_info(h, &info) == 0);
		EXPECT_TRUE(!fake_saw_bad_request);
		EXPECT_TRUE(info.size == sizeof(info) && info.nr_cpus == 8);
		EXPECT_STREQ("9.9.9", info.module_version);
		EXPECT_TRUE(strlen(info.arch) ==
			    VMI_STR_LEN - 1); /* terminated */
		EXPECT_TRUE(vmi_abi_compatible(&info, NULL, 0));

		fake_size = VMI_INFO_SIZE_VER0; /* an older module */
		EXPECT_TRUE(vmi_get_info(h, &info) == 0);
		fake_size = 16; /* nonsense */
		EXPECT_TRUE(vmi_get_info(h, &info) == -VMI_EABI);
		fake_size = sizeof(info);

		fake_abi = VMI_ABI_VERSION + 1;
		EXPECT_TRUE(vmi_get_info(h, &info) == 0);
		EXPECT_TRUE(!vmi_abi_compatible(&info, NULL, 0));
		fake_abi = VMI_ABI_VERSION;

		fake_errno = EPERM;
		EXPECT_TRUE(vmi_get_info(h, &info) == -EPERM);
		fake_errno = ENOTTY;
		EXPECT_TRUE(vmi_get_info(h, &info) == -VMI_ENOTSUPP);
		fake_errno = 0;
		vmi_close(h);
	}
	fake_fd = -1;
	EXPECT_TRUE(vmi_get_info(NULL, &info) == -EINVAL);

	unlink(path);
	snprintf(path, sizeof(path), "%s/status", dir);
	unlink(path);
	rmdir(dir);

	/* the directory itself missing: the module is not loaded */
	h = vmi_open(&err);
	EXPECT_TRUE(!h && err == -VMI_ENOTLOADED);
	EXPECT_TRUE(vmi_read_status(&kv, &n) == -VMI_ENOTLOADED);
	unsetenv("VMINSPECT_PROC_DIR");
}

/* ---- status command renderers ---- */

TEST(status_render)
{
	struct vmi_info info;
	struct mem m;
	char want[1024];

	json_pretty = true; /* the layout checks below read it */

	EXPECT_TRUE(info_of(sample_status, &info) == 0);

	mem_open(&m);
	EXPECT_TRUE(status_print_text(&info, m.f) == 0);
	snprintf(want, sizeof(want),
		 "module version     0.1.0\n"
		 "ABI version        3\n"
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
	EXPECT_STREQ(want, mem_text(&m));
	mem_close(&m);

	mem_open(&m);
	EXPECT_TRUE(status_print_json(&info, m.f) == 0);
	snprintf(want, sizeof(want),
		 "{\n"
		 "  \"module_version\": \"0.1.0\",\n"
		 "  \"abi_version\": 3,\n"
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
	EXPECT_STREQ(want, mem_text(&m));
	mem_close(&m);

	/* unprivileged caller, no features, an unknown feature bit */
	info.caps = 0;
	info.features = 1ULL << 9;
	info.page_sizes = 0;
	mem_open(&m);
	EXPECT_TRUE(status_print_text(&info, m.f) == 0);
	EXPECT_NE(NULL, strstr(mem_text(&m), "PFNs visible       no\n"));
	EXPECT_NE(NULL, strstr(mem_text(&m), "features           bit9\n"));
	EXPECT_NE(NULL, strstr(mem_text(&m), "page sizes         -\n"));
	mem_close(&m);
	mem_open(&m);
	EXPECT_TRUE(status_print_json(&info, m.f) == 0);
	EXPECT_NE(NULL, strstr(mem_text(&m), "\"page_sizes\": [],"));
	EXPECT_NE(NULL, strstr(mem_text(&m), "\"pfn_visible\": false,"));
	mem_close(&m);

	/* the default: one line */
	json_pretty = false;
	mem_open(&m);
	EXPECT_TRUE(status_print_json(&info, m.f) == 0);
	EXPECT_NE(NULL, strstr(mem_text(&m),
			       ",\"page_sizes\":[],\"features\":[\"bit9\"],"));
	EXPECT_TRUE(strchr(mem_text(&m), '\n') ==
		    mem_text(&m) + strlen(mem_text(&m)) - 1);
	mem_close(&m);
}

/* ---- tlb renderer ---- */

/* Two CPUs, a process and a kernel thread as initiators. */
static void sample_tlb(struct tlb_snap *s, struct vmi_tlb_cpu *cpus,
		       struct vmi_tlb_initiator *in, bool no_target)
{
	unsigned int b;

	memset(s, 0, sizeof(*s));
	memset(cpus, 0, 2 * sizeof(*cpus));
	memset(in, 0, 2 * sizeof(*in));
	s->st.enabled = 1;
	s->st.limits = no_target ? VMI_TLB_LIM_NO_TARGET | VMI_TLB_LIM_INVLPGB :
				   0;
	s->st.missed = 3;
	s->st.ring_drops = 4;
	s->st.other_hits = 5;
	for (b = 0; b < 2; b++) {
		cpus[b].cpu = b;
		cpus[b].ipis_sent = 100 + b;
		cpus[b].ipis_received = 200 + b;
		cpus[b].local = 7;
		cpus[b].shootdowns = 50;
		cpus[b].requests = 60;
		cpus[b].handled = b ? 0 : 30;
		cpus[b].handle_hist[3] = 5;
		cpus[b].handle_max_ns = 12345;
		cpus[b].wait_hist[4] = 9;
	}
	in[0].pid = 42;
	in[0].tgid = 40;
	snprintf(in[0].comm, sizeof(in[0].comm), "munmapper");
	in[0].shootdowns = 77;
	in[0].pages = 99;
	in[0].causes[1] = 60;
	in[0].causes[2] = 17;
	in[0].targets[1] = 77;
	in[0].wait_hist[5] = 10;
	in[0].wait_max_ns = 2000000;
	in[1].pid = 2;
	in[1].tgid = 2;
	snprintf(in[1].comm, sizeof(in[1].comm), "kswapd0");
	in[1].flags = VMI_TLB_INIT_KTHREAD;
	in[1].shootdowns = 3;
	in[1].targets_other = 3;
	in[1].wait_max_ns = 500;
	s->cpus = cpus;
	s->nr_cpus = 2;
	s->in = in;
	s->nr_in = 2;
}

TEST(tlb_render)
{
	static const char *const limits[] = {
		"\"limits\":[\"invlpgb_no_ipi\",\"prototype_differs:tlb_flush\",\"prototype_differs:flush_tlb_mm_range\"],",
		"hooks left off, their prototype in this kernel differs: prototype_differs:tlb_flush prototype_differs:flush_tlb_mm_range\n",
	};
	struct vmi_tlb_initiator in[2];
	struct vmi_tlb_cpu cpus[2];
	struct tlb_opts o = { .cpu = -1 };
	struct tlb_snap s;
	struct mem m;
	size_t k;

	sample_tlb(&s, cpus, in, false);
	mem_open(&m);
	EXPECT_TRUE(tlb_print(&s, &o, 0, m.f) == 0);
	EXPECT_NE(NULL,
		  strstr(mem_text(&m),
			 "tracking on\n"
			 "CPU  SENT  RECEIVED  LOCAL  PAGES  SHOOTDOWNS  HANDLED  HANDLE_P50  HANDLE_MAX\n"
			 "0     100       200      7      0          50       30        15ns      12.3us\n"
			 "1     101       201      7      0          50        0           -           -\n"
			 "\n"
			 "top initiators (2)\n"
			 "PID  COMM         SHOOTDOWNS  PAGES  WAIT_P50  WAIT_P99  WAIT_MAX  CAUSES\n"
			 "40   munmapper            77     99      63ns      63ns     2.0ms  munmap:60,mprotect:17\n"
			 "2    kswapd0 [k]           3      0       0ns       0ns     500ns\n"
			 "\n"
			 "who interrupts whom (shootdowns per target CPU)\n"
			 "PID/COMM      cpu0  cpu1\n"
			 "40/munmapper     0    77\n"));
	EXPECT_NE(NULL,
		  strstr(mem_text(&m),
			 "initiator wait: p50 31ns p99 31ns max 2.0ms\n"
			 "target handling: p50 15ns p99 15ns max 12.3us\n"
			 "lost: 3 probe misses, 4 trace records, 5 in the \"other\" bucket\n"));
	mem_close(&m);

	/* rates over 2 s; no target timing */
	sample_tlb(&s, cpus, in, true);
	mem_open(&m);
	EXPECT_TRUE(tlb_print(&s, &o, 2.0, m.f) == 0);
	EXPECT_NE(NULL,
		  strstr(mem_text(&m),
			 "0    50/s     100/s    4/s    0/s        25/s        -           -           -\n"));
	EXPECT_NE(NULL,
		  strstr(mem_text(&m),
			 "40   munmapper          38/s   50/s      63ns      63ns     2.0ms  munmap:60,mprotect:17\n"));
	EXPECT_NE(NULL, strstr(mem_text(&m), "target handling: not measured"));
	mem_close(&m);

	/* JSON: what selftests/tlb_test.c looks for, counts not rates */
	o.json = true;
	mem_open(&m);
	EXPECT_TRUE(tlb_print(&s, &o, 2.0, m.f) == 0);
	EXPECT_NE(NULL,
		  strstr(mem_text(&m),
			 "{\"enabled\":true,\"interval_ms\":2000,\"limits\":[\"invlpgb_no_ipi\",\"no_target_time\"],"));
	EXPECT_NE(NULL, strstr(mem_text(&m),
			       "\"cpus\":[{\"cpu\":0,\"ipis_sent\":100,"));
	EXPECT_NE(NULL, strstr(mem_text(&m), "\"ipis_received\":"));
	EXPECT_NE(NULL, strstr(mem_text(&m), "\"pid\":42,"));
	EXPECT_NE(NULL, strstr(mem_text(&m), "\"causes\":{\"munmap\":60,"));
	EXPECT_NE(NULL, strstr(mem_text(&m), "\"targets\":{\"1\":77}"));
	EXPECT_NE(NULL, strstr(mem_text(&m), "\"wait_ns\":{\"p50\":"));
	EXPECT_TRUE(!strstr(mem_text(&m), "handle_ns"));
	EXPECT_TRUE(strchr(mem_text(&m), '\n') ==
		    mem_text(&m) + strlen(mem_text(&m)) - 1);
	mem_close(&m);

	/* limits: the uapi's names, hooks left off as prototype_differs: */
	s.st.limits = VMI_TLB_LIM_INVLPGB | VMI_TLB_LIM_PROTO_TLB_FLUSH |
		      VMI_TLB_LIM_PROTO_MM_RANGE;
	for (k = 0; k < ARRAY_SIZE(limits); k++) {
		o.json = !k;
		mem_open(&m);
		EXPECT_TRUE(tlb_print(&s, &o, 0, m.f) == 0);
		EXPECT_NE(NULL, strstr(mem_text(&m), limits[k]));
		mem_close(&m);
	}

	/* --cpu 1: that CPU's row alone */
	o.cpu = 1;
	mem_open(&m);
	EXPECT_TRUE(tlb_print(&s, &o, 0, m.f) == 0);
	EXPECT_TRUE(!strstr(mem_text(&m), "\n0 ") &&
		    strstr(mem_text(&m), "\n1 "));
	mem_close(&m);
}

/* ---- page-table names and helpers ---- */

static const char *test_bit_name(unsigned int bit)
{
	return bit == 1 ? "one" : bit == 3 ? "three" : NULL;
}

/* The print_*() helpers: one description, text or JSON. */
TEST(printer)
{
	static const char *const hdr[] = { "A", "B" };
	struct printer p;
	struct mem m;
	int json;

	for (json = 0; json < 2; json++) {
		mem_open(&m);
		printer_init(&p, m.f, json);
		open_json_object(&p, NULL);
		print_string(&p, PRINT_ANY, "name", "name %s;", "x\"y");
		print_uint(&p, PRINT_ANY, "n", " n %llu;", 42);
		print_hex(&p, PRINT_ANY, "va", " va 0x%llx;", 0x1f);
		print_int(&p, PRINT_ANY, "neg", " neg %lld;", -3);
		print_fp(&p, " only text;");
		print_uint(&p, PRINT_JSON, "only_json", "%llu", 7);
		print_yes_no(&p, PRINT_ANY, "ok", true);
		open_json_array(&p, "bits");
		print_uint(&p, PRINT_JSON, "ignored", "%llu", 1);
		close_json_array(&p);
		print_bits(&p, PRINT_ANY, "flags", 6, test_bit_name, ",", "-");
		print_null(&p, PRINT_ANY, "none", NULL);
		print_size_mask(&p, PRINT_ANY, "sizes", 1ULL << 12 | 1ULL << 21,
				"-");
		close_json_object(&p);
		EXPECT_TRUE(printer_finish(&p) == 0);
		if (json) {
			EXPECT_STREQ("{\"name\":\"x\\\"y\",\"n\":42,\"va\":\"0x1f\",\"neg\":-3,"
				     "\"only_json\":7,\"ok\":true,\"bits\":[1],"
				     "\"flags\":[\"one\",\"bit2\"],\"none\":null,"
				     "\"sizes\":[4096,2097152]}\n",
				     mem_text(&m));
		} else {
			EXPECT_STREQ("name x\"y; n 42; va 0x1f; neg -3; only text;"
				     "yesone,bit2-4K 2M",
				     mem_text(&m));
		}
		mem_close(&m);
	}

	/* text into a table: a row per print_row(), a cell per value */
	mem_open(&m);
	printer_init(&p, m.f, false);
	EXPECT_TRUE(printer_table_begin(&p, 2, hdr) != NULL);
	print_row(&p, "a");
	print_uint(&p, PRINT_ANY, "a", "%llu", 1);
	print_row(&p, "long label");
	print_string(&p, PRINT_ANY, "b", "%s", NULL);
	printer_table_end(&p);
	print_fp(&p, "after\n");
	EXPECT_TRUE(printer_finish(&p) == 0);
	EXPECT_STREQ("A           B\n"
		     "a           1\n"
		     "long label  -\n"
		     "after\n",
		     mem_text(&m));
	mem_close(&m);

	/* JSON: no table */
	mem_open(&m);
	printer_init(&p, m.f, true);
	EXPECT_TRUE(printer_table_begin(&p, 2, hdr) == NULL);
	printer_table_end(&p);
	mem_close(&m);
}

TEST(pt_names)
{
	struct vmi_info info = { .pgtable_levels = 4, .page_shift = 12 };
	char buf[256], perms[VMI_PERMS_LEN];
	struct json_writer j;
	unsigned int bit, n;
	struct mem m;

	EXPECT_STREQ("none", vmi_kind_name(VMI_KIND_NONE));
	EXPECT_STREQ("present", vmi_kind_name(VMI_KIND_PRESENT));
	EXPECT_STREQ("swap", vmi_kind_name(VMI_KIND_SWAP));
	EXPECT_STREQ("migration", vmi_kind_name(VMI_KIND_MIGRATION));
	EXPECT_STREQ("hwpoison", vmi_kind_name(VMI_KIND_HWPOISON));
	EXPECT_STREQ("marker", vmi_kind_name(VMI_KIND_MARKER));
	EXPECT_STREQ("device", vmi_kind_name(VMI_KIND_DEVICE));
	EXPECT_STREQ("other", vmi_kind_name(VMI_KIND_OTHER));
	EXPECT_TRUE(!vmi_kind_name(8));
	EXPECT_TRUE(!vmi_kind_name(UINT32_MAX));

	EXPECT_TRUE(!vmi_level_name(0));
	EXPECT_STREQ("pte", vmi_level_name(VMI_LEVEL_PTE));
	EXPECT_STREQ("pmd", vmi_level_name(VMI_LEVEL_PMD));
	EXPECT_STREQ("pud", vmi_level_name(VMI_LEVEL_PUD));
	EXPECT_STREQ("p4d", vmi_level_name(VMI_LEVEL_P4D));
	EXPECT_STREQ("pgd", vmi_level_name(VMI_LEVEL_PGD));
	EXPECT_TRUE(!vmi_level_name(6));

	/* every bit the header defines has a name, the next one none */
	for (n = 0, bit = 0; bit < 64; bit++)
		n += !!vmi_eflag_name(bit);
	EXPECT_TRUE(n == 17 && vmi_eflag_name(16) && !vmi_eflag_name(17));
	EXPECT_STREQ("present,write,user,accessed,dirty,nx,global,pwt,pcd",
		     fmt_bits(VMI_EF_PRESENT | VMI_EF_WRITE | VMI_EF_USER |
				      VMI_EF_ACCESSED | VMI_EF_DIRTY |
				      VMI_EF_NX | VMI_EF_GLOBAL | VMI_EF_PWT |
				      VMI_EF_PCD,
			      vmi_eflag_name, ",", buf, sizeof(buf)));
	EXPECT_STREQ("pat,soft_dirty,uffd_wp,protnone,special,exclusive,devmap,huge",
		     fmt_bits(VMI_EF_PAT | VMI_EF_SOFT_DIRTY | VMI_EF_UFFD_WP |
				      VMI_EF_PROTNONE | VMI_EF_SPECIAL |
				      VMI_EF_EXCLUSIVE | VMI_EF_DEVMAP |
				      VMI_EF_HUGE,
			      vmi_eflag_name, ",", buf, sizeof(buf)));
	EXPECT_STREQ("thp hugetlb anon file shared pfn_hidden",
		     fmt_bits(0x3f, vmi_attr_name, " ", buf, sizeof(buf)));
	EXPECT_TRUE(!vmi_attr_name(6));
	EXPECT_STREQ("read write exec shared hugepage nohugepage hugetlb anon file",
		     fmt_bits(0x1ff, vmi_vma_flag_name, " ", buf, sizeof(buf)));
	EXPECT_TRUE(!vmi_vma_flag_name(9));
	EXPECT_STREQ("soft_dirty",
		     vmi_eflag_name(__builtin_ctzll(VMI_EF_SOFT_DIRTY)));
	EXPECT_STREQ("pfn_hidden",
		     vmi_attr_name(__builtin_ctz(VMI_EA_PFN_HIDDEN)));

	/* unknown bits, separators, truncation to whole names */
	EXPECT_STREQ("one, three, bit63",
		     fmt_bits((1ULL << 63) | 0xa, test_bit_name, ", ", buf,
			      sizeof(buf)));
	EXPECT_STREQ("", fmt_bits(0, test_bit_name, ",", buf, sizeof(buf)));
	EXPECT_STREQ("one", fmt_bits(0xa, test_bit_name, ",", buf, 9));
	mem_open(&m);
	json_init(&j, m.f, false);
	json_object_begin(&j);
	json_key(&j, "a");
	json_bits(&j, 0xa | (1ULL << 40), test_bit_name);
	json_key(&j, "b");
	json_bits(&j, 0, test_bit_name);
	json_object_end(&j);
	EXPECT_TRUE(json_finish(&j) == 0);
	EXPECT_STREQ("{\"a\":[\"one\",\"three\",\"bit40\"],\"b\":[]}\n",
		     mem_text(&m));
	mem_close(&m);

	EXPECT_STREQ("rw-p",
		     vmi_vma_perms(VMI_VMA_READ | VMI_VMA_WRITE, perms));
	EXPECT_STREQ("r-xs",
		     vmi_vma_perms(VMI_VMA_READ | VMI_VMA_EXEC | VMI_VMA_SHARED,
				   perms));
	EXPECT_STREQ("---p", vmi_vma_perms(0, perms));

	EXPECT_TRUE(vmi_user_end(&info) == 0x7ffffffff000ULL);
	info.pgtable_levels = 5;
	EXPECT_TRUE(vmi_user_end(&info) == 0xfffffffffff000ULL);
	info.page_shift = 0; /* unknown: 4K */
	EXPECT_TRUE(vmi_user_end(&info) == (1ULL << 56) - 4096);
	EXPECT_STREQ("inconsistent answer from the kernel module",
		     vmi_strerror(-VMI_EPROTO));
}

/* A name of a uapi list: lowercase words joined by single underscores. */
static bool snake_case(const char *name)
{
	const char *c;

	if (!*name || *name == '_')
		return false;
	for (c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
		      (*c == '_' && c[1] && c[1] != '_')))
			return false;
	return true;
}

/* The name lists of the uapi header. */
typedef const char *const name_list[];
#define NAME_LIST(l)                                      \
	{                                                 \
		(name_list) l, ARRAY_SIZE(((name_list)l)) \
	}

static const struct {
	const char *const *names;
	size_t n;
} uapi_lists[] = {
	NAME_LIST(VMI_FEAT_NAMES),	 NAME_LIST(VMI_LEVEL_NAMES),
	NAME_LIST(VMI_KIND_NAMES),	 NAME_LIST(VMI_EF_NAMES),
	NAME_LIST(VMI_EA_NAMES),	 NAME_LIST(VMI_VMA_NAMES),
	NAME_LIST(VMI_HV_NAMES),	 NAME_LIST(VMI_HM_NAMES),
	NAME_LIST(VMI_TLB_REASON_NAMES), NAME_LIST(VMI_TLB_CAUSE_NAMES),
	NAME_LIST(VMI_TLB_LIM_NAMES),	 NAME_LIST(VMI_TLB_LIM_PROTO_HOOKS),
	NAME_LIST(VMI_HB_NAMES),	 NAME_LIST(VMI_HBK_NAMES),
	NAME_LIST(VMI_HBV_NAMES),
};

/* One spelling everywhere: every name the uapi lists hold is snake_case. */
TEST(uapi_names)
{
	size_t l, i;

	EXPECT_TRUE(snake_case("soft_dirty") && snake_case("p4d"));
	EXPECT_TRUE(!snake_case("soft-dirty") && !snake_case("Huge") &&
		    !snake_case("a__b") && !snake_case("_a") &&
		    !snake_case("a_") && !snake_case(""));
	for (l = 0; l < ARRAY_SIZE(uapi_lists); l++)
		for (i = 0; i < uapi_lists[l].n; i++) {
			const char *name = uapi_lists[l].names[i];

			EXPECT_TRUE(!name || snake_case(name))
			TH_LOG("\"%s\" is not snake_case", name);
		}
}

/* ---- command-line values ---- */

TEST(parse)
{
	struct vmi_info info = { .pgtable_levels = 4, .page_shift = 12 };
	uint64_t a, b;
	uint32_t pid;
	char why[160];

	EXPECT_TRUE(cli_parse_pid("123", &pid) == 0 && pid == 123);
	EXPECT_TRUE(cli_parse_pid("self", &pid) == 0 && pid == 0);
	EXPECT_TRUE(cli_parse_pid("0", &pid) == 0 && pid == 0);
	EXPECT_TRUE(cli_parse_pid("4294967295", &pid) == 0 &&
		    pid == UINT32_MAX);
	EXPECT_TRUE(cli_parse_pid("4294967296", &pid) == -EINVAL);
	EXPECT_TRUE(cli_parse_pid("", &pid) == -EINVAL);
	EXPECT_TRUE(cli_parse_pid("-1", &pid) == -EINVAL);
	EXPECT_TRUE(cli_parse_pid("12a", &pid) == -EINVAL);
	EXPECT_TRUE(cli_parse_pid("0x10", &pid) == -EINVAL);
	EXPECT_TRUE(cli_parse_pid(" 1", &pid) == -EINVAL);
	EXPECT_TRUE(cli_parse_pid("Self", &pid) == -EINVAL);

	EXPECT_TRUE(cli_parse_num("0x1000", &a) == 0 && a == 0x1000);
	EXPECT_TRUE(cli_parse_num("0X1f", &a) == 0 && a == 0x1f);
	EXPECT_TRUE(cli_parse_num("1000", &a) == 0 && a == 1000); /* decimal */
	EXPECT_TRUE(cli_parse_num("7f00", &a) == 0 && a == 0x7f00);
	EXPECT_TRUE(cli_parse_num("7F00", &a) == 0 && a == 0x7f00);
	EXPECT_TRUE(cli_parse_num("0", &a) == 0 && a == 0);
	EXPECT_TRUE(cli_parse_num("010", &a) == 0 && a == 10); /* never octal */
	EXPECT_TRUE(cli_parse_num("18446744073709551615", &a) == 0 &&
		    a == UINT64_MAX);
	EXPECT_TRUE(cli_parse_num("18446744073709551616", &a) == -EINVAL);
	EXPECT_TRUE(cli_parse_num("0xffffffffffffffff", &a) == 0 &&
		    a == UINT64_MAX);
	EXPECT_TRUE(cli_parse_num("0x10000000000000000", &a) == -EINVAL);
	EXPECT_TRUE(cli_parse_num("0x", &a) == -EINVAL);
	EXPECT_TRUE(cli_parse_num("", &a) == -EINVAL);
	EXPECT_TRUE(cli_parse_num("g", &a) == -EINVAL);
	EXPECT_TRUE(cli_parse_num("-1", &a) == -EINVAL);
	EXPECT_TRUE(cli_parse_num("0x1000 ", &a) == -EINVAL);
	EXPECT_TRUE(cli_parse_num("1K", &a) == -EINVAL);

	EXPECT_TRUE(cli_parse_size("2M", &a) == 0 && a == 2ULL << 20);
	EXPECT_TRUE(cli_parse_size("4k", &a) == 0 && a == 4096);
	EXPECT_TRUE(cli_parse_size("1G", &a) == 0 && a == 1ULL << 30);
	EXPECT_TRUE(cli_parse_size("3t", &a) == 0 && a == 3ULL << 40);
	EXPECT_TRUE(cli_parse_size("0x1000", &a) == 0 && a == 4096);
	EXPECT_TRUE(cli_parse_size("0x2M", &a) == 0 && a == 2ULL << 20);
	EXPECT_TRUE(cli_parse_size("8192", &a) == 0 && a == 8192);
	EXPECT_TRUE(cli_parse_size("16777215T", &a) == 0);
	EXPECT_TRUE(cli_parse_size("16777216T", &a) == -EINVAL); /* 2^64 */
	EXPECT_TRUE(cli_parse_size("M", &a) == -EINVAL);
	EXPECT_TRUE(cli_parse_size("2MB", &a) == -EINVAL);
	EXPECT_TRUE(cli_parse_size("", &a) == -EINVAL);

	EXPECT_TRUE(cli_parse_range("0x1000-0x3000", &a, &b) == 0 &&
		    a == 0x1000 && b == 0x3000);
	EXPECT_TRUE(cli_parse_range("7f0000000000-7f0000200000", &a, &b) == 0 &&
		    a == 0x7f0000000000ULL && b == 0x7f0000200000ULL);
	EXPECT_TRUE(cli_parse_range("0x7f0000000000+2M", &a, &b) == 0 &&
		    a == 0x7f0000000000ULL && b == 0x7f0000200000ULL);
	EXPECT_TRUE(cli_parse_range("4096+4096", &a, &b) == 0 && a == 4096 &&
		    b == 8192);
	EXPECT_TRUE(cli_parse_range("0x1000", &a, &b) == -EINVAL);
	EXPECT_TRUE(cli_parse_range("0x1000-", &a, &b) == -EINVAL);
	EXPECT_TRUE(cli_parse_range("-0x1000", &a, &b) == -EINVAL);
	EXPECT_TRUE(cli_parse_range("+4K", &a, &b) == -EINVAL);
	EXPECT_TRUE(cli_parse_range("0x1000-0x2000-0x3000", &a, &b) == -EINVAL);
	EXPECT_TRUE(cli_parse_range("0xfffffffffffff000+8K", &a, &b) ==
		    -EINVAL);

	EXPECT_TRUE(cli_check_range(0x1000, 0x3000, &info, why, sizeof(why)));
	EXPECT_TRUE(
		cli_check_range(0, 0x7ffffffff000ULL, &info, why, sizeof(why)));
	EXPECT_TRUE(!cli_check_range(0x1001, 0x3000, &info, why, sizeof(why)));
	EXPECT_STREQ("start 0x1001 is not 4K aligned", why);
	EXPECT_TRUE(!cli_check_range(0x1000, 0x3001, &info, why, sizeof(why)));
	EXPECT_STREQ("end 0x3001 is not 4K aligned", why);
	EXPECT_TRUE(!cli_check_range(0x3000, 0x3000, &info, why, sizeof(why)));
	EXPECT_STREQ("end 0x3000 is not above start 0x3000", why);
	EXPECT_TRUE(!cli_check_range(0, 0x800000000000ULL, &info, why,
				     sizeof(why)));
	EXPECT_STREQ("end 0x800000000000 is beyond the user address space "
		     "(it ends at 0x7ffffffff000)",
		     why);
	info.pgtable_levels = 5;
	EXPECT_TRUE(
		cli_check_range(0, 0x800000000000ULL, &info, why, sizeof(why)));

	EXPECT_TRUE(cli_real_pid(77) == 77);
	EXPECT_TRUE(cli_real_pid(0) == (uint32_t)getpid());
}

/* stderr to /dev/null and back, around calls that print errors */
static int quiet_stderr(void)
{
	int saved = dup(2), null = open("/dev/null", O_WRONLY);

	fflush(stderr);
	if (null >= 0) {
		dup2(null, 2);
		close(null);
	}
	return saved;
}

static void restore_stderr(int saved)
{
	fflush(stderr);
	if (saved >= 0) {
		dup2(saved, 2);
		close(saved);
	}
}

TEST(query_fail)
{
	int saved = quiet_stderr();
	int esrch = cli_query_fail(-ESRCH, 4242, "walk");
	int eperm = cli_query_fail(-EPERM, 1, "walk");
	int einval = cli_query_fail(-EINVAL, 1, "walk");
	int e2big = cli_query_fail(-E2BIG, 1, "walk");
	int enotsupp = cli_query_fail(-VMI_ENOTSUPP, 1, "walk");
	int notloaded = cli_query_fail(-VMI_ENOTLOADED, 1, "walk");

	restore_stderr(saved);
	EXPECT_TRUE(esrch == CLI_EXIT_RUNTIME);
	EXPECT_TRUE(eperm == CLI_EXIT_PERM);
	EXPECT_TRUE(einval == CLI_EXIT_RUNTIME);
	EXPECT_TRUE(e2big == CLI_EXIT_RUNTIME);
	EXPECT_TRUE(enotsupp == CLI_EXIT_UNSUPPORTED);
	EXPECT_TRUE(notloaded == CLI_EXIT_NOMODULE);
}

/* ---- range queries against the fake module ---- */

static void fake_reset(void)
{
	fake_calls = 0;
	fake_max_len = 0;
	fake_fail_at = 0;
	fake_stall = false;
	fake_overfill = false;
	fake_pid_seen = UINT32_MAX;
	memset(fake_starts, 0, sizeof(fake_starts));
}

#define FAKE_NEXT 10000

TEST(walk_loop)
{
	struct vmi_fetch f;
	struct vmi_extent *e, vec[3];
	struct vmi_walk_arg arg;
	struct vmi_handle *h;
	uint64_t end = 0x7ffffffff000ULL;
	size_t i, n;
	int ret;

	fake_ext = calloc(FAKE_NEXT, sizeof(*fake_ext));
	if (!fake_ext)
		return;
	for (i = 0; i < FAKE_NEXT; i++) {
		fake_ext[i].start = 0x10000 + i * 0x3000;
		fake_ext[i].end = fake_ext[i].start + 0x1000 * (1 + i % 2);
		fake_ext[i].pfn = 0x100 + i;
		fake_ext[i].kind = VMI_KIND_PRESENT;
		fake_ext[i].level = VMI_LEVEL_PTE;
		fake_ext[i].page_shift = 12;
		fake_ext[i].eflags = VMI_EF_PRESENT | VMI_EF_USER;
	}
	fake_next = FAKE_NEXT;
	h = fake_open();
	EXPECT_NE(NULL, h);
	if (!h)
		goto out;

	/* defaults: chunks of 4096, resumed at walk_end */
	fake_reset();
	ret = vmi_walk_all(h, 42, 0, end, 0, &e, &n);
	EXPECT_TRUE(ret == 0 && n == FAKE_NEXT);
	EXPECT_TRUE(fake_calls == 3 && fake_max_len == VMI_WALK_CHUNK);
	EXPECT_TRUE(fake_pid_seen == 42 && fake_end_seen == end);
	EXPECT_TRUE(fake_starts[0] == 0 &&
		    fake_starts[1] == fake_ext[4096].start &&
		    fake_starts[2] == fake_ext[8192].start);
	EXPECT_TRUE(e && !memcmp(e, fake_ext, FAKE_NEXT * sizeof(*e)));
	free(e);

	/* small chunks over a sub-range, statistics */
	fake_reset();
	f = (struct vmi_fetch){ .chunk = 7 };
	ret = vmi_walk_all_ex(h, 0, fake_ext[100].start, fake_ext[200].start,
			      VMI_WALK_HOLES | VMI_WALK_PER_PAGE, &f, &e, &n);
	EXPECT_TRUE(ret == 0 && n == 100 && fake_calls == 15 &&
		    fake_max_len == 7);
	EXPECT_TRUE(f.calls == 15 && f.max_lock_ns == 15000 &&
		    f.lock_drops == 15);
	EXPECT_TRUE(e && !memcmp(e, fake_ext + 100, 100 * sizeof(*e)));
	free(e);

	/* the cap: exactly full is fine, one more is -E2BIG */
	fake_reset();
	f = (struct vmi_fetch){ .chunk = 10, .max = 100 };
	ret = vmi_walk_all_ex(h, 0, fake_ext[100].start, fake_ext[200].start, 0,
			      &f, &e, &n);
	EXPECT_TRUE(ret == 0 && n == 100 && f.calls == 10);
	free(e);
	fake_reset();
	f = (struct vmi_fetch){ .chunk = 7, .max = 99 };
	ret = vmi_walk_all_ex(h, 0, fake_ext[100].start, fake_ext[200].start, 0,
			      &f, &e, &n);
	EXPECT_TRUE(ret == -E2BIG && !e && n == 0);
	EXPECT_TRUE(fake_max_len == 7 &&
		    f.calls == 15); /* last call asks for 1 */
	fake_reset();
	f = (struct vmi_fetch){ .max = 5000 };
	ret = vmi_walk_all_ex(h, 0, 0, end, 0, &f, &e, &n);
	EXPECT_TRUE(ret == -E2BIG && !e && n == 0 && fake_calls == 2);
	EXPECT_TRUE(fake_max_len == VMI_WALK_CHUNK);

	/* nothing mapped: one call, no array */
	fake_reset();
	ret = vmi_walk_all(h, 0, 0, 0x10000, 0, &e, &n);
	EXPECT_TRUE(ret == 0 && !e && n == 0 && fake_calls == 1);

	/* errors: from the module mid-way, and inconsistent answers */
	fake_reset();
	fake_fail_at = 2;
	ret = vmi_walk_all(h, 7, 0, end, 0, &e, &n);
	EXPECT_TRUE(ret == -ESRCH && !e && n == 0 && fake_calls == 2);
	fake_reset();
	fake_stall = true;
	ret = vmi_walk_all(h, 0, 0, end, 0, &e, &n);
	EXPECT_TRUE(ret == -VMI_EPROTO && !e && n == 0 && fake_calls == 1);
	fake_reset();
	fake_overfill = true;
	ret = vmi_walk_all(h, 0, 0, end, 0, &e, &n);
	EXPECT_TRUE(ret == -VMI_EPROTO && !e && n == 0);
	fake_reset();
	ret = vmi_walk_all(h, 0, 0x1001, end, 0, &e, &n);
	EXPECT_TRUE(ret == -EINVAL && !e && n == 0);
	fake_errno = ENOTTY;
	ret = vmi_walk_all(h, 0, 0, end, 0, &e, &n);
	EXPECT_TRUE(ret == -VMI_ENOTSUPP && !e && n == 0);
	fake_errno = EPERM;
	ret = vmi_walk_all(h, 1, 0, end, 0, &e, &n);
	EXPECT_TRUE(ret == -EPERM && !e && n == 0);
	fake_errno = 0;
	fake_reset();
	ret = vmi_walk_all(h, 0, 0, end, 1ULL << 9, &e, &n);
	EXPECT_TRUE(ret == -EINVAL && fake_saw_bad_request);
	fake_saw_bad_request = false;

	/* one chunk by hand: the library fills in the sizes */
	fake_reset();
	memset(&arg, 0xff, sizeof(arg));
	arg.flags = 0;
	arg.pid = 3;
	arg.start = 0;
	arg.end = end;
	arg.vec = (uintptr_t)vec;
	arg.vec_len = ARRAY_SIZE(vec);
	EXPECT_TRUE(vmi_walk_chunk(h, &arg) == 0);
	EXPECT_TRUE(arg.size == sizeof(arg) &&
		    arg.extent_size == sizeof(vec[0]));
	EXPECT_TRUE(arg.nr_extents == 3 && arg.walk_end == fake_ext[3].start);
	EXPECT_TRUE(arg.start == 0 && arg.end == end && arg.reserved == 0);
	EXPECT_TRUE(!memcmp(vec, fake_ext, sizeof(vec)));
	EXPECT_TRUE(vmi_walk_chunk(NULL, &arg) == -EINVAL);
	EXPECT_TRUE(vmi_walk_all(NULL, 0, 0, end, 0, &e, &n) == -EINVAL && !e);
	EXPECT_TRUE(VMI_WALK_ALL_MAX == 16U << 20);
	EXPECT_TRUE(!fake_saw_bad_request);
	fake_close(h);
out:
	free(fake_ext);
	fake_ext = NULL;
	fake_next = 0;
}

TEST(maps_loop)
{
	struct vmi_pgtables_arg pt;
	struct vmi_translate_arg t;
	struct vmi_handle *h;
	struct vmi_fetch f;
	struct vmi_vma *v;
	size_t i, n;
	int ret;

	fake_nvma = 1000;
	fake_vma = calloc(fake_nvma, sizeof(*fake_vma));
	if (!fake_vma)
		return;
	for (i = 0; i < fake_nvma; i++) {
		fake_vma[i].start = 0x400000 + i * 0x10000;
		fake_vma[i].end = fake_vma[i].start + 0x8000;
		fake_vma[i].rss = i * 4096;
		fake_vma[i].vma_flags = VMI_VMA_READ;
		snprintf(fake_vma[i].name, VMI_NAME_LEN, "/lib/x%zu.so", i);
	}
	memset(fake_vma[5].name, 'a', VMI_NAME_LEN); /* no NUL */
	h = fake_open();
	EXPECT_NE(NULL, h);
	if (!h)
		goto out;

	/* the limit comes from VMI_IOC_GET_INFO: 4-level paging */
	fake_reset();
	ret = vmi_maps_all(h, 9, &v, &n);
	EXPECT_TRUE(ret == 0 && n == 1000 && fake_calls == 2);
	EXPECT_TRUE(fake_max_len == VMI_MAPS_CHUNK && fake_pid_seen == 9);
	EXPECT_TRUE(fake_end_seen == 0x7ffffffff000ULL);
	EXPECT_TRUE(fake_starts[1] == fake_vma[VMI_MAPS_CHUNK].start);
	if (!ret && n == 1000) {
		EXPECT_TRUE(v[999].start == fake_vma[999].start &&
			    v[999].rss == 999 * 4096);
		EXPECT_STREQ("/lib/x4.so", v[4].name);
		EXPECT_TRUE(strlen(v[5].name) == VMI_NAME_LEN - 1);
	}
	free(v);

	fake_reset();
	f = (struct vmi_fetch){ .chunk = 100, .max = 999 };
	ret = vmi_maps_range(h, 0, 0, 0x7ffffffff000ULL, &f, &v, &n);
	EXPECT_TRUE(ret == -E2BIG && !v && n == 0 && f.calls == 10);
	fake_reset();
	f = (struct vmi_fetch){ .chunk = 3 };
	ret = vmi_maps_range(h, 0, fake_vma[10].start, fake_vma[20].start, &f,
			     &v, &n);
	EXPECT_TRUE(ret == 0 && n == 10 && f.calls == 4 && f.max_lock_ns == 7);
	EXPECT_TRUE(v && v[0].start == fake_vma[10].start);
	free(v);
	fake_reset();
	fake_fail_at = 1;
	ret = vmi_maps_all(h, 9, &v, &n);
	EXPECT_TRUE(ret == -ESRCH && !v && n == 0);

	/* translate and page tables */
	EXPECT_TRUE(vmi_translate(h, 0, 0x7f0000001234ULL, &t) == 0);
	EXPECT_TRUE(t.nr_levels == 4 && t.va == 0x7f0000001234ULL);
	EXPECT_TRUE(t.levels[0].level == VMI_LEVEL_PGD &&
		    t.levels[0].index == 254);
	EXPECT_TRUE(t.levels[3].level == VMI_LEVEL_PTE &&
		    t.levels[3].index == 1);
	EXPECT_TRUE(t.pa == 0x1234234 && t.leaf.kind == VMI_KIND_PRESENT);
	fake_nr_levels = 6;
	EXPECT_TRUE(vmi_translate(h, 0, 0x1000, &t) == -VMI_EPROTO);
	fake_nr_levels = 4;
	fake_errno = ESRCH;
	EXPECT_TRUE(vmi_translate(h, 5, 0x1000, &t) == -ESRCH);
	fake_errno = 0;
	EXPECT_TRUE(vmi_translate(NULL, 0, 0x1000, &t) == -EINVAL);

	EXPECT_TRUE(vmi_pgtables(h, 0, &pt) == 0);
	EXPECT_TRUE(pt.size == VMI_PGTABLES_SIZE_VER0 && pt.bytes == 7 * 4096);
	EXPECT_TRUE(pt.tables[VMI_LEVEL_PTE] == 3 &&
		    pt.tables[VMI_LEVEL_PGD] == 1);
	fake_errno = EPERM;
	EXPECT_TRUE(vmi_pgtables(h, 1, &pt) == -EPERM);
	fake_errno = 0;
	EXPECT_TRUE(!fake_saw_bad_request);
	fake_close(h);
out:
	free(fake_vma);
	fake_vma = NULL;
	fake_nvma = 0;
}

/*
 * vmi_pgtables_vmas(): calls of 4096 VMAs resumed at walk_end, totals
 * added up, the one PGD's fullness made from the entries of all calls; a
 * module of the first version is told apart.
 */
TEST(pgtables_vmas)
{
	struct vmi_pgtables_arg t;
	struct vmi_handle *h;
	struct vmi_pgt_vma *v;
	size_t i, n;
	int ret;

	fake_nvma = 5000;
	fake_vma = calloc(fake_nvma, sizeof(*fake_vma));
	if (!fake_vma)
		return;
	for (i = 0; i < fake_nvma; i++) {
		fake_vma[i].start = 0x400000 + i * 0x10000;
		fake_vma[i].end = fake_vma[i].start + 0x8000;
	}
	h = fake_open();
	EXPECT_NE(NULL, h);
	if (!h)
		goto out;
	fake_reset();
	ret = vmi_pgtables_vmas(h, 7, &t, &v, &n);
	EXPECT_EQ(0, ret);
	EXPECT_EQ(5000U, n);
	EXPECT_EQ(2U, fake_calls);
	EXPECT_EQ(7U, fake_pid_seen);
	EXPECT_TRUE(fake_starts[1] == fake_vma[4096].start);
	EXPECT_TRUE(t.tables[VMI_LEVEL_PTE] == 5000 &&
		    t.entries[VMI_LEVEL_PTE] == 10000);
	EXPECT_TRUE(t.fullness[VMI_LEVEL_PTE][1] == 5000);
	/* one PGD: two calls saw one entry each */
	EXPECT_TRUE(t.tables[VMI_LEVEL_PGD] == 1 &&
		    t.entries[VMI_LEVEL_PGD] == 2);
	EXPECT_TRUE(t.fullness[VMI_LEVEL_PGD][0] == 0 &&
		    t.fullness[VMI_LEVEL_PGD][1] == 1 &&
		    t.empty[VMI_LEVEL_PGD] == 0);
	EXPECT_TRUE(t.bytes == 5001 * 4096ULL && t.nr_vmas == 5000);
	EXPECT_TRUE(t.max_lock_ns == 7);
	if (!ret && n == 5000)
		EXPECT_TRUE(v[4999].start == fake_vma[4999].start &&
			    v[4096].pte_entries == 2);
	free(v);

	fake_reset();
	fake_fail_at = 2;
	ret = vmi_pgtables_vmas(h, 7, &t, &v, &n);
	EXPECT_TRUE(ret == -ESRCH && !v && n == 0);
	fake_reset();
	fake_pgt_ver0 = true;
	ret = vmi_pgtables_vmas(h, 7, &t, &v, &n);
	EXPECT_TRUE(ret == -VMI_ENOTSUPP && !v && n == 0);
	fake_pgt_ver0 = false;
	EXPECT_TRUE(!fake_saw_bad_request);
	fake_close(h);
out:
	free(fake_vma);
	fake_vma = NULL;
	fake_nvma = 0;
}

/* The buckets: 1, 2-8, 9-64, 65-256, 257-511, 512. */
TEST(pgt_buckets)
{
	static const struct {
		uint64_t n;
		unsigned int b;
	} cases[] = { { 1, 0 },	  { 2, 1 },   { 8, 1 },	  { 9, 2 },
		      { 64, 2 },  { 65, 3 },  { 256, 3 }, { 257, 4 },
		      { 511, 4 }, { 512, 5 }, { 600, 5 } };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		EXPECT_EQ(cases[i].b, vmi_pgt_bucket(cases[i].n));
	EXPECT_STREQ("65-256", vmi_pgt_bucket_name(3));
	EXPECT_EQ(NULL, vmi_pgt_bucket_name(VMI_PGT_BUCKETS));
}

/* ---- renderers of walk, translate and maps ---- */

static const struct vmi_extent sample_extents[] = {
	{
		.start = 0x555555554000ULL,
		.end = 0x555555556000ULL,
		.pfn = 0x1a2b3,
		.eflags = VMI_EF_PRESENT | VMI_EF_USER | VMI_EF_ACCESSED,
		.kind = VMI_KIND_PRESENT,
		.level = VMI_LEVEL_PTE,
		.page_shift = 12,
		.attrs = VMI_EA_FILE,
	},
	{
		.start = 0x7f0000000000ULL,
		.end = 0x7f0000200000ULL,
		.pfn = 0x40000,
		.eflags = VMI_EF_PRESENT | VMI_EF_WRITE | VMI_EF_USER |
			  VMI_EF_ACCESSED | VMI_EF_DIRTY | VMI_EF_NX |
			  VMI_EF_HUGE,
		.kind = VMI_KIND_PRESENT,
		.level = VMI_LEVEL_PMD,
		.page_shift = 21,
		.attrs = VMI_EA_ANON | VMI_EA_THP,
	},
	{
		.start = 0x7f0000200000ULL,
		.end = 0x7f0000201000ULL,
		.eflags = VMI_EF_SOFT_DIRTY | VMI_EF_EXCLUSIVE,
		.swap_offset = 0x2a,
		.swap_type = 1,
		.kind = VMI_KIND_SWAP,
		.level = VMI_LEVEL_PTE,
		.page_shift = 12,
		.attrs = VMI_EA_ANON,
	},
	{
		.start = 0x7f0000201000ULL,
		.end = 0x7f0000400000ULL,
		.kind = VMI_KIND_NONE,
	},
	{
		.start = 0x7f0040000000ULL,
		.end = 0x7f0080000000ULL,
		.eflags = VMI_EF_PRESENT | VMI_EF_WRITE | VMI_EF_USER |
			  VMI_EF_HUGE | (1ULL << 40),
		.kind = VMI_KIND_PRESENT,
		.level = VMI_LEVEL_PUD,
		.page_shift = 30,
		.attrs = VMI_EA_HUGETLB | VMI_EA_SHARED | VMI_EA_FILE |
			 VMI_EA_PFN_HIDDEN,
	},
};

static void sample_translate(struct vmi_translate_arg *t, bool root)
{
	static const __u32 levels[] = { VMI_LEVEL_PGD, VMI_LEVEL_P4D,
					VMI_LEVEL_PUD, VMI_LEVEL_PMD,
					VMI_LEVEL_PTE };
	unsigned int i;

	memset(t, 0, sizeof(*t));
	t->size = sizeof(*t);
	t->va = 0x7f0000001234ULL;
	t->nr_levels = 5;
	for (i = 0; i < 5; i++) {
		t->levels[i].level = levels[i];
		t->levels[i].index = i ? 0x100 >> i : 0;
		t->levels[i].entry = root ? 0x8000000000000067ULL |
						     (i + 1) << 12 :
					    0x8000000000000067ULL;
		t->levels[i].table_pa = root ? (0x10 + i) << 12 : 0;
	}
	t->leaf = sample_extents[0];
	t->leaf.start = 0x7f0000001000ULL;
	t->leaf.end = 0x7f0000002000ULL;
	t->leaf.attrs = VMI_EA_ANON;
	t->leaf.eflags |= VMI_EF_WRITE | VMI_EF_DIRTY | VMI_EF_NX;
	if (!root) {
		t->leaf.pfn = 0;
		t->leaf.attrs |= VMI_EA_PFN_HIDDEN;
	}
	t->pa = root ? 0x1a2b3234ULL : 0;
	t->vma_start = 0x7f0000000000ULL;
	t->vma_end = 0x7f0000021000ULL;
	t->vma_flags = VMI_VMA_READ | VMI_VMA_WRITE | VMI_VMA_ANON |
		       VMI_VMA_HUGEPAGE;
}

static const struct vmi_vma sample_vmas[] = {
	{
		.start = 0x555555554000ULL,
		.end = 0x555555556000ULL,
		.rss = 0x2000,
		.bytes_4k = 0x2000,
		.vma_flags = VMI_VMA_READ | VMI_VMA_EXEC | VMI_VMA_FILE,
		.name = "/usr/bin/cat",
	},
	{
		.start = 0x7f0000000000ULL,
		.end = 0x7f0040000000ULL,
		.rss = (4ULL << 20) + 0x3000,
		.bytes_4k = 0x3000,
		.bytes_2m = 4ULL << 20,
		.swap = 0x1000,
		.thp = 4ULL << 20,
		.vma_flags = VMI_VMA_READ | VMI_VMA_WRITE | VMI_VMA_ANON |
			     VMI_VMA_HUGEPAGE,
	},
	{
		.start = 0x7f0040000000ULL,
		.end = 0x7f0080000000ULL,
		.rss = 1ULL << 30,
		.bytes_1g = 1ULL << 30,
		.vma_flags = VMI_VMA_READ | VMI_VMA_WRITE | VMI_VMA_SHARED |
			     VMI_VMA_HUGETLB | VMI_VMA_FILE,
		.name = "/dev/hugepages/big",
	},
};

static const struct vmi_pgtables_arg sample_pgtables = {
	.size = sizeof(struct vmi_pgtables_arg),
	.tables = { [VMI_LEVEL_PTE] = 3,
		    [VMI_LEVEL_PMD] = 2,
		    [VMI_LEVEL_PUD] = 2,
		    [VMI_LEVEL_PGD] = 1 },
	.entries = { [VMI_LEVEL_PTE] = 7,
		     [VMI_LEVEL_PMD] = 5,
		     [VMI_LEVEL_PUD] = 3,
		     [VMI_LEVEL_PGD] = 2 },
	.bytes = 8 * 4096,
};

TEST(walk_render)
{
	struct mem m;

	json_pretty = true; /* the layout checks below read it */

	mem_open(&m);
	EXPECT_TRUE(walk_print_text(sample_extents, ARRAY_SIZE(sample_extents),
				    m.f) == 0);
	EXPECT_STREQ(
		"         START             END  SIZE  PAGE  LEVEL  KIND     PFN      FLAGS                                      ATTRS\n"
		"0x555555554000  0x555555556000    8K    4K  pte    present  0x1a2b3  present,user,accessed                      file\n"
		"0x7f0000000000  0x7f0000200000    2M    2M  pmd    present  0x40000  present,write,user,accessed,dirty,nx,huge  thp,anon\n"
		"0x7f0000200000  0x7f0000201000    4K    4K  pte    swap     1:0x2a   soft_dirty,exclusive                       anon\n"
		"0x7f0000201000  0x7f0000400000  2.0M     -  -      none     -        -                                          -\n"
		"0x7f0040000000  0x7f0080000000    1G    1G  pud    present  -        present,write,user,huge,bit40              hugetlb,file,shared\n"
		"5 extents, 1.0G present, 4K in swap\n"
		"frame numbers are hidden: only root may see them\n",
		mem_text(&m));
	mem_close(&m);

	mem_open(&m);
	EXPECT_TRUE(walk_print_text(NULL, 0, m.f) == 0);
	EXPECT_STREQ("START  END  SIZE  PAGE  LEVEL  KIND  PFN  FLAGS  ATTRS\n"
		     "0 extents, 0 present, 0 in swap\n",
		     mem_text(&m));
	mem_close(&m);

	mem_open(&m);
	EXPECT_TRUE(walk_print_json(42, 0, 0x7ffffffff000ULL, sample_extents,
				    ARRAY_SIZE(sample_extents), m.f) == 0);
	EXPECT_NE(NULL,
		  strstr(mem_text(&m), "\"pid\": 42,\n"
				       "  \"start\": \"0x0\",\n"
				       "  \"end\": \"0x7ffffffff000\",\n"
				       "  \"extents\": [\n"
				       "    {\n"
				       "      \"start\": \"0x555555554000\",\n"
				       "      \"end\": \"0x555555556000\",\n"
				       "      \"page_size\": 4096,\n"
				       "      \"level\": \"pte\",\n"
				       "      \"kind\": \"present\",\n"
				       "      \"pfn\": 107187,\n"));
	EXPECT_NE(NULL, strstr(mem_text(&m), "\"swap\": {\n"
					     "        \"type\": 1,\n"
					     "        \"offset\": 42\n"));
	mem_close(&m);

	mem_open(&m);
	EXPECT_TRUE(walk_print_json(1, 0, 4096, NULL, 0, m.f) == 0);
	EXPECT_STREQ("{\n"
		     "  \"pid\": 1,\n"
		     "  \"start\": \"0x0\",\n"
		     "  \"end\": \"0x1000\",\n"
		     "  \"extents\": []\n"
		     "}\n",
		     mem_text(&m));
	mem_close(&m);
	json_pretty = false;
}

TEST(translate_render)
{
	struct vmi_translate_arg t;
	struct mem m;

	sample_translate(&t, true);
	mem_open(&m);
	EXPECT_TRUE(translate_print_text(&t, m.f) == 0);
	EXPECT_STREQ("va 0x7f0000001234 -> pa 0x1a2b3234 (4K page, pte level)\n"
		     "path PGD[0] -> P4D[128] -> PUD[64] -> PMD[32] -> PTE[16]\n"
		     "\n"
		     "LEVEL  INDEX  ENTRY               TABLE\n"
		     "PGD        0  0x8000000000001067  0x0000000000010000\n"
		     "P4D      128  0x8000000000002067  0x0000000000011000\n"
		     "PUD       64  0x8000000000003067  0x0000000000012000\n"
		     "PMD       32  0x8000000000004067  0x0000000000013000\n"
		     "PTE       16  0x8000000000005067  0x0000000000014000\n"
		     "\n"
		     "leaf   pte, 4K page, present\n"
		     "pfn    0x1a2b3 (pa 0x1a2b3234)\n"
		     "flags  present,write,user,accessed,dirty,nx\n"
		     "attrs  anon\n"
		     "vma    0x7f0000000000-0x7f0000021000 rw-p hugepage anon\n",
		     mem_text(&m));
	mem_close(&m);

	sample_translate(&t, false);
	mem_open(&m);
	EXPECT_TRUE(translate_print_text(&t, m.f) == 0);
	EXPECT_NE(NULL,
		  strstr(mem_text(&m),
			 "va 0x7f0000001234 -> pa hidden (4K page, pte level)\n"));
	EXPECT_NE(NULL, strstr(mem_text(&m),
			       "PGD        0  0x8000000000000067  -\n"));
	EXPECT_NE(NULL,
		  strstr(mem_text(&m),
			 "(frame bits of entries and table addresses are hidden: root only)\n"));
	EXPECT_NE(NULL, strstr(mem_text(&m), "pfn    hidden (root only)\n"));
	mem_close(&m);

	/* in no VMA: no path, no leaf */
	memset(&t, 0, sizeof(t));
	t.va = 0x1234;
	t.leaf.start = 0x1000;
	t.leaf.end = 0x2000;
	mem_open(&m);
	EXPECT_TRUE(translate_print_text(&t, m.f) == 0);
	EXPECT_STREQ("va 0x1234 -> not mapped (in no VMA)\n"
		     "\n"
		     "leaf  none\n"
		     "vma   -\n",
		     mem_text(&m));
	mem_close(&m);

	/* swapped out, a 2M THP leaf */
	sample_translate(&t, true);
	t.nr_levels = 3;
	t.leaf = sample_extents[2];
	mem_open(&m);
	EXPECT_TRUE(translate_print_text(&t, m.f) == 0);
	EXPECT_NE(NULL, strstr(mem_text(&m),
			       "-> swapped out (swap type 1, offset 0x2a)\n"
			       "path PGD[0] -> P4D[128] -> PUD[64]\n"));
	EXPECT_NE(NULL, strstr(mem_text(&m), "swap   type 1, offset 0x2a\n"));
	mem_close(&m);
	t.leaf = sample_extents[1];
	t.pa = 0x40000000ULL + 0x1234;
	mem_open(&m);
	EXPECT_TRUE(translate_print_text(&t, m.f) == 0);
	EXPECT_NE(NULL, strstr(mem_text(&m),
			       "-> pa 0x40001234 (2M page, pmd level, thp)\n"));
	mem_close(&m);
}

TEST(maps_render)
{
	struct mem m;

	json_pretty = true; /* the layout checks below read it */

	mem_open(&m);
	EXPECT_TRUE(maps_print_text(sample_vmas, ARRAY_SIZE(sample_vmas),
				    &sample_pgtables, m.f) == 0);
	EXPECT_STREQ(
		"         START             END  PERMS   RSS   4K  2M  1G  SWAP  THP  NAME\n"
		"0x555555554000  0x555555556000  r-xp     8K   8K   0   0     0    0  /usr/bin/cat\n"
		"0x7f0000000000  0x7f0040000000  rw-p   4.0M  12K  4M   0    4K   4M  [anon]\n"
		"0x7f0040000000  0x7f0080000000  rw-s     1G    0   0  1G     0    0  /dev/hugepages/big\n"
		"         total                         1.0G  20K  4M  1G    4K   4M  3 VMAs, 2.0G virtual\n"
		"\n"
		"page tables: 32K in 8 tables\n"
		"LEVEL  TABLES  ENTRIES\n"
		"pgd         1        2\n"
		"pud         2        3\n"
		"pmd         2        5\n"
		"pte         3        7\n",
		mem_text(&m));
	mem_close(&m);

	mem_open(&m);
	EXPECT_TRUE(maps_print_text(NULL, 0, NULL, m.f) == 0);
	EXPECT_TRUE(strstr(mem_text(&m), "total") &&
		    strstr(mem_text(&m), "0 VMAs, 0 virtual\n") &&
		    !strstr(mem_text(&m), "page tables"));
	mem_close(&m);

	mem_open(&m);
	EXPECT_TRUE(maps_print_json(7, sample_vmas, ARRAY_SIZE(sample_vmas),
				    &sample_pgtables, m.f) == 0);
	EXPECT_NE(NULL, strstr(mem_text(&m), "  \"page_tables\": {\n"
					     "    \"pte\": 3,\n"
					     "    \"pmd\": 2,\n"
					     "    \"pud\": 2,\n"
					     "    \"p4d\": 0,\n"
					     "    \"pgd\": 1,\n"
					     "    \"bytes\": 32768\n"
					     "  },\n"));
	EXPECT_NE(NULL, strstr(mem_text(&m), "\"bytes_by_page_size\": {\n"
					     "        \"4096\": 12288,\n"
					     "        \"2097152\": 4194304,\n"
					     "        \"1073741824\": 0\n"));
	mem_close(&m);
	json_pretty = false;
}

/*
 * "test_host --render WHAT": print a sample rendering for the checks in
 * run.sh (JSON parsed by python3 or jq).
 */
static int render(const char *what)
{
	struct vmi_translate_arg t;

	if (!strcmp(what, "walk"))
		return walk_print_json(42, 0, 0x7ffffffff000ULL, sample_extents,
				       ARRAY_SIZE(sample_extents), stdout);
	if (!strcmp(what, "translate")) {
		sample_translate(&t, true);
		return translate_print_json(42, &t, stdout);
	}
	if (!strcmp(what, "translate-hidden")) {
		sample_translate(&t, false);
		return translate_print_json(42, &t, stdout);
	}
	if (!strcmp(what, "translate-unmapped")) {
		memset(&t, 0, sizeof(t));
		t.va = 0x1234;
		return translate_print_json(42, &t, stdout);
	}
	if (!strcmp(what, "maps"))
		return maps_print_json(42, sample_vmas, ARRAY_SIZE(sample_vmas),
				       &sample_pgtables, stdout);
	if (!strcmp(what, "maps-nopt"))
		return maps_print_json(42, sample_vmas, 1, NULL, stdout);
	fprintf(stderr, "test_host: unknown rendering '%s'\n", what);
	return 2;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--render"))
		return render(argv[2]) ? 1 : 0;
	return test_harness_run(argc, argv);
}
