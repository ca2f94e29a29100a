package loader

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"

	ciliumasm "github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"

	"github.com/ebpfjit/ebpfjit/isa"
	"github.com/ebpfjit/ebpfjit/loader/maps"
)

// BPF relocation types (LLVM's ELF for the BPF target).
const (
	rBPF6464 = 1  // lddw of a data address
	rBPF6432 = 10 // call of a function
)

// parseTextOnly handles objects whose code sits only in .text: a lone
// bpf_main(void *mem) built with plain clang -target bpf, the style of the
// public userspace benchmark suites. cilium/ebpf sees no programs there
// (it treats .text as a library), so this reads the ELF itself: every
// global function in .text is a program, calls to global functions and
// references to data sections are resolved from the relocations, and
// each referenced data section becomes a one-element array map.
func parseTextOnly(data []byte, f *elf.File, opts ParseOptions) (*Object, error) {
	if f.Machine != elf.EM_BPF {
		return nil, fmt.Errorf("ELF machine is %v, want EM_BPF", f.Machine)
	}
	textIdx := -1
	for i, s := range f.Sections {
		if s.Name == ".text" && s.Flags&elf.SHF_EXECINSTR != 0 {
			textIdx = i
		}
	}
	if textIdx < 0 {
		return nil, errors.New("the object has no programs (no program sections and no .text)")
	}
	text := f.Sections[textIdx]
	code, err := text.Data()
	if err != nil {
		return nil, fmt.Errorf("section .text: %w", err)
	}
	code = append([]byte(nil), code...)
	poison, err := relocateTextCORE(data, f, code, opts)
	if err != nil {
		return nil, fmt.Errorf("section .text: %w", err)
	}
	prog, err := isa.Decode(code)
	if err != nil {
		return nil, fmt.Errorf("section .text: %w", err)
	}
	syms, err := f.Symbols()
	if err != nil {
		return nil, fmt.Errorf("symbol table: %w", err)
	}
	obj := &Object{}
	dataMaps := map[int]int{} // section index -> map index
	dataMap := func(secIdx int) (int, error) {
		if idx, ok := dataMaps[secIdx]; ok {
			return idx, nil
		}
		if secIdx <= 0 || secIdx >= len(f.Sections) {
			return 0, fmt.Errorf("reference to section %d, which does not exist", secIdx)
		}
		sec := f.Sections[secIdx]
		if sec.Flags&elf.SHF_ALLOC == 0 || sec.Flags&elf.SHF_EXECINSTR != 0 {
			return 0, fmt.Errorf("reference to section %s, which is not data", sec.Name)
		}
		if sec.Size == 0 || sec.Size > 1<<30 {
			return 0, fmt.Errorf("data section %s has size %d", sec.Name, sec.Size)
		}
		value := make([]byte, sec.Size)
		if sec.Type != elf.SHT_NOBITS {
			b, err := sec.Data()
			if err != nil {
				return 0, fmt.Errorf("section %s: %w", sec.Name, err)
			}
			copy(value, b)
		}
		idx := len(obj.Maps)
		obj.Maps = append(obj.Maps, &maps.Spec{
			Name: sec.Name, Type: maps.Array, KeySize: 4, ValueSize: uint32(sec.Size), MaxEntries: 1,
			Contents: []maps.KV{{Key: make([]byte, 4), Value: value}},
			ReadOnly: strings.HasPrefix(sec.Name, ".rodata") || sec.Flags&elf.SHF_WRITE == 0,
		})
		dataMaps[secIdx] = idx
		return idx, nil
	}

	for _, rs := range f.Sections {
		if rs.Type != elf.SHT_REL || int(rs.Info) != textIdx {
			continue
		}
		rel, err := rs.Data()
		if err != nil {
			return nil, fmt.Errorf("section %s: %w", rs.Name, err)
		}
		for off := 0; off+16 <= len(rel); off += 16 {
			at := binary.LittleEndian.Uint64(rel[off:])
			info := binary.LittleEndian.Uint64(rel[off+8:])
			symIdx, typ := int(info>>32), uint32(info)
			pc := int(at / isa.InstructionSize)
			if at%isa.InstructionSize != 0 || pc >= len(prog) {
				return nil, fmt.Errorf("%s: relocation at byte %d is outside .text", rs.Name, at)
			}
			// debug/elf drops the null symbol: symbol i is syms[i-1].
			if symIdx <= 0 || symIdx > len(syms) {
				return nil, fmt.Errorf("%s: relocation at instruction %d names symbol %d, which does not exist", rs.Name, pc, symIdx)
			}
			sym := syms[symIdx-1]
			switch typ {
			case rBPF6432:
				if prog[pc].Opcode != isa.OpCall || prog[pc].Src != isa.CallLocal {
					continue // not a call (BTF line info and such)
				}
				if int(sym.Section) != textIdx {
					return nil, fmt.Errorf("instruction %d calls %q, which is not in .text", pc, sym.Name)
				}
				target := int(sym.Value/isa.InstructionSize) + int(prog[pc].Imm) + 1
				prog[pc].Imm = int32(target - (pc + 1))
				prog[pc].Ref = sym.Name
			case rBPF6464:
				if !prog[pc].IsLDDW() || pc+1 >= len(prog) {
					return nil, fmt.Errorf("instruction %d: data relocation on something that is not lddw", pc)
				}
				idx, err := dataMap(int(sym.Section))
				if err != nil {
					return nil, fmt.Errorf("instruction %d (%q): %w", pc, sym.Name, err)
				}
				off := sym.Value + uint64(uint32(prog[pc].Imm))
				if off >= uint64(obj.Maps[idx].ValueSize) {
					return nil, fmt.Errorf("instruction %d: offset %d is outside section %s", pc, off, obj.Maps[idx].Name)
				}
				prog[pc].Src, prog[pc].Imm, prog[pc].Ref = isa.PseudoMapIdxValue, int32(idx), sym.Name
				prog[pc+1].Imm = int32(off)
			default:
				return nil, fmt.Errorf("instruction %d: relocation type %d against %q is not supported", pc, typ, sym.Name)
			}
		}
	}

	for _, sym := range syms {
		if elf.ST_TYPE(sym.Info) == elf.STT_OBJECT {
			if idx, ok := dataMaps[int(sym.Section)]; ok {
				obj.Variables = append(obj.Variables, Variable{Name: sym.Name, Map: idx, Offset: uint32(sym.Value), Size: uint32(sym.Size), ReadOnly: obj.Maps[idx].ReadOnly})
			}
		}
		if int(sym.Section) != textIdx || elf.ST_TYPE(sym.Info) != elf.STT_FUNC || elf.ST_BIND(sym.Info) != elf.STB_GLOBAL {
			continue
		}
		if sym.Value%isa.InstructionSize != 0 || sym.Value/isa.InstructionSize >= uint64(len(prog)) {
			return nil, fmt.Errorf("function %q at byte %d is outside .text", sym.Name, sym.Value)
		}
		k := int(sym.Value / isa.InstructionSize)
		insns := entryAt(prog, k)
		var pcs []int
		var descs []string
		for _, p := range poison {
			pc := p.index
			if k != 0 {
				pc += 2 // past the shim of entryAt
			}
			pcs, descs = append(pcs, pc), append(descs, p.relo)
		}
		failures := settlePoison(insns, pcs, descs)
		obj.Programs = append(obj.Programs, &ProgramSpec{Name: sym.Name, Section: ".text", Insns: insns, COREFailures: failures})
	}
	if len(obj.Programs) == 0 {
		return nil, errors.New("the object has no programs (no program sections and no global function in .text)")
	}
	sort.Slice(obj.Programs, func(i, j int) bool { return obj.Programs[i].Name < obj.Programs[j].Name })
	sort.Slice(obj.Variables, func(i, j int) bool { return obj.Variables[i].Name < obj.Variables[j].Name })
	return obj, nil
}

// relocateTextCORE applies the CO-RE relocations .BTF.ext records for
// .text to code, in place.
func relocateTextCORE(data []byte, f *elf.File, code []byte, opts ParseOptions) ([]poisoned, error) {
	if !hasCORERelocations(f) {
		return nil, nil // the common case: skip parsing the BTF
	}
	spec, ext, err := btf.LoadSpecAndExtInfosFromReader(bytes.NewReader(data))
	if err != nil {
		if errors.Is(err, btf.ErrNotFound) {
			return nil, nil // no BTF, so no CO-RE either
		}
		return nil, fmt.Errorf("reading BTF for CO-RE: %w", err)
	}
	if ext == nil || len(ext.CORERelos[".text"]) == 0 {
		return nil, nil
	}
	insns, err := ciliumasm.AppendInstructions(nil, bytes.NewReader(code), binary.LittleEndian, "linux")
	if err != nil {
		return nil, err
	}
	byOffset := map[int]*ciliumasm.Instruction{}
	iter := insns.Iterate()
	for iter.Next() {
		byOffset[int(iter.Offset)] = iter.Ins
	}
	var relos []*btf.CORERelocation
	var at []*ciliumasm.Instruction
	offsetOf := map[*ciliumasm.Instruction]int{}
	for _, r := range ext.CORERelos[".text"] {
		ins := byOffset[int(r.Offset)]
		if ins == nil {
			return nil, fmt.Errorf("CO-RE relocation at instruction %d, which is not the start of one", r.Offset)
		}
		relos, at = append(relos, r.Relo), append(at, ins)
		offsetOf[ins] = int(r.Offset)
	}
	poison, err := relocateCORE(relos, at, spec, opts)
	if err != nil {
		return nil, err
	}
	for i := range poison {
		poison[i].index = offsetOf[poison[i].ins]
	}
	for ins, off := range offsetOf {
		var buf bytes.Buffer
		if _, err := ins.Marshal(&buf, binary.LittleEndian); err != nil {
			return nil, fmt.Errorf("instruction %d after CO-RE: %w", off, err)
		}
		copy(code[off*isa.InstructionSize:], buf.Bytes())
	}
	return poison, nil
}

// hasCORERelocations reads the .BTF.ext header: whether it has a CO-RE
// relocation section (struct btf_ext_header: hdr_len at 4, core_relo_len
// at 28 when the header is long enough to have it).
func hasCORERelocations(f *elf.File) bool {
	sec := f.Section(".BTF.ext")
	if sec == nil {
		return false
	}
	hdr := make([]byte, 32)
	if n, _ := sec.ReadAt(hdr, 0); n < len(hdr) {
		return false
	}
	if hdrLen := binary.LittleEndian.Uint32(hdr[4:]); hdrLen < 32 {
		return false
	}
	return binary.LittleEndian.Uint32(hdr[28:]) > 0
}

// entryAt makes the function at slot k of code the program's entry. When
// k is not 0, a two-instruction shim in front calls it and returns its
// result; every relative offset in code stays valid since the code moves
// as a whole.
func entryAt(code []isa.Instruction, k int) []isa.Instruction {
	if k == 0 {
		return append([]isa.Instruction(nil), code...)
	}
	out := make([]isa.Instruction, 0, len(code)+2)
	out = append(out,
		isa.Instruction{Opcode: isa.OpCall, Src: isa.CallLocal, Imm: int32(k + 1)},
		isa.Instruction{Opcode: isa.OpExit})
	return append(out, code...)
}
