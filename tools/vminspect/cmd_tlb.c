// SPDX-License-Identifier: GPL-2.0
/*
 * vminspect tlb: TLB shootdowns per CPU and per initiator, the victim
 * matrix, wait percentiles, a live trace and rates (VMI_IOC_TLB_*).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "output.h"

#define TLB_TOP	      10   /* initiators in text output */
#define TLB_TRACE_VEC 1024 /* records per trace call */

static int tlb_run(int argc, char **argv);

const struct cli_command cli_cmd_tlb = {
	.name = "tlb",
	.summary = "TLB shootdowns: who sends them, which CPUs, how long",
	.usage =
		"Usage: vminspect tlb [--json [--pretty]] [--watch SECONDS [--count N]]\n"
		"                     [--pid PID] [--cpu CPU] [--trace] [--isolated]\n"
		"                     [--reset] [--enable|--disable]\n"
		"\n"
		"Show TLB shootdowns since tracking was switched on or reset:\n"
		"per CPU the IPIs it asked for (SENT, target CPUs of its\n"
		"shootdowns) and handled (RECEIVED), its local flushes and the\n"
		"pages flushed; the top initiators with their causes (system\n"
		"call, or kernel thread), target CPUs and wait percentiles; the\n"
		"victim matrix (initiator x target CPU); a warning when IPIs hit\n"
		"CPUs that are isolated or nohz_full.\n"
		"\n"
		"Options:\n"
		"  --json           print one JSON object on one line (per interval)\n"
		"  --pretty         print it indented, two spaces a level (implies --json)\n"
		"  --watch SECONDS  print rates per second every SECONDS\n"
		"  --count N        stop after N intervals (default: never)\n"
		"  --pid PID        only initiators of process PID\n"
		"  --cpu CPU        only CPU, and initiators that hit it\n"
		"  --isolated       the ledger of isolated and nohz_full CPUs (or of\n"
		"                   --cpu): IPIs handled, handling time, what they\n"
		"                   interrupted, their causes and senders\n"
		"  --trace          print each shootdown as it happens (with\n"
		"                   --watch: for SECONDS, else until interrupted)\n"
		"  --reset          zero the counters first\n"
		"  --enable         switch tracking on first\n"
		"  --disable        switch tracking off (and print nothing)\n"
		"  -h, --help       show this help\n"
		"\n"
		"Needs root.  Tracking is off by default; switch it on with\n"
		"--enable, 'echo on > /proc/vminspect/tlb' or the module\n"
		"parameter tlb_track=1.\n",
	.run = tlb_run,
};

static volatile sig_atomic_t tlb_stop;

static void tlb_on_signal(int sig)
{
	(void)sig;
	tlb_stop = 1;
}

static void snap_free(struct tlb_snap *s)
{
	free(s->cpus);
	free(s->in);
	free(s->sites);
	memset(s, 0, sizeof(*s));
}

static int cmp_initiator(const void *a, const void *b)
{
	const struct vmi_tlb_initiator *x = a, *y = b;

	if (x->shootdowns != y->shootdowns)
		return x->shootdowns < y->shootdowns ? 1 : -1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/*
 * One entry per initiator and function: the module may keep a site in
 * more entries (return addresses in one function, or two CPUs naming it
 * at once).
 */
static void sites_merge(struct tlb_snap *s)
{
	struct vmi_tlb_site *x, *y;
	size_t i, k, n = 0;

	for (i = 0; i < s->nr_sites; i++) {
		x = &s->sites[i];
		for (k = 0; k < n; k++) {
			y = &s->sites[k];
			if (y->pid == x->pid && y->ctx_id == x->ctx_id &&
			    !strcmp(y->function, x->function))
				break;
		}
		if (k < n) {
			s->sites[k].shootdowns += x->shootdowns;
			s->sites[k].ipis += x->ipis;
		} else {
			s->sites[n++] = *x;
		}
	}
	s->nr_sites = n;
}

static int snap_take(struct vmi_handle *h, const struct tlb_opts *o,
		     struct tlb_snap *s)
{
	size_t i, n = 0;
	int err;

	memset(s, 0, sizeof(*s));
	err = vmi_tlb_ctl(h, 0, &s->st);
	if (!err)
		err = vmi_tlb_cpus(h, &s->cpus, &s->nr_cpus);
	if (!err)
		err = vmi_tlb_initiators(h, o->pid, &s->in, &s->nr_in);
	if (!err)
		err = vmi_tlb_sites(h, &s->sites, &s->nr_sites);
	if (err) {
		snap_free(s);
		return err;
	}
	sites_merge(s);
	/* --cpu: initiators that hit that CPU */
	for (i = 0; i < s->nr_in; i++)
		if (o->cpu < 0 || (o->cpu < VMI_TLB_MAX_TARGETS ?
					   s->in[i].targets[o->cpu] != 0 :
					   s->in[i].targets_other != 0))
			s->in[n++] = s->in[i];
	s->nr_in = n;
	qsort(s->in, s->nr_in, sizeof(*s->in), cmp_initiator);
	return 0;
}

/* A cpulist file ("1-3,5") as a bit set of the first 64 CPUs. */
static uint64_t read_cpulist(const char *path)
{
	char buf[256], *p, *end;
	unsigned long a, b;
	uint64_t set = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	for (p = buf; *p >= '0' && *p <= '9'; p = end + (*end == ',')) {
		a = strtoul(p, &end, 10);
		b = a;
		if (*end == '-')
			b = strtoul(end + 1, &end, 10);
		for (; a <= b && a < 64; a++)
			set |= 1ULL << a;
	}
	return set;
}

/* CPUs that should not be disturbed, and got IPIs all the same. */
static uint64_t disturbed_cpus(const struct tlb_snap *s)
{
	uint64_t quiet, hit = 0;
	size_t i;

	quiet = read_cpulist("/sys/devices/system/cpu/isolated") |
		read_cpulist("/sys/devices/system/cpu/nohz_full");
	for (i = 0; i < s->nr_cpus; i++)
		if (s->cpus[i].cpu < 64 && (quiet & (1ULL << s->cpus[i].cpu)) &&
		    (s->cpus[i].ipis_received || s->cpus[i].handled))
			hit |= 1ULL << s->cpus[i].cpu;
	return hit;
}

#define TLB_HITTERS 3 /* processes named per disturbed CPU */

struct tlb_hitter {
	uint32_t tgid;
	const char *comm; /* of its thread that sent the most */
	uint64_t shootdowns;
	uint64_t most; /* the most one of its threads sent */
};

/*
 * The (at most TLB_HITTERS) processes whose threads sent the most
 * shootdowns to cpu, most first, into top; how many were found.
 */
static size_t top_hitters(const struct tlb_snap *s, uint32_t cpu,
			  struct tlb_hitter *top)
{
	struct tlb_hitter *all, h;
	size_t n = 0, i, k;

	if (cpu >= VMI_TLB_MAX_TARGETS || !s->nr_in)
		return 0;
	all = calloc(s->nr_in, sizeof(*all));
	if (!all)
		return 0;
	for (i = 0; i < s->nr_in; i++) {
		const struct vmi_tlb_initiator *in = &s->in[i];
		__u64 v = in->targets[cpu];

		if (!v)
			continue;
		for (k = 0; k < n && all[k].tgid != in->tgid; k++)
			;
		if (k == n)
			all[n++] = (struct tlb_hitter){ .tgid = in->tgid };
		all[k].shootdowns += v;
		if (v > all[k].most) {
			all[k].most = v;
			all[k].comm = in->comm;
		}
	}
	/* a partial selection sort: the first TLB_HITTERS places */
	for (i = 0; i < n && i < TLB_HITTERS; i++) {
		for (k = i + 1; k < n; k++)
			if (all[k].shootdowns > all[i].shootdowns) {
				h = all[i];
				all[i] = all[k];
				all[k] = h;
			}
		top[i] = all[i];
	}
	free(all);
	return i;
}

static void wait_hist_all(const struct tlb_snap *s, __u64 *hist, uint64_t *max)
{
	size_t i;
	unsigned int b;

	memset(hist, 0, VMI_TLB_HIST_BUCKETS * sizeof(*hist));
	*max = 0;
	for (i = 0; i < s->nr_cpus; i++)
		for (b = 0; b < VMI_TLB_HIST_BUCKETS; b++)
			hist[b] += s->cpus[i].wait_hist[b];
	for (i = 0; i < s->nr_in; i++)
		if (s->in[i].wait_max_ns > *max)
			*max = s->in[i].wait_max_ns;
}

static bool cpu_shown(const struct tlb_opts *o, uint32_t cpu)
{
	return o->cpu < 0 || (uint32_t)o->cpu == cpu;
}

/* The targets' handler times, all CPUs shown together. */
static void handle_hist_all(const struct tlb_snap *s, const struct tlb_opts *o,
			    __u64 *hist, uint64_t *max)
{
	size_t i;
	unsigned int b;

	memset(hist, 0, VMI_TLB_HIST_BUCKETS * sizeof(*hist));
	*max = 0;
	for (i = 0; i < s->nr_cpus; i++) {
		if (!cpu_shown(o, s->cpus[i].cpu))
			continue;
		for (b = 0; b < VMI_TLB_HIST_BUCKETS; b++)
			hist[b] += s->cpus[i].handle_hist[b];
		if (s->cpus[i].handle_max_ns > *max)
			*max = s->cpus[i].handle_max_ns;
	}
}

static void fmt_causes(const struct vmi_tlb_initiator *in, char *buf,
		       size_t len)
{
	size_t used = 0;
	unsigned int c;
	int n;

	buf[0] = '\0';
	for (c = 0; c < VMI_TLB_NR_CAUSES_ALL; c++) {
		if (!vmi_tlb_initiator_cause(in, c))
			continue;
		n = snprintf(buf + used, len - used, "%s%s:%llu",
			     used ? "," : "",
			     vmi_tlb_cause_name(c) ? vmi_tlb_cause_name(c) :
						     "?",
			     (unsigned long long)vmi_tlb_initiator_cause(in,
									 c));
		if (n < 0 || (size_t)n >= len - used) {
			buf[used] = '\0';
			break;
		}
		used += n;
	}
}

static void fmt_ns(uint64_t ns, char *buf, size_t len)
{
	if (ns >= 1000000)
		snprintf(buf, len, "%.1fms", ns / 1e6);
	else if (ns >= 1000)
		snprintf(buf, len, "%.1fus", ns / 1e3);
	else
		snprintf(buf, len, "%lluns", (unsigned long long)ns);
}

/*
 * The words of the limits, by VMI_TLB_LIM_* bit, as the module's text file
 * has them; a hook left off is "prototype_differs:<hook>".
 */
static const char *const limit_names[] = VMI_TLB_LIM_NAMES;
static const char *const proto_hooks[] = VMI_TLB_LIM_PROTO_HOOKS;

/* The word of VMI_TLB_LIM_* bit number bit, into buf; false if it has none. */
static bool limit_word(unsigned int bit, char *buf, size_t len)
{
	if (bit < ARRAY_SIZE(limit_names) && limit_names[bit])
		snprintf(buf, len, "%s", limit_names[bit]);
	else if (bit < ARRAY_SIZE(proto_hooks) && proto_hooks[bit])
		snprintf(buf, len, "prototype_differs:%s", proto_hooks[bit]);
	else
		return false;
	return true;
}

/* "prototype_differs:<hook>" words for the hooks left off, or "". */
static void proto_off(__u32 limits, char *buf, size_t len)
{
	char word[64];
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(proto_hooks); i++)
		if (proto_hooks[i] && (limits & (1U << i)) && n < len &&
		    limit_word(i, word, sizeof(word)))
			n += snprintf(buf + n, len - n, "%s%s", n ? " " : "",
				      word);
}

/* A count: JSON the number, text per second over secs when secs > 0. */
static void tlb_count(struct printer *p, const char *key, uint64_t v,
		      double secs)
{
	char buf[32];

	print_uint(p, PRINT_JSON, key, NULL, v);
	if (p->json)
		return;
	snprintf(buf, sizeof(buf), "%.0f%s", secs > 0 ? v / secs : (double)v,
		 secs > 0 ? "/s" : "");
	print_string(p, PRINT_FP, NULL, "%s", buf);
}

/* Percentiles of a histogram: JSON {"p50", "p99", "max"}; text cells. */
static void tlb_wait(struct printer *p, const char *key, const __u64 *hist,
		     uint64_t max, bool p99)
{
	char buf[32];

	open_json_object(p, key);
	print_uint(p, PRINT_JSON, "p50", NULL,
		   vmi_tlb_quantile(hist, max, 500));
	print_uint(p, PRINT_JSON, "p99", NULL,
		   vmi_tlb_quantile(hist, max, 990));
	print_uint(p, PRINT_JSON, "max", NULL, max);
	close_json_object(p);
	if (p->json)
		return;
	fmt_ns(vmi_tlb_quantile(hist, max, 500), buf, sizeof(buf));
	print_string(p, PRINT_FP, NULL, "%s", buf);
	if (p99) {
		fmt_ns(vmi_tlb_quantile(hist, max, 990), buf, sizeof(buf));
		print_string(p, PRINT_FP, NULL, "%s", buf);
	}
	fmt_ns(max, buf, sizeof(buf));
	print_string(p, PRINT_FP, NULL, "%s", buf);
}

/* Per CPU: the CPU table, or "cpus". */
static void tlb_cpus(struct printer *p, const struct tlb_snap *s,
		     const struct tlb_opts *o, double secs)
{
	static const char *const hdr[] = {
		"CPU",	      "SENT",	 "RECEIVED",   "LOCAL",	    "PAGES",
		"SHOOTDOWNS", "HANDLED", "HANDLE_P50", "HANDLE_MAX"
	};
	bool target = !(s->st.limits & VMI_TLB_LIM_NO_TARGET);
	struct table *t;
	unsigned int k;
	size_t i;

	t = printer_table_begin(p, ARRAY_SIZE(hdr), hdr);
	for (i = 1; t && i < ARRAY_SIZE(hdr); i++)
		table_set_align(t, i, TABLE_RIGHT);
	open_json_array(p, "cpus");
	for (i = 0; i < s->nr_cpus; i++) {
		const struct vmi_tlb_cpu *c = &s->cpus[i];

		if (!cpu_shown(o, c->cpu))
			continue;
		open_json_object(p, NULL);
		print_row(p, NULL);
		print_uint(p, PRINT_ANY, "cpu", "%llu", c->cpu);
		tlb_count(p, "ipis_sent", c->ipis_sent, secs);
		tlb_count(p, "ipis_received", c->ipis_received, secs);
		tlb_count(p, "local", c->local, secs);
		tlb_count(p, "pages", vmi_tlb_cpu_pages(c), secs);
		tlb_count(p, "shootdowns", c->shootdowns, secs);
		print_uint(p, PRINT_JSON, "requests", NULL, c->requests);
		if (target) {
			tlb_count(p, "handled", c->handled, secs);
			if (c->handled || p->json) {
				tlb_wait(p, "handle_ns", c->handle_hist,
					 c->handle_max_ns, false);
			} else {
				print_null(p, PRINT_FP, NULL, NULL);
				print_null(p, PRINT_FP, NULL, NULL);
			}
		} else {
			for (k = 0; k < 3; k++)
				print_null(p, PRINT_FP, NULL, NULL);
		}
		open_json_object(p, "flushes");
		for (k = 0; k < VMI_TLB_NR_REASONS; k++)
			if (vmi_tlb_reason_name(k))
				print_uint(p, PRINT_JSON,
					   vmi_tlb_reason_name(k), NULL,
					   c->flushes[k]);
		close_json_object(p);
		close_json_object(p);
	}
	close_json_array(p);
	printer_table_end(p);
}

/* JSON: {"<cpu>": n, ..., "other": n} of the nonzero counts of v. */
static void json_per_cpu(struct printer *p, const char *key, const __u64 *v,
			 __u64 other)
{
	char buf[16];
	unsigned int k;

	open_json_object(p, key);
	for (k = 0; k < VMI_TLB_MAX_TARGETS; k++) {
		if (!v[k])
			continue;
		snprintf(buf, sizeof(buf), "%u", k);
		print_uint(p, PRINT_JSON, buf, NULL, v[k]);
	}
	if (other)
		print_uint(p, PRINT_JSON, "other", NULL, other);
	close_json_object(p);
}

/* Is site x of initiator in? */
static bool site_of(const struct vmi_tlb_site *x,
		    const struct vmi_tlb_initiator *in)
{
	return x->pid == in->pid && x->ctx_id == in->ctx_id;
}

/* JSON: "sites": {function: flushes} of initiator in's kernel flushes. */
static void json_sites(struct printer *p, const struct tlb_snap *s,
		       const struct vmi_tlb_initiator *in)
{
	size_t i;

	open_json_object(p, "sites");
	for (i = 0; i < s->nr_sites; i++)
		if (site_of(&s->sites[i], in))
			print_uint(p, PRINT_JSON, s->sites[i].function, NULL,
				   s->sites[i].shootdowns);
	close_json_object(p);
}

/* Text: the call sites of kernel flushes, by initiator, busiest first. */
static void tlb_sites(struct printer *p, const struct tlb_snap *s, double secs)
{
	size_t i, k;

	if (p->json || !s->nr_sites)
		return;
	print_fp(p, "\nkernel flushes by call site\n");
	for (i = 0; i < s->nr_in; i++)
		for (k = 0; k < s->nr_sites; k++) {
			uint64_t v = s->sites[k].shootdowns;

			if (!v || !site_of(&s->sites[k], &s->in[i]))
				continue;
			print_fp(p, "  %-32s %u/%s: ", s->sites[k].function,
				 s->in[i].pid, s->in[i].comm);
			tlb_count(p, "shootdowns", v, secs);
			print_fp(p, "\n");
		}
}

/* The initiators: a table of the top TLB_TOP, or all of "initiators". */
static void tlb_initiators(struct printer *p, const struct tlb_snap *s,
			   double secs)
{
	static const char *const hdr[] = { "PID",      "COMM",	   "SHOOTDOWNS",
					   "PAGES",    "WAIT_P50", "WAIT_P99",
					   "WAIT_MAX", "CAUSES" };
	char buf[256];
	struct table *t;
	unsigned int k;
	size_t i;

	print_fp(p, "\ntop initiators (%zu)\n", s->nr_in);
	t = printer_table_begin(p, ARRAY_SIZE(hdr), hdr);
	for (i = 2; t && i < 7; i++)
		table_set_align(t, i, TABLE_RIGHT);
	open_json_array(p, "initiators");
	for (i = 0; i < s->nr_in && (p->json || i < TLB_TOP); i++) {
		const struct vmi_tlb_initiator *in = &s->in[i];

		open_json_object(p, NULL);
		print_row(p, NULL);
		print_uint(p, PRINT_JSON, "pid", NULL, in->pid);
		if (in->flags & VMI_TLB_INIT_OTHER)
			print_null(p, PRINT_FP, NULL, NULL);
		else
			print_uint(p, PRINT_FP, NULL, "%llu", in->tgid);
		print_uint(p, PRINT_JSON, "tgid", NULL, in->tgid);
		snprintf(buf, sizeof(buf), "%s%s", in->comm,
			 in->flags & VMI_TLB_INIT_KTHREAD ? " [k]" : "");
		print_string(p, PRINT_FP, NULL, "%s", buf);
		print_string(p, PRINT_JSON, "comm", NULL, in->comm);
		print_uint(p, PRINT_JSON, "ctx_id", NULL, in->ctx_id);
		print_yes_no(p, PRINT_JSON, "kthread",
			     in->flags & VMI_TLB_INIT_KTHREAD);
		print_yes_no(p, PRINT_JSON, "other",
			     in->flags & VMI_TLB_INIT_OTHER);
		tlb_count(p, "shootdowns", in->shootdowns, secs);
		tlb_count(p, "pages", in->pages, secs);
		print_uint(p, PRINT_JSON, "full", NULL, in->full);
		print_uint(p, PRINT_JSON, "freed_tables", NULL,
			   in->freed_tables);
		print_uint(p, PRINT_JSON, "ipis", NULL, in->ipis);
		tlb_wait(p, "wait_ns", in->wait_hist, in->wait_max_ns, true);
		fmt_causes(in, buf, sizeof(buf));
		print_string(p, PRINT_FP, NULL, "%s", buf);
		open_json_object(p, "causes");
		for (k = 0; k < VMI_TLB_NR_CAUSES_ALL; k++)
			if (vmi_tlb_initiator_cause(in, k) &&
			    vmi_tlb_cause_name(k))
				print_uint(p, PRINT_JSON, vmi_tlb_cause_name(k),
					   NULL,
					   vmi_tlb_initiator_cause(in, k));
		close_json_object(p);
		json_sites(p, s, in);
		json_per_cpu(p, "received", in->received, in->received_other);
		json_per_cpu(p, "targets", in->targets, in->targets_other);
		close_json_object(p);
	}
	close_json_array(p);
	printer_table_end(p);
}

/* Text: the victim matrix, top initiators x CPUs. */
static int tlb_matrix(const struct tlb_snap *s, FILE *f)
{
	struct table *t;
	size_t i, j;
	int ret;

	fprintf(f, "\nwho interrupts whom (shootdowns per target CPU)\n");
	t = table_new(1 + s->nr_cpus);
	if (!t)
		return -1;
	table_row(t);
	table_cell(t, "PID/COMM");
	for (j = 0; j < s->nr_cpus; j++)
		table_cellf(t, "cpu%u", s->cpus[j].cpu);
	for (j = 1; j <= s->nr_cpus; j++)
		table_set_align(t, j, TABLE_RIGHT);
	for (i = 0; i < s->nr_in && i < TLB_TOP; i++) {
		table_row(t);
		table_cellf(t, "%u/%s", s->in[i].tgid, s->in[i].comm);
		for (j = 0; j < s->nr_cpus; j++) {
			uint32_t cpu = s->cpus[j].cpu;

			table_cellf(t, "%llu",
				    cpu < VMI_TLB_MAX_TARGETS ?
					    (unsigned long long)s->in[i]
						    .targets[cpu] :
					    0ULL);
		}
	}
	ret = table_print(t, f);
	table_free(t);
	return ret;
}

struct tlb_sender {
	const struct vmi_tlb_initiator *in;
	uint64_t ipis; /* of its shootdowns, handled on the CPU shown */
};

static int cmp_sender(const void *a, const void *b)
{
	const struct tlb_sender *x = a, *y = b;

	if (x->ipis != y->ipis)
		return x->ipis < y->ipis ? 1 : -1;
	return x->in->pid < y->in->pid ? -1 : x->in->pid > y->in->pid;
}

/*
 * The ledger of one CPU: the shootdown IPIs it handled, what they cost,
 * what they interrupted, their causes and who sent them, with a warning
 * naming the worst sender.
 */
static void tlb_ledger_cpu(struct printer *p, const struct tlb_snap *s,
			   const struct vmi_tlb_cpu *c, uint64_t quiet,
			   double secs)
{
	const char *why = c->cpu < 64 && (quiet & (1ULL << c->cpu)) ?
				  " (isolated/nohz_full)" :
				  "";
	uint64_t max = c->handle_max_ns > c->kernel_handle_max_ns ?
			       c->handle_max_ns :
			       c->kernel_handle_max_ns;
	/*
	 * Flushes of kernel memory as their initiators sent them, or as
	 * this CPU ran them where it can tell: those whose start no hook
	 * saw (while tracking was being switched on) are from "(unknown)".
	 */
	uint64_t kern = c->recv_causes[VMI_TLB_CAUSE_KERNEL], kern_unknown = 0;
	__u64 hist[VMI_TLB_HIST_BUCKETS];
	struct tlb_sender *snd;
	char buf[32];
	size_t i, n = 0;
	unsigned int k;

	if (!(s->st.limits & VMI_TLB_LIM_NO_KERNEL_TARGET) &&
	    c->kernel_handled > kern) {
		kern_unknown = c->kernel_handled - kern;
		kern = c->kernel_handled;
	}
	/* every IPI it handled: flushes of user memory, and the kernel's */
	for (k = 0; k < VMI_TLB_HIST_BUCKETS; k++)
		hist[k] = c->handle_hist[k] + c->kernel_handle_hist[k];
	open_json_object(p, NULL);
	print_uint(p, PRINT_ANY, "cpu", "cpu %llu", c->cpu);
	print_fp(p, "%s: ", why);
	tlb_count(p, "ipis", c->handled + kern, secs);
	print_fp(p, " shootdown IPIs%s; handling ",
		 secs > 0 ? " per second" : "");
	open_json_object(p, "handle_ns");
	fmt_ns(vmi_tlb_quantile(hist, max, 500), buf, sizeof(buf));
	print_uint(p, PRINT_JSON, "p50", NULL,
		   vmi_tlb_quantile(hist, max, 500));
	print_fp(p, "p50 %s", buf);
	fmt_ns(vmi_tlb_quantile(hist, max, 990), buf, sizeof(buf));
	print_uint(p, PRINT_JSON, "p99", NULL,
		   vmi_tlb_quantile(hist, max, 990));
	print_fp(p, " p99 %s", buf);
	fmt_ns(max, buf, sizeof(buf));
	print_uint(p, PRINT_JSON, "max", NULL, max);
	print_fp(p, " max %s\n", buf);
	close_json_object(p);

	print_fp(p, "  interrupted:");
	open_json_object(p, "interrupted");
	for (k = 0; k < VMI_TLB_NR_HIT; k++)
		if (vmi_tlb_hit_name(k)) {
			print_fp(p, " %s ", vmi_tlb_hit_name(k));
			tlb_count(p, vmi_tlb_hit_name(k), c->hit[k], secs);
		}
	close_json_object(p);
	print_fp(p, "\n  causes:");
	open_json_object(p, "by_cause");
	for (k = 0; k < VMI_TLB_NR_CAUSES_ALL; k++) {
		uint64_t v = k == VMI_TLB_CAUSE_KERNEL ? kern :
							 c->recv_causes[k];

		if (v && vmi_tlb_cause_name(k)) {
			print_fp(p, " %s ", vmi_tlb_cause_name(k));
			tlb_count(p, vmi_tlb_cause_name(k), v, secs);
		}
	}
	close_json_object(p);
	print_fp(p, "\n");

	/*
	 * One sender per process and name: a process that exits flushes
	 * after it left its mm, under an entry of its own.
	 */
	snd = calloc(s->nr_in + 1, sizeof(*snd));
	for (i = 0; snd && i < s->nr_in; i++) {
		const struct vmi_tlb_initiator *in = &s->in[i];
		uint64_t v = c->cpu < VMI_TLB_MAX_TARGETS ?
				     in->received[c->cpu] :
				     in->received_other;
		size_t k;

		if (!v)
			continue;
		for (k = 0; k < n; k++)
			if (snd[k].in->tgid == in->tgid &&
			    !(in->flags & VMI_TLB_INIT_OTHER) &&
			    !(snd[k].in->flags & VMI_TLB_INIT_OTHER) &&
			    !strcmp(snd[k].in->comm, in->comm))
				break;
		if (k < n)
			snd[k].ipis += v;
		else
			snd[n++] = (struct tlb_sender){ in, v };
	}
	if (n)
		qsort(snd, n, sizeof(*snd), cmp_sender);
	open_json_array(p, "by_initiator");
	for (i = 0; i < n; i++) {
		open_json_object(p, NULL);
		print_uint(p, PRINT_ANY, "pid", "  from %llu", snd[i].in->pid);
		print_uint(p, PRINT_JSON, "tgid", NULL, snd[i].in->tgid);
		print_string(p, PRINT_ANY, "comm", "/%s", snd[i].in->comm);
		print_fp(p, ": ");
		tlb_count(p, "count", snd[i].ipis, secs);
		print_fp(p, "\n");
		close_json_object(p);
	}
	if (kern_unknown) {
		open_json_object(p, NULL);
		print_uint(p, PRINT_JSON, "pid", NULL, 0);
		print_uint(p, PRINT_JSON, "tgid", NULL, 0);
		print_string(p, PRINT_ANY, "comm", "  from %s", "(unknown)");
		print_fp(p, ": ");
		tlb_count(p, "count", kern_unknown, secs);
		print_fp(p, "\n");
		close_json_object(p);
	}
	close_json_array(p);
	if (n && *why) {
		char causes[256];

		fmt_causes(snd[0].in, causes, sizeof(causes));
		print_fp(p,
			 "warning: isolated/nohz_full CPU %llu: %llu of its %llu shootdown IPIs came from %u/%s (%s)\n",
			 (unsigned long long)c->cpu,
			 (unsigned long long)snd[0].ipis,
			 (unsigned long long)(c->handled + kern),
			 snd[0].in->pid, snd[0].in->comm, causes);
	}
	close_json_object(p);
	free(snd);
}

/*
 * The isolated-CPU ledger: for --cpu, or every isolated or nohz_full
 * CPU.  JSON: {"cpus": [...]}.
 */
static int tlb_ledger(const struct tlb_snap *s, const struct tlb_opts *o,
		      double secs, FILE *f)
{
	uint64_t quiet = read_cpulist("/sys/devices/system/cpu/isolated") |
			 read_cpulist("/sys/devices/system/cpu/nohz_full");
	struct printer p;
	size_t i, shown = 0;

	printer_init(&p, f, o->json);
	open_json_object(&p, NULL);
	if (s->st.limits & VMI_TLB_LIM_NO_TARGET)
		print_fp(&p,
			 "warning: no handler hook here: IPIs are not counted on the targets\n");
	open_json_array(&p, "cpus");
	for (i = 0; i < s->nr_cpus; i++) {
		const struct vmi_tlb_cpu *c = &s->cpus[i];

		if (o->cpu >= 0 ? (uint32_t)o->cpu != c->cpu :
				  c->cpu >= 64 || !(quiet & (1ULL << c->cpu)))
			continue;
		tlb_ledger_cpu(&p, s, c, quiet, secs);
		shown++;
	}
	close_json_array(&p);
	if (!shown)
		print_fp(&p,
			 "no isolated or nohz_full CPU here: name one with --cpu\n");
	close_json_object(&p);
	return printer_finish(&p);
}

/*
 * The one description of the statistics.  Text: the tracking line, the
 * CPU table, the top initiators, the victim matrix, the wait lines, what
 * was lost, warnings for isolated CPUs.  JSON: the same figures, counts
 * as totals (with "interval_ms" when secs > 0, not per second).
 */
int tlb_print(const struct tlb_snap *s, const struct tlb_opts *o, double secs,
	      FILE *f)
{
	bool target = !(s->st.limits & VMI_TLB_LIM_NO_TARGET);
	__u64 hist[VMI_TLB_HIST_BUCKETS];
	char buf[256], p50[32], p99[32], mx[32];
	struct printer p;
	uint64_t max, hit;
	unsigned int k;

	if (o->isolated)
		return tlb_ledger(s, o, secs, f);
	printer_init(&p, f, o->json);
	open_json_object(&p, NULL);
	print_yes_no(&p, PRINT_JSON, "enabled", s->st.enabled);
	if (secs > 0)
		print_uint(&p, PRINT_JSON, "interval_ms", NULL,
			   (uint64_t)(secs * 1000));
	open_json_array(&p, "limits");
	for (k = 0; k < 8 * sizeof(s->st.limits); k++)
		if ((s->st.limits & (1U << k)) &&
		    limit_word(k, buf, sizeof(buf)))
			print_string(&p, PRINT_JSON, NULL, NULL, buf);
	close_json_array(&p);
	print_uint(&p, PRINT_JSON, "missed", NULL, s->st.missed);
	print_uint(&p, PRINT_JSON, "ring_drops", NULL, s->st.ring_drops);
	print_uint(&p, PRINT_JSON, "other_hits", NULL, s->st.other_hits);

	print_fp(&p, "tracking %s%s%s\n", s->st.enabled ? "on" : "off",
		 s->st.limits & VMI_TLB_LIM_INVLPGB ?
			 ", INVLPGB: broadcast flushes send no IPI and are counted as requests only" :
			 "",
		 secs > 0 ? ", rates per second" : "");
	proto_off(s->st.limits, buf, sizeof(buf));
	if (buf[0])
		print_fp(&p,
			 "hooks left off, their prototype in this kernel differs: %s\n",
			 buf);
	tlb_cpus(&p, s, o, secs);
	tlb_initiators(&p, s, secs);
	tlb_sites(&p, s, secs);
	if (!o->json && tlb_matrix(s, f))
		p.error = true;

	wait_hist_all(s, hist, &max);
	if (o->json) {
		tlb_wait(&p, "wait_ns", hist, max, true);
		if (target) {
			handle_hist_all(s, o, hist, &max);
			tlb_wait(&p, "handle_ns", hist, max, true);
		}
	} else {
		fmt_ns(vmi_tlb_quantile(hist, max, 500), p50, sizeof(p50));
		fmt_ns(vmi_tlb_quantile(hist, max, 990), p99, sizeof(p99));
		fmt_ns(max, mx, sizeof(mx));
		fprintf(f, "\ninitiator wait: p50 %s p99 %s max %s\n", p50, p99,
			mx);
		if (target) {
			handle_hist_all(s, o, hist, &max);
			fmt_ns(vmi_tlb_quantile(hist, max, 500), p50,
			       sizeof(p50));
			fmt_ns(vmi_tlb_quantile(hist, max, 990), p99,
			       sizeof(p99));
			fmt_ns(max, mx, sizeof(mx));
			fprintf(f, "target handling: p50 %s p99 %s max %s\n",
				p50, p99, mx);
		} else {
			fprintf(f,
				"target handling: not measured (no csd tracepoints and no probe on flush_tlb_func)\n");
		}
	}
	print_fp(&p,
		 "lost: %llu probe misses, %llu trace records, %llu in the \"other\" bucket\n",
		 (unsigned long long)s->st.missed,
		 (unsigned long long)s->st.ring_drops,
		 (unsigned long long)s->st.other_hits);
	hit = disturbed_cpus(s);
	open_json_array(&p, "isolated_cpus_hit");
	for (k = 0; k < 64; k++)
		if (hit & (1ULL << k))
			print_uint(&p, PRINT_JSON, NULL, NULL, k);
	close_json_array(&p);
	/* who hit them: a warning line, or an object, per disturbed CPU */
	open_json_array(&p, "isolated_cpus_hit_by");
	for (k = 0; k < 64; k++) {
		struct tlb_hitter top[TLB_HITTERS];
		size_t n, m;

		if (!(hit & (1ULL << k)))
			continue;
		open_json_object(&p, NULL);
		print_uint(&p, PRINT_ANY, "cpu",
			   "warning: isolated/nohz_full CPU %llu received TLB shootdown IPIs",
			   k);
		open_json_array(&p, "initiators");
		n = top_hitters(s, k, top);
		for (m = 0; m < n; m++) {
			open_json_object(&p, NULL);
			print_uint(&p, PRINT_ANY, "pid",
				   m ? ", %llu/" : ", from %llu/", top[m].tgid);
			print_string(&p, PRINT_ANY, "comm", "%s", top[m].comm);
			print_uint(&p, PRINT_ANY, "shootdowns", " (%llu)",
				   top[m].shootdowns);
			close_json_object(&p);
		}
		close_json_array(&p);
		print_fp(&p, "\n");
		close_json_object(&p);
	}
	close_json_array(&p);
	close_json_object(&p);
	return printer_finish(&p);
}

static int snap_dup(const struct tlb_snap *s, struct tlb_snap *d)
{
	*d = *s;
	d->cpus = malloc(s->nr_cpus * sizeof(*s->cpus) + 1);
	d->in = malloc(s->nr_in * sizeof(*s->in) + 1);
	d->sites = malloc(s->nr_sites * sizeof(*s->sites) + 1);
	if (!d->cpus || !d->in || !d->sites) {
		snap_free(d);
		return -ENOMEM;
	}
	memcpy(d->cpus, s->cpus, s->nr_cpus * sizeof(*s->cpus));
	memcpy(d->in, s->in, s->nr_in * sizeof(*s->in));
	memcpy(d->sites, s->sites, s->nr_sites * sizeof(*s->sites));
	return 0;
}

/* d - a, counter by counter, into d. */
static void snap_delta(const struct tlb_snap *a, struct tlb_snap *d)
{
	size_t i, k;
	unsigned int x;

	for (i = 0; i < d->nr_cpus && i < a->nr_cpus; i++) {
		struct vmi_tlb_cpu *c = &d->cpus[i];
		const struct vmi_tlb_cpu *o = &a->cpus[i];

		for (x = 0; x < VMI_TLB_NR_REASONS; x++) {
			c->flushes[x] -= o->flushes[x];
			c->pages[x] -= o->pages[x];
			c->full[x] -= o->full[x];
		}
		c->shootdowns -= o->shootdowns;
		c->ipis_sent -= o->ipis_sent;
		c->ipis_received -= o->ipis_received;
		c->local -= o->local;
		c->requests -= o->requests;
		c->handled -= o->handled;
		c->handle_ns -= o->handle_ns;
		for (x = 0; x < VMI_TLB_HIST_BUCKETS; x++) {
			c->wait_hist[x] -= o->wait_hist[x];
			c->handle_hist[x] -= o->handle_hist[x];
		}
		for (x = 0; x < VMI_TLB_NR_CAUSES_ALL; x++)
			c->recv_causes[x] -= o->recv_causes[x];
		for (x = 0; x < VMI_TLB_NR_HIT; x++)
			c->hit[x] -= o->hit[x];
		c->kernel_handled -= o->kernel_handled;
		c->kernel_handle_ns -= o->kernel_handle_ns;
		for (x = 0; x < VMI_TLB_HIST_BUCKETS; x++)
			c->kernel_handle_hist[x] -= o->kernel_handle_hist[x];
	}
	for (i = 0; i < d->nr_sites; i++)
		for (k = 0; k < a->nr_sites; k++)
			if (d->sites[i].pid == a->sites[k].pid &&
			    d->sites[i].ctx_id == a->sites[k].ctx_id &&
			    !strcmp(d->sites[i].function,
				    a->sites[k].function)) {
				d->sites[i].shootdowns -=
					a->sites[k].shootdowns;
				d->sites[i].ipis -= a->sites[k].ipis;
				break;
			}
	for (i = 0; i < d->nr_in; i++) {
		struct vmi_tlb_initiator *in = &d->in[i];

		for (k = 0; k < a->nr_in; k++) {
			const struct vmi_tlb_initiator *o = &a->in[k];

			if (o->ctx_id != in->ctx_id || o->pid != in->pid ||
			    o->flags != in->flags)
				continue;
			in->shootdowns -= o->shootdowns;
			in->pages -= o->pages;
			in->ipis -= o->ipis;
			for (x = 0; x < VMI_TLB_NR_CAUSES; x++)
				in->causes[x] -= o->causes[x];
			for (x = 0; x < VMI_TLB_NR_CAUSES_EXT; x++)
				in->causes_ext[x] -= o->causes_ext[x];
			for (x = 0; x < VMI_TLB_MAX_TARGETS; x++) {
				in->targets[x] -= o->targets[x];
				in->received[x] -= o->received[x];
			}
			in->received_other -= o->received_other;
			for (x = 0; x < VMI_TLB_HIST_BUCKETS; x++)
				in->wait_hist[x] -= o->wait_hist[x];
			break;
		}
	}
	qsort(d->in, d->nr_in, sizeof(*d->in), cmp_initiator);
}

/* One shootdown of the trace: a line of text, or one JSON object. */
static void print_record(const struct vmi_tlb_record *r, bool json, FILE *f)
{
	const char *cause = vmi_tlb_cause_name(r->cause);
	bool full = r->flags & VMI_TLB_REC_FULL;
	struct printer p;
	char wait[32];

	printer_init(&p, f, json);
	open_json_object(&p, NULL);
	print_uint(&p, PRINT_JSON, "ts_ns", NULL, r->ts_ns);
	print_fp(&p, "%llu.%06llu ",
		 (unsigned long long)(r->ts_ns / 1000000000),
		 (unsigned long long)(r->ts_ns / 1000 % 1000000));
	print_uint(&p, PRINT_JSON, "pid", NULL, r->pid);
	print_uint(&p, PRINT_ANY, "cpu", "cpu%llu ", r->cpu);
	print_uint(&p, PRINT_ANY, "tgid", "%llu/", r->tgid);
	print_string(&p, PRINT_ANY, "comm", "%s", r->comm);
	if (r->flags & VMI_TLB_REC_KTHREAD)
		print_fp(&p, " [k]");
	print_string(&p, PRINT_FP, NULL, " cause %s", cause ? cause : "?");
	print_string(&p, PRINT_JSON, "cause", NULL, cause);
	print_int(&p, PRINT_JSON, "syscall", NULL, r->syscall);
	print_hex(&p, PRINT_ANY, "targets", " targets 0x%llx", r->targets);
	print_uint(&p, PRINT_ANY, "nr_targets", " (%llu)", r->nr_targets);
	print_uint(&p, full ? PRINT_JSON : PRINT_ANY, "pages", " pages %llu",
		   r->pages);
	if (full)
		print_fp(&p, " pages full");
	print_yes_no(&p, PRINT_JSON, "full", full);
	print_yes_no(&p, PRINT_JSON, "freed_tables",
		     r->flags & VMI_TLB_REC_FREED);
	if (r->flags & VMI_TLB_REC_FREED)
		print_fp(&p, " freed_tables");
	fmt_ns(r->wait_ns, wait, sizeof(wait));
	print_fp(&p, " wait %s\n", wait);
	print_uint(&p, PRINT_JSON, "wait_ns", NULL, r->wait_ns);
	close_json_object(&p);
	printer_finish(&p);
}

static int run_trace(struct vmi_handle *h, const struct tlb_opts *o,
		     double secs)
{
	struct vmi_tlb_record *v;
	struct timespec t0, now;
	uint64_t drops = 0, drops0 = 0;
	size_t n, i;
	bool first = true;
	int err = 0;

	v = calloc(TLB_TRACE_VEC, sizeof(*v));
	if (!v)
		return cli_fail(-ENOMEM, "trace");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!tlb_stop) {
		err = vmi_tlb_trace(h, v, TLB_TRACE_VEC, &n, &drops);
		if (err)
			break;
		if (first)
			drops0 = drops;
		first = false;
		for (i = 0; i < n; i++) {
			if (o->pid && v[i].tgid != o->pid)
				continue;
			if (o->cpu >= 0 && (o->cpu >= 64 ||
					    !(v[i].targets & (1ULL << o->cpu))))
				continue;
			print_record(&v[i], o->json, stdout);
		}
		fflush(stdout);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (secs > 0 &&
		    (now.tv_sec - t0.tv_sec) +
				    (now.tv_nsec - t0.tv_nsec) / 1e9 >=
			    secs)
			break;
		if (n < TLB_TRACE_VEC)
			usleep(100000);
	}
	free(v);
	if (err)
		return cli_fail(err, "trace");
	if (drops > drops0)
		cli_warn("%llu records lost: the ring was full",
			 (unsigned long long)(drops - drops0));
	return CLI_EXIT_OK;
}

static int tlb_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, CLI_OPT_PRETTY },
		{ "watch", required_argument, NULL, 'w' },
		{ "count", required_argument, NULL, 'n' },
		{ "pid", required_argument, NULL, 'p' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "trace", no_argument, NULL, 't' },
		{ "isolated", no_argument, NULL, 'i' },
		{ "reset", no_argument, NULL, 'r' },
		{ "enable", no_argument, NULL, 'e' },
		{ "disable", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_command *cmd = &cli_cmd_tlb;
	struct tlb_opts o = { .cpu = -1 };
	struct tlb_snap a, b, d;
	struct vmi_handle *h;
	struct vmi_info info;
	bool trace = false;
	uint64_t flags = 0, v, count = 0, done;
	double secs = 0;
	char *end;
	int c, err;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case CLI_OPT_PRETTY:
			json_pretty = true;
			/* fall through */
		case 'j':
			o.json = true;
			break;
		case 'w':
			secs = strtod(optarg, &end);
			if (*end || !(secs > 0) || secs > 86400)
				return cli_usage_error(cmd,
						       "invalid SECONDS '%s'",
						       optarg);
			break;
		case 'n':
			if (cli_parse_num(optarg, &count) || !count)
				return cli_usage_error(cmd,
						       "invalid count '%s'",
						       optarg);
			break;
		case 'p':
			if (cli_parse_pid(optarg, &o.pid))
				return cli_usage_error(cmd, "invalid PID '%s'",
						       optarg);
			o.pid = cli_real_pid(o.pid);
			break;
		case 'c':
			if (cli_parse_num(optarg, &v) || v > 65535)
				return cli_usage_error(cmd, "invalid CPU '%s'",
						       optarg);
			o.cpu = v;
			break;
		case 't':
			trace = true;
			break;
		case 'i':
			o.isolated = true;
			break;
		case 'r':
			flags |= VMI_TLB_RESET;
			break;
		case 'e':
			flags |= VMI_TLB_ENABLE;
			break;
		case 'd':
			flags |= VMI_TLB_DISABLE;
			break;
		case 'h':
			cli_print_usage(cmd, stdout);
			return CLI_EXIT_OK;
		default:
			return cli_bad_option(cmd, c, argv);
		}
	}
	if (argc > optind)
		return cli_usage_error(cmd, "unexpected argument '%s'",
				       argv[optind]);
	if ((flags & VMI_TLB_ENABLE) && (flags & VMI_TLB_DISABLE))
		return cli_usage_error(cmd, "--enable and --disable conflict");
	if (count && !secs)
		return cli_usage_error(cmd, "--count needs --watch");

	err = cli_open_feature(&h, &info, VMI_FEAT_TLB);
	if (err)
		return err;
	if (flags) {
		err = vmi_tlb_ctl(h, flags, NULL);
		if (err) {
			vmi_close(h);
			return cli_fail(err, "TLB tracking");
		}
		if (flags & VMI_TLB_DISABLE) {
			vmi_close(h);
			return CLI_EXIT_OK;
		}
	}
	signal(SIGINT, tlb_on_signal);
	signal(SIGTERM, tlb_on_signal);

	if (trace) {
		err = run_trace(h, &o, secs);
		vmi_close(h);
		return err;
	}
	err = snap_take(h, &o, &a);
	if (err) {
		vmi_close(h);
		return cli_fail(err, "TLB statistics");
	}
	if (!a.st.enabled)
		cli_warn("tracking is off: counts are frozen (see --enable)");
	if (!(secs > 0)) {
		err = tlb_print(&a, &o, 0, stdout);
		snap_free(&a);
		vmi_close(h);
		return err ? CLI_EXIT_RUNTIME : CLI_EXIT_OK;
	}
	/* a: the totals at the start of the interval, b: at its end */
	for (done = 0; !tlb_stop && (!count || done < count); done++) {
		usleep((useconds_t)(secs * 1e6));
		err = snap_take(h, &o, &b);
		if (err)
			break;
		err = snap_dup(&b, &d);
		if (err) {
			snap_free(&b);
			break;
		}
		snap_delta(&a, &d);
		err = tlb_print(&d, &o, secs, stdout);
		if (!o.json)
			fputc('\n', stdout);
		fflush(stdout);
		snap_free(&d);
		snap_free(&a);
		a = b;
		if (err)
			break;
	}
	snap_free(&a);
	vmi_close(h);
	if (err < 0)
		return cli_fail(err, "TLB statistics");
	return err ? CLI_EXIT_RUNTIME : CLI_EXIT_OK;
}
