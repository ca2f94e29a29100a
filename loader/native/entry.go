//go:build amd64 || arm64

package native

import "unsafe"

// enter saves Go's registers in ctx, switches to the native stack and
// jumps to the program's preamble, which calls the entry function and
// leaves through the exit protocol. It returns when native code exits.
//
//go:noescape
func enter(ctx *Context, preamble uintptr)

// resume saves Go's registers in ctx again (Go's stack may have moved
// since the exit), switches back to the native stack saved at the exit
// and jumps to ctx.Resume.
//
//go:noescape
func resume(ctx *Context)

// flushInstructionCache makes freshly written code visible to instruction
// fetch (a no-op where caches are coherent).
func flushInstructionCache(p unsafe.Pointer, n uintptr)
