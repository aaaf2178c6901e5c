// SPDX-License-Identifier: GPL-2.0
/*
 * ccmctl - JSON output: indented, or a document per line (monitor). The
 * keys are the sysfs file names; ccmctl.8 lists them.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "ccmctl.h"

#define JSON_MAX_DEPTH	8

static int jdepth;
static bool jfirst[JSON_MAX_DEPTH];	/* nothing in this container yet */
bool json_oneline;

static void json_escaped(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void json_newline(int depth)
{
	if (!json_oneline)
		printf("\n%*s", 2 * depth, "");
}

/* Before a value: comma and indentation; its key inside an object */
static void json_sep(const char *key)
{
	if (jdepth) {
		if (!jfirst[jdepth])
			fputs(json_oneline ? ", " : ",", stdout);
		json_newline(jdepth);
		jfirst[jdepth] = false;
	}
	if (key) {
		json_escaped(key);
		fputs(": ", stdout);
	}
}

void json_open(const char *key, char bracket)
{
	json_sep(key);
	putchar(bracket);
	jfirst[++jdepth] = true;	/* ccmctl nests 4 deep at most */
}

void json_close(char bracket)
{
	if (!jfirst[jdepth--])
		json_newline(jdepth);
	putchar(bracket);
	if (!jdepth)
		putchar('\n');
}

void json_str(const char *key, const char *val)
{
	json_sep(key);
	if (val)
		json_escaped(val);
	else
		fputs("null", stdout);
}

void json_double(const char *key, double val)
{
	json_sep(key);
	printf("%g", val);
}

void json_u64(const char *key, bool ok, u64 val)
{
	json_sep(key);
	if (ok)
		printf("%llu", val);
	else
		fputs("null", stdout);
}

/* A number read from sysfs; null when absent or not one ("none") */
static void json_num(const char *key, const char *text)
{
	u64 val = 0;
	bool ok = parse_u64(text, &val);

	json_u64(key, ok, val);
}

/* Space-separated numbers as an array; null when the file is absent */
static void json_num_list(const char *key, char *text)
{
	char *tok, *save;

	if (!text) {
		json_str(key, NULL);
		return;
	}
	json_open(key, '[');
	for (tok = strtok_r(text, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		json_num(NULL, tok);
	json_close(']');
}

enum field_type { F_STR, F_NUM, F_LIST };

struct field {
	const char *name;	/* file name and JSON key */
	enum field_type type;
};

static const struct field peer_fields[] = {
	{ "state", F_STR },
	{ "state_age_ms", F_NUM },
	{ "peer_addr", F_STR },
	{ "local_addr", F_STR },
	{ "port", F_NUM },
	{ "auth", F_STR },
	{ "node_id", F_STR },
	{ "local_epoch", F_STR },
	{ "peer_node_id", F_STR },
	{ "peer_epoch", F_STR },
	{ "generation", F_NUM },
	{ "clients_link", F_NUM },
	{ "last_error", F_STR },
	{ "last_handshake_ns", F_NUM },
	{ "last_detection_ns", F_NUM },
	{ }
};

static const struct field link_fields[] = {
	{ "state", F_STR },
	{ "device", F_STR },
	{ "peer_addr", F_STR },
	{ "local_addr", F_STR },
	{ "generation", F_NUM },
	{ "last_error", F_STR },
	{ "last_handshake_ns", F_NUM },
	{ "last_detection_ns", F_NUM },
	{ }
};

static const struct field client_fields[] = {
	{ "state", F_STR },
	{ "nr_qps", F_NUM },
	{ "mem_size", F_NUM },
	{ "connects", F_NUM },
	{ "disconnects", F_NUM },
	{ "last_error", F_STR },
	{ "local_qpns", F_LIST },
	{ "peer_qpns", F_LIST },
	{ }
};

/* The files @fields of root/@dir, as members of the current object */
static void json_fields(const char *dir, const struct field *fields)
{
	const struct field *f;

	for (f = fields; f->name; f++) {
		char *val = attr("%s/%s", dir, f->name);

		if (f->type == F_NUM)
			json_num(f->name, val);
		else if (f->type == F_LIST)
			json_num_list(f->name, val);
		else
			json_str(f->name, val);
	}
}

void json_counters(const char *key, const struct counters *cs)
{
	size_t i;

	json_open(key, '{');
	for (i = 0; i < cs->n; i++)
		json_u64(cs->c[i].name, cs->c[i].ok, cs->c[i].val);
	json_close('}');
}

static void json_links(void)
{
	struct counters cs;
	struct names ns;
	char dir[PATH_MAX];
	size_t i;

	list_dir("links", &ns);
	json_open("links", '[');
	for (i = 0; i < ns.n; i++) {
		u64 idx = 0;
		bool ok = parse_u64(ns.v[i], &idx);

		snprintf(dir, sizeof(dir), "links/%s", ns.v[i]);
		json_open(NULL, '{');
		json_u64("index", ok, idx);
		json_fields(dir, link_fields);
		strncat(dir, "/counters", sizeof(dir) - strlen(dir) - 1);
		counters_read(dir, &cs);
		json_counters("counters", &cs);
		counters_free(&cs);
		json_close('}');
	}
	json_close(']');
	names_free(&ns);
}

void json_clients(void)
{
	char dir[PATH_MAX];
	struct names ns;
	size_t i;

	list_dir("clients", &ns);
	json_open("clients", '[');
	for (i = 0; i < ns.n; i++) {
		snprintf(dir, sizeof(dir), "clients/%s", ns.v[i]);
		json_open(NULL, '{');
		json_str("name", ns.v[i]);
		json_fields(dir, client_fields);
		json_close('}');
	}
	json_close(']');
	names_free(&ns);
}

/* The partner, its links, clients and counters: ccmctl -j status */
void json_status(void)
{
	struct counters cs = { 0 };

	json_open(NULL, '{');
	json_fields(".", peer_fields);
	json_links();
	json_clients();
	counters_read("counters", &cs);
	json_counters("counters", &cs);
	counters_free(&cs);
	json_close('}');
}
