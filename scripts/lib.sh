# SPDX-License-Identifier: GPL-2.0
# Shared helpers for vminspect's scripts (sourced, not run).
# shellcheck shell=bash

VMI_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Downloads, chroots and extracted sources live outside the repository.
VMI_CACHE=${VMI_CACHE:-/var/cache/vminspect}
# Unpacked kernel images whose modules a guest must see: virtme-ng guests
# mount a tmpfs over /var/cache, so these live under /opt.
VMI_IMAGES=${VMI_IMAGES:-/opt/vminspect}
CODENAME=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
# parallel jobs of a module build: one per host CPU
JOBS=${VMI_JOBS:-$(nproc)}
export VMI_TOP VMI_CACHE VMI_IMAGES CODENAME JOBS

log() { printf '[vminspect] %s\n' "$*" >&2; }
die() { printf '[vminspect] error: %s\n' "$*" >&2; exit 1; }

# Print "URI KEYRING" of the machine's Debian main archive, from its apt
# sources (no mirror host is written in the scripts).
base_mirror() {
	local f uri="" keyring=""
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		uri=$(awk -v cn="$CODENAME" '
			/^$/ { if (u != "" && s ~ "(^| )" cn "( |$)") { print u; exit } u=""; s="" }
			/^URIs:/ { u=$2 } /^Suites:/ { $1=""; s=$0 }
			END { if (u != "" && s ~ "(^| )" cn "( |$)") print u }' "$f" | head -n 1)
		if [ -n "$uri" ]; then
			keyring=$(awk '/^Signed-By:/ { print $2; exit }' "$f")
			break
		fi
	done
	if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
		uri=$(awk -v cn="$CODENAME" '$1 == "deb" {
			for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /=/) { u = $i; break }
			if ($(i + 1) == cn) { print u; exit } }' /etc/apt/sources.list)
	fi
	[ -n "$uri" ] || die "no apt source for $CODENAME found"
	[ -n "$keyring" ] || keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	echo "$uri $keyring"
}
