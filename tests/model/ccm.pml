/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ccm - the handshake of two nodes, for SPIN.
 *
 * The FSM is not written here: fsm_gen.pml is generated at run time by
 * gen_model.py from ccm_fsm_table.h (the file ccm_fsm.c compiles), so the
 * model runs the C transition table itself. What is written here is the
 * rest of ccm as seen by the FSM: ccm_path.c (generation filter, event
 * queue, actions, KICK) and the transport (connections and tie-break:
 * ccm_connect.c, ccm_cm.c; sentinel reads, mailbox writes and polls:
 * ccm_sentinel.c), with the network and the partner as nondeterminism.
 * See Documentation/model.rst.
 *
 * Build options (-D...):
 *   NRESTART=n   module reloads, both nodes together (each one a new
 *                epoch of that node), default 1
 *   NFAULT=n     failed operations / lost connections, default 1
 *   NEARLY=n     timers that fire while an operation is in flight, default 1
 *   GMAX=n       connection generations explored before the calm phase
 *   LIVE         add the calm phase (no faults, no reloads, timers only
 *                when nothing else can happen) and the liveness formula
 *   NO_POLL_ASSERT  leave out the assertion at the mailbox poll, so that
 *                only the "connected" assertion can catch a broken variant
 *   BROKEN_NO_EPOCH_CHECK  mailbox check ignores the epochs
 *   BROKEN_NO_GEN_CHECK    mailbox check ignores the generation
 *   BROKEN_NO_STALE_FILTER ccm_path_step() acts on events of any generation
 *   BROKEN_RELEASE_ANY     ccm_rdma_release() ignores the generation
 */
#include "fsm_gen.pml"

#ifndef NRESTART
#define NRESTART 1
#endif
#ifndef NFAULT
#define NFAULT 1
#endif
#ifndef NEARLY
#define NEARLY 1
#endif
#ifndef GMAX
#define GMAX 3
#endif
#define GCALM 3		/* generations the calm phase may still use */
#define NEP (NRESTART + 1)
#define GLIM (GMAX + GCALM)

#ifdef BROKEN_NO_EPOCH_CHECK
#define CHK_EPOCH 0
#else
#define CHK_EPOCH 1
#endif
#ifdef BROKEN_NO_GEN_CHECK
#define CHK_GEN 0
#else
#define CHK_GEN 1
#endif
#ifdef BROKEN_NO_STALE_FILTER
#define CHK_STALE 0
#else
#define CHK_STALE 1
#endif
#ifdef BROKEN_RELEASE_ANY
#define CHK_RELEASE 0
#else
#define CHK_RELEASE 1
#endif

/* mailbox messages (enum ccm_mbox_msg) */
#define M_NONE	0
#define M_S2	1
#define M_S5	2
#define M_CPL	3

#define QLEN	4	/* ccm_path_event() queue, per node */

/* ---- node state (ccm_path + its one ccm_conn) ---- */
bool up[2];		/* module loaded */
byte loads[2];		/* how many times loaded */
byte ep[2];		/* epoch: 1.. (a new one per load) */
mtype st[2];		/* FSM state */
byte maxg[2];		/* peer->max_gen */
byte curg[2];		/* peer->cur_gen */
byte pread[2];		/* peer->pending_read */

/* peer->cur: ccm keeps at most one connection per partner (make_current
 * destroys the old one), so it is described here in place. */
bool has[2];
bool act[2];		/* we initiated it (CCM_CONN_ACTIVE) */
byte cg[2];		/* conn->gen */
byte cpe[2];		/* conn->peer_epoch, 0 while unknown */
byte iep[2];		/* ghost: epoch of the node that initiated it */
bool est[2];		/* established */
bool rdy[2];		/* partner's descriptor received */
bool used[2];
byte rd[2];		/* read in flight: 0, 1 or 2 */
bool rej[2];		/* the partner refused it (REJ received) */
byte rejmg[2];		/* max_gen in that REJ */

/* A connection is (initiator, initiator's epoch, gen): unique, because a
 * node's max_gen only grows within an epoch. */
#define INIT(k) (act[k] -> (k) : 1 - (k))
#define MATCHED(k) (has[k] && has[1 - (k)] && cg[k] == cg[1 - (k)] && \
		    act[k] != act[1 - (k)] && iep[k] == iep[1 - (k)])

/* The write a node posted last (only one is ever outstanding per
 * connection): it lands in the partner's mailbox at any time while the
 * partner's end of that connection exists, even after the writer gave it
 * up or restarted; its completion is reported only on the writer's
 * current connection. */
byte wst[2];		/* 0 none, 1 posted, 2 landed */
bool wcur[2];		/* completion still due on cur */
byte wmsg[2];
byte wwe[2];
byte wre[2];
byte wgen[2];
byte wini[2];		/* ghost: connection it was posted on */
byte wiep[2];
#define CAN_LAND(k) (has[1 - (k)] && cg[1 - (k)] == wgen[k] && \
		     iep[1 - (k)] == wiep[k] && act[1 - (k)] == (wini[k] == 1 - (k)))

/* Node k's mailbox, in k's sentinel page, written by the partner. */
byte mmsg[2];
byte mwe[2];
byte mre[2];
byte mgen[2];
byte mini[2];		/* ghost: connection the message came on */
byte miep[2];

/* The connection request node k sent last, still in the network. */
bool rq[2];
byte rqg[2];
byte rqep[2];
byte rqmg[2];
/* Node k's request taken by the partner, its accept waiting for the
 * partner's sentinel registration (ccm_conn_request() -> ccm_conn_accept()). */
bool pa[2];		/* at node k: a request of the partner's pending */
byte pag[2];
byte pape[2];
#define REQ_PENDING(k) (act[k] && \
	((rq[k] && rqg[k] == cg[k] && rqep[k] == ep[k]) || \
	 (pa[1 - (k)] && pag[1 - (k)] == cg[k] && pape[1 - (k)] == ep[k])))

/* ghost: STATE5 messages of node k that landed, one bit per
 * (writer epoch, reader epoch, gen) */
int w5[2];
#define BIT5(we, re, g) (1 << ((((we) - 1) * NEP + ((re) - 1)) * GLIM + ((g) - 1)))

byte faults;		/* faults injected so far */
byte early;		/* timers fired early so far */
byte restarts;		/* module reloads so far, both nodes */
bool calm;		/* LIVE: faults and reloads are over */
bool stop;		/* exploration cut: generation bound reached */
bool prune;		/* ... before the calm phase: not a finding */
#define FAULT (faults < NFAULT && !calm)
#define BOTHOK (up[0] && up[1] && st[0] == S_CONNECTED && \
		st[1] == S_CONNECTED && MATCHED(0))

/* ---- ccm_path.c ---- */

inline enq(E, G)
{
	assert(qn < QLEN);
	qe[(qh + qn) % QLEN] = E;
	qg[(qh + qn) % QLEN] = G;
	qn++
}

/* ccm_conn_destroy(peer->cur) */
inline destroy_cur()
{
	has[i] = 0; act[i] = 0; cg[i] = 0; cpe[i] = 0; iep[i] = 0;
	est[i] = 0; rdy[i] = 0; used[i] = 0; rd[i] = 0;
	rej[i] = 0; rejmg[i] = 0;
	pread[i] = 0;
	wcur[i] = 0
}

/* ccm_rdma_release() */
inline release(G)
{
	if
	:: has[i] && (cg[i] == G || !CHK_RELEASE) -> destroy_cur()
	:: else
	fi
}

/* ccm_conn_start() + ccm_conn_make_current() with no old connection */
inline conn_start()
{
	if
	:: (!calm && maxg[i] >= GMAX) || maxg[i] >= GLIM ->
		/* out of generations: cut the exploration here */
		stop = 1; prune = !calm;
		printf("MSC: generation bound reached\n");
		ret = 1
	:: else ->
		maxg[i]++;
		printf("MSC: node %d: connects, gen %d\n", i, maxg[i]);
		has[i] = 1; act[i] = 1; cg[i] = maxg[i]; cpe[i] = 0;
		iep[i] = ep[i]; est[i] = 0; rdy[i] = 0; used[i] = 0;
		rd[i] = 0; rej[i] = 0;
		curg[i] = cg[i];
		rq[i] = 1; rqg[i] = cg[i]; rqep[i] = ep[i]; rqmg[i] = maxg[i];
		ret = 0
	fi
}

/* ccm_rdma_read() */
inline rdma_read()
{
	ret = 0;
	if
	:: pread[i] == 0 -> skip
	:: pread[i] != 0 && !has[i] ->
		if
		:: pread[i] != 1 -> ret = 1
		:: else -> conn_start()
		fi
	:: pread[i] != 0 && has[i] && !rdy[i] -> skip
	:: pread[i] != 0 && has[i] && rdy[i] ->
		if
		:: rd[i] != 0 -> ret = 1	/* -EBUSY */
		:: else -> rd[i] = pread[i]; used[i] = 1
		fi;
		pread[i] = 0
	fi
}

/* ccm_rdma_write() */
inline rdma_write(M)
{
	if
	:: !has[i] || !rdy[i] -> ret = 1
	:: else ->
		assert(!wcur[i]);	/* one outstanding write per connection */
		wst[i] = 1; wcur[i] = 1; wmsg[i] = M; wwe[i] = ep[i];
		wre[i] = cpe[i]; wgen[i] = cg[i]; wini[i] = INIT(i);
		wiep[i] = iep[i]; used[i] = 1; ret = 0
	fi
}

/* CCM_ACT_CONNECTED: the safety property */
inline connected()
{
	assert(has[i] && cpe[i] != 0);
	/* our STATE5 of this connection reached the partner ... */
	assert((w5[i] & BIT5(ep[i], cpe[i], cg[i])) != 0);
	/* ... and the partner's STATE5 of this connection reached us */
	assert((w5[j] & BIT5(cpe[i], ep[i], cg[i])) != 0)
}

/* ccm_path_do_actions() */
inline do_actions(A, G)
{
	if
	:: (A & ACT_RELEASE) -> release(G)
	:: else
	fi;
	if
	:: (A & (ACT_READ | ACT_READ2)) ->
		pread[i] = ((A & ACT_READ) -> 1 : 2);
		rdma_read();
		if
		:: ret -> enq(((A & ACT_READ) -> E_UNREACHABLE : E_READ_FAIL), curg[i])
		:: else
		fi
	:: else
	fi;
	if
	:: (A & (ACT_WRITE_STATE2 | ACT_WRITE_STATE5 | ACT_WRITE_COMPLETE)) ->
		rdma_write(((A & ACT_WRITE_STATE2) -> M_S2 :
			    ((A & ACT_WRITE_STATE5) -> M_S5 : M_CPL)));
		if
		:: ret -> enq(E_WRITE_FAIL, curg[i])
		:: else
		fi
	:: else
	fi;
	if
	:: (A & ACT_CONNECTED) -> connected()
	:: else
	fi
}

/* ccm_path_step() */
inline pstep(E, G)
{
	kick = 0;
	if
	:: E != E_START && G != curg[i] && CHK_STALE ->	/* stale */
		printf("MSC: node %d: stale %e(gen %d) dropped, current gen %d\n", i, E, G, curg[i])
	:: else ->
		fsm_step(st[i], E, nx, a, legal);
		if
		:: !legal ->
			printf("MSC: ILLEGAL %e in %e (node %d)\n", E, st[i], i);
#ifndef ALLOW_ILLEGAL
			assert(legal)
#else
			skip
#endif
		:: else ->
			printf("MSC: node %d: %e --%e(gen %d)--> %e\n", i, st[i], E, G, nx);
			st[i] = nx;
			do_actions(a, G);
			kick = ((a & ACT_KICK) != 0)
		fi
	fi
}

/* ccm_path_event() called from outside the FSM: run the queue */
inline fsm_run()
{
	do
	:: qn > 0 ->
		e = qe[qh]; g = qg[qh]; qh = (qh + 1) % QLEN; qn--;
		pstep(e, g);
		if
		:: kick -> pstep(E_START, 0)
		:: else
		fi
	:: else -> break
	od;
	qh = 0; e = 0; g = 0; nx = 0; a = 0; legal = 0; kick = 0; ret = 0;
	pr = 0; pe = 0; mg = 0; ok = 0
}

inline feed(E, G)
{
	enq(E, G);
	fsm_run()
}

/* forget an orphaned write that can no longer land */
inline gc(k)
{
	if
	:: wst[k] == 1 && !wcur[k] && !CAN_LAND(k) -> wst[k] = 0
	:: wst[k] == 2 && !wcur[k] -> wst[k] = 0
	:: else
	fi;
	if
	:: wst[k] == 0 ->
		wmsg[k] = 0; wwe[k] = 0; wre[k] = 0; wgen[k] = 0;
		wini[k] = 0; wiep[k] = 0
	:: else
	fi;
	if
	:: !has[k] -> rej[k] = 0; rejmg[k] = 0
	:: else
	fi;
	skip
}

inline gc_all()
{
	gc(0);
	gc(1)
}

/* ccm_conn_supersedes(): does the partner's request (gen g, epoch pe)
 * beat our current connection? Node 0 has the lower address. */
#define IN_KEY (g * 2 + (i == 0 -> 0 : 1))
#define CUR_KEY (cg[i] * 2 + ((act[i] == (i == 0)) -> 1 : 0))
#define SUPERSEDES ((cpe[i] != 0 && cpe[i] != pe) || IN_KEY > CUR_KEY)

/* REJ of the partner's request: reaches its connection if still there */
inline reject()
{
	if
	:: has[j] && act[j] && cg[j] == g && iep[j] == pe && !est[j] ->
		rej[j] = 1; rejmg[j] = (up[i] -> maxg[i] : 0)
	:: else
	fi
}

/* ccm_conn_ready() + ccm_conn_recv() tail */
inline conn_ready()
{
	rdy[i] = 1;
	rdma_read();
	if
	:: ret -> feed(E_READ_FAIL, cg[i])
	:: else -> ret = 0
	fi
}

proctype node(byte i)
{
	byte j = 1 - i;
	mtype e, nx;
	byte g, pr, pe, mg, ret, fg;
	short a;
	bool legal, kick, ok;
	mtype qe[QLEN];
	byte qg[QLEN];
	byte qh, qn;

end:
	do
	/* module load: new epoch, fresh zeroed sentinel page, START */
	:: atomic { !stop && !up[i] && loads[i] <= restarts ->
		loads[i]++; ep[i] = loads[i]; up[i] = 1; st[i] = S_INITIAL;
		printf("MSC: node %d: loaded, epoch %d\n", i, ep[i]);
		maxg[i] = 0; curg[i] = 0;
		feed(E_START, 0);
		gc_all() }

	/* module unload, at any point: every connection of this node is gone */
	:: atomic { !stop && up[i] && !calm && restarts < NRESTART ->
		restarts++;
		printf("MSC: node %d: unloaded (epoch %d ends)\n", i, ep[i]);
		up[i] = 0; st[i] = S_INITIAL;
		destroy_cur(); maxg[i] = 0; curg[i] = 0;
		pa[i] = 0; pag[i] = 0; pape[i] = 0;
		mmsg[i] = 0; mwe[i] = 0; mre[i] = 0; mgen[i] = 0;
		mini[i] = 0; miep[i] = 0;
		gc_all() }

	/* the partner's connection request arrives (ccm_conn_request): set
	 * up and registering; an older one still pending is lost (its
	 * requester has given up on it before it sent this one) */
	:: atomic { !stop && rq[j] ->
		rq[j] = 0; g = rqg[j]; pe = rqep[j]; mg = rqmg[j];
		if
		:: !up[i] -> reject()		/* nobody listening */
		:: FAULT -> faults++		/* lost */
		:: up[i] ->
			maxg[i] = (maxg[i] > g -> maxg[i] : g);
			maxg[i] = (maxg[i] > mg -> maxg[i] : mg);
			if
			:: has[i] && !SUPERSEDES -> reject()
			:: else -> pa[i] = 1; pag[i] = g; pape[i] = pe
			fi
		fi;
		g = 0; pe = 0; mg = 0;
		gc_all() }

	/* its registration completed (ccm_conn_accept): the tie-break again,
	 * against whatever is current now; the REP carries the descriptor */
	:: atomic { !stop && up[i] && pa[i] ->
		pa[i] = 0; g = pag[i]; pe = pape[i];
		if
		:: FAULT -> faults++; reject()	/* registration failed */
		:: true ->
			if
			:: has[i] && !SUPERSEDES -> reject()
			:: else ->
				/* ccm_conn_make_current() */
				pr = pread[i];
				if
				:: has[i] && used[i] ->
					feed(E_CONN_LOST, cg[i]);
					g = pag[i]; pe = pape[i]; pr = 0
				:: else
				fi;
				if
				:: has[i] -> destroy_cur()
				:: else
				fi;
				printf("MSC: node %d: accepts gen %d from epoch %d\n", i, g, pe);
				has[i] = 1; act[i] = 0; cg[i] = g; cpe[i] = pe;
				iep[i] = pe; est[i] = 0; rdy[i] = 0; used[i] = 0;
				rd[i] = 0; curg[i] = g;
				pread[i] = (pr == 1 -> 1 : 0)
			fi
		fi;
		g = 0; pe = 0; pr = 0; pag[i] = 0; pape[i] = 0;
		gc_all() }

	/* active side: ESTABLISHED with the partner's REP, which carries
	 * the partner's descriptor: ready at once */
	:: atomic { !stop && up[i] && has[i] && act[i] && !est[i] && MATCHED(i) ->
		est[i] = 1; cpe[i] = ep[j];
		maxg[i] = (maxg[i] > maxg[j] -> maxg[i] : maxg[j]);
		conn_ready();
		gc_all() }

	/* passive side: ESTABLISHED, and the partner's descriptor (SENT by
	 * the active side once it is established) */
	:: atomic { !stop && up[i] && has[i] && !act[i] && !est[i] && MATCHED(i) && est[j] ->
		est[i] = 1;
		conn_ready();
		gc_all() }

	/* the connection fails: the partner's end is gone, the request was
	 * refused or never answered, or (a fault) the link breaks */
	:: atomic { !stop && up[i] && has[i] &&
		    ((!MATCHED(i) && !REQ_PENDING(i)) || rej[i] || FAULT) ->
		if
		:: (!MATCHED(i) && !REQ_PENDING(i)) || rej[i] -> skip
		:: else -> faults++
		fi;
		if
		:: rej[i] -> maxg[i] = (maxg[i] > rejmg[i] -> maxg[i] : rejmg[i])
		:: else
		fi;
		fg = cg[i];
		printf("MSC: node %d: connection gen %d fails\n", i, fg);
		feed((est[i] -> E_CONN_LOST : E_UNREACHABLE), fg);
		release(fg);
		fg = 0;
		gc_all() }

	/* our read completes (ccm_conn_read_done) */
	:: atomic { !stop && up[i] && has[i] && rd[i] != 0 ->
		ok = MATCHED(i) && ep[j] == cpe[i];	/* sentinel of that epoch */
		if
		:: ok && rd[i] == 2 ->	/* our STATE2 in the partner's mailbox */
			ok = mmsg[j] == M_S2 &&
			     (!CHK_EPOCH || (mwe[j] == ep[i] && mre[j] == cpe[i])) &&
			     (!CHK_GEN || mgen[j] == cg[i])
		:: else
		fi;
		if
		:: ok && FAULT -> faults++; ok = 0
		:: true
		fi;
		rd[i] = 0;
		feed((ok -> E_READ_OK : E_READ_FAIL), cg[i]);
		gc_all() }

	/* our write lands in the partner's mailbox */
	:: atomic { !stop && wst[i] == 1 && CAN_LAND(i) ->
		printf("MSC: node %d: write msg %d (epochs %d/%d, gen %d) lands in node %d's mailbox\n",
		       i, wmsg[i], wwe[i], wre[i], wgen[i], j);
		mmsg[j] = wmsg[i]; mwe[j] = wwe[i]; mre[j] = wre[i];
		mgen[j] = wgen[i]; mini[j] = wini[i]; miep[j] = wiep[i];
		if
		:: wmsg[i] == M_S5 -> w5[i] = w5[i] | BIT5(wwe[i], wre[i], wgen[i])
		:: else
		fi;
		wst[i] = 2;
		gc_all() }

	/* our write completes: ok once landed; failed if it cannot land or
	 * (a fault) even though it did */
	:: atomic { !stop && up[i] && wcur[i] &&
		    (wst[i] == 2 || !CAN_LAND(i) || FAULT) ->
		ok = (wst[i] == 2);
		if
		:: ok && FAULT -> faults++; ok = 0
		:: ok
		:: !ok && CAN_LAND(i) -> faults++
		:: !ok && !CAN_LAND(i)
		fi;
		wcur[i] = 0;
		feed((ok -> E_WRITE_OK : E_WRITE_FAIL), cg[i]);
		gc_all() }

	/* mailbox poll (ccm_rdma_poll_mbox), level-triggered; in CONNECTED
	 * the poll is the heartbeat instead (not modelled: a dead partner is
	 * the "partner's end is gone" step above) */
	:: atomic { !stop && up[i] && POLLS(st[i]) && st[i] != S_CONNECTED &&
		    has[i] && rdy[i] &&
		    (mmsg[i] == M_S5 || mmsg[i] == M_CPL) &&
		    (!CHK_EPOCH || (mwe[i] == cpe[i] && mre[i] == ep[i])) &&
		    (!CHK_GEN || mgen[i] == cg[i]) ->
		/* no write of another epoch or connection is acted on */
#ifndef NO_POLL_ASSERT
		assert(mwe[i] == cpe[i] && mre[i] == ep[i] && mgen[i] == cg[i] &&
		       mini[i] == INIT(i) && miep[i] == iep[i]);
#endif
		printf("MSC: node %d: mailbox says msg %d (epochs %d/%d, gen %d)\n", i, mmsg[i], mwe[i], mre[i], mgen[i]);
		used[i] = 1;
		feed((mmsg[i] == M_S5 -> E_PEER_STATE5 : E_PEER_COMPLETE), cg[i]);
		gc_all() }

	/* the state's timer fires. Timers are long next to operations: a
	 * timer fires when nothing else can happen, the error backoff at any
	 * time, and any other timer early (while something is still in
	 * flight) at most NEARLY times before the calm phase. */
	:: atomic { timeout && !stop && up[i] && HAS_TIMER(st[i]) ->
		feed(E_TIMEOUT, curg[i]);
		gc_all() }
	:: atomic { !stop && up[i] && !calm &&
		    (st[i] == S_ERROR || (HAS_TIMER(st[i]) && early < NEARLY)) ->
		if
		:: st[i] != S_ERROR -> early++
		:: else
		fi;
		feed(E_TIMEOUT, curg[i]);
		gc_all() }
	od
}

/* Terminal states are valid only when both nodes are connected to each
 * other on one connection (or the exploration was cut). */
active proctype watchdog()
{
end_ok:
	do
	:: !(BOTHOK || prune) ->
bad:		(BOTHOK || prune)
	od
}

init
{
	atomic {
		run node(0);
		run node(1)
	}
#ifdef LIVE
	calm = 1
#endif
}

#ifdef LIVE
/* once faults and reloads are over, both end up connected to each other */
ltl live { <> [] (BOTHOK || prune) }
#endif
