package arm64

import (
	"fmt"
	"math/bits"
	"strings"
)

// This file turns an Inst into an A64 instruction word. Every A64
// instruction is one 32-bit little-endian word, so the encoder is a
// function from Inst to uint32: each class of ops ORs its register and
// immediate fields into a fixed opcode pattern taken from the encoding
// diagrams of the Arm Architecture Reference Manual (Arm ARM, DDI 0487,
// chapter C4 "A64 Instruction Set Encoding" and the C6 instruction pages).
//
// Where A64 has more than one encoding for what an Inst says, the encoder
// always makes the same choice, so code size and listings are predictable:
//   - an ADD/SUB register operand uses the shifted-register form, and the
//     extended-register form (UXTX/UXTW) only when Rd or Rn is SP, which
//     the shifted form cannot name;
//   - an ADD/SUB immediate uses LSL #12 only when the value needs it;
//   - AddrOffset memory operands use the scaled unsigned 12-bit form
//     whenever it fits and the unscaled signed 9-bit form otherwise;
//   - byte accesses with a register index never set the S bit;
//   - MOV is ORR Rd, XZR, Rn, or ADD Rd, Rn, #0 when SP is involved.
//
// Encodings the Arm ARM calls CONSTRAINED UNPREDICTABLE (writeback to the
// transfer register, LDP into one register twice, STXR with a status
// register that is also an operand) are rejected: they have no reliable
// meaning, and an instruction selector producing one has a bug.

// fields is a set of Inst fields, used to reject operands an op ignores.
type fields uint16

const (
	fRd fields = 1 << iota
	fRn
	fRm
	fRa
	fRt
	fRt2
	fRs
	fImm
	fImm2
	fShift // Shift or Amount
	fCond
	fOrder
	fMem
	fLabel
)

var fieldNames = []string{"Rd", "Rn", "Rm", "Ra", "Rt", "Rt2", "Rs", "Imm", "Imm2", "Shift/Amount", "Cond", "Order", "Mem", "Label"}

func (f fields) String() string {
	var names []string
	for i, n := range fieldNames {
		if f&(1<<i) != 0 {
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}

var classFields = map[class]fields{
	clsAddSub:     fRd | fRn | fRm | fImm | fShift,
	clsCompare:    fRn | fRm | fImm | fShift,
	clsLogic:      fRd | fRn | fRm | fImm | fShift,
	clsNegate:     fRd | fRn | fShift,
	clsMov:        fRd | fRn,
	clsMovWide:    fRd | fImm | fShift,
	clsMul3:       fRd | fRn | fRm,
	clsMul4:       fRd | fRn | fRm | fRa,
	clsShift:      fRd | fRn | fRm | fImm,
	clsBitfield:   fRd | fRn | fImm | fImm2,
	clsExtend:     fRd | fRn,
	clsRev:        fRd | fRn,
	clsCondSel:    fRd | fRn | fRm | fCond,
	clsCondSet:    fRd | fCond,
	clsLoadStore:  fRt | fMem,
	clsPair:       fRt | fRt2 | fMem,
	clsOrdered:    fRt | fMem | fOrder,
	clsStoreExcl:  fRs | fRt | fMem | fOrder,
	clsAtomic:     fRs | fRt | fMem | fOrder,
	clsBarrier:    fImm,
	clsBranch:     fLabel,
	clsBranchCond: fCond | fLabel,
	clsCompBranch: fRt | fLabel,
	clsTestBranch: fRt | fImm | fLabel,
	clsADR:        fRd | fLabel,
	clsBranchReg:  fRn,
	clsNoOperand:  0,
	clsException:  fImm,
}

// present returns the fields of in that are not zero.
func present(in *Inst) fields {
	var f fields
	set := func(b bool, bit fields) {
		if b {
			f |= bit
		}
	}
	set(in.Rd != NoReg, fRd)
	set(in.Rn != NoReg, fRn)
	set(in.Rm != NoReg, fRm)
	set(in.Ra != NoReg, fRa)
	set(in.Rt != NoReg, fRt)
	set(in.Rt2 != NoReg, fRt2)
	set(in.Rs != NoReg, fRs)
	set(in.Imm != 0, fImm)
	set(in.Imm2 != 0, fImm2)
	set(in.Shift != 0 || in.Amount != 0, fShift)
	set(in.Cond != 0, fCond)
	set(in.Order != 0, fOrder)
	set(in.Mem != Mem{}, fMem)
	set(in.Label != 0, fLabel)
	return f
}

// AddSubImm reports whether v is an immediate of ADD, SUB, CMP and CMN:
// 0-4095, or a multiple of 4096 up to 4095<<12. Negative values are not:
// callers that want "add -v" must use SUB themselves (the flags of ADDS
// and SUBS differ, so the encoder never switches on its own).
func AddSubImm(v int64) bool {
	_, _, ok := splitAddSubImm(v)
	return ok
}

// splitAddSubImm returns the imm12 field and whether LSL #12 is needed.
func splitAddSubImm(v int64) (imm uint32, shifted, ok bool) {
	switch {
	case v >= 0 && v <= 0xfff:
		return uint32(v), false, true
	case v > 0 && v&0xfff == 0 && v>>12 <= 0xfff:
		return uint32(v >> 12), true, true
	}
	return 0, false, false
}

// fits32 reports whether v is a 32-bit value, zero- or sign-extended:
// W-sized operations accept both 0xffffffff and -1 for the same bits,
// since constants often arrive sign-extended from eBPF's imm32.
func fits32(v int64) bool { return v >= -1<<31 && v <= 1<<32-1 }

// EncodeLogicalImm returns the N:immr:imms fields that encode v as a
// bitmask immediate of AND, ORR, EOR, ANDS and TST at operand size 4 or 8
// bytes, or ok == false when v is not one.
//
// A bitmask immediate is a 2-, 4-, 8-, 16-, 32- or 64-bit element,
// replicated to fill the register, whose element is a run of ones
// rotated right by immr. So 0xff, 0xffff0000, 0x5555555555555555 and
// 0xfffffffffffffffe are encodable, while 0, all-ones and anything with
// two separate runs in an element (0x1234) are not. For size 4, v must be
// a 32-bit value zero- or sign-extended to 64 bits; only its low 32 bits
// count.
func EncodeLogicalImm(v uint64, size uint8) (n, immr, imms uint32, ok bool) {
	switch size {
	case 4:
		if !fits32(int64(v)) {
			return 0, 0, 0, false
		}
		v = uint64(uint32(v))
		v |= v << 32 // a 32-bit pattern is a 64-bit one with period <= 32
	case 8:
	default:
		return 0, 0, 0, false
	}
	if v == 0 || v == ^uint64(0) {
		return 0, 0, 0, false
	}
	// The element size is the smallest period of v.
	e := uint(64)
	for e > 2 && bits.RotateLeft64(v, int(e/2)) == v {
		e /= 2
	}
	mask := ^uint64(0) >> (64 - e)
	elt := v & mask
	k := uint(bits.OnesCount64(elt)) // 1 <= k < e, as v is neither 0 nor ~0
	run := uint64(1)<<k - 1
	// Find the rotation that turns the run into the element; if none
	// does, the element's ones are not contiguous (even cyclically).
	for r := uint(0); r < e; r++ {
		rot := run
		if r != 0 {
			rot = (run>>r | run<<(e-r)) & mask
		}
		if rot == elt {
			immr = uint32(r)
			// imms holds the run length minus one, below a prefix of
			// ones that gives the element size (0xxxxx for 32, 10xxxx
			// for 16, ..., 11110x for 2); N=1 alone means 64.
			imms = uint32(^(2*e-1)&0x3f) | uint32(k-1)
			if e == 64 {
				n = 1
			}
			return n, immr, imms, true
		}
	}
	return 0, 0, 0, false
}

// LogicalImm reports whether v is a bitmask immediate at size 4 or 8
// (see EncodeLogicalImm).
func LogicalImm(v uint64, size uint8) bool {
	_, _, _, ok := EncodeLogicalImm(v, size)
	return ok
}

// scaledFits reports whether disp fits the unsigned scaled 12-bit offset
// of an access of width bytes.
func scaledFits(width, disp int64) bool {
	return width > 0 && disp >= 0 && disp%width == 0 && disp/width <= 0xfff
}

func imm9Fits(disp int64) bool { return disp >= -256 && disp <= 255 }

// OffsetFits reports whether [base, #disp] can be encoded directly for a
// load or store of width bytes (1, 2, 4 or 8), in the scaled or the
// unscaled form. When it cannot, put disp in a register and use MIndex.
func OffsetFits(width uint8, disp int64) bool {
	w := int64(width)
	if w != 1 && w != 2 && w != 4 && w != 8 {
		return false
	}
	return scaledFits(w, disp) || imm9Fits(disp)
}

// PairOffsetFits reports whether disp fits LDP/STP of size 4 or 8: a
// multiple of size in [-64*size, 63*size].
func PairOffsetFits(size uint8, disp int64) bool {
	s := int64(size)
	if s != 4 && s != 8 {
		return false
	}
	return disp%s == 0 && disp/s >= -64 && disp/s <= 63
}

// MovConst returns the shortest sequence this package knows that sets
// all 64 bits of rd to v, using no other register:
//
//   - MOVZ, then a MOVK for each other non-zero 16-bit chunk;
//   - MOVN, then a MOVK for each other chunk that is not 0xffff;
//   - for values below 2^32, the same MOVN approach on the W register
//     (which zero-extends), e.g. 0xffff1234 is one MOVN;
//   - a single ORR rd, xzr, #v when v is a bitmask immediate (X or W).
//
// Each candidate is 1-4 instructions; the shortest wins, and ties go to
// the earlier in that list, so the result is deterministic. The sequence
// never has more instructions than the best MOVZ/MOVN+MOVK one. rd must
// be one of X0-X30 (MOVZ cannot write SP); the instructions are plain
// Insts, so they can be emitted, listed and encoded like any other.
func MovConst(rd Reg, v uint64) []Inst {
	chunk := func(i int) int64 { return int64(v >> (16 * i) & 0xffff) }
	// count returns how many of the first n chunks differ from skip.
	count := func(n int, skip int64) int {
		c := 0
		for i := 0; i < n; i++ {
			if chunk(i) != skip {
				c++
			}
		}
		return max(c, 1)
	}
	// seq builds a MOVZ/MOVN sequence over the first n chunks: the
	// first chunk that differs from fill is set by the leading op (or
	// chunk 0 when none does), the others by MOVK.
	seq := func(first Op, size uint8, n int, fill int64) []Inst {
		lead := 0
		for lead < n-1 && chunk(lead) == fill {
			lead++
		}
		if chunk(lead) == fill {
			lead = 0 // every chunk is fill: set chunk 0 to it
		}
		imm := chunk(lead)
		if first == MOVN {
			imm = ^imm & 0xffff
		}
		out := []Inst{{Op: first, Size: size, Rd: rd, Imm: imm, Amount: uint8(16 * lead)}}
		for i := lead + 1; i < n; i++ {
			if c := chunk(i); c != fill {
				out = append(out, Inst{Op: MOVK, Size: size, Rd: rd, Imm: c, Amount: uint8(16 * i)})
			}
		}
		return out
	}
	first, size, n, fill, cost := MOVZ, uint8(8), 4, int64(0), count(4, 0)
	if c := count(4, 0xffff); c < cost {
		first, fill, cost = MOVN, 0xffff, c
	}
	if c := count(2, 0xffff); v>>32 == 0 && c < cost {
		first, size, n, fill, cost = MOVN, 4, 2, 0xffff, c
	}
	if cost > 1 {
		if LogicalImm(v, 8) {
			return []Inst{{Op: ORR, Size: 8, Rd: rd, Rn: XZR, Imm: int64(v)}}
		}
		if v>>32 == 0 && LogicalImm(v, 4) {
			return []Inst{{Op: ORR, Size: 4, Rd: rd, Rn: XZR, Imm: int64(v)}}
		}
	}
	return seq(first, size, n, fill)
}

// fixedBits holds the opcode bits of ops whose encoding is one pattern
// plus register fields (sf excluded): move wide (opc in bits 29-30), the
// variable shifts (LSLV/LSRV/ASRV), conditional selects and the register
// branches.
var fixedBits = [numOps]uint32{
	MOVN: 0x12800000, MOVZ: 0x52800000, MOVK: 0x72800000,
	LSL: 0x1ac02000, LSR: 0x1ac02400, ASR: 0x1ac02800,
	CSEL: 0x1a800000, CSINC: 0x1a800400, CSINV: 0x5a800000, CSNEG: 0x5a800400,
	BR: 0xd61f0000, BLR: 0xd63f0000, RET: 0xd65f0000,
}

// encoder accumulates the first error of an encoding, so the per-class
// code can read like the encoding diagram instead of checking every field.
type encoder struct {
	in  *Inst
	err error
}

func (e *encoder) fail(format string, args ...any) {
	if e.err == nil {
		e.err = fmt.Errorf("arm64: cannot encode %q: %s", e.in.String(), fmt.Sprintf(format, args...))
	}
}

// reg returns the number of r in an operand slot. sp says whether 31 in
// that slot means SP (otherwise it means XZR); the other one is refused,
// as the hardware would read it as the wrong register.
func (e *encoder) reg(r Reg, slot string, sp bool) uint32 {
	switch {
	case r.IsGP():
		return uint32(r.Num())
	case r == SP && sp, r == XZR && !sp:
		return 31
	case r == NoReg:
		e.fail("missing %s", slot)
	case r == SP || r == XZR:
		e.fail("%s cannot be %s", slot, r)
	default:
		e.fail("invalid register %d in %s", uint8(r), slot)
	}
	return 0
}

func (e *encoder) zr(r Reg, slot string) uint32 { return e.reg(r, slot, false) }
func (e *encoder) sp(r Reg, slot string) uint32 { return e.reg(r, slot, true) }

// gp is a slot that only takes X0-X30 (branch targets).
func (e *encoder) gp(r Reg, slot string) uint32 {
	if !r.IsGP() {
		if r == NoReg {
			e.fail("missing %s", slot)
		} else {
			e.fail("%s must be one of x0-x30", slot)
		}
		return 0
	}
	return uint32(r.Num())
}

// sizes checks in.Size against the sizes the op takes.
func (e *encoder) sizes(ok ...uint8) {
	for _, s := range ok {
		if e.in.Size == s {
			return
		}
	}
	e.fail("invalid size %d", e.in.Size)
}

// sf is bit 31 of data-processing instructions: 1 for 64-bit operands.
func (e *encoder) sf() uint32 {
	if e.in.Size == 8 {
		return 1 << 31
	}
	return 0
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// shiftAmount checks the Rm shift of arithmetic (ror: false) or logic
// instructions and returns the shift and imm6 fields.
func (e *encoder) shiftAmount(ror bool) (shift, amount uint32) {
	in := e.in
	if in.Shift > ShiftROR || (in.Shift == ShiftROR && !ror) {
		e.fail("invalid shift %s", in.Shift)
	}
	if int(in.Amount) >= 8*int(in.Size) {
		e.fail("shift amount %d out of range", in.Amount)
	}
	return uint32(in.Shift), uint32(in.Amount)
}

// addSub encodes ADD/ADDS/SUB/SUBS Rd, Rn, rm-or-Imm; the aliases pass
// their implicit XZR operands. rm == NoReg selects the immediate form
// when immOK, and is a missing operand otherwise.
func (e *encoder) addSub(sub, flags bool, rd, rn, rm Reg, immOK bool) uint32 {
	in := e.in
	op := e.sf() | b2u(sub)<<30 | b2u(flags)<<29
	rdSlot := e.sp // ADD/SUB write SP where ADDS/SUBS write XZR
	if flags {
		rdSlot = e.zr
	}
	if rm == NoReg && immOK {
		if in.Shift != 0 || in.Amount != 0 {
			e.fail("an immediate takes no Shift/Amount (LSL #12 is chosen from the value)")
		}
		imm, sh, ok := splitAddSubImm(in.Imm)
		if !ok {
			e.fail("immediate %#x is not 0-4095, optionally shifted left by 12", in.Imm)
		}
		return op | 0x11000000 | b2u(sh)<<22 | imm<<10 | e.sp(rn, "Rn")<<5 | rdSlot(rd, "Rd")
	}
	if rd == SP || rn == SP {
		// Only the extended-register form can name SP; UXTX (UXTW for
		// W) with LSL 0-4 is the same operation as a plain LSL.
		if in.Shift != ShiftLSL || in.Amount > 4 {
			e.fail("with SP, the register operand takes only LSL #0-4")
		}
		option := uint32(2) // UXTW
		if in.Size == 8 {
			option = 3 // UXTX
		}
		return op | 0x0b200000 | e.zr(rm, "Rm")<<16 | option<<13 | uint32(in.Amount)<<10 |
			e.sp(rn, "Rn")<<5 | rdSlot(rd, "Rd")
	}
	shift, amount := e.shiftAmount(false)
	return op | 0x0b000000 | shift<<22 | e.zr(rm, "Rm")<<16 | amount<<10 | e.zr(rn, "Rn")<<5 | e.zr(rd, "Rd")
}

// logic encodes AND/ORR/EOR/ANDS (opc 0-3), with invert for BIC/ORN/EON.
func (e *encoder) logic(opc uint32, invert bool, rd, rn, rm Reg, immOK bool) uint32 {
	in := e.in
	op := e.sf() | opc<<29
	if rm == NoReg && immOK && !invert {
		if in.Shift != 0 || in.Amount != 0 {
			e.fail("an immediate takes no Shift/Amount")
		}
		n, immr, imms, ok := EncodeLogicalImm(uint64(in.Imm), in.Size)
		if !ok {
			e.fail("%#x is not a bitmask immediate", in.Imm)
		}
		rdSlot := e.sp // AND/ORR/EOR immediate can write SP, ANDS cannot
		if opc == 3 {
			rdSlot = e.zr
		}
		return op | 0x12000000 | n<<22 | immr<<16 | imms<<10 | e.zr(rn, "Rn")<<5 | rdSlot(rd, "Rd")
	}
	shift, amount := e.shiftAmount(true)
	return op | 0x0a000000 | shift<<22 | b2u(invert)<<21 | e.zr(rm, "Rm")<<16 | amount<<10 |
		e.zr(rn, "Rn")<<5 | e.zr(rd, "Rd")
}

// bitfield encodes SBFM (opc 0) and UBFM (opc 2).
func (e *encoder) bitfield(opc uint32, rd, rn Reg, immr, imms int64) uint32 {
	width := int64(8 * e.in.Size)
	if immr < 0 || immr >= width || imms < 0 || imms >= width {
		e.fail("bitfield immr %d / imms %d out of range", immr, imms)
		return 0
	}
	n := e.sf() >> 9 // N equals sf
	return e.sf() | opc<<29 | 0x13000000 | n | uint32(immr)<<16 | uint32(imms)<<10 |
		e.zr(rn, "Rn")<<5 | e.zr(rd, "Rd")
}

// loadStoreOpc returns the size and opc fields of a load or store.
func loadStoreOpc(op Op, size uint8) (sz, opc uint32) {
	switch op {
	case LDR, STR:
		sz = 2
		if size == 8 {
			sz = 3
		}
		if op == LDR {
			opc = 1
		}
	case LDRB, STRB, LDRSB:
		sz = 0
	case LDRH, STRH, LDRSH:
		sz = 1
	case LDRSW:
		sz, opc = 2, 2
	}
	switch op {
	case LDRB, LDRH:
		opc = 1
	case LDRSB, LDRSH:
		opc = 2 // to X
		if size == 4 {
			opc = 3 // to W
		}
	}
	return sz, opc
}

// checkWriteback rejects pre/post-indexed accesses whose base is also a
// transfer register, which the Arm ARM makes CONSTRAINED UNPREDICTABLE.
func (e *encoder) checkWriteback(regs ...Reg) {
	m := e.in.Mem
	if m.Mode != AddrPre && m.Mode != AddrPost {
		return
	}
	for _, r := range regs {
		if r == m.Base && r.IsGP() {
			e.fail("writeback to %s, which is also transferred", r)
		}
	}
}

func (e *encoder) loadStore() uint32 {
	in := e.in
	switch in.Op {
	case LDR, STR, LDRSB, LDRSH:
		e.sizes(4, 8)
	case LDRSW:
		e.sizes(0, 8)
	default:
		e.sizes(0, 4, 8)
	}
	sz, opc := loadStoreOpc(in.Op, in.Size)
	op := sz<<30 | opc<<22
	t := e.zr(in.Rt, "Rt")
	m := in.Mem
	n := e.sp(m.Base, "Mem.Base")
	width := in.accessWidth()
	if m.Mode != AddrIndex && (m.Index != NoReg || m.Scaled) {
		e.fail("Mem.Index and Mem.Scaled need AddrIndex")
	}
	e.checkWriteback(in.Rt)
	imm9 := func(kind uint32) uint32 {
		if !imm9Fits(m.Disp) {
			e.fail("offset %d is not in -256..255", m.Disp)
		}
		return op | 0x38000000 | (uint32(m.Disp)&0x1ff)<<12 | kind<<10 | n<<5 | t
	}
	switch m.Mode {
	case AddrOffset:
		if scaledFits(width, m.Disp) {
			return op | 0x39000000 | uint32(m.Disp/width)<<10 | n<<5 | t
		}
		if !imm9Fits(m.Disp) {
			e.fail("offset %d fits neither the scaled 12-bit nor the signed 9-bit form", m.Disp)
		}
		return imm9(0)
	case AddrUnscaled:
		return imm9(0)
	case AddrPost:
		return imm9(1)
	case AddrPre:
		return imm9(3)
	case AddrIndex:
		if m.Disp != 0 {
			e.fail("an indexed address takes no Disp")
		}
		s := b2u(m.Scaled && width > 1)
		// option 011 is LSL (UXTX): a 64-bit index.
		return op | 0x38200800 | e.zr(m.Index, "Mem.Index")<<16 | 3<<13 | s<<12 | n<<5 | t
	}
	e.fail("invalid addressing mode %d", m.Mode)
	return 0
}

func (e *encoder) pair() uint32 {
	in := e.in
	e.sizes(4, 8)
	m := in.Mem
	var mode uint32
	switch m.Mode {
	case AddrPost:
		mode = 1
	case AddrOffset:
		mode = 2
	case AddrPre:
		mode = 3
	default:
		e.fail("LDP/STP take AddrOffset, AddrPre or AddrPost")
	}
	if m.Index != NoReg || m.Scaled {
		e.fail("LDP/STP take no index")
	}
	if !PairOffsetFits(in.Size, m.Disp) {
		e.fail("offset %d is not a multiple of %d in [-64, 63] units", m.Disp, in.Size)
	}
	if in.Op == LDP && in.Rt == in.Rt2 && in.Rt != NoReg {
		e.fail("LDP into %s twice", in.Rt)
	}
	e.checkWriteback(in.Rt, in.Rt2)
	opc := uint32(0)
	if in.Size == 8 {
		opc = 2
	}
	imm7 := uint32(m.Disp/int64(in.Size)) & 0x7f
	return opc<<30 | 0x28000000 | mode<<23 | b2u(in.Op == LDP)<<22 | imm7<<15 |
		e.zr(in.Rt2, "Rt2")<<10 | e.sp(m.Base, "Mem.Base")<<5 | e.zr(in.Rt, "Rt")
}

// plainBase checks that Mem is a bare [Base] (exclusives, atomics) and
// returns the base register number.
func (e *encoder) plainBase() uint32 {
	m := e.in.Mem
	if m.Mode != AddrOffset || m.Disp != 0 || m.Index != NoReg || m.Scaled {
		e.fail("the address must be a plain [base]")
	}
	return e.sp(m.Base, "Mem.Base")
}

// exclSize is the size field of exclusive/ordered/atomic accesses.
func (e *encoder) exclSize() uint32 {
	switch e.in.accessWidth() {
	case 1:
		return 0
	case 2:
		return 1
	case 4:
		return 2
	}
	return 3
}

func (e *encoder) ordered() uint32 {
	in := e.in
	switch in.Op {
	case LDARB, LDARH, STLRB, STLRH:
		e.sizes(0, 4, 8)
	default:
		e.sizes(4, 8)
	}
	if in.Order != Relaxed && !(in.Op == LDXR && in.Order == Acquire) {
		e.fail("invalid order %d", in.Order)
	}
	var op uint32
	switch in.Op {
	case LDXR:
		op = 0x085f7c00 | b2u(in.Order == Acquire)<<15
	case LDAR, LDARB, LDARH:
		op = 0x08dffc00
	case STLR, STLRB, STLRH:
		op = 0x089ffc00
	}
	return e.exclSize()<<30 | op | e.plainBase()<<5 | e.zr(in.Rt, "Rt")
}

func (e *encoder) storeExclusive() uint32 {
	in := e.in
	e.sizes(4, 8)
	if in.Order != Relaxed && in.Order != Release {
		e.fail("invalid order %d", in.Order)
	}
	if in.Rs != NoReg && (in.Rs == in.Rt || in.Rs == in.Mem.Base && in.Rs.IsGP()) {
		e.fail("the status register must differ from Rt and the base")
	}
	return e.exclSize()<<30 | 0x08007c00 | e.zr(in.Rs, "Rs")<<16 | b2u(in.Order == Release)<<15 |
		e.plainBase()<<5 | e.zr(in.Rt, "Rt")
}

func (e *encoder) atomic() uint32 {
	in := e.in
	e.sizes(4, 8)
	if in.Order > AcqRel {
		e.fail("invalid order %d", in.Order)
	}
	acq := b2u(in.Order == Acquire || in.Order == AcqRel)
	rel := b2u(in.Order == Release || in.Order == AcqRel)
	s, n, t := e.zr(in.Rs, "Rs"), e.plainBase(), e.zr(in.Rt, "Rt")
	if in.Op == CAS {
		return e.exclSize()<<30 | 0x08a07c00 | acq<<22 | s<<16 | rel<<15 | n<<5 | t
	}
	var o3, opc uint32
	switch in.Op {
	case LDADD:
		opc = 0
	case LDCLR:
		opc = 1
	case LDEOR:
		opc = 2
	case LDSET:
		opc = 3
	case SWP:
		o3 = 1
	}
	return e.exclSize()<<30 | 0x38200000 | acq<<23 | rel<<22 | s<<16 | o3<<15 | opc<<12 | n<<5 | t
}

// checkFields rejects an unknown op, fields the op does not read, and a
// bad size for ops whose size is fixed by their class.
func (e *encoder) checkFields() {
	in := e.in
	cls := in.Op.class()
	if cls == clsNone {
		e.fail("unknown op")
		return
	}
	if extra := present(in) &^ classFields[cls]; extra != 0 {
		e.fail("%s not used by %s", extra, in.Op)
	}
	if in.Rm != NoReg && in.Imm != 0 {
		e.fail("both Rm and Imm set")
	}
	switch cls {
	case clsBarrier, clsBranch, clsBranchCond, clsNoOperand, clsException:
		e.sizes(0)
	case clsADR, clsBranchReg:
		e.sizes(0, 8)
	case clsTestBranch:
		e.sizes(0, 4, 8)
	}
}

// Encode returns the instruction word of a non-label instruction.
//
// It returns an error when the instruction has no A64 encoding: an
// unknown op, a field the op does not use, a missing or misplaced
// register (SP where 31 means XZR or the other way round), an immediate
// that does not fit, a bad size or addressing mode, or a label branch
// (which needs EncodeBranch, because its offset depends on layout).
func Encode(in *Inst) (uint32, error) {
	if in == nil {
		return 0, fmt.Errorf("arm64: cannot encode a nil instruction")
	}
	e := encoder{in: in}
	e.checkFields()
	if e.err != nil {
		return 0, e.err
	}
	w := e.encode()
	if e.err != nil {
		return 0, e.err
	}
	return w, nil
}

func (e *encoder) encode() uint32 {
	in := e.in
	cls := in.Op.class()
	switch cls {
	case clsAddSub, clsCompare, clsLogic, clsNegate, clsMov, clsMovWide, clsMul4,
		clsShift, clsBitfield, clsCondSel, clsCondSet:
		e.sizes(4, 8)
	}
	switch cls {
	case clsAddSub:
		return e.addSub(in.Op == SUB || in.Op == SUBS, in.Op == ADDS || in.Op == SUBS, in.Rd, in.Rn, in.Rm, true)
	case clsCompare:
		switch in.Op {
		case CMP:
			return e.addSub(true, true, XZR, in.Rn, in.Rm, true)
		case CMN:
			return e.addSub(false, true, XZR, in.Rn, in.Rm, true)
		}
		return e.logic(3, false, XZR, in.Rn, in.Rm, true) // TST
	case clsLogic:
		switch in.Op {
		case AND:
			return e.logic(0, false, in.Rd, in.Rn, in.Rm, true)
		case ORR:
			return e.logic(1, false, in.Rd, in.Rn, in.Rm, true)
		case EOR:
			return e.logic(2, false, in.Rd, in.Rn, in.Rm, true)
		case ANDS:
			return e.logic(3, false, in.Rd, in.Rn, in.Rm, true)
		case BIC:
			return e.logic(0, true, in.Rd, in.Rn, in.Rm, false)
		case ORN:
			return e.logic(1, true, in.Rd, in.Rn, in.Rm, false)
		}
		return e.logic(2, true, in.Rd, in.Rn, in.Rm, false) // EON
	case clsNegate:
		// The source is Rn in the Inst but Rm in the encoding, and
		// neither it nor Rd can be SP; say so in terms of the Inst.
		for _, f := range []struct {
			r    Reg
			name string
		}{{in.Rd, "Rd"}, {in.Rn, "Rn"}} {
			if f.r == SP || f.r == NoReg {
				e.zr(f.r, f.name)
			}
		}
		if in.Op == NEG {
			return e.addSub(true, false, in.Rd, XZR, in.Rn, false)
		}
		return e.logic(1, true, in.Rd, XZR, in.Rn, false) // MVN
	case clsMov:
		if in.Rd == SP || in.Rn == SP {
			return e.sf() | 0x11000000 | e.sp(in.Rn, "Rn")<<5 | e.sp(in.Rd, "Rd")
		}
		return e.logic(1, false, in.Rd, XZR, in.Rn, false)
	case clsMovWide:
		if in.Imm < 0 || in.Imm > 0xffff {
			e.fail("immediate %#x does not fit 16 bits", in.Imm)
		}
		if in.Shift != ShiftLSL || in.Amount%16 != 0 || int(in.Amount) >= 8*int(in.Size) {
			e.fail("shift must be LSL #0/16 (W) or #0/16/32/48 (X)")
		}
		return e.sf() | fixedBits[in.Op] | 0x12800000 | uint32(in.Amount/16)<<21 | uint32(in.Imm)<<5 | e.zr(in.Rd, "Rd")
	case clsMul3:
		var op uint32
		switch in.Op {
		case MUL:
			e.sizes(4, 8)
			op = 0x1b007c00 // MADD with Ra = XZR
		case SMULH:
			e.sizes(8)
			op = 0x1b407c00
		case UMULH:
			e.sizes(8)
			op = 0x1bc07c00
		case UDIV:
			e.sizes(4, 8)
			op = 0x1ac00800
		case SDIV:
			e.sizes(4, 8)
			op = 0x1ac00c00
		}
		return e.sf() | op | e.zr(in.Rm, "Rm")<<16 | e.zr(in.Rn, "Rn")<<5 | e.zr(in.Rd, "Rd")
	case clsMul4:
		return e.sf() | 0x1b000000 | e.zr(in.Rm, "Rm")<<16 | b2u(in.Op == MSUB)<<15 |
			e.zr(in.Ra, "Ra")<<10 | e.zr(in.Rn, "Rn")<<5 | e.zr(in.Rd, "Rd")
	case clsShift:
		if in.Rm != NoReg {
			return e.sf() | fixedBits[in.Op] | e.zr(in.Rm, "Rm")<<16 | e.zr(in.Rn, "Rn")<<5 | e.zr(in.Rd, "Rd")
		}
		width := int64(8 * in.Size)
		s := in.Imm
		if s < 0 || s >= width {
			e.fail("shift %d out of range", s)
			return 0
		}
		switch in.Op {
		case LSL:
			return e.bitfield(2, in.Rd, in.Rn, (width-s)%width, width-1-s)
		case LSR:
			return e.bitfield(2, in.Rd, in.Rn, s, width-1)
		}
		return e.bitfield(0, in.Rd, in.Rn, s, width-1) // ASR
	case clsBitfield:
		if in.Op == UBFM {
			return e.bitfield(2, in.Rd, in.Rn, in.Imm, in.Imm2)
		}
		return e.bitfield(0, in.Rd, in.Rn, in.Imm, in.Imm2)
	case clsExtend:
		switch in.Op {
		case SXTB:
			e.sizes(4, 8)
			return e.bitfield(0, in.Rd, in.Rn, 0, 7)
		case SXTH:
			e.sizes(4, 8)
			return e.bitfield(0, in.Rd, in.Rn, 0, 15)
		case SXTW:
			e.sizes(8)
			return e.bitfield(0, in.Rd, in.Rn, 0, 31)
		}
		// UXTB/UXTH exist only as W forms, whose write zero-extends.
		e.sizes(0, 4, 8)
		w := *in
		w.Size = 4
		e.in = &w
		if in.Op == UXTB {
			return e.bitfield(2, in.Rd, in.Rn, 0, 7)
		}
		return e.bitfield(2, in.Rd, in.Rn, 0, 15)
	case clsRev:
		var opc uint32
		switch in.Op {
		case REV16:
			e.sizes(4, 8)
			opc = 1
		case REV32:
			e.sizes(8)
			opc = 2
		case REV:
			e.sizes(4, 8)
			opc = 2
			if in.Size == 8 {
				opc = 3
			}
		}
		return e.sf() | 0x5ac00000 | opc<<10 | e.zr(in.Rn, "Rn")<<5 | e.zr(in.Rd, "Rd")
	case clsCondSel:
		return e.sf() | fixedBits[in.Op] | e.zr(in.Rm, "Rm")<<16 | uint32(in.Cond&15)<<12 | e.zr(in.Rn, "Rn")<<5 | e.zr(in.Rd, "Rd")
	case clsCondSet:
		if in.Cond >= CondAL {
			// CSET AL would be CSINC with NV, which is "always 0".
			e.fail("condition %s has no inverse", in.Cond)
		}
		op := uint32(0x1a800400) // CSINC
		if in.Op == CSETM {
			op = 0x5a800000 // CSINV
		}
		return e.sf() | op | 31<<16 | uint32(in.Cond.Invert()&15)<<12 | 31<<5 | e.zr(in.Rd, "Rd")
	case clsLoadStore:
		return e.loadStore()
	case clsPair:
		return e.pair()
	case clsOrdered:
		return e.ordered()
	case clsStoreExcl:
		return e.storeExclusive()
	case clsAtomic:
		return e.atomic()
	case clsBarrier:
		if in.Imm < 0 || in.Imm > 15 {
			e.fail("barrier option %d out of range", in.Imm)
		}
		return 0xd50330bf | uint32(in.Imm)<<8
	case clsBranch, clsBranchCond, clsCompBranch, clsTestBranch, clsADR:
		e.fail("label branches need EncodeBranch")
		return 0
	case clsBranchReg:
		rn := in.Rn
		if in.Op == RET && rn == NoReg {
			rn = X30
		}
		return fixedBits[in.Op] | e.gp(rn, "Rn")<<5
	case clsNoOperand:
		return 0xd503201f
	case clsException:
		if in.Imm < 0 || in.Imm > 0xffff {
			e.fail("immediate %#x does not fit 16 bits", in.Imm)
		}
		if in.Op == BRK {
			return 0xd4200000 | uint32(in.Imm)<<5
		}
		return uint32(in.Imm) // UDF
	}
	e.fail("unknown op")
	return 0
}

// BranchRange returns the reach of a label branch in its one-instruction
// form: offsets from the branch's own address in [-limit, limit) bytes.
// B and BL reach 128 MiB, B.cond, CBZ, CBNZ and ADR 1 MiB, TBZ and TBNZ
// 32 KiB. It returns 0 for anything else.
func BranchRange(op Op) int64 {
	switch op.class() {
	case clsBranch:
		return 1 << 27
	case clsBranchCond, clsCompBranch, clsADR:
		return 1 << 20
	case clsTestBranch:
		return 1 << 15
	}
	return 0
}

// EncodeBranch returns the word of a label branch (B, BL, BCOND, CBZ,
// CBNZ, TBZ, TBNZ, ADR) whose target is rel bytes from the instruction's
// own address. The Label field is not looked at: the caller has resolved
// it into rel. It fails if rel is misaligned (ADR excepted) or out of
// range, or the instruction is not valid.
func EncodeBranch(in *Inst, rel int64) (uint32, error) {
	if in == nil {
		return 0, fmt.Errorf("arm64: cannot encode a nil instruction")
	}
	e := encoder{in: in}
	if !in.IsLabelBranch() {
		e.fail("not a label branch")
		return 0, e.err
	}
	e.checkFields()
	limit := BranchRange(in.Op)
	if rel < -limit || rel >= limit {
		e.fail("offset %d out of range", rel)
	}
	if in.Op != ADR && rel%4 != 0 {
		e.fail("offset %d not a multiple of 4", rel)
	}
	if e.err != nil {
		return 0, e.err
	}
	imm := uint32(rel >> 2)
	var w uint32
	switch in.Op {
	case B:
		w = 0x14000000 | imm&0x3ffffff
	case BL:
		w = 0x94000000 | imm&0x3ffffff
	case BCOND:
		w = 0x54000000 | (imm&0x7ffff)<<5 | uint32(in.Cond&15)
	case CBZ, CBNZ:
		e.sizes(4, 8)
		w = e.sf() | 0x34000000 | b2u(in.Op == CBNZ)<<24 | (imm&0x7ffff)<<5 | e.zr(in.Rt, "Rt")
	case TBZ, TBNZ:
		bit := in.Imm
		if bit < 0 || bit > 63 || (in.Size == 4 && bit > 31) {
			e.fail("bit %d out of range", bit)
		}
		w = uint32(bit>>5&1)<<31 | 0x36000000 | b2u(in.Op == TBNZ)<<24 | uint32(bit&31)<<19 |
			(imm&0x3fff)<<5 | e.zr(in.Rt, "Rt")
	case ADR:
		u := uint32(rel)
		w = 0x10000000 | (u&3)<<29 | (u>>2&0x7ffff)<<5 | e.zr(in.Rd, "Rd")
	}
	if e.err != nil {
		return 0, e.err
	}
	return w, nil
}
