#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make deb: build the Debian packages vminspect and vminspect-dkms into
# build/deb/ with dpkg-buildpackage, from a copy of the source tree
# (build/deb/src), so that the tree itself is left as it was.
#
#   scripts/make-deb.sh
#
# The copy holds the files git knows plus the new ones it does not ignore
# (a tree without git is copied whole but build/).  The version is the
# top-level file VERSION: where debian/changelog or another file disagrees
# (scripts/lint.sh version), this stops before building.
set -euo pipefail

. "$(dirname "$0")/lib.sh"

OUT=$VMI_TOP/build/deb
SRC=$OUT/src

# the NUL-separated names of stdin that exist
present() {
	local f
	while IFS= read -r -d '' f; do
		if [ -e "$f" ]; then
			printf '%s\0' "$f"
		fi
	done
}

copy_tree() {
	rm -rf "$SRC"
	mkdir -p "$SRC"
	if git -C "$VMI_TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		# deleted but not yet committed files are listed and absent: skip them
		(cd "$VMI_TOP" && git ls-files -z -co --exclude-standard | present |
			tar --null -T - -cf -) | tar -C "$SRC" -xf -
	else
		tar -C "$VMI_TOP" --exclude=./build -cf - . | tar -C "$SRC" -xf -
	fi
}

main() {
	local version out missing=() t
	for t in dpkg-buildpackage dh dh_dkms fakeroot; do
		command -v "$t" >/dev/null || missing+=("$t")
	done
	[ ${#missing[@]} -eq 0 ] || die "missing ${missing[*]}: run scripts/deps.sh host"
	out=$("$VMI_TOP/scripts/lint.sh" version) || {
		printf '%s\n' "$out" >&2
		die "the version files disagree with VERSION"
	}
	version=$(cat "$VMI_TOP/VERSION")

	mkdir -p "$OUT"
	rm -f "$OUT"/*.deb "$OUT"/*.ddeb "$OUT"/*.changes "$OUT"/*.buildinfo
	copy_tree
	log "building vminspect $version packages in $SRC"
	# the results land next to the source directory, i.e. in build/deb
	(cd "$SRC" && dpkg-buildpackage -us -uc -b) >"$OUT/build.log" 2>&1 || {
		tail -n 40 "$OUT/build.log" >&2
		die "dpkg-buildpackage failed, see $OUT/build.log"
	}
	ls "$OUT"/*.deb
}

main "$@"
