// Package vm holds what every engine (the reference interpreter and the
// native backends) must agree on at run time: the memory model (which
// address ranges a program may touch, and whether it may read or write
// each), the calling convention, helper functions and the errors a run
// can end with.
//
// Calling convention: r1 holds the address of the input memory (a
// writable region the caller owns; 0 when there is none), r2 its length,
// r10 the top of a 512-byte stack frame, and r0 the result. Every local
// call gets a fresh zeroed frame below its caller's, up to MaxCallDepth
// frames. Stack frames start zeroed so that a program that reads stack it
// never wrote gets the same answer from every engine.
//
// Registers follow the same idea, so that engines agree even on programs
// the kernel verifier would reject for reading unset registers: a run
// starts with every register but r1, r2 and r10 zero; a callee starts with
// its arguments r1-r5, its frame in r10, and r0 and r6-r9 zero; after any
// call (helper or local) r1-r5 read as zero and r6-r9 are the caller's.
// Stack below the current frame (the frames of calls not yet made) holds
// unspecified bytes: a program that reaches there through pointer
// arithmetic may see what an earlier run left. The frames of the
// functions that called the current one are as the interpreter leaves
// them, whichever way they are reached (a pointer passed down, or the
// callee's own r10 plus a constant: frames are adjacent).
//
// Runs are bounded by Limits: every engine counts the same poll points
// (the first instruction of each function, the head of each loop) and
// stops at the same one when a budget is spent (see Limits).
package vm

// StackFrameSize is the size in bytes of one eBPF stack frame.
const StackFrameSize = 512

// MaxCallDepth is the maximum number of nested frames (the entry function
// counts as one).
const MaxCallDepth = 8

// StackSize is the size of the whole eBPF stack region of a run.
const StackSize = StackFrameSize * MaxCallDepth

// FuncRefBase tags the value a func lddw (src 4) loads: FuncRefBase plus
// the slot index of the function. callx accepts such a value (a local
// call) or a helper id. Every engine uses this encoding, so the value is
// the same whichever engine runs the program.
const FuncRefBase = 1 << 62

// MapHandleBase tags the value an lddw map reference (map_idx) loads:
// MapHandleBase plus the map's index. Helpers that take a map recognise
// it; it is not an address, so a program that dereferences it faults.
const MapHandleBase = 1 << 61

// Binding is what a run is bound to besides its input: the memory of the
// program's maps and global data, the table lddw map references read,
// embedder data for helpers and the logical CPU the run is on.
type Binding struct {
	Regions []Region
	// MapTable has two entries per map index: the map's handle and the
	// address of its first value (for global-data sections; 0 for maps
	// that have no fixed value).
	MapTable []uint64
	Data     any
	CPU      int
	// Limits bound the run (budget, context, closing); nil means none.
	Limits *Limits
}

// MapTableIndex is the entry of Binding.MapTable that an lddw reference
// to map i reads: its handle, or (value) the address of its first value.
func MapTableIndex(i int, value bool) int {
	if value {
		return 2*i + 1
	}
	return 2 * i
}

// Return is returned by a helper that finished the calling function on
// its behalf: the function returns R0 to its caller at once (the whole
// program ends if it is the entry function). The tail-call helper runs
// the target program and returns its result this way, which is how a
// kernel tail call behaves: the target replaces the calling function's
// frame, so its result goes back to the function's caller.
type Return struct {
	R0 uint64
}

func (r *Return) Error() string { return "helper returned from the calling function" }

// HelperTailCall is the tail-call helper's id. Engines check, after a
// call to it, whether the helper ended the calling function (Return).
const HelperTailCall = 12
