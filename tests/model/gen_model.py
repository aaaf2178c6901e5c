#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""
Generate the SPIN model's transition function from ccm_fsm_table.h.

    gen_model.py [--src DIR] [--out FILE]   write the Promela include
    gen_model.py --check [--src DIR]        only parse and cross-check

The table (ccm_fsm_table.h) is the single description of the handshake:
ccm_fsm.c compiles it with a CCM_T() macro, this script turns the same
lines into a Promela inline `fsm_step(s, e, nx, act, legal)`, so the model
runs exactly the C transition table. The script refuses a table it cannot
read completely: every CCM_T( in the file (outside comments) must parse,
every state, event and action name must exist in ccm_fsm.h, and no
(state, event) pair may be listed twice.
"""
import argparse
import re
import sys
from pathlib import Path


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"),
                  text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def parse_enum(text, name, prefix):
    m = re.search(r"enum\s+%s\s*\{(.*?)\};" % name, text, re.S)
    if not m:
        raise SystemExit("gen_model: enum %s not found in ccm_fsm.h" % name)
    out = []
    for item in m.group(1).split(","):
        item = item.strip()
        if not item:
            continue
        if "=" in item:
            raise SystemExit("gen_model: enum %s: explicit value in %r "
                             "(not supported)" % (name, item))
        if not item.startswith(prefix):
            raise SystemExit("gen_model: enum %s: unexpected %r" % (name, item))
        if item == prefix + "NR":
            continue
        out.append(item[len(prefix):])
    return out


def parse_actions(text):
    acts = {}
    for m in re.finditer(r"^#define\s+CCM_ACT_(\w+)\s+(BIT\((\d+)\)|0)\s*$",
                         text, re.M):
        acts[m.group(1)] = (1 << int(m.group(3))) if m.group(3) else 0
    if "NONE" not in acts:
        raise SystemExit("gen_model: CCM_ACT_NONE not found in ccm_fsm.h")
    return acts


LINE = re.compile(r"^\s*CCM_T\(\s*(\w+)\s*,\s*(\w+)\s*,\s*(\w+)\s*,"
                  r"\s*([\w\s|]+?)\s*\)\s*$")


def parse(src):
    hdr = strip_comments((src / "ccm_fsm.h").read_text())
    states = parse_enum(hdr, "ccm_state", "CCM_S_")
    events = parse_enum(hdr, "ccm_event", "CCM_EV_")
    acts = parse_actions(hdr)
    table = strip_comments((src / "ccm_fsm_table.h").read_text())
    errors = []
    rows = []
    seen = set()
    for n, line in enumerate(table.splitlines(), 1):
        if "CCM_T" not in line:
            if line.strip():
                errors.append("line %d: not a CCM_T line: %r" % (n, line))
            continue
        m = LINE.match(line)
        if not m:
            errors.append("line %d: cannot parse %r" % (n, line))
            continue
        s, e, nx, a = m.groups()
        mask = 0
        names = [x.strip() for x in a.split("|")]
        for x in names:
            if not x.startswith("CCM_ACT_") or x[8:] not in acts:
                errors.append("line %d: unknown action %r" % (n, x))
            else:
                mask |= acts[x[8:]]
        for what, name, known in (("state", s, states), ("event", e, events),
                                  ("state", nx, states)):
            if name not in known:
                errors.append("line %d: unknown %s %r" % (n, what, name))
        if (s, e) in seen:
            errors.append("line %d: (%s, %s) listed twice" % (n, s, e))
        seen.add((s, e))
        rows.append((s, e, nx, mask, [x[8:] for x in names]))
    count = table.count("CCM_T(")
    if count != len(rows):
        errors.append("%d CCM_T( occurrences but %d transitions parsed"
                      % (count, len(rows)))
    if errors:
        for err in errors:
            print("gen_model: ccm_fsm_table.h: " + err, file=sys.stderr)
        raise SystemExit(1)
    timers = parse_timers(src, states)
    polls = parse_polls(src, states)
    return states, events, acts, rows, timers, polls


def parse_timers(src, states):
    """States with a timer, from ccm_state_timeouts[] in ccm_fsm.c."""
    c = strip_comments((src / "ccm_fsm.c").read_text())
    m = re.search(r"ccm_state_timeouts\[CCM_S_NR\]\s*=\s*\{(.*?)\};", c, re.S)
    if not m:
        raise SystemExit("gen_model: ccm_state_timeouts[] not found in ccm_fsm.c")
    tmo = dict(re.findall(r"\[CCM_S_(\w+)\]\s*=\s*CCM_TMO_(\w+)", m.group(1)))
    if sorted(tmo) != sorted(states):
        raise SystemExit("gen_model: ccm_state_timeouts[] does not list every state")
    return [s for s in states if tmo[s] != "NONE"]


def parse_polls(src, states):
    """States in which the mailbox is polled, from ccm_path_polls()."""
    c = strip_comments((src / "ccm_path.c").read_text())
    m = re.search(r"bool ccm_path_polls\([^)]*\)\s*\{(.*?)\n\}", c, re.S)
    if not m:
        raise SystemExit("gen_model: ccm_path_polls() not found in ccm_path.c")
    body = m.group(1)
    found = re.findall(r"path->state\s*==\s*CCM_S_(\w+)", body)
    rest = re.sub(r"path->state\s*==\s*CCM_S_\w+|\|\||return|[\s;]", "", body)
    if not found or rest or any(s not in states for s in found):
        raise SystemExit("gen_model: ccm_path_polls() is not a plain "
                         "'state == A || state == B' list; update gen_model.py")
    return found


def emit(states, events, acts, rows, timers, polls):
    o = []
    o.append("/* GENERATED by tests/model/gen_model.py from ccm_fsm_table.h")
    o.append(" * and ccm_fsm.h: do not edit, do not commit. */")
    o.append("mtype = { " + ", ".join("S_" + s for s in states) + " };")
    o.append("mtype = { " + ", ".join("E_" + e for e in events) + " };")
    for name, bit in sorted(acts.items(), key=lambda x: x[1]):
        o.append("#define ACT_%s %d" % (name, bit))
    o.append("#define FSM_NR_TRANSITIONS %d" % len(rows))
    o.append("/* ccm_state_timeouts[] != CCM_TMO_NONE */")
    o.append("#define HAS_TIMER(s) (" + " || ".join("(s) == S_" + x for x in timers) + ")")
    o.append("/* ccm_path_polls() */")
    o.append("#define POLLS(s) (" + " || ".join("(s) == S_" + x for x in polls) + ")")
    o.append("")
    o.append("/* (state s, event e) -> next state nx, actions act; legal = 0")
    o.append(" * for a pair the table does not list (ccm_fsm_step: -EPERM). */")
    o.append("inline fsm_step(s, e, nx, act, legal)")
    o.append("{")
    o.append("\tif")
    for s, e, nx, mask, names in rows:
        o.append("\t:: (s == S_%s && e == E_%s) -> nx = S_%s; act = %d; "
                 "legal = 1 /* %s */" % (s, e, nx, mask, "|".join(names)))
    o.append("\t:: else -> nx = s; act = 0; legal = 0")
    o.append("\tfi")
    o.append("}")
    return "\n".join(o) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", default=str(Path(__file__).resolve().parents[2]))
    ap.add_argument("--out")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--dump", action="store_true",
                    help="print 'state event next actions' numerically, "
                         "for the cross-check against the C compiler")
    args = ap.parse_args()
    states, events, acts, rows, timers, polls = parse(Path(args.src))
    if args.dump:
        for s, e, nx, mask, _ in rows:
            print(states.index(s), events.index(e), states.index(nx), mask)
        return
    if args.check:
        print("gen_model: %d transitions, %d states, %d events, %d actions, "
              "%d timed states, %d polling states: ok"
              % (len(rows), len(states), len(events), len(acts), len(timers),
                 len(polls)))
        return
    text = emit(states, events, acts, rows, timers, polls)
    if args.out:
        Path(args.out).write_text(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
