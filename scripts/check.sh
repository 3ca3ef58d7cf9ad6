#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: install what is missing, build, lint and run every test on
# every kernel of the matrix.  Each stage prints its own
# "N passed, N failed[, N skipped]" line; this script adds them up and ends
# with one such line for the whole run.
#
#   scripts/check.sh [--no-deps] [--no-lint] [--no-debug] [--kernel KVER]...
#
# --no-debug leaves out the debug kernel (its build, 20 to 50 minutes on 2
# cores the first time, in the background beside the other stages, see
# debug_lane, and its test run, last).
set -uo pipefail

. "$(dirname "$0")/lib.sh"

PASSED=0
FAILED=0
SKIPPED=0
OUT="$VMI_TOP/build/check"

# run a stage, show its output, add up its closing counts
stage() {
	local name=$1 line p f s rc start
	shift
	start=$(date +%s)
	log "stage $name: $*"
	"$@" 2>&1 | tee "$OUT/$name.log"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed' "$OUT/$name.log" | tail -n 1)
	if [ -z "$line" ]; then
		# a stage that died before counting is one failure
		p=0 f=1 s=0
	else
		p=$(sed -E 's/.*\b([0-9]+) passed.*/\1/' <<<"$line")
		f=$(sed -E 's/.*\b([0-9]+) failed.*/\1/' <<<"$line")
		s=$(sed -nE 's/.*\b([0-9]+) skipped.*/\1/p' <<<"$line")
		s=${s:-0}
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			f=1
		fi
	fi
	PASSED=$((PASSED + p))
	FAILED=$((FAILED + f))
	SKIPPED=$((SKIPPED + s))
	log "stage $name: $p passed, $f failed, $s skipped ($(($(date +%s) - start)) s)"
}

# The debug kernel's lane runs in the background, beside the other stages:
# build the kernel (20 to 50 minutes on 2 cores, once; niced), then the
# module for it (W=1, sparse).  Its VM runs after the other kernels' VMs,
# not beside them: a guest's vCPUs run in parallel, a host thread each, so
# one VM keeps both host cores busy (and two at once would halve each
# other's vCPUs, which selftests/parallel_test.c would see).  Each step
# leaves its output in $OUT/lane-<step>.log and its exit code in .rc.
LANE_PID=""

debug_lane() {
	local line kver rc
	nice -n 10 "$VMI_TOP/scripts/debug-kernel.sh" >"$OUT/lane-debug-kernel.log" 2>&1
	rc=$?
	if [ $rc = 0 ]; then
		line=$(tail -n 1 "$OUT/lane-debug-kernel.log")
		echo "debug kernel: $line (kver, build tree, image, build seconds)" >>"$OUT/lane-debug-kernel.log"
		echo "1 passed, 0 failed" >>"$OUT/lane-debug-kernel.log"
	else
		echo "0 passed, 1 failed" >>"$OUT/lane-debug-kernel.log"
	fi
	echo $rc >"$OUT/lane-debug-kernel.rc"
	[ $rc = 0 ] || return
	kver=${line%% *}
	"$VMI_TOP/scripts/build-module.sh" "$kver" >"$OUT/lane-build-debug.log" 2>&1
	echo $? >"$OUT/lane-build-debug.rc"
}

start_debug_lane() {
	rm -f "$OUT"/lane-*
	log "debug kernel lane (build, module, VM) in the background: $OUT/lane-*.log"
	debug_lane &
	LANE_PID=$!
}

# Wait for the lane (in this shell: a stage runs in a pipeline's subshell).
wait_debug_lane() {
	local start=$SECONDS
	wait "$LANE_PID"
	log "waited $((SECONDS - start)) s for the debug kernel lane"
}

# The result of one step of the lane.
lane_result() {
	local step=$1
	if [ ! -f "$OUT/lane-$step.rc" ]; then
		echo "not run: an earlier step of the debug kernel lane failed"
		echo "0 passed, 1 failed"
		return 1
	fi
	cat "$OUT/lane-$step.log"
	return "$(cat "$OUT/lane-$step.rc")"
}

main() {
	local deps=1 lint=1 debug=1 kernels=() start k4
	start=$(date +%s)
	while [ $# -gt 0 ]; do
		case "$1" in
		--no-deps) deps=0 ;;
		--no-lint) lint=0 ;;
		--no-debug) debug=0 ;;
		--kernel) kernels+=(--kernel "$2"); shift ;;
		*) die "usage: $0 [--no-deps] [--no-lint] [--no-debug] [--kernel KVER]..." ;;
		esac
		shift
	done
	mkdir -p "$OUT"

	if [ $deps = 1 ]; then
		"$VMI_TOP/scripts/deps.sh" all || die "installing dependencies failed"
	fi
	make -C "$VMI_TOP" -s tools selftests || die "building the companion or the selftests failed"

	if [ $debug = 1 ] && [ ${#kernels[@]} -eq 0 ]; then
		start_debug_lane
	fi
	stage unit make -C "$VMI_TOP/tools" -s test
	# the kernels of the matrix (the debug kernel too when it is cached)
	stage build "$VMI_TOP/scripts/build-module.sh" --all
	# hooks whose prototype differs stay off (modules for the VM stage too)
	stage build-hooks "$VMI_TOP/scripts/tlb-hooks-check.sh" --all
	stage dkms "$VMI_TOP/scripts/dkms-check.sh"
	stage man "$VMI_TOP/scripts/man-check.sh"
	stage pkg "$VMI_TOP/scripts/pkg-check.sh"
	if [ $lint = 1 ]; then
		stage lint "$VMI_TOP/scripts/lint.sh" --no-build
	fi
	stage vm "$VMI_TOP/scripts/vmtest.sh" "${kernels[@]}"
	# on the newest 6.x kernel: the same tests with 4-level paging, the
	# tests that switch hooks under load with the vCPUs taking turns, and
	# the tests that need CPU 1 set aside (isolcpus, nohz_full)
	k4=$("$VMI_TOP/scripts/kernels.sh" --runnable | awk '$1 ~ /^6\./ { k = $1 } END { print k }')
	if [ -n "$k4" ] && [ ${#kernels[@]} -eq 0 ]; then
		stage vm-4level "$VMI_TOP/scripts/vmtest.sh" --no5lvl --kernel "$k4"
		stage vm-single "$VMI_TOP/scripts/vmtest.sh" --single-lane --kernel "$k4"
		stage vm-isolated "$VMI_TOP/scripts/vmtest.sh" --isolated-lane --kernel "$k4"
	fi
	if [ -n "$LANE_PID" ]; then
		wait_debug_lane
		stage debug-kernel lane_result debug-kernel
		stage build-debug lane_result build-debug
		if [ "$(cat "$OUT/lane-build-debug.rc" 2>/dev/null)" = 0 ]; then
			stage vm-debug "$VMI_TOP/scripts/vmtest.sh" --debug
		else
			stage vm-debug lane_result vm-debug
		fi
	fi

	log "make check took $(($(date +%s) - start)) s"
	echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
	[ $FAILED -eq 0 ]
}

main "$@"
