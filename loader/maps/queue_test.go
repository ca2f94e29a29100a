package maps

import (
	"encoding/binary"
	"slices"
	"testing"
)

func TestQueueStack(t *testing.T) {
	type step struct {
		op    string // push, pop, peek
		v     uint32 // value pushed or expected
		flags uint64
		want  Errno
	}
	tests := []struct {
		typ   Type
		name  string
		steps []step
	}{
		{Queue, "fifo", []step{
			{"pop", 0, 0, ENOENT}, {"peek", 0, 0, ENOENT},
			{"push", 1, 0, 0}, {"push", 2, 0, 0}, {"push", 3, UpdateNoExist, 0},
			{"push", 4, UpdateAny, E2BIG}, {"push", 4, UpdateNoExist, E2BIG},
			{"peek", 1, 0, 0}, {"pop", 1, 0, 0}, {"pop", 2, 0, 0},
			{"push", 4, 0, 0}, {"push", 5, 0, 0}, // wraps around the slots
			{"pop", 3, 0, 0}, {"pop", 4, 0, 0}, {"pop", 5, 0, 0}, {"pop", 0, 0, ENOENT},
		}},
		{Queue, "overwrite", []step{
			{"push", 1, 0, 0}, {"push", 2, 0, 0}, {"push", 3, 0, 0},
			{"push", 4, UpdateExist, 0}, // drops 1
			{"push", 5, UpdateExist, 0}, // drops 2
			{"pop", 3, 0, 0}, {"pop", 4, 0, 0}, {"pop", 5, 0, 0}, {"peek", 0, 0, ENOENT},
		}},
		{Queue, "flags", []step{{"push", 1, 3, EINVAL}, {"push", 1, 1 << 40, EINVAL}, {"pop", 0, 0, ENOENT}}},
		{Stack, "lifo", []step{
			{"pop", 0, 0, ENOENT},
			{"push", 1, 0, 0}, {"push", 2, 0, 0}, {"push", 3, 0, 0}, {"push", 4, 0, E2BIG},
			{"peek", 3, 0, 0}, {"pop", 3, 0, 0}, {"pop", 2, 0, 0},
			{"push", 5, 0, 0}, {"push", 6, 0, 0},
			{"pop", 6, 0, 0}, {"pop", 5, 0, 0}, {"pop", 1, 0, 0}, {"peek", 0, 0, ENOENT},
		}},
		{Stack, "overwrite", []step{
			{"push", 1, 0, 0}, {"push", 2, 0, 0}, {"push", 3, 0, 0},
			{"push", 4, UpdateExist, 0}, // drops the oldest: 1, at the bottom
			{"pop", 4, 0, 0}, {"pop", 3, 0, 0}, {"pop", 2, 0, 0}, {"pop", 0, 0, ENOENT},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.typ.String()+"-"+tc.name, func(t *testing.T) {
			s := newSet(t, Options{}, &Spec{Name: "q", Type: tc.typ, ValueSize: 4, MaxEntries: 3})
			m := s.Map(0)
			for i, st := range tc.steps {
				var err error
				buf := make([]byte, 4)
				switch st.op {
				case "push":
					err = m.Push(u32(st.v), st.flags)
				case "pop":
					err = m.Pop(buf)
				case "peek":
					err = m.Peek(buf)
				}
				wantErrno(t, st.op, err, st.want)
				if st.op != "push" && st.want == 0 && binary.NativeEndian.Uint32(buf) != st.v {
					t.Errorf("step %d: %s got %d, want %d", i, st.op, binary.NativeEndian.Uint32(buf), st.v)
				}
			}
		})
	}
}

func TestQueueAPI(t *testing.T) {
	s := newSet(t, Options{},
		&Spec{Name: "q", Type: Queue, ValueSize: 5, MaxEntries: 4, Contents: []KV{{Value: []byte("first")}, {Value: []byte("secnd")}}},
		&Spec{Name: "st", Type: Stack, ValueSize: 5, MaxEntries: 4, Contents: []KV{{Value: []byte("first")}, {Value: []byte("secnd")}}},
	)
	q, st := s.ByName("q"), s.ByName("st")
	if q.Len() != 2 {
		t.Errorf("Len %d", q.Len())
	}
	if v, err := q.Lookup(nil); err != nil || string(v) != "first" {
		t.Errorf("queue Lookup (peek) = %q, %v", v, err)
	}
	if v, err := st.Lookup(nil); err != nil || string(v) != "secnd" {
		t.Errorf("stack Lookup (peek) = %q, %v", v, err)
	}
	wantErrno(t, "Put", q.Put(nil, []byte("third")), 0)
	wantErrno(t, "Update", q.Update(nil, []byte("forth"), UpdateAny, 0), 0)
	wantErrno(t, "Update full", q.Update(nil, []byte("fifth"), UpdateAny, 0), E2BIG)
	wantErrno(t, "Put full", q.Put(nil, []byte("fifth")), E2BIG)
	wantErrno(t, "Update key", q.Update([]byte{1}, []byte("fifth"), UpdateAny, 0), EINVAL)
	wantErrno(t, "Push size", q.Push([]byte("toolong"), 0), EINVAL)
	wantErrno(t, "Pop size", q.Pop(make([]byte, 4)), EINVAL)
	wantErrno(t, "Peek size", q.Peek(make([]byte, 6)), EINVAL)
	wantErrno(t, "Delete", q.Delete(nil), EINVAL)
	if q.LookupAddr(nil, 0) != 0 || q.Keys() != nil || q.ForEach(0, func([]byte, uint64) bool { return true }) != 0 {
		t.Error("queue has addresses, keys or elements to iterate")
	}
	var got []string
	buf := make([]byte, 5)
	for q.Pop(buf) == nil {
		got = append(got, string(buf))
	}
	if !slices.Equal(got, []string{"first", "secnd", "third", "forth"}) {
		t.Errorf("popped %q", got)
	}
	_, err := q.Lookup(nil)
	wantErrno(t, "Lookup empty", err, ENOENT)
}
