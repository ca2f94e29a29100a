package loader_test

// CO-RE relocations applied offline. The programs of testdata/core are
// compiled against a local definition of struct task_info
// (testdata/core/core_types.h); the targets core_target_a.o and
// core_target_b.o define the same types with other layouts, fields, enum
// values and types. Each program reads its context, laid out as the target
// says, and writes what it saw to the global `out`, so a run shows which
// layout the relocated instructions assumed.

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cilium/ebpf/btf"

	"github.com/ebpfjit/ebpfjit"
	"github.com/ebpfjit/ebpfjit/engine"
	"github.com/ebpfjit/ebpfjit/isa"
	"github.com/ebpfjit/ebpfjit/loader"
)

const coreDir = "../testdata/core"

// coreEngines are the engines every CO-RE object runs on.
var coreEngines = []struct {
	name  string
	eng   string
	level int
}{
	{"interp", "interp", 0},
	{"jit-O0", "jit", 0},
	{"jit-O2", "jit", 2},
}

// coreSentinel is the helper id cilium/ebpf (and libbpf) call in place of
// an instruction whose CO-RE relocation cannot be satisfied.
const coreSentinel = btf.COREBadRelocationSentinel

// taskLayout is where a target puts the fields of struct task_info, and
// what the relocated constants of core_info must come out as.
type taskLayout struct {
	size                   int
	pid, start, comm       int
	flags                  int
	runtime, switches      int // absolute offsets of stats.runtime, stats.switches
	stats                  int
	stateBit, stateBits    int // absolute bit offset and width
	prioBit, prioBits      int
	extra                  int // -1: no such field
	hasTaskExtra           bool
	hasTSDead              bool
	tsSleeping, tsStopped  uint64
	sizeStats, sizeTaskExt int
}

// The layouts of the targets, as their C sources document them; checked
// against the targets' BTF by TestCORETargetLayouts.
var (
	layoutLocal = taskLayout{
		size: 64, pid: 0, start: 8, comm: 16, flags: 32, stats: 40, runtime: 40, switches: 48,
		stateBit: 56 * 8, stateBits: 4, prioBit: 56*8 + 4, prioBits: 6, extra: 58,
		hasTaskExtra: true, hasTSDead: true, tsSleeping: 1, tsStopped: 2, sizeStats: 16, sizeTaskExt: 4,
	}
	layoutA = taskLayout{
		size: 72, comm: 0, start: 24, flags: 32, pid: 36, extra: 40, stats: 48, switches: 48, runtime: 56,
		stateBit: 64*8 + 3, stateBits: 4, prioBit: 64*8 + 7, prioBits: 6,
		hasTaskExtra: true, hasTSDead: true, tsSleeping: 20, tsStopped: 30, sizeStats: 16, sizeTaskExt: 16,
	}
	layoutB = taskLayout{
		size: 56, stats: 0, runtime: 0, switches: 8, flags: 16, pid: 24, comm: 28, start: 48,
		stateBit: 20*8 + 8, stateBits: 4, prioBit: 20*8 + 16, prioBits: 6, extra: -1,
		hasTaskExtra: false, hasTSDead: false, tsSleeping: 100, tsStopped: 200, sizeStats: 16,
	}
)

// The values the tests store in the context.
const (
	valPid      = 4242
	valStart    = 0x1122334455667788
	valFlags    = 0x00C0FFEE
	valRuntime  = 0x0102030405060708
	valSwitches = 77777
	valState    = 9
	valPrio     = -17
	valExtra    = 0xBEEF
)

var valComm = [16]byte{'e', 'b', 'p', 'f', 'j', 'i', 't', '-', 'c', 'o', 'r', 'e'}

// coreOut mirrors struct core_out of core_prog.c (the global `out`).
type coreOut struct {
	Pid, Start                             int64
	Comm0, Comm3, Flags, Switches, Runtime uint64
	State                                  uint64
	Prio                                   int64
	Comm                                   [16]byte
	HasExtra, HasFlags                     uint64
	SizeStart, SizeComm, SizeStats         uint64
	OffPid, OffStats, OffSwitches          uint64
	HasTaskExtra, HasTaskInfo              uint64
	SizeTaskInfo                           uint64
	HasTSDead, TSSleeping, TSStopped       uint64
}

// context lays the test values out as l says. Bytes no field covers are
// 0x5A, so a read at a wrong offset shows.
func (l taskLayout) context() []byte {
	b := bytes.Repeat([]byte{0x5A}, l.size)
	le := binary.LittleEndian
	le.PutUint32(b[l.pid:], valPid)
	le.PutUint64(b[l.start:], valStart)
	copy(b[l.comm:], valComm[:])
	le.PutUint32(b[l.flags:], valFlags)
	le.PutUint64(b[l.runtime:], valRuntime)
	le.PutUint32(b[l.switches:], valSwitches)
	putBits(b, l.stateBit, l.stateBits, valState)
	prio := int64(valPrio)
	putBits(b, l.prioBit, l.prioBits, uint64(prio))
	if l.extra >= 0 {
		le.PutUint16(b[l.extra:], valExtra)
	}
	return b
}

// putBits stores the low n bits of v at bit offset off (little-endian bit
// numbering, as BTF bitfield offsets are on little-endian targets).
func putBits(b []byte, off, n int, v uint64) {
	for i := 0; i < n; i++ {
		byteIdx, bit := (off+i)/8, uint((off+i)%8)
		if v>>uint(i)&1 != 0 {
			b[byteIdx] |= 1 << bit
		} else {
			b[byteIdx] &^= 1 << bit
		}
	}
}

func loadTarget(t testing.TB, name string) *btf.Spec {
	t.Helper()
	spec, err := btf.LoadSpec(filepath.Join(coreDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

func readCoreFile(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(coreDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// layoutFromBTF reads struct task_info's layout out of a BTF spec.
func layoutFromBTF(t *testing.T, spec *btf.Spec) taskLayout {
	t.Helper()
	var info *btf.Struct
	if err := spec.TypeByName("task_info", &info); err != nil {
		t.Fatal(err)
	}
	l := taskLayout{size: int(info.Size), extra: -1}
	for _, m := range info.Members {
		off := int(m.Offset.Bytes())
		switch m.Name {
		case "pid":
			l.pid = off
		case "start":
			l.start = off
		case "comm":
			l.comm = off
		case "flags":
			l.flags = off
		case "extra":
			l.extra = off
		case "state":
			l.stateBit, l.stateBits = int(m.Offset), int(m.BitfieldSize)
		case "prio":
			l.prioBit, l.prioBits = int(m.Offset), int(m.BitfieldSize)
		case "stats":
			l.stats = off
			st := m.Type.(*btf.Struct)
			l.sizeStats = int(st.Size)
			for _, sm := range st.Members {
				switch sm.Name {
				case "runtime":
					l.runtime = off + int(sm.Offset.Bytes())
				case "switches":
					l.switches = off + int(sm.Offset.Bytes())
				}
			}
		}
	}
	var extra *btf.Struct
	if err := spec.TypeByName("task_extra", &extra); err == nil {
		l.hasTaskExtra, l.sizeTaskExt = true, int(extra.Size)
	}
	var state *btf.Enum
	if err := spec.TypeByName("task_state", &state); err != nil {
		t.Fatal(err)
	}
	for _, v := range state.Values {
		switch v.Name {
		case "TS_DEAD":
			l.hasTSDead = true
		case "TS_SLEEPING":
			l.tsSleeping = v.Value
		case "TS_STOPPED":
			l.tsStopped = v.Value
		}
	}
	return l
}

// TestCORETargetLayouts checks the fixtures: the layouts the tests assume
// are the targets' (and the program's own BTF's), and they differ.
func TestCORETargetLayouts(t *testing.T) {
	for _, tc := range []struct {
		file string
		want taskLayout
	}{
		{"core_prog.o", layoutLocal},
		{"core_target_a.o", layoutA},
		{"core_target_b.o", layoutB},
	} {
		got := layoutFromBTF(t, loadTarget(t, tc.file))
		if got != tc.want {
			t.Errorf("%s: task_info layout\n got %+v\nwant %+v", tc.file, got, tc.want)
		}
	}
	if layoutA.pid == layoutLocal.pid || layoutB.pid == layoutLocal.pid || layoutA.pid == layoutB.pid {
		t.Error("the targets must move pid")
	}
}

// readOut returns the global `out` of a collection of core_prog.o.
func readOut(t *testing.T, c *loader.Collection) coreOut {
	t.Helper()
	bss := c.Map(".bss")
	if bss == nil {
		t.Fatal("no .bss")
	}
	v, err := bss.Lookup(make([]byte, 4))
	if err != nil {
		t.Fatal(err)
	}
	var out coreOut
	if err := binary.Read(bytes.NewReader(v), binary.LittleEndian, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkCoreRun runs every program of core_prog.o on a context laid out as
// l and checks what each saw. run runs a program on a context in place;
// out reads the global `out`.
func checkCoreRun(t *testing.T, l taskLayout, run func(prog string, ctx []byte) (uint64, error), out func() coreOut) {
	t.Helper()
	ctx := l.context()
	r0, err := run("core_fields", ctx)
	if err != nil {
		t.Fatalf("core_fields: %v", err)
	}
	o := out()
	if r0 != valPid || o.Pid != valPid || o.Start != valStart || o.Comm0 != uint64(valComm[0]) ||
		o.Comm3 != uint64(valComm[3]) || o.Flags != valFlags || o.Switches != valSwitches {
		t.Errorf("core_fields: r0 %d, out %+v; want pid %d start %#x comm[0] %d comm[3] %d flags %#x switches %d",
			r0, o, valPid, valStart, valComm[0], valComm[3], valFlags, valSwitches)
	}
	// The stores went to the target's offsets and nowhere else.
	want := l.context()
	binary.LittleEndian.PutUint32(want[l.flags:], valFlags|0x80000000)
	binary.LittleEndian.PutUint64(want[l.start:], valStart+1)
	if !bytes.Equal(ctx, want) {
		t.Errorf("core_fields: context after the run\n got %x\nwant %x", ctx, want)
	}

	r0, err = run("core_probe_read", l.context())
	if err != nil {
		t.Fatalf("core_probe_read: %v", err)
	}
	o = out()
	if r0 != valSwitches || o.Runtime != valRuntime || o.Comm != valComm {
		t.Errorf("core_probe_read: r0 %d, runtime %#x, comm %q; want %d, %#x, %q", r0, o.Runtime, o.Comm, valSwitches, uint64(valRuntime), valComm)
	}

	r0, err = run("core_bitfields", l.context())
	if err != nil {
		t.Fatalf("core_bitfields: %v", err)
	}
	o = out()
	if r0 != valState || o.State != valState || o.Prio != valPrio {
		t.Errorf("core_bitfields: r0 %d, state %d, prio %d; want %d, %d, %d", r0, o.State, o.Prio, valState, valState, valPrio)
	}

	r0, err = run("core_subprog", l.context())
	if want := uint64(valPid + valSwitches + int(valComm[1])); err != nil || r0 != want {
		t.Errorf("core_subprog: r0 %d, %v; want %d (pid + switches + comm[1], read in callees)", r0, err, want)
	}

	if _, err := run("core_info", l.context()); err != nil {
		t.Fatalf("core_info: %v", err)
	}
	o = out()
	b2u := func(b bool) uint64 {
		if b {
			return 1
		}
		return 0
	}
	checks := []struct {
		name      string
		got, want uint64
	}{
		{"field_exists(extra)", o.HasExtra, b2u(l.extra >= 0)},
		{"field_exists(flags)", o.HasFlags, 1},
		{"field_size(start)", o.SizeStart, 8},
		{"field_size(comm)", o.SizeComm, 16},
		{"field_size(stats)", o.SizeStats, uint64(l.sizeStats)},
		{"field_offset(pid)", o.OffPid, uint64(l.pid)},
		{"field_offset(stats)", o.OffStats, uint64(l.stats)},
		{"field_offset(task_stats.switches)", o.OffSwitches, uint64(l.switches - l.stats)},
		{"type_exists(task_extra)", o.HasTaskExtra, b2u(l.hasTaskExtra)},
		{"type_exists(task_info)", o.HasTaskInfo, 1},
		{"type_size(task_info)", o.SizeTaskInfo, uint64(l.size)},
		{"enum_value_exists(TS_DEAD)", o.HasTSDead, b2u(l.hasTSDead)},
		{"enum_value(TS_SLEEPING)", o.TSSleeping, l.tsSleeping},
		{"enum_value(TS_STOPPED)", o.TSStopped, l.tsStopped},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("core_info: %s = %d, want %d", c.name, c.got, c.want)
		}
	}
}

var coreTargets = []struct {
	name   string
	file   string
	layout taskLayout
}{
	{"A", "core_target_a.o", layoutA},
	{"B", "core_target_b.o", layoutB},
}

// TestCORERelocations loads core_prog.o through loader.Parse with each
// target and runs it on every engine: every access follows the target's
// layout.
func TestCORERelocations(t *testing.T) {
	data := readCoreFile(t, "core_prog.o")
	for _, tg := range coreTargets {
		spec := loadTarget(t, tg.file)
		obj, err := loader.Parse(data, loader.ParseOptions{CORETarget: spec})
		if err != nil {
			t.Fatalf("target %s: %v", tg.name, err)
		}
		// The first instruction of core_fields loads pid: its offset is
		// the target's now.
		for _, p := range obj.Programs {
			if p.Name == "core_fields" {
				if ins := p.Insns[0]; int(ins.Offset) != tg.layout.pid {
					t.Errorf("target %s: core_fields starts with %+v, want a load from offset %d", tg.name, ins, tg.layout.pid)
				}
			}
		}
		for _, eng := range coreEngines {
			t.Run(tg.name+"/"+eng.name, func(t *testing.T) {
				c, err := engine.LoadObject(obj, eng.eng, eng.level, loader.Options{})
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				checkCoreRun(t, tg.layout,
					func(prog string, ctx []byte) (uint64, error) { return c.Program(prog).RunInPlace(ctx) },
					func() coreOut { return readOut(t, c) })
			})
		}
	}
}

// TestCOREThroughLoadFile passes the target through loader.Options.Parse
// to engine.LoadFile.
func TestCOREThroughLoadFile(t *testing.T) {
	for _, tg := range coreTargets {
		t.Run(tg.name, func(t *testing.T) {
			c, err := engine.LoadFile(filepath.Join(coreDir, "core_prog.o"), "jit", 2,
				loader.Options{Parse: loader.ParseOptions{CORETarget: loadTarget(t, tg.file)}})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			checkCoreRun(t, tg.layout,
				func(prog string, ctx []byte) (uint64, error) { return c.Program(prog).RunInPlace(ctx) },
				func() coreOut { return readOut(t, c) })
		})
	}
}

// publicRun adapts a public-API collection to checkCoreRun.
func publicRun(t *testing.T, coll *ebpfjit.Collection) (func(string, []byte) (uint64, error), func() coreOut) {
	run := func(prog string, ctx []byte) (uint64, error) {
		p, err := coll.Program(prog)
		if err != nil {
			return 0, err
		}
		return p.RunContext(context.Background(), ctx, nil)
	}
	out := func() coreOut {
		v, err := coll.Variable("out")
		if err != nil {
			t.Fatal(err)
		}
		var o coreOut
		if err := binary.Read(bytes.NewReader(v.Get()), binary.LittleEndian, &o); err != nil {
			t.Fatal(err)
		}
		return o
	}
	return run, out
}

// TestCOREPublicAPI loads through ebpfjit.Load with Options.BTF naming an
// ELF whose .BTF is the target.
func TestCOREPublicAPI(t *testing.T) {
	for _, tg := range coreTargets {
		for _, eng := range []ebpfjit.Engine{ebpfjit.Interpreter, ebpfjit.JIT} {
			t.Run(tg.name+"/"+string(eng), func(t *testing.T) {
				coll, err := ebpfjit.Load(filepath.Join(coreDir, "core_prog.o"),
					&ebpfjit.Options{Engine: eng, BTF: filepath.Join(coreDir, tg.file)})
				if err != nil {
					t.Fatal(err)
				}
				defer coll.Close()
				run, out := publicRun(t, coll)
				checkCoreRun(t, tg.layout, run, out)
			})
		}
	}
}

// TestCORERawBTF gives Options.BTF a raw BTF blob (the format of
// /sys/kernel/btf/vmlinux): target B's .BTF section written to a file.
func TestCORERawBTF(t *testing.T) {
	f, err := elf.Open(filepath.Join(coreDir, "core_target_b.o"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sec := f.Section(".BTF")
	if sec == nil {
		t.Fatal("core_target_b.o has no .BTF")
	}
	raw, err := sec.Data()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "target_b.btf")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	coll, err := ebpfjit.Load(filepath.Join(coreDir, "core_prog.o"), &ebpfjit.Options{Engine: ebpfjit.JIT, BTF: path})
	if err != nil {
		t.Fatal(err)
	}
	defer coll.Close()
	run, out := publicRun(t, coll)
	checkCoreRun(t, layoutB, run, out)
}

// TestCOREBadBTFOption: a BTF file that does not exist or is not BTF is an
// error naming the file, before the object is looked at.
func TestCOREBadBTFOption(t *testing.T) {
	junk := filepath.Join(t.TempDir(), "junk.btf")
	if err := os.WriteFile(junk, []byte("this is not BTF at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{filepath.Join(t.TempDir(), "missing.btf"), junk} {
		_, err := ebpfjit.Load(filepath.Join(coreDir, "core_prog.o"), &ebpfjit.Options{BTF: path})
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("BTF %s: got %v, want an error naming the file", path, err)
		}
	}
}

// TestCOREDefaultTarget: without a target, relocations resolve against the
// host kernel's BTF (btf.LoadKernelSpec, /sys/kernel/btf/vmlinux).
func TestCOREDefaultTarget(t *testing.T) {
	kspec, err := btf.LoadKernelSpec()
	if err != nil {
		t.Skipf("no kernel BTF on this host: %v", err)
	}
	var ts *btf.Struct
	if err := kspec.TypeByName("task_struct", &ts); err != nil {
		t.Fatal(err)
	}
	want := map[string]uint64{"size_task_struct": uint64(ts.Size), "has_tgid": 1}
	for _, m := range ts.Members {
		switch m.Name {
		case "pid":
			want["off_pid"] = uint64(m.Offset.Bytes())
			want["size_pid"] = 4
		case "tgid":
			want["off_tgid"] = uint64(m.Offset.Bytes())
		}
	}
	if want["off_pid"] == 0 || want["off_tgid"] == 0 {
		t.Fatalf("kernel task_struct has no pid or tgid: %v", want)
	}
	check := func(t *testing.T, v []byte) {
		got := map[string]uint64{}
		for i, name := range []string{"off_pid", "off_tgid", "size_pid", "size_task_struct", "has_tgid"} {
			got[name] = binary.LittleEndian.Uint64(v[8*i:])
		}
		for k, w := range want {
			if got[k] != w {
				t.Errorf("%s = %d, want %d (host kernel BTF)", k, got[k], w)
			}
		}
	}
	t.Run("loader", func(t *testing.T) {
		c, err := engine.LoadFile(filepath.Join(coreDir, "core_vmlinux.o"), "interp", 0, loader.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Program("vmlinux_info").Run(nil); err != nil {
			t.Fatal(err)
		}
		v, err := c.Map(".bss").Lookup(make([]byte, 4))
		if err != nil {
			t.Fatal(err)
		}
		check(t, v)
	})
	t.Run("public", func(t *testing.T) {
		coll, err := ebpfjit.Load(filepath.Join(coreDir, "core_vmlinux.o"), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer coll.Close()
		p, err := coll.Program("vmlinux_info")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Run(nil); err != nil {
			t.Fatal(err)
		}
		v, err := coll.Variable("vout")
		if err != nil {
			t.Fatal(err)
		}
		check(t, v.Get())
	})
	// core_prog.o's task_info is no kernel type: against the default
	// target its accesses are poisoned and the object does not load.
	t.Run("no-such-type", func(t *testing.T) {
		_, err := engine.LoadFile(filepath.Join(coreDir, "core_prog.o"), "interp", 0, loader.Options{})
		if err == nil {
			t.Fatal("core_prog.o loaded against the host kernel's BTF, which has no struct task_info")
		}
		if !strings.Contains(err.Error(), `program "core_`) {
			t.Errorf("error %q does not name the program", err)
		}
	})
}

// poisonedAt returns the index of the first poisoned instruction of a
// program (a call of the CO-RE sentinel helper, or an lddw of the sentinel
// into r10), or -1.
func poisonedAt(insns []isa.Instruction) int {
	for i, ins := range insns {
		if ins.Opcode == isa.OpCall && ins.Imm == coreSentinel {
			return i
		}
		if ins.IsLDDW() && ins.Dst == 10 && ins.Imm == coreSentinel {
			return i
		}
	}
	return -1
}

// TestCOREUnsatisfiable documents what happens to relocations that no
// target satisfies (core_missing.o reads a field and an enum value no
// target has, unguarded). As in cilium/ebpf and libbpf, Parse succeeds and
// poisons the instructions: the load becomes a call of helper 0xbad2310
// (195896080), the lddw an lddw of 0xbad2310 into r10. Building the
// program then fails on every engine, naming the program and the
// instruction; nothing runs.
func TestCOREUnsatisfiable(t *testing.T) {
	data := readCoreFile(t, "core_missing.o")
	wantPoison := map[string]int{"read_missing": 1, "read_missing_enum": 0}
	for _, tg := range coreTargets {
		obj, err := loader.Parse(data, loader.ParseOptions{CORETarget: loadTarget(t, tg.file)})
		if err != nil {
			t.Fatalf("target %s: Parse: %v (poisoning is not a parse error)", tg.name, err)
		}
		for _, p := range obj.Programs {
			pc := poisonedAt(p.Insns)
			if pc != wantPoison[p.Name] {
				t.Errorf("target %s: %s: poisoned instruction at %d, want %d", tg.name, p.Name, pc, wantPoison[p.Name])
			}
			single := &loader.Object{Programs: []*loader.ProgramSpec{p}, Maps: obj.Maps}
			for _, eng := range coreEngines {
				_, err := engine.LoadObject(single, eng.eng, eng.level, loader.Options{})
				if err == nil {
					t.Fatalf("target %s, %s: poisoned program %s loaded", tg.name, eng.name, p.Name)
				}
				msg := err.Error()
				if !strings.Contains(msg, fmt.Sprintf("program %q", p.Name)) || !strings.Contains(msg, fmt.Sprintf("instruction %d", pc)) {
					t.Errorf("target %s, %s: %q does not name the program and the instruction", tg.name, eng.name, msg)
				}
				if tg.name == "A" && eng.name == "interp" {
					t.Logf("%s: %v", p.Name, err)
				}
			}
		}
	}
}

// TestCOREPoisonErrorSaysCORE wants the error of a poisoned program to say
// that a CO-RE relocation failed (and which), as libbpf does ("failed to
// resolve CO-RE relocation <byte_off> [N] struct task_info___missing.
// missing"), not merely "unknown helper 195896080" for a poisoned
// instruction or "r10 is read-only" for a poisoned lddw (enum values,
// type ids), from which a user cannot tell that the target BTF lacks a
// type, field or enum value.
func TestCOREPoisonErrorSaysCORE(t *testing.T) {
	obj, err := loader.Parse(readCoreFile(t, "core_missing.o"), loader.ParseOptions{CORETarget: loadTarget(t, "core_target_a.o")})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range obj.Programs {
		single := &loader.Object{Programs: []*loader.ProgramSpec{p}, Maps: obj.Maps}
		_, err := engine.LoadObject(single, "interp", 0, loader.Options{})
		if err == nil {
			t.Errorf("%s: loaded", p.Name)
			continue
		}
		if !strings.Contains(err.Error(), "CO-RE") {
			t.Errorf("program %s: error %q does not say a CO-RE relocation failed", p.Name, err)
		}
	}
}

// TestCOREGuardedAccess is the common CO-RE idiom: an access guarded by
// bpf_core_field_exists / bpf_core_enum_value_exists /
// bpf_core_type_exists. Against a target without the field (enum value,
// type) the access is poisoned, but the relocated guard makes it dead
// code; the kernel verifier never looks at dead code, so the program loads
// and takes the fallback. So must ours: a validator that rejected the
// poisoned instruction wherever it is would refuse the object.
func TestCOREGuardedAccess(t *testing.T) {
	data := readCoreFile(t, "core_guard.o")
	for _, tc := range []struct {
		target string
		want   map[string]uint64
	}{
		// Target A has everything: extra, TS_DEAD = 40, a 16-byte task_extra.
		{"core_target_a.o", map[string]uint64{"guard_field": valExtra, "guard_enum": 40, "guard_type": 16}},
		// Target B has none of them: every program takes its fallback.
		{"core_target_b.o", map[string]uint64{"guard_field": 0xFFFF, "guard_enum": 0xDEAD, "guard_type": 0xE0}},
	} {
		obj, err := loader.Parse(data, loader.ParseOptions{CORETarget: loadTarget(t, tc.target)})
		if err != nil {
			t.Fatalf("%s: Parse: %v", tc.target, err)
		}
		layout := layoutA
		if tc.target == "core_target_b.o" {
			layout = layoutB
		}
		for _, eng := range coreEngines {
			t.Run(tc.target+"/"+eng.name, func(t *testing.T) {
				// One program at a time, so that each shows.
				for _, p := range obj.Programs {
					single := &loader.Object{Programs: []*loader.ProgramSpec{p}, Maps: obj.Maps}
					c, err := engine.LoadObject(single, eng.eng, eng.level, loader.Options{})
					if err != nil {
						t.Errorf("%s: does not load: %v", p.Name, err)
						continue
					}
					r0, err := c.Program(p.Name).Run(layout.context())
					c.Close()
					if err != nil || r0 != tc.want[p.Name] {
						t.Errorf("%s: r0 %#x, %v; want %#x", p.Name, r0, err, tc.want[p.Name])
					}
				}
			})
		}
	}
}

// TestCOREAmbiguousTarget: a target with two flavours of task_info
// (task_info, task_info___v2) that match equally well but disagree on the
// offsets. Relocation is ambiguous: Parse fails naming the program.
func TestCOREAmbiguousTarget(t *testing.T) {
	_, err := loader.Parse(readCoreFile(t, "core_prog.o"), loader.ParseOptions{CORETarget: loadTarget(t, "core_target_ambig.o")})
	if err == nil {
		t.Fatal("ambiguous relocation accepted")
	}
	msg := err.Error()
	if !strings.Contains(msg, `program "core_`) || !strings.Contains(msg, "CO-RE") || !strings.Contains(msg, "ambiguous") {
		t.Errorf("error %q should name the program and say the CO-RE relocation is ambiguous", msg)
	}
	// Through the public API the same error comes with the file name.
	_, err = ebpfjit.Load(filepath.Join(coreDir, "core_prog.o"), &ebpfjit.Options{BTF: filepath.Join(coreDir, "core_target_ambig.o")})
	if err == nil || !strings.Contains(err.Error(), "core_prog.o") || !strings.Contains(err.Error(), "ambiguous") {
		t.Errorf("ebpfjit.Load: %v", err)
	}
}

// TestCORETextOnly: an object whose only code is a .text function (no
// SEC, the benchmark-suite style the loader reads itself) can still carry
// CO-RE relocations in .BTF.ext. Relocated against target A,
// text_fields must read pid and flags at A's offsets (36 and 32), or the
// load must fail saying CO-RE is not supported there. Relocations
// silently dropped would read the local offsets (0 and 32) of A's context
// and get comm's bytes for pid.
func TestCORETextOnly(t *testing.T) {
	obj, err := loader.Parse(readCoreFile(t, "core_textonly.o"), loader.ParseOptions{CORETarget: loadTarget(t, "core_target_a.o")})
	if err != nil {
		if strings.Contains(err.Error(), "CO-RE") {
			return // refusing is fine
		}
		t.Fatal(err)
	}
	c, err := engine.LoadObject(obj, "interp", 0, loader.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r0, err := c.Program("text_fields").Run(layoutA.context())
	if err != nil {
		t.Fatal(err)
	}
	if want := uint64(uint32(valPid*1000 + valFlags)); r0 != want {
		t.Errorf("text_fields = %#x, want %#x (pid*1000 + flags at target A's offsets): the CO-RE relocations of .text were not applied", r0, want)
	}
}

// TestCORENarrowedField: target core_target_narrow.o shrinks the unsigned
// field `flags` from 4 to 2 bytes, followed by a 2-byte canary. libbpf
// narrows the direct loads and stores to 2 bytes. cilium/ebpf's
// COREFixup.Apply only rewrites the offset (the loader adjusts the width
// itself): left at that, core_fields would load 4 bytes (flags with the
// canary in the high half) and store 4 bytes (over the canary).
func TestCORENarrowedField(t *testing.T) {
	const canaryOff, canary = 34, 0x1234
	l := layoutLocal // the local layout but for flags (2 bytes) and the canary
	ctx := l.context()
	binary.LittleEndian.PutUint16(ctx[l.flags:], valFlags&0xFFFF)
	binary.LittleEndian.PutUint16(ctx[canaryOff:], canary)
	c, err := engine.LoadFile(filepath.Join(coreDir, "core_prog.o"), "interp", 0,
		loader.Options{Parse: loader.ParseOptions{CORETarget: loadTarget(t, "core_target_narrow.o")}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Program("core_fields").RunInPlace(ctx); err != nil {
		t.Fatal(err)
	}
	if got := readOut(t, c).Flags; got != valFlags&0xFFFF {
		t.Errorf("out.flags = %#x, want %#x: the 4-byte load was not narrowed to the target's 2-byte field", got, valFlags&0xFFFF)
	}
	if got := binary.LittleEndian.Uint16(ctx[canaryOff:]); got != canary {
		t.Errorf("canary after the run = %#x, want %#x: the 4-byte store to flags was not narrowed", got, canary)
	}
}

// TestCORETypeIDs: bpf_core_type_id_kernel is the matching type's id in
// the target BTF; bpf_core_type_id_local is the type's id in the
// program's own BTF, so different types get different ids. Resolving
// local ids in a fresh, empty BTF builder per program would give the
// first type a program asks about id 1, so id_local_info and
// id_local_stats would both return 1.
func TestCORETypeIDs(t *testing.T) {
	target := loadTarget(t, "core_target_a.o")
	own := loadTarget(t, "core_typeid.o")
	c, err := engine.LoadFile(filepath.Join(coreDir, "core_typeid.o"), "interp", 0,
		loader.Options{Parse: loader.ParseOptions{CORETarget: target}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	run := func(name string) uint64 {
		r0, err := c.Program(name).Run(nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return r0
	}
	idOf := func(spec *btf.Spec, name string) uint64 {
		var s *btf.Struct
		if err := spec.TypeByName(name, &s); err != nil {
			t.Fatal(err)
		}
		id, err := spec.TypeID(s)
		if err != nil {
			t.Fatal(err)
		}
		return uint64(id)
	}
	if got, want := run("id_target_info"), idOf(target, "task_info"); got != want {
		t.Errorf("bpf_core_type_id_kernel(struct task_info) = %d, want %d (its id in the target)", got, want)
	}
	info, stats := run("id_local_info"), run("id_local_stats")
	if info == stats {
		t.Errorf("bpf_core_type_id_local gives %d for both struct task_info and struct task_stats", info)
	}
	if want := idOf(own, "task_info"); info != want {
		t.Errorf("bpf_core_type_id_local(struct task_info) = %d, want %d (its id in the object's BTF)", info, want)
	}
	if want := idOf(own, "task_stats"); stats != want {
		t.Errorf("bpf_core_type_id_local(struct task_stats) = %d, want %d (its id in the object's BTF)", stats, want)
	}
}
