// SPDX-License-Identifier: GPL-2.0
/*
 * vminspect maps PID --svg FILE: the address space of a process as a
 * picture.  One horizontal band per VMA, in address order; its length grows
 * with the logarithm of the VMA's size (svg_band_layout()), and within it
 * each kind of memory (4K pages, THP mapped by PMDs, large folios mapped by
 * PTEs, hugetlb 2M and 1G, other resident pages, swap, the rest) takes a
 * segment exactly proportional to its bytes.  The bytes are those of
 * VMI_IOC_HUGE through vmi_huge_all(), the query behind "vminspect huge
 * --json".  Labels on the left (start, size) and right (perms, name, the
 * kinds present), a legend with each kind's total and the TLB entries the
 * process needs now and at best.
 *
 * The output is SVG 1.1 without external resources (no DTD, font or
 * image): fill colours as attributes, generic font family "monospace",
 * every text escaped for XML (invalid UTF-8 and control characters become
 * U+FFFD).  The bands are drawn with shape-rendering="crispEdges", so that
 * a renderer paints each of their pixels in one kind's colour.  The file
 * depends on the records alone: the same records give the same file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "svg.h"

#define PAGE_4K 4096ULL

/* the layout, pixels; the bands' own constants are in svg.h */
#define PIC_W	    1200
#define MARGIN	    12
#define ADDR_RIGHT  120 /* start addresses end here */
#define SIZE_RIGHT  168 /* sizes end here */
#define BAND_LEFT   176
#define DESC_LEFT   (BAND_LEFT + SVG_BAND_MAX + 12)
#define NAME_CHARS  32 /* a longer VMA name is cut, with an ellipsis */
#define LEGEND_TOP  76 /* baseline of the first legend row */
#define LEGEND_STEP 18
#define LEGEND_COLW 400
#define LEGEND_ROWS ((SVG_NR_KINDS + 1) / 2)
#define BANDS_TOP   (LEGEND_TOP + LEGEND_ROWS * LEGEND_STEP + 4)

static const struct {
	const char *color, *name, *short_name;
} kinds[SVG_NR_KINDS] = {
	[SVG_4K] = { "#4e79a7", "4K pages", "4K" },
	[SVG_THP_PMD] = { "#59a14f", "THP mapped by PMDs", "THP" },
	[SVG_THP_PTE] = { "#edc948", "large folios mapped by PTEs", "PTE-THP" },
	[SVG_HUGETLB_2M] = { "#b07aa1", "hugetlb 2M", "HTLB-2M" },
	[SVG_HUGETLB_1G] = { "#e15759", "hugetlb 1G", "HTLB-1G" },
	[SVG_OTHER] = { "#9c755f", "other resident pages", "other" },
	[SVG_SWAP] = { "#f28e2b", "swap", "swap" },
	[SVG_NONE] = { "#d9d9d9", "not present, zero page or PFN map", "none" },
};

const char *svg_kind_color(unsigned int kind)
{
	return kind < SVG_NR_KINDS ? kinds[kind].color : NULL;
}

const char *svg_kind_name(unsigned int kind)
{
	return kind < SVG_NR_KINDS ? kinds[kind].name : NULL;
}

/* The bytes of b by enum svg_kind, SVG_NONE being what they leave of size. */
static void kind_bytes(const struct vmi_huge_bytes *b, uint64_t size,
		       uint64_t *out, uint64_t *total)
{
	uint64_t pmd = vmi_huge_thp_pmd(b), counted = 0, small;
	unsigned int k;

	small = b->base + pmd + b->thp_pte;
	out[SVG_4K] = b->base;
	out[SVG_THP_PMD] = pmd;
	out[SVG_THP_PTE] = b->thp_pte;
	out[SVG_HUGETLB_2M] = vmi_huge_hugetlb_2m(b);
	out[SVG_HUGETLB_1G] = vmi_huge_hugetlb_1g(b);
	out[SVG_OTHER] = b->rss > small ? b->rss - small : 0;
	out[SVG_SWAP] = b->swap;
	for (k = 0; k < SVG_NONE; k++)
		counted += out[k];
	/* counts beyond the size would be the module's error: still drawn */
	*total = counted > size ? counted : size;
	out[SVG_NONE] = *total - counted;
}

void svg_band_layout(const struct vmi_huge_vma *v, uint64_t largest,
		     struct svg_band *b)
{
	uint64_t size = v->end > v->start ? v->end - v->start : 0, cum = 0;
	double lmax, l;
	unsigned int k;

	memset(b, 0, sizeof(*b));
	kind_bytes(&v->bytes, size, b->bytes, &b->total);
	lmax = largest > PAGE_4K ? log2((double)largest / PAGE_4K) : 0;
	l = size > PAGE_4K ? log2((double)size / PAGE_4K) : 0;
	if (lmax <= 0)
		b->width = SVG_BAND_MAX;
	else
		b->width = (unsigned int)lround(
			SVG_BAND_MIN + (SVG_BAND_MAX - SVG_BAND_MIN) *
					       (l < lmax ? l : lmax) / lmax);
	for (k = 0; k < SVG_NR_KINDS; k++) {
		b->x[k] = b->total ? (double)b->width * cum / b->total : 0;
		cum += b->bytes[k];
		b->w[k] = b->total ? (double)b->width * b->bytes[k] / b->total :
				     0;
	}
}

/* ---- XML text ---- */

/*
 * The length of the valid UTF-8 sequence at s (of at most n bytes) that
 * XML 1.0 allows in text, 0 when there is none.
 */
static size_t utf8_char(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len, i;

	if (s[0] < 0x80)
		return s[0] >= 0x20 && s[0] != 0x7f ? 1 : 0;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong, surrogate, beyond U+10FFFF, U+FFFE/U+FFFF, C1 controls */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff || cp == 0xfffe ||
	    cp == 0xffff || (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return len;
}

/*
 * s as XML character data (and attribute value): & < > " ' escaped, what
 * XML cannot hold as U+FFFD; at most max characters, the last of them an
 * ellipsis when s is longer (0: no limit).
 */
static void xml_text(FILE *f, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t left = strlen(s), chars = 0, len, total = 0, i;

	/* count the characters first: an invalid byte counts as one */
	for (i = 0; i < left; total++) {
		len = utf8_char(p + i, left - i);
		i += len ? len : 1;
	}
	while (left) {
		if (max && total > max && chars == max - 1) {
			fputs("\xe2\x80\xa6", f); /* U+2026 */
			return;
		}
		len = utf8_char(p, left);
		if (!len) {
			fputs("\xef\xbf\xbd", f); /* U+FFFD */
			len = 1;
		} else if (*p == '&') {
			fputs("&amp;", f);
		} else if (*p == '<') {
			fputs("&lt;", f);
		} else if (*p == '>') {
			fputs("&gt;", f);
		} else if (*p == '"') {
			fputs("&quot;", f);
		} else if (*p == '\'') {
			fputs("&apos;", f);
		} else {
			fwrite(p, 1, len, f);
		}
		p += len;
		left -= len;
		chars++;
	}
}

static const char *sz(uint64_t b, char *buf)
{
	return fmt_size(b, buf, FMT_SIZE_LEN);
}

static const char *vma_name(const struct vmi_huge_vma *v)
{
	if (v->name[0])
		return v->name;
	return v->vma_flags & VMI_VMA_ANON ? "[anon]" : "";
}

/* ---- the picture ---- */

static void print_legend(const struct vmi_huge_result *r, FILE *f)
{
	uint64_t size = 0, b[SVG_NR_KINDS], total;
	char buf[FMT_SIZE_LEN];
	unsigned int k, x, y;
	size_t i;

	for (i = 0; i < r->nr_vmas; i++)
		size += r->vmas[i].end - r->vmas[i].start;
	kind_bytes(&r->total, size, b, &total);
	fputs("<g id=\"legend\">\n", f);
	for (k = 0; k < SVG_NR_KINDS; k++) {
		x = MARGIN + (k / LEGEND_ROWS) * LEGEND_COLW;
		y = LEGEND_TOP + (k % LEGEND_ROWS) * LEGEND_STEP;
		fprintf(f,
			"<rect x=\"%u\" y=\"%u\" width=\"12\" height=\"12\" "
			"fill=\"%s\" stroke=\"#000000\" stroke-width=\"0.5\"/>\n",
			x, y - 10, kinds[k].color);
		fprintf(f,
			"<text x=\"%u\" y=\"%u\">%s: %s (%" PRIu64
			" bytes)</text>\n",
			x + 18, y, kinds[k].name, sz(b[k], buf), b[k]);
	}
	fputs("</g>\n", f);
}

static void print_band(const struct vmi_huge_vma *v, uint64_t largest,
		       unsigned int top, FILE *f)
{
	char buf[FMT_SIZE_LEN], perms[VMI_PERMS_LEN];
	unsigned int k, base = top + SVG_BAND_H - 3;
	struct svg_band b;
	const char *sep = ": ";

	svg_band_layout(v, largest, &b);
	vmi_vma_perms(v->vma_flags, perms);
	fprintf(f, "<g id=\"vma-0x%" PRIx64 "\" class=\"vma\">\n<title>",
		(uint64_t)v->start);
	fprintf(f, "0x%" PRIx64 "-0x%" PRIx64 " %s ", (uint64_t)v->start,
		(uint64_t)v->end, perms);
	xml_text(f, vma_name(v), 0);
	for (k = 0; k < SVG_NR_KINDS; k++)
		fprintf(f, "%s%s %" PRIu64, k ? ", " : ": ",
			kinds[k].short_name, b.bytes[k]);
	fprintf(f,
		"; TLB entries %" PRIu64 " now, %" PRIu64 " at best</title>\n",
		(uint64_t)v->bytes.tlb_now, (uint64_t)v->bytes.tlb_best);
	fprintf(f,
		"<text x=\"%u\" y=\"%u\" text-anchor=\"end\">0x%" PRIx64
		"</text>\n",
		ADDR_RIGHT, base, (uint64_t)v->start);
	fprintf(f, "<text x=\"%u\" y=\"%u\" text-anchor=\"end\">%s</text>\n",
		SIZE_RIGHT, base, sz(v->end - v->start, buf));
	for (k = 0; k < SVG_NR_KINDS; k++) {
		if (!b.bytes[k])
			continue;
		fprintf(f,
			"<rect class=\"k%u\" x=\"%.3f\" y=\"%u\" width=\"%.3f\" "
			"height=\"%u\" fill=\"%s\"/>\n",
			k, BAND_LEFT + b.x[k], top, b.w[k], SVG_BAND_H,
			kinds[k].color);
	}
	fprintf(f, "<text x=\"%u\" y=\"%u\">%s ", DESC_LEFT, base, perms);
	xml_text(f, vma_name(v), NAME_CHARS);
	for (k = 0; k < SVG_NONE; k++) {
		if (!b.bytes[k])
			continue;
		fprintf(f, "%s%s %s", sep, kinds[k].short_name,
			sz(b.bytes[k], buf));
		sep = ", ";
	}
	fputs("</text>\n</g>\n", f);
}

int maps_svg_print(const struct svg_view *sv, FILE *f)
{
	const struct vmi_huge_result *r = sv->r;
	char a[FMT_SIZE_LEN], b[FMT_SIZE_LEN], c[FMT_SIZE_LEN];
	uint64_t largest = 0, virt = 0;
	unsigned int height;
	size_t i;

	for (i = 0; i < r->nr_vmas; i++) {
		uint64_t s = r->vmas[i].end - r->vmas[i].start;

		virt += s;
		if (s > largest)
			largest = s;
	}
	height = BANDS_TOP + (r->nr_vmas ? r->nr_vmas : 1) * SVG_BAND_STEP +
		 MARGIN;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n",
	      f);
	fprintf(f,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
		"width=\"%u\" height=\"%u\" viewBox=\"0 0 %u %u\" "
		"font-family=\"monospace\" font-size=\"12\">\n",
		PIC_W, height, PIC_W, height);
	fprintf(f, "<title>vminspect maps %u</title>\n", sv->pid);
	fprintf(f,
		"<rect x=\"0\" y=\"0\" width=\"%u\" height=\"%u\" "
		"fill=\"#ffffff\"/>\n",
		PIC_W, height);
	fprintf(f,
		"<text x=\"%u\" y=\"22\" font-size=\"14\" font-weight=\"bold\">"
		"process %u: %zu VMA%s, %s virtual, rss %s, swap %s</text>\n",
		MARGIN, sv->pid, r->nr_vmas, r->nr_vmas == 1 ? "" : "s",
		sz(virt, a), sz(r->total.rss, b), sz(r->total.swap, c));
	fprintf(f,
		"<text x=\"%u\" y=\"40\">TLB entries: %" PRIu64 " now, %" PRIu64
		" at best (every eligible 2 MiB block one huge page)</text>\n",
		MARGIN, (uint64_t)r->total.tlb_now,
		(uint64_t)r->total.tlb_best);
	fprintf(f,
		"<text x=\"%u\" y=\"58\">band length: %u px for 4K to %u px "
		"for %s, by log2 of the size; a colour's share of a band is "
		"its share of the VMA's bytes</text>\n",
		MARGIN, SVG_BAND_MIN, SVG_BAND_MAX, sz(largest, a));
	print_legend(r, f);
	fputs("<g id=\"vmas\" shape-rendering=\"crispEdges\">\n", f);
	for (i = 0; i < r->nr_vmas; i++)
		print_band(&r->vmas[i], largest,
			   BANDS_TOP + (unsigned int)i * SVG_BAND_STEP, f);
	fputs("</g>\n", f);
	if (!r->nr_vmas)
		fprintf(f, "<text x=\"%u\" y=\"%u\">no VMAs</text>\n",
			BAND_LEFT, BANDS_TOP + SVG_BAND_H - 3);
	fputs("</svg>\n", f);
	return ferror(f) ? -1 : 0;
}

int maps_svg(struct vmi_handle *h, const struct vmi_info *info, uint32_t pid,
	     const char *path)
{
	struct vmi_huge_result r;
	struct svg_view sv;
	bool out = !strcmp(path, "-");
	FILE *f;
	int err;

	if (!(info->features & VMI_FEAT_HUGE)) {
		cli_err("the loaded kernel module has no huge-page accounting");
		return CLI_EXIT_UNSUPPORTED;
	}
	err = vmi_huge_all(h, pid, &r);
	if (err)
		return cli_query_fail(err, pid, "maps");
	f = out ? stdout : fopen(path, "we");
	if (!f) {
		err = errno;
		vmi_huge_result_free(&r);
		cli_err("%s: %s", path, strerror(err));
		return CLI_EXIT_RUNTIME;
	}
	sv.pid = cli_real_pid(pid);
	sv.r = &r;
	err = maps_svg_print(&sv, f);
	if (out ? fflush(f) : fclose(f))
		err = -1;
	vmi_huge_result_free(&r);
	if (err) {
		cli_err("%s: write error", out ? "stdout" : path);
		return CLI_EXIT_RUNTIME;
	}
	return CLI_EXIT_OK;
}
