package loader_test

import (
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ebpfjit/ebpfjit/engine"
	"github.com/ebpfjit/ebpfjit/internal/kernel"
	"github.com/ebpfjit/ebpfjit/loader"
	"github.com/ebpfjit/ebpfjit/loader/maps"
)

// engines are the configurations every object runs on.
var engines = []struct {
	name  string
	eng   string
	level int
}{
	{"interp", "interp", 0},
	{"jit-O0", "jit", 0},
	{"jit-O2", "jit", 2},
}

// outcome runs one program of a fresh collection on input and collects
// what the kernel oracle records: r0 (low 32 bits), the context, the maps
// (array entries that are not all zero, per-CPU values of CPU 0), the
// ring buffer records and the queue and stack elements in pop order.
func outcome(t *testing.T, c *loader.Collection, program string, input []byte, unchecked []string) *kernel.Outcome {
	t.Helper()
	o, err := outcomeErr(t, c, program, input, unchecked)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return o
}

// outcomeErr is outcome for a run that may fail: the run's error, and no
// outcome, when it does.
func outcomeErr(t *testing.T, c *loader.Collection, program string, input []byte, unchecked []string) (*kernel.Outcome, error) {
	t.Helper()
	p := c.Program(program)
	if p == nil {
		t.Fatalf("no program %q (have %v)", program, c.Programs())
	}
	readers := map[string]*maps.Reader{}
	set := c.Maps()
	for i := 0; i < set.Len(); i++ {
		m := set.Map(i)
		if m.Type() == maps.RingBuf {
			rd, err := m.NewReader()
			if err != nil {
				t.Fatal(err)
			}
			defer rd.Close()
			readers[m.Name()] = rd
		}
	}
	ctx := append([]byte(nil), input...)
	r0, err := p.RunOnCPU(0, ctx)
	if err != nil {
		return nil, err
	}
	o := &kernel.Outcome{R0: uint32(r0), Context: ctx, Maps: map[string]map[string][]byte{},
		Ringbuf: map[string][][]byte{}, Queues: map[string][][]byte{}}
	for i := 0; i < set.Len(); i++ {
		m := set.Map(i)
		if slices.Contains(unchecked, m.Name()) {
			continue
		}
		switch m.Type() {
		case maps.ProgArray:
		case maps.RingBuf:
			var recs [][]byte
			for {
				rec, err := readers[m.Name()].ReadNonBlocking()
				if err != nil {
					break
				}
				recs = append(recs, rec)
			}
			if len(recs) > 0 {
				o.Ringbuf[m.Name()] = recs
			}
		case maps.Queue, maps.Stack:
			var elems [][]byte
			for {
				v := make([]byte, m.ValueSize())
				if m.Pop(v) != nil {
					break
				}
				elems = append(elems, v)
			}
			if len(elems) > 0 {
				o.Queues[m.Name()] = elems
			}
		default:
			contents := map[string][]byte{}
			for _, k := range m.Keys() {
				var v []byte
				switch m.Type() {
				case maps.PerCPUArray, maps.PerCPUHash, maps.LRUPerCPUHash:
					vs, err := m.LookupPerCPU(k)
					if err != nil {
						t.Fatal(err)
					}
					v = vs[0]
				default:
					var err error
					if v, err = m.Lookup(k); err != nil {
						t.Fatal(err)
					}
				}
				if (m.Type() == maps.Array || m.Type() == maps.PerCPUArray) && allZero(v) {
					continue
				}
				contents[hex.EncodeToString(k)] = v
			}
			o.Maps[m.Name()] = contents
		}
	}
	return o, nil
}

func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

// TestKernelExpectations runs every case the kernel recorded (in
// testdata/elf/expected.json) on every engine and compares r0, the
// context, the maps, the ring buffers and the queues. Where the kernel is
// available it is also run live for the same case.
func TestKernelExpectations(t *testing.T) {
	exp, err := kernel.LoadExpectations("../testdata/elf/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	live := kernel.Available()
	if live != nil {
		t.Logf("kernel not available, comparing with recorded results only: %v", live)
	}
	for _, e := range exp.Cases {
		for _, eng := range engines {
			t.Run(eng.name+"/"+e.Name, func(t *testing.T) {
				want, err := e.Outcome()
				if err != nil {
					t.Fatal(err)
				}
				input, err := e.InputBytes()
				if err != nil {
					t.Fatal(err)
				}
				c, err := engine.LoadFile(filepath.Join("../testdata/elf", e.Object), eng.eng, eng.level, loader.Options{})
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				got := outcome(t, c, e.Program, input, e.Unchecked)
				if d := got.Diff(want); d != "" {
					t.Errorf("differs from the kernel's recorded result:\n%s", d)
				}
				if live == nil && e.Source == "kernel" && eng.name == "jit-O2" {
					res, err := kernel.Run(filepath.Join("../testdata/elf", e.Object), e.Program, input)
					if err != nil {
						t.Fatalf("kernel: %v", err)
					}
					if d := got.Diff(res.Outcome(e.Unchecked...)); d != "" {
						t.Errorf("differs from the live kernel:\n%s", d)
					}
				}
			})
		}
	}
}

var _ = errors.New
var _ = fmt.Sprint
