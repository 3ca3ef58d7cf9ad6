#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the debug guest kernel of `make check` once, from Debian's
# linux-source-6.12 tarball: x86_64 defconfig with scripts/debug-kernel.config
# merged over it (KASAN, KFENCE, lockdep, PROVE_RCU, DEBUG_VM, kmemleak, ...).
# The result is cached outside the repository under a hash of everything
# that goes into it (tarball, fragment, compiler, this recipe), so a second
# run costs nothing; only the newest build is kept.
#
#   scripts/debug-kernel.sh [--build | --print]
#
# --build (default)  build if needed, then print the line below
# --print            print it only if a build is cached (nothing otherwise)
#
# Output: "<kver> <build dir> <bzImage> <build seconds>", the build dir being
# what an out-of-tree module builds against (make -C DIR M=...).
set -euo pipefail

. "$(dirname "$0")/lib.sh"

# bump when the recipe below changes in a way the hash cannot see
RECIPE=2
FRAGMENT="$VMI_TOP/scripts/debug-kernel.config"
BASE="$VMI_CACHE/debug-kernel"

tarball() {
	find /usr/src -maxdepth 1 -name 'linux-source-6.12.tar.*' | sort -V | tail -n 1
}

config_hash() {
	local tb=$1
	{
		echo "recipe $RECIPE"
		basename "$tb"
		stat -c %s "$tb"
		cat "$FRAGMENT"
		gcc --version | head -n 1
	} | sha256sum | cut -c1-16
}

print_cached() {
	local dir=$1
	[ -f "$dir/done" ] || return 1
	echo "$(cat "$dir/kver") $dir/build $dir/build/arch/x86/boot/bzImage $(cat "$dir/build-secs")"
}

# Every =y/=n line of the fragment must have survived olddefconfig: a
# detector Kconfig silently dropped would make the debug run prove nothing.
check_config() {
	local config=$1 line sym want missing=0
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*)
			sym=${line%%=*}
			want=$line
			;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }
			sym=${sym%% *}
			want="# $sym is not set"
			;;
		*) continue ;;
		esac
		if ! grep -qxF -- "$want" "$config"; then
			# "not set" is also met by a symbol that no longer exists
			if [[ $want == "# "* ]] && ! grep -q "^$sym=" "$config"; then
				continue
			fi
			log "debug kernel config: wanted '$want', got '$(grep -E "^(# )?${sym}[= ]" "$config" || echo absent)'"
			missing=$((missing + 1))
		fi
	done <"$FRAGMENT"
	[ $missing = 0 ]
}

build() {
	local tb=$1 dir=$2 start jobs
	rm -rf "$dir"
	mkdir -p "$dir/src" "$dir/build"
	start=$(date +%s)
	log "extracting $(basename "$tb") into ${dir#"$VMI_CACHE"/}/src"
	tar -C "$dir/src" --strip-components=1 -xf "$tb"
	log "configuring: x86_64_defconfig + ${FRAGMENT#"$VMI_TOP"/}"
	make -s -C "$dir/src" O="$dir/build" x86_64_defconfig >"$dir/build.log" 2>&1
	"$dir/src/scripts/kconfig/merge_config.sh" -m -O "$dir/build" \
		"$dir/build/.config" "$FRAGMENT" >>"$dir/build.log" 2>&1
	make -s -C "$dir/src" O="$dir/build" olddefconfig >>"$dir/build.log" 2>&1
	check_config "$dir/build/.config" || die "the debug kernel config lost options (above)"
	jobs=$(nproc)
	log "building the debug kernel with $jobs jobs (log: ${dir#"$VMI_CACHE"/}/build.log; 20 to 50 min on 2 cores)"
	if ! make -C "$dir/src" O="$dir/build" -j"$jobs" bzImage modules \
		KBUILD_BUILD_USER=vminspect KBUILD_BUILD_HOST=debug >>"$dir/build.log" 2>&1; then
		tail -n 30 "$dir/build.log" >&2
		die "building the debug kernel failed"
	fi
	make -s -C "$dir/src" O="$dir/build" kernelrelease >"$dir/kver"
	echo $(($(date +%s) - start)) >"$dir/build-secs"
	# the objects of vmlinux are not needed to build a module against it
	find "$dir/build" -name '*.o' ! -path '*/scripts/*' -delete
	touch "$dir/done"
	log "debug kernel $(cat "$dir/kver") built in $(cat "$dir/build-secs") s"
}

main() {
	local mode=build tb hash dir old
	case "${1:-}" in
	"" | --build) ;;
	--print) mode=print ;;
	*) die "usage: $0 [--build | --print]" ;;
	esac
	tb=$(tarball)
	if [ -z "$tb" ]; then
		[ $mode = print ] && exit 0
		die "no /usr/src/linux-source-6.12.tar.*: run scripts/deps.sh source"
	fi
	hash=$(config_hash "$tb")
	dir="$BASE/$hash"
	if [ $mode = print ]; then
		print_cached "$dir" || true
		exit 0
	fi
	mkdir -p "$BASE"
	exec 9>"$BASE/.lock"
	flock 9
	if ! print_cached "$dir"; then
		build "$tb" "$dir"
		# older builds go once this one stands
		for old in "$BASE"/*/; do
			[ "$old" = "$dir/" ] || rm -rf "$old"
		done
		print_cached "$dir"
	fi
}

main "$@"
