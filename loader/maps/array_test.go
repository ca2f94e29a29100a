package maps

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/ebpfjit/ebpfjit/vm"
)

func TestArrayErrnos(t *testing.T) {
	s := newSet(t, Options{}, &Spec{Name: "arr", Type: Array, KeySize: 4, ValueSize: 12, MaxEntries: 4})
	m := s.ByName("arr")
	val := []byte("hello world!")
	tests := []struct {
		name  string
		key   []byte
		value []byte
		flags uint64
		want  Errno
	}{
		{"any", u32(0), val, UpdateAny, 0},
		{"exist", u32(3), val, UpdateExist, 0},
		{"noexist", u32(1), val, UpdateNoExist, EEXIST},
		{"range", u32(4), val, UpdateAny, E2BIG},
		{"range-max", u32(^uint32(0)), val, UpdateExist, E2BIG},
		{"flags", u32(0), val, 3, EINVAL},
		{"flags-before-range", u32(9), val, 4, EINVAL},
		{"key-size", []byte{0, 0}, val, UpdateAny, EINVAL},
		{"value-size", u32(0), val[:4], UpdateAny, EINVAL},
	}
	for _, tc := range tests {
		wantErrno(t, tc.name, m.Update(tc.key, tc.value, tc.flags, 0), tc.want)
	}
	wantErrno(t, "delete", m.Delete(u32(0)), EINVAL)
	wantErrno(t, "delete out of range", m.Delete(u32(7)), EINVAL)

	for i := range uint32(4) {
		addr := m.LookupAddr(u32(i), 0)
		if addr == 0 || !inRegions(s, addr, 12) {
			t.Fatalf("LookupAddr(%d) = %#x, not in the regions", i, addr)
		}
	}
	if m.LookupAddr(u32(4), 0) != 0 || m.LookupAddr([]byte{1}, 0) != 0 {
		t.Error("LookupAddr out of range is not 0")
	}
	if got := bytesAt(t, s, m.LookupAddr(u32(3), 0), 12); !bytes.Equal(got, val) {
		t.Errorf("value at the address is %q", got)
	}
	// Writes through the pointer are what Lookup sees.
	copy(bytesAt(t, s, m.LookupAddr(u32(2), 0), 12), "through addr")
	if got, err := m.Lookup(u32(2)); err != nil || string(got) != "through addr" {
		t.Errorf("Lookup(2) = %q, %v", got, err)
	}
	if got, err := m.Lookup(u32(1)); err != nil || !bytes.Equal(got, make([]byte, 12)) {
		t.Errorf("Lookup(1) = %q, %v, want zeros", got, err)
	}
	_, err := m.Lookup(u32(4))
	wantErrno(t, "Lookup out of range", err, ENOENT)
	_, err = m.Lookup(u64(0))
	wantErrno(t, "Lookup key size", err, EINVAL)
	wantErrno(t, "Put out of range", m.Put(u32(4), val), E2BIG)
	wantErrno(t, "Put value size", m.Put(u32(0), nil), EINVAL)
	wantErrno(t, "Put", m.Put(u32(1), []byte("0123456789ab")), 0)
	if got, _ := m.Lookup(u32(1)); string(got) != "0123456789ab" {
		t.Errorf("after Put: %q", got)
	}
	if m.Len() != 4 || len(m.Keys()) != 4 || !bytes.Equal(m.Keys()[3], u32(3)) {
		t.Errorf("Len %d, Keys %x", m.Len(), m.Keys())
	}
	// Operations that belong to other types.
	_, err = m.LookupPerCPU(u32(0))
	wantErrno(t, "LookupPerCPU", err, EOPNOTSUPP)
	wantErrno(t, "PutPerCPU", m.PutPerCPU(u32(0), [][]byte{val}), EOPNOTSUPP)
	wantErrno(t, "Push", m.Push(val, 0), EOPNOTSUPP)
	wantErrno(t, "Pop", m.Pop(val), EOPNOTSUPP)
	wantErrno(t, "Peek", m.Peek(val), EOPNOTSUPP)
	wantErrno(t, "Output", m.Output(val, 0), EOPNOTSUPP)
	wantErrno(t, "SetProgram", m.SetProgram(0, 1), EOPNOTSUPP)
	if m.Reserve(8) != 0 || m.Query(RBRingSize) != 0 {
		t.Error("ring buffer operations work on an array")
	}
	if _, ok := m.Program(0); ok {
		t.Error("prog array operations work on an array")
	}
	if _, err := m.NewReader(); err == nil {
		t.Error("NewReader works on an array")
	}
}

func TestArrayLayout(t *testing.T) {
	s := newSet(t, Options{NumCPU: 2},
		&Spec{Name: "a", Type: Array, KeySize: 4, ValueSize: 13, MaxEntries: 5},
		&Spec{Name: "p", Type: PerCPUArray, KeySize: 4, ValueSize: 8, MaxEntries: 5},
		&Spec{Name: "h", Type: Hash, KeySize: 4, ValueSize: 8, MaxEntries: 5},
	)
	m := s.ByName("a")
	base, stride, n, ok := m.ArrayLayout()
	if !ok || stride != 16 || n != 5 || base%8 != 0 {
		t.Fatalf("ArrayLayout = %#x, %d, %d, %v", base, stride, n, ok)
	}
	for i := range uint32(5) {
		want := base + uint64(i)*16
		if m.LookupAddr(u32(i), 0) != want || m.ValueAddr(i) != want {
			t.Errorf("index %d: LookupAddr %#x, ValueAddr %#x, want %#x", i, m.LookupAddr(u32(i), 0), m.ValueAddr(i), want)
		}
	}
	if m.ValueAddr(5) != 0 {
		t.Error("ValueAddr out of range is not 0")
	}
	for _, name := range []string{"p", "h"} {
		if _, _, _, ok := s.ByName(name).ArrayLayout(); ok || s.ByName(name).ValueAddr(0) != 0 {
			t.Errorf("%s: ArrayLayout or ValueAddr works", name)
		}
	}
}

// TestGlobalData models .data and .rodata: one-element arrays whose value
// is the section, with lddw map_value references resolved by ValueAddr.
func TestGlobalData(t *testing.T) {
	data := []byte("counter\x00\x01\x02\x03")
	ro := []byte("a constant string\x00")
	s := newSet(t, Options{},
		&Spec{Name: ".data", Type: Array, KeySize: 4, ValueSize: uint32(len(data)), MaxEntries: 1, Contents: []KV{{Key: u32(0), Value: data}}},
		&Spec{Name: ".rodata", Type: Array, KeySize: 4, ValueSize: uint32(len(ro)), MaxEntries: 1, Flags: FlagRdonlyProg, ReadOnly: true, Contents: []KV{{Key: u32(0), Value: ro}}},
	)
	rd, rr := regionNamed(t, s, ".data"), regionNamed(t, s, ".rodata")
	if rd.Perm != vm.PermRW || rr.Perm != vm.PermRead || rd.Len != uint64(len(data)) || rr.Len != uint64(len(ro)) {
		t.Fatalf("regions %+v", s.Regions())
	}
	d, r := s.ByName(".data"), s.ByName(".rodata")
	if got := bytesAt(t, s, d.ValueAddr(0), uint64(len(data))); !bytes.Equal(got, data) {
		t.Errorf(".data holds %q", got)
	}
	addr := r.ValueAddr(0)
	if addr != rr.Start {
		t.Fatal(".rodata is not its read-only region")
	}
	if got := bytesAt(t, s, addr+2, 8); string(got) != "constant" {
		t.Errorf(".rodata+2 holds %q", got)
	}
	if !r.ReadOnly() || d.ReadOnly() {
		t.Error("ReadOnly()")
	}
	wantErrno(t, "Put .rodata", r.Put(u32(0), ro), EPERM)
	wantErrno(t, "Update .rodata", r.Update(u32(0), ro, 0, 0), EPERM)
	wantErrno(t, "Delete .rodata", r.Delete(u32(0)), EPERM)
	if got, err := r.Lookup(u32(0)); err != nil || !bytes.Equal(got, ro) {
		t.Errorf("Lookup .rodata = %q, %v", got, err)
	}
}

func TestPerCPUArray(t *testing.T) {
	s := newSet(t, Options{NumCPU: 4}, &Spec{Name: "pc", Type: PerCPUArray, KeySize: 4, ValueSize: 8, MaxEntries: 3,
		Contents: []KV{{Key: u32(2), Value: u64(7)}}})
	m := s.ByName("pc")
	if m.NumCPU() != 4 {
		t.Fatalf("NumCPU %d", m.NumCPU())
	}
	// Contents apply to every CPU.
	vs, err := m.LookupPerCPU(u32(2))
	if err != nil || len(vs) != 4 {
		t.Fatalf("LookupPerCPU: %v %v", vs, err)
	}
	for c, v := range vs {
		if !bytes.Equal(v, u64(7)) {
			t.Errorf("cpu %d: %x", c, v)
		}
	}
	// A program's update on CPU 0 is invisible on CPU 1.
	wantErrno(t, "update cpu 0", m.Update(u32(0), u64(42), UpdateAny, 0), 0)
	a0, a1 := m.LookupAddr(u32(0), 0), m.LookupAddr(u32(0), 1)
	if a0 == a1 || a0 == 0 || a1 == 0 || !inRegions(s, a0, 8) || !inRegions(s, a1, 8) {
		t.Fatalf("addresses %#x %#x", a0, a1)
	}
	if v := binary.NativeEndian.Uint64(bytesAt(t, s, a0, 8)); v != 42 {
		t.Errorf("cpu 0 sees %d", v)
	}
	if v := binary.NativeEndian.Uint64(bytesAt(t, s, a1, 8)); v != 0 {
		t.Errorf("cpu 1 sees %d", v)
	}
	// Writes through cpu 3's pointer stay on cpu 3.
	binary.NativeEndian.PutUint64(bytesAt(t, s, m.LookupAddr(u32(1), 3), 8), 99)
	vs, _ = m.LookupPerCPU(u32(1))
	for c, v := range vs {
		want := uint64(0)
		if c == 3 {
			want = 99
		}
		if binary.NativeEndian.Uint64(v) != want {
			t.Errorf("index 1 cpu %d: %x", c, v)
		}
	}
	// CPU numbers wrap.
	if m.LookupAddr(u32(0), 4) != a0 || m.LookupAddr(u32(0), -3) != a1 {
		t.Error("CPU numbers do not wrap")
	}
	if _, err := m.Lookup(u32(0)); err == nil {
		t.Error("Lookup on a per-CPU map succeeded")
	}
	wantErrno(t, "PutPerCPU count", m.PutPerCPU(u32(0), [][]byte{u64(1)}), EINVAL)
	wantErrno(t, "PutPerCPU size", m.PutPerCPU(u32(0), [][]byte{u64(1), u64(2), u64(3), u32(4)}), EINVAL)
	wantErrno(t, "PutPerCPU range", m.PutPerCPU(u32(3), [][]byte{u64(1), u64(2), u64(3), u64(4)}), E2BIG)
	wantErrno(t, "PutPerCPU", m.PutPerCPU(u32(0), [][]byte{u64(1), u64(2), u64(3), u64(4)}), 0)
	vs, _ = m.LookupPerCPU(u32(0))
	for c, v := range vs {
		if binary.NativeEndian.Uint64(v) != uint64(c+1) {
			t.Errorf("after PutPerCPU cpu %d: %x", c, v)
		}
	}
	wantErrno(t, "Put", m.Put(u32(0), u64(5)), 0)
	vs, _ = m.LookupPerCPU(u32(0))
	for c, v := range vs {
		if binary.NativeEndian.Uint64(v) != 5 {
			t.Errorf("after Put cpu %d: %x", c, v)
		}
	}
	_, err = m.LookupPerCPU(u32(3))
	wantErrno(t, "LookupPerCPU range", err, ENOENT)
	// ForEach gives each CPU's own copies.
	var addrs []uint64
	m.ForEach(2, func(key []byte, addr uint64) bool { addrs = append(addrs, addr); return true })
	for i, a := range addrs {
		if a != m.LookupAddr(u32(uint32(i)), 2) {
			t.Errorf("ForEach cpu 2 index %d: %#x", i, a)
		}
	}
}

// TestPerCPUContents checks both layouts of a per-CPU initial value.
func TestPerCPUContents(t *testing.T) {
	each := append(append(u32(1), 0, 0, 0, 0), append(u32(2), 0, 0, 0, 0)...)
	s := newSet(t, Options{NumCPU: 2}, &Spec{Type: PerCPUHash, KeySize: 4, ValueSize: 4, MaxEntries: 2,
		Contents: []KV{{Key: u32(1), Value: each}, {Key: u32(2), Value: u32(9)}}})
	m := s.Map(0)
	vs, err := m.LookupPerCPU(u32(1))
	if err != nil || !bytes.Equal(vs[0], u32(1)) || !bytes.Equal(vs[1], u32(2)) {
		t.Errorf("per-CPU layout: %x %v", vs, err)
	}
	vs, err = m.LookupPerCPU(u32(2))
	if err != nil || !bytes.Equal(vs[0], u32(9)) || !bytes.Equal(vs[1], u32(9)) {
		t.Errorf("shared value: %x %v", vs, err)
	}
}

func TestArrayForEach(t *testing.T) {
	s := newSet(t, Options{},
		&Spec{Name: "small", Type: Array, KeySize: 4, ValueSize: 8, MaxEntries: 3},
		&Spec{Name: "big", Type: Array, KeySize: 4, ValueSize: 4, MaxEntries: 10},
	)
	m := s.ByName("small")
	var keys []uint32
	n := m.ForEach(0, func(key []byte, addr uint64) bool {
		if !inRegions(s, addr, 8) || addr != m.LookupAddr(key, 0) {
			t.Errorf("value address %#x", addr)
		}
		// The key is readable through its address, in the read-only region.
		k := bytesAt(t, s, addrOf(key), 4)
		keys = append(keys, binary.NativeEndian.Uint32(k))
		return true
	})
	if n != 3 || len(keys) != 3 || keys[0] != 0 || keys[2] != 2 {
		t.Errorf("ForEach visited %d: %v", n, keys)
	}
	ro := regionNamed(t, s, "array keys")
	if ro.Perm != vm.PermRead {
		t.Errorf("array keys are %s", ro.Perm)
	}
	m.ForEach(0, func(key []byte, _ uint64) bool {
		if a := addrOf(key); a-ro.Start >= ro.Len {
			t.Errorf("array key at %#x is not in the read-only region", a)
		}
		return true
	})
	// Stopping early counts the call that stopped.
	calls := 0
	if n := s.ByName("big").ForEach(0, func([]byte, uint64) bool { calls++; return calls < 4 }); n != 4 || calls != 4 {
		t.Errorf("stopped ForEach returned %d after %d calls", n, calls)
	}
}

func TestProgArray(t *testing.T) {
	s := newSet(t, Options{}, &Spec{Name: "jmp", Type: ProgArray, KeySize: 4, ValueSize: 4, MaxEntries: 4,
		Contents: []KV{{Key: u32(1), Value: u32(7)}}})
	m := s.ByName("jmp")
	if p, ok := m.Program(1); !ok || p != 7 {
		t.Errorf("Program(1) = %d, %v", p, ok)
	}
	if _, ok := m.Program(0); ok {
		t.Error("empty slot has a program")
	}
	if _, ok := m.Program(4); ok {
		t.Error("out-of-range slot has a program")
	}
	wantErrno(t, "SetProgram", m.SetProgram(0, 3), 0)
	wantErrno(t, "SetProgram range", m.SetProgram(4, 3), E2BIG)
	wantErrno(t, "SetProgram negative", m.SetProgram(0, -2), EINVAL)
	if p, ok := m.Program(0); !ok || p != 3 {
		t.Errorf("Program(0) = %d, %v", p, ok)
	}
	if m.Len() != 2 || len(m.Keys()) != 2 {
		t.Errorf("Len %d Keys %x", m.Len(), m.Keys())
	}
	if v, err := m.Lookup(u32(0)); err != nil || !bytes.Equal(v, u32(3)) {
		t.Errorf("Lookup(0) = %x, %v", v, err)
	}
	_, err := m.Lookup(u32(2))
	wantErrno(t, "Lookup empty", err, ENOENT)
	wantErrno(t, "Put", m.Put(u32(2), u32(5)), 0)
	wantErrno(t, "Put range", m.Put(u32(9), u32(5)), E2BIG)
	wantErrno(t, "Update flags", m.Update(u32(2), u32(5), UpdateNoExist, 0), EINVAL)
	wantErrno(t, "Delete", m.Delete(u32(2)), 0)
	wantErrno(t, "Delete again", m.Delete(u32(2)), ENOENT)
	wantErrno(t, "Delete range", m.Delete(u32(4)), E2BIG)
	wantErrno(t, "Delete key size", m.Delete(nil), EINVAL)
	wantErrno(t, "SetProgram empty", m.SetProgram(0, -1), 0)
	if _, ok := m.Program(0); ok {
		t.Error("slot still set after SetProgram(-1)")
	}
	if m.LookupAddr(u32(1), 0) != 0 || m.ForEach(0, func([]byte, uint64) bool { return true }) != 0 {
		t.Error("programs can look into a prog array")
	}
}
