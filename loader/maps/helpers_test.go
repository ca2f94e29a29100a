package maps

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/ebpfjit/ebpfjit/vm"
	"unsafe"
)

// newSet builds a set from specs or fails the test.
func newSet(t testing.TB, opts Options, specs ...*Spec) *Set {
	t.Helper()
	s, err := NewSet(specs, opts)
	if err != nil {
		t.Fatalf("NewSet: %v", err)
	}
	return s
}

func u32(i uint32) []byte { return binary.NativeEndian.AppendUint32(nil, i) }
func u64(v uint64) []byte { return binary.NativeEndian.AppendUint64(nil, v) }

// inRegions reports whether [addr, addr+n) lies inside one of the set's
// regions, the check the engines apply to every access.
func inRegions(s *Set, addr, n uint64) bool {
	for _, r := range s.Regions() {
		if addr-r.Start < r.Len && n <= r.Len-(addr-r.Start) {
			return true
		}
	}
	return false
}

// bytesAt returns the n bytes at a program-visible address, found through
// the regions as an engine would; the test fails if they are not inside
// one.
func bytesAt(t testing.TB, s *Set, addr, n uint64) []byte {
	t.Helper()
	for _, r := range s.Regions() {
		if addr-r.Start < r.Len && n <= r.Len-(addr-r.Start) {
			return unsafe.Slice((*byte)(unsafe.Add(r.Ptr, addr-r.Start)), n)
		}
	}
	t.Fatalf("address %#x (+%d) is outside every region", addr, n)
	return nil
}

// regionNamed returns the set's region with the given name.
func regionNamed(t testing.TB, s *Set, name string) vm.Region {
	t.Helper()
	for _, r := range s.Regions() {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no region %q in %+v", name, s.Regions())
	return vm.Region{}
}

// wantErrno checks that err carries the wanted errno (0: no error).
func wantErrno(t testing.TB, what string, err error, want Errno) {
	t.Helper()
	if want == 0 {
		if err != nil {
			t.Errorf("%s: unexpected error %v", what, err)
		}
		return
	}
	var got Errno
	if !errors.As(err, &got) || got != want {
		t.Errorf("%s: error %v, want %v", what, err, want)
	}
}

// addrOf is the program-visible address of a slice the package returned.
func addrOf(b []byte) uint64 { return uint64(uintptr(unsafe.Pointer(unsafe.SliceData(b)))) }
