// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libvminspect - every process of /proc through the totals-only
 * VMI_IOC_HUGE: what "vminspect huge --all" and "vminspect export" rank.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "vminspect.h"

#define PF_KTHREAD    0x00200000UL
#define PROC_PATH_LEN 4096

/* root + "/proc/" + rest in buf; false when it does not fit */
static bool proc_path(char *buf, size_t len, const char *root, const char *rest)
{
	int n = snprintf(buf, len, "%s/proc/%s", root ? root : "", rest);

	return n > 0 && (size_t)n < len;
}

int vmi_proc_comm(const char *root, uint32_t pid, char *buf, size_t len)
{
	char path[PROC_PATH_LEN], rest[32];
	FILE *f;
	int err;

	if (!buf || !len)
		return -EINVAL;
	buf[0] = '\0';
	if (pid)
		snprintf(rest, sizeof(rest), "%u/comm", pid);
	else
		snprintf(rest, sizeof(rest), "self/comm");
	if (!proc_path(path, sizeof(path), root, rest))
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	err = fgets(buf, (int)len, f) ? 0 : -EIO;
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return err;
}

/* PF_KTHREAD from /proc/PID/stat; false when it cannot be read. */
static bool is_kthread(const char *root, uint32_t pid)
{
	char path[PROC_PATH_LEN], rest[32], line[1024], *p;
	unsigned long flags = 0;
	size_t n;
	FILE *f;
	int i;

	snprintf(rest, sizeof(rest), "%u/stat", pid);
	if (!proc_path(path, sizeof(path), root, rest))
		return false;
	f = fopen(path, "re");
	if (!f)
		return false;
	n = fread(line, 1, sizeof(line) - 1, f);
	fclose(f);
	line[n] = '\0';
	p = strrchr(line, ')');
	if (!p)
		return false;
	/* after "pid (comm)": state ppid pgrp session tty_nr tpgid flags */
	for (i = 0; i < 7 && p; i++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%lu", &flags) != 1)
		return false;
	return flags & PF_KTHREAD;
}

/* Append one process to s; -ENOMEM when the array cannot grow. */
static int scan_add(struct vmi_huge_scan *s, size_t *cap, uint32_t pid,
		    const struct vmi_huge_arg *a, const char *root)
{
	struct vmi_huge_proc *tmp, *p;

	if (s->n == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		tmp = realloc(s->procs, *cap * sizeof(*s->procs));
		if (!tmp)
			return -ENOMEM;
		s->procs = tmp;
	}
	p = &s->procs[s->n++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->b = a->total;
	p->mm_flags = a->mm_flags;
	vmi_proc_comm(root, pid, p->comm, sizeof(p->comm));
	return 0;
}

int lib_proc_each(const char *root, int (*fn)(void *ctx, uint32_t pid),
		  void *ctx, struct lib_proc_counts *c)
{
	char path[PROC_PATH_LEN];
	struct dirent *de;
	DIR *d;
	int err;

	memset(c, 0, sizeof(*c));
	if (!proc_path(path, sizeof(path), root, ""))
		return -ENAMETOOLONG;
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		unsigned long pid;
		char *end;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = strtoul(de->d_name, &end, 10);
		if (*end || !pid || pid > UINT32_MAX)
			continue;
		c->scanned++;
		if (is_kthread(root, (uint32_t)pid)) {
			c->kernel++;
			continue;
		}
		err = fn(ctx, (uint32_t)pid);
		if (err == -ESRCH)
			c->gone++;
		else if (err == -EPERM || err == -EACCES)
			c->denied++;
		else if (err == -EINVAL)
			c->kernel++; /* no user address space */
		else if (err == -ENOMEM) {
			closedir(d);
			return err;
		} else if (err)
			c->failed++;
	}
	closedir(d);
	return 0;
}

struct huge_scan_ctx {
	struct vmi_handle *h;
	const char *root;
	struct vmi_huge_scan *s;
	uint64_t end;
	size_t cap;
};

static int huge_scan_one(void *ctx, uint32_t pid)
{
	struct huge_scan_ctx *x = ctx;
	struct vmi_huge_arg a;
	int err;

	err = vmi_huge_totals(x->h, pid, 0, x->end, &a);
	if (err)
		return err;
	return scan_add(x->s, &x->cap, pid, &a, x->root);
}

int vmi_huge_scan(struct vmi_handle *h, const char *root,
		  struct vmi_huge_scan *s)
{
	struct huge_scan_ctx x = { .h = h, .root = root, .s = s };
	struct lib_proc_counts c;
	struct vmi_info info;
	int err;

	if (!h || !s)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	err = vmi_get_info(h, &info);
	if (err)
		return err;
	x.end = vmi_user_end(&info);
	err = lib_proc_each(root, huge_scan_one, &x, &c);
	LIB_PROC_COUNTS_TO(s, &c);
	if (err)
		vmi_huge_scan_free(s);
	return err;
}

void vmi_huge_scan_free(struct vmi_huge_scan *s)
{
	if (!s)
		return;
	free(s->procs);
	s->procs = NULL;
	s->n = 0;
}
