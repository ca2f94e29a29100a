package progen_test

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"testing"

	"github.com/ebpfjit/ebpfjit/asm"
	"github.com/ebpfjit/ebpfjit/internal/progen"
	"github.com/ebpfjit/ebpfjit/interp"
	"github.com/ebpfjit/ebpfjit/isa"
	"github.com/ebpfjit/ebpfjit/validate"
	"github.com/ebpfjit/ebpfjit/vm"
)

// maxSteps is far above the polls any generated program may pass.
const maxSteps = 200_000

type result struct {
	r0    uint64
	fault vm.Fault
	pc    int
	mem   []byte
}

func run(t *testing.T, p *progen.Program) result {
	t.Helper()
	ip, err := interp.New(p.Insns, interp.Options{Helpers: progen.DeterministicHelpers(), Budget: maxSteps})
	if err != nil {
		t.Fatalf("interp.New: %v\n%s", err, p.Text)
	}
	mem := bytes.Clone(p.Mem)
	r0, err := ip.Run(mem)
	res := result{r0: r0, mem: mem}
	if err != nil {
		var re *vm.RunError
		if !errors.As(err, &re) {
			t.Fatalf("run error %v is not a *vm.RunError\n%s", err, p.Text)
		}
		res.fault, res.pc = re.Fault, re.PC
	}
	return res
}

// check validates p, runs it twice and checks what every generated
// program promises.
func check(t *testing.T, p *progen.Program, what string, maxInsns int) result {
	t.Helper()
	if _, err := validate.Program(p.Insns, &validate.Options{Helpers: progen.DeterministicHelpers()}); err != nil {
		t.Fatalf("%s: invalid program: %v\n%s", what, err, p.Text)
	}
	a := run(t, p)
	if a.fault == vm.FaultBudget {
		t.Fatalf("%s: still running after %d polls\n%s", what, maxSteps, p.Text)
	}
	if a.fault != vm.FaultNone && !p.MayFault {
		t.Fatalf("%s: fault %v at %d in a program that must not fault\n%s", what, a.fault, a.pc, p.Text)
	}
	if len(p.Insns) > maxInsns {
		t.Fatalf("%s: %d slots, more than %d", what, len(p.Insns), maxInsns)
	}
	b := run(t, p)
	if a.r0 != b.r0 || a.fault != b.fault || a.pc != b.pc || !bytes.Equal(a.mem, b.mem) {
		t.Fatalf("%s: two runs differ: %+v and %+v\n%s", what, a, b, p.Text)
	}
	return a
}

func TestGeneratedProgramsRun(t *testing.T) {
	n, faults, mayFault := 3000, 0, 0
	if testing.Short() {
		n = 500
	}
	for seed := range uint64(n) {
		p := progen.Generate(progen.NewRandSource(seed), progen.Config{})
		res := check(t, p, fmt.Sprintf("seed %d", seed), 256)
		if p.MayFault {
			mayFault++
		}
		if res.fault != vm.FaultNone {
			faults++
		}
	}
	t.Logf("%d programs, %d in faulting mode, %d faulted", n, mayFault, faults)
	if mayFault == 0 || faults == 0 {
		t.Errorf("no faulting programs were generated")
	}
}

// TestDeterministicAcrossAddresses runs each program on inputs at
// different addresses: the result must not change, since no pointer may
// reach data.
func TestDeterministicAcrossAddresses(t *testing.T) {
	for seed := range uint64(1000) {
		p := progen.Generate(progen.NewRandSource(seed), progen.Config{})
		ip, err := interp.New(p.Insns, interp.Options{Helpers: progen.DeterministicHelpers(), Budget: maxSteps})
		if err != nil {
			t.Fatal(err)
		}
		var first result
		for i := range 3 {
			// A buffer with padding in front puts the input elsewhere.
			buf := make([]byte, 8*i+len(p.Mem))
			mem := buf[8*i:]
			copy(mem, p.Mem)
			r0, err := ip.Run(mem)
			res := result{r0: r0, mem: mem}
			var re *vm.RunError
			if errors.As(err, &re) {
				res.r0, res.fault, res.pc = 0, re.Fault, re.PC
			}
			if i == 0 {
				first = res
			} else if res.r0 != first.r0 || res.fault != first.fault || res.pc != first.pc || !bytes.Equal(res.mem, first.mem) {
				t.Fatalf("seed %d: result depends on the input address: %+v vs %+v\n%s", seed, res, first, p.Text)
			}
		}
	}
}

func TestConfig(t *testing.T) {
	for _, cfg := range []progen.Config{
		{MaxInsns: 64},
		{MaxInsns: 100},
		{MaxInsns: 200},
		{MaxInsns: 2000},
		{MemSize: 16},
		{MemSize: 1000},
		{Disable: progen.Calls | progen.CallX | progen.Helpers | progen.Atomics | progen.Loops | progen.LegacyLoads | progen.Faults},
		{Disable: progen.Loops},
		{Disable: progen.Calls},
	} {
		for seed := range uint64(300) {
			p := progen.Generate(progen.NewRandSource(seed), cfg)
			check(t, p, fmt.Sprintf("%+v seed %d", cfg, seed), cmp.Or(cfg.MaxInsns, 256))
			if cfg.MemSize != 0 && len(p.Mem) != cfg.MemSize {
				t.Fatalf("memory of %d bytes, want %d", len(p.Mem), cfg.MemSize)
			}
			for pc, ins := range p.Insns {
				kind := ins.Kind()
				switch {
				case cfg.Disable&progen.Loops != 0 && (kind == isa.KindJump && ins.Offset < 0 || kind == isa.KindJA && ins.Offset < 0 || kind == isa.KindJA32 && ins.Imm < 0):
					t.Fatalf("%+v seed %d: back edge at %d\n%s", cfg, seed, pc, p.Text)
				case cfg.Disable&progen.Calls != 0 && (kind == isa.KindCallLocal || ins.IsLDDW() && ins.Src == isa.PseudoFunc):
					t.Fatalf("%+v seed %d: local call at %d\n%s", cfg, seed, pc, p.Text)
				case cfg.Disable&progen.Atomics != 0 && kind == isa.KindAtomic,
					cfg.Disable&progen.Helpers != 0 && kind == isa.KindCall,
					cfg.Disable&progen.CallX != 0 && kind == isa.KindCallX,
					cfg.Disable&progen.LegacyLoads != 0 && kind == isa.KindLegacyLoad:
					t.Fatalf("%+v seed %d: disabled instruction at %d\n%s", cfg, seed, pc, p.Text)
				}
			}
			if cfg.Disable&progen.Faults != 0 && p.MayFault {
				t.Fatalf("%+v seed %d: faulting program", cfg, seed)
			}
		}
	}
}

func TestTextReassembles(t *testing.T) {
	for seed := range uint64(200) {
		p := progen.Generate(progen.NewRandSource(seed), progen.Config{})
		prog, err := asm.Assemble(p.Text)
		if err != nil {
			t.Fatalf("seed %d: %v\n%s", seed, err, p.Text)
		}
		if !bytes.Equal(isa.Encode(prog), isa.Encode(p.Insns)) {
			t.Fatalf("seed %d: text does not reassemble to the program", seed)
		}
	}
}

func TestSameSourceSameProgram(t *testing.T) {
	a := progen.Generate(progen.NewRandSource(42), progen.Config{})
	b := progen.Generate(progen.NewRandSource(42), progen.Config{})
	if a.Text != b.Text || !bytes.Equal(a.Mem, b.Mem) {
		t.Fatal("the same seed gave two programs")
	}
}

func TestByteSource(t *testing.T) {
	// No bytes at all: every decision is 0 and the program is minimal.
	p := progen.Generate(&progen.ByteSource{}, progen.Config{})
	check(t, p, "empty input", 256)
	for seed := range uint64(500) {
		data := make([]byte, 64+seed)
		r := progen.NewRandSource(seed)
		for i := range data {
			data[i] = byte(r.Uint64())
		}
		p := progen.Generate(&progen.ByteSource{Data: data}, progen.Config{})
		check(t, p, fmt.Sprintf("bytes of seed %d", seed), 256)
	}
}

// key names what an instruction is, down to the fields that select an
// operation (signedness, widths, atomic operation, call kind), so that
// coverage can be checked form by form.
func key(ins isa.Instruction) string {
	k := fmt.Sprintf("%02x", ins.Opcode)
	switch ins.Kind() {
	case isa.KindALU, isa.KindMovSX:
		if ins.Offset != 0 {
			k += fmt.Sprintf(" off %d", ins.Offset)
		}
	case isa.KindEnd, isa.KindBswap, isa.KindAtomic:
		k += fmt.Sprintf(" imm %#x", ins.Imm)
	case isa.KindCall:
		k += fmt.Sprintf(" helper %d", ins.Imm)
	case isa.KindCallLocal, isa.KindLDDW:
		k += fmt.Sprintf(" src %d", ins.Src)
	}
	return k
}

// wantKeys lists every form the generator claims to produce.
func wantKeys() []string {
	var want []string
	add := func(ins isa.Instruction) { want = append(want, key(ins)) }
	for _, cls := range []isa.Class{isa.ClassALU, isa.ClassALU64} {
		for _, src := range []isa.Source{isa.SourceK, isa.SourceX} {
			for _, op := range []isa.ALUOp{isa.ALUAdd, isa.ALUSub, isa.ALUMul, isa.ALUDiv, isa.ALUOr, isa.ALUAnd,
				isa.ALULsh, isa.ALURsh, isa.ALUMod, isa.ALUXor, isa.ALUMov, isa.ALUArsh} {
				add(isa.Instruction{Opcode: uint8(cls) | uint8(op) | uint8(src)})
				if op == isa.ALUDiv || op == isa.ALUMod {
					add(isa.Instruction{Opcode: uint8(cls) | uint8(op) | uint8(src), Offset: 1})
				}
			}
		}
		add(isa.Instruction{Opcode: uint8(cls) | uint8(isa.ALUNeg)})
		for _, w := range []int16{8, 16, 32} {
			if w < 32 || cls == isa.ClassALU64 {
				add(isa.Instruction{Opcode: uint8(cls) | uint8(isa.ALUMov) | uint8(isa.SourceX), Offset: w})
			}
		}
		for _, w := range []int32{16, 32, 64} {
			add(isa.Instruction{Opcode: uint8(cls) | uint8(isa.ALUEnd), Imm: w})
			if cls == isa.ClassALU {
				add(isa.Instruction{Opcode: uint8(cls) | uint8(isa.ALUEnd) | uint8(isa.SourceX), Imm: w})
			}
		}
		jcls := isa.ClassJMP
		if cls == isa.ClassALU {
			jcls = isa.ClassJMP32
		}
		for _, src := range []isa.Source{isa.SourceK, isa.SourceX} {
			for _, op := range []isa.JumpOp{isa.JumpEq, isa.JumpGT, isa.JumpGE, isa.JumpSet, isa.JumpNE, isa.JumpSGT,
				isa.JumpSGE, isa.JumpLT, isa.JumpLE, isa.JumpSLT, isa.JumpSLE} {
				add(isa.Instruction{Opcode: uint8(jcls) | uint8(op) | uint8(src)})
			}
		}
	}
	add(isa.Instruction{Opcode: isa.OpJA})
	add(isa.Instruction{Opcode: isa.OpJA32})
	add(isa.Instruction{Opcode: isa.OpExit})
	add(isa.Instruction{Opcode: isa.OpCallX})
	add(isa.Instruction{Opcode: isa.OpCall, Src: isa.CallLocal})
	for _, id := range progen.HelperIDs {
		add(isa.Instruction{Opcode: isa.OpCall, Imm: id})
	}
	add(isa.Instruction{Opcode: isa.OpLDDW})
	add(isa.Instruction{Opcode: isa.OpLDDW, Src: isa.PseudoFunc})
	for _, size := range []isa.Size{isa.SizeB, isa.SizeH, isa.SizeW, isa.SizeDW} {
		add(isa.Instruction{Opcode: uint8(isa.ClassLDX) | uint8(isa.ModeMEM) | uint8(size)})
		add(isa.Instruction{Opcode: uint8(isa.ClassST) | uint8(isa.ModeMEM) | uint8(size)})
		add(isa.Instruction{Opcode: uint8(isa.ClassSTX) | uint8(isa.ModeMEM) | uint8(size)})
		if size != isa.SizeDW {
			add(isa.Instruction{Opcode: uint8(isa.ClassLDX) | uint8(isa.ModeMEMSX) | uint8(size)})
			add(isa.Instruction{Opcode: uint8(isa.ClassLD) | uint8(isa.ModeABS) | uint8(size)})
			add(isa.Instruction{Opcode: uint8(isa.ClassLD) | uint8(isa.ModeIND) | uint8(size)})
		}
		if size == isa.SizeW || size == isa.SizeDW {
			for _, op := range []int32{isa.AtomicAdd, isa.AtomicOr, isa.AtomicAnd, isa.AtomicXor, isa.AtomicXchg, isa.AtomicCmpXchg} {
				add(isa.Instruction{Opcode: uint8(isa.ClassSTX) | uint8(isa.ModeATOMIC) | uint8(size), Imm: op})
				if op != isa.AtomicXchg && op != isa.AtomicCmpXchg {
					add(isa.Instruction{Opcode: uint8(isa.ClassSTX) | uint8(isa.ModeATOMIC) | uint8(size), Imm: op | isa.AtomicFetch})
				}
			}
		}
	}
	return want
}

// TestCoverage checks that a few thousand programs contain every
// instruction form, and the situations around them that engines get
// wrong: back edges of every kind, calls in both directions, accesses
// through computed addresses, and each kind of deliberate fault.
func TestCoverage(t *testing.T) {
	seen := map[string]int{}
	faults := map[vm.Fault]int{}
	situations := map[string]int{}
	for seed := range uint64(2000) {
		p := progen.Generate(progen.NewRandSource(seed), progen.Config{})
		for pc := 0; pc < len(p.Insns); pc++ {
			ins := p.Insns[pc]
			seen[key(ins)]++
			switch kind := ins.Kind(); {
			case kind == isa.KindJump && ins.Offset < 0:
				situations["conditional back edge"]++
			case kind == isa.KindJA && ins.Offset < 0, kind == isa.KindJA32 && ins.Imm < 0:
				situations["unconditional back edge"]++
			case kind == isa.KindCallLocal && ins.Imm < 0:
				situations["call backwards"]++
			case kind == isa.KindCallLocal:
				situations["call forwards"]++
			case kind == isa.KindCallX:
				situations["callx"]++
			case kind == isa.KindLoad && ins.Src != isa.R10 && pc > 0 && p.Insns[pc-1].Kind() == isa.KindALU:
				situations["load through a computed address"]++
			}
			if ins.IsLDDW() {
				pc++
			}
		}
		res := run(t, p)
		faults[res.fault]++
	}
	for _, k := range wantKeys() {
		if seen[k] == 0 {
			t.Errorf("no instruction %s in 2000 programs", k)
		}
	}
	for _, f := range []vm.Fault{vm.FaultNone, vm.FaultOutOfBounds, vm.FaultMisaligned, vm.FaultCallDepth} {
		if faults[f] == 0 {
			t.Errorf("no run ended with %v", f)
		}
	}
	for _, s := range []string{"conditional back edge", "unconditional back edge", "call backwards", "call forwards", "callx", "load through a computed address"} {
		if situations[s] == 0 {
			t.Errorf("no %s", s)
		}
	}
	t.Logf("%d forms, faults %v, situations %v", len(seen), faults, situations)
}
