// SPDX-License-Identifier: GPL-2.0
/*
 * ccm - /sys/kernel/ccm: the partner's state, identities and counters, and
 * links/<n>/ for each interconnect link.
 *
 * Documented in Documentation/ABI/testing/sysfs-kernel-ccm. The files show
 * the one configured partner; they are created after the partner and
 * removed before it is freed (sysfs removal waits for running readers).
 * A link's directory is its kobject, whose release frees the link.
 */
#include <linux/in6.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "ccm_auth.h"
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

/* Milliseconds since @state last changed its name (jiffies resolution). */
static ssize_t state_age_ms_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	unsigned long since = READ_ONCE(ccm_sysfs_peer->state_since);

	return sysfs_emit(buf, "%llu\n", jiffies64_to_msecs(jiffies - since));
}
CCM_PEER_ATTR_RO(state_age_ms);

/*
 * An address as it is written in peer_addr (fe80::1%2 carries its scope),
 * at @at in @buf; "any" for an unset one. Return: bytes written.
 */
static int ccm_sysfs_addr(char *buf, int at, const struct sockaddr_storage *ss)
{
	const struct sockaddr_in6 *sin6 = (const void *)ss;

	if (!ss->ss_family)
		return sysfs_emit_at(buf, at, "any");
	if (ss->ss_family == AF_INET6 && sin6->sin6_scope_id)
		return sysfs_emit_at(buf, at, "%pI6c%%%u", &sin6->sin6_addr,
				     sin6->sin6_scope_id);
	return sysfs_emit_at(buf, at, "%pISc", ss);
}

/* Every link's address, comma-separated as in the parameter. */
static ssize_t ccm_sysfs_addr_list(char *buf,
				   const struct sockaddr_storage *list)
{
	const struct ccm_config *cfg = ccm_sysfs_peer->cfg;
	unsigned int i;
	int len = 0;

	for (i = 0; i < cfg->nr_paths; i++) {
		if (i)
			len += sysfs_emit_at(buf, len, ",");
		len += ccm_sysfs_addr(buf, len, &list[i]);
	}
	return len + sysfs_emit_at(buf, len, "\n");
}

static ssize_t peer_addr_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	return ccm_sysfs_addr_list(buf, ccm_sysfs_peer->cfg->peer_addr);
}
CCM_PEER_ATTR_RO(peer_addr);

static ssize_t local_addr_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	const struct ccm_config *cfg = ccm_sysfs_peer->cfg;

	if (!cfg->local_addr[0].ss_family)
		return sysfs_emit(buf, "any\n");
	return ccm_sysfs_addr_list(buf, cfg->local_addr);
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

static ssize_t auth_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%s\n", ccm_auth_name());
}
CCM_PEER_ATTR_RO(auth);

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

/* The clients' link, else link 0: the links live as long as the files. */
static struct ccm_path *ccm_sysfs_cpath(void)
{
	return READ_ONCE(ccm_sysfs_peer->cpath) ?: ccm_sysfs_peer->paths[0];
}

static ssize_t generation_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(ccm_sysfs_cpath()->cur_gen));
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
			  READ_ONCE(ccm_sysfs_cpath()->last_handshake_ns));
}
CCM_PEER_ATTR_RO(last_handshake_ns);

static ssize_t last_detection_ns_show(struct kobject *kobj,
				      struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n",
			  READ_ONCE(ccm_sysfs_peer->last_detection_ns));
}
CCM_PEER_ATTR_RO(last_detection_ns);

static ssize_t clients_link_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	struct ccm_path *path = READ_ONCE(ccm_sysfs_peer->cpath);

	if (!path)
		return sysfs_emit(buf, "none\n");
	return sysfs_emit(buf, "%u\n", path->idx);
}
CCM_PEER_ATTR_RO(clients_link);

static struct attribute *ccm_peer_attrs[] = {
	&ccm_attr_clients_link.attr,
	&ccm_attr_state.attr,
	&ccm_attr_state_age_ms.attr,
	&ccm_attr_peer_addr.attr,
	&ccm_attr_local_addr.attr,
	&ccm_attr_port.attr,
	&ccm_attr_auth.attr,
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

/*
 * counters/: one read-only file per enum ccm_stat (named by ccm_stat_names,
 * summed over the links) and per enum ccm_pstat (the partner's own).
 */
struct ccm_stat_attr {
	struct kobj_attribute attr;
	unsigned int stat;		/* enum ccm_stat, then ccm_pstat */
};

static ssize_t ccm_stat_show(struct kobject *kobj, struct kobj_attribute *attr,
			     char *buf)
{
	struct ccm_stat_attr *sa = container_of(attr, struct ccm_stat_attr, attr);
	struct ccm_peer *peer = ccm_sysfs_peer;
	unsigned int i;
	u64 sum = 0;

	if (sa->stat >= CCM_STAT_NR)
		return sysfs_emit(buf, "%llu\n",
				  READ_ONCE(peer->stats[sa->stat - CCM_STAT_NR]));
	for (i = 0; i < peer->nr_paths; i++)
		sum += READ_ONCE(peer->paths[i]->stats[sa->stat]);
	return sysfs_emit(buf, "%llu\n", sum);
}

#define CCM_ALL_STATS	(CCM_STAT_NR + CCM_PSTAT_NR)
static struct ccm_stat_attr ccm_stat_attrs[CCM_ALL_STATS];
static struct attribute *ccm_stat_attr_ptrs[CCM_ALL_STATS + 1];

static const struct attribute_group ccm_stat_group = {
	.name = "counters",
	.attrs = ccm_stat_attr_ptrs,
};

static const struct attribute_group *ccm_peer_groups[] = {
	&ccm_peer_group,
	&ccm_stat_group,
	NULL
};

/* ---- links/<n>/: one interconnect link ---- */

static struct kobject *ccm_links_kobj;	/* links/, for every link */

static struct ccm_path *ccm_kobj_path(struct kobject *kobj)
{
	return container_of(kobj, struct ccm_path, kobj);
}

static ssize_t ccm_link_state_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  ccm_state_name(READ_ONCE(ccm_kobj_path(kobj)->state)));
}

static ssize_t ccm_link_peer_addr_show(struct kobject *kobj,
				       struct kobj_attribute *attr, char *buf)
{
	int len = ccm_sysfs_addr(buf, 0, ccm_kobj_path(kobj)->peer_addr);

	return len + sysfs_emit_at(buf, len, "\n");
}

static ssize_t ccm_link_local_addr_show(struct kobject *kobj,
					struct kobj_attribute *attr, char *buf)
{
	int len = ccm_sysfs_addr(buf, 0, ccm_kobj_path(kobj)->local_addr);

	return len + sysfs_emit_at(buf, len, "\n");
}

static ssize_t ccm_link_generation_show(struct kobject *kobj,
					struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(ccm_kobj_path(kobj)->cur_gen));
}

/* The RDMA device and port of the link's current connection. */
static ssize_t ccm_link_device_show(struct kobject *kobj,
				    struct kobj_attribute *attr, char *buf)
{
	struct ccm_path *path = ccm_kobj_path(kobj);
	const char *name;
	ssize_t ret;

	mutex_lock(&path->peer->lock);
	name = ccm_rdma_device_name(path);
	ret = sysfs_emit(buf, "%s\n", name ?: "none");
	mutex_unlock(&path->peer->lock);
	return ret;
}

static ssize_t ccm_link_last_error_show(struct kobject *kobj,
					struct kobj_attribute *attr, char *buf)
{
	struct ccm_path *path = ccm_kobj_path(kobj);
	ssize_t ret;

	mutex_lock(&path->peer->lock);
	ret = sysfs_emit(buf, "%s\n",
			 path->last_error[0] ? path->last_error : "none");
	mutex_unlock(&path->peer->lock);
	return ret;
}

static ssize_t ccm_link_last_handshake_ns_show(struct kobject *kobj,
					       struct kobj_attribute *attr,
					       char *buf)
{
	return sysfs_emit(buf, "%llu\n",
			  READ_ONCE(ccm_kobj_path(kobj)->last_handshake_ns));
}

static ssize_t ccm_link_last_detection_ns_show(struct kobject *kobj,
					       struct kobj_attribute *attr,
					       char *buf)
{
	return sysfs_emit(buf, "%llu\n",
			  READ_ONCE(ccm_kobj_path(kobj)->last_detection_ns));
}

#define CCM_LINK_ATTR_RO(_name)						\
	static struct kobj_attribute ccm_link_attr_##_name =		\
		__ATTR(_name, 0444, ccm_link_##_name##_show, NULL)

CCM_LINK_ATTR_RO(state);
CCM_LINK_ATTR_RO(peer_addr);
CCM_LINK_ATTR_RO(local_addr);
CCM_LINK_ATTR_RO(generation);
CCM_LINK_ATTR_RO(device);
CCM_LINK_ATTR_RO(last_error);
CCM_LINK_ATTR_RO(last_handshake_ns);
CCM_LINK_ATTR_RO(last_detection_ns);

static struct attribute *ccm_link_attrs[] = {
	&ccm_link_attr_state.attr,
	&ccm_link_attr_peer_addr.attr,
	&ccm_link_attr_local_addr.attr,
	&ccm_link_attr_generation.attr,
	&ccm_link_attr_device.attr,
	&ccm_link_attr_last_error.attr,
	&ccm_link_attr_last_handshake_ns.attr,
	&ccm_link_attr_last_detection_ns.attr,
	NULL
};

static const struct attribute_group ccm_link_group = {
	.attrs = ccm_link_attrs,
};

/* links/<n>/counters/: the link's own enum ccm_stat counters. */
static struct kobj_attribute ccm_link_stat_attrs[CCM_STAT_NR];
static struct attribute *ccm_link_stat_attr_ptrs[CCM_STAT_NR + 1];

static ssize_t ccm_link_stat_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	unsigned int i = attr - ccm_link_stat_attrs;

	return sysfs_emit(buf, "%llu\n",
			  READ_ONCE(ccm_kobj_path(kobj)->stats[i]));
}

static const struct attribute_group ccm_link_stat_group = {
	.name = "counters",
	.attrs = ccm_link_stat_attr_ptrs,
};

static const struct attribute_group *ccm_link_groups[] = {
	&ccm_link_group,
	&ccm_link_stat_group,
	NULL
};

static void ccm_link_kobj_release(struct kobject *kobj)
{
	kfree(ccm_kobj_path(kobj));
}

static const struct kobj_type ccm_link_ktype = {
	.release = ccm_link_kobj_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = ccm_link_groups,
};

/**
 * ccm_sysfs_add_path() - create links/<n>/ for a link
 * @path: the link, ->idx set
 *
 * From here on the link is freed by its kobject's release: on failure as
 * on success the caller drops it with ccm_sysfs_put_path().
 *
 * Context: process context.
 * Return: 0 or a negative errno.
 */
int ccm_sysfs_add_path(struct ccm_path *path)
{
	return kobject_init_and_add(&path->kobj, &ccm_link_ktype,
				    ccm_links_kobj, "%u", path->idx);
}

/**
 * ccm_sysfs_del_path() - remove links/<n>/ of a link
 * @path: the link
 *
 * Returns once no reader is inside a show function any more.
 *
 * Context: process context, peer->lock not held.
 */
void ccm_sysfs_del_path(struct ccm_path *path)
{
	kobject_del(&path->kobj);
}

/**
 * ccm_sysfs_put_path() - drop the link's reference; the last one frees it
 * @path: the link
 *
 * Context: process context.
 */
void ccm_sysfs_put_path(struct ccm_path *path)
{
	kobject_put(&path->kobj);
}

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

	for (i = 0; i < CCM_ALL_STATS; i++) {
		struct ccm_stat_attr *sa = &ccm_stat_attrs[i];

		sysfs_attr_init(&sa->attr.attr);
		sa->attr.attr.name = i < CCM_STAT_NR ? ccm_stat_names[i] :
				     ccm_pstat_names[i - CCM_STAT_NR];
		sa->attr.attr.mode = 0444;
		sa->attr.show = ccm_stat_show;
		sa->stat = i;
		ccm_stat_attr_ptrs[i] = &sa->attr.attr;
	}
	for (i = 0; i < CCM_STAT_NR; i++) {
		struct kobj_attribute *ka = &ccm_link_stat_attrs[i];

		sysfs_attr_init(&ka->attr);
		ka->attr.name = ccm_stat_names[i];
		ka->attr.mode = 0444;
		ka->show = ccm_link_stat_show;
		ccm_link_stat_attr_ptrs[i] = &ka->attr;
	}
	ccm_kobj = kobject_create_and_add("ccm", kernel_kobj);
	if (!ccm_kobj)
		return -ENOMEM;
	ccm_links_kobj = kobject_create_and_add("links", ccm_kobj);
	if (!ccm_links_kobj) {
		kobject_put(ccm_kobj);
		return -ENOMEM;
	}
	return 0;
}

/**
 * ccm_sysfs_exit() - remove /sys/kernel/ccm
 *
 * Context: process context (module exit).
 */
void ccm_sysfs_exit(void)
{
	kobject_put(ccm_links_kobj);
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
	snprintf(addr, sizeof(addr), "CCM_PEER=%pISc", &peer->cfg->peer_addr[0]);
	snprintf(gen, sizeof(gen), "CCM_GENERATION=%u",
		 peer->paths[0]->cur_gen);
	ccm_sysfs_uevent(envp);
}

/**
 * ccm_sysfs_uevent_link() - tell user space a link went up or down
 * @path: the link
 * @up: connected, or no longer
 *
 * CCM_LINK (its index), CCM_LINK_STATE (up or down) and CCM_PEER (the
 * partner's address on that link); no CCM_STATE: the partner's state is
 * another uevent.
 *
 * Context: process context, may sleep.
 */
void ccm_sysfs_uevent_link(struct ccm_path *path, bool up)
{
	char link[32], state[32], addr[80];
	char *envp[4] = { link, state, addr, NULL };

	snprintf(link, sizeof(link), "CCM_LINK=%u", path->idx);
	snprintf(state, sizeof(state), "CCM_LINK_STATE=%s",
		 up ? "up" : "down");
	snprintf(addr, sizeof(addr), "CCM_PEER=%pISc", path->peer_addr);
	ccm_sysfs_uevent(envp);
}

/**
 * ccm_sysfs_uevent_redundancy() - the partner is down to one link, or back
 * @peer: the partner
 * @restored: two or more links connected again
 *
 * CCM_REDUNDANCY=lost or restored, with CCM_LINKS_UP (links connected).
 *
 * Context: process context, may sleep.
 */
void ccm_sysfs_uevent_redundancy(struct ccm_peer *peer, bool restored)
{
	char red[32], nr[32];
	char *envp[3] = { red, nr, NULL };

	snprintf(red, sizeof(red), "CCM_REDUNDANCY=%s",
		 restored ? "restored" : "lost");
	snprintf(nr, sizeof(nr), "CCM_LINKS_UP=%u", peer->nr_up);
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
