// SPDX-License-Identifier: GPL-2.0
/*
 * ccm - /sys/kernel/ccm: the connection's state, identities and counters.
 *
 * Documented in Documentation/ABI/testing/sysfs-kernel-ccm. The files show
 * the one configured partner; they are created after the partner and
 * removed before it is freed (sysfs removal waits for running readers).
 */
#include <linux/in6.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/sysfs.h>

#include "ccm_internal.h"

static struct kobject *ccm_kobj;
static struct ccm_peer *ccm_sysfs_peer;	/* set while the files exist */

#define CCM_PEER_ATTR_RO(_name)						\
	static struct kobj_attribute ccm_attr_##_name = __ATTR_RO(_name)

static ssize_t state_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  ccm_state_name(READ_ONCE(ccm_sysfs_peer->state)));
}
CCM_PEER_ATTR_RO(state);

/* An address as it is written in peer_addr: fe80::1%2 carries its scope. */
static ssize_t ccm_sysfs_addr(char *buf, const struct sockaddr_storage *ss)
{
	const struct sockaddr_in6 *sin6 = (const void *)ss;

	if (ss->ss_family == AF_INET6 && sin6->sin6_scope_id)
		return sysfs_emit(buf, "%pI6c%%%u\n", &sin6->sin6_addr,
				  sin6->sin6_scope_id);
	return sysfs_emit(buf, "%pISc\n", ss);
}

static ssize_t peer_addr_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	return ccm_sysfs_addr(buf, &ccm_sysfs_peer->cfg->peer_addr);
}
CCM_PEER_ATTR_RO(peer_addr);

static ssize_t local_addr_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	const struct ccm_config *cfg = ccm_sysfs_peer->cfg;

	if (!cfg->local_addr.ss_family)
		return sysfs_emit(buf, "any\n");
	return ccm_sysfs_addr(buf, &cfg->local_addr);
}
CCM_PEER_ATTR_RO(local_addr);

static ssize_t port_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%u\n", ccm_sysfs_peer->cfg->port);
}
CCM_PEER_ATTR_RO(port);

static ssize_t node_id_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%016llx\n", ccm_sysfs_peer->node_id);
}
CCM_PEER_ATTR_RO(node_id);

static ssize_t local_epoch_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%016llx\n", ccm_sysfs_peer->epoch);
}
CCM_PEER_ATTR_RO(local_epoch);

static ssize_t peer_node_id_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%016llx\n",
			  READ_ONCE(ccm_sysfs_peer->peer_node_id));
}
CCM_PEER_ATTR_RO(peer_node_id);

static ssize_t peer_epoch_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%016llx\n",
			  READ_ONCE(ccm_sysfs_peer->peer_epoch));
}
CCM_PEER_ATTR_RO(peer_epoch);

static ssize_t generation_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(ccm_sysfs_peer->cur_gen));
}
CCM_PEER_ATTR_RO(generation);

static ssize_t last_error_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	struct ccm_peer *peer = ccm_sysfs_peer;
	ssize_t ret;

	mutex_lock(&peer->lock);
	ret = sysfs_emit(buf, "%s\n",
			 peer->last_error[0] ? peer->last_error : "none");
	mutex_unlock(&peer->lock);
	return ret;
}
CCM_PEER_ATTR_RO(last_error);

static ssize_t last_handshake_ns_show(struct kobject *kobj,
				      struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n",
			  READ_ONCE(ccm_sysfs_peer->last_handshake_ns));
}
CCM_PEER_ATTR_RO(last_handshake_ns);

static ssize_t last_detection_ns_show(struct kobject *kobj,
				      struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n",
			  READ_ONCE(ccm_sysfs_peer->last_detection_ns));
}
CCM_PEER_ATTR_RO(last_detection_ns);

static struct attribute *ccm_peer_attrs[] = {
	&ccm_attr_state.attr,
	&ccm_attr_peer_addr.attr,
	&ccm_attr_local_addr.attr,
	&ccm_attr_port.attr,
	&ccm_attr_node_id.attr,
	&ccm_attr_local_epoch.attr,
	&ccm_attr_peer_node_id.attr,
	&ccm_attr_peer_epoch.attr,
	&ccm_attr_generation.attr,
	&ccm_attr_last_error.attr,
	&ccm_attr_last_handshake_ns.attr,
	&ccm_attr_last_detection_ns.attr,
	NULL
};

static const struct attribute_group ccm_peer_group = {
	.attrs = ccm_peer_attrs,
};

/* counters/: one read-only file per enum ccm_stat, named by ccm_stat_names. */
struct ccm_stat_attr {
	struct kobj_attribute attr;
	enum ccm_stat stat;
};

static ssize_t ccm_stat_show(struct kobject *kobj, struct kobj_attribute *attr,
			     char *buf)
{
	struct ccm_stat_attr *sa = container_of(attr, struct ccm_stat_attr, attr);

	return sysfs_emit(buf, "%llu\n",
			  READ_ONCE(ccm_sysfs_peer->stats[sa->stat]));
}

static struct ccm_stat_attr ccm_stat_attrs[CCM_STAT_NR];
static struct attribute *ccm_stat_attr_ptrs[CCM_STAT_NR + 1];

static const struct attribute_group ccm_stat_group = {
	.name = "counters",
	.attrs = ccm_stat_attr_ptrs,
};

static const struct attribute_group *ccm_peer_groups[] = {
	&ccm_peer_group,
	&ccm_stat_group,
	NULL
};

/**
 * ccm_sysfs_add_peer() - create the files of a partner
 * @peer: the partner; only one is supported for now
 *
 * Context: process context.
 * Return: 0 or a negative errno.
 */
int ccm_sysfs_add_peer(struct ccm_peer *peer)
{
	int ret;

	if (ccm_sysfs_peer)
		return -EBUSY;
	ccm_sysfs_peer = peer;
	ret = sysfs_create_groups(ccm_kobj, ccm_peer_groups);
	if (ret)
		ccm_sysfs_peer = NULL;
	return ret;
}

/**
 * ccm_sysfs_del_peer() - remove the files of a partner
 * @peer: the partner
 *
 * Returns once no reader is inside a show function any more.
 *
 * Context: process context, peer->lock not held.
 */
void ccm_sysfs_del_peer(struct ccm_peer *peer)
{
	if (ccm_sysfs_peer != peer)
		return;
	sysfs_remove_groups(ccm_kobj, ccm_peer_groups);
	ccm_sysfs_peer = NULL;
}

/**
 * ccm_sysfs_init() - create /sys/kernel/ccm
 *
 * Context: process context (module init).
 * Return: 0 or -ENOMEM.
 */
int ccm_sysfs_init(void)
{
	int i;

	for (i = 0; i < CCM_STAT_NR; i++) {
		struct ccm_stat_attr *sa = &ccm_stat_attrs[i];

		sysfs_attr_init(&sa->attr.attr);
		sa->attr.attr.name = ccm_stat_names[i];
		sa->attr.attr.mode = 0444;
		sa->attr.show = ccm_stat_show;
		sa->stat = i;
		ccm_stat_attr_ptrs[i] = &sa->attr.attr;
	}
	ccm_kobj = kobject_create_and_add("ccm", kernel_kobj);
	return ccm_kobj ? 0 : -ENOMEM;
}

/**
 * ccm_sysfs_exit() - remove /sys/kernel/ccm
 *
 * Context: process context (module exit).
 */
void ccm_sysfs_exit(void)
{
	kobject_put(ccm_kobj);
}

/**
 * ccm_sysfs_uevent() - send a KOBJ_CHANGE uevent for ccm
 * @envp: NULL-terminated "KEY=value" strings
 *
 * /sys/kernel has no kset, so the uevent goes out on the module's own
 * kobject (/sys/module/ccm: SUBSYSTEM=module, KERNEL=ccm), where udev
 * rules match on the CCM_* keys.
 *
 * Context: process context, may sleep.
 */
void ccm_sysfs_uevent(char **envp)
{
	kobject_uevent_env(&THIS_MODULE->mkobj.kobj, KOBJ_CHANGE, envp);
}

/**
 * ccm_sysfs_uevent_state() - tell user space the connection state changed
 * @peer: the partner
 *
 * CCM_STATE (the sysfs state name), CCM_PEER (the partner's address) and
 * CCM_GENERATION, for udev rules and monitoring.
 *
 * Context: process context, may sleep.
 */
void ccm_sysfs_uevent_state(struct ccm_peer *peer)
{
	char state[48], addr[80], gen[32];
	char *envp[4];

	envp[0] = state;
	envp[1] = addr;
	envp[2] = gen;
	envp[3] = NULL;
	snprintf(state, sizeof(state), "CCM_STATE=%s",
		 ccm_state_name(peer->state));
	snprintf(addr, sizeof(addr), "CCM_PEER=%pISc", &peer->cfg->peer_addr);
	snprintf(gen, sizeof(gen), "CCM_GENERATION=%u", peer->cur_gen);
	ccm_sysfs_uevent(envp);
}

/**
 * ccm_sysfs_root() - the /sys/kernel/ccm kobject, parent of other parts' files
 *
 * Context: any, between ccm_sysfs_init() and ccm_sysfs_exit().
 * Return: the kobject.
 */
struct kobject *ccm_sysfs_root(void)
{
	return ccm_kobj;
}
