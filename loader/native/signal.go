//go:build linux && (amd64 || arm64)

package native

import (
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// Signals that arrive while native code runs.
//
// The Go runtime looks at the interrupted PC and stack pointer when
// SIGQUIT asks for a goroutine dump or SIGPROF takes a profile sample.
// Inside generated code both are foreign to it (a PC outside Go's text,
// a stack pointer on the native stack), so a dump crashes ("unknown pc",
// then a fatal error) and samples are lost. For these two signals only, a
// small handler of ours runs first: when the PC is in generated code it
// hands Go's handler a copy of the signal context in which the goroutine
// stands where it entered native code (the PC and stack pointer the
// trampoline saved in the Context, which the context register points
// at), so the dump shows the goroutine in Instance.RunWith with its whole
// Go stack and the sample is charged to it. The real context is left
// alone: the program resumes where it was. Anything else goes to Go's
// handler untouched.
//
// Signals whose handling changes the interrupted state (SIGURG's
// asynchronous preemption, SIGSEGV's panics) are left to Go: a change to
// the copy would be lost, and native code is never at a preemption point
// anyway.

// codeRanges is the table the handler reads: a count then [start, end)
// pairs of mapped code. It lives outside the Go heap and is never freed
// (a handler may be reading an old table when a new one replaces it);
// it grows by doubling, so the memory kept is at most twice the largest
// table. Slots are reused: an empty slot has start 0.
var (
	codeRanges   unsafe.Pointer // *[2 + 2*cap]uint64: count, cap, then pairs
	codeRangesMu sync.Mutex
	// Go's own handlers for SIGQUIT and SIGPROF, which ours forwards to.
	quitNext, profNext uintptr
	// profSeen is set by the handler when a SIGPROF arrives: a CPU
	// profile is being taken, so runs label themselves (ProfilingSeen).
	profSeen    uint32
	installOnce sync.Once
)

// sigHandlerAddr returns the address of the assembly handler.
func sigHandlerAddr() uintptr

// kernelSigaction is the kernel's struct sigaction on amd64 and arm64.
type kernelSigaction struct {
	handler  uintptr
	flags    uint64
	restorer uintptr
	mask     uint64
}

func rtSigaction(sig int, act, old *kernelSigaction) syscall.Errno {
	_, _, errno := syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(sig),
		uintptr(unsafe.Pointer(act)), uintptr(unsafe.Pointer(old)), 8, 0, 0)
	return errno
}

// installSignalHandlers puts the handler in front of Go's for SIGQUIT
// and SIGPROF, once, when code is first mapped. A signal Go does not
// handle (default or ignored) is left alone.
func installSignalHandlers() {
	installOnce.Do(func() {
		for _, s := range []struct {
			sig  syscall.Signal
			next *uintptr
		}{{syscall.SIGQUIT, &quitNext}, {syscall.SIGPROF, &profNext}} {
			var old kernelSigaction
			if rtSigaction(int(s.sig), nil, &old) != 0 || old.handler <= 1 {
				continue
			}
			atomic.StoreUintptr(s.next, old.handler)
			act := old
			act.handler = sigHandlerAddr()
			rtSigaction(int(s.sig), &act, nil)
		}
	})
}

// registerCode adds [start, start+size) to the ranges the handler knows
// as generated code and returns its slot.
func registerCode(start, size uintptr) int {
	installSignalHandlers()
	codeRangesMu.Lock()
	defer codeRangesMu.Unlock()
	t := rangeTable()
	for i := range t.capacity() {
		if t.start(i) == 0 {
			t.set(i, start, start+size)
			return i
		}
	}
	// Full: a table twice the size, with the same slots.
	old := t
	n := max(64, 2*old.capacity())
	mem, err := syscall.Mmap(-1, 0, 8*(2+2*n), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return -1 // signals in this code get Go's plain handling
	}
	t = table{unsafe.Pointer(&mem[0])}
	t.words()[1] = uint64(n)
	for i := range old.capacity() {
		t.set(i, uintptr(old.start(i)), uintptr(old.end(i)))
	}
	atomic.StoreUint64(&t.words()[0], uint64(n))
	atomic.StorePointer(&codeRanges, t.p)
	i := old.capacity()
	t.set(i, start, start+size)
	return i
}

// unregisterCode empties a slot registerCode returned.
func unregisterCode(slot int) {
	if slot < 0 {
		return
	}
	codeRangesMu.Lock()
	defer codeRangesMu.Unlock()
	rangeTable().set(slot, 0, 0)
}

// ProfilingSeen reports whether a SIGPROF has arrived since code was first
// mapped, that is whether a CPU profile is or was being taken.
func ProfilingSeen() bool { return atomic.LoadUint32(&profSeen) != 0 }

type table struct{ p unsafe.Pointer }

func rangeTable() table { return table{atomic.LoadPointer(&codeRanges)} }

func (t table) words() []uint64 {
	if t.p == nil {
		return nil
	}
	n := (*[2]uint64)(t.p)[1]
	return unsafe.Slice((*uint64)(t.p), 2+2*n)
}

func (t table) capacity() int {
	if t.p == nil {
		return 0
	}
	return int((*[2]uint64)(t.p)[1])
}

func (t table) start(i int) uint64 { return atomic.LoadUint64(&t.words()[2+2*i]) }
func (t table) end(i int) uint64   { return atomic.LoadUint64(&t.words()[3+2*i]) }

// set fills slot i: the end first, so that a handler that sees a start
// sees its end too; emptying clears the start first.
func (t table) set(i int, start, end uintptr) {
	w := t.words()
	if start == 0 {
		atomic.StoreUint64(&w[2+2*i], 0)
		atomic.StoreUint64(&w[3+2*i], 0)
		return
	}
	atomic.StoreUint64(&w[3+2*i], uint64(end))
	atomic.StoreUint64(&w[2+2*i], uint64(start))
}
