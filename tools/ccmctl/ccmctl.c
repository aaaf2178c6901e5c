// SPDX-License-Identifier: GPL-2.0
/*
 * ccmctl - show and watch ccm, the cluster connection manager, from user
 * space: the files of /sys/kernel/ccm (Documentation/ABI/testing/
 * sysfs-kernel-ccm) and ccm's uevents. libc only, so that it fits into an
 * initramfs; see ccmctl.8 for the commands, the JSON keys and exit codes.
 * This file: the commands, their text output and the command line.
 *
 * CCM_SYSFS names another directory than /sys/kernel/ccm (tests).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ccmctl.h"

#ifndef CCMCTL_VERSION
#define CCMCTL_VERSION "1.0.0"
#endif

#define WAIT_POLL_S		0.05	/* wait: how often state is read */
#define WAIT_DEFAULT_S		60.0
#define MAX_SECONDS		1e6

/* Options, and the commands that take them */
enum {
	OPT_JSON	= 1 << 0,
	OPT_DELTA	= 1 << 1,
	OPT_LINK	= 1 << 2,
	OPT_TIMEOUT	= 1 << 3,
};

struct opts {
	unsigned int used;	/* OPT_* given */
	double delta;
	double timeout;
	const char *link;
};

const char *root;
bool json;
static bool color;

/* ---- text output ---- */

#define COLOR_RED	"\033[31m"
#define COLOR_GREEN	"\033[32m"
#define COLOR_YELLOW	"\033[33m"
#define COLOR_OFF	"\033[0m"

static const char *state_color(const char *state)
{
	if (!strcmp(state, "connected"))
		return COLOR_GREEN;
	if (!strcmp(state, "error") || !strcmp(state, "failed"))
		return COLOR_RED;
	if (!strcmp(state, "-"))
		return "";
	return COLOR_YELLOW;
}

/* @s left-aligned in @width columns, in @code's colour when colour is on */
static void put_color(const char *code, const char *s, int width)
{
	if (color && *code)
		printf("%s%-*s%s", code, width, s, COLOR_OFF);
	else
		printf("%-*s", width, s);
}

static void put_state(const char *state, int width)
{
	put_color(state_color(state), state, width);
}

/* An error message and the end of the line; red unless "none" */
static void put_error(const char *err)
{
	put_color(strcmp(err, "none") && strcmp(err, "-") ? COLOR_RED : "", err, 0);
	putchar('\n');
}

static void put_label(const char *label)
{
	printf("%-13s", label);
}

static void fmt_ns(u64 ns, char *buf, size_t size)
{
	if (ns >= 1000000000)
		snprintf(buf, size, "%.3f s", ns / 1e9);
	else if (ns >= 1000000)
		snprintf(buf, size, "%.3f ms", ns / 1e6);
	else if (ns >= 1000)
		snprintf(buf, size, "%.3f us", ns / 1e3);
	else
		snprintf(buf, size, "%llu ns", ns);
}

/* A line for a duration in nanoseconds, when it is there and not 0 */
static void put_duration(const char *label, const char *file)
{
	char buf[32];
	u64 ns;

	if (!parse_u64(attr("%s", file), &ns) || !ns)
		return;
	fmt_ns(ns, buf, sizeof(buf));
	put_label(label);
	printf("%s\n", buf);
}

/*
 * "since <local time> (<age> ago)": when the partner's state was entered,
 * from state_age_ms (missing in a ccm before it: no line).
 */
static void put_since(void)
{
	char when[32];
	time_t at;
	struct tm tm;
	u64 ms, s;

	if (!parse_u64(attr("state_age_ms"), &ms))
		return;
	s = ms / 1000;
	at = time(NULL) - (time_t)s;
	put_label("since");
	if (localtime_r(&at, &tm) &&
	    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm))
		printf("%s ", when);
	if (s >= 86400)
		printf("(%llu d %llu h ago)\n", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		printf("(%llu h %llu min ago)\n", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		printf("(%llu min %llu s ago)\n", s / 60, s % 60);
	else
		printf("(%llu.%llu s ago)\n", s, ms % 1000 / 100);
}

/* "node <id>, epoch <epoch>", or that it was not seen yet (all zeros) */
static void put_identity(const char *id, const char *epoch)
{
	if (id && strspn(id, "0") == strlen(id))
		printf("not seen yet\n");
	else
		printf("node %s, epoch %s\n", dash(id), dash(epoch));
}

static void print_peer(const char *only_link)
{
	const char *link;

	put_label("state");
	put_state(dash(attr("state")), 0);
	putchar('\n');
	put_since();
	put_label("partner");
	printf("%s, ", dash(attr("peer_addr")));
	put_identity(attr("peer_node_id"), attr("peer_epoch"));
	put_label("this node");
	printf("%s port %s, ", dash(attr("local_addr")), dash(attr("port")));
	put_identity(attr("node_id"), attr("local_epoch"));
	put_label("auth");
	printf("%s\n", dash(attr("auth")));
	if (only_link) {
		put_label("device");
		printf("%s\n", dash(attr("links/%s/device", only_link)));
	}
	put_label("generation");
	printf("%s\n", dash(attr("generation")));
	link = attr("clients_link");
	if (!only_link && link) {
		put_label("clients on");
		printf("%s%s\n", strcmp(link, "none") ? "link " : "", link);
	}
	put_duration("handshake", "last_handshake_ns");
	put_duration("loss seen in", "last_detection_ns");
	put_label("last error");
	put_error(dash(attr("last_error")));
}

static void print_links(const struct names *ns)
{
	size_t i;

	printf("\n%-5s %-18s %-10s %-20s %-12s %s\n",
	       "LINK", "STATE", "DEVICE", "PEER", "LOCAL", "LAST ERROR");
	for (i = 0; i < ns->n; i++) {
		const char *n = ns->v[i];

		printf("%-5s ", n);
		put_state(dash(attr("links/%s/state", n)), 18);
		printf(" %-10s %-20s %-12s ", dash(attr("links/%s/device", n)),
		       dash(attr("links/%s/peer_addr", n)),
		       dash(attr("links/%s/local_addr", n)));
		put_error(dash(attr("links/%s/last_error", n)));
	}
}

static void print_clients(const struct names *ns)
{
	size_t i;

	printf("%-20s %-11s %4s %9s %11s  %s\n",
	       "CLIENT", "STATE", "QPS", "CONNECTS", "DISCONNECTS", "LAST ERROR");
	for (i = 0; i < ns->n; i++) {
		const char *n = ns->v[i];

		printf("%-20s ", n);
		put_state(dash(attr("clients/%s/state", n)), 11);
		printf(" %4s %9s %11s  ", dash(attr("clients/%s/nr_qps", n)),
		       dash(attr("clients/%s/connects", n)),
		       dash(attr("clients/%s/disconnects", n)));
		put_error(dash(attr("clients/%s/last_error", n)));
	}
}

/* The counters that are not 0, two to a line */
static void print_nonzero(const struct counters *cs)
{
	int col = 0;
	size_t i;

	printf("\ncounters (not 0):");
	for (i = 0; i < cs->n; i++) {
		if (!cs->c[i].ok || !cs->c[i].val)
			continue;
		printf("%s%-20s %12llu", col++ % 2 ? "   " : "\n  ",
		       cs->c[i].name, cs->c[i].val);
	}
	printf("%s\n", col ? "" : " none");
}

/* ---- commands ---- */

static void status_text(void)
{
	struct names links, clients;
	struct counters cs;

	list_dir("links", &links);
	list_dir("clients", &clients);
	print_peer(links.n == 1 ? links.v[0] : NULL);
	if (links.n > 1)
		print_links(&links);
	if (clients.n) {
		putchar('\n');
		print_clients(&clients);
	}
	if (!counters_read("counters", &cs)) {
		print_nonzero(&cs);
		counters_free(&cs);
	}
	names_free(&links);
	names_free(&clients);
}

static int cmd_status(void)
{
	int rc = check_loaded();

	if (rc)
		return rc;
	if (json)
		json_status();
	else
		status_text();
	return RC_OK;
}

static int cmd_clients(void)
{
	int rc = check_loaded();
	struct names ns;

	if (rc)
		return rc;
	if (json) {
		json_open(NULL, '{');
		json_clients();
		json_close('}');
		return RC_OK;
	}
	list_dir("clients", &ns);
	if (ns.n)
		print_clients(&ns);
	else
		printf("no clients registered\n");
	names_free(&ns);
	return RC_OK;
}

static void sleep_secs(double secs)
{
	struct timespec ts;

	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void counters_print(const struct counters *cs)
{
	size_t i;

	for (i = 0; i < cs->n; i++) {
		printf("%-20s ", cs->c[i].name);
		if (cs->c[i].ok)
			printf("%llu\n", cs->c[i].val);
		else
			printf("-\n");
	}
}

/* What @c gained since @before (0 if it went back). Return: known? */
static bool counter_gain(const struct counter *c, const struct counters *before,
			 u64 *gain)
{
	const struct counter *b = counter_find(before, c->name);

	if (!c->ok || !b || !b->ok)
		return false;
	*gain = c->val > b->val ? c->val - b->val : 0;
	return true;
}

static void delta_print(const struct counters *after,
			const struct counters *before, double secs)
{
	int changed = 0;
	u64 gain = 0;
	size_t i;

	for (i = 0; i < after->n; i++) {
		if (!counter_gain(&after->c[i], before, &gain) || !gain)
			continue;
		printf("%-20s +%llu\n", after->c[i].name, gain);
		changed++;
	}
	if (!changed)
		printf("no counter changed in %g s\n", secs);
}

static void delta_json(const struct counters *after,
		       const struct counters *before, double secs)
{
	u64 gain = 0;
	size_t i;

	json_open(NULL, '{');
	json_double("interval_s", secs);
	json_open("delta", '{');
	for (i = 0; i < after->n; i++) {
		bool ok = counter_gain(&after->c[i], before, &gain);

		json_u64(after->c[i].name, ok, gain);
	}
	json_close('}');
	json_counters("counters", after);
	json_close('}');
}

/* Read the counters, sleep @secs, read them again into @after, print */
static int counters_delta(const char *dir, double secs, struct counters *after)
{
	struct counters before;
	int err = counters_read(dir, &before);

	if (!err) {
		sleep_secs(secs);
		err = counters_read(dir, after);
	}
	if (!err && json)
		delta_json(after, &before, secs);
	else if (!err)
		delta_print(after, &before, secs);
	counters_free(&before);
	return err;
}

/* All counters, those of link @link when not NULL; their increase in @delta s */
static int cmd_counters(const char *link, double delta)
{
	int rc = check_loaded();
	struct counters cs = { 0 };
	char dir[PATH_MAX] = "counters";
	int err;

	if (rc)
		return rc;
	if (link)
		snprintf(dir, sizeof(dir), "links/%s/counters", link);
	if (delta) {
		err = counters_delta(dir, delta, &cs);
	} else {
		err = counters_read(dir, &cs);
		if (!err && json) {
			json_open(NULL, '{');
			json_counters("counters", &cs);
			json_close('}');
		} else if (!err) {
			counters_print(&cs);
		}
	}
	counters_free(&cs);
	if (err)
		fprintf(stderr, "ccmctl: %s/%s: %s\n", root, dir, strerror(-err));
	return err ? RC_ERROR : RC_OK;
}

static const char * const states[] = {
	"initial", "attempting_read", "attempting_write", "waiting_on_partner",
	"attempting_read2", "attempting_write2", "connected", "error", NULL
};

static bool state_valid(const char *s)
{
	const char * const *st;

	for (st = states; *st; st++)
		if (!strcmp(*st, s))
			return true;
	return false;
}

/* Until the partner's state is @want, at most @timeout s */
static int cmd_wait(const char *want, double timeout)
{
	double deadline;
	int rc;

	if (!state_valid(want)) {
		fprintf(stderr, "ccmctl: no such state: %s\n", want);
		return RC_USAGE;
	}
	rc = check_loaded();
	if (rc)
		return rc;
	deadline = now() + timeout;
	for (;;) {
		const char *state = attr("state");
		double left;

		if (state && !strcmp(state, want))
			return RC_OK;
		left = deadline - now();
		if (left <= 0) {
			fprintf(stderr,
				"ccmctl: timed out after %g s waiting for %s (state %s, last error: %s)\n",
				timeout, want, dash(state), dash(attr("last_error")));
			return RC_TIMEOUT;
		}
		sleep_secs(left < WAIT_POLL_S ? left : WAIT_POLL_S);
	}
}

/* ---- command line ---- */

enum command_id {
	CMD_STATUS, CMD_CLIENTS, CMD_COUNTERS, CMD_WAIT, CMD_MONITOR, CMD_KEY
};

struct command {
	const char *name;
	enum command_id id;
	unsigned int opts;	/* OPT_* it takes */
	int max_args;
};

static const struct command commands[] = {
	{ "status", CMD_STATUS, OPT_JSON, 0 },
	{ "clients", CMD_CLIENTS, OPT_JSON, 0 },
	{ "counters", CMD_COUNTERS, OPT_JSON | OPT_DELTA | OPT_LINK, 0 },
	{ "wait", CMD_WAIT, OPT_TIMEOUT, 1 },
	{ "monitor", CMD_MONITOR, OPT_JSON, 0 },
	{ "key", CMD_KEY, 0, 1 },
	{ }
};

static void print_help(FILE *f)
{
	fprintf(f,
		"Usage: ccmctl [-j] [status]     partner, links, clients, counters not 0\n"
		"       ccmctl [-j] clients      the client modules and their QPs\n"
		"       ccmctl [-j] counters [-l LINK] [-d SECONDS]\n"
		"       ccmctl wait [-t SECONDS] [STATE]   until state is STATE (connected)\n"
		"       ccmctl [-j] monitor      print ccm's uevents until SIGINT/SIGTERM\n"
		"       ccmctl key DESC < HEXKEY add the shared key as logon key DESC\n"
		"\n"
		"  -j, --json             JSON output (keys in ccmctl(8))\n"
		"  -d, --delta SECONDS    counters: the increase over SECONDS\n"
		"  -l, --link LINK        counters: those of link LINK only\n"
		"  -t, --timeout SECONDS  wait: give up after SECONDS (default 60, 0: once)\n"
		"  -h, --help             this text\n"
		"  -V, --version          ccmctl's version\n"
		"\n"
		"Environment: CCM_SYSFS (default " CCM_SYSFS_DEFAULT "), NO_COLOR.\n"
		"Exit status: 0 ok, 1 usage, 2 ccm not loaded, 3 timeout, 4 other error.\n");
}

static bool parse_secs(const char *s, double *secs)
{
	char *end;

	errno = 0;
	*secs = strtod(s, &end);
	return !errno && end != s && !*end && *secs >= 0 && *secs <= MAX_SECONDS;
}

static int bad_value(const char *opt, const char *val)
{
	fprintf(stderr, "ccmctl: %s: not a number of seconds: %s\n", opt, val);
	return RC_USAGE;
}

/* Return: -1 to go on, else the exit code */
static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "delta", required_argument, NULL, 'd' },
		{ "link", required_argument, NULL, 'l' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ }
	};
	int c;

	while ((c = getopt_long(argc, argv, "jd:l:t:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o->used |= OPT_JSON;
			break;
		case 'd':
			o->used |= OPT_DELTA;
			if (!parse_secs(optarg, &o->delta) || !o->delta)
				return bad_value("--delta", optarg);
			break;
		case 'l':
			o->used |= OPT_LINK;
			o->link = optarg;
			if (strchr(optarg, '/') || optarg[0] == '.')
				return bad_value("--link", optarg);
			break;
		case 't':
			o->used |= OPT_TIMEOUT;
			if (!parse_secs(optarg, &o->timeout))
				return bad_value("--timeout", optarg);
			break;
		case 'h':
			print_help(stdout);
			return RC_OK;
		case 'V':
			printf("ccmctl %s\n", CCMCTL_VERSION);
			return RC_OK;
		default:
			print_help(stderr);
			return RC_USAGE;
		}
	}
	return -1;
}

static const struct command *find_command(const char *name)
{
	const struct command *cmd;

	for (cmd = commands; cmd->name; cmd++)
		if (!strcmp(cmd->name, name))
			return cmd;
	return NULL;
}

/* @arg: the command's argument, or NULL */
static int run_command(const struct command *cmd, const struct opts *o,
		       const char *arg)
{
	switch (cmd->id) {
	case CMD_CLIENTS:
		return cmd_clients();
	case CMD_COUNTERS:
		return cmd_counters(o->link, o->used & OPT_DELTA ? o->delta : 0);
	case CMD_WAIT:
		return cmd_wait(arg ? arg : "connected", o->timeout);
	case CMD_MONITOR:
		return monitor_uevents();
	case CMD_KEY:
		return cmd_key(arg);
	default:
		return cmd_status();
	}
}

static int run(const struct opts *o, int argc, char **argv)
{
	const struct command *cmd = find_command(argc ? argv[0] : "status");

	if (!cmd) {
		fprintf(stderr, "ccmctl: unknown command: %s\n", argv[0]);
		print_help(stderr);
		return RC_USAGE;
	}
	if (o->used & ~cmd->opts) {
		fprintf(stderr, "ccmctl: option not valid for %s\n", cmd->name);
		return RC_USAGE;
	}
	if (argc - 1 > cmd->max_args) {
		fprintf(stderr, "ccmctl: %s: too many arguments\n", cmd->name);
		return RC_USAGE;
	}
	return run_command(cmd, o, argc > 1 ? argv[1] : NULL);
}

int main(int argc, char **argv)
{
	struct opts o = { .timeout = WAIT_DEFAULT_S };
	const char *no_color = getenv("NO_COLOR");
	const char *term = getenv("TERM");
	int rc = parse_opts(argc, argv, &o);

	if (rc >= 0)
		return rc;
	root = getenv("CCM_SYSFS");
	if (!root || !*root)
		root = CCM_SYSFS_DEFAULT;
	json = o.used & OPT_JSON;
	color = !json && !no_color && isatty(STDOUT_FILENO) &&
		!(term && !strcmp(term, "dumb"));
	return run(&o, argc - optind, argv + optind);
}

