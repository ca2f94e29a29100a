package arm64

import (
	"fmt"
	"strings"
)

// Op is an instruction mnemonic. Aliases the Arm ARM defines (CMP, MOV,
// LSL, CSET, ...) are Ops of their own, so that a listing shows what the
// backend meant; the encoder maps each onto its underlying instruction.
type Op uint8

// The instructions the backend emits. The comment after each op lists
// the Inst fields it reads, in assembly operand order; every field an op
// does not read must be left zero (Encode rejects anything else, so a
// misplaced operand is an error rather than a silently ignored value).
// Size is 4 (W registers) or 8 (X registers) unless noted.
const (
	// Arithmetic. The second operand is Rm (optionally shifted by Shift
	// and Amount) when Rm is set, and the immediate Imm otherwise. Rn may
	// be SP, and so may Rd except with flags (where 31 is XZR: CMP, CMN);
	// a register operand next to SP takes LSL #0-4 only.
	ADD  Op = iota + 1 // Rd, Rn, Rm|Imm    Imm: AddSubImm
	ADDS               // Rd, Rn, Rm|Imm    sets flags
	SUB                // Rd, Rn, Rm|Imm
	SUBS               // Rd, Rn, Rm|Imm    sets flags
	CMP                // Rn, Rm|Imm        SUBS XZR, Rn, op2
	CMN                // Rn, Rm|Imm        ADDS XZR, Rn, op2
	NEG                // Rd, Rn            SUB Rd, XZR, Rn (Shift applies to Rn)

	// Logic. Imm forms take bitmask immediates (LogicalImm); BIC, ORN
	// and EON have register forms only.
	AND  // Rd, Rn, Rm|Imm
	ANDS // Rd, Rn, Rm|Imm   sets N and Z, clears C and V
	ORR  // Rd, Rn, Rm|Imm
	EOR  // Rd, Rn, Rm|Imm
	BIC  // Rd, Rn, Rm       Rn AND NOT Rm
	ORN  // Rd, Rn, Rm       Rn OR NOT Rm
	EON  // Rd, Rn, Rm       Rn XOR NOT Rm
	TST  // Rn, Rm|Imm       ANDS XZR, Rn, op2
	MVN  // Rd, Rn           ORN Rd, XZR, Rn (Shift applies to Rn)

	// Moves. MOV copies a register: ORR Rd, XZR, Rn, or ADD Rd, Rn, #0
	// when either is SP. With Size 4 it zero-extends into the X register.
	MOV  // Rd, Rn
	MOVZ // Rd, Imm (16 bits), Amount (LSL 0/16/32/48; 0/16 for W)
	MOVN // Rd, Imm, Amount: Rd = NOT (Imm << Amount)
	MOVK // Rd, Imm, Amount: replaces one 16-bit chunk, keeps the rest

	// Multiplication and division. Division by zero yields 0 and
	// INT_MIN / -1 yields INT_MIN; neither traps.
	MUL   // Rd, Rn, Rm       MADD Rd, Rn, Rm, XZR
	MADD  // Rd, Rn, Rm, Ra   Rd = Ra + Rn*Rm
	MSUB  // Rd, Rn, Rm, Ra   Rd = Ra - Rn*Rm (the remainder after a division)
	SMULH // Rd, Rn, Rm       high 64 bits of the signed 128-bit product; Size 8 only
	UMULH // Rd, Rn, Rm       high 64 bits of the unsigned product; Size 8 only
	UDIV  // Rd, Rn, Rm
	SDIV  // Rd, Rn, Rm

	// Shifts: by a register (LSLV/LSRV/ASRV, which use the amount modulo
	// the operand width) when Rm is set, else by the constant Imm
	// (UBFM/SBFM aliases; 0 <= Imm < 8*Size).
	LSL // Rd, Rn, Rm|Imm
	LSR // Rd, Rn, Rm|Imm
	ASR // Rd, Rn, Rm|Imm

	// Bitfield moves and extensions.
	UBFM // Rd, Rn, Imm (immr), Imm2 (imms)
	SBFM // Rd, Rn, Imm (immr), Imm2 (imms)
	SXTB // Rd, Rn          sign-extends byte; Size 8 writes Xd from Wn
	SXTH // Rd, Rn          sign-extends halfword
	SXTW // Rd, Rn          sign-extends word; Size 8 only
	UXTB // Rd, Rn          always the W form (zero-extends to 64); Size 0, 4 or 8
	UXTH // Rd, Rn          as UXTB

	// Byte reversal.
	REV16 // Rd, Rn          reverses the bytes of each halfword
	REV32 // Rd, Rn          reverses the bytes of each word; Size 8 only
	REV   // Rd, Rn          reverses all Size bytes

	// Conditional select.
	CSEL  // Rd, Rn, Rm, Cond   Rd = Cond ? Rn : Rm
	CSINC // Rd, Rn, Rm, Cond   Rd = Cond ? Rn : Rm+1
	CSINV // Rd, Rn, Rm, Cond   Rd = Cond ? Rn : NOT Rm
	CSNEG // Rd, Rn, Rm, Cond   Rd = Cond ? Rn : -Rm
	CSET  // Rd, Cond           Rd = Cond ? 1 : 0 (CSINC Rd, XZR, XZR, !Cond)
	CSETM // Rd, Cond           Rd = Cond ? -1 : 0 (CSINV)

	// Loads and stores: Rt, Mem. LDR and STR move Size bytes; the
	// narrow ones name their width, take Size 0, 4 or 8 (the register is
	// always W; loads zero-extend to 64 bits) except for the sign
	// extending loads, whose Size is the destination width.
	LDR   // Rt, Mem
	LDRB  // Rt, Mem
	LDRH  // Rt, Mem
	LDRSB // Rt, Mem   Size 4 or 8
	LDRSH // Rt, Mem   Size 4 or 8
	LDRSW // Rt, Mem   Size 0 or 8
	STR   // Rt, Mem
	STRB  // Rt, Mem
	STRH  // Rt, Mem
	LDP   // Rt, Rt2, Mem   AddrOffset (signed imm7 scaled by Size), AddrPre or AddrPost
	STP   // Rt, Rt2, Mem

	// Exclusive and ordered accesses. Mem must be a plain [Base].
	LDXR  // Rt, Mem          Order Acquire gives LDAXR
	STXR  // Rs, Rt, Mem      Rs (a W register, not Rt or Base) gets 0 on success; Release gives STLXR
	LDAR  // Rt, Mem          load-acquire of Size bytes
	LDARB // Rt, Mem          Size 0, 4 or 8 as LDRB
	LDARH // Rt, Mem
	STLR  // Rt, Mem          store-release
	STLRB // Rt, Mem
	STLRH // Rt, Mem

	// LSE atomics (ARMv8.1). Mem must be a plain [Base]; Order selects
	// the A/L/AL variant. Rt receives the old memory value (XZR discards
	// it: that is the ST<op> alias). Note that the Arm ARM gives the
	// acquire half of LD<op>A/AL only when Rt is not XZR or WZR: keep a
	// real destination (a scratch register) when acquire matters.
	LDADD // Rs, Rt, Mem   [Base] += Rs
	LDCLR // Rs, Rt, Mem   [Base] &^= Rs: an atomic AND of x is LDCLR of NOT x (MVN first)
	LDEOR // Rs, Rt, Mem   [Base] ^= Rs
	LDSET // Rs, Rt, Mem   [Base] |= Rs
	SWP   // Rs, Rt, Mem   [Base] = Rs
	CAS   // Rs, Rt, Mem   if [Base] == Rs { [Base] = Rt }; Rs = old value either way

	DMB // Imm: the barrier option (BarrierISH, ...); Size 0

	// Control flow; Size 0 unless noted. Label branches are encoded by
	// EncodeBranch (or the Assembler), since they need the layout.
	B     // Label                 +-128 MiB
	BL    // Label                 +-128 MiB; X30 = return address
	BCOND // Cond, Label           +-1 MiB (relaxed by the Assembler)
	CBZ   // Rt, Label             +-1 MiB (relaxed); Size 4 or 8
	CBNZ  // Rt, Label
	TBZ   // Rt, Imm (bit), Label  +-32 KiB (relaxed); bit < 32 names Wt, else Xt
	TBNZ  // Rt, Imm (bit), Label
	ADR   // Rd, Label             +-1 MiB, not relaxed; Size 0 or 8
	BR    // Rn
	BLR   // Rn
	RET   // Rn (NoReg means X30)
	NOP   //
	BRK   // Imm (16 bits)
	UDF   // Imm (16 bits): permanently undefined

	numOps
)

var opNames = [numOps]string{
	ADD: "add", ADDS: "adds", SUB: "sub", SUBS: "subs", CMP: "cmp", CMN: "cmn", NEG: "neg",
	AND: "and", ANDS: "ands", ORR: "orr", EOR: "eor", BIC: "bic", ORN: "orn", EON: "eon",
	TST: "tst", MVN: "mvn", MOV: "mov", MOVZ: "movz", MOVN: "movn", MOVK: "movk",
	MUL: "mul", MADD: "madd", MSUB: "msub", SMULH: "smulh", UMULH: "umulh", UDIV: "udiv", SDIV: "sdiv",
	LSL: "lsl", LSR: "lsr", ASR: "asr", UBFM: "ubfm", SBFM: "sbfm",
	SXTB: "sxtb", SXTH: "sxth", SXTW: "sxtw", UXTB: "uxtb", UXTH: "uxth",
	REV16: "rev16", REV32: "rev32", REV: "rev",
	CSEL: "csel", CSINC: "csinc", CSINV: "csinv", CSNEG: "csneg", CSET: "cset", CSETM: "csetm",
	LDR: "ldr", LDRB: "ldrb", LDRH: "ldrh", LDRSB: "ldrsb", LDRSH: "ldrsh", LDRSW: "ldrsw",
	STR: "str", STRB: "strb", STRH: "strh", LDP: "ldp", STP: "stp",
	LDXR: "ldxr", STXR: "stxr", LDAR: "ldar", LDARB: "ldarb", LDARH: "ldarh",
	STLR: "stlr", STLRB: "stlrb", STLRH: "stlrh",
	LDADD: "ldadd", LDCLR: "ldclr", LDEOR: "ldeor", LDSET: "ldset", SWP: "swp", CAS: "cas",
	DMB: "dmb", B: "b", BL: "bl", BCOND: "b.", CBZ: "cbz", CBNZ: "cbnz", TBZ: "tbz", TBNZ: "tbnz",
	ADR: "adr", BR: "br", BLR: "blr", RET: "ret", NOP: "nop", BRK: "brk", UDF: "udf",
}

func (op Op) String() string {
	if op < numOps && opNames[op] != "" {
		return opNames[op]
	}
	return fmt.Sprintf("op%d", uint8(op))
}

// Cond is a condition code, by its 4-bit hardware encoding.
type Cond uint8

// Condition codes. HS/LO are the unsigned >= and < (the carry flag after
// a compare); CS and CC are their other names.
const (
	CondEQ Cond = 0x0
	CondNE Cond = 0x1
	CondHS Cond = 0x2 // unsigned >=
	CondLO Cond = 0x3 // unsigned <
	CondMI Cond = 0x4
	CondPL Cond = 0x5
	CondVS Cond = 0x6
	CondVC Cond = 0x7
	CondHI Cond = 0x8 // unsigned >
	CondLS Cond = 0x9 // unsigned <=
	CondGE Cond = 0xa // signed >=
	CondLT Cond = 0xb // signed <
	CondGT Cond = 0xc // signed >
	CondLE Cond = 0xd // signed <=
	CondAL Cond = 0xe // always
	CondNV Cond = 0xf // also always: AArch64 has no "never"

	CondCS = CondHS
	CondCC = CondLO
)

var condNames = [16]string{"eq", "ne", "hs", "lo", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "al", "nv"}

func (c Cond) String() string { return condNames[c&15] }

// Invert returns the opposite condition. AL and NV have none (both mean
// always); Invert maps them onto each other like the hardware encoding
// does, which is why CSET and relaxation treat them specially.
func (c Cond) Invert() Cond { return c ^ 1 }

// Shift is the shift applied to the Rm operand of arithmetic and logic
// instructions. The zero value is LSL, so Amount 0 means no shift.
type Shift uint8

// Shift kinds, by their hardware encoding. ROR is only valid for logic
// instructions.
const (
	ShiftLSL Shift = 0
	ShiftLSR Shift = 1
	ShiftASR Shift = 2
	ShiftROR Shift = 3
)

var shiftNames = [4]string{"lsl", "lsr", "asr", "ror"}

func (s Shift) String() string { return shiftNames[s&3] }

// Order is the memory ordering of an atomic or exclusive access.
type Order uint8

// Orderings. LSE atomics take all four (suffixes "", "a", "l", "al");
// LDXR takes Acquire (LDAXR) and STXR Release (STLXR).
const (
	Relaxed Order = iota
	Acquire
	Release
	AcqRel
)

var orderSuffix = [4]string{"", "a", "l", "al"}

// Barrier options for DMB (the CRm field).
const (
	BarrierOSHLD int64 = 0x1
	BarrierOSHST int64 = 0x2
	BarrierOSH   int64 = 0x3
	BarrierNSHLD int64 = 0x5
	BarrierNSHST int64 = 0x6
	BarrierNSH   int64 = 0x7
	BarrierISHLD int64 = 0x9 // orders earlier loads against later loads and stores
	BarrierISHST int64 = 0xa // orders earlier stores against later stores
	BarrierISH   int64 = 0xb // full barrier in the inner shareable domain
	BarrierLD    int64 = 0xd
	BarrierST    int64 = 0xe
	BarrierSY    int64 = 0xf
)

var barrierNames = map[int64]string{
	BarrierOSHLD: "oshld", BarrierOSHST: "oshst", BarrierOSH: "osh",
	BarrierNSHLD: "nshld", BarrierNSHST: "nshst", BarrierNSH: "nsh",
	BarrierISHLD: "ishld", BarrierISHST: "ishst", BarrierISH: "ish",
	BarrierLD: "ld", BarrierST: "st", BarrierSY: "sy",
}

// AddrMode is the addressing mode of a memory operand.
type AddrMode uint8

// Addressing modes. The zero value, AddrOffset, lets the encoder choose
// between the two immediate-offset forms, always the same way: the
// scaled unsigned 12-bit form (LDR) when Disp is a multiple of the access
// width in [0, 4095*width], else the unscaled signed 9-bit form (LDUR,
// -256..255). OffsetFits says whether one of them applies.
const (
	AddrOffset   AddrMode = iota // [Base, #Disp]
	AddrUnscaled                 // [Base, #Disp] forced to LDUR/STUR: -256..255
	AddrPre                      // [Base, #Disp]!  Base += Disp, then access: -256..255
	AddrPost                     // [Base], #Disp   access, then Base += Disp: -256..255
	AddrIndex                    // [Base, Index{, LSL #log2(width)}]
)

// Mem is a memory operand. Base may be SP but not XZR; Index may be XZR
// but not SP (the hardware's reading of number 31 in each slot).
type Mem struct {
	Base  Reg
	Index Reg // AddrIndex only
	// Scaled shifts Index left by log2 of the access width (AddrIndex
	// only). For byte accesses it changes nothing and is not encoded.
	Scaled bool
	Disp   int64
	Mode   AddrMode
}

// M is [base, #disp]: the scaled or unscaled immediate form, whichever
// fits (see AddrOffset). Atomics and exclusives take M(base, 0).
func M(base Reg, disp int64) Mem { return Mem{Base: base, Disp: disp} }

// MUnscaled is [base, #disp] always in the LDUR/STUR form.
func MUnscaled(base Reg, disp int64) Mem {
	return Mem{Base: base, Disp: disp, Mode: AddrUnscaled}
}

// MPre is the pre-indexed [base, #disp]!.
func MPre(base Reg, disp int64) Mem { return Mem{Base: base, Disp: disp, Mode: AddrPre} }

// MPost is the post-indexed [base], #disp.
func MPost(base Reg, disp int64) Mem { return Mem{Base: base, Disp: disp, Mode: AddrPost} }

// MIndex is [base, index].
func MIndex(base, index Reg) Mem { return Mem{Base: base, Index: index, Mode: AddrIndex} }

// MIndexScaled is [base, index, LSL #log2(width)]: index counts elements.
func MIndexScaled(base, index Reg) Mem {
	return Mem{Base: base, Index: index, Scaled: true, Mode: AddrIndex}
}

// Inst is one A64 instruction. Which fields an Op reads is listed with
// the Op constants; fields are named after the operands of the Arm ARM
// (Rd destination, Rn and Rm sources, Ra addend, Rt and Rt2 transfer
// registers, Rs the status or source register of exclusives and
// atomics), so the table reads like the manual.
type Inst struct {
	Op   Op
	Size uint8 // 4: W registers, 8: X registers (see each Op)

	Rd, Rn, Rm, Ra Reg
	Rt, Rt2, Rs    Reg

	// Imm is the immediate: the value itself for arithmetic (AddSubImm)
	// and logic (LogicalImm), the 16-bit chunk of MOVZ/MOVN/MOVK, the
	// shift count of LSL/LSR/ASR, immr of UBFM/SBFM, the bit of TBZ, the
	// option of DMB and the comment of BRK/UDF.
	Imm int64
	// Imm2 is imms of UBFM/SBFM.
	Imm2 int64

	// Shift and Amount shift the register operand Rm of arithmetic and
	// logic (and Rn of NEG and MVN). Amount is also the LSL of the
	// MOVZ/MOVN/MOVK chunk.
	Shift  Shift
	Amount uint8

	Cond  Cond
	Order Order
	Mem   Mem
	Label int
}

// class groups ops that share an operand syntax and encoding routine.
type class uint8

const (
	clsNone       class = iota
	clsAddSub           // ADD ADDS SUB SUBS
	clsCompare          // CMP CMN TST
	clsLogic            // AND ANDS ORR EOR BIC ORN EON
	clsNegate           // NEG MVN
	clsMov              // MOV
	clsMovWide          // MOVZ MOVN MOVK
	clsMul3             // MUL SMULH UMULH UDIV SDIV
	clsMul4             // MADD MSUB
	clsShift            // LSL LSR ASR
	clsBitfield         // UBFM SBFM
	clsExtend           // SXTB SXTH SXTW UXTB UXTH
	clsRev              // REV16 REV32 REV
	clsCondSel          // CSEL CSINC CSINV CSNEG
	clsCondSet          // CSET CSETM
	clsLoadStore        // LDR ... STRH
	clsPair             // LDP STP
	clsOrdered          // LDXR LDAR LDARB LDARH STLR STLRB STLRH
	clsStoreExcl        // STXR
	clsAtomic           // LDADD LDCLR LDEOR LDSET SWP CAS
	clsBarrier          // DMB
	clsBranch           // B BL
	clsBranchCond       // BCOND
	clsCompBranch       // CBZ CBNZ
	clsTestBranch       // TBZ TBNZ
	clsADR              // ADR
	clsBranchReg        // BR BLR RET
	clsNoOperand        // NOP
	clsException        // BRK UDF
)

var opClass = [numOps]class{
	ADD: clsAddSub, ADDS: clsAddSub, SUB: clsAddSub, SUBS: clsAddSub,
	CMP: clsCompare, CMN: clsCompare, TST: clsCompare,
	AND: clsLogic, ANDS: clsLogic, ORR: clsLogic, EOR: clsLogic, BIC: clsLogic, ORN: clsLogic, EON: clsLogic,
	NEG: clsNegate, MVN: clsNegate, MOV: clsMov,
	MOVZ: clsMovWide, MOVN: clsMovWide, MOVK: clsMovWide,
	MUL: clsMul3, SMULH: clsMul3, UMULH: clsMul3, UDIV: clsMul3, SDIV: clsMul3,
	MADD: clsMul4, MSUB: clsMul4,
	LSL: clsShift, LSR: clsShift, ASR: clsShift,
	UBFM: clsBitfield, SBFM: clsBitfield,
	SXTB: clsExtend, SXTH: clsExtend, SXTW: clsExtend, UXTB: clsExtend, UXTH: clsExtend,
	REV16: clsRev, REV32: clsRev, REV: clsRev,
	CSEL: clsCondSel, CSINC: clsCondSel, CSINV: clsCondSel, CSNEG: clsCondSel,
	CSET: clsCondSet, CSETM: clsCondSet,
	LDR: clsLoadStore, LDRB: clsLoadStore, LDRH: clsLoadStore, LDRSB: clsLoadStore,
	LDRSH: clsLoadStore, LDRSW: clsLoadStore, STR: clsLoadStore, STRB: clsLoadStore, STRH: clsLoadStore,
	LDP: clsPair, STP: clsPair,
	LDXR: clsOrdered, LDAR: clsOrdered, LDARB: clsOrdered, LDARH: clsOrdered,
	STLR: clsOrdered, STLRB: clsOrdered, STLRH: clsOrdered,
	STXR:  clsStoreExcl,
	LDADD: clsAtomic, LDCLR: clsAtomic, LDEOR: clsAtomic, LDSET: clsAtomic, SWP: clsAtomic, CAS: clsAtomic,
	DMB: clsBarrier, B: clsBranch, BL: clsBranch, BCOND: clsBranchCond,
	CBZ: clsCompBranch, CBNZ: clsCompBranch, TBZ: clsTestBranch, TBNZ: clsTestBranch,
	ADR: clsADR, BR: clsBranchReg, BLR: clsBranchReg, RET: clsBranchReg,
	NOP: clsNoOperand, BRK: clsException, UDF: clsException,
}

func (op Op) class() class {
	if op < numOps {
		return opClass[op]
	}
	return clsNone
}

// IsLabelBranch reports whether in refers to a label: B, BL, BCOND, CBZ,
// CBNZ, TBZ, TBNZ and ADR. These are encoded with EncodeBranch once the
// layout is known; Encode rejects them.
func (in Inst) IsLabelBranch() bool {
	switch in.Op.class() {
	case clsBranch, clsBranchCond, clsCompBranch, clsTestBranch, clsADR:
		return true
	}
	return false
}

// accessWidth is the number of bytes a load or store moves, or 0 for
// other instructions.
func (in Inst) accessWidth() int64 {
	switch in.Op {
	case LDRB, LDRSB, STRB, LDARB, STLRB:
		return 1
	case LDRH, LDRSH, STRH, LDARH, STLRH:
		return 2
	case LDRSW:
		return 4
	case LDR, STR, LDP, STP, LDXR, STXR, LDAR, STLR, LDADD, LDCLR, LDEOR, LDSET, SWP, CAS:
		if in.Size == 4 {
			return 4
		}
		return 8
	}
	return 0
}

// transferSize is the register width (for naming) of Rt in a load or
// store: the byte and halfword forms always name W registers, the sign
// extending loads name their destination width.
func (in Inst) transferSize() uint8 {
	switch in.Op {
	case LDRB, LDRH, STRB, STRH, LDARB, LDARH, STLRB, STLRH:
		return 4
	case LDRSW:
		return 8
	}
	return in.Size
}

// useUnscaled reports whether an AddrOffset or AddrUnscaled operand is
// encoded in the unscaled (LDUR) form: String and the encoder must agree.
func (in Inst) useUnscaled() bool {
	switch in.Mem.Mode {
	case AddrUnscaled:
		return true
	case AddrOffset:
		w := in.accessWidth()
		return !scaledFits(w, in.Mem.Disp)
	}
	return false
}

// mnemonic is the name String prints: the op name with the ordering
// suffix of atomics, LDAXR/STLXR, the U of unscaled loads and stores and
// the condition of B.cond.
func (in Inst) mnemonic() string {
	name := in.Op.String()
	switch in.Op.class() {
	case clsAtomic:
		return name + orderSuffix[in.Order&3]
	case clsBranchCond:
		return name + in.Cond.String()
	case clsLoadStore:
		if in.useUnscaled() {
			return name[:2] + "u" + name[2:]
		}
	}
	switch {
	case in.Op == LDXR && in.Order == Acquire:
		return "ldaxr"
	case in.Op == STXR && in.Order == Release:
		return "stlxr"
	}
	return name
}

// hexImm formats an immediate the way disassemblers do: "#0x1f", "#-0x8".
func hexImm(v int64) string {
	if v < 0 {
		return fmt.Sprintf("#-0x%x", uint64(-v))
	}
	return fmt.Sprintf("#0x%x", v)
}

// addSubImmText formats an ADD/SUB immediate as encoded: "#0x1, lsl #12"
// when it needs the shifted form.
func addSubImmText(v int64) string {
	if imm, sh, ok := splitAddSubImm(v); ok && sh {
		return fmt.Sprintf("#0x%x, lsl #12", imm)
	}
	return hexImm(v)
}

// logicImmText formats a bitmask immediate at the operand width.
func logicImmText(v int64, size uint8) string {
	if size == 4 {
		return fmt.Sprintf("#0x%x", uint32(v))
	}
	return fmt.Sprintf("#0x%x", uint64(v))
}

// shiftText is the ", lsl #3" suffix of a shifted register, or "".
func (in Inst) shiftText() string {
	if in.Shift == ShiftLSL && in.Amount == 0 {
		return ""
	}
	return fmt.Sprintf(", %s #%d", in.Shift, in.Amount)
}

// format formats the memory operand; width is the access width, used only
// to print the scale of an index.
func (m Mem) format(width int64) string {
	base := m.Base.Name(8)
	switch m.Mode {
	case AddrPre:
		return fmt.Sprintf("[%s, #%d]!", base, m.Disp)
	case AddrPost:
		return fmt.Sprintf("[%s], #%d", base, m.Disp)
	case AddrIndex:
		if m.Scaled && width > 1 {
			return fmt.Sprintf("[%s, %s, lsl #%d]", base, m.Index.Name(8), log2(width))
		}
		return fmt.Sprintf("[%s, %s]", base, m.Index.Name(8))
	}
	if m.Disp == 0 {
		return "[" + base + "]"
	}
	return fmt.Sprintf("[%s, #%d]", base, m.Disp)
}

func log2(w int64) int {
	n := 0
	for w > 1 {
		w >>= 1
		n++
	}
	return n
}

// String formats the instruction in Arm assembly syntax, e.g.
// "add x0, x1, x2, lsl #3" or "ldr w0, [sp, #8]". Immediates are
// hexadecimal except shift amounts, bit numbers and memory offsets, as
// in GNU objdump; labels print as "L<n>". The mnemonic is the Op's (an
// alias such as cmp or lsl stays an alias), adjusted for the form that
// is encoded: ldur for an unscaled offset, ldaddal for AcqRel.
func (in Inst) String() string {
	sz := in.Size
	ops := make([]string, 0, 4)
	add := func(s ...string) { ops = append(ops, s...) }
	reg := func(r Reg) string { return r.Name(sz) }
	op2 := func() {
		if in.Rm != NoReg {
			add(reg(in.Rm) + in.shiftText())
		} else if in.Op.class() == clsLogic || in.Op == TST {
			add(logicImmText(in.Imm, sz))
		} else {
			add(addSubImmText(in.Imm))
		}
	}
	switch in.Op.class() {
	case clsAddSub, clsLogic:
		add(reg(in.Rd), reg(in.Rn))
		op2()
	case clsCompare:
		add(reg(in.Rn))
		op2()
	case clsNegate:
		add(reg(in.Rd), reg(in.Rn)+in.shiftText())
	case clsMov, clsRev:
		add(reg(in.Rd), reg(in.Rn))
	case clsMovWide:
		s := hexImm(in.Imm)
		if in.Amount != 0 {
			s += fmt.Sprintf(", lsl #%d", in.Amount)
		}
		add(reg(in.Rd), s)
	case clsMul3:
		add(reg(in.Rd), reg(in.Rn), reg(in.Rm))
	case clsMul4:
		add(reg(in.Rd), reg(in.Rn), reg(in.Rm), reg(in.Ra))
	case clsShift:
		add(reg(in.Rd), reg(in.Rn))
		if in.Rm != NoReg {
			add(reg(in.Rm))
		} else {
			add(fmt.Sprintf("#%d", in.Imm))
		}
	case clsBitfield:
		add(reg(in.Rd), reg(in.Rn), fmt.Sprintf("#%d", in.Imm), fmt.Sprintf("#%d", in.Imm2))
	case clsExtend:
		switch in.Op {
		case UXTB, UXTH:
			add(in.Rd.Name(4), in.Rn.Name(4))
		default:
			add(reg(in.Rd), in.Rn.Name(4))
		}
	case clsCondSel:
		add(reg(in.Rd), reg(in.Rn), reg(in.Rm), in.Cond.String())
	case clsCondSet:
		add(reg(in.Rd), in.Cond.String())
	case clsLoadStore, clsOrdered:
		add(in.Rt.Name(in.transferSize()), in.Mem.format(in.accessWidth()))
	case clsPair:
		add(reg(in.Rt), reg(in.Rt2), in.Mem.format(in.accessWidth()))
	case clsStoreExcl:
		add(in.Rs.Name(4), reg(in.Rt), in.Mem.format(in.accessWidth()))
	case clsAtomic:
		add(reg(in.Rs), reg(in.Rt), in.Mem.format(in.accessWidth()))
	case clsBarrier:
		if name, ok := barrierNames[in.Imm]; ok {
			add(name)
		} else {
			add(fmt.Sprintf("#%d", in.Imm))
		}
	case clsBranch, clsBranchCond:
		add(fmt.Sprintf("L%d", in.Label))
	case clsCompBranch:
		add(reg(in.Rt), fmt.Sprintf("L%d", in.Label))
	case clsTestBranch:
		rs := uint8(8)
		if in.Imm < 32 {
			rs = 4
		}
		add(in.Rt.Name(rs), fmt.Sprintf("#%d", in.Imm), fmt.Sprintf("L%d", in.Label))
	case clsADR:
		add(in.Rd.Name(8), fmt.Sprintf("L%d", in.Label))
	case clsBranchReg:
		if in.Op != RET || (in.Rn != NoReg && in.Rn != X30) {
			add(in.Rn.Name(8))
		}
	case clsException:
		add(hexImm(in.Imm))
	}
	if len(ops) == 0 {
		return in.mnemonic()
	}
	return in.mnemonic() + " " + strings.Join(ops, ", ")
}
