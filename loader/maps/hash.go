package maps

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
)

// hashTable is the state of a hash, per-CPU hash or LRU hash map.
//
// Like the kernel's default (preallocated) hash maps, every one of the
// max_entries value slots exists in the arena from the start; a free list
// hands them out, and an index from key to slot finds them. An element
// keeps its slot, and so its value address, from insertion to deletion;
// updates write the value in place. A freed slot is reused by the next
// insertion, so a program that keeps a pointer past a delete sees another
// element's value, as with the kernel's preallocated maps.
//
// The index is split into shards, each with its own RWMutex, so that
// lookups of different keys from many goroutines do not contend on one
// lock. LRU maps use a single shard because their recency list is global.
type hashTable struct {
	m         *Map
	shards    []hashShard
	mask      uint64 // len(shards)-1
	seed      maphash.Seed
	keyStride uint64
	// slotKey is the key of the element in each slot ("" when free). A
	// slot is guarded by the lock of the shard whose element uses it;
	// while free it belongs to the free list.
	slotKey []string
	freeMu  sync.Mutex
	free    []uint32 // stack of free slots
	count   atomic.Int64
	lru     *lru // LRU maps only
}

type hashShard struct {
	mu  sync.RWMutex
	idx map[string]uint32
	_   [32]byte // keep neighbouring shards' locks on different cache lines
}

// shardThreshold is the capacity from which a hash map is sharded: below
// it one lock is cheap enough and keeps the map small.
const (
	shardThreshold = 64
	numShards      = 16
)

func newHashTable(m *Map) *hashTable {
	n := m.maxEntries
	h := &hashTable{
		m:         m,
		seed:      maphash.MakeSeed(),
		keyStride: roundUp8(uint64(m.keySize)),
		slotKey:   make([]string, n),
		free:      make([]uint32, n),
	}
	shards := 1
	if m.typ.isLRU() {
		h.lru = newLRU(n)
	} else if n >= shardThreshold {
		shards = numShards
	}
	h.shards = make([]hashShard, shards)
	h.mask = uint64(shards - 1)
	for i := range h.shards {
		h.shards[i].idx = make(map[string]uint32)
	}
	// Slot 0 is handed out first: the stack's top is its last element.
	for i := range h.free {
		h.free[i] = n - 1 - uint32(i)
	}
	return h
}

func (h *hashTable) shardFor(key []byte) *hashShard {
	if h.mask == 0 {
		return &h.shards[0]
	}
	return &h.shards[maphash.Bytes(h.seed, key)&h.mask]
}

// keyBytes is the arena copy of a slot's key, which for_each_map_elem
// hands to programs.
func (h *hashTable) keyBytes(slot uint32) []byte {
	o := uint64(slot) * h.keyStride
	return h.m.mem[o : o+uint64(h.m.keySize) : o+uint64(h.m.keySize)]
}

// lookup finds key's slot. touch marks the element as used for LRU
// eviction; only program lookups do, as in the kernel, so that inspecting
// a map from Go does not change what it evicts.
func (h *hashTable) lookup(key []byte, touch bool) (uint32, bool) {
	sh := h.shardFor(key)
	sh.mu.RLock()
	slot, ok := sh.idx[string(key)]
	if ok && touch && h.lru != nil {
		h.lru.reference(slot)
	}
	sh.mu.RUnlock()
	return slot, ok
}

// with runs fn on key's slot with the shard read-locked, so that a copy of
// the value cannot interleave with a Go-side update or a delete.
func (h *hashTable) with(key []byte, fn func(slot uint32)) bool {
	sh := h.shardFor(key)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	slot, ok := sh.idx[string(key)]
	if ok {
		fn(slot)
	}
	return ok
}

func (h *hashTable) update(key, value []byte, each [][]byte, flags uint64, cpu int) Errno {
	sh := h.shardFor(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if slot, ok := sh.idx[string(key)]; ok {
		if flags == UpdateNoExist {
			return EEXIST
		}
		h.m.writeValue(uint64(slot), value, each, cpu, false)
		if h.lru != nil {
			h.lru.moveToFront(slot)
		}
		return 0
	}
	if flags == UpdateExist {
		return ENOENT
	}
	slot, ok := h.alloc(sh)
	if !ok {
		return E2BIG
	}
	k := string(key)
	h.slotKey[slot] = k
	sh.idx[k] = slot
	storeWords(h.m.words[uint64(slot)*h.keyStride/8:(uint64(slot)+1)*h.keyStride/8], key)
	h.m.writeValue(uint64(slot), value, each, cpu, true)
	if h.lru != nil {
		h.lru.pushFront(slot)
	}
	h.count.Add(1)
	return 0
}

// alloc takes a free slot. When there is none, an LRU map evicts its
// least recently used element (its single shard is sh, locked by the
// caller); other maps are full.
func (h *hashTable) alloc(sh *hashShard) (uint32, bool) {
	h.freeMu.Lock()
	if n := len(h.free); n > 0 {
		slot := h.free[n-1]
		h.free = h.free[:n-1]
		h.freeMu.Unlock()
		return slot, true
	}
	h.freeMu.Unlock()
	if h.lru == nil {
		return 0, false
	}
	slot := h.lru.evict()
	delete(sh.idx, h.slotKey[slot])
	h.slotKey[slot] = ""
	h.count.Add(-1)
	return slot, true
}

func (h *hashTable) delete(key []byte) Errno {
	sh := h.shardFor(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	slot, ok := sh.idx[string(key)]
	if !ok {
		return ENOENT
	}
	delete(sh.idx, string(key))
	h.slotKey[slot] = ""
	if h.lru != nil {
		h.lru.unlink(slot)
	}
	h.freeMu.Lock()
	h.free = append(h.free, slot)
	h.freeMu.Unlock()
	h.count.Add(-1)
	return 0
}

// forEach calls fn for every element's slot until it returns false and
// counts the calls. It snapshots a shard's keys under the read lock, then
// looks each one up again before calling fn without any lock held, so fn
// may modify the map (bpf_for_each_map_elem callbacks may delete).
func (h *hashTable) forEach(fn func(slot uint32) bool) int {
	n := 0
	var keys []string
	for i := range h.shards {
		sh := &h.shards[i]
		keys = keys[:0]
		sh.mu.RLock()
		for k := range sh.idx {
			keys = append(keys, k)
		}
		sh.mu.RUnlock()
		for _, k := range keys {
			sh.mu.RLock()
			slot, ok := sh.idx[k]
			sh.mu.RUnlock()
			if !ok {
				continue
			}
			n++
			if !fn(slot) {
				return n
			}
		}
	}
	return n
}

// keys returns copies of the keys present, in no particular order.
func (h *hashTable) keys() [][]byte {
	var ks [][]byte
	for i := range h.shards {
		sh := &h.shards[i]
		sh.mu.RLock()
		for k := range sh.idx {
			ks = append(ks, []byte(k))
		}
		sh.mu.RUnlock()
	}
	return ks
}

// lru orders the elements of an LRU hash map for eviction.
//
// It is a second-chance (CLOCK-like) approximation of LRU, close to what
// the kernel does with its reference bits: insertions and updates move an
// element to the front of a doubly linked list, which needs the map's
// write lock; lookups, which only hold the read lock, merely set the
// element's reference bit. Eviction takes the element at the back; if it
// was referenced since it got there, it clears the bit and moves it to the
// front instead, and tries the next. Without lookups the order is exact
// LRU by last update; an element looked up since its last move always
// survives the next eviction, but referenced elements keep their list
// order among themselves rather than the order of their lookups.
type lru struct {
	prev, next []uint32 // slots 0..n-1; index n is the list head/tail sentinel
	ref        []atomic.Uint32
}

func newLRU(n uint32) *lru {
	l := &lru{
		prev: make([]uint32, n+1),
		next: make([]uint32, n+1),
		ref:  make([]atomic.Uint32, n),
	}
	l.prev[n], l.next[n] = n, n
	return l
}

func (l *lru) sentinel() uint32 { return uint32(len(l.ref)) }

// reference marks a slot as used. It runs under the read lock, so it is
// atomic; it skips the store when the bit is already set to keep hot
// elements' cache lines shared.
func (l *lru) reference(slot uint32) {
	if l.ref[slot].Load() == 0 {
		l.ref[slot].Store(1)
	}
}

func (l *lru) pushFront(slot uint32) {
	s := l.sentinel()
	first := l.next[s]
	l.prev[slot], l.next[slot] = s, first
	l.prev[first] = slot
	l.next[s] = slot
	l.ref[slot].Store(0)
}

func (l *lru) unlink(slot uint32) {
	p, n := l.prev[slot], l.next[slot]
	l.next[p] = n
	l.prev[n] = p
}

func (l *lru) moveToFront(slot uint32) {
	l.unlink(slot)
	l.pushFront(slot)
}

// evict unlinks and returns the victim slot. The list is never empty when
// it is called (the map is full); each pass either evicts or clears a
// reference bit, so it ends within two rounds of the list.
func (l *lru) evict() uint32 {
	s := l.sentinel()
	for {
		last := l.prev[s]
		if l.ref[last].Swap(0) != 0 {
			l.moveToFront(last)
			continue
		}
		l.unlink(last)
		return last
	}
}
