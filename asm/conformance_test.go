package asm_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ebpfjit/ebpfjit/asm"
	"github.com/ebpfjit/ebpfjit/isa"
)

// conformanceDir is where the bpf_conformance suite's .data files live on
// the development machine; BPF_CONFORMANCE_DIR overrides it.
func conformanceDir() string {
	if dir := os.Getenv("BPF_CONFORMANCE_DIR"); dir != "" {
		return dir
	}
	return filepath.Join("..", "..", "shared", "conformance", "bpf_conformance")
}

// sections splits a .data file into its "-- name" sections, comments
// removed.
func sections(data string) map[string]string {
	out := map[string]string{}
	name := ""
	for _, line := range strings.Split(data, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		if t := strings.TrimSpace(line); strings.HasPrefix(t, "--") {
			name = strings.TrimSpace(strings.TrimPrefix(t, "--"))
			continue
		}
		if name != "" {
			out[name] += line + "\n"
		}
	}
	return out
}

// TestConformanceFiles assembles the program of every file of the suite.
// Where the file also gives the bytes they must match; everywhere the
// program must consist of valid instructions only and survive a round
// trip through the disassembler.
func TestConformanceFiles(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(conformanceDir(), "*.data"))
	if len(files) == 0 {
		t.Skipf("no conformance files in %s", conformanceDir())
	}
	withRaw := 0
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			secs := sections(string(data))
			src, ok := secs["asm"]
			if !ok {
				t.Skip("no asm section")
			}
			prog, err := asm.Assemble(src)
			if err != nil {
				t.Fatal(err)
			}
			code := isa.Encode(prog)
			if raw, ok := secs["raw"]; ok {
				withRaw++
				var want []byte
				for _, w := range strings.Fields(raw) {
					v, err := strconv.ParseUint(w, 0, 64)
					if err != nil {
						t.Fatalf("raw word %q: %v", w, err)
					}
					want = binary.LittleEndian.AppendUint64(want, v)
				}
				if !bytes.Equal(code, want) {
					t.Errorf("assembled %x, raw section says %x", code, want)
				}
			}
			text := isa.Disassemble(prog)
			if strings.Contains(text, ".raw") {
				t.Errorf("program has invalid slots:\n%s", text)
			}
			again, err := asm.Assemble(text)
			if err != nil {
				t.Fatalf("reassembling the disassembly: %v\n%s", err, text)
			}
			if got := isa.Encode(again); !bytes.Equal(got, code) {
				t.Errorf("round trip changed %x to %x", code, got)
			}
		})
	}
	t.Logf("%d files, %d with a raw section", len(files), withRaw)
}
