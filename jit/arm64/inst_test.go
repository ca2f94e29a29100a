package arm64

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/arch/arm64/arm64asm"
)

// This file checks encodings against golang.org/x/arch/arm64/arm64asm, an
// independent decoder of the ARMv8.0 instruction set: every instruction
// is encoded, decoded, and arm64asm's GNU syntax is compared with what
// String says, after accounting for the differences listed in gnuExpect
// (arm64asm prints preferred aliases, no spaces inside memory operands,
// cs/cc for hs/lo, and PC-relative targets). A wrong field anywhere shows
// up as different text, so this is a structural comparison in disguise.

// undecodable lists ops arm64asm does not know: the LSE atomics (ARMv8.1)
// and UDF. Those are covered by the hex goldens only.
var undecodable = map[Op]bool{LDADD: true, LDCLR: true, LDEOR: true, LDSET: true, SWP: true, CAS: true, UDF: true}

var (
	condWords = regexp.MustCompile(`\b(hs|lo)\b`)
	nvWord    = regexp.MustCompile(`\bnv\b`)
)

// normalizeGNU rewrites String's syntax into arm64asm's GNU flavour.
func normalizeGNU(s string) string {
	var b strings.Builder
	depth := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '[':
			depth++
		case ']':
			depth--
		}
		if c == ' ' && i >= 2 && s[i-1] == ',' && (depth > 0 || s[i-2] == ']') {
			continue
		}
		b.WriteByte(c)
	}
	return condWords.ReplaceAllStringFunc(b.String(), func(c string) string {
		if c == "hs" {
			return "cs"
		}
		return "cc"
	})
}

// moveWidePreferred is MoveWidePreferred() of the Arm ARM: whether an
// ORR-immediate from the zero register is also a single MOVZ or MOVN, in
// which case disassemblers keep calling it orr.
func moveWidePreferred(sf, n, imms, immr uint32) bool {
	width := uint32(32)
	if sf == 1 {
		width = 64
	}
	if sf == 1 && n != 1 || sf == 0 && !(n == 0 && imms>>5&1 == 0) {
		return false
	}
	if imms < 16 {
		return (16-immr%16)%16 <= 15-imms
	}
	if imms >= width-15 {
		return immr%16 <= imms-(width-15)
	}
	return false
}

// bfxPreferred is BFXPreferred() of the Arm ARM.
func bfxPreferred(sf, uns bool, imms, immr int64) bool {
	width := int64(32)
	if sf {
		width = 64
	}
	if imms < immr || imms == width-1 {
		return false
	}
	if immr == 0 {
		if !sf && (imms == 7 || imms == 15) {
			return false
		}
		if sf && !uns && (imms == 7 || imms == 15 || imms == 31) {
			return false
		}
	}
	return true
}

// bitfieldText is how a disassembler prints SBFM/UBFM: as its preferred
// alias.
func bitfieldText(signed bool, size uint8, rd, rn Reg, immr, imms int64) string {
	w := int64(8 * size)
	d, n := rd.Name(size), rn.Name(size)
	if signed {
		switch {
		case imms == w-1:
			return fmt.Sprintf("asr %s, %s, #%d", d, n, immr)
		case immr == 0 && imms == 7:
			return fmt.Sprintf("sxtb %s, %s", d, rn.Name(4))
		case immr == 0 && imms == 15:
			return fmt.Sprintf("sxth %s, %s", d, rn.Name(4))
		case immr == 0 && imms == 31 && size == 8:
			return fmt.Sprintf("sxtw %s, %s", d, rn.Name(4))
		}
	} else {
		switch {
		case imms == w-1:
			return fmt.Sprintf("lsr %s, %s, #%d", d, n, immr)
		case imms+1 == immr:
			return fmt.Sprintf("lsl %s, %s, #%d", d, n, w-1-imms)
		case size == 4 && immr == 0 && imms == 7:
			return fmt.Sprintf("uxtb %s, %s", d, n)
		case size == 4 && immr == 0 && imms == 15:
			return fmt.Sprintf("uxth %s, %s", d, n)
		}
	}
	p := "ubf"
	if signed {
		p = "sbf"
	}
	switch {
	case imms < immr:
		return fmt.Sprintf("%siz %s, %s, #%d, #%d", p, d, n, w-immr, imms+1)
	case bfxPreferred(size == 8, !signed, imms, immr):
		return fmt.Sprintf("%sx %s, %s, #%d, #%d", p, d, n, immr, imms-immr+1)
	}
	return fmt.Sprintf("%sm %s, %s, #%d, #%d", p, d, n, immr, imms)
}

// gnuExpect predicts arm64asm's GNU syntax for in, a valid instruction;
// for label branches, rel is the offset it was encoded with.
func gnuExpect(in Inst, rel int64) string {
	sz := in.Size
	name := func(r Reg) string { return r.Name(sz) }
	s := in.String()
	with := func(op Op, f func(*Inst)) string {
		c := in
		c.Op = op
		f(&c)
		return c.String()
	}
	value := func(v uint64) string {
		if sz == 4 {
			v = uint64(uint32(v))
		}
		return fmt.Sprintf("#0x%x", v)
	}
	switch in.Op {
	case ADD:
		if in.Rm == NoReg && in.Imm == 0 && (in.Rd == SP || in.Rn == SP) {
			s = fmt.Sprintf("mov %s, %s", name(in.Rd), name(in.Rn))
		}
	case ADDS:
		if in.Rd == XZR {
			s = with(CMN, func(c *Inst) { c.Rd = NoReg })
		}
	case SUBS, SUB:
		switch {
		case in.Op == SUBS && in.Rd == XZR:
			s = with(CMP, func(c *Inst) { c.Rd = NoReg })
		case in.Rn == XZR && in.Rm != NoReg:
			s = with(NEG, func(c *Inst) { c.Rn, c.Rm = c.Rm, NoReg })
			if in.Op == SUBS {
				s = "negs" + strings.TrimPrefix(s, "neg")
			}
		}
	case ORR:
		switch {
		case in.Rn == XZR && in.Rm != NoReg && in.Shift == 0 && in.Amount == 0:
			s = fmt.Sprintf("mov %s, %s", name(in.Rd), name(in.Rm))
		case in.Rn == XZR && in.Rm == NoReg:
			n, immr, imms, _ := EncodeLogicalImm(uint64(in.Imm), sz)
			if !moveWidePreferred(uint32(sz/8), n, imms, immr) {
				s = fmt.Sprintf("mov %s, %s", name(in.Rd), value(uint64(in.Imm)))
			}
		}
	case ORN:
		if in.Rn == XZR {
			s = with(MVN, func(c *Inst) { c.Rn, c.Rm = c.Rm, NoReg })
		}
	case ANDS:
		if in.Rd == XZR {
			s = with(TST, func(c *Inst) { c.Rd = NoReg })
		}
	case MOVZ:
		if !(in.Imm == 0 && in.Amount != 0) {
			s = fmt.Sprintf("mov %s, %s", name(in.Rd), value(uint64(in.Imm)<<in.Amount))
		}
	case MOVN:
		if !(in.Imm == 0 && in.Amount != 0) && !(sz == 4 && in.Imm == 0xffff) {
			s = fmt.Sprintf("mov %s, %s", name(in.Rd), value(^(uint64(in.Imm) << in.Amount)))
		}
	case MADD:
		if in.Ra == XZR {
			s = fmt.Sprintf("mul %s, %s, %s", name(in.Rd), name(in.Rn), name(in.Rm))
		}
	case MSUB:
		if in.Ra == XZR {
			s = fmt.Sprintf("mneg %s, %s, %s", name(in.Rd), name(in.Rn), name(in.Rm))
		}
	case LSL, LSR, ASR:
		if in.Rm == NoReg {
			w := int64(8 * sz)
			switch in.Op {
			case LSL:
				s = bitfieldText(false, sz, in.Rd, in.Rn, (w-in.Imm)%w, w-1-in.Imm)
			case LSR:
				s = bitfieldText(false, sz, in.Rd, in.Rn, in.Imm, w-1)
			case ASR:
				s = bitfieldText(true, sz, in.Rd, in.Rn, in.Imm, w-1)
			}
		}
	case UBFM, SBFM:
		s = bitfieldText(in.Op == SBFM, sz, in.Rd, in.Rn, in.Imm, in.Imm2)
	case CSINC, CSINV:
		alias := map[Op][2]string{CSINC: {"cset", "cinc"}, CSINV: {"csetm", "cinv"}}[in.Op]
		if in.Cond < CondAL && in.Rn == in.Rm {
			if in.Rn == XZR {
				s = fmt.Sprintf("%s %s, %s", alias[0], name(in.Rd), in.Cond.Invert())
			} else {
				s = fmt.Sprintf("%s %s, %s, %s", alias[1], name(in.Rd), name(in.Rn), in.Cond.Invert())
			}
		}
	case CSNEG:
		if in.Cond < CondAL && in.Rn == in.Rm {
			s = fmt.Sprintf("cneg %s, %s, %s", name(in.Rd), name(in.Rn), in.Cond.Invert())
		}
	}
	if in.Cond == CondNV {
		// arm64asm's quirk: it prints condition 1111 as "al".
		s = nvWord.ReplaceAllString(s, "al")
	}
	if in.IsLabelBranch() {
		s = strings.Replace(s, fmt.Sprintf("L%d", in.Label), fmt.Sprintf(".+%#x", uint64(rel)), 1)
	}
	return normalizeGNU(s)
}

// decodeGNU decodes one word with arm64asm.
func decodeGNU(w uint32) (string, error) {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], w)
	d, err := arm64asm.Decode(b[:])
	if err != nil {
		return "", err
	}
	// arm64asm prints "nop " with a trailing space.
	return strings.TrimSpace(arm64asm.GNUSyntax(d)), nil
}

// TestGoldenDecode decodes the hand-written golden words, independently
// of the encoder.
func TestGoldenDecode(t *testing.T) {
	n := 0
	for _, g := range golden {
		if undecodable[g.in.Op] {
			continue
		}
		got, err := decodeGNU(hexWord(t, g.hex))
		if err != nil {
			t.Errorf("%s (%s): arm64asm: %v", g.text, g.hex, err)
			continue
		}
		if want := gnuExpect(g.in, 0); got != want {
			t.Errorf("%s (%s): arm64asm says %q, want %q", g.text, g.hex, got, want)
		}
		n++
	}
	for _, g := range branchGolden {
		got, err := decodeGNU(hexWord(t, g.hex))
		if err != nil {
			t.Errorf("%s (%s): arm64asm: %v", g.text, g.hex, err)
			continue
		}
		if want := gnuExpect(g.in, g.rel); got != want {
			t.Errorf("%s %+d (%s): arm64asm says %q, want %q", g.text, g.rel, g.hex, got, want)
		}
		n++
	}
	t.Logf("%d golden words decoded by arm64asm", n)
}

// Operand values the generated set is built from: the registers at both
// ends of the file and both meanings of 31, and immediates at the edges
// of every field.
var (
	xRegs    = []Reg{X0, X1, X7, X16, X29, X30, SP, XZR}
	srcRegs  = []Reg{X0, X2, X30, SP, XZR}
	sizes    = []uint8{4, 8}
	conds    = []Cond{CondEQ, CondNE, CondHS, CondLO, CondMI, CondPL, CondVS, CondVC, CondHI, CondLS, CondGE, CondLT, CondGT, CondLE, CondAL, CondNV}
	addImms  = []int64{0, 1, 0x7ff, 0xfff, 0x1000, 0x2000, 0x123000, 0xfff000}
	memDisps = []int64{0, 1, 2, 3, 4, 8, 12, 16, -1, -4, -8, -16, -255, -256, 255, 256, 504, 4095, 4096, 8190, 16380, 32760}
)

// crossSet generates a large set of instructions covering every op that
// arm64asm decodes, in all forms, sizes and register positions, plus
// random immediates. Invalid combinations are generated too and simply
// fail to encode.
func crossSet(rng *rand.Rand) []Inst {
	var out []Inst
	add := func(in Inst) { out = append(out, in) }
	shifts := []struct {
		s Shift
		a uint8
	}{{ShiftLSL, 0}, {ShiftLSL, 1}, {ShiftLSL, 4}, {ShiftLSR, 5}, {ShiftASR, 31}, {ShiftROR, 7}, {ShiftASR, 63}}
	for _, size := range sizes {
		for _, rd := range xRegs {
			for _, rn := range xRegs {
				for _, op := range []Op{ADD, ADDS, SUB, SUBS, AND, ANDS, ORR, EOR, BIC, ORN, EON} {
					for _, rm := range srcRegs {
						for _, sh := range shifts {
							add(Inst{Op: op, Size: size, Rd: rd, Rn: rn, Rm: rm, Shift: sh.s, Amount: sh.a})
						}
					}
				}
				for _, op := range []Op{ADD, ADDS, SUB, SUBS} {
					for _, imm := range addImms {
						add(Inst{Op: op, Size: size, Rd: rd, Rn: rn, Imm: imm})
					}
				}
				add(Inst{Op: MOV, Size: size, Rd: rd, Rn: rn})
				for _, op := range []Op{NEG, MVN} {
					for _, sh := range shifts {
						add(Inst{Op: op, Size: size, Rd: rd, Rn: rn, Shift: sh.s, Amount: sh.a})
					}
				}
				for _, op := range []Op{MUL, SMULH, UMULH, UDIV, SDIV, LSL, LSR, ASR} {
					for _, rm := range srcRegs {
						add(Inst{Op: op, Size: size, Rd: rd, Rn: rn, Rm: rm})
					}
				}
				for _, op := range []Op{MADD, MSUB} {
					add(Inst{Op: op, Size: size, Rd: rd, Rn: rn, Rm: X3, Ra: X4})
					add(Inst{Op: op, Size: size, Rd: rd, Rn: rn, Rm: XZR, Ra: XZR})
					add(Inst{Op: op, Size: size, Rd: rd, Rn: rn, Rm: rn, Ra: rd})
				}
				for _, op := range []Op{SXTB, SXTH, SXTW, UXTB, UXTH, REV16, REV32, REV} {
					add(Inst{Op: op, Size: size, Rd: rd, Rn: rn})
				}
				for _, op := range []Op{CSEL, CSINC, CSINV, CSNEG} {
					for _, c := range conds {
						add(Inst{Op: op, Size: size, Rd: rd, Rn: rn, Rm: X2, Cond: c})
						add(Inst{Op: op, Size: size, Rd: rd, Rn: rn, Rm: rn, Cond: c})
					}
				}
			}
			for _, op := range []Op{CMP, CMN, TST} {
				for _, rm := range srcRegs {
					for _, sh := range shifts {
						add(Inst{Op: op, Size: size, Rn: rd, Rm: rm, Shift: sh.s, Amount: sh.a})
					}
				}
			}
			for _, op := range []Op{CMP, CMN} {
				for _, imm := range addImms {
					add(Inst{Op: op, Size: size, Rn: rd, Imm: imm})
				}
			}
			for _, op := range []Op{MOVZ, MOVN, MOVK} {
				for _, imm := range []int64{0, 1, 0x1234, 0x8000, 0xfffe, 0xffff} {
					for sh := uint8(0); sh < 64; sh += 16 {
						add(Inst{Op: op, Size: size, Rd: rd, Imm: imm, Amount: sh})
					}
				}
			}
			for _, c := range conds {
				add(Inst{Op: CSET, Size: size, Rd: rd, Cond: c})
				add(Inst{Op: CSETM, Size: size, Rd: rd, Cond: c})
			}
		}
		// Shifts and bitfields: every amount and every immr/imms pair.
		w := int64(8 * size)
		for s := int64(0); s < w; s++ {
			for _, op := range []Op{LSL, LSR, ASR} {
				add(Inst{Op: op, Size: size, Rd: X0, Rn: X30, Imm: s})
			}
		}
		for immr := int64(0); immr < w; immr++ {
			for imms := int64(0); imms < w; imms++ {
				add(Inst{Op: UBFM, Size: size, Rd: X1, Rn: X2, Imm: immr, Imm2: imms})
				add(Inst{Op: SBFM, Size: size, Rd: X30, Rn: XZR, Imm: immr, Imm2: imms})
			}
		}
		// Bitmask immediates: a random sample of all encodable values
		// plus random values, most of which are not encodable.
		masks := allBitmasks(size)
		for i := 0; i < 400; i++ {
			v := int64(masks[rng.IntN(len(masks))])
			if i%4 == 0 {
				v = int64(rng.Uint64())
			}
			op := []Op{AND, ANDS, ORR, EOR, TST}[i%5]
			rd := xRegs[rng.IntN(len(xRegs))]
			rn := xRegs[rng.IntN(len(xRegs))]
			if op == TST {
				rd = NoReg
			}
			add(Inst{Op: op, Size: size, Rd: rd, Rn: rn, Imm: v})
		}
		for i := 0; i < 200; i++ {
			add(Inst{Op: ADD, Size: size, Rd: X5, Rn: X6, Imm: rng.Int64N(1 << 25)})
		}
	}
	// Loads and stores, every addressing mode and width.
	modes := []func(Reg, int64) Mem{M, MUnscaled, MPre, MPost}
	for _, op := range []Op{LDR, LDRB, LDRH, LDRSB, LDRSH, LDRSW, STR, STRB, STRH} {
		for _, size := range []uint8{0, 4, 8} {
			for _, rt := range xRegs {
				for _, base := range xRegs {
					for _, mode := range modes {
						for _, d := range memDisps {
							add(Inst{Op: op, Size: size, Rt: rt, Mem: mode(base, d)})
						}
					}
					for _, idx := range srcRegs {
						add(Inst{Op: op, Size: size, Rt: rt, Mem: MIndex(base, idx)})
						add(Inst{Op: op, Size: size, Rt: rt, Mem: MIndexScaled(base, idx)})
					}
				}
			}
			for i := 0; i < 50; i++ {
				add(Inst{Op: op, Size: size, Rt: X3, Mem: M(X4, rng.Int64N(40000)-300)})
			}
		}
	}
	for _, op := range []Op{LDP, STP} {
		for _, size := range sizes {
			for _, rt := range xRegs {
				for _, rt2 := range srcRegs {
					for _, base := range []Reg{X0, X2, SP, X30} {
						for _, d := range []int64{0, 4, 8, 16, -8, -16, 248, 252, 504, -256, -512} {
							add(Inst{Op: op, Size: size, Rt: rt, Rt2: rt2, Mem: M(base, d)})
							add(Inst{Op: op, Size: size, Rt: rt, Rt2: rt2, Mem: MPre(base, d)})
							add(Inst{Op: op, Size: size, Rt: rt, Rt2: rt2, Mem: MPost(base, d)})
						}
					}
				}
			}
		}
	}
	// Exclusive and ordered accesses.
	for _, size := range []uint8{0, 4, 8} {
		for _, rt := range xRegs {
			for _, base := range xRegs {
				for _, op := range []Op{LDXR, LDAR, LDARB, LDARH, STLR, STLRB, STLRH} {
					for _, o := range []Order{Relaxed, Acquire} {
						add(Inst{Op: op, Size: size, Rt: rt, Mem: M(base, 0), Order: o})
					}
				}
				for _, rs := range srcRegs {
					for _, o := range []Order{Relaxed, Release} {
						add(Inst{Op: STXR, Size: size, Rs: rs, Rt: rt, Mem: M(base, 0), Order: o})
					}
				}
			}
		}
	}
	// Everything else.
	for opt := range barrierNames {
		add(Inst{Op: DMB, Imm: opt})
	}
	for _, r := range xRegs {
		for _, op := range []Op{BR, BLR, RET} {
			add(Inst{Op: op, Rn: r})
		}
	}
	add(Inst{Op: RET})
	add(Inst{Op: NOP})
	for _, imm := range []int64{0, 1, 0x1234, 0xf000, 0xffff} {
		add(Inst{Op: BRK, Imm: imm})
	}
	return out
}

// branchSet generates label branches with their offsets.
func branchSet(rng *rand.Rand) (ins []Inst, rels []int64) {
	add := func(in Inst, rel int64) {
		ins = append(ins, in)
		rels = append(rels, rel)
	}
	edges := func(limit int64) []int64 {
		r := []int64{0, 4, -4, 8, -8, limit - 4, -limit, limit, -limit - 4, 2}
		for i := 0; i < 20; i++ {
			r = append(r, 4*(rng.Int64N(limit/2)-limit/4))
		}
		return r
	}
	for _, rel := range edges(1 << 27) {
		add(Inst{Op: B}, rel)
		add(Inst{Op: BL, Label: 3}, rel)
	}
	for _, rel := range edges(1 << 20) {
		for _, c := range conds {
			add(Inst{Op: BCOND, Cond: c}, rel)
		}
		for _, r := range xRegs {
			for _, size := range []uint8{0, 4, 8} {
				add(Inst{Op: CBZ, Size: size, Rt: r}, rel)
				add(Inst{Op: CBNZ, Size: size, Rt: r}, rel)
			}
			add(Inst{Op: ADR, Rd: r}, rel+1)
			add(Inst{Op: ADR, Rd: r}, -rel-3)
		}
	}
	for _, rel := range edges(1 << 15) {
		for bit := int64(0); bit < 64; bit++ {
			for _, size := range []uint8{0, 4, 8} {
				add(Inst{Op: TBZ, Size: size, Rt: xRegs[bit%8], Imm: bit}, rel)
				add(Inst{Op: TBNZ, Size: size, Rt: xRegs[(bit+3)%8], Imm: bit}, rel)
			}
		}
	}
	return ins, rels
}

// TestCrossCheckArm64asm encodes the generated set and compares every
// word arm64asm's decoding with the expected text.
func TestCrossCheckArm64asm(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	checked, rejected, failures := 0, 0, 0
	perOp := map[Op]int{}
	check := func(in Inst, w uint32, rel int64) {
		checked++
		perOp[in.Op]++
		got, err := decodeGNU(w)
		want := gnuExpect(in, rel)
		if err != nil || got != want {
			failures++
			if failures <= 30 {
				t.Errorf("%v (%+v) => %08x: arm64asm %q (err %v), want %q", in, in, w, got, err, want)
			}
		}
	}
	for _, in := range crossSet(rng) {
		w, err := Encode(&in)
		if err != nil {
			rejected++
			continue
		}
		check(in, w, 0)
	}
	ins, rels := branchSet(rng)
	for i, in := range ins {
		w, err := EncodeBranch(&in, rels[i])
		if err != nil {
			rejected++
			continue
		}
		check(in, w, rels[i])
	}
	t.Logf("cross-checked %d encodings (%d generated combinations rejected as unencodable)", checked, rejected)
	for op := Op(1); op < numOps; op++ {
		if !undecodable[op] && perOp[op] == 0 {
			t.Errorf("no %s was cross-checked", op)
		}
	}
	if checked < 50000 {
		t.Errorf("only %d encodings cross-checked", checked)
	}
}

// TestSlotRegisters makes sure the goldens exercise X0, X30, SP and XZR.
// In every slot, SP and XZR are either accepted and printed as given, or
// rejected; an accepted swap would show up as different text in the
// cross-check, which generates all four in every position.
func TestSlotRegisters(t *testing.T) {
	seen := map[Reg]bool{}
	for _, g := range golden {
		for _, r := range []Reg{g.in.Rd, g.in.Rn, g.in.Rm, g.in.Ra, g.in.Rt, g.in.Rt2, g.in.Rs, g.in.Mem.Base, g.in.Mem.Index} {
			seen[r] = true
		}
	}
	for _, r := range []Reg{X0, X30, SP, XZR} {
		if !seen[r] {
			t.Errorf("no golden uses %s", r)
		}
	}
}

func TestStringInvalid(t *testing.T) {
	// String must not panic on nonsense, since error messages use it.
	for _, in := range []Inst{
		{},
		{Op: numOps + 3},
		{Op: ADD, Rd: Reg(200)},
		{Op: LDR, Mem: Mem{Mode: 9}},
		{Op: LDADD, Order: 7},
		{Op: DMB, Imm: 99},
		{Op: BCOND, Cond: 200},
	} {
		_ = in.String()
	}
	if got := (Inst{Op: DMB, Imm: 4}).String(); got != "dmb #4" {
		t.Errorf("dmb #4 printed as %q", got)
	}
}
