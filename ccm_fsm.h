/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ccm - cluster connection manager: the pure handshake state machine.
 *
 * Nothing here touches verbs, sleeps or takes locks: the FSM maps
 * (state, event) to (next state, actions) from one table, and the caller
 * (ccm_peer.c) carries the actions out. It builds for UML so that KUnit can
 * test it without ib_core.
 */
#ifndef _CCM_FSM_H
#define _CCM_FSM_H

#include <linux/types.h>

/*
 * States. The patent's five numbered states are READ1 (1), WRITE1 (2),
 * WAITING (3), READ2 (4) and WRITE2 (5). State 5 waits for two things, our
 * own "state 5" write to complete and the partner's "state 5" (or
 * "complete") to appear in our mailbox, so it is split in three sub-states
 * that sysfs reports under the one name "attempting_write2". That keeps
 * the table free of guards.
 */
enum ccm_state {
	CCM_S_INITIAL,
	CCM_S_READ1,		/* 1: attempting read */
	CCM_S_WRITE1,		/* 2: attempting write */
	CCM_S_WAITING,		/* 3: waiting on partner */
	CCM_S_READ2,		/* 4: attempting read (second) */
	CCM_S_WRITE2,		/* 5: our write in flight, partner not yet seen */
	CCM_S_WRITE2_DONE,	/* 5: our write completed, partner not yet seen */
	CCM_S_WRITE2_PEER,	/* 5: partner seen, our write still in flight */
	CCM_S_CONNECTED,
	CCM_S_ERROR,
	CCM_S_NR
};

enum ccm_event {
	CCM_EV_START,		/* leave initial: publish, read the partner */
	CCM_EV_UNREACHABLE,	/* no control connection could be made */
	CCM_EV_READ_OK,		/* read completed and the sentinel is valid */
	CCM_EV_READ_FAIL,	/* read failed on a live connection */
	CCM_EV_WRITE_OK,	/* our mailbox write completed */
	CCM_EV_WRITE_FAIL,	/* our mailbox write failed */
	CCM_EV_PEER_STATE5,	/* our mailbox says "partner in state 5" */
	CCM_EV_PEER_COMPLETE,	/* our mailbox says "partner complete" */
	CCM_EV_CONN_LOST,	/* the control connection of this attempt died */
	CCM_EV_TIMEOUT,		/* the current state's timer expired */
	CCM_EV_NR
};

/* Actions, carried out by the caller in the order they are listed here. */
#define CCM_ACT_RELEASE		BIT(0)	/* release this attempt's connection */
#define CCM_ACT_READ		BIT(1)	/* connect if needed, read partner */
#define CCM_ACT_READ2		BIT(2)	/* read partner again and verify */
#define CCM_ACT_WRITE_STATE2	BIT(3)	/* write "state 2" to partner's mailbox */
#define CCM_ACT_WRITE_STATE5	BIT(4)	/* write "state 5" to partner's mailbox */
#define CCM_ACT_WRITE_COMPLETE	BIT(5)	/* write "complete" to partner's mailbox */
#define CCM_ACT_CONNECTED	BIT(6)	/* handshake done: record, reset backoff */
#define CCM_ACT_BACKOFF		BIT(7)	/* count the error, arm the backoff */
#define CCM_ACT_KICK		BIT(8)	/* feed CCM_EV_START next */
#define CCM_ACT_NONE		0

/* Which timer a state runs under; the caller maps classes to durations. */
enum ccm_timeout {
	CCM_TMO_NONE,		/* no timer (transient or stable state) */
	CCM_TMO_CONNECT,	/* reaching the partner and the first read */
	CCM_TMO_OP,		/* one RDMA operation */
	CCM_TMO_WAIT,		/* waiting on the partner */
	CCM_TMO_HANDSHAKE,	/* waiting for the partner's state 5 */
	CCM_TMO_BACKOFF,	/* error backoff, computed per error */
};

struct ccm_fsm_result {
	enum ccm_state next;
	unsigned int actions;
};

int ccm_fsm_step(enum ccm_state state, enum ccm_event ev,
		 struct ccm_fsm_result *res);
const char *ccm_state_name(enum ccm_state state);
const char *ccm_state_id(enum ccm_state state);
const char *ccm_event_name(enum ccm_event ev);
enum ccm_timeout ccm_state_timeout(enum ccm_state state);
unsigned int ccm_fsm_nr_transitions(void);
u32 ccm_backoff_ms(unsigned int attempt, u32 min_ms, u32 max_ms, u32 rnd);

#endif /* _CCM_FSM_H */
