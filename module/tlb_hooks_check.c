// SPDX-License-Identifier: GPL-2.0
/*
 * tlb_hooks_check.c - not part of the module.  Kbuild compiles it with
 * -fsyntax-only and -DVMI_CHECK_<HOOK>, once per hook module/tlb.c uses,
 * against the target kernel's headers: it compiles only where the
 * kernel's prototype of that hook is the one module/tlb_hooks.h expects.
 */
#include <linux/build_bug.h>
#include <linux/types.h>

#include "tlb_hooks.h"

#define VMI_SAME_TYPE(a, b) static_assert(__same_type(a, b), #a " is not " #b)

#ifdef VMI_CHECK_TLB_FLUSH
#include <trace/events/tlb.h>
VMI_SAME_TYPE(register_trace_tlb_flush, vmi_expect_register_tlb_flush);
#endif

#ifdef VMI_CHECK_CSD
#include <trace/events/csd.h>
VMI_SAME_TYPE(register_trace_csd_function_entry, vmi_expect_register_csd);
VMI_SAME_TYPE(register_trace_csd_function_exit, vmi_expect_register_csd);
#endif

#if defined(VMI_CHECK_MULTI) || defined(VMI_CHECK_FUNC)
#include <asm/paravirt.h>
VMI_SAME_TYPE(native_flush_tlb_multi, vmi_expect_native_flush_tlb_multi);
#endif

#ifdef VMI_CHECK_FUNC
VMI_SAME_TYPE(smp_call_func_t, &vmi_expect_flush_tlb_func);
#endif

#ifdef VMI_CHECK_KERNEL_RANGE
#include <linux/smp.h>
VMI_SAME_TYPE(on_each_cpu_cond_mask, vmi_expect_on_each_cpu_cond_mask);
#endif

#ifdef VMI_CHECK_MM_RANGE
#include <asm/tlbflush.h>
VMI_SAME_TYPE(flush_tlb_mm_range, vmi_expect_flush_tlb_mm_range);
#endif

#ifdef VMI_CHECK_FPROBE
#include <linux/fprobe.h>
VMI_SAME_TYPE(((struct fprobe *)NULL)->entry_handler, &vmi_expect_fprobe_entry);
VMI_SAME_TYPE(((struct fprobe *)NULL)->exit_handler, &vmi_expect_fprobe_exit);
VMI_SAME_TYPE(register_fprobe_syms, vmi_expect_register_fprobe_syms);
VMI_SAME_TYPE(unregister_fprobe, vmi_expect_unregister_fprobe);
#endif
