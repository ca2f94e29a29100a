// Package loader turns clang-built eBPF ELF objects into programs our
// engines run: it reads objects through cilium/ebpf (maps, global data,
// BTF and CO-RE relocations, bpf-to-bpf calls), rewrites map and data
// references into indices of the object's map set, and (collection.go)
// binds the programs to live maps and helpers.
package loader

import (
	"bytes"
	"debug/elf"
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
	// COREFailures are the reachable instructions whose CO-RE relocation
	// the target BTF cannot satisfy: the program parses but does not
	// load (New refuses it), as with libbpf.
	COREFailures []COREFailure
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
	// MaxDataSize bounds the bytes of zero-initialised data (.bss and
	// other NOBITS sections) an object may declare, default 64 MiB. Such
	// sections cost nothing in the file, so without a bound a few bytes
	// of ELF could ask for gigabytes before the maps' memory limit is
	// ever consulted.
	MaxDataSize uint64
}

// DefaultMaxDataSize is ParseOptions.MaxDataSize when it is zero.
const DefaultMaxDataSize = 64 << 20

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
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("reading ELF object: %w", err)
	}
	if err := checkDataSize(f, opts); err != nil {
		return nil, err
	}
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
		return parseTextOnly(data, f, opts)
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
		insns, failures, err := convert(ps, spec, mapIndex, opts)
		if err != nil {
			return nil, fmt.Errorf("program %q (section %s): %w", name, ps.SectionName, err)
		}
		obj.Programs = append(obj.Programs, &ProgramSpec{Name: name, Section: ps.SectionName, Insns: insns, COREFailures: failures})
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
	// Data sections: .rodata (and .rodata.*) are frozen, as libbpf
	// freezes them. Other maps keep their program access flags, which
	// bind programs only.
	if strings.HasPrefix(ms.Name, ".rodata") {
		out.ReadOnly = true
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
func convert(ps *ebpf.ProgramSpec, coll *ebpf.CollectionSpec, mapIndex map[string]int, opts ParseOptions) ([]isa.Instruction, []COREFailure, error) {
	insns := ps.Copy().Instructions
	var relos []*btf.CORERelocation
	var at []*ciliumasm.Instruction
	for i := range insns {
		if r := btf.CORERelocationMetadata(&insns[i]); r != nil {
			relos = append(relos, r)
			at = append(at, &insns[i])
		}
	}
	poison, err := relocateCORE(relos, at, coll.Types, opts)
	if err != nil {
		return nil, nil, err
	}
	var buf bytes.Buffer
	// Marshal rewrites call offsets in place: it works on our copy.
	if err := insns.Marshal(&buf, binary.LittleEndian); err != nil {
		return nil, nil, fmt.Errorf("linking: %w", err)
	}
	prog, err := isa.Decode(buf.Bytes())
	if err != nil {
		return nil, nil, err
	}
	pcOf := map[*ciliumasm.Instruction]int{}
	iter := insns.Iterate()
	for iter.Next() {
		ins := iter.Ins
		pc := int(iter.Offset)
		pcOf[ins] = pc
		switch {
		case ins.IsKfuncCall():
			return nil, nil, fmt.Errorf("instruction %d: call of kfunc %q: kfuncs are not supported in userspace", pc, ins.Reference())
		case ins.OpCode.IsDWordLoad() && ins.Src == ciliumasm.PseudoMapFD:
			idx, err := lookupMap(ins, coll, mapIndex, pc)
			if err != nil {
				return nil, nil, err
			}
			prog[pc].Src, prog[pc].Imm, prog[pc].Ref = isa.PseudoMapIdx, int32(idx), ins.Reference()
			prog[pc+1].Imm = 0
		case ins.OpCode.IsDWordLoad() && ins.Src == ciliumasm.PseudoMapValue:
			idx, err := lookupMap(ins, coll, mapIndex, pc)
			if err != nil {
				return nil, nil, err
			}
			off := uint32(uint64(ins.Constant) >> 32)
			prog[pc].Src, prog[pc].Imm, prog[pc].Ref = isa.PseudoMapIdxValue, int32(idx), ins.Reference()
			prog[pc+1].Imm = int32(off)
		case ins.OpCode.IsDWordLoad() && ins.Src == 0 && ins.Reference() != "":
			// The address of a symbol the object does not define: an
			// extern variable, or a __ksym kernel variable.
			return nil, nil, fmt.Errorf("instruction %d: the address of %q, which the object does not define (extern and __ksym variables cannot be resolved in userspace)", pc, ins.Reference())
		case ins.OpCode.IsDWordLoad() && ins.Src != 0 && ins.Src != ciliumasm.PseudoFunc:
			return nil, nil, fmt.Errorf("instruction %d: reference %q (lddw src %d) cannot be resolved in userspace", pc, ins.Reference(), ins.Src)
		}
	}
	var pcs []int
	var descs []string
	for _, p := range poison {
		pcs = append(pcs, pcOf[p.ins])
		descs = append(descs, p.relo)
	}
	return prog, settlePoison(prog, pcs, descs), nil
}

func lookupMap(ins *ciliumasm.Instruction, coll *ebpf.CollectionSpec, mapIndex map[string]int, pc int) (int, error) {
	name := ins.Reference()
	var kconfig *btf.Datasec
	if name == "" && coll.Types != nil && coll.Types.TypeByName(".kconfig", &kconfig) == nil {
		// cilium/ebpf fills .kconfig from the running kernel's
		// configuration when it loads into the kernel; userspace has no
		// such thing.
		var vars []string
		for _, v := range kconfig.Vars {
			if bv, ok := v.Type.(*btf.Var); ok {
				vars = append(vars, bv.Name)
			}
		}
		return 0, fmt.Errorf("instruction %d: reads an extern __kconfig variable (the object declares %s): kernel configuration values are not available in userspace", pc, strings.Join(vars, ", "))
	}
	idx, ok := mapIndex[name]
	if !ok {
		return 0, fmt.Errorf("instruction %d: reference to unknown map or section %q", pc, name)
	}
	return idx, nil
}

// checkDataSize refuses objects whose NOBITS sections (.bss) declare more
// than opts.MaxDataSize bytes, before anything allocates them.
func checkDataSize(f *elf.File, opts ParseOptions) error {
	limit := opts.MaxDataSize
	if limit == 0 {
		limit = DefaultMaxDataSize
	}
	var total uint64
	for _, sec := range f.Sections {
		if sec.Type != elf.SHT_NOBITS || sec.Flags&elf.SHF_ALLOC == 0 {
			continue
		}
		if sec.Size > limit || total+sec.Size > limit {
			return fmt.Errorf("section %s declares %s of zero-initialised data, more than the limit of %s (ParseOptions.MaxDataSize)",
				sec.Name, maps.FormatSize(sec.Size), maps.FormatSize(limit))
		}
		total += sec.Size
	}
	return nil
}
