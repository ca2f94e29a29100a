package maps

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"testing"
)

// TestHashErrnos runs the update/delete errno paths on a small (one
// shard) and a large (sharded) hash map.
func TestHashErrnos(t *testing.T) {
	for _, max := range []uint32{2, 100} {
		t.Run(fmt.Sprint(max), func(t *testing.T) {
			s := newSet(t, Options{}, &Spec{Name: "h", Type: Hash, KeySize: 4, ValueSize: 8, MaxEntries: max})
			m := s.ByName("h")
			for i := range max - 2 { // leave room for exactly two more
				wantErrno(t, "fill", m.Update(u32(1000+i), u64(0), UpdateAny, 0), 0)
			}
			steps := []struct {
				name  string
				op    string // update, delete
				key   []byte
				value []byte
				flags uint64
				want  Errno
			}{
				{"exist-absent", "update", u32(1), u64(1), UpdateExist, ENOENT},
				{"noexist-new", "update", u32(1), u64(1), UpdateNoExist, 0},
				{"noexist-present", "update", u32(1), u64(2), UpdateNoExist, EEXIST},
				{"exist-present", "update", u32(1), u64(3), UpdateExist, 0},
				{"any-present", "update", u32(1), u64(4), UpdateAny, 0},
				{"any-new", "update", u32(2), u64(5), UpdateAny, 0},
				{"full", "update", u32(3), u64(6), UpdateAny, E2BIG},
				{"full-noexist", "update", u32(3), u64(6), UpdateNoExist, E2BIG},
				{"full-exist-absent", "update", u32(3), u64(6), UpdateExist, ENOENT},
				{"full-replace", "update", u32(2), u64(7), UpdateAny, 0},
				{"flags", "update", u32(1), u64(1), 3, EINVAL},
				{"flags-lock", "update", u32(1), u64(1), 4, EINVAL},
				{"key-size", "update", u64(1), u64(1), 0, EINVAL},
				{"value-size", "update", u32(1), u32(1), 0, EINVAL},
				{"delete-absent", "delete", u32(3), nil, 0, ENOENT},
				{"delete", "delete", u32(2), nil, 0, 0},
				{"delete-again", "delete", u32(2), nil, 0, ENOENT},
				{"delete-key-size", "delete", []byte{1}, nil, 0, EINVAL},
				{"reuse", "update", u32(3), u64(8), UpdateNoExist, 0},
			}
			for _, st := range steps {
				var err error
				if st.op == "update" {
					err = m.Update(st.key, st.value, st.flags, 0)
				} else {
					err = m.Delete(st.key)
				}
				wantErrno(t, st.name, err, st.want)
			}
			if v, err := m.Lookup(u32(1)); err != nil || !bytes.Equal(v, u64(4)) {
				t.Errorf("Lookup(1) = %x, %v", v, err)
			}
			if v, err := m.Lookup(u32(3)); err != nil || !bytes.Equal(v, u64(8)) {
				t.Errorf("Lookup(3) = %x, %v", v, err)
			}
			_, err := m.Lookup(u32(2))
			wantErrno(t, "Lookup deleted", err, ENOENT)
			if m.Len() != int(max) {
				t.Errorf("Len %d, want %d", m.Len(), max)
			}
			err = m.Put(u32(77), u64(0))
			wantErrno(t, "Put full", err, E2BIG)
			if err == nil || !bytes.Contains([]byte(err.Error()), []byte("full")) {
				t.Errorf("Put full: %v", err)
			}
			checkHash(t, m)
		})
	}
}

func TestHashAddresses(t *testing.T) {
	s := newSet(t, Options{}, &Spec{Name: "h", Type: Hash, KeySize: 6, ValueSize: 5, MaxEntries: 8})
	m := s.ByName("h")
	key := []byte("abcdef")
	if m.LookupAddr(key, 0) != 0 {
		t.Error("absent key has an address")
	}
	wantErrno(t, "update", m.Update(key, []byte("12345"), 0, 0), 0)
	addr := m.LookupAddr(key, 0)
	if addr == 0 || addr%8 != 0 || !inRegions(s, addr, 5) {
		t.Fatalf("address %#x", addr)
	}
	if got := bytesAt(t, s, addr, 5); string(got) != "12345" {
		t.Errorf("value %q", got)
	}
	// Updates write in place: the address stays and sees the new value.
	wantErrno(t, "update", m.Update(key, []byte("67890"), UpdateExist, 0), 0)
	if m.LookupAddr(key, 0) != addr || string(bytesAt(t, s, addr, 5)) != "67890" {
		t.Error("update moved the value")
	}
	// Program writes are visible to Go.
	copy(bytesAt(t, s, addr, 5), "prog!")
	if v, _ := m.Lookup(key); string(v) != "prog!" {
		t.Errorf("Lookup after program write: %q", v)
	}
	_, err := m.Lookup([]byte("abc"))
	wantErrno(t, "Lookup key size", err, EINVAL)
	_, err = m.Lookup([]byte("zzzzzz"))
	wantErrno(t, "Lookup absent", err, ENOENT)
}

// TestLRUOrder checks eviction order: least recently updated first, with
// program lookups giving an element a second chance.
func TestLRUOrder(t *testing.T) {
	type op struct {
		kind string // put, look (program lookup), get (Go lookup), del
		key  uint32
	}
	tests := []struct {
		name    string
		ops     []op
		present []uint32
	}{
		{"insertion-order", []op{{"put", 1}, {"put", 2}, {"put", 3}, {"put", 4}}, []uint32{2, 3, 4}},
		{"update-refreshes", []op{{"put", 1}, {"put", 2}, {"put", 3}, {"put", 1}, {"put", 4}}, []uint32{1, 3, 4}},
		{"lookup-refreshes", []op{{"put", 1}, {"put", 2}, {"put", 3}, {"look", 1}, {"put", 4}}, []uint32{1, 3, 4}},
		{"two-lookups", []op{{"put", 1}, {"put", 2}, {"put", 3}, {"look", 1}, {"look", 2}, {"put", 4}}, []uint32{1, 2, 4}},
		// The approximation: when every element was looked up, all get
		// their second chance and the oldest update goes, whatever the
		// order of the lookups (exact LRU would evict 3).
		{"all-looked-up", []op{{"put", 1}, {"put", 2}, {"put", 3}, {"look", 3}, {"look", 1}, {"look", 2}, {"put", 4}}, []uint32{2, 3, 4}},
		{"go-lookup-does-not", []op{{"put", 1}, {"put", 2}, {"put", 3}, {"get", 1}, {"put", 4}}, []uint32{2, 3, 4}},
		{"chain", []op{{"put", 1}, {"put", 2}, {"put", 3}, {"put", 4}, {"put", 5}, {"put", 6}}, []uint32{4, 5, 6}},
		{"delete-frees", []op{{"put", 1}, {"put", 2}, {"put", 3}, {"del", 2}, {"put", 4}}, []uint32{1, 3, 4}},
		{"lookup-then-evict-twice", []op{{"put", 1}, {"put", 2}, {"put", 3}, {"look", 1}, {"put", 4}, {"put", 5}}, []uint32{1, 4, 5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSet(t, Options{}, &Spec{Name: "lru", Type: LRUHash, KeySize: 4, ValueSize: 4, MaxEntries: 3})
			m := s.Map(0)
			for _, o := range tc.ops {
				switch o.kind {
				case "put":
					wantErrno(t, "put", m.Update(u32(o.key), u32(o.key), UpdateAny, 0), 0)
				case "look":
					if m.LookupAddr(u32(o.key), 0) == 0 {
						t.Fatalf("key %d missing", o.key)
					}
				case "get":
					if _, err := m.Lookup(u32(o.key)); err != nil {
						t.Fatal(err)
					}
				case "del":
					wantErrno(t, "del", m.Delete(u32(o.key)), 0)
				}
			}
			var got []uint32
			for _, k := range m.Keys() {
				got = append(got, binary.NativeEndian.Uint32(k))
			}
			if !slices.Equal(got, tc.present) {
				t.Errorf("present %v, want %v", got, tc.present)
			}
			for _, k := range got {
				if v, err := m.Lookup(u32(k)); err != nil || !bytes.Equal(v, u32(k)) {
					t.Errorf("key %d has value %x, %v", k, v, err)
				}
			}
			checkHash(t, m)
		})
	}
}

func TestLRUErrnos(t *testing.T) {
	s := newSet(t, Options{}, &Spec{Type: LRUHash, KeySize: 4, ValueSize: 4, MaxEntries: 2})
	m := s.Map(0)
	wantErrno(t, "a", m.Update(u32(1), u32(1), UpdateNoExist, 0), 0)
	wantErrno(t, "b", m.Update(u32(2), u32(2), UpdateNoExist, 0), 0)
	wantErrno(t, "exists", m.Update(u32(2), u32(2), UpdateNoExist, 0), EEXIST)
	wantErrno(t, "full evicts", m.Update(u32(3), u32(3), UpdateNoExist, 0), 0)
	wantErrno(t, "exist absent", m.Update(u32(1), u32(3), UpdateExist, 0), ENOENT)
	wantErrno(t, "flags", m.Update(u32(1), u32(3), 7, 0), EINVAL)
	if m.Len() != 2 {
		t.Errorf("Len %d", m.Len())
	}
}

func TestPerCPUHash(t *testing.T) {
	s := newSet(t, Options{NumCPU: 3}, &Spec{Name: "pch", Type: PerCPUHash, KeySize: 4, ValueSize: 8, MaxEntries: 4})
	m := s.ByName("pch")
	// Pre-existing garbage in the slot must not leak into a new element's
	// other CPUs: fill all CPUs, delete, reinsert from a program on CPU 1.
	wantErrno(t, "put", m.Put(u32(1), u64(0xdead)), 0)
	wantErrno(t, "delete", m.Delete(u32(1)), 0)
	wantErrno(t, "prog insert", m.Update(u32(1), u64(11), UpdateNoExist, 1), 0)
	vs, err := m.LookupPerCPU(u32(1))
	if err != nil {
		t.Fatal(err)
	}
	for c, want := range []uint64{0, 11, 0} {
		if got := binary.NativeEndian.Uint64(vs[c]); got != want {
			t.Errorf("cpu %d: %#x, want %#x", c, got, want)
		}
	}
	// A program update of an existing element touches only its CPU.
	wantErrno(t, "prog update", m.Update(u32(1), u64(22), UpdateExist, 2), 0)
	vs, _ = m.LookupPerCPU(u32(1))
	for c, want := range []uint64{0, 11, 22} {
		if got := binary.NativeEndian.Uint64(vs[c]); got != want {
			t.Errorf("cpu %d: %#x, want %#x", c, got, want)
		}
	}
	a0, a1 := m.LookupAddr(u32(1), 0), m.LookupAddr(u32(1), 1)
	if a0 == a1 || !inRegions(s, a0, 8) || !inRegions(s, a1, 8) {
		t.Fatalf("addresses %#x %#x", a0, a1)
	}
	binary.NativeEndian.PutUint64(bytesAt(t, s, a0, 8), 5)
	if binary.NativeEndian.Uint64(bytesAt(t, s, a1, 8)) != 11 {
		t.Error("a write on cpu 0 is visible on cpu 1")
	}
	wantErrno(t, "PutPerCPU", m.PutPerCPU(u32(2), [][]byte{u64(1), u64(2), u64(3)}), 0)
	vs, _ = m.LookupPerCPU(u32(2))
	for c := range 3 {
		if binary.NativeEndian.Uint64(vs[c]) != uint64(c+1) {
			t.Errorf("PutPerCPU cpu %d: %x", c, vs[c])
		}
	}
	_, err = m.LookupPerCPU(u32(9))
	wantErrno(t, "LookupPerCPU absent", err, ENOENT)
	if _, err := m.Lookup(u32(1)); err == nil {
		t.Error("Lookup on a per-CPU hash succeeded")
	}
	var n int
	m.ForEach(1, func(key []byte, addr uint64) bool {
		n++
		if addr != m.LookupAddr(key, 1) {
			t.Errorf("ForEach address for %x is not cpu 1's", key)
		}
		return true
	})
	if n != 2 {
		t.Errorf("ForEach visited %d", n)
	}
}

func TestHashForEach(t *testing.T) {
	for _, max := range []uint32{10, 200} {
		s := newSet(t, Options{}, &Spec{Type: Hash, KeySize: 3, ValueSize: 4, MaxEntries: max})
		m := s.Map(0)
		for i := range uint32(10) {
			wantErrno(t, "put", m.Put([]byte{byte(i), 'k', 'y'}, u32(i)), 0)
		}
		seen := map[string]bool{}
		// The callback may delete, even the element it is visiting.
		n := m.ForEach(0, func(key []byte, addr uint64) bool {
			if len(key) != 3 || !inRegions(s, addrOf(key), 3) {
				t.Fatalf("key %x at %#x is not program-visible", key, addrOf(key))
			}
			if binary.NativeEndian.Uint32(bytesAt(t, s, addr, 4)) != uint32(key[0]) {
				t.Errorf("key %x has the wrong value address", key)
			}
			seen[string(key)] = true
			if key[0]%2 == 0 {
				wantErrno(t, "delete in callback", m.Delete(key), 0)
			}
			return true
		})
		if n != 10 || len(seen) != 10 || m.Len() != 5 {
			t.Errorf("max %d: ForEach visited %d (%d distinct), %d left", max, n, len(seen), m.Len())
		}
		keys := m.Keys()
		if len(keys) != 5 || !slices.IsSortedFunc(keys, bytes.Compare) {
			t.Errorf("Keys %x", keys)
		}
		calls := 0
		if n := m.ForEach(0, func([]byte, uint64) bool { calls++; return false }); n != 1 || calls != 1 {
			t.Errorf("stopping ForEach: %d, %d calls", n, calls)
		}
		checkHash(t, m)
	}
}

// checkHash verifies the hash table's invariants: every slot is either
// free or used by exactly one key of the right shard, the key area holds
// that key, the count matches, and an LRU list links exactly the used
// slots.
func checkHash(t testing.TB, m *Map) {
	t.Helper()
	h := m.hash
	used := map[uint32]string{}
	for i := range h.shards {
		sh := &h.shards[i]
		sh.mu.RLock()
		for k, slot := range sh.idx {
			if h.shardFor([]byte(k)) != sh {
				t.Errorf("key %x in the wrong shard", k)
			}
			if prev, dup := used[slot]; dup {
				t.Errorf("slot %d used by %x and %x", slot, prev, k)
			}
			used[slot] = k
			if h.slotKey[slot] != k || string(h.keyBytes(slot)) != k {
				t.Errorf("slot %d: slotKey %x, arena key %x, index key %x", slot, h.slotKey[slot], h.keyBytes(slot), k)
			}
		}
		sh.mu.RUnlock()
	}
	h.freeMu.Lock()
	for _, slot := range h.free {
		if _, dup := used[slot]; dup {
			t.Errorf("slot %d is both free and used", slot)
		}
		used[slot] = ""
	}
	nfree := len(h.free)
	h.freeMu.Unlock()
	if len(used) != int(m.maxEntries) {
		t.Errorf("%d slots accounted for, want %d", len(used), m.maxEntries)
	}
	if n := int(h.count.Load()); n != len(used)-nfree {
		t.Errorf("count %d, %d used", n, len(used)-nfree)
	}
	if h.lru != nil {
		s := h.lru.sentinel()
		n := 0
		for i := h.lru.next[s]; i != s; i = h.lru.next[i] {
			if h.lru.prev[h.lru.next[i]] != i {
				t.Fatalf("LRU list broken at %d", i)
			}
			if k, ok := used[i]; !ok || k == "" {
				t.Errorf("LRU list holds free slot %d", i)
			}
			if n++; n > len(h.lru.ref) {
				t.Fatal("LRU list has a cycle")
			}
		}
		if n != int(h.count.Load()) {
			t.Errorf("LRU list has %d elements, count %d", n, h.count.Load())
		}
	}
}
