package amd64

import "fmt"

// Assembler collects instructions and labels and turns them into machine
// code, choosing the short form of every branch that reaches.
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
	label int32 // >= 0: this item binds a label, not an instruction
	pc    int32 // eBPF instruction it came from, -1 for none
}

// NewLabel returns a fresh, unbound label.
func (a *Assembler) NewLabel() int {
	a.labels++
	return a.labels - 1
}

// Bind places a label at the current position.
func (a *Assembler) Bind(label int) {
	a.items = append(a.items, item{label: int32(label), pc: -1})
}

// Alias makes label mean the same place as target (for blocks that emit
// nothing but a jump).
func (a *Assembler) Alias(label, target int) {
	if a.alias == nil {
		a.alias = map[int]int{}
	}
	a.alias[label] = target
}

// Resolve follows aliases to the label that is actually bound.
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

// Emit appends an instruction attributed to eBPF instruction pc.
func (a *Assembler) Emit(pc int, in Inst) {
	a.items = append(a.items, item{inst: in, label: -1, pc: int32(pc)})
}

func isBranch(in *Inst) bool {
	return (in.Op == JMP || in.Op == JCC || in.Op == CALL) && in.Dst.Kind == KindLabel
}

// Listing is one encoded instruction, for disassembly listings.
type Listing struct {
	Offset int
	Size   int
	PC     int
	Inst   Inst
}

// Assemble encodes everything. It returns the code, the offset of every
// label and a listing of the instructions.
func (a *Assembler) Assemble() ([]byte, []int, []Listing, error) {
	short := make([]bool, len(a.items))
	offsets := make([]int, len(a.items)+1)
	labelAt := make([]int, a.labels)
	sizes := make([]int, len(a.items))
	for i := range labelAt {
		labelAt[i] = -1
	}
	// Sizes of non-branches are fixed: encode them once, into one
	// buffer; encodedAt[i] is where item i's bytes start.
	var encoded []byte
	encodedAt := make([]int, len(a.items))
	for i := range a.items {
		it := &a.items[i]
		if it.label >= 0 {
			continue
		}
		if isBranch(&it.inst) {
			sizes[i] = BranchSize(&it.inst, false)
			continue
		}
		encodedAt[i] = len(encoded)
		var err error
		if encoded, err = Encode(encoded, &it.inst); err != nil {
			return nil, nil, nil, fmt.Errorf("encoding %v: %w", it.inst, err)
		}
		sizes[i] = len(encoded) - encodedAt[i]
	}
	layout := func() {
		off := 0
		for i := range a.items {
			offsets[i] = off
			if a.items[i].label >= 0 {
				labelAt[a.items[i].label] = off
			}
			off += sizes[i]
		}
		offsets[len(a.items)] = off
	}
	target := func(i int) (int, error) {
		l := a.Resolve(int(a.items[i].inst.Dst.Label))
		if l < 0 || l >= len(labelAt) || labelAt[l] < 0 {
			return 0, fmt.Errorf("branch to unbound label L%d", l)
		}
		return labelAt[l], nil
	}
	layout()
	// Start with every branch long and shorten those that reach: shortening
	// only brings code closer, so a branch that fits once fits for good.
	for changed := true; changed; {
		changed = false
		for i := range a.items {
			it := &a.items[i]
			if it.label >= 0 || !isBranch(&it.inst) || short[i] || it.inst.Op == CALL {
				continue
			}
			t, err := target(i)
			if err != nil {
				return nil, nil, nil, err
			}
			rel := t - (offsets[i] + BranchSize(&it.inst, true))
			if rel >= -128 && rel <= 127 {
				short[i] = true
				sizes[i] = BranchSize(&it.inst, true)
				changed = true
			}
		}
		if changed {
			layout()
		}
	}
	code := make([]byte, 0, offsets[len(a.items)])
	var listing []Listing
	if !a.NoListing {
		listing = make([]Listing, 0, len(a.items))
	}
	for i := range a.items {
		it := &a.items[i]
		if it.label >= 0 {
			continue
		}
		if isBranch(&it.inst) {
			t, err := target(i)
			if err != nil {
				return nil, nil, nil, err
			}
			rel := t - (offsets[i] + sizes[i])
			code = EncodeBranch(code, &it.inst, int32(rel), short[i])
		} else {
			code = append(code, encoded[encodedAt[i]:encodedAt[i]+sizes[i]]...)
		}
		if !a.NoListing {
			listing = append(listing, Listing{Offset: offsets[i], Size: sizes[i], PC: int(it.pc), Inst: it.inst})
		}
	}
	labels := make([]int, a.labels)
	for l := range labels {
		labels[l] = labelAt[a.Resolve(l)]
	}
	return code, labels, listing, nil
}
