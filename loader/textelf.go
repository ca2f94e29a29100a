package loader

import (
	"bytes"
	"debug/elf"
	"fmt"

	"github.com/ebpfjit/ebpfjit/isa"
)

// FunctionFromELF extracts the code of one function from a relocatable
// eBPF object without going through the full loader: the symbol called
// name in an executable section, with no relocations applied. It serves
// minimal objects such as the bpf_conformance runner's (sections .text,
// .symtab, .shstrtab and a single "main" symbol).
func FunctionFromELF(data []byte, name string) (prog []isa.Instruction, err error) {
	defer func() {
		// debug/elf is not hardened against every malformed input; a
		// panic there must become an error, never a crash.
		if r := recover(); r != nil {
			prog, err = nil, fmt.Errorf("malformed ELF: %v", r)
		}
	}()
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("malformed ELF: %w", err)
	}
	if f.Machine != elf.EM_BPF {
		return nil, fmt.Errorf("ELF machine is %v, want EM_BPF", f.Machine)
	}
	if f.Class != elf.ELFCLASS64 || f.Data != elf.ELFDATA2LSB {
		return nil, fmt.Errorf("ELF is not 64-bit little-endian")
	}
	syms, err := f.Symbols()
	if err != nil {
		return nil, fmt.Errorf("ELF symbol table: %w", err)
	}
	for _, sym := range syms {
		if sym.Name != name || elf.ST_TYPE(sym.Info) == elf.STT_SECTION {
			continue
		}
		if int(sym.Section) <= 0 || int(sym.Section) >= len(f.Sections) {
			return nil, fmt.Errorf("symbol %q has no section", name)
		}
		sec := f.Sections[sym.Section]
		if sec.Flags&elf.SHF_EXECINSTR == 0 {
			return nil, fmt.Errorf("symbol %q is in non-executable section %s", name, sec.Name)
		}
		code, err := sec.Data()
		if err != nil {
			return nil, fmt.Errorf("section %s: %w", sec.Name, err)
		}
		start, size := sym.Value, sym.Size
		if start > uint64(len(code)) {
			return nil, fmt.Errorf("symbol %q at offset %d is past the end of %s", name, start, sec.Name)
		}
		if size == 0 || size > uint64(len(code))-start {
			size = uint64(len(code)) - start
		}
		prog, err := isa.Decode(code[start : start+size])
		if err != nil {
			return nil, fmt.Errorf("section %s, symbol %q: %w", sec.Name, name, err)
		}
		return prog, nil
	}
	return nil, fmt.Errorf("no symbol %q in the ELF object", name)
}
