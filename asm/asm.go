// Package asm assembles eBPF programs written in the text syntax of the
// bpf_conformance suite (the uBPF assembler dialect): "%rN" registers,
// "[%rN+off]" memory operands, a "32" suffix for 32-bit operations, labels
// and "lock" atomics. It accepts everything isa.Disassemble prints, so
// disassembled text always assembles back to the same bytes, plus the
// variants found in hand-written test files.
package asm

import (
	"fmt"
	"strings"

	"github.com/ebpfjit/ebpfjit/isa"
)

// Error is an assembly failure on one source line.
type Error struct {
	Line int // 1-based
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// Assemble translates program text into instruction slots, one element per
// 8-byte slot as everywhere in package isa (lddw takes two).
//
// Each line holds at most one instruction, optionally preceded by labels
// ("name:"); "#" starts a comment. Jump targets, "call local" and
// "lddw func(...)" take a label or a signed slot offset. If no label
// "exit" is defined, "exit" names the first exit instruction, as the
// conformance files assume. ".raw <word>" emits one slot given as the
// little-endian 64-bit word of its encoding.
func Assemble(src string) ([]isa.Instruction, error) {
	a := &assembler{labels: map[string]label{}, firstExit: -1}
	for i, text := range strings.Split(src, "\n") {
		a.line = i + 1
		if err := a.assembleLine(text); err != nil {
			return nil, &Error{Line: a.line, Msg: err.Error()}
		}
	}
	if err := a.resolve(); err != nil {
		return nil, err
	}
	return a.prog, nil
}

// assembler is the state of one Assemble call. Label references are
// recorded as fixups while the text is read and patched at the end, so
// that forward jumps need no second pass over the source.
type assembler struct {
	prog      []isa.Instruction
	labels    map[string]label
	fixups    []fixup
	firstExit int // slot of the first exit, the implicit "exit" label
	line      int // current line, 1-based
}

type label struct {
	slot, line int
}

// fixup is a reference to a label from the instruction at slot, to be
// stored as a relative offset in its Imm field (inImm) or Offset field.
type fixup struct {
	slot, line int
	label      string
	inImm      bool
}

func (a *assembler) assembleLine(text string) error {
	if i := strings.IndexByte(text, '#'); i >= 0 {
		text = text[:i]
	}
	text = strings.TrimSpace(text)
	// No instruction uses ':', so every colon ends a label.
	for {
		name, rest, ok := strings.Cut(text, ":")
		if !ok {
			break
		}
		name = strings.TrimSpace(name)
		if !isLabel(name) {
			return fmt.Errorf("invalid label %q", name)
		}
		if prev, dup := a.labels[name]; dup {
			return fmt.Errorf("duplicate label %q (first defined on line %d)", name, prev.line)
		}
		a.labels[name] = label{slot: len(a.prog), line: a.line}
		text = strings.TrimSpace(rest)
	}
	if text == "" {
		return nil
	}
	return a.instruction(text)
}

// resolve patches every label reference with target - (slot + 1), the
// offset the processor adds to the address of the next slot.
func (a *assembler) resolve() error {
	for _, f := range a.fixups {
		target, ok := a.labels[f.label]
		if !ok && f.label == "exit" && a.firstExit >= 0 {
			target, ok = label{slot: a.firstExit}, true
		}
		if !ok {
			return &Error{Line: f.line, Msg: fmt.Sprintf("undefined label %q", f.label)}
		}
		rel := int64(target.slot) - int64(f.slot+1)
		if err := checkOffset(rel, f.inImm); err != nil {
			return &Error{Line: f.line, Msg: fmt.Sprintf("label %q: %v", f.label, err)}
		}
		if f.inImm {
			a.prog[f.slot].Imm = int32(rel)
		} else {
			a.prog[f.slot].Offset = int16(rel)
		}
	}
	return nil
}

// isLabel reports whether s is a valid label name,
// [A-Za-z_.][A-Za-z0-9_.]*.
func isLabel(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '.'
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}
