// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libvminspect - huge pages system-wide, from the files the kernel
 * publishes them in: hugetlb pools from sysfs (global and per node), THP
 * bytes from /proc/meminfo, event counters from /proc/vmstat, free blocks
 * from /proc/buddyinfo and managed pages from /proc/zoneinfo.  Nothing here
 * talks to the kernel module.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "vminspect.h"

#define SZ_2M	    (2ULL << 20)
#define HTLB_DIR    "/sys/kernel/mm/hugepages"
#define NODE_DIR    "/sys/devices/system/node"
#define MAX_NODE_ID 65535

static const char *const event_names[VMI_EV_NR] = {
	[VMI_EV_THP_FAULT_ALLOC] = "thp_fault_alloc",
	[VMI_EV_THP_FAULT_FALLBACK] = "thp_fault_fallback",
	[VMI_EV_THP_COLLAPSE_ALLOC] = "thp_collapse_alloc",
	[VMI_EV_THP_COLLAPSE_ALLOC_FAILED] = "thp_collapse_alloc_failed",
	[VMI_EV_THP_FILE_ALLOC] = "thp_file_alloc",
	[VMI_EV_THP_FILE_MAPPED] = "thp_file_mapped",
	[VMI_EV_THP_SPLIT_PAGE] = "thp_split_page",
	[VMI_EV_THP_SPLIT_PAGE_FAILED] = "thp_split_page_failed",
	[VMI_EV_THP_DEFERRED_SPLIT_PAGE] = "thp_deferred_split_page",
	[VMI_EV_THP_SPLIT_PMD] = "thp_split_pmd",
	[VMI_EV_THP_ZERO_PAGE_ALLOC] = "thp_zero_page_alloc",
	[VMI_EV_THP_SWPOUT] = "thp_swpout",
	[VMI_EV_HTLB_BUDDY_ALLOC] = "htlb_buddy_alloc_success",
	[VMI_EV_HTLB_BUDDY_ALLOC_FAIL] = "htlb_buddy_alloc_fail",
	[VMI_EV_COMPACT_STALL] = "compact_stall",
};

const char *vmi_huge_event_name(unsigned int ev)
{
	return ev < VMI_EV_NR ? event_names[ev] : NULL;
}

/* root + the formatted path; false when it does not fit */
static bool path_of(char *buf, size_t len, const char *root, const char *fmt,
		    ...)
{
	size_t n = strlen(root);
	va_list ap;
	int m;

	if (n >= len)
		return false;
	memcpy(buf, root, n);
	va_start(ap, fmt);
	m = vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
	return m >= 0 && (size_t)m < len - n;
}

/* root + path opened for reading; NULL with errno set on failure */
static FILE *open_at(const char *root, const char *path)
{
	char buf[PATH_MAX];

	if (!path_of(buf, sizeof(buf), root, "%s", path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	return fopen(buf, "re");
}

/* A file holding one unsigned number (sysfs); 0 or -errno/-VMI_EFORMAT. */
static int read_u64(const char *path, uint64_t *v)
{
	char line[64], *end;
	unsigned long long x;
	FILE *f;
	int ret = 0;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (!fgets(line, sizeof(line), f)) {
		ret = ferror(f) ? -EIO : -VMI_EFORMAT;
	} else {
		errno = 0;
		x = strtoull(line, &end, 10);
		if (errno || end == line || line[0] == '-' ||
		    (*end && *end != '\n'))
			ret = -VMI_EFORMAT;
		else
			*v = x;
	}
	fclose(f);
	return ret;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The page sizes of the hugetlb pools, smallest first; 0 when none. */
static int pool_sizes(const char *root, struct vmi_huge_sys *out)
{
	uint64_t sizes[64];
	unsigned int n = 0, i;
	unsigned long long kb;
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (!path_of(path, sizeof(path), root, HTLB_DIR))
		return -ENAMETOOLONG;
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)) && n < sizeof(sizes) / sizeof(sizes[0])) {
		int end = 0;

		if (sscanf(de->d_name, "hugepages-%llukB%n", &kb, &end) == 1 &&
		    end && !de->d_name[end] && kb)
			sizes[n++] = (uint64_t)kb << 10;
	}
	closedir(d);
	qsort(sizes, n, sizeof(sizes[0]), cmp_u64);
	for (i = 0; i < n && i < VMI_HUGE_POOLS; i++)
		out->pools[i].page_size = sizes[i];
	out->nr_pools = i;
	return 0;
}

static int read_pools(const char *root, struct vmi_huge_sys *out)
{
	static const char *const files[] = { "nr_hugepages", "free_hugepages",
					     "resv_hugepages",
					     "surplus_hugepages" };
	char path[PATH_MAX];
	unsigned int i, k;
	int ret;

	for (i = 0; i < out->nr_pools; i++) {
		struct vmi_hugetlb_pool *p = &out->pools[i];
		uint64_t *dst[] = { &p->total, &p->free, &p->reserved,
				    &p->surplus };

		for (k = 0; k < 4; k++) {
			if (!path_of(path, sizeof(path), root,
				     HTLB_DIR "/hugepages-%llukB/%s",
				     (unsigned long long)(p->page_size >> 10),
				     files[k]))
				return -ENAMETOOLONG;
			ret = read_u64(path, dst[k]);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* Per node: total, free and surplus pages of each pool (0 where absent). */
static int read_node_pools(const char *root, const struct vmi_huge_sys *s,
			   struct vmi_huge_node *n)
{
	static const char *const files[] = { "nr_hugepages", "free_hugepages",
					     "surplus_hugepages" };
	char path[PATH_MAX];
	unsigned int i, k;
	int ret;

	for (i = 0; i < s->nr_pools; i++) {
		uint64_t *dst[] = { &n->pool_total[i], &n->pool_free[i],
				    &n->pool_surplus[i] };

		for (k = 0; k < 3; k++) {
			if (!path_of(path, sizeof(path), root,
				     NODE_DIR "/node%u/hugepages/"
					      "hugepages-%llukB/%s",
				     n->node,
				     (unsigned long long)(s->pools[i]
								  .page_size >>
							  10),
				     files[k]))
				return -ENAMETOOLONG;
			ret = read_u64(path, dst[k]);
			/* a node without memory has no pools */
			if (ret && ret != -ENOENT)
				return ret;
		}
	}
	return 0;
}

/*
 * The online nodes ("0-3,5" in /sys/devices/system/node/online), the
 * first @max into @ids; their number, or -errno/-VMI_EFORMAT.  A kernel
 * without NUMA has no such file: one node, 0 (*@numa false).
 */
static int online_nodes(const char *root, uint32_t *ids, size_t max, bool *numa)
{
	char line[4096], *p, *end;
	unsigned long a, b;
	int n = 0;
	FILE *f;

	*numa = false;
	f = open_at(root, NODE_DIR "/online");
	if (!f) {
		if (errno != ENOENT)
			return -errno;
		if (max)
			ids[0] = 0;
		return 1;
	}
	p = fgets(line, sizeof(line), f);
	fclose(f);
	if (!p)
		return -VMI_EFORMAT;
	*numa = true;
	line[strcspn(line, "\n")] = '\0';
	while (*p) {
		errno = 0;
		a = strtoul(p, &end, 10);
		if (errno || end == p || a > MAX_NODE_ID)
			return -VMI_EFORMAT;
		b = a;
		p = end;
		if (*p == '-') {
			b = strtoul(++p, &end, 10);
			if (errno || end == p || b < a || b > MAX_NODE_ID)
				return -VMI_EFORMAT;
			p = end;
		}
		for (; a <= b; a++, n++)
			if ((size_t)n < max)
				ids[n] = (uint32_t)a;
		if (*p == ',')
			p++;
		else if (*p)
			return -VMI_EFORMAT;
	}
	return n ? n : -VMI_EFORMAT;
}

static struct vmi_huge_node *node_of(struct vmi_huge_node *nodes, size_t n,
				     unsigned int id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (nodes[i].node == id)
			return &nodes[i];
	return NULL;
}

/* The block size of an order, in 2 MiB units (0 below 2 MiB). */
static uint64_t order_2m(unsigned int order)
{
	uint64_t bytes = (uint64_t)sysconf(_SC_PAGESIZE) << order;

	return bytes >= SZ_2M ? bytes / SZ_2M : 0;
}

uint64_t vmi_huge_zone_free_2m(const struct vmi_huge_zone *z)
{
	uint64_t n = 0;
	unsigned int o;

	for (o = 9; o < VMI_THP_ORDERS; o++)
		n += z->free[o] << (o - 9);
	return n;
}

/*
 * "Node 0, zone   Normal   8321   5462 ..." lines: the free blocks of
 * every populated zone, per order; every node adds to free_2m, the first
 * @max get their zones.
 */
static int read_buddyinfo(const char *root, struct vmi_huge_sys *s,
			  struct vmi_huge_node *nodes, size_t max)
{
	unsigned int id, order;
	char line[1024];
	int ret = 0, off;
	FILE *f;

	f = open_at(root, "/proc/buddyinfo");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		struct vmi_huge_node *n;
		struct vmi_huge_zone *z = NULL;
		char zone[16], *p, *end;

		if (sscanf(line, "Node %u, zone %15s%n", &id, zone, &off) !=
		    2) {
			ret = -VMI_EFORMAT;
			break;
		}
		n = node_of(nodes, max, id);
		if (n && n->nr_zones < VMI_HUGE_ZONES) {
			z = &n->zones[n->nr_zones++];
			memcpy(z->name, zone, sizeof(z->name));
		}
		p = line + off;
		for (order = 0;; order++) {
			unsigned long long v;

			errno = 0;
			v = strtoull(p, &end, 10);
			if (end == p)
				break;
			if (errno || order >= VMI_THP_ORDERS) {
				ret = -VMI_EFORMAT;
				break;
			}
			p = end;
			if (z)
				z->free[order] = v;
			s->free_2m += v * order_2m(order);
		}
		if (ret)
			break;
		if (*(p + strspn(p, " \t\n"))) {
			ret = -VMI_EFORMAT;
			break;
		}
	}
	if (!ret && ferror(f))
		ret = -EIO;
	fclose(f);
	return ret;
}

/* The "managed" pages of each zone that buddyinfo listed; best effort. */
static void read_zoneinfo(const char *root, struct vmi_huge_node *nodes,
			  size_t max)
{
	struct vmi_huge_zone *z = NULL;
	char line[512], zone[16];
	unsigned long long v;
	unsigned int id, i;
	FILE *f;

	f = open_at(root, "/proc/zoneinfo");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		struct vmi_huge_node *n;

		if (sscanf(line, "Node %u, zone %15s", &id, zone) == 2) {
			z = NULL;
			n = node_of(nodes, max, id);
			for (i = 0; n && i < n->nr_zones; i++)
				if (!strcmp(n->zones[i].name, zone))
					z = &n->zones[i];
		} else if (z && sscanf(line, " managed %llu", &v) == 1) {
			z->managed = v;
			z = NULL;
		}
	}
	fclose(f);
}

int lib_read_named(const char *root, const char *path, const char *fmt,
		   const char *const *names, uint64_t *const *dst,
		   unsigned int n, unsigned int shift)
{
	char line[256], key[64];
	unsigned long long v;
	unsigned int i;
	FILE *f;

	f = open_at(root ? root : "", path);
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, fmt, key, &v) != 2)
			continue;
		for (i = 0; i < n; i++)
			if (names[i] && !strcmp(key, names[i]))
				*dst[i] = (uint64_t)v << shift;
	}
	fclose(f);
	return 0;
}

/* "Key:   1234 kB" lines of /proc/meminfo, in bytes. */
static int read_meminfo(const char *root, struct vmi_huge_sys *s)
{
	static const char *const keys[] = { "AnonHugePages", "ShmemHugePages",
					    "ShmemPmdMapped", "FileHugePages",
					    "FilePmdMapped" };
	uint64_t *const dst[] = { &s->anon_thp, &s->shmem_thp,
				  &s->shmem_pmd_mapped, &s->file_thp,
				  &s->file_pmd_mapped };

	return lib_read_named(root, "/proc/meminfo", "%63[^:]: %llu", keys, dst,
			      sizeof(keys) / sizeof(keys[0]), 10);
}

/* "name value" lines of /proc/vmstat: the counters of event_names[]. */
static int read_vmstat(const char *root, struct vmi_huge_sys *s)
{
	uint64_t *dst[VMI_EV_NR];
	unsigned int i;

	for (i = 0; i < VMI_EV_NR; i++)
		dst[i] = &s->events[i];
	return lib_read_named(root, "/proc/vmstat", "%63s %llu", event_names,
			      dst, VMI_EV_NR, 0);
}

int vmi_huge_sys_read(const char *root, struct vmi_huge_sys *out,
		      struct vmi_huge_node *nodes, size_t max_nodes)
{
	uint32_t *ids = NULL;
	unsigned int i, k;
	size_t n;
	bool numa;
	int ret;

	if (!out || (!nodes && max_nodes))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (max_nodes)
		memset(nodes, 0, max_nodes * sizeof(*nodes));
	if (!root)
		root = "";
	ret = pool_sizes(root, out);
	if (!ret)
		ret = read_pools(root, out);
	if (!ret)
		ret = read_meminfo(root, out);
	if (!ret)
		ret = read_vmstat(root, out);
	if (ret)
		goto fail;

	if (max_nodes) {
		ids = calloc(max_nodes, sizeof(*ids));
		if (!ids) {
			ret = -ENOMEM;
			goto fail;
		}
	}
	ret = online_nodes(root, ids, max_nodes, &numa);
	if (ret < 0)
		goto fail;
	out->nr_nodes = (uint32_t)ret;
	n = out->nr_nodes < max_nodes ? out->nr_nodes : max_nodes;
	for (i = 0; i < n; i++) {
		nodes[i].node = ids[i];
		if (numa) {
			ret = read_node_pools(root, out, &nodes[i]);
			if (ret)
				goto fail;
			continue;
		}
		for (k = 0; k < out->nr_pools; k++) {
			nodes[i].pool_total[k] = out->pools[k].total;
			nodes[i].pool_free[k] = out->pools[k].free;
			nodes[i].pool_surplus[k] = out->pools[k].surplus;
		}
	}
	ret = read_buddyinfo(root, out, nodes, n);
	if (ret)
		goto fail;
	read_zoneinfo(root, nodes, n);
	free(ids);
	return 0;
fail:
	free(ids);
	memset(out, 0, sizeof(*out));
	if (max_nodes)
		memset(nodes, 0, max_nodes * sizeof(*nodes));
	return ret;
}
