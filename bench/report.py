#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the benchmark guests' BENCH lines into bench/results/.

    report.py --logs bench/results/logs --out bench/results

Reads logs/demo_bench_*/node*.log (console logs of every boot), writes
raw.csv (one row per trial and metric), results.csv and results.md (the
table: median, min, max, trials, target), provisioning.png,
detection.png and failover.png. Prints results.md.
"""
import argparse
import csv
import glob
import os
import re
import statistics
import sys

# Dependent RDMA round trips each phase needs by design (Documentation/
# ccm.rst, "Round trips by design"): the handshake after its RDMA CM
# connect, and a client's exchange after the link is connected (OFFER,
# answer and READY, one way each), besides the local floor of its QPs.
HS_TRIPS = 4
CLIENT_TRIPS = 1.5

# Speed-up over the RDMA CM baselines, (kind, n) -> (target, met?): the
# bulk case, and a small client faster than its own CM connect.
SPEEDUP_TARGETS = {('seq', 256): ('>= 100', lambda x: x >= 100),
                   ('par', 256): ('>= 10', lambda x: x >= 10),
                   ('seq', 1): ('> 1', lambda x: x > 1)}

LINE = re.compile(r'^CCMT node=(\d+) t=[0-9.]+ BENCH (\w+) (.*)$')


def parse(logs):
    rows = []
    for path in sorted(glob.glob(os.path.join(logs, 'demo_bench_*', 'node*.log'))):
        case = os.path.basename(os.path.dirname(path))
        with open(path, errors='replace') as f:
            for line in f:
                m = LINE.match(line.strip().replace('\r', ''))
                if not m:
                    continue
                kv = dict(p.split('=', 1) for p in m.group(3).split() if '=' in p)
                kv.update(case=case, node=m.group(1), cat=m.group(2),
                          boot=os.path.basename(path))
                rows.append(kv)
    return rows


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def stats(vals):
    vals = [v for v in vals if v is not None]
    if not vals:
        return None
    return dict(med=statistics.median(vals), min=min(vals), max=max(vals), n=len(vals))


def pick(rows, cat, key='ns', **match):
    out = []
    for r in rows:
        if r['cat'] != cat:
            continue
        if all(str(r.get(k)) == str(v) for k, v in match.items()):
            out.append(num(r.get(key)))
    return out


def fmt(v, unit):
    if v is None:
        return 'n/a'
    if unit == 'ms':
        if v < 10:
            return f'{v:.2f}'
        return f'{v:.1f}' if v < 100 else f'{v:.0f}'
    if unit == 'us':
        return f'{v:.0f}' if v >= 100 else f'{v:.1f}'
    if unit == 'x':
        return f'{v:.2f}' if v < 10 else f'{v:.0f}'
    if unit == '%':
        return f'{v:.3f}'
    if unit in ('KiB', '/s'):
        return f'{v:.1f}'
    return f'{v:g}'


def check(runs, head, find, ns_list):
    """make check's view of a quick run: the machinery works end to end.

    Not a judgement of the figures against their targets: every case
    passed, and every headline figure exists, with at least one trial and
    no negative time (a duration computed wrong, not measured); for
    provisioning, at the client sizes the run measured.
    """
    ok = bad = 0
    def verdict(good, what):
        nonlocal ok, bad
        print(f"check: {'ok' if good else 'FAIL'} {what}")
        if good:
            ok += 1
        else:
            bad += 1
    for c in ('demo_bench_main', 'demo_bench_detect_default', 'demo_bench_detect_fast',
              'demo_bench_detect_two', 'demo_bench_failover'):
        verdict(any(r[0] == c and r[1] == 'PASS' for r in runs), f'case {c} passed')
    for sec, metric in head:
        mm = re.match(r'^Provisioning, n=(\d+)$', sec)
        if mm and int(mm.group(1)) not in ns_list:
            continue
        t = find(sec, metric)
        st = t[3] if t else None
        if isinstance(st, dict):
            good = st['n'] >= 1 and st['min'] >= 0 and st['med'] > 0
        else:
            good = isinstance(st, float) and st > 0
        verdict(good, f'{sec}: {metric}')
    print(f'{ok} passed, {bad} failed')
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--logs', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--check', action='store_true',
                    help='also check that every case passed and every headline '
                    'figure is there and not negative; ends with "N passed, N failed"')
    a = ap.parse_args()
    rows = parse(a.logs)
    if not rows:
        print('report: no BENCH lines under', a.logs, file=sys.stderr)
        return 1
    os.makedirs(a.out, exist_ok=True)

    # ---- raw.csv: every trial ----
    keys = ['case', 'boot', 'node', 'cat', 'kind', 'setting', 'n', 'trial']
    extra = sorted({k for r in rows for k in r} - set(keys))
    with open(os.path.join(a.out, 'raw.csv'), 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(keys + extra)
        for r in rows:
            w.writerow([r.get(k, '') for k in keys + extra])

    table = []   # (section, metric, unit, stats or value, target, met)

    def add(section, metric, unit, st, target='', met=''):
        table.append((section, metric, unit, st, target, met))

    def ms(vals):
        return stats([v / 1e6 if v is not None else None for v in vals])

    def add_ratio(section, metric, num, den, limit, target):
        """Median of @num over median of @den (stats), met when <= @limit."""
        if isinstance(num, dict) and isinstance(den, dict) and den['med'] > 0:
            r_ = num['med'] / den['med']
            add(section, metric, 'x', r_, target, 'yes' if r_ <= limit else 'NO')

    # ---- handshake ----
    hc = ms(pick(rows, 'handshake', kind='ccm'))
    hb = ms(pick(rows, 'handshake', kind='cm'))
    add('Handshake', 'ccm: module load -> connected', 'ms', hc)
    add('Handshake', 'RDMA CM baseline: module load -> ESTABLISHED', 'ms', hb)
    ha = ms(pick(rows, 'handshake', kind='cm_async'))
    add('Handshake', 'RDMA CM baseline, connect from a work item: module load -> ESTABLISHED', 'ms', ha)
    lh = ms(pick(rows, 'handshake', key='last_handshake_ns', kind='ccm'))
    add('Handshake', "ccm's own last_handshake_ns (connect start -> connected)", 'ms', lh)
    # module load -> the first connect starts: module init, per trial
    add('Handshake', 'ccm: module load -> first connect started (module init)', 'ms',
        ms([n_ - l_ if n_ is not None and l_ is not None else None
            for n_, l_ in zip(pick(rows, 'handshake', kind='ccm'),
                              pick(rows, 'handshake', key='last_handshake_ns', kind='ccm'))]))
    if hc and ha:
        r = hc['med'] / ha['med']
        add('Handshake', 'ratio ccm / RDMA CM from a work item (medians)', 'x', r)
    # The floor, measured in this run: what the protocol needs by design
    # (Documentation/ccm.rst, "Round trips by design"): one RDMA CM
    # connect, then HS_TRIPS dependent RDMA round trips, each taken at the
    # idle WRITE round trip of this run.
    trip = ms(pick(rows, 'trip', op='write'))
    add('Handshake', 'idle RDMA round trip (heartbeat WRITE: ccm_rdma_post -> ccm_rdma_completion)', 'ms', trip)
    add('Handshake', 'round trips by design after the RDMA CM connect', 'trips', float(HS_TRIPS))
    if hb and trip:
        floor = hb['med'] + HS_TRIPS * trip['med']
        add('Handshake', f'floor: RDMA CM connect + {HS_TRIPS} x idle round trip', 'ms', floor)
        if hc:
            r = hc['med'] / floor
            add('Handshake', 'ccm / its floor (medians)', 'x', r, '<= 1.3', 'yes' if r <= 1.3 else 'NO')
    if hc and hb:
        r = hc['med'] / hb['med']
        add('Handshake', 'ratio ccm / RDMA CM (medians)', 'x', r)

    # ---- provisioning ----
    ns_list = sorted({int(r['n']) for r in rows if r['cat'] == 'prov' and r.get('n')})
    prov = {}
    fails = {}
    per_trial = {}	# (kind, n, trial) -> us per QP, for the paired ratio
    for kind in ('ccm', 'seq', 'par', 'floor', 'floor_paired'):
        for n in ns_list:
            vals = []
            for r in rows:
                if r['cat'] != 'prov' or r.get('kind') != kind or r.get('n') != str(n):
                    continue
                v = num(r.get('ns'))
                if kind == 'ccm':
                    # done when both nodes are: the longer of the two
                    # views (each node's CONNECTED -> its client connected)
                    p = num(r.get('peer_ns'))
                    v = max(v, p) if v and p else None
                # a baseline run with a failed connection reports no time
                if r.get('failed', '0') != '0' or r.get('rc', '0') != '0' or not v:
                    fails[(kind, n)] = fails.get((kind, n), 0) + 1
                    continue
                vals.append(v / 1e3 / n)
                per_trial[(kind, n, r.get('trial'))] = v / 1e3 / n
            st = stats(vals)
            if st:
                prov[(kind, n)] = st
    names = {'ccm': 'ccm (one client, n QPs; slower node)', 'seq': 'RDMA CM, sequential',
             'par': 'RDMA CM, all in flight', 'floor': 'local floor (create + modify x3)',
             'floor_paired': 'local floor, run just before each ccm trial'}
    for n in ns_list:
        for kind in ('ccm', 'seq', 'par', 'floor', 'floor_paired'):
            if (kind, n) in prov:
                add(f'Provisioning, n={n}', f'{names[kind]}: time per QP', 'us', prov[(kind, n)])
            if fails.get((kind, n)):
                add(f'Provisioning, n={n}', f'{names[kind]}: runs that failed (not counted)', 'runs', str(fails[(kind, n)]))
        c = prov.get(('ccm', n))
        if not c:
            continue
        for kind, label in (('seq', 'speed-up vs sequential RDMA CM'),
                            ('par', 'speed-up vs concurrent RDMA CM')):
            b = prov.get((kind, n))
            if b:
                r = b['med'] / c['med']
                tgt, ok = SPEEDUP_TARGETS.get((kind, n), ('', None))
                add(f'Provisioning, n={n}', label, 'x', r, tgt, ('yes' if ok(r) else 'NO') if ok else '')
        fl = prov.get(('floor', n))
        if fl:
            r = c['med'] / fl['med']
            add(f'Provisioning, n={n}', 'ccm / local floor', 'x', r, '<= 1.5' if n == 256 else '', ('yes' if r <= 1.5 else 'NO') if n == 256 else '')
            # what any method that still creates and moves the n QPs
            # could reach here: the baseline over the floor
            for kind, label in (('seq', 'ceiling: sequential RDMA CM / local floor'),
                                ('par', 'ceiling: concurrent RDMA CM / local floor')):
                b = prov.get((kind, n))
                if b:
                    add(f'Provisioning, n={n}', label, 'x', b['med'] / fl['med'])
        # each ccm trial over the floor run just before it: the host's
        # drift between the phases stays out of this one
        pr = stats([c_us / per_trial[('floor_paired', n, t)]
                    for (k, nn, t), c_us in per_trial.items()
                    if k == 'ccm' and nn == n and ('floor_paired', n, t) in per_trial])
        if pr:
            add(f'Provisioning, n={n}', 'ccm / local floor, paired trials (median of per-trial ratios)', 'x', pr,
                '<= 1.5' if n == 256 else '', ('yes' if pr['med'] <= 1.5 else 'NO') if n == 256 else '')
        # the exchange's floor: CLIENT_TRIPS idle round trips of this run
        # on top of the local floor run just before each trial
        if trip:
            ex_us = CLIENT_TRIPS * trip['med'] * 1e3
            ef = stats([c_us * n / (ex_us + per_trial[('floor_paired', n, t)] * n)
                        for (k, nn, t), c_us in per_trial.items()
                        if k == 'ccm' and nn == n and ('floor_paired', n, t) in per_trial])
            if ef:
                add(f'Provisioning, n={n}', f'ccm / its floor ({CLIENT_TRIPS:g} x idle round trip + local floor, paired trials)',
                    'x', ef, '<= 1.5' if n == 1 else '', ('yes' if ef['med'] <= 1.5 else 'NO') if n == 1 else '')
    # node 1's view (the partner) and the exchange part, for reference
    for n in ns_list:
        for key, who in (('ns', 'node 2 (loaded last)'), ('peer_ns', 'node 1')):
            st = stats([v / 1e3 / n if v else None for v in pick(rows, 'prov', key=key, kind='ccm', n=n)])
            if st:
                add(f'Provisioning, n={n}', f"ccm, {who}: FSM connected -> client connected, per QP", 'us', st)
        st = stats([v / 1e3 / n if v else None for v in pick(rows, 'prov', key='exchanging_to_connected_ns', kind='ccm', n=n)])
        if st:
            add(f'Provisioning, n={n}', 'ccm, partner offer seen -> connected: time per QP', 'us', st)

    # what happened around the ccm provisioning trials (not part of the time)
    for n in ns_list:
        chk = [r for r in rows if r['cat'] == 'provcheck' and r.get('n') == str(n)]
        if not chk:
            continue
        lost = sum(1 for r in chk if (num(r.get('partner_lost')) or 0) > 0 or (num(r.get('connections_lost')) or 0) > 0
                   or (num(r.get('echo_connects')) or 1) > 1)
        unver = sum(1 for r in chk if r.get('verified') != '1')
        rnr = [num(r.get('rcvd_rnr_err')) for r in chk]
        add(f'Provisioning, n={n}', 'ccm trials whose link then went down (false partner loss) / QPs not verified by data',
            'trials', f'{lost} / {unver} of {len(chk)}')
        if any(v is not None for v in rnr):
            add(f'Provisioning, n={n}', 'ccm: RNR NAKs received on node 2 per trial (rxe0 rcvd_rnr_err)', '', stats(rnr))

    # ---- detection ----
    det, det_st = {}, {}
    det_label = {'default': 'heartbeat 100 ms x 3 (default)', 'fast': 'heartbeat 20 ms x 3',
                 'two': 'two links, heartbeat 100 ms x 3'}
    for s in ('default', 'fast', 'two'):
        v = ms(pick(rows, 'detect', setting=s))
        if v:
            det[s] = [x / 1e6 for x in pick(rows, 'detect', setting=s) if x is not None]
            det_st[s] = v
            label = det_label[s]
            add('Failure detection', f'{label}: partner killed -> clients told (link_down)', 'ms', v,
                '<= 250' if s == 'default' else '', ('yes' if v['med'] <= 250 else 'NO') if s == 'default' else '')
            add('Failure detection', f"{label}: partner killed -> client's ->disconnected() ran", 'ms',
                ms(pick(rows, 'detect', key='cb_ns', setting=s)))
            add('Failure detection', f"{label}: ccm's last_detection_ns (last sign of life -> loss)", 'ms',
                ms(pick(rows, 'detect', key='lastsign_ns', setting=s)))
            # cause= from ccm's message; runs before it had only the FSM event
            causes = [r.get('cause') or {'CONN_LOST': 'silence', 'WRITE_FAIL': 'transport'}.get(r.get('event'))
                      for r in rows if r['cat'] == 'detect' and r.get('setting') == s]
            add('Failure detection', f'{label}: noticed by heartbeat silence / transport (write retries ran out)',
                'trials', f"{causes.count('silence')} / {causes.count('transport')}")
    add_ratio('Failure detection', 'two links / one link: partner killed -> clients told (ratio of medians)',
              det_st.get('two'), det_st.get('default'), 1.10, '<= 1.10')
    # ---- link failover: two links, the clients' link cut ----
    for side, cut, label, tgt in (
            ('portdown', 'port', 'port cut, the side whose port reported it', 50),
            ('silent', 'port', 'port cut, the silent side', None),
            ('portdown', 'netem', 'silent cut (heartbeat path), node 1', 250),
            ('silent', 'netem', 'silent cut (heartbeat path), node 2', 250)):
        v = ms(pick(rows, 'failover', key='traffic_ns', side=side, cut=cut))
        if not v:
            continue
        add('Link failover', f"{label}: link cut -> client's traffic verified on the other link", 'ms', v,
            f'<= {tgt}' if tgt else '', ('yes' if v['med'] <= tgt else 'NO') if tgt else '')
        # what a storage driver runs: its stream of requests, what the
        # failed link flushed posted again (runs before had no stream_ns)
        st = ms(pick(rows, 'failover', key='stream_ns', side=side, cut=cut))
        if st:
            add('Link failover', f"{label}: link cut -> client's request stream answered on the other link", 'ms', st,
                f'<= {tgt}' if tgt else '', ('yes' if st['med'] <= tgt else 'NO') if tgt else '')
        add('Link failover', f'{label}: link cut -> client told (link_down)', 'ms',
            ms(pick(rows, 'failover', key='told_ns', side=side, cut=cut)))
        add('Link failover', f'{label}: link cut -> client connected on the other link', 'ms',
            ms(pick(rows, 'failover', key='connected_ns', side=side, cut=cut)))
    tot = [r for r in rows if r['cat'] == 'failover_total']
    if tot:
        cuts = sum(int(num(r.get('cuts')) or 0) for r in tot)
        lost = sum(int(num(r.get('partner_lost')) or 0) for r in tot)
        add('Link failover', f'false partner losses in {cuts} link cuts', 'losses', float(lost),
            '0', 'yes' if lost == 0 else 'NO')
    rc = ms(pick(rows, 'reconnect'))
    add('Reconnect', 'partner ccm + client reloaded -> client connected (4 QPs)', 'ms', rc)
    add('Reconnect', 'of which module load -> handshake connected', 'ms', ms(pick(rows, 'reconnect', key='handshake_ns')))

    # ---- idle: one trial per window ----
    def idle(setting):
        work, works, busy = [], [], []
        for r in rows:
            if r['cat'] != 'idle' or r.get('setting') != setting:
                continue
            win = num(r.get('window_ns'))
            if not win:
                continue
            if num(r.get('ccm_work_ns')) is not None:
                work.append(100.0 * num(r.get('ccm_work_ns')) / win)
                works.append(num(r.get('works')) / (win / 1e9))
            b, t = num(r.get('busy_ticks')), num(r.get('all_ticks'))
            if b is not None and t:
                busy.append(100.0 * b / t)
        return stats(work), stats(works), stats(busy)
    for s_, label in (('default', 'heartbeat 100 ms'), ('fast20', 'heartbeat 20 ms')):
        w, n_, b = idle(s_)
        add('Idle cost (connected)', f"{label}: time in ccm's work items (share of one CPU)", '%', w)
        add('Idle cost (connected)', f'{label}: ccm work items run per second', '/s', n_)
        add('Idle cost (connected)', f'{label}: whole guest CPU busy (/proc/stat, 10 ms ticks)', '%', b)
    add('Idle cost (connected)', 'without ccm: whole guest CPU busy (/proc/stat, 10 ms ticks)', '%', idle('none')[2])
    # bench_detect's node 1: one link against two, node 2 pinging in both
    links = {}
    for s_, label in (('links1', 'one link'), ('links2', 'two links')):
        w, n_, b = idle(s_)
        links[s_] = w
        add('Idle cost (connected)', f"{label} (detect cases): time in ccm's work items (share of one CPU)", '%', w)
        add('Idle cost (connected)', f'{label} (detect cases): ccm work items run per second', '/s', n_)
    add_ratio('Idle cost (connected)', "two links / one link: time in ccm's work items (ratio of medians)",
              links['links2'], links['links1'], 2, '<= 2')

    # ---- memory ----
    def memkb(n):
        # trials whose link went down and up again (or was not verified) are left out
        good = [num(r.get('kb')) for r in rows if r['cat'] == 'mem' and r.get('n') == str(n)
                and r.get('verified', '1') == '1' and r.get('echo_connects', '1') == '1'
                and r.get('partner_lost', '0') == '0']
        bad = sum(1 for r in rows if r['cat'] == 'mem' and r.get('n') == str(n)) - len(good)
        return good, bad
    m = {}
    for n in (256, 1024):
        good, bad = memkb(n)
        m[n] = stats(good)
        if m[n]:
            add('Memory', f'per client QP: MemFree drop for one client of {n} QPs / {n}', 'KiB',
                stats([v / n for v in good if v is not None]))
        if bad:
            add('Memory', f'{n} QPs: trials left out (link lost and made again)', 'trials', str(bad))
    m256, m1024 = m[256], m[1024]
    if m256 and m1024:
        add('Memory', 'per client QP: (drop(1024) - drop(256)) / 768 (medians)', 'KiB', (m1024['med'] - m256['med']) / 768)

    # ---- write results.csv / results.md ----
    with open(os.path.join(a.out, 'results.csv'), 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['section', 'metric', 'unit', 'median', 'min', 'max', 'trials', 'target', 'met'])
        for sec, met_, unit, st, tgt, ok in table:
            if isinstance(st, dict):
                w.writerow([sec, met_, unit, f"{st['med']:.6g}", f"{st['min']:.6g}", f"{st['max']:.6g}", st['n'], tgt, ok])
            elif isinstance(st, float):
                w.writerow([sec, met_, unit, f'{st:.6g}', '', '', '', tgt, ok])
            else:
                w.writerow([sec, met_, unit, st if st is not None else '', '', '', '', tgt, ok])
    def cell(st, unit):
        if isinstance(st, dict):
            return f"{fmt(st['med'], unit)} {unit} ({fmt(st['min'], unit)} - {fmt(st['max'], unit)}, {st['n']} trials)"
        if isinstance(st, float):
            return f'{fmt(st, unit)} {unit}'
        return f"{st if st is not None else 'n/a'} {unit}".strip()

    def find(sec, metric):
        for t in table:
            if t[0] == sec and t[1] == metric:
                return t
        return None

    # the headline: the targets of the work item and the main figures
    head = [('Handshake', 'ccm: module load -> connected'),
            ('Handshake', 'RDMA CM baseline: module load -> ESTABLISHED'),
            ('Handshake', 'idle RDMA round trip (heartbeat WRITE: ccm_rdma_post -> ccm_rdma_completion)'),
            ('Handshake', f'floor: RDMA CM connect + {HS_TRIPS} x idle round trip'),
            ('Handshake', 'ccm / its floor (medians)'),
            ('Handshake', 'ratio ccm / RDMA CM (medians)'),
            ('Provisioning, n=1', f"{names['ccm']}: time per QP"),
            ('Provisioning, n=1', f"{names['seq']}: time per QP"),
            ('Provisioning, n=1', 'speed-up vs sequential RDMA CM'),
            ('Provisioning, n=1', f'ccm / its floor ({CLIENT_TRIPS:g} x idle round trip + local floor, paired trials)'),
            ('Provisioning, n=256', f"{names['ccm']}: time per QP"),
            ('Provisioning, n=256', f"{names['seq']}: time per QP"),
            ('Provisioning, n=256', f"{names['par']}: time per QP"),
            ('Provisioning, n=256', f"{names['floor']}: time per QP"),
            ('Provisioning, n=256', 'speed-up vs sequential RDMA CM'),
            ('Provisioning, n=256', 'speed-up vs concurrent RDMA CM'),
            ('Provisioning, n=256', 'ceiling: sequential RDMA CM / local floor'),
            ('Provisioning, n=256', 'ceiling: concurrent RDMA CM / local floor'),
            ('Provisioning, n=256', 'ccm / local floor'),
            ('Provisioning, n=256', f"{names['floor_paired']}: time per QP"),
            ('Provisioning, n=256', 'ccm / local floor, paired trials (median of per-trial ratios)'),
            ('Provisioning, n=1024', f"{names['ccm']}: time per QP"),
            ('Provisioning, n=1024', 'ccm / local floor'),
            ('Provisioning, n=1024', 'ccm / local floor, paired trials (median of per-trial ratios)'),
            ('Failure detection', 'heartbeat 100 ms x 3 (default): partner killed -> clients told (link_down)'),
            ('Failure detection', 'heartbeat 20 ms x 3: partner killed -> clients told (link_down)'),
            ('Failure detection', 'two links, heartbeat 100 ms x 3: partner killed -> clients told (link_down)'),
            ('Failure detection', 'two links / one link: partner killed -> clients told (ratio of medians)'),
            ('Link failover', "port cut, the side whose port reported it: link cut -> client's traffic verified on the other link"),
            ('Link failover', "silent cut (heartbeat path), node 2: link cut -> client's traffic verified on the other link"),
            ('Link failover', "port cut, the side whose port reported it: link cut -> client's request stream answered on the other link"),
            ('Link failover', "silent cut (heartbeat path), node 2: link cut -> client's request stream answered on the other link"),
            ('Reconnect', 'partner ccm + client reloaded -> client connected (4 QPs)'),
            ('Idle cost (connected)', "heartbeat 100 ms: time in ccm's work items (share of one CPU)"),
            ('Idle cost (connected)', "heartbeat 20 ms: time in ccm's work items (share of one CPU)"),
            ('Idle cost (connected)', "two links / one link: time in ccm's work items (ratio of medians)"),
            ('Memory', 'per client QP: MemFree drop for one client of 1024 QPs / 1024')]
    md = ['## Headline', '', '| What | Median (min - max, trials) | Target | Met |', '|---|---|---|---|']
    for sec, metric in head:
        t = find(sec, metric)
        if t:
            md.append(f'| {sec}: {metric} | {cell(t[3], t[2])} | {t[4]} | {t[5]} |')
    runs = []
    for path in sorted(glob.glob(os.path.join(a.logs, 'demo_bench_*', 'result.txt'))):
        with open(path) as f:
            first = f.readline().strip()
        mm = re.match(r'^(PASS|FAIL) (\S+) \(([0-9.]+)s\)', first)
        if mm:
            runs.append((mm.group(2), mm.group(1), float(mm.group(3))))
    if runs:
        md += ['', '## Runs (QEMU time per case, from tests/vm/run.sh)', '',
               '| Case | Result | Seconds |', '|---|---|---|']
        md += [f'| {c} | {r} | {t:.0f} |' for c, r, t in runs]
        md.append(f'| total | | {sum(t for _, _, t in runs):.0f} |')
    mpath = os.path.join(a.out, 'machine.txt')
    if os.path.exists(mpath):
        md += ['', '## Machine', '', '```']
        with open(mpath) as f:
            md += [line.rstrip() for line in f if not line.startswith('wall_s')]
        md.append('```')
    md += ['', '## All figures', '',
           '| Section | Metric | Median | Min - max | Trials | Target | Met |',
           '|---|---|---|---|---|---|---|']
    for sec, met_, unit, st, tgt, ok in table:
        if isinstance(st, dict):
            md.append(f"| {sec} | {met_} | {fmt(st['med'], unit)} {unit} | {fmt(st['min'], unit)} - {fmt(st['max'], unit)} | {st['n']} | {tgt} | {ok} |")
        elif isinstance(st, float):
            md.append(f'| {sec} | {met_} | {fmt(st, unit)} {unit} | | | {tgt} | {ok} |')
        else:
            md.append(f"| {sec} | {met_} | {st if st is not None else 'n/a'} {unit} | | | {tgt} | {ok} |")
    with open(os.path.join(a.out, 'results.md'), 'w') as f:
        f.write('\n'.join(md) + '\n')
    print('\n'.join(md))
    # after the plots too, so that the check covers them
    rc = check(runs, head, find, ns_list) if a.check else 0

    # ---- plots ----
    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
    except ImportError:
        print('report: no matplotlib, no plots', file=sys.stderr)
        return rc
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for kind, style in (('ccm', 'o-'), ('seq', 's--'), ('par', '^--'), ('floor', 'v:')):
        xs = [n for n in ns_list if (kind, n) in prov]
        if not xs:
            continue
        med = [prov[(kind, n)]['med'] for n in xs]
        lo = [prov[(kind, n)]['med'] - prov[(kind, n)]['min'] for n in xs]
        hi = [prov[(kind, n)]['max'] - prov[(kind, n)]['med'] for n in xs]
        ax.errorbar(xs, med, yerr=[lo, hi], fmt=style, capsize=3, label=names[kind])
    ax.set_xscale('log', base=2)
    ax.set_xticks(ns_list)
    ax.set_xticklabels([str(n) for n in ns_list])
    ax.set_yscale('log')
    ax.set_xlabel('QPs provisioned (n)')
    ax.set_ylabel('time per QP (us), median, bars: min-max')
    ax.set_title('QP provisioning: ccm vs RDMA CM (QEMU TCG, Soft-RoCE)')
    ax.grid(True, which='both', alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(a.out, 'provisioning.png'), dpi=110)
    plt.close(fig)

    def box_plot(name, groups, targets, ylabel, title, ymin=None):
        """A box per (label, values) of @groups with every value on it; lines at @targets."""
        fig, ax = plt.subplots(figsize=(7, 4.5))
        ax.boxplot([g[1] for g in groups], labels=[g[0] for g in groups], showfliers=False)
        for i, (_, d) in enumerate(groups, 1):
            ax.plot([i + (j % 7 - 3) * 0.02 for j in range(len(d))], d, 'o', alpha=0.6)
        for y, style, label in targets:
            ax.axhline(y, color=style[0], ls=style[1], lw=1, label=label)
        ax.set_ylabel(ylabel)
        if ymin is not None:
            ax.set_ylim(bottom=ymin)
        ax.set_title(title)
        ax.grid(True, axis='y', alpha=0.3)
        ax.legend()
        fig.tight_layout()
        fig.savefig(os.path.join(a.out, name), dpi=110)
        plt.close(fig)

    if det:
        box_plot('detection.png',
                 [(f'{det_label[s].replace(", ", chr(10))}\nn={len(det[s])}', det[s])
                  for s in ('default', 'fast', 'two') if s in det],
                 [(250, ('r', '--'), 'target (default): 250 ms')],
                 'partner killed -> clients told (ms)', 'Failure detection (QEMU TCG, Soft-RoCE)')

    fo = [(label, [v / 1e6 for v in pick(rows, 'failover', key='traffic_ns', side=side, cut=cut)
                   if v is not None])
          for label, cut, side in (('port cut\nnode 1 (its port)', 'port', 'portdown'),
                                   ('port cut\nnode 2', 'port', 'silent'),
                                   ('silent cut\nnode 1', 'netem', 'portdown'),
                                   ('silent cut\nnode 2', 'netem', 'silent'))]
    fo = [(f'{label}\nn={len(d)}', d) for label, d in fo if d]
    if fo:
        box_plot('failover.png', fo,
                 [(250, ('r', '--'), 'target, silent cut: 250 ms'),
                  (50, ('m', ':'), 'target, port cut (port side): 50 ms')],
                 "link cut -> client's traffic verified (ms)",
                 'Link failover, two links (QEMU TCG, Soft-RoCE)', ymin=0)
    return rc


if __name__ == '__main__':
    sys.exit(main())
