#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Print the version of Debian's stock kernel (the one linux-image-amd64
# depends on). The answer is cached in $CCM_CACHE/kver for an hour so that
# every make invocation does not ask apt.
set -eu
cache=${CCM_CACHE:-/var/cache/ccm}
mkdir -p "$cache"
f=$cache/kver
if [ -s "$f" ] && [ -n "$(find "$f" -mmin -60 2>/dev/null)" ]; then
	cat "$f"
	exit 0
fi
kver=$(apt-cache depends linux-image-amd64 2>/dev/null |
	sed -n 's/^ *Depends: linux-image-\([0-9][^ ]*\)$/\1/p' | head -n 1)
if [ -z "$kver" ]; then
	apt-get update -qq >/dev/null 2>&1 || true
	kver=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-\([0-9][^ ]*\)$/\1/p' | head -n 1)
fi
if [ -z "$kver" ]; then
	# Offline fallback: the newest stock headers already installed.
	kver=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V |
		tail -n 1 | sed 's,.*/linux-headers-,,')
fi
[ -n "$kver" ] || { echo "kver.sh: cannot resolve the Debian kernel version" >&2; exit 1; }
echo "$kver" > "$f"
echo "$kver"
