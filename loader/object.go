// Package loader turns clang-built eBPF ELF objects into programs our
// engines run: it reads objects through cilium/ebpf (maps, global data,
// BTF and CO-RE relocations, bpf-to-bpf calls), rewrites map and data
// references into indices of the object's map set, and (collection.go)
// binds the programs to live maps and helpers.
package loader

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/cilium/ebpf"
	ciliumasm "github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"

	"github.com/ebpfjit/ebpfjit/isa"
	"github.com/ebpfjit/ebpfjit/loader/maps"
)

// Object is a parsed ELF object: its programs, with every map and data
// reference turned into an index of Maps, and its maps.
type Object struct {
	Programs  []*ProgramSpec // sorted by name
	Maps      []*maps.Spec   // the object's maps and data sections, in index order
	Variables []Variable     // global variables, sorted by name
	// ProgramSlots are the program-array entries the object initialises.
	ProgramSlots []ProgramSlot
}

// ProgramSpec is one program of an object.
type ProgramSpec struct {
	Name    string
	Section string
	Insns   []isa.Instruction
}

// Variable is a global variable: a slice of a data section's value.
type Variable struct {
	Name     string
	Map      int // index of the data section in Object.Maps
	Offset   uint32
	Size     uint32
	ReadOnly bool
}

// ParseOptions configure parsing.
type ParseOptions struct {
	// CORETarget is the BTF that CO-RE relocations are resolved against.
	// Nil means the host kernel's (/sys/kernel/btf/vmlinux) when the
	// object needs it.
	CORETarget *btf.Spec
}

// ParseFile reads an object file.
func ParseFile(path string, opts ParseOptions) (*Object, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	obj, err := Parse(data, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return obj, nil
}

// Parse reads an object from memory. Malformed input gives an error,
// never a panic.
func Parse(data []byte, opts ParseOptions) (obj *Object, err error) {
	defer func() {
		// The ELF and BTF readers below us are not hardened against every
		// malformed input; a panic there is bad input, not a crash.
		if r := recover(); r != nil {
			obj, err = nil, fmt.Errorf("malformed ELF object: %v", r)
		}
	}()
	spec, err := ebpf.LoadCollectionSpecFromReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("reading ELF object: %w", err)
	}
	if spec.ByteOrder != nil && spec.ByteOrder != binary.LittleEndian {
		return nil, errors.New("big-endian objects are not supported")
	}
	if len(spec.Programs) == 0 {
		// Code only in .text (a lone bpf_main built with plain clang):
		// every function there is a program.
		return parseTextOnly(data)
	}
	return fromSpec(spec, opts)
}

func fromSpec(spec *ebpf.CollectionSpec, opts ParseOptions) (*Object, error) {
	obj := &Object{}
	mapIndex := map[string]int{}
	names := make([]string, 0, len(spec.Maps))
	for name := range spec.Maps {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		ms, slots, err := mapSpec(spec.Maps[name])
		if err != nil {
			return nil, fmt.Errorf("map %q: %w", name, err)
		}
		for _, sl := range slots {
			sl.Map = len(obj.Maps)
			obj.ProgramSlots = append(obj.ProgramSlots, sl)
		}
		mapIndex[name] = len(obj.Maps)
		obj.Maps = append(obj.Maps, ms)
	}
	for name, v := range spec.Variables {
		idx, ok := mapIndex[v.SectionName]
		if !ok {
			continue
		}
		obj.Variables = append(obj.Variables, Variable{
			Name: name, Map: idx, Offset: v.Offset, Size: v.Size(), ReadOnly: obj.Maps[idx].ReadOnly,
		})
	}
	sort.Slice(obj.Variables, func(i, j int) bool { return obj.Variables[i].Name < obj.Variables[j].Name })

	progNames := make([]string, 0, len(spec.Programs))
	for name := range spec.Programs {
		progNames = append(progNames, name)
	}
	sort.Strings(progNames)
	for _, name := range progNames {
		ps := spec.Programs[name]
		insns, err := convert(ps, mapIndex, opts)
		if err != nil {
			return nil, fmt.Errorf("program %q (section %s): %w", name, ps.SectionName, err)
		}
		obj.Programs = append(obj.Programs, &ProgramSpec{Name: name, Section: ps.SectionName, Insns: insns})
	}
	return obj, nil
}

// mapTypes translates cilium's map types to ours.
var mapTypes = map[ebpf.MapType]maps.Type{
	ebpf.Hash: maps.Hash, ebpf.Array: maps.Array, ebpf.ProgramArray: maps.ProgArray,
	ebpf.PerCPUHash: maps.PerCPUHash, ebpf.PerCPUArray: maps.PerCPUArray, ebpf.LRUHash: maps.LRUHash,
	ebpf.Queue: maps.Queue, ebpf.Stack: maps.Stack, ebpf.RingBuf: maps.RingBuf,
	ebpf.LRUCPUHash: maps.LRUPerCPUHash,
}

// ProgramSlot is an entry of a program array that the object initialises
// with a program, by name.
type ProgramSlot struct {
	Map     int
	Index   uint32
	Program string
}

func mapSpec(ms *ebpf.MapSpec) (*maps.Spec, []ProgramSlot, error) {
	t, ok := mapTypes[ms.Type]
	if !ok {
		return nil, nil, fmt.Errorf("map type %v is not supported", ms.Type)
	}
	var slots []ProgramSlot
	out := &maps.Spec{
		Name: ms.Name, Type: t, KeySize: ms.KeySize, ValueSize: ms.ValueSize,
		MaxEntries: ms.MaxEntries, Flags: ms.Flags,
	}
	// Data sections: .rodata (and .rodata.*) are read-only.
	if strings.HasPrefix(ms.Name, ".rodata") || ms.Flags&bpfFRdonlyProg != 0 {
		out.ReadOnly = true
		out.Flags &^= bpfFRdonlyProg
	}
	for _, kv := range ms.Contents {
		if name, ok := kv.Value.(string); ok && t == maps.ProgArray {
			// A program array initialised with programs by name: bound
			// when the programs exist (Object.TailCalls).
			k, err := contentBytes(kv.Key)
			if err != nil || len(k) != 4 {
				return nil, nil, fmt.Errorf("program array key %v", kv.Key)
			}
			slots = append(slots, ProgramSlot{Index: binary.LittleEndian.Uint32(k), Program: name})
			continue
		}
		k, err := contentBytes(kv.Key)
		if err != nil {
			return nil, nil, fmt.Errorf("initial key: %w", err)
		}
		v, err := contentBytes(kv.Value)
		if err != nil {
			return nil, nil, fmt.Errorf("initial value: %w", err)
		}
		out.Contents = append(out.Contents, maps.KV{Key: k, Value: v})
	}
	return out, slots, nil
}

// bpfFRdonlyProg is BPF_F_RDONLY_PROG: the program may only read the map.
const bpfFRdonlyProg = 1 << 7

// contentBytes turns a MapKV key or value into bytes.
func contentBytes(v any) ([]byte, error) {
	switch x := v.(type) {
	case []byte:
		return x, nil
	case nil:
		return nil, nil
	case uint32:
		return binary.LittleEndian.AppendUint32(nil, x), nil
	case uint64:
		return binary.LittleEndian.AppendUint64(nil, x), nil
	case int32:
		return binary.LittleEndian.AppendUint32(nil, uint32(x)), nil
	}
	var buf bytes.Buffer
	if err := binary.Write(&buf, binary.LittleEndian, v); err != nil {
		return nil, fmt.Errorf("unsupported content %T", v)
	}
	return buf.Bytes(), nil
}

// convert applies CO-RE relocations, marshals the linked instructions and
// decodes them into our representation, turning map and data references
// into map indices.
func convert(ps *ebpf.ProgramSpec, mapIndex map[string]int, opts ParseOptions) ([]isa.Instruction, error) {
	insns := ps.Copy().Instructions
	if err := applyCORE(insns, opts); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	// Marshal rewrites call offsets in place: it works on our copy.
	if err := insns.Marshal(&buf, binary.LittleEndian); err != nil {
		return nil, fmt.Errorf("linking: %w", err)
	}
	prog, err := isa.Decode(buf.Bytes())
	if err != nil {
		return nil, err
	}
	iter := insns.Iterate()
	for iter.Next() {
		ins := iter.Ins
		pc := int(iter.Offset)
		switch {
		case ins.IsKfuncCall():
			return nil, fmt.Errorf("instruction %d: kfunc calls are not supported in userspace", pc)
		case ins.OpCode.IsDWordLoad() && ins.Src == ciliumasm.PseudoMapFD:
			idx, err := lookupMap(ins, mapIndex, pc)
			if err != nil {
				return nil, err
			}
			prog[pc].Src, prog[pc].Imm, prog[pc].Ref = isa.PseudoMapIdx, int32(idx), ins.Reference()
			prog[pc+1].Imm = 0
		case ins.OpCode.IsDWordLoad() && ins.Src == ciliumasm.PseudoMapValue:
			idx, err := lookupMap(ins, mapIndex, pc)
			if err != nil {
				return nil, err
			}
			off := uint32(uint64(ins.Constant) >> 32)
			prog[pc].Src, prog[pc].Imm, prog[pc].Ref = isa.PseudoMapIdxValue, int32(idx), ins.Reference()
			prog[pc+1].Imm = int32(off)
		case ins.OpCode.IsDWordLoad() && ins.Src != 0 && ins.Src != ciliumasm.PseudoFunc:
			return nil, fmt.Errorf("instruction %d: reference %q (lddw src %d) cannot be resolved in userspace", pc, ins.Reference(), ins.Src)
		}
	}
	return prog, nil
}

func lookupMap(ins *ciliumasm.Instruction, mapIndex map[string]int, pc int) (int, error) {
	name := ins.Reference()
	idx, ok := mapIndex[name]
	if !ok {
		return 0, fmt.Errorf("instruction %d: reference to unknown map or section %q", pc, name)
	}
	return idx, nil
}

// applyCORE resolves CO-RE relocations offline against the target BTF.
func applyCORE(insns ciliumasm.Instructions, opts ParseOptions) error {
	var relos []*btf.CORERelocation
	var at []*ciliumasm.Instruction
	iter := insns.Iterate()
	for iter.Next() {
		if r := btf.CORERelocationMetadata(iter.Ins); r != nil {
			relos = append(relos, r)
			at = append(at, iter.Ins)
		}
	}
	if len(relos) == 0 {
		return nil
	}
	target := opts.CORETarget
	if target == nil {
		var err error
		target, err = btf.LoadKernelSpec()
		if err != nil {
			return fmt.Errorf("program has %d CO-RE relocations and no target BTF was given (and the host's is unavailable: %v)", len(relos), err)
		}
	}
	b, err := btf.NewBuilder(nil, nil)
	if err != nil {
		return err
	}
	fixups, err := btf.CORERelocate(relos, []*btf.Spec{target}, binary.LittleEndian, b.Add)
	if err != nil {
		return fmt.Errorf("CO-RE: %w", err)
	}
	for i, f := range fixups {
		if err := f.Apply(at[i]); err != nil {
			return fmt.Errorf("CO-RE fixup for %s: %w", relos[i], err)
		}
	}
	return nil
}
