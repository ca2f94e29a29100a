package kernel

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"
	"golang.org/x/sys/unix"
)

var update = flag.Bool("update", false, "regenerate testdata/elf/expected.json from kernel runs (needs root and bpf())")

var expectedPath = filepath.Join(elfDir, "expected.json")

func caseName(object, program, input string) string {
	return object + ":" + program + ":" + input
}

// TestKernel runs every case in the kernel, checks the outcome and compares
// it with the stored expectation (or, with -update, rewrites the file).
func TestKernel(t *testing.T) {
	if err := Available(); err != nil {
		if *update {
			t.Fatalf("-update needs the kernel: %v", err)
		}
		t.Skip(err)
	}
	var stored *Expectations
	if !*update {
		var err error
		if stored, err = LoadExpectations(expectedPath); err != nil {
			t.Fatalf("%v (run go test ./internal/kernel -update as root)", err)
		}
	}
	var fresh []Expectation
	for _, pc := range cases {
		for _, object := range pc.objects {
			for _, ni := range pc.inputs {
				name := caseName(object, pc.program, ni.name)
				t.Run(name, func(t *testing.T) {
					source := pc.source
					var o *Outcome
					if source == "go-reference" {
						o = pc.expect(ni.data)
					} else {
						source = "kernel"
						res, err := Run(filepath.Join(elfDir, object), pc.program, ni.data)
						if err != nil {
							t.Fatal(err)
						}
						o = res.Outcome(pc.unchecked...)
					}
					pc.check(&checker{t: t, object: object, in: ni.data, o: o})
					e := NewExpectation(name, object, pc.program, source, ni.data, o, pc.unchecked)
					fresh = append(fresh, e)
					if stored == nil {
						return
					}
					se := stored.Find(name)
					if se == nil {
						t.Fatalf("no stored expectation (run go test ./internal/kernel -update)")
					}
					want, err := se.Outcome()
					if err != nil {
						t.Fatal(err)
					}
					if d := o.Diff(want); d != "" {
						t.Errorf("the kernel disagrees with %s (regenerate with -update if the change is intended):\n%s", expectedPath, d)
					}
				})
			}
		}
	}
	if !*update {
		return
	}
	if t.Failed() {
		t.Fatalf("not writing %s: some cases failed", expectedPath)
	}
	var uts unix.Utsname
	unix.Uname(&uts)
	exp := &Expectations{
		Comment: "Results of the programs in testdata/elf: source \"kernel\" entries come from BPF_PROG_TEST_RUN " +
			"(regenerate: go test ./internal/kernel -update, as root); \"go-reference\" entries from the Go reference " +
			"of a program the kernel cannot run. r0 holds the low 32 bits only. Maps: per-CPU maps hold the value " +
			"of the CPU that ran; array maps list only non-zero entries; unchecked_maps are omitted. " +
			"See internal/kernel (Outcome) and testdata/elf/README.md.",
		Kernel: unix.ByteSliceToString(uts.Release[:]),
		Cases:  fresh,
	}
	if err := exp.Save(expectedPath); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %d expectations to %s", len(fresh), expectedPath)
}

// TestStoredExpectations needs no kernel: every case has a stored
// expectation for the current input, and the stored outcome passes the
// case's check. This is what runs on machines without bpf().
func TestStoredExpectations(t *testing.T) {
	stored, err := LoadExpectations(expectedPath)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, pc := range cases {
		for _, object := range pc.objects {
			for _, ni := range pc.inputs {
				name := caseName(object, pc.program, ni.name)
				seen[name] = true
				t.Run(name, func(t *testing.T) {
					e := stored.Find(name)
					if e == nil {
						t.Fatal("missing (run go test ./internal/kernel -update as root)")
					}
					if data, _ := e.InputBytes(); !bytes.Equal(data, ni.data) {
						t.Fatal("stored input differs from the test's input (run -update)")
					}
					if e.Object != object || e.Program != pc.program || !slices.Equal(e.Unchecked, pc.unchecked) {
						t.Fatalf("stored object/program/unchecked maps %s/%s/%v differ", e.Object, e.Program, e.Unchecked)
					}
					wantSource := "kernel"
					if pc.source != "" {
						wantSource = pc.source
					}
					if e.Source != wantSource {
						t.Fatalf("source %q, want %q", e.Source, wantSource)
					}
					o, err := e.Outcome()
					if err != nil {
						t.Fatal(err)
					}
					pc.check(&checker{t: t, object: object, in: ni.data, o: o})
					if pc.expect != nil {
						if d := o.Diff(pc.expect(ni.data)); d != "" {
							t.Errorf("stored reference result differs:\n%s", d)
						}
					}
				})
			}
		}
	}
	for _, e := range stored.Cases {
		if !seen[e.Name] {
			t.Errorf("stale expectation %s (run -update)", e.Name)
		}
	}
}

// TestCoverage: every program of every object has a case, and every case
// names an existing program.
func TestCoverage(t *testing.T) {
	objects, err := filepath.Glob(filepath.Join(elfDir, "*.o"))
	if err != nil || len(objects) == 0 {
		t.Fatalf("no objects in %s (run testdata/elf/build.sh): %v", elfDir, err)
	}
	covered := map[string]bool{}
	for _, pc := range cases {
		for _, object := range pc.objects {
			covered[object+":"+pc.program] = true
			if pc.source == "go-reference" {
				continue
			}
			if _, ok := loadSpec(t, object).Programs[pc.program]; !ok {
				t.Errorf("%s has no program %s", object, pc.program)
			}
		}
	}
	programs := 0
	for _, path := range objects {
		object := filepath.Base(path)
		for name := range loadSpec(t, object).Programs {
			programs++
			if !covered[object+":"+name] {
				t.Errorf("program %s of %s has no test case", name, object)
			}
		}
	}
	t.Logf("%d objects, %d programs with sections", len(objects), programs)
}

// TestLayouts compares the Go mirrors of the context structs with the C
// structs' BTF: same size, same member offsets.
func TestLayouts(t *testing.T) {
	for _, l := range layouts {
		var st *btf.Struct
		if err := loadSpec(t, l.object).Types.TypeByName(l.cName, &st); err != nil {
			t.Errorf("%s: %v", l.cName, err)
			continue
		}
		gt := reflect.TypeOf(l.goValue)
		if size := binary.Size(l.goValue); uint32(size) != st.Size {
			t.Errorf("%s: Go size %d, C size %d", l.cName, size, st.Size)
		}
		if gt.NumField() != len(st.Members) {
			t.Errorf("%s: Go has %d fields, C %d members", l.cName, gt.NumField(), len(st.Members))
			continue
		}
		off := 0
		for i, m := range st.Members {
			if uint32(off) != m.Offset.Bytes() {
				t.Errorf("%s.%s: Go offset %d, C offset %d", l.cName, m.Name, off, m.Offset.Bytes())
			}
			off += binary.Size(reflect.Zero(gt.Field(i).Type).Interface())
		}
	}
}

// TestV4Instructions checks that the -mcpu=v4 objects really contain the
// instructions they exist for.
func TestV4Instructions(t *testing.T) {
	count := func(object string) map[string]int {
		f, err := elf.Open(filepath.Join(elfDir, object))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		n := map[string]int{}
		for _, s := range f.Sections {
			if s.Flags&elf.SHF_EXECINSTR == 0 {
				continue
			}
			code, err := s.Data()
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i+8 <= len(code); i += 8 {
				op, off := code[i], int16(binary.LittleEndian.Uint16(code[i+2:]))
				switch {
				case op == 0x06: // BPF_JMP32 | BPF_JA
					n["gotol"]++
				case (op == 0x3f || op == 0x37 || op == 0x3c || op == 0x34) && off == 1:
					n["sdiv"]++
				case (op == 0x9f || op == 0x97 || op == 0x9c || op == 0x94) && off == 1:
					n["smod"]++
				case (op == 0xbf || op == 0xbc) && off != 0:
					n["movsx"]++
				case op&0xe7 == 0x81: // BPF_LDX | BPF_MEMSX
					n["ldsx"]++
				case op == 0xd7:
					n["bswap"]++
				case op == 0x18:
					i += 8 // lddw takes two slots
				}
			}
		}
		return n
	}
	got := count("v4.o")
	for _, k := range []string{"gotol", "sdiv", "smod", "movsx", "ldsx", "bswap"} {
		if got[k] == 0 {
			t.Errorf("v4.o has no %s instruction (%v)", k, got)
		}
	}
	if n := count("endian_v4.o")["bswap"]; n == 0 {
		t.Errorf("endian_v4.o has no bswap")
	}
	if n := count("endian.o")["bswap"]; n != 0 {
		t.Errorf("endian.o (v3) has %d bswap instructions", n)
	}
}

// TestTextOnlyObject checks the shape of bench_main.o: code only in .text,
// one global function, no relocations, no BTF, no license.
func TestTextOnlyObject(t *testing.T) {
	f, err := elf.Open(filepath.Join(elfDir, "bench_main.o"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, s := range f.Sections {
		if s.Flags&elf.SHF_EXECINSTR != 0 && s.Name != ".text" {
			t.Errorf("executable section %s", s.Name)
		}
		if s.Type == elf.SHT_REL || s.Name == ".BTF" || s.Name == "license" || s.Name == ".maps" {
			t.Errorf("unexpected section %s", s.Name)
		}
	}
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	var funcs []string
	for _, s := range syms {
		if elf.ST_TYPE(s.Info) == elf.STT_FUNC {
			funcs = append(funcs, s.Name)
		}
	}
	if !slices.Equal(funcs, []string{"bpf_main"}) {
		t.Errorf("functions %v, want [bpf_main]", funcs)
	}
	// cilium/ebpf ignores .text functions that no section program calls.
	if n := len(loadSpec(t, "bench_main.o").Programs); n != 0 {
		t.Errorf("cilium/ebpf found %d programs", n)
	}
}

func TestRunErrors(t *testing.T) {
	if err := Available(); err != nil {
		t.Skip(err)
	}
	if _, err := Run(filepath.Join(elfDir, "maps.o"), "no_such_program", nil); err == nil || !strings.Contains(err.Error(), "no program") {
		t.Errorf("unknown program: %v", err)
	}
	if _, err := Run(filepath.Join(elfDir, "bench_main.o"), "bpf_main", make([]byte, 16)); err == nil {
		t.Errorf("bench_main.o ran in the kernel")
	}
	if _, err := Run(filepath.Join(elfDir, "tailcall.o"), "tail_entry", make([]byte, 200)); err == nil {
		t.Errorf("raw_tp program accepted a 200-byte context")
	}
	// a context shorter than the fields the program touches
	if _, err := Run(filepath.Join(elfDir, "maps.o"), "array_ops", make([]byte, 8)); err == nil {
		t.Errorf("short context accepted")
	}
	if _, err := Run("/nonexistent.o", "x", nil); err == nil {
		t.Errorf("missing object accepted")
	}
}

// TestRunResult checks Result's raw form on one program: per-CPU values for
// every possible CPU, the pinned CPU, map info.
func TestRunResult(t *testing.T) {
	if err := Available(); err != nil {
		t.Skip(err)
	}
	x := pcpuArrayCtx{Idx: [2]uint32{1, 2}, Add: [2]uint64{10, 20}}
	res, err := Run(filepath.Join(elfDir, "maps.o"), "percpu_array_ops", enc(x))
	if err != nil {
		t.Fatal(err)
	}
	ncpu, err := ebpf.PossibleCPU()
	if err != nil {
		t.Fatal(err)
	}
	info := res.MapInfo["pcpu_array"]
	if !info.PerCPU || info.ValueSize != 8 || info.MaxEntries != 4 || res.PossibleCPUs != ncpu {
		t.Fatalf("map info %+v, possible CPUs %d", info, res.PossibleCPUs)
	}
	v := res.Maps["pcpu_array"][key32(1)]
	if len(v) != 8*ncpu {
		t.Fatalf("per-CPU value has %d bytes, want %d", len(v), 8*ncpu)
	}
	for cpu := 0; cpu < ncpu; cpu++ {
		want := uint64(0)
		if cpu == res.CPU {
			want = 10
		}
		if got := binary.LittleEndian.Uint64(res.PerCPUValue("pcpu_array", key32(1), cpu)); got != want {
			t.Errorf("cpu %d: %d, want %d", cpu, got, want)
		}
	}
	if _, ok := res.Maps["array_map"]; !ok {
		t.Errorf("maps of the object that the program does not use are dumped too")
	}
	if _, ok := res.Queues["queue_map"]; !ok {
		t.Errorf("queues are drained into Queues")
	}
	if ncpu > 1 {
		other := (res.CPU + 1) % ncpu
		var set unix.CPUSet
		if unix.SchedGetaffinity(0, &set) == nil && set.IsSet(other) {
			res2, err := Run(filepath.Join(elfDir, "maps.o"), "percpu_array_ops", enc(x), OnCPU(other))
			if err != nil {
				t.Fatal(err)
			}
			if res2.CPU != other || binary.LittleEndian.Uint64(res2.PerCPUValue("pcpu_array", key32(1), other)) != 10 {
				t.Errorf("OnCPU(%d): ran on %d", other, res2.CPU)
			}
		}
	}
}

func TestWithProgArray(t *testing.T) {
	if err := Available(); err != nil {
		t.Skip(err)
	}
	// slot 0 is empty in the object; fill it with tail_step2
	res, err := Run(filepath.Join(elfDir, "tailcall.o"), "tail_entry", enc(tailCtx{Slot: 0, Arg: 1}),
		WithProgArray("jmp_table", 0, "tail_step2"))
	if err != nil {
		t.Fatal(err)
	}
	if res.R0 != 2002 {
		t.Errorf("r0 = %d, want 2002 (tail_step2 via slot 0)", res.R0)
	}
	if _, err := Run(filepath.Join(elfDir, "tailcall.o"), "tail_entry", enc(tailCtx{}),
		WithProgArray("no_map", 0, "tail_step2")); err == nil {
		t.Errorf("unknown program array accepted")
	}
}

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(m.Run())
}
