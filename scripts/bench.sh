#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark vminspect against the tools people use today, in a test VM
# (make bench): the page-table walk against /proc/PID/pagemap and
# pagemap+/proc/kpageflags (bench/walk_bench), the huge-page summary against
# smaps_rollup and the kernel's tools/mm/thpmaps (bench/huge_bench), and
# what TLB tracking costs a shootdown loop, against tracking off and against
# the module being absent (bench/tlb_bench --module build/<kver>/vminspect.ko).
#
#   scripts/bench.sh [--kernel KVER] [--no-build] [--only walk|huge|tlb]
#                    [--icount] [-- WALK_BENCH_ARGS...]
#
# --kernel KVER  boot this release (repeatable; default: every kernel that
#                scripts/kernels.sh --runnable lists, one VM after another)
# --no-build     use build/<kver>/vminspect.ko and the benchmarks as they are
# --only WHICH   run only walk_bench, huge_bench or tlb_bench
# --icount       time by instructions, not the host's clock: QEMU's
#                -icount shift=0 (a guest nanosecond per instruction), which
#                needs the vCPUs taking turns (single-threaded TCG).  What
#                a hook adds is then counted, not timed; results go to
#                build/bench/KVER-icount
# WALK_BENCH_ARGS are passed to bench/walk_bench (--reps N, --dense-mib N,
#                --mutate-secs S, --rounds N; see bench/README.md)
#
# Builds the module for KVER and bench/walk_bench, then runs the benchmark as
# root in a VM through scripts/vmtest.sh --exec.  Timing wants the host to
# itself: if another QEMU is running, waits for it first (at most
# VMI_BENCH_WAIT seconds, default 1800; 0 does not wait).  The benchmark's
# output is printed and kept in build/bench/<kver>/bench.txt; it ends with
# "bench: N targets met, N missed"; with more than one kernel, a last line
# adds them up.  A missed target does not make this fail; a wrong answer, a
# crash or a kernel-log finding in the guest does.
set -euo pipefail

. "$(dirname "$0")/lib.sh"

# one VM's bound: room for a whole make bench, whose longest part is
# tlb_bench's two phases of 7 pairs (bench/README.md)
VM_TIMEOUT=${VMI_BENCH_TIMEOUT:-1500}

usage() {
	sed -n '/^#   scripts/,/^# Builds/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
	exit 2
}

# set by --icount: results in build/bench/KVER-icount
SUFFIX=""

runnable() {
	"$VMI_TOP/scripts/kernels.sh" --runnable | awk '{ print $1 }' | sort -V
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

# One kernel's run: build, boot, benchmark; its output in build/bench/KVER.
bench_kernel() {
	local kver=$1 build=$2 only=$3 out rc=0 exec_log cmd src tlb
	shift 3
	local -a args=("$@")
	out=$VMI_TOP/build/bench/$kver$SUFFIX
	mkdir -p "$out"
	rm -f "$out/bench.txt"
	if [ "$build" = 1 ]; then
		log "building the module for $kver"
		"$VMI_TOP/scripts/build-module.sh" "$kver" >"$out/build.log" 2>&1 || {
			cat "$out/build.log" >&2
			die "the module does not build for $kver"
		}
		log "building the benchmarks and the companion"
		{ make -s -C "$VMI_TOP/bench" && make -s -C "$VMI_TOP/tools"; } >>"$out/build.log" 2>&1 || {
			cat "$out/build.log" >&2
			die "the benchmarks do not build"
		}
	fi
	# thpmaps comes with the kernel source deps.sh extracts; the guest does
	# not see $VMI_CACHE (a tmpfs covers /var/cache there): copy it over
	src=$VMI_CACHE/linux-source-6.12/tools/mm/thpmaps
	[ -f "$src" ] && cp "$src" "$VMI_TOP/build/bench/thpmaps"
	[ -f "$VMI_TOP/build/$kver/vminspect.ko" ] || die "build/$kver/vminspect.ko is missing"
	if [ ! -x "$VMI_TOP/bench/walk_bench" ] || [ ! -x "$VMI_TOP/bench/huge_bench" ] ||
		[ ! -x "$VMI_TOP/bench/tlb_bench" ]; then
		die "the benchmarks are missing: make -C bench"
	fi

	wait_for_host
	# the guest sees the tree at the same path (vmtest.sh --rwdir); the
	# module is loaded there already, tlb_bench unloads and reloads it
	tlb=$(printf 'bench/tlb_bench --module %q' "$VMI_TOP/build/$kver/vminspect.ko")
	# and the context-switch load, tracking on against off
	tlb+=" && bench/tlb_bench --load switch"
	cmd="bench/walk_bench"
	if [ ${#args[@]} -gt 0 ]; then
		cmd+=$(printf ' %q' "${args[@]}")
	fi
	case "$only" in
	"") cmd+=" && bench/huge_bench && $tlb" ;;
	walk) ;;
	huge) cmd="bench/huge_bench" ;;
	tlb) cmd=$tlb ;;
	*) usage ;;
	esac
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

main() {
	local build=1 only="" k met=0 missed=0 failed=0 line
	local -a args=() kernels=()
	while [ $# -gt 0 ]; do
		case "$1" in
		--kernel)
			[ $# -ge 2 ] || usage
			kernels+=("$2")
			shift
			;;
		--no-build) build=0 ;;
		--only)
			[ $# -ge 2 ] || usage
			only=$2
			shift
			;;
		--icount)
			export VMI_TCG_THREAD=single
			export VMI_QEMU_OPTS="-icount shift=0,sleep=off"
			SUFFIX=-icount
			;;
		--)
			shift
			args=("$@")
			break
			;;
		*) usage ;;
		esac
		shift
	done
	[ ${#kernels[@]} -gt 0 ] || mapfile -t kernels < <(runnable)
	[ ${#kernels[@]} -gt 0 ] || die "no runnable kernel: run scripts/deps.sh"
	case "$only" in
	"" | walk | huge | tlb) ;;
	*) usage ;;
	esac

	for k in "${kernels[@]}"; do
		# a subshell: a kernel whose run dies leaves the others to run
		(bench_kernel "$k" "$build" "$only" "${args[@]}") || failed=$((failed + 1))
		# one such line per benchmark program
		line=$(awk '/^bench: [0-9]+ targets met, [0-9]+ missed$/ { m += $2; x += $5 }
			END { print m + 0, x + 0 }' "$VMI_TOP/build/bench/$k$SUFFIX/bench.txt" 2>/dev/null) || continue
		met=$((met + ${line% *}))
		missed=$((missed + ${line#* }))
	done
	if [ ${#kernels[@]} -gt 1 ]; then
		echo "bench, ${#kernels[@]} kernels (${kernels[*]}): $met targets met, $missed missed"
	fi
	[ $failed = 0 ] || die "the run failed on $failed of ${#kernels[@]} kernels"
}

main "$@"
