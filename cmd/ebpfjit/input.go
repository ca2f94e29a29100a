package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/ebpfjit/ebpfjit/asm"
	"github.com/ebpfjit/ebpfjit/conformance"
	"github.com/ebpfjit/ebpfjit/isa"
)

// input is a program read from a file, with the memory a .data file
// carries.
type input struct {
	prog   []isa.Instruction
	mem    []byte
	hasMem bool
}

// format names how a file is read.
type format int

const (
	formatRaw  format = iota // little-endian bytecode
	formatData               // bpf_conformance .data
	formatAsm                // assembler text
	formatELF                // object file
)

func detectFormat(path string, data []byte) format {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".data":
		return formatData
	case ".s", ".asm":
		return formatAsm
	case ".bin", ".raw":
		return formatRaw
	case ".o", ".elf":
		return formatELF
	}
	if bytes.HasPrefix(data, []byte("\x7fELF")) {
		return formatELF
	}
	if utf8.Valid(data) && !bytes.ContainsRune(data, 0) {
		if bytes.Contains(data, []byte("-- asm")) || bytes.Contains(data, []byte("-- raw")) {
			return formatData
		}
		return formatAsm
	}
	return formatRaw
}

// readProgram loads a program file in any supported format.
func readProgram(path string) (*input, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, badInput("%v", err)
	}
	switch detectFormat(path, data) {
	case formatData:
		c, err := conformance.Parse(path, data)
		if err != nil {
			return nil, badInput("%v", err)
		}
		if c.Skip != "" {
			return nil, badInput("%s: %s", path, c.Skip)
		}
		prog, err := c.Program()
		if err != nil {
			return nil, badInput("%v", err)
		}
		return &input{prog: prog, mem: c.Mem, hasMem: c.Mem != nil}, nil
	case formatAsm:
		prog, err := asm.Assemble(string(data))
		if err != nil {
			return nil, badInput("%s: %v", path, err)
		}
		return &input{prog: prog}, nil
	case formatELF:
		return nil, badInput("%s: an ELF object (use run, disasm or inspect)", path)
	}
	prog, err := isa.Decode(data)
	if err != nil {
		return nil, badInput("%s: %v", path, err)
	}
	return &input{prog: prog}, nil
}

// memoryFlagSet registers --mem and --mem-hex on fs.
func memoryFlagSet(fs *flag.FlagSet) *memoryFlags {
	var m memoryFlags
	fs.StringVar(&m.file, "mem", "", "file holding the input memory")
	fs.StringVar(&m.hex, "mem-hex", "", "input memory as hex bytes (\"01 02 ff\" or \"0102ff\")")
	return &m
}

// memoryFlags are the ways to give a program its input memory.
type memoryFlags struct {
	file string
	hex  string
}

// load returns the memory the flags name, or def when none is given.
func (m memoryFlags) load(def []byte) ([]byte, error) {
	if m.file != "" && m.hex != "" {
		return nil, badInput("--mem and --mem-hex are mutually exclusive")
	}
	if m.file != "" {
		b, err := os.ReadFile(m.file)
		if err != nil {
			return nil, badInput("%v", err)
		}
		return b, nil
	}
	if m.hex != "" {
		b, err := conformance.ParseHex(m.hex)
		if err != nil {
			return nil, badInput("--mem-hex: %v", err)
		}
		return b, nil
	}
	return append([]byte(nil), def...), nil
}

func formatR0(r0 uint64) string { return fmt.Sprintf("0x%x", r0) }
