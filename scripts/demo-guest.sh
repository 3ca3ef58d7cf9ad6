#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo's guest half: runs inside the VM with the module loaded, against
# a small live workload (scripts/demo/workload.c, built by scripts/demo.sh).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

VMI="$VMI_TOP/tools/vminspect/vminspect"
WORKLOAD="$VMI_TOP/build/demo/workload"
OUT=$(mktemp -d)
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	rm -rf "$OUT"
}
trap cleanup EXIT

step() { printf '\n=== %s\n' "$*"; }
run() {
	printf '$ %s\n' "$*"
	"$@"
}

# start the workload; wait for its "pid ..." line(s)
start_workload() {
	local lines=$1
	shift
	"$WORKLOAD" "$@" >"$OUT/workload" &
	PIDS+=($!)
	for _ in $(seq 100); do
		[ "$(grep -c '^pid ' "$OUT/workload")" -ge "$lines" ] && return 0
		sleep 0.1
	done
	die "the workload did not start"
}

# ask process $1 to touch its region, wait until it says so
touch_region() {
	local before
	before=$(grep -c "^pid $1 touched" "$OUT/workload" || true)
	kill -USR1 "$1"
	for _ in $(seq 100); do
		[ "$(grep -c "^pid $1 touched" "$OUT/workload" || true)" -gt "$before" ] && return 0
		sleep 0.1
	done
	die "process $1 did not touch its region"
}

step "the module as the kernel sees it"
grep -E '^vminspect ' /proc/modules
ls -l /proc/vminspect/

step "cat /proc/vminspect/status  (stable 'key value' lines)"
cat /proc/vminspect/status

step "vminspect status"
run "$VMI" status

step "vminspect status --pretty"
"$VMI" status --pretty

step "the same as an unprivileged user: no frames, only its own processes"
setpriv --reuid=65534 --regid=65534 --clear-groups "$VMI" status

# ---- the lie and the reality ---------------------------------------------
start_workload 1
read -r _ pid _ addr _ len < <(grep '^pid ' "$OUT/workload" | head -n 1)
end=$(printf '0x%x' $((addr + len)))

step "demand paging: process $pid mapped 4 MiB at $addr, but has touched nothing"
run "$VMI" walk "$pid" "$addr-$end" --holes

step "process $pid writes every page: now each page has a frame, scattered"
touch_region "$pid"
run "$VMI" walk "$pid" "$addr+64K"
printf '(the whole region: %s)\n' "$("$VMI" walk "$pid" "$addr-$end" | tail -n 1)"

step "PhysicalAddress = PageTable[VirtualAddress]: one address, level by level"
run "$VMI" translate "$pid" "$(printf '0x%x' $((addr + 0x1234)))"

step "the page tables of process $pid and what they cost"
run "$VMI" maps "$pid"

# ---- isolation ----------------------------------------------------------------
: >"$OUT/workload"
start_workload 2 --fork
mapfile -t procs < <(grep '^pid ' "$OUT/workload")
read -r _ p1 _ addr _ < <(echo "${procs[0]}")
read -r _ p2 _ _ _ < <(echo "${procs[1]}")
PIDS+=("$p2")
touch_region "$p1"
touch_region "$p2"
step "isolation: processes $p1 and $p2 map the same virtual address $addr to different frames"
run "$VMI" translate "$p1" "$addr"
run "$VMI" translate "$p2" "$addr"

# ---- huge pages ---------------------------------------------------------------
: >"$OUT/workload"
start_workload 2 --huge
mapfile -t arrays < <(grep '^pid ' "$OUT/workload")
read -r _ hp _ small _ < <(echo "${arrays[0]}")
read -r _ _ _ huge _ < <(echo "${arrays[1]}")
step "huge pages: process $hp holds two 512 MiB arrays, at $small on 4K pages and at $huge on THP"
run "$VMI" huge "$hp"

step "the same as JSON: the two arrays, the TLB entries they need now and at best"
"$VMI" huge "$hp" --json | jq --arg a "$small" --arg b "$huge" \
	'{pid, rss, bytes, tlb_entries, vmas: [.vmas[] | select(.start == $a or .start == $b)]}'

step "process $hp as a picture, a band per VMA coloured by page size: $VMI_TOP/build/demo/maps.svg"
run "$VMI" maps "$hp" --svg "$VMI_TOP/build/demo/maps.svg"

step "huge pages system-wide: pools, THP counters and free blocks, read from the kernel's own sysfs and /proc files"
"$VMI" huge --all --top 3 --json | jq '{hugetlb_pools, thp: {anon_thp: .thp.anon_thp}, free_2m_blocks: .fragmentation.free_2m_blocks}'

# ---- page tables of a shared buffer pool ---------------------------------------
: >"$OUT/workload"
start_workload 8 --shared-buffer 8
mapfile -t workers < <(grep '^pid ' "$OUT/workload")
read -r _ w1 _ _ _ < <(echo "${workers[0]}")
step "a shared buffer pool: eight workers read one 256 MiB memfd; each pays for its own page tables over the same pages"
run "$VMI" pgtables "$w1" --top 3

step "the objects many processes map, by the page tables they cost together, and what sharing them would save"
run "$VMI" pgtables --shared --top 3
# the workers go with their parent, before any hook is switched
kill "${PIDS[-1]}" 2>/dev/null || true
wait "${PIDS[-1]}" 2>/dev/null || true
for w in "${workers[@]}"; do
	read -r _ wp _ < <(echo "$w")
	while kill -0 "$wp" 2>/dev/null; do sleep 0.1; done
done

# ---- TLB shootdowns -----------------------------------------------------------
# Tracking is switched on and off only while no workload runs: switching
# patches kernel text, which the other vCPU must not be running then.
step "TLB shootdowns: tracking switched on while the guest is quiet"
run "$VMI" tlb --enable --reset >/dev/null
printf 'CPUs isolated: %s, nohz_full: %s\n' \
	"$(cat /sys/devices/system/cpu/isolated)" "$(cat /sys/devices/system/cpu/nohz_full)"

start_workload 1 --shootdown 6
read -r _ shooter < <(grep '^pid ' "$OUT/workload")
step "process $shooter: a thread on CPU 1, set aside for latency-critical work, reads its buffer; the main thread, on CPU 0, maps, mprotects and unmaps 64 KiB in a loop"
run "$VMI" tlb --pid "$shooter" --watch 1 --count 3
wait "$shooter" || die "the shootdown workload failed"
read -r _ mprotects munmaps < <(grep '^done ' "$OUT/workload")

step "the whole run: the workload made $mprotects mprotect() and $munmaps munmap() calls"
run "$VMI" tlb --pid "$shooter"

step "the same as JSON: the initiator, its causes and targets, and who hit the isolated CPU"
"$VMI" tlb --pid "$shooter" --json | jq -c '.initiators[] | {pid, comm, shootdowns, causes, targets, wait_ns}'
"$VMI" tlb --json | jq -c '{isolated_cpus_hit, isolated_cpus_hit_by}'

step "the isolated CPU's ledger: every shootdown IPI it handled, its cause and sender, what it interrupted, what it cost"
run "$VMI" tlb --isolated
"$VMI" tlb --isolated --json | jq -c '.cpus[] | {cpu, ipis, handle_ns, interrupted, by_cause, by_initiator: .by_initiator[:3]}'

run "$VMI" tlb --disable
