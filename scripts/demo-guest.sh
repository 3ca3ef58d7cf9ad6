#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo's guest half: runs inside the VM with the module loaded.
set -euo pipefail

. "$(dirname "$0")/lib.sh"

VMI="$VMI_TOP/tools/vminspect/vminspect"

step() { printf '\n=== %s\n' "$*"; }

step "the module as the kernel sees it"
grep -E '^vminspect ' /proc/modules
ls -l /proc/vminspect/

step "cat /proc/vminspect/status  (stable 'key value' lines)"
cat /proc/vminspect/status

step "vminspect status"
"$VMI" status

step "vminspect status --json"
"$VMI" status --json

step "the same, as an unprivileged user: no PFNs, only its own processes"
setpriv --reuid=65534 --regid=65534 --clear-groups "$VMI" status
