#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# dracut pre-mount hook: load ccm before the root file system is mounted.
# Networking (ip=..., rd.neednet=1) is up by now; dracut brings it up.
# See /usr/lib/ccm/ccm-early.sh for the settings.
if [ -r /usr/lib/ccm/ccm-early.sh ]; then
	# shellcheck disable=SC1091
	. /usr/lib/ccm/ccm-early.sh
	ccm_early_main
fi
