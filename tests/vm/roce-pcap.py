#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Decode a pcap of a test link (CCM_VM_PCAP=1 tests/vm/run.sh ...).

    tests/vm/roce-pcap.py DIR/<case>/node1.pcap [T0]

One line per frame: milliseconds since the first frame (or since T0, in the
file's seconds; QEMU stamps frames with the guest's virtual clock, so two
nodes' files have different time bases), then ARP, or for RoCEv2 (UDP 4791)
source > destination, the BTH opcode, destination QP, PSN, AckReq bit, and
for ACKs and READ responses the AETH syndrome and MSN. Same PSN seen twice
from one side: a retransmission.
"""
import struct
import sys

OPS = {
    0x00: 'SEND_FIRST', 0x01: 'SEND_MID', 0x02: 'SEND_LAST',
    0x04: 'SEND_ONLY', 0x05: 'SEND_ONLY_IMM', 0x06: 'WRITE_FIRST',
    0x07: 'WRITE_MID', 0x08: 'WRITE_LAST', 0x0a: 'WRITE_ONLY',
    0x0b: 'WRITE_ONLY_IMM', 0x0c: 'READ_REQ', 0x0d: 'READ_RESP_FIRST',
    0x0e: 'READ_RESP_MID', 0x0f: 'READ_RESP_LAST', 0x10: 'READ_RESP_ONLY',
    0x11: 'ACK', 0x64: 'UD_SEND_ONLY(CM)',
}
AETH_OPS = (0x0d, 0x0f, 0x10, 0x11)


def u24(b):
    return struct.unpack('>I', b'\0' + b)[0]


def frames(path):
    with open(path, 'rb') as f:
        data = f.read()
    off = 24                    # pcap global header (little-endian, usec)
    while off + 16 <= len(data):
        sec, usec, incl, _ = struct.unpack('<IIII', data[off:off + 16])
        off += 16
        yield sec + usec / 1e6, data[off:off + incl]
        off += incl


def describe(pkt):
    if len(pkt) < 14:
        return None
    ethertype = struct.unpack('>H', pkt[12:14])[0]
    if ethertype == 0x0806:
        return 'ARP from %s' % pkt[6:12].hex(':')
    if ethertype != 0x0800:
        return None
    ip = pkt[14:]
    ihl = (ip[0] & 15) * 4
    src = '.'.join(map(str, ip[12:16]))
    dst = '.'.join(map(str, ip[16:20]))
    if ip[9] != 17:
        return 'IP proto %d %s > %s' % (ip[9], src, dst)
    udp = ip[ihl:]
    if struct.unpack('>H', udp[2:4])[0] != 4791:
        return 'UDP %s > %s' % (src, dst)
    bth = udp[8:20]
    op = bth[0]
    line = '%s > %s %s qp=%d psn=%d ackreq=%d' % (
        src, dst, OPS.get(op, hex(op)), u24(bth[5:8]), u24(bth[9:12]),
        bth[8] >> 7)
    if op in AETH_OPS:
        line += ' aeth=%02x msn=%d' % (udp[20], u24(udp[21:24]))
    return line


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    rows = [(t, describe(p)) for t, p in frames(sys.argv[1])]
    rows = [(t, d) for t, d in rows if d]
    if not rows:
        return
    t0 = float(sys.argv[2]) if len(sys.argv) == 3 else rows[0][0]
    for t, d in rows:
        print('%10.3f ms  %s' % ((t - t0) * 1000, d))


if __name__ == '__main__':
    main()
