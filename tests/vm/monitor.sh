#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Send one HMP command to a running test guest's QEMU monitor and print the reply.
#   tests/vm/monitor.sh CASE NODE 'set_link n0 off'
# (monitor sockets: ${CCM_VM_RESULTS:-/tmp/ccm-vmtest}/CASE/nodeN.mon)
set -eu
[ $# -eq 3 ] || { echo "usage: $0 CASE NODE COMMAND" >&2; exit 2; }
sock=${CCM_VM_RESULTS:-/tmp/ccm-vmtest}/$1/node$2.mon
[ -S "$sock" ] || { echo "monitor.sh: no socket $sock" >&2; exit 1; }
exec perl -MIO::Socket::UNIX -e '
	my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or die "connect $ARGV[0]: $!\n";
	$s->autoflush(1);
	my $buf = ""; my $rin = ""; vec($rin, fileno($s), 1) = 1;
	my $read = sub { my $t = shift; my $out = "";
		while (select(my $r = $rin, undef, undef, $t)) {
			sysread($s, my $b, 65536) or last; $out .= $b; $t = 0.3 } $out };
	$read->(2);                        # banner + prompt
	print $s "$ARGV[1]\n";
	my $out = $read->(5);
	$out =~ s/\e\[[0-9;]*[A-Za-z]//g; $out =~ s/\r//g;
	$out =~ s/^[^\n]*\n//; $out =~ s/\(qemu\) ?$//; print $out;
' "$sock" "$3"
