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
export VMI_TOP VMI_CACHE VMI_IMAGES CODENAME

log() { printf '[vminspect] %s\n' "$*" >&2; }
die() { printf '[vminspect] error: %s\n' "$*" >&2; exit 1; }
