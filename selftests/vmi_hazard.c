// SPDX-License-Identifier: GPL-2.0
/*
 * vmi_hazard: for the shell selftests, whether switching a hook (kernel
 * text patching) while a load runs is unsafe on this machine.  Prints the
 * reason and exits 0 when it is unsafe; exits 1 when it is safe.  The rule
 * is switch_under_load_hazard() in vmi_util.c.
 */
#include <stdio.h>

#include "vmi_util.h"

int main(void)
{
	const char *why = switch_under_load_hazard();

	if (!why)
		return 1;
	printf("%s\n", why);
	return 0;
}
