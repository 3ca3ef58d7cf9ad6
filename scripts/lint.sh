#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Static checks of vminspect (make lint):
#
#   scripts/lint.sh [--no-build] [CHECK...]
#
# CHECK is one of checkpatch, build, clang-format, shellcheck, uapi,
# version; the default is all of them.  --no-build skips "build", the only slow one (it
# builds the module for every kernel of the matrix with W=1 and sparse).
# Prints "ok   <check>" or "FAIL <check>" followed by the offending output,
# indented, then "N passed, N failed"; exits non-zero when any failed.
# Nothing here uses the network: the tools come from scripts/deps.sh.
set -euo pipefail
shopt -s globstar

. "$(dirname "$0")/lib.sh"

CHECKPATCH=$VMI_CACHE/linux-source-6.12/scripts/checkpatch.pl
# at most this many lines of output are shown per failed check
MAX_LINES=${VMI_LINT_MAX_LINES:-60}
ALL_CHECKS=(checkpatch build clang-format shellcheck uapi version)
UAPI_HDR=include/uapi/linux/vminspect.h

passed=0
failed=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

usage() {
	echo "usage: $0 [--no-build] [${ALL_CHECKS[*]}]..." >&2
	exit 2
}

# Print a file indented under its check line, cut to MAX_LINES lines.
show() {
	local n
	n=$(wc -l <"$1")
	head -n "$MAX_LINES" "$1" | sed 's/^/     /'
	if [ "$n" -gt "$MAX_LINES" ]; then
		echo "     ... $((n - MAX_LINES)) more lines"
	fi
}

# report NAME RC OUTPUT-FILE
report() {
	if [ "$2" -eq 0 ]; then
		echo "ok   $1"
		passed=$((passed + 1))
	else
		echo "FAIL $1"
		show "$3"
		failed=$((failed + 1))
	fi
}

# run_check NAME COMMAND...: run a check function, report its result.
# Check functions print what is wrong and return non-zero; they are run in
# an "||" list, where set -e does not apply, so they test every status;
# they run in a subshell and may change directory.
run_check() {
	local name=$1 rc=0
	shift
	("$@") >"$TMP/out" 2>&1 || rc=$?
	report "$name" "$rc" "$TMP/out"
}

# The files matching the globs, relative to VMI_TOP (the caller's directory),
# sorted and unique; a glob that matches nothing adds nothing.
list_files() {
	local pat
	for pat in "$@"; do
		compgen -G "$pat" || true
	done | LC_ALL=C sort -u
}

kernel_sources() {
	list_files 'module/*.c' 'module/*.h' "$UAPI_HDR"
}

# --- 1. checkpatch ---------------------------------------------------------
#
# checkpatch.pl is run where scripts/deps.sh extracted it, so that it finds
# spelling.txt and const_structs.checkpatch next to itself; the files are
# given relative to the top, as paths in a kernel tree would be (checkpatch
# treats include/uapi/ by its path).  --no-tree: we are not in a kernel
# tree.  Nothing is ignored: with -f the patch-only checks
# (FILE_PATH_CHANGES/MAINTAINERS, commit message) do not run, and the
# SPDX lines of our files are what checkpatch expects.  The line limit is
# checkpatch's own (100).
check_checkpatch() {
	local d files=() rc=0
	d=$(dirname "$CHECKPATCH")
	if [ ! -f "$CHECKPATCH" ] || [ ! -f "$d/spelling.txt" ] ||
		[ ! -f "$d/const_structs.checkpatch" ]; then
		echo "$CHECKPATCH (with spelling.txt, const_structs.checkpatch) missing:"
		echo "run scripts/deps.sh source"
		return 1
	fi
	mapfile -t files < <(cd "$VMI_TOP" && kernel_sources)
	[ ${#files[@]} -gt 0 ] || { echo "no kernel sources found"; return 1; }
	cd "$VMI_TOP"
	perl "$CHECKPATCH" --strict --no-tree --terse --color=never -f "${files[@]}" || rc=$?
	return $rc
}

# --- 2. W=1 + sparse, per kernel --------------------------------------------
#
# scripts/build-module.sh fails a kernel on any warning of either; its
# "ok|FAIL build KVER" lines become one check each here.
check_build() {
	local rc=0 line name="" status=0 word kver
	"$VMI_TOP/scripts/build-module.sh" --all >"$TMP/build" 2>&1 || rc=$?
	: >"$TMP/detail"
	while IFS= read -r line; do
		case $line in
		"ok   build "* | "FAIL build "*)
			[ -z "$name" ] || report "$name" "$status" "$TMP/detail"
			read -r word _ kver _ <<<"$line"
			name="W=1+sparse ${kver%:}"
			status=0
			[ "$word" = ok ] || status=1
			: >"$TMP/detail"
			;;
		[0-9]*" passed, "[0-9]*" failed") ;;
		*) printf '%s\n' "${line#     }" >>"$TMP/detail" ;;
		esac
	done <"$TMP/build"
	if [ -n "$name" ]; then
		report "$name" "$status" "$TMP/detail"
	fi
	# a failure outside any kernel's build (no matrix, a crash)
	if [ $rc -ne 0 ] && ! grep -q '^FAIL build ' "$TMP/build"; then
		report "W=1+sparse" "$rc" "$TMP/build"
	fi
}

# --- 3. clang-format --------------------------------------------------------
#
# The style is the repository's .clang-format.  Lists the files that are
# not formatted, then shows what clang-format would change in each.
check_clang_format() {
	local f bad=()
	command -v clang-format >/dev/null || { echo "clang-format missing: run scripts/deps.sh host"; return 1; }
	[ $# -gt 0 ] || { echo "no files"; return 1; }
	cd "$VMI_TOP"
	for f in "$@"; do
		clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
	done
	[ ${#bad[@]} -gt 0 ] || return 0
	for f in "${bad[@]}"; do
		clang-format "$f" | diff "$f" - >"$TMP/cf.diff" || true
		echo "$f: lines to reformat: $(grep -c '^<' "$TMP/cf.diff")"
	done
	echo "to fix: clang-format -i ${bad[*]}"
	for f in "${bad[@]}"; do
		clang-format "$f" | diff -u --label "$f" --label "$f (formatted)" "$f" - || true
	done
	return 1
}

clang_format_group() {
	local name=$1 files=()
	shift
	mapfile -t files < <(cd "$VMI_TOP" && list_files "$@")
	run_check "clang-format $name" check_clang_format "${files[@]}"
}

check_all_clang_format() {
	clang_format_group "module+uapi" 'module/*.[ch]' "$UAPI_HDR"
	# The test files themselves use kselftest's "EXPECT_*(...) TH_LOG(...)"
	# idiom, which clang-format cannot express: only their helpers are held
	# to it.
	clang_format_group selftests 'selftests/vmi_util.[ch]'
	clang_format_group tools 'tools/**/*.[ch]'
	clang_format_group bench+demo 'bench/*.[ch]' 'scripts/demo/*.c'
}

# --- 4. shellcheck ----------------------------------------------------------
#
# .shellcheckrc at the top sets source-path=SCRIPTDIR, so -x follows
# '. "$(dirname "$0")/lib.sh"'.
check_shellcheck() {
	local files=()
	command -v shellcheck >/dev/null || { echo "shellcheck missing: run scripts/deps.sh host"; return 1; }
	cd "$VMI_TOP"
	# selftests/ktap_helpers.sh is the kernel's, copied by selftests/Makefile
	mapfile -t files < <(list_files 'scripts/*.sh' 'selftests/*.sh' 'tools/**/*.sh' 'tools/completion/*.bash' \
		'bench/*.sh' .ci/run | grep -vx selftests/ktap_helpers.sh)
	[ ${#files[@]} -gt 0 ] || { echo "no shell scripts found"; return 1; }
	shellcheck -x "${files[@]}"
}

# --- 5. uapi header ---------------------------------------------------------
#
# The header must compile on its own as C and C++, for -m32 and -m64, and
# have no implicit padding: every struct is as large as its members, and
# its sizes and offsets are the same for 32- and 64-bit callers.

# From the header (comments stripped), write a C program that asserts, for
# every struct, sizeof == the sum of its members' sizes, and that the
# newest VMI_<NAME>_SIZE_VER<n> equals sizeof(struct vmi_<name>[_arg]); it
# prints every struct's size and its members' offsets and sizes.  Also
# checks that the members are fixed-width and that every ioctl argument
# begins with "__u64 size".  The parser knows directives (a multi-line
# macro is skipped whole), enums and structs of one member per line
# without nested definitions: it fails on anything else rather than skip
# it.
gen_layout_prog() {
	gcc -fpreprocessed -dD -E -P -x c "$1" | awk -v hdr="$UAPI_HDR" '
	function fail(msg) { print hdr ": " msg > "/dev/stderr"; bad = 1 }
	cont { cont = /\\$/; next }
	/^#.*\\$/ { cont = 1; next }
	/^struct [a-z_0-9]+ \{$/ {
		s = $2; ns++; sname[ns] = s; nm[s] = 0; inside = 1; next
	}
	/^(struct|union)[^;]*\{/ {
		fail("cannot parse \"" $0 "\" (one struct per line, as \"struct name {\")")
		next
	}
	inside && /^\};$/ { inside = 0; next }
	/^enum [a-z_0-9]+ \{$/ { inenum = 1; next }
	inenum { if ($0 ~ /^\};$/) inenum = 0; next }
	!inside && !/^#/ {
		fail("cannot parse \"" $0 "\" outside a struct")
		next
	}
	inside {
		line = $0
		sub(/^[ \t]+/, "", line)
		if (line !~ /^[a-z_0-9 ]+ [a-z_][a-z_0-9]*(\[[A-Za-z_0-9 +*]+\])*;$/) {
			fail("struct " s ": cannot parse \"" line "\"")
			next
		}
		name = line
		sub(/(\[.*\])?;$/, "", name)
		type = name
		sub(/ [a-z_0-9]+$/, "", type)
		sub(/.* /, "", name)
		if (type !~ /^(__[us](8|16|32|64)|__aligned_u64|char|struct vmi_[a-z_0-9]+)$/)
			fail("struct " s "." name ": type \"" type "\" is not fixed-width")
		nm[s]++; mname[s, nm[s]] = name; mtype[s, nm[s]] = type
		next
	}
	/^#define VMI_[A-Z0-9_]+_SIZE_VER[0-9]+ / {
		base = $2; ver = base
		sub(/_SIZE_VER[0-9]+$/, "", base); sub(/.*_SIZE_VER/, "", ver)
		if (!(base in sizever) || ver + 0 > sizever[base] + 0) {
			sizever[base] = ver; sizemacro[base] = $2
		}
		next
	}
	/_IO(W|R|WR)\(.*struct vmi_[a-z_0-9]+\)/ {
		a = $0; sub(/.*struct /, "", a); sub(/\).*/, "", a)
		ioarg[a] = $2
	}
	END {
		print "#include <stddef.h>"
		print "#include <linux/vminspect.h>"
		print ""
		print "#define MSZ(s, m) sizeof(((struct s *)0)->m)"
		for (i = 1; i <= ns; i++) {
			s = sname[i]
			if (nm[s] == 0)
				fail("struct " s " has no members")
			sum = "0"
			for (j = 1; j <= nm[s]; j++)
				sum = sum " + MSZ(" s ", " mname[s, j] ")"
			printf "_Static_assert(sizeof(struct %s) == %s,\n\t       \"struct %s has implicit padding\");\n", s, sum, s
			base = s; sub(/^vmi_/, "", base); sub(/_arg$/, "", base)
			base = "VMI_" toupper(base)
			if (base in sizever) {
				printf "_Static_assert(%s == sizeof(struct %s),\n\t       \"%s != sizeof(struct %s)\");\n", sizemacro[base], s, sizemacro[base], s
				delete sizever[base]
			}
			if ((s in ioarg) && (mname[s, 1] != "size" || mtype[s, 1] != "__u64"))
				fail("struct " s " (" ioarg[s] ") does not begin with __u64 size")
		}
		for (base in sizever)
			fail(sizemacro[base] ": no struct " tolower(base) "[_arg]")
		# The layout as array sizes, read from the object with nm: the
		# -m32 object is built, never run (a host may not run 32-bit code).
		# A "//map I J NAME" line names the struct or member of each array.
		print ""
		for (i = 1; i <= ns; i++) {
			s = sname[i]
			printf "//map %d 0 %s\n", i, s
			printf "char vmi_layout_%d_0_s[sizeof(struct %s)];\n", i, s
			for (j = 1; j <= nm[s]; j++) {
				printf "//map %d %d %s\n", i, j, mname[s, j]
				printf "char vmi_layout_%d_%d_o[offsetof(struct %s, %s) + 1];\n", i, j, s, mname[s, j]
				printf "char vmi_layout_%d_%d_s[MSZ(%s, %s)];\n", i, j, s, mname[s, j]
			}
		}
		exit bad
	}'
}

# The layout text of an object built from gen_layout_prog's output: per
# struct "struct NAME: size N", then a line per member with its offset and
# size.
layout_text() {
	local src=$1 obj=$2
	nm -S -P "$obj" | awk '
		function hex(x,  n, i) {
			n = 0
			x = tolower(x)
			for (i = 1; i <= length(x); i++)
				n = n * 16 + index("0123456789abcdef", substr(x, i, 1)) - 1
			return n
		}
		FNR == NR {
			if ($1 == "//map")
				name[$2 "_" $3] = $4
			next
		}
		$1 ~ /^vmi_layout_[0-9]+_[0-9]+_[os]$/ {
			split($1, f, "_")
			v[f[3] "_" f[4], f[5]] = hex($4)
			if (f[3] + 0 > ns)
				ns = f[3] + 0
			if (f[4] + 0 > nm[f[3]])
				nm[f[3]] = f[4] + 0
		}
		END {
			if (ns == 0)
				exit 1
			for (i = 1; i <= ns; i++) {
				printf "struct %s: size %d\n", name[i "_0"], v[i "_0", "s"]
				for (j = 1; j <= nm[i]; j++)
					printf "  %-16s offset %3d size %3d\n", name[i "_" j],
					       v[i "_" j, "o"] - 1, v[i "_" j, "s"]
			}
		}' "$src" -
}

check_uapi() {
	local hdr=$VMI_TOP/$UAPI_HDR inc=$VMI_TOP/include/uapi rc=0 m std
	local cflags=(-Wall -Wextra -Wpadded -Werror -pedantic -I"$inc")
	[ -f "$hdr" ] || { echo "$UAPI_HDR missing"; return 1; }
	echo '#include <linux/vminspect.h>' >"$TMP/alone.c"
	for m in 32 64; do
		for std in gnu89 c11; do
			gcc -m$m -std=$std "${cflags[@]}" -fsyntax-only "$TMP/alone.c" ||
				{ echo "^ as C, -std=$std -m$m"; rc=1; }
		done
		for std in c++98 c++17; do
			g++ -x c++ -m$m -std=$std "${cflags[@]}" -fsyntax-only "$TMP/alone.c" ||
				{ echo "^ as C++, -std=$std -m$m"; rc=1; }
		done
	done
	gen_layout_prog "$hdr" >"$TMP/layout.c" || return 1
	for m in 32 64; do
		if gcc -m$m -std=c11 "${cflags[@]}" -fno-common -c -o "$TMP/layout$m.o" "$TMP/layout.c"; then
			layout_text "$TMP/layout.c" "$TMP/layout$m.o" >"$TMP/layout$m.txt" ||
				{ echo "cannot read the layout from layout$m.o"; rc=1; }
		else
			echo "^ layout program, -m$m"
			rc=1
		fi
	done
	if [ $rc -eq 0 ] && ! diff -u --label m32 --label m64 "$TMP/layout32.txt" "$TMP/layout64.txt"; then
		echo "^ struct layouts differ between -m32 and -m64"
		rc=1
	fi
	return $rc
}

# --- 6. version -------------------------------------------------------------
#
# The version is the top-level file VERSION: Kbuild, tools/Makefile,
# debian/rules and "make dkms-install" read it.  dkms.conf's
# PACKAGE_VERSION must be #MODULE_VERSION#, which "make dkms-install" and
# dh_dkms -V replace with it.  The files that can only hold a literal must
# say the same: debian/changelog's top entry (dpkg reads it), the man
# pages' .TH lines and vminspect(4)'s "(module VERSION)".
check_version() {
	local v got f rc=0
	cd "$VMI_TOP"
	[ -f VERSION ] || { echo "VERSION missing"; return 1; }
	v=$(cat VERSION)
	if [ "$(wc -l <VERSION)" -ne 1 ] || ! [[ $v =~ ^[0-9][0-9A-Za-z.+~]*$ ]]; then
		echo "VERSION must be one line holding a version, not '$v'"
		return 1
	fi
	got=$(sed -n '1s/^vminspect (\([^)]*\)).*/\1/p' debian/changelog)
	if [ "$got" != "$v" ]; then
		echo "debian/changelog's top entry is '$got', VERSION $v: add a changelog entry"
		rc=1
	fi
	got=$(sed -n 's/^PACKAGE_VERSION=//p' dkms.conf)
	if [ "$got" != '"#MODULE_VERSION#"' ]; then
		echo "dkms.conf: PACKAGE_VERSION is $got, not \"#MODULE_VERSION#\""
		rc=1
	fi
	for f in man/*.[1-8]; do
		got=$(sed -n 's/^\.TH .*"vminspect \([^"]*\)".*/\1/p' "$f")
		if [ "$got" != "$v" ]; then
			echo "$f: .TH says vminspect '$got', VERSION $v"
			rc=1
		fi
	done
	while read -r got; do
		if [ "$got" != "$v" ]; then
			echo "man/vminspect.4: \"(module $got)\", VERSION $v"
			rc=1
		fi
	done < <(grep -o '(module [^)]*)' man/vminspect.4 | sed 's/^(module \(.*\))$/\1/')
	return $rc
}

main() {
	local want=() c build=1
	while [ $# -gt 0 ]; do
		case $1 in
		--no-build) build=0 ;;
		-h | --help) usage ;;
		-*) usage ;;
		*)
			[[ " ${ALL_CHECKS[*]} " == *" $1 "* ]] || usage
			want+=("$1")
			;;
		esac
		shift
	done
	[ ${#want[@]} -gt 0 ] || want=("${ALL_CHECKS[@]}")

	for c in "${want[@]}"; do
		case $c in
		checkpatch) run_check checkpatch check_checkpatch ;;
		build) [ $build -eq 0 ] || check_build ;;
		clang-format) check_all_clang_format ;;
		shellcheck) run_check shellcheck check_shellcheck ;;
		uapi) run_check "uapi ($UAPI_HDR)" check_uapi ;;
		version) run_check "version (VERSION)" check_version ;;
		esac
	done

	echo "$passed passed, $failed failed"
	[ $failed -eq 0 ]
}

main "$@"
