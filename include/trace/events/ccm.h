/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ccm - tracepoints: every FSM transition, every RDMA operation's
 * completion, every client event; link= is the interconnect link's
 * index. Use with trace-cmd, perf trace or
 * /sys/kernel/tracing/events/ccm/.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM ccm

#if !defined(_TRACE_CCM_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_CCM_H

#include <linux/tracepoint.h>

TRACE_EVENT(ccm_fsm_transition,
	    TP_PROTO(u32 link, u32 gen, const char *from, const char *to,
		     const char *event),
	    TP_ARGS(link, gen, from, to, event),
	    TP_STRUCT__entry(__field(u32, link)
			     __field(u32, gen)
			     __string(from, from)
			     __string(to, to)
			     __string(event, event)),
	    TP_fast_assign(__entry->link = link;
			   __entry->gen = gen;
			   __assign_str(from, from);
			   __assign_str(to, to);
			   __assign_str(event, event);),
	    TP_printk("link=%u generation=%u %s -> %s on %s", __entry->link,
		      __entry->gen,
		      __get_str(from), __get_str(to), __get_str(event))
);

TRACE_EVENT(ccm_rdma_post,
	    TP_PROTO(u32 link, u32 gen, const char *op),
	    TP_ARGS(link, gen, op),
	    TP_STRUCT__entry(__field(u32, link)
			     __field(u32, gen)
			     __string(op, op)),
	    TP_fast_assign(__entry->link = link;
			   __entry->gen = gen;
			   __assign_str(op, op);),
	    TP_printk("link=%u generation=%u op=%s", __entry->link,
		      __entry->gen, __get_str(op))
);

TRACE_EVENT(ccm_rdma_completion,
	    TP_PROTO(u32 link, u32 gen, const char *op, int status),
	    TP_ARGS(link, gen, op, status),
	    TP_STRUCT__entry(__field(u32, link)
			     __field(u32, gen)
			     __string(op, op)
			     __field(int, status)),
	    TP_fast_assign(__entry->link = link;
			   __entry->gen = gen;
			   __assign_str(op, op);
			   __entry->status = status;),
	    TP_printk("link=%u generation=%u op=%s status=%d", __entry->link,
		      __entry->gen,
		      __get_str(op), __entry->status)
);

TRACE_EVENT(ccm_client_event,
	    TP_PROTO(const char *name, const char *event, const char *detail),
	    TP_ARGS(name, event, detail),
	    TP_STRUCT__entry(__string(name, name)
			     __string(event, event)
			     __string(detail, detail)),
	    TP_fast_assign(__assign_str(name, name);
			   __assign_str(event, event);
			   __assign_str(detail, detail);),
	    TP_printk("client=%s %s %s", __get_str(name), __get_str(event),
		      __get_str(detail))
);

#endif /* _TRACE_CCM_H */

#include <trace/define_trace.h>
