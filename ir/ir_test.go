package ir

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ebpfjit/ebpfjit/asm"
	"github.com/ebpfjit/ebpfjit/conformance"
	"github.com/ebpfjit/ebpfjit/internal/progen"
	"github.com/ebpfjit/ebpfjit/interp"
	"github.com/ebpfjit/ebpfjit/isa"
	"github.com/ebpfjit/ebpfjit/validate"
	"github.com/ebpfjit/ebpfjit/vm"
)

// buildLevel builds and optimises prog, verifying every function after
// every pass.
func buildLevel(t *testing.T, prog []isa.Instruction, level Level) *Program {
	t.Helper()
	info, err := validate.Program(prog, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Build(prog, info, BuildOptions{PromoteStack: level >= O2})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range p.Funcs {
		if err := f.Verify(); err != nil {
			t.Fatalf("after construction: %v\n%s", err, f)
		}
		if level < O2 {
			continue
		}
		for round := 0; round < maxRounds; round++ {
			changed := false
			for _, pass := range Passes {
				before := f.String()
				if pass.Run(f) {
					changed = true
				}
				if err := f.Verify(); err != nil {
					t.Fatalf("after pass %s: %v\nbefore:\n%s\nafter:\n%s", pass.Name, err, before, f)
				}
			}
			if !changed {
				break
			}
		}
	}
	return p
}

func runInterp(t *testing.T, prog []isa.Instruction, mem []byte) progen.Outcome {
	p, err := interp.New(prog, interp.Options{Helpers: progen.DeterministicHelpers()})
	if err != nil {
		t.Fatal(err)
	}
	m := append([]byte(nil), mem...)
	r0, err := p.Run(m)
	return progen.OutcomeOf(r0, err, m)
}

func runIR(t *testing.T, p *Program, mem []byte) progen.Outcome {
	e := &evaluator{prog: p, helpers: progen.DeterministicHelpers()}
	m := append([]byte(nil), mem...)
	r0, err := e.run(m)
	return progen.OutcomeOf(r0, err, m)
}

// corpus returns the programs of every .data file we can find.
func corpus(t *testing.T) map[string]*conformance.Case {
	cases := map[string]*conformance.Case{}
	files, _ := conformance.Files([]string{"../testdata/conformance"})
	if shared, err := conformance.Files([]string{"../../shared/conformance/bpf_conformance"}); err == nil {
		files = append(files, shared...)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c, err := conformance.Parse(f, data)
		if err != nil || c.Skip != "" {
			continue
		}
		cases[f] = c
	}
	if len(cases) == 0 {
		t.Skip("no .data files found")
	}
	return cases
}

// TestEvaluatorAgreesWithInterpreter runs every conformance program
// through SSA construction at -O0 and -O2 and checks the IR computes what
// the interpreter computes: r0, faults and memory.
func TestEvaluatorAgreesWithInterpreter(t *testing.T) {
	n := 0
	for name, c := range corpus(t) {
		prog, err := c.Program()
		if err != nil {
			continue
		}
		if _, err := validate.Program(prog, &validate.Options{Helpers: progen.DeterministicHelpers()}); err != nil {
			continue
		}
		want := runInterp(t, prog, c.Mem)
		for _, level := range []Level{O0, O2} {
			p := buildLevel(t, prog, level)
			got := runIR(t, p, c.Mem)
			if !got.Equal(want) {
				t.Errorf("%s at O%d: IR gives %+v, interpreter %+v\n%s", filepath.Base(name), level, got, want, p)
			}
		}
		n++
	}
	t.Logf("%d programs agree at O0 and O2", n)
}

func assemble(t *testing.T, src string) []isa.Instruction {
	t.Helper()
	prog, err := asm.Assemble(src)
	if err != nil {
		t.Fatal(err)
	}
	return prog
}

func TestPromotion(t *testing.T) {
	// The slot at -8 is only accessed as 8 bytes: it becomes a variable
	// and no memory access remains. The slot at -16 is written as 8 bytes
	// and read as 4: it stays in memory, and so the frame is zeroed.
	prog := assemble(t, `
		stxdw [%r10-8], %r1
		ldxdw %r0, [%r10-8]
		stxdw [%r10-16], %r1
		ldxw %r2, [%r10-16]
		add %r0, %r2
		exit`)
	p := buildLevel(t, prog, O2)
	text := p.Funcs[0].String()
	if strings.Contains(text, "[v6-8]") || !strings.Contains(text, "load32 [v6-16]") || p.Funcs[0].FrameZero != 16 {
		t.Fatalf("unexpected promotion result:\n%s", text)
	}
	// An escaping frame pointer stops all promotion and zeroes the frame.
	prog = assemble(t, `
		stxdw [%r10-8], %r1
		mov %r1, %r10
		call 5
		ldxdw %r0, [%r10-8]
		exit`)
	p = buildLevel(t, prog, O2)
	if !strings.Contains(p.Funcs[0].String(), "load64 [v6-8]") || p.Funcs[0].FrameZero != vm.StackFrameSize {
		t.Fatalf("escaping frame was promoted:\n%s", p.Funcs[0])
	}
}
