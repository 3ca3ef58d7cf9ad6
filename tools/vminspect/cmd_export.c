// SPDX-License-Identifier: GPL-2.0
/*
 * vminspect export --prometheus: huge pages, THP and TLB shootdowns in the
 * Prometheus text format, for node_exporter's textfile collector.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "output.h"

#define EXPORT_TOP_DEF	 10
#define EXPORT_MAX_NODES 64
/* histogram buckets: 2^10 ns (about 1 us) ... 2^33 ns (about 8.6 s) */
#define EXPORT_HIST_LO 9
#define EXPORT_HIST_HI 32

static int export_run(int argc, char **argv);

const struct cli_command cli_cmd_export = {
	.name = "export",
	.summary = "metrics for Prometheus (node_exporter textfile collector)",
	.usage =
		"Usage: vminspect export --prometheus [--output FILE] [--top N]\n"
		"\n"
		"Write huge-page, THP and TLB-shootdown metrics in the Prometheus\n"
		"text format: hugetlb pools (per size and node), THP bytes and\n"
		"event counters, TLB shootdowns per CPU and reason and the\n"
		"initiator wait histogram (when tracking is on and the caller is\n"
		"root), the THP use of the N processes with the largest RSS, and\n"
		"the page-table bytes of the N with the most page tables.\n"
		"\n"
		"Options:\n"
		"  --prometheus   the text exposition format (the only format)\n"
		"  --output FILE  write FILE atomically (FILE.tmp.PID, fsync,\n"
		"                 rename) instead of stdout; for node_exporter use\n"
		"                 /var/lib/prometheus/node-exporter/vminspect.prom\n"
		"  --top N        processes to export (default 10, 0: none)\n"
		"  -h, --help     show this help\n"
		"\n"
		"Without the module, vminspect_up 0 is still written and the exit\n"
		"status is 3.\n",
	.run = export_run,
};

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *u64s(uint64_t v, char *buf, size_t len)
{
	snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

/* ---- rendering ---- */

static void export_hugetlb(const struct export_view *v, FILE *f)
{
	static const char *const states[] = { "total", "free", "reserved",
					      "surplus" };
	const struct vmi_huge_sys *s = v->sys;
	char size[24], node[16];
	unsigned int i, k;
	size_t n;
	int bytes;

	for (bytes = 0; bytes < 2; bytes++) {
		if (bytes)
			prom_family(f, "vminspect_hugetlb_pool_bytes", "gauge",
				    "hugetlb pool bytes by page size and state (meminfo HugePages_*)");
		else
			prom_family(f, "vminspect_hugetlb_pool_pages", "gauge",
				    "hugetlb pool pages by page size and state (meminfo HugePages_*)");
		for (i = 0; i < s->nr_pools && i < VMI_HUGE_POOLS; i++) {
			const struct vmi_hugetlb_pool *p = &s->pools[i];
			const uint64_t val[] = { p->total, p->free, p->reserved,
						 p->surplus };

			if (!p->page_size)
				continue;
			for (k = 0; k < ARRAY_SIZE(states); k++) {
				const char *l[] = { "page_size",
						    u64s(p->page_size, size,
							 sizeof(size)),
						    "state", states[k] };

				prom_sample_u64(
					f,
					bytes ? "vminspect_hugetlb_pool_bytes" :
						"vminspect_hugetlb_pool_pages",
					l, 2,
					bytes ? val[k] * p->page_size : val[k]);
			}
		}
	}
	if (!v->nr_nodes)
		return;
	prom_family(f, "vminspect_hugetlb_node_pages", "gauge",
		    "hugetlb pages per NUMA node by page size and state");
	for (n = 0; n < v->nr_nodes; n++) {
		const struct vmi_huge_node *nd = &v->nodes[n];

		for (i = 0; i < s->nr_pools && i < VMI_HUGE_POOLS; i++) {
			const uint64_t val[] = { nd->pool_total[i],
						 nd->pool_free[i],
						 nd->pool_surplus[i] };
			static const char *const nstates[] = { "total", "free",
							       "surplus" };

			if (!s->pools[i].page_size)
				continue;
			for (k = 0; k < ARRAY_SIZE(nstates); k++) {
				const char *l[] = {
					"node",
					u64s(nd->node, node, sizeof(node)),
					"page_size",
					u64s(s->pools[i].page_size, size, sizeof(size)),
					"state",
					nstates[k]
				};

				prom_sample_u64(f,
						"vminspect_hugetlb_node_pages",
						l, 3, val[k]);
			}
		}
	}
}

static void gauge1(FILE *f, const char *name, const char *help, uint64_t v)
{
	prom_family(f, name, "gauge", help);
	prom_sample_u64(f, name, NULL, 0, v);
}

static void export_thp(const struct export_view *v, FILE *f)
{
	const struct vmi_huge_sys *s = v->sys;
	unsigned int e;

	gauge1(f, "vminspect_anon_thp_bytes",
	       "anonymous THP bytes (meminfo AnonHugePages)", s->anon_thp);
	gauge1(f, "vminspect_shmem_thp_bytes",
	       "shmem THP bytes (meminfo ShmemHugePages)", s->shmem_thp);
	gauge1(f, "vminspect_shmem_pmd_mapped_bytes",
	       "shmem bytes mapped by PMDs (meminfo ShmemPmdMapped)",
	       s->shmem_pmd_mapped);
	gauge1(f, "vminspect_file_thp_bytes",
	       "page-cache THP bytes (meminfo FileHugePages)", s->file_thp);
	gauge1(f, "vminspect_file_pmd_mapped_bytes",
	       "page-cache bytes mapped by PMDs (meminfo FilePmdMapped)",
	       s->file_pmd_mapped);
	gauge1(f, "vminspect_free_2m_blocks",
	       "free blocks of 2 MiB or more, in 2 MiB units", s->free_2m);
	prom_family(f, "vminspect_huge_events_total", "counter",
		    "THP, hugetlb and compaction events (/proc/vmstat)");
	for (e = 0; e < VMI_EV_NR; e++) {
		const char *name = vmi_huge_event_name(e);
		const char *l[] = { "event", name };

		if (name)
			prom_sample_u64(f, "vminspect_huge_events_total", l, 1,
					s->events[e]);
	}
}

static void export_tlb_cpus(const struct export_view *v, FILE *f)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} per_cpu[] = {
		{ "vminspect_tlb_shootdowns_sent_total",
		  "remote TLB shootdowns this CPU initiated",
		  offsetof(struct vmi_tlb_cpu, shootdowns) },
		{ "vminspect_tlb_shootdown_ipis_sent_total",
		  "shootdown IPIs this CPU asked for (target CPUs)",
		  offsetof(struct vmi_tlb_cpu, ipis_sent) },
		{ "vminspect_tlb_shootdown_ipis_received_total",
		  "shootdown IPIs this CPU handled",
		  offsetof(struct vmi_tlb_cpu, ipis_received) },
		{ "vminspect_tlb_shootdown_handlers_total",
		  "shootdown handlers run on this CPU, early returns included (the TLB line of /proc/interrupts; 0 where the kernel gives no target time)",
		  offsetof(struct vmi_tlb_cpu, handled) },
	};
	char cpu[16];
	unsigned int k, r;
	size_t i;
	int pages;

	for (k = 0; k < ARRAY_SIZE(per_cpu); k++) {
		prom_family(f, per_cpu[k].name, "counter", per_cpu[k].help);
		for (i = 0; i < v->nr_cpus; i++) {
			const char *l[] = { "cpu", u64s(v->cpus[i].cpu, cpu,
							sizeof(cpu)) };
			uint64_t val;

			memcpy(&val, (const char *)&v->cpus[i] + per_cpu[k].off,
			       sizeof(val));
			prom_sample_u64(f, per_cpu[k].name, l, 1, val);
		}
	}
	for (pages = 0; pages < 2; pages++) {
		const char *name = pages ? "vminspect_tlb_flushed_pages_total" :
					   "vminspect_tlb_flushes_total";

		prom_family(f, name, "counter",
			    pages ? "pages of TLB flushes per CPU and reason (tlb_flush tracepoint)" :
				    "TLB flushes per CPU and reason (tlb_flush tracepoint)");
		for (i = 0; i < v->nr_cpus; i++) {
			for (r = 0; r < VMI_TLB_NR_REASONS; r++) {
				const char *reason = vmi_tlb_reason_name(r);
				const char *l[] = { "cpu",
						    u64s(v->cpus[i].cpu, cpu,
							 sizeof(cpu)),
						    "reason", reason };

				if (!reason)
					continue;
				prom_sample_u64(f, name, l, 2,
						pages ? v->cpus[i].pages[r] :
							v->cpus[i].flushes[r]);
			}
		}
	}
}

/*
 * The ledger of each CPU: the shootdown IPIs it received by cause, and
 * the ones it handled by what they interrupted.
 */
static void export_tlb_ledger(const struct export_view *v, FILE *f)
{
	char cpu[16];
	unsigned int k;
	size_t i;

	prom_family(f, "vminspect_tlb_cpu_received_total", "counter",
		    "shootdown IPIs a CPU received, by the cause of their flush (kernel: function-call IPIs, as sent)");
	for (i = 0; i < v->nr_cpus; i++)
		for (k = 0; k < VMI_TLB_NR_CAUSES_ALL; k++) {
			const char *l[] = {
				"cpu", u64s(v->cpus[i].cpu, cpu, sizeof(cpu)),
				"cause", vmi_tlb_cause_name(k)
			};

			if (l[3] && v->cpus[i].recv_causes[k])
				prom_sample_u64(f,
						"vminspect_tlb_cpu_received_total",
						l, 2,
						v->cpus[i].recv_causes[k]);
		}
	prom_family(f, "vminspect_tlb_cpu_interrupted_total", "counter",
		    "shootdown IPIs a CPU handled, by what it was running (user, kernel, idle)");
	for (i = 0; i < v->nr_cpus; i++)
		for (k = 0; k < VMI_TLB_NR_HIT; k++) {
			const char *l[] = {
				"cpu", u64s(v->cpus[i].cpu, cpu, sizeof(cpu)),
				"context", vmi_tlb_hit_name(k)
			};

			if (l[3])
				prom_sample_u64(f,
						"vminspect_tlb_cpu_interrupted_total",
						l, 2, v->cpus[i].hit[k]);
		}
}

/* A log2 histogram of nanoseconds as a Prometheus histogram in seconds. */
static void export_hist_seconds(FILE *f, const char *name, const char *help,
				const __u64 *hist, double sum)
{
	char le[32], bucket[96], key[96];
	uint64_t count = 0, cum = 0;
	unsigned int b;

	snprintf(bucket, sizeof(bucket), "%s_bucket", name);
	for (b = 0; b < VMI_TLB_HIST_BUCKETS; b++)
		count += hist[b];
	prom_family(f, name, "histogram", help);
	/* bucket b holds values below 2^(b+1) ns */
	for (b = 0; b <= EXPORT_HIST_HI; b++) {
		const char *l[] = { "le", le };

		cum += hist[b];
		if (b < EXPORT_HIST_LO)
			continue;
		prom_fmt_value((double)(2ULL << b) / 1e9, le, sizeof(le));
		prom_sample_u64(f, bucket, l, 1, cum);
	}
	{
		const char *l[] = { "le", "+Inf" };

		prom_sample_u64(f, bucket, l, 1, count);
	}
	snprintf(key, sizeof(key), "%s_sum", name);
	prom_sample_double(f, key, NULL, 0, sum);
	snprintf(key, sizeof(key), "%s_count", name);
	prom_sample_u64(f, key, NULL, 0, count);
}

static void export_tlb_handlers(const struct export_view *v, FILE *f)
{
	__u64 hist[VMI_TLB_HIST_BUCKETS] = { 0 };
	double sum = 0;
	unsigned int b;
	size_t i;

	for (i = 0; i < v->nr_cpus; i++) {
		for (b = 0; b < VMI_TLB_HIST_BUCKETS; b++)
			hist[b] += v->cpus[i].handle_hist[b];
		sum += v->cpus[i].handle_ns / 1e9;
	}
	export_hist_seconds(f, "vminspect_tlb_target_handle_seconds",
			    "time a target CPU spent in a shootdown handler",
			    hist, sum);
}

static void export_tlb_initiators(const struct export_view *v, FILE *f)
{
	__u64 hist[VMI_TLB_HIST_BUCKETS] = { 0 };
	uint64_t causes[VMI_TLB_NR_CAUSES_ALL] = { 0 };
	double sum = 0;
	unsigned int b, c;
	size_t i;

	for (i = 0; i < v->nr_in; i++) {
		for (b = 0; b < VMI_TLB_HIST_BUCKETS; b++)
			hist[b] += v->in[i].wait_hist[b];
		for (c = 0; c < VMI_TLB_NR_CAUSES_ALL; c++)
			causes[c] += vmi_tlb_initiator_cause(&v->in[i], c);
		sum += v->in[i].wait_ns / 1e9;
	}
	prom_family(f, "vminspect_tlb_shootdowns_by_cause_total", "counter",
		    "remote TLB shootdowns by the initiator's cause (see vminspect(8) CAUSES)");
	for (c = 0; c < VMI_TLB_NR_CAUSES_ALL; c++) {
		const char *name = vmi_tlb_cause_name(c);
		const char *l[] = { "cause", name };

		if (name)
			prom_sample_u64(f,
					"vminspect_tlb_shootdowns_by_cause_total",
					l, 1, causes[c]);
	}
	export_hist_seconds(f, "vminspect_tlb_initiator_wait_seconds",
			    "time a shootdown initiator waited for its target CPUs",
			    hist, sum);
}

static void export_procs(const struct export_view *v, FILE *f)
{
	static const struct {
		const char *name, *help;
	} fam[] = {
		{ "vminspect_process_resident_bytes",
		  "resident bytes of the process (smaps Rss; hugetlb not included)" },
		{ "vminspect_process_anon_bytes",
		  "resident anonymous bytes (/proc/PID/status RssAnon)" },
		{ "vminspect_process_anon_thp_bytes",
		  "anonymous bytes on PMD-mapped THP (smaps AnonHugePages)" },
		{ "vminspect_process_file_thp_bytes",
		  "shmem and page-cache bytes on PMD-mapped THP" },
		{ "vminspect_process_hugetlb_bytes",
		  "hugetlb bytes mapped, by page size" },
		{ "vminspect_process_tlb_entries",
		  "TLB entries the mapped pages need now, and if every eligible 2 MiB block were huge" },
	};
	char pid[16];
	unsigned int k;
	size_t i;

	for (k = 0; k < ARRAY_SIZE(fam); k++) {
		prom_family(f, fam[k].name, "gauge", fam[k].help);
		for (i = 0; i < v->nr_procs; i++) {
			const struct export_proc *p = &v->procs[i];
			const struct vmi_huge_bytes *b = &p->p.b;
			const char *l[] = {
				"pid",	u64s(p->p.pid, pid, sizeof(pid)),
				"comm", p->p.comm,
				"",	""
			};

			switch (k) {
			case 0:
				prom_sample_u64(f, fam[k].name, l, 2, b->rss);
				break;
			case 1:
				if (p->anon >= 0)
					prom_sample_u64(f, fam[k].name, l, 2,
							(uint64_t)p->anon);
				break;
			case 2:
				prom_sample_u64(f, fam[k].name, l, 2,
						b->thp_pmd_anon);
				break;
			case 3:
				prom_sample_u64(f, fam[k].name, l, 2,
						b->thp_pmd_shmem +
							b->thp_pmd_file);
				break;
			case 4:
				l[4] = "page_size";
				l[5] = "2097152";
				prom_sample_u64(f, fam[k].name, l, 3,
						vmi_huge_hugetlb_2m(b));
				l[5] = "1073741824";
				prom_sample_u64(f, fam[k].name, l, 3,
						vmi_huge_hugetlb_1g(b));
				break;
			default:
				l[4] = "state";
				l[5] = "now";
				prom_sample_u64(f, fam[k].name, l, 3,
						b->tlb_now);
				l[5] = "best";
				prom_sample_u64(f, fam[k].name, l, 3,
						b->tlb_best);
			}
		}
	}
}

/* The processes with the most page-table memory, and its kind. */
static void export_pgtables(const struct export_view *v, FILE *f)
{
	static const char *const name = "vminspect_process_page_table_bytes";
	char pid[16];
	size_t i;

	prom_family(f, name, "gauge",
		    "memory of the process's page tables, all levels, the PGD included (VmPTE leaves out the PGD and P4D)");
	for (i = 0; i < v->nr_pgt; i++) {
		const struct vmi_pgt_proc *p = &v->pgt[i];
		const char *l[] = { "pid", u64s(p->pid, pid, sizeof(pid)),
				    "comm", p->comm };

		prom_sample_u64(f, name, l, 2, p->t.bytes);
	}
}

int export_print_prometheus(const struct export_view *v, FILE *f)
{
	gauge1(f, "vminspect_up", "1 when the vminspect kernel module answered",
	       v->info ? 1 : 0);
	if (v->info) {
		const char *l[] = {
			"version",
			v->info->module_version,
			"kernel",
			v->info->kernel_release,
			"companion_version",
			VMINSPECT_VERSION,
		};

		prom_family(f, "vminspect_module_info", "gauge",
			    "the loaded vminspect module: its version and the kernel's");
		prom_sample_u64(f, "vminspect_module_info", l, 3, 1);
	}
	if (v->sys) {
		export_hugetlb(v, f);
		export_thp(v, f);
	}
	if (v->tlb_ctl)
		gauge1(f, "vminspect_tlb_tracking_enabled",
		       "1 when TLB shootdown tracking is on",
		       v->tlb_ctl->enabled ? 1 : 0);
	if (v->tlb_off) {
		fprintf(f, "# vminspect: tlb tracking off (%s)\n", v->tlb_off);
	} else if (v->info) {
		prom_family(f, "vminspect_tlb_missed_total", "counter",
			    "TLB events the module could not record");
		prom_sample_u64(f, "vminspect_tlb_missed_total", NULL, 0,
				v->tlb_ctl ? v->tlb_ctl->missed : 0);
		export_tlb_cpus(v, f);
		export_tlb_ledger(v, f);
		export_tlb_initiators(v, f);
		if (v->tlb_ctl && !(v->tlb_ctl->limits & VMI_TLB_LIM_NO_TARGET))
			export_tlb_handlers(v, f);
	}
	if (v->scan) {
		const char *res[] = { "scanned", "kernel_thread", "vanished",
				      "denied", "failed" };
		const size_t val[] = { v->scan->scanned, v->scan->kernel,
				       v->scan->gone, v->scan->denied,
				       v->scan->failed };
		unsigned int k;

		prom_family(f, "vminspect_processes", "gauge",
			    "processes seen in /proc by the last scan, by result");
		for (k = 0; k < ARRAY_SIZE(res); k++) {
			const char *l[] = { "result", res[k] };

			prom_sample_u64(f, "vminspect_processes", l, 1, val[k]);
		}
	}
	if (v->nr_procs)
		export_procs(v, f);
	if (v->nr_pgt)
		export_pgtables(v, f);
	prom_family(f, "vminspect_scrape_duration_seconds", "gauge",
		    "time vminspect took to collect these metrics");
	prom_sample_double(f, "vminspect_scrape_duration_seconds", NULL, 0,
			   v->duration);
	return ferror(f) ? -1 : 0;
}

/* ---- collecting ---- */

/* RssAnon of /proc/PID/status in bytes, -1 when unknown. */
static int64_t read_rss_anon(uint32_t pid)
{
	char path[64], line[256];
	long long kb;
	int64_t ret = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/status", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "RssAnon: %lld kB", &kb) == 1) {
			ret = (int64_t)kb * 1024;
			break;
		}
	fclose(f);
	return ret;
}

static int by_rss(const void *a, const void *b)
{
	const struct vmi_huge_proc *x = a, *y = b;

	if (x->b.rss != y->b.rss)
		return x->b.rss < y->b.rss ? 1 : -1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static int tlb_collect(struct vmi_handle *h, const struct vmi_info *info,
		       struct vmi_tlb_ctl_arg *st, struct export_view *v)
{
	struct vmi_tlb_cpu *cpus = NULL;
	struct vmi_tlb_initiator *in = NULL;
	size_t nc = 0, ni = 0;
	int err;

	if (!(info->features & VMI_FEAT_TLB)) {
		v->tlb_off = "not built into the module";
		return 0;
	}
	err = vmi_tlb_ctl(h, 0, st);
	if (err == -EPERM || err == -EACCES) {
		v->tlb_off = "permission denied: needs root";
		return 0;
	}
	if (err) {
		v->tlb_off = vmi_strerror(err);
		return 0;
	}
	v->tlb_ctl = st;
	if (!st->enabled) {
		v->tlb_off = "switched off: vminspect tlb --enable";
		return 0;
	}
	err = vmi_tlb_cpus(h, &cpus, &nc);
	if (!err)
		err = vmi_tlb_initiators(h, 0, &in, &ni);
	if (err) {
		free(cpus);
		v->tlb_off = vmi_strerror(err);
		return 0;
	}
	v->cpus = cpus;
	v->nr_cpus = nc;
	v->in = in;
	v->nr_in = ni;
	return 0;
}

/* Write to path atomically: path.tmp.PID in the same directory, renamed. */
static int write_atomic(const char *path, const struct export_view *v)
{
	char *tmp = NULL, *dir_copy;
	int fd, dfd, err = 0;
	FILE *f;

	if (asprintf(&tmp, "%s.tmp.%d", path, (int)getpid()) < 0) {
		cli_err("out of memory");
		return CLI_EXIT_RUNTIME;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		  0644);
	if (fd < 0) {
		cli_err("%s: %s", tmp, strerror(errno));
		free(tmp);
		return errno == EACCES || errno == EPERM ? CLI_EXIT_PERM :
							   CLI_EXIT_RUNTIME;
	}
	f = fdopen(fd, "w");
	if (!f) {
		err = errno;
		close(fd);
	} else {
		if (export_print_prometheus(v, f) || fflush(f))
			err = errno ? errno : EIO;
		else if (fsync(fileno(f)))
			err = errno;
		if (fclose(f) && !err)
			err = errno;
	}
	if (!err && rename(tmp, path))
		err = errno;
	if (err) {
		cli_err("%s: %s", path, strerror(err));
		unlink(tmp);
		free(tmp);
		return CLI_EXIT_RUNTIME;
	}
	/* make the rename durable too */
	dir_copy = strdup(path);
	if (dir_copy) {
		dfd = open(dirname(dir_copy),
			   O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
		free(dir_copy);
	}
	free(tmp);
	return CLI_EXIT_OK;
}

static int export_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "prometheus", no_argument, NULL, 'p' },
		{ "output", required_argument, NULL, 'o' },
		{ "top", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_command *cmd = &cli_cmd_export;
	struct export_view v = { 0 };
	struct vmi_huge_node *nodes = NULL;
	struct export_proc *procs = NULL;
	struct vmi_huge_sys sys;
	struct vmi_tlb_ctl_arg st;
	struct vmi_huge_scan scan = { 0 };
	struct vmi_pgt_scan pgt = { 0 };
	struct vmi_handle *h = NULL;
	struct vmi_info info;
	const char *output = NULL;
	uint64_t top = EXPORT_TOP_DEF;
	bool prometheus = false;
	double t0 = now_seconds();
	int c, err, ret, wret;
	size_t i;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			prometheus = true;
			break;
		case 'o':
			if (!*optarg)
				return cli_usage_error(cmd, "empty --output");
			output = optarg;
			break;
		case 't':
			if (cli_parse_num(optarg, &top) || top > 1000000)
				return cli_usage_error(cmd,
						       "invalid --top '%s'",
						       optarg);
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
	if (!prometheus)
		return cli_usage_error(cmd, "no format given (--prometheus)");

	ret = cli_open(&h, &info);
	if (ret == CLI_EXIT_OK) {
		v.info = &info;
		nodes = calloc(EXPORT_MAX_NODES, sizeof(*nodes));
		if (!nodes) {
			vmi_close(h);
			cli_err("out of memory");
			return CLI_EXIT_RUNTIME;
		}
		if (info.features & VMI_FEAT_HUGE) {
			err = vmi_huge_sys_read(NULL, &sys, nodes,
						EXPORT_MAX_NODES);
			if (err) {
				cli_warn("huge pages system-wide: %s",
					 vmi_strerror(err));
			} else {
				v.sys = &sys;
				v.nodes = nodes;
				v.nr_nodes = sys.nr_nodes < EXPORT_MAX_NODES ?
						     sys.nr_nodes :
						     EXPORT_MAX_NODES;
			}
		}
		tlb_collect(h, &info, &st, &v);
		if (top && (info.features & VMI_FEAT_HUGE)) {
			err = vmi_huge_scan(h, NULL, &scan);
			if (err)
				cli_warn("/proc: %s", vmi_strerror(err));
			else
				v.scan = &scan;
		}
		if (scan.n) {
			qsort(scan.procs, scan.n, sizeof(*scan.procs), by_rss);
			v.nr_procs = scan.n < top ? scan.n : (size_t)top;
			procs = calloc(v.nr_procs, sizeof(*procs));
			if (!procs)
				v.nr_procs = 0;
			for (i = 0; i < v.nr_procs; i++) {
				procs[i].p = scan.procs[i];
				procs[i].anon = read_rss_anon(procs[i].p.pid);
			}
			v.procs = procs;
		}
		if (top && (info.features & VMI_FEAT_WALK)) {
			err = vmi_pgt_scan(h, NULL, &pgt);
			if (err)
				cli_warn("page tables: %s", vmi_strerror(err));
			if (pgt.n)
				qsort(pgt.procs, pgt.n, sizeof(*pgt.procs),
				      pgtables_by_bytes);
			v.pgt = pgt.procs;
			v.nr_pgt = pgt.n < top ? pgt.n : (size_t)top;
		}
		vmi_close(h);
	}
	v.duration = now_seconds() - t0;

	if (output) {
		wret = write_atomic(output, &v);
	} else {
		wret = export_print_prometheus(&v, stdout) ? CLI_EXIT_RUNTIME :
							     CLI_EXIT_OK;
	}
	free((void *)v.cpus);
	free((void *)v.in);
	free(procs);
	vmi_huge_scan_free(&scan);
	vmi_pgt_scan_free(&pgt);
	free(nodes);
	/* nothing written is worse than "up 0" written */
	return wret != CLI_EXIT_OK ? wret : ret;
}
