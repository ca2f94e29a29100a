package loader_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ebpfjit/ebpfjit/engine"
	"github.com/ebpfjit/ebpfjit/internal/kernel"
	"github.com/ebpfjit/ebpfjit/loader"
	"github.com/ebpfjit/ebpfjit/loader/native"
	"github.com/ebpfjit/ebpfjit/vm"
)

// isoDir holds the objects built by testdata/isolation/build.sh.
var isoDir = filepath.Join("..", "testdata", "isolation")

// isoCtx is struct iso_ctx of testdata/isolation/common.h.
type isoCtx struct {
	Which uint32
	Key   uint32
	Value uint64
	Ret   int64
}

func (c isoCtx) bytes() []byte {
	b := binary.LittleEndian.AppendUint32(nil, c.Which)
	b = binary.LittleEndian.AppendUint32(b, c.Key)
	b = binary.LittleEndian.AppendUint64(b, c.Value)
	return binary.LittleEndian.AppendUint64(b, uint64(c.Ret))
}

func isoCtxOf(b []byte) isoCtx {
	return isoCtx{binary.LittleEndian.Uint32(b), binary.LittleEndian.Uint32(b[4:]),
		binary.LittleEndian.Uint64(b[8:]), int64(binary.LittleEndian.Uint64(b[16:]))}
}

// isoCase is one run of a program of testdata/isolation.
type isoCase struct {
	object, program string
	in              isoCtx
	// setup prepares the maps from Go before the run (programs may not
	// insert into a read-only map; Go code may).
	setup func(t *testing.T, c *loader.Collection)
	// fault is what the run must stop with on every engine (FaultNone:
	// it must return).
	fault vm.Fault
	// check looks at a run that returned.
	check func(t *testing.T, o *kernel.Outcome)
}

// kernelRefuses lists the programs the kernel's verifier refuses, with
// (a substring of) its reason: each has a case that faults here. The
// kernel runs the others, and the outcome of a case without setup must
// then be the kernel's.
var kernelRefuses = map[string]string{
	"arr_overrun":     outOfBounds,
	"arr_underrun":    negativeOffset,
	"arr_ro_store":    forbiddenWrite,
	"arr_wo_load":     forbiddenRead,
	"arr_atomic":      "into map forbidden", // a read-only or a write-only map, whichever path it checks first
	"rodata_store":    forbiddenWrite,
	"hash_ro_store":   forbiddenWrite,
	"hash_wo_load":    forbiddenRead,
	"hash_wo_atomic":  forbiddenRead,
	"hash_below":      negativeOffset,
	"probe_into_ro":   forbiddenWrite,
	"update_from_wo":  forbiddenRead,
	"ringbuf_from_wo": forbiddenRead,
	"update_dynamic":  forbiddenWrite,
	"ring_header":     negativeOffset,
}

func putU64(name string, key uint32, value uint64) func(t *testing.T, c *loader.Collection) {
	return func(t *testing.T, c *loader.Collection) {
		t.Helper()
		err := c.Map(name).Put(binary.NativeEndian.AppendUint32(nil, key), binary.NativeEndian.AppendUint64(nil, value))
		if err != nil {
			t.Fatal(err)
		}
	}
}

func wantCtx(want isoCtx) func(t *testing.T, o *kernel.Outcome) {
	return func(t *testing.T, o *kernel.Outcome) {
		t.Helper()
		if got := isoCtxOf(o.Context); got != want || o.R0 != 0 {
			t.Errorf("r0 %d, context %+v; want 0, %+v", o.R0, got, want)
		}
	}
}

const (
	forbiddenWrite = "write into map forbidden"
	forbiddenRead  = "read from map forbidden"
	outOfBounds    = "invalid access to map value"
	negativeOffset = "min value is negative"
)

var isoCases = []isoCase{
	// A value pointer that leaves its map's values faults, even where
	// another map's values lie beyond (arr_a, then arr_b).
	{object: "arrays.o", program: "arr_overrun", in: isoCtx{Which: 0}, check: wantCtx(isoCtx{})},
	{object: "arrays.o", program: "arr_overrun", in: isoCtx{Which: 1}, fault: vm.FaultOutOfBounds},
	{object: "arrays.o", program: "arr_overrun", in: isoCtx{Which: 3}, fault: vm.FaultOutOfBounds},
	{object: "arrays.o", program: "arr_underrun", in: isoCtx{Which: 0, Value: 5}, check: wantCtx(isoCtx{Value: 5})},
	{object: "arrays.o", program: "arr_underrun", in: isoCtx{Which: 1, Value: 5}, fault: vm.FaultOutOfBounds},
	// BPF_F_RDONLY_PROG, BPF_F_WRONLY_PROG and .rodata bind loads,
	// stores and atomics.
	{object: "arrays.o", program: "arr_ro_store", in: isoCtx{Which: 0, Value: 5}, check: wantCtx(isoCtx{})},
	{object: "arrays.o", program: "arr_ro_store", in: isoCtx{Which: 1, Value: 5}, fault: vm.FaultReadOnly},
	{object: "arrays.o", program: "arr_wo_load", in: isoCtx{Which: 0, Value: 5}, check: wantCtx(isoCtx{Value: 5})},
	{object: "arrays.o", program: "arr_wo_load", in: isoCtx{Which: 1, Value: 5}, fault: vm.FaultWriteOnly},
	{object: "arrays.o", program: "arr_atomic", in: isoCtx{Which: 0, Value: 5}, check: wantCtx(isoCtx{Value: 5})},
	{object: "arrays.o", program: "arr_atomic", in: isoCtx{Which: 1, Value: 5}, fault: vm.FaultReadOnly},
	{object: "arrays.o", program: "arr_atomic", in: isoCtx{Which: 2, Value: 5}, fault: vm.FaultWriteOnly},
	{object: "arrays.o", program: "arr_atomic", in: isoCtx{Which: 3, Value: 5}, check: wantCtx(isoCtx{Which: 3, Value: 5})},
	{object: "arrays.o", program: "rodata_store", in: isoCtx{Which: 0}, check: wantCtx(isoCtx{Value: 0x1122334455667788})},
	{object: "arrays.o", program: "rodata_store", in: isoCtx{Which: 1, Value: 5}, fault: vm.FaultReadOnly},
	// What the kernel runs: reading a read-only map, writing a
	// write-only one (the kernel's outcome, maps included, must match).
	{object: "arrays.o", program: "arr_ro_read", in: isoCtx{Key: 1, Value: 9}, check: wantCtx(isoCtx{Key: 1})},
	{object: "arrays.o", program: "arr_wo_write", in: isoCtx{Key: 1, Value: 0x42}, check: wantCtx(isoCtx{Key: 1, Value: 0x42})},
	{object: "access.o", program: "hash_ro_read", in: isoCtx{Key: 3}, check: func(t *testing.T, o *kernel.Outcome) {
		if o.R0 != 1 {
			t.Errorf("r0 %d: an empty map has key 3", o.R0)
		}
	}},
	{object: "access.o", program: "hash_wo_write", in: isoCtx{Key: 3, Value: 7}, check: func(t *testing.T, o *kernel.Outcome) {
		if v := o.Maps["hash_wo"]["03000000"]; o.R0 != 0 || len(v) != 8 || binary.LittleEndian.Uint64(v) != 8 {
			t.Errorf("r0 %d, hash_wo %x", o.R0, o.Maps["hash_wo"])
		}
	}},
	{object: "access.o", program: "queue_ro_peek", in: isoCtx{Value: 1}, check: wantCtx(isoCtx{Ret: -2})},
	// Hash maps with program access flags: Go may fill a read-only one.
	{object: "access.o", program: "hash_ro_read", in: isoCtx{Key: 3}, setup: putU64("hash_ro", 3, 77), check: wantCtx(isoCtx{Key: 3, Value: 77})},
	{object: "access.o", program: "hash_ro_store", in: isoCtx{Key: 3, Value: 5}, setup: putU64("hash_ro", 3, 77), fault: vm.FaultReadOnly},
	{object: "access.o", program: "hash_wo_load", in: isoCtx{Key: 3}, fault: vm.FaultWriteOnly},
	{object: "access.o", program: "hash_wo_atomic", in: isoCtx{Key: 3}, fault: vm.FaultWriteOnly},
	// A hash map's internals are out of reach of its value pointers.
	{object: "access.o", program: "hash_below", in: isoCtx{Which: 0, Key: 1}, check: wantCtx(isoCtx{Key: 1, Value: 9})},
	{object: "access.o", program: "hash_below", in: isoCtx{Which: 8, Key: 1}, fault: vm.FaultOutOfBounds},
	{object: "access.o", program: "hash_below", in: isoCtx{Which: 32, Key: 1}, fault: vm.FaultOutOfBounds},
	// Helpers writing or reading on the program's behalf obey the flags.
	{object: "access.o", program: "probe_into_ro", in: isoCtx{Value: 5}, fault: vm.FaultReadOnly},
	{object: "access.o", program: "update_from_wo", fault: vm.FaultWriteOnly},
	{object: "access.o", program: "ringbuf_from_wo", fault: vm.FaultWriteOnly},
	// A change through a map argument no analysis pins down fails when
	// it runs, on the read-only map only.
	{object: "access.o", program: "update_dynamic", in: isoCtx{Which: 0, Key: 2, Value: 6}, check: func(t *testing.T, o *kernel.Outcome) {
		if v := o.Maps["hash_rw"]["02000000"]; o.R0 != 0 || isoCtxOf(o.Context).Ret != 0 || len(v) != 8 || binary.LittleEndian.Uint64(v) != 6 {
			t.Errorf("r0 %d, context %+v, hash_rw %x", o.R0, isoCtxOf(o.Context), o.Maps["hash_rw"])
		}
	}},
	{object: "access.o", program: "update_dynamic", in: isoCtx{Which: 1, Key: 2, Value: 6}, fault: vm.FaultHelper},
	// The bytes before a ring buffer record are not its header.
	{object: "access.o", program: "ring_header", in: isoCtx{Which: 1, Value: 0x5555}, check: func(t *testing.T, o *kernel.Outcome) {
		if recs := o.Ringbuf["ring"]; o.R0 != 0 || len(recs) != 1 || binary.LittleEndian.Uint64(recs[0]) != 0x5555 {
			t.Errorf("r0 %d, records %x", o.R0, recs)
		}
	}},
}

// isoEngines build a collection of an isolation object: every engine of
// the loader tests, and an artifact compiled ahead of time.
var isoEngines = []struct {
	name string
	load func(path string) (*loader.Collection, error)
}{
	{"interp", func(path string) (*loader.Collection, error) {
		return engine.LoadFile(path, "interp", 0, loader.Options{})
	}},
	{"jit-O0", func(path string) (*loader.Collection, error) {
		return engine.LoadFile(path, "jit", 0, loader.Options{})
	}},
	{"jit-O2", func(path string) (*loader.Collection, error) {
		return engine.LoadFile(path, "jit", 2, loader.Options{})
	}},
	{"artifact", func(path string) (*loader.Collection, error) {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		a, err := engine.CompileArtifact(data, engine.CompileOptions{OptLevel: 2})
		if err != nil {
			return nil, err
		}
		return a.Load(native.HostFeatures(), loader.Options{})
	}},
}

// TestIsolation runs every case on every engine: a fault must be the
// case's, at the same instruction everywhere; a run that returns must
// pass the case's check and agree with the other engines (and with the
// kernel, where the kernel runs the program). Where the kernel is
// available, it must refuse the programs of the faulting cases, for the
// reason its verifier gives.
func TestIsolation(t *testing.T) {
	live := kernel.Available()
	for _, tc := range isoCases {
		name := fmt.Sprintf("%s/%s/which=%d", tc.object, tc.program, tc.in.Which)
		if tc.setup != nil {
			name += "/setup"
		}
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(isoDir, tc.object)
			var ref *kernel.Outcome
			refPC := -1
			for _, eng := range isoEngines {
				c, err := eng.load(path)
				if err != nil {
					t.Fatalf("%s: %v", eng.name, err)
				}
				if tc.setup != nil {
					tc.setup(t, c)
				}
				o, err := outcomeErr(t, c, tc.program, tc.in.bytes(), nil)
				c.Close()
				var re *vm.RunError
				switch {
				case tc.fault != vm.FaultNone:
					if !errors.As(err, &re) || re.Fault != tc.fault {
						t.Fatalf("%s: %v; want a %s", eng.name, err, tc.fault)
					}
					if refPC < 0 {
						refPC = re.PC
					} else if re.PC != refPC {
						t.Errorf("%s: fault at instruction %d, the interpreter's at %d", eng.name, re.PC, refPC)
					}
					if tc.fault == vm.FaultHelper && !strings.Contains(err.Error(), "read-only for programs") {
						t.Errorf("%s: %v", eng.name, err)
					}
				case err != nil:
					t.Fatalf("%s: %v", eng.name, err)
				default:
					tc.check(t, o)
					if ref == nil {
						ref = o
					} else if d := o.Diff(ref); d != "" {
						t.Errorf("%s differs from the interpreter:\n%s", eng.name, d)
					}
				}
			}
			if live != nil {
				return
			}
			res, err := kernel.Run(path, tc.program, tc.in.bytes())
			refusal, refused := kernelRefuses[tc.program]
			if tc.fault != vm.FaultNone && !refused {
				t.Fatalf("a faulting case of a program the kernel is not said to refuse")
			}
			switch {
			case refused:
				if err == nil || !strings.Contains(fmt.Sprintf("%+v", err), refusal) {
					t.Errorf("kernel: %v; want a refusal with %q", err, refusal)
				}
			case err != nil:
				t.Errorf("kernel: %v", err)
			case tc.setup == nil:
				if d := ref.Diff(res.Outcome()); d != "" {
					t.Errorf("differs from the kernel:\n%s", d)
				}
			}
		})
	}
}

// TestRefusedAtLoad: a call that changes a read-only map, with the map a
// constant argument, keeps the program from loading, as the kernel's
// verifier does, and so the object's collection on every engine.
func TestRefusedAtLoad(t *testing.T) {
	path := filepath.Join(isoDir, "refused.o")
	obj, err := loader.ParseFile(path, loader.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	helpers := map[string]string{"update_ro": "map_update_elem", "delete_ro": "map_delete_elem",
		"push_ro": "map_push_elem", "pop_ro": "map_pop_elem"}
	if len(obj.Programs) != len(helpers) {
		t.Fatalf("%d programs, want %d", len(obj.Programs), len(helpers))
	}
	live := kernel.Available()
	for _, ps := range obj.Programs {
		err := ps.LoadError(obj.Maps)
		if err == nil || !strings.Contains(err.Error(), forbiddenWrite) || !strings.Contains(err.Error(), helpers[ps.Name]) {
			t.Errorf("%s: LoadError %v", ps.Name, err)
		}
		if live == nil {
			if _, err := kernel.Run(path, ps.Name, isoCtx{}.bytes()); err == nil || !strings.Contains(fmt.Sprintf("%+v", err), forbiddenWrite) {
				t.Errorf("%s: the kernel says %v", ps.Name, err)
			}
		}
	}
	for _, eng := range isoEngines {
		if c, err := eng.load(path); err == nil || !strings.Contains(err.Error(), forbiddenWrite) {
			if c != nil {
				c.Close()
			}
			t.Errorf("%s: loading gives %v", eng.name, err)
		}
	}
	// The programs that load have no such call: nothing in them is
	// refused. Each has a case.
	cased := map[string]bool{}
	for _, tc := range isoCases {
		cased[tc.object+":"+tc.program] = true
	}
	for _, object := range []string{"arrays.o", "access.o"} {
		obj, err := loader.ParseFile(filepath.Join(isoDir, object), loader.ParseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, ps := range obj.Programs {
			if err := ps.LoadError(obj.Maps); err != nil {
				t.Errorf("%s %s: %v", object, ps.Name, err)
			}
			if !cased[object+":"+ps.Name] {
				t.Errorf("%s %s has no case in isoCases", object, ps.Name)
			}
		}
	}
}
