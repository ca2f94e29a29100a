package vm

import (
	"errors"
	"testing"
	"unsafe"
)

// TestMemoryPermissions checks Lookup, Bytes and CString against a run's
// own regions and a binding's, with every permission: an access must fit
// one region and be allowed there, and the fault says which rule it broke.
func TestMemoryPermissions(t *testing.T) {
	buf := make([]uint64, 64)
	b := unsafe.Slice((*byte)(unsafe.Pointer(&buf[0])), len(buf)*8)
	input, rw, ro, wo := b[0:16], b[64:80], b[80:96], b[128:144]
	copy(ro, "read only\x00")
	var m Memory
	m.Add(RegionOf("input", input, PermRW))
	m.Add(RegionOf("empty", nil, PermRW)) // skipped
	shared := []Region{RegionOf("rw", rw, PermRW), RegionOf("ro", ro, PermRead), RegionOf("wo", wo, PermWrite)}
	if err := CheckRegions(shared); err != nil {
		t.Fatal(err)
	}
	m.Share(shared)
	at := func(s []byte, off int) uint64 { return uint64(uintptr(unsafe.Pointer(&s[0]))) + uint64(off) }
	for _, tc := range []struct {
		addr uint64
		n    uint64
		perm Perm
		want Fault
	}{
		{at(input, 0), 16, PermRW, FaultNone},
		{at(input, 8), 9, PermRead, FaultOutOfBounds}, // past the input's end
		{at(rw, 8), 8, PermRW, FaultNone},
		{at(rw, 9), 8, PermRead, FaultOutOfBounds}, // straddles rw and ro, which touch
		{at(ro, 0), 8, PermRead, FaultNone},
		{at(ro, 0), 8, PermWrite, FaultReadOnly},
		{at(ro, 0), 8, PermRW, FaultReadOnly},
		{at(wo, 0), 8, PermWrite, FaultNone},
		{at(wo, 0), 8, PermRead, FaultWriteOnly},
		{at(wo, 0), 8, PermRW, FaultWriteOnly},
		{at(wo, 16), 1, PermWrite, FaultOutOfBounds},
		{at(rw, 0) - 1, 1, PermRead, FaultOutOfBounds}, // between input and rw
	} {
		p, f := m.Lookup(tc.addr, tc.n, tc.perm)
		if f != tc.want || (f == FaultNone) != (p != nil) {
			t.Errorf("Lookup(%#x, %d, %s) = %v, %v; want %v", tc.addr, tc.n, tc.perm, p, f, tc.want)
		}
		if f == FaultNone && uintptr(p) != uintptr(tc.addr) {
			t.Errorf("Lookup(%#x) points at %p", tc.addr, p)
		}
	}
	var me *MemoryError
	if _, err := m.Bytes(at(ro, 0), 4, true); !errors.As(err, &me) || me.Fault != FaultReadOnly || !me.Write {
		t.Errorf("Bytes wrote a read-only region: %v", err)
	}
	if _, err := m.Bytes(at(wo, 0), 4, false); !errors.As(err, &me) || me.Fault != FaultWriteOnly {
		t.Errorf("Bytes read a write-only region: %v", err)
	}
	if s, err := m.CString(at(ro, 0), 64); err != nil || s != "read only" {
		t.Errorf("CString = %q, %v", s, err)
	}
	if _, err := m.CString(at(wo, 0), 64); err == nil {
		t.Error("CString read a write-only region")
	}
	m.Reset()
	if !m.Empty() {
		t.Error("Reset left regions")
	}
}

// TestFind checks the binary search against a linear one on tables of
// every size up to 20, at and around every region's ends.
func TestFind(t *testing.T) {
	for n := 0; n <= 20; n++ {
		var rs []Region
		start := uint64(1000)
		for i := range n {
			l := uint64(1 + i%5)
			rs = append(rs, Region{Start: start, Len: l, Perm: PermRW})
			start += l + uint64(i%3) // some touch, some have gaps
		}
		if err := CheckRegions(rs); err != nil {
			t.Fatal(err)
		}
		for addr := uint64(990); addr < start+5; addr++ {
			want := -1
			for i, r := range rs {
				if addr >= r.Start && addr < r.Start+r.Len {
					want = i
				}
			}
			if got := Find(rs, addr); got != want {
				t.Fatalf("%d regions: Find(%d) = %d, want %d", n, addr, got, want)
			}
		}
	}
}

func TestCheckRegions(t *testing.T) {
	for _, rs := range [][]Region{
		{{Start: 10, Len: 0}},
		{{Start: 10, Len: 5}, {Start: 14, Len: 5}},
		{{Start: 20, Len: 5}, {Start: 10, Len: 5}},
		{{Start: ^uint64(0) - 1, Len: 5}},
	} {
		if CheckRegions(rs) == nil {
			t.Errorf("%+v passes", rs)
		}
	}
	if err := CheckRegions([]Region{{Start: 10, Len: 5}, {Start: 15, Len: 5}}); err != nil {
		t.Error(err)
	}
}
