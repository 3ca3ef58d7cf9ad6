#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside a test VM (started by scripts/vmtest.sh), as root:
#
#   scripts/guest-run.sh --results DIR [--exec 'CMD' | --lane single|debug|isolated|paging]
#
# 1. insmod build/$(uname -r)/vminspect.ko
# 2. selftests/run.sh (with --lane L: selftests/run.sh --lane L, that
#    lane's tests; or CMD with --exec), run from the top of the tree
# 3. rmmod vminspect
# 4. scan the kernel log written since step 1 for warnings, oopses, lockdep,
#    KASAN/KFENCE reports, soft lockups and hung tasks
#
# Each failed step and each kernel-log finding counts as one failed test;
# selftest counts come from the kselftest_harness "# Totals:" lines.  The
# counts go to DIR/result ("passed N", "failed N", "skipped N", "boot_secs N"),
# written last and atomically, so a missing file means the run did not finish;
# everything printed also goes to DIR/guest.log, the kernel log to
# DIR/dmesg.txt, the output of CMD to DIR/exec.log.
set -euo pipefail

. "$(dirname "$0")/lib.sh"

SELFTEST_TIMEOUT=${VMI_SELFTEST_TIMEOUT:-1800}
RMMOD_TIMEOUT=60
MARK="vminspect-guest-run: start"

PASSED=0
FAILED=0
SKIPPED=0
# --lane: which selftests/run.sh lane to run (empty: all tests)
LANE=""

ok() {
	PASSED=$((PASSED + 1))
	echo "ok - $*"
}

not_ok() {
	FAILED=$((FAILED + 1))
	echo "not ok - $*"
}

usage() {
	echo "usage: $0 --results DIR [--exec CMD | --lane single|debug|isolated|paging]" >&2
	exit 2
}

# Add up the kselftest_harness "Totals" lines of a selftest log.  When the
# runner nests the binaries' output ("# # Totals:" inside its own "# Totals:"),
# only the deepest level is counted, so nothing is counted twice.
# Prints "pass fail skip lines".
sum_totals() {
	awk '
	/^[# ]*Totals: pass:[0-9]+ fail:[0-9]+/ {
		depth = 0
		for (i = 1; i <= length($0); i++) {
			c = substr($0, i, 1)
			if (c == "#") depth++
			else if (c != " ") break
		}
		line[NR] = $0; dep[NR] = depth
		if (depth > max) max = depth
	}
	END {
		p = f = s = n = 0
		for (k in line) {
			if (dep[k] != max) continue
			n++
			nw = split(line[k], w, /[ :]+/)
			for (i = 1; i < nw; i++) {
				v = w[i + 1] + 0
				if (w[i] == "pass" || w[i] == "xfail") p += v
				else if (w[i] == "fail" || w[i] == "xpass" || w[i] == "error") f += v
				else if (w[i] == "skip") s += v
			}
		}
		print p, f, s, n
	}' "$1"
}

# Without Totals lines, fall back to top-level KTAP result lines.
sum_ktap() {
	awk '
	/^ok [0-9]+/ { if ($0 ~ /# *SKIP/) s++; else p++ }
	/^not ok [0-9]+/ { if ($0 ~ /# *SKIP/) s++; else f++ }
	END { print p + 0, f + 0, s + 0, p + f + s }' "$1"
}

run_selftests() {
	local log=$1 rc=0 p f s n
	local -a args=()
	[ -z "$LANE" ] || args=(--lane "$LANE")
	if [ ! -e selftests/run.sh ]; then
		not_ok "selftests: selftests/run.sh is missing"
		return
	fi
	if [ ! -x selftests/run.sh ]; then
		not_ok "selftests: selftests/run.sh is not executable"
		return
	fi
	# The debug kernel (kmemleak, KASAN, lockdep) unloads the module 100
	# times under load; the others 20 times, to keep make check short.
	if [ -e "$KMEMLEAK" ]; then
		export VMI_UNLOAD_CYCLES=${VMI_UNLOAD_CYCLES:-100}
		SELFTEST_TIMEOUT=$((SELFTEST_TIMEOUT * 3))
	else
		export VMI_UNLOAD_CYCLES=${VMI_UNLOAD_CYCLES:-20}
	fi
	echo "# running selftests/run.sh ${args[*]} (timeout ${SELFTEST_TIMEOUT} s, $VMI_UNLOAD_CYCLES unload cycles)"
	# into a file, not a pipe: a process a test leaks with our stdout open
	# must not keep us waiting for the end of the pipe
	rc=0
	timeout -k 10 "$SELFTEST_TIMEOUT" selftests/run.sh "${args[@]}" </dev/null >"$log" 2>&1 || rc=$?
	cat "$log"
	read -r p f s n < <(sum_totals "$log")
	if [ "$n" = 0 ]; then
		read -r p f s n < <(sum_ktap "$log")
	fi
	PASSED=$((PASSED + p))
	FAILED=$((FAILED + f))
	SKIPPED=$((SKIPPED + s))
	echo "# selftests: $p passed, $f failed, $s skipped (from $n result lines), exit $rc"
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		not_ok "selftests: timed out after ${SELFTEST_TIMEOUT} s"
	elif [ "$n" = 0 ]; then
		not_ok "selftests: no results found in the output (exit $rc)"
	elif [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		not_ok "selftests: selftests/run.sh exited $rc with no failed test"
	fi
}

# Print one "count<TAB>first line" per finding in the kernel log after the
# start marker, followed by the finding's lines.  A finding starts at a
# headline (BUG:, WARNING:, ...); a "Call Trace" far from any headline is a
# finding of its own.  Last come "FINDINGS n" and "MARKED 1" (or 0 when
# the marker is not in the log).
scan_kmsg() {
	awk -v mark="$MARK" '
	BEGIN {
		head = "BUG:|WARNING:|Oops|kernel BUG at|general protection fault|" \
			"possible circular locking|INFO: |suspicious RCU usage|KASAN|" \
			"KFENCE|UBSAN:|soft lockup|hung task|blocked for more than|" \
			"Kernel panic|refcount_t:|list_(add|del) corruption"
	}
	index($0, mark) { on = 1; last = -1000; next }
	!on { next }
	$0 ~ head {
		n++; last = NR; ctx = 25
		printf "# kernel log finding %d:\n", n
	}
	/Call Trace/ && NR - last > 60 {
		n++; last = NR; ctx = 25
		printf "# kernel log finding %d:\n", n
	}
	ctx > 0 { print "#   " $0; ctx-- }
	END { printf "FINDINGS %d\nMARKED %d\n", n + 0, on + 0 }'
}

check_kmsg() {
	local out n
	if ! out=$(dmesg 2>&1 | scan_kmsg); then
		not_ok "kernel log: cannot read dmesg"
		return
	fi
	# a log that wrapped has lost the marker and what followed it
	if [[ $out != *$'\nMARKED 1' ]]; then
		not_ok "kernel log: the start marker is gone (the log wrapped): findings were lost"
		return
	fi
	n=$(printf '%s\n' "$out" | awk '/^FINDINGS / { print $2 }')
	printf '%s\n' "$out" | grep -Ev '^(FINDINGS|MARKED) ' || true
	if [ "${n:-0}" = 0 ]; then
		echo "# kernel log: clean"
		return
	fi
	local i
	for ((i = 1; i <= n; i++)); do
		not_ok "kernel log finding $i (see above)"
	done
}

# Findings in the boot log, before this script started, are reported but not
# counted: they are not caused by the module.  The awk programs read to the
# end: one that left at the marker would kill dmesg with SIGPIPE once the
# log after it outgrew the pipe, and with pipefail the script with it.
boot_kmsg_notes() {
	local n notes
	notes=$(dmesg 2>/dev/null | awk -v mark="$MARK" 'index($0, mark) { done = 1 }
		!done && /BUG:|WARNING:|Oops|Call Trace|INFO: |soft lockup|hung task/ { print "#   " $0 }') || true
	n=$(printf '%s' "$notes" | grep -c '^#' || true)
	if [ "$n" != 0 ]; then
		echo "# note: $n suspicious line(s) in the boot log (not counted):"
		printf '%s\n' "$notes" | awk 'NR <= 20'
	fi
}

# KASAN reports once per boot unless kasan_multi_shot is given: after a
# report in the boot log, a use-after-free the tests cause would go unseen.
check_kasan_armed() {
	grep -qw kasan_multi_shot /proc/cmdline && return 0
	if dmesg 2>/dev/null | awk -v mark="$MARK" 'index($0, mark) { done = 1 }
		!done && /BUG: KASAN/ { found = 1 } END { exit !found }'; then
		not_ok "KASAN: the boot log holds a report and kasan_multi_shot is not set: later reports are silenced"
	fi
}

# Swap on zram, so that tests can push pages out (MADV_PAGEOUT).  Not
# having it is not a failure: those tests skip and say why.
setup_swap() {
	if grep -q '^/dev/zram' /proc/swaps; then
		return 0
	fi
	# zram0 exists without modprobe when zram is built in (debug kernel)
	if { [ -e /sys/block/zram0 ] || modprobe zram num_devices=1 2>/dev/null; } &&
		echo 256M >/sys/block/zram0/disksize &&
		mkswap /dev/zram0 >/dev/null && swapon /dev/zram0; then
		echo "# swap: 256M on zram0"
	else
		echo "# swap: none (no zram): swap tests will skip"
	fi
}

# kmemleak (debug kernels): forget what boot left, then after the tests and
# rmmod scan twice (an object is reported from its second sighting on) and
# count every unreferenced object as a failure.
KMEMLEAK=/sys/kernel/debug/kmemleak

kmemleak_start() {
	if [ ! -e /sys/kernel/debug/kmemleak ] && [ -d /sys/kernel/debug ]; then
		mount -t debugfs none /sys/kernel/debug 2>/dev/null || true
	fi
	[ -w "$KMEMLEAK" ] || return 0
	if echo clear >"$KMEMLEAK" 2>/dev/null; then
		echo "# kmemleak: on (boot-time objects cleared)"
	else
		echo "# kmemleak: present but disabled (it ran out of its object pool?)"
	fi
}

kmemleak_check() {
	local n
	[ -w "$KMEMLEAK" ] || return 0
	echo scan >"$KMEMLEAK" 2>/dev/null || { not_ok "kmemleak: scan failed"; return; }
	sleep 6
	echo scan >"$KMEMLEAK" 2>/dev/null
	n=$(grep -c '^unreferenced object' "$KMEMLEAK" 2>/dev/null || true)
	if [ "${n:-0}" = 0 ]; then
		echo "# kmemleak: no unreferenced object after the tests"
		ok "kmemleak: no leak after the tests and rmmod"
		return
	fi
	echo "# kmemleak: $n unreferenced object(s):"
	head -n 60 "$KMEMLEAK" | sed 's/^/#   /'
	not_ok "kmemleak: $n unreferenced object(s) after the tests"
}

# The tests need no udev: devtmpfs makes the device nodes, and
# scripts/guest-init.sh boots virtme-init without it.  A udevd (started by
# an init that guest-init.sh could not change) takes CPU time and sends IPIs
# that the TLB tests count, and on the debug kernel its coldplug outlasts
# virtme-init's 300 s wait: it is stopped, and its having run is a failure.
check_no_udev() {
	if ! pgrep -x systemd-udevd >/dev/null && [ ! -e /run/udev/control ]; then
		ok "boot: no udevd was started"
		return
	fi
	timeout 30 udevadm control --exit 2>/dev/null || pkill -x systemd-udevd
	not_ok "boot: udevd was started (PID 1: $(tr '\0' ' ' </proc/1/cmdline | cut -c1-80)); stopped it"
}

main_seq() {
	local exec_cmd=$1 dir=$2 kver ko loaded=0 rc

	kver=$(uname -r)
	ko="$VMI_TOP/build/$kver/vminspect.ko"
	echo "# guest: $kver, $(nproc) CPUs, booted in $BOOT_SECS s"
	echo "# cmdline: $(cat /proc/cmdline)"
	check_no_udev
	setup_swap
	kmemleak_start
	# everything after this line in the kernel log is ours to judge
	echo "$MARK" >/dev/kmsg || echo "# warning: cannot write to /dev/kmsg"

	if grep -q '^vminspect ' /proc/modules; then
		not_ok "insmod: vminspect is already loaded"
	elif [ ! -f "$ko" ]; then
		not_ok "insmod: $ko is missing (build it with scripts/build-module.sh $kver)"
	elif ! insmod "$ko"; then
		not_ok "insmod $ko failed"
		dmesg | tail -n 20 | sed 's/^/#   /'
	else
		loaded=1
		echo "# insmod $ko: ok"
	fi

	if [ $loaded = 1 ]; then
		if [ -n "$exec_cmd" ]; then
			echo "# exec: $exec_cmd"
			# a file, not a pipe: see run_selftests
			rc=0
			bash -c "$exec_cmd" </dev/null >"$dir/exec.log" 2>&1 || rc=$?
			cat "$dir/exec.log"
			if [ "$rc" = 0 ]; then
				ok "exec: $exec_cmd"
			else
				not_ok "exec: '$exec_cmd' exited $rc"
			fi
		else
			run_selftests "$dir/selftests.log"
		fi
		if timeout "$RMMOD_TIMEOUT" rmmod vminspect; then
			echo "# rmmod vminspect: ok"
		else
			not_ok "rmmod vminspect failed"
		fi
		kmemleak_check
	fi
	check_kmsg
	boot_kmsg_notes
	check_kasan_armed
	echo "# totals: $PASSED passed, $FAILED failed, $SKIPPED skipped"
	dmesg >"$dir/dmesg.txt" 2>&1 || true
}

# Wait (at most 5 s) for the tee process $1; then stop whatever else holds
# its pipe open, noting each such process in guest log $2.
reap_tee_writers() {
	local tee_pid=$1 log=$2 pipe p fd cmd found=0
	for _ in $(seq 50); do
		kill -0 "$tee_pid" 2>/dev/null || return 0
		sleep 0.1
	done
	pipe=$(readlink "/proc/$tee_pid/fd/0" 2>/dev/null) || return 0
	for p in /proc/[0-9]*; do
		[ "${p#/proc/}" != "$tee_pid" ] || continue
		for fd in "$p"/fd/1 "$p"/fd/2; do
			[ "$(readlink "$fd" 2>/dev/null)" = "$pipe" ] || continue
			cmd=$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)
			echo "not ok - a leaked process held the test output open: ${p#/proc/} ($cmd)" >>"$log"
			kill -KILL "${p#/proc/}" 2>/dev/null || true
			found=$((found + 1))
			break
		done
	done
	FAILED=$((FAILED + found))
	sleep 1
	kill "$tee_pid" 2>/dev/null || true
}

main() {
	local results="" exec_cmd="" tmp
	while [ $# -gt 0 ]; do
		case "$1" in
		--results)
			[ $# -ge 2 ] || usage
			results=$2
			shift
			;;
		--exec)
			[ $# -ge 2 ] || usage
			exec_cmd=$2
			shift
			;;
		--lane)
			[ $# -ge 2 ] || usage
			case "$2" in
			single | debug | isolated | paging) ;;
			*) usage ;;
			esac
			LANE=$2
			shift
			;;
		*) usage ;;
		esac
		shift
	done
	[ -n "$results" ] || usage
	[ "$(id -u)" = 0 ] || die "guest-run.sh must run as root inside the test VM"
	mkdir -p "$results"
	cd "$VMI_TOP"
	BOOT_SECS=$(awk '{ printf "%d", $1 }' /proc/uptime)

	main_seq "$exec_cmd" "$results" > >(tee "$results/guest.log") 2>&1
	# let tee flush before the result appears; it ends when the last writer
	# of its pipe does, so a process a test leaked with our output open
	# would keep us (and the VM) waiting: name such processes, then stop
	# them, and count it as a failure
	reap_tee_writers "$!" "$results/guest.log"

	tmp="$results/result.tmp"
	printf 'passed %d\nfailed %d\nskipped %d\nboot_secs %d\n' \
		"$PASSED" "$FAILED" "$SKIPPED" "$BOOT_SECS" >"$tmp"
	mv "$tmp" "$results/result"
	[ "$FAILED" = 0 ]
}

main "$@"
