// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libvminspect - wrappers for the vminspect kernel module's ABI.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vminspect.h"

_Static_assert(sizeof(struct vmi_info) >= VMI_INFO_SIZE_VER0,
	       "struct vmi_info smaller than its first published version");

#define VMI_STATUS_MAX (1U << 20) /* refuse status files larger than this */

_Static_assert(sizeof(struct vmi_extent) == VMI_EXTENT_SIZE_VER0 &&
		       sizeof(struct vmi_walk_arg) >= VMI_WALK_SIZE_VER0 &&
		       sizeof(struct vmi_translate_arg) >=
			       VMI_TRANSLATE_SIZE_VER0 &&
		       sizeof(struct vmi_pgtables_arg) >=
			       VMI_PGTABLES_SIZE_VER0 &&
		       sizeof(struct vmi_vma) == VMI_VMA_SIZE_VER0 &&
		       sizeof(struct vmi_maps_arg) >= VMI_MAPS_SIZE_VER0,
	       "ABI structs smaller than their first published versions");

struct vmi_handle {
	int fd;
	bool have_info; /* info holds the last VMI_IOC_GET_INFO answer */
	struct vmi_info info;
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The entries of the name lists of <linux/vminspect.h>: a value's name at
 * its value, a flag's at its bit number.
 */
#define VMI_VAL_NAME(val, name)	 [val] = name,
#define VMI_BIT_NAME(mask, name) VMI_VAL_NAME(__builtin_ctzll(mask), name)

static const char *const vmi_feature_names[] = VMI_FEAT_NAMES;

const char *vmi_proc_dir(void)
{
	const char *dir = secure_getenv("VMINSPECT_PROC_DIR");

	return dir && *dir ? dir : VMI_PROC_DIR;
}

static int vmi_proc_path(char *buf, size_t len, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", vmi_proc_dir(), name);

	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * A file under the proc directory could not be opened: tell "module not
 * loaded" (the directory itself is missing) from everything else.
 */
static int vmi_open_error(int e)
{
	struct stat st;

	if (e == ENOENT && stat(vmi_proc_dir(), &st) < 0 && errno == ENOENT)
		return -VMI_ENOTLOADED;
	return -e;
}

static int vmi_open_file(const char *name, int *fd)
{
	char path[PATH_MAX];
	int ret;

	ret = vmi_proc_path(path, sizeof(path), name);
	if (ret)
		return ret;
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return vmi_open_error(errno);
	return 0;
}

struct vmi_handle *vmi_open(int *err)
{
	struct vmi_handle *h;
	int ret, fd;

	ret = vmi_open_file("ctl", &fd);
	if (ret)
		goto fail;
	h = malloc(sizeof(*h));
	if (!h) {
		close(fd);
		ret = -ENOMEM;
		goto fail;
	}
	h->fd = fd;
	h->have_info = false;
	if (err)
		*err = 0;
	return h;
fail:
	if (err)
		*err = ret;
	return NULL;
}

void vmi_close(struct vmi_handle *h)
{
	if (!h)
		return;
	close(h->fd);
	free(h);
}

/* The one place an ioctl is issued; ENOTTY means the module lacks it. */
static int vmi_ioctl(struct vmi_handle *h, unsigned long cmd, void *arg)
{
	int ret;

	do {
		ret = ioctl(h->fd, cmd, arg);
	} while (ret < 0 && errno == EINTR);
	if (ret >= 0)
		return 0;
	return errno == ENOTTY ? -VMI_ENOTSUPP : -errno;
}

static void vmi_terminate(char *s, size_t len)
{
	s[len - 1] = '\0';
}

int vmi_get_info(struct vmi_handle *h, struct vmi_info *out)
{
	int ret;

	if (!h || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->size = sizeof(*out);
	out->flags = 0;
	ret = vmi_ioctl(h, VMI_IOC_GET_INFO, out);
	if (ret)
		return ret;
	if (out->size < VMI_INFO_SIZE_VER0 || out->size > sizeof(*out))
		return -VMI_EABI;
	vmi_terminate(out->module_version, sizeof(out->module_version));
	vmi_terminate(out->kernel_release, sizeof(out->kernel_release));
	vmi_terminate(out->arch, sizeof(out->arch));
	h->info = *out;
	h->have_info = true;
	return 0;
}

bool vmi_abi_compatible(const struct vmi_info *info, char *why, size_t len)
{
	if (info->abi_version == VMI_ABI_VERSION)
		return true;
	if (why && len)
		snprintf(why, len,
			 "kernel module ABI v%u not supported by this vminspect (ABI v%u)",
			 info->abi_version, VMI_ABI_VERSION);
	return false;
}

const char *vmi_strerror(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case 0:
		return "success";
	case VMI_ENOTLOADED:
		return "kernel module not loaded (/proc/vminspect missing); "
		       "load it with 'modprobe vminspect' or 'insmod vminspect.ko'";
	case VMI_EABI:
		return "kernel module ABI not supported by this vminspect";
	case VMI_ENOTSUPP:
		return "operation not supported by the loaded kernel module";
	case VMI_EFORMAT:
		return "malformed text in /proc/vminspect";
	case VMI_EPROTO:
		return "inconsistent answer from the kernel module";
	case EACCES:
		return "permission denied";
	case EPERM:
		return "operation not permitted (needs root, CAP_SYS_ADMIN or CAP_SYS_PTRACE)";
	default:
		return strerror(err);
	}
}

const char *vmi_feature_name(uint64_t feature)
{
	unsigned int bit;

	if (!feature || feature & (feature - 1))
		return NULL;
	bit = __builtin_ctzll(feature);
	return bit < ARRAY_SIZE(vmi_feature_names) ? vmi_feature_names[bit] :
						     NULL;
}

uint64_t vmi_feature_from_name(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(vmi_feature_names); i++)
		if (vmi_feature_names[i] && !strcmp(vmi_feature_names[i], name))
			return 1ULL << i;
	return 0;
}

/* ---- /proc/vminspect/status ---- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

void vmi_free_status(struct vmi_status_kv *kv, size_t n)
{
	size_t i;

	if (!kv)
		return;
	for (i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

int vmi_parse_status(const char *text, size_t len, struct vmi_status_kv **kvp,
		     size_t *np)
{
	struct vmi_status_kv *kv = NULL, *tmp;
	const char *p = text, *end = text + len;
	size_t n = 0, cap = 0;
	int ret = 0;

	while (p < end) {
		const char *eol = memchr(p, '\n', end - p);
		const char *next = eol ? eol + 1 : end;
		const char *le = eol ? eol : end;
		const char *k, *ke, *v;

		while (p < le && is_blank(*p))
			p++;
		while (le > p && is_blank(le[-1]))
			le--;
		if (p == le) {
			p = next;
			continue;
		}
		if (memchr(p, '\0', le - p)) {
			ret = -VMI_EFORMAT;
			goto fail;
		}
		k = p;
		for (ke = k; ke < le && !is_blank(*ke); ke++)
			;
		for (v = ke; v < le && is_blank(*v); v++)
			;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			tmp = realloc(kv, cap * sizeof(*kv));
			if (!tmp) {
				ret = -ENOMEM;
				goto fail;
			}
			kv = tmp;
		}
		kv[n].key = strndup(k, ke - k);
		kv[n].value = strndup(v, le - v);
		n++;
		if (!kv[n - 1].key || !kv[n - 1].value) {
			ret = -ENOMEM;
			goto fail;
		}
		p = next;
	}
	*kvp = kv;
	*np = n;
	return 0;
fail:
	vmi_free_status(kv, n);
	*kvp = NULL;
	*np = 0;
	return ret;
}

int vmi_read_status(struct vmi_status_kv **kv, size_t *n)
{
	size_t len = 0, cap = 4096;
	char *buf, *tmp;
	ssize_t r;
	int fd, ret;

	*kv = NULL;
	*n = 0;
	ret = vmi_open_file("status", &fd);
	if (ret)
		return ret;
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		if (len == cap) {
			if (cap >= VMI_STATUS_MAX) {
				ret = -EFBIG;
				goto out;
			}
			cap *= 2;
			tmp = realloc(buf, cap);
			if (!tmp) {
				ret = -ENOMEM;
				goto out;
			}
			buf = tmp;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			goto out;
		}
		if (r == 0)
			break;
		len += r;
	}
	ret = vmi_parse_status(buf, len, kv, n);
out:
	free(buf);
	close(fd);
	return ret;
}

const char *vmi_status_get(const struct vmi_status_kv *kv, size_t n,
			   const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(kv[i].key, key))
			return kv[i].value;
	return NULL;
}

/* Strict unsigned decimal: digits only, no sign, no blanks, no overflow. */
static int parse_u64(const char *s, const char **endp, uint64_t *out)
{
	uint64_t v = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -VMI_EFORMAT;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned int d = *p - '0';

		if (v > (UINT64_MAX - d) / 10)
			return -VMI_EFORMAT;
		v = v * 10 + d;
	}
	if (endp)
		*endp = p;
	else if (*p)
		return -VMI_EFORMAT;
	*out = v;
	return 0;
}

static int parse_u32(const char *s, uint32_t *out)
{
	uint64_t v;

	if (parse_u64(s, NULL, &v) || v > UINT32_MAX)
		return -VMI_EFORMAT;
	*out = v;
	return 0;
}

/* Optional key: missing leaves *out alone. */
static int status_u32(const struct vmi_status_kv *kv, size_t n, const char *key,
		      uint32_t *out)
{
	const char *v = vmi_status_get(kv, n, key);

	return v ? parse_u32(v, out) : 0;
}

static int status_flag(const struct vmi_status_kv *kv, size_t n,
		       const char *key, uint32_t bit, uint32_t *caps)
{
	const char *v = vmi_status_get(kv, n, key);

	if (!v)
		return 0;
	if (!strcmp(v, "1"))
		*caps |= bit;
	else if (strcmp(v, "0"))
		return -VMI_EFORMAT;
	return 0;
}

static void status_str(const struct vmi_status_kv *kv, size_t n,
		       const char *key, char *dst, size_t len)
{
	const char *v = vmi_status_get(kv, n, key);

	if (v)
		snprintf(dst, len, "%s", v);
}

/* "4096 2097152" -> bit 12 | bit 21; each size must be a power of two. */
static int status_page_sizes(const char *v, __u64 *mask)
{
	const char *p = v;
	uint64_t sz;

	while (*p) {
		if (parse_u64(p, &p, &sz) || !sz || (sz & (sz - 1)))
			return -VMI_EFORMAT;
		if (*p && !is_blank(*p))
			return -VMI_EFORMAT;
		*mask |= sz;
		while (is_blank(*p))
			p++;
	}
	return 0;
}

static void status_features(const char *v, __u64 *mask)
{
	const char *p = v, *e;
	char name[32];

	while (*p) {
		for (e = p; *e && !is_blank(*e); e++)
			;
		if ((size_t)(e - p) < sizeof(name)) {
			memcpy(name, p, e - p);
			name[e - p] = '\0';
			*mask |= vmi_feature_from_name(name);
		}
		for (p = e; is_blank(*p); p++)
			;
	}
}

int vmi_status_to_info(const struct vmi_status_kv *kv, size_t n,
		       struct vmi_info *out)
{
	const char *v;

	memset(out, 0, sizeof(*out));
	out->size = sizeof(*out);

	v = vmi_status_get(kv, n, "abi_version");
	if (!v || parse_u32(v, &out->abi_version))
		return -VMI_EFORMAT;
	if (status_u32(kv, n, "pgtable_levels", &out->pgtable_levels) ||
	    status_u32(kv, n, "nr_cpus", &out->nr_cpus) ||
	    status_flag(kv, n, "pfn_visible", VMI_CAP_PFN, &out->caps) ||
	    status_flag(kv, n, "other_processes", VMI_CAP_OTHER_MM, &out->caps))
		return -VMI_EFORMAT;

	v = vmi_status_get(kv, n, "page_sizes");
	if (v && status_page_sizes(v, &out->page_sizes))
		return -VMI_EFORMAT;
	if (out->page_sizes)
		out->page_shift = __builtin_ctzll(out->page_sizes);

	v = vmi_status_get(kv, n, "features");
	if (v)
		status_features(v, &out->features);

	status_str(kv, n, "module_version", out->module_version,
		   sizeof(out->module_version));
	status_str(kv, n, "kernel_release", out->kernel_release,
		   sizeof(out->kernel_release));
	status_str(kv, n, "arch", out->arch, sizeof(out->arch));
	return 0;
}

/* ---- page tables ---- */

uint64_t vmi_user_end(const struct vmi_info *info)
{
	uint64_t page = 1ULL << (info->page_shift ? info->page_shift : 12);
	unsigned int bits = info->pgtable_levels >= 5 ? 56 : 47;

	return (1ULL << bits) - page;
}

int vmi_walk_chunk(struct vmi_handle *h, struct vmi_walk_arg *arg)
{
	uint64_t start, end, len;
	int ret;

	if (!h || !arg)
		return -EINVAL;
	start = arg->start;
	end = arg->end;
	len = arg->vec_len;
	arg->size = sizeof(*arg);
	arg->reserved = 0;
	arg->extent_size = sizeof(struct vmi_extent);
	arg->nr_extents = 0;
	arg->walk_end = 0;
	arg->max_lock_ns = 0;
	arg->lock_drops = 0;
	ret = vmi_ioctl(h, VMI_IOC_WALK, arg);
	/* the kernel copies the whole struct back: restore the inputs */
	arg->start = start;
	arg->end = end;
	arg->vec_len = len;
	if (ret)
		return ret;
	if (arg->size < VMI_WALK_SIZE_VER0 || arg->size > sizeof(*arg))
		return -VMI_EABI;
	if (arg->nr_extents > len || arg->walk_end <= start ||
	    arg->walk_end > end)
		return -VMI_EPROTO;
	return 0;
}

int vmi_maps_chunk(struct vmi_handle *h, struct vmi_maps_arg *arg)
{
	uint64_t start, end, len;
	int ret;

	if (!h || !arg)
		return -EINVAL;
	start = arg->start;
	end = arg->end;
	len = arg->vec_len;
	arg->size = sizeof(*arg);
	arg->reserved = 0;
	arg->vma_size = sizeof(struct vmi_vma);
	arg->nr_vmas = 0;
	arg->walk_end = 0;
	arg->max_lock_ns = 0;
	ret = vmi_ioctl(h, VMI_IOC_MAPS, arg);
	arg->start = start;
	arg->end = end;
	arg->vec_len = len;
	if (ret)
		return ret;
	if (arg->size < VMI_MAPS_SIZE_VER0 || arg->size > sizeof(*arg))
		return -VMI_EABI;
	if (arg->nr_vmas > len || arg->walk_end <= start || arg->walk_end > end)
		return -VMI_EPROTO;
	return 0;
}

int vmi_huge_blocks_chunk(struct vmi_handle *h, struct vmi_huge_blocks_arg *arg)
{
	uint64_t start, end, len, vec, flags;
	uint32_t pid;
	int ret;

	if (!h || !arg)
		return -EINVAL;
	pid = arg->pid;
	flags = arg->flags;
	start = arg->start;
	end = arg->end;
	vec = arg->vec;
	len = arg->vec_len;
	memset(arg, 0, sizeof(*arg));
	arg->size = sizeof(*arg);
	arg->flags = flags;
	arg->pid = pid;
	arg->start = start;
	arg->end = end;
	arg->vec = vec;
	arg->vec_len = len;
	arg->block_size = sizeof(struct vmi_huge_block);
	ret = vmi_ioctl(h, VMI_IOC_HUGE_BLOCKS, arg);
	/* the kernel copies the whole struct back: restore the inputs */
	arg->start = start;
	arg->end = end;
	arg->vec_len = len;
	if (ret)
		return ret;
	if (arg->size < VMI_HUGE_BLOCKS_SIZE_VER0 || arg->size > sizeof(*arg))
		return -VMI_EABI;
	if (arg->nr_blocks > len || arg->next <= start || arg->next > end)
		return -VMI_EPROTO;
	return 0;
}

/* A range query answered over as many ioctls as it takes. */
struct vmi_collect {
	enum {
		VMI_COLLECT_WALK,
		VMI_COLLECT_MAPS,
		VMI_COLLECT_BLOCKS
	} kind;
	struct vmi_block_policy *policy; /* blocks: mm_flags, kflags go here */
	uint32_t pid;
	uint64_t flags;
	uint64_t start, end;
	size_t esize; /* record size */
	size_t chunk, max;
	struct vmi_fetch *fetch; /* NULL or statistics to fill */
};

/* One call from pos into vec[0..len); *nr records, covered up to *next. */
static int vmi_collect_step(struct vmi_handle *h, const struct vmi_collect *c,
			    uint64_t pos, void *vec, size_t len, size_t *nr,
			    uint64_t *next)
{
	struct vmi_huge_blocks_arg b;
	struct vmi_walk_arg w;
	struct vmi_maps_arg m;
	uint64_t lock_ns;
	int ret;

	if (c->kind == VMI_COLLECT_BLOCKS) {
		memset(&b, 0, sizeof(b));
		b.flags = c->flags;
		b.pid = c->pid;
		b.start = pos;
		b.end = c->end;
		b.vec = (uintptr_t)vec;
		b.vec_len = len;
		ret = vmi_huge_blocks_chunk(h, &b);
		*nr = b.nr_blocks;
		*next = b.next;
		lock_ns = b.max_lock_ns;
		if (!ret && c->policy) {
			c->policy->mm_flags = b.mm_flags;
			c->policy->kflags = b.kflags;
		}
	} else if (c->kind == VMI_COLLECT_MAPS) {
		memset(&m, 0, sizeof(m));
		m.pid = c->pid;
		m.start = pos;
		m.end = c->end;
		m.vec = (uintptr_t)vec;
		m.vec_len = len;
		ret = vmi_maps_chunk(h, &m);
		*nr = m.nr_vmas;
		*next = m.walk_end;
		lock_ns = m.max_lock_ns;
	} else {
		memset(&w, 0, sizeof(w));
		w.flags = c->flags;
		w.pid = c->pid;
		w.start = pos;
		w.end = c->end;
		w.vec = (uintptr_t)vec;
		w.vec_len = len;
		ret = vmi_walk_chunk(h, &w);
		*nr = w.nr_extents;
		*next = w.walk_end;
		lock_ns = w.max_lock_ns;
		if (!ret && c->fetch)
			c->fetch->lock_drops += w.lock_drops;
	}
	if (c->fetch) {
		c->fetch->calls++;
		if (!ret && lock_ns > c->fetch->max_lock_ns)
			c->fetch->max_lock_ns = lock_ns;
	}
	return ret;
}

/*
 * Make room for @need elements of @esize bytes in the array *@buf of *@cap:
 * at least doubling, at most @max elements.  0, or -ENOMEM (the array is
 * left as it was).
 */
static int vmi_grow(void *buf, size_t *cap, size_t need, size_t max,
		    size_t esize)
{
	size_t newcap;
	void *tmp;

	if (need <= *cap)
		return 0;
	newcap = *cap * 2 > need ? *cap * 2 : need;
	if (newcap > max)
		newcap = max;
	if (newcap < need || newcap > SIZE_MAX / esize)
		return -ENOMEM;
	tmp = realloc(*(void **)buf, newcap * esize);
	if (!tmp)
		return -ENOMEM;
	*(void **)buf = tmp;
	*cap = newcap;
	return 0;
}

static int vmi_collect(struct vmi_handle *h, const struct vmi_collect *c,
		       void **out, size_t *np)
{
	size_t n = 0, cap = 0, len, nr;
	uint64_t pos = c->start, next;
	char *buf = NULL;
	int ret;

	*out = NULL;
	*np = 0;
	if (!h || !c->chunk || !c->max)
		return -EINVAL;
	if (c->fetch) {
		c->fetch->calls = 0;
		c->fetch->max_lock_ns = 0;
		c->fetch->lock_drops = 0;
	}
	do {
		/* walk_end < end: there is at least one record more */
		if (n >= c->max) {
			ret = -E2BIG;
			goto fail;
		}
		len = c->chunk < c->max - n ? c->chunk : c->max - n;
		ret = vmi_grow(&buf, &cap, n + len, c->max, c->esize);
		if (ret)
			goto fail;
		ret = vmi_collect_step(h, c, pos, buf + n * c->esize, len, &nr,
				       &next);
		if (ret)
			goto fail;
		n += nr;
		pos = next;
	} while (pos < c->end);

	if (!n) {
		free(buf);
		buf = NULL;
	}
	*out = buf;
	*np = n;
	return 0;
fail:
	free(buf);
	return ret;
}

/*
 * vmi_collect() with the tuning of @f (NULL: the defaults @chunk and @max)
 * into *@out, an array of the records.
 */
static int vmi_collect_into(struct vmi_handle *h, struct vmi_collect *c,
			    struct vmi_fetch *f, size_t chunk, size_t max,
			    void *out, size_t *n)
{
	void *vec;
	int ret;

	if (!out || !n)
		return -EINVAL;
	c->chunk = f && f->chunk ? f->chunk : chunk;
	c->max = f && f->max ? f->max : max;
	c->fetch = f;
	ret = vmi_collect(h, c, &vec, n);
	*(void **)out = vec;
	return ret;
}

int vmi_walk_all_ex(struct vmi_handle *h, uint32_t pid, uint64_t start,
		    uint64_t end, uint64_t flags, struct vmi_fetch *f,
		    struct vmi_extent **out, size_t *n)
{
	struct vmi_collect c = {
		.pid = pid,
		.flags = flags,
		.start = start,
		.end = end,
		.esize = sizeof(struct vmi_extent),
	};

	return vmi_collect_into(h, &c, f, VMI_WALK_CHUNK, VMI_WALK_ALL_MAX, out,
				n);
}

int vmi_walk_all(struct vmi_handle *h, uint32_t pid, uint64_t start,
		 uint64_t end, uint64_t flags, struct vmi_extent **out,
		 size_t *n)
{
	return vmi_walk_all_ex(h, pid, start, end, flags, NULL, out, n);
}

int vmi_maps_range(struct vmi_handle *h, uint32_t pid, uint64_t start,
		   uint64_t end, struct vmi_fetch *f, struct vmi_vma **out,
		   size_t *n)
{
	struct vmi_collect c = {
		.kind = VMI_COLLECT_MAPS,
		.pid = pid,
		.start = start,
		.end = end,
		.esize = sizeof(struct vmi_vma),
	};
	size_t i;
	int ret;

	ret = vmi_collect_into(h, &c, f, VMI_MAPS_CHUNK, VMI_MAPS_ALL_MAX, out,
			       n);
	for (i = 0; !ret && i < *n; i++)
		vmi_terminate((*out)[i].name, sizeof((*out)[i].name));
	return ret;
}

int vmi_huge_blocks_range(struct vmi_handle *h, uint32_t pid, uint64_t start,
			  uint64_t end, uint64_t flags, struct vmi_fetch *f,
			  struct vmi_huge_block **out, size_t *n,
			  struct vmi_block_policy *p)
{
	struct vmi_collect c = {
		.kind = VMI_COLLECT_BLOCKS,
		.policy = p,
		.pid = pid,
		.flags = flags,
		.start = start,
		.end = end,
		.esize = sizeof(struct vmi_huge_block),
	};

	return vmi_collect_into(h, &c, f, VMI_HUGE_BLOCKS_CHUNK,
				VMI_HUGE_BLOCKS_MAX, out, n);
}

int vmi_maps_all(struct vmi_handle *h, uint32_t pid, struct vmi_vma **out,
		 size_t *n)
{
	struct vmi_info info;
	int ret;

	if (!out || !n)
		return -EINVAL;
	*out = NULL;
	*n = 0;
	if (!h)
		return -EINVAL;
	if (!h->have_info) {
		ret = vmi_get_info(h, &info);
		if (ret)
			return ret;
	}
	return vmi_maps_range(h, pid, 0, vmi_user_end(&h->info), NULL, out, n);
}

int vmi_translate(struct vmi_handle *h, uint32_t pid, uint64_t va,
		  struct vmi_translate_arg *out)
{
	int ret;

	if (!h || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->size = sizeof(*out);
	out->pid = pid;
	out->va = va;
	ret = vmi_ioctl(h, VMI_IOC_TRANSLATE, out);
	if (ret)
		return ret;
	if (out->size < VMI_TRANSLATE_SIZE_VER0 || out->size > sizeof(*out))
		return -VMI_EABI;
	if (out->nr_levels > ARRAY_SIZE(out->levels) || out->va != va)
		return -VMI_EPROTO;
	return 0;
}

int vmi_pgtables(struct vmi_handle *h, uint32_t pid,
		 struct vmi_pgtables_arg *out)
{
	int ret;

	if (!h || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->size = sizeof(*out);
	out->pid = pid;
	ret = vmi_ioctl(h, VMI_IOC_PGTABLES, out);
	if (ret)
		return ret;
	if (out->size < VMI_PGTABLES_SIZE_VER0 || out->size > sizeof(*out))
		return -VMI_EABI;
	return 0;
}

_Static_assert(sizeof(struct vmi_pgt_vma) == VMI_PGT_VMA_SIZE_VER0 &&
		       sizeof(struct vmi_pgtables_arg) ==
			       VMI_PGTABLES_SIZE_VER1,
	       "page-table ABI structs not the size published");

/* VMAs per VMI_IOC_PGTABLES call: a call counts tables at its edges again */
#define VMI_PGT_CHUNK 4096

/* @t += @c: the counts of two calls over ranges that follow each other */
static void vmi_pgt_add(struct vmi_pgtables_arg *t,
			const struct vmi_pgtables_arg *c)
{
	unsigned int l, b;

	for (l = VMI_LEVEL_PTE; l < VMI_LEVEL_PGD; l++) {
		t->tables[l] += c->tables[l];
		t->empty[l] += c->empty[l];
		for (b = 0; b < VMI_PGT_BUCKETS; b++)
			t->fullness[l][b] += c->fullness[l][b];
	}
	for (l = VMI_LEVEL_PTE; l <= VMI_LEVEL_PGD; l++)
		t->entries[l] += c->entries[l];
	t->deposited += c->deposited;
	if (c->max_lock_ns > t->max_lock_ns)
		t->max_lock_ns = c->max_lock_ns;
}

int vmi_pgtables_vmas(struct vmi_handle *h, uint32_t pid,
		      struct vmi_pgtables_arg *total, struct vmi_pgt_vma **out,
		      size_t *n)
{
	struct vmi_pgtables_arg a;
	struct vmi_pgt_vma *v = NULL, *nv;
	uint64_t start = 0, end;
	struct vmi_info info;
	size_t have = 0;
	unsigned int l;
	int ret;

	if (!h || !total || !out || !n)
		return -EINVAL;
	*out = NULL;
	*n = 0;
	if (!h->have_info) {
		ret = vmi_get_info(h, &info);
		if (ret)
			return ret;
	}
	end = vmi_user_end(&h->info);
	memset(total, 0, sizeof(*total));
	do {
		nv = realloc(v, (have + VMI_PGT_CHUNK) * sizeof(*v));
		if (!nv) {
			ret = -ENOMEM;
			goto fail;
		}
		v = nv;
		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.pid = pid;
		a.start = start;
		a.end = end;
		a.vec = (uintptr_t)(v + have);
		a.vec_len = VMI_PGT_CHUNK;
		a.vma_size = sizeof(*v);
		ret = vmi_ioctl(h, VMI_IOC_PGTABLES, &a);
		if (ret)
			goto fail;
		/* a module before VER1 ignores the range and the vector */
		if (a.size < VMI_PGTABLES_SIZE_VER1) {
			ret = -VMI_ENOTSUPP;
			goto fail;
		}
		if (a.size > sizeof(a) || a.nr_vmas > VMI_PGT_CHUNK ||
		    a.walk_end <= start || a.walk_end > end) {
			ret = -VMI_EPROTO;
			goto fail;
		}
		if (!have)
			*total = a; /* the PGD, the first call's alone */
		else
			vmi_pgt_add(total, &a);
		have += a.nr_vmas;
		start = a.walk_end;
	} while (start < end);
	/* the one PGD, whose entries the calls shared out */
	memset(total->fullness[VMI_LEVEL_PGD], 0,
	       sizeof(total->fullness[VMI_LEVEL_PGD]));
	total->empty[VMI_LEVEL_PGD] = !total->entries[VMI_LEVEL_PGD];
	if (total->entries[VMI_LEVEL_PGD])
		total->fullness[VMI_LEVEL_PGD][vmi_pgt_bucket(
			total->entries[VMI_LEVEL_PGD])] = 1;
	total->bytes = 0;
	for (l = VMI_LEVEL_PTE; l <= VMI_LEVEL_PGD; l++)
		total->bytes += total->tables[l] * (1ULL << h->info.page_shift);
	total->bytes += total->deposited * (1ULL << h->info.page_shift);
	total->start = 0;
	total->end = end;
	total->vec = 0;
	total->vec_len = 0;
	total->nr_vmas = have;
	total->walk_end = end;
	*out = v;
	*n = have;
	return 0;
fail:
	free(v);
	return ret;
}

/* ---- huge pages ---- */

_Static_assert(sizeof(struct vmi_huge_vma) == VMI_HUGE_VMA_SIZE_VER0 &&
		       sizeof(struct vmi_huge_arg) >= VMI_HUGE_SIZE_VER0,
	       "huge-page ABI structs smaller than their first versions");

int vmi_huge_chunk(struct vmi_handle *h, struct vmi_huge_arg *arg)
{
	uint64_t start, end, len, vec;
	uint32_t pid;
	int ret;

	if (!h || !arg || (!arg->vec) != (!arg->vec_len))
		return -EINVAL;
	pid = arg->pid;
	start = arg->start;
	end = arg->end;
	vec = arg->vec;
	len = arg->vec_len;
	arg->size = sizeof(*arg);
	arg->flags = 0;
	arg->mm_flags = 0;
	arg->vma_size = sizeof(struct vmi_huge_vma);
	arg->nr_vmas = 0;
	arg->walk_end = 0;
	arg->max_lock_ns = 0;
	memset(&arg->total, 0, sizeof(arg->total));
	ret = vmi_ioctl(h, VMI_IOC_HUGE, arg);
	arg->pid = pid;
	arg->start = start;
	arg->end = end;
	arg->vec = vec;
	arg->vec_len = len;
	if (ret)
		return ret;
	if (arg->size < VMI_HUGE_SIZE_VER0 || arg->size > sizeof(*arg))
		return -VMI_EABI;
	if (arg->nr_vmas > len || arg->walk_end <= start || arg->walk_end > end)
		return -VMI_EPROTO;
	return 0;
}

int vmi_huge_totals(struct vmi_handle *h, uint32_t pid, uint64_t start,
		    uint64_t end, struct vmi_huge_arg *out)
{
	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->pid = pid;
	out->start = start;
	out->end = end;
	return vmi_huge_chunk(h, out);
}

void vmi_huge_add(struct vmi_huge_bytes *sum, const struct vmi_huge_bytes *b)
{
	sum->rss += b->rss;
	sum->base += b->base;
	sum->thp_pmd_anon += b->thp_pmd_anon;
	sum->thp_pmd_shmem += b->thp_pmd_shmem;
	sum->thp_pmd_file += b->thp_pmd_file;
	sum->thp_pte += b->thp_pte;
	sum->hugetlb_pmd_private += b->hugetlb_pmd_private;
	sum->hugetlb_pmd_shared += b->hugetlb_pmd_shared;
	sum->hugetlb_pud_private += b->hugetlb_pud_private;
	sum->hugetlb_pud_shared += b->hugetlb_pud_shared;
	sum->swap += b->swap;
	sum->tlb_now += b->tlb_now;
	sum->tlb_best += b->tlb_best;
	for (size_t i = 0; i < VMI_THP_ORDERS; i++)
		sum->thp_pte_order[i] += b->thp_pte_order[i];
}

int vmi_huge_range(struct vmi_handle *h, uint32_t pid, uint64_t start,
		   uint64_t end, struct vmi_fetch *f, struct vmi_huge_result *r)
{
	size_t chunk = f && f->chunk ? f->chunk : VMI_HUGE_CHUNK;
	size_t max = f && f->max ? f->max : VMI_HUGE_ALL_MAX;
	size_t n = 0, cap = 0, len, i;
	struct vmi_huge_vma *buf = NULL;
	struct vmi_huge_arg a;
	uint64_t pos = start;
	int ret;

	if (!h || !r)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	if (f) {
		f->calls = 0;
		f->max_lock_ns = 0;
		f->lock_drops = 0;
	}
	do {
		if (n >= max) {
			ret = -E2BIG;
			goto fail;
		}
		len = chunk < max - n ? chunk : max - n;
		ret = vmi_grow(&buf, &cap, n + len, max, sizeof(*buf));
		if (ret)
			goto fail;
		memset(&a, 0, sizeof(a));
		a.pid = pid;
		a.start = pos;
		a.end = end;
		a.vec = (uintptr_t)(buf + n);
		a.vec_len = len;
		ret = vmi_huge_chunk(h, &a);
		if (f) {
			f->calls++;
			if (!ret && a.max_lock_ns > f->max_lock_ns)
				f->max_lock_ns = a.max_lock_ns;
		}
		if (ret)
			goto fail;
		r->mm_flags = a.mm_flags;
		for (i = 0; i < a.nr_vmas; i++)
			vmi_terminate(buf[n + i].name, sizeof(buf[n + i].name));
		/* a VMA cut by the end of one call continues in the next */
		if (n && a.nr_vmas && buf[n - 1].start == buf[n].start) {
			buf[n - 1].end = buf[n].end;
			vmi_huge_add(&buf[n - 1].bytes, &buf[n].bytes);
			memmove(&buf[n], &buf[n + 1],
				(a.nr_vmas - 1) * sizeof(*buf));
			a.nr_vmas--;
		}
		n += a.nr_vmas;
		pos = a.walk_end;
	} while (pos < end);

	for (i = 0; i < n; i++)
		vmi_huge_add(&r->total, &buf[i].bytes);
	if (!n) {
		free(buf);
		buf = NULL;
	}
	r->vmas = buf;
	r->nr_vmas = n;
	return 0;
fail:
	free(buf);
	return ret;
}

int vmi_huge_all(struct vmi_handle *h, uint32_t pid, struct vmi_huge_result *r)
{
	struct vmi_info info;
	int ret;

	if (!h || !r)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	if (!h->have_info) {
		ret = vmi_get_info(h, &info);
		if (ret)
			return ret;
	}
	return vmi_huge_range(h, pid, 0, vmi_user_end(&h->info), NULL, r);
}

void vmi_huge_result_free(struct vmi_huge_result *r)
{
	if (!r)
		return;
	free(r->vmas);
	r->vmas = NULL;
	r->nr_vmas = 0;
}

/* ---- names ---- */

static const char *const vmi_kind_names[] = VMI_KIND_NAMES;
static const char *const vmi_level_names[] = VMI_LEVEL_NAMES;
static const char *const vmi_eflag_names[] = VMI_EF_NAMES;
static const char *const vmi_attr_names[] = VMI_EA_NAMES;
static const char *const vmi_vma_flag_names[] = VMI_VMA_NAMES;
static const char *const vmi_tlb_cause_names[] = VMI_TLB_CAUSE_NAMES;
static const char *const vmi_tlb_reason_names[] = VMI_TLB_REASON_NAMES;
static const char *const vmi_tlb_hit_names[] = VMI_TLB_HIT_NAMES;

/* Tables with holes return NULL there, like unknown values. */
static const char *vmi_name(const char *const *names, size_t n, uint64_t i)
{
	return i < n ? names[i] : NULL;
}

const char *vmi_kind_name(uint32_t kind)
{
	return vmi_name(vmi_kind_names, ARRAY_SIZE(vmi_kind_names), kind);
}

const char *vmi_level_name(uint32_t level)
{
	return vmi_name(vmi_level_names, ARRAY_SIZE(vmi_level_names), level);
}

const char *vmi_eflag_name(unsigned int bit)
{
	return vmi_name(vmi_eflag_names, ARRAY_SIZE(vmi_eflag_names), bit);
}

const char *vmi_attr_name(unsigned int bit)
{
	return vmi_name(vmi_attr_names, ARRAY_SIZE(vmi_attr_names), bit);
}

const char *vmi_vma_flag_name(unsigned int bit)
{
	return vmi_name(vmi_vma_flag_names, ARRAY_SIZE(vmi_vma_flag_names),
			bit);
}

char *vmi_vma_perms(uint32_t vma_flags, char *buf)
{
	buf[0] = vma_flags & VMI_VMA_READ ? 'r' : '-';
	buf[1] = vma_flags & VMI_VMA_WRITE ? 'w' : '-';
	buf[2] = vma_flags & VMI_VMA_EXEC ? 'x' : '-';
	buf[3] = vma_flags & VMI_VMA_SHARED ? 's' : 'p';
	buf[4] = '\0';
	return buf;
}

/* ---- TLB shootdowns ---- */

#define VMI_TLB_CHUNK 64

int vmi_tlb_ctl(struct vmi_handle *h, uint64_t flags,
		struct vmi_tlb_ctl_arg *out)
{
	struct vmi_tlb_ctl_arg a = { .size = sizeof(a), .flags = flags };
	int ret;

	if (!h)
		return -EINVAL;
	ret = vmi_ioctl(h, VMI_IOC_TLB_CTL, &a);
	if (ret)
		return ret == -EOPNOTSUPP ? -VMI_ENOTSUPP : ret;
	if (a.size < VMI_TLB_CTL_SIZE_VER0 || a.size > sizeof(a))
		return -VMI_EABI;
	if (out)
		*out = a;
	return 0;
}

int vmi_tlb_cpus(struct vmi_handle *h, struct vmi_tlb_cpu **out, size_t *n)
{
	struct vmi_tlb_cpus_arg a;
	struct vmi_tlb_cpu *v = NULL;
	size_t have = 0, cap = 0;
	uint32_t next = 0;
	int ret;

	if (!h || !out || !n)
		return -EINVAL;
	*out = NULL;
	*n = 0;
	for (;;) {
		if (vmi_grow(&v, &cap, have + VMI_TLB_CHUNK, SIZE_MAX,
			     sizeof(*v))) {
			free(v);
			return -ENOMEM;
		}
		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.first_cpu = next;
		a.vec = (uintptr_t)(v + have);
		a.vec_len = VMI_TLB_CHUNK;
		a.cpu_size = sizeof(*v);
		ret = vmi_ioctl(h, VMI_IOC_TLB_CPUS, &a);
		if (ret) {
			free(v);
			return ret == -EOPNOTSUPP ? -VMI_ENOTSUPP : ret;
		}
		if (a.nr_cpus > VMI_TLB_CHUNK ||
		    (a.next_cpu <= next && a.nr_cpus)) {
			free(v);
			return -VMI_EPROTO;
		}
		have += a.nr_cpus;
		if (a.nr_cpus < VMI_TLB_CHUNK)
			break;
		next = a.next_cpu;
	}
	*out = v;
	*n = have;
	return 0;
}

/*
 * One call of a TLB table command from @cursor into @vec: sets *@next
 * (0: done) and *@nr (records written); 0 or -errno.
 */
typedef int (*vmi_tlb_page_fn)(struct vmi_handle *h, const void *ctx,
			       uint64_t cursor, void *vec, uint64_t *next,
			       uint64_t *nr);

/*
 * A whole table of @rec-byte records, VMI_TLB_CHUNK per call of @page,
 * into a malloc'ed array.
 */
static int vmi_tlb_table(struct vmi_handle *h, vmi_tlb_page_fn page,
			 const void *ctx, size_t rec, void **out, size_t *n)
{
	size_t have = 0, cap = 0;
	uint64_t cursor = 0, next, nr;
	char *v = NULL;
	int ret;

	*out = NULL;
	*n = 0;
	do {
		if (vmi_grow(&v, &cap, have + VMI_TLB_CHUNK, SIZE_MAX, rec)) {
			free(v);
			return -ENOMEM;
		}
		ret = page(h, ctx, cursor, v + have * rec, &next, &nr);
		if (ret) {
			free(v);
			return ret == -EOPNOTSUPP ? -VMI_ENOTSUPP : ret;
		}
		if (nr > VMI_TLB_CHUNK || (next && next <= cursor)) {
			free(v);
			return -VMI_EPROTO;
		}
		have += nr;
		cursor = next;
	} while (cursor);
	*out = v;
	*n = have;
	return 0;
}

static int vmi_tlb_initiators_page(struct vmi_handle *h, const void *ctx,
				   uint64_t cursor, void *vec, uint64_t *next,
				   uint64_t *nr)
{
	struct vmi_tlb_initiators_arg a = {
		.size = sizeof(a),
		.pid = *(const uint32_t *)ctx,
		.cursor = cursor,
		.vec = (uintptr_t)vec,
		.vec_len = VMI_TLB_CHUNK,
		.rec_size = sizeof(struct vmi_tlb_initiator),
	};
	int ret = vmi_ioctl(h, VMI_IOC_TLB_INITIATORS, &a);

	*next = a.next;
	*nr = a.nr_out;
	return ret;
}

int vmi_tlb_initiators(struct vmi_handle *h, uint32_t pid,
		       struct vmi_tlb_initiator **out, size_t *n)
{
	size_t i;
	int ret;

	if (!h || !out || !n)
		return -EINVAL;
	ret = vmi_tlb_table(h, vmi_tlb_initiators_page, &pid, sizeof(**out),
			    (void **)out, n);
	for (i = 0; !ret && i < *n; i++)
		vmi_terminate((*out)[i].comm, sizeof((*out)[i].comm));
	return ret;
}

static int vmi_tlb_sites_page(struct vmi_handle *h, const void *ctx,
			      uint64_t cursor, void *vec, uint64_t *next,
			      uint64_t *nr)
{
	struct vmi_tlb_sites_arg a = {
		.size = sizeof(a),
		.cursor = cursor,
		.vec = (uintptr_t)vec,
		.vec_len = VMI_TLB_CHUNK,
		.rec_size = sizeof(struct vmi_tlb_site),
	};
	int ret = vmi_ioctl(h, VMI_IOC_TLB_SITES, &a);

	(void)ctx;
	*next = a.next;
	*nr = a.nr_out;
	return ret;
}

int vmi_tlb_sites(struct vmi_handle *h, struct vmi_tlb_site **out, size_t *n)
{
	size_t i;
	int ret;

	if (!h || !out || !n)
		return -EINVAL;
	ret = vmi_tlb_table(h, vmi_tlb_sites_page, NULL, sizeof(**out),
			    (void **)out, n);
	for (i = 0; !ret && i < *n; i++)
		vmi_terminate((*out)[i].function, sizeof((*out)[i].function));
	return ret;
}

int vmi_tlb_trace(struct vmi_handle *h, struct vmi_tlb_record *vec, size_t len,
		  size_t *n, uint64_t *drops)
{
	struct vmi_tlb_trace_arg a = {
		.size = sizeof(a),
		.vec = (uintptr_t)vec,
		.vec_len = len,
		.rec_size = sizeof(*vec),
	};
	size_t i;
	int ret;

	if (!h || !vec || !len || !n)
		return -EINVAL;
	ret = vmi_ioctl(h, VMI_IOC_TLB_TRACE, &a);
	if (ret)
		return ret == -EOPNOTSUPP ? -VMI_ENOTSUPP : ret;
	if (a.nr_out > len)
		return -VMI_EPROTO;
	for (i = 0; i < a.nr_out; i++)
		vmi_terminate(vec[i].comm, sizeof(vec[i].comm));
	*n = a.nr_out;
	if (drops)
		*drops = a.drops;
	return 0;
}

uint64_t vmi_tlb_quantile(const __u64 *hist, uint64_t max,
			  unsigned int permille)
{
	uint64_t total = 0, seen = 0, want;
	unsigned int b;

	for (b = 0; b < VMI_TLB_HIST_BUCKETS; b++)
		total += hist[b];
	if (!total)
		return 0;
	want = (total * permille + 999) / 1000;
	for (b = 0; b < VMI_TLB_HIST_BUCKETS - 1; b++) {
		seen += hist[b];
		if (seen >= want)
			break;
	}
	if (b >= 63)
		return max;
	return (2ULL << b) - 1 < max ? (2ULL << b) - 1 : max;
}

const char *vmi_tlb_cause_name(unsigned int cause)
{
	return vmi_name(vmi_tlb_cause_names, ARRAY_SIZE(vmi_tlb_cause_names),
			cause);
}

uint64_t vmi_tlb_initiator_cause(const struct vmi_tlb_initiator *in,
				 unsigned int cause)
{
	if (cause < VMI_TLB_NR_CAUSES)
		return in->causes[cause];
	if (cause < VMI_TLB_NR_CAUSES_ALL)
		return in->causes_ext[cause - VMI_TLB_NR_CAUSES];
	return 0;
}

const char *vmi_tlb_hit_name(unsigned int hit)
{
	return vmi_name(vmi_tlb_hit_names, ARRAY_SIZE(vmi_tlb_hit_names), hit);
}

const char *vmi_tlb_reason_name(unsigned int reason)
{
	return vmi_name(vmi_tlb_reason_names, ARRAY_SIZE(vmi_tlb_reason_names),
			reason);
}

uint64_t vmi_tlb_cpu_pages(const struct vmi_tlb_cpu *c)
{
	return c->pages[VMI_TLB_REMOTE_SHOOTDOWN] +
	       c->pages[VMI_TLB_LOCAL_SHOOTDOWN] + c->pages[VMI_TLB_LOCAL_MM];
}
