/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ccm - the multi-link layer, for SPIN: two nodes, two interconnect links.
 *
 * Hand-written from ccm_peer.c (ccm_peer_path_up(), ccm_peer_path_down(),
 * the pending link failures and their verdict, ccm_peer_choose(),
 * ccm_peer_set_cpath(), ccm_peer_use_rx(), ccm_peer_clients_rx()) and
 * ccm_clients.c (ccm_clients_rx(), ccm_clients_up(), ccm_clients_down(),
 * the OFFER/READY exchange of ccm_clients_sync()); check_links_c.py checks
 * by patterns that the C code still has the rules written here. Each
 * link's handshake (ccm.pml) is abstracted to its outcome: a connection is
 * made, each node's FSM reaches connected on it (in any order), it fails,
 * each node notices the failure on its own, and a new connection is made
 * once both have. See Documentation/model.rst.
 *
 * Node 1 is the leader (the higher node_id), node 0 the follower.
 *
 * Build options (-D...):
 *   NFAIL=n      link failures in all, default 3
 *   NDEAD=n      links that may be dead for good (never connect, or never
 *                again after a failure), default 1 (of 2)
 *   IMAX=n       client links (incarnations) a node may create before the
 *                exploration is cut, default 6
 *   NOCUT        reaching IMAX is an assertion failure: shows that the
 *                bound did not cut the search (then "|| stop" in the
 *                properties below never helps)
 *   LIVE         add the liveness formula (and the idle process that lets
 *                SPIN see a dead end as a fair cycle)
 *   WATCH        safety run that also rejects a dead end in which the
 *                clients are not connected on one link (the liveness
 *                property's finite half, at a fraction of its cost)
 *   BROKEN_ACCEPT_ANY_USE  the follower takes every USE, newer or not
 *   BROKEN_ANY_LINK        client messages are taken on any link, not only
 *                          on the clients' link
 *   BROKEN_FAILBACK        the leader moves the clients back to a lower
 *                          link as soon as that one is up again
 *   FIX_DEFER    candidate fix: a node handles the control messages of a
 *                link only once that link is up on it (earlier ones wait)
 *   FIX_REJOIN   candidate fix: the clients' link coming back up on a
 *                connection other than the one it was chosen (leader) or
 *                announced (follower) on is a new link: the leader chooses
 *                again and sends a new USE; the follower drops it and
 *                waits for a USE
 *   FIX_REJOIN_LEADER_ONLY  with FIX_REJOIN: the leader's half only
 *   WATCH_SAME   with WATCH: only a dead end with both nodes on the same
 *                clients' link is rejected (finds the trail of that kind)
 */

#define NL	2		/* links */
#define LEADER	1		/* node 1 has the higher node_id */
#define QCAP	6		/* messages in flight per link and direction */

#ifndef NFAIL
#define NFAIL	3
#endif
#ifndef NDEAD
#define NDEAD	1
#endif
#ifndef IMAX
#define IMAX	6
#endif

#ifdef FIX_REJOIN_LEADER_ONLY
#define FIX_REJOIN
#define REJOIN_LEADER_ONLY 1
#else
#define REJOIN_LEADER_ONLY 0
#endif

#ifdef BROKEN_ANY_LINK
#define ANY_LINK 1
#else
#define ANY_LINK 0
#endif

/* control messages (enum ccm_msg_type): USE(seq), OFFER(incarnation,
 * answers), READY(incarnation) */
#define M_USE	1
#define M_OFFER	2
#define M_READY	3

/* ---- the links ---- */
#define L_NEW	0	/* no connection yet */
#define L_UP	1	/* a connection stands (handshake or connected) */
#define L_FAILED 2	/* it failed; each node still to notice */
#define L_DEAD	3	/* failed, and no new connection ever */
byte lk[NL];
byte lgen[NL];		/* its connection's generation (the same on both nodes) */
bit act[NL];		/* the node that made that connection: it leads the
			 * client exchange on it (ccm_rdma_ctrl_leads()) */
byte nfail;
byte ndead;

/* messages to node `to' on link k, in order (one connection's sends) */
chan ch[2 * NL] = [QCAP] of { byte, byte, byte };
#define CH(k, to) ch[(k) * 2 + (to)]

/* ---- per node (index IX(node, link) for per-link views) ---- */
#define IX(n, k) ((n) * NL + (k))
bool cur[2 * NL];	/* the node still has the link's connection (path->cur) */
bool lup[2 * NL];	/* path->up: its FSM reached connected on it */
byte cpath[2];		/* peer->cpath: 0 none, else link + 1 */
#ifdef FIX_REJOIN
byte cgen[2];		/* generation of the connection cpath was set on */
#endif
byte useq;		/* leader: peer->use_seq */
byte useen[2];		/* peer->use_seen (the follower's matters) */
byte pend[2];		/* peer->pending_links, a mask */
byte known[2];		/* peer->known_links: of pend, failures known to be
			 * the link's (a local port event or device removal,
			 * or the partner's DOWN message): judged at once */
byte lfm;		/* links_failed()'s mask */
byte alv[2];		/* up links with a sign of the partner's life since
			 * the first pending failure (alive_ns > pending_since) */

/* ---- one client per node ---- */
byte qps[2];		/* links on which the client's ccm_link (QPs) exists, a mask */
byte inc[2];		/* its incarnation; 0: no ccm_link */
byte ictr[2];		/* ccm_incarnation */
bool offered[2];
byte answers[2];	/* link->answers */
bool rts[2];
byte rinc[2];		/* link->remote_incarnation */
bool regd[2];		/* memory registration completed */
bool rdys[2];		/* link->ready_sent */
bool ann[2];		/* link->announced: the client is connected */
/* the partner's offer (ccm_remotes, one client) */
byte r_in[2];
byte r_ans[2];
bool r_rdy[2];
bool r_used[2];
byte rgen[2];		/* ccm_remotes_gen */

bool stop;		/* exploration cut (IMAX) */

#define AGREED (cpath[0] != 0 && cpath[0] == cpath[1] && ann[0] && ann[1])
#define UPMASK(n) ((lup[IX(n, 0)] -> 1 : 0) | (lup[IX(n, 1)] -> 2 : 0))

/* ---- ccm_peer.c ---- */

inline send(K, T, A, B)
{
	assert(cur[IX(n, K)] && lup[IX(n, K)]);	/* ccm_rdma_send_msg: ready */
	if
	:: cur[IX(p, K)] ->
		assert(len(CH(K, p)) < QCAP);
		CH(K, p)!T, A, B
	:: else		/* the partner's end is gone: lost */
	fi
}

inline remotes_clear()
{
	r_in[n] = 0; r_ans[n] = 0; r_rdy[n] = 0; r_used[n] = 0
}

/* ccm_link_release() */
inline release()
{
	qps[n] = 0; inc[n] = 0; offered[n] = 0; answers[n] = 0; rts[n] = 0;
	rinc[n] = 0; regd[n] = 0; rdys[n] = 0; ann[n] = 0
}

/* ccm_clients_down() */
inline clients_down()
{
	remotes_clear();
	release()
}

/* ccm_clients_sync(): pass 1 (create, take the leader's offer, offer),
 * pass 2 (connect, READY, announce) */
inline sync()
{
	up = (cpath[n] != 0 && lup[IX(n, cpath[n] - 1)]);	/* ccm_peer_ctrl_up() */
	lead = (cpath[n] != 0 && cur[IX(n, cpath[n] - 1)] && act[cpath[n] - 1] == n);
	if
	:: up ->
		if
		:: inc[n] == 0 && ictr[n] >= IMAX ->
#ifdef NOCUT
			assert(false);	/* IMAX too small for this NFAIL */
#endif
			stop = 1;
			printf("MSC: incarnation bound reached\n")
		:: inc[n] == 0 && ictr[n] < IMAX ->
			ictr[n]++; inc[n] = ictr[n];
			qps[n] = qps[n] | (1 << (cpath[n] - 1));
			printf("MSC: node %d: client link %d created on link %d\n", n, inc[n], cpath[n] - 1)
		:: else
		fi;
		if
		:: inc[n] != 0 && !lead && r_in[n] != 0 && !r_used[n] && !rts[n] ->
			r_used[n] = 1; answers[n] = r_in[n]; offered[n] = 0
		:: else
		fi;
		if
		:: inc[n] != 0 && !offered[n] ->
			printf("MSC: node %d: OFFER(%d, answers %d) on link %d\n", n, inc[n], answers[n], cpath[n] - 1);
			send(cpath[n] - 1, M_OFFER, inc[n], answers[n]);
			offered[n] = 1
		:: else
		fi;
		if
		:: inc[n] != 0 && r_in[n] != 0 &&
		   ((lead && r_ans[n] == inc[n]) || (!lead && answers[n] == r_in[n])) ->
			if
			:: !rts[n] -> rinc[n] = r_in[n]; rts[n] = 1
			:: else
			fi;
			if
			:: !rdys[n] && regd[n] ->
				printf("MSC: node %d: READY(%d) on link %d\n", n, inc[n], cpath[n] - 1);
				send(cpath[n] - 1, M_READY, inc[n], 0);
				rdys[n] = 1
			:: else
			fi;
			if
			:: rdys[n] && r_rdy[n] && !ann[n] && r_in[n] == rinc[n] ->
				ann[n] = 1;
				printf("MSC: node %d: client connected on link %d\n", n, cpath[n] - 1)
			:: else
			fi
		:: else
		fi
	:: else
	fi;
	up = 0; lead = 0
}

/* ccm_clients_up() */
inline clients_up()
{
	g = (cpath[n] != 0 -> lgen[cpath[n] - 1] : 0);
	if
	:: rgen[n] != g -> remotes_clear(); rgen[n] = g
	:: else
	fi;
	sync()
}

/* ccm_peer_set_cpath() */
inline set_cpath(X)
{
	if
	:: cpath[n] != X ->
#ifndef BROKEN_FAILBACK
		/* no fail-back: the leader leaves a link only when it is down */
		assert(n != LEADER || cpath[n] == 0 || !lup[IX(n, cpath[n] - 1)]);
#endif
		if
		:: cpath[n] != 0 -> clients_down()
		:: else
		fi;
		printf("MSC: node %d: clients' link %d -> %d\n", n, cpath[n] - 1, X - 1);
		cpath[n] = X
	:: else
	fi;
#ifdef FIX_REJOIN
	cgen[n] = (X != 0 -> lgen[X - 1] : 0);
#endif
	skip
}

/* ccm_peer_choose(): the lowest connected link, USE before the offers */
inline choose()
{
	nx = (lup[IX(n, 0)] -> 1 : (lup[IX(n, 1)] -> 2 : 0));
	set_cpath(nx);
	if
	:: nx != 0 ->
		useq++;
		printf("MSC: node %d: USE(%d) on link %d\n", n, useq, nx - 1);
		send(nx - 1, M_USE, useq, 0);
		clients_up()
	:: else
	fi
}

/* ccm_peer_path_up() */
inline path_up()
{
	printf("MSC: node %d: link %d up\n", n, k);
	lup[IX(n, k)] = 1;
	/* reaching connected is a sign of life (ccm_path_alive()) */
	if
	:: pend[n] != 0 -> alv[n] = alv[n] | (1 << k)
	:: else
	fi;
#ifdef FIX_REJOIN
	if
	:: cpath[n] == k + 1 && cgen[n] != lgen[k] && (n == LEADER || !REJOIN_LEADER_ONLY) ->
		/* the clients' link is back on a new connection: the clients'
		 * state belongs to the old one */
		if
		:: n == LEADER -> cpath[n] = 0; cgen[n] = 0; clients_down()	/* chosen again below */
		:: else -> set_cpath(0)
		fi
	:: else
	fi;
#endif
	if
	:: n == LEADER && (cpath[n] == 0 || !lup[IX(n, cpath[n] - 1)]) -> choose()
#ifdef BROKEN_FAILBACK
	:: n == LEADER && cpath[n] != 0 && lup[IX(n, cpath[n] - 1)] && k + 1 < cpath[n] ->
		choose()
#endif
	:: else ->
		if
		:: cpath[n] == k + 1 -> clients_up()
		:: else
		fi
	fi
}

/* ccm_peer_path_down(): with another link up the failure is pending until
 * the partner shows life on an up link; the last one is the partner's loss */
inline path_down()
{
	printf("MSC: node %d: link %d down\n", n, k);
	lup[IX(n, k)] = 0;
	alv[n] = alv[n] & ~(1 << k);
	if
	:: UPMASK(n) != 0 ->
		if
		:: pend[n] == 0 -> alv[n] = 0	/* pending_since = now */
		:: else
		fi;
		pend[n] = pend[n] | (1 << k);
		/* the link's own fault for sure, or maybe the partner's death */
		if
		:: known[n] = known[n] | (1 << k)
		:: skip
		fi
	:: else ->
		/* property 1: the verdict only with every link down here */
		assert(!lup[IX(n, 0)] && !lup[IX(n, 1)]);
		printf("MSC: node %d: partner lost\n", n);
		pend[n] = 0; alv[n] = 0; known[n] = 0;
		clients_down();
		cpath[n] = 0;
		useen[n] = 0
	fi
}

/* ccm_peer_links_failed(): the pending failures of mask M are link
 * failures (the partner lives, or they are known to be the link's); the
 * clients move if their link is down */
inline links_failed(M)
{
	assert(UPMASK(n) != 0);
	lfm = M;
	printf("MSC: node %d: pending link failures %d judged link failures\n", n, lfm);
	pend[n] = pend[n] & ~lfm;
	known[n] = known[n] & ~lfm;
	if
	:: pend[n] == 0 -> alv[n] = 0
	:: else
	fi;
	lfm = 0;
	if
	:: cpath[n] != 0 && !lup[IX(n, cpath[n] - 1)] ->
		if
		:: n == LEADER -> choose()
		:: else -> set_cpath(0)
		fi
	:: else
	fi
}

/* ccm_peer_use_rx() */
inline use_rx(K)
{
	assert(n != LEADER);	/* only the leader announces */
	if
#ifndef BROKEN_ACCEPT_ANY_USE
	:: useen[n] != 0 && a <= useen[n] ->
		printf("MSC: node %d: stale USE(%d) on link %d dropped (seen %d)\n", n, a, K, useen[n])
#endif
	:: else ->
		printf("MSC: node %d: takes USE(%d) on link %d\n", n, a, K);
		useen[n] = a;
		set_cpath(K + 1);
		if
		:: lup[IX(n, K)] -> clients_up()
		:: else
		fi
	fi
}

/* ccm_clients_rx() with ccm_peer_clients_rx() and the helpers; before it,
 * ccm_conn_rx_msg() counts the message as a sign of life */
inline rx(K)
{
	CH(K, n)?t, a, b;
	if
	:: pend[n] != 0 && lup[IX(n, K)] -> alv[n] = alv[n] | (1 << K)
	:: else
	fi;
	if
	:: t == M_USE -> use_rx(K)
	:: t != M_USE && cpath[n] != K + 1 &&
	   (n == LEADER || cpath[n] != 0 || useen[n] != 0) && !ANY_LINK ->
		printf("MSC: node %d: message %d on link %d dropped (not the clients' link)\n", n, t, K)
	:: else ->
		/* ccm_peer_clients_rx(): a follower without clients' link that
		 * never got a USE takes the link of the first client message */
		if
		:: cpath[n] == 0 -> set_cpath(K + 1)
		:: else
		fi;
		if
		:: rgen[n] != lgen[K] -> remotes_clear(); rgen[n] = lgen[K]
		:: else
		fi;
		if
		:: t == M_OFFER ->
			printf("MSC: node %d: got OFFER(%d, answers %d) on link %d\n", n, a, b, K);
			r_in[n] = a; r_ans[n] = b; r_rdy[n] = 0; r_used[n] = 0;
			if
			:: inc[n] != 0 && rts[n] && rinc[n] != a -> release()
			:: else
			fi
		:: t == M_READY ->
			printf("MSC: node %d: got READY(%d) on link %d\n", n, a, K);
			if
			:: r_in[n] != 0 && r_in[n] == a -> r_rdy[n] = 1
			:: else
			fi
		fi;
		sync()
	fi
}

/* a failure noticed (heartbeat, CONN_LOST): the FSM leaves connected,
 * then the connection is torn down and what was in flight to us is lost */
inline notice(K)
{
	k = K;
	if
	:: lup[IX(n, K)] -> path_down()
	:: else
	fi;
	cur[IX(n, K)] = 0;
	do
	:: len(CH(K, n)) > 0 -> CH(K, n)?t, a, b
	:: else -> break
	od
}

#ifdef FIX_DEFER
#define RXOK(K) lup[IX(n, K)]
#else
#define RXOK(K) true
#endif

/* the partner's heartbeat moves on a link up on both nodes whose
 * connection stands (it writes it there every heartbeat_ms) */
#define HB(K) (lup[IX(n, K)] && lup[IX(p, K)] && lk[K] == L_UP)

#define CLEAR k = 0; t = 0; a = 0; b = 0; nx = 0; g = 0

proctype node(byte n)
{
	byte p = 1 - n;
	byte k, t, a, b, nx, g;
	bool up, lead;

end:
	do
	/* the link's FSM reaches connected on this node */
	:: atomic { !stop && lk[0] == L_UP && cur[IX(n, 0)] && !lup[IX(n, 0)] ->
		k = 0; path_up(); CLEAR }
	:: atomic { !stop && lk[1] == L_UP && cur[IX(n, 1)] && !lup[IX(n, 1)] ->
		k = 1; path_up(); CLEAR }
	/* a message arrives on the link's current connection */
	:: atomic { !stop && cur[IX(n, 0)] && len(CH(0, n)) > 0 && RXOK(0) -> rx(0); CLEAR }
	:: atomic { !stop && cur[IX(n, 1)] && len(CH(1, n)) > 0 && RXOK(1) -> rx(1); CLEAR }
	/* this node notices the link's failure */
	:: atomic { !stop && cur[IX(n, 0)] && lk[0] >= L_FAILED -> notice(0); CLEAR }
	:: atomic { !stop && cur[IX(n, 1)] && lk[1] >= L_FAILED -> notice(1); CLEAR }
	/* pending failures: the verdict work (ccm_peer_verdict_check())
	 * finds a sign of the partner's life on an up link since the first
	 * of them: a message or the link's connect seen before, or the
	 * partner's heartbeat moving now */
	:: atomic { !stop && pend[n] != 0 &&
		    ((alv[n] & UPMASK(n)) != 0 || HB(0) || HB(1)) ->
		links_failed(pend[n]); CLEAR }
	/* ... or the failures known to be the link's, without that sign */
	:: atomic { !stop && (pend[n] & known[n]) != 0 ->
		links_failed(pend[n] & known[n]); CLEAR }
	/* the client's memory registration completes */
	:: atomic { !stop && rts[n] && !regd[n] -> regd[n] = 1; sync(); CLEAR }
	od
}

inline join(K)
{
	assert(len(CH(K, 0)) == 0 && len(CH(K, 1)) == 0);
	lk[K] = L_UP; lgen[K]++;
	cur[IX(0, K)] = 1; cur[IX(1, K)] = 1;
	if
	:: act[K] = 0
	:: act[K] = 1
	fi;
	printf("MSC: link %d: connection gen %d made by node %d\n", K, lgen[K], act[K])
}

/* the network: connections are made, fail, and are made again once both
 * nodes have let go of the failed one */
proctype env()
{
end:
	do
	:: atomic { !stop && (lk[0] == L_NEW || lk[0] == L_FAILED) &&
		    !cur[IX(0, 0)] && !cur[IX(1, 0)] -> join(0) }
	:: atomic { !stop && (lk[1] == L_NEW || lk[1] == L_FAILED) &&
		    !cur[IX(0, 1)] && !cur[IX(1, 1)] -> join(1) }
	:: atomic { !stop && lk[0] == L_UP && nfail < NFAIL ->
		nfail++;
		if
		:: lk[0] = L_FAILED
		:: ndead < NDEAD -> ndead++; lk[0] = L_DEAD
		fi;
		printf("MSC: link 0 fails (%d: 3 for good)\n", lk[0]) }
	:: atomic { !stop && lk[1] == L_UP && nfail < NFAIL ->
		nfail++;
		if
		:: lk[1] = L_FAILED
		:: ndead < NDEAD -> ndead++; lk[1] = L_DEAD
		fi;
		printf("MSC: link 1 fails (%d: 3 for good)\n", lk[1]) }
	/* a link that never comes (no cable) */
	:: atomic { !stop && lk[0] == L_NEW && ndead < NDEAD ->
		ndead++; lk[0] = L_DEAD; printf("MSC: link 0 never comes\n") }
	:: atomic { !stop && lk[1] == L_NEW && ndead < NDEAD ->
		ndead++; lk[1] = L_DEAD; printf("MSC: link 1 never comes\n") }
	od
}

/* properties 2 and 3, checked in every state */
#define ONE_LINK(n) ((qps[n] & (qps[n] - 1)) == 0 && \
		     (qps[n] == 0 || (cpath[n] != 0 && qps[n] == (1 << (cpath[n] - 1)))))
#define INV (ONE_LINK(0) && ONE_LINK(1) && (!(ann[0] && ann[1]) || qps[0] == qps[1]))

active proctype monitor()
{
end:
	atomic { !INV -> assert(INV) }
}

#ifdef WATCH
/* a dead end is valid only with the clients connected on one link */
#ifdef WATCH_SAME
#define GOOD (AGREED || stop || cpath[0] == 0 || cpath[0] != cpath[1])
#else
#define GOOD (AGREED || stop)
#endif
active proctype watchdog()
{
end:
	do
	:: !GOOD -> bad: GOOD
	od
}
#endif

init
{
	atomic {
		run env();
		run node(0);
		run node(1)
	}
}

#ifdef LIVE
/* SPIN's weak fairness does not extend a dead end by stuttering: this
 * process turns one into a (fair) cycle of its own */
active proctype idle()
{
end:
	do
	:: timeout -> skip
	od
}

/* NDEAD < NL: a link stays; failures are bounded: once they are over,
 * both nodes end on one clients' link with the clients connected */
ltl live { <> [] (AGREED || stop) }
#endif
