#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make man-check: the man pages render without a single warning, and
# vminspect(8) documents the CLI as it is: every command of
# "vminspect --help" has its own subsection, every long option of
# "vminspect --help" and of "vminspect COMMAND --help" appears in the
# global OPTIONS or in that command's subsection, and every exit status is
# listed; libvminspect(3) names every function of tools/lib/vminspect.h.
# Subsections of commands the CLI does not have (yet) are skipped.
#
#   scripts/man-check.sh [VMINSPECT]   (default: tools/vminspect/vminspect)
#
# Prints "ok N - ...", "not ok N - ..." or "ok N - ... # SKIP ...", then
# "N passed, N failed, N skipped".
set -uo pipefail

. "$(dirname "$0")/lib.sh"

PAGE8=$VMI_TOP/man/vminspect.8
N=0
PASSED=0
FAILED=0
SKIPPED=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

ok() { N=$((N + 1)); PASSED=$((PASSED + 1)); echo "ok $N - $*"; }
not_ok() { N=$((N + 1)); FAILED=$((FAILED + 1)); echo "not ok $N - $*"; }
skip() { N=$((N + 1)); SKIPPED=$((SKIPPED + 1)); echo "ok $N - $1 # SKIP $2"; }

# render PAGE: man's own pipeline, warnings on, no terminal escapes
render() {
	LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l "$1" \
		>"$TMP/out" 2>"$TMP/err"
}

check_render() {
	local page rc
	for page in "$VMI_TOP"/man/*.[1-8]; do
		[ -f "$page" ] || continue
		render "$page"
		rc=$?
		if [ $rc -eq 0 ] && [ ! -s "$TMP/err" ] && [ -s "$TMP/out" ]; then
			ok "man/${page##*/} renders without warnings"
		else
			not_ok "man/${page##*/} renders without warnings (man exit $rc)"
			sed 's/^/#   /' "$TMP/err" | head -n 20
		fi
	done
}

# The page's source as plain words: "\-" is "-", font escapes dropped.
plain_source() {
	sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\c$//' "$PAGE8"
}

# section_text NAME: the lines of subsection ".SS NAME" of vminspect(8)
section_text() {
	awk -v name="$1" '
		/^\.S[SH] / { inside = ($1 == ".SS" && $2 == name); next }
		inside' "$TMP/page"
}

# the text between ".SH OPTIONS" and the next .SH
options_text() {
	awk '/^\.SH / { inside = ($2 == "OPTIONS"); next } inside' "$TMP/page"
}

# has_option TEXT-FILE OPTION: OPTION appears as a word
has_option() {
	grep -qE -- "(^|[^a-z0-9-])$2([^a-z0-9-]|$)" "$1"
}

# the long options a help text names
long_options() {
	grep -oE -- '--[a-z][a-z0-9-]*' "$1" | LC_ALL=C sort -u
}

check_page8() {
	local cli=$1 cmd opt commands=() code
	if [ ! -x "$cli" ]; then
		not_ok "companion $cli built (make tools)"
		return
	fi
	plain_source >"$TMP/page"
	"$cli" --help >"$TMP/help" 2>&1 || true
	mapfile -t commands < <(awk '/^Commands:/ { on = 1; next } on && /^$/ { exit }
		on && /^  [a-z]/ { print $1 }' "$TMP/help")
	if [ ${#commands[@]} -eq 0 ]; then
		not_ok "vminspect --help lists its commands"
		return
	fi

	options_text >"$TMP/global"
	while read -r opt; do
		if has_option "$TMP/global" "$opt"; then
			ok "vminspect.8 OPTIONS documents $opt"
		else
			not_ok "vminspect.8 OPTIONS documents $opt (vminspect --help has it)"
		fi
	done < <(long_options "$TMP/help")

	for cmd in "${commands[@]}"; do
		section_text "$cmd" >"$TMP/section"
		if [ ! -s "$TMP/section" ]; then
			not_ok "vminspect.8 has a subsection for command $cmd"
			continue
		fi
		ok "vminspect.8 has a subsection for command $cmd"
		"$cli" "$cmd" --help >"$TMP/cmdhelp" 2>&1 || true
		while read -r opt; do
			# every command takes --help; OPTIONS documents it once
			[ "$opt" != --help ] || continue
			if has_option "$TMP/section" "$opt"; then
				ok "vminspect.8 documents $cmd $opt"
			else
				not_ok "vminspect.8 documents $cmd $opt (vminspect $cmd --help has it)"
			fi
		done < <(long_options "$TMP/cmdhelp")
	done

	# commands documented that this build of the CLI does not have
	while read -r cmd; do
		[[ " ${commands[*]} " == *" $cmd "* ]] ||
			skip "vminspect.8 command $cmd is in the CLI" "not in this build's vminspect --help"
	done < <(awk '/^\.SH / { on = ($2 == "COMMANDS"); next }
		on && /^\.SS / { print $2 }' "$TMP/page")

	# exit codes: "  N  text" lines after "Exit status:"
	awk '/^\.SH / { on = ($2 == "EXIT"); next } on' "$TMP/page" >"$TMP/exit"
	while read -r code; do
		if grep -qx "\.B $code" "$TMP/exit"; then
			ok "vminspect.8 EXIT STATUS lists $code"
		else
			not_ok "vminspect.8 EXIT STATUS lists $code (vminspect --help has it)"
		fi
	done < <(awk '/^Exit status:/ { on = 1; next } on && /^  [0-9]+ / { print $1 }' "$TMP/help")
}

# libvminspect(3) names every function tools/lib/vminspect.h declares
check_page3() {
	local hdr=$VMI_TOP/tools/lib/vminspect.h page=$VMI_TOP/man/libvminspect.3 fn missing=()
	if [ ! -f "$page" ] || [ ! -f "$hdr" ]; then
		skip "libvminspect.3 names every library function" "no page or no header"
		return
	fi
	while read -r fn; do
		grep -qE "(^|[^a-z0-9_])$fn([^a-z0-9_]|$)" "$page" || missing+=("$fn")
	done < <(grep -oE '\bvmi_[a-z0-9_]+\(' "$hdr" | tr -d '(' | LC_ALL=C sort -u)
	if [ ${#missing[@]} -eq 0 ]; then
		ok "libvminspect.3 names every function of tools/lib/vminspect.h"
	else
		not_ok "libvminspect.3 names every function of tools/lib/vminspect.h (missing: ${missing[*]})"
	fi
}

main() {
	local cli=${1:-$VMI_TOP/tools/vminspect/vminspect}
	check_render
	check_page8 "$cli"
	check_page3
	echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
	[ $FAILED -eq 0 ]
}

main "$@"
