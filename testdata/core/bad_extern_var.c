/* Program "reads_missing_var" reads undefined_variable, an extern with no
 * __kconfig or __ksym marking and no definition in the object. */
#include "bad_common.h"

extern int undefined_variable;

SEC("syscall")
int reads_missing_var(void *ctx)
{
	return undefined_variable;
}

DECLARE_LICENSE();
