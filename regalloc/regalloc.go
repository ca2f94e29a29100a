// Package regalloc assigns the SSA values of a function to machine
// registers and spill slots, independently of the instruction set.
//
// It is a linear-scan allocator over the blocks in reverse postorder.
// Each value gets one interval, from its definition to its last use
// (stretched over every block where it is live, so a value used in a loop
// stays allocated around the back edge). Values that came from an eBPF
// register prefer the target's register for that eBPF register, so
// loop-carried values tend to stay put and block-parameter moves vanish.
// When registers run out, the interval that ends last is spilled for its
// whole life. Constants are never allocated: backends use them as
// immediates or rematerialise them.
//
// Every call (a helper exit, a local call) clobbers every register: the
// result lists, per call, the values in registers that live across it,
// and gives each of them a slot to be saved in.
package regalloc

import (
	"sort"

	"github.com/ebpfjit/ebpfjit/ir"
)

// Reg is a machine register as the target numbers it.
type Reg uint8

// NoReg marks a value without a register.
const NoReg Reg = 0xff

// Target describes a machine's registers to the allocator.
type Target interface {
	// Allocatable lists the registers values may live in, most preferred
	// first. Scratch registers the backend needs for itself are left out.
	Allocatable() []Reg
	// Hint returns the register preferred for a value that was in eBPF
	// register r (0-9), or NoReg.
	Hint(r int) Reg
}

// Location is where a value lives.
type Location struct {
	Reg  Reg // NoReg when the value lives in its slot
	Slot int // spill (or save) slot index, -1 when none
}

// InReg reports whether the value is in a register.
func (l Location) InReg() bool { return l.Reg != NoReg }

// Spilled reports whether the value lives in memory.
func (l Location) Spilled() bool { return l.Reg == NoReg && l.Slot >= 0 }

// Result is the allocation of one function.
type Result struct {
	Func     *ir.Func
	Order    []*ir.Block               // the block layout the allocation assumes
	Loc      []Location                // by value ID; constants and unused values have neither
	NumSlots int                       // spill slots used (8 bytes each)
	Saves    map[*ir.Value][]*ir.Value // per call: register values live across it
	UsedRegs []Reg                     // registers assigned to at least one value
}

// Of returns the location of v.
func (r *Result) Of(v *ir.Value) Location { return r.Loc[v.ID] }

type interval struct {
	v          *ir.Value
	start, end int
	loc        Location
}

// Allocate allocates registers for f. f should have had its argument
// edges split (ir.SplitArgEdges) so that edge moves have a home.
func Allocate(f *ir.Func, t Target) *Result {
	order := f.Reachable()
	res := &Result{Func: f, Order: order, Loc: make([]Location, f.NumValues()), Saves: map[*ir.Value][]*ir.Value{}}
	for i := range res.Loc {
		res.Loc[i] = Location{Reg: NoReg, Slot: -1}
	}
	lv := computeLiveness(f, order)

	var intervals []*interval
	for _, iv := range lv.intervals {
		if iv != nil {
			intervals = append(intervals, iv)
		}
	}
	sort.SliceStable(intervals, func(i, j int) bool {
		if intervals[i].start != intervals[j].start {
			return intervals[i].start < intervals[j].start
		}
		return intervals[i].v.ID < intervals[j].v.ID
	})

	a := &allocator{target: t, res: res, allocatable: t.Allocatable()}
	for _, r := range a.allocatable {
		a.free[r] = true
	}
	for _, iv := range intervals {
		a.expire(iv.start)
		a.assign(iv)
	}
	for _, iv := range intervals {
		res.Loc[iv.v.ID] = iv.loc
	}

	// Values in registers across calls need a save slot. Calls come in
	// position order and intervals in start order, so one sweep finds,
	// per call, the intervals open across it.
	var open []*interval
	next := 0
	for _, c := range lv.calls {
		for next < len(intervals) && intervals[next].start < c.pos {
			if intervals[next].loc.InReg() {
				open = append(open, intervals[next])
			}
			next++
		}
		kept := open[:0]
		for _, iv := range open {
			if iv.end > c.pos {
				kept = append(kept, iv)
			}
		}
		open = kept
		for _, iv := range open {
			res.Saves[c.v] = append(res.Saves[c.v], iv.v)
			if iv.loc.Slot < 0 {
				iv.loc.Slot = a.slot(iv.start, iv.end)
				res.Loc[iv.v.ID] = iv.loc
			}
		}
	}
	res.NumSlots = a.nslots
	used := map[Reg]bool{}
	for _, iv := range intervals {
		if iv.loc.InReg() && !used[iv.loc.Reg] {
			used[iv.loc.Reg] = true
			res.UsedRegs = append(res.UsedRegs, iv.loc.Reg)
		}
	}
	return res
}

type allocator struct {
	target      Target
	allocatable []Reg
	res         *Result
	active      []*interval // sorted by end
	free        [256]bool   // by register
	nslots      int
	busy        slotHeap  // slots in use, by the end of their use
	freeSlots   []slotUse // slots whose use has ended, by when (ascending)
}

// slotUse is a spill slot taken until end.
type slotUse struct {
	slot int
	end  int
}

// slotHeap is a min-heap of slot uses by end.
type slotHeap []slotUse

func (h *slotHeap) push(u slotUse) {
	*h = append(*h, u)
	i := len(*h) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if (*h)[parent].end <= (*h)[i].end {
			break
		}
		(*h)[parent], (*h)[i] = (*h)[i], (*h)[parent]
		i = parent
	}
}

func (h *slotHeap) pop() slotUse {
	old := *h
	top := old[0]
	last := len(old) - 1
	old[0] = old[last]
	*h = old[:last]
	i := 0
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < last && (*h)[l].end < (*h)[m].end {
			m = l
		}
		if r < last && (*h)[r].end < (*h)[m].end {
			m = r
		}
		if m == i {
			return top
		}
		(*h)[i], (*h)[m] = (*h)[m], (*h)[i]
		i = m
	}
}

func (a *allocator) expire(pos int) {
	kept := a.active[:0]
	for _, iv := range a.active {
		if iv.end <= pos {
			a.free[iv.loc.Reg] = true
		} else {
			kept = append(kept, iv)
		}
	}
	a.active = kept
}

func (a *allocator) assign(iv *interval) {
	want := NoReg
	if iv.v.Var >= 0 {
		want = a.target.Hint(int(iv.v.Var))
	}
	reg := NoReg
	if want != NoReg && a.free[want] {
		reg = want
	} else {
		for _, r := range a.allocatable {
			if a.free[r] {
				reg = r
				break
			}
		}
	}
	if reg != NoReg {
		a.free[reg] = false
		iv.loc = Location{Reg: reg, Slot: -1}
		a.insertActive(iv)
		return
	}
	// No register: spill whichever of the current and the active
	// intervals ends last.
	victim := a.active[len(a.active)-1]
	if victim.end > iv.end {
		iv.loc = Location{Reg: victim.loc.Reg, Slot: -1}
		victim.loc = Location{Reg: NoReg, Slot: a.slot(victim.start, victim.end)}
		a.active = a.active[:len(a.active)-1]
		a.insertActive(iv)
		return
	}
	iv.loc = Location{Reg: NoReg, Slot: a.slot(iv.start, iv.end)}
}

func (a *allocator) insertActive(iv *interval) {
	i := sort.Search(len(a.active), func(i int) bool { return a.active[i].end > iv.end })
	a.active = append(a.active, nil)
	copy(a.active[i+1:], a.active[i:])
	a.active[i] = iv
}

// slot returns a spill slot free over [start, end). Uses leave the busy
// heap in order of their end, so the free queue is sorted by when each
// slot became free and its head is the only candidate to check (a request
// may start earlier than one before it: a spilled victim's interval).
func (a *allocator) slot(start, end int) int {
	for len(a.busy) > 0 && a.busy[0].end <= start {
		a.freeSlots = append(a.freeSlots, a.busy.pop())
	}
	var s int
	if len(a.freeSlots) > 0 && a.freeSlots[0].end <= start {
		s = a.freeSlots[0].slot
		a.freeSlots = a.freeSlots[1:]
	} else {
		s = a.nslots
		a.nslots++
	}
	a.busy.push(slotUse{s, end})
	return s
}

type irValue = ir.Value

// operand returns where v is, as a move operand; false when v has no
// location (an unused value).
func (r *Result) operand(v *ir.Value) (Operand, bool) {
	if v.Op == ir.OpConst {
		return ConstOperand(v.Const()), true
	}
	l := r.Loc[v.ID]
	switch {
	case l.InReg():
		return RegOperand(l.Reg), true
	case l.Slot >= 0:
		return SlotOperand(l.Slot), true
	}
	return Operand{}, false
}

// Operand returns where v is, as a move operand; false when v has no
// location.
func (r *Result) Operand(v *ir.Value) (Operand, bool) { return r.operand(v) }
