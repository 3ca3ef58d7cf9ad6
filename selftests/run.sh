#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run every vminspect selftest with the module loaded (normally inside the
# test VM, see scripts/vmtest.sh).  Each binary prints KTAP and a
# "# Totals:" line; a binary that cannot run at all counts as one skip
# (e.g. a 32-bit one on a kernel without ia32 emulation) or one failure.
set -u
cd "$(dirname "$0")" || exit 1

rc=0
for t in vminspect_*_test vminspect_*_test32 companion_test.sh huge_advice_test.sh mm_selftests_test.sh \
	ecosystem_test.sh unload_test.sh; do
	[ -x "$t" ] || continue
	echo "# selftest: $t"
	./"$t"
	status=$?
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
