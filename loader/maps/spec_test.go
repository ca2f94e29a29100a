package maps

import (
	"errors"
	"strings"
	"testing"

	"github.com/ebpfjit/ebpfjit/vm"
)

func TestSpecValidation(t *testing.T) {
	tests := []struct {
		name  string
		spec  Spec
		errno Errno
		msg   string
	}{
		{"type", Spec{Type: 4, KeySize: 4, ValueSize: 4, MaxEntries: 1}, EINVAL, "unsupported map type 4"},
		{"type0", Spec{Type: 0, KeySize: 4, ValueSize: 4, MaxEntries: 1}, EINVAL, "unsupported map type 0"},
		{"hash-max", Spec{Type: Hash, KeySize: 4, ValueSize: 4}, EINVAL, "max_entries must be positive"},
		{"hash-key0", Spec{Type: Hash, ValueSize: 4, MaxEntries: 1}, EINVAL, "key size must be positive"},
		{"hash-val0", Spec{Type: Hash, KeySize: 4, MaxEntries: 1}, EINVAL, "value size must be positive"},
		{"hash-bigkey", Spec{Type: Hash, KeySize: 513, ValueSize: 4, MaxEntries: 1}, E2BIG, "key size 513 exceeds 512"},
		{"hash-bigval", Spec{Type: Hash, KeySize: 4, ValueSize: 1 << 22, MaxEntries: 1}, E2BIG, "value size"},
		{"hash-flags", Spec{Type: Hash, KeySize: 4, ValueSize: 4, MaxEntries: 1, Flags: FlagMmapable}, EINVAL, "flags 0x400 are not valid for hash"},
		{"hash-nocommonlru", Spec{Type: Hash, KeySize: 4, ValueSize: 4, MaxEntries: 1, Flags: FlagNoCommonLRU}, EINVAL, "only for LRU"},
		{"lru-noprealloc", Spec{Type: LRUHash, KeySize: 4, ValueSize: 4, MaxEntries: 1, Flags: FlagNoPrealloc}, EOPNOTSUPP, "preallocated"},
		{"percpu-bigval", Spec{Type: PerCPUHash, KeySize: 4, ValueSize: 32769, MaxEntries: 1}, E2BIG, "per-CPU value size 32769"},
		{"rdwr-prog", Spec{Type: Hash, KeySize: 4, ValueSize: 4, MaxEntries: 1, Flags: FlagRdonlyProg | FlagWronlyProg}, EINVAL, "both read-only and write-only"},
		{"array-key", Spec{Type: Array, KeySize: 8, ValueSize: 4, MaxEntries: 1}, EINVAL, "array key size must be 4, got 8"},
		{"array-val0", Spec{Type: Array, KeySize: 4, MaxEntries: 1}, EINVAL, "value size must be positive"},
		{"array-max", Spec{Type: Array, KeySize: 4, ValueSize: 4}, EINVAL, "max_entries must be positive"},
		{"array-bigval", Spec{Type: Array, KeySize: 4, ValueSize: 1<<22 + 1, MaxEntries: 1}, E2BIG, "value size 4194305 exceeds"},
		{"array-flags", Spec{Type: Array, KeySize: 4, ValueSize: 4, MaxEntries: 1, Flags: FlagNoPrealloc}, EINVAL, "flags 0x1 are not valid for array"},
		{"percpu-array-mmap", Spec{Type: PerCPUArray, KeySize: 4, ValueSize: 4, MaxEntries: 1, Flags: FlagMmapable}, EINVAL, "not valid for percpu_array"},
		{"percpu-array-bigval", Spec{Type: PerCPUArray, KeySize: 4, ValueSize: 40000, MaxEntries: 1}, E2BIG, "per-CPU value size"},
		{"progarray-val", Spec{Type: ProgArray, KeySize: 4, ValueSize: 8, MaxEntries: 1}, EINVAL, "prog_array value size must be 4, got 8"},
		{"progarray-key", Spec{Type: ProgArray, KeySize: 2, ValueSize: 4, MaxEntries: 1}, EINVAL, "key size must be 4"},
		{"progarray-flags", Spec{Type: ProgArray, KeySize: 4, ValueSize: 4, MaxEntries: 1, Flags: FlagRdonlyProg}, EINVAL, "program access flags"},
		{"queue-key", Spec{Type: Queue, KeySize: 4, ValueSize: 4, MaxEntries: 1}, EINVAL, "queue key size must be 0, got 4"},
		{"stack-val0", Spec{Type: Stack, MaxEntries: 1}, EINVAL, "stack value size must be positive"},
		{"stack-max", Spec{Type: Stack, ValueSize: 4}, EINVAL, "max_entries must be positive"},
		{"queue-bigval", Spec{Type: Queue, ValueSize: 1<<22 + 1, MaxEntries: 1}, E2BIG, "exceeds"},
		{"queue-flags", Spec{Type: Queue, ValueSize: 4, MaxEntries: 1, Flags: FlagZeroSeed}, EINVAL, "not valid for queue"},
		{"ringbuf-notpow2", Spec{Type: RingBuf, MaxEntries: 3 * 4096}, EINVAL, "ringbuf size 12288 must be a power of two and a multiple of 4096"},
		{"ringbuf-small", Spec{Type: RingBuf, MaxEntries: 2048}, EINVAL, "multiple of 4096"},
		{"ringbuf-zero", Spec{Type: RingBuf}, EINVAL, "ringbuf size 0"},
		{"ringbuf-kv", Spec{Type: RingBuf, KeySize: 4, MaxEntries: 4096}, EINVAL, "key and value sizes must be 0"},
		{"ringbuf-huge", Spec{Type: RingBuf, MaxEntries: 1 << 31}, E2BIG, "exceeds"},
		{"ringbuf-flags", Spec{Type: RingBuf, MaxEntries: 4096, Flags: FlagRdonly}, EINVAL, "not valid for ringbuf"},
		{"ringbuf-contents", Spec{Type: RingBuf, MaxEntries: 4096, Contents: []KV{{}}}, EINVAL, "cannot have initial contents"},
		{"readonly-hash", Spec{Type: Hash, KeySize: 4, ValueSize: 4, MaxEntries: 1, ReadOnly: true}, EINVAL, "only array maps can be read-only"},
		{"contents-key", Spec{Type: Array, KeySize: 4, ValueSize: 4, MaxEntries: 1, Contents: []KV{{Key: []byte{1}, Value: u32(1)}}}, EINVAL, "contents[0]: key is 1 bytes, want 4"},
		{"contents-value", Spec{Type: Hash, KeySize: 4, ValueSize: 4, MaxEntries: 1, Contents: []KV{{Key: u32(1), Value: u64(1)}}}, EINVAL, "contents[0]: value is 8 bytes, want 4"},
		{"contents-index", Spec{Type: Array, KeySize: 4, ValueSize: 4, MaxEntries: 2, Contents: []KV{{Key: u32(0), Value: u32(0)}, {Key: u32(2), Value: u32(0)}}}, E2BIG, "contents[1]: index 2 is out of range [0, 2)"},
		{"contents-full", Spec{Type: Hash, KeySize: 4, ValueSize: 4, MaxEntries: 1, Contents: []KV{{Key: u32(0), Value: u32(0)}, {Key: u32(2), Value: u32(0)}}}, E2BIG, "more elements than max_entries 1"},
		{"contents-queue", Spec{Type: Queue, ValueSize: 4, MaxEntries: 1, Contents: []KV{{Value: u32(0)}, {Value: u32(0)}}}, E2BIG, "more elements than max_entries 1"},
		{"contents-queue-key", Spec{Type: Queue, ValueSize: 4, MaxEntries: 1, Contents: []KV{{Key: u32(0), Value: u32(0)}}}, EINVAL, "contents[0]: key is 4 bytes, want 0"},
		{"contents-percpu", Spec{Type: PerCPUArray, KeySize: 4, ValueSize: 4, MaxEntries: 1, Contents: []KV{{Key: u32(0), Value: make([]byte, 12)}}}, EINVAL, "value is 12 bytes"},
		{"contents-prog", Spec{Type: ProgArray, KeySize: 4, ValueSize: 4, MaxEntries: 1, Contents: []KV{{Key: u32(0), Value: u32(1 << 31)}}}, EINVAL, "contents[0]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ok := &Spec{Name: "fine", Type: Array, KeySize: 4, ValueSize: 4, MaxEntries: 1}
			spec := tc.spec
			spec.Name = "m-" + tc.name
			_, err := NewSet([]*Spec{ok, &spec}, Options{NumCPU: 2})
			if err == nil {
				t.Fatal("NewSet succeeded")
			}
			var se *SpecError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a *SpecError", err)
			}
			if se.Index != 1 || se.Name != spec.Name {
				t.Errorf("error names map #%d %q, want #1 %q", se.Index, se.Name, spec.Name)
			}
			wantErrno(t, "errno", err, tc.errno)
			msg := err.Error()
			if !strings.Contains(msg, tc.msg) {
				t.Errorf("error %q does not contain %q", msg, tc.msg)
			}
			if !strings.Contains(msg, `"`+spec.Name+`"`) {
				t.Errorf("error %q does not name the map", msg)
			}
			if strings.ContainsAny(msg, "\n\r") {
				t.Errorf("error %q is not one line", msg)
			}
		})
	}
}

func TestSetErrors(t *testing.T) {
	a := &Spec{Name: "a", Type: Array, KeySize: 4, ValueSize: 4, MaxEntries: 1}
	tests := []struct {
		name  string
		specs []*Spec
		opts  Options
		msg   string
	}{
		{"nil", []*Spec{a, nil}, Options{}, "maps: map #1: nil spec"},
		{"dup", []*Spec{a, a}, Options{}, `maps: map "a": name already used by map #0`},
		{"unnamed", []*Spec{{Type: Array, MaxEntries: 1}}, Options{}, "maps: map #0: array key size must be 4, got 0"},
		{"cpus", []*Spec{a}, Options{NumCPU: -1}, "NumCPU -1"},
		{"cpus-big", []*Spec{a}, Options{NumCPU: 1 << 20}, "NumCPU 1048576"},
		{"mem", []*Spec{a}, Options{MaxMemory: -5}, "negative MaxMemory"},
	}
	for _, tc := range tests {
		_, err := NewSet(tc.specs, tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.msg)
		}
	}
}

// TestOversize checks that maps whose storage would exceed MaxMemory are
// refused before anything is allocated, including sizes whose products
// overflow 64 bits.
func TestOversize(t *testing.T) {
	tests := []struct {
		name  string
		specs []*Spec
		opts  Options
	}{
		{"array-default-limit", []*Spec{{Type: Array, KeySize: 4, ValueSize: 1 << 20, MaxEntries: 1 << 12}}, Options{}},
		{"array-huge", []*Spec{{Type: Array, KeySize: 4, ValueSize: 1 << 22, MaxEntries: 1<<32 - 1}}, Options{}},
		{"percpu-overflow", []*Spec{{Type: PerCPUArray, KeySize: 4, ValueSize: 32768, MaxEntries: 1<<32 - 1}}, Options{NumCPU: 4096}},
		{"hash", []*Spec{{Type: Hash, KeySize: 512, ValueSize: 8, MaxEntries: 1 << 24}}, Options{}},
		{"ringbuf", []*Spec{{Type: RingBuf, MaxEntries: 1 << 30}}, Options{}},
		{"sum", []*Spec{
			{Name: "a", Type: Array, KeySize: 4, ValueSize: 8, MaxEntries: 100},
			{Name: "b", Type: Queue, ValueSize: 8, MaxEntries: 100},
		}, Options{MaxMemory: 1000}},
		{"rodata", []*Spec{{Type: Array, KeySize: 4, ValueSize: 4096, MaxEntries: 1, ReadOnly: true}}, Options{MaxMemory: 4096}},
	}
	for _, tc := range tests {
		_, err := NewSet(tc.specs, tc.opts)
		wantErrno(t, tc.name, err, ENOMEM)
		if err != nil && !strings.Contains(err.Error(), "more than the limit") {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	// The limit is exact: 100 values of 8 bytes padded to 832, and the
	// key table of 400 bytes padded to 448, with a guard gap before,
	// between and after them.
	spec := &Spec{Type: Array, KeySize: 4, ValueSize: 8, MaxEntries: 100}
	need := 832 + 448 + 3*GuardSize
	s := newSet(t, Options{MaxMemory: need}, spec)
	if s.Map(0).Len() != 100 {
		t.Error("array has the wrong length")
	}
	_, err := NewSet([]*Spec{spec}, Options{MaxMemory: need - 1})
	wantErrno(t, "one byte less", err, ENOMEM)
}

func TestTypeString(t *testing.T) {
	if Hash.String() != "hash" || RingBuf.String() != "ringbuf" || Type(99).String() != "map type 99" {
		t.Error("Type.String")
	}
}

func TestSetAccessors(t *testing.T) {
	empty := newSet(t, Options{})
	if empty.Len() != 0 || len(empty.Regions()) != 0 || empty.Map(0) != nil || empty.ByName("x") != nil || empty.NumCPU() != 1 {
		t.Error("empty set")
	}
	// A ring buffer's data area, a hash map's keys (read-only, 2 slots
	// of 8 bytes up to the last key's end) and values; no region for the
	// prog array, no array key table.
	s := newSet(t, Options{NumCPU: 3},
		&Spec{Name: "rb", Type: RingBuf, MaxEntries: 4096},
		&Spec{Type: ProgArray, KeySize: 4, ValueSize: 4, MaxEntries: 2},
		&Spec{Name: "h", Type: Hash, KeySize: 4, ValueSize: 4, MaxEntries: 2, Flags: FlagNoPrealloc},
	)
	rs := s.Regions()
	if len(rs) != 3 || rs[0].Name != "rb" || rs[0].Perm != vm.PermRW || rs[0].Start%8 != 0 || rs[0].Len != 2*4096 ||
		rs[1].Name != "h keys" || rs[1].Perm != vm.PermRead || rs[1].Len != 12 ||
		rs[2].Name != "h" || rs[2].Perm != vm.PermRW || rs[2].Len != 12 {
		t.Errorf("regions %+v", rs)
	}
	if s.Len() != 3 || s.Map(-1) != nil || s.Map(3) != nil || s.Map(1).Name() != "" || s.ByName("rb") != s.Map(0) || s.NumCPU() != 3 {
		t.Error("accessors")
	}
	h := s.ByName("h")
	if h.Type() != Hash || h.KeySize() != 4 || h.ValueSize() != 4 || h.MaxEntries() != 2 || h.Flags() != FlagNoPrealloc || h.NumCPU() != 1 {
		t.Error("map accessors")
	}
	if h.String() != `hash map "h"` {
		t.Errorf("String() = %q", h.String())
	}
}
