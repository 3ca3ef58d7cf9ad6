// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libvminspect - why a 2 MiB block is not huge, and what MADV_COLLAPSE and
 * khugepaged would do with it: the policy side of VMI_IOC_HUGE_BLOCKS.
 *
 * The module reports a block's facts; the rules here follow the kernel's
 * own collapse code (mm/khugepaged.c: hpage_collapse_scan_pmd(),
 * madvise_collapse(), thp_vma_allowable_order()) with the policy read
 * from sysfs and /proc.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vminspect.h"

#define ARRAY_SIZE(a)		 (sizeof(a) / sizeof((a)[0]))
#define VMI_VAL_NAME(val, name)	 [val] = name,
#define VMI_BIT_NAME(mask, name) VMI_VAL_NAME(__builtin_ctzll(mask), name)

#define PTES_PER_BLOCK 512 /* 4 KiB pages of a 2 MiB block */

static const char *const verdict_names[] = VMI_HBV_NAMES;
static const char *const block_flag_names[] = VMI_HB_NAMES;

const char *vmi_huge_block_verdict_name(unsigned int verdict)
{
	return verdict < ARRAY_SIZE(verdict_names) ? verdict_names[verdict] :
						     NULL;
}

const char *vmi_huge_block_flag_name(unsigned int bit)
{
	return bit < ARRAY_SIZE(block_flag_names) ? block_flag_names[bit] :
						    NULL;
}

/*
 * Free 2 MiB blocks a huge page can be taken from: every zone but DMA,
 * whose lowmem_reserve keeps user allocations out of it.
 */
static int64_t thp_free_2m(const char *root)
{
	struct vmi_huge_node *nodes;
	struct vmi_huge_sys sys;
	size_t max = 64, i, z;
	int64_t n = 0;

	nodes = calloc(max, sizeof(*nodes));
	if (!nodes)
		return -1;
	if (vmi_huge_sys_read(root, &sys, nodes, max) || sys.nr_nodes > max) {
		free(nodes);
		return -1;
	}
	for (i = 0; i < sys.nr_nodes; i++)
		for (z = 0; z < nodes[i].nr_zones; z++) {
			const struct vmi_huge_zone *hz = &nodes[i].zones[z];

			if (strcmp(hz->name, "DMA"))
				n += (int64_t)vmi_huge_zone_free_2m(hz);
		}
	free(nodes);
	return n;
}

int vmi_block_policy_read(const char *root, struct vmi_block_policy *p,
			  struct vmi_thp_policy *thp)
{
	char dir[4096];
	int ret;

	if (!p || !thp)
		return -EINVAL;
	if (root && *root)
		snprintf(dir, sizeof(dir),
			 "%s/sys/kernel/mm/transparent_hugepage", root);
	ret = vmi_thp_policy_read(root && *root ? dir : NULL, thp);
	p->thp = ret ? NULL : thp;
	p->free_2m = thp_free_2m(root);
	return ret;
}

/* A khugepaged knob, or -1 when it is unknown. */
static int64_t knob(const struct vmi_block_policy *p, size_t off)
{
	if (!p->thp || !p->thp->present)
		return -1;
	return *(const int64_t *)((const char *)p->thp + off);
}

#define KNOB(p, name) knob(p, offsetof(struct vmi_thp_policy, name))

static bool is_anon(const struct vmi_huge_block *b)
{
	return b->flags & VMI_HB_ANON;
}

/* prctl(PR_SET_THP_DISABLE): for khugepaged, or for every collapse */
static bool prctl_off(const struct vmi_block_policy *p,
		      const struct vmi_huge_block *b, bool khugepaged)
{
	if (p->mm_flags & VMI_HM_THP_DISABLED)
		return true;
	/* 6.18's "except advised": MADV_COLLAPSE is advice of its own */
	return khugepaged && (p->mm_flags & VMI_HM_THP_ADVISED_ONLY) &&
	       !(b->vma_flags & VMI_VMA_HUGEPAGE);
}

/* Does the sysfs policy keep khugepaged away from the block? */
static bool policy_off(const struct vmi_block_policy *p,
		       const struct vmi_huge_block *b)
{
	bool advised = b->vma_flags & VMI_VMA_HUGEPAGE;
	const char *e;

	if (!p->thp || !p->thp->present)
		return false;
	if (is_anon(b)) {
		e = vmi_thp_pmd_enabled(p->thp);
		return !strcmp(e, "never") ||
		       (!strcmp(e, "madvise") && !advised);
	}
	if (b->flags & VMI_HB_SHMEM) {
		e = vmi_thp_pmd_shmem_enabled(p->thp);
		return !strcmp(e, "never") || !strcmp(e, "deny") ||
		       (!strcmp(e, "advise") && !advised);
	}
	return false;
}

/* Entries that stop either collapse: pins, uffd-wp, migration... */
static bool blocked(const struct vmi_huge_block *b)
{
	return b->pinned || (b->flags & VMI_HB_DMA_PINNED) || b->uffd_wp ||
	       b->other || ((b->flags & VMI_HB_UFFD_ARMED) && b->none);
}

/* No writable PTE, where the kernel refuses that (SCAN_PAGE_RO). */
static bool read_only(const struct vmi_block_policy *p,
		      const struct vmi_huge_block *b)
{
	return (p->kflags & VMI_HBK_NEEDS_WRITE) && !(b->flags & VMI_HB_WRITE);
}

/* Would MADV_COLLAPSE of the block succeed now? */
static bool madv_ok(const struct vmi_block_policy *p,
		    const struct vmi_huge_block *b)
{
	if (b->flags & VMI_HB_PMD_MAPPED)
		return true;
	if (b->flags & (VMI_HB_HUGETLB | VMI_HB_PARTIAL | VMI_HB_FILE |
			VMI_HB_SPECIAL) ||
	    (b->vma_flags & VMI_VMA_NOHUGEPAGE) || prctl_off(p, b, false))
		return false;
	if (blocked(b) || p->free_2m == 0)
		return false;
	if (is_anon(b))
		return b->present && !read_only(p, b);
	if (b->flags & VMI_HB_SHMEM)
		return b->present + b->swap > 0 &&
		       strcmp(vmi_thp_pmd_shmem_enabled(p->thp), "deny");
	return false;
}

/* Would khugepaged collapse it at its next visit? */
static bool khugepaged_ok(const struct vmi_block_policy *p,
			  const struct vmi_huge_block *b)
{
	int64_t none = KNOB(p, max_ptes_none), swap = KNOB(p, max_ptes_swap);
	int64_t shared = KNOB(p, max_ptes_shared);

	if (b->flags & VMI_HB_PMD_MAPPED)
		return true;
	if (!madv_ok(p, b) || prctl_off(p, b, true) || policy_off(p, b) ||
	    !(p->mm_flags & VMI_HM_KHUGEPAGED))
		return false;
	if ((none >= 0 && b->none > none) || (swap >= 0 && b->swap > swap))
		return false;
	if (!is_anon(b))
		return true;
	if (shared >= 0 && b->shared > shared)
		return false;
	/* enough young pages: SCAN_LACK_REFERENCED_PAGE otherwise */
	return b->young && (!b->swap || b->young >= PTES_PER_BLOCK / 2);
}

/* The first verdict of the list that matches, before the predictions. */
static unsigned int first_match(const struct vmi_block_policy *p,
				const struct vmi_huge_block *b, int64_t *limit)
{
	int64_t none = KNOB(p, max_ptes_none), swap = KNOB(p, max_ptes_swap);
	int64_t shared = KNOB(p, max_ptes_shared);

	*limit = -1;
	if (b->flags & VMI_HB_PMD_MAPPED)
		return VMI_HBV_PMD_MAPPED;
	if (b->flags & VMI_HB_PTE_LARGE)
		return VMI_HBV_PTE_MAPPED_LARGE;
	if (b->flags & VMI_HB_HUGETLB)
		return VMI_HBV_HUGETLB;
	if (b->flags & VMI_HB_PARTIAL)
		return VMI_HBV_PARTIAL_BLOCK;
	if (b->vma_flags & VMI_VMA_NOHUGEPAGE)
		return VMI_HBV_VMA_NOHUGEPAGE;
	if (prctl_off(p, b, true))
		return VMI_HBV_PRCTL_DISABLED;
	if (policy_off(p, b))
		return VMI_HBV_POLICY;
	if (!b->present && !b->swap && !b->uffd_wp && !b->other)
		return VMI_HBV_NOT_PRESENT;
	if (none >= 0 && b->none > none) {
		*limit = PTES_PER_BLOCK - none; /* present pages needed */
		return VMI_HBV_TOO_FEW_PRESENT;
	}
	if (swap >= 0 && b->swap > swap) {
		*limit = swap;
		return VMI_HBV_TOO_MANY_SWAP;
	}
	if (is_anon(b) && shared >= 0 && b->shared > shared) {
		*limit = shared;
		return VMI_HBV_TOO_MANY_SHARED;
	}
	if (b->flags & VMI_HB_KSM)
		return VMI_HBV_KSM;
	if (b->pinned || (b->flags & VMI_HB_DMA_PINNED))
		return VMI_HBV_PINNED;
	if (b->uffd_wp || ((b->flags & VMI_HB_UFFD_ARMED) && b->none))
		return VMI_HBV_UFFD_WP;
	if (is_anon(b) && read_only(p, b))
		return VMI_HBV_READ_ONLY;
	if (b->flags & (VMI_HB_FILE | VMI_HB_SPECIAL))
		return VMI_HBV_FILE_INELIGIBLE;
	if (p->free_2m == 0)
		return VMI_HBV_NO_FREE_2M;
	return VMI_HBV_NR;
}

void vmi_huge_block_verdict(const struct vmi_block_policy *p,
			    const struct vmi_huge_block *b,
			    struct vmi_block_verdict *v)
{
	int64_t scan = KNOB(p, pages_to_scan);
	int64_t sleep = KNOB(p, scan_sleep_millisecs);

	memset(v, 0, sizeof(*v));
	v->madv_collapse = madv_ok(p, b);
	v->khugepaged = khugepaged_ok(p, b);
	v->verdict = first_match(p, b, &v->limit);
	if (v->verdict != VMI_HBV_NR)
		return;
	if (!v->khugepaged) {
		v->verdict = VMI_HBV_COLLAPSIBLE;
		return;
	}
	v->verdict = VMI_HBV_KHUGEPAGED_PENDING;
	/* one pass over the process at pages_to_scan per sleep */
	if (scan > 0 && sleep >= 0)
		v->eta_ms = (p->scan_pages + scan - 1) / scan * sleep;
}

/* Why khugepaged will not take a block MADV_COLLAPSE would. */
static const char *khugepaged_why(const struct vmi_huge_block *b)
{
	if (!b->young)
		return "no young page";
	if (b->swap && b->young < PTES_PER_BLOCK / 2)
		return "fewer than half its pages young, with some swapped";
	return "the process is not registered with khugepaged";
}

char *vmi_huge_block_fix(const struct vmi_block_verdict *v,
			 const struct vmi_huge_block *b, char *buf, size_t len)
{
	long long lim = v->limit;

	if (!buf || !len)
		return buf;
	switch (v->verdict) {
	case VMI_HBV_PMD_MAPPED:
		snprintf(buf, len, "huge already");
		break;
	case VMI_HBV_PTE_MAPPED_LARGE:
		snprintf(buf, len,
			 "a %u KiB folio mapped by PTEs: MADV_COLLAPSE maps it with one PMD",
			 4U << b->order);
		break;
	case VMI_HBV_HUGETLB:
		snprintf(buf, len, "hugetlb: huge by its own page size");
		break;
	case VMI_HBV_PARTIAL_BLOCK:
		snprintf(buf, len,
			 "the VMA covers part of the block: map it 2 MiB-aligned");
		break;
	case VMI_HBV_VMA_NOHUGEPAGE:
		snprintf(buf, len, "MADV_NOHUGEPAGE: madvise(MADV_HUGEPAGE)");
		break;
	case VMI_HBV_PRCTL_DISABLED:
		snprintf(buf, len,
			 "PR_SET_THP_DISABLE: prctl(PR_SET_THP_DISABLE, 0) before exec");
		break;
	case VMI_HBV_POLICY:
		snprintf(buf, len,
			 "THP policy (never, or madvise without MADV_HUGEPAGE): madvise(MADV_HUGEPAGE) or MADV_COLLAPSE");
		break;
	case VMI_HBV_NOT_PRESENT:
		snprintf(buf, len, "nothing mapped: touch it first");
		break;
	case VMI_HBV_TOO_FEW_PRESENT:
		snprintf(buf, len,
			 "%u of 512 present, khugepaged needs %lld: touch more, raise max_ptes_none, or MADV_COLLAPSE",
			 b->present, lim);
		break;
	case VMI_HBV_TOO_MANY_SWAP:
		snprintf(buf, len,
			 "%u swapped out, khugepaged allows %lld: MADV_COLLAPSE swaps in",
			 b->swap, lim);
		break;
	case VMI_HBV_TOO_MANY_SHARED:
		snprintf(buf, len,
			 "%u shared (fork), khugepaged allows %lld: MADV_COLLAPSE copies them",
			 b->shared, lim);
		break;
	case VMI_HBV_KSM:
		snprintf(buf, len, "KSM-merged pages: MADV_UNMERGEABLE");
		break;
	case VMI_HBV_PINNED:
		snprintf(buf, len,
			 "%u pinned (DMA, io_uring, vmsplice): collapse after the pins go",
			 b->pinned);
		break;
	case VMI_HBV_UFFD_WP:
		snprintf(buf, len,
			 "userfaultfd write protection or registration: unregister the range");
		break;
	case VMI_HBV_READ_ONLY:
		snprintf(buf, len,
			 "no writable PTE (read-only, COW after fork): write to it");
		break;
	case VMI_HBV_FILE_INELIGIBLE:
		snprintf(buf, len,
			 "a file or special mapping: use anonymous memory or shmem");
		break;
	case VMI_HBV_NO_FREE_2M:
		snprintf(buf, len,
			 "no free 2 MiB block: echo 1 > /proc/sys/vm/compact_memory");
		break;
	case VMI_HBV_KHUGEPAGED_PENDING:
		snprintf(buf, len,
			 "khugepaged will collapse it, within about %" PRIu64
			 " ms; MADV_COLLAPSE now",
			 (uint64_t)v->eta_ms);
		break;
	case VMI_HBV_COLLAPSIBLE:
		snprintf(buf, len, "MADV_COLLAPSE it (khugepaged will not: %s)",
			 khugepaged_why(b));
		break;
	default:
		snprintf(buf, len, "?");
		break;
	}
	return buf;
}
