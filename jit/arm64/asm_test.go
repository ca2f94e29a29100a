package arm64

import (
	"encoding/binary"
	"strings"
	"testing"

	"golang.org/x/arch/arm64/arm64asm"
)

// decoded is one word of assembled code as arm64asm sees it.
type decoded struct {
	op     arm64asm.Op
	text   string
	target int // absolute target of a PC-relative operand, -1 if none
}

// decodeCode decodes the word at off, independently of this package.
func decodeCode(t *testing.T, code []byte, off int) decoded {
	t.Helper()
	if off < 0 || off+4 > len(code) {
		t.Fatalf("offset %d outside the code (%d bytes)", off, len(code))
	}
	in, err := arm64asm.Decode(code[off : off+4])
	if err != nil {
		t.Fatalf("offset %#x: %08x does not decode: %v", off, binary.LittleEndian.Uint32(code[off:]), err)
	}
	d := decoded{op: in.Op, text: strings.TrimSpace(arm64asm.GNUSyntax(in)), target: -1}
	for _, a := range in.Args {
		if p, ok := a.(arm64asm.PCRel); ok {
			d.target = off + int(p)
		}
	}
	return d
}

// nops emits n NOPs.
func nops(a *Assembler, n int) {
	for i := 0; i < n; i++ {
		a.Emit(-1, Inst{Op: NOP})
	}
}

// checkListing verifies that the listing covers the code word by word
// and that every non-branch entry encodes to the word at its offset.
func checkListing(t *testing.T, code []byte, listing []Listing) {
	t.Helper()
	off := 0
	for _, l := range listing {
		if l.Offset != off || l.Size != 4 {
			t.Fatalf("listing entry %v at %d/%d, expected offset %d size 4", l.Inst, l.Offset, l.Size, off)
		}
		if !l.Inst.IsLabelBranch() {
			w, err := Encode(&l.Inst)
			if err != nil || w != binary.LittleEndian.Uint32(code[off:]) {
				t.Fatalf("listing entry %v at %d: encodes to %08x (%v), code has %08x",
					l.Inst, off, w, err, binary.LittleEndian.Uint32(code[off:]))
			}
		}
		off += 4
	}
	if off != len(code) {
		t.Fatalf("listing covers %d bytes of %d", off, len(code))
	}
}

func TestAssembleBasic(t *testing.T) {
	var a Assembler
	top, fwd, call, alias := a.NewLabel(), a.NewLabel(), a.NewLabel(), a.NewLabel()
	a.Alias(alias, fwd)
	a.Bind(top)
	a.Emit(0, Inst{Op: MOV, Size: 8, Rd: X0, Rn: X1})         // 0
	a.Emit(1, Inst{Op: BCOND, Cond: CondEQ, Label: fwd})      // 4
	a.Emit(1, Inst{Op: CBZ, Size: 8, Rt: X0, Label: top})     // 8
	a.Emit(2, Inst{Op: TBNZ, Rt: X2, Imm: 3, Label: alias})   // 12
	a.Emit(2, Inst{Op: BL, Label: call})                      // 16
	a.Emit(3, Inst{Op: B, Label: fwd})                        // 20
	a.EmitAll(4, MovConst(X5, 0x123456789))                   // 24, 28, 32
	a.Bind(fwd)                                               // 36
	a.Emit(5, Inst{Op: ADR, Rd: X1, Label: top})              // 36
	a.Emit(5, Inst{Op: RET})                                  // 40
	a.Bind(call)                                              // 44
	a.Emit(-1, Inst{Op: LDR, Size: 8, Rt: X0, Mem: M(SP, 8)}) // 44
	a.Emit(-1, Inst{Op: BR, Rn: X16})                         // 48
	code, labels, listing, err := a.Assemble()
	if err != nil {
		t.Fatal(err)
	}
	if len(code) != 52 {
		t.Fatalf("code is %d bytes, want 52", len(code))
	}
	if want := []int{0, 36, 44, 36}; !equalInts(labels, want) {
		t.Errorf("labels %v, want %v", labels, want)
	}
	checkListing(t, code, listing)
	for _, c := range []struct {
		off    int
		text   string
		target int
	}{
		{0, "mov x0, x1", -1},
		{4, "b.eq", 36},
		{8, "cbz x0", 0},
		{12, "tbnz w2, #3", 36},
		{16, "bl", 44},
		{20, "b", 36},
		{36, "adr x1", 0},
		{40, "ret", -1},
		{44, "ldr x0, [sp,#8]", -1},
		{48, "br x16", -1},
	} {
		d := decodeCode(t, code, c.off)
		if !strings.HasPrefix(d.text, c.text) || d.target != c.target {
			t.Errorf("offset %d: %q -> %d, want %q -> %d", c.off, d.text, d.target, c.text, c.target)
		}
	}
	if listing[3].PC != 2 || listing[6].PC != 4 || listing[len(listing)-1].PC != -1 {
		t.Errorf("listing PCs wrong: %+v", listing)
	}
	// Assemble does not consume the Assembler.
	again, _, _, err := a.Assemble()
	if err != nil || string(again) != string(code) {
		t.Errorf("second Assemble differs (%v)", err)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// relaxCase places a branch n NOPs before (forward) or after (backward)
// its target and says whether it must be relaxed.
type relaxCase struct {
	name     string
	br       Inst
	n        int
	backward bool
	long     bool
}

// words is the reach of each branch class in instructions.
const (
	reach19 = 1 << 18 // B.cond, CBZ: +-1 MiB
	reach14 = 1 << 13 // TBZ: +-32 KiB
)

func relaxCases() []relaxCase {
	var cs []relaxCase
	for _, k := range []struct {
		name  string
		br    Inst
		reach int
	}{
		{"b.lt", Inst{Op: BCOND, Cond: CondLT}, reach19},
		{"cbz", Inst{Op: CBZ, Size: 8, Rt: X3}, reach19},
		{"cbnz", Inst{Op: CBNZ, Size: 4, Rt: X30}, reach19},
		{"tbz", Inst{Op: TBZ, Size: 8, Rt: X7, Imm: 40}, reach14},
		{"tbnz", Inst{Op: TBNZ, Rt: X0, Imm: 0}, reach14},
	} {
		// Forward: the branch is at 0 and the target at 4+4n; it
		// reaches (reach-1) instructions ahead. Backward: the target
		// is at 0 and the branch at 4n; it reaches reach behind.
		cs = append(cs,
			relaxCase{k.name + " forward fits", k.br, k.reach - 2, false, false},
			relaxCase{k.name + " forward relaxed", k.br, k.reach - 1, false, true},
			relaxCase{k.name + " backward fits", k.br, k.reach, true, false},
			relaxCase{k.name + " backward relaxed", k.br, k.reach + 1, true, true},
		)
	}
	return cs
}

// TestRelaxation puts each conditional branch just inside and just
// outside its range, forward and backward, and checks the decoded code.
func TestRelaxation(t *testing.T) {
	for _, c := range relaxCases() {
		t.Run(c.name, func(t *testing.T) {
			var a Assembler
			target := a.NewLabel()
			br := c.br
			br.Label = target
			if c.backward {
				a.Bind(target)
				nops(&a, c.n)
				a.Emit(7, br)
			} else {
				a.Emit(7, br)
				nops(&a, c.n)
				a.Bind(target)
			}
			a.Emit(-1, Inst{Op: RET})
			code, labels, listing, err := a.Assemble()
			if err != nil {
				t.Fatal(err)
			}
			checkListing(t, code, listing)
			brOff := 0
			if c.backward {
				brOff = 4 * c.n
			}
			d := decodeCode(t, code, brOff)
			if !c.long {
				if len(code) != 4*(c.n+2) || d.target != labels[target] || !strings.HasPrefix(d.text, br.mnemonic()) {
					t.Fatalf("short branch: %q -> %d, label at %d, code %d bytes", d.text, d.target, labels[target], len(code))
				}
				return
			}
			if len(code) != 4*(c.n+3) {
				t.Fatalf("relaxed code is %d bytes, want %d", len(code), 4*(c.n+3))
			}
			inv := invert(br)
			if d.target != brOff+8 || !strings.HasPrefix(d.text, inv.mnemonic()) {
				t.Errorf("skip: %q -> %d, want %s -> %d", d.text, d.target, inv.mnemonic(), brOff+8)
			}
			jump := decodeCode(t, code, brOff+4)
			if jump.op != arm64asm.B || jump.target != labels[target] {
				t.Errorf("jump: %q -> %d, want b -> %d", jump.text, jump.target, labels[target])
			}
			// The listing shows both halves, attributed to the
			// branch's pc, the first to a listing-only label.
			var l []Listing
			for _, e := range listing {
				if e.PC == 7 {
					l = append(l, e)
				}
			}
			if len(l) != 2 || l[0].Inst.Label < 1 || l[1].Inst.Op != B || l[1].Inst.Label != target {
				t.Errorf("listing of the relaxed branch: %+v", l)
			}
		})
	}
}

// TestRelaxationCascade makes one relaxation push another branch out of
// range: A reaches its target exactly until B, between them, grows.
func TestRelaxationCascade(t *testing.T) {
	var a Assembler
	la, lb := a.NewLabel(), a.NewLabel()
	a.Emit(-1, Inst{Op: TBZ, Rt: X0, Imm: 1, Label: la}) // at 0, label at 32764: just fits
	a.Emit(-1, Inst{Op: TBZ, Rt: X1, Imm: 2, Label: lb}) // at 4, out of range
	nops(&a, reach14-3)
	a.Bind(la)
	nops(&a, 10)
	a.Bind(lb)
	a.Emit(-1, Inst{Op: RET})
	code, labels, listing, err := a.Assemble()
	if err != nil {
		t.Fatal(err)
	}
	checkListing(t, code, listing)
	// Both relaxed: tbnz/b, tbnz/b, then the NOPs.
	want := []struct {
		off    int
		op     arm64asm.Op
		target int
	}{
		{0, arm64asm.TBNZ, 8},
		{4, arm64asm.B, labels[la]},
		{8, arm64asm.TBNZ, 16},
		{12, arm64asm.B, labels[lb]},
	}
	for _, w := range want {
		d := decodeCode(t, code, w.off)
		if d.op != w.op || d.target != w.target {
			t.Errorf("offset %d: %q -> %d, want %v -> %d", w.off, d.text, d.target, w.op, w.target)
		}
	}
	if labels[la] != 16+4*(reach14-3) {
		t.Errorf("la at %d", labels[la])
	}
}

// TestRelaxAlways relaxes B.al into a single B.
func TestRelaxAlways(t *testing.T) {
	var a Assembler
	l := a.NewLabel()
	a.Emit(-1, Inst{Op: BCOND, Cond: CondAL, Label: l})
	nops(&a, reach19)
	a.Bind(l)
	code, labels, listing, err := a.Assemble()
	if err != nil {
		t.Fatal(err)
	}
	checkListing(t, code, listing)
	d := decodeCode(t, code, 0)
	if len(code) != 4*(reach19+1) || d.op != arm64asm.B || d.target != labels[l] {
		t.Errorf("b.al relaxed to %q -> %d (%d bytes)", d.text, d.target, len(code))
	}
}

func TestAssembleErrors(t *testing.T) {
	for _, c := range []struct {
		name  string
		build func(a *Assembler)
		err   string
	}{
		{"unbound", func(a *Assembler) {
			a.Emit(-1, Inst{Op: B, Label: a.NewLabel()})
		}, "unbound label"},
		{"unbound relaxable", func(a *Assembler) {
			a.Emit(-1, Inst{Op: CBZ, Size: 8, Rt: X0, Label: a.NewLabel()})
		}, "unbound label"},
		{"unknown label", func(a *Assembler) {
			a.Emit(-1, Inst{Op: B, Label: 5})
		}, "unbound label"},
		{"bound twice", func(a *Assembler) {
			l := a.NewLabel()
			a.Bind(l)
			a.Emit(-1, Inst{Op: NOP})
			a.Bind(l)
		}, "bound twice"},
		{"bind unknown", func(a *Assembler) { a.Bind(3) }, "unknown label"},
		{"bind negative", func(a *Assembler) { a.NewLabel(); a.Bind(-1) }, "unknown label"},
		{"bound alias", func(a *Assembler) {
			l, m := a.NewLabel(), a.NewLabel()
			a.Alias(l, m)
			a.Bind(l)
			a.Bind(m)
		}, "both bound and an alias"},
		{"alias cycle", func(a *Assembler) {
			l, m := a.NewLabel(), a.NewLabel()
			a.Alias(l, m)
			a.Alias(m, l)
			a.Emit(-1, Inst{Op: B, Label: l})
		}, "unbound label"},
		{"bad instruction", func(a *Assembler) {
			a.Emit(-1, Inst{Op: ADD, Size: 8, Rd: X0, Rn: X1, Imm: 0x1001})
		}, "not 0-4095"},
		{"bad branch", func(a *Assembler) {
			l := a.NewLabel()
			a.Bind(l)
			a.Emit(-1, Inst{Op: CBZ, Size: 8, Rt: SP, Label: l})
		}, "Rt cannot be sp"},
		{"adr out of range", func(a *Assembler) {
			l := a.NewLabel()
			a.Emit(-1, Inst{Op: ADR, Rd: X0, Label: l})
			nops(a, reach19)
			a.Bind(l)
		}, "out of range"},
	} {
		var a Assembler
		c.build(&a)
		_, _, _, err := a.Assemble()
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.err)
		}
	}
}

func TestResolve(t *testing.T) {
	var a Assembler
	l0, l1, l2 := a.NewLabel(), a.NewLabel(), a.NewLabel()
	a.Alias(l2, l1)
	a.Alias(l1, l0)
	if a.Resolve(l2) != l0 || a.Resolve(l1) != l0 || a.Resolve(l0) != l0 {
		t.Errorf("Resolve: %d %d %d", a.Resolve(l2), a.Resolve(l1), a.Resolve(l0))
	}
	a.Bind(l0)
	a.Emit(-1, Inst{Op: B, Label: l2})
	code, labels, _, err := a.Assemble()
	if err != nil {
		t.Fatal(err)
	}
	if !equalInts(labels, []int{0, 0, 0}) || decodeCode(t, code, 0).target != 0 {
		t.Errorf("labels %v", labels)
	}
	var empty Assembler
	if code, labels, listing, err := empty.Assemble(); err != nil || len(code) != 0 || len(labels) != 0 || len(listing) != 0 {
		t.Errorf("empty Assemble: %v %v %v %v", code, labels, listing, err)
	}
}
