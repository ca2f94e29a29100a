package maps

import (
	"errors"
	"testing"
)

// FuzzSpec feeds NewSet arbitrary spec numbers: it must never panic,
// errors must be one-line SpecErrors or the memory refusal, and a set it
// creates must survive every operation with the fuzzed bytes, handing out
// only addresses inside its regions.
func FuzzSpec(f *testing.F) {
	f.Add(uint32(Hash), uint32(4), uint32(8), uint32(16), uint32(0), uint8(1), false, []byte{1, 2, 3, 4}, []byte{9, 9, 9, 9, 9, 9, 9, 9}, uint64(0))
	f.Add(uint32(Array), uint32(4), uint32(3), uint32(5), uint32(0), uint8(2), true, []byte{0, 0, 0, 0}, []byte{1, 2, 3}, uint64(2))
	f.Add(uint32(PerCPUHash), uint32(1), uint32(1), uint32(1), uint32(0), uint8(3), false, []byte{7}, []byte{7}, uint64(1))
	f.Add(uint32(LRUHash), uint32(2), uint32(4), uint32(2), uint32(FlagNoCommonLRU), uint8(1), false, []byte{1, 2}, []byte{1, 2, 3, 4}, uint64(0))
	f.Add(uint32(Queue), uint32(0), uint32(4), uint32(2), uint32(0), uint8(1), false, []byte{}, []byte{1, 2, 3, 4}, uint64(2))
	f.Add(uint32(Stack), uint32(0), uint32(4), uint32(2), uint32(0), uint8(1), false, []byte{}, []byte{1, 2, 3, 4}, uint64(2))
	f.Add(uint32(RingBuf), uint32(0), uint32(0), uint32(4096), uint32(0), uint8(1), false, []byte{}, []byte{1, 2, 3}, uint64(3))
	f.Add(uint32(ProgArray), uint32(4), uint32(4), uint32(3), uint32(0), uint8(1), false, []byte{1, 0, 0, 0}, []byte{2, 0, 0, 0}, uint64(0))
	f.Add(uint32(PerCPUArray), uint32(4), uint32(32768), uint32(0xffffffff), uint32(0), uint8(255), false, []byte{}, []byte{}, uint64(0))
	f.Fuzz(func(t *testing.T, typ, keySize, valueSize, maxEntries, flags uint32, ncpu uint8, ro bool, key, value []byte, arg uint64) {
		spec := &Spec{Name: "fz", Type: Type(typ), KeySize: keySize, ValueSize: valueSize, MaxEntries: maxEntries, Flags: flags, ReadOnly: ro}
		if arg%4 == 0 {
			spec.Contents = []KV{{Key: key, Value: value}}
		}
		s, err := NewSet([]*Spec{spec}, Options{NumCPU: int(ncpu%8) + 1, MaxMemory: 1 << 20})
		if err != nil {
			var se *SpecError
			if !errors.As(err, &se) && !errors.Is(err, ENOMEM) {
				t.Fatalf("error of an unexpected kind: %v", err)
			}
			for _, c := range err.Error() {
				if c == '\n' {
					t.Fatalf("multi-line error %q", err)
				}
			}
			return
		}
		m := s.Map(0)
		check := func(what string, addr, n uint64) {
			if addr != 0 && !inRegions(s, addr, n) {
				t.Fatalf("%s: address %#x+%d outside the regions", what, addr, n)
			}
		}
		cpu := int(arg % 16)
		_ = m.Update(key, value, arg%4, cpu)
		check("LookupAddr", m.LookupAddr(key, cpu), uint64(m.valueSize))
		_, _ = m.Lookup(key)
		_, _ = m.LookupPerCPU(key)
		_ = m.Put(key, value)
		_ = m.PutPerCPU(key, [][]byte{value})
		m.ForEach(cpu, func(k []byte, addr uint64) bool {
			check("ForEach key", addrOf(k), uint64(len(k)))
			check("ForEach value", addr, uint64(m.valueSize))
			return true
		})
		_ = m.Keys()
		_ = m.Len()
		_ = m.Push(value, arg%4)
		buf := make([]byte, len(value))
		_ = m.Peek(buf)
		_ = m.Pop(buf)
		if addr := m.Reserve(arg % 8192); addr != 0 {
			check("Reserve", addr, arg%8192)
			if arg%2 == 0 {
				_ = m.Submit(addr, arg)
			} else {
				_ = m.Discard(addr, arg)
			}
		}
		_ = m.Submit(arg, 0)
		_ = m.Output(value, arg%4)
		_ = m.Query(arg % 5)
		_ = m.SetProgram(uint32(arg), int(int32(arg>>32)))
		_, _ = m.Program(uint32(arg))
		if base, stride, n, ok := m.ArrayLayout(); ok {
			check("ArrayLayout", base, uint64(stride)*uint64(n-1)+uint64(m.valueSize))
		}
		check("ValueAddr", m.ValueAddr(uint32(arg)), uint64(m.valueSize))
		_ = m.Delete(key)
		if r, err := m.NewReader(); err == nil {
			_, _ = r.ReadNonBlocking()
			r.Close()
		}
	})
}
