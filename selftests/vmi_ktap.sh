# SPDX-License-Identifier: GPL-2.0
# The shell tests' KTAP preamble (sourced, not run, from the top of the
# tree): the kernel's KTAP helpers (ktap_*), and
#  - check DESC CMD...: one case, passed when CMD succeeds;
#  - skip_all NR PREFIX REASON: the whole plan of NR cases skipped;
#  - skip_single NAME REASON: a plan of one case, skipped.
# shellcheck shell=bash

# the kernel's KTAP helpers, copied here by the Makefile; not followed:
# they are the kernel's shell, not held to this tree's shellcheck
# shellcheck source=/dev/null
. selftests/ktap_helpers.sh

# check DESC CMD...: ktap_test_result, with CMD's arguments passed as given
check() { if "${@:2}"; then ktap_test_pass "$1"; else ktap_test_fail "$1"; fi; }

# skip_all NR PREFIX REASON: prints "PREFIX: REASON", skips the cases
# "PREFIX 1" to "PREFIX NR" (the plan, already set) and finishes (exits)
skip_all() {
	local i
	ktap_print_msg "$2: $3"
	for i in $(seq "$1"); do ktap_test_skip "$2 $i"; done
	ktap_finished
}

# skip_single NAME REASON: sets a plan of one case, prints "NAME: REASON",
# skips NAME and finishes (exits)
skip_single() {
	ktap_set_plan "1"
	ktap_print_msg "$1: $2"
	ktap_test_skip "$1"
	ktap_finished
}
