// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libvminspect - page-table forensics across processes: the tables of
 * every process against the kernel's own VmPTE and PageTables, and the
 * tables that many processes spend on the same file or shmem object.
 * The module gives the tables; /proc gives the rest (names, inodes, the
 * kernel's totals).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "internal.h"
#include "vminspect.h"

#define SZ_2M (2ULL << 20)

unsigned int vmi_pgt_bucket(uint64_t n)
{
	static const uint64_t top[VMI_PGT_BUCKETS - 1] = { 1, 8, 64, 256, 511 };
	unsigned int b;

	for (b = 0; b < VMI_PGT_BUCKETS - 1; b++)
		if (n <= top[b])
			return b;
	return VMI_PGT_BUCKETS - 1;
}

const char *vmi_pgt_bucket_name(unsigned int b)
{
	static const char *const names[] = VMI_PGT_BUCKET_NAMES;

	return b < VMI_PGT_BUCKETS ? names[b] : NULL;
}

/* "Key:   N kB" of a /proc file, in bytes; 0 when absent. */
static uint64_t proc_kb(const char *root, const char *path, const char *key)
{
	const char *const names[] = { key };
	uint64_t kb = 0, *const dst[] = { &kb };

	lib_read_named(root, path, "%63[^:]: %llu", names, dst, 1, 10);
	return kb;
}

uint64_t vmi_proc_vm_pte(const char *root, uint32_t pid)
{
	char path[32];

	snprintf(path, sizeof(path), "/proc/%u/status", pid);
	return proc_kb(root, path, "VmPTE");
}

/* ---- every process ---- */

struct pgt_scan_ctx {
	struct vmi_handle *h;
	const char *root;
	struct vmi_pgt_scan *s;
	size_t cap;
};

static int pgt_scan_one(void *ctx, uint32_t pid)
{
	struct pgt_scan_ctx *x = ctx;
	struct vmi_pgt_scan *s = x->s;
	struct vmi_pgt_proc *p, *tmp;
	int err;

	if (s->n == x->cap) {
		x->cap = x->cap ? x->cap * 2 : 256;
		tmp = realloc(s->procs, x->cap * sizeof(*s->procs));
		if (!tmp)
			return -ENOMEM;
		s->procs = tmp;
	}
	p = &s->procs[s->n];
	memset(p, 0, sizeof(*p));
	err = vmi_pgtables(x->h, pid, &p->t);
	if (err)
		return err;
	p->pid = pid;
	p->vm_pte = vmi_proc_vm_pte(x->root, pid);
	vmi_proc_comm(x->root, pid, p->comm, sizeof(p->comm));
	s->n++;
	return 0;
}

int vmi_pgt_scan(struct vmi_handle *h, const char *root, struct vmi_pgt_scan *s)
{
	struct pgt_scan_ctx x = { .h = h, .root = root, .s = s };
	struct lib_proc_counts c;
	int err;

	if (!h || !s)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	s->page_tables = proc_kb(root, "/proc/meminfo", "PageTables");
	err = lib_proc_each(root, pgt_scan_one, &x, &c);
	LIB_PROC_COUNTS_TO(s, &c);
	if (err)
		vmi_pgt_scan_free(s);
	return err;
}

void vmi_pgt_scan_free(struct vmi_pgt_scan *s)
{
	if (!s)
		return;
	free(s->procs);
	s->procs = NULL;
	s->n = 0;
}

/* ---- objects many processes map ---- */

/* One VMA of a mapped object, in one process. */
struct pgt_use {
	uint64_t dev, inode;
	uint32_t pid;
	bool hugetlb;
	uint64_t tables; /* PTE tables (PMD tables for hugetlb) */
	uint64_t whole;	 /* of these, in whole 2 MiB blocks */
	char *name;
};

struct pgt_shared_ctx {
	struct vmi_handle *h;
	const char *root;
	struct pgt_use *use;
	size_t n, cap;
};

/* The PTE tables of @v inside its whole 2 MiB blocks, at least. */
static uint64_t pgt_whole(const struct vmi_pgt_vma *v)
{
	uint64_t edges = (v->start % SZ_2M != 0) + (v->end % SZ_2M != 0);

	return v->tables[0] > edges ? v->tables[0] - edges : 0;
}

static int pgt_use_add(struct pgt_shared_ctx *x, uint32_t pid,
		       const struct vmi_pgt_vma *v, uint64_t dev,
		       uint64_t inode, const char *name)
{
	bool hugetlb = v->vma_flags & VMI_VMA_HUGETLB;
	struct pgt_use *u, *tmp;

	if (x->n == x->cap) {
		x->cap = x->cap ? x->cap * 2 : 1024;
		tmp = realloc(x->use, x->cap * sizeof(*x->use));
		if (!tmp)
			return -ENOMEM;
		x->use = tmp;
	}
	u = &x->use[x->n];
	u->name = strdup(name);
	if (!u->name)
		return -ENOMEM;
	u->dev = dev;
	u->inode = inode;
	u->pid = pid;
	u->hugetlb = hugetlb;
	u->tables = hugetlb ? v->tables[1] : v->tables[0];
	u->whole = hugetlb ? 0 : pgt_whole(v);
	x->n++;
	return 0;
}

/* Find the record of the VMA at @start among @v (sorted by start). */
static const struct vmi_pgt_vma *pgt_find(const struct vmi_pgt_vma *v, size_t n,
					  uint64_t start)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].start == start)
			return &v[mid];
		if (v[mid].start < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int pgt_shared_one(void *ctx, uint32_t pid)
{
	struct pgt_shared_ctx *x = ctx;
	struct vmi_pgtables_arg total;
	char path[4096], line[4096 + 256];
	struct vmi_pgt_vma *v;
	size_t n;
	FILE *f;
	int err;

	err = vmi_pgtables_vmas(x->h, pid, &total, &v, &n);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/proc/%u/maps", x->root ? x->root : "",
		 pid);
	f = fopen(path, "re");
	if (!f) {
		free(v);
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long long start, end, inode;
		unsigned int major, minor;
		const struct vmi_pgt_vma *r;
		int off = 0;

		if (sscanf(line, "%llx-%llx %*s %*s %x:%x %llu %n", &start,
			   &end, &major, &minor, &inode, &off) < 5 ||
		    !inode)
			continue;
		r = pgt_find(v, n, start);
		if (!r || !(r->tables[0] + r->tables[1]))
			continue;
		line[strcspn(line, "\n")] = '\0';
		err = pgt_use_add(x, pid, r, makedev(major, minor), inode,
				  line + off);
		if (err)
			break;
	}
	fclose(f);
	free(v);
	return err;
}

static int pgt_use_cmp(const void *a, const void *b)
{
	const struct pgt_use *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static int pgt_obj_cmp(const void *a, const void *b)
{
	const struct vmi_pgt_object *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return x->inode < y->inode ? -1 : x->inode > y->inode;
}

/* The uses [first, end) of one object, folded into *o. */
static int pgt_fold(const struct pgt_use *u, size_t first, size_t end,
		    uint64_t page, struct vmi_pgt_object *o)
{
	uint64_t hugetlb = 0;
	size_t i;

	memset(o, 0, sizeof(*o));
	o->pids = malloc((end - first) * sizeof(*o->pids));
	if (!o->pids)
		return -ENOMEM;
	snprintf(o->name, sizeof(o->name), "%s", u[first].name);
	o->dev = u[first].dev;
	o->inode = u[first].inode;
	for (i = first; i < end; i++) {
		if (!o->mappers || o->pids[o->mappers - 1] != u[i].pid)
			o->pids[o->mappers++] = u[i].pid;
		if (u[i].hugetlb) {
			o->hugetlb = true;
			o->pmd_tables += u[i].tables;
			hugetlb += u[i].tables;
		} else {
			o->pte_tables += u[i].tables;
			o->saved += u[i].whole * page;
		}
	}
	o->bytes = (o->pte_tables + o->pmd_tables) * page;
	/* shared PMD tables: one set for all the mappers */
	if (hugetlb && o->mappers > 1)
		o->saved += hugetlb * page * (o->mappers - 1) / o->mappers;
	return 0;
}

int vmi_pgt_shared(struct vmi_handle *h, const char *root,
		   struct vmi_pgt_object **out, size_t *nout,
		   struct vmi_pgt_scan *counts)
{
	struct pgt_shared_ctx x = { .h = h, .root = root };
	struct vmi_pgt_object *o = NULL;
	struct lib_proc_counts c;
	struct vmi_info info;
	size_t i, first, n = 0;
	int err;

	if (!h || !out || !nout)
		return -EINVAL;
	*out = NULL;
	*nout = 0;
	err = vmi_get_info(h, &info);
	if (err)
		return err;
	err = lib_proc_each(root, pgt_shared_one, &x, &c);
	if (counts) {
		memset(counts, 0, sizeof(*counts));
		LIB_PROC_COUNTS_TO(counts, &c);
	}
	if (err)
		goto out;
	qsort(x.use, x.n, sizeof(*x.use), pgt_use_cmp);
	o = calloc(x.n ? x.n : 1, sizeof(*o));
	if (!o) {
		err = -ENOMEM;
		goto out;
	}
	for (first = 0; first < x.n; first = i) {
		for (i = first + 1;
		     i < x.n && x.use[i].dev == x.use[first].dev &&
		     x.use[i].inode == x.use[first].inode;
		     i++)
			;
		if (x.use[i - 1].pid == x.use[first].pid)
			continue; /* one mapper: nothing duplicated */
		err = pgt_fold(x.use, first, i, 1ULL << info.page_shift, &o[n]);
		if (err)
			goto out;
		n++;
	}
	qsort(o, n, sizeof(*o), pgt_obj_cmp);
	*out = o;
	*nout = n;
	o = NULL;
out:
	vmi_pgt_shared_free(o, n);
	for (i = 0; i < x.n; i++)
		free(x.use[i].name);
	free(x.use);
	return err;
}

void vmi_pgt_shared_free(struct vmi_pgt_object *o, size_t n)
{
	size_t i;

	if (!o)
		return;
	for (i = 0; i < n; i++)
		free(o[i].pids);
	free(o);
}
