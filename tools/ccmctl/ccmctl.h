/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ccmctl - what its parts share: ccmctl.c (commands, text output, command
 * line), sysfs.c (reading /sys/kernel/ccm), json.c (JSON output),
 * monitor.c (ccm's uevents) and key.c (the shared key into the keyring).
 */
#ifndef CCMCTL_H
#define CCMCTL_H

#include <stdbool.h>
#include <stddef.h>

#define CCM_SYSFS_DEFAULT	"/sys/kernel/ccm"

typedef unsigned long long u64;	/* what strtoull() reads and %llu prints */

/* Exit codes, documented in ccmctl.8 */
enum {
	RC_OK		= 0,
	RC_USAGE	= 1,
	RC_NOT_LOADED	= 2,
	RC_TIMEOUT	= 3,
	RC_ERROR	= 4,
};

extern const char *root;	/* CCM_SYSFS, else /sys/kernel/ccm */
extern bool json;		/* -j: JSON output */
extern bool json_oneline;	/* one JSON document per line (monitor) */

/* sysfs.c */

/* The entries of a directory, in numeric order when both are numbers */
struct names {
	char **v;
	size_t n;
};

struct counter {
	char *name;
	u64 val;
	bool ok;		/* val was read */
};

struct counters {
	struct counter *c;
	size_t n;
};

bool parse_u64(const char *s, u64 *val);
char *attr(const char *fmt, ...);
const char *dash(const char *s);
int list_dir(const char *rel, struct names *ns);
void names_free(struct names *ns);
int counters_read(const char *dir, struct counters *cs);
void counters_free(struct counters *cs);
const struct counter *counter_find(const struct counters *cs, const char *name);
int check_loaded(void);

/* json.c */
void json_open(const char *key, char bracket);
void json_close(char bracket);
void json_str(const char *key, const char *val);
void json_double(const char *key, double val);
void json_u64(const char *key, bool ok, u64 val);
void json_counters(const char *key, const struct counters *cs);
void json_clients(void);
void json_status(void);

/* monitor.c */
int monitor_uevents(void);

/* key.c */
int cmd_key(const char *desc);

#endif /* CCMCTL_H */
