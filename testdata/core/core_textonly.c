/* CO-RE in a .text-only object: a lone global function with no SEC(), the
 * benchmark-suite style that the loader reads itself (cilium/ebpf sees no
 * programs). Built with -g, so .BTF.ext carries the CO-RE relocations of
 * .text. Returns pid * 1000 + flags (local offsets 0 and 32). */
#include "core_types.h"

int text_fields(struct task_info *t)
{
	return t->pid * 1000 + t->flags;
}
