package maps

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"unsafe"

	"github.com/ebpfjit/ebpfjit/vm"
)

// Map is one map of a Set. The kind-specific state lives in one of the
// pointer fields and methods switch on the type. Operations that do not
// apply to a type return EOPNOTSUPP, or a zero address or false; except
// that Submit and Discard give EINVAL (the address is not a reservation of
// m) and Delete on arrays, queues and stacks gives EINVAL, as in the
// kernel.
type Map struct {
	name       string
	typ        Type
	keySize    uint32
	valueSize  uint32
	maxEntries uint32
	flags      uint32
	readOnly   bool
	numCPU     int // copies per value: NumCPU for per-CPU maps, else 1

	stride    uint64   // bytes per value slot: valueSize rounded up to 8
	cpuStride uint64   // distance between two CPUs' value areas
	valOff    uint64   // offset of the value area in mem (hash: after the keys and a guard gap)
	mem       []byte   // this map's part of its arena
	words     []uint64 // the same memory as words, for atomic copies
	base      uint64   // address of mem[0]
	keyTable  []byte   // arrays: u32 indices 0..maxEntries-1 in the read-only arena

	hash  *hashTable
	queue *queue
	ring  *ringBuf
	progs []atomic.Int32 // prog array slots: program index, -1 when empty
}

func newMap(s *Spec, l layout, numCPU int, words []uint64, mem []byte) *Map {
	m := &Map{
		name:       s.Name,
		typ:        s.Type,
		keySize:    s.KeySize,
		valueSize:  s.ValueSize,
		maxEntries: s.MaxEntries,
		flags:      s.Flags,
		readOnly:   s.ReadOnly,
		numCPU:     1,
		stride:     roundUp8(uint64(s.ValueSize)),
		cpuStride:  l.cpuStride,
		valOff:     l.valOff,
		mem:        mem,
		words:      words,
	}
	if len(mem) > 0 {
		m.base = uint64(uintptr(unsafe.Pointer(unsafe.SliceData(mem))))
	}
	if s.Type.isPerCPU() {
		m.numCPU = numCPU
	}
	switch {
	case s.Type.isHash():
		m.hash = newHashTable(m)
	case s.Type.isQueueish():
		m.queue = &queue{stack: s.Type == Stack}
	case s.Type == RingBuf:
		m.ring = newRingBuf(m)
	case s.Type == ProgArray:
		m.progs = make([]atomic.Int32, s.MaxEntries)
		for i := range m.progs {
			m.progs[i].Store(-1)
		}
	}
	return m
}

// Name is the map's name from its spec.
func (m *Map) Name() string { return m.name }

// Type is the map's type.
func (m *Map) Type() Type { return m.typ }

// KeySize is the key size in bytes.
func (m *Map) KeySize() uint32 { return m.keySize }

// ValueSize is the value size in bytes.
func (m *Map) ValueSize() uint32 { return m.valueSize }

// MaxEntries is the capacity (for ring buffers, the data size in bytes).
func (m *Map) MaxEntries() uint32 { return m.maxEntries }

// Flags are the creation flags.
func (m *Map) Flags() uint32 { return m.flags }

// ReadOnly reports whether the map is frozen read-only (.rodata):
// neither programs nor Go may change it once the set exists.
func (m *Map) ReadOnly() bool { return m.readOnly }

// ProgramPerm is what programs may do with the map's values: read and
// write, only read (BPF_F_RDONLY_PROG, or a frozen .rodata map) or only
// write (BPF_F_WRONLY_PROG). Programs may not change a map they may only
// read through helpers either (update, delete, push, pop), as the
// kernel's verifier forbids; Go code may.
func (m *Map) ProgramPerm() vm.Perm { return programPerm(m.readOnly, m.flags) }

// regions lists the map's program-visible memory: nothing for queues,
// stacks and prog arrays; the values of arrays and hash maps (ending at
// the last value's last byte, so that the padding after it is outside);
// a hash map's keys, read-only, at the start of its storage; a ring
// buffer's data area.
func (m *Map) regions() []vm.Region {
	valueRegion := func() vm.Region {
		n := uint64(m.numCPU-1)*m.cpuStride + uint64(m.maxEntries-1)*m.stride + uint64(m.valueSize)
		return vm.RegionOf(m.name, m.mem[m.valOff:m.valOff+n], m.ProgramPerm())
	}
	switch {
	case m.typ.isArray():
		return []vm.Region{valueRegion()}
	case m.hash != nil:
		n := uint64(m.maxEntries-1)*m.hash.keyStride + uint64(m.keySize)
		return []vm.Region{vm.RegionOf(m.name+" keys", m.mem[:n], vm.PermRead), valueRegion()}
	case m.ring != nil:
		return []vm.Region{vm.RegionOf(m.name, m.mem, vm.PermRW)}
	}
	return nil
}

// NumCPU is the number of copies of each value: the set's NumCPU for
// per-CPU maps, 1 for the others.
func (m *Map) NumCPU() int { return m.numCPU }

func (m *Map) String() string {
	return fmt.Sprintf("%s map %q", m.typ, m.name)
}

// cpu maps a caller's CPU number onto the map's copies. Out-of-range
// numbers wrap instead of failing: a program must always get a value
// pointer from a per-CPU array, and an embedder that runs more goroutines
// than it declared CPUs then merely shares copies between them.
func (m *Map) cpu(cpu int) uint64 {
	if m.numCPU == 1 {
		return 0
	}
	c := cpu % m.numCPU
	if c < 0 {
		c += m.numCPU
	}
	return uint64(c)
}

// valueOff is the offset in mem of a slot's value for one CPU.
func (m *Map) valueOff(slot, cpu uint64) uint64 {
	return m.valOff + cpu*m.cpuStride + slot*m.stride
}

// valueWords is a slot's value for one CPU as words.
func (m *Map) valueWords(slot, cpu uint64) []uint64 {
	o := m.valueOff(slot, cpu) / 8
	return m.words[o : o+m.stride/8]
}

// arrayIndex decodes an array key; keys are u32 in host byte order.
func (m *Map) arrayIndex(key []byte) (uint32, bool) {
	if len(key) != 4 {
		return 0, false
	}
	return binary.NativeEndian.Uint32(key), true
}

// writeValue stores a value into a slot. cpu < 0 writes every CPU's copy;
// otherwise only cpu's, and when fresh (a new hash element) the other
// CPUs' copies are zeroed, as the kernel does for a program's insert. each,
// when set, holds one value per CPU.
func (m *Map) writeValue(slot uint64, value []byte, each [][]byte, cpu int, fresh bool) {
	switch {
	case each != nil:
		for c := range m.numCPU {
			storeWords(m.valueWords(slot, uint64(c)), each[c])
		}
	case cpu < 0 || m.numCPU == 1:
		for c := range m.numCPU {
			storeWords(m.valueWords(slot, uint64(c)), value)
		}
	default:
		for c := range m.numCPU {
			if c == cpu {
				storeWords(m.valueWords(slot, uint64(c)), value)
			} else if fresh {
				zeroWords(m.valueWords(slot, uint64(c)))
			}
		}
	}
}

// readValue copies one CPU's copy of a slot's value.
func (m *Map) readValue(slot, cpu uint64) []byte {
	b := make([]byte, m.valueSize)
	loadWords(b, m.valueWords(slot, cpu))
	return b
}

// ---- program-facing operations ----

// LookupAddr returns the address of the value for key (cpu's copy in a
// per-CPU map), or 0 when there is none: absent key, array index out of
// range, or a map type programs cannot look up (prog arrays, queues,
// stacks, ring buffers). The address stays valid while the element lives;
// updates write in place, so it sees them.
func (m *Map) LookupAddr(key []byte, cpu int) uint64 {
	switch {
	case m.typ.isArray():
		i, ok := m.arrayIndex(key)
		if !ok || i >= m.maxEntries {
			return 0
		}
		return m.base + m.valueOff(uint64(i), m.cpu(cpu))
	case m.hash != nil:
		slot, ok := m.hash.lookup(key, true)
		if !ok {
			return 0
		}
		return m.base + m.valueOff(uint64(slot), m.cpu(cpu))
	}
	return 0
}

// Update creates or replaces the element for key, following
// bpf_map_update_elem: flags is UpdateAny, UpdateNoExist or UpdateExist
// (anything else is EINVAL). Arrays fail with E2BIG for an index out of
// range and EEXIST for UpdateNoExist; full hash maps fail with E2BIG
// except LRU maps, which evict. In a per-CPU map it writes cpu's copy (a
// new element starts zeroed on the other CPUs). For queues and stacks it
// is Push (key must be empty); for prog arrays it sets the slot to the
// program index in value (u32) and flags must be UpdateAny.
func (m *Map) Update(key, value []byte, flags uint64, cpu int) error {
	return errOf(m.update(key, value, nil, flags, int(m.cpu(cpu)), false))
}

func (m *Map) update(key, value []byte, each [][]byte, flags uint64, cpu int, force bool) Errno {
	if m.ring != nil {
		return EOPNOTSUPP
	}
	if m.readOnly && !force {
		return EPERM
	}
	if each == nil && uint64(len(value)) != uint64(m.valueSize) {
		return EINVAL
	}
	switch {
	case m.typ.isArray():
		if flags > UpdateExist {
			return EINVAL
		}
		i, ok := m.arrayIndex(key)
		if !ok {
			return EINVAL
		}
		if i >= m.maxEntries {
			return E2BIG
		}
		if flags == UpdateNoExist {
			return EEXIST
		}
		m.writeValue(uint64(i), value, each, cpu, false)
		return 0
	case m.hash != nil:
		if flags > UpdateExist {
			return EINVAL
		}
		if uint64(len(key)) != uint64(m.keySize) {
			return EINVAL
		}
		return m.hash.update(key, value, each, flags, cpu)
	case m.queue != nil:
		if len(key) != 0 {
			return EINVAL
		}
		return m.push(value, flags)
	case m.typ == ProgArray:
		if flags != UpdateAny {
			return EINVAL
		}
		i, ok := m.arrayIndex(key)
		if !ok {
			return EINVAL
		}
		prog := binary.NativeEndian.Uint32(value)
		if prog > 1<<31-1 {
			return EINVAL
		}
		return m.setProgram(i, int(prog))
	}
	return EOPNOTSUPP
}

// Delete removes the element for key: ENOENT when absent, EINVAL for
// arrays (their elements always exist), queues and stacks, E2BIG for a
// prog array index out of range, EPERM for read-only maps, EOPNOTSUPP for
// ring buffers.
func (m *Map) Delete(key []byte) error {
	if m.readOnly {
		return EPERM
	}
	switch {
	case m.typ.isArray() || m.queue != nil:
		return EINVAL
	case m.hash != nil:
		if uint64(len(key)) != uint64(m.keySize) {
			return EINVAL
		}
		return errOf(m.hash.delete(key))
	case m.typ == ProgArray:
		i, ok := m.arrayIndex(key)
		if !ok {
			return EINVAL
		}
		if i >= m.maxEntries {
			return E2BIG
		}
		if m.progs[i].Swap(-1) < 0 {
			return ENOENT
		}
		return nil
	}
	return EOPNOTSUPP
}

// ForEach calls fn for each element of a hash or array map, with the key
// and the address of cpu's copy of the value, until fn returns false, and
// returns how many times it called fn (bpf_for_each_map_elem's result).
// The key aliases program-visible memory inside the set's regions
// (writable for hash maps, read-only for arrays), so a helper can pass its
// address to the program's callback; it must not be modified. No lock is
// held while fn runs, so fn may update or delete elements; elements added
// or removed meanwhile may or may not be visited. Other types: 0.
func (m *Map) ForEach(cpu int, fn func(key []byte, valueAddr uint64) bool) int {
	c := m.cpu(cpu)
	switch {
	case m.typ.isArray():
		for i := range uint64(m.maxEntries) {
			if !fn(m.keyTable[i*4:i*4+4:i*4+4], m.base+m.valueOff(i, c)) {
				return int(i) + 1
			}
		}
		return int(m.maxEntries)
	case m.hash != nil:
		return m.hash.forEach(func(slot uint32) bool {
			return fn(m.hash.keyBytes(slot), m.base+m.valueOff(uint64(slot), c))
		})
	}
	return 0
}

// ArrayLayout describes a plain array's storage so that compiled code can
// inline lookups: the value of index i is at base + i*stride for
// i < maxEntries. ok is false for every other map type, including per-CPU
// arrays.
func (m *Map) ArrayLayout() (base uint64, stride uint32, maxEntries uint32, ok bool) {
	if m.typ != Array {
		return 0, 0, 0, false
	}
	return m.base, uint32(m.stride), m.maxEntries, true
}

// ValueAddr is the address of a plain array's value at index (global data
// sections are one-element arrays; lddw map_value references resolve to
// ValueAddr(0) + offset), or 0 when index is out of range or the map is
// not a plain array.
func (m *Map) ValueAddr(index uint32) uint64 {
	if m.typ != Array || index >= m.maxEntries {
		return 0
	}
	return m.base + m.valueOff(uint64(index), 0)
}

// SetProgram stores a program index in a prog array slot; prog -1 empties
// it. E2BIG for an index out of range, EINVAL for a negative prog other
// than -1, EOPNOTSUPP for other map types.
func (m *Map) SetProgram(index uint32, prog int) error {
	if m.typ != ProgArray {
		return EOPNOTSUPP
	}
	return errOf(m.setProgram(index, prog))
}

func (m *Map) setProgram(index uint32, prog int) Errno {
	if index >= m.maxEntries {
		return E2BIG
	}
	if prog < -1 || prog > 1<<31-1 {
		return EINVAL
	}
	m.progs[index].Store(int32(prog))
	return 0
}

// Program returns the program index in a prog array slot, for tail calls.
// ok is false when the slot is empty, out of range, or m is not a prog
// array.
func (m *Map) Program(index uint32) (prog int, ok bool) {
	if m.typ != ProgArray || index >= m.maxEntries {
		return 0, false
	}
	p := m.progs[index].Load()
	return int(p), p >= 0
}

// ---- Go-facing operations ----

// errorf builds the descriptive errors of the Go-facing API: they name the
// map and the operation and wrap an Errno for errors.Is.
func (m *Map) errorf(errno Errno, format string, args ...any) error {
	return fmt.Errorf("map %q: %s: %w", m.name, fmt.Sprintf(format, args...), errno)
}

// checkKey reports a key of the wrong size.
func (m *Map) checkKey(op string, key []byte) error {
	if uint64(len(key)) != uint64(m.keySize) {
		return m.errorf(EINVAL, "%s: key is %d bytes, the map's keys are %d", op, len(key), m.keySize)
	}
	return nil
}

// Lookup returns a copy of the value for key. Queues and stacks peek (key
// must be empty); prog arrays return the program index as a u32. Per-CPU
// maps need LookupPerCPU.
func (m *Map) Lookup(key []byte) ([]byte, error) {
	if err := m.checkKey("lookup", key); err != nil {
		return nil, err
	}
	switch {
	case m.typ.isPerCPU():
		return nil, m.errorf(EINVAL, "lookup: per-CPU map, use LookupPerCPU")
	case m.typ == Array:
		i, _ := m.arrayIndex(key)
		if i >= m.maxEntries {
			return nil, m.errorf(ENOENT, "lookup: index %d is out of range [0, %d)", i, m.maxEntries)
		}
		return m.readValue(uint64(i), 0), nil
	case m.hash != nil:
		var v []byte
		ok := m.hash.with(key, func(slot uint32) { v = m.readValue(uint64(slot), 0) })
		if !ok {
			return nil, m.errorf(ENOENT, "lookup key %x", key)
		}
		return v, nil
	case m.queue != nil:
		v := make([]byte, m.valueSize)
		if e := m.peek(v, false); e != 0 {
			return nil, m.errorf(e, "peek")
		}
		return v, nil
	case m.typ == ProgArray:
		i, _ := m.arrayIndex(key)
		p, ok := m.Program(i)
		if !ok {
			return nil, m.errorf(ENOENT, "lookup index %d", i)
		}
		return binary.NativeEndian.AppendUint32(nil, uint32(p)), nil
	}
	return nil, m.errorf(EOPNOTSUPP, "lookup on a %s", m.typ)
}

// LookupPerCPU returns a copy of every CPU's value for key in a per-CPU
// map.
func (m *Map) LookupPerCPU(key []byte) ([][]byte, error) {
	if err := m.checkKey("lookup", key); err != nil {
		return nil, err
	}
	var slot uint64
	switch m.typ {
	case PerCPUArray:
		i, _ := m.arrayIndex(key)
		if i >= m.maxEntries {
			return nil, m.errorf(ENOENT, "lookup: index %d is out of range [0, %d)", i, m.maxEntries)
		}
		slot = uint64(i)
	case PerCPUHash, LRUPerCPUHash:
		var vs [][]byte
		ok := m.hash.with(key, func(s uint32) {
			for c := range m.numCPU {
				vs = append(vs, m.readValue(uint64(s), uint64(c)))
			}
		})
		if !ok {
			return nil, m.errorf(ENOENT, "lookup key %x", key)
		}
		return vs, nil
	default:
		return nil, m.errorf(EOPNOTSUPP, "LookupPerCPU on a %s", m.typ)
	}
	vs := make([][]byte, m.numCPU)
	for c := range vs {
		vs[c] = m.readValue(slot, uint64(c))
	}
	return vs, nil
}

// Put creates or replaces the element for key (every CPU's copy in a
// per-CPU map). Queues and stacks push (key must be empty); prog arrays
// take the program index as a u32 value. Read-only maps refuse with EPERM.
func (m *Map) Put(key, value []byte) error {
	if err := m.checkKey("put", key); err != nil {
		return err
	}
	if uint64(len(value)) != uint64(m.valueSize) {
		return m.errorf(EINVAL, "put: value is %d bytes, the map's values are %d", len(value), m.valueSize)
	}
	return m.putErr(key, m.update(key, value, nil, UpdateAny, -1, false))
}

// PutPerCPU creates or replaces the element for key in a per-CPU map with
// one value per CPU.
func (m *Map) PutPerCPU(key []byte, values [][]byte) error {
	if !m.typ.isPerCPU() {
		return m.errorf(EOPNOTSUPP, "PutPerCPU on a %s", m.typ)
	}
	if err := m.checkKey("put", key); err != nil {
		return err
	}
	if len(values) != m.numCPU {
		return m.errorf(EINVAL, "put: %d values for %d CPUs", len(values), m.numCPU)
	}
	for c, v := range values {
		if uint64(len(v)) != uint64(m.valueSize) {
			return m.errorf(EINVAL, "put: value for CPU %d is %d bytes, the map's values are %d", c, len(v), m.valueSize)
		}
	}
	return m.putErr(key, m.update(key, nil, values, UpdateAny, -1, false))
}

func (m *Map) putErr(key []byte, e Errno) error {
	switch e {
	case 0:
		return nil
	case EPERM:
		return m.errorf(e, "put: the map is read-only")
	case E2BIG:
		if m.typ.isArray() || m.typ == ProgArray {
			return m.errorf(e, "put: index %d is out of range [0, %d)", binary.NativeEndian.Uint32(key), m.maxEntries)
		}
		return m.errorf(e, "put key %x: the map is full (%d entries)", key, m.maxEntries)
	}
	return m.errorf(e, "put key %x", key)
}

// Keys returns copies of the keys present, sorted bytewise (by index for
// arrays). Queues, stacks and ring buffers have no keys.
func (m *Map) Keys() [][]byte {
	switch {
	case m.typ.isArray():
		ks := make([][]byte, m.maxEntries)
		for i := range ks {
			ks[i] = binary.NativeEndian.AppendUint32(nil, uint32(i))
		}
		return ks
	case m.hash != nil:
		ks := m.hash.keys()
		slices.SortFunc(ks, bytes.Compare)
		return ks
	case m.typ == ProgArray:
		var ks [][]byte
		for i := range m.progs {
			if m.progs[i].Load() >= 0 {
				ks = append(ks, binary.NativeEndian.AppendUint32(nil, uint32(i)))
			}
		}
		return ks
	}
	return nil
}

// Len is the number of elements: max_entries for arrays, the elements
// present for hash maps, queues, stacks and prog arrays, the bytes not yet
// consumed for ring buffers.
func (m *Map) Len() int {
	switch {
	case m.typ.isArray():
		return int(m.maxEntries)
	case m.hash != nil:
		return int(m.hash.count.Load())
	case m.queue != nil:
		m.queue.mu.Lock()
		defer m.queue.mu.Unlock()
		return int(m.queue.count)
	case m.ring != nil:
		return int(m.ring.query(RBAvailData))
	case m.typ == ProgArray:
		n := 0
		for i := range m.progs {
			if m.progs[i].Load() >= 0 {
				n++
			}
		}
		return n
	}
	return 0
}

// applyContents writes a spec's initial elements, bypassing the read-only
// check (that is how .rodata gets its bytes).
func (m *Map) applyContents(kvs []KV) error {
	if len(kvs) > 0 && m.typ == RingBuf {
		return errors.New("ring buffers cannot have initial contents")
	}
	for i, kv := range kvs {
		if uint64(len(kv.Key)) != uint64(m.keySize) {
			return fmt.Errorf("contents[%d]: key is %d bytes, want %d: %w", i, len(kv.Key), m.keySize, EINVAL)
		}
		var each [][]byte
		value := kv.Value
		if m.numCPU > 1 && uint64(len(value)) == m.stride*uint64(m.numCPU) && uint64(len(value)) != uint64(m.valueSize) {
			for c := range uint64(m.numCPU) {
				each = append(each, value[c*m.stride:c*m.stride+uint64(m.valueSize)])
			}
			value = nil
		} else if uint64(len(value)) != uint64(m.valueSize) {
			return fmt.Errorf("contents[%d]: value is %d bytes, want %d: %w", i, len(value), m.valueSize, EINVAL)
		}
		if e := m.update(kv.Key, value, each, UpdateAny, -1, true); e != 0 {
			switch {
			case e == E2BIG && (m.hash != nil || m.queue != nil):
				return fmt.Errorf("contents[%d]: more elements than max_entries %d: %w", i, m.maxEntries, e)
			case e == E2BIG:
				return fmt.Errorf("contents[%d]: index %d is out of range [0, %d): %w", i, binary.NativeEndian.Uint32(kv.Key), m.maxEntries, e)
			}
			return fmt.Errorf("contents[%d]: %w", i, e)
		}
	}
	return nil
}

// errnoIn extracts the Errno of an error, EINVAL when there is none.
func errnoIn(err error) Errno {
	var e Errno
	if errors.As(err, &e) {
		return e
	}
	return EINVAL
}
