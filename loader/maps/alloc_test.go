package maps

import "testing"

// TestNoAllocs pins that the program-facing operations allocate nothing,
// errors included: helpers run on every program invocation.
func TestNoAllocs(t *testing.T) {
	s := newSet(t, Options{NumCPU: 2},
		&Spec{Name: "a", Type: Array, KeySize: 4, ValueSize: 16, MaxEntries: 8},
		&Spec{Name: "h", Type: Hash, KeySize: 8, ValueSize: 16, MaxEntries: 128},
		&Spec{Name: "l", Type: LRUHash, KeySize: 8, ValueSize: 16, MaxEntries: 4},
		&Spec{Name: "p", Type: PerCPUHash, KeySize: 8, ValueSize: 16, MaxEntries: 4},
		&Spec{Name: "q", Type: Queue, ValueSize: 16, MaxEntries: 4},
		&Spec{Name: "rb", Type: RingBuf, MaxEntries: 4096},
	)
	a, h, l, p, q, rb := s.ByName("a"), s.ByName("h"), s.ByName("l"), s.ByName("p"), s.ByName("q"), s.ByName("rb")
	key, absent, val := u64(1), u64(2), make([]byte, 16)
	for _, m := range []*Map{h, l, p} {
		if err := m.Update(key, val, UpdateAny, 0); err != nil {
			t.Fatal(err)
		}
	}
	r, _ := rb.NewReader()
	defer r.Close()
	tests := []struct {
		name string
		fn   func()
	}{
		{"array lookup", func() { a.LookupAddr(u32idx[3], 1) }},
		{"array update", func() { _ = a.Update(u32idx[3], val, UpdateAny, 0) }},
		{"array update E2BIG", func() { _ = a.Update(u32idx[9], val, UpdateAny, 0) }},
		{"hash lookup", func() { h.LookupAddr(key, 0) }},
		{"hash lookup absent", func() { h.LookupAddr(absent, 0) }},
		{"hash update existing", func() { _ = h.Update(key, val, UpdateExist, 0) }},
		{"hash update ENOENT", func() { _ = h.Update(absent, val, UpdateExist, 0) }},
		{"hash delete ENOENT", func() { _ = h.Delete(absent) }},
		{"lru lookup", func() { l.LookupAddr(key, 0) }},
		{"percpu update", func() { _ = p.Update(key, val, UpdateAny, 1) }},
		{"queue push pop", func() { _ = q.Push(val, 0); _ = q.Pop(val) }},
		{"queue pop ENOENT", func() { _ = q.Pop(val) }},
		{"ringbuf reserve submit", func() {
			_ = rb.Submit(rb.Reserve(40), 0)
			rb.ring.cons.Store(rb.ring.prod.Load()) // consume without copying
		}},
		{"ringbuf output", func() {
			_ = rb.Output(val, RBNoWakeup)
			rb.ring.cons.Store(rb.ring.prod.Load())
		}},
		{"ringbuf query", func() { rb.Query(RBAvailData) }},
	}
	for _, tc := range tests {
		if n := testing.AllocsPerRun(100, tc.fn); n != 0 {
			t.Errorf("%s: %v allocations", tc.name, n)
		}
	}
}

var u32idx = func() [][]byte {
	var ks [][]byte
	for i := range uint32(10) {
		ks = append(ks, u32(i))
	}
	return ks
}()

func BenchmarkArrayLookupAddr(b *testing.B) {
	s := newSet(b, Options{}, &Spec{Type: Array, KeySize: 4, ValueSize: 8, MaxEntries: 64})
	m, key := s.Map(0), u32(7)
	for b.Loop() {
		m.LookupAddr(key, 0)
	}
}

func BenchmarkHashLookupAddr(b *testing.B) {
	s := newSet(b, Options{}, &Spec{Type: Hash, KeySize: 8, ValueSize: 8, MaxEntries: 1024})
	m := s.Map(0)
	for i := range uint64(1024) {
		_ = m.Update(u64(i), u64(i), 0, 0)
	}
	b.RunParallel(func(pb *testing.PB) {
		i := uint64(0)
		key := make([]byte, 8)
		for pb.Next() {
			i++
			key[0] = byte(i)
			m.LookupAddr(key, 0)
		}
	})
}

func BenchmarkHashUpdate(b *testing.B) {
	s := newSet(b, Options{}, &Spec{Type: Hash, KeySize: 8, ValueSize: 8, MaxEntries: 1024})
	m := s.Map(0)
	b.RunParallel(func(pb *testing.PB) {
		i := uint64(0)
		key, val := make([]byte, 8), make([]byte, 8)
		for pb.Next() {
			i++
			key[0] = byte(i)
			_ = m.Update(key, val, 0, 0)
		}
	})
}

func BenchmarkRingBufOutput(b *testing.B) {
	s := newSet(b, Options{}, &Spec{Type: RingBuf, MaxEntries: 1 << 16})
	m := s.Map(0)
	data := make([]byte, 64)
	for b.Loop() {
		if m.Output(data, RBNoWakeup) != nil {
			m.ring.cons.Store(m.ring.prod.Load())
		}
	}
}
