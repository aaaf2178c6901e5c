#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""
Check that the C code still has the rules tests/model/links.pml models.

    check_links_c.py [--src DIR]

links.pml is written by hand from ccm_peer.c and ccm_clients.c. This
script ties the two together cheaply: for every rule the model relies on,
it looks for the C statements that implement it, in order, inside the
function that must contain them (comments dropped, white space collapsed).
When one is missing, the C code changed what the model assumes: update
links.pml (and this list) with it. It proves nothing about the C code
beyond the presence of these statements.
"""
import argparse
import re
import sys
from pathlib import Path

# (file, function, what the model assumes, [snippets in order])
RULES = [
    ("ccm_peer.c", "ccm_peer_leads",
     "the leader is the node with the higher node_id",
     ["return peer->node_id > peer->peer_node_id;"]),
    ("ccm_peer.c", "ccm_peer_set_cpath",
     "a change of the clients' link disconnects the clients first",
     ["if (peer->cpath == path) return;",
      "if (peer->cpath) ccm_clients_down(peer, reason);",
      "WRITE_ONCE(peer->cpath, path);"]),
    ("ccm_peer.c", "ccm_peer_choose",
     "leader: the lowest connected link, a new USE sequence number, "
     "USE sent before the clients are offered",
     ["for (i = 0; i < peer->nr_paths && !next; i++) if (peer->paths[i]->up) next = peer->paths[i];",
      "ccm_peer_set_cpath(peer, next, reason);",
      "if (!next) return;",
      "if (!++peer->use_seq) peer->use_seq = 1;",
      "ccm_wire_msg_use(",
      "ccm_rdma_send_msg(next,",
      "ccm_clients_up(peer);"]),
    ("ccm_peer.c", "ccm_peer_use_rx",
     "follower: a USE not newer than use_seen is dropped; a newer one "
     "moves the clients to its link, offered at once if it is up",
     ["if (peer->nr_paths == 1) return;",
      "if (ccm_peer_leads(peer)) {",
      "if (peer->use_seen && (s16)(seq - peer->use_seen) <= 0) {",
      "return;",
      "peer->use_seen = seq;",
      "ccm_peer_set_cpath(peer, path, CCM_DISC_LINK_DOWN);",
      "if (path->up) ccm_clients_up(peer);"]),
    ("ccm_peer.c", "ccm_peer_clients_rx",
     "client messages only on the clients' link, except that a follower "
     "without one that never took a USE takes the link of the first",
     ["if (path == peer->cpath) return true;",
      "if (peer->nr_paths == 1 || peer->cpath || peer->use_seen || ccm_peer_leads(peer)) return false;",
      "ccm_peer_set_cpath(peer, path, CCM_DISC_LINK_DOWN); return true;"]),
    ("ccm_peer.c", "ccm_peer_path_up",
     "a link up: the leader chooses only without an up clients' link "
     "(no fail-back); else the clients are offered if it is theirs",
     ["if (path->up) return;",
      "path->up = true;",
      "if (peer->nr_paths > 1 && ccm_peer_leads(peer) && (!peer->cpath || !peer->cpath->up)) ccm_peer_choose(peer, CCM_DISC_LINK_DOWN);",
      "else if (path == peer->cpath) ccm_clients_up(peer);"]),
    ("ccm_peer.c", "ccm_peer_path_down",
     "a link down: nothing unless it was up; with another up the failure "
     "is pending (nothing else changes); the last one is the partner's "
     "loss: pending cleared, clients down, no clients' link, use_seen 0",
     ["if (!path->up) return;",
      "path->up = false;",
      "peer->nr_up--;",
      "if (peer->nr_up) {",
      "if (!peer->pending_links) peer->pending_since = ktime_get_ns();",
      "peer->pending_links |= BIT(path->idx);",
      "return; }",
      "peer->pending_links = 0;",
      "ccm_clients_down(peer, peer->down_reason);",
      "WRITE_ONCE(peer->cpath, NULL); peer->use_seen = 0;"]),
    ("ccm_peer.c", "ccm_peer_proven_alive",
     "the verdict: a sign of life on a link up now, since the first "
     "pending failure",
     ["if (!path->up) continue;",
      "if (path->up && path->alive_ns > peer->pending_since) return true;"]),
    ("ccm_peer.c", "ccm_peer_verdict_check",
     "failures known to be the link's are link failures at once; proof of "
     "life makes the other pending failures link failures",
     ["if (peer->pending_links & peer->known_links) ccm_peer_links_failed(peer, peer->pending_links & peer->known_links);",
      "if (ccm_peer_proven_alive(peer)) { ccm_peer_links_failed(peer, peer->pending_links);"]),
    ("ccm_peer.c", "ccm_peer_links_failed",
     "link failures: the clients move only if their link is down (leader "
     "chooses, follower waits for a USE)",
     ["peer->pending_links &= ~mask;",
      "if (!peer->pending_links) peer->pending_since = 0;",
      "if (!peer->cpath || peer->cpath->up) return;",
      "if (ccm_peer_leads(peer)) ccm_peer_choose(peer, reason); else ccm_peer_set_cpath(peer, NULL, reason);"]),
    ("ccm_path.c", "ccm_path_alive",
     "signs of life reach the verdict",
     ["path->alive_ns = ktime_get_ns();", "ccm_peer_path_alive(path);"]),
    ("ccm_ctrl.c", "ccm_conn_rx_msg",
     "a control message on the current connection is a sign of life; it is "
     "handled once the link is up here, kept until then (FIX_DEFER)",
     ["if (conn != path->cur) return; ccm_path_alive(path); "
      "if (conn->msg_lost) return; "
      "if (!path->up) ccm_conn_defer_msg(conn, i); "
      "else ccm_conn_deliver("]),
    ("ccm_ctrl.c", "ccm_rdma_rx_deferred",
     "the messages kept are handed on in order once the link is up",
     ["while (!conn->msg_lost && path->cur == conn && path->up &&",
      "ccm_conn_deliver(conn, m->data, m->len);"]),
    ("ccm_peer.c", "ccm_peer_set_cpath",
     "the clients' link remembers the connection it was chosen on "
     "(FIX_REJOIN)",
     ["peer->cpath_gen = path ? path->cur_gen : 0;"]),
    ("ccm_peer.c", "ccm_peer_path_up",
     "the clients' link back on a new connection is given up: the leader "
     "chooses again, the follower waits for USE (FIX_REJOIN)",
     ["if (peer->nr_paths > 1 && path == peer->cpath && "
      "peer->cpath_gen != path->cur_gen) "
      "ccm_peer_set_cpath(peer, NULL, CCM_DISC_LINK_DOWN);"]),
    ("ccm_path.c", "ccm_path_step",
     "the partner hears of a link's loss before the connection goes, and "
     "of a connected link after the actions",
     ["if (old == CCM_S_CONNECTED && res.next != CCM_S_CONNECTED) {",
      "ccm_peer_path_down(path);",
      "ccm_path_do_actions(path, res.actions, gen);",
      "if (res.actions & CCM_ACT_CONNECTED) { ccm_peer_path_up(path); "
      "ccm_rdma_rx_deferred(path);"]),
    ("ccm_clients.c", "ccm_clients_rx",
     "USE is taken on any link; every other message as "
     "ccm_peer_clients_rx() says",
     ["if (mi.type == CCM_MSG_USE) { ccm_peer_use_rx(path, mi.arg); return 0; }",
      "if (!ccm_peer_clients_rx(path)) {",
      "return 0; }",
      "if (ccm_remotes_gen != gen) { ccm_remotes_clear();",
      "ccm_clients_sync(peer);"]),
    ("ccm_clients.c", "ccm_clients_down",
     "clients down: the partner's offers are forgotten, every link released",
     ["ccm_remotes_clear();",
      "ccm_link_release(cs, reason);"]),
    ("ccm_clients.c", "ccm_clients_rx_offer",
     "a new offer of the partner's replaces a paired link of ours",
     ["if (cs && cs->link && cs->link->rts && cs->link->remote_incarnation != o.incarnation) ccm_link_release(cs, CCM_DISC_PARTNER_UNREGISTERED);"]),
    ("ccm_clients.c", "ccm_clients_offer",
     "the exchange follower answers the leader's unused offer by "
     "offering again; offers only while the clients' link is up",
     ["if (!up || cs->st == CCM_CL_FAILED) continue;",
      "if (!lead && r && !r->used && !link->rts) { r->used = true; link->answers = r->incarnation; link->offered = false; }",
      "if (!link->offered) { ccm_msgbuf_offer(offer, link);"]),
    ("ccm_clients.c", "ccm_clients_connect",
     "pairing: the exchange leader pairs with an offer answering it, the "
     "follower with the offer it answered; connected once both READY "
     "(connecting may take several passes: the model's rts is C's rts, "
     "set on the first; READY waits for the last, as for registration)",
     ["if (!r || (lead ? r->answers != link->incarnation : link->answers != r->incarnation)) continue;",
      "if (!link->rts_done) { if (ccm_link_budget_spent(budget)) { more = true; continue; } ret = ccm_client_connect(peer, cs, r, gone, budget);",
      "if (!link->ready_sent && test_and_clear_bit(CCM_LINK_REG_DONE, &link->flags)) {",
      "if (link->ready_sent && r->ready && !link->announced && r->incarnation == link->remote_incarnation) {"]),
    ("ccm_peer.c", "ccm_peer_ctrl_up",
     "the clients run only while their link is connected",
     ["return peer->cpath && peer->cpath->state == CCM_S_CONNECTED && ccm_rdma_ctrl_id(peer->cpath);"]),
    ("ccm_ctrl.c", "ccm_rdma_ctrl_leads",
     "the side that made the connection leads the client exchange",
     ["return path->cur && path->cur->kind == CCM_CONN_ACTIVE;"]),
]


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def norm(text):
    return re.sub(r"\s+", " ", text).strip()


def body(src, name):
    """The normalized body of the C function @name, or None."""
    m = re.search(r"^[A-Za-z_][^;{}()]*\b%s\(([^;{]*?)\)\s*\{" % re.escape(name),
                  src, re.M)
    if not m:
        return None
    i = m.end()
    depth = 1
    while i < len(src) and depth:
        if src[i] == "{":
            depth += 1
        elif src[i] == "}":
            depth -= 1
        i += 1
    return norm(src[m.end():i - 1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", default=str(Path(__file__).resolve().parents[2]))
    args = ap.parse_args()
    src = Path(args.src)
    files = {}
    bad = 0
    for fname, func, what, snippets in RULES:
        if fname not in files:
            files[fname] = strip_comments((src / fname).read_text())
        b = body(files[fname], func)
        if b is None:
            print("check_links_c: %s: %s() not found (%s)" % (fname, func, what))
            bad += 1
            continue
        pos = 0
        for s in snippets:
            i = b.find(norm(s), pos)
            if i < 0:
                print("check_links_c: %s: %s(): %s\n  no longer has%s: %s"
                      % (fname, func, what,
                         " (in this order)" if pos else "", s))
                bad += 1
                break
            pos = i + len(norm(s))
    if bad:
        print("check_links_c: %d rule(s) changed in the C code: update "
              "tests/model/links.pml and this list" % bad)
        return 1
    print("check_links_c: %d rules found in the C code" % len(RULES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
