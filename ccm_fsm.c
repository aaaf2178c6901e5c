// SPDX-License-Identifier: GPL-2.0
/*
 * ccm - the pure handshake state machine.
 *
 * (state, event) -> (next state, actions), looked up in a table built from
 * ccm_fsm_table.h. No verbs, no locks, no sleeping: the caller serialises
 * calls and carries out the actions.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/minmax.h>

#include "ccm_fsm.h"

struct ccm_fsm_entry {
	bool legal;
	u8 next;
	u16 actions;
};

/*
 * One enumerator per table line: a (state, event) pair listed twice is a
 * duplicate enumerator, which does not compile.
 */
enum ccm_fsm_line {
#define CCM_T(s, e, n, a) CCM_FSM_LINE_##s##_##e,
#include "ccm_fsm_table.h"
#undef CCM_T
	CCM_FSM_NR_LINES
};

static const struct ccm_fsm_entry ccm_fsm[CCM_S_NR][CCM_EV_NR] = {
#define CCM_T(s, e, n, a)						\
	[CCM_S_##s][CCM_EV_##e] = {					\
		.legal = true, .next = CCM_S_##n, .actions = (a) },
#include "ccm_fsm_table.h"
#undef CCM_T
};

/**
 * ccm_fsm_step() - look up one transition
 * @state: the current state
 * @ev: the event that happened
 * @res: where the next state and the actions to carry out are stored
 *
 * Context: any; does not sleep or take locks.
 * Return: 0 when the event is legal in @state (@res filled in, possibly a
 * transition to the same state with no actions), -EINVAL for an
 * out-of-range state or event, -EPERM when the event is illegal in @state
 * (@res then keeps the state and carries no actions).
 */
int ccm_fsm_step(enum ccm_state state, enum ccm_event ev,
		 struct ccm_fsm_result *res)
{
	const struct ccm_fsm_entry *e;

	res->next = state;
	res->actions = CCM_ACT_NONE;
	if ((unsigned int)state >= CCM_S_NR || (unsigned int)ev >= CCM_EV_NR)
		return -EINVAL;
	e = &ccm_fsm[state][ev];
	if (!e->legal)
		return -EPERM;
	res->next = e->next;
	res->actions = e->actions;
	return 0;
}

/**
 * ccm_fsm_nr_transitions() - number of legal (state, event) pairs
 *
 * Context: any.
 * Return: how many transitions ccm_fsm_table.h lists.
 */
unsigned int ccm_fsm_nr_transitions(void)
{
	return CCM_FSM_NR_LINES;
}

static const char * const ccm_state_names[CCM_S_NR] = {
	[CCM_S_INITIAL]		= "initial",
	[CCM_S_READ1]		= "attempting_read",
	[CCM_S_WRITE1]		= "attempting_write",
	[CCM_S_WAITING]		= "waiting_on_partner",
	[CCM_S_READ2]		= "attempting_read2",
	[CCM_S_WRITE2]		= "attempting_write2",
	[CCM_S_WRITE2_DONE]	= "attempting_write2",
	[CCM_S_WRITE2_PEER]	= "attempting_write2",
	[CCM_S_CONNECTED]	= "connected",
	[CCM_S_ERROR]		= "error",
};

/* Internal names, distinct for every state, for logs and tracing. */
static const char * const ccm_state_ids[CCM_S_NR] = {
	[CCM_S_INITIAL]		= "INITIAL",
	[CCM_S_READ1]		= "READ1",
	[CCM_S_WRITE1]		= "WRITE1",
	[CCM_S_WAITING]		= "WAITING",
	[CCM_S_READ2]		= "READ2",
	[CCM_S_WRITE2]		= "WRITE2",
	[CCM_S_WRITE2_DONE]	= "WRITE2_DONE",
	[CCM_S_WRITE2_PEER]	= "WRITE2_PEER",
	[CCM_S_CONNECTED]	= "CONNECTED",
	[CCM_S_ERROR]		= "ERROR",
};

static const char * const ccm_event_names[CCM_EV_NR] = {
	[CCM_EV_START]		= "START",
	[CCM_EV_UNREACHABLE]	= "UNREACHABLE",
	[CCM_EV_READ_OK]	= "READ_OK",
	[CCM_EV_READ_FAIL]	= "READ_FAIL",
	[CCM_EV_WRITE_OK]	= "WRITE_OK",
	[CCM_EV_WRITE_FAIL]	= "WRITE_FAIL",
	[CCM_EV_PEER_STATE5]	= "PEER_STATE5",
	[CCM_EV_PEER_COMPLETE]	= "PEER_COMPLETE",
	[CCM_EV_CONN_LOST]	= "CONN_LOST",
	[CCM_EV_TIMEOUT]	= "TIMEOUT",
};

static const enum ccm_timeout ccm_state_timeouts[CCM_S_NR] = {
	[CCM_S_INITIAL]		= CCM_TMO_NONE,
	[CCM_S_READ1]		= CCM_TMO_CONNECT,
	[CCM_S_WRITE1]		= CCM_TMO_OP,
	[CCM_S_WAITING]		= CCM_TMO_WAIT,
	[CCM_S_READ2]		= CCM_TMO_OP,
	[CCM_S_WRITE2]		= CCM_TMO_HANDSHAKE,
	[CCM_S_WRITE2_DONE]	= CCM_TMO_HANDSHAKE,
	[CCM_S_WRITE2_PEER]	= CCM_TMO_HANDSHAKE,
	[CCM_S_CONNECTED]	= CCM_TMO_NONE,
	[CCM_S_ERROR]		= CCM_TMO_BACKOFF,
};

/**
 * ccm_state_name() - the name sysfs shows for a state
 * @state: the state
 *
 * Context: any.
 * Return: a static string; the three sub-states of state 5 share one name.
 */
const char *ccm_state_name(enum ccm_state state)
{
	return (unsigned int)state < CCM_S_NR ? ccm_state_names[state] : "?";
}

/**
 * ccm_state_id() - a distinct name for every state, for logs
 * @state: the state
 *
 * Context: any.
 * Return: a static string.
 */
const char *ccm_state_id(enum ccm_state state)
{
	return (unsigned int)state < CCM_S_NR ? ccm_state_ids[state] : "?";
}

/**
 * ccm_event_name() - the name of an event, for logs
 * @ev: the event
 *
 * Context: any.
 * Return: a static string.
 */
const char *ccm_event_name(enum ccm_event ev)
{
	return (unsigned int)ev < CCM_EV_NR ? ccm_event_names[ev] : "?";
}

/**
 * ccm_state_timeout() - which timer runs in a state
 * @state: the state
 *
 * Every state that waits for something has a timer; only the transient
 * initial state and the stable connected state have none.
 *
 * Context: any.
 * Return: the timeout class of @state.
 */
enum ccm_timeout ccm_state_timeout(enum ccm_state state)
{
	return (unsigned int)state < CCM_S_NR ? ccm_state_timeouts[state] :
						 CCM_TMO_NONE;
}

/**
 * ccm_backoff_ms() - the delay before retrying after an error
 * @attempt: how many errors in a row came before this one (0 for the first)
 * @min_ms: the first delay
 * @max_ms: the cap
 * @rnd: a random number, for the jitter
 *
 * The delay doubles with every error in a row up to @max_ms; the result is
 * spread uniformly over [delay / 2, delay] so that two nodes that failed
 * together do not retry together.
 *
 * Context: any.
 * Return: the delay in milliseconds, at least 1.
 */
u32 ccm_backoff_ms(unsigned int attempt, u32 min_ms, u32 max_ms, u32 rnd)
{
	u64 delay = max(min_ms, 1U);
	u32 half;

	max_ms = max_t(u32, max_ms, delay);
	while (attempt-- && delay < max_ms)
		delay <<= 1;
	delay = min_t(u64, delay, max_ms);
	half = (u32)delay / 2;
	return (u32)delay - half + rnd % (half + 1);
}
