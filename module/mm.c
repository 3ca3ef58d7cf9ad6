// SPDX-License-Identifier: GPL-2.0
/*
 * mm.c - find the address space a query names, if the caller may see it.
 *
 * Policy (docs/design.md, "Threat model"): any process may inspect itself;
 * inspecting another needs CAP_SYS_ADMIN and CAP_SYS_PTRACE in the initial
 * user namespace, held by whoever opened the file (vmi_caller_init()).
 */
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>

#include "compat.h"
#include "vminspect.h"

/**
 * vmi_get_mm - the mm of thread group @pid (0: the caller's), referenced
 * @pid:	process id in the caller's pid namespace
 * @caller:	what the caller may see
 *
 * Return: an mm to release with mmput(), or ERR_PTR(-ESRCH) (no such
 * process, or it has exited), -EPERM (not the caller's and no privilege),
 * -EINVAL (a kernel thread: no user address space), -EINTR.
 */
struct mm_struct *vmi_get_mm(u32 pid, const struct vmi_caller *caller)
{
	struct task_struct *task;
	struct mm_struct *mm;
	struct pid *p;
	int ret;

	if (pid > PID_MAX_LIMIT)
		return ERR_PTR(-ESRCH);
	if (pid == 0) {
		task = current;
		get_task_struct(task);
	} else {
		p = find_get_pid(pid);
		task = p ? get_pid_task(p, PIDTYPE_TGID) : NULL;
		put_pid(p);
		if (!task)
			return ERR_PTR(-ESRCH);
	}

	if (task->flags & PF_KTHREAD) {
		mm = ERR_PTR(-EINVAL);
		goto out_put_task;
	}
	if (!same_thread_group(task, current) && !caller->other_mm) {
		mm = ERR_PTR(-EPERM);
		goto out_put_task;
	}
	/* as mm_access() does: no mm from the middle of an exec */
	ret = down_read_killable(&task->signal->exec_update_lock);
	if (ret) {
		mm = ERR_PTR(ret);
		goto out_put_task;
	}
	mm = get_task_mm(task);
	up_read(&task->signal->exec_update_lock);
	if (!mm)
		mm = ERR_PTR(-ESRCH); /* exited: a zombie has no mm */

out_put_task:
	put_task_struct(task);
	return mm;
}

/* A user range a walk may be asked for. */
int vmi_check_range(u64 start, u64 end)
{
	if (!PAGE_ALIGNED(start) || !PAGE_ALIGNED(end))
		return -EINVAL;
	if (start >= end || end > vmi_user_end())
		return -EINVAL;
	return 0;
}
