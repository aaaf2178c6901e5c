#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Static checks, one test each: W=1 + sparse build, checkpatch --strict,
# kernel-doc -v (every warning), the sysfs ABI, the reST documents parse,
# and tests/vm/msc.py's unit tests on synthetic traces (no guest needed).
# Uses the kernel tree tests/kunit/run.sh unpacks (for checkpatch.pl and
# kernel-doc); ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
CCM_CACHE=${CCM_CACHE:-/var/cache/ccm}
pass=0
fail=0
ok() { echo "PASS $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1"; fail=$((fail + 1)); }

command -v sparse >/dev/null || apt-get install -y -qq sparse >/dev/null
ksrc=$(ls -d "$CCM_CACHE"/linux-source-*/ 2>/dev/null | sort -V | tail -n 1)
srcs=$(git ls-files '*.c' '*.h' 2>/dev/null || ls ./*.c ./*.h)

out=$(make vmtest-build W=1 C=2 2>&1)
if echo "$out" | grep -E 'warning:|error:|Error [0-9]'; then
	ko "build W=1 C=2 (sparse)"
else
	ok "build W=1 C=2 (sparse)"
fi

if [ -n "$ksrc" ] && [ -f "$ksrc/scripts/checkpatch.pl" ]; then
	# shellcheck disable=SC2086
	out=$(perl "$ksrc/scripts/checkpatch.pl" --no-tree --strict --terse \
		--show-types -f $srcs 2>&1 | grep -E 'ERROR|WARNING|CHECK')
	if [ -n "$out" ]; then
		echo "$out"
		ko "checkpatch --strict"
	else
		ok "checkpatch --strict"
	fi
	# shellcheck disable=SC2086
	out=$(perl "$ksrc/scripts/kernel-doc" -v -none $(echo "$srcs" | grep '\.c$') \
		include/ccm/ccm.h 2>&1 | grep -E ': (warning|error):')
	if [ -n "$out" ]; then
		echo "$out"
		ko "kernel-doc -none"
	else
		ok "kernel-doc -none"
	fi
else
	echo "no kernel source tree in $CCM_CACHE (tests/kunit/run.sh unpacks it)"
	ko "checkpatch --strict"
	ko "kernel-doc -none"
fi
# Every sysfs file the code creates is documented in the ABI file.
abi=Documentation/ABI/testing/sysfs-kernel-ccm
missing=
for f in $(sed -n 's/^CCM_PEER_ATTR_RO(\(.*\));/\1/p' ccm_sysfs.c); do
	grep -q "^What:.*/sys/kernel/ccm/$f\$" "$abi" || missing="$missing $f"
done
for f in $(sed -n 's/^CCM_CS_ATTR(\(.*\));/\1/p' ccm_clients.c); do
	grep -q "^What:.*/sys/kernel/ccm/clients/<name>/$f\$" "$abi" || missing="$missing clients/$f"
done
for f in $(sed -n '/ccm_stat_names\[/,/^};/s/.*= "\(.*\)",/\1/p' ccm_path.c) \
	 $(sed -n '/ccm_pstat_names\[/,/^};/s/.*= "\(.*\)",/\1/p' ccm_peer.c); do
	grep -q "^What:.*/sys/kernel/ccm/counters/$f\$" "$abi" || missing="$missing counters/$f"
done
for f in $(sed -n 's/^CCM_LINK_ATTR_RO(\(.*\));/\1/p' ccm_sysfs.c) counters/; do
	grep -q "^What:.*/sys/kernel/ccm/links/<n>/$f\$" "$abi" || missing="$missing links/<n>/$f"
done
if [ -n "$missing" ]; then
	echo "not in $abi:$missing"
	ko "sysfs ABI documented"
else
	ok "sysfs ABI documented"
fi

# The reST documents parse (the tables above all); kernel-doc directives
# are Sphinx's, left to a kernel docs build.
python3 -c 'import docutils' 2>/dev/null || apt-get install -y -qq python3-docutils >/dev/null
out=$(python3 - Documentation/*.rst <<'PY' 2>&1
import io, sys
import docutils.core
from docutils.parsers.rst import Directive, directives
class KernelDoc(Directive):
    required_arguments = 1
    option_spec = {'export': directives.flag, 'internal': directives.flag,
                   'identifiers': directives.unchanged}
    def run(self):
        return []
directives.register_directive('kernel-doc', KernelDoc)
for f in sys.argv[1:]:
    err = io.StringIO()
    with open(f) as fh:
        docutils.core.publish_doctree(fh.read(), source_path=f, settings_overrides={
            'warning_stream': err, 'report_level': 2, 'halt_level': 5})
    sys.stdout.write(err.getvalue())
PY
)
if [ -n "$out" ]; then
	echo "$out"
	ko "reST documents parse"
else
	ok "reST documents parse"
fi

# The handshake's sequence chart (make demo, the observability case): the
# causal clock alignment finds a known offset and refuses traces that
# contradict causality or bound it from one side only; the SVG parses.
if out=$(python3 -B tests/vm/msc.py --self-test 2>&1); then
	ok "msc.py on synthetic traces"
else
	echo "$out"
	ko "msc.py on synthetic traces"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
