package maps

import (
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
)

// hashValue derives a value from a key, so that any value read back can
// be checked against its key whatever the interleaving.
func hashValue(k uint32) []byte {
	v := make([]byte, 16)
	binary.NativeEndian.PutUint64(v, uint64(k)*0x9e3779b97f4a7c15)
	binary.NativeEndian.PutUint64(v[8:], ^uint64(k))
	return v
}

// TestConcurrentMaps runs 16 goroutines of random operations on hash,
// LRU, per-CPU and array maps and on a queue at once; under -race this
// checks the locking, and the values read back check that no element ever
// shows another's value.
func TestConcurrentMaps(t *testing.T) {
	const workers, ops, keySpace = 16, 3000, 128
	s := newSet(t, Options{NumCPU: 4},
		&Spec{Name: "hash", Type: Hash, KeySize: 4, ValueSize: 16, MaxEntries: 64},
		&Spec{Name: "small", Type: Hash, KeySize: 4, ValueSize: 16, MaxEntries: 8},
		&Spec{Name: "lru", Type: LRUHash, KeySize: 4, ValueSize: 16, MaxEntries: 32},
		&Spec{Name: "pch", Type: PerCPUHash, KeySize: 4, ValueSize: 16, MaxEntries: 64},
		&Spec{Name: "arr", Type: Array, KeySize: 4, ValueSize: 8, MaxEntries: 16},
		&Spec{Name: "q", Type: Queue, ValueSize: 8, MaxEntries: 50},
	)
	hashes := []*Map{s.ByName("hash"), s.ByName("small"), s.ByName("lru"), s.ByName("pch")}
	arr, q := s.ByName("arr"), s.ByName("q")
	allowed := func(err error, errs ...Errno) bool {
		if err == nil {
			return true
		}
		for _, e := range errs {
			if errors.Is(err, e) {
				return true
			}
		}
		return false
	}
	var pushed, popped sync.Map // worker -> count
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			cpu := w % 4
			var npush, npop int
			lastSeq := map[uint32]uint32{} // producer -> last seq popped by this worker
			for i := range ops {
				m := hashes[rng.IntN(len(hashes))]
				k := uint32(rng.IntN(keySpace))
				key := u32(k)
				switch op := rng.IntN(10); op {
				case 0, 1, 2:
					if err := m.Update(key, hashValue(k), uint64(rng.IntN(3)), cpu); !allowed(err, EEXIST, ENOENT, E2BIG) {
						t.Errorf("update: %v", err)
						return
					}
				case 3:
					if err := m.Delete(key); !allowed(err, ENOENT) {
						t.Errorf("delete: %v", err)
						return
					}
				case 4, 5:
					if addr := m.LookupAddr(key, cpu); addr != 0 && !inRegions(s, addr, 16) {
						t.Errorf("LookupAddr %#x outside the regions", addr)
						return
					}
				case 6:
					var v []byte
					var err error
					if m.typ == PerCPUHash {
						var vs [][]byte
						vs, err = m.LookupPerCPU(key)
						if err == nil {
							v = vs[cpu]
							if string(v) == string(make([]byte, 16)) {
								v = nil // this CPU's copy was never written
							}
						}
					} else {
						v, err = m.Lookup(key)
					}
					if !allowed(err, ENOENT) || (v != nil && string(v) != string(hashValue(k))) {
						t.Errorf("%s: key %d has value %x, %v", m.name, k, v, err)
						return
					}
				case 7:
					m.ForEach(cpu, func(key []byte, addr uint64) bool {
						if !inRegions(s, addr, 16) {
							t.Errorf("ForEach address %#x outside the regions", addr)
						}
						return rng.IntN(8) != 0
					})
				case 8:
					v := uint64(k) | uint64(k)<<32
					if err := arr.Update(u32(k%16), u64(v), UpdateAny, cpu); err != nil {
						t.Errorf("array update: %v", err)
						return
					}
					got, err := arr.Lookup(u32(k % 16))
					if g := binary.NativeEndian.Uint64(got); err != nil || uint32(g) != uint32(g>>32) {
						t.Errorf("array value %#x is torn (%v)", g, err)
						return
					}
				case 9:
					if rng.IntN(2) == 0 {
						err := q.Push(u64(uint64(w)<<32|uint64(i)), 0)
						if err == nil {
							npush++
						} else if !errors.Is(err, E2BIG) {
							t.Errorf("push: %v", err)
							return
						}
					} else {
						buf := make([]byte, 8)
						err := q.Pop(buf)
						if err == nil {
							npop++
							v := binary.NativeEndian.Uint64(buf)
							p, seq := uint32(v>>32), uint32(v)
							if last, ok := lastSeq[p]; ok && seq <= last {
								t.Errorf("queue order: producer %d seq %d after %d", p, seq, last)
							}
							lastSeq[p] = seq
						} else if !errors.Is(err, ENOENT) {
							t.Errorf("pop: %v", err)
							return
						}
					}
				}
			}
			pushed.Store(w, npush)
			popped.Store(w, npop)
		}()
	}
	wg.Wait()
	total := 0
	pushed.Range(func(_, v any) bool { total += v.(int); return true })
	popped.Range(func(_, v any) bool { total -= v.(int); return true })
	if q.Len() != total {
		t.Errorf("queue holds %d, pushes minus pops %d", q.Len(), total)
	}
	for _, m := range hashes {
		checkHash(t, m)
		if m.Len() > int(m.maxEntries) {
			t.Errorf("%s holds %d > %d", m.name, m.Len(), m.maxEntries)
		}
		for _, k := range m.Keys() {
			if m.typ == PerCPUHash {
				continue
			}
			if v, err := m.Lookup(k); err != nil || string(v) != string(hashValue(binary.NativeEndian.Uint32(k))) {
				t.Errorf("%s: key %x has value %x, %v", m.name, k, v, err)
			}
		}
	}
}

// TestConcurrentRingBuf runs producers using Reserve/Submit, Discard and
// Output against one consumer blocked in Read, on a ring small enough to
// wrap hundreds of times; every submitted record must arrive once, in
// each producer's order, intact.
func TestConcurrentRingBuf(t *testing.T) {
	const producers, perProducer = 4, 3000
	s := newSet(t, Options{}, &Spec{Name: "rb", Type: RingBuf, MaxEntries: 4 * 4096})
	m := s.ByName("rb")
	r, err := m.NewReader()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	// record is [producer u32][seq u32][filler derived from both].
	record := func(p, seq uint32) []byte {
		b := make([]byte, 8+int((p*131+seq*17)%300))
		binary.NativeEndian.PutUint32(b, p)
		binary.NativeEndian.PutUint32(b[4:], seq)
		for i := 8; i < len(b); i++ {
			b[i] = byte(p + seq + uint32(i))
		}
		return b
	}
	discarded := func(p, seq uint32) bool { return (p+seq)%7 == 0 }
	expected := 0
	for p := range uint32(producers) {
		for seq := range uint32(perProducer) {
			if !discarded(p, seq) {
				expected++
			}
		}
	}

	var wg sync.WaitGroup
	for p := range uint32(producers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seq := uint32(0); seq < perProducer; {
				data := record(p, seq)
				if seq%3 == 0 && !discarded(p, seq) {
					if err := m.Output(data, 0); err != nil {
						if !errors.Is(err, EAGAIN) {
							t.Errorf("output: %v", err)
							return
						}
						runtime.Gosched()
						continue
					}
					seq++
					continue
				}
				addr := m.Reserve(uint64(len(data)))
				if addr == 0 {
					runtime.Gosched()
					continue
				}
				copy(bytesAt(t, s, addr, uint64(len(data))), data)
				var err error
				if discarded(p, seq) {
					err = m.Discard(addr, 0)
				} else {
					err = m.Submit(addr, 0)
				}
				if err != nil {
					t.Errorf("commit: %v", err)
					return
				}
				seq++
			}
		}()
	}

	next := make([]uint32, producers)
	for got := 0; got < expected; got++ {
		rec, err := r.Read()
		if err != nil {
			t.Fatal(err)
		}
		p, seq := binary.NativeEndian.Uint32(rec), binary.NativeEndian.Uint32(rec[4:])
		if p >= producers {
			t.Fatalf("record from producer %d", p)
		}
		for discarded(p, next[p]) {
			next[p]++
		}
		if seq != next[p] {
			t.Fatalf("producer %d: got seq %d, want %d", p, seq, next[p])
		}
		if string(rec) != string(record(p, seq)) {
			t.Fatalf("producer %d seq %d: corrupt record", p, seq)
		}
		next[p]++
	}
	wg.Wait()
	if _, err := r.ReadNonBlocking(); err != ErrNoRecord {
		t.Errorf("extra record after all were read: %v", err)
	}
	if laps := m.Query(RBProdPos) / (4 * 4096); laps < 50 {
		t.Errorf("the ring wrapped only %d times", laps)
	}
}
