package arm64

import (
	"encoding/binary"
	"fmt"
)

// Assembler collects instructions and labels and turns them into machine
// code, relaxing conditional branches that do not reach their label.
//
// Every A64 instruction is 4 bytes, so only label branches need layout:
// B and BL reach +-128 MiB and are never rewritten (a program that large
// is an error). B.cond, CBZ and CBNZ reach +-1 MiB and TBZ/TBNZ +-32 KiB;
// each starts in its one-instruction form, and one that does not reach
// becomes the inverted test jumping over an unconditional B:
//
//	b.eq L1         =>  b.ne .+8; b L1
//	cbz x0, L1      =>  cbnz x0, .+8; b L1
//	tbz w0, #3, L1  =>  tbnz w0, #3, .+8; b L1
//
// (B.al and B.nv become a plain B.) ADR is not relaxed.
type Assembler struct {
	// NoListing skips the listing Assemble returns, a copy of every
	// instruction that only disassembly wants.
	NoListing bool
	items     []item
	labels    int
	alias     map[int]int // label -> label it stands for
}

type item struct {
	inst  Inst
	bind  bool // this item binds label instead of being an instruction
	label int
	pc    int // eBPF instruction it came from, -1 for none
}

// NewLabel returns a fresh, unbound label.
func (a *Assembler) NewLabel() int {
	a.labels++
	return a.labels - 1
}

// Bind places a label at the current position. A label may be bound
// once.
func (a *Assembler) Bind(label int) {
	a.items = append(a.items, item{bind: true, label: label, pc: -1})
}

// Alias makes label mean the same place as target (for blocks that emit
// nothing but a jump). An aliased label must not be bound itself.
func (a *Assembler) Alias(label, target int) {
	if a.alias == nil {
		a.alias = map[int]int{}
	}
	a.alias[label] = target
}

// Resolve follows aliases to the label that is actually bound. A cycle of
// aliases resolves to some label on it, which Assemble reports unbound.
func (a *Assembler) Resolve(label int) int {
	for i := 0; i < len(a.alias)+1; i++ {
		t, ok := a.alias[label]
		if !ok {
			return label
		}
		label = t
	}
	return label
}

// Emit appends an instruction attributed to eBPF instruction pc (-1 for
// none). Label branches refer to labels through Inst.Label.
func (a *Assembler) Emit(pc int, in Inst) {
	a.items = append(a.items, item{inst: in, pc: pc})
}

// EmitAll appends a sequence, such as the result of MovConst.
func (a *Assembler) EmitAll(pc int, ins []Inst) {
	for _, in := range ins {
		a.Emit(pc, in)
	}
}

// Listing is one encoded instruction, for disassembly listings. A relaxed
// branch appears as its two instructions; the first jumps to a label
// numbered from the Assembler's label count up, which exists only in the
// listing (it is the instruction after the B).
type Listing struct {
	Offset int
	Size   int
	PC     int
	Inst   Inst
}

// relaxable reports whether a branch may be rewritten as inverse + B.
func relaxable(op Op) bool {
	switch op {
	case BCOND, CBZ, CBNZ, TBZ, TBNZ:
		return true
	}
	return false
}

// longSize is the size of a relaxed branch.
func longSize(in *Inst) int {
	if in.Op == BCOND && in.Cond >= CondAL {
		return 4 // b.al becomes b
	}
	return 8
}

// invert returns the branch that is taken exactly when in is not.
func invert(in Inst) Inst {
	switch in.Op {
	case BCOND:
		in.Cond = in.Cond.Invert()
	case CBZ:
		in.Op = CBNZ
	case CBNZ:
		in.Op = CBZ
	case TBZ:
		in.Op = TBNZ
	case TBNZ:
		in.Op = TBZ
	}
	return in
}

// Assemble encodes everything. It returns the code, the offset of every
// label (by label number, after aliases) and a listing of the
// instructions. It fails on an instruction that cannot be encoded, a
// branch to a label that is not bound (or bound twice), and a B, BL or ADR
// out of range.
func (a *Assembler) Assemble() (code []byte, labels []int, listing []Listing, err error) {
	labelAt := make([]int, a.labels)
	for i := range labelAt {
		labelAt[i] = -1
	}
	n := len(a.items)
	words := make([]uint32, n) // encodings of the non-branches
	sizes := make([]int, n)
	long := make([]bool, n)
	for i := range a.items {
		it := &a.items[i]
		switch {
		case it.bind:
			if it.label < 0 || it.label >= a.labels {
				return nil, nil, nil, fmt.Errorf("arm64: binding unknown label L%d", it.label)
			}
			if _, aliased := a.alias[it.label]; aliased {
				return nil, nil, nil, fmt.Errorf("arm64: label L%d is both bound and an alias", it.label)
			}
		case it.inst.IsLabelBranch():
			sizes[i] = 4
		default:
			w, err := Encode(&it.inst)
			if err != nil {
				return nil, nil, nil, err
			}
			words[i], sizes[i] = w, 4
		}
	}
	offsets := make([]int, n+1)
	layout := func() error {
		for i := range labelAt {
			labelAt[i] = -1
		}
		off := 0
		for i := range a.items {
			offsets[i] = off
			if it := &a.items[i]; it.bind {
				l := it.label
				if labelAt[l] >= 0 {
					return fmt.Errorf("arm64: label L%d bound twice", l)
				}
				labelAt[l] = off
			}
			off += sizes[i]
		}
		offsets[n] = off
		return nil
	}
	target := func(i int) (int, error) {
		l := a.Resolve(a.items[i].inst.Label)
		if l < 0 || l >= len(labelAt) || labelAt[l] < 0 {
			return 0, fmt.Errorf("arm64: %q: branch to unbound label L%d", a.items[i].inst.String(), l)
		}
		return labelAt[l], nil
	}
	if err := layout(); err != nil {
		return nil, nil, nil, err
	}
	// Start with every branch short and lengthen those that do not
	// reach. Lengthening only moves code apart, so a branch that does
	// not reach never will again: this terminates, after at most one
	// round per relaxable branch.
	for changed := true; changed; {
		changed = false
		for i := range a.items {
			it := &a.items[i]
			if it.bind || long[i] || !relaxable(it.inst.Op) {
				continue
			}
			t, err := target(i)
			if err != nil {
				return nil, nil, nil, err
			}
			limit := int(BranchRange(it.inst.Op))
			if rel := t - offsets[i]; rel < -limit || rel >= limit {
				long[i] = true
				sizes[i] = longSize(&it.inst)
				changed = true
			}
		}
		if changed {
			if err := layout(); err != nil {
				return nil, nil, nil, err
			}
		}
	}

	code = make([]byte, 0, offsets[n])
	put := func(w uint32) { code = binary.LittleEndian.AppendUint32(code, w) }
	skipLabel := a.labels // listing-only labels for relaxed branches
	for i := range a.items {
		it := &a.items[i]
		if it.bind {
			continue
		}
		off := offsets[i]
		if !it.inst.IsLabelBranch() {
			put(words[i])
			if !a.NoListing {
				listing = append(listing, Listing{Offset: off, Size: 4, PC: it.pc, Inst: it.inst})
			}
			continue
		}
		t, err := target(i)
		if err != nil {
			return nil, nil, nil, err
		}
		if !long[i] {
			w, err := EncodeBranch(&it.inst, int64(t-off))
			if err != nil {
				return nil, nil, nil, err
			}
			put(w)
			if !a.NoListing {
				listing = append(listing, Listing{Offset: off, Size: 4, PC: it.pc, Inst: it.inst})
			}
			continue
		}
		jump := Inst{Op: B, Label: it.inst.Label}
		if sizes[i] == 8 {
			skip := invert(it.inst)
			skip.Label = skipLabel
			skipLabel++
			w, err := EncodeBranch(&skip, 8)
			if err != nil {
				return nil, nil, nil, err
			}
			put(w)
			if !a.NoListing {
				listing = append(listing, Listing{Offset: off, Size: 4, PC: it.pc, Inst: skip})
			}
			off += 4
		}
		w, err := EncodeBranch(&jump, int64(t-off))
		if err != nil {
			return nil, nil, nil, err
		}
		put(w)
		if !a.NoListing {
			listing = append(listing, Listing{Offset: off, Size: 4, PC: it.pc, Inst: jump})
		}
	}
	labels = make([]int, a.labels)
	for l := range labels {
		labels[l] = -1
		if r := a.Resolve(l); r >= 0 && r < len(labelAt) {
			labels[l] = labelAt[r]
		}
	}
	return code, labels, listing, nil
}
