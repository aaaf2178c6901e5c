// SPDX-License-Identifier: GPL-2.0
/*
 * ccm - cluster connection manager: module parameters and the init/exit
 * ladder. Nothing else lives here.
 */
#include <linux/if.h>
#include <linux/inet.h>
#include <linux/key.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <keys/user-type.h>
#include <net/net_namespace.h>

#include <ccm/ccm.h>
#include "ccm_auth.h"
#include "ccm_fault.h"
#include "ccm_internal.h"

static char *peer_addr;
module_param(peer_addr, charp, 0444);
MODULE_PARM_DESC(peer_addr,
		 "Partner's interconnect address, IPv4 or IPv6 (fe80::1%eth0 for link-local); a comma-separated list for several links (up to 4); required");

static char *local_addr;
module_param(local_addr, charp, 0444);
MODULE_PARM_DESC(local_addr,
		 "Local interconnect address to use and listen on, one per link in peer_addr's order (default: any, routed to peer_addr)");

static ushort port = 7471;
module_param(port, ushort, 0444);
MODULE_PARM_DESC(port, "RDMA CM port both nodes listen on (default 7471)");

static unsigned long long node_id;
module_param(node_id, ullong, 0444);
MODULE_PARM_DESC(node_id, "This node's identity, nonzero (default: random per load)");

static uint connect_timeout_ms = 2000;
module_param(connect_timeout_ms, uint, 0444);
MODULE_PARM_DESC(connect_timeout_ms,
		 "Bound on reaching the partner and the first read, ms (default 2000)");

static uint op_timeout_ms = 1000;
module_param(op_timeout_ms, uint, 0444);
MODULE_PARM_DESC(op_timeout_ms, "Bound on one RDMA read or write, ms (default 1000)");

static uint wait_timeout_ms = 2000;
module_param(wait_timeout_ms, uint, 0444);
MODULE_PARM_DESC(wait_timeout_ms,
		 "Time waiting on the partner before trying to reach it again, ms (default 2000, +0-25% jitter)");

static uint handshake_timeout_ms = 3000;
module_param(handshake_timeout_ms, uint, 0444);
MODULE_PARM_DESC(handshake_timeout_ms,
		 "Bound on waiting for the partner's state 5, ms (default 3000)");

static uint poll_interval_ms = 1;
module_param(poll_interval_ms, uint, 0444);
MODULE_PARM_DESC(poll_interval_ms,
		 "Mailbox poll interval while it matters, ms (default 1; at least one jiffy)");

static uint backoff_min_ms = 100;
module_param(backoff_min_ms, uint, 0444);
MODULE_PARM_DESC(backoff_min_ms, "First retry delay after an error, ms (default 100)");

static uint backoff_max_ms = 5000;
module_param(backoff_max_ms, uint, 0444);
MODULE_PARM_DESC(backoff_max_ms, "Cap of the exponential retry delay, ms (default 5000)");

static uint heartbeat_ms = 100;
module_param(heartbeat_ms, uint, 0444);
MODULE_PARM_DESC(heartbeat_ms,
		 "Heartbeat interval while connected, ms (default 100)");

static uint heartbeat_miss = 3;
module_param(heartbeat_miss, uint, 0444);
MODULE_PARM_DESC(heartbeat_miss,
		 "Heartbeat intervals without a sign of life before the partner is lost (default 3)");

/*
 * A dead link fails a write after (retry_count + 1) ACK timeouts: 7 x 16.8
 * ms = 117 ms, inside the heartbeat's 300 ms, while a link that loses 10 %
 * of its packets fails one write (0.19^7) in about 110000. Not 7: rxe
 * treats a transport retry count of 7 as "retry forever".
 */
static uint ack_timeout = 12;
module_param(ack_timeout, uint, 0444);
MODULE_PARM_DESC(ack_timeout,
		 "QP local ACK timeout exponent, 4.096us * 2^n (default 12: 16.8 ms; 1-31)");

static uint retry_count = 6;
module_param(retry_count, uint, 0444);
MODULE_PARM_DESC(retry_count, "QP transport retry count (default 6; 0-7)");

/*
 * The clients' QPs do not judge the partner: ccm's heartbeat does, and it
 * drains their QPs when it gives its verdict. Their writes may therefore
 * ride out a stall that ccm's own must report: 16 is 268 ms, 1.9 s with
 * retry_count 6 (the RDMA CM gives RoCE QPs 18: 1.07 s).
 */
static uint client_ack_timeout = 16;
module_param(client_ack_timeout, uint, 0444);
MODULE_PARM_DESC(client_ack_timeout,
		 "Clients' QPs' local ACK timeout exponent, 4.096us * 2^n (default 16: 268 ms; 1-31)");

/*
 * Like NFS's "secure" export: binding a port below 1024 takes
 * CAP_NET_BIND_SERVICE (the RDMA CM checks it as the socket layer does),
 * so a user without it on the partner node cannot pass for its ccm.
 */
static bool privileged_port = true;
module_param(privileged_port, bool, 0444);
MODULE_PARM_DESC(privileged_port,
		 "Connect from a source port below 1024 and accept connection requests only from one (default Y)");

/*
 * The shared key, as hex: set on both nodes, each side proves it on every
 * connection (ccm_auth.h). Never readable back (no sysfs file), and never
 * refused here: the kernel would print the refused value. Parsed into
 * ccm_auth_raw, handed to ccm_auth.c and wiped by ccm_init(); only the
 * keyed transform keeps it.
 */
static u8 ccm_auth_raw[CCM_AUTH_KEY_MAX];
static int ccm_auth_raw_len;		/* bytes; -EINVAL: malformed */

static int ccm_auth_key_set(const char *val, const struct kernel_param *kp)
{
	size_t len = strcspn(val, "\n");

	ccm_auth_raw_len = 0;
	if (!len)
		return 0;
	if (len % 2 || len / 2 < CCM_AUTH_KEY_MIN ||
	    len / 2 > CCM_AUTH_KEY_MAX || hex2bin(ccm_auth_raw, val, len / 2))
		ccm_auth_raw_len = -EINVAL;
	else
		ccm_auth_raw_len = len / 2;
	return 0;
}

static const struct kernel_param_ops ccm_auth_key_ops = {
	.set = ccm_auth_key_set,
};
module_param_cb(auth_key, &ccm_auth_key_ops, NULL, 0);
MODULE_PARM_DESC(auth_key,
		 "Shared key both nodes prove on each connection, 32 to 128 hex digits (default: none)");

/*
 * The same key from the kernel keyring instead, so that it appears on no
 * command line and in no modprobe.d file: a "logon" key (never readable
 * from user space) of 16 to 64 bytes, found in the keyrings of the process
 * that loads ccm (ccmctl key adds one to root's user keyring).
 */
static char auth_key_desc[CCM_AUTH_DESC_MAX];
module_param_string(auth_key_desc, auth_key_desc, sizeof(auth_key_desc),
		    0444);
MODULE_PARM_DESC(auth_key_desc,
		 "Description of a logon key holding the shared key, instead of auth_key (default: none)");

/* Key the proofs with @key, whichever parameter gave it. */
static int ccm_auth_key_use(const u8 *key, size_t len)
{
	int ret = ccm_auth_set_key(key, len);

	if (ret)
		pr_err("ccm: auth_key: no hmac(sha256) in this kernel (%d)\n",
		       ret);
	return ret;
}

#if IS_ENABLED(CONFIG_KEYS)
/* Key the proofs with the logon key @desc. */
static int ccm_auth_keyring_load(const char *desc)
{
	const struct user_key_payload *payload;
	struct key *key;
	int ret;

	key = request_key(&key_type_logon, desc, NULL);
	if (IS_ERR(key)) {
		pr_err("ccm: auth_key_desc '%s': no such logon key (%ld)\n",
		       desc, PTR_ERR(key));
		return PTR_ERR(key);
	}
	down_read(&key->sem);
	payload = user_key_payload_locked(key);
	if (!payload || payload->datalen < CCM_AUTH_KEY_MIN ||
	    payload->datalen > CCM_AUTH_KEY_MAX) {
		pr_err("ccm: auth_key_desc '%s': the key must be %u to %u bytes\n",
		       desc, CCM_AUTH_KEY_MIN, CCM_AUTH_KEY_MAX);
		ret = -EINVAL;
	} else {
		ret = ccm_auth_key_use(payload->data, payload->datalen);
	}
	up_read(&key->sem);
	key_put(key);
	return ret;
}
#else
static int ccm_auth_keyring_load(const char *desc)
{
	pr_err("ccm: auth_key_desc: this kernel has no keyring (CONFIG_KEYS)\n");
	return -ENOKEY;
}
#endif

static int ccm_auth_key_load(void)
{
	int ret = 0;

	if (ccm_auth_raw_len && auth_key_desc[0]) {
		pr_err("ccm: set auth_key or auth_key_desc, not both\n");
		ret = -EINVAL;
	} else if (ccm_auth_raw_len < 0) {
		pr_err("ccm: auth_key must be %u to %u hex digits, in pairs\n",
		       2 * CCM_AUTH_KEY_MIN, 2 * CCM_AUTH_KEY_MAX);
		ret = -EINVAL;
	} else if (ccm_auth_raw_len) {
		ret = ccm_auth_key_use(ccm_auth_raw, ccm_auth_raw_len);
	} else if (auth_key_desc[0]) {
		ret = ccm_auth_keyring_load(auth_key_desc);
	}
	memzero_explicit(ccm_auth_raw, sizeof(ccm_auth_raw));
	ccm_auth_raw_len = 0;
	return ret;
}

static struct ccm_config ccm_cfg;
static struct ccm_peer *ccm_peer;

/*
 * Parse a comma-separated list of up to CCM_MAX_PATHS addresses into @ss.
 * Return: the number of addresses, or -EINVAL after one pr_err().
 */
static int ccm_parse_addr_list(const char *name, const char *val, u16 port,
			       struct sockaddr_storage *ss)
{
	char portstr[8], one[INET6_ADDRSTRLEN + IFNAMSIZ + 2];
	const char *p = val, *end;
	unsigned int n = 0, i;
	size_t len;

	snprintf(portstr, sizeof(portstr), "%u", port);
	for (;;) {
		end = strchrnul(p, ',');
		len = end - p;
		if (n == CCM_MAX_PATHS) {
			pr_err("ccm: %s='%s': more than %u addresses\n", name,
			       val, CCM_MAX_PATHS);
			return -EINVAL;
		}
		if (!len || len >= sizeof(one)) {
			pr_err("ccm: %s='%s': address %u is %s\n", name, val,
			       n + 1, len ? "too long" : "empty");
			return -EINVAL;
		}
		memcpy(one, p, len);
		one[len] = '\0';
		if (inet_pton_with_scope(&init_net, AF_UNSPEC, one, portstr,
					 &ss[n])) {
			if (!strchr(val, ','))
				pr_err("ccm: %s='%s' is not an IPv4 or IPv6 address\n",
				       name, val);
			else
				pr_err("ccm: %s='%s': '%s' is not an IPv4 or IPv6 address\n",
				       name, val, one);
			return -EINVAL;
		}
		if (ss[n].ss_family != ss[0].ss_family) {
			pr_err("ccm: %s='%s': '%s' is not of the first address's family\n",
			       name, val, one);
			return -EINVAL;
		}
		for (i = 0; i < n; i++) {
			if (ccm_addr_equal(&ss[i], &ss[n])) {
				pr_err("ccm: %s='%s': '%s' is given twice\n",
				       name, val, one);
				return -EINVAL;
			}
		}
		n++;
		if (!*end)
			return n;
		p = end + 1;
	}
}

static int ccm_check_range(const char *name, uint val, uint min, uint max)
{
	if (val >= min && val <= max)
		return 0;
	pr_err("ccm: %s=%u is out of range [%u, %u]\n", name, val, min, max);
	return -EINVAL;
}

#define CCM_MS_MAX	600000U		/* ten minutes */

static int ccm_config_parse(struct ccm_config *cfg)
{
	int ret;

	if (!peer_addr || !*peer_addr) {
		pr_err("ccm: peer_addr is required (the partner's interconnect address)\n");
		return -EINVAL;
	}
	if (!port) {
		pr_err("ccm: port=0 is not a valid port\n");
		return -EINVAL;
	}
	ret = ccm_parse_addr_list("peer_addr", peer_addr, port,
				  cfg->peer_addr);
	if (ret < 0)
		return ret;
	cfg->nr_paths = ret;
	if (local_addr && *local_addr) {
		ret = ccm_parse_addr_list("local_addr", local_addr, port,
					  cfg->local_addr);
		if (ret < 0)
			return ret;
		if (ret != cfg->nr_paths) {
			pr_err("ccm: local_addr='%s' does not name one address per link of peer_addr='%s' (%d for %u)\n",
			       local_addr, peer_addr, ret, cfg->nr_paths);
			return -EINVAL;
		}
		if (cfg->local_addr[0].ss_family != cfg->peer_addr[0].ss_family) {
			pr_err("ccm: local_addr='%s' is not of peer_addr's address family\n",
			       local_addr);
			return -EINVAL;
		}
	}
	ret = ccm_check_range("connect_timeout_ms", connect_timeout_ms, 10,
			      CCM_MS_MAX) ?:
	      ccm_check_range("op_timeout_ms", op_timeout_ms, 1, CCM_MS_MAX) ?:
	      ccm_check_range("wait_timeout_ms", wait_timeout_ms, 10,
			      CCM_MS_MAX) ?:
	      ccm_check_range("handshake_timeout_ms", handshake_timeout_ms, 10,
			      CCM_MS_MAX) ?:
	      ccm_check_range("poll_interval_ms", poll_interval_ms, 1, 1000) ?:
	      ccm_check_range("backoff_min_ms", backoff_min_ms, 1, CCM_MS_MAX) ?:
	      ccm_check_range("backoff_max_ms", backoff_max_ms, backoff_min_ms,
			      CCM_MS_MAX) ?:
	      ccm_check_range("heartbeat_ms", heartbeat_ms, 1, 60000) ?:
	      ccm_check_range("heartbeat_miss", heartbeat_miss, 1, 1000) ?:
	      ccm_check_range("ack_timeout", ack_timeout, 1, 31) ?:
	      ccm_check_range("retry_count", retry_count, 0, 7) ?:
	      ccm_check_range("client_ack_timeout", client_ack_timeout, 1, 31);
	if (ret)
		return ret;
	cfg->port = port;
	cfg->node_id = node_id;
	cfg->connect_timeout_ms = connect_timeout_ms;
	cfg->op_timeout_ms = op_timeout_ms;
	cfg->wait_timeout_ms = wait_timeout_ms;
	cfg->handshake_timeout_ms = handshake_timeout_ms;
	cfg->poll_interval_ms = poll_interval_ms;
	cfg->backoff_min_ms = backoff_min_ms;
	cfg->backoff_max_ms = backoff_max_ms;
	cfg->heartbeat_ms = heartbeat_ms;
	cfg->heartbeat_miss = heartbeat_miss;
	cfg->ack_timeout = ack_timeout;
	cfg->retry_count = retry_count;
	cfg->client_ack_timeout = client_ack_timeout;
	cfg->privileged_port = privileged_port;
	return 0;
}

static int __init ccm_init(void)
{
	int ret;

	ret = ccm_auth_key_load();
	if (!ret)
		ret = ccm_config_parse(&ccm_cfg);
	if (!ret)
		ret = ccm_fault_init();
	if (ret) {
		ccm_auth_clear_key();
		return ret;
	}
	ret = ccm_sysfs_init();
	if (ret)
		goto err_fault;
	ccm_wq = alloc_ordered_workqueue("ccm", WQ_MEM_RECLAIM);
	if (!ccm_wq) {
		ret = -ENOMEM;
		goto err_sysfs;
	}
	ret = ccm_clients_init();
	if (ret)
		goto err_wq;
	ret = ccm_rdma_init();
	if (ret)
		goto err_clients;
	ret = ccm_peer_create(&ccm_cfg, &ccm_peer);
	if (ret)
		goto err_rdma;
	return 0;

err_rdma:
	ccm_rdma_exit();
err_clients:
	ccm_clients_exit();
err_wq:
	destroy_workqueue(ccm_wq);
err_sysfs:
	ccm_sysfs_exit();
err_fault:
	ccm_fault_exit();
	ccm_auth_clear_key();
	return ret;
}

static void __exit ccm_exit(void)
{
	ccm_peer_destroy(ccm_peer);
	/* Client teardowns defer their verbs objects to ccm_rdma's queue. */
	ccm_clients_flush();
	ccm_rdma_exit();
	ccm_clients_exit();
	destroy_workqueue(ccm_wq);
	ccm_sysfs_exit();
	ccm_fault_exit();
	ccm_auth_clear_key();
}

module_init(ccm_init);
module_exit(ccm_exit);

MODULE_AUTHOR("The ccm developers");
MODULE_DESCRIPTION("Cluster connection manager: RDMA read/write handshake with a partner node");
MODULE_LICENSE("GPL");
