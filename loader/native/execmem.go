package native

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// Executable is machine code in memory mapped read-execute. It is written
// while the mapping is read-write and only then made executable: the
// memory is never writable and executable at once.
type Executable struct {
	mu      sync.Mutex
	mem     []byte
	addr    atomic.Uintptr // address of mem[0]; 0 once closed (read on every run)
	size    int
	slot    int
	cleanup runtime.Cleanup
}

// mapping is what the cleanup of an unreachable Executable unmaps; keeping
// the slice out of the Executable lets the cleanup run.
type mapping struct {
	mem  []byte
	slot int // in the signal handler's table of code (registerCode)
}

// NewExecutable copies code into fresh executable memory.
func NewExecutable(code []byte) (*Executable, error) {
	if len(code) == 0 {
		return nil, errors.New("no code")
	}
	page := syscall.Getpagesize()
	n := (len(code) + page - 1) / page * page
	mem, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return nil, fmt.Errorf("mapping %d bytes of code: %w", n, err)
	}
	copy(mem, code)
	flushInstructionCache(unsafe.Pointer(&mem[0]), uintptr(len(code)))
	if err := syscall.Mprotect(mem, syscall.PROT_READ|syscall.PROT_EXEC); err != nil {
		syscall.Munmap(mem)
		return nil, fmt.Errorf("making code executable: %w", err)
	}
	e := &Executable{mem: mem, size: len(code)}
	e.addr.Store(uintptr(unsafe.Pointer(&mem[0])))
	m := &mapping{mem: mem, slot: registerCode(uintptr(unsafe.Pointer(&mem[0])), uintptr(len(mem)))}
	e.slot = m.slot
	e.cleanup = runtime.AddCleanup(e, func(m *mapping) { unregisterCode(m.slot); syscall.Munmap(m.mem) }, m)
	return e, nil
}

// Addr returns the address of the first byte of code, or 0 once closed.
func (e *Executable) Addr() uintptr { return e.addr.Load() }

// Size returns the size of the code in bytes.
func (e *Executable) Size() int { return e.size }

// Bytes returns the code as mapped (read-only; for disassembly).
func (e *Executable) Bytes() []byte {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.mem == nil {
		return nil
	}
	return e.mem[:e.size]
}

// Close unmaps the code. Running it afterwards is the caller's bug; Close
// is idempotent.
func (e *Executable) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.mem == nil {
		return nil
	}
	e.cleanup.Stop()
	e.addr.Store(0)
	unregisterCode(e.slot)
	err := syscall.Munmap(e.mem)
	e.mem = nil
	return err
}
