package maps

import (
	"bytes"
	"testing"
	"unsafe"

	"github.com/ebpfjit/ebpfjit/vm"
)

// isolationSet has a map of every kind, with and without program access
// flags, next to each other.
func isolationSet(t testing.TB) *Set {
	t.Helper()
	return newSet(t, Options{NumCPU: 2},
		&Spec{Name: "arr", Type: Array, KeySize: 4, ValueSize: 12, MaxEntries: 3},
		&Spec{Name: "arr_ro", Type: Array, KeySize: 4, ValueSize: 8, MaxEntries: 2, Flags: FlagRdonlyProg},
		&Spec{Name: "arr_wo", Type: Array, KeySize: 4, ValueSize: 8, MaxEntries: 2, Flags: FlagWronlyProg},
		&Spec{Name: "pcpu", Type: PerCPUArray, KeySize: 4, ValueSize: 4, MaxEntries: 3},
		&Spec{Name: "hash", Type: Hash, KeySize: 6, ValueSize: 12, MaxEntries: 4},
		&Spec{Name: "hash_ro", Type: Hash, KeySize: 4, ValueSize: 8, MaxEntries: 4, Flags: FlagRdonlyProg},
		&Spec{Name: "hash_wo", Type: LRUPerCPUHash, KeySize: 4, ValueSize: 8, MaxEntries: 4, Flags: FlagWronlyProg},
		&Spec{Name: "queue", Type: Queue, ValueSize: 8, MaxEntries: 4},
		&Spec{Name: "stack", Type: Stack, ValueSize: 8, MaxEntries: 4},
		&Spec{Name: "jmp", Type: ProgArray, KeySize: 4, ValueSize: 4, MaxEntries: 2},
		&Spec{Name: "rb", Type: RingBuf, MaxEntries: 4096},
		&Spec{Name: ".rodata", Type: Array, KeySize: 4, ValueSize: 5, MaxEntries: 1, Flags: FlagRdonlyProg, ReadOnly: true},
	)
}

// TestRegionLayout checks the regions a set gives the engines: sorted and
// disjoint, each map's with the map's program permissions, every one with
// a guard gap of unused arena on both sides, and nothing else of the arena
// (hash map internals, queue storage) inside any region.
func TestRegionLayout(t *testing.T) {
	s := isolationSet(t)
	rs := s.Regions()
	if err := vm.CheckRegions(rs); err != nil {
		t.Fatal(err)
	}
	arena := uint64(uintptr(unsafe.Pointer(unsafe.SliceData(s.arena))))
	end := arena + uint64(len(s.arena))
	prev := arena
	for i, r := range rs {
		if r.Start < prev+GuardSize {
			t.Errorf("region %s starts %d bytes after the previous region (or the arena)", r.Name, r.Start-prev)
		}
		prev = r.Start + r.Len
		if i == len(rs)-1 && end-prev < GuardSize {
			t.Errorf("the last region ends %d bytes before the arena does", end-prev)
		}
	}
	perms := map[string]vm.Perm{
		"arr": vm.PermRW, "arr_ro": vm.PermRead, "arr_wo": vm.PermWrite, "pcpu": vm.PermRW,
		"hash": vm.PermRW, "hash keys": vm.PermRead, "hash_ro": vm.PermRead, "hash_ro keys": vm.PermRead,
		"hash_wo": vm.PermWrite, "hash_wo keys": vm.PermRead, "rb": vm.PermRW, ".rodata": vm.PermRead,
		"array keys": vm.PermRead,
	}
	if len(rs) != len(perms) {
		t.Errorf("%d regions, want %d: %+v", len(rs), len(perms), rs)
	}
	for _, r := range rs {
		if want, ok := perms[r.Name]; !ok || r.Perm != want {
			t.Errorf("region %q is %s, want %s", r.Name, r.Perm, want)
		}
	}
	for name, want := range map[string]uint64{
		"arr":       2*16 + 12,    // up to the last value's last byte
		"pcpu":      64 + 2*8 + 4, // CPU 1's copies start a cache line on
		"hash":      3*16 + 12,    // values only
		"hash_wo":   64 + 3*8 + 8, // both CPUs' values
		"hash keys": 3*8 + 6,      // keys only
		".rodata":   5,
	} {
		if r := regionNamed(t, s, name); r.Len != want {
			t.Errorf("region %s has %d bytes, want %d", name, r.Len, want)
		}
	}
	// Nothing of the queue's or stack's storage is program-visible.
	for _, name := range []string{"queue", "stack"} {
		m := s.ByName(name)
		if err := m.Push(u64(7), 0); err != nil {
			t.Fatal(err)
		}
		for off := uint64(0); off < uint64(len(m.mem)); off += 8 {
			if inRegions(s, m.base+off, 1) {
				t.Errorf("%s storage at +%d is in a region", name, off)
			}
		}
	}
}

// TestHashValuesApartFromKeys: a hash map's values are reachable, its
// keys are only readable and in a region of their own, and a value
// pointer that runs off either end of the values hits no region.
func TestHashValuesApartFromKeys(t *testing.T) {
	s := isolationSet(t)
	m := s.ByName("hash")
	keys := [][]byte{[]byte("first!"), []byte("second"), []byte("third."), []byte("fourth")}
	for _, k := range keys {
		if err := m.Put(k, []byte("value-------")); err != nil {
			t.Fatal(err)
		}
	}
	first, last := ^uint64(0), uint64(0)
	for _, k := range keys {
		a := m.LookupAddr(k, 0)
		if !inRegions(s, a, 12) {
			t.Fatalf("value of %q at %#x is not in a region", k, a)
		}
		first, last = min(first, a), max(last, a)
	}
	values := regionNamed(t, s, "hash")
	if first != values.Start || last+12 != values.Start+values.Len {
		t.Errorf("values [%#x, %#x] do not span the region %+v", first, last+12, values)
	}
	for _, bad := range []uint64{first - 1, first - 32, first - GuardSize, last + 12, last + 16, last + 12 + GuardSize - 1} {
		if inRegions(s, bad, 1) {
			t.Errorf("%#x, next to the hash map's values, is in a region", bad)
		}
	}
	keyRegion := regionNamed(t, s, "hash keys")
	m.ForEach(0, func(key []byte, _ uint64) bool {
		a := addrOf(key)
		if a-keyRegion.Start >= keyRegion.Len || !bytes.Equal(bytesAt(t, s, a, 6), key) {
			t.Errorf("key %q at %#x is not in the key region", key, a)
		}
		return true
	})
}

// TestProgramAccessFlags: the flags decide ProgramPerm, and they are
// about programs: Go code may still write a BPF_F_RDONLY_PROG map, hash
// or array, and read a BPF_F_WRONLY_PROG one. Only a frozen (.rodata) map
// refuses Go writes.
func TestProgramAccessFlags(t *testing.T) {
	s := isolationSet(t)
	for name, want := range map[string]vm.Perm{"arr": vm.PermRW, "arr_ro": vm.PermRead, "arr_wo": vm.PermWrite,
		"hash_ro": vm.PermRead, "hash_wo": vm.PermWrite, "queue": vm.PermRW, ".rodata": vm.PermRead} {
		if got := s.ByName(name).ProgramPerm(); got != want {
			t.Errorf("%s: ProgramPerm %s, want %s", name, got, want)
		}
	}
	for _, name := range []string{"arr_ro", "hash_ro", "arr_wo"} {
		m := s.ByName(name)
		wantErrno(t, name+" Put", m.Put(u32(1), u64(42)), 0)
		wantErrno(t, name+" Update", m.Update(u32(1), u64(43), UpdateAny, 0), 0)
		if v, err := m.Lookup(u32(1)); err != nil || !bytes.Equal(v, u64(43)) {
			t.Errorf("%s: Lookup = %x, %v", name, v, err)
		}
	}
	wantErrno(t, "hash_ro Delete", s.ByName("hash_ro").Delete(u32(1)), 0)
	wantErrno(t, ".rodata Put", s.ByName(".rodata").Put(u32(0), []byte("abcde")), EPERM)
}

// TestRingHeadersOutOfReach: the bytes in front of a record, where the
// kernel keeps its header, are not the header here: a program that
// scribbles over them (it can, they are inside the ring's region) does
// not change what the consumer sees.
func TestRingHeadersOutOfReach(t *testing.T) {
	s := isolationSet(t)
	m := s.ByName("rb")
	rd, err := m.NewReader()
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	a := reserveWrite(t, s, m, []byte("first"))
	b := reserveWrite(t, s, m, []byte("second record"))
	for _, rec := range []uint64{a, b} {
		copy(bytesAt(t, s, rec-8, 8), []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	}
	if err := m.Submit(b, 0); err != nil {
		t.Fatal(err)
	}
	if err := m.Discard(a, 0); err != nil {
		t.Fatal(err)
	}
	rec, err := rd.ReadNonBlocking()
	if err != nil || string(rec) != "second record" {
		t.Fatalf("read %q, %v", rec, err)
	}
	if _, err := rd.ReadNonBlocking(); err != ErrNoRecord {
		t.Fatalf("second read: %v", err)
	}
}
