#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The companion's ecosystem pieces in the VM, with the module loaded:
# - tools/examples/hotarray (prebuilt, linked to libvminspect.so) for a THP,
#   a 4K (--no-thp) and a hugetlb array: its verdict and exit status against
#   the kernel's own smaps (AnonHugePages, Private_Hugetlb);
# - "vminspect export --prometheus" with TLB tracking off and on: parsed by
#   Prometheus' promtool, families and values against /proc/meminfo, sysfs
#   and smaps_rollup.
# KTAP output, as companion_test.sh.
set -u
cd "$(dirname "$0")/.." || exit 1

VMI=tools/vminspect/vminspect
HOT=tools/examples/hotarray
PLAN=14
# KTAP output: the kernel's ktap_* and check, skip_all, skip_single
# shellcheck source=vmi_ktap.sh
. selftests/vmi_ktap.sh

ktap_print_header
ktap_set_plan "$PLAN"
if [ ! -x "$VMI" ] || [ ! -x "$HOT" ] || [ ! -e /proc/vminspect/ctl ]; then
	skip_all "$PLAN" ecosystem "no companion, example or module"
fi

TMP=$(mktemp -d)
HOLD_PID=""
TLB_WAS=$(awk '$1 == "enabled" { print $2 }' /proc/vminspect/tlb 2>/dev/null)
cleanup() {
	[ -n "$HOLD_PID" ] && kill "$HOLD_PID" 2>/dev/null
	# tracking back to how it was
	if [ "$TLB_WAS" = 1 ]; then
		"$VMI" tlb --enable >/dev/null 2>&1
	else
		"$VMI" tlb --disable >/dev/null 2>&1
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT

# Run hotarray ARGS... with --hold in the background (600 s, ended by
# hot_stop: the checks take minutes on the debug kernel); sets HOLD_PID and
# waits for its verdict in $TMP/hot.out.
hot_start() {
	"$HOT" "$@" --hold 600 >"$TMP/hot.out" 2>"$TMP/hot.err" &
	HOLD_PID=$!
	for _ in $(seq 600); do
		grep -q '^verdict:' "$TMP/hot.out" 2>/dev/null && return 0
		kill -0 "$HOLD_PID" 2>/dev/null || break
		sleep 0.1
	done
	sed 's/^/# /' "$TMP/hot.out" "$TMP/hot.err"
	return 1
}

hot_stop() {
	kill "$HOLD_PID" 2>/dev/null
	wait "$HOLD_PID" 2>/dev/null
	HOLD_PID=""
}

# The smaps field (kB) of the VMA of process $1 holding address $2 (hex).
smaps_kb() {
	python3 - "$1" "$2" "$3" <<'EOF'
import sys
pid, addr, field = sys.argv[1], int(sys.argv[2], 16), sys.argv[3] + ":"
inside = False
for line in open(f"/proc/{pid}/smaps"):
    w = line.split()
    if "-" in w[0] and len(w) >= 5 and not w[0].endswith(":"):
        s, e = (int(x, 16) for x in w[0].split("-"))
        inside = s <= addr < e
    elif inside and w[0] == field:
        print(w[1])
        sys.exit(0)
print(0)
EOF
}

# Exit status of hotarray if it ran to the end without --hold: its verdict
# line decides it (0 HUGE, 1 NOT HUGE).
verdict_rc() {
	case $(sed -n 's/^verdict: *\([A-Z ]*\):.*/\1/p' "$TMP/hot.out") in
	HUGE) echo 0 ;;
	"NOT HUGE") echo 1 ;;
	*) echo 2 ;;
	esac
}

# hotarray KIND SMAPS-FIELD: the verdict agrees with smaps for a 64 MiB array.
hot_case() {
	local want_huge addr kb mib=$3
	hot_start "$1" --mib "$mib" || return 1
	addr=$(sed -n 's/^array: *0x\([0-9a-f]*\)-.*/\1/p' "$TMP/hot.out")
	kb=$(smaps_kb "$HOLD_PID" "$addr" "$2")
	want_huge=1
	[ "$kb" -ge $((mib * 1024)) ] && want_huge=0
	echo "# $1: smaps $2 ${kb} kB of $((mib * 1024)) kB; hotarray: $(grep '^verdict' "$TMP/hot.out")"
	hot_stop
	[ "$(verdict_rc)" = "$want_huge" ] || return 1
	# the exit status matches the verdict (a run without --hold)
	"$HOT" "$1" --mib "$mib" >/dev/null 2>&1
	[ $? -eq "$want_huge" ] || return 1
	echo "$want_huge" >"$TMP/want"
}

check "hotarray --thp: verdict and exit status agree with smaps AnonHugePages" \
	hot_case --thp AnonHugePages 64
check "hotarray --thp: the array is on THP (THP enabled, 2 MiB aligned, MADV_HUGEPAGE)" \
	test "$(cat "$TMP/want" 2>/dev/null)" = 0
hot_nothp() {
	rm -f "$TMP/want"
	hot_case --no-thp AnonHugePages 64 && [ "$(cat "$TMP/want")" = 1 ]
}
hot_hugetlb() {
	rm -f "$TMP/want"
	hot_case --hugetlb Private_Hugetlb 16 && [ "$(cat "$TMP/want")" = 0 ]
}
check "hotarray --no-thp: NOT HUGE, exit 1, smaps AnonHugePages 0" hot_nothp
if [ "$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)" -ge 8 ] 2>/dev/null; then
	check "hotarray --hugetlb: HUGE, exit 0, smaps Private_Hugetlb" hot_hugetlb
else
	ktap_print_msg "hotarray --hugetlb: fewer than 8 free 2 MiB hugetlb pages"
	ktap_test_skip "hotarray --hugetlb"
fi

# -- export --
PROM=$TMP/vminspect.prom
# the value of one sample: metric{labels} exactly as written
sample() { awk -v m="$1" '$1 == m { print $2; found = 1 } END { exit !found }' "$PROM"; }
meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
promcheck() {
	if ! command -v promtool >/dev/null; then
		echo "# promtool missing: only the shape is checked"
		grep -q '^# TYPE vminspect_up gauge$' "$PROM"
		return
	fi
	promtool check metrics <"$PROM"
}

"$VMI" tlb --disable >/dev/null 2>&1
hot_start --thp --mib 64 || true
"$VMI" export --prometheus --top 50 --output "$PROM"
RC=$?
check "export (tracking off): exit 0, file written, no temporary left" \
	bash -c "[ $RC -eq 0 ] && [ -s '$PROM' ] && ! ls '$TMP' | grep -q '\.tmp\.'"
if command -v promtool >/dev/null; then
	check "export (tracking off): promtool check metrics" promcheck
else
	ktap_print_msg "export (tracking off): promtool check metrics: promtool missing (scripts/deps.sh host)"
	ktap_test_skip "export (tracking off): promtool check metrics"
fi
check "export (tracking off): the comment, no TLB counters, up 1, module_info" \
	bash -c "grep -q '^# vminspect: tlb tracking off' '$PROM' && ! grep -q '^vminspect_tlb_flushes_total' '$PROM' &&
		grep -qx 'vminspect_up 1' '$PROM' && grep -q '^vminspect_module_info{version=\"' '$PROM' &&
		grep -qx 'vminspect_tlb_tracking_enabled 0' '$PROM'"
pools_ok() {
	local tot free rsvd surp sz1g
	tot=$(sample 'vminspect_hugetlb_pool_pages{page_size="2097152",state="total"}') || return 1
	free=$(sample 'vminspect_hugetlb_pool_pages{page_size="2097152",state="free"}') || return 1
	rsvd=$(sample 'vminspect_hugetlb_pool_pages{page_size="2097152",state="reserved"}') || return 1
	surp=$(sample 'vminspect_hugetlb_pool_pages{page_size="2097152",state="surplus"}') || return 1
	echo "# 2M pool: export $tot/$free/$rsvd/$surp, meminfo $(meminfo HugePages_Total)/$(meminfo HugePages_Free)/$(meminfo HugePages_Rsvd)/$(meminfo HugePages_Surp)"
	[ "$tot" = "$(meminfo HugePages_Total)" ] && [ "$free" = "$(meminfo HugePages_Free)" ] &&
		[ "$rsvd" = "$(meminfo HugePages_Rsvd)" ] && [ "$surp" = "$(meminfo HugePages_Surp)" ] || return 1
	[ "$(sample 'vminspect_hugetlb_pool_bytes{page_size="2097152",state="total"}')" = $((tot * 2097152)) ] || return 1
	sz1g=/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages
	if [ -r "$sz1g" ]; then
		[ "$(sample 'vminspect_hugetlb_pool_pages{page_size="1073741824",state="total"}')" = "$(cat "$sz1g")" ] || return 1
	fi
	# per node sums to the pool
	[ "$(awk '/^vminspect_hugetlb_node_pages\{.*page_size="2097152",state="total"\}/ { s += $2 } END { print s + 0 }' "$PROM")" = "$tot" ]
}
check "export: hugetlb pools equal /proc/meminfo HugePages_* and sysfs" pools_ok
thp_ok() {
	local got want ev vm
	local lo hi PROM=$TMP/thp.prom
	# an export of its own, between two reads of meminfo: the system moves
	# on meanwhile (slowly on the debug kernel), so the export must fall
	# within what meminfo said before and after, give or take 32 MiB
	lo=$(($(meminfo AnonHugePages) * 1024))
	"$VMI" export --prometheus --top 0 --output "$PROM" || return 1
	hi=$(($(meminfo AnonHugePages) * 1024))
	got=$(sample vminspect_anon_thp_bytes) || return 1
	[ "$lo" -le "$hi" ] || { want=$lo; lo=$hi; hi=$want; }
	echo "# AnonHugePages: export $got, meminfo $lo..$hi"
	[ "$got" -ge $((lo - (32 << 20))) ] && [ "$got" -le $((hi + (32 << 20))) ] || return 1
	ev=$(sample 'vminspect_huge_events_total{event="thp_fault_alloc"}') || return 1
	vm=$(awk '$1 == "thp_fault_alloc" { print $2 }' /proc/vmstat)
	[ "$ev" -le "$vm" ] && grep -q '^# TYPE vminspect_huge_events_total counter$' "$PROM"
}
check "export: THP bytes and vmstat counters" thp_ok
proc_ok() {
	local want got
	[ -n "$HOLD_PID" ] || return 1
	want=$(($(awk '$1 == "AnonHugePages:" { print $2 }' "/proc/$HOLD_PID/smaps_rollup") * 1024))
	got=$(awk -v p="pid=\"$HOLD_PID\"" 'index($1, "vminspect_process_anon_thp_bytes{" p) == 1 { print $2 }' "$PROM")
	echo "# hotarray $HOLD_PID: export anon THP ${got:-none}, smaps_rollup $want"
	[ "$got" = "$want" ] && grep -q "^vminspect_process_resident_bytes{pid=\"$HOLD_PID\",comm=\"hotarray\"} " "$PROM"
}
check "export: the hot array's process with its anon THP bytes (smaps_rollup)" proc_ok
hot_stop

# tracking on, with shootdowns from a munmap loop while a sibling thread
# runs in the same mm on the other CPU (numpy releases the GIL while it adds)
"$VMI" tlb --enable --reset >/dev/null 2>&1
python3 - <<'EOF' 2>/dev/null
import mmap, threading
import numpy as np
stop = False
def spin():
    a = np.zeros(1 << 20)
    while not stop:
        np.add(a, 1.0, out=a)
t = threading.Thread(target=spin)
t.start()
for _ in range(300):
    m = mmap.mmap(-1, 1 << 16)
    m[0] = 1
    m.close()
stop = True
t.join()
EOF
"$VMI" export --prometheus --top 3 --output "$PROM"
RC=$?
if command -v promtool >/dev/null; then
	check "export (tracking on): promtool check metrics" promcheck
else
	ktap_print_msg "export (tracking on): promtool check metrics: promtool missing (scripts/deps.sh host)"
	ktap_test_skip "export (tracking on): promtool check metrics"
fi
tlb_ok() {
	local cpus n count inf
	[ "$RC" -eq 0 ] && ! grep -q '^# vminspect: tlb tracking off' "$PROM" || return 1
	grep -qx 'vminspect_tlb_tracking_enabled 1' "$PROM" || return 1
	cpus=$(grep -c '^processor' /proc/cpuinfo)
	n=$(grep -c '^vminspect_tlb_shootdown_ipis_received_total{cpu="' "$PROM")
	[ "$n" -ge "$cpus" ] || return 1
	grep -q '^vminspect_tlb_flushes_total{cpu="0",reason="remote_shootdown"} ' "$PROM" || return 1
	count=$(sample vminspect_tlb_initiator_wait_seconds_count) || return 1
	inf=$(sample 'vminspect_tlb_initiator_wait_seconds_bucket{le="+Inf"}') || return 1
	echo "# shootdowns timed: $count"
	[ "$count" = "$inf" ] && grep -q '^# TYPE vminspect_tlb_initiator_wait_seconds histogram$' "$PROM"
}
check "export (tracking on): per-CPU and per-reason counters, the wait histogram" tlb_ok
sent_ok() {
	local sent recv
	sent=$(awk '/^vminspect_tlb_shootdown_ipis_sent_total\{/ { s += $2 } END { print s + 0 }' "$PROM")
	recv=$(awk '/^vminspect_tlb_shootdown_ipis_received_total\{/ { s += $2 } END { print s + 0 }' "$PROM")
	echo "# IPIs sent $sent, received $recv"
	# the kernel skips IPIs to lazy-TLB CPUs: received may be fewer
	[ "$sent" -gt 0 ] && [ "$recv" -le "$sent" ]
}
if [ "$(grep -c '^processor' /proc/cpuinfo)" -ge 2 ]; then
	check "export (tracking on): the munmap loop's IPIs are counted" sent_ok
else
	ktap_print_msg "export (tracking on): IPIs counted: one CPU"
	ktap_test_skip "export (tracking on): IPIs counted"
fi
check "export without the module's TLB rights (nobody): tracking off comment, still valid" \
	bash -c "setpriv --reuid=65534 --regid=65534 --clear-groups $VMI export --prometheus --top 0 >'$TMP/nobody.prom' 2>/dev/null &&
		grep -q '^# vminspect: tlb tracking off' '$TMP/nobody.prom' && grep -qx 'vminspect_up 1' '$TMP/nobody.prom' &&
		{ ! command -v promtool >/dev/null || promtool check metrics <'$TMP/nobody.prom'; }"

ktap_finished
