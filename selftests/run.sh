#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run every vminspect selftest with the module loaded (normally inside the
# test VM, see scripts/vmtest.sh).  Each binary prints KTAP and a
# "# Totals:" line; a binary that cannot run at all counts as one skip
# (e.g. a 32-bit one on a kernel without ia32 emulation) or one failure.
#
#   selftests/run.sh [--lane single|debug|isolated|paging]
#
# --lane single runs only the tests that switch hooks (TLB tracking, module
# load) while a load runs: scripts/vmtest.sh --single-lane, where the vCPUs
# take turns on one host thread.  With parallel vCPUs those tests skip and
# name this lane.
# --lane debug runs the tests that drive the module's own code on the debug
# kernel (scripts/vmtest.sh --debug), where KASAN, lockdep, kmemleak and
# strict RCU watch it: all but the companion's and the other tools' output
# tests (companion, huge_advice, svg, ecosystem: userspace, run on the other
# kernels) and the two that skip there (mm_selftests, tlb_hooks).
# --lane paging runs the tests whose subject is the page tables themselves
# (the walk, translation, table counts, their races and their bounds), for
# a second paging mode: scripts/vmtest.sh --no5lvl boots with 4-level
# paging.  The TLB, unload, huge-block and tools' output tests do not
# depend on the number of levels and run in the 5-level lanes only.
# --lane isolated runs the tests that need a CPU set aside (isolcpus,
# nohz_full): scripts/vmtest.sh --isolated-lane.  Elsewhere they skip
# those cases and name this lane.
set -u
cd "$(dirname "$0")" || exit 1

# the tests that switch hooks under load, as "binary [harness filters]"
SINGLE_LANE=(
	"vminspect_tlb_test -r tlb.toggle_under_load -r unload.while_flushing"
	"vminspect_stress_test -r global.tlb_switching_under_storm"
	"unload_test.sh"
)

ALL=(vminspect_*_test vminspect_*_test32 companion_test.sh huge_advice_test.sh
	svg_test.sh mm_selftests_test.sh ecosystem_test.sh tlb_alloc_test.sh
	tlb_hooks_test.sh tlb_cli_test.sh unload_test.sh)
# the tests that need CPU 1 isolated and nohz_full, and the ledger's
# sources again with CPU 1 set aside
ISOLATED_LANE=(tlb_cli_test.sh
	"vminspect_tlb_test -r tlb.ledger -r tlb.khugepaged_collapse -f kflush")
# the tests whose subject is the page tables, for 4-level paging
PAGING_LANE=(vminspect_walk_test vminspect_status_test vminspect_status_test32
	vminspect_security_test vminspect_race_test vminspect_stress_test
	vminspect_parallel_test vminspect_huge_test vminspect_fuzz_test
	vminspect_pgtables_test companion_test.sh)
# left out of the debug lane
NOT_DEBUG=" companion_test.sh huge_advice_test.sh svg_test.sh ecosystem_test.sh mm_selftests_test.sh tlb_hooks_test.sh "

usage() {
	echo "usage: $0 [--lane single|debug|isolated|paging]" >&2
	exit 2
}

runs=()
case "${1:-}" in
"")
	runs=("${ALL[@]}")
	;;
--lane)
	# the tests may size their work by lane
	export VMI_LANE="${2:-}"
	case "${2:-}" in
	single) runs=("${SINGLE_LANE[@]}") ;;
	isolated) runs=("${ISOLATED_LANE[@]}") ;;
	paging) runs=("${PAGING_LANE[@]}") ;;
	debug)
		for t in "${ALL[@]}"; do
			[[ $NOT_DEBUG == *" $t "* ]] || runs+=("$t")
		done
		;;
	*) usage ;;
	esac
	;;
*) usage ;;
esac

rc=0
for run in "${runs[@]}"; do
	read -r -a cmd <<<"$run"
	t=${cmd[0]}
	[ -x "$t" ] || continue
	echo "# selftest: $run"
	start=$SECONDS
	./"$t" "${cmd[@]:1}"
	status=$?
	echo "# selftest $t took $((SECONDS - start)) s"
	case $status in
	0) ;;
	126 | 127)
		echo "# SKIP $t cannot be executed here (exit $status)"
		echo "# Totals: pass:0 fail:0 xfail:0 xpass:0 skip:1 error:0"
		;;
	*)
		# a crash before the harness printed its totals still counts
		echo "# $t exited with status $status"
		rc=1
		;;
	esac
done
exit $rc
