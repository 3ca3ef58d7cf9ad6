// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of "vminspect maps PID --svg FILE" (vminspect/svg.c) on
 * synthetic VMAs: the band geometry (each segment's width against its
 * bytes, the shortest and the longest band), the XML escaping of names and
 * the picture's determinism.  kselftest harness, KTAP output.
 *
 * "test_svg --render svg" prints the sample picture, "--render svg-json"
 * the "huge --json" of the same records, for the renderer check in run.sh
 * (tests/svg_pixels.py).
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../vminspect/cli.h"
#include "../vminspect/svg.h"
#include "kselftest_harness.h"

#define KB (1ULL << 10)
#define MB (1ULL << 20)
#define GB (1ULL << 30)

static struct vmi_huge_vma vmas[8];
static struct vmi_huge_result res;

static struct vmi_huge_vma vma(uint64_t start, uint64_t size, uint32_t flags,
			       const char *name)
{
	struct vmi_huge_vma v;

	memset(&v, 0, sizeof(v));
	v.start = start;
	v.end = start + size;
	v.vma_flags = flags;
	snprintf(v.name, sizeof(v.name), "%s", name);
	return v;
}

/* One VMA of each shape the picture must draw. */
static void sample(void)
{
	const uint32_t rw = VMI_VMA_READ | VMI_VMA_WRITE,
		       anon = rw | VMI_VMA_ANON;
	struct vmi_huge_bytes *b;
	size_t i;

	memset(vmas, 0, sizeof(vmas));
	/* a 4K VMA fully present: the shortest band */
	vmas[0] = vma(0x555555554000ULL, 4 * KB, VMI_VMA_READ | VMI_VMA_EXEC,
		      "[vdso]");
	vmas[0].bytes.rss = vmas[0].bytes.base = 4 * KB;
	vmas[0].bytes.tlb_now = vmas[0].bytes.tlb_best = 1;
	/* THP, 4K and untouched */
	vmas[1] = vma(0x7f0000000000ULL, 8 * MB, anon, "");
	b = &vmas[1].bytes;
	b->thp_pmd_anon = 6 * MB;
	b->base = MB;
	b->rss = 7 * MB;
	b->tlb_now = 3 + 256;
	b->tlb_best = 4;
	/* PTE-mapped large folios, 4K and swap */
	vmas[2] = vma(0x7f0000a00000ULL, 3 * MB, anon, "[heap]");
	b = &vmas[2].bytes;
	b->thp_pte = MB;
	b->thp_pte_order[9] = MB;
	b->base = 512 * KB;
	b->rss = b->thp_pte + b->base;
	b->swap = 512 * KB;
	b->tlb_now = 384;
	b->tlb_best = 2;
	/* hugetlb 2M, private and shared */
	vmas[3] = vma(0x7f0040000000ULL, 64 * MB, rw | VMI_VMA_HUGETLB,
		      "/anon_hugepage (deleted)");
	vmas[3].hugetlb_size = 2 * MB;
	vmas[3].bytes.hugetlb_pmd_private = 16 * MB;
	vmas[3].bytes.hugetlb_pmd_shared = 4 * MB;
	vmas[3].bytes.tlb_now = vmas[3].bytes.tlb_best = 10;
	/* hugetlb 1G */
	vmas[4] = vma(0x7f0080000000ULL, GB, rw | VMI_VMA_HUGETLB,
		      "/anon_hugepage (deleted)");
	vmas[4].hugetlb_size = GB;
	vmas[4].bytes.hugetlb_pud_private = GB;
	vmas[4].bytes.tlb_now = vmas[4].bytes.tlb_best = 1;
	/* a name to escape and to cut: markup, a control, invalid UTF-8 */
	vmas[5] = vma(0x7f00c0000000ULL, 64 * KB, VMI_VMA_READ | VMI_VMA_FILE,
		      "/tmp/a&b<c>\"d'\x01\xff \xc3\xa9t\xc3\xa9 a very long "
		      "name indeed.so");
	vmas[5].bytes.rss = vmas[5].bytes.base = 16 * KB;
	vmas[5].bytes.tlb_now = vmas[5].bytes.tlb_best = 4;
	/* a PUD-mapped device page: other resident bytes */
	vmas[6] = vma(0x7f0100000000ULL, 2 * GB, rw, "/dev/dax0.0");
	vmas[6].bytes.rss = GB;
	vmas[6].bytes.tlb_now = vmas[6].bytes.tlb_best = 1;
	/* a reserve that is never touched: the longest band */
	vmas[7] = vma(0x7f1000000000ULL, 128 * GB, 0, "");
	memset(&res, 0, sizeof(res));
	res.vmas = vmas;
	res.nr_vmas = ARRAY_SIZE(vmas);
	for (i = 0; i < res.nr_vmas; i++)
		vmi_huge_add(&res.total, &vmas[i].bytes);
}

static bool near(double a, double b)
{
	return fabs(a - b) <= 1e-9 * (fabs(a) + fabs(b) + 1);
}

/* every segment width * total == bytes * band width; they tile the band */
static bool band_exact(const struct svg_band *b)
{
	double sum = 0;
	unsigned int k;

	for (k = 0; k < SVG_NR_KINDS; k++) {
		if (!near(b->w[k] * (double)b->total,
			  (double)b->bytes[k] * b->width))
			return false;
		if (!near(b->x[k], sum))
			return false;
		sum += b->w[k];
	}
	return near(sum, b->width);
}

TEST(geometry)
{
	const uint64_t largest = 128 * GB;
	struct svg_band b[ARRAY_SIZE(vmas)], one;
	struct vmi_huge_vma over;
	unsigned int k;
	size_t i;

	sample();
	for (i = 0; i < ARRAY_SIZE(vmas); i++) {
		uint64_t sum = 0;

		svg_band_layout(&vmas[i], largest, &b[i]);
		EXPECT_TRUE(band_exact(&b[i]));
		for (k = 0; k < SVG_NR_KINDS; k++)
			sum += b[i].bytes[k];
		EXPECT_TRUE(sum == b[i].total);
		EXPECT_TRUE(b[i].total == vmas[i].end - vmas[i].start);
		EXPECT_TRUE(b[i].width >= SVG_BAND_MIN &&
			    b[i].width <= SVG_BAND_MAX);
	}
	/* the bytes are the "huge --json" counts, the rest is not present */
	EXPECT_TRUE(b[1].bytes[SVG_THP_PMD] == 6 * MB &&
		    b[1].bytes[SVG_4K] == MB && b[1].bytes[SVG_NONE] == MB);
	EXPECT_TRUE(b[2].bytes[SVG_THP_PTE] == MB &&
		    b[2].bytes[SVG_SWAP] == 512 * KB &&
		    b[2].bytes[SVG_4K] == 512 * KB &&
		    b[2].bytes[SVG_NONE] == MB);
	EXPECT_TRUE(b[3].bytes[SVG_HUGETLB_2M] == 20 * MB &&
		    b[3].bytes[SVG_NONE] == 44 * MB);
	EXPECT_TRUE(b[4].bytes[SVG_HUGETLB_1G] == GB &&
		    b[4].bytes[SVG_NONE] == 0 &&
		    near(b[4].w[SVG_HUGETLB_1G], b[4].width));
	EXPECT_TRUE(b[6].bytes[SVG_OTHER] == GB && b[6].bytes[SVG_NONE] == GB);
	EXPECT_TRUE(b[7].bytes[SVG_NONE] == 128 * GB);
	/* the shortest VMA keeps SVG_BAND_MIN, the longest gets SVG_BAND_MAX */
	EXPECT_TRUE(b[0].width == SVG_BAND_MIN);
	EXPECT_TRUE(b[7].width == SVG_BAND_MAX);
	/* a 4 KiB page of 4K in the 8 MiB band: 1/2048 of it, not rounded */
	EXPECT_TRUE(near(b[1].w[SVG_4K], b[1].width / 8.0));
	/* log2: each doubling adds the same length */
	EXPECT_TRUE(b[3].width < b[4].width && b[4].width < b[6].width &&
		    b[6].width < b[7].width && b[5].width < b[1].width);
	EXPECT_TRUE(abs((int)b[6].width - (int)b[4].width -
			(int)lround((SVG_BAND_MAX - SVG_BAND_MIN) / 25.0)) <=
		    1);
	/* a picture of one VMA: the whole length */
	svg_band_layout(&vmas[1], 8 * MB, &one);
	EXPECT_TRUE(one.width == SVG_BAND_MAX && band_exact(&one));
	svg_band_layout(&vmas[0], 4 * KB, &one);
	EXPECT_TRUE(one.width == SVG_BAND_MAX && band_exact(&one));
	/* counts beyond the size are drawn whole, nothing left over */
	over = vmas[2];
	over.bytes.base = 4 * MB;
	over.bytes.rss = over.bytes.base + over.bytes.thp_pte;
	svg_band_layout(&over, largest, &one);
	EXPECT_TRUE(one.total == 5 * MB + 512 * KB && !one.bytes[SVG_NONE] &&
		    band_exact(&one));
	/* an empty VMA record draws nothing and divides by nothing */
	memset(&over, 0, sizeof(over));
	svg_band_layout(&over, largest, &one);
	EXPECT_TRUE(one.total == 0 && one.width == SVG_BAND_MIN &&
		    one.w[0] == 0);
	/* eight distinct colours, each with a name */
	for (k = 0; k < SVG_NR_KINDS; k++) {
		unsigned int j;

		EXPECT_TRUE(svg_kind_name(k) && strlen(svg_kind_color(k)) == 7);
		for (j = 0; j < k; j++)
			EXPECT_TRUE(
				strcmp(svg_kind_color(j), svg_kind_color(k)));
	}
	EXPECT_TRUE(!svg_kind_color(SVG_NR_KINDS) &&
		    !svg_kind_name(SVG_NR_KINDS));
}

/* The picture of r, NULL if it could not be kept. */
static char *svg_of(struct __test_metadata *_metadata,
		    const struct vmi_huge_result *r)
{
	struct svg_view sv = { .pid = 42, .r = r };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	EXPECT_TRUE(maps_svg_print(&sv, f) == 0);
	fclose(f);
	return buf;
}

static size_t count(const char *s, const char *what)
{
	size_t n = 0;

	while ((s = strstr(s, what))) {
		n++;
		s += strlen(what);
	}
	return n;
}

TEST(picture)
{
	struct vmi_huge_result empty = { 0 };
	char *a, *b;
	const char *p;

	sample();
	a = svg_of(_metadata, &res);
	b = svg_of(_metadata, &res);
	EXPECT_TRUE(a && b);
	if (!a || !b)
		goto out;
	EXPECT_TRUE(!strcmp(a, b)); /* deterministic */
	EXPECT_TRUE(
		!strncmp(a, "<?xml version=\"1.0\" encoding=\"UTF-8\"", 36));
	EXPECT_TRUE(strstr(a, "version=\"1.1\"") && strstr(a, "</svg>\n"));
	/* nothing external: no link, no image, no style sheet, no DTD */
	EXPECT_TRUE(!strstr(a, "href") && !strstr(a, "<image") &&
		    !strstr(a, "<!DOCTYPE") && !strstr(a, "url("));
	EXPECT_TRUE(count(a, "class=\"vma\"") == ARRAY_SIZE(vmas));
	EXPECT_TRUE(count(a, "<g id=\"vma-0x") == ARRAY_SIZE(vmas));
	/* one segment per kind with bytes, legend swatches apart */
	EXPECT_TRUE(count(a, "<rect class=\"k") == 16);
	EXPECT_NE(NULL,
		  strstr(a,
			 "<rect class=\"k4\" x=\"176.000\" y=\"232\" width=\""));
	/* escaped markup; U+FFFD for the control and the invalid byte */
	EXPECT_NE(NULL,
		  strstr(a, "/tmp/a&amp;b&lt;c&gt;&quot;d&apos;"
			    "\xef\xbf\xbd\xef\xbf\xbd \xc3\xa9t\xc3\xa9"));
	EXPECT_TRUE(!strstr(a, "\x01") && !strstr(a, "\xff") &&
		    !strstr(a, "b<c"));
	/* the right-hand label is cut at 32 characters, the title is not */
	EXPECT_NE(NULL,
		  strstr(a,
			 "r--p /tmp/a&amp;b&lt;c&gt;&quot;d&apos;"
			 "\xef\xbf\xbd\xef\xbf\xbd \xc3\xa9t\xc3\xa9 a very lon"
			 "\xe2\x80\xa6: 4K 16K</text>"));
	EXPECT_NE(NULL,
		  strstr(a, "a very long name indeed.so: 4K 16384, THP 0,"));
	/* the legend: totals by kind and the TLB entries */
	EXPECT_NE(NULL, strstr(a, ">4K pages: 1.5M (1593344 bytes)</text>"));
	EXPECT_NE(NULL, strstr(a, ">hugetlb 1G: 1G (1073741824 bytes)</text>"));
	EXPECT_NE(NULL, strstr(a, ">TLB entries: 660 now, 23 at best"));
	p = strstr(a, "<g id=\"legend\">");
	EXPECT_TRUE(p && count(p, "<rect x=") == SVG_NR_KINDS);
	free(a);
	a = svg_of(_metadata, &empty);
	EXPECT_TRUE(a && strstr(a, ">no VMAs</text>") && strstr(a, "</svg>\n"));
out:
	free(a);
	free(b);
}

static int render_svg(const char *what)
{
	struct svg_view sv = { .pid = 42, .r = &res };
	struct huge_view hv;

	sample();
	if (!strcmp(what, "svg"))
		return maps_svg_print(&sv, stdout);
	if (!strcmp(what, "svg-json")) {
		memset(&hv, 0, sizeof(hv));
		hv.pid = 42;
		hv.r = &res;
		return huge_print_json(&hv, stdout);
	}
	return -1;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--render"))
		return render_svg(argv[2]) ? 1 : 0;
	return test_harness_run(argc, argv);
}
