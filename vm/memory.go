package vm

import (
	"fmt"
	"unsafe"
)

// Region is a range of memory a program may access. Programs see real
// addresses: Start is the address of Ptr, so a pointer a helper returns and
// a pointer the program computes mean the same thing in every engine.
type Region struct {
	Start    uint64         // first address
	Len      uint64         // length in bytes
	Ptr      unsafe.Pointer // the memory itself; keeps it alive
	ReadOnly bool
	Name     string // for error messages: "input", "stack", a map name
}

// RegionOf describes b as a region. An empty b gives an empty region at
// address 0, which no access can hit.
func RegionOf(name string, b []byte, readOnly bool) Region {
	if len(b) == 0 {
		return Region{Name: name, ReadOnly: readOnly}
	}
	p := unsafe.Pointer(unsafe.SliceData(b))
	return Region{Start: uint64(uintptr(p)), Len: uint64(len(b)), Ptr: p, ReadOnly: readOnly, Name: name}
}

// contains reports whether [addr, addr+n) lies inside the region. It is
// written so that no sum can overflow.
func (r *Region) contains(addr, n uint64) bool {
	return addr-r.Start < r.Len && n <= r.Len-(addr-r.Start)
}

// Memory is the set of regions of one run. It has a fixed capacity so that
// engines can lay it out in their context and check accesses without
// allocating.
type Memory struct {
	Regions [MaxRegions]Region
	N       int
}

// MaxRegions bounds the number of distinct regions of a run.
const MaxRegions = 8

// Add appends a region; empty regions are skipped.
func (m *Memory) Add(r Region) {
	if r.Len == 0 {
		return
	}
	if m.N == MaxRegions {
		panic("vm: too many memory regions")
	}
	m.Regions[m.N] = r
	m.N++
}

// Reset removes every region.
func (m *Memory) Reset() {
	for i := range m.N {
		m.Regions[i] = Region{}
	}
	m.N = 0
}

// Lookup returns a pointer to n bytes at addr, or a fault if the range is
// not inside one region (or is read-only and write is set).
func (m *Memory) Lookup(addr, n uint64, write bool) (unsafe.Pointer, Fault) {
	for i := 0; i < m.N; i++ {
		r := &m.Regions[i]
		if r.contains(addr, n) {
			if write && r.ReadOnly {
				return nil, FaultReadOnly
			}
			return unsafe.Add(r.Ptr, addr-r.Start), FaultNone
		}
	}
	return nil, FaultOutOfBounds
}

// MemoryError is a helper's access to memory outside the regions. Engines
// report it as the fault it names, at the helper call, so a helper that
// reads a bad pointer fails exactly like an inlined load would.
type MemoryError struct {
	Fault Fault
	Addr  uint64
	N     uint64
	Write bool
}

func (e *MemoryError) Error() string {
	what := "load from"
	if e.Write {
		what = "store to"
	}
	return fmt.Sprintf("%d-byte %s 0x%x", e.N, what, e.Addr)
}

// Bytes returns the n bytes at addr as a slice, for helpers. The slice
// aliases program memory.
func (m *Memory) Bytes(addr, n uint64, write bool) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	p, f := m.Lookup(addr, n, write)
	if f != FaultNone {
		return nil, &MemoryError{Fault: f, Addr: addr, N: n, Write: write}
	}
	return unsafe.Slice((*byte)(p), n), nil
}

// CString reads a NUL-terminated string of at most max bytes at addr.
func (m *Memory) CString(addr uint64, max int) (string, error) {
	for i := 0; i < m.N; i++ {
		r := &m.Regions[i]
		if r.contains(addr, 1) {
			avail := r.Len - (addr - r.Start)
			if uint64(max) < avail {
				avail = uint64(max)
			}
			b := unsafe.Slice((*byte)(unsafe.Add(r.Ptr, addr-r.Start)), avail)
			for j, c := range b {
				if c == 0 {
					return string(b[:j]), nil
				}
			}
			return "", fmt.Errorf("string at 0x%x is not terminated within %d bytes", addr, avail)
		}
	}
	return "", fmt.Errorf("%s: string at 0x%x", FaultOutOfBounds, addr)
}
