// SPDX-License-Identifier: GPL-2.0
/*
 * ccmctl - reading /sys/kernel/ccm (or CCM_SYSFS): one file's contents,
 * a directory's entries, a directory of counters.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ccmctl.h"

bool parse_u64(const char *s, u64 *val)
{
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	*val = strtoull(s, &end, 10);
	return !errno && !*end;
}

/* Read root/@rel into @buf, without its trailing newline. Return: 0, -errno */
static int read_file(const char *rel, char *buf, size_t size)
{
	char path[PATH_MAX];
	size_t len = 0;
	ssize_t n = 0;
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", root, rel) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	if (len && buf[len - 1] == '\n')
		len--;
	buf[len] = '\0';
	return 0;
}

#define ATTR_BUFS	8
#define ATTR_SIZE	4097	/* a sysfs file holds at most a page */

/*
 * The contents of the file at the path @fmt makes under root, or NULL when
 * it cannot be read. The result lives until ATTR_BUFS more calls.
 */
char *attr(const char *fmt, ...)
{
	static char bufs[ATTR_BUFS][ATTR_SIZE];
	static unsigned int next;
	char *buf = bufs[next++ % ATTR_BUFS];
	char rel[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	return read_file(rel, buf, ATTR_SIZE) ? NULL : buf;
}

const char *dash(const char *s)
{
	return s ? s : "-";
}

static int names_cmp(const void *a, const void *b)
{
	const char *x = *(char * const *)a, *y = *(char * const *)b;
	u64 u, v;

	if (parse_u64(x, &u) && parse_u64(y, &v))
		return (u > v) - (u < v);
	return strcmp(x, y);
}

void names_free(struct names *ns)
{
	while (ns->n)
		free(ns->v[--ns->n]);
	free(ns->v);
	ns->v = NULL;
}

static int names_add(struct names *ns, const char *name)
{
	char **v = realloc(ns->v, (ns->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	ns->v = v;
	v[ns->n] = strdup(name);
	if (!v[ns->n])
		return -ENOMEM;
	ns->n++;
	return 0;
}

/* Fill @ns with root/@rel's entries; empty on failure. Return: 0, -errno */
int list_dir(const char *rel, struct names *ns)
{
	char path[PATH_MAX];
	struct dirent *de;
	int err = 0;
	DIR *dir;

	ns->v = NULL;
	ns->n = 0;
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while (!err && (de = readdir(dir)))
		if (de->d_name[0] != '.')
			err = names_add(ns, de->d_name);
	closedir(dir);
	if (err)
		names_free(ns);
	else
		qsort(ns->v, ns->n, sizeof(*ns->v), names_cmp);
	return err;
}

/* Read every counter file of root/@dir into @cs. Return: 0 or -errno */
int counters_read(const char *dir, struct counters *cs)
{
	struct names ns;
	size_t i;
	int err;

	cs->c = NULL;
	cs->n = 0;
	err = list_dir(dir, &ns);
	if (err)
		return err;
	cs->c = calloc(ns.n + 1, sizeof(*cs->c));
	if (!cs->c) {
		names_free(&ns);
		return -ENOMEM;
	}
	for (i = 0; i < ns.n; i++) {
		cs->c[i].name = ns.v[i];
		cs->c[i].ok = parse_u64(attr("%s/%s", dir, ns.v[i]), &cs->c[i].val);
	}
	cs->n = ns.n;
	free(ns.v);
	return 0;
}

void counters_free(struct counters *cs)
{
	while (cs->n)
		free(cs->c[--cs->n].name);
	free(cs->c);
}

const struct counter *counter_find(const struct counters *cs, const char *name)
{
	size_t i;

	for (i = 0; i < cs->n; i++)
		if (!strcmp(cs->c[i].name, name))
			return &cs->c[i];
	return NULL;
}

int check_loaded(void)
{
	struct stat st;

	if (!stat(root, &st) && S_ISDIR(st.st_mode))
		return RC_OK;
	fprintf(stderr, "ccmctl: ccm is not loaded (no %s)\n", root);
	return RC_NOT_LOADED;
}

