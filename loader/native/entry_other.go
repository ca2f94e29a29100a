//go:build !amd64 && !arm64

package native

import "unsafe"

func enter(ctx *Context, preamble uintptr)              { panic("native: unsupported architecture") }
func resume(ctx *Context)                               { panic("native: unsupported architecture") }
func flushInstructionCache(p unsafe.Pointer, n uintptr) {}
