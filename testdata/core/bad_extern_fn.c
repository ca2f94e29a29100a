/* Program "calls_missing" calls undefined_function, declared but defined
 * nowhere in the object (an unresolved reference; no linker ran). */
#include "bad_common.h"

extern int undefined_function(int x);

SEC("syscall")
int calls_missing(void *ctx)
{
	return undefined_function(3);
}

DECLARE_LICENSE();
