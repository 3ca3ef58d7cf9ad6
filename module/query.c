// SPDX-License-Identifier: GPL-2.0
/*
 * query.c - the page-table queries: walk (extents), maps, translate and
 * page-table overhead.  Each fills plain structs and hands them to a sink
 * outside mmap_lock; the ioctl and the query file only choose the sink.
 *
 * Results are gathered under the lock into a small fixed buffer and
 * delivered in batches with the lock dropped: copying to user memory may
 * fault, and a fault on the walked mm would take its mmap_lock again.
 */
#include <linux/dcache.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/hugetlb.h>
#include <linux/limits.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "compat.h"
#include "decode.h"
#include "vminspect.h"

/*
 * Records gathered under the lock before it is dropped to deliver them: a
 * fixed 8 KiB whatever the caller asks for, small enough for the slab
 * (a query of a few records costs no page allocation).
 */
#define VMI_BATCH      (VMI_BATCH_BYTES / sizeof(struct vmi_extent))
#define VMI_MAPS_BATCH (VMI_BATCH_BYTES / sizeof(struct vmi_vma))

static void vmi_leaf_to_extent(struct vmi_extent *e, const struct vmi_leaf *l)
{
	memset(e, 0, sizeof(*e));
	e->start = l->start;
	e->end = l->end;
	e->pfn = l->pfn;
	e->eflags = l->eflags;
	e->swap_offset = l->swap_offset;
	e->swap_type = l->swap_type;
	e->kind = l->kind;
	e->level = l->level;
	e->page_shift = l->page_shift;
	e->attrs = l->attrs;
}

/* Does @l continue @e: adjacent, same attributes, contiguous frames? */
static bool vmi_extent_extends(const struct vmi_extent *e,
			       const struct vmi_leaf *l)
{
	u64 pages = (e->end - e->start) >> PAGE_SHIFT;

	if (e->end != l->start || e->kind != l->kind || e->level != l->level ||
	    e->page_shift != l->page_shift || e->eflags != l->eflags ||
	    e->attrs != l->attrs)
		return false;
	switch (e->kind) {
	case VMI_KIND_SWAP:
		/* hidden slots cannot be compared, and must not leak */
		return (e->attrs & VMI_EA_PFN_HIDDEN) ||
		       (e->swap_type == l->swap_type &&
			l->swap_offset == e->swap_offset + pages);
	case VMI_KIND_NONE:
	case VMI_KIND_MARKER:
	case VMI_KIND_OTHER:
		return true;
	default:
		/* hidden frames cannot be compared, and must not leak */
		return (e->attrs & VMI_EA_PFN_HIDDEN) ||
		       l->pfn == e->pfn + pages;
	}
}

/* ---- staging: records gathered under the lock ------------------------- */

static_assert(offsetof(struct vmi_extent, start) == 0);
static_assert(offsetof(struct vmi_vma, start) == 0);

/*
 * Set up a staging area for records of @rec_size, @max of them per batch,
 * @room in all, growing in @pending.  Return: 0 or -ENOMEM.
 */
int vmi_stage_init(struct vmi_stage *st, void *pending, size_t rec_size,
		   unsigned int max, u64 room)
{
	st->buf = kmalloc_array(max, rec_size, GFP_KERNEL);
	if (!st->buf)
		return -ENOMEM;
	st->pending = pending;
	st->rec_size = rec_size;
	st->max = max;
	st->room = room;
	return 0;
}

/* Move the pending record into the batch; false when the sink is full. */
bool vmi_stage_push(struct vmi_stage *st)
{
	if (!st->room) {
		st->full = true;
		return false;
	}
	if (st->seal)
		st->seal(st);
	memcpy(st->buf + st->nbuf++ * st->rec_size, st->pending, st->rec_size);
	st->room--;
	st->have_pending = false;
	return true;
}

/* Hand the batch, if any, to @put; 0 or its error. */
static int vmi_stage_flush(struct vmi_stage *st,
			   int (*put)(void *ctx, const void *recs,
				      unsigned int n),
			   void *ctx, u64 *nr_out)
{
	int ret;

	if (!st->nbuf)
		return 0;
	ret = put(ctx, st->buf, st->nbuf);
	if (ret)
		return ret;
	*nr_out += st->nbuf;
	st->nbuf = 0;
	return 0;
}

/*
 * Walk [start, end), handing each batch to @put with no lock held, until
 * the range is done or the sink is full; then *@walk_end says where the
 * records stop.
 */
int vmi_stage_run(struct vmi_stage *st, struct vmi_walk *w, unsigned long start,
		  unsigned long end,
		  int (*put)(void *ctx, const void *recs, unsigned int n),
		  void *ctx, u64 *nr_out, u64 *walk_end)
{
	unsigned long addr = start;
	int ret;

	for (;;) {
		ret = vmi_walk(w, addr, end);
		if (ret)
			return ret;
		ret = vmi_stage_flush(st, put, ctx, nr_out);
		if (ret)
			return ret;
		/*
		 * The record still growing is final when the range is done;
		 * it goes out after the batch, which a consumer may have
		 * filled on the way (it stops the walk then).
		 */
		if (w->addr >= end && st->have_pending && !st->full) {
			vmi_stage_push(st);
			ret = vmi_stage_flush(st, put, ctx, nr_out);
			if (ret)
				return ret;
		}
		if (st->full) {
			/* the record that did not fit is where to go on */
			*walk_end = *(u64 *)st->pending;
			return 0;
		}
		if (w->addr >= end) {
			*walk_end = end;
			return 0;
		}
		addr = w->addr;
		if (fatal_signal_pending(current))
			return -EINTR;
	}
}

/* ---- walk: extents ---------------------------------------------------- */

struct vmi_extents {
	struct vmi_walk w;
	struct vmi_stage st;
	bool per_page;
	struct vmi_extent pending; /* still growing */
};

int vmi_extents_leaf(struct vmi_walk *w, const struct vmi_leaf *leaf)
{
	struct vmi_extents *x = w->priv;

	if (x->st.have_pending && !x->per_page &&
	    vmi_extent_extends(&x->pending, leaf)) {
		x->pending.end = leaf->end;
		return VMI_WALK_CONTINUE;
	}
	if (x->st.have_pending && !vmi_stage_push(&x->st))
		return VMI_WALK_STOP;
	vmi_leaf_to_extent(&x->pending, leaf);
	x->st.have_pending = true;
	return x->st.nbuf == x->st.max ? VMI_WALK_STOP : VMI_WALK_CONTINUE;
}

static const struct vmi_walk_ops vmi_extents_ops = {
	.leaf = vmi_extents_leaf,
};

/* ---- walk: pages, one record per 4 KiB ---------------------------------- */

#define VMI_PAGES_BATCH (VMI_BATCH_BYTES / sizeof(struct vmi_page))

struct vmi_pages {
	struct vmi_walk w;
	struct vmi_page *buf;
	unsigned int nbuf;
	u64 room;	    /* records the sink still takes */
	unsigned long next; /* the page the next record describes */
};

/*
 * Records for [p->next, to): from @leaf, or empty ones for the gaps the
 * walker does not visit.  False when the batch or the caller's vector is
 * full; p->next says where to go on.
 */
static bool vmi_pages_fill(struct vmi_pages *p, unsigned long to,
			   const struct vmi_leaf *leaf)
{
	/* locals: stores into the buffer must not make the compiler reload */
	unsigned long next = p->next;
	unsigned int nbuf = p->nbuf;
	struct vmi_page r = {};
	u64 frame = 0, step = 0;
	u64 room = p->room;
	bool ok = true;

	if (leaf) {
		u64 idx = (next - leaf->start) >> PAGE_SHIFT;

		r.eflags = leaf->eflags;
		r.kind = leaf->kind;
		r.level = leaf->level;
		r.page_shift = leaf->page_shift;
		r.attrs = leaf->attrs;
		if (leaf->attrs & VMI_EA_PFN_HIDDEN) {
			/* neither a frame nor a slot: nothing to count up */
		} else if (leaf->kind == VMI_KIND_SWAP) {
			frame = leaf->swap_type | (leaf->swap_offset + idx)
							  << 5;
			step = 1 << 5;
		} else if (leaf->pfn) {
			frame = leaf->pfn + idx;
			step = 1;
		}
	}
	for (; next < to; next += PAGE_SIZE, frame += step) {
		if (!room || nbuf == VMI_PAGES_BATCH) {
			ok = false;
			break;
		}
		r.frame = frame;
		p->buf[nbuf++] = r;
		room--;
	}
	p->next = next;
	p->nbuf = nbuf;
	p->room = room;
	return ok;
}

int vmi_pages_leaf(struct vmi_walk *w, const struct vmi_leaf *leaf)
{
	struct vmi_pages *p = w->priv;

	/* the common case, a 4 KiB page right after the last one */
	if (leaf->start == p->next && leaf->end - leaf->start == PAGE_SIZE &&
	    p->room && p->nbuf < VMI_PAGES_BATCH) {
		struct vmi_page *r = &p->buf[p->nbuf++];

		r->frame = leaf->kind == VMI_KIND_SWAP ?
				   leaf->swap_type | leaf->swap_offset << 5 :
				   leaf->pfn;
		r->eflags = leaf->eflags;
		r->kind = leaf->kind;
		r->level = leaf->level;
		r->page_shift = leaf->page_shift;
		r->attrs = leaf->attrs;
		p->next += PAGE_SIZE;
		p->room--;
		return VMI_WALK_CONTINUE;
	}
	if (leaf->start != p->next && !vmi_pages_fill(p, leaf->start, NULL))
		return VMI_WALK_STOP;
	if (!vmi_pages_fill(p, leaf->end, leaf))
		return VMI_WALK_STOP;
	return VMI_WALK_CONTINUE;
}

#ifdef CONFIG_X86_64
/*
 * The record of a present PTE whose bits other than the frame are those
 * of the last one decoded, whose flags (EXCLUSIVE aside) were @eflags:
 * what vmi_decode_pte() and vmi_leaf_finish() would make of it.
 */
static __always_inline void
vmi_pages_like(struct vmi_walk *w, struct vmi_page *r, u64 pfn, u64 eflags)
{
	u32 attrs = w->vma_attrs;

	vmi_pte_page_flags(w, pfn, &eflags, &attrs);
	if (w->hide_pfn) {
		pfn = 0;
		attrs |= VMI_EA_PFN_HIDDEN;
	}
	r->frame = pfn;
	r->eflags = eflags;
	r->kind = VMI_KIND_PRESENT;
	r->level = VMI_LEVEL_PTE;
	r->page_shift = PAGE_SHIFT;
	r->attrs = attrs;
}

/* A PTE table at once: no call per entry, records written in place. */
static int vmi_pages_ptes(struct vmi_walk *w, pte_t *table, unsigned long addr,
			  unsigned long end)
{
	struct vmi_pages *p = w->priv;
	/* the last present entry decoded, and its flags but EXCLUSIVE */
	u64 prev = 0, prev_eflags = 0;
	int ret = VMI_WALK_CONTINUE;
	unsigned int nbuf, n = 0;
	struct vmi_page *r;
	u64 room;

	/* the gap before the table (a hole above it, or a VMA boundary) */
	if (addr != p->next && !vmi_pages_fill(p, addr, NULL)) {
		w->addr = p->next;
		return VMI_WALK_STOP;
	}
	nbuf = p->nbuf;
	room = p->room;
	for (; addr < end; addr += PAGE_SIZE, table++, n++) {
		pte_t pte = ptep_get(table);
		struct vmi_leaf leaf;
		u64 v;

		if (!room || nbuf == VMI_PAGES_BATCH) {
			ret = VMI_WALK_STOP;
			break;
		}
		if (n == VMI_PTES_SLICE) {
			n = 0;
			if (vmi_walk_lock_wanted(w)) {
				ret = VMI_WALK_YIELD;
				break;
			}
		}
		room--;
		r = &p->buf[nbuf++];
		if (pte_none(pte)) {
			memset(r, 0, sizeof(*r));
			continue;
		}
		/*
		 * Present with the same bits as the last one but the frame
		 * (the run a fault-in or a large folio leaves): its flags
		 * again, with this frame's own facts.
		 */
		v = native_pte_val(pte); /* see vmi_raw_ptes() */
		if (prev && !((v ^ prev) & ~PTE_PFN_MASK)) {
			vmi_pages_like(w, r, vmi_entry_pfn(v, false),
				       prev_eflags);
			continue;
		}
		leaf.start = addr;
		leaf.end = addr + PAGE_SIZE;
		leaf.level = VMI_LEVEL_PTE;
		leaf.page_shift = PAGE_SHIFT;
		leaf.attrs = 0;
		vmi_decode_pte(w, &leaf, v);
		vmi_leaf_finish(w, &leaf);
		r->frame = leaf.kind == VMI_KIND_SWAP ?
				   leaf.swap_type | leaf.swap_offset << 5 :
				   leaf.pfn;
		r->eflags = leaf.eflags;
		r->kind = leaf.kind;
		r->level = leaf.level;
		r->page_shift = leaf.page_shift;
		r->attrs = leaf.attrs;
		if (v & _PAGE_PRESENT) {
			prev = v;
			prev_eflags = leaf.eflags & ~VMI_EF_EXCLUSIVE;
		}
	}
	p->nbuf = nbuf;
	p->room = room;
	p->next = addr;
	w->addr = addr;
	return ret;
}

#endif /* CONFIG_X86_64 */

static const struct vmi_walk_ops vmi_pages_ops = {
	.leaf = vmi_pages_leaf,
#ifdef CONFIG_X86_64
	.ptes = vmi_pages_ptes,
#endif
};

static int vmi_query_pages(struct vmi_walk_query *q, struct mm_struct *mm,
			   const struct vmi_caller *caller)
{
	struct vmi_pages p = {};
	int ret = 0;

	p.buf = kmalloc_array(VMI_PAGES_BATCH, sizeof(*p.buf), GFP_KERNEL);
	if (!p.buf)
		return -ENOMEM;
	p.w.mm = mm;
	p.w.caller = caller;
	p.w.ops = &vmi_pages_ops;
	p.w.priv = &p;
	p.room = q->max_out;
	p.next = q->start;

	for (;;) {
		ret = vmi_walk(&p.w, p.next, q->end);
		if (ret)
			break;
		/* the walk ended, or stopped at p->next: the gaps after it */
		if (p.w.addr >= q->end)
			vmi_pages_fill(&p, q->end, NULL);
		if (p.nbuf) {
			ret = q->put(q, p.buf, sizeof(*p.buf), p.nbuf);
			if (ret)
				break;
			q->nr_out += p.nbuf;
			p.nbuf = 0;
		}
		if (p.next >= q->end || !p.room)
			break;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
	}
	q->walk_end = p.next;
	q->max_lock_ns = p.w.max_lock_ns;
	q->lock_drops = p.w.lock_drops;
	kfree(p.buf);
	return ret;
}

static int vmi_walk_put(void *ctx, const void *recs, unsigned int n)
{
	struct vmi_walk_query *q = ctx;

	return q->put(q, recs, sizeof(struct vmi_extent), n);
}

/**
 * vmi_query_walk - the extents of a range, delivered to a sink
 * @q:		the query; @q->put receives batches with no lock held
 * @caller:	what the caller may see
 *
 * Return: 0 (see @q->nr_out and @q->walk_end) or -errno.
 */
int vmi_query_walk(struct vmi_walk_query *q, const struct vmi_caller *caller)
{
	struct vmi_extents x = {};
	struct mm_struct *mm;
	int ret;

	if (q->flags & ~VMI_WALK_FLAGS)
		return -EINVAL;
	/* pages come one by one, holes included: nothing to add */
	if ((q->flags & VMI_WALK_PAGES) && (q->flags & ~VMI_WALK_PAGES))
		return -EINVAL;
	ret = vmi_check_range(q->start, q->end);
	if (ret)
		return ret;
	if (!q->max_out)
		return -EINVAL;

	mm = vmi_get_mm(q->pid, caller);
	if (IS_ERR(mm))
		return PTR_ERR(mm);
	q->nr_out = 0;
	if (q->flags & VMI_WALK_PAGES) {
		ret = vmi_query_pages(q, mm, caller);
		goto out_mmput;
	}
	ret = vmi_stage_init(&x.st, &x.pending, sizeof(x.pending), VMI_BATCH,
			     q->max_out);
	if (ret)
		goto out_mmput;
	x.w.mm = mm;
	x.w.caller = caller;
	x.w.ops = &vmi_extents_ops;
	x.w.priv = &x;
	x.w.holes = q->flags & VMI_WALK_HOLES;
	x.per_page = q->flags & VMI_WALK_PER_PAGE;

	ret = vmi_stage_run(&x.st, &x.w, q->start, q->end, vmi_walk_put, q,
			    &q->nr_out, &q->walk_end);
	q->max_lock_ns = x.w.max_lock_ns;
	q->lock_drops = x.w.lock_drops;
	kfree(x.st.buf);
out_mmput:
	mmput(mm);
	return ret;
}

/* ---- maps: VMAs and what backs them ------------------------------------ */

struct vmi_maps {
	struct vmi_walk w;
	struct vmi_stage st;
	struct vmi_vma cur; /* the VMA being added up */
	char *path;	    /* PATH_MAX scratch for d_path() */
};

/* The name /proc/PID/maps shows for @vma, into @name; @path is PATH_MAX scratch. */
void vmi_vma_name(struct vm_area_struct *vma, char *name, char *path)
{
	struct mm_struct *mm = vma->vm_mm;
	const char *n = NULL;

	if (vma->vm_file) {
		n = d_path(&vma->vm_file->f_path, path, PATH_MAX);
		if (IS_ERR(n))
			n = NULL;
	} else if (vma->vm_ops && vma->vm_ops->name) {
		n = vma->vm_ops->name(vma);
	} else if (vma->vm_start <= mm->brk && vma->vm_end >= mm->start_brk) {
		n = "[heap]";
	} else if (vma->vm_start <= mm->start_stack &&
		   vma->vm_end >= mm->start_stack) {
		n = "[stack]";
	}
	if (n)
		strscpy(name, n, VMI_NAME_LEN);
}

static int vmi_maps_vma(struct vmi_walk *w, struct vm_area_struct *vma)
{
	struct vmi_maps *m = w->priv;

	/*
	 * Met again after the lock was dropped, changed (grown down, moved
	 * up, replaced in part): still the record being added up, so that
	 * records never overlap nor go backwards.
	 */
	if (m->st.have_pending && vma->vm_start < m->cur.end) {
		m->cur.end = max_t(u64, m->cur.end, vma->vm_end);
		return VMI_WALK_CONTINUE;
	}
	if (m->st.have_pending) {
		if (!vmi_stage_push(&m->st))
			return VMI_WALK_STOP;
		if (m->st.nbuf == m->st.max)
			return VMI_WALK_STOP; /* deliver, then come back here */
	}
	memset(&m->cur, 0, sizeof(m->cur));
	m->cur.start = vma->vm_start;
	m->cur.end = vma->vm_end;
	m->cur.pgoff = (u64)vma->vm_pgoff << PAGE_SHIFT;
	m->cur.vma_flags = vmi_vma_flags(vma);
	vmi_vma_name(vma, m->cur.name, m->path);
	m->st.have_pending = true;
	return VMI_WALK_CONTINUE;
}

int vmi_maps_leaf(struct vmi_walk *w, const struct vmi_leaf *leaf)
{
	struct vmi_maps *m = w->priv;
	u64 len = leaf->end - leaf->start;

	if (leaf->kind == VMI_KIND_SWAP) {
		m->cur.swap += len;
		return VMI_WALK_CONTINUE;
	}
	/* the zero page and PFN maps are nobody's resident memory */
	if (leaf->kind != VMI_KIND_PRESENT || leaf->eflags & VMI_EF_SPECIAL)
		return VMI_WALK_CONTINUE;
	m->cur.rss += len;
	if (leaf->attrs & VMI_EA_THP)
		m->cur.thp += len;
	if (leaf->page_shift >= PUD_SHIFT)
		m->cur.bytes_1g += len;
	else if (leaf->page_shift >= PMD_SHIFT)
		m->cur.bytes_2m += len;
	else
		m->cur.bytes_4k += len;
	return VMI_WALK_CONTINUE;
}

static const struct vmi_walk_ops vmi_maps_ops = {
	.leaf = vmi_maps_leaf,
	.vma = vmi_maps_vma,
};

static int vmi_maps_put(void *ctx, const void *recs, unsigned int n)
{
	struct vmi_maps_query *q = ctx;

	return q->put(q, recs, n);
}

int vmi_query_maps(struct vmi_maps_query *q, const struct vmi_caller *caller)
{
	struct vmi_maps m = {};
	struct mm_struct *mm;
	int ret;

	if (q->flags)
		return -EINVAL;
	ret = vmi_check_range(q->start, q->end);
	if (ret)
		return ret;
	if (!q->max_out)
		return -EINVAL;

	mm = vmi_get_mm(q->pid, caller);
	if (IS_ERR(mm))
		return PTR_ERR(mm);
	ret = vmi_stage_init(&m.st, &m.cur, sizeof(m.cur), VMI_MAPS_BATCH,
			     q->max_out);
	if (ret)
		goto out_mmput;
	ret = -ENOMEM;
	m.path = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!m.path)
		goto out_free_buf;
	q->nr_out = 0;
	m.w.mm = mm;
	m.w.caller = caller;
	m.w.ops = &vmi_maps_ops;
	m.w.priv = &m;

	ret = vmi_stage_run(&m.st, &m.w, q->start, q->end, vmi_maps_put, q,
			    &q->nr_out, &q->walk_end);
	q->max_lock_ns = m.w.max_lock_ns;
	kfree(m.path);
out_free_buf:
	kfree(m.st.buf);
out_mmput:
	mmput(mm);
	return ret;
}

/* ---- translate: one address, level by level ----------------------------- */

static int vmi_translate_leaf(struct vmi_walk *w, const struct vmi_leaf *leaf)
{
	struct vmi_translate_arg *arg = w->priv;

	vmi_leaf_to_extent(&arg->leaf, leaf);
	return VMI_WALK_STOP;
}

static const struct vmi_walk_ops vmi_translate_ops = {
	.leaf = vmi_translate_leaf,
};

int vmi_query_translate(struct vmi_translate_arg *arg,
			const struct vmi_caller *caller)
{
	unsigned long va = arg->va, page = va & PAGE_MASK;
	struct vm_area_struct *vma;
	struct vmi_walk w = {};
	struct mm_struct *mm;
	int ret;

	if (arg->flags)
		return -EINVAL;
	if (va >= TASK_SIZE_MAX)
		return -EINVAL;

	mm = vmi_get_mm(arg->pid, caller);
	if (IS_ERR(mm))
		return PTR_ERR(mm);

	ret = mmap_read_lock_killable(mm);
	if (ret)
		goto out_mmput;
	vma = find_vma(mm, va);
	/* outside every VMA its tables may be on their way out: do not look */
	if (vma && vma->vm_start <= va) {
		arg->vma_start = vma->vm_start;
		arg->vma_end = vma->vm_end;
		arg->vma_flags = vmi_vma_flags(vma);
		arg->nr_levels = vmi_walk_path(vma, va, arg->levels, caller);
	}
	mmap_read_unlock(mm);

	/* the leaf, decoded by the walker everybody else uses */
	arg->leaf.start = page;
	arg->leaf.end = page + PAGE_SIZE;
	if (arg->vma_end) {
		w.mm = mm;
		w.caller = caller;
		w.ops = &vmi_translate_ops;
		w.priv = arg;
		w.holes = true;
		ret = vmi_walk(&w, page, page + PAGE_SIZE);
		if (ret)
			goto out_mmput;
	}
	if (arg->leaf.kind == VMI_KIND_PRESENT && caller->pfn)
		arg->pa = ((u64)arg->leaf.pfn << PAGE_SHIFT) |
			  (va & ~PAGE_MASK);

out_mmput:
	mmput(mm);
	return ret;
}

/* ---- page-table overhead ---------------------------------------------- */

#define VMI_PGT_BATCH (VMI_BATCH_BYTES / sizeof(struct vmi_pgt_vma))

struct vmi_pgtables {
	struct vmi_walk w;
	struct vmi_stage st;
	struct vmi_pgt_vma cur; /* the VMA being added up */
	struct vmi_pgtables_arg *arg;
	/* per level, the table met last (tables are met in address order) */
	unsigned long last[VMI_LEVEL_PGD + 1];
	bool open[VMI_LEVEL_PGD + 1];
	unsigned int used[VMI_LEVEL_PGD + 1]; /* its entries in use */
	/* entries of the current PTE table inside the current VMA */
	unsigned int seg;
	bool seg_open;
};

/* The bucket of a table with @n entries in use, n >= 1. */
static unsigned int vmi_pgt_bucket(unsigned int n)
{
	if (n == 1)
		return 0;
	if (n <= 8)
		return 1;
	if (n <= 64)
		return 2;
	if (n <= 256)
		return 3;
	return n < PTRS_PER_PTE ? 4 : 5;
}

/* The table of @level met last is done: file it by its entries in use. */
static void vmi_pgt_close(struct vmi_pgtables *p, unsigned int level)
{
	if (!p->open[level])
		return;
	if (p->used[level])
		p->arg->fullness[level][vmi_pgt_bucket(p->used[level])]++;
	else
		p->arg->empty[level]++;
	p->open[level] = false;
}

/* The part of a PTE table inside the current VMA is done. */
static void vmi_pgt_close_seg(struct vmi_pgtables *p)
{
	if (!p->seg_open)
		return;
	if (!p->seg)
		p->cur.pte_empty++;
	else if (p->seg == 1)
		p->cur.pte_single++;
	p->seg_open = false;
}

/* The VMA's record is final. */
static void vmi_pgtables_seal(struct vmi_stage *st)
{
	vmi_pgt_close_seg(container_of(st, struct vmi_pgtables, st));
}

static int vmi_pgtables_vma(struct vmi_walk *w, struct vm_area_struct *vma)
{
	struct vmi_pgtables *p = w->priv;

	/* met again after a lock drop: still the record being added up */
	if (p->st.have_pending && vma->vm_start < p->cur.end) {
		p->cur.end = max_t(u64, p->cur.end, vma->vm_end);
		return VMI_WALK_CONTINUE;
	}
	vmi_pgt_close_seg(p);
	if (p->st.have_pending && p->st.max) {
		if (!vmi_stage_push(&p->st))
			return VMI_WALK_STOP;
		/*
		 * The sink took its last record: stop before this VMA adds
		 * to the counts, which then cover [start, vm_start) exactly
		 */
		if (!p->st.room) {
			p->st.full = true;
			p->cur.start = vma->vm_start;
			return VMI_WALK_STOP;
		}
		if (p->st.nbuf == p->st.max)
			return VMI_WALK_STOP;
	}
	memset(&p->cur, 0, sizeof(p->cur));
	p->cur.start = vma->vm_start;
	p->cur.end = vma->vm_end;
	p->cur.vma_flags = vmi_vma_flags(vma);
	p->st.have_pending = true;
	return VMI_WALK_CONTINUE;
}

static int vmi_pgtables_table(struct vmi_walk *w, unsigned int level,
			      unsigned long addr, unsigned long pfn)
{
	struct vmi_pgtables *p = w->priv;
	/* the entry pointing at this table lives one level up */
	unsigned int up = level + 1;

	if (up == VMI_LEVEL_P4D && vmi_pgtable_levels() < 5)
		up = VMI_LEVEL_PGD; /* the P4D level is folded away */
	/* a PTE table met anew, or again in the next VMA: a new part */
	if (level == VMI_LEVEL_PTE &&
	    (!p->seg_open || !p->open[level] || p->last[level] != pfn)) {
		vmi_pgt_close_seg(p);
		p->seg = 0;
		p->seg_open = true;
	}
	if (p->open[level] && p->last[level] == pfn)
		return VMI_WALK_CONTINUE;
	vmi_pgt_close(p, level);
	p->last[level] = pfn;
	p->open[level] = true;
	p->used[level] = 0;
	p->used[up]++;
	p->arg->tables[level]++;
	p->arg->entries[up]++;
	p->cur.tables[level - 1]++;
	return VMI_WALK_CONTINUE;
}

static int vmi_pgtables_leaf(struct vmi_walk *w, const struct vmi_leaf *leaf)
{
	struct vmi_pgtables *p = w->priv;

	if (leaf->kind == VMI_KIND_NONE)
		return VMI_WALK_CONTINUE;
	p->arg->entries[leaf->level]++;
	p->used[leaf->level]++;
	/*
	 * An anonymous THP mapped by a PMD (the huge zero page too, or its
	 * migration entry) keeps a PTE table deposited for its split
	 */
	if (leaf->level == VMI_LEVEL_PMD &&
	    (w->vma_attrs & (VMI_EA_ANON | VMI_EA_HUGETLB)) == VMI_EA_ANON)
		p->arg->deposited++;
	if (leaf->level == VMI_LEVEL_PTE) {
		p->cur.pte_entries++;
		p->seg++;
	}
	return VMI_WALK_CONTINUE;
}

/* A PTE table at once: entries in use are all that count here. */
static int vmi_pgtables_ptes(struct vmi_walk *w, pte_t *table,
			     unsigned long addr, unsigned long end)
{
	struct vmi_pgtables *p = w->priv;
	pte_t *const first = table;
	pte_t *const last = table + ((end - addr) >> PAGE_SHIFT);
	unsigned int n = 0;
	int ret = VMI_WALK_CONTINUE;

	while (table < last) {
		pte_t *const stop =
			table + min_t(long, last - table, VMI_PTES_SLICE);

		for (; table < stop; table++)
			n += !pte_none(ptep_get(table));
		if (table < last && vmi_walk_lock_wanted(w)) {
			ret = VMI_WALK_YIELD;
			break;
		}
	}
	p->arg->entries[VMI_LEVEL_PTE] += n;
	p->used[VMI_LEVEL_PTE] += n;
	p->cur.pte_entries += n;
	p->seg += n;
	w->addr = addr + (table - first) * PAGE_SIZE;
	return ret;
}

static const struct vmi_walk_ops vmi_pgtables_ops = {
	.leaf = vmi_pgtables_leaf,
	.vma = vmi_pgtables_vma,
	.table = vmi_pgtables_table,
	.ptes = vmi_pgtables_ptes,
};

/*
 * The tables of [arg->start, arg->end) with one record per VMA handed to
 * @put (no lock held) while it takes them; arg's counts, zeroed here,
 * cover [start, walk_end).  @put may be NULL with arg->vec_len 0: totals
 * alone.
 */
int vmi_query_pgtables(struct vmi_pgtables_arg *arg,
		       const struct vmi_caller *caller,
		       int (*put)(void *ctx, const void *recs, unsigned int n),
		       void *ctx)
{
	unsigned long start = arg->start, end = arg->end;
	struct vmi_pgtables *p;
	struct mm_struct *mm;
	unsigned int level;
	int ret;

	if (arg->flags)
		return -EINVAL;
	/* everything but the inputs is output */
	memset(arg->tables, 0, sizeof(arg->tables));
	memset(arg->entries, 0, sizeof(arg->entries));
	memset(arg->empty, 0, sizeof(arg->empty));
	memset(arg->fullness, 0, sizeof(arg->fullness));
	arg->bytes = 0;
	arg->deposited = 0;
	arg->nr_vmas = 0;
	arg->walk_end = 0;
	arg->max_lock_ns = 0;
	if (!start && !end)
		end = vmi_user_end();
	ret = vmi_check_range(start, end);
	if (ret)
		return ret;
	mm = vmi_get_mm(arg->pid, caller);
	if (IS_ERR(mm))
		return PTR_ERR(mm);
	ret = -ENOMEM;
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		goto out_mmput;
	if (arg->vec_len) {
		ret = vmi_stage_init(&p->st, &p->cur, sizeof(p->cur),
				     VMI_PGT_BATCH, arg->vec_len);
		if (ret)
			goto out_free;
	}
	p->st.seal = vmi_pgtables_seal;
	p->arg = arg;
	p->w.mm = mm;
	p->w.caller = caller;
	p->w.ops = &vmi_pgtables_ops;
	p->w.priv = p;
	/* the PGD: the one table at the top */
	p->open[VMI_LEVEL_PGD] = true;

	if (arg->vec_len) {
		ret = vmi_stage_run(&p->st, &p->w, start, end, put, ctx,
				    &arg->nr_vmas, &arg->walk_end);
	} else {
		ret = vmi_walk(&p->w, start, end);
		arg->walk_end = end;
	}
	if (ret)
		goto out_free_buf;
	for (level = VMI_LEVEL_PTE; level <= VMI_LEVEL_PGD; level++)
		vmi_pgt_close(p, level);
	arg->tables[VMI_LEVEL_PGD] = 1;
	for (level = VMI_LEVEL_PTE; level <= VMI_LEVEL_PGD; level++)
		arg->bytes += arg->tables[level] * PAGE_SIZE;
	arg->bytes += arg->deposited * PAGE_SIZE;
	arg->max_lock_ns = p->w.max_lock_ns;
out_free_buf:
	kfree(p->st.buf);
out_free:
	kfree(p);
out_mmput:
	mmput(mm);
	return ret;
}
