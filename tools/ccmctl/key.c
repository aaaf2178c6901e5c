// SPDX-License-Identifier: GPL-2.0
/*
 * ccmctl key DESC: put the shared key (auth_key) into the kernel keyring,
 * for ccm's auth_key_desc=DESC. Reads the key as hex digits from standard
 * input, so that it appears on no command line, and adds it to the user
 * keyring as a "logon" key: the kernel keeps it and user space can never
 * read it back. The key is never printed.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "ccmctl.h"

#define KEY_MIN		16	/* bytes: ccm_auth.h's CCM_AUTH_KEY_MIN */
#define KEY_MAX		64	/* CCM_AUTH_KEY_MAX */
#define DESC_MAX	63	/* characters: ccm's auth_key_desc holds 64 */
#define KEY_SPEC_USER_KEYRING	-4	/* <linux/keyctl.h> */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* "service:name": the logon key type wants a prefix before a colon */
static bool desc_valid(const char *desc)
{
	const char *colon = strchr(desc, ':');
	const char *p;

	if (!colon || colon == desc || strlen(desc) > DESC_MAX)
		return false;
	for (p = desc; *p; p++)
		if (!isgraph((unsigned char)*p))
			return false;
	return true;
}

/*
 * One line of hex digits (surrounding white space ignored) into @key.
 * Return: the key's length in bytes, or -1 with a message.
 */
static int read_key(unsigned char *key)
{
	char line[2 * KEY_MAX + 4];
	size_t len = 0;
	int c, hi, lo;
	int n = 0;

	while ((c = getchar()) != EOF && c != '\n') {
		if (isspace(c))
			continue;
		if (len == sizeof(line) - 1) {
			len++;
			break;
		}
		line[len++] = (char)c;
	}
	if (len % 2 || len / 2 < KEY_MIN || len / 2 > KEY_MAX)
		goto bad;
	for (; (size_t)n < len / 2; n++) {
		hi = hexval(line[2 * n]);
		lo = hexval(line[2 * n + 1]);
		if (hi < 0 || lo < 0)
			goto bad;
		key[n] = (unsigned char)(hi << 4 | lo);
	}
	explicit_bzero(line, sizeof(line));
	return n;
bad:
	explicit_bzero(line, sizeof(line));
	fprintf(stderr,
		"ccmctl: key: standard input must hold %d to %d hex digits, in pairs\n",
		2 * KEY_MIN, 2 * KEY_MAX);
	return -1;
}

/* Add the key on standard input as logon key @desc; print its serial */
int cmd_key(const char *desc)
{
	unsigned char key[KEY_MAX];
	long serial;
	int len;

	if (!desc || !desc_valid(desc)) {
		fprintf(stderr,
			"ccmctl: key: DESC must be 'service:name', at most %d printable characters\n",
			DESC_MAX);
		return RC_USAGE;
	}
	len = read_key(key);
	if (len < 0)
		return RC_USAGE;
	serial = syscall(SYS_add_key, "logon", desc, key, (size_t)len,
			 KEY_SPEC_USER_KEYRING);
	explicit_bzero(key, sizeof(key));
	if (serial < 0) {
		fprintf(stderr, "ccmctl: key: add_key(logon, %s): %s\n", desc,
			strerror(errno));
		return RC_ERROR;
	}
	printf("%ld\n", serial);
	return RC_OK;
}
