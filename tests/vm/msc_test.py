#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Unit tests of msc.py on small synthetic traces (python3 msc.py
--self-test, or python3 -m unittest from this directory): the causal
alignment finds the true offset, refuses a trace that contradicts
causality or bounds it from one side only, and the chart parses."""

import os
import sys
import unittest
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import msc  # noqa: E402

# node 2's clock runs this much behind node 1's: node-1 time = node-2
# time + D (ms)
D = -375.0


def rec(t_ms, what):
    return ('    kworker/u2:0-9       [000] .....  %12.6f: %s'
            % (t_ms / 1000.0, what))


def tr(gen, frm, to, ev):
    return 'ccm_fsm_transition: link=0 generation=%d %s -> %s on %s' % (
        gen, frm, to, ev)


def post(gen, op):
    return 'ccm_rdma_post: link=0 generation=%d op=%s' % (gen, op)


def compl(gen, op, status=0):
    return 'ccm_rdma_completion: link=0 generation=%d op=%s status=%d' % (
        gen, op, status)


def handshake(lag=2.0):
    """Node 1 waits, node 2 reads, writes, reads again, writes state 5.
    Times are node 1's; node 2's records get -D. lag: how long a write
    takes to be seen by the partner."""
    n1 = [(1000.0, tr(2, 'WAITING', 'INITIAL', 'TIMEOUT')),
          (1000.3, tr(0, 'INITIAL', 'READ1', 'START')),
          (1005.0, tr(3, 'READ1', 'WAITING', 'UNREACHABLE'))]
    n2 = [(1990.0, tr(1, 'WAITING', 'INITIAL', 'TIMEOUT')),
          (1990.2, tr(0, 'INITIAL', 'READ1', 'START'))]
    n1 += [(2000.0, compl(4, 'reg_mr'))]
    n2 += [(2003.0, post(4, 'read')),
           (2003.5, compl(4, 'reg_mr')),
           (2003.6, compl(4, 'descriptor_send')),
           (2004.0, compl(4, 'read')),
           (2004.1, tr(4, 'READ1', 'WRITE1', 'READ_OK')),
           (2004.2, post(4, 'write'))]
    n1 += [(2004.5, compl(4, 'descriptor_recv'))]
    n2 += [(2005.5, compl(4, 'write')),
           (2005.6, tr(4, 'WRITE1', 'READ2', 'WRITE_OK')),
           (2005.7, post(4, 'read')),
           (2006.2, compl(4, 'read')),
           (2006.3, tr(4, 'READ2', 'WRITE2', 'READ_OK')),
           (2006.4, post(4, 'write')),
           (2006.4 + lag + 1.0, compl(4, 'write')),
           (2006.4 + lag + 1.1, tr(4, 'WRITE2', 'WRITE2_DONE', 'WRITE_OK'))]
    t = 2006.4 + lag
    n1 += [(t, tr(4, 'WAITING', 'WRITE2_PEER', 'PEER_STATE5')),
           (t + 0.2, post(4, 'write')),
           (t + 0.5, compl(4, 'doorbell')),
           (t + lag + 1.0, compl(4, 'write')),
           (t + lag + 1.1, tr(4, 'WRITE2_PEER', 'CONNECTED', 'WRITE_OK')),
           (t + lag + 1.2, post(4, 'write')),
           (t + 2 * lag + 2.0, compl(4, 'write')),
           (t + 100.0, post(4, 'heartbeat')),
           (t + 101.0, compl(4, 'heartbeat'))]
    u = t + 0.2 + lag
    n2 += [(u, tr(4, 'WRITE2_DONE', 'CONNECTED', 'PEER_STATE5')),
           (u + 0.1, post(4, 'write')),
           (u + 0.4, compl(4, 'doorbell')),
           (u + lag + 1.0, compl(4, 'write'))]
    return ([rec(t, w) for t, w in sorted(n1)],
            [rec(t - D, w) for t, w in sorted(n2)])


class Alignment(unittest.TestCase):
    def test_true_offset_inside(self):
        l1, l2 = handshake()
        n1, n2, cons, gen, lo, hi = msc.build(l1, l2)
        self.assertEqual(gen, 4)
        self.assertLessEqual(lo, D)
        self.assertGreaterEqual(hi, D)
        kinds = {c.kind for c in cons}
        self.assertEqual(kinds, {'mailbox', 'doorbell', 'accept'})
        self.assertEqual(msc.check(n1, n2, gen, cons, (lo + hi) / 2), [])

    def test_write_messages_from_the_table(self):
        l1, l2 = handshake()
        n1, n2 = msc.build(l1, l2)[:2]
        w2 = [e.msg for e in n2.evs if e.kind == 'post' and e.op == 'write']
        w1 = [e.msg for e in n1.evs if e.kind == 'post' and e.op == 'write']
        self.assertEqual(w2, ['state 2', 'state 5', 'complete'])
        self.assertEqual(w1, ['state 5', 'complete'])
        r2 = [e.nr for e in n2.evs if e.kind == 'post' and e.op == 'read']
        self.assertEqual(r2, [1, 2])

    def test_inconsistent_refused(self):
        l1, l2 = handshake()
        # node 1 sees node 2's "state 5" 50 ms before node 2 posts it,
        # while node 1's own "state 5" reaches node 2 after it was posted
        bad = []
        for ln in l1:
            if 'WAITING -> WRITE2_PEER' in ln:
                ln = rec(1950.0, tr(4, 'WAITING', 'WRITE2_PEER',
                                    'PEER_STATE5'))
            bad.append(ln)
        with self.assertRaisesRegex(msc.MscError, 'inconsistent'):
            msc.build(bad, l2)

    def test_one_direction_refused(self):
        l1, l2 = handshake()
        cons = msc.build(l1, l2)[2]
        from_1 = [c for c in cons if c.cause.node == 1]
        from_2 = [c for c in cons if c.cause.node == 2]
        self.assertTrue(from_1 and from_2)
        for one in (from_1, from_2):
            with self.assertRaisesRegex(msc.MscError, 'both directions'):
                msc.align(one)
        with self.assertRaisesRegex(msc.MscError, 'both directions'):
            msc.align([])

    def test_effect_without_cause_refused(self):
        l1, l2 = handshake()
        l2b = [ln for ln in l2 if 'ccm_rdma_post' not in ln]
        with self.assertRaisesRegex(msc.MscError, 'traced no such WRITE'):
            msc.build(l1, l2b)

    def test_not_connected(self):
        l1, l2 = handshake()
        l2b = [ln for ln in l2 if '-> CONNECTED' not in ln]
        with self.assertRaisesRegex(msc.MscError, 'no generation connected'):
            msc.build(l1, l2b)


class Input(unittest.TestCase):
    def test_console_lines(self):
        l1, l2 = handshake()
        c1 = ['junk', '[   12.3] ccm: something'] + [
            'CCMT-TRACE node=1 %s\r' % ln for ln in l1]
        c2 = ['CCMT-TRACE node=2 %s' % ln for ln in l2] + [
            'CCMT-TRACE-END node=2']
        lo, hi = msc.build(c1, c2)[4:]
        self.assertLessEqual(lo, D)
        self.assertGreaterEqual(hi, D)

    def test_wrong_node_refused(self):
        l1, l2 = handshake()
        c2 = ['CCMT-TRACE node=1 %s' % ln for ln in l2]
        with self.assertRaises(msc.MscError):
            msc.build(l1, c2)

    def test_state_not_in_table_refused(self):
        l1, l2 = handshake()
        l2b = [ln.replace('READ2 -> WRITE2 on', 'READ2 -> CONNECTED on')
               for ln in l2]
        with self.assertRaisesRegex(msc.MscError, 'not in the transition'):
            msc.build(l1, l2b)


class Chart(unittest.TestCase):
    def test_svg_parses_and_shows_everything(self):
        l1, l2 = handshake()
        n1, n2, cons, gen, lo, hi = msc.build(l1, l2)
        svg = msc.draw(n1, n2, (lo + hi) / 2, lo, hi, cons, gen, 'test')
        root = ET.fromstring(svg)
        text = ' '.join(t.text or '' for t in root.iter()
                        if t.tag.endswith('text') or t.tag.endswith('tspan'))
        for s in ('READ1 (1)', 'WRITE1 (2)', 'WAITING (3)', 'READ2 (4)',
                  'WRITE2 (5)', 'CONNECTED', 'WRITE "state 2"',
                  'READ 1 of the sentinel', 'clock alignment'):
            self.assertIn(s, text)

    def test_arrows_never_point_back(self):
        l1, l2 = handshake()
        n1, n2, cons, gen, lo, hi = msc.build(l1, l2)
        d = (lo + hi) / 2
        for c in cons:
            tc = c.cause.t + (d if c.cause.node == 2 else 0)
            te = c.effect.t + (d if c.effect.node == 2 else 0)
            self.assertLessEqual(tc, te)


if __name__ == '__main__':
    unittest.main()
