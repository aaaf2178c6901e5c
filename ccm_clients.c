// SPDX-License-Identifier: GPL-2.0
/*
 * ccm - the registry of client modules.
 *
 * Clients register and unregister at any time. The exchange with the
 * partner's clients and the hand-over of queue pairs build on this
 * registry; until then registered clients are pending.
 */
#include <linux/ctype.h>
#include <linux/export.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/string.h>

#include <ccm/ccm.h>
#include "ccm_internal.h"

static DEFINE_MUTEX(ccm_clients_lock);	/* protects ccm_clients */
static LIST_HEAD(ccm_clients);

static bool ccm_client_name_valid(const char *name)
{
	size_t len, i;

	if (!name)
		return false;
	len = strnlen(name, CCM_CLIENT_NAME_MAX);
	if (!len || len == CCM_CLIENT_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!islower(name[i]) && !isdigit(name[i]) &&
		    name[i] != '_' && name[i] != '-')
			return false;
	return true;
}

static struct ccm_client *ccm_client_find(const char *name)
{
	struct ccm_client *c;

	lockdep_assert_held(&ccm_clients_lock);
	list_for_each_entry(c, &ccm_clients, node)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

/**
 * ccm_register_client() - register a client module with ccm
 * @client: the client's description; must stay valid until
 *	    ccm_unregister_client() returns
 *
 * Context: process context; may sleep. Callable before or after the
 * handshake has connected.
 * Return: 0; -EINVAL for an invalid name or QP count; -EEXIST when a
 * client of that name is registered already.
 */
int ccm_register_client(struct ccm_client *client)
{
	int ret = 0;

	if (!client || !ccm_client_name_valid(client->name) ||
	    !client->nr_qps || client->nr_qps > CCM_CLIENT_MAX_QPS)
		return -EINVAL;
	mutex_lock(&ccm_clients_lock);
	if (ccm_client_find(client->name))
		ret = -EEXIST;
	else
		list_add_tail(&client->node, &ccm_clients);
	mutex_unlock(&ccm_clients_lock);
	if (!ret)
		pr_info("ccm: client %s registered (%u QPs), pending\n",
			client->name, client->nr_qps);
	return ret;
}
EXPORT_SYMBOL_GPL(ccm_register_client);

/**
 * ccm_unregister_client() - remove a client registered with ccm
 * @client: a client passed to ccm_register_client() before
 *
 * Context: process context; may sleep.
 */
void ccm_unregister_client(struct ccm_client *client)
{
	mutex_lock(&ccm_clients_lock);
	if (ccm_client_find(client->name) == client)
		list_del_init(&client->node);
	mutex_unlock(&ccm_clients_lock);
}
EXPORT_SYMBOL_GPL(ccm_unregister_client);

/**
 * ccm_clients_init() - set up the client registry
 *
 * Context: process context (module init).
 * Return: 0.
 */
int ccm_clients_init(void)
{
	return 0;
}

/**
 * ccm_clients_exit() - tear down the client registry
 *
 * Context: process context (module exit).
 */
void ccm_clients_exit(void)
{
	/* Clients use ccm's symbols, so none can be loaded any more. */
	WARN_ON_ONCE(!list_empty(&ccm_clients));
}
