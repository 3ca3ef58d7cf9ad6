#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Unload under load: rmmod and insmod the module VMI_UNLOAD_CYCLES times
# (100 by default) while readers, query-file users, walkers and a TLB
# shootdown storm run.  Where switching hooks under load is safe (KVM,
# hardware, the single-threaded TCG lane: selftests/vmi_hazard), every
# other load has TLB tracking on, so its probes fire while the module goes;
# with parallel TCG vCPUs tracking stays off (a probe registered under load
# patches kernel text the other vCPU runs).  Then, with the load stopped:
# the module's memory is back to its baseline after rmmod (unreclaimable
# slab, vmalloc and per-CPU memory, against a baseline taken before the
# cycles, after 5 s of the same load), and no vmalloc area is left by it.
# KTAP output; leaves the module loaded.
#
# Runs as root in the test VM (scripts/guest-run.sh loaded the module).
set -u
cd "$(dirname "$0")/.." || exit 1

CYCLES=${VMI_UNLOAD_CYCLES:-100}
KO="build/$(uname -r)/vminspect.ko"
VMI=tools/vminspect/vminspect
STOP=$(mktemp -u /tmp/vmi-unload-stop.XXXXXX)
# KTAP output: the kernel's ktap_* and check, skip_all, skip_single
# shellcheck source=vmi_ktap.sh
. selftests/vmi_ktap.sh

# rmmod, retried while a loader holds a file open (that pins the module)
unload() {
	local i
	for i in $(seq 500); do
		rmmod vminspect 2>/dev/null && return 0
		grep -q '^vminspect ' /proc/modules || return 0
		sleep 0.01
	done
	return 1
}

# kB of kernel memory a module leak would show in: unreclaimable slab,
# vmalloc and per-CPU memory, after the caches settled: page and dentry
# caches dropped, and every slab cache shrunk (SLUB keeps empty slabs on
# its per-CPU and partial lists, grown by whatever the load allocated and
# freed, until a shrink releases them); the least of 5.  Prints
# "TOTAL SUNRECLAIM VMALLOC PERCPU".
kernel_kb() {
	local i v f min=
	for i in 1 2 3 4 5; do
		sync
		echo 3 >/proc/sys/vm/drop_caches
		for f in /sys/kernel/slab/*/shrink; do
			echo 1 >"$f"
		done 2>/dev/null
		sleep 0.2
		v=$(awk '/^SUnreclaim:/ { s = $2 } /^VmallocUsed:/ { v = $2 }
			/^Percpu:/ { p = $2 } END { print s + v + p, s, v, p }' /proc/meminfo)
		if [ -z "$min" ] || [ "${v%% *}" -lt "${min%% *}" ]; then
			min=$v
		fi
	done
	echo "$min"
}

# Each loader pauses 20 ms between rounds: packed back to back, four of
# them would keep a file open nearly all the time, and rmmod would wait
# for a gap far longer than the load is worth.
loaders() {
	local pid=$1
	# readers of every file
	(while [ ! -e "$STOP" ]; do
		cat /proc/vminspect/status /proc/vminspect/tlb >/dev/null 2>&1
		sleep 0.02
	done) &
	# the query file, a fresh descriptor per query
	(while [ ! -e "$STOP" ]; do
		{ { printf 'maps %d\n' "$pid" >&3 && cat <&3 >/dev/null; } 3<>/proc/vminspect/query; } 2>/dev/null
		sleep 0.02
	done) &
	# walkers through the companion
	(while [ ! -e "$STOP" ]; do
		"$VMI" walk "$pid" >/dev/null 2>&1
		"$VMI" huge "$pid" >/dev/null 2>&1
		sleep 0.02
	done) &
	# shootdowns, in rounds of 5 s
	(while [ ! -e "$STOP" ]; do
		selftests/vmi_flusher 5 >/dev/null
	done) &
}

# The load of the test: a target process and the loaders on it ...
start_load() {
	sleep 1000 &
	target=$!
	loaders "$target"
}

# ... and its end: every loader and the target gone.
stop_load() {
	touch "$STOP"
	wait_loaders
	kill "$target" 2>/dev/null
	wait "$target" 2>/dev/null
	rm -f "$STOP"
}

main() {
	local i before after failed=0 start secs left hazard params what
	local b_slab b_vmalloc b_percpu a_slab a_vmalloc a_percpu

	ktap_print_header
	ktap_set_plan "4"
	if [ "$(id -u)" != 0 ] || [ ! -f "$KO" ] || ! grep -q '^vminspect ' /proc/modules; then
		for i in 1 2 3 4; do
			ktap_print_msg "unload $i: needs root, $KO and the module loaded"
			ktap_test_skip "unload $i"
		done
		ktap_finished
	fi

	# the baseline: the module unloaded, nothing else running, after the
	# loaders ran for 5 s with the module loaded: what their own work
	# leaves in the kernel's caches is in the baseline too
	start_load
	sleep 5
	stop_load
	if ! unload; then
		ktap_test_fail "baseline: rmmod vminspect"
		ktap_finished
	fi
	read -r before b_slab b_vmalloc b_percpu < <(kernel_kb)
	insmod "$KO" || { ktap_test_fail "baseline: insmod $KO"; return 1; }

	if hazard=$(selftests/vmi_hazard); then
		params=""
		what="tracking off: $hazard; tracking on under load runs in the single-threaded TCG lane"
	else
		params=tlb_track=1
		what="tracking on in every other load"
	fi
	start_load
	start=$SECONDS
	selftests/vmi_modcycle "$KO" "$CYCLES" ${params:+"$params"} | sed 's/^/# /'
	failed=${PIPESTATUS[0]}
	secs=$((SECONDS - start))
	stop_load
	if [ "$failed" = 0 ]; then
		ktap_test_pass "$CYCLES unload/load cycles under load in $secs s ($what)"
	else
		ktap_test_fail "$CYCLES unload/load cycles under load"
	fi

	# the module's memory, back to the baseline once it is gone
	if unload; then
		read -r after a_slab a_vmalloc a_percpu < <(kernel_kb)
		echo "# unreclaimable slab + vmalloc + per-CPU: $before kB before, $after kB after $CYCLES cycles" \
			"(slab $b_slab -> $a_slab, vmalloc $b_vmalloc -> $a_vmalloc, per-CPU $b_percpu -> $a_percpu)"
		# a leak of one page per cycle would show as 400 kB
		if [ -e /sys/kernel/debug/kmemleak ]; then
			# KASAN's quarantine holds freed objects in slab, far
			# above the limit; kmemleak, after the run, checks leaks
			ktap_print_msg "kernel memory back to its baseline after unload:" \
				"debug kernel: KASAN's quarantine keeps freed slab; kmemleak checks leaks here"
			ktap_test_skip "kernel memory back to its baseline after unload"
		elif [ $((after - before)) -lt 256 ]; then
			ktap_test_pass "kernel memory back to its baseline after unload ($((after - before)) kB)"
		else
			ktap_test_fail "kernel memory back to its baseline after unload ($((after - before)) kB more)"
		fi
		left=$(grep -c '\[vminspect\]' /proc/vmallocinfo 2>/dev/null)
		if [ "${left:-0}" = 0 ]; then
			ktap_test_pass "no vmalloc area of the module left after unload"
		else
			grep '\[vminspect\]' /proc/vmallocinfo | head -n 5 | sed 's/^/#   /'
			ktap_test_fail "vmalloc areas of the module left after unload: $left"
		fi
	else
		ktap_test_fail "rmmod after the cycles"
		ktap_test_fail "no vmalloc area left (not checked)"
	fi
	if insmod "$KO"; then
		ktap_test_pass "insmod again after the cycles"
	else
		ktap_test_fail "insmod again after the cycles"
	fi
	ktap_finished
}

# wait for the loaders (at most 10 s: a flusher round is 5 s)
wait_loaders() {
	for _ in $(seq 100); do
		jobs -rp | grep -qvx "$target" || return 0
		sleep 0.1
	done
	jobs -rp | grep -vx "$target" | xargs -r kill 2>/dev/null
}

main "$@"
