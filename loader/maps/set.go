// Package maps implements the eBPF maps of a loaded object for programs
// run by the engines of this module, and for the Go code around them.
//
// Programs see real addresses and the engines check every access against
// memory regions, so map storage cannot be a scattering of Go objects:
// every map of an object lives in one arena, a single 8-byte aligned Go
// allocation (Go heap memory never moves). An address a lookup returns is
// an address inside the arena and stays valid as long as the Set is
// reachable.
//
// The arena is not one region. Each map's program-visible memory is a
// region of its own, with the permissions the kernel gives programs
// (BPF_F_RDONLY_PROG: read, BPF_F_WRONLY_PROG: write, .rodata: read), and
// unused guard gaps of GuardSize bytes separate every region from the
// next: a pointer derived from one map's value that runs off either end
// of the map's values faults instead of reaching another map. Internal
// state stays out of every region: a hash map's keys are a read-only
// region of their own (for_each_map_elem hands programs key pointers),
// apart from its values; queue and stack storage is no region at all
// (programs only copy in and out); ring buffer record headers live in Go
// memory, so a program cannot forge one. Within one map, a pointer may
// still reach the map's other elements: the engines check regions at run
// time, not the type of each pointer as the kernel's verifier does.
//
// Every map offers two faces. The program-facing one (LookupAddr, Update,
// Delete, Push, Pop, Peek, Reserve, Submit, Discard, Output, Query,
// ForEach, Program) takes the raw arguments a helper has and returns bare
// Errno values, without allocating, so a helper can return -errno. The
// Go-facing one (Lookup, LookupPerCPU, Put, PutPerCPU, Keys, Len,
// NewReader) copies, checks sizes and returns descriptive errors. Both are
// safe for concurrent use. Programs that write values through pointers do
// so without synchronisation, as in the kernel. Neither face enforces the
// program access flags: the helpers that serve programs do
// (ProgramPerm), and the engines do for program loads and stores through
// the regions.
package maps

import (
	"encoding/binary"
	"fmt"
	"unsafe"

	"github.com/ebpfjit/ebpfjit/vm"
)

// Options configure a Set.
type Options struct {
	// NumCPU is the number of logical CPUs per-CPU maps keep a copy for.
	// Zero means 1.
	NumCPU int
	// MaxMemory bounds the bytes all maps of the set may use (both arenas
	// plus an estimate of the Go-side bookkeeping). Zero means 1 GiB.
	MaxMemory int
}

// Set is the maps of one loaded object and the arena that holds them.
type Set struct {
	maps    []*Map
	byName  map[string]*Map
	numCPU  int
	arena   []byte      // nil when empty
	regions []vm.Region // sorted by address, disjoint
	rings   []*Map
}

// GuardSize is the gap left unused before, between and after the
// regions of a set's arena: an access up to this many bytes past the end
// (or before the start) of one region hits no region and faults.
const GuardSize = 4096

// NewSet validates specs, lays the maps out in the arena, allocates it and
// writes the initial contents. It fails without allocating the arena when
// a spec is invalid or the maps would exceed opts.MaxMemory.
func NewSet(specs []*Spec, opts Options) (*Set, error) {
	numCPU := opts.NumCPU
	if numCPU == 0 {
		numCPU = 1
	}
	if numCPU < 0 || numCPU > maxNumCPU {
		return nil, fmt.Errorf("maps: NumCPU %d is outside [1, %d]", opts.NumCPU, maxNumCPU)
	}
	maxMem := uint64(defaultMaxMem)
	if opts.MaxMemory < 0 {
		return nil, fmt.Errorf("maps: negative MaxMemory %d", opts.MaxMemory)
	}
	if opts.MaxMemory > 0 {
		maxMem = uint64(opts.MaxMemory)
	}

	// Validate and lay out: a guard gap, then each map's storage followed
	// by a guard gap. Sizes are multiples of 64, so maps do not share
	// cache lines.
	layouts := make([]layout, len(specs))
	offs := make([]uint64, len(specs))
	names := make(map[string]int)
	size := uint64(GuardSize)
	var overhead, maxArray uint64
	for i, s := range specs {
		if s == nil {
			return nil, &SpecError{Index: i, Errno: EINVAL, Msg: "nil spec"}
		}
		if errno, msg := s.check(); errno != 0 {
			return nil, &SpecError{Index: i, Name: s.Name, Errno: errno, Msg: msg}
		}
		if s.Name != "" {
			if j, dup := names[s.Name]; dup {
				return nil, &SpecError{Index: i, Name: s.Name, Errno: EINVAL, Msg: fmt.Sprintf("name already used by map #%d", j)}
			}
			names[s.Name] = i
		}
		l := s.footprint(numCPU)
		layouts[i] = l
		if l.arena > 0 {
			offs[i] = size
			size = addSat(size, addSat(l.arena, GuardSize))
		}
		overhead = addSat(overhead, l.overhead)
		if s.Type.isArray() {
			maxArray = max(maxArray, uint64(s.MaxEntries))
		}
	}
	// Arrays share one read-only table of their keys (0, 1, 2, ... as
	// u32), so that for_each_map_elem can hand programs a key pointer
	// they may read but not corrupt.
	keyTable := mulSat(maxArray, 4)
	keyOff := size
	if keyTable > 0 {
		size = addSat(size, addSat(roundUp64(keyTable), GuardSize))
	}
	if size == GuardSize {
		size = 0 // nothing to hold
	}
	total := addSat(size, overhead)
	if total > maxMem {
		// Name the largest map: with many maps, the one to shrink.
		big := 0
		for i := range specs {
			if layouts[i].arena+layouts[i].overhead > layouts[big].arena+layouts[big].overhead {
				big = i
			}
		}
		return nil, fmt.Errorf("maps: the maps need %s, more than the limit of %s (the largest, map %q, needs %s): %w",
			FormatSize(total), FormatSize(maxMem), specs[big].Name, FormatSize(addSat(layouts[big].arena, layouts[big].overhead)), ENOMEM)
	}

	set := &Set{byName: make(map[string]*Map, len(specs)), numCPU: numCPU}
	words, bytes := newArena(size)
	set.arena = bytes
	var keys []byte
	if keyTable > 0 {
		keys = bytes[keyOff : keyOff+keyTable : keyOff+keyTable]
		for i := range maxArray {
			binary.NativeEndian.PutUint32(keys[i*4:], uint32(i))
		}
	}
	for i, s := range specs {
		l, off := layouts[i], offs[i]
		var m *Map
		if l.arena == 0 {
			m = newMap(s, l, numCPU, nil, nil)
		} else {
			m = newMap(s, l, numCPU, words[off/8:(off+l.arena)/8:(off+l.arena)/8], bytes[off:off+l.arena:off+l.arena])
		}
		if s.Type.isArray() {
			m.keyTable = keys[: uint64(s.MaxEntries)*4 : uint64(s.MaxEntries)*4]
		}
		set.maps = append(set.maps, m)
		set.regions = append(set.regions, m.regions()...)
		if s.Name != "" {
			set.byName[s.Name] = m
		}
		if s.Type == RingBuf {
			set.rings = append(set.rings, m)
		}
	}
	if keyTable > 0 {
		set.regions = append(set.regions, vm.RegionOf("array keys", keys, vm.PermRead))
	}
	for i, s := range specs {
		if err := set.maps[i].applyContents(s.Contents); err != nil {
			return nil, &SpecError{Index: i, Name: s.Name, Errno: errnoIn(err), Msg: err.Error()}
		}
	}
	return set, nil
}

// newArena allocates n bytes (a multiple of 64) as uint64 words, which
// gives the 8-byte alignment values and atomic instructions need, and
// returns both views of the same memory.
func newArena(n uint64) ([]uint64, []byte) {
	if n == 0 {
		return nil, nil
	}
	w := make([]uint64, n/8)
	return w, unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(w))), n)
}

// Regions returns the regions programs may access, for the engines
// (vm.Binding.Regions): per map, its values (and a hash map's keys, read
// only), with the map's program permissions, and the array key table;
// sorted by address and disjoint. The slice is the set's own, the same on
// every call, and must not be modified.
func (s *Set) Regions() []vm.Region { return s.regions }

// Len is the number of maps.
func (s *Set) Len() int { return len(s.maps) }

// Map returns the i-th map, in the order of the specs, or nil.
func (s *Set) Map(i int) *Map {
	if i < 0 || i >= len(s.maps) {
		return nil
	}
	return s.maps[i]
}

// ByName returns the map with the given name, or nil.
func (s *Set) ByName(name string) *Map { return s.byName[name] }

// NumCPU is the number of CPUs per-CPU maps keep copies for.
func (s *Set) NumCPU() int { return s.numCPU }

// RingBufAt returns the ring buffer whose storage holds addr, or nil.
// bpf_ringbuf_submit and bpf_ringbuf_discard get only the record pointer,
// so their helpers find the map with this, as the kernel does through the
// record header.
func (s *Set) RingBufAt(addr uint64) *Map {
	for _, m := range s.rings {
		if addr-m.base < uint64(len(m.mem)) {
			return m
		}
	}
	return nil
}

// FormatSize prints a byte count for error messages ("64.0 MiB").
func FormatSize(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
