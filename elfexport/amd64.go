package elfexport

import (
	"debug/elf"
	"encoding/binary"
	"fmt"

	. "github.com/ebpfjit/ebpfjit/jit/amd64"
	"github.com/ebpfjit/ebpfjit/loader/native"
	"github.com/ebpfjit/ebpfjit/vm"
)

// x86 emits the wrapper's instructions into .text.
type x86 struct {
	o   *object
	err error
}

func (e *x86) pos() int { return e.o.text.Len() }

func (e *x86) inst(in Inst) {
	b, err := Encode(nil, &in)
	if err != nil && e.err == nil {
		e.err = fmt.Errorf("encoding %v: %w", in, err)
	}
	e.o.text.Write(b)
}

func (e *x86) raw(b ...byte) { e.o.text.Write(b) }

func (e *x86) rel32(at, target int) {
	binary.LittleEndian.PutUint32(e.o.text.Bytes()[at:], uint32(int32(target-(at+4))))
}

// leaRAX is lea rax, [rip + sym + addend], relocated.
func (e *x86) leaRAX(sym int, addend int64) {
	e.raw(0x48, 0x8d, 0x05)
	e.o.textRelas = append(e.o.textRelas, rela{off: uint64(e.pos()), sym: sym, typ: uint32(elf.R_X86_64_PC32), addend: addend - 4})
	e.raw(0, 0, 0, 0)
}

// call is a call to an external function.
func (e *x86) call(sym int) {
	e.raw(0xe8)
	e.o.textRelas = append(e.o.textRelas, rela{off: uint64(e.pos()), sym: sym, typ: uint32(elf.R_X86_64_PLT32), addend: -4})
	e.raw(0, 0, 0, 0)
}

// jcc emits a long conditional jump to be bound later.
func (e *x86) jcc(c Cond) int {
	e.raw(0x0f, 0x80|byte(c))
	at := e.pos()
	e.raw(0, 0, 0, 0)
	return at
}

func (e *x86) jmp() int {
	e.raw(0xe9)
	at := e.pos()
	e.raw(0, 0, 0, 0)
	return at
}

// callLocal is a call to a place in .text.
func (e *x86) callLocal() int {
	e.raw(0xe8)
	at := e.pos()
	e.raw(0, 0, 0, 0)
	return at
}

func c(off int) Operand { return M(R15, int32(off)) }

// wrapAMD64 appends a program's code and its C-callable function to the
// object. The function's frame holds, from its stack pointer up: the
// native stack the program runs on, the Context, and the eBPF stack.
func wrapAMD64(o *object, p Program, l *layout, ids []int32, helpers map[int32]int, fault int) error {
	e := &x86{o: o}
	for o.text.Len()%16 != 0 {
		o.text.WriteByte(0xcc)
	}
	codeStart := e.pos()
	o.text.Write(p.Code.Text)
	for o.text.Len()%16 != 0 {
		o.text.WriteByte(0xcc)
	}
	nativeStack := (p.Code.NativeStack + 4096 + 15) &^ 15
	ctxSize := (native.ContextSize + 15) &^ 15
	frame := nativeStack + ctxSize + vm.StackSize
	// Six pushes and the return address leave RSP 8 off a 16-byte
	// boundary; the frame rounds it back.
	frame = (frame+15)&^15 + 8

	start := e.pos()
	for _, r := range []Reg{RBP, RBX, R12, R13, R14, R15} {
		e.raw(pushBytes(r)...)
	}
	e.inst(Inst{Op: SUB, Size: 8, Dst: R(RSP), Src: Imm(int64(frame))})
	e.inst(Inst{Op: MOV, Size: 8, Dst: R(R12), Src: R(RDI)}) // mem
	e.inst(Inst{Op: MOV, Size: 8, Dst: R(R13), Src: R(RSI)}) // len
	e.inst(Inst{Op: LEA, Size: 8, Dst: R(R15), Src: M(RSP, int32(nativeStack))})
	// Zero the context.
	e.inst(Inst{Op: MOV, Size: 8, Dst: R(RDI), Src: R(R15)})
	e.inst(Inst{Op: XOR, Size: 4, Dst: R(RAX), Src: R(RAX)})
	e.inst(Inst{Op: MOV, Size: 4, Dst: R(RCX), Src: Imm(int64(ctxSize / 8))})
	e.inst(Inst{Op: STOSQ, Size: 8, Rep: true})
	// Exported functions run without limits: their poll points never run
	// out of fuel (2^64-1 polls), and an ExitPoll would refill it.
	e.inst(Inst{Op: MOV, Size: 8, Dst: c(native.OffFuel), Src: Imm(-1)})
	// The input and the limits of its accesses.
	e.inst(Inst{Op: MOV, Size: 8, Dst: c(native.OffMemStart), Src: R(R12)})
	for i := 0; i < 4; i++ {
		size := int64(1) << i
		e.inst(Inst{Op: XOR, Size: 4, Dst: R(RAX), Src: R(RAX)})
		e.inst(Inst{Op: CMP, Size: 8, Dst: R(R13), Src: Imm(size - 1)})
		skip := e.jcc(CondBE)
		e.inst(Inst{Op: LEA, Size: 8, Dst: R(RAX), Src: M(R13, int32(1-size))})
		e.rel32(skip, e.pos())
		e.inst(Inst{Op: MOV, Size: 8, Dst: c(native.OffMemLimit + 8*i), Src: R(RAX)})
	}
	// The eBPF stack, the arguments of the entry function and the native
	// stack (which ends where the context begins).
	e.inst(Inst{Op: LEA, Size: 8, Dst: R(RAX), Src: M(R15, int32(ctxSize))})
	e.inst(Inst{Op: MOV, Size: 8, Dst: c(native.OffStackLo), Src: R(RAX)})
	e.inst(Inst{Op: ADD, Size: 8, Dst: R(RAX), Src: Imm(vm.StackSize)})
	e.inst(Inst{Op: MOV, Size: 8, Dst: c(native.OffStackHi), Src: R(RAX)})
	e.inst(Inst{Op: MOV, Size: 8, Dst: c(native.OffCallArgs + 8*5), Src: R(RAX)})
	e.inst(Inst{Op: MOV, Size: 8, Dst: c(native.OffCallArgs), Src: R(R12)})
	e.inst(Inst{Op: MOV, Size: 8, Dst: c(native.OffCallArgs + 8), Src: R(R13)})
	e.inst(Inst{Op: MOV, Size: 8, Dst: c(native.OffStackTop), Src: R(R15)})
	// Where the code and the maps are.
	textSym := o.symbol(symbol{name: ".Ltext", section: sectText, typ: elf.STT_NOTYPE})
	e.leaRAX(textSym, int64(codeStart))
	e.inst(Inst{Op: MOV, Size: 8, Dst: c(native.OffCodeBase), Src: R(RAX)})
	e.leaRAX(l.tableSym, 0)
	e.inst(Inst{Op: MOV, Size: 8, Dst: c(native.OffMapTable), Src: R(RAX)})
	// The region table: the one in address order when there are two.
	if l.numRegions > 0 {
		if len(l.regionTables) == 2 {
			e.leaRAX(l.dataSection, 0)
			e.inst(Inst{Op: MOV, Size: 8, Dst: R(RCX), Src: R(RAX)})
			e.leaRAX(l.rodataSect, 0)
			e.inst(Inst{Op: CMP, Size: 8, Dst: R(RCX), Src: R(RAX)})
			e.leaRAX(l.regionTables[1], 0)
			e.inst(Inst{Op: MOV, Size: 8, Dst: R(RDX), Src: R(RAX)})
			e.leaRAX(l.regionTables[0], 0)
			e.inst(Inst{Op: CMOVCC, Cond: CondA, Size: 8, Dst: R(RAX), Src: R(RDX)}) // .data above .rodata
		} else {
			e.leaRAX(l.regionTables[0], 0)
		}
		e.inst(Inst{Op: MOV, Size: 8, Dst: c(native.OffRegions), Src: R(RAX)})
		e.inst(Inst{Op: MOV, Size: 8, Dst: c(native.OffRegionHint), Src: R(RAX)})
		e.inst(Inst{Op: MOV, Size: 8, Dst: c(native.OffNumRegions), Src: Imm(int64(l.numRegions))})
	}

	enter := e.callLocal()
	// The exit loop, as the Go runtime's.
	loop := e.pos()
	e.inst(Inst{Op: MOV, Size: 8, Dst: R(RAX), Src: c(native.OffExitCode)})
	e.inst(Inst{Op: CMP, Size: 8, Dst: R(RAX), Src: Imm(native.ExitReturn)})
	done := e.jcc(CondE)
	e.inst(Inst{Op: CMP, Size: 8, Dst: R(RAX), Src: Imm(native.ExitPoll)})
	refuel := e.jcc(CondE)
	e.inst(Inst{Op: CMP, Size: 8, Dst: R(RAX), Src: Imm(native.ExitHelper)})
	toFault := e.jcc(CondNE)
	e.inst(Inst{Op: MOV, Size: 8, Dst: R(RAX), Src: c(native.OffHelperID)})
	var calls []int
	for _, id := range ids {
		e.inst(Inst{Op: CMP, Size: 8, Dst: R(RAX), Src: Imm(int64(id))})
		calls = append(calls, e.jcc(CondE))
	}
	// An id no helper answers (callx): a fault, as the runtime reports.
	e.inst(Inst{Op: MOV, Size: 8, Dst: c(native.OffFault), Src: Imm(int64(vm.FaultBadCallTarget))})
	e.inst(Inst{Op: MOV, Size: 8, Dst: c(native.OffFaultArg), Src: R(RAX)})
	toFault2 := e.jmp()
	resumes := []int{}
	e.rel32(refuel, e.pos())
	e.inst(Inst{Op: MOV, Size: 8, Dst: c(native.OffFuel), Src: Imm(-1)})
	resumes = append(resumes, e.callLocal())
	e.rel32(e.jmp(), loop)
	for i, id := range ids {
		e.rel32(calls[i], e.pos())
		for j, r := range []Reg{RDI, RSI, RDX, RCX, R8} {
			e.inst(Inst{Op: MOV, Size: 8, Dst: R(r), Src: c(native.OffArgs + 8*(j+1))})
		}
		e.call(helpers[id])
		e.inst(Inst{Op: MOV, Size: 8, Dst: c(native.OffArgs), Src: R(RAX)})
		e.inst(Inst{Op: MOV, Size: 8, Dst: c(native.OffReturned), Src: Imm(0)})
		resumes = append(resumes, e.callLocal())
		back := e.jmp()
		e.rel32(back, loop)
	}
	// A fault: tell the embedder, return 0.
	e.rel32(toFault, e.pos())
	e.rel32(toFault2, e.pos())
	e.inst(Inst{Op: MOV, Size: 8, Dst: R(RDI), Src: c(native.OffFault)})
	e.inst(Inst{Op: MOV, Size: 8, Dst: R(RSI), Src: c(native.OffExitPC)})
	e.inst(Inst{Op: MOV, Size: 8, Dst: R(RDX), Src: c(native.OffFaultArg)})
	e.call(fault)
	e.inst(Inst{Op: MOV, Size: 8, Dst: c(native.OffArgs), Src: Imm(0)})
	e.rel32(done, e.pos())
	e.inst(Inst{Op: MOV, Size: 8, Dst: R(RAX), Src: c(native.OffArgs)})
	e.inst(Inst{Op: ADD, Size: 8, Dst: R(RSP), Src: Imm(int64(frame))})
	for _, r := range []Reg{R15, R14, R13, R12, RBX, RBP} {
		e.raw(popBytes(r)...)
	}
	e.inst(Inst{Op: RET})

	// enter: like the Go trampoline, remember this frame and jump to the
	// preamble on the native stack; the program leaves by returning here.
	e.rel32(enter, e.pos())
	e.inst(Inst{Op: MOV, Size: 8, Dst: c(native.OffGoSP), Src: R(RSP)})
	e.inst(Inst{Op: MOV, Size: 8, Dst: c(native.OffGoBP), Src: R(RBP)})
	e.inst(Inst{Op: MOV, Size: 8, Dst: R(FuelReg), Src: c(native.OffFuel)})
	e.inst(Inst{Op: MOV, Size: 8, Dst: R(RSP), Src: c(native.OffStackTop)})
	j := e.jmp()
	e.rel32(j, codeStart+p.Code.Preamble)
	// resume: continue the program after a helper.
	resume := e.pos()
	for _, r := range resumes {
		e.rel32(r, resume)
	}
	e.inst(Inst{Op: MOV, Size: 8, Dst: c(native.OffGoSP), Src: R(RSP)})
	e.inst(Inst{Op: MOV, Size: 8, Dst: c(native.OffGoBP), Src: R(RBP)})
	e.inst(Inst{Op: MOV, Size: 8, Dst: R(FuelReg), Src: c(native.OffFuel)})
	e.inst(Inst{Op: MOV, Size: 8, Dst: R(RSP), Src: c(native.OffNativeSP)})
	e.inst(Inst{Op: JMP, Dst: c(native.OffResume)})
	if e.err != nil {
		return e.err
	}
	o.symbol(symbol{name: p.Name, section: sectText, value: uint64(start), size: uint64(e.pos() - start), typ: elf.STT_FUNC, global: true})
	return nil
}

func pushBytes(r Reg) []byte {
	if r >= R8 {
		return []byte{0x41, 0x50 + byte(r-R8)}
	}
	return []byte{0x50 + byte(r)}
}

func popBytes(r Reg) []byte {
	if r >= R8 {
		return []byte{0x41, 0x58 + byte(r-R8)}
	}
	return []byte{0x58 + byte(r)}
}
