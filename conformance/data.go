// Package conformance reads test cases in the .data format of the
// bpf_conformance suite and runs them against an engine.
//
// A file is a list of sections, each introduced by a line containing "--"
// and a section name: "asm" (program text), "raw" (program as 64-bit
// words), "mem" (input bytes in hex), "result" (expected r0), "error"
// (the program must be rejected or fail), plus "c" and "no register
// offset", which carry nothing a runtime needs. "#" starts a comment. A
// file with any other section is skipped, as the suite's own runner does.
package conformance

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/ebpfjit/ebpfjit/asm"
	"github.com/ebpfjit/ebpfjit/isa"
)

// Case is one parsed .data file.
type Case struct {
	Name string

	Asm       string   // program text, when there is an asm section
	HasAsm    bool     //
	Raw       []uint64 // program words, when there is a raw section
	HasRaw    bool     //
	Mem       []byte   // input memory; nil when there is none
	Result    uint64   // expected r0
	HasResult bool     //
	// Error is the text of the error section; when HasError is set the
	// program must fail to assemble, validate or run. A non-empty Error
	// must also appear in the error message (our own cases use that to
	// pin down which failure they expect).
	Error    string
	HasError bool
	// Skip is the reason the file cannot be run by this runtime (an
	// unknown section), or "".
	Skip string
}

// ParseError names the file and line of malformed .data text.
type ParseError struct {
	File string
	Line int
	Msg  string
}

func (e *ParseError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

type sectionLine struct {
	line int
	text string
}

// Parse reads the .data text of the file called name.
func Parse(name string, data []byte) (*Case, error) {
	c := &Case{Name: name}
	sections := map[string][]sectionLine{}
	seen := map[string]int{}
	current := ""
	for i, line := range strings.Split(string(data), "\n") {
		lineNo := i + 1
		text := strings.TrimRight(line, "\r")
		if idx := strings.Index(text, "--"); idx >= 0 && strings.TrimSpace(text[:idx]) == "" && !strings.HasPrefix(strings.TrimSpace(text), "#") {
			current = strings.TrimSpace(text[idx+2:])
			if hash := strings.Index(current, "#"); hash >= 0 {
				current = strings.TrimSpace(current[:hash])
			}
			if _, dup := seen[current]; dup {
				return nil, &ParseError{name, lineNo, fmt.Sprintf("section %q appears twice", current)}
			}
			seen[current] = lineNo
			sections[current] = nil
			continue
		}
		if current == "" {
			if stripComment(text) != "" {
				return nil, &ParseError{name, lineNo, "text before the first section"}
			}
			continue
		}
		sections[current] = append(sections[current], sectionLine{lineNo, text})
	}
	if len(seen) == 0 {
		return nil, &ParseError{name, 1, "no sections (want at least -- asm or -- raw)"}
	}
	for sec, lines := range sections {
		var err error
		switch sec {
		case "asm":
			c.HasAsm = true
			var b strings.Builder
			// Keep line numbers aligned with the file for error messages.
			for i := 1; i < seen[sec]; i++ {
				b.WriteByte('\n')
			}
			b.WriteByte('\n')
			for _, l := range lines {
				b.WriteString(l.text)
				b.WriteByte('\n')
			}
			c.Asm = b.String()
		case "raw":
			c.HasRaw = true
			c.Raw, err = parseWords(name, lines)
		case "mem":
			c.Mem, err = parseHexBytes(name, lines)
		case "result":
			c.HasResult = true
			c.Result, err = parseResult(name, seen[sec], lines)
		case "error":
			c.HasError = true
			var parts []string
			for _, l := range lines {
				if t := stripComment(l.text); t != "" {
					parts = append(parts, t)
				}
			}
			c.Error = strings.Join(parts, " ")
		case "c", "no register offset":
			// Source code and runner hints: nothing to do.
		default:
			if c.Skip == "" {
				c.Skip = fmt.Sprintf("unknown section %q", sec)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	if c.Skip != "" {
		return c, nil
	}
	if !c.HasAsm && !c.HasRaw {
		return nil, &ParseError{name, 1, "no program (want an asm or raw section)"}
	}
	if !c.HasResult && !c.HasError {
		return nil, &ParseError{name, 1, "no expectation (want a result or error section)"}
	}
	if c.HasResult && c.HasError {
		return nil, &ParseError{name, 1, "both a result and an error section"}
	}
	return c, nil
}

func stripComment(s string) string {
	if i := strings.Index(s, "#"); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

func parseUint(s string) (uint64, error) {
	return strconv.ParseUint(s, 0, 64)
}

func parseWords(name string, lines []sectionLine) ([]uint64, error) {
	var words []uint64
	for _, l := range lines {
		for _, f := range strings.Fields(stripComment(l.text)) {
			v, err := parseUint(f)
			if err != nil {
				return nil, &ParseError{name, l.line, fmt.Sprintf("bad raw instruction word %q", f)}
			}
			words = append(words, v)
		}
	}
	if len(words) == 0 {
		return nil, &ParseError{name, 1, "empty raw section"}
	}
	return words, nil
}

func parseHexBytes(name string, lines []sectionLine) ([]byte, error) {
	var out []byte
	for _, l := range lines {
		for _, f := range strings.Fields(stripComment(l.text)) {
			b, err := ParseHexByte(f)
			if err != nil {
				return nil, &ParseError{name, l.line, err.Error()}
			}
			out = append(out, b)
		}
	}
	return out, nil
}

// ParseHexByte parses one byte written as two hex digits (optionally 0x).
func ParseHexByte(f string) (byte, error) {
	t := strings.TrimPrefix(strings.TrimPrefix(f, "0x"), "0X")
	if len(t) == 0 || len(t) > 2 {
		return 0, fmt.Errorf("bad memory byte %q (want two hex digits)", f)
	}
	v, err := strconv.ParseUint(t, 16, 8)
	if err != nil {
		return 0, fmt.Errorf("bad memory byte %q (want two hex digits)", f)
	}
	return byte(v), nil
}

// ParseHex parses hex bytes separated by whitespace, as in a mem section
// or the plugin's arguments and stdin. A field may also hold several
// bytes written together ("b700000005000000"), as hex dumps often are.
func ParseHex(s string) ([]byte, error) {
	var out []byte
	for i, f := range strings.Fields(s) {
		t := strings.TrimPrefix(strings.TrimPrefix(f, "0x"), "0X")
		if len(t) > 2 && len(t)%2 == 0 {
			for k := 0; k < len(t); k += 2 {
				v, err := strconv.ParseUint(t[k:k+2], 16, 8)
				if err != nil {
					return nil, fmt.Errorf("bad hex %q in field %d (want pairs of hex digits)", f, i+1)
				}
				out = append(out, byte(v))
			}
			continue
		}
		b, err := ParseHexByte(f)
		if err != nil {
			return nil, fmt.Errorf("bad hex %q in field %d (want pairs of hex digits)", f, i+1)
		}
		out = append(out, b)
	}
	return out, nil
}

func parseResult(name string, header int, lines []sectionLine) (uint64, error) {
	var vals []sectionLine
	for _, l := range lines {
		if t := stripComment(l.text); t != "" {
			vals = append(vals, sectionLine{l.line, t})
		}
	}
	if len(vals) != 1 {
		return 0, &ParseError{name, header, fmt.Sprintf("result section has %d values, want 1", len(vals))}
	}
	v, err := parseUint(vals[0].text)
	if err != nil {
		// Allow a negative decimal, read as two's complement.
		if iv, ierr := strconv.ParseInt(vals[0].text, 0, 64); ierr == nil {
			return uint64(iv), nil
		}
		return 0, &ParseError{name, vals[0].line, fmt.Sprintf("bad result %q", vals[0].text)}
	}
	return v, nil
}

// Program returns the case's program: the raw words when present (as the
// suite specifies), else the assembled text.
func (c *Case) Program() ([]isa.Instruction, error) {
	if c.HasRaw {
		code := make([]byte, len(c.Raw)*8)
		for i, w := range c.Raw {
			binary.LittleEndian.PutUint64(code[i*8:], w)
		}
		prog, err := isa.Decode(code)
		if err != nil {
			return nil, fmt.Errorf("%s: raw section: %w", c.Name, err)
		}
		return prog, nil
	}
	prog, err := asm.Assemble(c.Asm)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.Name, err)
	}
	return prog, nil
}
