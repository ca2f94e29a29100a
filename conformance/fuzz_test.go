package conformance

import (
	"os"
	"path/filepath"
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
