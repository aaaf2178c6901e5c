// SPDX-License-Identifier: GPL-2.0
/*
 * ccm - instantiates the tracepoints of include/trace/events/ccm.h.
 */
#define CREATE_TRACE_POINTS
#include <trace/events/ccm.h>
