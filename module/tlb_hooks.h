/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tlb_hooks.h - the prototypes module/tlb.c reads its hooks' arguments by,
 * declared as functions that exist nowhere (only their types are used).
 *
 * Kbuild compiles module/tlb_hooks_check.c against the target kernel's
 * headers once per hook and tells module/compat.h which hooks have these
 * prototypes there; tlb.c registers no other.
 */
#ifndef _VMI_TLB_HOOKS_H
#define _VMI_TLB_HOOKS_H

#include <linux/smp.h>
#include <linux/types.h>

#include "compat.h"

struct cpumask;
struct flush_tlb_info;
struct mm_struct;
struct pt_regs;
struct ftrace_regs;

/* tracepoint tlb:tlb_flush, TP_PROTO(int reason, unsigned long pages) */
void vmi_expect_tlb_flush_probe(void *data, int reason, unsigned long pages);
int vmi_expect_register_tlb_flush(void (*probe)(void *data, int reason,
						unsigned long pages),
				  void *data);

/* csd:csd_function_entry/exit, TP_PROTO(smp_call_func_t, call_single_data_t *) */
void vmi_expect_csd_probe(void *data, smp_call_func_t func,
			  call_single_data_t *csd);
int vmi_expect_register_csd(void (*probe)(void *data, smp_call_func_t func,
					  call_single_data_t *csd),
			    void *data);

/* entry and return: the initiator of an mm's (or reclaim's) remote flush */
void vmi_expect_native_flush_tlb_multi(const struct cpumask *cpumask,
				       const struct flush_tlb_info *info);
/*
 * entry and return: a cross-CPU call on every CPU of a mask, which is how
 * kernel memory is flushed (flush_tlb_kernel_range(), flush_tlb_all(),
 * set_memory_*())
 */
void vmi_expect_on_each_cpu_cond_mask(smp_cond_func_t cond_func,
				      smp_call_func_t func, void *info,
				      bool wait, const struct cpumask *mask);
/* entry (only counted, arguments unread): every flush request */
void vmi_expect_flush_tlb_mm_range(struct mm_struct *mm, unsigned long start,
				   unsigned long end, unsigned int stride_shift,
				   bool freed_tables);
/*
 * entry and return, without csd tracepoints: flush_tlb_func(), static in
 * arch/x86/mm/tlb.c, so in no header.  native_flush_tlb_multi() hands it
 * its info as the void * of an smp_call_func_t: what can be checked is
 * that type, and native_flush_tlb_multi()'s (its info is a struct
 * flush_tlb_info *); the function's own definition cannot be.
 */
void vmi_expect_flush_tlb_func(void *info);

/*
 * fprobe, where the hooks above that are functions are placed with it
 * (module/compat.h): the handlers tlb.c gives it, with the registers of
 * VMI_FPROBE_REGS, and the calls that place and remove them.
 */
struct fprobe;
int vmi_expect_fprobe_entry(struct fprobe *fp, unsigned long entry_ip,
			    unsigned long ret_ip, VMI_FPROBE_REGS *regs,
			    void *entry_data);
void vmi_expect_fprobe_exit(struct fprobe *fp, unsigned long entry_ip,
			    unsigned long ret_ip, VMI_FPROBE_REGS *regs,
			    void *entry_data);
int vmi_expect_register_fprobe_syms(struct fprobe *fp, const char **syms,
				    int num);
int vmi_expect_unregister_fprobe(struct fprobe *fp);

#endif /* _VMI_TLB_HOOKS_H */
