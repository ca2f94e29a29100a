package elfexport

import (
	"debug/elf"
	"encoding/binary"
	"fmt"

	. "github.com/ebpfjit/ebpfjit/jit/arm64"
	"github.com/ebpfjit/ebpfjit/loader/native"
	"github.com/ebpfjit/ebpfjit/vm"
)

// a64 emits the wrapper's instructions into .text.
type a64 struct {
	o   *object
	err error
}

func (e *a64) pos() int { return e.o.text.Len() }

func (e *a64) word(w uint32) { e.o.text.Write(binary.LittleEndian.AppendUint32(nil, w)) }

func (e *a64) inst(in Inst) {
	w, err := Encode(&in)
	if err != nil && e.err == nil {
		e.err = fmt.Errorf("encoding %v: %w", in, err)
	}
	e.word(w)
}

func (e *a64) movConst(rd Reg, c uint64) {
	for _, in := range MovConst(rd, c) {
		e.inst(in)
	}
}

// ctx is a context field, reached through X27 as generated code does.
func ctx(off int) Mem { return M(X27, int64(off)) }

func (e *a64) store(r Reg, off int) { e.inst(Inst{Op: STR, Size: 8, Rt: r, Mem: ctx(off)}) }
func (e *a64) load(r Reg, off int)  { e.inst(Inst{Op: LDR, Size: 8, Rt: r, Mem: ctx(off)}) }

// addr puts the address of sym+addend in rd: ADRP and ADD, relocated.
func (e *a64) addr(rd Reg, sym int, addend int64) {
	e.o.textRelas = append(e.o.textRelas, rela{off: uint64(e.pos()), sym: sym, typ: uint32(elf.R_AARCH64_ADR_PREL_PG_HI21), addend: addend})
	e.word(0x90000000 | uint32(rd.Num()))
	e.o.textRelas = append(e.o.textRelas, rela{off: uint64(e.pos()), sym: sym, typ: uint32(elf.R_AARCH64_ADD_ABS_LO12_NC), addend: addend})
	e.inst(Inst{Op: ADD, Size: 8, Rd: rd, Rn: rd, Imm: 0})
}

// call is a BL to an external function.
func (e *a64) call(sym int) {
	e.o.textRelas = append(e.o.textRelas, rela{off: uint64(e.pos()), sym: sym, typ: uint32(elf.R_AARCH64_CALL26)})
	e.word(0x94000000)
}

// branch leaves room for a branch to a place in .text, bound by patch.
type pending struct {
	at int
	in Inst
}

func (e *a64) branch(in Inst) pending {
	p := pending{at: e.pos(), in: in}
	e.word(0)
	return p
}

func (e *a64) patch(p pending, target int) {
	w, err := EncodeBranch(&p.in, int64(target-p.at))
	if err != nil && e.err == nil {
		e.err = fmt.Errorf("branch %v: %w", p.in, err)
	}
	binary.LittleEndian.PutUint32(e.o.text.Bytes()[p.at:], w)
}

// addImm is rd = rn + c for any c (X17 as scratch when it does not fit).
func (e *a64) addImm(rd, rn Reg, c int64) {
	if AddSubImm(c) {
		e.inst(Inst{Op: ADD, Size: 8, Rd: rd, Rn: rn, Imm: c})
		return
	}
	e.movConst(X17, uint64(c))
	e.inst(Inst{Op: ADD, Size: 8, Rd: rd, Rn: rn, Rm: X17})
}

// wrapARM64 appends a program's code and its C-callable function to the
// object. As on amd64, the function's frame holds the native stack the
// program runs on, the Context, and the eBPF stack, from SP up. X27 holds
// the context throughout (it is callee-saved in the C ABI, so helper calls
// keep it); X19 and X20 keep the input and its length.
func wrapARM64(o *object, p Program, l *layout, ids []int32, helpers map[int32]int, fault int) error {
	e := &a64{o: o}
	for o.text.Len()%16 != 0 {
		e.word(0xd4200000) // brk #0
	}
	codeStart := e.pos()
	o.text.Write(p.Code.Text)
	for o.text.Len()%16 != 0 {
		e.word(0xd4200000)
	}
	nativeStack := (p.Code.NativeStack + 4096 + 15) &^ 15
	ctxSize := (native.ContextSize + 15) &^ 15
	frame := (nativeStack + ctxSize + vm.StackSize + 15) &^ 15

	start := e.pos()
	// Save the callee-saved registers generated code may use (X19-X30),
	// then make the frame.
	e.inst(Inst{Op: STP, Size: 8, Rt: X29, Rt2: X30, Mem: MPre(SP, -96)})
	for i, pair := range [][2]Reg{{X19, X20}, {X21, X22}, {X23, X24}, {X25, X26}, {X27, X28}} {
		e.inst(Inst{Op: STP, Size: 8, Rt: pair[0], Rt2: pair[1], Mem: M(SP, int64(16*(i+1)))})
	}
	e.inst(Inst{Op: MOV, Size: 8, Rd: X29, Rn: SP})
	e.inst(Inst{Op: MOV, Size: 8, Rd: X19, Rn: X0}) // mem
	e.inst(Inst{Op: MOV, Size: 8, Rd: X20, Rn: X1}) // len
	e.movConst(X17, uint64(frame))
	e.inst(Inst{Op: MOV, Size: 8, Rd: X16, Rn: SP})
	e.inst(Inst{Op: SUB, Size: 8, Rd: X16, Rn: X16, Rm: X17})
	e.inst(Inst{Op: MOV, Size: 8, Rd: SP, Rn: X16})
	e.addImm(X27, X16, int64(nativeStack))
	// Zero the context.
	e.inst(Inst{Op: MOV, Size: 8, Rd: X16, Rn: X27})
	e.movConst(X17, uint64(ctxSize/8))
	zero := e.pos()
	e.inst(Inst{Op: STR, Size: 8, Rt: XZR, Mem: MPost(X16, 8)})
	e.inst(Inst{Op: SUB, Size: 8, Rd: X17, Rn: X17, Imm: 1})
	e.patch(e.branch(Inst{Op: CBNZ, Size: 8, Rt: X17}), zero)
	// Exported functions run without limits: their poll points never run
	// out of fuel (2^64-1 polls), and an ExitPoll would refill it.
	e.inst(Inst{Op: MOVN, Size: 8, Rd: X16, Imm: 0})
	e.store(X16, native.OffFuel)
	// The input and the limits of its accesses.
	e.store(X19, native.OffMemStart)
	for i := 0; i < 4; i++ {
		size := int64(1) << i
		e.inst(Inst{Op: MOV, Size: 8, Rd: X16, Rn: XZR})
		e.inst(Inst{Op: CMP, Size: 8, Rn: X20, Imm: size - 1})
		skip := e.branch(Inst{Op: BCOND, Cond: CondLS})
		e.inst(Inst{Op: SUB, Size: 8, Rd: X16, Rn: X20, Imm: size - 1})
		e.patch(skip, e.pos())
		e.store(X16, native.OffMemLimit+8*i)
	}
	// The eBPF stack, the entry function's arguments and the native stack
	// (which ends where the context begins).
	e.addImm(X16, X27, int64(ctxSize))
	e.store(X16, native.OffStackLo)
	e.addImm(X16, X16, vm.StackSize)
	e.store(X16, native.OffStackHi)
	e.store(X16, native.OffCallArgs+8*5)
	e.store(X19, native.OffCallArgs)
	e.store(X20, native.OffCallArgs+8)
	e.store(X27, native.OffStackTop)
	// Where the code and the maps are.
	textSym := o.symbol(symbol{name: ".Ltext", section: sectText, typ: elf.STT_NOTYPE})
	e.addr(X16, textSym, int64(codeStart))
	e.store(X16, native.OffCodeBase)
	e.addr(X16, l.tableSym, 0)
	e.store(X16, native.OffMapTable)
	// The region table: the one in address order when there are two.
	if l.numRegions > 0 {
		if len(l.regionTables) == 2 {
			e.addr(X16, l.dataSection, 0)
			e.addr(X17, l.rodataSect, 0)
			e.inst(Inst{Op: CMP, Size: 8, Rn: X16, Rm: X17})
			e.addr(X16, l.regionTables[0], 0)
			e.addr(X17, l.regionTables[1], 0)
			e.inst(Inst{Op: CSEL, Size: 8, Rd: X16, Rn: X17, Rm: X16, Cond: CondHI}) // .data above .rodata
		} else {
			e.addr(X16, l.regionTables[0], 0)
		}
		e.store(X16, native.OffRegions)
		e.store(X16, native.OffRegionHint)
		e.movConst(X16, uint64(l.numRegions))
		e.store(X16, native.OffNumRegions)
	}

	enter := e.branch(Inst{Op: BL})
	// The exit loop, as the Go runtime's.
	loop := e.pos()
	e.load(X16, native.OffExitCode)
	e.inst(Inst{Op: CMP, Size: 8, Rn: X16, Imm: native.ExitReturn})
	done := e.branch(Inst{Op: BCOND, Cond: CondEQ})
	e.inst(Inst{Op: CMP, Size: 8, Rn: X16, Imm: native.ExitPoll})
	refuel := e.branch(Inst{Op: BCOND, Cond: CondEQ})
	e.inst(Inst{Op: CMP, Size: 8, Rn: X16, Imm: native.ExitHelper})
	toFault := e.branch(Inst{Op: BCOND, Cond: CondNE})
	e.load(X16, native.OffHelperID)
	var calls []pending
	for _, id := range ids {
		e.movConst(X17, uint64(int64(id)))
		e.inst(Inst{Op: CMP, Size: 8, Rn: X16, Rm: X17})
		calls = append(calls, e.branch(Inst{Op: BCOND, Cond: CondEQ}))
	}
	// An id no helper answers (callx): a fault, as the runtime reports.
	e.movConst(X17, uint64(vm.FaultBadCallTarget))
	e.store(X17, native.OffFault)
	e.store(X16, native.OffFaultArg)
	toFault2 := e.branch(Inst{Op: B})
	var resumes []pending
	e.patch(refuel, e.pos())
	e.inst(Inst{Op: MOVN, Size: 8, Rd: X16, Imm: 0})
	e.store(X16, native.OffFuel)
	resumes = append(resumes, e.branch(Inst{Op: BL}))
	e.patch(e.branch(Inst{Op: B}), loop)
	for i, id := range ids {
		e.patch(calls[i], e.pos())
		for j, r := range []Reg{X0, X1, X2, X3, X4} {
			e.load(r, native.OffArgs+8*(j+1))
		}
		e.call(helpers[id])
		e.store(X0, native.OffArgs)
		e.store(XZR, native.OffReturned)
		resumes = append(resumes, e.branch(Inst{Op: BL}))
		e.patch(e.branch(Inst{Op: B}), loop)
	}
	// A fault: tell the embedder, return 0.
	e.patch(toFault, e.pos())
	e.patch(toFault2, e.pos())
	e.load(X0, native.OffFault)
	e.load(X1, native.OffExitPC)
	e.load(X2, native.OffFaultArg)
	e.call(fault)
	e.store(XZR, native.OffArgs)
	e.patch(done, e.pos())
	e.load(X0, native.OffArgs)
	e.inst(Inst{Op: MOV, Size: 8, Rd: SP, Rn: X29})
	for i, pair := range [][2]Reg{{X19, X20}, {X21, X22}, {X23, X24}, {X25, X26}, {X27, X28}} {
		e.inst(Inst{Op: LDP, Size: 8, Rt: pair[0], Rt2: pair[1], Mem: M(SP, int64(16*(i+1)))})
	}
	e.inst(Inst{Op: LDP, Size: 8, Rt: X29, Rt2: X30, Mem: MPost(SP, 96)})
	e.inst(Inst{Op: RET})

	// enter: like the Go trampoline, remember this frame (and where to
	// come back, in X30) and jump to the preamble on the native stack; the
	// program leaves by restoring them and returning.
	e.patch(enter, e.pos())
	e.remember()
	e.load(FuelReg, native.OffFuel)
	e.load(X16, native.OffStackTop)
	e.inst(Inst{Op: MOV, Size: 8, Rd: SP, Rn: X16})
	e.patch(e.branch(Inst{Op: B}), codeStart+p.Code.Preamble)
	// resume: continue the program after a helper.
	resume := e.pos()
	for _, r := range resumes {
		e.patch(r, resume)
	}
	e.remember()
	e.load(FuelReg, native.OffFuel)
	e.load(X16, native.OffNativeSP)
	e.inst(Inst{Op: MOV, Size: 8, Rd: SP, Rn: X16})
	e.load(X16, native.OffResume)
	e.inst(Inst{Op: BR, Rn: X16})
	if e.err != nil {
		return e.err
	}
	o.symbol(symbol{name: p.Name, section: sectText, value: uint64(start), size: uint64(e.pos() - start), typ: elf.STT_FUNC, global: true})
	return nil
}

// remember saves the wrapper's stack pointer, frame pointer and return
// address where generated code's exits restore them from.
func (e *a64) remember() {
	e.inst(Inst{Op: MOV, Size: 8, Rd: X16, Rn: SP})
	e.store(X16, native.OffGoSP)
	e.store(X29, native.OffGoBP)
	e.store(X30, native.OffGoLR)
}
