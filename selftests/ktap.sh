# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# KTAP results for the shell selftests (sourced): numbered "ok"/"not ok"
# lines and the kselftest "# Totals:" line that run.sh and the VM runner
# add up.

PASS=0
FAIL=0
SKIP=0
N=0

pass() {
	N=$((N + 1))
	PASS=$((PASS + 1))
	echo "ok $N $1"
}

fail() {
	N=$((N + 1))
	FAIL=$((FAIL + 1))
	echo "not ok $N $1"
}

# skip NAME WHY
skip() {
	N=$((N + 1))
	SKIP=$((SKIP + 1))
	echo "ok $N $1 # SKIP $2"
}

# check NAME CMD...: passes when CMD succeeds
check() {
	local name=$1
	shift
	if "$@"; then
		pass "$name"
	else
		fail "$name"
	fi
}

totals() {
	echo "# Totals: pass:$PASS fail:$FAIL xfail:0 xpass:0 skip:$SKIP error:0"
}
