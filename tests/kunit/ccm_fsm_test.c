// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the ccm handshake state machine (ccm_fsm.c).
 *
 * ccm_fsm:     the transition table entry by entry, its structure, the
 *              happy and failure paths step by step, and ccm_backoff_ms().
 * ccm_fsm_sim: two instances of the real FSM talking through a simulated
 *              transport, under deterministic pseudo-random schedules.
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/minmax.h>
#include <linux/string.h>

#include "ccm_fsm.h"

#define ERR_ACTS	(CCM_ACT_RELEASE | CCM_ACT_BACKOFF)
#define WRITE_ACTS	(CCM_ACT_WRITE_STATE2 | CCM_ACT_WRITE_STATE5 | \
			 CCM_ACT_WRITE_COMPLETE)

struct fsm_tr {
	enum ccm_state state;
	enum ccm_event ev;
	enum ccm_state next;
	unsigned int actions;
};

/* Our own copy of the table, built from the same lines as ccm_fsm.c's. */
static const struct fsm_tr fsm_table[] = {
#define CCM_T(s, e, n, a)						\
	{ .state = CCM_S_##s, .ev = CCM_EV_##e, .next = CCM_S_##n,	\
	  .actions = (a) },
#include "ccm_fsm_table.h"
#undef CCM_T
};

static const struct fsm_tr *fsm_find(enum ccm_state s, enum ccm_event ev)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fsm_table); i++)
		if (fsm_table[i].state == s && fsm_table[i].ev == ev)
			return &fsm_table[i];
	return NULL;
}

static void fsm_tr_desc(const struct fsm_tr *t, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s + %s -> %s",
		 ccm_state_id(t->state), ccm_event_name(t->ev),
		 ccm_state_id(t->next));
}

KUNIT_ARRAY_PARAM(fsm_table, fsm_table, fsm_tr_desc);

/* 1. Every line of the table is what ccm_fsm_step() does. */
static void fsm_table_entry(struct kunit *test)
{
	const struct fsm_tr *t = test->param_value;
	struct ccm_fsm_result res = { .next = CCM_S_NR, .actions = ~0U };

	KUNIT_ASSERT_LT(test, t->state, CCM_S_NR);
	KUNIT_ASSERT_LT(test, t->ev, CCM_EV_NR);
	KUNIT_EXPECT_EQ(test, ccm_fsm_step(t->state, t->ev, &res), 0);
	KUNIT_EXPECT_EQ(test, res.next, t->next);
	KUNIT_EXPECT_EQ(test, res.actions, t->actions);
}

/* Every pair the table does not list is refused and changes nothing. */
static void fsm_illegal_pairs(struct kunit *test)
{
	unsigned int s, e, legal = 0;

	for (s = 0; s < CCM_S_NR; s++) {
		for (e = 0; e < CCM_EV_NR; e++) {
			struct ccm_fsm_result res = {
				.next = CCM_S_NR, .actions = ~0U };
			int ret = ccm_fsm_step(s, e, &res);

			if (fsm_find(s, e)) {
				KUNIT_EXPECT_EQ(test, ret, 0);
				legal++;
				continue;
			}
			KUNIT_EXPECT_EQ_MSG(test, ret, -EPERM, "%s + %s",
					    ccm_state_id(s), ccm_event_name(e));
			KUNIT_EXPECT_EQ(test, res.next, s);
			KUNIT_EXPECT_EQ(test, res.actions, 0U);
		}
	}
	/* No pair listed twice, and the module counts the same lines. */
	KUNIT_EXPECT_EQ(test, legal, ARRAY_SIZE(fsm_table));
	KUNIT_EXPECT_EQ(test, ccm_fsm_nr_transitions(), ARRAY_SIZE(fsm_table));
}

static void fsm_out_of_range(struct kunit *test)
{
	static const struct { unsigned int s, e; } bad[] = {
		{ CCM_S_NR, CCM_EV_START }, { CCM_S_INITIAL, CCM_EV_NR },
		{ CCM_S_NR, CCM_EV_NR }, { UINT_MAX, CCM_EV_TIMEOUT },
		{ CCM_S_ERROR, UINT_MAX }, { CCM_S_NR + 100, CCM_EV_NR + 100 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct ccm_fsm_result res = { .next = CCM_S_ERROR,
					      .actions = ~0U };

		KUNIT_EXPECT_EQ(test, ccm_fsm_step(bad[i].s, bad[i].e, &res),
				-EINVAL);
		KUNIT_EXPECT_EQ(test, res.actions, 0U);
	}
	KUNIT_EXPECT_STREQ(test, ccm_state_name(CCM_S_NR), "?");
	KUNIT_EXPECT_STREQ(test, ccm_state_id(CCM_S_NR), "?");
	KUNIT_EXPECT_STREQ(test, ccm_event_name(CCM_EV_NR), "?");
	KUNIT_EXPECT_EQ(test, ccm_state_timeout(CCM_S_NR), CCM_TMO_NONE);
}

/* 2. Structure. A state has a timer exactly when it can time out. */
static void fsm_timeouts(struct kunit *test)
{
	unsigned int s;

	for (s = 0; s < CCM_S_NR; s++) {
		bool has_tmo = fsm_find(s, CCM_EV_TIMEOUT);
		bool transient = s == CCM_S_INITIAL || s == CCM_S_CONNECTED;

		KUNIT_EXPECT_EQ_MSG(test, has_tmo, !transient, "%s",
				    ccm_state_id(s));
		KUNIT_EXPECT_EQ_MSG(test,
				    ccm_state_timeout(s) != CCM_TMO_NONE,
				    has_tmo, "%s", ccm_state_id(s));
	}
	KUNIT_EXPECT_EQ(test, ccm_state_timeout(CCM_S_ERROR), CCM_TMO_BACKOFF);
	KUNIT_EXPECT_EQ(test, ccm_state_timeout(CCM_S_WAITING), CCM_TMO_WAIT);
}

static void fsm_action_rules(struct kunit *test)
{
	const struct fsm_tr *t;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fsm_table); i++) {
		t = &fsm_table[i];
		/* Entering ERROR releases and backs off; nothing else does. */
		if (t->next == CCM_S_ERROR && t->state != CCM_S_ERROR)
			KUNIT_EXPECT_EQ_MSG(test, t->actions, ERR_ACTS, "line %u",
					    i);
		else
			KUNIT_EXPECT_FALSE_MSG(test, t->actions & CCM_ACT_BACKOFF,
					       "line %u", i);
		/* INITIAL is transient: entering it always kicks START. */
		KUNIT_EXPECT_EQ_MSG(test, t->next == CCM_S_INITIAL,
				    !!(t->actions & CCM_ACT_KICK), "line %u", i);
		/* Repeated (level-triggered) events never redo anything. */
		if (t->next == t->state)
			KUNIT_EXPECT_EQ_MSG(test, t->actions, 0U, "line %u", i);
		/* The caller can post only one mailbox write per step. */
		KUNIT_EXPECT_LE_MSG(test, hweight32(t->actions & WRITE_ACTS), 1,
				    "line %u", i);
		KUNIT_EXPECT_EQ_MSG(test, !!(t->actions & CCM_ACT_CONNECTED),
				    t->next == CCM_S_CONNECTED &&
				    t->state != CCM_S_CONNECTED, "line %u", i);
	}
	t = fsm_find(CCM_S_ERROR, CCM_EV_TIMEOUT);
	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_EXPECT_EQ(test, t->next, CCM_S_INITIAL);
	KUNIT_EXPECT_EQ(test, t->actions, CCM_ACT_KICK);
}

/* States reachable from @from through the table, as a bitmask. */
static unsigned long fsm_reach(enum ccm_state from)
{
	unsigned long seen = BIT(from), prev = 0;
	unsigned int i;

	while (seen != prev) {
		prev = seen;
		for (i = 0; i < ARRAY_SIZE(fsm_table); i++)
			if (seen & BIT(fsm_table[i].state))
				seen |= BIT(fsm_table[i].next);
	}
	return seen;
}

static void fsm_reachability(struct kunit *test)
{
	unsigned int s;

	KUNIT_EXPECT_EQ(test, fsm_reach(CCM_S_INITIAL),
			(unsigned long)GENMASK(CCM_S_NR - 1, 0));
	for (s = 0; s < CCM_S_NR; s++)
		KUNIT_EXPECT_TRUE_MSG(test, fsm_reach(s) & BIT(CCM_S_CONNECTED),
				      "dead end from %s", ccm_state_id(s));
}

static void fsm_names(struct kunit *test)
{
	static const char * const sysfs[CCM_S_NR] = {
		"initial", "attempting_read", "attempting_write",
		"waiting_on_partner", "attempting_read2", "attempting_write2",
		"attempting_write2", "attempting_write2", "connected", "error",
	};
	unsigned int i, j;

	for (i = 0; i < CCM_S_NR; i++) {
		KUNIT_EXPECT_STREQ(test, ccm_state_name(i), sysfs[i]);
		for (j = 0; j < i; j++)
			KUNIT_EXPECT_STRNEQ(test, ccm_state_id(i),
					    ccm_state_id(j));
	}
	KUNIT_EXPECT_STREQ(test, ccm_state_id(CCM_S_WRITE2_PEER),
			   "WRITE2_PEER");
	for (i = 0; i < CCM_EV_NR; i++) {
		KUNIT_EXPECT_STRNEQ(test, ccm_event_name(i), "?");
		for (j = 0; j < i; j++)
			KUNIT_EXPECT_STRNEQ(test, ccm_event_name(i),
					    ccm_event_name(j));
	}
}

/* 3. Paths, one event at a time. */
struct fsm_step {
	enum ccm_event ev;
	enum ccm_state next;
	unsigned int actions;
};

static void fsm_walk(struct kunit *test, enum ccm_state s,
		     const struct fsm_step *p, unsigned int n)
{
	struct ccm_fsm_result res;
	unsigned int i;

	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_EQ_MSG(test, ccm_fsm_step(s, p[i].ev, &res), 0,
				    "step %u: %s + %s", i, ccm_state_id(s),
				    ccm_event_name(p[i].ev));
		KUNIT_EXPECT_EQ_MSG(test, res.next, p[i].next, "step %u", i);
		KUNIT_EXPECT_EQ_MSG(test, res.actions, p[i].actions, "step %u",
				    i);
		s = res.next;
	}
}

static void fsm_path_active(struct kunit *test)
{
	static const struct fsm_step ours_first[] = {
		{ CCM_EV_START, CCM_S_READ1, CCM_ACT_READ },
		{ CCM_EV_READ_OK, CCM_S_WRITE1, CCM_ACT_WRITE_STATE2 },
		{ CCM_EV_WRITE_OK, CCM_S_READ2, CCM_ACT_READ2 },
		{ CCM_EV_READ_OK, CCM_S_WRITE2, CCM_ACT_WRITE_STATE5 },
		{ CCM_EV_WRITE_OK, CCM_S_WRITE2_DONE, 0 },
		{ CCM_EV_PEER_STATE5, CCM_S_CONNECTED,
		  CCM_ACT_CONNECTED | CCM_ACT_WRITE_COMPLETE },
		{ CCM_EV_WRITE_OK, CCM_S_CONNECTED, 0 },
		{ CCM_EV_PEER_STATE5, CCM_S_CONNECTED, 0 },
		{ CCM_EV_PEER_COMPLETE, CCM_S_CONNECTED, 0 },
	};
	/* The partner's state 5 lands before our own write completes. */
	static const struct fsm_step theirs_first[] = {
		{ CCM_EV_START, CCM_S_READ1, CCM_ACT_READ },
		{ CCM_EV_PEER_STATE5, CCM_S_READ1, 0 },
		{ CCM_EV_READ_OK, CCM_S_WRITE1, CCM_ACT_WRITE_STATE2 },
		{ CCM_EV_PEER_STATE5, CCM_S_WRITE1, 0 },
		{ CCM_EV_WRITE_OK, CCM_S_READ2, CCM_ACT_READ2 },
		{ CCM_EV_PEER_STATE5, CCM_S_READ2, 0 },
		{ CCM_EV_READ_OK, CCM_S_WRITE2, CCM_ACT_WRITE_STATE5 },
		{ CCM_EV_PEER_STATE5, CCM_S_WRITE2_PEER, 0 },
		{ CCM_EV_PEER_STATE5, CCM_S_WRITE2_PEER, 0 },
		{ CCM_EV_WRITE_OK, CCM_S_CONNECTED,
		  CCM_ACT_CONNECTED | CCM_ACT_WRITE_COMPLETE },
	};
	/* The partner connected first and already says "complete". */
	static const struct fsm_step complete[] = {
		{ CCM_EV_PEER_COMPLETE, CCM_S_WRITE2_PEER, 0 },
		{ CCM_EV_PEER_COMPLETE, CCM_S_WRITE2_PEER, 0 },
		{ CCM_EV_WRITE_OK, CCM_S_CONNECTED,
		  CCM_ACT_CONNECTED | CCM_ACT_WRITE_COMPLETE },
	};
	static const struct fsm_step complete_done[] = {
		{ CCM_EV_PEER_COMPLETE, CCM_S_CONNECTED,
		  CCM_ACT_CONNECTED | CCM_ACT_WRITE_COMPLETE },
	};

	fsm_walk(test, CCM_S_INITIAL, ours_first, ARRAY_SIZE(ours_first));
	fsm_walk(test, CCM_S_INITIAL, theirs_first, ARRAY_SIZE(theirs_first));
	fsm_walk(test, CCM_S_WRITE2, complete, ARRAY_SIZE(complete));
	fsm_walk(test, CCM_S_WRITE2_DONE, complete_done,
		 ARRAY_SIZE(complete_done));
}

static void fsm_path_passive(struct kunit *test)
{
	static const struct fsm_step state5[] = {
		{ CCM_EV_START, CCM_S_READ1, CCM_ACT_READ },
		{ CCM_EV_UNREACHABLE, CCM_S_WAITING, CCM_ACT_RELEASE },
		{ CCM_EV_UNREACHABLE, CCM_S_WAITING, 0 },
		{ CCM_EV_CONN_LOST, CCM_S_WAITING, 0 },
		{ CCM_EV_PEER_STATE5, CCM_S_WRITE2_PEER, CCM_ACT_WRITE_STATE5 },
		{ CCM_EV_WRITE_OK, CCM_S_CONNECTED,
		  CCM_ACT_CONNECTED | CCM_ACT_WRITE_COMPLETE },
	};
	static const struct fsm_step complete[] = {
		{ CCM_EV_TIMEOUT, CCM_S_WAITING, CCM_ACT_RELEASE },
		{ CCM_EV_PEER_COMPLETE, CCM_S_CONNECTED, CCM_ACT_CONNECTED },
	};
	static const struct fsm_step wait_tmo[] = {
		{ CCM_EV_UNREACHABLE, CCM_S_WAITING, CCM_ACT_RELEASE },
		{ CCM_EV_TIMEOUT, CCM_S_INITIAL, CCM_ACT_KICK },
		{ CCM_EV_START, CCM_S_READ1, CCM_ACT_READ },
		{ CCM_EV_READ_OK, CCM_S_WRITE1, CCM_ACT_WRITE_STATE2 },
	};

	fsm_walk(test, CCM_S_INITIAL, state5, ARRAY_SIZE(state5));
	fsm_walk(test, CCM_S_READ1, complete, ARRAY_SIZE(complete));
	fsm_walk(test, CCM_S_READ1, wait_tmo, ARRAY_SIZE(wait_tmo));
}

/* 4. A failure anywhere leads to ERROR, and from there to a new attempt. */
struct fsm_fail {
	enum ccm_state state;
	enum ccm_event ev;
};

static const struct fsm_fail fsm_fails[] = {
	{ CCM_S_READ1, CCM_EV_READ_FAIL }, { CCM_S_READ1, CCM_EV_CONN_LOST },
	{ CCM_S_WRITE1, CCM_EV_WRITE_FAIL }, { CCM_S_WRITE1, CCM_EV_TIMEOUT },
	{ CCM_S_WRITE1, CCM_EV_CONN_LOST }, { CCM_S_READ2, CCM_EV_READ_FAIL },
	{ CCM_S_READ2, CCM_EV_TIMEOUT }, { CCM_S_READ2, CCM_EV_CONN_LOST },
	{ CCM_S_WRITE2, CCM_EV_WRITE_FAIL }, { CCM_S_WRITE2, CCM_EV_TIMEOUT },
	{ CCM_S_WRITE2, CCM_EV_CONN_LOST },
	{ CCM_S_WRITE2_DONE, CCM_EV_TIMEOUT },
	{ CCM_S_WRITE2_DONE, CCM_EV_CONN_LOST },
	{ CCM_S_WRITE2_PEER, CCM_EV_WRITE_FAIL },
	{ CCM_S_WRITE2_PEER, CCM_EV_TIMEOUT },
	{ CCM_S_WRITE2_PEER, CCM_EV_CONN_LOST },
	{ CCM_S_CONNECTED, CCM_EV_WRITE_FAIL },
	{ CCM_S_CONNECTED, CCM_EV_CONN_LOST },
};

static void fsm_fail_desc(const struct fsm_fail *f, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s + %s",
		 ccm_state_id(f->state), ccm_event_name(f->ev));
}

KUNIT_ARRAY_PARAM(fsm_fail, fsm_fails, fsm_fail_desc);

/* The events that lead from INITIAL to a state on the happy paths. */
static const enum ccm_event fsm_route[CCM_S_NR][7] = {
	[CCM_S_READ1] = { CCM_EV_START },
	[CCM_S_WRITE1] = { CCM_EV_START, CCM_EV_READ_OK },
	[CCM_S_READ2] = { CCM_EV_START, CCM_EV_READ_OK, CCM_EV_WRITE_OK },
	[CCM_S_WRITE2] = { CCM_EV_START, CCM_EV_READ_OK, CCM_EV_WRITE_OK,
			   CCM_EV_READ_OK },
	[CCM_S_WRITE2_DONE] = { CCM_EV_START, CCM_EV_READ_OK, CCM_EV_WRITE_OK,
				CCM_EV_READ_OK, CCM_EV_WRITE_OK },
	[CCM_S_WRITE2_PEER] = { CCM_EV_START, CCM_EV_UNREACHABLE,
				CCM_EV_PEER_STATE5 },
	[CCM_S_CONNECTED] = { CCM_EV_START, CCM_EV_READ_OK, CCM_EV_WRITE_OK,
			      CCM_EV_READ_OK, CCM_EV_WRITE_OK,
			      CCM_EV_PEER_STATE5 },
};

static const unsigned int fsm_route_len[CCM_S_NR] = {
	[CCM_S_READ1] = 1, [CCM_S_WRITE1] = 2, [CCM_S_READ2] = 3,
	[CCM_S_WRITE2] = 4, [CCM_S_WRITE2_DONE] = 5, [CCM_S_WRITE2_PEER] = 3,
	[CCM_S_CONNECTED] = 6,
};

static void fsm_fail_retry(struct kunit *test)
{
	const struct fsm_fail *f = test->param_value;
	static const struct fsm_step retry[] = {
		{ CCM_EV_CONN_LOST, CCM_S_ERROR, 0 },
		{ CCM_EV_PEER_STATE5, CCM_S_ERROR, 0 },
		{ CCM_EV_TIMEOUT, CCM_S_INITIAL, CCM_ACT_KICK },
		{ CCM_EV_START, CCM_S_READ1, CCM_ACT_READ },
	};
	enum ccm_state s = CCM_S_INITIAL;
	struct ccm_fsm_result res;
	unsigned int i;

	KUNIT_ASSERT_NE(test, fsm_route_len[f->state], 0U);
	for (i = 0; i < fsm_route_len[f->state]; i++) {
		KUNIT_ASSERT_EQ(test, ccm_fsm_step(s, fsm_route[f->state][i],
						   &res), 0);
		s = res.next;
	}
	KUNIT_ASSERT_EQ(test, s, f->state);

	KUNIT_ASSERT_EQ(test, ccm_fsm_step(s, f->ev, &res), 0);
	KUNIT_EXPECT_EQ(test, res.next, CCM_S_ERROR);
	KUNIT_EXPECT_EQ(test, res.actions, ERR_ACTS);
	fsm_walk(test, CCM_S_ERROR, retry, ARRAY_SIZE(retry));
}

/* 5. ccm_backoff_ms() */
static u64 backoff_delay(unsigned int attempt, u32 min_ms, u32 max_ms)
{
	return attempt >= 32 ? max_ms : min_t(u64, (u64)min_ms << attempt,
					      max_ms);
}

static void fsm_backoff_check(struct kunit *test, u32 min_ms, u32 max_ms)
{
	static const u32 rnds[] = { 0, 1, 2, 49, 0x7fffffff, 0x80000000,
				    0xdeadbeef, U32_MAX };
	u32 lo_prev = 0;
	unsigned int a, k;

	for (a = 0; a < 40; a++) {
		u64 d = backoff_delay(a, min_ms, max_ms);
		u32 lo = ccm_backoff_ms(a, min_ms, max_ms, 0);

		/* rnd 0 gives the bottom of the range, which only grows. */
		KUNIT_EXPECT_EQ_MSG(test, lo, d - d / 2,
				    "attempt %u min %u max %u", a, min_ms,
				    max_ms);
		KUNIT_EXPECT_GE(test, lo, lo_prev);
		lo_prev = lo;
		for (k = 0; k < ARRAY_SIZE(rnds); k++) {
			u32 r = ccm_backoff_ms(a, min_ms, max_ms, rnds[k]);

			KUNIT_EXPECT_GE_MSG(test, r, d - d / 2,
					    "attempt %u min %u max %u rnd %u",
					    a, min_ms, max_ms, rnds[k]);
			KUNIT_EXPECT_LE(test, r, d);
			KUNIT_EXPECT_LE(test, r, max_ms);
			KUNIT_EXPECT_GE(test, r, 1U);
		}
		/* And the top of the range is reached too. */
		KUNIT_EXPECT_EQ(test, ccm_backoff_ms(a, min_ms, max_ms, d / 2),
				d);
	}
}

static void fsm_backoff_bounds(struct kunit *test)
{
	static const u32 mins[] = { 1, 2, 3, 100, 1000, 600000 };
	static const u32 maxs[] = { 1, 7, 5000, 600000, U32_MAX };
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(mins); i++)
		for (j = 0; j < ARRAY_SIZE(maxs); j++)
			if (mins[i] <= maxs[j])
				fsm_backoff_check(test, mins[i], maxs[j]);
}

static void fsm_backoff_growth(struct kunit *test)
{
	/* Module defaults: 100 ms doubling up to 5 s. */
	static const u32 lo[] = { 50, 100, 200, 400, 800, 1600, 2500, 2500 };
	static const u32 hi[] = { 100, 200, 400, 800, 1600, 3200, 5000, 5000 };
	unsigned int a;

	for (a = 0; a < ARRAY_SIZE(lo); a++) {
		KUNIT_EXPECT_EQ(test, ccm_backoff_ms(a, 100, 5000, 0), lo[a]);
		KUNIT_EXPECT_EQ(test, ccm_backoff_ms(a, 100, 5000, hi[a] / 2),
				hi[a]);
		KUNIT_EXPECT_LE(test, ccm_backoff_ms(a, 100, 5000, U32_MAX),
				hi[a]);
	}
}

static void fsm_backoff_extremes(struct kunit *test)
{
	u32 r;

	r = ccm_backoff_ms(1000, 1, 600000, 0);
	KUNIT_EXPECT_EQ(test, r, 300000U);
	r = ccm_backoff_ms(1000, 1, 600000, U32_MAX);
	KUNIT_EXPECT_GE(test, r, 300000U);
	KUNIT_EXPECT_LE(test, r, 600000U);
	KUNIT_EXPECT_EQ(test, ccm_backoff_ms(1000, 1, 600000, 300000), 600000U);
	KUNIT_EXPECT_EQ(test, ccm_backoff_ms(UINT_MAX, 1, 600000, 0), 300000U);
	r = ccm_backoff_ms(UINT_MAX, 3, U32_MAX, U32_MAX);
	KUNIT_EXPECT_GE(test, r, U32_MAX - U32_MAX / 2);
	KUNIT_EXPECT_EQ(test, ccm_backoff_ms(UINT_MAX, U32_MAX, U32_MAX, 0),
			U32_MAX - U32_MAX / 2);
	KUNIT_EXPECT_EQ(test, ccm_backoff_ms(64, 1U << 31, U32_MAX,
					     U32_MAX / 2), U32_MAX);
	/* Never 0, even with a zero minimum or cap. */
	KUNIT_EXPECT_EQ(test, ccm_backoff_ms(0, 0, 0, 0), 1U);
	KUNIT_EXPECT_EQ(test, ccm_backoff_ms(0, 1, 1, U32_MAX), 1U);
	KUNIT_EXPECT_EQ(test, ccm_backoff_ms(5, 0, 0, U32_MAX), 1U);
	KUNIT_EXPECT_GE(test, ccm_backoff_ms(0, 0, 5000, 0), 1U);
}

static struct kunit_case ccm_fsm_cases[] = {
	KUNIT_CASE_PARAM(fsm_table_entry, fsm_table_gen_params),
	KUNIT_CASE(fsm_illegal_pairs),
	KUNIT_CASE(fsm_out_of_range),
	KUNIT_CASE(fsm_timeouts),
	KUNIT_CASE(fsm_action_rules),
	KUNIT_CASE(fsm_reachability),
	KUNIT_CASE(fsm_names),
	KUNIT_CASE(fsm_path_active),
	KUNIT_CASE(fsm_path_passive),
	KUNIT_CASE_PARAM(fsm_fail_retry, fsm_fail_gen_params),
	KUNIT_CASE(fsm_backoff_bounds),
	KUNIT_CASE(fsm_backoff_growth),
	KUNIT_CASE(fsm_backoff_extremes),
	{}
};

static struct kunit_suite ccm_fsm_suite = {
	.name = "ccm_fsm",
	.test_cases = ccm_fsm_cases,
};

/*
 * ccm_fsm_sim: two nodes, each running the real FSM. The simulator plays
 * the transport: it carries the actions out and feeds back their results.
 */
enum sim_msg { SIM_NONE, SIM_STATE2, SIM_STATE5, SIM_COMPLETE };

#define SIM_WAIT_STEPS	12	/* idle steps in WAITING before TIMEOUT */
#define SIM_MAX_STEPS	500	/* both must connect within this */
#define SIM_QLEN	4
#define SIM_PAIR(s, e)	((s) * CCM_EV_NR + (e))
#define SIM_NR_PAIRS	(CCM_S_NR * CCM_EV_NR)

struct sim_node {
	enum ccm_state state;
	enum sim_msg mbox;	/* last message the partner wrote to us */
	bool up;		/* module loaded */
	bool wrote5, wrote_complete;
	enum ccm_event q[SIM_QLEN];	/* completions of our actions */
	unsigned int qlen;
	unsigned int idle, backoff, errors;
};

struct sim {
	struct kunit *test;
	struct sim_node n[2];
	u32 rnd;
	unsigned int faults;	/* READ2 failures left to inject */
	unsigned int illegal, violations;
	unsigned long *seen;	/* (state, event) pairs that happened */
};

static u32 sim_rand(struct sim *sim)
{
	sim->rnd = sim->rnd * 1103515245 + 12345;
	return sim->rnd >> 16;
}

static void sim_push(struct sim *sim, struct sim_node *n, enum ccm_event ev)
{
	if (n->qlen < SIM_QLEN)
		n->q[n->qlen++] = ev;
	else
		KUNIT_FAIL(sim->test, "completion queue overflow");
}

static void sim_write(struct sim *sim, struct sim_node *me,
		      struct sim_node *peer, enum sim_msg msg)
{
	peer->mbox = msg;
	me->wrote5 |= msg == SIM_STATE5;
	me->wrote_complete |= msg == SIM_COMPLETE;
	sim_push(sim, me, CCM_EV_WRITE_OK);
}

static void sim_feed(struct sim *sim, int i, enum ccm_event ev)
{
	struct sim_node *me = &sim->n[i], *peer = &sim->n[!i];
	struct ccm_fsm_result res;
	unsigned int act;

	if (ccm_fsm_step(me->state, ev, &res)) {
		sim->illegal++;
		KUNIT_FAIL(sim->test, "node %d: %s refused in %s", i,
			   ccm_event_name(ev), ccm_state_id(me->state));
		return;
	}
	__set_bit(SIM_PAIR(me->state, ev), sim->seen);
	if (res.next == CCM_S_CONNECTED && me->state != CCM_S_CONNECTED &&
	    !(me->wrote5 && peer->wrote5) && !peer->wrote_complete)
		sim->violations++;
	if (res.next != me->state)
		me->idle = 0;
	me->state = res.next;
	act = res.actions;
	if (act & CCM_ACT_READ)
		sim_push(sim, me, peer->up ? CCM_EV_READ_OK :
					     CCM_EV_UNREACHABLE);
	if (act & CCM_ACT_READ2) {
		bool ok = peer->up && peer->mbox == SIM_STATE2;

		if (ok && sim->faults) {	/* injected: the READ is lost */
			sim->faults--;
			ok = false;
		}
		sim_push(sim, me, ok ? CCM_EV_READ_OK : CCM_EV_READ_FAIL);
	}
	if (act & CCM_ACT_WRITE_STATE2)
		sim_write(sim, me, peer, SIM_STATE2);
	if (act & CCM_ACT_WRITE_STATE5)
		sim_write(sim, me, peer, SIM_STATE5);
	if (act & CCM_ACT_WRITE_COMPLETE)
		sim_write(sim, me, peer, SIM_COMPLETE);
	if (act & CCM_ACT_BACKOFF)
		me->backoff = ccm_backoff_ms(me->errors++, 2, 32, sim_rand(sim));
	if (act & CCM_ACT_KICK)
		sim_feed(sim, i, CCM_EV_START);
}

/* One step of node @i: a completion, a mailbox poll or a timer. */
static void sim_run(struct sim *sim, int i)
{
	struct sim_node *n = &sim->n[i];
	bool polls = n->state == CCM_S_WAITING || n->state == CCM_S_WRITE2 ||
		     n->state == CCM_S_WRITE2_DONE;
	enum ccm_event ev;

	if (!n->up)
		return;
	if (n->qlen && (!polls || sim_rand(sim) & 1)) {
		ev = n->q[0];
		memmove(n->q, n->q + 1, --n->qlen * sizeof(n->q[0]));
		sim_feed(sim, i, ev);
	} else if (polls && n->mbox == SIM_STATE5) {
		sim_feed(sim, i, CCM_EV_PEER_STATE5);
	} else if (polls && n->mbox == SIM_COMPLETE) {
		sim_feed(sim, i, CCM_EV_PEER_COMPLETE);
	} else if ((n->state == CCM_S_WAITING &&
		    ++n->idle >= SIM_WAIT_STEPS) ||
		   (n->state == CCM_S_ERROR && ++n->idle >= n->backoff)) {
		sim_feed(sim, i, CCM_EV_TIMEOUT);
	}
}

static void sim_start(struct sim *sim, int i)
{
	/* Module load: a fresh, empty sentinel page, then START. */
	KUNIT_EXPECT_EQ_MSG(sim->test, sim->n[i].mbox, SIM_NONE,
			    "node %d written to before it was up", i);
	sim->n[i].up = true;
	sim_feed(sim, i, CCM_EV_START);
}

/*
 * Node @first starts and runs @alone steps while its partner is down, then
 * the partner starts and a seeded schedule picks which node runs each step
 * until both are connected (and a few steps more, to see them stay so).
 * @faults READ2s fail on the way. Returns the steps the handshake took,
 * or 0 when anything went wrong.
 */
static unsigned int sim_case(struct kunit *test, unsigned long *seen,
			     u32 seed, int first, unsigned int alone,
			     unsigned int faults)
{
	struct sim sim = { .test = test, .rnd = seed, .faults = faults,
			   .seen = seen };
	unsigned int t, done = 0, extra = 20;

	sim_start(&sim, first);
	for (t = 0; t < alone; t++)
		sim_run(&sim, first);
	KUNIT_EXPECT_NE(test, sim.n[first].state, CCM_S_CONNECTED);
	sim_start(&sim, !first);
	for (t = 0; t < SIM_MAX_STEPS && extra && !sim.illegal; t++) {
		sim_run(&sim, (sim_rand(&sim) >> 3) & 1);
		if (sim.n[0].state == CCM_S_CONNECTED &&
		    sim.n[1].state == CCM_S_CONNECTED) {
			done = done ?: t + 1;
			extra--;
		}
	}
	KUNIT_EXPECT_EQ_MSG(test, sim.n[0].state, CCM_S_CONNECTED,
			    "seed %u: node 0 in %s", seed,
			    ccm_state_id(sim.n[0].state));
	KUNIT_EXPECT_EQ_MSG(test, sim.n[1].state, CCM_S_CONNECTED,
			    "seed %u: node 1 in %s", seed,
			    ccm_state_id(sim.n[1].state));
	KUNIT_EXPECT_EQ_MSG(test, sim.illegal, 0U, "seed %u", seed);
	KUNIT_EXPECT_EQ_MSG(test, sim.violations, 0U, "seed %u", seed);
	/* Every injected fault was hit and cost exactly one error. */
	KUNIT_EXPECT_EQ_MSG(test, sim.faults, 0U, "seed %u", seed);
	KUNIT_EXPECT_EQ_MSG(test, sim.n[0].errors + sim.n[1].errors, faults,
			    "seed %u", seed);
	if (sim.n[0].state != CCM_S_CONNECTED ||
	    sim.n[1].state != CCM_S_CONNECTED || sim.illegal ||
	    sim.violations || sim.faults ||
	    sim.n[0].errors + sim.n[1].errors != faults)
		return 0;
	return done;
}

static void sim_saw(struct kunit *test, const unsigned long *seen,
		    enum ccm_state s, enum ccm_event e)
{
	KUNIT_EXPECT_TRUE_MSG(test, test_bit(SIM_PAIR(s, e), seen),
			      "never saw %s + %s", ccm_state_id(s),
			      ccm_event_name(e));
}

static void sim_together(struct kunit *test)
{
	DECLARE_BITMAP(seen, SIM_NR_PAIRS) = {};

	sim_case(test, seen, 1, 0, 0, 0);
	sim_case(test, seen, 2, 1, 0, 0);
}

static void sim_one_first(struct kunit *test, int first)
{
	DECLARE_BITMAP(seen, SIM_NR_PAIRS) = {};

	sim_case(test, seen, 3 + first, first, 200, 0);
	/* Alone, it went round unreachable -> waiting -> timeout. */
	sim_saw(test, seen, CCM_S_READ1, CCM_EV_UNREACHABLE);
	sim_saw(test, seen, CCM_S_WAITING, CCM_EV_TIMEOUT);
}

static void sim_a_first(struct kunit *test)
{
	sim_one_first(test, 0);
}

static void sim_b_first(struct kunit *test)
{
	sim_one_first(test, 1);
}

static void sim_random(struct kunit *test)
{
	DECLARE_BITMAP(seen, SIM_NR_PAIRS) = {};
	unsigned int t, worst = 0;
	u32 seed;

	for (seed = 100; seed < 300; seed++) {
		t = sim_case(test, seen, seed, seed & 1, (seed * 7) % 64, 0);
		if (!t)
			return;		/* one failing seed is enough */
		worst = max(worst, t);
	}
	kunit_info(test, "slowest handshake: %u steps, %u pairs seen\n",
		   worst, bitmap_weight(seen, SIM_NR_PAIRS));
	/* The schedules took every way through state 5. */
	sim_saw(test, seen, CCM_S_WAITING, CCM_EV_PEER_STATE5);
	sim_saw(test, seen, CCM_S_WRITE2, CCM_EV_WRITE_OK);
	sim_saw(test, seen, CCM_S_WRITE2, CCM_EV_PEER_STATE5);
	sim_saw(test, seen, CCM_S_WRITE2_DONE, CCM_EV_PEER_STATE5);
	sim_saw(test, seen, CCM_S_WRITE2_DONE, CCM_EV_PEER_COMPLETE);
	sim_saw(test, seen, CCM_S_WRITE2_PEER, CCM_EV_WRITE_OK);
	sim_saw(test, seen, CCM_S_CONNECTED, CCM_EV_WRITE_OK);
}

/* A few READ2s fail: ERROR, backoff, retry, and still connect. */
static void sim_random_faults(struct kunit *test)
{
	DECLARE_BITMAP(seen, SIM_NR_PAIRS) = {};
	unsigned int t, worst = 0;
	u32 seed;

	for (seed = 1000; seed < 1200; seed++) {
		t = sim_case(test, seen, seed, seed & 1, (seed * 13) % 64,
			     1 + seed % 3);
		if (!t)
			return;
		worst = max(worst, t);
	}
	kunit_info(test, "slowest handshake: %u steps, %u pairs seen\n",
		   worst, bitmap_weight(seen, SIM_NR_PAIRS));
	sim_saw(test, seen, CCM_S_READ2, CCM_EV_READ_FAIL);
	sim_saw(test, seen, CCM_S_ERROR, CCM_EV_TIMEOUT);
}

static struct kunit_case ccm_fsm_sim_cases[] = {
	KUNIT_CASE(sim_together),
	KUNIT_CASE(sim_a_first),
	KUNIT_CASE(sim_b_first),
	KUNIT_CASE(sim_random),
	KUNIT_CASE(sim_random_faults),
	{}
};

static struct kunit_suite ccm_fsm_sim_suite = {
	.name = "ccm_fsm_sim",
	.test_cases = ccm_fsm_sim_cases,
};

kunit_test_suites(&ccm_fsm_suite, &ccm_fsm_sim_suite);

MODULE_LICENSE("GPL");
