/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ccm - local failures injected the kernel's way.
 *
 * Every allocation and verbs call of the handshake and of the clients'
 * exchange is made through CCM_FAULT(). With CONFIG_FAULT_INJECTION the
 * fault attribute "ccm" (Documentation/fault-injection/fault-injection.rst)
 * may fail it instead: should_fail() takes one unit of its "space" per
 * call, so that space N fails the Nth call, and a test walks every call
 * in turn. The attribute is set at load by the parameter fault=
 * "<interval>,<probability>,<space>,<times>" (as fail_make_request= is
 * at boot) and in /sys/kernel/debug/ccm/fault/ with
 * CONFIG_FAULT_INJECTION_DEBUG_FS. Without CONFIG_FAULT_INJECTION,
 * CCM_FAULT(call, err) is the call.
 */
#ifndef _CCM_FAULT_H
#define _CCM_FAULT_H

#include <linux/types.h>

#ifdef CONFIG_FAULT_INJECTION
bool ccm_fault(void);
int ccm_fault_init(void);
void ccm_fault_exit(void);
#else
static inline bool ccm_fault(void)
{
	return false;
}

static inline int ccm_fault_init(void)
{
	return 0;
}

static inline void ccm_fault_exit(void)
{
}
#endif

/* @call, or @err without making it when an injected fault fails it. */
#define CCM_FAULT(call, err)	(ccm_fault() ? (err) : (call))

#endif /* _CCM_FAULT_H */
