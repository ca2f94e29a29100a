package maps

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/ebpfjit/ebpfjit/vm"
)

// Type is a map type, numbered as enum bpf_map_type in the Linux UAPI so
// that values read from ELF objects need no translation.
type Type uint32

// The supported map types.
const (
	Hash          Type = 1
	Array         Type = 2
	ProgArray     Type = 3
	PerCPUHash    Type = 5
	PerCPUArray   Type = 6
	LRUHash       Type = 9
	LRUPerCPUHash Type = 10
	Queue         Type = 22
	Stack         Type = 23
	RingBuf       Type = 27
)

var typeNames = map[Type]string{
	Hash:          "hash",
	Array:         "array",
	ProgArray:     "prog_array",
	PerCPUHash:    "percpu_hash",
	PerCPUArray:   "percpu_array",
	LRUHash:       "lru_hash",
	LRUPerCPUHash: "lru_percpu_hash",
	Queue:         "queue",
	Stack:         "stack",
	RingBuf:       "ringbuf",
}

func (t Type) String() string {
	if s, ok := typeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("map type %d", uint32(t))
}

func (t Type) isHash() bool {
	return t == Hash || t == PerCPUHash || t == LRUHash || t == LRUPerCPUHash
}

func (t Type) isLRU() bool   { return t == LRUHash || t == LRUPerCPUHash }
func (t Type) isArray() bool { return t == Array || t == PerCPUArray }
func (t Type) isPerCPU() bool {
	return t == PerCPUHash || t == PerCPUArray || t == LRUPerCPUHash
}
func (t Type) isQueueish() bool { return t == Queue || t == Stack }

// Map creation flags (BPF_F_* of the UAPI). They are validated per type as
// the kernel does, so an object that loads here also loads there. Of the
// rest only the program access flags, BPF_F_RDONLY_PROG and
// BPF_F_WRONLY_PROG, change anything (Map.ProgramPerm): every hash map is
// preallocated, and BPF_F_RDONLY and BPF_F_WRONLY are about the syscall
// side, which Go code is not held to.
const (
	FlagNoPrealloc    = 1 << 0
	FlagNoCommonLRU   = 1 << 1
	FlagNUMANode      = 1 << 2
	FlagRdonly        = 1 << 3
	FlagWronly        = 1 << 4
	FlagZeroSeed      = 1 << 6
	FlagRdonlyProg    = 1 << 7
	FlagWronlyProg    = 1 << 8
	FlagMmapable      = 1 << 10
	FlagPreserveElems = 1 << 11
	FlagInnerMap      = 1 << 12

	flagAccessMask = FlagRdonly | FlagWronly | FlagRdonlyProg | FlagWronlyProg
)

// Update flags of bpf_map_update_elem and bpf_map_push_elem.
const (
	UpdateAny     = 0 // create or replace
	UpdateNoExist = 1 // create only
	UpdateExist   = 2 // replace only; for queues and stacks: overwrite the oldest when full
)

// Ring buffer flags: wake-up control for submit, discard and output, and
// the selectors of bpf_ringbuf_query.
const (
	RBNoWakeup    = 1 << 0
	RBForceWakeup = 1 << 1

	RBAvailData = 0
	RBRingSize  = 1
	RBConsPos   = 2
	RBProdPos   = 3
)

// Kernel limits the validation follows. They keep specs that the kernel
// would refuse from loading here, and bound single allocations.
const (
	maxStack       = 512     // MAX_BPF_STACK: keys are built on the stack
	kmallocMax     = 1 << 22 // KMALLOC_MAX_SIZE with 4 KiB pages
	htabElemSize   = 48      // approximate sizeof(struct htab_elem)
	pcpuMinUnit    = 32 << 10
	pageSize       = 4096
	maxRingSize    = 1 << 30 // record lengths must fit the header's 30 bits
	maxNumCPU      = 4096
	defaultMaxMem  = 1 << 30
	hashOverhead   = 64 // Go-side bytes per hash slot: index entry, key string, free list, LRU links
	ringHdrSize    = 8
	ringBusyBit    = 1 << 31
	ringDiscardBit = 1 << 30
)

// KV is one initial element of a map.
type KV struct {
	Key, Value []byte
}

// Spec describes a map to create.
type Spec struct {
	Name       string
	Type       Type
	KeySize    uint32
	ValueSize  uint32
	MaxEntries uint32 // elements; for ring buffers the data size in bytes
	Flags      uint32
	// Contents are written into the map at creation, as Put would. For
	// queues and stacks the keys must be empty and the values are pushed
	// in order. For per-CPU maps a value is either ValueSize bytes (the
	// same for every CPU) or NumCPU slots of ValueSize rounded up to 8,
	// as the bpf syscall lays them out.
	Contents []KV
	// ReadOnly freezes an array, as libbpf freezes .rodata: programs may
	// only read it (as with FlagRdonlyProg), and Go-side writes fail with
	// EPERM once the set exists.
	ReadOnly bool
}

// ProgramPerm is what programs may do with the values of the map s
// describes (see Map.ProgramPerm).
func (s *Spec) ProgramPerm() vm.Perm { return programPerm(s.ReadOnly, s.Flags) }

func programPerm(readOnly bool, flags uint32) vm.Perm {
	switch {
	case readOnly || flags&FlagRdonlyProg != 0:
		return vm.PermRead
	case flags&FlagWronlyProg != 0:
		return vm.PermWrite
	}
	return vm.PermRW
}

// SpecError says which map of a set is invalid and why, in one line.
// Errno is what the kernel's bpf(BPF_MAP_CREATE) would fail with.
type SpecError struct {
	Index int
	Name  string
	Errno Errno
	Msg   string
}

func (e *SpecError) Error() string {
	if e.Name == "" {
		return fmt.Sprintf("maps: map #%d: %s", e.Index, e.Msg)
	}
	return fmt.Sprintf("maps: map %q: %s", e.Name, e.Msg)
}

func (e *SpecError) Unwrap() error { return e.Errno }

// check validates s the way the kernel's map_alloc_check functions do
// (htab_map_alloc_check, array_map_alloc_check, fd_array_map_alloc_check,
// queue_stack_map_alloc_check, ringbuf_map_alloc) and returns the errno
// and a reason, or 0.
func (s *Spec) check() (Errno, string) {
	t := s.Type
	if _, ok := typeNames[t]; !ok {
		return EINVAL, fmt.Sprintf("unsupported map type %d", uint32(t))
	}
	if s.ReadOnly && t != Array {
		return EINVAL, fmt.Sprintf("only array maps can be read-only, not %s", t)
	}
	if s.Flags&(FlagRdonlyProg|FlagWronlyProg) == FlagRdonlyProg|FlagWronlyProg {
		return EINVAL, "flags make the map both read-only and write-only for programs"
	}
	if t != RingBuf && s.MaxEntries == 0 {
		return EINVAL, "max_entries must be positive"
	}
	var allowed uint32
	switch {
	case t.isHash():
		allowed = FlagNoPrealloc | FlagNoCommonLRU | FlagNUMANode | flagAccessMask | FlagZeroSeed
		if s.Flags&FlagNoCommonLRU != 0 && !t.isLRU() {
			return EINVAL, "BPF_F_NO_COMMON_LRU is only for LRU maps"
		}
		if s.Flags&FlagNoPrealloc != 0 && t.isLRU() {
			return EOPNOTSUPP, "LRU maps must be preallocated (BPF_F_NO_PREALLOC)"
		}
		if s.KeySize == 0 {
			return EINVAL, fmt.Sprintf("%s key size must be positive", t)
		}
		if s.ValueSize == 0 {
			return EINVAL, fmt.Sprintf("%s value size must be positive", t)
		}
		if s.KeySize > maxStack {
			return E2BIG, fmt.Sprintf("key size %d exceeds %d (keys live on the program stack)", s.KeySize, maxStack)
		}
		if uint64(s.ValueSize) >= kmallocMax-maxStack-htabElemSize {
			return E2BIG, fmt.Sprintf("value size %d exceeds %d", s.ValueSize, kmallocMax-maxStack-htabElemSize-1)
		}
	case t.isArray() || t == ProgArray:
		allowed = FlagNUMANode | flagAccessMask
		if t == Array {
			allowed |= FlagMmapable | FlagInnerMap
		}
		if t == ProgArray {
			if s.ValueSize != 4 {
				return EINVAL, fmt.Sprintf("prog_array value size must be 4, got %d", s.ValueSize)
			}
			if s.Flags&(FlagRdonlyProg|FlagWronlyProg) != 0 {
				return EINVAL, "prog_array cannot have program access flags"
			}
		}
		if s.KeySize != 4 {
			return EINVAL, fmt.Sprintf("%s key size must be 4, got %d", t, s.KeySize)
		}
		if s.ValueSize == 0 {
			return EINVAL, fmt.Sprintf("%s value size must be positive", t)
		}
		if s.ValueSize > kmallocMax {
			return E2BIG, fmt.Sprintf("value size %d exceeds %d", s.ValueSize, kmallocMax)
		}
	case t.isQueueish():
		allowed = FlagNUMANode | flagAccessMask
		if s.KeySize != 0 {
			return EINVAL, fmt.Sprintf("%s key size must be 0, got %d", t, s.KeySize)
		}
		if s.ValueSize == 0 {
			return EINVAL, fmt.Sprintf("%s value size must be positive", t)
		}
		if s.ValueSize > kmallocMax {
			return E2BIG, fmt.Sprintf("value size %d exceeds %d", s.ValueSize, kmallocMax)
		}
	case t == RingBuf:
		allowed = FlagNUMANode
		if s.KeySize != 0 || s.ValueSize != 0 {
			return EINVAL, fmt.Sprintf("ringbuf key and value sizes must be 0, got %d and %d", s.KeySize, s.ValueSize)
		}
		n := s.MaxEntries
		if n == 0 || n&(n-1) != 0 || n%pageSize != 0 {
			return EINVAL, fmt.Sprintf("ringbuf size %d must be a power of two and a multiple of %d", n, pageSize)
		}
		if n > maxRingSize {
			return E2BIG, fmt.Sprintf("ringbuf size %d exceeds %d", n, maxRingSize)
		}
	}
	if bad := s.Flags &^ allowed; bad != 0 {
		return EINVAL, fmt.Sprintf("flags %#x are not valid for %s", bad, t)
	}
	if t.isPerCPU() && roundUp8(uint64(s.ValueSize)) > pcpuMinUnit {
		return E2BIG, fmt.Sprintf("per-CPU value size %d exceeds %d", s.ValueSize, pcpuMinUnit)
	}
	return 0, ""
}

// layout is where a map's storage goes: bytes in the arena, plus Go-side
// bookkeeping counted against MaxMemory.
type layout struct {
	arena uint64 // bytes in the arena (a multiple of 64)
	// For hash maps: bytes of the key area at the start of the storage.
	keyArea uint64
	// Offset of the values in the storage: after the key area and a
	// guard gap for hash maps, else 0.
	valOff uint64
	// Distance between two CPUs' copies of the value area (per-CPU maps).
	cpuStride uint64
	overhead  uint64
}

// footprint computes s's layout with saturating arithmetic, so specs with
// absurd numbers come out as "too big" instead of wrapping around.
func (s *Spec) footprint(numCPU int) layout {
	n := uint64(s.MaxEntries)
	stride := roundUp8(uint64(s.ValueSize))
	ncpu := uint64(1)
	if s.Type.isPerCPU() {
		ncpu = uint64(numCPU)
	}
	var l layout
	switch {
	case s.Type.isArray():
		l.cpuStride = roundUp64(mulSat(n, stride))
		l.arena = mulSat(ncpu, l.cpuStride)
	case s.Type.isHash():
		l.keyArea = roundUp64(mulSat(n, roundUp8(uint64(s.KeySize))))
		l.valOff = addSat(l.keyArea, GuardSize)
		l.cpuStride = roundUp64(mulSat(n, stride))
		l.arena = addSat(l.valOff, mulSat(ncpu, l.cpuStride))
		l.overhead = mulSat(n, hashOverhead+uint64(s.KeySize))
	case s.Type == ProgArray:
		l.overhead = mulSat(n, 4)
	case s.Type.isQueueish():
		l.arena = roundUp64(mulSat(n, stride))
	case s.Type == RingBuf:
		// The data area is allocated twice over so that a record that
		// wraps past the end of the ring is still contiguous, as the
		// kernel achieves by mapping the data pages twice. Record
		// headers (one word per 8 bytes of ring) and busy bits are
		// Go-side.
		l.arena = mulSat(n, 2)
		l.overhead = n/2 + n/64
	}
	return l
}

func roundUp8(x uint64) uint64 {
	if x > math.MaxUint64-7 {
		return math.MaxUint64
	}
	return (x + 7) &^ 7
}

func roundUp64(x uint64) uint64 {
	if x > math.MaxUint64-63 {
		return math.MaxUint64
	}
	return (x + 63) &^ 63
}

func mulSat(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi != 0 {
		return math.MaxUint64
	}
	return lo
}

func addSat(a, b uint64) uint64 {
	s, c := bits.Add64(a, b, 0)
	if c != 0 {
		return math.MaxUint64
	}
	return s
}
