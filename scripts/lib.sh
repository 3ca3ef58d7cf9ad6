# SPDX-License-Identifier: GPL-2.0
# Shared helpers for vminspect's scripts (sourced, not run).
# shellcheck shell=bash

VMI_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Downloads, chroots and extracted sources live outside the repository.
VMI_CACHE=${VMI_CACHE:-/var/cache/vminspect}
CODENAME=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
export VMI_TOP VMI_CACHE CODENAME

log() { printf '[vminspect] %s\n' "$*" >&2; }
die() { printf '[vminspect] error: %s\n' "$*" >&2; exit 1; }
