#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `vminspect tlb` end to end, in the VM with the module loaded: tracking is
# switched on while the guest is quiet, vmi_flusher makes shootdowns for
# three seconds (mprotect on CPU 0, a toucher keeping the mm live on CPU
# 1), tracking is switched off once it has exited, and the companion's
# report is checked against the flusher's own count and pid:
#  - the flusher is an initiator, named by its pid and comm;
#  - its mprotect cause counts between half its flips (upgrades to
#    writable need no flush) and all of them, give or take the few
#    mprotect() calls of its start (the loader's, pthread_create()'s);
#  - nearly all its shootdowns targeted CPU 1;
#  - its wait percentiles are ordered;
#  - --watch prints one report per interval;
#  - when CPU 1 is isolated or nohz_full (scripts/vmtest.sh
#    --isolated-lane), the text warning and isolated_cpus_hit_by name the
#    flusher as the one that hit it, and the ledger (tlb --isolated) gives
#    CPU 1's IPIs to the flusher and mprotect (99% of those not of
#    kernel memory), says what each interrupted, and its warning names
#    the flusher.
# KTAP output.
set -u
cd "$(dirname "$0")/.." || exit 1

VMI=${VMI:-tools/vminspect/vminspect}
TLB=/proc/vminspect/tlb
NR=8
# KTAP output: the kernel's ktap_* and check, skip_all, skip_single
# shellcheck source=vmi_ktap.sh
. selftests/vmi_ktap.sh

ktap_print_header
ktap_set_plan $NR
if [ ! -x "$VMI" ] || [ ! -w $TLB ] || ! grep -q '^supported 1' $TLB; then
	skip_all $NR tlb_cli "no companion, or no TLB tracking here"
fi

out=$(mktemp -d)
trap 'echo off >$TLB 2>/dev/null; rm -rf "$out"' EXIT

# quiet: switch on, then load; the load ends before tracking is switched off
"$VMI" tlb --enable --reset >/dev/null
selftests/vmi_flusher 3 >"$out/flusher" &
fpid=$!
wait $fpid
FLIPS=$(awk '{ print $1 }' "$out/flusher")
"$VMI" tlb --pid $fpid --json >"$out/pid.json"
"$VMI" tlb --json >"$out/all.json"
"$VMI" tlb >"$out/all.txt"
"$VMI" tlb --watch 1 --count 2 >"$out/watch.txt"
"$VMI" tlb --isolated --json >"$out/ledger.json"
"$VMI" tlb --isolated >"$out/ledger.txt"
"$VMI" tlb --disable
echo "# vmi_flusher $fpid: $FLIPS flips"

# jq FILTER FILE: true when FILTER yields true
jqt() {
	[ "$(jq -r "$1" "$2" 2>/dev/null)" = true ]
}

# the flusher's entries: one per thread that sent shootdowns
flusher='[.initiators[] | select(.tgid == '$fpid')]'

# Its mprotect() calls are its own work: that entry must carry its name.
# Shootdowns of the forked shell before it exec()ed (a copy-on-write
# fault) are the shell's, under the shell's name: any other entry may
# carry either.
check "tlb --pid --json: the flusher is the initiator, by pid and comm" \
	jqt "$flusher | map(select(.causes.mprotect)) | length > 0 and all(.comm == \"vmi_flusher\")" "$out/pid.json"
echo "# causes: $(jq -c "$flusher | map({comm, causes})" "$out/pid.json")"
check "tlb --json: mprotect count between half the flips and all of them" \
	jqt "($flusher | map(.causes.mprotect // 0) | add) as \$m | \$m * 2 >= $FLIPS * 0.95 and \$m <= $FLIPS + 16" "$out/pid.json"
echo "# targets: $(jq -c "$flusher | map(.targets)" "$out/pid.json")"
check "tlb --json: nearly every shootdown of the flusher targeted CPU 1" \
	jqt "$flusher | (map(.targets[\"1\"] // 0) | add) >= (map(.shootdowns) | add) * 0.9" "$out/pid.json"
check "tlb --json: wait p50 <= p99 <= max, max > 0" \
	jqt "$flusher | all(.wait_ns | .p50 <= .p99 and .p99 <= .max and .max > 0)" "$out/pid.json"
check "tlb --watch 1 --count 2: two reports" \
	test "$(grep -c '^tracking ' "$out/watch.txt")" = 2

# CPU lists ("1", "1,3", "1-3"), one number a line
quiet=$(cat /sys/devices/system/cpu/isolated /sys/devices/system/cpu/nohz_full 2>/dev/null |
	tr ',' '\n' | awk -F- 'NF { for (c = $1; c <= ($2 == "" ? $1 : $2); c++) print c }')
if grep -qx 1 <<<"$quiet"; then
	grep '^warning: isolated' "$out/all.txt" | sed 's/^/# /'
	check "CPU 1 isolated: the warning and isolated_cpus_hit_by name the flusher" \
		bash -c "grep -q '^warning: isolated/nohz_full CPU 1 received TLB shootdown IPIs, from $fpid/vmi_flusher (' '$out/all.txt' &&
			[ \"\$(jq -r '.isolated_cpus_hit_by[] | select(.cpu == 1) | .initiators[0].pid' '$out/all.json')\" = $fpid ] &&
			[ \"\$(jq -r '.isolated_cpus_hit | index(1) != null' '$out/all.json')\" = true ]"
	sed 's/^/# /' "$out/ledger.txt"
	check "CPU 1 isolated: the ledger gives 99% of its IPIs to the flusher and mprotect" \
		jqt ".cpus | length == 1 and (.[0] | .cpu == 1 and
			(.ipis - (.by_cause.kernel // 0)) as \$user |
			\$user > 0 and (.by_cause.mprotect // 0) * 100 >= \$user * 99 and
			.by_initiator[0].pid == $fpid and .by_initiator[0].count * 100 >= \$user * 99)" "$out/ledger.json"
	check "CPU 1 isolated: the ledger says what every IPI interrupted, and warns" \
		bash -c "jq -e '.cpus[0] | (.interrupted | .user + .kernel + .idle) >= .ipis - 2 and .interrupted.user > 0' '$out/ledger.json' >/dev/null &&
			grep -q '^warning: isolated/nohz_full CPU 1: [0-9]* of its [0-9]* shootdown IPIs came from $fpid/vmi_flusher (.*mprotect:' '$out/ledger.txt'"
else
	for t in "the warning and isolated_cpus_hit_by name the flusher" \
		"the ledger gives 99% of its IPIs to the flusher and mprotect" \
		"the ledger says what every IPI interrupted, and warns"; do
		ktap_print_msg "CPU 1 isolated: $t:" \
			"CPU 1 is neither isolated nor nohz_full (scripts/vmtest.sh --isolated-lane)"
		ktap_test_skip "CPU 1 isolated: $t"
	done
fi
ktap_finished
