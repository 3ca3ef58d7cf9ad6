/* SPDX-License-Identifier: GPL-2.0 */
/*
 * "vminspect maps PID --svg FILE": a picture of an address space, one band
 * per VMA, coloured by what maps each byte (svg.c).
 */
#ifndef _VMINSPECT_SVG_H
#define _VMINSPECT_SVG_H

#include <stdint.h>
#include <stdio.h>

#include "vminspect.h"

/* The kinds of memory a band shows, in legend and band order. */
enum svg_kind {
	SVG_4K,		/* bytes.base */
	SVG_THP_PMD,	/* vmi_huge_thp_pmd() */
	SVG_THP_PTE,	/* bytes.thp_pte */
	SVG_HUGETLB_2M, /* vmi_huge_hugetlb_2m() */
	SVG_HUGETLB_1G, /* vmi_huge_hugetlb_1g() */
	SVG_OTHER, /* rss - base - thp_pmd - thp_pte: e.g. a PUD device page */
	SVG_SWAP,  /* bytes.swap */
	SVG_NONE,  /* the rest: not present, zero page, PFN map */
	SVG_NR_KINDS
};

/* Band geometry, pixels (see svg_band_layout()). */
#define SVG_BAND_MIN  24  /* width of a 4 KiB VMA */
#define SVG_BAND_MAX  560 /* width of the largest VMA */
#define SVG_BAND_H    14  /* height of every band */
#define SVG_BAND_STEP 20  /* from one band's top to the next */

/* One band: its width and each kind's segment, left to right. */
struct svg_band {
	uint64_t bytes[SVG_NR_KINDS]; /* by enum svg_kind */
	uint64_t total;		      /* the band's bytes: their sum */
	unsigned int width;	      /* pixels */
	double x[SVG_NR_KINDS];	      /* segment starts, from the band's left */
	double w[SVG_NR_KINDS];	      /* segment widths */
};

/* The colour ("#rrggbb") and the legend name of a kind; NULL if unknown. */
const char *svg_kind_color(unsigned int kind);
const char *svg_kind_name(unsigned int kind);

/*
 * The band of one VMA.  Its bytes by kind are the VMA's huge-page counts
 * (the figures of "vminspect huge --json"); SVG_NONE is what the others
 * leave of the VMA's size.  The band is SVG_BAND_MIN + (SVG_BAND_MAX -
 * SVG_BAND_MIN) * log2(size / 4K) / log2(largest / 4K) pixels wide, rounded
 * to a whole pixel (largest: the largest VMA of the picture; every band is
 * SVG_BAND_MAX wide when that is 4K), and each kind's segment is
 * width * bytes / total of it: exactly proportional within the band.
 */
void svg_band_layout(const struct vmi_huge_vma *v, uint64_t largest,
		     struct svg_band *b);

/* What the picture shows. */
struct svg_view {
	uint32_t pid;
	const struct vmi_huge_result *r;
};

/* Write the picture (SVG 1.1, no external resources); 0 or -1. */
int maps_svg_print(const struct svg_view *sv, FILE *f);

/*
 * Query process pid (VMI_IOC_HUGE, as "vminspect huge") and write its
 * picture to path ("-": stdout).  Prints errors; returns a CLI_EXIT_* code.
 */
int maps_svg(struct vmi_handle *h, const struct vmi_info *info, uint32_t pid,
	     const char *path);

#endif /* _VMINSPECT_SVG_H */
