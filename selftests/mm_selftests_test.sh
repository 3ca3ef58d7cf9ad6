#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own mm selftests as the mutator, in the VM with the module
# loaded: each runs once alone and once while vmi_walkall walks all of its
# processes (and their children) in every mode, from the last CPU.  The two
# runs must end alike (same exit status, same result lines: KTAP ok/not ok/
# SKIP, khugepaged's OK/Fail/Skip, the Totals line), and the walkers must
# meet no error but a process exiting under them.  The kernel log is checked
# by scripts/guest-run.sh after the run.  KTAP output.
#
# The binaries are built from the 6.12 source by scripts/deps.sh into
# $VMI_IMAGES/mm-selftests; their arguments are chosen so that the whole
# script takes a few minutes in a TCG guest (see TESTS).
set -u
cd "$(dirname "$0")/.." || exit 1

# KTAP output: the kernel's ktap_* and check, skip_all, skip_single
# shellcheck source=vmi_ktap.sh
. selftests/vmi_ktap.sh

MM=${VMI_MM_SELFTESTS:-${VMI_IMAGES:-/opt/vminspect}/mm-selftests}
WALKER=selftests/vmi_walkall
TMP=$(mktemp -d /tmp/vmi-mmst.XXXXXX)

# name|seconds allowed per run|hugetlb pages (2 MiB) to reserve|command.
# run_vmtests.sh's tests and arguments, except where a run would take
# minutes under TCG:
# - uffd-stress on 8 MiB with 4 bounces, not 20 MiB with 16;
# - map_hugetlb on 32 MiB, not 256 (hugepage-mmap and hugepage-shm, which
#   take no size, write their 256 MiB byte by byte);
# - split_huge_page_test: its nine pagecache cases write a 4 MiB file one
#   byte per write(2), and on tmpfs they only skip (no large folios).
#   Given a directory that does not exist it stops (exit 1, "Failed to
#   create a file") after the four THP cases;
# - hugetlb_fault_after_madv races madvise and a fault in 10,000 rounds of
#   two new threads: it is stopped after 30 s (exit 124) in both runs;
# - khugepaged (anon, both contexts) waits for khugepaged's scans, and
#   under TCG sometimes gives up on one: a run alone decides then;
# - migration needs two NUMA nodes: in a one-node guest it skips.
TESTS=(
	"cow|240|0|cow"
	"khugepaged|240|0|khugepaged"
	"khugepaged-shmem|120|0|khugepaged all:shmem"
	"split_huge_page_test|120|0|split_huge_page_test /nonexistent/vminspect"
	"migration|60|0|migration"
	"uffd-stress-anon|90|0|uffd-stress anon 8 4"
	"uffd-stress-shmem|90|0|uffd-stress shmem 8 4"
	"uffd-stress-hugetlb|90|32|uffd-stress hugetlb 8 4"
	"hugepage-mmap|90|128|hugepage-mmap"
	"hugepage-shm|90|128|hugepage-shm"
	"map_hugetlb|60|128|map_hugetlb 32"
	"hugepage-mremap|60|16|hugepage-mremap"
	"hugetlb-madvise|60|32|hugetlb-madvise"
	"hugetlb_fault_after_madv|30|1|hugetlb_fault_after_madv"
	"hugetlb_madv_vs_map|60|1|hugetlb_madv_vs_map"
	"ksm_tests-merge|60|0|ksm_tests -M -p 10"
	"ksm_tests-unmerge|60|0|ksm_tests -U"
	"ksm_tests-zero|60|0|ksm_tests -Z -p 10 -z 1"
	"ksm_functional_tests|120|0|ksm_functional_tests"
)

NR_HUGEPAGES=/proc/sys/vm/nr_hugepages
SAVED_HUGEPAGES=$(cat "$NR_HUGEPAGES")
# cow runs every case on every hugetlb size with a free page: on a 1 GiB
# page each case writes and copies 1 GiB, minutes under TCG.  The 1 GiB
# pool is emptied for the whole script (those cases then skip).
NR_GIGANTIC=/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages
SAVED_GIGANTIC=$(cat "$NR_GIGANTIC" 2>/dev/null)
# hugepage-shm's 256 MiB segment, as run_vmtests.sh allows it
SAVED_SHMMAX=$(cat /proc/sys/kernel/shmmax)
SAVED_SHMALL=$(cat /proc/sys/kernel/shmall)
WALK_CPU=$(($(nproc) - 1))

cleanup() {
	echo "$SAVED_HUGEPAGES" >"$NR_HUGEPAGES" 2>/dev/null
	[ -z "$SAVED_GIGANTIC" ] || echo "$SAVED_GIGANTIC" >"$NR_GIGANTIC" 2>/dev/null
	echo "$SAVED_SHMMAX" >/proc/sys/kernel/shmmax
	echo "$SAVED_SHMALL" >/proc/sys/kernel/shmall
	rm -rf "$TMP"
}
trap cleanup EXIT

# The lines that say how a run went, without ANSI colours, and without the
# dots khugepaged prints while it waits for a scan.
results() {
	sed 's/\x1b\[[0-9;]*m//g; s/\.\.\.*/.../g' "$1" |
		grep -E '^(ok|not ok) [0-9]+|^# Totals:|[[:space:]](OK|Fail|Skip)[[:space:]]*$|# SKIP' || true
}

# run TAG CMD...: run one mm selftest, alone or (TAG walked) under walkers.
# Leaves TAG.out, TAG.rc and, walked, TAG.walk (counts) and TAG.err.
run() {
	local tag=$1 secs=$2 pid rc start w1 w2 wrc=0
	shift 2
	start=$SECONDS
	# the walkers find the subshell first, then what it becomes
	(
		sleep 0.5
		cd "$MM" && exec timeout -k 5 "$secs" "./$1" "${@:2}"
	) </dev/null >"$TMP/$tag.out" 2>&1 &
	pid=$!
	if [ "${tag%-walked}" != "$tag" ]; then
		: >"$TMP/$tag.err"
		: >"$TMP/$tag.walk"
		"$WALKER" -p "$pid" -c "$WALK_CPU" -m walk,perpage,pages \
			-e "$TMP/$tag.err" >>"$TMP/$tag.walk" 2>&1 &
		w1=$!
		"$WALKER" -p "$pid" -c "$WALK_CPU" -m maps,huge,translate,pgtables \
			-e "$TMP/$tag.err" >>"$TMP/$tag.walk" 2>&1 &
		w2=$!
	fi
	rc=0
	wait "$pid" || rc=$?
	echo "$rc" >"$TMP/$tag.rc"
	if [ -n "${w1:-}" ]; then
		kill -TERM "$w1" "$w2" 2>/dev/null
		wait "$w1" || wrc=$?
		wait "$w2" || wrc=$?
		echo "$wrc" >"$TMP/$tag.wrc"
	fi
	echo "$((SECONDS - start))" >"$TMP/$tag.secs"
}

# same A B: did runs A and B end alike?
same() {
	[ "$(cat "$TMP/$1.rc")" = "$(cat "$TMP/$2.rc")" ] &&
		cmp -s <(results "$TMP/$1.out") <(results "$TMP/$2.out")
}

show() {
	sed 's/^/#   /' "$1"
}

ktap_print_header
# About 11 minutes a run under TCG: once per make check, on the kernel of
# the source the tests come from (6.12; not the debug kernel, not the
# 4-level run).  VMI_MM_EVERYWHERE=1 runs it on any kernel.
if [ -z "${VMI_MM_EVERYWHERE:-}" ] &&
	{ ! uname -r | grep -qE '^6\.12\..*-amd64$' || grep -qw no5lvl /proc/cmdline; }; then
	skip_single "mm selftests under walkers" \
		"run on the 6.12 kernel's 5-level run only (the source they come from; about 11 min under TCG)"
fi
ktap_set_plan "$((${#TESTS[@]} * 2))"
if [ ! -e /proc/vminspect/ctl ] || [ ! -x "$WALKER" ] || [ ! -x "$MM/cow" ]; then
	for t in "${TESTS[@]}"; do
		ktap_print_msg "mm selftest ${t%%|*}: same results with walkers: no module, walker or mm selftests ($MM: scripts/deps.sh mm-selftests)"
		ktap_test_skip "mm selftest ${t%%|*}: same results with walkers"
		ktap_print_msg "mm selftest ${t%%|*}: walkers saw no error: no module, walker or mm selftests"
		ktap_test_skip "mm selftest ${t%%|*}: walkers saw no error"
	done
	ktap_finished
fi
echo "# mm selftests from $MM, walkers on CPU $WALK_CPU"
[ -z "$SAVED_GIGANTIC" ] || echo 0 >"$NR_GIGANTIC"
echo 268435456 >/proc/sys/kernel/shmmax
echo 4194304 >/proc/sys/kernel/shmall

for t in "${TESTS[@]}"; do
	IFS='|' read -r name secs huge cmd <<<"$t"
	read -ra argv <<<"$cmd"
	# VMI_MM_ONLY="cow ksm_tests-merge": run only these (while iterating)
	if [ -n "${VMI_MM_ONLY:-}" ] && [[ " $VMI_MM_ONLY " != *" $name "* ]]; then
		ktap_print_msg "mm selftest $name: same results with walkers: not in VMI_MM_ONLY"
		ktap_test_skip "mm selftest $name: same results with walkers"
		ktap_print_msg "mm selftest $name: walkers saw no error: not in VMI_MM_ONLY"
		ktap_test_skip "mm selftest $name: walkers saw no error"
		continue
	fi
	if [ ! -x "$MM/${argv[0]}" ]; then
		ktap_print_msg "mm selftest $name: same results with walkers: $MM/${argv[0]} was not built"
		ktap_test_skip "mm selftest $name: same results with walkers"
		ktap_print_msg "mm selftest $name: walkers saw no error: not built"
		ktap_test_skip "mm selftest $name: walkers saw no error"
		continue
	fi
	echo "$huge" >"$NR_HUGEPAGES"
	if [ "$huge" -gt 0 ] && [ "$(cat "$NR_HUGEPAGES")" -lt "$huge" ]; then
		echo "# $name: only $(cat "$NR_HUGEPAGES") of $huge hugetlb pages"
	fi
	run "$name" "$secs" "${argv[@]}"
	run "$name-walked" "$secs" "${argv[@]}"
	plain="$name"
	note=""
	if ! same "$name" "$name-walked"; then
		# a test that changes its mind without walkers is not ours to judge:
		# run it alone once more, and compare with that run too
		run "$name-again" "$secs" "${argv[@]}"
		if ! same "$name" "$name-again" && same "$name-again" "$name-walked"; then
			plain="$name-again"
			note=", one of two runs alone differs: flaky without walkers"
			echo "# $name: result lines of the two runs alone (< first, > second):"
			diff <(results "$TMP/$name.out") <(results "$TMP/$name-again.out") | show /dev/stdin
		fi
	fi
	summary="exit $(cat "$TMP/$plain.rc"), $(results "$TMP/$plain.out" | wc -l) result lines, $(cat "$TMP/$name.secs") s alone, $(cat "$TMP/$name-walked.secs") s walked$note"
	rc=$(cat "$TMP/$plain.rc")
	once=""
	if ! same "$plain" "$name-walked"; then
		# walked once more: a difference that does not come again is
		# shown and counted as a skip, not a pass; one that comes
		# again fails
		echo "# $name: the walked run differs (exit $(cat "$TMP/$name-walked.rc")); walking a second run:"
		show "$TMP/$name-walked.out" | tail -n 20
		run "$name-2-walked" "$secs" "${argv[@]}"
		if same "$plain" "$name-2-walked"; then
			once=1
		fi
	fi
	if same "$plain" "$name-walked"; then
		ktap_test_pass "mm selftest $name: same results with walkers ($summary)"
	elif [ -n "$once" ]; then
		ktap_print_msg "mm selftest $name: same results with walkers: the first walked run differed, the second did not: a flake, shown above ($summary)"
		ktap_test_skip "mm selftest $name: same results with walkers"
	elif [ "$rc" -gt 128 ] && [ "$rc" != 137 ]; then
		# killed by a signal with no walker around (6.1's hugetlb tests
		# die by SIGBUS at a random round): nothing to compare with
		ktap_print_msg "mm selftest $name: same results with walkers: killed by signal $((rc - 128)) without walkers ($summary)"
		ktap_test_skip "mm selftest $name: same results with walkers"
	else
		ktap_test_fail "mm selftest $name: same results with walkers ($summary)"
		echo "# alone (exit $(cat "$TMP/$plain.rc")):"
		show "$TMP/$plain.out" | tail -n 40
		echo "# walked (exit $(cat "$TMP/$name-walked.rc")):"
		show "$TMP/$name-walked.out" | tail -n 40
		echo "# result lines that differ (< alone, > walked):"
		diff <(results "$TMP/$plain.out") <(results "$TMP/$name-walked.out") | show /dev/stdin
	fi
	show "$TMP/$name-walked.walk"
	if [ "$(cat "$TMP/$name-walked.wrc")" = 0 ] && [ ! -s "$TMP/$name-walked.err" ] &&
		grep -q 'processes [1-9]' "$TMP/$name-walked.walk"; then
		ktap_test_pass "mm selftest $name: walkers saw no error"
	else
		ktap_test_fail "mm selftest $name: walkers saw no error (exit $(cat "$TMP/$name-walked.wrc"))"
		show "$TMP/$name-walked.err" | head -n 40
	fi
done
ktap_finished
