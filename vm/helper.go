package vm

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"time"
)

// HelperFunc implements a helper. It gets r1-r5 and returns r0. An error
// stops the program with FaultHelper.
type HelperFunc func(env *Env, r1, r2, r3, r4, r5 uint64) (uint64, error)

// Helper is a function a program can call by id.
type Helper struct {
	ID   int32
	Name string
	Fn   HelperFunc
}

// Env is what a helper sees of the run that called it.
type Env struct {
	// Memory holds the regions the program may access; helpers that take
	// pointers must go through it.
	Memory *Memory
	// Data is free for the embedder (the loader keeps its maps here).
	Data any
	// CPU is the logical CPU the run is bound to.
	CPU int
	// Call runs one of the program's functions, given as the value a func
	// lddw loads, with r1-r5 in a fresh frame below the calling
	// function's, and returns its r0. Helpers with callbacks (bpf_loop,
	// bpf_for_each_map_elem) use it.
	Call func(fn, r1, r2, r3, r4, r5 uint64) (uint64, error)
}

// Helpers is a set of helpers indexed by id. The zero value is empty and
// ready to use. It is not safe to modify while programs run. A set made
// by Derive sees its base's helpers under its own, so that a large
// standard set is built once and shared.
type Helpers struct {
	byID map[int32]*Helper
	base *Helpers
}

// Derive returns an empty set layered over h: it has h's helpers, and
// what is registered in it adds to or overrides them without touching h.
func (h *Helpers) Derive() *Helpers { return &Helpers{base: h} }

// Register adds or replaces a helper.
func (h *Helpers) Register(id int32, name string, fn HelperFunc) {
	if h.byID == nil {
		h.byID = make(map[int32]*Helper)
	}
	h.byID[id] = &Helper{ID: id, Name: name, Fn: fn}
}

// Lookup returns the helper with the given id, or nil.
func (h *Helpers) Lookup(id int32) *Helper {
	for ; h != nil; h = h.base {
		if x := h.byID[id]; x != nil {
			return x
		}
	}
	return nil
}

// ByName returns the helper with the given name, or nil.
func (h *Helpers) ByName(name string) *Helper {
	for _, x := range h.List() {
		if x.Name == name {
			return x
		}
	}
	return nil
}

// Has reports whether id is registered.
func (h *Helpers) Has(id int32) bool { return h.Lookup(id) != nil }

// List returns the helpers sorted by id.
func (h *Helpers) List() []*Helper {
	seen := map[int32]bool{}
	var out []*Helper
	for ; h != nil; h = h.base {
		for id, x := range h.byID {
			if !seen[id] {
				seen[id] = true
				out = append(out, x)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Clone returns an independent copy of the set.
func (h *Helpers) Clone() *Helpers {
	c := &Helpers{}
	for _, x := range h.List() {
		c.Register(x.ID, x.Name, x.Fn)
	}
	return c
}

// Kernel helper ids used by the built-in set (from the Linux UAPI, which
// programs are compiled against).
const (
	HelperKtimeGetNS         = 5
	HelperGetPrandomU32      = 7
	HelperGetSMPProcessorID  = 8
	HelperKtimeGetBootNS     = 125
	HelperGetCurrentPidTgid  = 14
	HelperGetCurrentUIDGID   = 15
	HelperKtimeGetCoarseNS   = 160
	HelperGetNumaNodeID      = 42
	HelperMaxBuiltinHelperID = 211
)

// Helpers that call back into the program (through Env.Call).
const (
	HelperForEachMapElem = 164
	HelperLoop           = 181
)

// TakesCallback reports whether helper id may call one of the program's
// functions: native code then records the calling function's frame so
// the callback's frame can go below it.
func TakesCallback(id int32) bool {
	return id == HelperForEachMapElem || id == HelperLoop
}

var start = time.Now()

// BaseHelpers returns the helpers that need nothing but the caller's
// memory: time, random numbers, the processor id. The bpf_conformance
// suite needs helper 5 to exist; its return value is never checked.
func BaseHelpers() *Helpers {
	h := &Helpers{}
	h.Register(HelperKtimeGetNS, "ktime_get_ns", func(*Env, uint64, uint64, uint64, uint64, uint64) (uint64, error) {
		return uint64(time.Since(start).Nanoseconds()), nil
	})
	h.Register(HelperKtimeGetBootNS, "ktime_get_boot_ns", func(*Env, uint64, uint64, uint64, uint64, uint64) (uint64, error) {
		return uint64(time.Since(start).Nanoseconds()), nil
	})
	h.Register(HelperGetPrandomU32, "get_prandom_u32", func(*Env, uint64, uint64, uint64, uint64, uint64) (uint64, error) {
		return uint64(rand.Uint32()), nil
	})
	h.Register(HelperGetSMPProcessorID, "get_smp_processor_id", func(env *Env, _, _, _, _, _ uint64) (uint64, error) {
		return uint64(env.CPU), nil
	})
	h.Register(HelperKtimeGetCoarseNS, "ktime_get_coarse_ns", func(*Env, uint64, uint64, uint64, uint64, uint64) (uint64, error) {
		return uint64(time.Since(start).Nanoseconds()), nil
	})
	h.Register(HelperGetNumaNodeID, "get_numa_node_id", func(*Env, uint64, uint64, uint64, uint64, uint64) (uint64, error) {
		return 0, nil
	})
	return h
}

// ErrUnknownHelper is returned for a call to an id with no helper.
func ErrUnknownHelper(id int32) error { return fmt.Errorf("unknown helper %d", id) }
