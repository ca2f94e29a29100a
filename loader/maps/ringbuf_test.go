package maps

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"
	"time"
)

func newRing(t testing.TB, size uint32) (*Set, *Map) {
	t.Helper()
	s := newSet(t, Options{},
		&Spec{Name: "before", Type: Array, KeySize: 4, ValueSize: 8, MaxEntries: 1},
		&Spec{Name: "rb", Type: RingBuf, MaxEntries: size},
	)
	return s, s.ByName("rb")
}

// reserveWrite reserves a record, checks its address and fills it.
func reserveWrite(t testing.TB, s *Set, m *Map, data []byte) uint64 {
	t.Helper()
	addr := m.Reserve(uint64(len(data)))
	if addr == 0 {
		t.Fatalf("Reserve(%d) failed", len(data))
	}
	if addr%8 != 0 || !inRegions(s, addr, uint64(len(data))) || s.RingBufAt(addr) != m {
		t.Fatalf("reserved address %#x is not 8-aligned inside the ring", addr)
	}
	copy(bytesAt(t, s, addr, uint64(len(data))), data)
	return addr
}

func TestRingBufBasics(t *testing.T) {
	s, m := newRing(t, 4096)
	r, err := m.NewReader()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if m.Query(RBRingSize) != 4096 || m.Query(RBAvailData) != 0 || m.Query(99) != 0 {
		t.Error("Query of an empty ring")
	}
	a := reserveWrite(t, s, m, []byte("hello, ring"))
	if got := m.Query(RBProdPos); got != 24 { // 8 header + 11 data, padded
		t.Errorf("PROD_POS %d", got)
	}
	if _, err := r.ReadNonBlocking(); err != ErrNoRecord {
		t.Errorf("busy record was read: %v", err)
	}
	wantErrno(t, "submit", m.Submit(a, 0), 0)
	if m.Query(RBAvailData) != 24 || m.Len() != 24 || r.Available() != 24 {
		t.Errorf("AVAIL_DATA %d", m.Query(RBAvailData))
	}
	rec, err := r.Read()
	if err != nil || string(rec) != "hello, ring" {
		t.Fatalf("Read = %q, %v", rec, err)
	}
	if m.Query(RBConsPos) != 24 || m.Query(RBAvailData) != 0 {
		t.Errorf("CONS_POS %d", m.Query(RBConsPos))
	}
	// A zero-length record is valid.
	wantErrno(t, "output empty", m.Output(nil, 0), 0)
	if rec, err := r.ReadNonBlocking(); err != nil || len(rec) != 0 {
		t.Errorf("empty record: %q, %v", rec, err)
	}
	wantErrno(t, "output flags", m.Output([]byte("x"), 4), EINVAL)
	wantErrno(t, "output", m.Output([]byte("x"), RBNoWakeup|RBForceWakeup), 0)
}

func TestRingBufOrderAndDiscard(t *testing.T) {
	s, m := newRing(t, 4096)
	r, _ := m.NewReader()
	defer r.Close()
	a := reserveWrite(t, s, m, []byte("A"))
	b := reserveWrite(t, s, m, []byte("B"))
	c := reserveWrite(t, s, m, []byte("C"))
	wantErrno(t, "discard b", m.Discard(b, 0), 0)
	wantErrno(t, "submit c", m.Submit(c, 0), 0)
	if _, err := r.ReadNonBlocking(); err != ErrNoRecord {
		t.Fatalf("read past a busy record: %v", err)
	}
	wantErrno(t, "submit a", m.Submit(a, 0), 0)
	var got []string
	for {
		rec, err := r.ReadNonBlocking()
		if err == ErrNoRecord {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(rec))
	}
	if fmt.Sprint(got) != "[A C]" {
		t.Errorf("read %q", got)
	}
	if m.Query(RBConsPos) != m.Query(RBProdPos) {
		t.Error("discarded record was not consumed")
	}
}

func TestRingBufReserveLimits(t *testing.T) {
	s, m := newRing(t, 4096)
	r, _ := m.NewReader()
	defer r.Close()
	for _, size := range []uint64{4096, 4089, 4088, 1 << 31, 1<<64 - 1, 1<<64 - 8} {
		if m.Reserve(size) != 0 {
			t.Errorf("Reserve(%d) succeeded", size)
		}
	}
	// The largest record leaves one unit: the producer never gets a whole
	// ring ahead of the consumer.
	a := reserveWrite(t, s, m, make([]byte, 4096-16))
	if m.Reserve(0) != 0 {
		t.Error("Reserve in a full ring succeeded")
	}
	wantErrno(t, "output full", m.Output([]byte{1}, 0), EAGAIN)
	wantErrno(t, "submit", m.Submit(a, 0), 0)
	if rec, err := r.Read(); err != nil || len(rec) != 4096-16 {
		t.Fatalf("Read: %d bytes, %v", len(rec), err)
	}
	// Fill with outputs until there is no room, then drain.
	n := 0
	for m.Output(u64(uint64(n)), 0) == nil {
		n++
	}
	if n != 4095/16 {
		t.Errorf("%d records of 16 bytes fit, want %d", n, 4095/16)
	}
	for i := range n {
		rec, err := r.ReadNonBlocking()
		if err != nil || binary.NativeEndian.Uint64(rec) != uint64(i) {
			t.Fatalf("record %d: %x, %v", i, rec, err)
		}
	}
}

func TestRingBufBadCommits(t *testing.T) {
	s, m := newRing(t, 4096)
	other := s.ByName("before")
	a := reserveWrite(t, s, m, []byte("abc"))
	base := a - 8 // ring offset 0
	for _, addr := range []uint64{0, base, base - 8, a + 1, a + 8, base + 2*4096, other.ValueAddr(0), 1<<64 - 8} {
		wantErrno(t, fmt.Sprintf("submit %#x", addr), m.Submit(addr, 0), EINVAL)
		wantErrno(t, fmt.Sprintf("discard %#x", addr), m.Discard(addr, 0), EINVAL)
	}
	wantErrno(t, "submit", m.Submit(a, 0), 0)
	wantErrno(t, "submit twice", m.Submit(a, 0), EINVAL)
	wantErrno(t, "discard after submit", m.Discard(a, 0), EINVAL)
	wantErrno(t, "submit on an array", other.Submit(a, 0), EINVAL)
	wantErrno(t, "discard on an array", other.Discard(a, 0), EINVAL)
	if s.RingBufAt(other.ValueAddr(0)) != nil || s.RingBufAt(0) != nil {
		t.Error("RingBufAt found a ring outside ring storage")
	}
	// Go-facing operations that do not apply.
	_, err := m.Lookup(nil)
	wantErrno(t, "Lookup", err, EOPNOTSUPP)
	wantErrno(t, "Put", m.Put(nil, nil), EOPNOTSUPP)
	wantErrno(t, "Update", m.Update(nil, []byte{1}, 0, 0), EOPNOTSUPP)
	wantErrno(t, "Delete", m.Delete(nil), EOPNOTSUPP)
	wantErrno(t, "Push", m.Push(nil, 0), EOPNOTSUPP)
	if m.LookupAddr(nil, 0) != 0 || m.Keys() != nil || m.ForEach(0, func([]byte, uint64) bool { return true }) != 0 {
		t.Error("element operations work on a ring buffer")
	}
}

// TestRingBufWrap goes around a small ring many times with records of
// varying sizes, including many that straddle the end of the ring, and
// checks every record's content and address.
func TestRingBufWrap(t *testing.T) {
	s, m := newRing(t, 4096)
	r, _ := m.NewReader()
	defer r.Close()
	straddled, seq := 0, 0
	next := 0
	for m.Query(RBProdPos) < 200*4096 {
		// Produce until full, with sizes 0..700 and some discards.
		var want [][]byte
		for {
			size := (seq * 37) % 701
			data := bytes.Repeat([]byte{byte(seq)}, size)
			if size >= 8 {
				binary.NativeEndian.PutUint64(data, uint64(seq))
			}
			addr := m.Reserve(uint64(size))
			if addr == 0 {
				break
			}
			if !inRegions(s, addr, uint64(size)) {
				t.Fatalf("record %d at %#x+%d is outside the regions", seq, addr, size)
			}
			off := (addr - 8) & 4095
			if off+8+uint64(size) > 4096 {
				straddled++
			}
			copy(bytesAt(t, s, addr, uint64(size)), data)
			if seq%5 == 3 {
				wantErrno(t, "discard", m.Discard(addr, 0), 0)
			} else {
				want = append(want, data)
				wantErrno(t, "submit", m.Submit(addr, 0), 0)
			}
			seq++
		}
		for _, w := range want {
			rec, err := r.ReadNonBlocking()
			if err != nil || !bytes.Equal(rec, w) {
				t.Fatalf("record %d: got %d bytes (%v), want %d", next, len(rec), err, len(w))
			}
			next++
		}
		if _, err := r.ReadNonBlocking(); err != ErrNoRecord {
			t.Fatalf("extra record: %v", err)
		}
	}
	if straddled < 50 {
		t.Errorf("only %d records straddled the end of the ring", straddled)
	}
	t.Logf("%d records, %d delivered, %d straddled", seq, next, straddled)
}

func TestRingBufReader(t *testing.T) {
	_, m := newRing(t, 4096)
	r, err := m.NewReader()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.NewReader(); !errors.Is(err, EBUSY) {
		t.Errorf("second NewReader: %v", err)
	}
	// A blocked Read gets a record submitted later.
	got := make(chan string)
	go func() {
		rec, err := r.Read()
		if err != nil {
			got <- err.Error()
			return
		}
		got <- string(rec)
	}()
	time.Sleep(10 * time.Millisecond)
	wantErrno(t, "output", m.Output([]byte("late"), 0), 0)
	if g := <-got; g != "late" {
		t.Errorf("blocked Read got %q", g)
	}
	// A context ends a blocked read.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := r.ReadContext(ctx); err != context.DeadlineExceeded {
		t.Errorf("ReadContext: %v", err)
	}
	// Close unblocks a pending Read.
	done := make(chan error)
	go func() {
		_, err := r.Read()
		done <- err
	}()
	time.Sleep(10 * time.Millisecond)
	r.Close()
	select {
	case err := <-done:
		if err != ErrClosed {
			t.Errorf("Read after Close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not unblock Read")
	}
	r.Close() // idempotent
	if _, err := r.ReadNonBlocking(); err != ErrClosed {
		t.Errorf("ReadNonBlocking after Close: %v", err)
	}
	// Records left behind are there for the next reader.
	wantErrno(t, "output", m.Output([]byte("kept"), 0), 0)
	r2, err := m.NewReader()
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	if rec, err := r2.Read(); err != nil || string(rec) != "kept" {
		t.Errorf("new reader: %q, %v", rec, err)
	}
}

// TestRingBufWakeup checks the kernel's notification policy: a commit
// wakes the consumer when it is the record the consumer waits at, never
// with RBNoWakeup, always with RBForceWakeup.
func TestRingBufWakeup(t *testing.T) {
	s, m := newRing(t, 4096)
	rb := m.ring
	drain := func() bool {
		select {
		case <-rb.notify:
			return true
		default:
			return false
		}
	}
	r, _ := m.NewReader()
	defer r.Close()
	wantErrno(t, "output", m.Output([]byte("1"), RBNoWakeup), 0)
	if drain() {
		t.Error("RBNoWakeup woke the reader")
	}
	wantErrno(t, "output", m.Output([]byte("2"), 0), 0)
	if drain() {
		t.Error("a record behind an unread one woke the reader")
	}
	wantErrno(t, "output", m.Output([]byte("3"), RBForceWakeup), 0)
	if !drain() {
		t.Error("RBForceWakeup did not wake the reader")
	}
	for range 3 {
		if _, err := r.ReadNonBlocking(); err != nil {
			t.Fatal(err)
		}
	}
	drain()
	a := reserveWrite(t, s, m, []byte("a"))
	b := reserveWrite(t, s, m, []byte("b"))
	wantErrno(t, "submit b", m.Submit(b, 0), 0)
	if drain() {
		t.Error("a record behind a busy one woke the reader")
	}
	wantErrno(t, "submit a", m.Submit(a, 0), 0)
	if !drain() {
		t.Error("the record the reader waits at did not wake it")
	}
	// Reading one record while more remain passes the token on.
	if _, err := r.ReadNonBlocking(); err != nil {
		t.Fatal(err)
	}
	if !drain() {
		t.Error("the reader did not pass the wake-up on")
	}
}
