package vm

import (
	"fmt"
	"unsafe"
)

// Perm says what a program may do with a region: read it, write it, or
// both. The kernel's BPF_F_RDONLY_PROG and BPF_F_WRONLY_PROG map flags
// (and .rodata) become regions without PermWrite or without PermRead.
type Perm uint8

// Region permissions.
const (
	PermRead  Perm = 1 << 0
	PermWrite Perm = 1 << 1
	PermRW         = PermRead | PermWrite
)

func (p Perm) String() string {
	switch p {
	case PermRead:
		return "read-only"
	case PermWrite:
		return "write-only"
	case PermRW:
		return "read-write"
	}
	return "no access"
}

// Region is a range of memory a program may access. Programs see real
// addresses: Start is the address of Ptr, so a pointer a helper returns and
// a pointer the program computes mean the same thing in every engine.
type Region struct {
	Start uint64         // first address
	Len   uint64         // length in bytes
	Ptr   unsafe.Pointer // the memory itself; keeps it alive
	Perm  Perm           // what programs may do with it
	Name  string         // for error messages: "input", "stack", a map name
}

// RegionOf describes b as a region. An empty b gives an empty region at
// address 0, which no access can hit.
func RegionOf(name string, b []byte, perm Perm) Region {
	if len(b) == 0 {
		return Region{Name: name, Perm: perm}
	}
	p := unsafe.Pointer(unsafe.SliceData(b))
	return Region{Start: uint64(uintptr(p)), Len: uint64(len(b)), Ptr: p, Perm: perm, Name: name}
}

// contains reports whether [addr, addr+n) lies inside the region. It is
// written so that no sum can overflow.
func (r *Region) contains(addr, n uint64) bool {
	return addr-r.Start < r.Len && n <= r.Len-(addr-r.Start)
}

// CheckRegions reports whether rs can be a Binding's regions: none
// empty, sorted by address and disjoint. Engines look addresses up in
// them by binary search.
func CheckRegions(rs []Region) error {
	for i := range rs {
		r := &rs[i]
		if r.Len == 0 || r.Start+r.Len < r.Start {
			return fmt.Errorf("region %d (%s): bad range [0x%x, +%d)", i, r.Name, r.Start, r.Len)
		}
		if i > 0 && r.Start < rs[i-1].Start+rs[i-1].Len {
			return fmt.Errorf("region %d (%s) at 0x%x overlaps or precedes region %d (%s)", i, r.Name, r.Start, i-1, rs[i-1].Name)
		}
	}
	return nil
}

// Find returns the index of the region of rs (sorted and disjoint, see
// CheckRegions) that holds addr, or -1. It is the same binary search the
// native code's checker does: the last region starting at or below addr.
func Find(rs []Region, addr uint64) int {
	n := len(rs)
	if n == 0 {
		return -1
	}
	lo := 0
	for n > 1 {
		half := n / 2
		if rs[lo+half].Start <= addr {
			lo += half
		}
		n -= half
	}
	if addr-rs[lo].Start < rs[lo].Len {
		return lo
	}
	return -1
}

// Memory is the set of regions of one run: a few regions of its own (the
// input and the stack) looked at first, then a binding's regions, shared
// between runs and never copied.
type Memory struct {
	local  [maxLocal]Region
	nLocal int
	shared []Region // sorted and disjoint
}

const maxLocal = 4

// Add appends a region of the run's own (the input, the stack); empty
// regions are skipped. A run has at most a few.
func (m *Memory) Add(r Region) {
	if r.Len == 0 {
		return
	}
	if m.nLocal == maxLocal {
		panic("vm: too many local memory regions")
	}
	m.local[m.nLocal] = r
	m.nLocal++
}

// Share makes rs, which must satisfy CheckRegions and not change while
// m uses it, the regions looked at after the run's own.
func (m *Memory) Share(rs []Region) { m.shared = rs }

// Reset removes every region.
func (m *Memory) Reset() {
	for i := range m.nLocal {
		m.local[i] = Region{}
	}
	m.nLocal = 0
	m.shared = nil
}

// Empty reports whether m has no regions.
func (m *Memory) Empty() bool { return m.nLocal == 0 && len(m.shared) == 0 }

// region returns the region holding addr, or nil.
func (m *Memory) region(addr uint64) *Region {
	for i := 0; i < m.nLocal; i++ {
		if r := &m.local[i]; addr-r.Start < r.Len {
			return r
		}
	}
	if i := Find(m.shared, addr); i >= 0 {
		return &m.shared[i]
	}
	return nil
}

// Lookup returns a pointer to n bytes at addr, or the fault of an access
// that needs perm there: FaultOutOfBounds when the range is not inside
// one region, FaultReadOnly when perm has PermWrite and the region does
// not, FaultWriteOnly when perm has PermRead and the region does not (a
// read-modify-write needs both and reports the missing write first).
// The run's own regions come first, then the binding's, as native code
// checks them: a run's own regions allow everything.
func (m *Memory) Lookup(addr, n uint64, perm Perm) (unsafe.Pointer, Fault) {
	if p := m.Local(addr, n, perm); p != nil {
		return p, FaultNone
	}
	return m.Rest(addr, n, perm)
}

// Rest is Lookup for an access Local did not find.
func (m *Memory) Rest(addr, n uint64, perm Perm) (unsafe.Pointer, Fault) {
	if i := Find(m.shared, addr); i >= 0 {
		if r := &m.shared[i]; r.contains(addr, n) {
			if f := PermFault(r.Perm, perm); f != FaultNone {
				return nil, f
			}
			return unsafe.Add(r.Ptr, addr-r.Start), FaultNone
		}
	}
	for i := range m.local[:m.nLocal] {
		if r := &m.local[i]; r.contains(addr, n) {
			return nil, PermFault(r.Perm, perm)
		}
	}
	return nil, FaultOutOfBounds
}

// Local is Lookup's fast path, small enough to inline into an engine's
// loop: the n bytes at addr when they lie in one of the run's own
// regions (the input, the stack) and it allows perm, else nil (Lookup
// then says where they are or why not).
func (m *Memory) Local(addr, n uint64, perm Perm) unsafe.Pointer {
	for i := range m.local[:m.nLocal] {
		r := &m.local[i]
		if r.contains(addr, n) && perm&^r.Perm == 0 {
			return unsafe.Add(r.Ptr, addr-r.Start)
		}
	}
	return nil
}

// PermFault is the fault of an access needing want in a region that
// allows have, or FaultNone. Every engine decides the same way.
func PermFault(have, want Perm) Fault {
	switch {
	case want&PermWrite != 0 && have&PermWrite == 0:
		return FaultReadOnly
	case want&PermRead != 0 && have&PermRead == 0:
		return FaultWriteOnly
	}
	return FaultNone
}

// MemoryError is a helper's access to memory outside the regions, or one
// their permissions forbid. Engines report it as the fault it names, at
// the helper call, so a helper that reads a bad pointer fails exactly like
// an inlined load would.
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

// Bytes returns the n bytes at addr as a slice, for helpers: a helper
// reads them (write false) or writes them on the program's behalf (write
// true), and the region must allow that. The slice aliases program memory.
func (m *Memory) Bytes(addr, n uint64, write bool) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	perm := PermRead
	if write {
		perm = PermWrite
	}
	p := m.Local(addr, n, perm)
	if p == nil {
		var f Fault
		if p, f = m.Rest(addr, n, perm); f != FaultNone {
			return nil, &MemoryError{Fault: f, Addr: addr, N: n, Write: write}
		}
	}
	return unsafe.Slice((*byte)(p), n), nil
}

// CString reads a NUL-terminated string of at most max bytes at addr.
func (m *Memory) CString(addr uint64, max int) (string, error) {
	r := m.region(addr)
	if r == nil {
		return "", fmt.Errorf("%s: string at 0x%x", FaultOutOfBounds, addr)
	}
	if r.Perm&PermRead == 0 {
		return "", fmt.Errorf("%s: string at 0x%x", FaultWriteOnly, addr)
	}
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
