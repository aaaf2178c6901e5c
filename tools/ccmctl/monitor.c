// SPDX-License-Identifier: GPL-2.0
/*
 * ccmctl monitor - ccm's uevents, read like `udevadm monitor --kernel` does:
 * a NETLINK_KOBJECT_UEVENT socket in the kernel's multicast group (1).
 * ccm sends them on its module kobject (/module/ccm) with CCM_* keys.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/netlink.h>

#include "ccmctl.h"

#define UEVENT_BUF	8192
#define UEVENT_KEYS	32

struct uevent {
	const char *action;
	const char *devpath;
	const char *keys[UEVENT_KEYS];	/* "CCM_...=value" */
	int nkeys;
};

static int uevent_socket(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	int size = 1 << 20;
	int fd;

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		size = -errno;
		close(fd);
		return size;
	}
	return fd;
}

/* One message from the kernel into @buf. Return: its length, 0, -errno */
static ssize_t uevent_recv(int fd, char *buf, size_t size)
{
	struct sockaddr_nl sa = { 0 };
	struct iovec iov = { .iov_base = buf, .iov_len = size - 1 };
	struct msghdr msg = {
		.msg_name = &sa, .msg_namelen = sizeof(sa),
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);

	if (n < 0 && errno == ENOBUFS)
		fprintf(stderr, "ccmctl: uevents were lost (receive buffer full)\n");
	if (n < 0)
		return errno == EAGAIN || errno == EINTR || errno == ENOBUFS ? 0 : -errno;
	if (sa.nl_pid || (msg.msg_flags & MSG_TRUNC))
		return 0;	/* not from the kernel, or cut */
	buf[n] = '\0';
	return n;
}

/* "ACTION@DEVPATH\0KEY=VALUE\0...": the keys we need. Return: a uevent? */
static bool uevent_parse(char *buf, size_t len, struct uevent *ev)
{
	char *p;

	memset(ev, 0, sizeof(*ev));
	if (!strchr(buf, '@'))
		return false;	/* libudev's format, or not a uevent */
	for (p = buf + strlen(buf) + 1; p < buf + len; p += strlen(p) + 1) {
		if (!strncmp(p, "ACTION=", 7))
			ev->action = p + 7;
		else if (!strncmp(p, "DEVPATH=", 8))
			ev->devpath = p + 8;
		else if (!strncmp(p, "CCM_", 4) && ev->nkeys < UEVENT_KEYS)
			ev->keys[ev->nkeys++] = p;
	}
	return ev->action && ev->devpath;
}

static bool path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && (path[n] == '\0' || path[n] == '/');
}

/* ccm's module kobject (its events, its loading) or /sys/kernel/ccm */
static bool uevent_is_ccm(const struct uevent *ev)
{
	return ev->nkeys || path_under(ev->devpath, "/module/ccm") ||
	       path_under(ev->devpath, "/kernel/ccm");
}

static void timestamp(char *buf, size_t size)
{
	struct timespec ts;
	char zone[8];
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(zone, sizeof(zone), "%z", &tm);
	snprintf(buf + n, size - n, ".%03ld%s", ts.tv_nsec / 1000000, zone);
}

static void uevent_json(const struct uevent *ev, const char *when)
{
	char key[64];
	int i;

	json_oneline = true;
	json_open(NULL, '{');
	json_str("time", when);
	json_str("action", ev->action);
	json_str("devpath", ev->devpath);
	json_open("env", '{');
	for (i = 0; i < ev->nkeys; i++) {
		const char *eq = strchr(ev->keys[i], '=');
		int len = eq ? (int)(eq - ev->keys[i]) : (int)strlen(ev->keys[i]);

		snprintf(key, sizeof(key), "%.*s", len, ev->keys[i]);
		json_str(key, eq ? eq + 1 : "");
	}
	json_close('}');
	json_close('}');
}

static void uevent_print(const struct uevent *ev)
{
	char when[48];
	int i;

	timestamp(when, sizeof(when));
	if (json) {
		uevent_json(ev, when);
		return;
	}
	printf("%s %s %s", when, ev->action, ev->devpath);
	for (i = 0; i < ev->nkeys; i++)
		printf(" %s", ev->keys[i]);
	putchar('\n');
}

/* SIGINT and SIGTERM, blocked, as a file to poll. Return: it or -errno */
static int stop_signals(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	/* not ignored: a background job's SIGINT is, by the shell */
	signal(SIGINT, SIG_DFL);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	fd = signalfd(-1, &set, SFD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Print ccm's uevents from @fd until @sigfd is readable. Return: 0, -errno */
static int monitor_loop(int fd, int sigfd)
{
	struct pollfd pfd[2] = {
		{ .fd = fd, .events = POLLIN },
		{ .fd = sigfd, .events = POLLIN },
	};
	static char buf[UEVENT_BUF];
	struct uevent ev;
	ssize_t n;

	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (pfd[1].revents)
			return 0;
		n = uevent_recv(fd, buf, sizeof(buf));
		if (n < 0)
			return n;
		if (n && uevent_parse(buf, n, &ev) && uevent_is_ccm(&ev))
			uevent_print(&ev);
	}
}

/* Print ccm's uevents until SIGINT or SIGTERM. Return: an exit code */
int monitor_uevents(void)
{
	int sigfd = stop_signals();
	int fd, err;

	if (sigfd < 0) {
		fprintf(stderr, "ccmctl: signalfd: %s\n", strerror(-sigfd));
		return RC_ERROR;
	}
	fd = uevent_socket();
	if (fd < 0) {
		fprintf(stderr, "ccmctl: uevent socket: %s\n", strerror(-fd));
		close(sigfd);
		return RC_ERROR;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (isatty(STDOUT_FILENO))
		fprintf(stderr, "ccmctl: following ccm's uevents (Ctrl-C stops)\n");
	err = monitor_loop(fd, sigfd);
	close(fd);
	close(sigfd);
	if (err)
		fprintf(stderr, "ccmctl: uevents: %s\n", strerror(-err));
	return err ? RC_ERROR : RC_OK;
}
