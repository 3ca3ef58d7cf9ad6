// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * hotarray - what a trading or database engine checks at start-up with
 * libvminspect: "is my hot array on huge pages, and how many TLB entries
 * does it need?"
 *
 * It allocates an array (64 MiB by default), touches every page, asks the
 * vminspect kernel module how the array is mapped (VMI_IOC_HUGE through
 * vmi_huge_totals() and vmi_huge_range()), compares the TLB entries it needs
 * with the CPU's data TLB (CPUID, vmi_tlb_capacity_read()) and prints a
 * verdict with the library's advice (vmi_huge_advise()).
 *
 * Build against an installed libvminspect:
 *
 *	cc -O2 -o hotarray hotarray.c $(pkg-config --cflags --libs libvminspect)
 *
 * Usage: hotarray [--mib N] [--thp | --no-thp | --hugetlb | --hugetlb-1g]
 *                 [--hold SECONDS]
 *
 * Exit status: 0 the array is entirely on huge pages (PMD-mapped THP or
 * hugetlb), 1 it is not, 2 an error (bad option, allocation failed, the
 * module is not loaded or lacks huge-page accounting).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <vminspect.h>

#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif
#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB (21 << MAP_HUGE_SHIFT)
#endif
#ifndef MAP_HUGE_1GB
#define MAP_HUGE_1GB (30 << MAP_HUGE_SHIFT)
#endif

#define MIB	      (1ULL << 20)
#define SIZE_2M	      (2ULL << 20)
#define SIZE_1G	      (1ULL << 30)
#define EXIT_NOT_HUGE 1
#define EXIT_ERROR    2

enum kind {
	KIND_THP,
	KIND_NO_THP,
	KIND_HUGETLB_2M,
	KIND_HUGETLB_1G
};

static const char *const kind_names[] = {
	[KIND_THP] = "THP (MADV_HUGEPAGE)",
	[KIND_NO_THP] = "small pages (MADV_NOHUGEPAGE)",
	[KIND_HUGETLB_2M] = "hugetlb 2M (MAP_HUGETLB)",
	[KIND_HUGETLB_1G] = "hugetlb 1G (MAP_HUGETLB)",
};

static void usage(FILE *f)
{
	fputs("Usage: hotarray [--mib N] [--thp | --no-thp | --hugetlb | --hugetlb-1g]\n"
	      "                [--hold SECONDS]\n"
	      "\n"
	      "Allocate and touch a hot array of N MiB (default 64), then ask the\n"
	      "vminspect module whether it is on huge pages and how many TLB\n"
	      "entries it needs.\n"
	      "\n"
	      "  --mib N          array size in MiB\n"
	      "  --thp            anonymous memory with MADV_HUGEPAGE (default)\n"
	      "  --no-thp         anonymous memory with MADV_NOHUGEPAGE\n"
	      "  --hugetlb        MAP_HUGETLB, 2 MiB pages (needs a reserved pool)\n"
	      "  --hugetlb-1g     MAP_HUGETLB, 1 GiB pages\n"
	      "  --hold SECONDS   keep the array mapped that long after the report\n"
	      "\n"
	      "Exit status: 0 fully on huge pages, 1 not, 2 error.\n",
	      f);
}

/* "64M", "2M", "512K": bytes in binary units, one decimal when inexact. */
static const char *human(uint64_t b, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	double v = (double)b;
	int u = -1;

	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%" PRIu64, b);
	else if (v == (double)(uint64_t)v)
		snprintf(buf, len, "%" PRIu64 "%c", (uint64_t)v, units[u]);
	else
		snprintf(buf, len, "%.1f%c", v, units[u]);
	return buf;
}

/*
 * The array: anonymous memory aligned to 2 MiB (so that every 2 MiB block
 * can be one huge page), or a hugetlb mapping.
 */
static void *alloc_array(enum kind kind, uint64_t len)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	uint64_t pad = SIZE_2M;
	char *p, *a;

	if (kind == KIND_HUGETLB_2M || kind == KIND_HUGETLB_1G) {
		flags |= MAP_HUGETLB;
		flags |= kind == KIND_HUGETLB_2M ? MAP_HUGE_2MB : MAP_HUGE_1GB;
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, -1, 0);
		return p == MAP_FAILED ? NULL : p;
	}
	p = mmap(NULL, len + pad, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	a = (char *)(((uintptr_t)p + pad - 1) & ~(uintptr_t)(pad - 1));
	if (a > p)
		munmap(p, a - p);
	if (a + len < p + len + pad)
		munmap(a + len, p + len + pad - (a + len));
	if (madvise(a, len,
		    kind == KIND_THP ? MADV_HUGEPAGE : MADV_NOHUGEPAGE)) {
		munmap(a, len);
		return NULL;
	}
	return a;
}

static void print_advice(struct vmi_handle *h, uint64_t start, uint64_t end)
{
	struct vmi_huge_sys sys;
	struct vmi_huge_facts facts = { 0 };
	struct vmi_thp_policy thp;
	struct vmi_huge_result r;
	char fix[256];
	uint32_t seen = 0;
	size_t i;

	if (vmi_huge_range(h, 0, start, end, NULL, &r))
		return;
	if (!vmi_thp_policy_read(NULL, &thp))
		facts.thp = &thp;
	if (!vmi_huge_sys_read(NULL, &sys, NULL, 0)) {
		facts.pools = sys.pools;
		facts.nr_pools = sys.nr_pools;
	}
	facts.mm_flags = r.mm_flags;
	for (i = 0; i < r.nr_vmas; i++) {
		const struct vmi_huge_vma *v = &r.vmas[i];
		struct vmi_huge_bytes outside = { 0 };
		struct vmi_huge_arg a;
		uint32_t why;
		unsigned int bit;

		if (vmi_huge_needs_outside(v)) {
			if (v->span_2m_start > v->start &&
			    !vmi_huge_totals(h, 0, v->start, v->span_2m_start,
					     &a))
				vmi_huge_add(&outside, &a.total);
			if (v->end > v->span_2m_end &&
			    !vmi_huge_totals(h, 0, v->span_2m_end, v->end, &a))
				vmi_huge_add(&outside, &a.total);
		}
		why = vmi_huge_advise(&facts, v, &outside);
		for (bit = 0; bit < VMI_HR_NR; bit++) {
			if (!(why & (1U << bit)) || (seen & (1U << bit)))
				continue;
			seen |= 1U << bit;
			printf("advice:   %s: %s\n          fix: %s\n",
			       vmi_huge_reason_name(bit),
			       vmi_huge_reason_text(bit),
			       vmi_huge_reason_fix(bit, &facts, v, fix,
						   sizeof(fix)));
		}
	}
	vmi_huge_result_free(&r);
}

/* The report; returns the exit status. */
static int report(struct vmi_handle *h, enum kind kind, void *array,
		  uint64_t len)
{
	uint64_t start = (uintptr_t)array, end = start + len;
	uint64_t b4k, thp, thp_pte, htlb2m, htlb1g, huge;
	struct vmi_tlb_capacity cap;
	struct vmi_huge_arg a;
	unsigned int l2;
	char s1[32], s2[32], s3[32], s4[32], s5[32];
	int err;

	err = vmi_huge_totals(h, 0, start, end, &a);
	if (err) {
		fprintf(stderr, "hotarray: VMI_IOC_HUGE: %s\n",
			vmi_strerror(err));
		return EXIT_ERROR;
	}
	b4k = a.total.base;
	thp = vmi_huge_thp_pmd(&a.total);
	thp_pte = a.total.thp_pte;
	htlb2m = vmi_huge_hugetlb_2m(&a.total);
	htlb1g = vmi_huge_hugetlb_1g(&a.total);
	huge = thp + htlb2m + htlb1g;

	printf("array:    0x%" PRIx64 "-0x%" PRIx64 " (%s, %s)\n", start, end,
	       human(len, s1, sizeof(s1)), kind_names[kind]);
	printf("bytes:    4K %s, THP 2M %s, THP on 4K PTEs %s, hugetlb 2M %s, hugetlb 1G %s\n",
	       human(b4k, s1, sizeof(s1)), human(thp, s2, sizeof(s2)),
	       human(thp_pte, s3, sizeof(s3)), human(htlb2m, s4, sizeof(s4)),
	       human(htlb1g, s5, sizeof(s5)));
	printf("tlb:      %" PRIu64 " entries now, %" PRIu64 " at best\n",
	       (uint64_t)a.total.tlb_now, (uint64_t)a.total.tlb_best);

	vmi_tlb_capacity_read(&cap);
	if (vmi_tlb_capacity_known(&cap)) {
		l2 = cap.stlb_2m > cap.stlb_4k ? cap.stlb_2m : cap.stlb_4k;
		printf("cpu tlb:  %s (%s): L1d %u x 4K, %u x 2M, %u x 1G; L2 %u x 4K, %u x 2M, %u x 1G\n",
		       cap.vendor, cap.source, cap.l1d_4k, cap.l1d_2m,
		       cap.l1d_1g, cap.stlb_4k, cap.stlb_2m, cap.stlb_1g);
		if (l2)
			printf("          the array needs %.1fx the L2 TLB now, %.1fx at best\n",
			       (double)a.total.tlb_now / l2,
			       (double)a.total.tlb_best / l2);
	} else {
		printf("cpu tlb:  unknown (CPUID does not tell)\n");
	}

	if (huge >= len) {
		printf("verdict:  HUGE: all %s of the array is on huge pages\n",
		       human(len, s1, sizeof(s1)));
		return 0;
	}
	printf("verdict:  NOT HUGE: %s of %s on huge pages, %s on 4K pages\n",
	       human(huge, s1, sizeof(s1)), human(len, s2, sizeof(s2)),
	       human(b4k + thp_pte, s3, sizeof(s3)));
	print_advice(h, start, end);
	return EXIT_NOT_HUGE;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mib", required_argument, NULL, 'm' },
		{ "thp", no_argument, NULL, 't' },
		{ "no-thp", no_argument, NULL, 'n' },
		{ "hugetlb", no_argument, NULL, 'g' },
		{ "hugetlb-1g", no_argument, NULL, 'G' },
		{ "hold", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum kind kind = KIND_THP;
	unsigned long mib = 64, hold = 0;
	struct vmi_handle *h;
	struct vmi_info info;
	char why[128], *end;
	uint64_t len, off;
	char *array;
	int c, err, ret;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			errno = 0;
			mib = strtoul(optarg, &end, 10);
			if (errno || *end || !mib || mib > (1UL << 20)) {
				fprintf(stderr,
					"hotarray: invalid --mib '%s'\n",
					optarg);
				return EXIT_ERROR;
			}
			break;
		case 't':
			kind = KIND_THP;
			break;
		case 'n':
			kind = KIND_NO_THP;
			break;
		case 'g':
			kind = KIND_HUGETLB_2M;
			break;
		case 'G':
			kind = KIND_HUGETLB_1G;
			break;
		case 'H':
			errno = 0;
			hold = strtoul(optarg, &end, 10);
			if (errno || *end) {
				fprintf(stderr,
					"hotarray: invalid --hold '%s'\n",
					optarg);
				return EXIT_ERROR;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_ERROR;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "hotarray: unexpected argument '%s'\n",
			argv[optind]);
		return EXIT_ERROR;
	}
	len = (uint64_t)mib * MIB;
	if (kind == KIND_HUGETLB_1G && len % SIZE_1G) {
		fprintf(stderr,
			"hotarray: --hugetlb-1g needs --mib in whole GiB\n");
		return EXIT_ERROR;
	}
	if (kind == KIND_HUGETLB_2M && len % SIZE_2M) {
		fprintf(stderr, "hotarray: --hugetlb needs an even --mib\n");
		return EXIT_ERROR;
	}

	/* Ask the module first: no point in touching memory without it. */
	h = vmi_open(&err);
	if (!h) {
		fprintf(stderr, "hotarray: %s\n", vmi_strerror(err));
		return EXIT_ERROR;
	}
	err = vmi_get_info(h, &info);
	if (err || !vmi_abi_compatible(&info, why, sizeof(why)) ||
	    !(info.features & VMI_FEAT_HUGE)) {
		fprintf(stderr, "hotarray: %s\n",
			err ? vmi_strerror(err) :
			(info.features & VMI_FEAT_HUGE) ?
			      why :
			      "the module has no huge-page accounting");
		vmi_close(h);
		return EXIT_ERROR;
	}

	array = alloc_array(kind, len);
	if (!array) {
		fprintf(stderr,
			"hotarray: cannot allocate %lu MiB as %s: %s%s\n", mib,
			kind_names[kind], strerror(errno),
			kind >= KIND_HUGETLB_2M ?
				" (reserve pages: /proc/sys/vm/nr_hugepages)" :
				"");
		vmi_close(h);
		return EXIT_ERROR;
	}
	/* Touch every 4K page, as the engine's warm-up would. */
	for (off = 0; off < len; off += 4096)
		array[off] = (char)off;

	ret = report(h, kind, array, len);
	fflush(stdout);
	if (hold)
		sleep(hold);
	munmap(array, len);
	vmi_close(h);
	return ret;
}
