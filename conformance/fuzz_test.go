package conformance

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary text to the .data parser and, when it parses,
// to the assembler: neither may panic.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("..", "testdata", "conformance", "*", "*.data"))
	if len(seeds) > 40 {
		seeds = seeds[:40]
	}
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("-- asm\nmov %r0, 1\nexit\n-- result\n0x1\n"))
	f.Add([]byte("-- raw\n0x00000001000000b7\n0x0000000000000095\n-- mem\n00 ff\n-- result\n1\n"))
	f.Add([]byte("-- asm\nexit\n-- error\nanything\n-- weird\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.data", data)
		if err != nil || c.Skip != "" {
			return
		}
		_, _ = c.Program()
	})
}

// FuzzParseHex checks the hex reader of the plugin and --mem-hex: no
// input panics, and whatever it accepts reads back the same when printed
// as spaced pairs.
func FuzzParseHex(f *testing.F) {
	for _, s := range []string{"", "b7 00 0x2a", "b700000005000000\n9500000000000000", "0X0a 1 ff", "010", "zz", "0x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ParseHex(s)
		if err != nil {
			return
		}
		var sb strings.Builder
		for _, c := range b {
			fmt.Fprintf(&sb, "%02x ", c)
		}
		again, err := ParseHex(sb.String())
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("%q -> % x, reprinted %q -> % x, %v", s, b, sb.String(), again, err)
		}
	})
}
