// Package progen generates random eBPF programs for differential testing:
// every program it makes passes the validator, terminates after a few
// thousand instructions at most and computes the same result (r0, the
// input memory, or the same fault at the same instruction) on every
// correct engine, because nothing it computes depends on where memory
// happens to be.
//
// The generator builds instructions directly and tracks, per register,
// whether it holds data or a pointer. Pointers (the input base, r10, a
// pointer into the caller's frame, a computed address) are only ever used
// as the base of an access and are overwritten by data straight after, so
// no address reaches r0, memory, a comparison or a helper that could look
// at it. Loops count with a dedicated register or stack slot that nothing
// else writes, local calls only go to functions of higher index (so the
// call graph is acyclic) except for one function that recurses to a
// depth its caller fixes, and a cost estimate keeps the product of trip
// counts and callee costs small.
package progen

import (
	"math/rand/v2"

	"github.com/ebpfjit/ebpfjit/isa"
	"github.com/ebpfjit/ebpfjit/vm"
)

// Feature is a group of constructs that a Config can turn off, for
// engines that do not support them yet or to narrow down a failure.
type Feature uint32

// Feature groups.
const (
	Calls       Feature = 1 << iota // bpf-to-bpf calls, including bounded recursion
	CallX                           // calls through a register (func lddw or helper id)
	Helpers                         // helper calls
	Atomics                         // atomic read-modify-write instructions
	Loops                           // bounded loops (back edges)
	LegacyLoads                     // ldabs and ldind
	Faults                          // rare programs that fault on purpose
)

// Config controls what Generate makes. The zero value enables everything.
type Config struct {
	// MaxInsns bounds the program size in slots; 0 means 256. It is
	// clamped to [64, 8192].
	MaxInsns int
	// MemSize is the size of the input memory in bytes; 0 picks one of
	// 64 to 256. It is clamped to [16, 16384].
	MemSize int
	// Disable lists the feature groups to leave out.
	Disable Feature
}

// Program is a generated program with its input.
type Program struct {
	Insns []isa.Instruction
	// Mem is the input memory the program expects in r1/r2. Engines may
	// modify it, so run each engine on a fresh copy (bytes.Clone). Like
	// every Go allocation of 16 bytes or more the copy is 8-byte aligned,
	// which the program's atomics rely on.
	Mem []byte
	// Text is the disassembly, for failure reports; it reassembles to
	// Insns with asm.Assemble.
	Text string
	// MayFault is set for the rare programs generated to fault on
	// purpose. Any other program ends with r0 and no fault.
	MayFault bool
}

// HelperIDs are the helpers generated programs call. Run them with
// DeterministicHelpers so that all engines see the same answers.
var HelperIDs = []int32{vm.HelperGetSMPProcessorID, vm.HelperKtimeGetNS, vm.HelperGetPrandomU32, vm.HelperKtimeGetBootNS}

// DeterministicHelpers returns vm.BaseHelpers with the time and random
// helpers replaced by constants. Generated programs discard the result of
// ktime_get_boot_ns, so it may stay a clock.
func DeterministicHelpers() *vm.Helpers {
	h := vm.BaseHelpers()
	h.Register(vm.HelperKtimeGetNS, "ktime_get_ns", func(*vm.Env, uint64, uint64, uint64, uint64, uint64) (uint64, error) {
		return 123456789, nil
	})
	h.Register(vm.HelperGetPrandomU32, "get_prandom_u32", func(*vm.Env, uint64, uint64, uint64, uint64, uint64) (uint64, error) {
		return 4, nil
	})
	return h
}

// Generate makes one program from the decisions of src.
func Generate(src Source, cfg Config) *Program {
	g := &gen{src: src, on: ^cfg.Disable}
	maxInsns := cfg.MaxInsns
	if maxInsns == 0 {
		maxInsns = 256
	}
	maxInsns = min(max(maxInsns, 64), 8192)
	g.mem = cfg.MemSize
	if g.mem == 0 {
		g.mem = 8 * (8 + g.n(25))
	}
	g.mem = min(max(g.mem, 16), 16384)
	mem := fillMemory(g.mem, src.Uint64())
	g.plan(maxInsns)
	for i := len(g.funcs) - 1; i >= 0; i-- {
		g.function(g.funcs[i])
	}
	insns := g.link()
	return &Program{Insns: insns, Mem: mem, Text: isa.Disassemble(insns), MayFault: g.fault != faultNone}
}

// fillMemory makes input bytes with many of the values that matter to
// sign and zero extension. A seed rather than one decision per byte keeps
// fuzzer inputs short.
func fillMemory(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	mem := make([]byte, n)
	for i := range mem {
		switch r.IntN(8) {
		case 0, 1:
			mem[i] = 0
		case 2:
			mem[i] = 0xff
		case 3:
			mem[i] = 0x80
		case 4:
			mem[i] = 0x7f
		default:
			mem[i] = byte(r.Uint32())
		}
	}
	return mem
}
