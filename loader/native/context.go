// Package native runs compiled eBPF programs: it maps their machine code
// into executable memory, keeps the execution context the code works in,
// enters the code from Go through a small assembly trampoline, and serves
// its exits (helper calls, faults, the final return).
//
// It depends on nothing of the compiler (ir, regalloc, jit): an artifact
// compiled ahead of time runs with this package alone.
//
// # Exit protocol
//
// Generated code never calls Go. The trampoline enter saves Go's stack
// and frame pointers (and, on arm64, the link register) in the Context,
// switches to a native stack owned by the Context and calls the
// program's entry function with the context register (R15 on amd64, X27
// on arm64) pointing at the Context. To call a helper, generated code
// stores the helper id and r1-r5 in the Context, saves its resume address
// and stack pointer, restores Go's registers and returns from the
// trampoline with ExitCode = ExitHelper. The Go loop runs the helper,
// stores r0 in Args[0] and calls resume, which switches back to the
// native stack and jumps to the resume address. Faults leave the same way
// with ExitFault, the fault kind and the eBPF instruction index; the end
// of the program leaves with ExitReturn and r0 in Args[0].
package native

// Context is shared by Go and generated code. Generated code reaches its
// fields at the fixed offsets below (checked against unsafe.Offsetof by a
// test), so the field order is part of the ABI of compiled artifacts.
type Context struct {
	GoSP     uint64 // Go's stack pointer at entry
	GoBP     uint64 // Go's frame pointer at entry
	GoLR     uint64 // Go's return address (arm64)
	NativeSP uint64 // native stack pointer saved at an exit
	Resume   uint64 // where native code continues after an exit
	ExitCode uint64 // why native code returned to Go
	ExitPC   uint64 // eBPF instruction of a helper call or fault
	HelperID uint64 // helper id, or the callx target value
	Fault    uint64 // vm.Fault of an ExitFault
	FaultArg uint64 // the faulting address

	// Args carries r0 (the helper's result on resume, the program's
	// result at the end) and r1-r5 of a helper call.
	Args [6]uint64
	// CallArgs carries r1-r5 and the callee's frame pointer into a
	// function (the entry function included).
	CallArgs [6]uint64

	StackTop uint64 // initial native stack pointer
	StackLo  uint64 // the eBPF stack region [StackLo, StackHi)
	StackHi  uint64
	MemStart uint64 // the input region
	// MemLimit[i] is the number of valid start offsets of a 1<<i-byte
	// access to the input region: len-size+1, or 0 when none fits.
	MemLimit [4]uint64

	// NumRegions and Regions are the other regions (maps, global data),
	// checked on the slow path of a memory access: Regions is the
	// address of a table of NumRegions entries sorted by Start and
	// disjoint, which the checker binary-searches. RegionHint is the
	// address of the entry the last search found (valid whenever
	// NumRegions is not 0): the checker tries it first, so a loop over one
	// map's values searches once.
	NumRegions uint64
	Regions    uint64
	RegionHint uint64

	// MapTable is the address of the run's vm.Binding.MapTable, which
	// lddw map references read (two entries per map).
	MapTable uint64
	// CodeBase is the address of the program's code.
	CodeBase uint64
	// CallTarget is the address of the function the call preamble calls
	// (a callback a helper runs).
	CallTarget uint64
	// HelperFrame is the eBPF frame pointer of the function calling a
	// helper that takes a callback: the callback's frame goes below it.
	HelperFrame uint64
	// Returned is 1 when the helper just called finished the calling
	// function (a tail call); its result is in Args[0].
	Returned uint64
	// Fuel is how many poll points (vm.Limits) generated code may pass
	// before it leaves with ExitPoll: each poll subtracts one, and the
	// poll that finds it 0 leaves (Fuel wraps to all ones).
	Fuel uint64
}

// Region is an entry of the region table as generated code checks it.
// Its size is a power of two so that the checker indexes the table with
// a shift.
type Region struct {
	Start uint64
	Len   uint64
	Perm  uint64 // vm.Perm: PermRead, PermWrite or both
	_     uint64
}

// Offsets in a Region and its size as a shift.
const (
	RegionStart     = 0
	RegionLen       = 8
	RegionPerm      = 16
	RegionSizeShift = 5
	RegionSize      = 1 << RegionSizeShift
)

// Exit codes.
const (
	ExitReturn = 1 // the program returned; r0 is in Args[0]
	ExitHelper = 2 // call helper HelperID with Args[1:6], then resume
	ExitFault  = 3 // stop with Fault at ExitPC
	ExitPoll   = 4 // a poll point at ExitPC ran out of Fuel; resume to go on
)

// Offsets of the Context fields used by generated code.
const (
	OffGoSP        = 0
	OffGoBP        = 8
	OffGoLR        = 16
	OffNativeSP    = 24
	OffResume      = 32
	OffExitCode    = 40
	OffExitPC      = 48
	OffHelperID    = 56
	OffFault       = 64
	OffFaultArg    = 72
	OffArgs        = 80
	OffCallArgs    = 128
	OffStackTop    = 176
	OffStackLo     = 184
	OffStackHi     = 192
	OffMemStart    = 200
	OffMemLimit    = 208
	OffNumRegions  = 240
	OffRegions     = 248
	OffRegionHint  = OffRegions + 8
	OffMapTable    = OffRegionHint + 8
	OffCodeBase    = OffMapTable + 8
	OffCallTarget  = OffCodeBase + 8
	OffHelperFrame = OffCallTarget + 8
	OffReturned    = OffHelperFrame + 8
	OffFuel        = OffReturned + 8
	// ContextSize is the size of a Context.
	ContextSize = OffFuel + 8
)
