// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of "vminspect export --prometheus": label escaping, number
 * formatting, the rendering of a synthetic system (every family, TLB on and
 * off, module missing), and the colour decision.  kselftest harness, KTAP
 * output.
 *
 * "test_export --render export|export-tlb-off|export-down" prints a sample
 * in the text exposition format instead.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../vminspect/cli.h"
#include "../vminspect/output.h"
#include "kselftest_harness.h"

TEST(escape)
{
	char buf[64];

	EXPECT_STREQ("plain", prom_escape_label("plain", buf, sizeof(buf)));
	EXPECT_STREQ("", prom_escape_label("", buf, sizeof(buf)));
	EXPECT_STREQ("a\\\\b\\\"c\\nd",
		     prom_escape_label("a\\b\"c\nd", buf, sizeof(buf)));
	/* other bytes pass through: tabs, UTF-8, braces */
	EXPECT_STREQ("t\tx \xc3\xa4{}=,",
		     prom_escape_label("t\tx \xc3\xa4{}=,", buf, sizeof(buf)));
	/* too small: NULL, never half an escape */
	EXPECT_TRUE(!prom_escape_label("abc", buf, 3));
	EXPECT_NE(NULL, prom_escape_label("abc", buf, 4));
	EXPECT_TRUE(!prom_escape_label("a\"", buf, 3));
	EXPECT_STREQ("a\\\"", prom_escape_label("a\"", buf, 4));
}

TEST(values)
{
	char buf[32];

	EXPECT_STREQ("0", prom_fmt_value(0, buf, sizeof(buf)));
	EXPECT_STREQ("42", prom_fmt_value(42, buf, sizeof(buf)));
	EXPECT_STREQ("-3", prom_fmt_value(-3, buf, sizeof(buf)));
	EXPECT_STREQ("1.5", prom_fmt_value(1.5, buf, sizeof(buf)));
	EXPECT_STREQ("0.000123", prom_fmt_value(0.000123, buf, sizeof(buf)));
	EXPECT_STREQ("1.024e-06", prom_fmt_value(1.024e-06, buf, sizeof(buf)));
	EXPECT_STREQ("9007199254740992",
		     prom_fmt_value(9007199254740992.0, buf, sizeof(buf)));
	EXPECT_STREQ("1.5e+20", prom_fmt_value(1.5e20, buf, sizeof(buf)));
	EXPECT_STREQ("NaN", prom_fmt_value(NAN, buf, sizeof(buf)));
	EXPECT_STREQ("+Inf", prom_fmt_value(INFINITY, buf, sizeof(buf)));
	EXPECT_STREQ("-Inf", prom_fmt_value(-INFINITY, buf, sizeof(buf)));
}

TEST(color)
{
	enum color_mode m = COLOR_NEVER;

	EXPECT_TRUE(color_parse("auto", &m) == 0 && m == COLOR_AUTO);
	EXPECT_TRUE(color_parse("always", &m) == 0 && m == COLOR_ALWAYS);
	EXPECT_TRUE(color_parse("never", &m) == 0 && m == COLOR_NEVER);
	EXPECT_TRUE(color_parse("yes", &m) != 0 && m == COLOR_NEVER);
	EXPECT_TRUE(color_decide(COLOR_AUTO, NULL, true));
	EXPECT_TRUE(color_decide(COLOR_AUTO, "", true)); /* empty: not set */
	EXPECT_TRUE(!color_decide(COLOR_AUTO, "1", true));
	EXPECT_TRUE(!color_decide(COLOR_AUTO, NULL, false));
	EXPECT_TRUE(color_decide(COLOR_ALWAYS, "1", false));
	EXPECT_TRUE(!color_decide(COLOR_NEVER, NULL, true));
}

/* ---- a synthetic system ---- */

static struct vmi_info s_info;
static struct vmi_huge_sys s_sys;
static struct vmi_huge_node s_nodes[2];
static struct vmi_tlb_ctl_arg s_ctl;
static struct vmi_tlb_cpu s_cpus[2];
static struct vmi_tlb_initiator s_in[2];
static struct vmi_huge_scan s_scan;
static struct export_proc s_procs[2];
static struct vmi_pgt_proc s_pgt[1];

static void sample(struct export_view *v, const char *what)
{
	memset(v, 0, sizeof(*v));
	memset(&s_info, 0, sizeof(s_info));
	snprintf(s_info.module_version, sizeof(s_info.module_version), "0.1.0");
	snprintf(s_info.kernel_release, sizeof(s_info.kernel_release),
		 "6.12.95+deb12-amd64");
	memset(&s_sys, 0, sizeof(s_sys));
	s_sys.nr_pools = 2;
	s_sys.pools[0] = (struct vmi_hugetlb_pool){ 2097152, 16, 10, 2, 1 };
	s_sys.pools[1] = (struct vmi_hugetlb_pool){ 1073741824, 1, 1, 0, 0 };
	s_sys.nr_nodes = 2;
	s_sys.anon_thp = 64 << 20;
	s_sys.free_2m = 300;
	s_sys.events[VMI_EV_THP_FAULT_ALLOC] = 1234;
	s_sys.events[VMI_EV_COMPACT_STALL] = 5;
	memset(s_nodes, 0, sizeof(s_nodes));
	s_nodes[0].node = 0;
	s_nodes[0].pool_total[0] = 8;
	s_nodes[0].pool_free[0] = 5;
	s_nodes[1].node = 1;
	s_nodes[1].pool_total[0] = 8;
	s_nodes[1].pool_free[0] = 5;
	s_nodes[1].pool_surplus[0] = 1;
	s_nodes[1].pool_total[1] = 1;
	s_nodes[1].pool_free[1] = 1;
	memset(&s_ctl, 0, sizeof(s_ctl));
	s_ctl.enabled = 1;
	s_ctl.missed = 3;
	memset(s_cpus, 0, sizeof(s_cpus));
	s_cpus[0].cpu = 0;
	s_cpus[0].shootdowns = 7;
	s_cpus[0].ipis_sent = 7;
	s_cpus[0].flushes[VMI_TLB_REMOTE_SEND_IPI] = 7;
	s_cpus[1].cpu = 1;
	s_cpus[1].ipis_received = 7;
	s_cpus[1].flushes[VMI_TLB_REMOTE_SHOOTDOWN] = 7;
	s_cpus[1].pages[VMI_TLB_REMOTE_SHOOTDOWN] = 9;
	s_cpus[1].handled = 8; /* one returned early: no tracepoint */
	s_cpus[1].handle_ns = 8 * 1500;
	s_cpus[1].handle_max_ns = 1900;
	s_cpus[1].handle_hist[10] = 8; /* 1024..2047 ns */
	memset(s_in, 0, sizeof(s_in));
	s_in[0].shootdowns = 5;
	s_in[0].causes[VMI_TLB_CAUSE_MUNMAP] = 5;
	s_in[0].wait_ns = 5 * 3000;
	s_in[0].wait_hist[11] = 5; /* 2048..4095 ns */
	s_in[1].shootdowns = 2;
	s_in[1].causes[VMI_TLB_CAUSE_KTHREAD] = 2;
	s_in[1].wait_ns = 2 * 1000000000ULL;
	s_in[1].wait_hist[29] = 1; /* about 0.5-1 s */
	s_in[1].wait_hist[40] = 1; /* beyond the last bucket */
	memset(&s_scan, 0, sizeof(s_scan));
	s_scan.scanned = 90;
	s_scan.kernel = 60;
	s_scan.denied = 1;
	memset(s_procs, 0, sizeof(s_procs));
	s_procs[0].p.pid = 42;
	snprintf(s_procs[0].p.comm, sizeof(s_procs[0].p.comm),
		 "we\"ird\\na\nme");
	s_procs[0].p.b.rss = 1 << 20;
	s_procs[0].p.b.thp_pmd_anon = 2 << 20;
	s_procs[0].p.b.hugetlb_pmd_private = 4 << 20;
	s_procs[0].p.b.tlb_now = 3;
	s_procs[0].p.b.tlb_best = 2;
	s_procs[0].anon = 4096;
	s_procs[1].p.pid = 7;
	snprintf(s_procs[1].p.comm, sizeof(s_procs[1].p.comm), "db");
	s_procs[1].anon = -1;

	v->duration = 0.0125;
	if (!strcmp(what, "export-down"))
		return;
	v->info = &s_info;
	v->sys = &s_sys;
	v->nodes = s_nodes;
	v->nr_nodes = 2;
	v->tlb_ctl = &s_ctl;
	v->scan = &s_scan;
	v->procs = s_procs;
	v->nr_procs = 2;
	memset(s_pgt, 0, sizeof(s_pgt));
	s_pgt[0].pid = 9;
	snprintf(s_pgt[0].comm, sizeof(s_pgt[0].comm), "postgres");
	s_pgt[0].t.bytes = 135168;
	v->pgt = s_pgt;
	v->nr_pgt = 1;
	if (!strcmp(what, "export-tlb-off")) {
		s_ctl.enabled = 0;
		v->tlb_off = "switched off: vminspect tlb --enable";
		return;
	}
	v->cpus = s_cpus;
	v->nr_cpus = 2;
	v->in = s_in;
	v->nr_in = 2;
}

static char *render_to_string(const char *what)
{
	struct export_view v;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	sample(&v, what);
	if (export_print_prometheus(&v, f)) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	return buf;
}

TEST(render)
{
	char *s = render_to_string("export");

	EXPECT_NE(NULL, s);
	if (!s)
		return;
	EXPECT_TRUE(!strncmp(s, "# HELP vminspect_up ", 20));
	EXPECT_NE(NULL, strstr(s, "\nvminspect_up 1\n"));
	EXPECT_NE(NULL,
		  strstr(s,
			 "\nvminspect_module_info{version=\"0.1.0\",kernel=\"6.12.95+deb12-amd64\",companion_version=\""));
	EXPECT_NE(NULL,
		  strstr(s,
			 "\nvminspect_hugetlb_pool_pages{page_size=\"2097152\",state=\"total\"} 16\n"));
	EXPECT_NE(NULL,
		  strstr(s,
			 "\nvminspect_hugetlb_pool_pages{page_size=\"2097152\",state=\"reserved\"} 2\n"));
	EXPECT_NE(NULL,
		  strstr(s,
			 "\nvminspect_hugetlb_pool_bytes{page_size=\"2097152\",state=\"free\"} 20971520\n"));
	EXPECT_NE(NULL,
		  strstr(s,
			 "\nvminspect_hugetlb_pool_bytes{page_size=\"1073741824\",state=\"total\"} 1073741824\n"));
	EXPECT_NE(NULL,
		  strstr(s,
			 "\nvminspect_hugetlb_node_pages{node=\"1\",page_size=\"2097152\",state=\"surplus\"} 1\n"));
	EXPECT_NE(NULL, strstr(s, "\nvminspect_anon_thp_bytes 67108864\n"));
	EXPECT_NE(NULL,
		  strstr(s,
			 "\nvminspect_huge_events_total{event=\"thp_fault_alloc\"} 1234\n"));
	EXPECT_NE(NULL,
		  strstr(s, "# TYPE vminspect_huge_events_total counter\n"));
	EXPECT_NE(NULL, strstr(s, "\nvminspect_tlb_tracking_enabled 1\n"));
	EXPECT_NE(NULL, strstr(s, "\nvminspect_tlb_missed_total 3\n"));
	EXPECT_NE(NULL,
		  strstr(s,
			 "\nvminspect_tlb_shootdown_ipis_received_total{cpu=\"1\"} 7\n"));
	EXPECT_NE(NULL,
		  strstr(s,
			 "\nvminspect_tlb_flushes_total{cpu=\"0\",reason=\"send_ipi\"} 7\n"));
	EXPECT_NE(NULL,
		  strstr(s,
			 "\nvminspect_tlb_flushed_pages_total{cpu=\"1\",reason=\"remote_shootdown\"} 9\n"));
	EXPECT_NE(NULL,
		  strstr(s,
			 "\nvminspect_tlb_shootdowns_by_cause_total{cause=\"munmap\"} 5\n"));
	EXPECT_NE(NULL,
		  strstr(s,
			 "# TYPE vminspect_tlb_initiator_wait_seconds histogram\n"));
	/* cumulative: 5 below 4096 ns, 6 below 1.07 s, all 7 at +Inf */
	EXPECT_NE(NULL,
		  strstr(s,
			 "\nvminspect_tlb_initiator_wait_seconds_bucket{le=\"1.024e-06\"} 0\n"));
	EXPECT_NE(NULL,
		  strstr(s,
			 "\nvminspect_tlb_initiator_wait_seconds_bucket{le=\"4.096e-06\"} 5\n"));
	EXPECT_NE(NULL,
		  strstr(s,
			 "\nvminspect_tlb_initiator_wait_seconds_bucket{le=\"1.073741824\"} 6\n"));
	EXPECT_NE(NULL,
		  strstr(s,
			 "\nvminspect_tlb_initiator_wait_seconds_bucket{le=\"8.589934592\"} 6\n"));
	EXPECT_NE(NULL,
		  strstr(s,
			 "\nvminspect_tlb_initiator_wait_seconds_bucket{le=\"+Inf\"} 7\n"));
	EXPECT_NE(NULL,
		  strstr(s,
			 "\nvminspect_tlb_initiator_wait_seconds_sum 2.000015\n"));
	EXPECT_NE(NULL,
		  strstr(s,
			 "\nvminspect_tlb_initiator_wait_seconds_count 7\n"));
	EXPECT_NE(NULL,
		  strstr(s,
			 "\nvminspect_tlb_shootdown_handlers_total{cpu=\"1\"} 8\n"));
	EXPECT_NE(NULL,
		  strstr(s,
			 "# TYPE vminspect_tlb_target_handle_seconds histogram\n"));
	EXPECT_NE(NULL,
		  strstr(s,
			 "\nvminspect_tlb_target_handle_seconds_bucket{le=\"1.024e-06\"} 0\n"));
	EXPECT_NE(NULL,
		  strstr(s,
			 "\nvminspect_tlb_target_handle_seconds_bucket{le=\"2.048e-06\"} 8\n"));
	EXPECT_NE(NULL,
		  strstr(s,
			 "\nvminspect_tlb_target_handle_seconds_bucket{le=\"+Inf\"} 8\n"));
	EXPECT_NE(NULL,
		  strstr(s,
			 "\nvminspect_tlb_target_handle_seconds_sum 1.2e-05\n"));
	EXPECT_NE(NULL,
		  strstr(s, "\nvminspect_tlb_target_handle_seconds_count 8\n"));
	EXPECT_NE(NULL,
		  strstr(s, "\nvminspect_processes{result=\"denied\"} 1\n"));
	EXPECT_NE(NULL,
		  strstr(s,
			 "\nvminspect_process_page_table_bytes{pid=\"9\",comm=\"postgres\"} 135168\n"));
	EXPECT_NE(NULL,
		  strstr(s,
			 "\nvminspect_process_resident_bytes{pid=\"42\",comm=\"we\\\"ird\\\\na\\nme\"} 1048576\n"));
	EXPECT_NE(NULL,
		  strstr(s,
			 "\nvminspect_process_anon_bytes{pid=\"42\",comm=\"we\\\"ird\\\\na\\nme\"} 4096\n"));
	EXPECT_TRUE(!strstr(s, "vminspect_process_anon_bytes{pid=\"7\""));
	EXPECT_NE(NULL,
		  strstr(s,
			 "\nvminspect_process_anon_thp_bytes{pid=\"42\",comm=\"we\\\"ird\\\\na\\nme\"} 2097152\n"));
	EXPECT_NE(NULL,
		  strstr(s,
			 "\nvminspect_process_hugetlb_bytes{pid=\"42\",comm=\"we\\\"ird\\\\na\\nme\",page_size=\"2097152\"} 4194304\n"));
	EXPECT_NE(NULL,
		  strstr(s,
			 "\nvminspect_process_tlb_entries{pid=\"7\",comm=\"db\",state=\"best\"} 0\n"));
	EXPECT_NE(NULL,
		  strstr(s, "\nvminspect_scrape_duration_seconds 0.0125\n"));
	EXPECT_TRUE(!strstr(s, "tracking off"));
	free(s);

	s = render_to_string("export-tlb-off");
	EXPECT_TRUE(s &&
		    strstr(s, "\n# vminspect: tlb tracking off (switched off"));
	EXPECT_TRUE(s && strstr(s, "\nvminspect_tlb_tracking_enabled 0\n"));
	EXPECT_TRUE(s && !strstr(s, "vminspect_tlb_flushes_total"));
	EXPECT_TRUE(s && !strstr(s, "vminspect_tlb_initiator_wait_seconds"));
	EXPECT_TRUE(s && strstr(s, "\nvminspect_hugetlb_pool_pages{"));
	free(s);

	s = render_to_string("export-down");
	EXPECT_STREQ("# HELP vminspect_up 1 when the vminspect kernel module answered\n"
		     "# TYPE vminspect_up gauge\n"
		     "vminspect_up 0\n"
		     "# HELP vminspect_scrape_duration_seconds time vminspect took to collect these metrics\n"
		     "# TYPE vminspect_scrape_duration_seconds gauge\n"
		     "vminspect_scrape_duration_seconds 0.0125\n",
		     s);
	free(s);
}

static int render_export(const char *what)
{
	struct export_view v;

	if (strcmp(what, "export") && strcmp(what, "export-tlb-off") &&
	    strcmp(what, "export-down"))
		return -1;
	sample(&v, what);
	return export_print_prometheus(&v, stdout);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--render"))
		return render_export(argv[2]) ? 1 : 0;
	return test_harness_run(argc, argv);
}
