// SPDX-License-Identifier: GPL-2.0
/*
 * rdmacm_impostor - test only: what any local user on the partner node can
 * try against ccm with librdmacm, the way ccm_impostor.ko does from the
 * kernel. Run it as an unprivileged user, or with -u UID to become one
 * (all IDs UID, no groups, hence no capabilities) before its first RDMA
 * call, as setpriv(1) or su(1) would: tests/vm/cases/impostor.sh does,
 * its guests' busybox has neither.
 *
 * It first tries to bind the privileged source port ccm's rule asks for
 * (binding one takes CAP_NET_BIND_SERVICE), then connects to ccm COUNT
 * times from whatever port it has, each time with a well-formed request
 * of ccm's wire format (ccm_wire.c itself, through wire.c) that claims a
 * new incarnation of the partner: its node_id, a new epoch.
 *
 *   rdmacm_impostor -a ADDR -n NODE_ID [-p PORT] [-b SRCPORT] [-e EPOCH]
 *                   [-c COUNT] [-u UID]
 *
 * Prints who it runs as, what the bind gave, and each attempt's outcome:
 * "attempt N from port P: rejected (why ccm said so)", "accepted", "no
 * answer", or the call that failed. Exit status 0 when every attempt got
 * an answer, 1 otherwise, 2 on usage errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <grp.h>
#include <rdma/rdma_cma.h>

#include "wire.h"

#define TIMEOUT_MS	2000	/* address and route resolution */
#define ANSWER_MS	5000	/* the partner's answer to a connect */
#define MAX_COUNT	16

struct opts {
	struct sockaddr_in dst;
	u64 node_id;
	u64 epoch;
	unsigned int bind_port;		/* 0: none */
	unsigned int count;
};

/* The next event on @ch within @ms, or NULL; the caller acks it */
static struct rdma_cm_event *next_event(struct rdma_event_channel *ch, int ms)
{
	struct pollfd pfd = { .fd = ch->fd, .events = POLLIN };
	struct rdma_cm_event *ev;

	if (poll(&pfd, 1, ms) != 1 || rdma_get_cm_event(ch, &ev))
		return NULL;
	return ev;
}

/* Wait for event @want; return 0, or -1 having said what came instead */
static int expect_event(struct rdma_event_channel *ch,
			enum rdma_cm_event_type want, unsigned int n)
{
	struct rdma_cm_event *ev = next_event(ch, TIMEOUT_MS + 1000);
	int ret = 0;

	if (!ev || ev->event != want) {
		printf("attempt %u: %s instead of %s\n", n,
		       ev ? rdma_event_str(ev->event) : "nothing",
		       rdma_event_str(want));
		ret = -1;
	}
	if (ev)
		rdma_ack_cm_event(ev);
	return ret;
}

/* An id, bound to @port if it can be; prints what the bind gave once */
static struct rdma_cm_id *make_id(struct rdma_event_channel *ch,
				  unsigned int port, bool say)
{
	struct sockaddr_in src = { .sin_family = AF_INET };
	struct rdma_cm_id *id;

	if (rdma_create_id(ch, &id, NULL, RDMA_PS_TCP)) {
		printf("rdma_create_id: %s\n", strerror(errno));
		return NULL;
	}
	if (!port)
		return id;
	src.sin_port = htons(port);
	if (!rdma_bind_addr(id, (struct sockaddr *)&src)) {
		if (say)
			printf("bind port %u: ok\n", port);
		return id;
	}
	if (say)
		printf("bind port %u: %s\n", port, strerror(errno));
	/* As such a user would: from any port, then. */
	rdma_destroy_id(id);
	return make_id(ch, 0, false);
}

/* One connect; return 0 when ccm answered it */
static int knock(const struct opts *o, unsigned int n)
{
	struct rdma_conn_param param = { 0 };
	struct rdma_event_channel *ch;
	struct rdma_cm_event *ev;
	struct rdma_cm_id *id;
	unsigned char priv[56];
	int ret = -1;

	ch = rdma_create_event_channel();
	if (!ch) {
		printf("rdma_create_event_channel: %s\n", strerror(errno));
		return -1;
	}
	id = make_id(ch, o->bind_port, n == 1);
	if (!id)
		goto out_ch;
	if (rdma_resolve_addr(id, NULL, (struct sockaddr *)&o->dst, TIMEOUT_MS) ||
	    expect_event(ch, RDMA_CM_EVENT_ADDR_RESOLVED, n) ||
	    rdma_resolve_route(id, TIMEOUT_MS) ||
	    expect_event(ch, RDMA_CM_EVENT_ROUTE_RESOLVED, n))
		goto out_id;
	param.private_data = priv;
	param.private_data_len = wire_req(priv, sizeof(priv), o->node_id,
					  o->epoch, 1000 + n);
	param.responder_resources = 1;
	param.initiator_depth = 1;
	param.retry_count = 6;
	param.qp_num = (u32)random() & 0xffffff;
	if (rdma_connect(id, &param)) {
		printf("attempt %u: rdma_connect: %s\n", n, strerror(errno));
		goto out_id;
	}
	ev = next_event(ch, ANSWER_MS);
	if (!ev) {
		printf("attempt %u from port %u: no answer\n", n,
		       ntohs(rdma_get_src_port(id)));
		goto out_id;
	}
	if (ev->event == RDMA_CM_EVENT_REJECTED)
		printf("attempt %u from port %u: rejected (%s)\n", n,
		       ntohs(rdma_get_src_port(id)),
		       wire_rej(ev->param.conn.private_data,
				ev->param.conn.private_data_len));
	else
		printf("attempt %u from port %u: %s\n", n,
		       ntohs(rdma_get_src_port(id)),
		       ev->event == RDMA_CM_EVENT_ESTABLISHED ||
		       ev->event == RDMA_CM_EVENT_CONNECT_RESPONSE ?
		       "accepted" : rdma_event_str(ev->event));
	if (ev->event == RDMA_CM_EVENT_ESTABLISHED)
		rdma_disconnect(id);
	rdma_ack_cm_event(ev);
	ret = 0;
out_id:
	rdma_destroy_id(id);
out_ch:
	rdma_destroy_event_channel(ch);
	return ret;
}

/* Who we run as: the effective IDs and capabilities */
static void say_who(void)
{
	char line[256], caps[64] = "?";
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %63s", caps) == 1)
			break;
	if (f)
		fclose(f);
	printf("running as uid %u gid %u, CapEff %s\n", geteuid(), getegid(),
	       caps);
}

static int bad_usage(void)
{
	fprintf(stderr,
		"usage: rdmacm_impostor -a ADDR -n NODE_ID [-p PORT] [-b SRCPORT] [-e EPOCH] [-c COUNT] [-u UID]\n");
	return 2;
}

static bool parse_u64(const char *s, u64 *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return !errno && end != s && !*end;
}

int main(int argc, char **argv)
{
	struct opts o = { .dst.sin_family = AF_INET, .count = 3 };
	unsigned int n, failed = 0;
	u64 v, port = 7471;
	bool have_addr = false, have_node = false, have_uid = false;
	u64 uid = 0;
	int c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	srandom((unsigned int)time(NULL) ^ (unsigned int)getpid());
	o.epoch = ((u64)random() << 32) ^ (u64)random();
	while ((c = getopt(argc, argv, "a:n:p:b:e:c:u:")) != -1) {
		switch (c) {
		case 'a':
			have_addr = inet_pton(AF_INET, optarg, &o.dst.sin_addr) == 1;
			if (!have_addr)
				return bad_usage();
			break;
		case 'n':
			have_node = parse_u64(optarg, &o.node_id);
			if (!have_node)
				return bad_usage();
			break;
		case 'p':
			if (!parse_u64(optarg, &port) || !port || port > 65535)
				return bad_usage();
			break;
		case 'b':
			if (!parse_u64(optarg, &v) || v > 65535)
				return bad_usage();
			o.bind_port = (unsigned int)v;
			break;
		case 'e':
			if (!parse_u64(optarg, &o.epoch))
				return bad_usage();
			break;
		case 'c':
			if (!parse_u64(optarg, &v) || !v || v > MAX_COUNT)
				return bad_usage();
			o.count = (unsigned int)v;
			break;
		case 'u':
			have_uid = parse_u64(optarg, &uid) && uid < 65536;
			if (!have_uid)
				return bad_usage();
			break;
		default:
			return bad_usage();
		}
	}
	if (!have_addr || !have_node || optind != argc)
		return bad_usage();
	o.dst.sin_port = htons((u16)port);
	if (have_uid && (setgroups(0, NULL) || setgid((gid_t)uid) ||
			 setuid((uid_t)uid))) {
		printf("cannot become uid %u: %s\n", (unsigned int)uid,
		       strerror(errno));
		return 2;
	}
	say_who();
	for (n = 1; n <= o.count; n++)
		if (knock(&o, n))
			failed++;
	return failed ? 1 : 0;
}
