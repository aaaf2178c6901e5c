// SPDX-License-Identifier: GPL-2.0
/*
 * ccm - the fault attribute behind CCM_FAULT() (see ccm_fault.h). Built
 * only with CONFIG_FAULT_INJECTION; nothing of it exists otherwise.
 */
#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <linux/module.h>

#include "ccm_fault.h"

#ifdef CONFIG_FAULT_INJECTION
static DECLARE_FAULT_ATTR(ccm_fault_attr);

static char ccm_fault_param[32];
module_param_string(fault, ccm_fault_param, sizeof(ccm_fault_param), 0444);
MODULE_PARM_DESC(fault,
		 "Fail allocations and verbs calls of the handshake and the client exchange: <interval>,<probability>,<space>,<times> (kernels with CONFIG_FAULT_INJECTION)");

static struct dentry *ccm_fault_dir;

/**
 * ccm_fault() - should this call fail?
 *
 * Context: any.
 * Return: true when the fault attribute fails the call.
 */
bool ccm_fault(void)
{
	return should_fail(&ccm_fault_attr, 1);
}

/**
 * ccm_fault_init() - set the attribute from fault=, publish it in debugfs
 *
 * Context: module init.
 * Return: 0, or -EINVAL when fault= is malformed.
 */
int ccm_fault_init(void)
{
	/* One line per failure: a stack dump reads as a kernel problem. */
	ccm_fault_attr.verbose = 1;
	if (ccm_fault_param[0] &&
	    !setup_fault_attr(&ccm_fault_attr, ccm_fault_param)) {
		pr_err("ccm: fault '%s': not <interval>,<probability>,<space>,<times>\n",
		       ccm_fault_param);
		return -EINVAL;
	}
	if (IS_ENABLED(CONFIG_FAULT_INJECTION_DEBUG_FS)) {
		ccm_fault_dir = debugfs_create_dir("ccm", NULL);
		fault_create_debugfs_attr("fault", ccm_fault_dir,
					  &ccm_fault_attr);
	}
	return 0;
}

/**
 * ccm_fault_exit() - remove the attribute's debugfs files
 *
 * Context: module exit, or init's unwinding.
 */
void ccm_fault_exit(void)
{
	debugfs_remove_recursive(ccm_fault_dir);
	ccm_fault_dir = NULL;
}
#endif
