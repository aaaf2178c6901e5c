#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Draw a two-node ccm handshake as a message sequence chart (SVG).

    tests/vm/msc.py [-o OUT.svg] [--check] [--timeline] NODE1 NODE2
    tests/vm/msc.py --self-test

NODE1 and NODE2 are node 1's and node 2's ccm trace records: a guest's
console log (its "CCMT-TRACE node=N <record>" lines, guest-lib.sh's
ccm_trace_dump) or a plain tracefs trace. Each node stamps its records with
its own clock; node 2's are put on node 1's time line by an offset d
(node-1 time = node-2 time + d) chosen from what causality imposes, never
from the guests' start times:

  mailbox   the partner's "state 5" (or "complete") in a node's mailbox
            moves its FSM (a transition "on PEER_STATE5" / "on
            PEER_COMPLETE" of the connected generation): the partner had
            posted that WRITE before (its first such post of the
            generation; the mailbox check takes only that generation's
            and the partner's epoch's messages).
  doorbell  a node's "doorbell" receive completion (immediate data)
            comes after the partner posted its "state 5" WRITE: in the
            handshake only that write carries immediate data.
  accept    the passive side handles its sentinel's REG_MR completion
            before it accepts the connection (ccm_conn_accept()), so
            before the active side, established, posts its first READ of
            the generation. Used only when the roles are plain (one side
            received the descriptor, the other sent it).

Every constraint is "a traced event on one node is no later than a
traced event on the other", a bound on d from below (node 1 -> node 2)
or from above (node 2 -> node 1). d is the middle of the feasible
interval; the chart shows its half-width. No bound from one direction, or
an empty interval (the traces contradict causality), is an error (exit
status 1). --check also requires both nodes to reach connected on the
same generation, every handshake state (1 to 5) entered by one of them,
every partner-caused transition to have its WRITE in the partner's trace
and, once aligned, to come after it. A READ is one-sided: the partner's
NIC answers it, its CPU takes no part, so a READ gives no bound of its
own (what it read is not traced).

Only the first handshake that reaches connected is drawn (each node's
records up to its leaving connected), on link 0 (--link). Standard
library only; the SVG is checked to parse before it is written.
"""

import argparse
import os
import re
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
TABLE = os.path.join(HERE, '..', '..', 'ccm_fsm_table.h')

# The five numbered states (Documentation/ccm.rst) and their names.
PATENT = {'READ1': 1, 'WRITE1': 2, 'WAITING': 3, 'READ2': 4,
          'WRITE2': 5, 'WRITE2_DONE': 5, 'WRITE2_PEER': 5}
MEANING = {'INITIAL': 'not started', 'READ1': 'attempting read',
           'WRITE1': 'attempting write', 'WAITING': 'waiting on partner',
           'READ2': 'attempting read (2nd)',
           'WRITE2': 'attempting write (2nd)',
           'WRITE2_DONE': 'state 5, our write done',
           'WRITE2_PEER': "state 5, partner's seen",
           'CONNECTED': 'connected', 'ERROR': 'error'}
COLOR = {'INITIAL': '#eeeeee', 'READ1': '#9ecae1', 'WRITE1': '#fdd0a2',
         'WAITING': '#d9d9d9', 'READ2': '#4292c6', 'WRITE2': '#fd8d3c',
         'WRITE2_DONE': '#e6550d', 'WRITE2_PEER': '#f16913',
         'CONNECTED': '#74c476', 'ERROR': '#fb6a4a'}
MSG = {'CCM_ACT_WRITE_STATE2': 'state 2', 'CCM_ACT_WRITE_STATE5': 'state 5',
       'CCM_ACT_WRITE_COMPLETE': 'complete'}

REC_RE = re.compile(r'\s(\d+\.\d+):\s+(ccm_[a-z_]+):\s*(.*?)\s*$')
TRANS_RE = re.compile(r'link=(\d+) generation=(\d+) (\w+) -> (\w+) on (\w+)')
POST_RE = re.compile(r'link=(\d+) generation=(\d+) op=(\w+)')
COMPL_RE = re.compile(r'link=(\d+) generation=(\d+) op=(\w+) status=(-?\d+)')
CONSOLE_RE = re.compile(r'CCMT-TRACE node=(\d+) (.*)$')
# RDMA operation events: the kind of Ev each gives, and its body's pattern
RDMA_OPS = {'ccm_rdma_post': ('post', POST_RE),
            'ccm_rdma_completion': ('compl', COMPL_RE)}


class MscError(Exception):
    """Input or alignment that cannot give a true chart."""


def load_table(path=TABLE):
    """(state, event) -> (next, set of actions), from ccm_fsm_table.h."""
    table = {}
    with open(path, encoding='utf-8') as fh:
        for line in fh:
            m = re.match(r'CCM_T\((\w+), (\w+), (\w+), ([\w |]+)\)', line)
            if m:
                acts = {a.strip() for a in m.group(4).split('|')}
                table[(m.group(1), m.group(2))] = (m.group(3), acts)
    if not table:
        raise MscError('no transitions in %s' % path)
    return table


class Ev:
    """One trace record of one node."""

    def __init__(self, node, t, kind, body):
        self.node = node
        self.t = t                  # ms, the node's own clock
        self.kind = kind            # trans, post, compl, client
        self.link = 0
        self.gen = 0
        self.frm = self.to = self.event = self.op = ''
        self.status = 0
        self.msg = ''               # a write's message: state 2, ...
        self.nr = 0                 # a read's number: 1 or 2
        self.done = None            # a post's completion (Ev)
        self.effect = None          # a write's first effect on the partner
        self.body = body

    def __repr__(self):
        return 'node%d %.3f %s %s' % (self.node, self.t, self.kind,
                                      self.body)


def parse_records(lines, node):
    """Trace records (console or plain trace lines) -> list of Ev."""
    evs = []
    console = any('CCMT-TRACE node=' in ln for ln in lines)
    for ln in lines:
        ln = ln.replace('\r', '')
        if console:
            m = CONSOLE_RE.search(ln)
            if not m:
                continue
            if int(m.group(1)) != node:
                raise MscError('node %d input has a record of node %s'
                               % (node, m.group(1)))
            ln = m.group(2)
        m = REC_RE.search(' ' + ln)
        if not m:
            continue
        t = float(m.group(1)) * 1000.0
        name, body = m.group(2), m.group(3)
        if name == 'ccm_fsm_transition':
            m2 = TRANS_RE.match(body)
            if not m2:
                continue
            e = Ev(node, t, 'trans', body)
            e.link, e.gen = int(m2.group(1)), int(m2.group(2))
            e.frm, e.to, e.event = m2.group(3), m2.group(4), m2.group(5)
        elif name in RDMA_OPS:
            kind, rex = RDMA_OPS[name]
            m2 = rex.match(body)
            if not m2:
                continue
            e = Ev(node, t, kind, body)
            e.link, e.gen, e.op = (int(m2.group(1)), int(m2.group(2)),
                                   m2.group(3))
            if kind == 'compl':
                e.status = int(m2.group(4))
        elif name == 'ccm_client_event':
            e = Ev(node, t, 'client', body)
            e.link = -1
        else:
            continue
        evs.append(e)
    evs.sort(key=lambda x: x.t)
    return evs


class Node:
    """One node's records of the handshake drawn."""

    def __init__(self, num, evs, table, link):
        self.num = num
        self.all = evs
        self.evs = [e for e in evs if e.link in (link, -1)]
        self.table = table
        self.skipped = {}
        trans = [e for e in self.evs if e.kind == 'trans']
        if not trans:
            raise MscError('node %d: no FSM transition traced on link %d'
                           % (num, link))
        # the first handshake that reaches connected, until it is left
        conn = [i for i, e in enumerate(self.evs)
                if e.kind == 'trans' and e.to == 'CONNECTED']
        if conn:
            c = conn[0]
            self.conn_ev = self.evs[c]
            end = len(self.evs)
            for i in range(c + 1, len(self.evs)):
                e = self.evs[i]
                if e.kind == 'trans' and e.frm == 'CONNECTED':
                    end = i
                    break
            self.evs = self.evs[:end]
        else:
            self.conn_ev = None
        self.first_state = trans[0].frm
        self._annotate()

    def _annotate(self):
        """Label writes and reads, pair posts with their completions."""
        pending_msg = []
        state = self.first_state
        inflight = {}
        for e in self.evs:
            if e.kind == 'trans':
                state = e.to
                nxt, acts = self.table.get((e.frm, e.event), (None, set()))
                if nxt is not None and nxt != e.to:
                    raise MscError('node %d: %s -> %s on %s is not in the '
                                   'transition table' % (self.num, e.frm,
                                                         e.to, e.event))
                pending_msg = [MSG[a] for a in sorted(acts) if a in MSG]
            elif e.kind == 'post':
                if e.op == 'write':
                    e.msg = pending_msg.pop(0) if pending_msg else '?'
                elif e.op == 'read':
                    e.nr = 2 if state == 'READ2' else 1
                elif e.op == 'heartbeat':
                    e.msg = 'complete'
                inflight.setdefault((e.gen, e.op), []).append(e)
            elif e.kind == 'compl':
                q = inflight.get((e.gen, e.op))
                if q:
                    q.pop(0).done = e

    def first(self, pred):
        for e in self.evs:
            if pred(e):
                return e
        return None

    def states_entered(self):
        s = {self.first_state}
        s.update(e.to for e in self.evs if e.kind == 'trans')
        return s


class Constraint:
    """cause (on one node) is no later than effect (on the other)."""

    def __init__(self, kind, cause, effect, what):
        self.kind = kind
        self.cause = cause
        self.effect = effect
        self.what = what

    def bound(self):
        """('lo' or 'hi', value) on d, node-1 time = node-2 time + d."""
        if self.cause.node == 1:    # t1 <= t2 + d
            return 'lo', self.cause.t - self.effect.t
        return 'hi', self.effect.t - self.cause.t   # t2 + d <= t1

    def text(self):
        side, v = self.bound()
        return '%-8s node %d %s (%.3f) <= node %d %s (%.3f): d %s %.3f ms' % (
            self.kind, self.cause.node, describe(self.cause), self.cause.t,
            self.effect.node, describe(self.effect), self.effect.t,
            '>=' if side == 'lo' else '<=', v)


def describe(e):
    if e.kind == 'trans':
        return '%s -> %s on %s' % (e.frm, e.to, e.event)
    if e.kind == 'post':
        if e.op == 'write':
            return 'WRITE "%s" posted' % e.msg
        if e.op == 'read':
            return 'READ %d posted' % e.nr
        return '%s posted' % e.op
    if e.kind == 'compl':
        return '%s completion%s' % (e.op, '' if not e.status
                                    else ' (status %d)' % e.status)
    return e.body


def constraints(n1, n2):
    """The causal constraints between the two nodes' records."""
    out = []
    gen = None
    if n1.conn_ev and n2.conn_ev:
        gen = n1.conn_ev.gen if n1.conn_ev.gen == n2.conn_ev.gen else None
    if gen is None:
        return out, gen
    for a, b in ((n1, n2), (n2, n1)):
        def first_post(msgs, a=a):
            return a.first(lambda e: e.kind == 'post' and e.gen == gen and
                           (e.op, e.msg) in msgs)
        state5 = first_post({('write', 'state 5')})
        complete = first_post({('write', 'complete'),
                               ('heartbeat', 'complete')})
        rang = False
        for e in b.evs:
            if e.gen != gen:
                continue
            if e.kind == 'trans' and e.event in ('PEER_STATE5',
                                                  'PEER_COMPLETE'):
                cause = state5 if e.event == 'PEER_STATE5' else complete
                if cause is None:
                    raise MscError(
                        'node %d: %s, but node %d traced no such WRITE of '
                        'generation %d' % (b.num, describe(e), a.num, gen))
                out.append(Constraint('mailbox', cause, e,
                                      'WRITE lands, mailbox polled'))
                if cause.effect is None or cause.effect.t > e.t:
                    cause.effect = e
            elif e.kind == 'compl' and e.op == 'doorbell' and \
                    state5 is not None and not rang:
                # the first is the tightest
                rang = True
                out.append(Constraint('doorbell', state5, e,
                                      'WRITE with immediate data'))
                if state5.effect is None or state5.effect.t > e.t:
                    state5.effect = e
    # accept: the passive side's REG_MR completion, then the active's READ
    roles = {}
    for n in (n1, n2):
        ops = {e.op for e in n.evs if e.kind == 'compl' and e.gen == gen}
        roles[n.num] = ('passive' if 'descriptor_recv' in ops and
                        'descriptor_send' not in ops else
                        'active' if 'descriptor_send' in ops and
                        'descriptor_recv' not in ops else None)
    for p, a in ((n1, n2), (n2, n1)):
        if roles[p.num] != 'passive' or roles[a.num] != 'active':
            continue
        reg = p.first(lambda e: e.kind == 'compl' and e.gen == gen and
                      e.op == 'reg_mr')
        rd = a.first(lambda e: e.kind == 'post' and e.gen == gen and
                     e.op == 'read')
        if reg and rd:
            out.append(Constraint('accept', reg, rd,
                                  'sentinel registered, accepted, read'))
    # one per distinct (cause, effect)
    seen = set()
    uniq = []
    for c in out:
        k = (id(c.cause), id(c.effect))
        if k not in seen:
            seen.add(k)
            uniq.append(c)
    return uniq, gen


def align(cons):
    """Feasible interval of d; MscError when empty or one-sided."""
    lo = [c.bound()[1] for c in cons if c.bound()[0] == 'lo']
    hi = [c.bound()[1] for c in cons if c.bound()[0] == 'hi']
    if not lo or not hi:
        raise MscError('clock alignment: %d constraints from node 1 to node '
                       '2 and %d from node 2 to node 1; need both directions'
                       % (len(lo), len(hi)))
    a, b = max(lo), min(hi)
    if a > b:
        raise MscError('clock alignment: inconsistent: d >= %.3f ms but '
                       'd <= %.3f ms (the traces contradict causality)'
                       % (a, b))
    return a, b


def check(n1, n2, gen, cons, d):
    """--check: what a correct first handshake must show."""
    errs = []
    for n in (n1, n2):
        if n.conn_ev is None:
            errs.append('node %d never reached CONNECTED' % n.num)
    if gen is None and not errs:
        errs.append('the nodes connected on different generations (%d, %d)'
                    % (n1.conn_ev.gen, n2.conn_ev.gen))
    seen = {PATENT[s] for n in (n1, n2) for s in n.states_entered()
            if s in PATENT}
    missing = sorted({1, 2, 3, 4, 5} - seen)
    if missing:
        errs.append('handshake states never entered: %s'
                    % ', '.join(str(x) for x in missing))
    for n in (n1, n2):
        for s in (1, 5):
            if not any(PATENT.get(x) == s for x in n.states_entered()):
                errs.append('node %d never in state %d' % (n.num, s))
    for c in cons:
        tc = c.cause.t + (d if c.cause.node == 2 else 0)
        te = c.effect.t + (d if c.effect.node == 2 else 0)
        if tc > te:
            errs.append('after alignment %s comes after %s'
                        % (describe(c.cause), describe(c.effect)))
    if not any(c.kind == 'mailbox' for c in cons):
        errs.append('no transition caused by the partner\'s WRITE')
    return errs


# ---------------------------------------------------------------- drawing

def esc(s):
    return (s.replace('&', '&amp;').replace('<', '&lt;')
            .replace('>', '&gt;').replace('"', '&quot;'))


class Chart:
    """A vertical time axis: rows at event times, long gaps cut short."""

    PX_MS = 4.0         # px per ms for short gaps
    MIN_DY = 15.0       # px between two events
    MAX_DY = 150.0      # a longer gap is cut (break mark)
    BREAK_DY = 44.0

    def __init__(self, times, top):
        self.times = sorted(set(times))
        self.y = {}
        self.breaks = []
        y = top
        prev = None
        for t in self.times:
            if prev is not None:
                dy = (t - prev) * self.PX_MS
                if dy > self.MAX_DY:
                    self.breaks.append((y, y + self.BREAK_DY, t - prev))
                    dy = self.BREAK_DY
                y += max(dy, self.MIN_DY)
            self.y[t] = y
            prev = t
        self.bottom = y

    def at(self, t):
        """y of a time: rows exactly, between rows linearly."""
        if t in self.y:
            return self.y[t]
        ts = self.times
        if t <= ts[0]:
            return self.y[ts[0]]
        if t >= ts[-1]:
            return self.y[ts[-1]]
        lo, hi = 0, len(ts) - 1
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if ts[mid] <= t:
                lo = mid
            else:
                hi = mid
        a, b = ts[lo], ts[hi]
        return self.y[a] + (self.y[b] - self.y[a]) * (t - a) / (b - a)


def draw(n1, n2, d, lo, hi, cons, gen, title, tail_ms=25.0):
    """The SVG text."""
    X = {1: 470.0, 2: 850.0}
    side = {1: -1, 2: 1}
    width = 1270
    shift = {1: 0.0, 2: d}

    def T(e):
        return e.t + shift[e.node]

    last_conn = max(T(n.conn_ev) for n in (n1, n2) if n.conn_ev)
    end = last_conn + tail_ms
    drawn = {}
    for n in (n1, n2):
        keep = []
        hb = 0
        for e in n.evs:
            if e.kind == 'client' or (e.kind == 'compl' and e.op in (
                    'message_send', 'message_recv')):
                continue
            if e.kind == 'post' and e.op == 'heartbeat':
                hb += 1
                if hb > 1:
                    continue
            if e.kind == 'compl' and e.op == 'heartbeat' and hb > 1:
                continue
            first_hb = e.kind == 'post' and e.op == 'heartbeat'
            if T(e) > end and not first_hb and not (
                    e.kind == 'compl' and any(p.done is e for p in keep)):
                continue
            keep.append(e)
        drawn[n.num] = keep
    times = [T(e) for n in (1, 2) for e in drawn[n]]
    # a write's arrowhead: when it landed, at the latest its completion
    # and no later than the first thing it caused on the partner
    for n in (1, 2):
        for e in drawn[n]:
            if e.kind == 'post' and e.op in ('write', 'heartbeat'):
                land = T(e.done) if e.done else T(e) + 0.5
                if e.effect is not None:
                    land = min(land, T(e.effect))
                e.land = max(land, T(e))
            elif e.kind == 'post' and e.op == 'read':
                e.land = (T(e) + T(e.done)) / 2 if e.done else T(e) + 0.5
                times.append(e.land)
    t0 = min(times)
    top = 150.0
    ch = Chart(times, top)
    height = int(ch.bottom + 190)
    out = []
    w = out.append
    w('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
      'viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">'
      % (width, height, width, height))
    w('<defs><marker id="ah" viewBox="0 0 10 10" refX="10" refY="5" '
      'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
      '<path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker>'
      '<marker id="ahr" viewBox="0 0 10 10" refX="10" refY="5" '
      'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
      '<path d="M0,0 L10,5 L0,10 z" fill="#2171b5"/></marker></defs>')
    w('<rect width="100%" height="100%" fill="white"/>')
    w('<text x="20" y="28" font-size="17" font-weight="bold">%s</text>'
      % esc(title))
    w('<text x="20" y="50">Each node traced in its own clock (tracefs, '
      'ccm:* events); node 2 put on node 1\'s time line by d = %.3f ms.'
      '</text>' % d)
    nlo = sum(1 for c in cons if c.bound()[0] == 'lo')
    w('<text x="20" y="67" font-weight="bold">clock alignment \u00b1%.3f ms,'
      ' from %d causal constraints (%d bound d from below, %d from above; '
      'feasible %.3f .. %.3f ms)</text>'
      % ((hi - lo) / 2, len(cons), nlo, len(cons) - nlo, lo, hi))
    w('<text x="20" y="84">Time runs down, in ms from the first event '
      '(left); rows at least %d px apart, gaps over %d ms cut short '
      '(zigzag). Generation %s.</text>'
      % (Chart.MIN_DY, Chart.MAX_DY / Chart.PX_MS, gen))
    for n in (1, 2):
        x = X[n]
        w('<rect x="%.1f" y="100" width="160" height="28" rx="4" '
          'fill="#f0f0f0" stroke="#333"/>' % (x - 80))
        w('<text x="%.1f" y="119" text-anchor="middle" font-size="13" '
          'font-weight="bold">node %d</text>' % (x, n))
        w('<line x1="%.1f" y1="128" x2="%.1f" y2="%.1f" stroke="#888" '
          'stroke-dasharray="2,3"/>' % (x, x, ch.bottom + 20))
    # state bars: from each entry to the next
    for n, node in ((1, n1), (2, n2)):
        x = X[n]
        entries = [(t0, node.first_state, None)]
        entries += [(T(e), e.to, e) for e in drawn[n] if e.kind == 'trans']
        for i, (t, st, e) in enumerate(entries):
            t_end = entries[i + 1][0] if i + 1 < len(entries) else None
            y1 = ch.at(t)
            y2 = ch.at(t_end) if t_end is not None else ch.bottom + 20
            w('<rect x="%.1f" y="%.1f" width="14" height="%.1f" '
              'fill="%s" stroke="#555" stroke-width="0.5">'
              '<title>node %d: %s</title></rect>'
              % (x - 7, y1, max(y2 - y1, 1.0), COLOR.get(st, '#fff'), n,
                 esc(st)))
            num = PATENT.get(st)
            label = '%s%s' % (st, ' (%d)' % num if num else '')
            sub = (MEANING.get(st, '') + ('; on %s' % e.event if e else
                                           ' (before the trace)'))
            anchor = 'end' if side[n] < 0 else 'start'
            lx = x + side[n] * 14
            if e is None and entries[1:] and ch.at(entries[1][0]) - y1 < 14:
                continue    # the first transition tells it
            w('<text x="%.1f" y="%.1f" text-anchor="%s" font-weight="bold">'
              '%s<tspan dx="5" font-weight="normal" fill="#555">%s</tspan>'
              '</text>'
              % (lx, y1 + 4, anchor, esc(label), esc(sub)))
            w('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#555"/>'
              % (x - 10, y1, x + 10, y1))
    # break marks on long gaps, under the messages
    for (ya, yb, gap) in ch.breaks:
        ym = (ya + yb) / 2
        w('<rect x="96" y="%.1f" width="%d" height="16" fill="white" '
          'opacity="0.85"/>' % (ym - 8, width - 110))
        for x in (X[1], X[2]):
            w('<path d="M%.1f,%.1f l8,-4 l-16,8 l8,-4" fill="none" '
              'stroke="#333"/>' % (x, ym))
        w('<text x="%.1f" y="%.1f" text-anchor="middle" fill="#555" '
          'font-style="italic">\u2026 %.0f ms \u2026</text>'
          % ((X[1] + X[2]) / 2, ym + 4, gap))
    # messages
    for n in (1, 2):
        other = 3 - n
        x, xo = X[n], X[other]
        for e in drawn[n]:
            if e.kind == 'post' and e.op in ('write', 'heartbeat'):
                y1, y2 = ch.at(T(e)), ch.at(e.land)
                hb = e.op == 'heartbeat'
                col = '#999' if hb else '#333'
                w('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" '
                  'stroke="%s" stroke-width="%s" marker-end="url(#ah)">'
                  '<title>%s</title></line>'
                  % (x, y1, xo, y2, col, '1' if hb else '1.6',
                     esc(describe(e))))
                lbl = 'heartbeat ("complete" + counter)' if hb else \
                    'WRITE "%s"%s' % (e.msg, ' + doorbell'
                                      if e.msg == 'state 5' else '')
                w('<text x="%.1f" y="%.1f" text-anchor="middle" fill="%s">'
                  '%s</text>' % ((x + xo) / 2, (y1 + y2) / 2 - 4, col,
                                 esc(lbl)))
                if not hb:
                    # the mailbox change on the partner
                    w('<rect x="%.1f" y="%.1f" width="9" height="7" '
                      'fill="#fff7bc" stroke="#333"><title>node %d mailbox'
                      ' now holds "%s"</title></rect>'
                      % (xo - 4.5 - side[other] * 14, y2 - 3.5, other,
                         esc(e.msg)))
                    w('<text x="%.1f" y="%.1f" text-anchor="%s" '
                      'font-size="9" fill="#555">mailbox: %s</text>'
                      % (xo - side[other] * 22, y2 + 11,
                         'end' if side[other] > 0 else 'start',
                         esc(e.msg)))
                if e.done:
                    yc = ch.at(T(e.done))
                    w('<circle cx="%.1f" cy="%.1f" r="3" fill="white" '
                      'stroke="#333"><title>node %d: write completed '
                      '(the partner\'s NIC acknowledged)</title></circle>'
                      % (x, yc, n))
            elif e.kind == 'post' and e.op == 'read':
                y1, ym = ch.at(T(e)), ch.at(e.land)
                y2 = ch.at(T(e.done)) if e.done else ym
                w('<polyline points="%.1f,%.1f %.1f,%.1f %.1f,%.1f" '
                  'fill="none" stroke="#2171b5" stroke-width="1.4" '
                  'stroke-dasharray="5,3" marker-end="url(#ahr)">'
                  '<title>%s</title></polyline>'
                  % (x, y1, xo, ym, x, y2, esc(describe(e))))
                w('<circle cx="%.1f" cy="%.1f" r="4" fill="white" '
                  'stroke="#2171b5"><title>served by node %d\'s NIC; its '
                  'CPU takes no part</title></circle>' % (xo, ym, other))
                ok = e.done is not None and e.done.status == 0
                w('<text x="%.1f" y="%.1f" text-anchor="middle" '
                  'fill="#2171b5">READ %d of the sentinel%s (one-sided)'
                  '</text>' % ((x + xo) / 2, (y1 + ym) / 2 - 4, e.nr,
                               '' if ok else ' - failed'))
            elif e.kind == 'compl' and e.op == 'doorbell':
                y = ch.at(T(e))
                w('<path d="M%.1f,%.1f l6,-5 l0,10 z" fill="#e6550d">'
                  '<title>node %d: doorbell (the WRITE\'s immediate '
                  'data)</title></path>' % (x - side[n] * 16, y, n))
                w('<text x="%.1f" y="%.1f" text-anchor="%s" font-size="9"'
                  ' fill="#e6550d">doorbell</text>'
                  % (x - side[n] * 26, y + 3, 'end' if side[n] > 0
                     else 'start'))
            elif e.kind == 'compl' and e.op in ('reg_mr', 'descriptor_send',
                                                'descriptor_recv'):
                y = ch.at(T(e))
                what = {'reg_mr': 'sentinel registered',
                        'descriptor_send': 'descriptor sent',
                        'descriptor_recv': 'descriptor received'}[e.op]
                w('<text x="%.1f" y="%.1f" text-anchor="%s" font-size="9"'
                  ' fill="#777">%s (gen %d)</text>'
                  % (x - side[n] * 14, y + 3, 'end' if side[n] > 0
                     else 'start', what, e.gen))
    # time labels
    last = -1e9
    for t in ch.times:
        y = ch.y[t]
        if y - last < 12:
            continue
        last = y
        w('<text x="90" y="%.1f" text-anchor="end" font-size="9" '
          'fill="#777">%.2f</text>' % (y + 3, t - t0))
    # legend
    y = ch.bottom + 50
    legend = [
        ('#333', 'solid arrow: RDMA WRITE into the partner\'s mailbox '
         '(yellow box: the mailbox changes; circle: the write completed)'),
        ('#2171b5', 'dashed: RDMA READ of the partner\'s sentinel; the '
         'partner\'s NIC answers, its CPU does nothing (hollow circle)'),
        ('#e6550d', 'doorbell: the "state 5" WRITE\'s immediate data made '
         'the partner look at its mailbox at once'),
        ('#555', 'states: (1) attempting read, (2) attempting write, '
         '(3) waiting on partner, (4) second read, (5) second write; '
         'then connected'),
        ('#555', 'Arrowheads land when the write landed at the latest (its '
         'completion), never after the partner\'s reaction to it.'),
        ('#555', 'Once connected each node WRITEs "complete" with a '
         'heartbeat counter every heartbeat_ms: the first is drawn; '
         'control messages and client events are left out.'),
    ]
    for col, txt in legend:
        w('<text x="20" y="%.1f" fill="%s">%s</text>' % (y, col, esc(txt)))
        y += 17
    w('</svg>')
    return '\n'.join(out) + '\n'


def validate_svg(text):
    root = ET.fromstring(text)
    if not root.tag.endswith('svg'):
        raise MscError('output is not an SVG document')
    return sum(1 for _ in root.iter())


def timeline(n1, n2, d):
    """Both nodes' transitions and posts on one time axis, as text."""
    rows = []
    for n, s in ((n1, 0.0), (n2, d)):
        for e in n.evs:
            if e.kind == 'trans' or (e.kind == 'post' and e.op != 'heartbeat'):
                rows.append((e.t + s, n.num, describe(e)))
    rows.sort()
    if not rows:
        return []
    t0 = rows[0][0]
    return ['%10.3f ms  [node%d] %s' % (t - t0, num, txt)
            for t, num, txt in rows]


def build(lines1, lines2, link=0, table=None):
    """Both nodes' records -> (n1, n2, cons, gen, lo, hi)."""
    table = table or load_table()
    n1 = Node(1, parse_records(lines1, 1), table, link)
    n2 = Node(2, parse_records(lines2, 2), table, link)
    cons, gen = constraints(n1, n2)
    if gen is None:
        raise MscError('no generation connected on both nodes '
                       '(node 1: %s, node 2: %s)' % (
                           n1.conn_ev.gen if n1.conn_ev else 'none',
                           n2.conn_ev.gen if n2.conn_ev else 'none'))
    lo, hi = align(cons)
    return n1, n2, cons, gen, lo, hi


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('node1', nargs='?')
    ap.add_argument('node2', nargs='?')
    ap.add_argument('-o', '--out', help='write the SVG here')
    ap.add_argument('--title', default='ccm handshake, two QEMU guests '
                    '(Soft-RoCE), from their trace events')
    ap.add_argument('--link', type=int, default=0)
    ap.add_argument('--check', action='store_true')
    ap.add_argument('--timeline', action='store_true')
    ap.add_argument('--self-test', action='store_true')
    args = ap.parse_args(argv)
    if args.self_test:
        import unittest
        sys.dont_write_bytecode = True
        sys.path.insert(0, HERE)
        import msc_test   # noqa: E402 pylint: disable=import-outside-toplevel
        r = unittest.TextTestRunner(verbosity=1).run(
            unittest.defaultTestLoader.loadTestsFromModule(msc_test))
        return 0 if r.wasSuccessful() else 1
    if not args.node1 or not args.node2:
        ap.error('NODE1 and NODE2 needed')
    try:
        recs = []
        for f in (args.node1, args.node2):
            with open(f, encoding='utf-8', errors='replace') as fh:
                recs.append(fh.read().splitlines())
        n1, n2, cons, gen, lo, hi = build(recs[0], recs[1], args.link)
    except (MscError, OSError) as ex:
        print('msc: FAIL: %s' % ex)
        return 1
    d = (lo + hi) / 2
    for n in (n1, n2):
        k = {}
        for e in n.evs:
            key = e.kind if e.kind != 'post' else 'post ' + e.op
            k[key] = k.get(key, 0) + 1
        print('msc: node %d: %d records drawn from (%s), connected on '
              'generation %s at %.3f ms' % (
                  n.num, len(n.evs),
                  ', '.join('%s %d' % kv for kv in sorted(k.items())),
                  n.conn_ev.gen if n.conn_ev else '-',
                  n.conn_ev.t if n.conn_ev else 0))
    for c in cons:
        print('msc: constraint %s' % c.text())
    print('msc: alignment: node-1 time = node-2 time + d, d = %.3f ms '
          '(\u00b1%.3f ms), feasible %.3f .. %.3f ms, from %d causal '
          'constraints' % (d, (hi - lo) / 2, lo, hi, len(cons)))
    rc = 0
    if args.check:
        errs = check(n1, n2, gen, cons, d)
        for err in errs:
            print('msc: FAIL: %s' % err)
        if errs:
            rc = 1
        else:
            print('msc: check ok: both connected on generation %d, states '
                  '1-5 entered, every partner-caused transition after its '
                  'WRITE' % gen)
    if args.timeline:
        for ln in timeline(n1, n2, d):
            print(ln)
    if args.out:
        svg = draw(n1, n2, d, lo, hi, cons, gen, args.title)
        try:
            nel = validate_svg(svg)
        except (ET.ParseError, MscError) as ex:
            print('msc: FAIL: SVG does not parse: %s' % ex)
            return 1
        with open(args.out, 'w', encoding='utf-8') as fh:
            fh.write(svg)
        print('msc: wrote %s (%d SVG elements, parses)' % (args.out, nel))
    return rc


if __name__ == '__main__':
    sys.exit(main())
