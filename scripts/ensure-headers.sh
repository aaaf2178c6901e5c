#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Make sure Debian's headers for kernel $1 are installed; print the build dir.
set -eu
kver=$1
dir=/usr/src/linux-headers-$kver
if [ ! -f "$dir/Makefile" ]; then
	echo "ensure-headers: installing linux-headers-$kver" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "linux-headers-$kver" >&2 ||
		{ apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "linux-headers-$kver" >&2; }
fi
echo "$dir"
