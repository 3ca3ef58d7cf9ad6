#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark vminspect's page-table walk against /proc/PID/pagemap and
# pagemap+/proc/kpageflags, in a test VM (make bench):
#
#   scripts/bench.sh [--kernel KVER] [--no-build] [-- WALK_BENCH_ARGS...]
#
# --kernel KVER  boot this release (default: the newest one that
#                scripts/kernels.sh --runnable lists)
# --no-build     use build/<kver>/vminspect.ko and bench/walk_bench as they are
# WALK_BENCH_ARGS are passed to bench/walk_bench (--reps N, --dense-mib N,
#                --mutate-secs S, --rounds N; see bench/README.md)
#
# Builds the module for KVER and bench/walk_bench, then runs the benchmark as
# root in a VM through scripts/vmtest.sh --exec.  Timing wants the host to
# itself: if another QEMU is running, waits for it first (at most
# VMI_BENCH_WAIT seconds, default 1800; 0 does not wait).  The benchmark's
# output is printed and kept in build/bench/<kver>/bench.txt; it ends with
# "bench: N targets met, N missed".  A missed target does not make this fail;
# a wrong answer, a crash or a kernel-log finding in the guest does.
set -euo pipefail

. "$(dirname "$0")/lib.sh"

VM_TIMEOUT=${VMI_BENCH_TIMEOUT:-900}

usage() {
	sed -n '/^#   scripts/,/^# Builds/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
	exit 2
}

newest_runnable() {
	"$VMI_TOP/scripts/kernels.sh" --runnable | awk '{ print $1 }' | sort -V | tail -n 1
}

# Wait while another VM (ours or a colleague's) keeps the host busy.
wait_for_host() {
	local limit=${VMI_BENCH_WAIT:-1800} waited=0
	while pgrep qemu-system >/dev/null 2>&1; do
		if [ "$waited" -ge "$limit" ]; then
			log "another QEMU is still running after ${limit} s: timing will be noisier"
			return
		fi
		[ "$waited" -gt 0 ] || log "another QEMU is running: waiting for it (at most ${limit} s)"
		sleep 5
		waited=$((waited + 5))
	done
}

main() {
	local kver="" build=1 out rc=0 exec_log cmd
	local -a args=()
	while [ $# -gt 0 ]; do
		case "$1" in
		--kernel)
			[ $# -ge 2 ] || usage
			kver=$2
			shift
			;;
		--no-build) build=0 ;;
		--)
			shift
			args=("$@")
			break
			;;
		*) usage ;;
		esac
		shift
	done
	[ -n "$kver" ] || kver=$(newest_runnable)
	[ -n "$kver" ] || die "no runnable kernel: run scripts/deps.sh"

	out=$VMI_TOP/build/bench/$kver
	mkdir -p "$out"
	rm -f "$out/bench.txt"
	if [ $build = 1 ]; then
		log "building the module for $kver"
		"$VMI_TOP/scripts/build-module.sh" "$kver" >"$out/build.log" 2>&1 || {
			cat "$out/build.log" >&2
			die "the module does not build for $kver"
		}
		log "building bench/walk_bench"
		make -s -C "$VMI_TOP/bench" >>"$out/build.log" 2>&1 || {
			cat "$out/build.log" >&2
			die "bench/walk_bench does not build"
		}
	fi
	[ -f "$VMI_TOP/build/$kver/vminspect.ko" ] || die "build/$kver/vminspect.ko is missing"
	[ -x "$VMI_TOP/bench/walk_bench" ] || die "bench/walk_bench is missing"

	wait_for_host
	cmd="bench/walk_bench"
	if [ ${#args[@]} -gt 0 ]; then
		cmd+=$(printf ' %q' "${args[@]}")
	fi
	# then the cost of TLB tracking (bench/tlb_bench), in the same VM
	cmd+=" && bench/tlb_bench"
	log "running '$cmd' in a $kver VM (takes minutes; log: ${out#"$VMI_TOP"/}/vmtest.log)"
	"$VMI_TOP/scripts/vmtest.sh" --kernel "$kver" --timeout "$VM_TIMEOUT" --exec "$cmd" \
		>"$out/vmtest.log" 2>&1 || rc=$?

	# vmtest.sh counts the run as a test: show the benchmark's own output
	exec_log=$VMI_TOP/build/vmtest/$kver/exec.log
	if [ -f "$exec_log" ]; then
		cp "$exec_log" "$out/bench.txt"
		cat "$out/bench.txt"
	fi
	if [ $rc != 0 ]; then
		tail -n 40 "$out/vmtest.log" >&2
		die "the benchmark run failed on $kver (exit $rc): see ${out#"$VMI_TOP"/}/vmtest.log"
	fi
	grep -q '^bench: [0-9]* targets met, [0-9]* missed$' "$out/bench.txt" ||
		die "the benchmark did not finish: see ${out#"$VMI_TOP"/}/vmtest.log"
}

main "$@"
